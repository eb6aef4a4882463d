//! The deliveries log (PRODUCT.md section 9): every request to a hook's path, as JSON lines in
//! `<state dir>/webhook-deliveries.jsonl`, with headers that carry signatures or tokens
//! redacted and the first [`BODY_KEPT`] bytes of the body. Bounded: past [`MAX_FILE`] bytes
//! the file becomes `webhook-deliveries.jsonl.1` (replacing the older one) and a new one
//! starts. Written by a thread of its own, so no request waits for the disk; `jobtab
//! deliveries` reads it (`read`).

use std::fs::OpenOptions;
use std::io::{BufRead as _, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{SyncSender, TrySendError, sync_channel};

use anyhow::{Context as _, Result};
use http::HeaderMap;
use serde::{Deserialize, Serialize};

/// Bytes of a body kept.
pub(crate) const BODY_KEPT: usize = 4096;

/// The file is rotated past this size.
pub(crate) const MAX_FILE: u64 = 8 * 1024 * 1024;

/// Records waiting for the writer at most; past that (a flood faster than the disk), records
/// are dropped: the one-line request log still has every request.
const QUEUE: usize = 4096;

const FILE: &str = "webhook-deliveries.jsonl";

/// What a redacted header's value becomes.
pub(crate) const REDACTED: &str = "[redacted]";

/// One request to a hook.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Delivery {
    /// When it arrived (RFC 3339, UTC, milliseconds).
    pub(crate) time: String,
    pub(crate) job: String,
    /// The job file the hook came from.
    pub(crate) file: String,
    pub(crate) method: String,
    pub(crate) path: String,
    /// The client's address (`X-Forwarded-For` with `[server] trust_proxy`).
    pub(crate) remote: String,
    /// The answer's status code.
    pub(crate) status: u16,
    /// `accepted`, `queued`, `ignored`, `duplicate`, `rejected`, ... (`hooks::Verdict`).
    pub(crate) verdict: String,
    /// Why, where the answer does not say (a rejection's reason).
    pub(crate) reason: Option<String>,
    pub(crate) delivery: Option<String>,
    pub(crate) event: Option<String>,
    pub(crate) run_id: Option<String>,
    pub(crate) headers: Vec<Header>,
    /// The body's first 4 KiB (invalid UTF-8 replaced).
    pub(crate) body: String,
    /// The body's whole length in bytes (`null` when it was not read).
    pub(crate) body_bytes: Option<u64>,
}

/// A request header, its value redacted where it may prove identity.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Header {
    pub(crate) name: String,
    pub(crate) value: String,
}

/// Whether a header's value is hidden: signatures, tokens, cookies, keys, and `also` (a
/// hook's own signature or token header).
fn secret_header(name: &str, also: Option<&str>) -> bool {
    let name = name.to_ascii_lowercase();
    also.is_some_and(|also| also.eq_ignore_ascii_case(&name))
        || [
            "signature",
            "token",
            "secret",
            "hmac",
            "auth",
            "cookie",
            "password",
            "api-key",
            "apikey",
        ]
        .iter()
        .any(|word| name.contains(word))
}

/// The headers as kept: every one, in order, secret ones redacted.
pub(crate) fn redact(headers: &HeaderMap, also: Option<&str>) -> Vec<Header> {
    headers
        .iter()
        .map(|(name, value)| Header {
            name: name.as_str().to_owned(),
            value: if secret_header(name.as_str(), also) {
                REDACTED.to_owned()
            } else {
                String::from_utf8_lossy(value.as_bytes()).into_owned()
            },
        })
        .collect()
}

/// The body as kept.
pub(crate) fn body_kept(body: &[u8]) -> String {
    String::from_utf8_lossy(&body[..body.len().min(BODY_KEPT)]).into_owned()
}

/// The writer of one state dir's log.
pub(crate) struct DeliveryLog {
    tx: SyncSender<Delivery>,
}

impl DeliveryLog {
    /// Starts the writer thread.
    pub(crate) fn start(state_dir: &Path) -> Result<DeliveryLog> {
        let path = state_dir.join(FILE);
        let (tx, rx) = sync_channel::<Delivery>(QUEUE);
        std::thread::Builder::new()
            .name("deliveries".into())
            .spawn(move || {
                let mut writer = Writer::new(path);
                // Whatever is waiting is written in one go, then flushed.
                while let Ok(first) = rx.recv() {
                    for record in std::iter::once(first).chain(rx.try_iter().take(QUEUE)) {
                        // A full disk loses log lines, never requests.
                        if writer.append(&record).is_err() {
                            writer.file = None;
                        }
                    }
                    if writer.flush().is_err() {
                        writer.file = None;
                    }
                }
            })
            .context("cannot start the deliveries log thread")?;
        Ok(DeliveryLog { tx })
    }

    /// Queues `record`; dropped when the writer is this far behind.
    pub(crate) fn add(&self, record: Delivery) {
        match self.tx.try_send(record) {
            Ok(()) | Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => {}
        }
    }
}

/// Appends records to the log, rotating it past [`MAX_FILE`]; the file stays open.
struct Writer {
    path: PathBuf,
    file: Option<(std::io::BufWriter<std::fs::File>, u64)>,
}

impl Writer {
    fn new(path: PathBuf) -> Writer {
        Writer { path, file: None }
    }

    fn append(&mut self, record: &Delivery) -> Result<()> {
        use std::os::unix::fs::OpenOptionsExt as _;
        if self.file.as_ref().is_some_and(|(_, size)| *size > MAX_FILE) {
            self.flush()?;
            self.file = None;
            std::fs::rename(&self.path, rotated(&self.path))?;
        }
        if self.file.is_none() {
            if let Some(dir) = self.path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            let file = OpenOptions::new()
                .create(true)
                .append(true)
                .mode(0o600)
                .open(&self.path)?;
            let size = file.metadata()?.len();
            self.file = Some((std::io::BufWriter::with_capacity(64 * 1024, file), size));
        }
        let mut line = serde_json::to_string(record)?;
        line.push('\n');
        if let Some((file, size)) = &mut self.file {
            file.write_all(line.as_bytes())?;
            *size += line.len() as u64;
        }
        Ok(())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match &mut self.file {
            Some((file, _)) => file.flush(),
            None => Ok(()),
        }
    }
}

fn rotated(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".1");
    PathBuf::from(name)
}

/// The deliveries kept in `state_dir`, newest first (unreadable lines skipped).
pub(crate) fn read(state_dir: &Path) -> Result<Vec<Delivery>> {
    let path = state_dir.join(FILE);
    let mut all = Vec::new();
    for file in [rotated(&path), path] {
        let reader = match std::fs::File::open(&file) {
            Ok(reader) => BufReader::new(reader),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => continue,
            Err(err) => {
                return Err(err).with_context(|| format!("cannot read {}", file.display()));
            }
        };
        for line in reader.lines() {
            let line = line.with_context(|| format!("cannot read {}", file.display()))?;
            if let Ok(record) = serde_json::from_str::<Delivery>(&line) {
                all.push(record);
            }
        }
    }
    all.reverse();
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(n: usize) -> Delivery {
        Delivery {
            time: format!("2026-01-01T00:00:00.{n:03}Z"),
            job: "deploy".into(),
            file: "/jobs.toml".into(),
            method: "POST".into(),
            path: "/hooks/deploy".into(),
            remote: "127.0.0.1:1".into(),
            status: 202,
            verdict: "accepted".into(),
            reason: None,
            delivery: Some(format!("d{n}")),
            event: None,
            run_id: None,
            headers: Vec::new(),
            body: "x".repeat(1000),
            body_bytes: Some(1000),
        }
    }

    #[test]
    fn signatures_and_tokens_are_redacted_and_the_rest_kept() {
        let mut headers = HeaderMap::new();
        for (name, value) in [
            ("x-hub-signature-256", "sha256=abc"),
            ("authorization", "Bearer t"),
            ("x-gitlab-token", "t"),
            ("stripe-signature", "t=1,v1=ab"),
            ("x-my-proof", "p"),
            ("x-github-event", "push"),
            ("content-type", "application/json"),
        ] {
            headers.insert(name, value.parse().unwrap());
        }
        let kept = redact(&headers, Some("X-My-Proof"));
        let value = |name: &str| &kept.iter().find(|h| h.name == name).unwrap().value;
        for secret in [
            "x-hub-signature-256",
            "authorization",
            "x-gitlab-token",
            "stripe-signature",
            "x-my-proof",
        ] {
            assert_eq!(value(secret), REDACTED, "{secret}");
        }
        assert_eq!(value("x-github-event"), "push");
        assert_eq!(value("content-type"), "application/json");
        assert_eq!(body_kept(&[b'a'; 5000]).len(), BODY_KEPT);
    }

    #[test]
    fn the_log_is_rotated_past_its_size_and_read_newest_first() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE);
        let count = (MAX_FILE as usize / 1000) * 2 + 10;
        let mut writer = Writer::new(path.clone());
        for n in 0..count {
            writer.append(&record(n)).unwrap();
        }
        writer.flush().unwrap();
        let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
        assert!(size(&path) + size(&rotated(&path)) <= 2 * MAX_FILE + 4096);
        let all = read(dir.path()).unwrap();
        assert_eq!(
            all[0].delivery.as_deref(),
            Some(&*format!("d{}", count - 1))
        );
        assert!(all.len() < count);
    }
}
