//! Integration tests: jobs with a `[jobs.NAME.webhook]` trigger (PRODUCT.md section 9) as the
//! commands that read the job file see them: `check`, `list`, `show`, `next`, `install`,
//! `export`, and `exec --payload`.

mod check;
