//! The server's limits through the binary: body size, rate, slow clients, floods.

use super::*;

#[test]
fn a_body_one_byte_over_max_body_gets_413() {
    let env = Env::with_jobs(&deploy_jobs("true", "", "max_body = 100"));
    let server = Server::start(&env, &[]);
    let fits = "x".repeat(100);
    assert_eq!(server.github("/hooks/deploy", "a", &fits).status, 202);
    let over = "x".repeat(101);
    let answer = server.github("/hooks/deploy", "b", &over);
    assert_eq!(answer.status, 413, "{answer:?}");
    // Without a Content-Length (chunked), the read stops past the limit too.
    let mut chunked = format!(
        "POST /hooks/deploy HTTP/1.1\r\nHost: t\r\nConnection: close\r\nTransfer-Encoding: chunked\r\nX-Hub-Signature-256: {}\r\n\r\n",
        github_signature(over.as_bytes())
    )
    .into_bytes();
    chunked.extend_from_slice(format!("{:x}\r\n{over}\r\n0\r\n\r\n", over.len()).as_bytes());
    let answer = send(server.addr, &chunked);
    assert_eq!(answer.status, 413, "{answer:?}");
    server.wait_for_n("413 too_large; hook deploy", 2);
}

#[test]
fn past_the_rate_limit_the_answer_is_429_with_retry_after() {
    let env = Env::with_jobs(&deploy_jobs(
        "true",
        "overlap = \"allow\"",
        "rate_limit = \"2/m\"",
    ));
    let server = Server::start(&env, &[]);
    // Unsigned requests are refused and use up none of the sender's budget.
    for _ in 0..3 {
        let unsigned = send(server.addr, &request("POST", "/hooks/deploy", &[], b"{}"));
        assert_eq!(unsigned.status, 401, "{unsigned:?}");
    }
    assert_eq!(server.github("/hooks/deploy", "1", "{}").status, 202);
    assert_eq!(server.github("/hooks/deploy", "2", "{}").status, 202);
    let third = server.github("/hooks/deploy", "3", "{}");
    assert_eq!(third.status, 429, "{third:?}");
    let wait: u64 = third.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=30).contains(&wait), "{wait}");
    let metrics = send(server.addr, &request("GET", "/metrics", &[], b""));
    assert!(
        metrics
            .body
            .contains("jobtab_webhook_requests_total{hook=\"deploy\",verdict=\"rate_limited\"} 1"),
        "{}",
        metrics.body
    );
}

/// Start and end marks of each run; asserts no two overlapped and returns how many ran.
fn runs_never_overlapped(env: &Env) -> usize {
    let text = std::fs::read_to_string(env.path("marks.txt")).unwrap_or_default();
    let marks: Vec<&str> = text.lines().collect();
    for pair in marks.chunks(2) {
        assert_eq!(pair, ["start", "end"], "runs overlapped:\n{text}");
    }
    marks.len() / 2
}

const MARKED: &str = "echo start >> marks.txt; sleep 0.3; echo end >> marks.txt";

/// A flood of valid deliveries at an `overlap = "skip"` job: one run at a time, the others
/// answered 409; with `queue`, at most one waits (the rest 409).
#[test]
fn a_flood_never_runs_two_at_once_and_queue_keeps_at_most_one_waiting() {
    for (overlap, may_queue) in [("skip", false), ("queue", true)] {
        let env = Env::with_jobs(&deploy_jobs(
            MARKED,
            &format!("overlap = \"{overlap}\""),
            "",
        ));
        let server = Server::start(&env, &[]);
        let addr = server.addr;
        let answers: Vec<Answer> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..8)
                .map(|t| {
                    scope.spawn(move || {
                        (0..25)
                            .map(|n| {
                                let id = format!("{t}-{n}");
                                send(addr, &github_request("/hooks/deploy", &id, "push", "{}"))
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap())
                .collect()
        });
        let count = |status: &str| {
            answers
                .iter()
                .filter(|a| a.status != 409 && a.json()["status"] == status)
                .count()
        };
        let (accepted, queued) = (count("accepted"), count("queued"));
        let skipped = answers.iter().filter(|a| a.status == 409).count();
        assert_eq!(accepted + queued + skipped, 200, "{answers:?}");
        assert!(skipped > 0, "{overlap}: nothing skipped");
        if !may_queue {
            assert_eq!(queued, 0);
        }
        wait_until("every taken run is recorded", || {
            env.recorded_runs().len() == accepted + queued
        });
        assert_eq!(runs_never_overlapped(&env), accepted + queued, "{overlap}");
        if may_queue {
            // Past one waiting run, the rest are refused: the queue holds one.
            assert!(queued >= 1, "nothing queued: {answers:?}");
            assert!(
                answers
                    .iter()
                    .any(|a| a.status == 409 && a.body.contains("another run is queued")),
                "{answers:?}"
            );
        }
        server.stop();
    }
}

/// Opens `count` connections to `addr` that each send one byte a second (a request that never
/// ends) until `stop`.
fn slow_clients(addr: SocketAddr, count: usize, stop: Arc<std::sync::atomic::AtomicBool>) {
    std::thread::spawn(move || {
        let mut streams: Vec<TcpStream> = (0..count)
            .filter_map(|_| TcpStream::connect(addr).ok())
            .collect();
        let request = b"POST /hooks/deploy HTTP/1.1\r\nHost: t\r\nX-Slow: ";
        let mut n = 0;
        while !stop.load(std::sync::atomic::Ordering::SeqCst) {
            let byte = request.get(n).copied().unwrap_or(b'a');
            streams.retain_mut(|s| s.write_all(&[byte]).is_ok());
            n += 1;
            std::thread::sleep(Duration::from_secs(1));
        }
    });
}

/// 1,000 slow connections neither keep a valid delivery from being accepted at once nor
/// delay an every-second job.
#[test]
fn slow_connections_neither_stop_deliveries_nor_delay_scheduled_jobs() {
    let jobs = format!(
        "{}\n[jobs.tick]\nschedule = \"* * * * * *\"\ncommand = \"date +%s%N >> ticks.txt\"\n",
        deploy_jobs("true", "overlap = \"allow\"", "")
    );
    let env = Env::with_jobs(&jobs);
    let server = Server::start(&env, &[]);
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    slow_clients(server.addr, 1000, Arc::clone(&stop));
    std::thread::sleep(Duration::from_secs(2));
    let mut slowest = Duration::ZERO;
    for n in 0..5 {
        let started = Instant::now();
        let answer = server.github("/hooks/deploy", &format!("s-{n}"), "{}");
        slowest = slowest.max(started.elapsed());
        assert_eq!(answer.status, 202, "{answer:?}");
        std::thread::sleep(Duration::from_millis(500));
    }
    // Well under a second on an idle machine; generous for a loaded one.
    assert!(slowest < Duration::from_secs(3), "{slowest:?}");
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let ticks: Vec<u128> = std::fs::read_to_string(env.path("ticks.txt"))
        .unwrap()
        .lines()
        .map(|l| l.parse().unwrap())
        .collect();
    assert!(ticks.len() >= 3, "{ticks:?}");
    for pair in ticks.windows(2) {
        let gap_ms = (pair[1] - pair[0]) / 1_000_000;
        assert!(
            gap_ms < 2500,
            "a tick came {gap_ms} ms after the previous one"
        );
    }
}
