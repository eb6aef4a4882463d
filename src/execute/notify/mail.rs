//! `mail_to`: a mail about the run through the machine's `sendmail -t`, as cron's MAILTO
//! does: the recipients are in the `To:` header, the subject names the job, its status and
//! the host, and the body holds the result and the end of the output. It is sent when the
//! job's `notify.on` matches (on failure without `notify`).
//!
//! `sendmail` is looked up on PATH, then where cron looks for it (`/usr/sbin/sendmail`,
//! `/usr/lib/sendmail`). A missing one is a warning in `check` and a logged failure at run,
//! never a failed run.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::Utc;

use crate::history::{Notification, RunRecord, RunStatus};
use crate::store::{Job, NotifyOn};

/// Where cron's mailer lives when it is not on PATH.
const SENDMAIL_PATHS: [&str; 2] = ["/usr/sbin/sendmail", "/usr/lib/sendmail"];
/// The most a sendmail may take before it is killed.
const SENDMAIL_TIMEOUT: Duration = Duration::from_secs(30);
/// The most of the output a mail carries.
const BODY_TAIL_BYTES: usize = 16 * 1024;

pub(super) struct Mail {
    pub(super) to: String,
    pub(super) on: NotifyOn,
}

/// The `sendmail` to use: the first on PATH, else cron's usual places.
fn find_sendmail() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join("sendmail"))
            .find(|candidate| is_executable(candidate))
    });
    on_path.or_else(|| {
        SENDMAIL_PATHS
            .iter()
            .map(PathBuf::from)
            .find(|candidate| is_executable(candidate))
    })
}

fn is_executable(path: &std::path::Path) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// The warning `check` prints when jobs have `mail_to` and no `sendmail` is found.
pub(crate) fn missing_sendmail_warning(jobs: &[Job]) -> Option<String> {
    let names: Vec<&str> = jobs
        .iter()
        .filter(|job| job.mail_to.is_some())
        .map(|job| job.name.as_str())
        .collect();
    if names.is_empty() || find_sendmail().is_some() {
        return None;
    }
    Some(format!(
        "no sendmail found (on PATH, {}): job{} {} cannot mail (`mail_to`); install a mail \
         transfer agent that provides it (msmtp-mta, postfix, ...) or remove `mail_to`",
        SENDMAIL_PATHS.join(", "),
        if names.len() == 1 { "" } else { "s" },
        names.join(", ")
    ))
}

impl Mail {
    /// Mails `record` (a sample when `test`); the outcome names sendmail's answer.
    pub(super) fn send(&self, record: &RunRecord, test: bool) -> Notification {
        let (ok, answer) = match find_sendmail() {
            None => (
                false,
                format!(
                    "no sendmail found (on PATH, {}); install one or remove `mail_to`",
                    SENDMAIL_PATHS.join(", ")
                ),
            ),
            Some(sendmail) => match run_sendmail(&sendmail, &message(&self.to, record, test)) {
                Ok(answer) => (true, answer),
                Err(answer) => (false, answer),
            },
        };
        Notification {
            channel: "mail_to".into(),
            ok,
            attempts: 1,
            answer,
        }
    }
}

/// The whole message, headers and body, as `sendmail -t` reads it.
pub(super) fn message(to: &str, record: &RunRecord, test: bool) -> String {
    let host = host_name();
    let status = match record.status {
        RunStatus::Ok => "succeeded",
        RunStatus::Timeout => "timed out",
        RunStatus::Cancelled => "cancelled",
        RunStatus::Skipped => "skipped",
        RunStatus::Failed => "failed",
    };
    let test_note = if test { " (test)" } else { "" };
    let mut text = String::new();
    text.push_str(&format!("To: {to}\n"));
    text.push_str(&format!(
        "Subject: jobtab: {} {status} on {host}{test_note}\n",
        record.job
    ));
    text.push_str(&format!("Date: {}\n", Utc::now().to_rfc2822()));
    text.push_str("Auto-Submitted: auto-generated\n");
    text.push_str("MIME-Version: 1.0\n");
    text.push_str("Content-Type: text/plain; charset=utf-8\n");
    text.push_str("Content-Transfer-Encoding: 8bit\n");
    text.push_str(&format!("X-Jobtab-Job: {}\n", record.job));
    text.push_str(&format!("X-Jobtab-Run-Id: {}\n", record.run_id));
    text.push('\n');
    if test {
        text.push_str("This is a sample notification from `jobtab notify test`.\n\n");
    }
    text.push_str(&format!("{}\n\n", super::format::summary(record)));
    text.push_str(&format!("job:        {}\n", record.job));
    text.push_str(&format!("status:     {}\n", record.status));
    text.push_str(&format!("host:       {host}\n"));
    text.push_str(&format!("run id:     {}\n", record.run_id));
    text.push_str(&format!("trigger:    {}\n", record.trigger));
    text.push_str(&format!("started at: {}\n", record.started_at.to_rfc3339()));
    text.push_str(&format!(
        "duration:   {}\n",
        crate::duration::format(record.took())
    ));
    if let Some(code) = record.exit_code {
        text.push_str(&format!("exit code:  {code}\n"));
    }
    if let Some(status) = record.http_status {
        text.push_str(&format!("HTTP status: {status}\n"));
    }
    if let Some(error) = &record.error {
        text.push_str(&format!("error:      {error}\n"));
    }
    let tail = crate::history::tail(&record.output_tail, BODY_TAIL_BYTES);
    if !tail.is_empty() {
        text.push_str("\nThe end of the output:\n\n");
        text.push_str(tail);
        if !tail.ends_with('\n') {
            text.push('\n');
        }
    }
    text
}

/// Runs `sendmail -i -t` with `message` on its stdin; its exit status (and stderr) is the
/// answer.
fn run_sendmail(sendmail: &std::path::Path, message: &str) -> Result<String, String> {
    let shown = sendmail.display();
    let mut child = Command::new(sendmail)
        .args(["-i", "-t"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|err| format!("cannot start {shown}: {err}"))?;
    let stdin = child.stdin.take();
    let bytes = message.as_bytes().to_vec();
    // Written from another thread: a sendmail that does not read must not block us forever.
    let writer = std::thread::spawn(move || {
        if let Some(mut stdin) = stdin {
            let _ = stdin.write_all(&bytes);
        }
    });
    let deadline = Instant::now() + SENDMAIL_TIMEOUT;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "{shown} did not finish within {}; it was stopped",
                    crate::duration::format(SENDMAIL_TIMEOUT)
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(err) => return Err(format!("cannot wait for {shown}: {err}")),
        }
    };
    let _ = writer.join();
    let mut stderr = String::new();
    if let Some(mut pipe) = child.stderr.take() {
        use std::io::Read as _;
        let _ = pipe.by_ref().take(1024).read_to_string(&mut stderr);
    }
    let stderr = stderr.trim();
    let said = if stderr.is_empty() {
        String::new()
    } else {
        format!(": {stderr}")
    };
    if status.success() {
        Ok(format!("{shown} accepted the mail{said}"))
    } else {
        Err(format!("{shown} failed ({status}){said}"))
    }
}

/// The machine's name, for the subject (as cron's mails name it).
fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "localhost".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone as _;

    #[test]
    fn message_has_headers_then_a_body() {
        let at = Utc.with_ymd_and_hms(2026, 3, 1, 2, 0, 0).unwrap();
        let record = RunRecord {
            job: "backup".into(),
            file: None,
            run_id: "r1".into(),
            trigger: "schedule".into(),
            delivery: None,
            upstream_run_id: None,
            status: RunStatus::Failed,
            exit_code: Some(4),
            http_status: None,
            scheduled_at: at,
            started_at: at,
            duration_ms: 1200,
            attempts: 1,
            output_tail: "disk full".into(),
            error: Some("exit code 4".into()),
            notifications: Vec::new(),
            amends: false,
        };
        let text = message("ops@example.com, me@example.com", &record, false);
        let (head, body) = text.split_once("\n\n").unwrap();
        assert!(head.starts_with(
            "To: ops@example.com, me@example.com\nSubject: jobtab: backup failed on "
        ));
        assert!(head.lines().all(|line| line.contains(": ")), "{head}");
        assert!(
            body.starts_with("backup failed: exit code 4 after 1s200ms\n"),
            "{body}"
        );
        assert!(
            body.ends_with("\nThe end of the output:\n\ndisk full\n"),
            "{body}"
        );
    }
}
