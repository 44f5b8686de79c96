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

use crate::convert::{RowFail, Sink, val};
use kefu_core::model::Sender;

pub(crate) const WAITER_SEND_EXPECTED: &str =
    "expected waiterSend true or false (1 or 0): whether the agent sent the message";

/// `waiterSend`: `true`/`1` the agent, `false`/`0` the buyer (any case).
fn waiter_send(s: &str) -> Option<Sender> {
    match s.to_ascii_lowercase().as_str() {
        "true" | "1" => Some(Sender::Agent),
        "false" | "0" => Some(Sender::Buyer),
        _ => None,
    }
}

/// One row (columns as in `columns::JD_CHATS`: created, customerDisplayId, waiterDisplayId,
/// waiterSend, content, mid, type), read as a messages row without `transfer_to` and `store`:
/// `type` is not read.
pub(crate) fn convert(sink: &mut Sink<'_>, v: &[&str]) -> Result<(), RowFail> {
    let row = [
        val(v, 0),
        val(v, 1),
        val(v, 2),
        val(v, 3),
        val(v, 4),
        val(v, 5),
    ];
    sink.message_as(&row, waiter_send, WAITER_SEND_EXPECTED)
}
