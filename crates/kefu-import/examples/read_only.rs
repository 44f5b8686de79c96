//! Reads files into batches as an import does (`read_batches`, spare batches handed back) and
//! drops them: the CPU of the readers alone, without the session that stores the batches.
//!
//! ```sh
//! CARGO_INCREMENTAL=0 cargo run --release -p kefu-import --example read_only -- FILES...
//! READ_ONLY_DIGEST=1 cargo run --release -p kefu-import --example read_only -- FILES...
//! ```
//!
//! Prints rows, batches, wall seconds and the process's user and system CPU seconds (from
//! `/proc/self/stat`, which counts the reader threads that have ended too). With
//! `READ_ONLY_DIGEST=1` it also prints a digest of every batch (names in id order, text arena,
//! records) and of each file's report (rejected rows, warnings), so that two builds can be
//! shown to hand on the same batches; the digest's own time is then part of the figures.

use std::fmt::Write as _;
use std::hash::{DefaultHasher, Hasher};
use std::path::PathBuf;
use std::time::Instant;

use kefu_core::model::ImportBatch;
use kefu_core::settings::Config;
use kefu_import::{BATCH_MESSAGES, ImportOptions, SpareBatches, read_batches};

/// Feeds formatted text to a hasher without building the string.
struct HashWriter<'h>(&'h mut DefaultHasher);

impl std::fmt::Write for HashWriter<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.write(s.as_bytes());
        Ok(())
    }
}

fn digest_batch(h: &mut DefaultHasher, b: &ImportBatch) {
    let (names, ends) = b.names.parts();
    h.write(names.as_bytes());
    for e in ends {
        h.write_usize(*e);
    }
    h.write(b.text.as_bytes());
    let mut w = HashWriter(h);
    for m in &b.messages {
        let _ = write!(w, "{m:?}");
    }
    let _ = write!(
        w,
        "{:?}{:?}{:?}{:?}",
        b.orders, b.refunds, b.ratings, b.agents
    );
}

/// User and system CPU seconds of this process so far.
fn cpu() -> (f64, f64) {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The command name may hold spaces; the fields after it do not.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name; in ticks of
    // 1/100 s (USER_HZ on Linux).
    let tick = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
            / 100.0
    };
    (tick(11), tick(12))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let files: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    if files.is_empty() {
        return Err("usage: read_only FILES...".into());
    }
    let digest = std::env::var_os("READ_ONLY_DIGEST").is_some();
    let config = Config::default();
    let spares = SpareBatches::default();
    let opts = ImportOptions {
        skip_bad: true,
        spares: Some(&spares),
        ..ImportOptions::new(&config)
    };
    let (u0, s0) = cpu();
    let started = Instant::now();
    let mut h = DefaultHasher::new();
    let (mut rows, mut batches, mut messages) = (0u64, 0u64, 0u64);
    for path in &files {
        let report = read_batches(path, &opts, BATCH_MESSAGES, &|_, _| {}, &mut |batch| {
            batches += 1;
            messages += batch.messages.len() as u64;
            if digest {
                digest_batch(&mut h, &batch);
            }
            spares.put(batch);
            Ok(())
        })?;
        rows += report.rows;
        if digest {
            let mut w = HashWriter(&mut h);
            let _ = write!(
                w,
                "{:?}{:?}{}{}{:?}{:?}",
                report.kind,
                report.encoding,
                report.rows,
                report.accepted,
                report.rejected,
                report.warnings
            );
        }
    }
    let wall = started.elapsed().as_secs_f64();
    let (u1, s1) = cpu();
    println!(
        "rows {rows} messages {messages} batches {batches} wall {wall:.2} s cpu {:.2} s (user {:.2} sys {:.2})",
        (u1 - u0) + (s1 - s0),
        u1 - u0,
        s1 - s0
    );
    if digest {
        println!("digest {:016x}", h.finish());
    }
    Ok(())
}
