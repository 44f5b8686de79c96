//! The admin pages through the router: settings, roster, users, adding a user, the audit
//! log, and that nobody else gets them.

mod support;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use kefu_core::figures::Value;
use kefu_core::settings::Config;
use kefu_store::Db;
use kefu_web::{AppState, router};
use support::*;

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
        let home = get(&app, "/", &other).await.body;
        assert!(!home.contains("href=\"/settings?") && !home.contains("href=\"/audit"));
        // supervisors get their stores' metric settings and roster, nobody else
        assert_eq!(
            home.contains("href=\"/settings/metrics?"),
            name == "sup",
            "{name}"
        );
        assert!(home.contains("href=\"/me?"), "{name}: my account");
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
    assert_eq!(report_accounts(&app, &qiang).await, ["晨光旗舰店:阿强"]);
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

/// November's report by account as a user sees it through the API: the accounts it lists.
async fn report_accounts(app: &Router, sid: &str) -> Vec<String> {
    let res = get(
        app,
        "/api/v1/report?by=account&from=2026-11-01&to=2026-11-30",
        sid,
    )
    .await;
    let rows: serde_json::Value = serde_json::from_str(&res.body).unwrap();
    rows.as_array()
        .unwrap()
        .iter()
        .map(|r| r["account"].as_str().unwrap_or_default().to_string())
        .collect()
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
    let account = account_id(&db, store.id, "晨光旗舰店:Lily");
    db.link_account(&lily, store.id, account).unwrap();
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

/// The store row of the report API for the sample store over November.
async fn store_row(app: &Router, sid: &str) -> serde_json::Value {
    let res = get(
        app,
        &format!(
            "/api/v1/report?by=store&store={}&from=2026-11-01&to=2026-11-30",
            enc(STORE)
        ),
        sid,
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let rows: serde_json::Value = serde_json::from_str(&res.body).unwrap();
    rows[0].clone()
}

fn metrics_form(csrf: &str, store: &str, fields: &[(&str, &str)]) -> String {
    let mut f = format!("csrf={csrf}&store={}", enc(store));
    for (k, v) in fields {
        f.push_str(&format!("&{k}={}", enc(v)));
    }
    f
}

/// The sample's `tight.toml`, as the form's fields.
const TIGHT: [(&str, &str); 8] = [
    ("slow_response_secs", "30"),
    ("slow_response_rounds", "2"),
    ("conversion_window_days", "2"),
    ("service_hours", "08:00-24:00"),
    ("reminder_window_hours", "24"),
    ("after_sale_days", "21"),
    ("attribution", "order"),
    ("platform", "taobao"),
];

#[tokio::test]
async fn metric_settings_saved_in_the_web_recompute_the_store_and_show_the_effect() {
    let (_dir, path, app) = setup(false);
    let (sid, csrf) = login(&app, "admin").await;
    // the sample's expected figures (testdata/sample/expected-*.json)
    let before = store_row(&app, &sid).await;
    assert_eq!(before["slow"], 109);
    assert_eq!(before["sales"], 165656.1);

    let page = get(
        &app,
        &format!("/settings/metrics?store={}", enc(STORE)),
        &sid,
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains("name=\"slow_response_secs\" value=\"120\"")
    );
    assert!(page.body.contains("慢响应阈值") && page.body.contains("来自配置文件"));
    let en = get(&app, "/settings/metrics?lang=en", &sid).await;
    assert!(en.body.contains("Slow response threshold") && en.body.contains("seconds"));

    // bad values: every one named, nothing saved, what was typed is kept
    let bad = metrics_form(
        &csrf,
        STORE,
        &[
            ("slow_response_secs", "-5"),
            ("slow_response_rounds", "1"),
            ("conversion_window_days", "1"),
            ("service_hours", "9-17"),
            ("reminder_window_hours", "72"),
            ("attribution", "creation"),
        ],
    );
    let res = post(&app, "/settings/metrics", &sid, &bad).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert!(
        res.body
            .contains("id=\"attribution-error\">应为 order、payment 或 order_first")
    );
    assert!(
        res.body
            .contains("id=\"slow_response_secs-error\">应为 0 到 86400 之间的整数")
    );
    assert!(res.body.contains("id=\"service_hours-error\">"));
    assert!(res.body.contains("value=\"9-17\""));
    assert!(!res.body.contains("reminder_window_hours-error"));
    assert_eq!(store_row(&app, &sid).await["slow"], 109);

    // the sample's tight settings: the figures become the expected tight ones
    let res = post(
        &app,
        "/settings/metrics",
        &sid,
        &metrics_form(&csrf, STORE, &TIGHT),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(
        res.body
            .contains("<tr class=\"changed\"><td>慢响应人数</td><td>109</td><td>168</td></tr>"),
        "{}",
        res.body
    );
    assert!(
        res.body
            .contains("<td>客服销售额</td><td>165656.10</td><td>184665.70</td>")
    );
    assert!(
        res.body
            .contains("<tr><td>咨询人数</td><td>389</td><td>389</td></tr>")
    );
    assert!(res.body.contains("2026-11-10 – 2026-11-14") || res.body.contains("– 2026-11-1"));
    assert!(res.body.contains("保存人： admin"));
    let after = store_row(&app, &sid).await;
    assert_eq!(after["slow"], 168);
    assert_eq!(after["sales"], 184665.7);
    assert_eq!(after["reminder_sales"], 69550.9);
    // stored, for the command line and the next start
    let db = Db::open(&path).unwrap();
    let saved = db.saved_settings().unwrap();
    assert_eq!(saved.len(), 1);
    assert_eq!(saved[0].metrics.slow_response_secs, 30);
    assert_eq!(saved[0].updated_by.as_deref(), Some("admin"));
    let log = db.audit_log(1).unwrap();
    assert_eq!(log[0].action, "settings.save");
    assert_eq!(
        log[0].detail,
        "store=晨光旗舰店 slow_response_secs: 120→30; slow_response_rounds: 1→2; \
         conversion_window_days: 1→2; \
         reminder_window_hours: 72→24"
    );
    drop(db);
    let page = get(&app, "/settings", &sid).await;
    assert!(
        page.body
            .contains("<td><code>slow_response_secs</code></td><td>30</td>")
    );

    // back to the configuration's settings
    let res = post(
        &app,
        "/settings/metrics/reset",
        &sid,
        &format!("csrf={csrf}&store={}", enc(STORE)),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(
        res.body
            .contains("<td>慢响应人数</td><td>168</td><td>109</td>")
    );
    assert_eq!(store_row(&app, &sid).await["slow"], 109);
    let db = Db::open(&path).unwrap();
    assert!(db.saved_settings().unwrap().is_empty());
    assert_eq!(db.audit_log(1).unwrap()[0].action, "settings.reset");
}

#[tokio::test]
async fn supervisors_set_their_own_stores_metrics() {
    let (_dir, _path, app) = setup(false);
    let (sid, csrf) = login(&app, "sup").await;
    let page = get(&app, "/settings/metrics", &sid).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(STORE));
    let res = post(
        &app,
        "/settings/metrics",
        &sid,
        &metrics_form(&csrf, STORE, &TIGHT),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(store_row(&app, &sid).await["slow"], 168);
    // other stores do not exist for them; qa and agents may not
    let res = post(
        &app,
        "/settings/metrics",
        &sid,
        &metrics_form(&csrf, "别的店", &TIGHT),
    )
    .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    for name in ["qa", "lily"] {
        let (other, other_csrf) = login(&app, name).await;
        let res = post(
            &app,
            "/settings/metrics",
            &other,
            &metrics_form(&other_csrf, STORE, &[("slow_response_secs", "1")]),
        )
        .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{name}");
    }
}

#[tokio::test]
async fn roster_edits_show_at_once_in_the_group_report() {
    let (_dir, path, app) = setup(false);
    let (sid, csrf) = login(&app, "admin").await;
    let db = Db::open(&path).unwrap();
    let store = db.store(STORE).unwrap();
    let accounts = db.accounts(store.id).unwrap();
    let id = |name: &str| accounts.iter().find(|a| a.name == name).unwrap().id;
    let (qiang, wang) = (id("晨光旗舰店:阿强"), id("晨光旗舰店:老王"));
    drop(db);
    let groups = |sid: String| {
        let app = app.clone();
        async move {
            let res = get(
                &app,
                "/api/v1/report?by=group&from=2026-11-01&to=2026-11-30",
                &sid,
            )
            .await;
            let rows: serde_json::Value = serde_json::from_str(&res.body).unwrap();
            rows.as_array()
                .unwrap()
                .iter()
                .map(|r| {
                    (
                        r["group"].as_str().unwrap_or("").to_string(),
                        r["consulted"].as_i64().unwrap(),
                    )
                })
                .collect::<Vec<_>>()
        }
    };
    let before = groups(sid.clone()).await;
    let page = get(&app, "/settings/roster", &sid).await;
    assert!(
        page.body
            .contains(&format!("name=\"group.{qiang}\" value=\"售前一组\""))
    );
    // 阿强 moves to a new group; 老王 becomes a bot (out of every group)
    let form = format!(
        "csrf={csrf}&store={}&name.{qiang}={}&group.{qiang}={}&role.{qiang}=aftersale&name.{wang}={}&group.{wang}={}&role.{wang}=presale&bot.{wang}=1",
        enc(STORE),
        enc("阿强"),
        enc("售后组"),
        enc("老王"),
        enc("售前二组"),
    );
    let res = post(&app, "/settings/roster", &sid, &form).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.body.contains("修改的账号数： 2"));
    let after = groups(sid.clone()).await;
    let consulted = |rows: &[(String, i64)], g: &str| rows.iter().find(|r| r.0 == g).map(|r| r.1);
    let db = Db::open(&path).unwrap();
    let by_account = db
        .counters_by_account(
            store.id,
            kefu_core::time::Day(0),
            kefu_core::time::Day(i32::MAX / 2),
        )
        .unwrap();
    let own = |a| {
        kefu_core::figures::figure("consulted")
            .unwrap()
            .value(&by_account.iter().find(|(x, _)| *x == a).unwrap().1)
    };
    let Value::Count(qiang_consulted) = own(qiang) else {
        panic!()
    };
    assert_eq!(consulted(&after, "售后组"), Some(qiang_consulted));
    assert_eq!(
        consulted(&after, "售前一组"),
        consulted(&before, "售前一组").map(|c| c - qiang_consulted)
    );
    let Value::Count(wang_consulted) = own(wang) else {
        panic!()
    };
    assert_eq!(
        consulted(&after, "售前二组"),
        consulted(&before, "售前二组").map(|c| c - wang_consulted),
        "老王 is a bot now: out of every group"
    );
    let log = db.audit_log(1).unwrap();
    assert_eq!(log[0].action, "roster.save");
    assert!(
        log[0]
            .detail
            .contains("晨光旗舰店:阿强: group 售前一组→售后组, role presale→aftersale"),
        "{}",
        log[0].detail
    );
    assert!(log[0].detail.contains("晨光旗舰店:老王: bot false→true"));
    // The form above had no 工号/部门 fields: nothing stored for them. Now 阿强 gets both.
    let info = |db: &Db| {
        db.accounts(store.id)
            .unwrap()
            .into_iter()
            .find(|a| a.id == qiang)
            .unwrap()
    };
    assert_eq!(info(&db).employee_no, None);
    let form = format!(
        "csrf={csrf}&store={}&name.{qiang}={}&group.{qiang}={}&role.{qiang}=aftersale&employee_no.{qiang}=A007&department.{qiang}={}",
        enc(STORE),
        enc("阿强"),
        enc("售后组"),
        enc("客服部"),
    );
    let res = post(&app, "/settings/roster", &sid, &form).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let a = info(&db);
    assert_eq!(
        (a.employee_no.as_deref(), a.department.as_deref()),
        (Some("A007"), Some("客服部"))
    );
    assert!(
        db.audit_log(1).unwrap()[0]
            .detail
            .contains("employee_no →A007")
    );
    let page = get(&app, "/settings/roster", &sid).await;
    assert!(
        page.body
            .contains(&format!("name=\"employee_no.{qiang}\" value=\"A007\""))
    );
    drop(db);
    // joining and leaving dates: shown, saved, checked
    let page = get(&app, "/settings/roster?lang=en", &sid).await;
    assert!(page.body.contains("<th>Joined</th>"), "{}", page.body);
    assert!(
        page.body
            .contains(&format!("name=\"left.{qiang}\" value=\"\""))
    );
    let dated = |joined: &str, left: &str| {
        format!(
            "csrf={csrf}&store={}&name.{qiang}={}&group.{qiang}={}&role.{qiang}=aftersale&joined.{qiang}={joined}&left.{qiang}={left}",
            enc(STORE),
            enc("阿强"),
            enc("售后组"),
        )
    };
    let res = post(
        &app,
        "/settings/roster",
        &sid,
        &dated("2026-03-01", "2026-11-15"),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let page = get(&app, "/settings/roster", &sid).await;
    assert!(
        page.body
            .contains(&format!("name=\"left.{qiang}\" value=\"2026-11-15\""))
    );
    let res = post(
        &app,
        "/settings/roster",
        &sid,
        &dated("2026-12-01", "2026-11-15"),
    )
    .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert!(
        res.body.contains("晨光旗舰店:阿强：日期格式为"),
        "{}",
        res.body
    );
    // a bad role: nothing saved
    let res = post(
        &app,
        "/settings/roster",
        &sid,
        &format!(
            "csrf={csrf}&store={}&name.{qiang}=x&role.{qiang}=boss",
            enc(STORE)
        ),
    )
    .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert!(res.body.contains("晨光旗舰店:阿强：角色无效"));
    assert_eq!(groups(sid.clone()).await, after);
    // agents and qa may not
    let (lily, lily_csrf) = login(&app, "lily").await;
    let res = post(
        &app,
        "/settings/roster",
        &lily,
        &format!("csrf={lily_csrf}&store={}", enc(STORE)),
    )
    .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn admins_edit_reset_and_delete_users() {
    let (_dir, path, app) = setup(false);
    let (sid, csrf) = login(&app, "admin").await;
    let db = Db::open(&path).unwrap();
    let store = db.store(STORE).unwrap();
    let lily = db.user("lily").unwrap().unwrap();
    let admin = db.user("admin").unwrap().unwrap();
    let account = account_id(&db, store.id, "晨光旗舰店:Lily");
    drop(db);
    let page = get(&app, &format!("/settings/user?id={}", lily.id), &sid).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains(&format!("name=\"account.{}.{}\"", store.id, account))
    );
    // link lily to her account
    let res = post(
        &app,
        "/settings/user",
        &sid,
        &format!(
            "csrf={csrf}&id={}&role=agent&account.{}.{}=1",
            lily.id, store.id, account
        ),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let (lily_sid, lily_csrf) = login(&app, "lily").await;
    assert_eq!(report_accounts(&app, &lily_sid).await, ["晨光旗舰店:Lily"]);
    // the admin cannot change their own role nor delete themselves
    let res = post(
        &app,
        "/settings/user",
        &sid,
        &format!("csrf={csrf}&id={}&role=qa", admin.id),
    )
    .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert!(res.body.contains("不能修改自己的角色"));
    let res = post(
        &app,
        "/settings/user/delete",
        &sid,
        &format!("csrf={csrf}&id={}", admin.id),
    )
    .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    // a new password ends lily's sessions; the old one no longer works
    let res = post(
        &app,
        "/settings/user/password",
        &sid,
        &format!("csrf={csrf}&id={}&password=short", lily.id),
    )
    .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    let res = post(
        &app,
        "/settings/user/password",
        &sid,
        &format!("csrf={csrf}&id={}&password=brand-new-password", lily.id),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(
        get(&app, "/", &lily_sid).await.status,
        StatusCode::SEE_OTHER
    );
    let _ = lily_csrf;
    let db = Db::open(&path).unwrap();
    assert!(
        db.verify_login("lily", "brand-new-password")
            .unwrap()
            .is_some()
    );
    assert!(db.verify_login("lily", PW).unwrap().is_none());
    drop(db);
    // lily becomes qa of the store: the account link goes, the store comes
    let res = post(
        &app,
        "/settings/user",
        &sid,
        &format!(
            "csrf={csrf}&id={}&role=qa&store.{}=1&account.{}.{}=1",
            lily.id, store.id, store.id, account
        ),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK);
    let db = Db::open(&path).unwrap();
    let now = db.user("lily").unwrap().unwrap();
    assert_eq!(now.role, kefu_store::UserRole::Qa);
    assert_eq!(db.user_stores(&now).unwrap(), vec![store.id]);
    assert!(db.user_accounts(&now).unwrap().is_empty());
    drop(db);
    // deleted: gone, and the audit log says who did what
    let res = post(
        &app,
        "/settings/user/delete",
        &sid,
        &format!("csrf={csrf}&id={}", lily.id),
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let db = Db::open(&path).unwrap();
    assert!(db.user("lily").unwrap().is_none());
    let actions: Vec<String> = db
        .audit_log(10)
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    for a in ["user.edit", "user.password", "user.delete"] {
        assert!(actions.contains(&a.to_string()), "{a}: {actions:?}");
    }
    assert_eq!(db.audit_log(1).unwrap()[0].detail, "name=lily role=qa");
    drop(db);
    let missing = get(&app, &format!("/settings/user?id={}", lily.id), &sid).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn tokens_are_listed_without_secrets_and_revoked() {
    let (_dir, path, app) = setup(false);
    let (sid, csrf) = login(&app, "admin").await;
    let (qa, qa_csrf) = login(&app, "qa").await;
    let res = post(&app, "/settings/tokens", &qa, &format!("csrf={qa_csrf}")).await;
    let at = res.body.find("kefu_").unwrap();
    let qa_token = res.body[at..at + 85].to_string();
    let res = post(&app, "/settings/tokens", &sid, &format!("csrf={csrf}")).await;
    let at = res.body.find("kefu_").unwrap();
    let admin_token = res.body[at..at + 85].to_string();
    // qa sees their own, without its secret; the admin sees both
    let list = get(&app, "/settings/tokens", &qa).await;
    assert!(
        list.body
            .contains(&format!("<code>{}…</code>", &qa_token[..21]))
    );
    assert!(!list.body.contains(&qa_token[21..]));
    assert!(!list.body.contains(&admin_token[5..21]));
    let all = get(&app, "/settings/tokens", &sid).await;
    assert!(all.body.contains(&qa_token[5..21]) && all.body.contains(&admin_token[5..21]));
    // qa cannot revoke the admin's; the admin can revoke qa's
    let res = post(
        &app,
        "/settings/tokens/revoke",
        &qa,
        &format!("csrf={qa_csrf}&key={}", &admin_token[5..21]),
    )
    .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    let res = post(
        &app,
        "/settings/tokens/revoke",
        &sid,
        &format!("csrf={csrf}&key={}", &qa_token[5..21]),
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let db = Db::open(&path).unwrap();
    assert!(db.api_token_user(&qa_token).unwrap().is_none());
    assert!(db.api_token_user(&admin_token).unwrap().is_some());
    assert_eq!(db.audit_log(1).unwrap()[0].action, "token.revoke");
}

#[tokio::test]
async fn my_language_applies_to_every_page_and_my_password_needs_the_current_one() {
    let (_dir, path, app) = setup(false);
    let (sid, csrf) = login(&app, "lily").await;
    let page = get(&app, "/me", &sid).await;
    assert!(page.body.contains("我的账户") && page.body.contains("value=\"browser\" checked"));
    let res = post(&app, "/me", &sid, &format!("csrf={csrf}&lang=en")).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    // every page in English now, whatever the browser says; ?lang= still wins
    for uri in ["/", "/ranking", "/me"] {
        let req = Request::get(uri)
            .header(header::COOKIE, format!("kefu_session={sid}"))
            .header(header::ACCEPT_LANGUAGE, "zh-CN,zh;q=0.9")
            .body(Body::empty())
            .unwrap();
        let res = send(&app, req).await;
        assert!(res.body.contains("<html lang=\"en\""), "{uri}");
    }
    assert!(
        get(&app, "/?lang=zh-CN", &sid)
            .await
            .body
            .contains("<html lang=\"zh-CN\"")
    );
    let res = post(&app, "/me", &sid, &format!("csrf={csrf}&lang=klingon")).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);

    // password: the current one is needed; other sessions end, this one stays
    let (other_sid, _) = login(&app, "lily").await;
    let form = |current: &str, new: &str, again: &str| {
        format!(
            "csrf={csrf}&current={}&password={}&again={}",
            enc(current),
            enc(new),
            enc(again)
        )
    };
    let res = post(
        &app,
        "/me/password",
        &sid,
        &form("wrong-one", "new-password-1", "new-password-1"),
    )
    .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert!(res.body.contains("The current password is wrong."));
    let res = post(
        &app,
        "/me/password",
        &sid,
        &form(PW, "new-password-1", "new-password-2"),
    )
    .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    let res = post(
        &app,
        "/me/password",
        &sid,
        &form(PW, "new-password-1", "new-password-1"),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(get(&app, "/me", &sid).await.status, StatusCode::OK);
    assert_eq!(
        get(&app, "/me", &other_sid).await.status,
        StatusCode::SEE_OTHER
    );
    let db = Db::open(&path).unwrap();
    assert!(db.verify_login("lily", "new-password-1").unwrap().is_some());
    let actions: Vec<String> = db
        .audit_log(5)
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert!(actions.contains(&"user.password.own".to_string()));
    assert!(actions.contains(&"user.lang".to_string()));
}

#[tokio::test]
async fn a_too_short_new_password_is_not_counted_as_a_guess() {
    let (_dir, _path, app) = setup(false);
    let (sid, csrf) = login(&app, "lily").await;
    let form = format!("csrf={csrf}&current={}&password=short&again=short", enc(PW));
    for _ in 0..kefu_web::auth::MAX_FAILURES {
        let res = post(&app, "/me/password", &sid, &form).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.body);
    }
    // with the right current password, refusals of the new one do not lock the name out
    let res = post(&app, "/me/password", &sid, &form).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    login(&app, "lily").await;
}

/// Makes an API token through the form; returns it whole.
async fn new_token(app: &Router, sid: &str, csrf: &str, expires: &str) -> String {
    let res = post(
        app,
        "/settings/tokens",
        sid,
        &format!("csrf={csrf}&expires={expires}"),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let at = res.body.find("kefu_").expect("the token");
    res.body[at..at + 85].to_string()
}

/// Issue 10 item 5: tokens end with the password (changed or reset), may expire, show their
/// last use, and are capped per user.
#[tokio::test]
async fn api_tokens_expire_end_with_the_password_show_last_use_and_are_capped() {
    let (_dir, path, app) = setup(false);
    let (sid, csrf) = login(&app, "sup").await;
    let token = new_token(&app, &sid, &csrf, "30").await;
    let list = get(&app, "/settings/tokens?lang=en", &sid).await;
    assert!(list.body.contains("Never used"), "{}", list.body);
    assert!(!list.body.contains("No expiry</td>"), "{}", list.body);
    assert_eq!(api(&app, &token).await.status, StatusCode::OK);
    let list = get(&app, "/settings/tokens?lang=en", &sid).await;
    assert!(!list.body.contains("Never used"), "{}", list.body);
    let sql = rusqlite::Connection::open(&path).unwrap();
    let (created, expires, used): (i64, i64, i64) = sql
        .query_row(
            "SELECT created_at, expires_at, last_used_at FROM api_tokens",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(expires - created, 30 * 86_400);
    assert!(used >= created);
    drop(sql);

    // changing one's own password revokes one's tokens
    let form = format!("csrf={csrf}&current={PW}&password=another-pw1&again=another-pw1");
    let res = post(&app, "/me/password", &sid, &form).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(api(&app, &token).await.status, StatusCode::UNAUTHORIZED);

    // so does an admin's reset
    let token = new_token(&app, &sid, &csrf, "never").await;
    assert_eq!(api(&app, &token).await.status, StatusCode::OK);
    let (admin, admin_csrf) = login(&app, "admin").await;
    let sup_id = Db::open(&path).unwrap().user("sup").unwrap().unwrap().id;
    let res = post(
        &app,
        "/settings/user/password",
        &admin,
        &format!("csrf={admin_csrf}&id={sup_id}&password=third-password"),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(api(&app, &token).await.status, StatusCode::UNAUTHORIZED);
    assert!(
        get(&app, "/settings/tokens", &admin)
            .await
            .body
            .contains("还没有令牌")
    );

    // an expired token is refused and listed as expired; it no longer counts in the cap
    let (sid, csrf) = login(&app, "lily").await;
    let old = new_token(&app, &sid, &csrf, "7").await;
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute(
            "UPDATE api_tokens SET expires_at = ?1 WHERE key = ?2",
            rusqlite::params![kefu_store::users::now_secs() - 1, &old[5..21]],
        )
        .unwrap();
    assert_eq!(api(&app, &old).await.status, StatusCode::UNAUTHORIZED);
    assert!(
        get(&app, "/settings/tokens?lang=en", &sid)
            .await
            .body
            .contains("Expired")
    );
    for _ in 0..kefu_store::users::MAX_API_TOKENS {
        new_token(&app, &sid, &csrf, "").await;
    }
    let res = post(&app, "/settings/tokens", &sid, &format!("csrf={csrf}")).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert!(res.body.contains("最多持有 10 个"), "{}", res.body);
    assert_eq!(kefu_store::users::MAX_API_TOKENS, 10);
    // validities other than the offered ones are refused
    let res = post(
        &app,
        "/settings/tokens",
        &sid,
        &format!("csrf={csrf}&expires=5"),
    )
    .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
}

/// The audit rows of a page: (user, action).
fn audit_rows(body: &str) -> Vec<(String, String)> {
    let Some(start) = body.find("<tbody>") else {
        return Vec::new();
    };
    body[start..]
        .split("<tr>")
        .skip(1)
        .map(|r| {
            let cells: Vec<&str> = r
                .split("<td")
                .skip(1)
                .map(|c| &c[c.find('>').unwrap() + 1..c.find("</td>").unwrap()])
                .collect();
            (cells[1].to_string(), cells[2].to_string())
        })
        .collect()
}

/// Issue 10 item 10: a flood of entries does not hide a failed password change: the log is
/// paged and filtered by user, action and time range.
#[tokio::test]
async fn the_audit_log_is_paged_and_filtered() {
    let (_dir, path, app) = setup(false);
    let (sup, sup_csrf) = login(&app, "sup").await;
    let form = format!("csrf={sup_csrf}&current=wrong-one&password=another-pw1&again=another-pw1");
    assert_eq!(
        post(&app, "/me/password", &sup, &form).await.status,
        StatusCode::BAD_REQUEST
    );
    let db = Db::open(&path).unwrap();
    let lily = db.user("lily").unwrap().unwrap();
    for i in 0..250 {
        db.audit(Some(&lily), "user.lang", &format!("flood {i}"))
            .unwrap();
    }
    let total = db.audit_log(10_000).unwrap().len();
    drop(db);
    let (sid, _) = login(&app, "admin").await;
    let failed = ("sup".to_string(), "user.password.own_failed".to_string());

    let first = get(&app, "/audit", &sid).await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(audit_rows(&first.body).len(), 100);
    assert!(!audit_rows(&first.body).contains(&failed));

    // every entry once, page after page, through the "older" links
    let (mut seen, mut page, mut pages) = (Vec::new(), first, 1);
    loop {
        seen.extend(audit_rows(&page.body));
        let Some(at) = page.body.find("rel=\"next\"") else {
            break;
        };
        let href_at = page.body[..at].rfind("href=\"").unwrap() + 6;
        let href = page.body[href_at..at - 2].replace("&amp;", "&");
        page = get(&app, &href, &sid).await;
        assert_eq!(page.status, StatusCode::OK, "{href}");
        pages += 1;
    }
    assert_eq!(
        seen.len(),
        total + 1,
        "the admin's login came after the count"
    );
    assert!(pages >= 3);
    assert!(seen.contains(&failed));

    for uri in [
        "/audit?action=user.password.own_failed",
        "/audit?user=sup",
        "/audit?user=sup&action=user.password.own_failed&from=2000-01-01&to=2999-12-31",
    ] {
        let res = get(&app, uri, &sid).await;
        let rows = audit_rows(&res.body);
        assert!(rows.contains(&failed), "{uri}: {rows:?}");
        assert!(rows.iter().all(|(u, _)| u == "sup"), "{uri}: {rows:?}");
    }
    let today = kefu_core::time::Day((kefu_store::users::now_secs() / 86_400) as i32);
    let res = get(
        &app,
        &format!("/audit?action=user.lang&from={today}&to={today}"),
        &sid,
    )
    .await;
    assert_eq!(audit_rows(&res.body).len(), 100);
    assert!(
        res.body.contains("action=user.lang"),
        "the filter stays in the pager"
    );
    let res = get(&app, "/audit?user=lily&from=2000-01-01&to=2000-01-02", &sid).await;
    assert_eq!(audit_rows(&res.body), Vec::new());
    assert!(res.body.contains("没有符合条件的记录"));
    let res = get(&app, "/audit?from=yesterday", &sid).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    let res = get(&app, "/audit?action=user.lang", &sup).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
}

/// The CSRF guard: the token counts from the header or a urlencoded form's field, never from
/// the address of a form post; a wrong one is refused before the handler runs.
#[tokio::test]
async fn the_csrf_guard_takes_the_token_from_the_form_or_the_header_only() {
    let (_dir, _path, app) = setup(false);
    let (sid, csrf) = login(&app, "admin").await;
    let post_lang = |uri: String, token_header: Option<&str>, body: String| {
        let mut req = Request::post(uri)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, format!("kefu_session={sid}"));
        if let Some(t) = token_header {
            req = req.header("x-csrf-token", t);
        }
        req.body(Body::from(body)).unwrap()
    };
    let status = |req| async { send(&app, req).await.status };
    // in the form, or in the header: the language is saved (a redirect)
    let ok = post_lang("/me".into(), None, format!("csrf={csrf}&lang=en"));
    assert_eq!(status(ok).await, StatusCode::SEE_OTHER);
    let ok = post_lang("/me".into(), Some(&csrf), "lang=zh".into());
    assert_eq!(status(ok).await, StatusCode::SEE_OTHER);
    // in the address of a form post, wrong, or missing: refused
    let refused = [
        post_lang(format!("/me?csrf={csrf}"), None, "lang=en".into()),
        post_lang("/me".into(), Some(&"0".repeat(64)), "lang=en".into()),
        post_lang(
            "/me".into(),
            None,
            format!("csrf={}&lang=en", "0".repeat(64)),
        ),
        post_lang("/me".into(), None, "lang=en".into()),
    ];
    for req in refused {
        let res = send(&app, req).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        assert!(res.body.contains("表单已过期"), "{}", res.body);
    }
}
