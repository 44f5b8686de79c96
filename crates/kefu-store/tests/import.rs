//! Storage invariants: re-import is a no-op, incremental recomputation equals a full one,
//! and settings changes recompute.

use kefu_core::figures::C;
use kefu_core::model::{ImportBatch, ImportedMessage, Message, Order, Sender};
use kefu_core::settings::{Attribution, Config};
use kefu_core::time::{DAY_MS, Day};
use kefu_store::{Db, LOOKBACK_DAYS};
use proptest::prelude::*;

const DAY0: i32 = 20_400;

/// (day, second of day, account, buyer, sender)
type Msg = (i32, i64, u8, u8, u8);
/// (day, second, buyer, paid after secs)
type Ord_ = (i32, i64, u8, Option<i64>);

fn batch(msgs: &[Msg], orders: &[Ord_]) -> ImportBatch {
    let numbered: Vec<(usize, Ord_)> = orders.iter().copied().enumerate().collect();
    batch_numbered(msgs, &numbered)
}

type Numbered = Vec<(usize, Ord_)>;

/// A batch whose orders keep the numbers given (their ids), for splitting one set of orders.
fn batch_numbered(msgs: &[Msg], orders: &[(usize, Ord_)]) -> ImportBatch {
    let mut b = ImportBatch::default();
    let store = b.names.intern("店");
    for (i, &(day, sec, a, buyer, sender)) in msgs.iter().enumerate() {
        let account = b.names.intern(&format!("店:{a}"));
        let buyer = b.names.intern(&format!("b{buyer}"));
        let sender = Sender::ALL[sender as usize % 4];
        let text = b.push_text(&format!("t{i}"));
        b.messages.push(ImportedMessage {
            store,
            message: Message {
                time: Day(DAY0 + day).start() + sec * 1000,
                buyer,
                account,
                sender,
                transfer_to: None,
                seq: i as u64,
            },
            text,
            msg_id: None,
        });
    }
    for &(i, (day, sec, buyer, paid)) in orders {
        let created = Day(DAY0 + day).start() + sec * 1000;
        let o = Order {
            order_id: format!("O{i}"),
            buyer: b.names.intern(&format!("b{buyer}")),
            created_at: created,
            paid_at: paid.map(|p| created + p * 1000),
            closed_at: None,
            amount: 100 + i as i64,
            items: 1,
            address: None,
            presale: None,
        };
        b.orders.push((store, o));
    }
    b
}

/// Counters by account name and by day (ids differ between databases, names do not).
/// A new database at `path` with the messages and orders imported, and its counters.
fn imported_counters(
    path: &std::path::Path,
    msgs: &[Msg],
    orders: &[Ord_],
    config: &Config,
) -> Vec<(String, kefu_core::figures::Counters)> {
    let mut db = Db::open(path).unwrap();
    db.import(batch(msgs, orders), config).unwrap();
    all_counters(&db)
}

fn all_counters(db: &Db) -> Vec<(String, kefu_core::figures::Counters)> {
    let s = db.store("店").unwrap();
    let names = db.names(s.id).unwrap();
    let accounts = db
        .counters_by_account(s.id, Day(DAY0 - 30), Day(DAY0 + 60))
        .unwrap();
    let mut v: Vec<_> = accounts
        .into_iter()
        .map(|(a, c)| (names.name(a).to_string(), c))
        .collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    let days = db
        .counters_by_day(s.id, Day(DAY0 - 30), Day(DAY0 + 60))
        .unwrap();
    v.extend(days.into_iter().map(|(d, c)| (d.to_string(), c)));
    v
}

fn whole_analysis(db: &Db) -> kefu_core::engine::Analysis {
    let s = db.store("店").unwrap();
    let ev = db
        .load_events(s.id, Day(DAY0 - 30), Day(DAY0 + 60), 0)
        .unwrap();
    kefu_core::engine::analyze(&ev.view(), &Default::default())
}

fn arb_msgs() -> impl Strategy<Value = Vec<Msg>> {
    prop::collection::vec((0i32..20, 0i64..86_400, 0u8..3, 0u8..5, 0u8..4), 1..120)
}

fn arb_orders() -> impl Strategy<Value = Vec<Ord_>> {
    prop::collection::vec(
        (
            0i32..20,
            0i64..86_400,
            0u8..5,
            // Paid up to about four days after creation: attribution by payment time then
            // reaches receptions of other days than the order's.
            prop::option::of(0i64..400_000),
        ),
        0..20,
    )
}

/// Over every range inside `days` (offsets from DAY0), the per-account and store counters
/// (first response times from the blocks of days) equal the sums of the single days (their
/// counters rows).
fn assert_blocks_equal_days(db: &Db, days: std::ops::Range<i32>) {
    use kefu_core::figures::Counters;
    use std::collections::BTreeMap;
    let s = db.store("店").unwrap();
    let by_day: Vec<(Vec<(u32, Counters)>, Counters)> = days
        .clone()
        .map(|d| {
            let day = Day(DAY0 + d);
            (
                db.counters_by_account(s.id, day, day).unwrap(),
                db.store_counters(s.id, day, day).unwrap(),
            )
        })
        .collect();
    for a in days.clone() {
        for b in a..days.end {
            let (from, to) = (Day(DAY0 + a), Day(DAY0 + b));
            let mut want: BTreeMap<u32, Counters> = BTreeMap::new();
            let mut store = Counters::default();
            for (accounts, total) in &by_day[(a - days.start) as usize..=(b - days.start) as usize]
            {
                for (id, c) in accounts {
                    *want.entry(*id).or_default() += c;
                }
                store += total;
            }
            let got: BTreeMap<u32, Counters> = db
                .counters_by_account(s.id, from, to)
                .unwrap()
                .into_iter()
                .collect();
            assert_eq!(got, want, "accounts, days {a}..={b}");
            let stored = db.store_counters(s.id, from, to).unwrap();
            assert_eq!(stored, store, "store, days {a}..={b}");
            for p in [50, 90] {
                assert_eq!(
                    stored.first_responses().percentile_ms(p),
                    store.first_responses().percentile_ms(p)
                );
            }
        }
    }
}

/// A database whose derived tables are of an older layout (before the blocks of first
/// response times) gets them on open, equal to the merge of their days.
#[test]
fn an_older_derived_layout_gets_its_blocks_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("k.db");
    let msgs: Vec<Msg> = (0..200)
        .map(|i| {
            (
                i % 20,
                (i as i64 * 997) % 86_400,
                (i % 3) as u8,
                (i % 5) as u8,
                (i % 4) as u8,
            )
        })
        .collect();
    Db::open(&path)
        .unwrap()
        .import(batch(&msgs, &[]), &Config::default())
        .unwrap();
    let want = all_counters(&Db::open(&path).unwrap());
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "DROP TABLE first_response_blocks; UPDATE derived_layout SET layout = 'older';",
        )
        .unwrap();
    }
    let db = Db::open(&path).unwrap();
    assert_blocks_equal_days(&db, -2..22);
    assert_eq!(all_counters(&db), want);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    /// The blocks of first response times equal the merge of their days, after an import
    /// and after a second import that changes one day (recomputed incrementally).
    #[test]
    fn first_response_blocks_equal_the_merge_of_their_days(
        msgs in arb_msgs(),
        more in prop::collection::vec((0i64..86_400, 0u8..3, 0u8..5, 0u8..4), 1..30),
        changed in 0i32..20,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let config = Config::default();
        let mut db = Db::open(&dir.path().join("k.db")).unwrap();
        db.set_full_recompute_limit(0);
        db.import(batch(&msgs, &[]), &config).unwrap();
        assert_blocks_equal_days(&db, -2..22);
        let day: Vec<Msg> = more.iter().map(|&(sec, a, b, sender)| (changed, sec, a, b, sender)).collect();
        db.import(batch(&day, &[]), &config).unwrap();
        assert_blocks_equal_days(&db, -2..22);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Importing day by day, in any split, gives the figures of one import of everything.
    #[test]
    fn incremental_equals_full(
        msgs in arb_msgs(),
        orders in arb_orders(),
        split in 0i32..20,
        after_sale_days in prop::sample::select(vec![0u32, 2, 21]),
        attribution in prop::sample::select(Attribution::ALL.to_vec()),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::default();
        config.default.metrics.after_sale_days = after_sale_days;
        config.default.metrics.attribution = attribution;
        let mut whole = Db::open(&dir.path().join("whole.db")).unwrap();
        whole.import(batch(&msgs, &orders), &config).unwrap();

        let mut parts = Db::open(&dir.path().join("parts.db")).unwrap();
        parts.set_full_recompute_limit(0);
        let (early, late): (Vec<Msg>, Vec<Msg>) = msgs.iter().partition(|m| m.0 < split);
        let (early_orders, late_orders): (Numbered, Numbered) =
            orders.iter().copied().enumerate().partition(|(_, o)| o.0 < split);
        parts.import(batch_numbered(&late, &late_orders), &config).unwrap();
        parts.import(batch_numbered(&early, &early_orders), &config).unwrap();
        // The seqs of the two imports differ, which can reorder same-second messages; compare
        // only when no stream has two messages in the same second.
        let mut keys: Vec<_> = msgs.iter().map(|m| (m.2, m.3, m.0, m.1)).collect();
        keys.sort();
        keys.dedup();
        // Incremental recomputation sees rounds up to LOOKBACK_DAYS long whole.
        let a = whole_analysis(&whole);
        let short = a.rounds.iter().all(|r| {
            let last = a.touched_days(r).last().map_or(r.open, |d| d.start() + DAY_MS);
            r.answer_time().unwrap_or(last).max(last) - r.open < LOOKBACK_DAYS as i64 * DAY_MS
        });
        if keys.len() == msgs.len() && short {
            prop_assert_eq!(all_counters(&parts), all_counters(&whole));
        }
        // And a full recompute changes nothing.
        let before = all_counters(&whole);
        whole.recompute(&config, None).unwrap();
        prop_assert_eq!(all_counters(&whole), before);
    }
}

#[test]
fn reimport_is_a_no_op() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = Db::open(&dir.path().join("k.db")).unwrap();
    let msgs: Vec<Msg> = (0..50)
        .map(|i| {
            (
                i % 3,
                i as i64 * 600,
                (i % 2) as u8,
                (i % 5) as u8,
                (i % 3) as u8,
            )
        })
        .collect();
    let b = batch(&msgs, &[(1, 4000, 1, Some(60))]);
    let first = db.import(b.clone(), &Config::default()).unwrap();
    assert_eq!(first.messages_added, 50);
    let before = all_counters(&db);
    let again = db.import(b.clone(), &Config::default()).unwrap();
    assert_eq!(again.messages_added, 0);
    assert_eq!(again.messages_duplicate, 50);
    assert_eq!(all_counters(&db), before);
}

#[test]
fn settings_change_recomputes_and_order_updates_replace() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = Db::open(&dir.path().join("k.db")).unwrap();
    // Buyer asks at 10:00, agent answers after 100 s; order placed after the answer, unpaid.
    let msgs: Vec<Msg> = vec![(0, 36_000, 0, 0, 0), (0, 36_100, 0, 0, 1)];
    db.import(batch(&msgs, &[(0, 37_000, 0, None)]), &Config::default())
        .unwrap();
    let s = db.store("店").unwrap();
    let sum = |db: &Db| {
        db.counters_by_account(s.id, Day(DAY0), Day(DAY0))
            .map(|v| v[0].1.clone())
    };
    let c = db.counters_by_account(s.id, Day(DAY0), Day(DAY0)).unwrap()[0]
        .1
        .clone();
    assert_eq!(
        (c.get(C::slow), c.get(C::ordered), c.get(C::paid)),
        (0, 1, 0)
    );
    let tight = Config::parse("[metrics]\nslow_response_secs = 90\n").unwrap();
    assert_eq!(
        db.sync_settings(&tight, None).unwrap(),
        vec!["店".to_string()]
    );
    let c = sum(&db).unwrap();
    assert_eq!(c.get(C::slow), 1);
    assert!(db.sync_settings(&tight, None).unwrap().is_empty());
    // A later export of the same order, now paid: the newer state replaces the older.
    db.import(batch(&[], &[(0, 37_000, 0, Some(60))]), &tight)
        .unwrap();
    let c = sum(&db).unwrap();
    assert_eq!((c.get(C::paid), c.get(C::sales_cents)), (1, 100));
}

/// A database written before metric spec v2 (v1 settings fingerprint, counters without the v2
/// columns) is brought to v2 when it is next opened: migration 8 adds the columns (rebuilt
/// here on the later schema) and the first settings sync recomputes every figure, once,
/// without an import.
#[test]
fn a_database_written_before_v2_recomputes_once_when_opened() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("k.db");
    let msgs: Vec<Msg> = vec![
        (0, 3_600, 0, 0, 0),  // 01:00 buyer: answered at 09:00 → 3600 s of service time
        (0, 32_400, 0, 0, 1), // 09:00 agent
        (1, 36_000, 1, 1, 0), // day 1, 10:00 buyer who ordered on day 0: after-sale
        (1, 36_030, 1, 1, 1),
    ];
    let orders: Vec<Ord_> = vec![(0, 40_000, 1, Some(60))];
    let config = Config::default();
    let v2 = imported_counters(&path, &msgs, &orders, &config);
    // What v1 left behind.
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "UPDATE stores SET settings = 'slow_response_secs=120;slow_response_rounds=1;conversion_window_days=1;service_hours=00:00-24:00;reminder_window_hours=72';
             UPDATE counters SET response_ms = 0, first_response_ms = 0;
             ALTER TABLE counters DROP COLUMN after_sales;
             ALTER TABLE counters DROP COLUMN tb_rounds;
             ALTER TABLE counters DROP COLUMN tb_wait_ms;
             ALTER TABLE counters DROP COLUMN buyers;
             ALTER TABLE counters DROP COLUMN first_responses;",
        )
        .unwrap();
        conn.execute_batch(&kefu_store::migration_sql(8).unwrap())
            .unwrap();
    }
    let mut db = Db::open(&path).unwrap();
    assert_eq!(
        db.sync_settings(&config, None).unwrap(),
        vec!["店".to_string()]
    );
    assert_eq!(all_counters(&db), v2);
    let store: i64 = db.store("店").unwrap().id;
    let a = db
        .counters_by_account(store, Day(DAY0), Day(DAY0 + 1))
        .unwrap();
    let total: i64 = a.iter().map(|(_, c)| c.get(C::after_sales)).sum();
    assert_eq!(total, 1);
    // once: the next open finds the figures current
    drop(db);
    let mut db = Db::open(&path).unwrap();
    assert!(db.sync_settings(&config, None).unwrap().is_empty());
}

/// The derived tables follow the code's layout: a database whose recorded layout differs (a
/// figure added or removed since it was written) has them re-created and every figure
/// recomputed when it is opened, before anything reads them, and only once.
#[test]
fn a_changed_derived_layout_recreates_and_recomputes_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("k.db");
    let msgs: Vec<Msg> = vec![
        (0, 36_000, 0, 0, 0),
        (0, 36_030, 0, 0, 1),
        (1, 36_000, 1, 1, 0),
        (1, 36_090, 1, 1, 1),
    ];
    let orders: Vec<Ord_> = vec![(0, 40_000, 0, Some(60))];
    let config = Config::default();
    let before = imported_counters(&path, &msgs, &orders, &config);
    // What an older kefu left: a counter column it did not have, one it had and the code no
    // longer does, its own layout, and rows the code would not have written.
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "ALTER TABLE counters DROP COLUMN buyers;
             ALTER TABLE counters ADD COLUMN retired_figure INTEGER NOT NULL DEFAULT 0;
             UPDATE counters SET receptions = 999;
             DELETE FROM order_facts;
             UPDATE derived_layout SET layout = 'an older layout';",
        )
        .unwrap();
    }
    let mut db = Db::open(&path).unwrap();
    assert_eq!(all_counters(&db), before);
    let attributed: i64 = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row("SELECT COUNT(*) FROM order_facts", [], |r| r.get(0))
        .unwrap();
    assert_eq!(attributed, 1, "order facts recomputed");
    // recomputed under the saved settings, which are the configuration's here: nothing stale
    assert!(db.sync_settings(&config, None).unwrap().is_empty());
    drop(db);
    let columns: Vec<String> = {
        let conn = rusqlite::Connection::open(&path).unwrap();
        let mut st = conn
            .prepare("SELECT name FROM pragma_table_info('counters')")
            .unwrap();
        st.query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    };
    assert!(columns.iter().any(|c| c == "buyers"));
    assert!(!columns.iter().any(|c| c == "retired_figure"));
    // once: the next open leaves the rows alone
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch("UPDATE counters SET receptions = 7 WHERE account_id = -1")
        .unwrap();
    let db = Db::open(&path).unwrap();
    assert_ne!(all_counters(&db), before);
}

/// A batch of messages numbered by the caller (their texts `t{n}`: equal numbers are the same
/// message), in the order given.
fn batch_of(msgs: &[(usize, Msg)], orders: &[(usize, Ord_)]) -> ImportBatch {
    let mut b = batch_numbered(&[], orders);
    let store = b.names.intern("店");
    for (seq, &(n, (day, sec, a, buyer, sender))) in msgs.iter().enumerate() {
        let account = b.names.intern(&format!("店:{a}"));
        let buyer = b.names.intern(&format!("b{buyer}"));
        let text = b.push_text(&format!("t{n}"));
        b.messages.push(ImportedMessage {
            store,
            message: Message {
                time: Day(DAY0 + day).start() + sec * 1000,
                buyer,
                account,
                sender: Sender::ALL[sender as usize % 4],
                transfer_to: None,
                seq: seq as u64,
            },
            text,
            msg_id: None,
        });
    }
    b
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Real exports come in any row order and are read in batches of bounded size: one import
    /// session of several batches, its messages shuffled and some repeated across batches,
    /// stores what one batch of the same messages in time order stores, with the same figures.
    #[test]
    fn batches_in_any_order_equal_one_batch_in_time_order(
        msgs in arb_msgs(),
        orders in arb_orders(),
        order_seed in any::<u64>(),
        cuts in 1usize..6,
        repeats in prop::collection::vec(any::<prop::sample::Index>(), 0..12),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let config = Config::default();
        let numbered: Vec<(usize, Msg)> = msgs.iter().copied().enumerate().collect();
        let mut in_time = numbered.clone();
        in_time.sort_by_key(|&(n, m)| (m.0, m.1, n));
        let orders: Vec<(usize, Ord_)> = orders.iter().copied().enumerate().collect();
        let mut whole = Db::open(&dir.path().join("whole.db")).unwrap();
        let one = whole.import(batch_of(&in_time, &orders), &config).unwrap();

        // Shuffled (a seeded Fisher–Yates), with repeats of some messages anywhere.
        let mut shuffled = numbered.clone();
        shuffled.extend(repeats.iter().map(|i| numbered[i.index(numbered.len())]));
        let mut state = order_seed | 1;
        for i in (1..shuffled.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            shuffled.swap(i, (state % (i as u64 + 1)) as usize);
        }
        let mut parts = Db::open(&dir.path().join("parts.db")).unwrap();
        let mut session = parts.begin_import().unwrap();
        let size = shuffled.len().div_ceil(cuts);
        for (k, piece) in shuffled.chunks(size).enumerate() {
            let orders = if k == 0 { orders.as_slice() } else { &[] };
            session.add(&batch_of(piece, orders)).unwrap();
        }
        let summary = session.finish(&config).unwrap();
        prop_assert_eq!(summary.messages_added, one.messages_added);
        prop_assert_eq!(summary.messages_duplicate, repeats.len() as u64);
        let s = parts.store("店").unwrap();
        let stored = parts.load_events(s.id, Day(DAY0 - 30), Day(DAY0 + 60), 0).unwrap();
        prop_assert_eq!(stored.messages.len(), msgs.len());
        // Seqs follow the input's order, which can reorder same-second messages of a stream;
        // compare the figures when no stream has two messages in the same second.
        let mut keys: Vec<_> = msgs.iter().map(|m| (m.2, m.3, m.0, m.1)).collect();
        keys.sort();
        keys.dedup();
        if keys.len() == msgs.len() {
            prop_assert_eq!(all_counters(&parts), all_counters(&whole));
        }
    }
}

/// The latest message time as the stored messages give it: every day decoded.
fn decoded_last_time(db: &Db) -> Option<kefu_core::time::Millis> {
    let s = db.store("店").unwrap();
    let (first, last) = db.day_span(s.id).unwrap()?;
    let events = db.load_events(s.id, first, last, 0).unwrap();
    events.messages.iter().map(|m| m.time).max()
}

#[test]
fn the_latest_message_time_is_stored_by_imports_and_filled_in_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("k.db");
    let config = Config::default();
    let mut db = Db::open(&path).unwrap();
    let s = |db: &Db| db.store("店").unwrap().id;
    let stored = |_: &Db| -> Option<i64> {
        rusqlite::Connection::open(&path)
            .unwrap()
            .query_row(
                "SELECT last_message_at FROM stores WHERE name = '店'",
                [],
                |r| r.get(0),
            )
            .unwrap()
    };
    // a day in the middle, then an earlier day: the latest stays
    db.import(
        batch(&[(5, 3_600, 1, 1, 0), (5, 7_200, 1, 1, 1)], &[]),
        &config,
    )
    .unwrap();
    let t5 = Day(DAY0 + 5).start() + 7_200_000;
    assert_eq!(db.last_message_time(s(&db)).unwrap(), Some(t5));
    assert_eq!(stored(&db), Some(t5));
    db.import(batch(&[(2, 80_000, 2, 2, 0)], &[]), &config)
        .unwrap();
    assert_eq!(db.last_message_time(s(&db)).unwrap(), Some(t5));
    // a later message on the same last day, then one on a later day and orders after it
    db.import(batch(&[(5, 86_000, 3, 3, 0)], &[]), &config)
        .unwrap();
    let later = Day(DAY0 + 5).start() + 86_000_000;
    assert_eq!(db.last_message_time(s(&db)).unwrap(), Some(later));
    db.import(
        batch(&[(9, 10, 1, 4, 0)], &[(12, 100, 4, Some(60))]),
        &config,
    )
    .unwrap();
    let t9 = Day(DAY0 + 9).start() + 10_000;
    assert_eq!(db.last_message_time(s(&db)).unwrap(), Some(t9));
    assert_eq!(decoded_last_time(&db), Some(t9));
    // an import of orders only changes nothing
    db.import(batch(&[], &[(20, 100, 4, None)]), &config)
        .unwrap();
    assert_eq!(stored(&db), Some(t9));
    // a database from before the column: read by decoding, filled in when opened
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute("UPDATE stores SET last_message_at = NULL", [])
        .unwrap();
    assert_eq!(db.last_message_time(s(&db)).unwrap(), Some(t9));
    drop(db);
    let db = Db::open(&path).unwrap();
    assert_eq!(stored(&db), Some(t9));
    assert_eq!(db.last_message_time(s(&db)).unwrap(), Some(t9));
}

/// Percentiles kept between reads (`percentiles.rs`) follow every write of the figures: after
/// each import and a settings change, the sums equal those of a database that never read
/// before (another file, so nothing of the first is kept for it); so do the sums of groups of
/// accounts (the overview's teams), which equal the accounts' sums merged by hand.
#[test]
fn kept_first_response_times_follow_imports_and_settings() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("k.db");
    let mut db = Db::open(&path).unwrap();
    let config = Config::default();
    let (from, to) = (Day(DAY0), Day(DAY0 + 9));
    let reads = |db: &Db| {
        let s = db.store("店").unwrap();
        let accounts = db.counters_by_account(s.id, from, to).unwrap();
        // two groups by account id, the second account in none; summed by hand too
        let group: Vec<Option<usize>> = (0..accounts.len())
            .map(|i| (i != 1).then_some(i % 2))
            .collect();
        let mut by_hand = vec![kefu_core::figures::Counters::default(); 2];
        for ((_, c), g) in accounts.iter().zip(&group) {
            if let Some(g) = g {
                by_hand[*g] += c;
            }
        }
        for c in &mut by_hand {
            c.1.settle();
        }
        let groups = db
            .sum_groups(s.id, (from, to), accounts.clone(), &group, 2)
            .unwrap();
        assert_eq!(groups, by_hand);
        (accounts, db.store_counters(s.id, from, to).unwrap(), groups)
    };
    let steps: Vec<Vec<Msg>> = vec![
        vec![
            (1, 36_000, 1, 1, 0),
            (1, 36_060, 1, 1, 1),
            (3, 40_000, 2, 2, 0),
        ],
        vec![
            (3, 40_500, 2, 2, 1),
            (5, 3_600, 1, 3, 0),
            (5, 3_700, 1, 3, 1),
        ],
        vec![
            (1, 36_010, 2, 4, 0),
            (1, 39_000, 2, 4, 1),
            (8, 50_000, 1, 1, 0),
        ],
    ];
    let mut so_far: Vec<Msg> = Vec::new();
    for (k, step) in steps.iter().enumerate() {
        db.import(batch(step, &[]), &config).unwrap();
        so_far.extend(step);
        let first = reads(&db);
        assert_eq!(reads(&db), first, "read again, step {k}");
        let fresh_path = dir.path().join(format!("fresh{k}.db"));
        let mut fresh = Db::open(&fresh_path).unwrap();
        fresh.import(batch(&so_far, &[]), &config).unwrap();
        assert_eq!(first, reads(&fresh), "step {k}");
        assert!(first.1.first_responses().percentile_ms(50).is_some());
    }
    // settings that change every first response time
    let before = reads(&db);
    let config = Config::parse("[metrics]\nservice_hours = \"10:30-24:00\"\n").unwrap();
    db.sync_settings(&config, None).unwrap();
    let after = reads(&db);
    assert_ne!(
        after.1.first_responses().percentile_ms(90),
        before.1.first_responses().percentile_ms(90)
    );
    let mut fresh = Db::open(&dir.path().join("fresh-settings.db")).unwrap();
    fresh.import(batch(&so_far, &[]), &config).unwrap();
    assert_eq!(after, reads(&fresh));
}
