//! `GET /api/v1/openapi.json`: the API described for tools (OpenAPI 3.1), written from the
//! same figure list the API answers with, so the two cannot drift apart.

use axum::Json;
use kefu_core::figures::{ACCOUNT_FIGURES, STORE_FIGURES, Value};
use serde_json::{Map, json};

use crate::auth::CurrentUser;

pub async fn document(_user: CurrentUser) -> Json<serde_json::Value> {
    Json(openapi())
}

/// The OpenAPI document of the JSON API.
pub fn openapi() -> serde_json::Value {
    let mut figures = Map::new();
    for f in ACCOUNT_FIGURES.iter().chain(STORE_FIGURES) {
        let kind = match f.value(&Default::default()) {
            Value::Count(_) => json!({"type": "integer"}),
            Value::Money(_) => json!({"type": "number", "description": "yuan"}),
            Value::Ratio(_) => {
                json!({"type": ["number", "null"], "description": "null when undefined"})
            }
        };
        let mut schema = kind;
        schema["title"] = json!(format!("{} / {}", f.zh, f.en));
        figures.insert(f.key.to_string(), schema);
    }
    figures.insert("store".into(), json!({"type": "string"}));
    figures.insert(
        "account".into(),
        json!({"type": "string", "description": "with by=account"}),
    );
    figures.insert(
        "group".into(),
        json!({"type": ["string", "null"], "description": "with by=group"}),
    );
    figures.insert(
        "day".into(),
        json!({"type": "string", "format": "date", "description": "with by=day"}),
    );
    let day = |name: &str, what: &str| json!({"name": name, "in": "query", "required": false, "schema": {"type": "string", "format": "date"}, "description": what});
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "kefu API",
            "version": "1",
            "description": "Figures of kefu (客服绩效). Every request needs a session (log in at /login). Figures are defined in docs/metrics.md; they equal `kefu report --format json` for the same filters."
        },
        "paths": {
            "/api/v1/report": {"get": {
                "summary": "Figures by account, group, store or day",
                "parameters": [
                    {"name": "by", "in": "query", "required": false, "schema": {"type": "string", "enum": ["account", "group", "store", "day"], "default": "account"}},
                    day("from", "first day (default: the last 7 days with data)"),
                    day("to", "last day, included"),
                    {"name": "store", "in": "query", "required": false, "schema": {"type": "string"}, "description": "only this store"}
                ],
                "responses": {
                    "200": {"description": "one object per row", "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/Row"}}}}},
                    "400": {"$ref": "#/components/responses/Error"},
                    "401": {"$ref": "#/components/responses/Error"},
                    "404": {"$ref": "#/components/responses/Error"}
                }
            }},
            "/api/v1/openapi.json": {"get": {"summary": "This document", "responses": {"200": {"description": "OpenAPI 3.1"}}}}
        },
        "components": {
            "schemas": {
                "Row": {"type": "object", "properties": figures},
                "Error": {"type": "object", "properties": {"error": {"type": "object", "properties": {
                    "code": {"type": "string", "enum": ["bad_request", "unauthenticated", "forbidden", "not_found", "internal"]},
                    "message": {"type": "string"}
                }}}}
            },
            "responses": {"Error": {"description": "an error with a stable code", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}
        }
    })
}
