//! Wall-clock jump detection: the wall clock (`Utc::now`) compared with the monotonic clock
//! (`Instant`) between two wakes of the scheduler.
//!
//! The two clocks advance together unless someone sets the clock, NTP steps it, or the machine
//! sleeps (the monotonic clock stops during suspend, the wall clock does not). The scheduler
//! calls [`ClockWatch::observe`] on every wake; a difference of more than [`JUMP_THRESHOLD`]
//! is a jump. The classification is pure so it is tested with injected instants; the
//! clock-change source (`sources::clock_change`) only makes a clock change wake the scheduler
//! at once instead of at its next capped wake.

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
