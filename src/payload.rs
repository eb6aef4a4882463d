//! What a webhook's payload means to its job (PRODUCT.md section 9): whether a request passes
//! the hook's `match` (JSON pointers into the body, `header:NAME`), and the variables its `env`
//! pointers pick from the body. Pure functions over bytes; the server and `exec --payload`
//! share them.

use serde_json::Value;

use crate::store::{MatchSource, Webhook};

/// The most characters of a payload value a match failure quotes (it goes to the log).
const QUOTED_CHARS: usize = 80;

/// The variables `webhook.env` picks from `body`, in the hook's order: a string as it is, any
/// other JSON value as compact JSON, and an empty value for a pointer that is missing or a
/// body that is not JSON. A NUL character (which no environment variable can hold) is
/// dropped.
pub(crate) fn vars(webhook: &Webhook, body: &[u8]) -> Vec<(String, String)> {
    if webhook.env.is_empty() {
        return Vec::new();
    }
    let json: Option<Value> = serde_json::from_slice(body).ok();
    webhook
        .env
        .iter()
        .map(|(name, pointer)| {
            let value = json
                .as_ref()
                .and_then(|json| json.pointer(pointer))
                .map(as_text)
                .unwrap_or_default();
            (name.clone(), value.replace('\0', ""))
        })
        .collect()
}

/// Whether a request passes every `match` of the hook: `Err` says which one failed and why,
/// for the log (quoting at most a short piece of the value found). `header` gives a request
/// header's value by name (case-insensitively).
pub(crate) fn check_matches(
    webhook: &Webhook,
    header: &dyn Fn(&str) -> Option<String>,
    body: &[u8],
) -> Result<(), String> {
    // Parsed once, and only when a pointer needs it.
    let mut json: Option<Option<Value>> = None;
    for entry in &webhook.matches {
        match &entry.source {
            MatchSource::Header(name) => {
                let Some(found) = header(name) else {
                    return Err(format!(
                        "match header:{name}: the request has no {name} header"
                    ));
                };
                if !entry.values.iter().any(|want| as_text(want) == found) {
                    return Err(format!(
                        "match header:{name}: {} is not {}",
                        quote(&found),
                        expected(&entry.values)
                    ));
                }
            }
            MatchSource::Pointer(pointer) => {
                let parsed = json.get_or_insert_with(|| serde_json::from_slice(body).ok());
                let Some(parsed) = parsed else {
                    return Err(format!("match {pointer}: the body is not JSON"));
                };
                let Some(found) = parsed.pointer(pointer) else {
                    return Err(format!("match {pointer}: the body has no {pointer}"));
                };
                if !entry.values.iter().any(|want| same(want, found)) {
                    return Err(format!(
                        "match {pointer}: {} is not {}",
                        shown(found),
                        expected(&entry.values)
                    ));
                }
            }
        }
    }
    Ok(())
}

/// A value as a variable holds it: a string as it is, anything else as compact JSON.
fn as_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => compact(other),
    }
}

fn compact(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// JSON equality, with numbers compared by value (`1` is `1.0`).
fn same(want: &Value, found: &Value) -> bool {
    match (want, found) {
        (Value::Number(a), Value::Number(b)) => match (a.as_i64(), b.as_i64()) {
            (Some(a), Some(b)) => a == b,
            _ => a.as_f64() == b.as_f64(),
        },
        _ => want == found,
    }
}

/// `"main"` or `one of "a", "b"`, for a failed match.
fn expected(values: &[Value]) -> String {
    let each: Vec<String> = values.iter().map(compact).collect();
    match each.as_slice() {
        [one] => one.clone(),
        _ => format!("one of {}", each.join(", ")),
    }
}

/// A found string for the log: quoted and cut to `QUOTED_CHARS`.
fn quote(text: &str) -> String {
    if text.chars().count() <= QUOTED_CHARS {
        return format!("{text:?}");
    }
    let cut: String = text.chars().take(QUOTED_CHARS).collect();
    format!("{cut:?}...")
}

/// A found JSON value for the log: a string quoted, anything else as compact JSON, cut.
fn shown(value: &Value) -> String {
    match value {
        Value::String(text) => quote(text),
        other => {
            let text = compact(other);
            if text.chars().count() <= QUOTED_CHARS {
                return text;
            }
            let cut: String = text.chars().take(QUOTED_CHARS).collect();
            format!("{cut}...")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::model::Match;
    use crate::store::parse;

    fn hook(table: &str) -> Webhook {
        let (jobs, problems) = parse(&format!(
            "[jobs.j]\ncommand = \"true\"\n[jobs.j.webhook]\nverify = \"none\"\n{table}\n"
        ));
        assert!(problems.is_empty(), "{problems:#?}");
        jobs[0].triggers.webhook.clone().unwrap()
    }

    fn no_headers(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn env_pointers_become_variables() {
        let hook = hook(
            "env = { REF = \"/ref\", REPO = \"/repository/full_name\", N = \"/n\", \
             OBJ = \"/repository\", LIST = \"/list\", NULL = \"/null\", B = \"/b\", \
             MISSING = \"/nope\", ALL = \"\", TILDE = \"/a~1b/~0c\", IDX = \"/list/1\" }",
        );
        let body = br#"{"ref": "refs/heads/main", "repository": {"full_name": "o/r", "x": [1]},
            "n": 4.5, "list": [1, "two"], "null": null, "b": true, "a/b": {"~c": "t"}}"#;
        let vars = vars(&hook, body);
        let get = |name: &str| {
            vars.iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
                .unwrap()
        };
        assert_eq!(vars[0].0, "REF", "in the hook's order");
        assert_eq!(get("REF"), "refs/heads/main");
        assert_eq!(get("REPO"), "o/r");
        assert_eq!(get("N"), "4.5");
        assert_eq!(get("OBJ"), r#"{"full_name":"o/r","x":[1]}"#);
        assert_eq!(get("LIST"), r#"[1,"two"]"#);
        assert_eq!(get("NULL"), "null");
        assert_eq!(get("B"), "true");
        assert_eq!(get("MISSING"), "");
        assert_eq!(get("TILDE"), "t");
        assert_eq!(get("IDX"), "two");
        assert!(
            get("ALL").contains("\"ref\":\"refs/heads/main\""),
            "{}",
            get("ALL")
        );
    }

    #[test]
    fn a_body_that_is_not_json_gives_empty_variables() {
        let hook = hook("env = { REF = \"/ref\" }");
        for body in [&b"ref=main"[..], b"", b"\xff\xfe", b"{\"ref\": "] {
            assert_eq!(vars(&hook, body), [("REF".to_owned(), String::new())]);
        }
        // Shell text stays text; a NUL is dropped.
        let body = br#"{"ref": "$(touch /tmp/x); `id`\n\u0000end"}"#;
        assert_eq!(vars(&hook, body)[0].1, "$(touch /tmp/x); `id`\nend");
        assert!(vars(&self::hook(""), body).is_empty());
    }

    #[test]
    fn matches_hold_or_say_which_failed() {
        let hook = hook(
            "match = { \"/ref\" = \"refs/heads/main\", \"header:X-GitHub-Event\" = [\"push\", \
             \"ping\"], \"/n\" = 2, \"/ok\" = true }",
        );
        let headers = |event: &'static str| {
            move |name: &str| (name == "X-GitHub-Event").then(|| event.to_owned())
        };
        let body = br#"{"ref": "refs/heads/main", "n": 2.0, "ok": true}"#;
        assert_eq!(check_matches(&hook, &headers("push"), body), Ok(()));
        assert_eq!(check_matches(&hook, &headers("ping"), body), Ok(()));
        assert_eq!(
            check_matches(&hook, &headers("issues"), body),
            Err("match header:X-GitHub-Event: \"issues\" is not one of \"push\", \"ping\"".into())
        );
        assert_eq!(
            check_matches(&hook, &no_headers, body),
            Err("match header:X-GitHub-Event: the request has no X-GitHub-Event header".into())
        );
        let other = br#"{"ref": "refs/heads/dev", "n": 2, "ok": true}"#;
        assert_eq!(
            check_matches(&hook, &headers("push"), other),
            Err("match /ref: \"refs/heads/dev\" is not \"refs/heads/main\"".into())
        );
        let missing = br#"{"n": 2, "ok": true}"#;
        assert_eq!(
            check_matches(&hook, &headers("push"), missing),
            Err("match /ref: the body has no /ref".into())
        );
        assert_eq!(
            check_matches(&hook, &headers("push"), b"ref=refs/heads/main"),
            Err("match /ref: the body is not JSON".into())
        );
        // Types count: "2" is not 2, "true" is not true.
        let strings = br#"{"ref": "refs/heads/main", "n": "2", "ok": true}"#;
        assert!(check_matches(&hook, &headers("push"), strings).is_err());
        let strings = br#"{"ref": "refs/heads/main", "n": 2, "ok": "true"}"#;
        assert!(check_matches(&hook, &headers("push"), strings).is_err());
    }

    #[test]
    fn no_match_lets_everything_through_and_long_values_are_cut() {
        assert_eq!(check_matches(&hook(""), &no_headers, b"not json"), Ok(()));
        let mut hook = hook("");
        hook.matches.push(Match {
            source: MatchSource::Header("X-N".into()),
            values: vec![serde_json::json!(5), serde_json::json!(false)],
        });
        let five = |_: &str| Some("5".to_owned());
        assert_eq!(check_matches(&hook, &five, b""), Ok(()));
        let long = |_: &str| Some("x".repeat(500));
        let err = check_matches(&hook, &long, b"").unwrap_err();
        assert!(
            err.len() < 150 && err.contains("\"... is not one of 5, false"),
            "{err}"
        );
    }
}
