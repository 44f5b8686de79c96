//! 钉钉 and 企业微信 group robots: their markdown webhook payloads, 钉钉's signature, and the
//! check of their answer (`{"errcode":0,"errmsg":"ok"}`).

use std::time::{SystemTime, UNIX_EPOCH};

use base64ct::{Base64, Encoding};
use hmac::{Hmac, Mac};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use sha2::Sha256;

use crate::{Message, NotifyError};

/// The largest answer read from a robot.
const MAX_ANSWER: u64 = 64 * 1024;

/// 钉钉's signature of a request at `timestamp_ms` (milliseconds since the epoch): the string
/// `timestamp + "\n" + secret` signed by HMAC-SHA256 with the secret as key, in Base64 (not
/// yet URL-encoded).
pub fn dingtalk_sign(secret: &str, timestamp_ms: i64) -> String {
    let to_sign = format!("{timestamp_ms}\n{secret}");
    // HMAC takes a key of any length: `new_from_slice` cannot fail for it.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return String::new();
    };
    mac.update(to_sign.as_bytes());
    Base64::encode_string(&mac.finalize().into_bytes())
}

/// The webhook address with `&timestamp=…&sign=…` appended (the sign URL-encoded).
pub fn signed_address(webhook: &str, secret: &str, timestamp_ms: i64) -> String {
    let sign = dingtalk_sign(secret, timestamp_ms);
    let sep = if webhook.contains('?') { '&' } else { '?' };
    format!(
        "{webhook}{sep}timestamp={timestamp_ms}&sign={}",
        utf8_percent_encode(&sign, NON_ALPHANUMERIC)
    )
}

pub(crate) fn dingtalk(
    http: &ureq::Agent,
    webhook: &str,
    secret: &str,
    message: &Message,
) -> Result<(), NotifyError> {
    let body = serde_json::json!({
        "msgtype": "markdown",
        "markdown": { "title": message.title, "text": message.markdown },
    });
    let address = if secret.is_empty() {
        webhook.to_string()
    } else {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        signed_address(webhook, secret, now)
    };
    post(http, &address, &body)
}

pub(crate) fn wecom(
    http: &ureq::Agent,
    webhook: &str,
    message: &Message,
) -> Result<(), NotifyError> {
    // 企业微信's markdown has no title field: the title leads the text (`Message::markdown`
    // starts with it).
    let body = serde_json::json!({
        "msgtype": "markdown",
        "markdown": { "content": message.markdown },
    });
    post(http, webhook, &body)
}

/// Posts the JSON and reads the robot's answer: HTTP 200 and `errcode` 0, else the error.
fn post(http: &ureq::Agent, address: &str, body: &serde_json::Value) -> Result<(), NotifyError> {
    let mut answer = http
        .post(address)
        .content_type("application/json; charset=utf-8")
        .send(body.to_string())
        .map_err(transport)?;
    let status = answer.status().as_u16();
    if status != 200 {
        return Err(NotifyError::Status(status));
    }
    let text = answer
        .body_mut()
        .with_config()
        .limit(MAX_ANSWER)
        .read_to_string()
        .map_err(transport)?;
    let json: serde_json::Value = serde_json::from_str(&text)
        .map_err(|_| NotifyError::BadAnswer(text.chars().take(200).collect()))?;
    match json.get("errcode").and_then(serde_json::Value::as_i64) {
        Some(0) => Ok(()),
        Some(code) => Err(NotifyError::Refused {
            code,
            message: json
                .get("errmsg")
                .and_then(serde_json::Value::as_str)
                .unwrap_or("")
                .chars()
                .take(200)
                .collect(),
        }),
        None => Err(NotifyError::BadAnswer(text.chars().take(200).collect())),
    }
}

fn transport(e: ureq::Error) -> NotifyError {
    match e {
        ureq::Error::Timeout(_) => NotifyError::Timeout,
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => NotifyError::Timeout,
        ureq::Error::Tls(m) => NotifyError::Tls(m.to_string()),
        ureq::Error::Rustls(m) => NotifyError::Tls(m.to_string()),
        other => NotifyError::Network(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dingtalk_signature_is_hmac_sha256_of_timestamp_newline_secret_in_base64() {
        // Reference value computed independently:
        // python3 -c 'import hmac,hashlib,base64;s=b"SECabc";
        //   print(base64.b64encode(hmac.new(s,b"1700000000000\nSECabc",hashlib.sha256).digest()))'
        assert_eq!(
            dingtalk_sign("SECabc", 1_700_000_000_000),
            "jcUpW0QmtKduN03n4JqQ0PBosVjqnM8gU7fIIvsDmCM="
        );
        // A sign with `+`, `/` and `=`, URL-encoded (urllib.parse.quote(sign, safe="")).
        assert_eq!(
            signed_address("https://x/robot/send?access_token=t", "SEC0f", 4),
            "https://x/robot/send?access_token=t&timestamp=4\
             &sign=Xdu%2FZwR%2FsNVkdm7khkUkVsq%2Bs2j0ZHsXCFEXLiF%2Bvgs%3D"
        );
        assert_eq!(
            signed_address("https://x/send", "SEC0f", 4),
            "https://x/send?timestamp=4&sign=Xdu%2FZwR%2FsNVkdm7khkUkVsq%2Bs2j0ZHsXCFEXLiF%2Bvgs%3D"
        );
    }
}
