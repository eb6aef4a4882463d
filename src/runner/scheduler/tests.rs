//! The scheduler's behaviour on a fake clock and a fake executor (`fake`): the real loop
//! (`Scheduler::step`) runs, time moves only when it waits, runs end when a test says so.
//! Each test runs in milliseconds, whatever the machine's load.

use std::sync::mpsc;

use super::fake::{FakeClock, FakeExecutor, Started};
use super::*;
use crate::log::SharedBuffer;
use crate::runner::sources;
use crate::runner::sources::signals::Stop;

struct Fixture {
    scheduler: Scheduler,
    events: Receiver<Event>,
    tx: Sender<Event>,
    clock: FakeClock,
    exec: FakeExecutor,
    log: SharedBuffer,
    published: Arc<Published>,
    /// Holds the job file.
    _dir: tempfile::TempDir,
}

/// The first instant of every fixture: a quarter second into a second, as a real start is.
const START: &str = "2026-01-01T00:00:00.250Z";

fn fixture(toml: &str) -> Fixture {
    fixture_at(toml, START)
}

/// A scheduler started at `start` on the job file `[defaults] timezone = "UTC"` + `toml`.
fn fixture_at(toml: &str, start: &str) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("jobs.toml");
    write_jobs(&file, toml);
    let (logger, log) = Logger::capture(crate::log::Format::Text);
    let setup = Setup {
        file: file.clone(),
        grace: Duration::from_secs(30),
        logger: Arc::new(logger),
        metrics: Some(Arc::new(Metrics::default())),
        published: Arc::new(Published::default()),
    };
    let published = Arc::clone(&setup.published);
    let (tx, rx) = mpsc::channel();
    let clock = FakeClock::new(t(start));
    let exec = FakeExecutor::new(&clock);
    let mut scheduler = Scheduler::new(
        setup,
        Box::new(clock.clone()),
        Box::new(exec.clone()),
        tx.clone(),
    );
    scheduler.start(JobFile::load(&file).unwrap().jobs);
    sources::at_start(scheduler.jobs(), &tx);
    Fixture {
        scheduler,
        events: rx,
        tx,
        clock,
        exec,
        log,
        published,
        _dir: dir,
    }
}

fn write_jobs(file: &std::path::Path, toml: &str) {
    std::fs::write(file, format!("[defaults]\ntimezone = \"UTC\"\n{toml}")).unwrap();
}

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

impl Fixture {
    /// Runs the loop until the fake clock reaches `until` (and every event pending then is
    /// handled); the exit status if the scheduler stopped.
    fn run_until(&mut self, until: &str) -> Option<ExitCode> {
        let span = (t(until) - self.clock.now()).to_std().unwrap_or_default();
        self.run_for(span)
    }

    /// Runs the loop for `span` of fake time.
    fn run_for(&mut self, span: Duration) -> Option<ExitCode> {
        self.clock.allow(span);
        // One more turn once time is up: a turn starts what is due before it waits.
        let mut last_turn = false;
        for _ in 0..1_000_000 {
            match self.scheduler.step(&self.events) {
                Step::Exit(code) => return Some(code),
                Step::Timeout if self.clock.at_horizon() => {
                    if last_turn {
                        return None;
                    }
                    last_turn = true;
                }
                Step::Timeout | Step::Event => {}
            }
        }
        panic!("the scheduler loop did not reach the horizon");
    }

    /// Waits (in real time) until the reading of the job file, done on a helper thread, is
    /// applied.
    fn settle(&mut self) {
        while self.scheduler.applied_seq < self.scheduler.reload_seq {
            let event = self.events.recv_timeout(Duration::from_secs(10)).unwrap();
            assert!(self.scheduler.handle(event, &self.events).is_none());
        }
    }

    /// Replaces the job file and reloads it as the watcher would.
    fn reload(&mut self, toml: &str) {
        write_jobs(&self.scheduler.file, toml);
        self.tx.send(Event::Reload("the job file changed")).unwrap();
        self.run_for(Duration::ZERO);
        self.settle();
    }

    fn log(&self) -> String {
        self.log.contents()
    }

    /// The instants the runs of `job` were for.
    fn runs_of(&self, job: &str) -> Vec<DateTime<Utc>> {
        self.exec
            .started()
            .into_iter()
            .filter(|s| s.job == job)
            .map(|s| s.at)
            .collect()
    }
}

/// Every whole second in `from..=to`.
fn seconds(from: &str, to: &str) -> Vec<DateTime<Utc>> {
    let (mut at, to) = (t(from), t(to));
    let mut all = Vec::new();
    while at <= to {
        all.push(at);
        at += TimeDelta::seconds(1);
    }
    all
}

#[test]
fn an_every_second_job_runs_at_each_second_and_never_early() {
    let mut f = fixture("[jobs.tick]\nschedule = \"* * * * * *\"\ncommand = \"true\"\n");
    for second in 1..=3 {
        f.run_until(&format!("2026-01-01T00:00:0{second}Z"));
        f.exec.finish("tick", RunStatus::Ok);
    }
    f.run_until("2026-01-01T00:00:03.900Z");
    let started = f.exec.started();
    assert_eq!(
        f.runs_of("tick"),
        seconds("2026-01-01T00:00:01Z", "2026-01-01T00:00:03Z")
    );
    // Started at its instant exactly: not before, and not late.
    assert!(started.iter().all(|s| s.started == s.at), "{started:?}");
    assert!(started.iter().all(|s| s.trigger == Trigger::Schedule));
    assert!(f.log().contains("scheduling 1 job from"), "{}", f.log());
}

#[test]
fn with_only_after_jobs_the_start_line_names_after_among_the_reasons() {
    // A file of webhook-only or `after`-only jobs is not "all disabled or @reboot".
    let mut f = fixture(
        "[jobs.up]\nschedule = \"@reboot\"\ncommand = \"true\"\n\
         [jobs.down]\nafter = [\"up\"]\ncommand = \"true\"\n",
    );
    f.run_until("2026-01-01T00:00:01Z");
    assert!(
        f.log().contains(
            "no job has a next run (each is disabled, @reboot only, started by a webhook or `after`"
        ),
        "{}",
        f.log()
    );
}

#[test]
fn overlap_skip_drops_the_runs_due_while_one_runs() {
    let mut f = fixture("[jobs.slow]\nschedule = \"* * * * * *\"\ncommand = \"true\"\n");
    f.run_until("2026-01-01T00:00:03.500Z");
    assert_eq!(f.runs_of("slow"), [t("2026-01-01T00:00:01Z")]);
    let log = f.log();
    for second in ["02", "03"] {
        assert!(
            log.contains(&format!(
                "[slow] warning: skipped run due at 2026-01-01T00:00:{second}Z: previous run \
                 still running"
            )),
            "{log}"
        );
    }
    // Once it ended, the next instant starts again.
    f.exec.finish("slow", RunStatus::Ok);
    f.run_until("2026-01-01T00:00:04.500Z");
    assert_eq!(
        f.runs_of("slow"),
        [t("2026-01-01T00:00:01Z"), t("2026-01-01T00:00:04Z")]
    );
}

#[test]
fn a_webhook_run_dropped_by_overlap_is_not_called_due() {
    let mut f = fixture("[jobs.slow]\nschedule = \"0 0 * * * *\"\ncommand = \"true\"\n");
    for _ in 0..2 {
        f.tx.send(Event::RunNow(RunRequest::plain(
            "slow".into(),
            Trigger::Webhook,
        )))
        .unwrap();
    }
    f.run_until("2026-01-01T00:00:01Z");
    let log = f.log();
    assert!(
        log.contains("[slow] warning: skipped webhook run asked at 2026-01-01T00:00:00Z: previous run still running"),
        "{log}"
    );
    assert!(!log.contains("due at"), "{log}");
}

#[test]
fn overlap_queue_keeps_one_run_and_starts_it_right_after() {
    let mut f =
        fixture("[jobs.q]\nschedule = \"* * * * * *\"\ncommand = \"true\"\noverlap = \"queue\"\n");
    f.run_until("2026-01-01T00:00:04.500Z");
    assert_eq!(f.runs_of("q"), [t("2026-01-01T00:00:01Z")]);
    let log = f.log();
    assert!(
        log.contains("run due at 2026-01-01T00:00:02Z queued: previous run still running"),
        "{log}"
    );
    for second in ["03", "04"] {
        assert!(
            log.contains(&format!(
                "skipped run due at 2026-01-01T00:00:{second}Z: previous run still running and \
                 another run is queued"
            )),
            "{log}"
        );
    }
    // The queued run starts as soon as the first ends, not at the next instant.
    f.exec.finish("q", RunStatus::Ok);
    f.run_for(Duration::ZERO);
    let started = f.exec.started();
    assert_eq!(started.len(), 2, "{started:?}");
    assert_eq!(started[1].at, t("2026-01-01T00:00:02Z"));
    assert_eq!(started[1].started, t("2026-01-01T00:00:04.500Z"));
}

#[test]
fn overlap_allow_starts_runs_side_by_side() {
    let mut f =
        fixture("[jobs.a]\nschedule = \"* * * * * *\"\ncommand = \"true\"\noverlap = \"allow\"\n");
    f.run_until("2026-01-01T00:00:03.500Z");
    assert_eq!(
        f.runs_of("a"),
        seconds("2026-01-01T00:00:01Z", "2026-01-01T00:00:03Z")
    );
    assert_eq!(f.exec.running(), 3);
    assert_eq!(f.scheduler.plan.running_total(), 3);
    assert!(!f.log().contains("skipped"), "{}", f.log());
}

#[test]
fn a_slow_job_does_not_delay_another() {
    let mut f = fixture(
        "[jobs.slow]\nschedule = \"0 * * * * *\"\ncommand = \"true\"\n\
         [jobs.fast]\nschedule = \"*/10 * * * * *\"\ncommand = \"true\"\n",
    );
    let mut fast = Vec::new();
    for ten in 1..=12 {
        f.run_until(&(t(START) + TimeDelta::seconds(10 * ten)).to_rfc3339());
        f.exec.finish("fast", RunStatus::Ok);
        fast.push(t("2026-01-01T00:00:00Z") + TimeDelta::seconds(10 * ten));
    }
    // slow started at the minute and never ended; fast ran at each of its instants, on time.
    assert_eq!(f.runs_of("slow"), [t("2026-01-01T00:01:00Z")]);
    assert_eq!(f.runs_of("fast"), fast);
    let started: Vec<Started> = f.exec.started();
    assert!(started.iter().all(|s| s.started == s.at), "{started:?}");
}

#[test]
fn a_reload_adds_removes_and_keeps_the_jobs_on_a_broken_file() {
    let job =
        |name: &str| format!("[jobs.{name}]\nschedule = \"* * * * * *\"\ncommand = \"true\"\n");
    let mut f = fixture(&job("a"));
    f.run_until("2026-01-01T00:00:01.500Z");
    f.exec.finish("a", RunStatus::Ok);
    f.reload(&job("b"));
    let log = f.log();
    assert!(
        log.contains(
            "reloaded (the job file changed): 1 added, 1 removed, 0 changed; added: b; \
             removed: a"
        ),
        "{log}"
    );
    f.run_until("2026-01-01T00:00:02.500Z");
    f.exec.finish("b", RunStatus::Ok);
    assert_eq!(f.runs_of("a"), [t("2026-01-01T00:00:01Z")]);
    assert_eq!(f.runs_of("b"), [t("2026-01-01T00:00:02Z")]);

    // A broken file keeps b running.
    f.reload("[jobs.c]\nschedule = \"61 * * * *\"\ncommand = \"true\"\n");
    let log = f.log();
    assert!(log.contains("invalid job file"), "{log}");
    assert!(
        log.contains("not reloaded (the job file changed): 1 problem in"),
        "{log}"
    );
    assert!(log.contains("keeping the previous 1 jobs"), "{log}");
    // What the server sees: the jobs of the last good reading.
    let names = |f: &Fixture| -> Vec<String> {
        f.published.jobs().iter().map(|j| j.name.clone()).collect()
    };
    assert_eq!(names(&f), ["b"]);
    f.run_until("2026-01-01T00:00:03.500Z");
    assert_eq!(
        f.runs_of("b"),
        [t("2026-01-01T00:00:02Z"), t("2026-01-01T00:00:03Z")]
    );
    assert!(f.runs_of("c").is_empty());
}

#[test]
fn a_reload_that_changes_server_says_a_restart_applies_it() {
    let job = "[jobs.a]\nschedule = \"0 * * * *\"\ncommand = \"true\"\n";
    let mut f = fixture(job);
    // A rotated token (or a new listen address) is not applied by a reload: say so, once.
    let server = "[server]\nlisten = \"127.0.0.1:9\"\ntoken = \"${NEW_TOKEN}\"\n";
    f.reload(&format!("{server}{job}"));
    f.reload(&format!("{server}{job}"));
    let log = f.log();
    assert_eq!(log.matches("[server] changed in").count(), 1, "{log}");
    assert!(log.contains("restart `jobtab run`"), "{log}");
    // A reload that leaves [server] as it is says nothing about it.
    let mut f = fixture(job);
    f.reload(job);
    assert!(!f.log().contains("[server]"), "{}", f.log());
}

#[test]
fn a_reload_applies_only_the_newest_reading() {
    let mut f = fixture("[jobs.a]\nschedule = \"@daily\"\ncommand = \"true\"\n");
    let reading = |f: &Fixture, toml: &str| {
        let (jobs, problems) = crate::store::parse(toml);
        JobFile {
            path: f.scheduler.file.clone(),
            text: String::new(),
            jobs,
            server: crate::store::ServerConfig::default(),
            problems,
        }
    };
    let newer = reading(&f, "[jobs.b]\nschedule = \"@daily\"\ncommand = \"true\"\n");
    let older = reading(&f, "[jobs.c]\nschedule = \"@daily\"\ncommand = \"true\"\n");
    f.scheduler.apply_reload(2, "test", Ok(newer));
    // An older reading arriving late is ignored.
    f.scheduler.apply_reload(1, "test", Ok(older));
    assert!(f.scheduler.plan.job("a").is_none());
    assert!(f.scheduler.plan.job("b").is_some());
    assert!(f.scheduler.plan.job("c").is_none());
}

#[test]
fn a_forward_jump_misses_runs_and_catches_up_once() {
    let mut f = fixture(
        r#"
        [jobs.plain]
        schedule = "* * * * *"
        command = "true"
        [jobs.backup]
        schedule = "* * * * *"
        command = "true"
        catch_up = "once"
        "#,
    );
    f.run_until("2026-01-01T00:00:30Z");
    f.clock.jump(TimeDelta::hours(2));
    f.run_for(Duration::from_millis(100));
    let log = f.log();
    assert!(
        log.contains("the clock jumped 2h forward (or the machine slept)"),
        "{log}"
    );
    assert!(
        log.contains(
            "[plain] warning: missed 120 runs of plain due from 2026-01-01T00:01:00Z to \
             2026-01-01T02:00:00Z (clock jumped 2h forward); skipped"
        ),
        "{log}"
    );
    assert!(
        log.contains("catching up once (catch_up = \"once\") for 2026-01-01T02:00:00Z"),
        "{log}"
    );
    // Exactly one run started: backup's catch-up, for the last missed instant.
    let started = f.exec.started();
    assert_eq!(started.len(), 1, "{started:?}");
    assert_eq!(
        (started[0].job.as_str(), started[0].at, started[0].trigger),
        ("backup", t("2026-01-01T02:00:00Z"), Trigger::CatchUp)
    );
    let rendered = f.scheduler.metrics.as_ref().unwrap().render();
    assert!(
        rendered.contains("jobtab_runs_total{job=\"plain\",status=\"skipped\"} 120"),
        "{rendered}"
    );
    // Then both go on from the new time.
    f.exec.finish("backup", RunStatus::Ok);
    f.run_until("2026-01-01T02:01:30Z");
    assert_eq!(f.runs_of("plain"), [t("2026-01-01T02:01:00Z")]);
}

#[test]
fn counting_missed_runs_after_a_long_jump_is_bounded() {
    let mut f = fixture("[jobs.s]\nschedule = \"* * * * * *\"\ncommand = \"true\"\n");
    f.clock.jump(TimeDelta::hours(2));
    f.run_for(Duration::from_millis(100));
    let log = f.log();
    assert!(
        log.contains("[s] warning: missed 1000+ runs of s due from"),
        "{log}"
    );
    let rendered = f.scheduler.metrics.as_ref().unwrap().render();
    assert!(rendered.contains("jobtab_runs_total{job=\"s\",status=\"skipped\"} 1000"));
}

#[test]
fn a_backward_jump_keeps_wildcard_jobs_on_real_time_and_never_repeats_fixed_ones() {
    let mut f = fixture(
        r#"
        [jobs.m]
        schedule = "* * * * *"
        command = "true"
        [jobs.fixed]
        schedule = "30 0 * * *"
        command = "true"
        "#,
    );
    for minute in 1..=30 {
        f.run_until(&format!("2026-01-01T00:{minute:02}:00Z"));
        f.exec.finish("m", RunStatus::Ok);
    }
    f.exec.finish("fixed", RunStatus::Ok);
    f.run_until("2026-01-01T00:30:30Z");
    f.clock.jump(-TimeDelta::minutes(10));
    // Back at 00:20:30; on to 00:35 of the new time, ending m's runs as they come.
    for minute in 21..=35 {
        f.run_until(&format!("2026-01-01T00:{minute}:00Z"));
        f.exec.finish("m", RunStatus::Ok);
    }
    let log = f.log();
    assert!(log.contains("the clock jumped"), "{log}");
    assert!(
        log.contains(
            "backward; jobs with * in the minute or hour field go on running on the new time, \
             fixed-time runs already done are not repeated"
        ),
        "{log}"
    );
    assert_eq!(f.runs_of("fixed"), [t("2026-01-01T00:30:00Z")]);
    let m = f.runs_of("m");
    assert_eq!(m[29], t("2026-01-01T00:30:00Z"));
    assert_eq!(m[30], t("2026-01-01T00:21:00Z"), "{m:?}");
    assert_eq!(m.last(), Some(&t("2026-01-01T00:35:00Z")));
}

#[test]
fn a_backward_jump_beyond_three_hours_replans_every_job() {
    let mut f = fixture("[jobs.fixed]\nschedule = \"30 0 * * *\"\ncommand = \"true\"\n");
    f.run_until("2026-01-01T00:31:00Z");
    f.exec.finish("fixed", RunStatus::Ok);
    f.run_until("2026-01-02T00:31:00Z");
    f.exec.finish("fixed", RunStatus::Ok);
    // A day back: a correction, so the instant already run comes again.
    f.clock.jump(-TimeDelta::days(1));
    f.run_until("2026-01-02T00:31:00Z");
    assert!(
        f.log().contains("treating it as a clock correction"),
        "{}",
        f.log()
    );
    assert_eq!(
        f.runs_of("fixed"),
        [
            t("2026-01-01T00:30:00Z"),
            t("2026-01-02T00:30:00Z"),
            t("2026-01-02T00:30:00Z")
        ]
    );
}

#[test]
fn dst_days_in_two_zones_follow_the_vixie_cron_rule() {
    // Berlin springs forward at 02:00 CET on 29 March 2026: 02:30 does not exist, the run
    // comes at the first instant after the gap (03:00 CEST, 01:00 UTC), once.
    let mut berlin = fixture_at(
        "[jobs.b]\nschedule = \"30 2 * * *\"\ntimezone = \"Europe/Berlin\"\ncommand = \"true\"\n",
        "2026-03-28T20:00:00Z",
    );
    berlin.run_until("2026-03-29T23:00:00Z");
    assert_eq!(berlin.runs_of("b"), [t("2026-03-29T01:00:00Z")]);
    // New York falls back at 02:00 EDT on 1 November 2026: 01:30 happens twice, the run
    // comes at the first (EDT, 05:30 UTC) only; an every-30-minutes job runs at both.
    let mut new_york = fixture_at(
        "[jobs.n]\nschedule = \"30 1 * * *\"\ntimezone = \"America/New_York\"\ncommand = \"true\"\n\
         [jobs.w]\nschedule = \"*/30 * * * *\"\ntimezone = \"America/New_York\"\ncommand = \"true\"\n",
        "2026-11-01T04:50:00Z",
    );
    for at in ["05:00", "05:30", "06:00", "06:30", "07:00"] {
        new_york.run_until(&format!("2026-11-01T{at}:00Z"));
        new_york.exec.finish("w", RunStatus::Ok);
    }
    new_york.run_until("2026-11-02T00:00:00Z");
    assert_eq!(new_york.runs_of("n"), [t("2026-11-01T05:30:00Z")]);
    let w = new_york.runs_of("w");
    assert_eq!(
        &w[..5],
        [
            t("2026-11-01T05:00:00Z"),
            t("2026-11-01T05:30:00Z"),
            t("2026-11-01T06:00:00Z"),
            t("2026-11-01T06:30:00Z"),
            t("2026-11-01T07:00:00Z")
        ]
    );
}

#[test]
fn a_reboot_job_runs_once_at_start_and_not_on_reload() {
    let toml = "[jobs.boot]\nschedule = \"@reboot\"\ncommand = \"true\"\n\
                [jobs.off]\nschedule = \"@reboot\"\ncommand = \"true\"\nenabled = false\n";
    let mut f = fixture(toml);
    f.run_for(Duration::ZERO);
    let started = f.exec.started();
    assert_eq!(started.len(), 1, "{started:?}");
    assert_eq!(
        (started[0].job.as_str(), started[0].at, started[0].trigger),
        ("boot", t(START), Trigger::Start)
    );
    assert!(
        f.log().contains("[boot] running at start (@reboot)"),
        "{}",
        f.log()
    );
    f.exec.finish("boot", RunStatus::Ok);
    f.reload(&format!(
        "{toml}[jobs.boot2]\nschedule = \"@reboot\"\ncommand = \"true\"\n"
    ));
    f.run_for(Duration::from_secs(24 * 3600));
    assert_eq!(f.exec.names(), ["boot"]);
}

#[test]
fn shutdown_waits_out_the_grace_period_then_cancels() {
    let mut f = fixture("[jobs.slow]\nschedule = \"* * * * * *\"\ncommand = \"true\"\n");
    f.run_until("2026-01-01T00:00:01.500Z");
    f.tx.send(Event::Signal(Signal::Stop(Stop::Term))).unwrap();
    let stopped = f.clock.now();
    assert_eq!(
        f.run_for(Duration::from_secs(3600)),
        Some(ExitCode::SUCCESS)
    );
    // The 30 s grace passed in fake time, then the run was cancelled and ended.
    assert_eq!(f.clock.now() - stopped, TimeDelta::seconds(30));
    assert_eq!(f.exec.stops(), (1, 0));
    let log = f.log();
    assert!(
        log.contains("SIGTERM: stopped scheduling; waiting up to 30s for 1 running job"),
        "{log}"
    );
    assert!(
        log.contains("grace period over: stopping 1 running job"),
        "{log}"
    );
    assert!(log.contains("all running jobs ended; exiting"), "{log}");
    assert_eq!(f.runs_of("slow").len(), 1);
}

#[test]
fn shutdown_ends_as_soon_as_the_runs_end_within_the_grace() {
    let mut f = fixture("[jobs.slow]\nschedule = \"* * * * * *\"\ncommand = \"true\"\n");
    f.run_until("2026-01-01T00:00:01.500Z");
    f.tx.send(Event::Signal(Signal::Stop(Stop::Int))).unwrap();
    f.exec.finish("slow", RunStatus::Ok);
    let stopped = f.clock.now();
    assert_eq!(
        f.run_for(Duration::from_secs(3600)),
        Some(ExitCode::SUCCESS)
    );
    assert_eq!(f.clock.now(), stopped);
    assert_eq!(f.exec.stops(), (0, 0));
    assert!(
        f.log().contains("all running jobs ended; exiting"),
        "{}",
        f.log()
    );
}

#[test]
fn a_second_stop_signal_kills_at_once_and_exits_128_plus_its_number() {
    let mut f = fixture("[jobs.slow]\nschedule = \"* * * * * *\"\ncommand = \"true\"\n");
    f.exec.set_stubborn();
    f.run_until("2026-01-01T00:00:01.500Z");
    f.tx.send(Event::Signal(Signal::Stop(Stop::Term))).unwrap();
    f.tx.send(Event::Signal(Signal::Stop(Stop::Term))).unwrap();
    assert_eq!(
        f.run_for(Duration::from_secs(3600)),
        Some(ExitCode::from(143))
    );
    assert_eq!(f.exec.stops(), (0, 1));
    assert!(
        f.log()
            .contains("SIGTERM again: killing 1 running job(s) now"),
        "{}",
        f.log()
    );
}

#[test]
fn a_stop_drops_the_queued_run() {
    let mut f =
        fixture("[jobs.q]\nschedule = \"* * * * * *\"\ncommand = \"true\"\noverlap = \"queue\"\n");
    f.run_until("2026-01-01T00:00:02.500Z");
    f.tx.send(Event::Signal(Signal::Stop(Stop::Term))).unwrap();
    assert_eq!(
        f.run_for(Duration::from_secs(3600)),
        Some(ExitCode::SUCCESS)
    );
    assert!(
        f.log().contains("dropped 1 queued run(s): stopping"),
        "{}",
        f.log()
    );
    assert_eq!(f.runs_of("q"), [t("2026-01-01T00:00:01Z")]);
}

#[test]
fn a_stop_with_nothing_running_exits_at_once() {
    let mut f = fixture("[jobs.d]\nschedule = \"@daily\"\ncommand = \"true\"\n");
    assert_eq!(f.published.jobs().len(), 1);
    assert!(!f.published.stopping());
    f.tx.send(Event::Signal(Signal::Stop(Stop::Int))).unwrap();
    assert_eq!(
        f.run_for(Duration::from_secs(3600)),
        Some(ExitCode::SUCCESS)
    );
    assert_eq!(f.clock.now(), t(START));
    assert!(f.published.stopping());
    assert!(
        f.log().contains("SIGINT: stopped; no jobs were running"),
        "{}",
        f.log()
    );
}

#[test]
fn a_run_that_panics_is_reported_finished_as_failed_and_logged() {
    let (logger, log) = Logger::capture(crate::log::Format::Text);
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
    let events = f.tx.clone();
    let logger = Arc::clone(&f.scheduler.logger);
    std::thread::spawn(move || run_and_report("p", &events, &logger, || panic!("x")))
        .join()
        .unwrap();
    f.run_for(Duration::ZERO);
    assert_eq!(f.scheduler.plan.running_total(), 0);
    // The next run starts instead of being skipped as "still running".
    assert_eq!(
        f.scheduler.plan.decide(&job),
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
        server: crate::store::ServerConfig::default(),
        problems,
    };
    f.scheduler
        .apply_reload(2, "the job file changed", Ok(back));
    assert!(f.scheduler.plan.job("b").is_some());
    let log = f.log.contents();
    assert!(log.contains("is back"), "{log}");
    assert!(log.contains("1 added, 1 removed"), "{log}");
}

/// The jitter offset the job `name` has on this machine (as loaded by the scheduler).
fn offset_of(f: &Fixture, name: &str) -> TimeDelta {
    f.scheduler.plan.job(name).unwrap().triggers.offset()
}

#[test]
fn a_jittered_job_fires_at_its_offset_with_the_slot_as_scheduled_at() {
    let mut f = fixture(
        "[jobs.j]\nschedule = \"0 * * * *\"\njitter = \"10m\"\ncommand = \"true\"\n\
         [jobs.plain]\nschedule = \"0 * * * *\"\ncommand = \"true\"\n",
    );
    let offset = offset_of(&f, "j");
    assert!(offset >= TimeDelta::zero() && offset < TimeDelta::minutes(10));
    assert_eq!(
        offset.num_seconds() % 60,
        0,
        "whole minutes for jitter = 10m"
    );
    // The scheduler starts at 00:00:00.250: the 00:00 slot of `j` has not fired yet.
    f.run_until("2026-01-01T00:30:00Z");
    f.exec.finish("j", RunStatus::Ok);
    f.run_until("2026-01-01T01:30:00Z");
    let runs: Vec<Started> = f
        .exec
        .started()
        .into_iter()
        .filter(|s| s.job == "j")
        .collect();
    let expected: Vec<(DateTime<Utc>, DateTime<Utc>)> =
        ["2026-01-01T00:00:00Z", "2026-01-01T01:00:00Z"]
            .iter()
            .map(|slot| (t(slot), t(slot) + offset))
            .filter(|(_, fires)| *fires > t(START))
            .collect();
    let got: Vec<(DateTime<Utc>, DateTime<Utc>)> = runs.iter().map(|s| (s.at, s.started)).collect();
    assert_eq!(
        got, expected,
        "the slot is scheduled_at; it starts the offset later"
    );
    let plain: Vec<Started> = f
        .exec
        .started()
        .into_iter()
        .filter(|s| s.job == "plain")
        .collect();
    assert_eq!(plain[0].started, t("2026-01-01T01:00:00Z"));
}

#[test]
fn jittered_runs_keep_firing_each_slot_plus_the_offset() {
    let mut f =
        fixture("[jobs.j]\nschedule = \"*/5 * * * *\"\njitter = \"90s\"\ncommand = \"true\"\n");
    let offset = offset_of(&f, "j");
    assert!(offset < TimeDelta::seconds(90));
    // The 00:00 slot fires after the start (00:00:00.250) unless the offset is 0.
    f.run_until("2026-01-01T00:04:00Z");
    if f.exec.running() > 0 {
        f.exec.finish("j", RunStatus::Ok);
    }
    let before = f.exec.started().len();
    for slot in [
        "2026-01-01T00:05:00Z",
        "2026-01-01T00:10:00Z",
        "2026-01-01T00:15:00Z",
    ] {
        f.run_until(&(t(slot) + offset).to_rfc3339());
        let last = f.exec.started().last().cloned().unwrap();
        assert_eq!((last.at, last.started), (t(slot), t(slot) + offset));
        f.exec.finish("j", RunStatus::Ok);
    }
    assert_eq!(f.exec.started().len(), before + 3);
}

#[test]
fn a_fixed_time_job_with_jitter_runs_once_on_a_dst_day() {
    // Spring forward (02:30 does not exist on 2026-03-08 in New York: Vixie runs it at 03:00
    // EDT, then the jitter), and fall back (01:30 happens twice on 2026-11-01: it runs once).
    for (schedule, start, end, slot) in [
        (
            "30 2 * * *",
            "2026-03-07T12:00:00Z",
            "2026-03-09T00:00:00Z",
            "2026-03-08T07:00:00Z",
        ),
        (
            "30 1 * * *",
            "2026-10-31T12:00:00Z",
            "2026-11-02T00:00:00Z",
            "2026-11-01T05:30:00Z",
        ),
    ] {
        let mut f = fixture_at(
            &format!(
                "[jobs.j]\nschedule = \"{schedule}\"\ntimezone = \"America/New_York\"\n\
                 jitter = \"10m\"\ncommand = \"true\"\n"
            ),
            start,
        );
        let offset = offset_of(&f, "j");
        let mut runs = Vec::new();
        while f.clock.now() < t(end) {
            f.run_for(Duration::from_secs(600));
            while f.exec.running() > 0 {
                f.exec.finish("j", RunStatus::Ok);
            }
            runs = f.exec.started();
        }
        assert_eq!(runs.len(), 1, "{schedule}: {runs:?}");
        assert_eq!(runs[0].at, t(slot), "{schedule}");
        assert_eq!(runs[0].started, t(slot) + offset, "{schedule}");
    }
}

const CHAIN: &str = "[jobs.backup]\nschedule = \"0 * * * *\"\ncommand = \"true\"\n\
     [jobs.report]\nafter = [\"backup\"]\ncommand = \"true\"\n\
     [jobs.alert]\nafter = [\"backup\"]\nafter_status = \"failure\"\ncommand = \"true\"\n";

#[test]
fn backup_ok_runs_report_once_with_the_upstream_run_id() {
    let mut f = fixture(CHAIN);
    f.run_until("2026-01-01T01:00:01Z");
    assert_eq!(f.exec.names(), ["backup"]);
    let backup = f.exec.started()[0].clone();
    f.exec.finish("backup", RunStatus::Ok);
    f.run_for(Duration::from_secs(1));
    assert_eq!(f.exec.names(), ["backup", "report"]);
    let report = f.exec.started()[1].clone();
    assert_eq!(report.trigger, Trigger::After);
    assert_eq!(
        report.input.upstream_run_id.as_deref(),
        Some(backup.run_id.as_str())
    );
    f.exec.finish("report", RunStatus::Ok);
    f.run_until("2026-01-01T01:59:00Z");
    assert_eq!(f.exec.names(), ["backup", "report"], "once");
    assert!(
        f.log()
            .contains("[report] running after backup (run fake-1 ended ok)"),
        "{}",
        f.log()
    );
}

#[test]
fn backup_failing_runs_the_failure_job_and_not_report() {
    let mut f = fixture(CHAIN);
    f.run_until("2026-01-01T01:00:01Z");
    f.exec.finish("backup", RunStatus::Failed);
    f.run_for(Duration::from_secs(1));
    assert_eq!(f.exec.names(), ["backup", "alert"]);
    // A skipped run (the previous one still held the lock) starts nothing.
    f.exec.finish("alert", RunStatus::Ok);
    f.run_until("2026-01-01T02:00:01Z");
    f.exec.finish("backup", RunStatus::Skipped);
    f.run_for(Duration::from_secs(1));
    assert_eq!(f.exec.names(), ["backup", "alert", "backup"]);
}

#[test]
fn a_chain_of_three_runs_in_order() {
    let mut f = fixture(
        "[jobs.c]\nafter = [\"b\"]\ncommand = \"true\"\n\
         [jobs.b]\nafter = [\"a\"]\nafter_status = \"always\"\ncommand = \"true\"\n\
         [jobs.a]\nschedule = \"0 * * * *\"\ncommand = \"true\"\n",
    );
    f.run_until("2026-01-01T01:00:00Z");
    f.run_for(Duration::from_secs(30));
    f.exec.finish("a", RunStatus::Failed);
    f.run_for(Duration::from_secs(30));
    f.exec.finish("b", RunStatus::Ok);
    f.run_for(Duration::from_secs(30));
    f.exec.finish("c", RunStatus::Ok);
    f.run_for(Duration::from_secs(30));
    let runs = f.exec.started();
    let order: Vec<(&str, DateTime<Utc>)> =
        runs.iter().map(|s| (s.job.as_str(), s.started)).collect();
    assert_eq!(
        order,
        [
            ("a", t("2026-01-01T01:00:00Z")),
            ("b", t("2026-01-01T01:00:30Z")),
            ("c", t("2026-01-01T01:01:00Z")),
        ]
    );
    assert_eq!(
        runs[1].input.upstream_run_id.as_deref(),
        Some(runs[0].run_id.as_str())
    );
    assert_eq!(
        runs[2].input.upstream_run_id.as_deref(),
        Some(runs[1].run_id.as_str())
    );
}
