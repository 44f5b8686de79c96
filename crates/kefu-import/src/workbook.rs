//! Workbooks (.xlsx, .xlsb, .xls) through calamine: the first sheet, its first non-empty row as
//! the header, every cell turned into the text a CSV export would have. xlsx and xlsb sheets
//! are read as a stream of the cells present, a row at a time; OpenDocument is refused (see
//! [`stream`]).

use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};

use calamine::{Data, DataRef, Reader, Xls, Xlsb, Xlsx, open_workbook_from_rs};
use kefu_core::localized::{Localized, Said};
use zip::ZipArchive;

use crate::columns::{Layout, clean_header};
use crate::{FileRun, ImportError, messages};

/// A cell as text: date-times as `YYYY-MM-DD HH:MM:SS`, whole numbers without `.0` (so that
/// ids and amounts read `199`, never `1.99e2`), other numbers in plain decimal notation.
pub(crate) fn cell(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => number(*f),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) if dt.is_datetime() => {
            let (y, mo, d, h, mi, s, ms) = dt.to_ymd_hms_milli();
            if ms == 0 {
                format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}")
            } else {
                format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}.{ms:03}")
            }
        }
        Data::DateTime(dt) => number(dt.as_f64()),
        Data::Error(e) => e.to_string(),
    }
}

fn number(f: f64) -> String {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e18 {
        return (f as i64).to_string();
    }
    // `Display` for f64 never uses an exponent and gives the shortest text that reads back.
    let s = f.to_string();
    // Spreadsheet arithmetic leaves noise such as 58.800000000000004: round it away.
    match s.split_once('.') {
        Some((_, frac)) if frac.len() > 9 && f.is_finite() => {
            let r = format!("{f:.6}");
            r.trim_end_matches('0').trim_end_matches('.').to_string()
        }
        _ => s,
    }
}

/// What reading a workbook may cost, whatever its parts declare. Only the cells present are
/// kept, one row at a time, so memory follows the data actually in the file, never the sheet's
/// declared extent (a single cell at `XFD1048576` once made the reader allocate 512 GiB).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// Data rows of the sheet (blank rows do not count): what the import's batch can hold.
    pub rows: u64,
    /// The uncompressed size of a worksheet part, as the archive declares it (the zip reader
    /// stops at the declared size, so a part cannot inflate beyond it).
    pub sheet_bytes: u64,
    /// The uncompressed size of every other part the reader loads whole (shared strings,
    /// styles, the workbook's index).
    pub part_bytes: u64,
}

/// The documented limits of `docs/formats.md`.
pub(crate) const LIMITS: Limits = Limits {
    rows: 3_000_000,
    sheet_bytes: 2 << 30,
    part_bytes: 256 << 20,
};

/// Why a workbook is not read, before any row reaches the sink.
enum Refused {
    /// A message for [`ImportError::Workbook`].
    Message(Said),
    /// The row sink's own error (bad rows are not errors; a full text arena is).
    Import(ImportError),
}

impl From<Said> for Refused {
    fn from(m: Said) -> Self {
        Refused::Message(m)
    }
}

impl From<ImportError> for Refused {
    fn from(e: ImportError) -> Self {
        Refused::Import(e)
    }
}

pub(crate) fn read(bytes: Vec<u8>, run: &mut FileRun<'_, '_, '_>) -> Result<(), ImportError> {
    read_with(bytes, run, LIMITS)
}

pub(crate) fn read_with(
    bytes: Vec<u8>,
    run: &mut FileRun<'_, '_, '_>,
    limits: Limits,
) -> Result<(), ImportError> {
    let path = run.path().to_path_buf();
    // A malformed workbook must not bring the import down, whatever the reader does with it.
    let done = catch_unwind(AssertUnwindSafe(|| stream(&bytes, run, limits)));
    match done {
        Ok(Ok(())) => Ok(()),
        Ok(Err(Refused::Import(e))) => Err(e),
        Ok(Err(Refused::Message(message))) => Err(ImportError::Workbook { path, message }),
        Err(_) => Err(ImportError::Workbook {
            path,
            message: messages::damaged_workbook(),
        }),
    }
}

/// The legacy binary format starts with the compound-file signature; the others are zips.
pub(crate) const CFB_MAGIC: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

fn stream(bytes: &[u8], run: &mut FileRun<'_, '_, '_>, limits: Limits) -> Result<(), Refused> {
    let mut rows = Rows::new(limits.rows);
    if bytes.starts_with(CFB_MAGIC) {
        // calamine reads an .xls whole; the format itself bounds a sheet to 65,536 × 256
        // cells, so this path cannot be told to allocate more than that grid.
        let mut wb: Xls<_> = open_workbook_from_rs(Cursor::new(bytes)).map_err(err)?;
        let Some(range) = wb.worksheet_range_at(0) else {
            return Err(empty(run));
        };
        let range = range.map_err(err)?;
        let (r0, c0) = range.start().unwrap_or((0, 0));
        for (i, row) in range.rows().enumerate() {
            for (j, d) in row.iter().enumerate() {
                rows.cell(run, (r0 + i as u32, c0 + j as u32), cell(d))?;
            }
        }
        return rows.finish(run);
    }
    check_parts(bytes, limits)?;
    if let Ok(mut wb) = open_workbook_from_rs::<Xlsx<_>, _>(Cursor::new(bytes)) {
        let Some(name) = wb.sheet_names().into_iter().next() else {
            return Err(empty(run));
        };
        let mut cells = wb.worksheet_cells_reader(&name).map_err(err)?;
        while let Some(c) = cells.next_cell().map_err(err)? {
            rows.cell(run, c.get_position(), cell_ref(c.get_value()))?;
        }
        return rows.finish(run);
    }
    match open_workbook_from_rs::<Xlsb<_>, _>(Cursor::new(bytes)) {
        Ok(mut wb) => {
            let Some(name) = wb.sheet_names().into_iter().next() else {
                return Err(empty(run));
            };
            let mut cells = wb.worksheet_cells_reader(&name).map_err(err)?;
            while let Some(c) = cells.next_cell().map_err(err)? {
                rows.cell(run, c.get_position(), cell_ref(c.get_value()))?;
            }
            rows.finish(run)
        }
        // OpenDocument sheets are not read: calamine expands their repeated rows and columns
        // into a dense grid before a row can be looked at, so a tiny file could still claim
        // gigabytes.
        Err(_) if is_ods(bytes) => Err(Refused::Message(messages::ods_refused())),
        Err(e) => Err(err(e)),
    }
}
fn err(e: impl std::fmt::Display) -> Refused {
    Refused::Message(messages::reader_said(e))
}

fn empty(run: &FileRun<'_, '_, '_>) -> Refused {
    Refused::Import(ImportError::Empty {
        path: run.path().into(),
    })
}

pub(crate) fn cell_ref(d: &DataRef<'_>) -> String {
    match d {
        DataRef::Empty => String::new(),
        DataRef::SharedString(s) => (*s).to_string(),
        other => cell(&Data::from(other.clone())),
    }
}

pub(crate) fn is_ods(bytes: &[u8]) -> bool {
    ZipArchive::new(Cursor::new(bytes)).is_ok_and(|z| {
        z.file_names().flatten().any(|n| n == "mimetype")
            && z.index_for_name("content.xml").is_some()
    })
}

/// [`check_parts`] for readers of their own (platform reports): the refusal's message.
pub(crate) fn check_zip(bytes: &[u8], limits: Limits) -> Result<(), Said> {
    check_parts(bytes, limits).map_err(|r| match r {
        Refused::Message(m) => m,
        Refused::Import(e) => Said::new(e.zh(), e.to_string()),
    })
}

/// Refuses a zip whose parts declare more than the limits, before calamine loads any of them.
fn check_parts(bytes: &[u8], limits: Limits) -> Result<(), Refused> {
    let zip = ZipArchive::new(Cursor::new(bytes)).map_err(err)?;
    for i in 0..zip.len() {
        let entry = zip.by_index_data(i).map_err(err)?;
        let name = String::from_utf8_lossy(entry.name_raw()).to_ascii_lowercase();
        let (limit, what) = if name.contains("worksheets/") {
            (limits.sheet_bytes, "worksheet")
        } else if name.ends_with(".xml") || name.ends_with(".bin") || name.ends_with(".rels") {
            (limits.part_bytes, "part")
        } else {
            continue;
        };
        if entry.size() > limit {
            let (mib, limit) = (entry.size() >> 20, limit >> 20);
            let what_zh = if what == "worksheet" {
                "工作表"
            } else {
                "部件"
            };
            return Err(Refused::Message(Said::new(
                format!(
                    "其中的{what_zh} `{name}` 解压后有 {mib} MiB，超过 {limit} MiB 的上限：\
                     请把数据拆成几个文件，或另存为 CSV"
                ),
                format!(
                    "its {what} `{name}` unpacks to {mib} MiB, over the limit of {limit} MiB: \
                     split the data into several files or save it as CSV"
                ),
            )));
        }
    }
    Ok(())
}

/// The largest column a spreadsheet has (`XFD`): cells beyond it are not data.
const MAX_COLUMNS: usize = 16_384;

/// Cells gathered into rows: one row is held at a time, as wide as its last non-empty cell
/// (and, once the header is known, never wider than the header).
struct Rows {
    max_rows: u64,
    data_rows: u64,
    /// The 0-based sheet row being gathered.
    at: Option<u32>,
    cells: Vec<String>,
    width: usize,
    header: Option<(Vec<String>, Layout)>,
}

impl Rows {
    fn new(max_rows: u64) -> Self {
        Rows {
            max_rows,
            data_rows: 0,
            at: None,
            cells: Vec::new(),
            width: MAX_COLUMNS,
            header: None,
        }
    }

    fn cell(
        &mut self,
        run: &mut FileRun<'_, '_, '_>,
        (row, col): (u32, u32),
        text: String,
    ) -> Result<(), Refused> {
        if self.at != Some(row) {
            self.flush(run)?;
            self.at = Some(row);
        }
        let col = col as usize;
        if text.is_empty() || col >= self.width {
            return Ok(());
        }
        if self.cells.len() <= col {
            self.cells.resize(col + 1, String::new());
        }
        if let Some(slot) = self.cells.get_mut(col) {
            *slot = text;
        }
        Ok(())
    }

    fn flush(&mut self, run: &mut FileRun<'_, '_, '_>) -> Result<(), Refused> {
        let Some(at) = self.at.take() else {
            return Ok(());
        };
        let row = std::mem::take(&mut self.cells);
        if row.iter().all(|c| c.trim().is_empty()) {
            return Ok(());
        }
        let line = u64::from(at) + 1;
        let Some((header, layout)) = &self.header else {
            let header: Vec<String> = row.iter().map(|h| clean_header(h).to_string()).collect();
            let layout = run.layout(&header, true)?;
            self.width = header.len();
            self.header = Some((header, layout));
            return Ok(());
        };
        self.data_rows += 1;
        if self.data_rows > self.max_rows {
            let max = self.max_rows;
            return Err(Refused::Message(Said::new(
                format!(
                    "工作表的数据超过 {max} 行，这是一个工作簿的上限：请拆成几个文件，或另存为 CSV"
                ),
                format!(
                    "the sheet has more than {max} data rows, the limit for one workbook: split \
                     it into several files or save it as CSV"
                ),
            )));
        }
        let vals: Vec<&str> = layout
            .map
            .iter()
            .map(|m| m.and_then(|j| row.get(j)).map_or("", String::as_str))
            .collect();
        run.row(layout, header, &vals, || line, || row.join(","))?;
        Ok(())
    }

    fn finish(mut self, run: &mut FileRun<'_, '_, '_>) -> Result<(), Refused> {
        self.flush(run)?;
        if self.header.is_none() {
            return Err(empty(run));
        }
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(number(199.0), "199");
        assert_eq!(number(1234567890123456.0), "1234567890123456");
        assert_eq!(number(129.9), "129.9");
        assert_eq!(number(58.800000000000004), "58.8");
        assert_eq!(number(1e20), "100000000000000000000");
        assert_eq!(number(0.5), "0.5");
    }

    fn read_limited(
        name: &str,
        bytes: Vec<u8>,
        limits: Limits,
    ) -> Result<crate::FileReport, String> {
        read_or_refuse(name, bytes, limits).map_err(|e| e.to_string())
    }

    fn read_or_refuse(
        name: &str,
        bytes: Vec<u8>,
        limits: Limits,
    ) -> Result<crate::FileReport, ImportError> {
        let config = kefu_core::settings::Config::default();
        let mut sink = crate::convert::Sink::new(&config, None);
        let mut run = FileRun {
            sink: &mut sink,
            forced: None,
            emit: None,
            keep_all: true,
            first_cut_line: None,
            report: crate::FileReport {
                path: name.into(),
                kind: None,
                platform: None,
                encoding: crate::Encoding::Utf8,
                rows: 0,
                accepted: 0,
                rejected: Vec::new(),
                warnings: Vec::new(),
            },
        };
        read_with(bytes, &mut run, limits)?;
        Ok(run.report)
    }

    fn roster(rows: u32) -> Vec<u8> {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        ws.write_string(0, 0, "account").unwrap();
        for r in 1..=rows {
            ws.write_string(r, 0, format!("店:客服{r}")).unwrap();
        }
        wb.save_to_buffer().unwrap()
    }

    const ROOMY: Limits = Limits {
        rows: 10,
        sheet_bytes: 1 << 20,
        part_bytes: 1 << 20,
    };

    #[test]
    fn rows_over_the_limit_refuse_the_workbook_by_name() {
        assert_eq!(
            read_limited("r.xlsx", roster(10), ROOMY).unwrap().accepted,
            10
        );
        let e = read_limited("r.xlsx", roster(11), ROOMY).unwrap_err();
        assert!(
            e.starts_with("r.xlsx: cannot read the workbook: the sheet has more than 10"),
            "{e}"
        );
    }

    #[test]
    fn parts_declaring_more_than_the_limit_are_not_loaded() {
        let small = Limits {
            part_bytes: 64,
            ..ROOMY
        };
        let e = read_limited("p.xlsx", roster(1), small).unwrap_err();
        assert!(e.contains("p.xlsx") && e.contains("over the limit"), "{e}");
        let small = Limits {
            sheet_bytes: 64,
            ..ROOMY
        };
        let e = read_limited("p.xlsx", roster(1), small).unwrap_err();
        assert!(e.contains("worksheet `xl/worksheets/sheet1.xml`"), "{e}");
    }

    #[test]
    fn opendocument_is_refused() {
        let e = read_limited("s.ods", ods(), ROOMY).unwrap_err();
        assert!(e.contains("s.ods") && e.contains(".ods"), "{e}");
    }

    /// A minimal OpenDocument spreadsheet.
    pub(crate) fn ods() -> Vec<u8> {
        use std::io::Write as _;
        let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let o = zip::write::SimpleFileOptions::default();
        z.start_file("mimetype", o).unwrap();
        z.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
            .unwrap();
        z.start_file("content.xml", o).unwrap();
        z.write_all(b"<office:document-content/>").unwrap();
        z.finish().unwrap().into_inner()
    }

    /// Issue 12 item 10: every refusal of a workbook reads in Chinese, in English as before.
    #[test]
    fn refusals_read_in_both_languages() {
        use crate::messages::tests::english_words;
        let small = Limits {
            part_bytes: 64,
            ..ROOMY
        };
        let tiny_sheet = Limits {
            sheet_bytes: 64,
            ..ROOMY
        };
        let cases = [
            (
                roster(11),
                ROOMY,
                "the sheet has more than 10 data rows",
                "超过 10 行",
            ),
            (
                roster(1),
                small,
                "over the limit of 0 MiB",
                "超过 0 MiB 的上限",
            ),
            (
                roster(1),
                tiny_sheet,
                "its worksheet `xl/worksheets",
                "工作表 `xl/worksheets",
            ),
            (
                ods(),
                ROOMY,
                "(.ods) are not read",
                "不读取 OpenDocument 表格",
            ),
            (
                b"PK\x03\x04garbage".to_vec(),
                ROOMY,
                "cannot read the workbook: ",
                "文件已损坏",
            ),
        ];
        for (bytes, limits, en, zh) in cases {
            let e = read_or_refuse("表.xlsx", bytes, limits).unwrap_err();
            assert!(matches!(e, ImportError::Workbook { .. }), "{e:?}");
            assert!(e.to_string().contains(en), "{e}");
            let text = e.zh();
            assert!(text.starts_with("表.xlsx：无法读取工作簿："), "{text}");
            assert!(text.contains(zh), "{text}");
            assert!(english_words(&text).is_empty(), "{text}");
        }
    }

    #[test]
    fn rows_are_gathered_from_cells_in_any_column_order() {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        // Header starting in column B, a blank row, cells right of the header ignored.
        ws.write_string(2, 1, "account").unwrap();
        ws.write_string(2, 2, "name").unwrap();
        ws.write_string(4, 2, "小王").unwrap();
        ws.write_string(4, 1, "店:王").unwrap();
        ws.write_string(4, 9, "ignored").unwrap();
        ws.write_string(5, 2, "no account").unwrap();
        let report = read_limited("c.xlsx", wb.save_to_buffer().unwrap(), ROOMY).unwrap();
        assert_eq!((report.rows, report.accepted), (2, 1));
        assert_eq!(report.rejected[0].line, 6);
        assert_eq!(report.rejected[0].raw, ",,no account");
    }
}
