//! The platform profiles' edge cases (`testdata/platform-cases`, worked out by hand and
//! checked by the DuckDB peer) through `kefu import` and `kefu report`: each figure of each
//! account and period equals the hand-worked fraction, or is null where the period has none.

use serde_json::Value;
use support::cli::kefu;

mod support;

#[test]
fn kefu_agrees_with_the_hand_worked_platform_cases() {
    let root =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/platform-cases");
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("expected.json")).unwrap())
            .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("pc.db");
    let db = db.to_str().unwrap();
    let messages = root.join("messages.csv");
    let out = kefu(&[
        "import",
        "--db",
        db,
        "--store",
        "S",
        messages.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut checked = 0;
    for period in expected["periods"].as_array().unwrap() {
        let (from, to) = (
            period["from"].as_str().unwrap(),
            period["to"].as_str().unwrap(),
        );
        let out = kefu(&[
            "report", "--db", db, "--from", from, "--to", to, "--by", "account", "--format", "json",
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let rows: Value = serde_json::from_slice(&out.stdout).unwrap();
        for (account, figures) in period["accounts"].as_object().unwrap() {
            let row = rows
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["account"] == account.as_str())
                .unwrap_or_else(|| panic!("{account} {from}..{to}: no row in {rows}"));
            for (figure, want) in figures.as_object().unwrap() {
                let got = &row[figure];
                match want.as_array() {
                    Some(frac) => {
                        let (n, d) = (frac[0].as_f64().unwrap(), frac[1].as_f64().unwrap());
                        let got = got
                            .as_f64()
                            .unwrap_or_else(|| panic!("{account} {figure}: {got}"));
                        assert!(
                            (got - n / d).abs() < 1e-12,
                            "{account} {figure} {from}..{to}: {got} vs {n}/{d}"
                        );
                    }
                    None => assert!(got.is_null(), "{account} {figure} {from}..{to}: {got}"),
                }
                checked += 1;
            }
        }
    }
    // pdd 2, jd 1, dy 2 and edge 5 over both days; edge 5 over the second alone.
    assert_eq!(checked, 2 + 1 + 2 + 5 + 5);
}
