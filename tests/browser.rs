//! The browser harness itself (`util::browser`), on a page of the test's own: if this fails,
//! the dashboard tests' failures are about the harness, not the dashboard.

use crate::util::browser::Browser;

#[test]
fn the_harness_drives_a_real_chromium() {
    let Some(browser) = Browser::start(375, 700) else {
        return;
    };
    let page = "data:text/html,<title>t</title><meta name=viewport content='width=device-width'>\
                <p id=p>before</p><button id=b onclick=\"p.textContent='after'\">go</button>\
                <input id=i>";
    browser.goto(page);
    assert_eq!(browser.text("#p"), "before");
    browser.click("#b");
    browser.wait_for_text("after");
    browser.type_into("#i", "typed");
    assert_eq!(
        browser.script("return document.getElementById('i').value", &[]),
        "typed"
    );
    assert_eq!(browser.script("return window.innerWidth", &[]), 375);
    assert!(!browser.scrolls_sideways());
    let shot = tempfile::tempdir().unwrap();
    let png = shot.path().join("page.png");
    browser.screenshot(&png);
    assert!(std::fs::read(&png).unwrap().starts_with(b"\x89PNG"));
}
