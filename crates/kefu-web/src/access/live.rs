//! The live monitor's reads of a store: [`LiveView`], what a user may watch of the store
//! right now.

use kefu_core::live::LiveSnapshot;
use kefu_core::time::{Millis, UtcOffset};
use kefu_store::Db;
use kefu_store::live::LiveDb;

use super::{Rows, StoreScope};
use crate::WebError;

/// What a user may watch of one store live: every account (supervisors, admins) or their
/// own (agents). Built only by [`StoreScope::live_view`].
#[derive(Debug, Clone)]
pub struct LiveView {
    store_id: i64,
    /// The accounts shown; `None`: all.
    accounts: Option<Vec<String>>,
    /// The store's time zone: its "now".
    pub timezone: UtcOffset,
}

impl StoreScope {
    /// The live view of the store for the scope's user.
    pub fn live_view(&self, db: &Db, timezone: UtcOffset) -> Result<LiveView, WebError> {
        let accounts = match &self.rows {
            Rows::All => None,
            Rows::Accounts(_) => Some(self.own_accounts(db)?.into_iter().map(|a| a.name).collect()),
        };
        Ok(LiveView {
            store_id: self.store.id,
            accounts,
            timezone,
        })
    }
}

impl LiveView {
    /// The store at `now` as the user may see it: waiting buyers, late answers, ratings and
    /// active accounts of the accounts they may watch.
    pub fn snapshot(&self, live: &LiveDb, now: Millis) -> Result<LiveSnapshot, WebError> {
        let mut snap = kefu_app::live::snapshot(live, self.store_id, now)?;
        if let Some(mine) = &self.accounts {
            let shows = |a: &String| mine.contains(a);
            snap.waiting.retain(|w| shows(&w.account));
            snap.slow_rounds.retain(|r| shows(&r.account));
            snap.ratings.retain(|r| shows(&r.account));
            snap.active_accounts.retain(shows);
        }
        Ok(snap)
    }

    /// Whether store `id` is the one watched (a change notice names stores by id).
    pub fn is_store(&self, id: i64) -> bool {
        self.store_id == id
    }
}
