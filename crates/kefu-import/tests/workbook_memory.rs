//! Issue 10 item 1: a workbook's declared extent must not decide what reading it allocates. A
//! counting allocator measures the peak of the reader itself, in its own test binary so that
//! no other test's allocations mix in.

use kefu_core::alloc_count::{Counting, live, peak_of};
use kefu_core::settings::Config;
use kefu_import::{ImportOptions, read_files};
use rust_xlsxwriter::Workbook;
use tempfile::TempDir;

#[global_allocator]
static ALLOC: Counting = Counting;

#[test]
fn a_cell_at_xfd1048576_costs_the_cells_present_not_the_declared_sheet() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("huge.xlsx");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in ["time", "buyer", "account", "sender", "text"]
        .iter()
        .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (c, v) in ["2026-11-11 09:00:00", "b", "a", "buyer", "在吗"]
        .iter()
        .enumerate()
    {
        ws.write_string(1, c as u16, *v).unwrap();
    }
    // The last cell a sheet can have: a dense grid up to it is 17 billion cells.
    ws.write_string(1_048_575, 16_383, "x").unwrap();
    wb.save(&path).unwrap();
    assert!(std::fs::metadata(&path).unwrap().len() < 10_000);

    let config = Config::default();
    let mut opts = ImportOptions::new(&config);
    opts.skip_bad = true;
    let (out, peak) = peak_of(|| read_files(&[path], &opts, &|_, _| {}).unwrap());
    assert_eq!(out.batch.messages.len(), 1);
    // The far cell lies right of the header: its row holds no data.
    assert_eq!(out.files[0].rows, 1);
    assert!(
        peak < 16 << 20,
        "reading a 6 KB workbook peaked at {peak} bytes"
    );
}

/// The reader's own peak on a file of one's choice (`scripts/gen_xlsx.py rows …`):
/// `KEFU_XLSX=/tmp/rows.xlsx cargo test -p kefu-import --release --test workbook_memory -- --ignored --nocapture`
#[test]
#[ignore]
fn peak_of_a_given_workbook() {
    let Ok(path) = std::env::var("KEFU_XLSX") else {
        return;
    };
    let config = Config::default();
    let opts = ImportOptions::new(&config);
    let (out, peak) = peak_of(|| kefu_import::read_one(path.as_ref(), &opts, &|_, _| {}).unwrap());
    println!(
        "{} messages; reader peak {} MiB, batch {} MiB",
        out.0.messages.len(),
        peak >> 20,
        live() >> 20
    );
}
