//! `GET /api/v1/openapi.json`: the API described for tools (OpenAPI 3.1), derived by utoipa
//! from each endpoint's `#[utoipa::path]` and the Rust types its answer is made of, so the
//! document and the answers cannot drift apart. The router tests check every key of real
//! answers against the schemas here, and that the document's paths are the router's.
//!
//! Like [`crate::routes::all`], this module names every feature's API handler; features never
//! name it.

use axum::Json;
use utoipa::openapi::schema::{AdditionalProperties, ArrayItems, Schema};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{OpenApi as Document, RefOr};
use utoipa::{Modify, OpenApi};

use crate::api::ErrorBody;
use crate::auth::{CurrentUser, SESSION_COOKIE};
use crate::routes::Routes;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "kefu API",
        version = "1",
        description = "Figures of kefu (客服绩效) and the items behind them. Every request needs a personal API token (`Authorization: Bearer kefu_…`, made at /settings/tokens) or a session cookie (log in at /login). A user sees only their stores (supervisor, qa) or their own chat accounts (agent); anything else is answered as not found. Figures are defined in docs/metrics.md; they equal `kefu report --format json` for the same filters. Errors are `{\"error\": {\"code\", \"message\"}}` with a stable code."
    ),
    paths(
        crate::dashboard::api_report,
        crate::list::api_list,
        crate::drill::api_transcript,
        crate::plans::api_run,
        crate::api_qa::hits,
        crate::api_qa::summary,
        crate::api_qa::reviews,
        crate::live::ingest,
        document,
    ),
    components(schemas(ErrorBody), responses(ErrorBody)),
    security(("bearer" = []), ("session" = [])),
    modifiers(&Security, &EveryKeyAnswered)
)]
struct ApiDoc;

/// The two ways to authenticate.
struct Security;

impl Modify for Security {
    fn modify(&self, doc: &mut Document) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "a personal API token (`kefu_…`) from /settings/tokens",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "ingest",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "a store's ingest token (`kefu_ingest_…`) from /settings/ingest or `kefu ingest-token create`: writes that store's live events and reads nothing",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                SESSION_COOKIE,
                "the session of a logged-in browser",
            ))),
        );
    }
}

/// The schema whose keys depend on the request (see `dashboard::ReportRow`).
const OPEN_ROW: &str = "Row";

/// Every answer carries every key of its type: no field is skipped when serialising, and
/// what is absent is `null`. So every property of every object is required, the `Option`s
/// (which utoipa leaves optional) included.
struct EveryKeyAnswered;

impl Modify for EveryKeyAnswered {
    fn modify(&self, doc: &mut Document) {
        let Some(components) = doc.components.as_mut() else {
            return;
        };
        for (name, schema) in components.schemas.iter_mut() {
            if name != OPEN_ROW {
                all_required(schema);
            }
        }
    }
}

fn all_required(schema: &mut RefOr<Schema>) {
    let RefOr::T(schema) = schema else {
        return;
    };
    match schema {
        Schema::Object(o) => {
            o.required = o.properties.keys().cloned().collect();
            o.properties.values_mut().for_each(all_required);
            if let Some(extra) = o.additional_properties.as_deref_mut()
                && let AdditionalProperties::RefOr(s) = extra
            {
                all_required(s);
            }
        }
        Schema::Array(a) => {
            if let ArrayItems::RefOrSchema(items) = &mut a.items {
                all_required(items);
            }
        }
        Schema::OneOf(o) => o.items.iter_mut().for_each(all_required),
        Schema::AllOf(o) => o.items.iter_mut().for_each(all_required),
        Schema::AnyOf(o) => o.items.iter_mut().for_each(all_required),
        _ => {}
    }
}

/// The OpenAPI document of the JSON API.
pub fn openapi() -> Document {
    ApiDoc::openapi()
}

#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    summary = "This document",
    responses((status = 200, description = "OpenAPI 3.1"), (status = 401, response = ErrorBody))
)]
pub async fn document(_user: CurrentUser) -> Json<Document> {
    Json(openapi())
}

/// The API's own description.
pub(crate) fn routes(r: Routes) -> Routes {
    r.get("/api/v1/openapi.json", document)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// The document lists exactly the `/api/v1/` routes the router serves, each with its
    /// method: `get`, but for the one route that writes (live ingest, `post`).
    #[test]
    fn the_documented_paths_are_the_served_api_routes() {
        let doc = openapi();
        let documented: BTreeSet<&str> = doc.paths.paths.keys().map(String::as_str).collect();
        let served: BTreeSet<&str> = crate::routes::route_table()
            .into_iter()
            .filter(|r| r.path.starts_with("/api/v1/"))
            .inspect(|r| {
                let writes = r.path == "/api/v1/events";
                assert!(
                    r.get != writes && r.post == writes,
                    "{}: the API reads with GET; only ingest writes, with POST",
                    r.path
                )
            })
            .map(|r| r.path)
            .collect();
        assert_eq!(documented, served);
        for (path, item) in &doc.paths.paths {
            let get = item.get.as_ref().or(item.post.as_ref());
            assert!(get.is_some(), "{path} has no get");
            let responses = get.map(|g| &g.responses.responses);
            assert!(
                responses.is_some_and(|r| r.contains_key("200") && r.contains_key("401")),
                "{path}: 200 and 401"
            );
        }
    }

    #[test]
    fn every_property_is_required_but_the_report_rows() {
        let doc = serde_json::to_value(openapi()).unwrap_or_default();
        let schemas = &doc["components"]["schemas"];
        let names = schemas.as_object().map(|m| m.len()).unwrap_or(0);
        assert!(names >= 30, "{names} schemas");
        let review = &schemas["QaReview"];
        let mut required: Vec<&str> = review["required"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str())
            .collect();
        required.sort_unstable();
        let mut props: Vec<&str> = review["properties"]
            .as_object()
            .into_iter()
            .flat_map(|m| m.keys().map(String::as_str))
            .collect();
        props.sort_unstable();
        assert!(props.contains(&"appeal") && props.contains(&"training_topic"));
        assert_eq!(required, props);
        assert!(schemas["Row"].get("required").is_none());
        assert_eq!(
            doc["components"]["securitySchemes"]["session"]["name"],
            "kefu_session"
        );
    }
}
