// The tests set up and inspect the database directly, past the access handles.
#![allow(clippy::disallowed_methods)]
//! Alerts end to end against local receivers started here (loopback only): the runner judges
//! snapshots and delivers to a signed 钉钉 robot, a 企业微信 robot and a mailbox; quiet hours and
//! the cool-down hold across snapshots; a 500 is retried; a receiver that hangs times out while
//! the runner goes on; and the settings page saves rules and channels, masks secrets, sends a
//! test alert and lists what was sent.

mod support;

use std::time::Duration;

use axum::http::StatusCode;
use kefu_core::alert::{AlertRules, Channel, EmailChannel, SmtpSecurity};
use kefu_core::live::{LiveSnapshot, RecentRating, WaitingBuyer};
use kefu_core::settings::Config;
use kefu_core::time::{Day, HOUR_MS};
use kefu_notify::RetryPolicy;
use kefu_notify::testkit::{Answer, RobotReceiver, SmtpReceiver};
use kefu_store::Db;
use kefu_web::alert_runner::AlertRunner;
use kefu_web::{AppState, router};
use support::{STORE, enc, get, login, post, setup};

const MINUTE_MS: i64 = 60_000;

fn quick() -> RetryPolicy {
    RetryPolicy {
        attempts: 3,
        first_backoff: Duration::from_millis(20),
        timeout: Duration::from_millis(400),
    }
}

/// 2026-12-03 at `h:m`, store-local.
fn at(h: i64, m: i64) -> i64 {
    Day::from_ymd(2026, 12, 3).map_or(0, Day::start) + h * HOUR_MS + m * MINUTE_MS
}

fn waiting(buyer: &str, since: i64, now: i64) -> LiveSnapshot {
    LiveSnapshot {
        now,
        waiting: vec![WaitingBuyer {
            account: "小美".into(),
            buyer: buyer.into(),
            since,
        }],
        ..Default::default()
    }
}

/// The sample store's id, with `rules` saved and `channels` added.
fn configure(db: &Db, rules: &[(&str, &str)], channels: &[Channel]) -> i64 {
    let store = db.store(STORE).unwrap().id;
    let mut r = AlertRules::default();
    for (k, v) in rules {
        r.set(k, v).unwrap();
    }
    db.save_alert_rules(store, &r, None).unwrap();
    for c in channels {
        db.add_alert_channel(store, c, None).unwrap();
    }
    store
}

fn runner(path: &std::path::Path) -> AlertRunner {
    AlertRunner::new(path.to_path_buf(), quick())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alerts_reach_every_channel_once_per_cooldown_and_none_in_quiet_hours() {
    let (_dir, path, _app) = setup(false);
    let ding = RobotReceiver::start("SECkefu").unwrap();
    let wecom = RobotReceiver::start("").unwrap();
    let smtp = SmtpReceiver::start().unwrap();
    let db = Db::open(&path).unwrap();
    let store = configure(
        &db,
        &[
            ("wait_on", "true"),
            ("wait_threshold", "60"),
            ("wait_cooldown_minutes", "10"),
            ("wait_quiet_hours", "22:00-08:00"),
            ("rating_on", "true"),
        ],
        &[
            Channel::DingTalk {
                webhook: ding.url("/robot/send?access_token=t"),
                secret: "SECkefu".into(),
            },
            Channel::WeCom {
                webhook: wecom.url("/cgi-bin/webhook/send?key=k"),
            },
            Channel::Email(EmailChannel {
                host: "127.0.0.1".into(),
                port: smtp.port(),
                security: SmtpSecurity::None,
                user: String::new(),
                password: String::new(),
                from: "kefu@example.com".into(),
                to: vec!["boss@example.com".into()],
            }),
        ],
    );
    let alerts = runner(&path);

    // 10:02, the buyer waiting since 10:00: 120 s > 60 s.
    alerts.on_snapshot(store, waiting("b1", at(10, 0), at(10, 2)));
    alerts.idle().await;
    let posts = ding.posts();
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].signature_ok, Some(true));
    let text = posts[0].body["markdown"]["text"].as_str().unwrap();
    assert!(
        text.contains("买家 b1 已等待 2分00秒，仍未回复（客服账号 小美）"),
        "{text}"
    );
    assert!(text.contains("Buyer b1 has waited 2 min 00 s"), "{text}");
    assert_eq!(
        posts[0].body["markdown"]["title"],
        format!("【{STORE}】买家等待过久 / Buyer waiting too long")
    );
    let content = wecom.posts()[0].body["markdown"]["content"].clone();
    assert!(content.as_str().unwrap().contains("买家 b1"), "{content}");
    let mails = smtp.wait_for(1, Duration::from_secs(5));
    assert_eq!(mails[0].to, ["boss@example.com"]);
    assert!(mails[0].body().contains("买家 b1 已等待"));

    // 10:05 and 10:11: still waiting, inside the 10-minute cool-down: nothing.
    alerts.on_snapshot(store, waiting("b1", at(10, 0), at(10, 5)));
    alerts.on_snapshot(store, waiting("b1", at(10, 0), at(10, 11)));
    alerts.idle().await;
    assert_eq!(ding.posts().len(), 1);
    // 10:12: the cool-down is over.
    alerts.on_snapshot(store, waiting("b1", at(10, 0), at(10, 12)));
    alerts.idle().await;
    assert_eq!(ding.posts().len(), 2);
    // 23:00, a new buyer waiting an hour: quiet hours.
    alerts.on_snapshot(store, waiting("b2", at(22, 0), at(23, 0)));
    alerts.idle().await;
    assert_eq!(ding.posts().len(), 2);
    assert_eq!(wecom.posts().len(), 2);
    // A 1-star rating: its own alert, no quiet hours for ratings here.
    let mut rated = waiting("b2", at(23, 0), at(23, 1));
    rated.ratings.push(RecentRating {
        account: "小美".into(),
        buyer: "b3".into(),
        at: at(23, 0),
        score: 1,
    });
    alerts.on_snapshot(store, rated);
    alerts.idle().await;
    let last = ding.posts().pop().unwrap();
    assert!(
        last.body["markdown"]["text"]
            .as_str()
            .unwrap()
            .contains("买家 b3 给客服账号 小美 打了 1 分")
    );

    // Every delivery is in the store's log, delivered, newest first.
    let log = db.alert_log(store, 100).unwrap();
    assert_eq!(log.len(), 9);
    assert!(log.iter().all(|e| e.error.is_none() && e.attempts == 1));
    assert_eq!(log[0].keys, "rating:小美:b3");
    assert_eq!(log.iter().filter(|e| e.keys == "wait:小美:b1").count(), 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_500_is_retried_and_a_hanging_robot_times_out_while_the_runner_goes_on() {
    let (_dir, path, _app) = setup(false);
    let flaky = RobotReceiver::start("").unwrap();
    let hanging = RobotReceiver::start("").unwrap();
    flaky.script([Answer::Status(500)]);
    // Every attempt of both deliveries to it hangs.
    hanging.script([Answer::Hang(Duration::from_secs(3)); 6]);
    let db = Db::open(&path).unwrap();
    let store = configure(
        &db,
        &[
            ("unreplied_on", "true"),
            ("unreplied_threshold", "0"),
            ("unreplied_cooldown_minutes", "0"),
        ],
        &[
            Channel::WeCom {
                webhook: hanging.url("/hang?key=k"),
            },
            Channel::WeCom {
                webhook: flaky.url("/flaky?key=k"),
            },
        ],
    );
    let alerts = runner(&path);
    alerts.on_snapshot(store, waiting("b1", at(10, 0), at(10, 1)));
    // The flaky robot gets its second try (500, then 200) while the other still hangs.
    let posts = flaky.wait_for(2, Duration::from_secs(5));
    assert_eq!(posts.len(), 2);
    // The runner goes on: the next snapshot's alert reaches the flaky robot while the first
    // delivery to the hanging one is still timing out (3 × 0.4 s + backoff).
    alerts.on_snapshot(store, waiting("b1", at(10, 0), at(10, 2)));
    let posts = flaky.wait_for(3, Duration::from_secs(5));
    assert_eq!(posts.len(), 3);
    alerts.idle().await;
    let log = db.alert_log(store, 10).unwrap();
    let flaky_first = log
        .iter()
        .filter(|e| e.error.is_none())
        .map(|e| e.attempts)
        .collect::<Vec<_>>();
    assert!(flaky_first.contains(&2), "{log:?}");
    let timed_out: Vec<_> = log.iter().filter_map(|e| e.error.clone()).collect();
    assert!(!timed_out.is_empty(), "{log:?}");
    assert!(
        timed_out
            .iter()
            .all(|(zh, en)| zh == "在时限内没有回应" && en == "no answer within the time limit")
    );
}

/// The sample store with the waiting-buyer alert at 60 s to a WeCom robot, and a runner.
fn waits_to_a_wecom_robot() -> (
    tempfile::TempDir,
    std::path::PathBuf,
    RobotReceiver,
    Db,
    i64,
    AlertRunner,
) {
    let (dir, path, _app) = setup(false);
    let robot = RobotReceiver::start("").unwrap();
    let db = Db::open(&path).unwrap();
    let store = configure(
        &db,
        &[("wait_on", "true"), ("wait_threshold", "60")],
        &[Channel::WeCom {
            webhook: robot.url("/r?key=k"),
        }],
    );
    let alerts = runner(&path);
    (dir, path, robot, db, store, alerts)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alerts_go_out_while_the_database_is_held_for_writing_and_are_logged_after() {
    let (_dir, path, robot, db, store, alerts) = waits_to_a_wecom_robot();
    // A fold or an import holds the write lock for seconds: here the whole test long.
    let holder = rusqlite::Connection::open(&path).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    // More alerts than deliveries run at once, one after another: none may wait for the
    // log's write.
    let n = kefu_web::alert_runner::DELIVERIES * 2;
    for i in 0..n {
        alerts.on_snapshot(store, waiting(&format!("b{i}"), at(10, 0), at(10, 2)));
        let posts = robot.wait_for(i + 1, Duration::from_secs(20));
        assert_eq!(posts.len(), i + 1, "alert {i} waited for the database");
    }
    assert!(db.alert_log(store, 100).unwrap().is_empty());
    holder.execute_batch("ROLLBACK").unwrap();
    alerts.idle().await;
    let log = db.alert_log(store, 100).unwrap();
    assert_eq!(log.len(), n, "{log:?}");
    assert!(log.iter().all(|e| e.error.is_none()), "{log:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_is_judged_by_its_settings_last_read_while_the_database_is_held() {
    let (_dir, path, robot, db, store, alerts) = waits_to_a_wecom_robot();
    alerts.on_snapshot(store, waiting("b0", at(10, 0), at(10, 2)));
    alerts.idle().await;
    assert_eq!(robot.posts().len(), 1);
    // A fold's commit holds the database: nobody else reads either, for seconds.
    let holder = rusqlite::Connection::open(&path).unwrap();
    holder.execute_batch("BEGIN EXCLUSIVE").unwrap();
    alerts.on_snapshot(store, waiting("b1", at(10, 0), at(10, 3)));
    let posts = robot.wait_for(2, Duration::from_secs(20));
    holder.execute_batch("ROLLBACK").unwrap();
    assert_eq!(posts.len(), 2, "the judgement waited for the database");
    alerts.idle().await;
    assert_eq!(db.alert_log(store, 10).unwrap().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_rules_on_or_for_an_unknown_store_nothing_is_sent() {
    let (_dir, path, _app) = setup(false);
    let robot = RobotReceiver::start("").unwrap();
    let db = Db::open(&path).unwrap();
    let store = configure(
        &db,
        &[],
        &[Channel::WeCom {
            webhook: robot.url("/r?key=k"),
        }],
    );
    let alerts = runner(&path);
    alerts.on_snapshot(store, waiting("b1", at(0, 0), at(10, 0)));
    alerts.on_snapshot(store + 1000, waiting("b1", at(0, 0), at(10, 0)));
    // A bare "changed" without a snapshot source judges nothing.
    alerts.on_store_changed(store);
    alerts.idle().await;
    assert!(robot.posts().is_empty());
    assert!(db.alert_log(store, 10).unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn managers_edit_rules_and_channels_see_secrets_masked_and_send_a_test() {
    let (_dir, path, _) = setup(false);
    let app = router(AppState::new(path.clone(), Config::default()).with_alert_policy(quick()));
    let (sid, csrf) = login(&app, "sup").await;
    let page = get(&app, "/settings/alerts", &sid).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("提醒规则") && page.body.contains("还没有渠道"));

    // A bad threshold is refused in the user's language, nothing saved.
    let store = enc(STORE);
    let bad = post(
        &app,
        "/settings/alerts/rules",
        &sid,
        &format!("csrf={csrf}&store={store}&wait_on=true&wait_threshold=0"),
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(
        bad.body
            .contains("设置 `wait_threshold`：应为1 到 86400 之间的数"),
        "{}",
        bad.body
    );
    let bad_en = post(
        &app,
        "/settings/alerts/rules?lang=en",
        &sid,
        &format!("csrf={csrf}&store={store}&wait_on=true&wait_threshold=0"),
    )
    .await;
    assert!(
        bad_en
            .body
            .contains("setting `wait_threshold`: expected a number from 1 to 86400")
    );

    let saved = post(
        &app,
        "/settings/alerts/rules",
        &sid,
        &format!(
            "csrf={csrf}&store={store}&wait_on=true&wait_threshold=90&wait_quiet_hours={}&wait_cooldown_minutes=15&slow_window_minutes=20&slow_threshold=3",
            enc("22:00-08:00")
        ),
    )
    .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let db = Db::open(&path).unwrap();
    let id = db.store(STORE).unwrap().id;
    let rules = db.alert_rules(id).unwrap();
    assert_eq!(rules.get("wait_on").as_deref(), Some("true"));
    assert_eq!(rules.get("wait_threshold").as_deref(), Some("90"));
    assert_eq!(
        rules.get("wait_quiet_hours").as_deref(),
        Some("22:00-08:00")
    );
    assert_eq!(rules.get("slow_on").as_deref(), Some("false"));
    assert_eq!(rules.get("slow_window_minutes").as_deref(), Some("20"));

    // A channel with a secret: the page shows it masked, never whole.
    let robot = RobotReceiver::start("SECabcdef123456").unwrap();
    let webhook = robot.url("/robot/send?access_token=tokentoken9876");
    let added = post(
        &app,
        "/settings/alerts/channel",
        &sid,
        &format!(
            "csrf={csrf}&store={store}&kind=dingtalk&webhook={}&secret=SECabcdef123456",
            enc(&webhook)
        ),
    )
    .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let bad_channel = post(
        &app,
        "/settings/alerts/channel",
        &sid,
        &format!("csrf={csrf}&store={store}&kind=email&host=smtp.x.com&port=25&security=none&from=nobody&to=a%40b.com"),
    )
    .await;
    assert_eq!(bad_channel.status, StatusCode::BAD_REQUEST);
    assert!(
        bad_channel.body.contains("设置 `from`：应为邮箱地址"),
        "{}",
        bad_channel.body
    );

    let page = get(&app, "/settings/alerts", &sid).await;
    assert!(!page.body.contains("SECabcdef123456"));
    assert!(!page.body.contains("tokentoken9876"));
    assert!(page.body.contains("••••3456") && page.body.contains("••••9876"));
    let channel = db.alert_channels(id).unwrap()[0].id;

    // The test button: delivered, signed, and logged.
    let sent = post(
        &app,
        "/settings/alerts/test",
        &sid,
        &format!("csrf={csrf}&store={store}&id={channel}"),
    )
    .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER);
    let to = sent.headers["location"].to_str().unwrap().to_string();
    assert!(to.ends_with("&done=sent"), "{to}");
    assert_eq!(robot.posts()[0].signature_ok, Some(true));
    let page = get(&app, &to, &sid).await;
    assert!(page.body.contains("测试提醒已送达"));
    assert!(page.body.contains("已送达"));
    // A robot that refuses: the page says so and the log keeps why.
    robot.script([Answer::Refuse(310000)]);
    let failed = post(
        &app,
        "/settings/alerts/test?lang=en",
        &sid,
        &format!("csrf={csrf}&store={store}&id={channel}"),
    )
    .await;
    let to = failed.headers["location"].to_str().unwrap().to_string();
    assert!(to.ends_with("&done=failed"), "{to}");
    let page = get(&app, &to, &sid).await;
    assert!(
        page.body
            .contains("Failed: the robot refused the message: errcode 310000 (refused)")
    );

    // Another store's channel id, or none: not found.
    let missing = post(
        &app,
        "/settings/alerts/channel/delete",
        &sid,
        &format!("csrf={csrf}&store={store}&id={}", channel + 99),
    )
    .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let deleted = post(
        &app,
        "/settings/alerts/channel/delete",
        &sid,
        &format!("csrf={csrf}&store={store}&id={channel}"),
    )
    .await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER);
    assert!(db.alert_channels(id).unwrap().is_empty());

    // Audited, with secrets masked.
    let audit: Vec<String> = db
        .audit_log(50)
        .unwrap()
        .into_iter()
        .map(|e| format!("{} {}", e.action, e.detail))
        .collect();
    for action in [
        "alerts.rules",
        "alerts.channel.add",
        "alerts.test",
        "alerts.channel.delete",
    ] {
        assert!(
            audit.iter().any(|a| a.starts_with(action)),
            "{action}: {audit:?}"
        );
    }
    assert!(
        audit
            .iter()
            .all(|a| !a.contains("tokentoken9876") && !a.contains("SECabcdef"))
    );

    // Agents have no alert settings.
    let (agent, _) = login(&app, "lily").await;
    assert_eq!(
        get(&app, "/settings/alerts", &agent).await.status,
        StatusCode::FORBIDDEN
    );
}

/// A snapshot source as the live monitor will install one: here the same snapshot always.
struct Fixed(LiveSnapshot);

impl kefu_web::alert_runner::SnapshotSource for Fixed {
    fn snapshot(
        &self,
        _db: &Db,
        _store_id: i64,
    ) -> Result<Option<LiveSnapshot>, kefu_web::WebError> {
        Ok(Some(self.0.clone()))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_has_the_stores_it_wrote_judged() {
    let (_dir, path, _) = setup(false);
    let robot = RobotReceiver::start("").unwrap();
    let db = Db::open(&path).unwrap();
    configure(
        &db,
        &[("rating_on", "true")],
        &[Channel::WeCom {
            webhook: robot.url("/r?key=k"),
        }],
    );
    let state = AppState::new(path.clone(), Config::default()).with_alert_policy(quick());
    let mut snapshot = waiting("b1", at(9, 59), at(10, 0));
    snapshot.ratings.push(RecentRating {
        account: "小美".into(),
        buyer: "b9".into(),
        at: at(9, 58),
        score: 2,
    });
    state
        .alerts
        .set_snapshot_source(std::sync::Arc::new(Fixed(snapshot)));
    let alerts = state.alerts.clone();
    let app = router(state);
    let (sid, csrf) = login(&app, "admin").await;
    let boundary = "kefu-alerts-boundary";
    let file = "account,name,group,role\r\n晨光旗舰店:新人,新人,售前一组,presale\r\n";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"store\"\r\n\r\n{STORE}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"agents.csv\"\r\n\
         Content-Type: text/csv\r\n\r\n{file}\r\n--{boundary}--\r\n"
    );
    let res = support::post_multipart(
        &app,
        &format!("/import?csrf={csrf}"),
        &sid,
        boundary,
        body.into_bytes(),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    alerts.idle().await;
    let posts = robot.wait_for(1, Duration::from_secs(5));
    assert_eq!(posts.len(), 1, "{:?}", posts);
    let content = posts[0].body["markdown"]["content"].as_str().unwrap();
    assert!(
        content.contains("买家 b9 给客服账号 小美 打了 2 分"),
        "{content}"
    );
}
