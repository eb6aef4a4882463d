//! `list`, `show` and `next` show webhook triggers; `install` and `export` refuse jobs that
//! only have one, and take the schedule of jobs that have both.

use crate::install::{FakeCrontab, expect};
use crate::manage::{fails, ok};
use crate::util::Env;

const JOBS: &str = r#"
    [jobs.nightly]
    schedule = "0 2 * * *"
    command = "true"

    [jobs.deploy]
    command = "./deploy.sh"
    [jobs.deploy.webhook]
    verify = "github"
    secret = "${GITHUB_WEBHOOK_SECRET}"
    match = { "/ref" = "refs/heads/main", "header:X-GitHub-Event" = ["push", "ping"] }
    env = { REF = "/ref", REPO = "/repository/full_name" }

    [jobs.both]
    schedule = "30 6 * * *"
    command = "true"
    [jobs.both.webhook]
    verify = "hmac"
    secret = "literal-secret-value"
    header = "X-Signature"
    prefix = "sha256="
    methods = ["post", "put"]
    path = "/hooks/custom"
    max_body = 4096
    response = "wait"
    rate_limit = "5/m"
"#;

#[test]
fn list_shows_webhook_triggers() {
    let env = Env::with_jobs(JOBS);
    let (out, _) = ok(&env, &["list"]);
    let line = |name: &str| {
        out.lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("no {name} in {out}"))
            .to_owned()
    };
    let deploy = line("deploy");
    assert!(
        deploy.contains("webhook POST /hooks/deploy (github)"),
        "{out}"
    );
    assert!(deploy.contains("on webhook"), "{out}");
    assert!(
        line("both").contains("30 6 * * *, webhook POST,PUT /hooks/custom (hmac)"),
        "{out}"
    );
    assert!(!line("nightly").contains("webhook"), "{out}");

    let (out, _) = ok(&env, &["list", "--json"]);
    let jobs: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(jobs[0]["webhook"], serde_json::Value::Null);
    assert_eq!(jobs[0]["schedule"], "0 2 * * *");
    assert_eq!(jobs[1]["schedule"], serde_json::Value::Null);
    assert_eq!(
        jobs[1]["webhook"],
        serde_json::json!({"methods": ["POST"], "path": "/hooks/deploy", "verify": "github"})
    );
    assert_eq!(jobs[1]["next"], serde_json::json!([]));
    assert_eq!(jobs[2]["schedule"], "30 6 * * *");
    assert_eq!(
        jobs[2]["webhook"]["methods"],
        serde_json::json!(["POST", "PUT"])
    );
    assert_eq!(jobs[2]["next"].as_array().unwrap().len(), 1);
}

#[test]
fn show_shows_every_webhook_setting_with_the_secret_as_its_template() {
    let env = Env::with_jobs(JOBS);
    let (out, _) = ok(&env, &["show", "deploy"]);
    assert!(!out.contains("schedule:"), "{out}");
    assert!(
        out.contains("webhook:    webhook POST /hooks/deploy (github)"),
        "{out}"
    );
    assert!(
        out.contains("  verify:   github with secret ${GITHUB_WEBHOOK_SECRET}"),
        "{out}"
    );
    assert!(
        out.contains("  match:    /ref = \"refs/heads/main\"\n"),
        "{out}"
    );
    assert!(
        out.contains("  match:    header:X-GitHub-Event = \"push\" or \"ping\"\n"),
        "{out}"
    );
    assert!(out.contains("  env:      REF = /ref\n"), "{out}");
    assert!(
        out.contains("  limits:   max_body 1048576 bytes\n"),
        "{out}"
    );
    assert!(out.contains("  response: accepted\n"), "{out}");
    assert!(
        out.contains("next runs:\n  on webhook deliveries only (`jobtab run --listen`)\n"),
        "{out}"
    );
    let (out, _) = ok(&env, &["show", "both"]);
    assert!(out.contains("schedule:"), "{out}");
    assert!(
        out.contains(
            "  verify:   hmac (sha256 hex in X-Signature after \"sha256=\") with secret (a \
             literal value, hidden)"
        ),
        "{out}"
    );
    assert!(!out.contains("literal-secret-value"), "{out}");
    assert!(
        out.contains("  limits:   max_body 4096 bytes, rate_limit 5/m\n"),
        "{out}"
    );

    let (out, _) = ok(&env, &["show", "deploy", "--json"]);
    let show: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(show["schedule"], serde_json::Value::Null);
    assert_eq!(show["schedule_description"], "");
    assert_eq!(
        show["webhook"],
        serde_json::json!({
            "verify": "github",
            "secret": "${GITHUB_WEBHOOK_SECRET}",
            "header": null,
            "algorithm": null,
            "encoding": null,
            "prefix": null,
            "path": "/hooks/deploy",
            "methods": ["POST"],
            "max_body": 1048576,
            "match": {"/ref": ["refs/heads/main"], "header:X-GitHub-Event": ["push", "ping"]},
            "env": {"REF": "/ref", "REPO": "/repository/full_name"},
            "response": "accepted",
            "rate_limit": null
        })
    );
    let (out, _) = ok(&env, &["show", "both", "--json"]);
    assert!(!out.contains("literal-secret-value"), "{out}");
    let show: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(show["webhook"]["secret"], "(a literal value, hidden)");
    assert_eq!(show["webhook"]["algorithm"], "sha256");
    assert_eq!(show["webhook"]["response"], "wait");
    assert_eq!(show["webhook"]["rate_limit"], "5/m");
}

#[test]
fn next_skips_webhook_only_jobs_and_says_so() {
    let env = Env::with_jobs(JOBS);
    let (out, err) = ok(&env, &["next", "--count", "4"]);
    assert!(!out.contains("deploy"), "{out}");
    assert!(out.contains("nightly") && out.contains("both"), "{out}");
    assert_eq!(
        err,
        "not listed: 1 job that runs only on webhook deliveries (deploy), under `jobtab run \
         --listen`\n"
    );
    let (out, err) = ok(&env, &["next", "deploy", "--json"]);
    assert_eq!(out.trim(), "[]");
    assert_eq!(
        err,
        "job \"deploy\" runs only on webhook deliveries (webhook POST /hooks/deploy (github)), \
         so it has no upcoming runs\n"
    );
}

#[test]
fn install_refuses_webhook_only_jobs_by_name_and_installs_the_schedule_of_the_others() {
    let env = Env::with_jobs(JOBS);
    let fake = FakeCrontab::new(&env);
    let (_, err) = expect(&env, &fake, &["install"], 1);
    assert!(
        err.contains(
            "job \"deploy\": it runs only on webhook deliveries, which cron cannot receive: it \
             needs `jobtab run --listen`"
        ),
        "{err}"
    );
    assert!(!err.contains("\"both\":"), "{err}");
    assert_eq!(fake.writes(), 0);

    env.write_jobs(&JOBS.replace(
        "[jobs.deploy]\n    command",
        "[jobs.deploy]\n    enabled = false\n    command",
    ));
    let (_, err) = expect(&env, &fake, &["install"], 0);
    assert!(
        err.contains(
            "note: job \"both\": only its schedule is installed; its webhook needs `jobtab run \
             --listen`"
        ),
        "{err}"
    );
    let table = fake.text();
    assert!(
        table.contains("30 6 * * * ") && table.contains(" exec -- both"),
        "{table}"
    );
    assert!(!table.contains("deploy"), "{table}");
}

#[test]
fn export_refuses_webhook_only_jobs_by_name() {
    let env = Env::with_jobs(JOBS);
    let kubernetes = ["--image", "i:1", "--secret", "s"];
    let systemd = ["--env-file", "/etc/jobtab.env"];
    for (format, extra, target, receiver) in [
        ("kubernetes", &kubernetes[..], "Kubernetes", "a CronJob"),
        ("systemd", &systemd[..], "systemd", "a systemd timer"),
    ] {
        let mut args = vec!["export", "--format", format];
        args.extend(extra);
        let (out, err) = fails(&env, &args, 1);
        assert_eq!(out, "", "{format}");
        assert!(
            err.contains(&format!("cannot export 1 job to {target}")),
            "{err}"
        );
        assert!(
            err.contains(&format!(
                "job \"deploy\": it runs only on webhook deliveries, which {receiver} cannot \
                 receive: it needs `jobtab run --listen`"
            )),
            "{err}"
        );
    }
    env.write_jobs(&JOBS.replace(
        "[jobs.deploy]\n    command",
        "[jobs.deploy]\n    enabled = false\n    command",
    ));
    let (out, err) = ok(
        &env,
        &["export", "--format", "kubernetes", "--image", "i:1"],
    );
    assert!(out.contains("jobtab/job: both"), "{out}");
    assert!(
        err.contains(
            "job \"both\": only its schedule is exported; its webhook needs `jobtab run --listen`"
        ),
        "{err}"
    );
}
