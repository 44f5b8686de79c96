//! How a list is ordered and narrowed: the sort keys and filters of `/list`, which of them
//! each kind of item has, and the stable ordering itself. The list ([`crate::explain::list`])
//! sorts and filters every item before it cuts the page, so a page, the next page and the
//! download agree.

use std::cmp::Ordering;

use crate::explain::ItemKind;

/// What a list is ordered by. Every kind is ordered by time by default; the other keys are
/// offered by the kinds that have them ([`ItemKind::sorts`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ListSort {
    /// The item's time (a reception's first message, a round's opening, an order's placing…).
    #[default]
    Time,
    /// A reception's first response time, a round's response time (service clock).
    Wait,
    /// A reception's longest wall-clock wait of an answered round, a round's wall-clock wait.
    MaxWait,
    /// A reception's length, a refund's time to finish.
    Duration,
    /// Money: a reception's paid sales, an order's, a reminder's or a refund's amount.
    Amount,
    /// A rating's score.
    Score,
    /// A reception's quality-rule hits (how many rules it hit).
    Hits,
}

impl ListSort {
    pub const ALL: [ListSort; 7] = [
        ListSort::Time,
        ListSort::Wait,
        ListSort::MaxWait,
        ListSort::Duration,
        ListSort::Amount,
        ListSort::Score,
        ListSort::Hits,
    ];

    /// The key in a query (`sort=max_wait`).
    pub fn key(self) -> &'static str {
        match self {
            ListSort::Time => "time",
            ListSort::Wait => "wait",
            ListSort::MaxWait => "max_wait",
            ListSort::Duration => "duration",
            ListSort::Amount => "amount",
            ListSort::Score => "score",
            ListSort::Hits => "hits",
        }
    }

    pub fn parse(s: &str) -> Option<ListSort> {
        ListSort::ALL.into_iter().find(|k| k.key() == s)
    }

    /// The direction a list takes when none is asked for: time oldest first, a score lowest
    /// first (the worst ratings are the ones to read), everything else largest first (the
    /// longest wait, the biggest amount, the most hits).
    pub fn descending_by_default(self) -> bool {
        !matches!(self, ListSort::Time | ListSort::Score)
    }
}

/// Which items of a list to keep besides the figure's own test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListFilter {
    /// Lost inquiries: the reception is an inquiry and no order is attributed to it (the
    /// buyer asked and did not order).
    Lost,
    /// The buyer rated the account on the reception's day below satisfied (a rating: itself
    /// below satisfied).
    LowRating,
    /// The buyer asked for a refund on the reception's day (an order: it has a refund).
    Refund,
    /// The reception hit at least one quality rule in the last rule run.
    RuleHits,
}

impl ListFilter {
    pub const ALL: [ListFilter; 4] = [
        ListFilter::Lost,
        ListFilter::LowRating,
        ListFilter::Refund,
        ListFilter::RuleHits,
    ];

    /// The key in a query (`only=lost`).
    pub fn key(self) -> &'static str {
        match self {
            ListFilter::Lost => "lost",
            ListFilter::LowRating => "low_rating",
            ListFilter::Refund => "refund",
            ListFilter::RuleHits => "rule_hits",
        }
    }

    pub fn parse(s: &str) -> Option<ListFilter> {
        ListFilter::ALL.into_iter().find(|k| k.key() == s)
    }
}

impl ItemKind {
    /// The sort keys a list of this kind offers, time first.
    pub fn sorts(self) -> &'static [ListSort] {
        use ListSort as S;
        match self {
            ItemKind::Receptions => &[
                S::Time,
                S::Wait,
                S::MaxWait,
                S::Duration,
                S::Amount,
                S::Hits,
            ],
            ItemKind::Rounds => &[S::Time, S::Wait, S::MaxWait],
            ItemKind::Orders | ItemKind::Reminders => &[S::Time, S::Amount],
            ItemKind::Ratings => &[S::Time, S::Score],
            ItemKind::Refunds => &[S::Time, S::Amount, S::Duration],
        }
    }

    /// The filters a list of this kind offers (a round is kept by its reception's).
    pub fn filters(self) -> &'static [ListFilter] {
        use ListFilter as F;
        match self {
            ItemKind::Receptions | ItemKind::Rounds => {
                &[F::Lost, F::LowRating, F::Refund, F::RuleHits]
            }
            ItemKind::Orders => &[F::Refund],
            ItemKind::Ratings => &[F::LowRating],
            ItemKind::Reminders | ItemKind::Refunds => &[],
        }
    }
}

/// Orders `items` (already in their time order) by `key`, stably: equal keys keep their time
/// order, and items without a value (an unanswered round's wait) come last in either
/// direction.
pub(crate) fn sort_by_key<T, K: Ord>(
    items: &mut [T],
    descending: bool,
    key: impl Fn(&T) -> Option<K>,
) {
    let mut keyed: Vec<(Option<K>, usize)> =
        items.iter().enumerate().map(|(i, t)| (key(t), i)).collect();
    keyed.sort_by(|(a, _), (b, _)| match (a, b) {
        (Some(a), Some(b)) if descending => b.cmp(a),
        (Some(a), Some(b)) => a.cmp(b),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    });
    let order: Vec<usize> = keyed.into_iter().map(|(_, i)| i).collect();
    apply_order(items, &order);
}

/// Puts `items[order[0]]` first, `items[order[1]]` second, … (`order` a permutation).
fn apply_order<T>(items: &mut [T], order: &[usize]) {
    // Follow each cycle of the permutation once, swapping along it.
    let mut placed = vec![false; items.len()];
    for start in 0..items.len() {
        if placed[start] {
            continue;
        }
        let mut at = start;
        loop {
            placed[at] = true;
            let next = order[at];
            if next == start {
                break;
            }
            items.swap(at, next);
            at = next;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorting_is_stable_and_puts_missing_values_last() {
        // (time order, wait)
        let items = vec![
            (1, Some(30)),
            (2, None),
            (3, Some(90)),
            (4, Some(30)),
            (5, None),
        ];
        let mut down = items.clone();
        sort_by_key(&mut down, true, |x| x.1);
        assert_eq!(
            down.iter().map(|x| x.0).collect::<Vec<_>>(),
            [3, 1, 4, 2, 5]
        );
        let mut up = items.clone();
        sort_by_key(&mut up, false, |x| x.1);
        assert_eq!(up.iter().map(|x| x.0).collect::<Vec<_>>(), [1, 4, 3, 2, 5]);
    }

    #[test]
    fn a_permutation_is_applied_whatever_its_cycles() {
        for order in [
            vec![0, 1, 2, 3],
            vec![3, 2, 1, 0],
            vec![1, 2, 3, 0],
            vec![2, 0, 3, 1],
        ] {
            let mut items: Vec<usize> = (0..4).map(|i| i * 10).collect();
            apply_order(&mut items, &order);
            assert_eq!(items, order.iter().map(|i| i * 10).collect::<Vec<_>>());
        }
    }

    #[test]
    fn keys_read_back() {
        for s in ListSort::ALL {
            assert_eq!(ListSort::parse(s.key()), Some(s));
        }
        for f in ListFilter::ALL {
            assert_eq!(ListFilter::parse(f.key()), Some(f));
        }
        assert_eq!(ListSort::parse("nope"), None);
        // Every kind can be ordered by time, and offers time first.
        for kind in [
            ItemKind::Receptions,
            ItemKind::Rounds,
            ItemKind::Orders,
            ItemKind::Reminders,
            ItemKind::Ratings,
            ItemKind::Refunds,
        ] {
            assert_eq!(kind.sorts()[0], ListSort::Time);
        }
    }
}
