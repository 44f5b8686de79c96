//! Delimited text (CSV, or TSV as Excel re-saves it): the fast path for big message files.
//!
//! Two threads share the work: one splits the text into records and copies the values of the
//! columns the kind reads into chunks of a few thousand rows; the calling thread converts
//! them (times, money, interning) into the batch. Row order is kept, so message `seq`s follow
//! the file.

use std::borrow::Cow;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use csv::{ByteRecord, ReaderBuilder};
use kefu_core::localized::Said;
use kefu_core::text::trim;

use crate::columns::{Layout, MAX_COLS, clean_header};
use crate::names::PREFETCH_NAMES;
use crate::{FileRun, ImportError, messages};

/// Rows per chunk handed from the splitting thread to the converting one.
const CHUNK_ROWS: usize = 8192;
/// How many rows pass between two progress reports.
const PROGRESS_EVERY: u64 = 1 << 16;

/// Where a file's text comes from.
pub(crate) enum Text<'t> {
    /// Decoded whole (GB18030, or UTF-8 with bad bytes replaced, or a small file).
    Whole(&'t str),
    /// Valid UTF-8 read block by block: a file of a gigabyte never sits in memory whole.
    Stream(Utf8Blocks),
}

/// A UTF-8 file read in blocks of whole lines.
pub(crate) struct Utf8Blocks {
    file: std::io::Take<std::fs::File>,
    /// Bytes read past the last line break handed out.
    pending: Vec<u8>,
    /// Bytes read at a time.
    block: usize,
    eof: bool,
}

impl Utf8Blocks {
    /// `file` positioned at the start of the text (after a byte-order mark), limited to the
    /// text's end.
    pub(crate) fn new(file: std::io::Take<std::fs::File>, block: usize) -> Self {
        Utf8Blocks {
            file,
            pending: Vec::new(),
            block: block.max(1),
            eof: false,
        }
    }

    /// Appends the next block of whole lines (at the end of the file: the rest) to `buf`.
    /// Returns whether the end was reached, so that `buf` now holds the rest of the text.
    /// A block always ends with a line break, so no character and no CRLF is ever split.
    fn fill(&mut self, buf: &mut String) -> Result<bool, Said> {
        use std::io::Read;
        let mut scanned = 0;
        loop {
            if !self.eof {
                let old = self.pending.len();
                self.pending.resize(old + self.block, 0);
                let got = loop {
                    match self
                        .file
                        .read(self.pending.get_mut(old..).unwrap_or_default())
                    {
                        Ok(n) => break n,
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                        Err(e) => return Err(messages::unreadable(&e)),
                    }
                };
                self.pending.truncate(old + got);
                self.eof = got == 0;
            }
            let cut = if self.eof {
                Some(self.pending.len())
            } else {
                memchr::memrchr(b'\n', self.pending.get(scanned..).unwrap_or_default())
                    .map(|i| scanned + i + 1)
            };
            let Some(cut) = cut else {
                // A line longer than a block: read on.
                scanned = self.pending.len();
                continue;
            };
            let head = self.pending.get(..cut).unwrap_or_default();
            // The whole file was checked before streaming began; this fails only when the
            // file changes while it is read.
            let text = simdutf8::basic::from_utf8(head).map_err(|_| {
                Said::new(
                    "文件在读取时被改动了：请重新导入",
                    "the file changed while it was read: read it again",
                )
            })?;
            buf.push_str(text);
            self.pending.drain(..cut);
            return Ok(self.eof);
        }
    }
}

/// Whether the rest of the file is valid UTF-8 throughout, checked a block at a time; and
/// whether it holds a quote character anywhere (without one every line break ends a record,
/// so the text can be cut at any of them: [`crate::ranges`]).
pub(crate) fn utf8_throughout(file: &mut std::fs::File) -> std::io::Result<Option<Quotes>> {
    let mut quotes = Quotes::None;
    use std::io::Read;
    let mut block = vec![0u8; 8 << 20];
    let mut carry = 0;
    loop {
        let got = match file.read(block.get_mut(carry..).unwrap_or_default()) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let filled = carry + got;
        let part = block.get(..filled).unwrap_or_default();
        if quotes == Quotes::None && memchr::memchr(b'"', part).is_some() {
            quotes = Quotes::Some;
        }
        match simdutf8::compat::from_utf8(part) {
            Ok(_) if got == 0 => return Ok(Some(quotes)),
            Ok(_) => carry = 0,
            // A character cut by the block's end: its bytes open the next block.
            Err(e) if e.error_len().is_none() && got > 0 => {
                let valid = e.valid_up_to();
                block.copy_within(valid..filled, 0);
                carry = filled - valid;
            }
            Err(_) => return Ok(None),
        }
    }
}

/// Whether a text holds a quote character.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Quotes {
    None,
    Some,
}

fn raw(text: &str, start: usize, end: usize) -> String {
    text.get(start..end.min(text.len()))
        .unwrap_or("")
        .trim_matches(['\r', '\n'])
        .to_string()
}

/// What the splitting thread found in one record.
#[derive(Clone, Copy)]
enum Shape {
    /// As many fields as the header: its values are in the chunk, in [`Chunk::raw`] (a line
    /// without quotes: no copy besides the row's own) or in [`Chunk::vals`].
    Ok { in_raw: bool },
    /// Another number of fields.
    Fields(usize),
}

#[derive(Clone, Copy)]
struct RowMeta {
    /// Byte offset of the record in the text, for progress.
    offset: u64,
    /// Its 1-based physical line.
    line: u64,
    /// Its original text in [`Chunk::raw`], for a rejected row.
    raw: (usize, usize),
    shape: Shape,
}

/// Rows split but not yet converted: `raw` keeps the rows as written (the text they come from
/// may be gone by the time a row turns out bad); for rows of shape `Ok`, `width` values each,
/// places in `raw` or in `vals` (values without their quotes), one after the other in `spans`.
#[derive(Default)]
struct Chunk {
    vals: String,
    spans: Vec<(usize, usize)>,
    raw: String,
    rows: Vec<RowMeta>,
}

impl Chunk {
    /// Value `i` of the chunk (counted over its rows of shape `Ok`), of a row whose values are
    /// `in_raw` or not.
    fn value(&self, in_raw: bool, i: usize) -> &str {
        let from = if in_raw { &self.raw } else { &self.vals };
        self.spans
            .get(i)
            .and_then(|&(a, b)| from.get(a..b))
            .unwrap_or("")
    }
}

enum Msg {
    Rows(Chunk),
    Failed {
        line: u64,
        reason: Said,
    },
    /// The text is read: the line after its last record.
    End {
        line: u64,
    },
}

pub(crate) fn read(
    text: Text<'_>,
    run: &mut FileRun<'_, '_, '_>,
    progress: &dyn Fn(usize),
) -> Result<(), ImportError> {
    let (mut buf, mut blocks): (Cow<'_, str>, Option<Utf8Blocks>) = match text {
        Text::Whole(t) => (Cow::Borrowed(t), None),
        Text::Stream(b) => (Cow::Owned(String::new()), Some(b)),
    };
    let mut complete = blocks.is_none();
    let failed = |run: &FileRun, reason: Said| ImportError::Malformed {
        path: run.path().into(),
        line: 1,
        reason,
    };
    // Enough text for the header: its record ends before the text read so far does.
    loop {
        if complete || header_end(&buf).is_some_and(|end| end < buf.len()) {
            break;
        }
        if let Some(b) = blocks.as_mut() {
            complete = b.fill(buf.to_mut()).map_err(|r| failed(run, r))?;
        }
    }
    if buf.trim().is_empty() {
        return Err(ImportError::Empty {
            path: run.path().into(),
        });
    }
    let head = header(&buf).map_err(|e| failed(run, e))?;
    let layout = run.layout(&head.names, true)?;
    let at = Position {
        pos: head.body,
        line: head.line,
    };
    body(buf, blocks, complete, at, run, &layout, &head, progress).map(|_| ())
}

/// A file's header record, read from the text before it.
pub(crate) struct Header {
    /// The column names, cleaned.
    pub names: Vec<String>,
    pub delimiter: u8,
    /// Where the records after it start: byte offset in the text, and 1-based line.
    pub body: usize,
    pub line: u64,
}

/// Reads the header at the start of `text` (which holds all of it, not blank).
pub(crate) fn header(text: &str) -> Result<Header, Said> {
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
        .from_reader(text.as_bytes());
    let names: Vec<String> = match rdr.byte_headers() {
        Ok(h) => h
            .iter()
            .map(|f| clean_header(&String::from_utf8_lossy(f)).to_string())
            .collect(),
        Err(e) => return Err(messages::csv_said(&e, true)),
    };
    let body = rdr.position().byte() as usize;
    let line = 1 + memchr::memchr_iter(b'\n', text.as_bytes().get(..body).unwrap_or_default())
        .count() as u64;
    Ok(Header {
        names,
        delimiter,
        body,
        line,
    })
}

/// Reads the records of `buf` from `at` on (and of the text `blocks` still holds while not
/// `complete`) into `run`. Returns the line after the last record: where a text that follows
/// this one would start.
#[allow(clippy::too_many_arguments)]
pub(crate) fn body(
    buf: Cow<'_, str>,
    blocks: Option<Utf8Blocks>,
    complete: bool,
    at: Position,
    run: &mut FileRun<'_, '_, '_>,
    layout: &Layout,
    head: &Header,
    progress: &dyn Fn(usize),
) -> Result<u64, ImportError> {
    let map = layout.map.clone();
    let ncols = head.names.len();
    let delimiter = head.delimiter;
    std::thread::scope(|s| {
        let (tx, rx) = sync_channel::<Msg>(4);
        let (back_tx, back_rx) = sync_channel::<Chunk>(8);
        let split_text = Split {
            delimiter,
            map: &map,
            ncols,
            tx,
            back: back_rx,
        };
        s.spawn(move || split_text.run(buf, blocks, complete, at));
        convert(run, layout, &head.names, rx, back_tx, progress)
    })
}

/// The end of the header record, if the text holds all of it.
fn header_end(text: &str) -> Option<usize> {
    let start = text.len() - text.trim_start().len();
    let rest = text.as_bytes().get(start..)?;
    let mut rdr = ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(rest);
    let mut rec = ByteRecord::new();
    match rdr.read_byte_record(&mut rec) {
        Ok(true) => Some(start + rdr.position().byte() as usize),
        _ => None,
    }
}

/// A place in the text: byte offset and the 1-based physical line there.
#[derive(Clone, Copy)]
pub(crate) struct Position {
    pub pos: usize,
    pub line: u64,
}

/// The fields of one record: places in the record's text (a line without quotes), or in
/// `unquoted` (the values the CSV reader took the quotes from).
#[derive(Default)]
struct Fields {
    spans: Vec<(usize, usize)>,
    unquoted: String,
    quoted: bool,
}

impl Fields {
    fn len(&self) -> usize {
        self.spans.len()
    }

    /// Field `i` of the record whose text is `record`; "" past the last.
    fn get<'a>(&'a self, record: &'a str, i: usize) -> &'a str {
        let from = if self.quoted {
            self.unquoted.as_str()
        } else {
            record
        };
        self.spans
            .get(i)
            .and_then(|&(a, b)| from.get(a..b))
            .unwrap_or("")
    }
}

/// Records of delimited text, one at a time.
///
/// Lines without a quote character (nearly all lines of a chat export) are cut at the
/// delimiter directly: their fields are places in the already-validated text, with no copy and
/// no second UTF-8 check. A line with a quote, or a stray carriage return, goes through the
/// CSV reader, which handles quoting and line breaks inside quotes.
///
/// Physical line numbers are counted on the way (rows may span lines inside quotes, and the
/// CSV reader's own count is off after CRLF and blank lines).
struct Records<'t> {
    text: &'t str,
    at: Position,
    delimiter: u8,
    /// Whether the text runs to the end of the file. When not, a record that reaches the end
    /// of the text may be cut, and is left for when more text is there.
    complete: bool,
}

impl<'t> Records<'t> {
    #[cfg(test)]
    fn new(text: &'t str, pos: usize, delimiter: u8) -> Self {
        Records {
            text,
            at: Position { pos, line: 1 },
            delimiter,
            complete: true,
        }
    }

    /// The next record: where it starts and ends (its text is `text[start.pos..end]`, which
    /// [`Fields::get`] reads the fields of); `Err((line, reason))` when the text cannot be
    /// read as CSV from that line; `None` at the end of the text (or of its complete records).
    fn next_record(
        &mut self,
        fields: &mut Fields,
    ) -> Option<Result<(Position, usize), (u64, Said)>> {
        let bytes = self.text.as_bytes();
        // Blank lines are not records.
        while let Some(&b) = bytes.get(self.at.pos) {
            match b {
                b'\n' => self.at.line += 1,
                b'\r' => {}
                _ => break,
            }
            self.at.pos += 1;
        }
        if self.at.pos >= bytes.len() {
            return None;
        }
        let start = self.at;
        let rest = bytes.get(start.pos..).unwrap_or_default();
        let line_end = match memchr::memchr(b'\n', rest) {
            Some(i) => start.pos + i,
            None if self.complete => bytes.len(),
            None => return None,
        };
        let mut line = self.text.get(start.pos..line_end).unwrap_or_default();
        if let Some(l) = line.strip_suffix('\r') {
            line = l;
        }
        fields.spans.clear();
        fields.unquoted.clear();
        let plain = memchr::memchr2(b'"', b'\r', line.as_bytes()).is_none();
        fields.quoted = !plain;
        if plain {
            // One vectorised pass finds every delimiter; an ASCII delimiter always falls on a
            // character boundary, so the places are character boundaries.
            let mut from = 0;
            for at in memchr::memchr_iter(self.delimiter, line.as_bytes()) {
                fields.spans.push((from, at));
                from = at + 1;
            }
            fields.spans.push((from, line.len()));
            self.at.pos = (line_end + 1).min(bytes.len());
            if line_end < bytes.len() {
                self.at.line += 1;
            }
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
            Err(e) => return Some(Err((start.line, messages::csv_said(&e, false)))),
        }
        let consumed = (rdr.position().byte() as usize).max(1);
        let end = (start.pos + consumed).min(bytes.len());
        if end == bytes.len() && !self.complete {
            // The record may go on (a quoted line break) in text not read yet.
            return None;
        }
        let spanned = bytes.get(start.pos..end).unwrap_or_default();
        self.at.line += memchr::memchr_iter(b'\n', spanned).count() as u64;
        self.at.pos = end;
        for f in rec.iter() {
            // The text is valid UTF-8 and the reader only removes ASCII quotes, so this holds
            // (and borrows).
            let from = fields.unquoted.len();
            fields.unquoted.push_str(&String::from_utf8_lossy(f));
            fields.spans.push((from, fields.unquoted.len()));
        }
        Some(Ok((start, end)))
    }
}

/// The splitting thread: records → chunks of values.
struct Split<'m> {
    delimiter: u8,
    map: &'m [Option<usize>],
    ncols: usize,
    tx: SyncSender<Msg>,
    back: Receiver<Chunk>,
}

impl Split<'_> {
    /// Splits `buf` from `at`, reading more text from `blocks` while it is not `complete`.
    fn run(
        self,
        mut buf: Cow<'_, str>,
        mut blocks: Option<Utf8Blocks>,
        mut complete: bool,
        mut at: Position,
    ) {
        let mut chunk = Chunk::default();
        let mut fields = Fields::default();
        // Offset in the file's text of `buf`'s first byte.
        let mut base = 0usize;
        loop {
            let mut records = Records {
                text: &buf,
                at,
                delimiter: self.delimiter,
                complete,
            };
            while let Some(next) = records.next_record(&mut fields) {
                let (start, end) = match next {
                    Ok(span) => span,
                    Err((line, reason)) => {
                        let _ = self.tx.send(Msg::Failed { line, reason });
                        return;
                    }
                };
                let record = buf.get(start.pos..end).unwrap_or_default();
                let raw_start = chunk.raw.len();
                chunk.raw.push_str(record);
                let shape = if fields.len() != self.ncols {
                    Shape::Fields(fields.len())
                } else if !fields.quoted {
                    // The values are where they are in the row's copy.
                    for idx in self.map {
                        let (a, b) = idx
                            .and_then(|i| fields.spans.get(i))
                            .map_or((0, 0), |&(a, b)| (raw_start + a, raw_start + b));
                        chunk.spans.push((a, b));
                    }
                    Shape::Ok { in_raw: true }
                } else {
                    for idx in self.map {
                        let v = idx.map_or("", |i| fields.get(record, i));
                        let from = chunk.vals.len();
                        chunk.vals.push_str(v);
                        chunk.spans.push((from, chunk.vals.len()));
                    }
                    Shape::Ok { in_raw: false }
                };
                chunk.rows.push(RowMeta {
                    offset: (base + start.pos) as u64,
                    line: start.line,
                    raw: (raw_start, chunk.raw.len()),
                    shape,
                });
                if chunk.rows.len() >= CHUNK_ROWS {
                    let mut next = self.back.try_recv().unwrap_or_default();
                    next.vals.clear();
                    next.spans.clear();
                    next.raw.clear();
                    next.rows.clear();
                    if self
                        .tx
                        .send(Msg::Rows(std::mem::replace(&mut chunk, next)))
                        .is_err()
                    {
                        return; // The converting side stopped.
                    }
                }
            }
            at = records.at;
            let Some(source) = blocks.as_mut().filter(|_| !complete) else {
                break;
            };
            // Keep the unfinished record, read on behind it.
            let owned = buf.to_mut();
            owned.drain(..at.pos);
            base += at.pos;
            at.pos = 0;
            match source.fill(owned) {
                Ok(end) => complete = end,
                Err(reason) => {
                    let _ = self.tx.send(Msg::Failed {
                        line: at.line,
                        reason,
                    });
                    return;
                }
            }
        }
        if !chunk.rows.is_empty() && self.tx.send(Msg::Rows(chunk)).is_err() {
            return;
        }
        let _ = self.tx.send(Msg::End { line: at.line });
    }
}

/// The calling thread: chunks → records of the batch.
fn convert(
    run: &mut FileRun<'_, '_, '_>,
    layout: &Layout,
    header: &[String],
    rx: Receiver<Msg>,
    back: SyncSender<Chunk>,
    progress: &dyn Fn(usize),
) -> Result<u64, ImportError> {
    let ncols = header.len();
    let width = layout.map.len();
    // A shuffled message file names a new buyer on nearly every row: the lookups of the
    // rows ahead are started together ([`crate::names::BatchIndex::prefetch`]).
    let prefetch_buyers = layout.kind == crate::FileKind::Messages && width > 1;
    let mut n: u64 = 0;
    let mut end = 0;
    for msg in rx {
        let chunk = match msg {
            Msg::Rows(c) => c,
            Msg::Failed { line, reason } => {
                return Err(ImportError::Malformed {
                    path: run.path().into(),
                    line,
                    reason,
                });
            }
            Msg::End { line } => {
                end = line;
                continue;
            }
        };
        let mut next_val = 0;
        // Where the rows whose buyers are asked for next start, and their first value.
        let (mut ahead, mut ahead_val) = (0, 0);
        for (i, row) in chunk.rows.iter().enumerate() {
            if prefetch_buyers && i == ahead {
                let rows = chunk.rows.get(i..).unwrap_or_default();
                let rows = rows.iter().take(PREFETCH_NAMES);
                let mut at = ahead_val;
                let buyers = rows.filter_map(|r| match r.shape {
                    Shape::Ok { in_raw } => {
                        // The buyer is the second value.
                        let buyer = chunk.value(in_raw, at + 1);
                        at += width;
                        Some(trim(buyer))
                    }
                    Shape::Fields(_) => None,
                });
                run.sink.prefetch_names(buyers);
                ahead = i + PREFETCH_NAMES;
                ahead_val = at;
            }
            n += 1;
            if n.is_multiple_of(PROGRESS_EVERY) {
                progress(row.offset as usize);
            }
            let (start, end) = row.raw;
            match row.shape {
                Shape::Ok { in_raw } => {
                    let mut vals = [""; MAX_COLS];
                    for slot in vals.iter_mut().take(width) {
                        *slot = chunk.value(in_raw, next_val);
                        next_val += 1;
                    }
                    let vals = vals.get(..width).unwrap_or(&vals[..]);
                    run.row(
                        layout,
                        header,
                        vals,
                        || row.line,
                        || raw(&chunk.raw, start, end),
                    )?;
                }
                Shape::Fields(found) => {
                    let reason = format!(
                        "expected {ncols} fields as in the header, found {found}: the line is truncated \
                         or has an unquoted comma"
                    );
                    run.reject(row.line, reason, raw(&chunk.raw, start, end));
                }
            }
        }
        let _ = back.try_send(chunk);
    }
    Ok(end)
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
        let mut fields = Fields::default();
        let mut out = Vec::new();
        while let Some(r) = records.next_record(&mut fields) {
            let (start, end) = r.unwrap();
            let record = &text[start.pos..end];
            out.push(
                (0..fields.len())
                    .map(|i| fields.get(record, i).to_string())
                    .collect(),
            );
        }
        out
    }

    #[test]
    fn fast_and_quoted_lines_agree_with_the_csv_reader() {
        let text = "a,b,c\r\n\n1,\"x, y\",3\n\"multi\nline\",\"q\"\"q\",\n买家,客服,你好\r\n\n";
        assert_eq!(with_records(text), with_csv(text));
    }

    /// What the splitting thread hands on for `text` (records from its start): per row, the
    /// values of the columns `map` names, or the number of fields of a row of another width.
    fn split(text: &str, map: &[Option<usize>], ncols: usize) -> Vec<Result<Vec<String>, usize>> {
        let (tx, rx) = sync_channel::<Msg>(1);
        let (_back_tx, back) = sync_channel::<Chunk>(1);
        let splitter = Split {
            delimiter: b',',
            map,
            ncols,
            tx,
            back,
        };
        let at = Position { pos: 0, line: 1 };
        std::thread::scope(|s| {
            s.spawn(move || splitter.run(Cow::Borrowed(text), None, true, at));
            let mut out = Vec::new();
            for msg in rx {
                let Msg::Rows(chunk) = msg else { continue };
                let mut next = 0;
                for row in &chunk.rows {
                    out.push(match row.shape {
                        Shape::Ok { in_raw } => Ok(map
                            .iter()
                            .map(|_| {
                                next += 1;
                                chunk.value(in_raw, next - 1).to_string()
                            })
                            .collect()),
                        Shape::Fields(n) => Err(n),
                    });
                }
            }
            out
        })
    }

    proptest! {
        /// The values the splitter hands on (places in a row's copy, or unquoted values) are
        /// the csv crate's fields of the columns read.
        #[test]
        fn split_values_are_the_csv_readers_fields(
            parts in prop::collection::vec(prop::sample::select(vec![
                "a", "买家", ",", "\"", "\n", "\r\n", " ", "x\"y", "\"\"", "\u{3000}", "\r",
            ]), 0..60),
            ncols in 1usize..4,
        ) {
            let text: String = parts.concat();
            let map = [Some(2), None, Some(0), Some(1)];
            let expected: Vec<Result<Vec<String>, usize>> = with_csv(&text)
                .into_iter()
                .map(|fields| {
                    if fields.len() != ncols {
                        return Err(fields.len());
                    }
                    Ok(map
                        .iter()
                        .map(|i| i.and_then(|i| fields.get(i).cloned()).unwrap_or_default())
                        .collect())
                })
                .collect();
            prop_assert_eq!(split(&text, &map, ncols), expected);
        }

        #[test]
        fn agrees_with_the_csv_reader(parts in prop::collection::vec(prop::sample::select(vec!["a", "买家", ",", "\"", "\n", "\r\n", " ", "x\"y", "\"\""]), 0..40)) {
            let text: String = parts.concat();
            prop_assert_eq!(with_records(&text), with_csv(&text));
        }
    }
}
