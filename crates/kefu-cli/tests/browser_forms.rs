//! The plan editor as a form, in headless Chromium through `kefu serve`: a supervisor's
//! edit of the presale plan (weights changed, a band added) run as a what-if, a mistake
//! shown next to its field in Chinese, at desktop (1440 px) and phone (390 px) widths.
//! Screenshots go to the target directory's `tmp/screenshots/forms-*.png`.

mod support;

use support::app::{
    add_user, browser_skipped, import_sample, login, save_presale_plan, serve, shots,
};
use support::webdriver::Driver;

/// The page source after `<main>` (what the page shows, without the frame).
fn main_of(d: &Driver) -> String {
    let page = d.source().unwrap();
    page.split("<main>").nth(1).unwrap_or(&page).to_string()
}

/// The value of the form control named `name`.
fn value(d: &Driver, name: &str) -> String {
    d.script(&format!(
        "return document.querySelector('[name=\"{name}\"]').value"
    ))
    .unwrap()
    .as_str()
    .unwrap_or_default()
    .to_string()
}

fn scroll_to(d: &Driver, css: &str) {
    d.script(&format!(
        "document.querySelector('{css}').scrollIntoView({{block: 'center'}})"
    ))
    .unwrap();
}

/// Clicks `css` and waits for the page that answers (one that holds `marker`).
fn submit(d: &Driver, css: &str, marker: &str) {
    d.script("document.body.setAttribute('data-old', '1')")
        .unwrap();
    d.click(css).unwrap();
    d.wait_for(marker, |d| {
        let fresh = d
            .script("return document.body.getAttribute('data-old')")
            .map(|v| v.is_null())
            .unwrap_or(false);
        fresh && d.source().unwrap_or_default().contains(marker)
    })
    .unwrap();
}

#[test]
fn a_plan_edited_through_the_form_and_run_as_a_what_if_in_chromium() {
    if browser_skipped() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("k.db");
    import_sample(&db);
    add_user(&db, "admin", "boss", "boss-password-1", None);
    save_presale_plan(&db);
    let (_server, base) = serve(&db);
    let d = Driver::start().expect("chromedriver and chromium (scripts/test.sh installs them)");
    let shots = shots();
    d.set_window_size(1440, 1000).unwrap();
    assert!(login(&d, &base, "boss", "boss-password-1"));

    d.goto(&format!(
        "{base}/plans/edit?month=2026-11&version=1&lang=zh-CN"
    ))
    .unwrap();
    let page = main_of(&d);
    assert!(page.contains("权重（%）"), "{page}");
    assert!(!page.contains("kpi[conversion]"), "{page}");
    assert_eq!(value(&d, "f.kpi.0.weight"), "40");
    // Only the chosen kind's fields show: a band KPI has no visible linear fields.
    let hidden = d
        .script(
            "return getComputedStyle(document.querySelector('[name=\"f.kpi.0.floor\"]').closest('.when-linear')).display",
        )
        .unwrap();
    assert_eq!(hidden.as_str(), Some("none"));
    d.screenshot(&shots.join("forms-plan-1440.png")).unwrap();
    scroll_to(&d, "[name=\"f.kpi.0.band.0.threshold\"]");
    d.screenshot(&shots.join("forms-plan-kpi-1440.png"))
        .unwrap();

    // Conversion 40% → 30%, volume 10% → 20%, and a fourth conversion band: 30% scores 50.
    d.set_value("[name=\"f.kpi.0.weight\"]", "30").unwrap();
    d.set_value("[name=\"f.kpi.3.weight\"]", "20").unwrap();
    submit(
        &d,
        "button[value=\"add:kpi.0.band\"]",
        "name=\"f.kpi.0.band.3.threshold\"",
    );
    // the edits made before the row was added are still there
    assert_eq!(value(&d, "f.kpi.0.weight"), "30");
    d.set_value("[name=\"f.kpi.0.band.3.threshold\"]", "30%")
        .unwrap();
    d.set_value("[name=\"f.kpi.0.band.3.score\"]", "50")
        .unwrap();

    // What-if: every agent's score and pay against the version in force.
    submit(&d, "p.actions button:first-child", "试算结果（未保存）");
    let page = main_of(&d);
    assert!(page.contains("与当前生效版本比较"), "{page}");
    assert_eq!(value(&d, "f.kpi.0.band.3.threshold"), "30%");
    d.screenshot(&shots.join("forms-whatif-1440.png")).unwrap();
    d.set_window_size(390, 844).unwrap();
    d.screenshot(&shots.join("forms-whatif-390.png")).unwrap();
    let width = d
        .script("return document.documentElement.scrollWidth")
        .unwrap();
    assert!(
        width.as_i64().unwrap_or(9999) <= 420,
        "page {width} px wide at 390"
    );

    // A mistake: the bands overlap. Said next to the band, in Chinese, nothing saved.
    d.set_value("[name=\"f.kpi.0.band.3.threshold\"]", "50%")
        .unwrap();
    submit(&d, "p.actions button:first-child", "区间重叠");
    let page = main_of(&d);
    assert!(
        page.contains("区间重叠：下限 50% 必须严格低于上一区间的 35%（最好的区间在前）"),
        "{page}"
    );
    assert!(page.contains("处需要修改"), "{page}");
    scroll_to(&d, "[name=\"f.kpi.0.band.3.threshold\"]");
    d.screenshot(&shots.join("forms-error-390.png")).unwrap();
    d.set_window_size(1440, 1000).unwrap();
    scroll_to(&d, "[name=\"f.kpi.0.band.3.threshold\"]");
    d.screenshot(&shots.join("forms-error-1440.png")).unwrap();

    // Fixed and saved as a new version from December.
    d.set_value("[name=\"f.kpi.0.band.3.threshold\"]", "30%")
        .unwrap();
    d.set_value("input[name=valid_from]", "2026-12").unwrap();
    submit(&d, "button[formaction^='/plans/save']", "绩效方案");
    assert!(d.url().unwrap().contains("/plans?"), "{}", d.url().unwrap());
    // The scorecards as a form, and the setup page, at both widths.
    for (width, height) in [(1440, 1000), (390, 844)] {
        d.set_window_size(width, height).unwrap();
        d.goto(&format!("{base}/qa/scorecards?lang=zh-CN")).unwrap();
        assert!(main_of(&d).contains("+ 添加评分项"));
        d.screenshot(&shots.join(format!("forms-scorecards-{width}.png")))
            .unwrap();
        d.goto(&format!("{base}/setup?lang=zh-CN")).unwrap();
        assert!(main_of(&d).contains("客服服务时间"));
        d.screenshot(&shots.join(format!("forms-setup-{width}.png")))
            .unwrap();
        let wide = d
            .script("return document.documentElement.scrollWidth")
            .unwrap();
        assert!(
            wide.as_i64().unwrap_or(9999) <= i64::from(width) + 30,
            "setup {wide} px wide at {width}"
        );
    }
    // The saved text reads as the form showed it.
    let out = support::app::kefu()
        .args(["plan", "list", "--db", db.to_str().unwrap()])
        .output()
        .unwrap();
    let listed = String::from_utf8_lossy(&out.stdout);
    assert!(listed.contains("2026-12"), "{listed}");
}
