//! `kefu qa eval`: the shipped rules against the labelled chats of `testdata/qa-eval`, and the
//! errors a malformed label file gets.

use std::path::{Path, PathBuf};

use serde_json::Value;
use support::cli::{kefu, ok};

mod support;

fn labelled(split: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/qa-eval")
        .join(split)
}

fn eval_json(dir: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["qa", "eval", dir.to_str().unwrap(), "--format", "json"];
    args.extend_from_slice(extra);
    serde_json::from_str(&ok(&args)).expect("json")
}

/// (chats, TP, FP, FN, TN) overall.
fn micro(v: &Value) -> (u64, u64, u64, u64, u64) {
    let m = &v["micro"];
    let n = |k: &str| m[k].as_u64().unwrap();
    (
        v["chats"].as_u64().unwrap(),
        n("tp"),
        n("fp"),
        n("fn"),
        n("tn"),
    )
}

/// A regression pin: what the engine of today scores on the labelled set, from
/// `kefu qa eval testdata/qa-eval/SPLIT`, never by changing labels to fit. Before the matching
/// engine of issue 15: precision 37 / 93 = 0.398 and recall 37 / 78 = 0.474 on dev, 15 / 37 =
/// 0.405 and 15 / 36 = 0.417 on the holdout. With its first round: 75 / 75 and 75 / 78 on dev,
/// 28 / 31 = 0.903 and 28 / 36 = 0.778 on the holdout. With the second round (tuned on dev and
/// dev2): dev 75 / 75 = 1.000 and 75 / 78 = 0.962 (the three misses are 会话结束未邀评, which the
/// shipped set switches off), dev2 57 / 57 and 57 / 57; measured once, never tuned on:
/// holdout 29 / 31 = 0.935 and 29 / 36 = 0.806, holdout2 23 / 25 = 0.920 and 23 / 23 = 1.000.
/// Round three wrote dev3 and holdout3 first (the engine of round two scored dev3 42 / 56 =
/// 0.750 and 42 / 44 = 0.955, holdout3 36 / 43 = 0.837 and 36 / 37 = 0.973), then tuned on dev,
/// dev2 and dev3 only: dev3 44 / 44 and 44 / 44; measured once: holdout 31 / 32 = 0.969 and
/// 31 / 36 = 0.861, holdout2 23 / 24 = 0.958 and 23 / 23, holdout3 36 / 41 = 0.878 and 36 / 37
/// = 0.973. Round four wrote dev4 first (the engine of round three scored it 41 / 62 = 0.661 and
/// 41 / 49 = 0.837), then tuned on dev..dev4 and probe sentences only: dev4 49 / 49 and 49 / 49;
/// measured once: the three holdouts exactly as after round three. holdout4 (194 chats) was
/// written by a hand that never read the rules nor the other sets, after round four; measured
/// once on the engine of round four: 86 / 99 = 0.869 and 86 / 93 = 0.925. Round five wrote
/// dev5 (87 chats) first, from holdout4's per-class and per-rule table only (so holdout4 is no
/// longer fully independent), put every wait on the service clock of `metrics.md` §1 (v2) and
/// tuned on dev..dev5 only: dev5 38 / 38 and 38 / 38; measured once: holdout unchanged,
/// holdout2 23 / 25 = 0.920 and 23 / 23 (one false alarm more: 慢回复, timing), holdout3
/// 36 / 42 = 0.857 and 36 / 37 = 0.973 (likewise one 慢回复 more), holdout4 92 / 99 = 0.929
/// and 92 / 93 = 0.989. holdout5 (200 chats) was written after round five by a hand that never
/// read the rules, the engine nor the other sets (its four unpaid-order chats given `order`
/// lines before the first run); measured once on the engine of round five: 88 / 95 = 0.926
/// and 88 / 96 = 0.917. Then the shipped set gave the night's queue 10 minutes after opening
/// (`opening_grace_minutes`, for the demo store's rate, not from any labelled chat): every dev
/// split unchanged; holdout2 23 / 24 and holdout3 36 / 41 (one 慢回复 false alarm fewer each),
/// holdout5 87 / 94 = 0.926 and 87 / 96 = 0.906 (one 慢回复 miss more).
#[test]
fn the_shipped_rules_on_the_labelled_set() {
    let dev = eval_json(&labelled("dev"), &[]);
    assert_eq!(micro(&dev), (170, 75, 0, 3, 158));
    assert_eq!(dev["files"], 6);
    assert_eq!(dev["judgements"], 236);
    assert_eq!(dev["wrong"].as_array().unwrap().len(), 3);
    let dev2 = eval_json(&labelled("dev2"), &[]);
    assert_eq!(micro(&dev2), (135, 57, 0, 0, 98));
    assert_eq!(dev2["files"], 6);
    assert_eq!(dev2["wrong"].as_array().unwrap().len(), 0);
    let dev3 = eval_json(&labelled("dev3"), &[]);
    assert_eq!(micro(&dev3), (110, 44, 0, 0, 92));
    assert_eq!(dev3["files"], 6);
    assert_eq!(dev3["wrong"].as_array().unwrap().len(), 0);
    let dev4 = eval_json(&labelled("dev4"), &[]);
    assert_eq!(micro(&dev4), (137, 49, 0, 0, 107));
    assert_eq!(dev4["files"], 6);
    assert_eq!(dev4["judgements"], 156);
    assert_eq!(dev4["wrong"].as_array().unwrap().len(), 0);
    let dev5 = eval_json(&labelled("dev5"), &[]);
    assert_eq!(micro(&dev5), (87, 38, 0, 0, 57));
    assert_eq!(dev5["files"], 6);
    assert_eq!(dev5["judgements"], 95);
    assert_eq!(dev5["wrong"].as_array().unwrap().len(), 0);
    let holdout = eval_json(&labelled("holdout"), &[]);
    assert_eq!(micro(&holdout), (81, 31, 1, 5, 73));
    let holdout2 = eval_json(&labelled("holdout2"), &[]);
    assert_eq!(micro(&holdout2), (53, 23, 1, 0, 36));
    let holdout3 = eval_json(&labelled("holdout3"), &[]);
    assert_eq!(micro(&holdout3), (86, 36, 5, 1, 63));
    assert_eq!(holdout3["files"], 6);
    let holdout4 = eval_json(&labelled("holdout4"), &[]);
    assert_eq!(micro(&holdout4), (194, 92, 7, 1, 155));
    assert_eq!(holdout4["files"], 7);
    let holdout5 = eval_json(&labelled("holdout5"), &[]);
    assert_eq!(micro(&holdout5), (200, 87, 7, 9, 130));
    assert_eq!(holdout5["files"], 7);
    assert_eq!(holdout5["judgements"], 233);

    // The whole directory is the ten splits together, walked recursively.
    let all = eval_json(&labelled(""), &[]);
    assert_eq!(micro(&all), (1253, 532, 21, 19, 969));
    assert_eq!(all["files"], 62);
    let p = all["micro"]["precision"].as_f64().unwrap();
    assert!((p - 532.0 / 553.0).abs() < 1e-12, "micro precision {p}");

    // Micro is the sum over rules, not their mean.
    let rules = all["rules"].as_array().unwrap();
    let sum = |k: &str| rules.iter().map(|r| r[k].as_u64().unwrap()).sum::<u64>();
    assert_eq!(
        (sum("tp"), sum("fp"), sum("fn"), sum("tn")),
        (532, 21, 19, 969)
    );
    // Every class of the issue is there, in every split.
    for split in [
        &dev, &dev2, &dev3, &dev4, &dev5, &holdout, &holdout2, &holdout3, &holdout4, &holdout5,
    ] {
        let classes: Vec<&str> = split["classes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["class"].as_str().unwrap())
            .collect();
        for c in [
            "normalisation",
            "boundaries",
            "negation",
            "context",
            "timing",
            "clean",
        ] {
            assert!(classes.contains(&c), "class {c}");
        }
    }
    // A wrong judgement names its file (relative, with the split), line, rule and outcome.
    let wrong = all["wrong"].as_array().unwrap();
    let w = wrong
        .iter()
        .find(|w| w["chat"] == "no_invite_at_all")
        .expect("the rating invitation rule is off in the shipped set");
    assert_eq!(w["file"], "dev/timing.toml");
    assert_eq!(w["line"], 216);
    assert_eq!(w["rule"], "no_rating_invite");
    assert_eq!(
        (&w["expected"], &w["got"]),
        (&"fire".into(), &"quiet".into())
    );
    // 滚 in 行李箱的滚轮 was a false alarm before the engine's boundaries.
    assert!(!wrong.iter().any(|w| w["chat"] == "gun_in_wheel"));
}

#[test]
fn the_table_gives_n_a_for_a_rule_that_never_fired() {
    let out = ok(&["qa", "eval", labelled("dev").to_str().unwrap()]);
    assert!(out.starts_with("170 labelled chats in 6 files, 236 judgements"));
    // 会话结束未邀评 is off in the shipped set: it never fires on the chats that name it,
    // precision n/a, recall 0.
    let line = out
        .lines()
        .find(|l| l.contains(" no_rating_invite "))
        .expect("no_rating_invite row");
    let cells: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(
        &cells[cells.len() - 6..],
        ["0", "0", "3", "6", "n/a", "0.000"]
    );
    let micro = out.lines().find(|l| l.starts_with("micro")).unwrap();
    assert!(
        micro.ends_with("75   0   3  158      1.000   0.962"),
        "{micro}"
    );
    let wrong = out
        .lines()
        .find(|l| l.starts_with("timing.toml:216 "))
        .expect("a wrong chat, named by its file relative to the directory");
    assert!(
        wrong.contains("no_invite_at_all") && wrong.contains("must fire"),
        "{wrong}"
    );
}

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[test]
fn malformed_labels_are_errors_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "a/good.toml",
        "[[chat]]\nid = \"x\"\nmust_fire = [\"forbidden_phrases\"]\nchat = \"\"\"\nbuyer 10:00 在吗\nagent 10:01 随便你\n\"\"\"\n",
    );
    write(
        dir.path(),
        "b/bad.toml",
        "[[chat]]\nid = \"y\"\nmust_fire = [\"forbiden_phrases\"]\nchat = \"\"\"\nbuyer 10:00 在吗\nagnet 10:01 随便你\n\"\"\"\n",
    );
    write(dir.path(), "notes.txt", "not a label file");
    let out = kefu(&["qa", "eval", dir.path().to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("b/bad.toml: line 6: chat y: start with buyer, agent"),
        "{err}"
    );
    assert!(!err.contains("good.toml"), "{err}");

    // With the chat line fixed, the unknown rule is the error, on the line of its list.
    write(
        dir.path(),
        "b/bad.toml",
        "[[chat]]\nid = \"y\"\nmust_fire = [\"forbiden_phrases\"]\nchat = \"\"\"\nbuyer 10:00 在吗\nagent 10:01 随便你\n\"\"\"\n",
    );
    let out = kefu(&["qa", "eval", dir.path().to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("b/bad.toml: line 3: chat y: the rule set has no rule forbiden_phrases"),
        "{err}"
    );

    // Fixed: both files are measured, the one chat of each fires.
    write(
        dir.path(),
        "b/bad.toml",
        "[[chat]]\nid = \"y\"\nmust_fire = [\"forbidden_phrases\"]\nchat = \"\"\"\nbuyer 10:00 在吗\nagent 10:01 随便你\n\"\"\"\n",
    );
    let v = eval_json(dir.path(), &[]);
    assert_eq!(micro(&v), (2, 2, 0, 0, 0));
    assert_eq!(v["micro"]["precision"], 1.0);

    // A rule set without the rule: the labels are errors, not silent zeros.
    let rules = dir.path().join("rules.txt");
    std::fs::write(
        &rules,
        "[[rule]]\nid = \"only\"\nkind = \"slow_round\"\ncategory = \"responsiveness\"\nseverity = \"low\"\nscore = -1\nseconds = 60\n",
    )
    .unwrap();
    let out = kefu(&[
        "qa",
        "eval",
        dir.path().to_str().unwrap(),
        "--rules",
        rules.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("a/good.toml: line 3: chat x: the rule set has no rule forbidden_phrases"),
        "{err}"
    );

    // Chinese messages too.
    let out = kefu(&[
        "--lang",
        "zh",
        "qa",
        "eval",
        dir.path().to_str().unwrap(),
        "--rules",
        rules.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("a/good.toml: 第 3 行：聊天 x：规则集中没有规则 forbidden_phrases"),
        "{err}"
    );
}

#[test]
fn a_directory_without_labels_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = kefu(&["qa", "eval", dir.path().to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no labelled .toml files"));
    let missing = dir.path().join("nope");
    let out = kefu(&["qa", "eval", missing.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not a directory or file"));
}

#[test]
fn one_file_can_be_measured_alone() {
    let file = labelled("holdout").join("timing.toml");
    let v = eval_json(&file, &[]);
    assert_eq!(v["files"], 1);
    let (chats, tp, fp, fn_, tn) = micro(&v);
    assert_eq!(chats, 16);
    assert_eq!(tp + fp + fn_ + tn, v["judgements"].as_u64().unwrap());
    // Its wrong chats are named by the file's own name.
    let wrong = v["wrong"].as_array().unwrap();
    assert!(!wrong.is_empty());
    assert!(wrong.iter().all(|w| w["file"] == "timing.toml"));
}
