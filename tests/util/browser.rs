//! A real headless Chromium for the dashboard tests, driven over WebDriver (the W3C protocol
//! Debian's `chromedriver` speaks) with a small blocking client: start, go to a page, find,
//! click, type, run a script, resize, screenshot.
//!
//! Where Chromium or its driver is missing, `Browser::start` returns `None` and says the test
//! was skipped; with `JOBTAB_REQUIRE_BROWSER=1` (set by `.ci/run`, which installs both) a
//! missing browser fails the test instead, so CI never skips silently.

use std::io::{BufRead as _, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};
use tempfile::TempDir;

/// Where Debian puts them.
const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// How long a page gets to show what a test waits for (generous: the machine may be busy).
pub(crate) const PATIENCE: Duration = Duration::from_secs(20);

/// One browser session; dropped, it closes the browser and stops the driver.
pub(crate) struct Browser {
    driver: Child,
    base: String,
    session: String,
    agent: ureq::Agent,
    _profile: TempDir,
}

impl Browser {
    /// A headless Chromium in a `width` x `height` window, or `None` (after saying the test is
    /// skipped) when Chromium or chromedriver is not installed.
    pub(crate) fn start(width: u32, height: u32) -> Option<Browser> {
        let (chromium, driver) = (
            binary("JOBTAB_CHROMIUM", CHROMIUM),
            binary("JOBTAB_CHROMEDRIVER", CHROMEDRIVER),
        );
        if !chromium.exists() || !driver.exists() {
            let missing = format!(
                "Chromium ({}) or chromedriver ({}) is not installed (Debian: apt-get install chromium chromium-driver)",
                chromium.display(),
                driver.display()
            );
            assert!(
                std::env::var_os("JOBTAB_REQUIRE_BROWSER").is_none(),
                "{missing}, and JOBTAB_REQUIRE_BROWSER is set"
            );
            eprintln!("skipped: {missing}");
            return None;
        }
        let profile = tempfile::Builder::new()
            .prefix("jobtab-chromium")
            .tempdir()
            .unwrap();
        let (mut child, port) = spawn_driver(&driver);
        let base = format!("http://127.0.0.1:{port}");
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(60)))
            .http_status_as_error(false)
            .build()
            .into();
        let capabilities = json!({
            "capabilities": { "alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": {
                    "binary": chromium,
                    "args": [
                        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                        "--no-first-run", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync",
                        "--disable-dev-shm-usage", "--hide-scrollbars",
                        format!("--user-data-dir={}", profile.path().display()),
                        format!("--window-size={width},{height}"),
                    ]
                }
            }}
        });
        let reply = post(&agent, &format!("{base}/session"), &capabilities);
        let Some(session) = reply["value"]["sessionId"].as_str() else {
            let _ = child.kill();
            panic!("chromedriver did not start a session: {reply}");
        };
        let browser = Browser {
            driver: child,
            base,
            session: session.to_owned(),
            agent,
            _profile: profile,
        };
        browser.resize(width, height);
        Some(browser)
    }

    fn url(&self, path: &str) -> String {
        format!("{}/session/{}{path}", self.base, self.session)
    }

    fn command(&self, path: &str, body: &Value) -> Value {
        let reply = post(&self.agent, &self.url(path), body);
        if let Some(error) = reply["value"]["error"].as_str() {
            panic!("WebDriver {path}: {error}: {}", reply["value"]["message"]);
        }
        reply["value"].clone()
    }

    fn get(&self, path: &str) -> Value {
        let mut response = self.agent.get(&self.url(path)).call().unwrap();
        let text = response
            .body_mut()
            .with_config()
            .limit(64 * 1024 * 1024)
            .read_to_string()
            .unwrap();
        let reply: Value = serde_json::from_str(&text).unwrap();
        reply["value"].clone()
    }

    /// Opens `url` and waits for the page to load.
    pub(crate) fn goto(&self, url: &str) {
        self.command("/url", &json!({ "url": url }));
    }

    /// Resizes the window so the page's viewport is `width` pixels wide (what a phone or a
    /// desktop shows; the window's frame is added where headless Chromium has one).
    pub(crate) fn resize(&self, width: u32, height: u32) {
        self.command("/window/rect", &json!({ "width": width, "height": height }));
        let inner = self.script("return window.innerWidth", &[]);
        let extra = i64::from(width) - inner.as_i64().unwrap_or(i64::from(width));
        if extra != 0 {
            let fixed = (i64::from(width) + extra).max(1);
            self.command("/window/rect", &json!({ "width": fixed, "height": height }));
        }
    }

    /// Runs `script` (a function body; `arguments` are `args`) in the page; its return value.
    pub(crate) fn script(&self, script: &str, args: &[Value]) -> Value {
        self.command("/execute/sync", &json!({ "script": script, "args": args }))
    }

    /// The first element matching the CSS `selector`, if any.
    pub(crate) fn find(&self, selector: &str) -> Option<String> {
        let reply = post(
            &self.agent,
            &self.url("/element"),
            &json!({ "using": "css selector", "value": selector }),
        );
        let value = &reply["value"];
        if value["error"].is_string() {
            return None;
        }
        value
            .as_object()?
            .values()
            .next()?
            .as_str()
            .map(str::to_owned)
    }

    /// The element matching `selector`, waiting for it to appear.
    pub(crate) fn element(&self, selector: &str) -> String {
        let mut found = None;
        self.wait_until(&format!("an element {selector:?}"), || {
            found = self.find(selector);
            found.is_some()
        });
        found.unwrap()
    }

    /// Clicks the element matching `selector` (waiting for it).
    pub(crate) fn click(&self, selector: &str) {
        let id = self.element(selector);
        self.command(&format!("/element/{id}/click"), &json!({}));
    }

    /// Types `text` into the element matching `selector` (waiting for it).
    pub(crate) fn type_into(&self, selector: &str, text: &str) {
        let id = self.element(selector);
        self.command(&format!("/element/{id}/value"), &json!({ "text": text }));
    }

    /// The visible text of the element matching `selector` ("" when there is none).
    pub(crate) fn text(&self, selector: &str) -> String {
        match self.find(selector) {
            Some(id) => self
                .get(&format!("/element/{id}/text"))
                .as_str()
                .unwrap_or("")
                .to_owned(),
            None => String::new(),
        }
    }

    /// The page's whole visible text.
    pub(crate) fn page_text(&self) -> String {
        self.script("return document.body ? document.body.innerText : ''", &[])
            .as_str()
            .unwrap_or("")
            .to_owned()
    }

    /// The current URL.
    pub(crate) fn current_url(&self) -> String {
        self.get("/url").as_str().unwrap_or("").to_owned()
    }

    /// Waits until `ready` holds, up to `PATIENCE`; panics with what was awaited and the page's
    /// text otherwise.
    pub(crate) fn wait_until(&self, what: &str, mut ready: impl FnMut() -> bool) {
        let start = Instant::now();
        loop {
            if ready() {
                return;
            }
            if start.elapsed() > PATIENCE {
                panic!(
                    "waited {PATIENCE:?} for {what}; the page shows:\n{}",
                    self.page_text()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits until the page's text contains `needle`.
    pub(crate) fn wait_for_text(&self, needle: &str) {
        self.wait_until(&format!("the text {needle:?}"), || {
            self.page_text().contains(needle)
        });
    }

    /// Writes a PNG screenshot of the viewport to `path`.
    pub(crate) fn screenshot(&self, path: &Path) {
        let data = self.get("/screenshot");
        let png = base64::engine::general_purpose::STANDARD
            .decode(data.as_str().expect("screenshot data"))
            .expect("screenshot is base64");
        std::fs::write(path, png).unwrap();
    }

    /// Whether the page is wider than the viewport (a horizontal scroll bar).
    pub(crate) fn scrolls_sideways(&self) -> bool {
        self.script(
            "return document.documentElement.scrollWidth > document.documentElement.clientWidth",
            &[],
        )
        .as_bool()
        .unwrap_or(true)
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self
            .agent
            .delete(&format!("{}/session/{}", self.base, self.session))
            .call();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn binary(var: &str, default: &str) -> PathBuf {
    std::env::var_os(var).map_or_else(|| PathBuf::from(default), PathBuf::from)
}

fn post(agent: &ureq::Agent, url: &str, body: &Value) -> Value {
    let mut response = agent
        .post(url)
        .header("Content-Type", "application/json")
        .send(body.to_string())
        .unwrap_or_else(|err| panic!("WebDriver request to {url} failed: {err}"));
    let text = response
        .body_mut()
        .with_config()
        .limit(64 * 1024 * 1024)
        .read_to_string()
        .unwrap_or_else(|err| panic!("WebDriver answer from {url} unreadable: {err}"));
    serde_json::from_str(&text)
        .unwrap_or_else(|err| panic!("WebDriver answer from {url} is not JSON: {err}: {text}"))
}

/// Starts chromedriver on a free loopback port and waits until it says it is ready.
fn spawn_driver(driver: &Path) -> (Child, u16) {
    for _ in 0..5 {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut child = Command::new(driver)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|err| panic!("cannot start {}: {err}", driver.display()));
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let mut ready = false;
        for line in lines.by_ref() {
            let Ok(line) = line else { break };
            if line.contains("started successfully") {
                ready = true;
                break;
            }
        }
        // Keep draining its output so it never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        if ready {
            return (child, port);
        }
        let _ = child.kill();
        let _ = child.wait();
    }
    panic!("chromedriver did not start on a free port in 5 tries");
}
