//! The platform reports' own figures on the ranking: one table per platform, its columns as
//! the report names them, rows the user may see.

use super::*;

use kefu_core::platform::{FigureKind, Platform};
use kefu_report::platform::PlatformRow;

use crate::ui::table::Content;

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
pub(super) fn platform_row_shown(
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
        FigureKind::Rate => Cell::new(Content::Rate(x)),
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
