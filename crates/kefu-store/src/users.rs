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

/// Unexpired API tokens a user may hold at once.
pub const MAX_API_TOKENS: usize = 10;

/// The last use of a token is written at most this often (a write per API request would
/// contend with imports for the database lock).
const LAST_USE_SECS: i64 = 60;

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
    #[error("there must always be an admin: this is the last one")]
    LastAdmin,
    #[error("no user with id {0}")]
    NoSuchUser(i64),
    #[error("a user holds at most {MAX_API_TOKENS} API tokens: revoke one first")]
    TooManyTokens,
    #[error(
        "a store holds at most {} ingest tokens: revoke one first",
        crate::ingest::MAX_INGEST_TOKENS
    )]
    TooManyIngestTokens,
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

/// The language a user chose for the pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LangPref {
    /// Whatever the browser asks for.
    #[default]
    Browser,
    Zh,
    En,
}

impl LangPref {
    /// `zh`, `en`, or `browser`.
    pub fn as_str(self) -> &'static str {
        match self {
            LangPref::Browser => "browser",
            LangPref::Zh => "zh",
            LangPref::En => "en",
        }
    }

    pub fn parse(s: &str) -> Option<LangPref> {
        Some(match s {
            "browser" | "" => LangPref::Browser,
            "zh" => LangPref::Zh,
            "en" => LangPref::En,
            _ => return None,
        })
    }

    fn column(self) -> Option<&'static str> {
        (self != LangPref::Browser).then_some(self.as_str())
    }

    fn from_column(v: Option<String>) -> LangPref {
        v.as_deref().and_then(LangPref::parse).unwrap_or_default()
    }
}

/// A live login session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub user: User,
    /// The token every state-changing request of this session must carry.
    pub csrf: String,
    /// Unix seconds.
    pub expires_at: i64,
    /// The user's language setting.
    pub lang: LangPref,
}

/// A personal API token as listed: never its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    /// The public part that finds the token (16 hex digits after [`API_TOKEN_PREFIX`]).
    pub key: String,
    pub user: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds; `None`: never expires.
    pub expires_at: Option<i64>,
    /// Unix seconds, to the minute; `None`: never used.
    pub last_used_at: Option<i64>,
}

impl TokenInfo {
    /// Whether the token has expired at `now` (unix seconds).
    pub fn expired(&self, now: i64) -> bool {
        self.expires_at.is_some_and(|e| e <= now)
    }
}

/// One entry of the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// Ascending in time: the key of paging.
    pub id: i64,
    /// Unix seconds.
    pub time: i64,
    /// `None`: no user (e.g. a failed login).
    pub user: Option<String>,
    pub action: String,
    pub detail: String,
}

/// Which audit entries to read: every condition given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// The acting user's name (as recorded: it survives the user).
    pub user: Option<String>,
    pub action: Option<String>,
    /// Unix seconds, inclusive.
    pub from: Option<i64>,
    /// Unix seconds, exclusive.
    pub to: Option<i64>,
    /// Only entries older than this id (the next page).
    pub before: Option<i64>,
}

/// How a personal API token begins.
pub const API_TOKEN_PREFIX: &str = "kefu_";

/// Argon2id with small costs for API token secrets: they are 256 random bits, so a slow
/// hash adds nothing, and every API request checks one.
fn token_hasher() -> Result<Argon2<'static>, UserError> {
    let params = Params::new(64, 1, 1, None).map_err(|e| UserError::Hash(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// A new token's key (16 hex digits that find it), secret (64 hex digits) and the hash of the
/// secret that is kept: personal API tokens and ingest tokens alike.
pub(crate) fn new_token_secret() -> Result<(String, String, String), UserError> {
    let key = random_token()[..16].to_string();
    let secret = random_token();
    let salt = SaltString::generate(&mut OsRng);
    let hash = token_hasher()?
        .hash_password(secret.as_bytes(), &salt)
        .map_err(|e| UserError::Hash(e.to_string()))?
        .to_string();
    Ok((key, secret, hash))
}

/// The key and secret of a token that begins with `prefix`, if it has their form.
pub(crate) fn token_parts<'t>(token: &'t str, prefix: &str) -> Option<(&'t str, &'t str)> {
    let rest = token.strip_prefix(prefix)?;
    (rest.len() == 80 && rest.bytes().all(|b| b.is_ascii_hexdigit())).then(|| rest.split_at(16))
}

/// Whether `secret` is the one hashed in `phc` (a token secret's hash, [`new_token_secret`]).
pub(crate) fn secret_matches(secret: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| {
        token_hasher().is_ok_and(|a| a.verify_password(secret.as_bytes(), &h).is_ok())
    })
}

/// 256 random bits from the operating system, as 64 hex digits.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The time now, in unix seconds.
pub fn now_secs() -> i64 {
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

    /// Creates a personal API token for `user` that does not expire; see
    /// [`Db::create_api_token_until`].
    pub fn create_api_token(&self, user: &User) -> Result<String, UserError> {
        self.create_api_token_until(user, None)
    }

    /// Creates a personal API token for `user`, valid until `expires_at` (unix seconds) or
    /// for good, and returns it; only a hash of its secret is kept, so it is shown once. A
    /// token is [`API_TOKEN_PREFIX`], 16 hex digits that find it and 64 hex digits of
    /// secret. A user holds at most [`MAX_API_TOKENS`] unexpired ones.
    pub fn create_api_token_until(
        &self,
        user: &User,
        expires_at: Option<i64>,
    ) -> Result<String, UserError> {
        let (key, secret, hash) = new_token_secret()?;
        let now = now_secs();
        // Count and insert in one statement: parallel requests cannot both pass the count.
        let inserted = self.conn().execute(
            "INSERT INTO api_tokens (key, user_id, secret_hash, created_at, expires_at)
             SELECT ?1, ?2, ?3, ?4, ?5
             WHERE (SELECT COUNT(*) FROM api_tokens
                    WHERE user_id = ?2 AND (expires_at IS NULL OR expires_at > ?4)) < ?6",
            params![key, user.id, hash, now, expires_at, MAX_API_TOKENS as i64],
        )?;
        if inserted == 0 {
            return Err(UserError::TooManyTokens);
        }
        Ok(format!("{API_TOKEN_PREFIX}{key}{secret}"))
    }

    /// The user of an API token, if it is one and has not expired; notes its use.
    pub fn api_token_user(&self, token: &str) -> Result<Option<User>, UserError> {
        let Some((key, secret)) = token_parts(token, API_TOKEN_PREFIX) else {
            return Ok(None);
        };
        let now = now_secs();
        type Row = ((i64, String, String), String, Option<i64>);
        let row: Option<Row> = self
            .conn()
            .query_row(
                "SELECT u.id, u.name, u.role, t.secret_hash, t.last_used_at
                 FROM api_tokens t JOIN users u ON u.id = t.user_id
                 WHERE t.key = ?1 AND (t.expires_at IS NULL OR t.expires_at > ?2)",
                params![key, now],
                |r| Ok((user_row(r)?, r.get(3)?, r.get(4)?)),
            )
            .optional()?;
        let Some((user, phc, last_used)) = row else {
            return Ok(None);
        };
        if !secret_matches(secret, &phc) {
            return Ok(None);
        }
        if last_used.is_none_or(|t| now - t >= LAST_USE_SECS) {
            self.write_unless_busy(
                "UPDATE api_tokens SET last_used_at = ?2 WHERE key = ?1",
                params![key, now],
            )?;
        }
        Ok(to_user(user))
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
                "SELECT u.id, u.name, u.role, s.csrf, s.expires_at, u.lang
                 FROM sessions s JOIN users u ON u.id = s.user_id
                 WHERE s.id = ?1 AND s.expires_at > ?2",
                params![id, now_secs()],
                |r| Ok((user_row(r)?, r.get(3)?, r.get(4)?, r.get(5)?)),
            )
            .optional()?;
        Ok(row.and_then(|(user, csrf, expires_at, lang)| {
            to_user(user).map(|user| Session {
                user,
                csrf,
                expires_at,
                lang: LangPref::from_column(lang),
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
        self.audit_entries(&AuditFilter::default(), limit)
    }

    /// The newest `limit` entries that pass `filter`, newest first.
    pub fn audit_entries(
        &self,
        filter: &AuditFilter,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, UserError> {
        // Only the conditions given go into the statement, so that SQLite can pick the index
        // of the one that narrows (a flood of one action must not slow the others' pages).
        let mut sql =
            String::from("SELECT id, time, user_name, action, detail FROM audit_log WHERE 1");
        let mut args: Vec<rusqlite::types::Value> = Vec::new();
        let mut cond = |clause: &str, v: rusqlite::types::Value| {
            args.push(v);
            sql.push_str(&format!(" AND {clause} ?{}", args.len()));
        };
        if let Some(u) = &filter.user {
            cond("user_name =", u.clone().into());
        }
        if let Some(a) = &filter.action {
            cond("action =", a.clone().into());
        }
        if let Some(t) = filter.from {
            cond("time >=", t.into());
        }
        if let Some(t) = filter.to {
            cond("time <", t.into());
        }
        if let Some(id) = filter.before {
            cond("id <", id.into());
        }
        args.push(i64::from(limit).into());
        sql.push_str(&format!(" ORDER BY id DESC LIMIT ?{}", args.len()));
        let mut st = self.conn().prepare(&sql)?;
        let rows = st.query_map(rusqlite::params_from_iter(args), |r| {
            Ok(AuditEntry {
                id: r.get(0)?,
                time: r.get(1)?,
                user: r.get(2)?,
                action: r.get(3)?,
                detail: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Every action the audit log holds, ascending.
    pub fn audit_actions(&self) -> Result<Vec<String>, UserError> {
        let mut st = self
            .conn()
            .prepare("SELECT DISTINCT action FROM audit_log ORDER BY action")?;
        let rows = st.query_map([], |r| r.get(0))?;
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

    /// The user of that id.
    pub fn user_by_id(&self, id: i64) -> Result<Option<User>, UserError> {
        let row = self
            .conn()
            .query_row(
                "SELECT id, name, role FROM users WHERE id = ?1",
                [id],
                user_row,
            )
            .optional()?;
        Ok(row.and_then(to_user))
    }

    /// Whether `user` is an admin and no other admin is left.
    fn last_admin(&self, user: &User) -> Result<bool, UserError> {
        let others: i64 = self.conn().query_row(
            "SELECT COUNT(*) FROM users WHERE role = 'admin' AND id != ?1",
            [user.id],
            |r| r.get(0),
        )?;
        let is_admin: bool = self.conn().query_row(
            "SELECT EXISTS (SELECT 1 FROM users WHERE id = ?1 AND role = 'admin')",
            [user.id],
            |r| r.get(0),
        )?;
        Ok(is_admin && others == 0)
    }

    /// Changes a user's role, what they may see with it (stores for a supervisor or qa,
    /// chat accounts for an agent) in one step; links that the new role does not use are
    /// removed, so that a later role change grants nothing unexpected. The last admin keeps
    /// the role.
    pub fn set_user_access(
        &self,
        user: &User,
        role: UserRole,
        stores: &[i64],
        accounts: &[(i64, NameId)],
    ) -> Result<User, UserError> {
        if role != UserRole::Admin && self.last_admin(user)? {
            return Err(UserError::LastAdmin);
        }
        let tx = self.conn().unchecked_transaction()?;
        let changed = tx.execute(
            "UPDATE users SET role = ?2 WHERE id = ?1",
            params![user.id, role.as_str()],
        )?;
        if changed == 0 {
            return Err(UserError::NoSuchUser(user.id));
        }
        tx.execute("DELETE FROM user_stores WHERE user_id = ?1", [user.id])?;
        tx.execute("DELETE FROM user_accounts WHERE user_id = ?1", [user.id])?;
        if matches!(role, UserRole::Supervisor | UserRole::Qa) {
            for s in stores {
                tx.execute(
                    "INSERT OR IGNORE INTO user_stores (user_id, store_id) VALUES (?1, ?2)",
                    params![user.id, s],
                )?;
            }
        }
        if role == UserRole::Agent {
            for (s, a) in accounts {
                tx.execute(
                    "INSERT OR IGNORE INTO user_accounts (user_id, store_id, account_id) VALUES (?1, ?2, ?3)",
                    params![user.id, s, a],
                )?;
            }
        }
        tx.commit()?;
        Ok(User {
            role,
            ..user.clone()
        })
    }

    /// Whether `password` is the user's.
    pub fn password_is(&self, user: &User, password: &str) -> Result<bool, UserError> {
        if password.len() > MAX_PASSWORD_BYTES {
            return Ok(false);
        }
        let phc: Option<String> = self
            .conn()
            .query_row(
                "SELECT password_hash FROM users WHERE id = ?1",
                [user.id],
                |r| r.get(0),
            )
            .optional()?;
        Ok(phc.is_some_and(|phc| password_matches(password, &phc)))
    }

    /// Sets a new password, ends the user's sessions, all but `keep` (the session that
    /// changed its own password stays logged in), and revokes their API tokens: whoever
    /// took the old password may have made one.
    pub fn set_password(
        &self,
        user: &User,
        password: &str,
        keep: Option<&str>,
    ) -> Result<(), UserError> {
        if password.len() < 8 || password.len() > MAX_PASSWORD_BYTES {
            return Err(UserError::BadPassword);
        }
        let hash = hash_password(password)?;
        let tx = self.conn().unchecked_transaction()?;
        if tx.execute(
            "UPDATE users SET password_hash = ?2 WHERE id = ?1",
            params![user.id, hash],
        )? == 0
        {
            return Err(UserError::NoSuchUser(user.id));
        }
        tx.execute(
            "DELETE FROM sessions WHERE user_id = ?1 AND id IS NOT ?2",
            params![user.id, keep],
        )?;
        tx.execute("DELETE FROM api_tokens WHERE user_id = ?1", [user.id])?;
        tx.commit()?;
        Ok(())
    }

    /// Deletes a user with everything that depends on them (sessions, tokens, links, and
    /// whatever other tables declare with `REFERENCES users … ON DELETE`). The last admin
    /// stays.
    pub fn delete_user(&self, user: &User) -> Result<(), UserError> {
        if self.last_admin(user)? {
            return Err(UserError::LastAdmin);
        }
        // SQLite enforces foreign keys only when asked, per connection and outside of a
        // transaction. Asked for this one statement, every table's declared ON DELETE
        // applies, so a later user who gets the same id inherits nothing.
        let conn = self.conn();
        conn.pragma_update(None, "foreign_keys", true)?;
        let deleted = conn.execute("DELETE FROM users WHERE id = ?1", [user.id]);
        conn.pragma_update(None, "foreign_keys", false)?;
        if deleted? == 0 {
            return Err(UserError::NoSuchUser(user.id));
        }
        Ok(())
    }

    /// A user's language setting.
    pub fn user_lang(&self, user: &User) -> Result<LangPref, UserError> {
        let v: Option<Option<String>> = self
            .conn()
            .query_row("SELECT lang FROM users WHERE id = ?1", [user.id], |r| {
                r.get(0)
            })
            .optional()?;
        Ok(LangPref::from_column(v.flatten()))
    }

    pub fn set_user_lang(&self, user: &User, lang: LangPref) -> Result<(), UserError> {
        self.conn().execute(
            "UPDATE users SET lang = ?2 WHERE id = ?1",
            params![user.id, lang.column()],
        )?;
        Ok(())
    }

    /// The API tokens of `owner` (every user's when `None`), newest first.
    pub fn api_tokens(&self, owner: Option<&User>) -> Result<Vec<TokenInfo>, UserError> {
        let mut st = self.conn().prepare(
            "SELECT t.key, u.name, t.created_at, t.expires_at, t.last_used_at
             FROM api_tokens t JOIN users u ON u.id = t.user_id
             WHERE ?1 IS NULL OR t.user_id = ?1 ORDER BY t.created_at DESC, t.key",
        )?;
        let rows = st.query_map([owner.map(|u| u.id)], |r| {
            Ok(TokenInfo {
                key: r.get(0)?,
                user: r.get(1)?,
                created_at: r.get(2)?,
                expires_at: r.get(3)?,
                last_used_at: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Revokes the token of that key if it belongs to `owner` (any user's when `None`).
    /// Returns whether one was revoked.
    pub fn revoke_api_token(&self, key: &str, owner: Option<&User>) -> Result<bool, UserError> {
        let n = self.conn().execute(
            "DELETE FROM api_tokens WHERE key = ?1 AND (?2 IS NULL OR user_id = ?2)",
            params![key, owner.map(|u| u.id)],
        )?;
        Ok(n > 0)
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
    fn access_passwords_deletion_and_the_last_admin() {
        let (_dir, db) = db();
        let admin = db
            .create_user("admin", UserRole::Admin, "12345678")
            .unwrap();
        let agent = db.create_user("a", UserRole::Agent, "12345678").unwrap();
        db.link_account(&agent, 1, 4).unwrap();
        // the only admin can neither lose the role nor be deleted
        assert!(matches!(
            db.set_user_access(&admin, UserRole::Qa, &[1], &[]),
            Err(UserError::LastAdmin)
        ));
        assert!(matches!(db.delete_user(&admin), Err(UserError::LastAdmin)));
        // an agent turned supervisor: stores replace the account links
        let sup = db
            .set_user_access(&agent, UserRole::Supervisor, &[2, 1], &[(1, 9)])
            .unwrap();
        assert_eq!(sup.role, UserRole::Supervisor);
        assert_eq!(db.user("a").unwrap(), Some(sup.clone()));
        assert_eq!(db.user_stores(&sup).unwrap(), vec![1, 2]);
        assert_eq!(db.user_accounts(&sup).unwrap(), vec![]);
        let back = db
            .set_user_access(&sup, UserRole::Agent, &[1], &[(1, 9), (1, 3)])
            .unwrap();
        assert_eq!(db.user_stores(&back).unwrap(), Vec::<i64>::new());
        assert_eq!(db.user_accounts(&back).unwrap(), vec![(1, 3), (1, 9)]);
        // a second admin: now the first may go
        let other = db
            .set_user_access(&back, UserRole::Admin, &[], &[])
            .unwrap();
        assert_eq!(db.user_by_id(other.id).unwrap(), Some(other.clone()));

        // passwords: a reset ends every session but the one kept
        let (s1, _) = db.create_session(&other).unwrap();
        let (s2, _) = db.create_session(&other).unwrap();
        assert!(db.password_is(&other, "12345678").unwrap());
        assert!(matches!(
            db.set_password(&other, "short", None),
            Err(UserError::BadPassword)
        ));
        db.set_password(&other, "new password", Some(&s1)).unwrap();
        assert!(!db.password_is(&other, "12345678").unwrap());
        assert!(db.password_is(&other, "new password").unwrap());
        assert!(db.session(&s1).unwrap().is_some());
        assert!(db.session(&s2).unwrap().is_none());
        db.set_password(&other, "newer password", None).unwrap();
        assert!(db.session(&s1).unwrap().is_none());

        // language: stored on the user, read with the session
        assert_eq!(db.user_lang(&other).unwrap(), LangPref::Browser);
        db.set_user_lang(&other, LangPref::En).unwrap();
        let (s3, _) = db.create_session(&other).unwrap();
        assert_eq!(db.session(&s3).unwrap().unwrap().lang, LangPref::En);
        db.set_user_lang(&other, LangPref::Browser).unwrap();
        assert_eq!(db.session(&s3).unwrap().unwrap().lang, LangPref::Browser);

        // tokens: listed without secrets, revoked by their owner or anyone's by None
        let t1 = db.create_api_token(&admin).unwrap();
        let t2 = db.create_api_token(&other).unwrap();
        let mine = db.api_tokens(Some(&admin)).unwrap();
        assert_eq!(mine.len(), 1);
        assert_eq!(
            (mine[0].key.as_str(), mine[0].user.as_str()),
            (&t1[5..21], "admin")
        );
        assert_eq!(db.api_tokens(None).unwrap().len(), 2);
        assert!(!db.revoke_api_token(&t2[5..21], Some(&admin)).unwrap());
        assert!(db.api_token_user(&t2).unwrap().is_some());
        assert!(db.revoke_api_token(&t2[5..21], None).unwrap());
        assert!(db.api_token_user(&t2).unwrap().is_none());

        // deleting takes sessions, tokens and links along
        db.create_api_token(&other).unwrap();
        db.assign_store(&other, 1).unwrap();
        db.delete_user(&admin).unwrap();
        assert!(db.user("admin").unwrap().is_none());
        assert!(db.api_token_user(&t1).unwrap().is_none());
        assert!(matches!(db.delete_user(&other), Err(UserError::LastAdmin)));
        for table in ["sessions", "api_tokens", "user_stores", "user_accounts"] {
            let n: i64 = db
                .conn()
                .query_row(
                    &format!("SELECT COUNT(*) FROM {table} WHERE user_id = ?1"),
                    [admin.id],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(n, 0, "{table}");
        }
    }

    #[test]
    fn migration_two_upgrades_a_version_one_database() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.db");
        {
            let conn = rusqlite::Connection::open(&path).unwrap();
            conn.execute_batch(&crate::schema::migration_sql(1).unwrap())
                .unwrap();
            conn.pragma_update(None, "user_version", 1).unwrap();
        }
        let db = Db::open(&path).unwrap();
        let v: i64 = db
            .conn()
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, crate::schema::VERSION);
        assert_eq!(crate::schema::VERSION, 29);
        db.create_user("admin", UserRole::Admin, "12345678")
            .unwrap();
    }
}
