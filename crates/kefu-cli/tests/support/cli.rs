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
