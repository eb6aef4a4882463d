//! Integration tests: messages say what is wrong in words (issue 8, items 27 and 28): HTTP
//! timeouts and TLS failures without library terms or Rust debug text, a status said once,
//! schedules with a bad `#`, `add` without `--`, `--file` optional when `JOBTAB_FILE` is
//! set, and job output with control bytes escaped in `run`'s text log.

use std::io::{BufRead as _, BufReader};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use crate::util::Env;
use crate::util::http::{Reply, TestServer};

/// A loopback HTTPS server presenting `tests/fixtures/ca-as-server.pem`: a self-signed
/// certificate with `CA:TRUE`, what `openssl req -x509` makes by default. It serves
/// handshakes until the test ends; returns its port.
fn tls_server_with_a_ca_certificate() -> u16 {
    use rustls::pki_types::pem::PemObject as _;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
    let cert = CertificateDer::from_pem_file(format!("{fixtures}/ca-as-server.pem")).unwrap();
    let key = PrivateKeyDer::from_pem_file(format!("{fixtures}/ca-as-server.key")).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![cert], key)
    .unwrap();
    let config = Arc::new(config);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
            let Ok(mut tls) = rustls::ServerConnection::new(Arc::clone(&config)) else {
                continue;
            };
            // The client gives up during the handshake: that ends this connection.
            while tls.is_handshaking() {
                if tls.complete_io(&mut stream).is_err() {
                    break;
                }
            }
        }
    });
    port
}

#[test]
fn a_tls_certificate_problem_is_said_in_words() {
    let port = tls_server_with_a_ca_certificate();
    let env = Env::with_jobs(&format!(
        r#"
        [jobs.secure]
        schedule = "0 2 * * *"
        retries = 2
        retry_delay = "1s"
        http = {{ url = "https://127.0.0.1:{port}/" }}
        "#
    ));
    let err = env.fails(["exec", "secure"], 1);
    assert!(
        err.contains(
            "secure failed: TLS error: the server's certificate is a CA certificate used as an \
             end-entity certificate"
        ),
        "{err}"
    );
    assert!(
        !err.contains("OtherError") && !err.contains("rustls"),
        "{err}"
    );
    // A certificate does not change between attempts: no retry.
    assert!(!err.contains("retrying"), "{err}");
}

#[test]
fn an_http_timeout_names_no_library_term_and_is_said_once() {
    let server = TestServer::start(vec![Reply::status(200).delay(Duration::from_secs(6))]);
    let env = Env::with_jobs(&format!(
        r#"
        [jobs.slow]
        schedule = "0 2 * * *"
        timeout = "1s"
        http = {{ url = "{}" }}
        "#,
        server.url("/")
    ));
    let err = env.fails(["exec", "slow"], 1);
    assert!(err.contains("jobtab: slow timed out after 1s\n"), "{err}");
    assert!(
        !err.contains("global") && !err.contains("timeout:"),
        "{err}"
    );
    let runs: Vec<serde_json::Value> =
        serde_json::from_str(&env.ok(["history", "--json"])).unwrap();
    assert_eq!(runs[0]["error"], "timed out after 1s");
}

/// A running `jobtab` whose stderr is collected; killed when dropped.
struct Logged {
    child: std::process::Child,
    log: Arc<Mutex<String>>,
}

impl Logged {
    fn start(env: &Env, args: &[&str]) -> Logged {
        let mut child = env
            .cmd(args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let log = Arc::new(Mutex::new(String::new()));
        let sink = Arc::clone(&log);
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).split(b'\n').map_while(Result::ok) {
                let mut log = sink.lock().unwrap();
                log.push_str(&String::from_utf8_lossy(&line));
                log.push('\n');
            }
        });
        Logged { child, log }
    }

    fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Waits (at most 30 s) until the log holds `needle`; returns the log.
    fn wait_for(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let log = self.log();
            if log.contains(needle) {
                return log;
            }
            assert!(
                Instant::now() < deadline,
                "no {needle:?} in the log:\n{log}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn signal(&self, signal: Signal) {
        kill(Pid::from_raw(self.child.id() as i32), signal).unwrap();
    }

    /// Waits for the process to end; returns the whole log.
    fn finish(mut self) -> String {
        let status = self.child.wait().unwrap();
        // The reader thread ends at EOF, right after the process.
        let deadline = Instant::now() + Duration::from_secs(5);
        while Arc::strong_count(&self.log) > 1 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        assert!(status.code().is_some(), "{status:?}");
        self.log()
    }
}

impl Drop for Logged {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The line of `log` that holds `needle`.
fn line_with<'a>(log: &'a str, needle: &str) -> &'a str {
    log.lines()
        .find(|line| line.contains(needle))
        .unwrap_or_else(|| panic!("no {needle:?} in:\n{log}"))
}

#[test]
fn a_timeout_is_said_once_in_the_run_log() {
    let env = Env::with_jobs(
        r#"
        [jobs.slow]
        schedule = "* * * * * *"
        timeout = "1s"
        command = "sleep 5"
        "#,
    );
    let run = Logged::start(&env, &["run"]);
    let log = run.wait_for("[slow] error: ");
    let line = line_with(&log, "[slow] error: ");
    assert!(line.ends_with("[slow] error: timed out after 1s"), "{log}");
}

#[test]
fn a_cancelled_run_is_said_once_in_the_run_log() {
    let env = Env::with_jobs(
        r#"
        [jobs.long]
        schedule = "* * * * * *"
        command = "sleep 30"
        "#,
    );
    let run = Logged::start(&env, &["run", "--grace", "1s"]);
    run.wait_for("[long] started");
    run.signal(Signal::SIGTERM);
    let log = run.finish();
    let line = line_with(&log, "[long] error: ");
    assert!(line.contains("[long] error: cancelled after "), "{log}");
    assert!(!log.contains("cancelled: cancelled"), "{log}");
}

#[test]
fn a_run_cancelled_between_attempts_is_said_once_by_exec() {
    let env = Env::with_jobs(
        r#"
        [jobs.flaky]
        schedule = "0 2 * * *"
        command = "exit 1"
        retries = 1
        retry_delay = "1m"
        "#,
    );
    let exec = Logged::start(&env, &["exec", "flaky"]);
    exec.wait_for("retrying in");
    exec.signal(Signal::SIGTERM);
    let log = exec.finish();
    assert!(
        log.contains("jobtab: flaky cancelled before attempt 2 (exit code 1)"),
        "{log}"
    );
    assert!(!log.contains("cancelled: cancelled"), "{log}");
}

#[test]
fn control_bytes_in_job_output_are_escaped_in_runs_text_log() {
    let env = Env::with_jobs(
        r#"
        [jobs.noisy]
        schedule = "* * * * * *"
        command = '''printf 'title\033]0;pwned\007 \033[31mred\000nul\tend\n' '''
        "#,
    );
    let run = Logged::start(&env, &["run"]);
    let log = run.wait_for("[noisy] title");
    let line = line_with(&log, "[noisy] title");
    assert!(
        line.ends_with(r"[noisy] title\x1b]0;pwned\x07 \x1b[31mred\x00nul	end"),
        "{line:?}"
    );
    assert!(
        !log.contains(['\x1b', '\x07', '\0']),
        "raw control bytes in the log: {log:?}"
    );
}

#[test]
fn control_bytes_in_job_output_are_escaped_in_runs_json_log() {
    let env = Env::with_jobs(
        r#"
        [jobs.noisy]
        schedule = "* * * * * *"
        command = '''printf 'title\033]0;pwned\007 \302\233 \177end\n' '''
        "#,
    );
    let run = Logged::start(&env, &["run", "--log-format", "json"]);
    let log = run.wait_for(r#""stream":"stdout""#);
    assert!(
        !log.chars().any(|c| c.is_control() && c != '\n'),
        "raw control characters in the log: {log:?}"
    );
    let line: serde_json::Value =
        serde_json::from_str(line_with(&log, r#""stream":"stdout""#)).unwrap();
    assert_eq!(line["message"], "title\x1b]0;pwned\x07 \u{9b} \x7fend");
}

#[test]
fn a_bad_nth_weekday_says_what_is_missing() {
    let env = Env::new();
    let err = env.fails(["explain", "* * * * #"], 1);
    assert_eq!(
        err,
        "jobtab: error: invalid schedule \"* * * * #\": day-of-week field \"#\": # needs a \
         weekday before it and the week of the month (1-5) after it, like 1#2 (the second \
         Monday) or fri#1\n"
    );
}

#[test]
fn add_with_a_command_but_no_double_dash_says_where_the_command_goes() {
    let env = Env::new();
    let tip = "tip: put the command after `--` and the schedule in quotes: jobtab add NAME \
               'SCHEDULE' -- COMMAND";
    let err = env.fails(["add", "greet", "0 2 * * *", "echo", "hi"], 2);
    assert!(err.contains("unexpected argument 'echo' found"), "{err}");
    assert!(err.contains(tip), "{err}");
    // An unquoted schedule ends up the same way.
    let err = env.fails(["add", "greet", "0", "2", "*", "*", "*", "echo"], 2);
    assert!(err.contains(tip), "{err}");
    // Other commands and unknown options keep clap's own message.
    let err = env.fails(["list", "extra"], 2);
    assert!(!err.contains("tip:"), "{err}");
    let err = env.fails(["add", "greet", "0 2 * * *", "--bogus"], 2);
    assert!(!err.contains(tip), "{err}");
    assert!(!env.file.exists());
}

#[test]
fn with_the_variables_set_usage_shows_file_and_state_dir_as_optional() {
    // The harness sets JOBTAB_FILE and JOBTAB_STATE_DIR.
    let env = Env::new();
    let err = env.fails(["add"], 2);
    let usage = line_with(&err, "Usage:");
    assert_eq!(
        usage, "Usage: jobtab add <NAME> <SCHEDULE> [-- <COMMAND>...]",
        "{err}"
    );
    let help = env.ok(["add", "--help"]);
    assert!(!help.contains("--file <PATH> <NAME>"), "{help}");
    // The variables still choose the files.
    env.ok(["add", "tick", "* * * * *", "--", "true"]);
    assert!(env.jobs().contains("[jobs.tick]"));
    env.ok(["exec", "tick"]);
    assert!(env.state.exists());
    // --file wins over JOBTAB_FILE.
    let other = env.path("other.toml");
    env.ok([
        "--file".as_ref(),
        other.as_os_str(),
        "add".as_ref(),
        "t".as_ref(),
        "@daily".as_ref(),
        "--".as_ref(),
        "true".as_ref(),
    ]);
    assert!(
        std::fs::read_to_string(&other)
            .unwrap()
            .contains("[jobs.t]")
    );
    assert!(!env.jobs().contains("[jobs.t]"));
}
