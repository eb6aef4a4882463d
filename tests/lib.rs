//! The integration tests: one binary, one module per area, all running the built `jobtab`
//! against temp dirs. None of them touches the real `$HOME` or crontab.

mod util;
mod webhooks;

mod api;
mod browser;
mod chains;
mod check;
mod cli;
mod completions;
mod dashboard;
mod edit;
mod exec;
mod explain;
mod export;
mod first_contact;
mod history;
mod hook;
mod import;
mod install;
mod json;
mod logs;
mod manage;
mod messages;
mod next;
mod notify;
mod readme;
mod run;
mod secrets;
mod state;
mod store;
mod trust;
mod tty;
mod webhook_jobs;
