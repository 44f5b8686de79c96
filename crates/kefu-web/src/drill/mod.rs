//! Drill-down: the receptions behind an account's figures (`/account`), and one reception's
//! transcript with its rounds and orders (`/reception`). The data comes from
//! `kefu_report::explain`, the same as `kefu explain` prints.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Response};
use kefu_core::figures::{C, Counters, nearest_rank};
use kefu_core::time::{Day, format_time};
use kefu_report::explain::{Explanation, Mark, Reason, ReceptionView, Scope};
use serde::Deserialize;

use crate::access::{self, StoreScope};
use crate::auth::CurrentUser;
use crate::i18n::{self, Lang, S, Strings};
use crate::limits::PAGE_ROWS;
use crate::report::explain_error;
use crate::routes::Routes;
use crate::ui::charts::{self, Bar};
use crate::ui::format::{duration_ms, money};
use crate::ui::frame::{error_page, yes};
use crate::ui::html::{Markup, html, page};
use crate::ui::links::{RESPONSE_BINS, Who, account_link, bin_label, list_link, reception_link};
use crate::ui::table::{self, Cell, Column, Content, Table};
use crate::ui::transcript::{QaMarks, reception_transcript, round_outcome};
use crate::{ApiError, AppState, WebError, report};

mod account;
mod api;
mod reception;

pub(crate) use account::*;
pub(crate) use api::*;
pub(crate) use reception::*;

/// Longest range the account page lists reception by reception; of a longer range it lists
/// the last days.
pub const MAX_DRILL_DAYS: i32 = 31;

#[derive(Debug, Default, Deserialize)]
pub struct DrillParams {
    pub store: Option<String>,
    pub account: Option<String>,
    pub buyer: Option<String>,
    pub day: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub lang: Option<String>,
    /// A table of the page as a file (`xlsx`, `csv`), and which table.
    pub export: Option<String>,
    pub table: Option<String>,
    /// The page of the account page's receptions table (1-based).
    pub page: Option<String>,
}

fn required<'a>(v: &'a Option<String>, what: &str) -> Result<&'a str, WebError> {
    v.as_deref()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| WebError::invalid(format!("缺少 `{what}`"), format!("`{what}` is required")))
}

struct Loaded {
    store: StoreScope,
    x: Explanation,
}

/// An account's drill-down, a reception's transcript and the transcript API.
pub(crate) fn routes(r: Routes) -> Routes {
    r.get("/account", account)
        .get("/reception", reception)
        .get("/api/v1/transcript", api_transcript)
}
