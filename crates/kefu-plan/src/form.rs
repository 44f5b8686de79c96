//! A plan as a form: every field of the TOML a text (or choice) the web editor shows as a
//! labelled control, with rows for bands, tiers and grades.
//!
//! The form is never checked on its own: [`PlanForm::check`] writes it as TOML
//! ([`PlanForm::to_toml`]) and reads that with [`crate::parse_all`], so the form and the TOML
//! editor accept exactly the same plans and refuse them with the same messages. Each
//! [`PlanError`] is then placed on the form control its line and field came from.
//! [`PlanForm::from_toml`] goes the other way; a plan read into the form and written back
//! evaluates the same (comments are not kept).

use std::collections::BTreeMap;

use crate::model::Plan;
use crate::parse::PlanError;

/// A mistake placed on a form control (`field`, a control's name such as `f.kpi.0.weight`),
/// or on the whole form when `field` is empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
    pub message_zh: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ManualRow {
    pub key: String,
    pub name: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BandRow {
    pub threshold: String,
    pub score: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KpiForm {
    pub key: String,
    pub name: String,
    /// `figure`, `manual` or `platform`.
    pub source: String,
    pub figure: String,
    pub manual: String,
    pub platform: String,
    pub column: String,
    /// Compared with the whole store's value (`relative_to = "store"`).
    pub relative: bool,
    pub weight: String,
    /// `bands`, `linear`, `rank` or `direct` (the value is the score).
    pub rule: String,
    /// `min` (higher is better: value ≥ threshold) or `max` (lower is better).
    pub bands_dir: String,
    pub bands: Vec<BandRow>,
    /// Score when no band (or rank) is reached.
    pub otherwise: String,
    pub floor: String,
    pub target: String,
    pub floor_score: String,
    pub target_score: String,
    pub cap: String,
    /// Scores for ranks 1, 2, …, separated by spaces.
    pub rank_scores: String,
    /// `higher` or `lower`, empty for the default.
    pub rank_better: String,
    pub missing: String,
}

impl Default for KpiForm {
    fn default() -> KpiForm {
        KpiForm {
            key: String::new(),
            name: String::new(),
            source: "figure".into(),
            figure: String::new(),
            manual: String::new(),
            platform: String::new(),
            column: String::new(),
            relative: false,
            weight: String::new(),
            rule: "bands".into(),
            bands_dir: "min".into(),
            bands: vec![BandRow::default()],
            otherwise: String::new(),
            floor: String::new(),
            target: String::new(),
            floor_score: String::new(),
            target_score: String::new(),
            cap: String::new(),
            rank_scores: String::new(),
            rank_better: String::new(),
            missing: String::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GateForm {
    pub name: String,
    pub source: String,
    pub figure: String,
    pub manual: String,
    pub platform: String,
    pub column: String,
    /// `below` or `above`.
    pub condition: String,
    pub threshold: String,
    /// `scale_pay` or `zero_kpi`.
    pub action: String,
    pub scale_pay: String,
    /// KPI keys, separated by spaces or commas.
    pub zero_kpi: String,
}

impl Default for GateForm {
    fn default() -> GateForm {
        GateForm {
            name: String::new(),
            source: "figure".into(),
            figure: String::new(),
            manual: String::new(),
            platform: String::new(),
            column: String::new(),
            condition: "below".into(),
            threshold: String::new(),
            action: "scale_pay".into(),
            scale_pay: String::new(),
            zero_kpi: String::new(),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TierRow {
    pub from: String,
    pub rate: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TargetBandRow {
    pub min: String,
    pub amount: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayForm {
    pub key: String,
    pub name: String,
    /// `tiered`, `pool`, `rank_bonus`, `target_bonus`, `score_bonus` or `fixed`.
    pub kind: String,
    /// `marginal` or `whole`, empty for the default.
    pub mode: String,
    pub tiers: Vec<TierRow>,
    pub share: String,
    pub rate: String,
    /// Amounts for ranks 1, 2, …, separated by spaces.
    pub amounts: String,
    pub target_bands: Vec<TargetBandRow>,
    pub amount: String,
}

impl Default for PayForm {
    fn default() -> PayForm {
        PayForm {
            key: String::new(),
            name: String::new(),
            kind: "tiered".into(),
            mode: String::new(),
            tiers: vec![TierRow::default()],
            share: String::new(),
            rate: String::new(),
            amounts: String::new(),
            target_bands: vec![TargetBandRow::default()],
            amount: String::new(),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GradeRow {
    pub name: String,
    pub min_score: String,
    pub pool_factor: String,
}

/// Every field of a plan file as the form holds it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlanForm {
    pub id: String,
    pub name: String,
    pub description: String,
    pub settlement_day: String,
    pub sales_target: String,
    pub qa_min_reviews: String,
    pub rates_above_100: bool,
    pub pay_inactive: bool,
    /// `presale`, `aftersale` or empty (everyone).
    pub role: String,
    /// Group names separated by commas.
    pub groups: String,
    pub manual: Vec<ManualRow>,
    pub kpis: Vec<KpiForm>,
    pub gates: Vec<GateForm>,
    pub pay: Vec<PayForm>,
    pub grades: Vec<GradeRow>,
}

/// Why a TOML text could not be put into the form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormReadError {
    /// The text is not TOML, or a field holds the wrong kind of value.
    Plan(PlanError),
    /// Fields the form has no control for (`kpi[2].wieght`).
    Unknown(Vec<String>),
}

impl FormReadError {
    pub fn en(&self) -> String {
        match self {
            FormReadError::Plan(e) => e.to_string(),
            FormReadError::Unknown(fields) => format!(
                "the form has no place for {}; edit the plan as TOML",
                fields.join(", ")
            ),
        }
    }

    pub fn zh(&self) -> String {
        match self {
            FormReadError::Plan(e) => {
                format!("第 {} 行，{}：{}", e.line, e.field, e.message_zh)
            }
            FormReadError::Unknown(fields) => {
                format!("表单中没有这些字段：{}；请以 TOML 编辑", fields.join("、"))
            }
        }
    }
}

// ---------------------------------------------------------------- TOML → form

type Table = toml::Table;

/// Takes the fields out of a table; what is left over at the end was not understood.
struct Take<'a> {
    table: Table,
    path: String,
    unknown: &'a mut Vec<String>,
}

impl<'a> Take<'a> {
    fn new(table: Table, path: String, unknown: &'a mut Vec<String>) -> Take<'a> {
        Take {
            table,
            path,
            unknown,
        }
    }

    fn text(&mut self, key: &str) -> String {
        match self.table.remove(key) {
            None => String::new(),
            Some(v) => value_text(&v).unwrap_or_else(|| {
                self.unknown.push(format!("{}{key}", self.path));
                String::new()
            }),
        }
    }

    fn flag(&mut self, key: &str) -> bool {
        match self.table.remove(key) {
            None => false,
            Some(toml::Value::Boolean(b)) => b,
            Some(_) => {
                self.unknown.push(format!("{}{key}", self.path));
                false
            }
        }
    }

    /// A list of plain values as one text, `sep` between them.
    fn list(&mut self, key: &str, sep: &str) -> String {
        match self.table.remove(key) {
            None => String::new(),
            Some(toml::Value::Array(items)) => {
                let texts: Option<Vec<String>> = items.iter().map(value_text).collect();
                texts.map_or_else(
                    || {
                        self.unknown.push(format!("{}{key}", self.path));
                        String::new()
                    },
                    |t| t.join(sep),
                )
            }
            Some(v) => value_text(&v).unwrap_or_default(),
        }
    }

    fn table(&mut self, key: &str) -> Option<Table> {
        match self.table.remove(key)? {
            toml::Value::Table(t) => Some(t),
            _ => {
                self.unknown.push(format!("{}{key}", self.path));
                None
            }
        }
    }

    fn tables(&mut self, key: &str) -> Vec<Table> {
        match self.table.remove(key) {
            None => Vec::new(),
            Some(toml::Value::Array(items)) => items
                .into_iter()
                .filter_map(|v| match v {
                    toml::Value::Table(t) => Some(t),
                    _ => {
                        self.unknown.push(format!("{}{key}", self.path));
                        None
                    }
                })
                .collect(),
            Some(_) => {
                self.unknown.push(format!("{}{key}", self.path));
                Vec::new()
            }
        }
    }

    fn sub(&mut self, table: Table, path: String) -> Take<'_> {
        Take::new(table, path, self.unknown)
    }
}

impl Drop for Take<'_> {
    fn drop(&mut self) {
        for k in self.table.keys() {
            self.unknown.push(format!("{}{k}", self.path));
        }
    }
}

fn value_text(v: &toml::Value) -> Option<String> {
    match v {
        toml::Value::String(s) => Some(s.clone()),
        toml::Value::Integer(i) => Some(i.to_string()),
        toml::Value::Float(f) => Some(f.to_string()),
        _ => None,
    }
}

fn source_of(t: &mut Take) -> (String, String, String, String, String) {
    let figure = t.text("figure");
    let manual = t.text("manual");
    let platform = t.text("platform");
    let column = t.text("column");
    let source = if !platform.is_empty() || !column.is_empty() {
        "platform"
    } else if !manual.is_empty() && figure.is_empty() {
        "manual"
    } else {
        "figure"
    };
    (source.into(), figure, manual, platform, column)
}

impl PlanForm {
    /// The form for a plan text. A text that is not TOML is refused with its line; fields
    /// the form has no control for are named (the TOML editor stays the way to edit them).
    pub fn from_toml(text: &str) -> Result<PlanForm, FormReadError> {
        let table: Table = toml::from_str(text).map_err(|e| {
            FormReadError::Plan(
                crate::parse::parse(text)
                    .err()
                    .unwrap_or_else(|| PlanError {
                        line: 1,
                        field: "(plan)".into(),
                        message: e.message().to_string(),
                        message_zh: kefu_core::localized::toml_message_zh(e.message(), "方案文件"),
                    }),
            )
        })?;
        let mut unknown = Vec::new();
        let form = {
            let mut t = Take::new(table, String::new(), &mut unknown);
            let mut f = PlanForm {
                id: t.text("id"),
                name: t.text("name"),
                description: t.text("description"),
                settlement_day: t.text("settlement_day"),
                sales_target: t.text("sales_target"),
                qa_min_reviews: t.text("qa_min_reviews"),
                rates_above_100: t.flag("rates_above_100"),
                pay_inactive: t.flag("pay_inactive"),
                ..PlanForm::default()
            };
            if let Some(a) = t.table("applies_to") {
                let mut a = t.sub(a, "applies_to.".into());
                f.role = a.text("role");
                f.groups = a.list("groups", ", ");
            }
            for (i, m) in t.tables("manual").into_iter().enumerate() {
                let mut m = t.sub(m, format!("manual[{}].", i + 1));
                f.manual.push(ManualRow {
                    key: m.text("key"),
                    name: m.text("name"),
                });
            }
            for (i, k) in t.tables("kpi").into_iter().enumerate() {
                f.kpis.push(kpi_from(&mut t, k, i));
            }
            for (i, g) in t.tables("gate").into_iter().enumerate() {
                let mut g = t.sub(g, format!("gate[{}].", i + 1));
                let (source, figure, manual, platform, column) = source_of(&mut g);
                let below = g.text("below");
                let above = g.text("above");
                let scale_pay = g.text("scale_pay");
                let zero_kpi = g.list("zero_kpi", " ");
                f.gates.push(GateForm {
                    name: g.text("name"),
                    source,
                    figure,
                    manual,
                    platform,
                    column,
                    condition: if above.is_empty() { "below" } else { "above" }.into(),
                    threshold: if above.is_empty() { below } else { above },
                    action: if zero_kpi.is_empty() {
                        "scale_pay"
                    } else {
                        "zero_kpi"
                    }
                    .into(),
                    scale_pay,
                    zero_kpi,
                });
            }
            for (i, p) in t.tables("pay").into_iter().enumerate() {
                f.pay.push(pay_from(&mut t, p, i));
            }
            for (i, g) in t.tables("grade").into_iter().enumerate() {
                let mut g = t.sub(g, format!("grade[{}].", i + 1));
                f.grades.push(GradeRow {
                    name: g.text("name"),
                    min_score: g.text("min_score"),
                    pool_factor: g.text("pool_factor"),
                });
            }
            f
        };
        if unknown.is_empty() {
            Ok(form)
        } else {
            Err(FormReadError::Unknown(unknown))
        }
    }
}

fn kpi_from(t: &mut Take, k: Table, i: usize) -> KpiForm {
    let mut k = t.sub(k, format!("kpi[{}].", i + 1));
    let (source, figure, manual, platform, column) = source_of(&mut k);
    let relative = !k.text("relative_to").is_empty();
    let mut f = KpiForm {
        key: k.text("key"),
        name: k.text("name"),
        source,
        figure,
        manual,
        platform,
        column,
        relative,
        weight: k.text("weight"),
        rule: "direct".into(),
        bands: Vec::new(),
        otherwise: k.text("else"),
        missing: k.text("missing"),
        ..KpiForm::default()
    };
    let path = format!("kpi[{}].", i + 1);
    let bands = k.tables("bands");
    if !bands.is_empty() {
        f.rule = "bands".into();
        for (j, b) in bands.into_iter().enumerate() {
            let mut b = k.sub(b, format!("{path}bands[{}].", j + 1));
            let min = b.text("min");
            let max = b.text("max");
            if !max.is_empty() && min.is_empty() {
                f.bands_dir = "max".into();
            }
            f.bands.push(BandRow {
                threshold: if min.is_empty() { max } else { min },
                score: b.text("score"),
            });
        }
    }
    if let Some(l) = k.table("linear") {
        f.rule = "linear".into();
        let mut l = k.sub(l, format!("{path}linear."));
        f.floor = l.text("floor");
        f.target = l.text("target");
        f.floor_score = l.text("floor_score");
        f.target_score = l.text("target_score");
        f.cap = l.text("cap");
    }
    if let Some(r) = k.table("rank") {
        f.rule = "rank".into();
        let mut r = k.sub(r, format!("{path}rank."));
        f.rank_scores = r.list("scores", " ");
        f.otherwise = r.text("else");
        f.rank_better = r.text("better");
    }
    if f.bands.is_empty() {
        f.bands.push(BandRow::default());
    }
    f
}

fn pay_from(t: &mut Take, p: Table, i: usize) -> PayForm {
    let mut p = t.sub(p, format!("pay[{}].", i + 1));
    let path = format!("pay[{}].", i + 1);
    let mut f = PayForm {
        key: p.text("key"),
        name: p.text("name"),
        tiers: Vec::new(),
        target_bands: Vec::new(),
        ..PayForm::default()
    };
    if let Some(x) = p.table("tiered") {
        f.kind = "tiered".into();
        let mut x = p.sub(x, format!("{path}tiered."));
        f.mode = x.text("mode");
        for (j, tier) in x.tables("tiers").into_iter().enumerate() {
            let mut tier = x.sub(tier, format!("{path}tiered.tiers[{}].", j + 1));
            f.tiers.push(TierRow {
                from: tier.text("from"),
                rate: tier.text("rate"),
            });
        }
    }
    if let Some(x) = p.table("pool") {
        f.kind = "pool".into();
        let mut x = p.sub(x, format!("{path}pool."));
        f.share = x.text("share");
        f.rate = x.text("rate");
    }
    if let Some(x) = p.table("rank_bonus") {
        f.kind = "rank_bonus".into();
        let mut x = p.sub(x, format!("{path}rank_bonus."));
        f.amounts = x.list("amounts", " ");
    }
    if let Some(x) = p.table("target_bonus") {
        f.kind = "target_bonus".into();
        let mut x = p.sub(x, format!("{path}target_bonus."));
        for (j, b) in x.tables("bands").into_iter().enumerate() {
            let mut b = x.sub(b, format!("{path}target_bonus.bands[{}].", j + 1));
            f.target_bands.push(TargetBandRow {
                min: b.text("min"),
                amount: b.text("amount"),
            });
        }
    }
    for kind in ["score_bonus", "fixed"] {
        if let Some(x) = p.table(kind) {
            f.kind = kind.into();
            let mut x = p.sub(x, format!("{path}{kind}."));
            f.amount = x.text("amount");
        }
    }
    if f.tiers.is_empty() {
        f.tiers.push(TierRow::default());
    }
    if f.target_bands.is_empty() {
        f.target_bands.push(TargetBandRow::default());
    }
    f
}

// ---------------------------------------------------------------- form → TOML

/// The TOML a form stands for, and which form control each line came from.
#[derive(Debug, Clone)]
pub struct Written {
    pub text: String,
    /// (1-based line, [(TOML key on that line, form control)]).
    pub places: Vec<(usize, Vec<(String, String)>)>,
}

struct Writer {
    text: String,
    line: usize,
    places: Vec<(usize, Vec<(String, String)>)>,
}

impl Writer {
    fn raw(&mut self, s: &str) {
        self.text.push_str(s);
        self.text.push('\n');
        self.line += 1;
    }

    /// A line holding `entries` (TOML key, form control).
    fn placed(&mut self, s: &str, entries: Vec<(&str, String)>) {
        self.places.push((
            self.line,
            entries
                .into_iter()
                .map(|(k, n)| (k.to_string(), n))
                .collect(),
        ));
        self.raw(s);
    }

    /// `key = value` when the value is not empty.
    fn num(&mut self, key: &str, value: &str, name: String) {
        if !value.trim().is_empty() {
            self.placed(&format!("{key} = {}", num(value)), vec![(key, name)]);
        }
    }

    fn string(&mut self, key: &str, value: &str, name: String) {
        if !value.trim().is_empty() {
            self.placed(
                &format!("{key} = {}", quote(value.trim())),
                vec![(key, name)],
            );
        }
    }
}

/// A number as typed: bare when TOML reads it as a number, else a string for the plan's
/// own reader (`"45%"`, `"150,000"`, and what is not a number at all, refused there).
fn num(s: &str) -> String {
    let s = s.trim();
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    let body = s.strip_prefix('-').unwrap_or(s);
    let plain = match body.split_once('.') {
        Some((a, b)) => digits(a) && digits(b),
        None => digits(body) && (body == "0" || !body.starts_with('0')),
    };
    if plain && body.len() < 16 {
        s.to_string()
    } else {
        quote(s)
    }
}

fn quote(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// The parts of a list typed in one field: separated by spaces, commas of either width or 、.
fn parts(s: &str, commas: bool) -> Vec<&str> {
    s.split(|c: char| {
        c.is_whitespace()
            || c == '、'
            || c == ';'
            || c == '；'
            || (commas && (c == ',' || c == '，'))
    })
    .filter(|p| !p.is_empty())
    .collect()
}

fn num_list(s: &str) -> String {
    parts(s, false)
        .iter()
        .map(|p| num(p))
        .collect::<Vec<_>>()
        .join(", ")
}

fn required(errors: &mut Vec<FieldError>, value: &str, name: String) {
    if value.trim().is_empty() {
        errors.push(FieldError {
            field: name,
            message: "required".into(),
            message_zh: "必填".into(),
        });
    }
}

impl PlanForm {
    /// The plan file this form stands for, or the fields left empty that must be filled.
    pub fn to_toml(&self) -> Result<Written, Vec<FieldError>> {
        let mut w = Writer {
            text: String::new(),
            line: 1,
            places: Vec::new(),
        };
        let mut missing = Vec::new();
        required(&mut missing, &self.id, "f.id".into());
        w.placed(
            &format!("id = {}", quote(self.id.trim())),
            vec![("id", "f.id".into())],
        );
        w.string("name", &self.name, "f.name".into());
        w.string("description", &self.description, "f.description".into());
        w.num(
            "settlement_day",
            &self.settlement_day,
            "f.settlement_day".into(),
        );
        w.num("sales_target", &self.sales_target, "f.sales_target".into());
        w.num(
            "qa_min_reviews",
            &self.qa_min_reviews,
            "f.qa_min_reviews".into(),
        );
        if self.rates_above_100 {
            w.placed(
                "rates_above_100 = true",
                vec![("rates_above_100", "f.rates_above_100".into())],
            );
        }
        if self.pay_inactive {
            w.placed(
                "pay_inactive = true",
                vec![("pay_inactive", "f.pay_inactive".into())],
            );
        }
        let groups = parts(&self.groups, true);
        if !self.role.trim().is_empty() || !groups.is_empty() {
            w.raw("");
            w.placed("[applies_to]", vec![("applies_to", "f.role".into())]);
            w.string("role", &self.role, "f.role".into());
            if !groups.is_empty() {
                let list: Vec<String> = groups.iter().map(|g| quote(g)).collect();
                w.placed(
                    &format!("groups = [{}]", list.join(", ")),
                    vec![("groups", "f.groups".into())],
                );
            }
        }
        for (i, m) in self.manual.iter().enumerate() {
            let n = |x: &str| format!("f.manual.{i}.{x}");
            w.raw("");
            w.placed("[[manual]]", vec![("manual", n("key"))]);
            required(&mut missing, &m.key, n("key"));
            w.placed(
                &format!("key = {}", quote(m.key.trim())),
                vec![("key", n("key"))],
            );
            w.string("name", &m.name, n("name"));
        }
        for (i, k) in self.kpis.iter().enumerate() {
            k.write(&mut w, &mut missing, i);
        }
        for (i, g) in self.gates.iter().enumerate() {
            let n = |x: &str| format!("f.gate.{i}.{x}");
            w.raw("");
            w.placed("[[gate]]", vec![("gate", n("figure"))]);
            w.string("name", &g.name, n("name"));
            write_source(
                &mut w,
                &g.source,
                &g.figure,
                &g.manual,
                &g.platform,
                &g.column,
                &n,
            );
            let condition = if g.condition == "above" {
                "above"
            } else {
                "below"
            };
            required(&mut missing, &g.threshold, n("threshold"));
            w.num(condition, &g.threshold, n("threshold"));
            if g.action == "zero_kpi" {
                let keys: Vec<String> = parts(&g.zero_kpi, true).iter().map(|k| quote(k)).collect();
                required(&mut missing, &g.zero_kpi, n("zero_kpi"));
                w.placed(
                    &format!("zero_kpi = [{}]", keys.join(", ")),
                    vec![("zero_kpi", n("zero_kpi"))],
                );
            } else {
                required(&mut missing, &g.scale_pay, n("scale_pay"));
                w.num("scale_pay", &g.scale_pay, n("scale_pay"));
            }
        }
        for (i, p) in self.pay.iter().enumerate() {
            p.write(&mut w, &mut missing, i);
        }
        for (i, g) in self.grades.iter().enumerate() {
            let n = |x: &str| format!("f.grade.{i}.{x}");
            w.raw("");
            w.placed("[[grade]]", vec![("grade", n("name"))]);
            required(&mut missing, &g.name, n("name"));
            required(&mut missing, &g.min_score, n("min_score"));
            w.placed(
                &format!("name = {}", quote(g.name.trim())),
                vec![("name", n("name"))],
            );
            w.num("min_score", &g.min_score, n("min_score"));
            w.num("pool_factor", &g.pool_factor, n("pool_factor"));
        }
        if missing.is_empty() {
            Ok(Written {
                text: w.text,
                places: w.places,
            })
        } else {
            Err(missing)
        }
    }

    /// The plan this form stands for, checked by the plan reader, with the TOML written;
    /// else every mistake, each on its control.
    pub fn check(&self) -> Result<(String, Plan), Vec<FieldError>> {
        let written = self.to_toml()?;
        match crate::parse::parse_all(&written.text) {
            Ok(plan) => Ok((written.text, plan)),
            Err(errors) => Err(errors.iter().map(|e| place(&written, e)).collect()),
        }
    }
}

/// The control a plan error is about: the one on its line whose TOML key ends the error's
/// field (`kpi[conversion].bands[2].min` → `min`), else the line's first; the whole form
/// when no control wrote that line.
pub fn place(written: &Written, e: &PlanError) -> FieldError {
    let last = e.field.rsplit('.').next().unwrap_or("");
    let last = last.split('[').next().unwrap_or(last);
    let field = written
        .places
        .iter()
        .find(|(line, _)| *line == e.line)
        .and_then(|(_, entries)| {
            entries
                .iter()
                .find(|(k, _)| k == last)
                .or_else(|| entries.first())
        })
        .map(|(_, n)| n.clone())
        .unwrap_or_default();
    FieldError {
        field,
        message: e.message.clone(),
        message_zh: e.message_zh.clone(),
    }
}

fn write_source(
    w: &mut Writer,
    source: &str,
    figure: &str,
    manual: &str,
    platform: &str,
    column: &str,
    n: &dyn Fn(&str) -> String,
) {
    match source {
        "manual" => w.string("manual", manual, n("manual")),
        "platform" => {
            w.string("platform", platform, n("platform"));
            w.string("column", column, n("column"));
        }
        _ => w.string("figure", figure, n("figure")),
    }
}

impl KpiForm {
    fn write(&self, w: &mut Writer, missing: &mut Vec<FieldError>, i: usize) {
        let n = |x: &str| format!("f.kpi.{i}.{x}");
        w.raw("");
        w.placed("[[kpi]]", vec![("kpi", n("key"))]);
        w.string("key", &self.key, n("key"));
        w.string("name", &self.name, n("name"));
        write_source(
            w,
            &self.source,
            &self.figure,
            &self.manual,
            &self.platform,
            &self.column,
            &n,
        );
        if self.relative && self.source == "figure" {
            w.placed(
                "relative_to = \"store\"",
                vec![("relative_to", n("relative"))],
            );
        }
        required(missing, &self.weight, n("weight"));
        w.num("weight", &self.weight, n("weight"));
        match self.rule.as_str() {
            "bands" => {
                let dir = if self.bands_dir == "max" {
                    "max"
                } else {
                    "min"
                };
                w.placed("bands = [", vec![("bands", n("bands"))]);
                for (j, b) in self.bands.iter().enumerate() {
                    if b.threshold.trim().is_empty() && b.score.trim().is_empty() {
                        continue;
                    }
                    let bn = |x: &str| format!("f.kpi.{i}.band.{j}.{x}");
                    required(missing, &b.threshold, bn("threshold"));
                    required(missing, &b.score, bn("score"));
                    w.placed(
                        &format!(
                            "  {{ {dir} = {}, score = {} }},",
                            num(&b.threshold),
                            num(&b.score)
                        ),
                        vec![(dir, bn("threshold")), ("score", bn("score"))],
                    );
                }
                w.placed("]", vec![("bands", n("bands"))]);
                w.num("else", &self.otherwise, n("else"));
            }
            "linear" => {
                required(missing, &self.floor, n("floor"));
                required(missing, &self.target, n("target"));
                let mut fields = vec![
                    format!("floor = {}", num(&self.floor)),
                    format!("target = {}", num(&self.target)),
                ];
                for (key, v) in [
                    ("floor_score", &self.floor_score),
                    ("target_score", &self.target_score),
                    ("cap", &self.cap),
                ] {
                    if !v.trim().is_empty() {
                        fields.push(format!("{key} = {}", num(v)));
                    }
                }
                w.placed(
                    &format!("linear = {{ {} }}", fields.join(", ")),
                    vec![
                        ("floor", n("floor")),
                        ("target", n("target")),
                        ("floor_score", n("floor_score")),
                        ("target_score", n("target_score")),
                        ("cap", n("cap")),
                        ("linear", n("floor")),
                    ],
                );
            }
            "rank" => {
                required(missing, &self.rank_scores, n("rank_scores"));
                let mut fields = vec![format!("scores = [{}]", num_list(&self.rank_scores))];
                if !self.otherwise.trim().is_empty() {
                    fields.push(format!("else = {}", num(&self.otherwise)));
                }
                if !self.rank_better.trim().is_empty() {
                    fields.push(format!("better = {}", quote(self.rank_better.trim())));
                }
                w.placed(
                    &format!("rank = {{ {} }}", fields.join(", ")),
                    vec![
                        ("scores", n("rank_scores")),
                        ("else", n("else")),
                        ("better", n("rank_better")),
                        ("rank", n("rank_scores")),
                    ],
                );
            }
            _ => {}
        }
        w.num("missing", &self.missing, n("missing"));
    }
}

impl PayForm {
    fn write(&self, w: &mut Writer, missing: &mut Vec<FieldError>, i: usize) {
        let n = |x: &str| format!("f.pay.{i}.{x}");
        w.raw("");
        w.placed("[[pay]]", vec![("pay", n("key"))]);
        w.string("key", &self.key, n("key"));
        w.string("name", &self.name, n("name"));
        match self.kind.as_str() {
            "pool" => {
                required(missing, &self.share, n("share"));
                required(missing, &self.rate, n("rate"));
                w.placed(
                    &format!(
                        "pool = {{ share = {}, rate = {} }}",
                        num(&self.share),
                        num(&self.rate)
                    ),
                    vec![("share", n("share")), ("rate", n("rate"))],
                );
            }
            "rank_bonus" => {
                required(missing, &self.amounts, n("amounts"));
                w.placed(
                    &format!("rank_bonus = {{ amounts = [{}] }}", num_list(&self.amounts)),
                    vec![("amounts", n("amounts"))],
                );
            }
            "target_bonus" => {
                w.placed(
                    "target_bonus = { bands = [",
                    vec![("bands", n("target_bands"))],
                );
                for (j, b) in self.target_bands.iter().enumerate() {
                    if b.min.trim().is_empty() && b.amount.trim().is_empty() {
                        continue;
                    }
                    let bn = |x: &str| format!("f.pay.{i}.tband.{j}.{x}");
                    required(missing, &b.min, bn("min"));
                    required(missing, &b.amount, bn("amount"));
                    w.placed(
                        &format!(
                            "  {{ min = {}, amount = {} }},",
                            num(&b.min),
                            num(&b.amount)
                        ),
                        vec![("min", bn("min")), ("amount", bn("amount"))],
                    );
                }
                w.placed("] }", vec![("bands", n("target_bands"))]);
            }
            kind @ ("score_bonus" | "fixed") => {
                required(missing, &self.amount, n("amount"));
                w.placed(
                    &format!("{kind} = {{ amount = {} }}", num(&self.amount)),
                    vec![("amount", n("amount"))],
                );
            }
            _ => {
                let mode = if self.mode.trim().is_empty() {
                    String::new()
                } else {
                    format!("mode = {}, ", quote(self.mode.trim()))
                };
                w.placed(
                    &format!("tiered = {{ {mode}tiers = ["),
                    vec![("mode", n("mode")), ("tiers", n("tiers"))],
                );
                for (j, t) in self.tiers.iter().enumerate() {
                    if t.from.trim().is_empty() && t.rate.trim().is_empty() {
                        continue;
                    }
                    let tn = |x: &str| format!("f.pay.{i}.tier.{j}.{x}");
                    required(missing, &t.from, tn("from"));
                    required(missing, &t.rate, tn("rate"));
                    w.placed(
                        &format!("  {{ from = {}, rate = {} }},", num(&t.from), num(&t.rate)),
                        vec![("from", tn("from")), ("rate", tn("rate"))],
                    );
                }
                w.placed("] }", vec![("tiers", n("tiers"))]);
            }
        }
    }
}

// ---------------------------------------------------------------- posted fields → form

/// Rows posted as `{prefix}.{i}.{field}`, in index order.
fn rows<'a>(
    pairs: impl Iterator<Item = (&'a str, &'a str)>,
    prefix: &str,
) -> BTreeMap<usize, Vec<(&'a str, &'a str)>> {
    let mut out: BTreeMap<usize, Vec<(&str, &str)>> = BTreeMap::new();
    for (k, v) in pairs {
        let Some(rest) = k.strip_prefix(prefix).and_then(|r| r.strip_prefix('.')) else {
            continue;
        };
        let Some((i, field)) = rest.split_once('.') else {
            continue;
        };
        if let Ok(i) = i.parse::<usize>() {
            out.entry(i).or_default().push((field, v));
        }
    }
    out
}

fn get(fields: &[(&str, &str)], name: &str) -> String {
    fields
        .iter()
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
        .unwrap_or_default()
}

impl PlanForm {
    /// The form from posted controls (`f.id`, `f.kpi.0.band.1.score`, …); other names are
    /// ignored. Rows come in the order of their indices.
    pub fn from_pairs(pairs: &[(String, String)]) -> PlanForm {
        let top = |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k.strip_prefix("f.") == Some(name))
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        let on = |name: &str| !top(name).is_empty();
        let all = || pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()));
        let mut f = PlanForm {
            id: top("id"),
            name: top("name"),
            description: top("description"),
            settlement_day: top("settlement_day"),
            sales_target: top("sales_target"),
            qa_min_reviews: top("qa_min_reviews"),
            rates_above_100: on("rates_above_100"),
            pay_inactive: on("pay_inactive"),
            role: top("role"),
            groups: top("groups"),
            ..PlanForm::default()
        };
        for r in rows(all(), "f.manual").values() {
            f.manual.push(ManualRow {
                key: get(r, "key"),
                name: get(r, "name"),
            });
        }
        for r in rows(all(), "f.kpi").values() {
            let g = |x: &str| get(r, x);
            f.kpis.push(KpiForm {
                key: g("key"),
                name: g("name"),
                source: g("source"),
                figure: g("figure"),
                manual: g("manual"),
                platform: g("platform"),
                column: g("column"),
                relative: !g("relative").is_empty(),
                weight: g("weight"),
                rule: g("rule"),
                bands_dir: g("bands_dir"),
                bands: rows(r.iter().copied(), "band")
                    .values()
                    .map(|b| BandRow {
                        threshold: get(b, "threshold"),
                        score: get(b, "score"),
                    })
                    .collect(),
                otherwise: g("else"),
                floor: g("floor"),
                target: g("target"),
                floor_score: g("floor_score"),
                target_score: g("target_score"),
                cap: g("cap"),
                rank_scores: g("rank_scores"),
                rank_better: g("rank_better"),
                missing: g("missing"),
            });
        }
        for r in rows(all(), "f.gate").values() {
            let g = |x: &str| get(r, x);
            f.gates.push(GateForm {
                name: g("name"),
                source: g("source"),
                figure: g("figure"),
                manual: g("manual"),
                platform: g("platform"),
                column: g("column"),
                condition: g("condition"),
                threshold: g("threshold"),
                action: g("action"),
                scale_pay: g("scale_pay"),
                zero_kpi: g("zero_kpi"),
            });
        }
        for r in rows(all(), "f.pay").values() {
            let g = |x: &str| get(r, x);
            f.pay.push(PayForm {
                key: g("key"),
                name: g("name"),
                kind: g("kind"),
                mode: g("mode"),
                tiers: rows(r.iter().copied(), "tier")
                    .values()
                    .map(|t| TierRow {
                        from: get(t, "from"),
                        rate: get(t, "rate"),
                    })
                    .collect(),
                share: g("share"),
                rate: g("rate"),
                amounts: g("amounts"),
                target_bands: rows(r.iter().copied(), "tband")
                    .values()
                    .map(|t| TargetBandRow {
                        min: get(t, "min"),
                        amount: get(t, "amount"),
                    })
                    .collect(),
                amount: g("amount"),
            });
        }
        for r in rows(all(), "f.grade").values() {
            f.grades.push(GradeRow {
                name: get(r, "name"),
                min_score: get(r, "min_score"),
                pool_factor: get(r, "pool_factor"),
            });
        }
        f
    }

    /// Adds or removes a row: `add:kpi`, `add:kpi.0.band`, `remove:pay.1.tier.2`, ….
    /// Unknown operations change nothing.
    pub fn apply(&mut self, op: &str) {
        let (verb, path) = op.split_once(':').unwrap_or((op, ""));
        let parts: Vec<&str> = path.split('.').collect();
        let idx = |i: usize| parts.get(i).and_then(|p| p.parse::<usize>().ok());
        fn edit<T: Default>(v: &mut Vec<T>, verb: &str, at: Option<usize>) {
            match (verb, at) {
                ("add", _) => v.push(T::default()),
                ("remove", Some(i)) if i < v.len() => {
                    v.remove(i);
                }
                _ => {}
            }
        }
        match (parts.first().copied(), parts.get(2).copied()) {
            (Some("manual"), None) => edit(&mut self.manual, verb, idx(1)),
            (Some("kpi"), None) => edit(&mut self.kpis, verb, idx(1)),
            (Some("gate"), None) => edit(&mut self.gates, verb, idx(1)),
            (Some("pay"), None) => edit(&mut self.pay, verb, idx(1)),
            (Some("grade"), None) => edit(&mut self.grades, verb, idx(1)),
            (Some("kpi"), Some("band")) => {
                if let Some(k) = idx(1).and_then(|i| self.kpis.get_mut(i)) {
                    edit(&mut k.bands, verb, idx(3));
                }
            }
            (Some("pay"), Some("tier")) => {
                if let Some(p) = idx(1).and_then(|i| self.pay.get_mut(i)) {
                    edit(&mut p.tiers, verb, idx(3));
                }
            }
            (Some("pay"), Some("tband")) => {
                if let Some(p) = idx(1).and_then(|i| self.pay.get_mut(i)) {
                    edit(&mut p.target_bands, verb, idx(3));
                }
            }
            _ => {}
        }
    }
}

impl PlanForm {
    /// The controls of the form as a browser posts them (checked boxes only), the inverse
    /// of [`PlanForm::from_pairs`].
    pub fn to_pairs(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        let mut put = |k: String, v: &str| out.push((k, v.to_string()));
        put("f.id".into(), &self.id);
        put("f.name".into(), &self.name);
        put("f.description".into(), &self.description);
        put("f.settlement_day".into(), &self.settlement_day);
        put("f.sales_target".into(), &self.sales_target);
        put("f.qa_min_reviews".into(), &self.qa_min_reviews);
        if self.rates_above_100 {
            put("f.rates_above_100".into(), "1");
        }
        if self.pay_inactive {
            put("f.pay_inactive".into(), "1");
        }
        put("f.role".into(), &self.role);
        put("f.groups".into(), &self.groups);
        for (i, m) in self.manual.iter().enumerate() {
            put(format!("f.manual.{i}.key"), &m.key);
            put(format!("f.manual.{i}.name"), &m.name);
        }
        for (i, k) in self.kpis.iter().enumerate() {
            let p = format!("f.kpi.{i}.");
            for (name, v) in [
                ("key", &k.key),
                ("name", &k.name),
                ("source", &k.source),
                ("figure", &k.figure),
                ("manual", &k.manual),
                ("platform", &k.platform),
                ("column", &k.column),
                ("weight", &k.weight),
                ("rule", &k.rule),
                ("bands_dir", &k.bands_dir),
                ("else", &k.otherwise),
                ("floor", &k.floor),
                ("target", &k.target),
                ("floor_score", &k.floor_score),
                ("target_score", &k.target_score),
                ("cap", &k.cap),
                ("rank_scores", &k.rank_scores),
                ("rank_better", &k.rank_better),
                ("missing", &k.missing),
            ] {
                put(format!("{p}{name}"), v);
            }
            if k.relative {
                put(format!("{p}relative"), "1");
            }
            for (j, b) in k.bands.iter().enumerate() {
                put(format!("{p}band.{j}.threshold"), &b.threshold);
                put(format!("{p}band.{j}.score"), &b.score);
            }
        }
        for (i, g) in self.gates.iter().enumerate() {
            let p = format!("f.gate.{i}.");
            for (name, v) in [
                ("name", &g.name),
                ("source", &g.source),
                ("figure", &g.figure),
                ("manual", &g.manual),
                ("platform", &g.platform),
                ("column", &g.column),
                ("condition", &g.condition),
                ("threshold", &g.threshold),
                ("action", &g.action),
                ("scale_pay", &g.scale_pay),
                ("zero_kpi", &g.zero_kpi),
            ] {
                put(format!("{p}{name}"), v);
            }
        }
        for (i, x) in self.pay.iter().enumerate() {
            let p = format!("f.pay.{i}.");
            for (name, v) in [
                ("key", &x.key),
                ("name", &x.name),
                ("kind", &x.kind),
                ("mode", &x.mode),
                ("share", &x.share),
                ("rate", &x.rate),
                ("amounts", &x.amounts),
                ("amount", &x.amount),
            ] {
                put(format!("{p}{name}"), v);
            }
            for (j, t) in x.tiers.iter().enumerate() {
                put(format!("{p}tier.{j}.from"), &t.from);
                put(format!("{p}tier.{j}.rate"), &t.rate);
            }
            for (j, t) in x.target_bands.iter().enumerate() {
                put(format!("{p}tband.{j}.min"), &t.min);
                put(format!("{p}tband.{j}.amount"), &t.amount);
            }
        }
        for (i, g) in self.grades.iter().enumerate() {
            put(format!("f.grade.{i}.name"), &g.name);
            put(format!("f.grade.{i}.min_score"), &g.min_score);
            put(format!("f.grade.{i}.pool_factor"), &g.pool_factor);
        }
        out
    }
}

#[cfg(test)]
#[path = "form_tests.rs"]
mod tests;
