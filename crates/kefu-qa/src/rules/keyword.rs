//! One entry of a keyword, negation or allow list, as written in a rule set:
//!
//! ```text
//! 随便你                       a phrase (normalised like the texts: 隨 便 你 is the same)
//! 滚 !next=轮|烫|筒             not when 轮, 烫 or 筒 follows (滚轮, 滚烫, 滚筒)
//! 在的 !prev=现|实              not when 现 or 实 precedes (现在的)
//! /转(给)?我的?支付宝/          a regular expression (it must start with literal text)
//! 不会给 !window=4             a negation reaching up to 4 characters ahead (negations only)
//! 不加 !after                  a negation that follows the keyword (微信我们是不加的)
//! ```
//!
//! Options follow the phrase after ` !`; several may be given. Keywords that begin or end with
//! an ASCII letter or digit also need a boundary there: `加v` does not match in 加VIP, `12315`
//! not inside a longer run of digits.

use regex::Regex;
use regex_syntax::hir::literal::{ExtractKind, Extractor};

use super::config::Problem;
use super::normalize::normalize;

/// What an entry matches.
#[derive(Debug, Clone)]
pub(crate) enum Pattern {
    /// Normalised literal text.
    Text(String),
    /// A regular expression anchored at the start of what it is run on, and the literal
    /// prefixes that find where to run it.
    Regex {
        regex: Regex,
        prefixes: Vec<Vec<u8>>,
    },
}

/// A parsed entry.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub pattern: Pattern,
    /// Normalised texts that must not directly precede a match.
    pub prev_not: Vec<String>,
    /// Normalised texts that must not directly follow a match.
    pub next_not: Vec<String>,
    /// For negations: how many characters may stand between it and the keyword.
    pub window: Option<u32>,
    /// For negations: it follows the keyword instead of preceding it.
    pub after: bool,
}

const OPTIONS: [&str; 4] = ["prev=", "next=", "window=", "after"];

/// Splits `s` at the first ` !` that starts a known option.
fn split_head(s: &str) -> (&str, &str) {
    let mut from = 0;
    while let Some(k) = s[from..].find(" !") {
        let at = from + k;
        let rest = &s[at + 2..];
        if OPTIONS.iter().any(|o| rest.starts_with(o)) {
            return (s[..at].trim_end(), &s[at..]);
        }
        from = at + 2;
    }
    (s, "")
}

/// The most bytes a compiled regular expression of a rule may take.
const REGEX_SIZE: usize = 1 << 20;

/// Parses one entry; `negation` allows `!window=`.
pub(crate) fn parse_entry(s: &str, negation: bool) -> Result<Entry, Problem> {
    let (head, options) = split_head(s.trim());
    let mut entry = Entry {
        pattern: Pattern::Text(String::new()),
        prev_not: Vec::new(),
        next_not: Vec::new(),
        window: None,
        after: false,
    };
    for opt in options.split(" !").map(str::trim).filter(|o| !o.is_empty()) {
        let list = |v: &str| -> Vec<String> {
            v.split('|')
                .map(normalize)
                .filter(|x| !x.is_empty())
                .collect()
        };
        if let Some(v) = opt.strip_prefix("prev=") {
            entry.prev_not.extend(list(v));
        } else if let Some(v) = opt.strip_prefix("next=") {
            entry.next_not.extend(list(v));
        } else if let Some(v) = opt.strip_prefix("window=")
            && negation
        {
            entry.window = Some(
                v.trim()
                    .parse::<u32>()
                    .ok()
                    .filter(|&n| n <= 1000)
                    .ok_or_else(|| Problem::KeywordOption(s.to_string()))?,
            );
        } else if opt == "after" && negation {
            entry.after = true;
        } else {
            return Err(Problem::KeywordOption(s.to_string()));
        }
    }
    entry.pattern = if head.len() >= 3 && head.starts_with('/') && head.ends_with('/') {
        let body = &head[1..head.len() - 1];
        let regex = regex::RegexBuilder::new(&format!(r"\A(?:{body})"))
            .size_limit(REGEX_SIZE)
            .build()
            .map_err(|e| Problem::BadRegex(s.to_string(), e.to_string()))?;
        let hir = regex_syntax::Parser::new()
            .parse(body)
            .map_err(|e| Problem::BadRegex(s.to_string(), e.to_string()))?;
        let seq = Extractor::new().kind(ExtractKind::Prefix).extract(&hir);
        let prefixes: Vec<Vec<u8>> = match seq.literals() {
            Some(lits) if !lits.is_empty() && lits.iter().all(|l| !l.as_bytes().is_empty()) => {
                lits.iter().map(|l| l.as_bytes().to_vec()).collect()
            }
            _ => return Err(Problem::RegexPrefix(s.to_string())),
        };
        Pattern::Regex { regex, prefixes }
    } else {
        let text = normalize(head);
        if text.is_empty() {
            return Err(Problem::EmptyEntry);
        }
        Pattern::Text(text)
    };
    Ok(entry)
}

/// Checks every entry of a list.
pub(crate) fn check_list(items: &[String], negation: bool) -> Result<(), Problem> {
    for s in items {
        parse_entry(s, negation)?;
    }
    Ok(())
}

/// How an ASCII edge of a match must be bounded: a letter edge by a non-letter, a digit edge
/// by a non-digit.
fn edge_ok(edge: Option<char>, outside: Option<char>) -> bool {
    match (edge, outside) {
        (Some(e), Some(o)) if e.is_ascii_alphabetic() => !o.is_ascii_alphabetic(),
        (Some(e), Some(o)) if e.is_ascii_digit() => !o.is_ascii_digit(),
        _ => true,
    }
}

/// Why a match does not stand on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cut<'a> {
    /// An ASCII edge runs on into letters or digits (加V in 加VIP).
    Ascii,
    /// A `!prev=` exclusion precedes it.
    Prev(&'a str),
    /// A `!next=` exclusion follows it.
    Next(&'a str),
}

impl Entry {
    /// Whether a match at `start..end` of the normalised `text` stands on its own: the ASCII
    /// boundaries and the entry's `prev`/`next` exclusions.
    pub fn bounded(&self, text: &str, start: usize, end: usize) -> bool {
        self.cut(text, start, end).is_none()
    }

    /// What keeps a match at `start..end` of the normalised `text` from standing on its own,
    /// if anything.
    pub fn cut(&self, text: &str, start: usize, end: usize) -> Option<Cut<'_>> {
        let (Some(before), Some(inside), Some(after)) =
            (text.get(..start), text.get(start..end), text.get(end..))
        else {
            return Some(Cut::Ascii);
        };
        if !edge_ok(inside.chars().next(), before.chars().next_back())
            || !edge_ok(inside.chars().next_back(), after.chars().next())
        {
            return Some(Cut::Ascii);
        }
        // A space between words does not separate an exclusion from its keyword (hello kitty
        // is hello !next=kitty): the reading keeps spaces only between ASCII words.
        let (before, after) = (before.trim_end_matches(' '), after.trim_start_matches(' '));
        if let Some(p) = self.prev_not.iter().find(|p| before.ends_with(p.as_str())) {
            return Some(Cut::Prev(p));
        }
        self.next_not
            .iter()
            .find(|n| after.starts_with(n.as_str()))
            .map(|n| Cut::Next(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bounded(entry: &str, text: &str) -> bool {
        let e = parse_entry(entry, false).unwrap();
        let Pattern::Text(k) = &e.pattern else {
            panic!("a phrase")
        };
        let t = normalize(text);
        t.match_indices(k.as_str())
            .any(|(at, m)| e.bounded(&t, at, at + m.len()))
    }

    #[test]
    fn options_exclude_neighbours() {
        assert!(bounded("滚 !next=轮|烫|筒", "滚！"));
        assert!(!bounded("滚 !next=轮|烫|筒", "行李箱的滚轮坏了"));
        assert!(!bounded("滚 !next=轮|烫|筒", "滚烫的开水"));
        assert!(!bounded("在的 !prev=现", "现在的价格"));
        assert!(bounded("在的 !prev=现", "在的亲"));
        assert!(!bounded("你好 !next=像", "你好像没付款"));
        // Exclusions read past the spaces the reading keeps between ASCII words.
        assert!(!bounded("hello !next=kitty", "Hello Kitty联名款"));
        assert!(bounded("hello !next=kitty", "hello 亲"));
        assert!(!bounded("同v !next=领", "同 V 领"));
    }

    #[test]
    fn ascii_edges_need_a_boundary() {
        assert!(bounded("加V", "加v聊"));
        assert!(!bounded("加V", "加VIP会员"));
        assert!(bounded("12315", "我要打12315"));
        assert!(!bounded("12315", "订单号2024123150001"));
        assert!(bounded("vx", "加我vx"));
        assert!(!bounded("vx !next=-", "型号VX-5"));
    }

    #[test]
    fn regexes_need_a_literal_start() {
        let e = parse_entry("/转(给)?我的?支付宝/", false).unwrap();
        let Pattern::Regex { regex, prefixes } = &e.pattern else {
            panic!("a regex")
        };
        assert!(regex.is_match("转给我的支付宝就行"));
        assert!(!regex.is_match("支付宝付款"));
        assert!(prefixes.iter().all(|p| p.starts_with("转".as_bytes())));
        assert!(matches!(
            parse_entry("/.*支付宝/", false),
            Err(Problem::RegexPrefix(_))
        ));
        assert!(matches!(
            parse_entry("/转(/", false),
            Err(Problem::BadRegex(..))
        ));
    }

    #[test]
    fn options_are_checked() {
        assert!(parse_entry("不会 !window=6", true).unwrap().window == Some(6));
        assert!(matches!(
            parse_entry("不会 !window=6", false),
            Err(Problem::KeywordOption(_))
        ));
        assert!(matches!(
            parse_entry("不会 !window=x", true),
            Err(Problem::KeywordOption(_))
        ));
        assert!(matches!(
            parse_entry("不会 !bogus=1", true),
            Ok(Entry { .. })
        ));
    }
}
