//! Who may see what: the one place where a user and a requested store become the rows a
//! page or the API may read. Handlers never look at roles themselves.
//!
//! Access is a **capability**: a [`StoreScope`] (a store the user may see, with the rows they
//! may see in it) or a [`ManagedStore`] (a store whose settings they may edit) is built only
//! here, from a user, and its store id is a private field. The queries a page may make for a
//! store are the handle's methods (`store.rs`, `qa.rs`, `managed.rs`), bound to that id and
//! filtered to the user's rows; an id from a URL (review, assignment, calibration) is looked up
//! through [`review`], [`assignment`] or a handle's method, and a row of a store the user may
//! not see is answered as a missing one. A handler therefore cannot name a store the user
//! may not see: `scope.store.id` does not compile outside this module, and calling the
//! store-scoped methods of `Db`, `kefu_app` and `kefu_report` directly is refused by clippy
//! (`disallowed-methods` in `crates/kefu-web/clippy.toml`, allowed only in this module).
//!
//! ```compile_fail,E0616
//! // The store id of a handle is private to `access`:
//! fn id(scope: &kefu_web::access::StoreScope) -> i64 {
//!     scope.store.id
//! }
//! ```
//!
//! ```
//! // What a handler may read of it: the name (as in URLs) and the rows.
//! fn name(scope: &kefu_web::access::StoreScope) -> (&str, bool) {
//!     (scope.name(), scope.whole())
//! }
//! ```
#![allow(clippy::disallowed_methods)]

use std::collections::HashSet;

use kefu_core::model::NameId;
use kefu_store::{Db, StoreInfo, User, UserRole, Visibility};

use crate::WebError;

mod alerts;
mod live;
mod managed;
mod qa;
mod standing;
mod store;
mod worklists;

pub use alerts::RunnerStore;
pub use live::LiveView;
pub use managed::{
    ManagedStore, PlanScope, editable_plan_version, editable_plan_versions, plan_scope,
};
pub use qa::{assignment, review};

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

/// A store the user may see, with the rows they may see in it: the capability every read of a
/// store's data goes through. Built only by [`allowed`], [`chosen`], [`account`], [`review`]
/// and [`assignment`]; the store id never leaves this module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreScope {
    store: StoreInfo,
    rows: Rows,
    /// What the store lets its agents see beyond their rows (read for agents only).
    visibility: Visibility,
}

impl StoreScope {
    /// The store's name (what URLs and forms carry).
    pub fn name(&self) -> &str {
        &self.store.name
    }

    /// The rows the user may see.
    pub fn rows(&self) -> &Rows {
        &self.rows
    }

    /// Whether the user sees every row of the store (and its store-level figures).
    pub fn whole(&self) -> bool {
        self.rows == Rows::All
    }

    /// Whether the user sees the store-level totals of the store (its sales and orders, and
    /// the store sales and headcount of a payslip's pool line): whoever sees the whole store,
    /// and agents where the store allows it. The one rule for `/list`, its API and the
    /// payslips.
    pub fn sees_store_totals(&self) -> bool {
        self.whole() || self.visibility.store_totals
    }
}

/// Which account names may be shown where an order's credit is explained.
pub struct Credited {
    /// `None`: every name; else only these (the user's own accounts).
    only: Option<HashSet<String>>,
}

impl Credited {
    pub fn shows(&self, account: &str) -> bool {
        self.only.as_ref().is_none_or(|own| own.contains(account))
    }
}

impl StoreScope {
    /// The names an order's credit may show to the user: every one for whoever sees the
    /// whole store or where the store allows agents colleagues' names, else only their own.
    pub fn credited(&self, db: &Db) -> Result<Credited, WebError> {
        if self.whole() || self.visibility.colleagues {
            return Ok(Credited { only: None });
        }
        let own = db
            .accounts(self.store.id)?
            .into_iter()
            .filter(|a| self.rows.account(a.id))
            .map(|a| a.name)
            .collect();
        Ok(Credited { only: Some(own) })
    }
}

/// The stores (with their rows) `user` may see, limited to `requested` when given.
///
/// - admin: every store;
/// - supervisor, qa: the stores assigned to them;
/// - agent: the stores of their linked chat accounts, and only those accounts.
///
/// A store the user may not see is answered as if it did not exist.
pub fn allowed(db: &Db, user: &User, requested: Option<&str>) -> Result<Vec<StoreScope>, WebError> {
    let stores = db.stores()?;
    let mut out: Vec<StoreScope> = match user.role {
        UserRole::Admin => stores
            .into_iter()
            .map(|store| StoreScope {
                store,
                rows: Rows::All,
                visibility: Visibility::default(),
            })
            .collect(),
        UserRole::Supervisor | UserRole::Qa => {
            let mine = db.user_stores(user)?;
            stores
                .into_iter()
                .filter(|s| mine.contains(&s.id))
                .map(|store| StoreScope {
                    store,
                    rows: Rows::All,
                    visibility: Visibility::default(),
                })
                .collect()
        }
        UserRole::Agent => {
            let linked = db.user_accounts(user)?;
            let mut out = Vec::new();
            for store in stores {
                let ids: Vec<NameId> = linked
                    .iter()
                    .filter(|(s, _)| *s == store.id)
                    .map(|(_, a)| *a)
                    .collect();
                if !ids.is_empty() {
                    let visibility = db.visibility(store.id)?;
                    out.push(StoreScope {
                        store,
                        rows: Rows::Accounts(ids),
                        visibility,
                    });
                }
            }
            out
        }
    };
    if let Some(name) = requested {
        out.retain(|a| a.store.name == name);
        if out.is_empty() {
            return Err(no_store_named(name));
        }
    }
    Ok(out)
}

/// A store the user asked for that does not exist, or that they may not see.
fn no_store_named(name: &str) -> WebError {
    WebError::missing(
        format!("没有名为 `{name}` 的店铺"),
        format!("no store named `{name}`"),
    )
}

fn no_store_yet() -> WebError {
    WebError::missing(
        "还没有店铺：请先导入数据",
        "no store yet: import data first",
    )
}

/// The store of `stores` (from [`allowed`] without a requested store) named `requested`, or
/// the first when none is named: pages that offer a store picker read [`allowed`] once for
/// both. A store outside them is answered as if it did not exist.
pub fn chosen(stores: &[StoreScope], requested: Option<&str>) -> Result<StoreScope, WebError> {
    match requested.filter(|r| !r.is_empty()) {
        Some(name) => stores
            .iter()
            .find(|a| a.store.name == name)
            .cloned()
            .ok_or_else(|| no_store_named(name)),
        None => stores.first().cloned().ok_or_else(no_store_yet),
    }
}

/// The store and account a drill-down page shows: the named account of the requested store
/// (or of the first store the user may see), if the user may see that account. An account
/// the user may not see is answered as if it did not exist.
pub fn account(
    db: &Db,
    user: &User,
    store: Option<&str>,
    account: &str,
) -> Result<(StoreScope, NameId), WebError> {
    let missing = || {
        WebError::missing(
            format!("没有名为 `{account}` 的账号"),
            format!("no account named `{account}`"),
        )
    };
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

/// A new, empty store set up by `user` (admins and supervisors; a supervisor is given the
/// store), with its time zone; `None` when a store of that name exists. The handle edits its
/// settings.
pub fn create_store(
    db: &Db,
    user: &User,
    name: &str,
    timezone: Option<kefu_core::time::UtcOffset>,
) -> Result<Option<ManagedStore>, WebError> {
    if !may_edit_settings(user) {
        return Err(WebError::Forbidden("stores are set up by managers".into()));
    }
    let Some(store) = db.create_store(name, timezone)? else {
        return Ok(None);
    };
    if user.role == UserRole::Supervisor {
        db.assign_store(user, store.id)?;
    }
    Ok(Some(ManagedStore::new(store)))
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

/// The stores whose metric settings and roster `user` may edit: admins every store,
/// supervisors their own; nobody else any.
pub fn settings_stores(db: &Db, user: &User) -> Result<Vec<ManagedStore>, WebError> {
    let stores = match user.role {
        UserRole::Admin => db.stores()?,
        UserRole::Supervisor => {
            let mine = db.user_stores(user)?;
            db.stores()?
                .into_iter()
                .filter(|s| mine.contains(&s.id))
                .collect()
        }
        UserRole::Qa | UserRole::Agent => {
            return Err(WebError::Forbidden(
                "settings need an admin or a supervisor".into(),
            ));
        }
    };
    Ok(stores.into_iter().map(ManagedStore::new).collect())
}

/// The store of `stores` (from [`settings_stores`]) named `requested`, or the first when
/// none is named. A store outside them is answered as if it did not exist.
pub fn settings_store(
    stores: &[ManagedStore],
    requested: Option<&str>,
) -> Result<ManagedStore, WebError> {
    match requested.filter(|r| !r.is_empty()) {
        Some(name) => stores
            .iter()
            .find(|s| s.name() == name)
            .cloned()
            .ok_or_else(|| no_store_named(name)),
        None => stores.first().cloned().ok_or_else(no_store_yet),
    }
}

/// Whether the navigation offers the settings of stores to `user`.
pub fn may_edit_settings(user: &User) -> bool {
    matches!(user.role, UserRole::Admin | UserRole::Supervisor)
}

/// Whether `user` may see and edit a stored plan that runs in `stores` (its versions, the
/// editor, what-if and saving): admins any plan; a supervisor a plan of exactly one store that
/// is theirs, since a plan of several stores changes the pay of stores that are not all
/// theirs. A plan of no store is nobody's but the admins'.
fn may_edit_plan(db: &Db, user: &User, stores: &[i64]) -> Result<bool, WebError> {
    Ok(match user.role {
        UserRole::Admin => true,
        UserRole::Supervisor => match stores {
            [one] => db.user_stores(user)?.contains(one),
            _ => false,
        },
        UserRole::Qa | UserRole::Agent => false,
    })
}

/// Admin-only pages (settings, users, audit log).
pub fn admin(user: &User) -> Result<(), WebError> {
    if is_admin(user) {
        Ok(())
    } else {
        Err(WebError::Forbidden("this page is for admins".into()))
    }
}

/// Manual reviews (人工质检): admins and supervisors manage them in the stores they see —
/// draw assignments, decide appeals, run calibrations, keep the case library.
pub fn qa_manager(user: &User) -> bool {
    matches!(user.role, UserRole::Admin | UserRole::Supervisor)
}

/// [`qa_manager`] as a refusal.
pub fn qa_manage(user: &User) -> Result<(), WebError> {
    if qa_manager(user) {
        Ok(())
    } else {
        Err(WebError::Forbidden(
            "managing reviews needs an admin or a supervisor".into(),
        ))
    }
}

/// The case library and the store-wide review lists: managers and QA reviewers.
pub fn qa_library(user: &User) -> Result<(), WebError> {
    if qa_manager(user) || user.role == UserRole::Qa {
        Ok(())
    } else {
        Err(WebError::Forbidden(
            "the case library is for supervisors and QA".into(),
        ))
    }
}

/// Whether `user`, who sees `store` as given, may read a review (or an assignment) of
/// `account` whose reviewer is `reviewer`: the reviewer always; of a calibration (blind)
/// otherwise only managers; of any other review whoever sees the account (managers and QA
/// their stores, an agent their own accounts). Peers thus see only the chats assigned to them.
pub fn qa_sees(
    user: &User,
    store: &StoreScope,
    account: NameId,
    reviewer: Option<i64>,
    calibration: bool,
) -> bool {
    if reviewer == Some(user.id) {
        return true;
    }
    if calibration {
        return qa_manager(user) && store.whole();
    }
    store.rows.account(account)
}

/// Only the agent whose chat was reviewed may appeal it.
pub fn qa_may_appeal(user: &User, store: &StoreScope, account: NameId) -> bool {
    user.role == UserRole::Agent && store.rows.account(account)
}

#[cfg(test)]
mod tests;
