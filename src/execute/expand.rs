//! `${VAR}` expansion at run time (PRODUCT.md section 2), from our own environment.
//!
//! Only the braced form is special; a lone `$` or `$NAME` is kept as written, so shell-like
//! text in bodies survives. A variable that is not set (or not valid UTF-8) is an error that
//! names it, and the run fails without doing anything.

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
    fn reads_the_process_environment() {
        // PATH is set in every test environment.
        let path = std::env::var("PATH").unwrap();
        assert_eq!(expand("${PATH}").unwrap(), path);
    }
}
