//! The order exports of 京东, 拼多多 and 抖店, read as canonical orders. `docs/formats.md`
//! ("Order exports") has the mapping of each, and the decisions where the sources are silent.
//!
//! - Values are cleaned as the Taobao report's are ([`crate::taobao::clean`]): spaces, TABs
//!   (拼多多 ends every value with one, 抖店 starts ids with one), quotes and `="…"` go.
//! - 抖店 writes a row per sub-order (子订单): the rows of one 主订单编号 are gathered into one
//!   order, amounts (订单应付金额) and item counts summed. 京东 writes a row per order line: its
//!   rows are gathered too, item counts summed, and the order's amount (订单金额, repeated on
//!   each line) taken once. 拼多多 writes a row per order; a repeated 订单号 replaces the earlier
//!   row, as in canonical files.
//! - 订单状态 decides whether the order was paid ([`state`]).

use kefu_core::model::Order;
use kefu_core::time::Millis;

use crate::FileKind;
use crate::convert::{RowFail, Sink, bad, items_opt, money_req, required, time_opt, time_req};
use crate::taobao::{AMOUNT, BUYER, CREATED, ITEMS, ORDER_ID as ID, PAID, STATUS, STORE, cleaned};

/// The columns read (`columns::JD_ORDERS`, `PDD_ORDERS`, `DOUYIN_ORDERS`: the Taobao report's
/// first eight, in its order).
const N: usize = 8;

pub(crate) const ORDER_STATE_EXPECTED: &str =
    "expected an order status (订单状态) such as 等待付款, 待发货, 已发货, 已完成 or 已取消";
pub(crate) const PAID_WITHOUT_TIME: &str = "the order status says paid, so the payment time (付款确认时间, 支付时间, 支付完成时间) must hold a time";

/// What an order's status says about its payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Waiting for the buyer to pay.
    Unpaid,
    /// Cancelled or closed: paid (and refunded) when it has a payment time, else never paid.
    Cancelled,
    /// Any other state: paid.
    Paid,
}

/// 订单状态, compared without spaces and a leading `(删除)` (京东's deleted orders keep their
/// state after it): 取消 or 关闭 → cancelled; 待支付, 待付款, 等待付款, 未付款, 未支付 → unpaid;
/// anything else (待发货, 等待出库, 已发货, 已签收, 已完成, 锁定, …) → paid.
fn state(s: &str) -> State {
    let n: String = s
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            c => c,
        })
        .collect();
    let n = n.strip_prefix("(删除)").unwrap_or(&n);
    if n.contains("取消") || n.contains("关闭") {
        State::Cancelled
    } else if ["待支付", "待付款", "等待付款", "未付款", "未支付"]
        .iter()
        .any(|w| n.contains(w))
    {
        State::Unpaid
    } else {
        State::Paid
    }
}

pub(crate) fn convert(sink: &mut Sink<'_>, kind: FileKind, raw: &[&str]) -> Result<(), RowFail> {
    let v: [&str; N] = cleaned(raw);
    let (store, tz) = sink.store(v[STORE]);
    let order_id = required(&v, ID, "an order id")?;
    let deal = time_opt(&v, CREATED, tz)?;
    let paid = time_opt(&v, PAID, tz)?;
    let created_at = match kind {
        // 拼多多: 订单成交时间 may come after 支付时间 (a group order is 成团 later): the order
        // exists from the earlier of the two.
        FileKind::PddOrders => match (deal, paid) {
            (Some(d), Some(p)) => d.min(p),
            (Some(t), None) | (None, Some(t)) => t,
            (None, None) => time_req(&v, CREATED, tz)?,
        },
        _ => match deal {
            Some(t) => t,
            None => time_req(&v, CREATED, tz)?,
        },
    };
    let amount = money_req(&v, AMOUNT)?;
    let items = items_opt(&v, ITEMS)?;
    let state = match v[STATUS] {
        "" => {
            return Err(bad(
                STATUS,
                format!("missing value: {ORDER_STATE_EXPECTED}"),
            ));
        }
        s => state(s),
    };
    let (paid_at, cancelled_unpaid) = match (state, paid) {
        (State::Unpaid, _) => (None, false),
        (State::Paid, Some(t)) | (State::Cancelled, Some(t)) => (Some(t), false),
        (State::Paid, None) => {
            return Err(bad(PAID, format!("missing value: {PAID_WITHOUT_TIME}")));
        }
        (State::Cancelled, None) => (None, true),
    };
    let buyer = sink.buyer_or_unknown(v[BUYER]);
    let key = (store, order_id.to_string());
    let gathers = matches!(kind, FileKind::JdOrders | FileKind::DouyinOrders);
    if gathers
        && let Some(order) = sink
            .gather
            .get(&key)
            .copied()
            .and_then(|i| sink.batch.orders.get_mut(i))
    {
        let o = &mut order.1;
        o.created_at = o.created_at.min(created_at);
        o.paid_at = earliest(o.paid_at, paid_at);
        o.items += items;
        if kind == FileKind::DouyinOrders {
            o.amount += amount;
        } else if o.amount != amount {
            sink.notes.amounts_disagree += 1;
        }
        return Ok(());
    }
    if cancelled_unpaid {
        sink.notes.closed_unpaid_without_time += 1;
    }
    let buyer = sink.intern(buyer);
    if gathers {
        sink.gather.insert(key, sink.batch.orders.len());
    }
    sink.batch.orders.push((
        store,
        Order {
            order_id: order_id.to_string(),
            buyer,
            created_at,
            paid_at,
            closed_at: None,
            amount,
            items,
            // The exports' presale columns are not mapped yet (docs/formats.md).
            presale: None,
            address: None,
        },
    ));
    Ok(())
}

fn earliest(a: Option<Millis>, b: Option<Millis>) -> Option<Millis> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states() {
        assert_eq!(state("等待付款"), State::Unpaid);
        assert_eq!(state("待支付"), State::Unpaid);
        assert_eq!(state("(删除)等待出库"), State::Paid);
        assert_eq!(state("（删除）已取消"), State::Cancelled);
        assert_eq!(state("已关闭"), State::Cancelled);
        assert_eq!(state("已发货，待签收"), State::Paid);
        assert_eq!(state("未发货，退款成功"), State::Paid);
        assert_eq!(state("已完成"), State::Paid);
    }
}
