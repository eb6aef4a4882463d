//! The job file's data model: the TOML as written (`Raw*`, read key by key in `parse`, whose
//! key lists a test holds to these structs) and the resolved, validated `Job` every other
//! module works with (PRODUCT.md section 2).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

pub(crate) use crate::jitter::Jitter;

use crate::schedule::Schedule;
use crate::zone::Zone;

/// The total time an HTTP call may take when its job sets no `timeout`.
pub(crate) const DEFAULT_HTTP_TIMEOUT: Duration = Duration::from_secs(30);
/// How long an HTTP call may take to connect.
pub(crate) const HTTP_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The most `retries` a job may have: with the delay doubling each time, more would only
/// wait for centuries.
pub(crate) const MAX_RETRIES: u32 = 100;
/// The first retry delay when a job sets `retries` but no `retry_delay`.
pub(crate) const DEFAULT_RETRY_DELAY: Duration = Duration::from_secs(10);

/// `[defaults]`: settings every job inherits unless it sets its own.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct RawDefaults {
    pub(crate) timezone: Option<String>,
    pub(crate) timeout: Option<String>,
    pub(crate) retries: Option<u32>,
    pub(crate) retry_delay: Option<String>,
    pub(crate) overlap: Option<Overlap>,
    pub(crate) catch_up: Option<CatchUp>,
    pub(crate) shell: Option<String>,
    pub(crate) notify: Option<RawNotify>,
    pub(crate) ping: Option<String>,
    pub(crate) mail_to: Option<String>,
    pub(crate) jitter: Option<String>,
}

/// One `[jobs.NAME]` table as written.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct RawJob {
    pub(crate) description: Option<String>,
    /// `None` when not written: then the job needs another trigger (`webhook` or `after`).
    pub(crate) schedule: Option<String>,
    pub(crate) command: Option<String>,
    pub(crate) shell: Option<String>,
    pub(crate) http: Option<RawHttp>,
    pub(crate) timezone: Option<String>,
    pub(crate) enabled: Option<bool>,
    pub(crate) timeout: Option<String>,
    pub(crate) retries: Option<u32>,
    pub(crate) retry_delay: Option<String>,
    pub(crate) overlap: Option<Overlap>,
    pub(crate) catch_up: Option<CatchUp>,
    pub(crate) workdir: Option<String>,
    pub(crate) env: Option<BTreeMap<String, String>>,
    pub(crate) notify: Option<RawNotify>,
    /// A healthchecks.io-style ping URL; `""` turns off the one of `[defaults]`.
    pub(crate) ping: Option<String>,
    /// Where `sendmail -t` mails results; `""` turns off the one of `[defaults]` (cron's
    /// `MAILTO=""`).
    pub(crate) mail_to: Option<String>,
    /// `[jobs.NAME.webhook]`: runs on accepted requests (PRODUCT.md section 9).
    pub(crate) webhook: Option<RawWebhook>,
    /// The most a scheduled run is delayed (`"10m"`), PRODUCT.md section 12.
    pub(crate) jitter: Option<String>,
    /// Jobs whose runs start this one when they end as `after_status` says.
    pub(crate) after: Option<Vec<String>>,
    pub(crate) after_status: Option<AfterStatus>,
}

/// `[jobs.NAME.webhook]` as written (validated in `resolve`).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct RawWebhook {
    pub(crate) verify: Option<VerifyKind>,
    pub(crate) secret: Option<String>,
    /// `hmac`: the signature's header; `token`: the token's header instead of `Authorization`.
    pub(crate) header: Option<String>,
    pub(crate) algorithm: Option<HmacAlgorithm>,
    pub(crate) encoding: Option<Encoding>,
    pub(crate) prefix: Option<String>,
    pub(crate) path: Option<String>,
    pub(crate) methods: Option<Vec<String>>,
    pub(crate) max_body: Option<u64>,
    /// Key (`/pointer` or `header:NAME`) -> the values that let a request through, in file
    /// order.
    pub(crate) r#match: Option<Vec<(String, Vec<serde_json::Value>)>>,
    /// Variable name -> JSON pointer, in file order.
    pub(crate) env: Option<Vec<(String, String)>>,
    pub(crate) response: Option<Response>,
    pub(crate) rate_limit: Option<String>,
}

/// `[server]` as written (validated in `parse`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct RawServer {
    pub(crate) listen: Option<String>,
    pub(crate) tls_cert: Option<String>,
    pub(crate) tls_key: Option<String>,
    pub(crate) token: Option<String>,
    pub(crate) trust_proxy: Option<bool>,
}

/// A `verify` preset's name, before its settings are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum VerifyKind {
    Github,
    Gitlab,
    Stripe,
    Standard,
    Slack,
    Shopify,
    Hmac,
    Token,
    None,
}

/// Which ends of an upstream run start a job with `after` (PRODUCT.md section 12).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum AfterStatus {
    /// The upstream run succeeded.
    #[default]
    Success,
    /// The upstream run failed (also timed out or was cancelled; not skipped).
    Failure,
    /// Either (not a skipped run: that did not run).
    Always,
}

impl AfterStatus {
    /// The name as written in the job file.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            AfterStatus::Success => "success",
            AfterStatus::Failure => "failure",
            AfterStatus::Always => "always",
        }
    }

    /// Whether an upstream run that ended with `status` starts the job. A skipped run (the
    /// previous one still ran) starts nothing.
    pub(crate) fn matches(self, status: crate::history::RunStatus) -> bool {
        use crate::history::RunStatus;
        match (self, status) {
            (_, RunStatus::Skipped) => false,
            (AfterStatus::Success, status) => status == RunStatus::Ok,
            (AfterStatus::Failure, status) => status != RunStatus::Ok,
            (AfterStatus::Always, _) => true,
        }
    }
}

/// `http = { ... }` as written.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct RawHttp {
    pub(crate) method: Option<String>,
    pub(crate) url: String,
    pub(crate) headers: Option<BTreeMap<String, String>>,
    pub(crate) body: Option<String>,
    pub(crate) expect: Option<Vec<u16>>,
}

/// `notify = { ... }` as written.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct RawNotify {
    pub(crate) url: String,
    pub(crate) on: Option<NotifyOn>,
    pub(crate) secret: Option<String>,
    pub(crate) format: Option<NotifyFormat>,
    pub(crate) signature: Option<SignatureScheme>,
}

/// What to do when a run is due while the previous run of the same job still runs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub(crate) enum Overlap {
    /// Skip the new run and log it.
    #[default]
    Skip,
    /// Run once right after the current run ends.
    Queue,
    /// Start the new run anyway.
    Allow,
}

/// What to do with runs missed while the machine slept or the clock jumped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub(crate) enum CatchUp {
    /// Log and skip them (cron's behaviour).
    #[default]
    None,
    /// Run one of them as soon as possible.
    Once,
}

/// When to send the result notification.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub(crate) enum NotifyOn {
    #[default]
    Failure,
    Success,
    Always,
}

/// The body a notification carries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub(crate) enum NotifyFormat {
    /// The run's record as JSON (PRODUCT.md section 5).
    #[default]
    Json,
    /// A Slack incoming-webhook message.
    Slack,
    /// A Discord webhook message.
    Discord,
}

/// How a notification with a secret is signed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub(crate) enum SignatureScheme {
    /// Standard Webhooks: `webhook-id`, `webhook-timestamp`, `webhook-signature`, with a
    /// `whsec_` key.
    #[default]
    Standard,
    /// `Jobtab-Signature: t=...,v1=<hex>` with any secret (jobtab's first scheme).
    Jobtab,
}

/// A job resolved against `[defaults]` and validated.
#[derive(Debug, Clone)]
pub(crate) struct Job {
    pub(crate) name: String,
    pub(crate) description: Option<String>,
    /// What makes it run.
    pub(crate) triggers: Triggers,
    /// The job's `timezone`, else the default's, else the machine's.
    pub(crate) zone: Zone,
    pub(crate) enabled: bool,
    pub(crate) action: Action,
    /// `None`: shell jobs run without a limit; HTTP calls use `DEFAULT_HTTP_TIMEOUT`.
    pub(crate) timeout: Option<Duration>,
    pub(crate) retries: u32,
    pub(crate) retry_delay: Duration,
    pub(crate) overlap: Overlap,
    pub(crate) catch_up: CatchUp,
    /// `${VAR}` references are kept verbatim; they are expanded when the job runs.
    pub(crate) env: BTreeMap<String, String>,
    pub(crate) notify: Option<Notify>,
    /// healthchecks.io-style ping URL (may hold `${VAR}`).
    pub(crate) ping: Option<String>,
    /// Addresses for `sendmail -t`, as written (cron's MAILTO).
    pub(crate) mail_to: Option<String>,
}

/// What makes a job run. A new kind of trigger is a field here, its parsing in
/// `store::resolve`, and an event source in `runner::sources` that asks the scheduler for a
/// run; the compiler points at the rest (`list`, `show`, `next`, the crontab and export
/// refusals).
#[derive(Debug, Clone)]
pub(crate) struct Triggers {
    /// The `schedule` key as written (trimmed): what `list`, `show` and `next` print and a
    /// crontab line carries.
    pub(crate) written: String,
    /// A calendar schedule: a run at each of its instants. `None` for `@reboot`.
    pub(crate) schedule: Option<Schedule>,
    /// One run when `jobtab run` starts (`@reboot`; at boot when installed in the crontab).
    pub(crate) at_start: bool,
    /// A run per accepted request to the job's hook (PRODUCT.md section 9).
    pub(crate) webhook: Option<Webhook>,
    /// Each scheduled run fires this much after its slot (`jitter`); the slot stays its
    /// `scheduled_at`. `None` without `jitter` (or `jitter = "0s"`).
    pub(crate) jitter: Option<Jitter>,
    /// A run whenever a run of one of these jobs ends as `after_status` says (`after`,
    /// PRODUCT.md section 12); empty without `after`.
    pub(crate) after: Vec<String>,
    pub(crate) after_status: AfterStatus,
}

impl Triggers {
    /// The triggers a `schedule` key makes: `@reboot` runs at start, anything else on its
    /// calendar.
    pub(crate) fn from_schedule(schedule: Schedule) -> Triggers {
        let written = schedule.as_str().to_owned();
        if schedule.is_reboot() {
            Triggers {
                written,
                schedule: None,
                at_start: true,
                ..Triggers::none()
            }
        } else {
            Triggers {
                written,
                schedule: Some(schedule),
                ..Triggers::none()
            }
        }
    }

    /// No trigger at all (the start of a job that runs only `after` others or only on its
    /// webhook).
    pub(crate) fn none() -> Triggers {
        Triggers {
            written: String::new(),
            schedule: None,
            at_start: false,
            webhook: None,
            jitter: None,
            after: Vec::new(),
            after_status: AfterStatus::Success,
        }
    }

    /// Whether the job runs on a schedule or at start (not only on webhook deliveries or
    /// after other jobs).
    pub(crate) fn has_schedule(&self) -> bool {
        self.schedule.is_some() || self.at_start
    }

    /// Whether the job's only trigger is its webhook.
    pub(crate) fn webhook_only_job(&self) -> bool {
        self.webhook.is_some() && !self.has_schedule() && self.after.is_empty()
    }

    /// Every trigger in one line, for tables: `shown`, and the webhook (`webhook POST
    /// /hooks/deploy (github)`) after a `, ` when the job has one.
    pub(crate) fn summary(&self) -> String {
        let shown = self.shown();
        match &self.webhook {
            Some(webhook) if shown.is_empty() => webhook.summary(),
            Some(webhook) => format!("{shown}, {}", webhook.summary()),
            None => shown,
        }
    }

    /// What starts the job but its webhook, for tables: the schedule as written, `+ jitter
    /// 10m` when it has one, and `after backup` for `after` (`after backup (failure)` unless on
    /// success).
    pub(crate) fn shown(&self) -> String {
        let mut parts = Vec::new();
        if !self.written.is_empty() {
            parts.push(self.written.clone());
        }
        if let Some(jitter) = &self.jitter {
            parts.push(format!("+ jitter {}", crate::duration::format(jitter.max)));
        }
        if let Some(after) = self.after_words() {
            parts.push(after);
        }
        parts.join(" ")
    }

    /// The `schedule` key as written, `None` for a job without one (only a webhook or
    /// `after`).
    pub(crate) fn schedule_text(&self) -> Option<&str> {
        self.has_schedule().then_some(self.written.as_str())
    }

    /// How much each scheduled run is delayed after its slot on this machine.
    pub(crate) fn offset(&self) -> TimeDelta {
        self.jitter
            .and_then(|j| TimeDelta::from_std(j.offset).ok())
            .unwrap_or_default()
    }

    /// The first slot (the schedule's instant, `scheduled_at`) that fires strictly after
    /// `after`, the jitter applied: what the scheduler plans.
    pub(crate) fn slot_firing_after(
        &self,
        after: DateTime<Utc>,
        zone: Zone,
    ) -> Option<DateTime<Utc>> {
        self.schedule
            .as_ref()?
            .next_after(after - self.offset(), zone)
    }

    /// When the run of `slot` fires: the slot plus the jitter offset.
    pub(crate) fn fires_at(&self, slot: DateTime<Utc>) -> DateTime<Utc> {
        slot + self.offset()
    }

    /// The `schedule` key as written.
    pub(crate) fn as_str(&self) -> &str {
        &self.written
    }

    /// `after backup, db` (with ` (failure)` or ` (always)` unless `after_status` is success);
    /// `None` without `after`.
    pub(crate) fn after_words(&self) -> Option<String> {
        if self.after.is_empty() {
            return None;
        }
        let status = match self.after_status {
            AfterStatus::Success => String::new(),
            other => format!(" ({})", other.as_str()),
        };
        Some(format!("after {}{status}", self.after.join(", ")))
    }

    /// The first scheduled run strictly after `after` in `zone` (`Schedule::next_after`),
    /// when it fires (the jitter offset added); `None` without a schedule or when it never
    /// fires again.
    pub(crate) fn next_after(&self, after: DateTime<Utc>, zone: Zone) -> Option<DateTime<Utc>> {
        self.slot_firing_after(after, zone)
            .map(|slot| self.fires_at(slot))
    }

    /// The next `count` scheduled runs after `after` (`Schedule::upcoming`), when they fire.
    pub(crate) fn upcoming(
        &self,
        after: DateTime<Utc>,
        zone: Zone,
        count: usize,
    ) -> Vec<DateTime<Utc>> {
        match &self.schedule {
            Some(schedule) => schedule
                .upcoming(after - self.offset(), zone, count)
                .into_iter()
                .map(|slot| self.fires_at(slot))
                .collect(),
            None => Vec::new(),
        }
    }

    /// When the job runs, in English (`Schedule::describe`).
    pub(crate) fn describe(&self) -> String {
        match &self.schedule {
            Some(schedule) => schedule.describe(),
            None if self.at_start => crate::schedule::AT_START.to_owned(),
            None => String::new(),
        }
    }

    /// Whether the schedule has a seconds field.
    pub(crate) fn has_seconds(&self) -> bool {
        self.schedule.as_ref().is_some_and(Schedule::has_seconds)
    }

    /// Whether its run times need seconds to be shown: a seconds field, or a jitter offset
    /// that is not whole minutes.
    pub(crate) fn shows_seconds(&self) -> bool {
        self.has_seconds() || self.offset().num_seconds() % 60 != 0
    }

    /// Whether the job runs at start only (no schedule).
    pub(crate) fn at_start_only(&self) -> bool {
        self.at_start && self.schedule.is_none()
    }

    /// Whether both make a job run at the same times. (Destructured without `..`, so a new
    /// kind of trigger cannot be forgotten here.)
    pub(crate) fn same_as(&self, other: &Triggers) -> bool {
        let Triggers {
            written,
            schedule: _,
            at_start,
            webhook,
            jitter,
            after,
            after_status,
        } = self;
        // The schedule is parsed from `written`.
        *written == other.written
            && *at_start == other.at_start
            && *webhook == other.webhook
            && *jitter == other.jitter
            && *after == other.after
            && *after_status == other.after_status
    }
}

/// `[server]`: where `jobtab run` listens for webhooks, the dashboard, the API and metrics
/// (PRODUCT.md sections 9 and 10).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ServerConfig {
    /// `listen = "127.0.0.1:8080"`; `run --listen` overrides it. No listener when neither is set.
    pub(crate) listen: Option<String>,
    /// PEM certificate chain and key; both set = HTTPS.
    pub(crate) tls_cert: Option<PathBuf>,
    pub(crate) tls_key: Option<PathBuf>,
    /// The dashboard and API token as written (a `${VAR}` template, expanded at start).
    pub(crate) token: Option<String>,
    /// Log `X-Forwarded-For` as the remote address.
    pub(crate) trust_proxy: bool,
}

/// `[jobs.NAME.webhook]`, validated. Strings that may hold `${VAR}` (the secret) are kept
/// verbatim and expanded when the server starts or reloads.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Webhook {
    pub(crate) verify: Verify,
    /// Required for every preset but `none`; a `${VAR}` template as written.
    pub(crate) secret: Option<String>,
    /// `/hooks/<job name>` unless set; starts with `/`.
    pub(crate) path: String,
    /// Upper-case methods, `["POST"]` unless set.
    pub(crate) methods: Vec<String>,
    /// Bytes; `DEFAULT_MAX_BODY` unless set.
    pub(crate) max_body: u64,
    /// Every one must hold for a request to start a run (else 202 "ignored").
    pub(crate) matches: Vec<Match>,
    /// Variable name -> JSON pointer into the payload, in file order.
    pub(crate) env: Vec<(String, String)>,
    pub(crate) response: Response,
    pub(crate) rate_limit: Option<RateLimit>,
}

/// The largest webhook body accepted unless `max_body` says otherwise (1 MiB).
pub(crate) const DEFAULT_MAX_BODY: u64 = 1024 * 1024;

/// How a request proves where it comes from (PRODUCT.md section 9, the `verify` table).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verify {
    Github,
    Gitlab,
    Stripe,
    Standard,
    Slack,
    Shopify,
    /// A signature of the raw body in a header the user names.
    Hmac {
        header: String,
        algorithm: HmacAlgorithm,
        encoding: Encoding,
        /// Text before the signature in the header (`sha256=`), `""` unless set.
        prefix: String,
    },
    /// A shared token: `Authorization: Bearer <secret>`, or the value of `header` when set.
    Token {
        header: Option<String>,
    },
    /// No verification (only when written out; warned about at start).
    None,
}

/// The hash of a `verify = "hmac"` signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HmacAlgorithm {
    Sha1,
    Sha256,
    Sha512,
}

/// How a `verify = "hmac"` signature is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    Hex,
    Base64,
}

/// One `match` entry: where to look, and the values that let a request through.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Match {
    pub(crate) source: MatchSource,
    /// Any one of them matches (a single value is a list of one). Header values are strings.
    pub(crate) values: Vec<serde_json::Value>,
}

/// Where a `match` entry looks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum MatchSource {
    /// A JSON pointer (RFC 6901) into the body, `/ref`.
    Pointer(String),
    /// `header:NAME`: a request header (name compared case-insensitively).
    Header(String),
}

/// When a webhook request is answered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum Response {
    /// 202 as soon as the run is handed to the scheduler.
    #[default]
    Accepted,
    /// After the run, with its result (at most the job's timeout).
    Wait,
}

/// `rate_limit = "100/s"`: at most `count` requests per `per`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RateLimit {
    pub(crate) count: u32,
    pub(crate) per: Duration,
}

/// What a job runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Action {
    Shell {
        command: String,
        /// The shell that runs `command` with `-c`; `/bin/sh` when `None`.
        shell: Option<String>,
        workdir: Option<PathBuf>,
    },
    Http(HttpSpec),
}

/// An HTTP call. Strings may hold `${VAR}` references, expanded at run time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HttpSpec {
    /// Upper-case method, `GET` by default.
    pub(crate) method: String,
    pub(crate) url: String,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Option<String>,
    /// Status codes that count as success; empty means any 2xx.
    pub(crate) expect: Vec<u16>,
}

/// Where and when to send a run's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Notify {
    pub(crate) url: String,
    pub(crate) on: NotifyOn,
    /// HMAC key (may be a `${VAR}` reference).
    pub(crate) secret: Option<String>,
    pub(crate) format: NotifyFormat,
    pub(crate) signature: SignatureScheme,
}

impl Job {
    /// The total time an HTTP call of this job may take.
    pub(crate) fn http_timeout(&self) -> Duration {
        self.timeout.unwrap_or(DEFAULT_HTTP_TIMEOUT)
    }

    /// A one-line summary of what the job runs, for tables.
    pub(crate) fn action_summary(&self) -> String {
        match &self.action {
            Action::Shell { command, .. } => command.clone(),
            Action::Http(http) => format!("{} {}", http.method, http.url),
        }
    }
}

impl Webhook {
    /// `webhook POST /hooks/deploy (github)`: the trigger in one line, for tables.
    pub(crate) fn summary(&self) -> String {
        format!(
            "webhook {} {} ({})",
            self.methods.join(","),
            self.path,
            self.verify.kind().as_str()
        )
    }
}

impl Verify {
    /// The preset's name as written.
    pub(crate) fn kind(&self) -> VerifyKind {
        match self {
            Verify::Github => VerifyKind::Github,
            Verify::Gitlab => VerifyKind::Gitlab,
            Verify::Stripe => VerifyKind::Stripe,
            Verify::Standard => VerifyKind::Standard,
            Verify::Slack => VerifyKind::Slack,
            Verify::Shopify => VerifyKind::Shopify,
            Verify::Hmac { .. } => VerifyKind::Hmac,
            Verify::Token { .. } => VerifyKind::Token,
            Verify::None => VerifyKind::None,
        }
    }
}

impl VerifyKind {
    /// Every preset, in the order the documentation lists them.
    pub(crate) const ALL: [VerifyKind; 9] = [
        VerifyKind::Github,
        VerifyKind::Gitlab,
        VerifyKind::Stripe,
        VerifyKind::Standard,
        VerifyKind::Slack,
        VerifyKind::Shopify,
        VerifyKind::Hmac,
        VerifyKind::Token,
        VerifyKind::None,
    ];

    /// The name as written in the job file.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            VerifyKind::Github => "github",
            VerifyKind::Gitlab => "gitlab",
            VerifyKind::Stripe => "stripe",
            VerifyKind::Standard => "standard",
            VerifyKind::Slack => "slack",
            VerifyKind::Shopify => "shopify",
            VerifyKind::Hmac => "hmac",
            VerifyKind::Token => "token",
            VerifyKind::None => "none",
        }
    }
}

impl HmacAlgorithm {
    /// The name as written in the job file.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            HmacAlgorithm::Sha1 => "sha1",
            HmacAlgorithm::Sha256 => "sha256",
            HmacAlgorithm::Sha512 => "sha512",
        }
    }
}

impl Encoding {
    /// The name as written in the job file.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Encoding::Hex => "hex",
            Encoding::Base64 => "base64",
        }
    }
}

impl Response {
    /// The name as written in the job file.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Response::Accepted => "accepted",
            Response::Wait => "wait",
        }
    }
}

impl RateLimit {
    /// `100/s`, as written.
    pub(crate) fn as_string(&self) -> String {
        let unit = match self.per.as_secs() {
            1 => "s",
            60 => "m",
            _ => "h",
        };
        format!("{}/{unit}", self.count)
    }
}

impl Overlap {
    /// The name as written in the job file.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Overlap::Skip => "skip",
            Overlap::Queue => "queue",
            Overlap::Allow => "allow",
        }
    }
}

impl CatchUp {
    /// The name as written in the job file.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            CatchUp::None => "none",
            CatchUp::Once => "once",
        }
    }
}

impl NotifyFormat {
    /// The name as written in the job file.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            NotifyFormat::Json => "json",
            NotifyFormat::Slack => "slack",
            NotifyFormat::Discord => "discord",
        }
    }
}

impl SignatureScheme {
    /// The name as written in the job file.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            SignatureScheme::Standard => "standard",
            SignatureScheme::Jobtab => "jobtab",
        }
    }
}

impl NotifyOn {
    /// The name as written in the job file.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            NotifyOn::Failure => "failure",
            NotifyOn::Success => "success",
            NotifyOn::Always => "always",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn triggers(schedule: &str) -> Triggers {
        Triggers::from_schedule(Schedule::parse(schedule).unwrap())
    }

    #[test]
    fn reboot_is_a_start_trigger_without_a_schedule() {
        for written in ["@reboot", "@Reboot"] {
            let start = triggers(written);
            assert!(start.at_start && start.at_start_only(), "{written}");
            assert!(start.schedule.is_none());
            assert_eq!(start.as_str(), written);
            assert_eq!(start.next_after(Utc::now(), Zone::Local), None);
            assert!(start.upcoming(Utc::now(), Zone::Local, 3).is_empty());
            assert_eq!(start.describe(), crate::schedule::AT_START);
        }
    }

    #[test]
    fn a_calendar_schedule_is_a_schedule_trigger() {
        let daily = triggers("0 2 * * *");
        assert!(!daily.at_start && !daily.at_start_only());
        assert_eq!(daily.as_str(), "0 2 * * *");
        let after = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .unwrap()
            .to_utc();
        let next = daily.next_after(after, Zone::parse("UTC").unwrap());
        assert_eq!(next.unwrap().to_rfc3339(), "2026-01-01T02:00:00+00:00");
        assert!(!daily.has_seconds() && triggers("* * * * * *").has_seconds());
        assert!(daily.same_as(&triggers("0 2 * * *")));
        assert!(!daily.same_as(&triggers("0 3 * * *")));
    }
}
