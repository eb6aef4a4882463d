//! `check` validates webhook triggers and `[server]` with file, line, column and key.

use crate::manage::{fails, ok};
use crate::util::Env;

#[test]
fn webhook_and_server_problems_are_listed_with_their_position() {
    let env = Env::with_jobs(
        r#"
        [server]
        listen = "8080"
        tls_cert = "/etc/cert.pem"

        [jobs.deploy]
        command = "./deploy.sh"
        [jobs.deploy.webhook]
        verify = "gihub"
        path = "/api/deploy"
        match = { "ref" = "main" }

        [jobs.other]
        command = "true"
        webhook = { verify = "github", path = "/hooks/x" }

        [jobs.same]
        command = "true"
        webhook = { verify = "token", secret = "${T}", path = "/hooks/x" }

        [jobs.third]
        command = "true"
        webhook = { verify = "token", secret = "${T}", path = "/hooks/x" }

        [jobs.nothing]
        command = "true"
        "#,
    );
    let (out, err) = fails(&env, &["check"], 1);
    let file = env.file.display().to_string();
    let lines: Vec<&str> = out.lines().collect();
    let expected = [
        "2:1: key \"server.listen\": listen address \"8080\" has no port",
        "3:1: key \"server.tls_cert\": `tls_cert` is set without `tls_key`",
        "8:1: job \"deploy\", key \"webhook.verify\": unknown verify preset \"gihub\"; use one \
         of github, gitlab, stripe, standard, slack, shopify, hmac, token, none",
        "9:1: job \"deploy\", key \"webhook.path\": path \"/api/deploy\" is under /api",
        "10:11: job \"deploy\", key \"webhook.match.ref\": \"ref\" is not a JSON pointer",
        "14:1: job \"other\", key \"webhook.secret\": `secret` is missing: verify = \"github\" \
         needs one",
        "22:48: job \"third\", key \"webhook.path\": path \"/hooks/x\" is already the webhook of \
         job \"same\"",
        "24:1: job \"nothing\", key \"schedule\": the job has no trigger: add `schedule` (like \
         schedule = \"0 2 * * *\"), a [jobs.nothing.webhook] table to run it on requests, or \
         after = [\"other-job\"] to run it when another job's run ends",
    ];
    assert_eq!(lines.len(), expected.len(), "{out}");
    for (line, want) in lines.iter().zip(expected) {
        assert!(
            line.starts_with(&format!("{file}:{want}")),
            "{line}\nwanted {want}"
        );
    }
    assert!(err.contains("8 problems"), "{err}");

    // The same in JSON.
    let (out, _) = fails(&env, &["check", "--json"], 1);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let problems = json["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 8, "{out}");
    assert_eq!(problems[2]["job"], "deploy");
    assert_eq!(problems[2]["key"], "webhook.verify");
    assert_eq!(problems[2]["line"], 8);
    assert_eq!(problems[0]["key"], "server.listen");
}

#[test]
fn a_webhook_only_job_needs_no_schedule() {
    let env = Env::with_jobs(
        r#"
        [server]
        listen = "127.0.0.1:8080"

        [jobs.deploy]
        command = "./deploy.sh"
        [jobs.deploy.webhook]
        verify = "github"
        secret = "${GITHUB_WEBHOOK_SECRET}"
        match = { "/ref" = "refs/heads/main", "header:X-GitHub-Event" = ["push"] }
        env = { REF = "/ref" }
        "#,
    );
    let (out, _) = ok(&env, &["check"]);
    assert_eq!(out, format!("{}: 1 job, no problems\n", env.file.display()));
}

#[test]
fn verify_none_is_a_warning() {
    let env = Env::with_jobs(
        r#"
        [jobs.open]
        command = "true"
        webhook = { verify = "none" }
        "#,
    );
    let (out, _) = ok(&env, &["check"]);
    let file = env.file.display().to_string();
    assert_eq!(
        out,
        format!(
            "{file}:3:13: warning: job \"open\", key \"webhook.verify\": verify = \"none\": \
             anyone who can reach the listener can start this job; choose a preset that checks \
             a signature or a token unless a proxy in front does\n{file}: 1 job, no problems, 1 \
             warning\n"
        )
    );
}
