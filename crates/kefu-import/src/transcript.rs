//! A chat pasted from a chat window (千牛, 咚咚, 飞鸽): read by `kefu import --kind transcript`
//! and by the quality rules' test box. `docs/formats.md` ("Pasted chats") has the format with
//! examples; in short:
//!
//! - A message starts at a **header line**: a name, then a time at the end of the line —
//!   `买家甲 2026-11-03 10:01:02`, `客服小美2026-11-03 10:01:02` (no space), `小美 10:01:02`
//!   (time only), `小美 (2026-11-3 9:01:02):` (brackets, a colon), or `买家乙 --> 晨光:阿强
//!   2026-11-5 9:01:02` (sender and receiver). The lines after it, up to the next header, are
//!   its text. A time without a date is on the day of the header before it (the first such:
//!   [`TranscriptOptions::day`]); a time earlier than the message before it is on the next day.
//! - **Who is who**, by name: the agent accounts given ([`TranscriptOptions::agents`]; a given
//!   `晨光:小美` matches `小美` and the other way round, and the account is the name with the
//!   store); without them, a name with `:` (`店铺:子账号`) or starting with `客服` is an agent.
//!   Names with 店小蜜, 小蜜, 机器人 or 智能助手 are bots. The buyer is the first other name to
//!   write (or be written to). When no agent is known by then, the first name after the buyer's
//!   is the agent. A header-like line with any other name is text (`周五 18:00:00` in a buyer's
//!   message).
//! - **Lines that are not messages** are dropped: 已读, 未读, 发送中, 发送失败, `… 撤回了一条消息`,
//!   `当前用户来自…`, `以上是历史消息`, `以下为新消息`. A line `由 A 转交给 B` (or `A 转交给 B`
//!   with A an agent or bot; also 转接给) is a transfer: a system message of the account in the
//!   conversation, at the time of the message before it, handing the buyer to B; the lines after
//!   it are its text. Text before the first header is dropped (and counted).
//! - A buyer message belongs to the account the buyer writes to (the receiver of an arrow
//!   header), else to the account that wrote or took the conversation last, else to the first
//!   that writes after it, else to the only agent given; an agent message whose text starts with
//!   `[自动回复]`, `【自动回复】` or `自动回复：` is an automatic reply (`auto`).

use kefu_core::localized::Said;
use kefu_core::model::Sender;
use kefu_core::time::{DAY_MS, Day, HOUR_MS, Millis, SECOND_MS};

use crate::convert::{NewMessage, RowFail};
use crate::{FileRun, ImportError, ImportOptions};

/// What a transcript needs from outside.
#[derive(Debug, Clone, Copy, Default)]
pub struct TranscriptOptions<'a> {
    /// The agent accounts, as given (`--agent`); empty: told by their names.
    pub agents: &'a [String],
    /// The day of times given without a date before any date is.
    pub day: Option<Day>,
}

/// One message of a transcript.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TranscriptMessage {
    /// The 1-based line of its header (of a transfer: the transfer line).
    pub line: usize,
    /// Local time, as every time in kefu.
    pub time: Millis,
    pub sender: Sender,
    pub buyer: String,
    pub account: String,
    pub text: String,
    /// On a transfer: the account the buyer was handed to.
    pub transfer_to: Option<String>,
}

/// A read transcript.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Transcript {
    pub messages: Vec<TranscriptMessage>,
    /// Non-empty lines before the first header, dropped.
    pub dropped: usize,
}

/// Why a paste cannot be read as a transcript.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.describe(true))]
pub enum TranscriptError {
    /// No line looks like `name [date] time`.
    NoHeader,
    /// Every name is an agent's or a bot's.
    NoBuyer,
    /// A time without a date, and no date before it.
    NoDay { line: usize },
    /// Buyer messages that no account answers, and no single agent given.
    NoAgent,
}

impl TranscriptError {
    /// The mistake in English (`en`) or Chinese.
    pub fn describe(&self, en: bool) -> String {
        match (self, en) {
            (TranscriptError::NoHeader, true) => {
                "not a chat pasted from a chat window: no line names a sender and a time, such \
                 as `小美 2026-11-03 10:01:02` or `小美 10:01:02`"
                    .to_string()
            }
            (TranscriptError::NoHeader, false) => {
                "不是从聊天窗口复制的聊天记录：没有一行写明发送者和时间，如 `小美 2026-11-03 \
                 10:01:02` 或 `小美 10:01:02`"
                    .to_string()
            }
            (TranscriptError::NoBuyer, true) => {
                "every sender is an agent or a bot: cannot tell the buyer (name the agent \
                 accounts with --agent)"
                    .to_string()
            }
            (TranscriptError::NoBuyer, false) => {
                "所有发送者都是客服或机器人，无法判断买家（请用 --agent 指定客服账号）".to_string()
            }
            (TranscriptError::NoDay { line }, true) => format!(
                "line {line}: a time without a date and no date before it: give the day with \
                 --from"
            ),
            (TranscriptError::NoDay { line }, false) => {
                format!("第 {line} 行：只有时间没有日期，前面也没有日期：请用 --from 给出日期")
            }
            (TranscriptError::NoAgent, true) => {
                "the buyer's messages are answered by no account: name the agent account with \
                 --agent"
                    .to_string()
            }
            (TranscriptError::NoAgent, false) => {
                "买家的消息没有任何账号回复：请用 --agent 指定客服账号".to_string()
            }
        }
    }
}

/// A header line, split.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Head<'a> {
    name: &'a str,
    /// The receiver of `sender --> receiver time`.
    to: Option<&'a str>,
    date: Option<Day>,
    /// Milliseconds into the day.
    clock: Millis,
}

/// The longest name a header may have, in characters.
const MAX_NAME: usize = 64;

/// Takes `min..=max` ASCII digits off the end of `s` (greedy): (rest, number, digits taken).
fn digits_back(s: &str, min: usize, max: usize) -> Option<(&str, u32, usize)> {
    let n = s
        .bytes()
        .rev()
        .take(max)
        .take_while(u8::is_ascii_digit)
        .count();
    if n < min {
        return None;
    }
    let (rest, d) = s.split_at(s.len() - n);
    Some((rest, d.parse().ok()?, n))
}

/// `H:MM:SS` or `H:MM` at the end of `s`: (rest, ms into the day, had seconds).
fn clock_back(s: &str) -> Option<(&str, Millis, bool)> {
    let (rest, last, _) = digits_back(s, 2, 2)?;
    let rest = rest.strip_suffix(':')?;
    let (rest, mid, mid_digits) = digits_back(rest, 1, 2)?;
    let (rest, h, m, sec, seconds) = match rest.strip_suffix(':') {
        // The minutes of H:MM:SS have two digits.
        Some(r) if mid_digits == 2 => {
            let (r, h, _) = digits_back(r, 1, 2)?;
            (r, h, mid, last, true)
        }
        Some(_) => return None,
        None => (rest, mid, last, 0, false),
    };
    if h > 23 || m > 59 || sec > 59 {
        return None;
    }
    let ms = i64::from(h) * HOUR_MS + i64::from(m) * 60 * SECOND_MS + i64::from(sec) * SECOND_MS;
    Some((rest, ms, seconds))
}

/// `YYYY-M-D` or `YYYY/M/D` at the end of `s`.
fn date_back(s: &str) -> Option<(&str, Day)> {
    let (rest, d, _) = digits_back(s, 1, 2)?;
    let sep = rest.chars().last().filter(|c| *c == '-' || *c == '/')?;
    let rest = rest.strip_suffix(sep)?;
    let (rest, m, _) = digits_back(rest, 1, 2)?;
    let rest = rest.strip_suffix(sep)?;
    let (rest, y, _) = digits_back(rest, 4, 4)?;
    Some((rest, Day::from_ymd(y as i32, m, d)?))
}

/// Splits a header line; `None` for any other line.
fn header(line: &str) -> Option<Head<'_>> {
    let l = line.trim().trim_end_matches([':', '：']).trim_end();
    // `name (date time)`, `name【date time】`.
    for (open, close) in [('(', ')'), ('（', '）'), ('[', ']'), ('【', '】')] {
        if let Some(inner) = l.strip_suffix(close)
            && let Some(at) = inner.rfind(open)
        {
            let (name, time) = inner.split_at(at);
            let time = time.get(open.len_utf8()..)?.trim();
            let (rest, clock, seconds) = clock_back(time)?;
            let rest = rest.trim_end();
            let date = match date_back(rest) {
                Some((before, day)) if before.trim().is_empty() => Some(day),
                _ if rest.is_empty() => None,
                _ => return None,
            };
            return finish(name, date, clock, seconds);
        }
    }
    let (rest, clock, seconds) = clock_back(l)?;
    match date_back(rest.trim_end()) {
        Some((name, day)) => finish(name, Some(day), clock, seconds),
        None => finish(rest, None, clock, seconds),
    }
}

fn finish(rest: &str, date: Option<Day>, clock: Millis, seconds: bool) -> Option<Head<'_>> {
    // `H:MM` alone is too common in text (`明天 10:00`): a header has seconds or a date.
    if !seconds && date.is_none() {
        return None;
    }
    let rest = rest.trim();
    let (name, to) = match ["-->", "->", "→"].iter().find_map(|a| rest.split_once(a)) {
        Some((from, to)) => (from.trim(), Some(to.trim()).filter(|t| !t.is_empty())),
        None => (rest, None),
    };
    let ok = |n: &str| {
        !n.is_empty()
            && n.chars().count() <= MAX_NAME
            && crate::convert::check_name(n).is_ok()
            && !n
                .chars()
                .all(|c| c.is_ascii_digit() || c.is_ascii_punctuation())
    };
    if !ok(name) || to.is_some_and(|t| !ok(t)) {
        return None;
    }
    Some(Head {
        name,
        to,
        date,
        clock,
    })
}

/// Lines a chat window shows that are no message.
fn is_noise(t: &str) -> bool {
    matches!(
        t,
        "已读" | "未读" | "[已读]" | "[未读]" | "对方已读" | "发送中" | "发送失败"
    ) || t.ends_with("撤回了一条消息")
        || t.ends_with("撤回了一条消息。")
        || t.starts_with("当前用户来自")
        || t.contains("以上是历史消息")
        || t.contains("以下为新消息")
}

/// The part after the last `:` of `店铺:子账号`.
fn short(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Role {
    Agent(String),
    Bot,
    Buyer,
}

struct Roles<'a> {
    given: &'a [String],
    buyer: Option<String>,
    /// The agent told by its turn (no agent known otherwise).
    fallback: Option<String>,
}

impl Roles<'_> {
    /// An agent's account, by the given names or (none given) by the name's form.
    fn agent(&self, name: &str) -> Option<String> {
        if self.given.is_empty() {
            let by_form = name.contains(':') || name.starts_with("客服");
            return (by_form || self.fallback.as_deref() == Some(name)).then(|| name.to_string());
        }
        self.given
            .iter()
            .find(|a| a.as_str() == name || short(a) == short(name))
            .map(|a| {
                if name.contains(':') || !a.contains(':') {
                    name.to_string()
                } else {
                    a.clone()
                }
            })
    }

    fn is_bot(name: &str) -> bool {
        ["店小蜜", "小蜜", "机器人", "智能助手", "智能客服"]
            .iter()
            .any(|b| name.contains(b))
    }

    fn role(&self, name: &str) -> Option<Role> {
        if let Some(a) = self.agent(name) {
            Some(Role::Agent(a))
        } else if Roles::is_bot(name) {
            Some(Role::Bot)
        } else if self.buyer.as_deref() == Some(name) {
            Some(Role::Buyer)
        } else {
            None
        }
    }

    /// A name that is a store account (agent or bot): its account.
    fn account(&self, name: &str) -> Option<String> {
        match self.role(name)? {
            Role::Agent(a) => Some(a),
            Role::Bot => Some(name.to_string()),
            Role::Buyer => None,
        }
    }
}

/// The target of a transfer line (`由 A 转交给 B`, `A 转交给 B`), when the line is one.
fn transfer<'t>(t: &'t str, roles: &Roles<'_>) -> Option<&'t str> {
    let (before, after) = ["转交给", "转接给"].iter().find_map(|m| t.split_once(m))?;
    let target = after.trim().trim_end_matches(['。', '.', '！', '!']).trim();
    let before = before.trim();
    let from = before.strip_prefix('由').map(str::trim);
    let by_store = from.is_some() || roles.account(before).is_some();
    (by_store && !target.is_empty() && crate::convert::check_name(target).is_ok()).then_some(target)
}

/// A message being read.
struct Open {
    line: usize,
    time: Option<Millis>,
    sender: Sender,
    account: Option<String>,
    lines: Vec<String>,
    transfer_to: Option<String>,
}

/// Reads a pasted chat.
pub fn parse(text: &str, opts: TranscriptOptions<'_>) -> Result<Transcript, TranscriptError> {
    let lines: Vec<&str> = text.lines().collect();
    let heads: Vec<Option<Head<'_>>> = lines.iter().map(|l| header(l)).collect();
    if heads.iter().all(Option::is_none) {
        return Err(TranscriptError::NoHeader);
    }
    let mut roles = Roles {
        given: opts.agents,
        buyer: None,
        fallback: None,
    };
    // The buyer: the first name (or receiver) that is no store account.
    for h in heads.iter().flatten() {
        let from_store = roles.account(h.name).is_some();
        let buyer = match (from_store, h.to) {
            (false, _) => Some(h.name),
            (true, Some(to)) if roles.account(to).is_none() => Some(to),
            _ => None,
        };
        if let Some(b) = buyer {
            roles.buyer = Some(b.to_string());
            break;
        }
    }
    let buyer = roles.buyer.clone().ok_or(TranscriptError::NoBuyer)?;
    let any_agent = heads
        .iter()
        .flatten()
        .any(|h| matches!(roles.role(h.name), Some(Role::Agent(_))));
    if !any_agent && opts.agents.is_empty() {
        roles.fallback = heads
            .iter()
            .flatten()
            .map(|h| h.name)
            .find(|n| *n != buyer && !Roles::is_bot(n))
            .map(str::to_string);
    }

    let mut out: Vec<Open> = Vec::new();
    let mut current: Option<Open> = None;
    let mut account: Option<String> = None;
    let mut day = opts.day;
    let mut last_time: Option<Millis> = None;
    let mut dropped = 0;
    for (i, (line, head)) in lines.iter().zip(&heads).enumerate() {
        let no = i + 1;
        let role = head
            .as_ref()
            .and_then(|h| roles.role(h.name).map(|r| (h, r)));
        if let Some((h, role)) = role {
            out.extend(current.take());
            let d = h.date.or(day).ok_or(TranscriptError::NoDay { line: no })?;
            let mut time = d.start() + h.clock;
            if h.date.is_none()
                && let Some(last) = last_time
                && time < last
            {
                time += DAY_MS;
            }
            day = Some(Day::of(time));
            last_time = Some(time);
            let (sender, acct) = match role {
                Role::Agent(a) => (Sender::Agent, Some(a)),
                Role::Bot => (Sender::Bot, Some(h.name.to_string())),
                Role::Buyer => (
                    Sender::Buyer,
                    h.to.and_then(|t| roles.account(t))
                        .or_else(|| account.clone()),
                ),
            };
            if sender != Sender::Buyer {
                account = acct.clone();
            }
            current = Some(Open {
                line: no,
                time: Some(time),
                sender,
                account: acct,
                lines: Vec::new(),
                transfer_to: None,
            });
            continue;
        }
        let t = line.trim();
        if is_noise(t) {
            continue;
        }
        if let Some(target) = transfer(t, &roles) {
            out.extend(current.take());
            let to = roles.account(target).unwrap_or_else(|| target.to_string());
            current = Some(Open {
                line: no,
                time: last_time,
                sender: Sender::System,
                account: account.clone(),
                lines: vec![t.to_string()],
                transfer_to: Some(to.clone()),
            });
            account = Some(to);
            continue;
        }
        match &mut current {
            Some(m) => m.lines.push(line.trim_end().to_string()),
            None if !t.is_empty() => dropped += 1,
            None => {}
        }
    }
    out.extend(current.take());

    // Accounts and times not known where they were read: from the messages after them.
    let mut next_account: Option<String> = None;
    let mut next_time: Option<Millis> = None;
    for m in out.iter_mut().rev() {
        if m.sender != Sender::Buyer && m.account.is_some() {
            next_account = m.account.clone();
        }
        if m.account.is_none() {
            m.account = next_account.clone();
        }
        match m.time {
            Some(t) => next_time = Some(t),
            None => m.time = next_time,
        }
    }
    let only_agent = match opts.agents {
        [one] => Some(one.clone()),
        _ => None,
    };
    let mut messages = Vec::with_capacity(out.len());
    for m in out {
        let Some(time) = m.time else { continue };
        let account = m
            .account
            .or_else(|| only_agent.clone())
            .ok_or(TranscriptError::NoAgent)?;
        let text = m.lines.join("\n").trim().to_string();
        let auto = ["[自动回复]", "【自动回复】", "自动回复：", "自动回复:"]
            .iter()
            .any(|p| text.starts_with(p));
        let sender = match m.sender {
            Sender::Agent if auto => Sender::Auto,
            s => s,
        };
        messages.push(TranscriptMessage {
            line: m.line,
            time,
            sender,
            buyer: buyer.clone(),
            account,
            text,
            transfer_to: m.transfer_to,
        });
    }
    Ok(Transcript { messages, dropped })
}

/// Reads a transcript file into the import's batch, a message a row.
pub(crate) fn read(
    text: &str,
    opts: &ImportOptions,
    run: &mut FileRun<'_, '_, '_>,
) -> Result<(), ImportError> {
    run.report.kind = Some(crate::FileKind::Transcript);
    let t = parse(
        text,
        TranscriptOptions {
            agents: &opts.agents,
            day: opts.day,
        },
    )
    .map_err(|error| ImportError::Transcript {
        path: run.path().into(),
        error,
    })?;
    if t.dropped > 0 {
        run.report.warnings.push(Said::new(
            format!(
                "第一条消息之前的 {} 行未被读取（它们上方没有发送人和时间）",
                t.dropped
            ),
            format!(
                "{} line(s) before the first message were not read (no sender and time above \
                 them)",
                t.dropped
            ),
        ));
    }
    let (store, _) = run.sink.store("");
    for m in &t.messages {
        run.report.rows += 1;
        let new = NewMessage {
            time: m.time,
            buyer: &m.buyer,
            account: &m.account,
            sender: m.sender,
            text: &m.text,
            msg_id: "",
            transfer_to: m.transfer_to.as_deref().unwrap_or(""),
        };
        match run.sink.push_message(store, new) {
            Ok(()) => run.report.accepted += 1,
            Err(RowFail::TextFull) => {
                return Err(ImportError::TooMuchText {
                    path: run.path().into(),
                    line: m.line as u64,
                });
            }
            Err(RowFail::Bad { reason, .. }) => {
                run.reject(m.line as u64, reason, m.text.clone());
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> Day {
        Day::parse(s).unwrap()
    }

    fn at(d: &str, h: i64, m: i64, s: i64) -> Millis {
        day(d).start() + h * HOUR_MS + m * 60_000 + s * 1000
    }

    #[test]
    fn header_lines() {
        let h = header("买家甲 2026-11-03 10:01:02").unwrap();
        assert_eq!(
            (h.name, h.to, h.date, h.clock),
            (
                "买家甲",
                None,
                Some(day("2026-11-03")),
                at("1970-01-01", 10, 1, 2)
            )
        );
        let h = header("客服小美2026-11-03 10:01:02").unwrap();
        assert_eq!((h.name, h.date), ("客服小美", Some(day("2026-11-03"))));
        let h = header("小美 10:00:45").unwrap();
        assert_eq!((h.name, h.date), ("小美", None));
        let h = header("小美10:00:45").unwrap();
        assert_eq!(h.name, "小美");
        let h = header("买家乙 --> 晨光旗舰店:阿强 2026-11-5 9:01:02").unwrap();
        assert_eq!((h.name, h.to), ("买家乙", Some("晨光旗舰店:阿强")));
        assert_eq!(h.clock, at("1970-01-01", 9, 1, 2));
        let h = header("小美 (2026/11/3 9:01:02):").unwrap();
        assert_eq!((h.name, h.date), ("小美", Some(day("2026-11-03"))));
        let h = header("小美 2026-11-03 10:01").unwrap();
        assert_eq!(h.clock, at("1970-01-01", 10, 1, 0));
        let h = header("tb_abc123 2026-11-08 8:59:59").unwrap();
        assert_eq!(h.name, "tb_abc123");
        // Not headers.
        assert_eq!(header("明天 10:00 可以吗"), None);
        assert_eq!(header("明天 10:00"), None);
        assert_eq!(header("10:00:00"), None);
        assert_eq!(header("2026-11-03 10:00:00"), None);
        assert_eq!(header("单号是 SF123"), None);
        assert_eq!(header("小美 25:00:00"), None);
        assert_eq!(header("小美 10:1:00"), None);
    }

    #[test]
    fn transfer_lines_need_the_store_side() {
        let roles = Roles {
            given: &[],
            buyer: Some("买家".into()),
            fallback: None,
        };
        assert_eq!(
            transfer("由 服务助手 转交给 晨光:小美", &roles),
            Some("晨光:小美")
        );
        assert_eq!(
            transfer("晨光:阿强 转接给 晨光:小美。", &roles),
            Some("晨光:小美")
        );
        assert_eq!(transfer("能转交给售后吗", &roles), None);
    }

    #[test]
    fn given_agents_match_with_or_without_the_store() {
        let given = vec!["晨光:小美".to_string()];
        let roles = Roles {
            given: &given,
            buyer: None,
            fallback: None,
        };
        assert_eq!(roles.agent("小美"), Some("晨光:小美".into()));
        assert_eq!(roles.agent("晨光:小美"), Some("晨光:小美".into()));
        assert_eq!(roles.agent("阿强"), None);
        let given = vec!["小美".to_string()];
        let roles = Roles {
            given: &given,
            buyer: None,
            fallback: None,
        };
        assert_eq!(
            roles.agent("晨光旗舰店:小美"),
            Some("晨光旗舰店:小美".into())
        );
    }

    #[test]
    fn times_roll_over_midnight_and_need_a_day() {
        let text = "顾客 23:59:50\n在吗\n小美 00:00:10\n在的\n";
        assert_eq!(
            parse(text, TranscriptOptions::default()),
            Err(TranscriptError::NoDay { line: 1 })
        );
        let t = parse(
            text,
            TranscriptOptions {
                agents: &[],
                day: Some(day("2026-11-03")),
            },
        )
        .unwrap();
        let times: Vec<Millis> = t.messages.iter().map(|m| m.time).collect();
        assert_eq!(
            times,
            vec![at("2026-11-03", 23, 59, 50), at("2026-11-04", 0, 0, 10)]
        );
    }

    #[test]
    fn refusals() {
        let o = TranscriptOptions::default();
        assert_eq!(parse("你好\n在吗", o), Err(TranscriptError::NoHeader));
        assert_eq!(
            parse("晨光:小美 2026-11-03 10:00:00\n您好", o),
            Err(TranscriptError::NoBuyer)
        );
        // A buyer alone, no agent given: no account to file it under.
        assert_eq!(
            parse("买家 2026-11-03 10:00:00\n在吗", o),
            Err(TranscriptError::NoAgent)
        );
        let one = vec!["晨光:小美".to_string()];
        let t = parse(
            "买家 2026-11-03 10:00:00\n在吗",
            TranscriptOptions {
                agents: &one,
                day: None,
            },
        )
        .unwrap();
        assert_eq!(t.messages[0].account, "晨光:小美");
        for e in [
            TranscriptError::NoHeader,
            TranscriptError::NoBuyer,
            TranscriptError::NoDay { line: 3 },
            TranscriptError::NoAgent,
        ] {
            assert!(kefu_core::localized::has_chinese(&e.describe(false)));
            assert!(!kefu_core::localized::has_chinese(
                &e.describe(true).replace("小美", "")
            ));
        }
    }

    #[test]
    fn auto_replies() {
        let t = parse(
            "买家 2026-11-03 10:00:00\n在吗\n晨光:小美 2026-11-03 10:00:01\n[自动回复]您好，稍等\n",
            TranscriptOptions::default(),
        )
        .unwrap();
        assert_eq!(t.messages[1].sender, Sender::Auto);
    }
}
