//! The JSON API's shared vocabulary: the error body and the error answers every endpoint may
//! give, and the value types answers are made of (store-local times, days, seconds, yuan, a
//! round's outcome). Each feature module owns the types of its own answers and builds them
//! from these; [`crate::openapi`] derives the API document from all of them, so what the API
//! answers and what the document says are the same Rust types.

use std::collections::BTreeMap;

use kefu_core::money::yuan_f64;
use kefu_core::time::{Day, Millis, format_time};
use kefu_report::explain::RoundOutcome;
use serde::Serialize;
use utoipa::openapi::content::Content;
use utoipa::openapi::header::Header;
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::schema::{KnownFormat, Object, ObjectBuilder, Schema, SchemaFormat, Type};
use utoipa::openapi::{Ref, RefOr, Required};
use utoipa::{IntoResponses, PartialSchema, ToResponse, ToSchema};

/// What went wrong, as a stable code a script can test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    BadRequest,
    Unauthenticated,
    Forbidden,
    NotFound,
    /// Too many requests that analyse raw events at once; retry after `Retry-After` seconds.
    Busy,
    /// The request took longer than the server's time limit.
    Timeout,
    /// Details are in the server's log only.
    Internal,
}

/// Every error the API answers: `{"error": {"code", "message"}}`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Error)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    pub code: ErrorCode,
    /// For people; may change between versions (the code does not).
    pub message: String,
}

const ERROR_RESPONSE: &str = "Error";

impl<'r> ToResponse<'r> for ErrorBody {
    fn response() -> (&'r str, RefOr<Response>) {
        (
            ERROR_RESPONSE,
            ResponseBuilder::new()
                .description("an error with a stable code")
                .content("application/json", json_of::<ErrorBody>())
                .build()
                .into(),
        )
    }
}

/// JSON content of the component schema `T`.
fn json_of<T: ToSchema>() -> Content {
    Content::new(Some(Ref::from_schema_name(T::name())))
}

fn error_ref() -> RefOr<Response> {
    RefOr::Ref(Ref::from_response_name(ERROR_RESPONSE))
}

/// The errors every endpoint may answer besides its own: a malformed query (400), no
/// session or token (401), a store or account the user may not see or that does not exist
/// (404).
pub struct Errors;

impl IntoResponses for Errors {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        ["400", "401", "404"]
            .into_iter()
            .map(|code| (code.to_string(), error_ref()))
            .collect()
    }
}

/// [`Errors`] of an answer that analyses raw events ([`crate::AppState::heavy`]): it can also
/// be 503, busy.
pub struct HeavyErrors;

impl IntoResponses for HeavyErrors {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        let mut all = Errors::responses();
        let busy = ResponseBuilder::new()
            .description(
                "busy (code `busy`): too many requests that analyse raw events at once; \
                 retry after the Retry-After header's seconds",
            )
            .header("Retry-After", Header::new(i64::schema()))
            .content("application/json", json_of::<ErrorBody>())
            .build();
        all.insert("503".to_string(), busy.into());
        all
    }
}

/// A store-local time, `YYYY-MM-DD HH:MM:SS[.mmm]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(transparent)]
pub struct LocalTime(String);

impl LocalTime {
    pub fn at(t: Millis) -> Self {
        LocalTime(format_time(t))
    }
}

/// A day, `YYYY-MM-DD`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(transparent)]
#[schema(format = Date)]
pub struct Date(String);

impl From<Day> for Date {
    fn from(d: Day) -> Self {
        Date(d.to_string())
    }
}

/// A duration in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, ToSchema)]
#[serde(transparent)]
pub struct Secs(f64);

impl Secs {
    pub fn of_ms(ms: i64) -> Self {
        Secs(ms as f64 / 1000.0)
    }

    /// `None` stays `None`: a duration that is undefined (no answer yet).
    pub fn of(ms: Option<i64>) -> Option<Self> {
        ms.map(Secs::of_ms)
    }
}

/// An amount of money in yuan (元), from integer cents.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, ToSchema)]
#[serde(transparent)]
pub struct Yuan(f64);

impl Yuan {
    pub fn of_cents(cents: i64) -> Self {
        Yuan(yuan_f64(cents))
    }
}

/// How a round ended.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Outcome {
    AgentAnswered {
        at: LocalTime,
    },
    BotAnswered {
        at: LocalTime,
    },
    /// Handed to another account by a system message.
    Transferred {
        at: LocalTime,
        to: String,
    },
    Unanswered,
}

impl From<&RoundOutcome> for Outcome {
    fn from(o: &RoundOutcome) -> Self {
        match o {
            RoundOutcome::Answered { at, by_bot: true } => Outcome::BotAnswered {
                at: LocalTime::at(*at),
            },
            RoundOutcome::Answered { at, by_bot: false } => Outcome::AgentAnswered {
                at: LocalTime::at(*at),
            },
            RoundOutcome::Transferred { at, to } => Outcome::Transferred {
                at: LocalTime::at(*at),
                to: to.clone(),
            },
            RoundOutcome::Unanswered => Outcome::Unanswered,
        }
    }
}

/// The account credited with an order: `None` (`null`) where the store hides a colleague's
/// name from agents (the explanation leaves it empty).
pub fn credited(account: &str) -> Option<String> {
    (!account.is_empty()).then(|| account.to_string())
}

/// A string schema that takes one of `values` (for fields whose values come from a domain
/// list, e.g. the figure keys or the rule severities, so the document follows the list).
pub fn one_of<'a>(values: impl IntoIterator<Item = &'a str>, description: &str) -> Object {
    choice(values, description).build()
}

fn choice<'a>(values: impl IntoIterator<Item = &'a str>, description: &str) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(values.into_iter().map(str::to_string)))
        .description(Some(description).filter(|d| !d.is_empty()))
}

/// The `by` parameter: what the rows are, one of `values`, the first the default.
pub fn by_param(values: &[&str]) -> Parameter {
    let schema = choice(values.iter().copied(), "")
        .default(values.first().map(|&v| v.into()))
        .build();
    param("by", false, schema, "rows by")
}

/// A query parameter of an endpoint; `required` ones answer 400 when missing.
pub fn param(
    name: &str,
    required: bool,
    schema: impl Into<RefOr<Schema>>,
    description: &str,
) -> Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Query)
        .required(if required {
            Required::True
        } else {
            Required::False
        })
        .schema(Some(schema))
        .description(Some(description).filter(|d| !d.is_empty()))
        .build()
}

/// A string parameter.
pub fn text() -> Object {
    ObjectBuilder::new().schema_type(Type::String).build()
}

/// A day parameter, `YYYY-MM-DD`.
pub fn day() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
        .build()
}

/// The `store` parameter of most endpoints.
pub fn store_param() -> Parameter {
    param(
        "store",
        false,
        text(),
        "only this store (default: the first the user may see)",
    )
}

/// The `from` and `to` parameters of a range of days.
pub fn range_params() -> [Parameter; 2] {
    [
        param(
            "from",
            false,
            day(),
            "first day (default: the last 7 days with data)",
        ),
        param("to", false, day(), "last day, included"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn j<T: Serialize>(v: &T) -> String {
        serde_json::to_string(v).unwrap_or_default()
    }

    #[test]
    fn values_serialize_as_the_api_always_wrote_them() {
        assert_eq!(j(&LocalTime::at(0)), "\"1970-01-01 00:00:00\"");
        assert_eq!(j(&Secs::of_ms(1500)), "1.5");
        assert_eq!(j(&Secs::of(None)), "null");
        assert_eq!(j(&Yuan::of_cents(12345)), "123.45");
        assert_eq!(j(&credited("")), "null");
        assert_eq!(
            j(&Outcome::from(&RoundOutcome::Transferred {
                at: 0,
                to: "x".into()
            })),
            r#"{"kind":"transferred","at":"1970-01-01 00:00:00","to":"x"}"#
        );
        assert_eq!(
            j(&Outcome::from(&RoundOutcome::Unanswered)),
            r#"{"kind":"unanswered"}"#
        );
        assert_eq!(
            j(&ErrorBody {
                error: ErrorDetail {
                    code: ErrorCode::NotFound,
                    message: "m".into()
                }
            }),
            r#"{"error":{"code":"not_found","message":"m"}}"#
        );
    }
}
