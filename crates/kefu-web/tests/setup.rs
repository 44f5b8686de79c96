// The tests inspect the database directly, past the access handles.
#![allow(clippy::disallowed_methods)]
//! First run: a fresh database's start page leads managers to the setup page, which creates
//! the store with its time zone, service hours and platform, audited, and then points to the
//! first files.

mod support;

use axum::http::{StatusCode, header};
use kefu_core::settings::Config;
use kefu_store::Db;
use support::{enc, get, login, post, setup};

fn form(csrf: &str, name: &str, tz: &str, hours: &str, platform: &str) -> String {
    format!(
        "csrf={csrf}&name={}&timezone={}&service_hours={}&platform={platform}",
        enc(name),
        enc(tz),
        enc(hours)
    )
}

#[tokio::test]
async fn a_fresh_database_sets_up_its_store_then_imports() {
    let (_dir, path, app) = setup(true);
    let (sid, csrf) = login(&app, "admin").await;
    // the empty state
    let home = get(&app, "/", &sid).await;
    assert_eq!(home.status, StatusCode::SEE_OTHER);
    assert_eq!(home.headers[header::LOCATION], "/setup?lang=zh-CN");
    let page = get(&app, "/setup", &sid).await;
    assert_eq!(page.status, StatusCode::OK);
    for label in [
        "店铺名称",
        "时区",
        "客服服务时间",
        "平台",
        "第二步：导入第一批文件",
    ] {
        assert!(page.body.contains(label), "{label}");
    }
    let en = get(&app, "/setup?lang=en", &sid).await;
    assert!(en.body.contains("Service hours") && en.body.contains("Create the store"));

    // Each mistake next to its field, in the page's language; nothing created.
    let bad = post(
        &app,
        "/setup",
        &sid,
        &form(&csrf, " ", "+25:00", "8点到晚上", "amazon"),
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    for said in [
        "请填写店铺名称",
        "时区应写成 +08:00 这样",
        "服务时间应写成 08:00-24:00",
        "请选择平台",
    ] {
        assert!(bad.body.contains(said), "{said}");
    }
    let bad = post(
        &app,
        "/setup?lang=en",
        &sid,
        &form(&csrf, "a:b", "+08:00", "08:00-24:00", "tmall"),
    )
    .await;
    assert!(bad.body.contains("no colon"), "{}", bad.body);
    assert!(Db::open(&path).unwrap().stores().unwrap().is_empty());

    // Without the form's token nothing happens.
    let stale = post(
        &app,
        "/setup",
        &sid,
        &form("x", "东京店", "+09:00", "09:00-21:00", "tmall"),
    )
    .await;
    assert_eq!(stale.status, StatusCode::FORBIDDEN);

    let made = post(
        &app,
        "/setup",
        &sid,
        &form(
            &csrf,
            "东京店",
            "+09:00",
            "09:00-21:00,22:00-02:00",
            "tmall",
        ),
    )
    .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let next = made.headers[header::LOCATION].to_str().unwrap().to_string();
    assert_eq!(next, format!("/setup?store={}&lang=zh-CN", enc("东京店")));
    let step2 = get(&app, &next, &sid).await;
    assert_eq!(step2.status, StatusCode::OK);
    assert!(step2.body.contains("已创建店铺"));
    // the import form with the store filled in, the templates and the column guide
    assert!(
        step2
            .body
            .contains("name=\"store\" list=\"stores\" maxlength=\"64\" value=\"东京店\"")
    );
    assert!(step2.body.contains("/import/template?kind="));
    assert!(step2.body.contains("填写说明"));

    let db = Db::open(&path).unwrap();
    let config = db.with_saved_settings(&Config::default()).unwrap();
    let s = config.store("东京店");
    assert_eq!(s.timezone.to_string(), "+09:00");
    assert_eq!(
        s.metrics.service_hours.to_string(),
        kefu_core::settings::ServiceHours::parse("09:00-21:00,22:00-02:00")
            .unwrap()
            .to_string()
    );
    assert_eq!(s.metrics.platform.as_str(), "tmall");
    let audit = db.audit_log(10).unwrap();
    assert!(
        audit.iter().any(
            |a| a.action == "store.create" && a.detail.contains("store=东京店 timezone=+09:00")
        ),
        "{audit:?}"
    );
    // A second store of the same name is refused at the name.
    let again = post(
        &app,
        "/setup",
        &sid,
        &form(&csrf, "东京店", "+08:00", "08:00-24:00", "taobao"),
    )
    .await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert!(again.body.contains("已有同名店铺"));
    // With a store, the start page is the store's.
    assert_eq!(get(&app, "/", &sid).await.status, StatusCode::OK);
}

#[tokio::test]
async fn supervisors_set_up_their_own_store_and_agents_none() {
    let (_dir, path, app) = setup(true);
    let (sid, csrf) = login(&app, "sup").await;
    let made = post(
        &app,
        "/setup",
        &sid,
        &form(&csrf, "分店", "+08:00", "08:00-24:00", "pdd"),
    )
    .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let db = Db::open(&path).unwrap();
    let store = db.store("分店").unwrap();
    let sup = db.user("sup").unwrap().unwrap();
    assert_eq!(db.user_stores(&sup).unwrap(), vec![store.id]);
    // the store is theirs to import into
    let import = get(&app, "/import", &sid).await;
    assert!(
        import.body.contains("<option value=\"分店\">"),
        "{}",
        import.body
    );
    for who in ["lily", "qa"] {
        let (s, c) = login(&app, who).await;
        assert_eq!(get(&app, "/setup", &s).await.status, StatusCode::FORBIDDEN);
        let refused = post(
            &app,
            "/setup",
            &s,
            &form(&c, "x", "+08:00", "08:00-24:00", "pdd"),
        )
        .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
    }
    // A store that is not the supervisor's is not shown as their next step.
    db.create_store("别人的店", None).unwrap();
    assert_eq!(
        get(&app, &format!("/setup?store={}", enc("别人的店")), &sid)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn token_and_settings_times_are_on_the_stores_clock() {
    let (_dir, path, app) = setup(false);
    let (sid, csrf) = login(&app, "admin").await;
    let made = post(
        &app,
        "/settings/tokens",
        &sid,
        &format!("csrf={csrf}&expires=30"),
    )
    .await;
    assert!(
        made.status.is_success() || made.status.is_redirection(),
        "{}",
        made.body
    );
    let page = get(&app, "/settings/tokens", &sid).await;
    assert!(page.body.contains("时间按 UTC+08:00"), "{}", page.body);
    assert!(!page.body.contains(" UTC<"), "{}", page.body);
    // the token's creation time, on the clock of the configured zone (+08:00)
    let db = Db::open(&path).unwrap();
    let t = &db.api_tokens(None).unwrap()[0];
    let local = kefu_core::time::format_time((t.created_at + 8 * 3600) * 1000);
    assert!(
        page.body.contains(&format!("<td>{local}</td>")),
        "{local}\n{}",
        page.body
    );
    // the expiry written into the audit log says its zone
    let audit = db.audit_log(5).unwrap();
    assert!(
        audit
            .iter()
            .any(|a| a.action == "token.add" && a.detail.ends_with("UTC+08:00")),
        "{audit:?}"
    );
    // "saved by … at …" of a store's settings, in the store's zone
    let store = db.store(support::STORE).unwrap();
    let mut m = Config::default().default.metrics;
    m.slow_response_secs += 1;
    let mut db = db;
    db.save_store_settings(&store, &m, None).unwrap();
    let settings = get(
        &app,
        &format!("/settings/metrics?store={}", enc(support::STORE)),
        &sid,
    )
    .await;
    assert!(settings.body.contains("(UTC+08:00)"), "{}", settings.body);
}
