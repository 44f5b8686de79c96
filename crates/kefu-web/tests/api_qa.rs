// The tests set up and inspect the database directly, past the access handles.
#![allow(clippy::disallowed_methods)]
//! Quality inspection in the JSON API (`/api/v1/qa/hits`, `/api/v1/qa/summary`,
//! `/api/v1/qa/reviews`): the numbers equal the pages', an agent gets only their own rows
//! (with a session or a bearer token), anonymous requests get a 401 JSON error. And the QA
//! score of stored reviews carried into a performance plan's KPI, gate and pay.

mod support;

use std::path::Path;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use kefu_core::model::NameId;
use kefu_core::time::Day;
use kefu_qa::review::{self, ReviewKind};
use kefu_qa::sampling::ReceptionKey;
use kefu_qa::summary::{Period, PeriodKind};
use kefu_store::qa_reviews::{NewAssignment, NewReview};
use kefu_store::{Db, UserRole};
use serde_json::Value;
use support::*;

const LILY: &str = "晨光旗舰店:Lily";
const MEI: &str = "晨光旗舰店:小美";
const WEEK: &str = "period=week&date=2026-11-10";

fn json(res: &Res) -> Value {
    serde_json::from_str(&res.body).unwrap_or_else(|e| panic!("{e}: {}", res.body))
}

async fn bearer(app: &Router, uri: &str, token: &str) -> Res {
    let req = Request::get(uri)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    send(app, req).await
}

/// The sample store with lily linked to Lily's account and amy (an agent) to 小美's; qa
/// reviews the store.
fn people(path: &Path) {
    let db = Db::open(path).unwrap();
    let store = db.store(STORE).unwrap();
    let accounts = db.accounts(store.id).unwrap();
    let id = |n: &str| accounts.iter().find(|a| a.name == n).unwrap().id;
    let lily = db.user("lily").unwrap().unwrap();
    db.link_account(&lily, store.id, id(LILY)).unwrap();
    let amy = db.create_user("amy", UserRole::Agent, PW).unwrap();
    db.link_account(&amy, store.id, id(MEI)).unwrap();
    let qa = db.user("qa").unwrap().unwrap();
    db.assign_store(&qa, store.id).unwrap();
}

/// Writes a weakness review of (account, buyer, day) by `reviewer` through the store, scored
/// by the shipped weakness scorecard from `answers` (`item=answer;…`); returns its score.
fn review(
    db: &mut Db,
    reviewer: &str,
    account: &str,
    buyer: &str,
    day: &str,
    answers: &str,
) -> f64 {
    let store = db.store(STORE).unwrap();
    let names = db.names(store.id).unwrap();
    let key = ReceptionKey {
        account: names.get(account).unwrap() as NameId,
        buyer: names.get(buyer).unwrap(),
        day: Day::parse(day).unwrap(),
    };
    let reviewer = db.user(reviewer).unwrap().unwrap();
    let period = Period::containing(PeriodKind::Week, key.day);
    db.qa_add_assignments(
        store.id,
        period,
        ReviewKind::Weakness,
        &[NewAssignment {
            reviewer_id: reviewer.id,
            reception: key,
            signals: String::new(),
        }],
        &[(reviewer.id, 5)],
    )
    .unwrap();
    let assignment = db
        .qa_assignments(store.id, Some(reviewer.id), None)
        .unwrap()
        .into_iter()
        .find(|a| a.reception == key)
        .unwrap();
    let card = db
        .qa_scorecards()
        .unwrap()
        .into_iter()
        .find(|c| c.card.kind == ReviewKind::Weakness)
        .unwrap();
    let given = review::decode_answers(&card.card, answers).unwrap();
    let scored = review::score(&card.card, &given);
    db.qa_add_review(&NewReview {
        assignment_id: assignment.id,
        scorecard_id: card.id,
        answers: review::encode_answers(&card.card, &given),
        score: scored.score,
        failed_critical: scored.failed_critical.join(","),
        note: "开场没有问候".into(),
        training_topic: None,
        tags: String::new(),
    })
    .unwrap()
    .unwrap();
    scored.score.unwrap()
}

/// Weights of the shipped weakness card: greeting 1, polite 2, no_taboo 2, accuracy 3,
/// understood 1, on_platform 2, closing 1 apply (12); the rest N/A.
fn answers(greeting: &str, polite: &str, accuracy: &str) -> String {
    format!(
        "greeting={greeting};polite={polite};no_taboo=yes;wait_apology=na;accuracy={accuracy};\
         understood=yes;follow_up=na;recommend=na;payment_reminder=na;on_platform=yes;closing=yes"
    )
}

/// Lily: 100 × (0 + 2·0.75 + 2 + 3·0.8 + 1 + 2 + 1) / 12 = 82.5 and
/// 100 × (1 + 2·0.75 + 2 + 3·0.8 + 1 + 2 + 1) / 12 = 90.833…, QA score 86.666…;
/// 小美: 100 × (0 + 0 + 2 + 0 + 1 + 2 + 1) / 12 = 50.
fn reviews(path: &Path) {
    let mut db = Db::open(path).unwrap();
    let a = review(
        &mut db,
        "qa",
        LILY,
        "buyer_0291",
        "2026-11-10",
        &answers("no", "4", "8"),
    );
    let b = review(
        &mut db,
        "qa",
        LILY,
        "buyer_0256",
        "2026-11-10",
        &answers("yes", "4", "8"),
    );
    let c = review(
        &mut db,
        "sup",
        MEI,
        "buyer_0007",
        "2026-11-12",
        &answers("no", "1", "0"),
    );
    assert_eq!((a, (b * 1e6).round() / 1e6, c), (82.5, 90.833333, 50.0));
}

/// The page's cells of an API hits row: receptions, hits per 100 by rule (the page shows no
/// summed points, issue 14 item 6).
fn page_cells(api_row: &Value, rules: &[String]) -> Vec<String> {
    let mut cells = vec![api_row["receptions"].to_string()];
    for id in rules {
        cells.push(match api_row["per_100"][id].as_f64() {
            Some(x) => format!("{x:.1}"),
            None => String::new(),
        });
    }
    cells
}

/// `value` has exactly the properties the document's schema `name` lists (all required).
async fn documented(app: &Router, sid: &str, value: &Value, name: &str) {
    let doc = json(&get(app, "/api/v1/openapi.json", sid).await);
    let schema = &doc["components"]["schemas"][name];
    let mut want: Vec<&str> = schema["required"]
        .as_array()
        .unwrap_or_else(|| panic!("schema {name}"))
        .iter()
        .map(|k| k.as_str().unwrap())
        .collect();
    let mut got: Vec<&str> = value
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    want.sort_unstable();
    got.sort_unstable();
    assert_eq!(got, want, "{name}");
}

#[tokio::test]
async fn hits_equal_the_page_and_agents_get_only_their_own() {
    let (_dir, path, app) = setup(false);
    people(&path);
    let (sid, csrf) = login(&app, "sup").await;
    let store = enc(STORE);
    let api = format!("/api/v1/qa/hits?store={store}&{WEEK}");
    let before = json(&get(&app, &api, &sid).await);
    assert_eq!(before["ran"], false);
    assert_eq!(before["rows"], serde_json::json!([]));
    let ran = post(
        &app,
        "/qa/run",
        &sid,
        &format!("csrf={csrf}&store={store}&from=2026-11-09&to=2026-11-15"),
    )
    .await;
    assert_eq!(ran.status, StatusCode::SEE_OTHER, "{}", ran.body);

    let hits = json(&get(&app, &api, &sid).await);
    assert_eq!(hits["ran"], true);
    assert_eq!(
        (hits["from"].as_str(), hits["to"].as_str()),
        (Some("2026-11-09"), Some("2026-11-15"))
    );
    let rules: Vec<String> = hits["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    // The shipped rules but the two it switches off (no_rating_invite, shift_end_unanswered).
    assert_eq!(rules.len(), 13, "the shipped rules that are enabled");
    assert!(!rules.iter().any(|r| r == "no_rating_invite"));
    let rows = hits["rows"].as_array().unwrap();
    // Every agent of the sample store but the bot (not evaluated).
    let mut keys: Vec<&str> = rows.iter().map(|r| r["key"].as_str().unwrap()).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "晨光旗舰店:Lily",
            "晨光旗舰店:七七",
            "晨光旗舰店:小美",
            "晨光旗舰店:老王",
            "晨光旗舰店:阿强"
        ]
    );
    // The numbers are the page's, row by row, and the whole store's.
    let page = get(
        &app,
        &format!("/qa/hits?store={store}&{WEEK}&lang=en"),
        &sid,
    )
    .await;
    for r in rows {
        let label = r["key"].as_str().unwrap();
        assert_eq!(
            row(&page.body, label)[1..],
            page_cells(r, &rules),
            "{label}"
        );
    }
    let total = &hits["total"];
    documented(&app, &sid, &hits, "QaHits").await;
    documented(&app, &sid, total, "QaHitRow").await;
    documented(&app, &sid, &hits["previous"], "QaHitPrevious").await;
    documented(&app, &sid, &hits["rules"][0], "QaRule").await;
    assert_eq!(
        row(&page.body, "Whole store")[1..],
        page_cells(total, &rules)
    );
    // A rate is 100 × hits ÷ receptions, and the store is the sum of its accounts.
    let sum = |f: &dyn Fn(&Value) -> i64| rows.iter().map(f).sum::<i64>();
    assert_eq!(
        total["receptions"].as_i64(),
        Some(sum(&|r| r["receptions"].as_i64().unwrap()))
    );
    assert_eq!(
        total["score"].as_i64(),
        Some(sum(&|r| r["score"].as_i64().unwrap()))
    );
    for id in &rules {
        let h = total["hits"][id.as_str()].as_i64().unwrap();
        assert_eq!(
            h,
            sum(&|r| r["hits"][id.as_str()].as_i64().unwrap()),
            "{id}"
        );
        let want = h as f64 * 100.0 / total["receptions"].as_f64().unwrap();
        let got = total["per_100"][id.as_str()].as_f64().unwrap();
        // Equal up to the rounding of the division's order.
        assert!((got - want).abs() < 1e-9, "{id}: {got} vs {want}");
    }
    assert!(
        total["score"].as_i64().unwrap() < 0,
        "the sample has deductions"
    );
    // By group: the two groups, their receptions adding up to the store's.
    let groups = json(&get(&app, &format!("{api}&by=group"), &sid).await);
    let g: i64 = groups["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["receptions"].as_i64().unwrap())
        .sum();
    assert_eq!(Some(g), total["receptions"].as_i64());
    // The receptions behind a figure, as on the page.
    let slow = json(&get(&app, &format!("{api}&rule=slow_round"), &sid).await);
    let flagged = slow["flagged"].as_array().unwrap();
    documented(&app, &sid, &flagged[0], "QaFlagged").await;
    assert_eq!(
        flagged.len() as i64,
        total["hits"]["slow_round"].as_i64().unwrap()
    );

    // lily, with her session and with a token: her own row only, no store total, whatever
    // she asks for; the same numbers as the supervisor's row of her account.
    let lily_row = rows.iter().find(|r| r["key"] == LILY).unwrap();
    let (lsid, _) = login(&app, "lily").await;
    let token = {
        let db = Db::open(&path).unwrap();
        db.create_api_token(&db.user("lily").unwrap().unwrap())
            .unwrap()
    };
    for uri in [
        api.clone(),
        format!("{api}&by=store"),
        format!("{api}&by=group"),
    ] {
        for res in [
            get(&app, &uri, &lsid).await,
            bearer(&app, &uri, &token).await,
        ] {
            assert_eq!(res.status, StatusCode::OK, "{}", res.body);
            let mine = json(&res);
            assert_eq!(mine["by"], "account");
            assert_eq!(mine["rows"].as_array().unwrap(), &vec![lily_row.clone()]);
            assert_eq!(mine["total"], Value::Null);
            for other in ["小美", "阿强", "老王", "七七"] {
                assert!(!res.body.contains(other), "{uri}: {other}");
            }
        }
    }
    let listed = json(&bearer(&app, &format!("{api}&rule=slow_round"), &token).await);
    for f in listed["flagged"].as_array().unwrap() {
        assert_eq!(f["account"], LILY);
    }
    // anonymous: 401 JSON
    for uri in [
        "/api/v1/qa/hits",
        "/api/v1/qa/summary",
        "/api/v1/qa/reviews",
    ] {
        let res = send(&app, Request::get(uri).body(Body::empty()).unwrap()).await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{uri}");
        assert_eq!(json(&res)["error"]["code"], "unauthenticated", "{uri}");
    }
    // a bad day is a 400 JSON error
    let bad = get(&app, "/api/v1/qa/hits?date=2026-13-01", &sid).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(json(&bad)["error"]["code"], "bad_request");
}

#[tokio::test]
async fn summary_and_reviews_equal_the_pages_and_stay_with_their_agent() {
    let (_dir, path, app) = setup(false);
    people(&path);
    reviews(&path);
    let store = enc(STORE);
    let (sid, _) = login(&app, "sup").await;
    let q = format!("store={store}&period=month&day=2026-11-10");
    let summary = json(&get(&app, &format!("/api/v1/qa/summary?{q}"), &sid).await);
    assert_eq!(summary["from"], "2026-11-01");
    assert_eq!(summary["to"], "2026-11-30");
    let rows = summary["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    let lily = rows.iter().find(|r| r["key"] == LILY).unwrap();
    assert_eq!(lily["reviews"], 2);
    let score = lily["score"].as_f64().unwrap();
    assert!(
        (score - (82.5 + 100.0 * 10.9 / 12.0) / 2.0).abs() < 1e-9,
        "{score}"
    );
    // Lily's weakest item: the greeting, answered no once and yes once: 50%.
    assert_eq!(lily["weakest"][0]["id"], "greeting");
    assert_eq!(lily["weakest"][0]["mean"], 0.5);
    documented(&app, &sid, &summary, "QaSummary").await;
    documented(&app, &sid, lily, "QaSummaryRow").await;
    documented(&app, &sid, &lily["weakest"][0], "QaItemMean").await;
    let mei = rows.iter().find(|r| r["key"] == MEI).unwrap();
    assert_eq!(
        (mei["reviews"].as_i64(), mei["score"].as_f64()),
        (Some(1), Some(50.0))
    );
    // The page shows the same scores.
    let page = get(&app, &format!("/qa/summary?{q}&lang=en"), &sid).await;
    assert_eq!(row(&page.body, LILY)[1..3], ["2", "86.7%"]);
    assert_eq!(row(&page.body, MEI)[1..3], ["1", "50.0%"]);
    let by_store = json(&get(&app, &format!("/api/v1/qa/summary?{q}&by=store"), &sid).await);
    let all = by_store["rows"][0]["score"].as_f64().unwrap();
    assert!(
        (all - (82.5 + 100.0 * 10.9 / 12.0 + 50.0) / 3.0).abs() < 1e-9,
        "{all}"
    );
    assert!(by_store["workload"].is_array());

    // The supervisor sees all three reviews; lily (session or token) only her two, amy hers.
    let list = json(&get(&app, &format!("/api/v1/qa/reviews?store={store}"), &sid).await);
    assert_eq!(list["reviews"].as_array().unwrap().len(), 3);
    documented(&app, &sid, &list, "QaReviews").await;
    documented(&app, &sid, &list["reviews"][0], "QaReview").await;
    let (lsid, _) = login(&app, "lily").await;
    let token = {
        let db = Db::open(&path).unwrap();
        db.create_api_token(&db.user("lily").unwrap().unwrap())
            .unwrap()
    };
    for res in [
        get(&app, "/api/v1/qa/reviews", &lsid).await,
        bearer(&app, "/api/v1/qa/reviews", &token).await,
    ] {
        let mine = json(&res);
        let mine = mine["reviews"].as_array().unwrap();
        assert_eq!(mine.len(), 2, "{}", res.body);
        let mut scores: Vec<f64> = mine.iter().map(|r| r["score"].as_f64().unwrap()).collect();
        scores.sort_by(f64::total_cmp);
        assert_eq!(scores[0], 82.5);
        for r in mine {
            assert_eq!(r["account"], LILY);
            assert_eq!(r["kind"], "weakness");
            assert_eq!(r["reviewer"], "qa");
            assert_eq!(r["answers"]["polite"]["value"], 0.75);
        }
        assert!(!res.body.contains("小美"), "{}", res.body);
    }
    for res in [
        get(&app, &format!("/api/v1/qa/summary?{q}&by=store"), &lsid).await,
        bearer(&app, &format!("/api/v1/qa/summary?{q}&by=group"), &token).await,
    ] {
        let mine = json(&res);
        assert_eq!(mine["by"], "agent");
        assert_eq!(mine["rows"].as_array().unwrap().len(), 1);
        assert_eq!(mine["rows"][0], *lily);
        assert_eq!(mine["workload"], Value::Null);
        assert!(!res.body.contains("小美"), "{}", res.body);
    }
    let (asid, _) = login(&app, "amy").await;
    let hers = json(&get(&app, "/api/v1/qa/reviews", &asid).await);
    let hers = hers["reviews"].as_array().unwrap();
    assert_eq!(hers.len(), 1);
    assert_eq!(
        (hers[0]["account"].as_str(), hers[0]["score"].as_f64()),
        (Some(MEI), Some(50.0))
    );
    // A store the agent does not see is answered as not found.
    let other = get(&app, "/api/v1/qa/reviews?store=nope", &asid).await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
    assert_eq!(json(&other)["error"]["code"], "not_found");
}

/// A plan whose only KPI is the QA score, gated at 60: pay is a score bonus of 1000 yuan ×
/// total ÷ 100 (halved by the gate) plus 3000 yuan fixed (never gated).
const QA_PLAN: &str = r#"id = "qa"
name = "质检挂钩方案"
[[kpi]]
figure = "qa_score"
weight = 100
[[gate]]
name = "质检不合格"
figure = "qa_score"
below = 60
scale_pay = "50%"
[[pay]]
key = "bonus"
score_bonus = { amount = 1000 }
[[pay]]
key = "base"
fixed = { amount = 3000 }
"#;

#[tokio::test]
async fn the_qa_score_of_stored_reviews_drives_a_plan() {
    let (_dir, path, app) = setup(false);
    people(&path);
    reviews(&path);
    {
        let mut db = Db::open(&path).unwrap();
        let month = kefu_plan::Month::parse("2026-11").unwrap();
        let store = db.store(STORE).unwrap();
        db.save_plan_version("qa", month, QA_PLAN, Some("sup"), &[store.id])
            .unwrap();
    }
    let (sid, _) = login(&app, "sup").await;
    let store = enc(STORE);
    let res = get(
        &app,
        &format!("/api/v1/plans/run?store={store}&month=2026-11"),
        &sid,
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let results = json(&res);
    let slips = results[0]["payslips"].as_array().unwrap();
    let slip = |account: &str| {
        slips
            .iter()
            .find(|s| s["account"] == account)
            .unwrap()
            .clone()
    };

    // Lily: QA score (82.5 + 90.8333…) / 2 = 86.666… → 86.67 points; the gate does not
    // fire; bonus 1000 × 86.67 / 100 = 866.70 yuan; total 866.70 + 3000 = 3866.70.
    let lily = slip(LILY);
    documented(&app, &sid, &results[0], "PlanResult").await;
    documented(&app, &sid, &lily, "Payslip").await;
    documented(&app, &sid, &lily["kpis"][0], "KpiLine").await;
    documented(&app, &sid, &lily["gates"][0], "GateLine").await;
    documented(&app, &sid, &lily["pay"][0], "PayLine").await;
    documented(&app, &sid, &lily["sales"], "SalesBase").await;
    assert_eq!(lily["kpis"][0]["score"], 8667);
    assert_eq!(lily["total_score"], 8667);
    assert_eq!(lily["gates"][0]["fired"], false);
    assert_eq!(lily["pay"][0]["amount_cents"], 86670);
    assert_eq!(lily["pay"][1]["amount_cents"], 300000);
    assert_eq!(lily["total_cents"], 386670);
    // 小美: QA score 50 < 60: the gate halves the bonus, 1000 × 50 / 100 × 50% = 250 yuan,
    // and leaves the fixed pay: 3250.00.
    let mei = slip(MEI);
    assert_eq!(mei["kpis"][0]["score"], 5000);
    assert_eq!(mei["gates"][0]["fired"], true);
    assert_eq!(mei["pay"][0]["amount_cents"], 25000);
    assert_eq!(mei["pay"][1]["amount_cents"], 300000);
    assert_eq!(mei["total_cents"], 325000);
    // An agent without reviews has no QA score: the KPI scores 0 and the gate does not fire.
    let qiang = slip("晨光旗舰店:阿强");
    assert_eq!(qiang["kpis"][0]["value"], Value::Null);
    assert_eq!(qiang["gates"][0]["fired"], false);
    assert_eq!(qiang["total_cents"], 300000);

    // The payslip pages show the score and the gate's effect.
    let page = get(
        &app,
        &format!(
            "/plans/payslip?store={store}&month=2026-11&account={}&lang=en",
            enc(LILY)
        ),
        &sid,
    )
    .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("86.67"), "{}", page.body);
    assert!(
        page.body.contains("3,866.70") || page.body.contains("3866.70"),
        "{}",
        page.body
    );
    let page = get(
        &app,
        &format!(
            "/plans/payslip?store={store}&month=2026-11&account={}&lang=en",
            enc(MEI)
        ),
        &sid,
    )
    .await;
    assert!(page.body.contains("50.00"), "{}", page.body);
    assert!(
        page.body.contains("3,250.00") || page.body.contains("3250.00"),
        "{}",
        page.body
    );
}
