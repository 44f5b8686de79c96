//! A large message file read on both cores: its text cut into ranges of whole lines, each
//! range split and converted on its own (two at a time), the batches handed on range by
//! range in the file's order.
//!
//! Only a file without a quote character is cut: there every line break ends a record, so a
//! range never starts inside one (a quoted field may hold line breaks, and telling whether a
//! break is inside quotes needs the whole text before it). Each range counts its lines from
//! 1; the lines of its rejected rows and errors are moved to the file's lines once the ranges
//! before it are done. What the import stores is the same as from one reader: the session
//! interns names and numbers messages in the order the batches come in, whatever batch a row
//! is in (`kefu_store::ImportSession::add`).

use std::borrow::Cow;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::mpsc::{SyncSender, sync_channel};

use kefu_core::model::ImportBatch;

use crate::columns::{self, Layout};
use crate::convert::{FileNotes, Sink};
use crate::csv_file::{self, Header, Position, Utf8Blocks};
use crate::{
    Emit, FileKind, FileReport, FileRun, ImportError, ImportOptions, SHOWN_BAD_ROWS, Streaming,
};

/// Ranges read at a time.
const READERS: usize = 2;

/// What a range's reader hands back.
enum Msg {
    Batch(ImportBatch),
    /// The range is read: its report, lines counted from 1.
    Done(Box<RangeRead>),
    Failed(ImportError),
}

struct RangeRead {
    report: FileReport,
    notes: FileNotes,
    first_cut_line: Option<u64>,
    /// The line after the range's last record.
    end_line: u64,
}

/// Reads the file `path` (`size` bytes, UTF-8 throughout, no quote character) range by range
/// into `run`, when it is a message file large enough for two ranges; `false` (and `run`
/// untouched) otherwise.
pub(crate) fn read(
    path: &Path,
    size: u64,
    opts: &ImportOptions,
    run: &mut FileRun<'_, '_, '_>,
    streaming: Streaming,
    progress: &dyn Fn(u64, u64),
) -> Result<bool, ImportError> {
    let io = |source| ImportError::Io {
        path: path.into(),
        source,
    };
    let Some((head, start)) = header(path, streaming).map_err(io)? else {
        return Ok(false);
    };
    // Another kind, or a header the one reader refuses: read as ever (the same report).
    if !columns::layout(path, &head.names, run.forced).is_ok_and(|l| l.kind == FileKind::Messages) {
        return Ok(false);
    }
    let cuts = cuts(path, start, size, streaming.range).map_err(io)?;
    if cuts.len() < 3 {
        return Ok(false);
    }
    let layout = run.layout(&head.names, true)?;
    let Some(every) = run.emit.as_ref().map(|e| e.every) else {
        return Ok(false);
    };
    let ranges: Vec<(u64, u64)> = cuts
        .iter()
        .zip(cuts.iter().skip(1))
        .map(|(&a, &b)| (a, b))
        .collect();
    let (layout, head, ranges) = (&layout, &head, &ranges);
    std::thread::scope(|scope| -> Result<(), ImportError> {
        let mut readers = Vec::with_capacity(READERS);
        for w in 0..READERS {
            // No batch waits in the channel: each reader holds at most the one it fills and
            // the one it hands on.
            let (send, receive) = sync_channel(0);
            readers.push(receive);
            scope.spawn(move || {
                for &range in ranges.iter().skip(w).step_by(READERS) {
                    let read = match read_range(path, opts, layout, head, range, every, &send) {
                        Ok(done) => Msg::Done(Box::new(done)),
                        Err(e) => Msg::Failed(e),
                    };
                    let failed = matches!(read, Msg::Failed(_));
                    if send.send(read).is_err() || failed {
                        break;
                    }
                }
            });
        }
        // The file's line where the range being taken starts.
        let mut line = head.line;
        for (&(_, end), from) in ranges.iter().zip(readers.iter().cycle()) {
            loop {
                // A reader ends early only after handing on its range's failure.
                let Ok(msg) = from.recv() else {
                    return Err(ImportError::Stopped);
                };
                match msg {
                    Msg::Batch(batch) => {
                        if let Some(emit) = run.emit.as_mut() {
                            (emit.to)(batch)?;
                        }
                    }
                    Msg::Done(done) => {
                        take_in(run, *done, &mut line);
                        progress(end, size);
                        break;
                    }
                    Msg::Failed(e) => return Err(moved(e, line)),
                }
            }
        }
        Ok(())
    })?;
    Ok(true)
}

/// The header of the file, and where its records start (a byte offset in the file); `None`
/// when the first megabyte holds no whole header.
fn header(path: &Path, streaming: Streaming) -> std::io::Result<Option<(Header, u64)>> {
    let mut file = std::fs::File::open(path)?;
    let mut head = Vec::new();
    file.by_ref()
        .take(streaming.block.max(1 << 20) as u64)
        .read_to_end(&mut head)?;
    let bom = if head.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    // The file is UTF-8 throughout; only the block's end may cut a character.
    let text = match std::str::from_utf8(head.get(bom..).unwrap_or_default()) {
        Ok(t) => t,
        Err(e) => std::str::from_utf8(head.get(bom..bom + e.valid_up_to()).unwrap_or_default())
            .unwrap_or_default(),
    };
    // The header must end before the text read so far does, or it may go on.
    let Ok(h) = csv_file::header(text) else {
        return Ok(None);
    };
    if h.body >= text.len() || text.trim().is_empty() {
        return Ok(None);
    }
    let start = (bom + h.body) as u64;
    Ok(Some((h, start)))
}

/// Where the ranges of the text from `start` to `size` begin, and `size`: each range ends
/// just after the first line break at or after `range` bytes past its start.
fn cuts(path: &Path, start: u64, size: u64, range: u64) -> std::io::Result<Vec<u64>> {
    let mut file = std::fs::File::open(path)?;
    let mut cuts = vec![start];
    let mut at = start;
    let mut buf = vec![0u8; 64 << 10];
    while at.saturating_add(range.max(1)) < size {
        let mut pos = at + range.max(1);
        file.seek(SeekFrom::Start(pos))?;
        let found = loop {
            let got = file.read(&mut buf)?;
            if got == 0 {
                break None;
            }
            if let Some(i) = memchr::memchr(b'\n', buf.get(..got).unwrap_or_default()) {
                break Some(pos + i as u64 + 1);
            }
            pos += got as u64;
        };
        match found {
            Some(cut) if cut < size => {
                cuts.push(cut);
                at = cut;
            }
            _ => break,
        }
    }
    cuts.push(size);
    Ok(cuts)
}

/// Reads the bytes `start..end` of the file, whole lines of records, handing full batches to
/// `send`.
fn read_range(
    path: &Path,
    opts: &ImportOptions,
    layout: &Layout,
    head: &Header,
    (start, end): (u64, u64),
    every: usize,
    send: &SyncSender<Msg>,
) -> Result<RangeRead, ImportError> {
    let io = |source| ImportError::Io {
        path: path.into(),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(io)?;
    file.seek(SeekFrom::Start(start)).map_err(io)?;
    let blocks = Utf8Blocks::new(file.take(end - start), STREAM_BLOCK);
    let mut sink = Sink::for_import(opts);
    sink.batch
        .messages
        .reserve(((end - start) as usize / 96).min(every.saturating_add(1)));
    let mut hand_on = |batch: ImportBatch| {
        send.send(Msg::Batch(batch))
            .map_err(|_| ImportError::Stopped)
    };
    let emit = Emit {
        every,
        to: &mut hand_on,
    };
    let mut run = FileRun::new(path, opts, &mut sink, Some(emit));
    run.report.kind = Some(layout.kind);
    let at = Position { pos: 0, line: 1 };
    let end_line = csv_file::body(
        Cow::Owned(String::new()),
        Some(blocks),
        false,
        at,
        &mut run,
        layout,
        head,
        &|_| {},
    )?;
    let FileRun {
        report,
        first_cut_line,
        ..
    } = run;
    let notes = std::mem::take(&mut sink.notes);
    let last = std::mem::take(&mut sink.batch);
    if !last.is_empty() {
        send.send(Msg::Batch(last))
            .map_err(|_| ImportError::Stopped)?;
    }
    Ok(RangeRead {
        report,
        notes,
        first_cut_line,
        end_line,
    })
}

/// Bytes read at a time within a range.
const STREAM_BLOCK: usize = 8 << 20;

/// Adds a range's report to the file's, its lines moved to the file's (the range starts at
/// `line`), and moves `line` past the range.
fn take_in(run: &mut FileRun<'_, '_, '_>, done: RangeRead, line: &mut u64) {
    let base = *line - 1;
    let r = done.report;
    run.report.rows += r.rows;
    run.report.accepted += r.accepted;
    for mut bad in r.rejected {
        bad.line += base;
        if run.keep_all || run.report.rejected.len() < SHOWN_BAD_ROWS {
            run.report.rejected.push(bad);
        }
    }
    run.report.warnings.extend(r.warnings);
    let notes = &mut run.sink.notes;
    notes.texts_cut += done.notes.texts_cut;
    notes.unknown_buyers += done.notes.unknown_buyers;
    notes.amounts_disagree += done.notes.amounts_disagree;
    notes.closed_unpaid_without_time += done.notes.closed_unpaid_without_time;
    if run.first_cut_line.is_none() {
        run.first_cut_line = done.first_cut_line.map(|l| l + base);
    }
    *line = base + done.end_line;
}

/// A range's error with its line moved to the file's.
fn moved(e: ImportError, line: u64) -> ImportError {
    let base = line - 1;
    match e {
        ImportError::Malformed { path, line, reason } => ImportError::Malformed {
            path,
            line: line + base,
            reason,
        },
        ImportError::TooMuchText { path, line } => ImportError::TooMuchText {
            path,
            line: line + base,
        },
        other => other,
    }
}
