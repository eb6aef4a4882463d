//! Integration tests: `jobtab hook send` (issue 10, PRODUCT.md section 9): the request is
//! signed as the job's sender signs it (checked here by Python's `hmac` and by the
//! `standardwebhooks` crate, not by jobtab's own verification), goes to `--url` or to the
//! hook's path on `[server] listen`, and the answer decides the exit status.

use std::io::Write as _;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::util::http::{Reply, Request, TestServer};
use crate::util::{Env, stderr, stdout};

const SECRET: &str = "It's a Secret to Everybody";

/// HMAC-SHA256 of `message` under `key`, hex, computed by Python's standard library.
fn python_hmac_sha256(key: &str, message: &[u8]) -> String {
    let mut child = Command::new("python3")
        .args([
            "-c",
            "import hmac, hashlib, sys; \
             print(hmac.new(sys.argv[1].encode(), sys.stdin.buffer.read(), hashlib.sha256).hexdigest())",
            key,
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    child.stdin.take().unwrap().write_all(message).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

fn only_request(server: &TestServer) -> Request {
    let requests = server.wait_for(1, Duration::from_secs(10));
    assert_eq!(requests.len(), 1, "{requests:?}");
    requests[0].clone()
}

fn github_job(extra: &str) -> Env {
    Env::with_jobs(&format!(
        r#"
        {extra}
        [jobs.deploy]
        command = "true"
        [jobs.deploy.webhook]
        verify = "github"
        secret = "${{HOOK_SECRET}}"
        "#
    ))
}

#[test]
fn hook_send_signs_as_github_does_and_prints_the_answer() {
    let server = TestServer::start(vec![Reply::status(202).body(r#"{"status":"accepted"}"#)]);
    let env = github_job("");
    let payload = env.path("push.json");
    std::fs::write(&payload, r#"{"ref":"refs/heads/main"}"#).unwrap();
    let output = env
        .cmd(["hook", "send", "deploy", "--event", "push", "--url"])
        .arg(server.url("/hooks/deploy"))
        .arg("--payload")
        .arg(&payload)
        .env("HOOK_SECRET", SECRET)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output), "HTTP 202\n{\"status\":\"accepted\"}\n");
    let request = only_request(&server);
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        ("POST", "/hooks/deploy")
    );
    assert_eq!(request.body, r#"{"ref":"refs/heads/main"}"#);
    let expected = python_hmac_sha256(SECRET, request.body.as_bytes());
    assert_eq!(
        request.header("x-hub-signature-256"),
        Some(format!("sha256={expected}").as_str())
    );
    assert_eq!(request.header("x-github-event"), Some("push"));
    assert_eq!(request.header("content-type"), Some("application/json"));
    let delivery = request.header("x-github-delivery").unwrap();
    assert_eq!(delivery.len(), 36, "{delivery}");

    // A second send is another delivery.
    let server = TestServer::start(vec![Reply::status(202)]);
    let output = env
        .cmd(["hook", "send", "deploy", "--url"])
        .arg(server.url("/hooks/deploy"))
        .env("HOOK_SECRET", SECRET)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let again = only_request(&server);
    assert_ne!(again.header("x-github-delivery"), Some(delivery));
    assert_eq!(again.body, "{}");
    assert!(again.header("x-github-event").is_none());
}

#[test]
fn hook_send_signs_standard_webhooks_as_the_reference_crate_checks_them() {
    let key = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let server = TestServer::start(vec![Reply::status(202)]);
    let env = Env::with_jobs(
        r#"
        [jobs.build]
        command = "true"
        [jobs.build.webhook]
        verify = "standard"
        secret = "${HOOK_KEY}"
        methods = ["PUT", "POST"]
        "#,
    );
    let mut child = env
        .cmd(["hook", "send", "build", "--payload", "-", "--url"])
        .arg(server.url("/in"))
        .env("HOOK_KEY", key)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"plain text, not JSON")
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let request = only_request(&server);
    assert_eq!(request.method, "PUT");
    assert_eq!(request.body, "plain text, not JSON");
    assert!(request.header("content-type").is_none());
    let mut headers = ureq::http::HeaderMap::new();
    for name in ["webhook-id", "webhook-timestamp", "webhook-signature"] {
        headers.insert(name, request.header(name).unwrap().parse().unwrap());
    }
    let verifier = standardwebhooks::Webhook::new(key).unwrap();
    verifier.verify(request.body.as_bytes(), &headers).unwrap();
    assert!(verifier.verify(b"plain text, not JSOM", &headers).is_err());
}

#[test]
fn hook_send_signs_stripe_and_slack_as_python_computes_them() {
    for (preset, header) in [
        ("stripe", "stripe-signature"),
        ("slack", "x-slack-signature"),
    ] {
        let server = TestServer::start(vec![Reply::status(200)]);
        let env = Env::with_jobs(&format!(
            r#"
            [jobs.pay]
            command = "true"
            [jobs.pay.webhook]
            verify = "{preset}"
            secret = "${{HOOK_SECRET}}"
            "#
        ));
        let output = env
            .cmd(["hook", "send", "pay", "--url"])
            .arg(server.url("/hooks/pay"))
            .env("HOOK_SECRET", SECRET)
            .output()
            .unwrap();
        assert_eq!(
            output.status.code(),
            Some(0),
            "{preset}: {}",
            stderr(&output)
        );
        let request = only_request(&server);
        let value = request.header(header).unwrap();
        let (signed, signature) = if preset == "stripe" {
            let (t, v1) = value.split_once(",v1=").unwrap();
            let t = t.strip_prefix("t=").unwrap();
            (format!("{t}.{}", request.body), v1.to_owned())
        } else {
            let ts = request.header("x-slack-request-timestamp").unwrap();
            (
                format!("v0:{ts}:{}", request.body),
                value.strip_prefix("v0=").unwrap().to_owned(),
            )
        };
        assert_eq!(
            signature,
            python_hmac_sha256(SECRET, signed.as_bytes()),
            "{preset}"
        );
    }
}

#[test]
fn hook_send_goes_to_the_hooks_path_on_the_listen_address() {
    let server = TestServer::start(vec![Reply::status(202)]);
    let address = server.url("").trim_start_matches("http://").to_owned();
    let env = github_job(&format!("[server]\nlisten = \"{address}\""));
    let output = env
        .cmd(["hook", "send", "deploy"])
        .env("HOOK_SECRET", SECRET)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(only_request(&server).path, "/hooks/deploy");
}

#[test]
fn a_refused_request_prints_the_answer_and_exits_1() {
    let server = TestServer::start(vec![Reply::status(401).body("unauthorized")]);
    let env = github_job("");
    let output = env
        .cmd(["hook", "send", "deploy", "--url"])
        .arg(server.url("/hooks/deploy"))
        .env("HOOK_SECRET", SECRET)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout(&output), "HTTP 401\nunauthorized\n");
    assert!(
        stderr(&output).contains("answered HTTP 401"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn hook_send_refuses_what_it_cannot_send_and_says_why() {
    let server = TestServer::start(vec![Reply::status(202)]);
    let url = server.url("/hooks/deploy");
    let env = github_job("");
    // The secret's variable is not set.
    let err = env.fails(["hook", "send", "deploy", "--url", &url], 1);
    assert!(
        err.contains("HOOK_SECRET") && err.contains("not set"),
        "{err}"
    );
    // Nowhere to send it.
    let output = env
        .cmd(["hook", "send", "deploy"])
        .env("HOOK_SECRET", SECRET)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("--url"), "{}", stderr(&output));
    // A payload file that is not there.
    let output = env
        .cmd([
            "hook",
            "send",
            "deploy",
            "--url",
            &url,
            "--payload",
            "missing.json",
        ])
        .env("HOOK_SECRET", SECRET)
        .output()
        .unwrap();
    assert!(
        stderr(&output).contains("missing.json"),
        "{}",
        stderr(&output)
    );
    // A job without a webhook.
    env.write_jobs("[jobs.plain]\nschedule = \"@daily\"\ncommand = \"true\"\n");
    let err = env.fails(["hook", "send", "plain", "--url", &url], 1);
    assert!(err.contains("no webhook"), "{err}");
    // --event where the preset names no event in a header; a Standard key too short.
    env.write_jobs(
        "[jobs.std]\ncommand = \"true\"\n[jobs.std.webhook]\nverify = \"standard\"\nsecret = \"${KEY}\"\n",
    );
    let output = env
        .cmd(["hook", "send", "std", "--url", &url, "--event", "push"])
        .env("KEY", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(
        err.contains("--event") && err.contains(r#"verify = "standard""#),
        "{err}"
    );
    let output = env
        .cmd(["hook", "send", "std", "--url", &url])
        .env("KEY", "whsec_BwcHBwcHBwcHBwcHBwcH")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(
        err.contains("fewer than the 16") && !err.contains("BwcHBwcH"),
        "{err}"
    );
    assert!(server.requests().is_empty(), "{:?}", server.requests());
    // Nothing listens where it is sent.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let output = env
        .cmd([
            "hook",
            "send",
            "std",
            "--url",
            &format!("http://{closed}/hooks/std"),
        ])
        .env("KEY", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(
        err.contains("cannot send to") && err.contains("refused"),
        "{err}"
    );
}
