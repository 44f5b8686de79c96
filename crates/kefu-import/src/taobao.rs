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
use kefu_core::model::{Order, Refund, RefundStatus};

// Column indices, as in `columns::TAOBAO`; the order exports (`columns::JD_ORDERS`, …) have
// the first eight in the same order.
pub(crate) const ORDER_ID: usize = 0;
pub(crate) const BUYER: usize = 1;
pub(crate) const CREATED: usize = 2;
pub(crate) const PAID: usize = 3;
pub(crate) const AMOUNT: usize = 4;
pub(crate) const STATUS: usize = 5;
pub(crate) const ITEMS: usize = 6;
pub(crate) const STORE: usize = 7;
const CLOSED: usize = 8;
/// 收货人姓名, 联系手机, 联系电话, 收货地址: together the order's address.
const ADDRESS: [usize; 4] = [9, 10, 11, 12];
const N: usize = 13;

const STATUS_EXPECTED: &str = "expected an order status (订单状态) such as 等待买家付款, 买家已付款，等待卖家发货, \
     卖家已发货，等待买家确认, 交易成功 or 交易关闭";

/// The first `N` values of a row, each [`clean`]ed ("" where the row has none).
pub(crate) fn cleaned<'v, const N: usize>(raw: &[&'v str]) -> [&'v str; N] {
    std::array::from_fn(|i| clean(val(raw, i)))
}

/// Removes spaces and TABs, the `="…"` wrapper, quotes left around the value (抖店's `"\t…"`
/// read from a file quoted twice) and a leading `'`, until none is left.
pub(crate) fn clean(s: &str) -> &str {
    let mut s = s.trim();
    loop {
        let before = s.len();
        if let Some(inner) = s.strip_prefix("=\"").and_then(|r| r.strip_suffix('"')) {
            s = inner.trim();
        }
        if let Some(inner) = s
            .strip_prefix('"')
            .and_then(|r| r.strip_suffix('"'))
            .filter(|_| s.len() >= 2)
        {
            s = inner.trim();
        }
        if let Some(rest) = s.strip_prefix('\'') {
            s = rest.trim();
        }
        if s.len() == before {
            return s;
        }
    }
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
    let v: [&str; N] = cleaned(raw);
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
            presale: None,
        },
    ));
    Ok(())
}

// Columns of the refund report, as in `columns::TAOBAO_REFUNDS`.
const R_ID: usize = 0;
const R_ORDER: usize = 1;
const R_BUYER: usize = 2;
const R_REQUESTED: usize = 3;
const R_AMOUNT: usize = 4;
const R_FINISHED: usize = 5;
const R_FINISHED_OLD: usize = 6;
const R_STATUS: usize = 7;
const R_OPERATOR: usize = 8;
const R_REVIEWER: usize = 9;
const R_HELPER: usize = 10;
const R_STORE: usize = 11;
const R_N: usize = 12;

pub(crate) const REFUND_STATUS_EXPECTED: &str = "expected a refund status (退款状态) such as 退款成功, 退款关闭, \
     买家已经申请退款，等待卖家同意 or 卖家拒绝退款";

/// `退款状态`: 退款成功 → success; 退款关闭 (or any 关闭) → closed; a state still waiting on
/// someone (等待…, 拒绝, 退款中, 处理中, 申请…) → pending.
fn refund_status(s: &str) -> Option<RefundStatus> {
    let n: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    if n.starts_with("退款成功") || n == "成功" {
        Some(RefundStatus::Success)
    } else if n.contains("关闭") {
        Some(RefundStatus::Closed)
    } else if ["等待", "拒绝", "退款中", "处理中", "申请", "待"]
        .iter()
        .any(|w| n.contains(w))
    {
        Some(RefundStatus::Pending)
    } else {
        None
    }
}

/// One row of the Taobao/Tmall 退款报表 (see `docs/formats.md`, "Taobao/Tmall 退款报表").
pub(crate) fn refund(sink: &mut Sink<'_>, raw: &[&str]) -> Result<(), RowFail> {
    let v: [&str; R_N] = cleaned(raw);
    let (store, tz) = sink.store(v[R_STORE]);
    let refund_id = required(&v, R_ID, "a refund id")?;
    let order_id = required(&v, R_ORDER, "an order id (订单编号)")?;
    let requested_at = time_req(&v, R_REQUESTED, tz)?;
    let amount = money_req(&v, R_AMOUNT)?;
    let status = match v[R_STATUS] {
        "" => {
            return Err(bad(
                R_STATUS,
                format!("missing value: {REFUND_STATUS_EXPECTED}"),
            ));
        }
        s => refund_status(s).ok_or_else(|| bad(R_STATUS, REFUND_STATUS_EXPECTED))?,
    };
    let finished_at = match status {
        RefundStatus::Pending => None,
        _ => match time_opt(&v, R_FINISHED, tz)? {
            Some(t) => Some(t),
            None => time_opt(&v, R_FINISHED_OLD, tz)?,
        },
    };
    let account = [R_OPERATOR, R_REVIEWER, R_HELPER]
        .into_iter()
        .map(|i| val(&v, i))
        .find(|a| !a.is_empty() && *a != "-");
    let buyer = sink.buyer_or_unknown(v[R_BUYER]);
    let buyer = sink.intern(buyer);
    let account = account.map(|a| sink.intern(a));
    sink.batch.refunds.push((
        store,
        Refund {
            refund_id: refund_id.to_string(),
            order_id: order_id.to_string(),
            buyer,
            requested_at,
            finished_at,
            amount,
            status,
            account,
        },
    ));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refund_statuses() {
        assert_eq!(refund_status("退款成功"), Some(RefundStatus::Success));
        assert_eq!(refund_status("退款关闭"), Some(RefundStatus::Closed));
        assert_eq!(
            refund_status("买家已经申请退款，等待卖家同意"),
            Some(RefundStatus::Pending)
        );
        assert_eq!(
            refund_status("卖家已经同意退款，等待买家退货"),
            Some(RefundStatus::Pending)
        );
        assert_eq!(refund_status("卖家拒绝退款"), Some(RefundStatus::Pending));
        assert_eq!(refund_status("已发货"), None);
    }

    #[test]
    fn cleans_values() {
        assert_eq!(clean("=\"35153131473293579\""), "35153131473293579");
        assert_eq!(clean(" '13925130165"), "13925130165");
        assert_eq!(clean("\t6917926768823643751"), "6917926768823643751");
        assert_eq!(clean(" 交易成功 "), "交易成功");
        assert_eq!(clean("=\""), "=\"");
        assert_eq!(clean("\"\t6917926768823643751\""), "6917926768823643751");
        assert_eq!(clean("231103-000000000000001\t"), "231103-000000000000001");
        assert_eq!(clean("\""), "\"");
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
