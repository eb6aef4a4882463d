complete --keep-order --exclusive --command jobtab --arguments "(COMPLETE=fish jobtab -- (commandline --current-process --tokenize --cut-at-cursor) (commandline --current-token))"
