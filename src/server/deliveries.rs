//! The deliveries log (PRODUCT.md section 9): every request to a hook's path, as JSON lines in
//! `<state dir>/webhook-deliveries.jsonl`, with headers that carry signatures or tokens
//! redacted and the first [`BODY_KEPT`] bytes of the body. Bounded: past [`MAX_FILE`] bytes
//! the file becomes `webhook-deliveries.jsonl.1` (replacing the older one) and a new one
//! starts. Each record is made into its line where the request was handled
//! ([`Delivery::write_line`], borrowing from the request) and written by the request
//! journal's thread (`journal`), so no request waits for the disk; `jobtab deliveries` reads
//! the file (`read`).

use std::borrow::Cow;
use std::fs::OpenOptions;
use std::io::{BufRead as _, BufReader, Write as _};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use http::HeaderMap;
use serde::{Deserialize, Serialize};

/// Bytes of a body kept.
pub(crate) const BODY_KEPT: usize = 4096;

/// The file is rotated past this size.
pub(crate) const MAX_FILE: u64 = 8 * 1024 * 1024;

const FILE: &str = "webhook-deliveries.jsonl";

/// What a redacted header's value becomes.
pub(crate) const REDACTED: &str = "[redacted]";

/// One request to a hook: borrowed from the request when written, owned when read back
/// (`Delivery<'static>`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Delivery<'a> {
    /// When it arrived (RFC 3339, UTC, milliseconds).
    pub(crate) time: Cow<'a, str>,
    pub(crate) job: Cow<'a, str>,
    /// The job file the hook came from.
    pub(crate) file: Cow<'a, str>,
    pub(crate) method: Cow<'a, str>,
    pub(crate) path: Cow<'a, str>,
    /// The client's address (`X-Forwarded-For` with `[server] trust_proxy`).
    pub(crate) remote: Cow<'a, str>,
    /// The answer's status code.
    pub(crate) status: u16,
    /// `accepted`, `queued`, `ignored`, `duplicate`, `rejected`, ... (`hooks::Verdict`).
    pub(crate) verdict: Cow<'a, str>,
    /// Why, where the answer does not say (a rejection's reason).
    pub(crate) reason: Option<Cow<'a, str>>,
    pub(crate) delivery: Option<Cow<'a, str>>,
    pub(crate) event: Option<Cow<'a, str>>,
    pub(crate) run_id: Option<Cow<'a, str>>,
    pub(crate) headers: Vec<Header<'a>>,
    /// The body's first 4 KiB (invalid UTF-8 replaced).
    pub(crate) body: Cow<'a, str>,
    /// The body's whole length in bytes (`null` when it was not read).
    pub(crate) body_bytes: Option<u64>,
}

impl Delivery<'_> {
    /// Appends the record's line in the log (newline included) to `out`.
    pub(crate) fn write_line(&self, out: &mut Vec<u8>) {
        let start = out.len();
        if serde_json::to_writer(&mut *out, self).is_ok() {
            out.push(b'\n');
        } else {
            out.truncate(start);
        }
    }
}

/// A request header, its value redacted where it may prove identity.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Header<'a> {
    pub(crate) name: Cow<'a, str>,
    pub(crate) value: Cow<'a, str>,
}

/// Words that make a header secret wherever they appear in its name.
const SECRET_WORDS: [&[u8]; 9] = [
    b"signature",
    b"token",
    b"secret",
    b"hmac",
    b"auth",
    b"cookie",
    b"password",
    b"api-key",
    b"apikey",
];

/// Whether a header's value is hidden: signatures, tokens, cookies, keys, and `also` (the
/// hooks' own signature and token headers, lower case). `name` is lower case, as `http`
/// keeps header names.
fn secret_header(name: &str, also: &[String]) -> bool {
    let name = name.as_bytes();
    // One pass over the name, comparing only where a word's first letter is (this runs for
    // every header of every request).
    also.iter().any(|also| also.as_bytes() == name)
        || (0..name.len()).any(|at| {
            SECRET_WORDS
                .iter()
                .any(|word| word[0] == name[at] && name[at..].starts_with(word))
        })
}

/// The headers as kept: every one, in order, secret ones redacted.
pub(crate) fn redact<'a>(headers: &'a HeaderMap, also: &[String]) -> Vec<Header<'a>> {
    headers
        .iter()
        .map(|(name, value)| Header {
            name: Cow::Borrowed(name.as_str()),
            value: if secret_header(name.as_str(), also) {
                Cow::Borrowed(REDACTED)
            } else {
                String::from_utf8_lossy(value.as_bytes())
            },
        })
        .collect()
}

/// The body as kept.
pub(crate) fn body_kept(body: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(&body[..body.len().min(BODY_KEPT)])
}

/// Appends records' lines to the log, rotating it past [`MAX_FILE`]; the file stays open.
/// A write that fails (a full disk) loses that line, never a request.
pub(crate) struct Writer {
    path: PathBuf,
    file: Option<(std::io::BufWriter<std::fs::File>, u64)>,
}

impl Writer {
    /// The writer of `state_dir`'s log (opened at the first line).
    pub(crate) fn new(state_dir: &Path) -> Writer {
        Writer {
            path: state_dir.join(FILE),
            file: None,
        }
    }

    /// Appends `lines` (made by [`Delivery::write_line`]); after an error the file is
    /// opened again for the next lines.
    pub(crate) fn append(&mut self, lines: &[u8]) {
        if self.try_append(lines).is_err() {
            self.file = None;
        }
    }

    /// Writes out what is buffered.
    pub(crate) fn flush(&mut self) {
        if let Some((file, _)) = &mut self.file
            && file.flush().is_err()
        {
            self.file = None;
        }
    }

    fn try_append(&mut self, lines: &[u8]) -> Result<()> {
        let (file, size) = self.open()?;
        // Rotated before a write that would take it past the bound (a batch is written whole).
        if *size > 0 && *size + lines.len() as u64 > MAX_FILE {
            file.flush()?;
            self.file = None;
            std::fs::rename(&self.path, rotated(&self.path))?;
        }
        let (file, size) = self.open()?;
        file.write_all(lines)?;
        *size += lines.len() as u64;
        Ok(())
    }

    /// The open file and its size, opened (created 0600) if it is not.
    fn open(&mut self) -> Result<&mut (std::io::BufWriter<std::fs::File>, u64)> {
        use std::os::unix::fs::OpenOptionsExt as _;
        let open = match self.file.take() {
            Some(open) => open,
            None => {
                if let Some(dir) = self.path.parent() {
                    std::fs::create_dir_all(dir)?;
                }
                let file = OpenOptions::new()
                    .create(true)
                    .append(true)
                    .mode(0o600)
                    .open(&self.path)?;
                let size = file.metadata()?.len();
                (std::io::BufWriter::with_capacity(64 * 1024, file), size)
            }
        };
        Ok(self.file.insert(open))
    }
}

fn rotated(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".1");
    PathBuf::from(name)
}

/// The deliveries kept in `state_dir`, newest first (unreadable lines skipped).
pub(crate) fn read(state_dir: &Path) -> Result<Vec<Delivery<'static>>> {
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

    fn record(n: usize) -> Delivery<'static> {
        Delivery {
            time: format!("2026-01-01T00:00:00.{n:03}Z").into(),
            job: "deploy".into(),
            file: "/jobs.toml".into(),
            method: "POST".into(),
            path: "/hooks/deploy".into(),
            remote: "127.0.0.1:1".into(),
            status: 202,
            verdict: "accepted".into(),
            reason: None,
            delivery: Some(format!("d{n}").into()),
            event: None,
            run_id: None,
            headers: Vec::new(),
            body: "x".repeat(1000).into(),
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
            ("x-webhook-secret", "s"),
            ("x-hmac", "h"),
            ("cookie", "c"),
            ("x-password", "p"),
            ("x-api-key", "k"),
            ("apikey", "k"),
            ("x-github-event", "push"),
            ("content-type", "application/json"),
            ("x-tokn-sig", "kept"),
        ] {
            headers.insert(name, value.parse().unwrap());
        }
        let kept = redact(&headers, &["x-my-proof".to_owned()]);
        let value = |name: &str| &kept.iter().find(|h| h.name == name).unwrap().value;
        for secret in [
            "x-hub-signature-256",
            "authorization",
            "x-gitlab-token",
            "stripe-signature",
            "x-my-proof",
            "x-webhook-secret",
            "x-hmac",
            "cookie",
            "x-password",
            "x-api-key",
            "apikey",
        ] {
            assert_eq!(value(secret), REDACTED, "{secret}");
        }
        assert_eq!(value("x-tokn-sig"), "kept");
        assert_eq!(value("x-github-event"), "push");
        assert_eq!(value("content-type"), "application/json");
        assert_eq!(body_kept(&[b'a'; 5000]).len(), BODY_KEPT);
    }

    #[test]
    fn the_log_is_rotated_past_its_size_and_read_newest_first() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE);
        let count = (MAX_FILE as usize / 1000) * 2 + 10;
        let mut writer = Writer::new(dir.path());
        for n in 0..count {
            let mut line = Vec::new();
            record(n).write_line(&mut line);
            writer.append(&line);
        }
        writer.flush();
        let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
        assert!(size(&path) <= MAX_FILE && size(&rotated(&path)) <= MAX_FILE);
        let all = read(dir.path()).unwrap();
        assert_eq!(
            all[0].delivery.as_deref(),
            Some(&*format!("d{}", count - 1))
        );
        assert!(all.len() < count);
    }
}
