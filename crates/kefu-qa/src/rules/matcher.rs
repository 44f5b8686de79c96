//! Keyword matching over Chinese text: every keyword, negation prefix and allow-list phrase of
//! every enabled rule in one Aho-Corasick automaton, so a message is scanned once.
//!
//! A keyword occurrence does not count when
//! - one of the rule's `negations` ends exactly where it starts (不是随便你, 没说急什么);
//! - one of the rule's `allow` phrases covers it (随便你挑 covers 随便你);
//! - `skip_quoted` is set and it lies inside quotes or title marks (《急什么》, “随便你”), the way
//!   product and brand names are written.
//!
//! ASCII letters match case-insensitively (加V = 加v, QQ = qq).

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

use super::{Kind, Param, RuleDef, Span};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Keyword,
    Negation,
    Allow,
}

/// A keyword occurrence that counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Found {
    pub rule: u32,
    pub span: Span,
}

pub(super) struct Matcher {
    automaton: Option<AhoCorasick>,
    /// Per pattern: the rule and what the pattern is to it.
    patterns: Vec<(u32, Role)>,
    /// Per rule: whether quoted occurrences are skipped.
    skip_quoted: Vec<bool>,
    /// Per rule: whether 11-digit mobile numbers count as keywords.
    phones: Vec<bool>,
    any_phones: bool,
}

/// Kinds whose keywords are matched (the others read no text).
fn reads_keywords(kind: Kind) -> bool {
    Param::Keywords.applies_to(kind)
}

impl Matcher {
    pub fn empty() -> Matcher {
        Matcher {
            automaton: None,
            patterns: Vec::new(),
            skip_quoted: Vec::new(),
            phones: Vec::new(),
            any_phones: false,
        }
    }

    pub fn new(rules: &[RuleDef]) -> Result<Matcher, String> {
        let mut texts: Vec<&str> = Vec::new();
        let mut patterns = Vec::new();
        for (i, r) in rules.iter().enumerate() {
            if !r.enabled || !reads_keywords(r.kind) {
                continue;
            }
            let p = &r.params;
            let lists = [
                (Role::Keyword, &p.keywords),
                (Role::Negation, &p.negations),
                // Unanswered-round kinds read `allow` as whole messages, not as spans.
                (
                    Role::Allow,
                    if Param::Allow.applies_to(r.kind) {
                        &p.allow
                    } else {
                        &None
                    },
                ),
            ];
            for (role, list) in lists {
                for t in list.iter().flatten() {
                    if !t.is_empty() {
                        texts.push(t);
                        patterns.push((i as u32, role));
                    }
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
        let on = |f: fn(&RuleDef) -> bool| rules.iter().map(|r| r.enabled && f(r)).collect();
        let phones: Vec<bool> =
            on(|r| r.kind == Kind::Keywords && r.params.phone_numbers == Some(true));
        Ok(Matcher {
            automaton,
            patterns,
            skip_quoted: on(|r| r.params.skip_quoted == Some(true)),
            any_phones: phones.iter().any(|&b| b),
            phones,
        })
    }

    /// Appends the counting keyword occurrences in `text` (message `message`) to `out`.
    pub fn scan(
        &self,
        message: u32,
        text: &str,
        raw: &mut Vec<(u32, RawMatch)>,
        out: &mut Vec<Found>,
    ) {
        if let Some(ac) = &self.automaton {
            raw.clear();
            for m in ac.find_overlapping_iter(text) {
                let (rule, role) = self.patterns[m.pattern().as_usize()];
                raw.push((
                    rule,
                    RawMatch {
                        role,
                        start: m.start() as u32,
                        end: m.end() as u32,
                    },
                ));
            }
            for &(rule, k) in raw.iter() {
                if k.role != Role::Keyword {
                    continue;
                }
                let negated = raw
                    .iter()
                    .any(|&(r, o)| r == rule && o.role == Role::Negation && o.end == k.start);
                let allowed = raw.iter().any(|&(r, o)| {
                    r == rule && o.role == Role::Allow && o.start <= k.start && o.end >= k.end
                });
                if negated || allowed {
                    continue;
                }
                if self.skip_quoted[rule as usize] && quoted(text, k.start as usize, k.end as usize)
                {
                    continue;
                }
                // The same keyword listed twice, or two keywords on the same text, count once.
                let span = Span {
                    message,
                    start: k.start,
                    end: k.end,
                };
                if !out.iter().any(|f| f.rule == rule && f.span == span) {
                    out.push(Found { rule, span });
                }
            }
        }
        if self.any_phones {
            for (start, end) in phone_numbers(text) {
                for (rule, _) in self.phones.iter().enumerate().filter(|(_, on)| **on) {
                    out.push(Found {
                        rule: rule as u32,
                        span: Span {
                            message,
                            start: start as u32,
                            end: end as u32,
                        },
                    });
                }
            }
        }
    }
}

/// A raw automaton match, before negations, allow-lists and quotes are applied.
#[derive(Debug, Clone, Copy)]
pub(super) struct RawMatch {
    role: Role,
    start: u32,
    end: u32,
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
/// ASCII `"` quotes pair up left to right.
fn quoted(text: &str, start: usize, end: usize) -> bool {
    // Openers seen before the keyword and not yet closed, innermost last.
    let mut open: Vec<char> = Vec::new();
    let mut ascii_open = false;
    for (i, ch) in text.char_indices() {
        if i >= start {
            break;
        }
        if ch == '"' {
            ascii_open = !ascii_open;
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
    open.iter().any(|&o| closes(o)) || (ascii_open && rest.contains('"'))
}

/// Digits, ASCII or full-width, as their value.
fn digit(ch: char) -> Option<u8> {
    match ch {
        '0'..='9' => Some(ch as u8 - b'0'),
        '０'..='９' => Some((ch as u32 - '０' as u32) as u8),
        _ => None,
    }
}

/// Mainland mobile numbers: 11 digits starting 13–19, optionally split by spaces or dashes
/// (138-1234-5678). Longer digit runs (order numbers) and shorter ones (prices) are not numbers.
///
/// One pass over the text with a two-character look-ahead: a run keeps its length and first two
/// digits only, so the memory is the found spans, whatever the length of the text (a table of
/// the text's characters once cost 16 bytes per character).
pub(super) fn phone_numbers(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut it = text.char_indices();
    while let Some((from, ch)) = it.next() {
        let Some(first) = digit(ch) else {
            continue;
        };
        // A run of digits, where one space or dash between two digits keeps the run going.
        let mut second = None;
        let mut count = 1usize;
        let mut to = from + ch.len_utf8();
        loop {
            let mut ahead = it.clone();
            let Some((i, c)) = ahead.next() else {
                break;
            };
            let next = if digit(c).is_some() {
                Some((i, c))
            } else if matches!(c, ' ' | '-' | '－') {
                ahead.next().filter(|&(_, c)| digit(c).is_some())
            } else {
                None
            };
            let Some((i, c)) = next else {
                break;
            };
            if count == 1 {
                second = digit(c);
            }
            count += 1;
            to = i + c.len_utf8();
            it = ahead;
        }
        if count == 11 && first == 1 && second.is_some_and(|d| (3..=9).contains(&d)) {
            out.push((from, to));
        }
    }
    out
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
        // A closed pair before the keyword does not enclose it.
        let t = "《书》随便你";
        assert!(!quoted(t, t.find("随便你").unwrap(), t.len()));
    }

    #[test]
    fn phone_numbers_are_eleven_digits_from_13_to_19() {
        assert_eq!(phone_numbers("加我13812345678呀").len(), 1);
        let t = "电话138-1234-5678";
        assert_eq!(phone_numbers(t), vec![(t.find('1').unwrap(), t.len())]);
        assert_eq!(
            phone_numbers("１３８１２３４５６７８").len(),
            1,
            "full-width digits"
        );
        assert!(
            phone_numbers("订单号 2024061812345678901").is_empty(),
            "order number"
        );
        assert!(
            phone_numbers("12345678901").is_empty(),
            "12… is not a mobile prefix"
        );
        assert!(phone_numbers("价格 299 元，3 件").is_empty());
        assert!(phone_numbers("1381234567").is_empty(), "10 digits");
        let t = "a 13812345678- 139 1234 5678，x";
        let a = t.find("139").unwrap();
        assert_eq!(
            phone_numbers(t),
            vec![(2, 13), (a, a + "139 1234 5678".len())],
            "a dash not followed by a digit ends the run"
        );
        assert!(
            phone_numbers("1-3-8-1-2-3-4-5-6-7-8-9").is_empty(),
            "12 digits"
        );
        assert_eq!(phone_numbers("1-3-8-1-2-3-4-5-6-7-8").len(), 1);
    }
}
