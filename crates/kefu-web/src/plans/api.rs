//! `GET /api/v1/plans/run`: the plans in force for a month as JSON, and the type of that
//! answer (its lines are `kefu_plan`'s own types, which carry their schemas).

use kefu_plan::{ColumnWithoutData, PaidElsewhere, UnpaidAccount};
use serde::Serialize;
use utoipa::openapi::path::{Parameter, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::{IntoParams, ToSchema};

use super::*;
use crate::api::{Errors, param, store_param, text};

/// A plan's result for a month: the engine's [`PlanResult`], except that the store's
/// headcount and sales are null (hidden, not zero) for users who do not see the store's
/// totals.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = PlanResult)]
pub struct PlanRun {
    pub plan_id: String,
    pub plan_name: String,
    /// YYYY-MM.
    pub month: String,
    /// Refunds finished before this store-local moment count against the month.
    pub settlement_end: String,
    /// The agents active in the month (all, when the plan pays inactive agents); null for
    /// agents of a store that does not show them its totals.
    pub headcount: Option<usize>,
    /// Cents; null as headcount.
    pub store_sales_cents: Option<i64>,
    /// The store has no data at all in the month.
    pub empty_month: bool,
    /// Best first; an agent gets their own only.
    pub payslips: Vec<Payslip>,
    /// Agents this plan also matches who are paid by another plan in force (one plan pays
    /// each person).
    pub paid_by_other_plan: Vec<PaidElsewhere>,
    /// The store's accounts with sales in the month that no plan in force pays.
    pub unpaid_with_sales: Vec<UnpaidAccount>,
    /// Platform columns the plan reads that no agent has a figure for in the month (a
    /// misspelt column, or a report not imported), with the columns that do exist.
    pub columns_without_data: Vec<ColumnWithoutData>,
}

impl PlanRun {
    fn new(r: PlanResult, store_totals: bool) -> Self {
        PlanRun {
            plan_id: r.plan_id,
            plan_name: r.plan_name,
            month: r.month,
            settlement_end: r.settlement_end,
            // hidden, not zero: the pool line's formula is empty for the same reason
            headcount: store_totals.then_some(r.headcount),
            store_sales_cents: store_totals.then_some(r.store_sales_cents),
            empty_month: r.empty_month,
            payslips: r.payslips,
            paid_by_other_plan: r.paid_by_other_plan,
            unpaid_with_sales: r.unpaid_with_sales,
            columns_without_data: r.columns_without_data,
        }
    }
}

/// The query of `/api/v1/plans/run`.
pub enum PlanRunQuery {}

impl IntoParams for PlanRunQuery {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let month = ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some("^[0-9]{4}-[0-9]{2}$"))
            .build();
        vec![
            store_param(),
            param(
                "month",
                false,
                month,
                "YYYY-MM (default: the month of the last day with data)",
            ),
            param("plan", false, text(), "only this plan id"),
        ]
    }
}

/// `GET /api/v1/plans/run?store=&month=&plan=`: every visible payslip as JSON.
#[utoipa::path(
    get,
    path = "/api/v1/plans/run",
    summary = "Run the plans in force for a month: every payslip the user may see (an agent their own), with KPI, gate and pay lines and their formulas",
    params(PlanRunQuery),
    responses((status = 200, description = "one result per plan", body = Vec<PlanRun>), Errors)
)]
pub async fn api_run(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(p): Query<PlanParams>,
) -> Result<axum::Json<Vec<PlanRun>>, ApiError> {
    let u = user.session.user.clone();
    let (_, store, _, results) = state.db(move |db| run_visible(db, &u, &p)).await?;
    let totals = access::sees_store_totals(&store);
    Ok(axum::Json(
        results
            .into_iter()
            .map(|r| PlanRun::new(r, totals))
            .collect(),
    ))
}
