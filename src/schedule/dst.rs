//! From matching wall-clock times to instants, with Vixie cron's daylight-saving rule
//! (PRODUCT.md section 3, RESEARCH.md C4).
//!
//! A fixed-time schedule (minute and hour fields do not start with `*`) whose wall time falls
//! in a spring-forward gap runs once at the first instant after the gap, and a wall time that
//! occurs twice in a fall-back runs only at its first occurrence. Any other schedule follows
//! real time: a skipped wall time does not run, a repeated one runs at both instants.
//!
//! Every answer is strictly after the instant asked about, so a scheduler that feeds each run
//! back in gets exactly this rule, with no double fire and no skipped post-gap run.

use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};

use super::engine::Engine;
use crate::zone::Zone;

/// No real zone shifts its clock by more than this at once, and no two shifts are closer.
const MAX_SHIFT: TimeDelta = TimeDelta::hours(3);

/// The first run strictly after `after`: see the module doc.
pub(crate) fn next_after(
    engine: &Engine,
    fixed: bool,
    after: DateTime<Utc>,
    zone: Zone,
) -> Option<DateTime<Utc>> {
    let fall_back = fall_back_near(zone, after);
    let first = first_pass_next(engine, fixed, after, zone, fall_back);
    if fixed {
        return first;
    }
    let second = fall_back.and_then(|fb| second_pass_next(engine, after, fb));
    match (first, second) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// A fall-back change: the instant it happens and the UTC offsets (seconds) before and after.
#[derive(Debug, Clone, Copy)]
struct FallBack {
    at: DateTime<Utc>,
    before: i32,
    after: i32,
}

impl FallBack {
    /// The wall time at which the first pass through the repeated range ends.
    fn first_pass_end(self) -> Option<NaiveDateTime> {
        wall_at(self.at, self.before)
    }

    /// The wall time at which the second pass starts.
    fn second_pass_start(self) -> Option<NaiveDateTime> {
        wall_at(self.at, self.after)
    }
}

fn offset(zone: Zone, t: DateTime<Utc>) -> i32 {
    zone.to_fixed(t).offset().local_minus_utc()
}

fn wall(zone: Zone, t: DateTime<Utc>) -> NaiveDateTime {
    zone.to_fixed(t).naive_local()
}

fn wall_at(t: DateTime<Utc>, offset: i32) -> Option<NaiveDateTime> {
    t.naive_utc()
        .checked_add_signed(TimeDelta::seconds(i64::from(offset)))
}

/// The smallest whole-second instant in `(lo, hi]` (Unix seconds) for which `pred` holds,
/// given that it is false at `lo`, true at `hi`, and changes once in between.
fn first_true(
    mut lo: i64,
    mut hi: i64,
    pred: impl Fn(DateTime<Utc>) -> bool,
) -> Option<DateTime<Utc>> {
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if pred(DateTime::from_timestamp(mid, 0)?) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    DateTime::from_timestamp(hi, 0)
}

/// The fall-back change within `MAX_SHIFT` of `t`, if there is one.
fn fall_back_near(zone: Zone, t: DateTime<Utc>) -> Option<FallBack> {
    let lo = t.checked_sub_signed(MAX_SHIFT)?;
    let hi = t.checked_add_signed(MAX_SHIFT)?;
    let (before, after) = (offset(zone, lo), offset(zone, hi));
    if before <= after {
        return None;
    }
    let at = first_true(lo.timestamp(), hi.timestamp(), |x| {
        offset(zone, x) != before
    })?;
    Some(FallBack { at, before, after })
}

/// The first instant after the spring-forward gap that swallowed wall time `w`: the smallest
/// instant whose wall time is later than `w`.
fn gap_end(zone: Zone, w: NaiveDateTime) -> Option<DateTime<Utc>> {
    // Offsets lie within -12h..+14h, so the answer lies within these bounds.
    let lo = w.checked_sub_signed(TimeDelta::hours(15))?.and_utc();
    let hi = w.checked_add_signed(TimeDelta::hours(13))?.and_utc();
    first_true(lo.timestamp(), hi.timestamp(), |x| wall(zone, x) > w)
}

/// The first run strictly after `after` at the first (or only) occurrence of its wall time,
/// or, for a fixed-time schedule, right after a gap that skipped it.
fn first_pass_next(
    engine: &Engine,
    fixed: bool,
    after: DateTime<Utc>,
    zone: Zone,
    fall_back: Option<FallBack>,
) -> Option<DateTime<Utc>> {
    let mut w = wall(zone, after);
    if let Some(fb) = fall_back
        && after >= fb.at
        && let Some(end) = fb.first_pass_end()
        && w < end
    {
        // `after` lies in the second pass: the first occurrences of the walls up to the end of
        // the repeated range are already past. (Second occurrences: `second_pass_next`.)
        w = end - TimeDelta::seconds(1);
    }
    // Each pass moves `w` forward past a match or a gap; real zones need one or two passes.
    for _ in 0..64 {
        w = engine.next_wall(w)?;
        let instants = zone.instants_at(w);
        if let Some(&first) = instants.first() {
            if first > after {
                return Some(first);
            }
            if !fixed
                && let Some(&second) = instants.get(1)
                && second > after
            {
                return Some(second);
            }
            continue;
        }
        let end = gap_end(zone, w)?;
        if fixed {
            if end > after {
                return Some(end);
            }
        } else {
            w = wall(zone, end) - TimeDelta::seconds(1);
        }
    }
    None
}

/// For a schedule that follows real time: its first run strictly after `after` in the second
/// pass through the range that `fb` repeats.
fn second_pass_next(engine: &Engine, after: DateTime<Utc>, fb: FallBack) -> Option<DateTime<Utc>> {
    let start = fb.second_pass_start()?;
    let end = fb.first_pass_end()?;
    let after_wall = wall_at(after, fb.after)?;
    let from = after_wall.max(start - TimeDelta::seconds(1));
    let w = engine.next_wall(from)?;
    if w >= end {
        return None;
    }
    let instant = w
        .checked_sub_signed(TimeDelta::seconds(i64::from(fb.after)))?
        .and_utc();
    (instant > after).then_some(instant)
}
