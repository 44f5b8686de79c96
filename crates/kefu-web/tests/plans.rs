// The tests set up and inspect the database directly, past the access handles.
#![allow(clippy::disallowed_methods)]
//! Performance plans in the web app: the ranking and payslips show the same numbers as the
//! store computes for `kefu plan run`, an agent sees only their own payslip, the what-if
//! preview and saving check the plan, and hand-entered scores count.

mod support;

use std::path::Path;

use axum::http::StatusCode;
use kefu_plan::Month;
use kefu_plan::form::PlanForm;
use kefu_store::Db;
use serde_json::Value;
use support::{STORE, account_id, enc, get, login, post, setup};

const LILY: &str = "晨光旗舰店:Lily";
const PRESALE: &str = include_str!("../../../plans/presale.toml");

fn nov() -> Month {
    Month::parse("2026-11").unwrap()
}

/// The sample store with the presale plan in force from November and lily linked to Lily.
fn prepare(path: &Path) {
    let mut db = Db::open(path).unwrap();
    let store = db.store(STORE).unwrap();
    db.save_plan_version("presale", nov(), PRESALE, None, &[store.id])
        .unwrap();
    let lily_account = account_id(&db, store.id, LILY);
    let lily = db.user("lily").unwrap().unwrap();
    db.link_account(&lily, store.id, lily_account).unwrap();
    let qa = db.user("qa").unwrap().unwrap();
    db.assign_store(&qa, store.id).unwrap();
}

#[tokio::test]
async fn ranking_payslip_and_api_agree_with_the_store() {
    let (_dir, path, app) = setup(false);
    prepare(&path);
    let expected = {
        let db = Db::open(&path).unwrap();
        let store = db.store(STORE).unwrap();
        kefu_app::plans::run_stored_plans(&db, store.id, nov(), None).unwrap()
    };
    assert_eq!(expected[0].headcount, 5);
    let (sid, _) = login(&app, "sup").await;

    let page = get(&app, "/plans?month=2026-11&lang=en", &sid).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("售前绩效方案"), "{}", page.body);
    assert!(page.body.contains("Plan versions"));

    let ranking = get(&app, "/plans/run?month=2026-11&plan=presale&lang=en", &sid).await;
    assert_eq!(ranking.status, StatusCode::OK);
    for p in &expected[0].payslips {
        assert!(
            ranking
                .body
                .contains(&format!("account={}", enc(&p.account))),
            "{}",
            p.account
        );
        assert!(
            ranking
                .body
                .contains(&kefu_core::money::format_yuan(p.total_cents))
        );
    }

    let api = get(&app, "/api/v1/plans/run?month=2026-11", &sid).await;
    assert_eq!(api.status, StatusCode::OK);
    let json: Value = serde_json::from_str(&api.body).unwrap();
    // Both sides go through JSON text: serde_json's float parsing is not always the exact
    // inverse of its printing, so a parsed value is compared with a parsed value.
    let want: Value = serde_json::from_str(&serde_json::to_string(&expected).unwrap()).unwrap();
    assert_eq!(json, want);

    let first = &expected[0].payslips[0];
    let slip = get(
        &app,
        &format!(
            "/plans/payslip?month=2026-11&plan=presale&account={}&lang=en",
            enc(&first.account)
        ),
        &sid,
    )
    .await;
    assert_eq!(slip.status, StatusCode::OK);
    // Each figure links to the receptions or orders behind it.
    assert!(
        slip.body.contains("figure=inquiry_conversion"),
        "{}",
        slip.body
    );
    assert!(
        slip.body.contains("from=2026-11-01&amp;to=2026-11-30")
            || slip.body.contains("from=2026-11-01&to=2026-11-30")
    );
    for l in &first.pay {
        assert!(
            slip.body.contains(&l.formula.replace('&', "&amp;")),
            "{}",
            l.formula
        );
    }

    let xlsx = get(&app, "/plans/export?month=2026-11&plan=presale", &sid).await;
    assert_eq!(xlsx.status, StatusCode::OK);
    assert!(
        xlsx.headers["content-type"]
            .to_str()
            .unwrap()
            .contains("spreadsheetml")
    );
}

#[tokio::test]
async fn an_empty_month_is_said_and_pays_no_variable_pay() {
    let (_dir, path, app) = setup(false);
    prepare(&path);
    let (sid, _) = login(&app, "sup").await;
    let page = get(&app, "/plans/run?month=2027-03&plan=presale&lang=en", &sid).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body
            .contains("The store has no data at all in this month"),
        "{}",
        page.body
    );
    let api = get(&app, "/api/v1/plans/run?month=2027-03", &sid).await;
    let json: Value = serde_json::from_str(&api.body).unwrap();
    assert_eq!(json[0]["empty_month"], true);
    for p in json[0]["payslips"].as_array().unwrap() {
        assert_eq!(
            (&p["rank"], &p["total_cents"]),
            (&Value::Null, &0.into()),
            "{p}"
        );
    }
}

#[tokio::test]
async fn a_stored_plan_this_version_cannot_read_is_said_not_an_internal_error() {
    let (_dir, path, app) = setup(false);
    prepare(&path);
    {
        // As another version (or a hand edit) may have left it: a plan text the parser refuses.
        let mut db = Db::open(&path).unwrap();
        let store = db.store(STORE).unwrap();
        let broken = PRESALE.replacen("weight = ", "weight = -", 1);
        db.save_plan_version(
            "presale",
            Month::parse("2026-12").unwrap(),
            &broken,
            None,
            &[store.id],
        )
        .unwrap();
    }
    let (sid, _) = login(&app, "sup").await;
    let api = get(&app, "/api/v1/plans/run?month=2026-12", &sid).await;
    assert_eq!(api.status, StatusCode::BAD_REQUEST, "{}", api.body);
    assert!(api.body.contains("presale"), "{}", api.body);
    let page = get(&app, "/plans/run?month=2026-12&plan=presale", &sid).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.body.contains("保存的方案") && page.body.contains("权重是大于 0"),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn an_agent_sees_only_their_own_payslip() {
    let (_dir, path, app) = setup(false);
    prepare(&path);
    let (sid, _) = login(&app, "lily").await;
    let ranking = get(&app, "/plans/run?month=2026-11&plan=presale&lang=en", &sid).await;
    assert_eq!(ranking.status, StatusCode::OK);
    assert!(ranking.body.contains(&enc(LILY)));
    assert!(
        !ranking.body.contains(&enc("晨光旗舰店:小美")),
        "{}",
        ranking.body
    );

    let own = get(
        &app,
        &format!(
            "/plans/payslip?month=2026-11&plan=presale&account={}",
            enc(LILY)
        ),
        &sid,
    )
    .await;
    assert_eq!(own.status, StatusCode::OK);
    let other = get(
        &app,
        &format!(
            "/plans/payslip?month=2026-11&plan=presale&account={}",
            enc("晨光旗舰店:小美")
        ),
        &sid,
    )
    .await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);

    let api: Value = serde_json::from_str(
        &get(&app, "/api/v1/plans/run?month=2026-11", &sid)
            .await
            .body,
    )
    .unwrap();
    let slips = api[0]["payslips"].as_array().unwrap();
    assert_eq!(slips.len(), 1);
    assert_eq!(slips[0]["account"], LILY);

    assert_eq!(
        get(&app, "/plans/export?month=2026-11&plan=presale", &sid)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        get(&app, "/plans/edit", &sid).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        get(&app, "/plans/scores?month=2026-11&plan=presale", &sid)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn what_if_preview_checks_and_saves_a_version() {
    let (_dir, path, app) = setup(false);
    prepare(&path);
    let (sid, csrf) = login(&app, "sup").await;
    let edit = get(&app, "/plans/edit?month=2026-11&version=1&lang=en", &sid).await;
    assert_eq!(edit.status, StatusCode::OK);
    assert!(edit.body.contains("Preview"));

    // Conversion 40% → 30%, volume 10% → 20%: every agent's score and pay move.
    let changed = PRESALE
        .replace(
            "figure = \"inquiry_conversion\"\nweight = 40",
            "figure = \"inquiry_conversion\"\nweight = 30",
        )
        .replace(
            "figure = \"served\"\nweight = 10",
            "figure = \"served\"\nweight = 20",
        );
    assert_ne!(changed, PRESALE);
    let form = |toml: &str| {
        format!(
            "csrf={csrf}&store={}&month=2026-11&valid_from=2026-12&toml={}",
            enc(STORE),
            enc(toml)
        )
    };
    let preview = post(&app, "/plans/preview?lang=en", &sid, &form(&changed)).await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    assert!(preview.body.contains("Score change"));
    assert!(
        preview
            .body
            .contains("Preview (not saved), against the version in force")
    );

    // An invalid plan is shown with its line and field, nothing saved.
    let bad = PRESALE.replace("weight = 40", "weight = 45");
    let refused = post(&app, "/plans/preview?lang=en", &sid, &form(&bad)).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.body.contains("kpi.weight"), "{}", refused.body);
    assert!(refused.body.contains("105%"), "{}", refused.body);
    let refused = post(&app, "/plans/save?lang=en", &sid, &form(&bad)).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    // every mistake at once
    let two = bad.replace("settlement_day = 5", "settlement_day = 40");
    assert_ne!(two, bad);
    let refused = post(&app, "/plans/preview?lang=en", &sid, &form(&two)).await;
    assert!(refused.body.contains("settlement_day"), "{}", refused.body);
    assert!(refused.body.contains("105%"), "{}", refused.body);

    // Without the form's token nothing is saved.
    let stale = post(
        &app,
        "/plans/save",
        &sid,
        &form(&changed).replace(&csrf, "x"),
    )
    .await;
    assert_eq!(stale.status, StatusCode::FORBIDDEN);

    let saved = post(&app, "/plans/save?lang=en", &sid, &form(&changed)).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let db = Db::open(&path).unwrap();
    let versions = db.plan_versions().unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0].valid_from.to_string(), "2026-12");
    assert_eq!(versions[0].saved_by.as_deref(), Some("sup"));
    // November keeps the version in force then.
    let store = db.store(STORE).unwrap();
    assert_eq!(
        db.plans_in_force(store.id, nov()).unwrap()[0].valid_from,
        nov()
    );

    // An agent cannot save.
    let (lily, lily_csrf) = login(&app, "lily").await;
    let denied = post(
        &app,
        "/plans/save",
        &lily,
        &form(&changed).replace(&csrf, &lily_csrf),
    )
    .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn manual_scores_entered_in_the_browser_count() {
    let (_dir, path, app) = setup(false);
    prepare(&path);
    let (sid, csrf) = login(&app, "sup").await;
    let page = get(
        &app,
        "/plans/scores?month=2026-11&plan=presale&lang=en",
        &sid,
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    let id = {
        let db = Db::open(&path).unwrap();
        let store = db.store(STORE).unwrap();
        db.accounts(store.id)
            .unwrap()
            .into_iter()
            .find(|a| a.name == LILY)
            .unwrap()
            .id
    };
    assert!(page.body.contains(&format!("name=\"v.{id}.attitude\"")));
    let form = format!(
        "csrf={csrf}&store={}&month=2026-11&plan=presale&v.{id}.attitude=95.5%25&v.{id}.qa_score=50",
        enc(STORE)
    );
    let saved = post(&app, "/plans/scores?lang=en", &sid, &form).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let bad = post(
        &app,
        "/plans/scores?lang=en",
        &sid,
        &form.replace("95.5", "101"),
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);

    let db = Db::open(&path).unwrap();
    let store = db.store(STORE).unwrap();
    let r = kefu_app::plans::run_stored_plans(&db, store.id, nov(), None).unwrap();
    let lily = r[0].payslips.iter().find(|p| p.account == LILY).unwrap();
    let attitude = lily.kpis.iter().find(|k| k.key == "attitude").unwrap();
    // `95.5%` typed is 95.5 points (it was 0.955): 95.5 × 10% = 9.55 points
    assert_eq!((attitude.score, attitude.points), (95_50, 9_55));
    // QA 50 < 60: the gate halves the pay
    assert!(lily.gates.iter().any(|g| g.name == "质检不合格" && g.fired));
}

/// The value of the control named `name` on a page (its `value="…"`, `&quot;` undone).
fn value_of(page: &str, name: &str) -> String {
    let at = page
        .find(&format!("name=\"{name}\""))
        .unwrap_or_else(|| panic!("no control {name}"));
    let tag_end = at + page[at..].find('>').unwrap();
    let tag = &page[at..tag_end];
    let v = tag.find("value=\"").map_or(String::new(), |i| {
        let rest = &tag[i + 7..];
        rest[..rest.find('"').unwrap()].to_string()
    });
    v.replace("&quot;", "\"").replace("&amp;", "&")
}

/// The plan form `f`, as a browser posts it.
fn form_post(csrf: &str, f: &PlanForm, extra: &str) -> String {
    let mut body = format!(
        "csrf={csrf}&store={}&month=2026-11&valid_from=2026-12&mode=form{extra}",
        enc(STORE)
    );
    for (k, v) in f.to_pairs() {
        body.push_str(&format!("&{}={}", enc(&k), enc(&v)));
    }
    body
}

/// The text of the mistakes shown right after control `name` (its `span.field-error`s).
fn error_next_to(page: &str, name: &str) -> String {
    let at = page
        .find(&format!("name=\"{name}\""))
        .unwrap_or_else(|| panic!("no control {name}"));
    let rest = &page[at..];
    let close = [rest.find("</label>"), rest.find("</td>")]
        .into_iter()
        .flatten()
        .min()
        .unwrap();
    rest[..close]
        .split("<span class=\"field-error\" role=\"alert\">")
        .skip(1)
        .map(|x| x.split("</span>").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join(" | ")
}

#[tokio::test]
async fn the_plan_form_shows_every_field_labelled_and_saves() {
    let (_dir, path, app) = setup(false);
    prepare(&path);
    let (sid, csrf) = login(&app, "sup").await;
    let edit = get(&app, "/plans/edit?month=2026-11&version=1", &sid).await;
    assert_eq!(edit.status, StatusCode::OK);
    // Chinese labels, no TOML paths on screen, the figure picked by its name.
    for label in [
        "权重（%）",
        "分档方向",
        "质检门槛生效的最少评分次数",
        "+ 添加一档",
        "高级：以 TOML 文本编辑",
    ] {
        assert!(edit.body.contains(label), "{label}");
    }
    assert!(!edit.body.contains("kpi[conversion]"), "{}", edit.body);
    assert!(
        edit.body
            .contains("<option value=\"inquiry_conversion\" selected>询单→最终付款转化率（%）"),
        "{}",
        edit.body
    );
    assert_eq!(value_of(&edit.body, "f.kpi.0.weight"), "40");
    assert_eq!(value_of(&edit.body, "f.kpi.0.band.1.threshold"), "40%");
    assert_eq!(value_of(&edit.body, "f.qa_min_reviews"), "3");
    let en = get(&app, "/plans/edit?month=2026-11&version=1&lang=en", &sid).await;
    assert!(en.body.contains("Weight (%)") && en.body.contains("Scoring"));

    // 40/10 → 30/20 in the form: the preview shows the moves and the form again.
    let mut f = PlanForm::from_toml(PRESALE).unwrap();
    f.kpis[0].weight = "30".into();
    f.kpis[3].weight = "20".into();
    f.qa_min_reviews = "5".into();
    let preview = post(
        &app,
        "/plans/preview?lang=en",
        &sid,
        &form_post(&csrf, &f, ""),
    )
    .await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    assert!(preview.body.contains("Score change"));
    assert_eq!(value_of(&preview.body, "f.kpi.0.weight"), "30");

    let saved = post(&app, "/plans/save?lang=en", &sid, &form_post(&csrf, &f, "")).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let db = Db::open(&path).unwrap();
    let newest = &db.plan_versions().unwrap()[0];
    let plan = kefu_plan::parse(&newest.toml).unwrap();
    assert_eq!(plan.kpis[0].weight_bp, 30_00);
    assert_eq!(plan.kpis[3].weight_bp, 20_00);
    assert_eq!(plan.qa_min_reviews, 5);
    assert_eq!(newest.valid_from.to_string(), "2026-12");
    // The saved text reads back into the same form (the TOML round trip).
    assert_eq!(PlanForm::from_toml(&newest.toml).unwrap(), f);
}

#[tokio::test]
async fn plan_form_errors_are_next_to_their_field_in_both_languages() {
    let (_dir, path, app) = setup(false);
    prepare(&path);
    let (sid, csrf) = login(&app, "sup").await;
    let mut f = PlanForm::from_toml(PRESALE).unwrap();
    f.kpis[0].bands[1].threshold = "50%".into();
    f.settlement_day = "40".into();
    f.pay[0].tiers[1].rate = "0.8".into();
    f.gates[0].threshold = String::new();
    let cases = [
        (
            "f.kpi.0.band.1.threshold",
            "区间重叠：下限 50% 必须严格低于上一区间的 45%（最好的区间在前）",
            "bands overlap: min 50% must be strictly below the previous band's 45%",
        ),
        (
            "f.settlement_day",
            "应为每月的某一天，1 到 31，不能是 40",
            "a day of the month, 1 to 31, not 40",
        ),
        ("f.pay.0.tier.1.rate", "有歧义", "is ambiguous"),
    ];
    // Empty required fields are said first, alone.
    let refused = post(&app, "/plans/preview", &sid, &form_post(&csrf, &f, "")).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(error_next_to(&refused.body, "f.gate.0.threshold"), "必填");
    f.gates[0].threshold = "60".into();
    for lang in ["zh-CN", "en"] {
        let page = post(
            &app,
            &format!("/plans/preview?lang={lang}"),
            &sid,
            &form_post(&csrf, &f, ""),
        )
        .await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST);
        assert!(!page.body.contains("kpi[conversion]"), "{}", page.body);
        for (field, zh, en) in cases {
            let said = error_next_to(&page.body, field);
            let want = if lang == "en" { en } else { zh };
            assert!(said.contains(want), "{lang} {field}: {said:?}");
        }
        // the values typed stay in the form
        assert_eq!(value_of(&page.body, "f.kpi.0.band.1.threshold"), "50%");
    }
    let refused = post(&app, "/plans/save", &sid, &form_post(&csrf, &f, "")).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(Db::open(&path).unwrap().plan_versions().unwrap().len(), 1);
}

#[tokio::test]
async fn plan_form_rows_and_the_toml_toggle_round_trip() {
    let (_dir, path, app) = setup(false);
    prepare(&path);
    let (sid, csrf) = login(&app, "sup").await;
    let f = PlanForm::from_toml(PRESALE).unwrap();
    // A band added, then one removed: nothing saved, the form shown again.
    let added = post(
        &app,
        "/plans/edit",
        &sid,
        &form_post(&csrf, &f, "&op=add:kpi.0.band"),
    )
    .await;
    assert_eq!(added.status, StatusCode::OK);
    assert!(added.body.contains("name=\"f.kpi.0.band.3.threshold\""));
    let removed = post(
        &app,
        "/plans/edit",
        &sid,
        &form_post(&csrf, &f, "&op=remove:kpi.0.band.0"),
    )
    .await;
    assert_eq!(value_of(&removed.body, "f.kpi.0.band.0.threshold"), "40%");
    assert!(!removed.body.contains("name=\"f.kpi.0.band.2.threshold\""));

    // Form → TOML → form: the same fields.
    let as_toml = post(
        &app,
        "/plans/edit",
        &sid,
        &form_post(&csrf, &f, "&op=as_toml"),
    )
    .await;
    assert_eq!(as_toml.status, StatusCode::OK);
    let at = as_toml.body.find("name=\"toml\"").unwrap();
    let text = &as_toml.body[at..];
    let text = &text[text.find('>').unwrap() + 1..text.find("</textarea>").unwrap()];
    let text = text
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    assert!(text.contains("weight = 40"), "{text}");
    assert_eq!(PlanForm::from_toml(&text).unwrap(), f);
    let toml_post = |toml: &str| {
        format!(
            "csrf={csrf}&store={}&month=2026-11&valid_from=2026-12&op=as_form&toml={}",
            enc(STORE),
            enc(toml)
        )
    };
    let back = post(&app, "/plans/edit", &sid, &toml_post(&text)).await;
    assert_eq!(back.status, StatusCode::OK);
    assert_eq!(
        value_of(&back.body, "f.kpi.3.rank_scores"),
        "100 95 90 85 80"
    );
    // A text with a field the form has none for stays in the TOML editor, said why.
    let typo = PRESALE.replacen("weight = 40", "weight = 40\nwieght = 1", 1);
    let refused = post(&app, "/plans/edit", &sid, &toml_post(&typo)).await;
    assert!(
        refused.body.contains("表单中没有这些字段：kpi[1].wieght"),
        "{}",
        refused.body
    );
    // The TOML page is there for those who want it.
    let toml_page = get(&app, "/plans/edit?month=2026-11&version=1&as=toml", &sid).await;
    assert!(toml_page.body.contains("textarea name=\"toml\""));
    // Agents may not use the form.
    let (lily, lily_csrf) = login(&app, "lily").await;
    let denied = post(
        &app,
        "/plans/edit",
        &lily,
        &form_post(&lily_csrf, &f, "&op=add:kpi"),
    )
    .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn reviewers_see_the_ranking_but_not_the_payroll() {
    let (_dir, path, app) = setup(false);
    prepare(&path);
    let (sid, _) = login(&app, "qa").await;
    let ranking = get(&app, "/plans/run?month=2026-11&plan=presale&lang=en", &sid).await;
    assert_eq!(ranking.status, StatusCode::OK);
    assert!(ranking.body.contains(&enc("晨光旗舰店:小美")));
    assert!(!ranking.body.contains("/plans/export"));
    let export = get(&app, "/plans/export?month=2026-11&plan=presale", &sid).await;
    assert_eq!(export.status, StatusCode::FORBIDDEN);
}

#[test]
fn the_preview_is_the_edited_plan_run_beside_the_version_in_force() {
    let (_dir, path, _app) = setup(false);
    prepare(&path);
    let db = Db::open(&path).unwrap();
    let store = db.store(STORE).unwrap();
    let changed = PRESALE
        .replace(
            "figure = \"inquiry_conversion\"\nweight = 40",
            "figure = \"inquiry_conversion\"\nweight = 30",
        )
        .replace(
            "figure = \"served\"\nweight = 10",
            "figure = \"served\"\nweight = 20",
        );
    let plan = kefu_plan::parse(&changed).unwrap();
    let json = |r: &kefu_plan::PlanResult| serde_json::to_value(r).unwrap();
    let (new, in_force) = kefu_app::plans::preview_plan(&db, store.id, &plan, nov()).unwrap();
    // no version in force the month before: movement against the edited plan itself
    let (alone, _) = kefu_app::plans::run_plan(&db, store.id, &plan, Some(&plan), nov()).unwrap();
    assert_eq!(json(&new), json(&alone));
    let stored = kefu_app::plans::run_stored_plans(&db, store.id, nov(), Some("presale")).unwrap();
    assert_eq!(json(&in_force.unwrap()), json(&stored[0]));
    assert_ne!(json(&new), json(&stored[0]));
    // a plan id with no version in force has nothing beside it
    let other =
        kefu_plan::parse(&changed.replacen("id = \"presale\"", "id = \"other\"", 1)).unwrap();
    assert!(
        kefu_app::plans::preview_plan(&db, store.id, &other, nov())
            .unwrap()
            .1
            .is_none()
    );
}

/// Issue 10 item 8: whether agents see the store's totals is one store setting, the same
/// for the payslip's pool line, the plans API and `/api/v1/list?figure=total_sales`.
#[tokio::test]
async fn agents_see_store_totals_only_where_the_store_allows_it() {
    let (_dir, path, app) = setup(false);
    prepare(&path);
    // sales-target alone: with presale in force too, presale would pay Lily (one plan pays
    // each person) and sales-target's pool line would not be hers
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch(
            "DELETE FROM plan_versions WHERE plan_id = 'presale';
             DELETE FROM plan_stores WHERE plan_id = 'presale';",
        )
        .unwrap();
    let expected = {
        let mut db = Db::open(&path).unwrap();
        let store = db.store(STORE).unwrap();
        db.save_plan_version(
            "sales-target",
            nov(),
            include_str!("../../../plans/sales-target.toml"),
            None,
            &[store.id],
        )
        .unwrap();
        kefu_app::plans::run_stored_plans(&db, store.id, nov(), Some("sales-target")).unwrap()
    };
    let r = &expected[0];
    let slip = r.payslips.iter().find(|p| p.account == LILY).unwrap();
    let pool = slip.pay.iter().find(|l| l.kind == "pool").unwrap();
    let store_sales = kefu_core::money::format_yuan(r.store_sales_cents);
    assert!(pool.formula.contains(&store_sales), "{}", pool.formula);
    let payslip_uri = format!(
        "/plans/payslip?month=2026-11&plan=sales-target&account={}&lang=en",
        enc(LILY)
    );
    let list_uri = "/api/v1/list?from=2026-11-01&to=2026-11-30&figure=total_sales";
    let (admin, _) = login(&app, "admin").await;
    let whole: Value = serde_json::from_str(&get(&app, list_uri, &admin).await.body).unwrap();

    // by default: hidden everywhere
    let (lily, _) = login(&app, "lily").await;
    let page = get(&app, &payslip_uri, &lily).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains(&pool.formula), "{}", page.body);
    assert!(!page.body.contains(&store_sales));
    assert!(page.body.contains("not shown to agents (store setting)"));
    assert!(
        page.body
            .contains(&kefu_core::money::format_yuan(pool.amount_cents))
    );
    let api: Value = serde_json::from_str(
        &get(
            &app,
            "/api/v1/plans/run?month=2026-11&plan=sales-target",
            &lily,
        )
        .await
        .body,
    )
    .unwrap();
    assert_eq!(api[0]["headcount"], Value::Null);
    assert_eq!(api[0]["store_sales_cents"], Value::Null);
    assert_eq!(
        get(&app, list_uri, &lily).await.status,
        StatusCode::NOT_FOUND
    );

    // the store allows it (a supervisor of the store sets it): shown everywhere
    let (sup, csrf) = login(&app, "sup").await;
    let res = post(
        &app,
        "/settings/visibility",
        &sup,
        &format!("csrf={csrf}&store={}&store_totals=1", enc(STORE)),
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let settings = get(
        &app,
        &format!("/settings/metrics?store={}", enc(STORE)),
        &sup,
    )
    .await;
    assert!(
        settings
            .body
            .contains("name=\"store_totals\" value=\"1\" checked")
    );
    let page = get(&app, &payslip_uri, &lily).await;
    assert!(page.body.contains(&pool.formula), "{}", page.body);
    let api: Value = serde_json::from_str(
        &get(
            &app,
            "/api/v1/plans/run?month=2026-11&plan=sales-target",
            &lily,
        )
        .await
        .body,
    )
    .unwrap();
    assert_eq!(api[0]["headcount"], r.headcount);
    assert_eq!(api[0]["store_sales_cents"], r.store_sales_cents);
    let res = get(&app, list_uri, &lily).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let listed: Value = serde_json::from_str(&res.body).unwrap();
    assert_eq!(listed["value"], whole["value"]);
    assert_eq!(listed["total"], whole["total"]);
    // colleagues' names stay hidden in the orders (the store did not allow them)
    let items = listed["items"].as_array().unwrap();
    assert!(!items.is_empty());
    for (mine, all) in items.iter().zip(whole["items"].as_array().unwrap()) {
        let (a, b) = (&mine["attribution"], &all["attribution"]);
        assert_eq!(a["kind"], b["kind"]);
        if b["kind"] == "attributed" && b["account"] != LILY {
            assert_eq!(a["account"], Value::Null, "{mine}");
        } else {
            assert_eq!(a, b);
        }
    }
    // an account's or a group's store totals still do not exist
    let res = get(&app, &format!("{list_uri}&account={}", enc(LILY)), &lily).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
}

const STORE2: &str = "星河专营店";
const STORE2_ACCOUNT: &str = "星河专营店:阿星";

/// A commission plan for everyone; `rate` is its one rate.
fn team_plan(id: &str, rate: &str) -> String {
    format!(
        "id = \"{id}\"\nname = \"{id} 提成\"\n[[kpi]]\nfigure = \"served\"\nweight = 100\n\
         bands = [{{ min = 1, score = 100 }}]\n[[pay]]\ntiered = {{ tiers = [{{ from = 0, rate = \"{rate}\" }}] }}\n"
    )
}

/// Store 2 (one agent, one paid order of 8888.88 yuan) beside the sample store; plan `team`
/// runs in both stores (as every plan did before plans had stores), `s2` in store 2 only.
fn two_stores(dir: &Path, path: &Path) -> (i64, i64) {
    let store2_dir = dir.join("store2");
    std::fs::create_dir(&store2_dir).unwrap();
    std::fs::write(
        store2_dir.join("messages.csv"),
        format!(
            "time,buyer,account,sender,text\n\
             2026-11-12 10:00:00,星河买家甲,{STORE2_ACCOUNT},buyer,在吗\n\
             2026-11-12 10:00:30,星河买家甲,{STORE2_ACCOUNT},agent,在的亲\n"
        ),
    )
    .unwrap();
    std::fs::write(
        store2_dir.join("orders.csv"),
        "order_id,buyer,created_at,paid_at,closed_at,amount,items\n\
         X900001,星河买家甲,2026-11-12 10:05:00,2026-11-12 10:06:00,,8888.88,1\n",
    )
    .unwrap();
    let config = kefu_core::settings::Config::default();
    let mut db = Db::open(path).unwrap();
    let mut opts = kefu_import::ImportOptions::new(&config);
    opts.default_store = Some(STORE2.to_string());
    let files = [
        store2_dir.join("messages.csv"),
        store2_dir.join("orders.csv"),
    ];
    let out = kefu_import::read_files(&files, &opts, &|_, _| {}).unwrap();
    db.import(out.batch, &config).unwrap();
    let (s1, s2) = (db.store(STORE).unwrap().id, db.store(STORE2).unwrap().id);
    db.save_plan_version("team", nov(), &team_plan("team", "1%"), None, &[s1, s2])
        .unwrap();
    // for store 2's after-sale agents (it has none): one plan pays each person
    let s2_plan = team_plan("s2", "1%") + "[applies_to]\nrole = \"aftersale\"\n";
    db.save_plan_version("s2", nov(), &s2_plan, None, &[s2])
        .unwrap();
    (s1, s2)
}

/// Store 2's pay of its agent under every plan in force, in cents.
fn store2_pay(path: &Path, s2: i64) -> Vec<(String, i64)> {
    let db = Db::open(path).unwrap();
    kefu_app::plans::run_stored_plans(&db, s2, nov(), None)
        .unwrap()
        .into_iter()
        .map(|r| (r.plan_id, r.payslips.first().map_or(0, |p| p.total_cents)))
        .collect()
}

#[tokio::test]
async fn a_supervisor_cannot_change_another_stores_pay() {
    let (dir, path, app) = setup(false);
    let (s1, s2) = two_stores(dir.path(), &path);
    let before = store2_pay(&path, s2);
    assert_eq!(before, vec![("s2".into(), 0), ("team".into(), 8889)]);
    let (sid, csrf) = login(&app, "sup").await;
    let form = |toml: &str| {
        format!(
            "csrf={csrf}&store={}&month=2026-11&valid_from=2026-11&toml={}",
            enc(STORE),
            enc(toml)
        )
    };

    // The attack: the shared plan at a 50 % rate, saved from store 1's editor.
    let attack = post(&app, "/plans/save", &sid, &form(&team_plan("team", "50%"))).await;
    assert_eq!(attack.status, StatusCode::FORBIDDEN, "{}", attack.body);
    // … nor store 2's own plan, nor a what-if of either.
    let attack = post(&app, "/plans/save", &sid, &form(&team_plan("s2", "50%"))).await;
    assert_eq!(attack.status, StatusCode::FORBIDDEN, "{}", attack.body);
    let what_if = post(&app, "/plans/preview", &sid, &form(&team_plan("s2", "50%"))).await;
    assert_eq!(what_if.status, StatusCode::FORBIDDEN, "{}", what_if.body);
    assert_eq!(store2_pay(&path, s2), before);

    // Their plans page lists neither plan's versions, and their editor opens neither.
    let page = get(&app, "/plans?month=2026-11&lang=en", &sid).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Plan versions"), "{}", page.body);
    assert!(!page.body.contains("<td>team</td>"), "{}", page.body);
    assert!(!page.body.contains("<td>s2</td>"), "{}", page.body);
    assert!(!page.body.contains("version=1"), "{}", page.body);
    for version in [1, 2] {
        let edit = get(&app, &format!("/plans/edit?version={version}"), &sid).await;
        assert_eq!(edit.status, StatusCode::NOT_FOUND, "{}", edit.body);
    }

    // A plan of their own store is theirs: saved, it runs in store 1 only.
    let own = post(&app, "/plans/save", &sid, &form(&team_plan("mine", "2%"))).await;
    assert_eq!(own.status, StatusCode::SEE_OTHER, "{}", own.body);
    let db = Db::open(&path).unwrap();
    assert_eq!(db.plan_stores("mine").unwrap(), vec![s1]);
    drop(db);
    assert_eq!(store2_pay(&path, s2), before);
    let page = get(&app, "/plans?month=2026-11&lang=en", &sid).await;
    assert!(page.body.contains("<td>mine</td>"), "{}", page.body);

    // The shared plan is the admin's: they may change it, in both stores.
    let (admin, admin_csrf) = login(&app, "admin").await;
    let form = format!(
        "csrf={admin_csrf}&store={}&month=2026-11&valid_from=2026-11&toml={}",
        enc(STORE),
        enc(&team_plan("team", "2%"))
    );
    let saved = post(&app, "/plans/save", &admin, &form).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let db = Db::open(&path).unwrap();
    assert_eq!(db.plan_stores("team").unwrap(), vec![s1, s2]);
    drop(db);
    assert_eq!(
        store2_pay(&path, s2),
        vec![("s2".into(), 0), ("team".into(), 17778)]
    );
}

#[tokio::test]
async fn the_ranking_lists_accounts_with_sales_that_no_plan_pays() {
    let (dir, path, app) = setup(false);
    let (_, s2) = two_stores(dir.path(), &path);
    // Store 2's only plan is for after-sale agents; 阿星 sells 8888.88 and is not in the roster.
    {
        let mut db = Db::open(&path).unwrap();
        db.save_plan_version(
            "team",
            nov(),
            &(team_plan("team", "1%") + "[applies_to]\nrole = \"aftersale\"\n"),
            None,
            &[s2],
        )
        .unwrap();
    }
    let (sid, _) = login(&app, "admin").await;
    let page = get(
        &app,
        &format!("/plans/run?store={}&month=2026-11&lang=en", enc(STORE2)),
        &sid,
    )
    .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body
            .contains("these accounts with sales are in no plan"),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("星河专营店:阿星 (sales 8888.88, not in the roster)"),
        "{}",
        page.body
    );
}

/// Recovered sales as plan figures (issue 16): the form offers them by their names, the
/// preview runs a plan on them, and the payslip shows how each was computed, with no
/// internal key on screen.
#[tokio::test]
async fn recovered_sales_are_figures_of_the_form_preview_and_payslip() {
    const RECOVERY: &str = include_str!("../../../testdata/worklists/plan-recovery.toml");
    let (_dir, path, app) = setup(false);
    prepare(&path);
    let (sid, csrf) = login(&app, "sup").await;
    let edit = get(&app, "/plans/edit?month=2026-11&version=1", &sid).await;
    assert_eq!(edit.status, StatusCode::OK);
    for option in [
        "<optgroup label=\"挽回销售（工作清单）\">",
        "<option value=\"recovered_amount\">挽回金额（元）</option>",
        "<option value=\"recovery_rate\">挽回率（%）</option>",
        "<option value=\"unpaid_recovered_orders\">下单未付款挽回订单数</option>",
        "<option value=\"recovery_minutes\">平均挽回用时（分钟）</option>",
    ] {
        assert!(edit.body.contains(option), "{option}");
    }
    let en = get(&app, "/plans/edit?month=2026-11&version=1&lang=en", &sid).await;
    assert!(
        en.body
            .contains("<option value=\"recovered_amount\">Recovered amount (yuan)</option>")
    );

    // The recovery plan, as the form posts it: the preview runs it, names in Chinese.
    let f = PlanForm::from_toml(RECOVERY).unwrap();
    assert_eq!(f.kpis[0].figure, "recovered_amount");
    let preview = post(&app, "/plans/preview", &sid, &form_post(&csrf, &f, "")).await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    assert!(
        preview
            .body
            .contains("<option value=\"recovered_amount\" selected>挽回金额（元）"),
        "{}",
        preview.body
    );
    let saved = post(&app, "/plans/save", &sid, &form_post(&csrf, &f, "")).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);

    // Run for November in the store: the payslip of the first agent explains each figure.
    let mut db = Db::open(&path).unwrap();
    let store = db.store(STORE).unwrap();
    // In force from December as saved; for November it replaces the presale plan (which
    // would pay every agent, being more specific).
    let as_presale = RECOVERY.replace("id = \"recovery\"", "id = \"presale\"");
    db.save_plan_version("presale", nov(), &as_presale, None, &[store.id])
        .unwrap();
    let results = kefu_app::plans::run_stored_plans(&db, store.id, nov(), Some("presale")).unwrap();
    let first = &results[0].payslips[0];
    let page = get(
        &app,
        &format!(
            "/plans/payslip?month=2026-11&plan=presale&account={}",
            enc(&first.account)
        ),
        &sid,
    )
    .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let rate = &first.kpis[1];
    assert!(
        page.body.contains(rate.computed_zh.as_deref().unwrap()),
        "{}",
        page.body
    );
    for name in ["挽回金额", "挽回率", "没有挽回订单"] {
        assert!(page.body.contains(name), "{name}");
    }
    for key in ["recovered_amount", "recovery_rate", "recovered_orders"] {
        assert!(!page.body.contains(&format!(">{key}")), "{key}");
        assert!(!page.body.contains(&format!("{key} ")), "{key}");
    }
}
