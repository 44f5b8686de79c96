//! What the command-line tests share: running `kefu` (in English, so that messages can be
//! matched) and the sample store.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The sample store of `testdata/sample`, with its expected figures.
pub fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/sample")
}

/// Imports the sample store's files as 晨光旗舰店; the command's output.
pub fn import_sample(db: &Path) -> String {
    let input = sample().join("input");
    ok(&[
        "import",
        "--db",
        db.to_str().unwrap(),
        "--store",
        "晨光旗舰店",
        input.to_str().unwrap(),
    ])
}

pub fn kefu(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kefu"))
        .args(args)
        .env("LANG", "en_US.UTF-8")
        .output()
        .expect("run kefu")
}

/// The standard output of a command that must succeed.
pub fn ok(args: &[&str]) -> String {
    let out = kefu(args);
    assert!(
        out.status.success(),
        "kefu {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// `kefu report --format json` over the sample's days (2026-11-10..12), by `by`, with `extra`
/// arguments: its rows.
pub fn sample_report(db: &Path, by: &str, extra: &[&str]) -> Vec<serde_json::Value> {
    let mut args = vec![
        "report",
        "--db",
        db.to_str().unwrap(),
        "--from",
        "2026-11-10",
        "--to",
        "2026-11-12",
        "--by",
        by,
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    let v: serde_json::Value = serde_json::from_str(&ok(&args)).expect("json report");
    v.as_array().expect("array").clone()
}

/// The payslip of `account` in a plan result of `kefu plan run --format json`.
pub fn slip<'a>(result: &'a serde_json::Value, account: &str) -> &'a serde_json::Value {
    result["payslips"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["account"] == account)
        .unwrap_or_else(|| panic!("no payslip of {account} in {result:#}"))
}
