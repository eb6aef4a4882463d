#!/usr/bin/env bash
# Regenerates the committed shell completions (completions/) and man page (man/) from the
# jobtab binary, so they always match src/cli.rs. Safe to run any number of times: the same
# source gives the same files. tests/completions.rs fails when they are stale.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --quiet --bin jobtab
# Keep JOBTAB_* variables out, so nothing of this machine's setup reaches the files.
jobtab() {
  env -u JOBTAB_FILE -u JOBTAB_STATE_DIR cargo run --quiet --bin jobtab -- "$@"
}

mkdir -p completions/static man
write() { # write FILE COMMAND...: the command's output into FILE, replaced only when complete
  local file=$1
  shift
  if ! "$@" > "$file.tmp"; then
    rm -f "$file.tmp"
    echo "gen-docs: \`$*\` failed; $file is unchanged" >&2
    exit 1
  fi
  mv "$file.tmp" "$file"
  echo "wrote $file"
}
# The scripts that call jobtab back for job names and zones (what `COMPLETE=SHELL jobtab`
# prints), then the static ones that never run jobtab (commands and options only).
write completions/jobtab.bash jobtab completions bash
write completions/_jobtab jobtab completions zsh
write completions/jobtab.fish jobtab completions fish
write completions/jobtab.elv jobtab completions elvish
write completions/_jobtab.ps1 jobtab completions powershell
write completions/static/jobtab.bash jobtab completions --static bash
write completions/static/_jobtab jobtab completions --static zsh
write completions/static/jobtab.fish jobtab completions --static fish
write completions/static/jobtab.elv jobtab completions --static elvish
write completions/static/_jobtab.ps1 jobtab completions --static powershell
write man/jobtab.1 jobtab man
