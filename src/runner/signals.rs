//! The signals `run` reacts to, turned into scheduler events by a thread: SIGHUP reloads the job
//! file; SIGINT and SIGTERM stop scheduling (a second one kills running jobs at once).

use std::sync::mpsc::Sender;

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

/// A signal, as the scheduler sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Signal {
    /// SIGHUP.
    Reload,
    /// SIGINT or SIGTERM (the name, for the log).
    Stop(&'static str),
}

/// Which scheduler event a raw signal number is.
pub(crate) fn classify(signal: i32) -> Option<Signal> {
    match signal {
        SIGHUP => Some(Signal::Reload),
        SIGINT => Some(Signal::Stop("SIGINT")),
        SIGTERM => Some(Signal::Stop("SIGTERM")),
        _ => None,
    }
}

/// Installs the handlers (from now on these signals no longer end the process by default) and
/// starts the thread that forwards them as `wrap(signal)` events.
pub(crate) fn spawn<E: Send + 'static>(
    events: Sender<E>,
    wrap: fn(Signal) -> E,
) -> std::io::Result<()> {
    let mut signals = Signals::new([SIGHUP, SIGINT, SIGTERM])?;
    std::thread::Builder::new()
        .name("signals".into())
        .stack_size(64 * 1024)
        .spawn(move || {
            for raw in signals.forever() {
                if let Some(signal) = classify(raw)
                    && events.send(wrap(signal)).is_err()
                {
                    return;
                }
            }
        })
        .map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_the_signals_run_handles() {
        assert_eq!(classify(SIGHUP), Some(Signal::Reload));
        assert_eq!(classify(SIGINT), Some(Signal::Stop("SIGINT")));
        assert_eq!(classify(SIGTERM), Some(Signal::Stop("SIGTERM")));
        assert_eq!(classify(signal_hook::consts::SIGUSR1), None);
    }
}
