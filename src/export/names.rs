//! Kubernetes object names for jobs: RFC 1123 labels (lowercase `[a-z0-9-]`, starting and
//! ending with a letter or digit), short enough for a CronJob (52 characters: the controller
//! appends an 11-character suffix to name each Job), unique and deterministic.

use sha2::{Digest as _, Sha256};

/// The longest CronJob name Kubernetes accepts.
pub(crate) const CRONJOB_NAME_MAX: usize = 52;

/// One DNS-safe name per job name, in the same order.
///
/// A name that is already valid keeps its spelling. Others are lowercased, `_` and `.` become
/// `-`, and they are cut to `max`; when two jobs end up with the same name, each one whose
/// name was changed gets a suffix from a hash of its original name (`-3f2a9c1d`). The result
/// depends only on the set of names, never on their order.
pub(crate) fn dns_names(names: &[&str], max: usize) -> Vec<String> {
    let bases: Vec<String> = names.iter().map(|name| base(name, max)).collect();
    let mut out: Vec<String> = names
        .iter()
        .zip(&bases)
        .map(|(name, base)| {
            let shared = bases.iter().filter(|b| *b == base).count() > 1;
            if shared && base != name {
                with_hash(base, name, max, 8)
            } else {
                base.clone()
            }
        })
        .collect();
    // A hashed name may, in theory, equal another job's own name: use more of the hash.
    for i in 0..out.len() {
        if out.iter().filter(|n| **n == out[i]).count() > 1 && bases[i] != names[i] {
            out[i] = with_hash(&bases[i], names[i], max, 16);
        }
    }
    out
}

/// Whether `name` is a valid RFC 1123 label of at most `max` characters.
pub(crate) fn is_dns_label(name: &str, max: usize) -> bool {
    !name.is_empty()
        && name.len() <= max
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.starts_with('-')
        && !name.ends_with('-')
}

/// Whether `value` can be a label value: at most 63 characters of `[A-Za-z0-9._-]`, starting
/// and ending with a letter or digit.
pub(crate) fn is_label_value(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= 63
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && value.starts_with(|c: char| c.is_ascii_alphanumeric())
        && value.ends_with(|c: char| c.is_ascii_alphanumeric())
}

fn base(name: &str, max: usize) -> String {
    let mapped: String = name
        .chars()
        .map(|c| match c {
            'a'..='z' | '0'..='9' => c,
            'A'..='Z' => c.to_ascii_lowercase(),
            _ => '-',
        })
        .collect();
    let trimmed = trim_to(mapped.trim_matches('-'), max);
    if trimmed.is_empty() {
        "job".to_owned()
    } else {
        trimmed
    }
}

fn with_hash(base: &str, name: &str, max: usize, digits: usize) -> String {
    let hash: String = Sha256::digest(name.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let head = trim_to(base, max - digits - 1);
    format!("{head}-{}", &hash[..digits])
}

/// `text` cut to `max` characters (all ASCII here), without a trailing `-`.
fn trim_to(text: &str, max: usize) -> String {
    text.chars()
        .take(max)
        .collect::<String>()
        .trim_end_matches('-')
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_names_keep_their_spelling() {
        assert_eq!(
            dns_names(&["backup", "ping-api"], 52),
            ["backup", "ping-api"]
        );
    }

    #[test]
    fn other_names_are_made_safe() {
        assert_eq!(
            dns_names(&["Daily_Report", "db.dump", "_x_", "__", "a--b"], 52),
            ["daily-report", "db-dump", "x", "job", "a--b"]
        );
        let long = "a".repeat(80);
        let names = dns_names(&[long.as_str()], 52);
        assert_eq!(names[0].len(), 52);
        assert!(names.iter().all(|n| is_dns_label(n, 52)));
    }

    #[test]
    fn collisions_get_deterministic_suffixes() {
        let names = dns_names(&["a-b", "a_b", "A.b"], 52);
        assert_eq!(names[0], "a-b");
        assert!(
            names[1].starts_with("a-b-") && names[1].len() == 12,
            "{names:?}"
        );
        assert!(
            names[2].starts_with("a-b-") && names[2] != names[1],
            "{names:?}"
        );
        // The same names in another order give the same result.
        let reversed = dns_names(&["A.b", "a_b", "a-b"], 52);
        assert_eq!(
            reversed,
            [names[2].clone(), names[1].clone(), names[0].clone()]
        );
        // Long names that collide after cutting stay within the limit.
        let (x, y) = ("x".repeat(60) + "_1", "x".repeat(60) + "_2");
        let long = dns_names(&[x.as_str(), y.as_str()], 52);
        assert_ne!(long[0], long[1]);
        assert!(long.iter().all(|n| is_dns_label(n, 52)), "{long:?}");
    }

    #[test]
    fn label_values() {
        assert!(is_label_value("daily_report.v2"));
        assert!(!is_label_value("_x"));
        assert!(!is_label_value(&"a".repeat(64)));
        assert!(is_dns_label("prod-1", 63));
        assert!(!is_dns_label("Prod", 63));
        assert!(!is_dns_label("-a", 63));
    }
}
