//! Local receivers for tests and the latency bench (feature `testkit`): a robot webhook that
//! records 钉钉 and 企业微信 posts and checks 钉钉's signature, and an SMTP server that records
//! mails. Loopback only, one thread each, answers scripted per request.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64ct::{Base64, Encoding};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How the robot receiver answers one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// 200 `{"errcode":0,"errmsg":"ok"}`.
    Ok,
    /// This HTTP status with an empty body.
    Status(u16),
    /// 200 with this error code.
    Refuse(i64),
    /// Reads the request, then answers nothing for this long.
    Hang(Duration),
}

/// A post the robot receiver got.
#[derive(Debug, Clone)]
pub struct Post {
    /// The path and query.
    pub target: String,
    pub body: serde_json::Value,
    /// With a secret set: whether `timestamp` and `sign` were present, the timestamp within an
    /// hour of now and the sign right. `None` without a secret.
    pub signature_ok: Option<bool>,
    pub received: Instant,
}

struct Shared<T> {
    items: Mutex<Vec<T>>,
    arrived: Condvar,
}

impl<T: Clone> Shared<T> {
    fn new() -> Arc<Shared<T>> {
        Arc::new(Shared {
            items: Mutex::new(Vec::new()),
            arrived: Condvar::new(),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Vec<T>> {
        self.items.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn push(&self, item: T) {
        self.lock().push(item);
        self.arrived.notify_all();
    }

    /// Waits until at least `n` items arrived or `limit` passed; all of them.
    fn wait_for(&self, n: usize, limit: Duration) -> Vec<T> {
        let deadline = Instant::now() + limit;
        let mut items = self.lock();
        while items.len() < n {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            items = self
                .arrived
                .wait_timeout(items, left)
                .map_or_else(|p| p.into_inner().0, |(g, _)| g);
        }
        items.clone()
    }
}

/// A robot webhook on 127.0.0.1.
pub struct RobotReceiver {
    addr: SocketAddr,
    posts: Arc<Shared<Post>>,
    script: Arc<Mutex<VecDeque<Answer>>>,
}

impl RobotReceiver {
    /// Starts one; `secret` non-empty checks 钉钉's signature of every post.
    pub fn start(secret: &str) -> std::io::Result<RobotReceiver> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let posts = Shared::new();
        let script: Arc<Mutex<VecDeque<Answer>>> = Arc::default();
        let (p, s, secret) = (posts.clone(), script.clone(), secret.to_string());
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let answer = s
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .pop_front()
                    .unwrap_or(Answer::Ok);
                let (p, secret) = (p.clone(), secret.clone());
                std::thread::spawn(move || serve_http(conn, &p, &secret, answer));
            }
        });
        Ok(RobotReceiver {
            addr,
            posts,
            script,
        })
    }

    /// `http://127.0.0.1:PORT{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The next requests' answers, in order; after them every request gets [`Answer::Ok`].
    pub fn script(&self, answers: impl IntoIterator<Item = Answer>) {
        self.script
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend(answers);
    }

    pub fn posts(&self) -> Vec<Post> {
        self.posts.lock().clone()
    }

    pub fn wait_for(&self, n: usize, limit: Duration) -> Vec<Post> {
        self.posts.wait_for(n, limit)
    }
}

fn serve_http(conn: TcpStream, posts: &Shared<Post>, secret: &str, answer: Answer) {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(10)));
    let Ok(write_half) = conn.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(conn);
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    let target = line.split_whitespace().nth(1).unwrap_or("").to_string();
    let mut length = 0usize;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).unwrap_or(0) == 0 {
            return;
        }
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; length.min(1 << 20)];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let received = Instant::now();
    let signature_ok = (!secret.is_empty()).then(|| signature_ok(&target, secret));
    posts.push(Post {
        target,
        body: serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null),
        signature_ok,
        received,
    });
    let (status, text) = match answer {
        Answer::Ok => (200, r#"{"errcode":0,"errmsg":"ok"}"#.to_string()),
        Answer::Status(s) => (s, String::new()),
        Answer::Refuse(code) => (200, format!(r#"{{"errcode":{code},"errmsg":"refused"}}"#)),
        Answer::Hang(d) => {
            std::thread::sleep(d);
            return;
        }
    };
    let mut w = write_half;
    let _ = write!(
        w,
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
        text.len()
    );
}

/// 钉钉's check: `timestamp` within an hour of now and `sign` equal to
/// Base64(HMAC-SHA256(secret, timestamp + "\n" + secret)), URL-decoded.
fn signature_ok(target: &str, secret: &str) -> bool {
    let query = target.split_once('?').map_or("", |(_, q)| q);
    let param = |name: &str| {
        query
            .split('&')
            .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
    };
    let (Some(ts), Some(sign)) = (param("timestamp"), param("sign")) else {
        return false;
    };
    let Ok(ts_ms) = ts.parse::<i64>() else {
        return false;
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    if (now - ts_ms).abs() > 3_600_000 {
        return false;
    }
    let Ok(decoded) = percent_encoding::percent_decode_str(sign).decode_utf8() else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return false;
    };
    mac.update(format!("{ts}\n{secret}").as_bytes());
    let Ok(given) = Base64::decode_vec(&decoded) else {
        return false;
    };
    mac.verify_slice(&given).is_ok()
}

/// A mail the SMTP receiver got.
#[derive(Debug, Clone)]
pub struct Mail {
    pub from: String,
    pub to: Vec<String>,
    /// `AUTH PLAIN`'s user and password, when given.
    pub auth: Option<(String, String)>,
    /// The DATA as sent, dot-stuffing removed.
    pub data: String,
}

impl Mail {
    /// A header's value (the first line of it).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.data
            .lines()
            .take_while(|l| !l.is_empty())
            .find_map(|l| {
                let (n, v) = l.split_once(':')?;
                n.eq_ignore_ascii_case(name).then_some(v.trim())
            })
    }

    /// The subject, its RFC 2047 Base64 words decoded.
    pub fn subject(&self) -> String {
        let mut lines = self.data.lines().skip_while(|l| !l.starts_with("Subject:"));
        let mut raw = lines
            .next()
            .unwrap_or("")
            .trim_start_matches("Subject:")
            .to_string();
        for l in lines {
            if l.starts_with(' ') {
                raw.push_str(l);
            } else {
                break;
            }
        }
        let mut bytes = Vec::new();
        for word in raw.split_whitespace() {
            if let Some(b64) = word
                .strip_prefix("=?UTF-8?B?")
                .and_then(|w| w.strip_suffix("?="))
            {
                bytes.extend(Base64::decode_vec(b64).unwrap_or_default());
            }
        }
        String::from_utf8_lossy(&bytes).into_owned()
    }

    /// The Base64 body, decoded.
    pub fn body(&self) -> String {
        let b64: String = self
            .data
            .split("\r\n\r\n")
            .nth(1)
            .unwrap_or("")
            .split_whitespace()
            .collect();
        String::from_utf8_lossy(&Base64::decode_vec(&b64).unwrap_or_default()).into_owned()
    }
}

/// An SMTP server on 127.0.0.1: plain SMTP, EHLO offering `AUTH PLAIN`.
pub struct SmtpReceiver {
    addr: SocketAddr,
    mails: Arc<Shared<Mail>>,
}

impl SmtpReceiver {
    pub fn start() -> std::io::Result<SmtpReceiver> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let mails = Shared::new();
        let m = mails.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let m = m.clone();
                std::thread::spawn(move || serve_smtp(conn, &m));
            }
        });
        Ok(SmtpReceiver { addr, mails })
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    pub fn wait_for(&self, n: usize, limit: Duration) -> Vec<Mail> {
        self.mails.wait_for(n, limit)
    }
}

fn serve_smtp(conn: TcpStream, mails: &Shared<Mail>) {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(10)));
    let Ok(mut w) = conn.try_clone() else {
        return;
    };
    let mut r = BufReader::new(conn);
    let mut mail = Mail {
        from: String::new(),
        to: Vec::new(),
        auth: None,
        data: String::new(),
    };
    let _ = w.write_all(b"220 localhost kefu test ESMTP\r\n");
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let line = line.trim_end();
        let upper = line.to_ascii_uppercase();
        let reply: &[u8] = if upper.starts_with("EHLO") {
            b"250-localhost\r\n250-8BITMIME\r\n250 AUTH PLAIN\r\n"
        } else if upper.starts_with("HELO") {
            b"250 localhost\r\n"
        } else if let Some(b64) = line.strip_prefix("AUTH PLAIN ") {
            let plain = Base64::decode_vec(b64).unwrap_or_default();
            let parts: Vec<String> = plain
                .split(|&b| b == 0)
                .map(|p| String::from_utf8_lossy(p).into_owned())
                .collect();
            if let [_, user, pass] = parts.as_slice() {
                mail.auth = Some((user.clone(), pass.clone()));
                b"235 ok\r\n"
            } else {
                b"535 bad credentials\r\n"
            }
        } else if upper.starts_with("MAIL FROM:") {
            mail.from = line
                .get(10..)
                .unwrap_or("")
                .trim_matches(|c| c == '<' || c == '>')
                .to_string();
            b"250 ok\r\n"
        } else if upper.starts_with("RCPT TO:") {
            let to = line.get(8..).unwrap_or("");
            mail.to
                .push(to.trim_matches(|c| c == '<' || c == '>').to_string());
            b"250 ok\r\n"
        } else if upper == "DATA" {
            let _ = w.write_all(b"354 go ahead\r\n");
            let mut data = String::new();
            loop {
                let mut l = String::new();
                if r.read_line(&mut l).unwrap_or(0) == 0 {
                    return;
                }
                if l == ".\r\n" {
                    break;
                }
                data.push_str(l.strip_prefix('.').unwrap_or(&l));
            }
            mail.data = data;
            mails.push(mail.clone());
            b"250 queued\r\n"
        } else if upper == "QUIT" {
            let _ = w.write_all(b"221 bye\r\n");
            return;
        } else {
            b"502 not implemented\r\n"
        };
        if w.write_all(reply).is_err() {
            return;
        }
    }
}
