//! Keyword matching over Chinese text as people write it. Every message is read once through
//! the normalising pre-pass (`normalize.rs`: full-width, traditional, separators, numerals),
//! and every keyword, negation, allow phrase and regular-expression prefix of every enabled
//! rule is found in that reading by one Aho-Corasick automaton. Spans are mapped back to the
//! original text.
//!
//! A keyword occurrence does not count when
//! - it is not bounded: an ASCII edge runs on into letters or digits (加V in 加VIP, 12315 in a
//!   longer number), or one of its `!prev=` / `!next=` exclusions stands next to it;
//! - one of the rule's `negations` stands before it (or, marked `!after`, after it), within
//!   the negation's window (`negation_window` characters, or its own `!window=`; 0 = directly
//!   next to it) and in the same clause (不是随便你, 平台不允许加微信, 微信我们是不加的);
//! - one of the rule's `allow` phrases covers it (随便你挑 covers 随便你);
//! - `skip_quoted` is set and it lies inside quotes or title marks (《急什么》, “随便你”).

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

use super::keyword::{Cut, Entry, Pattern, parse_entry};
use super::normalize::{Normalized, is_cjk, is_clause_break, is_pronoun, normalize};
use super::{Kind, Param, RuleDef, Span, Stop, StopReason};

/// What an entry is to its rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    Keyword,
    Negation,
    Allow,
    /// A buyer phrase withdrawing a question (missed follow-up).
    Withdraw,
}

/// A keyword (or withdrawal) occurrence that counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Found {
    pub rule: u32,
    pub role: Role,
    /// The original text's bytes.
    pub span: Span,
    /// For a phone number: its 11 digits as a number; else 0.
    pub phone: u64,
    /// For a phone number: the words around it name it as an order, tracking or serial number
    /// or as the buyer's own ([`named_number`]). It is kept to know the buyer's numbers, and
    /// counts for no rule.
    pub named: bool,
}

struct Spec {
    rule: u32,
    role: Role,
    entry: Entry,
}

#[derive(Debug, Clone, Copy, Default)]
struct RuleInfo {
    skip_quoted: bool,
    phones: bool,
    window: u32,
}

pub(super) struct Matcher {
    automaton: Option<AhoCorasick>,
    /// Per automaton pattern: its entry in `specs`.
    patterns: Vec<u32>,
    specs: Vec<Spec>,
    rules: Vec<RuleInfo>,
    any_phones: bool,
    /// Per rule: its acknowledgements (the `allow` of the unanswered kinds), read as
    /// [`ack_form`] reads messages.
    acks: Vec<Phrases>,
    /// The acknowledgements of all enabled rules together.
    all_acks: Phrases,
    /// What an agent may write while still owing an answer (`eval::FILLER`), read as
    /// [`ack_form`] reads messages.
    pub(super) fillers: Phrases,
}

/// Phrases a text is segmented into ([`acknowledges`]), sorted, so that those starting with
/// a given character are one range: a segmentation step compares a few phrases, not all two
/// hundred acknowledgements.
#[derive(Debug, Default)]
pub(super) struct Phrases {
    sorted: Vec<String>,
}

impl Phrases {
    /// The phrases, empty ones left out.
    pub fn new(phrases: impl IntoIterator<Item = String>) -> Phrases {
        let mut sorted: Vec<String> = phrases.into_iter().filter(|p| !p.is_empty()).collect();
        sorted.sort_unstable();
        sorted.dedup();
        Phrases { sorted }
    }

    /// The phrases `text` starts with.
    fn starting(&self, text: &str) -> impl Iterator<Item = &str> {
        let first = text.chars().next().map_or("", |c| &text[..c.len_utf8()]);
        // Sorted bytewise, the phrases starting with `first` follow those below it.
        let from = self.sorted.partition_point(|p| p.as_str() < first);
        self.sorted[from..]
            .iter()
            .take_while(move |p| !first.is_empty() && p.starts_with(first))
            .map(String::as_str)
            .filter(move |p| text.starts_with(p))
    }
}

/// A match in the normalised text, before negations, allow-lists and quotes are applied.
#[derive(Debug, Clone, Copy)]
struct Raw {
    spec: u32,
    start: u32,
    end: u32,
}

/// Working memory of a scan, reused from message to message.
#[derive(Default)]
pub(super) struct Scratch {
    norm: Normalized,
    raw: Vec<Raw>,
}

/// Kinds whose keywords are matched (the others read no text).
fn reads_keywords(kind: Kind) -> bool {
    Param::Keywords.applies_to(kind) || Param::Withdrawn.applies_to(kind)
}

impl Matcher {
    pub fn empty() -> Matcher {
        Matcher {
            automaton: None,
            patterns: Vec::new(),
            specs: Vec::new(),
            rules: Vec::new(),
            any_phones: false,
            acks: Vec::new(),
            all_acks: Phrases::default(),
            fillers: Phrases::default(),
        }
    }

    pub fn new(rules: &[RuleDef]) -> Result<Matcher, String> {
        let mut texts: Vec<Vec<u8>> = Vec::new();
        let mut patterns = Vec::new();
        let mut specs = Vec::new();
        for (i, r) in rules.iter().enumerate() {
            if !r.enabled || !reads_keywords(r.kind) {
                continue;
            }
            let p = &r.params;
            let none = &None;
            let lists = [
                (Role::Keyword, &p.keywords),
                (Role::Negation, &p.negations),
                // Unanswered-round kinds read `allow` as whole messages, not as spans.
                (
                    Role::Allow,
                    if Param::Allow.applies_to(r.kind) && Param::Keywords.applies_to(r.kind) {
                        &p.allow
                    } else {
                        none
                    },
                ),
                (
                    Role::Withdraw,
                    if Param::Withdrawn.applies_to(r.kind) {
                        &p.withdrawn
                    } else {
                        none
                    },
                ),
            ];
            for (role, list) in lists {
                for t in list.iter().flatten() {
                    let entry = parse_entry(t, role == Role::Negation)
                        .map_err(|e| format!("rule {}: {}", r.id, e.text(true)))?;
                    let at = specs.len() as u32;
                    match &entry.pattern {
                        Pattern::Text(text) => {
                            texts.push(text.as_bytes().to_vec());
                            patterns.push(at);
                        }
                        Pattern::Regex { prefixes, .. } => {
                            for prefix in prefixes {
                                texts.push(prefix.clone());
                                patterns.push(at);
                            }
                        }
                    }
                    specs.push(Spec {
                        rule: i as u32,
                        role,
                        entry,
                    });
                }
            }
        }
        let automaton = if texts.is_empty() {
            None
        } else {
            Some(
                // A DFA: a few hundred short patterns make a small one, and it is the
                // fastest for overlapping search over every message of a store.
                AhoCorasick::builder()
                    .kind(Some(AhoCorasickKind::DFA))
                    .match_kind(MatchKind::Standard)
                    .ascii_case_insensitive(true)
                    .build(&texts)
                    .map_err(|e| format!("keyword automaton: {e}"))?,
            )
        };
        let infos: Vec<RuleInfo> = rules
            .iter()
            .map(|r| RuleInfo {
                skip_quoted: r.enabled && r.params.skip_quoted == Some(true),
                phones: r.enabled
                    && r.kind == Kind::Keywords
                    && r.params.phone_numbers == Some(true),
                window: r.params.negation_window.unwrap_or(0),
            })
            .collect();
        let acks: Vec<Phrases> = rules
            .iter()
            .map(|r| {
                if r.enabled && matches!(r.kind, Kind::UnansweredRound | Kind::ShiftEndUnanswered) {
                    Phrases::new(r.params.allow.iter().flatten().map(|a| ack_form(a)))
                } else {
                    Phrases::default()
                }
            })
            .collect();
        let all_acks = Phrases::new(acks.iter().flat_map(|a| a.sorted.iter().cloned()));
        Ok(Matcher {
            automaton,
            patterns,
            specs,
            any_phones: infos.iter().any(|r| r.phones),
            rules: infos,
            acks,
            all_acks,
            fillers: Phrases::new(super::eval::FILLER.iter().map(|f| ack_form(f))),
        })
    }

    /// The phone numbers in a text, read as messages are.
    pub fn phones_in(&self, text: &str) -> Vec<u64> {
        let (text, _) = kefu_core::text::cut_at(text, kefu_core::text::MAX_MESSAGE_BYTES);
        phone_numbers(&normalize(text), false)
            .into_iter()
            .map(|p| p.2)
            .collect()
    }

    /// The acknowledgements of every enabled rule.
    pub fn all_acks(&self) -> &Phrases {
        &self.all_acks
    }

    /// The acknowledgements of rule `rule` (empty for other kinds).
    pub fn acks(&self, rule: usize) -> &Phrases {
        static NONE: Phrases = Phrases { sorted: Vec::new() };
        self.acks.get(rule).unwrap_or(&NONE)
    }

    /// Appends the counting occurrences in `text` (message `message`) to `out`.
    pub fn scan(&self, message: u32, text: &str, scratch: &mut Scratch, out: &mut Vec<Found>) {
        if self.automaton.is_none() && !self.any_phones {
            return;
        }
        let Scratch { norm, raw } = scratch;
        norm.read(text);
        let t = norm.text.as_str();
        raw.clear();
        if let Some(ac) = &self.automaton {
            for m in ac.find_overlapping_iter(t) {
                let at = self.patterns[m.pattern().as_usize()];
                let spec = &self.specs[at as usize];
                if matches!(spec.entry.pattern, Pattern::Regex { .. })
                    && raw
                        .iter()
                        .any(|r| r.spec == at && r.start as usize == m.start())
                {
                    continue;
                }
                let Some((start, end)) = extent(&spec.entry, t, m.start(), m.end()) else {
                    continue;
                };
                if spec.entry.bounded(t, start, end) {
                    raw.push(Raw {
                        spec: at,
                        start: start as u32,
                        end: end as u32,
                    });
                }
            }
        }
        for k in raw.iter() {
            let spec = &self.specs[k.spec as usize];
            if !matches!(spec.role, Role::Keyword | Role::Withdraw) {
                continue;
            }
            self.keep(
                message, spec.rule, spec.role, k.start, k.end, 0, false, t, norm, raw, out,
            );
        }
        if self.any_phones {
            for (start, end, phone) in phone_numbers(t, false) {
                let named = named_number(t, start, end);
                for (rule, info) in self.rules.iter().enumerate() {
                    if info.phones {
                        self.keep(
                            message,
                            rule as u32,
                            Role::Keyword,
                            start as u32,
                            end as u32,
                            phone,
                            named,
                            t,
                            norm,
                            raw,
                            out,
                        );
                    }
                }
            }
        }
    }

    /// What takes an occurrence at `start..end` of the normalised text out, if anything: a
    /// negation or an allow phrase (with where it stands in the normalised text), or quotes.
    fn verdict(&self, rule: u32, start: u32, end: u32, t: &str, raw: &[Raw]) -> Option<Out> {
        let info = self.rules.get(rule as usize).copied().unwrap_or_default();
        let of_rule = |r: &&Raw, role: Role| {
            let s = &self.specs[r.spec as usize];
            s.rule == rule && s.role == role
        };
        // 您不加微信吗？ asks the buyer to, 难道你们不是骗子 accuses: a negation before a keyword
        // in a yes-no question with 吗, or after 难道, is rhetorical, no refusal.
        let asked = || {
            yes_no_question(t.get(end as usize..).unwrap_or(""))
                || clause_before(t, start as usize).contains("难道")
        };
        let negation = raw.iter().filter(|r| of_rule(r, Role::Negation)).find(|n| {
            let entry = &self.specs[n.spec as usize].entry;
            let gap = if entry.after {
                // 微信我们是不加的: the refusal follows.
                if n.start < end {
                    return false;
                }
                end..n.start
            } else {
                if n.start >= start || n.end > end || asked() {
                    return false;
                }
                if n.end >= start {
                    return true;
                }
                n.end..start
            };
            let window = entry.window.unwrap_or(info.window);
            let gap = t.get(gap.start as usize..gap.end as usize).unwrap_or("");
            // Pronouns do not count: 不是让您自己去看 is 不是让 + 自己去看.
            within_clause(gap, entry.after)
                && gap.chars().filter(|&c| !is_pronoun(c)).count() <= window as usize
        });
        if let Some(n) = negation {
            return Some(Out::Negated(n.start, n.end));
        }
        // The longest allow phrase that covers it names the excuse (微信付款 over 微信付).
        if let Some(a) = raw
            .iter()
            .filter(|r| of_rule(r, Role::Allow))
            .filter(|a| a.start <= start && a.end >= end)
            .max_by_key(|a| (a.end - a.start, std::cmp::Reverse(a.start)))
        {
            return Some(Out::Allowed(a.start, a.end));
        }
        if info.skip_quoted && quoted(t, start as usize, end as usize) {
            return Some(Out::Quoted);
        }
        None
    }

    /// Pushes an occurrence at `start..end` of the normalised text unless a negation, an allow
    /// phrase or quotes take it out.
    #[allow(clippy::too_many_arguments)]
    fn keep(
        &self,
        message: u32,
        rule: u32,
        role: Role,
        start: u32,
        end: u32,
        phone: u64,
        named: bool,
        t: &str,
        norm: &Normalized,
        raw: &[Raw],
        out: &mut Vec<Found>,
    ) {
        if self.verdict(rule, start, end, t, raw).is_some() {
            return;
        }
        let Some((s, e)) = norm.original(start as usize, end as usize) else {
            return;
        };
        let found = Found {
            rule,
            role,
            span: Span {
                message,
                start: s,
                end: e,
            },
            phone,
            named,
        };
        // The same keyword listed twice, or two keywords on the same or overlapping text
        // (我去查 in 我去查查), count once, over the text they cover together. A phone number
        // keeps its own span: it is compared with the buyer's.
        let overlapping = out.iter_mut().find(|f| {
            f.rule == rule
                && f.role == role
                && f.span.message == message
                && f.phone == phone
                && (phone != 0 && f.span == found.span
                    || phone == 0 && f.span.start < e && s < f.span.end)
        });
        match overlapping {
            Some(f) => {
                f.span.start = f.span.start.min(s);
                f.span.end = f.span.end.max(e);
            }
            None => out.push(found),
        }
    }

    /// The keyword occurrences of rule `rule` in `text` (message `message`) that do **not**
    /// count, each with what took it out (the "why not" of the test box). Slow: for one chat.
    pub fn explain(&self, rule: u32, message: u32, text: &str, out: &mut Vec<Stop>) {
        let mut norm = Normalized::default();
        norm.read(text);
        let t = norm.text.as_str();
        let span = |start: u32, end: u32| {
            norm.original(start as usize, end as usize)
                .map(|(s, e)| Span {
                    message,
                    start: s,
                    end: e,
                })
        };
        let written = |sp: Span| {
            text.get(sp.start as usize..sp.end as usize)
                .unwrap_or("")
                .to_string()
        };
        let mut raw: Vec<Raw> = Vec::new();
        // Occurrences cut by a boundary, kept apart: they never count.
        let mut cut: Vec<(u32, u32, StopReason)> = Vec::new();
        if let Some(ac) = &self.automaton {
            for m in ac.find_overlapping_iter(t) {
                let at = self.patterns[m.pattern().as_usize()];
                let spec = &self.specs[at as usize];
                let Some((start, end)) = extent(&spec.entry, t, m.start(), m.end()) else {
                    continue;
                };
                match spec.entry.cut(t, start, end) {
                    None => raw.push(Raw {
                        spec: at,
                        start: start as u32,
                        end: end as u32,
                    }),
                    Some(c) if spec.rule == rule && spec.role == Role::Keyword => {
                        let reason = match c {
                            Cut::Ascii => StopReason::AsciiBoundary,
                            Cut::Prev(p) => StopReason::Preceded(p.to_string()),
                            Cut::Next(n) => StopReason::Followed(n.to_string()),
                        };
                        cut.push((start as u32, end as u32, reason));
                    }
                    Some(_) => {}
                }
            }
        }
        let mut push = |start: u32, end: u32, reason: StopReason| {
            if let Some(sp) = span(start, end) {
                let stop = Stop {
                    message: Some(message),
                    span: Some(sp),
                    matched: written(sp),
                    reason,
                };
                if !out.contains(&stop) {
                    out.push(stop);
                }
            }
        };
        for (start, end, reason) in cut {
            push(start, end, reason);
        }
        let mut occurrences: Vec<(u32, u32)> = raw
            .iter()
            .filter(|k| {
                let s = &self.specs[k.spec as usize];
                s.rule == rule && s.role == Role::Keyword
            })
            .map(|k| (k.start, k.end))
            .collect();
        if self.rules.get(rule as usize).is_some_and(|r| r.phones) {
            for (s, e, _) in phone_numbers(t, false) {
                if named_number(t, s, e) {
                    push(s as u32, e as u32, StopReason::NamedNumber);
                } else {
                    occurrences.push((s as u32, e as u32));
                }
            }
        }
        for (start, end) in occurrences {
            let reason = match self.verdict(rule, start, end, t, &raw) {
                None => continue,
                Some(Out::Quoted) => StopReason::Quoted,
                Some(Out::Negated(s, e)) => match span(s, e) {
                    Some(at) => StopReason::Negated {
                        negation: written(at),
                        at,
                    },
                    None => continue,
                },
                Some(Out::Allowed(s, e)) => match span(s, e) {
                    Some(at) => StopReason::Allowed {
                        phrase: written(at),
                        at,
                    },
                    None => continue,
                },
            };
            push(start, end, reason);
        }
    }
}

/// The most characters between a keyword and the clause break after it for the keyword to be
/// a fronted topic (微信？, 微信的话，, 加微信吗？; 加微 of 加微信的话 ends a character early).
const TOPIC_CHARS: usize = 3;

/// Whether the `gap` between a negation and its keyword keeps them in one clause. A refusal
/// that follows (`after`) may also answer a topic fronted in a clause of its own: 微信？这个不行哦,
/// 加微信的话，我们是不能加的 — one clause break, at most [`TOPIC_CHARS`] after the keyword.
fn within_clause(gap: &str, after: bool) -> bool {
    let mut breaks = gap.char_indices().filter(|&(_, c)| is_clause_break(c));
    match breaks.next() {
        None => true,
        Some((at, _)) => {
            after && gap[..at].chars().count() <= TOPIC_CHARS && breaks.next().is_none()
        }
    }
}

/// Whether the clause that `rest` (the text after a keyword) closes is a yes-no question with
/// 吗: 吗 within [`TOPIC_CHARS`] + 1 characters, then the clause's end (您不加微信吗？).
fn yes_no_question(rest: &str) -> bool {
    let mut chars = 0;
    let mut last = None;
    for c in rest.chars().take_while(|&c| !is_clause_break(c)) {
        chars += 1;
        if chars > TOPIC_CHARS + 1 {
            return false;
        }
        last = Some(c);
    }
    last == Some('吗')
}

/// The extent in `t` of an entry found by the automaton at `start..end`: the phrase itself,
/// or what its regular expression matches from `start` (`None`: it does not, or only empty).
fn extent(entry: &Entry, t: &str, start: usize, end: usize) -> Option<(usize, usize)> {
    match &entry.pattern {
        Pattern::Text(_) => Some((start, end)),
        Pattern::Regex { regex, .. } => match t.get(start..).and_then(|rest| regex.find(rest)) {
            Some(x) if x.end() > 0 => Some((start, start + x.end())),
            _ => None,
        },
    }
}

/// What took an occurrence out, in the normalised text.
#[derive(Debug, Clone, Copy)]
enum Out {
    Negated(u32, u32),
    Allowed(u32, u32),
    Quoted,
}

/// The longest message read as a possible acknowledgement (about 40 Chinese characters).
const ACK_BYTES: usize = 120;

/// A message as acknowledgements are compared: normalised, emoticon codes dropped, with only
/// CJK, letters and digits.
pub(super) fn ack_form(text: &str) -> String {
    without_emoticons(&normalize(text))
        .chars()
        .filter(|&c| is_cjk(c) || c.is_ascii_alphanumeric())
        .collect()
}

/// The longest emoticon code, in characters between its brackets (`[捂脸哭]`, `[ok]`).
const EMOTICON_CHARS: usize = 6;

/// Media the chat tools also write in brackets: a picture or a link says something.
const MEDIA: [&str; 9] = [
    "图片", "视频", "链接", "商品", "文件", "语音", "订单", "卡片", "位置",
];

/// `text` without the emoticon codes chat tools write in square brackets (`[微笑]`, `[OK]`,
/// `[表情]`): an emoticon is no word, like the emoji it stands for. Media placeholders
/// (`[图片]`, `[商品链接]`) and longer brackets stay.
pub(super) fn without_emoticons(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains('[') {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find(']') {
            Some(close)
                if close > 0
                    && after[..close].chars().count() <= EMOTICON_CHARS
                    && !after[..close].contains('[')
                    && !MEDIA.iter().any(|m| after[..close].contains(m)) =>
            {
                rest = &after[close + 1..];
            }
            _ => {
                out.push('[');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

/// Whether a buyer message only acknowledges (好的👌, 收到，谢谢, Ok): it has no question
/// mark (嗯？ and ？？ ask), and once stripped to words it is a sequence of the phrases `acks`
/// (in [`ack_form`]), or nothing (👍).
pub(super) fn acknowledges(text: &str, acks: &Phrases) -> bool {
    // Acknowledgements are short; a long message says something.
    if text.len() > ACK_BYTES || text.contains(['?', '？', '﹖']) {
        return false;
    }
    let s = ack_form(text);
    if s.is_empty() {
        return true;
    }
    // can[i]: the first i bytes are a sequence of acknowledgements.
    let mut can = vec![false; s.len() + 1];
    can[0] = true;
    for i in 0..s.len() {
        if !can[i] || !s.is_char_boundary(i) {
            continue;
        }
        for a in acks.starting(&s[i..]) {
            can[i + a.len()] = true;
        }
    }
    can[s.len()]
}

const QUOTE_PAIRS: [(char, char); 7] = [
    ('《', '》'),
    ('“', '”'),
    ('「', '」'),
    ('『', '』'),
    ('【', '】'),
    ('‘', '’'),
    ('〈', '〉'),
];

/// Whether the bytes `start..end` of `text` lie inside a pair of quotes or title marks.
/// ASCII `"` and `'` quotes pair up left to right (您说的'垃圾'是指…).
fn quoted(text: &str, start: usize, end: usize) -> bool {
    // Openers seen before the keyword and not yet closed, innermost last.
    let mut open: Vec<char> = Vec::new();
    let mut ascii_open = false;
    let mut single_open = false;
    for (i, ch) in text.char_indices() {
        if i >= start {
            break;
        }
        if ch == '"' {
            ascii_open = !ascii_open;
        } else if ch == '\'' {
            single_open = !single_open;
        } else if let Some(&(o, _)) = QUOTE_PAIRS.iter().find(|(o, _)| *o == ch) {
            open.push(o);
        } else if let Some(&(o, _)) = QUOTE_PAIRS.iter().find(|(_, c)| *c == ch)
            && let Some(pos) = open.iter().rposition(|&x| x == o)
        {
            open.truncate(pos);
        }
    }
    let rest = text.get(end..).unwrap_or("");
    let closes = |o: char| {
        QUOTE_PAIRS
            .iter()
            .find(|(x, _)| *x == o)
            .is_some_and(|&(_, c)| rest.contains(c))
    };
    open.iter().any(|&o| closes(o))
        || (ascii_open && rest.contains('"'))
        || (single_open && rest.contains('\''))
}

/// Mainland phone numbers in a normalised text (digits ASCII, separators between digits
/// already dropped): mobiles, a run of exactly 11 digits starting 13–19, or of 13 starting 86
/// or 15 starting 0086 before those 11 (+86 138…); and fixed lines with their area code, a run
/// of 10–12 digits starting 0 then 1–9 (0571-8888 6666). Longer runs (order and tracking
/// numbers) and shorter ones (prices, dates) are not numbers. Each comes with a value that is
/// equal for equal numbers (a mobile's 11 digits, a fixed line's digits after a leading 1).
/// With `named`, numbers the text itself names as something else are left out: order and
/// tracking numbers ([`labelled`]) and the buyer's own ([`buyers`]); a store's address is read
/// without, every number in it being one the store knows.
pub(super) fn phone_numbers(text: &str, named: bool) -> Vec<(usize, usize, u64)> {
    let mut out = Vec::new();
    let b = text.as_bytes();
    let mut i = 0;
    let value = |digits: &[u8], lead: u64| {
        digits
            .iter()
            .fold(lead, |v, d| v * 10 + u64::from(d - b'0'))
    };
    while i < b.len() {
        if !b[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let from = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let run = &b[from..i];
        let mobile = match run.len() {
            11 => Some(run),
            13 if run.starts_with(b"86") => Some(&run[2..]),
            15 if run.starts_with(b"0086") => Some(&run[4..]),
            _ => None,
        }
        .filter(|n| n[0] == b'1' && (b'3'..=b'9').contains(&n[1]));
        if named && named_number(text, from, i) {
            continue;
        }
        if let Some(n) = mobile {
            out.push((from, i, value(n, 0)));
        } else if (10..=12).contains(&run.len()) && run[0] == b'0' && run[1] != b'0' {
            out.push((from, i, value(run, 1)));
        }
    }
    out
}

/// Words that name a run of digits as something else than a phone: order, tracking, serial,
/// batch, invoice and model numbers, and the carriers whose tracking numbers they are.
const NUMBER_LABELS: [&str; 33] = [
    "订单",
    "单号",
    "运单",
    "快递",
    "物流",
    "包裹",
    "编号",
    "序列号",
    "sn",
    "批号",
    "批次",
    "条码",
    "条形码",
    "货号",
    "型号",
    "工号",
    "发票",
    "税号",
    "流水号",
    "账单",
    "交易号",
    "顺丰",
    "中通",
    "圆通",
    "申通",
    "韵达",
    "极兔",
    "邮政",
    "ems",
    "京东",
    "德邦",
    "百世",
    "宅急送",
];

/// Words that, between a label and the number, make it a person's number again (快递员电话,
/// 订单有问题打我手机, 物流的事加我).
const PHONE_WORDS: [&str; 14] = [
    "电话", "手机", "联系", "致电", "拨打", "打给", "打我", "找我", "加", "微", "员", "小哥",
    "师傅", "tel",
];

/// How far before a number (in characters, within its clause) a label names it.
const LABEL_BEFORE: usize = 10;
/// How far after a number a label names it (13661234587 是韵达单号).
const LABEL_AFTER: usize = 6;

/// Whether the words around the digits at `from..to` of the normalised `text` name them as
/// something else than a contact number: an order or tracking number ([`labelled`]) or the
/// buyer's own ([`buyers`]).
pub(super) fn named_number(text: &str, from: usize, to: usize) -> bool {
    labelled(text, from, to) || buyers(text, from, to)
}

/// The clause before byte `from` of `text`, at most [`LABEL_BEFORE`] characters of it.
fn clause_before(text: &str, from: usize) -> &str {
    let head = text.get(..from).unwrap_or("");
    let reach = head
        .char_indices()
        .rev()
        .take_while(|&(_, c)| !is_clause_break(c))
        .take(LABEL_BEFORE)
        .last()
        .map_or(from, |(at, _)| at);
    &head[reach..]
}

/// Words that make the number after them the buyer's: 您的电话是…吗, 收件人电话….
const BUYER_WORDS: [&str; 7] = ["您", "你的", "收件", "收货", "买家", "下单人", "亲的"];

/// Words that, after a [`BUYER_WORDS`] word, make the number the agent's again (您打我电话…,
/// 您可以联系…, 您存一下…), or show the word was no owner (您好).
const AGENT_WORDS: [&str; 14] = [
    "我", "本人", "客服", "店", "加", "打", "联系", "致电", "拨", "找", "存", "记", "call", "好",
];

/// Words right after a number that ask whether it is the buyer's (13812345678 是您本人吗).
const ASKED_OWNER: [&str; 3] = ["是您", "是你", "是不是您"];

/// Whether the number at `from..to` is the buyer's, by the words around it in its clause:
/// 您的电话是13812345678吗 asks, 收件人电话13812345678 confirms, 13812345678 是您本人吗 asks
/// back; 您打13812345678 is not.
fn buyers(text: &str, from: usize, to: usize) -> bool {
    let after = text.get(to..).unwrap_or("");
    if ASKED_OWNER.iter().any(|w| after.starts_with(w)) {
        return true;
    }
    let before = clause_before(text, from);
    BUYER_WORDS
        .iter()
        .filter_map(|w| before.rfind(w).map(|at| at + w.len()))
        .max()
        .is_some_and(|end| !AGENT_WORDS.iter().any(|w| before[end..].contains(w)))
}

/// Whether the digits at `from..to` of the normalised `text` are named as an order, tracking
/// or serial number: a label of [`NUMBER_LABELS`] stands before them in the same clause,
/// within [`LABEL_BEFORE`] characters and with no [`PHONE_WORDS`] after it, or 单号/订单/运单
/// right after them. 单号 15023418876 is a tracking number; 快递员电话 13912345678 is not.
fn labelled(text: &str, from: usize, to: usize) -> bool {
    let before = clause_before(text, from);
    let label_end = NUMBER_LABELS
        .iter()
        .filter_map(|l| before.rfind(l).map(|at| at + l.len()))
        .max();
    if let Some(end) = label_end
        && !PHONE_WORDS.iter().any(|w| before[end..].contains(w))
    {
        return true;
    }
    let tail = text.get(to..).unwrap_or("");
    let after: String = tail
        .chars()
        .take_while(|&c| !is_clause_break(c))
        .take(LABEL_AFTER)
        .collect();
    ["单号", "订单", "运单"].iter().any(|l| after.contains(l))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_and_title_marks_enclose() {
        let t = "这款《急什么》的书";
        let s = t.find("急什么").unwrap();
        assert!(quoted(t, s, s + "急什么".len()));
        let t = "你急什么";
        let s = t.find("急什么").unwrap();
        assert!(!quoted(t, s, s + 9));
        let t = "品牌叫\"随便你\"哦";
        let s = t.find("随便你").unwrap();
        assert!(quoted(t, s, s + 9));
        // An opener without its closer quotes nothing.
        let t = "《随便你";
        assert!(!quoted(t, 3, 12));
        let t = "您说的'烦死了'是指等太久吗";
        let s = t.find("烦死了").unwrap();
        assert!(quoted(t, s, s + "烦死了".len()));
        let t = "it's 烦死了";
        let s = t.find("烦死了").unwrap();
        assert!(
            !quoted(t, s, s + "烦死了".len()),
            "an apostrophe opens nothing it does not close"
        );
        // A closed pair before the keyword does not enclose it.
        let t = "《书》随便你";
        assert!(!quoted(t, t.find("随便你").unwrap(), t.len()));
    }

    fn phones(text: &str) -> Vec<u64> {
        phone_numbers(&normalize(text), true)
            .into_iter()
            .map(|p| p.2)
            .collect()
    }

    #[test]
    fn phone_numbers_in_every_form() {
        let n = 13812345678;
        for text in [
            "加我13812345678呀",
            "电话138-1234-5678",
            "１３８１２３４５６７８",
            "138.1234.5678",
            "138　1234　5678",
            "+86 138 1234 5678",
            "0086-13812345678",
            "一三八一二三四五六七八",
            "①③⑧①②③④⑤⑥⑦⑧",
            "幺三八 一二三四 五六七八",
        ] {
            assert_eq!(phones(text), vec![n], "{text}");
        }
        assert!(
            phones("订单号 2024061812345678901").is_empty(),
            "order number"
        );
        assert!(
            phones("12345678901").is_empty(),
            "12… is not a mobile prefix"
        );
        assert!(phones("价格 299 元，3 件").is_empty());
        assert!(phones("1381234567").is_empty(), "10 digits");
        assert!(phones("1-3-8-1-2-3-4-5-6-7-8-9").is_empty(), "12 digits");
        // Fixed lines with their area code.
        assert_eq!(phones("座机 0571-8888 6666").len(), 1);
        assert_eq!(phones("010-12345678").len(), 1);
        assert!(phones("价格 0.99 元").is_empty());
        assert!(
            phones("400-800-1234").is_empty(),
            "a hotline is not a personal number"
        );
        assert_eq!(phones("13812345678，13912345678").len(), 2);
    }

    #[test]
    fn labelled_numbers_are_not_phones() {
        // Named as tracking, order or serial numbers, before or after.
        for text in [
            "单号 15023418876，韵达快递",
            "极兔快递 13661234587，明天到",
            "快递单号：15023418876",
            "您的订单号是 1381234567 8",
            "序列号 SN 1581 2345 678",
            "15023418876 是韵达单号",
        ] {
            assert!(phones(text).is_empty(), "{text}");
        }
        // A phone word after the label, a clause between, or a label too far: a phone.
        for text in [
            "快递员电话 13912345678",
            "订单有问题打我手机13812345678",
            "物流的事加我13812345678",
            "单号发您了。有事打13812345678",
            "订单已经发货了您收到以后有问题就找13812345678",
        ] {
            assert_eq!(phones(text).len(), 1, "{text}");
        }
    }

    #[test]
    fn the_buyers_number_by_its_words() {
        for text in [
            "您的电话是13812345678吗",
            "收件人电话 138 1234 5678，对吗",
            "您的手机号13812345678已备注",
            "收货电话 13812345678，没错吧",
            "请问 13812345678 是您本人吗",
        ] {
            assert!(phones(text).is_empty(), "{text}");
        }
        for text in [
            "您打我电话13812345678",
            "您可以联系13812345678",
            "您存一下13812345678",
            "有事打13812345678",
            "您好，13812345678",
            "您好 13812345678",
        ] {
            assert_eq!(phones(text).len(), 1, "{text}");
        }
        // The store's texts are read whole: every number in them is one it knows.
        let m = Matcher::empty();
        assert_eq!(m.phones_in("收件人 王芳 13856216621").len(), 1);
    }

    #[test]
    fn a_question_with_ma_is_no_refusal() {
        assert!(yes_no_question("吗?加一下"));
        assert!(yes_no_question("了吗"));
        assert!(!yes_no_question("的,群里发券吗"), "吗 of another clause");
        assert!(!yes_no_question("号给你吧"));
        assert!(!yes_no_question(""));
    }

    #[test]
    fn a_refusal_may_answer_a_fronted_topic() {
        assert!(within_clause("是不", true));
        assert!(within_clause("?这个", true));
        assert!(within_clause("的话,我们是", true));
        assert!(
            !within_clause("?这个", false),
            "a negation before stays in its clause"
        );
        assert!(!within_clause("给您看图,然后,", true), "two clauses");
        assert!(!within_clause("给您发图片,", true), "a clause of its own");
    }

    #[test]
    fn phrases_segment_as_trying_every_phrase_does() {
        // The segmentation by first character against trying every acknowledgement at every
        // step, with the shipped rules' acknowledgements, over texts of their pieces.
        let set = crate::rules::RuleSet::default_rules();
        let acks = set.matcher.all_acks();
        assert!(acks.sorted.len() > 100, "{}", acks.sorted.len());
        let every = |text: &str| {
            let s = ack_form(text);
            let mut can = vec![false; s.len() + 1];
            can[0] = true;
            for i in 0..s.len() {
                if can[i] && s.is_char_boundary(i) {
                    for a in &acks.sorted {
                        if s[i..].starts_with(a.as_str()) {
                            can[i + a.len()] = true;
                        }
                    }
                }
            }
            can[s.len()]
        };
        let pieces = [
            "好的", "谢谢", "嗯", "我", "拍了", "在吗", "发货", "ok", "k", "亲", "？", "，", "👌",
            "[微笑]",
        ];
        let mut texts = vec![String::new()];
        for a in pieces {
            for b in pieces {
                for c in pieces {
                    texts.push(format!("{a}{b}{c}"));
                }
            }
        }
        let mut yes = 0;
        for text in &texts {
            let expected = !text.contains('？') && every(text);
            assert_eq!(acknowledges(text, acks), expected, "{text}");
            yes += usize::from(expected);
        }
        assert!(yes > 100 && yes < texts.len(), "{yes} of {}", texts.len());
    }

    #[test]
    fn acknowledgements_in_their_variants() {
        let acks = Phrases::new(
            ["好的", "好滴", "收到", "谢谢", "ok", "嗯"]
                .iter()
                .map(|a| ack_form(a)),
        );
        for text in [
            "好的👌",
            "好滴～",
            "收到，谢谢",
            "Ok",
            "OK!",
            "👍",
            "嗯嗯",
            "好的 谢谢",
            "[微笑]",
            "好的[OK]",
            "收到[抱拳][抱拳]",
        ] {
            assert!(acknowledges(text, &acks), "{text}");
        }
        for text in [
            "？？",
            "好的，什么时候发货",
            "在吗",
            "好",
            "嗯？",
            "好的?",
            "[图片]",
            "好的[商品链接]",
            "好的[这个颜色还有吗]",
        ] {
            assert!(!acknowledges(text, &acks), "{text}");
        }
    }
}
