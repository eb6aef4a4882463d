//! Unit tests of the history: append, readers, rotation and compaction, bounds.
use super::compact::{KEPT_PER_JOB, TAILS_PER_JOB};
use super::*;

/// The job file of the records made here (it need not exist).
const FILE: &str = "/nonexistent-jobtab/jobs.toml";

fn file() -> &'static Path {
    Path::new(FILE)
}

pub(crate) fn record(job: &str, status: RunStatus, minute: u32) -> RunRecord {
    let at = DateTime::parse_from_rfc3339(&format!("2026-03-01T10:{minute:02}:00Z"))
        .unwrap()
        .with_timezone(&Utc);
    RunRecord {
        job: job.to_owned(),
        file: Some(FILE.to_owned()),
        run_id: format!("{job}-{minute}"),
        trigger: "manual".to_owned(),
        delivery: None,
        upstream_run_id: None,
        status,
        exit_code: Some(i32::from(status != RunStatus::Ok)),
        http_status: None,
        scheduled_at: at,
        started_at: at,
        duration_ms: 5,
        attempts: 1,
        output_tail: format!("out {minute}\n"),
        error: None,
        notifications: Vec::new(),
        amends: false,
    }
}

#[test]
fn append_and_read_back_newest_first() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("nested/state");
    append(&state, &record("a", RunStatus::Ok, 1)).unwrap();
    append(&state, &record("b", RunStatus::Failed, 2)).unwrap();
    append(&state, &record("a", RunStatus::Timeout, 3)).unwrap();
    append(&state, &record("a", RunStatus::Skipped, 4)).unwrap();

    let all = recent(&state, file(), None, 10, false).unwrap();
    let ids: Vec<_> = all.iter().map(|r| r.run_id.as_str()).collect();
    assert_eq!(ids, ["a-4", "a-3", "b-2", "a-1"]);
    let a = recent(&state, file(), Some("a"), 2, false).unwrap();
    assert_eq!(
        a.iter().map(|r| r.run_id.as_str()).collect::<Vec<_>>(),
        ["a-4", "a-3"]
    );
    let failed = recent(&state, file(), None, 10, true).unwrap();
    assert_eq!(
        failed.iter().map(|r| r.run_id.as_str()).collect::<Vec<_>>(),
        ["a-3", "b-2"]
    );
    assert!(
        recent(&state, file(), Some("zzz"), 10, false)
            .unwrap()
            .is_empty()
    );

    let last = last_results(&state, file()).unwrap();
    assert_eq!(last.len(), 2);
    assert_eq!(last["a"].run_id, "a-4");
    assert_eq!(last["b"].status, RunStatus::Failed);
    assert_eq!(last["b"], record("b", RunStatus::Failed, 2));
}

#[test]
fn job_names_are_read_from_the_prefix_or_decoded() {
    let filter = FileFilter::new(file());
    let job_of = |line: &'static str| filter.job_of(line).map(Cow::into_owned);
    assert_eq!(
        job_of(r#"{"job":"a.b-c","run_id":"x"}"#).as_deref(),
        Some("a.b-c")
    );
    assert_eq!(
        job_of(r#"{"run_id":"x","job":"late"}"#).as_deref(),
        Some("late")
    );
    assert_eq!(
        job_of(r#"{"job":"q\"uote","x":1}"#).as_deref(),
        Some("q\"uote")
    );
    assert_eq!(job_of(r#"{"job":"trunc"#), None);
    assert_eq!(job_of("garbage"), None);
    // With a file: this one's, or another's.
    let ours = r#"{"job":"a","file":"/nonexistent-jobtab/jobs.toml","run_id":"x"}"#;
    assert_eq!(job_of(ours).as_deref(), Some("a"));
    assert_eq!(
        job_of(r#"{"job":"a","file":"/other/jobs.toml","run_id":"x"}"#),
        None
    );
    assert_eq!(
        job_of(r#"{"job":"a","file":"/nonexistent-jobtab/jobs.toml.bak","run_id":"x"}"#),
        None
    );
    assert_eq!(
        job_of(r#"{"run_id":"x","file":"/other/jobs.toml","job":"late"}"#),
        None
    );
    assert_eq!(
        job_of(r#"{"job":"q\"","file":"/nonexistent-jobtab/jobs.toml"}"#).as_deref(),
        Some("q\"")
    );
}

#[test]
fn each_job_file_sees_its_own_records_and_those_without_a_file() {
    let dir = tempfile::tempdir().unwrap();
    append(dir.path(), &record("backup", RunStatus::Ok, 1)).unwrap();
    let mut other = record("backup", RunStatus::Failed, 2);
    other.file = Some("/elsewhere/jobs.toml".to_owned());
    other.run_id = "other".to_owned();
    append(dir.path(), &other).unwrap();
    let mut old = record("legacy", RunStatus::Ok, 3);
    old.file = None;
    append(dir.path(), &old).unwrap();
    let text = std::fs::read_to_string(dir.path().join(CURRENT)).unwrap();
    assert!(!text.lines().last().unwrap().contains("\"file\""), "{text}");

    let last = last_results(dir.path(), file()).unwrap();
    assert_eq!(last["backup"].run_id, "backup-1");
    assert_eq!(last["legacy"].run_id, "legacy-3");
    let ids = |records: Vec<RunRecord>| records.into_iter().map(|r| r.run_id).collect::<Vec<_>>();
    assert_eq!(
        ids(recent(dir.path(), file(), None, 10, false).unwrap()),
        ["legacy-3", "backup-1"]
    );
    let elsewhere = Path::new("/elsewhere/jobs.toml");
    assert_eq!(
        last_results(dir.path(), elsewhere).unwrap()["backup"].run_id,
        "other"
    );
    assert_eq!(
        ids(recent(dir.path(), elsewhere, Some("backup"), 10, false).unwrap()),
        ["other"]
    );
}

#[test]
fn job_file_keys_resolve_symlinks_and_missing_files() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("jobs.toml");
    std::fs::write(&real, "").unwrap();
    let link = dir.path().join("link.toml");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let canonical = real.canonicalize().unwrap();
    assert_eq!(job_file_key(&link), canonical.to_str().unwrap());
    let gone = dir.path().join("sub/../gone.toml");
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    assert_eq!(
        job_file_key(&gone),
        canonical.with_file_name("gone.toml").to_str().unwrap()
    );
}

#[test]
fn missing_history_is_empty() {
    let dir = tempfile::tempdir().unwrap();
    assert!(
        recent(dir.path(), file(), None, 5, false)
            .unwrap()
            .is_empty()
    );
    assert!(
        last_results(&dir.path().join("none"), file())
            .unwrap()
            .is_empty()
    );
}

#[test]
fn damaged_lines_are_skipped() {
    let dir = tempfile::tempdir().unwrap();
    append(dir.path(), &record("a", RunStatus::Ok, 1)).unwrap();
    let path = dir.path().join(CURRENT);
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str("{\"job\":\"a\",\"run_id\":\"tru\n\u{0}garbage\n");
    std::fs::write(&path, text).unwrap();
    append(dir.path(), &record("a", RunStatus::Failed, 2)).unwrap();
    let found = read_recent(dir.path(), file(), None, 10, false).unwrap();
    assert_eq!(found.records.len(), 2);
    assert_eq!(found.unreadable, 2);
    assert_eq!(last_results(dir.path(), file()).unwrap()["a"].run_id, "a-2");
}

#[test]
fn a_partial_last_line_does_not_swallow_the_next_record() {
    let dir = tempfile::tempdir().unwrap();
    append(dir.path(), &record("a", RunStatus::Ok, 1)).unwrap();
    let path = dir.path().join(CURRENT);
    // A record cut short by a full disk, then garbage appended by something else.
    let mut out = OpenOptions::new().append(true).open(&path).unwrap();
    out.write_all(b"{\"job\":\"a\",\"run_id\":\"cut").unwrap();
    append(dir.path(), &record("a", RunStatus::Failed, 2)).unwrap();
    out.write_all(b"garbage").unwrap();
    append(dir.path(), &record("a", RunStatus::Ok, 3)).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.lines().count(), 5, "{text}");
    assert!(text.ends_with('\n'));
    let found = read_recent(dir.path(), file(), None, 10, false).unwrap();
    let ids: Vec<_> = found.records.iter().map(|r| r.run_id.as_str()).collect();
    assert_eq!(ids, ["a-3", "a-2", "a-1"]);
    assert_eq!(found.unreadable, 2);
    // A file that ends in a newline gets none added.
    append(dir.path(), &record("a", RunStatus::Ok, 4)).unwrap();
    assert!(!std::fs::read_to_string(&path).unwrap().contains("\n\n"));
}

#[test]
fn rotation_keeps_size_bounded_and_one_old_file() {
    let dir = tempfile::tempdir().unwrap();
    let limit = 2_000;
    for minute in 0..60 {
        append_with_limit(
            dir.path(),
            &record("a", RunStatus::Ok, minute),
            limit,
            limit,
        )
        .unwrap();
        let size = std::fs::metadata(dir.path().join(CURRENT)).unwrap().len();
        assert!(size <= limit, "history grew to {size} bytes");
    }
    let rotated = std::fs::metadata(dir.path().join(ROTATED)).unwrap().len();
    assert!(rotated <= limit);
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".jsonl"))
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    // Newest first across both files, and the newest is kept.
    let all = recent(dir.path(), file(), None, 1000, false).unwrap();
    assert_eq!(all[0].run_id, "a-59");
    assert!(all.len() > 10 && all.len() < 60, "{}", all.len());
    assert!(all.windows(2).all(|w| w[0].started_at > w[1].started_at));
}

#[test]
fn output_tail_is_bounded_per_record() {
    let dir = tempfile::tempdir().unwrap();
    let mut big = record("a", RunStatus::Ok, 1);
    big.output_tail = format!("{}END", "é".repeat(OUTPUT_TAIL_BYTES));
    append(dir.path(), &big).unwrap();
    let back = &recent(dir.path(), file(), None, 1, false).unwrap()[0];
    assert!(back.output_tail.len() <= OUTPUT_TAIL_BYTES);
    assert!(back.output_tail.ends_with("éEND"));
}

#[test]
fn tail_cuts_at_char_boundaries() {
    assert_eq!(tail("hello", 10), "hello");
    assert_eq!(tail("hello", 3), "llo");
    assert_eq!(tail("aé", 1), "");
    assert_eq!(tail("aéb", 3), "éb");
}

#[test]
fn concurrent_appends_never_interleave() {
    let dir = tempfile::tempdir().unwrap();
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let state = dir.path().to_owned();
            std::thread::spawn(move || {
                for i in 0..25 {
                    let mut rec = record(&format!("j{t}"), RunStatus::Ok, i);
                    rec.output_tail = "x".repeat(20_000);
                    append(&state, &rec).unwrap();
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    let text = std::fs::read_to_string(dir.path().join(CURRENT)).unwrap();
    assert_eq!(text.lines().count(), 200);
    for line in text.lines() {
        serde_json::from_str::<RunRecord>(line).unwrap();
    }
}

#[test]
fn escaped_output_is_cut_to_the_record_limit() {
    let dir = tempfile::tempdir().unwrap();
    let mut noisy = record("a", RunStatus::Ok, 1);
    // Each control byte takes six bytes of JSON (\u0001).
    noisy.output_tail = format!("{}END", "\u{1}".repeat(OUTPUT_TAIL_BYTES));
    append(dir.path(), &noisy).unwrap();
    let text = std::fs::read_to_string(dir.path().join(CURRENT)).unwrap();
    assert!(text.len() <= MAX_RECORD_BYTES + 1, "{} bytes", text.len());
    assert!(
        text.len() > MAX_RECORD_BYTES - 1000,
        "cut too much: {}",
        text.len()
    );
    let back = &recent(dir.path(), file(), None, 1, false).unwrap()[0];
    assert!(back.output_tail.ends_with("\u{1}END"));

    // A record too large even without output: its error is cut.
    let mut wordy = record("a", RunStatus::Failed, 2);
    wordy.error = Some("\u{2}".repeat(MAX_RECORD_BYTES));
    append(dir.path(), &wordy).unwrap();
    let back = &recent(dir.path(), file(), None, 1, false).unwrap()[0];
    assert_eq!(back.run_id, "a-2");
    assert!(back.error.as_ref().unwrap().len() <= MAX_ERROR_BYTES + 3);
}

#[test]
fn a_chatty_job_never_evicts_the_last_result_of_another() {
    let dir = tempfile::tempdir().unwrap();
    let mut daily = record("daily", RunStatus::Failed, 0);
    daily.output_tail = "disk full\n".to_owned();
    append(dir.path(), &daily).unwrap();
    let mut chatty = record("chatty", RunStatus::Ok, 1);
    chatty.output_tail = "x".repeat(40_000);
    let mut rotations = 0;
    let mut last_size = 0;
    for i in 0..420 {
        chatty.run_id = format!("chatty-{i}");
        append(dir.path(), &chatty).unwrap();
        let size = std::fs::metadata(dir.path().join(CURRENT)).unwrap().len();
        if size < last_size {
            rotations += 1;
        }
        last_size = size;
    }
    assert!(rotations >= 2, "only {rotations} rotations");
    let last = last_results(dir.path(), file()).unwrap();
    assert_eq!(last["daily"], daily, "the daily job's last result is gone");
    assert_eq!(last["chatty"].run_id, "chatty-419");
    assert_eq!(
        recent(dir.path(), file(), Some("daily"), 5, false).unwrap(),
        [daily]
    );
    let total: u64 = [CURRENT, ROTATED]
        .iter()
        .map(|name| std::fs::metadata(dir.path().join(name)).unwrap().len())
        .sum();
    assert!(total <= ROTATE_BYTES + COMPACT_BYTES, "{total} bytes");
}

#[test]
fn compaction_keeps_the_newest_records_of_every_job_tails_on_the_newest_few() {
    let mut lines = String::new();
    for minute in 0..50 {
        for job in ["a", "b"] {
            let mut rec = record(job, RunStatus::Ok, minute);
            rec.output_tail = format!("{job} output {minute}");
            lines.push_str(&serde_json::to_string(&rec).unwrap());
            lines.push('\n');
        }
    }
    // A repeated record (a crash during a rotation) and damage are dropped.
    let repeated = lines.lines().last().unwrap().to_owned();
    lines.push_str(&format!("{repeated}\n{{\"job\":\"a\",\"tru\n"));
    let text = compact::compact(&["", &lines], u64::MAX);
    let kept: Vec<RunRecord> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    for job in ["a", "b"] {
        let mine: Vec<_> = kept.iter().filter(|r| r.job == job).collect();
        assert_eq!(mine.len(), KEPT_PER_JOB);
        let minutes: Vec<_> = mine.iter().map(|r| r.run_id.clone()).collect();
        let expected: Vec<_> = (50 - KEPT_PER_JOB..50)
            .map(|m| format!("{job}-{m}"))
            .collect();
        assert_eq!(minutes, expected, "oldest first, newest kept");
        let with_tail = mine.iter().filter(|r| !r.output_tail.is_empty()).count();
        assert_eq!(with_tail, TAILS_PER_JOB);
        assert_eq!(mine.last().unwrap().output_tail, format!("{job} output 49"));
    }
}

#[test]
fn a_tight_budget_goes_to_the_newest_record_of_every_job_first() {
    let mut lines = String::new();
    for minute in 0..30 {
        for job in ["a", "b", "c"] {
            let mut rec = record(job, RunStatus::Ok, minute);
            rec.output_tail = "y".repeat(500);
            lines.push_str(&serde_json::to_string(&rec).unwrap());
            lines.push('\n');
        }
    }
    let one = {
        let mut rec = record("a", RunStatus::Ok, 29);
        rec.output_tail.clear();
        serde_json::to_string(&rec).unwrap().len() + 1
    };
    // Room for a little over four records without output.
    let budget = (one * 4 + one / 2) as u64;
    let text = compact::compact(&[&lines], budget);
    assert!(text.len() as u64 <= budget, "{}", text.len());
    let kept: Vec<RunRecord> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let ids: Vec<_> = kept.iter().map(|r| r.run_id.as_str()).collect();
    // c ran last: the most recently active job gets the room left.
    assert_eq!(ids, ["c-28", "a-29", "b-29", "c-29"]);
    assert!(kept.iter().all(|r| r.output_tail.is_empty()));
}

#[test]
fn history_files_are_private() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    append(&state, &record("a", RunStatus::Ok, 1)).unwrap();
    let mode = |name: &str| {
        std::fs::metadata(state.join(name))
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode(CURRENT), 0o600);
    assert_eq!(mode(LOCK), 0o600);
    assert_eq!(mode(""), 0o700);
    // A file left world-readable by an older version is tightened on the next append.
    std::fs::set_permissions(state.join(CURRENT), std::fs::Permissions::from_mode(0o644)).unwrap();
    append(&state, &record("a", RunStatus::Ok, 2)).unwrap();
    assert_eq!(mode(CURRENT), 0o600);
    // And so is the compacted file.
    for minute in 0..40 {
        append_with_limit(&state, &record("a", RunStatus::Ok, minute), 2_000, 2_000).unwrap();
    }
    assert_eq!(mode(ROTATED), 0o600);
}

/// `record` written again with its notifications' outcome, as `execute` does once they
/// were delivered.
fn amending(mut record: RunRecord, answer: &str) -> RunRecord {
    record.amends = true;
    record.notifications = vec![Notification {
        channel: "notify".to_owned(),
        ok: true,
        attempts: 2,
        answer: answer.to_owned(),
    }];
    record
}

#[test]
fn an_amending_line_takes_its_runs_place_in_every_reader() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let first = record("a", RunStatus::Failed, 1);
    append(&state, &first).unwrap();
    // The next run ended (and was recorded) while the first one's receiver was retried.
    append(&state, &record("a", RunStatus::Ok, 2)).unwrap();
    append(&state, &record("b", RunStatus::Ok, 3)).unwrap();
    append(&state, &amending(first.clone(), "HTTP 200")).unwrap();

    let all = recent(&state, file(), None, 10, false).unwrap();
    let ids: Vec<_> = all.iter().map(|r| r.run_id.as_str()).collect();
    assert_eq!(
        ids,
        ["b-3", "a-2", "a-1"],
        "once each, in their first lines' order"
    );
    assert_eq!(all[2].notifications[0].answer, "HTTP 200");
    assert!(!all[2].amends, "the flag is never shown");
    let limited = recent(&state, file(), Some("a"), 1, false).unwrap();
    assert_eq!(limited[0].run_id, "a-2");
    let failed = recent(&state, file(), None, 10, true).unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].notifications.len(), 1);

    // The last result of `a` is its newest run, not the older run amended last.
    let last = last_results(&state, file()).unwrap();
    assert_eq!(last["a"].run_id, "a-2");

    // When the amended run is the newest, its last result carries the outcome.
    append(&state, &amending(record("a", RunStatus::Ok, 2), "HTTP 202")).unwrap();
    let last = last_results(&state, file()).unwrap();
    assert_eq!(last["a"].notifications[0].answer, "HTTP 202");
    assert!(!last["a"].amends);

    // A compaction keeps each run once, amended, in its first line's place.
    let text = std::fs::read_to_string(state.join(CURRENT)).unwrap();
    let compacted = compact::compact(&[&text], u64::MAX);
    let kept: Vec<RunRecord> = compacted
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let ids: Vec<_> = kept.iter().map(|r| r.run_id.as_str()).collect();
    assert_eq!(ids, ["a-1", "a-2", "b-3"]);
    assert!(kept.iter().all(|r| !r.amends));
    assert_eq!(kept[0].notifications[0].answer, "HTTP 200");
    assert_eq!(kept[1].notifications[0].answer, "HTTP 202");
}

#[test]
fn every_record_lists_its_notifications_even_when_none() {
    let line = encode(&record("a", RunStatus::Ok, 1)).unwrap();
    assert!(line.contains(r#""notifications":[]"#), "{line}");
    assert!(!line.contains("amends"), "{line}");
}
