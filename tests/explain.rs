//! Integration tests: `explain`.

use crate::util::Env;

#[test]
fn text_with_after_and_tz_shows_exact_runs() {
    let env = Env::new();
    let out = env.ok([
        "explain",
        "30 2 * * *",
        "--tz",
        "America/New_York",
        "--after",
        "2026-03-07T12:00:00Z",
        "--count",
        "3",
    ]);
    assert_eq!(
        out,
        "schedule   30 2 * * *\n\
         meaning    At 02:30 every day\n\
         time zone  America/New_York\n\
         next runs  2026-03-08T03:00:00-04:00  Sun  (moved: daylight saving skipped its time, \
         so it runs right after the change)\n\
         \x20          2026-03-09T02:30:00-04:00  Mon\n\
         \x20          2026-03-10T02:30:00-04:00  Tue\n"
    );
}

#[test]
fn json_has_exact_fields_and_times() {
    let env = Env::new();
    let out = env.ok([
        "explain",
        "*/30 * * * *",
        "--tz",
        "America/New_York",
        "--after",
        "2026-11-01T00:45:00-04:00",
        "-n",
        "4",
        "--json",
    ]);
    let value: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        value,
        serde_json::json!({
            "schedule": "*/30 * * * *",
            "description": "Every 30 minutes",
            "timezone": "America/New_York",
            "next": [
                "2026-11-01T01:00:00.000-04:00",
                "2026-11-01T01:30:00.000-04:00",
                "2026-11-01T01:00:00.000-05:00",
                "2026-11-01T01:30:00.000-05:00"
            ]
        })
    );
    let keys: Vec<&str> = value
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys.len(), 4);
}

#[test]
fn day_rule_is_spelled_out() {
    let env = Env::new();
    let out = env.ok([
        "explain",
        "0 0 */2 * 1",
        "--tz",
        "UTC",
        "--after",
        "2026-01-01T00:00:00Z",
        "--count",
        "2",
        "--json",
    ]);
    let value: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        value["next"],
        serde_json::json!(["2026-01-05T00:00:00.000Z", "2026-01-19T00:00:00.000Z"])
    );
    assert!(
        value["description"]
            .as_str()
            .unwrap()
            .contains("only when that day is also Monday"),
        "{value}"
    );
    let out = env.ok(["explain", "0 0 13 * fri", "--tz", "UTC"]);
    assert!(
        out.contains("or on any Friday (cron runs when either day field matches)"),
        "{out}"
    );
}

#[test]
fn default_zone_is_the_machines_and_default_start_is_now() {
    let env = Env::new();
    // The harness sets TZ=UTC.
    let before = chrono::Utc::now();
    let out = env.ok(["explain", "@hourly", "--json"]);
    let after = chrono::Utc::now();
    let value: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(value["timezone"], "UTC");
    let next = value["next"].as_array().unwrap();
    assert_eq!(next.len(), 5);
    let first = chrono::DateTime::parse_from_rfc3339(next[0].as_str().unwrap()).unwrap();
    // explain's "now" lies between the two readings (a top of the hour may come in between).
    assert!(
        first > before && first <= after + chrono::TimeDelta::hours(1),
        "{first}"
    );
}

#[test]
fn bad_schedule_fails_with_the_field_value_and_range() {
    let env = Env::new();
    let err = env.fails(["explain", "61 * * * *"], 1);
    assert_eq!(
        err,
        "jobtab: error: invalid schedule \"61 * * * *\": minute 61 is out of range 0-59\n"
    );
    let err = env.fails(["explain", "* * *"], 1);
    assert!(err.contains("found 3 fields, expected 5 fields"), "{err}");
}

#[test]
fn bad_after_and_tz_fail() {
    let env = Env::new();
    let err = env.fails(["explain", "@daily", "--after", "tomorrow"], 1);
    assert!(
        err.contains("invalid --after time \"tomorrow\": use RFC 3339"),
        "{err}"
    );
    let err = env.fails(["explain", "@daily", "--tz", "Mars/Olympus"], 1);
    assert!(err.contains("unknown time zone \"Mars/Olympus\""), "{err}");
}

#[test]
fn reboot_and_never_have_no_runs() {
    let env = Env::new();
    let out = env.ok(["explain", "@reboot", "--json"]);
    let value: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(value["next"], serde_json::json!([]));
    assert!(
        value["description"]
            .as_str()
            .unwrap()
            .contains("scheduler starts")
    );
    let out = env.ok(["explain", "@reboot"]);
    assert!(out.contains("next runs  none: @reboot runs once"), "{out}");
    let out = env.ok([
        "explain",
        "0 0 31 2 *",
        "--tz",
        "UTC",
        "--after",
        "2026-01-01T00:00:00Z",
    ]);
    assert!(
        out.contains("next runs  none: this schedule never fires after 2026-01-01T00:00:00+00:00"),
        "{out}"
    );
    let out = env.ok(["explain", "0 0 31 2 *", "--json"]);
    let value: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(value["next"], serde_json::json!([]));
}

#[test]
fn seconds_and_years() {
    let env = Env::new();
    let out = env.ok([
        "explain",
        "*/15 * * * * *",
        "--tz",
        "Europe/Berlin",
        "--after",
        "2026-03-29T01:59:50+01:00",
        "-n",
        "2",
        "--json",
    ]);
    let value: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        value["next"],
        serde_json::json!([
            "2026-03-29T03:00:00.000+02:00",
            "2026-03-29T03:00:15.000+02:00"
        ])
    );
    assert_eq!(value["description"], "Every 15 seconds");
}
