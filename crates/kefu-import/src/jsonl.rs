//! JSON Lines: one object per line with the canonical field names as keys. The small path:
//! clarity over speed.

use std::borrow::Cow;
use std::collections::BTreeSet;

use kefu_core::localized::Said;
use serde_json::{Map, Value};

use crate::columns::{clean_header, columns, unknown_columns_warning};
use crate::{FileRun, ImportError};

const PROGRESS_EVERY: u64 = 1 << 13;

fn parse(line: &str) -> Result<Map<String, Value>, Said> {
    match serde_json::from_str::<Value>(line) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(other) => {
            let (zh, en) = match other {
                Value::Array(_) => ("数组", "an array"),
                Value::String(_) => ("字符串", "a string"),
                Value::Number(_) => ("数字", "a number"),
                Value::Bool(_) => ("布尔值", "a boolean"),
                _ => ("null", "null"),
            };
            Err(Said::new(
                format!("应为 JSON 对象（每行一个），实际是{zh}"),
                format!("expected a JSON object (one per line), found {en}"),
            ))
        }
        Err(e) => Err(Said::new(
            format!("不是有效的 JSON（{e}）"),
            format!("invalid JSON: {e}"),
        )),
    }
}

/// The objects of a file that is one JSON document: an array of objects, or an object that
/// holds one (an API response such as `{"data": {"list": [...]}}`, looked for breadth first,
/// three levels deep), each written back as one line. `None` for JSON Lines (several
/// documents) and for a single object that holds no such array.
fn rows_of_document(text: &str) -> Option<Vec<String>> {
    let t = text.trim_start();
    if !(t.starts_with('[') || t.starts_with('{')) {
        return None;
    }
    let doc: Value = serde_json::from_str(text).ok()?;
    let is_rows = |v: &Value| {
        v.as_array()
            .is_some_and(|a| !a.is_empty() && a.iter().all(Value::is_object))
    };
    let mut level = vec![&doc];
    for _ in 0..4 {
        if let Some(rows) = level.iter().find(|v| is_rows(v)).and_then(|v| v.as_array()) {
            return Some(rows.iter().map(Value::to_string).collect());
        }
        level = level
            .iter()
            .filter_map(|v| v.as_object())
            .flat_map(|o| o.values())
            .collect();
    }
    None
}

pub(crate) fn read(
    text: &str,
    run: &mut FileRun<'_, '_, '_>,
    progress: &dyn Fn(usize),
) -> Result<(), ImportError> {
    // A whole file that is one JSON array of objects, or an API response holding one: its
    // objects, numbered from 1, stand for the lines.
    let elements = rows_of_document(text);
    // (1-based line number, byte offset, line) of every line that is not blank.
    let mut offset = 0usize;
    let mut lines: Box<dyn Iterator<Item = (u64, usize, &str)>> = match &elements {
        Some(rows) => Box::new(
            rows.iter()
                .enumerate()
                .map(|(i, r)| (i as u64 + 1, 0, r.as_str())),
        ),
        None => Box::new(text.split('\n').enumerate().filter_map(move |(i, l)| {
            let start = offset;
            offset += l.len() + 1;
            let l = l.strip_suffix('\r').unwrap_or(l);
            (!l.trim().is_empty()).then_some((i as u64 + 1, start, l))
        })),
    };
    let Some((first_no, _, first)) = lines.next() else {
        return Err(ImportError::Empty {
            path: run.path().into(),
        });
    };
    let first_obj = parse(first).map_err(|reason| ImportError::Malformed {
        path: run.path().into(),
        line: first_no,
        reason: Said::new(
            format!("{}：文件的类型由第一个对象的键决定", reason.zh),
            format!("{reason}: the first object's keys tell what kind of file this is"),
        ),
    })?;
    let header: Vec<String> = first_obj
        .keys()
        .map(|k| clean_header(k).to_string())
        .collect();
    let layout = run.layout(&header, false)?;
    let cols = columns(layout.kind);
    let mut unknown: BTreeSet<String> = BTreeSet::new();
    let mut n: u64 = 0;
    let mut pending = Some((first_no, Ok(first_obj), first));
    loop {
        let (line_no, obj, line) = match pending.take() {
            Some(p) => p,
            None => match lines.next() {
                Some((no, start, l)) => {
                    n += 1;
                    if n.is_multiple_of(PROGRESS_EVERY) {
                        progress(start);
                    }
                    (no, parse(l), l)
                }
                None => break,
            },
        };
        let obj = match obj {
            Ok(o) => o,
            Err(reason) => {
                run.reject(line_no, reason.en, line.to_string());
                continue;
            }
        };
        let mut slots: Vec<Option<&Value>> = vec![None; cols.len()];
        for (key, value) in &obj {
            let key = clean_header(key);
            match cols.iter().position(|c| c.names.contains(&key)) {
                Some(k) => {
                    if let Some(slot) = slots.get_mut(k).filter(|s| s.is_none()) {
                        *slot = Some(value);
                    }
                }
                None => {
                    if !key.is_empty() && !unknown.contains(key) {
                        unknown.insert(key.to_string());
                    }
                }
            }
        }
        let mut owned: Vec<Cow<'_, str>> = Vec::with_capacity(cols.len());
        let mut wrong = None;
        for (k, slot) in slots.iter().enumerate() {
            owned.push(match slot {
                None | Some(Value::Null) => Cow::Borrowed(""),
                Some(Value::String(s)) => Cow::Borrowed(s.as_str()),
                Some(Value::Number(x)) => Cow::Owned(x.to_string()),
                // 咚咚's waiterSend.
                Some(Value::Bool(b)) if layout.kind == crate::FileKind::JdChats => {
                    Cow::Borrowed(if *b { "true" } else { "false" })
                }
                Some(other) => {
                    wrong = Some((k, other.to_string()));
                    Cow::Borrowed("")
                }
            });
        }
        if let Some((k, value)) = wrong {
            let column = layout.column_name(k, &header);
            let reason = "expected a string or a number".to_string();
            run.reject_value(line_no, &column, value, reason, line.to_string());
            continue;
        }
        let vals: Vec<&str> = owned.iter().map(|c| c.as_ref()).collect();
        run.row(&layout, &header, &vals, || line_no, || line.to_string())?;
    }
    if !unknown.is_empty() {
        let list: Vec<&str> = unknown.iter().map(String::as_str).collect();
        run.report.warnings.push(unknown_columns_warning(&list));
    }
    Ok(())
}
