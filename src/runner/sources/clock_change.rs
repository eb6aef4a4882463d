//! Clock changes as scheduler events: the kernel says when the real-time clock was set, so the
//! scheduler re-reads its clocks (`clock::ClockWatch`) at once rather than at its next capped
//! wake.

use std::sync::mpsc::Sender;

/// Starts a thread that sends `event` whenever the kernel reports a discontinuous change of
/// the real-time clock (`settimeofday`, an NTP step, and on resume from suspend), using a
/// `CLOCK_REALTIME` timerfd armed far in the future with `TFD_TIMER_CANCEL_ON_SET`. Without
/// it the scheduler still notices jumps at its next wake (at most `scheduler::MAX_SLEEP`
/// later). Returns `false` when the timer is unavailable.
pub(crate) fn spawn<E: Send + 'static>(
    events: Sender<E>,
    event: impl Fn() -> E + Send + 'static,
) -> bool {
    use nix::sys::time::TimeSpec;
    use nix::sys::timerfd::{ClockId, Expiration, TimerFd, TimerFlags, TimerSetTimeFlags};
    use nix::time::{ClockId as Clock, clock_gettime};

    let Ok(timer) = TimerFd::new(ClockId::CLOCK_REALTIME, TimerFlags::TFD_CLOEXEC) else {
        return false;
    };
    let arm = move |timer: &TimerFd| -> bool {
        let Ok(now) = clock_gettime(Clock::CLOCK_REALTIME) else {
            return false;
        };
        // A year ahead: the timer is only there to be cancelled by a clock change.
        let at = TimeSpec::new(now.tv_sec() + 365 * 86_400, 0);
        timer
            .set(
                Expiration::OneShot(at),
                TimerSetTimeFlags::TFD_TIMER_ABSTIME | TimerSetTimeFlags::TFD_TIMER_CANCEL_ON_SET,
            )
            .is_ok()
    };
    if !arm(&timer) {
        return false;
    }
    std::thread::Builder::new()
        .name("clock".into())
        .stack_size(64 * 1024)
        .spawn(move || {
            // `wait` returns when the timer is cancelled by a clock change (or, in a year,
            // expires); either way the scheduler re-reads the clocks.
            while timer.wait().is_ok() {
                if events.send(event()).is_err() || !arm(&timer) {
                    return;
                }
            }
        })
        .is_ok()
}
