//! Human durations as written in the job file and on the command line: `30s`, `5m`, `1h30m`.

use std::fmt;
use std::time::Duration;

/// Parses `90s`, `5m`, `1h30m`, `2d`, `500ms`. Units: ms, s, m, h, d. A bare number is refused,
/// because `30` could mean seconds or minutes.
pub(crate) fn parse(text: &str) -> Result<Duration, DurationError> {
    let err = |why: &str| DurationError {
        text: text.to_owned(),
        why: why.to_owned(),
    };
    let s = text.trim();
    if s.is_empty() {
        return Err(err("it is empty"));
    }
    let mut total: u128 = 0;
    let mut rest = s;
    // The rank of the previous unit (d = 0 ... ms = 4): units come once each, largest first.
    let mut previous: Option<u8> = None;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits == 0 {
            return Err(err("expected a number before each unit"));
        }
        let number: u128 = rest[..digits]
            .parse()
            .map_err(|_| err("the number is too large"))?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let (millis_per_unit, rank): (u128, u8) = match &rest[..unit_len] {
            "d" => (86_400_000, 0),
            "h" => (3_600_000, 1),
            "m" => (60_000, 2),
            "s" => (1_000, 3),
            "ms" => (1, 4),
            "" => return Err(err("a unit is missing (ms, s, m, h or d)")),
            _ => return Err(err("units are ms, s, m, h and d")),
        };
        if previous.is_some_and(|p| rank <= p) {
            return Err(err("each unit may come once, largest first, like 1h30m"));
        }
        previous = Some(rank);
        rest = &rest[unit_len..];
        total = number
            .checked_mul(millis_per_unit)
            .and_then(|ms| total.checked_add(ms))
            .ok_or_else(|| err("it is too long"))?;
    }
    let millis = u64::try_from(total).map_err(|_| err("it is too long"))?;
    Ok(Duration::from_millis(millis))
}

/// The one way jobtab writes a duration, for a configured timeout and a measured run alike:
/// `850ms`, `1s240ms`, `45s`, `3m5s`, `1h30m`, `2d`. Under a minute it is exact to the
/// millisecond; from a minute on it is exact to the second (milliseconds are dropped, not
/// rounded, so a run never reads longer than it took). The largest unit comes first and units
/// that are zero are left out, so [`parse`] reads every result back: a value copied from
/// `show` or `history` can be given to `add` or `--grace` as it is.
pub(crate) fn format(duration: Duration) -> String {
    let mut millis = duration.as_millis();
    if millis == 0 {
        return "0s".to_owned();
    }
    if millis >= MILLIS_PER_MINUTE {
        millis -= millis % 1_000;
    }
    let mut out = String::new();
    for (unit, size) in UNITS {
        if millis >= size {
            out.push_str(&format!("{}{unit}", millis / size));
            millis %= size;
        }
    }
    out
}

const MILLIS_PER_MINUTE: u128 = 60_000;

/// Units as [`format`] writes them, largest first.
const UNITS: [(&str, u128); 5] = [
    ("d", 86_400_000),
    ("h", 3_600_000),
    ("m", MILLIS_PER_MINUTE),
    ("s", 1_000),
    ("ms", 1),
];

/// A duration that does not parse, with the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DurationError {
    pub(crate) text: String,
    pub(crate) why: String,
}

impl fmt::Display for DurationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid duration {:?}: {}; write it like 30s, 5m or 1h30m",
            self.text, self.why
        )
    }
}

impl std::error::Error for DurationError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_compound_durations() {
        assert_eq!(parse("30s").unwrap(), Duration::from_secs(30));
        assert_eq!(parse("5m").unwrap(), Duration::from_secs(300));
        assert_eq!(parse("1h30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse("2d").unwrap(), Duration::from_secs(172_800));
        assert_eq!(parse("1500ms").unwrap(), Duration::from_millis(1500));
        assert_eq!(parse(" 1m5s ").unwrap(), Duration::from_secs(65));
        let all = parse("1d2h3m4s5ms").unwrap();
        assert_eq!(all, Duration::from_millis(93_784_005));
        let err = parse("1h1h").unwrap_err().to_string();
        assert!(
            err.contains("each unit may come once, largest first"),
            "{err}"
        );
    }

    #[test]
    fn refuses_bad_durations_with_a_reason() {
        for bad in [
            "",
            "30",
            "m",
            "5x",
            "1h30",
            "-5s",
            "99999999999999999999999d",
            "1.5h",
        ]
        .into_iter()
        .chain(["1h1h", "30m1h", "5s5s", "1s500ms500ms"])
        {
            let err = parse(bad).unwrap_err();
            assert!(err.to_string().contains("invalid duration"), "{bad}: {err}");
        }
    }

    #[test]
    fn formats_round_trip() {
        for text in [
            "30s", "5m", "1h30m", "2d", "250ms", "1h5s", "1s500ms", "1d2h3m4s",
        ] {
            let d = parse(text).unwrap();
            assert_eq!(format(d), text);
            assert_eq!(parse(&format(d)).unwrap(), d);
        }
        assert_eq!(format(Duration::from_secs(5400)), "1h30m");
        assert_eq!(format(parse("1h0m5s").unwrap()), "1h5s");
    }

    /// The same text for a configured duration and a measured run: what `show`, `history`,
    /// `logs`, `exec`, notifications and the runner's log all print.
    #[test]
    fn formats_measured_runs() {
        let ms = Duration::from_millis;
        assert_eq!(format(Duration::ZERO), "0s");
        assert_eq!(format(Duration::from_micros(999)), "0s");
        assert_eq!(format(ms(120)), "120ms");
        assert_eq!(format(ms(850)), "850ms");
        assert_eq!(format(ms(1_000)), "1s");
        assert_eq!(format(ms(1_240)), "1s240ms");
        assert_eq!(format(ms(12_345)), "12s345ms");
        assert_eq!(format(ms(59_999)), "59s999ms");
        // From a minute on, to the second, never rounded up.
        assert_eq!(format(ms(60_000)), "1m");
        assert_eq!(format(ms(60_999)), "1m");
        assert_eq!(format(ms(185_000)), "3m5s");
        assert_eq!(format(ms(185_999)), "3m5s");
        assert_eq!(format(ms(245_000)), "4m5s");
        assert_eq!(format(ms(7_800_000)), "2h10m");
        assert_eq!(format(ms(7_805_432)), "2h10m5s");
        assert_eq!(format(ms(90_061_000)), "1d1h1m1s");
        assert_eq!(format(Duration::MAX), "213503982334601d7h15s");
        // Whatever it writes, `parse` reads back (to the precision written).
        for millis in [
            1,
            999,
            1_001,
            59_999,
            60_001,
            3_599_999,
            86_400_001,
            u64::MAX,
        ] {
            let written = format(ms(millis));
            let read = parse(&written).unwrap_or_else(|e| panic!("{written}: {e}"));
            assert!(read <= ms(millis) && ms(millis) - read < Duration::from_secs(1));
        }
    }
}
