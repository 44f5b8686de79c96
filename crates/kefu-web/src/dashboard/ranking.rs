use super::*;

use kefu_core::platform::{FigureKind, Platform};
use kefu_report::platform::PlatformRow;

use crate::ui::table::Content;

pub(super) struct Ranking {
    allowed: Vec<Allowed>,
    store: Allowed,
    from: Day,
    to: Day,
    last: Day,
    rows: Vec<Row>,
    groups: Vec<(kefu_core::model::NameId, Option<String>)>,
    /// The store's roster groups, for the group filter.
    group_names: Vec<String>,
    /// The platform report figures for the range, the rows the user may see.
    platform: Vec<PlatformRow>,
    /// The store's platform profile: which service figures the ranking shows.
    profile: Platform,
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
            let stored = db.platform_figures_of(store.store.id, &store.store.name, from, to)?;
            let mut platform = kefu_report::platform::rows(&stored, from, to);
            platform.retain(|row| platform_row_shown(&filter, &store.rows, &accounts, row));
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
                profile: Platform::Taobao,
                platform,
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
    r.profile = state.config.store(&name).metrics.platform;
    let figures = report::profile_figures(By::Account, false, r.profile);
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
    let group_now = p.group.as_deref().unwrap_or("");
    let role_now = p.role.as_deref().unwrap_or("");
    let roles = [
        ("presale", S::Presale),
        ("aftersale", S::Aftersale),
        ("bot", S::Bot),
    ];
    let extra = html! {
        label {
            (lang.s(S::Group))
            select name="group" {
                option value="" { (lang.s(S::Everyone)) }
                @for g in &r.group_names {
                    option value=(g) selected[g == group_now] { (g) }
                }
            }
        }
        label {
            (lang.s(S::Role))
            select name="role" {
                option value="" { (lang.s(S::Everyone)) }
                @for (value, label) in roles {
                    option value=(value) selected[value == role_now] { (lang.s(label)) }
                }
            }
        }
        @if let Some(f) = sort {
            input type="hidden" name="sort" value=(f.key);
        }
        @if !desc {
            input type="hidden" name="dir" value="asc";
        }
    };
    let filters = filters(
        lang,
        "/ranking",
        &r.allowed,
        &name,
        Span {
            from: r.from,
            to: r.to,
            last: r.last,
        },
        extra,
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
    let platform_tables = platform_tables(lang, &r.platform);
    if let Some(format) = export {
        let file = format!("ranking-{}-{}", r.from, r.to);
        let all: Vec<Table> = tables.into_iter().chain(platform_tables).collect();
        return table::download(&all, p.table.as_deref(), format, &file)
            .unwrap_or_else(|e| error_page(lang, &user, e));
    }
    let body = html! {
        (filters)
        @for (t, title) in tables.iter().zip([S::People, S::Bots]) {
            @if !t.rows.is_empty() {
                h2 { (lang.s(title)) }
                (t.download_links(lang, &here))
                (t.markup("ranking"))
            }
        }
        @if r.rows.is_empty() && r.platform.is_empty() {
            p { (lang.s(S::NoData)) }
        }
        @if !platform_tables.is_empty() {
            section #platform {
                h2 { (lang.s(S::PlatformFigures)) }
                p.note { (lang.s(S::PlatformFiguresNote)) }
                @for t in &platform_tables {
                    h3 { (t.title) }
                    (t.download_links(lang, &here))
                    (t.markup("platform"))
                }
            }
        }
    };
    let page = page(lang, lang.s(S::Ranking), Some(&user.session), &here, body);
    Html(page.into_string()).into_response()
}

/// The ranking's tables, people and bots, as the page shows them: every figure cell a link to
/// the items behind it, the best and worst value of each column marked, columns sortable.
pub(super) fn ranking_tables(
    lang: Lang,
    r: &Ranking,
    sort: Option<&'static Figure>,
    desc: bool,
) -> Vec<Table> {
    let name = &r.store.store.name;
    let lq = format!("&lang={}", lang.code());
    let figures = report::profile_figures(By::Account, false, r.profile);
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
pub(super) fn best_and_worst(direction: Direction, values: &[f64]) -> (Option<f64>, Option<f64>) {
    let hi = values.iter().copied().reduce(f64::max);
    let lo = values.iter().copied().reduce(f64::min);
    match (hi, lo, direction) {
        (Some(hi), Some(lo), Direction::HigherIsBetter) if hi != lo => (Some(hi), Some(lo)),
        (Some(hi), Some(lo), Direction::LowerIsBetter) if hi != lo => (Some(lo), Some(hi)),
        _ => (None, None),
    }
}

/// Unknown paths: anonymous requests are sent to the login page like every other.
pub async fn not_found(
    user: CurrentUser,
    uri: axum::http::Uri,
    headers: HeaderMap,
    Query(p): Query<Params>,
) -> Response {
    if uri.path().starts_with("/api/") {
        return crate::json_error(
            StatusCode::NOT_FOUND,
            crate::api::ErrorCode::NotFound,
            "no such endpoint",
        );
    }
    let lang = i18n::pick(p.lang.as_deref(), &headers);
    let body = html! { p { (lang.s(S::NotFound)) } };
    frame(lang, &user, StatusCode::NOT_FOUND, S::NotFound, "/", body)
}

/// The kefu account a platform report's account is: the account of that name, else the one
/// whose name without its shop is it (`kefu_core::platform::without_shop`).
fn platform_account<'a>(
    accounts: &'a [kefu_store::AccountInfo],
    name: &str,
) -> Option<&'a kefu_store::AccountInfo> {
    accounts.iter().find(|a| a.name == name).or_else(|| {
        accounts
            .iter()
            .find(|a| kefu_core::platform::without_shop(&a.name) == Some(name))
    })
}

/// Whether the user sees a platform row with the page's filters: someone who sees only some
/// accounts sees only those accounts' rows (not the shop's own); a group or role filter
/// keeps the rows of the accounts it admits.
fn platform_row_shown(
    p: &Params,
    rows: &Rows,
    accounts: &[kefu_store::AccountInfo],
    row: &PlatformRow,
) -> bool {
    let info = row
        .account
        .as_deref()
        .and_then(|n| platform_account(accounts, n));
    if let Rows::Accounts(ids) = rows
        && !info.is_some_and(|a| ids.contains(&a.id))
    {
        return false;
    }
    let group = p.group.as_deref().filter(|g| !g.is_empty());
    let role = p.role.as_deref().filter(|r| !r.is_empty());
    if group.is_none() && role.is_none() {
        return true;
    }
    let Some(a) = info else { return false };
    let group_ok = group.is_none_or(|g| a.group.as_deref() == Some(g));
    let role_ok = match role {
        None => true,
        Some("bot") => a.is_bot,
        Some(r) => !a.is_bot && a.role.map(|x| x.as_str()) == Some(r),
    };
    group_ok && role_ok
}

/// A platform's name for its table's title.
fn platform_name(lang: Lang, p: Platform) -> &'static str {
    p.name(lang == Lang::Zh)
}

/// A platform's table id (downloads pick a table by it).
fn platform_table_id(p: Platform) -> &'static str {
    match p {
        Platform::Taobao => "platform-taobao",
        Platform::Tmall => "platform-tmall",
        Platform::Pdd => "platform-pdd",
        Platform::Douyin => "platform-douyin",
        Platform::Kuaishou => "platform-kuaishou",
        Platform::Jd => "platform-jd",
        Platform::Chitu => "platform-chitu",
    }
}

/// A platform figure's cell in its column's unit: rates as percentages, money in yuan,
/// durations as times, counts as integers; `-` when not known for the range.
fn platform_cell(kind: FigureKind, x: Option<f64>) -> Cell {
    let Some(x) = x else {
        return Cell::text("-");
    };
    match kind {
        FigureKind::Rate => Cell::text(format!("{:.2}%", x * 100.0)),
        FigureKind::Money => Cell::new(Content::Money((x * 100.0).round() as i64)),
        FigureKind::Duration => Cell::new(Content::Duration(Some((x * 1000.0).round() as i64))),
        FigureKind::Count if x.fract() == 0.0 && x.abs() < 9e15 => {
            Cell::new(Content::Count(x as i64))
        }
        FigureKind::Count | FigureKind::Average => Cell::text(x.to_string()),
    }
}

/// One table per platform with figures in the range: the accounts (the shop's own first)
/// and every column of the platform's reports, as named in the files, by name.
pub(super) fn platform_tables(lang: Lang, rows: &[PlatformRow]) -> Vec<Table> {
    let mut platforms: Vec<Platform> = rows.iter().map(|r| r.platform).collect();
    platforms.sort();
    platforms.dedup();
    platforms
        .into_iter()
        .map(|p| {
            let of: Vec<&PlatformRow> = rows.iter().filter(|r| r.platform == p).collect();
            let names: std::collections::BTreeSet<&str> = of
                .iter()
                .flat_map(|r| r.figures.iter().map(|(n, _, _)| n.as_str()))
                .collect();
            let mut columns = vec![Column::of(lang, S::Account)];
            columns.extend(names.iter().map(|n| Column::new(*n)));
            let title = format!(
                "{} · {}",
                lang.s(S::PlatformFigures),
                platform_name(lang, p)
            );
            let mut t = Table::new(platform_table_id(p), title, columns);
            for r in of {
                let account = r
                    .account
                    .clone()
                    .unwrap_or_else(|| lang.s(S::ShopItself).to_string());
                let mut cells = vec![Cell::text(account)];
                for n in &names {
                    cells.push(match r.figures.iter().find(|(x, _, _)| x == n) {
                        Some((_, kind, v)) => platform_cell(*kind, *v),
                        None => Cell::text("-"),
                    });
                }
                t.rows.push(cells);
            }
            t
        })
        .collect()
}
