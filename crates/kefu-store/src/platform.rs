//! Platform figures (migration 14): the values of the marketplaces' own reports, stored per
//! (store, platform, account, period, column) as the file wrote them, apart from kefu's
//! computed counters. Storing the same value again changes nothing.

use kefu_core::platform::{Amount, FigureKind, Platform, PlatformFigure, PlatformFile};
use kefu_core::time::Day;
use rusqlite::{OptionalExtension, params};

use crate::db::{ImportSession, ensure_store};
use crate::{Db, Result};

/// A stored platform figure with its platform and the report it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredPlatformFigure {
    pub platform: Platform,
    pub report: String,
    pub figure: PlatformFigure,
}

fn parts(value: Amount) -> (Option<f64>, Option<i64>) {
    match value {
        Amount::Unknown => (None, None),
        Amount::Number(x) => (Some(x), None),
        Amount::Cents(c) => (None, Some(c)),
    }
}

impl ImportSession<'_> {
    /// Stores the figures of one report file, inside the import's transaction: a figure of the
    /// same store, platform, account, period and column replaces the stored one.
    pub fn add_platform(&mut self, file: &PlatformFile) -> Result<()> {
        let mut stores: Vec<(String, i64)> = Vec::new();
        let mut find = self.tx.prepare_cached(
            "SELECT kind, value, cents, report FROM platform_figures
             WHERE store_id = ?1 AND platform = ?2 AND account = ?3 AND day_from = ?4
               AND day_to = ?5 AND name = ?6",
        )?;
        let mut put = self.tx.prepare_cached(
            "INSERT INTO platform_figures
                 (store_id, platform, account, day_from, day_to, name, kind, value, cents, report)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
             ON CONFLICT (store_id, platform, account, day_from, day_to, name) DO UPDATE SET
                 kind = excluded.kind, value = excluded.value, cents = excluded.cents,
                 report = excluded.report",
        )?;
        for f in &file.figures {
            let store_id = match stores.iter().find(|(n, _)| *n == f.store) {
                Some((_, id)) => *id,
                None => {
                    let (id, _, _) = ensure_store(&self.tx, &f.store)?;
                    stores.push((f.store.clone(), id));
                    id
                }
            };
            let key = params![
                store_id,
                file.platform.as_str(),
                f.account,
                f.from.0,
                f.to.0,
                f.column
            ];
            let (value, cents) = parts(f.value);
            type Row = (String, Option<f64>, Option<i64>, String);
            let old: Option<Row> = find
                .query_row(key, |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
                .optional()?;
            let new = (
                f.kind.as_str().to_string(),
                value,
                cents,
                file.report.to_string(),
            );
            match old {
                // Bit for bit: NaN never reaches here (values are parsed finite).
                Some(old) if old == new => {
                    self.summary.platform_unchanged += 1;
                    continue;
                }
                Some(_) => self.summary.platform_changed += 1,
                None => self.summary.platform_added += 1,
            }
            put.execute(params![
                store_id,
                file.platform.as_str(),
                f.account,
                f.from.0,
                f.to.0,
                f.column,
                f.kind.as_str(),
                value,
                cents,
                file.report
            ])?;
        }
        Ok(())
    }
}

impl Db {
    /// The platform figures whose period overlaps `from..=to`, of one store or all, ordered by
    /// store, account, platform, period and column.
    pub fn platform_figures(
        &self,
        store: Option<&str>,
        from: Day,
        to: Day,
    ) -> Result<Vec<StoredPlatformFigure>> {
        let stores = match store {
            Some(name) => vec![self.store(name)?],
            None => self.stores()?,
        };
        let mut out = Vec::new();
        for s in stores {
            out.extend(self.platform_figures_of(s.id, &s.name, from, to)?);
        }
        Ok(out)
    }

    /// The platform figures of the store `store_id` (named `store_name`) whose period
    /// overlaps `from..=to`, ordered by account, platform, period and column.
    pub fn platform_figures_of(
        &self,
        store_id: i64,
        store_name: &str,
        from: Day,
        to: Day,
    ) -> Result<Vec<StoredPlatformFigure>> {
        let mut st = self.conn().prepare_cached(
            "SELECT platform, account, day_from, day_to, name, kind, value, cents, report
             FROM platform_figures
             WHERE store_id = ?1 AND day_to >= ?2 AND day_from <= ?3
             ORDER BY account, platform, day_from, day_to, name",
        )?;
        let mut out = Vec::new();
        {
            let rows = st.query_map(params![store_id, from.0, to.0], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i32>(2)?,
                    r.get::<_, i32>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, Option<f64>>(6)?,
                    r.get::<_, Option<i64>>(7)?,
                    r.get::<_, String>(8)?,
                ))
            })?;
            for row in rows {
                let (platform, account, day_from, day_to, name, kind, value, cents, report) = row?;
                // Rows this code did not write (a later kefu's platform or kind) are left out
                // rather than misread.
                let (Some(platform), Some(kind)) =
                    (Platform::parse(&platform), FigureKind::parse(&kind))
                else {
                    continue;
                };
                let value = match (cents, value) {
                    (Some(c), _) => Amount::Cents(c),
                    (None, Some(x)) => Amount::Number(x),
                    (None, None) => Amount::Unknown,
                };
                out.push(StoredPlatformFigure {
                    platform,
                    report,
                    figure: PlatformFigure {
                        store: store_name.to_string(),
                        account,
                        from: Day(day_from),
                        to: Day(day_to),
                        column: name,
                        kind,
                        value,
                    },
                });
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kefu_core::settings::Config;

    fn fig(
        account: &str,
        day: i32,
        column: &str,
        kind: FigureKind,
        value: Amount,
    ) -> PlatformFigure {
        PlatformFigure {
            store: "店".into(),
            account: account.into(),
            from: Day(day),
            to: Day(day),
            column: column.into(),
            kind,
            value,
        }
    }

    #[test]
    fn stored_once_replaced_by_key_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let mut db = Db::open(&dir.path().join("k.db")).unwrap();
        let file = PlatformFile {
            platform: Platform::Pdd,
            report: "pdd_agent",
            figures: vec![
                fig(
                    "小美",
                    10,
                    "咨询人数",
                    FigureKind::Count,
                    Amount::Number(120.0),
                ),
                fig(
                    "小美",
                    10,
                    "客服销售额(元)",
                    FigureKind::Money,
                    Amount::Cents(1_523_050),
                ),
                fig("小美", 10, "投诉数", FigureKind::Count, Amount::Unknown),
                fig(
                    "小美",
                    11,
                    "3分钟人工回复率(8-23点)",
                    FigureKind::Rate,
                    Amount::Number(0.985),
                ),
            ],
        };
        let import = |db: &mut Db, file: &PlatformFile| {
            let mut s = db.begin_import().unwrap();
            s.add_platform(file).unwrap();
            s.finish(&Config::default()).unwrap()
        };
        let first = import(&mut db, &file);
        assert_eq!(
            (
                first.platform_added,
                first.platform_changed,
                first.platform_unchanged
            ),
            (4, 0, 0)
        );
        let again = import(&mut db, &file);
        assert_eq!(
            (
                again.platform_added,
                again.platform_changed,
                again.platform_unchanged
            ),
            (0, 0, 4)
        );
        let mut changed = file.clone();
        changed.figures[0].value = Amount::Number(121.0);
        let third = import(&mut db, &changed);
        assert_eq!(
            (
                third.platform_added,
                third.platform_changed,
                third.platform_unchanged
            ),
            (0, 1, 3)
        );
        let read = db.platform_figures(None, Day(10), Day(10)).unwrap();
        assert_eq!(read.len(), 3);
        assert!(
            read.iter()
                .all(|r| r.platform == Platform::Pdd && r.report == "pdd_agent")
        );
        let value = |c: &str| {
            read.iter()
                .find(|r| r.figure.column == c)
                .unwrap()
                .figure
                .value
        };
        assert_eq!(value("咨询人数"), Amount::Number(121.0));
        assert_eq!(value("客服销售额(元)"), Amount::Cents(1_523_050));
        assert_eq!(value("投诉数"), Amount::Unknown);
        assert_eq!(
            db.platform_figures(Some("店"), Day(11), Day(20))
                .unwrap()
                .len(),
            1
        );
        assert!(
            db.platform_figures(None, Day(12), Day(20))
                .unwrap()
                .is_empty()
        );
    }
}
