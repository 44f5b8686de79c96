//! The web app in headless Chromium, through `kefu serve` as users run it: log in, open each
//! page, check what an agent may see, save screenshots (under the target directory's
//! `screenshots/`).

mod support;

use std::path::Path;

use support::app::{login, run, serve, shots};
use support::webdriver::Driver;

#[test]
fn pages_in_headless_chromium() {
    if std::env::var_os("KEFU_SKIP_BROWSER").is_some() {
        eprintln!("KEFU_SKIP_BROWSER is set: browser test skipped");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("k.db");
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/sample/input");
    run(
        &[
            "import",
            "--db",
            db.to_str().unwrap(),
            "--store",
            "晨光旗舰店",
            sample.to_str().unwrap(),
        ],
        "",
    );
    run(
        &[
            "user",
            "add",
            "--db",
            db.to_str().unwrap(),
            "--role",
            "admin",
            "boss",
        ],
        "boss-password-1\n",
    );
    run(
        &[
            "user",
            "add",
            "--db",
            db.to_str().unwrap(),
            "--role",
            "agent",
            "--account",
            "晨光旗舰店:Lily",
            "lily",
        ],
        "lily-password-1\n",
    );
    let (_server, base) = serve(&db);
    let d = Driver::start().expect("chromedriver and chromium (scripts/test.sh installs them)");
    let shots = shots();

    // Anonymous: only the login page.
    d.goto(&format!("{base}/ranking")).unwrap();
    assert!(d.url().unwrap().ends_with("/login"), "{}", d.url().unwrap());
    d.screenshot(&shots.join("login.png")).unwrap();

    // A wrong password keeps us out.
    assert!(!login(&d, &base, "boss", "not-the-password"));
    let ok = login(&d, &base, "boss", "boss-password-1");
    assert!(
        ok,
        "{}",
        d.source()
            .unwrap()
            .split("<main>")
            .nth(1)
            .unwrap_or_default()
    );
    d.goto(&format!("{base}/?from=2026-11-10&to=2026-11-12&lang=zh-CN"))
        .unwrap();
    let page = d.source().unwrap();
    assert!(
        page.contains("晨光旗舰店") && page.contains("<svg"),
        "overview:\n{page}"
    );
    d.screenshot(&shots.join("overview.png")).unwrap();

    d.goto(&format!(
        "{base}/ranking?from=2026-11-10&to=2026-11-12&sort=sales&dir=desc&lang=zh-CN"
    ))
    .unwrap();
    let page = d.source().unwrap();
    for account in ["晨光旗舰店:Lily", "晨光旗舰店:七七", "店小蜜"] {
        assert!(page.contains(account), "ranking lacks {account}");
    }
    assert!(
        page.contains("33535.00"),
        "Lily's sales of the expected figures"
    );
    d.screenshot(&shots.join("ranking.png")).unwrap();

    // Drill down: from the ranking to the account's receptions, then to one transcript.
    d.click_link("晨光旗舰店:Lily").unwrap();
    d.wait_for("the account page", |d| {
        d.url().unwrap_or_default().contains("/account")
    })
    .unwrap();
    let page = d.source().unwrap();
    assert!(page.contains("/reception?"), "receptions listed:\n{page}");
    d.screenshot(&shots.join("account.png")).unwrap();
    d.click("a[href^='/reception']").unwrap();
    d.wait_for("a transcript", |d| {
        d.url().unwrap_or_default().contains("/reception")
    })
    .unwrap();
    let page = d.source().unwrap();
    assert!(
        page.contains("第 1 轮"),
        "round marks in the transcript:\n{page}"
    );
    d.screenshot(&shots.join("transcript.png")).unwrap();

    // Every number is a link: from a figure of the ranking to the items behind it, and on to
    // one of their transcripts.
    d.goto(&format!(
        "{base}/ranking?from=2026-11-10&to=2026-11-12&lang=zh-CN"
    ))
    .unwrap();
    d.click("table#people td a[href^='/list']").unwrap();
    d.wait_for("the list page", |d| {
        d.url().unwrap_or_default().contains("/list?")
    })
    .unwrap();
    let page = d.source().unwrap();
    assert!(
        page.contains("列出条数") && page.contains("/reception?"),
        "the items behind a figure:\n{page}"
    );
    d.screenshot(&shots.join("list.png")).unwrap();
    d.click("table#items a[href^='/reception']").unwrap();
    d.wait_for("a transcript from the list", |d| {
        d.url().unwrap_or_default().contains("/reception")
    })
    .unwrap();
    assert!(d.source().unwrap().contains("第 1 轮"));

    d.goto(&format!(
        "{base}/ranking?from=2026-11-10&to=2026-11-12&lang=en"
    ))
    .unwrap();
    assert!(d.source().unwrap().contains("Agent sales"));
    d.screenshot(&shots.join("ranking-en.png")).unwrap();

    // An agent sees only their own account.
    assert!(login(&d, &base, "lily", "lily-password-1"));
    d.goto(&format!("{base}/ranking?from=2026-11-10&to=2026-11-12"))
        .unwrap();
    let page = d.source().unwrap();
    assert!(page.contains("晨光旗舰店:Lily"));
    assert!(
        !page.contains("晨光旗舰店:七七") && !page.contains("店小蜜"),
        "an agent sees others:\n{page}"
    );
    d.goto(&format!(
        "{base}/api/v1/report?by=account&from=2026-11-10&to=2026-11-12"
    ))
    .unwrap();
    let api = d.source().unwrap();
    assert!(
        api.contains("晨光旗舰店:Lily") && !api.contains("七七"),
        "{api}"
    );
}
