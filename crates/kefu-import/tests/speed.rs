//! Parse speed on generated 1M-row message files. Run in release:
//! `cargo test -p kefu-import --release -- --ignored --nocapture`

use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

use kefu_core::settings::Config;
use kefu_import::{ImportOptions, read_files};

const ROWS: usize = 1_000_000;

/// Writes messages like the demo generator's: sorted by time, every row with a msg_id and a
/// store; `buyer_of(i)` picks the buyer of row i.
fn generate(path: &Path, buyer_of: impl Fn(usize) -> usize) -> f64 {
    let texts = [
        "有货吗",
        "亲，有的",
        "今天下单明天发",
        "马上为您查询",
        "好的谢谢",
        "在吗？能便宜点吗",
    ];
    let senders = ["buyer", "agent", "bot", "auto", "buyer", "agent"];
    let mut s = String::with_capacity(ROWS * 120);
    s.push_str("time,buyer,account,sender,text,msg_id,transfer_to,store\n");
    for i in 0..ROWS {
        let sec = i * 86_400 / ROWS;
        let _ = writeln!(
            s,
            "2026-11-11 {:02}:{:02}:{:02},tb_{:07},晨光旗舰店:客服{},{},{},m20261111-{i:08},,晨光旗舰店",
            sec / 3600,
            sec / 60 % 60,
            sec % 60,
            buyer_of(i),
            i % 12,
            senders[i % senders.len()],
            texts[i % texts.len()],
        );
    }
    std::fs::write(path, &s).unwrap();
    s.len() as f64 / 1e6
}

fn measure(label: &str, path: &Path, mb: f64) {
    let config = Config::default();
    let opts = ImportOptions::new(&config);
    let mut best = f64::MAX;
    for _ in 0..3 {
        let start = Instant::now();
        let out = read_files(&[path.to_path_buf()], &opts, &|_, _| {}).unwrap();
        let secs = start.elapsed().as_secs_f64();
        assert_eq!(out.batch.messages.len(), ROWS);
        best = best.min(secs);
    }
    println!(
        "{label}: {ROWS} message rows ({mb:.0} MB) read and parsed in {best:.3} s: {:.2} M rows/s, {:.0} MB/s",
        ROWS as f64 / best / 1e6,
        mb / best
    );
}

#[test]
#[ignore]
fn messages_rows_per_second() {
    let dir = tempfile::TempDir::new().unwrap();
    let path = dir.path().join("big.csv");
    // Conversations of ~20 messages, ~300 going on at once, 50 000 buyers in all.
    let mb = generate(&path, |i| i / 20 + (i * 7919) % 300);
    measure("time-sorted conversations", &path, mb);
    // Worst case for interning: every row a random one of 50 000 buyers.
    let mb = generate(&path, |i| (i * 7919) % 50_000);
    measure("buyers scattered at random", &path, mb);
}
