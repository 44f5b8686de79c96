//! kefu's importer: reads the canonical files of `formats.md` (CSV, JSON Lines, xlsx/xls) and
//! marketplace exports (the Taobao/Tmall 订单报表, see [`taobao`]) into one
//! [`ImportBatch`] of interned records.
//!
//! - The kind of each file (messages, orders, refunds, ratings, agents, Taobao orders) comes
//!   from its header, never from its name.
//! - The text encoding is UTF-8 (BOM or not) or GB18030/GBK, detected per file unless
//!   [`ImportOptions::encoding`] says otherwise.
//! - Every bad row is reported with its file, physical line, column, value and what was
//!   expected. By default one bad row fails the whole import (nothing is half-imported);
//!   with [`ImportOptions::skip_bad`] the good rows are kept and the bad ones listed, for
//!   [`write_rejects`].
//!
//! Decisions where `formats.md` is silent:
//! - Values are trimmed of surrounding spaces, except a message's `text`, kept as written.
//! - Amounts of orders and refunds must not be negative; `items` must be a whole number ≥ 0
//!   (`2.0` counts as 2).
//! - A CSV row whose field count differs from the header's is rejected (short: truncated; long:
//!   an unquoted delimiter). Blank lines are skipped. A header line with TABs and no commas
//!   makes a tab-separated file (Excel re-saves).
//! - JSON Lines: the first object's keys give the kind; `null` is an empty value; numbers are
//!   taken as written (`129.9`, `5`); booleans, arrays and objects are rejected; unknown keys
//!   of any line are listed in one warning.
//! - Workbooks: the first sheet; its first non-empty row is the header; blank rows are
//!   skipped; line numbers are the sheet's row numbers.
//! - Message `seq` counts the accepted message rows of one [`read_files`] call, in file order
//!   then row order, from 0: it equals the message's index in [`ImportBatch::messages`].
//! - Limits (`formats.md`, "Limits"): a message text over [`MAX_TEXT_BYTES`] is stored cut
//!   and ends with [`CUT_MARK`] (one warning per file); any other value over
//!   [`MAX_VALUE_CHARS`] characters, or with a control character, makes the row bad.
//! - A file that the given encoding cannot fully decode is read with U+FFFD in place of the
//!   bad bytes and a warning, not rejected.

// No input may panic the importer: data is never unwrapped or indexed unchecked.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

mod columns;
mod convert;
mod csv_file;
mod decode;
pub mod events;
mod jd_chat;
mod jsonl;
mod messages;
mod names;
mod orders;
pub mod platform;
mod ranges;
pub mod taobao;
pub mod templates;
pub mod transcript;
mod workbook;

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use kefu_core::localized::Said;
use kefu_core::model::ImportBatch;
use kefu_core::settings::Config;
use kefu_core::text::{csv_text, terminal_text};

use crate::columns::Layout;
pub use crate::convert::{CUT_MARK, MAX_ADDRESS_CHARS, MAX_TEXT_BYTES, MAX_VALUE_CHARS};
use crate::convert::{RowFail, Sink};
pub use crate::platform::{PlatformKind, ReportOptions, read_report};

/// The text encoding of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encoding {
    Utf8,
    /// GB18030, which reads GBK and GB2312 too.
    Gb18030,
}

impl FromStr for Encoding {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "utf-8" | "utf8" => Ok(Encoding::Utf8),
            "gbk" | "gb18030" | "gb2312" | "gb-18030" | "cp936" => Ok(Encoding::Gb18030),
            _ => Err(format!(
                "unknown encoding `{s}`: expected utf-8, gbk or gb18030"
            )),
        }
    }
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Gb18030 => "gb18030",
        })
    }
}

/// What a file holds, as recognised from its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileKind {
    Messages,
    Orders,
    Refunds,
    Ratings,
    Agents,
    /// The Taobao/Tmall seller-centre order report (订单报表), read as orders.
    TaobaoOrders,
    /// The Taobao/Tmall refund report (退款报表), read as refunds.
    TaobaoRefunds,
    /// 京东's order export (订单导出, a row per order line), read as orders.
    JdOrders,
    /// 拼多多's order export (订单导出), read as orders.
    PddOrders,
    /// 抖店's order export (订单导出, a row per sub-order), read as orders.
    DouyinOrders,
    /// 京东 咚咚 chat rows as 客服管家 returns them (`mid, created, waiterSend, …`), read as
    /// messages.
    JdChats,
    /// A chat pasted from a chat window ([`transcript`]), read as messages; only with `--kind`.
    Transcript,
}

impl FileKind {
    pub const ALL: [FileKind; 12] = [
        FileKind::Messages,
        FileKind::Orders,
        FileKind::Refunds,
        FileKind::Ratings,
        FileKind::Agents,
        FileKind::TaobaoOrders,
        FileKind::TaobaoRefunds,
        FileKind::JdOrders,
        FileKind::PddOrders,
        FileKind::DouyinOrders,
        FileKind::JdChats,
        FileKind::Transcript,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FileKind::Messages => "messages",
            FileKind::Orders => "orders",
            FileKind::Refunds => "refunds",
            FileKind::Ratings => "ratings",
            FileKind::Agents => "agents",
            FileKind::TaobaoOrders => "taobao_orders",
            FileKind::TaobaoRefunds => "taobao_refunds",
            FileKind::JdOrders => "jd_orders",
            FileKind::PddOrders => "pdd_orders",
            FileKind::DouyinOrders => "douyin_orders",
            FileKind::JdChats => "jd_chats",
            FileKind::Transcript => "transcript",
        }
    }

    /// The kind's name as people say it, in Chinese or English.
    pub fn name(self, zh: bool) -> &'static str {
        if zh {
            return messages::kind_zh(self);
        }
        match self {
            FileKind::Messages => "chat messages",
            FileKind::Orders => "orders",
            FileKind::Refunds => "refunds",
            FileKind::Ratings => "ratings",
            FileKind::Agents => "roster",
            FileKind::TaobaoOrders => "Taobao order report",
            FileKind::TaobaoRefunds => "Taobao/Tmall refund report",
            FileKind::JdOrders => "JD order export",
            FileKind::PddOrders => "Pinduoduo order export",
            FileKind::DouyinOrders => "Douyin order export",
            FileKind::JdChats => "JD 咚咚 chat records",
            FileKind::Transcript => "pasted chat",
        }
    }

    /// What the records of a file of this kind become.
    pub fn records(self) -> FileKind {
        match self {
            FileKind::TaobaoOrders
            | FileKind::JdOrders
            | FileKind::PddOrders
            | FileKind::DouyinOrders => FileKind::Orders,
            FileKind::TaobaoRefunds => FileKind::Refunds,
            FileKind::JdChats | FileKind::Transcript => FileKind::Messages,
            k => k,
        }
    }

    /// A marketplace's own export (read by its own column names), not a canonical file.
    pub fn is_export(self) -> bool {
        self.records() != self || self == FileKind::TaobaoOrders
    }

    /// The columns a header of this kind must have.
    pub fn required_columns(self) -> Vec<&'static str> {
        columns::columns(self)
            .iter()
            .filter(|c| c.required)
            .filter_map(|c| c.names.first().copied())
            .collect()
    }
}

impl fmt::Display for FileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for FileKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        FileKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("unknown file kind `{s}`"))
    }
}

/// What `--kind` names: a kind of file (canonical, marketplace export, transcript) or a kind of
/// platform report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportKind {
    File(FileKind),
    Report(PlatformKind),
}

impl ImportKind {
    /// Every name `--kind` takes, comma-separated.
    pub fn known() -> String {
        FileKind::ALL
            .iter()
            .map(|k| k.as_str())
            .chain(PlatformKind::ALL.iter().map(|k| k.as_str()))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl FromStr for ImportKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Ok(k) = s.parse::<FileKind>() {
            return Ok(ImportKind::File(k));
        }
        s.parse::<PlatformKind>()
            .map(ImportKind::Report)
            .map_err(|_| {
                let s = s.trim();
                format!(
                    "未知的类型 `{s}`，已知：{known} / unknown kind `{s}`; known: {known}",
                    known = ImportKind::known()
                )
            })
    }
}

/// How to read the files of one import.
#[derive(Debug, Clone)]
pub struct ImportOptions<'a> {
    /// The store of rows without a `store` value; when neither is given: `default`.
    pub default_store: Option<String>,
    /// Overrides the encoding detection of text files.
    pub encoding: Option<Encoding>,
    /// Time zones per store (`config.store(name).timezone`), for times with an offset.
    pub config: &'a Config,
    /// Keep the good rows of files with bad rows (and list the bad ones) instead of failing.
    pub skip_bad: bool,
    /// The kind of every file (`--kind`); none: recognised from each header. A transcript
    /// ([`FileKind::Transcript`]) is read only when named.
    pub kind: Option<FileKind>,
    /// A transcript's agent accounts (`--agent`); none: told by their names
    /// ([`transcript`]).
    pub agents: Vec<String>,
    /// The day of a transcript's lines that give a time only (`--from`).
    pub day: Option<kefu_core::time::Day>,
    /// Where the reader takes the memory of its next batch from; none: new memory.
    pub spares: Option<&'a SpareBatches>,
}

/// Batches an import session is done with, handed back for the readers to fill again. A
/// batch of half a million messages allocated anew each time was fresh pages from the system
/// each time, and freeing it gave them back: page faults and the allocator's returns were a
/// fifth of the CPU of reading and staging a shuffled 10M-message file.
#[derive(Debug, Default)]
pub struct SpareBatches {
    spare: std::sync::Mutex<Vec<ImportBatch>>,
}

impl SpareBatches {
    /// Batches kept at most: each holds a batch's memory, and two readers take them.
    const KEEP: usize = 2;

    /// Keeps `batch`'s memory for a reader's next batch (dropped when enough wait).
    pub fn put(&self, mut batch: ImportBatch) {
        batch.clear();
        // A poisoned lock (a reader panicked) only costs the reuse.
        if let Ok(mut spare) = self.spare.lock()
            && spare.len() < Self::KEEP
        {
            spare.push(batch);
        }
    }

    /// An empty batch, with the memory of one handed back when there is one.
    pub(crate) fn take(&self) -> ImportBatch {
        self.spare
            .lock()
            .ok()
            .and_then(|mut spare| spare.pop())
            .unwrap_or_default()
    }
}

impl<'a> ImportOptions<'a> {
    pub fn new(config: &'a Config) -> Self {
        ImportOptions {
            default_store: None,
            encoding: None,
            config,
            skip_bad: false,
            kind: None,
            agents: Vec::new(),
            day: None,
            spares: None,
        }
    }
}

/// A row that was not imported, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedRow {
    /// 1-based physical line (the header is line 1; for JSON Lines the object's line; for a
    /// workbook the sheet's row number).
    pub line: u64,
    /// The column as the file names it, when one column is at fault.
    pub column: Option<String>,
    /// The offending value.
    pub value: Option<String>,
    /// What was expected.
    pub reason: String,
    /// The original row.
    pub raw: String,
}

impl RejectedRow {
    /// Why the row was rejected, in Chinese (`zh`) or English.
    pub fn reason_in(&self, zh: bool) -> String {
        if zh {
            messages::reason_zh(&self.reason)
        } else {
            self.reason.clone()
        }
    }
}

impl RejectedRow {
    /// `file:line: column `x`: value `y`: expected …`
    pub fn describe(&self, path: &Path) -> String {
        format!("{}:{self}", path.display())
    }
}

impl fmt::Display for RejectedRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.line)?;
        if let Some(c) = &self.column {
            write!(f, "column `{c}`: ")?;
        }
        if let Some(v) = self.value.as_ref().filter(|v| !v.is_empty()) {
            const MAX: usize = 80;
            let short: String = v.chars().take(MAX).collect();
            let short = terminal_text(&short);
            if v.chars().nth(MAX).is_some() {
                write!(f, "value `{short}…`: ")?;
            } else {
                write!(f, "value `{short}`: ")?;
            }
        }
        f.write_str(&self.reason)
    }
}

/// What happened to one file.
#[derive(Debug, Clone)]
pub struct FileReport {
    pub path: PathBuf,
    pub kind: Option<FileKind>,
    /// The kind of platform report, when the file is one ([`read_report`]).
    pub platform: Option<PlatformKind>,
    /// The encoding the text was read with (workbooks: `Utf8`).
    pub encoding: Encoding,
    /// Data rows read (accepted + rejected; blank lines are not rows).
    pub rows: u64,
    pub accepted: u64,
    pub rejected: Vec<RejectedRow>,
    /// What the reader noted about the file, in both languages.
    pub warnings: Vec<Said>,
}

impl FileReport {
    /// What the file was read as: a canonical kind, a platform report's kind, or `-`.
    pub fn kind_name(&self) -> &'static str {
        match (self.kind, self.platform) {
            (Some(k), _) => k.as_str(),
            (None, Some(p)) => p.as_str(),
            (None, None) => "-",
        }
    }
}

/// The records of all files and a report per file.
#[derive(Debug, Clone)]
pub struct ImportOutcome {
    pub batch: ImportBatch,
    pub files: Vec<FileReport>,
}

/// Why an import failed. Every error names the file, and the line and column where there is
/// one.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: the file is empty: expected a header row", path.display())]
    Empty { path: PathBuf },
    #[error(
        "{}: cannot tell what kind of file this is from its header `{header}`: expected the \
         columns of messages (time, buyer, account, sender), orders (order_id, buyer, \
         created_at, amount), refunds (refund_id, order_id, buyer, requested_at, amount), \
         ratings (time, buyer, account, score), agents (account), a Taobao order report \
         (订单编号, 买家会员名, …), a Taobao/Tmall refund report (退款编号, 订单编号, 买家退款金额, \
         …), a 京东 order export (订单号, 下单帐号, …), a 拼多多 order export (订单号, \
         用户实付金额(元), …), a 抖店 order export (主订单编号, 订单应付金额, …), 京东 咚咚 chat \
         rows (created, customerDisplayId, waiterDisplayId, waiterSend), or one of the platform \
         reports kefu knows: {}; a chat pasted from a chat window is read with --kind transcript",
        path.display(),
        PlatformKind::known(false)
    )]
    UnknownKind { path: PathBuf, header: String },
    #[error(
        "{}: looks like a {} report ({report}), but its header lacks the required column(s) {}",
        path.display(),
        report.en(),
        quoted(missing)
    )]
    MissingReportColumns {
        path: PathBuf,
        report: PlatformKind,
        missing: Vec<String>,
    },
    #[error(
        "{}: a {} report ({report}) does not say which days it covers: give them with \
         --from and --to, or the import page's report period (YYYY-MM-DD; the same day twice \
         for one day)",
        path.display(),
        report.en()
    )]
    NoPeriod { path: PathBuf, report: PlatformKind },
    #[error(
        "{}: a {} report ({report}) comes from {}, not {}",
        path.display(),
        report.en(),
        report.platform().as_str(),
        platform.as_str()
    )]
    WrongPlatform {
        path: PathBuf,
        report: PlatformKind,
        platform: kefu_core::platform::Platform,
    },
    #[error(
        "{}: looks like a {kind} file, but its header lacks the required column(s) {}",
        path.display(),
        quoted(missing)
    )]
    MissingColumns {
        path: PathBuf,
        kind: FileKind,
        missing: Vec<String>,
    },
    /// The file cannot be read as the form it claims (e.g. the first line of a JSON Lines file
    /// is not a JSON object).
    #[error("{}:{line}: {reason}", path.display())]
    Malformed {
        path: PathBuf,
        line: u64,
        reason: Said,
    },
    #[error("{}: cannot read the workbook: {message}", path.display())]
    Workbook { path: PathBuf, message: Said },
    /// A pasted chat that cannot be read as one ([`transcript`]).
    #[error("{}: {}", path.display(), error.describe(true))]
    Transcript {
        path: PathBuf,
        error: transcript::TranscriptError,
    },
    #[error("{}", bad_rows(path, *count, first, more))]
    BadRows {
        path: PathBuf,
        /// Bad rows in this file.
        count: u64,
        first: Box<RejectedRow>,
        /// The next few bad rows after `first`.
        more: Vec<RejectedRow>,
    },
    #[error(
        "{}:{line}: the message texts of one import would exceed 4 GiB: import fewer files at once",
        path.display()
    )]
    TooMuchText { path: PathBuf, line: u64 },
    /// Whoever took the batches of [`read_batches`] stopped taking them.
    #[error("the import was stopped")]
    Stopped,
}

fn quoted(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn bad_rows(path: &Path, count: u64, first: &RejectedRow, more: &[RejectedRow]) -> String {
    let mut s = first.describe(path);
    for r in more {
        s.push('\n');
        s.push_str(&r.describe(path));
    }
    let shown = 1 + more.len() as u64;
    if count > shown {
        s.push_str(&format!("\n… and {} more bad row(s)", count - shown));
    }
    s.push_str(&format!("\n{count} bad row(s) in {}", path.display()));
    s
}

/// The longest raw row and value a rejected row keeps, in bytes.
const MAX_REJECTED_BYTES: usize = 4096;

/// Cuts `s` to at most `max` bytes at a character boundary, ending it with `…` when cut.
fn cut_to(s: &mut String, max: usize) {
    let (kept, cut) = kefu_core::text::cut_at(s, max);
    if cut {
        let end = kept.len();
        s.truncate(end);
        s.push('…');
    }
}

/// How many bad rows are kept when they fail the import anyway.
const SHOWN_BAD_ROWS: usize = 5;

/// Reads files into one batch, in the order given.
///
/// `progress(done, size)` is called now and then with the bytes of the current file
/// processed so far and its size. Without [`ImportOptions::skip_bad`], the first file with
/// bad rows ends the import with [`ImportError::BadRows`].
pub fn read_files(
    paths: &[PathBuf],
    opts: &ImportOptions,
    progress: &dyn Fn(u64, u64),
) -> Result<ImportOutcome, ImportError> {
    let mut sink = Sink::new(opts.config, opts.default_store.as_deref());
    let mut files = Vec::with_capacity(paths.len());
    for path in paths {
        let report = read_file(path, opts, &mut sink, progress, None, Streaming::DEFAULT)?;
        files.push(refuse_bad_rows(path, report, opts)?);
    }
    Ok(ImportOutcome {
        batch: sink.batch,
        files,
    })
}

/// Reads one file into a batch of its own (message `seq` counts from 0 in file order), so
/// that a large import holds one file in memory at a time.
pub fn read_one(
    path: &Path,
    opts: &ImportOptions,
    progress: &dyn Fn(u64, u64),
) -> Result<(ImportBatch, FileReport), ImportError> {
    let mut batch = None;
    // Ranges read apart would come as batches of their own.
    let whole = Streaming {
        range: 0,
        ..Streaming::DEFAULT
    };
    let report = read_batches_with(
        path,
        opts,
        usize::MAX,
        progress,
        &mut |b| {
            batch = Some(b);
            Ok(())
        },
        whole,
    )?;
    Ok((batch.unwrap_or_default(), report))
}

/// Messages per batch that an import hands on while it reads a file ([`read_batches`]):
/// about 150 MB of rows and texts, whatever the size of the file.
pub const BATCH_MESSAGES: usize = 1 << 20;

/// Reads one file and hands its records to `on_batch` as they are read, in batches of at most
/// `max_messages` messages (other records are few and come in one batch with the messages
/// around them). Each batch has its own names, and its message `seq`s count from 0 in file
/// order, so an import session that takes them one after another keeps the file's order.
///
/// Large UTF-8 text files are read a block at a time, so memory stays bounded by the batch
/// size rather than the file's. Without [`ImportOptions::skip_bad`], a file with bad rows
/// ends with [`ImportError::BadRows`] after its earlier batches were handed on: the caller
/// must then discard them (an import session rolls back).
pub fn read_batches(
    path: &Path,
    opts: &ImportOptions,
    max_messages: usize,
    progress: &dyn Fn(u64, u64),
    on_batch: &mut dyn FnMut(ImportBatch) -> Result<(), ImportError>,
) -> Result<FileReport, ImportError> {
    read_batches_with(
        path,
        opts,
        max_messages,
        progress,
        on_batch,
        Streaming::DEFAULT,
    )
}

fn read_batches_with(
    path: &Path,
    opts: &ImportOptions,
    max_messages: usize,
    progress: &dyn Fn(u64, u64),
    on_batch: &mut dyn FnMut(ImportBatch) -> Result<(), ImportError>,
    streaming: Streaming,
) -> Result<FileReport, ImportError> {
    let mut sink = Sink::for_import(opts);
    let mut emitted = false;
    let report = {
        let mut emit = |b: ImportBatch| {
            emitted = true;
            on_batch(b)
        };
        let every = Emit {
            every: max_messages.max(1),
            to: &mut emit,
        };
        read_file(path, opts, &mut sink, progress, Some(every), streaming)?
    };
    let report = refuse_bad_rows(path, report, opts)?;
    let last = std::mem::take(&mut sink.batch);
    if !emitted || !last.is_empty() {
        on_batch(last)?;
    }
    Ok(report)
}

/// Without `skip_bad`, a file with bad rows fails the import.
fn refuse_bad_rows(
    path: &Path,
    report: FileReport,
    opts: &ImportOptions,
) -> Result<FileReport, ImportError> {
    if opts.skip_bad || report.rejected.is_empty() {
        return Ok(report);
    }
    let count = report.rows - report.accepted;
    let mut rejected = report.rejected;
    // Not empty: checked above.
    let first = rejected.remove(0);
    Err(ImportError::BadRows {
        path: path.to_path_buf(),
        count,
        first: Box::new(first),
        more: rejected,
    })
}

/// The physical form of a file.
enum Form {
    Delimited,
    JsonLines,
    Workbook,
}

fn form_of(path: &Path, bytes: &[u8]) -> Form {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("jsonl" | "ndjson" | "json") => return Form::JsonLines,
        Some("xlsx" | "xlsm" | "xlsb" | "xls" | "ods") => return Form::Workbook,
        Some("csv" | "tsv") => return Form::Delimited,
        _ => {}
    }
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"\xD0\xCF\x11\xE0") {
        return Form::Workbook;
    }
    let start = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match start.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => Form::JsonLines,
        _ => Form::Delimited,
    }
}

/// Which files are read a block at a time, and in what blocks.
#[derive(Clone, Copy)]
struct Streaming {
    /// Delimited text files above this size that are valid UTF-8 throughout are streamed;
    /// smaller ones are read whole.
    above: u64,
    /// Bytes read per block.
    block: usize,
    /// Bytes per range of a streamed message file without quotes read on both cores
    /// ([`ranges`]); 0: one reader.
    range: u64,
}

impl Streaming {
    // Files up to this size are read whole, as fast as ever (per-day exports of a large
    // store are 30–170 MB); beyond it memory matters more than the second read of the
    // encoding check.
    // A range of 64 MB holds about half a batch of messages: two readers hold no more
    // rows between them than one did with a whole batch.
    const DEFAULT: Streaming = Streaming {
        above: 256 << 20,
        block: 8 << 20,
        range: 64 << 20,
    };
}

fn read_file(
    path: &Path,
    opts: &ImportOptions,
    sink: &mut Sink<'_>,
    progress: &dyn Fn(u64, u64),
    emit: Option<Emit<'_>>,
    streaming: Streaming,
) -> Result<FileReport, ImportError> {
    let io = |source| ImportError::Io {
        path: path.into(),
        source,
    };
    let mut run = FileRun::new(path, opts, sink, emit);
    run.sink.notes = Default::default();
    run.sink.gather.clear();
    let size = std::fs::metadata(path).map_err(io)?.len();
    if opts.kind == Some(FileKind::Transcript) {
        let bytes = std::fs::read(path).map_err(io)?;
        progress(0, size);
        let mut decoded = decode::decode(bytes, opts.encoding);
        run.report.encoding = decoded.encoding;
        run.report.warnings.extend(decoded.warning.take());
        transcript::read(decoded.text(), opts, &mut run)?;
        return Ok(finish_file(run, size, progress));
    }
    if let Some((blocks, quotes)) = streamable(path, size, opts, streaming).map_err(io)? {
        progress(0, size);
        if quotes == csv_file::Quotes::None
            && streaming.range > 0
            && run.emit.is_some()
            && ranges::read(path, size, opts, &mut run, streaming, progress)?
        {
            return Ok(finish_file(run, size, progress));
        }
        let every = run.emit.as_ref().map_or(usize::MAX, |e| e.every);
        let batch = &mut run.sink.batch;
        batch
            .messages
            .reserve((size as usize / 96).min(every.saturating_add(1)));
        let report_progress = |done: usize| progress((done as u64).min(size), size);
        csv_file::read(csv_file::Text::Stream(blocks), &mut run, &report_progress)?;
        return Ok(finish_file(run, size, progress));
    }
    let bytes = std::fs::read(path).map_err(io)?;
    let size = bytes.len() as u64;
    progress(0, size);
    match form_of(path, &bytes) {
        Form::Workbook => workbook::read(bytes, &mut run)?,
        _ if opts.encoding.is_none()
            && (bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF")) =>
        {
            return Err(ImportError::Malformed {
                path: path.into(),
                line: 1,
                reason: messages::utf16_refused(),
            });
        }
        form => {
            let mut decoded = decode::decode(bytes, opts.encoding);
            run.report.encoding = decoded.encoding;
            run.report.warnings.extend(decoded.warning.take());
            let scale = |done: usize| {
                let len = decoded.text().len().max(1) as u128;
                (done as u128 * size as u128 / len) as u64
            };
            let report_progress = |done: usize| progress(scale(done).min(size), size);
            // Room for a chat log's rows and texts up front: growing these by doubling copies
            // them again and again, and large imports are message files.
            let batch = &mut run.sink.batch;
            batch.messages.reserve(decoded.text().len() / 96);
            batch.text.reserve(decoded.text().len() / 2);
            match form {
                Form::JsonLines => jsonl::read(decoded.text(), &mut run, &report_progress)?,
                _ => csv_file::read(
                    csv_file::Text::Whole(decoded.text()),
                    &mut run,
                    &report_progress,
                )?,
            }
        }
    }
    Ok(finish_file(run, size, progress))
}

/// A large delimited file that is UTF-8 throughout (as the encoding rule of `formats.md`
/// decides before a byte is converted), opened after its byte-order mark, and whether it
/// holds quotes; `None` for any other file, which is read whole.
fn streamable(
    path: &Path,
    size: u64,
    opts: &ImportOptions,
    streaming: Streaming,
) -> std::io::Result<Option<(csv_file::Utf8Blocks, csv_file::Quotes)>> {
    use std::io::{Read, Seek, SeekFrom};
    if size <= streaming.above || opts.encoding == Some(Encoding::Gb18030) {
        return Ok(None);
    }
    let mut file = std::fs::File::open(path)?;
    let mut head = Vec::with_capacity(4096);
    file.by_ref().take(4096).read_to_end(&mut head)?;
    if !matches!(form_of(path, &head), Form::Delimited)
        || head.starts_with(b"\xFF\xFE")
        || head.starts_with(b"\xFE\xFF")
    {
        return Ok(None);
    }
    file.seek(SeekFrom::Start(0))?;
    let Some(quotes) = csv_file::utf8_throughout(&mut file)? else {
        return Ok(None);
    };
    let bom = if head.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    file.seek(SeekFrom::Start(bom))?;
    let blocks = csv_file::Utf8Blocks::new(file.take(u64::MAX), streaming.block);
    Ok(Some((blocks, quotes)))
}

/// The file's warnings from what its rows noted, and the last progress report.
fn finish_file(mut run: FileRun<'_, '_, '_>, size: u64, progress: &dyn Fn(u64, u64)) -> FileReport {
    let n = run.sink.notes.texts_cut;
    if n > 0 {
        let first = run.first_cut_line.unwrap_or(0);
        let (max, mark) = (convert::MAX_TEXT_BYTES, convert::CUT_MARK);
        run.report.warnings.push(Said::new(
            format!(
                "{n} 条消息文本超过 {max} 字节，已截断到这个长度，并以 `{mark}` 结尾（第一条在第 \
                 {first} 行）"
            ),
            format!(
                "{n} message text(s) longer than {max} bytes were cut to that length and end \
                 with `{mark}` (the first at line {first})"
            ),
        ));
    }
    let n = run.sink.notes.closed_unpaid_without_time;
    let export = run.report.kind.is_some_and(|k| k != FileKind::TaobaoOrders);
    if n > 0 && !export {
        run.report.warnings.push(Said::new(
            format!(
                "{n} 个已关闭的订单从未付款，且文件没有关闭时间列（订单关闭时间）：按未付款订单\
                 保存，不记关闭时间（closed_at）"
            ),
            format!(
                "{n} closed order(s) were never paid and the file has no close-time column \
                 (订单关闭时间): they are kept as unpaid orders without closed_at"
            ),
        ));
    } else if n > 0 {
        run.report.warnings.push(Said::new(
            format!(
                "{n} 个已取消或已关闭的订单从未付款，且导出文件没有关闭时间：按未付款订单保存，\
                 不记关闭时间（closed_at）"
            ),
            format!(
                "{n} cancelled or closed order(s) were never paid and the export gives no close \
                 time: they are kept as unpaid orders without closed_at"
            ),
        ));
    }
    let n = run.sink.notes.amounts_disagree;
    if n > 0 {
        run.report.warnings.push(Said::new(
            format!("{n} 个订单的各行订单金额（订单金额）不一致：保留第一行的金额"),
            format!(
                "{n} order(s) have lines with different order amounts (订单金额): the first \
                 line's amount is kept"
            ),
        ));
    }
    let n = run.sink.notes.unknown_buyers;
    if n > 0 {
        let unknown = convert::UNKNOWN_BUYER;
        run.report.warnings.push(Said::new(
            format!(
                "{n} 行没有买家（导出文件没有买家列，或买家为空）：买家记为 `{unknown}`，\
                 不会与任何聊天对上"
            ),
            format!(
                "{n} row(s) name no buyer (the export has no buyer column, or the value is \
                 empty): their buyer is `{unknown}`, which no chat matches"
            ),
        ));
    }
    progress(size, size);
    run.report
}

/// Where full batches go while a file is read.
struct Emit<'e> {
    /// Messages per batch.
    every: usize,
    to: &'e mut dyn FnMut(ImportBatch) -> Result<(), ImportError>,
}

/// One file being read: forwards rows to the sink and keeps the report.
pub(crate) struct FileRun<'s, 'a, 'e> {
    sink: &'s mut Sink<'a>,
    /// The kind named with `--kind`, if any.
    forced: Option<FileKind>,
    /// Hands the batch on when it holds this many messages; none: one batch at the end.
    emit: Option<Emit<'e>>,
    keep_all: bool,
    /// The line of the first message text cut to its limit, for the file's warning.
    first_cut_line: Option<u64>,
    report: FileReport,
}

impl<'s, 'a, 'e> FileRun<'s, 'a, 'e> {
    /// Reading `path` begins: nothing read yet.
    fn new(
        path: &Path,
        opts: &ImportOptions,
        sink: &'s mut Sink<'a>,
        emit: Option<Emit<'e>>,
    ) -> Self {
        FileRun {
            sink,
            forced: opts.kind,
            keep_all: opts.skip_bad,
            first_cut_line: None,
            emit,
            report: FileReport {
                path: path.to_path_buf(),
                kind: None,
                platform: None,
                encoding: Encoding::Utf8,
                rows: 0,
                accepted: 0,
                rejected: Vec::new(),
                warnings: Vec::new(),
            },
        }
    }

    fn path(&self) -> &Path {
        &self.report.path
    }

    /// Recognises the file from its header (already cleaned) and notes the kind and warnings
    /// (unknown columns too, when `warn_unknown`).
    fn layout(&mut self, header: &[String], warn_unknown: bool) -> Result<Layout, ImportError> {
        let layout = columns::layout(&self.report.path, header, self.forced)?;
        self.report.kind = Some(layout.kind);
        self.report.warnings.extend(layout.warnings.iter().cloned());
        if warn_unknown && !layout.unknown.is_empty() {
            self.report
                .warnings
                .push(columns::unknown_columns_warning(&layout.unknown));
        }
        Ok(layout)
    }

    /// Converts one data row; `line` and `raw` give the row's line and original text, asked
    /// only when it is needed (a bad row).
    fn row(
        &mut self,
        layout: &Layout,
        header: &[String],
        vals: &[&str],
        line: impl FnOnce() -> u64,
        raw: impl FnOnce() -> String,
    ) -> Result<(), ImportError> {
        self.report.rows += 1;
        let cut_before = self.sink.notes.texts_cut;
        match self.sink.row(layout.kind, vals) {
            Ok(()) => {
                self.report.accepted += 1;
                if self.sink.notes.texts_cut > cut_before && self.first_cut_line.is_none() {
                    self.first_cut_line = Some(line());
                }
                if let Some(emit) = &mut self.emit
                    && self.sink.batch.messages.len() >= emit.every
                {
                    (emit.to)(self.sink.take_batch())?;
                }
                Ok(())
            }
            Err(RowFail::Bad { col, reason }) => {
                let line = line();
                let column = col.map(|c| layout.column_name(c, header));
                let value = col.map(|c| convert::val(vals, c).to_string());
                self.push_reject(RejectedRow {
                    line,
                    column,
                    value,
                    reason,
                    raw: raw(),
                });
                Ok(())
            }
            Err(RowFail::TextFull) => Err(ImportError::TooMuchText {
                path: self.path().into(),
                line: line(),
            }),
        }
    }

    /// A row that could not even be split into values.
    fn reject(&mut self, line: u64, reason: String, raw: String) {
        self.report.rows += 1;
        self.push_reject(RejectedRow {
            line,
            column: None,
            value: None,
            reason,
            raw,
        });
    }

    fn reject_value(
        &mut self,
        line: u64,
        column: &str,
        value: String,
        reason: String,
        raw: String,
    ) {
        self.report.rows += 1;
        let r = RejectedRow {
            line,
            column: Some(column.to_string()),
            value: Some(value),
            reason,
            raw,
        };
        self.push_reject(r);
    }

    fn push_reject(&mut self, mut r: RejectedRow) {
        // A rejected row keeps enough of itself to be found and fixed, not a 190 MB message.
        cut_to(&mut r.raw, MAX_REJECTED_BYTES);
        if let Some(v) = &mut r.value {
            cut_to(v, MAX_REJECTED_BYTES);
        }
        // When bad rows fail the import, only the first few are shown: keep no more.
        if self.keep_all || self.report.rejected.len() < SHOWN_BAD_ROWS {
            self.report.rejected.push(r);
        }
    }
}

/// Writes the rejected rows of an import as CSV: `file,line,column,value,reason,raw`, text
/// cells neutralised against spreadsheet formulas ([`csv_text`]).
pub fn write_rejects(outcome_files: &[FileReport], path: &Path) -> std::io::Result<()> {
    let mut w = csv::Writer::from_path(path)?;
    w.write_record(["file", "line", "column", "value", "reason", "raw"])?;
    for f in outcome_files {
        let file = f.path.display().to_string();
        for r in &f.rejected {
            let line = r.line.to_string();
            w.write_record([
                csv_text(&file).as_ref(),
                line.as_str(),
                csv_text(r.column.as_deref().unwrap_or("")).as_ref(),
                csv_text(r.value.as_deref().unwrap_or("")).as_ref(),
                csv_text(&r.reason).as_ref(),
                csv_text(&r.raw).as_ref(),
            ])?;
        }
    }
    w.flush()
}

#[cfg(test)]
mod streaming_tests {
    use super::*;
    use proptest::prelude::*;

    /// What a file read gives, names resolved, for comparing reads of one file.
    fn rows(batches: &[ImportBatch]) -> Vec<String> {
        let mut out = Vec::new();
        for b in batches {
            for (seq, m) in b.messages.iter().enumerate() {
                let e = &m.message;
                assert_eq!(e.seq, seq as u64, "seqs count from 0 in each batch");
                out.push(format!(
                    "{} {} {} {} {:?} {:?} {:?} {}",
                    b.names.name(m.store),
                    e.time,
                    b.names.name(e.buyer),
                    b.names.name(e.account),
                    e.sender,
                    e.transfer_to.map(|t| b.names.name(t)),
                    m.msg_id.map(|r| b.text(r)),
                    b.text(m.text)
                ));
            }
        }
        out
    }

    /// A message file of `lines` after the header, in a directory of its own.
    fn message_file(
        bom: bool,
        lines: impl IntoIterator<Item = String>,
    ) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("messages.csv");
        let mut text = String::from(if bom { "\u{feff}" } else { "" });
        text.push_str("time,buyer,account,sender,text\n");
        text.extend(lines);
        std::fs::write(&path, &text).unwrap();
        (dir, path)
    }

    fn line() -> impl Strategy<Value = String> {
        let text = prop::collection::vec(
            prop::sample::select(vec![
                "你好", "a", " ", ",", "\"", "\n", "\r\n", "x\"y", "\"\"", "…",
            ]),
            0..6,
        )
        .prop_map(|parts| parts.concat());
        (0u32..86_400, 0u8..4, 0u8..3, text, 0u8..10).prop_map(
            |(sec, buyer, sender, text, shape)| {
                let time = format!(
                    "2026-11-01 {:02}:{:02}:{:02}",
                    sec / 3600,
                    sec / 60 % 60,
                    sec % 60
                );
                let sender = ["buyer", "agent", "bot"][sender as usize];
                let quoted = format!("\"{}\"", text.replace('"', "\"\""));
                match shape {
                    // A row with too few fields, a bad time, a blank line.
                    0 => format!("{time},b{buyer}\n"),
                    1 => format!("yesterday,b{buyer},店:小美,{sender},{quoted}\n"),
                    2 => "\n".to_string(),
                    3 => format!("{time},b{buyer},店:小美,{sender},{quoted}\r\n"),
                    _ => format!("{time},b{buyer},店:小美,{sender},{quoted}\n"),
                }
            },
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// A file read a few bytes at a time, in batches of a few messages, gives the rows and
        /// the report of the file read whole.
        #[test]
        fn streamed_in_batches_equals_read_whole(
            lines in prop::collection::vec(line(), 0..40),
            block in 1usize..64,
            max_messages in 1usize..8,
            bom in any::<bool>(),
        ) {
            let (_dir, path) = message_file(bom, lines);
            let config = Config::default();
            let mut opts = ImportOptions::new(&config);
            opts.skip_bad = true;

            let whole = read_files(std::slice::from_ref(&path), &opts, &|_, _| {}).unwrap();
            let mut batches = Vec::new();
            let streaming = Streaming { above: 0, block, range: 0 };
            let report = read_batches_with(&path, &opts, max_messages, &|_, _| {}, &mut |b| {
                batches.push(b);
                Ok(())
            }, streaming).unwrap();
            prop_assert_eq!(rows(&batches), rows(std::slice::from_ref(&whole.batch)));
            prop_assert!(batches.iter().all(|b| b.messages.len() <= max_messages));
            let w = &whole.files[0];
            prop_assert_eq!((report.rows, report.accepted), (w.rows, w.accepted));
            prop_assert_eq!(&report.rejected, &w.rejected);
            prop_assert_eq!(&report.warnings, &w.warnings);
        }

        /// A file without quotes cut into ranges at any line break, read two ranges at a time,
        /// gives the rows, the rejected rows with their lines, the warnings, and the error
        /// without `skip_bad`, of one reader.
        #[test]
        fn ranges_read_apart_equal_one_reader(
            lines in prop::collection::vec(line(), 0..60),
            range in 20u64..400,
            block in 1usize..64,
            max_messages in 1usize..8,
            bom in any::<bool>(),
        ) {
            // Quoted fields become fields cut at their commas: bad rows, at any line.
            let (_dir, path) = message_file(bom, lines.iter().map(|l| l.replace('"', "'")));
            let config = Config::default();
            let mut opts = ImportOptions::new(&config);
            for skip_bad in [true, false] {
                opts.skip_bad = skip_bad;
                let read = |range: u64| {
                    let mut batches = Vec::new();
                    let streaming = Streaming { above: 0, block, range };
                    let report = read_batches_with(&path, &opts, max_messages, &|_, _| {}, &mut |b| {
                        batches.push(b);
                        Ok(())
                    }, streaming);
                    (batches, report)
                };
                let (one, one_report) = read(0);
                let (apart, apart_report) = read(range);
                match (one_report, apart_report) {
                    (Ok(o), Ok(a)) => {
                        prop_assert_eq!(rows(&apart), rows(&one));
                        prop_assert!(apart.iter().all(|b| b.messages.len() <= max_messages));
                        prop_assert_eq!((a.rows, a.accepted), (o.rows, o.accepted));
                        prop_assert_eq!(&a.rejected, &o.rejected);
                        prop_assert_eq!(&a.warnings, &o.warnings);
                    }
                    (Err(o), Err(a)) => prop_assert_eq!(a.to_string(), o.to_string()),
                    (o, a) => prop_assert!(false, "one reader: {o:?}; ranges: {a:?}"),
                }
            }
        }
    }

    #[test]
    fn a_bad_row_in_a_later_range_names_its_line_in_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("messages.csv");
        let mut text = String::from("time,buyer,account,sender,text\n");
        for i in 0..2000 {
            text.push_str(&format!(
                "2026-11-01 10:{:02}:{:02},b{i},店:小美,buyer,你好\n",
                i / 60 % 60,
                i % 60
            ));
            if i % 7 == 0 {
                text.push('\n');
            }
        }
        text.push_str("yesterday,b1,店:小美,buyer,hi\n");
        let bad_line = text.lines().count() as u64;
        text.push_str("2026-11-01 11:00:00,b1,店:小美,buyer,再见\n");
        std::fs::write(&path, &text).unwrap();
        let config = Config::default();
        let opts = ImportOptions::new(&config);
        for range in [0, 1000, 4096] {
            let streaming = Streaming {
                above: 0,
                block: 512,
                range,
            };
            let mut batches = 0;
            let read = read_batches_with(
                &path,
                &opts,
                300,
                &|_, _| {},
                &mut |_| {
                    batches += 1;
                    Ok(())
                },
                streaming,
            );
            match read {
                Err(ImportError::BadRows { first, count, .. }) => {
                    assert_eq!(
                        (first.line, count),
                        (bad_line, 1),
                        "ranges of {range} bytes"
                    );
                }
                other => panic!("ranges of {range} bytes: {other:?}"),
            }
            assert!(batches > 1);
        }
    }
}
