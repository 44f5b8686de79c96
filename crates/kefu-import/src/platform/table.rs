//! A report file as tables of text cells: every sheet of a workbook (.xlsx, .xlsb, .xls —
//! also an "xlsx" that is an xls inside, as 拼多多 sends), or the one table of a CSV/TSV file
//! (UTF-8 with or without BOM, or GBK/GB18030). Platform reports are small; they are read
//! whole, within the limits of `docs/formats.md`.

use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};

use calamine::{Data, DataRef, Reader, Xls, Xlsb, Xlsx, open_workbook_from_rs};
use kefu_core::localized::Said;

use crate::workbook::{CFB_MAGIC, LIMITS, cell, check_zip, is_ods};
use crate::{Encoding, decode, messages};

/// One row: its 1-based line (the sheet's row number, or the text's physical line) and cells.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    pub line: u64,
    pub cells: Vec<String>,
}

#[derive(Debug)]
pub(crate) struct Table {
    /// The sheet's name (none for a text file).
    pub sheet: Option<String>,
    pub rows: Vec<Row>,
}

/// The most rows one report file may hold (all sheets together); reports have a row per
/// agent and day, so this is years of a large team.
pub(crate) const MAX_ROWS: usize = 1_000_000;
/// Columns beyond Excel's last (`XFD`) are not data.
const MAX_COLUMNS: usize = 16_384;

/// What a file is read as, and the encoding used for text.
pub(crate) struct Read {
    pub tables: Vec<Table>,
    pub encoding: Encoding,
    pub warnings: Vec<kefu_core::localized::Said>,
}

/// Reads `bytes` (the file `name`) as tables. `Err`: a message for the file.
pub(crate) fn read(name: &str, bytes: Vec<u8>, forced: Option<Encoding>) -> Result<Read, Said> {
    let ext = std::path::Path::new(name)
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let workbook = bytes.starts_with(CFB_MAGIC)
        || bytes.starts_with(b"PK\x03\x04")
        || matches!(
            ext.as_deref(),
            Some("xlsx" | "xlsm" | "xlsb" | "xls" | "ods")
        );
    if workbook {
        let tables = match catch_unwind(AssertUnwindSafe(|| workbook_tables(&bytes))) {
            Ok(r) => r?,
            Err(_) => return Err(messages::damaged_workbook()),
        };
        return Ok(Read {
            tables,
            encoding: Encoding::Utf8,
            warnings: Vec::new(),
        });
    }
    if forced.is_none() && (bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF")) {
        return Err(messages::utf16_refused());
    }
    let mut decoded = decode::decode(bytes, forced);
    let warnings = decoded.warning.take().into_iter().collect();
    let rows = text_rows(decoded.text())?;
    Ok(Read {
        tables: vec![Table { sheet: None, rows }],
        encoding: decoded.encoding,
        warnings,
    })
}

/// The rows of delimited text: commas, or TABs when most of the first lines have TABs and no
/// commas (a title line above the header has neither).
fn text_rows(text: &str) -> Result<Vec<Row>, Said> {
    let (mut tabs, mut commas) = (0, 0);
    for l in text.lines().filter(|l| !l.trim().is_empty()).take(10) {
        // Delimiters outside quotes only: `"1,234"` is one value.
        let mut quoted = false;
        let (mut t, mut c) = (0, 0);
        for ch in l.chars() {
            match ch {
                '"' => quoted = !quoted,
                '\t' if !quoted => t += 1,
                ',' if !quoted => c += 1,
                _ => {}
            }
        }
        if t > c {
            tabs += 1;
        } else if c > 0 {
            commas += 1;
        }
    }
    let delimiter = if tabs > commas { b'\t' } else { b',' };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    // Physical lines, counted from the records' byte offsets (the reader skips blank lines
    // without counting them).
    let (mut counted_to, mut line) = (0usize, 1u64);
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                return Err(Said::new(
                    format!("第 {line} 行：无法把这一行拆成各列的值（{e}）"),
                    format!("line {line}: cannot split the line into values: {e}"),
                ));
            }
        }
        let mut at = record.position().map_or(0, |p| p.byte() as usize);
        // The offset may be that of blank lines before the record.
        while matches!(text.as_bytes().get(at), Some(b'\n' | b'\r')) {
            at += 1;
        }
        if let Some(between) = text.as_bytes().get(counted_to..at) {
            line += memchr::memchr_iter(b'\n', between).count() as u64;
            counted_to = at;
        }
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if rows.len() >= MAX_ROWS {
            return Err(too_many());
        }
        let cells = record
            .iter()
            .take(MAX_COLUMNS)
            .map(str::to_string)
            .collect();
        rows.push(Row { line, cells });
    }
    Ok(rows)
}

fn too_many() -> Said {
    Said::new(
        format!("报表超过 {MAX_ROWS} 行，这是一个报表文件的上限：请拆成几个文件"),
        format!(
            "the report has more than {MAX_ROWS} rows, the limit for one report file: split it \
             into several files"
        ),
    )
}

/// Cells (row, column, text) gathered into rows; blank rows dropped.
#[derive(Default)]
struct Gather {
    rows: Vec<Row>,
    at: Option<u32>,
    cells: Vec<String>,
    total: usize,
}

impl Gather {
    fn cell(&mut self, (row, col): (u32, u32), text: String) -> Result<(), Said> {
        if self.at != Some(row) {
            self.flush()?;
            self.at = Some(row);
        }
        let col = col as usize;
        if text.is_empty() || col >= MAX_COLUMNS {
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

    fn flush(&mut self) -> Result<(), Said> {
        let Some(at) = self.at.take() else {
            return Ok(());
        };
        let cells = std::mem::take(&mut self.cells);
        if cells.iter().all(|c| c.trim().is_empty()) {
            return Ok(());
        }
        self.total += 1;
        if self.total > MAX_ROWS {
            return Err(too_many());
        }
        self.rows.push(Row {
            line: u64::from(at) + 1,
            cells,
        });
        Ok(())
    }

    fn finish(mut self) -> Result<Vec<Row>, Said> {
        self.flush()?;
        Ok(self.rows)
    }
}

/// A cell as text, numbers with every digit they have: a rate of 67/68 is
/// 0.9852941176470589 as the platform computed it (canonical files round spreadsheet noise
/// away instead; money is rounded to the cent when read).
fn exact(d: Data) -> String {
    match d {
        Data::Float(f) if f.is_finite() && f.fract() != 0.0 => f.to_string(),
        other => cell(&other),
    }
}

fn exact_ref(d: &DataRef<'_>) -> String {
    match d {
        DataRef::SharedString(s) => (*s).to_string(),
        other => exact(Data::from(other.clone())),
    }
}

fn err(e: impl std::fmt::Display) -> Said {
    messages::reader_said(e)
}

fn workbook_tables(bytes: &[u8]) -> Result<Vec<Table>, Said> {
    let mut tables = Vec::new();
    let mut rows_so_far = 0;
    if bytes.starts_with(CFB_MAGIC) {
        // An .xls is read whole by calamine; its format bounds a sheet to 65,536 × 256 cells.
        let mut wb: Xls<_> = open_workbook_from_rs(Cursor::new(bytes)).map_err(err)?;
        for name in wb.sheet_names() {
            let range = wb.worksheet_range(&name).map_err(err)?;
            let (r0, c0) = range.start().unwrap_or((0, 0));
            let mut g = Gather {
                total: rows_so_far,
                ..Gather::default()
            };
            for (i, row) in range.rows().enumerate() {
                for (j, d) in row.iter().enumerate() {
                    g.cell((r0 + i as u32, c0 + j as u32), exact(d.clone()))?;
                }
            }
            rows_so_far = g.total;
            tables.push(Table {
                sheet: Some(name),
                rows: g.finish()?,
            });
        }
        return Ok(tables);
    }
    check_zip(bytes, LIMITS)?;
    // Every sheet as a stream of the cells present (the same for xlsx and xlsb, whose readers
    // are types of their own).
    macro_rules! sheets {
        ($wb:expr) => {{
            let mut wb = $wb;
            for name in wb.sheet_names() {
                let mut g = Gather {
                    total: rows_so_far,
                    ..Gather::default()
                };
                let mut cells = wb.worksheet_cells_reader(&name).map_err(err)?;
                while let Some(c) = cells.next_cell().map_err(err)? {
                    g.cell(c.get_position(), exact_ref(c.get_value()))?;
                }
                drop(cells);
                rows_so_far = g.total;
                tables.push(Table {
                    sheet: Some(name),
                    rows: g.finish()?,
                });
            }
            Ok(tables)
        }};
    }
    if let Ok(wb) = open_workbook_from_rs::<Xlsx<_>, _>(Cursor::new(bytes)) {
        return sheets!(wb);
    }
    match open_workbook_from_rs::<Xlsb<_>, _>(Cursor::new(bytes)) {
        Ok(wb) => sheets!(wb),
        Err(_) if is_ods(bytes) => Err(messages::ods_refused()),
        Err(e) => Err(err(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 12 item 10: a report file's refusals read in Chinese, in English as before.
    #[test]
    fn refusals_read_in_both_languages() {
        use crate::messages::tests::english_words;
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(
                "客服账号\t咨询人数\n"
                    .encode_utf16()
                    .flat_map(u16::to_le_bytes),
            )
            .collect();
        let cases = [
            ("r.txt", utf16, "the file is UTF-16", "文件是 UTF-16"),
            (
                "r.ods",
                crate::workbook::tests::ods(),
                "(.ods) are not read",
                "不读取",
            ),
            ("r.xlsx", b"PK\x03\x04garbage".to_vec(), "", "文件已损坏"),
        ];
        for (name, bytes, en, zh) in cases {
            let Err(said) = read(name, bytes, None) else {
                panic!("{name} is read");
            };
            assert!(said.en.contains(en), "{}", said.en);
            assert!(said.zh.contains(zh), "{}", said.zh);
            assert!(english_words(&said.zh).is_empty(), "{}", said.zh);
        }
    }

    #[test]
    fn text_with_tabs_quotes_and_blank_lines() {
        let r = read(
            "a.csv",
            "客服账号\t咨询人数\n\n\"小美\"\t\"1,234\"\n"
                .as_bytes()
                .to_vec(),
            None,
        )
        .unwrap();
        let rows = &r.tables[0].rows;
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].cells, vec!["小美", "1,234"]);
        assert_eq!(rows[1].line, 3);
    }

    #[test]
    fn a_title_line_above_a_tab_separated_header() {
        let text = "客服绩效 2026-11-01\n客服账号\t咨询人数\n小美\t3\n阿强\t1,234\n";
        let r = read("a.csv", text.as_bytes().to_vec(), None).unwrap();
        assert_eq!(r.tables[0].rows[1].cells, vec!["客服账号", "咨询人数"]);
        assert_eq!(r.tables[0].rows[3].cells, vec!["阿强", "1,234"]);
    }

    #[test]
    fn gbk_text() {
        let (gbk, _, _) = encoding_rs::GBK.encode("客服账号,咨询人数\n小美,3\n");
        let r = read("a.csv", gbk.into_owned(), None).unwrap();
        assert_eq!(r.encoding, Encoding::Gb18030);
        assert_eq!(r.tables[0].rows[0].cells, vec!["客服账号", "咨询人数"]);
    }

    #[test]
    fn every_sheet_of_a_workbook() {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet().set_name("说明").unwrap();
        ws.write_string(0, 0, "导出说明").unwrap();
        let ws = wb.add_worksheet().set_name("按客服查看").unwrap();
        ws.write_string(0, 0, "旺旺账号名称").unwrap();
        ws.write_string(2, 0, "店:小美").unwrap();
        ws.write_number(2, 1, 26.5).unwrap();
        ws.write_number(2, 2, 67.0 / 68.0).unwrap();
        let r = read("q.xlsx", wb.save_to_buffer().unwrap(), None).unwrap();
        assert_eq!(r.tables.len(), 2);
        assert_eq!(r.tables[1].sheet.as_deref(), Some("按客服查看"));
        assert_eq!(
            r.tables[1].rows[1].cells,
            vec!["店:小美", "26.5", "0.9852941176470589"]
        );
        assert_eq!(r.tables[1].rows[1].line, 3);
    }

    #[test]
    fn garbage_is_refused_not_a_panic() {
        assert!(read("x.xlsx", b"PK\x03\x04garbage".to_vec(), None).is_err());
        assert!(read("x.xls", CFB_MAGIC.to_vec(), None).is_err());
        assert!(read("x.csv", vec![0xFF, 0xFE, 0, 0], None).is_err());
    }
}
