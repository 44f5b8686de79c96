//! Evaluating a rule set over one reception.

use kefu_core::model::Sender;
use kefu_core::time::{Millis, SECOND_MS};

use super::matcher::Found;
use super::{Chat, ChatMessage, Hit, Kind, RuleDef, RuleSet, Span};

const MINUTE_MS: i64 = 60 * SECOND_MS;

/// A round inside the reception: a buyer message opens it, the next agent or bot message
/// answers it, a transfer closes it (as `metrics.md` §1 defines rounds).
#[derive(Debug, Clone, Copy)]
struct Round {
    open: u32,
    answer: Option<u32>,
    transferred: bool,
}

fn rounds(messages: &[ChatMessage<'_>]) -> Vec<Round> {
    let mut out: Vec<Round> = Vec::new();
    let mut open: Option<usize> = None;
    for (i, m) in messages.iter().enumerate() {
        match m.sender {
            Sender::Buyer => {
                if open.is_none() {
                    out.push(Round {
                        open: i as u32,
                        answer: None,
                        transferred: false,
                    });
                    open = Some(out.len() - 1);
                }
            }
            Sender::Agent | Sender::Bot => {
                if let Some(r) = open.take() {
                    out[r].answer = Some(i as u32);
                }
            }
            Sender::System if m.transfer => {
                if let Some(r) = open.take() {
                    out[r].transferred = true;
                }
            }
            Sender::System | Sender::Auto => {}
        }
    }
    out
}

struct Ctx<'c, 'a> {
    chat: &'c Chat<'a>,
    rounds: Vec<Round>,
    found: Vec<Found>,
    agent: Vec<u32>,
}

impl Ctx<'_, '_> {
    fn msg(&self, i: u32) -> &ChatMessage<'_> {
        &self.chat.messages[i as usize]
    }
    fn time(&self, i: u32) -> Millis {
        self.msg(i).time
    }
    fn has(&self, rule: u32, message: u32) -> bool {
        self.found
            .iter()
            .any(|f| f.rule == rule && f.span.message == message)
    }
    fn spans(&self, rule: u32, senders: &[Sender]) -> Vec<Span> {
        self.found
            .iter()
            .filter(|f| f.rule == rule && senders.contains(&self.msg(f.span.message).sender))
            .map(|f| f.span)
            .collect()
    }
    /// Bot and auto messages (when they count) between agent messages `from` and `to`.
    fn machine_has(&self, rule: u32, from: u32, to: u32) -> bool {
        (from..to)
            .any(|i| matches!(self.msg(i).sender, Sender::Bot | Sender::Auto) && self.has(rule, i))
    }
    /// The open round at the end of the reception, when its buyer messages need an answer.
    fn open_at_end(&self, allow: &[String]) -> Option<(Round, Vec<u32>)> {
        let last = *self.rounds.last()?;
        if last.answer.is_some() || last.transferred {
            return None;
        }
        let asks: Vec<u32> = (last.open..self.chat.messages.len() as u32)
            .filter(|&i| self.msg(i).sender == Sender::Buyer)
            .collect();
        let needs_answer = asks.iter().any(|&i| {
            let text = self
                .msg(i)
                .text
                .trim()
                .trim_end_matches(|c: char| c.is_ascii_punctuation() || "。！，～~…".contains(c))
                .trim();
            !allow.iter().any(|a| a == text)
        });
        needs_answer.then_some((last, asks))
    }
}

fn hit(rule: usize, count: u32, mut messages: Vec<u32>, spans: Vec<Span>) -> Hit {
    messages.sort_unstable();
    messages.dedup();
    Hit {
        rule,
        count,
        messages,
        spans,
    }
}

pub(super) fn evaluate(set: &RuleSet, chat: &Chat<'_>) -> Vec<Hit> {
    let mut found = Vec::new();
    let mut raw = Vec::new();
    for (i, m) in chat.messages.iter().enumerate() {
        if !m.text.is_empty() {
            // Spans are byte offsets from the start, so they hold for the whole text too.
            let (text, _) = kefu_core::text::cut_at(m.text, kefu_core::text::MAX_MESSAGE_BYTES);
            set.matcher.scan(i as u32, text, &mut raw, &mut found);
        }
    }
    let ctx = Ctx {
        chat,
        rounds: rounds(chat.messages),
        found,
        agent: (0..chat.messages.len() as u32)
            .filter(|&i| chat.messages[i as usize].sender == Sender::Agent)
            .collect(),
    };
    set.rules
        .iter()
        .enumerate()
        .filter(|(_, r)| r.enabled)
        .filter_map(|(i, r)| check(i, r, &ctx))
        .collect()
}

fn check(index: usize, rule: &RuleDef, c: &Ctx<'_, '_>) -> Option<Hit> {
    let p = &rule.params;
    let id = index as u32;
    let minutes_ms = i64::from(p.minutes.unwrap_or(0)) * MINUTE_MS;
    let count_bot = p.count_bot.unwrap_or(true);
    match rule.kind {
        Kind::Keywords => {
            let spans = c.spans(id, p.senders.as_deref().unwrap_or(&[]));
            if spans.is_empty() {
                return None;
            }
            let messages = spans.iter().map(|s| s.message).collect();
            Some(hit(index, spans.len() as u32, messages, spans))
        }
        Kind::KeywordCount => {
            if (c.agent.len() as u32) < p.min_agent_messages.unwrap_or(0) {
                return None;
            }
            let spans = c.spans(id, p.senders.as_deref().unwrap_or(&[]));
            let mut messages: Vec<u32> = spans.iter().map(|s| s.message).collect();
            messages.dedup();
            let n = messages.len() as u32;
            if p.min.is_some_and(|min| n < min) {
                // Missing: point at where it was due, the last agent message.
                let at = c.agent.last().copied().into_iter().collect();
                Some(hit(index, 1, at, Vec::new()))
            } else if p.max.is_some_and(|max| n > max) {
                Some(hit(index, n, messages, spans))
            } else {
                None
            }
        }
        Kind::Greeting => {
            let first_buyer =
                (0..c.chat.messages.len() as u32).find(|&i| c.msg(i).sender == Sender::Buyer)?;
            let first_agent = *c.agent.first()?;
            if first_agent < first_buyer {
                return None; // The agent wrote first: an outreach, not a first contact.
            }
            let n = p.first_agent_messages.unwrap_or(1).max(1) as usize;
            let window = &c.agent[..n.min(c.agent.len())];
            let until = *window.last()?;
            let greeted =
                window.iter().any(|&i| c.has(id, i)) || (count_bot && c.machine_has(id, 0, until));
            (!greeted).then(|| hit(index, 1, vec![first_agent], Vec::new()))
        }
        Kind::Closing => {
            if (c.agent.len() as u32) < p.min_agent_messages.unwrap_or(1).max(1) {
                return None;
            }
            let n = p.last_agent_messages.unwrap_or(1).max(1) as usize;
            let window = &c.agent[c.agent.len().saturating_sub(n)..];
            let from = *window.first()?;
            let last = *window.last()?;
            let closed = window.iter().any(|&i| c.has(id, i))
                || (count_bot && c.machine_has(id, from, c.chat.messages.len() as u32));
            (!closed).then(|| hit(index, 1, vec![last], Vec::new()))
        }
        Kind::LongWaitApology => {
            let k = p.next_agent_messages.unwrap_or(2).max(1) as usize;
            let mut messages = Vec::new();
            let mut count = 0;
            for r in &c.rounds {
                let Some(answer) = r.answer else { continue };
                if c.time(answer) - c.time(r.open) <= minutes_ms {
                    continue;
                }
                let from = c.agent.partition_point(|&i| i < answer);
                let next = &c.agent[from..(from + k).min(c.agent.len())];
                if !next.iter().any(|&i| c.has(id, i)) {
                    count += 1;
                    messages.extend([r.open, answer]);
                }
            }
            (count > 0).then(|| hit(index, count, messages, Vec::new()))
        }
        Kind::MissedFollowUp => {
            let mut messages = Vec::new();
            for (pos, &i) in c.agent.iter().enumerate() {
                if !c.has(id, i) {
                    continue;
                }
                // Coming back means another agent message, or handing the buyer on.
                let back = c.agent.get(pos + 1).map(|&j| c.time(j));
                let handed_on = (i + 1..c.chat.messages.len() as u32)
                    .find(|&j| c.msg(j).transfer)
                    .map(|j| c.time(j));
                let back = match (back, handed_on) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
                if back.is_none_or(|t| t - c.time(i) > minutes_ms) {
                    messages.push(i);
                }
            }
            let spans = c
                .found
                .iter()
                .filter(|f| f.rule == id && messages.contains(&f.span.message))
                .map(|f| f.span)
                .collect();
            (!messages.is_empty()).then(|| hit(index, messages.len() as u32, messages, spans))
        }
        Kind::SlowRound => {
            let limit = i64::from(p.seconds.unwrap_or(0)) * SECOND_MS;
            let mut messages = Vec::new();
            let mut count = 0;
            for r in &c.rounds {
                if let Some(answer) = r.answer
                    && c.time(answer) - c.time(r.open) > limit
                {
                    count += 1;
                    messages.extend([r.open, answer]);
                }
            }
            (count > 0).then(|| hit(index, count, messages, Vec::new()))
        }
        Kind::UnansweredRound => {
            let (_, asks) = c.open_at_end(p.allow.as_deref().unwrap_or(&[]))?;
            Some(hit(index, 1, asks, Vec::new()))
        }
        Kind::ShiftEndUnanswered => {
            let (round, asks) = c.open_at_end(p.allow.as_deref().unwrap_or(&[]))?;
            let still_working = c.chat.shift_end.is_some_and(|end| end > c.time(round.open));
            still_working.then(|| hit(index, 1, asks, Vec::new()))
        }
        Kind::UnpaidNotReminded => {
            let mut messages = Vec::new();
            let mut count = 0;
            for o in c.chat.orders {
                if o.paid_at.is_some() || o.reminded_at.is_some() {
                    continue;
                }
                count += 1;
                let before = c.chat.messages.partition_point(|m| m.time <= o.created_at);
                if let Some(last) = before.checked_sub(1) {
                    messages.push(last as u32);
                }
            }
            (count > 0).then(|| hit(index, count, messages, Vec::new()))
        }
    }
}
