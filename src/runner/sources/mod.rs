//! Event sources: threads (and one-off senders) that turn what happens outside the scheduler
//! into events on its one channel, in the spirit of watchexec's `sources/` feeding one event
//! loop. Signals (`signals`), job file changes (`watch`), clock changes (`clock_change`) and
//! requests to run a job now (`start`: `@reboot` at start; the triggers to come go here too).
//! Scheduled instants are not a source: the scheduler's own plan wakes it for those.

pub(crate) mod clock_change;
pub(crate) mod signals;
mod start;
pub(crate) mod watch;

pub(crate) use start::at_start;
