//! The overview and ranking pages and the report API.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use kefu_core::figures::Figure;
use kefu_core::money::format_yuan;
use kefu_core::time::Day;
use serde::Deserialize;

use crate::access::{self, Allowed, Rows};
use crate::auth::CurrentUser;
use crate::charts::{self, Bar};
use crate::html::{bar_chart, esc, page, url};
use crate::i18n::{self, Lang, S, Strings};
use crate::report::{self, By, Row};
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

/// A page of the app's frame with `body`, answered with `status`.
pub(crate) fn framed(
    lang: Lang,
    user: &CurrentUser,
    status: StatusCode,
    title: S,
    here: &str,
    body: &str,
) -> Response {
    (
        status,
        Html(page(lang, lang.s(title), Some(&user.session), here, body)),
    )
        .into_response()
}

/// An error as a page. A refusal by role is said in the user's language; other errors give
/// their public message.
pub(crate) fn error_page(lang: Lang, user: &CurrentUser, e: WebError) -> Response {
    let message = match e {
        WebError::Forbidden(_) => lang.s(S::NotAllowed).to_string(),
        _ => e.public_message(),
    };
    let body = format!("<p class=\"error\">{}</p>", esc(&message));
    framed(lang, user, e.status(), S::Error, "/", &body)
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
        .ok_or_else(|| WebError::NotFound("no store to show".into()))
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
    let u = user.session.user.clone();
    let loaded = state
        .db(move |db| {
            let all = access::allowed(db, &u, None)?;
            let store = one_store(access::allowed(db, &u, p.store.as_deref())?)?;
            let only = std::slice::from_ref(&store);
            let (from, to) = report::range(db, p.from.as_deref(), p.to.as_deref(), only)?;
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
    // trend chart: a bar per day, each a link to that day
    let mut bars = Vec::new();
    let mut day = o.from;
    while day <= o.to {
        let d = day.to_string();
        let value = o
            .days
            .iter()
            .find(|r| r.key.as_deref() == Some(d.as_str()))
            .and_then(|r| report::number(chart_fig.value(&r.counters)));
        let extra = format!("&chart={}{lq}", chart_fig.key);
        bars.push((d, value, link("/", &name, day, day, &extra)));
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
    hour_trend(&mut body, lang, o.hours);
    // figures against the previous period
    body.push_str(&format!(
        "<div class=\"wrap\"><table><caption>{store} {from} – {to}</caption><thead><tr><th>{f}</th><th>{c}</th><th>{p}</th><th>{ch}</th></tr></thead><tbody>",
        store = esc(&name),
        from = o.from,
        to = o.to,
        f = esc(lang.s(S::Figure)),
        c = esc(lang.s(S::Current)),
        p = esc(lang.s(S::Previous)),
        ch = esc(lang.s(S::Change)),
    ));
    for f in &figures {
        let (cur, prev) = (f.value(&o.current.counters), f.value(&o.previous.counters));
        let change = match (report::number(cur), report::number(prev)) {
            (Some(c), Some(p)) if p != 0.0 => {
                let pct = (c - p) / p.abs() * 100.0;
                let good = (pct > 0.0) != report::lower_is_better(f.key);
                let class = if pct == 0.0 {
                    ""
                } else if good {
                    "up"
                } else {
                    "down"
                };
                format!("<span class=\"{class}\">{pct:+.1}%</span>")
            }
            _ => "-".to_string(),
        };
        body.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{change}</td></tr>",
            esc(lang.figure(f)),
            esc(&report::display(f, cur)),
            esc(&report::display(f, prev)),
        ));
    }
    body.push_str("</tbody></table></div>");
    if whole {
        let ranking = link(
            "/ranking",
            &name,
            o.from,
            o.to,
            &format!("&sort=sales&dir=desc{lq}"),
        );
        sales_split(&mut body, lang, &o.current, &ranking);
        teams(&mut body, lang, &o.groups);
    }
    let here = link(
        "/",
        &name,
        o.from,
        o.to,
        &format!("&chart={}", chart_fig.key),
    );
    Html(page(
        lang,
        lang.s(S::Overview),
        Some(&user.session),
        &here,
        &body,
    ))
    .into_response()
}

/// The trend by hour of day: a column per hour with the consulted receptions.
fn hour_trend(body: &mut String, lang: Lang, hours: [i64; 24]) {
    body.push_str(&format!("<h2>{}</h2>", esc(lang.s(S::HourTrend))));
    let bars: Vec<Bar> = hours
        .iter()
        .enumerate()
        .map(|(h, &n)| Bar {
            label: h.to_string(),
            value: n as f64,
            shown: n.to_string(),
            link: None,
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

/// Silent against agent sales (静默 vs 客服), with their shares of the store's sales.
fn sales_split(body: &mut String, lang: Lang, current: &Row, ranking: &str) {
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
    let bar = |key: &str, cents: i64, link: Option<String>, color| Bar {
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
        link,
        color,
    };
    let bars = [
        bar("total_sales", total, None, charts::GREY),
        bar(
            "sales",
            c.get(C::sales_cents),
            Some(ranking.to_string()),
            charts::BLUE,
        ),
        bar(
            "silent_sales",
            c.get(C::silent_sales_cents),
            None,
            charts::GREEN,
        ),
    ];
    body.push_str(&format!(
        "<h2>{t}</h2><figure class=\"sales-split\">{svg}<figcaption>{note}</figcaption></figure>",
        t = esc(lang.s(S::SalesSplit)),
        svg = charts::rows(lang.s(S::SalesSplit), &bars),
        note = esc(lang.s(S::SalesSplitNote)),
    ));
}

/// The team comparison: the `--by group` rows of the report (people only).
fn teams(body: &mut String, lang: Lang, groups: &[Row]) {
    body.push_str(&format!("<h2>{}</h2>", esc(lang.s(S::Teams))));
    if groups.is_empty() {
        body.push_str(&format!("<p>{}</p>", esc(lang.s(S::NoData))));
        return;
    }
    let figures = report::figures(By::Group, false);
    body.push_str(&format!(
        "<div class=\"wrap\"><table class=\"teams\"><thead><tr><th>{}</th>",
        esc(lang.s(S::Group))
    ));
    for f in &figures {
        body.push_str(&format!("<th>{}</th>", esc(lang.figure(f))));
    }
    body.push_str("</tr></thead><tbody>");
    for row in groups {
        let group = row
            .key
            .clone()
            .unwrap_or_else(|| lang.s(S::NoGroup).to_string());
        body.push_str(&format!("<tr><td>{}</td>", esc(&group)));
        for f in &figures {
            body.push_str(&format!(
                "<td>{}</td>",
                esc(&report::display(f, f.value(&row.counters)))
            ));
        }
        body.push_str("</tr>");
    }
    body.push_str("</tbody></table></div>");
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
    let export = |format: &str| {
        format!(
            "/ranking/export?format={format}&store={}&from={}&to={}&lang={}&group={}&role={}",
            url(&name),
            r.from,
            r.to,
            lang.code(),
            url(group_now),
            url(role_now)
        )
    };
    body.push_str(&format!(
        "<p class=\"exports\">{}: <a href=\"{}\">Excel (.xlsx)</a> · <a href=\"{}\">CSV</a></p>",
        esc(lang.s(S::Export)),
        esc(&export("xlsx")),
        esc(&export("csv"))
    ));
    for (bots, title) in [(false, S::People), (true, S::Bots)] {
        let rows: Vec<&Row> = r.rows.iter().filter(|x| x.is_bot == bots).collect();
        if rows.is_empty() {
            continue;
        }
        body.push_str(&format!(
            "<h2>{}</h2><div class=\"wrap\"><table><thead><tr><th>{}</th><th>{}</th>",
            esc(lang.s(title)),
            esc(lang.s(S::Account)),
            esc(lang.s(S::Group))
        ));
        for f in &figures {
            let dir = if sort.is_some_and(|s| s.key == f.key) && desc {
                "asc"
            } else {
                "desc"
            };
            let href = link(
                "/ranking",
                &name,
                r.from,
                r.to,
                &format!("&sort={}&dir={dir}&lang={}", f.key, lang.code()),
            );
            let mark = match sort {
                Some(s) if s.key == f.key => {
                    if desc {
                        " ▼"
                    } else {
                        " ▲"
                    }
                }
                _ => "",
            };
            body.push_str(&format!(
                "<th><a href=\"{}\">{}{mark}</a></th>",
                esc(&href),
                esc(lang.figure(f))
            ));
        }
        body.push_str("</tr></thead><tbody>");
        // best and worst of each column
        let marks: Vec<(Option<f64>, Option<f64>)> = figures
            .iter()
            .map(|f| {
                let vals: Vec<f64> = rows
                    .iter()
                    .filter_map(|x| report::number(f.value(&x.counters)))
                    .collect();
                let hi = vals.iter().copied().reduce(f64::max);
                let lo = vals.iter().copied().reduce(f64::min);
                match (hi, lo) {
                    (Some(hi), Some(lo)) if hi != lo => {
                        if report::lower_is_better(f.key) {
                            (Some(lo), Some(hi))
                        } else {
                            (Some(hi), Some(lo))
                        }
                    }
                    _ => (None, None),
                }
            })
            .collect();
        for row in rows {
            let group = row
                .account
                .and_then(|id| r.groups.iter().find(|(g, _)| *g == id))
                .and_then(|(_, g)| g.clone())
                .unwrap_or_default();
            let account = row.key.as_deref().unwrap_or("");
            let drill = format!(
                "{}&lang={}",
                crate::drill::account_link(&name, account, r.from, r.to),
                lang.code()
            );
            body.push_str(&format!(
                "<tr><td><a href=\"{}\">{}</a></td><td>{}</td>",
                esc(&drill),
                esc(account),
                esc(&group)
            ));
            for (f, (best, worst)) in figures.iter().zip(&marks) {
                let v = f.value(&row.counters);
                let n = report::number(v);
                let (class, title) = if n.is_some() && n == *best {
                    (
                        " class=\"best\"",
                        format!(" title=\"{}\"", esc(lang.s(S::Best))),
                    )
                } else if n.is_some() && n == *worst {
                    (
                        " class=\"worst\"",
                        format!(" title=\"{}\"", esc(lang.s(S::Worst))),
                    )
                } else {
                    ("", String::new())
                };
                body.push_str(&format!(
                    "<td{class}{title}>{}</td>",
                    esc(&report::display(f, v))
                ));
            }
            body.push_str("</tr>");
        }
        body.push_str("</tbody></table></div>");
    }
    if r.rows.is_empty() {
        body.push_str(&format!("<p>{}</p>", esc(lang.s(S::NoData))));
    }
    let mut here_extra = String::new();
    if let Some(f) = sort {
        here_extra = format!("&sort={}&dir={}", f.key, if desc { "desc" } else { "asc" });
    }
    let here = link("/ranking", &name, r.from, r.to, &here_extra);
    Html(page(
        lang,
        lang.s(S::Ranking),
        Some(&user.session),
        &here,
        &body,
    ))
    .into_response()
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
            WebError::BadRequest(format!(
                "`by` is one of account, group, store, day; not `{s}`"
            ))
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
