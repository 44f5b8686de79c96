//! The derived tables: a cache of what the engine computes from the raw events under a store's
//! settings. They are not migrated. Their layout (tables, columns, indexes) is written here,
//! from the code's figure set, and the layout the database holds is recorded in
//! `derived_layout`; when the two differ, opening the database drops the derived tables,
//! creates them anew and recomputes every store. Adding a figure is then a code change only:
//! no migration, and no database left without the column.
//!
//! Two fingerprints keep the cache current: this layout (what the rows look like, one per
//! database) and the settings fingerprint of each store (`stores.settings`, what the rows were
//! computed under; `spec=v2` in it stands for the engine's definitions).

use kefu_core::figures::C;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

/// The derived tables, dropped and re-created together.
pub(crate) const TABLES: [&str; 3] = ["counters", "order_facts", "first_response_blocks"];

/// The statements that create the derived tables as the code reads and writes them; also
/// their layout fingerprint: any change to them is a new layout.
pub(crate) fn layout() -> String {
    let counter_columns: String = C::ALL
        .iter()
        .map(|c| format!(",\n    {} INTEGER NOT NULL DEFAULT 0", c.column()))
        .collect();
    format!(
        "-- additive counters per (store, day, account); account_id -1 is the day's whole store:
-- every account plus the store-level counters
CREATE TABLE counters (
    store_id INTEGER NOT NULL,
    day INTEGER NOT NULL,
    account_id INTEGER NOT NULL,
    -- the first response times of the row's receptions (ms, service clock) as sorted
    -- (value, count) runs of varint pairs: percentiles are not sums, so the values are kept whole
    first_responses BLOB{counter_columns},
    PRIMARY KEY (store_id, day, account_id)
) WITHOUT ROWID;
-- where each order was attributed (NULL = silent) and who reminded it
CREATE TABLE order_facts (
    store_id INTEGER NOT NULL,
    order_id TEXT NOT NULL,
    account_id INTEGER,
    reception_day INTEGER,
    answer_at INTEGER,
    reminded_by INTEGER,
    reminded_at INTEGER,
    PRIMARY KEY (store_id, order_id)
) WITHOUT ROWID;
-- the attributions of a month's receptions, one covering range read
CREATE INDEX order_facts_by_reception ON order_facts (store_id, reception_day, account_id);
-- the first response times of the counters rows of one account (-1: the store's total row)
-- whose day falls in [start, start + 2^level), merged into sorted (value, count) runs as
-- counters.first_responses; levels 1 to 9, start a multiple of 2^level. Rebuilt whenever
-- those counters rows are written; a range reads at most two blocks per level
CREATE TABLE first_response_blocks (
    store_id INTEGER NOT NULL,
    level INTEGER NOT NULL,
    start INTEGER NOT NULL,
    account_id INTEGER NOT NULL,
    runs BLOB NOT NULL,
    PRIMARY KEY (store_id, level, start, account_id)
) WITHOUT ROWID;
"
    )
}

/// Brings the derived tables to the code's layout. When they were in another one (or the
/// database never recorded one: every database migrated from before the cache), they are
/// dropped and created empty, and every store's settings fingerprint is cleared so that it is
/// recomputed. Returns whether that happened.
pub(crate) fn ensure_layout(conn: &mut Connection) -> rusqlite::Result<bool> {
    let want = layout();
    if recorded(conn)?.as_deref() == Some(want.as_str()) {
        return Ok(false);
    }
    // Immediate: of two connections opening an outdated database at once, the second finds
    // the layout current once the first has committed, and leaves its work alone.
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    if recorded(&tx)?.as_deref() == Some(want.as_str()) {
        return Ok(false);
    }
    for table in TABLES {
        tx.execute_batch(&format!("DROP TABLE IF EXISTS {table}"))?;
    }
    tx.execute_batch(&want)?;
    tx.execute("UPDATE stores SET settings = NULL", [])?;
    tx.execute(
        "INSERT OR REPLACE INTO derived_layout (id, layout) VALUES (1, ?1)",
        [&want],
    )?;
    tx.commit()?;
    Ok(true)
}

fn recorded(conn: &Connection) -> rusqlite::Result<Option<String>> {
    conn.query_row("SELECT layout FROM derived_layout WHERE id = 1", [], |r| {
        r.get(0)
    })
    .optional()
}
