//! `kefu serve` as a process: SIGTERM stops it gracefully, letting an import that is being
//! uploaded finish, and it exits 0.

#![cfg(unix)]

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::app::{Server, cookie, exchange, kefu, run};

const PW: &str = "secret-password";

/// The CSRF token of the first form of a page.
fn csrf(page: &str) -> String {
    let at = page.find("name=\"csrf\" value=\"").expect("a form") + 19;
    page[at..].split('"').next().unwrap().to_string()
}

#[test]
fn sigterm_lets_an_import_in_flight_finish_then_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("k.db");
    let db_arg = db.to_str().unwrap();
    run(
        &["user", "add", "--db", db_arg, "--role", "admin", "admin"],
        &format!("{PW}\n"),
    );
    let addr = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().to_string()
    };
    let mut server = Server(
        kefu()
            .args(["serve", "--db", db.to_str().unwrap(), "--addr", &addr])
            .args(["--log-format", "json"])
            .env("KEFU_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    while TcpStream::connect(&addr).is_err() {
        assert!(Instant::now() < deadline, "kefu serve did not start");
        std::thread::sleep(Duration::from_millis(50));
    }

    let login_page = exchange(
        &addr,
        b"GET /login HTTP/1.1\r\nHost: k\r\nConnection: close\r\n\r\n",
    );
    let login_token = cookie(&login_page, "kefu_login");
    let form = format!("name=admin&password={PW}&csrf={login_token}");
    let login = exchange(
        &addr,
        format!(
            "POST /login HTTP/1.1\r\nHost: k\r\nConnection: close\r\nCookie: kefu_login={login_token}\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{form}",
            form.len()
        )
        .as_bytes(),
    );
    let session = cookie(&login, "kefu_session");
    let import_page = exchange(
        &addr,
        format!(
            "GET /import HTTP/1.1\r\nHost: k\r\nConnection: close\r\nCookie: kefu_session={session}\r\n\r\n"
        )
        .as_bytes(),
    );
    let token = csrf(&import_page);

    let boundary = "kefuBoundary7d2";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{token}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"store\"\r\n\r\n关店测试\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"m.csv\"\r\n\
         Content-Type: text/csv\r\n\r\n\
         time,buyer,account,sender,text\n\
         2026-11-10 10:00:00,b1,关店测试:小美,buyer,在吗\n\
         2026-11-10 10:00:30,b1,关店测试:小美,agent,在的\n\r\n\
         --{boundary}--\r\n"
    );
    let (first, rest) = body
        .as_bytes()
        .split_at(body.find("2026-11-10 10:00:30").unwrap());
    let mut upload = TcpStream::connect(&addr).unwrap();
    upload
        .write_all(
            format!(
                "POST /import?csrf={token} HTTP/1.1\r\nHost: k\r\nCookie: kefu_session={session}\r\n\
                 Content-Type: multipart/form-data; boundary={boundary}\r\n\
                 Content-Length: {}\r\n\r\n",
                body.len()
            )
            .as_bytes(),
        )
        .unwrap();
    upload.write_all(first).unwrap();
    upload.flush().unwrap();

    // The upload is in flight (half its body sent) when the server is told to stop.
    let pid = server.0.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    // It stops accepting connections…
    let deadline = Instant::now() + Duration::from_secs(60);
    while TcpStream::connect(&addr).is_ok() {
        assert!(Instant::now() < deadline, "still accepting after SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    }
    // …but the import finishes and is answered.
    upload.write_all(rest).unwrap();
    let mut answer = Vec::new();
    upload.read_to_end(&mut answer).unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("导入报告"), "{answer}");

    let status = server.0.wait().unwrap();
    assert!(status.success(), "{status:?}");
    let mut log = String::new();
    server
        .0
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut log)
        .unwrap();
    assert!(log.contains("SIGTERM received"), "{log}");
    // One JSON line per request, with its id and route, never a query or a token.
    let import_line = log
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["span"]["route"] == "/import" && v["span"]["method"] == "POST")
        .unwrap_or_else(|| panic!("no log line of the import in\n{log}"));
    assert_eq!(import_line["fields"]["status"], 200, "{import_line}");
    assert_eq!(import_line["span"]["id"].as_str().unwrap().len(), 16);
    assert!(!log.contains(&session) && !log.contains(PW));

    // The messages are in the store.
    let out = kefu()
        .args(["report", "--db", db.to_str().unwrap()])
        .args([
            "--from",
            "2026-11-10",
            "--to",
            "2026-11-10",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("关店测试:小美"));
}
