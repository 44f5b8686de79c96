//! Heavy requests (the pages that analyse raw events: lists, the agent page, transcripts)
//! are bounded: no more run at once than their slots, one user's run one at a time, the
//! ones beyond wait and then get a 503 that says to retry (in both languages), and the light
//! pages are served while every heavy slot is taken.

mod support;

use std::path::PathBuf;
use std::time::Duration;

use axum::Router;
use axum::http::{StatusCode, header};
use kefu_core::settings::Config;
use kefu_store::{Db, UserRole};
use kefu_web::{AppState, router};
use serde_json::Value;
use support::{PW, STORE, enc, get, login};

const RANGE: &str = "from=2026-11-10&to=2026-11-12";
const LILY: &str = "晨光旗舰店:Lily";

/// The sample store with users admin, sup (supervisor of STORE) and boss (a second admin),
/// served with `slots` heavy slots that wait `wait` for their turn.
fn setup(slots: usize, wait: Duration) -> (tempfile::TempDir, PathBuf, AppState, Router) {
    let (dir, path, _) = support::setup(false);
    let db = Db::open(&path).unwrap();
    db.create_user("boss", UserRole::Admin, PW).unwrap();
    drop(db);
    let state = AppState::new(path.clone(), Config::default()).with_heavy_limit(slots, wait);
    let app = router(state.clone());
    (dir, path, state, app)
}

fn heavy_pages() -> Vec<String> {
    let s = enc(STORE);
    let a = enc(LILY);
    vec![
        format!("/list?store={s}&figure=consulted&{RANGE}"),
        format!("/list?store={s}&account={a}&figure=consulted&{RANGE}"),
        format!("/api/v1/list?store={s}&figure=consulted&{RANGE}"),
        format!("/account?store={s}&account={a}&{RANGE}"),
        format!("/reception?store={s}&account={a}&buyer=buyer_0291&day=2026-11-10"),
        format!("/api/v1/transcript?store={s}&account={a}&buyer=buyer_0291&day=2026-11-10"),
    ]
}

#[tokio::test]
async fn heavy_requests_beyond_the_cap_are_told_to_retry_and_light_pages_still_answer() {
    let (_dir, _path, state, app) = setup(1, Duration::from_millis(20));
    let (sid, _) = login(&app, "admin").await;
    let list = format!("/list?store={}&figure=consulted&{RANGE}", enc(STORE));
    assert_eq!(get(&app, &list, &sid).await.status, StatusCode::OK);

    // Every heavy slot taken: a heavy request waits its time, then 503 with Retry-After.
    let hold = state.hold_heavy_slot().expect("a free slot");
    assert!(state.hold_heavy_slot().is_none(), "one slot only");
    for page in heavy_pages() {
        let res = get(&app, &page, &sid).await;
        assert_eq!(res.status, StatusCode::SERVICE_UNAVAILABLE, "{page}");
        assert_eq!(
            res.headers.get(header::RETRY_AFTER).unwrap(),
            &kefu_web::BUSY_RETRY_SECS.to_string(),
            "{page}"
        );
        if page.starts_with("/api/") {
            let v: Value = serde_json::from_str(&res.body).unwrap();
            assert_eq!(v["error"]["code"], "busy", "{page}");
            let message = v["error"]["message"].as_str().unwrap();
            assert!(
                message.contains("服务器正忙") && message.contains("retry"),
                "{message}"
            );
        }
    }
    let zh = get(&app, &format!("{list}&lang=zh"), &sid).await;
    assert!(zh.body.contains("服务器正忙"), "{}", zh.body);
    let en = get(&app, &format!("{list}&lang=en"), &sid).await;
    assert!(en.body.contains("The server is busy"), "{}", en.body);

    // The light pages do not share the heavy slots.
    for page in [
        format!("/?{RANGE}"),
        format!("/ranking?{RANGE}"),
        format!("/api/v1/report?by=account&{RANGE}"),
    ] {
        assert_eq!(
            get(&app, &page, &sid).await.status,
            StatusCode::OK,
            "{page}"
        );
    }
    assert_eq!(state.heavy_peak(), (1, 0), "only the first list ran");
    // The API document says so.
    let doc: Value =
        serde_json::from_str(&get(&app, "/api/v1/openapi.json", &sid).await.body).unwrap();
    for path in ["/api/v1/list", "/api/v1/transcript"] {
        assert!(
            doc["paths"][path]["get"]["responses"]["503"].is_object(),
            "{path}"
        );
    }

    drop(hold);
    for page in heavy_pages() {
        let res = get(&app, &page, &sid).await;
        assert_eq!(res.status, StatusCode::OK, "{page}: {}", res.body);
    }
}

/// Fires `n` requests of each session at once; returns their statuses.
async fn at_once(app: &Router, sids: &[String], n: usize) -> Vec<StatusCode> {
    let pages = heavy_pages();
    let mut tasks = Vec::new();
    for sid in sids {
        for i in 0..n {
            let (app, sid, page) = (app.clone(), sid.clone(), pages[i % pages.len()].clone());
            tasks.push(tokio::spawn(
                async move { get(&app, &page, &sid).await.status },
            ));
        }
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    statuses
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_heavy_requests_never_run_beyond_the_cap() {
    // Waits long enough that every request gets its turn: all succeed, and at no moment
    // did more run than the slots.
    let (_dir, _path, state, app) = setup(2, Duration::from_secs(600));
    let mut sids = Vec::new();
    for name in ["admin", "sup", "boss"] {
        sids.push(login(&app, name).await.0);
    }
    let statuses = at_once(&app, &sids, 8).await;
    assert!(
        statuses.iter().all(|s| *s == StatusCode::OK),
        "{statuses:?}"
    );
    let (peak, now) = state.heavy_peak();
    assert!((1..=2).contains(&peak), "{peak} heavy requests ran at once");
    assert_eq!(now, 0);

    // One user's parallel requests take turns even with slots to spare.
    let (_dir, _path, state, app) = setup(4, Duration::from_secs(600));
    let sid = login(&app, "admin").await.0;
    let statuses = at_once(&app, &[sid], 12).await;
    assert!(
        statuses.iter().all(|s| *s == StatusCode::OK),
        "{statuses:?}"
    );
    assert_eq!(state.heavy_peak(), (1, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
// The test makes its ingest token directly, past the access handles.
#[allow(clippy::disallowed_methods)]
async fn an_event_is_taken_while_the_pages_hold_every_database_slot() {
    let (_dir, path, state, app) = setup(1, Duration::from_millis(20));
    let db = Db::open(&path).unwrap();
    let token = db
        .create_ingest_token(db.store(STORE).unwrap().id, "t", None)
        .unwrap();
    let _hold = state.hold_db_slots().expect("every slot free");
    let line = format!(
        "{{\"kind\":\"rating\",\"time\":\"2026-12-03 10:00:00\",\"buyer\":\"b\",\"account\":\"{STORE}:小美\",\"score\":1}}\n"
    );
    let req = axum::http::Request::post("/api/v1/events")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(axum::body::Body::from(line))
        .unwrap();
    // An alert's event must not queue behind the users' pages (issue 16).
    let res = tokio::time::timeout(Duration::from_secs(20), support::send(&app, req))
        .await
        .expect("the event waited for the pages' database slots");
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.body.contains("\"accepted\":1"), "{}", res.body);
}
