//! A chat written by hand, for the rule test box and `kefu qa test`: one message a line,
//!
//! ```text
//! buyer 10:00:01 在吗
//! agent 10:00:30 您好，请问有什么可以帮您？
//! transfer 10:05:00            (a system message handing the buyer to another account)
//! order 10:20:00               (an order created, unpaid)
//! order 10:20:00 paid 10:25:00
//! shift 18:00:00               (the account's last message of the day: its shift ended)
//! ```
//!
//! Senders are buyer, agent, bot, auto, system (or 买家, 客服, 机器人, 自动回复, 系统). Times are
//! `HH:MM[:SS]`, optionally after a `YYYY-MM-DD` day. Empty lines and `#` comments are skipped.

use kefu_core::model::Sender;
use kefu_core::time::{HOUR_MS, Millis, UtcOffset, parse_time};

use super::{Chat, ChatMessage, ChatOrder, Hit, RuleSet, Stop, StoreContext};

/// A mistake in a hand-written chat.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.describe(true))]
pub struct ChatError {
    pub line: usize,
    pub problem: ChatProblem,
}

/// What is wrong with a line of a chat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChatProblem {
    /// No time after the first word.
    NoTime,
    /// Something other than `paid TIME` after an order's time.
    OrderTail,
    /// `paid` without a time.
    PaidTime,
    /// The first word is no sender or directive.
    FirstWord,
}

impl ChatError {
    /// The mistake with its line, in English (`en`) or Chinese.
    pub fn describe(&self, en: bool) -> String {
        let (zh, english) = match self.problem {
            ChatProblem::NoTime => (
                "第一个词后面应是时间 HH:MM[:SS]，例如 `buyer 10:00:01 在吗`",
                "expected a time HH:MM[:SS] after the first word, e.g. `buyer 10:00:01 在吗`",
            ),
            ChatProblem::OrderTail => (
                "订单时间后只能写 `paid HH:MM[:SS]`",
                "after an order's time only `paid HH:MM[:SS]` may follow",
            ),
            ChatProblem::PaidTime => ("`paid` 后面应是时间", "`paid` needs a time"),
            ChatProblem::FirstWord => (
                "每行以 buyer、agent、bot、auto、system、transfer、order 或 shift 开头",
                "start with buyer, agent, bot, auto, system, transfer, order or shift",
            ),
        };
        if en {
            format!("line {}: {english}", self.line)
        } else {
            format!("第 {} 行：{zh}", self.line)
        }
    }
}

/// One hand-written message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedMessage {
    pub sender: Sender,
    pub time: Millis,
    pub text: String,
    pub transfer: bool,
}

/// A parsed chat: messages in time order, orders with their reminders worked out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedChat {
    pub messages: Vec<ParsedMessage>,
    pub orders: Vec<ChatOrder>,
    pub shift_end: Option<Millis>,
}

impl ParsedChat {
    /// Evaluates `rules` over the chat; hit message indexes point into `self.messages`.
    pub fn evaluate(&self, rules: &RuleSet) -> Vec<Hit> {
        self.evaluate_with(rules, StoreContext::default())
    }

    /// As [`ParsedChat::evaluate`], with what the store knows (addresses, service hours).
    pub fn evaluate_with(&self, rules: &RuleSet, context: StoreContext<'_>) -> Vec<Hit> {
        self.with_chat(context, |chat| rules.evaluate(chat))
    }

    /// Why rule `id` did not fire on the chat ([`RuleSet::why_not`]).
    pub fn why_not(&self, rules: &RuleSet, context: StoreContext<'_>, id: &str) -> Vec<Stop> {
        self.with_chat(context, |chat| rules.why_not(chat, id))
    }

    fn with_chat<T>(&self, context: StoreContext<'_>, f: impl FnOnce(&Chat<'_>) -> T) -> T {
        let messages: Vec<ChatMessage<'_>> = self
            .messages
            .iter()
            .map(|m| ChatMessage {
                sender: m.sender,
                time: m.time,
                text: &m.text,
                transfer: m.transfer,
            })
            .collect();
        f(&Chat {
            messages: &messages,
            orders: &self.orders,
            shift_end: self.shift_end,
            context,
        })
    }
}

/// Takes a time (`HH:MM[:SS]`, optionally after a day) off the front of `rest`.
fn take_time(rest: &str) -> Option<(Millis, &str)> {
    let rest = rest.trim_start();
    let (first, after) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    let (text, after) = if first.len() == 10 && first.as_bytes().get(4) == Some(&b'-') {
        let after = after.trim_start();
        let (clock, more) = after.split_once(char::is_whitespace).unwrap_or((after, ""));
        (format!("{first} {clock}"), more)
    } else {
        (format!("2024-01-01 {first}"), after)
    };
    let t = parse_time(&text, UtcOffset::SHANGHAI).ok()?;
    Some((t, after))
}

/// Parses a hand-written chat. `reminder_window_hours` is the store's reminder window
/// (`metrics.md` §4): an agent message after an order, before it is paid and within the window,
/// reminds it.
pub fn parse_chat(text: &str, reminder_window_hours: i64) -> Result<ParsedChat, ChatError> {
    let mut chat = ParsedChat::default();
    for (n, line) in text.lines().enumerate() {
        let line_no = n + 1;
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let err = |problem: ChatProblem| ChatError {
            line: line_no,
            problem,
        };
        let (word, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        let (time, rest) = take_time(rest).ok_or_else(|| err(ChatProblem::NoTime))?;
        match word {
            "order" | "订单" => {
                let rest = rest.trim();
                let paid_at = if rest.is_empty() {
                    None
                } else {
                    let after = rest
                        .strip_prefix("paid")
                        .or_else(|| rest.strip_prefix("付款"))
                        .ok_or_else(|| err(ChatProblem::OrderTail))?;
                    let (t, _) = take_time(after).ok_or_else(|| err(ChatProblem::PaidTime))?;
                    Some(t)
                };
                chat.orders.push(ChatOrder {
                    created_at: time,
                    paid_at,
                    reminded_at: None,
                });
            }
            "shift" | "下班" => chat.shift_end = Some(time),
            "transfer" | "转接" => chat.messages.push(ParsedMessage {
                sender: Sender::System,
                time,
                text: rest.trim().to_string(),
                transfer: true,
            }),
            other => {
                let sender = Sender::parse(other).ok_or_else(|| err(ChatProblem::FirstWord))?;
                chat.messages.push(ParsedMessage {
                    sender,
                    time,
                    text: rest.trim().to_string(),
                    transfer: false,
                });
            }
        }
    }
    // Messages of the same time keep their written order, as the importer keeps file order.
    chat.messages.sort_by_key(|m| m.time);
    let window = reminder_window_hours * HOUR_MS;
    for o in &mut chat.orders {
        o.reminded_at = chat
            .messages
            .iter()
            .find(|m| m.sender == Sender::Agent && m.time > o.created_at)
            .map(|m| m.time)
            .filter(|&t| t - o.created_at <= window && o.paid_at.is_none_or(|p| t < p));
    }
    Ok(chat)
}
