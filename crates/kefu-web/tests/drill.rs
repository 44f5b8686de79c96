// The tests set up and inspect the database directly, past the access handles.
#![allow(clippy::disallowed_methods)]
//! Drill-down through the router: an account's receptions, one reception's transcript, and
//! who may see them, on the specification's sample store.

mod support;

use support::chart_values;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use kefu_core::figures::{C, Counters};
use kefu_core::settings::Config;
use kefu_core::time::Day;
use kefu_report::explain::{self, Explanation, Mark, Reason, Scope};
use kefu_store::{Db, UserRole};
use kefu_web::{AppState, router};
use tower::ServiceExt;

const STORE: &str = "晨光旗舰店";
const STORE_Q: &str = "%E6%99%A8%E5%85%89%E6%97%97%E8%88%B0%E5%BA%97";
const LILY: &str = "晨光旗舰店:Lily";
const QIQI: &str = "晨光旗舰店:七七";
const PW: &str = "secret-password";

fn day(s: &str) -> Day {
    Day::parse(s).unwrap()
}

/// The sample store, and users admin, lily (agent linked to Lily) and eve (agent, no link).
fn setup() -> (tempfile::TempDir, PathBuf, Router) {
    setup_with(STORE)
}

fn setup_with(store_name: &str) -> (tempfile::TempDir, PathBuf, Router) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("k.db");
    let config = Config::default();
    let mut db = Db::open(&path).unwrap();
    let input = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/sample/input");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&input)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let mut opts = kefu_import::ImportOptions::new(&config);
    opts.default_store = Some(store_name.to_string());
    let out = kefu_import::read_files(&files, &opts, &|_, _| {}).unwrap();
    db.import(out.batch, &config).unwrap();
    db.create_user("admin", UserRole::Admin, PW).unwrap();
    let lily = db.create_user("lily", UserRole::Agent, PW).unwrap();
    db.create_user("eve", UserRole::Agent, PW).unwrap();
    let store = db.store(store_name).unwrap();
    let account = db
        .accounts(store.id)
        .unwrap()
        .into_iter()
        .find(|a| a.name == LILY)
        .unwrap();
    db.link_account(&lily, store.id, account.id).unwrap();
    drop(db);
    (dir, path.clone(), router(AppState::new(path, config)))
}

/// The explanation the pages are built from, straight from `kefu-report`.
fn explanation(path: &Path, account: &str, from: &str, to: &str) -> (Explanation, Counters) {
    let db = Db::open(path).unwrap();
    let store = db.store(STORE).unwrap();
    let id = db
        .accounts(store.id)
        .unwrap()
        .into_iter()
        .find(|a| a.name == account)
        .unwrap()
        .id;
    let scope = Scope {
        account: id,
        from: day(from),
        to: day(to),
        buyer: None,
        transcripts: false,
    };
    let x = explain::explain_scope(&db, &store, &scope, &Config::default().store(STORE).metrics)
        .unwrap();
    let counters = db
        .counters_by_account(store.id, day(from), day(to))
        .unwrap()
        .into_iter()
        .find(|(a, _)| *a == id)
        .map(|(_, c)| c)
        .unwrap_or_default();
    (x, counters)
}

struct Res {
    status: StatusCode,
    location: String,
    body: String,
}

async fn send(app: &Router, req: Request<Body>) -> Res {
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let location = res
        .headers()
        .get(header::LOCATION)
        .map_or(String::new(), |v| v.to_str().unwrap().to_string());
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    Res {
        status,
        location,
        body: String::from_utf8(bytes.to_vec()).unwrap(),
    }
}

async fn get(app: &Router, uri: &str, session: Option<&str>) -> Res {
    let mut req = Request::get(uri);
    if let Some(s) = session {
        req = req.header(header::COOKIE, format!("kefu_session={s}"));
    }
    send(app, req.body(Body::empty()).unwrap()).await
}

async fn login(app: &Router, name: &str) -> String {
    let page = app
        .clone()
        .oneshot(Request::get("/login").body(Body::empty()).unwrap())
        .await
        .unwrap();
    let token = page
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find_map(|v| {
            v.strip_prefix("kefu_login=")
                .map(|r| r.split(';').next().unwrap().to_string())
        })
        .expect("login cookie");
    let mut req = Request::post("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, format!("kefu_login={token}"))
        .body(Body::from(format!(
            "name={name}&password={PW}&csrf={token}"
        )))
        .unwrap();
    req.extensions_mut()
        .insert(ConnectInfo(SocketAddr::from(([10, 0, 0, 1], 40000))));
    let res = app.clone().oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    res.headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find_map(|v| {
            v.strip_prefix("kefu_session=")
                .map(|r| r.split(';').next().unwrap().to_string())
        })
        .expect("session cookie")
}

fn q(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The receptions table of an account page.
fn receptions_table(body: &str) -> &str {
    let start = body.find("id=\"receptions\"").expect("receptions table");
    &body[start..start + body[start..].find("</table>").unwrap()]
}

fn account_uri(account: &str) -> String {
    format!(
        "/account?store={STORE_Q}&account={}&from=2026-11-10&to=2026-11-12",
        q(account)
    )
}

fn reception_uri(account: &str, buyer: &str, d: Day) -> String {
    format!(
        "/reception?store={STORE_Q}&account={}&buyer={}&day={d}",
        q(account),
        q(buyer)
    )
}

#[tokio::test]
async fn account_page_lists_every_reception_behind_the_figures() {
    let (_dir, path, app) = setup();
    let sid = login(&app, "admin").await;
    let (x, counters) = explanation(&path, LILY, "2026-11-10", "2026-11-12");
    // the engine's counters, the explanation and the expected figures agree
    let receptions = counters.get(C::receptions);
    assert_eq!(x.receptions.len() as i64, receptions);
    assert_eq!(x.receptions.iter().filter(|r| r.consulted).count(), 76);
    let count = |f: &dyn Fn(&kefu_report::explain::ReceptionView) -> bool| {
        x.receptions.iter().filter(|r| f(r)).count() as i64
    };
    assert_eq!(count(&|r| r.served), counters.get(C::served));
    assert_eq!(count(&|r| r.unreplied), counters.get(C::unreplied));
    assert_eq!(count(&|r| r.inquiry), counters.get(C::inquiries));
    assert_eq!(count(&|r| r.slow), counters.get(C::slow));
    assert_eq!(
        count(&|r| r.inquiry && r.attributed_orders > 0),
        counters.get(C::ordered)
    );
    let sales: i64 = x.receptions.iter().map(|r| r.sales_cents).sum();
    assert_eq!(sales, counters.get(C::sales_cents));
    assert_eq!(sales, 3_353_500);
    let rounds: usize = x.receptions.iter().map(|r| r.counted_rounds()).sum();
    assert_eq!(rounds as i64, counters.get(C::rounds));
    assert_eq!(x.reminded.len() as i64, counters.get(C::reminded_orders));
    let res = get(&app, &account_uri(LILY), Some(&sid)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    // one row per reception, each a link to its transcript
    assert_eq!(
        receptions_table(&res.body)
            .matches("href=\"/reception?")
            .count() as i64,
        receptions,
        "{}",
        res.body
    );
    // the consulted count is a link to the consulted receptions
    assert!(
        res.body.contains(&format!(
            "咨询: <a href=\"/list?store={STORE_Q}&amp;account={}&amp;from=2026-11-10&amp;to=2026-11-12&amp;figure=consulted&amp;lang=zh-CN\">76</a>",
            q(LILY)
        )),
        "{}",
        res.body
    );
    for r in &x.receptions {
        assert!(
            res.body.contains(&format!(">{}</a>", r.buyer)),
            "{}",
            r.buyer
        );
    }
    assert!(res.body.contains("催付订单"));
    let en = get(&app, &format!("{}&lang=en", account_uri(LILY)), Some(&sid)).await;
    assert!(en.body.contains("<html lang=\"en\""));
    assert!(en.body.contains("76</a>") && en.body.contains("First response"));
    assert!(!en.body.contains("首次响应"));
    // the ranking links every account to this page for its store and range
    let res = get(
        &app,
        "/ranking?from=2026-11-10&to=2026-11-12&lang=en",
        Some(&sid),
    )
    .await;
    let link = format!(
        "href=\"/account?store={STORE_Q}&amp;account={}&amp;from=2026-11-10&amp;to=2026-11-12&amp;lang=en\"",
        q(LILY)
    );
    assert!(res.body.contains(&link), "{}", res.body);
    // a long range lists its last 31 days
    let res = get(
        &app,
        &format!(
            "/account?store={STORE_Q}&account={}&from=2026-01-01&to=2026-11-12",
            q(LILY)
        ),
        Some(&sid),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains("最后 31 天") && res.body.contains("2026-10-13 – 2026-11-12"));
    assert_eq!(
        receptions_table(&res.body)
            .matches("href=\"/reception?")
            .count() as i64,
        receptions
    );
    // bad queries
    for uri in [
        "/account".to_string(),
        format!(
            "/account?store={STORE_Q}&account={}&from=2026-13-01",
            q(LILY)
        ),
        format!("/reception?store={STORE_Q}&account={}&buyer=x", q(LILY)),
        format!(
            "/reception?store={STORE_Q}&account={}&buyer=x&day=x",
            q(LILY)
        ),
    ] {
        assert_eq!(
            get(&app, &uri, Some(&sid)).await.status,
            StatusCode::BAD_REQUEST,
            "{uri}"
        );
    }
    let res = get(&app, &account_uri("nobody"), Some(&sid)).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn reception_page_shows_transcript_rounds_and_attribution() {
    let (_dir, path, app) = setup();
    let sid = login(&app, "admin").await;
    let (x, _) = explanation(&path, LILY, "2026-11-10", "2026-11-12");
    // a reception that won an order
    let r = x
        .receptions
        .iter()
        .find(|r| {
            r.orders
                .iter()
                .any(|o| matches!(o.reason, Reason::Here { .. }))
        })
        .expect("a reception with an attributed order");
    let res = get(&app, &reception_uri(LILY, &r.buyer, r.day), Some(&sid)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.body.contains(&r.buyer));
    // messages told apart by sender, rounds marked with their response times
    assert!(
        res.body.contains("<tr class=\"msg buyer\">"),
        "{}",
        res.body
    );
    assert!(res.body.contains("<td class=\"opens\">第 1 轮开始</td>"));
    assert!(res.body.contains("轮回复，响应"));
    assert!(res.body.contains("归属本接待：最后一次回复"));
    // the same reception with its transcript, as `kefu explain` reads it
    let db = Db::open(&path).unwrap();
    let store = db.store(STORE).unwrap();
    let lily = db.names(store.id).unwrap().get(LILY).unwrap();
    let full = explain::explain(
        &db,
        &store,
        lily,
        r.day,
        Some(r.buyer_id),
        &Config::default().store(STORE).metrics,
    )
    .unwrap();
    let one = &full.receptions[0];
    assert_eq!(
        res.body.matches("<tr class=\"msg ").count(),
        one.messages.len()
    );
    let answered = one
        .messages
        .iter()
        .find_map(|m| match m.mark {
            Some(Mark::Answers { round, response_ms }) => Some((round, response_ms)),
            _ => None,
        })
        .expect("an answered round");
    assert!(res.body.contains(&format!(
        "第 {} 轮回复，响应 {}",
        answered.0,
        kefu_web::format::duration_ms(answered.1)
    )));
    let en = get(
        &app,
        &format!("{}&lang=en", reception_uri(LILY, &r.buyer, r.day)),
        Some(&sid),
    )
    .await;
    assert!(en.body.contains("round 1 opens") && en.body.contains("answered in"));
    assert!(en.body.contains("attributed here: last answer"));
    assert!(!en.body.contains("轮开始"));
    // another kind of reason: an order won elsewhere, silent or placed before the question
    let other = x
        .receptions
        .iter()
        .find(|r| {
            r.orders
                .iter()
                .any(|o| !matches!(o.reason, Reason::Here { .. }))
        })
        .expect("an order attributed elsewhere");
    let res = get(
        &app,
        &format!("{}&lang=en", reception_uri(LILY, &other.buyer, other.day)),
        Some(&sid),
    )
    .await;
    assert!(
        res.body.contains("attributed to ") || res.body.contains("silent: no answer"),
        "{}",
        res.body
    );
    // a day without a reception of that buyer
    let res = get(
        &app,
        &reception_uri(LILY, &r.buyer, day("2026-10-01")),
        Some(&sid),
    )
    .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_agent_drills_down_only_into_their_own_account() {
    let (_dir, path, app) = setup();
    let sid = login(&app, "lily").await;
    let res = get(&app, &account_uri(LILY), Some(&sid)).await;
    assert_eq!(res.status, StatusCode::OK);
    let (x, _) = explanation(&path, LILY, "2026-11-10", "2026-11-12");
    let r = &x.receptions[0];
    let res = get(&app, &reception_uri(LILY, &r.buyer, r.day), Some(&sid)).await;
    assert_eq!(res.status, StatusCode::OK);
    // 七七's account page and receptions do not exist for Lily
    let res = get(&app, &account_uri(QIQI), Some(&sid)).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert!(!res.body.contains("href=\"/reception?"));
    let (qx, _) = explanation(&path, QIQI, "2026-11-10", "2026-11-12");
    assert!(!qx.receptions.is_empty());
    for r in qx.receptions.iter().take(5) {
        let res = get(&app, &reception_uri(QIQI, &r.buyer, r.day), Some(&sid)).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", r.buyer);
        assert!(!res.body.contains("msg buyer"));
    }
    // without a store, the agent's own store is meant
    let res = get(
        &app,
        &format!("/account?account={}&from=2026-11-10&to=2026-11-12", q(QIQI)),
        Some(&sid),
    )
    .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    // an agent without accounts sees none
    let eve = login(&app, "eve").await;
    let res = get(&app, &account_uri(LILY), Some(&eve)).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    let res = get(&app, &reception_uri(LILY, &r.buyer, r.day), Some(&eve)).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn anonymous_drill_down_requests_go_to_the_login_page() {
    let (_dir, path, app) = setup();
    let (x, _) = explanation(&path, LILY, "2026-11-10", "2026-11-12");
    let r = &x.receptions[0];
    for uri in [
        account_uri(LILY),
        reception_uri(LILY, &r.buyer, r.day),
        "/account".to_string(),
    ] {
        for session in [None, Some("ab".repeat(32))] {
            let res = get(&app, &uri, session.as_deref()).await;
            assert_eq!(res.status, StatusCode::SEE_OTHER, "{uri}");
            assert_eq!(res.location, "/login", "{uri}");
            assert!(!res.body.contains(&r.buyer));
        }
    }
}

#[tokio::test]
async fn names_from_the_data_are_escaped_in_drill_down_pages() {
    let evil = "<script>alert(1)</script>\"'&";
    let (_dir, _path, app) = setup_with(evil);
    let sid = login(&app, "admin").await;
    let uri = format!(
        "/account?store={}&account={}&from=2026-11-10&to=2026-11-10",
        q(evil),
        q(LILY)
    );
    let res = get(&app, &uri, Some(&sid)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(!res.body.contains("<script"));
    // Templates escape `&<>"` (attributes are always double-quoted, so `'` needs no entity).
    assert!(
        res.body
            .contains("&lt;script&gt;alert(1)&lt;/script&gt;&quot;'&amp;")
    );
    // links to the transcripts carry the name percent-encoded, and lead there
    let at = res
        .body
        .find("href=\"/reception?")
        .expect("a reception link")
        + 6;
    let href = &res.body[at..at + res.body[at..].find('"').unwrap()];
    assert!(href.contains(&format!("store={}", q(evil))), "{href}");
    let res = get(&app, &href.replace("&amp;", "&"), Some(&sid)).await;
    assert_eq!(res.status, StatusCode::OK, "{href}");
    assert!(!res.body.contains("<script"));
    assert!(res.body.contains("class=\"msg buyer\""));
}

#[tokio::test]
async fn agent_page_shows_response_histogram_funnel_and_daily_trend() {
    let (_dir, path, app) = setup();
    let sid = login(&app, "admin").await;
    let (x, counters) = explanation(&path, LILY, "2026-11-10", "2026-11-12");
    let res = get(&app, &account_uri(LILY), Some(&sid)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let body = &res.body;

    // the histogram counts the answered rounds: the `response_n` counter
    let bins = chart_values(body, "<figure class=\"histogram\">");
    let labels: Vec<&str> = bins.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(
        labels,
        [
            "0–30 s",
            "30–60 s",
            "60–120 s",
            "120–300 s",
            "300–600 s",
            "≥ 600 s"
        ]
    );
    let total: i64 = bins.iter().map(|(_, v)| v.parse::<i64>().unwrap()).sum();
    assert!(total > 0);
    assert_eq!(total, counters.get(C::response_n));
    assert!(body.contains(&format!("已回复轮次: {total}")));
    // percentiles by nearest rank, computed by hand from the explanation's rounds
    let mut times: Vec<i64> = Vec::new();
    for r in &x.receptions {
        for round in &r.rounds {
            if let Some(ms) = round.response_ms() {
                times.push(ms);
            }
        }
    }
    assert_eq!(times.len() as i64, total);
    assert_eq!(times.iter().sum::<i64>(), counters.get(C::response_ms));
    times.sort();
    for q in [50_usize, 90, 95] {
        // the smallest value with at least q% of the values at or below it
        let mut rank = 1;
        while rank * 100 < q * times.len() {
            rank += 1;
        }
        let v = times[rank - 1];
        let at_or_below = times.iter().filter(|&&t| t <= v).count();
        assert!(at_or_below * 100 >= q * times.len());
        assert!(
            body.contains(&format!("p{q} = {}", kefu_web::format::duration_ms(v))),
            "p{q}"
        );
    }
    assert!(body.contains("最近秩法"));
    // each bin holds the times in [lower, upper)
    let bounds = [0, 30_000, 60_000, 120_000, 300_000, 600_000, i64::MAX];
    for (i, (_, v)) in bins.iter().enumerate() {
        let n = times
            .iter()
            .filter(|&&t| t >= bounds[i] && t < bounds[i + 1])
            .count();
        assert_eq!(v, &n.to_string(), "bin {i}");
    }

    // the funnel: the account's counters and the report's rates
    let funnel = chart_values(body, "<figure class=\"funnel\">");
    let rate = |key: &str| {
        let f = kefu_core::figures::figure(key).unwrap();
        kefu_report::display(f, f.value(&counters))
    };
    assert_eq!(
        funnel,
        vec![
            (
                "询单人数".to_string(),
                counters.get(C::inquiries).to_string()
            ),
            (
                "询单→下单人数".to_string(),
                format!(
                    "{} (询单→下单转化率 {})",
                    counters.get(C::ordered),
                    rate("order_conversion")
                )
            ),
            (
                "询单→最终付款人数".to_string(),
                format!(
                    "{} (询单→最终付款转化率 {})",
                    counters.get(C::paid),
                    rate("inquiry_conversion")
                )
            ),
        ]
    );
    assert!(counters.get(C::inquiries) >= counters.get(C::ordered));
    assert!(body.contains(&format!(
        "<a href=\"/list?store={STORE_Q}&amp;account={}&amp;from=2026-11-10&amp;to=2026-11-12&amp;figure=inquiries&amp;lang=zh-CN\"><rect",
        q(LILY)
    )));
    assert!(body.contains("id=\"receptions\""));

    // the daily trend: a column per day, a link to that day, summing to the counters
    let consulted = chart_values(body, "<figure class=\"daily-consulted\">");
    let sales = chart_values(body, "<figure class=\"daily-sales\">");
    assert_eq!(consulted.len(), 3);
    let sum: i64 = consulted
        .iter()
        .map(|(_, v)| v.parse::<i64>().unwrap())
        .sum();
    assert_eq!(sum, counters.get(C::consulted));
    let cents: i64 = sales
        .iter()
        .map(|(_, v)| {
            let v = v.trim_start_matches('¥').replace(',', "");
            let (y, f) = v.split_once('.').unwrap_or((&v, "0"));
            y.parse::<i64>().unwrap() * 100 + format!("{f:0<2}").parse::<i64>().unwrap()
        })
        .sum();
    assert_eq!(cents, counters.get(C::sales_cents));
    assert!(body.contains(&format!(
        "<a href=\"/list?store={STORE_Q}&amp;account={}&amp;from=2026-11-11&amp;to=2026-11-11&amp;figure=consulted&amp;lang=zh-CN\"><rect",
        q(LILY)
    )));

    // English
    let en = get(&app, &format!("{}&lang=en", account_uri(LILY)), Some(&sid)).await;
    for text in [
        "Response-time distribution",
        "nearest rank",
        "Inquiry → ordered → paid funnel",
        "Consulted by day",
        "Sales by day (yuan)",
    ] {
        assert!(en.body.contains(text), "{text}");
    }
    assert!(!en.body.contains("最近秩法") && !en.body.contains("询单人数"));
}

/// Issue 10 item 9: an agent's transcript keeps the reason an order went to a colleague but
/// names the colleague only where the store allows it.
#[tokio::test]
async fn an_agents_transcript_names_a_colleague_only_where_the_store_allows_it() {
    let (_dir, path, app) = setup();
    // a reception of some account whose buyer's order was credited to another account
    let db = Db::open(&path).unwrap();
    let store = db.store(STORE).unwrap();
    let accounts = db.accounts(store.id).unwrap();
    let (mine, r, colleague) = accounts
        .iter()
        .find_map(|a| {
            let (x, _) = explanation(&path, &a.name, "2026-11-01", "2026-11-30");
            x.receptions.into_iter().find_map(|r| {
                let other = r.orders.iter().find_map(|o| match &o.reason {
                    Reason::Elsewhere { account, .. } if account != &a.name => {
                        Some(account.clone())
                    }
                    _ => None,
                })?;
                Some((a.clone(), r, other))
            })
        })
        .expect("an order credited to a colleague");
    let eve = db.user("eve").unwrap().unwrap();
    db.link_account(&eve, store.id, mine.id).unwrap();
    let uri = reception_uri(&mine.name, &r.buyer, r.day);
    let api_uri = format!(
        "/api/v1/transcript?store={STORE_Q}&account={}&buyer={}&day={}",
        q(&mine.name),
        q(&r.buyer),
        r.day
    );
    let elsewhere = |body: &str| -> Vec<serde_json::Value> {
        let j: serde_json::Value = serde_json::from_str(body).unwrap();
        j["orders"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["attribution"].clone())
            .filter(|a| a["kind"] == "elsewhere")
            .collect()
    };

    let sid = login(&app, "eve").await;
    let page = get(&app, &format!("{uri}&lang=en"), Some(&sid)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    // (the chat itself may name them, e.g. a transfer's system message: that is the chat)
    let orders_of = |body: &str| -> String {
        let start = body.find("class=\"orders\"").expect("orders table");
        body[start..start + body[start..].find("</table>").unwrap()].to_string()
    };
    assert!(!orders_of(&page.body).contains(&colleague), "{}", page.body);
    assert!(
        orders_of(&page.body).contains("attributed to a colleague"),
        "{}",
        page.body
    );
    let api = get(&app, &api_uri, Some(&sid)).await;
    assert_eq!(api.status, StatusCode::OK, "{}", api.body);
    let hidden = elsewhere(&api.body);
    assert!(!format!("{hidden:?}").contains(&colleague), "{}", api.body);
    assert!(!hidden.is_empty(), "{}", api.body);
    for a in &hidden {
        // the reason stays: when the colleague answered
        assert!(a["answer_at"].is_string(), "{a}");
    }
    assert!(hidden.iter().any(|a| a["account"].is_null()));
    // whoever sees the whole store sees the name
    let admin = login(&app, "admin").await;
    let page = get(&app, &uri, Some(&admin)).await;
    assert!(orders_of(&page.body).contains(&colleague));

    // the store allows colleagues' names: the agent sees them too
    db.set_visibility(
        store.id,
        kefu_store::Visibility {
            store_totals: false,
            colleagues: true,
        },
        "admin",
    )
    .unwrap();
    let page = get(&app, &uri, Some(&sid)).await;
    assert!(orders_of(&page.body).contains(&colleague), "{}", page.body);
    let api = get(&app, &api_uri, Some(&sid)).await;
    assert!(
        elsewhere(&api.body)
            .iter()
            .any(|a| a["account"] == colleague.as_str())
    );
}

/// Issue 10 item 3: a page shows a bounded part of one message, with a visible mark in the
/// page's language.
#[tokio::test]
async fn a_long_message_is_shown_cut_with_a_mark() {
    let (dir, path, app) = setup();
    let file = dir.path().join("long.csv");
    let long = "x".repeat(20_000);
    std::fs::write(
        &file,
        format!(
            "time,buyer,account,sender,text\n\
             2026-11-10 10:00:00,long_buyer,{LILY},buyer,{long}\n\
             2026-11-10 10:00:30,long_buyer,{LILY},agent,好的\n"
        ),
    )
    .unwrap();
    let config = Config::default();
    let mut opts = kefu_import::ImportOptions::new(&config);
    opts.default_store = Some(STORE.to_string());
    let out = kefu_import::read_files(&[file], &opts, &|_, _| {}).unwrap();
    Db::open(&path).unwrap().import(out.batch, &config).unwrap();
    let sid = login(&app, "admin").await;
    let uri = reception_uri(LILY, "long_buyer", day("2026-11-10"));
    let res = get(&app, &uri, Some(&sid)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.body.contains(&"x".repeat(4000)));
    assert!(!res.body.contains(&"x".repeat(4001)));
    assert!(res.body.contains("已截断：消息过长，只显示前 4000 个字"));
    let req = Request::get(&uri)
        .header(header::COOKIE, format!("kefu_session={sid}"))
        .header(header::ACCEPT_LANGUAGE, "en")
        .body(Body::empty())
        .unwrap();
    let res = send(&app, req).await;
    assert!(
        res.body.contains("cut: the message is too long"),
        "{}",
        res.body
    );
}
