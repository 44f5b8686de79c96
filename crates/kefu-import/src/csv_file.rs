//! Delimited text (CSV, or TSV as Excel re-saves it): the fast path for big message files.
//!
//! Two threads share the work: one splits the text into records and copies the values of the
//! columns the kind reads into chunks of a few thousand rows; the calling thread converts
//! them (times, money, interning) into the batch. Row order is kept, so message `seq`s follow
//! the file.

use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use csv::{ByteRecord, ReaderBuilder};

use crate::columns::{Layout, MAX_COLS, clean_header};
use crate::{FileRun, ImportError};

/// Rows per chunk handed from the splitting thread to the converting one.
const CHUNK_ROWS: usize = 8192;
/// How many rows pass between two progress reports.
const PROGRESS_EVERY: u64 = 1 << 16;

/// Physical line numbers, counted only when a bad row needs one (rows may span lines inside
/// quotes, and the CSV reader's own count is off after CRLF and blank lines).
struct Lines<'t> {
    text: &'t [u8],
    offset: usize,
    line: u64,
}

impl Lines<'_> {
    /// The 1-based line of byte `at`; cheap when `at` moves forwards between calls.
    fn at(&mut self, at: usize) -> u64 {
        let at = at.min(self.text.len());
        if at < self.offset {
            self.offset = 0;
            self.line = 1;
        }
        let newlines = self
            .text
            .get(self.offset..at)
            .map_or(0, |s| s.iter().filter(|&&b| b == b'\n').count());
        self.line += newlines as u64;
        self.offset = at;
        self.line
    }
}

fn raw(text: &str, start: u64, end: u64) -> String {
    let (start, end) = (start as usize, end as usize);
    text.get(start..end.min(text.len()))
        .unwrap_or("")
        .trim_matches(['\r', '\n'])
        .to_string()
}

/// What the splitting thread found in one record.
#[derive(Clone, Copy)]
enum Shape {
    /// As many fields as the header: its values are in the chunk.
    Ok,
    /// Another number of fields.
    Fields(usize),
}

#[derive(Clone, Copy)]
struct RowMeta {
    start: u64,
    end: u64,
    shape: Shape,
}

/// Rows split but not yet converted: for rows of shape `Ok`, `width` values each, stored one
/// after the other in `vals` and delimited by `ends`.
#[derive(Default)]
struct Chunk {
    vals: String,
    ends: Vec<usize>,
    rows: Vec<RowMeta>,
}

enum Msg {
    Rows(Chunk),
    Failed { at: u64, reason: String },
}

pub(crate) fn read(
    text: &str,
    run: &mut FileRun<'_, '_>,
    progress: &dyn Fn(usize),
) -> Result<(), ImportError> {
    if text.trim().is_empty() {
        return Err(ImportError::Empty {
            path: run.path().into(),
        });
    }
    let first_line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let delimiter = if first_line.contains('\t') && !first_line.contains(',') {
        b'\t'
    } else {
        b','
    };
    let mut rdr = ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .delimiter(delimiter)
        .buffer_capacity(1 << 20)
        .from_reader(text.as_bytes());
    let header: Vec<String> = match rdr.byte_headers() {
        Ok(h) => h
            .iter()
            .map(|f| clean_header(&String::from_utf8_lossy(f)).to_string())
            .collect(),
        Err(e) => {
            let reason = format!("cannot read the header: {e}");
            return Err(ImportError::Malformed {
                path: run.path().into(),
                line: 1,
                reason,
            });
        }
    };
    let layout = run.layout(&header, true)?;
    let map = layout.map.clone();
    let ncols = header.len();
    std::thread::scope(|s| {
        let (tx, rx) = sync_channel::<Msg>(4);
        let (back_tx, back_rx) = sync_channel::<Chunk>(8);
        let body = rdr.position().byte() as usize;
        s.spawn(move || split(text, body, delimiter, &map, ncols, tx, back_rx));
        convert(text, run, &layout, &header, rx, back_tx, progress)
    })
}

/// Records of delimited text, one at a time.
///
/// Lines without a quote character (nearly all lines of a chat export) are cut at the
/// delimiter directly: their fields are slices of the already-validated text, with no copy and
/// no second UTF-8 check. A line with a quote, or a stray carriage return, goes through the
/// CSV reader, which handles quoting and line breaks inside quotes.
struct Records<'t> {
    text: &'t str,
    pos: usize,
    delimiter: u8,
}

impl<'t> Records<'t> {
    fn new(text: &'t str, pos: usize, delimiter: u8) -> Self {
        Records {
            text,
            pos,
            delimiter,
        }
    }

    /// The next record; `Err((at, reason))` when the text cannot be read as CSV from `at`.
    fn next_record(
        &mut self,
        fields: &mut Vec<std::borrow::Cow<'t, str>>,
    ) -> Option<Result<(usize, usize), (usize, String)>> {
        let bytes = self.text.as_bytes();
        // Blank lines are not records.
        while matches!(bytes.get(self.pos), Some(b'\r' | b'\n')) {
            self.pos += 1;
        }
        if self.pos >= bytes.len() {
            return None;
        }
        let start = self.pos;
        let rest = bytes.get(start..).unwrap_or_default();
        let line_end = memchr::memchr(b'\n', rest).map_or(bytes.len(), |i| start + i);
        let mut line = self.text.get(start..line_end).unwrap_or_default();
        if let Some(l) = line.strip_suffix('\r') {
            line = l;
        }
        fields.clear();
        let plain = memchr::memchr2(b'"', b'\r', line.as_bytes()).is_none();
        if plain {
            // One vectorised pass finds every delimiter; an ASCII delimiter always falls on a
            // character boundary, so the slices below never fail.
            let mut from = 0;
            for at in memchr::memchr_iter(self.delimiter, line.as_bytes()) {
                fields.push(std::borrow::Cow::Borrowed(line.get(from..at).unwrap_or("")));
                from = at + 1;
            }
            fields.push(std::borrow::Cow::Borrowed(line.get(from..).unwrap_or("")));
            self.pos = (line_end + 1).min(bytes.len());
            return Some(Ok((start, line_end)));
        }
        let mut rdr = ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(self.delimiter)
            .from_reader(rest);
        let mut rec = ByteRecord::new();
        match rdr.read_byte_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => return None,
            Err(e) => return Some(Err((start, format!("cannot read CSV: {e}")))),
        }
        let consumed = (rdr.position().byte() as usize).max(1);
        let end = (start + consumed).min(bytes.len());
        self.pos = end;
        for f in rec.iter() {
            // The text is valid UTF-8 and the reader only removes ASCII quotes, so this holds.
            fields.push(std::borrow::Cow::Owned(
                String::from_utf8_lossy(f).into_owned(),
            ));
        }
        Some(Ok((start, end)))
    }
}

/// The splitting thread: records → chunks of values.
fn split(
    text: &str,
    body: usize,
    delimiter: u8,
    map: &[Option<usize>],
    ncols: usize,
    tx: SyncSender<Msg>,
    back: Receiver<Chunk>,
) {
    let mut records = Records::new(text, body, delimiter);
    let mut fields = Vec::with_capacity(ncols);
    let mut chunk = Chunk::default();
    while let Some(next) = records.next_record(&mut fields) {
        let (start, end) = match next {
            Ok(span) => span,
            Err((at, reason)) => {
                let _ = tx.send(Msg::Failed {
                    at: at as u64,
                    reason,
                });
                return;
            }
        };
        let shape = if fields.len() != ncols {
            Shape::Fields(fields.len())
        } else {
            for idx in map {
                let v = idx.and_then(|i| fields.get(i)).map_or("", |f| f.as_ref());
                chunk.vals.push_str(v);
                chunk.ends.push(chunk.vals.len());
            }
            Shape::Ok
        };
        chunk.rows.push(RowMeta {
            start: start as u64,
            end: end as u64,
            shape,
        });
        if chunk.rows.len() >= CHUNK_ROWS {
            let mut next = back.try_recv().unwrap_or_default();
            next.vals.clear();
            next.ends.clear();
            next.rows.clear();
            if tx
                .send(Msg::Rows(std::mem::replace(&mut chunk, next)))
                .is_err()
            {
                return; // The converting side stopped.
            }
        }
    }
    if !chunk.rows.is_empty() {
        let _ = tx.send(Msg::Rows(chunk));
    }
}

/// The calling thread: chunks → records of the batch.
fn convert(
    text: &str,
    run: &mut FileRun<'_, '_>,
    layout: &Layout,
    header: &[String],
    rx: Receiver<Msg>,
    back: SyncSender<Chunk>,
    progress: &dyn Fn(usize),
) -> Result<(), ImportError> {
    let ncols = header.len();
    let width = layout.map.len();
    let mut lines = Lines {
        text: text.as_bytes(),
        offset: 0,
        line: 1,
    };
    let mut n: u64 = 0;
    for msg in rx {
        let chunk = match msg {
            Msg::Rows(c) => c,
            Msg::Failed { at, reason } => {
                let line = lines.at(at as usize);
                return Err(ImportError::Malformed {
                    path: run.path().into(),
                    line,
                    reason,
                });
            }
        };
        let mut next_val = 0;
        let mut from = 0;
        for row in &chunk.rows {
            n += 1;
            if n.is_multiple_of(PROGRESS_EVERY) {
                progress(row.start as usize);
            }
            let (start, end) = (row.start, row.end);
            match row.shape {
                Shape::Ok => {
                    let mut vals = [""; MAX_COLS];
                    for slot in vals.iter_mut().take(width) {
                        let to = chunk.ends.get(next_val).copied().unwrap_or(from);
                        *slot = chunk.vals.get(from..to).unwrap_or("");
                        from = to;
                        next_val += 1;
                    }
                    let vals = vals.get(..width).unwrap_or(&vals[..]);
                    run.row(
                        layout,
                        header,
                        vals,
                        || lines.at(start as usize),
                        || raw(text, start, end),
                    )?;
                }
                Shape::Fields(found) => {
                    let reason = format!(
                        "expected {ncols} fields as in the header, found {found}: the line is truncated \
                         or has an unquoted comma"
                    );
                    run.reject(lines.at(start as usize), reason, raw(text, start, end));
                }
            }
        }
        let _ = back.try_send(chunk);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Records as the csv crate reads them, for comparison.
    fn with_csv(text: &str) -> Vec<Vec<String>> {
        let mut rdr = ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        rdr.byte_records()
            .map(|r| {
                r.unwrap()
                    .iter()
                    .map(|f| String::from_utf8_lossy(f).into_owned())
                    .collect()
            })
            .collect()
    }

    fn with_records(text: &str) -> Vec<Vec<String>> {
        let mut records = Records::new(text, 0, b',');
        let mut fields = Vec::new();
        let mut out = Vec::new();
        while let Some(r) = records.next_record(&mut fields) {
            r.unwrap();
            out.push(fields.iter().map(|f| f.to_string()).collect());
        }
        out
    }

    #[test]
    fn fast_and_quoted_lines_agree_with_the_csv_reader() {
        let text = "a,b,c\r\n\n1,\"x, y\",3\n\"multi\nline\",\"q\"\"q\",\n买家,客服,你好\r\n\n";
        assert_eq!(with_records(text), with_csv(text));
    }

    proptest! {
        #[test]
        fn agrees_with_the_csv_reader(parts in prop::collection::vec(prop::sample::select(vec!["a", "买家", ",", "\"", "\n", "\r\n", " ", "x\"y", "\"\""]), 0..40)) {
            let text: String = parts.concat();
            prop_assert_eq!(with_records(&text), with_csv(&text));
        }
    }
}
