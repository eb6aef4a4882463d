//! `jobtab run --listen 127.0.0.1:0` for the dashboard and API tests: started in an `Env`,
//! its bound address read from its log (`listening on http://ADDR`), its log kept for the
//! test; killed when dropped. `Client` talks to it with ureq, statuses as values.

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::Env;

/// Generous: the machine is shared.
pub(crate) const PATIENCE: Duration = Duration::from_secs(30);

/// A running `jobtab run` with a listener.
pub(crate) struct Served {
    child: Child,
    /// `http://127.0.0.1:PORT`
    pub(crate) base: String,
    log: Arc<Mutex<Vec<String>>>,
}

impl Served {
    /// Starts `jobtab run --listen 127.0.0.1:0` in `env` (whose job file has jobs) with the
    /// extra environment `vars`, and waits until it has loaded them.
    pub(crate) fn start(env: &Env, vars: &[(&str, &str)]) -> Served {
        let mut child = env
            .cmd(["run", "--listen", "127.0.0.1:0"])
            .envs(vars.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let (send, found) = std::sync::mpsc::channel();
        let lines = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(at) = line.find("listening on http://") {
                    let rest = &line[at + "listening on ".len()..];
                    let end = rest
                        .find(|c: char| c.is_whitespace() || c == ';' || c == ',')
                        .unwrap_or(rest.len());
                    let addr = rest[..end].to_owned();
                    let _ = send.send(addr);
                }
                lines.lock().unwrap().push(line);
            }
        });
        let Ok(base) = found.recv_timeout(PATIENCE) else {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "`jobtab run --listen` did not say where it listens: {:?}",
                log.lock().unwrap()
            );
        };
        let served = Served { child, base, log };
        // The scheduler publishes its jobs to the server once loaded: until then, the pages
        // and hooks know no job.
        served.wait_until("the scheduler has loaded the jobs", || {
            served.log().contains(" scheduling ")
        });
        served
    }

    /// Its log so far.
    pub(crate) fn log(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Waits until `ready` holds (up to `PATIENCE`), saying what was awaited otherwise.
    pub(crate) fn wait_until(&self, what: &str, mut ready: impl FnMut() -> bool) {
        let start = Instant::now();
        while !ready() {
            assert!(
                start.elapsed() < PATIENCE,
                "timed out waiting until {what}; the log:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A ureq client that sends `Authorization: Bearer TOKEN` when it has a token.
pub(crate) struct Client {
    agent: ureq::Agent,
    token: Option<String>,
}

/// An answer: status, headers that matter, body.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) content_type: String,
    pub(crate) set_cookie: Vec<String>,
    pub(crate) location: Option<String>,
    /// Every header, names in lower case.
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: String,
}

impl Answer {
    /// The first value of header `name` (lower case).
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|err| panic!("not JSON ({err}): {} {}", self.status, self.body))
    }
}

impl Client {
    pub(crate) fn new(token: Option<&str>) -> Client {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(PATIENCE))
            .http_status_as_error(false)
            .max_redirects(0)
            .build()
            .into();
        Client {
            agent,
            token: token.map(str::to_owned),
        }
    }

    pub(crate) fn get(&self, url: &str) -> Answer {
        let mut request = self.agent.get(url);
        if let Some(token) = &self.token {
            request = request.header("Authorization", &format!("Bearer {token}"));
        }
        read(request.call())
    }

    /// POSTs `body` (form-encoded when not empty) with the given extra `headers`.
    pub(crate) fn post(&self, url: &str, headers: &[(&str, &str)], body: &str) -> Answer {
        let mut request = self.agent.post(url);
        if let Some(token) = &self.token {
            request = request.header("Authorization", &format!("Bearer {token}"));
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if !body.is_empty() {
            request = request.header("Content-Type", "application/x-www-form-urlencoded");
        }
        read(request.send(body))
    }
}

fn read(result: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Answer {
    let mut response = result.unwrap_or_else(|err| panic!("request failed: {err}"));
    let header = |name: &str| -> Vec<String> {
        response
            .headers()
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect()
    };
    let content_type = header("content-type").join(",");
    let set_cookie = header("set-cookie");
    let location = header("location").into_iter().next();
    let headers = response
        .headers()
        .iter()
        .filter_map(|(n, v)| Some((n.as_str().to_owned(), v.to_str().ok()?.to_owned())))
        .collect();
    let status = response.status().as_u16();
    let body = response.body_mut().read_to_string().unwrap_or_default();
    Answer {
        status,
        content_type,
        set_cookie,
        location,
        headers,
        body,
    }
}
