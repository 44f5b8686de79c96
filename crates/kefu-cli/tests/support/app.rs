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

pub struct Server(Child);

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
    let done = |d: &Driver| {
        !d.url().unwrap_or_default().contains("/login")
            || d.source().unwrap_or_default().contains("role=\"alert\"")
    };
    d.wait_for("the login answer", done).unwrap();
    !d.url().unwrap().contains("/login")
}
