//! Importing files: the one workflow the command line and the web's upload share. Files are
//! read one after another on a reader thread while the batches read before are written (two
//! cores, two stages); batches of a bounded number of messages go over as a file is read, so
//! a file of a gigabyte never sits in memory whole. Every batch's stores are checked against
//! what the importer may import before anything is written, and the whole import commits
//! once, with the figures (and the stores' quality rules) recomputed inside the same
//! transaction, or not at all.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::SyncSender;

use kefu_core::model::ImportBatch;
use kefu_core::platform::PlatformFile;
use kefu_import::{FileReport, ImportError, ImportOptions, ReportOptions};
use kefu_store::{Db, ImportSummary, StoreError};

/// Why an import wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum ImportFailure {
    /// A file could not be read, or has bad rows and `skip_bad` is off.
    #[error(transparent)]
    Read(#[from] ImportError),
    /// A file holds rows of a store the importer may not import into.
    #[error("the files hold rows of store `{0}`, which you may not import into")]
    NotYourStore(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl kefu_core::localized::Localized for ImportFailure {
    fn zh(&self) -> String {
        match self {
            ImportFailure::Read(e) => e.zh(),
            ImportFailure::NotYourStore(s) => {
                format!("文件中有店铺「{s}」的数据，你无权导入该店铺")
            }
            ImportFailure::Store(e) => e.zh(),
        }
    }
}

/// What an import did: one report per file, in order, and what the store took in.
#[derive(Debug)]
pub struct Imported {
    pub files: Vec<FileReport>,
    pub summary: ImportSummary,
    /// The worklists refreshed after the import (its stores'), or why they were not: the
    /// import itself is committed either way, and a read of the lists refreshes them again.
    pub worklists: Result<Vec<crate::worklists::Refreshed>, StoreError>,
}

/// The names of the stores a batch has rows for.
fn batch_stores(batch: &ImportBatch) -> Vec<String> {
    let mut ids: Vec<_> = batch
        .messages
        .iter()
        .map(|m| m.store)
        .chain(batch.orders.iter().map(|o| o.0))
        .chain(batch.refunds.iter().map(|o| o.0))
        .chain(batch.ratings.iter().map(|o| o.0))
        .chain(batch.agents.iter().map(|o| o.0))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids.into_iter()
        .map(|id| batch.names.name(id).to_string())
        .collect()
}

enum Read {
    Batch(ImportBatch),
    Done(FileReport),
    /// A platform report: its figures, stored apart from the events.
    Platform(PlatformFile, FileReport),
    Failed(ImportError),
}

/// Files read at a time: the reading of a file (split into records on one thread, converted
/// on another) runs beside the writer's staging, and two files at once keep both cores busy.
const READERS: usize = 2;

/// Reads one file, handing its batches to `send` and returning how it ended. `read_bytes`
/// hears the bytes read since it was last called.
fn read_file(
    path: &Path,
    opts: &ImportOptions,
    reports: &ReportOptions,
    read_bytes: &dyn Fn(u64),
    send: &SyncSender<Read>,
) -> Read {
    let reported = std::cell::Cell::new(0u64);
    let heard = |done: u64, _size: u64| {
        read_bytes(done.saturating_sub(reported.replace(done.max(reported.get()))));
    };
    // Nothing of a file is handed on before its header is recognised, so a file refused as a
    // canonical one can still be read as a platform report.
    let canonical = reports.kind.is_none().then(|| {
        kefu_import::read_batches(
            path,
            opts,
            kefu_import::BATCH_MESSAGES,
            &heard,
            &mut |batch| {
                send.send(Read::Batch(batch))
                    .map_err(|_| ImportError::Stopped)
            },
        )
        .map(Read::Done)
    });
    let read = match canonical {
        None | Some(Err(ImportError::UnknownKind { .. } | ImportError::Empty { .. })) => {
            kefu_import::read_report(path, opts, reports)
                .map(|(file, report)| Read::Platform(file, report))
        }
        Some(other) => other,
    };
    if let Ok(size) = std::fs::metadata(path).map(|m| m.len()) {
        heard(size, size);
    }
    read.unwrap_or_else(Read::Failed)
}

/// Imports `files` into `db` as one all-or-nothing session. `may_import` says whether the
/// importer may write rows of a store (by name); `progress` hears the bytes read so far over
/// all files. The settings of `opts.config` are the ones the figures are computed under.
/// Platform reports are read with the default [`ReportOptions`]: recognised by their header,
/// those that do not say their days are refused (see [`import_files_with`]).
pub fn import_files(
    db: &mut Db,
    files: &[PathBuf],
    opts: &ImportOptions,
    may_import: &dyn Fn(&str) -> bool,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Imported, ImportFailure> {
    let reports = ReportOptions::default();
    import_files_with(db, files, opts, &reports, may_import, progress)
}

/// [`import_files`], with what the importer says about platform reports: a file no canonical
/// kind recognises (every file, when `reports.kind` names one) is read as a platform report
/// (`kefu_import::read_report`) and its figures stored in the same session.
pub fn import_files_with(
    db: &mut Db,
    files: &[PathBuf],
    opts: &ImportOptions,
    reports: &ReportOptions,
    may_import: &dyn Fn(&str) -> bool,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Imported, ImportFailure> {
    let mut phase = kefu_store::profile::Phase::start();
    if let Some(p) = MEMORY_PHASES.get() {
        (p.reading)();
    }
    let previous_import = db.last_import_id()?;
    let mut session = db.begin_import()?;
    let mut done = Vec::with_capacity(files.len());
    let done_bytes = &AtomicU64::new(0);
    let spares = kefu_import::SpareBatches::default();
    let read_opts = ImportOptions {
        spares: Some(&spares),
        ..opts.clone()
    };
    std::thread::scope(|scope| -> Result<(), ImportFailure> {
        let opts = &read_opts;
        // Worker `w` reads files w, w + READERS, …; each runs at most one batch ahead of the
        // writer, which takes the batches file by file in the order given, so the session
        // sees what one reader would have handed it.
        let mut readers = Vec::with_capacity(READERS);
        for w in 0..READERS.min(files.len()) {
            let (send, receive) = std::sync::mpsc::sync_channel(1);
            readers.push(receive);
            scope.spawn(move || {
                for path in files.iter().skip(w).step_by(READERS) {
                    let read = read_file(
                        path,
                        opts,
                        reports,
                        &|bytes| progress(done_bytes.fetch_add(bytes, Ordering::Relaxed) + bytes),
                        &send,
                    );
                    let failed = matches!(read, Read::Failed(_));
                    if send.send(read).is_err() || failed {
                        break;
                    }
                }
            });
        }
        // Returning early drops the receivers, which stops the readers at their next batch.
        for from in readers.iter().cycle().take(files.len()) {
            loop {
                // A reader ends early only after handing on its file's failure.
                let Ok(read) = from.recv() else {
                    return Err(ImportError::Stopped.into());
                };
                match read {
                    Read::Batch(batch) => {
                        if let Some(other) =
                            batch_stores(&batch).into_iter().find(|s| !may_import(s))
                        {
                            return Err(ImportFailure::NotYourStore(other));
                        }
                        session.add(&batch)?;
                        spares.put(batch);
                        continue;
                    }
                    Read::Done(report) => done.push(report),
                    Read::Platform(file, report) => {
                        if let Some(other) = file
                            .figures
                            .iter()
                            .map(|f| f.store.as_str())
                            .find(|s| !may_import(s))
                        {
                            return Err(ImportFailure::NotYourStore(other.to_string()));
                        }
                        session.add_platform(&file)?;
                        done.push(report);
                    }
                    Read::Failed(e) => return Err(e.into()),
                }
                break;
            }
        }
        Ok(())
    })?;
    // The spare batches' memory goes back before the figures are computed.
    drop(read_opts);
    drop(spares);
    if let Some(p) = MEMORY_PHASES.get() {
        (p.computing)();
    }
    phase.done("import: read and stage files");
    let (summary, names) = session.finish_keeping_names(opts.config)?;
    phase.done("import: finish session");
    // For benchmarks and tests: the whole refresh every import did before (docs/benchmark.md).
    let whole = WHOLE_REFRESH.get()
        || std::env::var_os("KEFU_BENCH_WORKLIST_WHOLE").is_some_and(|v| v != "0");
    let worklists = refresh_worklists(db, opts.config, &summary, previous_import, whole, names);
    phase.done("import: worklists");
    Ok(Imported {
        files: done,
        summary,
        worklists,
    })
}

/// What the binary does with its allocator's freed memory at an import's phases
/// ([`set_memory_phases`]).
#[derive(Debug, Clone, Copy)]
pub struct MemoryPhases {
    /// Before the files are read.
    pub reading: fn(),
    /// Once they are read, before the figures are computed.
    pub computing: fn(),
}

static MEMORY_PHASES: std::sync::OnceLock<MemoryPhases> = std::sync::OnceLock::new();

/// Sets what [`import_files_with`] calls as it starts reading and as it starts computing
/// (the first call wins). Reading frees and refills batches of half a million messages,
/// which is cheapest when freed memory is kept for a moment; the recomputation is where an
/// import's memory peaks, and there memory kept for later adds to the peak. How to keep or
/// return freed memory is the allocator's business, which only the binary links.
pub fn set_memory_phases(phases: MemoryPhases) {
    let _ = MEMORY_PHASES.set(phases);
}

thread_local! {
    static WHOLE_REFRESH: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Makes this thread's imports refresh the worklists whole, as every import did before
/// they were refreshed in part: what the tests compare the refresh in part with.
#[doc(hidden)]
pub fn refresh_worklists_whole(on: bool) {
    WHOLE_REFRESH.set(on);
}

/// Refreshes the lists of the stores an import wrote to: in part where it added or replaced
/// events ([`crate::worklists::refresh_store_after_import`]), whole where it only changed
/// the roster.
fn refresh_worklists(
    db: &mut Db,
    base: &kefu_core::settings::Config,
    summary: &kefu_store::ImportSummary,
    previous_import: i64,
    whole: bool,
    mut names: kefu_store::KeptNames,
) -> Result<Vec<crate::worklists::Refreshed>, StoreError> {
    let config = crate::settings::in_force(db, base)?;
    let mut done = Vec::new();
    for name in &summary.stores {
        let store = db.store(name)?;
        let touched = summary.touched.iter().find(|t| t.store_id == store.id);
        let changed = touched
            .filter(|_| !whole)
            .map(|t| crate::worklists::Changed {
                first_day: t.first,
                previous_import,
            });
        let refreshed = crate::worklists::refresh_store_after_import(
            db,
            &config,
            &store,
            changed,
            names.take(store.id),
        )?;
        done.extend(refreshed);
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample_files() -> Vec<PathBuf> {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/sample/input");
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        files
    }

    #[test]
    fn a_store_the_importer_may_not_import_into_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut db = Db::open(&dir.path().join("k.db")).unwrap();
        let config = kefu_core::settings::Config::default();
        let opts = ImportOptions {
            default_store: Some("晨光旗舰店".into()),
            encoding: None,
            config: &config,
            skip_bad: false,
            ..ImportOptions::new(&config)
        };
        let files = sample_files();
        assert!(!files.is_empty());
        let refused = import_files(&mut db, &files, &opts, &|_| false, &|_| {});
        assert!(
            matches!(&refused, Err(ImportFailure::NotYourStore(s)) if s == "晨光旗舰店"),
            "{refused:?}"
        );
        assert!(db.stores().unwrap().is_empty());
        let done = import_files(&mut db, &files, &opts, &|s| s == "晨光旗舰店", &|_| {}).unwrap();
        assert_eq!(done.files.len(), files.len());
        assert!(done.summary.messages_added > 0);
        assert_eq!(db.stores().unwrap().len(), 1);
    }

    #[test]
    fn platform_reports_go_in_beside_canonical_files_and_their_stores_are_checked() {
        let dir = tempfile::tempdir().unwrap();
        let mut db = Db::open(&dir.path().join("k.db")).unwrap();
        let config = kefu_core::settings::Config::default();
        let opts = ImportOptions {
            default_store: Some("晨光".into()),
            encoding: None,
            config: &config,
            skip_bad: false,
            ..ImportOptions::new(&config)
        };
        let pdd = dir.path().join("pdd.csv");
        std::fs::write(
            &pdd,
            "客服账号,咨询人数,3分钟人工回复率(8-23点)\n小美,12,98.5%\n",
        )
        .unwrap();
        let roster = dir.path().join("agents.csv");
        std::fs::write(&roster, "account,name\n晨光:小美,小美\n").unwrap();
        let files = vec![roster, pdd];
        // 拼多多 客服绩效 does not say its days: refused without them, nothing written.
        let refused = import_files(&mut db, &files, &opts, &|_| true, &|_| {});
        assert!(
            matches!(
                &refused,
                Err(ImportFailure::Read(ImportError::NoPeriod { .. }))
            ),
            "{refused:?}"
        );
        assert!(db.stores().unwrap().is_empty());
        let day = kefu_core::time::Day::parse("2026-11-01").unwrap();
        let reports = ReportOptions {
            period: Some((day, day)),
            ..ReportOptions::default()
        };
        // The report's store is checked as a canonical file's is.
        let refused = import_files_with(
            &mut db,
            &files[1..],
            &opts,
            &reports,
            &|s| s != "晨光",
            &|_| {},
        );
        assert!(matches!(&refused, Err(ImportFailure::NotYourStore(s)) if s == "晨光"));
        let done = import_files_with(&mut db, &files, &opts, &reports, &|_| true, &|_| {}).unwrap();
        let kinds: Vec<&str> = done.files.iter().map(|f| f.kind_name()).collect();
        assert_eq!(kinds, vec!["agents", "pdd_agent"]);
        assert_eq!((done.summary.agents, done.summary.platform_added), (1, 2));
        let stored = db.platform_figures(Some("晨光"), day, day).unwrap();
        let rate = stored
            .iter()
            .find(|s| s.figure.column == "3分钟人工回复率(8-23点)")
            .unwrap();
        assert_eq!(
            rate.figure.value,
            kefu_core::platform::Amount::Number(0.985)
        );
    }
}
