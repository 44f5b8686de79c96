//! The web app in headless Chromium, through `kefu serve` as users run it: log in, open each
//! page, check what an agent may see, save screenshots (under the target directory's
//! `screenshots/`).

mod support;

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use support::webdriver::Driver;

fn kefu() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kefu"));
    c.env("LANG", "zh_CN.UTF-8");
    c
}

fn run(args: &[&str], stdin: &str) {
    let mut child = kefu()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("kefu");
    use std::io::Write;
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    assert!(child.wait().expect("wait").success(), "kefu {args:?}");
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(db: &Path) -> (Server, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let child = kefu()
        .args(["serve", "--db", db.to_str().unwrap(), "--addr", &addr])
        .stdout(Stdio::null())
        .spawn()
        .expect("kefu serve");
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(&addr).is_err() {
        assert!(Instant::now() < deadline, "kefu serve did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    (Server(child), format!("http://{addr}"))
}

fn shots() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Logs in through the form; true when the login succeeded.
fn login(d: &Driver, base: &str, name: &str, password: &str) -> bool {
    d.goto(&format!("{base}/login?lang=zh-CN")).unwrap();
    d.type_into("input[name=name]", name).unwrap();
    d.type_into("input[name=password]", password).unwrap();
    d.click("button[type=submit]").unwrap();
    let done = |d: &Driver| {
        !d.url().unwrap_or_default().contains("/login")
            || d.source().unwrap_or_default().contains("role=\"alert\"")
    };
    d.wait_for("the login answer", done).unwrap();
    !d.url().unwrap().contains("/login")
}

#[test]
fn pages_in_headless_chromium() {
    if std::env::var_os("KEFU_SKIP_BROWSER").is_some() {
        eprintln!("KEFU_SKIP_BROWSER is set: browser test skipped");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("k.db");
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/sample/input");
    run(
        &[
            "import",
            "--db",
            db.to_str().unwrap(),
            "--store",
            "晨光旗舰店",
            sample.to_str().unwrap(),
        ],
        "",
    );
    run(
        &[
            "user",
            "add",
            "--db",
            db.to_str().unwrap(),
            "--role",
            "admin",
            "boss",
        ],
        "boss-password-1\n",
    );
    run(
        &[
            "user",
            "add",
            "--db",
            db.to_str().unwrap(),
            "--role",
            "agent",
            "--account",
            "晨光旗舰店:Lily",
            "lily",
        ],
        "lily-password-1\n",
    );
    let (_server, base) = serve(&db);
    let d = Driver::start().expect("chromedriver and chromium (scripts/test.sh installs them)");
    let shots = shots();

    // Anonymous: only the login page.
    d.goto(&format!("{base}/ranking")).unwrap();
    assert!(d.url().unwrap().ends_with("/login"), "{}", d.url().unwrap());
    d.screenshot(&shots.join("login.png")).unwrap();

    // A wrong password keeps us out.
    assert!(!login(&d, &base, "boss", "not-the-password"));
    let ok = login(&d, &base, "boss", "boss-password-1");
    assert!(
        ok,
        "{}",
        d.source()
            .unwrap()
            .split("<main>")
            .nth(1)
            .unwrap_or_default()
    );
    d.goto(&format!("{base}/?from=2026-11-10&to=2026-11-12&lang=zh-CN"))
        .unwrap();
    let page = d.source().unwrap();
    assert!(
        page.contains("晨光旗舰店") && page.contains("<svg"),
        "overview:\n{page}"
    );
    d.screenshot(&shots.join("overview.png")).unwrap();

    d.goto(&format!(
        "{base}/ranking?from=2026-11-10&to=2026-11-12&sort=sales&dir=desc&lang=zh-CN"
    ))
    .unwrap();
    let page = d.source().unwrap();
    for account in ["晨光旗舰店:Lily", "晨光旗舰店:七七", "店小蜜"] {
        assert!(page.contains(account), "ranking lacks {account}");
    }
    assert!(
        page.contains("33535.00"),
        "Lily's sales of the expected figures"
    );
    d.screenshot(&shots.join("ranking.png")).unwrap();

    // Drill down: from the ranking to the account's receptions, then to one transcript.
    d.click_link("晨光旗舰店:Lily").unwrap();
    d.wait_for("the account page", |d| {
        d.url().unwrap_or_default().contains("/account")
    })
    .unwrap();
    let page = d.source().unwrap();
    assert!(page.contains("/reception?"), "receptions listed:\n{page}");
    d.screenshot(&shots.join("account.png")).unwrap();
    d.click("a[href^='/reception']").unwrap();
    d.wait_for("a transcript", |d| {
        d.url().unwrap_or_default().contains("/reception")
    })
    .unwrap();
    let page = d.source().unwrap();
    assert!(
        page.contains("第 1 轮"),
        "round marks in the transcript:\n{page}"
    );
    d.screenshot(&shots.join("transcript.png")).unwrap();

    d.goto(&format!(
        "{base}/ranking?from=2026-11-10&to=2026-11-12&lang=en"
    ))
    .unwrap();
    assert!(d.source().unwrap().contains("Agent sales"));
    d.screenshot(&shots.join("ranking-en.png")).unwrap();

    // An agent sees only their own account.
    assert!(login(&d, &base, "lily", "lily-password-1"));
    d.goto(&format!("{base}/ranking?from=2026-11-10&to=2026-11-12"))
        .unwrap();
    let page = d.source().unwrap();
    assert!(page.contains("晨光旗舰店:Lily"));
    assert!(
        !page.contains("晨光旗舰店:七七") && !page.contains("店小蜜"),
        "an agent sees others:\n{page}"
    );
    d.goto(&format!(
        "{base}/api/v1/report?by=account&from=2026-11-10&to=2026-11-12"
    ))
    .unwrap();
    let api = d.source().unwrap();
    assert!(
        api.contains("晨光旗舰店:Lily") && !api.contains("七七"),
        "{api}"
    );
}
