//! What the browser tests share: running `kefu` commands, `kefu serve` on a free port for
//! the length of a test, the screenshot directory, and logging in through the form.

#![allow(dead_code)]

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::webdriver::Driver;

pub fn kefu() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kefu"));
    c.env("LANG", "zh_CN.UTF-8");
    c
}

pub fn run(args: &[&str], stdin: &str) {
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

/// Adds the users of a test through `kefu user add`: (role, name, extra arguments such as
/// `--store S` or `--account A`); each one's password is `<name>-password-1`.
pub fn add_users(db: &str, users: &[(&str, &str, [&str; 2])]) {
    for (role, name, extra) in users {
        let mut args = vec!["user", "add", "--db", db, "--role", role];
        args.extend(extra);
        args.push(name);
        run(&args, &format!("{name}-password-1\n"));
    }
}

/// A `kefu serve` child, killed when dropped (a test that fails does not leave it running).
pub struct Server(pub Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn serve(db: &Path) -> (Server, String) {
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

/// True when `KEFU_SKIP_BROWSER` asks to skip the browser tests (said on stderr, so that a
/// skipped run does not pass for a tested one).
pub fn browser_skipped() -> bool {
    let skip = std::env::var_os("KEFU_SKIP_BROWSER").is_some();
    if skip {
        eprintln!("KEFU_SKIP_BROWSER is set: browser test skipped");
    }
    skip
}

/// Imports the sample store of `testdata/sample` into `db` as 晨光旗舰店.
pub fn import_sample(db: &Path) {
    import_into(
        db,
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/sample/input"),
    );
}

/// Imports `files` (a file or folder) into `db` as 晨光旗舰店.
pub fn import_into(db: &Path, files: &Path) {
    run(
        &[
            "import",
            "--db",
            db.to_str().unwrap(),
            "--store",
            "晨光旗舰店",
            files.to_str().unwrap(),
        ],
        "",
    );
}

/// Adds a web user to `db` (`kefu user add`, linked to `account` when given), the password
/// on standard input.
pub fn add_user(db: &Path, role: &str, name: &str, password: &str, account: Option<&str>) {
    let mut args = vec!["user", "add", "--db", db.to_str().unwrap(), "--role", role];
    if let Some(a) = account {
        args.extend(["--account", a]);
    }
    args.push(name);
    run(&args, &format!("{password}\n"));
}

/// Saves kefu's shipped presale plan into `db`, in force from 2026-11 (`kefu plan save`).
pub fn save_presale_plan(db: &Path) {
    let presale = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../plans/presale.toml");
    run(
        &[
            "plan",
            "save",
            "--db",
            db.to_str().unwrap(),
            "--from",
            "2026-11",
            presale.to_str().unwrap(),
        ],
        "",
    );
}

pub fn shots() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Logs in through the form; true when the login succeeded.
pub fn login(d: &Driver, base: &str, name: &str, password: &str) -> bool {
    d.goto(&format!("{base}/login?lang=zh-CN")).unwrap();
    d.type_into("input[name=name]", name).unwrap();
    d.type_into("input[name=password]", password).unwrap();
    d.click("button[type=submit]").unwrap();
    // Done when the page after the login shows the new user in its header (not merely when
    // the address changed: the next navigation must not race the redirect's page), or when
    // the form shows its refusal.
    let me = format!(">{name} (");
    let done = |d: &Driver| {
        let page = d.source().unwrap_or_default();
        let url = d.url().unwrap_or_default();
        (!url.contains("/login") && page.contains(&me)) || page.contains("role=\"alert\"")
    };
    d.wait_for("the login answer", done).unwrap();
    !d.url().unwrap().contains("/login")
}

/// One request on its own connection; the whole answer (headers and body) as text.
pub fn exchange(addr: &str, request: &[u8]) -> String {
    use std::io::{Read, Write};
    let mut s = TcpStream::connect(addr).unwrap();
    s.write_all(request).unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).unwrap();
    String::from_utf8_lossy(&out).into_owned()
}

/// The value of cookie `name` set by a response.
pub fn cookie(response: &str, name: &str) -> String {
    let prefix = format!("set-cookie: {name}=");
    response
        .lines()
        .find_map(|l| {
            let lower = l.to_ascii_lowercase();
            lower.starts_with(&prefix).then(|| {
                l[prefix.len()..]
                    .split(';')
                    .next()
                    .unwrap_or("")
                    .to_string()
            })
        })
        .unwrap_or_else(|| panic!("no cookie {name} in\n{response}"))
}

/// The page's `<main>` part.
pub fn main_part(d: &Driver) -> String {
    let page = d.source().unwrap_or_default();
    page.split("<main>").nth(1).unwrap_or_default().to_string()
}

/// Waits until the address contains `part` (a click returns before its navigation ends).
pub fn arrive(d: &Driver, part: &str) {
    d.wait_for(part, |d| d.url().unwrap_or_default().contains(part))
        .unwrap_or_else(|e| panic!("{e}\n{}", main_part(d)));
}

/// Screenshots of the current page at desktop and phone widths: `name.png`, `name-390.png`.
pub fn both_widths(d: &Driver, shots: &Path, name: &str) {
    for (width, file) in [
        (1440, format!("{name}.png")),
        (390, format!("{name}-390.png")),
    ] {
        d.set_window_size(width, 1000).unwrap();
        let url = d.url().unwrap();
        d.goto(&url).unwrap();
        // At a phone's width nothing but the tables' own boxes scrolls sideways.
        let wide = d
            .script("return document.documentElement.scrollWidth - window.innerWidth;")
            .unwrap();
        assert!(
            wide.as_f64().is_some_and(|x| x <= 1.0),
            "{name} at {width} px is {wide} px too wide"
        );
        d.screenshot(&shots.join(file)).unwrap();
    }
    d.set_window_size(1440, 1000).unwrap();
}
