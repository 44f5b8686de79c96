//! Alerts (issue 16): a managed store's alert rules, channels and log for the settings page,
//! and [`RunnerStore`], the alert runner's own handle on the store that changed.

use kefu_core::alert::{AlertRules, Channel};
use kefu_store::alerts::{AlertLogEntry, StoredChannel};
use kefu_store::{Db, User};

use super::ManagedStore;
use crate::WebError;

impl ManagedStore {
    pub fn alert_rules(&self, db: &Db) -> Result<AlertRules, WebError> {
        Ok(db.alert_rules(self.store.id)?)
    }

    pub fn save_alert_rules(&self, db: &Db, rules: &AlertRules, by: &User) -> Result<(), WebError> {
        Ok(db.save_alert_rules(self.store.id, rules, Some(by))?)
    }

    pub fn alert_channels(&self, db: &Db) -> Result<Vec<StoredChannel>, WebError> {
        Ok(db.alert_channels(self.store.id)?)
    }

    pub fn add_alert_channel(
        &self,
        db: &Db,
        channel: &Channel,
        by: &User,
    ) -> Result<i64, WebError> {
        Ok(db.add_alert_channel(self.store.id, channel, Some(by))?)
    }

    /// Removes a channel of this store; an id of another store's channel removes nothing.
    pub fn delete_alert_channel(&self, db: &Db, id: i64) -> Result<bool, WebError> {
        Ok(db.delete_alert_channel(self.store.id, id)?)
    }

    pub fn alert_log(&self, db: &Db, limit: u32) -> Result<Vec<AlertLogEntry>, WebError> {
        Ok(db.alert_log(self.store.id, limit)?)
    }

    pub fn record_alert_log(&self, db: &Db, entries: &[AlertLogEntry]) -> Result<(), WebError> {
        Ok(db.record_alert_log(self.store.id, entries)?)
    }
}

/// The store an alert runner judges: it acts for no user, for the store whose data changed
/// (live ingest's "store changed", an import). Built only by the runner from the id it was
/// handed with the snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunnerStore {
    id: i64,
}

impl RunnerStore {
    pub(crate) fn for_runner(store_id: i64) -> RunnerStore {
        RunnerStore { id: store_id }
    }

    pub fn id(&self) -> i64 {
        self.id
    }

    /// The store's name (alert titles), its rules and its channels; `None` when no such
    /// store exists.
    pub fn settings(
        &self,
        db: &Db,
    ) -> Result<Option<(String, AlertRules, Vec<StoredChannel>)>, WebError> {
        let Some(store) = db.stores()?.into_iter().find(|s| s.id == self.id) else {
            return Ok(None);
        };
        Ok(Some((
            store.name,
            db.alert_rules(self.id)?,
            db.alert_channels(self.id)?,
        )))
    }

    /// The whole store at `now` as the live file has it (alerts judge every account).
    pub fn live_snapshot(
        &self,
        live: &kefu_store::live::LiveDb,
        now: kefu_core::time::Millis,
    ) -> Result<kefu_core::live::LiveSnapshot, WebError> {
        Ok(kefu_app::live::snapshot(live, self.id, now)?)
    }

    pub fn record_log(&self, db: &Db, entries: &[AlertLogEntry]) -> Result<(), WebError> {
        Ok(db.record_alert_log(self.id, entries)?)
    }

    /// The ids of stores by name (an import names the stores it wrote to).
    pub fn of_names(db: &Db, names: &[String]) -> Result<Vec<RunnerStore>, WebError> {
        Ok(db
            .stores()?
            .into_iter()
            .filter(|s| names.contains(&s.name))
            .map(|s| RunnerStore { id: s.id })
            .collect())
    }
}
