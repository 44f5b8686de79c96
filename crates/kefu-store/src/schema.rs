//! Versioned schema migrations, applied in order and recorded in `PRAGMA user_version`.
//!
//! Each migration is the SQL text of `migrations/NNNN.sql` as it shipped: never generated
//! from code, never edited once shipped (a database past that version would never see the
//! edit). `tests/frozen_migrations.rs` holds the hash of every shipped file. The derived
//! tables (counters, order facts) are not migrated: `derived.rs` keeps them in the code's
//! layout.

use rusqlite::Connection;

/// Every migration, by the version it brings the schema to. Version 11 belongs to another
/// branch (the monthly first-response rollup) and slots in between when merged.
const MIGRATIONS: &[(i64, &str)] = &[
    // 1: raw events, the derived counters and order facts, imports
    (1, include_str!("../migrations/0001.sql")),
    // 2: web users, their stores and chat accounts, sessions and the audit log
    (2, include_str!("../migrations/0002.sql")),
    // 3: personal API tokens
    (3, include_str!("../migrations/0003.sql")),
    // 4: web-edited settings (per-store metric settings, user language)
    (4, include_str!("../migrations/0004.sql")),
    // 5: performance plans (versions, manual scores)
    (5, include_str!("../migrations/0005.sql")),
    // 6: quality inspection: automatic rule sets and hits
    (6, include_str!("../migrations/0006.sql")),
    // 7: quality inspection: scorecards, manual reviews, appeals, calibration, case library
    (7, include_str!("../migrations/0007.sql")),
    // 8: metric spec v2 (new counters, first-response samples for exact percentiles)
    (8, include_str!("../migrations/0008.sql")),
    // 9: plans belong to stores; roster dates
    (9, include_str!("../migrations/0009.sql")),
    // 10: API token expiry and last use; audit log filters; what agents may see per store
    (10, include_str!("../migrations/0010.sql")),
    // 12: the derived tables become a cache of the code's layout
    (12, include_str!("../migrations/0012.sql")),
    // 13: structured quality-inspection data (rule hits as rows, lists and answers as JSON)
    (13, include_str!("../migrations/0013.sql")),
    // 14: platform figures, imported from the marketplaces' own reports
    (14, include_str!("../migrations/0014_platform_figures.sql")),
    // 15: automatic review assignments: triggers, daily cap and reviewers per store
    (15, include_str!("../migrations/0015_qa_auto_review.sql")),
    // 16: 工号 and 部门 of roster entries, for the payroll sheet
    (16, include_str!("../migrations/0016_roster_ids.sql")),
    // 17: worklists: presale deposit and balance of orders, worklist items, settings, state
    (17, include_str!("../migrations/0017_worklists.sql")),
    // 18: quality-rule context: order addresses, the store's return address
    (18, include_str!("../migrations/0018_qa_context.sql")),
    // 19: alerts: rules, channels and the log of alerts sent per store
    (19, include_str!("../migrations/0019_alerts.sql")),
    // 20: cases of the library from a transcript, without a review
    (20, include_str!("../migrations/0020_chat_cases.sql")),
    // 21: first run and saved views: a store's time zone set up in the browser, users' views
    (21, include_str!("../migrations/0021_setup_views.sql")),
    // 22: each store's latest message time ("data up to …") and a version of its figures
    (22, include_str!("../migrations/0022_last_message.sql")),
    // 23: store-scoped ingest tokens of the live event endpoint
    (23, include_str!("../migrations/0023_ingest_tokens.sql")),
    // 24: what a store's worklists were last computed under (refreshes in part after imports)
    (24, include_str!("../migrations/0024_worklist_basis.sql")),
    // 25: a partial index of the unpaid orders nobody reminded (the start page's count)
    (25, include_str!("../migrations/0025_unreminded_index.sql")),
    // 26: a day's messages appended by live folds as parts beside the day's row
    (26, include_str!("../migrations/0026_message_parts.sql")),
    // 27: orders and worklist items by buyer (the worklists' refresh in part)
    (27, include_str!("../migrations/0027_by_buyer_indexes.sql")),
    // 28: a store's names appended in chunks instead of one blob rewritten by every import
    (28, include_str!("../migrations/0028_name_chunks.sql")),
    // 29: the presale orders whose balance is due, for the worklists' window
    (29, include_str!("../migrations/0029_presale_due_index.sql")),
];

pub const VERSION: i64 = 29;

/// The SQL of migration `version`, for tests that rebuild one migration's effect on a
/// database of a later version; `None` for a version no migration brings the schema to.
#[doc(hidden)]
pub fn migration_sql(version: usize) -> Option<String> {
    MIGRATIONS
        .iter()
        .find(|(v, _)| *v == version as i64)
        .map(|(_, sql)| sql.to_string())
}

/// The version of every migration, in order.
#[doc(hidden)]
pub fn migration_versions() -> Vec<i64> {
    MIGRATIONS.iter().map(|(v, _)| *v).collect()
}

pub fn migrate(conn: &mut Connection) -> rusqlite::Result<i64> {
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if current >= VERSION {
        return Ok(current);
    }
    let tx = conn.transaction()?;
    for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > current) {
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", version)?;
    }
    tx.commit()?;
    Ok(VERSION)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_rise_and_the_last_is_version() {
        let versions = migration_versions();
        assert!(versions.windows(2).all(|w| w[0] < w[1]), "{versions:?}");
        assert_eq!(versions.last(), Some(&VERSION));
        assert_eq!(versions[..10], (1..=10).collect::<Vec<_>>()[..]);
    }
}
