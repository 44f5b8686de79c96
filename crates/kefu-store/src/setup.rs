//! First run and saved views: a store created in the browser with its time zone, and each
//! user's saved choice of a page's columns.

use kefu_core::settings::Config;
use kefu_core::time::UtcOffset;
use rusqlite::{OptionalExtension, params};

use crate::users::now_secs;
use crate::{Db, Result, StoreInfo, User};

impl Db {
    /// Creates an empty store with its time zone (`None`: the configuration's). `None` when a
    /// store of that name exists (nothing changed).
    pub fn create_store(
        &self,
        name: &str,
        timezone: Option<UtcOffset>,
    ) -> Result<Option<StoreInfo>> {
        let added = self.conn().execute(
            "INSERT OR IGNORE INTO stores (name, timezone) VALUES (?1, ?2)",
            params![name, timezone.map(|t| t.to_string())],
        )?;
        if added == 0 {
            return Ok(None);
        }
        Ok(Some(StoreInfo {
            id: self.conn().last_insert_rowid(),
            name: name.to_string(),
        }))
    }

    /// The time zones set up in the browser, by store name.
    pub fn store_timezones(&self) -> Result<Vec<(String, UtcOffset)>> {
        let mut st = self
            .conn()
            .prepare_cached("SELECT name, timezone FROM stores WHERE timezone IS NOT NULL")?;
        let rows = st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        let rows: Vec<(String, String)> = rows.collect::<rusqlite::Result<_>>()?;
        // A zone this version cannot read (written by hand) leaves the configuration's.
        Ok(rows
            .into_iter()
            .filter_map(|(name, tz)| UtcOffset::parse(&tz).map(|t| (name, t)))
            .collect())
    }

    /// `config` with the time zones set up in the browser in place of its own.
    pub(crate) fn apply_timezones(&self, config: &mut Config) -> Result<()> {
        for (name, tz) in self.store_timezones()? {
            config.set_store_timezone(&name, tz);
        }
        Ok(())
    }

    /// A user's saved columns of `page` (`ranking`), as the page's `cols=` value.
    pub fn user_view(&self, user: &User, page: &str) -> Result<Option<String>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT cols FROM user_views WHERE user_id = ?1 AND page = ?2",
                params![user.id, page],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Saves a user's columns of `page`; `None` forgets them (the page's default again).
    pub fn save_user_view(&self, user: &User, page: &str, cols: Option<&str>) -> Result<()> {
        match cols {
            Some(cols) => self.conn().execute(
                "INSERT OR REPLACE INTO user_views (user_id, page, cols, updated_at)
                 VALUES (?1, ?2, ?3, ?4)",
                params![user.id, page, cols, now_secs()],
            )?,
            None => self.conn().execute(
                "DELETE FROM user_views WHERE user_id = ?1 AND page = ?2",
                params![user.id, page],
            )?,
        };
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use kefu_core::settings::Config;
    use kefu_core::time::UtcOffset;

    use crate::Db;
    use crate::users::UserRole;

    #[test]
    fn a_store_set_up_in_the_browser_keeps_its_time_zone() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("k.db")).unwrap();
        let tokyo = UtcOffset::parse("+09:00").unwrap();
        let before = db.settings_state().unwrap();
        let s = db.create_store("东京店", Some(tokyo)).unwrap().unwrap();
        assert_eq!(db.store("东京店").unwrap(), s);
        assert!(db.create_store("东京店", None).unwrap().is_none());
        db.create_store("本店", None).unwrap().unwrap();
        assert_eq!(
            db.store_timezones().unwrap(),
            vec![("东京店".to_string(), tokyo)]
        );
        let config = db.with_saved_settings(&Config::default()).unwrap();
        assert_eq!(config.store("东京店").timezone, tokyo);
        assert_eq!(
            config.store("本店").timezone,
            Config::default().default.timezone
        );
        // another process sees the change
        assert_ne!(db.settings_state().unwrap(), before);
    }

    #[test]
    fn views_are_saved_per_user_and_page_and_go_with_the_user() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("k.db")).unwrap();
        let a = db.create_user("a", UserRole::Admin, "12345678").unwrap();
        let b = db
            .create_user("b", UserRole::Supervisor, "12345678")
            .unwrap();
        assert_eq!(db.user_view(&a, "ranking").unwrap(), None);
        db.save_user_view(&a, "ranking", Some("served,slow"))
            .unwrap();
        db.save_user_view(&a, "ranking", Some("served")).unwrap();
        assert_eq!(
            db.user_view(&a, "ranking").unwrap().as_deref(),
            Some("served")
        );
        assert_eq!(db.user_view(&b, "ranking").unwrap(), None);
        assert_eq!(db.user_view(&a, "other").unwrap(), None);
        db.save_user_view(&b, "ranking", Some("slow")).unwrap();
        db.save_user_view(&a, "ranking", None).unwrap();
        assert_eq!(db.user_view(&a, "ranking").unwrap(), None);
        db.save_user_view(&a, "ranking", Some("served")).unwrap();
        db.delete_user(&b).unwrap();
        let n: i64 = db
            .conn()
            .query_row("SELECT COUNT(*) FROM user_views", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 1);
    }
}
