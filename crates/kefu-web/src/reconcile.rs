//! The reconciliation page (`/reconcile`): for a store with raw chats and platform reports,
//! kefu's figure next to the platform's for every figure that means the same, per report
//! account and the period the report covers, with the difference and the known reason the
//! definitions differ — `kefu reconcile` on a page (`kefu_report::reconcile`,
//! `docs/metrics.md`, "Reconciliation").
//!
//! Whoever sees a whole store sees every row; an agent only the rows of their own accounts
//! (a report account that is no kefu account of theirs is not shown to them).

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Response};
use kefu_core::figures::{Figure, Unit, Value};
use kefu_core::time::Day;
use kefu_report::reconcile::{PAIRS, ReconRow};
use serde::Deserialize;

use crate::access::{self, Allowed, Rows};
use crate::auth::CurrentUser;
use crate::i18n::{self, Lang, S, Strings};
use crate::report;
use crate::routes::Routes;
use crate::ui::frame::error_page;
use crate::ui::html::{Markup, html, page, url};
use crate::ui::links::{Who, list_link};
use crate::ui::table::{self, Cell, Column, Table};
use crate::{AppState, WebError};

/// Days the page shows without a range: the 30 ending on the store's last day of data, so
/// that a monthly report of the last month is compared.
const DEFAULT_DAYS: i32 = 30;

#[derive(Debug, Default, Deserialize)]
pub struct Params {
    pub store: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub lang: Option<String>,
    /// The table as a file: `xlsx` or `csv`.
    pub export: Option<String>,
    pub table: Option<String>,
}

/// What the page shows.
struct Shown {
    stores: Vec<Allowed>,
    store: Allowed,
    from: Day,
    to: Day,
    rows: Vec<ReconRow>,
}

fn load(db: &kefu_store::Db, user: &kefu_store::User, p: &Params) -> Result<Shown, WebError> {
    let stores = access::allowed(db, user, None)?;
    let store = access::chosen(&stores, p.store.as_deref())?;
    let (from, to) = match (p.from.as_deref(), p.to.as_deref()) {
        (None | Some(""), None | Some("")) => match db.day_span(store.store.id)? {
            Some((first, last)) => (last.offset(1 - DEFAULT_DAYS).max(first), last),
            None => report::range(db, None, None, std::slice::from_ref(&store))?,
        },
        (from, to) => report::range(db, from, to, std::slice::from_ref(&store))?,
    };
    let mut rows = kefu_report::reconcile::reconcile(db, &store.store.name, from, to)
        .map_err(report::explain_error)?;
    if let Rows::Accounts(_) = &store.rows {
        let accounts = db.accounts(store.store.id)?;
        rows.retain(|r| {
            r.kefu_account.as_deref().is_some_and(|name| {
                accounts
                    .iter()
                    .any(|a| a.name == name && store.rows.account(a.id))
            })
        });
    }
    Ok(Shown {
        stores,
        store,
        from,
        to,
        rows,
    })
}

/// A figure's unit, for the unit column.
fn unit(lang: Lang, f: &Figure) -> &'static str {
    match f.unit {
        Unit::Count => lang.t("个", "count"),
        Unit::Yuan => lang.t("元", "yuan"),
        Unit::Percent => "%",
        Unit::Seconds => lang.t("秒", "seconds"),
        Unit::Ratio => lang.t("比值", "ratio"),
    }
}

/// A value as the figure writes it (`-` when not known); in a download, a plain number
/// (rates as fractions).
fn value(f: &'static Figure, x: Option<f64>) -> Cell {
    Cell::figure(f, Value::Ratio(x))
}

fn period(from: Day, to: Day) -> String {
    if from == to {
        from.to_string()
    } else {
        format!("{from} ~ {to}")
    }
}

/// The table: a row per report account, period and paired column.
fn table(lang: Lang, store: &str, rows: &[ReconRow]) -> Table {
    let columns = [
        S::ReportAccount,
        S::KefuAccount,
        S::PlatformName,
        S::Period,
        S::Figure,
        S::PlatformColumn,
        S::Unit,
        S::KefuValue,
        S::PlatformValue,
        S::Difference,
    ]
    .map(|s| Column::of(lang, s))
    .to_vec();
    let mut t = Table::new("reconcile", lang.s(S::Reconcile), columns);
    for r in rows {
        let f = r.figure;
        // kefu's value leads to the items behind it (nothing to list when it is unknown).
        let kefu =
            value(f, r.kefu).linked(r.kefu_account.as_deref().filter(|_| r.kefu.is_some()).map(
                |a| {
                    list_link(store, Who::Account(a), r.from, r.to, f.key)
                        + &format!("&lang={}", lang.code())
                },
            ));
        t.rows.push(vec![
            Cell::text(&r.account),
            Cell::text(r.kefu_account.as_deref().unwrap_or("-")),
            Cell::text(r.platform.name(lang == Lang::Zh)),
            Cell::text(period(r.from, r.to)),
            Cell::text(format!("{} ({})", lang.figure(f), f.key)),
            Cell::text(&r.column),
            Cell::text(unit(lang, f)),
            kefu,
            value(f, r.platform_value),
            value(f, r.difference()),
        ]);
    }
    t
}

/// The known reasons of the pairs the rows use, once each, in the pairs' order (a pair is
/// known by its figure: each figure has one pair).
fn reasons(lang: Lang, rows: &[ReconRow]) -> Markup {
    html! {
        h2 { (lang.s(S::KnownReasons)) }
        dl.reasons {
            @for p in PAIRS.iter().filter(|p| rows.iter().any(|r| r.pair.figure == p.figure)) {
                @let name = kefu_core::figures::figure(p.figure).map_or(p.figure, |f| lang.figure(f));
                dt { (name) " (" code { (p.figure) } ")" }
                dd { (lang.t(p.reason_zh, p.reason_en)) }
            }
        }
    }
}

/// The store and range picker (a GET form).
fn picker(lang: Lang, shown: &Shown) -> Markup {
    html! {
        form.filters method="get" action="/reconcile" {
            input type="hidden" name="lang" value=(lang.code());
            @if shown.stores.len() >= 2 {
                label {
                    (lang.s(S::Store)) " "
                    select name="store" {
                        @for s in &shown.stores {
                            option value=(s.store.name) selected[s.store.id == shown.store.store.id] {
                                (s.store.name)
                            }
                        }
                    }
                }
            } @else {
                input type="hidden" name="store" value=(shown.store.store.name);
            }
            label { (lang.s(S::From)) " " input type="date" name="from" value=(shown.from.to_string()); }
            label { (lang.s(S::To)) " " input type="date" name="to" value=(shown.to.to_string()); }
            button type="submit" { (lang.s(S::Show)) }
        }
    }
}

/// `GET /reconcile?store=…&from=…&to=…`
pub async fn reconcile_page(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(p): Query<Params>,
) -> Response {
    let lang = i18n::pick(p.lang.as_deref(), &headers);
    let export = match table::requested(p.export.as_deref()) {
        Ok(e) => e,
        Err(e) => return error_page(lang, &user, e),
    };
    let u = user.session.user.clone();
    let table_id = p.table.clone();
    let shown = match state.db(move |db| load(db, &u, &p)).await {
        Ok(s) => s,
        Err(e) => return error_page(lang, &user, e),
    };
    let name = &shown.store.store.name;
    let t = table(lang, name, &shown.rows);
    if let Some(format) = export {
        let file = format!("reconcile-{}-{}", shown.from, shown.to);
        return table::download(&[t], table_id.as_deref(), format, &file)
            .unwrap_or_else(|e: WebError| error_page(lang, &user, e));
    }
    let here = format!(
        "/reconcile?store={}&from={}&to={}",
        url(name),
        shown.from,
        shown.to
    );
    let profile = state.config.store(name).metrics.platform;
    let body = html! {
        (picker(lang, &shown))
        p.note { (lang.s(S::ReconcileNote)) }
        p {
            (lang.s(S::StoreProfile)) "：" (profile.name(lang == Lang::Zh)) " (" code { "platform = " (profile.as_str()) } ")"
        }
        @if shown.rows.is_empty() {
            p { (lang.s(S::NothingToReconcile)) }
        } @else {
            (t.download_links(lang, &here))
            (t.markup("reconcile"))
            (reasons(lang, &shown.rows))
        }
    };
    let page = page(lang, lang.s(S::Reconcile), Some(&user.session), &here, body);
    Html(page.into_string()).into_response()
}

pub(crate) fn routes(r: Routes) -> Routes {
    r.get("/reconcile", reconcile_page)
}
