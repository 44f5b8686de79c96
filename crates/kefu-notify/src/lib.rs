//! Sends alerts (`kefu_core::alert`) to a store's channels: 钉钉 and 企业微信 group robots by
//! their markdown webhooks (钉钉 signed when the robot has a secret) and e-mail over SMTP.
//!
//! Blocking, with bounded retries and timeouts: callers run it off their async threads
//! (`kefu-web`'s alert runner does, in `spawn_blocking`). A failed delivery is an error value
//! with its text in both languages, never a panic.

mod message;
mod robot;
mod smtp;
#[cfg(feature = "testkit")]
pub mod testkit;

pub use message::Message;
pub use robot::{dingtalk_sign, signed_address};

use std::time::Duration;

use kefu_core::alert::Channel;
use kefu_core::localized::Localized;

/// Why a delivery failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotifyError {
    /// No connection, or it broke (the transport's words).
    #[error("could not reach {0}")]
    Network(String),
    #[error("no answer within the time limit")]
    Timeout,
    /// An HTTP status other than 200.
    #[error("the robot answered HTTP {0}")]
    Status(u16),
    /// The robot answered 200 with an error code (`{"errcode":310000,"errmsg":"…"}`).
    #[error("the robot refused the message: errcode {code} ({message})")]
    Refused { code: i64, message: String },
    /// An answer that is not the robot's JSON.
    #[error("the robot's answer was not understood: {0}")]
    BadAnswer(String),
    /// The mail server refused a command (its reply).
    #[error("the mail server refused: {0}")]
    Smtp(String),
    #[error("TLS failed: {0}")]
    Tls(String),
}

impl Localized for NotifyError {
    fn zh(&self) -> String {
        match self {
            NotifyError::Network(m) => format!("无法连接（{m}）"),
            NotifyError::Timeout => "在时限内没有回应".to_string(),
            NotifyError::Status(s) => format!("机器人返回 HTTP {s}"),
            NotifyError::Refused { code, message } => {
                format!("机器人拒收消息：errcode {code}（{message}）")
            }
            NotifyError::BadAnswer(m) => format!("无法识别机器人的回应（{m}）"),
            NotifyError::Smtp(m) => format!("邮件服务器拒绝（{m}）"),
            NotifyError::Tls(m) => format!("TLS 加密连接失败（{m}）"),
        }
    }
}

impl NotifyError {
    /// Whether another attempt may succeed: the network, a time-out, a server error, a rate
    /// limit (HTTP 429, 钉钉's 130101, 企业微信's 45009) or a temporary SMTP reply (4xx).
    pub fn is_transient(&self) -> bool {
        match self {
            NotifyError::Network(_) | NotifyError::Timeout | NotifyError::Tls(_) => true,
            NotifyError::Status(s) => *s >= 500 || *s == 429,
            NotifyError::Refused { code, .. } => matches!(code, 130101 | 45009 | -1),
            NotifyError::BadAnswer(_) => false,
            NotifyError::Smtp(reply) => reply.starts_with('4'),
        }
    }
}

/// How hard a delivery tries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all (at least 1).
    pub attempts: u32,
    /// The wait before the second attempt; each further wait is four times the last.
    pub first_backoff: Duration,
    /// The limit of one attempt: connecting, sending and reading the answer.
    pub timeout: Duration,
}

impl Default for RetryPolicy {
    /// 3 attempts, 0.5 s then 2 s apart, 5 s each: at most 17.5 s for one channel.
    fn default() -> Self {
        RetryPolicy {
            attempts: 3,
            first_backoff: Duration::from_millis(500),
            timeout: Duration::from_secs(5),
        }
    }
}

/// What happened to one message on one channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub attempts: u32,
    pub result: Result<(), NotifyError>,
}

/// Sends messages with one policy.
#[derive(Debug, Clone)]
pub struct Sender {
    policy: RetryPolicy,
    http: ureq::Agent,
}

impl Sender {
    pub fn new(policy: RetryPolicy) -> Sender {
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(policy.timeout))
            .http_status_as_error(false)
            .max_redirects(0)
            .build();
        Sender {
            policy,
            http: config.into(),
        }
    }

    pub fn policy(&self) -> RetryPolicy {
        self.policy
    }

    /// Sends `message` to `channel`, retrying transient failures with backoff. The current
    /// time for 钉钉's signature is read here.
    pub fn send(&self, channel: &Channel, message: &Message) -> Delivery {
        let mut backoff = self.policy.first_backoff;
        let attempts = self.policy.attempts.max(1);
        let mut n = 0;
        loop {
            n += 1;
            let result = match channel {
                Channel::DingTalk { webhook, secret } => {
                    robot::dingtalk(&self.http, webhook, secret, message)
                }
                Channel::WeCom { webhook } => robot::wecom(&self.http, webhook, message),
                Channel::Email(mail) => smtp::send(mail, message, self.policy.timeout),
            };
            match result {
                Ok(()) => {
                    return Delivery {
                        attempts: n,
                        result: Ok(()),
                    };
                }
                Err(e) if n < attempts && e.is_transient() => {
                    tracing::warn!(channel = channel.kind(), attempt = n, error = %e, "alert delivery failed, retrying");
                    std::thread::sleep(backoff);
                    backoff = backoff.saturating_mul(4);
                }
                Err(e) => {
                    tracing::warn!(channel = channel.kind(), attempts = n, error = %e, "alert delivery failed");
                    return Delivery {
                        attempts: n,
                        result: Err(e),
                    };
                }
            }
        }
    }
}

impl Default for Sender {
    fn default() -> Self {
        Sender::new(RetryPolicy::default())
    }
}
