//! Addresses of the pages that other pages link to: an account's drill-down, a reception, the
//! list behind a figure; and the response-time bins both the drill-down and the lists use.

use kefu_core::time::Day;

use crate::ui::html::url;

/// `/account?…` for a store, an account and a range.
pub fn account_link(store: &str, account: &str, from: Day, to: Day) -> String {
    format!(
        "/account?store={}&account={}&from={from}&to={to}",
        url(store),
        url(account)
    )
}

/// `/reception?…` for one reception.
pub(crate) fn reception_link(store: &str, account: &str, buyer: &str, day: Day) -> String {
    format!(
        "/reception?store={}&account={}&buyer={}&day={day}",
        url(store),
        url(account),
        url(buyer)
    )
}

/// The bins of the response-time histogram, in seconds: `[lower, upper)`, the last open.
pub const RESPONSE_BINS: [(i64, Option<i64>); 6] = [
    (0, Some(30)),
    (30, Some(60)),
    (60, Some(120)),
    (120, Some(300)),
    (300, Some(600)),
    (600, None),
];

/// A bin of the histogram as its column and the lists say it: `30–60 s`, `≥ 600 s`.
pub fn bin_label((lo, hi): (i64, Option<i64>)) -> String {
    match hi {
        Some(h) => format!("{lo}–{h} s"),
        None => format!("≥ {lo} s"),
    }
}

/// Whose items a list shows.
#[derive(Debug, Clone, Copy)]
pub enum Who<'a> {
    /// Every account the user may see in the store.
    Store,
    Account(&'a str),
    /// A roster group's people; `None`: the people without a group.
    Group(Option<&'a str>),
}

/// `/list?…` for a figure of a store (or one account or group) over `[from, to]`.
pub fn list_link(store: &str, who: Who<'_>, from: Day, to: Day, figure: &str) -> String {
    list_link_prefix(store, who, from, to) + figure
}

/// [`list_link`] without the figure key at its end: a row of figures encodes its names once.
pub fn list_link_prefix(store: &str, who: Who<'_>, from: Day, to: Day) -> String {
    let who = match who {
        Who::Store => String::new(),
        Who::Account(a) => format!("&account={}", url(a)),
        Who::Group(Some(g)) => format!("&group={}", url(g)),
        Who::Group(None) => "&ungrouped=1".to_string(),
    };
    format!(
        "/list?store={}{who}&from={from}&to={to}&figure=",
        url(store)
    )
}
