//! What the start page and the ranking read beyond the user's own rows: the store's days by
//! hour, the latest message, and — for an agent's rank and team average only, never shown
//! as figures of colleagues — the rows of the whole store.

use kefu_core::figures::Counters;
use kefu_core::time::{Day, Millis};
use kefu_report::{By, Report};
use kefu_store::Db;

use super::{Rows, StoreScope};
use crate::WebError;

impl StoreScope {
    /// The time of the store's latest chat message (store clock).
    pub fn last_message_time(&self, db: &Db) -> Result<Option<Millis>, WebError> {
        Ok(db.last_message_time(self.store.id)?)
    }

    /// The counters per day over `[from, to]`, hourly counters included: the whole store's
    /// for whoever sees it, else the sum of the user's own accounts.
    pub fn counters_by_day(
        &self,
        db: &Db,
        from: Day,
        to: Day,
    ) -> Result<Vec<(Day, Counters)>, WebError> {
        Ok(match &self.rows {
            Rows::All => db.counters_by_day(self.store.id, from, to)?,
            Rows::Accounts(ids) => db.counters_by_day_of_accounts(self.store.id, from, to, ids)?,
        })
    }

    /// The report by account of the whole store, whatever the user's rows: for an agent's
    /// rank among peers and their team's average, which the pages show instead of any
    /// colleague's figures.
    pub fn peer_report(&self, db: &Db, from: Day, to: Day) -> Result<Report, WebError> {
        let whole = StoreScope {
            rows: Rows::All,
            ..self.clone()
        };
        crate::report::build(db, By::Account, from, to, std::slice::from_ref(&whole))
    }
}
