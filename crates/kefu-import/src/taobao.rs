//! The Taobao/Tmall seller-centre order report (订单报表, `ExportOrderList`, the "主表").
//!
//! The report is recognised by its header having both `订单编号` and `买家会员名`. Columns are
//! found by name, never by position (their order and number change between versions), after
//! trimming spaces around header names (old exports write `"订单付款时间 "`). Every value is
//! cleaned before use: surrounding spaces, the Excel formula wrapper `="…"` that the report
//! puts around ids, and a leading `'` or TAB (written to keep spreadsheets from turning ids
//! into numbers) are removed. The report is usually GBK; encoding detection handles that.
//!
//! | source column | becomes | |
//! |---|---|---|
//! | 订单编号 | `order_id` | required |
//! | 买家会员名 | `buyer` | required |
//! | 订单创建时间 | `created_at` | required |
//! | 订单付款时间 | `paid_at` | column required; the value is read for paid and closed orders |
//! | 买家实际支付金额 | `amount` | required |
//! | 订单状态 | paid / unpaid / closed, see below | required |
//! | 宝贝总数量 | `items` | optional, default 1 |
//! | 店铺名称 | `store` | optional; empty → the import's `--store`, else `default` |
//! | 订单关闭时间 (or 交易关闭时间, 关闭时间) | `closed_at` | optional, not in standard reports |
//! | 收货人姓名, 联系手机, 联系电话, 收货地址 | `address`, those given joined by `，` | optional |
//!
//! All other columns are ignored without a warning (a report has 46 to 68 of them).
//!
//! `订单状态` (compared after turning full-width `，（）` into `,()` and dropping spaces):
//!
//! | 订单状态 | paid_at | closed_at |
//! |---|---|---|
//! | 等待买家付款 (and 等待买家付款… variants) | none | none |
//! | 买家已付款,等待卖家发货 · 卖家已发货,等待买家确认 · 卖家部分发货 · 交易成功 (any status starting with 买家已付款 or 卖家已发货, or containing 部分发货) | 订单付款时间; the row is rejected when it is empty | none |
//! | 交易关闭 (and 交易关闭… variants), 订单付款时间 set: paid, then closed by a refund | 订单付款时间 | none (the refund belongs in a refunds file) |
//! | 交易关闭, 订单付款时间 empty: never paid, cancelled or timed out | none | the close-time column when the file has one and the row a value there; else none |
//! | anything else | the row is rejected, naming the value | |
//!
//! Why an unpaid closed order without a close time gets no `closed_at`, rather than its
//! creation time: `closed_at` only ends the window in which a payment reminder (催付) counts,
//! and the reminder window (`reminder_window_hours`) already bounds it. Pretending the order
//! closed the moment it was placed would throw away reminders that did happen before
//! Taobao's automatic close. Such rows are counted in one warning per file.

use crate::convert::{
    MAX_ADDRESS_CHARS, RowFail, Sink, address_opt, bad, items_opt, money_req, required, time_opt,
    time_req, val,
};
use kefu_core::model::Order;

// Column indices, as in `columns::TAOBAO`.
const ORDER_ID: usize = 0;
const BUYER: usize = 1;
const CREATED: usize = 2;
const PAID: usize = 3;
const AMOUNT: usize = 4;
const STATUS: usize = 5;
const ITEMS: usize = 6;
const STORE: usize = 7;
const CLOSED: usize = 8;
/// 收货人姓名, 联系手机, 联系电话, 收货地址: together the order's address.
const ADDRESS: [usize; 4] = [9, 10, 11, 12];
const N: usize = 13;

const STATUS_EXPECTED: &str = "expected an order status (订单状态) such as 等待买家付款, 买家已付款，等待卖家发货, \
     卖家已发货，等待买家确认, 交易成功 or 交易关闭";

/// Removes spaces, the `="…"` wrapper and a leading `'` or TAB.
pub(crate) fn clean(s: &str) -> &str {
    let mut s = s.trim();
    if let Some(inner) = s.strip_prefix("=\"").and_then(|r| r.strip_suffix('"')) {
        s = inner.trim();
    }
    if let Some(rest) = s.strip_prefix('\'') {
        s = rest.trim();
    }
    s.trim_start_matches('\t').trim()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Unpaid,
    Paid,
    Closed,
}

fn status(s: &str) -> Option<Status> {
    let norm: String = s
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '，' => ',',
            '（' => '(',
            '）' => ')',
            c => c,
        })
        .collect();
    let n = norm.as_str();
    if n.starts_with("交易关闭") {
        Some(Status::Closed)
    } else if n.starts_with("等待买家付款") {
        Some(Status::Unpaid)
    } else if n == "交易成功"
        || n.starts_with("买家已付款")
        || n.starts_with("卖家已发货")
        || n.contains("部分发货")
    {
        Some(Status::Paid)
    } else {
        None
    }
}

pub(crate) fn convert(sink: &mut Sink<'_>, raw: &[&str]) -> Result<(), RowFail> {
    let mut v = [""; N];
    for (i, slot) in v.iter_mut().enumerate() {
        *slot = clean(val(raw, i));
    }
    let (store, tz) = sink.store(v[STORE]);
    let order_id = required(&v, ORDER_ID, "an order id (订单编号)")?;
    let buyer = required(&v, BUYER, "the buyer's nick (买家会员名)")?;
    let created_at = time_req(&v, CREATED, tz)?;
    let amount = money_req(&v, AMOUNT)?;
    let items = items_opt(&v, ITEMS)?;
    let status = match v[STATUS] {
        "" => return Err(bad(STATUS, format!("missing value: {STATUS_EXPECTED}"))),
        s => status(s).ok_or_else(|| bad(STATUS, STATUS_EXPECTED))?,
    };
    let (paid_at, closed_at) = match status {
        Status::Unpaid => (None, None),
        Status::Paid => match time_opt(&v, PAID, tz)? {
            Some(t) => (Some(t), None),
            None => {
                return Err(bad(
                    PAID,
                    "missing value: the order status says paid, so 订单付款时间 must hold a time",
                ));
            }
        },
        Status::Closed => match time_opt(&v, PAID, tz)? {
            Some(t) => (Some(t), None),
            None => {
                let closed = time_opt(&v, CLOSED, tz)?;
                if closed.is_none() {
                    sink.notes.closed_unpaid_without_time += 1;
                }
                (None, closed)
            }
        },
    };
    // The receiver, phones and address, in that order; a clause mark between them keeps two
    // numbers apart (the rules join digits across spaces).
    let mut joined = Vec::new();
    for i in ADDRESS {
        if let Some(part) = address_opt(&v, i)? {
            joined.push(part);
        }
    }
    let address = (!joined.is_empty()).then(|| {
        joined
            .join("，")
            .chars()
            .take(MAX_ADDRESS_CHARS)
            .collect::<String>()
    });
    let buyer = sink.intern(buyer);
    sink.batch.orders.push((
        store,
        Order {
            order_id: order_id.to_string(),
            buyer,
            created_at,
            paid_at,
            closed_at,
            amount,
            items,
            address,
        },
    ));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleans_values() {
        assert_eq!(clean("=\"35153131473293579\""), "35153131473293579");
        assert_eq!(clean(" '13925130165"), "13925130165");
        assert_eq!(clean("\t6917926768823643751"), "6917926768823643751");
        assert_eq!(clean(" 交易成功 "), "交易成功");
        assert_eq!(clean("=\""), "=\"");
    }

    #[test]
    fn statuses() {
        assert_eq!(status("买家已付款，等待卖家发货"), Some(Status::Paid));
        assert_eq!(status("卖家已发货，等待买家确认"), Some(Status::Paid));
        assert_eq!(status("交易成功"), Some(Status::Paid));
        assert_eq!(status("交易关闭"), Some(Status::Closed));
        assert_eq!(status("交易关闭（退款）"), Some(Status::Closed));
        assert_eq!(status("等待买家付款"), Some(Status::Unpaid));
        assert_eq!(status("外星人已签收"), None);
    }
}
