//! Timestamps as the log and the deliveries log write them: RFC 3339 with milliseconds, `Z`
//! for UTC, exactly as chrono's `to_rfc3339_opts(SecondsFormat::Millis, true)`. The text up to
//! the second is kept per thread (two seconds: a local one and a UTC one), so a line costs
//! three digits, not a calendar computation (the server writes two per request).

use std::cell::RefCell;
use std::fmt::Write as _;

use chrono::{DateTime, Offset as _, SecondsFormat, TimeZone};

/// A second formatted on this thread: its key (the second and the zone's offset), the text
/// before the milliseconds and the text after them.
struct Cached {
    key: Option<(i64, i32)>,
    head: String,
    tail: String,
}

/// Two seconds are kept, so that a thread writing both local and UTC times (a log line and a
/// record) finds both.
struct Cache {
    slots: [Cached; 2],
    /// The slot to replace next.
    next: usize,
}

const EMPTY: Cached = Cached {
    key: None,
    head: String::new(),
    tail: String::new(),
};

thread_local! {
    static CACHE: RefCell<Cache> = const { RefCell::new(Cache { slots: [EMPTY, EMPTY], next: 0 }) };
}

/// `time` as `2026-03-01T09:58:00.123Z` (or `...123+01:00` in another zone).
pub(crate) fn millis<Tz: TimeZone>(time: &DateTime<Tz>) -> String {
    let mut text = String::with_capacity(29);
    push_millis(&mut text, time);
    text
}

/// Appends [`millis`]'s text of `time` to `out`.
pub(crate) fn push_millis<Tz: TimeZone>(out: &mut String, time: &DateTime<Tz>) {
    if time.timestamp_subsec_nanos() >= 1_000_000_000 {
        // A leap second (`:60`) shares its key with the second before: never cached.
        out.push_str(&time.to_rfc3339_opts(SecondsFormat::Millis, true));
        return;
    }
    let key = (time.timestamp(), time.offset().fix().local_minus_utc());
    CACHE.with_borrow_mut(|cache| {
        let slot = match cache.slots.iter().position(|slot| slot.key == Some(key)) {
            Some(slot) => slot,
            None => {
                let slot = cache.next;
                cache.next = 1 - slot;
                let cached = &mut cache.slots[slot];
                let full = time.to_rfc3339_opts(SecondsFormat::Millis, true);
                // `<date>T<HH:MM:SS>` `.mmm` `Z|+HH:MM`: a text of another shape (there is
                // none today) is written as chrono made it, and not kept.
                let Some(dot) = full.rfind('.').filter(|&dot| full.len() >= dot + 4) else {
                    cached.key = None;
                    out.push_str(&full);
                    return;
                };
                cached.head = full[..dot].to_owned();
                cached.tail = full[dot + 4..].to_owned();
                cached.key = Some(key);
                slot
            }
        };
        let cached = &cache.slots[slot];
        out.push_str(&cached.head);
        let _ = write!(out, ".{:03}", time.timestamp_subsec_millis());
        out.push_str(&cached.tail);
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{FixedOffset, Utc};

    /// The same text as chrono's, for times in one second, across seconds, in UTC and in
    /// other offsets (the cache is keyed by both), and for a leap second and the second
    /// before it.
    #[test]
    fn the_text_is_chronos() {
        let base = Utc.with_ymd_and_hms(2026, 3, 29, 0, 59, 59).unwrap();
        let zones = [
            FixedOffset::east_opt(0).unwrap(),
            FixedOffset::east_opt(3600).unwrap(),
            FixedOffset::west_opt(5 * 3600 + 1800).unwrap(),
        ];
        for step in 0..3000 {
            let utc = base + chrono::Duration::milliseconds(step * 7);
            assert_eq!(
                millis(&utc),
                utc.to_rfc3339_opts(SecondsFormat::Millis, true)
            );
            for zone in &zones {
                let local = utc.with_timezone(zone);
                assert_eq!(
                    millis(&local),
                    local.to_rfc3339_opts(SecondsFormat::Millis, true)
                );
            }
        }
        let leap = chrono::NaiveDate::from_ymd_opt(2016, 12, 31)
            .unwrap()
            .and_hms_milli_opt(23, 59, 59, 1500)
            .unwrap()
            .and_utc();
        let before = leap - chrono::Duration::milliseconds(1000);
        for time in [before, leap, before, leap] {
            assert_eq!(
                millis(&time),
                time.to_rfc3339_opts(SecondsFormat::Millis, true)
            );
        }
    }
}
