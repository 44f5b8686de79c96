//! Brings a database to schema version VERSION with the frozen migrations, as `Db::open`
//! would but stopping there: `scripts/make_old_dbs.sh` writes the fixtures of the versions
//! after 10 this way (the system `sqlite3` is older than the SQLite kefu bundles, whose SQL the
//! later migrations use).
//!
//!     cargo run -p kefu-store --example migrate_to -- DB VERSION

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(path), Some(to)) = (args.next(), args.next()) else {
        return Err("usage: migrate_to DB VERSION".into());
    };
    let to: i64 = to.parse()?;
    let mut conn = rusqlite::Connection::open(&path)?;
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let tx = conn.transaction()?;
    for v in kefu_store::migration_versions()
        .into_iter()
        .filter(|v| *v > current && *v <= to)
    {
        let sql = kefu_store::migration_sql(v as usize).ok_or("no such migration")?;
        tx.execute_batch(&sql)?;
        tx.pragma_update(None, "user_version", v)?;
    }
    tx.commit()?;
    Ok(())
}
