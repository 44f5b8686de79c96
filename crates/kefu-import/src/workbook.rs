//! Workbooks (.xlsx, .xls, .xlsb, .ods) through calamine: the first sheet, its first non-empty
//! row as the header, every cell turned into the text a CSV export would have.

use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};

use calamine::{Data, Reader, open_workbook_auto_from_rs};

use crate::columns::clean_header;
use crate::{FileRun, ImportError};

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

type Sheet = Option<(u32, Vec<Vec<String>>)>;

fn load(bytes: &[u8]) -> Result<Sheet, String> {
    let mut wb = open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|e| e.to_string())?;
    let Some(range) = wb.worksheet_range_at(0) else {
        return Ok(None);
    };
    let range = range.map_err(|e| e.to_string())?;
    let first_row = range.start().map_or(0, |(r, _)| r);
    let rows = range.rows().map(|r| r.iter().map(cell).collect()).collect();
    Ok(Some((first_row, rows)))
}

pub(crate) fn read(bytes: Vec<u8>, run: &mut FileRun<'_, '_>) -> Result<(), ImportError> {
    let path = run.path().to_path_buf();
    // A malformed workbook must not bring the import down, whatever the reader does with it.
    let loaded = catch_unwind(AssertUnwindSafe(|| load(&bytes)));
    drop(bytes);
    let (first_row, rows) = match loaded {
        Ok(Ok(Some(sheet))) => sheet,
        Ok(Ok(None)) => return Err(ImportError::Empty { path }),
        Ok(Err(message)) => return Err(ImportError::Workbook { path, message }),
        Err(_) => {
            let message = "the file is damaged or not a workbook".to_string();
            return Err(ImportError::Workbook { path, message });
        }
    };
    let mut rows = rows
        .iter()
        .enumerate()
        .map(|(i, r)| (first_row as u64 + i as u64 + 1, r))
        .filter(|(_, r)| r.iter().any(|c| !c.trim().is_empty()));
    let Some((_, header_row)) = rows.next() else {
        return Err(ImportError::Empty { path });
    };
    let header: Vec<String> = header_row
        .iter()
        .map(|h| clean_header(h).to_string())
        .collect();
    let layout = run.layout(&header, true)?;
    for (line, row) in rows {
        let vals: Vec<&str> = layout
            .map
            .iter()
            .map(|m| m.and_then(|j| row.get(j)).map_or("", String::as_str))
            .collect();
        run.row(&layout, &header, &vals, || line, || row.join(","))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
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
}
