//! Exports of the ranking: the table as `.xlsx` or CSV, with the columns and names of the
//! screen (both come from `kefu-report`).

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use kefu_report::By;

use crate::access;
use crate::auth::CurrentUser;
use crate::i18n;
use crate::pages::Params;
use crate::report;
use crate::{AppState, WebError};

/// `GET /ranking/export?format=xlsx|csv&store=&from=&to=`: what the ranking page shows.
pub async fn ranking(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Query(p): Query<Params>,
) -> Response {
    let lang = i18n::pick(p.lang.as_deref(), &headers);
    let report_lang = lang;
    let csv = match p.format.as_deref() {
        None | Some("") | Some("xlsx") => false,
        Some("csv") => true,
        Some(other) => {
            let e = WebError::BadRequest(format!("`format` is xlsx or csv, not `{other}`"));
            return (e.status(), e.public_message()).into_response();
        }
    };
    let u = user.session.user.clone();
    let built = state
        .db(move |db| {
            let allowed = access::allowed(db, &u, p.store.as_deref())?;
            let store = allowed
                .into_iter()
                .next()
                .ok_or_else(|| WebError::NotFound("no store to show".into()))?;
            let only = std::slice::from_ref(&store);
            let (from, to) = report::range(db, p.from.as_deref(), p.to.as_deref(), only)?;
            let mut rep = report::build(db, By::Account, from, to, only)?;
            // The rows the ranking page shows under the same filters.
            let accounts = db.accounts(store.store.id)?;
            rep.rows.retain(|row| {
                crate::pages::passes(&p, row, accounts.iter().find(|a| Some(a.id) == row.account))
            });
            let bytes = if csv {
                let mut out = Vec::new();
                kefu_report::write_csv_named(&rep, report_lang, &mut out)
                    .map_err(|e| WebError::Internal(e.to_string()))?;
                out
            } else {
                kefu_report::to_xlsx(&rep, report_lang)
                    .map_err(|e| WebError::Internal(e.to_string()))?
            };
            Ok((bytes, format!("ranking-{from}-{to}")))
        })
        .await;
    match built {
        Ok((bytes, name)) => {
            let (mime, ext) = if csv {
                ("text/csv; charset=utf-8", "csv")
            } else {
                (
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    "xlsx",
                )
            };
            let mut res = bytes.into_response();
            let h = res.headers_mut();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
            if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}.{ext}\""))
            {
                h.insert(header::CONTENT_DISPOSITION, v);
            }
            res
        }
        Err(e) => (e.status(), e.public_message()).into_response(),
    }
}
