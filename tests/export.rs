//! Integration tests: `export --format kubernetes|systemd`, run end to end on the built
//! binary. The Kubernetes YAML is read back with a real YAML parser; the systemd timers are
//! checked against `systemd-analyze` and `jobtab explain` where systemd is installed.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use serde_norway::Value;

use crate::util::{Env, stdout};

/// Every YAML document of a multi-document stream.
fn documents(yaml: &str) -> Vec<Value> {
    serde_norway::Deserializer::from_str(yaml)
        .map(|doc| serde::Deserialize::deserialize(doc).unwrap())
        .collect()
}

fn cronjob<'a>(docs: &'a [Value], job: &str) -> &'a Value {
    docs.iter()
        .filter(|d| d["kind"] == "CronJob")
        .find(|d| {
            d["metadata"]["labels"]["jobtab/job"] == job
                || d["metadata"]["annotations"]["jobtab/job"] == job
        })
        .unwrap_or_else(|| panic!("no CronJob for job {job}"))
}

fn container(cronjob: &Value) -> &Value {
    &cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
}

/// A job file whose text is awkward for YAML: a first line starting with spaces, quotes,
/// `: ` and `#` in values, `${VAR}`s, and three newlines at the end.
const JOBS: &str = "  # indented first line\n\
[defaults]\n\
timeout = \"1h\"\n\
\n\
[jobs.backup]\n\
description = \"nightly: dump # 1\"\n\
schedule = \"0 2 * * *\"\n\
timezone = \"Europe/Berlin\"\n\
command = \"pg_dump \\\"app\\\" > /b/app-$(date +%F).sql\"\n\
timeout = \"30m\"\n\
retries = 2\n\
retry_delay = \"30s\"\n\
catch_up = \"once\"\n\
\n\
[jobs.ping_api]\n\
schedule = \"*/5 * * * *\"\n\
overlap = \"allow\"\n\
http = { url = \"https://api.example.com/${TENANT}/health\" }\n\
\n\
[jobs.\"queue.me\"]\n\
schedule = \"@daily\"\n\
overlap = \"queue\"\n\
command = \"echo ${GREETING}\"\n\
\n\
[jobs.ping-api]\n\
schedule = \"0 * * * *\"\n\
command = \"true\"\n\
\n\
[jobs.Ping_API]\n\
schedule = \"0 3 * * 7\"\n\
command = \"true\"\n\
\n\
[jobs.off]\n\
schedule = \"* * * * *\"\n\
command = \"true\"\n\
enabled = false\n\
\n\n";

#[test]
fn kubernetes_manifests_parse_and_carry_every_setting() {
    let env = Env::new();
    std::fs::write(&env.file, JOBS).unwrap();
    let yaml = env.ok([
        "export",
        "--format",
        "kubernetes",
        "--image",
        "registry.example/jobtab:1",
        "--namespace",
        "batch-jobs",
        "--secret",
        "jobtab-secrets",
    ]);
    let docs = documents(&yaml);
    // A ConfigMap and one CronJob per enabled job; the disabled one is left out.
    assert_eq!(docs.len(), 6, "{yaml}");
    let configmap = &docs[0];
    assert_eq!(configmap["kind"], "ConfigMap");
    assert_eq!(configmap["metadata"]["name"], "jobtab-jobs");
    assert_eq!(
        configmap["data"]["jobs.toml"].as_str(),
        Some(JOBS),
        "{yaml}"
    );
    assert!(!yaml.contains("jobtab/job: \"off\"") && !yaml.contains("exec\n                - off"));
    for doc in &docs {
        assert_eq!(doc["metadata"]["namespace"], "batch-jobs");
        assert_eq!(
            doc["metadata"]["labels"]["app.kubernetes.io/managed-by"],
            "jobtab"
        );
    }

    let backup = cronjob(&docs, "backup");
    assert_eq!(backup["apiVersion"], "batch/v1");
    assert_eq!(backup["metadata"]["name"], "backup");
    assert_eq!(backup["spec"]["schedule"], "0 2 * * *");
    assert_eq!(backup["spec"]["timeZone"], "Europe/Berlin");
    assert_eq!(backup["spec"]["concurrencyPolicy"], "Forbid");
    // catch_up = "once": no deadline, so the most recent missed run starts.
    assert!(
        backup["spec"].get("startingDeadlineSeconds").is_none(),
        "{yaml}"
    );
    let job_spec = &backup["spec"]["jobTemplate"]["spec"];
    assert_eq!(job_spec["backoffLimit"], 0);
    // 3 attempts of 30m (+5s), delays 30s and 60s (+20%), a minute to start.
    assert_eq!(job_spec["activeDeadlineSeconds"], 3 * 1805 + 36 + 72 + 60);
    assert_eq!(job_spec["template"]["spec"]["restartPolicy"], "Never");
    let c = container(backup);
    assert_eq!(c["image"], "registry.example/jobtab:1");
    let argv: Vec<&str> = c["command"]
        .as_sequence()
        .unwrap()
        .iter()
        .chain(c["args"].as_sequence().unwrap())
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(
        argv,
        [
            "jobtab",
            "--file",
            "/etc/jobtab/jobs.toml",
            "--state-dir",
            "/var/lib/jobtab",
            "exec",
            "backup"
        ]
    );
    assert!(c.get("env").is_none(), "backup uses no ${{VAR}}");
    assert_eq!(c["volumeMounts"][0]["mountPath"], "/etc/jobtab");
    let pod = &job_spec["template"]["spec"];
    assert_eq!(pod["volumes"][0]["configMap"]["name"], "jobtab-jobs");

    // Local zone with TZ=UTC: the machine's zone is UTC.
    let ping = cronjob(&docs, "ping_api");
    assert_eq!(ping["spec"]["timeZone"], "UTC");
    assert_eq!(ping["spec"]["schedule"], "*/5 * * * *");
    assert_eq!(ping["spec"]["concurrencyPolicy"], "Allow");
    assert_eq!(ping["spec"]["startingDeadlineSeconds"], 60);
    // HTTP job: the 1h default timeout per attempt.
    assert_eq!(
        ping["spec"]["jobTemplate"]["spec"]["activeDeadlineSeconds"],
        3600 + 5 + 60
    );
    let env_vars = &container(ping)["env"];
    assert_eq!(env_vars[0]["name"], "TENANT");
    assert_eq!(
        env_vars[0]["valueFrom"]["secretKeyRef"]["name"],
        "jobtab-secrets"
    );
    assert_eq!(env_vars[0]["valueFrom"]["secretKeyRef"]["key"], "TENANT");

    let queue = cronjob(&docs, "queue.me");
    assert_eq!(queue["spec"]["schedule"], "@daily");
    assert_eq!(queue["spec"]["concurrencyPolicy"], "Forbid");
    assert!(yaml.contains("Kubernetes has no queue policy"), "{yaml}");
    assert_eq!(container(queue)["env"][0]["name"], "GREETING");
    // The timeout from [defaults].
    assert_eq!(
        queue["spec"]["jobTemplate"]["spec"]["activeDeadlineSeconds"],
        3600 + 5 + 60
    );

    // Sunday written as 7 becomes 0 for Kubernetes' parser.
    assert_eq!(cronjob(&docs, "Ping_API")["spec"]["schedule"], "0 3 * * 0");

    // Names: RFC 1123 labels of at most 52 characters, unique; a valid name is kept.
    let names: Vec<&str> = docs[1..]
        .iter()
        .map(|d| d["metadata"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names.iter().collect::<BTreeSet<_>>().len(),
        names.len(),
        "{names:?}"
    );
    for name in &names {
        assert!(
            name.len() <= 52
                && name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                && !name.starts_with('-')
                && !name.ends_with('-'),
            "{name}"
        );
    }
    assert_eq!(cronjob(&docs, "ping-api")["metadata"]["name"], "ping-api");
    assert!(names.contains(&"queue-me"), "{names:?}");
    // The same file exports to the same text.
    let again = env.ok([
        "export",
        "--format",
        "kubernetes",
        "--image",
        "registry.example/jobtab:1",
        "--namespace",
        "batch-jobs",
        "--secret",
        "jobtab-secrets",
    ]);
    assert_eq!(again, yaml);
}

#[test]
fn kubernetes_refuses_what_it_cannot_schedule_by_name() {
    let env = Env::with_jobs(
        r#"
        [jobs.fast]
        schedule = "*/10 * * * * *"
        command = "true"

        [jobs.boot]
        schedule = "@reboot"
        command = "true"

        [jobs.last]
        schedule = "0 0 L * *"
        command = "true"

        [jobs.fine]
        schedule = "0 0 * * *"
        command = "true"
        "#,
    );
    let output = env.run(["export", "--format", "kubernetes", "--image", "i:1"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout(&output), "", "nothing is printed");
    let err = crate::util::stderr(&output);
    assert!(err.contains("cannot export 3 jobs to Kubernetes"), "{err}");
    assert!(
        err.contains("job \"fast\": its schedule has a seconds field"),
        "{err}"
    );
    assert!(
        err.contains("job \"boot\": @reboot has no Kubernetes equivalent"),
        "{err}"
    );
    assert!(
        err.contains("job \"last\": its day-of-month \"L\" uses L, W or #"),
        "{err}"
    );
    assert!(!err.contains("\"fine\""), "{err}");
}

#[test]
fn kubernetes_needs_a_secret_for_variables() {
    let env = Env::with_jobs(
        r#"
        [jobs.report]
        schedule = "0 6 * * *"
        http = { url = "https://x.example/${TENANT}", headers = { Authorization = "Bearer ${TOKEN}" } }
        "#,
    );
    let err = env.fails(["export", "--format", "kubernetes", "--image", "i:1"], 1);
    assert!(
        err.contains("job \"report\": it uses ${TENANT}, ${TOKEN}: pass --secret NAME"),
        "{err}"
    );
    let err = env.fails(
        [
            "export",
            "--format",
            "kubernetes",
            "--image",
            "i:1",
            "--secret",
            "Bad_Name",
        ],
        1,
    );
    assert!(err.contains("invalid --secret \"Bad_Name\""), "{err}");
    // --image is required for kubernetes (a usage error).
    env.fails(["export", "--format", "kubernetes"], 2);
}

#[test]
fn kubernetes_without_a_known_local_zone_leaves_the_zone_to_the_controller() {
    let env = Env::with_jobs(
        r#"
        [jobs.a]
        schedule = "0 1 * * *"
        command = "true"
        "#,
    );
    let output = env
        .cmd(["export", "--format", "kubernetes", "--image", "i:1"])
        .env("TZ", "Not/AZone")
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        crate::util::stderr(&output)
    );
    let yaml = stdout(&output);
    let docs = documents(&yaml);
    let a = cronjob(&docs, "a");
    assert!(a["spec"].get("timeZone").is_none(), "{yaml}");
    // A shell job without a timeout gets no deadline either.
    assert!(
        a["spec"]["jobTemplate"]["spec"]
            .get("activeDeadlineSeconds")
            .is_none()
    );
    assert!(
        yaml.contains("zone of the kube-controller-manager applies"),
        "{yaml}"
    );
}

#[test]
fn kubernetes_configmap_keeps_crlf_files_exactly() {
    let env = Env::new();
    let text = "[jobs.a]\r\nschedule = \"0 1 * * *\"\r\ncommand = \"true\"\r\n";
    std::fs::write(&env.file, text).unwrap();
    let yaml = env.ok(["export", "--format", "kubernetes", "--image", "i:1"]);
    assert_eq!(
        documents(&yaml)[0]["data"]["jobs.toml"].as_str(),
        Some(text)
    );
}

/// The units printed for `toml`, split at the `# ---- NAME` lines.
fn printed_units(env: &Env) -> Vec<(String, String)> {
    let out = env.ok(["export", "--format", "systemd"]);
    let mut units: Vec<(String, String)> = Vec::new();
    for line in out.split_inclusive('\n') {
        if let Some(name) = line.strip_prefix("# ---- ") {
            units.push((name.trim_end().to_owned(), String::new()));
        } else {
            units
                .last_mut()
                .expect("a separator first")
                .1
                .push_str(line);
        }
    }
    units
}

fn unit<'a>(units: &'a [(String, String)], name: &str) -> &'a str {
    &units
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no {name}"))
        .1
}

fn systemd_available() -> bool {
    let ok = Command::new("systemd-analyze")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("skipped the systemd-analyze part: systemd-analyze is not installed");
    }
    ok
}

const SYSTEMD_JOBS: &str = r#"
    [jobs.backup]
    description = "nightly dump, 100% done"
    schedule = "0 2 * * *"
    timezone = "Europe/Berlin"
    command = "true"
    timeout = "10m"
    catch_up = "once"

    [jobs.either]
    schedule = "0 0 13 * fri"
    command = "true"

    [jobs.both]
    schedule = "0 0 */2 * 1"
    timezone = "UTC"
    command = "true"

    [jobs.boot]
    schedule = "@reboot"
    command = "true"

    [jobs.off]
    schedule = "* * * * *"
    command = "true"
    enabled = false
"#;

#[test]
fn systemd_units_for_each_enabled_job() {
    let env = Env::new();
    // A job file in a folder whose name needs quoting in ExecStart=.
    let dir = env.path("my jobs 100% $HOME \"q\"");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("jobs.toml");
    std::fs::write(&file, crate::util::unindent(SYSTEMD_JOBS)).unwrap();
    let env = Env { file, ..env };
    let units = printed_units(&env);
    let names: Vec<&str> = units.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "jobtab-backup.service",
            "jobtab-backup.timer",
            "jobtab-either.service",
            "jobtab-either.timer",
            "jobtab-both.service",
            "jobtab-both.timer",
            "jobtab-boot.service",
            "jobtab-boot.timer"
        ]
    );
    let service = unit(&units, "jobtab-backup.service");
    let expected_file = format!(
        "\"{}/my jobs 100%% $$HOME \\\"q\\\"/jobs.toml\"",
        env.dir.path().display()
    );
    assert!(
        service.contains(&format!(
            "ExecStart=\"{}\" --file {expected_file} --state-dir \"{}\" exec \"backup\"\n",
            crate::util::BIN,
            env.state.display()
        )),
        "{service}"
    );
    assert!(service.contains("Type=oneshot\n"), "{service}");
    assert!(service.contains("Description=jobtab job backup: nightly dump, 100%% done\n"));
    assert!(service.contains("TimeoutStartSec=665\n"), "{service}");
    let timer = unit(&units, "jobtab-backup.timer");
    assert!(
        timer.contains("\nOnCalendar=*-*-* 02:00:00 Europe/Berlin\n"),
        "{timer}"
    );
    assert!(timer.contains("\nAccuracySec=1s\n"), "{timer}");
    assert!(timer.contains("\nPersistent=true\n"), "{timer}");
    assert!(
        timer.contains("[Install]\nWantedBy=timers.target\n"),
        "{timer}"
    );
    // Both day fields restricted: two lines; local zone: no suffix; no catch-up: no Persistent.
    let either = unit(&units, "jobtab-either.timer");
    assert!(
        either.contains("\nOnCalendar=*-*-13 00:00:00\nOnCalendar=Fri *-*-* 00:00:00\n"),
        "{either}"
    );
    assert!(!either.contains("Persistent"), "{either}");
    assert!(unit(&units, "jobtab-either.service").contains("TimeoutStartSec=infinity\n"));
    // `*/2` counts as unrestricted: one line, odd days that are Mondays.
    let both = unit(&units, "jobtab-both.timer");
    assert_eq!(both.matches("OnCalendar=").count(), 1, "{both}");
    assert!(
        both.contains(
            "OnCalendar=Mon *-*-01,03,05,07,09,11,13,15,17,19,21,23,25,27,29,31 00:00:00 UTC\n"
        ),
        "{both}"
    );
    assert!(unit(&units, "jobtab-boot.timer").contains("\nOnBootSec=0\n"));

    if systemd_available() {
        // systemd itself accepts every unit.
        let out_dir = env.path("units");
        env.ok([
            "export",
            "--format",
            "systemd",
            "--output",
            out_dir.to_str().unwrap(),
        ]);
        let files: Vec<_> = names.iter().map(|n| out_dir.join(n)).collect();
        let verify = Command::new("systemd-analyze")
            .arg("verify")
            .args(&files)
            .output()
            .unwrap();
        assert!(
            verify.status.success() && verify.stderr.is_empty(),
            "systemd-analyze verify: {}",
            String::from_utf8_lossy(&verify.stderr)
        );
    }
}

#[test]
fn systemd_output_writes_the_files_and_prints_their_paths() {
    let env = Env::with_jobs(SYSTEMD_JOBS);
    let out_dir = env.path("deep/units");
    let printed = env.ok([
        "export",
        "--format",
        "systemd",
        "--output",
        out_dir.to_str().unwrap(),
    ]);
    let units = printed_units(&env);
    let paths: Vec<&str> = printed.lines().collect();
    assert_eq!(paths.len(), units.len());
    for ((name, text), path) in units.iter().zip(paths) {
        assert_eq!(Path::new(path), out_dir.join(name));
        assert_eq!(&std::fs::read_to_string(path).unwrap(), text);
    }
}

#[test]
fn systemd_refuses_nearest_weekday_by_name() {
    let env = Env::with_jobs(
        r#"
        [jobs.payday]
        schedule = "0 9 15W * *"
        command = "true"
        "#,
    );
    let output = env.run(["export", "--format", "systemd"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout(&output), "");
    let err = crate::util::stderr(&output);
    assert!(err.contains("cannot export 1 job to systemd"), "{err}");
    assert!(
        err.contains("job \"payday\": its day-of-month \"15W\""),
        "{err}"
    );
    // Kubernetes options make no sense for systemd.
    let err = env.fails(["export", "--format", "systemd", "--secret", "s"], 1);
    assert!(err.contains("--secret is for --format kubernetes"), "{err}");
}

/// The exported timers fire exactly when `jobtab explain` says the job runs.
#[test]
fn systemd_timers_agree_with_jobtab_explain() {
    if !systemd_available() {
        return;
    }
    const SCHEDULES: [&str; 12] = [
        "*/7 * * * *",
        "0 2 * * *",
        "15 9-17/2 * * mon-fri",
        "0 0 13 * fri",
        "0 0 */2 * 1",
        "0 0 L * *",
        "0 12 * * 5L",
        "30 8 * * 1#2",
        "0 0 29 2 *",
        "*/20 30 6 * * *",
        "0 0 0 1 */3 * 2027-2030",
        "@weekly",
    ];
    let base = "2026-04-01T00:00:00Z";
    let base_epoch = "@1775001600";
    let mut toml = String::new();
    for (i, schedule) in SCHEDULES.iter().enumerate() {
        for zone in ["UTC", "Europe/Berlin"] {
            toml.push_str(&format!(
                "[jobs.j{i}-{}]\nschedule = \"{schedule}\"\ntimezone = \"{zone}\"\ncommand = \"true\"\n",
                zone.replace('/', "-")
            ));
        }
    }
    let env = Env::with_jobs(&toml);
    let units = printed_units(&env);
    for (i, schedule) in SCHEDULES.iter().enumerate() {
        for zone in ["UTC", "Europe/Berlin"] {
            let timer = unit(
                &units,
                &format!("jobtab-j{i}-{}.timer", zone.replace('/', "-")),
            );
            let lines: Vec<&str> = timer
                .lines()
                .filter_map(|l| l.strip_prefix("OnCalendar="))
                .collect();
            let analyze = Command::new("systemd-analyze")
                .env("TZ", "UTC")
                .args([
                    "calendar",
                    "--iterations=8",
                    &format!("--base-time={base_epoch}"),
                ])
                .args(&lines)
                .output()
                .unwrap();
            assert!(analyze.status.success(), "{lines:?}");
            let mut theirs: Vec<String> = String::from_utf8_lossy(&analyze.stdout)
                .lines()
                .filter_map(|l| {
                    let (label, value) = l.trim().split_once(": ")?;
                    (label == "Next elapse" || label.starts_with("Iter. #")).then(|| {
                        let parts: Vec<&str> = value.split_whitespace().collect();
                        format!("{}T{}Z", parts[1], parts[2])
                    })
                })
                .collect();
            theirs.sort();
            theirs.dedup();
            theirs.truncate(8);
            let explained = env.ok([
                "explain", schedule, "--after", base, "--tz", zone, "--count", "8", "--json",
            ]);
            let value: serde_json::Value = serde_json::from_str(&explained).unwrap();
            let ours: Vec<String> = value["next"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| {
                    chrono::DateTime::parse_from_rfc3339(t.as_str().unwrap())
                        .unwrap()
                        .with_timezone(&chrono::Utc)
                        .format("%Y-%m-%dT%H:%M:%SZ")
                        .to_string()
                })
                .collect();
            assert_eq!(ours, theirs, "{schedule} in {zone}: OnCalendar={lines:?}");
        }
    }
}

#[test]
fn jobs_with_many_retries_get_no_outer_limit_rather_than_a_wrong_one() {
    let env = Env::with_jobs(
        r#"
        [jobs.stubborn]
        schedule = "0 2 * * *"
        command = "true"
        timeout = "200d"
        retries = 1
        retry_delay = "10s"

        [jobs.hundred]
        schedule = "0 4 * * *"
        command = "true"
        timeout = "1m"
        retries = 100
        retry_delay = "10s"

        [jobs.normal]
        schedule = "0 3 * * *"
        command = "true"
        timeout = "1m"
        retries = 1
        retry_delay = "10s"
        "#,
    );
    let yaml = env.ok(["export", "--format", "kubernetes", "--image", "jobtab:1"]);
    let docs = documents(&yaml);
    let spec = &cronjob(&docs, "stubborn")["spec"]["jobTemplate"]["spec"];
    assert_eq!(spec["activeDeadlineSeconds"], Value::Null, "{yaml}");
    assert!(yaml.contains("the job may take over a year"), "{yaml}");
    // 100 retries: the delays double up to the executor's one-day cap, about three months.
    let spec = &cronjob(&docs, "hundred")["spec"]["jobTemplate"]["spec"];
    let seconds = spec["activeDeadlineSeconds"].as_u64().unwrap_or(0);
    assert!((80 * 86_400..100 * 86_400).contains(&seconds), "{yaml}");
    // 2 attempts of 1m (+5s each), a 12s delay and a minute to start.
    let spec = &cronjob(&docs, "normal")["spec"]["jobTemplate"]["spec"];
    assert_eq!(spec["activeDeadlineSeconds"], 130 + 12 + 60, "{yaml}");

    let units = printed_units(&env);
    let service = unit(&units, "jobtab-stubborn.service");
    assert!(
        service.contains("\nTimeoutStartSec=infinity\n"),
        "{service}"
    );
    assert!(!service.contains("TimeoutStartSec=0"), "{service}");
    let service = unit(&units, "jobtab-normal.service");
    assert!(service.contains("\nTimeoutStartSec=202\n"), "{service}");

    // More than 100 retries is refused, naming the limit.
    env.write_jobs(
        r#"
        [jobs.stubborn]
        schedule = "0 2 * * *"
        command = "true"
        retries = 4000000000
        "#,
    );
    let err = env.fails(["export", "--format", "systemd"], 1);
    assert!(
        err.contains("retries = 4000000000 is too large; use at most 100"),
        "{err}"
    );
}

/// Jobs that Kubernetes or systemd run differently on daylight-saving days, and jobs they do
/// not (America/New_York: clocks spring forward over 02:00-03:00 in March and fall back over
/// 01:00-02:00 in November).
const DST_JOBS: &str = r#"
    [jobs.spring]
    schedule = "30 2 * * *"
    timezone = "America/New_York"
    command = "true"

    [jobs.fall]
    schedule = "30 1 * * *"
    timezone = "America/New_York"
    command = "true"

    [jobs.often]
    schedule = "*/15 * * * *"
    timezone = "America/New_York"
    command = "true"

    [jobs.noon]
    schedule = "0 12 * * *"
    timezone = "America/New_York"
    command = "true"

    [jobs.weekdays]
    schedule = "30 2 * * 1-5"
    timezone = "America/New_York"
    command = "true"

    [jobs.utc]
    schedule = "30 2 * * *"
    timezone = "UTC"
    command = "true"

    [jobs.local]
    schedule = "30 1 * * *"
    command = "true"
"#;

/// The text of the YAML document (comments included) of the CronJob for `job`.
fn cronjob_text<'a>(yaml: &'a str, job: &str) -> &'a str {
    yaml.split("\n---\n")
        .find(|doc| doc.contains(&format!("jobtab/job: {job}\n")))
        .unwrap_or_else(|| panic!("no CronJob for {job} in {yaml}"))
}

/// The `jobtab: note:` lines of stderr that name `job`.
fn notes_for(stderr: &str, job: &str) -> Vec<String> {
    stderr
        .lines()
        .filter(|l| l.starts_with(&format!("jobtab: note: job \"{job}\": daylight saving")))
        .map(str::to_owned)
        .collect()
}

#[test]
fn kubernetes_export_says_which_jobs_daylight_saving_days_run_differently() {
    let env = Env::with_jobs(DST_JOBS);
    let output = env
        .cmd(["export", "--format", "kubernetes", "--image", "i:1"])
        // The exporting machine's zone, used as the timeZone of the job without one.
        .env("TZ", "America/New_York")
        .output()
        .unwrap();
    let err = crate::util::stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{err}");
    let yaml = stdout(&output);
    assert_eq!(documents(&yaml).len(), 8, "{yaml}");

    // A fixed time in the skipped hour: Kubernetes skips it, jobtab runs it after the change.
    let spring = notes_for(&err, "spring");
    assert_eq!(spring.len(), 1, "{err}");
    assert!(
        spring[0].contains(
            "in America/New_York, on the days clocks spring forward over 02:00-03:00 (next: "
        ) && spring[0].contains(
            "Kubernetes skips its run; `jobtab run` and cron run it once, right after the change"
        ),
        "{err}"
    );
    let doc = cronjob_text(&yaml, "spring");
    assert!(
        doc.contains("  # daylight saving: in America/New_York, on the days clocks spring forward")
            && doc.contains("Kubernetes skips its run;"),
        "{doc}"
    );
    // A fixed time in the repeated hour: Kubernetes runs it twice, jobtab once.
    for job in ["fall", "local"] {
        let fall = notes_for(&err, job);
        assert_eq!(fall.len(), 1, "{err}");
        assert!(
            fall[0].contains("on the days clocks fall back over 01:00-02:00")
                && fall[0].contains("Kubernetes runs it twice; `jobtab run` and cron run it once"),
            "{err}"
        );
        let doc = cronjob_text(&yaml, job);
        assert!(
            doc.contains("  # daylight saving: in America/New_York, on the days clocks fall back")
                && doc.contains("Kubernetes runs it twice;"),
            "{doc}"
        );
    }
    // Kubernetes runs these as jobtab does: a time no change touches, a zone without changes,
    // a job that follows real time, and weekdays (the changes fall on Sundays).
    for job in ["often", "noon", "weekdays", "utc"] {
        assert!(notes_for(&err, job).is_empty(), "{job}: {err}");
        assert!(
            !cronjob_text(&yaml, job).contains("daylight saving"),
            "{job}: {yaml}"
        );
    }
    assert_eq!(err.lines().count(), 3, "{err}");
    // The comment stays a comment: the schedule and zone read back unchanged.
    let docs = documents(&yaml);
    assert_eq!(cronjob(&docs, "spring")["spec"]["schedule"], "30 2 * * *");
    assert_eq!(
        cronjob(&docs, "spring")["spec"]["timeZone"],
        "America/New_York"
    );
}

#[test]
fn systemd_export_says_which_jobs_daylight_saving_days_run_differently() {
    let env = Env::with_jobs(DST_JOBS);
    let out_dir = env.path("units");
    let output = env
        .cmd([
            "export",
            "--format",
            "systemd",
            "--output",
            out_dir.to_str().unwrap(),
        ])
        // systemd runs a timer without a zone in the system's zone.
        .env("JOBTAB_SYSTEM_ZONE", "America/New_York")
        .output()
        .unwrap();
    let err = crate::util::stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{err}");
    let timer =
        |job: &str| std::fs::read_to_string(out_dir.join(format!("jobtab-{job}.timer"))).unwrap();

    // A fixed time in the skipped hour: systemd skips it, jobtab runs it after the change.
    let spring = notes_for(&err, "spring");
    assert_eq!(spring.len(), 1, "{err}");
    assert!(
        spring[0].contains("on the days clocks spring forward over 02:00-03:00 (next: ")
            && spring[0].contains(
                "systemd skips its run; `jobtab run` and cron run it once, right after the change"
            ),
        "{err}"
    );
    let text = timer("spring");
    assert!(
        text.contains(
            "\n# daylight saving: in America/New_York, on the days clocks spring forward"
        ) && text.contains("systemd skips its run;"),
        "{text}"
    );
    // A job that follows real time, on fall-back day: systemd runs the repeated times once.
    let often = notes_for(&err, "often");
    assert_eq!(often.len(), 1, "{err}");
    assert!(
        often[0].contains("on the days clocks fall back over 01:00-02:00 (next: ")
            && often[0].contains(
                "systemd runs each of those times once; `jobtab run` and cron run each twice"
            ),
        "{err}"
    );
    let text = timer("often");
    assert!(
        text.contains("\n# daylight saving: in America/New_York, on the days clocks fall back")
            && text.contains("systemd runs each of those times once;"),
        "{text}"
    );
    // systemd runs a repeated fixed time once, as jobtab does; the others are not touched.
    for job in ["fall", "local", "noon", "weekdays", "utc"] {
        assert!(notes_for(&err, job).is_empty(), "{job}: {err}");
        assert!(
            !timer(job).contains("daylight saving"),
            "{job}: {}",
            timer(job)
        );
    }
    // The local job in a system zone without daylight saving: no note either way.
    let output = env
        .cmd(["export", "--format", "systemd"])
        .env("JOBTAB_SYSTEM_ZONE", "UTC")
        .output()
        .unwrap();
    assert!(notes_for(&crate::util::stderr(&output), "local").is_empty());

    if systemd_available() {
        let files: Vec<_> = std::fs::read_dir(&out_dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        let verify = Command::new("systemd-analyze")
            .arg("verify")
            .args(&files)
            .output()
            .unwrap();
        assert!(
            verify.status.success() && verify.stderr.is_empty(),
            "systemd-analyze verify: {}",
            String::from_utf8_lossy(&verify.stderr)
        );
    }
}

#[test]
fn systemd_services_read_variables_from_an_env_file_and_keep_the_state_dir() {
    let env = Env::with_jobs(
        r#"
        [jobs.report]
        schedule = "0 6 * * *"
        command = "test -n '${REPORT_TOKEN}' && echo token-set"

        [jobs.plain]
        schedule = "0 7 * * *"
        command = "echo plain"
        "#,
    );
    // A service has no environment to take ${REPORT_TOKEN} from: refused by name.
    let output = env.run(["export", "--format", "systemd"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout(&output), "", "nothing is printed");
    let err = crate::util::stderr(&output);
    assert!(
        err.contains(
            "job \"report\": it uses ${REPORT_TOKEN}, which a systemd service does not have: \
             pass --env-file PATH, a file with a line NAME=value for each"
        ),
        "{err}"
    );
    assert!(!err.contains("\"plain\""), "{err}");
    // systemd reads the file from the unit, whatever the current folder: an absolute path.
    let err = env.fails(
        ["export", "--format", "systemd", "--env-file", "secrets.env"],
        1,
    );
    assert!(
        err.contains("--env-file secrets.env is not an absolute path")
            && err.contains(&format!("--env-file {}", env.path("secrets.env").display())),
        "{err}"
    );
    let err = env.fails(
        [
            "export",
            "--format",
            "kubernetes",
            "--image",
            "i:1",
            "--secret",
            "s",
            "--env-file",
            "/etc/x.env",
        ],
        1,
    );
    assert!(err.contains("--env-file is for --format systemd"), "{err}");

    let env_file = env.path("secrets.env");
    std::fs::write(&env_file, "REPORT_TOKEN=s3cret\n").unwrap();
    let out_dir = env.path("units");
    env.ok([
        "export",
        "--format",
        "systemd",
        "--env-file",
        env_file.to_str().unwrap(),
        "--output",
        out_dir.to_str().unwrap(),
    ]);
    let read = |name: &str| std::fs::read_to_string(out_dir.join(name)).unwrap();
    let report = read("jobtab-report.service");
    assert!(
        report.contains(&format!(
            "# the job uses ${{REPORT_TOKEN}}: a line NAME=value for each in this file\n\
             EnvironmentFile={}\n",
            env_file.display()
        )),
        "{report}"
    );
    assert!(!read("jobtab-plain.service").contains("EnvironmentFile"));
    // The state dir given (here by JOBTAB_STATE_DIR) is passed on, so history finds the runs.
    let exec_start = report
        .lines()
        .find_map(|l| l.strip_prefix("ExecStart="))
        .unwrap();
    assert_eq!(
        exec_start,
        format!(
            "\"{}\" --file \"{}\" --state-dir \"{}\" exec \"report\"",
            crate::util::BIN,
            env.file.display(),
            env.state.display()
        )
    );
    if systemd_available() {
        let verify = Command::new("systemd-analyze")
            .arg("verify")
            .arg(out_dir.join("jobtab-report.service"))
            .arg(out_dir.join("jobtab-report.timer"))
            .output()
            .unwrap();
        assert!(
            verify.status.success() && verify.stderr.is_empty(),
            "systemd-analyze verify: {}",
            String::from_utf8_lossy(&verify.stderr)
        );
    }

    // Run the service's command as systemd would: a bare environment with HOME and the env
    // file's variables (these test paths need no unquoting).
    let words: Vec<&str> = exec_start.split(' ').map(|w| w.trim_matches('"')).collect();
    let run = Command::new(words[0])
        .args(&words[1..])
        .env_clear()
        .env("HOME", &env.home)
        .env("PATH", "/usr/bin:/bin")
        .env("REPORT_TOKEN", "s3cret")
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let history: serde_json::Value =
        serde_json::from_str(&env.ok(["history", "report", "--json"])).unwrap();
    assert_eq!(history[0]["status"], "ok", "{history}");
    assert_eq!(history[0]["output_tail"], "token-set\n", "{history}");

    // The default state dir, which the service finds by itself, is left out.
    let output = env
        .cmd(["export", "--format", "systemd", "--env-file", "/etc/x.env"])
        .env_remove("JOBTAB_STATE_DIR")
        .output()
        .unwrap();
    let text = stdout(&output);
    assert!(
        text.contains(&format!(
            "ExecStart=\"{}\" --file \"{}\" exec \"report\"\n",
            crate::util::BIN,
            env.file.display()
        )),
        "{text}"
    );
    assert!(!crate::util::stderr(&output).contains("note"));
    // An env file no job needs is said to be unused.
    env.write_jobs("[jobs.plain]\nschedule = \"0 7 * * *\"\ncommand = \"echo plain\"\n");
    let output = env.run(["export", "--format", "systemd", "--env-file", "/etc/x.env"]);
    assert_eq!(output.status.code(), Some(0));
    assert!(!stdout(&output).contains("EnvironmentFile"));
    assert!(
        crate::util::stderr(&output)
            .contains("no enabled job uses a ${VAR}, so no service reads --env-file"),
        "{}",
        crate::util::stderr(&output)
    );
}
