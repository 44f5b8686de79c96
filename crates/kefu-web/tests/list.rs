// The tests set up and inspect the database directly, past the access handles.
#![allow(clippy::disallowed_methods)]
//! The lists behind the figures (`/list`, `/api/v1/list`, `/api/v1/transcript`): the listed
//! items add up to the figure `kefu report` gives, on the specification's sample store and on
//! a demo store; every number of the pages leads to its list; who may list what.

mod support;

use std::path::{Path, PathBuf};

use axum::Router;
use axum::http::StatusCode;
use kefu_core::figures::{ACCOUNT_FIGURES, C, Figure, STORE_FIGURES, all_figures};
use kefu_core::model::NameId;
use kefu_core::settings::{Config, MetricSettings};
use kefu_core::time::Day;
use kefu_report::By;
use kefu_report::explain::{self, Items, ListQuery, ListedReception};
use kefu_store::{Db, UserRole};
use kefu_web::{AppState, router};
use serde_json::Value;
use support::{PW, STORE, enc as q, get, login};

const LILY: &str = "晨光旗舰店:Lily";
const RANGE: &str = "from=2026-11-10&to=2026-11-12";

/// A database with the files of `dirs` imported into STORE, and users admin, sup (supervisor
/// of STORE), other (supervisor of no store), lily (agent linked to Lily) and eve (agent).
fn setup(files: &[PathBuf]) -> (tempfile::TempDir, PathBuf, Router) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("k.db");
    let config = Config::default();
    let mut db = Db::open(&path).unwrap();
    let mut opts = kefu_import::ImportOptions::new(&config);
    opts.default_store = Some(STORE.to_string());
    let out = kefu_import::read_files(files, &opts, &|_, _| {}).unwrap();
    db.import(out.batch, &config).unwrap();
    db.create_user("admin", UserRole::Admin, PW).unwrap();
    let sup = db.create_user("sup", UserRole::Supervisor, PW).unwrap();
    db.create_user("other", UserRole::Supervisor, PW).unwrap();
    let lily = db.create_user("lily", UserRole::Agent, PW).unwrap();
    db.create_user("eve", UserRole::Agent, PW).unwrap();
    let store = db.store(STORE).unwrap();
    db.assign_store(&sup, store.id).unwrap();
    if let Some(a) = db
        .accounts(store.id)
        .unwrap()
        .into_iter()
        .find(|a| a.name == LILY)
    {
        db.link_account(&lily, store.id, a.id).unwrap();
    }
    drop(db);
    (dir, path.clone(), router(AppState::new(path, config)))
}

fn sample() -> (tempfile::TempDir, PathBuf, Router) {
    setup(&support::sample_files())
}

/// Every page of `/api/v1/list?{query}`: the first answer and all items.
async fn all_items(app: &Router, sid: &str, query: &str) -> (Value, Vec<Value>) {
    let mut items = Vec::new();
    let mut first = None;
    for page in 1.. {
        let res = get(
            app,
            &format!("/api/v1/list?{query}&per_page=1000&page={page}"),
            sid,
        )
        .await;
        assert_eq!(res.status, StatusCode::OK, "{query}: {}", res.body);
        let v: Value = serde_json::from_str(&res.body).unwrap();
        let got = v["items"].as_array().unwrap().clone();
        let total = v["total"].as_u64().unwrap() as usize;
        items.extend(got);
        first.get_or_insert(v);
        if items.len() >= total {
            break;
        }
    }
    (first.unwrap(), items)
}

fn f(v: &Value, key: &str) -> f64 {
    v[key].as_f64().unwrap_or_else(|| panic!("{key} in {v}"))
}

fn count(items: &[Value], test: impl Fn(&Value) -> bool) -> f64 {
    items.iter().filter(|v| test(v)).count() as f64
}

fn sum(items: &[Value], key: &str) -> f64 {
    items.iter().map(|v| f(v, key)).sum()
}

fn rate(num: f64, den: usize) -> Option<f64> {
    (den > 0).then(|| num / den as f64)
}

/// The figure recomputed from its listed items, by the definitions of `metrics.md`.
fn from_items(key: &str, items: &[Value]) -> Option<f64> {
    let n = items.len();
    let yes = |k: &'static str| move |v: &Value| v[k] == true;
    Some(match key {
        "sales" | "total_sales" | "silent_sales" | "reminder_sales" => sum(items, "amount"),
        "items" => sum(items, "items"),
        "reply_rate" => return rate(count(items, |v| v["unreplied"] == false), n),
        "inquiry_conversion" | "payment_rate" => {
            return rate(count(items, |v| f(v, "attributed_paid") > 0.0), n);
        }
        "order_conversion" => return rate(count(items, |v| f(v, "attributed_orders") > 0.0), n),
        "avg_order_value" => {
            let mut receptions: Vec<String> = items
                .iter()
                .map(|v| {
                    let a = &v["attribution"];
                    format!("{}|{}|{}", a["account"], a["day"], v["buyer"])
                })
                .collect();
            receptions.sort();
            receptions.dedup();
            return rate(sum(items, "amount"), receptions.len());
        }
        "avg_first_response_secs" => return rate(sum(items, "first_response_secs"), n),
        "first_response_p50_secs" | "first_response_p90_secs" => {
            // nearest rank: the value at rank ⌈q·n⌉ of the sorted values
            let mut v: Vec<f64> = items.iter().map(|v| f(v, "first_response_secs")).collect();
            v.sort_by(f64::total_cmp);
            let q = if key.contains("p50") { 50 } else { 90 };
            let rank = (q * n).div_ceil(100).max(1);
            return v.get(rank - 1).copied();
        }
        "tb_avg_response_secs" => {
            // Taobao: the wall-clock wait capped at 600 s; unanswered and transferred: 600 s
            let waits = items
                .iter()
                .map(|v| v["wait_secs"].as_f64().map_or(600.0, |w| w.min(600.0)));
            return rate(waits.sum(), n);
        }
        "avg_duration_secs" => return rate(sum(items, "duration_secs"), n),
        "avg_response_secs" => return rate(sum(items, "response_secs"), n),
        "answered_within_3min_rate" => return rate(count(items, yes("within_3min")), n),
        // Platform profiles: 拼多多's person's reply to the first question, 京东's session
        // answered within 30 s, 抖店's sessions answered throughout within 3 minutes.
        "pdd_3min_rate" | "pdd_30s_rate" => {
            let limit = if key == "pdd_3min_rate" { 180.0 } else { 30.0 };
            let within = |v: &Value| v["human_reply_secs"].as_f64().is_some_and(|w| w <= limit);
            return rate(count(items, within), n);
        }
        "jd_30s_rate" => return rate(count(items, yes("within_30s")), n),
        "dy_3min_rate" | "dy_3min_rate_all_day" => {
            return rate(count(items, yes("session_within_3min")), n);
        }
        "answer_question_ratio" => {
            let buyer = sum(items, "buyer_msgs");
            return (buyer > 0.0).then(|| sum(items, "agent_msgs") / buyer);
        }
        "satisfaction_rate" => return rate(count(items, yes("satisfied")), n),
        "avg_refund_secs" => return rate(sum(items, "refund_secs"), n),
        _ => n as f64,
    })
}

fn close(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => (a - b).abs() <= 1e-6 * a.abs().max(1.0),
        (None, None) => true,
        _ => false,
    }
}

/// For every figure (store-level ones when `whole`), the items listed for `scope` add up to
/// the value of the `kefu report` row `expected`, and the list's header says that value.
async fn check_scope(app: &Router, sid: &str, scope: &str, expected: &Value, whole: bool) {
    let figures = ACCOUNT_FIGURES
        .iter()
        .chain(STORE_FIGURES.iter().filter(|_| whole));
    let mut nonzero = 0;
    for fig in figures {
        let query = format!("{scope}&figure={}", fig.key);
        let (head, items) = all_items(app, sid, &query).await;
        let want = expected[fig.key].as_f64();
        assert!(
            close(head["value"].as_f64(), want),
            "{query}: header {} != report {want:?}",
            head["value"]
        );
        let got = from_items(fig.key, &items);
        assert!(
            close(got, want),
            "{query}: items add up to {got:?}, the report says {want:?}"
        );
        assert_eq!(head["total"].as_u64().unwrap() as usize, items.len());
        if want.is_some_and(|w| w != 0.0) {
            nonzero += 1;
        }
    }
    assert!(
        nonzero >= 10,
        "{scope}: too few figures to check ({nonzero})"
    );
}

fn report_json(path: &Path, by: By, from: &str, to: &str) -> Vec<Value> {
    let db = Db::open(path).unwrap();
    let (from, to) = (Day::parse(from).unwrap(), Day::parse(to).unwrap());
    let r = kefu_report::build(&db, by, from, to, Some(STORE)).unwrap();
    kefu_report::to_json(&r).as_array().unwrap().clone()
}

#[tokio::test]
async fn listed_items_add_up_to_every_figure_of_the_sample_store() {
    let (_dir, path, app) = sample();
    let sid = login(&app, "admin").await.0;
    let store = &report_json(&path, By::Store, "2026-11-10", "2026-11-12")[0];
    check_scope(
        &app,
        &sid,
        &format!("store={}&{RANGE}", q(STORE)),
        store,
        true,
    )
    .await;
    // By hand from the spec's sample: 店:小美's sales are 33535.00 (the expected figures).
    let (head, items) = all_items(
        &app,
        &sid,
        &format!(
            "store={}&account={}&{RANGE}&figure=sales",
            q(STORE),
            q(LILY)
        ),
    )
    .await;
    assert_eq!(head["value"], 33535.0);
    assert_eq!(head["amount"], 33535.0);
    assert!(items.iter().all(|o| o["attribution"]["account"] == LILY));
    for row in report_json(&path, By::Account, "2026-11-10", "2026-11-12") {
        let account = row["account"].as_str().unwrap();
        let scope = format!("store={}&account={}&{RANGE}", q(STORE), q(account));
        check_scope(&app, &sid, &scope, &row, false).await;
    }
}

/// Every figure's list, through `explain::list` itself, is as long as the counter its
/// definition names (`Figure::listed_count`: for a rate or mean, the denominator), for the
/// sample store and each of its accounts: the list and the rollup use the same predicates.
#[test]
fn every_list_is_as_long_as_its_counter_on_the_sample_store() {
    let (_dir, path, _app) = sample();
    let db = Db::open(&path).unwrap();
    let store = db.store(STORE).unwrap();
    let (from, to) = (
        Day::parse("2026-11-10").unwrap(),
        Day::parse("2026-11-12").unwrap(),
    );
    let settings = MetricSettings::default();
    let build = |by| {
        kefu_report::build(&db, by, from, to, Some(STORE))
            .unwrap()
            .rows
    };
    let whole = build(By::Store).pop().unwrap();
    let accounts = build(By::Account);
    let list = |f: &Figure, accounts: Option<Vec<NameId>>, limit| {
        let q = ListQuery {
            figure: f.key.to_string(),
            accounts,
            from,
            to,
            hour: None,
            response_ms: None,
            only: None,
            sort: explain::ListSort::Time,
            descending: false,
            offset: 0,
            limit,
        };
        explain::list(&db, &store, &q, &settings).unwrap()
    };
    let mut nonzero = 0;
    for f in all_figures() {
        let scopes = std::iter::once((None, &whole.counters)).chain(
            accounts
                .iter()
                .filter(|_| !f.store_level())
                .map(|r| (Some(vec![r.account.unwrap()]), &r.counters)),
        );
        for (ids, counters) in scopes {
            match f.listed_count {
                Some(c) => {
                    let total = list(f, ids.clone(), 0).total as i64;
                    assert_eq!(total, counters.get(c), "{} of {ids:?}", f.key);
                    nonzero += usize::from(total > 0);
                }
                // No counter counts these receptions; they hold every message it adds.
                None => {
                    let Items::Receptions(items) = list(f, ids.clone(), usize::MAX).items else {
                        panic!("{} lists receptions", f.key);
                    };
                    let sum = |m: fn(&ListedReception) -> u32| -> i64 {
                        items.iter().map(|r| i64::from(m(r))).sum()
                    };
                    assert_eq!(
                        sum(|r| r.buyer_msgs),
                        counters.get(C::buyer_msgs),
                        "{ids:?}"
                    );
                    assert_eq!(
                        sum(|r| r.agent_msgs),
                        counters.get(C::agent_msgs),
                        "{ids:?}"
                    );
                }
            }
        }
    }
    assert!(nonzero >= 100, "too few lists to compare: {nonzero}");
}

/// A demo store of 3 days, 6 agents and about 12,000 messages, written to a new folder.
fn small_demo() -> (tempfile::TempDir, kefu_demo::DemoSummary) {
    let dir = tempfile::tempdir().unwrap();
    let cfg = kefu_demo::DemoConfig {
        days: 3,
        agents: 6,
        messages_target: Some(12_000),
        ..kefu_demo::DemoConfig::default()
    };
    let demo = kefu_demo::write_files(&cfg, dir.path(), &|_, _| {}).unwrap();
    (dir, demo)
}

#[tokio::test]
async fn listed_items_add_up_on_a_demo_store_by_day_group_and_hour() {
    let (_dir, demo) = small_demo();
    let (_db_dir, path, app) = setup(&demo.files);
    let sid = login(&app, "admin").await.0;
    let (from, to) = (demo.first_day.as_str(), demo.last_day.as_str());
    let store = &report_json(&path, By::Store, from, to)[0];
    let scope = format!("store={}&from={from}&to={to}", q(STORE));
    check_scope(&app, &sid, &scope, store, true).await;
    // One day, as the day-trend bars link it.
    let day = &report_json(&path, By::Day, from, to)[1];
    let d = day["day"].as_str().unwrap();
    check_scope(
        &app,
        &sid,
        &format!("store={}&day={d}", q(STORE)),
        day,
        true,
    )
    .await;
    // Each group, as the team comparison links it (people only).
    for group in report_json(&path, By::Group, from, to) {
        let who = match group["group"].as_str() {
            Some(g) => format!("group={}", q(g)),
            None => "ungrouped=1".to_string(),
        };
        check_scope(&app, &sid, &format!("{scope}&{who}"), &group, false).await;
    }
    // The hour-of-day columns: the consulted receptions of each hour add up to consulted.
    let mut by_hours = 0;
    for h in 0..24 {
        let (head, items) = all_items(&app, &sid, &format!("{scope}&hour={h}")).await;
        assert_eq!(head["value"].as_u64().unwrap() as usize, items.len());
        assert!(items.iter().all(|r| r["consulted"] == true));
        by_hours += items.len();
    }
    assert_eq!(by_hours as f64, f(store, "consulted"));
    // The histogram bins partition the answered rounds.
    let (all, _) = all_items(&app, &sid, &format!("{scope}&figure=avg_response_secs")).await;
    let mut binned = 0;
    for b in 0..6 {
        let (head, items) = all_items(&app, &sid, &format!("{scope}&bucket={b}")).await;
        assert!(head["value"].is_null());
        binned += items.len();
    }
    assert_eq!(binned as u64, all["total"].as_u64().unwrap());
}

#[tokio::test]
async fn list_pages_are_paged_link_to_transcripts_and_export() {
    let (_dir, _path, app) = sample();
    let sid = login(&app, "admin").await.0;
    let base = format!("/list?store={}&{RANGE}&figure=consulted", q(STORE));
    let page = get(&app, &base, &sid).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let consulted = report_json(&_path, By::Store, "2026-11-10", "2026-11-12")[0]["consulted"]
        .as_u64()
        .unwrap();
    assert!(
        page.body.contains(&format!(
            "<strong class=\"listed-count\">{consulted}</strong>"
        )),
        "{}",
        page.body
    );
    assert!(page.body.contains(&format!(
        "<strong class=\"figure-value\">{consulted}</strong>"
    )));
    // Another figure of the same people and days is a choice away; store-level ones too.
    assert!(
        page.body
            .contains("<option value=\"consulted\" selected>咨询人数</option>")
    );
    assert!(page.body.contains("<option value=\"silent_sales\">"));
    // 200 rows a page, each leading to its transcript; the rest on the next pages.
    assert!(
        consulted > 200,
        "the sample has more than a page: {consulted}"
    );
    assert_eq!(page.body.matches("href=\"/reception?").count(), 200);
    assert!(page.body.contains("rel=\"next\"") && !page.body.contains("rel=\"prev\""));
    let last = (consulted as usize).div_ceil(200);
    let end = get(&app, &format!("{base}&page={last}"), &sid).await;
    assert_eq!(
        end.body.matches("href=\"/reception?").count() as u64,
        consulted - 200 * (last as u64 - 1)
    );
    assert!(end.body.contains("rel=\"prev\"") && !end.body.contains("rel=\"next\""));
    // Orders show why they were attributed.
    let orders = get(
        &app,
        &format!(
            "/list?store={}&{RANGE}&figure=total_sales&lang=en",
            q(STORE)
        ),
        &sid,
    )
    .await;
    assert!(
        orders.body.contains("attributed to 晨光旗舰店:")
            && orders.body.contains("silent: no answer before the order")
    );
    // Every transcript link of a list leads to a transcript (a rating links only when the
    // account talked with the buyer that day).
    for figure in [
        "ratings",
        "reminded_orders",
        "total_sales",
        "slow",
        "rounds",
    ] {
        let list = get(
            &app,
            &format!("/list?store={}&{RANGE}&figure={figure}", q(STORE)),
            &sid,
        )
        .await;
        let links: Vec<String> = list
            .body
            .split("href=\"/reception?")
            .skip(1)
            .map(|rest| {
                format!("/reception?{}", &rest[..rest.find('"').unwrap()]).replace("&amp;", "&")
            })
            .collect();
        assert!(!links.is_empty(), "{figure}");
        for link in links.iter().take(40) {
            let res = get(&app, link, &sid).await;
            assert_eq!(res.status, StatusCode::OK, "{figure}: {link}");
        }
    }
    // In English, every string of the page is English.
    let en = get(&app, &format!("{base}&lang=en"), &sid).await;
    assert!(en.body.contains("<html lang=\"en\"") && en.body.contains("Listed items: "));
    for zh in ["列出条数", "咨询人数", "明细", "首条消息", "是", "否"] {
        let outside_data = en.body.replace(STORE, "").replace("买家", "");
        assert!(!outside_data.contains(zh), "`{zh}` on the English page");
    }
    // The list as a file: the columns of the screen.
    let csv = get(&app, &format!("{base}&export=csv&lang=en"), &sid).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.body
            .starts_with("\u{FEFF}Day,Account,Buyer,First message,Consulted"),
        "{}",
        csv.body
    );
    assert_eq!(csv.body.lines().count() as u64, consulted + 1);
    let xlsx = get(&app, &format!("{base}&export=xlsx"), &sid).await;
    assert_eq!(xlsx.status, StatusCode::OK);
    assert!(
        xlsx.headers[axum::http::header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .contains("consulted-2026-11-10-2026-11-12.xlsx")
    );
    // Bad requests are refused cleanly.
    for bad in [
        "figure=nope",
        "figure=consulted&hour=25",
        "figure=sales&bucket=2",
        "figure=consulted&page=x",
    ] {
        let res = get(
            &app,
            &format!("/list?store={}&{RANGE}&{bad}", q(STORE)),
            &sid,
        )
        .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{bad}");
        let api = get(
            &app,
            &format!("/api/v1/list?store={}&{RANGE}&{bad}", q(STORE)),
            &sid,
        )
        .await;
        assert_eq!(api.status, StatusCode::BAD_REQUEST, "{bad}");
        let v: Value = serde_json::from_str(&api.body).unwrap();
        assert_eq!(v["error"]["code"], "bad_request");
    }
}

#[tokio::test]
async fn a_page_past_the_end_is_empty_not_an_error() {
    let (_dir, _path, app) = sample();
    let sid = login(&app, "admin").await.0;
    let far = format!(
        "store={}&{RANGE}&figure=consulted&page={}",
        q(STORE),
        u64::MAX
    );
    let page = get(&app, &format!("/list?{far}"), &sid).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("href=\"/reception?"));
    let api = get(&app, &format!("/api/v1/list?{far}"), &sid).await;
    assert_eq!(api.status, StatusCode::OK);
    let v: Value = serde_json::from_str(&api.body).unwrap();
    assert_eq!(v["items"], serde_json::json!([]));
    assert_eq!(v["total"], 389);
}

#[tokio::test]
async fn lists_and_transcripts_keep_to_what_the_user_may_see() {
    let (_dir, _path, app) = sample();
    let store = q(STORE);
    let lily_q = q(LILY);
    let qiqi = q("晨光旗舰店:七七");
    // Anonymous: the login page, or 401 JSON for the API.
    let anon = support::send(
        &app,
        axum::http::Request::get(format!("/list?store={store}&figure=consulted"))
            .body(axum::body::Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(anon.status, StatusCode::SEE_OTHER);
    assert_eq!(anon.headers["location"], "/login");
    for api in [
        "/api/v1/list?figure=consulted",
        "/api/v1/transcript?account=x",
    ] {
        let res = support::send(
            &app,
            axum::http::Request::get(api)
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED);
        let v: Value = serde_json::from_str(&res.body).unwrap();
        assert_eq!(v["error"]["code"], "unauthenticated");
    }

    // An agent lists only their own account's items, whatever the query asks.
    let lily = login(&app, "lily").await.0;
    let (head, mine) = all_items(
        &app,
        &lily,
        &format!("store={store}&{RANGE}&figure=consulted"),
    )
    .await;
    assert!(!mine.is_empty());
    assert!(mine.iter().all(|r| r["account"] == LILY), "{head}");
    let other = get(
        &app,
        &format!("/api/v1/list?store={store}&account={qiqi}&{RANGE}&figure=consulted"),
        &lily,
    )
    .await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
    let page = get(
        &app,
        &format!("/list?store={store}&account={qiqi}&{RANGE}&figure=consulted"),
        &lily,
    )
    .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(!page.body.contains("七七</td>"));
    let own = get(
        &app,
        &format!("/list?store={store}&{RANGE}&figure=consulted"),
        &lily,
    )
    .await;
    assert_eq!(own.status, StatusCode::OK);
    assert!(own.body.contains("<option value=\"sales\">") && !own.body.contains("silent_sales"));
    // Store-level figures are for whole stores only.
    let silent = get(
        &app,
        &format!("/api/v1/list?store={store}&{RANGE}&figure=silent_sales"),
        &lily,
    )
    .await;
    assert_eq!(silent.status, StatusCode::NOT_FOUND);
    // The transcript of their own reception, not another account's.
    let buyer = mine[0]["buyer"].as_str().unwrap();
    let day = mine[0]["day"].as_str().unwrap();
    let own = get(
        &app,
        &format!(
            "/api/v1/transcript?store={store}&account={lily_q}&buyer={}&day={day}",
            q(buyer)
        ),
        &lily,
    )
    .await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.body);
    let t: Value = serde_json::from_str(&own.body).unwrap();
    assert_eq!(t["account"], LILY);
    assert!(!t["messages"].as_array().unwrap().is_empty());
    let theirs = get(
        &app,
        &format!(
            "/api/v1/transcript?store={store}&account={qiqi}&buyer={}&day={day}",
            q(buyer)
        ),
        &lily,
    )
    .await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND);
    let v: Value = serde_json::from_str(&theirs.body).unwrap();
    assert_eq!(v["error"]["code"], "not_found");
    // A script with lily's personal API token sees the same; a wrong token is refused.
    let token = {
        let db = Db::open(_path.as_path()).unwrap();
        let user = db.user("lily").unwrap().unwrap();
        db.create_api_token(&user).unwrap()
    };
    for (bearer, status) in [
        (token.as_str(), StatusCode::OK),
        ("kefu_wrong", StatusCode::UNAUTHORIZED),
    ] {
        let res = support::send(
            &app,
            axum::http::Request::get(format!(
                "/api/v1/list?store={store}&{RANGE}&figure=consulted&per_page=1000"
            ))
            .header("authorization", format!("Bearer {bearer}"))
            .body(axum::body::Body::empty())
            .unwrap(),
        )
        .await;
        assert_eq!(res.status, status, "{}", res.body);
        let v: Value = serde_json::from_str(&res.body).unwrap();
        if status == StatusCode::OK {
            assert_eq!(v["items"].as_array().unwrap().len(), mine.len());
        } else {
            assert_eq!(v["error"]["code"], "unauthenticated");
        }
    }
    // An unlinked agent lists nothing.
    let eve = login(&app, "eve").await.0;
    let none = get(
        &app,
        &format!("/api/v1/list?store={store}&figure=consulted"),
        &eve,
    )
    .await;
    assert_eq!(none.status, StatusCode::NOT_FOUND);

    // A supervisor lists their store; one without stores does not.
    let sup = login(&app, "sup").await.0;
    let (_, all) = all_items(
        &app,
        &sup,
        &format!("store={store}&{RANGE}&figure=consulted"),
    )
    .await;
    assert!(all.len() > mine.len());
    let other_sup = login(&app, "other").await.0;
    let res = get(
        &app,
        &format!("/list?store={store}&{RANGE}&figure=consulted"),
        &other_sup,
    )
    .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    let res = get(
        &app,
        &format!("/api/v1/list?store={store}&{RANGE}&figure=consulted"),
        &other_sup,
    )
    .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    let res = get(
        &app,
        &format!(
            "/api/v1/transcript?store={store}&account={lily_q}&buyer={}&day={day}",
            q(buyer)
        ),
        &other_sup,
    )
    .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    // The export of a list is limited the same way.
    let csv = get(
        &app,
        &format!("/list?store={store}&{RANGE}&figure=consulted&export=csv"),
        &lily,
    )
    .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.body.contains(LILY) && !csv.body.contains("七七"),
        "{}",
        csv.body
    );
}

#[tokio::test]
async fn transcript_api_marks_rounds_and_explains_orders() {
    let (_dir, _path, app) = sample();
    let sid = login(&app, "admin").await.0;
    let (_, orders) = all_items(
        &app,
        &sid,
        &format!(
            "store={}&account={}&{RANGE}&figure=sales",
            q(STORE),
            q(LILY)
        ),
    )
    .await;
    let o = &orders[0];
    let a = &o["attribution"];
    let res = get(
        &app,
        &format!(
            "/api/v1/transcript?store={}&account={}&buyer={}&day={}",
            q(STORE),
            q(LILY),
            q(o["buyer"].as_str().unwrap()),
            a["day"].as_str().unwrap()
        ),
        &sid,
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let t: Value = serde_json::from_str(&res.body).unwrap();
    let here = t["orders"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["order_id"] == o["order_id"])
        .expect("the order is listed with its reception");
    assert_eq!(here["attribution"]["kind"], "here");
    assert_eq!(here["attribution"]["answer_at"], a["answer_at"]);
    let messages = t["messages"].as_array().unwrap();
    assert!(messages.iter().any(|m| m["mark"]["opens"] == 1));
    let answer = messages
        .iter()
        .find(|m| m["mark"]["answers"] == 1)
        .expect("round 1 answered");
    assert!(matches!(answer["sender"].as_str(), Some("agent" | "bot")));
    assert_eq!(
        t["rounds"][0]["response_secs"],
        answer["mark"]["response_secs"]
    );
}

/// Every key of `answer` is a property of `schema`, and every required one is there.
fn matches_schema(answer: &Value, schema: &Value, what: &str) {
    let props = schema["properties"].as_object().unwrap();
    let object = answer.as_object().unwrap();
    for key in object.keys() {
        assert!(
            props.contains_key(key),
            "{what}: `{key}` is not in the document"
        );
    }
    for key in schema["required"].as_array().unwrap() {
        assert!(
            object.contains_key(key.as_str().unwrap()),
            "{what}: `{key}` missing"
        );
    }
}

#[tokio::test]
async fn openapi_document_describes_the_list_and_transcript_answers() {
    let (_dir, _path, app) = sample();
    let sid = login(&app, "admin").await.0;
    let doc: Value =
        serde_json::from_str(&get(&app, "/api/v1/openapi.json", &sid).await.body).unwrap();
    let schemas = &doc["components"]["schemas"];
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    assert_eq!(
        doc["components"]["securitySchemes"]["session"]["name"],
        "kefu_session"
    );
    // Every API route the router serves is documented.
    let api_routes: Vec<&str> = kefu_web::routes::route_table()
        .into_iter()
        .map(|r| r.path)
        .filter(|r| r.starts_with("/api/v1/"))
        .collect();
    assert!(api_routes.len() >= 8, "{api_routes:?}");
    for path in api_routes {
        let method = if path == "/api/v1/events" {
            "post"
        } else {
            "get"
        };
        assert!(
            doc["paths"][path][method].is_object(),
            "{path} is not in the document"
        );
    }
    let scope = format!("store={}&{RANGE}", q(STORE));
    for (figure, schema) in [
        ("consulted", "Reception"),
        ("rounds", "Round"),
        ("total_sales", "Order"),
        ("reminded_orders", "Reminder"),
        ("ratings", "Rating"),
        ("refunds", "Refund"),
    ] {
        let (head, items) = all_items(&app, &sid, &format!("{scope}&figure={figure}")).await;
        matches_schema(&head, &schemas["Listing"], figure);
        assert!(!items.is_empty(), "{figure}: the sample has some");
        for item in &items {
            matches_schema(item, &schemas[schema], schema);
        }
    }
    let (_, receptions) = all_items(&app, &sid, &format!("{scope}&figure=consulted")).await;
    let r = &receptions[0];
    let t: Value = serde_json::from_str(
        &get(
            &app,
            &format!(
                "/api/v1/transcript?store={}&account={}&buyer={}&day={}",
                q(STORE),
                q(r["account"].as_str().unwrap()),
                q(r["buyer"].as_str().unwrap()),
                r["day"].as_str().unwrap()
            ),
            &sid,
        )
        .await
        .body,
    )
    .unwrap();
    matches_schema(&t, &schemas["Transcript"], "Transcript");
    for m in t["messages"].as_array().unwrap() {
        matches_schema(m, &schemas["Message"], "Message");
    }
    for r in t["rounds"].as_array().unwrap() {
        matches_schema(r, &schemas["TranscriptRound"], "TranscriptRound");
    }
}

/// The store's `slow` by the API report and by its list.
async fn slow_by_report_and_list(app: &Router, sid: &str) -> (f64, usize) {
    let res = get(
        app,
        &format!("/api/v1/report?by=store&store={}&{RANGE}", q(STORE)),
        sid,
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let rows: Value = serde_json::from_str(&res.body).unwrap();
    let (_, items) = all_items(app, sid, &format!("store={}&figure=slow&{RANGE}", q(STORE))).await;
    (f(&rows[0], "slow"), items.len())
}

#[tokio::test]
async fn another_process_recomputing_under_other_settings_is_seen_on_the_next_request() {
    let (_dir, path, app) = sample();
    let (sid, _) = login(&app, "admin").await;
    let (slow, listed) = slow_by_report_and_list(&app, &sid).await;
    assert_eq!(slow as usize, listed);

    // `kefu recompute --config tight.toml` from another process rewrites the stored figures.
    let tight = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/sample/tight.toml");
    let tight = Config::parse(&std::fs::read_to_string(tight).unwrap()).unwrap();
    Db::open(&path).unwrap().recompute(&tight, None).unwrap();

    // The server's next request brings them back under its own settings in force: the
    // ranking's numbers and the lists (computed from raw events) still agree.
    assert_eq!(slow_by_report_and_list(&app, &sid).await, (slow, listed));
}

/// Issue 14 item 3: every list sorts (server-side, over the whole list, stable) and filters;
/// the page offers the choices, its pages and downloads follow them.
#[tokio::test]
async fn lists_sort_and_filter_over_the_whole_list() {
    let (_dir, demo) = small_demo();
    let (_db_dir, path, app) = setup(&demo.files);
    // The shipped rules over the days, so that some receptions have hits.
    {
        let db = Db::open(&path).unwrap();
        let s = db.store(STORE).unwrap();
        let (from, to) = (
            Day::parse(&demo.first_day).unwrap(),
            Day::parse(&demo.last_day).unwrap(),
        );
        let rules = kefu_qa::rules::RuleSet::default_rules();
        db.qa_run(s.id, from, to, &rules, None).unwrap();
    }
    let sid = login(&app, "admin").await.0;
    let scope = format!(
        "store={}&from={}&to={}",
        q(STORE),
        demo.first_day,
        demo.last_day
    );
    let key = |v: &Value| {
        format!(
            "{}|{}|{}|{}",
            v["account"], v["buyer"], v["day"], v["first_time"]
        )
    };
    let secs = |v: &Value, k: &str| v[k].as_f64();
    // Sorted by the longest wait: the same receptions, longest first, none without a wait
    // before one with; equal waits keep their time order.
    let (_, by_time) = all_items(&app, &sid, &format!("{scope}&figure=consulted")).await;
    let (head, by_wait) = all_items(
        &app,
        &sid,
        &format!("{scope}&figure=consulted&sort=max_wait"),
    )
    .await;
    assert_eq!(head["total"].as_u64().unwrap() as usize, by_time.len());
    let mut a: Vec<String> = by_time.iter().map(key).collect();
    let mut b: Vec<String> = by_wait.iter().map(key).collect();
    let time_rank: std::collections::HashMap<String, usize> =
        a.iter().cloned().enumerate().map(|(i, k)| (k, i)).collect();
    for w in by_wait.windows(2) {
        match (secs(&w[0], "max_wait_secs"), secs(&w[1], "max_wait_secs")) {
            (Some(x), Some(y)) => {
                assert!(x >= y, "{x} before {y}");
                if x == y {
                    assert!(time_rank[&key(&w[0])] < time_rank[&key(&w[1])], "stable");
                }
            }
            (None, Some(_)) => panic!("a reception without a wait before one with"),
            _ => {}
        }
    }
    assert!(secs(&by_wait[0], "max_wait_secs").unwrap() > 60.0);
    a.sort();
    b.sort();
    assert_eq!(a, b, "sorting keeps every item");
    // Ascending by sales, and the other direction of time.
    let (_, by_sales) = all_items(
        &app,
        &sid,
        &format!("{scope}&figure=inquiries&sort=amount&dir=asc"),
    )
    .await;
    assert!(
        by_sales
            .windows(2)
            .all(|w| f(&w[0], "sales") <= f(&w[1], "sales"))
    );
    let (_, latest) = all_items(&app, &sid, &format!("{scope}&figure=consulted&dir=desc")).await;
    assert_eq!(key(&latest[0]), key(by_time.last().unwrap()));
    // Lost inquiries: the inquiries without an order, every one of them.
    let (_, inquiries) = all_items(&app, &sid, &format!("{scope}&figure=inquiries")).await;
    let (_, lost) = all_items(&app, &sid, &format!("{scope}&figure=inquiries&only=lost")).await;
    let expected = inquiries
        .iter()
        .filter(|v| f(v, "attributed_orders") == 0.0)
        .count();
    assert!(expected > 0 && expected < inquiries.len());
    assert_eq!(lost.len(), expected);
    assert!(
        lost.iter()
            .all(|v| v["inquiry"] == true && f(v, "attributed_orders") == 0.0)
    );
    // Low ratings: below satisfied, lowest first.
    let (_, ratings) = all_items(&app, &sid, &format!("{scope}&figure=ratings")).await;
    let (_, low) = all_items(
        &app,
        &sid,
        &format!("{scope}&figure=ratings&only=low_rating&sort=score"),
    )
    .await;
    assert_eq!(
        low.len(),
        ratings.iter().filter(|v| f(v, "score") < 4.0).count()
    );
    assert!(!low.is_empty() && low.iter().all(|v| f(v, "score") < 4.0));
    assert!(
        low.windows(2)
            .all(|w| f(&w[0], "score") <= f(&w[1], "score"))
    );
    // Receptions with rule hits, the most first; the count read from the last run.
    let (_, hit) = all_items(
        &app,
        &sid,
        &format!("{scope}&figure=consulted&only=rule_hits&sort=hits"),
    )
    .await;
    assert!(!hit.is_empty() && hit.len() < by_time.len());
    assert!(hit.iter().all(|v| f(v, "rule_hits") >= 1.0));
    assert!(
        hit.windows(2)
            .all(|w| f(&w[0], "rule_hits") >= f(&w[1], "rule_hits"))
    );
    // Refunded orders among the sales.
    let (_, refunds) = all_items(&app, &sid, &format!("{scope}&figure=refunds")).await;
    let refunded: std::collections::HashSet<&str> = refunds
        .iter()
        .map(|v| v["order_id"].as_str().unwrap())
        .collect();
    let (_, sales) = all_items(&app, &sid, &format!("{scope}&figure=sales&only=refund")).await;
    assert!(
        sales
            .iter()
            .all(|v| refunded.contains(v["order_id"].as_str().unwrap()))
    );
    // The page: the choices the kind offers, the chosen ones selected, times as 分:秒, and the
    // next page and the download carrying the order and the filter.
    let base = format!("/list?{scope}&figure=consulted&sort=max_wait&dir=desc&only=rule_hits");
    let page = get(&app, &base, &sid).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body
            .contains("<option value=\"max_wait\" selected>最长等待</option>")
    );
    assert!(
        page.body
            .contains("<option value=\"rule_hits\" selected>命中质检规则</option>")
    );
    assert!(
        page.body
            .contains("<option value=\"lost\">流失询单（询单未下单）</option>")
    );
    assert!(page.body.contains("<select name=\"account\">"));
    assert!(
        !page.body.contains("<option value=\"score\""),
        "not a ratings list"
    );
    assert!(
        page.body
            .contains("&amp;sort=max_wait&amp;dir=desc&amp;only=rule_hits&amp;export=csv"),
        "{}",
        page.body
    );
    let csv = get(&app, &format!("{base}&export=csv&lang=en"), &sid).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(
        csv.body.lines().count(),
        hit.len() + 1,
        "the file follows the filter"
    );
    let header = csv.body.lines().next().unwrap();
    assert!(header.ends_with(",Rule hits"), "{header}");
    let (_, same) = all_items(
        &app,
        &sid,
        &format!("{scope}&figure=consulted&sort=max_wait&dir=desc&only=rule_hits"),
    )
    .await;
    for (line, v) in csv.body.lines().skip(1).zip(&same) {
        assert!(line.contains(v["buyer"].as_str().unwrap()), "{line}");
    }
    // What a kind does not offer is refused, on the page and in the API.
    for bad in [
        "figure=consulted&sort=score",
        "figure=sales&only=lost",
        "figure=consulted&sort=longest",
        "figure=consulted&dir=up",
        "figure=consulted&only=everything",
    ] {
        for path in ["/list", "/api/v1/list"] {
            let res = get(&app, &format!("{path}?{scope}&{bad}"), &sid).await;
            assert_eq!(res.status, StatusCode::BAD_REQUEST, "{path} {bad}");
        }
    }
}
