//! Writing one `RawJob` as TOML the way a person would: a `[jobs.NAME]` table with the schedule
//! first, `env` and `notify` as inline tables, and `http` inline when it is just a URL and a
//! method, else its own `[jobs.NAME.http]` table.
//!
//! Two writers of that one layout: `text` writes the text directly (adding jobs, `import`'s
//! 100,000 of them), `table` builds a `toml_edit` table for changes made in a parsed document.
//! The tests hold them to the same bytes.

mod table;
mod text;

pub(crate) use table::job_table;
pub(crate) use text::{job_toml, write_job};

#[cfg(test)]
mod tests;
