//! Evaluating a rule set over one reception.

use kefu_core::model::Sender;
use kefu_core::settings::ServiceHours;
use kefu_core::time::{DAY_MS, Millis, SECOND_MS};

use super::matcher::{Found, Phrases, Role, Scratch, ack_form, acknowledges};
use super::normalize::is_cjk;
use super::{Chat, ChatMessage, Hit, Kind, RuleDef, RuleSet, Span, Stop, StopReason};

const MINUTE_MS: i64 = 60 * SECOND_MS;

/// The fewest characters of words (CJK, letters, digits) a question needs for its repeat to
/// count (在吗 twice is a greeting, 什么时候发货 twice a question left unanswered).
const REPEAT_CHARS: usize = 4;

/// The least time between a question and its repeat: a resend within a minute corrects a typo.
const REPEAT_AFTER_MS: i64 = 60 * SECOND_MS;

/// The longest message read as a question that may be repeated (about 100 Chinese
/// characters): a long text says more than a question, and its reading costs memory.
const REPEAT_BYTES: usize = 300;

/// The most characters a holding message may say besides its promises (您好, 好的亲, 亲爱的).
const HOLD_FILLER: usize = 4;

/// What an agent may write while still owing an answer: a sound or an emoji (嗯嗯, 哦, 亲,
/// 👌, `[微笑]`) keeps no promise. (好的, 可以, 行 may answer a question, so they are not here.)
pub(super) const FILLER: [&str; 10] = ["嗯", "哦", "噢", "喔", "亲", "哈", "呢", "啊", "呀", "嘿"];

/// Where a clause of a chat message ends, for telling holding messages from answers: clause
/// punctuation in both widths, spaces (chat uses them as commas) and tildes.
fn is_hold_break(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            ',' | '.'
                | '!'
                | '?'
                | ';'
                | '~'
                | '，'
                | '。'
                | '！'
                | '？'
                | '；'
                | '、'
                | '～'
                | '…'
        )
}

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
    set: &'c RuleSet,
    chat: &'c Chat<'a>,
    rounds: Vec<Round>,
    found: Vec<Found>,
    agent: Vec<u32>,
    /// Phone numbers the buyer wrote in this reception or the store knows (addresses): the
    /// agent repeating one (confirming an address) is not off-platform contact.
    buyer_phones: Vec<u64>,
    /// Whether the conversation ended: the buyer's last message acknowledges (by the
    /// acknowledgements of the unanswered rules), an agent or the bot answered it, and nobody
    /// handed the buyer on.
    ended: bool,
}

impl Ctx<'_, '_> {
    fn msg(&self, i: u32) -> &ChatMessage<'_> {
        &self.chat.messages[i as usize]
    }
    fn time(&self, i: u32) -> Millis {
        self.msg(i).time
    }
    /// Whether a round waited over `limit` for its answer and asked something: a round of
    /// acknowledgements only (好的, 谢谢) waited for nothing. The wait runs on the service
    /// clock (`metrics.md` §1) wherever the round opened, as the round figures do: a buyer
    /// who wrote at night and was answered a minute after opening waited a minute; one who
    /// wrote ten minutes before opening and was answered twenty minutes after it waited
    /// twenty. (The texts are read only for the rare long waits.)
    fn waited_over(&self, r: &Round, answer: u32, (limit, grace): (Millis, Millis)) -> bool {
        let open = self.time(r.open);
        let allowed = allowed_wait(self.chat.context.service_hours, open, limit, grace);
        self.waited(open, self.time(answer)) > allowed
            && (r.open..answer).any(|i| {
                self.msg(i).sender == Sender::Buyer
                    && !acknowledges(self.msg(i).text, self.set.matcher.all_acks())
            })
    }
    /// Service time left in the day after `t` (`None` without service hours: all of it).
    fn service_left(&self, t: Millis) -> Option<Millis> {
        let day_end = (t.div_euclid(DAY_MS) + 1) * DAY_MS;
        self.chat
            .context
            .service_hours
            .map(|h| h.service_ms(t, day_end))
    }
    /// How long the buyer waited from `from` to `to`, in service time when the store has
    /// service hours.
    fn waited(&self, from: Millis, to: Millis) -> Millis {
        match self.chat.context.service_hours {
            Some(h) => h.service_ms(from, to),
            None => (to - from).max(0),
        }
    }
    /// Whether agent message `message` says nothing (嗯嗯, 👌): it keeps no promise.
    fn filler(&self, message: u32) -> bool {
        // An empty text (a picture, a card) may well be the answer.
        let text = self.msg(message).text;
        !text.trim().is_empty() && acknowledges(text, &self.set.matcher.fillers)
    }
    fn has(&self, rule: u32, message: u32) -> bool {
        self.found
            .iter()
            .any(|f| f.rule == rule && f.role == Role::Keyword && f.span.message == message)
    }
    /// How much agent message `message` says besides its promises of `rule` (稍等, 我问问仓库):
    /// the characters of its clauses without a promise, in all and after the last promise;
    /// `None` when it promises nothing.
    fn besides_promises(&self, rule: u32, message: u32) -> Option<(usize, usize)> {
        let spans: Vec<Span> = self
            .found
            .iter()
            .filter(|f| f.rule == rule && f.role == Role::Keyword && f.span.message == message)
            .map(|f| f.span)
            .collect();
        if spans.is_empty() {
            return None;
        }
        let text = self.msg(message).text;
        let (mut all, mut after) = (0, 0);
        let mut from = 0;
        let ends = text
            .char_indices()
            .filter(|&(_, c)| is_hold_break(c))
            .map(|(i, _)| i)
            .chain(std::iter::once(text.len()));
        for to in ends {
            let promised = spans
                .iter()
                .any(|s| (s.start as usize) < to && (s.end as usize) > from);
            if promised {
                after = 0;
            } else {
                let said = text
                    .get(from..to)
                    .unwrap_or("")
                    .chars()
                    .filter(|&c| is_cjk(c) || c.is_alphanumeric())
                    .count();
                all += said;
                after += said;
            }
            from = to
                + text
                    .get(to..)
                    .and_then(|r| r.chars().next())
                    .map_or(0, char::len_utf8);
        }
        Some((all, after))
    }
    /// Whether agent message `message` leaves the buyer waiting: it promises (`rule`) and says
    /// nothing of substance after its last promise (我看下，有货的 kept the promise at once).
    fn promises(&self, rule: u32, message: u32) -> bool {
        self.besides_promises(rule, message)
            .is_some_and(|(_, after)| after <= HOLD_FILLER)
    }
    /// Whether agent message `message` only holds (稍等, 在查了哦亲, 您好，我问问仓库): it
    /// promises, and its clauses without a promise say at most [`HOLD_FILLER`] characters
    /// (您好, 好的亲). A message that also answers is an answer.
    fn holding(&self, rule: u32, message: u32) -> bool {
        self.besides_promises(rule, message)
            .is_some_and(|(all, _)| all <= HOLD_FILLER)
    }
    fn withdrawn(&self, rule: u32, message: u32) -> bool {
        self.found.iter().any(|f| {
            f.rule == rule
                && f.role == Role::Withdraw
                && f.span.message == message
                && self.msg(message).sender == Sender::Buyer
        })
    }
    fn spans(&self, rule: u32, senders: &[Sender]) -> Vec<Span> {
        self.found
            .iter()
            .filter(|f| {
                f.rule == rule
                    && f.role == Role::Keyword
                    && !f.named
                    && senders.contains(&self.msg(f.span.message).sender)
                    && !(f.phone != 0
                        && self.msg(f.span.message).sender != Sender::Buyer
                        && self.buyer_phones.contains(&f.phone))
            })
            .map(|f| f.span)
            .collect()
    }
    /// Messages of `senders` that ask again what an earlier one of theirs asked — its words,
    /// at least [`REPEAT_CHARS`] of them, inside (什么时候发货 → 到底什么时候发货？) — at least
    /// [`REPEAT_AFTER_MS`] later, with no agent or bot message between: asked again before
    /// anyone answered.
    fn repeated_questions(&self, senders: &[Sender]) -> Vec<u32> {
        // The messages asked since the last answer, their words read only once a later
        // message comes a minute after one of them (most receptions never get there).
        let mut asked: Vec<(u32, Option<String>)> = Vec::new();
        let mut out = Vec::new();
        for (i, m) in self.chat.messages.iter().enumerate() {
            if matches!(m.sender, Sender::Agent | Sender::Bot) || m.transfer {
                asked.clear();
                continue;
            }
            if !senders.contains(&m.sender) || m.text.len() > REPEAT_BYTES {
                continue;
            }
            let mut form: Option<String> = None;
            for (j, q) in asked.iter_mut() {
                if m.time - self.time(*j) < REPEAT_AFTER_MS {
                    continue;
                }
                let q = q.get_or_insert_with(|| ack_form(self.msg(*j).text));
                let f = form.get_or_insert_with(|| ack_form(m.text));
                if q.chars().count() >= REPEAT_CHARS && f.contains(q.as_str()) {
                    out.push(i as u32);
                    break;
                }
            }
            asked.push((i as u32, form));
        }
        out
    }
    /// Bot and auto messages (when they count) between agent messages `from` and `to`.
    fn machine_has(&self, rule: u32, from: u32, to: u32) -> bool {
        (from..to)
            .any(|i| matches!(self.msg(i).sender, Sender::Bot | Sender::Auto) && self.has(rule, i))
    }
    /// The open round at the end and its buyer messages that need an answer, after the last
    /// one that withdrew the question in its closing words (尺码表在哪 → 我找到了; 知道了，不用回了):
    /// what the buyer withdrew needs no answer, what they asked after it still does.
    fn open_at_end(&self, rule: u32, acks: &Phrases) -> Option<(Round, Vec<u32>)> {
        let (round, asks) = open_at_end(self.chat.messages, &self.rounds, acks)?;
        let Some(k) = asks.iter().rposition(|&i| self.withdraws(rule, i, acks)) else {
            return Some((round, asks));
        };
        let rest = asks[k + 1..].to_vec();
        rest.iter()
            .any(|&i| !acknowledges(self.msg(i).text, acks))
            .then_some((round, rest))
    }
    /// Whether buyer message `message` ends by withdrawing its question: a `withdrawn` phrase
    /// of `rule` that opens its clause (after acknowledgements at most: 哦我看到了) and is
    /// followed only by acknowledgements, and no question mark anywhere. A phrase with its
    /// own object declines that thing, not the question (运费险不用了).
    fn withdraws(&self, rule: u32, message: u32, acks: &Phrases) -> bool {
        let text = self.msg(message).text;
        !text.contains(['?', '？', '﹖'])
            && self.msg(message).sender == Sender::Buyer
            && self.found.iter().any(|f| {
                let (Some(head), Some(rest)) = (
                    text.get(..f.span.start as usize),
                    text.get(f.span.end as usize..),
                ) else {
                    return false;
                };
                let clause = head
                    .char_indices()
                    .rev()
                    .find(|&(_, c)| is_hold_break(c))
                    .map_or(head, |(i, c)| &head[i + c.len_utf8()..]);
                f.rule == rule
                    && f.role == Role::Withdraw
                    && f.span.message == message
                    && acknowledges(clause, acks)
                    && acknowledges(rest, acks)
            })
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

/// The open round at the end of the messages, when one of its buyer messages needs an answer
/// (is not a sequence of acknowledgements), with those buyer messages.
fn open_at_end(
    messages: &[ChatMessage<'_>],
    rounds: &[Round],
    acks: &Phrases,
) -> Option<(Round, Vec<u32>)> {
    let last = *rounds.last()?;
    if last.answer.is_some() || last.transferred {
        return None;
    }
    let asks: Vec<u32> = (last.open..messages.len() as u32)
        .filter(|&i| messages[i as usize].sender == Sender::Buyer)
        .collect();
    let needs_answer = asks
        .iter()
        .any(|&i| !acknowledges(messages[i as usize].text, acks));
    needs_answer.then_some((last, asks))
}

thread_local! {
    /// The scan's working memory, kept per thread: a store run evaluates millions of
    /// receptions on a few threads.
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

/// The counting keyword occurrences of every enabled rule in the chat's messages.
fn scan_all(set: &RuleSet, chat: &Chat<'_>) -> Vec<Found> {
    let mut found = Vec::new();
    SCRATCH.with(|scratch| {
        let mut fresh = Scratch::default();
        let mut borrowed = scratch.try_borrow_mut();
        let scratch = match borrowed.as_deref_mut() {
            Ok(s) => s,
            Err(_) => &mut fresh,
        };
        for (i, m) in chat.messages.iter().enumerate() {
            if !m.text.is_empty() {
                // Spans are byte offsets from the start, so they hold for the whole text too.
                let (text, _) = kefu_core::text::cut_at(m.text, kefu_core::text::MAX_MESSAGE_BYTES);
                set.matcher.scan(i as u32, text, scratch, &mut found);
            }
        }
    });
    found
}

/// Phone numbers the buyer wrote in the reception or the store knows (addresses).
fn known_phones(set: &RuleSet, chat: &Chat<'_>, found: &[Found]) -> Vec<u64> {
    let mut phones: Vec<u64> = found
        .iter()
        .filter(|f| f.phone != 0 && chat.messages[f.span.message as usize].sender == Sender::Buyer)
        .map(|f| f.phone)
        .collect();
    for text in chat.context.known_texts {
        phones.extend(set.matcher.phones_in(text));
    }
    phones
}

pub(super) fn evaluate(set: &RuleSet, chat: &Chat<'_>) -> Vec<Hit> {
    let found = scan_all(set, chat);
    let rounds = rounds(chat.messages);
    // The context's texts are read only when some message holds a number.
    let buyer_phones = if found.iter().any(|f| f.phone != 0) {
        known_phones(set, chat, &found)
    } else {
        Vec::new()
    };
    // The acknowledgements of the enabled unanswered rules decide whether a conversation
    // ended, and which rounds asked nothing.
    let acks = set.matcher.all_acks();
    // A conversation ended when the buyer's last word acknowledges (好的谢谢, 那我拍了), the
    // agent (or the bot) answered it, and nobody handed the buyer on: that last answer is the
    // closing to judge. A buyer who just stops writing after an answer may come back, and an
    // acknowledgement needs no answer (the unanswered rule says so): no ending to judge.
    let handed_on = chat.messages.iter().any(|m| m.transfer);
    let last_buyer = chat
        .messages
        .iter()
        .rposition(|m| m.sender == Sender::Buyer);
    let ended = !handed_on
        && last_buyer.is_some_and(|b| {
            chat.messages[b + 1..]
                .iter()
                .any(|m| matches!(m.sender, Sender::Agent | Sender::Bot))
                && acknowledges(chat.messages[b].text, acks)
        });
    let ctx = Ctx {
        set,
        chat,
        rounds,
        found,
        agent: (0..chat.messages.len() as u32)
            .filter(|&i| chat.messages[i as usize].sender == Sender::Agent)
            .collect(),
        buyer_phones,
        ended,
    };
    let mut hits: Vec<Hit> = set
        .rules
        .iter()
        .enumerate()
        .filter(|(_, r)| r.enabled)
        .filter_map(|(i, r)| check(i, r, &ctx))
        .collect();
    // One question left unanswered is one deduction: the shift-end rule, when it fires, speaks
    // for the plain one.
    let kind_of = |h: &Hit| set.rules[h.rule].kind;
    if hits.iter().any(|h| kind_of(h) == Kind::ShiftEndUnanswered) {
        hits.retain(|h| kind_of(h) != Kind::UnansweredRound);
    }
    hits
}

/// A wait rule's limit (`seconds` of `slow_round`, `minutes` of `long_wait_apology`) and its
/// grace for the night's queue (`opening_grace_minutes`), in milliseconds.
fn wait_limits(rule: &RuleDef) -> (Millis, Millis) {
    let p = &rule.params;
    let limit = match rule.kind {
        Kind::SlowRound => i64::from(p.seconds.unwrap_or(0)) * SECOND_MS,
        _ => i64::from(p.minutes.unwrap_or(0)) * MINUTE_MS,
    };
    (
        limit,
        i64::from(p.opening_grace_minutes.unwrap_or(0)) * MINUTE_MS,
    )
}

/// The wait allowed a round opened at `open`: `limit`, or at least `grace` when the round
/// opened outside service hours — the night's questions are queued for the opening and
/// answered one after another, so the first minutes of the day do not judge the agent who
/// opens it.
fn allowed_wait(
    hours: Option<&ServiceHours>,
    open: Millis,
    limit: Millis,
    grace: Millis,
) -> Millis {
    match hours {
        Some(h) if !h.contains(open) => limit.max(grace),
        _ => limit,
    }
}

fn check(index: usize, rule: &RuleDef, c: &Ctx<'_, '_>) -> Option<Hit> {
    let p = &rule.params;
    let id = index as u32;
    let minutes_ms = i64::from(p.minutes.unwrap_or(0)) * MINUTE_MS;
    let count_bot = p.count_bot.unwrap_or(true);
    match rule.kind {
        Kind::Keywords => {
            let senders = p.senders.as_deref().unwrap_or(&[]);
            let mut spans = c.spans(id, senders);
            if p.repeated_questions == Some(true) {
                for m in c.repeated_questions(senders) {
                    if !spans.iter().any(|s| s.message == m) {
                        let end = c.msg(m).text.len() as u32;
                        spans.push(Span {
                            message: m,
                            start: 0,
                            end,
                        });
                    }
                }
                spans.sort_by_key(|s| (s.message, s.start));
            }
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
            if p.min.is_some_and(|min| n < min) && c.ended {
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
            if !c.ended || (c.agent.len() as u32) < p.min_agent_messages.unwrap_or(1).max(1) {
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
                if !c.waited_over(r, answer, wait_limits(rule)) {
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
            let mut pos = 0;
            while pos < c.agent.len() {
                let i = c.agent[pos];
                pos += 1;
                if !c.promises(id, i) {
                    continue;
                }
                // Coming back means an answer: an agent message that is not another holding
                // message (稍等 → 在查了哦亲 is still waiting) nor a mere sound (嗯嗯), or
                // handing the buyer on, or the buyer withdrawing the question (不用了).
                while pos < c.agent.len() && (c.holding(id, c.agent[pos]) || c.filler(c.agent[pos]))
                {
                    pos += 1;
                }
                let answer = c.agent.get(pos).copied();
                let until = answer.unwrap_or(c.chat.messages.len() as u32);
                let settled = (i + 1..until)
                    .find(|&j| c.msg(j).transfer || c.withdrawn(id, j))
                    .or(answer)
                    .map(|j| c.time(j));
                // Waits count in service hours: a promise made just before closing may be
                // kept the next morning, and one never kept is a miss only when the day's
                // service hours left the time to keep it.
                let promised = c.time(i);
                let late = match settled {
                    Some(t) => c.waited(promised, t) > minutes_ms,
                    None => c
                        .service_left(promised)
                        .is_none_or(|left| left > minutes_ms),
                };
                if late {
                    messages.push(i);
                }
            }
            let spans = c
                .found
                .iter()
                .filter(|f| {
                    f.rule == id && f.role == Role::Keyword && messages.contains(&f.span.message)
                })
                .map(|f| f.span)
                .collect();
            (!messages.is_empty()).then(|| hit(index, messages.len() as u32, messages, spans))
        }
        Kind::SlowRound => {
            let mut messages = Vec::new();
            let mut count = 0;
            for r in &c.rounds {
                if let Some(answer) = r.answer
                    && c.waited_over(r, answer, wait_limits(rule))
                {
                    count += 1;
                    messages.extend([r.open, answer]);
                }
            }
            (count > 0).then(|| hit(index, count, messages, Vec::new()))
        }
        Kind::UnansweredRound => {
            let (round, asks) = c.open_at_end(id, c.set.matcher.acks(index))?;
            // A question that came after the day's service hours is the next morning's.
            if c.service_left(c.time(round.open)) == Some(0) {
                return None;
            }
            Some(hit(index, 1, asks, Vec::new()))
        }
        Kind::ShiftEndUnanswered => {
            let (round, asks) = c.open_at_end(id, c.set.matcher.acks(index))?;
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

/// Why rule `index` did not fire on the chat (see [`RuleSet::why_not`]).
pub(super) fn why_not(set: &RuleSet, chat: &Chat<'_>, index: usize) -> Vec<Stop> {
    let Some(rule) = set.rules.get(index) else {
        return Vec::new();
    };
    let bare = |reason: StopReason, message: Option<u32>| Stop {
        message,
        span: None,
        matched: String::new(),
        reason,
    };
    if !rule.enabled {
        return vec![bare(StopReason::Disabled, None)];
    }
    let hits = evaluate(set, chat);
    if hits.iter().any(|h| h.rule == index) {
        return Vec::new();
    }
    if rule.kind == Kind::UnansweredRound
        && hits
            .iter()
            .any(|h| set.rules[h.rule].kind == Kind::ShiftEndUnanswered)
    {
        return vec![bare(StopReason::Superseded, None)];
    }
    let mut stops = Vec::new();
    let id = index as u32;
    match rule.kind {
        // Kinds a keyword makes fire: an occurrence that did not count stopped them.
        Kind::Keywords | Kind::KeywordCount | Kind::MissedFollowUp => {
            for (i, m) in chat.messages.iter().enumerate() {
                let (text, _) = kefu_core::text::cut_at(m.text, kefu_core::text::MAX_MESSAGE_BYTES);
                set.matcher.explain(id, i as u32, text, &mut stops);
            }
            // A number in a message of a sender the rule does not check is context (the
            // buyer's own), not a stop.
            let senders = rule.params.senders.as_deref().unwrap_or(&[]);
            stops.retain(|s| {
                s.reason != StopReason::NamedNumber
                    || s.message
                        .is_some_and(|m| senders.contains(&chat.messages[m as usize].sender))
            });
            if rule.kind != Kind::MissedFollowUp {
                let found = scan_all(set, chat);
                let phones = known_phones(set, chat, &found);
                let senders = rule.params.senders.as_deref().unwrap_or(&[]);
                for f in found
                    .iter()
                    .filter(|f| f.rule == id && f.role == Role::Keyword)
                {
                    let sender = chat.messages[f.span.message as usize].sender;
                    let reason = if !senders.contains(&sender) {
                        if f.phone != 0 {
                            // A number the buyer gives is context, not a stop: it shows
                            // as the agent's confirmation below.
                            continue;
                        }
                        StopReason::OtherSender(sender)
                    } else if f.phone != 0
                        && !f.named
                        && sender != Sender::Buyer
                        && phones.contains(&f.phone)
                    {
                        StopReason::BuyerNumber
                    } else {
                        continue;
                    };
                    let text = chat.messages[f.span.message as usize].text;
                    stops.push(Stop {
                        message: Some(f.span.message),
                        span: Some(f.span),
                        matched: text
                            .get(f.span.start as usize..f.span.end as usize)
                            .unwrap_or("")
                            .to_string(),
                        reason,
                    });
                }
            }
        }
        // Waits: a round over the limit on the wall clock but not on the service clock.
        Kind::SlowRound | Kind::LongWaitApology => {
            let (limit, grace) = wait_limits(rule);
            if let Some(hours) = chat.context.service_hours {
                for r in rounds(chat.messages) {
                    let Some(answer) = r.answer else { continue };
                    let open = chat.messages[r.open as usize].time;
                    let to = chat.messages[answer as usize].time;
                    let waited = hours.service_ms(open, to);
                    if to - open > limit && waited <= limit {
                        stops.push(bare(StopReason::ServiceClock, Some(r.open)));
                    } else if waited > limit
                        && waited <= allowed_wait(Some(hours), open, limit, grace)
                    {
                        stops.push(bare(StopReason::OpeningGrace, Some(r.open)));
                    }
                }
            }
        }
        // An open question that came after the day's service hours.
        Kind::UnansweredRound => {
            if let Some(hours) = chat.context.service_hours
                && let Some((round, _)) = open_at_end(
                    chat.messages,
                    &rounds(chat.messages),
                    set.matcher.acks(index),
                )
            {
                let open = chat.messages[round.open as usize].time;
                let day_end = (open.div_euclid(DAY_MS) + 1) * DAY_MS;
                if hours.service_ms(open, day_end) == 0 {
                    stops.push(bare(StopReason::OutsideServiceHours, Some(round.open)));
                }
            }
        }
        _ => {}
    }
    if stops.is_empty() {
        stops.push(bare(StopReason::NothingMet, None));
    }
    stops
}
