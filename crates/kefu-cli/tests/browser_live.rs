//! The live monitor in headless Chromium: events posted to `/api/v1/events` show on `/live`
//! (our script reading `/live/stream`) with a running wait clock, an answer clears its
//! buyer, and an agent sees their own account only. Screenshots under `screenshots/`.

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;

use support::app::{browser_skipped, import_into, kefu, login, run, serve, shots};
use support::webdriver::Driver;

fn post_events(base: &str, token: &str, body: &str) -> String {
    let addr = base.trim_start_matches("http://");
    let mut s = TcpStream::connect(addr).unwrap();
    s.write_all(
        format!(
            "POST /api/v1/events HTTP/1.1\r\nHost: k\r\nConnection: close\r\n\
             Authorization: Bearer {token}\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .as_bytes(),
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    assert!(out.starts_with("HTTP/1.1 200"), "{out}");
    out
}

fn msg(time: &str, buyer: &str, account: &str, sender: &str, id: &str) -> String {
    format!(
        "{{\"kind\":\"message\",\"time\":\"{time}\",\"buyer\":\"{buyer}\",\"account\":\"{account}\",\"sender\":\"{sender}\",\"msg_id\":\"{id}\"}}\n"
    )
}

/// The wait clock of the first waiting row, in seconds.
fn first_clock(d: &Driver) -> i64 {
    let text = d
        .script("var c = document.querySelector('#waiting tbody td.clock'); return c ? c.textContent : '';")
        .unwrap();
    let text = text.as_str().unwrap_or("");
    let Some((m, s)) = text.split_once(':') else {
        return -1;
    };
    m.parse::<i64>().unwrap_or(-1) * 60 + s.parse::<i64>().unwrap_or(0)
}

#[test]
fn the_live_monitor_in_headless_chromium() {
    if browser_skipped() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("k.db");
    let d_arg = db.to_str().unwrap();
    // The accounts exist (an agent is linked to one) before the first live event.
    let roster = dir.path().join("agents.csv");
    std::fs::write(
        &roster,
        "account,name,role\n晨光旗舰店:Lily,Lily,presale\n晨光旗舰店:小美,小美,presale\n",
    )
    .unwrap();
    import_into(&db, &roster);
    run(
        &["user", "add", "--db", d_arg, "--role", "admin", "boss"],
        "boss-password-1\n",
    );
    run(
        &[
            "user",
            "add",
            "--db",
            d_arg,
            "--role",
            "agent",
            "--account",
            "晨光旗舰店:Lily",
            "lily",
        ],
        "lily-password-1\n",
    );
    let out = kefu()
        .args([
            "ingest-token",
            "create",
            "--db",
            d_arg,
            "--store",
            "晨光旗舰店",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let token = String::from_utf8(out.stdout).unwrap().trim().to_string();
    let (_server, base) = serve(&db);

    // Two buyers wait: one at 小美 since a minute ago… (times far in the past would do as
    // well; the clock is what the page counts from)
    let now = chrono_now_shanghai();
    post_events(
        &base,
        &token,
        &[
            msg(&now.0, "tb_小明", "晨光旗舰店:小美", "buyer", "1"),
            msg(&now.1, "tb_阿花", "晨光旗舰店:Lily", "buyer", "2"),
        ]
        .concat(),
    );

    let d = Driver::start().expect("chromedriver and chromium (scripts/test.sh installs them)");
    let shots = shots();
    assert!(login(&d, &base, "boss", "boss-password-1"));
    d.goto(&format!("{base}/live?lang=zh-CN")).unwrap();
    d.wait_for("two buyers waiting", |d| {
        d.text("#queue").is_ok_and(|t| t == "2")
    })
    .unwrap();
    let page = d.source().unwrap();
    assert!(
        page.contains("tb_小明") && page.contains("tb_阿花"),
        "{page}"
    );
    // The clock runs: a second later it shows more.
    let before = first_clock(&d);
    assert!(before >= 0);
    d.wait_for("the clock to move", |d| first_clock(d) > before)
        .unwrap();
    d.screenshot(&shots.join("live-waiting.png")).unwrap();

    // 小美 answers: tb_小明 leaves the queue.
    post_events(
        &base,
        &token,
        &msg(&now.2, "tb_小明", "晨光旗舰店:小美", "agent", "3"),
    );
    d.wait_for("the answered buyer to leave", |d| {
        d.text("#queue").is_ok_and(|t| t == "1")
    })
    .unwrap();
    let page = d.source().unwrap();
    assert!(!page.contains("tb_小明</td>"), "{page}");
    d.screenshot(&shots.join("live-answered.png")).unwrap();

    // English is complete.
    d.goto(&format!("{base}/live?lang=en")).unwrap();
    d.wait_for("the English page", |d| {
        d.text("#queue").is_ok_and(|t| t == "1")
    })
    .unwrap();
    let page = d.source().unwrap();
    assert!(page.contains("Buyers waiting now") && page.contains("Queue per account"));

    // The agent Lily sees her own buyer only (there is no other waiting now anyway, but
    // 小美's activity is not hers).
    let d2 = Driver::start().expect("a second browser");
    assert!(login(&d2, &base, "lily", "lily-password-1"));
    d2.goto(&format!("{base}/live?lang=zh-CN")).unwrap();
    d2.wait_for("Lily's buyer", |d| d.text("#queue").is_ok_and(|t| t == "1"))
        .unwrap();
    let page = d2.source().unwrap();
    assert!(page.contains("tb_阿花"));
    assert!(!page.contains("晨光旗舰店:小美</td>"), "{page}");
    assert!(page.contains("只显示您自己的账号"));
    d2.screenshot(&shots.join("live-agent.png")).unwrap();
}

/// Store-local (UTC+8) times: a minute ago, 30 s ago, now, as `YYYY-MM-DD HH:MM:SS`.
fn chrono_now_shanghai() -> (String, String, String) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
        + 8 * 3600;
    let conn = rusqlite::Connection::open_in_memory().unwrap();
    let at = |t: i64| -> String {
        conn.query_row("SELECT datetime(?1, 'unixepoch')", [t], |r| r.get(0))
            .unwrap()
    };
    (at(now - 60), at(now - 30), at(now))
}
