//! What the agents of a store may see beyond their own figures (migration 10). Both default
//! to no: a store opts in.

use rusqlite::{OptionalExtension, params};

use crate::users::now_secs;
use crate::{Db, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Visibility {
    /// The store-level totals: the store's sales and orders (`total_sales`, `total_orders`,
    /// `silent_*` and their lists) and the store sales and headcount of a payslip's pool line.
    pub store_totals: bool,
    /// The names of colleagues credited with an order, where an agent's transcript or list
    /// gives the reason an order went elsewhere.
    pub colleagues: bool,
}

impl Db {
    /// A store's visibility settings (the defaults when none were saved).
    pub fn visibility(&self, store_id: i64) -> Result<Visibility> {
        let row: Option<(bool, bool)> = self
            .conn()
            .query_row(
                "SELECT agents_see_store_totals, agents_see_colleagues FROM store_visibility
                 WHERE store_id = ?1",
                [store_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        Ok(
            row.map_or_else(Visibility::default, |(store_totals, colleagues)| {
                Visibility {
                    store_totals,
                    colleagues,
                }
            }),
        )
    }

    pub fn set_visibility(&self, store_id: i64, v: Visibility, by: &str) -> Result<()> {
        self.conn().execute(
            "INSERT INTO store_visibility
                 (store_id, agents_see_store_totals, agents_see_colleagues, updated_at, updated_by)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (store_id) DO UPDATE SET
                 agents_see_store_totals = ?2, agents_see_colleagues = ?3,
                 updated_at = ?4, updated_by = ?5",
            params![store_id, v.store_totals, v.colleagues, now_secs(), by],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_to_nothing_and_saves_per_store() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("k.db")).unwrap();
        assert_eq!(db.visibility(1).unwrap(), Visibility::default());
        let v = Visibility {
            store_totals: true,
            colleagues: false,
        };
        db.set_visibility(1, v, "admin").unwrap();
        assert_eq!(db.visibility(1).unwrap(), v);
        assert_eq!(db.visibility(2).unwrap(), Visibility::default());
        db.set_visibility(1, Visibility::default(), "admin")
            .unwrap();
        assert_eq!(db.visibility(1).unwrap(), Visibility::default());
    }
}
