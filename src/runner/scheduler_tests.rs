//! Unit tests of the scheduler's reactions (clock jumps, overlap, reloads), driven directly
//! with synthetic events instead of real time.

use std::sync::mpsc;

use super::*;
use crate::log::Format;
use crate::log::SharedBuffer;

struct Fixture {
    scheduler: Scheduler,
    events: Receiver<Event>,
    log: SharedBuffer,
    dir: tempfile::TempDir,
}

fn fixture(toml: &str) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("jobs.toml");
    std::fs::write(&file, format!("[defaults]\ntimezone = \"UTC\"\n{toml}")).unwrap();
    let (logger, log) = Logger::capture(Format::Text);
    let opts = Options {
        file: file.clone(),
        state_dir: dir.path().join("state"),
        grace: Duration::from_secs(1),
        logger: Arc::new(logger),
        metrics: None,
    };
    let (tx, rx) = mpsc::channel();
    let metrics = Some(Arc::new(Metrics::default()));
    let mut scheduler = Scheduler::new(&opts, metrics, tx);
    scheduler.start(JobFile::load(&file).unwrap().jobs);
    Fixture {
        scheduler,
        events: rx,
        log,
        dir,
    }
}

impl Fixture {
    /// Waits for the next run to end and feeds it back, as the loop would.
    fn finish_one(&mut self) -> (String, RunStatus) {
        loop {
            match self.events.recv_timeout(Duration::from_secs(10)).unwrap() {
                Event::Finished {
                    job,
                    status,
                    failed,
                    duration,
                } => {
                    self.scheduler.on_finished(&job, status, failed, duration);
                    return (job, status);
                }
                _ => continue,
            }
        }
    }
}

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

#[test]
fn a_forward_jump_logs_missed_runs_and_catches_up_once() {
    let mut f = fixture(
        r#"
        [jobs.plain]
        schedule = "* * * * * *"
        command = "true"
        [jobs.backup]
        schedule = "* * * * * *"
        command = "true"
        catch_up = "once"
        "#,
    );
    let (at, _) = f.scheduler.plan.next_due().unwrap();
    let jump = Jump {
        expected: at - TimeDelta::milliseconds(500),
        now: at + TimeDelta::hours(2),
    };
    f.scheduler.on_jump(&jump);
    let log = f.log.contents();
    assert!(
        log.contains("the clock jumped 2h forward (or the machine slept)"),
        "{log}"
    );
    assert!(
        log.contains("[plain] warning: missed 1000+ runs of plain due from"),
        "{log}"
    );
    assert!(log.contains("(clock jumped 2h forward); skipped"), "{log}");
    assert!(
        log.contains("[backup] warning: missed 1000+ runs of backup"),
        "{log}"
    );
    assert!(
        log.contains("catching up once (catch_up = \"once\")"),
        "{log}"
    );
    // Exactly one run starts: the catch-up of backup.
    assert_eq!(f.finish_one(), ("backup".to_owned(), RunStatus::Ok));
    assert!(f.events.recv_timeout(Duration::from_millis(300)).is_err());
    let history = std::fs::read_to_string(f.dir.path().join("state/history.jsonl")).unwrap();
    assert!(history.contains("\"trigger\":\"catch_up\""), "{history}");
    let rendered = f.scheduler.metrics.as_ref().unwrap().render();
    assert!(rendered.contains("jobtab_runs_total{job=\"plain\",status=\"skipped\"} 1000"));
}

#[test]
fn a_backward_jump_replans_wildcard_jobs_only_and_is_logged() {
    let mut f = fixture(
        r#"
        [jobs.m]
        schedule = "* * * * *"
        command = "true"
        [jobs.fixed]
        schedule = "30 11 * * *"
        command = "true"
        "#,
    );
    let fixed_before = f
        .scheduler
        .plan
        .next_runs()
        .find(|(name, _)| *name == "fixed")
        .unwrap()
        .1;
    let now = t("2026-01-01T12:00:00Z");
    f.scheduler.on_jump(&Jump {
        expected: now,
        now: now - TimeDelta::seconds(30),
    });
    let next: std::collections::HashMap<_, _> = f.scheduler.plan.next_runs().collect();
    assert_eq!(next["m"], Some(now));
    assert_eq!(next["fixed"], fixed_before);
    let log = f.log.contents();
    assert!(
        log.contains(
            "the clock jumped 30s backward; jobs with * in the minute or hour field go on \
             running on the new time, fixed-time runs already done are not repeated"
        ),
        "{log}"
    );
}

#[test]
fn due_runs_follow_the_overlap_policy() {
    let mut f = fixture(
        r#"
        [jobs.slow]
        schedule = "* * * * * *"
        command = "sleep 0.5"
        "#,
    );
    let job = Arc::clone(f.scheduler.plan.job("slow").unwrap());
    let at = t("2026-01-01T00:00:01Z");
    f.scheduler.offer(Arc::clone(&job), at, Trigger::Schedule);
    f.scheduler
        .offer(job, at + TimeDelta::seconds(1), Trigger::Schedule);
    let log = f.log.contents();
    assert!(
        log.contains(
            "[slow] warning: skipped run due at 2026-01-01T00:00:02Z: previous run still running"
        ),
        "{log}"
    );
    assert_eq!(f.finish_one(), ("slow".to_owned(), RunStatus::Ok));
    assert_eq!(f.scheduler.plan.running_total(), 0);
}

#[test]
fn a_queued_run_starts_when_the_running_one_ends() {
    let mut f = fixture(
        r#"
        [jobs.q]
        schedule = "* * * * * *"
        command = "sleep 0.3"
        overlap = "queue"
        "#,
    );
    let job = Arc::clone(f.scheduler.plan.job("q").unwrap());
    let at = t("2026-01-01T00:00:01Z");
    f.scheduler.offer(Arc::clone(&job), at, Trigger::Schedule);
    f.scheduler.offer(
        Arc::clone(&job),
        at + TimeDelta::seconds(1),
        Trigger::Schedule,
    );
    f.scheduler
        .offer(job, at + TimeDelta::seconds(2), Trigger::Schedule);
    assert_eq!(f.finish_one().0, "q");
    assert_eq!(
        f.scheduler.plan.running_total(),
        1,
        "the queued run started"
    );
    assert_eq!(f.finish_one().0, "q");
    assert_eq!(f.scheduler.plan.running_total(), 0);
    assert!(f.events.recv_timeout(Duration::from_millis(300)).is_err());
    let log = f.log.contents();
    assert!(
        log.contains("run due at 2026-01-01T00:00:02Z queued"),
        "{log}"
    );
    assert!(
        log.contains("skipped run due at 2026-01-01T00:00:03Z"),
        "{log}"
    );
}

#[test]
fn a_reload_applies_the_newest_reading_and_keeps_jobs_on_an_invalid_file() {
    let mut f = fixture("[jobs.a]\nschedule = \"@daily\"\ncommand = \"true\"\n");
    let (good, _) = crate::store::parse("[jobs.b]\nschedule = \"@daily\"\ncommand = \"true\"\n");
    let reading = |jobs, problems| JobFile {
        path: f.scheduler.file.clone(),
        text: String::new(),
        jobs,
        problems,
    };
    let bad = crate::store::parse("[jobs.c]\nschedule = \"61 * * * *\"\ncommand = \"true\"\n");
    let bad = reading(bad.0, bad.1);
    let good = reading(good, Vec::new());
    f.scheduler.apply_reload(2, "test", Ok(bad));
    assert!(f.scheduler.plan.job("a").is_some());
    // An older reading arriving late is ignored.
    f.scheduler.apply_reload(1, "test", Ok(good));
    assert!(f.scheduler.plan.job("a").is_some());
    let log = f.log.contents();
    assert!(log.contains("invalid job file"), "{log}");
    assert!(log.contains("not reloaded (test): 1 problem in"), "{log}");
    assert!(log.contains("keeping the previous 1 jobs"), "{log}");

    let (jobs, problems) =
        crate::store::parse("[jobs.b]\nschedule = \"@daily\"\ncommand = \"true\"\n");
    let newest = JobFile {
        path: f.scheduler.file.clone(),
        text: String::new(),
        jobs,
        problems,
    };
    f.scheduler.apply_reload(3, "test", Ok(newest));
    assert!(f.scheduler.plan.job("a").is_none());
    assert!(f.scheduler.plan.job("b").is_some());
    let log = f.log.contents();
    assert!(
        log.contains("reloaded (test): 1 added, 1 removed, 0 changed; added: b; removed: a"),
        "{log}"
    );
}

#[test]
fn a_run_that_panics_is_reported_finished_as_failed_and_logged() {
    let (logger, log) = Logger::capture(Format::Text);
    let (tx, rx) = mpsc::channel();
    let worker = std::thread::spawn(move || {
        run_and_report("boom", &tx, &logger, || panic!("injected failure"));
    });
    worker.join().expect("the panic does not escape");
    match rx.recv_timeout(Duration::from_secs(1)).unwrap() {
        Event::Finished {
            job,
            status,
            failed,
            ..
        } => {
            assert_eq!(job, "boom");
            assert_eq!(status, RunStatus::Failed);
            assert!(failed);
        }
        _ => panic!("expected a Finished event"),
    }
    let log = log.contents();
    assert!(
        log.contains("[boom] error: internal error: the run panicked (injected failure)"),
        "{log}"
    );
}

#[test]
fn after_a_panicked_run_the_job_is_no_longer_counted_as_running() {
    let mut f = fixture("[jobs.p]\nschedule = \"@daily\"\ncommand = \"true\"\n");
    let job = f.scheduler.plan.job("p").cloned().unwrap();
    f.scheduler.plan.begin("p");
    let events = f.scheduler.events.clone();
    let logger = Arc::clone(&f.scheduler.logger);
    std::thread::spawn(move || run_and_report("p", &events, &logger, || panic!("x")));
    assert_eq!(f.finish_one(), ("p".to_owned(), RunStatus::Failed));
    assert_eq!(f.scheduler.plan.running_total(), 0);
    // The next run starts instead of being skipped as "still running".
    assert_eq!(
        f.scheduler.plan.decide(&job, Utc::now()),
        crate::runner::overlap::Decision::Start
    );
}

#[test]
fn a_job_file_that_is_gone_keeps_the_jobs_until_it_comes_back() {
    let mut f = fixture("[jobs.a]\nschedule = \"@daily\"\ncommand = \"true\"\n");
    f.scheduler.on_file_gone(1, "the job file changed");
    assert!(f.scheduler.plan.job("a").is_some());
    let log = f.log.contents();
    assert!(
        log.contains(&format!(
            "not reloaded (the job file changed): job file {} is gone; keeping the 1 job \
             loaded until it comes back",
            f.scheduler.file.display()
        )),
        "{log}"
    );
    let (jobs, problems) =
        crate::store::parse("[jobs.b]\nschedule = \"@daily\"\ncommand = \"true\"\n");
    let back = JobFile {
        path: f.scheduler.file.clone(),
        text: String::new(),
        jobs,
        problems,
    };
    f.scheduler
        .apply_reload(2, "the job file changed", Ok(back));
    assert!(f.scheduler.plan.job("b").is_some());
    let log = f.log.contents();
    assert!(log.contains("is back"), "{log}");
    assert!(log.contains("1 added, 1 removed"), "{log}");
}
