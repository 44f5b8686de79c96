//! Worklists through the import workflow: presale columns read and stored, the lists refreshed
//! by every import, and what people set on an item (status, owner) kept across refreshes.
//! Expected values by hand from `docs/metrics.md` ("Worklists and recovered sales").

use std::path::{Path, PathBuf};

use kefu_app::import::{ImportFailure, import_files};
use kefu_app::worklists::{self, Query};
use kefu_core::settings::Config;
use kefu_core::time::UtcOffset;
use kefu_import::ImportOptions;
use kefu_store::Db;
use kefu_store::worklists::{ItemFilter, Status};

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn import(db: &mut Db, files: &[PathBuf]) -> Result<kefu_app::import::Imported, ImportFailure> {
    let config = Config::default();
    let mut opts = ImportOptions::new(&config);
    opts.default_store = Some("店".into());
    import_files(db, files, &opts, &|_| true, &|_| {})
}

#[test]
fn lists_refresh_on_import_and_keep_what_people_set() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = Db::open(&dir.path().join("k.db")).unwrap();
    let day1 = [
        write(
            dir.path(),
            "m1.csv",
            "time,buyer,account,sender,text\n\
             2026-11-11 09:00:00,cat,店:小美,agent,尾款可以付了\n\
             2026-11-11 10:00:00,tom,店:小美,buyer,在吗\n\
             2026-11-11 10:01:00,tom,店:小美,agent,在的\n",
        ),
        write(
            dir.path(),
            "o1.csv",
            "order_id,buyer,created_at,amount,paid_at,closed_at,deposit,deposit_paid_at,balance_from,balance_to\n\
             P1,cat,2026-11-01 10:00:00,1000.00,,,100.00,2026-11-01 10:01:00,2026-11-11 00:00:00,2026-11-13 23:59:59\n",
        ),
    ];
    let done = import(&mut db, &day1).unwrap();
    let refreshed = done.worklists.unwrap();
    assert_eq!(refreshed.len(), 1);
    // As of tom's last message (10:01): his inquiry's window is still open; cat's balance is
    // due, reminded once at 09:00, so the last reminder is due before the window closes
    // (23:59:59 less an hour, moved out of the quiet hours to 21:59).
    assert_eq!(
        (refreshed[0].as_of, refreshed[0].items),
        (
            kefu_core::time::parse_time("2026-11-11 10:01:00", UtcOffset::SHANGHAI).unwrap(),
            1
        )
    );
    let store = db.store("店").unwrap();
    let names = db.names(store.id).unwrap();
    let (mei, wang) = (names.get("店:小美").unwrap(), names.get("店:小王"));
    assert_eq!(wang, None);
    let items = db.worklist_items(store.id, &ItemFilter::default()).unwrap();
    assert_eq!(items.len(), 1);
    let p1 = &items[0];
    assert_eq!(p1.item.key, "balance:P1");
    assert_eq!((p1.item.amount, p1.item.reminders), (90_000, 1));
    assert_eq!(
        p1.item.due_at.map(kefu_core::time::format_time).as_deref(),
        Some("2026-11-13 21:59:00")
    );
    // The default owner is the serving agent; nobody served cat before the window opened.
    assert_eq!(p1.owner, None);

    // A supervisor gives the balance to 小美, who notes a phone call.
    worklists::reassign(&db, &store, "balance:P1", Some(mei)).unwrap();
    worklists::set_status(
        &db,
        &store,
        UtcOffset::SHANGHAI,
        "balance:P1",
        "contacted",
        "mei",
        Some(mei),
    )
    .unwrap();
    assert!(matches!(
        worklists::set_status(
            &db,
            &store,
            UtcOffset::SHANGHAI,
            "balance:P1",
            "recovered",
            "mei",
            None
        ),
        Err(worklists::WorkError::Recovered)
    ));
    assert!(matches!(
        worklists::reassign(&db, &store, "unpaid:nothing", None),
        Err(worklists::WorkError::NoItem(_))
    ));

    // The next day's data: 小王 and then 小美 write to tom, who buys and pays.
    let day2 = [
        write(
            dir.path(),
            "m2.csv",
            "time,buyer,account,sender,text\n\
             2026-11-12 09:00:00,tom,店:小王,agent,亲还需要吗\n\
             2026-11-12 15:00:00,tom,店:小美,agent,今天有券\n",
        ),
        write(
            dir.path(),
            "o2.csv",
            "order_id,buyer,created_at,amount,paid_at\nO-T,tom,2026-11-12 16:00:00,3999.00,2026-11-12 16:05:00\n",
        ),
    ];
    let done = import(&mut db, &day2).unwrap();
    assert_eq!(done.worklists.unwrap()[0].items, 2);
    let names = db.names(store.id).unwrap();
    let wang = names.get("店:小王").unwrap();
    let tom = names.get("tom").unwrap();
    let items = db.worklist_items(store.id, &ItemFilter::default()).unwrap();
    let keys: Vec<&str> = items.iter().map(|i| i.item.key.as_str()).collect();
    let lost = format!("lost_inquiry:{tom}:2026-11-11");
    assert_eq!(keys, vec!["balance:P1", lost.as_str()]);
    // What people set survived the refresh.
    assert_eq!(
        (items[0].owner, items[0].status),
        (Some(mei), Status::Contacted)
    );
    assert_eq!(items[0].status_by.as_deref(), Some("mei"));
    assert_eq!(worklists::shown_status(&items[0]), "contacted");
    // tom's inquiry: recovered by O-T at 16:05, credited to 小美's 15:00 message (the last
    // contact before the payment), 小王 touched it too.
    let t = &items[1];
    assert_eq!(worklists::shown_status(t), "recovered");
    assert_eq!(t.owner, Some(mei));
    assert_eq!(
        (t.item.credited, t.item.recovered_amount),
        (Some(mei), 399_900)
    );
    let mut both = vec![mei, wang];
    both.sort();
    assert_eq!(t.item.contacts, both);

    let config = Config::default();
    let report = worklists::report(
        &mut db,
        &config,
        &store,
        &Query {
            all: true,
            ..Query::default()
        },
    )
    .unwrap();
    assert_eq!(report.as_of.as_deref(), Some("2026-11-12 16:05:00"));
    assert_eq!(
        (
            report.total.items,
            report.total.recovered,
            report.total.cents
        ),
        (2, 1, 399_900)
    );
    let mei_row = report.agents.iter().find(|a| a.name == "店:小美").unwrap();
    assert_eq!(
        (mei_row.items, mei_row.recovered, mei_row.cents),
        (2, 1, 399_900)
    );
    let wang_row = report.agents.iter().find(|a| a.name == "店:小王").unwrap();
    assert_eq!(
        (wang_row.items, wang_row.recovered, wang_row.rate),
        (0, 0, Some(0.0))
    );
    // Only open items by default: the balance.
    let open = worklists::report(&mut db, &config, &store, &Query::default()).unwrap();
    assert_eq!(open.items.len(), 1);
    assert_eq!(open.items[0].key, "balance:P1");
}

#[test]
fn a_presale_row_without_its_window_end_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = Db::open(&dir.path().join("k.db")).unwrap();
    let f = write(
        dir.path(),
        "o.csv",
        "order_id,buyer,created_at,amount,deposit\nP1,cat,2026-11-01 10:00:00,1000.00,100.00\n",
    );
    let e = import(&mut db, &[f]).unwrap_err();
    assert!(e.to_string().contains("balance_to"), "{e}");
    let f = write(
        dir.path(),
        "o2.csv",
        "order_id,buyer,created_at,amount,deposit,balance_to\nP1,cat,2026-11-01 10:00:00,10.00,100.00,2026-11-03 00:00:00\n",
    );
    let e = import(&mut db, &[f]).unwrap_err();
    assert!(e.to_string().contains("deposit not above"), "{e}");
}

/// One store's lists after each import of a sequence, refreshed in part (as imports do) in
/// one database and whole in another, with people working items in both the same way between
/// imports: every stored item (computed columns, owner, status, contact noted) and the
/// lists' time and cursor are the same after every import.
fn in_part_equals_whole(windows: &[(u32, u32)], owner: kefu_core::worklist::OwnerMode) {
    let dir = tempfile::tempdir().unwrap();
    let config = Config::default();
    let demo = kefu_demo::DemoConfig {
        store: "店".into(),
        days: 14,
        agents: 6,
        messages_target: Some(12_000),
        ..kefu_demo::DemoConfig::default()
    };
    let mut dbs: Vec<Db> = ["part.db", "whole.db"]
        .iter()
        .map(|n| Db::open(&dir.path().join(n)).unwrap())
        .collect();
    let mut in_part = 0;
    for (step, &(first, last)) in windows.iter().enumerate() {
        let files = kefu_demo::write_files(
            &kefu_demo::DemoConfig {
                only_days: Some((first, last)),
                ..demo.clone()
            },
            &dir.path().join(format!("w{step}")),
            &|_, _| {},
        )
        .unwrap()
        .files;
        for (k, db) in dbs.iter_mut().enumerate() {
            kefu_app::import::refresh_worklists_whole(k == 1);
            let done = import(db, &files).unwrap();
            let refreshed = done.worklists.unwrap();
            if k == 0 {
                in_part += refreshed.iter().filter(|r| r.buyers.is_some()).count();
            } else {
                assert!(refreshed.iter().all(|r| r.buyers.is_none()));
            }
            if step == 0 {
                let store = db.store("店").unwrap();
                let mut s = db.worklist_settings(store.id).unwrap();
                s.owner = owner;
                db.save_worklist_settings(store.id, &s, None).unwrap();
                worklists::refresh(db, &config, None, None).unwrap();
            }
        }
        kefu_app::import::refresh_worklists_whole(false);
        // People work some open items, the same in both.
        let store = dbs[0].store("店").unwrap();
        let open = dbs[0]
            .worklist_items(
                store.id,
                &ItemFilter {
                    open_only: true,
                    ..ItemFilter::default()
                },
            )
            .unwrap();
        let names = dbs[0].names(store.id).unwrap();
        let agent = names
            .get("店:小美")
            .or_else(|| open.iter().find_map(|i| i.item.serving));
        for (n, it) in open.iter().enumerate().filter(|(n, _)| n % 7 == step % 7) {
            let status = ["contacted", "lost", "do_not_contact"][n % 3];
            for db in &dbs {
                worklists::set_status(
                    db,
                    &store,
                    UtcOffset::SHANGHAI,
                    &it.item.key,
                    status,
                    "sup",
                    agent,
                )
                .unwrap();
            }
        }
        // The two databases were worked a few ms apart (the clock's time, after all data).
        let all = |db: &Db| {
            let mut items = db.worklist_items(store.id, &ItemFilter::default()).unwrap();
            for i in &mut items {
                i.status_at = i.status_at.map(|_| 0);
                if let Some(m) = &mut i.mark {
                    m.1 = 0;
                }
            }
            (items, db.worklist_state(store.id).unwrap())
        };
        let (part, whole) = (all(&dbs[0]), all(&dbs[1]));
        assert!(!whole.0.is_empty());
        assert_eq!(part.1, whole.1, "state after import {step}");
        assert_eq!(part.0.len(), whole.0.len(), "items after import {step}");
        for (p, w) in part.0.iter().zip(&whole.0) {
            assert_eq!(p, w, "after import {step}");
        }
    }
    // The refresh in part was taken, not only the whole one.
    assert!(in_part >= windows.len() - 2, "in part {in_part} times");
}

#[test]
fn refresh_in_part_equals_whole_day_by_day() {
    let days: Vec<(u32, u32)> = std::iter::once((0, 5))
        .chain((6..14).map(|d| (d, d)))
        .collect();
    in_part_equals_whole(&days, kefu_core::worklist::OwnerMode::Serving);
}

#[test]
fn refresh_in_part_equals_whole_in_uneven_splits_round_robin() {
    in_part_equals_whole(
        &[(0, 2), (3, 3), (4, 7), (8, 8), (9, 9), (10, 12), (13, 13)],
        kefu_core::worklist::OwnerMode::RoundRobin,
    );
}

#[test]
fn refresh_in_part_equals_whole_with_days_imported_late_and_again() {
    // Days that arrive after later ones, and days imported a second time (every message a
    // duplicate): the refresh in part reads all buyers' messages only from the earliest day
    // touched (less the lists' lag) and the recomputed buyers' before it.
    in_part_equals_whole(
        &[(0, 4), (7, 9), (5, 6), (10, 11), (2, 3), (12, 13), (8, 8)],
        kefu_core::worklist::OwnerMode::Serving,
    );
}

/// Names handed to a refresh that lack ids its events name (another connection added them
/// after the import) are loaded again: of two contacts at one time the smaller account name
/// is credited, which names that lack them could not tell.
#[test]
fn a_refresh_given_names_that_lack_ids_reads_the_stores() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = Db::open(&dir.path().join("n.db")).unwrap();
    // Two contacts at 09:00 the next day; a tie the account names break (店:a), where the
    // account ids alone give 店:z.
    let files = [
        write(
            dir.path(),
            "m.csv",
            "time,buyer,account,sender,text\n\
             2026-11-11 10:00:00,ann,店:a,buyer,在吗\n\
             2026-11-11 10:01:00,ann,店:a,agent,在的\n\
             2026-11-12 09:00:00,ann,店:z,agent,考虑好了吗\n\
             2026-11-12 09:00:00,ann,店:a,agent,今天有优惠\n",
        ),
        write(
            dir.path(),
            "o.csv",
            "order_id,buyer,created_at,amount,paid_at\n\
             O-A,ann,2026-11-12 16:00:00,30.00,2026-11-12 16:05:00\n",
        ),
    ];
    import(&mut db, &files).unwrap();
    let store = db.store("店").unwrap();
    let names = db.names(store.id).unwrap();
    let (a, z) = (names.get("店:a").unwrap(), names.get("店:z").unwrap());
    assert!(a < z);
    let all = ItemFilter::default();
    let credited = |db: &Db| {
        db.worklist_items(store.id, &all)
            .unwrap()
            .into_iter()
            .find(|i| i.item.key.starts_with("lost_inquiry:"))
            .and_then(|i| i.item.credited)
    };
    assert_eq!(credited(&db), Some(a));
    let items = db.worklist_items(store.id, &all).unwrap();
    let config = Config::default();
    worklists::refresh_store_after_import(
        &mut db,
        &config,
        &store,
        None,
        Some(kefu_core::model::Names::default()),
    )
    .unwrap();
    assert_eq!(credited(&db), Some(a));
    assert_eq!(db.worklist_items(store.id, &all).unwrap(), items);
}
