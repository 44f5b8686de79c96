//! Where a store's alerts go: a 钉钉 or 企业微信 group robot, or e-mail over SMTP. Plain data
//! with its checks; sending is `kefu-notify`'s.

use serde::{Deserialize, Serialize};

use crate::settings::{ConfigError, Expected};

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// Plain SMTP (a relay on the same host or network).
    None,
    /// STARTTLS after the greeting (port 587).
    #[default]
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
}

impl SmtpSecurity {
    pub const ALL: [SmtpSecurity; 3] = [
        SmtpSecurity::None,
        SmtpSecurity::StartTls,
        SmtpSecurity::Tls,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SmtpSecurity::None => "none",
            SmtpSecurity::StartTls => "starttls",
            SmtpSecurity::Tls => "tls",
        }
    }

    pub fn parse(s: &str) -> Option<SmtpSecurity> {
        SmtpSecurity::ALL
            .into_iter()
            .find(|m| m.as_str() == s.trim())
    }
}

/// An e-mail channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailChannel {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    /// Empty: no authentication.
    pub user: String,
    pub password: String,
    pub from: String,
    pub to: Vec<String>,
}

/// One channel of a store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Channel {
    /// A 钉钉 group robot: its webhook address (with `access_token`) and, when the robot is set
    /// to "加签", its secret (`SEC…`).
    DingTalk {
        webhook: String,
        secret: String,
    },
    /// A 企业微信 group robot: its webhook address (with `key`).
    WeCom {
        webhook: String,
    },
    Email(EmailChannel),
}

const MAX_TEXT: usize = 2000;

impl Channel {
    /// `dingtalk`, `wecom` or `email`.
    pub fn kind(&self) -> &'static str {
        match self {
            Channel::DingTalk { .. } => "dingtalk",
            Channel::WeCom { .. } => "wecom",
            Channel::Email(_) => "email",
        }
    }

    /// Checks every field; the first one at fault is named by its form key.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |key: &str, expected| ConfigError::Invalid {
            key: key.into(),
            expected,
        };
        let plain = |key: &str, v: &str, may_be_empty: bool| {
            if (v.is_empty() && !may_be_empty)
                || v.len() > MAX_TEXT
                || v.chars().any(|c| c.is_control() || c.is_whitespace())
            {
                Err(invalid(key, Expected::Text))
            } else {
                Ok(())
            }
        };
        match self {
            Channel::DingTalk { webhook, secret } => {
                web_address(webhook).map_err(|e| invalid("webhook", e))?;
                plain("secret", secret, true)
            }
            Channel::WeCom { webhook } => web_address(webhook).map_err(|e| invalid("webhook", e)),
            Channel::Email(m) => {
                plain("host", &m.host, false)?;
                if m.port == 0 {
                    return Err(invalid("port", Expected::Range { min: 1, max: 65535 }));
                }
                plain("user", &m.user, true)?;
                if m.password.len() > MAX_TEXT || m.password.chars().any(char::is_control) {
                    return Err(invalid("password", Expected::Text));
                }
                mail_address(&m.from).map_err(|e| invalid("from", e))?;
                if m.to.is_empty() || m.to.len() > 50 {
                    return Err(invalid("to", Expected::MailAddress));
                }
                for to in &m.to {
                    mail_address(to).map_err(|e| invalid("to", e))?;
                }
                Ok(())
            }
        }
    }

    /// The secrets of the channel (a robot's webhook token, its signing secret, the SMTP
    /// password) shown as their last four characters only.
    pub fn masked(&self) -> Channel {
        match self {
            Channel::DingTalk { webhook, secret } => Channel::DingTalk {
                webhook: mask_address(webhook),
                secret: mask(secret),
            },
            Channel::WeCom { webhook } => Channel::WeCom {
                webhook: mask_address(webhook),
            },
            Channel::Email(m) => Channel::Email(EmailChannel {
                password: mask(&m.password),
                ..m.clone()
            }),
        }
    }

    /// Where it goes, for lists: the robot's host or the recipients.
    pub fn target(&self) -> String {
        match self {
            Channel::DingTalk { webhook, .. } | Channel::WeCom { webhook } => mask_address(webhook),
            Channel::Email(m) => m.to.join(", "),
        }
    }
}

/// `http://` or `https://` and a host; no spaces or control characters.
fn web_address(s: &str) -> Result<(), Expected> {
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))
        .ok_or(Expected::WebAddress)?;
    let host = rest.split(['/', '?']).next().unwrap_or("");
    if host.is_empty()
        || s.len() > MAX_TEXT
        || s.chars().any(|c| c.is_control() || c.is_whitespace())
    {
        return Err(Expected::WebAddress);
    }
    Ok(())
}

/// `local@domain`: one `@`, both sides non-empty, no spaces, angle brackets or control
/// characters (the address goes into SMTP commands and headers).
fn mail_address(s: &str) -> Result<(), Expected> {
    let ok = s.len() <= 254
        && s.split_once('@').is_some_and(|(l, d)| {
            !l.is_empty() && !d.contains('@') && (d.contains('.') || d == "localhost")
        })
        && !s
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || matches!(c, '<' | '>' | ',' | ';'));
    if ok {
        Ok(())
    } else {
        Err(Expected::MailAddress)
    }
}

/// `••••abcd`: the last four characters of a secret; empty stays empty.
pub fn mask(secret: &str) -> String {
    if secret.is_empty() {
        return String::new();
    }
    let chars: Vec<char> = secret.chars().collect();
    let tail: String = chars[chars.len().saturating_sub(4)..].iter().collect();
    format!("••••{tail}")
}

/// A webhook address without its token: everything after `?` masked but its last four
/// characters.
fn mask_address(s: &str) -> String {
    match s.split_once('?') {
        Some((base, query)) => format!("{base}?{}", mask(query)),
        None => s.to_string(),
    }
}
