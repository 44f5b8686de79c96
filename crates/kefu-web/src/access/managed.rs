//! Stores a user manages: [`ManagedStore`] (metric settings, roster, what agents see) and
//! [`PlanScope`] (a plan they may edit), each built only from the user's rights.

use kefu_core::settings::MetricSettings;
use kefu_core::time::Day;
use kefu_plan::{Month, Plan, PlanResult};
use kefu_store::plans::PlanVersion;
use kefu_store::{AccountEdit, AccountInfo, Db, SavedSettings, StoreInfo, User, Visibility};

use super::{may_edit_plan, settings_store, settings_stores};
use crate::WebError;

/// A store whose metric settings, roster and visibility the user may edit (admins every
/// store, supervisors their own): built only by [`super::settings_stores`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagedStore {
    pub(super) store: StoreInfo,
}

impl ManagedStore {
    pub(super) fn new(store: StoreInfo) -> ManagedStore {
        ManagedStore { store }
    }

    pub fn name(&self) -> &str {
        &self.store.name
    }

    /// The first and last day with data.
    pub fn day_span(&self, db: &Db) -> Result<Option<(Day, Day)>, WebError> {
        Ok(db.day_span(self.store.id)?)
    }

    /// The store's roster.
    pub fn roster(&self, db: &Db) -> Result<Vec<AccountInfo>, WebError> {
        Ok(db.accounts(self.store.id)?)
    }

    /// Edits accounts of the roster (by id; ids of other stores match nothing).
    pub fn edit_accounts(
        &self,
        db: &Db,
        edits: &[(kefu_core::model::NameId, AccountEdit)],
    ) -> Result<usize, WebError> {
        Ok(db.edit_accounts(self.store.id, edits)?)
    }

    /// What the store lets its agents see beyond their own rows.
    pub fn visibility(&self, db: &Db) -> Result<Visibility, WebError> {
        Ok(db.visibility(self.store.id)?)
    }

    pub fn set_visibility(&self, db: &Db, v: Visibility, by: &str) -> Result<(), WebError> {
        Ok(db.set_visibility(self.store.id, v, by)?)
    }

    /// The store's saved metric settings, if any.
    pub fn saved_settings(&self, db: &Db) -> Result<Option<SavedSettings>, WebError> {
        Ok(db
            .saved_settings()?
            .into_iter()
            .find(|s| s.store.id == self.store.id))
    }

    /// Saves the store's metric settings and recomputes; the days recomputed.
    pub fn save_settings(
        &self,
        db: &mut Db,
        metrics: &MetricSettings,
        by: Option<&User>,
    ) -> Result<u64, WebError> {
        Ok(db.save_store_settings(&self.store, metrics, by)?)
    }

    /// Forgets the store's saved settings (back to `base`) and recomputes; the days
    /// recomputed.
    pub fn forget_settings(&self, db: &mut Db, base: &MetricSettings) -> Result<u64, WebError> {
        Ok(db.forget_store_settings(&self.store, base)?)
    }
}

/// A plan the user may edit, with the store of the editor's form and the stores the plan runs
/// in once saved.
pub struct PlanScope {
    store: ManagedStore,
    stores: Vec<i64>,
}

/// The store of an edited plan's form (`store`, else the user's first) and the stores the plan
/// runs in once saved: its stores so far, or that store for a new plan. Refused unless the
/// user may edit a plan of those stores (a plan id of other stores is taken).
pub fn plan_scope(
    db: &Db,
    user: &User,
    store: Option<&str>,
    plan_id: &str,
) -> Result<PlanScope, WebError> {
    let store = settings_store(&settings_stores(db, user)?, store)?;
    let mut stores = db.plan_stores(plan_id)?;
    if stores.is_empty() {
        stores.push(store.store.id);
    }
    if !may_edit_plan(db, user, &stores)? {
        return Err(WebError::Forbidden(format!(
            "plan `{plan_id}` runs in stores you do not manage (a plan of several stores is edited by admins); save it under another id"
        )));
    }
    Ok(PlanScope { store, stores })
}

impl PlanScope {
    /// The edited plan run for `month` in the form's store, next to the version in force
    /// (what-if); nothing saved.
    pub fn preview(
        &self,
        db: &Db,
        plan: &Plan,
        month: Month,
    ) -> Result<(PlanResult, Option<PlanResult>), kefu_app::plans::PlanRunError> {
        kefu_app::plans::preview_plan(db, self.store.store.id, plan, month)
    }

    /// Stores the plan as a new version from `valid_from`, in the plan's stores.
    pub fn save(
        &self,
        db: &mut Db,
        plan_id: &str,
        valid_from: Month,
        toml: &str,
        by: &str,
    ) -> Result<i64, WebError> {
        Ok(db.save_plan_version(plan_id, valid_from, toml, Some(by), &self.stores)?)
    }
}

/// The stored plan versions `user` may edit, each with the names of the stores it runs in.
pub fn editable_plan_versions(
    db: &Db,
    user: &User,
) -> Result<Vec<(PlanVersion, Vec<String>)>, WebError> {
    let stores = db.stores()?;
    let mut out = Vec::new();
    for v in db.plan_versions()? {
        if may_edit_plan(db, user, &v.stores)? {
            let names = v
                .stores
                .iter()
                .filter_map(|id| stores.iter().find(|s| s.id == *id))
                .map(|s| s.name.clone())
                .collect();
            out.push((v, names));
        }
    }
    Ok(out)
}

/// The stored plan version `id` when `user` may edit it; a version they may not edit is
/// answered exactly as a missing one.
pub fn editable_plan_version(db: &Db, user: &User, id: i64) -> Result<PlanVersion, WebError> {
    db.plan_version(id)?
        .filter(|v| may_edit_plan(db, user, &v.stores).unwrap_or(false))
        .ok_or_else(|| {
            WebError::missing(
                format!("没有方案版本 {id}"),
                format!("no plan version {id}"),
            )
        })
}

impl ManagedStore {
    /// Saves the store's worklist settings and refreshes its lists under them.
    pub fn save_worklist_settings(
        &self,
        db: &mut Db,
        base: &kefu_core::settings::Config,
        settings: &kefu_core::worklist::WorklistSettings,
        by: &User,
    ) -> Result<(), WebError> {
        db.save_worklist_settings(self.store.id, settings, Some(by))?;
        kefu_app::worklists::refresh(db, base, Some(&self.store.name), None)?;
        Ok(())
    }
}

impl ManagedStore {
    /// The store's ingest tokens (never their secrets).
    pub fn ingest_tokens(
        &self,
        db: &Db,
    ) -> Result<Vec<kefu_store::ingest::IngestTokenInfo>, WebError> {
        Ok(db.ingest_tokens(self.store.id)?)
    }

    /// A new ingest token of the store, shown once.
    pub fn create_ingest_token(&self, db: &Db, label: &str, by: &str) -> Result<String, WebError> {
        Ok(db.create_ingest_token(self.store.id, label, Some(by))?)
    }

    /// Revokes the store's token `key`; whether there was one (another store's key: none).
    pub fn revoke_ingest_token(&self, db: &Db, key: &str) -> Result<bool, WebError> {
        Ok(db.revoke_ingest_token(self.store.id, key)?)
    }
}
