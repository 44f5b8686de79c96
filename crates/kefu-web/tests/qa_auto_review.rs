// The tests set up and inspect the database directly, past the access handles.
#![allow(clippy::disallowed_methods)]
//! Automatic review tasks (issue 15) through the web: the settings on the assignments page
//! (zh + en), who may save them, and the assignments a rule run then opens by itself.

mod support;

use axum::http::{StatusCode, header};
use kefu_core::time::Day;
use kefu_qa::rules::RuleSet;
use kefu_store::Db;
use support::*;

#[tokio::test]
async fn auto_review_settings_are_edited_on_the_assignments_page_and_open_reviews() {
    let (_dir, path, app) = setup(false);
    let (store, qa, lily) = {
        let db = Db::open(&path).unwrap();
        let store = db.store(STORE).unwrap();
        let qa = db.user("qa").unwrap().unwrap();
        db.assign_store(&qa, store.id).unwrap();
        let lily = db.user("lily").unwrap().unwrap();
        (store.id, qa.id, lily.id)
    };
    let (sup, csrf) = login(&app, "sup").await;
    let page = get(&app, "/qa/assignments", &sup).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("自动复检任务"), "{}", page.body);
    assert!(page.body.contains("买家评价 1–2 分"));
    assert!(page.body.contains("action=\"/qa/auto-review?"));
    // All off until saved.
    assert!(
        !page
            .body
            .contains("name=\"low_rating\" value=\"on\" checked")
    );
    let en = get(&app, "/qa/assignments?lang=en", &sup).await;
    assert!(en.body.contains("Automatic review tasks"));
    assert!(en.body.contains("daily cap per reviewer"));

    let form = format!(
        "csrf={csrf}&store={}&low_rating=on&critical=on&daily_cap=50&reviewer={qa}",
        enc(STORE)
    );
    let res = post(&app, "/qa/auto-review", &sup, &form).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let to = res.headers.get(header::LOCATION).unwrap().to_str().unwrap();
    assert!(to.starts_with("/qa/assignments?store="), "{to}");
    let saved = Db::open(&path).unwrap().qa_auto_review(store).unwrap();
    assert!(saved.low_rating && saved.critical && !saved.refund);
    assert_eq!((saved.daily_cap, saved.reviewers.clone()), (50, vec![qa]));
    let page = get(&app, "/qa/assignments", &sup).await;
    assert!(
        page.body
            .contains("name=\"low_rating\" value=\"on\" checked")
    );
    assert!(page.body.contains("name=\"refund\" value=\"on\">"));
    assert!(
        page.body
            .contains("name=\"daily_cap\" min=\"1\" max=\"1000\" value=\"50\"")
    );

    // Mistakes save nothing: a cap out of range, an agent as weakness reviewer, no token,
    // an agent saving.
    for bad in [
        form.replace("daily_cap=50", "daily_cap=0"),
        form.replace(&format!("reviewer={qa}"), &format!("reviewer={lily}")),
    ] {
        let res = post(&app, "/qa/auto-review", &sup, &bad).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{bad}");
    }
    let res = post(&app, "/qa/auto-review", &sup, &form.replace(&csrf, "x")).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let (agent, agent_csrf) = login(&app, "lily").await;
    let res = post(
        &app,
        "/qa/auto-review",
        &agent,
        &form.replace(&csrf, &agent_csrf),
    )
    .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(
        Db::open(&path).unwrap().qa_auto_review(store).unwrap(),
        saved
    );

    // A rule run opens the low-rated receptions for qa: 买家39号 rated 小美 1 on 11-12.
    let db = Db::open(&path).unwrap();
    let (from, to) = (
        Day::parse("2026-11-01").unwrap(),
        Day::parse("2026-11-30").unwrap(),
    );
    let run = db
        .qa_run(store, from, to, &RuleSet::default_rules(), None)
        .unwrap();
    assert!(run.auto_reviews > 0);
    let mine = db.qa_my_assignments(qa).unwrap();
    assert_eq!(mine.len() as u64, run.auto_reviews);
    assert!(mine.iter().all(|a| a.signals.starts_with("auto,")));
    let names = db.names(store).unwrap();
    let accounts = db.accounts(store).unwrap();
    assert!(mine.iter().any(|a| {
        names.name(a.reception.buyer) == "买家39号"
            && accounts
                .iter()
                .any(|x| x.id == a.reception.account && x.name == "晨光旗舰店:小美")
            && a.reception.day == Day::parse("2026-11-12").unwrap()
            && a.signals.contains("low_rating")
    }));
    // Again: nothing new.
    let again = db
        .qa_run(store, from, to, &RuleSet::default_rules(), None)
        .unwrap();
    assert_eq!(again.auto_reviews, 0);
    let (qa_sid, _) = login(&app, "qa").await;
    let list = get(&app, "/qa/assignments", &qa_sid).await;
    assert!(list.body.contains("自动、低满意"), "{}", list.body);
}
