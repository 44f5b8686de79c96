//! What the web app edits besides users: metric settings saved per store (they take the
//! place of the configuration file's for that store) and the roster's accounts.

use crate::users::now_secs;

use kefu_core::model::{NameId, Role};
use kefu_core::settings::{Config, MetricSettings};
use rusqlite::params;

use crate::db::{load_names, recompute_store};
use crate::{Db, Result, StoreError, StoreInfo, User};

/// One store's name, the fingerprint of its stored figures and its saved settings' text.
pub type StoreSettingsState = (String, Option<String>, Option<String>);

/// Metric settings saved from the web for one store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedSettings {
    pub store: StoreInfo,
    pub metrics: MetricSettings,
    /// Unix seconds.
    pub updated_at: i64,
    /// The user who saved them.
    pub updated_by: Option<String>,
}

/// The editable part of one roster entry.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AccountEdit {
    pub display_name: Option<String>,
    pub group: Option<String>,
    pub role: Option<Role>,
    pub is_bot: bool,
    /// First and last day with the team (none: open-ended).
    pub joined: Option<kefu_core::time::Day>,
    pub left: Option<kefu_core::time::Day>,
    pub employee_no: Option<String>,
    pub department: Option<String>,
}

impl Db {
    /// Every store's saved settings, by store name.
    pub fn saved_settings(&self) -> Result<Vec<SavedSettings>> {
        let mut st = self.conn().prepare(
            "SELECT s.id, s.name, t.toml, t.updated_at, t.updated_by
             FROM store_settings t JOIN stores s ON s.id = t.store_id ORDER BY s.name",
        )?;
        let rows = st.query_map([], |r| {
            Ok((
                StoreInfo {
                    id: r.get(0)?,
                    name: r.get(1)?,
                },
                r.get::<_, String>(2)?,
                r.get(3)?,
                r.get(4)?,
            ))
        })?;
        let rows: Vec<(StoreInfo, String, i64, Option<String>)> =
            rows.collect::<rusqlite::Result<_>>()?;
        rows.into_iter()
            .map(|(store, toml, updated_at, updated_by)| {
                let metrics =
                    MetricSettings::from_toml(&toml).map_err(|e| StoreError::SavedSettings {
                        store: store.name.clone(),
                        message: e.to_string(),
                    })?;
                Ok(SavedSettings {
                    store,
                    metrics,
                    updated_at,
                    updated_by,
                })
            })
            .collect()
    }

    /// For each store (in id order): its name, the fingerprint of the settings its stored
    /// figures were computed under, and the text of its saved settings. Any change to the
    /// settings in force or to what is stored shows here, so one small query per request
    /// tells a server whether another process changed either (the text of the saved settings
    /// carries the store's time zone set up in the browser, for that alone).
    pub fn settings_state(&self) -> Result<Vec<StoreSettingsState>> {
        let mut st = self.conn().prepare_cached(
            "SELECT s.name, s.settings,
                    CASE WHEN ss.toml IS NULL AND s.timezone IS NULL THEN NULL
                         ELSE COALESCE(ss.toml, '') || COALESCE('# timezone ' || s.timezone, '')
                    END
             FROM stores s LEFT JOIN store_settings ss ON ss.store_id = s.id ORDER BY s.id",
        )?;
        let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// `base` with every store's saved settings in place of its own.
    pub fn with_saved_settings(&self, base: &Config) -> Result<Config> {
        let mut config = base.clone();
        for saved in self.saved_settings()? {
            config.set_store_metrics(&saved.store.name, saved.metrics);
        }
        self.apply_timezones(&mut config)?;
        Ok(config)
    }

    /// Saves a store's metric settings and recomputes its figures under them, in one
    /// transaction. Returns the number of days recomputed.
    pub fn save_store_settings(
        &mut self,
        store: &StoreInfo,
        metrics: &MetricSettings,
        by: Option<&User>,
    ) -> Result<u64> {
        let tx = self.conn_mut().transaction()?;
        tx.execute(
            "INSERT OR REPLACE INTO store_settings (store_id, toml, updated_at, updated_by)
             VALUES (?1, ?2, ?3, ?4)",
            params![
                store.id,
                metrics.to_toml(),
                now_secs(),
                by.map(|u| u.name.as_str())
            ],
        )?;
        let names = load_names(&tx, store.id)?;
        let (days, _) = recompute_store(&tx, store.id, metrics, names)?;
        tx.commit()?;
        Ok(days)
    }

    /// Forgets a store's saved settings and recomputes its figures under `base` (the
    /// configuration's settings for the store). Returns the number of days recomputed.
    pub fn forget_store_settings(
        &mut self,
        store: &StoreInfo,
        base: &MetricSettings,
    ) -> Result<u64> {
        let tx = self.conn_mut().transaction()?;
        tx.execute("DELETE FROM store_settings WHERE store_id = ?1", [store.id])?;
        let names = load_names(&tx, store.id)?;
        let (days, _) = recompute_store(&tx, store.id, base, names)?;
        tx.commit()?;
        Ok(days)
    }

    /// Edits accounts of a store's roster, all or none; they count as on the roster from then
    /// on. Nothing stored is derived from the roster (reports read it as they build their
    /// rows), so nothing is recomputed. Returns how many of the accounts exist.
    ///
    /// An import of a roster file later replaces display name, group and role again, and an
    /// account that sends bot messages is marked a bot again by the import that brings them.
    pub fn edit_accounts(&self, store_id: i64, edits: &[(NameId, AccountEdit)]) -> Result<usize> {
        let clean = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        let tx = self.conn().unchecked_transaction()?;
        let mut found = 0;
        for (account, edit) in edits {
            found += tx.execute(
                "UPDATE accounts SET display_name = ?3, grp = ?4, role = ?5, is_bot = ?6, in_roster = 1,
                   joined_on = ?7, left_on = ?8, employee_no = ?9, department = ?10
                 WHERE store_id = ?1 AND account_id = ?2",
                params![
                    store_id,
                    account,
                    clean(&edit.display_name),
                    clean(&edit.group),
                    edit.role.map(Role::as_str),
                    edit.is_bot || edit.role == Some(Role::Bot),
                    edit.joined.map(|d| d.0),
                    edit.left.map(|d| d.0),
                    clean(&edit.employee_no),
                    clean(&edit.department),
                ],
            )?;
        }
        tx.commit()?;
        Ok(found)
    }
}
