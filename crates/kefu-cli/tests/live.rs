//! Live ingest and the live monitor through `kefu serve` as a process: events in over
//! `POST /api/v1/events` → the monitor's stream shows the waiting buyer → the agent's answer
//! → it clears; the same batch twice; hostile bodies and tokens; and a `kill -9` in the
//! middle of concurrent batches, after which every batch that was answered 200 is stored.

#![cfg(unix)]

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use support::app::{Server, cookie, exchange, kefu, run};

const PW: &str = "secret-password";

fn free_addr() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().to_string()
}

fn start(db: &Path, addr: &str) -> Server {
    let server = Server(
        kefu()
            .args(["serve", "--db", db.to_str().unwrap(), "--addr", addr])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let deadline = Instant::now() + Duration::from_secs(120);
    while TcpStream::connect(addr).is_err() {
        assert!(Instant::now() < deadline, "kefu serve did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    server
}

fn token(db: &Path, store: &str) -> String {
    let out = kefu()
        .args(["ingest-token", "create", "--db", db.to_str().unwrap()])
        .args(["--store", store, "--label", "test"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// Posts a body of events; the status and the JSON answer.
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
    let status: u16 = answer
        .get(9..12)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {answer}"));
    let json = answer
        .split_once("\r\n\r\n")
        .and_then(|(_, b)| serde_json::from_str(b).ok())
        .unwrap_or(serde_json::Value::Null);
    (status, json)
}

fn login(addr: &str, name: &str) -> String {
    let page = exchange(
        addr,
        b"GET /login HTTP/1.1\r\nHost: k\r\nConnection: close\r\n\r\n",
    );
    let login_token = cookie(&page, "kefu_login");
    let form = format!("name={name}&password={PW}&csrf={login_token}");
    let answer = exchange(
        addr,
        format!(
            "POST /login HTTP/1.1\r\nHost: k\r\nConnection: close\r\nCookie: kefu_login={login_token}\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{form}",
            form.len()
        )
        .as_bytes(),
    );
    cookie(&answer, "kefu_session")
}

/// The monitor's stream of a store, read frame by frame.
struct Stream {
    conn: TcpStream,
    buf: String,
}

impl Stream {
    fn open(addr: &str, session: &str, store: &str) -> Stream {
        let mut conn = TcpStream::connect(addr).unwrap();
        let store: String = store.bytes().map(|b| format!("%{b:02X}")).collect();
        conn.write_all(
            format!(
                "GET /live/stream?store={store} HTTP/1.1\r\nHost: k\r\nCookie: kefu_session={session}\r\n\r\n"
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

fn msg(time: &str, buyer: &str, account: &str, sender: &str, id: &str) -> String {
    format!(
        "{{\"kind\":\"message\",\"time\":\"{time}\",\"buyer\":\"{buyer}\",\"account\":\"{account}\",\"sender\":\"{sender}\",\"text\":\"在吗\",\"msg_id\":\"{id}\"}}\n"
    )
}

/// Messages stored per day of a store, straight from the database.
fn stored_per_day(db: &Path, store: &str) -> Vec<(i64, i64)> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut st = conn
        .prepare(
            "SELECT day, SUM(messages) FROM (
                 SELECT day, messages FROM message_days WHERE store_id =
                     (SELECT id FROM stores WHERE name = ?1)
                 UNION ALL SELECT day, messages FROM message_parts WHERE store_id =
                     (SELECT id FROM stores WHERE name = ?1))
             GROUP BY day ORDER BY day",
        )
        .unwrap();
    st.query_map([store], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// Waits until the events are folded: the live file's queue is empty.
fn folded(db: &Path) {
    let live = db.with_file_name(format!(
        "{}-live",
        db.file_name().unwrap().to_str().unwrap()
    ));
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let conn = rusqlite::Connection::open(&live).unwrap();
        let n: i64 = conn
            .query_row("SELECT COUNT(*) FROM tail", [], |r| r.get(0))
            .unwrap();
        if n == 0 {
            return;
        }
        assert!(Instant::now() < deadline, "not folded");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn setup() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("k.db");
    let d = db.to_str().unwrap();
    run(
        &["user", "add", "--db", d, "--role", "admin", "boss"],
        &format!("{PW}\n"),
    );
    (dir, db)
}

#[test]
fn a_waiting_buyer_shows_on_the_monitor_until_the_agent_answers() {
    let (_dir, db) = setup();
    let token_a = token(&db, "店A");
    let addr = free_addr();
    let _server = start(&db, &addr);
    let session = login(&addr, "boss");
    let mut stream = Stream::open(&addr, &session, "店A");
    stream.until("an empty queue", |f| f["queue"] == 0);

    let question = msg("2026-11-11 10:00:00", "tb_小明", "店A:小美", "buyer", "m1");
    let (status, answer) = post_events(&addr, &token_a, &question);
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["accepted"], 1);
    let f = stream.until("the waiting buyer", |f| f["queue"] == 1);
    assert_eq!(f["waiting"][0]["buyer"], "tb_小明");
    assert_eq!(f["waiting"][0]["account"], "店A:小美");
    assert_eq!(f["waiting"][0]["since"], "10:00:00");
    assert_eq!(f["accounts"][0]["waiting"], 1);

    let reply = msg("2026-11-11 10:04:00", "tb_小明", "店A:小美", "agent", "m2");
    let (status, _) = post_events(&addr, &token_a, &reply);
    assert_eq!(status, 200);
    let f = stream.until("the cleared queue", |f| f["queue"] == 0);
    assert_eq!(f["waiting"].as_array().unwrap().len(), 0);

    // The figures follow without an import: both messages are stored once folded.
    folded(&db);
    let day = stored_per_day(&db, "店A");
    assert_eq!(day.iter().map(|(_, n)| n).sum::<i64>(), 2);

    // The page itself: our script, allowed by the page's own policy.
    let page = exchange(
        &addr,
        format!(
            "GET /live?store=%E5%BA%97A HTTP/1.1\r\nHost: k\r\nConnection: close\r\nCookie: kefu_session={session}\r\n\r\n"
        )
        .as_bytes(),
    );
    assert!(page.contains("实时监控"), "{page}");
    assert!(page.contains("src=\"/live/live.js\""));
    assert!(page.to_ascii_lowercase().contains("script-src 'self'"));
}

#[test]
fn the_same_batch_twice_gives_the_same_figures() {
    let (_dir, db) = setup();
    let t = token(&db, "店A");
    let addr = free_addr();
    let _server = start(&db, &addr);
    let batch: String = (0..50)
        .map(|i| {
            let who = if i % 2 == 0 { "buyer" } else { "agent" };
            msg(
                &format!("2026-11-11 10:{:02}:00", i),
                &format!("b{}", i / 2),
                "店A:小美",
                who,
                &format!("id{i}"),
            )
        })
        .collect();
    let report = || {
        let out = kefu()
            .args(["report", "--db", db.to_str().unwrap(), "--format", "json"])
            .args([
                "--from",
                "2026-11-11",
                "--to",
                "2026-11-11",
                "--by",
                "store",
            ])
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    assert_eq!(post_events(&addr, &t, &batch).0, 200);
    folded(&db);
    let once = report();
    assert!(once.contains("\"consulted\""), "{once}");
    assert_eq!(post_events(&addr, &t, &batch).0, 200);
    folded(&db);
    assert_eq!(report(), once);
    assert_eq!(stored_per_day(&db, "店A")[0].1, 50);
}

#[test]
fn hostile_bodies_and_tokens_are_refused_clearly() {
    let (_dir, db) = setup();
    let ta = token(&db, "店A");
    let tb = token(&db, "店B");
    let addr = free_addr();
    let _server = start(&db, &addr);

    // No token, a wrong token.
    let (status, body) = post_events(&addr, "", "{}");
    assert_eq!(status, 401, "{body}");
    let mut wrong = ta.clone();
    wrong.replace_range(wrong.len() - 4.., "0000");
    let (status, body) = post_events(&addr, &wrong, "{}");
    assert_eq!(status, 401);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("接入令牌无效")
    );

    // A body over the limit is refused by its declared length, with the limit named.
    let mut s = TcpStream::connect(&addr).unwrap();
    s.write_all(
        format!(
            "POST /api/v1/events HTTP/1.1\r\nHost: k\r\nConnection: close\r\n\
             Authorization: Bearer {ta}\r\nContent-Length: {}\r\n\r\n",
            100 << 20
        )
        .as_bytes(),
    )
    .unwrap();
    let _ = s.write_all(&vec![b' '; 1 << 20]);
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("32 MiB"), "{answer}");

    // Bad lines are named; the good ones are kept.
    let body = [
        msg("2026-11-11 10:00:00", "b1", "k1", "buyer", "1"),
        "{\"kind\":\"message\",\"time\":\"11/11 late\",\"buyer\":\"b1\",\"account\":\"k1\",\"sender\":\"buyer\"}\n".to_string(),
        "[1,2]\n".to_string(),
        "{\"kind\":\"parcel\"}\n".to_string(),
        msg("2026-11-11 10:01:00", "b1", "k1", "agent", "2"),
    ]
    .concat();
    let (status, answer) = post_events(&addr, &ta, &body);
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["accepted"], 2);
    let errors: Vec<(u64, String)> = answer["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            assert!(!e["message"].as_str().unwrap().is_empty());
            assert!(!e["message_zh"].as_str().unwrap().is_empty());
            (
                e["line"].as_u64().unwrap(),
                e["field"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(
        errors,
        vec![(2, "time".into()), (3, String::new()), (4, "kind".into())]
    );
    // Only bad lines: 400, nothing written.
    let (status, answer) = post_events(&addr, &ta, "nonsense\n");
    assert_eq!(status, 400, "{answer}");

    // Store B's token cannot write store A: a line naming 店A is refused, the rest goes to B.
    let into_a = "{\"kind\":\"message\",\"store\":\"店A\",\"time\":\"2026-11-11 11:00:00\",\"buyer\":\"x\",\"account\":\"k1\",\"sender\":\"buyer\",\"msg_id\":\"b-1\"}\n";
    let (status, answer) = post_events(&addr, &tb, into_a);
    assert_eq!(status, 400, "{answer}");
    assert_eq!(answer["errors"][0]["field"], "store");
    let plain = msg("2026-11-11 11:00:00", "x", "k1", "buyer", "b-2");
    let (status, answer) = post_events(&addr, &tb, &plain);
    assert_eq!((status, answer["store"].as_str()), (200, Some("店B")));
    folded(&db);
    assert_eq!(
        stored_per_day(&db, "店A").iter().map(|d| d.1).sum::<i64>(),
        2
    );
    assert_eq!(
        stored_per_day(&db, "店B").iter().map(|d| d.1).sum::<i64>(),
        1
    );
}

/// Concurrent batches, `kill -9` in the middle, restart: every batch answered 200 is in the
/// database. Each batch is the 200 messages of a day of its own, so the check is exact: the
/// day of every acknowledged batch holds all 200.
#[test]
fn no_batch_answered_200_is_lost_across_kill_9() {
    let (_dir, db) = setup();
    let t = token(&db, "店A");
    let addr = free_addr();
    let server = start(&db, &addr);
    const PER_BATCH: usize = 200;
    let acked = std::sync::Arc::new(std::sync::Mutex::new(Vec::<i64>::new()));
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut senders = Vec::new();
    for worker in 0..4i64 {
        let (addr, t, acked, stop) = (addr.clone(), t.clone(), acked.clone(), stop.clone());
        senders.push(std::thread::spawn(move || {
            let mut k = 0i64;
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                // Day 1 + worker + 4k after 2025-01-01: days of their own.
                let day_no = worker + 4 * k;
                k += 1;
                let body: String = (0..PER_BATCH)
                    .map(|i| {
                        let (h, m) = (i / 60, i % 60);
                        format!(
                            "{{\"kind\":\"message\",\"time\":\"{} {h:02}:{m:02}:00\",\"buyer\":\"b{i}\",\"account\":\"k\",\"sender\":\"buyer\",\"msg_id\":\"{day_no}-{i}\"}}\n",
                            day_text(day_no)
                        )
                    })
                    .collect();
                let Ok(mut s) = TcpStream::connect(&addr) else { return };
                let head = format!(
                    "POST /api/v1/events HTTP/1.1\r\nHost: k\r\nConnection: close\r\n\
                     Authorization: Bearer {t}\r\nContent-Length: {}\r\n\r\n",
                    body.len()
                );
                if s.write_all(head.as_bytes()).is_err() || s.write_all(body.as_bytes()).is_err() {
                    return;
                }
                let mut answer = String::new();
                let _ = s.read_to_string(&mut answer);
                if answer.starts_with("HTTP/1.1 200") {
                    acked.lock().unwrap().push(day_no);
                } else if !answer.is_empty() {
                    panic!("{answer}");
                }
            }
        }));
    }
    // Let batches flow (and some folds run), then kill the server outright.
    let deadline = Instant::now() + Duration::from_secs(30);
    while acked.lock().unwrap().len() < 40 {
        assert!(Instant::now() < deadline, "batches do not get through");
        std::thread::sleep(Duration::from_millis(20));
    }
    let pid = server.0.id().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-9", &pid])
            .status()
            .unwrap()
            .success()
    );
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    for s in senders {
        s.join().unwrap();
    }
    drop(server);
    let acked = acked.lock().unwrap().clone();
    // Restarted, the server folds what the killed one had accepted before it listens.
    let addr = free_addr();
    let _again = start(&db, &addr);
    let stored = stored_per_day(&db, "店A");
    let first_day = day_number(&day_text(0));
    for day_no in &acked {
        let day = first_day + day_no;
        let n = stored.iter().find(|(d, _)| *d == day).map(|(_, n)| *n);
        assert_eq!(
            n,
            Some(PER_BATCH as i64),
            "batch {day_no} answered 200 but not stored"
        );
    }
    // Nothing half-written either: every stored day holds a whole batch.
    assert!(
        stored.iter().all(|(_, n)| *n == PER_BATCH as i64),
        "{stored:?}"
    );
    eprintln!(
        "{} batches acknowledged, {} stored",
        acked.len(),
        stored.len()
    );
}

/// The date of day `n` after 2025-01-01.
fn day_text(n: i64) -> String {
    let mut days = n;
    let (mut y, mut m, mut d) = (2025i64, 1i64, 1i64);
    let month_len = |y: i64, m: i64| match m {
        2 if y % 4 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    while days > 0 {
        d += 1;
        if d > month_len(y, m) {
            d = 1;
            m += 1;
            if m > 12 {
                m = 1;
                y += 1;
            }
        }
        days -= 1;
    }
    format!("{y:04}-{m:02}-{d:02}")
}

/// kefu's day number of a date (days since 1970-01-01).
fn day_number(date: &str) -> i64 {
    let conn = rusqlite::Connection::open_in_memory().unwrap();
    conn.query_row(
        "SELECT CAST(julianday(?1) - julianday('1970-01-01') AS INTEGER)",
        [date],
        |r| r.get(0),
    )
    .unwrap()
}
