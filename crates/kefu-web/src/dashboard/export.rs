//! The ranking's old download address. Every table now downloads from its own page through
//! the one table model (`table.rs`: `?export=xlsx|csv&table=<id>`); this address answers
//! with a redirect there, so that saved links and scripts keep working.

use axum::extract::Query;
use axum::response::{IntoResponse, Redirect, Response};

use crate::auth::CurrentUser;
use crate::dashboard::Params;
use crate::ui::html::url;
use crate::ui::table::Format;

/// `GET /ranking/export?format=xlsx|csv&store=&from=&to=&group=&role=&lang=`: redirects to
/// `/ranking?…&export=…`, the ranking's own download (an `.xlsx` file holds the people and
/// the bots, a sheet each; a CSV file the people).
pub async fn ranking(_user: CurrentUser, Query(p): Query<Params>) -> Response {
    let format = match Format::parse(p.format.as_deref().unwrap_or("")) {
        Ok(Format::Xlsx) => "xlsx",
        Ok(Format::Csv) => "csv",
        Err(e) => return (e.status(), e.public_message()).into_response(),
    };
    let mut query = format!("export={format}");
    for (name, value) in [
        ("store", &p.store),
        ("from", &p.from),
        ("to", &p.to),
        ("group", &p.group),
        ("role", &p.role),
        ("lang", &p.lang),
    ] {
        if let Some(v) = value.as_deref().filter(|v| !v.is_empty()) {
            query.push_str(&format!("&{name}={}", url(v)));
        }
    }
    Redirect::to(&format!("/ranking?{query}")).into_response()
}
