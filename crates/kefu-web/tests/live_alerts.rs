// The tests set up the database directly, past the access handles.
#![allow(clippy::disallowed_methods)]
//! The live path end to end (issue 16, "Done when"), through a real server (`serve_with` on a
//! loopback port, with its folder and alert runner): the supervisor sets a "buyer waited > 2 s"
//! rule and a signed 钉钉 channel pointing at a local robot on the alert settings page → a
//! buyer's message comes in over `POST /api/v1/events` → `/live/stream` shows the buyer waiting
//! → with no further event, the robot receives one signed alert naming the buyer → none again
//! within the cool-down → the agent's answer comes in → the stream no longer shows the buyer.

#![cfg(unix)]

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use kefu_core::settings::Config;
use kefu_core::time::format_time;
use kefu_notify::testkit::RobotReceiver;
use kefu_store::Db;
use kefu_web::{WebSettings, serve_with};
use support::{STORE, enc, login, post, setup};

fn free_addr() -> std::net::SocketAddr {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap()
}

/// One request on its own connection; the whole answer.
fn exchange(addr: &str, request: &[u8]) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.write_all(request).unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).unwrap();
    String::from_utf8_lossy(&out).into_owned()
}

fn post_events(addr: &str, token: &str, body: &str) -> (u16, serde_json::Value) {
    let head = format!(
        "POST /api/v1/events HTTP/1.1\r\nHost: k\r\nConnection: close\r\n\
         Authorization: Bearer {token}\r\nContent-Type: application/x-ndjson\r\n\
         Content-Length: {}\r\n\r\n",
        body.len()
    );
    let mut request = head.into_bytes();
    request.extend_from_slice(body.as_bytes());
    let answer = exchange(addr, &request);
    let status = answer.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
    let json = answer
        .split_once("\r\n\r\n")
        .and_then(|(_, b)| serde_json::from_str(b).ok())
        .unwrap_or(serde_json::Value::Null);
    (status, json)
}

/// The monitor's stream, read frame by frame.
struct Stream {
    conn: TcpStream,
    buf: String,
}

impl Stream {
    fn open(addr: &str, session: &str, store: &str) -> Stream {
        let mut conn = TcpStream::connect(addr).unwrap();
        conn.write_all(
            format!(
                "GET /live/stream?store={} HTTP/1.1\r\nHost: k\r\nCookie: kefu_session={session}\r\n\r\n",
                enc(store)
            )
            .as_bytes(),
        )
        .unwrap();
        conn.set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        Stream {
            conn,
            buf: String::new(),
        }
    }

    /// The first frame (within 20 s) that `wanted` accepts.
    fn until(
        &mut self,
        what: &str,
        wanted: impl Fn(&serde_json::Value) -> bool,
    ) -> serde_json::Value {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            while let Some(at) = self.buf.find("data: ") {
                let rest = &self.buf[at + 6..];
                let Some(end) = rest.find('\n') else { break };
                let frame: serde_json::Value =
                    serde_json::from_str(&rest[..end]).unwrap_or(serde_json::Value::Null);
                self.buf = rest[end..].to_string();
                if wanted(&frame) {
                    return frame;
                }
            }
            assert!(
                Instant::now() < deadline,
                "no frame with {what}; last: {}",
                self.buf
            );
            let mut chunk = [0u8; 65536];
            match self.conn.read(&mut chunk) {
                Ok(0) => panic!("the stream ended"),
                Ok(n) => self.buf.push_str(&String::from_utf8_lossy(&chunk[..n])),
                Err(_) => {}
            }
        }
    }
}

fn message(time: &str, buyer: &str, sender: &str, id: &str) -> String {
    format!(
        "{{\"kind\":\"message\",\"time\":\"{time}\",\"buyer\":\"{buyer}\",\"account\":\"{STORE}:小美\",\"sender\":\"{sender}\",\"text\":\"在吗\",\"msg_id\":\"{id}\"}}\n"
    )
}

#[test]
fn a_waiting_buyer_is_shown_alerted_once_to_the_robot_and_cleared_by_the_answer() {
    let (_dir, path, app) = setup(false);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let db = Db::open(&path).unwrap();
    let store_id = db.store(STORE).unwrap().id;
    let token = db.create_ingest_token(store_id, "e2e", None).unwrap();

    // The supervisor's settings, through the page: the rule and the signed robot.
    let robot = RobotReceiver::start("SECe2e").unwrap();
    let (sid, csrf) = rt.block_on(login(&app, "sup"));
    let s = enc(STORE);
    let rules = rt.block_on(post(
        &app,
        "/settings/alerts/rules",
        &sid,
        &format!("csrf={csrf}&store={s}&wait_on=true&wait_threshold=2&wait_cooldown_minutes=10"),
    ));
    assert_eq!(rules.status.as_u16(), 303, "{}", rules.body);
    let channel = rt.block_on(post(
        &app,
        "/settings/alerts/channel",
        &sid,
        &format!(
            "csrf={csrf}&store={s}&kind=dingtalk&webhook={}&secret=SECe2e",
            enc(&robot.url("/robot/send?access_token=e2e"))
        ),
    ));
    assert_eq!(channel.status.as_u16(), 303, "{}", channel.body);

    // The server, as `kefu serve` runs it.
    let addr = free_addr();
    rt.spawn(serve_with(
        path.clone(),
        addr,
        Config::default(),
        WebSettings::default(),
    ));
    let addr = addr.to_string();
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(&addr).is_err() {
        assert!(Instant::now() < deadline, "the server did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut stream = Stream::open(&addr, &sid, STORE);
    stream.until("an empty queue", |f| f["queue"] == 0);

    // The buyer writes now (store-local time, as the chat tool would send it).
    let tz = Config::default().store(STORE).timezone;
    let now = kefu_app::worklists::now_local(tz);
    let asked = format_time(now - now.rem_euclid(1000));
    let (status, answer) = post_events(&addr, &token, &message(&asked, "tb_小明", "buyer", "e1"));
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["accepted"], 1);
    let f = stream.until("the waiting buyer", |f| f["queue"] == 1);
    assert_eq!(f["waiting"][0]["buyer"], "tb_小明");
    assert_eq!(f["waiting"][0]["account"], format!("{STORE}:小美"));
    assert_eq!(f["waiting"][0]["since"], asked[11..19]);

    // No other event: time alone carries the wait over 2 s, and the robot hears of it.
    let posts = robot.wait_for(1, Duration::from_secs(10));
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].signature_ok, Some(true));
    let text = posts[0].body["markdown"]["text"].as_str().unwrap();
    // (Markdown: the buyer's `_` is escaped.)
    assert!(
        text.contains("买家 tb\\_小明 已等待") && text.contains(&format!("客服账号 {STORE}:小美")),
        "{text}"
    );
    assert!(text.contains("Buyer tb\\_小明 has waited"), "{text}");
    let waited = Instant::now();

    // Still waiting, within the 10-minute cool-down: nothing more (a dozen ticks later).
    std::thread::sleep(Duration::from_secs(3));
    stream.until("the buyer still waiting", |f| f["queue"] == 1);
    assert_eq!(
        robot.posts().len(),
        1,
        "a second alert within the cool-down"
    );

    // The agent answers: the stream clears, and no alert follows.
    let answered = format_time(kefu_app::worklists::now_local(tz) / 1000 * 1000);
    let (status, _) = post_events(&addr, &token, &message(&answered, "tb_小明", "agent", "e2"));
    assert_eq!(status, 200);
    let f = stream.until("the cleared queue", |f| f["queue"] == 0);
    assert_eq!(f["waiting"].as_array().unwrap().len(), 0);
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(robot.posts().len(), 1);
    assert!(waited.elapsed() >= Duration::from_secs(3));

    // The store's alert log has the one delivery, signed and on the first attempt.
    let log = db.alert_log(store_id, 10).unwrap();
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0].keys, format!("wait:{STORE}:小美:tb_小明"));
    assert_eq!((log[0].attempts, log[0].error.clone()), (1, None));
    rt.shutdown_background();
}
