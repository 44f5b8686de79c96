//! Web users, their roles, the stores and chat accounts they may see, login sessions and
//! the audit log.
//!
//! Passwords are kept as Argon2id PHC strings; session ids and CSRF tokens are 256 random
//! bits from the operating system, in hex.

use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use kefu_core::model::NameId;
use rusqlite::{OptionalExtension, params};

use crate::{Db, StoreError};

/// How long a session lasts after login.
pub const SESSION_SECS: i64 = 12 * 3600;

/// Longest accepted password, in bytes (hashing cost must stay bounded).
pub const MAX_PASSWORD_BYTES: usize = 1024;

#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("a user named `{0}` already exists")]
    NameTaken(String),
    #[error("a user name is 1 to 64 characters, without control characters or surrounding spaces")]
    BadName,
    #[error("a password is 8 to {MAX_PASSWORD_BYTES} bytes")]
    BadPassword,
    #[error("password hashing failed: {0}")]
    Hash(String),
}

impl From<rusqlite::Error> for UserError {
    fn from(e: rusqlite::Error) -> Self {
        UserError::Store(StoreError::Sql(e))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserRole {
    /// Everything.
    Admin,
    /// The stores assigned in `user_stores`.
    Supervisor,
    /// Quality review: the stores assigned in `user_stores`.
    Qa,
    /// Only the chat accounts linked in `user_accounts`.
    Agent,
}

impl UserRole {
    pub fn as_str(self) -> &'static str {
        match self {
            UserRole::Admin => "admin",
            UserRole::Supervisor => "supervisor",
            UserRole::Qa => "qa",
            UserRole::Agent => "agent",
        }
    }

    pub fn parse(s: &str) -> Option<UserRole> {
        Some(match s {
            "admin" => UserRole::Admin,
            "supervisor" => UserRole::Supervisor,
            "qa" => UserRole::Qa,
            "agent" => UserRole::Agent,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub role: UserRole,
}

/// A live login session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub user: User,
    /// The token every state-changing request of this session must carry.
    pub csrf: String,
    /// Unix seconds.
    pub expires_at: i64,
}

/// One entry of the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// Unix seconds.
    pub time: i64,
    /// `None`: no user (e.g. a failed login).
    pub user: Option<String>,
    pub action: String,
    pub detail: String,
}

/// How a personal API token begins.
pub const API_TOKEN_PREFIX: &str = "kefu_";

/// Argon2id with small costs for API token secrets: they are 256 random bits, so a slow
/// hash adds nothing, and every API request checks one.
fn token_hasher() -> Result<Argon2<'static>, UserError> {
    let params = Params::new(64, 1, 1, None).map_err(|e| UserError::Hash(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// 256 random bits from the operating system, as 64 hex digits.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

fn hash_password(password: &str) -> Result<String, UserError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| UserError::Hash(e.to_string()))
}

fn password_matches(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// A hash to verify against when the user name is unknown, so that a login of an unknown
/// name costs as much time as one of a known name.
fn dummy_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| hash_password(&random_token()).unwrap_or_default())
}

fn valid_name(name: &str) -> bool {
    let n = name.chars().count();
    (1..=64).contains(&n) && name.trim() == name && !name.chars().any(char::is_control)
}

fn user_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(i64, String, String)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
}

fn to_user((id, name, role): (i64, String, String)) -> Option<User> {
    // A role this version does not know grants nothing.
    UserRole::parse(&role).map(|role| User { id, name, role })
}

impl Db {
    /// Creates a user with an Argon2id hash of `password`.
    pub fn create_user(
        &self,
        name: &str,
        role: UserRole,
        password: &str,
    ) -> Result<User, UserError> {
        if !valid_name(name) {
            return Err(UserError::BadName);
        }
        if password.len() < 8 || password.len() > MAX_PASSWORD_BYTES {
            return Err(UserError::BadPassword);
        }
        let hash = hash_password(password)?;
        let inserted = self.conn().execute(
            "INSERT INTO users (name, role, password_hash, created_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (name) DO NOTHING",
            params![name, role.as_str(), hash, now_secs()],
        )?;
        if inserted == 0 {
            return Err(UserError::NameTaken(name.to_string()));
        }
        Ok(User {
            id: self.conn().last_insert_rowid(),
            name: name.to_string(),
            role,
        })
    }

    /// The user of that name if the password is theirs. Unknown names cost the same time
    /// as wrong passwords.
    pub fn verify_login(&self, name: &str, password: &str) -> Result<Option<User>, UserError> {
        if password.len() > MAX_PASSWORD_BYTES {
            return Ok(None);
        }
        let row: Option<((i64, String, String), String)> = self
            .conn()
            .query_row(
                "SELECT id, name, role, password_hash FROM users WHERE name = ?1",
                [name],
                |r| Ok((user_row(r)?, r.get(3)?)),
            )
            .optional()?;
        match row {
            Some((user, phc)) => Ok(password_matches(password, &phc)
                .then(|| to_user(user))
                .flatten()),
            None => {
                password_matches(password, dummy_hash());
                Ok(None)
            }
        }
    }

    /// The user of that name.
    pub fn user(&self, name: &str) -> Result<Option<User>, UserError> {
        let row = self
            .conn()
            .query_row(
                "SELECT id, name, role FROM users WHERE name = ?1",
                [name],
                user_row,
            )
            .optional()?;
        Ok(row.and_then(to_user))
    }

    /// Every user, by name.
    pub fn users(&self) -> Result<Vec<User>, UserError> {
        let mut st = self
            .conn()
            .prepare("SELECT id, name, role FROM users ORDER BY name")?;
        let rows = st.query_map([], user_row)?;
        let rows: Vec<(i64, String, String)> = rows.collect::<rusqlite::Result<_>>()?;
        Ok(rows.into_iter().filter_map(to_user).collect())
    }

    /// Creates a personal API token for `user` and returns it; only a hash of its secret is
    /// kept, so it is shown once. A token is [`API_TOKEN_PREFIX`], 16 hex digits that find it
    /// and 64 hex digits of secret.
    pub fn create_api_token(&self, user: &User) -> Result<String, UserError> {
        let key = random_token()[..16].to_string();
        let secret = random_token();
        let salt = SaltString::generate(&mut OsRng);
        let hash = token_hasher()?
            .hash_password(secret.as_bytes(), &salt)
            .map_err(|e| UserError::Hash(e.to_string()))?
            .to_string();
        self.conn().execute(
            "INSERT INTO api_tokens (key, user_id, secret_hash, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![key, user.id, hash, now_secs()],
        )?;
        Ok(format!("{API_TOKEN_PREFIX}{key}{secret}"))
    }

    /// The user of an API token, if it is one.
    pub fn api_token_user(&self, token: &str) -> Result<Option<User>, UserError> {
        let Some(rest) = token.strip_prefix(API_TOKEN_PREFIX) else {
            return Ok(None);
        };
        if rest.len() != 80 || !rest.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(None);
        }
        let (key, secret) = rest.split_at(16);
        let row: Option<((i64, String, String), String)> = self
            .conn()
            .query_row(
                "SELECT u.id, u.name, u.role, t.secret_hash
                 FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.key = ?1",
                [key],
                |r| Ok((user_row(r)?, r.get(3)?)),
            )
            .optional()?;
        Ok(row.and_then(|(user, phc)| {
            password_matches(secret, &phc)
                .then(|| to_user(user))
                .flatten()
        }))
    }

    /// Starts a session for `user`; returns its id and CSRF token.
    pub fn create_session(&self, user: &User) -> Result<(String, String), UserError> {
        let (id, csrf) = (random_token(), random_token());
        let now = now_secs();
        // Expired sessions are removed as new ones start.
        self.conn()
            .execute("DELETE FROM sessions WHERE expires_at <= ?1", [now])?;
        self.conn().execute(
            "INSERT INTO sessions (id, user_id, csrf, expires_at) VALUES (?1, ?2, ?3, ?4)",
            params![id, user.id, csrf, now + SESSION_SECS],
        )?;
        Ok((id, csrf))
    }

    /// The unexpired session of that id.
    pub fn session(&self, id: &str) -> Result<Option<Session>, UserError> {
        let row = self
            .conn()
            .query_row(
                "SELECT u.id, u.name, u.role, s.csrf, s.expires_at
                 FROM sessions s JOIN users u ON u.id = s.user_id
                 WHERE s.id = ?1 AND s.expires_at > ?2",
                params![id, now_secs()],
                |r| Ok((user_row(r)?, r.get(3)?, r.get(4)?)),
            )
            .optional()?;
        Ok(row.and_then(|(user, csrf, expires_at)| {
            to_user(user).map(|user| Session {
                user,
                csrf,
                expires_at,
            })
        }))
    }

    /// Ends a session (logout). Unknown ids are ignored.
    pub fn delete_session(&self, id: &str) -> Result<(), UserError> {
        self.conn()
            .execute("DELETE FROM sessions WHERE id = ?1", [id])?;
        Ok(())
    }

    /// Records an action in the audit log.
    pub fn audit(&self, user: Option<&User>, action: &str, detail: &str) -> Result<(), UserError> {
        self.conn().execute(
            "INSERT INTO audit_log (time, user_id, user_name, action, detail)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                now_secs(),
                user.map(|u| u.id),
                user.map(|u| u.name.as_str()),
                action,
                detail
            ],
        )?;
        Ok(())
    }

    /// The newest `limit` entries of the audit log, newest first.
    pub fn audit_log(&self, limit: u32) -> Result<Vec<AuditEntry>, UserError> {
        let mut st = self.conn().prepare(
            "SELECT time, user_name, action, detail FROM audit_log ORDER BY id DESC LIMIT ?1",
        )?;
        let rows = st.query_map([limit], |r| {
            Ok(AuditEntry {
                time: r.get(0)?,
                user: r.get(1)?,
                action: r.get(2)?,
                detail: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Lets a supervisor (or qa) user see a store.
    pub fn assign_store(&self, user: &User, store_id: i64) -> Result<(), UserError> {
        self.conn().execute(
            "INSERT OR IGNORE INTO user_stores (user_id, store_id) VALUES (?1, ?2)",
            params![user.id, store_id],
        )?;
        Ok(())
    }

    /// Links an agent user to one of a store's chat accounts.
    pub fn link_account(
        &self,
        user: &User,
        store_id: i64,
        account_id: NameId,
    ) -> Result<(), UserError> {
        self.conn().execute(
            "INSERT OR IGNORE INTO user_accounts (user_id, store_id, account_id) VALUES (?1, ?2, ?3)",
            params![user.id, store_id, account_id],
        )?;
        Ok(())
    }

    /// The stores assigned to a user, ascending.
    pub fn user_stores(&self, user: &User) -> Result<Vec<i64>, UserError> {
        let mut st = self
            .conn()
            .prepare("SELECT store_id FROM user_stores WHERE user_id = ?1 ORDER BY store_id")?;
        let rows = st.query_map([user.id], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The (store, account) pairs linked to a user, ascending.
    pub fn user_accounts(&self, user: &User) -> Result<Vec<(i64, NameId)>, UserError> {
        let mut st = self.conn().prepare(
            "SELECT store_id, account_id FROM user_accounts WHERE user_id = ?1
             ORDER BY store_id, account_id",
        )?;
        let rows = st.query_map([user.id], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("k.db")).unwrap();
        (dir, db)
    }

    #[test]
    fn users_login_sessions_audit() {
        let (_dir, db) = db();
        let u = db
            .create_user("王主管", UserRole::Supervisor, "correct horse")
            .unwrap();
        assert!(matches!(
            db.create_user("王主管", UserRole::Agent, "another one"),
            Err(UserError::NameTaken(_))
        ));
        assert!(matches!(
            db.create_user(" x", UserRole::Agent, "long enough"),
            Err(UserError::BadName)
        ));
        assert!(matches!(
            db.create_user("x", UserRole::Agent, "short"),
            Err(UserError::BadPassword)
        ));
        let phc: String = db
            .conn()
            .query_row("SELECT password_hash FROM users", [], |r| r.get(0))
            .unwrap();
        assert!(phc.starts_with("$argon2id$"), "{phc}");

        assert_eq!(
            db.verify_login("王主管", "correct horse").unwrap(),
            Some(u.clone())
        );
        assert_eq!(db.verify_login("王主管", "wrong horse").unwrap(), None);
        assert_eq!(db.verify_login("nobody", "correct horse").unwrap(), None);

        let (sid, csrf) = db.create_session(&u).unwrap();
        let (sid2, _) = db.create_session(&u).unwrap();
        assert_eq!(sid.len(), 64);
        assert_ne!(sid, sid2);
        assert_ne!(sid, csrf);
        let s = db.session(&sid).unwrap().unwrap();
        assert_eq!((s.user, s.csrf), (u.clone(), csrf));
        db.delete_session(&sid).unwrap();
        assert_eq!(db.session(&sid).unwrap(), None);
        assert!(db.session(&sid2).unwrap().is_some());

        // expired sessions are not sessions
        db.conn()
            .execute("UPDATE sessions SET expires_at = 0", [])
            .unwrap();
        assert_eq!(db.session(&sid2).unwrap(), None);

        db.assign_store(&u, 3).unwrap();
        db.assign_store(&u, 1).unwrap();
        db.assign_store(&u, 3).unwrap();
        assert_eq!(db.user_stores(&u).unwrap(), vec![1, 3]);
        db.link_account(&u, 1, 7).unwrap();
        assert_eq!(db.user_accounts(&u).unwrap(), vec![(1, 7)]);

        db.audit(Some(&u), "login", "ok").unwrap();
        db.audit(None, "login_failed", "name=nobody").unwrap();
        let names: Vec<String> = db.users().unwrap().into_iter().map(|u| u.name).collect();
        assert_eq!(names, vec!["王主管".to_string()]);
        let token = db.create_api_token(&u).unwrap();
        assert!(token.starts_with(API_TOKEN_PREFIX) && token.len() == 85);
        assert_eq!(db.api_token_user(&token).unwrap(), Some(u.clone()));
        let mut forged = token.clone();
        forged.replace_range(84.., if token.ends_with('0') { "1" } else { "0" });
        assert_eq!(db.api_token_user(&forged).unwrap(), None);
        assert_eq!(db.api_token_user("kefu_x").unwrap(), None);
        let stored: String = db
            .conn()
            .query_row("SELECT secret_hash FROM api_tokens", [], |r| r.get(0))
            .unwrap();
        assert!(stored.starts_with("$argon2id$") && !stored.contains(&token[21..]));
        let log = db.audit_log(10).unwrap();
        assert_eq!(log.len(), 2);
        assert_eq!(log[0].user, None);
        assert_eq!(log[1].user.as_deref(), Some("王主管"));
        assert_eq!(log[1].action, "login");
    }

    #[test]
    fn migration_two_upgrades_a_version_one_database() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.db");
        {
            let conn = rusqlite::Connection::open(&path).unwrap();
            conn.execute_batch(&crate::schema::migrations()[0]).unwrap();
            conn.pragma_update(None, "user_version", 1).unwrap();
        }
        let db = Db::open(&path).unwrap();
        let v: i64 = db
            .conn()
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, crate::schema::VERSION);
        assert_eq!(crate::schema::VERSION, 7);
        db.create_user("admin", UserRole::Admin, "12345678")
            .unwrap();
    }
}
