//! `GET /api/v1/list`: the items behind a figure as JSON, and the types of that answer.

use kefu_core::figures::{ACCOUNT_FIGURES, STORE_FIGURES};
use kefu_core::model::RefundStatus;
use serde::Serialize;
use utoipa::openapi::path::{Parameter, ParameterIn};
use utoipa::openapi::schema::{Object, ObjectBuilder, Type};
use utoipa::{IntoParams, ToSchema};

use super::*;
use crate::api::{
    Date, HeavyErrors, LocalTime, Outcome, Secs, Yuan, credited, day, one_of, param, range_params,
    text,
};

/// One page of the items behind a figure (the receptions, rounds, orders, reminders, ratings
/// or refunds it counts).
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Listing)]
pub struct ListPage {
    pub store: String,
    /// With `account=`.
    pub account: Option<String>,
    /// With `group=` (null: the whole store, or `ungrouped=1`).
    pub group: Option<String>,
    pub from: Date,
    pub to: Date,
    #[schema(schema_with = figure_keys)]
    pub figure: &'static str,
    /// The figure's value from the stored counters (as /api/v1/report gives it); null when
    /// undefined or for a histogram bin.
    #[schema(value_type = Option<f64>)]
    pub value: serde_json::Value,
    pub kind: ItemsKind,
    /// Items in the whole list (every page).
    pub total: usize,
    /// Sum of the amounts of the whole list (orders, reminders, refunds); null for the other
    /// kinds.
    pub amount: Option<Yuan>,
    pub page: usize,
    pub per_page: usize,
    pub items: ListItems,
}

/// The figure keys, from the figure definitions.
fn figure_keys() -> Object {
    one_of(
        ACCOUNT_FIGURES.iter().chain(STORE_FIGURES).map(|f| f.key),
        "a figure key (docs/metrics.md)",
    )
}

/// The kind of the listed items.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ItemsKind {
    Receptions,
    Rounds,
    Orders,
    Reminders,
    Ratings,
    Refunds,
}

impl From<explain::ItemKind> for ItemsKind {
    fn from(kind: explain::ItemKind) -> Self {
        use explain::ItemKind as K;
        match kind {
            K::Receptions => ItemsKind::Receptions,
            K::Rounds => ItemsKind::Rounds,
            K::Orders => ItemsKind::Orders,
            K::Reminders => ItemsKind::Reminders,
            K::Ratings => ItemsKind::Ratings,
            K::Refunds => ItemsKind::Refunds,
        }
    }
}

/// The items of one page, all of the listing's kind.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum ListItems {
    Receptions(Vec<Reception>),
    Rounds(Vec<Round>),
    Orders(Vec<Order>),
    Reminders(Vec<Reminder>),
    Ratings(Vec<Rating>),
    Refunds(Vec<Refund>),
}

/// A reception: one buyer with one account on one day.
#[derive(Debug, Serialize, ToSchema)]
pub struct Reception {
    pub account: String,
    pub buyer: String,
    pub day: Date,
    pub first_time: LocalTime,
    pub consulted: bool,
    pub served: bool,
    pub unreplied: bool,
    pub inquiry: bool,
    pub after_sale: bool,
    pub slow: bool,
    pub first_response_secs: Option<Secs>,
    pub duration_secs: Option<Secs>,
    pub buyer_msgs: u32,
    pub agent_msgs: u32,
    pub rounds: usize,
    pub attributed_orders: u32,
    pub attributed_paid: u32,
    pub sales: Yuan,
    /// The wall-clock wait for a person's answer to the day's first question for a person,
    /// 08:00–23:00 (the 拼多多 rates); null when there was none or no agent answered it.
    pub human_reply_secs: Option<Secs>,
    /// The longest wall-clock wait of the reception's answered rounds.
    pub max_wait_secs: Option<Secs>,
    /// Quality rules hit in the last run; only with `only=rule_hits` or `sort=hits`.
    pub rule_hits: Option<u32>,
}

/// A round: a buyer's question and what became of it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Round {
    pub account: String,
    pub buyer: String,
    pub day: Date,
    pub open: LocalTime,
    pub outcome: Outcome,
    pub response_secs: Option<Secs>,
    pub wait_secs: Option<Secs>,
    pub within_3min: bool,
    /// The round starts a session (at least 10 minutes after the stream's previous message).
    pub starts_session: bool,
    /// A session start answered by a person within 30 s (京东's rate).
    pub within_30s: bool,
    /// A session start whose every round that needed a person was answered by one within
    /// 180 s (抖店's rates).
    pub session_within_3min: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Order {
    pub order_id: String,
    pub buyer: String,
    pub created_at: LocalTime,
    pub paid_at: Option<LocalTime>,
    pub amount: Yuan,
    pub items: i64,
    pub attribution: Attribution,
}

/// The reception the order went to (last touch), or silent.
#[derive(Debug, Serialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Attribution {
    Attributed {
        /// null: a colleague whose name the store does not show to agents.
        account: Option<String>,
        day: Date,
        answer_at: LocalTime,
        /// The winning reception is an inquiry (else the order counts in sales only).
        inquiry: bool,
    },
    Silent,
}

impl From<&Option<Winner>> for Attribution {
    fn from(w: &Option<Winner>) -> Self {
        match w {
            Some(w) => Attribution::Attributed {
                account: credited(&w.account),
                day: w.day.into(),
                answer_at: LocalTime::at(w.answer),
                inquiry: w.inquiry,
            },
            None => Attribution::Silent,
        }
    }
}

/// An order the agent reminded the buyer to pay.
#[derive(Debug, Serialize, ToSchema)]
pub struct Reminder {
    pub order_id: String,
    pub account: String,
    pub buyer: String,
    pub created_at: LocalTime,
    pub reminded_at: LocalTime,
    pub paid: bool,
    pub amount: Yuan,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Rating {
    pub account: String,
    pub buyer: String,
    pub time: LocalTime,
    pub score: u8,
    pub satisfied: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Refund {
    pub refund_id: String,
    pub order_id: String,
    pub account: String,
    pub buyer: String,
    pub requested_at: LocalTime,
    pub finished_at: Option<LocalTime>,
    pub amount: Yuan,
    #[schema(schema_with = refund_statuses)]
    pub status: &'static str,
    pub refund_secs: Option<Secs>,
}

fn refund_statuses() -> Object {
    use RefundStatus as R;
    one_of([R::Success, R::Closed, R::Pending].map(R::as_str), "")
}

impl From<&Items> for ListItems {
    fn from(items: &Items) -> Self {
        match items {
            Items::Receptions(v) => ListItems::Receptions(
                v.iter()
                    .map(|r| Reception {
                        account: r.account.clone(),
                        buyer: r.buyer.clone(),
                        day: r.day.into(),
                        first_time: LocalTime::at(r.first_time),
                        consulted: r.consulted,
                        served: r.served,
                        unreplied: r.unreplied,
                        inquiry: r.inquiry,
                        after_sale: r.after_sale,
                        slow: r.slow,
                        first_response_secs: Secs::of(r.first_response_ms),
                        duration_secs: Secs::of(Some(r.duration_ms)),
                        buyer_msgs: r.buyer_msgs,
                        agent_msgs: r.agent_msgs,
                        rounds: r.rounds,
                        attributed_orders: r.attributed_orders,
                        attributed_paid: r.attributed_paid,
                        sales: Yuan::of_cents(r.sales_cents),
                        human_reply_secs: Secs::of(r.human_reply_ms),
                        max_wait_secs: Secs::of(r.max_wait_ms),
                        rule_hits: r.hits,
                    })
                    .collect(),
            ),
            Items::Rounds(v) => ListItems::Rounds(
                v.iter()
                    .map(|r| Round {
                        account: r.account.clone(),
                        buyer: r.buyer.clone(),
                        day: r.day.into(),
                        open: LocalTime::at(r.round.open),
                        outcome: (&r.round.outcome).into(),
                        response_secs: Secs::of(r.round.response_ms()),
                        wait_secs: Secs::of(r.round.wait_ms()),
                        within_3min: r.within_3min,
                        starts_session: r.starts_session,
                        within_30s: r.within_30s,
                        session_within_3min: r.session_within_3min,
                    })
                    .collect(),
            ),
            Items::Orders(v) => ListItems::Orders(
                v.iter()
                    .map(|o| Order {
                        order_id: o.order_id.clone(),
                        buyer: o.buyer.clone(),
                        created_at: LocalTime::at(o.created_at),
                        paid_at: o.paid_at.map(LocalTime::at),
                        amount: Yuan::of_cents(o.amount),
                        items: o.items,
                        attribution: (&o.winner).into(),
                    })
                    .collect(),
            ),
            Items::Reminders(v) => ListItems::Reminders(
                v.iter()
                    .map(|o| Reminder {
                        order_id: o.order_id.clone(),
                        account: o.account.clone(),
                        buyer: o.buyer.clone(),
                        created_at: LocalTime::at(o.created_at),
                        reminded_at: LocalTime::at(o.reminded_at),
                        paid: o.paid,
                        amount: Yuan::of_cents(o.amount),
                    })
                    .collect(),
            ),
            Items::Ratings(v) => ListItems::Ratings(
                v.iter()
                    .map(|r| Rating {
                        account: r.account.clone(),
                        buyer: r.buyer.clone(),
                        time: LocalTime::at(r.time),
                        score: r.score,
                        satisfied: r.satisfied,
                    })
                    .collect(),
            ),
            Items::Refunds(v) => ListItems::Refunds(
                v.iter()
                    .map(|r| Refund {
                        refund_id: r.refund_id.clone(),
                        order_id: r.order_id.clone(),
                        account: r.account.clone(),
                        buyer: r.buyer.clone(),
                        requested_at: LocalTime::at(r.requested_at),
                        finished_at: r.finished_at.map(LocalTime::at),
                        amount: Yuan::of_cents(r.amount),
                        status: r.status,
                        refund_secs: Secs::of(r.finished_at.map(|f| f - r.requested_at)),
                    })
                    .collect(),
            ),
        }
    }
}

/// The query of `/api/v1/list` (the filters of the /list page).
pub enum ListApiQuery {}

impl IntoParams for ListApiQuery {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let int = |min: usize, max: Option<usize>| {
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(min))
                .maximum(max)
        };
        let bins: Vec<String> = RESPONSE_BINS
            .iter()
            .enumerate()
            .map(|(i, &bin)| format!("{i}: {}", bin_label(bin)))
            .collect();
        let [from, to] = range_params();
        vec![
            crate::api::store_param(),
            param("account", false, text(), "one chat account"),
            param("group", false, text(), "one roster group (people only)"),
            param(
                "ungrouped",
                false,
                one_of(["1"], ""),
                "the people without a group",
            ),
            from,
            to,
            param("day", false, day(), "one day (instead of from/to)"),
            param(
                "figure",
                false,
                figure_keys(),
                "the figure; required unless hour or bucket is given",
            ),
            param(
                "hour",
                false,
                int(0, Some(23)).build(),
                "consulted receptions whose buyer first wrote in this hour (figure consulted)",
            ),
            param(
                "bucket",
                false,
                int(0, Some(RESPONSE_BINS.len() - 1)).build(),
                &format!(
                    "rounds of one bin of the response-time histogram (figure avg_response_secs): {}",
                    bins.join(", ")
                ),
            ),
            param(
                "sort",
                false,
                one_of(ListSort::ALL.map(ListSort::key), ""),
                "the order of the whole list, before paging (the kind must offer it): time; \
                 wait, max_wait (receptions, rounds); duration (receptions, refunds); amount \
                 (receptions, orders, reminders, refunds); score (ratings); hits (receptions); \
                 ties keep the time order",
            ),
            param(
                "dir",
                false,
                one_of(["desc", "asc"], ""),
                "desc or asc; by default asc for time and score, desc otherwise",
            ),
            param(
                "only",
                false,
                one_of(ListFilter::ALL.map(ListFilter::key), ""),
                "keep only: lost (inquiries without an order), low_rating (rated below \
                 satisfied that day), refund (a refund asked that day; orders: refunded), \
                 rule_hits (receptions that hit a quality rule)",
            ),
            param(
                "page",
                false,
                int(1, None).default(Some(1.into())).build(),
                "1-based page",
            ),
            param(
                "per_page",
                false,
                int(1, Some(API_MAX_ROWS))
                    .default(Some(PAGE_ROWS.into()))
                    .build(),
                "items per page",
            ),
        ]
    }
}

/// `GET /api/v1/list`: the items behind a figure, with the page's filters, as JSON.
#[utoipa::path(
    get,
    path = "/api/v1/list",
    summary = "The items behind a figure (the receptions, rounds, orders, reminders, ratings or refunds it counts), a page at a time",
    description = "The filters of the /list page. A rate or an average lists the items of its denominator (reply_rate: the consulted receptions; avg_response_secs: the rounds it averages; avg_order_value: the paid attributed orders), so the figure can be recomputed from the items. Store-level figures (total_*, silent_*) are for users who see the whole store.",
    params(ListApiQuery),
    responses((status = 200, description = "one page of the items", body = ListPage), HeavyErrors)
)]
pub async fn api_list(
    State(state): State<AppState>,
    user: CurrentUser,
    query: Result<Query<ListParams>, QueryRejection>,
) -> Result<axum::Json<ListPage>, ApiError> {
    let Query(p) = query.map_err(|e| WebError::BadRequest(e.body_text()))?;
    let req = parse_request(&p, API_MAX_ROWS)?;
    let u = user.session.user.clone();
    let config = state.config.clone();
    let (figure, page_no, per_page) = (req.figure, req.page, req.per_page);
    let offset = (page_no - 1).saturating_mul(per_page);
    let l = state
        .heavy(u.id, move |db| {
            let settings = |name: &str| config.store(name).metrics.clone();
            load(db, settings, &u, &p, &req, offset, per_page)
        })
        .await?;
    let kind = l.listing.kind;
    Ok(axum::Json(ListPage {
        store: l.store.name().to_string(),
        account: match &l.who {
            Whose::Account(a) => Some(a.clone()),
            _ => None,
        },
        group: match &l.who {
            Whose::Group(_) => l.who.name().map(str::to_string),
            _ => None,
        },
        from: l.from.into(),
        to: l.to.into(),
        figure: figure.key,
        value: l
            .value
            .map_or(serde_json::Value::Null, kefu_report::json_value),
        kind: kind.into(),
        total: l.listing.total,
        amount: match kind {
            explain::ItemKind::Orders
            | explain::ItemKind::Reminders
            | explain::ItemKind::Refunds => Some(Yuan::of_cents(l.listing.amount_cents)),
            _ => None,
        },
        page: page_no,
        per_page,
        items: (&l.listing.items).into(),
    }))
}
