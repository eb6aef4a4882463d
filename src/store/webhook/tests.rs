//! Unit tests of `store::webhook` and of reading `[jobs.NAME.webhook]` and `[server]`: every
//! rejection with its job, key and position.

use super::*;
use crate::store::{Response, ServerConfig, parse, parse_all};

/// The problems of a file, as `check` prints them.
fn located(text: &str) -> Vec<String> {
    let (_, problems) = parse(text);
    problems
        .iter()
        .map(|p| p.located(std::path::Path::new("f")))
        .collect()
}

/// The problems of a job `j` whose webhook table holds `lines` (line 4 on).
fn hook_problems(lines: &str) -> Vec<String> {
    located(&format!(
        "[jobs.j]\ncommand = \"true\"\n[jobs.j.webhook]\n{lines}\n"
    ))
}

fn assert_one(found: &[String], expected: &str) {
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].contains(expected),
        "{found:#?}\nwanted: {expected}"
    );
}

#[test]
fn a_webhook_only_job_is_valid_and_gets_the_defaults() {
    let (jobs, problems) = parse(
        "[jobs.deploy]\ncommand = \"./deploy.sh\"\n[jobs.deploy.webhook]\nverify = \"github\"\n\
         secret = \"${GITHUB_WEBHOOK_SECRET}\"\n\
         match = { \"/ref\" = \"refs/heads/main\", \"header:X-GitHub-Event\" = [\"push\"] }\n\
         env = { REF = \"/ref\", REPO = \"/repository/full_name\" }\n",
    );
    assert!(problems.is_empty(), "{problems:#?}");
    let job = &jobs[0];
    assert!(job.triggers.webhook_only_job() && !job.triggers.has_schedule());
    assert_eq!(job.triggers.as_str(), "");
    let hook = job.triggers.webhook.as_ref().unwrap();
    assert_eq!(hook.verify, Verify::Github);
    assert_eq!(hook.secret.as_deref(), Some("${GITHUB_WEBHOOK_SECRET}"));
    assert_eq!(hook.path, "/hooks/deploy");
    assert_eq!(hook.methods, ["POST"]);
    assert_eq!(hook.max_body, DEFAULT_MAX_BODY);
    assert_eq!(hook.response, Response::Accepted);
    assert_eq!(hook.rate_limit, None);
    assert_eq!(
        hook.matches,
        [
            Match {
                source: MatchSource::Pointer("/ref".into()),
                values: vec!["refs/heads/main".into()]
            },
            Match {
                source: MatchSource::Header("X-GitHub-Event".into()),
                values: vec!["push".into()]
            }
        ]
    );
    // In file order, not sorted.
    assert_eq!(
        hook.env,
        [
            ("REF".to_owned(), "/ref".to_owned()),
            ("REPO".to_owned(), "/repository/full_name".to_owned())
        ]
    );
    assert_eq!(hook.summary(), "webhook POST /hooks/deploy (github)");
}

#[test]
fn a_job_with_both_triggers_keeps_both() {
    let (jobs, problems) = parse(
        "[jobs.j]\nschedule = \"@daily\"\ncommand = \"true\"\n\
         webhook = { verify = \"none\", methods = [\"put\", \"Post\"] }\n",
    );
    assert!(problems.is_empty(), "{problems:#?}");
    let triggers = &jobs[0].triggers;
    assert!(triggers.has_schedule() && !triggers.webhook_only_job());
    assert_eq!(triggers.as_str(), "@daily");
    let hook = triggers.webhook.as_ref().unwrap();
    assert_eq!(
        (&hook.verify, hook.secret.as_deref()),
        (&Verify::None, None)
    );
    assert_eq!(hook.methods, ["PUT", "POST"]);
}

#[test]
fn a_job_without_any_trigger_is_told_to_add_one() {
    assert_eq!(
        located("[jobs.j]\ncommand = \"true\"\n"),
        [
            "f:1:1: job \"j\", key \"schedule\": the job has no trigger: add `schedule` (like \
          schedule = \"0 2 * * *\"), a [jobs.j.webhook] table to run it on requests, or after = \
          [\"other-job\"] to run it when another job's run ends"
        ]
    );
    // `after = []` names no job to run after.
    assert_one(
        &located("[jobs.j]\ncommand = \"true\"\nafter = []\n"),
        "f:1:1: job \"j\", key \"schedule\": the job has no trigger",
    );
    // A webhook that could not be read is reported itself, not as a missing trigger.
    assert_one(
        &located("[jobs.j]\ncommand = \"true\"\nwebhook = \"github\"\n"),
        "f:3:1: job \"j\", key \"webhook\": expected a table, found the string \"github\"",
    );
}

#[test]
fn presets_are_checked_and_named() {
    assert_one(
        &hook_problems("verify = \"gihub\"\nsecret = \"x\""),
        "f:4:1: job \"j\", key \"webhook.verify\": unknown verify preset \"gihub\"; use one of \
         github, gitlab, stripe, standard, slack, shopify, hmac, token, none",
    );
    assert_one(
        &hook_problems("secret = \"x\""),
        "f:3:9: job \"j\", key \"webhook.verify\": `verify` is missing",
    );
    for preset in ["github", "gitlab", "stripe", "standard", "slack", "shopify"] {
        let (jobs, problems) = parse(&format!(
            "[jobs.j]\ncommand = \"true\"\n[jobs.j.webhook]\nverify = \"{preset}\"\n\
             secret = \"${{S}}\"\n"
        ));
        assert!(problems.is_empty(), "{preset}: {problems:#?}");
        let hook = jobs[0].triggers.webhook.as_ref().unwrap();
        assert_eq!(hook.verify.kind().as_str(), preset);
    }
}

#[test]
fn a_secret_is_required_except_for_none() {
    assert_one(
        &hook_problems("verify = \"github\""),
        "f:3:9: job \"j\", key \"webhook.secret\": `secret` is missing: verify = \"github\" \
         needs one",
    );
    assert_one(
        &hook_problems("verify = \"token\"\nsecret = \" \""),
        "f:5:1: job \"j\", key \"webhook.secret\": `secret` is empty",
    );
    assert_one(
        &hook_problems("verify = \"none\"\nsecret = \"x\""),
        "f:5:1: job \"j\", key \"webhook.secret\": verify = \"none\" checks nothing",
    );
    assert!(hook_problems("verify = \"none\"").is_empty());
}

#[test]
fn hmac_needs_a_header_and_its_settings_are_its_own() {
    assert_one(
        &hook_problems("verify = \"hmac\"\nsecret = \"${S}\""),
        "f:3:9: job \"j\", key \"webhook.header\": verify = \"hmac\" needs `header`",
    );
    let (jobs, problems) = parse(
        "[jobs.j]\ncommand = \"true\"\n[jobs.j.webhook]\nverify = \"hmac\"\nsecret = \"${S}\"\n\
         header = \"X-Sig\"\n",
    );
    assert!(problems.is_empty(), "{problems:#?}");
    assert_eq!(
        jobs[0].triggers.webhook.as_ref().unwrap().verify,
        Verify::Hmac {
            header: "X-Sig".into(),
            algorithm: HmacAlgorithm::Sha256,
            encoding: Encoding::Hex,
            prefix: String::new()
        }
    );
    assert_one(
        &hook_problems("verify = \"hmac\"\nsecret = \"s\"\nheader = \"X-S\"\nalgorithm = \"md5\""),
        "f:7:1: job \"j\", key \"webhook.algorithm\": \"md5\" is not one of sha1, sha256, sha512",
    );
    assert_one(
        &hook_problems("verify = \"hmac\"\nsecret = \"s\"\nheader = \"X-S\"\nencoding = \"b64\""),
        "f:7:1: job \"j\", key \"webhook.encoding\": \"b64\" is not one of hex, base64",
    );
    assert_one(
        &hook_problems("verify = \"hmac\"\nsecret = \"s\"\nheader = \"X S\""),
        "f:6:1: job \"j\", key \"webhook.header\": invalid header name \"X S\"",
    );
    for key in [
        "algorithm = \"sha1\"",
        "encoding = \"hex\"",
        "prefix = \"v1=\"",
    ] {
        let name = key.split(' ').next().unwrap();
        assert_one(
            &hook_problems(&format!("verify = \"github\"\nsecret = \"s\"\n{key}")),
            &format!(
                "f:6:1: job \"j\", key \"webhook.{name}\": `{name}` is a setting of verify = \
                 \"hmac\", not of \"github\""
            ),
        );
    }
    assert_one(
        &hook_problems("verify = \"stripe\"\nsecret = \"s\"\nheader = \"X-A\""),
        "f:6:1: job \"j\", key \"webhook.header\": `header` is a setting of verify = \"hmac\" \
         and \"token\"",
    );
    // `token` takes a header, or uses Authorization.
    let (jobs, _) = parse(
        "[jobs.j]\ncommand = \"true\"\n[jobs.j.webhook]\nverify = \"token\"\nsecret = \"s\"\n\
         header = \"X-Gitea-Token\"\n",
    );
    assert_eq!(
        jobs[0].triggers.webhook.as_ref().unwrap().verify,
        Verify::Token {
            header: Some("X-Gitea-Token".into())
        }
    );
}

#[test]
fn paths_are_checked() {
    for good in [
        "/hooks/deploy",
        "/x",
        "/apix",
        "/hooks/a.b-c_d/e",
        "/healthzz",
        "/jobsx",
        "/hooks/jobs",
    ] {
        assert_eq!(check_path(good), Ok(()), "{good}");
    }
    for (bad, why) in [
        ("hooks/x", "must start with `/`"),
        ("", "must start with `/`"),
        ("/hooks/x?a=1", "`?` or `#`"),
        ("/hooks/x#y", "`?` or `#`"),
        ("/hooks/a b", "a space"),
        ("/", "the server's own"),
        ("/healthz", "the server's own"),
        ("/metrics", "the server's own"),
        ("/api", "under /api"),
        ("/api/hooks", "under /api"),
        ("/static/x", "under /static"),
        ("/login", "under /login"),
        ("/login/x", "under /login"),
        // The dashboard's own pages and buttons would shadow the hook (it answered 401).
        ("/jobs", "under /jobs"),
        ("/jobs/deploy", "under /jobs"),
        ("/jobs/deploy/run", "under /jobs"),
        ("/logout", "under /logout"),
    ] {
        let err = check_path(bad).unwrap_err();
        assert!(err.contains(why), "{bad}: {err}");
    }
    assert_one(
        &hook_problems("verify = \"none\"\npath = \"/api/deploy\""),
        "f:5:1: job \"j\", key \"webhook.path\": path \"/api/deploy\" is under /api",
    );
}

#[test]
fn two_jobs_on_one_path_are_a_problem_naming_both() {
    let text = "[jobs.a]\ncommand = \"true\"\nwebhook = { verify = \"none\", path = \"/hooks/x\" }\n\
                [jobs.b]\ncommand = \"true\"\n[jobs.b.webhook]\nverify = \"none\"\n\
                path = \"/hooks/x\"\n\
                [jobs.c]\ncommand = \"true\"\nwebhook = { verify = \"none\", path = \"/hooks/X\" }\n";
    let (jobs, problems) = parse(text);
    let found: Vec<String> = problems
        .iter()
        .map(|p| p.located(std::path::Path::new("f")))
        .collect();
    assert_eq!(
        found,
        [
            "f:8:1: job \"b\", key \"webhook.path\": path \"/hooks/x\" is already the webhook of \
          job \"a\": two jobs cannot share a hook; give one of them another `path`"
        ]
    );
    // Paths are compared exactly: /hooks/X is another one.
    let names: Vec<&str> = jobs.iter().map(|j| j.name.as_str()).collect();
    assert_eq!(names, ["a", "c"]);
    // A default path counts too: job `x`'s /hooks/x.
    let text = "[jobs.a]\ncommand = \"true\"\nwebhook = { verify = \"none\", path = \"/hooks/x\" }\n\
                [jobs.x]\ncommand = \"true\"\nwebhook = { verify = \"none\" }\n";
    assert_one(
        &located(text),
        "f:6:1: job \"x\", key \"webhook.path\": path \"/hooks/x\" is already the webhook of \
         job \"a\"",
    );
}

#[test]
fn methods_and_max_body_are_checked() {
    assert_one(
        &hook_problems("verify = \"none\"\nmethods = []"),
        "f:5:1: job \"j\", key \"webhook.methods\": `methods` is empty",
    );
    assert_one(
        &hook_problems("verify = \"none\"\nmethods = [\"PO ST\"]"),
        "f:5:1: job \"j\", key \"webhook.methods\": invalid HTTP method \"PO ST\"",
    );
    assert_one(
        &hook_problems("verify = \"none\"\nmethods = [1]"),
        "f:5:1: job \"j\", key \"webhook.methods\": expected a list of strings",
    );
    for bad in ["0", "67108865"] {
        assert_one(
            &hook_problems(&format!("verify = \"none\"\nmax_body = {bad}")),
            &format!(
                "f:5:1: job \"j\", key \"webhook.max_body\": max_body = {bad} is out of range"
            ),
        );
    }
    assert_one(
        &hook_problems("verify = \"none\"\nmax_body = -1"),
        "f:5:1: job \"j\", key \"webhook.max_body\": expected a number of bytes",
    );
    assert!(hook_problems("verify = \"none\"\nmax_body = 67108864").is_empty());
}

#[test]
fn json_pointers_follow_rfc_6901() {
    for good in ["", "/", "/a", "/a/b", "/a~0b", "/a~1b/~0~1", "/0", "/a b"] {
        assert_eq!(check_pointer(good), Ok(()), "{good:?}");
    }
    for bad in ["a", "ref", "/a~", "/a~2", "/~x", "#/a"] {
        assert!(check_pointer(bad).is_err(), "{bad:?}");
    }
    assert_one(
        &hook_problems("verify = \"none\"\nmatch = { \"ref\" = \"main\" }"),
        "f:5:11: job \"j\", key \"webhook.match.ref\": \"ref\" is not a JSON pointer: it must \
         start with `/`",
    );
    assert_one(
        &hook_problems("verify = \"none\"\nenv = { REF = \"/a~2\" }"),
        "f:5:9: job \"j\", key \"webhook.env.REF\": JSON pointer \"/a~2\" has a `~` not \
         followed by 0 or 1",
    );
}

#[test]
fn match_keys_and_values_are_checked() {
    assert_one(
        &hook_problems("verify = \"none\"\nmatch = { \"header:X Event\" = \"push\" }"),
        "f:5:11: job \"j\", key \"webhook.match.header:X Event\": invalid header name \"X Event\"",
    );
    assert_one(
        &hook_problems("verify = \"none\"\nmatch = { \"\" = \"push\" }"),
        "key \"webhook.match.\": an empty key would compare the whole body",
    );
    assert_one(
        &hook_problems("verify = \"none\"\nmatch = { \"/a\" = [] }"),
        "key \"webhook.match./a\": expected a string, number or true/false, or a non-empty list",
    );
    assert_one(
        &hook_problems("verify = \"none\"\nmatch = { \"/a\" = { b = 1 } }"),
        "key \"webhook.match./a\": expected a string, number or true/false",
    );
    assert_one(
        &hook_problems("verify = \"none\"\nmatch = \"/ref\""),
        "f:5:1: job \"j\", key \"webhook.match\": expected a table",
    );
    let (jobs, problems) = parse(
        "[jobs.j]\ncommand = \"true\"\n[jobs.j.webhook]\nverify = \"none\"\n\
         match = { \"/n\" = 1.5, \"/b\" = false, \"/l\" = [\"a\", 2] }\n",
    );
    assert!(problems.is_empty(), "{problems:#?}");
    let values: Vec<_> = jobs[0]
        .triggers
        .webhook
        .as_ref()
        .unwrap()
        .matches
        .iter()
        .map(|m| serde_json::Value::Array(m.values.clone()))
        .collect();
    assert_eq!(
        values,
        [
            serde_json::json!([1.5]),
            serde_json::json!([false]),
            serde_json::json!(["a", 2])
        ]
    );
}

#[test]
fn env_names_are_checked() {
    assert_one(
        &hook_problems("verify = \"none\"\nenv = { 1REF = \"/ref\" }"),
        "f:5:9: job \"j\", key \"webhook.env.1REF\": invalid environment variable name \"1REF\"",
    );
    assert_one(
        &hook_problems("verify = \"none\"\nenv = { REF = 1 }"),
        "f:5:9: job \"j\", key \"webhook.env.REF\": expected a JSON pointer like \"/ref\", found \
         the number 1",
    );
}

#[test]
fn response_and_rate_limit_are_checked() {
    assert_one(
        &hook_problems("verify = \"none\"\nresponse = \"later\""),
        "f:5:1: job \"j\", key \"webhook.response\": \"later\" is not one of accepted, wait",
    );
    for (good, count, secs) in [("100/s", 100, 1), ("30/m", 30, 60), (" 5 / h ", 5, 3600)] {
        let limit = parse_rate_limit(good).unwrap();
        assert_eq!((limit.count, limit.per.as_secs()), (count, secs), "{good}");
    }
    for (bad, why) in [
        ("100", "has no `/`"),
        ("0/s", "would refuse every request"),
        ("-1/s", "not a whole number"),
        ("x/s", "not a whole number"),
        ("10/d", "unknown unit \"d\""),
        ("10/", "unknown unit"),
    ] {
        let err = parse_rate_limit(bad).unwrap_err();
        assert!(err.contains(why), "{bad}: {err}");
    }
    assert_one(
        &hook_problems("verify = \"none\"\nrate_limit = \"100\""),
        "f:5:1: job \"j\", key \"webhook.rate_limit\": rate_limit \"100\" has no `/`",
    );
    assert_one(
        &hook_problems("verify = \"none\"\nratelimit = \"100/s\""),
        "f:5:1: job \"j\", key \"webhook.ratelimit\": unknown key; did you mean \"rate_limit\"?",
    );
}

#[test]
fn every_problem_of_a_webhook_is_reported_at_once() {
    let found = hook_problems(
        "verify = \"hmac\"\npath = \"hooks\"\nmethods = [\"\"]\nmax_body = 0\n\
         match = { \"x\" = 1 }\nenv = { \"A-B\" = \"/a\" }\nrate_limit = \"1/y\"",
    );
    let keys: Vec<&str> = found
        .iter()
        .map(|p| p.split('"').nth(3).unwrap_or(""))
        .collect();
    assert_eq!(
        keys,
        [
            "webhook.secret",
            "webhook.header",
            "webhook.path",
            "webhook.methods",
            "webhook.max_body",
            "webhook.match.x",
            "webhook.env.A-B",
            "webhook.rate_limit"
        ],
        "{found:#?}"
    );
}

#[test]
fn the_server_table_is_read_and_checked() {
    let (_, server, problems) = parse_all("[server]\nlisten = \":8080\"\n");
    assert!(problems.is_empty(), "{problems:#?}");
    assert_eq!(server.listen.as_deref(), Some(":8080"));
    let (_, server, problems) = parse_all("");
    assert!(problems.is_empty());
    assert_eq!(server, ServerConfig::default());
    for good in [
        "127.0.0.1:8080",
        "[::1]:80",
        "localhost:8080",
        ":0",
        "0.0.0.0:443",
    ] {
        assert_eq!(check_listen(good), Ok(()), "{good}");
    }
    for (bad, why) in [
        ("8080", "no port"),
        ("127.0.0.1", "no port"),
        ("host:99999", "not a port"),
        ("a b:80", "not a host"),
        ("http://x:80", "not a host"),
    ] {
        let err = check_listen(bad).unwrap_err();
        assert!(err.contains(why), "{bad}: {err}");
    }
    assert_eq!(
        located(
            "[server]\nlisten = \"8080\"\ntls_cert = \"c.pem\"\ntoken = \"\"\n\
                     trust_proxy = \"yes\"\nport = 1\n"
        ),
        [
            "f:2:1: key \"server.listen\": listen address \"8080\" has no port; write it as \
             HOST:PORT, [IPv6]:PORT or :PORT, e.g. listen = \"127.0.0.1:8080\"",
            "f:3:1: key \"server.tls_cert\": `tls_cert` is set without `tls_key`: HTTPS needs \
             both (the certificate chain and its private key, PEM files); set `tls_key` too, or \
             remove `tls_cert` for plain HTTP",
            "f:4:1: key \"server.token\": `token` is empty: anyone could pass; write it like \
             token = \"${VAR}\" and export VAR where `jobtab run` runs",
            "f:5:1: key \"server.trust_proxy\": expected true or false, found the string \"yes\"",
            "f:6:1: key \"server.port\": unknown key; known keys are listen, tls_cert, tls_key, \
             token, trust_proxy",
        ]
    );
    assert_one(
        &located("[server]\ntls_key = \"k.pem\"\n"),
        "f:2:1: key \"server.tls_key\": `tls_key` is set without `tls_cert`",
    );
    assert_one(
        &located("server = 1\n"),
        "f:1:1: key \"server\": expected a table, found the number 1",
    );
    // A token is kept as written.
    let (_, server, _) =
        parse_all("[server]\ntoken = \"${T}\"\ntls_cert = \"c\"\ntls_key = \"k\"\n");
    assert_eq!(server.token.as_deref(), Some("${T}"));
    assert_eq!(server.tls_cert, Some("c".into()));
}
