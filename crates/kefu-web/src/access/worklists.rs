//! The worklist and reconciliation reads and writes of a handle: an agent's own items and
//! rows only, another store's (or another agent's) item answered as a missing one.

use kefu_app::worklists::{self as use_case, Query as WorkQuery, Report};
use kefu_core::model::{NameId, Role};
use kefu_core::settings::Config;
use kefu_core::time::{Day, UtcOffset};
use kefu_core::worklist::{Kind, WorklistSettings};
use kefu_report::reconcile::ReconRow;
use kefu_store::{Db, User};

use super::{Rows, StoreScope};
use crate::WebError;
use crate::worklists::work_error;

impl StoreScope {
    /// The store's people (no bots): whom an item may be given to.
    pub fn people(&self, db: &Db) -> Result<Vec<(NameId, String)>, WebError> {
        Ok(db
            .accounts(self.store.id)?
            .into_iter()
            .filter(|a| !a.is_bot && a.role != Some(Role::Bot))
            .map(|a| (a.id, a.name))
            .collect())
    }

    /// The worklists as the user may see them: every item of the store for whoever sees the
    /// whole store; for an agent their own items, their own row of the figures and no
    /// colleague's name.
    pub fn worklist_report(
        &self,
        db: &mut Db,
        base: &Config,
        kind: Option<Kind>,
        all: bool,
    ) -> Result<Report, WebError> {
        let owners = match &self.rows {
            Rows::All => None,
            Rows::Accounts(ids) => Some(ids.clone()),
        };
        let query = WorkQuery {
            kind,
            owners,
            all,
            days: None,
        };
        let mut report = use_case::report(db, base, &self.store, &query)?;
        if let Rows::Accounts(ids) = &self.rows {
            let names = db.names(self.store.id)?;
            let own: Vec<String> = ids.iter().map(|&i| names.name(i).to_string()).collect();
            report.agents.retain(|a| own.contains(&a.name));
            for i in &mut report.items {
                i.contacts.retain(|c| own.contains(c));
                i.credited = i.credited.take().filter(|c| own.contains(c));
                i.serving = i.serving.take().filter(|c| own.contains(c));
            }
        }
        Ok(report)
    }

    /// Unpaid orders not reminded ([`use_case::not_reminded`]), of the user's own items for
    /// an agent: how many, and their amount in cents.
    pub fn not_reminded(&self, db: &Db) -> Result<(u64, i64), WebError> {
        let owners = match &self.rows {
            Rows::Accounts(ids) => Some(ids.as_slice()),
            Rows::All => None,
        };
        Ok(use_case::not_reminded_totals(db, self.store.id, owners)?)
    }

    /// The store's worklist settings.
    pub fn worklist_settings(&self, db: &Db) -> Result<WorklistSettings, WebError> {
        Ok(db.worklist_settings(self.store.id)?)
    }

    /// The owner to note a contact for if the user may work the item `key`: any item of the
    /// store for whoever sees the whole store (no owner noted), only their own for an agent
    /// (another's is answered as if it did not exist).
    pub fn workable_item(&self, db: &Db, key: &str) -> Result<Option<NameId>, WebError> {
        let item = db
            .worklist_items(
                self.store.id,
                &kefu_store::worklists::ItemFilter {
                    key: Some(key.to_string()),
                    ..Default::default()
                },
            )?
            .into_iter()
            .next();
        let missing = || work_error(use_case::WorkError::NoItem(key.to_string()));
        let item = item.ok_or_else(missing)?;
        match &self.rows {
            Rows::All => Ok(None),
            Rows::Accounts(ids) => match item.owner {
                Some(o) if ids.contains(&o) => Ok(Some(o)),
                _ => Err(missing()),
            },
        }
    }

    /// Sets the status of an item the user may work ([`StoreScope::workable_item`]).
    pub fn set_worklist_status(
        &self,
        db: &Db,
        tz: UtcOffset,
        key: &str,
        status: &str,
        by: &User,
    ) -> Result<(), WebError> {
        let account = self.workable_item(db, key)?;
        use_case::set_status(db, &self.store, tz, key, status, &by.name, account)
            .map_err(work_error)
    }

    /// Gives an item of the store to one of its people (`None`: nobody); only for whoever
    /// sees the whole store.
    pub fn reassign(&self, db: &Db, key: &str, owner: Option<NameId>) -> Result<(), WebError> {
        if self.rows != Rows::All {
            return Err(WebError::Forbidden("reassigning needs a supervisor".into()));
        }
        self.workable_item(db, key)?;
        use_case::reassign(db, &self.store, key, owner).map_err(work_error)
    }

    /// kefu's figures beside the platform reports' over `[from, to]`; an agent's rows only
    /// (a row whose report account is no account of theirs is left out).
    pub fn reconcile(&self, db: &Db, from: Day, to: Day) -> Result<Vec<ReconRow>, WebError> {
        let mut rows = kefu_report::reconcile::reconcile(db, &self.store.name, from, to)
            .map_err(crate::report::explain_error)?;
        if let Rows::Accounts(_) = &self.rows {
            let accounts = db.accounts(self.store.id)?;
            rows.retain(|r| {
                r.kefu_account.as_deref().is_some_and(|name| {
                    accounts
                        .iter()
                        .any(|a| a.name == name && self.rows.account(a.id))
                })
            });
        }
        Ok(rows)
    }
}
