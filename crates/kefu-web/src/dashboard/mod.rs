//! The overview and ranking pages and the report API.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use kefu_core::figures::{Direction, Figure};
use kefu_core::time::Day;
use serde::Deserialize;

use crate::access::{self, Rows, StoreScope};
use crate::auth::CurrentUser;
use crate::i18n::{self, Lang, S, Strings};
use crate::report::{self, By, Row};
use crate::routes::Routes;
use crate::ui::charts::{self, Bar};
use crate::ui::frame::{error_page, frame};
use crate::ui::html::{Markup, bar_chart, html, page, url};
use crate::ui::links::{Who, list_link, list_link_prefix};
use crate::ui::table::{self, Cell, Column, Table};
use crate::{ApiError, AppState, WebError};

mod api;
pub(crate) mod export;
mod overview;
mod platform_tables;
pub(crate) mod ranking;
mod start;

pub(crate) use api::*;
pub(crate) use overview::*;
pub(crate) use ranking::*;
pub(crate) use start::*;

#[derive(Debug, Default, Deserialize)]
pub struct Params {
    pub from: Option<String>,
    pub to: Option<String>,
    pub store: Option<String>,
    pub lang: Option<String>,
    pub by: Option<String>,
    pub sort: Option<String>,
    pub dir: Option<String>,
    pub chart: Option<String>,
    pub format: Option<String>,
    /// Ranking filters: a roster group, and a role (presale, aftersale, bot).
    pub group: Option<String>,
    pub role: Option<String>,
    /// A table of the page as a file: `xlsx` or `csv`, and which table (the first if unset).
    pub export: Option<String>,
    pub table: Option<String>,
    /// The start page's period: the last 1, 7 or 30 days with data.
    pub days: Option<String>,
    /// The ranking's columns: figure keys, comma-separated, or `all`.
    pub cols: Option<String>,
}

/// The requested download of a page's table, if any.
pub(crate) fn export_format(p: &Params) -> Result<Option<table::Format>, WebError> {
    table::requested(p.export.as_deref())
}

/// Whether a ranking row passes the page's group and role filters (empty = everyone).
pub(crate) fn passes(p: &Params, row: &Row, info: Option<&kefu_store::AccountInfo>) -> bool {
    let group_ok = p
        .group
        .as_deref()
        .filter(|g| !g.is_empty())
        .is_none_or(|g| info.and_then(|a| a.group.as_deref()) == Some(g));
    let role_ok = match p.role.as_deref().filter(|r| !r.is_empty()) {
        None => true,
        Some("bot") => row.is_bot,
        Some(r) => !row.is_bot && info.and_then(|a| a.role).map(|x| x.as_str()) == Some(r),
    };
    group_ok && role_ok
}

/// Query string of a page for `store` and a range, plus `extra` (already encoded).
fn link(path: &str, store: &str, from: Day, to: Day, extra: &str) -> String {
    format!("{path}?store={}&from={from}&to={to}{extra}", url(store))
}

/// The days a page shows, and the last day with data (for the quick ranges).
#[derive(Clone, Copy)]
struct Span {
    from: Day,
    to: Day,
    last: Day,
}

/// The store, range and date filters shared by the pages; `extra` are more fields of the form
/// (the ranking's group and role, its sort as hidden fields).
fn filters(
    lang: Lang,
    path: &str,
    allowed: &[StoreScope],
    store: &str,
    span: Span,
    extra: Markup,
) -> Markup {
    let Span { from, to, last } = span;
    let lq = format!("&lang={}", lang.code());
    html! {
        form.filters method="get" action=(path) {
            input type="hidden" name="lang" value=(lang.code());
            (extra)
            label {
                (lang.s(S::Store)) br;
                select name="store" {
                    @for a in allowed {
                        option selected[a.name() == store] { (a.name()) }
                    }
                }
            }
            label { (lang.s(S::From)) br; input type="date" name="from" value=(from); }
            label { (lang.s(S::To)) br; input type="date" name="to" value=(to); }
            button type="submit" { (lang.s(S::Show)) }
            span.quick title={ (lang.s(S::QuickRanges)) ": " (last) } {
                @for (n, &(s, f, t)) in quick_ranges(last).iter().enumerate() {
                    @if n > 0 { " " }
                    a href=(link(path, store, f, t, &lq)) { (lang.s(s)) }
                }
            }
        }
    }
}

/// The quick ranges, relative to `last`, the last day with data (demo data may lie in the
/// past): today, yesterday, the last 7 and 30 days, and this month up to `last`.
fn quick_ranges(last: Day) -> [(S, Day, Day); 5] {
    let (y, m, _) = last.ymd();
    let month = Day::from_ymd(y, m, 1).unwrap_or(last);
    [
        (S::Today, last, last),
        (S::Yesterday, last.offset(-1), last.offset(-1)),
        (S::Last7, last.offset(-6), last),
        (S::Last30, last.offset(-29), last),
        (S::ThisMonth, month, last),
    ]
}

/// The store row (what the user may see of it) over `[from, to]`.
fn store_row(
    db: &kefu_store::Db,
    from: Day,
    to: Day,
    only: &[StoreScope],
) -> Result<Row, WebError> {
    report::build(db, By::Store, from, to, only)?
        .rows
        .pop()
        .ok_or_else(|| WebError::Internal("store row missing".into()))
}

/// The one store a page shows: the requested one or the first the user may see.
fn one_store(allowed: Vec<StoreScope>) -> Result<StoreScope, WebError> {
    allowed
        .into_iter()
        .next()
        .ok_or_else(|| WebError::missing("没有可显示的店铺", "no store to show"))
}

/// The overview, the ranking (and its old download address), the report API and nothing else.
pub(crate) fn routes(r: Routes) -> Routes {
    r.get("/", start)
        .get("/overview", overview)
        .get("/ranking", ranking)
        .form("/ranking/view", ranking::save_view)
        .get("/ranking/export", export::ranking)
        .get("/api/v1/report", api_report)
}

#[cfg(test)]
mod tests {
    use super::best_and_worst;
    use kefu_core::figures::Direction;

    #[test]
    fn best_and_worst_follow_the_direction_and_leave_volumes_alone() {
        let v = [3.0, 1.0, 2.0];
        assert_eq!(
            best_and_worst(Direction::HigherIsBetter, &v),
            (Some(3.0), Some(1.0))
        );
        assert_eq!(
            best_and_worst(Direction::LowerIsBetter, &v),
            (Some(1.0), Some(3.0))
        );
        assert_eq!(best_and_worst(Direction::Neutral, &v), (None, None));
        assert_eq!(
            best_and_worst(Direction::HigherIsBetter, &[2.0, 2.0]),
            (None, None)
        );
        assert_eq!(best_and_worst(Direction::LowerIsBetter, &[]), (None, None));
    }
}
