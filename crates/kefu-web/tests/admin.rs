//! The admin pages through the router: settings, roster, users, adding a user, the audit
//! log, and that nobody else gets them.

mod support;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use kefu_core::settings::Config;
use kefu_store::Db;
use kefu_web::{AppState, router};
use support::*;

async fn post(app: &Router, uri: &str, sid: &str, form: &str) -> Res {
    let req = Request::post(uri)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, format!("kefu_session={sid}"))
        .body(Body::from(form.to_string()))
        .unwrap();
    send(app, req).await
}

/// Percent-encodes a form value.
fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[tokio::test]
async fn settings_show_metrics_roster_and_users_to_admins_only() {
    let config = Config::parse(
        "[metrics]\nslow_response_secs = 45\n\n[stores.\"晨光旗舰店\".metrics]\nslow_response_secs = 90\n",
    )
    .unwrap();
    let (_dir, path, _) = setup(false);
    let app = router(AppState::new(path, config));
    let (sid, _) = login(&app, "admin").await;
    let res = get(&app, "/settings", &sid).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(
        res.body
            .contains("<td><code>slow_response_secs</code></td><td>45</td>")
    );
    assert!(
        res.body
            .contains("<td><code>slow_response_secs</code></td><td>90</td>")
    );
    // roster: account, display name, group, role, bot
    assert!(
        res.body
            .contains("<td>晨光旗舰店:小美</td><td>小美</td><td>售前一组</td><td>presale</td>"),
        "{}",
        res.body
    );
    assert!(res.body.contains("店小蜜"));
    // users and their stores
    assert!(
        res.body
            .contains("<td>sup</td><td>supervisor</td><td>晨光旗舰店</td>")
    );
    assert!(res.body.contains("href=\"/settings?lang=zh-CN\""));
    let en = get(&app, "/settings?lang=en", &sid).await;
    assert!(en.body.contains("Metric settings") && en.body.contains("Roster"));
    assert!(!en.body.contains("指标设置"));
    for name in ["sup", "lily", "qa"] {
        let (other, _) = login(&app, name).await;
        for uri in ["/settings", "/audit"] {
            let res = get(&app, uri, &other).await;
            assert_eq!(res.status, StatusCode::FORBIDDEN, "{name} {uri}");
            assert!(!res.body.contains("slow_response_secs"));
        }
        assert!(
            !get(&app, "/", &other)
                .await
                .body
                .contains("href=\"/settings")
        );
    }
}

#[tokio::test]
async fn admins_add_users_with_csrf_and_the_audit_log_shows_it() {
    let (_dir, path, app) = setup(false);
    let (sid, csrf) = login(&app, "admin").await;
    let form = |name: &str, role: &str, accounts: &str, csrf: &str| {
        format!(
            "csrf={csrf}&name={}&role={role}&password={PW}&store={}&accounts={}",
            enc(name),
            enc(STORE),
            enc(accounts)
        )
    };
    // CSRF missing or wrong: refused, nobody added
    for token in ["", &"0".repeat(64)] {
        let res = post(
            &app,
            "/settings/users",
            &sid,
            &form("x1", "agent", "", token),
        )
        .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
    }
    // not an admin: refused even with their own token
    let (sup, sup_csrf) = login(&app, "sup").await;
    let res = post(
        &app,
        "/settings/users",
        &sup,
        &form("x2", "admin", "", &sup_csrf),
    )
    .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert!(Db::open(&path).unwrap().user("x1").unwrap().is_none());
    assert!(Db::open(&path).unwrap().user("x2").unwrap().is_none());

    // an agent linked to an account: they log in and see that account only
    let res = post(
        &app,
        "/settings/users",
        &sid,
        &form("阿强本人", "agent", "晨光旗舰店:阿强", &csrf),
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let (qiang, _) = login(&app, "阿强本人").await;
    let rows = get(
        &app,
        "/api/v1/report?by=account&from=2026-11-01&to=2026-11-30",
        &qiang,
    )
    .await;
    let rows: serde_json::Value = serde_json::from_str(&rows.body).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 1);
    assert_eq!(rows[0]["account"], "晨光旗舰店:阿强");
    // a supervisor gets the store
    let res = post(
        &app,
        "/settings/users",
        &sid,
        &form("主管二", "supervisor", "", &csrf),
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let page = get(&app, "/settings", &sid).await;
    assert!(
        page.body
            .contains("<td>主管二</td><td>supervisor</td><td>晨光旗舰店</td>")
    );

    // bad input: clear messages, nothing added
    for (f, want) in [
        (form("阿强本人", "agent", "", &csrf), "该用户名已存在"),
        (form("y", "boss", "", &csrf), "未知的角色"),
        (
            form("y", "agent", "晨光旗舰店:nobody", &csrf),
            "此店铺没有这个客服账号：晨光旗舰店:nobody",
        ),
        (
            format!("csrf={csrf}&name=y&role=agent&password=short"),
            "密码长度",
        ),
        (
            format!("csrf={csrf}&name=y&role=agent&password=long-enough&store=nope"),
            "没有这个店铺：nope",
        ),
        (
            format!("csrf={csrf}&name=%3Cb%3E&role=qa&password=long-enough&store=nope"),
            "没有这个店铺",
        ),
    ] {
        let res = post(&app, "/settings/users", &sid, &f).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{f}");
        assert!(res.body.contains(want), "{f}: {}", res.body);
    }
    assert!(Db::open(&path).unwrap().user("y").unwrap().is_none());

    let audit = get(&app, "/audit", &sid).await;
    assert_eq!(audit.status, StatusCode::OK);
    assert!(audit.body.contains("<td>user.add</td>"));
    assert!(
        audit.body.contains("name=阿强本人 role=agent"),
        "{}",
        audit.body
    );
    assert!(audit.body.contains("<td>login</td>"));
    assert!(
        audit.body.find("主管二").unwrap() < audit.body.find("阿强本人").unwrap(),
        "newest first"
    );
    assert!(
        get(&app, "/audit?lang=en", &sid)
            .await
            .body
            .contains("Audit log")
    );
}

async fn api(app: &Router, token: &str) -> Res {
    let req = Request::get("/api/v1/report?by=account&from=2026-11-01&to=2026-11-30")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    send(app, req).await
}

#[tokio::test]
async fn personal_api_tokens_act_with_their_users_permissions() {
    let (_dir, path, app) = setup(false);
    let (sid, csrf) = login(&app, "admin").await;
    assert!(
        get(&app, "/settings", &sid)
            .await
            .body
            .contains("action=\"/settings/tokens")
    );
    // CSRF missing: refused
    let res = post(&app, "/settings/tokens", &sid, "").await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let res = post(&app, "/settings/tokens", &sid, &format!("csrf={csrf}")).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let at = res.body.find("kefu_").expect("the token");
    let token = res.body[at..at + 85].to_string();
    assert!(res.body.contains("只显示这一次"));
    // the token is not stored as such
    let db = Db::open(&path).unwrap();
    assert!(db.audit_log(5).unwrap()[0].action == "token.add");
    drop(db);
    let raw = std::fs::read(&path).unwrap();
    assert!(!raw.windows(64).any(|w| w == &token.as_bytes()[21..]));

    // with the token, the API answers as the admin does with a session
    let by_token = api(&app, &token).await;
    assert_eq!(by_token.status, StatusCode::OK, "{}", by_token.body);
    let by_session = get(
        &app,
        "/api/v1/report?by=account&from=2026-11-01&to=2026-11-30",
        &sid,
    )
    .await;
    assert_eq!(by_token.body, by_session.body);
    // a wrong or malformed token: 401 JSON
    let mut forged = token.clone();
    forged.replace_range(84.., if token.ends_with('0') { "1" } else { "0" });
    for bad in [forged.as_str(), "kefu_", "nonsense", ""] {
        let res = api(&app, bad).await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{bad}");
        assert!(res.body.contains("unauthenticated"));
    }
    // tokens open the API only, not the pages
    let req = Request::get("/settings")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app, req).await.status, StatusCode::SEE_OTHER);

    // an agent's token sees their own account only
    let db = Db::open(&path).unwrap();
    let lily = db.user("lily").unwrap().unwrap();
    let store = db.store(STORE).unwrap();
    let account = db
        .accounts(store.id)
        .unwrap()
        .into_iter()
        .find(|a| a.name == "晨光旗舰店:Lily")
        .unwrap();
    db.link_account(&lily, store.id, account.id).unwrap();
    let lily_token = db.create_api_token(&lily).unwrap();
    drop(db);
    let res = api(&app, &lily_token).await;
    let rows: serde_json::Value = serde_json::from_str(&res.body).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 1, "{rows}");
    assert_eq!(rows[0]["account"], "晨光旗舰店:Lily");
}

#[tokio::test]
async fn anonymous_posts_go_to_the_login_page() {
    let (_dir, path, app) = setup(false);
    for uri in ["/settings/users", "/settings/tokens", "/import"] {
        let req = Request::post(uri)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from("name=x&role=admin&password=long-enough"))
            .unwrap();
        let res = send(&app, req).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{uri}");
        assert_eq!(res.headers[header::LOCATION], "/login", "{uri}");
    }
    assert!(Db::open(&path).unwrap().user("x").unwrap().is_none());
}
