//! Manual reviews end to end in headless Chromium, through `kefu serve`: a supervisor draws
//! assignments, QA reviews one beside its transcript, the agent sees it and appeals, the
//! supervisor accepts with a corrected score, the summary follows; then a blind calibration
//! whose agreement figure is checked against Krippendorff's alpha computed by hand.
//! Screenshots go to the target directory's `tmp/screenshots/qa-*.png`.

mod support;

use kefu_store::Db;
use support::app::{add_users, browser_skipped, import_sample, login, main_part, serve, shots};
use support::webdriver::Driver;

const STORE: &str = "晨光旗舰店";

/// The weakness answers: greeting as given, polite 4/5, accuracy 8/10, the rest yes or N/A.
/// Applicable weights (qa/scorecard.toml): greeting 1, polite 2, no_taboo 2, accuracy 3,
/// understood 1, on_platform 2, closing 1 = 12. With greeting no the score is
/// 100 × (0 + 2·0.75 + 2 + 3·0.8 + 1 + 2 + 1) / 12 = 82.5%.
fn answers(greeting: &'static str) -> [(&'static str, &'static str); 11] {
    [
        ("greeting", greeting),
        ("polite", "4"),
        ("no_taboo", "yes"),
        ("wait_apology", "na"),
        ("accuracy", "8"),
        ("understood", "yes"),
        ("follow_up", "na"),
        ("recommend", "na"),
        ("payment_reminder", "na"),
        ("on_platform", "yes"),
        ("closing", "yes"),
    ]
}

/// Fills and submits the scorecard of an assignment's review page.
fn review(d: &Driver, base: &str, assignment: i64, greeting: &'static str, note: &str) {
    d.goto(&format!("{base}/qa/review?id={assignment}&lang=zh-CN"))
        .unwrap();
    for (item, value) in answers(greeting) {
        d.click(&format!("select[name=item_{item}] option[value='{value}']"))
            .unwrap();
    }
    d.type_into("textarea[name=note]", note).unwrap();
    d.click("form.qa-review button[type=submit]").unwrap();
    d.wait_for("the saved review", |d| {
        d.source()
            .unwrap_or_default()
            .contains("class=\"qa-score\"")
    })
    .unwrap();
}

/// The page's main part once it shows `needle` (a navigation may still be under way when
/// the driver answers); panics with the page when it never does.
fn shown(d: &Driver, needle: &str) -> String {
    if d.wait_for(needle, |d| main_part(d).contains(needle))
        .is_err()
    {
        panic!("`{needle}` not shown:\n{}", main_part(d));
    }
    main_part(d)
}

#[test]
fn review_flow_and_calibration_in_headless_chromium() {
    if browser_skipped() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("k.db");
    let db = db_path.to_str().unwrap();
    import_sample(&db_path);
    add_users(
        db,
        &[
            ("supervisor", "sup", ["--store", STORE]),
            ("qa", "qa", ["--store", STORE]),
            ("agent", "lily", ["--account", "晨光旗舰店:Lily"]),
        ],
    );
    let (qa_id, sup_id, lily_account) = {
        let store = Db::open(&db_path).unwrap();
        let s = store.store(STORE).unwrap();
        let lily = store
            .accounts(s.id)
            .unwrap()
            .into_iter()
            .find(|a| a.name == "晨光旗舰店:Lily")
            .unwrap()
            .id;
        (
            store.user("qa").unwrap().unwrap().id,
            store.user("sup").unwrap().unwrap().id,
            lily,
        )
    };
    let (_server, base) = serve(&db_path);
    let d = Driver::start().expect("chromedriver and chromium (scripts/test.sh installs them)");
    let shots = shots();

    // 1. The supervisor draws five of Lily's chats of the week for qa.
    assert!(login(&d, &base, "sup", "sup-password-1"));
    d.goto(&format!("{base}/qa/assignments?lang=zh-CN"))
        .unwrap();
    d.click(&format!(
        "form.qa-generate select[name=account] option[value='{lily_account}']"
    ))
    .unwrap();
    d.click(&format!(
        "form.qa-generate input[name=reviewer][value='{qa_id}']"
    ))
    .unwrap();
    d.click("form.qa-generate button[type=submit]").unwrap();
    d.wait_for("the drawn assignments", |d| {
        d.url().unwrap_or_default().contains("added=")
    })
    .unwrap();
    shown(&d, "本次新增任务：5");
    d.screenshot(&shots.join("qa-assignments.png")).unwrap();

    // 2. qa reviews the first one beside its transcript.
    assert!(login(&d, &base, "qa", "qa-password-1"));
    d.goto(&format!("{base}/qa/assignments?lang=zh-CN"))
        .unwrap();
    d.click("table.qa-assignments a[href^='/qa/review']")
        .unwrap();
    d.wait_for("the review page", |d| {
        d.url().unwrap_or_default().contains("/qa/review")
    })
    .unwrap();
    shown(&d, "class=\"transcript\"");
    shown(&d, "第 1 轮");
    for (item, value) in answers("no") {
        d.click(&format!("select[name=item_{item}] option[value='{value}']"))
            .unwrap();
    }
    d.type_into("textarea[name=note]", "开场先问候顾客")
        .unwrap();
    d.type_into("input[name=training_topic]", "欢迎语规范")
        .unwrap();
    d.screenshot(&shots.join("qa-review-form.png")).unwrap();
    d.click("form.qa-review button[type=submit]").unwrap();
    d.wait_for("the saved review", |d| {
        d.source().unwrap_or_default().contains("82.5%")
    })
    .unwrap();

    // 3. Lily sees it and appeals.
    assert!(login(&d, &base, "lily", "lily-password-1"));
    d.goto(&format!("{base}/qa/reviews?lang=zh-CN")).unwrap();
    shown(&d, "82.5%");
    shown(&d, "开场先问候顾客");
    d.type_into("form.qa-appeal-form input[name=reason]", "第一句就问候了")
        .unwrap();
    d.click("form.qa-appeal-form button[type=submit]").unwrap();
    d.wait_for("the appeal", |d| {
        d.source().unwrap_or_default().contains("第一句就问候了")
    })
    .unwrap();
    // Appealed once: the button is gone.
    assert!(!shown(&d, "第一句就问候了").contains("action=\"/qa/appeal"));
    d.screenshot(&shots.join("qa-appeal.png")).unwrap();

    // 4. The summary counts 82.5% until the supervisor accepts 95.
    assert!(login(&d, &base, "sup", "sup-password-1"));
    let summary = format!("{base}/qa/summary?day=2026-11-12&lang=zh-CN");
    d.goto(&summary).unwrap();
    shown(
        &d,
        "<td>晨光旗舰店:Lily</td><td>1</td><td class=\"qa-score\">82.5%</td>",
    );
    d.goto(&format!("{base}/qa/reviews?lang=zh-CN")).unwrap();
    d.type_into("form.qa-decide input[name=comment]", "录音核实，确有问候")
        .unwrap();
    d.type_into("form.qa-decide input[name=new_score]", "95")
        .unwrap();
    d.click("form.qa-decide button[value=accept]").unwrap();
    d.wait_for("the decision", |d| {
        d.source().unwrap_or_default().contains("82.5% → 95.0%")
    })
    .unwrap();
    d.goto(&summary).unwrap();
    let page = shown(
        &d,
        "<td>晨光旗舰店:Lily</td><td>1</td><td class=\"qa-score\">95.0%</td>",
    );
    // qa's workload: 1 of a goal of 5 done, 5 assigned.
    assert!(
        page.contains("<tr><td>qa</td><td>5</td><td>5</td><td>1</td></tr>"),
        "{page}"
    );
    d.screenshot(&shots.join("qa-summary.png")).unwrap();
    assert!(login(&d, &base, "lily", "lily-password-1"));
    d.goto(&format!("{base}/qa/reviews?lang=zh-CN")).unwrap();
    shown(&d, "已通过");

    // 5. Calibration: three of the offered receptions, qa and sup score them blind.
    assert!(login(&d, &base, "sup", "sup-password-1"));
    d.goto(&format!("{base}/qa/calibration?lang=zh-CN"))
        .unwrap();
    let page = shown(&d, "name=\"reception\" value=\"");
    let offered: Vec<String> = page
        .match_indices("name=\"reception\" value=\"")
        .map(|(i, m)| {
            let rest = &page[i + m.len()..];
            rest[..rest.find('"').unwrap()].to_string()
        })
        .take(3)
        .collect();
    assert_eq!(offered.len(), 3, "{page}");
    d.type_into("form.qa-calibrate input[name=name]", "十一月校准")
        .unwrap();
    for v in &offered {
        d.click(&format!("input[name=reception][value='{v}']"))
            .unwrap();
    }
    for id in [qa_id, sup_id] {
        d.click(&format!(
            "form.qa-calibrate input[name=reviewer][value='{id}']"
        ))
        .unwrap();
    }
    d.click("form.qa-calibrate button[type=submit]").unwrap();
    d.wait_for("the calibration session", |d| {
        d.url().unwrap_or_default().contains("id=")
    })
    .unwrap();
    let results = d.url().unwrap();
    let calibration = |user: i64| {
        let mut v: Vec<_> = Db::open(&db_path)
            .unwrap()
            .qa_my_assignments(user)
            .unwrap()
            .into_iter()
            .filter(|a| a.calibration_id.is_some())
            .collect();
        v.sort_by_key(|a| a.reception);
        v.into_iter().map(|a| a.id).collect::<Vec<i64>>()
    };
    // greeting: sup yes, no, no; qa yes, yes, no.
    for (id, g) in calibration(sup_id).into_iter().zip(["yes", "no", "no"]) {
        review(&d, &base, id, g, "校准");
    }
    assert!(login(&d, &base, "qa", "qa-password-1"));
    for (id, g) in calibration(qa_id).into_iter().zip(["yes", "yes", "no"]) {
        review(&d, &base, id, g, "校准");
    }
    assert!(login(&d, &base, "sup", "sup-password-1"));
    d.goto(&results).unwrap();
    let page = shown(&d, "<tr data-item=\"首次接待有欢迎语\">");
    // Nominal alpha of greeting by hand: units (1,1), (0,1), (0,0) give the coincidences
    // o11 = 2, o01 = o10 = 1, o00 = 2; n0 = n1 = 3, n = 6. D_o = (o01 + o10)/n = 2/6;
    // D_e = (n0·n1 + n1·n0)/(n(n−1)) = 18/30 = 3/5; α = 1 − (1/3)/(3/5) = 4/9 = 0.444.
    let row = &page[page
        .find("<tr data-item=\"首次接待有欢迎语\">")
        .expect("greeting row")..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(row.contains("<td class=\"alpha\">0.444</td>"), "{row}");
    d.screenshot(&shots.join("qa-calibration.png")).unwrap();
    // The calibration reviews did not move Lily's score.
    d.goto(&summary).unwrap();
    shown(&d, "<td class=\"qa-score\">95.0%</td>");
}
