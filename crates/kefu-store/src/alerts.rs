//! Alerts (migration 19): a store's alert rules, its channels and the log of what was sent.
//! Which alerts fire is `kefu_core::alert`'s; sending is `kefu-notify`'s.

use kefu_core::alert::{AlertRules, Channel};
use rusqlite::{OptionalExtension, params};

use crate::Db;
use crate::db::{Result, StoreError};
use crate::users::{User, now_secs};

/// The newest rows kept in a store's alert log.
pub const LOG_KEPT: i64 = 1000;

/// A saved channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredChannel {
    pub id: i64,
    pub channel: Channel,
}

/// One message sent (or tried) on one channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertLogEntry {
    /// Unix seconds.
    pub sent_at: i64,
    /// The alerts' keys, comma-separated (`test` for a test message).
    pub keys: String,
    pub title: String,
    pub text_zh: String,
    pub text_en: String,
    pub channel_id: Option<i64>,
    pub channel_kind: String,
    pub attempts: u32,
    /// `None`: delivered; else the error in Chinese and English.
    pub error: Option<(String, String)>,
}

impl Db {
    /// A store's alert rules (every rule off when none were saved).
    pub fn alert_rules(&self, store_id: i64) -> Result<AlertRules> {
        let text: Option<String> = self
            .conn()
            .query_row(
                "SELECT toml FROM alert_settings WHERE store_id = ?1",
                [store_id],
                |r| r.get(0),
            )
            .optional()?;
        match text {
            None => Ok(AlertRules::default()),
            Some(t) => AlertRules::from_toml(&t).map_err(|e| StoreError::SavedSettings {
                store: store_id.to_string(),
                message: e.to_string(),
            }),
        }
    }

    /// Saves a store's alert rules (every key).
    pub fn save_alert_rules(
        &self,
        store_id: i64,
        rules: &AlertRules,
        by: Option<&User>,
    ) -> Result<()> {
        self.conn().execute(
            "INSERT OR REPLACE INTO alert_settings (store_id, toml, updated_at, updated_by)
             VALUES (?1, ?2, ?3, ?4)",
            params![
                store_id,
                rules.to_toml(),
                now_secs(),
                by.map(|u| u.name.as_str())
            ],
        )?;
        Ok(())
    }

    /// A store's channels, oldest first. A row that no longer reads as a channel is skipped
    /// (and logged): one bad row must not stop the others' alerts.
    pub fn alert_channels(&self, store_id: i64) -> Result<Vec<StoredChannel>> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare("SELECT id, config FROM alert_channels WHERE store_id = ?1 ORDER BY id")?;
        let rows = stmt.query_map([store_id], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, config) = row?;
            match serde_json::from_str::<Channel>(&config) {
                Ok(channel) => out.push(StoredChannel { id, channel }),
                Err(e) => tracing::warn!(store_id, id, error = %e, "unreadable alert channel"),
            }
        }
        Ok(out)
    }

    /// Adds a channel; its id.
    pub fn add_alert_channel(
        &self,
        store_id: i64,
        channel: &Channel,
        by: Option<&User>,
    ) -> Result<i64> {
        let config = serde_json::to_string(channel).map_err(|e| StoreError::SavedSettings {
            store: store_id.to_string(),
            message: e.to_string(),
        })?;
        self.conn().execute(
            "INSERT INTO alert_channels (store_id, config, created_at, created_by)
             VALUES (?1, ?2, ?3, ?4)",
            params![store_id, config, now_secs(), by.map(|u| u.name.as_str())],
        )?;
        Ok(self.conn().last_insert_rowid())
    }

    /// Removes a channel of the store; whether there was one.
    pub fn delete_alert_channel(&self, store_id: i64, id: i64) -> Result<bool> {
        Ok(self.conn().execute(
            "DELETE FROM alert_channels WHERE store_id = ?1 AND id = ?2",
            params![store_id, id],
        )? > 0)
    }

    /// Appends to the store's alert log, keeping its newest [`LOG_KEPT`] rows.
    pub fn record_alert_log(&self, store_id: i64, entries: &[AlertLogEntry]) -> Result<()> {
        let conn = self.conn();
        let tx = conn.unchecked_transaction()?;
        {
            let mut stmt = tx.prepare(
                "INSERT INTO alert_log (store_id, sent_at, keys, title, text_zh, text_en,
                     channel_id, channel_kind, attempts, error_zh, error_en)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )?;
            for e in entries {
                stmt.execute(params![
                    store_id,
                    e.sent_at,
                    e.keys,
                    e.title,
                    e.text_zh,
                    e.text_en,
                    e.channel_id,
                    e.channel_kind,
                    e.attempts,
                    e.error.as_ref().map(|x| x.0.as_str()),
                    e.error.as_ref().map(|x| x.1.as_str()),
                ])?;
            }
            tx.execute(
                "DELETE FROM alert_log WHERE store_id = ?1 AND id <= (
                     SELECT id FROM alert_log WHERE store_id = ?1
                     ORDER BY id DESC LIMIT 1 OFFSET ?2)",
                params![store_id, LOG_KEPT],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The store's newest `limit` log rows, newest first.
    pub fn alert_log(&self, store_id: i64, limit: u32) -> Result<Vec<AlertLogEntry>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT sent_at, keys, title, text_zh, text_en, channel_id, channel_kind, attempts,
                    error_zh, error_en
             FROM alert_log WHERE store_id = ?1 ORDER BY id DESC LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![store_id, limit], |r| {
            let zh: Option<String> = r.get(8)?;
            let en: Option<String> = r.get(9)?;
            Ok(AlertLogEntry {
                sent_at: r.get(0)?,
                keys: r.get(1)?,
                title: r.get(2)?,
                text_zh: r.get(3)?,
                text_en: r.get(4)?,
                channel_id: r.get(5)?,
                channel_kind: r.get(6)?,
                attempts: r.get::<_, i64>(7)?.clamp(0, i64::from(u32::MAX)) as u32,
                error: zh.map(|zh| (zh, en.unwrap_or_default())),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kefu_core::alert::EmailChannel;

    fn db() -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("k.db")).unwrap();
        (dir, db)
    }

    #[test]
    fn rules_channels_and_the_log_are_kept_per_store() {
        let (_dir, db) = db();
        assert_eq!(db.alert_rules(1).unwrap(), AlertRules::default());
        let mut rules = AlertRules::default();
        rules.set("wait_on", "true").unwrap();
        rules.set("wait_quiet_hours", "22:00-08:00").unwrap();
        db.save_alert_rules(1, &rules, None).unwrap();
        assert_eq!(db.alert_rules(1).unwrap(), rules);
        assert_eq!(db.alert_rules(2).unwrap(), AlertRules::default());

        let robot = Channel::WeCom {
            webhook: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k".into(),
        };
        let mail = Channel::Email(EmailChannel {
            host: "smtp.example.com".into(),
            port: 465,
            security: kefu_core::alert::SmtpSecurity::Tls,
            user: "u".into(),
            password: "p".into(),
            from: "a@example.com".into(),
            to: vec!["b@example.com".into()],
        });
        let a = db.add_alert_channel(1, &robot, None).unwrap();
        let b = db.add_alert_channel(1, &mail, None).unwrap();
        let listed = db.alert_channels(1).unwrap();
        assert_eq!(listed.iter().map(|c| c.id).collect::<Vec<_>>(), [a, b]);
        assert_eq!(listed[1].channel, mail);
        assert!(db.alert_channels(2).unwrap().is_empty());
        // Another store's id deletes nothing.
        assert!(!db.delete_alert_channel(2, a).unwrap());
        assert!(db.delete_alert_channel(1, a).unwrap());
        assert_eq!(db.alert_channels(1).unwrap().len(), 1);

        let entry = |i: i64| AlertLogEntry {
            sent_at: i,
            keys: format!("wait:a:b{i}"),
            title: "t".into(),
            text_zh: "中".into(),
            text_en: "en".into(),
            channel_id: Some(b),
            channel_kind: "email".into(),
            attempts: 1,
            error: (i % 2 == 1).then(|| ("错".to_string(), "err".to_string())),
        };
        let many: Vec<_> = (0..LOG_KEPT + 5).map(entry).collect();
        db.record_alert_log(1, &many).unwrap();
        let log = db.alert_log(1, 2000).unwrap();
        assert_eq!(log.len() as i64, LOG_KEPT);
        assert_eq!(log[0], entry(LOG_KEPT + 4));
        assert_eq!(log.last().unwrap().sent_at, 5);
        assert!(db.alert_log(2, 10).unwrap().is_empty());
    }
}
