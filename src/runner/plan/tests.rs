//! Unit tests of the plan, with injected times.

use std::time::Duration;

use super::*;
use crate::runner::clock::ClockWatch;

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// Jobs from a job file's text; `timezone = "UTC"` is added to every job.
fn jobs(toml: &str) -> Vec<Job> {
    let (jobs, problems) = crate::store::parse(&format!("[defaults]\ntimezone = \"UTC\"\n{toml}"));
    assert!(problems.is_empty(), "{problems:?}");
    jobs
}

fn names(due: &[Due]) -> Vec<(&str, DateTime<Utc>)> {
    due.iter().map(|d| (d.job.name.as_str(), d.at)).collect()
}

const TWO: &str = r#"
[jobs.fast]
schedule = "*/10 * * * * *"
command = "true"
[jobs.slow]
schedule = "0 * * * * *"
command = "true"
"#;

#[test]
fn plans_each_job_from_now_and_pops_in_time_order() {
    let mut plan = Plan::new();
    let diff = plan.load(jobs(TWO), t("2026-01-01T00:00:05Z"));
    assert_eq!(diff.added, ["fast", "slow"]);
    assert_eq!(plan.scheduled(), 2);
    let (at, job) = plan.next_due().unwrap();
    assert_eq!((at, job.name.as_str()), (t("2026-01-01T00:00:10Z"), "fast"));
    assert!(plan.pop_due(t("2026-01-01T00:00:09.999Z")).is_empty());
    let due = plan.pop_due(t("2026-01-01T00:00:10.001Z"));
    assert_eq!(names(&due), [("fast", t("2026-01-01T00:00:10Z"))]);
    assert_eq!(due[0].late, TimeDelta::milliseconds(1));
    assert!(!due[0].skipped_late);
    // fast at :20, :30, ..., :50, then both at 00:01:00.
    for second in [20, 30, 40, 50] {
        let now = t(&format!("2026-01-01T00:00:{second}Z"));
        assert_eq!(names(&plan.pop_due(now)), [("fast", now)]);
    }
    let minute = t("2026-01-01T00:01:00Z");
    let due = plan.pop_due(minute);
    let mut both = names(&due);
    both.sort();
    assert_eq!(both, [("fast", minute), ("slow", minute)]);
}

#[test]
fn a_late_wake_runs_once_and_plans_from_now() {
    let mut plan = Plan::new();
    plan.load(jobs(TWO), t("2026-01-01T00:00:05Z"));
    // The machine was busy: woke 35 s after fast's :10 instant.
    let due = plan.pop_due(t("2026-01-01T00:00:45Z"));
    assert_eq!(names(&due), [("fast", t("2026-01-01T00:00:10Z"))]);
    assert!(due[0].skipped_late);
    assert_eq!(due[0].late, TimeDelta::seconds(35));
    // :20, :30 and :40 are not burst-run; next is :50.
    assert_eq!(plan.next_due().unwrap().0, t("2026-01-01T00:00:50Z"));
}

#[test]
fn disabled_and_reboot_jobs_are_not_planned() {
    let mut plan = Plan::new();
    plan.load(
        jobs(
            r#"
            [jobs.off]
            schedule = "* * * * * *"
            command = "true"
            enabled = false
            [jobs.boot]
            schedule = "@reboot"
            command = "true"
            [jobs.boot-off]
            schedule = "@reboot"
            command = "true"
            enabled = false
            "#,
        ),
        t("2026-01-01T00:00:00Z"),
    );
    assert_eq!(plan.scheduled(), 0);
    assert!(plan.next_due().is_none());
    // Only the enabled at-start job is asked for, by the at-start event source.
    let (tx, rx) = std::sync::mpsc::channel();
    assert_eq!(crate::runner::sources::at_start(plan.jobs(), &tx), 1);
    let start: Vec<_> = rx
        .try_iter()
        .map(|event| match event {
            crate::runner::scheduler::Event::RunNow(run) => (run.job, run.trigger),
            _ => panic!("expected RunNow"),
        })
        .collect();
    assert_eq!(start, [("boot".to_owned(), crate::execute::Trigger::Start)]);
}

#[test]
fn reload_keeps_unchanged_jobs_and_reports_the_diff() {
    let mut plan = Plan::new();
    plan.load(jobs(TWO), t("2026-01-01T00:00:05Z"));
    plan.pop_due(t("2026-01-01T00:00:10Z"));
    let diff = plan.load(
        jobs(
            r#"
            [jobs.fast]
            schedule = "*/10 * * * * *"
            command = "true"
            [jobs.slow]
            schedule = "30 * * * * *"
            command = "true"
            [jobs.new]
            schedule = "*/3 * * * * *"
            command = "true"
            "#,
        ),
        t("2026-01-01T00:00:11Z"),
    );
    assert_eq!(
        diff,
        Diff {
            added: vec!["new".into()],
            removed: vec![],
            changed: vec!["slow".into()],
        }
    );
    assert_eq!(diff.summary(), "1 added, 0 removed, 1 changed");
    let next: HashMap<_, _> = plan.next_runs().collect();
    assert_eq!(next["fast"], Some(t("2026-01-01T00:00:20Z")));
    assert_eq!(next["slow"], Some(t("2026-01-01T00:00:30Z")));
    assert_eq!(next["new"], Some(t("2026-01-01T00:00:12Z")));

    let diff = plan.load(
        jobs(&TWO.replace("[jobs.slow]", "[jobs.gone]")),
        t("2026-01-01T00:00:12Z"),
    );
    assert_eq!(diff.removed, ["new", "slow"]);
    assert_eq!(diff.added, ["gone"]);
    assert!(plan.job("slow").is_none());
    assert_eq!(plan.scheduled(), 2);
}

#[test]
fn a_changed_job_does_not_repeat_an_instant_already_run() {
    let mut plan = Plan::new();
    plan.load(jobs(TWO), t("2026-01-01T00:00:05Z"));
    plan.pop_due(t("2026-01-01T00:00:10Z"));
    // Reloaded with a clock that reads earlier than the run (a backward step just before).
    let changed = TWO.replace(
        "command = \"true\"\n[jobs.slow]",
        "command = \"false\"\n[jobs.slow]",
    );
    let diff = plan.load(jobs(&changed), t("2026-01-01T00:00:08Z"));
    assert_eq!(diff.changed, ["fast"]);
    assert_eq!(plan.next_due().unwrap().0, t("2026-01-01T00:00:20Z"));
}

#[test]
fn overlap_skip_queue_and_allow_with_in_flight_runs() {
    let mut plan = Plan::new();
    plan.load(
        jobs(
            r#"
            [jobs.s]
            schedule = "* * * * * *"
            command = "true"
            [jobs.q]
            schedule = "* * * * * *"
            command = "true"
            overlap = "queue"
            [jobs.a]
            schedule = "* * * * * *"
            command = "true"
            overlap = "allow"
            "#,
        ),
        t("2026-01-01T00:00:00Z"),
    );
    let at = |s: u32| t(&format!("2026-01-01T00:00:0{s}Z"));
    for name in ["s", "q", "a"] {
        let job = Arc::clone(plan.job(name).unwrap());
        assert_eq!(plan.decide(&job), Decision::Start);
        plan.begin(name);
    }
    let (s, q, a) = (
        Arc::clone(plan.job("s").unwrap()),
        Arc::clone(plan.job("q").unwrap()),
        Arc::clone(plan.job("a").unwrap()),
    );
    assert_eq!(plan.decide(&s), Decision::SkipRunning);
    assert_eq!(plan.decide(&q), Decision::Queue);
    plan.queue("q", Pending::plain(at(2), Trigger::Schedule));
    assert_eq!(plan.decide(&q), Decision::SkipQueued);
    assert_eq!(plan.decide(&a), Decision::Start);
    plan.begin("a");
    assert_eq!(plan.running_total(), 4);
    // The queued run (the first one queued) starts right after the running one ends.
    let (job, queued) = plan.finish("q").unwrap();
    assert_eq!((job.name.as_str(), queued.at), ("q", at(2)));
    plan.begin("q");
    assert!(plan.finish("q").is_none());
    assert!(plan.finish("s").is_none());
    assert!(plan.finish("a").is_none());
    assert!(plan.finish("a").is_none());
    assert_eq!(plan.running_total(), 0);
    // A finish for a job that was never started (or was removed) is harmless.
    assert!(plan.finish("nope").is_none());
}

#[test]
fn a_removed_job_loses_its_queued_run_but_its_running_run_is_counted() {
    let mut plan = Plan::new();
    let q = r#"
        [jobs.q]
        schedule = "* * * * * *"
        command = "true"
        overlap = "queue"
        "#;
    plan.load(jobs(q), t("2026-01-01T00:00:00Z"));
    let job = Arc::clone(plan.job("q").unwrap());
    plan.decide(&job);
    plan.begin("q");
    assert_eq!(plan.decide(&job), Decision::Queue);
    plan.queue(
        "q",
        Pending::plain(t("2026-01-01T00:00:02Z"), Trigger::Schedule),
    );
    plan.load(Vec::new(), t("2026-01-01T00:00:02Z"));
    assert_eq!(plan.running_total(), 1);
    assert!(plan.finish("q").is_none());
    assert_eq!(plan.running_total(), 0);
}

#[test]
fn a_forward_jump_reports_missed_runs_and_catches_up_once() {
    let mut plan = Plan::new();
    plan.load(
        jobs(
            r#"
            [jobs.hourly]
            schedule = "0 * * * *"
            command = "true"
            [jobs.backup]
            schedule = "30 * * * *"
            command = "true"
            catch_up = "once"
            [jobs.daily]
            schedule = "0 9 * * *"
            command = "true"
            "#,
        ),
        t("2026-01-01T00:10:00Z"),
    );
    let mono = std::time::Instant::now();
    let mut watch = ClockWatch::new(t("2026-01-01T00:10:00Z"), mono);
    // 20 s later by the monotonic clock, the wall clock reads 02:45: slept 2h35m.
    let jump = watch
        .observe(t("2026-01-01T02:45:20Z"), mono + Duration::from_secs(20))
        .unwrap();
    let missed = plan.jump_forward(&jump);
    assert_eq!(
        missed,
        [
            Missed {
                name: "hourly".into(),
                first: t("2026-01-01T01:00:00Z"),
                last: t("2026-01-01T02:00:00Z"),
                count: 2,
                more: false,
                catch_up: false,
            },
            Missed {
                name: "backup".into(),
                first: t("2026-01-01T00:30:00Z"),
                last: t("2026-01-01T02:30:00Z"),
                count: 3,
                more: false,
                catch_up: true,
            },
        ]
    );
    let next: HashMap<_, _> = plan.next_runs().collect();
    assert_eq!(next["hourly"], Some(t("2026-01-01T03:00:00Z")));
    assert_eq!(next["backup"], Some(t("2026-01-01T03:30:00Z")));
    assert_eq!(next["daily"], Some(t("2026-01-01T09:00:00Z")));
    assert!(plan.pop_due(t("2026-01-01T02:45:20Z")).is_empty());
}

#[test]
fn counting_missed_runs_is_bounded() {
    let mut plan = Plan::new();
    plan.load(
        jobs("[jobs.s]\nschedule = \"* * * * * *\"\ncommand = \"true\"\n"),
        t("2026-01-01T00:00:00Z"),
    );
    let jump = Jump {
        expected: t("2026-01-01T00:00:00.5Z"),
        now: t("2026-01-02T00:00:00.5Z"),
    };
    let missed = plan.jump_forward(&jump);
    assert_eq!(missed.len(), 1);
    assert_eq!(missed[0].count, MISSED_COUNT_LIMIT);
    assert!(missed[0].more);
    assert_eq!(plan.next_due().unwrap().0, t("2026-01-02T00:00:01Z"));
}

#[test]
fn a_backward_jump_keeps_wildcard_jobs_on_real_time_and_never_repeats_fixed_ones() {
    let mut plan = Plan::new();
    plan.load(
        jobs(
            r#"
            [jobs.minutely]
            schedule = "* * * * *"
            command = "true"
            [jobs.daily]
            schedule = "30 11 * * *"
            command = "true"
            [jobs.later]
            schedule = "0 13 * * *"
            command = "true"
            "#,
        ),
        t("2026-01-01T11:29:30Z"),
    );
    // Every minute up to 12:01; daily runs at 11:30.
    let mut daily_runs = 0;
    for minute in 0..=31 {
        let now = t("2026-01-01T11:30:00Z") + TimeDelta::minutes(minute);
        for due in plan.pop_due(now) {
            if due.job.name == "daily" {
                daily_runs += 1;
            }
        }
    }
    assert_eq!(daily_runs, 1);
    assert_eq!(plan.next_due().unwrap().0, t("2026-01-01T12:02:00Z"));
    // At 12:01:10 the clock is stepped back two hours.
    let jump = Jump {
        expected: t("2026-01-01T12:01:10Z"),
        now: t("2026-01-01T10:01:10Z"),
    };
    assert_eq!(plan.jump_backward(&jump), Backward::Replanned(1));
    let mut runs: HashMap<String, Vec<DateTime<Utc>>> = HashMap::new();
    let mut now = t("2026-01-01T10:02:00Z");
    while now <= t("2026-01-01T12:00:00Z") {
        for due in plan.pop_due(now) {
            runs.entry(due.job.name.to_string())
                .or_default()
                .push(due.at);
        }
        now += TimeDelta::minutes(1);
    }
    // The every-minute job runs every minute from 10:02 on, not silent until 12:02.
    let minutely = &runs["minutely"];
    assert_eq!(minutely.len(), 119);
    assert_eq!(minutely[0], t("2026-01-01T10:02:00Z"));
    assert_eq!(minutely[57], t("2026-01-01T10:59:00Z"));
    // The 11:30 run already happened: it is not repeated; 13:00 is still planned.
    assert!(!runs.contains_key("daily"), "{runs:?}");
    let next: HashMap<_, _> = plan.next_runs().collect();
    assert_eq!(next["daily"], Some(t("2026-01-02T11:30:00Z")));
    assert_eq!(next["later"], Some(t("2026-01-01T13:00:00Z")));
}

#[test]
fn a_reload_after_a_backward_jump_keeps_a_changed_wildcard_job_on_real_time() {
    let mut plan = Plan::new();
    plan.load(
        jobs("[jobs.m]\nschedule = \"* * * * *\"\ncommand = \"true\"\n"),
        t("2026-01-01T12:00:30Z"),
    );
    plan.pop_due(t("2026-01-01T12:01:00Z"));
    let jump = Jump {
        expected: t("2026-01-01T12:01:10Z"),
        now: t("2026-01-01T10:01:10Z"),
    };
    plan.jump_backward(&jump);
    let diff = plan.load(
        jobs("[jobs.m]\nschedule = \"* * * * *\"\ncommand = \"false\"\n"),
        t("2026-01-01T10:01:20Z"),
    );
    assert_eq!(diff.changed, ["m"]);
    assert_eq!(plan.next_due().unwrap().0, t("2026-01-01T10:02:00Z"));
}

#[test]
fn a_suspend_during_the_sleep_toward_a_run_misses_that_run() {
    for (catch_up, expect_catch_up) in [("none", false), ("once", true)] {
        let mut plan = Plan::new();
        plan.load(
            jobs(&format!(
                "[jobs.nightly]\nschedule = \"1 2 * * *\"\ncommand = \"true\"\n\
                 catch_up = \"{catch_up}\"\n"
            )),
            t("2026-01-01T02:00:30Z"),
        );
        let mono = std::time::Instant::now();
        let mut watch = ClockWatch::new(t("2026-01-01T02:00:30Z"), mono);
        // The scheduler slept 30 s toward 02:01 by the monotonic clock; the machine was
        // suspended meanwhile and the wall clock reads 05:00:30 on waking.
        let jump = watch
            .observe(
                t("2026-01-01T05:00:30Z"),
                mono + Duration::from_millis(30_001),
            )
            .expect("a jump");
        assert!(jump.expected > t("2026-01-01T02:01:00Z"));
        let missed = plan.jump_forward(&jump);
        assert_eq!(
            missed,
            [Missed {
                name: "nightly".into(),
                first: t("2026-01-01T02:01:00Z"),
                last: t("2026-01-01T02:01:00Z"),
                count: 1,
                more: false,
                catch_up: expect_catch_up,
            }],
            "catch_up = {catch_up}"
        );
        // Not started three hours late by `pop_due`: the next run is tomorrow's.
        assert!(plan.pop_due(t("2026-01-01T05:00:30Z")).is_empty());
        assert_eq!(plan.next_due().unwrap().0, t("2026-01-02T02:01:00Z"));
    }
}

#[test]
fn a_backward_jump_within_three_hours_is_not_a_correction() {
    let mut plan = Plan::new();
    plan.load(
        jobs("[jobs.m]\nschedule = \"* * * * *\"\ncommand = \"true\"\n"),
        t("2026-01-01T12:00:30Z"),
    );
    plan.pop_due(t("2026-01-01T12:01:00Z"));
    let small = Jump {
        expected: t("2026-01-01T12:01:10Z"),
        now: t("2026-01-01T12:00:10Z"),
    };
    assert_eq!(plan.jump_backward(&small), Backward::Replanned(1));
    // A wildcard job follows the new time: the next run is 12:01 (of the new time line).
    assert_eq!(plan.next_due().unwrap().0, t("2026-01-01T12:01:00Z"));

    let correction = Jump {
        expected: t("2026-01-01T12:01:10Z"),
        now: t("2025-12-31T12:00:10Z"),
    };
    assert_eq!(plan.jump_backward(&correction), Backward::Correction);
    assert_eq!(plan.next_due().unwrap().0, t("2025-12-31T12:01:00Z"));
}

/// The job `0 * * * *` with its jitter offset set to `minutes`.
fn hourly_with_offset(minutes: u64) -> Vec<Job> {
    let mut list =
        jobs("[jobs.j]\nschedule = \"0 * * * *\"\njitter = \"1h\"\ncommand = \"true\"\n");
    list[0].triggers.jitter = Some(crate::jitter::Jitter {
        max: Duration::from_secs(3600),
        offset: Duration::from_secs(minutes * 60),
    });
    list
}

#[test]
fn a_jittered_slot_pops_when_it_fires_and_is_never_run_twice() {
    let mut plan = Plan::new();
    plan.load(hourly_with_offset(1), t("2026-01-01T09:59:30Z"));
    // The 09:00 slot fires at 09:01, already past: the first is 10:00, firing at 10:01.
    assert_eq!(plan.next_due().unwrap().0, t("2026-01-01T10:01:00Z"));
    assert!(plan.pop_due(t("2026-01-01T10:00:59Z")).is_empty());
    let due = plan.pop_due(t("2026-01-01T10:01:00Z"));
    assert_eq!(names(&due), [("j", t("2026-01-01T10:00:00Z"))]);
    assert_eq!(due[0].late, TimeDelta::zero());
    assert_eq!(due[0].next, Some(t("2026-01-01T11:01:00Z")));
    // A longer jitter after a reload: the 10:00 slot would fire again at 10:30; it does not.
    let diff = plan.load(hourly_with_offset(30), t("2026-01-01T10:02:00Z"));
    assert_eq!(diff.changed, ["j"]);
    assert_eq!(plan.next_due().unwrap().0, t("2026-01-01T11:30:00Z"));
}
