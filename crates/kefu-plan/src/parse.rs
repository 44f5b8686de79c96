//! Reading a plan from TOML. Every error names the line and the field it is about.

use std::ops::Range;

use kefu_core::figures::ACCOUNT_FIGURES;
use kefu_core::model::Role;
use kefu_core::platform::Platform;
use serde::Deserialize;
use toml::Spanned;

use crate::decimal::Decimal;
use crate::model::*;
use crate::recovery::{RECOVERY_FIGURES, recovery_figure};

/// A plan that cannot be used, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, {field}: {message}")]
pub struct PlanError {
    /// 1-based.
    pub line: usize,
    /// The field, as a path such as `kpi[conversion].weight`.
    pub field: String,
    /// What is wrong, in English (the `Display` text).
    pub message: String,
    /// The same in Chinese.
    pub message_zh: String,
}

/// A number as a plan writes it: `35`, `0.55`, `"55%"`, `"150,000"`.
#[derive(Debug, Clone, Copy)]
struct Num {
    value: Decimal,
    /// Written with a `%` (already divided by 100 in `value`).
    percent: bool,
}

impl<'de> Deserialize<'de> for Num {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Num, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Num;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a number such as 35, 0.55 or \"55%\"")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Num, E> {
                Ok(Num {
                    value: Decimal::from_int(v),
                    percent: false,
                })
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Num, E> {
                let v = i64::try_from(v).map_err(|_| E::custom("number too large"))?;
                self.visit_i64(v)
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Num, E> {
                Ok(Num {
                    value: Decimal::from_f64(v).map_err(E::custom)?,
                    percent: false,
                })
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Num, E> {
                Ok(Num {
                    value: Decimal::parse(v).map_err(E::custom)?,
                    percent: v.trim_end().ends_with('%'),
                })
            }
        }
        d.deserialize_any(V)
    }
}

type S<T> = Spanned<T>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlan {
    id: S<String>,
    name: Option<S<String>>,
    #[allow(dead_code)]
    description: Option<String>,
    applies_to: Option<S<RawAppliesTo>>,
    settlement_day: Option<S<i64>>,
    sales_target: Option<S<Num>>,
    /// Commission rates, pool shares and rates and gate scales above 100% are refused as
    /// typos unless this says they are meant.
    rates_above_100: Option<bool>,
    /// Rank and pay agents without activity in the month (by default they are not).
    pay_inactive: Option<bool>,
    /// The fewest reviews behind a QA score before a gate on it applies.
    qa_min_reviews: Option<S<i64>>,
    #[serde(default)]
    manual: Vec<S<RawManual>>,
    #[serde(default)]
    kpi: Vec<S<RawKpi>>,
    #[serde(default)]
    gate: Vec<S<RawGate>>,
    #[serde(default)]
    pay: Vec<S<RawPay>>,
    #[serde(default)]
    grade: Vec<S<RawGrade>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAppliesTo {
    role: Option<S<String>>,
    #[serde(default)]
    groups: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManual {
    key: S<String>,
    name: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKpi {
    key: Option<S<String>>,
    name: Option<String>,
    figure: Option<S<String>>,
    manual: Option<S<String>>,
    platform: Option<S<String>>,
    column: Option<S<String>>,
    relative_to: Option<S<String>>,
    weight: Option<S<Num>>,
    bands: Option<S<Vec<S<RawBand>>>>,
    #[serde(rename = "else")]
    otherwise: Option<S<Num>>,
    linear: Option<S<RawLinear>>,
    rank: Option<S<RawRank>>,
    missing: Option<S<Num>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBand {
    min: Option<S<Num>>,
    max: Option<S<Num>>,
    score: S<Num>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLinear {
    floor: S<Num>,
    target: S<Num>,
    floor_score: Option<S<Num>>,
    target_score: Option<S<Num>>,
    cap: Option<S<Num>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRank {
    scores: S<Vec<S<Num>>>,
    #[serde(rename = "else")]
    otherwise: Option<S<Num>>,
    better: Option<S<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGate {
    name: Option<String>,
    figure: Option<S<String>>,
    manual: Option<S<String>>,
    platform: Option<S<String>>,
    column: Option<S<String>>,
    below: Option<S<Num>>,
    above: Option<S<Num>>,
    zero_kpi: Option<S<Vec<S<String>>>>,
    scale_pay: Option<S<Num>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPay {
    key: Option<S<String>>,
    name: Option<String>,
    tiered: Option<S<RawTiered>>,
    pool: Option<S<RawPool>>,
    rank_bonus: Option<S<RawRankBonus>>,
    target_bonus: Option<S<RawTargetBonus>>,
    score_bonus: Option<S<RawAmount>>,
    fixed: Option<S<RawAmount>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTiered {
    mode: Option<S<String>>,
    tiers: S<Vec<S<RawTier>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTier {
    from: S<Num>,
    rate: S<Num>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPool {
    share: S<Num>,
    rate: S<Num>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRankBonus {
    amounts: S<Vec<S<Num>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTargetBonus {
    bands: S<Vec<S<RawTargetBand>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTargetBand {
    min: S<Num>,
    amount: S<Num>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAmount {
    amount: S<Num>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGrade {
    name: S<String>,
    min_score: S<Num>,
    pool_factor: Option<S<Num>>,
}

/// Scores (and grade floors) above this are refused as typos.
const MAX_SCORE: i64 = 200_00;

struct Ctx<'a> {
    text: &'a str,
    rates_above_100: bool,
}

impl<'a> Ctx<'a> {
    fn new(text: &'a str) -> Ctx<'a> {
        Ctx {
            text,
            rates_above_100: false,
        }
    }

    fn line(&self, span: &Range<usize>) -> usize {
        let end = span.start.min(self.text.len());
        self.text.as_bytes()[..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1
    }

    fn err(
        &self,
        span: &Range<usize>,
        field: impl Into<String>,
        zh: impl Into<String>,
        en: impl Into<String>,
    ) -> PlanError {
        PlanError {
            line: self.line(span),
            field: field.into(),
            message: en.into(),
            message_zh: zh.into(),
        }
    }

    /// A score in hundredths of a point, 0..=200.
    fn score(&self, n: &S<Num>, field: &str) -> Result<i64, PlanError> {
        match n.get_ref().value.to_fixed(2) {
            Some(v) if (0..=MAX_SCORE).contains(&v) => Ok(v),
            _ => Err(self.err(
                &n.span(),
                field,
                format!(
                    "分数是 0 到 200 的数，最多 2 位小数，不能是 {}",
                    n.get_ref().value
                ),
                format!(
                    "a score is a number from 0 to 200 with at most 2 decimals, not {}",
                    n.get_ref().value
                ),
            )),
        }
    }

    /// Yuan with at most 2 decimals, not negative, as cents.
    fn money(&self, n: &S<Num>, field: &str) -> Result<i64, PlanError> {
        let v = n.get_ref().value;
        match v.to_fixed(2) {
            Some(c) if c >= 0 && !n.get_ref().percent => Ok(c),
            _ => Err(self.err(
                &n.span(),
                field,
                format!("应为以元计的金额（≥ 0，最多 2 位小数），不能是 {v}"),
                format!("expected an amount in yuan (≥ 0, at most 2 decimals), not {v}"),
            )),
        }
    }

    /// A rate or factor of pay, not negative, written with a `%` (or 0): a bare `2.5` could
    /// mean 2.5% or 250%, and `0.5` 0.5% or 50%. With `capped`, above 100% only when the
    /// plan says `rates_above_100 = true`.
    fn rate(&self, n: &S<Num>, field: &str, capped: bool) -> Result<Decimal, PlanError> {
        let Num { value: v, percent } = *n.get_ref();
        if v.is_negative() {
            return Err(self.err(
                &n.span(),
                field,
                format!("不能为负数，现在是 {v}"),
                format!("must not be negative, is {v}"),
            ));
        }
        if !percent && v != Decimal::ZERO {
            return Err(self.err(
                &n.span(),
                field,
                format!(
                    "`{v}` 有歧义：比率请带百分号写成 \"{v}%\"，或写成 \"{}\"",
                    v.percent()
                ),
                format!(
                    "`{v}` is ambiguous: write a rate with a percent sign, \"{v}%\" or \"{}\"",
                    v.percent()
                ),
            ));
        }
        if capped && !self.rates_above_100 && v.to_f64() > 1.0 {
            return Err(self.err(
                &n.span(),
                field, format!("{} 超过 100%；如确有此意，请在方案开头加上 `rates_above_100 = true`", v.percent()),
                format!(
                    "{} is above 100%; if that is meant, add `rates_above_100 = true` at the top of the plan",
                    v.percent()
                ),
            ));
        }
        Ok(v)
    }
}

fn key_ok(k: &str) -> bool {
    !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn toml_error(text: &str, e: &toml::de::Error) -> PlanError {
    let span = e.span().unwrap_or(0..0);
    let ctx = Ctx::new(text);
    let line = ctx.line(&span);
    // The field is the last `key =` on the error's line before the error.
    let line_start = text[..span.start.min(text.len())]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let before = &text[line_start..span.start.min(text.len()).max(line_start)];
    let field = before
        .rfind('=')
        .map(|eq| {
            before[..eq]
                .trim_end()
                .rsplit(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
                .next()
                .unwrap_or("")
                .to_string()
        })
        .filter(|f| !f.is_empty())
        .unwrap_or_else(|| {
            let whole = text[line_start..].lines().next().unwrap_or("").trim();
            whole.split('=').next().unwrap_or("").trim().to_string()
        });
    PlanError {
        line,
        field: if field.is_empty() {
            "(plan)".into()
        } else {
            field
        },
        message: e.message().trim().to_string(),
        message_zh: unreadable_number_zh(text, &span).unwrap_or_else(|| {
            kefu_core::localized::toml_message_zh(e.message().trim(), "方案文件")
        }),
    }
}

/// A quoted number the plan's reader refused (`"abc"`, `"1,5"`), said in Chinese as the
/// number reader says it, not as the TOML reader's English.
fn unreadable_number_zh(text: &str, span: &Range<usize>) -> Option<String> {
    use kefu_core::localized::Localized;
    let quoted = text.get(span.clone())?;
    let inner = quoted.strip_prefix('"')?.strip_suffix('"')?;
    Decimal::parse(inner).err().map(|e| e.zh())
}

/// Reads and validates a plan; the first mistake when it is invalid (see [`parse_all`]).
pub fn parse(text: &str) -> Result<Plan, PlanError> {
    parse_all(text).map_err(|mut errors| {
        if errors.is_empty() {
            PlanError {
                line: 1,
                field: "(plan)".into(),
                message: "invalid plan".into(),
                message_zh: "方案无效".into(),
            }
        } else {
            errors.swap_remove(0)
        }
    })
}

/// At most this many unreadable values are reported (each costs a reading of the plan).
const MAX_VALUE_ERRORS: usize = 50;

/// Whether `s` is one value on one line (a number or a quoted string), which the reader can
/// be given again as `0`.
fn replaceable_value(s: &str) -> bool {
    let quoted = s.len() >= 2 && s.starts_with('"') && s.ends_with('"');
    let number = !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'+' | b'_'));
    s != "0" && !s.contains('\n') && (quoted || number)
}

/// Reads and validates a plan; when it is invalid, every mistake found, by line (never
/// empty): each unreadable number, and the first mistake of each manual item, KPI, gate,
/// grade, pay component and top-level field. A TOML syntax error or unknown field stops the
/// reading there; the weights' sum is checked only when every KPI could be read.
pub fn parse_all(text: &str) -> Result<Plan, Vec<PlanError>> {
    // An unreadable value (`"1,5"`, `"forty"`) stops the TOML reader: it is reported, read
    // again as 0 (same lines), and the rest of the plan is checked; later mistakes on its
    // line are consequences of the 0 and are dropped.
    let mut patched = text.to_string();
    let mut unreadable: Vec<PlanError> = Vec::new();
    let raw: RawPlan = loop {
        match toml::from_str(&patched) {
            Ok(raw) => break raw,
            Err(e) => {
                unreadable.push(toml_error(&patched, &e));
                let span = e
                    .span()
                    .filter(|s| patched.get(s.clone()).is_some_and(replaceable_value))
                    .filter(|_| unreadable.len() < MAX_VALUE_ERRORS);
                let Some(span) = span else {
                    unreadable.sort_by_key(|e| e.line);
                    return Err(unreadable);
                };
                patched.replace_range(span, "0");
            }
        }
    };
    let text = patched.as_str();
    let mut errors: Vec<PlanError> = Vec::new();
    let mut c = Ctx::new(text);
    c.rates_above_100 = raw.rates_above_100.unwrap_or(false);
    let c = c;

    let id = raw.id.get_ref().trim().to_string();
    if !key_ok(&id) {
        errors.push(c.err(
            &raw.id.span(),
            "id",
            "方案 id 只能由字母、数字、`_` 或 `-` 组成（例如 presale）",
            "a plan id is letters, digits, `_` or `-` (e.g. presale)",
        ));
    }
    let name = raw
        .name
        .as_ref()
        .map_or_else(|| id.clone(), |n| n.get_ref().trim().to_string());

    let mut applies_to = AppliesTo::default();
    if let Some(a) = &raw.applies_to {
        let a = a.get_ref();
        if let Some(role) = &a.role {
            match Role::parse(role.get_ref()) {
                Some(r @ (Role::Presale | Role::Aftersale)) => applies_to.role = Some(r),
                _ => errors.push(c.err(
                    &role.span(),
                    "applies_to.role",
                    format!(
                        "`{}`：应为 presale（售前）或 aftersale（售后）",
                        role.get_ref()
                    ),
                    format!(
                        "`{}`: expected presale (售前) or aftersale (售后)",
                        role.get_ref()
                    ),
                )),
            }
        }
        applies_to.groups = a.groups.iter().map(|g| g.trim().to_string()).collect();
    }

    let settlement_day = match &raw.settlement_day {
        None => 5,
        Some(d) if (1..=31).contains(d.get_ref()) => *d.get_ref() as u32,
        Some(d) => {
            errors.push(c.err(
                &d.span(),
                "settlement_day",
                format!("应为每月的某一天，1 到 31，不能是 {}", d.get_ref()),
                format!("a day of the month, 1 to 31, not {}", d.get_ref()),
            ));
            5
        }
    };
    let qa_min_reviews = match &raw.qa_min_reviews {
        None => 1,
        Some(n) if (1..=1000).contains(n.get_ref()) => *n.get_ref() as u32,
        Some(n) => {
            errors.push(c.err(
                &n.span(),
                "qa_min_reviews",
                format!("应为评分次数，1 到 1000，不能是 {}", n.get_ref()),
                format!("a number of reviews, 1 to 1000, not {}", n.get_ref()),
            ));
            1
        }
    };
    let sales_target_cents = match raw
        .sales_target
        .as_ref()
        .map(|t| c.money(t, "sales_target"))
    {
        Some(Err(e)) => {
            errors.push(e);
            None
        }
        other => other.and_then(Result::ok),
    };

    let mut manual: Vec<ManualItem> = Vec::new();
    for (i, m) in raw.manual.iter().enumerate() {
        let key = m.get_ref().key.get_ref().trim().to_string();
        let field = format!("manual[{}].key", i + 1);
        if !key_ok(&key) || is_figure_key(&key) {
            errors.push(c.err(
                &m.get_ref().key.span(),
                field,
                format!(
                    "`{key}`：手工项的 key 只能由字母、数字或 `_` 组成，且不能与指标的 key 相同"
                ),
                format!(
                    "`{key}`: a manual item key is letters, digits or `_` and not a figure's key"
                ),
            ));
            continue;
        }
        if manual.iter().any(|x| x.key == key) {
            errors.push(c.err(
                &m.get_ref().key.span(),
                field,
                format!("`{key}` 定义了两次"),
                format!("`{key}` is defined twice"),
            ));
            continue;
        }
        let name = m.get_ref().name.clone().unwrap_or_else(|| key.clone());
        manual.push(ManualItem { key, name });
    }

    if raw.kpi.is_empty() {
        // Reported at the end, where a `[[kpi]]` would be added.
        let end = text.len()..text.len();
        errors.push(c.err(
            &end,
            "kpi",
            "方案至少需要一个 [[kpi]]",
            "a plan needs at least one [[kpi]]",
        ));
    }
    let mut kpis: Vec<Kpi> = Vec::new();
    let mut platform_columns: Vec<PlatformColumn> = Vec::new();
    let mut kpis_complete = true;
    for (i, k) in raw.kpi.iter().enumerate() {
        let kpi = match kpi(&c, i, k, &manual, &mut platform_columns) {
            Ok(kpi) => kpi,
            Err(e) => {
                errors.push(e);
                kpis_complete = false;
                continue;
            }
        };
        if kpis.iter().any(|x| x.key == kpi.key) {
            errors.push(c.err(
                &k.span(),
                format!("kpi[{}].key", kpi.key),
                format!(
                    "有两个 KPI 的 key 都是 `{}`；请给其中一个设定 `key`",
                    kpi.key
                ),
                format!("two KPIs have the key `{}`; give one a `key`", kpi.key),
            ));
            continue;
        }
        kpis.push(kpi);
    }
    let total: i64 = kpis.iter().map(|k| k.weight_bp).sum();
    if kpis_complete && !kpis.is_empty() && total != 100_00 {
        let span = raw.kpi[0]
            .get_ref()
            .weight
            .as_ref()
            .map_or_else(|| raw.kpi[0].span(), |w| w.span());
        let listed: Vec<String> = kpis
            .iter()
            .map(|k| format!("{} {}", k.key, pct_text(k.weight_bp)))
            .collect();
        errors.push(c.err(
            &span,
            "kpi.weight",
            format!(
                "权重合计为 {}，必须合计为 100%（{}）",
                pct_text(total),
                listed.join(" + ")
            ),
            format!(
                "the weights add up to {}, they must add up to 100% ({})",
                pct_text(total),
                listed.join(" + ")
            ),
        ));
    }

    let mut gates = Vec::new();
    for (i, g) in raw.gate.iter().enumerate() {
        match gate(&c, i, g, &manual, &kpis, &mut platform_columns) {
            Ok(g) => gates.push(g),
            Err(e) => errors.push(e),
        }
    }

    let mut grades: Vec<Grade> = Vec::new();
    for (i, g) in raw.grade.iter().enumerate() {
        match grade(&c, i, g, &grades) {
            Ok(g) => grades.push(g),
            Err(e) => errors.push(e),
        }
    }

    let mut pay: Vec<PayComponent> = Vec::new();
    for (i, p) in raw.pay.iter().enumerate() {
        let component = match pay_component(&c, i, p, &grades) {
            Ok(component) => component,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        if pay.iter().any(|x| x.key == component.key) {
            errors.push(c.err(
                &p.span(),
                format!("pay[{}].key", i + 1),
                format!(
                    "有两个薪酬项的 key 都是 `{}`；请给其中一个设定 `key`",
                    component.key
                ),
                format!(
                    "two pay components have the key `{}`; give one a `key`",
                    component.key
                ),
            ));
            continue;
        }
        pay.push(component);
    }

    if !errors.is_empty() || !unreadable.is_empty() {
        errors.retain(|e| !unreadable.iter().any(|u| u.line == e.line));
        errors.append(&mut unreadable);
        errors.sort_by_key(|e| e.line);
        return Err(errors);
    }
    Ok(Plan {
        id,
        name,
        applies_to,
        settlement_day,
        sales_target_cents,
        manual,
        platform_columns,
        kpis,
        gates,
        pay,
        grades,
        pay_inactive: raw.pay_inactive.unwrap_or(false),
        qa_min_reviews,
    })
}

/// One `[[grade]]`, below the valid grades before it.
fn grade(c: &Ctx, i: usize, g: &S<RawGrade>, before: &[Grade]) -> Result<Grade, PlanError> {
    let r = g.get_ref();
    let field = |f: &str| format!("grade[{}].{f}", i + 1);
    let name = r.name.get_ref().trim().to_string();
    if name.is_empty() || before.iter().any(|x| x.name == name) {
        return Err(c.err(
            &r.name.span(),
            field("name"),
            "档位名称必须填写且互不相同",
            "grade names must be given and differ",
        ));
    }
    let min_score = c.score(&r.min_score, &field("min_score"))?;
    if let Some(prev) = before.last()
        && min_score >= prev.min_score
    {
        return Err(c.err(
            &r.min_score.span(),
            field("min_score"),
            format!(
                "档位从高到低排列：{} 必须低于 `{}` 的 {}",
                score_text(min_score),
                prev.name,
                score_text(prev.min_score)
            ),
            format!(
                "grades go from best to worst: {} must be below the {} of `{}`",
                score_text(min_score),
                score_text(prev.min_score),
                prev.name
            ),
        ));
    }
    let pool_factor = r
        .pool_factor
        .as_ref()
        .map(|f| c.rate(f, &field("pool_factor"), false))
        .transpose()?;
    Ok(Grade {
        name,
        min_score,
        pool_factor,
    })
}

fn is_figure_key(k: &str) -> bool {
    k == QA_SCORE
        || k == TARGET_COMPLETION
        || ACCOUNT_FIGURES.iter().any(|f| f.key == k)
        || recovery_figure(k).is_some()
}

/// A weight in hundredths of a percent as text: 3500 → `35%`.
pub(crate) fn pct_text(bp: i64) -> String {
    if bp % 100 == 0 {
        format!("{}%", bp / 100)
    } else {
        format!("{}.{:02}%", bp / 100, bp % 100)
    }
}

/// Hundredths of a point as text: 8750 → `87.5`.
pub(crate) fn score_text(h: i64) -> String {
    let sign = if h < 0 { "-" } else { "" };
    let h = h.abs();
    match h % 100 {
        0 => format!("{sign}{}", h / 100),
        r if r % 10 == 0 => format!("{sign}{}.{}", h / 100, r / 10),
        r => format!("{sign}{}.{r:02}", h / 100),
    }
}

/// What a KPI or gate reads: `figure`, `manual`, or `platform` with `column`.
struct SourceFields<'a> {
    figure: Option<&'a S<String>>,
    manual: Option<&'a S<String>>,
    platform: Option<&'a S<String>>,
    column: Option<&'a S<String>>,
    relative_to: Option<&'a S<String>>,
}

/// A `platform` + `column` source: the platform's name checked, the column added to
/// `columns` once.
fn platform_source(
    c: &Ctx,
    field_prefix: &str,
    f: &SourceFields,
    span: &Range<usize>,
    columns: &mut Vec<PlatformColumn>,
) -> Result<Source, PlanError> {
    if let Some(other) = f.figure.or(f.manual) {
        return Err(c.err(
            &other.span(),
            field_prefix,
            "`platform` 与 `figure`、`manual` 只能填一个",
            "give either `platform` (with `column`), `figure` or `manual`, not several",
        ));
    }
    if let Some(r) = f.relative_to {
        return Err(c.err(
            &r.span(),
            format!("{field_prefix}.relative_to"),
            "平台报表数据没有可比较的全店数值",
            "a platform report figure has no store value to compare with",
        ));
    }
    let Some(p) = f.platform else {
        return Err(c.err(
            span,
            format!("{field_prefix}.platform"),
            "`column` 需要 `platform`（taobao、tmall、pdd、douyin、kuaishou、jd、chitu）",
            "`column` needs a `platform` (taobao, tmall, pdd, douyin, kuaishou, jd, chitu)",
        ));
    };
    let known = || {
        Platform::ALL
            .iter()
            .map(|p| p.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let Some(platform) = Platform::parse(p.get_ref()) else {
        return Err(c.err(
            &p.span(),
            format!("{field_prefix}.platform"),
            format!("未知平台 `{}`；可用：{}", p.get_ref().trim(), known()),
            format!(
                "unknown platform `{}`; known: {}",
                p.get_ref().trim(),
                known()
            ),
        ));
    };
    let column = f.column.map(|x| x.get_ref().trim().to_string());
    let Some(column) = column.filter(|x| !x.is_empty()) else {
        return Err(c.err(
            &f.column.map_or_else(|| p.span(), |x| x.span()),
            format!("{field_prefix}.column"),
            "`platform` 需要 `column`：报表中的列名，与文件中完全一致",
            "`platform` needs a `column`: the report's column name exactly as in the file",
        ));
    };
    let wanted = PlatformColumn { platform, column };
    let percent = wanted.is_rate();
    let index = match columns.iter().position(|x| *x == wanted) {
        Some(i) => i,
        None => {
            columns.push(wanted);
            columns.len() - 1
        }
    };
    Ok(Source::Platform { index, percent })
}

fn source(
    c: &Ctx,
    field_prefix: &str,
    fields: &SourceFields,
    span: &Range<usize>,
    manual: &[ManualItem],
    columns: &mut Vec<PlatformColumn>,
) -> Result<Source, PlanError> {
    if fields.platform.is_some() || fields.column.is_some() {
        return platform_source(c, field_prefix, fields, span, columns);
    }
    let (figure, manual_key, relative_to) = (fields.figure, fields.manual, fields.relative_to);
    let relative = match relative_to {
        None => false,
        Some(r) if r.get_ref() == "store" => true,
        Some(r) => {
            return Err(c.err(
                &r.span(),
                format!("{field_prefix}.relative_to"),
                format!("`{}`：只能与 \"store\"（全店）比较", r.get_ref()),
                format!("`{}`: the only comparison is \"store\"", r.get_ref()),
            ));
        }
    };
    match (figure, manual_key) {
        (Some(f), None) => {
            let key = f.get_ref().trim();
            let s = match key {
                QA_SCORE => Source::QaScore,
                TARGET_COMPLETION => Source::TargetCompletion,
                _ => match (
                    ACCOUNT_FIGURES.iter().find(|x| x.key == key),
                    recovery_figure(key),
                ) {
                    (Some(figure), _) => Source::Figure {
                        figure,
                        relative_to_store: relative,
                    },
                    (None, Some(r)) => Source::Recovery(r),
                    (None, None) => {
                        let known = ACCOUNT_FIGURES
                            .iter()
                            .map(|f| f.key)
                            .chain(
                                RECOVERY_FIGURES
                                    .iter()
                                    .filter(|r| r.list.is_none())
                                    .map(|r| r.key),
                            )
                            .collect::<Vec<_>>()
                            .join(", ");
                        return Err(c.err(
                            &f.span(),
                            format!("{field_prefix}.figure"),
                            format!("未知指标 `{key}`；可用：{known}, {QA_SCORE}, {TARGET_COMPLETION}（挽回指标也可按清单：`unpaid_recovered_amount` 等）"),
                            format!(
                                "unknown figure `{key}`; known: {known}, {QA_SCORE}, {TARGET_COMPLETION} (recovery figures per list too: `unpaid_recovered_amount`, …)"
                            ),
                        ));
                    }
                },
            };
            if relative && !matches!(s, Source::Figure { .. }) {
                return Err(c.err(
                    &f.span(),
                    format!("{field_prefix}.relative_to"),
                    format!("`{key}` 没有可比较的全店数值"),
                    format!("`{key}` has no store value to compare with"),
                ));
            }
            Ok(s)
        }
        (None, Some(m)) => {
            let key = m.get_ref().trim();
            match manual.iter().position(|x| x.key == key) {
                Some(i) if relative_to.is_none() => Ok(Source::Manual(i)),
                Some(_) => Err(c.err(
                    &m.span(),
                    format!("{field_prefix}.relative_to"),
                    "手工评分没有可比较的全店数值",
                    "a manual score has no store value to compare with",
                )),
                None => Err(c.err(
                    &m.span(),
                    format!("{field_prefix}.manual"),
                    format!("未知手工项 `{key}`；请在 [[manual]] 表中声明"),
                    format!("unknown manual item `{key}`; declare it in a [[manual]] table"),
                )),
            }
        }
        (Some(f), Some(_)) => Err(c.err(
            &f.span(),
            field_prefix,
            "`figure` 与 `manual` 只能填一个",
            "give either `figure` or `manual`, not both",
        )),
        (None, None) => Err(c.err(
            span,
            field_prefix,
            "需要一个 `figure`、`manual` 或 `platform` + `column` 项",
            "needs a `figure`, a `manual` item or a `platform` with a `column`",
        )),
    }
}

fn better(c: &Ctx, s: Option<&S<String>>, field: &str) -> Result<Better, PlanError> {
    match s.map(|s| (s.get_ref().as_str(), s.span())) {
        None | Some(("higher", _)) => Ok(Better::Higher),
        Some(("lower", _)) => Ok(Better::Lower),
        Some((other, span)) => Err(c.err(
            &span,
            field,
            format!("`{other}`：应为 \"higher\"（越高越好）或 \"lower\"（越低越好）"),
            format!("`{other}`: expected \"higher\" or \"lower\""),
        )),
    }
}

fn kpi(
    c: &Ctx,
    i: usize,
    k: &S<RawKpi>,
    manual: &[ManualItem],
    columns: &mut Vec<PlatformColumn>,
) -> Result<Kpi, PlanError> {
    let r = k.get_ref();
    let default_key = r
        .figure
        .as_ref()
        .or(r.manual.as_ref())
        .map(|s| s.get_ref().trim().to_string())
        .unwrap_or_else(|| format!("kpi{}", i + 1));
    let key = r
        .key
        .as_ref()
        .map_or(default_key, |k| k.get_ref().trim().to_string());
    let f = |name: &str| format!("kpi[{key}].{name}");
    if !key_ok(&key) {
        return Err(c.err(
            &k.span(),
            f("key"),
            "key 只能由字母、数字、`_` 或 `-` 组成",
            "a key is letters, digits, `_` or `-`",
        ));
    }
    let fields = SourceFields {
        figure: r.figure.as_ref(),
        manual: r.manual.as_ref(),
        platform: r.platform.as_ref(),
        column: r.column.as_ref(),
        relative_to: r.relative_to.as_ref(),
    };
    let source = source(
        c,
        &format!("kpi[{key}]"),
        &fields,
        &k.span(),
        manual,
        columns,
    )?;
    // A platform column's name is the report's own, in both languages.
    let column_name = |index: usize| {
        columns
            .get(index)
            .map_or_else(String::new, |p| p.column.clone())
    };
    // `Source::Manual(m)` indexes `manual`: `source` found it there by position.
    let name = r.name.clone().unwrap_or_else(|| match source {
        Source::Figure {
            figure,
            relative_to_store: false,
        } => figure.zh.to_string(),
        Source::Figure { figure, .. } => format!("{}/店铺", figure.zh),
        Source::TargetCompletion => "指标完成率".into(),
        Source::QaScore => "质检分".into(),
        Source::Manual(m) => manual[m].name.clone(),
        Source::Platform { index, .. } => column_name(index),
        Source::Recovery(r) => r.zh.to_string(),
    });
    // A name the plan gives is the plan's own word in both languages.
    let name_en = r.name.clone().unwrap_or_else(|| match source {
        Source::Figure {
            figure,
            relative_to_store: false,
        } => figure.en.to_string(),
        Source::Figure { figure, .. } => format!("{} / store", figure.en),
        Source::TargetCompletion => "Target completion".into(),
        Source::QaScore => "QA score".into(),
        Source::Manual(m) => manual[m].name.clone(),
        Source::Platform { index, .. } => column_name(index),
        Source::Recovery(r) => r.en.to_string(),
    });
    let Some(w) = &r.weight else {
        return Err(c.err(
            &k.span(),
            f("weight"),
            "每个 KPI 都需要 `weight`（百分比）",
            "every KPI needs a `weight` (percent)",
        ));
    };
    // A weight is a percentage: `35` and `"35%"` both mean 35%.
    let w_percent = if w.get_ref().percent {
        w.get_ref().value.to_fixed(4)
    } else {
        w.get_ref().value.to_fixed(2)
    };
    let weight_bp = match w_percent {
        Some(bp) if bp > 0 && bp <= 100_00 => bp,
        _ => {
            return Err(c.err(
                &w.span(),
                f("weight"), format!("权重是大于 0、不超过 100 的百分比，最多 2 位小数，不能是 {}", w.get_ref().value),
                format!(
                    "a weight is a percentage above 0 and at most 100 with at most 2 decimals, not {}",
                    w.get_ref().value
                ),
            ));
        }
    };
    let otherwise = r
        .otherwise
        .as_ref()
        .map(|o| c.score(o, &f("else")))
        .transpose()?
        .unwrap_or(0);
    let rules = [r.bands.is_some(), r.linear.is_some(), r.rank.is_some()]
        .iter()
        .filter(|x| **x)
        .count();
    if rules > 1 {
        return Err(c.err(
            &k.span(),
            f("bands"),
            "只给一种计分规则：`bands`、`linear` 或 `rank`",
            "give one scoring rule: `bands`, `linear` or `rank`",
        ));
    }
    let rule = if let Some(bands) = &r.bands {
        band_rule(c, bands, otherwise, &f("bands"))?
    } else if let Some(l) = &r.linear {
        let l = l.get_ref();
        let floor = l.floor.get_ref().value;
        let target = l.target.get_ref().value;
        if floor == target {
            return Err(c.err(
                &l.target.span(),
                f("linear.target"),
                "目标值必须与保底值不同",
                "the target must differ from the floor",
            ));
        }
        let floor_score = l
            .floor_score
            .as_ref()
            .map(|s| c.score(s, &f("linear.floor_score")))
            .transpose()?
            .unwrap_or(0);
        let target_score = l
            .target_score
            .as_ref()
            .map(|s| c.score(s, &f("linear.target_score")))
            .transpose()?
            .unwrap_or(100_00);
        if target_score <= floor_score {
            return Err(c.err(
                &l.target.span(),
                f("linear.target_score"),
                "目标分必须高于保底分",
                "the target's score must be above the floor's",
            ));
        }
        let cap = match &l.cap {
            Some(s) => {
                let cap = c.score(s, &f("linear.cap"))?;
                if cap < target_score {
                    return Err(c.err(
                        &s.span(),
                        f("linear.cap"),
                        "封顶分不能低于目标分",
                        "the cap must not be below the target's score",
                    ));
                }
                cap
            }
            None => target_score,
        };
        Rule::Linear {
            floor,
            target,
            floor_score,
            target_score,
            cap,
        }
    } else if let Some(rank) = &r.rank {
        let rank = rank.get_ref();
        if rank.scores.get_ref().is_empty() {
            return Err(c.err(
                &rank.scores.span(),
                f("rank.scores"),
                "请列出第 1、2、3……名的分数",
                "list the scores of ranks 1, 2, 3, …",
            ));
        }
        let scores = rank
            .scores
            .get_ref()
            .iter()
            .map(|s| c.score(s, &f("rank.scores")))
            .collect::<Result<Vec<_>, _>>()?;
        let otherwise = rank
            .otherwise
            .as_ref()
            .map(|o| c.score(o, &f("rank.else")))
            .transpose()?
            .unwrap_or(0);
        Rule::Rank {
            better: better(c, rank.better.as_ref(), &f("rank.better"))?,
            scores,
            otherwise,
        }
    } else if matches!(source, Source::Manual(_) | Source::QaScore) {
        Rule::Direct
    } else {
        return Err(c.err(
            &k.span(),
            f("bands"),
            "指标需要一种计分规则：`bands`、`linear` 或 `rank`",
            "a figure needs a scoring rule: `bands`, `linear` or `rank`",
        ));
    };
    let missing_score = r
        .missing
        .as_ref()
        .map(|m| c.score(m, &f("missing")))
        .transpose()?
        .unwrap_or(0);
    Ok(Kpi {
        key,
        name,
        name_en,
        source,
        weight_bp,
        rule,
        missing_score,
    })
}

/// A decimal as the plan wrote it: `0.5` or `50%`.
fn written(d: Decimal, percent: bool) -> String {
    if percent { d.percent() } else { d.to_string() }
}

fn band_rule(
    c: &Ctx,
    bands: &S<Vec<S<RawBand>>>,
    otherwise: i64,
    field: &str,
) -> Result<Rule, PlanError> {
    if bands.get_ref().is_empty() {
        return Err(c.err(
            &bands.span(),
            field,
            "至少列出一个区间",
            "list at least one band",
        ));
    }
    let mut better = None;
    let mut out: Vec<Band> = Vec::new();
    // Whether the previous threshold was written as a percentage, to quote it as written.
    let mut prev_percent = false;
    for (i, b) in bands.get_ref().iter().enumerate() {
        let bf = format!("{field}[{}]", i + 1);
        let r = b.get_ref();
        let (this, t) = match (&r.min, &r.max) {
            (Some(t), None) => (Better::Higher, t),
            (None, Some(t)) => (Better::Lower, t),
            _ => {
                return Err(c.err(
                    &b.span(),
                    bf,
                    "区间要么用 `min`（越高越好），要么用 `max`（越低越好）",
                    "a band has either `min` (higher is better) or `max` (lower is better)",
                ));
            }
        };
        if better.is_some_and(|x| x != this) {
            return Err(c.err(
                &b.span(),
                bf,
                "同一 KPI 的区间要么都用 `min`，要么都用 `max`",
                "all bands of a KPI use `min`, or all use `max`",
            ));
        }
        better = Some(this);
        let threshold = t.get_ref().value;
        if let Some(prev) = out.last() {
            let (p, x) = (prev.threshold, threshold);
            let ordered = match this {
                Better::Higher => x.to_f64() < p.to_f64(),
                Better::Lower => x.to_f64() > p.to_f64(),
            };
            if !ordered {
                let (word, dir) = match this {
                    Better::Higher => ("min", "below"),
                    Better::Lower => ("max", "above"),
                };
                return Err(c.err(
                    &t.span(),
                    format!("{bf}.{word}"), format!(
                        "区间重叠：{} {} 必须严格{}上一区间的 {}（最好的区间在前）",
                        if dir == "below" { "下限" } else { "上限" },
                        written(x, t.get_ref().percent),
                        if dir == "below" { "低于" } else { "高于" },
                        written(p, prev_percent)
                    ),
                    format!(
                        "bands overlap: {word} {} must be strictly {dir} the previous band's {} (best band first)",
                        written(x, t.get_ref().percent),
                        written(p, prev_percent)
                    ),
                ));
            }
        }
        prev_percent = t.get_ref().percent;
        out.push(Band {
            threshold,
            score: c.score(&r.score, &format!("{bf}.score"))?,
        });
    }
    Ok(Rule::Bands {
        better: better.unwrap_or(Better::Higher),
        bands: out,
        otherwise,
    })
}

fn gate(
    c: &Ctx,
    i: usize,
    g: &S<RawGate>,
    manual: &[ManualItem],
    kpis: &[Kpi],
    columns: &mut Vec<PlatformColumn>,
) -> Result<Gate, PlanError> {
    let r = g.get_ref();
    let prefix = format!("gate[{}]", i + 1);
    let fields = SourceFields {
        figure: r.figure.as_ref(),
        manual: r.manual.as_ref(),
        platform: r.platform.as_ref(),
        column: r.column.as_ref(),
        relative_to: None,
    };
    let source = source(c, &prefix, &fields, &g.span(), manual, columns)?;
    let condition = match (&r.below, &r.above) {
        (Some(b), None) => Condition::Below(b.get_ref().value),
        (None, Some(a)) => Condition::Above(a.get_ref().value),
        _ => {
            return Err(c.err(
                &g.span(),
                format!("{prefix}.below"),
                "门槛要么用 `below`，要么用 `above`",
                "a gate has either `below` or `above`",
            ));
        }
    };
    let action = match (&r.zero_kpi, &r.scale_pay) {
        (Some(list), None) => {
            let mut idx = Vec::new();
            for k in list.get_ref() {
                match kpis.iter().position(|x| x.key == *k.get_ref()) {
                    Some(p) => idx.push(p),
                    None => {
                        return Err(c.err(
                            &k.span(),
                            format!("{prefix}.zero_kpi"),
                            format!("没有 key 为 `{}` 的 KPI", k.get_ref()),
                            format!("no KPI has the key `{}`", k.get_ref()),
                        ));
                    }
                }
            }
            if idx.is_empty() {
                return Err(c.err(
                    &list.span(),
                    format!("{prefix}.zero_kpi"),
                    "至少写一个 KPI",
                    "name at least one KPI",
                ));
            }
            GateAction::ZeroKpis(idx)
        }
        (None, Some(f)) => GateAction::ScalePay(c.rate(f, &format!("{prefix}.scale_pay"), true)?),
        _ => {
            return Err(c.err(
                &g.span(),
                format!("{prefix}.zero_kpi"),
                "一个门槛只做一件事：`zero_kpi = [...]` 或 `scale_pay = \"50%\"`",
                "a gate does one thing: `zero_kpi = [...]` or `scale_pay = \"50%\"`",
            ));
        }
    };
    let name = r.name.clone().unwrap_or_else(|| prefix.clone());
    Ok(Gate {
        name,
        source,
        condition,
        action,
    })
}

fn pay_component(
    c: &Ctx,
    i: usize,
    p: &S<RawPay>,
    grades: &[Grade],
) -> Result<PayComponent, PlanError> {
    let r = p.get_ref();
    let kinds = [
        r.tiered.is_some(),
        r.pool.is_some(),
        r.rank_bonus.is_some(),
        r.target_bonus.is_some(),
        r.score_bonus.is_some(),
        r.fixed.is_some(),
    ];
    let default_key = [
        "tiered",
        "pool",
        "rank_bonus",
        "target_bonus",
        "score_bonus",
        "fixed",
    ]
    .iter()
    .zip(kinds)
    .find(|(_, on)| *on)
    .map(|(k, _)| k.to_string());
    let key = r
        .key
        .as_ref()
        .map(|k| k.get_ref().trim().to_string())
        .or(default_key)
        .unwrap_or_else(|| format!("pay{}", i + 1));
    let f = |name: &str| format!("pay[{key}].{name}");
    if kinds.iter().filter(|x| **x).count() != 1 {
        return Err(c.err(
            &p.span(),
            f("kind"), "薪酬项只能是 tiered、pool、rank_bonus、target_bonus、score_bonus、fixed 中的一种",
            "a pay component is exactly one of tiered, pool, rank_bonus, target_bonus, score_bonus, fixed",
        ));
    }
    let kind = if let Some(t) = &r.tiered {
        let t = t.get_ref();
        let mode = match t.mode.as_ref().map(|m| (m.get_ref().as_str(), m.span())) {
            None | Some(("marginal", _)) => TierMode::Marginal,
            Some(("whole", _)) => TierMode::Whole,
            Some((other, span)) => {
                return Err(c.err(
                    &span,
                    f("tiered.mode"),
                    format!("`{other}`：应为 \"marginal\"（累进）或 \"whole\"（全额）"),
                    format!("`{other}`: expected \"marginal\" (累进) or \"whole\" (全额)"),
                ));
            }
        };
        if t.tiers.get_ref().is_empty() {
            return Err(c.err(
                &t.tiers.span(),
                f("tiered.tiers"),
                "至少列出一个阶梯",
                "list at least one tier",
            ));
        }
        let mut tiers: Vec<Tier> = Vec::new();
        for (j, tier) in t.tiers.get_ref().iter().enumerate() {
            let tf = format!("tiered.tiers[{}]", j + 1);
            let from_cents = c.money(&tier.get_ref().from, &f(&format!("{tf}.from")))?;
            let expected_first = j == 0 && from_cents != 0;
            let not_rising = tiers
                .last()
                .is_some_and(|prev| from_cents <= prev.from_cents);
            if expected_first || not_rising {
                return Err(c.err(
                    &tier.get_ref().from.span(),
                    f(&format!("{tf}.from")), "阶梯从 0 开始，每个 `from` 都大于上一个（阶梯首尾相接：一档结束处即下一档开始处）",
                    "tiers start at 0 and each `from` is above the previous one (they are contiguous: a tier ends where the next begins)",
                ));
            }
            tiers.push(Tier {
                from_cents,
                rate: c.rate(&tier.get_ref().rate, &f(&format!("{tf}.rate")), true)?,
            });
        }
        PayKind::Tiered { mode, tiers }
    } else if let Some(pool) = &r.pool {
        let pool = pool.get_ref();
        if grades.is_empty() || grades.iter().any(|g| g.pool_factor.is_none()) {
            return Err(c.err(
                &p.span(),
                f("pool"),
                "奖金池按档位分配：请定义 [[grade]] 表，每个都带 `pool_factor`",
                "a pool is shared by grade: define [[grade]] tables, each with a `pool_factor`",
            ));
        }
        PayKind::Pool {
            share: c.rate(&pool.share, &f("pool.share"), true)?,
            rate: c.rate(&pool.rate, &f("pool.rate"), true)?,
        }
    } else if let Some(rb) = &r.rank_bonus {
        let amounts = rb.get_ref().amounts.get_ref();
        if amounts.is_empty() {
            return Err(c.err(
                &rb.span(),
                f("rank_bonus.amounts"),
                "请列出第 1、2、3……名的金额",
                "list the amounts of ranks 1, 2, 3, …",
            ));
        }
        PayKind::RankBonus {
            amounts_cents: amounts
                .iter()
                .map(|a| c.money(a, &f("rank_bonus.amounts")))
                .collect::<Result<_, _>>()?,
        }
    } else if let Some(tb) = &r.target_bonus {
        let mut bands: Vec<TargetBand> = Vec::new();
        for (j, b) in tb.get_ref().bands.get_ref().iter().enumerate() {
            let bf = format!("target_bonus.bands[{}]", j + 1);
            let min = b.get_ref().min.get_ref().value;
            if let Some(prev) = bands.last()
                && min.to_f64() >= prev.min_completion.to_f64()
            {
                return Err(c.err(
                        &b.get_ref().min.span(),
                        f(&format!("{bf}.min")), format!("区间重叠：下限 {} 必须严格低于上一区间的 {}（最好的区间在前）", min.percent(), prev.min_completion.percent()),
                        format!(
                            "bands overlap: min {} must be strictly below the previous band's {} (best band first)",
                            min.percent(),
                            prev.min_completion.percent()
                        ),
                    ));
            }
            bands.push(TargetBand {
                min_completion: c.rate(&b.get_ref().min, &f(&format!("{bf}.min")), false)?,
                amount_cents: c.money(&b.get_ref().amount, &f(&format!("{bf}.amount")))?,
            });
        }
        if bands.is_empty() {
            return Err(c.err(
                &tb.span(),
                f("target_bonus.bands"),
                "至少列出一个区间",
                "list at least one band",
            ));
        }
        PayKind::TargetBonus { bands }
    } else if let Some(sb) = &r.score_bonus {
        PayKind::ScoreBonus {
            amount_cents: c.money(&sb.get_ref().amount, &f("score_bonus.amount"))?,
        }
    } else if let Some(fx) = &r.fixed {
        PayKind::Fixed {
            amount_cents: c.money(&fx.get_ref().amount, &f("fixed.amount"))?,
        }
    } else {
        return Err(c.err(
            &p.span(),
            f("kind"),
            "薪酬项需要指定类型",
            "a pay component needs a kind",
        ));
    };
    let (zh, en) = match kind {
        PayKind::Tiered { .. } => ("阶梯提成", "Tiered commission"),
        PayKind::Pool { .. } => ("奖金池", "Pool"),
        PayKind::RankBonus { .. } => ("排名奖", "Rank bonus"),
        PayKind::TargetBonus { .. } => ("目标奖", "Target bonus"),
        PayKind::ScoreBonus { .. } => ("绩效奖金", "Performance bonus"),
        PayKind::Fixed { .. } => ("固定奖金", "Fixed pay"),
    };
    // A name the plan gives is the plan's own word in both languages.
    let name = r.name.clone().unwrap_or_else(|| zh.to_string());
    let name_en = r.name.clone().unwrap_or_else(|| en.to_string());
    Ok(PayComponent {
        key,
        name,
        name_en,
        kind,
    })
}

/// A number of a plan that the browser's form edits in place: its field, where its value
/// is written in the text, and that value as written (without quotes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditableNumber {
    pub field: String,
    pub start: usize,
    pub end: usize,
    pub text: String,
}

/// Every weight, threshold, score, rate and amount of a plan, in the order of the text.
pub fn editable_numbers(text: &str) -> Result<Vec<EditableNumber>, PlanError> {
    let raw: RawPlan = toml::from_str(text).map_err(|e| toml_error(text, &e))?;
    let mut out = Vec::new();
    let mut add = |field: String, n: &S<Num>| {
        let span = n.span();
        if let Some(t) = text.get(span.clone()) {
            out.push(EditableNumber {
                field,
                start: span.start,
                end: span.end,
                text: t.trim_matches('"').to_string(),
            });
        }
    };
    if let Some(t) = &raw.sales_target {
        add("sales_target".into(), t);
    }
    for (i, k) in raw.kpi.iter().enumerate() {
        let k = k.get_ref();
        let key = k
            .key
            .as_ref()
            .or(k.figure.as_ref())
            .or(k.manual.as_ref())
            .map_or_else(|| format!("{}", i + 1), |s| s.get_ref().clone());
        let f = |x: &str| format!("kpi[{key}].{x}");
        if let Some(w) = &k.weight {
            add(f("weight"), w);
        }
        if let Some(bands) = &k.bands {
            for (j, b) in bands.get_ref().iter().enumerate() {
                let b = b.get_ref();
                if let Some(m) = &b.min {
                    add(f(&format!("bands[{}].min", j + 1)), m);
                }
                if let Some(m) = &b.max {
                    add(f(&format!("bands[{}].max", j + 1)), m);
                }
                add(f(&format!("bands[{}].score", j + 1)), &b.score);
            }
        }
        if let Some(o) = &k.otherwise {
            add(f("else"), o);
        }
        if let Some(l) = &k.linear {
            let l = l.get_ref();
            add(f("linear.floor"), &l.floor);
            add(f("linear.target"), &l.target);
            for (name, v) in [
                ("linear.floor_score", &l.floor_score),
                ("linear.target_score", &l.target_score),
                ("linear.cap", &l.cap),
            ] {
                if let Some(v) = v {
                    add(f(name), v);
                }
            }
        }
        if let Some(r) = &k.rank {
            for (j, sc) in r.get_ref().scores.get_ref().iter().enumerate() {
                add(f(&format!("rank.scores[{}]", j + 1)), sc);
            }
            if let Some(o) = &r.get_ref().otherwise {
                add(f("rank.else"), o);
            }
        }
        if let Some(m) = &k.missing {
            add(f("missing"), m);
        }
    }
    for (i, g) in raw.gate.iter().enumerate() {
        let g = g.get_ref();
        let f = |x: &str| format!("gate[{}].{x}", i + 1);
        for (name, v) in [
            ("below", &g.below),
            ("above", &g.above),
            ("scale_pay", &g.scale_pay),
        ] {
            if let Some(v) = v {
                add(f(name), v);
            }
        }
    }
    for (i, p) in raw.pay.iter().enumerate() {
        let p = p.get_ref();
        let key = p
            .key
            .as_ref()
            .map_or_else(|| format!("{}", i + 1), |k| k.get_ref().clone());
        let f = |x: &str| format!("pay[{key}].{x}");
        if let Some(t) = &p.tiered {
            for (j, tier) in t.get_ref().tiers.get_ref().iter().enumerate() {
                add(f(&format!("tiers[{}].from", j + 1)), &tier.get_ref().from);
                add(f(&format!("tiers[{}].rate", j + 1)), &tier.get_ref().rate);
            }
        }
        if let Some(pool) = &p.pool {
            add(f("pool.share"), &pool.get_ref().share);
            add(f("pool.rate"), &pool.get_ref().rate);
        }
        if let Some(rb) = &p.rank_bonus {
            for (j, a) in rb.get_ref().amounts.get_ref().iter().enumerate() {
                add(f(&format!("rank_bonus[{}]", j + 1)), a);
            }
        }
        if let Some(tb) = &p.target_bonus {
            for (j, b) in tb.get_ref().bands.get_ref().iter().enumerate() {
                add(f(&format!("target_bonus[{}].min", j + 1)), &b.get_ref().min);
                add(
                    f(&format!("target_bonus[{}].amount", j + 1)),
                    &b.get_ref().amount,
                );
            }
        }
        if let Some(sb) = &p.score_bonus {
            add(f("score_bonus.amount"), &sb.get_ref().amount);
        }
        if let Some(fx) = &p.fixed {
            add(f("fixed.amount"), &fx.get_ref().amount);
        }
    }
    for g in &raw.grade {
        let g = g.get_ref();
        let name = g.name.get_ref().clone();
        add(format!("grade[{name}].min_score"), &g.min_score);
        if let Some(pf) = &g.pool_factor {
            add(format!("grade[{}].pool_factor", name), pf);
        }
    }
    out.sort_by_key(|e| e.start);
    Ok(out)
}

/// Writes new values over numbers found by [`editable_numbers`] of the same text: `(start,
/// end, value)`. A value is a number, optionally with `%` (written as a string then).
pub fn replace_numbers(text: &str, edits: &[(usize, usize, String)]) -> Result<String, PlanError> {
    let known = editable_numbers(text)?;
    let mut edits: Vec<&(usize, usize, String)> = edits.iter().collect();
    edits.sort_by_key(|e| std::cmp::Reverse(e.0));
    // Each number once: a second edit of a span would land on the first one's text (a form
    // can name a span twice, as `n.7.9` and `n.07.9`).
    if let Some(w) = edits.windows(2).find(|w| w[0].0 == w[1].0) {
        let span = w[0].0..w[0].1;
        return Err(Ctx::new(text).err(
            &span,
            "(form)",
            "同一个数被编辑了两次",
            "the same number is edited twice",
        ));
    }
    let mut out = text.to_string();
    for (start, end, value) in edits {
        let Some(target) = known.iter().find(|k| k.start == *start && k.end == *end) else {
            return Err(Ctx::new(text).err(
                &(*start..*end),
                "(form)",
                "方案已被修改，请重新加载",
                "the plan changed; reload it",
            ));
        };
        let v = value.trim();
        let ok = !v.is_empty()
            && v.chars()
                .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | '%' | ','));
        if !ok {
            return Err(Ctx::new(text).err(
                &(*start..*end),
                target.field.clone(),
                format!("`{v}` 不是数字（可写 55%、0.55、1.12 或 150000）"),
                format!("`{v}` is not a number (write e.g. 55%, 0.55, 1.12 or 150000)"),
            ));
        }
        let bare = v.parse::<f64>().is_ok();
        let written = if bare {
            v.to_string()
        } else {
            format!("\"{v}\"")
        };
        out.replace_range(*start..*end, &written);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_plans_are_valid() {
        for (file, text) in crate::SHIPPED {
            let plan = parse(text).unwrap_or_else(|e| panic!("{file}: {e}"));
            assert_eq!(format!("{}.toml", plan.id), file);
            let total: i64 = plan.kpis.iter().map(|k| k.weight_bp).sum();
            assert_eq!(total, 100_00);
        }
        let presale = parse(crate::SHIPPED[0].1).unwrap();
        assert_eq!(presale.kpis[0].key, "conversion");
        assert_eq!(presale.kpis[0].weight_bp, 40_00);
        assert_eq!(presale.kpis[0].name, "询单→最终付款转化率");
        assert_eq!(presale.settlement_day, 5);
        assert_eq!(presale.grades.len(), 4);
    }

    const BASE: &str = r#"id = "t"
[[kpi]]
figure = "inquiry_conversion"
weight = 60
bands = [{ min = "50%", score = 100 }, { min = "40%", score = 80 }]
[[kpi]]
figure = "served"
weight = 40
rank = { scores = [100] }
"#;

    fn err(text: &str) -> PlanError {
        match parse(text) {
            Ok(_) => panic!("accepted:\n{text}"),
            Err(e) => e,
        }
    }

    #[test]
    fn base_is_valid() {
        let plan = parse(BASE).unwrap();
        assert_eq!(plan.kpis.len(), 2);
        assert_eq!(plan.settlement_day, 5);
    }

    #[test]
    fn weights_must_add_up_to_100() {
        let e = err(&BASE.replace("weight = 40", "weight = 35"));
        assert_eq!(e.line, 4);
        assert_eq!(e.field, "kpi.weight");
        assert!(e.message.contains("95%"), "{e}");
        assert!(
            e.message.contains("inquiry_conversion 60% + served 35%"),
            "{e}"
        );
        // "35%" and 35 mean the same
        assert!(parse(&BASE.replace("weight = 40", "weight = \"40%\"")).is_ok());
    }

    #[test]
    fn unknown_figure_names_line_and_field() {
        let e = err(&BASE.replace("figure = \"served\"", "figure = \"servd\""));
        assert_eq!(e.line, 7);
        assert_eq!(e.field, "kpi[servd].figure");
        assert!(e.message.contains("unknown figure `servd`"), "{e}");
    }

    #[test]
    fn overlapping_bands_are_refused() {
        let e = err(&BASE.replace("min = \"40%\"", "min = \"50%\""));
        assert_eq!(e.line, 5);
        assert_eq!(e.field, "kpi[inquiry_conversion].bands[2].min");
        assert!(
            e.message
                .contains("bands overlap: min 50% must be strictly below the previous band's 50%"),
            "{e}"
        );
        let e = err(&BASE.replace("min = \"40%\"", "max = \"40%\""));
        assert!(e.message.contains("all use `max`"), "{e}");
    }

    #[test]
    fn bad_numbers_name_line_and_field() {
        let e = err(&BASE.replace("weight = 40", "weight = \"forty\""));
        assert_eq!(e.line, 8);
        assert_eq!(e.field, "weight");
        assert!(e.message.contains("forty"), "{e}");
        let e = err(&BASE.replace("score = 80", "score = 80.123"));
        assert_eq!(e.line, 5);
        assert_eq!(e.field, "kpi[inquiry_conversion].bands[2].score");
        let e = err(&BASE.replace("weight = 40", "weight = -40"));
        assert_eq!(e.field, "kpi[served].weight");
        let e = err(&BASE.replace("weight = 40", "wieght = 40"));
        assert_eq!(e.line, 8);
        assert!(e.message.contains("unknown field `wieght`"), "{e}");
    }

    #[test]
    fn money_numbers_are_never_a_silent_guess() {
        let tier = |rate: &str| {
            format!("{BASE}[[pay]]\ntiered = {{ tiers = [{{ from = 0, rate = {rate} }}] }}\n")
        };
        let rate_of = |rate: &str| match &parse(&tier(rate)).unwrap().pay[0].kind {
            PayKind::Tiered { tiers, .. } => tiers[0].rate,
            _ => unreachable!("a tiered component"),
        };
        assert_eq!(rate_of("\"1.5%\""), Decimal::parse("0.015").unwrap());
        assert_eq!(rate_of("0"), Decimal::ZERO);
        // were 1500%, 8% and 250%
        for (rate, says) in [
            ("\"1,5\"", "a comma separates thousands only"),
            ("\"0,8%\"", "a comma separates thousands only"),
            ("2.5", "ambiguous"),
            ("0.008", "ambiguous"),
            ("1", "ambiguous"),
            ("\"250%\"", "above 100%"),
        ] {
            let e = err(&tier(rate));
            assert_eq!(e.line, 11, "{rate}: {e}");
            assert!(e.field.ends_with("rate"), "{rate}: {e}");
            assert!(e.message.contains(says), "{rate}: {e}");
        }
        // `1,50,000` was 150000 yuan
        let e = err(&tier("\"1%\" }, { from = \"1,50,000\", rate = \"2%\""));
        assert_eq!((e.line, e.field.as_str()), (11, "from"), "{e}");
        assert!(e.message.contains("thousands"), "{e}");
        let ok = parse(&tier("\"1%\" }, { from = \"150,000\", rate = \"2%\"")).unwrap();
        assert!(
            matches!(&ok.pay[0].kind, PayKind::Tiered { tiers, .. } if tiers[1].from_cents == 15_000_000)
        );

        // shares of 180% and gate scales of 150% only when the plan says so
        let grades = "[[grade]]\nname = \"A\"\nmin_score = 0\npool_factor = \"130%\"\n";
        let pool = format!("{BASE}{grades}[[pay]]\npool = {{ share = \"180%\", rate = \"1%\" }}\n");
        let e = err(&pool);
        assert_eq!(
            (e.line, e.field.as_str()),
            (15, "pay[pool].pool.share"),
            "{e}"
        );
        assert!(e.message.contains("rates_above_100"), "{e}");
        assert!(parse(&format!("rates_above_100 = true\n{pool}")).is_ok());
        let gate =
            format!("{BASE}[[gate]]\nfigure = \"served\"\nbelow = 3\nscale_pay = \"150%\"\n");
        let e = err(&gate);
        assert_eq!((e.line, e.field.as_str()), (13, "gate[1].scale_pay"), "{e}");
        assert!(parse(&format!("rates_above_100 = true\n{gate}")).is_ok());
        // a grade's pool factor of 130% is ordinary, but not as a bare 1.3
        let e = err(&pool.replace("\"130%\"", "1.3"));
        assert_eq!(e.field, "grade[1].pool_factor", "{e}");
    }

    #[test]
    fn pay_is_checked() {
        let tiers = |t: &str| format!("{BASE}[[pay]]\ntiered = {{ tiers = [{t}] }}\n");
        assert!(
            parse(&tiers(
                "{ from = 0, rate = \"0.5%\" }, { from = 100000, rate = \"0.8%\" }"
            ))
            .is_ok()
        );
        let e = err(&tiers("{ from = 10, rate = \"0.5%\" }"));
        assert_eq!(e.line, 11);
        assert_eq!(e.field, "pay[tiered].tiered.tiers[1].from");
        let e = err(&tiers(
            "{ from = 0, rate = \"0.5%\" }, { from = 0, rate = \"0.8%\" }",
        ));
        assert_eq!(e.field, "pay[tiered].tiered.tiers[2].from");
        let e = err(&tiers("{ from = 0, rate = \"-0.5%\" }"));
        assert_eq!(e.field, "pay[tiered].tiered.tiers[1].rate");
        let e = err(&format!(
            "{BASE}[[pay]]\npool = {{ share = \"80%\", rate = \"1.5%\" }}\n"
        ));
        assert!(e.message.contains("pool_factor"), "{e}");
        let e = err(&format!(
            "{BASE}[[pay]]\nfixed = {{ amount = \"1.234\" }}\n"
        ));
        assert_eq!(e.field, "pay[fixed].fixed.amount");
        let e = err(&format!(
            "{BASE}[[grade]]\nname = \"A\"\nmin_score = 80\n[[grade]]\nname = \"B\"\nmin_score = 90\n"
        ));
        assert_eq!(e.line, 15);
        assert_eq!(e.field, "grade[2].min_score");
    }

    #[test]
    fn gates_and_sources_are_checked() {
        let e = err(&format!(
            "{BASE}[[gate]]\nfigure = \"slow\"\nabove = 3\nzero_kpi = [\"nope\"]\n"
        ));
        assert_eq!(e.line, 13);
        assert_eq!(e.field, "gate[1].zero_kpi");
        let e = err(&format!(
            "{BASE}[[gate]]\nmanual = \"attitude\"\nbelow = 3\nscale_pay = 0\n"
        ));
        assert!(e.message.contains("unknown manual item"), "{e}");
        let e = err(&BASE.replace(
            "figure = \"served\"",
            "figure = \"served\"\nrelative_to = \"group\"",
        ));
        assert_eq!(e.field, "kpi[served].relative_to");
        let e = err(&BASE.replace("rank = { scores = [100] }", ""));
        assert!(e.message.contains("needs a scoring rule"), "{e}");
        let e = err("id = \"t\"\n");
        assert!(e.message.contains("at least one [[kpi]]"), "{e}");
        let e = err("id = \"bad id\"\n");
        assert_eq!(e.field, "id");
        let e = err("id = \"t\"\nsettlement_day = 40\n");
        assert_eq!((e.line, e.field.as_str()), (2, "settlement_day"));
        let e = err("id = \"t\"\n[applies_to]\nrole = \"boss\"\n");
        assert_eq!((e.line, e.field.as_str()), (3, "applies_to.role"));
        // broken TOML still gives a line
        let e = err("id = \"t\"\n[[kpi]\n");
        assert_eq!(e.line, 2);
    }

    #[test]
    fn every_mistake_is_reported() {
        let text = BASE
            .replace("id = \"t\"", "id = \"t\"\nsettlement_day = 40")
            .replace("figure = \"served\"", "figure = \"servd\"")
            .replace("min = \"40%\"", "min = \"50%\"")
            + "[[pay]]\ntiered = { tiers = [{ from = 0, rate = 2.5 }] }\n\
               [[grade]]\nname = \"A\"\nmin_score = 500\n";
        // unreadable: the reader stops at it, and goes on past it
        let text = text.replace("weight = 40", "weight = \"forty\"");
        let errors = parse_all(&text).unwrap_err();
        let found: Vec<(usize, &str)> = errors.iter().map(|e| (e.line, e.field.as_str())).collect();
        assert_eq!(
            found,
            vec![
                (2, "settlement_day"),
                (6, "kpi[inquiry_conversion].bands[2].min"),
                (8, "kpi[servd].figure"),
                (9, "weight"),
                (12, "pay[tiered].tiered.tiers[1].rate"),
                (15, "grade[1].min_score"),
            ],
            "{errors:?}"
        );
        // `parse` gives the first
        assert_eq!(parse(&text).unwrap_err(), errors[0]);
    }

    #[test]
    fn numbers_are_edited_in_place() {
        let text = crate::SHIPPED[0].1;
        let numbers = editable_numbers(text).unwrap();
        let weight = numbers
            .iter()
            .find(|n| n.field == "kpi[conversion].weight")
            .unwrap();
        assert_eq!(weight.text, "40");
        let band = numbers
            .iter()
            .find(|n| n.field == "kpi[conversion].bands[1].min")
            .unwrap();
        assert_eq!(band.text, "45%");
        let volume = numbers
            .iter()
            .find(|n| n.field == "kpi[volume].weight")
            .unwrap();
        let edited = replace_numbers(
            text,
            &[
                (weight.start, weight.end, "30".into()),
                (volume.start, volume.end, "20".into()),
                (band.start, band.end, "50%".into()),
            ],
        )
        .unwrap();
        let plan = parse(&edited).unwrap();
        assert_eq!(plan.kpis[0].weight_bp, 30_00);
        assert_eq!(plan.kpis[3].weight_bp, 20_00);
        // comments stay
        assert!(edited.contains("# 核心：询单→最终付款转化率"));
        let Rule::Bands { bands, .. } = &plan.kpis[0].rule else {
            panic!("bands")
        };
        assert_eq!(bands[0].threshold.percent(), "50%");
        let e = replace_numbers(text, &[(weight.start, weight.end, "x\"".into())]).unwrap_err();
        assert_eq!(e.field, "kpi[conversion].weight");
        assert!(replace_numbers(text, &[(0, 2, "1".into())]).is_err());
        let twice = [
            (weight.start, weight.end, "30".into()),
            (weight.start, weight.end, "3".into()),
        ];
        assert_eq!(
            replace_numbers(text, &twice).unwrap_err().message,
            "the same number is edited twice"
        );
    }
}
