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
    /// SIGINT or SIGTERM.
    Stop(Stop),
}

/// A signal that stops `run`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stop {
    Int,
    Term,
}

impl Stop {
    /// The name, for the log.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Stop::Int => "SIGINT",
            Stop::Term => "SIGTERM",
        }
    }

    /// How `run` exits when this signal, coming a second time, killed the running jobs:
    /// 128 + the signal's number, as a shell reports a process the signal ended (130 for
    /// SIGINT, 143 for SIGTERM).
    pub(crate) fn exit_code(self) -> u8 {
        let number = match self {
            Stop::Int => SIGINT,
            Stop::Term => SIGTERM,
        };
        u8::try_from(128 + number).unwrap_or(u8::MAX)
    }
}

/// Which scheduler event a raw signal number is.
pub(crate) fn classify(signal: i32) -> Option<Signal> {
    match signal {
        SIGHUP => Some(Signal::Reload),
        SIGINT => Some(Signal::Stop(Stop::Int)),
        SIGTERM => Some(Signal::Stop(Stop::Term)),
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
        assert_eq!(classify(SIGINT), Some(Signal::Stop(Stop::Int)));
        assert_eq!(classify(SIGTERM), Some(Signal::Stop(Stop::Term)));
        assert_eq!(classify(signal_hook::consts::SIGUSR1), None);
    }

    #[test]
    fn a_second_stop_signal_exits_128_plus_its_number() {
        assert_eq!((Stop::Int.name(), Stop::Int.exit_code()), ("SIGINT", 130));
        assert_eq!(
            (Stop::Term.name(), Stop::Term.exit_code()),
            ("SIGTERM", 143)
        );
    }
}
