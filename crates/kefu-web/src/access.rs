//! Who may see what: the one place where a user and a requested store become the rows a
//! page or the API may read. Handlers never look at roles themselves.

use kefu_core::model::NameId;
use kefu_store::{Db, StoreInfo, User, UserRole};

use crate::WebError;

/// The rows of one store a user may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rows {
    /// Every account and the store-level figures.
    All,
    /// Only these accounts; no store-level figures.
    Accounts(Vec<NameId>),
}

impl Rows {
    pub fn account(&self, id: NameId) -> bool {
        match self {
            Rows::All => true,
            Rows::Accounts(ids) => ids.contains(&id),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allowed {
    pub store: StoreInfo,
    pub rows: Rows,
}

/// The stores (with their rows) `user` may see, limited to `requested` when given.
///
/// - admin: every store;
/// - supervisor, qa: the stores assigned to them;
/// - agent: the stores of their linked chat accounts, and only those accounts.
///
/// A store the user may not see is answered as if it did not exist.
pub fn allowed(db: &Db, user: &User, requested: Option<&str>) -> Result<Vec<Allowed>, WebError> {
    let stores = db.stores()?;
    let mut out: Vec<Allowed> = match user.role {
        UserRole::Admin => stores
            .into_iter()
            .map(|store| Allowed {
                store,
                rows: Rows::All,
            })
            .collect(),
        UserRole::Supervisor | UserRole::Qa => {
            let mine = db.user_stores(user)?;
            stores
                .into_iter()
                .filter(|s| mine.contains(&s.id))
                .map(|store| Allowed {
                    store,
                    rows: Rows::All,
                })
                .collect()
        }
        UserRole::Agent => {
            let linked = db.user_accounts(user)?;
            stores
                .into_iter()
                .filter_map(|store| {
                    let ids: Vec<NameId> = linked
                        .iter()
                        .filter(|(s, _)| *s == store.id)
                        .map(|(_, a)| *a)
                        .collect();
                    (!ids.is_empty()).then_some(Allowed {
                        store,
                        rows: Rows::Accounts(ids),
                    })
                })
                .collect()
        }
    };
    if let Some(name) = requested {
        out.retain(|a| a.store.name == name);
        if out.is_empty() {
            return Err(WebError::NotFound(format!("no store named `{name}`")));
        }
    }
    Ok(out)
}

/// The store and account a drill-down page shows: the named account of the requested store
/// (or of the first store the user may see), if the user may see that account. An account
/// the user may not see is answered as if it did not exist.
pub fn account(
    db: &Db,
    user: &User,
    store: Option<&str>,
    account: &str,
) -> Result<(Allowed, NameId), WebError> {
    let missing = || WebError::NotFound(format!("no account named `{account}`"));
    let allowed = allowed(db, user, store)?
        .into_iter()
        .next()
        .ok_or_else(missing)?;
    let id = db
        .accounts(allowed.store.id)?
        .into_iter()
        .find(|a| a.name == account)
        .map(|a| a.id)
        .ok_or_else(missing)?;
    if !allowed.rows.account(id) {
        return Err(missing());
    }
    Ok((allowed, id))
}

/// The stores a user may import into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportScope {
    /// Any store, new ones included (admin).
    Any,
    /// Only these existing stores, by name (supervisor).
    Stores(Vec<String>),
}

impl ImportScope {
    pub fn allows(&self, store: &str) -> bool {
        match self {
            ImportScope::Any => true,
            ImportScope::Stores(names) => names.iter().any(|n| n == store),
        }
    }
}

/// Whether the navigation offers the import page to `user`.
pub fn may_import(user: &User) -> bool {
    matches!(user.role, UserRole::Admin | UserRole::Supervisor)
}

/// Whether `user` administers users, settings and the audit log.
pub fn is_admin(user: &User) -> bool {
    user.role == UserRole::Admin
}

/// Where `user` may import: admins anywhere, supervisors into their stores, others nowhere.
pub fn import_scope(db: &Db, user: &User) -> Result<ImportScope, WebError> {
    match user.role {
        UserRole::Admin => Ok(ImportScope::Any),
        UserRole::Supervisor => {
            let mine = db.user_stores(user)?;
            Ok(ImportScope::Stores(
                db.stores()?
                    .into_iter()
                    .filter(|s| mine.contains(&s.id))
                    .map(|s| s.name)
                    .collect(),
            ))
        }
        UserRole::Qa | UserRole::Agent => Err(WebError::Forbidden(
            "importing needs an admin or a supervisor".into(),
        )),
    }
}

/// Admin-only pages (settings, users, audit log).
pub fn admin(user: &User) -> Result<(), WebError> {
    if is_admin(user) {
        Ok(())
    } else {
        Err(WebError::Forbidden("this page is for admins".into()))
    }
}
