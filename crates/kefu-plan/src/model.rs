//! A validated plan: what `parse` produces and `evaluate` consumes.

use kefu_core::figures::Figure;
use kefu_core::model::Role;
use kefu_core::platform::Platform;

use crate::decimal::Decimal;
use crate::recovery::RecoveryFigure;

/// Pseudo-figure: the agent's quality-inspection score (0–100), when one is given.
pub const QA_SCORE: &str = "qa_score";
/// Pseudo-figure: 指标完成率, the agent's commissionable sales over their sales target.
pub const TARGET_COMPLETION: &str = "target_completion";

#[derive(Debug, Clone)]
pub struct Plan {
    /// Stable id of the plan across versions (`presale`).
    pub id: String,
    pub name: String,
    pub applies_to: AppliesTo,
    /// Day of the next month at whose end a month's commission is settled.
    pub settlement_day: u32,
    /// The default monthly sales target of an agent, in cents.
    pub sales_target_cents: Option<i64>,
    pub manual: Vec<ManualItem>,
    /// The platform report columns the KPIs and gates read (`platform` + `column`).
    pub platform_columns: Vec<PlatformColumn>,
    pub kpis: Vec<Kpi>,
    pub gates: Vec<Gate>,
    pub pay: Vec<PayComponent>,
    /// Best first.
    pub grades: Vec<Grade>,
    /// Rank and pay agents without activity in the month too (`pay_inactive = true`); by
    /// default they are not ranked and get only fixed pay.
    pub pay_inactive: bool,
    /// A gate on the QA score applies only to agents whose score rests on at least this many
    /// reviews (`qa_min_reviews`, default 1): one harsh review must not halve a month's pay.
    /// A hand-entered score always applies.
    pub qa_min_reviews: u32,
}

/// Who the plan is for: agents (never bots) with this role and/or in these groups.
impl Plan {
    /// Whether a KPI or gate reads a recovered-sales figure: only then does an adapter need
    /// to gather `AgentInput::recovery`.
    pub fn reads_recovery(&self) -> bool {
        let kpis = self.kpis.iter().map(|k| k.source);
        let gates = self.gates.iter().map(|g| g.source);
        kpis.chain(gates).any(|s| matches!(s, Source::Recovery(_)))
    }
}

#[derive(Debug, Clone, Default)]
pub struct AppliesTo {
    pub role: Option<Role>,
    pub groups: Vec<String>,
}

impl AppliesTo {
    /// Precedence between plans that match the same agent: lower is more specific and wins
    /// (role and groups, then groups, then role, then everyone).
    pub fn specificity(&self) -> u8 {
        match (self.role.is_some(), !self.groups.is_empty()) {
            (true, true) => 0,
            (false, true) => 1,
            (true, false) => 2,
            (false, false) => 3,
        }
    }

    pub fn admits(&self, role: Option<Role>, group: Option<&str>) -> bool {
        let role_ok = self.role.is_none_or(|r| role == Some(r));
        let group_ok =
            self.groups.is_empty() || group.is_some_and(|g| self.groups.iter().any(|x| x == g));
        role_ok && group_ok
    }
}

/// A score the supervisor gives by hand (平时表现), 0–100.
#[derive(Debug, Clone)]
pub struct ManualItem {
    pub key: String,
    pub name: String,
}

/// A column of a platform's own report (`platform = "pdd"`, `column = "3分钟人工回复率(8-23点)"`),
/// read over the plan's month from the stored platform figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformColumn {
    pub platform: Platform,
    /// The column's name exactly as in the file.
    pub column: String,
}

impl PlatformColumn {
    /// A rate (the name holds `率`, the import's rule): its values and thresholds are
    /// fractions shown as percentages.
    pub fn is_rate(&self) -> bool {
        self.column.contains('率')
    }
}

/// Where a KPI's (or a gate's) value comes from.
#[derive(Clone, Copy)]
pub enum Source {
    /// A figure of the spec; with `relative_to_store`, the agent's value over the store's.
    Figure {
        figure: &'static Figure,
        relative_to_store: bool,
    },
    TargetCompletion,
    QaScore,
    /// Index into `Plan::manual`.
    Manual(usize),
    /// Index into `Plan::platform_columns`; `percent` when the column is a rate.
    Platform {
        index: usize,
        percent: bool,
    },
    /// A recovered-sales figure of the worklists (`AgentInput::recovery`).
    Recovery(&'static RecoveryFigure),
}

// `Figure` holds a function pointer and has no `Debug`; its key says everything.
impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Figure {
                figure,
                relative_to_store,
            } => write!(f, "Figure({}, relative: {relative_to_store})", figure.key),
            Source::TargetCompletion => f.write_str("TargetCompletion"),
            Source::QaScore => f.write_str("QaScore"),
            Source::Manual(i) => write!(f, "Manual({i})"),
            Source::Platform { index, .. } => write!(f, "Platform({index})"),
            Source::Recovery(r) => write!(f, "Recovery({})", r.key),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Better {
    Higher,
    Lower,
}

#[derive(Debug, Clone)]
pub struct Band {
    pub threshold: Decimal,
    /// Hundredths of a point.
    pub score: i64,
}

#[derive(Debug, Clone)]
pub enum Rule {
    /// First band reached wins: `value ≥ threshold` (higher is better, thresholds
    /// descending) or `value ≤ threshold` (lower is better, ascending); else `otherwise`.
    Bands {
        better: Better,
        bands: Vec<Band>,
        otherwise: i64,
    },
    /// `floor_score` at the floor, `target_score` at the target, straight in between,
    /// never below `floor_score` nor above `cap`. Lower is better when target < floor.
    Linear {
        floor: Decimal,
        target: Decimal,
        floor_score: i64,
        target_score: i64,
        cap: i64,
    },
    /// Score by rank within the plan's agents (competition ranking).
    Rank {
        better: Better,
        scores: Vec<i64>,
        otherwise: i64,
    },
    /// The value itself is the score (manual items and QA scores, 0–100).
    Direct,
}

#[derive(Debug, Clone)]
pub struct Kpi {
    pub key: String,
    pub name: String,
    /// The name on English pages: the plan's `name` when given, else the figure's English one.
    pub name_en: String,
    pub source: Source,
    /// Hundredths of a percent; all KPIs of a plan add up to 10000.
    pub weight_bp: i64,
    pub rule: Rule,
    /// Score when the value is undefined (no inquiries, no manual score entered).
    pub missing_score: i64,
}

#[derive(Debug, Clone, Copy)]
pub enum Condition {
    Below(Decimal),
    Above(Decimal),
}

#[derive(Debug, Clone)]
pub enum GateAction {
    /// Indices into `Plan::kpis` whose score becomes 0.
    ZeroKpis(Vec<usize>),
    /// Every pay component except fixed pay is multiplied by this factor.
    ScalePay(Decimal),
}

#[derive(Debug, Clone)]
pub struct Gate {
    pub name: String,
    pub source: Source,
    pub condition: Condition,
    pub action: GateAction,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TierMode {
    /// Each part of the sales at its own tier's rate (累进).
    Marginal,
    /// The whole amount at the rate of the highest tier reached (全额).
    Whole,
}

#[derive(Debug, Clone)]
pub struct Tier {
    pub from_cents: i64,
    pub rate: Decimal,
}

#[derive(Debug, Clone)]
pub struct TargetBand {
    pub min_completion: Decimal,
    pub amount_cents: i64,
}

#[derive(Debug, Clone)]
pub enum PayKind {
    /// 阶梯提成 on the agent's commissionable (net) sales.
    Tiered { mode: TierMode, tiers: Vec<Tier> },
    /// store sales × share × rate ÷ headcount × the agent's grade factor.
    Pool { share: Decimal, rate: Decimal },
    /// Fixed amounts for ranks 1, 2, 3, …
    RankBonus { amounts_cents: Vec<i64> },
    /// An amount by 指标完成率, highest band reached.
    TargetBonus { bands: Vec<TargetBand> },
    /// amount × total score ÷ 100.
    ScoreBonus { amount_cents: i64 },
    /// A fixed amount (底薪), never scaled by gates.
    Fixed { amount_cents: i64 },
}

#[derive(Debug, Clone)]
pub struct PayComponent {
    pub key: String,
    pub name: String,
    pub name_en: String,
    pub kind: PayKind,
}

#[derive(Debug, Clone)]
pub struct Grade {
    pub name: String,
    /// Hundredths of a point.
    pub min_score: i64,
    pub pool_factor: Option<Decimal>,
}
