//! Wall-clock jump detection: the wall clock (`Utc::now`) compared with the monotonic clock
//! (`Instant`) between two wakes of the scheduler.
//!
//! The two clocks advance together unless someone sets the clock, NTP steps it, or the machine
//! sleeps (the monotonic clock stops during suspend, the wall clock does not). The scheduler
//! calls [`ClockWatch::observe`] on every wake; a difference of more than [`JUMP_THRESHOLD`]
//! is a jump. The classification is pure so it is tested with injected instants; the
//! [`spawn_clock_change_listener`] thread only makes a clock change wake the scheduler at once
//! instead of at its next capped wake.

use std::sync::mpsc::Sender;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};

/// How far the wall clock may drift from the monotonic clock between two wakes before it
/// counts as a jump. NTP slewing moves it by at most 0.5 ms per second, far less than this.
pub(crate) const JUMP_THRESHOLD: Duration = Duration::from_secs(3);

/// Beyond this, a jump is a clock correction (Vixie cron's rule, RESEARCH.md C4): every job is
/// rescheduled from the new time, even ones that would repeat an instant already run.
pub(crate) const CORRECTION: Duration = Duration::from_secs(3 * 3600);

/// A detected jump of the wall clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Jump {
    /// What the wall clock would read had it not jumped.
    pub(crate) expected: DateTime<Utc>,
    /// What it reads.
    pub(crate) now: DateTime<Utc>,
}

impl Jump {
    /// Positive when the clock moved forward (or the machine slept).
    pub(crate) fn delta(&self) -> TimeDelta {
        self.now - self.expected
    }

    pub(crate) fn is_forward(&self) -> bool {
        self.now > self.expected
    }

    /// Whether the jump is larger than [`CORRECTION`].
    pub(crate) fn is_correction(&self) -> bool {
        self.delta().abs().to_std().unwrap_or(Duration::MAX) > CORRECTION
    }

    /// "2h forward", "5s backward".
    pub(crate) fn describe(&self) -> String {
        let size = self.delta().abs().to_std().unwrap_or_default();
        let rounded = Duration::from_secs(size.as_secs().max(1));
        let way = if self.is_forward() {
            "forward"
        } else {
            "backward"
        };
        format!("{} {way}", crate::duration::format(rounded))
    }
}

/// The last time both clocks were read.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ClockWatch {
    wall: DateTime<Utc>,
    mono: Instant,
}

impl ClockWatch {
    pub(crate) fn new(wall: DateTime<Utc>, mono: Instant) -> ClockWatch {
        ClockWatch { wall, mono }
    }

    /// Records a reading of both clocks and returns the jump since the previous reading, if
    /// the wall clock moved more than [`JUMP_THRESHOLD`] away from the monotonic clock.
    pub(crate) fn observe(&mut self, wall: DateTime<Utc>, mono: Instant) -> Option<Jump> {
        let elapsed = mono.saturating_duration_since(self.mono);
        let expected = self.wall + TimeDelta::from_std(elapsed).unwrap_or(TimeDelta::MAX);
        self.wall = wall;
        self.mono = mono;
        let drift = (wall - expected).abs().to_std().unwrap_or(Duration::MAX);
        (drift > JUMP_THRESHOLD).then_some(Jump {
            expected,
            now: wall,
        })
    }
}

/// Starts a thread that sends `event` whenever the kernel reports a discontinuous change of
/// the real-time clock (`settimeofday`, an NTP step, and on resume from suspend), using a
/// `CLOCK_REALTIME` timerfd armed far in the future with `TFD_TIMER_CANCEL_ON_SET`. Without it
/// the scheduler still notices jumps at its next wake (at most `MAX_SLEEP` later). Returns
/// `false` when the timer is unavailable.
pub(crate) fn spawn_clock_change_listener<E: Send + 'static>(
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

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn clocks_that_advance_together_are_no_jump() {
        let mono = Instant::now();
        let mut watch = ClockWatch::new(t("2026-01-01T00:00:00Z"), mono);
        let jump = watch.observe(t("2026-01-01T00:01:00.5Z"), mono + Duration::from_secs(60));
        assert_eq!(jump, None);
        // Waking late (a busy machine) advances both clocks: still no jump.
        let jump = watch.observe(t("2026-01-01T00:11:00.5Z"), mono + Duration::from_secs(660));
        assert_eq!(jump, None);
    }

    #[test]
    fn a_forward_jump_or_a_suspend_is_detected() {
        let mono = Instant::now();
        let mut watch = ClockWatch::new(t("2026-01-01T00:00:00Z"), mono);
        // 10 s of monotonic time, 2 h 10 s of wall time: suspended for 2 h.
        let jump = watch
            .observe(t("2026-01-01T02:00:10Z"), mono + Duration::from_secs(10))
            .expect("a jump");
        assert!(jump.is_forward());
        assert_eq!(jump.expected, t("2026-01-01T00:00:10Z"));
        assert_eq!(jump.delta(), TimeDelta::hours(2));
        assert_eq!(jump.describe(), "2h forward");
        assert!(!jump.is_correction());
        // The next reading is measured from the new wall time.
        let next = watch.observe(t("2026-01-01T02:00:20Z"), mono + Duration::from_secs(20));
        assert_eq!(next, None);
    }

    #[test]
    fn a_backward_jump_is_detected_and_large_ones_are_corrections() {
        let mono = Instant::now();
        let mut watch = ClockWatch::new(t("2026-01-01T12:00:00Z"), mono);
        let jump = watch
            .observe(t("2026-01-01T11:59:55Z"), mono + Duration::from_secs(1))
            .expect("a jump");
        assert!(!jump.is_forward());
        assert_eq!(jump.describe(), "6s backward");
        assert!(!jump.is_correction());
        let big = watch
            .observe(t("2025-12-31T00:00:00Z"), mono + Duration::from_secs(2))
            .expect("a jump");
        assert!(big.is_correction());
    }

    #[test]
    fn small_drift_is_not_a_jump() {
        let mono = Instant::now();
        let mut watch = ClockWatch::new(t("2026-01-01T00:00:00Z"), mono);
        let jump = watch.observe(t("2026-01-01T00:01:02Z"), mono + Duration::from_secs(60));
        assert_eq!(jump, None);
    }
}
