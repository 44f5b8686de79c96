//! 京东 咚咚 chat records as the 客服管家 API returns them (`chatLog/queryList.action`): rows of
//! `{mid, created, waiterSend, type, content, customerDisplayId, waiterDisplayId}`, in a JSON
//! array, in the API's response object (`{"data": {"list": [...]}}`), or one per line.
//!
//! | source | becomes |
//! |---|---|
//! | `created` (`yyyy-MM-dd HH:mm:ss`) | `time` |
//! | `customerDisplayId` | `buyer` |
//! | `waiterDisplayId` | `account` |
//! | `waiterSend`: `true`/`1` | `sender` agent; `false`/`0`: buyer |
//! | `content` | `text` |
//! | `mid` | `msg_id` (re-imports drop repeats) |
//! | `type` | not read: the API's message types are not documented in the sources |

use crate::convert::{NewMessage, RowFail, Sink, bad, required, time_req, val};
use kefu_core::model::Sender;

pub(crate) const WAITER_SEND_EXPECTED: &str =
    "expected waiterSend true or false (1 or 0): whether the agent sent the message";

/// One row (columns as in `columns::JD_CHATS`: created, customerDisplayId, waiterDisplayId,
/// waiterSend, content, mid, type).
pub(crate) fn convert(sink: &mut Sink<'_>, v: &[&str]) -> Result<(), RowFail> {
    let (store, tz) = sink.store("");
    let time = time_req(v, 0, tz)?;
    let buyer = required(v, 1, "the buyer's nick")?;
    let account = required(v, 2, "the store's chat account, such as 店铺名:小美")?;
    let sender = match val(v, 3).trim().to_ascii_lowercase().as_str() {
        "true" | "1" => Sender::Agent,
        "false" | "0" => Sender::Buyer,
        "" => return Err(bad(3, format!("missing value: {WAITER_SEND_EXPECTED}"))),
        _ => return Err(bad(3, WAITER_SEND_EXPECTED)),
    };
    let m = NewMessage {
        time,
        buyer,
        account,
        sender,
        text: val(v, 4),
        msg_id: val(v, 5).trim(),
        transfer_to: "",
    };
    sink.push_message(store, m)
}
