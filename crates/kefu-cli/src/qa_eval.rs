//! `kefu qa eval DIR`: the rules against labelled chats — finding the files and printing; the
//! parsing and the arithmetic are `kefu_qa::rules::{parse_labelled, Accuracy}`.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::ValueEnum;
use kefu_core::settings::MetricSettings;
use kefu_qa::rules::{Accuracy, Counts, LabelError, RuleSet, parse_labelled, unknown_rules};
use kefu_report::{Lang, aligned};
use serde_json::{Value, json};

use crate::said::{ctx, said};

#[derive(Clone, Copy, ValueEnum)]
pub enum EvalFormat {
    Table,
    Json,
}

/// Every `*.toml` under `dir`, recursively, in path order.
fn label_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        let entries =
            std::fs::read_dir(&d).with_context(ctx!("读取目录 {}", "reading {}", d.display()))?;
        for e in entries {
            let path = e
                .with_context(ctx!("读取目录 {}", "reading {}", d.display()))?
                .path();
            if path.is_dir() {
                todo.push(path);
            } else if path.extension().is_some_and(|x| x == "toml") {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// A file's name as reported: relative to the directory evaluated, `/`-separated.
fn source_name(dir: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(dir).unwrap_or(file);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Reads, checks and judges every labelled chat under `dir` (or in it, when it is a file). Every mistake of every file is
/// reported together, and then nothing is measured.
pub fn measure(dir: &Path, set: &RuleSet) -> Result<(Accuracy, usize)> {
    // One file may be measured alone; it is then named by its own name.
    let (files, dir) = if dir.is_file() {
        (
            vec![dir.to_path_buf()],
            dir.parent().unwrap_or(Path::new("")),
        )
    } else if dir.is_dir() {
        (label_files(dir)?, dir)
    } else {
        return Err(said!(
            "{} 不是目录或文件",
            "{} is not a directory or file",
            dir.display()
        ));
    };
    if files.is_empty() {
        return Err(said!(
            "{} 下没有 .toml 标注文件",
            "no labelled .toml files under {}",
            dir.display()
        ));
    }
    let window = MetricSettings::default().reminder_window_hours;
    let mut problems: Vec<(String, LabelError)> = Vec::new();
    let mut parsed = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).with_context(ctx!(
            "读取 {}",
            "reading {}",
            file.display()
        ))?;
        let class = file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let name = source_name(dir, file);
        match parse_labelled(&text, &class, window) {
            Ok(chats) => {
                problems.extend(
                    unknown_rules(&chats, set)
                        .into_iter()
                        .map(|e| (name.clone(), e)),
                );
                parsed.push((name, chats));
            }
            Err(errors) => problems.extend(errors.into_iter().map(|e| (name.clone(), e))),
        }
    }
    if !problems.is_empty() {
        let list = |en: bool| {
            problems
                .iter()
                .map(|(file, e)| format!("  {file}: {}", e.describe(en)))
                .collect::<Vec<_>>()
                .join("\n")
        };
        return Err(anyhow::Error::new(crate::said::Said::new(
            format!("标注文件有误：\n{}", list(false)),
            format!("mistakes in labelled files:\n{}", list(true)),
        )));
    }
    let mut acc = Accuracy::default();
    for (name, chats) in &parsed {
        for chat in chats {
            acc.add(name, chat, set);
        }
    }
    Ok((acc, files.len()))
}

fn ratio(x: Option<f64>) -> String {
    x.map_or("n/a".to_string(), |v| format!("{v:.3}"))
}

fn count_cells(c: &Counts) -> Vec<String> {
    vec![
        c.tp.to_string(),
        c.fp.to_string(),
        c.fn_.to_string(),
        c.tn.to_string(),
        ratio(c.precision()),
        ratio(c.recall()),
    ]
}

pub fn to_table(acc: &Accuracy, files: usize, set: &RuleSet, lang: Lang) -> String {
    let en = lang == Lang::En;
    let micro = acc.micro();
    let mut out = if en {
        format!(
            "{} labelled chats in {files} files, {} judgements\n\n",
            acc.chats,
            micro.judgements()
        )
    } else {
        format!(
            "{} 段标注聊天，{files} 个文件，{} 个判断\n\n",
            acc.chats,
            micro.judgements()
        )
    };
    let head = |first: &str| {
        let mut h = vec![first.to_string()];
        h.extend(["TP", "FP", "FN", "TN"].map(String::from));
        h.push(lang.t("精确率", "precision").to_string());
        h.push(lang.t("召回率", "recall").to_string());
        h
    };
    let mut rows = vec![{
        let mut h = head(lang.t("规则", "rule"));
        h.insert(1, "id".to_string());
        h
    }];
    for (id, c) in &acc.rules {
        let title = set
            .rules()
            .iter()
            .find(|r| &r.id == id)
            .map_or(id.as_str(), |r| r.title(en));
        let mut row = vec![title.to_string(), id.clone()];
        row.extend(count_cells(c));
        rows.push(row);
    }
    let mut total = vec![
        lang.t("合计（微平均）", "micro (all rules)").to_string(),
        String::new(),
    ];
    total.extend(count_cells(&micro));
    rows.push(total);
    out.push_str(&aligned(&rows, 2));
    out.push('\n');
    let mut rows = vec![head(lang.t("类别", "class"))];
    for (class, c) in &acc.classes {
        let mut row = vec![class.clone()];
        row.extend(count_cells(c));
        rows.push(row);
    }
    out.push_str(&aligned(&rows, 1));
    out.push('\n');
    out.push_str(&format!(
        "{}: {}\n",
        lang.t("判错", "wrong"),
        acc.wrong.len()
    ));
    let mut rows = Vec::new();
    for w in &acc.wrong {
        let (expected, got) = if w.expected {
            (lang.t("应命中", "must fire"), lang.t("未命中", "did not"))
        } else {
            (lang.t("不应命中", "must not fire"), lang.t("命中", "fired"))
        };
        let mut detail = w
            .messages
            .iter()
            .map(|m| format!("#{}", m + 1))
            .collect::<Vec<_>>()
            .join(" ");
        for m in &w.matched {
            detail.push_str(&format!(" 【{m}】"));
        }
        rows.push(vec![
            format!("{}:{}", w.source, w.line),
            w.chat.clone(),
            w.rule.clone(),
            expected.to_string(),
            got.to_string(),
            detail.trim().to_string(),
        ]);
    }
    // The last column is padded like the others; trailing blanks help nobody.
    for line in aligned(&rows, 6).lines() {
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn counts_json(c: &Counts) -> Value {
    json!({
        "tp": c.tp, "fp": c.fp, "fn": c.fn_, "tn": c.tn,
        "precision": c.precision(), "recall": c.recall(),
    })
}

pub fn to_json(acc: &Accuracy, files: usize) -> Value {
    let micro = acc.micro();
    let keyed = |list: &[(String, Counts)], key: &str| -> Vec<Value> {
        list.iter()
            .map(|(k, c)| {
                let mut v = counts_json(c);
                v[key] = json!(k);
                v
            })
            .collect()
    };
    let wrong: Vec<Value> = acc
        .wrong
        .iter()
        .map(|w| {
            json!({
                "file": w.source, "line": w.line, "chat": w.chat, "class": w.class,
                "rule": w.rule,
                "expected": if w.expected { "fire" } else { "quiet" },
                "got": if w.expected { "quiet" } else { "fire" },
                "messages": w.messages.iter().map(|m| m + 1).collect::<Vec<_>>(),
                "matched": w.matched,
            })
        })
        .collect();
    json!({
        "files": files,
        "chats": acc.chats,
        "judgements": micro.judgements(),
        "micro": counts_json(&micro),
        "rules": keyed(&acc.rules, "id"),
        "classes": keyed(&acc.classes, "class"),
        "wrong": wrong,
    })
}
