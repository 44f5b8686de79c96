//! kefu's embedded store: one SQLite file holding raw events (messages packed per store-day,
//! orders, refunds, ratings, the roster) and the derived per-(account, day) counters that
//! reports read.
//!
//! The rest of kefu talks to storage only through [`Db`]; a PostgreSQL implementation would
//! offer the same methods.

pub mod alerts;
pub mod chunk;
mod day_keys;
mod db;
mod derived;
pub mod ingest;
pub mod live;
mod messages;
mod percentiles;
pub mod plans;
pub mod platform;
pub mod profile;
pub mod qa_auto;
pub mod qa_reviews;
mod qa_rules;
mod schema;
#[doc(hidden)]
pub use schema::{migration_sql, migration_versions};
mod settings;
mod setup;
pub mod users;
mod visibility;
pub mod worklists;

pub use db::{
    AccountInfo, Db, FULL_RECOMPUTE_LIMIT, ImportSession, ImportSummary, KeptNames, LOOKBACK_DAYS,
    LoadedEvents, RefundWarning, Result, StoreError, StoreInfo, TouchedDays,
    skip_first_responses_for_benchmarks,
};
pub use qa_rules::{
    FlaggedReception, QaRunSummary, ReceptionHit, RuleHitCount, RulesInForce, StoredRuleSet,
};
pub use settings::{AccountEdit, SavedSettings, StoreSettingsState};
pub use users::{
    AuditEntry, AuditFilter, LangPref, Session, TokenInfo, User, UserError, UserRole, random_token,
};
pub use visibility::Visibility;
