//! Starting the listener: a missing listen address or secret, HTTPS, `/metrics`, reloads.

use super::*;

#[test]
fn webhook_jobs_without_a_listen_address_are_refused_with_the_fix() {
    let env = Env::with_jobs(&deploy_jobs("true", "", ""));
    let mut cmd = env.cmd(["run"]);
    cmd.env("HOOK_SECRET", SECRET);
    let output = cmd.output().unwrap();
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(
        err.contains("job deploy has a webhook but no listen address is set"),
        "{err}"
    );
    assert!(err.contains("listen = \"127.0.0.1:8080\""), "{err}");
    assert!(err.contains("jobtab run --listen 127.0.0.1:8080"), "{err}");
}

#[test]
fn a_secret_variable_that_is_not_set_stops_run_naming_it() {
    let env = Env::with_jobs(&deploy_jobs("true", "", ""));
    let output = env.run(["run", "--listen", "127.0.0.1:0"]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(err.contains("HOOK_SECRET is not set"), "{err}");
    assert!(err.contains("job deploy"), "{err}");
}

#[test]
fn listen_in_the_job_file_serves_healthz_and_metrics_with_hook_counters() {
    let env = Env::with_jobs(&format!(
        "[server]\nlisten = \"127.0.0.1:0\"\n\n{}",
        deploy_jobs("true", "", "")
    ));
    let mut cmd = env.cmd(["run"]);
    cmd.env("HOOK_SECRET", SECRET);
    let server = Server::spawn(cmd);
    server.wait_for("webhooks: POST /hooks/deploy (deploy, verify github)");
    assert_eq!(server.github("/hooks/deploy", "m-1", "{}").status, 202);
    assert_eq!(
        send(server.addr, &request("POST", "/hooks/deploy", &[], b"{}")).status,
        401
    );
    let metrics = send(server.addr, &request("GET", "/metrics", &[], b""));
    assert_eq!(metrics.status, 200);
    for line in [
        "jobtab_webhook_requests_total{hook=\"deploy\",verdict=\"accepted\"} 1",
        "jobtab_webhook_requests_total{hook=\"deploy\",verdict=\"rejected\"} 1",
        "jobtab_jobs 1",
    ] {
        assert!(metrics.body.contains(line), "{line} in\n{}", metrics.body);
    }
}

#[test]
fn https_with_a_certificate_made_in_the_test() {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let env = Env::new();
    std::fs::write(env.path("cert.pem"), cert.cert.pem()).unwrap();
    std::fs::write(env.path("key.pem"), cert.signing_key.serialize_pem()).unwrap();
    env.write_jobs(&format!(
        "[server]\ntls_cert = \"{}\"\ntls_key = \"{}\"\n\n{}",
        env.path("cert.pem").display(),
        env.path("key.pem").display(),
        deploy_jobs("echo ran >> ran.txt", "", "")
    ));
    let server = Server::start(&env, &[]);
    assert!(server.log().contains("listening on https://127.0.0.1:"));
    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert.cert.der().clone()).unwrap();
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let conn = rustls::ClientConnection::new(Arc::new(config), name).unwrap();
    let mut tls = rustls::StreamOwned::new(conn, TcpStream::connect(server.addr).unwrap());
    let answer = exchange(
        &mut tls,
        &github_request("/hooks/deploy", "tls-1", "push", "{}"),
    );
    assert_eq!(answer.status, 202, "{answer:?}");
    wait_until("the run is recorded", || env.recorded_runs().len() == 1);
    // Plain HTTP on the HTTPS port gets no answer.
    let mut plain = TcpStream::connect(server.addr).unwrap();
    plain.set_read_timeout(Some(WAIT)).unwrap();
    let _ = plain.write_all(&request("GET", "/healthz", &[], b""));
    let mut raw = Vec::new();
    let _ = plain.read_to_end(&mut raw);
    assert!(!String::from_utf8_lossy(&raw).contains("200 OK"));
}

#[test]
fn a_reload_moves_hooks_and_a_missing_secret_keeps_the_old_settings() {
    let env = Env::with_jobs(&deploy_jobs("true", "", ""));
    let server = Server::start(&env, &[]);
    assert_eq!(server.github("/hooks/deploy", "r-1", "{}").status, 202);
    env.write_jobs(&deploy_jobs("true", "", "path = \"/hooks/moved\""));
    server.signal(nix::sys::signal::Signal::SIGHUP);
    server.wait_for("reloaded");
    wait_until("the hook moved", || {
        server.github("/hooks/moved", "r-2", "{}").status == 202
    });
    assert_eq!(server.github("/hooks/deploy", "r-3", "{}").status, 404);
    // A secret whose variable is not set: the hook keeps its settings (and path).
    env.write_jobs(
        &deploy_jobs("true", "", "path = \"/hooks/third\"")
            .replace("${HOOK_SECRET}", "${NOT_SET_ANYWHERE}"),
    );
    server.signal(nix::sys::signal::Signal::SIGHUP);
    server.wait_for("NOT_SET_ANYWHERE is not set");
    assert!(!server.log().contains(SECRET));
    assert_eq!(server.github("/hooks/moved", "r-4", "{}").status, 202);
    assert_eq!(server.github("/hooks/third", "r-5", "{}").status, 404);
}

/// The README's GitHub example, as written but for the command, folder and port: `hook send`
/// against the running `jobtab run` gets 202, the run shows in history with trigger `webhook`
/// and the delivery id, the payload's pointers reach the job, `deliveries` shows the request.
#[test]
fn the_readme_push_to_deploy_example_works_with_hook_send() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let section = &readme[readme.find("### Push to deploy from GitHub").unwrap()..];
    let start = section.find("```toml\n").unwrap() + "```toml\n".len();
    let toml = &section[start..start + section[start..].find("```").unwrap()];
    let env = Env::new();
    let toml = toml
        .replace("127.0.0.1:8080", "127.0.0.1:0")
        .replace("/srv/app", &env.dir.path().display().to_string())
        .replace(
            "git pull --ff-only && ./build.sh",
            r#"echo \"$REPO $COMMIT $JOBTAB_EVENT\" >> deployed.txt"#,
        );
    std::fs::write(&env.file, &toml).unwrap();
    let secret = "0123456789abcdef0123456789abcdef";
    let mut cmd = env.cmd(["run"]);
    cmd.env("GITHUB_WEBHOOK_SECRET", secret);
    let server = Server::spawn(cmd);
    server.wait_for("webhooks: POST /hooks/deploy (deploy, verify github)");
    let push = r#"{"ref":"refs/heads/main","after":"4f2a","repository":{"full_name":"ana/app"}}"#;
    std::fs::write(env.path("push.json"), push).unwrap();
    let url = format!("http://{}/hooks/deploy", server.addr);
    let mut send = env.cmd([
        "hook",
        "send",
        "deploy",
        "--payload",
        "push.json",
        "--event",
        "push",
        "--url",
        &url,
    ]);
    send.env("GITHUB_WEBHOOK_SECRET", secret);
    let output = send.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "{output:?}");
    assert!(stdout.contains("202"), "{stdout}");
    assert!(stdout.contains("\"status\":\"accepted\""), "{stdout}");
    wait_until("the run is recorded", || env.recorded_runs().len() == 1);
    let run = &env.recorded_runs()[0];
    assert_eq!(run["trigger"], "webhook");
    let delivery = run["delivery"].as_str().unwrap().to_owned();
    assert!(stdout.contains(&delivery), "{stdout} / {delivery}");
    assert_eq!(
        std::fs::read_to_string(env.path("deployed.txt")).unwrap(),
        "ana/app 4f2a push\n"
    );
    wait_until("deliveries shows it", || {
        env.ok(["deliveries", "deploy", "--json"])
            .contains(&delivery)
    });
    let text = env.ok(["deliveries", "deploy"]);
    assert!(text.contains("POST /hooks/deploy"), "{text}");
    assert!(text.contains("202"), "{text}");
    assert!(text.contains("accepted"), "{text}");
    // A push to another branch is ignored.
    std::fs::write(env.path("push.json"), push.replace("main", "dev")).unwrap();
    let output = send.output().unwrap();
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("ignored"),
        "{output:?}"
    );
}
