//! Ingest tokens: what a chat tool or an RPA job presents to write live events into one
//! store (`POST /api/v1/events`). A token belongs to a store, not to a user: it can write
//! that store's events and nothing else, and read nothing. Only a hash of its secret is kept.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rusqlite::{OptionalExtension, params};

use crate::users::{new_token_secret, now_secs, secret_matches, token_parts};
use crate::{Db, StoreError, StoreInfo, UserError};

/// How an ingest token begins (a personal API token begins `kefu_`).
pub const INGEST_TOKEN_PREFIX: &str = "kefu_ingest_";

/// Ingest tokens a store holds at once.
pub const MAX_INGEST_TOKENS: usize = 20;

/// The last use of a token is written at most this often.
const LAST_USE_SECS: i64 = 60;

/// How long a checked token is trusted without checking its secret again (its row is still
/// read on every use, so a revoked token stops at once).
pub const TOKEN_TRUSTED_FOR: Duration = Duration::from_secs(60);

/// Tokens whose secret was checked lately (Argon2 costs tens of milliseconds of CPU, per
/// request without this). Each is kept as a keyed hash of the whole token (keys random per
/// process, never the token itself) with the stored hash it matched: a token is trusted again
/// only while its row still holds that hash, so revoking it — or replacing it — ends the trust
/// at the next request.
#[derive(Default)]
pub struct CheckedTokens {
    hasher: RandomState,
    /// Token key (public part) → (keyed hash of the token, stored secret hash, when checked,
    /// its store).
    seen: Mutex<HashMap<String, (u64, String, Instant, StoreInfo)>>,
    /// Secrets checked with Argon2, for tests.
    checks: std::sync::atomic::AtomicU64,
}

impl CheckedTokens {
    /// How many times a secret was checked the slow way.
    pub fn checks(&self) -> u64 {
        self.checks.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn trusted(&self, key: &str, token: &str, phc: &str) -> bool {
        let h = self.hasher.hash_one(token);
        let Ok(seen) = self.seen.lock() else {
            return false;
        };
        seen.get(key)
            .is_some_and(|(th, p, at, _)| *th == h && p == phc && at.elapsed() < TOKEN_TRUSTED_FOR)
    }

    /// The store of a token checked within [`TOKEN_TRUSTED_FOR`], its row unread: for while
    /// another connection holds the database (a revocation needs that lock too).
    fn trusted_store(&self, key: &str, token: &str) -> Option<StoreInfo> {
        let h = self.hasher.hash_one(token);
        let seen = self.seen.lock().ok()?;
        seen.get(key)
            .filter(|(th, _, at, _)| *th == h && at.elapsed() < TOKEN_TRUSTED_FOR)
            .map(|(_, _, _, store)| store.clone())
    }

    fn remember(&self, key: &str, token: &str, phc: &str, store: &StoreInfo) {
        let h = self.hasher.hash_one(token);
        if let Ok(mut seen) = self.seen.lock() {
            // Bounded: an ingest token is one of MAX_INGEST_TOKENS per store.
            if seen.len() >= 10_000 {
                seen.clear();
            }
            seen.insert(
                key.to_string(),
                (h, phc.to_string(), Instant::now(), store.clone()),
            );
        }
    }

    /// Trusts the token of `key` no more (revoked, or its row gone).
    pub fn forget(&self, key: &str) {
        if let Ok(mut seen) = self.seen.lock() {
            seen.remove(key);
        }
    }
}

/// An ingest token as listed: never its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngestTokenInfo {
    /// The public part that finds the token (16 hex digits after [`INGEST_TOKEN_PREFIX`]).
    pub key: String,
    pub label: String,
    /// Unix seconds.
    pub created_at: i64,
    pub created_by: Option<String>,
    /// Unix seconds, to the minute; `None`: never used.
    pub last_used_at: Option<i64>,
}

impl Db {
    /// The store named `name`, created empty when there is none yet (a store may be
    /// connected to live ingest before its first import).
    pub fn ensure_store_named(&self, name: &str) -> Result<StoreInfo, UserError> {
        self.conn()
            .execute("INSERT OR IGNORE INTO stores (name) VALUES (?1)", [name])?;
        Ok(self.store(name)?)
    }

    /// Creates an ingest token for store `store_id` and returns it (shown once: only a hash
    /// of its secret is kept). A token is [`INGEST_TOKEN_PREFIX`], 16 hex digits that find it
    /// and 64 hex digits of secret.
    pub fn create_ingest_token(
        &self,
        store_id: i64,
        label: &str,
        by: Option<&str>,
    ) -> Result<String, UserError> {
        let (key, secret, hash) = new_token_secret()?;
        let label: String = label
            .chars()
            .filter(|c| !c.is_control())
            .take(128)
            .collect();
        let now = now_secs();
        let inserted = self.conn().execute(
            "INSERT INTO ingest_tokens (key, store_id, label, secret_hash, created_at, created_by)
             SELECT ?1, ?2, ?3, ?4, ?5, ?6
             WHERE (SELECT COUNT(*) FROM ingest_tokens WHERE store_id = ?2) < ?7",
            params![
                key,
                store_id,
                label.trim(),
                hash,
                now,
                by,
                MAX_INGEST_TOKENS as i64
            ],
        )?;
        if inserted == 0 {
            return Err(UserError::TooManyIngestTokens);
        }
        Ok(format!("{INGEST_TOKEN_PREFIX}{key}{secret}"))
    }

    /// The ingest tokens of store `store_id`, newest first.
    pub fn ingest_tokens(&self, store_id: i64) -> Result<Vec<IngestTokenInfo>, UserError> {
        let mut st = self.conn().prepare_cached(
            "SELECT key, label, created_at, created_by, last_used_at FROM ingest_tokens
             WHERE store_id = ?1 ORDER BY created_at DESC, key",
        )?;
        let rows = st.query_map([store_id], |r| {
            Ok(IngestTokenInfo {
                key: r.get(0)?,
                label: r.get(1)?,
                created_at: r.get(2)?,
                created_by: r.get(3)?,
                last_used_at: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Revokes the token `key` of store `store_id`; whether there was one.
    pub fn revoke_ingest_token(&self, store_id: i64, key: &str) -> Result<bool, UserError> {
        Ok(self.conn().execute(
            "DELETE FROM ingest_tokens WHERE store_id = ?1 AND key = ?2",
            params![store_id, key],
        )? > 0)
    }

    /// The store an ingest token writes to, if it is one; notes its use.
    pub fn ingest_token_store(&self, token: &str) -> Result<Option<StoreInfo>, UserError> {
        self.ingest_token_store_checked(token, None)
    }

    /// [`Db::ingest_token_store`], the secret's check skipped when `checked` holds it from a
    /// recent request with the same stored hash (see [`CheckedTokens`]).
    pub fn ingest_token_store_checked(
        &self,
        token: &str,
        checked: Option<&CheckedTokens>,
    ) -> Result<Option<StoreInfo>, UserError> {
        let Some((key, secret)) = token_parts(token, INGEST_TOKEN_PREFIX) else {
            return Ok(None);
        };
        type Row = Option<(i64, String, String, Option<i64>)>;
        let read = |db: &Db| -> Result<Row, StoreError> {
            Ok(db
                .conn()
                .query_row(
                    "SELECT s.id, s.name, t.secret_hash, t.last_used_at
                     FROM ingest_tokens t JOIN stores s ON s.id = t.store_id WHERE t.key = ?1",
                    [key],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )
                .optional()?)
        };
        // While a fold or an import holds the database (seconds), a token checked within the
        // minute is taken on that check: an event must not wait for the commit (issue 16).
        // Revoking needs the same lock, so no revocation lands meanwhile.
        let row = match self.without_waiting(read)? {
            Err(e) if e.is_busy() => {
                if let Some(store) = checked.and_then(|c| c.trusted_store(key, token)) {
                    return Ok(Some(store));
                }
                read(self)?
            }
            row => row?,
        };
        let Some((id, name, phc, last_used)) = row else {
            if let Some(c) = checked {
                c.forget(key);
            }
            return Ok(None);
        };
        let store = StoreInfo { id, name };
        let trusted = checked.is_some_and(|c| c.trusted(key, token, &phc));
        if !trusted {
            if let Some(c) = checked {
                c.checks.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            if !secret_matches(secret, &phc) {
                if let Some(c) = checked {
                    c.forget(key);
                }
                return Ok(None);
            }
            if let Some(c) = checked {
                c.remember(key, token, &phc, &store);
            }
        }
        let now = now_secs();
        if last_used.is_none_or(|t| now - t >= LAST_USE_SECS) {
            // A busy database must neither refuse nor hold up a batch over a note of last use.
            let _ = self.write_unless_busy(
                "UPDATE ingest_tokens SET last_used_at = ?2 WHERE key = ?1",
                params![key, now],
            );
        }
        Ok(Some(store))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db_with_stores() -> (tempfile::TempDir, Db, i64, i64) {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("k.db")).unwrap();
        db.conn()
            .execute_batch("INSERT INTO stores (name) VALUES ('A'), ('B')")
            .unwrap();
        let a = db.store("A").unwrap().id;
        let b = db.store("B").unwrap().id;
        (dir, db, a, b)
    }

    /// Revokes store `a`'s first token and checks that `token` is refused at its next
    /// request; the revoked key.
    fn revoke_and_see_it_refused(db: &Db, a: i64, token: &str, checked: &CheckedTokens) -> String {
        let key = db.ingest_tokens(a).unwrap()[0].key.clone();
        assert!(db.revoke_ingest_token(a, &key).unwrap());
        assert_eq!(
            db.ingest_token_store_checked(token, Some(checked)).unwrap(),
            None
        );
        key
    }

    #[test]
    fn a_token_finds_its_own_store_only_and_is_kept_hashed() {
        let (_dir, db, a, b) = db_with_stores();
        let ta = db.create_ingest_token(a, "千牛", Some("boss")).unwrap();
        let tb = db.create_ingest_token(b, "rpa", None).unwrap();
        assert!(ta.starts_with(INGEST_TOKEN_PREFIX));
        assert_eq!(db.ingest_token_store(&ta).unwrap().unwrap().id, a);
        assert_eq!(db.ingest_token_store(&tb).unwrap().unwrap().id, b);
        // The secret is not stored.
        let secret = &ta[INGEST_TOKEN_PREFIX.len() + 16..];
        let stored: String = db
            .conn()
            .query_row(
                "SELECT group_concat(secret_hash) FROM ingest_tokens",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(!stored.contains(secret));
        // A wrong secret, a personal API token's shape, garbage: no store.
        let mut wrong = ta.clone();
        wrong.pop();
        wrong.push(if ta.ends_with('0') { '1' } else { '0' });
        assert_eq!(db.ingest_token_store(&wrong).unwrap(), None);
        assert_eq!(db.ingest_token_store("kefu_0123").unwrap(), None);
        assert_eq!(db.ingest_token_store("").unwrap(), None);
        let listed = db.ingest_tokens(a).unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].label, "千牛");
        assert!(listed[0].last_used_at.is_some());
        // Revoking needs the right store.
        assert!(!db.revoke_ingest_token(b, &listed[0].key).unwrap());
        assert!(db.revoke_ingest_token(a, &listed[0].key).unwrap());
        assert_eq!(db.ingest_token_store(&ta).unwrap(), None);
        assert_eq!(db.ingest_token_store(&tb).unwrap().unwrap().id, b);
    }

    #[test]
    fn a_checked_token_is_not_checked_again_and_stops_when_revoked() {
        let (_dir, db, a, _) = db_with_stores();
        let checked = CheckedTokens::default();
        let token = db.create_ingest_token(a, "rpa", None).unwrap();
        for _ in 0..5 {
            let s = db
                .ingest_token_store_checked(&token, Some(&checked))
                .unwrap();
            assert_eq!(s.unwrap().id, a);
        }
        assert_eq!(checked.checks(), 1, "the secret is checked once");
        // The same key with another secret is checked, and refused.
        let mut wrong = token.clone();
        wrong.pop();
        wrong.push(if token.ends_with('0') { '1' } else { '0' });
        assert_eq!(
            db.ingest_token_store_checked(&wrong, Some(&checked))
                .unwrap(),
            None
        );
        assert_eq!(checked.checks(), 2);
        assert!(
            db.ingest_token_store_checked(&token, Some(&checked))
                .unwrap()
                .is_some()
        );
        // Revoked: refused at the next request, trust or not.
        revoke_and_see_it_refused(&db, a, &token, &checked);
    }

    #[test]
    fn a_token_is_accepted_at_once_while_another_connection_writes_and_its_use_noted_after() {
        let (dir, db, a, _) = db_with_stores();
        let token = db.create_ingest_token(a, "rpa", None).unwrap();
        let last_used = |db: &Db| -> Option<i64> {
            db.conn()
                .query_row("SELECT last_used_at FROM ingest_tokens", [], |r| r.get(0))
                .unwrap()
        };
        assert_eq!(last_used(&db), None);
        // A fold or an import holds the write lock, for seconds.
        let holder = rusqlite::Connection::open(dir.path().join("k.db")).unwrap();
        holder.execute_batch("BEGIN IMMEDIATE").unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let path = dir.path().join("k.db");
        let t = token.clone();
        std::thread::spawn(move || {
            let db = Db::open(&path).unwrap();
            let _ = tx.send(db.ingest_token_store(&t).map(|s| s.map(|s| s.id)));
        });
        // Far less than the 30 s a write would wait for the lock.
        let got = rx.recv_timeout(std::time::Duration::from_secs(10));
        assert_eq!(got.ok().map(|r| r.ok()), Some(Some(Some(a))));
        assert_eq!(last_used(&db), None, "no note while the lock is held");
        holder.execute_batch("ROLLBACK").unwrap();
        assert_eq!(
            db.ingest_token_store(&token).unwrap().map(|s| s.id),
            Some(a)
        );
        assert!(last_used(&db).is_some());
    }

    #[test]
    fn a_token_checked_lately_is_taken_while_another_connection_holds_the_database() {
        let (dir, db, a, _) = db_with_stores();
        let token = db.create_ingest_token(a, "rpa", None).unwrap();
        let checked = std::sync::Arc::new(CheckedTokens::default());
        assert!(
            db.ingest_token_store_checked(&token, Some(&checked))
                .unwrap()
                .is_some()
        );
        let other = Db::open(&dir.path().join("k.db")).unwrap();
        // A fold's commit: nobody else reads either.
        let holder = rusqlite::Connection::open(dir.path().join("k.db")).unwrap();
        holder.execute_batch("BEGIN EXCLUSIVE").unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let (t, c) = (token.clone(), checked.clone());
        std::thread::spawn(move || {
            let got = other.ingest_token_store_checked(&t, Some(&c));
            let _ = tx.send(got.ok().map(|s| s.map(|s| s.id)));
        });
        // Far less than the 30 s a read would wait for the lock.
        let got = rx.recv_timeout(std::time::Duration::from_secs(10));
        holder.execute_batch("ROLLBACK").unwrap();
        assert_eq!(got.ok(), Some(Some(Some(a))));
        // Revoked: the next request reads the row again and forgets the trust.
        let key = revoke_and_see_it_refused(&db, a, &token, &checked);
        assert_eq!(checked.trusted_store(&key, &token), None);
    }
}
