//! A store with only platform reports, in headless Chromium through `kefu serve`: the roster
//! and a 拼多多 客服绩效 of the month uploaded on the import page (with the store and the
//! period the report does not state), the ranking with the report's figures, a plan on
//! platform KPIs saved in the plan editor, the month's plan ranking and a payslip — the
//! payroll of `tests/platform.rs` (computed by hand there), this time through the web.
//! Screenshots go to the target directory's `tmp/screenshots/platform-*.png`.

mod support;

use support::app::{add_user, browser_skipped, login, serve, shots};
use support::webdriver::Driver;

const PDD_HEADER: &str = "客服账号,客服服务分,咨询人数,询单人数,最终成团人数,询单转化率,客服销售额(元),\
去退销售额(元),需要人工回复的咨询人数,人工接待人数,3分钟未回复人数,3分钟人工回复率(8-23点),\
30秒应答率(8-23点),平均人工响应时长,评分≤3订单数,纠纷退款数,投诉数";

const PLAN: &str = include_str!("../../../testdata/platform/plan-pdd.toml");

/// A 拼多多 report row: `account`'s 客服销售额(元), 3分钟人工回复率(8-23点) and 投诉数.
fn pdd_row(account: &str, sales: &str, rate: &str, complaints: &str) -> String {
    format!(
        "{account},4.8,100,80,30,37.5%,{sales},{sales},100,90,2,{rate},90%,26,0,0,{complaints}\n"
    )
}

/// The page source after `<main>` (what the page shows, without the frame).
fn main_of(d: &Driver) -> String {
    let page = d.source().unwrap();
    page.split("<main>").nth(1).unwrap_or(&page).to_string()
}

#[test]
fn a_platform_only_store_from_upload_to_payslip_in_chromium() {
    if browser_skipped() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("k.db");
    let roster = dir.path().join("agents.csv");
    std::fs::write(
        &roster,
        "account,name,role,store\n小美,小美,presale,晨光\n阿强,阿强,presale,晨光\n\
         小李,小李,presale,晨光\n",
    )
    .unwrap();
    let report = dir.path().join("客服绩效.csv");
    std::fs::write(
        &report,
        format!(
            "\u{feff}{PDD_HEADER}\n{}{}总计,,1,1,1,,1,1,1,1,1,,,,1,1,1\n",
            pdd_row("小美", "\"15,230.5\"", "96%", "0"),
            pdd_row("阿强", "25000", "92%", "3")
        ),
    )
    .unwrap();
    add_user(&db, "admin", "boss", "boss-password-1", None);
    let (_server, base) = serve(&db);
    let d = Driver::start().expect("chromedriver and chromium (scripts/test.sh installs them)");
    let shots = shots();
    assert!(login(&d, &base, "boss", "boss-password-1"));

    // Import: both files in one upload, the report's store and period on the form.
    d.goto(&format!("{base}/import?lang=zh-CN")).unwrap();
    let files = format!("{}\n{}", roster.display(), report.display());
    d.type_into("input[name=files]", &files).unwrap();
    d.type_into("input[name=store]", "晨光").unwrap();
    d.set_value("input[name=from]", "2026-11-01").unwrap();
    d.set_value("input[name=to]", "2026-11-30").unwrap();
    d.screenshot(&shots.join("platform-import-form.png"))
        .unwrap();
    d.click("form[enctype='multipart/form-data'] button[type=submit]")
        .unwrap();
    d.wait_for("the import report", |d| {
        let page = d.source().unwrap_or_default();
        !page.contains("type=\"file\"") || page.contains("role=\"alert\"")
    })
    .unwrap();
    let page = main_of(&d);
    assert!(
        page.contains("客服绩效.csv") && !page.contains("class=\"error\""),
        "import report:\n{page}"
    );
    d.screenshot(&shots.join("platform-import-report.png"))
        .unwrap();

    // The ranking: no chats, so the platform's figures are the page.
    d.goto(&format!(
        "{base}/ranking?store=%E6%99%A8%E5%85%89&from=2026-11-01&to=2026-11-30&lang=zh-CN"
    ))
    .unwrap();
    let page = main_of(&d);
    assert!(
        page.contains("平台报表数据 · 拼多多")
            && page.contains("96.0%")
            && page.contains("¥15,230.50")
            && page.contains("¥25,000.00"),
        "ranking:\n{page}"
    );
    assert!(
        !page.contains("总计"),
        "the summary row is no agent:\n{page}"
    );
    d.screenshot(&shots.join("platform-ranking.png")).unwrap();

    // The reconciliation page: the report's figures with no chats to compare them with.
    d.click_link("核对平台数据").unwrap();
    d.wait_for("the reconciliation page", |d| {
        d.url().unwrap_or_default().contains("/reconcile")
    })
    .unwrap();
    d.set_value("input[name=from]", "2026-11-01").unwrap();
    d.set_value("input[name=to]", "2026-11-30").unwrap();
    d.click("form.filters button[type=submit]").unwrap();
    d.wait_for("the month's reconciliation", |d| {
        d.url().unwrap_or_default().contains("from=2026-11-01")
    })
    .unwrap();
    let page = main_of(&d);
    assert!(
        page.contains(
            "<td>3分钟人工回复率(8-23点)</td><td>%</td><td>-</td><td>96.0%</td><td>-</td>"
        ),
        "reconciliation:\n{page}"
    );
    d.screenshot(&shots.join("platform-reconcile.png")).unwrap();

    // A plan on the report's columns, saved in the editor.
    d.goto(&format!(
        "{base}/plans/edit?as=toml&store=%E6%99%A8%E5%85%89&month=2026-11&lang=zh-CN"
    ))
    .unwrap();
    d.set_value("textarea[name=toml]", PLAN).unwrap();
    d.set_value("input[name=valid_from]", "2026-11").unwrap();
    d.set_value("input[name=month]", "2026-11").unwrap();
    d.screenshot(&shots.join("platform-plan-edit.png")).unwrap();
    d.click("button[formaction^='/plans/save']").unwrap();
    d.wait_for("the saved plan", |d| {
        let url = d.url().unwrap_or_default();
        url.contains("/plans?") || d.source().unwrap_or_default().contains("class=\"error\"")
    })
    .unwrap();
    let page = main_of(&d);
    assert!(page.contains("拼多多客服方案"), "plans:\n{page}");

    // The month's plan ranking and 小美's payslip (hand-computed in tests/platform.rs:
    // 96% ≥ 95% → 100 × 60%; 15,230.50 ÷ 20,000 → 76.15 × 40%; 90.46 → 904.60 + 3,000).
    d.goto(&format!(
        "{base}/plans/run?store=%E6%99%A8%E5%85%89&month=2026-11&lang=zh-CN"
    ))
    .unwrap();
    let page = main_of(&d);
    assert!(
        page.contains("拼多多客服方案")
            && page.contains("小美")
            && (page.contains("¥3,904.60") || page.contains("3904.60")),
        "plan ranking:\n{page}"
    );
    d.screenshot(&shots.join("platform-plan-run.png")).unwrap();
    let href = page
        .split("href=\"")
        .skip(1)
        .map(|h| &h[..h.find('"').unwrap_or(0)])
        .find(|h| h.starts_with("/plans/payslip") && h.contains("%E5%B0%8F%E7%BE%8E"))
        .unwrap_or_else(|| panic!("a payslip link of 小美:\n{page}"))
        .replace("&amp;", "&");
    d.goto(&format!("{base}{href}")).unwrap();
    let page = main_of(&d);
    assert!(
        page.contains("工资条")
            && page.contains("3分钟人工回复率(8-23点)")
            && page.contains("96.00%")
            && (page.contains("¥3,904.60") || page.contains("3904.60")),
        "payslip:\n{page}"
    );
    d.screenshot(&shots.join("platform-payslip.png")).unwrap();

    // 阿强's complaints zero his rate's score: 0 + 40 → 400 + 3,000.
    d.goto(&format!(
        "{base}/plans/run?store=%E6%99%A8%E5%85%89&month=2026-11&lang=zh-CN"
    ))
    .unwrap();
    let page = main_of(&d);
    assert!(
        page.contains("¥3,400.00") || page.contains("3400.00"),
        "{page}"
    );
}
