//! The settings in force, across processes: ad-hoc readings never persist, and a server's
//! `LiveConfig` sees what another connection saved or recomputed on its next refresh.

use std::path::{Path, PathBuf};

use kefu_app::settings::{LiveConfig, in_force, read_figures};
use kefu_core::figures::Counters;
use kefu_core::model::NameId;
use kefu_core::settings::{Config, MetricSettings};
use kefu_core::time::Day;
use kefu_store::Db;

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/sample")
}

fn tight() -> Config {
    let text = std::fs::read_to_string(sample().join("tight.toml")).unwrap();
    Config::parse(&text).unwrap()
}

/// The sample store imported under `config` into a new database at `path`.
fn imported(path: &Path, config: &Config) -> Db {
    let mut files: Vec<PathBuf> = std::fs::read_dir(sample().join("input"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let opts = kefu_import::ImportOptions::new(config);
    let outcome = kefu_import::read_files(&files, &opts, &|_, _| {}).unwrap();
    let mut db = Db::open(path).unwrap();
    db.import(outcome.batch, config).unwrap();
    db
}

/// The sample's period (its expected figures cover these days).
fn range() -> (Day, Day) {
    let day = |s| Day::parse(s).unwrap();
    (day("2026-11-10"), day("2026-11-12"))
}

fn store_id(db: &Db) -> i64 {
    db.stores().unwrap()[0].id
}

fn by_account(db: &Db) -> Vec<(NameId, Counters)> {
    let (from, to) = range();
    db.counters_by_account(store_id(db), from, to).unwrap()
}

fn fingerprint(db: &Db) -> Option<String> {
    db.stored_fingerprints().unwrap()[0].1.clone()
}

#[test]
fn an_adhoc_reading_equals_a_fresh_import_and_leaves_the_stored_figures_alone() {
    let dir = tempfile::tempdir().unwrap();
    let fresh_tight = by_account(&imported(&dir.path().join("tight.db"), &tight()));
    let mut db = imported(&dir.path().join("default.db"), &Config::default());
    let stored = by_account(&db);
    let stored_fp = fingerprint(&db);
    assert_ne!(
        stored, fresh_tight,
        "the two settings must give different figures"
    );

    let adhoc = read_figures(
        &mut db,
        &Config::default(),
        Some(&tight()),
        None,
        range(),
        by_account,
    )
    .unwrap();
    assert_eq!(adhoc, fresh_tight);
    // Nothing of it was kept: another connection and this one read the default figures.
    assert_eq!(fingerprint(&db), stored_fp);
    assert_eq!(by_account(&db), stored);
    let other = Db::open(&dir.path().join("default.db")).unwrap();
    assert_eq!(by_account(&other), stored);
}

#[test]
fn a_reading_under_the_settings_in_force_brings_stale_figures_in_line() {
    let dir = tempfile::tempdir().unwrap();
    let fresh_default = by_account(&imported(&dir.path().join("d.db"), &Config::default()));
    // Figures stored under other settings than those in force (the defaults here).
    let mut db = imported(&dir.path().join("t.db"), &tight());
    let read = read_figures(&mut db, &Config::default(), None, None, range(), by_account).unwrap();
    assert_eq!(read, fresh_default);
    assert_eq!(
        fingerprint(&db),
        Some(MetricSettings::default().fingerprint())
    );
}

#[test]
fn saved_settings_win_over_the_base_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = imported(&dir.path().join("s.db"), &Config::default());
    let store = db.stores().unwrap().remove(0);
    let saved = tight().store(&store.name).metrics.clone();
    db.save_store_settings(&store, &saved, None).unwrap();
    // Whatever base a command starts with, the saved settings are in force for the store.
    for base in [Config::default(), tight()] {
        assert_eq!(
            in_force(&db, &base).unwrap().store(&store.name).metrics,
            saved
        );
    }
}

#[test]
fn a_server_sees_another_process_recompute_on_its_next_refresh() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("live.db");
    let expected = by_account(&imported(&path, &Config::default()));
    let live = LiveConfig::new(Config::default());
    let mut server = Db::open(&path).unwrap();
    live.refresh(&mut server).unwrap();
    assert_eq!(by_account(&server), expected);

    // Another process (`kefu recompute --config tight.toml`) rewrites the stored figures.
    Db::open(&path).unwrap().recompute(&tight(), None).unwrap();
    assert_ne!(by_account(&server), expected);
    // The server's next request brings them back under its settings in force.
    live.refresh(&mut server).unwrap();
    assert_eq!(by_account(&server), expected);
    assert_eq!(
        fingerprint(&server),
        Some(MetricSettings::default().fingerprint())
    );
}

#[test]
fn a_server_takes_settings_saved_by_another_process_on_its_next_refresh() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("saved.db");
    imported(&path, &Config::default());
    let fresh_tight = by_account(&imported(&dir.path().join("t.db"), &tight()));
    let live = LiveConfig::new(Config::default());
    let mut server = Db::open(&path).unwrap();
    live.refresh(&mut server).unwrap();

    let mut other = Db::open(&path).unwrap();
    let store = other.stores().unwrap().remove(0);
    let saved = tight().store(&store.name).metrics.clone();
    other.save_store_settings(&store, &saved, None).unwrap();

    let config = live.refresh(&mut server).unwrap();
    assert_eq!(config.store(&store.name).metrics, saved);
    assert_eq!(live.store(&store.name).metrics, saved);
    assert_eq!(by_account(&server), fresh_tight);
    // Nothing changed since: the next refresh is the one small query.
    live.refresh(&mut server).unwrap();
    assert_eq!(by_account(&server), fresh_tight);
}
