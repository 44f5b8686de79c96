//! The items behind a figure (`/list`): the receptions, rounds, orders, reminders, ratings or
//! refunds a number counts, a page at a time, each leading on to its transcript; and the same
//! as JSON (`/api/v1/list`). The items come from `kefu_report::explain::list`, the figure's
//! value from the stored counters, so the page shows both and they can be compared.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Response};
use kefu_core::figures::{C, Counters, Figure, Value};
use kefu_core::model::NameId;
use kefu_core::settings::MetricSettings;
use kefu_core::time::{Day, format_time};
use kefu_report::explain::{self, Items, ListFilter, ListQuery, ListSort, Listing, Winner};
use kefu_store::Db;
use serde::Deserialize;

use crate::access::{self, Rows, StoreScope};
use crate::auth::CurrentUser;
use crate::i18n::{self, Lang, S, Strings};
use crate::limits::{API_MAX_ROWS, EXPORT_ROWS, PAGE_ROWS};
use crate::report::{self, By};
use crate::routes::Routes;
use crate::ui::frame::{error_page, yes};
use crate::ui::html::{html, page};
use crate::ui::links::{RESPONSE_BINS, Who, account_link, bin_label, list_link, reception_link};
use crate::ui::table::{self, Cell, Column, Content, Table};
use crate::ui::transcript::credited_name;
use crate::ui::transcript::round_outcome;
use crate::{ApiError, AppState, WebError};

mod api;

pub(crate) use api::*;

#[derive(Debug, Default, Deserialize)]
pub struct ListParams {
    pub store: Option<String>,
    /// One account, or one roster group (people only), or neither: every visible account.
    pub account: Option<String>,
    pub group: Option<String>,
    /// `1`: the accounts without a group (the team comparison's "no group" row).
    pub ungrouped: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    /// One day: the same as `from` = `to` = day.
    pub day: Option<String>,
    pub figure: Option<String>,
    /// Consulted receptions whose buyer first wrote in this hour (0–23).
    pub hour: Option<String>,
    /// Rounds of one bin of the response-time histogram (0-based).
    pub bucket: Option<String>,
    /// The order of the list (`time`, `wait`, `max_wait`, `duration`, `amount`, `score`,
    /// `hits`: what the kind offers) and its direction (`desc`, `asc`; by default the key's).
    pub sort: Option<String>,
    pub dir: Option<String>,
    /// A filter besides the figure's own (`lost`, `low_rating`, `refund`, `rule_hits`).
    pub only: Option<String>,
    /// 1-based page.
    pub page: Option<String>,
    /// Rows per page (API only; at most [`API_MAX_ROWS`]).
    pub per_page: Option<String>,
    pub lang: Option<String>,
    pub export: Option<String>,
    pub table: Option<String>,
}

/// [`Who`] owned, for what a request loaded.
#[derive(Debug, Clone)]
pub enum Whose {
    Store,
    Account(String),
    Group(Option<String>),
}

impl Whose {
    pub fn who(&self) -> Who<'_> {
        match self {
            Whose::Store => Who::Store,
            Whose::Account(a) => Who::Account(a),
            Whose::Group(g) => Who::Group(g.as_deref()),
        }
    }
    fn name(&self) -> Option<&str> {
        match self {
            Whose::Account(a) => Some(a),
            Whose::Group(g) => g.as_deref(),
            Whose::Store => None,
        }
    }
}

/// The parsed request: which figure, whose, which days and which page.
struct Request {
    figure: &'static Figure,
    hour: Option<u32>,
    bucket: Option<usize>,
    page: usize,
    per_page: usize,
    sort: ListSort,
    descending: bool,
    only: Option<ListFilter>,
}

/// `sort=`, `dir=` and `only=` (the list checks that its kind offers them).
fn parse_order(p: &ListParams) -> Result<(ListSort, bool, Option<ListFilter>), WebError> {
    let given = |v: &Option<String>| v.as_deref().filter(|s| !s.is_empty()).map(str::to_string);
    let sort = match given(&p.sort) {
        None => ListSort::Time,
        Some(k) => ListSort::parse(&k).ok_or_else(|| {
            WebError::invalid(format!("没有排序 `{k}`"), format!("no sort key `{k}`"))
        })?,
    };
    let descending = match given(&p.dir).as_deref() {
        None => sort.descending_by_default(),
        Some("desc") => true,
        Some("asc") => false,
        Some(d) => {
            return Err(WebError::invalid(
                format!("`dir` 为 desc 或 asc，不是 `{d}`"),
                format!("`dir` is desc or asc, not `{d}`"),
            ));
        }
    };
    let only = match given(&p.only) {
        None => None,
        Some(k) => Some(ListFilter::parse(&k).ok_or_else(|| {
            WebError::invalid(format!("没有筛选 `{k}`"), format!("no filter `{k}`"))
        })?),
    };
    Ok((sort, descending, only))
}

fn parse_request(p: &ListParams, max_rows: usize) -> Result<Request, WebError> {
    let number = |v: &Option<String>, what: &str| -> Result<Option<usize>, WebError> {
        match v.as_deref().filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(s) => s.parse().map(Some).map_err(|_| {
                WebError::invalid(
                    format!("`{what}` 不是整数：`{s}`"),
                    format!("`{what}` is not a whole number: `{s}`"),
                )
            }),
        }
    };
    let hour = number(&p.hour, "hour")?;
    if hour.is_some_and(|h| h > 23) {
        return Err(WebError::invalid("`hour` 为 0 到 23", "`hour` is 0 to 23"));
    }
    let bucket = number(&p.bucket, "bucket")?;
    if bucket.is_some_and(|b| b >= RESPONSE_BINS.len()) {
        return Err(WebError::invalid(
            format!("`bucket` 为 0 到 {}", RESPONSE_BINS.len() - 1),
            format!("`bucket` is 0 to {}", RESPONSE_BINS.len() - 1),
        ));
    }
    // The hour-of-day columns count consulted receptions, the histogram answered rounds.
    let implied = if hour.is_some() {
        Some("consulted")
    } else if bucket.is_some() {
        Some("avg_response_secs")
    } else {
        None
    };
    let key = match (p.figure.as_deref().filter(|s| !s.is_empty()), implied) {
        (Some(k), Some(i)) if k != i => {
            return Err(WebError::invalid(
                format!(
                    "`hour` 用于指标 consulted，`bucket` 用于 avg_response_secs，不能用于 `{k}`"
                ),
                format!(
                    "`hour` goes with figure consulted and `bucket` with avg_response_secs, not `{k}`"
                ),
            ));
        }
        (Some(k), _) => k,
        (None, Some(i)) => i,
        (None, None) => return Err(WebError::invalid("缺少 `figure`", "`figure` is required")),
    };
    let figure = kefu_core::figures::figure(key).ok_or_else(|| {
        WebError::invalid(format!("没有指标 `{key}`"), format!("no figure `{key}`"))
    })?;
    let page = number(&p.page, "page")?.unwrap_or(1).max(1);
    let per_page = number(&p.per_page, "per_page")?
        .unwrap_or(PAGE_ROWS)
        .clamp(1, max_rows);
    let (sort, descending, only) = parse_order(p)?;
    Ok(Request {
        sort,
        descending,
        only,
        figure,
        hour: hour.map(|h| h as u32),
        bucket,
        page,
        per_page,
    })
}

/// What a list shows, loaded.
struct Loaded {
    store: StoreScope,
    who: Whose,
    from: Day,
    to: Day,
    /// The figure's value from the stored counters (`None` for a histogram bin, which has
    /// no counter of its own).
    value: Option<Value>,
    listing: Listing,
    /// The accounts and roster groups the user may pick (people's groups only).
    accounts: Vec<String>,
    groups: Vec<String>,
}

/// The accounts of the list (`None`: the whole store) for what the user may see.
fn accounts(db: &Db, store: &StoreScope, who: Who<'_>) -> Result<Option<Vec<NameId>>, WebError> {
    let roster = store.roster(db)?;
    let picked: Option<Vec<NameId>> = match who {
        Who::Store => match store.rows() {
            Rows::All => None,
            Rows::Accounts(ids) => Some(ids.clone()),
        },
        Who::Account(name) => {
            let id = roster
                .iter()
                .find(|a| a.name == name)
                .map(|a| a.id)
                .filter(|&id| store.rows().account(id))
                .ok_or_else(|| {
                    WebError::missing(
                        format!("没有名为 `{name}` 的账号"),
                        format!("no account named `{name}`"),
                    )
                })?;
            Some(vec![id])
        }
        // A group's figures are its people's (bots are kept apart), as `--by group` sums them.
        Who::Group(group) => Some(
            roster
                .iter()
                .filter(|a| !(a.is_bot || a.role == Some(kefu_core::model::Role::Bot)))
                .filter(|a| a.group.as_deref().filter(|g| !g.is_empty()) == group)
                .map(|a| a.id)
                .filter(|&id| store.rows().account(id))
                .collect(),
        ),
    };
    Ok(picked)
}

fn load(
    db: &Db,
    settings: impl Fn(&str) -> MetricSettings,
    user: &kefu_store::User,
    p: &ListParams,
    req: &Request,
    offset: usize,
    limit: usize,
) -> Result<Loaded, WebError> {
    let store = access::allowed(db, user, p.store.as_deref())?
        .into_iter()
        .next()
        .ok_or_else(|| WebError::missing("没有可显示的店铺", "no store to show"))?;
    let group = p.group.as_deref().filter(|s| !s.is_empty());
    let ungrouped = p.ungrouped.as_deref() == Some("1");
    let who = match (p.account.as_deref().filter(|s| !s.is_empty()), group) {
        (Some(a), _) => Who::Account(a),
        (None, Some(g)) => Who::Group(Some(g)),
        (None, None) if ungrouped => Who::Group(None),
        (None, None) => Who::Store,
    };
    let only = std::slice::from_ref(&store);
    let (from, to) = match p.day.as_deref().filter(|s| !s.is_empty()) {
        Some(d) => report::range(db, Some(d), Some(d), only)?,
        None => report::range(db, p.from.as_deref(), p.to.as_deref(), only)?,
    };
    let mut ids = accounts(db, &store, who)?;
    // Store-level figures (sales and orders of the whole store, silent ones included) belong
    // to no account: the whole store's, for whoever may see its totals.
    if req.figure.store_level() && ids.is_some() {
        if matches!(who, Who::Store) && store.sees_store_totals() {
            ids = None;
        } else {
            return Err(WebError::missing(
                format!("`{}` 只是整店的指标", req.figure.key),
                format!("`{}` is a figure of whole stores only", req.figure.key),
            ));
        }
    }
    let counters: Counters = match &ids {
        None => store
            .store_totals(db, from, to)
            .map_err(report_error)?
            .unwrap_or_default(),
        Some(ids) => store
            .counters_by_account(db, from, to)?
            .iter()
            .filter(|(id, _)| ids.contains(id))
            .map(|(_, c)| c)
            .sum(),
    };
    let value = match (req.hour, req.bucket) {
        (Some(h), _) => Some(Value::Count(counters.get(C::consulted_at_hour(h as usize)))),
        (None, Some(_)) => None,
        (None, None) => Some(req.figure.value(&counters)),
    };
    let query = ListQuery {
        figure: req.figure.key.to_string(),
        accounts: ids,
        from,
        to,
        hour: req.hour,
        response_ms: req
            .bucket
            .and_then(|b| RESPONSE_BINS.get(b))
            .map(|&(lo, hi)| (lo * 1000, hi.map(|h| h * 1000))),
        only: req.only,
        sort: req.sort,
        descending: req.descending,
        offset,
        limit,
    };
    let settings = settings(store.name());
    let visible = store.own_accounts(db)?;
    let mut groups: Vec<String> = visible
        .iter()
        .filter(|a| !(a.is_bot || a.role == Some(kefu_core::model::Role::Bot)))
        .filter_map(|a| a.group.clone().filter(|g| !g.is_empty()))
        .collect();
    groups.sort();
    groups.dedup();
    let accounts = visible.into_iter().map(|a| a.name).collect();
    let mut listing = store.list(db, &query, &settings).map_err(report_error)?;
    let credited = store.credited(db)?;
    if let Items::Orders(orders) = &mut listing.items {
        for w in orders.iter_mut().filter_map(|o| o.winner.as_mut()) {
            if !credited.shows(&w.account) {
                // (empty: a colleague the user may not name; pages say so, the API gives null)
                w.account.clear();
            }
        }
    }
    let who = match who {
        Who::Account(a) => Whose::Account(a.to_string()),
        Who::Group(g) => Whose::Group(g.map(str::to_string)),
        Who::Store => Whose::Store,
    };
    Ok(Loaded {
        store,
        who,
        from,
        to,
        value,
        listing,
        accounts,
        groups,
    })
}

fn report_error(e: kefu_report::ReportError) -> WebError {
    match e {
        kefu_report::ReportError::Store(e) => WebError::Store(e),
        kefu_report::ReportError::UnknownFigure { key, .. } => {
            WebError::invalid(format!("没有指标 `{key}`"), format!("no figure `{key}`"))
        }
        kefu_report::ReportError::ListChoice { figure, choice } => WebError::invalid(
            format!("`{figure}` 的列表不能用 `{choice}`"),
            format!("the list of `{figure}` cannot use `{choice}`"),
        ),
        other => WebError::Internal(other.to_string()),
    }
}

/// Why an order went where it went, in a list.
fn attribution(lang: Lang, winner: &Option<Winner>) -> String {
    match winner {
        Some(w) => {
            let mut s = format!(
                "{} {} {} ({} {})",
                lang.s(S::AttributedTo),
                credited_name(lang, &w.account),
                w.day,
                lang.s(S::AnswerAt),
                format_time(w.answer)
            );
            if !w.inquiry {
                s.push_str(&format!(" [{}]", lang.s(S::NotInquiry)));
            }
            s
        }
        None => lang.s(S::Silent).to_string(),
    }
}

/// The listed items as a table, each row leading on to the transcript behind it.
fn items_table(lang: Lang, store: &str, listing: &Listing, (from, to): (Day, Day)) -> Table {
    let transcript = |account: &str, buyer: &str, day: Day| {
        Some(reception_link(store, account, buyer, day) + &format!("&lang={}", lang.code()))
    };
    // An account leads to its page over the list's days (its receptions, its figures).
    let agent = |account: &str| {
        Cell::text(account).linked(Some(
            account_link(store, account, from, to) + &format!("&lang={}", lang.code()),
        ))
    };
    let time = |t| Cell::text(format_time(t));
    let items = |columns: &[S], rows: Vec<Vec<Cell>>| {
        let mut t = Table::new(
            "items",
            lang.s(S::ListTitle),
            columns.iter().map(|s| Column::of(lang, *s)).collect(),
        );
        t.rows = rows;
        t
    };
    let mut t = match &listing.items {
        Items::Receptions(v) => items(
            &[
                S::Day,
                S::Account,
                S::Buyer,
                S::FirstMessage,
                S::Consulted,
                S::Served,
                S::Unreplied,
                S::Inquiry,
                S::AfterSale,
                S::Slow,
                S::FirstResponse,
                S::ListSortMaxWait,
                S::Duration,
                S::BuyerMsgs,
                S::AgentMsgs,
                S::RoundCount,
                S::Ordered,
                S::PaidCount,
                S::SalesYuan,
                S::HumanReply,
            ],
            v.iter()
                .map(|r| {
                    vec![
                        Cell::text(r.day.to_string()),
                        agent(&r.account),
                        Cell::text(&r.buyer).linked(transcript(&r.account, &r.buyer, r.day)),
                        time(r.first_time),
                        Cell::text(yes(lang, r.consulted)),
                        Cell::text(yes(lang, r.served)),
                        Cell::text(yes(lang, r.unreplied)),
                        Cell::text(yes(lang, r.inquiry)),
                        Cell::text(yes(lang, r.after_sale)),
                        Cell::text(yes(lang, r.slow)),
                        Cell::new(Content::Duration(r.first_response_ms)),
                        Cell::new(Content::Duration(r.max_wait_ms)),
                        Cell::new(Content::Duration(Some(r.duration_ms))),
                        Cell::new(Content::Count(r.buyer_msgs.into())),
                        Cell::new(Content::Count(r.agent_msgs.into())),
                        Cell::new(Content::Count(r.rounds as i64)),
                        Cell::new(Content::Count(r.attributed_orders.into())),
                        Cell::new(Content::Count(r.attributed_paid.into())),
                        Cell::new(Content::Money(r.sales_cents)),
                        Cell::new(Content::Duration(r.human_reply_ms)),
                    ]
                })
                .collect(),
        ),
        Items::Rounds(v) => items(
            &[
                S::Day,
                S::Account,
                S::Buyer,
                S::Opened,
                S::Outcome,
                S::Response,
                S::WallWait,
                S::Within3Min,
                S::StartsSession,
                S::Within30sHuman,
                S::SessionWithin3Min,
            ],
            v.iter()
                .map(|r| {
                    vec![
                        Cell::text(r.day.to_string()),
                        agent(&r.account),
                        Cell::text(&r.buyer).linked(transcript(&r.account, &r.buyer, r.day)),
                        time(r.round.open),
                        Cell::text(round_outcome(lang, &r.round.outcome)),
                        Cell::new(Content::Duration(r.round.response_ms())),
                        Cell::new(Content::Duration(r.round.wait_ms())),
                        Cell::text(yes(lang, r.within_3min)),
                        Cell::text(yes(lang, r.starts_session)),
                        Cell::text(yes(lang, r.within_30s)),
                        Cell::text(yes(lang, r.session_within_3min)),
                    ]
                })
                .collect(),
        ),
        Items::Orders(v) => items(
            &[
                S::OrderId,
                S::Buyer,
                S::Placed,
                S::PaidAt,
                S::AmountYuan,
                S::ItemsSold,
                S::Attribution,
            ],
            v.iter()
                .map(|o| {
                    let link = o
                        .winner
                        .as_ref()
                        .filter(|w| !w.account.is_empty())
                        .and_then(|w| transcript(&w.account, &o.buyer, w.day));
                    vec![
                        Cell::text(&o.order_id).linked(link.clone()),
                        Cell::text(&o.buyer).linked(link),
                        time(o.created_at),
                        Cell::text(o.paid_at.map_or(lang.s(S::Unpaid).to_string(), format_time)),
                        Cell::new(Content::Money(o.amount)),
                        Cell::new(Content::Count(o.items)),
                        Cell::text(attribution(lang, &o.winner)),
                    ]
                })
                .collect(),
        ),
        Items::Reminders(v) => items(
            &[
                S::OrderId,
                S::Account,
                S::Buyer,
                S::Placed,
                S::RemindedAt,
                S::AmountYuan,
                S::PaidCount,
            ],
            v.iter()
                .map(|o| {
                    let link = transcript(&o.account, &o.buyer, Day::of(o.reminded_at));
                    vec![
                        Cell::text(&o.order_id),
                        Cell::text(&o.account),
                        Cell::text(&o.buyer).linked(link),
                        time(o.created_at),
                        time(o.reminded_at),
                        Cell::new(Content::Money(o.amount)),
                        Cell::text(if o.paid {
                            lang.s(S::ReminderPaid).to_string()
                        } else {
                            lang.s(S::No).to_string()
                        }),
                    ]
                })
                .collect(),
        ),
        Items::Ratings(v) => items(
            &[S::Time, S::Account, S::Buyer, S::Score, S::Satisfied],
            v.iter()
                .map(|r| {
                    let link = r
                        .reception
                        .then(|| transcript(&r.account, &r.buyer, Day::of(r.time)))
                        .flatten();
                    vec![
                        time(r.time),
                        Cell::text(&r.account),
                        Cell::text(&r.buyer).linked(link),
                        Cell::new(Content::Count(r.score.into())),
                        Cell::text(yes(lang, r.satisfied)),
                    ]
                })
                .collect(),
        ),
        Items::Refunds(v) => items(
            &[
                S::RefundId,
                S::OrderId,
                S::Account,
                S::Buyer,
                S::Requested,
                S::Finished,
                S::AmountYuan,
                S::Status,
                S::RefundTime,
            ],
            v.iter()
                .map(|r| {
                    vec![
                        Cell::text(&r.refund_id),
                        Cell::text(&r.order_id),
                        Cell::text(&r.account),
                        Cell::text(&r.buyer),
                        time(r.requested_at),
                        Cell::text(r.finished_at.map_or("-".to_string(), format_time)),
                        Cell::new(Content::Money(r.amount)),
                        Cell::text(r.status),
                        Cell::new(Content::Duration(r.finished_at.map(|f| f - r.requested_at))),
                    ]
                })
                .collect(),
        ),
    };
    // Read only when filtered or sorted by them: the receptions' rule hits, last.
    if let Items::Receptions(v) = &listing.items
        && v.first().is_some_and(|r| r.hits.is_some())
    {
        t.columns.push(Column::of(lang, S::ListSortHits));
        for (row, r) in t.rows.iter_mut().zip(v) {
            row.push(Cell::new(Content::Count(r.hits.unwrap_or(0).into())));
        }
    }
    t
}

/// `GET /list?store=&account=|group=&from=&to=&figure=[&day=][&hour=][&bucket=][&page=]`:
/// the items behind a figure, [`PAGE_ROWS`] a page, with the figure's value and the count of
/// items; `&export=xlsx|csv` downloads the list (its first [`EXPORT_ROWS`] items).
pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(p): Query<ListParams>,
) -> Response {
    let lang = i18n::pick(p.lang.as_deref(), &headers);
    let export = match table::requested(p.export.as_deref()) {
        Ok(f) => f,
        Err(e) => return error_page(lang, &user, e),
    };
    let req = match parse_request(&p, PAGE_ROWS) {
        Ok(r) => r,
        Err(e) => return error_page(lang, &user, e),
    };
    let (offset, limit) = match export {
        Some(_) => (0, EXPORT_ROWS),
        None => ((req.page - 1).saturating_mul(PAGE_ROWS), PAGE_ROWS),
    };
    let u = user.session.user.clone();
    let config = state.config.clone();
    let (p, figure, hour, bucket, page_no) = (p, req.figure, req.hour, req.bucket, req.page);
    let (sort, descending, only) = (req.sort, req.descending, req.only);
    let loaded = state
        .heavy(u.id, move |db| {
            let settings = |name: &str| config.store(name).metrics.clone();
            let l = load(db, settings, &u, &p, &req, offset, limit)?;
            Ok((l, p))
        })
        .await;
    let (l, p) = match loaded {
        Ok(l) => l,
        Err(e) => return error_page(lang, &user, e),
    };
    let sname = l.store.name().to_string();
    let table = items_table(lang, &sname, &l.listing, (l.from, l.to));
    let who = l.who.who();
    let mut here = list_link(&sname, who, l.from, l.to, figure.key);
    if let Some(h) = hour {
        here.push_str(&format!("&hour={h}"));
    }
    if let Some(b) = bucket {
        here.push_str(&format!("&bucket={b}"));
    }
    // The order and filter follow the list onto its pages and downloads.
    if sort != ListSort::Time || descending {
        here.push_str(&format!(
            "&sort={}&dir={}",
            sort.key(),
            if descending { "desc" } else { "asc" }
        ));
    }
    if let Some(f) = only {
        here.push_str(&format!("&only={}", f.key()));
    }
    if let Some(format) = export {
        let name = format!("{}-{}-{}", figure.key, l.from, l.to);
        return table::download(
            std::slice::from_ref(&table),
            p.table.as_deref(),
            format,
            &name,
        )
        .unwrap_or_else(|e| error_page(lang, &user, e));
    }
    let whose = match who {
        Who::Store => lang.s(S::WholeStore).to_string(),
        Who::Account(a) => format!("{}: {a}", lang.s(S::Account)),
        Who::Group(Some(g)) => format!("{}: {g}", lang.s(S::Group)),
        Who::Group(None) => format!("{}: {}", lang.s(S::Group), lang.s(S::NoGroup)),
    };
    let dir_given = p.dir.as_deref().filter(|d| *d == "desc" || *d == "asc");
    let hidden: Vec<(&str, &str)> = [
        ("store", Some(sname.as_str())),
        ("ungrouped", p.ungrouped.as_deref()),
        (
            "figure",
            Some(figure.key).filter(|_| hour.is_some() || bucket.is_some()),
        ),
        ("hour", p.hour.as_deref()),
        ("bucket", p.bucket.as_deref()),
        ("lang", Some(lang.code())),
    ]
    .into_iter()
    .filter_map(|(name, value)| Some((name, value.filter(|v| !v.is_empty())?)))
    .collect();
    // Another figure of the same people and days (an hour or a bin fixes its figure).
    let other_figures = (hour.is_none() && bucket.is_none()).then(|| {
        let whole = matches!(l.who, Whose::Store) && l.store.whole();
        report::figures(By::Store, whole)
    });
    let bin = bucket
        .and_then(|b| RESPONSE_BINS.get(b))
        .map(|&b| bin_label(b));
    let sums_money = matches!(
        l.listing.items,
        Items::Orders(_) | Items::Reminders(_) | Items::Refunds(_)
    );
    let value = l
        .value
        .map_or("-".to_string(), |v| crate::ui::format::value(figure, v));
    let body = html! {
        form.filters method="get" action="/list" {
            @for (name, value) in &hidden {
                input type="hidden" name=(name) value=(value);
            }
            @if let Some(figures) = &other_figures {
                label {
                    (lang.s(S::ListFigure)) br;
                    select name="figure" {
                        @for f in figures {
                            option value=(f.key) selected[f.key == figure.key] { (lang.figure(f)) }
                        }
                    }
                }
            }
            label { (lang.s(S::From)) br; input type="date" name="from" value=(l.from); }
            label { (lang.s(S::To)) br; input type="date" name="to" value=(l.to); }
            label {
                (lang.s(S::Account)) br;
                select name="account" {
                    option value="" { (lang.s(S::ListAllAccounts)) }
                    @for a in &l.accounts {
                        option value=(a) selected[p.account.as_deref() == Some(a.as_str())] { (a) }
                    }
                }
            }
            @if !l.groups.is_empty() {
                label {
                    (lang.s(S::Group)) br;
                    select name="group" {
                        option value="" { (lang.s(S::ListAllGroups)) }
                        @for g in &l.groups {
                            option value=(g) selected[p.group.as_deref() == Some(g.as_str())] { (g) }
                        }
                    }
                }
            }
            label {
                (lang.s(S::ListSortBy)) br;
                select name="sort" {
                    @for k in l.listing.kind.sorts() {
                        option value=(k.key()) selected[*k == sort] { (sort_label(lang, *k)) }
                    }
                }
            }
            label title=(lang.t(
                "默认：等待、时长、金额、命中数从大到小，时间从早到晚，评分从低到高",
                "Default: waits, durations, amounts and hits largest first, time oldest first, scores lowest first",
            )) {
                (lang.s(S::ListDir)) br;
                // Empty: the order's own direction (the longest wait first, the oldest first).
                select name="dir" {
                    option value="" selected[dir_given.is_none()] { (lang.s(S::ListDirDefault)) }
                    option value="desc" selected[dir_given == Some("desc")] { (lang.s(S::ListDesc)) }
                    option value="asc" selected[dir_given == Some("asc")] { (lang.s(S::ListAsc)) }
                }
            }
            @if !l.listing.kind.filters().is_empty() {
                label {
                    (lang.s(S::ListOnly)) br;
                    select name="only" {
                        option value="" { (lang.s(S::ListOnlyAll)) }
                        @for f in l.listing.kind.filters() {
                            option value=(f.key()) selected[Some(*f) == only] { (filter_label(lang, *f)) }
                        }
                    }
                }
            }
            button type="submit" { (lang.s(S::Show)) }
        }
        p { (lang.s(S::Store)) ": " (sname) " · " (whose) " · " (l.from) " – " (l.to) }
        p.list-facts {
            (lang.figure(figure)) ": " strong.figure-value { (value) }
            @if let Some(h) = hour {
                " · " (lang.s(S::HourFilter)) ": " (h) ":00–" (h + 1) ":00"
            }
            @if let Some(bin) = &bin {
                " · " (lang.s(S::BucketFilter)) ": " (bin)
            }
            @if let Some(f) = only {
                " · " (lang.s(S::ListOnly)) ": " (filter_label(lang, f))
            }
            " · " (lang.s(S::ListedItems)) ": " strong.listed-count { (l.listing.total) }
            @if sums_money {
                " · " (lang.s(S::ListedSum)) ": "
                strong.listed-sum { (crate::ui::format::money(l.listing.amount_cents)) }
            }
        }
        p.note { (lang.s(S::ListNote)) }
        (table.download_links(lang, &here))
        @if l.listing.items.is_empty() {
            p { (lang.s(S::NoData)) }
        } @else {
            (table.markup("list"))
        }
        (table::pager(lang, &here, page_no, l.listing.total, PAGE_ROWS))
    };
    let here_page = if page_no > 1 {
        format!("{here}&page={page_no}")
    } else {
        here
    };
    let title = format!("{} — {}", lang.s(S::ListTitle), lang.figure(figure));
    Html(page(lang, &title, Some(&user.session), &here_page, body).into_string()).into_response()
}

fn sort_label(lang: Lang, k: ListSort) -> &'static str {
    lang.s(match k {
        ListSort::Time => S::ListSortTime,
        ListSort::Wait => S::ListSortWait,
        ListSort::MaxWait => S::ListSortMaxWait,
        ListSort::Duration => S::ListSortDuration,
        ListSort::Amount => S::ListSortAmount,
        ListSort::Score => S::ListSortScore,
        ListSort::Hits => S::ListSortHits,
    })
}

fn filter_label(lang: Lang, f: ListFilter) -> &'static str {
    lang.s(match f {
        ListFilter::Lost => S::ListLost,
        ListFilter::LowRating => S::ListLowRating,
        ListFilter::Refund => S::ListRefund,
        ListFilter::RuleHits => S::ListRuleHits,
    })
}

/// The list behind a figure, as a page and as the API.
pub(crate) fn routes(r: Routes) -> Routes {
    r.get("/list", list).get("/api/v1/list", api_list)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(figure: &str) -> ListParams {
        ListParams {
            figure: Some(figure.into()),
            ..ListParams::default()
        }
    }

    #[test]
    fn requests_are_checked() {
        assert!(parse_request(&params("consulted"), PAGE_ROWS).is_ok());
        assert!(parse_request(&params("nope"), PAGE_ROWS).is_err());
        assert!(parse_request(&ListParams::default(), PAGE_ROWS).is_err());
        let hour = ListParams {
            hour: Some("9".into()),
            ..ListParams::default()
        };
        assert_eq!(
            parse_request(&hour, PAGE_ROWS).unwrap().figure.key,
            "consulted"
        );
        let bad_hour = ListParams {
            hour: Some("24".into()),
            ..ListParams::default()
        };
        assert!(parse_request(&bad_hour, PAGE_ROWS).is_err());
        let mixed = ListParams {
            bucket: Some("1".into()),
            ..params("sales")
        };
        assert!(parse_request(&mixed, PAGE_ROWS).is_err());
        let big = ListParams {
            per_page: Some("100000".into()),
            page: Some("0".into()),
            ..params("sales")
        };
        let r = parse_request(&big, API_MAX_ROWS).unwrap();
        assert_eq!((r.page, r.per_page), (1, API_MAX_ROWS));
    }

    #[test]
    fn links_name_whose_items() {
        let d = Day::parse("2026-11-11").unwrap();
        assert_eq!(
            list_link("a b", Who::Group(None), d, d, "sales"),
            "/list?store=a%20b&ungrouped=1&from=2026-11-11&to=2026-11-11&figure=sales"
        );
        assert!(
            list_link("s", Who::Account("店:小美"), d, d, "consulted").contains("&account=%E5")
        );
    }
}
