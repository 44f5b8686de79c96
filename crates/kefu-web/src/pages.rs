//! The overview and ranking pages and the report API.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use kefu_core::figures::{Direction, Figure};
use kefu_core::money::format_yuan;
use kefu_core::time::Day;
use serde::Deserialize;

use crate::access::{self, Allowed, Rows};
use crate::auth::CurrentUser;
use crate::i18n::{self, Lang, S, Strings};
use crate::report::{self, By, Row};
use crate::ui::charts::{self, Bar};
use crate::ui::frame::{error_page, framed};
use crate::ui::html::{bar_chart, esc, page, url};
use crate::ui::links::{Who, list_link, list_link_prefix};
use crate::ui::table::{self, Cell, Column, Table};
use crate::{ApiError, AppState, WebError};

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
}

/// The requested download of a page's table, if any.
pub(crate) fn export_format(p: &Params) -> Result<Option<table::Format>, WebError> {
    p.export
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(table::Format::parse)
        .transpose()
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

/// The store, range and date filters shared by the pages.
fn filters(
    lang: Lang,
    path: &str,
    allowed: &[Allowed],
    store: &str,
    span: Span,
    hidden: &str,
) -> String {
    let Span { from, to, last } = span;
    let options: String = allowed
        .iter()
        .map(|a| {
            format!(
                "<option{sel}>{n}</option>",
                sel = if a.store.name == store {
                    " selected"
                } else {
                    ""
                },
                n = esc(&a.store.name)
            )
        })
        .collect();
    format!(
        "<form class=\"filters\" method=\"get\" action=\"{path}\">\
         <input type=\"hidden\" name=\"lang\" value=\"{lc}\">{hidden}\
         <label>{s}<br><select name=\"store\">{options}</select></label>\
         <label>{f}<br><input type=\"date\" name=\"from\" value=\"{from}\"></label>\
         <label>{t}<br><input type=\"date\" name=\"to\" value=\"{to}\"></label>\
         <button type=\"submit\">{show}</button>\
         <span class=\"quick\" title=\"{note}\">{quick}</span></form>",
        lc = lang.code(),
        s = esc(lang.s(S::Store)),
        f = esc(lang.s(S::From)),
        t = esc(lang.s(S::To)),
        show = esc(lang.s(S::Show)),
        note = esc(&format!("{}: {last}", lang.s(S::QuickRanges))),
        quick = quick_ranges(last)
            .iter()
            .map(|&(s, f, t)| format!(
                "<a href=\"{}\">{}</a>",
                esc(&link(path, store, f, t, &format!("&lang={}", lang.code()))),
                esc(lang.s(s))
            ))
            .collect::<Vec<_>>()
            .join(" "),
    )
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

/// The one store a page shows: the requested one or the first the user may see.
fn one_store(allowed: Vec<Allowed>) -> Result<Allowed, WebError> {
    allowed
        .into_iter()
        .next()
        .ok_or_else(|| WebError::missing("没有可显示的店铺", "no store to show"))
}

struct Overview {
    allowed: Vec<Allowed>,
    store: Allowed,
    from: Day,
    to: Day,
    last: Day,
    current: Row,
    previous: Row,
    days: Vec<Row>,
    /// The `--by group` rows (people only), for users who see the whole store.
    groups: Vec<Row>,
    /// Consulted by hour of day.
    hours: [i64; 24],
}

/// Consulted receptions by hour of day of the buyer's first message: stored counters, so
/// any range costs one sum.
fn consulted_by_hour(c: &kefu_core::figures::Counters) -> [i64; 24] {
    std::array::from_fn(|h| c.get(kefu_core::figures::C::consulted_at_hour(h)))
}

/// `GET /`: a store's figures for a range, against the previous period of equal length,
/// and a trend by day.
pub async fn overview(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(p): Query<Params>,
) -> Response {
    let lang = i18n::pick(p.lang.as_deref(), &headers);
    let export = match export_format(&p) {
        Ok(e) => e,
        Err(e) => return error_page(lang, &user, e),
    };
    let u = user.session.user.clone();
    let (qstore, qfrom, qto) = (p.store.clone(), p.from.clone(), p.to.clone());
    let loaded = state
        .db(move |db| {
            let all = access::allowed(db, &u, None)?;
            let store = one_store(access::allowed(db, &u, qstore.as_deref())?)?;
            let only = std::slice::from_ref(&store);
            let (from, to) = report::range(db, qfrom.as_deref(), qto.as_deref(), only)?;
            let last = db.day_span(store.store.id)?.map_or(to, |(_, l)| l);
            let len = to.0 - from.0 + 1;
            let groups = if store.rows == Rows::All {
                report::build(db, By::Group, from, to, only)?.rows
            } else {
                Vec::new()
            };
            let row = |f: Day, t: Day| -> Result<Row, WebError> {
                report::build(db, By::Store, f, t, only)?
                    .rows
                    .pop()
                    .ok_or_else(|| WebError::Internal("store row missing".into()))
            };
            let current = row(from, to)?;
            Ok(Overview {
                hours: consulted_by_hour(&current.counters),
                current,
                previous: row(from.offset(-len), from.offset(-1))?,
                days: report::build(db, By::Day, from, to, only)?.rows,
                groups,
                allowed: all,
                store,
                from,
                to,
                last,
            })
        })
        .await;
    let o = match loaded {
        Ok(o) => o,
        Err(e) => return error_page(lang, &user, e),
    };
    let whole = o.store.rows == Rows::All;
    let name = o.store.store.name.clone();
    let lq = format!("&lang={}", lang.code());
    let figures = report::figures(By::Store, whole);
    let chart_fig: &Figure = p
        .chart
        .as_deref()
        .and_then(|k| figures.iter().copied().find(|f| f.key == k))
        .unwrap_or(figures[0]);

    let mut body = filters(
        lang,
        "/",
        &o.allowed,
        &name,
        Span {
            from: o.from,
            to: o.to,
            last: o.last,
        },
        "",
    );
    if !whole {
        body.push_str(&format!("<p>{}</p>", esc(lang.s(S::OwnFigures))));
    }
    // trend chart: a bar per day, each a link to the items behind that day's value
    let mut bars = Vec::new();
    let mut day = o.from;
    while day <= o.to {
        let d = day.to_string();
        let value = o
            .days
            .iter()
            .find(|r| r.key.as_deref() == Some(d.as_str()))
            .and_then(|r| report::number(chart_fig.value(&r.counters)));
        let list = list_link(&name, Who::Store, day, day, chart_fig.key) + &lq;
        bars.push((d, value, list));
        day = day.offset(1);
    }
    let chart_links: String = figures
        .iter()
        .map(|f| {
            let href = link("/", &name, o.from, o.to, &format!("&chart={}{lq}", f.key));
            if f.key == chart_fig.key {
                format!("<strong>{}</strong>", esc(lang.figure(f)))
            } else {
                format!("<a href=\"{}\">{}</a>", esc(&href), esc(lang.figure(f)))
            }
        })
        .collect::<Vec<_>>()
        .join(" · ");
    body.push_str(&format!(
        "<h2>{} — {}</h2>{}<p class=\"wrap\">{}</p>",
        esc(lang.s(S::Trend)),
        esc(lang.figure(chart_fig)),
        bar_chart(
            &format!("{} — {}", lang.s(S::Trend), lang.figure(chart_fig)),
            &bars
        ),
        chart_links
    ));
    let here = link(
        "/",
        &name,
        o.from,
        o.to,
        &format!("&chart={}", chart_fig.key),
    );
    hour_trend(&mut body, lang, &name, (o.from, o.to), o.hours);
    // figures against the previous period, each value a link to the items behind it
    let len = o.to.0 - o.from.0 + 1;
    let (pfrom, pto) = (o.from.offset(-len), o.from.offset(-1));
    let mut compared = Table::new(
        "figures",
        format!("{name} {} – {}", o.from, o.to),
        vec![
            Column::of(lang, S::Figure),
            Column::new(format!("{} ({} – {})", lang.s(S::Current), o.from, o.to)),
            Column::new(format!("{} ({pfrom} – {pto})", lang.s(S::Previous))),
            Column::of(lang, S::Change),
        ],
    );
    compared.caption = Some(compared.title.clone());
    for f in &figures {
        let (cur, prev) = (f.value(&o.current.counters), f.value(&o.previous.counters));
        let change = match (report::number(cur), report::number(prev)) {
            (Some(c), Some(p)) if p != 0.0 => {
                let pct = (c - p) / p.abs() * 100.0;
                let cell = Cell::text(format!("{pct:+.1}%"));
                let good = match f.direction {
                    _ if pct == 0.0 => None,
                    Direction::HigherIsBetter => Some(pct > 0.0),
                    Direction::LowerIsBetter => Some(pct < 0.0),
                    Direction::Neutral => None,
                };
                match good {
                    Some(true) => cell.classed("up", None),
                    Some(false) => cell.classed("down", None),
                    None => cell,
                }
            }
            _ => Cell::text("-"),
        };
        let drill = |from, to| Some(list_link(&name, Who::Store, from, to, f.key) + &lq);
        compared.rows.push(vec![
            Cell::text(lang.figure(f)),
            Cell::figure(f, cur).linked(drill(o.from, o.to)),
            Cell::figure(f, prev).linked(drill(pfrom, pto)),
            change,
        ]);
    }
    let team_table = whole.then(|| teams_table(lang, &name, (o.from, o.to), &o.groups));
    if let Some(format) = export {
        let tables: Vec<Table> = std::iter::once(compared).chain(team_table).collect();
        let file = format!("overview-{}-{}", o.from, o.to);
        return table::download(&tables, p.table.as_deref(), format, &file)
            .unwrap_or_else(|e| error_page(lang, &user, e));
    }
    body.push_str(&compared.downloads(lang, &here));
    body.push_str(&compared.html("figures"));
    if whole {
        sales_split(&mut body, lang, &name, (o.from, o.to), &o.current);
        body.push_str(&format!("<h2>{}</h2>", esc(lang.s(S::Teams))));
        match team_table {
            Some(t) if !t.rows.is_empty() => {
                body.push_str(&t.downloads(lang, &here));
                body.push_str(&t.html("teams"));
            }
            _ => body.push_str(&format!("<p>{}</p>", esc(lang.s(S::NoData)))),
        }
    }
    Html(page(
        lang,
        lang.s(S::Overview),
        Some(&user.session),
        &here,
        &body,
    ))
    .into_response()
}

/// The trend by hour of day: a column per hour with the consulted receptions, each a link to
/// the receptions of that hour.
fn hour_trend(
    body: &mut String,
    lang: Lang,
    store: &str,
    (from, to): (Day, Day),
    hours: [i64; 24],
) {
    body.push_str(&format!("<h2>{}</h2>", esc(lang.s(S::HourTrend))));
    let list = list_link(store, Who::Store, from, to, "consulted");
    let bars: Vec<Bar> = hours
        .iter()
        .enumerate()
        .map(|(h, &n)| Bar {
            label: h.to_string(),
            value: n as f64,
            shown: n.to_string(),
            link: Some(format!("{list}&hour={h}&lang={}", lang.code())),
            color: charts::BLUE,
        })
        .collect();
    let consulted = kefu_core::figures::figure("consulted").map_or("", |f| lang.figure(f));
    body.push_str(&format!(
        "<figure class=\"hours\">{}<figcaption>{}: {}</figcaption></figure>",
        charts::columns(lang.s(S::HourTrend), lang.s(S::HourOfDay), &bars),
        esc(consulted),
        hours.iter().sum::<i64>()
    ));
}

/// Silent against agent sales (静默 vs 客服), with their shares of the store's sales; each
/// bar a link to its orders.
fn sales_split(body: &mut String, lang: Lang, store: &str, (from, to): (Day, Day), current: &Row) {
    use kefu_core::figures::C;
    let c = &current.counters;
    let total = c.get(C::total_sales_cents);
    let name = |key: &str| kefu_core::figures::figure(key).map_or("", |f| lang.figure(f));
    let share = |cents: i64| {
        if total == 0 {
            "-".to_string()
        } else {
            format!("{:.1}%", cents as f64 / total as f64 * 100.0)
        }
    };
    let bar = |key: &str, cents: i64, color| Bar {
        label: name(key).to_string(),
        value: cents as f64,
        shown: if key == "total_sales" {
            format_yuan(cents)
        } else {
            format!(
                "{} ({} {})",
                format_yuan(cents),
                lang.s(S::Share),
                share(cents)
            )
        },
        link: Some(list_link(store, Who::Store, from, to, key) + &format!("&lang={}", lang.code())),
        color,
    };
    let bars = [
        bar("total_sales", total, charts::GREY),
        bar("sales", c.get(C::sales_cents), charts::BLUE),
        bar("silent_sales", c.get(C::silent_sales_cents), charts::GREEN),
    ];
    body.push_str(&format!(
        "<h2>{t}</h2><figure class=\"sales-split\">{svg}<figcaption>{note}</figcaption></figure>",
        t = esc(lang.s(S::SalesSplit)),
        svg = charts::rows(lang.s(S::SalesSplit), &bars),
        note = esc(lang.s(S::SalesSplitNote)),
    ));
}

/// The team comparison: the `--by group` rows of the report (people only), each value a link
/// to the group's items behind it.
fn teams_table(lang: Lang, store: &str, (from, to): (Day, Day), groups: &[Row]) -> Table {
    let figures = report::figures(By::Group, false);
    let mut columns = vec![Column::of(lang, S::Group)];
    columns.extend(figures.iter().map(|f| Column::figure(lang, f)));
    let mut t = Table::new("teams", lang.s(S::Teams), columns);
    for row in groups {
        let group = row
            .key
            .clone()
            .unwrap_or_else(|| lang.s(S::NoGroup).to_string());
        let who = Who::Group(row.key.as_deref());
        let mut cells = vec![Cell::text(group)];
        for f in &figures {
            let link = list_link(store, who, from, to, f.key) + &format!("&lang={}", lang.code());
            cells.push(Cell::figure(f, f.value(&row.counters)).linked(Some(link)));
        }
        t.rows.push(cells);
    }
    t
}

struct Ranking {
    allowed: Vec<Allowed>,
    store: Allowed,
    from: Day,
    to: Day,
    last: Day,
    rows: Vec<Row>,
    groups: Vec<(kefu_core::model::NameId, Option<String>)>,
    /// The store's roster groups, for the group filter.
    group_names: Vec<String>,
}

/// `GET /ranking`: every figure per account, people and bots apart, sortable, with the best
/// and worst value of each column marked.
pub async fn ranking(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(p): Query<Params>,
) -> Response {
    let lang = i18n::pick(p.lang.as_deref(), &headers);
    let export = match export_format(&p) {
        Ok(e) => e,
        Err(e) => return error_page(lang, &user, e),
    };
    let u = user.session.user.clone();
    let (qstore, qfrom, qto) = (p.store.clone(), p.from.clone(), p.to.clone());
    let filter = Params {
        group: p.group.clone(),
        role: p.role.clone(),
        ..Params::default()
    };
    let loaded = state
        .db(move |db| {
            let all = access::allowed(db, &u, None)?;
            let store = one_store(access::allowed(db, &u, qstore.as_deref())?)?;
            let only = std::slice::from_ref(&store);
            let (from, to) = report::range(db, qfrom.as_deref(), qto.as_deref(), only)?;
            let last = db.day_span(store.store.id)?.map_or(to, |(_, l)| l);
            let accounts = db.accounts(store.store.id)?;
            let mut rows = report::build(db, By::Account, from, to, only)?.rows;
            rows.retain(|row| {
                passes(
                    &filter,
                    row,
                    accounts.iter().find(|a| Some(a.id) == row.account),
                )
            });
            let mut group_names: Vec<String> =
                accounts.iter().filter_map(|a| a.group.clone()).collect();
            group_names.sort();
            group_names.dedup();
            let groups = accounts.into_iter().map(|a| (a.id, a.group)).collect();
            Ok(Ranking {
                group_names,
                rows,
                allowed: all,
                store,
                from,
                to,
                last,
                groups,
            })
        })
        .await;
    let mut r = match loaded {
        Ok(r) => r,
        Err(e) => return error_page(lang, &user, e),
    };
    let name = r.store.store.name.clone();
    let figures = report::figures(By::Account, false);
    let sort = p
        .sort
        .as_deref()
        .and_then(|k| figures.iter().copied().find(|f| f.key == k));
    let desc = p.dir.as_deref() != Some("asc");
    if let Some(f) = sort {
        r.rows.sort_by(|a, b| {
            let (x, y) = (
                report::number(f.value(&a.counters)),
                report::number(f.value(&b.counters)),
            );
            // undefined values last in either direction
            match (x, y) {
                (Some(x), Some(y)) if desc => y.total_cmp(&x),
                (Some(x), Some(y)) => x.total_cmp(&y),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            }
        });
    }
    let selected = |on: bool| if on { " selected" } else { "" };
    let group_now = p.group.as_deref().unwrap_or("");
    let role_now = p.role.as_deref().unwrap_or("");
    let mut group_select = format!(
        "<label>{}<select name=\"group\"><option value=\"\">{}</option>",
        esc(lang.s(S::Group)),
        esc(lang.s(S::Everyone))
    );
    for g in &r.group_names {
        group_select.push_str(&format!(
            "<option value=\"{v}\"{s}>{v}</option>",
            v = esc(g),
            s = selected(g == group_now)
        ));
    }
    group_select.push_str("</select></label>");
    let mut role_select = format!(
        "<label>{}<select name=\"role\"><option value=\"\">{}</option>",
        esc(lang.s(S::Role)),
        esc(lang.s(S::Everyone))
    );
    for (value, label) in [
        ("presale", S::Presale),
        ("aftersale", S::Aftersale),
        ("bot", S::Bot),
    ] {
        role_select.push_str(&format!(
            "<option value=\"{value}\"{}>{}</option>",
            selected(value == role_now),
            esc(lang.s(label))
        ));
    }
    role_select.push_str("</select></label>");
    let hidden = format!(
        "{group_select}{role_select}{}{}",
        sort.map_or(String::new(), |f| format!(
            "<input type=\"hidden\" name=\"sort\" value=\"{}\">",
            f.key
        )),
        if desc {
            ""
        } else {
            "<input type=\"hidden\" name=\"dir\" value=\"asc\">"
        }
    );
    let mut body = filters(
        lang,
        "/ranking",
        &r.allowed,
        &name,
        Span {
            from: r.from,
            to: r.to,
            last: r.last,
        },
        &hidden,
    );
    let here_query = format!(
        "&group={}&role={}{}",
        url(group_now),
        url(role_now),
        sort.map_or(String::new(), |f| format!(
            "&sort={}&dir={}",
            f.key,
            if desc { "desc" } else { "asc" }
        ))
    );
    let here = link("/ranking", &name, r.from, r.to, &here_query);
    let tables = ranking_tables(lang, &r, sort, desc);
    if let Some(format) = export {
        let file = format!("ranking-{}-{}", r.from, r.to);
        return table::download(&tables, p.table.as_deref(), format, &file)
            .unwrap_or_else(|e| error_page(lang, &user, e));
    }
    for (t, title) in tables.iter().zip([S::People, S::Bots]) {
        if t.rows.is_empty() {
            continue;
        }
        body.push_str(&format!("<h2>{}</h2>", esc(lang.s(title))));
        body.push_str(&t.downloads(lang, &here));
        body.push_str(&t.html("ranking"));
    }
    if r.rows.is_empty() {
        body.push_str(&format!("<p>{}</p>", esc(lang.s(S::NoData))));
    }
    Html(page(
        lang,
        lang.s(S::Ranking),
        Some(&user.session),
        &here,
        &body,
    ))
    .into_response()
}

/// The ranking's tables, people and bots, as the page shows them: every figure cell a link to
/// the items behind it, the best and worst value of each column marked, columns sortable.
fn ranking_tables(
    lang: Lang,
    r: &Ranking,
    sort: Option<&'static Figure>,
    desc: bool,
) -> Vec<Table> {
    let name = &r.store.store.name;
    let lq = format!("&lang={}", lang.code());
    let figures = report::figures(By::Account, false);
    let mut columns = vec![Column::of(lang, S::Account), Column::of(lang, S::Group)];
    for f in &figures {
        let dir = if sort.is_some_and(|s| s.key == f.key) && desc {
            "asc"
        } else {
            "desc"
        };
        let mark = match sort {
            Some(s) if s.key == f.key && desc => " ▼",
            Some(s) if s.key == f.key => " ▲",
            _ => "",
        };
        columns.push(Column {
            name: format!("{}{mark}", lang.figure(f)),
            link: Some(link(
                "/ranking",
                name,
                r.from,
                r.to,
                &format!("&sort={}&dir={dir}{lq}", f.key),
            )),
        });
    }
    [(false, "people", S::People), (true, "bots", S::Bots)]
        .into_iter()
        .map(|(bots, id, title)| {
            let rows: Vec<&Row> = r.rows.iter().filter(|x| x.is_bot == bots).collect();
            let mut t = Table::new(id, lang.s(title), columns.clone());
            // best and worst of each column
            let marks: Vec<(Option<f64>, Option<f64>)> = figures
                .iter()
                .map(|f| {
                    let vals: Vec<f64> = rows
                        .iter()
                        .filter_map(|x| report::number(f.value(&x.counters)))
                        .collect();
                    best_and_worst(f.direction, &vals)
                })
                .collect();
            for row in rows {
                let group = row
                    .account
                    .and_then(|id| r.groups.iter().find(|(g, _)| *g == id))
                    .and_then(|(_, g)| g.clone())
                    .unwrap_or_default();
                let account = row.key.as_deref().unwrap_or("");
                let drill = crate::ui::links::account_link(name, account, r.from, r.to) + &lq;
                let mut cells = vec![Cell::text(account).linked(Some(drill)), Cell::text(group)];
                let list_prefix = list_link_prefix(name, Who::Account(account), r.from, r.to);
                for (f, (best, worst)) in figures.iter().zip(&marks) {
                    let v = f.value(&row.counters);
                    let n = report::number(v);
                    let list = format!("{list_prefix}{}{lq}", f.key);
                    let cell = Cell::figure(f, v).linked(Some(list));
                    cells.push(if n.is_some() && n == *best {
                        cell.classed("best", Some(lang.s(S::Best).to_string()))
                    } else if n.is_some() && n == *worst {
                        cell.classed("worst", Some(lang.s(S::Worst).to_string()))
                    } else {
                        cell
                    });
                }
                t.rows.push(cells);
            }
            t
        })
        .collect()
}

/// The best and worst of a column's values by the figure's direction: none for a neutral
/// figure (a volume is neither) or when every value is the same.
fn best_and_worst(direction: Direction, values: &[f64]) -> (Option<f64>, Option<f64>) {
    let hi = values.iter().copied().reduce(f64::max);
    let lo = values.iter().copied().reduce(f64::min);
    match (hi, lo, direction) {
        (Some(hi), Some(lo), Direction::HigherIsBetter) if hi != lo => (Some(hi), Some(lo)),
        (Some(hi), Some(lo), Direction::LowerIsBetter) if hi != lo => (Some(lo), Some(hi)),
        _ => (None, None),
    }
}

/// `GET /api/v1/report?by=account|store|day&from=&to=&store=`: the rows the user may see,
/// as `kefu report --format json` writes them.
pub async fn api_report(
    State(state): State<AppState>,
    user: CurrentUser,
    query: Result<Query<Params>, QueryRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let Query(p) = query.map_err(|e| WebError::BadRequest(e.body_text()))?;
    let by = match p.by.as_deref() {
        None | Some("") => By::Account,
        Some(s) => By::parse(s).ok_or_else(|| {
            WebError::invalid(
                format!("`by` 应为 account、group、store、day 之一，不能是 `{s}`"),
                format!("`by` is one of account, group, store, day; not `{s}`"),
            )
        })?,
    };
    let u = user.session.user.clone();
    let json = state
        .db(move |db| {
            let allowed = access::allowed(db, &u, p.store.as_deref())?;
            let (from, to) = report::range(db, p.from.as_deref(), p.to.as_deref(), &allowed)?;
            Ok(kefu_report::to_json(&report::build(
                db, by, from, to, &allowed,
            )?))
        })
        .await?;
    Ok(Json(json))
}

/// Unknown paths: anonymous requests are sent to the login page like every other.
pub async fn not_found(
    user: CurrentUser,
    uri: axum::http::Uri,
    headers: HeaderMap,
    Query(p): Query<Params>,
) -> Response {
    if uri.path().starts_with("/api/") {
        return crate::json_error(StatusCode::NOT_FOUND, "not_found", "no such endpoint");
    }
    let lang = i18n::pick(p.lang.as_deref(), &headers);
    let body = format!("<p>{}</p>", esc(lang.s(S::NotFound)));
    framed(lang, &user, StatusCode::NOT_FOUND, S::NotFound, "/", &body)
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
