//! A small WebDriver client for browser tests: Debian's `chromedriver` driving headless
//! Chromium, spoken to over plain HTTP/1.1 with JSON bodies (no async runtime, no extra crates).

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

pub struct Driver {
    child: Child,
    port: u16,
    session: String,
    _profile: tempfile::TempDir,
}

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl Driver {
    /// Starts chromedriver and a headless Chromium with a fresh profile.
    pub fn start() -> Result<Driver, String> {
        let port = free_port();
        let child = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| {
                format!("cannot start chromedriver (apt-get install chromium-driver): {e}")
            })?;
        let profile = tempfile::tempdir().map_err(|e| e.to_string())?;
        let mut driver = Driver {
            child,
            port,
            session: String::new(),
            _profile: profile,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > deadline {
                return Err("chromedriver did not start listening".into());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--window-size=1440,1000",
            &format!("--user-data-dir={}", driver._profile.path().display()),
        ];
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": "/usr/bin/chromium", "args": args}
        }}});
        let v = driver.call("POST", "/session", Some(caps))?;
        driver.session = v["value"]["sessionId"]
            .as_str()
            .ok_or("no session id")?
            .to_string();
        Ok(driver)
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).map_err(|e| e.to_string())?;
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .map_err(|e| e.to_string())?;
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.port,
            body.len()
        );
        stream
            .write_all(request.as_bytes())
            .map_err(|e| e.to_string())?;
        let body = read_response(&mut stream)?;
        let v: Value = serde_json::from_str(&body).map_err(|e| format!("{e}: {body}"))?;
        if let Some(err) = v["value"].get("error") {
            return Err(format!("{method} {path}: {err}: {}", v["value"]["message"]));
        }
        Ok(v)
    }

    fn session_call(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
        self.call(method, &format!("/session/{}{path}", self.session), body)
    }

    /// Opens `url` (or where it redirects) and waits until its document is loaded and has a
    /// body: on a loaded machine Chromium has answered a navigation before the new document
    /// could be read.
    pub fn goto(&self, url: &str) -> Result<(), String> {
        self.session_call("POST", "/url", Some(json!({"url": url})))?;
        self.wait_for(&format!("the page {url}"), |d| {
            d.source().is_ok_and(|s| s.contains("<body"))
        })
    }

    pub fn url(&self) -> Result<String, String> {
        Ok(self.session_call("GET", "/url", None)?["value"]
            .as_str()
            .unwrap_or_default()
            .to_string())
    }

    pub fn source(&self) -> Result<String, String> {
        Ok(self.session_call("GET", "/source", None)?["value"]
            .as_str()
            .unwrap_or_default()
            .to_string())
    }

    /// The first element matching a CSS selector.
    pub fn find(&self, css: &str) -> Result<String, String> {
        let v = self.session_call(
            "POST",
            "/element",
            Some(json!({"using": "css selector", "value": css})),
        )?;
        v["value"][ELEMENT]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| format!("no element {css}"))
    }

    /// Clicks the link whose text is exactly `text`.
    pub fn click_link(&self, text: &str) -> Result<(), String> {
        let v = self.session_call(
            "POST",
            "/element",
            Some(json!({"using": "link text", "value": text})),
        )?;
        let el = v["value"][ELEMENT]
            .as_str()
            .ok_or_else(|| format!("no link {text}"))?
            .to_string();
        self.session_call("POST", &format!("/element/{el}/click"), Some(json!({})))
            .map(|_| ())
    }

    pub fn type_into(&self, css: &str, text: &str) -> Result<(), String> {
        let el = self.find(css)?;
        self.session_call(
            "POST",
            &format!("/element/{el}/value"),
            Some(json!({"text": text})),
        )
        .map(|_| ())
    }

    /// Sets the value of the first element matching `css` (a date, month or text area, which
    /// typed keys would enter in the browser's locale format or after the text already there).
    pub fn set_value(&self, css: &str, value: &str) -> Result<(), String> {
        let mut element = serde_json::Map::new();
        element.insert(ELEMENT.to_string(), Value::String(self.find(css)?));
        self.session_call(
            "POST",
            "/execute/sync",
            Some(json!({
                "script": "arguments[0].value = arguments[1];",
                "args": [element, value],
            })),
        )
        .map(|_| ())
    }

    pub fn click(&self, css: &str) -> Result<(), String> {
        let el = self.find(css)?;
        self.session_call("POST", &format!("/element/{el}/click"), Some(json!({})))
            .map(|_| ())
    }

    pub fn text(&self, css: &str) -> Result<String, String> {
        let el = self.find(css)?;
        Ok(
            self.session_call("GET", &format!("/element/{el}/text"), None)?["value"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        )
    }

    /// Waits (up to 15 s) until `ready` holds for the current page, e.g. after a click that
    /// submits a form: a click returns before the navigation it starts has finished.
    pub fn wait_for(&self, what: &str, ready: impl Fn(&Driver) -> bool) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let loaded = self
                .session_call(
                    "POST",
                    "/execute/sync",
                    Some(json!({"script": "return document.readyState", "args": []})),
                )
                .map(|v| v["value"] == "complete")
                .unwrap_or(false);
            if loaded && ready(self) {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "timed out waiting for {what} (at {})",
                    self.url().unwrap_or_default()
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Resizes the window (CSS pixels): 390 wide is a phone.
    pub fn set_window_size(&self, width: u32, height: u32) -> Result<(), String> {
        self.session_call(
            "POST",
            "/window/rect",
            Some(json!({"width": width, "height": height})),
        )
        .map(|_| ())
    }

    /// Runs a script in the page and returns its value.
    pub fn script(&self, js: &str) -> Result<Value, String> {
        let v = self.session_call(
            "POST",
            "/execute/sync",
            Some(json!({"script": js, "args": []})),
        )?;
        Ok(v["value"].clone())
    }

    /// Saves a PNG screenshot of the window.
    pub fn screenshot(&self, path: &Path) -> Result<(), String> {
        let v = self.session_call("GET", "/screenshot", None)?;
        let png = base64_decode(v["value"].as_str().ok_or("no screenshot")?)?;
        std::fs::write(path, png).map_err(|e| e.to_string())
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = self.call("DELETE", &format!("/session/{}", self.session), None);
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Reads one HTTP response body: by Content-Length, or chunked. chromedriver may keep the
/// connection open, so reading to the end would wait for a timeout.
fn read_response(stream: &mut TcpStream) -> Result<String, String> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let header_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = stream.read(&mut chunk).map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("connection closed before the headers ended".into());
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..header_end]).to_ascii_lowercase();
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok());
    let chunked = head.contains("transfer-encoding: chunked");
    loop {
        let body = &buf[header_end..];
        let complete = match length {
            Some(n) => body.len() >= n,
            None if chunked => body.ends_with(b"0\r\n\r\n"),
            None => false,
        };
        if complete {
            break;
        }
        let n = stream.read(&mut chunk).map_err(|e| e.to_string())?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = String::from_utf8_lossy(&buf[header_end..]).into_owned();
    Ok(if chunked { dechunk(&body) } else { body })
}

fn dechunk(body: &str) -> String {
    let mut out = String::new();
    let mut rest = body;
    while let Some((size, tail)) = rest.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || tail.len() < n {
            break;
        }
        out.push_str(&tail[..n]);
        rest = tail[n..].trim_start_matches("\r\n");
    }
    out
}

fn base64_decode(s: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' | b'\n' | b'\r' => continue,
            _ => return Err(format!("bad base64 byte {c}")),
        };
        acc = (acc << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Ok(out)
}

impl Driver {
    /// Runs a DevTools command through chromedriver; its result.
    pub fn cdp(&self, cmd: &str, params: Value) -> Result<Value, String> {
        let v = self.session_call(
            "POST",
            "/goog/cdp/execute",
            Some(json!({"cmd": cmd, "params": params})),
        )?;
        Ok(v["value"].clone())
    }

    /// Prints the current page to a PDF the way a user's "Save as PDF" does: Chromium's
    /// DevTools `Page.printToPDF` (through chromedriver) with the page's own print stylesheet
    /// and `@page` size; returns the PDF's bytes.
    pub fn print_pdf(&self) -> Result<Vec<u8>, String> {
        let v = self.cdp(
            "Page.printToPDF",
            json!({"preferCSSPageSize": true, "printBackground": true}),
        )?;
        base64_decode(v["data"].as_str().ok_or("no PDF data")?)
    }

    /// Every cookie of the current page, HttpOnly ones included, as WebDriver reports them.
    pub fn cookies(&self) -> Result<Value, String> {
        Ok(self.session_call("GET", "/cookie", None)?["value"].clone())
    }
}
