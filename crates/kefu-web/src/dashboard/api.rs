//! `GET /api/v1/report`: figures by account, group, store or day as JSON, and the type of
//! its rows.

use kefu_core::figures::{ACCOUNT_FIGURES, STORE_FIGURES, Unit, Value};
use serde::Serialize;
use serde_json::Map;
use utoipa::openapi::RefOr;
use utoipa::openapi::path::{Parameter, ParameterIn};
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, Schema, SchemaFormat, SchemaType, Type};
use utoipa::{IntoParams, PartialSchema, ToSchema};

use super::*;
use crate::api::{Errors, by_param, param, range_params, text};

/// One row of the report, as `kefu report --format json` writes it: `store`, the row's key
/// (`account`, `group` or `day`, by `by`) and every figure the user may see.
///
/// Kept as a map, its schema written below from the figure definitions: a struct would list
/// every figure a second time (a figure is defined once, in `kefu_core::figures`), and the
/// keys depend on `by` and on whether the user sees the whole store.
#[derive(Debug, Serialize)]
#[serde(transparent)]
pub struct ReportRow(Map<String, serde_json::Value>);

impl PartialSchema for ReportRow {
    fn schema() -> RefOr<Schema> {
        let mut row = ObjectBuilder::new().schema_type(Type::Object);
        for f in ACCOUNT_FIGURES.iter().chain(STORE_FIGURES) {
            let unit = match f.unit {
                Unit::Count => "",
                Unit::Yuan => "yuan",
                Unit::Percent => "a fraction (0.5 = 50%)",
                Unit::Seconds => "seconds",
                Unit::Ratio => "a ratio",
            };
            let kind = match f.value(&Default::default()) {
                Value::Count(_) => ObjectBuilder::new().schema_type(Type::Integer),
                Value::Money(_) => ObjectBuilder::new()
                    .schema_type(Type::Number)
                    .description(Some(unit)),
                Value::Ratio(_) => ObjectBuilder::new()
                    .schema_type(SchemaType::from_iter([Type::Number, Type::Null]))
                    .description(Some(format!("{unit}; null when undefined"))),
            };
            row = row.property(f.key, kind.title(Some(format!("{} / {}", f.zh, f.en))));
        }
        let date = ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)));
        row.property("store", text())
            .property(
                "account",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .description(Some("with by=account")),
            )
            .property(
                "group",
                ObjectBuilder::new()
                    .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
                    .description(Some("with by=group")),
            )
            .property("day", date.description(Some("with by=day")))
            .build()
            .into()
    }
}

impl ToSchema for ReportRow {
    fn name() -> std::borrow::Cow<'static, str> {
        "Row".into()
    }
}

/// The query of `/api/v1/report`.
pub enum ReportQuery {}

impl IntoParams for ReportQuery {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let [from, to] = range_params();
        vec![
            by_param(&["account", "group", "store", "day"]),
            from,
            to,
            param("store", false, text(), "only this store"),
        ]
    }
}

/// `GET /api/v1/report?by=account|store|day&from=&to=&store=`: the rows the user may see,
/// as `kefu report --format json` writes them.
#[utoipa::path(
    get,
    path = "/api/v1/report",
    summary = "Figures by account, group, store or day",
    params(ReportQuery),
    responses((status = 200, description = "one object per row", body = Vec<ReportRow>), Errors)
)]
pub async fn api_report(
    State(state): State<AppState>,
    user: CurrentUser,
    query: Result<Query<Params>, QueryRejection>,
) -> Result<Json<Vec<ReportRow>>, ApiError> {
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
    let rows = state
        .db(move |db| {
            let allowed = access::allowed(db, &u, p.store.as_deref())?;
            let (from, to) = report::range(db, p.from.as_deref(), p.to.as_deref(), &allowed)?;
            Ok(kefu_report::json_rows(&report::build(
                db, by, from, to, &allowed,
            )?))
        })
        .await?;
    Ok(Json(rows.into_iter().map(ReportRow).collect()))
}
