//! The dashboard in a real headless Chromium (`util::browser`), served by `jobtab run
//! --listen 127.0.0.1:0` (PRODUCT.md section 10): signing in, the job list, run now and its
//! output without a reload, disable (the job greyed, the file's comments kept), a cross-site
//! form refused, a run started by `jobtab exec` elsewhere seen running then finished, and the
//! layout at 375 and 1440 pixels. Screenshots go to the test's temp dir (and are copied to
//! `$JOBTAB_SCREENSHOTS` when that is set, to look at).

use std::path::Path;
use std::process::Stdio;

use serde_json::json;

use crate::util::Env;
use crate::util::browser::Browser;
use crate::util::served::{Client, Served};

const TOKEN: &str = "browser-t0ken";

/// Writes a screenshot into the test's temp dir (and `$JOBTAB_SCREENSHOTS`); checks it is a
/// PNG.
fn screenshot(browser: &Browser, env: &Env, name: &str) {
    let path = env.path(name);
    browser.screenshot(&path);
    assert!(std::fs::read(&path).unwrap().starts_with(b"\x89PNG"));
    if let Some(dir) = std::env::var_os("JOBTAB_SCREENSHOTS") {
        let dir = Path::new(&dir);
        std::fs::create_dir_all(dir).unwrap();
        std::fs::copy(&path, dir.join(name)).unwrap();
    }
}

/// Marks the page so a reload (which would lose the mark) can be told apart from an update.
fn mark(browser: &Browser) {
    browser.script("window.jobtabMark = 'kept'; return true", &[]);
}

fn still_marked(browser: &Browser) -> bool {
    browser.script("return window.jobtabMark === 'kept'", &[]) == json!(true)
}

/// Whether the job's card (or article) has the class, and its text the word.
fn job_has(browser: &Browser, job: &str, class: &str, word: &str) -> bool {
    browser.script(
        "const el = document.querySelector(`[data-job=\"${arguments[0]}\"]`); \
         return !!el && el.classList.contains(arguments[1]) \
         && el.textContent.toLowerCase().includes(arguments[2])",
        &[json!(job), json!(class), json!(word)],
    ) == json!(true)
}

#[test]
fn sign_in_run_now_disable_and_a_refused_cross_site_form_in_a_browser() {
    let env = Env::new();
    env.write_jobs(&format!(
        r#"
        [server]
        token = "${{JOBTAB_TOKEN}}"

        # keep this comment
        [jobs.backup]
        schedule = "0 2 * * *"
        command = "echo dumped-by-backup"

        [jobs.a-job-with-a-rather-long-name-that-has-to-wrap-on-a-phone-screen-somewhere]
        schedule = "*/15 9-17 * * mon-fri"
        command = "/usr/local/bin/some-long-command --with-a-flag=/a/very/long/path/that/goes/on/and/on {}"
        "#,
        "x".repeat(80)
    ));
    let served = Served::start(&env, &[("JOBTAB_TOKEN", TOKEN)]);
    let Some(browser) = Browser::start(375, 800) else {
        return;
    };
    let base = served.base.clone();

    // Without the token: the page asks for it, the API says 401.
    assert_eq!(
        Client::new(None).get(&format!("{base}/api/jobs")).status,
        401
    );
    browser.goto(&format!("{base}/"));
    browser.wait_for_text("Sign in");
    assert!(!browser.page_text().contains("backup"));
    browser.type_into("#token", "wrong");
    browser.click("form.login button");
    browser.wait_for_text("not the token");
    assert!(!browser.scrolls_sideways());
    screenshot(&browser, &env, "login-375.png");
    browser.type_into("#token", TOKEN);
    browser.click("form.login button");
    browser.wait_for_text("Jobs (2)");
    let text = browser.page_text();
    assert!(
        text.contains("backup") && text.contains("At 02:00 every day"),
        "{text}"
    );
    // Times are shown in the browser's zone once the script ran (the HTML says UTC).
    browser.wait_until("local times", || {
        let time = browser.script(
            "const t = document.querySelector('li[data-job=backup] .next time'); \
             return t ? t.title + '|' + t.textContent : ''",
            &[],
        );
        let time = time.as_str().unwrap_or("");
        time.contains("shown in") && !time.contains(":00:00 UTC")
    });

    // The phone layout: nothing wider than the screen.
    assert!(
        !browser.scrolls_sideways(),
        "the page scrolls sideways at 375 px"
    );
    screenshot(&browser, &env, "dashboard-375.png");

    // Run now: the run's output appears without a reload.
    browser.goto(&format!("{base}/jobs/backup"));
    browser.wait_for_text("No runs recorded yet");
    mark(&browser);
    browser.click("form[action='/jobs/backup/run'] button");
    browser.wait_until("the run's output", || {
        browser
            .text("li.run pre.output")
            .contains("dumped-by-backup")
    });
    assert!(browser.page_text().contains("ok"));
    assert!(still_marked(&browser), "the page was reloaded");
    assert!(!browser.scrolls_sideways());
    screenshot(&browser, &env, "job-375.png");

    // Disable from the list: the job is greyed and says so; the file keeps its comment.
    browser.goto(&format!("{base}/"));
    browser.wait_for_text("Jobs (2)");
    mark(&browser);
    browser.click("li[data-job=backup] button.disable");
    browser.wait_until("backup shown disabled", || {
        job_has(&browser, "backup", "disabled", "disabled")
    });
    assert!(still_marked(&browser), "the page was reloaded");
    let file = env.jobs();
    assert!(
        file.contains("# keep this comment") && file.contains("enabled = false"),
        "{file}"
    );
    let opacity = browser.script(
        "return getComputedStyle(document.querySelector('li[data-job=backup]')).opacity",
        &[],
    );
    assert_ne!(opacity, json!("1"), "a disabled job is greyed");

    // The desktop layout.
    browser.resize(1440, 900);
    assert!(!browser.scrolls_sideways());
    screenshot(&browser, &env, "dashboard-1440.png");

    // A form on another site posting here is refused (and changes nothing).
    let page = format!(
        "data:text/html,<form method=post action='{base}/jobs/backup/enable'>\
         <button id=go>go</button></form>"
    );
    browser.goto(&page);
    browser.click("#go");
    browser.wait_for_text("refused");
    assert!(env.jobs().contains("enabled = false"));
}

#[test]
fn a_run_started_by_exec_elsewhere_appears_running_then_finished() {
    let env = Env::new();
    let go = env.path("go");
    env.write_jobs(&format!(
        r#"
        [jobs.slow]
        schedule = "@daily"
        command = "i=0; while [ ! -e '{}' ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done; echo slow-done"
        "#,
        go.display()
    ));
    // No token: a read-only dashboard on loopback.
    let served = Served::start(&env, &[]);
    let Some(browser) = Browser::start(1440, 900) else {
        return;
    };
    browser.goto(&format!("{}/", served.base));
    browser.wait_for_text("Jobs (1)");
    assert!(browser.page_text().contains("read-only"));
    mark(&browser);
    let mut exec = env
        .cmd(["exec", "slow"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    browser.wait_until("slow shown running", || {
        job_has(&browser, "slow", "running", "running for")
    });
    std::fs::write(&go, "").unwrap();
    assert!(exec.wait().unwrap().success());
    browser.wait_until("slow shown finished", || {
        !job_has(&browser, "slow", "running", "")
            && browser.text("li[data-job=slow] .last").starts_with("ok")
    });
    assert!(still_marked(&browser), "the page was reloaded");
    browser.goto(&format!("{}/jobs/slow", served.base));
    browser.wait_until("the output on the job's page", || {
        browser.text("li.run pre.output").contains("slow-done")
    });
}
