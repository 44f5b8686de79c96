//! Manual reviews (人工质检): scorecards (评分表) as data, and the review score.
//!
//! A scorecard has sections of items. Each item has a scale (yes/no, 1–5, or 0..=max
//! points), a weight, whether "N/A" is allowed, and two optional roles: *critical* (failing
//! it fails the whole review) and *bonus* (it adds to the score, which may then exceed 100%).
//!
//! **Review score** (see `docs/qa.md`, "Manual reviews"): every answer becomes a value
//! `v ∈ [0, 1]` — yes = 1, no = 0; a rating r of 1–5 is (r − 1) / 4; p points of `max` are
//! p / max. Over the applicable (not N/A) regular items A and the answered bonus items B,
//!
//! ```text
//! score = 100 × (Σ_{i∈A} wᵢ·vᵢ + Σ_{b∈B} w_b·v_b) / Σ_{i∈A} wᵢ
//! ```
//!
//! so a review without bonus points scores at most 100%. A failed critical item (answered
//! "no", a rating of 1 or zero points) makes the score 0 whatever else was answered. With no
//! applicable regular item there is no score.

use std::collections::{HashMap, HashSet};
use std::fmt;

use serde::Deserialize;

use crate::rules::line_of;

/// The two kinds of manual review the interviews describe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ReviewKind {
    /// 劣势检验: leads and QA look for weaknesses; an improvement note is required.
    Weakness,
    /// 优势检验: peers look for strengths to learn from.
    Strength,
}

impl ReviewKind {
    pub const ALL: [ReviewKind; 2] = [ReviewKind::Weakness, ReviewKind::Strength];

    pub fn as_str(self) -> &'static str {
        match self {
            ReviewKind::Weakness => "weakness",
            ReviewKind::Strength => "strength",
        }
    }

    pub fn parse(s: &str) -> Option<ReviewKind> {
        ReviewKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// How an item is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    YesNo,
    /// A rating from 1 (poor) to 5 (excellent).
    OneToFive,
    /// Whole points from 0 to `max` (at least 1).
    Points {
        max: u32,
    },
}

impl Scale {
    /// The agreement metric that fits the scale: categories have no distance, ratings are
    /// ranks, points are differences that mean the same everywhere on the scale.
    pub fn metric(self) -> crate::agreement::Metric {
        use crate::agreement::Metric;
        match self {
            Scale::YesNo => Metric::Nominal,
            Scale::OneToFive => Metric::Ordinal,
            Scale::Points { .. } => Metric::Interval,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub id: String,
    pub name: String,
    pub name_en: String,
    pub scale: Scale,
    pub weight: f64,
    pub na_allowed: bool,
    pub critical: bool,
    pub bonus: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    pub id: String,
    pub name: String,
    pub name_en: String,
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Scorecard {
    pub id: String,
    pub name: String,
    pub name_en: String,
    pub kind: ReviewKind,
    pub sections: Vec<Section>,
}

impl Scorecard {
    pub fn items(&self) -> impl Iterator<Item = &Item> {
        self.sections.iter().flat_map(|s| &s.items)
    }

    pub fn item(&self, id: &str) -> Option<&Item> {
        self.items().find(|i| i.id == id)
    }
}

/// Why a scorecard file was refused: where (line, 1-based) and which field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("scorecard line {line}, `{field}`: {message}")]
pub struct ScorecardError {
    pub line: usize,
    pub field: String,
    /// What is wrong, in English (the `Display` text).
    pub message: String,
    /// The same in Chinese.
    pub message_zh: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    scorecard: Vec<RawCard>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCard {
    id: toml::Spanned<String>,
    name: String,
    name_en: String,
    kind: toml::Spanned<String>,
    #[serde(default)]
    section: Vec<RawSection>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSection {
    id: toml::Spanned<String>,
    name: String,
    name_en: String,
    #[serde(default)]
    item: Vec<RawItem>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawItem {
    id: toml::Spanned<String>,
    name: String,
    name_en: String,
    scale: toml::Spanned<String>,
    max: Option<toml::Spanned<i64>>,
    #[serde(default = "one")]
    weight: toml::Spanned<f64>,
    #[serde(default)]
    na_allowed: bool,
    #[serde(default = "no")]
    critical: toml::Spanned<bool>,
    #[serde(default)]
    bonus: bool,
}

fn one() -> toml::Spanned<f64> {
    toml::Spanned::new(0..0, 1.0)
}

fn no() -> toml::Spanned<bool> {
    toml::Spanned::new(0..0, false)
}

/// Parses a scorecard file: `[[scorecard]]` tables, each with `[[scorecard.section]]`s of
/// `[[scorecard.section.item]]`s. Every error names its line and field.
pub fn parse_scorecards(text: &str) -> Result<Vec<Scorecard>, ScorecardError> {
    let raw: RawFile = toml::from_str(text).map_err(|e| {
        let line = e.span().map_or(1, |s| line_of(text, s.start));
        // serde names the offending field in its message (`missing field `name``).
        let message = e.message().to_string();
        let field = message
            .split('`')
            .nth(1)
            .filter(|_| message.contains('`'))
            .unwrap_or("-")
            .to_string();
        ScorecardError {
            line,
            field,
            message_zh: kefu_core::localized::toml_message_zh(&message, "评分表文件"),
            message,
        }
    })?;
    let err =
        |span: std::ops::Range<usize>, field: &str, (zh, en): (String, String)| ScorecardError {
            line: line_of(text, span.start),
            field: field.to_string(),
            message: en,
            message_zh: zh,
        };
    let mut cards = Vec::with_capacity(raw.scorecard.len());
    let mut card_ids = HashSet::new();
    // An id with its place in the file, refused when it is not a plain identifier.
    let checked_id = |id: toml::Spanned<String>| {
        let span = id.span();
        let id = id.into_inner();
        if valid_id(&id) {
            Ok((id, span))
        } else {
            Err(err(span, "id", bad_id(&id)))
        }
    };
    for c in raw.scorecard {
        let (id, id_span) = checked_id(c.id)?;
        if !card_ids.insert(id.clone()) {
            return Err(err(
                id_span,
                "id",
                (
                    format!("评分表 `{id}` 出现了两次"),
                    format!("scorecard `{id}` appears twice"),
                ),
            ));
        }
        let kind_span = c.kind.span();
        let kind = ReviewKind::parse(c.kind.get_ref()).ok_or_else(|| {
            err(
                kind_span,
                "kind",
                (
                    format!(
                        "`{}` 不是检验类型：应为 weakness（劣势）或 strength（优势）",
                        c.kind.get_ref()
                    ),
                    format!(
                        "`{}` is not a review kind: weakness or strength",
                        c.kind.get_ref()
                    ),
                ),
            )
        })?;
        let mut item_ids = HashSet::new();
        let mut sections = Vec::with_capacity(c.section.len());
        for s in c.section {
            let (sid, _) = checked_id(s.id)?;
            let mut items = Vec::with_capacity(s.item.len());
            for i in s.item {
                let (iid, iid_span) = checked_id(i.id)?;
                if !item_ids.insert(iid.clone()) {
                    return Err(err(
                        iid_span,
                        "id",
                        (
                            format!("评分项 `{iid}` 在评分表 `{id}` 中出现了两次"),
                            format!("item `{iid}` appears twice in scorecard `{id}`"),
                        ),
                    ));
                }
                let scale_span = i.scale.span();
                let scale = match (i.scale.get_ref().as_str(), &i.max) {
                    ("yes_no", None) => Scale::YesNo,
                    ("one_to_five", None) => Scale::OneToFive,
                    ("points", Some(max)) => {
                        let m = *max.get_ref();
                        if !(1..=1000).contains(&m) {
                            return Err(err(
                                max.span(),
                                "max",
                                (
                                    format!("计分项的 max 应为 1 到 1000，不能是 {m}"),
                                    format!("points need a max from 1 to 1000, not {m}"),
                                ),
                            ));
                        }
                        Scale::Points { max: m as u32 }
                    }
                    ("points", None) => {
                        return Err(err(
                            scale_span,
                            "max",
                            (
                                "计分项需要 `max`".to_string(),
                                "a points item needs `max`".to_string(),
                            ),
                        ));
                    }
                    ("yes_no" | "one_to_five", Some(max)) => {
                        return Err(err(
                            max.span(),
                            "max",
                            (
                                "只有计分项才有 `max`".to_string(),
                                "only a points item has `max`".to_string(),
                            ),
                        ));
                    }
                    (other, _) => {
                        return Err(err(
                            scale_span,
                            "scale",
                            (
                                format!(
                                    "`{other}` 不是评分方式：应为 yes_no、one_to_five 或 points"
                                ),
                                format!("`{other}` is not a scale: yes_no, one_to_five or points"),
                            ),
                        ));
                    }
                };
                let weight = *i.weight.get_ref();
                if !(weight.is_finite() && weight > 0.0 && weight <= 1000.0) {
                    // A defaulted weight is 1.0, so a bad one always has a real span.
                    return Err(err(
                        i.weight.span(),
                        "weight",
                        (
                            format!("权重必须大于 0 且不超过 1000，不能是 {weight}"),
                            format!("the weight must be above 0 and at most 1000, not {weight}"),
                        ),
                    ));
                }
                let critical = *i.critical.get_ref();
                if critical && i.bonus {
                    return Err(err(
                        i.critical.span(),
                        "critical",
                        (
                            format!("评分项 `{iid}` 不能既是致命项又是加分项"),
                            format!("item `{iid}` cannot be both critical and a bonus"),
                        ),
                    ));
                }
                items.push(Item {
                    id: iid,
                    name: i.name,
                    name_en: i.name_en,
                    scale,
                    weight,
                    na_allowed: i.na_allowed,
                    critical,
                    bonus: i.bonus,
                });
            }
            sections.push(Section {
                id: sid,
                name: s.name,
                name_en: s.name_en,
                items,
            });
        }
        let card = Scorecard {
            id,
            name: c.name,
            name_en: c.name_en,
            kind,
            sections,
        };
        if !card.items().any(|i| !i.bonus) {
            return Err(err(
                id_span,
                "section",
                (
                    format!("评分表 `{}` 没有常规（非加分）评分项", card.id),
                    format!("scorecard `{}` has no regular (non-bonus) item", card.id),
                ),
            ));
        }
        cards.push(card);
    }
    if cards.is_empty() {
        return Err(ScorecardError {
            line: 1,
            field: "scorecard".into(),
            message: "the file defines no [[scorecard]]".into(),
            message_zh: "文件里没有定义任何 [[scorecard]]".into(),
        });
    }
    Ok(cards)
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

fn bad_id(id: &str) -> (String, String) {
    (
        format!("`{id}` 不是有效的 id：1–64 个 a–z、0–9 或 _"),
        format!("`{id}` is not an id: 1–64 of a–z, 0–9 and _"),
    )
}

/// One item's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    NotApplicable,
    Yes,
    No,
    Rating(u8),
    Points(u32),
}

impl Answer {
    /// The answer as a form and the database write it: `na`, `yes`, `no`, or a number.
    pub fn encode(self) -> String {
        match self {
            Answer::NotApplicable => "na".into(),
            Answer::Yes => "yes".into(),
            Answer::No => "no".into(),
            Answer::Rating(r) => r.to_string(),
            Answer::Points(p) => p.to_string(),
        }
    }

    /// Reads an answer to `item` as [`Answer::encode`] writes it; `None` when it does not fit
    /// the item's scale (or is N/A where that is not allowed).
    pub fn parse(item: &Item, s: &str) -> Option<Answer> {
        let s = s.trim();
        if s == "na" {
            // A bonus item not earned is simply not applicable.
            return (item.na_allowed || item.bonus).then_some(Answer::NotApplicable);
        }
        match item.scale {
            Scale::YesNo => match s {
                "yes" => Some(Answer::Yes),
                "no" => Some(Answer::No),
                _ => None,
            },
            Scale::OneToFive => s
                .parse::<u8>()
                .ok()
                .filter(|r| (1..=5).contains(r))
                .map(Answer::Rating),
            Scale::Points { max } => s
                .parse::<u32>()
                .ok()
                .filter(|p| *p <= max)
                .map(Answer::Points),
        }
    }

    /// The answer on `[0, 1]`; `None` for N/A.
    pub fn value(self, scale: Scale) -> Option<f64> {
        match (self, scale) {
            (Answer::NotApplicable, _) => None,
            (Answer::Yes, _) => Some(1.0),
            (Answer::No, _) => Some(0.0),
            (Answer::Rating(r), _) => Some((f64::from(r.clamp(1, 5)) - 1.0) / 4.0),
            (Answer::Points(p), Scale::Points { max }) => {
                Some(f64::from(p.min(max)) / f64::from(max.max(1)))
            }
            (Answer::Points(p), _) => Some(f64::from(p.min(1))),
        }
    }

    /// The raw number the agreement figures compare: yes 1, no 0, the rating, the points.
    pub fn number(self) -> Option<f64> {
        match self {
            Answer::NotApplicable => None,
            Answer::Yes => Some(1.0),
            Answer::No => Some(0.0),
            Answer::Rating(r) => Some(f64::from(r)),
            Answer::Points(p) => Some(f64::from(p)),
        }
    }
}

/// A review's answers by item id.
pub type Answers = HashMap<String, Answer>;

/// Why answers were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnswerError {
    #[error("item `{0}` is not answered")]
    Missing(String),
    #[error("item `{item}`: `{value}` is not a valid answer")]
    Invalid { item: String, value: String },
    #[error("`{0}` is not an item of this scorecard")]
    Unknown(String),
}

/// Reads a review form (or a stored review): one `item id → text` per item. Every item of
/// the card must be answered; bonus items left empty count as not applicable.
pub fn read_answers<'a>(
    card: &Scorecard,
    given: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<Answers, AnswerError> {
    let mut out = Answers::new();
    for (id, text) in given {
        let item = card
            .item(id)
            .ok_or_else(|| AnswerError::Unknown(id.to_string()))?;
        if text.trim().is_empty() {
            continue;
        }
        let a = Answer::parse(item, text).ok_or_else(|| AnswerError::Invalid {
            item: id.to_string(),
            value: text.to_string(),
        })?;
        out.insert(id.to_string(), a);
    }
    for item in card.items() {
        if !out.contains_key(&item.id) {
            if item.bonus {
                out.insert(item.id.clone(), Answer::NotApplicable);
            } else {
                return Err(AnswerError::Missing(item.id.clone()));
            }
        }
    }
    Ok(out)
}

/// Answers as one line of text, `id=answer` joined by `;`, in the card's item order (what
/// the database keeps; ids contain neither `=` nor `;`).
pub fn encode_answers(card: &Scorecard, answers: &Answers) -> String {
    card.items()
        .filter_map(|i| {
            answers
                .get(&i.id)
                .map(|a| format!("{}={}", i.id, a.encode()))
        })
        .collect::<Vec<_>>()
        .join(";")
}

/// The inverse of [`encode_answers`] against the card the review was made with.
pub fn decode_answers(card: &Scorecard, text: &str) -> Result<Answers, AnswerError> {
    let pairs = text
        .split(';')
        .filter(|p| !p.is_empty())
        .map(|p| p.split_once('=').unwrap_or((p, "")));
    read_answers(card, pairs)
}

/// A review's score and the critical items it failed.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewScore {
    /// Percent; above 100 only through bonus items; `None` without an applicable item.
    pub score: Option<f64>,
    /// The critical items failed (then the score is 0).
    pub failed_critical: Vec<String>,
}

/// The review score of the formula at the top of this module.
pub fn score(card: &Scorecard, answers: &Answers) -> ReviewScore {
    let mut earned = 0.0;
    let mut possible = 0.0;
    let mut bonus = 0.0;
    let mut failed_critical = Vec::new();
    for item in card.items() {
        let Some(v) = answers.get(&item.id).and_then(|a| a.value(item.scale)) else {
            continue;
        };
        if item.bonus {
            bonus += item.weight * v;
            continue;
        }
        if item.critical && v == 0.0 {
            failed_critical.push(item.id.clone());
        }
        earned += item.weight * v;
        possible += item.weight;
    }
    let score = if possible > 0.0 {
        Some(if failed_critical.is_empty() {
            100.0 * (earned + bonus) / possible
        } else {
            0.0
        })
    } else {
        None
    };
    ReviewScore {
        score,
        failed_critical,
    }
}

/// A score as the pages show it: one decimal and a percent sign.
pub struct Percent(pub f64);

impl fmt::Display for Percent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.1}%", self.0)
    }
}

/// The scorecards kefu ships (`qa/scorecard.toml`): 劣势检验 and 优势检验.
pub const DEFAULT_SCORECARDS: &str = include_str!("../../../qa/scorecard.toml");

#[cfg(test)]
mod tests {
    use super::*;

    const CARD: &str = r#"
[[scorecard]]
id = "t"
name = "测试"
name_en = "Test"
kind = "weakness"

[[scorecard.section]]
id = "s"
name = "服务"
name_en = "Service"

[[scorecard.section.item]]
id = "greeting"
name = "问候"
name_en = "Greeting"
scale = "yes_no"
weight = 2

[[scorecard.section.item]]
id = "tone"
name = "语气"
name_en = "Tone"
scale = "one_to_five"
weight = 4
na_allowed = true

[[scorecard.section.item]]
id = "accuracy"
name = "准确"
name_en = "Accuracy"
scale = "points"
max = 10
weight = 4

[[scorecard.section.item]]
id = "no_offplatform"
name = "无站外引导"
name_en = "No off-platform contact"
scale = "yes_no"
weight = 1
critical = true

[[scorecard.section.item]]
id = "upsell"
name = "关联推荐"
name_en = "Upsell"
scale = "yes_no"
weight = 1.1
bonus = true
"#;

    fn card() -> Scorecard {
        parse_scorecards(CARD).unwrap().remove(0)
    }

    fn answers(pairs: &[(&str, &str)]) -> Answers {
        read_answers(&card(), pairs.iter().copied()).unwrap()
    }

    #[test]
    fn weighted_mean_of_applicable_items() {
        // greeting yes (w 2, v 1), tone 4 (w 4, v 3/4), accuracy 5/10 (w 4, v 1/2),
        // critical yes (w 1, v 1): (2 + 3 + 2 + 1) / (2 + 4 + 4 + 1) = 8 / 11 = 72.727…%
        let s = score(
            &card(),
            &answers(&[
                ("greeting", "yes"),
                ("tone", "4"),
                ("accuracy", "5"),
                ("no_offplatform", "yes"),
            ]),
        );
        assert!((s.score.unwrap() - 800.0 / 11.0).abs() < 1e-9);
        assert!(s.failed_critical.is_empty());
    }

    #[test]
    fn not_applicable_leaves_the_denominator() {
        // tone N/A: (2 + 2 + 1) / (2 + 4 + 1) = 5 / 7 = 71.43%
        let s = score(
            &card(),
            &answers(&[
                ("greeting", "yes"),
                ("tone", "na"),
                ("accuracy", "5"),
                ("no_offplatform", "yes"),
            ]),
        );
        assert!((s.score.unwrap() - 500.0 / 7.0).abs() < 1e-9);
    }

    #[test]
    fn critical_failure_fails_the_review() {
        let s = score(
            &card(),
            &answers(&[
                ("greeting", "yes"),
                ("tone", "5"),
                ("accuracy", "10"),
                ("no_offplatform", "no"),
                ("upsell", "yes"),
            ]),
        );
        assert_eq!(s.score, Some(0.0));
        assert_eq!(s.failed_critical, vec!["no_offplatform".to_string()]);
    }

    #[test]
    fn bonus_lifts_above_100() {
        // all regular items full (11 of 11) plus the bonus 1.1: (11 + 1.1) / 11 = 110%
        let s = score(
            &card(),
            &answers(&[
                ("greeting", "yes"),
                ("tone", "5"),
                ("accuracy", "10"),
                ("no_offplatform", "yes"),
                ("upsell", "yes"),
            ]),
        );
        assert!((s.score.unwrap() - 110.0).abs() < 1e-9);
    }

    #[test]
    fn answers_are_checked_against_the_scale() {
        let c = card();
        let bad = |pairs: &[(&str, &str)]| read_answers(&c, pairs.iter().copied()).unwrap_err();
        assert_eq!(
            bad(&[("greeting", "na")]),
            AnswerError::Invalid {
                item: "greeting".into(),
                value: "na".into()
            }
        );
        assert_eq!(
            bad(&[("tone", "6")]),
            AnswerError::Invalid {
                item: "tone".into(),
                value: "6".into()
            }
        );
        assert_eq!(
            bad(&[("accuracy", "11")]),
            AnswerError::Invalid {
                item: "accuracy".into(),
                value: "11".into()
            }
        );
        assert_eq!(
            bad(&[("greeting", "yes")]),
            AnswerError::Missing("tone".into())
        );
        assert_eq!(bad(&[("nope", "yes")]), AnswerError::Unknown("nope".into()));
    }

    #[test]
    fn answers_round_trip_through_text() {
        let c = card();
        let a = answers(&[
            ("greeting", "no"),
            ("tone", "na"),
            ("accuracy", "7"),
            ("no_offplatform", "yes"),
        ]);
        let text = encode_answers(&c, &a);
        assert_eq!(
            text,
            "greeting=no;tone=na;accuracy=7;no_offplatform=yes;upsell=na"
        );
        assert_eq!(decode_answers(&c, &text).unwrap(), a);
    }

    #[test]
    fn errors_name_line_and_field() {
        let e =
            parse_scorecards(&CARD.replace("weight = 4\nna_allowed", "weight = -4\nna_allowed"))
                .unwrap_err();
        assert_eq!((e.line, e.field.as_str()), (25, "weight"));
        let e = parse_scorecards(&CARD.replace("\"one_to_five\"", "\"stars\"")).unwrap_err();
        assert_eq!((e.line, e.field.as_str()), (24, "scale"));
        // The message itself, not only its place, reads in Chinese.
        assert!(e.message_zh.contains("不是评分方式"), "{}", e.message_zh);
        let e = parse_scorecards(&CARD.replace("max = 10\n", "")).unwrap_err();
        assert_eq!((e.line, e.field.as_str()), (32, "max"));
        let e = parse_scorecards(&CARD.replace("kind = \"weakness\"", "kind = \"x\"")).unwrap_err();
        assert_eq!((e.line, e.field.as_str()), (6, "kind"));
        let e = parse_scorecards(&CARD.replace("name_en = \"Tone\"\n", "")).unwrap_err();
        assert_eq!(e.field, "name_en");
        assert_eq!(e.line, 20);
        let e = parse_scorecards(&CARD.replace("\"upsell\"", "\"tone\"")).unwrap_err();
        assert_eq!((e.line, e.field.as_str()), (45, "id"));
        let e = parse_scorecards(&CARD.replace("bonus = true", "bonus = true\ncritical = true"))
            .unwrap_err();
        assert_eq!((e.line, e.field.as_str()), (51, "critical"));
        assert!(parse_scorecards("").is_err());
        assert!(parse_scorecards("[[scorecard]]\nid=").is_err());
    }

    #[test]
    fn shipped_scorecards_parse() {
        let cards = parse_scorecards(DEFAULT_SCORECARDS).unwrap();
        let kinds: Vec<ReviewKind> = cards.iter().map(|c| c.kind).collect();
        assert_eq!(kinds, vec![ReviewKind::Weakness, ReviewKind::Strength]);
        for c in &cards {
            assert!(c.items().count() >= 5, "{} is too short", c.id);
        }
        assert!(cards[0].items().any(|i| i.critical));
        assert!(cards[1].items().any(|i| i.bonus));
    }
}
