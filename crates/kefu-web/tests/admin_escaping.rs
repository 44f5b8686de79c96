// The tests set up and inspect the database directly, past the access handles.
#![allow(clippy::disallowed_methods)]
//! Hostile free text on the settings, users, tokens, audit, roster, metric settings, import
//! and login pages: a store name, a user name, display and group names, an uploaded file's
//! name, a rejected value, a typed setting and audit filters each come back escaped on every
//! page that shows them, never as markup.

mod support;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use kefu_store::Db;
use support::*;

/// Free text that would run a script if a page inserted it unescaped.
const EVIL: &str = "<script>alert(1)</script>\"'&";
/// [`EVIL`] as a page shows it: `<`, `>`, `"` and `&` escaped (a `'` inside a double-quoted
/// attribute or in text is harmless either way).
const SHOWN: &str = "&lt;script&gt;alert(1)&lt;/script&gt;&quot;";
/// A file name: the last path component of what the browser sends, so without `/`, and
/// without `"` (it is quoted in the multipart header).
const EVIL_FILE: &str = "<x-file onclick='alert(1)'>&.csv";
const FILE_SHOWN: &str = "&lt;x-file onclick=";

const BOUNDARY: &str = "kefu-escaping-boundary-0f3c9a";

fn quoted(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// A roster file for the store [`EVIL`] with one good row (every text hostile) and one row
/// whose role is hostile (rejected).
fn roster() -> String {
    let e = quoted(EVIL);
    format!("account,name,group,role\n{e},{e},{e},presale\nother,x,y,{e}\n")
}

async fn upload(app: &Router, sid: &str, csrf: &str, skip_bad: bool, file: &str) -> Res {
    let mut body = Vec::new();
    let mut text = |name: &str, value: &str| {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    };
    text("store", EVIL);
    if skip_bad {
        text("skip_bad", "1");
    }
    body.extend_from_slice(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{EVIL_FILE}\"\r\n\
             Content-Type: text/csv\r\n\r\n{file}\r\n--{BOUNDARY}--\r\n"
        )
        .as_bytes(),
    );
    post_multipart(app, &format!("/import?csrf={csrf}"), sid, BOUNDARY, body).await
}

/// The page shows `shown` (the hostile text arrived) and no raw markup of it.
fn escaped(what: &str, res: &Res, shown: &str) {
    assert!(
        !res.body.contains("<script>alert") && !res.body.contains("<x-file"),
        "{what}: unescaped: {}",
        res.body
    );
    assert!(res.body.contains(shown), "{what}: not shown: {}", res.body);
}

#[tokio::test]
async fn admin_and_import_pages_escape_hostile_free_text() {
    let (_dir, path, app) = setup(false);
    let (sid, csrf) = login(&app, "admin").await;

    // An upload into a store named EVIL: the report shows the file name and rejected value.
    let res = upload(&app, &sid, &csrf, true, &roster()).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    escaped("import report", &res, FILE_SHOWN);
    escaped("import report", &res, SHOWN);
    // Without skipping bad rows the refusal names the file and the value.
    let res = upload(&app, &sid, &csrf, false, &roster()).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    escaped("import refusal", &res, FILE_SHOWN);
    // A supervisor naming a store not theirs is told its name.
    let (sup, sup_csrf) = login(&app, "sup").await;
    let res = upload(&app, &sup, &sup_csrf, true, &roster()).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
    escaped("import not your store", &res, SHOWN);

    // A user named EVIL, supervisor of the store EVIL, with an API token.
    let form = format!(
        "csrf={csrf}&name={n}&role=supervisor&password={PW}&store={n}&accounts=",
        n = enc(EVIL)
    );
    let res = post(&app, "/settings/users", &sid, &form).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let db = Db::open(&path).unwrap();
    let evil = db
        .users()
        .unwrap()
        .into_iter()
        .find(|u| u.name == EVIL)
        .expect("the user");
    db.create_api_token_until(&evil, None).unwrap();
    let store = db.store(EVIL).unwrap();
    // (the roster file's account, named EVIL, within the store EVIL)
    let accounts = db.accounts(store.id).unwrap();
    let account = accounts
        .iter()
        .find(|a| a.name.contains(EVIL))
        .unwrap_or_else(|| panic!("{:?}", accounts.iter().map(|a| &a.name).collect::<Vec<_>>()))
        .id;
    drop(db);
    // Adding a user into an unknown store repeats the name typed.
    let form = format!(
        "csrf={csrf}&name=someone&role=supervisor&password={PW}&store={}x",
        enc(EVIL)
    );
    let res = post(&app, "/settings/users", &sid, &form).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.body);
    escaped("add user refused", &res, SHOWN);

    // The roster: a refused role names the account; display and group names saved as typed.
    let s = enc(EVIL);
    let res = post(
        &app,
        "/settings/roster",
        &sid,
        &format!("csrf={csrf}&store={s}&name.{account}={s}&role.{account}=boss"),
    )
    .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.body);
    escaped("roster refused", &res, SHOWN);
    let res = post(
        &app,
        "/settings/roster",
        &sid,
        &format!("csrf={csrf}&store={s}&name.{account}={s}&group.{account}={s}&role.{account}="),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    // (the roster's fields keep the escaping of `'` they had before templates)
    escaped(
        "roster saved",
        &res,
        "value=\"&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;\"",
    );

    // A setting typed as hostile text comes back in its field, with the error.
    let mut form = format!("csrf={csrf}&store={s}");
    for (k, v) in [
        ("slow_response_secs", "120"),
        ("slow_response_rounds", "1"),
        ("conversion_window_days", "1"),
        ("after_sale_days", "0"),
        ("reminder_window_hours", "24"),
        ("service_hours", EVIL),
    ] {
        form.push_str(&format!("&{k}={}", enc(v)));
    }
    let res = post(&app, "/settings/metrics", &sid, &form).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.body);
    escaped("metric settings refused", &res, SHOWN);
    assert!(
        res.body.contains("id=\"service_hours-error\""),
        "{}",
        res.body
    );

    // Every page that lists these names, for the admin.
    let pages = [
        "/settings".to_string(),
        format!("/settings/user?id={}", evil.id),
        "/settings/tokens".to_string(),
        "/audit".to_string(),
        format!("/audit?user={s}&from=&to="),
        format!("/settings/metrics?store={s}"),
        format!("/settings/roster?store={s}"),
        format!("/settings/roster?store={}", enc(STORE)),
        "/import".to_string(),
    ];
    for uri in &pages {
        let res = get(&app, uri, &sid).await;
        assert_eq!(res.status, StatusCode::OK, "{uri}: {}", res.body);
        escaped(uri, &res, SHOWN);
    }
    // The audit log names the uploaded file and the hostile user in its details.
    let audit = get(&app, "/audit", &sid).await;
    escaped("audit", &audit, FILE_SHOWN);

    // The login page, in both languages: no free text, and nothing unescaped.
    for uri in ["/login", "/login?lang=en"] {
        let page = send(&app, Request::get(uri).body(Body::empty()).unwrap()).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("class=\"login\""), "{}", page.body);
        assert!(!page.body.contains("<script"));
    }
}
