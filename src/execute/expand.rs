//! `${VAR}` expansion at run time (PRODUCT.md section 2), from our own environment.
//!
//! Only the braced form is special; a lone `$` or `$NAME` is kept as written, so shell-like
//! text in bodies survives. A variable that is not set (or not valid UTF-8) is an error that
//! names it, and the run fails without doing anything.
//!
//! Expanded values are often secrets (tokens in URLs and headers), so no text jobtab writes
//! about a run may hold one: messages name the `${VAR}` template, and `Redactor` takes back
//! out any value that a library's error text echoed anyway.

use std::cell::RefCell;
use std::collections::BTreeSet;

use crate::store::valid_env_name;

/// Expands every `${VAR}` in `text` from the process environment.
pub(crate) fn expand(text: &str) -> Result<String, String> {
    expand_with(text, |name| std::env::var(name).ok())
}

/// Expands every `${VAR}` in `text` with `lookup`.
pub(crate) fn expand_with(
    text: &str,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            // An unterminated `${` is literal text.
            out.push_str(&rest[start..]);
            return Ok(out);
        };
        let name = &after[..end];
        if !valid_env_name(name) {
            out.push_str("${");
            rest = after;
            continue;
        }
        match lookup(name) {
            Some(value) => out.push_str(&value),
            None => {
                return Err(format!(
                    "environment variable {name} is not set; export it where jobtab runs"
                ));
            }
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The names of the `${NAME}` references in `text`: exactly the variables `expand` would
/// look up (the same scan, recording the names instead of their values).
pub(crate) fn references(text: &str) -> BTreeSet<String> {
    let names = RefCell::new(BTreeSet::new());
    // The lookup never fails, so neither does the scan.
    let _ = expand_with(text, |name| {
        names.borrow_mut().insert(name.to_owned());
        Some(String::new())
    });
    names.into_inner()
}

/// A value shorter than this is not taken out of messages: it would mangle ordinary words and
/// numbers ("1" in "HTTP status 401"), and a value that short is no secret anyway.
const MIN_REDACTED_LEN: usize = 4;

/// The values of the `${VAR}`s some templates use, to replace them in a text by their
/// `${VAR}` reference.
pub(crate) struct Redactor {
    /// (value, `${NAME}`), longest value first, so a value that holds another one wins.
    values: Vec<(String, String)>,
}

impl Redactor {
    /// The values the process environment gives the references in `templates`.
    pub(crate) fn new<'a>(templates: impl IntoIterator<Item = &'a str>) -> Redactor {
        Redactor::with(templates, |name| std::env::var(name).ok())
    }

    /// The values `lookup` gives the references in `templates`.
    pub(crate) fn with<'a>(
        templates: impl IntoIterator<Item = &'a str>,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Redactor {
        let names: BTreeSet<String> = templates.into_iter().flat_map(references).collect();
        let mut values: Vec<(String, String)> = names
            .into_iter()
            .filter_map(|name| {
                let value = lookup(&name)?;
                (value.len() >= MIN_REDACTED_LEN).then(|| (value, format!("${{{name}}}")))
            })
            .collect();
        values.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        Redactor { values }
    }

    /// `text` with every value replaced by its `${NAME}`, in one pass (a replacement is never
    /// searched again).
    pub(crate) fn redact(&self, text: &str) -> String {
        if self.values.is_empty() {
            return text.to_owned();
        }
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(c) = rest.chars().next() {
            if let Some((value, reference)) = self
                .values
                .iter()
                .find(|(value, _)| rest.starts_with(value.as_str()))
            {
                out.push_str(reference);
                rest = &rest[value.len()..];
            } else {
                out.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(name: &str) -> Option<String> {
        match name {
            "TOKEN" => Some("s3cr3t".to_owned()),
            "EMPTY" => Some(String::new()),
            "_A1" => Some("x".to_owned()),
            _ => None,
        }
    }

    #[test]
    fn expands_braced_variables() {
        assert_eq!(
            expand_with("Bearer ${TOKEN}", lookup).unwrap(),
            "Bearer s3cr3t"
        );
        assert_eq!(
            expand_with("${TOKEN}${EMPTY}-${_A1}", lookup).unwrap(),
            "s3cr3t-x"
        );
        assert_eq!(expand_with("plain", lookup).unwrap(), "plain");
    }

    #[test]
    fn other_dollar_forms_are_literal() {
        assert_eq!(
            expand_with("$TOKEN $ $$ ${", lookup).unwrap(),
            "$TOKEN $ $$ ${"
        );
        assert_eq!(
            expand_with("${not a name} ${1X}", lookup).unwrap(),
            "${not a name} ${1X}"
        );
        assert_eq!(expand_with("${} ${TOKEN}", lookup).unwrap(), "${} s3cr3t");
    }

    #[test]
    fn missing_variable_is_named() {
        let err = expand_with("a ${REPORT_TOKEN} b", lookup).unwrap_err();
        assert!(
            err.starts_with("environment variable REPORT_TOKEN is not set"),
            "{err}"
        );
    }

    #[test]
    fn redactor_puts_the_references_back() {
        let redactor = Redactor::with(
            ["Bearer ${TOKEN}", "${_A1}", "${MISSING} ${EMPTY}"],
            |name| {
                match name {
                    "TOKEN" => Some("s3cr3t-XYZ".to_owned()),
                    // Too short to take out of a message.
                    "_A1" => Some("401".to_owned()),
                    "EMPTY" => Some(String::new()),
                    _ => None,
                }
            },
        );
        assert_eq!(
            redactor.redact("bad uri: http://h/?t=s3cr3t-XYZ&u=s3cr3t-XYZ: HTTP status 401"),
            "bad uri: http://h/?t=${TOKEN}&u=${TOKEN}: HTTP status 401"
        );
        assert_eq!(redactor.redact("nothing here é"), "nothing here é");
    }

    #[test]
    fn the_longest_value_wins_and_replacements_are_not_searched_again() {
        let redactor = Redactor::with(["${URL}", "${HOST}", "${NAME}"], |name| match name {
            "URL" => Some("https://api.example.com/x".to_owned()),
            "HOST" => Some("api.example.com".to_owned()),
            // A value that occurs in another variable's reference.
            "NAME" => Some("HOST".to_owned()),
            _ => None,
        });
        assert_eq!(
            redactor.redact("to https://api.example.com/x via api.example.com"),
            "to ${URL} via ${HOST}"
        );
    }

    #[test]
    fn reads_the_process_environment() {
        // PATH is set in every test environment.
        let path = std::env::var("PATH").unwrap();
        assert_eq!(expand("${PATH}").unwrap(), path);
    }
}
