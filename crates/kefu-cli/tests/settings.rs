//! Which metric settings the command line works under: for a reading (`report`, `plan run`)
//! `--config` when given, computed for the asked days and never stored; otherwise the
//! settings in force — the per-store settings saved in the web app, over the defaults.

use std::path::Path;

use kefu_core::settings::MetricSettings;
use kefu_store::Db;
use serde_json::Value;
use support::cli::{import_sample, ok, sample};

mod support;

const STORE: &str = "晨光旗舰店";

/// The store's `slow` figure (109 under the defaults, 168 under the sample's tight settings:
/// testdata/sample/expected-*.json).
fn slow(db: &Path, extra: &[&str]) -> i64 {
    let mut args = vec![
        "report",
        "--db",
        db.to_str().unwrap(),
        "--from",
        "2026-11-01",
        "--to",
        "2026-11-30",
        "--by",
        "store",
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    let rows: Value = serde_json::from_str(&ok(&args)).unwrap();
    rows[0]["slow"].as_i64().unwrap()
}

#[test]
fn saved_web_settings_apply_without_config_and_the_file_wins_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("k.db");
    import_sample(&db);
    // nothing saved: the defaults, as always
    assert_eq!(slow(&db, &[]), 109);

    // what the web app saves for the store (tight.toml's settings)
    let tight_text = std::fs::read_to_string(sample().join("tight.toml")).unwrap();
    let tight =
        MetricSettings::from_toml(tight_text.trim_start_matches("[metrics]").trim()).unwrap();
    {
        let mut store = Db::open(&db).unwrap();
        let info = store.store(STORE).unwrap();
        store.save_store_settings(&info, &tight, None).unwrap();
    }
    assert_eq!(slow(&db, &[]), 168);

    // an ad-hoc report under a configuration file: its figures, for every store…
    let defaults = dir.path().join("defaults.toml");
    std::fs::write(&defaults, "[metrics]\nslow_response_secs = 120\n").unwrap();
    let stored = || {
        Db::open(&db).unwrap().stored_fingerprints().unwrap()[0]
            .1
            .clone()
    };
    assert_eq!(stored(), Some(tight.fingerprint()));
    assert_eq!(slow(&db, &["--config", defaults.to_str().unwrap()]), 109);
    // …computed for the report only: the stored figures stay those of the settings in force
    assert_eq!(stored(), Some(tight.fingerprint()));
    assert_eq!(slow(&db, &[]), 168);
    ok(&["recompute", "--db", db.to_str().unwrap()]);
    assert_eq!(slow(&db, &[]), 168);
}
