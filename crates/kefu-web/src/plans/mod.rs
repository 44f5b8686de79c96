//! Performance plans in the browser: stored versions, editing with validation and a preview
//! of every agent's score and pay before saving (what-if), the team ranking with grades and
//! movement, payslips with links down to the receptions and orders, hand-entered scores,
//! the payroll workbook and `/api/v1/plans/run`.
//!
//! Plans belong to stores (`kefu_store` `plan_stores`): a store runs only its plans. A plan is
//! seen and edited by admins and by the supervisor of its one store (`access::may_edit_plan`);
//! hand-entered scores are a store's and are entered by whoever edits that store's settings.
//! Everyone sees the ranking of the stores they may see, limited to the rows they may see: an
//! agent sees only their own payslip.

use std::collections::{HashMap, HashSet};

use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use kefu_app::plans::PlanRunError;
use kefu_plan::{Explained, Month, Payslip, PlanResult, score_text, weight_text};
use kefu_report::plans as render;
use kefu_store::plans::{PlanScore, SALES_TARGET_ITEM};
use kefu_store::{Db, User};
use serde::Deserialize;

use crate::access::{self, StoreScope};
use crate::auth::{CurrentUser, LangQuery};
use crate::i18n::{self, Lang, S, Strings};
use crate::limits::PLAN_FORM_LIMIT;
use crate::routes::Routes;
use crate::ui::format::money;
use crate::ui::frame::{error_page, frame};
use crate::ui::html::{Markup, html, url};
use crate::ui::links::account_link;
use crate::ui::links::{Who, list_link};
use crate::{ApiError, AppState, WebError};

mod api;
mod edit;
mod form;
mod index;
mod run;
mod scores;

pub(crate) use api::*;
pub(crate) use edit::*;
pub(crate) use form::*;
pub(crate) use index::*;
pub(crate) use run::*;
pub(crate) use scores::*;

/// The plan a new one starts from.
const TEMPLATE: &str = kefu_plan::SHIPPED[0].1;

#[derive(Debug, Default, Deserialize)]
pub struct PlanParams {
    pub store: Option<String>,
    pub month: Option<String>,
    pub plan: Option<String>,
    pub account: Option<String>,
    pub version: Option<String>,
    /// `toml` for the plan editor's text page (the form otherwise).
    #[serde(rename = "as")]
    pub view: Option<String>,
    pub lang: Option<String>,
}

impl From<PlanRunError> for WebError {
    /// A stored plan this version cannot read (saved by another version, or written into the
    /// database by hand) and a pay too large to compute are the data's problems, said to the
    /// user with the plan and line at fault, not internal errors.
    fn from(e: PlanRunError) -> WebError {
        use kefu_core::localized::Localized;
        match e {
            PlanRunError::Store(e) => WebError::Store(e),
            other => WebError::invalid(other.zh(), other.en()),
        }
    }
}

fn bad_month(s: &str) -> WebError {
    WebError::invalid(
        format!("`{s}` 不是如 2026-11 的月份"),
        format!("`{s}` is not a month like 2026-11"),
    )
}

/// The store the user asked for (or their first) and the month (or the store's last month
/// with data).
fn scope(db: &Db, user: &User, p: &PlanParams) -> Result<(StoreScope, Month), WebError> {
    scope_in(db, &access::allowed(db, user, None)?, p)
}

/// [`scope`] among `stores`, the stores the user may see (for pages that list them too).
fn scope_in(
    db: &Db,
    stores: &[StoreScope],
    p: &PlanParams,
) -> Result<(StoreScope, Month), WebError> {
    let store = access::chosen(stores, p.store.as_deref())?;
    let month = match p.month.as_deref().filter(|m| !m.is_empty()) {
        Some(m) => Month::parse(m).ok_or_else(|| bad_month(m))?,
        None => store.day_span(db)?.map_or(
            Month {
                year: 2026,
                month: 1,
            },
            |(_, last)| Month::of(last),
        ),
    };
    Ok((store, month))
}

/// Keeps only the payslips `store.rows` lets the user see.
fn visible(
    db: &Db,
    store: &StoreScope,
    mut results: Vec<PlanResult>,
) -> Result<Vec<PlanResult>, WebError> {
    if store.whole() {
        return Ok(results);
    }
    if !store.sees_store_totals() {
        // Gone from the results, so that no page or API response can show them; pages say
        // why where they would be.
        for r in &mut results {
            r.headcount = 0;
            r.store_sales_cents = 0;
            for line in r.payslips.iter_mut().flat_map(|p| p.pay.iter_mut()) {
                if line.kind == "pool" {
                    line.formula.clear();
                }
            }
        }
    }
    let names: HashSet<String> = store
        .own_accounts(db)?
        .into_iter()
        .map(|a| a.name)
        .collect();
    for r in &mut results {
        r.payslips.retain(|p| names.contains(&p.account));
        r.paid_by_other_plan.retain(|p| names.contains(&p.account));
        r.unpaid_with_sales.retain(|p| names.contains(&p.account));
    }
    results.retain(|r| !r.payslips.is_empty());
    Ok(results)
}

fn q(store: &StoreScope, month: Month, lang: Lang) -> String {
    format!(
        "store={}&month={month}&lang={}",
        url(store.name()),
        lang.code()
    )
}

fn month_form(
    lang: Lang,
    path: &str,
    stores: &[StoreScope],
    store: &StoreScope,
    month: Month,
    extra: Markup,
) -> Markup {
    html! {
        form.filters method="get" action=(path) {
            input type="hidden" name="lang" value=(lang.code());
            (extra)
            label {
                (lang.t("店铺", "Store")) br;
                select name="store" {
                    @for a in stores {
                        option selected[a.name() == store.name()] { (a.name()) }
                    }
                }
            }
            label {
                (lang.t("月份", "Month")) br;
                input type="month" name="month" value=(month);
            }
            button type="submit" { (lang.t("查看", "Show")) }
        }
    }
}

/// The head of a table: a column per (Chinese, English) name.
fn head(lang: Lang, names: &[(&str, &str)]) -> Markup {
    html! { thead { tr { @for (zh, en) in names { th { (lang.t(zh, en)) } } } } }
}

/// Plans: their ranking, a run, payslips, the export, the editor and hand-entered scores.
pub(crate) fn routes(r: Routes) -> Routes {
    r.get("/plans", index)
        .get("/plans/run", run_page)
        .get("/plans/payslip", payslip)
        .get("/plans/export", export)
        .page_and_form("/plans/edit", PLAN_FORM_LIMIT, edit, edit_post)
        .post("/plans/preview", PLAN_FORM_LIMIT, preview)
        .post("/plans/save", PLAN_FORM_LIMIT, save)
        .page_and_form("/plans/scores", PLAN_FORM_LIMIT, scores_page, save_scores)
        .get("/api/v1/plans/run", api_run)
}
