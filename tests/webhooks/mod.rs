//! Integration tests: `jobtab run` serving webhooks (PRODUCT.md section 9) through the built
//! binary, on loopback only: answers, dedupe across restarts, overlap, limits, HTTPS, logs.

mod answers;
mod limits;
mod serve;

use std::io::{BufRead as _, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hmac::{KeyInit as _, Mac as _};

use crate::util::Env;

/// Generous: the machine is shared; tests wait for things that do happen.
pub(crate) const WAIT: Duration = Duration::from_secs(30);

/// The secret of the test hooks (`HOOK_SECRET` in the scheduler's environment).
pub(crate) const SECRET: &str = "It's a Secret to Everybody";

/// A running `jobtab run --listen 127.0.0.1:0`; killed on drop.
pub(crate) struct Server {
    child: Child,
    log: Arc<Mutex<String>>,
    pub(crate) addr: SocketAddr,
}

impl Server {
    /// Starts `run` on `env` with `HOOK_SECRET` set and `extra` arguments; waits until it
    /// listens.
    pub(crate) fn start(env: &Env, extra: &[&str]) -> Server {
        let mut args = vec!["run", "--listen", "127.0.0.1:0"];
        args.extend_from_slice(extra);
        let mut cmd = env.cmd(&args);
        cmd.env("HOOK_SECRET", SECRET);
        Server::spawn(cmd)
    }

    pub(crate) fn spawn(mut cmd: std::process::Command) -> Server {
        let mut child = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let log = Arc::new(Mutex::new(String::new()));
        let stderr = child.stderr.take().unwrap();
        let sink = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let mut log = sink.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
        let mut server = Server {
            child,
            log,
            addr: "127.0.0.1:1".parse().unwrap(),
        };
        let deadline = Instant::now() + WAIT;
        loop {
            let log = server.log();
            if let Some(rest) = log.split("listening on ").nth(1) {
                let url = rest.split([';', ',', '\n']).next().unwrap();
                let addr = url.split("://").nth(1).unwrap();
                server.addr = addr.parse().unwrap();
                return server;
            }
            if let Some(status) = server.child.try_wait().unwrap() {
                std::thread::sleep(Duration::from_millis(100));
                panic!("jobtab run exited ({status}):\n{}", server.log());
            }
            assert!(Instant::now() < deadline, "never listened:\n{log}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub(crate) fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Waits until the log holds `needle` `times` times.
    pub(crate) fn wait_for_n(&self, needle: &str, times: usize) {
        let deadline = Instant::now() + WAIT;
        while self.log().matches(needle).count() < times {
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {times} x {needle:?}; log:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub(crate) fn wait_for(&self, needle: &str) {
        self.wait_for_n(needle, 1);
    }

    /// SIGTERM, then waits for the exit.
    pub(crate) fn stop(mut self) -> String {
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(self.child.id() as i32),
            nix::sys::signal::Signal::SIGTERM,
        )
        .unwrap();
        let deadline = Instant::now() + WAIT;
        while self.child.try_wait().unwrap().is_none() {
            assert!(Instant::now() < deadline, "did not stop:\n{}", self.log());
            std::thread::sleep(Duration::from_millis(20));
        }
        std::thread::sleep(Duration::from_millis(100));
        self.log()
    }

    pub(crate) fn signal(&self, signal: nix::sys::signal::Signal) {
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(self.child.id() as i32), signal).unwrap();
    }

    /// A GitHub-signed POST of `body` to `path` with delivery id `delivery`.
    pub(crate) fn github(&self, path: &str, delivery: &str, body: &str) -> Answer {
        send(self.addr, &github_request(path, delivery, "push", body))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP answer.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) head: String,
    pub(crate) body: String,
}

impl Answer {
    pub(crate) fn header(&self, name: &str) -> Option<String> {
        self.head.lines().find_map(|line| {
            let (n, v) = line.split_once(':')?;
            n.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_owned())
        })
    }

    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|err| panic!("not JSON ({err}): {self:?}"))
    }
}

/// The HMAC-SHA256 of `body` as GitHub sends it.
pub(crate) fn github_signature(body: &[u8]) -> String {
    format!("sha256={}", hmac_hex(body))
}

/// The HMAC-SHA256 of `message` with [`SECRET`], in lower-case hex.
pub(crate) fn hmac_hex(message: &[u8]) -> String {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(message);
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A whole GitHub-style request (`Connection: close`).
pub(crate) fn github_request(path: &str, delivery: &str, event: &str, body: &str) -> Vec<u8> {
    request(
        "POST",
        path,
        &[
            ("Content-Type", "application/json"),
            ("X-GitHub-Event", event),
            ("X-GitHub-Delivery", delivery),
            ("X-Hub-Signature-256", &github_signature(body.as_bytes())),
        ],
        body.as_bytes(),
    )
}

/// A whole request with `Content-Length` and `Connection: close`.
pub(crate) fn request(method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut text = format!("{method} {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n");
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    text.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    let mut bytes = text.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

/// Sends `request` and reads the whole answer.
pub(crate) fn send(addr: SocketAddr, request: &[u8]) -> Answer {
    let mut stream = TcpStream::connect(addr).unwrap();
    exchange(&mut stream, request)
}

/// Writes `request` on `stream` and reads the answer to its end.
pub(crate) fn exchange(stream: &mut (impl Read + Write), request: &[u8]) -> Answer {
    // The server may answer (413) before reading the whole body.
    let _ = stream.write_all(request);
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    parse(&raw)
}

fn parse(raw: &[u8]) -> Answer {
    let text = String::from_utf8_lossy(raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no HTTP answer: {text:?}"));
    Answer {
        status,
        head: head.to_owned(),
        body: body.to_owned(),
    }
}

/// Waits until `check` holds.
pub(crate) fn wait_until(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + WAIT;
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A job file with one GitHub hook `deploy` running `command` (and `extra` lines in its
/// table, `hook` lines in its webhook table).
pub(crate) fn deploy_jobs(command: &str, extra: &str, hook: &str) -> String {
    format!(
        "[jobs.deploy]\ncommand = '''{command}'''\n{extra}\n[jobs.deploy.webhook]\nverify = \"github\"\nsecret = \"${{HOOK_SECRET}}\"\n{hook}\n"
    )
}
