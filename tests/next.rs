//! Integration tests: `next`.

use chrono::{DateTime, FixedOffset, TimeDelta};
use serde_json::Value;

use crate::util::Env;

const JOBS: &str = r#"
    [defaults]
    timezone = "Asia/Kolkata"

    [jobs.minutely]
    schedule = "* * * * *"
    command = "true"
    timezone = "UTC"

    [jobs.kolkata]
    schedule = "*/2 * * * *"
    command = "true"

    [jobs.yearly]
    schedule = "@yearly"
    command = "true"
    timezone = "America/New_York"

    [jobs.off]
    schedule = "* * * * *"
    command = "true"
    enabled = false

    [jobs.boot]
    schedule = "@reboot"
    command = "true"
"#;

fn parse(at: &Value) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(at.as_str().unwrap()).unwrap()
}

/// What `explain` says are the next `count` runs after `after`.
fn explained(
    env: &Env,
    schedule: &str,
    zone: &str,
    after: DateTime<FixedOffset>,
    count: usize,
) -> Vec<String> {
    let out = env.ok([
        "explain",
        schedule,
        "--tz",
        zone,
        "--after",
        &after.to_rfc3339(),
        "--count",
        &count.to_string(),
        "--json",
    ]);
    let value: Value = serde_json::from_str(&out).unwrap();
    value["next"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn json_merges_jobs_in_time_order_in_their_zones() {
    let env = Env::with_jobs(JOBS);
    let out = env.ok(["next", "--count", "6", "--json"]);
    let runs: Vec<Value> = serde_json::from_str(&out).unwrap();
    assert_eq!(runs.len(), 6);
    for pair in runs.windows(2) {
        assert!(
            parse(&pair[0]["scheduled_at"]) <= parse(&pair[1]["scheduled_at"]),
            "{out}"
        );
    }
    for run in &runs {
        let mut keys: Vec<&str> = run
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            ["job", "runs_at", "schedule", "scheduled_at", "timezone"]
        );
        // Without jitter a run starts at its time.
        assert_eq!(run["runs_at"], run["scheduled_at"]);
        let at = run["scheduled_at"].as_str().unwrap();
        match run["job"].as_str().unwrap() {
            "minutely" => {
                assert_eq!(run["timezone"], "UTC");
                assert!(at.ends_with(":00.000Z"), "{at}");
            }
            "kolkata" => {
                assert_eq!(run["timezone"], "Asia/Kolkata");
                assert_eq!(run["schedule"], "*/2 * * * *");
                assert!(at.ends_with(":00.000+05:30"), "{at}");
            }
            other => panic!("job {other} should not be among the first 6 runs: {out}"),
        }
    }
    // Each job's runs are exactly its consecutive runs.
    for (job, schedule, zone) in [
        ("minutely", "* * * * *", "UTC"),
        ("kolkata", "*/2 * * * *", "Asia/Kolkata"),
    ] {
        let mine: Vec<String> = runs
            .iter()
            .filter(|r| r["job"] == job)
            .map(|r| r["scheduled_at"].as_str().unwrap().to_owned())
            .collect();
        assert!(!mine.is_empty(), "{job} missing: {out}");
        let first = DateTime::parse_from_rfc3339(&mine[0]).unwrap();
        assert_eq!(
            explained(
                &env,
                schedule,
                zone,
                first - TimeDelta::seconds(1),
                mine.len()
            ),
            mine
        );
    }
}

#[test]
fn named_jobs_only() {
    let env = Env::with_jobs(JOBS);
    let out = env.ok(["next", "yearly", "--count", "2", "--json"]);
    let runs: Vec<Value> = serde_json::from_str(&out).unwrap();
    assert_eq!(runs.len(), 2);
    for run in &runs {
        assert_eq!(run["job"], "yearly");
        assert_eq!(run["timezone"], "America/New_York");
        let at = run["scheduled_at"].as_str().unwrap();
        assert!(at.contains("-01-01T00:00:00.000-05:00"), "{at}");
    }
    let first = parse(&runs[0]["scheduled_at"]);
    let second = parse(&runs[1]["scheduled_at"]);
    assert_eq!(
        second
            .to_rfc3339()
            .get(..4)
            .unwrap()
            .parse::<i32>()
            .unwrap(),
        first.to_rfc3339().get(..4).unwrap().parse::<i32>().unwrap() + 1
    );
}

#[test]
fn unknown_name_is_an_error_naming_it() {
    let env = Env::with_jobs(JOBS);
    let err = env.fails(["next", "minutely", "nope"], 1);
    assert!(err.contains("no job named \"nope\""), "{err}");
}

#[test]
fn disabled_named_job_is_reported() {
    let env = Env::with_jobs(JOBS);
    let output = env.run(["next", "off", "--json"]);
    assert!(output.status.success());
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "[]");
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(err.contains("job \"off\" is disabled"), "{err}");
}

#[test]
fn text_table() {
    let env = Env::with_jobs(JOBS);
    let out = env.ok(["next", "-n", "3"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4, "{out}");
    assert!(lines[0].starts_with("TIME"), "{out}");
    assert!(lines[0].contains("JOB") && lines[0].contains("SCHEDULE") && lines[0].contains("ZONE"));
    for line in &lines[1..] {
        assert!(
            line.contains("minutely") || line.contains("kolkata"),
            "{out}"
        );
    }
    // Columns are aligned: the JOB column starts at the same place on every line.
    let col = lines[0].find("JOB").unwrap();
    for line in &lines[1..] {
        assert_ne!(line.as_bytes()[col], b' ', "{out}");
        assert_eq!(line.as_bytes()[col - 1], b' ', "{out}");
    }
}

#[test]
fn empty_file_says_how_to_add_a_job() {
    let env = Env::new();
    let output = env.run(["next"]);
    assert!(output.status.success());
    assert!(output.stdout.is_empty());
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(err.contains("jobtab add NAME SCHEDULE -- COMMAND"), "{err}");
}
