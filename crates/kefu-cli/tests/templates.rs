//! `kefu template KIND`: the templates a store fills in import as they are, and together
//! tell the example afternoon the spec's rules count by hand.

use serde_json::{Value, json};
use support::cli::kefu;

mod support;

#[test]
fn every_template_imports_as_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for kind in ["agents", "messages", "orders", "refunds", "ratings"] {
        let path = dir.path().join(format!("{kind}.csv"));
        let out = kefu(&["template", kind, "--output", path.to_str().unwrap()]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with('\u{feff}'), "{kind}: Excel needs the BOM");
        files.push(path);
    }
    let db = dir.path().join("k.db");
    let mut args = vec!["import", "--db", db.to_str().unwrap()];
    args.extend(files.iter().map(|f| f.to_str().unwrap()));
    let out = kefu(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = kefu(&[
        "report",
        "--db",
        db.to_str().unwrap(),
        "--from",
        "2026-11-03",
        "--to",
        "2026-11-03",
        "--by",
        "account",
        "--format",
        "json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Value = serde_json::from_slice(&out.stdout).unwrap();
    let row = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["account"] == "小美")
        .unwrap_or_else(|| panic!("{rows}"));
    // One buyer asked at 10:01:02, was answered 18 s later, ordered 199.00 at 10:05 and paid.
    assert_eq!(row["store"], json!("示例店铺"), "{row}");
    assert_eq!(row["consulted"], json!(1), "{row}");
    assert_eq!(row["inquiries"], json!(1), "{row}");
    assert_eq!(row["paid"], json!(1), "{row}");
    assert_eq!(row["sales"], json!(199.0), "{row}");
    assert_eq!(row["avg_first_response_secs"], json!(18.0), "{row}");
}

#[test]
fn an_unknown_kind_lists_the_kinds() {
    let out = kefu(&["template", "invoices", "--lang", "en"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("invoices") && err.contains("messages, orders, refunds, ratings, agents"),
        "{err}"
    );
    let out = kefu(&["template", "orders"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("\u{feff}订单号,买家,创建时间,金额,付款时间,关闭时间,件数,店铺,定金,"),
        "{text}"
    );
}
