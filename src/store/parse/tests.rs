//! Unit tests of `store::parse`: every problem, with its job, key and position.

use super::*;
use crate::store::model::{RawServer, RawWebhook};

fn problems(text: &str) -> Vec<String> {
    let (_, problems) = parse(text);
    problems
        .iter()
        .map(|p| {
            let line = p.located(std::path::Path::new("f"));
            // What is wrong with a schedule is the schedule module's business.
            match line
                .find("\": ")
                .filter(|_| line.contains("invalid schedule"))
            {
                Some(_) => {
                    let end = line.rfind("\": ").unwrap_or(line.len());
                    format!("{}\": (the schedule's own message)", &line[..end])
                }
                None => line,
            }
        })
        .collect()
}

#[test]
fn a_valid_file_gives_its_jobs_in_order() {
    let text = r#"
[defaults]
timezone = "Europe/Berlin"
timeout = "1h"

[jobs.backup]
schedule = "0 2 * * *"
command = "pg_dump app > /x-${DAY}.sql"
env = { PGHOST = "${DB_HOST}" }

[jobs.ping]
schedule = "*/5 * * * *"
http = { url = "https://${HOST}/health", expect = [200, 204] }
notify = { url = "https://hooks.example.com", on = "always", secret = "${S}" }

[jobs.daily-report]
schedule = "30 6 * * mon-fri"
timezone = "America/New_York"
enabled = false
[jobs.daily-report.http]
method = "post"
url = "https://api.example.com/reports"
headers = { Authorization = "Bearer ${REPORT_TOKEN}" }
body = '{"kind": "daily"}'
"#;
    let (jobs, problems) = parse(text);
    assert!(problems.is_empty(), "{problems:?}");
    let names: Vec<_> = jobs.iter().map(|j| j.name.as_str()).collect();
    assert_eq!(names, ["backup", "ping", "daily-report"]);
    assert_eq!(jobs[0].env["PGHOST"], "${DB_HOST}");
    assert_eq!(jobs[0].timeout, Some(std::time::Duration::from_secs(3600)));
    assert!(!jobs[2].enabled);
    match &jobs[2].action {
        crate::store::Action::Http(http) => {
            assert_eq!(http.method, "POST");
            assert_eq!(
                http.headers,
                [("Authorization".into(), "Bearer ${REPORT_TOKEN}".into())]
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        jobs[1].notify.as_ref().map(|n| n.on),
        Some(NotifyOn::Always)
    );
}

#[test]
fn an_empty_file_has_no_jobs_and_no_problems() {
    assert!(problems("").is_empty());
    assert!(problems("# only a comment\n").is_empty());
    assert!(parse("").0.is_empty());
}

#[test]
fn every_problem_is_reported_with_its_position() {
    let text = r#"[defaults]
timezone = "Nowhere/Land"

[jobs.backup]
schedule = "0 2 * * *"
command = "true"
timout = "5m"

[jobs.ping]
schedule = "61 * * * *"
http = { url = "ftp://x" }
command = "true"

[jobs."bad name"]
schedule = "@daily"
command = "x"

[jobs.types]
schedule = "@daily"
command = "x"
retries = -1
enabled = "yes"
overlap = "sometimes"
catch_up = "always"
env = { A = 1 }
timeout = "5x"

[jobs.nothing]
schedule = "@daily"

[jobs.nosched]
command = "x"
"#;
    assert_eq!(
        problems(text),
        [
            "f:2:1: key \"defaults.timezone\": unknown time zone \"Nowhere/Land\": use an IANA name such as Europe/Berlin, America/New_York or UTC",
            "f:7:1: job \"backup\", key \"timout\": unknown key; did you mean \"timeout\"? known keys are description, schedule, command, shell, workdir, http, timezone, enabled, timeout, retries, retry_delay, overlap, catch_up, env, notify, ping, mail_to, webhook, jitter, after, after_status",
            "f:10:1: job \"ping\", key \"schedule\": invalid schedule \"61 * * * *\": (the schedule's own message)",
            "f:11:1: job \"ping\", key \"http\": a job has either `command` or `http`, not both",
            "f:14:1: job \"bad name\": invalid job name \"bad name\": use only letters, digits, `-`, `_` and `.`",
            "f:21:1: job \"types\", key \"retries\": expected a whole number from 0 to 100, found the number -1",
            "f:22:1: job \"types\", key \"enabled\": expected true or false, found the string \"yes\"",
            "f:23:1: job \"types\", key \"overlap\": \"sometimes\" is not one of skip, queue, allow",
            "f:24:1: job \"types\", key \"catch_up\": \"always\" is not one of none, once",
            "f:25:9: job \"types\", key \"env.A\": expected a string, found the number 1",
            "f:26:1: job \"types\", key \"timeout\": invalid duration \"5x\": units are ms, s, m, h and d; write it like 30s, 5m or 1h30m",
            "f:28:1: job \"nothing\", key \"command\": a job needs `command` (a shell command) or `http` (a URL to call)",
            "f:31:1: job \"nosched\", key \"schedule\": the job has no trigger: add `schedule` (like schedule = \"0 2 * * *\"), a [jobs.nosched.webhook] table to run it on requests, or after = [\"other-job\"] to run it when another job's run ends",
        ]
    );
}

#[test]
fn a_bad_default_is_reported_once_not_for_every_job() {
    let text = "[defaults]\ntimeout = \"soon\"\n[jobs.a]\nschedule = \"@daily\"\ncommand = \"a\"\n[jobs.b]\nschedule = \"@daily\"\ncommand = \"b\"\n";
    let found = problems(text);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("f:2:1: key \"defaults.timeout\": invalid duration"),
        "{found:?}"
    );
}

#[test]
fn nested_tables_report_their_own_keys() {
    let text = r#"[jobs.a]
schedule = "@daily"
[jobs.a.http]
url = "https://x"
expect = [200, 999]
method = "G T"
retries = 3
[jobs.a.notify]
on = "never"
"#;
    assert_eq!(
        problems(text),
        [
            "f:5:1: job \"a\", key \"http.expect\": 999 is not an HTTP status code (100-599)",
            "f:6:1: job \"a\", key \"http.method\": invalid HTTP method \"G T\": use GET, POST, PUT, ...",
            "f:7:1: job \"a\", key \"http.retries\": unknown key; known keys are method, url, headers, body, expect",
            "f:8:1: job \"a\", key \"notify.url\": `url` is missing",
            "f:9:1: job \"a\", key \"notify.on\": \"never\" is not one of failure, success, always",
        ]
    );
}

#[test]
fn syntax_errors_have_a_line_and_column() {
    let found = problems("[jobs.a]\nschedule = \"@daily\"\ncommand = 'x\n");
    assert_eq!(found.len(), 1);
    assert!(found[0].starts_with("f:3:"), "{found:?}");
    assert!(found[0].contains("not valid TOML"), "{found:?}");
    let found = problems("[jobs.a]\n[jobs.a]\n");
    assert!(found[0].starts_with("f:2:"), "{found:?}");
}

#[test]
fn stray_tables_are_named_with_a_hint() {
    let found = problems("[backup]\nschedule = \"@daily\"\ncommand = \"x\"\n");
    assert_eq!(
        found,
        [
            "f:1:2: key \"backup\": unknown top-level key; the file holds [defaults], [server] and [jobs.NAME] tables; did you mean [jobs.backup]?"
        ]
    );
    let found = problems("jobs = 5\n");
    assert_eq!(
        found,
        ["f:1:1: key \"jobs\": expected a table, found the number 5"]
    );
}

#[test]
fn typos_get_a_suggestion_only_when_close() {
    use super::values::{closest, distance};
    assert_eq!(closest("timout", JOB_KEYS), Some("timeout"));
    assert_eq!(closest("scedule", JOB_KEYS), Some("schedule"));
    assert_eq!(closest("frobnicate", JOB_KEYS), None);
    assert_eq!(distance("kitten", "sitting"), 3);
}

#[test]
fn jobs_in_headers_can_be_appended_to() {
    for (text, expected) in [
        ("", true),
        ("[jobs.a]\nschedule = \"@daily\"\ncommand = \"a\"\n", true),
        (
            "[ jobs . a ]\nschedule = \"@daily\"\ncommand = \"a\"\n",
            true,
        ),
        (
            "[jobs]\na = { schedule = \"@daily\", command = \"a\" }\n",
            true,
        ),
        (
            "jobs.a.schedule = \"@daily\"\njobs.a.command = \"a\"\n",
            false,
        ),
        (
            "jobs = { a = { schedule = \"@daily\", command = \"a\" } }\n",
            false,
        ),
    ] {
        let parsed = parse_document(text);
        assert!(parsed.problems.is_empty(), "{text}: {:?}", parsed.problems);
        assert_eq!(parsed.jobs_in_headers, expected, "{text}");
    }
}

#[test]
fn names_env_names_shells_and_retries_are_checked() {
    let text = "[defaults]\nshell = \"\"\nretries = 101\n\
                [jobs.-v]\nschedule = \"@daily\"\ncommand = \"x\"\n\
                [jobs.b]\nschedule = \"@daily\"\ncommand = \"x\"\nshell = \" \"\n\
                env = { \"A B\" = \"1\", \"1X\" = \"2\", \"A=B\" = \"3\", OK_1 = \"4\", _x = \"5\" }\n\
                [jobs.c]\nschedule = \"@daily\"\ncommand = \"x\"\nretries = 100\n";
    let found = problems(text);
    assert_eq!(
        found,
        [
            "f:2:1: key \"defaults.shell\": `shell` is empty; name a shell such as /bin/bash, \
             or leave it out for /bin/sh",
            "f:3:1: key \"defaults.retries\": retries = 101 is too large; use at most 100",
            "f:4:1: job \"-v\": invalid job name \"-v\": a name cannot start with `-` \
             (`jobtab exec -v` would read it as an option); start it with a letter or a digit",
            "f:10:1: job \"b\", key \"shell\": `shell` is empty; name a shell such as \
             /bin/bash, or leave it out for /bin/sh",
            "f:11:9: job \"b\", key \"env.A B\": invalid environment variable name \"A B\": use \
             letters, digits and `_`, not starting with a digit",
            "f:11:22: job \"b\", key \"env.1X\": invalid environment variable name \"1X\": use \
             letters, digits and `_`, not starting with a digit",
            "f:11:34: job \"b\", key \"env.A=B\": invalid environment variable name \"A=B\": \
             use letters, digits and `_`, not starting with a digit",
        ],
        "{found:#?}"
    );
}

#[test]
fn a_top_level_key_of_the_wrong_type_is_named_as_written() {
    assert_eq!(
        problems("defaults = 1\n"),
        ["f:1:1: key \"defaults\": expected a table, found the number 1"]
    );
    assert_eq!(
        problems("jobs = 1\n"),
        ["f:1:1: key \"jobs\": expected a table, found the number 1"]
    );
}

#[test]
fn check_warns_about_what_may_fail_but_is_valid() {
    let text = "\
[jobs.y]
schedule = \"0 0 0 1 1 * 2030\"
command = \"true\"
[jobs.w]
command = \"true\"
workdir = \"/no/such/folder\"
schedule = \"@daily\"
[jobs.f]
schedule = \"0 0 30 2 *\"
command = \"true\"
workdir = \"/\"
[jobs.g]
schedule = \"0 0 30 2 *\"
command = \"true\"
";
    let at = |when: &str| {
        let checked = check_text(text, when.parse().unwrap());
        assert!(checked.problems.is_empty(), "{:?}", checked.problems);
        assert_eq!(checked.jobs.len(), 4);
        checked
            .warnings
            .iter()
            .map(|w| w.located_warning(std::path::Path::new("f")))
            .collect::<Vec<_>>()
    };
    let never = |line: usize, job: &str, schedule: &str| {
        format!(
            "f:{line}:1: warning: job \"{job}\", key \"schedule\": \"{schedule}\" never fires: no \
             date from now on matches it; `jobtab explain '{schedule}'` shows how it reads"
        )
    };
    let workdir = "f:6:1: warning: job \"w\", key \"workdir\": /no/such/folder does not exist \
                   (yet): the job cannot start until it does";
    assert_eq!(
        at("2026-01-01T00:00:00Z"),
        [
            workdir.to_owned(),
            never(9, "f", "0 0 30 2 *"),
            never(13, "g", "0 0 30 2 *")
        ]
    );
    // A schedule limited to years that are over.
    assert_eq!(
        at("2031-01-01T00:00:00Z")[0],
        never(2, "y", "0 0 0 1 1 * 2030")
    );
    let relative = check_text(
        "[jobs.r]\nschedule = \"@daily\"\ncommand = \"true\"\nworkdir = \"no/such\"\n",
        "2026-01-01T00:00:00Z".parse().unwrap(),
    );
    assert!(
        relative.warnings[0]
            .message
            .ends_with("(a relative workdir is taken from the folder jobtab runs in)")
    );
    // Reading a file for any other purpose computes no warnings.
    assert!(parse_document(text).warnings.is_empty());
}

/// Issue 12: notification keys, from a job and from `[defaults]`.
#[test]
fn notification_channels_are_read_and_checked() {
    let text = r#"[defaults]
ping = "https://hc-ping.com/default"
mail_to = "ops@example.com"
notify = { url = "https://hooks/d", secret = "sekrit" }
[jobs.a]
schedule = "@daily"
command = "true"
notify = { url = "https://hooks/a", format = "slack", signature = "jobtab", secret = "sekrit" }
[jobs.b]
schedule = "@daily"
command = "true"
ping = ""
mail_to = ""
notify = { url = "https://hooks/b", secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", formt = "x" }
[jobs.c]
schedule = "@daily"
command = "true"
notify = { url = "https://hooks/c", secret = "sekrit", format = "teams" }
mail_to = "a@x,\nBcc: b@y"
ping = "hc-ping.com/x"
[jobs.d]
schedule = "@daily"
command = "true"
notify = { url = "https://hooks/d", secret = "${HOOK_SECRET}", format = "discord" }
"#;
    let (jobs, _) = parse(text);
    let found = problems(text);
    assert_eq!(
        found,
        [
            "f:4:37: key \"defaults.notify.secret\": the notify secret is not a Standard Webhooks key (whsec_ followed by base64); make one with `echo \"whsec_$(openssl rand -base64 32)\"`, or set signature = \"jobtab\" in the job's notify to keep the Jobtab-Signature header with any secret",
            "f:14:88: job \"b\", key \"notify.formt\": unknown key; did you mean \"format\"? known keys are url, on, secret, format, signature",
            "f:18:37: job \"c\", key \"notify.secret\": the notify secret is not a Standard Webhooks key (whsec_ followed by base64); make one with `echo \"whsec_$(openssl rand -base64 32)\"`, or set signature = \"jobtab\" in the job's notify to keep the Jobtab-Signature header with any secret",
            "f:18:56: job \"c\", key \"notify.format\": \"teams\" is not one of json, slack, discord",
            "f:19:1: job \"c\", key \"mail_to\": `mail_to` holds a line break or another control character; write addresses separated by commas, like mail_to = \"ops@example.com, me@example.com\"",
            "f:20:1: job \"c\", key \"ping\": URL \"hc-ping.com/x\" must start with http:// or https://",
        ]
    );
    let names: Vec<&str> = jobs.iter().map(|j| j.name.as_str()).collect();
    assert_eq!(names, ["a", "d"]);
    let a = &jobs[0];
    let notify = a.notify.as_ref().unwrap();
    assert_eq!(
        (notify.format, notify.signature),
        (NotifyFormat::Slack, SignatureScheme::Jobtab)
    );
    assert_eq!(a.ping.as_deref(), Some("https://hc-ping.com/default"));
    assert_eq!(a.mail_to.as_deref(), Some("ops@example.com"));
    // A `${VAR}` secret is checked when the job runs.
    let d = &jobs[1];
    assert_eq!(
        d.notify.as_ref().unwrap().signature,
        SignatureScheme::Standard
    );
    assert_eq!(d.notify.as_ref().unwrap().format, NotifyFormat::Discord);

    // `""` turns the defaults off.
    let text = r#"[defaults]
ping = "https://hc-ping.com/default"
mail_to = "ops@example.com"
[jobs.b]
schedule = "@daily"
command = "true"
ping = ""
mail_to = ""
"#;
    let (jobs, problems) = parse(text);
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(
        (jobs[0].ping.as_deref(), jobs[0].mail_to.as_deref()),
        (None, None)
    );
}

/// The field names of a `Raw*` struct, sorted, from a pattern the compiler holds complete: a
/// field added to the struct does not compile here until it is listed, and then the tests
/// below fail until the key lists, the parser and `render` know it too.
macro_rules! fields {
    ($ty:ident { $($field:ident),* $(,)? }) => {{
        let $ty { $($field: _),* } = $ty::default();
        // `r#match` is the key `match`.
        let mut names = vec![$(stringify!($field).trim_start_matches("r#")),*];
        names.sort_unstable();
        names
    }};
}

fn sorted(keys: &[&'static str]) -> Vec<&'static str> {
    let mut keys = keys.to_vec();
    keys.sort_unstable();
    keys
}

/// Issue 9, item 8: the key lists (unknown-key messages and suggestions) and the `Raw*`
/// structs cannot drift apart.
#[test]
fn key_lists_are_the_raw_structs_fields() {
    let job = fields!(RawJob {
        description,
        schedule,
        command,
        shell,
        http,
        timezone,
        enabled,
        timeout,
        retries,
        retry_delay,
        overlap,
        catch_up,
        workdir,
        env,
        notify,
        ping,
        mail_to,
        webhook,
        jitter,
        after,
        after_status,
    });
    assert_eq!(job, sorted(JOB_KEYS));
    let webhook = fields!(RawWebhook {
        verify,
        secret,
        header,
        algorithm,
        encoding,
        prefix,
        path,
        methods,
        max_body,
        r#match,
        env,
        response,
        rate_limit,
    });
    assert_eq!(webhook, sorted(WEBHOOK_KEYS));
    let server = fields!(RawServer {
        listen,
        tls_cert,
        tls_key,
        token,
        trust_proxy,
    });
    assert_eq!(server, sorted(SERVER_KEYS));
    let defaults = fields!(RawDefaults {
        timezone,
        timeout,
        retries,
        retry_delay,
        overlap,
        catch_up,
        shell,
        notify,
        ping,
        mail_to,
        jitter,
    });
    assert_eq!(defaults, sorted(DEFAULTS_KEYS));
    let http = fields!(RawHttp {
        method,
        url,
        headers,
        body,
        expect
    });
    assert_eq!(http, sorted(HTTP_KEYS));
    let notify = fields!(RawNotify {
        url,
        on,
        secret,
        format,
        signature
    });
    assert_eq!(notify, sorted(NOTIFY_KEYS));
}

/// A valid value for every key of the key lists, as TOML.
fn sample_value(key: &str) -> String {
    let text = match key {
        "description" => "\"nightly\"",
        "schedule" => "\"0 2 * * *\"",
        "command" => "\"true\"",
        "shell" => "\"/bin/sh\"",
        "workdir" => "\"/\"",
        "timezone" => "\"Europe/Berlin\"",
        "enabled" => "true",
        "timeout" => "\"1m\"",
        "retries" => "2",
        "retry_delay" => "\"5s\"",
        "overlap" => "\"queue\"",
        "catch_up" => "\"once\"",
        "env" => "{ A = \"b\" }",
        "ping" => "\"https://hc-ping.example.com/x\"",
        "mail_to" => "\"ops@example.com\"",
        "jitter" => "\"10m\"",
        "after" => "[\"call\"]",
        "after_status" => "\"always\"",
        "method" => "\"POST\"",
        "url" => "\"https://example.com/hook\"",
        "headers" => "{ X-Team = \"ops\" }",
        "body" => "\"{}\"",
        "expect" => "[200, 204]",
        "on" => "\"always\"",
        "secret" => "\"s3cret\"",
        "format" => "\"slack\"",
        "signature" => "\"jobtab\"",
        "webhook" => {
            let pairs: Vec<String> = WEBHOOK_KEYS
                .iter()
                .map(|k| format!("{k} = {}", sample_webhook_value(k)))
                .collect();
            return format!("{{ {} }}", pairs.join(", "));
        }
        "notify" | "http" => {
            let keys = if key == "notify" {
                NOTIFY_KEYS
            } else {
                HTTP_KEYS
            };
            let pairs: Vec<String> = keys
                .iter()
                .map(|k| format!("{k} = {}", sample_value(k)))
                .collect();
            return format!("{{ {} }}", pairs.join(", "));
        }
        other => panic!("no sample value for key {other:?}: add one here"),
    };
    text.to_owned()
}

/// A valid value for every key of a webhook table (`hmac`, so that every key applies).
fn sample_webhook_value(key: &str) -> String {
    let text = match key {
        "verify" => "\"hmac\"",
        "secret" => "\"${HOOK_SECRET}\"",
        "header" => "\"X-Signature\"",
        "algorithm" => "\"sha512\"",
        "encoding" => "\"base64\"",
        "prefix" => "\"sha512=\"",
        "path" => "\"/hooks/sample\"",
        "methods" => "[\"post\", \"PUT\"]",
        "max_body" => "4096",
        "match" => "{ \"/ref\" = \"refs/heads/main\", \"header:X-Event\" = [\"push\", 1, true] }",
        "env" => "{ REF = \"/ref\" }",
        "response" => "\"wait\"",
        "rate_limit" => "\"10/m\"",
        other => panic!("no sample value for webhook key {other:?}: add one here"),
    };
    text.to_owned()
}

/// A valid value for every key of `[server]`.
fn sample_server_value(key: &str) -> String {
    let text = match key {
        "listen" => "\"127.0.0.1:8080\"",
        "tls_cert" => "\"/etc/jobtab/cert.pem\"",
        "tls_key" => "\"/etc/jobtab/key.pem\"",
        "token" => "\"${JOBTAB_TOKEN}\"",
        "trust_proxy" => "true",
        other => panic!("no sample value for server key {other:?}: add one here"),
    };
    text.to_owned()
}

/// Every listed key is one the parser reads (none is reported unknown, none is rejected).
#[test]
fn every_listed_key_is_read() {
    let table = |keys: &[&str], skip: &[&str]| -> String {
        keys.iter()
            .filter(|k| !skip.contains(k))
            .map(|k| format!("{k} = {}\n", sample_value(k)))
            .collect()
    };
    let server: String = SERVER_KEYS
        .iter()
        .map(|k| format!("{k} = {}\n", sample_server_value(k)))
        .collect();
    let text = format!(
        "[server]\n{server}\n[defaults]\n{}\n[jobs.shell]\n{}\n[jobs.call]\n{}",
        table(DEFAULTS_KEYS, &[]),
        // A job has a command or an HTTP call, not both; `shell` and `workdir` are a
        // command's.
        table(JOB_KEYS, &["http"]),
        // One hook per path; `call` runs `shell` after it: not the other way round too (a
        // cycle).
        table(
            JOB_KEYS,
            &[
                "command",
                "shell",
                "workdir",
                "webhook",
                "after",
                "after_status"
            ]
        ),
    );
    let (jobs, server, problems) = parse_all(&text);
    assert!(problems.is_empty(), "{problems:#?}\n{text}");
    assert_eq!(jobs.len(), 2);
    let webhook = jobs[0].triggers.webhook.as_ref().unwrap();
    assert_eq!(webhook.methods, ["POST", "PUT"]);
    assert_eq!(webhook.max_body, 4096);
    assert_eq!(server.listen.as_deref(), Some("127.0.0.1:8080"));
    assert!(server.trust_proxy && server.tls_key.is_some() && server.tls_cert.is_some());
    assert_eq!(server.token.as_deref(), Some("${JOBTAB_TOKEN}"));
}

/// `render` (what `add` and `import` write) writes every field it is given, under the key
/// the parser reads, and the enum names agree with the parser's tables.
#[test]
fn render_writes_every_field_under_its_listed_key() {
    let map = |k: &str, v: &str| std::collections::BTreeMap::from([(k.to_owned(), v.to_owned())]);
    // A struct literal without `..`: a new field does not compile until it is set here.
    let raw = RawJob {
        description: Some("nightly".into()),
        schedule: Some("0 2 * * *".into()),
        command: Some("true".into()),
        shell: Some("/bin/sh".into()),
        http: Some(RawHttp {
            method: Some("POST".into()),
            url: "https://example.com/hook".into(),
            headers: Some(map("X-Team", "ops")),
            body: Some("{}".into()),
            expect: Some(vec![200]),
        }),
        timezone: Some("UTC".into()),
        enabled: Some(false),
        timeout: Some("1m".into()),
        retries: Some(2),
        retry_delay: Some("5s".into()),
        overlap: Some(Overlap::Queue),
        catch_up: Some(CatchUp::Once),
        workdir: Some("/".into()),
        env: Some(map("A", "b")),
        notify: Some(RawNotify {
            url: "https://example.com/n".into(),
            on: Some(NotifyOn::Always),
            secret: Some("s3cret".into()),
            format: Some(NotifyFormat::Slack),
            signature: Some(SignatureScheme::Jobtab),
        }),
        ping: Some("https://hc-ping.example.com/x".into()),
        mail_to: Some("ops@example.com".into()),
        webhook: Some(RawWebhook {
            verify: Some(crate::store::model::VerifyKind::Hmac),
            secret: Some("${S}".into()),
            header: Some("X-Sig".into()),
            algorithm: Some(crate::store::HmacAlgorithm::Sha1),
            encoding: Some(crate::store::Encoding::Base64),
            prefix: Some("sha1=".into()),
            path: Some("/hooks/x".into()),
            methods: Some(vec!["PUT".into()]),
            max_body: Some(10),
            r#match: Some(vec![
                ("/ref".into(), vec!["main".into()]),
                ("/n".into(), vec![1.into(), true.into()]),
            ]),
            env: Some(vec![("REF".into(), "/ref".into())]),
            response: Some(crate::store::Response::Wait),
            rate_limit: Some("5/s".into()),
        }),
        jitter: Some("10m".into()),
        after: Some(vec!["backup".into()]),
        after_status: Some(AfterStatus::Failure),
    };
    let text = crate::store::render::job_toml("j", &raw);
    let root: toml::Table = text.parse().unwrap();
    let job = root["jobs"]["j"].as_table().unwrap();
    let keys = |table: &toml::Table| {
        let mut keys: Vec<String> = table.keys().cloned().collect();
        keys.sort_unstable();
        keys
    };
    assert_eq!(keys(job), sorted(JOB_KEYS), "{text}");
    assert_eq!(keys(job["http"].as_table().unwrap()), sorted(HTTP_KEYS));
    assert_eq!(keys(job["notify"].as_table().unwrap()), sorted(NOTIFY_KEYS));
    assert_eq!(
        keys(job["webhook"].as_table().unwrap()),
        sorted(WEBHOOK_KEYS)
    );
    // And it reads back as written (as a shell job: it cannot be both; without `after`: the
    // file has no job `backup`).
    let shell_only = RawJob {
        http: None,
        after: None,
        after_status: None,
        ..raw
    };
    let text = crate::store::render::job_toml("j", &shell_only);
    let (jobs, problems) = parse(&text);
    assert!(problems.is_empty(), "{problems:#?}\n{text}");
    let webhook = jobs[0].triggers.webhook.as_ref().unwrap();
    assert_eq!(
        webhook.matches[1].values,
        [serde_json::json!(1), serde_json::json!(true)]
    );
    assert_eq!(webhook.rate_limit.unwrap().as_string(), "5/s");

    for (name, value) in OVERLAPS {
        assert_eq!(value.as_str(), *name);
    }
    for (name, value) in CATCH_UPS {
        assert_eq!(value.as_str(), *name);
    }
    for (name, value) in AFTER_STATUSES {
        assert_eq!(value.as_str(), *name);
    }
    for (name, value) in NOTIFY_ONS {
        assert_eq!(value.as_str(), *name);
    }
    for (name, value) in NOTIFY_FORMATS {
        assert_eq!(value.as_str(), *name);
    }
    for (name, value) in SIGNATURES {
        assert_eq!(value.as_str(), *name);
    }
    for (name, value) in webhook::VERIFIES {
        assert_eq!(value.as_str(), *name);
    }
    assert_eq!(
        webhook::VERIFIES.len(),
        crate::store::model::VerifyKind::ALL.len()
    );
    for (name, value) in webhook::ALGORITHMS {
        assert_eq!(value.as_str(), *name);
    }
    for (name, value) in webhook::ENCODINGS {
        assert_eq!(value.as_str(), *name);
    }
    for (name, value) in webhook::RESPONSES {
        assert_eq!(value.as_str(), *name);
    }
}

#[test]
fn jitter_and_after_are_validated() {
    let messages =
        |text: &str| -> Vec<String> { parse(text).1.into_iter().map(|p| p.message).collect() };
    let found = messages(
        "[defaults]\njitter = \"8d\"\n\
         [jobs.a]\nschedule = \"@reboot\"\njitter = \"5m\"\ncommand = \"true\"\n\
         [jobs.b]\nschedule = \"@daily\"\njitter = \"5 minutes\"\ncommand = \"true\"\n\
         [jobs.c]\nschedule = \"@daily\"\nafter_status = \"success\"\ncommand = \"true\"\n\
         [jobs.d]\nschedule = \"@daily\"\nafter = [\"a\"]\nafter_status = \"sometimes\"\ncommand = \"true\"\n\
         [jobs.e]\nafter = 3\ncommand = \"true\"\n",
    );
    assert!(
        found[0].contains("is more than a week; use at most 7d"),
        "{found:#?}"
    );
    assert!(
        found[1].contains("has none (no `schedule`, or @reboot)"),
        "{found:#?}"
    );
    assert!(
        found[2].starts_with("invalid duration \"5 minutes\""),
        "{found:#?}"
    );
    assert!(
        found[3].contains("`after_status` says which ends"),
        "{found:#?}"
    );
    assert!(
        found[4].contains("\"sometimes\" is not one of success, failure, always"),
        "{found:#?}"
    );
    assert!(
        found[5].contains("expected a list of job names"),
        "{found:#?}"
    );
    assert_eq!(found.len(), 6, "{found:#?}");

    // `[defaults] jitter` applies to calendar jobs only; `0s` is none.
    let (jobs, problems) = parse(
        "[defaults]\njitter = \"10m\"\n\
         [jobs.a]\nschedule = \"@daily\"\ncommand = \"true\"\n\
         [jobs.boot]\nschedule = \"@reboot\"\ncommand = \"true\"\n\
         [jobs.none]\nschedule = \"@daily\"\njitter = \"0s\"\ncommand = \"true\"\n\
         [jobs.chained]\nafter = [\"a\"]\ncommand = \"true\"\n",
    );
    assert!(problems.is_empty(), "{problems:#?}");
    let jitter = |i: usize| jobs[i].triggers.jitter.map(|j| j.max.as_secs());
    assert_eq!(
        [jitter(0), jitter(1), jitter(2), jitter(3)],
        [Some(600), None, None, None]
    );
    assert!(!jobs[3].triggers.has_schedule() && jobs[3].triggers.webhook.is_none());
    assert_eq!(jobs[3].triggers.after, ["a"]);
}

/// A trigger that could not be read is not also a missing trigger, and hides no other
/// trigger's problem.
#[test]
fn a_wrong_schedule_is_reported_beside_a_trigger_that_could_not_be_read() {
    for broken in ["webhook = \"x\"", "after = 3"] {
        let text = format!("[jobs.a]\nschedule = \"61 * * * *\"\ncommand = \"true\"\n{broken}\n");
        let messages: Vec<String> = parse(&text).1.into_iter().map(|p| p.message).collect();
        assert_eq!(messages.len(), 2, "{messages:#?}");
        assert!(
            messages[0].starts_with("invalid schedule \"61 * * * *\""),
            "{messages:#?}"
        );
        assert!(messages[1].starts_with("expected "), "{messages:#?}");
        let text = format!("[jobs.a]\ncommand = \"true\"\n{broken}\n");
        let messages: Vec<String> = parse(&text).1.into_iter().map(|p| p.message).collect();
        assert_eq!(messages.len(), 1, "{messages:#?}");
        assert!(messages[0].starts_with("expected "), "{messages:#?}");
    }
}
