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

/// Where a record really starts: the reader's position may point at the line break that ends
/// the previous record, or at blank lines it skipped.
fn record_start(text: &str, pos: u64) -> u64 {
    let skipped = text.as_bytes().get(pos as usize..).map_or(0, |rest| {
        rest.iter()
            .take_while(|&&b| b == b'\r' || b == b'\n')
            .count()
    });
    pos + skipped as u64
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
    /// Not UTF-8 (cannot happen with decoded text; kept so that no input can panic).
    BadText,
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
        s.spawn(move || split(text, rdr, &map, ncols, tx, back_rx));
        convert(text, run, &layout, &header, rx, back_tx, progress)
    })
}

/// The splitting thread: records → chunks of values.
fn split(
    text: &str,
    mut rdr: csv::Reader<&[u8]>,
    map: &[Option<usize>],
    ncols: usize,
    tx: SyncSender<Msg>,
    back: Receiver<Chunk>,
) {
    let mut rec = ByteRecord::new();
    let mut chunk = Chunk::default();
    loop {
        match rdr.read_byte_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let at = e.position().map_or(0, |p| record_start(text, p.byte()));
                let _ = tx.send(Msg::Failed {
                    at,
                    reason: format!("cannot read CSV: {e}"),
                });
                return;
            }
        }
        let start = record_start(text, rec.position().map_or(0, |p| p.byte()));
        let end = rdr.position().byte();
        let shape = if rec.len() != ncols {
            Shape::Fields(rec.len())
        } else {
            match std::str::from_utf8(rec.as_slice()) {
                Ok(all) => {
                    for idx in map {
                        let v = idx
                            .and_then(|i| rec.range(i))
                            .and_then(|r| all.get(r))
                            .unwrap_or("");
                        chunk.vals.push_str(v);
                        chunk.ends.push(chunk.vals.len());
                    }
                    Shape::Ok
                }
                Err(_) => Shape::BadText,
            }
        };
        chunk.rows.push(RowMeta { start, end, shape });
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
                Shape::BadText => {
                    run.reject(
                        lines.at(start as usize),
                        "invalid UTF-8".into(),
                        raw(text, start, end),
                    );
                }
            }
        }
        let _ = back.try_send(chunk);
    }
    Ok(())
}
