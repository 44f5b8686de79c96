//! Importing files: the one workflow the command line and the web's upload share. Files are
//! read one after another on a reader thread while the batches read before are written (two
//! cores, two stages); batches of a bounded number of messages go over as a file is read, so
//! a file of a gigabyte never sits in memory whole. Every batch's stores are checked against
//! what the importer may import before anything is written, and the whole import commits
//! once, with the figures (and the stores' quality rules) recomputed inside the same
//! transaction, or not at all.

use std::path::PathBuf;

use kefu_core::model::ImportBatch;
use kefu_import::{FileReport, ImportError, ImportOptions};
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
    Failed(ImportError),
}

/// Imports `files` into `db` as one all-or-nothing session. `may_import` says whether the
/// importer may write rows of a store (by name); `progress` hears the bytes read so far over
/// all files. The settings of `opts.config` are the ones the figures are computed under.
pub fn import_files(
    db: &mut Db,
    files: &[PathBuf],
    opts: &ImportOptions,
    may_import: &dyn Fn(&str) -> bool,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Imported, ImportFailure> {
    let sizes: Vec<u64> = files
        .iter()
        .map(|f| std::fs::metadata(f).map_or(0, |m| m.len()))
        .collect();
    let mut session = db.begin_import()?;
    let mut reports = Vec::with_capacity(files.len());
    std::thread::scope(|scope| -> Result<(), ImportFailure> {
        // One batch in flight: the reader runs at most one batch ahead of the writer.
        let (send, receive) = std::sync::mpsc::sync_channel(1);
        let sizes = &sizes;
        scope.spawn(move || {
            let mut offset = 0;
            for (path, size) in files.iter().zip(sizes) {
                let read = kefu_import::read_batches(
                    path,
                    opts,
                    kefu_import::BATCH_MESSAGES,
                    &|done, _| progress(offset + done),
                    &mut |batch| {
                        send.send(Read::Batch(batch))
                            .map_err(|_| ImportError::Stopped)
                    },
                );
                offset += size;
                let (next, failed) = match read {
                    Ok(report) => (Read::Done(report), false),
                    Err(e) => (Read::Failed(e), true),
                };
                if send.send(next).is_err() || failed {
                    break;
                }
            }
        });
        // Returning early drops `receive`, which stops the reader at its next batch.
        for read in receive {
            match read {
                Read::Batch(batch) => {
                    if let Some(other) = batch_stores(&batch).into_iter().find(|s| !may_import(s)) {
                        return Err(ImportFailure::NotYourStore(other));
                    }
                    session.add(batch)?;
                }
                Read::Done(report) => reports.push(report),
                Read::Failed(e) => return Err(e.into()),
            }
        }
        Ok(())
    })?;
    let summary = session.finish(opts.config)?;
    Ok(Imported {
        files: reports,
        summary,
    })
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
}
