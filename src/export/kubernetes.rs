//! `jobtab export --format kubernetes`: a ConfigMap holding the job file and one `batch/v1`
//! CronJob per enabled job, each running `jobtab exec NAME` in the given image (PRODUCT.md
//! section 7).
//!
//! How jobtab's settings map, and why:
//!
//! - `schedule`: the five fields as written (Kubernetes' robfig/cron parser reads names and
//!   ranges the same way); day of week 7 is rewritten as 0, which robfig refuses. Refused with
//!   the reason: seconds and year fields, `@reboot`, `L`, `W` and `#` (robfig knows none of
//!   them), and day fields that Vixie cron and robfig combine differently (`*/2` counts as
//!   unrestricted for Vixie, as restricted for robfig).
//! - `timeZone`: the job's zone; for the local zone, the IANA name of the zone of the machine
//!   that exports (what `jobtab next` shows there), or none with a comment when it is unknown.
//! - `concurrencyPolicy`: skip → Forbid, allow → Allow, queue → Forbid with a comment
//!   (Kubernetes has no queue).
//! - `startingDeadlineSeconds`: catch_up = "none" → 60: a run that cannot start within a
//!   minute of its time (controller down, cluster asleep) is skipped, as jobtab skips missed
//!   runs; not less, because the controller only looks every ~10 s. catch_up = "once" → not
//!   set: after an outage the controller starts the most recent missed run once (Kubernetes
//!   1.21+ does so however many were missed, with a TooManyMissedTimes warning past 100).
//! - `activeDeadlineSeconds`: `run_budget` (every attempt, retry delays, margins); not set for
//!   a shell job without a timeout.
//! - `backoffLimit: 0`, `restartPolicy: Never`: `jobtab exec` does its own retries.
//! - The `${VAR}`s a job uses come from the `--secret` Secret, one `secretKeyRef` each.
//! - Daylight saving: Kubernetes skips a fixed-time job's time that a spring-forward change
//!   removes and runs one that a fall-back change repeats twice (`jobtab run` and cron run
//!   each once): the CronJob of a job that a change of its zone affects says so in a comment,
//!   and the export in a note (`dst`).

use std::collections::BTreeSet;
use std::fmt::Write as _;

use chrono::{DateTime, Utc};

use super::dst::{Changes, Target, comment_lines, differences};
use super::names::{CRONJOB_NAME_MAX, dns_names, is_dns_label, is_label_value};
use super::vars::job_vars;
use super::yaml::{block, comment_text, scalar};
use super::{Budget, Refusal, Refused, budget};
use crate::store::{CatchUp, Job, Overlap, Triggers};
use crate::zone::Zone;

/// The ConfigMap that holds the job file.
pub(crate) const CONFIGMAP_NAME: &str = "jobtab-jobs";
/// Where the ConfigMap is mounted in the pods.
pub(crate) const MOUNT_DIR: &str = "/etc/jobtab";
/// The job file inside the pods.
pub(crate) const JOB_FILE: &str = "/etc/jobtab/jobs.toml";
/// jobtab's state dir inside the pods (an emptyDir: history lives as long as the pod).
pub(crate) const STATE_DIR: &str = "/var/lib/jobtab";
/// `startingDeadlineSeconds` for catch_up = "none".
pub(crate) const NO_CATCH_UP_DEADLINE: u64 = 60;
/// Kept finished Jobs of each kind per CronJob.
const HISTORY_LIMIT: u32 = 3;
/// The nicknames robfig/cron (and so Kubernetes) accepts.
const NICKNAMES: [&str; 7] = [
    "@yearly",
    "@annually",
    "@monthly",
    "@weekly",
    "@daily",
    "@midnight",
    "@hourly",
];

/// What `--image`, `--namespace` and `--secret` say, and the exporting machine's zone name.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    pub(crate) image: String,
    pub(crate) namespace: Option<String>,
    pub(crate) secret: Option<String>,
    /// The IANA name of the local zone, for jobs in `Zone::Local`; `None` when unknown.
    pub(crate) local_zone: Option<String>,
    /// The time of the export: daylight-saving changes from then on are checked.
    pub(crate) now: DateTime<Utc>,
}

/// What an export prints: the manifests, and notes for stderr.
#[derive(Debug, Clone)]
pub(crate) struct Manifests {
    pub(crate) yaml: String,
    /// One line each, for the user (what runs differently from `jobtab run`).
    pub(crate) notes: Vec<String>,
}

impl Options {
    /// Checks the names the user gave; the error says what a valid one looks like.
    pub(crate) fn check(&self) -> Result<(), String> {
        if self.image.trim().is_empty() || self.image.chars().any(char::is_whitespace) {
            return Err(format!(
                "invalid --image {:?}: give an image reference without spaces, like \
                 registry.example/jobtab:1",
                self.image
            ));
        }
        if let Some(ns) = &self.namespace
            && !is_dns_label(ns, 63)
        {
            return Err(format!(
                "invalid --namespace {ns:?}: a namespace is 1-63 lowercase letters, digits and \
                 '-', starting and ending with a letter or digit"
            ));
        }
        if let Some(secret) = &self.secret
            && !(secret.len() <= 253 && secret.split('.').all(|part| is_dns_label(part, 63)))
        {
            return Err(format!(
                "invalid --secret {secret:?}: a Secret name is lowercase letters, digits, '-' \
                 and '.', like jobtab-secrets"
            ));
        }
        Ok(())
    }
}

/// The manifests for the enabled jobs of a job file whose text is `file_text`, or every job
/// that cannot be exported and why.
pub(crate) fn manifests(
    file_text: &str,
    jobs: &[Job],
    options: &Options,
) -> Result<Manifests, Refused> {
    let jobs: Vec<&Job> = jobs.iter().filter(|job| job.enabled).collect();
    let mut refusals = Vec::new();
    let mut schedules = Vec::new();
    let mut secret_vars = Vec::new();
    for job in &jobs {
        match kube_schedule(&job.triggers) {
            Ok(schedule) => schedules.push(schedule),
            Err(reason) => refusals.push(Refusal {
                job: job.name.clone(),
                reason,
            }),
        }
        let vars = job_vars(job);
        if !vars.is_empty() && options.secret.is_none() {
            let list: Vec<String> = vars.iter().map(|v| format!("${{{v}}}")).collect();
            refusals.push(Refusal {
                job: job.name.clone(),
                reason: format!(
                    "it uses {}: pass --secret NAME, a Secret holding a key for each",
                    list.join(", ")
                ),
            });
        }
        secret_vars.push(vars);
    }
    if !refusals.is_empty() {
        return Err(Refused {
            target: "Kubernetes",
            refusals,
        });
    }
    let names: Vec<&str> = jobs.iter().map(|job| job.name.as_str()).collect();
    let dns = dns_names(&names, CRONJOB_NAME_MAX);
    let mut out = String::new();
    out.push_str(
        "# Generated by `jobtab export --format kubernetes`: the job file as a ConfigMap\n",
    );
    out.push_str("# and one CronJob per enabled job, each running `jobtab exec NAME`.\n");
    configmap(&mut out, file_text, options);
    let mut changes = Changes::new(options.now);
    let mut notes = Vec::new();
    for (i, job) in jobs.iter().enumerate() {
        let zone = cronjob_zone(job, options);
        let dst = match zone.as_deref().map(Zone::parse) {
            Some(Ok(zone)) => match &job.triggers.schedule {
                Some(schedule) => differences(schedule, zone, Target::Kubernetes, &mut changes),
                None => Vec::new(),
            },
            _ => Vec::new(),
        };
        for difference in &dst {
            notes.push(format!("job {:?}: daylight saving: {difference}", job.name));
        }
        if job.triggers.webhook.is_some() {
            notes.push(super::webhook_note(job));
        }
        let cronjob_spec = CronJobSpec {
            name: &dns[i],
            schedule: &schedules[i],
            zone,
            vars: &secret_vars[i],
            dst: &dst,
        };
        cronjob(&mut out, job, &cronjob_spec, options);
    }
    Ok(Manifests { yaml: out, notes })
}

/// The `timeZone` of a job's CronJob: its zone, or for the local zone the exporting
/// machine's, when known.
fn cronjob_zone(job: &Job, options: &Options) -> Option<String> {
    match job.zone {
        Zone::Named(tz) => Some(tz.name().to_owned()),
        Zone::Local => options.local_zone.clone(),
    }
}

/// What `cronjob` writes besides the job's own settings.
struct CronJobSpec<'a> {
    name: &'a str,
    schedule: &'a str,
    zone: Option<String>,
    vars: &'a BTreeSet<String>,
    /// How Kubernetes runs the job differently on daylight-saving days.
    dst: &'a [String],
}

/// Why a job with only a webhook trigger is not exported.
const WEBHOOK_ONLY: &str = "it runs only on webhook deliveries, which a CronJob cannot receive: \
     it needs `jobtab run --listen`";

/// The schedule as Kubernetes' parser reads it with the same meaning, or why there is none.
pub(crate) fn kube_schedule(triggers: &Triggers) -> Result<String, String> {
    // Destructured so that a new kind of trigger has to be decided on here.
    // A webhook needs `jobtab run --listen`; a job with a schedule too exports its schedule
    // (`manifests` notes that the webhook is left out).
    let Triggers {
        written: _,
        schedule,
        at_start,
        webhook: _,
        jitter,
        after,
        after_status: _,
    } = triggers;
    if triggers.webhook_only_job() {
        return Err(WEBHOOK_ONLY.to_owned());
    }
    if !after.is_empty() {
        return Err(format!(
            "it runs after {} (`after`), which a CronJob cannot express: Kubernetes has no \
             job that starts when another ends; run the chain with `jobtab run`, or export \
             to systemd",
            after.join(", ")
        ));
    }
    if let (Some(schedule), Some(jitter)) = (schedule, jitter)
        && !jitter.offset.is_zero()
    {
        // The minute field shifted by this machine's offset, when that is exact.
        let shifted = crate::jitter::shifted_crontab(schedule, jitter.offset)?;
        let shifted = crate::schedule::Schedule::parse(&shifted).map_err(|e| e.to_string())?;
        return kube_schedule(&Triggers::from_schedule(shifted));
    }
    let (false, Some(schedule)) = (at_start, schedule) else {
        return Err(
            "@reboot has no Kubernetes equivalent: a CronJob runs on a calendar \
                    schedule, never at boot"
                .to_owned(),
        );
    };
    let text = schedule.as_str();
    if text.starts_with('@') {
        let lower = text.to_ascii_lowercase();
        if NICKNAMES.contains(&lower.as_str()) {
            return Ok(lower);
        }
    }
    if schedule.has_seconds() {
        return Err(
            "its schedule has a seconds field; Kubernetes schedules have five fields, \
                    minutes at most"
                .to_owned(),
        );
    }
    let fields = schedule
        .fields()
        .ok_or_else(|| format!("its schedule {text:?} has no cron fields"))?;
    for (name, field) in [
        ("day-of-month", &fields.day_of_month),
        ("day-of-week", &fields.day_of_week),
    ] {
        if field.contains(['L', 'l', 'W', 'w', '#']) {
            return Err(format!(
                "its {name} {field:?} uses L, W or #, which Kubernetes' cron parser does not \
                 accept"
            ));
        }
    }
    // Vixie: a day field starting with `*` is unrestricted. robfig: only `*` (or `*/1`) is.
    let robfig_star = |field: &str| field.split(',').any(|item| item == "*" || item == "*/1");
    let vixie_and = fields.dom_star || fields.dow_star;
    let robfig_and = robfig_star(&fields.day_of_month) || robfig_star(&fields.day_of_week);
    if vixie_and != robfig_and {
        return Err(format!(
            "its day-of-month {:?} and day-of-week {:?} combine differently in Kubernetes: cron \
             counts a field starting with * as unrestricted (days must match both), Kubernetes \
             does not (days match either); write the day-of-month as a list or a range",
            fields.day_of_month, fields.day_of_week
        ));
    }
    let mut parts: Vec<String> = text.split_whitespace().map(str::to_owned).collect();
    if parts.len() != 5 {
        return Err(format!("its schedule {text:?} does not have five fields"));
    }
    // robfig accepts weekdays 0-6 only: a 7 written as a value or range end becomes 0.
    if names_seven(&fields.day_of_week) {
        let days: BTreeSet<u32> = weekday_values(&fields.day_of_week)?
            .into_iter()
            .map(|d| d % 7)
            .collect();
        parts[4] = days
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(",");
    }
    Ok(parts.join(" "))
}

/// Whether a numeric day-of-week field names 7 as a value or a range end (`*` and `*/n` mean
/// the same to robfig, whose weekdays end at 6).
fn names_seven(field: &str) -> bool {
    field.split(',').any(|item| {
        let range = item.split('/').next().unwrap_or(item);
        range.split('-').any(|end| end == "7")
    })
}

/// The values of a numeric day-of-week field (0-7, 7 kept).
fn weekday_values(field: &str) -> Result<BTreeSet<u32>, String> {
    let bad = || format!("its day-of-week {field:?} cannot be converted");
    let mut out = BTreeSet::new();
    for item in field.split(',') {
        let (range, step) = match item.split_once('/') {
            Some((range, step)) => (range, step.parse::<usize>().map_err(|_| bad())?),
            None => (item, 1),
        };
        let number = |t: &str| t.parse::<u32>().ok().filter(|n| *n <= 7).ok_or_else(bad);
        let (a, b) = match range.split_once('-') {
            _ if range == "*" => (0, 7),
            Some((a, b)) => (number(a)?, number(b)?),
            None if step > 1 => (number(range)?, 7),
            None => (number(range)?, number(range)?),
        };
        if step == 0 {
            return Err(bad());
        }
        out.extend((a..=b).step_by(step));
    }
    Ok(out)
}

/// `metadata:` at `indent`: the name and namespace when given (templates inside a CronJob
/// have neither), the managed-by label, and the job's name as a label, or as an annotation
/// when it is not a valid label value.
fn metadata(
    out: &mut String,
    name: Option<&str>,
    namespace: Option<&str>,
    job: Option<&str>,
    indent: usize,
) {
    let pad = " ".repeat(indent);
    let _ = writeln!(out, "{pad}metadata:");
    if let Some(name) = name {
        let _ = writeln!(out, "{pad}  name: {}", scalar(name));
    }
    if let Some(ns) = namespace {
        let _ = writeln!(out, "{pad}  namespace: {}", scalar(ns));
    }
    let _ = writeln!(out, "{pad}  labels:");
    let _ = writeln!(out, "{pad}    app.kubernetes.io/managed-by: jobtab");
    if let Some(job) = job {
        if is_label_value(job) {
            let _ = writeln!(out, "{pad}    jobtab/job: {}", scalar(job));
        } else {
            let _ = writeln!(out, "{pad}  annotations:");
            let _ = writeln!(out, "{pad}    jobtab/job: {}", scalar(job));
        }
    }
}

fn configmap(out: &mut String, file_text: &str, options: &Options) {
    out.push_str("---\napiVersion: v1\nkind: ConfigMap\n");
    metadata(
        out,
        Some(CONFIGMAP_NAME),
        options.namespace.as_deref(),
        None,
        0,
    );
    out.push_str("data:\n");
    let _ = write!(out, "  jobs.toml:{}", block(file_text, 2));
}

/// One job's CronJob: the header, its schedule and policies, and the Job it starts.
fn cronjob(out: &mut String, job: &Job, spec: &CronJobSpec<'_>, options: &Options) {
    cronjob_header(out, job, spec.name, options);
    cronjob_schedule(out, job, spec);
    cronjob_policies(out, job);
    job_template(out, job, spec.vars, options);
}

/// The CronJob's opening: the job's name and description as comments, its kind and metadata.
fn cronjob_header(out: &mut String, job: &Job, name: &str, options: &Options) {
    out.push_str("---\n");
    let _ = writeln!(
        out,
        "# jobtab job {}",
        comment_text(&format!("{:?}", job.name))
    );
    if let Some(description) = &job.description {
        let _ = writeln!(out, "# {}", comment_text(description));
    }
    out.push_str("apiVersion: batch/v1\nkind: CronJob\n");
    metadata(
        out,
        Some(name),
        options.namespace.as_deref(),
        Some(&job.name),
        0,
    );
}

/// `spec:` up to the zone: the daylight-saving differences as comments, `schedule` and
/// `timeZone` (or a comment saying why there is none).
fn cronjob_schedule(out: &mut String, job: &Job, spec: &CronJobSpec<'_>) {
    out.push_str("spec:\n");
    for difference in spec.dst {
        out.push_str(&comment_lines(
            &comment_text(&format!("daylight saving: {difference}")),
            "  # ",
            100,
        ));
    }
    let _ = writeln!(out, "  schedule: {}", scalar(spec.schedule));
    match &spec.zone {
        Some(zone) => {
            if job.zone == Zone::Local {
                out.push_str(
                    "  # the job has no timezone: the zone of the machine that exported\n",
                );
            }
            let _ = writeln!(out, "  timeZone: {}", scalar(zone));
        }
        None => out.push_str(
            "  # no timeZone: the job uses the local zone, whose name is unknown here, so the\n  \
             # zone of the kube-controller-manager applies; set `timezone` in the job file\n",
        ),
    }
}

/// `concurrencyPolicy` from `overlap`, `startingDeadlineSeconds` from `catch_up`, and the
/// kept history.
fn cronjob_policies(out: &mut String, job: &Job) {
    match job.overlap {
        Overlap::Skip => out.push_str("  concurrencyPolicy: Forbid\n"),
        Overlap::Allow => out.push_str("  concurrencyPolicy: Allow\n"),
        Overlap::Queue => out.push_str(
            "  # overlap = \"queue\": Kubernetes has no queue policy; a run due while the \
             previous one\n  # still runs is skipped\n  concurrencyPolicy: Forbid\n",
        ),
    }
    match job.catch_up {
        CatchUp::None => {
            let _ = writeln!(
                out,
                "  # catch_up = \"none\": a run that cannot start within a minute of its time is \
                 skipped\n  startingDeadlineSeconds: {NO_CATCH_UP_DEADLINE}"
            );
        }
        CatchUp::Once => out.push_str(
            "  # catch_up = \"once\": no startingDeadlineSeconds, so after an outage the most \
             recent\n  # missed run is started once\n",
        ),
    }
    let _ = writeln!(out, "  successfulJobsHistoryLimit: {HISTORY_LIMIT}");
    let _ = writeln!(out, "  failedJobsHistoryLimit: {HISTORY_LIMIT}");
}

/// `jobTemplate:`, the Job each run is: no retries of its own, its deadline, and the pod
/// running the one container.
fn job_template(out: &mut String, job: &Job, vars: &BTreeSet<String>, options: &Options) {
    out.push_str("  jobTemplate:\n");
    metadata(out, None, None, Some(&job.name), 4);
    out.push_str("    spec:\n");
    out.push_str("      # jobtab exec retries by itself\n      backoffLimit: 0\n");
    active_deadline(out, job);
    out.push_str("      template:\n");
    metadata(out, None, None, Some(&job.name), 8);
    out.push_str("        spec:\n");
    out.push_str("          restartPolicy: Never\n");
    out.push_str("          containers:\n");
    container(out, job, vars, options);
    volumes(out);
}

/// `activeDeadlineSeconds` from the job's whole budget, or a comment saying why there is none.
fn active_deadline(out: &mut String, job: &Job) {
    match budget(job) {
        Budget::Seconds(seconds) => {
            let _ = writeln!(
                out,
                "      # every attempt up to the timeout, the retry delays, and a minute to start\n      \
                 activeDeadlineSeconds: {seconds}"
            );
        }
        Budget::NoTimeout => {
            out.push_str("      # no activeDeadlineSeconds: the job has no timeout\n");
        }
        Budget::TooLong => out.push_str(
            "      # no activeDeadlineSeconds: with its retries the job may take over a year; \
             jobtab exec\n      # still ends each attempt at the timeout\n",
        ),
    }
}

/// The one container: the image running `jobtab exec NAME` on the mounted job file, with the
/// job's `${VAR}`s from the Secret.
fn container(out: &mut String, job: &Job, vars: &BTreeSet<String>, options: &Options) {
    out.push_str("            - name: jobtab\n");
    let _ = writeln!(out, "              image: {}", scalar(&options.image));
    out.push_str("              command:\n                - jobtab\n");
    out.push_str("              args:\n");
    for arg in [
        "--file",
        JOB_FILE,
        "--state-dir",
        STATE_DIR,
        "exec",
        &job.name,
    ] {
        let _ = writeln!(out, "                - {}", scalar(arg));
    }
    if let (false, Some(secret)) = (vars.is_empty(), &options.secret) {
        out.push_str("              env:\n");
        for var in vars {
            let _ = writeln!(out, "                - name: {}", scalar(var));
            out.push_str("                  valueFrom:\n");
            out.push_str("                    secretKeyRef:\n");
            let _ = writeln!(out, "                      name: {}", scalar(secret));
            let _ = writeln!(out, "                      key: {}", scalar(var));
        }
    }
    out.push_str("              volumeMounts:\n");
    out.push_str("                - name: jobs\n");
    let _ = writeln!(out, "                  mountPath: {}", scalar(MOUNT_DIR));
    out.push_str("                  readOnly: true\n");
    out.push_str("                - name: state\n");
    let _ = writeln!(out, "                  mountPath: {}", scalar(STATE_DIR));
}

/// The pod's volumes: the job file's ConfigMap and an emptyDir for the state.
fn volumes(out: &mut String) {
    out.push_str("          volumes:\n");
    out.push_str("            - name: jobs\n");
    out.push_str("              configMap:\n");
    let _ = writeln!(out, "                name: {CONFIGMAP_NAME}");
    out.push_str("            - name: state\n");
    out.push_str("              emptyDir: {}\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::Schedule;

    fn schedule(text: &str) -> Result<String, String> {
        kube_schedule(&Triggers::from_schedule(Schedule::parse(text).unwrap()))
    }

    #[test]
    fn a_webhook_alone_has_no_schedule_and_beside_one_is_left_out() {
        let (jobs, problems) = crate::store::parse(
            "[jobs.hook]\ncommand = \"true\"\nwebhook = { verify = \"none\" }\n\
             [jobs.both]\nschedule = \"@daily\"\ncommand = \"true\"\n\
             webhook = { verify = \"none\" }\n",
        );
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(
            kube_schedule(&jobs[0].triggers),
            Err(WEBHOOK_ONLY.to_owned())
        );
        assert_eq!(kube_schedule(&jobs[1].triggers).as_deref(), Ok("@daily"));
    }

    #[test]
    fn schedules_pass_through_when_kubernetes_reads_them_the_same() {
        assert_eq!(schedule("0 2 * * *").unwrap(), "0 2 * * *");
        assert_eq!(schedule("30 6 * * MON-fri").unwrap(), "30 6 * * MON-fri");
        assert_eq!(schedule("@Daily").unwrap(), "@daily");
        assert_eq!(schedule("@midnight").unwrap(), "@midnight");
        assert_eq!(schedule("0 0 15 * 5").unwrap(), "0 0 15 * 5");
        assert_eq!(schedule("0 0 * * */2").unwrap(), "0 0 * * */2");
        assert_eq!(schedule("0 0 * * 7").unwrap(), "0 0 * * 0");
        assert_eq!(schedule("0 0 * * 5-7").unwrap(), "0 0 * * 0,5,6");
        assert_eq!(schedule("0 0 * * sun").unwrap(), "0 0 * * sun");
    }

    #[test]
    fn schedules_kubernetes_cannot_read_are_refused_with_the_reason() {
        assert!(schedule("@reboot").unwrap_err().contains("@reboot"));
        assert!(schedule("*/5 * * * * *").unwrap_err().contains("seconds"));
        assert!(
            schedule("0 0 0 1 1 * 2030")
                .unwrap_err()
                .contains("seconds")
        );
        assert!(schedule("0 0 L * *").unwrap_err().contains("L, W or #"));
        assert!(schedule("0 0 15W * *").unwrap_err().contains("L, W or #"));
        assert!(schedule("0 0 * * 1#2").unwrap_err().contains("L, W or #"));
        assert!(schedule("0 0 * * 5L").unwrap_err().contains("L, W or #"));
        let err = schedule("0 0 */2 * 1").unwrap_err();
        assert!(err.contains("combine differently"), "{err}");
    }

    #[test]
    fn daylight_saving_differences_are_a_comment_and_a_note() {
        let text = "[jobs.early]\nschedule = \"30 2 * * *\"\ntimezone = \"America/New_York\"\n\
                    command = \"true\"\n[jobs.noon]\nschedule = \"0 12 * * *\"\n\
                    command = \"true\"\n";
        let (jobs, problems) = crate::store::parse(text);
        assert!(problems.is_empty(), "{problems:?}");
        let options = Options {
            image: "i:1".into(),
            namespace: None,
            secret: None,
            // The local job runs in New York too, at a time no change touches.
            local_zone: Some("America/New_York".into()),
            now: DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
                .unwrap()
                .with_timezone(&Utc),
        };
        let out = manifests(text, &jobs, &options).unwrap();
        assert_eq!(
            out.notes,
            [
                "job \"early\": daylight saving: in America/New_York, on the days clocks spring \
              forward over 02:00-03:00 (next: 2026-03-08), Kubernetes skips its run; `jobtab \
              run` and cron run it once, right after the change"
            ]
        );
        assert!(
            out.yaml.contains(
                "spec:\n  # daylight saving: in America/New_York, on the days clocks spring \
                 forward over 02:00-03:00 (next:\n  # 2026-03-08), Kubernetes skips its run; \
                 `jobtab run` and cron run it once, right after the change\n  \
                 schedule: \"30 2 * * *\"\n"
            ),
            "{}",
            out.yaml
        );
        assert_eq!(
            out.yaml.matches("daylight saving").count(),
            1,
            "{}",
            out.yaml
        );
    }

    #[test]
    fn options_are_checked() {
        let ok = Options {
            image: "registry.example/jobtab:1".into(),
            namespace: Some("prod-1".into()),
            secret: Some("jobtab.secrets".into()),
            local_zone: None,
            now: Utc::now(),
        };
        assert_eq!(ok.check(), Ok(()));
        let bad_ns = Options {
            namespace: Some("Prod".into()),
            ..ok.clone()
        };
        assert!(bad_ns.check().unwrap_err().contains("--namespace"));
        let bad_secret = Options {
            secret: Some("a_b".into()),
            ..ok.clone()
        };
        assert!(bad_secret.check().unwrap_err().contains("--secret"));
        let bad_image = Options {
            image: "a b".into(),
            ..ok
        };
        assert!(bad_image.check().unwrap_err().contains("--image"));
    }
}
