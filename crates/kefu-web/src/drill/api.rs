//! `GET /api/v1/transcript`: one reception as JSON, and the types of that answer.

use kefu_core::model::Sender;
use kefu_report::explain::{Line, OrderView};
use serde::Serialize;
use utoipa::openapi::path::{Parameter, ParameterIn};
use utoipa::openapi::schema::Object;
use utoipa::{IntoParams, ToSchema};

use super::*;
use crate::api::{
    Date, HeavyErrors, LocalTime, Outcome, Secs, Yuan, credited, day, one_of, param, text,
};

/// One reception: its flags, the day's messages with rounds marked, the rounds, and the
/// buyer's orders with the reason they were or were not attributed.
#[derive(Debug, Serialize, ToSchema)]
pub struct Transcript {
    pub store: String,
    pub account: String,
    pub buyer: String,
    pub day: Date,
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
    pub bot_msgs: u32,
    pub auto_msgs: u32,
    pub sales: Yuan,
    pub messages: Vec<Message>,
    pub rounds: Vec<TranscriptRound>,
    pub orders: Vec<TranscriptOrder>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Message {
    pub time: LocalTime,
    /// auto and system messages never answer a round.
    #[schema(schema_with = senders)]
    pub sender: &'static str,
    pub text: String,
    /// The account a system message hands the conversation to.
    pub transfer_to: Option<String>,
    pub mark: Option<RoundMark>,
}

fn senders() -> Object {
    one_of(
        Sender::ALL.map(Sender::as_str),
        "auto and system messages never answer a round",
    )
}

/// What a message does to the rounds (numbered from 1): it opens one, or answers one.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum RoundMark {
    Opens { opens: usize },
    Answers { answers: usize, response_secs: Secs },
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TranscriptRound {
    pub round: usize,
    pub open: LocalTime,
    pub outcome: Outcome,
    pub response_secs: Option<Secs>,
    pub wait_secs: Option<Secs>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TranscriptOrder {
    pub order_id: String,
    pub created_at: LocalTime,
    pub paid_at: Option<LocalTime>,
    pub amount: Yuan,
    /// Placed on the day before the buyer's first message: the reception is no inquiry.
    pub before_question: bool,
    pub attribution: OrderReason,
}

/// Why the order went where it went.
#[derive(Debug, Serialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OrderReason {
    /// Won by this reception with the answer at `answer_at`.
    Here { answer_at: LocalTime },
    /// Won by another reception.
    Elsewhere {
        /// null: a colleague whose name the store does not show to agents.
        account: Option<String>,
        day: Date,
        answer_at: LocalTime,
        /// This reception's last answer before the order.
        own_last_answer: Option<LocalTime>,
    },
    /// No answer before the order within the window.
    Silent,
}

impl From<&Line> for Message {
    fn from(m: &Line) -> Self {
        Message {
            time: LocalTime::at(m.time),
            sender: m.sender.as_str(),
            text: m.text.clone(),
            transfer_to: m.transfer_to.clone(),
            mark: m.mark.map(|mark| match mark {
                Mark::Opens { round } => RoundMark::Opens { opens: round },
                Mark::Answers { round, response_ms } => RoundMark::Answers {
                    answers: round,
                    response_secs: Secs::of_ms(response_ms),
                },
            }),
        }
    }
}

impl From<&OrderView> for TranscriptOrder {
    fn from(o: &OrderView) -> Self {
        TranscriptOrder {
            order_id: o.order_id.clone(),
            created_at: LocalTime::at(o.created_at),
            paid_at: o.paid_at.map(LocalTime::at),
            amount: Yuan::of_cents(o.amount),
            before_question: o.before_question,
            attribution: match &o.reason {
                Reason::Here { answer } => OrderReason::Here {
                    answer_at: LocalTime::at(*answer),
                },
                Reason::Elsewhere {
                    account,
                    day,
                    answer,
                    own_answer,
                } => OrderReason::Elsewhere {
                    account: credited(account),
                    day: (*day).into(),
                    answer_at: LocalTime::at(*answer),
                    own_last_answer: own_answer.map(LocalTime::at),
                },
                Reason::Silent => OrderReason::Silent,
            },
        }
    }
}

/// The query of `/api/v1/transcript`.
pub enum TranscriptQuery {}

impl IntoParams for TranscriptQuery {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![
            crate::api::store_param(),
            param("account", true, text(), ""),
            param("buyer", true, text(), ""),
            param("day", true, day(), ""),
        ]
    }
}

/// `GET /api/v1/transcript?store=&account=&buyer=&day=`: one reception as JSON: its flags,
/// messages (each with its sender and what it does to the rounds), rounds, and the orders
/// with the reason they were or were not attributed.
#[utoipa::path(
    get,
    path = "/api/v1/transcript",
    summary = "One reception: its flags, the day's messages with rounds marked, the rounds, and the buyer's orders with the reason they were or were not attributed",
    params(TranscriptQuery),
    responses((status = 200, description = "the reception", body = Transcript), HeavyErrors)
)]
pub async fn api_transcript(
    State(state): State<AppState>,
    user: CurrentUser,
    query: Result<Query<DrillParams>, QueryRejection>,
) -> Result<Json<Transcript>, ApiError> {
    let Query(p) = query.map_err(|e| WebError::BadRequest(e.body_text()))?;
    let (Loaded { store, x }, _, _) = load_reception(&state, &user, p).await?;
    let r = &x.receptions[0];
    Ok(Json(Transcript {
        store: store.name().to_string(),
        account: x.account.clone(),
        buyer: r.buyer.clone(),
        day: r.day.into(),
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
        bot_msgs: r.bot_msgs,
        auto_msgs: r.auto_msgs,
        sales: Yuan::of_cents(r.sales_cents),
        messages: r.messages.iter().map(Message::from).collect(),
        rounds: r
            .rounds
            .iter()
            .enumerate()
            .map(|(k, round)| TranscriptRound {
                round: k + 1,
                open: LocalTime::at(round.open),
                outcome: (&round.outcome).into(),
                response_secs: Secs::of(round.response_ms()),
                wait_secs: Secs::of(round.wait_ms()),
            })
            .collect(),
        orders: r.orders.iter().map(TranscriptOrder::from).collect(),
    }))
}
