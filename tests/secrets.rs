//! Integration tests: no expanded `${VAR}` value in any message, log line, history record or
//! notification (issue 8, item 9), through `exec`, `run --log-format text|json`,
//! `history --json` and a notification received by a loopback server; and what HTTP jobs put
//! on the wire (no `Content-Length` without a body, item 30).

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpListener;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::util::http::{Reply, TestServer};
use crate::util::{Env, stderr, stdout};

/// The secret every test hides; each variable's value holds it.
const SECRET: &str = "s3cr3t-XYZ";

/// Jobs whose requests become invalid only once their variables are expanded: a URL with a
/// space, a header with a line break, a whole URL without a scheme; and a notification URL
/// that is invalid the same way. The notifications of the first three reach `notify_url`.
fn leaky_jobs(schedule: &str, notify_url: &str) -> String {
    format!(
        r#"
        [jobs.in-url]
        schedule = "{schedule}"
        http = {{ url = "http://127.0.0.1:1/report?token=${{URL_TOKEN}}" }}
        notify = {{ url = "{notify_url}?key=${{NOTIFY_KEY}}", on = "failure", secret = "${{NOTIFY_KEY}}", signature = "jobtab" }}

        [jobs.in-header]
        schedule = "{schedule}"
        http = {{ url = "http://127.0.0.1:1/", headers = {{ Authorization = "Bearer ${{HEADER_TOKEN}}" }} }}
        notify = {{ url = "{notify_url}?key=${{NOTIFY_KEY}}", on = "failure" }}

        [jobs.whole-url]
        schedule = "{schedule}"
        http = {{ url = "${{WHOLE_URL}}" }}
        notify = {{ url = "{notify_url}", on = "failure" }}

        [jobs.bad-notify]
        schedule = "{schedule}"
        command = "exit 3"
        notify = {{ url = "http://127.0.0.1:1/hook?key=${{URL_TOKEN}}", on = "failure" }}
        "#
    )
}

/// `cmd` with every variable the leaky jobs use.
fn with_secrets(mut cmd: std::process::Command) -> std::process::Command {
    cmd.env("URL_TOKEN", format!("{SECRET} with spaces"))
        .env("HEADER_TOKEN", format!("{SECRET}\r\nX-Injected: yes"))
        .env("WHOLE_URL", format!("{SECRET}.example.com/path"))
        .env("NOTIFY_KEY", format!("{SECRET}-notify"));
    cmd
}

fn assert_hidden(what: &str, text: &str) {
    assert!(
        !text.contains(SECRET),
        "{what} shows the expanded secret:\n{text}"
    );
}

/// `history --json`, checked for the secret; returns the records.
fn checked_history(env: &Env) -> Vec<serde_json::Value> {
    let history = env.ok(["history", "--json"]);
    assert_hidden("history --json", &history);
    serde_json::from_str(&history).unwrap()
}

#[test]
fn exec_shows_templates_not_expanded_secrets() {
    let hook = TestServer::start(vec![Reply::status(204)]);
    let env = Env::with_jobs(&leaky_jobs("0 2 * * *", &hook.url("/hook")));
    let mut all = String::new();
    for job in ["in-url", "in-header", "whole-url", "bad-notify"] {
        let output = with_secrets(env.cmd(["exec", job])).output().unwrap();
        assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
        all.push_str(&stdout(&output));
        all.push_str(&stderr(&output));
    }
    assert_hidden("exec output", &all);
    // What went wrong is still said, with the templates.
    for expected in [
        "in-url failed: invalid URL \"http://127.0.0.1:1/report?token=${URL_TOKEN}\" once its \
         variables are expanded",
        "in-header failed: invalid value for header Authorization (\"Bearer ${HEADER_TOKEN}\")",
        "whole-url failed: invalid URL \"${WHOLE_URL}\" once its variables are expanded: it \
         must start with http:// or https://",
        "[bad-notify] warning: notify failed: invalid notification request to http://127.0.0.1:1/hook?key=${URL_TOKEN}",
    ] {
        assert!(all.contains(expected), "{expected:?} not in:\n{all}");
    }
    let runs = checked_history(&env);
    assert_eq!(runs.len(), 4);
    assert!(runs.iter().all(|run| run["status"] == "failed"), "{runs:?}");
    let notes = hook.wait_for(3, Duration::from_secs(10));
    assert_eq!(notes.len(), 3);
    for note in &notes {
        assert_hidden("a notification body", &note.body);
        let body: serde_json::Value = serde_json::from_str(&note.body).unwrap();
        assert!(body["error"].as_str().unwrap().contains("${"), "{body}");
    }
}

/// Runs `jobtab run --log-format FORMAT` on the leaky jobs, firing every second, until each
/// job's failure is logged and three notifications arrived; returns the log.
fn run_log(format: &str) -> String {
    let hook = TestServer::start(vec![Reply::status(204)]);
    let env = Env::with_jobs(&leaky_jobs("* * * * * *", &hook.url("/hook")));
    let mut child = with_secrets(env.cmd(["run", "--log-format", format]))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let log = Arc::new(Mutex::new(String::new()));
    let sink = Arc::clone(&log);
    let stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let mut log = sink.lock().unwrap();
            log.push_str(&line);
            log.push('\n');
        }
    });
    // Each job's failure is logged as an error about the job.
    let done = |log: &str| {
        ["in-url", "in-header", "whole-url"].iter().all(|job| {
            log.contains(&format!("[{job}] error: "))
                || log.contains(&format!(r#""level":"error","job":"{job}""#))
        }) && log.contains("notify failed: invalid notification request to http://127.0.0.1:1/hook?key=${URL_TOKEN}")
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while !(done(&log.lock().unwrap()) && hook.requests().len() >= 3) {
        assert!(
            Instant::now() < deadline,
            "the failures were not all logged; log:\n{}",
            log.lock().unwrap()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    reader.join().unwrap();
    for note in hook.requests() {
        assert_hidden("a notification body", &note.body);
    }
    checked_history(&env);
    log.lock().unwrap().clone()
}

#[test]
fn run_text_log_shows_templates_not_expanded_secrets() {
    let log = run_log("text");
    assert_hidden("run's text log", &log);
    assert!(
        log.contains("[whole-url] error: failed: invalid URL \"${WHOLE_URL}\""),
        "{log}"
    );
}

#[test]
fn run_json_log_shows_templates_not_expanded_secrets() {
    let log = run_log("json");
    assert_hidden("run's JSON log", &log);
    let errors: Vec<serde_json::Value> = log
        .lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap())
        .filter(|line| line["level"] == "error" && line["job"] == "in-header")
        .collect();
    assert!(!errors.is_empty(), "{log}");
    assert!(
        errors[0]["message"]
            .as_str()
            .unwrap()
            .contains("(\"Bearer ${HEADER_TOKEN}\")"),
        "{log}"
    );
}

/// A one-connection server that records the request's raw head (request line and headers,
/// exactly as sent) and answers 200; returns its URL and the recorded head.
fn raw_server() -> (String, std::thread::JoinHandle<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/thing", listener.local_addr().unwrap());
    let server = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap_or(0) == 1 {
            head.push(byte[0]);
        }
        let head = String::from_utf8_lossy(&head).to_ascii_lowercase();
        // Read whatever body the head announces, so the client is not cut off mid-send.
        let length = head
            .lines()
            .find_map(|line| line.strip_prefix("content-length:"))
            .and_then(|value| value.trim().parse::<usize>().ok())
            .unwrap_or(0);
        let mut body = vec![0u8; length];
        let _ = stream.read_exact(&mut body);
        let _ =
            stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        head
    });
    (url, server)
}

/// The raw request head `exec` sends for an HTTP job with `method` and `body` (TOML).
fn sent_head(method: &str, body: Option<&str>) -> String {
    let (url, server) = raw_server();
    let body = body.map_or_else(String::new, |body| format!(", body = '{body}'"));
    let env = Env::with_jobs(&format!(
        r#"
        [jobs.call]
        schedule = "0 2 * * *"
        http = {{ method = "{method}", url = "{url}"{body} }}
        "#
    ));
    env.ok(["exec", "call"]);
    server.join().unwrap()
}

#[test]
fn get_and_delete_without_a_body_send_no_content_length() {
    for method in ["GET", "DELETE"] {
        let head = sent_head(method, None);
        assert!(
            head.starts_with(&format!("{} /thing ", method.to_ascii_lowercase())),
            "{head}"
        );
        assert!(!head.contains("content-length"), "{method}:\n{head}");
        assert!(!head.contains("transfer-encoding"), "{method}:\n{head}");
    }
}

#[test]
fn post_without_a_body_says_its_length_is_zero_and_a_body_is_sent_with_its_length() {
    // RFC 9110 section 8.6: a POST normally says `Content-Length: 0` even when empty.
    let head = sent_head("POST", None);
    assert!(head.contains("\r\ncontent-length: 0\r\n"), "{head}");
    let head = sent_head("DELETE", Some("{\"id\": 7}"));
    assert!(head.contains("\r\ncontent-length: 9\r\n"), "{head}");
}

#[test]
fn a_response_that_echoes_the_secret_is_kept_without_it() {
    let server = TestServer::start(vec![
        Reply::status(401).body(&format!("invalid token Bearer {SECRET} for /report")),
    ]);
    let hook = TestServer::start(vec![Reply::status(204)]);
    let env = Env::with_jobs(&format!(
        r#"
        [jobs.echo]
        schedule = "0 2 * * *"
        http = {{ url = "{}", headers = {{ Authorization = "Bearer ${{TOKEN}}" }} }}
        notify = {{ url = "{}" }}
        "#,
        server.url("/report"),
        hook.url("/hook")
    ));
    let output = env
        .cmd(["exec", "echo"])
        .env("TOKEN", SECRET)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_eq!(
        server.requests()[0].header("authorization"),
        Some(format!("Bearer {SECRET}").as_str()),
        "the request itself carries the value"
    );
    let runs = checked_history(&env);
    assert_eq!(
        runs[0]["output_tail"],
        "invalid token Bearer ${TOKEN} for /report"
    );
    let notes = hook.wait_for(1, Duration::from_secs(10));
    assert_hidden("a notification body", &notes[0].body);
}
