//! The textual fields of a schedule after nickname expansion and name-to-number conversion,
//! for exporters that re-express a schedule in another syntax (systemd `OnCalendar=`).

/// A schedule's fields, normalised: nicknames expanded, month and weekday names turned into
/// numbers (months 1-12, weekdays 0-7 as written), whitespace removed around fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Fields {
    /// Seconds field; `"0"` for a 5-field schedule.
    pub(crate) seconds: String,
    /// Minute field.
    pub(crate) minute: String,
    /// Hour field.
    pub(crate) hour: String,
    /// Day-of-month field.
    pub(crate) day_of_month: String,
    /// Month field, names replaced by 1-12.
    pub(crate) month: String,
    /// Day-of-week field, names replaced by 0-6 (7 kept as written).
    pub(crate) day_of_week: String,
    /// Year field of a 7-field schedule.
    pub(crate) year: Option<String>,
    /// Vixie `DOM_STAR`: the day-of-month field starts with `*`.
    pub(crate) dom_star: bool,
    /// Vixie `DOW_STAR`: the day-of-week field starts with `*`.
    pub(crate) dow_star: bool,
}

/// Month names, index 0 = January (month 1).
pub(crate) const MONTH_NAMES: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// Weekday names, index 0 = Sunday.
pub(crate) const DAY_NAMES: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

/// The 5-field expansion of a nickname (lowercase, with the `@`), or `None` when the text is
/// not a known nickname. `@reboot` is not a time nickname and gives `None`.
pub(crate) fn expand_nickname(nick: &str) -> Option<&'static str> {
    Some(match nick.to_ascii_lowercase().as_str() {
        "@yearly" | "@annually" => "0 0 1 1 *",
        "@monthly" => "0 0 1 * *",
        "@weekly" => "0 0 * * 0",
        "@daily" | "@midnight" => "0 0 * * *",
        "@hourly" => "0 * * * *",
        _ => return None,
    })
}

/// Replaces every name token (letters only, between `,`, `-`, `/`, `#`) found in `names` by
/// its number (`index + offset`); other text is kept as is.
pub(crate) fn replace_names(field: &str, names: &[&str], offset: u32) -> String {
    let mut out = String::with_capacity(field.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if word.is_empty() {
            return;
        }
        let lower = word.to_ascii_lowercase();
        match names.iter().position(|n| *n == lower) {
            Some(i) => out.push_str(&(i as u32 + offset).to_string()),
            None => out.push_str(word),
        }
        word.clear();
    };
    for c in field.chars() {
        if c.is_ascii_alphabetic() {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

impl Fields {
    /// Builds the normalised fields from the 5, 6 or 7 whitespace-separated parts of an
    /// already validated schedule (nicknames expanded).
    pub(crate) fn from_parts(parts: &[&str]) -> Option<Fields> {
        let (seconds, rest, year) = match parts.len() {
            5 => ("0", parts, None),
            6 => (parts[0], &parts[1..], None),
            7 => (parts[0], &parts[1..6], Some(parts[6].to_owned())),
            _ => return None,
        };
        let dom = rest[2];
        let dow = rest[4];
        Some(Fields {
            seconds: seconds.to_owned(),
            minute: rest[0].to_owned(),
            hour: rest[1].to_owned(),
            day_of_month: dom.to_owned(),
            month: replace_names(rest[3], &MONTH_NAMES, 1),
            day_of_week: replace_names(dow, &DAY_NAMES, 0),
            year,
            dom_star: dom.starts_with('*'),
            dow_star: dow.starts_with('*'),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_numbers_in_any_case() {
        assert_eq!(replace_names("JAN-Mar,dec", &MONTH_NAMES, 1), "1-3,12");
        assert_eq!(replace_names("mon-FRI,7", &DAY_NAMES, 0), "1-5,7");
        assert_eq!(replace_names("5L", &DAY_NAMES, 0), "5L");
        assert_eq!(replace_names("fri#2", &DAY_NAMES, 0), "5#2");
    }

    #[test]
    fn nicknames_expand() {
        assert_eq!(expand_nickname("@Daily"), Some("0 0 * * *"));
        assert_eq!(expand_nickname("@annually"), Some("0 0 1 1 *"));
        assert_eq!(expand_nickname("@reboot"), None);
        assert_eq!(expand_nickname("@often"), None);
    }

    #[test]
    fn five_fields_get_zero_seconds_and_star_flags() {
        let f = Fields::from_parts(&["0", "0", "*/2", "jan", "mon"]).unwrap();
        assert_eq!(f.seconds, "0");
        assert_eq!(f.month, "1");
        assert_eq!(f.day_of_week, "1");
        assert!(f.dom_star);
        assert!(!f.dow_star);
        assert_eq!(f.year, None);
        let f = Fields::from_parts(&["*/5", "0", "0", "*", "*", "*", "2030"]).unwrap();
        assert_eq!(f.seconds, "*/5");
        assert_eq!(f.year.as_deref(), Some("2030"));
        assert!(f.dom_star && f.dow_star);
    }
}
