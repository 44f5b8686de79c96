// The tests set up and inspect the database directly, past the access handles.
#![allow(clippy::disallowed_methods)]
//! The plan pages show every free text escaped: store, account and user names from imports
//! and the user list, the names and notes a plan's author writes into its text (plan, manual
//! item, gate, pay component and grade names, comments), and values typed into the editor.
//! Each field carries its own hostile text, so that a failure names the field.

mod support;

use std::path::Path;

use axum::http::StatusCode;
use kefu_plan::Month;
use kefu_store::{Db, UserRole};
use support::{PW, STORE, csv_quote, enc, get, import_files, login, post, setup};

const PRESALE: &str = include_str!("../../../plans/presale.toml");

const H_STORE: &str = "<script>alert('store')</script>\"'&";
const H_ACCOUNT: &str = "晨光旗舰店:<script>alert('account')</script>\"'&";
const H_USER: &str = "<script>alert('user')</script>\"'&";
const H_PLAN: &str = "<script>alert('plan')</script>\"'&";
const H_MANUAL: &str = "<script>alert('manual')</script>\"'&";
const H_GATE: &str = "<script>alert('gate')</script>\"'&";
const H_PAY: &str = "<script>alert('pay')</script>\"'&";
const H_GRADE: &str = "<script>alert('grade')</script>\"'&";
const H_NOTE: &str = "<script>alert('note')</script>\"'&";
const H_TYPED: &str = "<script>alert('typed')</script>\"'&";

fn nov() -> Month {
    Month::parse("2026-11").unwrap()
}

/// `s` as HTML text: what a page must show for it.
fn escaped(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `s` as a TOML basic string.
fn toml_str(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The presale plan with every name its author writes made hostile, and a hostile comment.
fn hostile_plan() -> String {
    let mut toml = format!("# {H_NOTE}\n{PRESALE}");
    for (from, to) in [
        ("售前绩效方案", H_PLAN.to_string()),
        ("平时表现", H_MANUAL.to_string()),
        ("质检不合格", H_GATE.to_string()),
        ("阶梯提成", H_PAY.to_string()),
        ("金牌", format!("{H_GRADE}1")),
        ("银牌", format!("{H_GRADE}2")),
        ("铜牌", format!("{H_GRADE}3")),
        ("待提升", format!("{H_GRADE}4")),
    ] {
        let field = format!("name = \"{from}\"");
        assert!(toml.contains(&field), "{field}");
        toml = toml.replace(&field, &format!("name = {}", toml_str(&to)));
    }
    toml
}

/// A presale agent with a hostile name and a conversation in November, in `store`.
fn import_hostile_account(path: &Path, store: &str, folder: &str) {
    let account = csv_quote(H_ACCOUNT);
    let files = [
        (
            "agents.csv",
            format!("account,name,group,role\n{account},Hostile,,presale\n"),
        ),
        (
            "messages.csv",
            format!(
                "time,buyer,account,sender,text\n\
                 2026-11-12 10:00:00,buyer-h,{account},buyer,hi\n\
                 2026-11-12 10:01:00,buyer-h,{account},agent,hello\n"
            ),
        ),
    ];
    import_files(path, store, folder, &files);
}

/// Asserts that `body` shows each of `shown` escaped and no hostile text unescaped.
#[track_caller]
fn check(what: &str, body: &str, shown: &[&str]) {
    // Apostrophes may be written `&#39;` (the older helper) or as they are: both are safe.
    let body = body.replace("&#39;", "'");
    if let Some(at) = body.find("<script") {
        let around: String = body[at..].chars().take(120).collect();
        panic!("{what}: unescaped free text: {around}…");
    }
    for s in shown {
        assert!(
            body.contains(&escaped(s)),
            "{what}: `{s}` not shown escaped\n{body}"
        );
    }
}

#[tokio::test]
async fn plan_pages_escape_hostile_free_text() {
    let (_dir, path, app) = setup(false);
    import_hostile_account(&path, STORE, "hostile-1");
    import_hostile_account(&path, H_STORE, "hostile-2");
    let version = {
        let mut db = Db::open(&path).unwrap();
        let (s1, s2) = (db.store(STORE).unwrap(), db.store(H_STORE).unwrap());
        db.create_user(H_USER, UserRole::Supervisor, PW).unwrap();
        db.save_plan_version(
            "presale",
            nov(),
            &hostile_plan(),
            Some(H_USER),
            &[s1.id, s2.id],
        )
        .unwrap();
        db.plan_versions().unwrap()[0].id
    };
    let (sid, csrf) = login(&app, "admin").await;
    let (store, h_store) = (enc(STORE), enc(H_STORE));
    let month = "month=2026-11&plan=presale&lang=en";
    let (plan_name_text, manual_name_text) = (toml_str(H_PLAN), toml_str(H_MANUAL));
    let pages = [
        (
            format!("/plans?store={store}&{month}"),
            vec![H_STORE, H_PLAN, H_USER],
        ),
        (
            format!("/plans/run?store={store}&{month}"),
            vec![H_STORE, H_PLAN, H_ACCOUNT, H_PAY],
        ),
        (
            format!("/plans/run?store={h_store}&{month}"),
            vec![H_STORE, H_PLAN, H_ACCOUNT],
        ),
        (
            format!(
                "/plans/payslip?store={store}&{month}&account={}",
                enc(H_ACCOUNT)
            ),
            vec![H_PLAN, H_ACCOUNT, H_GATE, H_PAY],
        ),
        (
            format!("/plans/scores?store={store}&{month}"),
            vec![H_PLAN, H_ACCOUNT, H_MANUAL],
        ),
        (
            format!("/plans/scores?store={h_store}&{month}"),
            vec![H_STORE, H_PLAN, H_ACCOUNT],
        ),
        (
            format!("/plans/edit?as=toml&store={store}&month=2026-11&version={version}&lang=en"),
            // the plan's text as written: its strings in TOML quotes
            vec![H_NOTE, &plan_name_text, &manual_name_text],
        ),
        (
            // the form: the strings themselves as the controls' values
            format!("/plans/edit?store={store}&month=2026-11&version={version}&lang=en"),
            vec![H_PLAN, H_MANUAL],
        ),
        // typed into the address: the error page repeats it
        (
            format!("/plans?store={store}&month={}&lang=en", enc(H_TYPED)),
            vec![H_TYPED],
        ),
        (
            format!(
                "/plans/run?store={store}&month=2026-11&plan={}",
                enc(H_TYPED)
            ),
            vec![H_TYPED],
        ),
    ];
    for (uri, shown) in &pages {
        let res = get(&app, uri, &sid).await;
        check(uri, &res.body, shown);
    }
    // The ranking shows the grades' names.
    let ranking = get(&app, &format!("/plans/run?store={store}&{month}"), &sid).await;
    assert!(
        ranking.body.contains("&lt;script&gt;alert('grade')"),
        "{}",
        ranking.body
    );

    // Values typed into the editor come back escaped, in the message and in the form.
    let form = |toml: &str, valid_from: &str| {
        format!(
            "csrf={csrf}&store={store}&month=2026-11&valid_from={}&toml={t}&base={t}",
            enc(valid_from),
            t = enc(toml),
        )
    };
    let plan = hostile_plan();
    let saved = post(&app, "/plans/save?lang=en", &sid, &form(&plan, H_TYPED)).await;
    assert_eq!(saved.status, StatusCode::BAD_REQUEST, "{}", saved.body);
    check("save with a typed month", &saved.body, &[H_TYPED, H_NOTE]);
    assert!(
        saved.body.contains(&format!(
            "name=\"valid_from\" value=\"{}\"",
            escaped(H_TYPED)
        )),
        "{}",
        saved.body
    );
    let preview = post(
        &app,
        "/plans/preview?lang=en",
        &sid,
        &form(&plan, "2026-12"),
    )
    .await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    check(
        "preview",
        &preview.body,
        &[H_PLAN, H_ACCOUNT, H_PAY, H_NOTE],
    );
    let broken = plan.replace("id = \"presale\"", &format!("id = {}", toml_str(H_TYPED)));
    let refused = post(
        &app,
        "/plans/preview?lang=en",
        &sid,
        &form(&broken, "2026-12"),
    )
    .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    // the text area repeats the plan as typed, its id in TOML quotes
    check(
        "an invalid plan",
        &refused.body,
        &[&toml_str(H_TYPED), H_NOTE],
    );
    assert!(refused.body.contains("class=\"error\""), "{}", refused.body);
}
