//! The web application through its router: authentication, throttling, CSRF, role
//! isolation and the report API against the sample store's expected figures.

mod support;

use support::chart_values;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use kefu_core::settings::Config;
use kefu_store::{Db, UserRole};
use kefu_web::{AppState, router};
use serde_json::Value;
use tower::ServiceExt;

const STORE: &str = "晨光旗舰店";
const OTHER: &str = "另一家店";
const PW: &str = "secret-password";

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/sample")
}

/// A database with the sample store twice (under two names) and four users:
/// admin, sup (supervisor of STORE), lily (agent linked to STORE's Lily), and eve (agent).
fn setup() -> (tempfile::TempDir, Router) {
    setup_with(&[STORE, OTHER])
}

fn setup_with(stores: &[&str]) -> (tempfile::TempDir, Router) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("k.db");
    let config = Config::default();
    let mut db = Db::open(&path).unwrap();
    let input = sample().join("input");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&input)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for &store in stores {
        let mut opts = kefu_import::ImportOptions::new(&config);
        opts.default_store = Some(store.to_string());
        let out = kefu_import::read_files(&files, &opts, &|_, _| {}).unwrap();
        db.import(out.batch, &config).unwrap();
    }
    db.create_user("admin", UserRole::Admin, PW).unwrap();
    let sup = db.create_user("sup", UserRole::Supervisor, PW).unwrap();
    let lily = db.create_user("lily", UserRole::Agent, PW).unwrap();
    db.create_user("eve", UserRole::Agent, PW).unwrap();
    let store = db.store(stores[0]).unwrap();
    db.assign_store(&sup, store.id).unwrap();
    let account = db
        .accounts(store.id)
        .unwrap()
        .into_iter()
        .find(|a| a.name == "晨光旗舰店:Lily")
        .unwrap();
    db.link_account(&lily, store.id, account.id).unwrap();
    drop(db);
    (dir, router(AppState::new(path, config)))
}

struct Res {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: String,
}

impl Res {
    fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .map_or("", |v| v.to_str().unwrap())
    }

    /// The value a `Set-Cookie` gives `name`, and the whole header.
    fn set_cookie(&self, name: &str) -> Option<(String, String)> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .find(|v| v.starts_with(&format!("{name}=")))
            .map(|v| {
                let value = v[name.len() + 1..].split(';').next().unwrap().to_string();
                (value, v)
            })
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }

    /// The value of the first hidden `csrf` input.
    fn csrf_field(&self) -> String {
        let at = self
            .body
            .find("name=\"csrf\" value=\"")
            .expect("csrf field")
            + 19;
        self.body[at..at + 64].to_string()
    }
}

async fn send(app: &Router, req: Request<Body>) -> Res {
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    Res {
        status,
        headers,
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

async fn post_form(app: &Router, uri: &str, cookie: &str, form: &str, ip: [u8; 4]) -> Res {
    let mut req = Request::post(uri)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, cookie)
        .body(Body::from(form.to_string()))
        .unwrap();
    req.extensions_mut()
        .insert(ConnectInfo(SocketAddr::from((ip, 40000))));
    send(app, req).await
}

/// Logs in through the form (GET /login for the token, then POST) from `ip`, with an
/// existing session cookie when given.
async fn try_login(app: &Router, name: &str, pw: &str, ip: [u8; 4], old: Option<&str>) -> Res {
    let page = get(app, "/login", None).await;
    assert_eq!(page.status, StatusCode::OK);
    let (token, cookie) = page.set_cookie("kefu_login").expect("login cookie");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
    assert_eq!(page.csrf_field(), token);
    let mut cookies = format!("kefu_login={token}");
    if let Some(old) = old {
        cookies.push_str(&format!("; kefu_session={old}"));
    }
    let form = format!("name={name}&password={pw}&csrf={token}");
    post_form(app, "/login", &cookies, &form, ip).await
}

async fn login(app: &Router, name: &str) -> String {
    let res = try_login(app, name, PW, [10, 0, 0, 1], None).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(res.location(), "/");
    let (sid, cookie) = res.set_cookie("kefu_session").expect("session cookie");
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(attr), "{cookie}");
    }
    assert_eq!(sid.len(), 64);
    sid
}

const ROUTES: &[&str] = &[
    "/",
    "/?store=%E6%99%A8&from=2026-11-10",
    "/ranking",
    "/ranking?sort=consulted",
    "/ranking/export?format=xlsx",
    "/api/v1/report",
    "/api/v1/report?by=store",
    "/no-such-page",
    "/api/v1/no-such-endpoint",
    "/import",
    "/import/rejects/0000000000000000000000000000000000000000000000000000000000000000",
    "/settings",
    "/audit",
];

#[tokio::test]
async fn anonymous_requests_get_only_the_login_page() {
    let (_dir, app) = setup();
    let forged = "ab".repeat(32);
    for session in [None, Some(forged.as_str()), Some("x; y")] {
        for uri in ROUTES {
            let res = get(&app, uri, session).await;
            if uri.starts_with("/api/") {
                assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{uri}");
                let j = res.json();
                assert_eq!(j["error"]["code"], "unauthenticated", "{uri}");
                assert!(j["error"]["message"].is_string());
            } else {
                assert_eq!(res.status, StatusCode::SEE_OTHER, "{uri}");
                assert_eq!(res.location(), "/login", "{uri}");
                assert!(!res.body.contains(STORE));
            }
        }
    }
    let res = post_form(&app, "/logout", "", "csrf=x", [10, 0, 0, 1]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.location(), "/login");
    // the login page itself is public, and sends no figures
    let res = get(&app, "/login", None).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains("<form"));
    assert!(
        res.headers[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .contains("default-src 'none'")
    );
}

#[tokio::test]
async fn login_is_throttled_per_name_and_address_and_per_address() {
    let (_dir, app) = setup();
    for _ in 0..5 {
        let res = try_login(&app, "admin", "wrong-password", [10, 0, 0, 2], None).await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED);
        assert!(res.set_cookie("kefu_session").is_none());
        assert!(res.body.contains("用户名或密码错误"), "{}", res.body);
    }
    // the 6th attempt from that address is refused even with the right password
    let res = try_login(&app, "admin", PW, [10, 0, 0, 2], None).await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(res.body.contains("5 分钟"), "{}", res.body);
    assert!(res.set_cookie("kefu_session").is_none());
    // other users are not affected
    login(&app, "sup").await;

    // per address: failures under different names, then even a good login is refused
    for i in 0..kefu_web::auth::MAX_ADDRESS_FAILURES {
        let res = try_login(&app, &format!("nobody{i}"), "x", [10, 0, 0, 9], None).await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    }
    let res = try_login(&app, "lily", PW, [10, 0, 0, 9], None).await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
    let res = try_login(&app, "lily", PW, [10, 0, 0, 10], None).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
}

/// Issue 10 item 6: wrong passwords for a name, from one address or from many, do not stop
/// the right password from an address that did not fail.
#[tokio::test]
async fn nobody_can_lock_a_user_out_from_other_addresses() {
    let (_dir, app) = setup();
    for i in 0..5 {
        let res = try_login(&app, "admin", "wrong-password", [10, 0, 1, i], None).await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    }
    for _ in 0..5 {
        let res = try_login(&app, "admin", "wrong-password", [10, 0, 2, 1], None).await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    }
    let res = try_login(&app, "admin", "wrong-password", [10, 0, 2, 1], None).await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
    // the right password from an address that did not fail, and from one that failed once
    let res = try_login(&app, "admin", PW, [10, 0, 3, 1], None).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let res = try_login(&app, "admin", PW, [10, 0, 1, 0], None).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
}

/// Logs in from `peer` with extra request headers (a reverse proxy's).
async fn login_via(
    app: &Router,
    name: &str,
    pw: &str,
    peer: [u8; 4],
    extra: &[(&str, &str)],
) -> Res {
    let mut page = Request::get("/login");
    for (k, v) in extra {
        page = page.header(*k, *v);
    }
    let mut page = page.body(Body::empty()).unwrap();
    page.extensions_mut()
        .insert(ConnectInfo(SocketAddr::from((peer, 40000))));
    let page = send(app, page).await;
    let (token, _) = page.set_cookie("kefu_login").expect("login cookie");
    let mut req = Request::post("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, format!("kefu_login={token}"));
    for (k, v) in extra {
        req = req.header(*k, *v);
    }
    let mut req = req
        .body(Body::from(format!(
            "name={name}&password={pw}&csrf={token}"
        )))
        .unwrap();
    req.extensions_mut()
        .insert(ConnectInfo(SocketAddr::from((peer, 40000))));
    send(app, req).await
}

/// Issue 10 item 6: behind a reverse proxy every request comes from the proxy; the client's
/// address is read from the proxy's header once the proxy is a trusted one.
#[tokio::test]
async fn behind_a_trusted_proxy_the_forwarded_address_is_throttled() {
    let proxy = [10, 9, 9, 9];
    let attacker = [("x-forwarded-for", "203.0.113.7")];
    let colleague = [("x-forwarded-for", "198.51.100.2")];
    // without the setting, the proxy's address is everyone's: one attacker locks all out
    let (_dir, app) = setup();
    for _ in 0..5 {
        let res = login_via(&app, "admin", "wrong", proxy, &attacker).await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    }
    let res = login_via(&app, "admin", PW, proxy, &colleague).await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);

    let (dir, _) = setup();
    let web = kefu_web::WebSettings {
        trusted_proxies: vec!["10.9.9.9".parse().unwrap()],
        ..kefu_web::WebSettings::default()
    };
    let app = router(AppState::new(dir.path().join("k.db"), Config::default()).with_web(web));
    for _ in 0..5 {
        let res = login_via(&app, "admin", "wrong", proxy, &attacker).await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    }
    let res = login_via(&app, "admin", PW, proxy, &attacker).await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
    let res = login_via(&app, "admin", PW, proxy, &colleague).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    // a client that is not the proxy cannot choose its address with the header
    for _ in 0..5 {
        let res = login_via(&app, "sup", "wrong", [10, 0, 0, 4], &colleague).await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    }
    let res = login_via(&app, "sup", PW, [10, 0, 0, 4], &attacker).await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
    let db = Db::open(&dir.path().join("k.db")).unwrap();
    let log = db.audit_log(20).unwrap();
    assert!(
        log.iter()
            .any(|e| e.action == "login_failed" && e.detail.contains("ip=203.0.113.7")),
        "{log:?}"
    );
}

/// Issue 10 item 4: 200 wrong passwords for one name from one address, all at once. The
/// failure is reserved before the check, so at most `MAX_FAILURES` passwords are checked.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_guesses_cannot_race_the_throttle() {
    let (dir, app) = setup();
    let tasks: Vec<_> = (0..200)
        .map(|i| {
            let app = app.clone();
            tokio::spawn(async move {
                try_login(&app, "admin", &format!("guess-{i}"), [10, 0, 0, 66], None)
                    .await
                    .status
            })
        })
        .collect();
    let (mut checked, mut refused) = (0, 0);
    for t in tasks {
        match t.await.unwrap() {
            StatusCode::UNAUTHORIZED => checked += 1,
            StatusCode::TOO_MANY_REQUESTS => refused += 1,
            other => panic!("unexpected {other}"),
        }
    }
    // every checked password leaves a failed login in the audit log
    let db = Db::open(&dir.path().join("k.db")).unwrap();
    let logged = db
        .audit_log(1000)
        .unwrap()
        .iter()
        .filter(|e| e.action == "login_failed")
        .count();
    println!("200 parallel wrong passwords: {checked} checked, {refused} refused");
    assert_eq!(checked + refused, 200);
    assert_eq!(logged, checked);
    assert_eq!(checked, kefu_web::auth::MAX_FAILURES);
    // the right password from that address waits for the window like any other guess
    let res = try_login(&app, "admin", PW, [10, 0, 0, 66], None).await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
}

/// Issue 10 item 14: cookies carry `Secure` when a trusted proxy reports HTTPS, or always
/// when so configured; never because an untrusted client says so.
#[tokio::test]
async fn session_cookies_are_secure_over_https() {
    let https = [("x-forwarded-proto", "https")];
    let secure = |res: &Res, name: &str| {
        let (_, cookie) = res.set_cookie(name).expect("cookie");
        cookie.split(';').any(|a| a.trim() == "Secure")
    };
    let (dir, app) = setup();
    let res = login_via(&app, "admin", PW, [10, 0, 0, 1], &https).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert!(!secure(&res, "kefu_session"));

    let path = dir.path().join("k.db");
    let proxied = router(AppState::new(path.clone(), Config::default()).with_web(
        kefu_web::WebSettings {
            trusted_proxies: vec!["10.9.9.9".parse().unwrap()],
            ..kefu_web::WebSettings::default()
        },
    ));
    let res = login_via(&proxied, "admin", PW, [10, 9, 9, 9], &https).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert!(secure(&res, "kefu_session") && secure(&res, "kefu_login"));
    let res = login_via(&proxied, "admin", PW, [10, 9, 9, 9], &[]).await;
    assert!(!secure(&res, "kefu_session"));
    let res = login_via(&proxied, "admin", PW, [10, 0, 0, 8], &https).await;
    assert!(!secure(&res, "kefu_session"));

    let always = router(
        AppState::new(path, Config::default()).with_web(kefu_web::WebSettings {
            secure_cookies: kefu_web::SecureCookies::Always,
            ..kefu_web::WebSettings::default()
        }),
    );
    let page = get(&always, "/login", None).await;
    assert!(secure(&page, "kefu_login"));
    let res = login_via(&always, "admin", PW, [10, 0, 0, 1], &[]).await;
    assert!(secure(&res, "kefu_session"));
}

#[tokio::test]
async fn login_needs_its_form_token_and_makes_a_new_session_each_time() {
    let (_dir, app) = setup();
    // no login cookie, or a token that is not the cookie's: refused before any check
    let res = post_form(
        &app,
        "/login",
        "",
        &format!("name=admin&password={PW}&csrf={}", "a".repeat(64)),
        [10, 0, 0, 1],
    )
    .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let res = post_form(
        &app,
        "/login",
        &format!("kefu_login={}", "b".repeat(64)),
        &format!("name=admin&password={PW}&csrf={}", "a".repeat(64)),
        [10, 0, 0, 1],
    )
    .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert!(res.set_cookie("kefu_session").is_none());

    let first = login(&app, "admin").await;
    let second = login(&app, "admin").await;
    assert_ne!(first, second);
    assert_eq!(get(&app, "/", Some(&first)).await.status, StatusCode::OK);

    // a session id planted in the browser is never adopted, and a re-login from a browser
    // with a live session replaces it
    let planted = "cd".repeat(32);
    let res = try_login(&app, "admin", PW, [10, 0, 0, 1], Some(&planted)).await;
    let (third, _) = res.set_cookie("kefu_session").unwrap();
    assert_ne!(third, planted);
    let res = try_login(&app, "admin", PW, [10, 0, 0, 1], Some(&third)).await;
    let (fourth, _) = res.set_cookie("kefu_session").unwrap();
    assert_ne!(fourth, third);
    assert_eq!(
        get(&app, "/", Some(&third)).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(get(&app, "/", Some(&fourth)).await.status, StatusCode::OK);
}

#[tokio::test]
async fn logout_needs_the_csrf_token() {
    let (dir, app) = setup();
    let sid = login(&app, "admin").await;
    let page = get(&app, "/", Some(&sid)).await;
    assert_eq!(page.status, StatusCode::OK);
    let csrf = page.csrf_field();
    let cookie = format!("kefu_session={sid}");
    for form in [
        String::new(),
        "csrf=".into(),
        format!("csrf={}", "0".repeat(64)),
    ] {
        let res = post_form(&app, "/logout", &cookie, &form, [10, 0, 0, 1]).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{form}");
        assert_eq!(get(&app, "/", Some(&sid)).await.status, StatusCode::OK);
    }
    let res = post_form(
        &app,
        "/logout",
        &cookie,
        &format!("csrf={csrf}"),
        [10, 0, 0, 1],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.location(), "/login");
    assert!(
        res.set_cookie("kefu_session")
            .unwrap()
            .1
            .contains("Max-Age=0")
    );
    assert_eq!(
        get(&app, "/", Some(&sid)).await.status,
        StatusCode::SEE_OTHER
    );
    // both ends of the session, and a failed login, are in the audit log
    try_login(&app, "admin", "wrong-password", [10, 0, 0, 7], None).await;
    let db = Db::open(&dir.path().join("k.db")).unwrap();
    let log = db.audit_log(10).unwrap();
    let actions: Vec<(&str, Option<&str>)> = log
        .iter()
        .map(|e| (e.action.as_str(), e.user.as_deref()))
        .collect();
    assert_eq!(
        actions,
        [
            ("login_failed", None),
            ("logout", Some("admin")),
            ("login", Some("admin"))
        ]
    );
    assert!(log[0].detail.contains("ip=10.0.0.7"), "{:?}", log[0]);
}

const RANGE: &str = "from=2026-11-10&to=2026-11-12";

fn expected() -> Value {
    let text = std::fs::read_to_string(sample().join("expected-default.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Every key of every expected row, floats to 1e-9 (as the CLI's own test).
fn assert_rows_match(actual: &Value, expected: &[Value], key: &str) {
    let actual = actual.as_array().expect("array");
    assert_eq!(actual.len(), expected.len(), "{actual:#?}");
    for e in expected {
        let a = actual
            .iter()
            .find(|a| a["store"] == e["store"] && a.get(key) == e.get(key))
            .unwrap_or_else(|| panic!("no row for {}", e[key]));
        assert_eq!(
            a.as_object().unwrap().len(),
            e.as_object().unwrap().len(),
            "keys of {a}"
        );
        for (k, ev) in e.as_object().unwrap() {
            let av = &a[k];
            match (ev.as_f64(), av.as_f64()) {
                (Some(x), Some(y)) => assert!(
                    (x - y).abs() <= 1e-9 * x.abs().max(1.0),
                    "{} {k}: expected {x}, got {y}",
                    e[key]
                ),
                _ => assert_eq!(av, ev, "{} {k}", e[key]),
            }
        }
    }
}

#[tokio::test]
async fn api_numbers_equal_the_expected_figures() {
    let (_dir, app) = setup();
    let sid = login(&app, "admin").await;
    let want = expected();
    let store = "%E6%99%A8%E5%85%89%E6%97%97%E8%88%B0%E5%BA%97";
    let res = get(
        &app,
        &format!("/api/v1/report?by=store&store={store}&{RANGE}"),
        Some(&sid),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_rows_match(&res.json(), want["stores"].as_array().unwrap(), "store");
    let res = get(
        &app,
        &format!("/api/v1/report?by=account&store={store}&{RANGE}"),
        Some(&sid),
    )
    .await;
    assert_rows_match(&res.json(), want["accounts"].as_array().unwrap(), "account");
    // by day: the days sum to the store
    let res = get(
        &app,
        &format!("/api/v1/report?by=day&store={store}&{RANGE}"),
        Some(&sid),
    )
    .await;
    let days = res.json();
    let days = days.as_array().unwrap();
    assert_eq!(days.len(), 3);
    assert_eq!(days[0]["day"], "2026-11-10");
    let consulted: i64 = days.iter().map(|d| d["consulted"].as_i64().unwrap()).sum();
    assert!(consulted >= want["stores"][0]["consulted"].as_i64().unwrap());
    let total: i64 = days
        .iter()
        .map(|d| d["total_orders"].as_i64().unwrap())
        .sum();
    assert_eq!(total, want["stores"][0]["total_orders"].as_i64().unwrap());
    // the admin sees both stores
    let res = get(
        &app,
        &format!("/api/v1/report?by=store&{RANGE}"),
        Some(&sid),
    )
    .await;
    assert_eq!(res.json().as_array().unwrap().len(), 2);
    // bad requests are JSON errors with a stable code
    for q in [
        "by=week",
        "from=2026-13-01",
        "from=2026-11-12&to=2026-11-10",
        "from=2020-01-01&to=2026-01-01",
    ] {
        let res = get(&app, &format!("/api/v1/report?{q}"), Some(&sid)).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{q}");
        assert_eq!(res.json()["error"]["code"], "bad_request", "{q}");
    }
    let res = get(&app, "/api/v1/report?store=nope", Some(&sid)).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert_eq!(res.json()["error"]["code"], "not_found");
}

#[tokio::test]
async fn an_agent_sees_only_their_own_accounts() {
    let (_dir, app) = setup();
    let sid = login(&app, "lily").await;
    let want = expected();
    let lily: Vec<Value> = want["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["account"] == "晨光旗舰店:Lily")
        .cloned()
        .collect();
    let res = get(
        &app,
        &format!("/api/v1/report?by=account&{RANGE}"),
        Some(&sid),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK);
    assert_rows_match(&res.json(), &lily, "account");
    // store and day rows are the sums of their own accounts, without store-level figures
    for by in ["store", "day"] {
        let res = get(&app, &format!("/api/v1/report?by={by}&{RANGE}"), Some(&sid)).await;
        let rows = res.json();
        for row in rows.as_array().unwrap() {
            assert!(row.get("total_orders").is_none(), "{row}");
            assert!(row.get("silent_sales").is_none(), "{row}");
        }
        if by == "store" {
            assert_eq!(rows[0]["consulted"], lily[0]["consulted"]);
            assert_eq!(rows[0]["sales"], lily[0]["sales"]);
        }
    }
    let res = get(&app, &format!("/ranking?{RANGE}"), Some(&sid)).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains("晨光旗舰店:Lily"));
    for other in ["七七", "小美", "老王", "阿强", "店小蜜"] {
        assert!(!res.body.contains(other), "{other} shown to an agent");
    }
    let res = get(&app, &format!("/?{RANGE}"), Some(&sid)).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains("仅显示您本人账号的指标"));
    // the other store does not exist for them
    let other = "%E5%8F%A6%E4%B8%80%E5%AE%B6%E5%BA%97";
    assert_eq!(
        get(&app, &format!("/api/v1/report?store={other}"), Some(&sid))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // an agent without linked accounts sees nothing at all
    let eve = login(&app, "eve").await;
    let res = get(
        &app,
        &format!("/api/v1/report?by=account&{RANGE}"),
        Some(&eve),
    )
    .await;
    assert_eq!(res.json(), Value::Array(vec![]));
    let res = get(&app, &format!("/ranking?{RANGE}"), Some(&eve)).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert!(!res.body.contains("Lily"));
}

#[tokio::test]
async fn a_supervisor_sees_only_assigned_stores() {
    let (_dir, app) = setup();
    let sid = login(&app, "sup").await;
    let other = "%E5%8F%A6%E4%B8%80%E5%AE%B6%E5%BA%97";
    for uri in [
        format!("/api/v1/report?store={other}"),
        format!("/api/v1/report?by=store&store={other}"),
    ] {
        let res = get(&app, &uri, Some(&sid)).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{uri}");
        assert!(!res.body.contains("consulted"));
    }
    for uri in [
        format!("/ranking?store={other}"),
        format!("/?store={other}"),
    ] {
        let res = get(&app, &uri, Some(&sid)).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{uri}");
        assert!(!res.body.contains("晨光旗舰店:Lily"));
    }
    let res = get(
        &app,
        &format!("/api/v1/report?by=store&{RANGE}"),
        Some(&sid),
    )
    .await;
    let rows = res.json();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["store"], STORE);
    assert!(rows[0].get("total_orders").is_some());
    let res = get(&app, &format!("/ranking?{RANGE}"), Some(&sid)).await;
    assert!(!res.body.contains(OTHER));
}

#[tokio::test]
async fn pages_render_figures_chart_ranking_and_both_languages() {
    let (_dir, app) = setup();
    let sid = login(&app, "admin").await;
    // default range: the last 7 days with data, i.e. the whole sample
    let res = get(&app, "/", Some(&sid)).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains("<html lang=\"zh-CN\""));
    // (the sample's events run from 2026-11-10 to a refund on 2026-11-14; the first store
    // by name is shown)
    assert!(
        res.body
            .contains("<caption>另一家店 2026-11-10 – 2026-11-14</caption>"),
        "{}",
        res.body
    );
    assert!(res.body.contains("咨询人数"));
    assert!(res.body.contains("389"), "store consulted");
    // a bar per day, each a link to that day
    assert!(res.body.contains("<svg"));
    assert!(res.body.contains("from=2026-11-11&amp;to=2026-11-11"));
    let res = get(&app, &format!("/?lang=en&{RANGE}&chart=sales"), Some(&sid)).await;
    assert!(res.body.contains("<html lang=\"en\""));
    assert!(res.body.contains("Overview") && res.body.contains("Agent sales"));
    assert!(!res.body.contains("咨询人数"));
    let res = get(&app, "/?lang=x", Some(&sid)).await;
    assert!(res.body.contains("<html lang=\"zh-CN\""));
    let req = Request::get("/ranking")
        .header(header::COOKIE, format!("kefu_session={sid}"))
        .header(header::ACCEPT_LANGUAGE, "en-GB,en;q=0.9")
        .body(Body::empty())
        .unwrap();
    assert!(send(&app, req).await.body.contains("Agent ranking"));

    // ranking: people and bots apart, sorted, best and worst marked
    let res = get(
        &app,
        &format!("/ranking?{RANGE}&sort=consulted&dir=desc"),
        Some(&sid),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK);
    let people = res.body.find("人工客服").unwrap();
    let bots = res.body.find("<h2>机器人").unwrap();
    assert!(people < bots);
    assert!(res.body[bots..].contains("店小蜜"));
    let order: Vec<usize> = ["老王", "晨光旗舰店:Lily", "小美", "七七", "阿强"]
        .iter()
        .map(|n| {
            res.body[..bots]
                .find(&format!(
                    "\">晨光旗舰店:{}</a></td>",
                    n.trim_start_matches("晨光旗舰店:")
                ))
                .unwrap()
        })
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
    assert!(res.body.contains("class=\"best\"") && res.body.contains("class=\"worst\""));
    let res = get(
        &app,
        &format!("/ranking?{RANGE}&sort=consulted&dir=asc"),
        Some(&sid),
    )
    .await;
    assert!(
        res.body.find("\">晨光旗舰店:阿强</a></td>").unwrap()
            < res.body.find("\">晨光旗舰店:老王</a></td>").unwrap()
    );
    // unknown pages are 404 for users
    assert_eq!(
        get(&app, "/nope", Some(&sid)).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn oversized_forms_and_bad_queries_are_refused_cleanly() {
    let (_dir, app) = setup();
    let big = format!("name={}&password=x&csrf=y", "a".repeat(64 * 1024));
    let res = post_form(&app, "/login", "", &big, [10, 0, 0, 1]).await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE);
    let sid = login(&app, "admin").await;
    let res = get(&app, "/api/v1/report?by=store&by=day", Some(&sid)).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(res.json()["error"]["code"], "bad_request");
}

/// `serve` on a real socket: the login page answers, anonymous pages redirect, and an
/// address in use is a clear error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_answers_on_a_socket() {
    use std::io::{Read, Write};
    let (dir, _) = setup();
    let path = dir.path().join("k.db");
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap();
    let err = kefu_web::serve(path.clone(), addr, Config::default())
        .await
        .unwrap_err();
    assert!(err.to_string().contains(&addr.to_string()), "{err}");
    drop(taken);
    tokio::spawn(kefu_web::serve(path, addr, Config::default()));
    let fetch = move |path: &'static str| {
        tokio::task::spawn_blocking(move || {
            for _ in 0..100 {
                if let Ok(mut s) = std::net::TcpStream::connect(addr) {
                    write!(
                        s,
                        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                    )
                    .unwrap();
                    let mut out = String::new();
                    s.read_to_string(&mut out).unwrap();
                    return out;
                }
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            panic!("server did not start");
        })
    };
    let login = fetch("/login").await.unwrap();
    assert!(login.starts_with("HTTP/1.1 200"), "{login}");
    assert!(
        login
            .to_ascii_lowercase()
            .contains("set-cookie: kefu_login=")
    );
    let home = fetch("/").await.unwrap();
    assert!(home.starts_with("HTTP/1.1 303"), "{home}");
}

#[tokio::test]
async fn names_from_the_data_are_escaped() {
    let evil = "<script>alert(1)</script>\"'&";
    let (_dir, app) = setup_with(&[evil]);
    let sid = login(&app, "admin").await;
    for uri in ["/", "/ranking", "/?chart=sales&lang=en"] {
        let res = get(&app, uri, Some(&sid)).await;
        assert_eq!(res.status, StatusCode::OK, "{uri}");
        assert!(!res.body.contains("<script"), "{uri}");
        // Templates escape `&<>"` (attributes are always double-quoted, so `'` needs no
        // entity).
        assert!(
            res.body
                .contains("&lt;script&gt;alert(1)&lt;/script&gt;&quot;'&amp;"),
            "{uri}"
        );
    }
    // in links, the name is percent-encoded
    let res = get(&app, "/", Some(&sid)).await;
    assert!(
        res.body
            .contains("store=%3Cscript%3Ealert%281%29%3C%2Fscript%3E%22%27%26")
    );
    let res = get(&app, "/api/v1/report?by=store", Some(&sid)).await;
    assert_eq!(res.json()[0]["store"], evil);
}

#[tokio::test]
async fn ranking_exports_as_xlsx_and_csv_with_the_screen_names() {
    let (_dir, app) = setup();
    let boss = login(&app, "admin").await;
    // The old address sends to the ranking's own download, filters kept.
    let old = get(
        &app,
        &format!("/ranking/export?format=xlsx&{RANGE}&group=x"),
        Some(&boss),
    )
    .await;
    assert_eq!(old.status, StatusCode::SEE_OTHER);
    assert_eq!(
        old.location(),
        "/ranking?export=xlsx&from=2026-11-10&to=2026-11-12&group=x"
    );
    let req = Request::get(format!("/ranking?export=xlsx&{RANGE}"))
        .header(header::COOKIE, format!("kefu_session={boss}"))
        .body(Body::empty())
        .unwrap();
    let res = app.clone().oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let disposition = res.headers()[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        disposition.contains("ranking-2026-11-10-2026-11-12.xlsx"),
        "{disposition}"
    );
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    assert!(bytes.starts_with(b"PK"), "an xlsx file is a zip");

    // The CSV has the columns of the screen: account, group, then every figure.
    let csv = get(
        &app,
        &format!("/ranking?export=csv&table=people&{RANGE}"),
        Some(&boss),
    )
    .await;
    assert_eq!(csv.status, StatusCode::OK);
    let header_line = csv.body.lines().next().unwrap();
    assert!(
        header_line.starts_with("客服账号,组,咨询人数"),
        "{header_line}"
    );
    assert!(
        csv.body.contains("晨光旗舰店:Lily,售前一组,76,") && csv.body.contains("33535.00"),
        "{}",
        csv.body
    );
    assert!(!csv.body.contains("店小蜜"), "bots are their own table");
    let bots = get(
        &app,
        &format!("/ranking?export=csv&table=bots&{RANGE}"),
        Some(&boss),
    )
    .await;
    assert_eq!(bots.body.lines().count(), 2, "{}", bots.body);
    assert!(bots.body.lines().nth(1).unwrap().starts_with("店小蜜,"));
    let en = get(
        &app,
        &format!("/ranking?export=csv&lang=en&{RANGE}"),
        Some(&boss),
    )
    .await;
    assert!(
        en.body.starts_with("Account,Group,Consulted"),
        "{}",
        en.body
    );
    for bad in [
        "/ranking/export?format=pdf",
        "/ranking?export=pdf",
        "/ranking?export=csv&table=nope",
    ] {
        let res = get(&app, &format!("{bad}&{RANGE}"), Some(&boss)).await;
        assert!(
            matches!(res.status, StatusCode::BAD_REQUEST | StatusCode::NOT_FOUND),
            "{bad}: {}",
            res.status
        );
    }
    // The page offers each table's downloads.
    let page = get(&app, &format!("/ranking?{RANGE}"), Some(&boss)).await;
    assert!(
        page.body.contains("export=xlsx&amp;table=people")
            && page.body.contains("export=csv&amp;table=bots")
    );

    // An agent's export holds their own row only.
    let lily = login(&app, "lily").await;
    let mine = get(&app, &format!("/ranking?export=csv&{RANGE}"), Some(&lily)).await;
    assert!(mine.body.contains("晨光旗舰店:Lily"));
    assert!(
        !mine.body.contains("七七") && !mine.body.contains("店小蜜"),
        "{}",
        mine.body
    );
}

#[tokio::test]
async fn every_number_of_the_ranking_overview_and_teams_is_a_link_to_its_items() {
    let (_dir, app) = setup();
    let sid = login(&app, "admin").await;
    let store = "%E6%99%A8%E5%85%89%E6%97%97%E8%88%B0%E5%BA%97";
    // A Taobao store (the default profile) shows every figure but the other platforms'
    // service figures.
    let shown =
        |key: &str| kefu_core::platform::shows_figure(kefu_core::platform::Platform::Taobao, key);
    let figures = kefu_core::figures::ACCOUNT_FIGURES
        .iter()
        .filter(|f| shown(f.key))
        .count();
    assert_eq!(figures, kefu_core::figures::ACCOUNT_FIGURES.len() - 5);
    let ranking = get(&app, &format!("/ranking?store={store}&{RANGE}"), Some(&sid)).await;
    let people = table_of(&ranking.body, "id=\"people\"");
    let rows = people.matches("<tr><td>").count();
    assert_eq!(rows, 5);
    assert_eq!(people.matches("<a href=\"/list?").count(), rows * figures);
    assert!(people.contains(&format!(
        "<a href=\"/list?store={store}&amp;account=%E6%99%A8%E5%85%89%E6%97%97%E8%88%B0%E5%BA%97%3ALily&amp;from=2026-11-10&amp;to=2026-11-12&amp;figure=sales&amp;lang=zh-CN\">33535.00</a>"
    )));
    let overview = get(&app, &format!("/?store={store}&{RANGE}"), Some(&sid)).await;
    let body = &overview.body;
    let compared = table_of(body, "id=\"figures\"");
    let all = figures + kefu_core::figures::STORE_FIGURES.len();
    // current and previous period, each value a link
    assert_eq!(compared.matches("<a href=\"/list?").count(), 2 * all);
    assert!(compared.contains(&format!(
        "/list?store={store}&amp;from=2026-11-07&amp;to=2026-11-09&amp;figure=consulted"
    )));
    let teams = table_of(body, "id=\"teams\"");
    assert_eq!(
        teams.matches("<a href=\"/list?").count(),
        teams.matches("<tr><td>").count() * figures
    );
    assert!(teams.contains("&amp;ungrouped=1&amp;") || teams.contains("&amp;group="));
    // the charts' bars: a day, an hour, the sales split
    for link in [
        format!(
            "/list?store={store}&amp;from=2026-11-11&amp;to=2026-11-11&amp;figure=consulted&amp;lang=zh-CN\"><rect"
        ),
        format!(
            "/list?store={store}&amp;from=2026-11-10&amp;to=2026-11-12&amp;figure=consulted&amp;hour=9&amp;lang=zh-CN\"><rect"
        ),
        format!(
            "/list?store={store}&amp;from=2026-11-10&amp;to=2026-11-12&amp;figure=silent_sales&amp;lang=zh-CN\"><rect"
        ),
    ] {
        assert!(body.contains(&link), "{link}");
    }
    // the overview's tables download too
    let csv = get(
        &app,
        &format!("/?store={store}&{RANGE}&export=csv&table=teams&lang=en"),
        Some(&sid),
    )
    .await;
    assert!(csv.body.starts_with("Group,Consulted,"), "{}", csv.body);
}

/// The table whose opening tag contains `marker`.
fn table_of<'a>(body: &'a str, marker: &str) -> &'a str {
    let start = body.find(marker).unwrap_or_else(|| panic!("{marker}"));
    &body[start..start + body[start..].find("</table>").unwrap()]
}

/// The HTML without its links' tags (their text stays).
fn strip_links(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(at) = rest.find("<a href=") {
        out.push_str(&rest[..at]);
        let end = rest[at..].find('>').unwrap();
        rest = &rest[at + end + 1..];
    }
    out.push_str(rest);
    out.replace("</a>", "")
}

#[tokio::test]
async fn openapi_document_lists_every_figure() {
    let (_dir, app) = setup();
    assert_eq!(
        get(&app, "/api/v1/openapi.json", None).await.status,
        StatusCode::UNAUTHORIZED
    );
    let sid = login(&app, "admin").await;
    let doc = get(&app, "/api/v1/openapi.json", Some(&sid)).await.json();
    assert_eq!(doc["openapi"], "3.1.0");
    let row = &doc["components"]["schemas"]["Row"]["properties"];
    let api = get(
        &app,
        &format!("/api/v1/report?by=store&{RANGE}"),
        Some(&sid),
    )
    .await
    .json();
    for key in api[0].as_object().unwrap().keys() {
        assert!(row.get(key).is_some(), "the document lacks `{key}`");
    }
}

#[tokio::test]
async fn overview_quick_ranges_teams_sales_split_and_hours_agree_with_kefu_report() {
    use kefu_core::figures::C;
    let (dir, app) = setup();
    let sid = login(&app, "admin").await;
    let store = "%E6%99%A8%E5%85%89%E6%97%97%E8%88%B0%E5%BA%97";
    let res = get(&app, &format!("/?store={store}&{RANGE}"), Some(&sid)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let body = &res.body;
    // quick ranges, relative to the last day with data (2026-11-14), said in a title
    assert!(body.contains("title=\"快捷日期以最后一个有数据的日期为准: 2026-11-14\""));
    for (range, name) in [
        ("from=2026-11-14&amp;to=2026-11-14", "今天"),
        ("from=2026-11-13&amp;to=2026-11-13", "昨天"),
        ("from=2026-11-08&amp;to=2026-11-14", "最近 7 天"),
        ("from=2026-10-16&amp;to=2026-11-14", "最近 30 天"),
        ("from=2026-11-01&amp;to=2026-11-14", "本月"),
    ] {
        assert!(
            body.contains(&format!("{range}&amp;lang=zh-CN\">{name}</a>")),
            "{name}"
        );
    }
    let (from, to) = (
        kefu_core::time::Day::parse("2026-11-10").unwrap(),
        kefu_core::time::Day::parse("2026-11-12").unwrap(),
    );
    let db = Db::open(&dir.path().join("k.db")).unwrap();
    // the team table: the rows of `kefu report --by group`, figure by figure
    let groups = kefu_report::build(&db, kefu_report::By::Group, from, to, Some(STORE)).unwrap();
    assert!(!groups.rows.is_empty());
    let teams = strip_links(table_of(body, "id=\"teams\""));
    assert_eq!(teams.matches("<tr><td>").count(), groups.rows.len());
    for row in &groups.rows {
        let mut cells = format!(
            "<tr><td>{}</td>",
            row.key.clone().unwrap_or_else(|| "未分组".into())
        );
        let shown = groups.figures().into_iter().filter(|f| {
            kefu_core::platform::shows_figure(kefu_core::platform::Platform::Taobao, f.key)
        });
        for f in shown {
            cells.push_str(&format!(
                "<td>{}</td>",
                kefu_report::display(f, f.value(&row.counters))
            ));
        }
        assert!(teams.contains(&format!("{cells}</tr>")), "{cells}\n{teams}");
    }
    // silent vs agent sales: the store row's counters, with shares of the store's sales
    let total = kefu_report::build(&db, kefu_report::By::Store, from, to, Some(STORE))
        .unwrap()
        .rows
        .pop()
        .unwrap()
        .counters;
    let split = chart_values(body, "<figure class=\"sales-split\">");
    let yuan = kefu_core::money::format_yuan;
    let (t, s, a) = (
        total.get(C::total_sales_cents),
        total.get(C::silent_sales_cents),
        total.get(C::sales_cents),
    );
    assert!(t > 0 && s > 0 && a > 0);
    let pct = |c: i64| format!("{:.1}%", c as f64 / t as f64 * 100.0);
    assert_eq!(
        split,
        vec![
            ("店铺销售额".to_string(), yuan(t)),
            (
                "客服销售额".to_string(),
                format!("{} (占比 {})", yuan(a), pct(a))
            ),
            (
                "静默销售额".to_string(),
                format!("{} (占比 {})", yuan(s), pct(s))
            ),
        ]
    );
    // the agent bar drills down to the orders behind the agents' sales
    assert!(body.contains(&format!(
        "<a href=\"/list?store={store}&amp;from=2026-11-10&amp;to=2026-11-12&amp;figure=sales&amp;lang=zh-CN\">"
    )));
    // the trend by hour: 24 columns summing to the store's consulted counter
    let hours = chart_values(body, "<figure class=\"hours\">");
    assert_eq!(hours.len(), 24);
    let sum: i64 = hours.iter().map(|(_, v)| v.parse::<i64>().unwrap()).sum();
    assert_eq!(sum, total.get(C::consulted));
    assert!(body.contains(&format!("<figcaption>咨询人数: {sum}</figcaption>")));
    // English, and a long range: the trend by hour comes from stored counters, any range
    let res = get(
        &app,
        &format!("/?store={store}&from=2026-09-01&to=2026-11-12&lang=en"),
        Some(&sid),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK);
    for text in [
        "Today",
        "Yesterday",
        "This month",
        "Team comparison (people)",
        "Silent vs agent sales",
    ] {
        assert!(res.body.contains(text), "{text}");
    }
    assert!(res.body.contains("<figure class=\"hours\">"));
    assert!(!res.body.contains("未分组") && !res.body.contains("静默"));
    // an agent sees neither the team table nor the store's sales split
    let lily = login(&app, "lily").await;
    let res = get(&app, &format!("/?store={store}&{RANGE}"), Some(&lily)).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(!res.body.contains("class=\"teams\"") && !res.body.contains("sales-split"));
    assert!(res.body.contains("<figure class=\"hours\">"));
}

#[tokio::test]
async fn ranking_filters_by_group_and_role_and_exports_the_same_rows() {
    let (_dir, app) = setup();
    let sid = login(&app, "admin").await;
    let page = get(
        &app,
        &format!("/ranking?{RANGE}&group=%E5%94%AE%E5%89%8D%E4%BA%8C%E7%BB%84"),
        Some(&sid),
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    // 售前二组 is 老王 and 七七 in the sample roster.
    assert!(
        page.body.contains(">晨光旗舰店:老王</a>") && page.body.contains(">晨光旗舰店:七七</a>")
    );
    assert!(!page.body.contains(">晨光旗舰店:Lily</a>") && !page.body.contains(">店小蜜</a>"));
    let csv = get(
        &app,
        &format!("/ranking?export=csv&{RANGE}&group=%E5%94%AE%E5%89%8D%E4%BA%8C%E7%BB%84"),
        Some(&sid),
    )
    .await;
    assert_eq!(
        csv.body.lines().count(),
        3,
        "header and two agents:\n{}",
        csv.body
    );
    let bots = get(&app, &format!("/ranking?{RANGE}&role=bot"), Some(&sid)).await;
    assert!(bots.body.contains(">店小蜜</a>") && !bots.body.contains(">晨光旗舰店:Lily</a>"));
    let presale = get(&app, &format!("/ranking?{RANGE}&role=presale"), Some(&sid)).await;
    assert!(presale.body.contains(">晨光旗舰店:Lily</a>") && !presale.body.contains(">店小蜜</a>"));
}
