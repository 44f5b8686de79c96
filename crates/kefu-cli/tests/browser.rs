//! The web app in headless Chromium, through `kefu serve` as users run it: log in, open each
//! page, check what an agent may see, save screenshots (under the target directory's
//! `screenshots/`).

mod support;

use support::app::{
    add_user, browser_skipped, import_into, import_sample, login, run, save_presale_plan, serve,
    shots,
};
use support::webdriver::Driver;

#[test]
fn pages_in_headless_chromium() {
    if browser_skipped() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("k.db");
    import_sample(&db);
    // A last day of chats with something to look at: 小美 answers after five minutes (slow),
    // Lily never (unreplied).
    let last_day = dir.path().join("last-day.csv");
    std::fs::write(
        &last_day,
        "time,buyer,account,sender,text\n\
         2026-11-14 10:00:00,buyer_new1,晨光旗舰店:小美,buyer,在吗\n\
         2026-11-14 10:05:00,buyer_new1,晨光旗舰店:小美,agent,在的\n\
         2026-11-14 11:00:00,buyer_new2,晨光旗舰店:Lily,buyer,有货吗\n",
    )
    .unwrap();
    import_into(&db, &last_day);
    add_user(&db, "admin", "boss", "boss-password-1", None);
    add_user(
        &db,
        "agent",
        "lily",
        "lily-password-1",
        Some("晨光旗舰店:Lily"),
    );
    // A performance plan in force for the sample's month, and the automatic rules run once.
    save_presale_plan(&db);
    run(&["qa", "run", "--db", db.to_str().unwrap()], "");
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
    // The start page, at desktop and phone widths: data up to, cards, attention, the week.
    for (width, name) in [(1440, "start.png"), (390, "start-390.png")] {
        d.set_window_size(width, 1000).unwrap();
        d.goto(&format!("{base}/?days=7&lang=zh-CN")).unwrap();
        let page = d.source().unwrap();
        assert!(
            page.contains("数据截至")
                && page.contains("class=\"card\"")
                && page.contains("需要关注")
                && page.contains("id=\"heat-slow\""),
            "start page:\n{page}"
        );
        d.screenshot(&shots.join(name)).unwrap();
    }
    d.set_window_size(1440, 1000).unwrap();
    d.script("document.getElementById('heat-consulted').scrollIntoView(); return 0;")
        .unwrap();
    d.screenshot(&shots.join("start-week.png")).unwrap();
    // From an attention item to the items behind it.
    d.goto(&format!("{base}/?days=7&lang=zh-CN")).unwrap();
    d.click("ul.attention a").unwrap();
    d.wait_for("the attention item's list", |d| {
        d.url().unwrap_or_default().contains("/list?")
    })
    .unwrap();
    assert!(d.source().unwrap().contains("列出条数"));

    d.goto(&format!(
        "{base}/overview?from=2026-11-10&to=2026-11-12&lang=zh-CN"
    ))
    .unwrap();
    let page = d.source().unwrap();
    assert!(
        page.contains("晨光旗舰店") && page.contains("<svg"),
        "overview:\n{page}"
    );
    d.screenshot(&shots.join("overview.png")).unwrap();

    d.goto(&format!(
        "{base}/ranking?from=2026-11-10&to=2026-11-12&sort=sales&dir=desc&cols=all&lang=zh-CN"
    ))
    .unwrap();
    let page = d.source().unwrap();
    for account in ["晨光旗舰店:Lily", "晨光旗舰店:七七", "店小蜜"] {
        assert!(page.contains(account), "ranking lacks {account}");
    }
    assert!(
        page.contains("¥33,535.00"),
        "Lily's sales of the expected figures"
    );
    d.screenshot(&shots.join("ranking.png")).unwrap();
    // The menu keeps to one line at 1440 px in Chinese (the pages a store is set up with sit
    // in the drop-down 管理), and the drop-down's links work.
    assert_menu_on_one_line(&d, "Chinese");
    d.click("details.more summary").unwrap();
    d.screenshot(&shots.join("menu-manage.png")).unwrap();
    d.click_link("审计日志").unwrap();
    d.wait_for("the audit log", |d| {
        d.url().unwrap_or_default().contains("/audit")
    })
    .unwrap();
    d.goto(&format!(
        "{base}/ranking?from=2026-11-10&to=2026-11-12&sort=sales&dir=desc&cols=all&lang=zh-CN"
    ))
    .unwrap();
    // The name column and the header stay in view when the table scrolls.
    let stuck = d
        .script(
            "const w = document.querySelector('div.wrap:has(>table.ranking)'); w.scrollLeft = 2000; w.scrollTop = 0; \
             const td = document.querySelector('table.ranking tbody td:nth-child(2)'); \
             return td.getBoundingClientRect().left - w.getBoundingClientRect().left;",
        )
        .unwrap();
    assert!(
        stuck.as_f64().is_some_and(|x| x < 80.0),
        "the name column scrolled away: {stuck}"
    );

    // Drill down: from the ranking to the account's receptions, then to one transcript.
    d.click_link("Lily").unwrap();
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
    d.click("table#presale td a[href^='/list']").unwrap();
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
    // The English menu keeps to one line at 1440 px too (its short labels).
    assert_menu_on_one_line(&d, "English");

    // Performance plans: the month's ranking with grades, then one payslip.
    d.goto(&format!("{base}/plans/run?month=2026-11&lang=zh-CN"))
        .unwrap();
    let page = d.source().unwrap();
    assert!(
        page.contains("绩效排名与梯队") && page.contains("晨光旗舰店:Lily"),
        "plan ranking:\n{page}"
    );
    d.screenshot(&shots.join("plans.png")).unwrap();
    d.click("a[href*='/plans/payslip'][href*='Lily']").unwrap();
    d.wait_for("a payslip", |d| {
        d.url().unwrap_or_default().contains("/plans/payslip")
    })
    .unwrap();
    let page = d.source().unwrap();
    assert!(
        page.contains("工资条") && page.contains("阶梯提成") && page.contains("¥33,535.00"),
        "payslip with Lily's attributed sales:\n{page}"
    );
    d.screenshot(&shots.join("payslip.png")).unwrap();

    // Automatic quality rules: hits per 100 receptions, and the test box.
    d.goto(&format!(
        "{base}/qa/hits?from=2026-11-01&to=2026-11-30&lang=zh-CN"
    ))
    .unwrap();
    let page = d.source().unwrap();
    assert!(
        page.contains("每百接待命中数") && page.contains("服务禁忌用语"),
        "rule hits:\n{page}"
    );
    d.screenshot(&shots.join("qa-hits.png")).unwrap();

    // Settings: a store's metric settings.
    d.goto(&format!("{base}/settings/metrics?lang=zh-CN"))
        .unwrap();
    let page = d.source().unwrap();
    assert!(page.contains("slow_response_secs"), "settings:\n{page}");
    d.screenshot(&shots.join("settings.png")).unwrap();

    // An agent sees only their own account; their start page is theirs.
    assert!(login(&d, &base, "lily", "lily-password-1"));
    for (width, name) in [(1440, "start-agent.png"), (390, "start-agent-390.png")] {
        d.set_window_size(width, 1000).unwrap();
        d.goto(&format!("{base}/?days=7&lang=zh-CN")).unwrap();
        let page = d.source().unwrap();
        assert!(
            page.contains("我的排名") && page.contains("团队平均") && !page.contains("七七"),
            "agent's start page:\n{page}"
        );
        d.screenshot(&shots.join(name)).unwrap();
    }
    d.set_window_size(1440, 1000).unwrap();
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

/// The page's header (menu, language, user) is one line high: it wraps below 50 px.
fn assert_menu_on_one_line(d: &Driver, language: &str) {
    let header = d
        .script("return document.querySelector('header').getBoundingClientRect().height;")
        .unwrap();
    assert!(
        header.as_f64().is_some_and(|h| h < 50.0),
        "the {language} header wraps: {header}"
    );
}
