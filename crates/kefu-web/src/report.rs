//! Report rows for pages and the API, limited to what the user may see: the shared
//! `kefu-report` crate does the work, so the API answers exactly like `kefu report`.

use kefu_core::figures::Figure;
use kefu_core::time::Day;
use kefu_report::Scope;
use kefu_store::Db;

pub use kefu_report::{By, Row, display, number};

use crate::WebError;
use crate::access::{Allowed, Rows};

/// Longest range a request may ask for.
pub const MAX_DAYS: i32 = 366;

fn scopes(allowed: &[Allowed]) -> Vec<Scope> {
    allowed
        .iter()
        .map(|a| Scope {
            store: a.store.clone(),
            accounts: match &a.rows {
                Rows::All => None,
                Rows::Accounts(ids) => Some(ids.clone()),
            },
        })
        .collect()
}

/// The report of `by` over `[from, to]` for the allowed stores and accounts.
pub fn build(
    db: &Db,
    by: By,
    from: Day,
    to: Day,
    allowed: &[Allowed],
) -> Result<kefu_report::Report, WebError> {
    kefu_report::build_scoped(db, by, from, to, &scopes(allowed)).map_err(|e| match e {
        kefu_report::ReportError::Store(e) => WebError::Store(e),
        other => WebError::Internal(other.to_string()),
    })
}

/// The figures a report of `by` shows: store-level ones only for users who see whole stores.
pub fn figures(by: By, whole_store: bool) -> Vec<&'static Figure> {
    kefu_report::Report {
        by,
        rows: Vec::new(),
        only: Vec::new(),
        whole_store,
    }
    .figures()
}

/// The figures a page of a store on `platform` shows for a report of `by`: those of
/// [`figures`] but the other platforms' service figures (`docs/metrics.md`, "Platform
/// profiles"; the API and the exports of a report keep every figure).
pub fn profile_figures(
    by: By,
    whole_store: bool,
    platform: kefu_core::platform::Platform,
) -> Vec<&'static Figure> {
    figures(by, whole_store)
        .into_iter()
        .filter(|f| kefu_core::platform::shows_figure(platform, f.key))
        .collect()
}

/// `[from, to]` from the query, or by default the last 7 days with data of the stores.
pub fn range(
    db: &Db,
    from: Option<&str>,
    to: Option<&str>,
    allowed: &[Allowed],
) -> Result<(Day, Day), WebError> {
    let parse = |s: &str, what: &str| {
        Day::parse(s).ok_or_else(|| {
            WebError::invalid(
                format!("`{what}` 不是 YYYY-MM-DD 格式的日期：`{s}`"),
                format!("`{what}` is not a YYYY-MM-DD day: `{s}`"),
            )
        })
    };
    let (from, to) = match (from.filter(|s| !s.is_empty()), to.filter(|s| !s.is_empty())) {
        (Some(f), Some(t)) => (parse(f, "from")?, parse(t, "to")?),
        (Some(f), None) => {
            let f = parse(f, "from")?;
            (f, f.offset(6))
        }
        (None, Some(t)) => {
            let t = parse(t, "to")?;
            (t.offset(-6), t)
        }
        (None, None) => {
            let mut span: Option<(Day, Day)> = None;
            for a in allowed {
                if let Some((f, t)) = db.day_span(a.store.id)? {
                    span = Some(span.map_or((f, t), |(f0, t0)| (f0.min(f), t0.max(t))));
                }
            }
            match span {
                Some((first, last)) => (last.offset(-6).max(first), last),
                None => {
                    let today = Day::of(
                        std::time::SystemTime::now()
                            .duration_since(std::time::UNIX_EPOCH)
                            .map_or(0, |d| d.as_millis() as i64),
                    );
                    (today.offset(-6), today)
                }
            }
        }
    };
    if to < from {
        return Err(WebError::invalid(
            format!("`to` {to} 早于 `from` {from}"),
            format!("`to` {to} is before `from` {from}"),
        ));
    }
    if to.0 - from.0 >= MAX_DAYS {
        return Err(WebError::invalid(
            format!("日期范围最长 {MAX_DAYS} 天"),
            format!("a range is at most {MAX_DAYS} days"),
        ));
    }
    Ok((from, to))
}

pub(crate) fn explain_error(e: kefu_report::ReportError) -> WebError {
    match e {
        kefu_report::ReportError::Store(e) => WebError::Store(e),
        other => WebError::Internal(other.to_string()),
    }
}
