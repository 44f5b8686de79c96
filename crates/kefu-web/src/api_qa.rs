//! Quality inspection in the JSON API: `/api/v1/qa/hits`, `/api/v1/qa/summary` and
//! `/api/v1/qa/reviews`. Each answers what its page shows, from the page's own loader
//! ([`qa_rules::load_hits`], [`qa_reviews::load_summary`], [`qa_reviews::load_reviews`]), so
//! the numbers and the rows a user may see are the page's by construction.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use kefu_qa::review::{self, ReviewKind};
use kefu_qa::rules::{Category, HitRow, Severity, per_100};
use kefu_qa::summary::PeriodKind;
use kefu_store::qa_reviews::{AppealStatus, ReviewRow};
use kefu_store::{Db, User};
use serde::Serialize;
use utoipa::openapi::path::{Parameter, ParameterIn};
use utoipa::openapi::schema::Object;
use utoipa::{IntoParams, ToSchema};

use crate::api::{Date, Errors, by_param, day, one_of, param, store_param, text};
use crate::auth::CurrentUser;
use crate::qa_reviews::{self, QaQuery, SummaryItem};
use crate::qa_rules::{self, By, HitsData, QaParams};
use crate::routes::Routes;
use crate::{ApiError, AppState, WebError};

/// What each endpoint here does first: read the query (a malformed one is a 400) and run the
/// page's loader as the signed-in user on the database thread.
async fn page_data<Q, T, F>(
    state: &AppState,
    user: &CurrentUser,
    query: Result<Query<Q>, QueryRejection>,
    load: F,
) -> Result<T, ApiError>
where
    Q: Send + 'static,
    T: Send + 'static,
    F: FnOnce(&Db, &User, Q) -> Result<T, WebError> + Send + 'static,
{
    let Query(q) = query.map_err(|e| WebError::BadRequest(e.body_text()))?;
    let u = user.session.user.clone();
    Ok(state.db(move |db| load(db, &u, q)).await?)
}

/// A week or a month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum QaPeriod {
    Week,
    Month,
}

impl From<PeriodKind> for QaPeriod {
    fn from(k: PeriodKind) -> Self {
        match k {
            PeriodKind::Week => QaPeriod::Week,
            PeriodKind::Month => QaPeriod::Month,
        }
    }
}

/// The rows of the hits table: agents always get `account`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum HitsBy {
    Account,
    Group,
    Store,
}

/// Automatic QA rules: hits per 100 receptions by rule × account, group or store over a
/// week or a month.
#[derive(Debug, Serialize, ToSchema)]
pub struct QaHits {
    pub store: String,
    pub period: QaPeriod,
    pub from: Date,
    pub to: Date,
    pub by: HitsBy,
    /// The store's saved rule set in force; null: the shipped one.
    pub rules_version: Option<i64>,
    /// Whether rules have been run over the period.
    pub ran: bool,
    /// The enabled rules, in the order of the hit maps.
    pub rules: Vec<QaRule>,
    pub rows: Vec<QaHitRow>,
    /// The whole store; null for agents and before a run.
    pub total: Option<QaHitRow>,
    pub previous: QaHitPrevious,
    /// With `rule=`: the receptions behind the figure (at most 500), lowest score first.
    pub flagged: Option<Vec<QaFlagged>>,
}

/// Per rule id: the receptions it hit, and hits per 100 receptions (null without
/// receptions).
type Hits = (BTreeMap<String, u64>, BTreeMap<String, Option<f64>>);

fn hit_maps(rules: &[String], row: &HitRow) -> Hits {
    let mut hits = BTreeMap::new();
    let mut rates = BTreeMap::new();
    for (id, &n) in rules.iter().zip(&row.hits) {
        hits.insert(id.clone(), n);
        rates.insert(id.clone(), per_100(n, row.receptions));
    }
    (hits, rates)
}

/// One row of hits.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct QaHitRow {
    /// The account, the group ("": people without a group) or the store.
    pub key: String,
    /// Receptions evaluated: the denominator.
    pub receptions: u64,
    /// Sum of the scores of the hits.
    pub score: i64,
    /// Per rule id: the receptions it hit.
    pub hits: BTreeMap<String, u64>,
    /// Per rule id: hits per 100 receptions; null without receptions.
    pub per_100: BTreeMap<String, Option<f64>>,
}

impl QaHitRow {
    fn new(rules: &[String], row: &HitRow) -> Self {
        let (hits, per_100) = hit_maps(rules, row);
        QaHitRow {
            key: row.key.clone(),
            receptions: row.receptions,
            score: row.score,
            hits,
            per_100,
        }
    }
}

/// The period before, summed over the rows shown: the trend.
#[derive(Debug, Serialize, ToSchema)]
pub struct QaHitPrevious {
    pub from: Date,
    pub to: Date,
    pub receptions: u64,
    pub score: i64,
    pub hits: BTreeMap<String, u64>,
    pub per_100: BTreeMap<String, Option<f64>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QaRule {
    pub id: String,
    pub name: String,
    pub name_en: String,
    #[schema(schema_with = categories)]
    pub category: &'static str,
    #[schema(schema_with = severities)]
    pub severity: &'static str,
    /// Negative: a deduction; positive: a bonus.
    pub score: i32,
}

fn categories() -> Object {
    one_of(Category::ALL.map(Category::as_str), "")
}

fn severities() -> Object {
    one_of(Severity::ALL.map(Severity::as_str), "")
}

/// A reception a rule flagged.
#[derive(Debug, Serialize, ToSchema)]
pub struct QaFlagged {
    pub day: Date,
    pub account: String,
    pub buyer: String,
    /// The reception's score (sum of its hits' scores).
    pub score: i64,
    pub rules_hit: u32,
}

fn hits_answer(d: &HitsData) -> QaHits {
    let rules = &d.table.rules;
    let defs = rules
        .iter()
        .filter_map(|id| d.rules.set.rules().iter().find(|r| &r.id == id))
        .map(|r| QaRule {
            id: r.id.clone(),
            name: r.name.clone(),
            name_en: r.name_en.clone(),
            category: r.category.as_str(),
            severity: r.severity.as_str(),
            score: r.score,
        })
        .collect();
    let whole_store = d.allowed.whole();
    let (prev_from, prev_to, prev) = &d.previous;
    let (hits, per_100) = hit_maps(rules, prev);
    QaHits {
        store: d.allowed.name().to_string(),
        period: if d.month {
            QaPeriod::Month
        } else {
            QaPeriod::Week
        },
        from: d.from.into(),
        to: d.to.into(),
        by: match d.by {
            By::Account => HitsBy::Account,
            By::Group => HitsBy::Group,
            By::Store => HitsBy::Store,
        },
        rules_version: d.rules.version,
        ran: d.ran,
        rules: defs,
        rows: d
            .table
            .rows
            .iter()
            .map(|r| QaHitRow::new(rules, r))
            .collect(),
        // The whole store only for those who see all of it: an agent's total would be theirs.
        total: (whole_store && d.ran).then(|| QaHitRow::new(rules, &d.table.total(""))),
        previous: QaHitPrevious {
            from: (*prev_from).into(),
            to: (*prev_to).into(),
            receptions: prev.receptions,
            score: prev.score,
            hits,
            per_100,
        },
        flagged: d.listed.as_ref().map(|listed| {
            listed
                .iter()
                .map(|l| QaFlagged {
                    day: l.day.into(),
                    account: l.account.clone(),
                    buyer: l.buyer.clone(),
                    score: l.score,
                    rules_hit: l.rules,
                })
                .collect()
        }),
    }
}

fn period_param(what: &str) -> Parameter {
    param(
        "period",
        false,
        one_of(["week", "month"], ""),
        &format!("the period kind (default: {what})"),
    )
}

/// The query of `/api/v1/qa/hits`.
pub enum HitsQuery {}

impl IntoParams for HitsQuery {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![
            store_param(),
            period_param("month"),
            param(
                "date",
                false,
                day(),
                "a day in the period (default: the last day with data)",
            ),
            by_param(&["account", "group", "store"]),
            param(
                "rule",
                false,
                text(),
                "list the receptions this rule flagged (flagged)",
            ),
            param(
                "account",
                false,
                text(),
                "with rule: only this account or group",
            ),
        ]
    }
}

/// `GET /api/v1/qa/hits?store=&period=week|month&date=&by=account|group|store[&rule=&account=]`:
/// what `/qa/hits` shows.
#[utoipa::path(
    get,
    path = "/api/v1/qa/hits",
    summary = "Automatic QA rules: hits per 100 receptions by rule × account, group or store over a week or a month (what /qa/hits shows)",
    description = "Hits per 100 receptions = 100 × receptions the rule hit ÷ receptions evaluated, both summed over the rows' days and accounts (docs/qa.md). Agents get their own accounts only, by account, without the store's total.",
    params(HitsQuery),
    responses((status = 200, description = "the table", body = QaHits), Errors)
)]
pub async fn hits(
    State(state): State<AppState>,
    user: CurrentUser,
    query: Result<Query<QaParams>, QueryRejection>,
) -> Result<Json<QaHits>, ApiError> {
    let data = page_data(&state, &user, query, |db, u, q| {
        qa_rules::load_hits(db, u, &q)
    })
    .await?;
    Ok(Json(hits_answer(&data)))
}

/// Manual reviews: QA score per agent, group or store.
#[derive(Debug, Serialize, ToSchema)]
pub struct QaSummary {
    pub store: String,
    pub period: QaPeriod,
    pub from: Date,
    pub to: Date,
    /// Agents always get `agent`.
    #[schema(schema_with = summary_rows_by)]
    pub by: &'static str,
    pub rows: Vec<QaSummaryRow>,
    /// Reviewers against their goals; null for agents.
    pub workload: Option<Vec<QaWorkload>>,
}

fn summary_rows_by() -> Object {
    one_of(["agent", "group", "store"], "agents always get agent")
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QaSummaryRow {
    /// The account, the group ("": people without a group) or the store.
    pub key: String,
    /// Scored reviews in the period.
    pub reviews: usize,
    /// Percent; null without reviews.
    pub score: Option<f64>,
    pub weakest: Vec<QaItemMean>,
    pub strongest: Vec<QaItemMean>,
    /// The previous periods, oldest first.
    pub trend: Vec<QaTrend>,
}

/// A scorecard item's mean over a row's reviews.
#[derive(Debug, Serialize, ToSchema)]
pub struct QaItemMean {
    pub id: String,
    pub name: String,
    pub name_en: String,
    /// 0…1 over the row's reviews in the period.
    pub mean: f64,
}

impl From<&SummaryItem> for QaItemMean {
    fn from(i: &SummaryItem) -> Self {
        QaItemMean {
            id: i.id.clone(),
            name: i.name.clone(),
            name_en: i.name_en.clone(),
            mean: i.mean,
        }
    }
}

/// A previous period's QA score.
#[derive(Debug, Serialize, ToSchema)]
pub struct QaTrend {
    pub from: Date,
    pub to: Date,
    /// Percent; null without reviews.
    pub score: Option<f64>,
}

/// A reviewer's work against their goal.
#[derive(Debug, Serialize, ToSchema)]
pub struct QaWorkload {
    pub reviewer: String,
    pub goal: i64,
    pub assigned: i64,
    pub done: i64,
}

/// The query of `/api/v1/qa/summary`.
pub enum SummaryQuery {}

impl IntoParams for SummaryQuery {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![
            store_param(),
            period_param("the store's choice"),
            param(
                "day",
                false,
                day(),
                "a day in the period (default: the last day with data)",
            ),
            by_param(&["agent", "group", "store"]),
        ]
    }
}

/// `GET /api/v1/qa/summary?store=&by=agent|group|store&period=week|month&day=`: what
/// `/qa/summary` shows.
#[utoipa::path(
    get,
    path = "/api/v1/qa/summary",
    summary = "Manual reviews: QA score per agent, group or store, the weakest and strongest items, the trend and the reviewers' workload (what /qa/summary shows)",
    description = "The QA score is the mean of the counted review scores of the period (an accepted appeal's corrected score replaces the review's); calibration reviews do not count. Agents get their own accounts only.",
    params(SummaryQuery),
    responses((status = 200, description = "the summary", body = QaSummary), Errors)
)]
pub async fn summary(
    State(state): State<AppState>,
    user: CurrentUser,
    query: Result<Query<QaQuery>, QueryRejection>,
) -> Result<Json<QaSummary>, ApiError> {
    let p = page_data(&state, &user, query, |db, u, q| {
        qa_reviews::load_summary(db, u, &q)
    })
    .await?;
    let rows = p
        .rows
        .iter()
        .map(|r| QaSummaryRow {
            key: r.label.clone(),
            reviews: r.reviews,
            score: r.score,
            weakest: r.weak.iter().map(QaItemMean::from).collect(),
            strongest: r.strong.iter().map(QaItemMean::from).collect(),
            trend: r
                .trend
                .iter()
                .map(|(period, score)| QaTrend {
                    from: period.from.into(),
                    to: period.to.into(),
                    score: *score,
                })
                .collect(),
        })
        .collect();
    let workload = p.workload.as_ref().map(|w| {
        w.iter()
            .map(|w| QaWorkload {
                reviewer: w.reviewer.clone(),
                goal: w.goal,
                assigned: w.assigned,
                done: w.done,
            })
            .collect()
    });
    Ok(Json(QaSummary {
        store: p.store.name().to_string(),
        period: p.kind.into(),
        from: p.period.from.into(),
        to: p.period.to.into(),
        by: p.by,
        rows,
        workload,
    }))
}

/// Manual reviews with their answers and appeals.
#[derive(Debug, Serialize, ToSchema)]
pub struct QaReviews {
    pub store: String,
    /// Newest first.
    pub reviews: Vec<QaReview>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QaReview {
    pub id: i64,
    pub assignment_id: i64,
    #[schema(schema_with = review_kinds)]
    pub kind: &'static str,
    pub day: Date,
    pub account: String,
    pub buyer: String,
    pub reviewer: Option<String>,
    /// Percent.
    pub score: Option<f64>,
    /// The score that counts: an accepted appeal's, else the review's.
    pub counted_score: Option<f64>,
    /// Critical items failed (the score is then 0).
    pub failed_critical: Vec<String>,
    /// Per scorecard item id.
    pub answers: BTreeMap<String, QaAnswer>,
    pub note: String,
    pub training_topic: Option<String>,
    pub tags: Vec<String>,
    pub appeal: Option<QaAppeal>,
}

fn review_kinds() -> Object {
    one_of(ReviewKind::ALL.map(ReviewKind::as_str), "")
}

/// A review's answer to one scorecard item.
#[derive(Debug, Serialize, ToSchema)]
pub struct QaAnswer {
    /// na, yes, no or a number.
    pub answer: String,
    /// 0…1; null when not applicable.
    pub value: Option<f64>,
}

/// An agent's appeal of a review.
#[derive(Debug, Serialize, ToSchema)]
pub struct QaAppeal {
    #[schema(schema_with = appeal_statuses)]
    pub status: &'static str,
    pub reason: String,
    pub appellant: Option<String>,
    pub decided_by: Option<String>,
    pub comment: Option<String>,
    /// The corrected score of an accepted appeal.
    pub new_score: Option<f64>,
}

fn appeal_statuses() -> Object {
    use AppealStatus as A;
    one_of([A::Open, A::Accepted, A::Rejected].map(A::as_str), "")
}

/// The answers of a review by item id, as its scorecard reads them (none when the card is
/// gone or the stored answers no longer decode).
fn answers(r: &ReviewRow, card: Option<&review::Scorecard>) -> BTreeMap<String, QaAnswer> {
    let Some((card, given)) =
        card.and_then(|c| Some((c, review::decode_answers(c, &r.answers).ok()?)))
    else {
        return BTreeMap::new();
    };
    card.items()
        .filter_map(|i| {
            let a = given.get(&i.id)?;
            Some((
                i.id.clone(),
                QaAnswer {
                    answer: a.encode(),
                    value: a.value(i.scale),
                },
            ))
        })
        .collect()
}

/// A comma-separated list stored as text.
fn split(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

/// The query of `/api/v1/qa/reviews`.
pub enum ReviewsQuery {}

impl IntoParams for ReviewsQuery {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![store_param()]
    }
}

/// `GET /api/v1/qa/reviews?store=`: the reviews `/qa/reviews` shows (an agent their own, and
/// those they wrote; leads and QA their stores'), with answers and appeals.
#[utoipa::path(
    get,
    path = "/api/v1/qa/reviews",
    summary = "Manual reviews with their answers and appeals (what /qa/reviews shows): an agent the reviews of their own chats and those they wrote; leads and QA every review of their stores",
    params(ReviewsQuery),
    responses((status = 200, description = "the reviews, newest first", body = QaReviews), Errors)
)]
pub async fn reviews(
    State(state): State<AppState>,
    user: CurrentUser,
    query: Result<Query<QaQuery>, QueryRejection>,
) -> Result<Json<QaReviews>, ApiError> {
    let p = page_data(&state, &user, query, |db, u, q| {
        qa_reviews::load_reviews(db, u, q.store.as_deref())
    })
    .await?;
    let reviews = p
        .reviews
        .iter()
        .map(|(r, card)| QaReview {
            id: r.id,
            assignment_id: r.assignment_id,
            kind: r.kind.as_str(),
            day: r.reception.day.into(),
            account: p.names.name(r.reception.account).to_string(),
            buyer: p.names.name(r.reception.buyer).to_string(),
            reviewer: r.reviewer.clone(),
            score: r.score,
            counted_score: r.counted_score(),
            failed_critical: split(&r.failed_critical),
            answers: answers(r, card.as_ref()),
            note: r.note.clone(),
            training_topic: r.training_topic.clone(),
            tags: split(&r.tags),
            appeal: r.appeal.as_ref().map(|a| QaAppeal {
                status: a.status.as_str(),
                reason: a.reason.clone(),
                appellant: a.appellant.clone(),
                decided_by: a.decided_by.clone(),
                comment: a.comment.clone(),
                new_score: a.new_score,
            }),
        })
        .collect();
    Ok(Json(QaReviews {
        store: p.store.name().to_string(),
        reviews,
    }))
}

/// The QA API: hits, summary and reviews.
pub(crate) fn routes(r: Routes) -> Routes {
    r.get("/api/v1/qa/hits", hits)
        .get("/api/v1/qa/summary", summary)
        .get("/api/v1/qa/reviews", reviews)
}
