//! The reads of a [`StoreScope`]: figures, rosters, drill-downs, lists and plans of the
//! handle's store, limited to the user's rows where the data is per account.

use kefu_core::figures::Counters;
use kefu_core::model::{NameId, Names};
use kefu_core::settings::MetricSettings;
use kefu_core::time::Day;
use kefu_plan::{Month, Plan, PlanResult};
use kefu_report::explain::{self, Explanation, ListQuery, Listing};
use kefu_report::{By, Report, ReportError};
use kefu_store::plans::{PlanScore, PlanVersion};
use kefu_store::platform::StoredPlatformFigure;
use kefu_store::{AccountInfo, Db};

use super::{Rows, StoreScope};
use crate::WebError;
use crate::ui::transcript::{QaMarks, titled};

impl StoreScope {
    /// The report of `by` over `[from, to]` for `stores` (each limited to its user's rows).
    pub fn report(
        db: &Db,
        by: By,
        from: Day,
        to: Day,
        stores: &[StoreScope],
    ) -> Result<Report, ReportError> {
        let scopes: Vec<kefu_report::Scope> = stores
            .iter()
            .map(|a| kefu_report::Scope {
                store: a.store.clone(),
                accounts: match &a.rows {
                    Rows::All => None,
                    Rows::Accounts(ids) => Some(ids.clone()),
                },
            })
            .collect();
        kefu_report::build_scoped(db, by, from, to, &scopes)
    }

    /// The whole store's counters over `[from, to]` (store-level figures included) when the
    /// user sees the store's totals ([`StoreScope::sees_store_totals`]); `None` otherwise.
    pub fn store_totals(
        &self,
        db: &Db,
        from: Day,
        to: Day,
    ) -> Result<Option<Counters>, ReportError> {
        if !self.sees_store_totals() {
            return Ok(None);
        }
        let whole = StoreScope {
            rows: Rows::All,
            ..self.clone()
        };
        Ok(Some(
            Self::report(db, By::Store, from, to, std::slice::from_ref(&whole))?
                .rows
                .pop()
                .map(|r| r.counters)
                .unwrap_or_default(),
        ))
    }

    /// The first and last day with data.
    pub fn day_span(&self, db: &Db) -> Result<Option<(Day, Day)>, WebError> {
        Ok(db.day_span(self.store.id)?)
    }

    /// The store's whole roster: names, groups, roles (what pages show of colleagues today;
    /// figures of accounts outside the user's rows are never read through it).
    pub fn roster(&self, db: &Db) -> Result<Vec<AccountInfo>, WebError> {
        Ok(db.accounts(self.store.id)?)
    }

    /// The accounts of the roster the user may see.
    pub fn own_accounts(&self, db: &Db) -> Result<Vec<AccountInfo>, WebError> {
        let mut all = self.roster(db)?;
        all.retain(|a| self.rows.account(a.id));
        Ok(all)
    }

    /// The store's names (accounts and buyers) by id.
    pub fn names(&self, db: &Db) -> Result<Names, WebError> {
        Ok(db.names(self.store.id)?)
    }

    /// The counters per account over `[from, to]`, of the accounts the user may see.
    pub fn counters_by_account(
        &self,
        db: &Db,
        from: Day,
        to: Day,
    ) -> Result<Vec<(NameId, Counters)>, WebError> {
        let mut rows = db.counters_by_account(self.store.id, from, to)?;
        rows.retain(|(id, _)| self.rows.account(*id));
        Ok(rows)
    }

    /// The platform report figures stored for `[from, to]` (the caller keeps the rows the
    /// user may see: a row names an account by the platform's own name).
    pub fn platform_figures(
        &self,
        db: &Db,
        from: Day,
        to: Day,
    ) -> Result<Vec<StoredPlatformFigure>, WebError> {
        Ok(db.platform_figures_of(self.store.id, &self.store.name, from, to)?)
    }

    /// The drill-down of one reception day of `account` (with `buyer`, its one reception).
    /// The account is one the user may see, or one of a review the user may read
    /// ([`super::assignment`] checked it).
    pub fn explain(
        &self,
        db: &Db,
        account: NameId,
        day: Day,
        buyer: Option<NameId>,
        settings: &MetricSettings,
    ) -> Result<Explanation, ReportError> {
        explain::explain(db, &self.store, account, day, buyer, settings)
    }

    /// The drill-down of an account over some days.
    pub fn explain_scope(
        &self,
        db: &Db,
        scope: &explain::Scope,
        settings: &MetricSettings,
    ) -> Result<Explanation, ReportError> {
        explain::explain_scope(db, &self.store, scope, settings)
    }

    /// The items behind a figure, of `q.accounts` (the accounts the caller picked) among the
    /// user's rows; `None` (the whole store) only for whoever sees the store's totals, else
    /// the user's own accounts.
    pub fn list(
        &self,
        db: &Db,
        q: &ListQuery,
        settings: &MetricSettings,
    ) -> Result<Listing, ReportError> {
        let mut q = q.clone();
        match (&mut q.accounts, &self.rows) {
            (Some(ids), _) => ids.retain(|id| self.rows.account(*id)),
            (None, Rows::Accounts(own)) if !self.sees_store_totals() => {
                q.accounts = Some(own.clone());
            }
            (None, _) => {}
        }
        explain::list(db, &self.store, &q, settings)
    }

    /// The rule marks of one reception's transcript (none before rules ran over its day).
    pub fn qa_marks(
        &self,
        db: &Db,
        day: Day,
        account: NameId,
        buyer: NameId,
    ) -> Result<QaMarks, WebError> {
        let hits = db.qa_reception_hits(self.store.id, day, account, buyer)?;
        if hits.is_empty() {
            return Ok(QaMarks::default());
        }
        let set = db.qa_rules_in_force(self.store.id)?.set;
        Ok(QaMarks::new(&titled(&set, hits)))
    }

    /// The plan versions in force in `month`.
    pub fn plans_in_force(&self, db: &Db, month: Month) -> Result<Vec<PlanVersion>, WebError> {
        Ok(db.plans_in_force(self.store.id, month)?)
    }

    /// The stored plans in force (only `plan` when given) run for `month`; the caller keeps
    /// the payslips the user may see.
    pub fn run_stored_plans(
        &self,
        db: &Db,
        month: Month,
        plan: Option<&str>,
    ) -> Result<Vec<PlanResult>, kefu_app::plans::PlanRunError> {
        kefu_app::plans::run_stored_plans(db, self.store.id, month, plan)
    }

    /// The stored plan `plan_id` in force in `month`.
    pub fn stored_plan(
        &self,
        db: &Db,
        plan_id: &str,
        month: Month,
    ) -> Result<Option<(PlanVersion, Plan)>, kefu_app::plans::PlanRunError> {
        kefu_app::plans::stored_plan(db, self.store.id, plan_id, month)
    }

    /// The accounts `plan` applies to in `month` (with the month's input).
    pub fn plan_input(
        &self,
        db: &Db,
        plan: &Plan,
        month: Month,
    ) -> Result<(kefu_plan::PlanInput, Vec<NameId>), WebError> {
        Ok(kefu_app::plans::plan_input(db, self.store.id, plan, month)?)
    }

    /// The hand-entered scores of a plan for `month`.
    pub fn plan_scores(
        &self,
        db: &Db,
        month: Month,
        plan_id: &str,
    ) -> Result<Vec<PlanScore>, WebError> {
        Ok(db.plan_scores(self.store.id, month, plan_id)?)
    }

    /// Replaces the hand-entered scores of a plan for `month` (managers of the whole store:
    /// the caller refuses the others).
    pub fn set_plan_scores(
        &self,
        db: &mut Db,
        month: Month,
        plan_id: &str,
        scores: &[PlanScore],
    ) -> Result<(), WebError> {
        if !self.whole() {
            return Err(WebError::Forbidden(
                "manual scores need the whole store".into(),
            ));
        }
        Ok(db.set_plan_scores(self.store.id, month, plan_id, scores)?)
    }
}
