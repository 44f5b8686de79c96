//! A small SMTP client for alert mails: EHLO, STARTTLS or TLS from the start, AUTH PLAIN (or
//! LOGIN when the server offers only that), one message to its recipients, QUIT. The mail is
//! UTF-8 plain text in Base64, the subject an RFC 2047 encoded word.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64ct::{Base64, Encoding};
use kefu_core::alert::{EmailChannel, SmtpSecurity};
use kefu_core::time::{DAY_MS, Day, HOUR_MS};

use crate::{Message, NotifyError};

trait Stream: Read + Write + Send {}
impl<T: Read + Write + Send> Stream for T {}

/// The longest reply line read (RFC 5321 allows 512 bytes).
const MAX_LINE: usize = 4096;

struct Session {
    io: BufReader<Box<dyn Stream>>,
}

pub(crate) fn send(
    mail: &EmailChannel,
    message: &Message,
    timeout: Duration,
) -> Result<(), NotifyError> {
    let tcp = connect(&mail.host, mail.port, timeout)?;
    let stream: Box<dyn Stream> = match mail.security {
        SmtpSecurity::Tls => Box::new(tls(&mail.host, Box::new(tcp))?),
        SmtpSecurity::None | SmtpSecurity::StartTls => Box::new(tcp),
    };
    let mut s = Session {
        io: BufReader::new(stream),
    };
    s.expect(220)?;
    let mut features = s.ehlo()?;
    if mail.security == SmtpSecurity::StartTls {
        s.command("STARTTLS", 220)?;
        let inner = s.io.into_inner();
        s = Session {
            io: BufReader::new(Box::new(tls(&mail.host, inner)?)),
        };
        features = s.ehlo()?;
    }
    if !mail.user.is_empty() {
        let auth = features
            .iter()
            .find(|l| l.to_ascii_uppercase().starts_with("AUTH"))
            .map(|l| l.to_ascii_uppercase());
        let login_only = auth
            .as_ref()
            .is_some_and(|a| a.contains("LOGIN") && !a.contains("PLAIN"));
        if login_only {
            s.command("AUTH LOGIN", 334)?;
            s.command(&Base64::encode_string(mail.user.as_bytes()), 334)?;
            s.command(&Base64::encode_string(mail.password.as_bytes()), 235)?;
        } else {
            let plain = format!("\0{}\0{}", mail.user, mail.password);
            s.command(
                &format!("AUTH PLAIN {}", Base64::encode_string(plain.as_bytes())),
                235,
            )?;
        }
    }
    s.command(&format!("MAIL FROM:<{}>", mail.from), 250)?;
    for to in &mail.to {
        s.command_any(&format!("RCPT TO:<{to}>"), &[250, 251])?;
    }
    s.command("DATA", 354)?;
    let data = dot_stuffed(&compose(mail, message, now_ms()));
    s.write(&data)?;
    s.write(".\r\n")?;
    s.expect(250)?;
    // The mail is accepted; a failed QUIT changes nothing.
    let _ = s.command("QUIT", 221);
    Ok(())
}

fn connect(host: &str, port: u16, timeout: Duration) -> Result<TcpStream, NotifyError> {
    let addrs = (host, port)
        .to_socket_addrs()
        .map_err(|e| NotifyError::Network(format!("{host}:{port}: {e}")))?;
    let mut last = NotifyError::Network(format!("{host}:{port}: no address"));
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, timeout) {
            Ok(tcp) => {
                let set = tcp
                    .set_read_timeout(Some(timeout))
                    .and_then(|()| tcp.set_write_timeout(Some(timeout)));
                return set.map(|()| tcp).map_err(io_error);
            }
            Err(e) => last = io_error(e),
        }
    }
    Err(last)
}

fn tls(
    host: &str,
    inner: Box<dyn Stream>,
) -> Result<rustls::StreamOwned<rustls::ClientConnection, Box<dyn Stream>>, NotifyError> {
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| NotifyError::Tls(e.to_string()))?
    .with_root_certificates(roots)
    .with_no_client_auth();
    let name = rustls::pki_types::ServerName::try_from(host.to_string())
        .map_err(|e| NotifyError::Tls(e.to_string()))?;
    let conn = rustls::ClientConnection::new(Arc::new(config), name)
        .map_err(|e| NotifyError::Tls(e.to_string()))?;
    Ok(rustls::StreamOwned::new(conn, inner))
}

fn io_error(e: std::io::Error) -> NotifyError {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::TimedOut | K::WouldBlock => NotifyError::Timeout,
        K::InvalidData if e.get_ref().is_some_and(|i| i.is::<rustls::Error>()) => {
            NotifyError::Tls(e.to_string())
        }
        _ => NotifyError::Network(e.to_string()),
    }
}

impl Session {
    fn write(&mut self, text: &str) -> Result<(), NotifyError> {
        let w = self.io.get_mut();
        w.write_all(text.as_bytes())
            .and_then(|()| w.flush())
            .map_err(io_error)
    }

    /// Reads one reply (all its lines): its code and its lines' texts.
    fn reply(&mut self) -> Result<(u16, Vec<String>), NotifyError> {
        let mut lines = Vec::new();
        loop {
            let mut buf = Vec::new();
            let n = (&mut self.io)
                .take(MAX_LINE as u64)
                .read_until(b'\n', &mut buf)
                .map_err(io_error)?;
            if n == 0 {
                return Err(NotifyError::Network(
                    "the mail server closed the connection".into(),
                ));
            }
            let line = String::from_utf8_lossy(&buf).trim_end().to_string();
            let code = line
                .get(..3)
                .and_then(|c| c.parse::<u16>().ok())
                .ok_or_else(|| NotifyError::Smtp(line.chars().take(200).collect()))?;
            let last = line.as_bytes().get(3) != Some(&b'-');
            lines.push(line.get(4..).unwrap_or("").to_string());
            if last {
                return Ok((code, lines));
            }
            if lines.len() > 100 {
                return Err(NotifyError::Smtp("reply too long".into()));
            }
        }
    }

    fn expect(&mut self, code: u16) -> Result<Vec<String>, NotifyError> {
        self.expect_any(&[code])
    }

    fn expect_any(&mut self, codes: &[u16]) -> Result<Vec<String>, NotifyError> {
        let (got, lines) = self.reply()?;
        if codes.contains(&got) {
            Ok(lines)
        } else {
            let said: String = lines.join(" ").chars().take(200).collect();
            Err(NotifyError::Smtp(format!("{got} {said}")))
        }
    }

    fn command(&mut self, line: &str, code: u16) -> Result<Vec<String>, NotifyError> {
        self.command_any(line, &[code])
    }

    fn command_any(&mut self, line: &str, codes: &[u16]) -> Result<Vec<String>, NotifyError> {
        self.write(&format!("{line}\r\n"))?;
        self.expect_any(codes)
    }

    /// EHLO, and HELO when the server does not know EHLO; the extensions it offers.
    fn ehlo(&mut self) -> Result<Vec<String>, NotifyError> {
        match self.command("EHLO kefu", 250) {
            Ok(lines) => Ok(lines),
            Err(NotifyError::Smtp(reply)) if reply.starts_with('5') => {
                self.command("HELO kefu", 250)
            }
            Err(e) => Err(e),
        }
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// The mail: headers and the Base64 body, lines ending in CRLF.
pub(crate) fn compose(mail: &EmailChannel, message: &Message, now_utc_ms: i64) -> String {
    let mut out = String::new();
    out.push_str(&format!("From: kefu <{}>\r\n", mail.from));
    out.push_str(&format!("To: {}\r\n", mail.to.join(", ")));
    out.push_str(&format!("Subject: {}\r\n", encoded_words(&message.title)));
    out.push_str(&format!("Date: {}\r\n", rfc2822(now_utc_ms)));
    out.push_str(&format!("Message-ID: <{now_utc_ms}.alert@kefu>\r\n"));
    out.push_str("MIME-Version: 1.0\r\n");
    out.push_str("Content-Type: text/plain; charset=UTF-8\r\n");
    out.push_str("Content-Transfer-Encoding: base64\r\n\r\n");
    let body = message.plain.replace("\r\n", "\n").replace('\n', "\r\n");
    let encoded = Base64::encode_string(body.as_bytes());
    for chunk in encoded.as_bytes().chunks(76) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push_str("\r\n");
    }
    out
}

/// A header text as RFC 2047 `=?UTF-8?B?…?=` words of at most 45 bytes of text each (75
/// characters encoded), folded onto continuation lines.
fn encoded_words(text: &str) -> String {
    let mut words = Vec::new();
    let mut chunk = String::new();
    for c in text.chars().filter(|c| !c.is_control()) {
        if chunk.len() + c.len_utf8() > 45 {
            words.push(std::mem::take(&mut chunk));
        }
        chunk.push(c);
    }
    if !chunk.is_empty() || words.is_empty() {
        words.push(chunk);
    }
    words
        .iter()
        .map(|w| format!("=?UTF-8?B?{}?=", Base64::encode_string(w.as_bytes())))
        .collect::<Vec<_>>()
        .join("\r\n ")
}

/// `Thu, 03 Dec 2026 09:58:00 +0000`.
fn rfc2822(utc_ms: i64) -> String {
    let day = Day::of(utc_ms);
    let (y, m, d) = day.ymd();
    const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let weekday = WEEKDAYS[day.0.rem_euclid(7) as usize];
    let month = MONTHS[(m as usize).saturating_sub(1).min(11)];
    let tod = utc_ms.rem_euclid(DAY_MS);
    format!(
        "{weekday}, {d:02} {month} {y} {:02}:{:02}:{:02} +0000",
        tod / HOUR_MS,
        tod / 60_000 % 60,
        tod / 1000 % 60
    )
}

/// A line that starts with `.` gets another (RFC 5321 §4.5.2).
fn dot_stuffed(data: &str) -> String {
    data.split_inclusive("\r\n")
        .map(|line| {
            if line.starts_with('.') {
                format!(".{line}")
            } else {
                line.to_string()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_subjects_and_dots_are_written_as_the_rfcs_say() {
        // 2026-12-03 09:58:00 UTC was a Thursday.
        let t = Day::from_ymd(2026, 12, 3).map_or(0, Day::start) + 9 * HOUR_MS + 58 * 60_000;
        assert_eq!(rfc2822(t), "Thu, 03 Dec 2026 09:58:00 +0000");
        assert_eq!(rfc2822(0), "Thu, 01 Jan 1970 00:00:00 +0000");
        // "提醒" is 6 bytes: 5bCP5bCP… base64 of its UTF-8.
        assert_eq!(encoded_words("提醒"), "=?UTF-8?B?5o+Q6YaS?=");
        // 20 three-byte characters: 45 bytes in the first word, 15 in the second.
        let long = "提".repeat(20);
        let words = encoded_words(&long);
        assert_eq!(words.matches("=?UTF-8?B?").count(), 2);
        assert!(words.lines().all(|l| l.trim().len() <= 75));
        assert_eq!(dot_stuffed("a\r\n.b\r\n..\r\n"), "a\r\n..b\r\n...\r\n");
    }
}
