use std::collections::BTreeMap;

use proptest::prelude::*;

use super::*;
use crate::store::model::{
    AfterStatus, CatchUp, NotifyFormat, NotifyOn, Overlap, RawHttp, RawJob, RawNotify,
    SignatureScheme,
};
use crate::store::parse::validate;
use crate::store::readback::{Expected, fingerprint};
use crate::store::resolve::ScheduleCache;

/// The job as `toml_edit` prints `job_table` in a new document: the text `job_toml` must
/// write.
fn through_toml_edit(name: &str, raw: &RawJob) -> String {
    super::table::document_toml(name, raw)
}

/// `job_toml`, checked against `toml_edit`'s printing of the same job.
fn rendered(name: &str, raw: &RawJob) -> String {
    let text = job_toml(name, raw);
    assert_eq!(text, through_toml_edit(name, raw));
    text
}

#[test]
fn a_shell_job_reads_well() {
    let raw = RawJob {
        description: Some("nightly dump".into()),
        schedule: Some("0 2 * * *".into()),
        command: Some("pg_dump app > /tmp/${DAY}.sql".into()),
        timeout: Some("30m".into()),
        retries: Some(2),
        overlap: Some(Overlap::Queue),
        enabled: Some(false),
        env: Some(BTreeMap::from([("PGHOST".into(), "db".into())])),
        ..RawJob::default()
    };
    assert_eq!(
        rendered("backup", &raw),
        "[jobs.backup]\n\
         description = \"nightly dump\"\n\
         schedule = \"0 2 * * *\"\n\
         command = \"pg_dump app > /tmp/${DAY}.sql\"\n\
         timeout = \"30m\"\n\
         retries = 2\n\
         overlap = \"queue\"\n\
         enabled = false\n\
         env = { PGHOST = \"db\" }\n"
    );
}

#[test]
fn a_short_http_call_is_inline_and_a_long_one_is_a_table() {
    let mut raw = RawJob {
        schedule: Some("*/5 * * * *".into()),
        http: Some(RawHttp {
            url: "https://x/health".into(),
            ..RawHttp::default()
        }),
        notify: Some(RawNotify {
            url: "https://hooks/x".into(),
            on: Some(NotifyOn::Always),
            secret: Some("${SECRET}".into()),
            ..RawNotify::default()
        }),
        ..RawJob::default()
    };
    assert_eq!(
        rendered("ping", &raw),
        "[jobs.ping]\n\
         schedule = \"*/5 * * * *\"\n\
         http = { url = \"https://x/health\" }\n\
         notify = { url = \"https://hooks/x\", on = \"always\", secret = \"${SECRET}\" }\n"
    );
    if let Some(http) = &mut raw.http {
        http.method = Some("POST".into());
        http.headers = Some(BTreeMap::from([(
            "Content-Type".into(),
            "application/json".into(),
        )]));
        http.body = Some("{\"a\": 1}".into());
        http.expect = Some(vec![200, 202]);
    }
    raw.notify = None;
    assert_eq!(
        rendered("ping", &raw),
        "[jobs.ping]\n\
         schedule = \"*/5 * * * *\"\n\
         \n\
         [jobs.ping.http]\n\
         method = \"POST\"\n\
         url = \"https://x/health\"\n\
         headers = { Content-Type = \"application/json\" }\n\
         body = '{\"a\": 1}'\n\
         expect = [200, 202]\n"
    );
}

#[test]
fn strings_are_quoted_as_toml_edit_quotes_them() {
    let cases = [
        // Nothing to escape.
        ("run.sh --full", r#""run.sh --full""#),
        // `"` or `\`: a literal string, as written.
        (r#"echo "hi" \ done"#, r#"'echo "hi" \ done'"#),
        // Both kinds of quote: a multi-line string on one line.
        (r#"echo "it's""#, r#""""echo "it's"""""#),
        // ... and a backslash: a multi-line literal string.
        (r#"it's "\""#, r#"'''it's "\"'''"#),
        // Nothing else fits: escapes.
        (r#"'''"""\"#, r#""'''\"\"\"\\""#),
        // Line breaks: a multi-line string.
        ("a\nb", "\"\"\"\na\nb\"\"\""),
        ("tab\there", r#""tab\there""#),
        ("bell\u{7}", r#""bell\u0007""#),
        ("crlf\r\n", "\"\"\"\ncrlf\\r\n\"\"\""),
        ("caf\u{e9} \u{1f600}", "\"caf\u{e9} \u{1f600}\""),
        ("", r#""""#),
    ];
    for (command, written) in cases {
        let raw = RawJob {
            schedule: Some("@daily".into()),
            command: Some(command.into()),
            ..RawJob::default()
        };
        let expected = format!("[jobs.j]\nschedule = \"@daily\"\ncommand = {written}\n");
        assert_eq!(rendered("j", &raw), expected, "{command:?}");
    }
}

#[test]
fn keys_are_quoted_when_they_are_not_bare() {
    let raw = RawJob {
        schedule: Some("@daily".into()),
        env: Some(BTreeMap::from([
            ("PATH".into(), "/bin".into()),
            ("a.b".into(), "1".into()),
            (r#"say "x""#.into(), "2".into()),
            (String::new(), "3".into()),
        ])),
        mail_to: Some(String::new()),
        ..RawJob::default()
    };
    assert_eq!(
        rendered("odd name", &raw),
        r#"[jobs."odd name"]
schedule = "@daily"
env = { "" = "3", PATH = "/bin", "a.b" = "1", 'say "x"' = "2" }
mail_to = ""
"#
    );
}

/// Text of every kind the encoder tells apart: plain words, quotes, backslashes, line breaks,
/// runs of quotes, control characters and non-ASCII letters.
fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9_./: -]{0,12}",
        r#"[a-z '"\\\n\t]{0,16}"#,
        r#"(\PC|[\x00-\x1f\x7f'"\\]){0,20}"#,
        r#"[a-z]{0,3}('''|"""|''''|""""|'''''"")[a-z\n]{0,3}"#,
    ]
}

fn some<T: std::fmt::Debug>(value: impl Strategy<Value = T>) -> impl Strategy<Value = Option<T>> {
    proptest::option::of(value)
}

fn any_map() -> impl Strategy<Value = BTreeMap<String, String>> {
    proptest::collection::btree_map(any_text(), any_text(), 0..4)
}

fn any_http() -> impl Strategy<Value = RawHttp> {
    (
        some(any_text()),
        any_text(),
        some(any_map()),
        some(any_text()),
        some(proptest::collection::vec(any::<u16>(), 0..3)),
    )
        .prop_map(|(method, url, headers, body, expect)| RawHttp {
            method,
            url,
            headers,
            body,
            expect,
        })
}

fn any_notify() -> impl Strategy<Value = RawNotify> {
    let on = prop_oneof![
        Just(NotifyOn::Failure),
        Just(NotifyOn::Success),
        Just(NotifyOn::Always),
    ];
    let format = prop_oneof![
        Just(NotifyFormat::Json),
        Just(NotifyFormat::Slack),
        Just(NotifyFormat::Discord),
    ];
    let signature = prop_oneof![
        Just(SignatureScheme::Standard),
        Just(SignatureScheme::Jobtab)
    ];
    (
        any_text(),
        some(on),
        some(any_text()),
        some(format),
        some(signature),
    )
        .prop_map(|(url, on, secret, format, signature)| RawNotify {
            url,
            on,
            secret,
            format,
            signature,
        })
}

fn any_job() -> impl Strategy<Value = RawJob> {
    let overlap = prop_oneof![
        Just(Overlap::Skip),
        Just(Overlap::Queue),
        Just(Overlap::Allow),
    ];
    let catch_up = prop_oneof![Just(CatchUp::None), Just(CatchUp::Once)];
    let texts = proptest::collection::vec(some(any_text()), 10);
    let after_status = prop_oneof![
        Just(AfterStatus::Success),
        Just(AfterStatus::Failure),
        Just(AfterStatus::Always),
    ];
    let chain = (
        some(proptest::collection::vec(any_text(), 0..3)),
        some(after_status),
    );
    let rest = (
        some(any_text()),
        some(any_http()),
        some(any::<bool>()),
        some(any::<u32>()),
        some(overlap),
        some(catch_up),
        some(any_map()),
        some(any_notify()),
    );
    (texts, chain, rest).prop_map(|(texts, (after, after_status), rest)| {
        let (schedule, http, enabled, retries, overlap, catch_up, env, notify) = rest;
        let mut texts = texts.into_iter();
        let mut text = || texts.next().flatten();
        RawJob {
            description: text(),
            schedule,
            command: text(),
            shell: text(),
            http,
            timezone: text(),
            enabled,
            timeout: text(),
            retries,
            retry_delay: text(),
            overlap,
            catch_up,
            workdir: text(),
            env,
            notify,
            ping: text(),
            mail_to: text(),
            webhook: None,
            jitter: text(),
            after,
            after_status,
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// The direct writer prints every job as `toml_edit` prints it, byte for byte, and the
    /// text reads back as the same values.
    #[test]
    fn the_direct_text_is_toml_edits_text(name in any_text(), raw in any_job()) {
        let text = job_toml(&name, &raw);
        prop_assert_eq!(&text, &through_toml_edit(&name, &raw));
        let root: toml::Table = text
            .parse()
            .map_err(|err| TestCaseError::fail(format!("{err}\n{text}")))?;
        let job = &root["jobs"][name.as_str()];
        let read = |key: &str| job.get(key).and_then(toml::Value::as_str);
        prop_assert_eq!(read("schedule"), raw.schedule.as_deref());
        prop_assert_eq!(read("command"), raw.command.as_deref());
        prop_assert_eq!(read("description"), raw.description.as_deref());
        prop_assert_eq!(read("mail_to"), raw.mail_to.as_deref());
        let env: Option<BTreeMap<String, String>> = job.get("env").map(|env| {
            env.as_table()
                .into_iter()
                .flatten()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .collect()
        });
        prop_assert_eq!(env.as_ref(), raw.env.as_ref().filter(|env| !env.is_empty()));
        let secret = job
            .get("notify")
            .and_then(|notify| notify.get("secret"))
            .and_then(toml::Value::as_str);
        prop_assert_eq!(secret, raw.notify.as_ref().and_then(|n| n.secret.as_deref()));
        // What the store checks before it writes a file: the job reads back as the values it
        // was written from.
        let jobs = std::collections::HashMap::from([(name.clone(), Some(fingerprint(&raw)))]);
        let defaults = crate::store::model::RawDefaults::default();
        let expected = Expected {
            jobs: &jobs,
            defaults: &defaults,
        };
        let problems = validate(&text, &mut ScheduleCache::check_only(), &expected);
        let unlike: Vec<_> = problems.iter().filter(|p| p.message.contains("read back")).collect();
        prop_assert!(unlike.is_empty(), "{:?}\n{}", unlike, text);
    }
}
