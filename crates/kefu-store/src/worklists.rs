//! Worklists (migration 16): the items of a store's lists, their owners and statuses, the
//! store's worklist settings and where a refresh left off. The lists themselves are computed
//! by `kefu_core::worklist`; a refresh rewrites an item's computed columns and never its owner,
//! status or the contact noted by hand, so people's work survives every recomputation.

use crate::users::now_secs;

use kefu_core::model::{Message, NameId, Names, Order, Refund};
use kefu_core::time::{Day, Millis};
use kefu_core::worklist::{Item, Kind, Mark, Outcome, WorklistSettings};
use rusqlite::{OptionalExtension, params};
use rustc_hash::{FxHashMap, FxHashSet};

use crate::db::{LoadedEvents, Result, StoreError, order_row, refund_row};
use crate::{Db, users::User};

/// What people set on an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Open,
    Contacted,
    Lost,
    DoNotContact,
}

impl Status {
    pub const ALL: [Status; 4] = [
        Status::Open,
        Status::Contacted,
        Status::Lost,
        Status::DoNotContact,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Contacted => "contacted",
            Status::Lost => "lost",
            Status::DoNotContact => "do_not_contact",
        }
    }
    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.as_str() == s.trim())
    }
}

/// A stored item: the computed item, and what people set on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredItem {
    pub item: Item,
    pub owner: Option<NameId>,
    pub status: Status,
    /// When the status was last set (store-local ms) and by whom (a user name).
    pub status_at: Option<Millis>,
    pub status_by: Option<String>,
    /// The contact noted by hand.
    pub mark: Option<Mark>,
}

/// Where a store's lists were last refreshed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorklistState {
    pub as_of: Millis,
    pub import_id: i64,
    pub cursor: u64,
}

/// Which stored items to read.
#[derive(Debug, Clone, Default)]
pub struct ItemFilter {
    pub kind: Option<Kind>,
    /// Only items owned by one of these accounts (`None`: everyone's, unassigned included).
    pub owners: Option<Vec<NameId>>,
    /// Only items opened in `[from, to)` (store-local ms).
    pub opened: Option<(Millis, Millis)>,
    /// Only open ones (outcome open).
    pub open_only: bool,
    /// Only items decided (recovered or lost) in `[from, to)` (store-local ms).
    pub decided: Option<(Millis, Millis)>,
    pub key: Option<String>,
}

const ITEM_COLUMNS: &str = "key, kind, buyer_id, reference, serving_id, opened_at, due_at, expires_at,
    amount_cents, reminders, last_reminder_at, outcome, outcome_at, recovered_order, recovered_cents,
    counts_order, credited_id, contacts, owner_id, status, status_at, status_by, marked_id, marked_at";

fn item_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredItem> {
    let kind: String = r.get(1)?;
    let outcome: String = r.get(11)?;
    let outcome_at: Option<Millis> = r.get(12)?;
    let contacts: String = r.get(17)?;
    let status: String = r.get(19)?;
    let mark = match (
        r.get::<_, Option<NameId>>(22)?,
        r.get::<_, Option<Millis>>(23)?,
    ) {
        (Some(who), Some(at)) => Some((who, at)),
        _ => None,
    };
    let bad = |what: &str| {
        rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Text,
            format!("worklist item: {what}").into(),
        )
    };
    Ok(StoredItem {
        item: Item {
            key: r.get(0)?,
            kind: Kind::parse(&kind).ok_or_else(|| bad("kind"))?,
            buyer: r.get(2)?,
            reference: r.get(3)?,
            serving: r.get(4)?,
            opened_at: r.get(5)?,
            due_at: r.get(6)?,
            expires_at: r.get(7)?,
            amount: r.get(8)?,
            reminders: r.get(9)?,
            last_reminder_at: r.get(10)?,
            outcome: match (outcome.as_str(), outcome_at) {
                ("recovered", Some(at)) => Outcome::Recovered { at },
                ("lost", Some(at)) => Outcome::Lost { at },
                ("open", _) => Outcome::Open,
                _ => return Err(bad("outcome")),
            },
            recovered_order: r.get(13)?,
            recovered_amount: r.get(14)?,
            counts_order: r.get(15)?,
            credited: r.get(16)?,
            contacts: serde_json::from_str(&contacts).map_err(|_| bad("contacts"))?,
        },
        owner: r.get(18)?,
        status: Status::parse(&status).ok_or_else(|| bad("status"))?,
        status_at: r.get(20)?,
        status_by: r.get(21)?,
        mark,
    })
}

/// The computed columns of an item as a refresh writes them, and the owner of a new one.
const WRITTEN_COLUMNS: &str = "store_id, key, kind, buyer_id, reference, serving_id, opened_at,
    due_at, expires_at, amount_cents, reminders, last_reminder_at, outcome, outcome_at,
    recovered_order, recovered_cents, counts_order, credited_id, contacts, owner_id";
const WRITTEN_WIDTH: usize = 20;

/// Rows staged a statement: well under SQLite's 32,766 parameters.
const ROWS_PER_INSERT: usize = 64;

/// Stages a refresh's items in `temp.worklist_new` (one row per item, in the order given),
/// for [`Db::write_worklist`] to write in one statement. A statement of many rows that may
/// fail part way copies each page it first changes into the statement journal (64 KiB pages
/// here): upserts of 64 items into `worklist_items` and its four indexes spent 15 % of the
/// CPU of `kefu worklist` making a 10M-message store's first lists on that copying. The
/// staging table has no constraint that can fail, and the one upsert copies a page once.
/// `n` SQL parameters, `?, ?, …`.
fn marks(n: usize) -> String {
    vec!["?"; n].join(", ")
}

fn stage_items(
    tx: &rusqlite::Transaction<'_>,
    store_id: i64,
    items: &[(Item, Option<NameId>)],
) -> Result<()> {
    tx.execute_batch(&format!(
        "CREATE TEMP TABLE IF NOT EXISTS worklist_new ({WRITTEN_COLUMNS});
         DELETE FROM temp.worklist_new;"
    ))?;
    let values = |rows: usize| {
        let row = format!("({})", marks(WRITTEN_WIDTH));
        format!(
            "INSERT INTO temp.worklist_new ({WRITTEN_COLUMNS}) VALUES {}",
            vec![row.as_str(); rows].join(", ")
        )
    };
    let mut contacts = String::new();
    for rows in items.chunks(ROWS_PER_INSERT) {
        let mut st = tx.prepare_cached(&values(rows.len()))?;
        for (n, (i, owner)) in rows.iter().enumerate() {
            let at = n * WRITTEN_WIDTH;
            contacts.clear();
            contacts_json(&i.contacts, &mut contacts);
            st.raw_bind_parameter(at + 1, store_id)?;
            st.raw_bind_parameter(at + 2, &i.key)?;
            st.raw_bind_parameter(at + 3, i.kind.as_str())?;
            st.raw_bind_parameter(at + 4, i.buyer)?;
            st.raw_bind_parameter(at + 5, &i.reference)?;
            st.raw_bind_parameter(at + 6, i.serving)?;
            st.raw_bind_parameter(at + 7, i.opened_at)?;
            st.raw_bind_parameter(at + 8, i.due_at)?;
            st.raw_bind_parameter(at + 9, i.expires_at)?;
            st.raw_bind_parameter(at + 10, i.amount)?;
            st.raw_bind_parameter(at + 11, i.reminders)?;
            st.raw_bind_parameter(at + 12, i.last_reminder_at)?;
            st.raw_bind_parameter(at + 13, i.outcome.as_str())?;
            st.raw_bind_parameter(at + 14, i.outcome.at())?;
            st.raw_bind_parameter(at + 15, &i.recovered_order)?;
            st.raw_bind_parameter(at + 16, i.recovered_amount)?;
            st.raw_bind_parameter(at + 17, i.counts_order)?;
            st.raw_bind_parameter(at + 18, i.credited)?;
            // Bound as a copy (SQLITE_TRANSIENT): the buffer is reused for the next row.
            st.raw_bind_parameter(at + 19, contacts.as_str())?;
            st.raw_bind_parameter(at + 20, *owner)?;
        }
        st.raw_execute()?;
    }
    Ok(())
}

/// The `contacts` column: the account ids as a JSON array, as `serde_json` writes a
/// `Vec<NameId>` (`[]`, `[3,17]`), without an allocation a row.
fn contacts_json(ids: &[NameId], out: &mut String) {
    use std::fmt::Write;
    out.push('[');
    for (n, id) in ids.iter().enumerate() {
        if n > 0 {
            out.push(',');
        }
        // Writing to a String cannot fail.
        let _ = write!(out, "{id}");
    }
    out.push(']');
}

impl Db {
    /// A store's worklist settings (the defaults when none were saved).
    pub fn worklist_settings(&self, store_id: i64) -> Result<WorklistSettings> {
        let text: Option<String> = self
            .conn()
            .query_row(
                "SELECT toml FROM worklist_settings WHERE store_id = ?1",
                [store_id],
                |r| r.get(0),
            )
            .optional()?;
        match text {
            None => Ok(WorklistSettings::default()),
            Some(t) => WorklistSettings::from_toml(&t).map_err(|e| StoreError::SavedSettings {
                store: store_id.to_string(),
                message: e.to_string(),
            }),
        }
    }

    /// Saves a store's worklist settings (every key).
    pub fn save_worklist_settings(
        &self,
        store_id: i64,
        settings: &WorklistSettings,
        by: Option<&User>,
    ) -> Result<()> {
        self.conn().execute(
            "INSERT OR REPLACE INTO worklist_settings (store_id, toml, updated_at, updated_by)
             VALUES (?1, ?2, ?3, ?4)",
            params![
                store_id,
                settings.to_toml(),
                now_secs(),
                by.map(|u| u.name.as_str())
            ],
        )?;
        Ok(())
    }

    /// Where the store's lists were last refreshed; `None`: never.
    pub fn worklist_state(&self, store_id: i64) -> Result<Option<WorklistState>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT as_of, import_id, cursor FROM worklist_state WHERE store_id = ?1",
                [store_id],
                |r| {
                    Ok(WorklistState {
                        as_of: r.get(0)?,
                        import_id: r.get(1)?,
                        cursor: r.get::<_, i64>(2)? as u64,
                    })
                },
            )
            .optional()?)
    }

    /// The id of the latest import (0 before any).
    pub fn last_import_id(&self) -> Result<i64> {
        Ok(self
            .conn()
            .query_row("SELECT COALESCE(MAX(id), 0) FROM imports", [], |r| r.get(0))?)
    }

    /// The events a refresh of the lists over `[from, to]` needs: the store's events of those
    /// days (orders from `orders_back` days earlier), plus presale orders whose balance window
    /// reaches into them and refunds requested earlier that were still pending at `from`.
    /// Messages in day order, not yet in the engine's stream order: a refresh in part keeps
    /// only some buyers' before sorting. Messages only from the day `messages_from` on: a
    /// refresh in part reads the earlier ones of the buyers it recomputes
    /// ([`Db::worklist_messages_of`]). `names` are handed on as the events' names: the
    /// store's ([`Db::names`], or what an import just kept of them), or none when only ids
    /// are asked.
    pub fn worklist_events(
        &self,
        store_id: i64,
        (from, to): (Day, Day),
        messages_from: Day,
        orders_back: u32,
        names: Names,
    ) -> Result<LoadedEvents> {
        let mut ev = crate::db::load_unsorted_events_from(
            self.conn(),
            store_id,
            names,
            (from, to),
            messages_from,
            orders_back,
            false,
        )?;
        let first_order = from.offset(-(orders_back as i32)).start();
        let mut st = self.conn().prepare_cached(
            "SELECT order_id, buyer_id, created_at, paid_at, closed_at, amount_cents, items,
               deposit_cents, deposit_paid_at, balance_from, balance_to
             FROM orders INDEXED BY orders_presale_due
             WHERE store_id = ?1 AND created_at < ?2 AND deposit_cents IS NOT NULL
               AND balance_to >= ?3",
        )?;
        let presales = st
            .query_map(params![store_id, first_order, from.start()], order_row)?
            .collect::<rusqlite::Result<Vec<Order>>>()?;
        ev.orders.extend(presales);
        let mut st = self.conn().prepare_cached(
            "SELECT refund_id, order_id, buyer_id, requested_at, finished_at, amount_cents, status, account_id
             FROM refunds WHERE store_id = ?1 AND requested_at < ?2
               AND (finished_at IS NULL OR finished_at >= ?2)",
        )?;
        let pending = st
            .query_map(params![store_id, from.start()], refund_row)?
            .collect::<rusqlite::Result<Vec<Refund>>>()?;
        ev.refunds.extend(pending);
        Ok(ev)
    }

    /// What [`Db::worklist_events`] left out when it read messages only from the day
    /// `messages_from` on: the messages of the days `[from, messages_from)`, and the orders
    /// none of whose times falls on or after that day (not presale), created from
    /// `orders_back` days before `from` to the end of `to` — of the buyers in `buyers` only
    /// (every buyer's when `None`). Messages in day order.
    pub fn worklist_earlier(
        &self,
        store_id: i64,
        (from, to): (Day, Day),
        messages_from: Day,
        orders_back: u32,
        buyers: Option<&FxHashSet<NameId>>,
    ) -> Result<(Vec<Message>, Vec<Order>)> {
        if messages_from <= from {
            return Ok((Vec::new(), Vec::new()));
        }
        let last = messages_from.offset(-1);
        let messages = match buyers {
            Some(b) => crate::db::load_messages_of_buyers(self.conn(), store_id, (from, last), b)?,
            None => crate::db::load_messages(self.conn(), store_id, (from, last))?,
        };
        let orders_t0 = from.offset(-(orders_back.min(366) as i32)).start();
        let (t1, split) = (to.offset(1).start() - 1, messages_from.start());
        let earlier = "created_at BETWEEN ?2 AND ?3 AND created_at < ?4
               AND (paid_at IS NULL OR paid_at < ?4) AND (closed_at IS NULL OR closed_at < ?4)
               AND deposit_cents IS NULL";
        let mut orders = Vec::new();
        match buyers {
            // A buyer at a time (`orders_by_buyer`, schema 27): some thousands of a store's
            // hundreds of thousands.
            Some(buyers) => {
                let mut st = self.conn().prepare_cached(&format!(
                    "SELECT order_id, buyer_id, created_at, paid_at, closed_at, amount_cents,
                       items, deposit_cents, deposit_paid_at, balance_from, balance_to
                     FROM orders INDEXED BY orders_by_buyer
                     WHERE store_id = ?1 AND buyer_id = ?5 AND {earlier}"
                ))?;
                for &b in buyers {
                    let rows =
                        st.query_map(params![store_id, orders_t0, t1, split, b], order_row)?;
                    for o in rows {
                        orders.push(o?);
                    }
                }
            }
            None => {
                let mut st = self.conn().prepare_cached(&format!(
                    "SELECT order_id, buyer_id, created_at, paid_at, closed_at, amount_cents,
                       items, deposit_cents, deposit_paid_at, balance_from, balance_to
                     FROM orders WHERE store_id = ?1 AND {earlier}"
                ))?;
                let rows = st.query_map(params![store_id, orders_t0, t1, split], order_row)?;
                for o in rows {
                    orders.push(o?);
                }
            }
        }
        Ok((messages, orders))
    }

    /// The contacts noted by hand on a store's items, by key.
    pub fn worklist_marks(&self, store_id: i64) -> Result<FxHashMap<String, Mark>> {
        let mut st = self.conn().prepare_cached(
            "SELECT key, marked_id, marked_at FROM worklist_items
             WHERE store_id = ?1 AND marked_id IS NOT NULL AND marked_at IS NOT NULL",
        )?;
        let rows = st.query_map([store_id], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// What the store's lists were last computed under (`None`: never, or before schema 24).
    pub fn worklist_basis(&self, store_id: i64) -> Result<Option<String>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT basis FROM worklist_state WHERE store_id = ?1",
                [store_id],
                |r| r.get(0),
            )
            .optional()?
            .flatten())
    }

    /// The buyers of stored items whose computation a refresh as of `as_of` may change even
    /// when none of their events did: open items whose window ends by then, items opened on
    /// `[opened_from, opened_to)` (near the horizon's start, which moved), and items with a
    /// contact noted by hand.
    pub fn worklist_buyers_to_redo(
        &self,
        store_id: i64,
        as_of: Millis,
        opened_from: Millis,
        opened_to: Millis,
    ) -> Result<FxHashSet<NameId>> {
        let mut st = self.conn().prepare_cached(
            "SELECT DISTINCT buyer_id FROM worklist_items WHERE store_id = ?1
               AND ((outcome = 'open' AND expires_at <= ?2)
                 OR (opened_at >= ?3 AND opened_at < ?4)
                 OR marked_id IS NOT NULL)",
        )?;
        let rows = st.query_map(params![store_id, as_of, opened_from, opened_to], |r| {
            r.get::<_, NameId>(0)
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Which of `keys` the store already has.
    pub fn worklist_known(&self, store_id: i64, keys: &[&str]) -> Result<FxHashSet<String>> {
        let mut known = FxHashSet::default();
        // A store's first lists (its first import): nothing to look up key by key.
        if !self.conn().query_row(
            "SELECT EXISTS (SELECT 1 FROM worklist_items WHERE store_id = ?1)",
            [store_id],
            |r| r.get::<_, bool>(0),
        )? {
            return Ok(known);
        }
        // Many keys a statement: a statement a key spent more in binding, stepping and
        // resetting than in the look-up (330k keys of a month: 0.7 s).
        const KEYS_PER_STATEMENT: usize = 256;
        for chunk in keys.chunks(KEYS_PER_STATEMENT) {
            let mut st = self.conn().prepare_cached(&format!(
                "SELECT key FROM worklist_items WHERE store_id = ? AND key IN ({})",
                marks(chunk.len())
            ))?;
            st.raw_bind_parameter(1, store_id)?;
            for (i, k) in chunk.iter().enumerate() {
                st.raw_bind_parameter(i + 2, k)?;
            }
            let mut rows = st.raw_query();
            while let Some(row) = rows.next()? {
                known.insert(row.get::<_, String>(0)?);
            }
        }
        Ok(known)
    }

    /// Writes a refresh in one transaction: each item's computed columns (a new item with the
    /// owner given), the items opened since `stale_from` that the refresh no longer finds
    /// removed unless people worked them, and the state.
    pub fn write_worklist(
        &mut self,
        store_id: i64,
        items: &[(Item, Option<NameId>)],
        stale_from: Millis,
        state: WorklistState,
        basis: &str,
        only_buyers: Option<&FxHashSet<NameId>>,
    ) -> Result<()> {
        let tx = self.conn_mut().transaction()?;
        // With no item stored before (a store's first lists), none can be left to remove.
        let first: bool = tx.query_row(
            "SELECT NOT EXISTS (SELECT 1 FROM worklist_items WHERE store_id = ?1)",
            [store_id],
            |r| r.get(0),
        )?;
        {
            let mut phase = crate::profile::Phase::start();
            stage_items(&tx, store_id, items)?;
            phase.done("worklists: stage items");
            // An item not stored yet gets the owner given; a stored one keeps what people
            // set on it. `WHERE true`: an upsert after a SELECT needs it to parse.
            tx.execute(
                &format!(
                    "INSERT INTO worklist_items ({WRITTEN_COLUMNS})
                     SELECT {WRITTEN_COLUMNS} FROM temp.worklist_new WHERE true
                     ON CONFLICT (store_id, key) DO UPDATE SET kind = excluded.kind,
                       buyer_id = excluded.buyer_id, reference = excluded.reference,
                       serving_id = excluded.serving_id, opened_at = excluded.opened_at,
                       due_at = excluded.due_at, expires_at = excluded.expires_at,
                       amount_cents = excluded.amount_cents, reminders = excluded.reminders,
                       last_reminder_at = excluded.last_reminder_at, outcome = excluded.outcome,
                       outcome_at = excluded.outcome_at,
                       recovered_order = excluded.recovered_order,
                       recovered_cents = excluded.recovered_cents,
                       counts_order = excluded.counts_order, credited_id = excluded.credited_id,
                       contacts = excluded.contacts"
                ),
                [],
            )?;
            match only_buyers {
                _ if first => {}
                None => {
                    tx.execute(
                        "DELETE FROM worklist_items WHERE store_id = ?1 AND opened_at >= ?2
                           AND status = 'open' AND marked_id IS NULL
                           AND key NOT IN (SELECT key FROM temp.worklist_new)",
                        params![store_id, stale_from],
                    )?;
                }
                Some(buyers) => {
                    tx.execute_batch("CREATE TEMP TABLE IF NOT EXISTS worklist_redo (buyer INTEGER PRIMARY KEY); DELETE FROM worklist_redo;")?;
                    let mut redo = tx.prepare_cached(
                        "INSERT OR IGNORE INTO worklist_redo (buyer) VALUES (?1)",
                    )?;
                    for b in buyers {
                        redo.execute([b])?;
                    }
                    tx.execute(
                        "DELETE FROM worklist_items INDEXED BY worklist_items_by_buyer
                         WHERE store_id = ?1 AND buyer_id IN (SELECT buyer FROM worklist_redo)
                           AND opened_at >= ?2 AND status = 'open' AND marked_id IS NULL
                           AND key NOT IN (SELECT key FROM temp.worklist_new)",
                        params![store_id, stale_from],
                    )?;
                    tx.execute_batch("DELETE FROM worklist_redo;")?;
                }
            }
            phase.done("worklists: write items");
            tx.execute_batch("DELETE FROM temp.worklist_new;")?;
            tx.execute(
                "INSERT OR REPLACE INTO worklist_state (store_id, as_of, import_id, cursor, basis)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    store_id,
                    state.as_of,
                    state.import_id,
                    state.cursor as i64,
                    basis
                ],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// A store's stored items, by key.
    pub fn worklist_items(&self, store_id: i64, f: &ItemFilter) -> Result<Vec<StoredItem>> {
        let mut sql = format!("SELECT {ITEM_COLUMNS} FROM worklist_items WHERE store_id = ?1");
        let mut args: Vec<rusqlite::types::Value> = vec![store_id.into()];
        let mut arg = |v: rusqlite::types::Value| {
            args.push(v);
            format!("?{}", args.len())
        };
        if let Some(k) = f.kind {
            sql += &format!(" AND kind = {}", arg(k.as_str().to_string().into()));
        }
        if let Some((a, b)) = f.opened {
            sql += &format!(
                " AND opened_at >= {} AND opened_at < {}",
                arg(a.into()),
                arg(b.into())
            );
        }
        if f.open_only {
            sql += " AND outcome = 'open'";
        }
        if let Some((a, b)) = f.decided {
            sql += &format!(
                " AND outcome <> 'open' AND outcome_at >= {} AND outcome_at < {}",
                arg(a.into()),
                arg(b.into())
            );
        }
        if let Some(key) = &f.key {
            sql += &format!(" AND key = {}", arg(key.clone().into()));
        }
        if let Some(owners) = &f.owners {
            let list: Vec<String> = owners.iter().map(|&o| arg((o as i64).into())).collect();
            sql += &format!(" AND owner_id IN ({})", list.join(", "));
        }
        sql += " ORDER BY key";
        let mut st = self.conn().prepare(&sql)?;
        let rows = st.query_map(rusqlite::params_from_iter(args), item_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// How many open 下单未付款 items no reminder went out for, with nobody's contact noted and
    /// no status set by hand, and their amount in cents; of `owners`' items only when given.
    /// The rule of `kefu_app::worklists::not_reminded`, counted through its partial index
    /// (migration 25: the WHERE here must imply the index's, or SQLite refuses the statement)
    /// so that the start page does not read a 10M-message store's 300k items per request.
    pub fn worklist_not_reminded_totals(
        &self,
        store_id: i64,
        owners: Option<&[NameId]>,
    ) -> Result<(u64, i64)> {
        let mut sql = String::from(
            "SELECT count(*), coalesce(sum(amount_cents), 0) FROM worklist_items \
             INDEXED BY worklist_items_not_reminded \
             WHERE store_id = ?1 AND kind = 'unpaid' AND outcome = 'open' AND reminders = 0 \
             AND status = 'open' AND contacts = '[]'",
        );
        let mut args: Vec<rusqlite::types::Value> = vec![store_id.into()];
        if let Some(owners) = owners {
            let list: Vec<String> = owners
                .iter()
                .map(|&o| {
                    args.push((o as i64).into());
                    format!("?{}", args.len())
                })
                .collect();
            sql += &format!(" AND owner_id IN ({})", list.join(", "));
        }
        let (count, cents): (i64, i64) =
            self.conn()
                .query_row(&sql, rusqlite::params_from_iter(args), |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })?;
        Ok((count.max(0) as u64, cents))
    }

    /// Sets an item's status (and, for `contacted`, notes the contact by `account` at `at`);
    /// returns whether the store has the item.
    pub fn set_worklist_status(
        &self,
        store_id: i64,
        key: &str,
        status: Status,
        by: &str,
        at: Millis,
        account: Option<NameId>,
    ) -> Result<bool> {
        let n = self.conn().execute(
            "UPDATE worklist_items SET status = ?3, status_at = ?4, status_by = ?5,
               marked_id = CASE WHEN ?3 = 'contacted' AND ?6 IS NOT NULL THEN ?6 ELSE marked_id END,
               marked_at = CASE WHEN ?3 = 'contacted' AND ?6 IS NOT NULL THEN ?4 ELSE marked_at END
             WHERE store_id = ?1 AND key = ?2",
            params![store_id, key, status.as_str(), at, by, account],
        )?;
        Ok(n > 0)
    }

    /// Gives an item to another owner (`None`: unassigned); returns whether the store has it.
    pub fn reassign_worklist_item(
        &self,
        store_id: i64,
        key: &str,
        owner: Option<NameId>,
    ) -> Result<bool> {
        let n = self.conn().execute(
            "UPDATE worklist_items SET owner_id = ?3 WHERE store_id = ?1 AND key = ?2",
            params![store_id, key, owner],
        )?;
        Ok(n > 0)
    }

    /// The store's reminded orders created in `[from, to)`: (created, first reminder, paid),
    /// from the stored order facts, for the timing insight.
    pub fn reminded_orders(
        &self,
        store_id: i64,
        from: Millis,
        to: Millis,
    ) -> Result<Vec<(Millis, Millis, Option<Millis>)>> {
        let mut st = self.conn().prepare_cached(
            "SELECT o.created_at, f.reminded_at, o.paid_at FROM orders o
             JOIN order_facts f ON f.store_id = o.store_id AND f.order_id = o.order_id
             WHERE o.store_id = ?1 AND o.created_at >= ?2 AND o.created_at < ?3
               AND f.reminded_at IS NOT NULL",
        )?;
        let rows = st.query_map(params![store_id, from, to], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// An item of `kind` numbered `n` (keys repeat when `n` does), with every optional column
    /// set or not by the bits of `bits`.
    fn item(kind: Kind, n: u8, bits: u8, contacts: Vec<NameId>) -> Item {
        let on = |b: u8| bits & (1 << b) != 0;
        let at = 1_000_000 + n as Millis * 60_000;
        Item {
            key: format!("{}:{n}", kind.as_str()),
            kind,
            buyer: n as NameId % 7,
            reference: format!("O{n}"),
            serving: on(0).then_some(3),
            opened_at: at,
            due_at: on(1).then_some(at + 5),
            expires_at: on(2).then_some(at + 9),
            amount: n as i64 * 100,
            reminders: bits as u32 % 3,
            last_reminder_at: on(3).then_some(at + 1),
            outcome: match bits % 3 {
                0 => Outcome::Open,
                1 => Outcome::Recovered { at: at + 2 },
                _ => Outcome::Lost { at: at + 3 },
            },
            recovered_order: on(4).then(|| format!("P{n}")),
            recovered_amount: on(4) as i64 * 50,
            counts_order: on(5),
            credited: on(6).then_some(4),
            contacts,
        }
    }

    fn state() -> WorklistState {
        WorklistState {
            as_of: 9_000_000,
            import_id: 1,
            cursor: 2,
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        /// A store's first lists (written without looking for stale items) are stored as a
        /// later refresh that finds the same items stores them, duplicate keys included.
        #[test]
        fn first_lists_equal_a_later_refresh_of_the_same_items(
            rows in proptest::collection::vec(
                (0usize..4, 0u8..40, any::<u8>(), proptest::collection::vec(0u32..9, 0..3),
                 proptest::option::of(0u32..5)),
                0..80,
            )
        ) {
            let items: Vec<(Item, Option<NameId>)> = rows
                .into_iter()
                .map(|(k, n, bits, contacts, owner)| (item(Kind::ALL[k], n, bits, contacts), owner))
                .collect();
            let dir = tempfile::tempdir().unwrap();
            let mut first = Db::open(&dir.path().join("a.db")).unwrap();
            first.write_worklist(1, &items, 0, state(), "b", None).unwrap();
            // The other database holds one item before, which the refresh removes as stale.
            let mut later = Db::open(&dir.path().join("b.db")).unwrap();
            let mut before = item(Kind::Refund, 200, 0, Vec::new());
            before.key = "refund:before".into();
            later.write_worklist(1, &[(before, Some(1))], 0, state(), "b", None).unwrap();
            later.write_worklist(1, &items, 0, state(), "b", None).unwrap();
            let all = ItemFilter::default();
            let keys: FxHashSet<&str> = items.iter().map(|(i, _)| i.key.as_str()).collect();
            prop_assert_eq!(first.worklist_items(1, &all).unwrap().len(), keys.len());
            prop_assert_eq!(
                first.worklist_items(1, &all).unwrap(),
                later.worklist_items(1, &all).unwrap()
            );
            prop_assert_eq!(first.worklist_state(1).unwrap(), later.worklist_state(1).unwrap());
        }
    }

    /// The stored keys among those asked, in one store only, however many are asked.
    #[test]
    fn known_keys_are_the_stored_ones_of_the_store() {
        let dir = tempfile::tempdir().unwrap();
        let mut db = Db::open(&dir.path().join("k.db")).unwrap();
        let stored: Vec<(Item, Option<NameId>)> = (0..200u8)
            .map(|n| (item(Kind::Unpaid, n, 0, Vec::new()), None))
            .collect();
        db.write_worklist(1, &stored, 0, state(), "b", None)
            .unwrap();
        let mut other = item(Kind::Refund, 7, 0, Vec::new());
        other.key = "only-in-store-2".into();
        db.write_worklist(2, &[(other, None)], 0, state(), "b", None)
            .unwrap();
        // 600 keys asked (more than a statement takes), every third one stored.
        let asked: Vec<String> = (0..600)
            .map(|i| match i % 3 {
                0 => format!("unpaid:{}", i / 3),
                1 => format!("unpaid:x{i}"),
                _ => "only-in-store-2".to_string(),
            })
            .collect();
        let keys: Vec<&str> = asked.iter().map(String::as_str).collect();
        let known = db.worklist_known(1, &keys).unwrap();
        let expected: FxHashSet<String> = (0..200).map(|n| format!("unpaid:{n}")).collect();
        assert_eq!(known, expected);
        assert!(db.worklist_known(3, &keys).unwrap().is_empty(), "no lists");
    }

    #[test]
    fn contacts_are_written_as_serde_json_writes_them() {
        for ids in [vec![], vec![7], vec![3, 17, 4_000_000_000]] {
            let mut out = String::from("left over");
            out.clear();
            contacts_json(&ids, &mut out);
            assert_eq!(out, serde_json::to_string(&ids).unwrap());
        }
    }
}
