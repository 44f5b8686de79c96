//! What the alert benches share: a database with the sample store imported as `bench`.

use std::path::Path;

use kefu_core::settings::Config;
use kefu_store::Db;

/// Opens a database at `path` with the sample input imported as store `bench`; the
/// database and the store's id.
pub fn sample_store(path: &Path, config: &Config) -> Result<(Db, i64), Box<dyn std::error::Error>> {
    let mut db = Db::open(path)?;
    let input = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/sample/input");
    let mut files: Vec<_> = std::fs::read_dir(&input)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    files.sort();
    let mut opts = kefu_import::ImportOptions::new(config);
    opts.default_store = Some("bench".into());
    let read = kefu_import::read_files(&files, &opts, &|_, _| {})?;
    db.import(read.batch, config)?;
    let store = db.store("bench")?.id;
    Ok((db, store))
}
