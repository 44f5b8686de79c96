//! The TOML form of a rule set: parsing with the line and field of every mistake, and
//! writing back (for rule sets edited in the web form).

use std::collections::HashSet;
use std::fmt;

use kefu_core::model::Sender;
use serde::Deserialize;
use toml::Spanned;

use super::keyword::check_list;
use super::{Category, Kind, Param, Params, RuleDef, Severity};

/// A mistake in a rule set, with where it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct RuleError {
    /// 1-based line in the TOML text; 0 when the mistake is not in one place.
    pub line: usize,
    /// The rule and field, e.g. `rule forbidden_phrases: keywords`; empty for syntax errors.
    pub field: String,
    pub problem: Problem,
}

/// What is wrong with a rule or a parameter, in Chinese and English.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// Not TOML, or not the shape of a rule set; the TOML reader's own words (English).
    Syntax(String),
    IdChars,
    DuplicateId,
    UnknownKind,
    UnknownCategory,
    UnknownSeverity,
    ScoreRange,
    NotFor(Kind),
    NeededBy(Kind),
    WholeNumber(String),
    NotBool(String),
    EmptyEntry,
    UnknownSender(String),
    KeywordsOrPhones,
    MinOrMax,
    /// An entry's ` !` option is unknown or malformed (the entry).
    KeywordOption(String),
    /// A regular expression that does not compile (the entry, the reader's words).
    BadRegex(String, String),
    /// A regular expression that does not start with literal text (the entry).
    RegexPrefix(String),
}

impl Problem {
    /// The problem in English (`en`) or Chinese.
    pub fn text(&self, en: bool) -> String {
        let t = |zh: String, english: String| if en { english } else { zh };
        let list = |all: Vec<&str>| all.join(", ");
        match self {
            Problem::Syntax(m) => t(
                kefu_core::localized::toml_message_zh(m, "规则文件"),
                m.clone(),
            ),
            Problem::IdChars => t(
                "只能用小写字母、数字和 _".into(),
                "use lowercase letters, digits and _ only".into(),
            ),
            Problem::DuplicateId => t(
                "另一条规则用了同一个 id".into(),
                "another rule has the same id".into(),
            ),
            Problem::UnknownKind => {
                let all = list(Kind::ALL.iter().map(|k| k.as_str()).collect());
                t(
                    format!("未知类型；可选 {all}"),
                    format!("unknown kind; one of {all}"),
                )
            }
            Problem::UnknownCategory => {
                let all = list(Category::ALL.iter().map(|k| k.as_str()).collect());
                t(
                    format!("未知类别；可选 {all}"),
                    format!("unknown category; one of {all}"),
                )
            }
            Problem::UnknownSeverity => t(
                "可选 low、medium、high、critical".into(),
                "one of low, medium, high, critical".into(),
            ),
            Problem::ScoreRange => t(
                "须在 -1000 到 1000 之间".into(),
                "must be from -1000 to 1000".into(),
            ),
            Problem::NotFor(k) => t(
                format!("不适用于类型 {}", k.as_str()),
                format!("does not apply to kind {}", k.as_str()),
            ),
            Problem::NeededBy(k) => t(
                format!("类型 {} 必须填写", k.as_str()),
                format!("kind {} needs it", k.as_str()),
            ),
            Problem::WholeNumber(v) if v.is_empty() => t(
                "须是 0 到 100000 的整数".into(),
                "must be a whole number from 0 to 100000".into(),
            ),
            Problem::WholeNumber(v) => t(
                format!("`{v}` 不是 0 到 100000 的整数"),
                format!("`{v}` is not a whole number from 0 to 100000"),
            ),
            Problem::NotBool(v) => t(
                format!("`{v}` 不是 true 或 false"),
                format!("`{v}` is not true or false"),
            ),
            Problem::EmptyEntry => t("有空的条目".into(), "an entry is empty".into()),
            Problem::UnknownSender(v) => t(
                format!("未知发送方 `{v}`；可选 buyer、agent、bot、auto、system"),
                format!("unknown sender `{v}`; buyer, agent, bot, auto or system"),
            ),
            Problem::KeywordsOrPhones => t(
                "请填写关键词，或设 phone_numbers = true".into(),
                "give keywords, or phone_numbers = true".into(),
            ),
            Problem::MinOrMax => t(
                "请填写 min、max 或两者".into(),
                "give min, max or both".into(),
            ),
            Problem::KeywordOption(v) => t(
                format!("`{v}`：选项只能是 !prev=…、!next=…，否定词还可用 !window=数字"),
                format!("`{v}`: options are !prev=…, !next=… and, for negations, !window=N"),
            ),
            Problem::BadRegex(v, why) => t(
                format!("`{v}` 不是有效的正则表达式：{why}"),
                format!("`{v}` is not a valid regular expression: {why}"),
            ),
            Problem::RegexPrefix(v) => t(
                format!("`{v}`：正则表达式须以固定文字开头（用于快速查找）"),
                format!(
                    "`{v}`: a regular expression must start with literal text (it is found by it)"
                ),
            ),
        }
    }
}

impl RuleError {
    /// The mistake with its place, in English (`en`) or Chinese.
    pub fn describe(&self, en: bool) -> String {
        let mut out = at_line(self.line, en);
        if !self.field.is_empty() {
            out.push_str(&self.field);
            out.push_str(": ");
        }
        out.push_str(&self.problem.text(en));
        out
    }
}

/// `line N: ` (English) or `第 N 行：`, the start of a mistake's description; empty for line 0
/// (not in one place).
pub(crate) fn at_line(line: usize, en: bool) -> String {
    match (line, en) {
        (0, _) => String::new(),
        (n, true) => format!("line {n}: "),
        (n, false) => format!("第 {n} 行："),
    }
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe(true))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    rule: Vec<Spanned<RawRule>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: Spanned<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    name_en: Option<String>,
    kind: Spanned<String>,
    #[serde(default)]
    enabled: Option<bool>,
    category: Spanned<String>,
    severity: Spanned<String>,
    score: Spanned<i64>,
    senders: Option<Spanned<Vec<String>>>,
    keywords: Option<Spanned<Vec<String>>>,
    negations: Option<Spanned<Vec<String>>>,
    allow: Option<Spanned<Vec<String>>>,
    skip_quoted: Option<Spanned<bool>>,
    phone_numbers: Option<Spanned<bool>>,
    repeated_questions: Option<Spanned<bool>>,
    min: Option<Spanned<i64>>,
    max: Option<Spanned<i64>>,
    first_agent_messages: Option<Spanned<i64>>,
    last_agent_messages: Option<Spanned<i64>>,
    min_agent_messages: Option<Spanned<i64>>,
    next_agent_messages: Option<Spanned<i64>>,
    count_bot: Option<Spanned<bool>>,
    minutes: Option<Spanned<i64>>,
    seconds: Option<Spanned<i64>>,
    negation_window: Option<Spanned<i64>>,
    withdrawn: Option<Spanned<Vec<String>>>,
    opening_grace_minutes: Option<Spanned<i64>>,
}

/// The 1-based line of a byte offset (for every TOML file of the crate: rules, labels,
/// scorecards).
pub(crate) fn line_of(text: &str, at: usize) -> usize {
    text.as_bytes()[..at.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

struct Checker<'t> {
    text: &'t str,
    rule: String,
    errors: Vec<RuleError>,
}

impl Checker<'_> {
    fn error<T>(&mut self, at: &Spanned<T>, field: &str, problem: Problem) {
        self.errors.push(RuleError {
            line: line_of(self.text, at.span().start),
            field: format!("rule {}: {field}", self.rule),
            problem,
        });
    }

    fn number(&mut self, v: Option<Spanned<i64>>, field: &str) -> Option<u32> {
        let v = v?;
        match u32::try_from(*v.get_ref()) {
            Ok(n) if n <= 100_000 => Some(n),
            _ => {
                self.error(&v, field, Problem::WholeNumber(String::new()));
                None
            }
        }
    }

    fn list(&mut self, v: Option<Spanned<Vec<String>>>, field: &str) -> Option<Vec<String>> {
        let v = v?;
        let items: Vec<String> = v.get_ref().iter().map(|s| s.trim().to_string()).collect();
        if items.iter().any(String::is_empty) {
            self.error(&v, field, Problem::EmptyEntry);
            return None;
        }
        Some(items)
    }

    /// A list whose entries are keyword entries (options, regular expressions) when `spans`.
    fn entries(
        &mut self,
        v: Option<Spanned<Vec<String>>>,
        field: &str,
        spans: bool,
        negation: bool,
    ) -> Option<Vec<String>> {
        let at = v.as_ref().map(|v| v.span());
        let items = self.list(v, field)?;
        if spans
            && let Err(problem) = check_list(&items, negation)
            && let Some(at) = at
        {
            self.errors.push(RuleError {
                line: line_of(self.text, at.start),
                field: format!("rule {}: {field}", self.rule),
                problem,
            });
            return None;
        }
        Some(items)
    }
}

/// Parses and validates a rule set. Every mistake is reported, not just the first.
pub fn parse(text: &str) -> Result<Vec<RuleDef>, Vec<RuleError>> {
    let raw: RawFile = toml::from_str(text).map_err(|e| {
        vec![RuleError {
            line: e.span().map_or(0, |s| line_of(text, s.start)),
            field: String::new(),
            problem: Problem::Syntax(e.message().trim().to_string()),
        }]
    })?;
    let mut c = Checker {
        text,
        rule: String::new(),
        errors: Vec::new(),
    };
    let mut seen = HashSet::new();
    let mut rules = Vec::new();
    for spanned in raw.rule {
        let r = spanned.into_inner();
        c.rule = r.id.get_ref().clone();
        let id_ok = !c.rule.is_empty()
            && c.rule
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !id_ok {
            c.error(&r.id, "id", Problem::IdChars);
        } else if !seen.insert(c.rule.clone()) {
            c.error(&r.id, "id", Problem::DuplicateId);
        }
        let kind = Kind::parse(r.kind.get_ref());
        if kind.is_none() {
            c.error(&r.kind, "kind", Problem::UnknownKind);
        }
        let category = Category::parse(r.category.get_ref());
        if category.is_none() {
            c.error(&r.category, "category", Problem::UnknownCategory);
        }
        let severity = Severity::parse(r.severity.get_ref());
        if severity.is_none() {
            c.error(&r.severity, "severity", Problem::UnknownSeverity);
        }
        let score = match i32::try_from(*r.score.get_ref()) {
            Ok(s) if (-1000..=1000).contains(&s) => s,
            _ => {
                c.error(&r.score, "score", Problem::ScoreRange);
                0
            }
        };
        let given: Vec<(Param, Option<usize>)> = vec![
            (Param::Senders, r.senders.as_ref().map(|v| v.span().start)),
            (Param::Keywords, r.keywords.as_ref().map(|v| v.span().start)),
            (
                Param::Negations,
                r.negations.as_ref().map(|v| v.span().start),
            ),
            (Param::Allow, r.allow.as_ref().map(|v| v.span().start)),
            (
                Param::SkipQuoted,
                r.skip_quoted.as_ref().map(|v| v.span().start),
            ),
            (
                Param::PhoneNumbers,
                r.phone_numbers.as_ref().map(|v| v.span().start),
            ),
            (
                Param::RepeatedQuestions,
                r.repeated_questions.as_ref().map(|v| v.span().start),
            ),
            (Param::Min, r.min.as_ref().map(|v| v.span().start)),
            (Param::Max, r.max.as_ref().map(|v| v.span().start)),
            (
                Param::FirstAgentMessages,
                r.first_agent_messages.as_ref().map(|v| v.span().start),
            ),
            (
                Param::LastAgentMessages,
                r.last_agent_messages.as_ref().map(|v| v.span().start),
            ),
            (
                Param::MinAgentMessages,
                r.min_agent_messages.as_ref().map(|v| v.span().start),
            ),
            (
                Param::NextAgentMessages,
                r.next_agent_messages.as_ref().map(|v| v.span().start),
            ),
            (
                Param::CountBot,
                r.count_bot.as_ref().map(|v| v.span().start),
            ),
            (Param::Minutes, r.minutes.as_ref().map(|v| v.span().start)),
            (Param::Seconds, r.seconds.as_ref().map(|v| v.span().start)),
            (
                Param::NegationWindow,
                r.negation_window.as_ref().map(|v| v.span().start),
            ),
            (
                Param::Withdrawn,
                r.withdrawn.as_ref().map(|v| v.span().start),
            ),
            (
                Param::OpeningGraceMinutes,
                r.opening_grace_minutes.as_ref().map(|v| v.span().start),
            ),
        ];
        let rule_line = line_of(text, r.id.span().start);
        if let Some(kind) = kind {
            for &(p, at) in &given {
                if let Some(at) = at
                    && !p.applies_to(kind)
                {
                    c.errors.push(RuleError {
                        line: line_of(text, at),
                        field: format!("rule {}: {}", c.rule, p.name()),
                        problem: Problem::NotFor(kind),
                    });
                }
                if at.is_none() && p.required_by(kind) {
                    c.errors.push(RuleError {
                        line: rule_line,
                        field: format!("rule {}: {}", c.rule, p.name()),
                        problem: Problem::NeededBy(kind),
                    });
                }
            }
        }
        let senders = r.senders.and_then(|v| {
            let mut out = Vec::new();
            for s in v.get_ref() {
                match Sender::parse(s) {
                    Some(x) => out.push(x),
                    None => {
                        c.error(&v, "senders", Problem::UnknownSender(s.clone()));
                        return None;
                    }
                }
            }
            Some(out)
        });
        // Entries of lists matched in the text are checked as the matcher will read them.
        let spans_read = kind.is_some_and(|k| Param::Keywords.applies_to(k));
        let keywords = c.entries(r.keywords, "keywords", spans_read, false);
        let negations = c.entries(r.negations, "negations", spans_read, true);
        let allow_spans = kind.is_some_and(|k| matches!(k, Kind::Keywords));
        let allow = c.entries(r.allow, "allow", allow_spans, false);
        let withdrawn = c.entries(r.withdrawn, "withdrawn", spans_read, false);
        let params = Params {
            senders,
            keywords,
            negations,
            allow,
            withdrawn,
            negation_window: c.number(r.negation_window, "negation_window"),
            skip_quoted: r.skip_quoted.map(Spanned::into_inner),
            phone_numbers: r.phone_numbers.map(Spanned::into_inner),
            repeated_questions: r.repeated_questions.map(Spanned::into_inner),
            min: c.number(r.min, "min"),
            max: c.number(r.max, "max"),
            first_agent_messages: c.number(r.first_agent_messages, "first_agent_messages"),
            last_agent_messages: c.number(r.last_agent_messages, "last_agent_messages"),
            min_agent_messages: c.number(r.min_agent_messages, "min_agent_messages"),
            next_agent_messages: c.number(r.next_agent_messages, "next_agent_messages"),
            count_bot: r.count_bot.map(Spanned::into_inner),
            minutes: c.number(r.minutes, "minutes"),
            seconds: c.number(r.seconds, "seconds"),
            opening_grace_minutes: c.number(r.opening_grace_minutes, "opening_grace_minutes"),
        };
        if kind == Some(Kind::Keywords)
            && params.keywords.as_ref().is_none_or(Vec::is_empty)
            && params.phone_numbers != Some(true)
        {
            c.errors.push(RuleError {
                line: rule_line,
                field: format!("rule {}: keywords", c.rule),
                problem: Problem::KeywordsOrPhones,
            });
        }
        if kind == Some(Kind::KeywordCount) && params.min.is_none() && params.max.is_none() {
            c.errors.push(RuleError {
                line: rule_line,
                field: format!("rule {}: min", c.rule),
                problem: Problem::MinOrMax,
            });
        }
        if let (Some(kind), Some(category), Some(severity)) = (kind, category, severity) {
            rules.push(RuleDef {
                id: c.rule.clone(),
                name: r.name.unwrap_or_default(),
                name_en: r.name_en.unwrap_or_default(),
                kind,
                enabled: r.enabled.unwrap_or(true),
                category,
                severity,
                score,
                params,
            });
        }
    }
    if c.errors.is_empty() {
        Ok(rules)
    } else {
        Err(c.errors)
    }
}

/// A TOML string literal (basic string, escaped).
fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn list(items: &[String]) -> String {
    let inner: Vec<String> = items.iter().map(|s| quoted(s)).collect();
    format!("[{}]", inner.join(", "))
}

/// The value of a parameter as TOML, when set.
pub(super) fn param_toml(p: &Params, param: Param) -> Option<String> {
    let num = |v: Option<u32>| v.map(|n| n.to_string());
    let flag = |v: Option<bool>| v.map(|b| b.to_string());
    match param {
        Param::Senders => p.senders.as_ref().map(|s| {
            let names: Vec<String> = s.iter().map(|x| x.as_str().to_string()).collect();
            list(&names)
        }),
        Param::Keywords => p.keywords.as_deref().map(list),
        Param::Negations => p.negations.as_deref().map(list),
        Param::Allow => p.allow.as_deref().map(list),
        Param::SkipQuoted => flag(p.skip_quoted),
        Param::PhoneNumbers => flag(p.phone_numbers),
        Param::RepeatedQuestions => flag(p.repeated_questions),
        Param::Min => num(p.min),
        Param::Max => num(p.max),
        Param::FirstAgentMessages => num(p.first_agent_messages),
        Param::LastAgentMessages => num(p.last_agent_messages),
        Param::MinAgentMessages => num(p.min_agent_messages),
        Param::NextAgentMessages => num(p.next_agent_messages),
        Param::CountBot => flag(p.count_bot),
        Param::Minutes => num(p.minutes),
        Param::Seconds => num(p.seconds),
        Param::NegationWindow => num(p.negation_window),
        Param::Withdrawn => p.withdrawn.as_deref().map(list),
        Param::OpeningGraceMinutes => num(p.opening_grace_minutes),
    }
}

/// Writes rules as TOML that [`parse`] reads back to the same definitions.
pub fn to_toml(rules: &[RuleDef]) -> String {
    let mut out = String::new();
    for r in rules {
        out.push_str("[[rule]]\n");
        out.push_str(&format!("id = {}\n", quoted(&r.id)));
        out.push_str(&format!("name = {}\n", quoted(&r.name)));
        out.push_str(&format!("name_en = {}\n", quoted(&r.name_en)));
        out.push_str(&format!("kind = {}\n", quoted(r.kind.as_str())));
        out.push_str(&format!("enabled = {}\n", r.enabled));
        out.push_str(&format!("category = {}\n", quoted(r.category.as_str())));
        out.push_str(&format!("severity = {}\n", quoted(r.severity.as_str())));
        out.push_str(&format!("score = {}\n", r.score));
        for p in Param::ALL {
            if let Some(v) = param_toml(&r.params, p) {
                out.push_str(&format!("{} = {v}\n", p.name()));
            }
        }
        out.push('\n');
    }
    out
}

/// Sets one parameter from the text of a web form field: lists one entry a line, numbers and
/// booleans as written; an empty field unsets the parameter.
pub fn set_param(p: &mut Params, param: Param, text: &str) -> Result<(), Problem> {
    let text = text.trim();
    let lines = || -> Option<Vec<String>> {
        let items: Vec<String> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect();
        (!items.is_empty()).then_some(items)
    };
    let number = || -> Result<Option<u32>, Problem> {
        if text.is_empty() {
            return Ok(None);
        }
        text.parse::<u32>()
            .ok()
            .filter(|&n| n <= 100_000)
            .map(Some)
            .ok_or_else(|| Problem::WholeNumber(text.to_string()))
    };
    let flag = || -> Result<Option<bool>, Problem> {
        match text {
            "" => Ok(None),
            "true" | "on" | "1" => Ok(Some(true)),
            "false" | "off" | "0" => Ok(Some(false)),
            _ => Err(Problem::NotBool(text.to_string())),
        }
    };
    let checked = |items: Option<Vec<String>>, negation: bool| -> Result<_, Problem> {
        if let Some(items) = &items {
            check_list(items, negation)?;
        }
        Ok(items)
    };
    match param {
        Param::Senders => {
            p.senders = match lines() {
                None => None,
                Some(items) => Some(
                    items
                        .iter()
                        .map(|s| Sender::parse(s).ok_or_else(|| Problem::UnknownSender(s.clone())))
                        .collect::<Result<_, _>>()?,
                ),
            }
        }
        Param::Keywords => p.keywords = checked(lines(), false)?,
        Param::Negations => p.negations = checked(lines(), true)?,
        Param::Allow => p.allow = lines(),
        Param::Withdrawn => p.withdrawn = checked(lines(), false)?,
        Param::NegationWindow => p.negation_window = number()?,
        Param::SkipQuoted => p.skip_quoted = flag()?,
        Param::PhoneNumbers => p.phone_numbers = flag()?,
        Param::RepeatedQuestions => p.repeated_questions = flag()?,
        Param::CountBot => p.count_bot = flag()?,
        Param::Min => p.min = number()?,
        Param::Max => p.max = number()?,
        Param::FirstAgentMessages => p.first_agent_messages = number()?,
        Param::LastAgentMessages => p.last_agent_messages = number()?,
        Param::MinAgentMessages => p.min_agent_messages = number()?,
        Param::NextAgentMessages => p.next_agent_messages = number()?,
        Param::Minutes => p.minutes = number()?,
        Param::Seconds => p.seconds = number()?,
        Param::OpeningGraceMinutes => p.opening_grace_minutes = number()?,
    }
    Ok(())
}

/// The text a web form field shows for a parameter: lists one entry a line.
pub fn param_text(p: &Params, param: Param) -> String {
    let join = |v: &Option<Vec<String>>| v.as_ref().map_or(String::new(), |v| v.join("\n"));
    match param {
        Param::Senders => p.senders.as_ref().map_or(String::new(), |s| {
            s.iter().map(|x| x.as_str()).collect::<Vec<_>>().join("\n")
        }),
        Param::Keywords => join(&p.keywords),
        Param::Negations => join(&p.negations),
        Param::Allow => join(&p.allow),
        Param::Withdrawn => join(&p.withdrawn),
        other => param_toml(p, other).unwrap_or_default(),
    }
}
