// The tests set up and inspect the database directly, past the access handles.
#![allow(clippy::disallowed_methods)]
//! Every free-text field of the QA pages holds a hostile string — review notes, training
//! topics and tags, appeal reasons and decisions, case tags and notes, calibration names,
//! scorecard and rule texts, the test box's chat, searches and echoed parameters — and every
//! QA page shows it escaped to every role, never as markup.

mod support;

use std::path::Path;

use axum::Router;
use axum::http::{StatusCode, header};
use kefu_store::Db;
use support::*;

/// What a user types.
const HOSTILE: &str = "<script>alert(1)</script>\"'&";
/// How a page must show it: as text (the templates escape `&`, `<`, `>` and `"`).
const SHOWN: &str = "&lt;script&gt;alert(1)&lt;/script&gt;&quot;'&amp;";
/// `HOSTILE` inside a TOML basic string.
const HOSTILE_TOML: &str = "\"<script>alert(1)</script>\\\"'&\"";

/// The weakness answers of the default scorecard, greeting failed (see tests/qa_reviews.rs).
const ANSWERS: &str = "item_greeting=no&item_polite=4&item_no_taboo=yes&item_wait_apology=na\
     &item_accuracy=8&item_understood=yes&item_follow_up=na&item_recommend=na\
     &item_payment_reminder=na&item_on_platform=yes&item_closing=yes";

fn shipped(file: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../qa")
        .join(file);
    std::fs::read_to_string(path).unwrap()
}

/// `text` with the first `key = "old"` line's value replaced by the hostile string.
fn hostile_value(text: &str, key: &str, old: &str) -> String {
    let line = format!("{key} = \"{old}\"");
    assert!(text.contains(&line), "{line}");
    text.replacen(&line, &format!("{key} = {HOSTILE_TOML}"), 1)
}

fn location(res: &Res) -> String {
    res.headers
        .get(header::LOCATION)
        .unwrap()
        .to_str()
        .unwrap()
        .to_string()
}

/// The value of the first `name="…" value="…"` field called `name` on a page.
fn field_values(body: &str, name: &str) -> Vec<String> {
    let marker = format!("name=\"{name}\" value=\"");
    body.match_indices(&marker)
        .map(|(i, m)| {
            let rest = &body[i + m.len()..];
            rest[..rest.find('"').unwrap()].to_string()
        })
        .collect()
}

/// Fills every free-text field of the QA pages with the hostile string; returns the review's
/// assignment id and the calibration session's page.
async fn hostile_world(app: &Router, path: &Path) -> (i64, String) {
    let db = Db::open(path).unwrap();
    let store = db.store(STORE).unwrap();
    let account = account_id(&db, store.id, "晨光旗舰店:Lily");
    let lily = db.user("lily").unwrap().unwrap();
    db.link_account(&lily, store.id, account).unwrap();
    let qa = db.user("qa").unwrap().unwrap();
    db.assign_store(&qa, store.id).unwrap();
    let sup_id = db.user("sup").unwrap().unwrap().id;
    drop(db);

    // Scorecard texts: the weakness card's names and its greeting item's names.
    let (admin, admin_csrf) = login(app, "admin").await;
    let mut card = shipped("scorecard.toml");
    card = hostile_value(&card, "name", "劣势检验评分表");
    card = hostile_value(&card, "name_en", "Weakness review (劣势检验)");
    card = hostile_value(&card, "name", "首次接待有欢迎语");
    card = hostile_value(&card, "name_en", "Greets the buyer at first contact");
    let res = post(
        app,
        "/qa/scorecards",
        &admin,
        &format!("csrf={admin_csrf}&source={}", enc(&card)),
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);

    // Rule texts: a rule's names and one of its keywords.
    let (sup, sup_csrf) = login(app, "sup").await;
    let mut rules = shipped("rules.toml");
    rules = hostile_value(&rules, "name", "服务禁忌用语");
    rules = hostile_value(&rules, "name_en", "Forbidden phrases");
    rules = rules.replacen(
        "keywords = [\"随便你\"",
        &format!("keywords = [{HOSTILE_TOML}, \"随便你\""),
        1,
    );
    let res = post(
        app,
        "/qa/rules",
        &sup,
        &format!(
            "csrf={sup_csrf}&store={}&mode=toml&toml={}",
            enc(STORE),
            enc(&rules)
        ),
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);

    // A review with hostile note, training topic and tags.
    let form = format!(
        "csrf={sup_csrf}&store={}&day=2026-11-12&kind=weakness&goal=1&mode=weighted&account={account}&reviewer={}",
        enc(STORE),
        qa.id
    );
    let res = post(app, "/qa/assignments", &sup, &form).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let task = Db::open(path).unwrap().qa_my_assignments(qa.id).unwrap()[0].clone();
    let (qa_sid, qa_csrf) = login(app, "qa").await;
    let review = format!(
        "csrf={qa_csrf}&id={}&{ANSWERS}&note={h}&training_topic={h}&tags={h}",
        task.id,
        h = enc(HOSTILE)
    );
    let res = post(app, "/qa/review", &qa_sid, &review).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let reviewed = Db::open(path)
        .unwrap()
        .qa_assignment(task.id)
        .unwrap()
        .unwrap();
    let review_id = reviewed.review_id.expect("reviewed");

    // An appeal with a hostile reason, decided with a hostile comment.
    let (lily_sid, lily_csrf) = login(app, "lily").await;
    let appeal = format!(
        "csrf={lily_csrf}&review={review_id}&reason={}",
        enc(HOSTILE)
    );
    let res = post(app, "/qa/appeal", &lily_sid, &appeal).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let decide = format!(
        "csrf={sup_csrf}&review={review_id}&decision=accept&new_score=90&comment={}",
        enc(HOSTILE)
    );
    let res = post(app, "/qa/decide", &sup, &decide).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);

    // A case with hostile tags and note.
    let case = format!(
        "csrf={sup_csrf}&review={review_id}&verdict=bad&tags={h}&note={h}",
        h = enc(HOSTILE)
    );
    let res = post(app, "/qa/cases", &sup, &case).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);

    // A calibration session with a hostile name.
    let page = get(app, "/qa/calibration?day=2026-11-12", &sup).await;
    let receptions: Vec<String> = field_values(&page.body, "reception")
        .into_iter()
        .take(2)
        .map(|v| format!("reception={v}"))
        .collect();
    assert_eq!(receptions.len(), 2, "{}", page.body);
    let card_id = Db::open(path).unwrap().qa_scorecards().unwrap()[0].id;
    let form = format!(
        "csrf={sup_csrf}&store={}&name={}&scorecard={card_id}&reviewer={}&reviewer={sup_id}&{}",
        enc(STORE),
        enc(HOSTILE),
        qa.id,
        receptions.join("&")
    );
    let res = post(app, "/qa/calibration", &sup, &form).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    (task.id, location(&res))
}

/// No markup from the hostile string on a page, only its text.
fn check_page(who: &str, what: &str, body: &str, must_show: bool) {
    if let Some(at) = body.find("<script") {
        let shown: String = body[at..].chars().take(120).collect();
        panic!("{who} {what}: unescaped free text: {shown}…");
    }
    assert!(
        !must_show || body.contains(SHOWN),
        "{who} {what}: the hostile text is not shown: {body}"
    );
}

#[tokio::test]
async fn qa_pages_escape_hostile_free_text() {
    let (_dir, path, app) = setup(false);
    let (assignment, calibration) = hostile_world(&app, &path).await;
    let store = enc(STORE);
    let h = enc(HOSTILE);
    // Each page, and whether a manager (the supervisor; the admin for the scorecards) must
    // see the hostile text on it.
    let pages: Vec<(String, bool)> = vec![
        (format!("/qa/assignments?store={store}&added={h}"), true),
        (format!("/qa/review?id={assignment}"), true),
        (format!("/qa/review?id={assignment}&lang=en"), true),
        (format!("/qa/reviews?store={store}"), true),
        (format!("/qa/cases?store={store}"), true),
        (format!("/qa/cases?store={store}&q={h}"), true),
        (
            format!("/qa/calibration?store={store}&day=2026-11-12"),
            true,
        ),
        (calibration.clone(), true),
        (format!("/qa/summary?store={store}&day=2026-11-12"), true),
        (
            format!("/qa/summary?store={store}&day=2026-11-12&lang=en"),
            true,
        ),
        ("/qa/scorecards".to_string(), true),
        (format!("/qa/rules?store={store}"), true),
        (format!("/qa/rules?store={store}&lang=en"), true),
        (
            format!("/qa/hits?store={store}&period=week&date=2026-11-12"),
            true,
        ),
        (format!("/qa/test?store={store}"), false),
    ];
    let mut checked = 0;
    for who in ["admin", "sup", "qa", "lily"] {
        let (sid, _) = login(&app, who).await;
        for (uri, shows) in &pages {
            let res = get(&app, uri, &sid).await;
            if res.status != StatusCode::OK {
                continue;
            }
            let manager = who == "sup" || (who == "admin" && uri == "/qa/scorecards");
            check_page(who, uri, &res.body, manager && *shows);
            checked += 1;
        }
    }
    // The agent sees her own review with its hostile texts.
    let (lily, _) = login(&app, "lily").await;
    let mine = get(&app, &format!("/qa/reviews?store={store}"), &lily).await;
    check_page("lily", "/qa/reviews", &mine.body, true);
    assert!(checked >= 40, "{checked} pages checked");

    // Forms answered with a page: the test box with a hostile chat (the hostile keyword fires
    // the hostile rule), a hostile scorecard file and rule set that do not parse.
    let (sup, sup_csrf) = login(&app, "sup").await;
    let chat = format!("buyer 10:00:01 在吗\nagent 10:00:30 {HOSTILE}\n");
    let res = post(
        &app,
        "/qa/test",
        &sup,
        &format!("csrf={sup_csrf}&store={store}&chat={}", enc(&chat)),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    check_page("sup", "POST /qa/test", &res.body, true);
    assert!(
        res.body.contains("<code>forbidden_phrases</code>"),
        "{}",
        res.body
    );
    let res = post(
        &app,
        "/qa/rules",
        &sup,
        &format!(
            "csrf={sup_csrf}&store={store}&mode=toml&toml={}",
            enc(&format!("[x\n{HOSTILE}"))
        ),
    )
    .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.body);
    check_page("sup", "POST /qa/rules", &res.body, true);
    let (admin, admin_csrf) = login(&app, "admin").await;
    let res = post(
        &app,
        "/qa/scorecards",
        &admin,
        &format!(
            "csrf={admin_csrf}&source={}",
            enc(&format!("[x\n{HOSTILE}"))
        ),
    )
    .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.body);
    check_page("admin", "POST /qa/scorecards", &res.body, true);
}
