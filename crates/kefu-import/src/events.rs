//! Live events: JSON Lines in which every line carries its own kind (`docs/formats.md`,
//! "Live events"), as `POST /api/v1/events` takes them. Each line is read exactly as a line
//! of a JSON Lines file of its kind; a bad line is named (line, field, both languages) and
//! the good ones are kept.

use std::borrow::Cow;

use kefu_core::localized::Said;
use kefu_core::model::ImportBatch;
use kefu_core::settings::Config;
use serde_json::{Map, Value};

use crate::FileKind;
use crate::columns::{clean_header, columns};
use crate::convert::{RowFail, Sink};

/// The kinds a live event may have, by the name its `kind` field gives.
pub const EVENT_KINDS: [(&str, FileKind); 4] = [
    ("message", FileKind::Messages),
    ("order", FileKind::Orders),
    ("refund", FileKind::Refunds),
    ("rating", FileKind::Ratings),
];

/// A line that was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventError {
    /// 1-based line of the body.
    pub line: u64,
    /// The field at fault (as the canonical format names it), when one is.
    pub field: Option<String>,
    /// Why, in both languages.
    pub reason: Said,
}

/// What a body of live events read into.
#[derive(Debug, Default)]
pub struct EventsRead {
    /// The accepted events, all in the one store.
    pub batch: ImportBatch,
    /// The accepted lines as they came, one per line: what is queued and read again to fold.
    pub accepted: String,
    /// Lines that were not blank.
    pub lines: u64,
    pub accepted_lines: u64,
    pub errors: Vec<EventError>,
}

fn kind_of(name: &str) -> Option<FileKind> {
    let name = name.trim().to_ascii_lowercase();
    let singular = name.strip_suffix('s').unwrap_or(&name);
    EVENT_KINDS
        .iter()
        .find(|(k, _)| *k == singular)
        .map(|(_, kind)| *kind)
}

/// The canonical name of column `k` of a kind's columns.
fn col_name(cols: &[crate::columns::Col], k: usize) -> &'static str {
    cols.get(k)
        .and_then(|c| c.names.first())
        .copied()
        .unwrap_or("")
}

fn said_of_value(v: &Value) -> (&'static str, &'static str) {
    match v {
        Value::Array(_) => ("数组", "an array"),
        Value::String(_) => ("字符串", "a string"),
        Value::Number(_) => ("数字", "a number"),
        Value::Bool(_) => ("布尔值", "a boolean"),
        Value::Object(_) => ("对象", "an object"),
        Value::Null => ("null", "null"),
    }
}

/// Reads a body of live events for `store`: every line is written to that store (a line
/// naming another store in its `store` field is refused), times read in the store's time
/// zone of `config`. At most `max_errors` errors are kept (all lines are still read).
pub fn read_events(text: &str, config: &Config, store: &str, max_errors: usize) -> EventsRead {
    let mut sink = Sink::new(config, Some(store));
    let mut out = EventsRead::default();
    let fail = |out: &mut EventsRead, line: u64, field: Option<&str>, reason: Said| {
        if out.errors.len() < max_errors {
            out.errors.push(EventError {
                line,
                field: field.map(str::to_string),
                reason,
            });
        }
    };
    for (i, raw) in text.split('\n').enumerate() {
        let line_no = i as u64 + 1;
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if line.trim().is_empty() {
            continue;
        }
        out.lines += 1;
        let obj: Map<String, Value> = match serde_json::from_str::<Value>(line) {
            Ok(Value::Object(m)) => m,
            Ok(other) => {
                let (zh, en) = said_of_value(&other);
                let reason = Said::new(
                    format!("应为 JSON 对象（每行一个），实际是{zh}"),
                    format!("expected a JSON object (one per line), found {en}"),
                );
                fail(&mut out, line_no, None, reason);
                continue;
            }
            Err(e) => {
                let reason = Said::new(
                    format!("不是有效的 JSON（{e}）"),
                    format!("invalid JSON: {e}"),
                );
                fail(&mut out, line_no, None, reason);
                continue;
            }
        };
        let kinds = || {
            EVENT_KINDS
                .iter()
                .map(|(k, _)| *k)
                .collect::<Vec<_>>()
                .join(", ")
        };
        let kind = match obj.get("kind") {
            Some(Value::String(k)) => match kind_of(k) {
                Some(kind) => kind,
                None => {
                    let reason = Said::new(
                        format!("未知的事件类型：应为 {} 之一", kinds()),
                        format!("unknown kind: expected one of {}", kinds()),
                    );
                    fail(&mut out, line_no, Some("kind"), reason);
                    continue;
                }
            },
            _ => {
                let reason = Said::new(
                    format!("缺少事件类型 kind（{} 之一）", kinds()),
                    format!("missing `kind` ({})", kinds()),
                );
                fail(&mut out, line_no, Some("kind"), reason);
                continue;
            }
        };
        let cols = columns(kind);
        let mut slots: Vec<Option<&Value>> = vec![None; cols.len()];
        let mut other_store = None;
        for (key, value) in &obj {
            let key = clean_header(key);
            if key == "kind" {
                continue;
            }
            if let Some(k) = cols.iter().position(|c| c.names.contains(&key)) {
                if col_name(cols, k) == "store" {
                    let named = match value {
                        Value::String(s) => s.trim(),
                        _ => "",
                    };
                    if !named.is_empty() && named != store {
                        other_store = Some(named.to_string());
                    }
                    continue;
                }
                if let Some(slot) = slots.get_mut(k).filter(|s| s.is_none()) {
                    *slot = Some(value);
                }
            }
        }
        if let Some(other) = other_store {
            let reason = Said::new(
                format!("此令牌只能写入店铺「{store}」，不能写入「{other}」"),
                format!("this token writes to store `{store}` only, not `{other}`"),
            );
            fail(&mut out, line_no, Some("store"), reason);
            continue;
        }
        let mut vals: Vec<Cow<'_, str>> = Vec::with_capacity(cols.len());
        let mut wrong = None;
        for (k, slot) in slots.iter().enumerate() {
            vals.push(match slot {
                None | Some(Value::Null) => Cow::Borrowed(""),
                Some(Value::String(s)) => Cow::Borrowed(s.as_str()),
                Some(Value::Number(x)) => Cow::Owned(x.to_string()),
                Some(_) => {
                    wrong.get_or_insert(k);
                    Cow::Borrowed("")
                }
            });
        }
        if let Some(k) = wrong {
            let reason = Said::new("应为字符串或数字", "expected a string or a number");
            fail(&mut out, line_no, Some(col_name(cols, k)), reason);
            continue;
        }
        let vals: Vec<&str> = vals.iter().map(|c| c.as_ref()).collect();
        match sink.row(kind, &vals) {
            Ok(()) => {
                out.accepted_lines += 1;
                if !out.accepted.is_empty() {
                    out.accepted.push('\n');
                }
                out.accepted.push_str(line);
            }
            Err(RowFail::Bad { col, reason }) => {
                let field = col.map(|c| col_name(cols, c));
                let said = Said::new(crate::messages::reason_zh(&reason), reason);
                fail(&mut out, line_no, field, said);
            }
            Err(RowFail::TextFull) => {
                let reason = Said::new(
                    "这一批的文字太多：请分成较小的批次",
                    "too much text in one batch: send smaller batches",
                );
                fail(&mut out, line_no, None, reason);
            }
        }
    }
    out.batch = std::mem::take(&mut sink.batch);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &str = r#"{"kind":"message","time":"2026-11-11 10:00:00","buyer":"tb_a","account":"客服1","sender":"buyer","text":"在吗","msg_id":"m1"}
{"kind":"message","time":"2026-11-11 10:00:30","buyer":"tb_a","account":"客服1","sender":"agent","text":"在的","msg_id":"m2"}

{"kind":"order","order_id":"o1","buyer":"tb_a","created_at":"2026-11-11 10:05:00","amount":"199.00"}
{"kind":"message","time":"yesterday","buyer":"tb_b","account":"客服1","sender":"buyer"}
{"kind":"parcel","id":1}
not json
{"kind":"rating","time":"2026-11-11 10:10:00","buyer":"tb_a","account":"客服1","score":5,"store":"别的店"}
{"kind":"refund","refund_id":"r1","order_id":"o1","buyer":"tb_a","requested_at":"2026-11-11 11:00:00","amount":50,"store":"店A"}"#;

    #[test]
    fn good_lines_are_kept_and_each_bad_line_is_named_with_its_field() {
        let config = Config::default();
        let read = read_events(BODY, &config, "店A", 100);
        assert_eq!(read.lines, 8);
        assert_eq!(read.accepted_lines, 4);
        assert_eq!(read.batch.messages.len(), 2);
        assert_eq!(read.batch.orders.len(), 1);
        assert_eq!(read.batch.refunds.len(), 1);
        assert_eq!(read.batch.ratings.len(), 0);
        let at: Vec<(u64, Option<&str>)> = read
            .errors
            .iter()
            .map(|e| (e.line, e.field.as_deref()))
            .collect();
        assert_eq!(
            at,
            vec![
                (5, Some("time")),
                (6, Some("kind")),
                (7, None),
                (8, Some("store"))
            ]
        );
        for e in &read.errors {
            assert!(
                e.reason
                    .zh
                    .chars()
                    .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
            );
            assert!(!e.reason.en.is_empty());
        }
        // Every event is the token's store's.
        let store = read.batch.names.name(read.batch.messages[0].store);
        assert_eq!(store, "店A");
        // The accepted lines read again to the same events.
        let again = read_events(&read.accepted, &config, "店A", 100);
        assert_eq!(again.errors, vec![]);
        assert_eq!(again.accepted_lines, 4);
        assert_eq!(again.accepted, read.accepted);
    }

    #[test]
    fn errors_kept_are_bounded_but_every_line_is_read() {
        let body = "x\n".repeat(50);
        let read = read_events(&body, &Config::default(), "s", 3);
        assert_eq!(read.lines, 50);
        assert_eq!(read.errors.len(), 3);
    }
}
