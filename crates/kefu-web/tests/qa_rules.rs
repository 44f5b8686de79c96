// The tests set up and inspect the database directly, past the access handles.
#![allow(clippy::disallowed_methods)]
//! Automatic quality rules in the web app: the rule form and its versions, the test box,
//! hits per 100 receptions with their receptions, the marked transcript, and who sees what.

mod support;

use std::path::{Path, PathBuf};

use axum::Router;
use axum::http::StatusCode;
use kefu_core::settings::Config;
use kefu_qa::rules::RuleSet;
use kefu_store::{Db, UserRole};
use kefu_web::{AppState, router};
use support::{PW, enc, get, login, post, row};

const STORE: &str = "测试店";

/// The store of `testdata/qa`, its hits worked out by hand in its README: 小美 has
/// forbidden_phrases, no_greeting, unpaid_not_reminded and the warm_wishes bonus over 2
/// receptions; 阿强 has off_platform, slow_round, long_wait_no_apology and unanswered_round
/// over 2.
fn hand_input() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/qa/input")
}

/// The store above, users admin, sup (supervisor of the store), qa (assigned too) and lily
/// (agent, linked to 测试店:小美).
fn setup() -> (tempfile::TempDir, PathBuf, Router) {
    setup_with(Config::default())
}

/// [`setup`] with the server started on `config` (as `kefu serve --config`).
fn setup_with(config: Config) -> (tempfile::TempDir, PathBuf, Router) {
    let dir = tempfile::tempdir().unwrap();
    let input = hand_input();
    let path = dir.path().join("k.db");
    let mut db = Db::open(&path).unwrap();
    let mut opts = kefu_import::ImportOptions::new(&config);
    opts.default_store = Some(STORE.to_string());
    let files = vec![input.join("messages.csv"), input.join("orders.csv")];
    let out = kefu_import::read_files(&files, &opts, &|_, _| {}).unwrap();
    db.import(out.batch, &config).unwrap();
    db.create_user("admin", UserRole::Admin, PW).unwrap();
    let sup = db.create_user("sup", UserRole::Supervisor, PW).unwrap();
    let qa = db.create_user("qa", UserRole::Qa, PW).unwrap();
    let lily = db.create_user("lily", UserRole::Agent, PW).unwrap();
    let store = db.store(STORE).unwrap();
    db.assign_store(&sup, store.id).unwrap();
    db.assign_store(&qa, store.id).unwrap();
    let mei = db
        .accounts(store.id)
        .unwrap()
        .into_iter()
        .find(|a| a.name == "测试店:小美")
        .unwrap();
    db.link_account(&lily, store.id, mei.id).unwrap();
    drop(db);
    (dir, path.clone(), router(AppState::new(path, config)))
}

fn week(extra: &str) -> String {
    format!(
        "/qa/hits?store={}&period=week&date=2026-11-10&lang=en{extra}",
        enc(STORE)
    )
}

async fn run_rules(app: &Router, sid: &str, csrf: &str) -> support::Res {
    post(
        app,
        "/qa/run",
        sid,
        &format!(
            "csrf={csrf}&store={}&from=2026-11-09&to=2026-11-15",
            enc(STORE)
        ),
    )
    .await
}

#[tokio::test]
async fn hits_per_100_receptions_by_account_and_store() {
    let (_dir, _path, app) = setup();
    let (sid, csrf) = login(&app, "sup").await;
    let before = get(&app, &week(""), &sid).await;
    assert!(before.body.contains("have not been run"), "{}", before.body);
    let ran = run_rules(&app, &sid, &csrf).await;
    assert_eq!(ran.status, StatusCode::SEE_OTHER, "{}", ran.body);
    let page = get(&app, &week(""), &sid).await;
    assert_eq!(page.status, StatusCode::OK);
    // Columns: receptions, then the enabled rules in file order (no summed points, issue 14
    // item 6): forbidden_phrases,
    // off_platform, no_greeting, irregular_closing, repeated_rating_invite,
    // long_wait_no_apology, missed_follow_up, buyer_repeats, buyer_anger, slow_round,
    // unanswered_round, unpaid_not_reminded, warm_wishes (no_rating_invite and
    // shift_end_unanswered ship switched off).
    let mei = row(&page.body, "测试店:小美");
    assert_eq!(mei[1], "2");
    assert_eq!(mei[2], "50.0", "forbidden_phrases: 1 of 2");
    assert_eq!(mei[3], "0.0", "off_platform");
    assert_eq!(mei[13], "50.0", "unpaid_not_reminded");
    let qiang = row(&page.body, "测试店:阿强");
    assert_eq!(qiang[1], "2");
    assert_eq!(qiang[3], "50.0");
    let store = row(&page.body, "Whole store");
    assert_eq!(store[1], "4");
    assert_eq!(store[2], "25.0");
    assert_eq!(store[11], "25.0", "slow_round: 1 of 4");
    assert!(!page.body.contains("-33"), "no summed points");
    // The week after shows this week as its previous period: the trend.
    let next = get(
        &app,
        &format!(
            "/qa/hits?store={}&period=week&date=2026-11-17&lang=en",
            enc(STORE)
        ),
        &sid,
    )
    .await;
    let label = "Previous 2026-11-09 … 2026-11-15</a></td>";
    let at = next.body.find(label).expect("previous row") + label.len();
    let prev = &next.body[at..at + next.body[at..].find("</tr>").unwrap()];
    assert!(
        prev.starts_with("<td class=\"num\">4</td><td class=\"num\">25.0</td>"),
        "{prev}"
    );
    // By store: one row.
    let by_store = get(&app, &week("&by=store"), &sid).await;
    assert_eq!(row(&by_store.body, STORE)[1..3], ["4", "25.0"]);

    // Each rule per 100 receptions, most severe first, then the highest rate; and each
    // severity (issue 14 item 6), with a chart of the rules that hit.
    let start = page.body.find("id=\"rules\"").expect("the rules table");
    let table = &page.body[start..start + page.body[start..].find("</table>").unwrap()];
    let rules: Vec<Vec<String>> = table.split("<tr>").skip(2).map(support::cells).collect();
    assert_eq!(rules.len(), 13, "every enabled rule");
    let rank = |s: &str| {
        ["critical", "high", "medium", "low"]
            .iter()
            .position(|x| *x == s)
            .unwrap()
    };
    let keys: Vec<(usize, f64)> = rules
        .iter()
        .map(|r| (rank(&r[1]), r[3].parse::<f64>().unwrap()))
        .collect();
    assert!(
        keys.windows(2)
            .all(|w| w[0].0 < w[1].0 || (w[0].0 == w[1].0 && w[0].1 >= w[1].1)),
        "{keys:?}"
    );
    // slow_round: 1 of the store's 4 receptions
    let slow = rules
        .iter()
        .find(|r| r[0] == "Slow answer")
        .expect("slow_round");
    assert_eq!(slow[1..4], ["medium", "1", "25.0"]);
    let hits: u64 = rules.iter().map(|r| r[2].parse::<u64>().unwrap()).sum();
    assert!(hits > 0);
    assert!(page.body.contains("class=\"qa-severities\""));
    assert!(
        page.body
            .contains("<svg role=\"img\" aria-label=\"Hits per 100 receptions\"")
    );
    // Both tables download, with a BOM, the page's numbers.
    let csv = get(&app, &week("&export=csv&table=rules"), &sid).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.body
            .starts_with("\u{FEFF}Rule,Severity,Hits,Hits per 100 receptions,"),
        "{}",
        csv.body
    );
    assert_eq!(csv.body.lines().count(), 14);
    let matrix = get(&app, &week("&export=csv&table=matrix"), &sid).await;
    assert!(
        matrix
            .body
            .lines()
            .any(|l| l.starts_with("Whole store,4,25.0,")),
        "{}",
        matrix.body
    );
    let xlsx = get(&app, &week("&export=xlsx"), &sid).await;
    assert_eq!(xlsx.status, StatusCode::OK);
    assert!(
        xlsx.headers[axum::http::header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .contains("qa-hits-2026-11-09-2026-11-15.xlsx")
    );

    // A figure links to its receptions, each to its marked transcript.
    let listed = get(
        &app,
        &week(&format!(
            "&rule=forbidden_phrases&account={}",
            enc("测试店:小美")
        )),
        &sid,
    )
    .await;
    let link = format!(
        "/qa/reception?store={}&amp;account={}&amp;buyer=b2&amp;day=2026-11-10",
        enc(STORE),
        enc("测试店:小美")
    );
    assert!(listed.body.contains(&link), "{}", listed.body);
    assert!(
        !listed.body.contains("buyer=b1"),
        "b1 has no forbidden phrase"
    );
    let reception = get(&app, &link.replace("&amp;", "&"), &sid).await;
    assert_eq!(reception.status, StatusCode::OK);
    assert!(
        reception.body.contains("<mark>随便你</mark>"),
        "{}",
        reception.body
    );
    assert!(reception.body.contains("<code>forbidden_phrases</code>"));
    assert!(reception.body.contains("class=\"msg agent flagged\""));

    // The main transcript page marks the same message, and only that one.
    let full = get(
        &app,
        &link
            .replace("&amp;", "&")
            .replace("/qa/reception?", "/reception?"),
        &sid,
    )
    .await;
    assert_eq!(full.status, StatusCode::OK);
    assert!(full.body.contains("<mark>随便你</mark>"), "{}", full.body);
    assert_eq!(full.body.matches("flagged\"").count(), 1, "{}", full.body);
    assert!(full.body.contains("⚑ Forbidden") || full.body.contains("⚑ 服务禁忌用语"));
}

#[tokio::test]
async fn the_run_button_times_waits_on_the_service_hours_the_server_was_started_with() {
    // 阿强's buyer wrote at 12:00 and was answered at 12:10 (slow_round and
    // long_wait_no_apology by default). Under `kefu serve --config` with service from 12:10
    // none of that wait lies in service hours: neither rule fires.
    let config = Config::parse("[metrics]\nservice_hours = \"12:10-24:00\"\n").unwrap();
    let (_dir, _path, app) = setup_with(config);
    let (sid, csrf) = login(&app, "sup").await;
    let ran = run_rules(&app, &sid, &csrf).await;
    assert_eq!(ran.status, StatusCode::SEE_OTHER, "{}", ran.body);
    let page = get(&app, &week(""), &sid).await;
    let qiang = row(&page.body, "测试店:阿强");
    assert_eq!(qiang[3], "50.0", "off_platform still fires");
    let store = row(&page.body, "Whole store");
    assert_eq!(
        store[11], "0.0",
        "slow_round: the wait lay outside service hours"
    );
    assert_eq!(store[7], "0.0", "long_wait_no_apology likewise");

    // The same store on the default hours: both fire (the test above, and the contrast).
    let (_dir, _path, app) = setup();
    let (sid, csrf) = login(&app, "sup").await;
    run_rules(&app, &sid, &csrf).await;
    let page = get(&app, &week(""), &sid).await;
    let store = row(&page.body, "Whole store");
    assert_eq!(store[11], "25.0");
    assert_eq!(store[7], "25.0");
}

#[tokio::test]
async fn agents_see_only_their_own_hits() {
    let (_dir, _path, app) = setup();
    let (sid, csrf) = login(&app, "sup").await;
    run_rules(&app, &sid, &csrf).await;
    let (lily, lily_csrf) = login(&app, "lily").await;
    let page = get(&app, &week("&by=store"), &lily).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("测试店:小美"));
    assert!(!page.body.contains("测试店:阿强"));
    assert!(
        !page.body.contains("Whole store"),
        "no store row for agents"
    );
    // Asking for another agent's receptions lists nothing.
    let other = get(&app, &week("&rule=off_platform"), &lily).await;
    assert!(!other.body.contains("buyer=b3"), "{}", other.body);
    let reception = get(
        &app,
        &format!(
            "/qa/reception?store={}&account={}&buyer=b3&day=2026-11-10",
            enc(STORE),
            enc("测试店:阿强")
        ),
        &lily,
    )
    .await;
    assert_eq!(reception.status, StatusCode::NOT_FOUND);
    // Agents and QA read but do not run or change rules.
    assert_eq!(
        run_rules(&app, &lily, &lily_csrf).await.status,
        StatusCode::FORBIDDEN
    );
    let (qa, qa_csrf) = login(&app, "qa").await;
    assert_eq!(
        run_rules(&app, &qa, &qa_csrf).await.status,
        StatusCode::FORBIDDEN
    );
    let rules = get(
        &app,
        &format!("/qa/rules?store={}&lang=en", enc(STORE)),
        &qa,
    )
    .await;
    assert!(
        rules
            .body
            .contains("Only admins and supervisors change the rules")
    );
    let saved = post(
        &app,
        "/qa/rules",
        &qa,
        &format!("csrf={qa_csrf}&store={}&mode=toml&toml=", enc(STORE)),
    )
    .await;
    assert_eq!(saved.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn rules_are_edited_validated_and_versioned() {
    let (_dir, path, app) = setup();
    let (sid, csrf) = login(&app, "sup").await;
    let page = get(&app, &format!("/qa/rules?store={}", enc(STORE)), &sid).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("当前使用默认规则"));
    assert!(page.body.contains("服务禁忌用语"));
    assert!(page.body.contains("name=\"r0.keywords\""));

    // A TOML with a mistake: named by line and field, nothing saved.
    let bad = "[[rule]]\nid = \"x\"\nkind = \"slow_round\"\ncategory = \"taboo\"\nseverity = \"low\"\nscore = 1\nseconds = -3\n";
    let res = post(
        &app,
        "/qa/rules?lang=en",
        &sid,
        &format!(
            "csrf={csrf}&store={}&mode=toml&toml={}",
            enc(STORE),
            enc(bad)
        ),
    )
    .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert!(
        res.body
            .contains("line 7: rule x: seconds: must be a whole number from 0 to 100000"),
        "{}",
        res.body
    );

    // The same in Chinese, the default language.
    let res = post(
        &app,
        "/qa/rules",
        &sid,
        &format!(
            "csrf={csrf}&store={}&mode=toml&toml={}",
            enc(STORE),
            enc(bad)
        ),
    )
    .await;
    assert!(
        res.body
            .contains("第 7 行：rule x: seconds: 须是 0 到 100000 的整数"),
        "{}",
        res.body
    );

    // The form: rule 0 keeps on with a new score and keyword list; rules not switched on in
    // the form are off.
    let form = format!(
        "csrf={csrf}&store={}&mode=form&r0.enabled=on&r0.score=-8&r0.keywords={}&r10.enabled=on&r10.seconds=60",
        enc(STORE),
        enc("随便你\n爱买不买\n")
    );
    let res = post(&app, "/qa/rules", &sid, &form).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let saved = {
        let db = Db::open(&path).unwrap();
        let store = db.store(STORE).unwrap();
        db.qa_rules(store.id).unwrap().expect("saved")
    };
    assert_eq!((saved.version, saved.author.as_str()), (1, "sup"));
    let set = RuleSet::parse(&saved.toml).unwrap();
    let r0 = &set.rules()[0];
    assert_eq!((r0.enabled, r0.score), (true, -8));
    assert_eq!(
        r0.params.keywords,
        Some(vec!["随便你".to_string(), "爱买不买".to_string()])
    );
    assert_eq!(set.rules()[10].params.seconds, Some(60));
    assert_eq!(set.rules().iter().filter(|r| r.enabled).count(), 2);
    let page = get(
        &app,
        &format!("/qa/rules?store={}&saved=1", enc(STORE)),
        &sid,
    )
    .await;
    assert!(page.body.contains("规则版本 v1"), "{}", page.body);

    // A bad form value is named with its rule and field.
    let res = post(
        &app,
        "/qa/rules?lang=en",
        &sid,
        &format!(
            "csrf={csrf}&store={}&mode=form&r0.enabled=on&r0.score=lots",
            enc(STORE)
        ),
    )
    .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert!(
        res.body.contains("rule forbidden_phrases: score"),
        "{}",
        res.body
    );
    // A required parameter emptied is refused too.
    let res = post(
        &app,
        "/qa/rules?lang=en",
        &sid,
        &format!(
            "csrf={csrf}&store={}&mode=form&r10.enabled=on&r10.seconds=",
            enc(STORE)
        ),
    )
    .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert!(
        res.body
            .contains("rule slow_round: seconds: kind slow_round needs it"),
        "{}",
        res.body
    );

    // The next run uses the saved version: with 60 s 阿强's 10-minute answer is still slow,
    // and only two rules count.
    run_rules(&app, &sid, &csrf).await;
    let page = get(&app, &week(""), &sid).await;
    let qiang = row(&page.body, "测试店:阿强");
    assert_eq!(qiang[1], "2");
    let hit: Vec<&String> = qiang[2..].iter().filter(|c| *c != "0.0").collect();
    assert_eq!(hit, ["50.0"], "only slow_round hits 阿强 now");
    assert_eq!(
        qiang.len(),
        4,
        "two rules on: forbidden_phrases and slow_round"
    );
    assert_eq!(qiang[3], "50.0", "slow_round");

    // Without the session's token nothing is saved.
    let res = post(
        &app,
        "/qa/rules",
        &sid,
        &format!("csrf={}&store={}&mode=form", "0".repeat(64), enc(STORE)),
    )
    .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
}

/// The test box's answer to `chat` (no store, in English).
async fn test_box(app: &Router, sid: &str, csrf: &str, chat: &str) -> support::Res {
    let res = post(
        app,
        "/qa/test?lang=en",
        sid,
        &format!("csrf={csrf}&chat={}", enc(chat)),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res
}

#[tokio::test]
async fn the_test_box_shows_fired_rules_and_matched_text() {
    let (_dir, _path, app) = setup();
    let (sid, csrf) = login(&app, "lily").await;
    let page = get(&app, "/qa/test", &sid).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("buyer 10:00:01 在吗"));
    let chat = "buyer 10:00:01 在吗\nagent 10:00:30 您好，我不是随便你的意思\nbuyer 10:01:00 《急什么》有吗\nagent 10:01:10 加我微信吧\n";
    let res = test_box(&app, &sid, &csrf, chat).await;
    assert!(
        res.body.contains("<code>off_platform</code>"),
        "{}",
        res.body
    );
    assert!(res.body.contains("加我<mark>微信</mark>吧"));
    // The negated and the quoted phrases do not fire (the rule shows under "Why not" only).
    let (fired, why_not) = res
        .body
        .split_once("<h2>Why not</h2>")
        .expect("a why-not part");
    assert!(!fired.contains("<code>forbidden_phrases</code>"));
    assert!(why_not.contains("<code>forbidden_phrases</code>"));
    assert!(!why_not.contains("<code>off_platform</code>"));
    assert!(res.body.contains("我不是随便你的意思"));
    // Why not: the forbidden phrase was negated by 不是 in message #2, the quoted title is a
    // name (skip_quoted), and a rule with nothing to go on says so.
    assert!(res.body.contains("Why not"), "{}", res.body);
    assert!(
        res.body
            .contains("message #2: “随便你” matched but is negated by “不是”"),
        "{}",
        res.body
    );
    assert!(
        res.body
            .contains("message #3: “急什么” is inside quotes or title marks")
    );
    assert!(res.body.contains("the rule is switched off"));
    assert!(
        res.body
            .contains("no keyword or condition of the rule was met")
    );
    let zh = post(
        &app,
        "/qa/test",
        &sid,
        &format!("csrf={csrf}&chat={}", enc(chat)),
    )
    .await;
    assert!(zh.body.contains("为什么没有命中"), "{}", zh.body);
    assert!(
        zh.body
            .contains("第 2 条消息：命中“随便你”，但被否定词“不是”否定")
    );
    assert!(zh.body.contains("第 3 条消息：“急什么”在引号或书名号内"));
    let bad = post(
        &app,
        "/qa/test?lang=en",
        &sid,
        &format!(
            "csrf={csrf}&chat={}",
            enc("buyer 10:00 hi\nagent soon ok\n")
        ),
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("line 2:"), "{}", bad.body);
}

#[tokio::test]
async fn the_test_box_without_a_store_times_waits_on_the_default_service_clock() {
    let (_dir, _path, app) = setup();
    let (sid, csrf) = login(&app, "lily").await;
    // Written at 02:00, answered 20 s after the default opening (08:00-24:00, as a store
    // without settings): 20 s of service time, not slow; 6 h on the wall clock.
    let chat = "buyer 02:00:00 在吗\nagent 08:00:20 您好，在的\n";
    let res = test_box(&app, &sid, &csrf, chat).await;
    let (fired, why_not) = res
        .body
        .split_once("<h2>Why not</h2>")
        .expect("a why-not part");
    assert!(!fired.contains("<code>slow_round</code>"), "{fired}");
    assert!(why_not.contains("<code>slow_round</code>"));
    assert!(
        why_not.contains("over the limit on the wall clock but not in service time"),
        "{why_not}"
    );
}

#[tokio::test]
async fn the_return_address_is_context_for_the_off_platform_rule() {
    let (_dir, path, app) = setup();
    let rules = format!("/qa/rules?store={}&lang=en", enc(STORE));
    let chat = "buyer 10:00:01 退货寄哪里\nagent 10:00:30 您好，寄义乌市稠州北路666号，电话 137 5757 9090\n";
    let test = |sid: String, csrf: String| {
        let app = app.clone();
        async move {
            post(
                &app,
                "/qa/test?lang=en",
                &sid,
                &format!("csrf={csrf}&store={}&chat={}", enc(STORE), enc(chat)),
            )
            .await
        }
    };
    let fired = |body: &str| {
        body.split_once("<h2>Why not</h2>")
            .map_or(body, |(fired, _)| fired)
            .contains("<code>off_platform</code>")
    };
    let (sid, csrf) = login(&app, "sup").await;
    let before = test(sid.clone(), csrf.clone()).await;
    assert!(fired(&before.body), "{}", before.body);
    // Agents read it, and may not save it.
    let (lily, lily_csrf) = login(&app, "lily").await;
    let page = get(&app, &rules, &lily).await;
    assert!(
        page.body.contains("return address (rule context)"),
        "{}",
        page.body
    );
    let refused = post(
        &app,
        &rules,
        &lily,
        &format!(
            "csrf={lily_csrf}&store={}&mode=context&return_address={}",
            enc(STORE),
            enc("x 13800000000")
        ),
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    // A supervisor saves it: audited, shown, and the test box reads the number as the store's.
    let saved = post(
        &app,
        &rules,
        &sid,
        &format!(
            "csrf={csrf}&store={}&mode=context&return_address={}",
            enc(STORE),
            enc("浙江省义乌市稠州北路 666 号 售后组 13757579090")
        ),
    )
    .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let page = get(&app, &format!("{rules}&context_saved=1"), &sid).await;
    assert!(
        page.body.contains("售后组 13757579090</textarea>"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Return address saved"));
    let after = test(sid.clone(), csrf.clone()).await;
    assert!(!fired(&after.body), "{}", after.body);
    assert!(
        after.body.contains(
            "the number 137 5757 9090 was sent by the buyer or is in an address the store knows"
        ),
        "{}",
        after.body
    );
    let db = Db::open(&path).unwrap();
    let store = db.store(STORE).unwrap();
    assert_eq!(
        db.qa_return_address(store.id).unwrap(),
        "浙江省义乌市稠州北路 666 号 售后组 13757579090"
    );
    let audited: Vec<_> = db
        .audit_log(50)
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "qa.context")
        .collect();
    assert_eq!(audited.len(), 1);
    assert!(audited[0].detail.contains(STORE), "{:?}", audited[0].detail);
}

#[tokio::test]
async fn the_test_box_reads_a_chat_pasted_from_qianniu() {
    let (_dir, _path, app) = setup();
    let (sid, csrf) = login(&app, "lily").await;
    // As copied from a 千牛 window: headers with dates, status lines, a transfer.
    let chat = "买家甲 2026-11-03 10:01:02\r\n在吗\r\n晨光旗舰店:小美 2026-11-03 10:01:30\r\n\
                您好，请问有什么可以帮您？\r\n已读\r\n买家甲 2026-11-03 10:02:00\r\n能便宜点吗\r\n\
                晨光旗舰店:小美 2026-11-03 10:03:00\r\n加我微信吧\r\n";
    let res = test_box(&app, &sid, &csrf, chat).await;
    assert!(
        res.body.contains("<code>off_platform</code>"),
        "{}",
        res.body
    );
    assert!(res.body.contains("加我<mark>微信</mark>吧"), "{}", res.body);
    assert!(res.body.contains("能便宜点吗"));
    // The status line is no message.
    assert!(!res.body.contains("<td>已读</td>"), "{}", res.body);
    // A paste whose every sender is an agent names what is missing, in both languages.
    let only_agents = "晨光旗舰店:小美 2026-11-03 10:01:30\n您好\n";
    let bad = post(
        &app,
        "/qa/test?lang=en",
        &sid,
        &format!("csrf={csrf}&chat={}", enc(only_agents)),
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("cannot tell the buyer"), "{}", bad.body);
    let bad = post(
        &app,
        "/qa/test",
        &sid,
        &format!("csrf={csrf}&chat={}", enc(only_agents)),
    )
    .await;
    assert!(bad.body.contains("无法判断买家"), "{}", bad.body);
}
