//! The command line says its errors, and the libraries', in the user's language.

use std::process::Command;

fn kefu(lang: &str, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_kefu"))
        .args(args)
        .env("LANG", lang)
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .output()
        .unwrap();
    assert!(!out.status.success(), "{args:?} should fail");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn errors_are_said_in_the_users_language() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.db");
    let missing = missing.to_str().unwrap();
    let report = [
        "report",
        "--db",
        missing,
        "--from",
        "2026-11-11",
        "--to",
        "2026-11-11",
    ];

    // The command line's own message.
    let zh = kefu("zh_CN.UTF-8", &report);
    assert!(
        zh.starts_with("错误: 数据库 ") && zh.contains("不存在"),
        "{zh}"
    );
    let en = kefu("en_US.UTF-8", &report);
    assert!(
        en.starts_with("error: database ") && en.contains("does not exist"),
        "{en}"
    );

    // A library's error (the store's) behind one of the command line's contexts.
    let db = dir.path().join("k.db");
    std::fs::write(
        dir.path().join("m.csv"),
        "time,buyer,account,sender,text\n\
        2026-11-11 10:00:00,b1,店:小美,buyer,在吗\n",
    )
    .unwrap();
    let ok = Command::new(env!("CARGO_BIN_EXE_kefu"))
        .args(["import", "--db", db.to_str().unwrap()])
        .arg(dir.path().join("m.csv"))
        .output()
        .unwrap();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let plan = [
        "plan",
        "run",
        "--db",
        db.to_str().unwrap(),
        "--month",
        "2026-11",
    ];
    let plan = [&plan[..], &["--store", "没有的店"]].concat();
    let zh = kefu("zh_CN.UTF-8", &plan);
    assert!(zh.contains("数据库中没有名为 `没有的店` 的店铺"), "{zh}");
    let en = kefu("en_US.UTF-8", &plan);
    assert!(
        en.contains("no store named `没有的店` in the database"),
        "{en}"
    );

    let bad_day = [
        "report",
        "--db",
        missing,
        "--from",
        "11/11",
        "--to",
        "2026-11-11",
    ];
    assert!(kefu("zh_CN.UTF-8", &bad_day).contains("--from `11/11`：日期应如 2026-11-11"));
}
