//! The calendar side of a schedule: which wall-clock times match, and the next matching wall
//! time after a given one, found by jumping field by field (year, month, day, hour, minute,
//! second), never by stepping minute by minute.

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};

use super::parse::{FIRST_YEAR, Field, Item};

/// How far ahead a schedule without a year field is searched before it is declared to never
/// fire: long enough for the rarest real pattern (a fifth Friday in February recurs after up
/// to 40 years), short enough that an impossible date like February 31 answers in microseconds.
const SEARCH_YEARS: i32 = 100;

/// The matching rules of a schedule, on wall-clock time.
#[derive(Debug, Clone)]
pub(crate) struct Spec {
    pub(crate) second: Field,
    pub(crate) minute: Field,
    pub(crate) hour: Field,
    pub(crate) day_of_month: Field,
    pub(crate) month: Field,
    pub(crate) day_of_week: Field,
    pub(crate) year: Option<Field>,
}

impl Spec {
    /// Whether both day fields must match (Vixie: when either starts with `*`), rather than
    /// either of them.
    pub(crate) fn days_and(&self) -> bool {
        self.day_of_month.star || self.day_of_week.star
    }

    /// Whether the day (year, month 1-12, day 1-31) matches both day fields by the Vixie rule.
    pub(crate) fn day_matches(&self, date: NaiveDate) -> bool {
        let dom = dom_matches(&self.day_of_month, date);
        let dow = dow_matches(&self.day_of_week, date);
        if self.days_and() {
            dom && dow
        } else {
            dom || dow
        }
    }

    /// Whether a wall-clock time (whole seconds) matches every field.
    pub(crate) fn matches(&self, wall: NaiveDateTime) -> bool {
        self.second.has(wall.second())
            && self.minute.has(wall.minute())
            && self.hour.has(wall.hour())
            && self.month.has(wall.month())
            && self.year_ok(wall.year())
            && self.day_matches(wall.date())
    }

    /// Bit `d` set for every matching day `d` of the month.
    fn day_mask(&self, year: i32, month: u32) -> u32 {
        let mut mask = 0;
        let Some(first) = NaiveDate::from_ymd_opt(year, month, 1) else {
            return 0;
        };
        let mut date = first;
        while date.month() == month {
            if self.day_matches(date) {
                mask |= 1 << date.day();
            }
            match date.succ_opt() {
                Some(next) => date = next,
                None => break,
            }
        }
        mask
    }

    fn year_ok(&self, year: i32) -> bool {
        self.year
            .as_ref()
            .is_none_or(|field| u32::try_from(year).is_ok_and(|y| field.has(y)))
    }

    /// The first year at least `year` the year field allows.
    fn next_year(&self, year: i32) -> Option<i32> {
        let Some(field) = &self.year else {
            return Some(year);
        };
        let offset = u32::try_from(year.max(FIRST_YEAR as i32)).ok()? - FIRST_YEAR;
        field
            .next_from(offset)
            .and_then(|bit| i32::try_from(bit + FIRST_YEAR).ok())
    }

    /// The last year searched when starting in `year`.
    fn limit_year(&self, year: i32) -> i32 {
        match &self.year {
            Some(field) => {
                let last = 127 - field.bits.leading_zeros();
                (last + FIRST_YEAR) as i32
            }
            None => year.saturating_add(SEARCH_YEARS),
        }
    }

    /// The first matching wall time strictly after `after` (whole seconds), or `None` when
    /// there is none within the search limit.
    pub(crate) fn next_wall(&self, after: NaiveDateTime) -> Option<NaiveDateTime> {
        let start = after
            .with_nanosecond(0)?
            .checked_add_signed(chrono::TimeDelta::seconds(1))?;
        let limit = self.limit_year(start.year());
        let (mut y, mut mo, mut d) = (start.year(), start.month(), start.day());
        let (mut h, mut mi, mut s) = (start.hour(), start.minute(), start.second());
        // Every pass either returns or moves strictly forward by at least one second, and each
        // level resets the ones below it, so the loop runs a bounded number of times.
        loop {
            if y > limit {
                return None;
            }
            if !self.year_ok(y) {
                let next = self.next_year(y.checked_add(1)?)?;
                (y, mo, d, h, mi, s) = (next, 1, 1, 0, 0, 0);
                continue;
            }
            match self.month.next_from(mo) {
                Some(m) if m == mo => {}
                Some(m) => (mo, d, h, mi, s) = (m, 1, 0, 0, 0),
                None => {
                    (y, mo, d, h, mi, s) = (y + 1, 1, 1, 0, 0, 0);
                    continue;
                }
            }
            let mask = self.day_mask(y, mo);
            let rest = if d < 32 { mask & (u32::MAX << d) } else { 0 };
            if rest == 0 {
                if mo == 12 {
                    (y, mo) = (y + 1, 1);
                } else {
                    mo += 1;
                }
                (d, h, mi, s) = (1, 0, 0, 0);
                continue;
            }
            let day = rest.trailing_zeros();
            if day != d {
                (d, h, mi, s) = (day, 0, 0, 0);
            }
            match self.hour.next_from(h) {
                Some(v) if v == h => {}
                Some(v) => (h, mi, s) = (v, 0, 0),
                None => {
                    (d, h, mi, s) = (d + 1, 0, 0, 0);
                    continue;
                }
            }
            match self.minute.next_from(mi) {
                Some(v) if v == mi => {}
                Some(v) => (mi, s) = (v, 0),
                None => {
                    (h, mi, s) = (h + 1, 0, 0);
                    continue;
                }
            }
            match self.second.next_from(s) {
                Some(v) => s = v,
                None => {
                    (mi, s) = (mi + 1, 0);
                    continue;
                }
            }
            return NaiveDate::from_ymd_opt(y, mo, d)?.and_hms_opt(h, mi, s);
        }
    }
}

fn days_in_month(date: NaiveDate) -> u32 {
    let (y, m) = (date.year(), date.month());
    let next = if m == 12 {
        NaiveDate::from_ymd_opt(y + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(y, m + 1, 1)
    };
    next.and_then(|n| n.pred_opt())
        .map_or(31, |last| last.day())
}

fn is_weekday(date: NaiveDate) -> bool {
    (1..=5).contains(&date.weekday().num_days_from_sunday())
}

fn dom_matches(field: &Field, date: NaiveDate) -> bool {
    let day = date.day();
    if field.has(day) {
        return true;
    }
    let last = days_in_month(date);
    field.items.iter().any(|item| match *item {
        Item::Last => day == last,
        Item::LastWeekday => {
            // The last Monday-Friday: the last day, or the Friday before a weekend end.
            is_weekday(date)
                && (day + 1..=last).all(|later| {
                    date.with_day(later)
                        .is_some_and(|later_date| !is_weekday(later_date))
                })
        }
        Item::Nearest(target) => target <= last && nearest_weekday(date, target) == Some(day),
        _ => false,
    })
}

/// The weekday nearest day `target` of `date`'s month, not leaving the month (Quartz `W`).
fn nearest_weekday(date: NaiveDate, target: u32) -> Option<u32> {
    let target_date = date.with_day(target)?;
    let last = days_in_month(date);
    Some(match target_date.weekday().num_days_from_sunday() {
        6 if target == 1 => 3,             // Saturday the 1st: Monday the 3rd
        6 => target - 1,                   // Saturday: the Friday before
        0 if target == last => target - 2, // Sunday the last day: the Friday before
        0 => target + 1,                   // Sunday: the Monday after
        _ => target,
    })
}

fn dow_matches(field: &Field, date: NaiveDate) -> bool {
    let weekday = date.weekday().num_days_from_sunday();
    if field.has(weekday) {
        return true;
    }
    let day = date.day();
    field.items.iter().any(|item| match *item {
        Item::LastOf(w) => w == weekday && day + 7 > days_in_month(date),
        Item::Nth { weekday: w, n } => w == weekday && (day - 1) / 7 + 1 == n,
        _ => false,
    })
}
