//! Turns one row's values (in the column order of [`crate::columns`]) into a record of the
//! batch. Every source (CSV, JSON Lines, workbooks) ends here, so the rules live in one place.

use kefu_core::model::{
    Agent, ImportBatch, ImportedMessage, Message, NameId, Order, Presale, Rating, Refund,
    RefundStatus, Role, Sender, parse_score,
};
use kefu_core::money::parse_yuan;
use kefu_core::settings::Config;
use kefu_core::text::trim;
use kefu_core::time::{Day, Millis, UtcOffset, parse_time};

use crate::FileKind;

/// Why a row was not taken.
#[derive(Debug)]
pub(crate) enum RowFail {
    /// The row is bad: which column (index into the kind's columns), and what was expected.
    Bad { col: Option<usize>, reason: String },
    /// The text arena is full: the whole import stops.
    TextFull,
}

pub(crate) fn bad(col: usize, reason: impl Into<String>) -> RowFail {
    RowFail::Bad {
        col: Some(col),
        reason: reason.into(),
    }
}

pub(crate) const TIME_EXPECTED: &str =
    "expected a time like 2026-11-11 09:00:00, 2026/11/11 09:00:00 or 2026-11-11T09:00:00+08:00";
const MONEY_EXPECTED: &str =
    "expected an amount in yuan with at most 2 decimals, such as 199.00 or 1299.5";
const SENDER_EXPECTED: &str =
    "expected a sender: buyer, agent, bot, auto or system (or 买家, 客服, 机器人, 自动回复, 系统)";
const ROLE_EXPECTED: &str = "expected a role: presale, aftersale or bot (or 售前, 售后, 机器人)";
const STATUS_EXPECTED: &str =
    "expected a refund status: success, closed or pending (or 退款成功, 退款关闭, 退款中)";
const SCORE_EXPECTED: &str = "expected a score from 1 to 5 or 很满意, 满意, 一般, 不满意, 很不满意";
const ITEMS_EXPECTED: &str = "expected a whole number of items such as 1";

/// The longest message text kept, in bytes (about 10,000 Chinese characters). A longer text is
/// cut at a character boundary and ends with [`CUT_MARK`]: the message itself still counts in
/// every figure, only its words beyond the limit are dropped.
pub const MAX_TEXT_BYTES: usize = kefu_core::text::MAX_MESSAGE_BYTES;

/// What a cut message text ends with, in both languages since the stored text has no language.
pub const CUT_MARK: &str = "…〔已截断 cut〕";

/// The longest value of any other column (names, ids, times, amounts), in characters.
pub const MAX_VALUE_CHARS: usize = 128;

/// The longest order address kept, in characters: a longer one is stored cut (the receiver
/// and phone come first; only the quality rules read it).
pub const MAX_ADDRESS_CHARS: usize = 256;

/// An order's address (收货信息) as stored: trimmed, cut to [`MAX_ADDRESS_CHARS`], `None` when
/// empty. Control characters make the row bad, as in names.
pub(crate) fn address_opt(v: &[&str], i: usize) -> Result<Option<String>, RowFail> {
    let s = trim(val(v, i));
    if s.is_empty() {
        return Ok(None);
    }
    if s.chars().any(char::is_control) {
        return Err(bad(
            i,
            "expected no control characters (U+0000–U+001F, U+007F–U+009F)",
        ));
    }
    Ok(Some(s.chars().take(MAX_ADDRESS_CHARS).collect()))
}

/// Whether column `i` of a `kind` file is free text that [`check_value`] does not limit: a
/// message's text (also of 咚咚 rows), an order's address.
fn free_text(kind: FileKind, i: usize) -> bool {
    match kind {
        FileKind::Messages | FileKind::JdChats => i == 4,
        FileKind::Orders => i == 12,
        FileKind::TaobaoOrders => (9..=12).contains(&i),
        _ => false,
    }
}

/// Refuses a value that is not a message text: control characters (C0, DEL, C1) have no place
/// in a name or an id, where they reach terminals and pages, and a name longer than
/// [`MAX_VALUE_CHARS`] is not a name.
fn check_value(i: usize, s: &str) -> Result<(), RowFail> {
    check_name(s).map_err(|reason| bad(i, reason))
}

/// [`check_value`]'s rule, with the reason a value breaks it.
pub(crate) fn check_name(s: &str) -> Result<(), String> {
    let s = trim(s);
    if may_hold_control(s.as_bytes()) && s.chars().any(char::is_control) {
        return Err("expected no control characters (U+0000–U+001F, U+007F–U+009F)".to_string());
    }
    if s.len() > MAX_VALUE_CHARS {
        let n = s.chars().count();
        if n > MAX_VALUE_CHARS {
            return Err(format!(
                "expected at most {MAX_VALUE_CHARS} characters, not {n}"
            ));
        }
    }
    Ok(())
}

/// Whether `b` may hold a control character: a byte below 0x20, 0x7F, or 0xC2 (the lead byte
/// of the C1 controls, U+0080–U+009F, and of other characters). Eight bytes at a time, since
/// every value of every row is checked.
#[inline]
fn may_hold_control(b: &[u8]) -> bool {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    // Exact tests on a word: whether some byte is below 0x20 (for bounds up to 0x80), and
    // whether some byte is zero (after an XOR with the byte looked for).
    let any = |w: u64| {
        let below = w.wrapping_sub(ONES * 0x20) & !w & HIGH;
        let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
        below | zero(w ^ (ONES * 0x7F)) | zero(w ^ (ONES * 0xC2)) != 0
    };
    let word = |c: &[u8]| c.try_into().map_or(0, u64::from_ne_bytes);
    if b.len() < 8 {
        return b.iter().any(|&c| c < 0x20 || c == 0x7F || c == 0xC2);
    }
    let mut chunks = b.chunks_exact(8);
    if chunks.by_ref().any(|c| any(word(c))) {
        return true;
    }
    // The last eight bytes cover the remainder (again some bytes already seen: no matter).
    !chunks.remainder().is_empty() && any(word(b.get(b.len() - 8..).unwrap_or_default()))
}

/// The value of column `i`, "" when the row has none.
pub(crate) fn val<'a>(v: &[&'a str], i: usize) -> &'a str {
    v.get(i).copied().unwrap_or("")
}

/// A required name or id: trimmed and non-empty.
pub(crate) fn required<'a>(v: &[&'a str], i: usize, what: &str) -> Result<&'a str, RowFail> {
    let s = trim(val(v, i));
    if s.is_empty() {
        Err(bad(i, format!("missing value: expected {what}")))
    } else {
        Ok(s)
    }
}

pub(crate) fn time_req(v: &[&str], i: usize, tz: UtcOffset) -> Result<Millis, RowFail> {
    let s = trim(val(v, i));
    if s.is_empty() {
        return Err(bad(i, format!("missing value: {TIME_EXPECTED}")));
    }
    parse_time(s, tz).map_err(|_| bad(i, TIME_EXPECTED))
}

pub(crate) fn time_opt(v: &[&str], i: usize, tz: UtcOffset) -> Result<Option<Millis>, RowFail> {
    let s = trim(val(v, i));
    if s.is_empty() {
        return Ok(None);
    }
    parse_time(s, tz)
        .map(Some)
        .map_err(|_| bad(i, TIME_EXPECTED))
}

pub(crate) const DEPOSIT_NEEDED: &str =
    "a presale order (with deposit_paid_at, balance_from or balance_to) needs its deposit";
pub(crate) const DEPOSIT_ABOVE: &str = "expected a deposit not above the order's amount";
pub(crate) const BALANCE_END_NEEDED: &str =
    "a presale order (with a deposit) needs balance_to, the end of its balance window";
pub(crate) const BALANCE_WINDOW: &str =
    "expected balance_to not before balance_from (or the order's creation)";

/// A presale order's deposit and balance window (columns 8-11), all empty for an ordinary
/// order. The window starts at the order's creation when `balance_from` is empty.
fn presale(
    v: &[&str],
    created_at: Millis,
    amount: i64,
    tz: UtcOffset,
) -> Result<Option<Presale>, RowFail> {
    let deposit = if trim(val(v, 8)).is_empty() {
        None
    } else {
        Some(money_req(v, 8)?)
    };
    let deposit_paid_at = time_opt(v, 9, tz)?;
    let balance_from = time_opt(v, 10, tz)?;
    let balance_to = time_opt(v, 11, tz)?;
    let Some(deposit) = deposit else {
        if deposit_paid_at.is_some() || balance_from.is_some() || balance_to.is_some() {
            return Err(bad(8, format!("missing value: {DEPOSIT_NEEDED}")));
        }
        return Ok(None);
    };
    if deposit > amount {
        return Err(bad(8, DEPOSIT_ABOVE));
    }
    let balance_to =
        balance_to.ok_or_else(|| bad(11, format!("missing value: {BALANCE_END_NEEDED}")))?;
    let balance_from = balance_from.unwrap_or(created_at);
    if balance_to < balance_from {
        return Err(bad(11, BALANCE_WINDOW));
    }
    Ok(Some(Presale {
        deposit,
        deposit_paid_at,
        balance_from,
        balance_to,
    }))
}

/// An amount paid or refunded: yuan, not negative.
pub(crate) fn money_req(v: &[&str], i: usize) -> Result<i64, RowFail> {
    let s = trim(val(v, i));
    if s.is_empty() {
        return Err(bad(i, format!("missing value: {MONEY_EXPECTED}")));
    }
    match parse_yuan(s) {
        Ok(c) if c >= 0 => Ok(c),
        Ok(_) => Err(bad(i, "expected an amount that is not negative")),
        Err(_) => Err(bad(i, MONEY_EXPECTED)),
    }
}

/// A count of items: empty means 1; `2.0` (as spreadsheets and JSON floats write it) is 2.
pub(crate) fn items_opt(v: &[&str], i: usize) -> Result<i64, RowFail> {
    let s = trim(val(v, i));
    if s.is_empty() {
        return Ok(1);
    }
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if !frac.bytes().all(|b| b == b'0') {
        return Err(bad(i, ITEMS_EXPECTED));
    }
    match int.parse::<i64>() {
        Ok(n) if n >= 0 => Ok(n),
        _ => Err(bad(i, ITEMS_EXPECTED)),
    }
}

fn opt_text(s: &str) -> Option<String> {
    let s = trim(s);
    (!s.is_empty()).then(|| s.to_string())
}

/// The last store seen, so that a file of one store looks its name up once.
#[derive(Default)]
struct StoreCache {
    name: String,
    id: NameId,
    tz: UtcOffset,
    valid: bool,
}

/// The buyer of a record whose source names none (拼多多 and 抖店 mask the buyer; one version
/// of the Taobao refund report has no buyer column): one name that no chat has, in both
/// languages since the stored name has none.
pub const UNKNOWN_BUYER: &str = "〔未知买家 unknown buyer〕";

/// Per-file counts that end up as warnings.
#[derive(Default, Debug)]
pub(crate) struct FileNotes {
    pub closed_unpaid_without_time: u64,
    /// Orders whose lines give different amounts (京东's 订单金额 on each line).
    pub amounts_disagree: u64,
    /// Rows given [`UNKNOWN_BUYER`].
    pub unknown_buyers: u64,
    /// Message texts cut to [`MAX_TEXT_BYTES`].
    pub texts_cut: u64,
}

/// A message as a reader hands it to [`Sink::push_message`]: names not yet interned, the text
/// as written.
pub(crate) struct NewMessage<'a> {
    pub time: Millis,
    pub buyer: &'a str,
    pub account: &'a str,
    pub sender: Sender,
    pub text: &'a str,
    /// Empty: none.
    pub msg_id: &'a str,
    /// Empty: none.
    pub transfer_to: &'a str,
}

/// Receives the rows of every file of one import.
pub(crate) struct Sink<'a> {
    pub batch: ImportBatch,
    config: &'a Config,
    default_store: String,
    cache: StoreCache,
    pub notes: FileNotes,
    /// Orders of the file being read that later rows add to (sub-orders, order lines), by
    /// store and order id: their index in `batch.orders`.
    pub gather: std::collections::HashMap<(NameId, String), usize>,
    /// Where the next batch's memory comes from.
    spares: Option<&'a crate::SpareBatches>,
    /// Finds the batch's names (and adds new ones to it).
    index: crate::names::BatchIndex,
}

impl<'a> Sink<'a> {
    pub fn new(config: &'a Config, default_store: Option<&str>) -> Self {
        let default_store = match default_store.map(str::trim) {
            Some(s) if !s.is_empty() => s.to_string(),
            _ => "default".to_string(),
        };
        Sink {
            batch: ImportBatch::default(),
            config,
            default_store,
            cache: StoreCache::default(),
            notes: FileNotes::default(),
            gather: Default::default(),
            spares: None,
            index: Default::default(),
        }
    }

    /// A sink for the files of an import, its batches in memory handed back
    /// ([`crate::ImportOptions::spares`]).
    pub fn for_import(opts: &crate::ImportOptions<'a>) -> Self {
        let mut sink = Sink::new(opts.config, opts.default_store.as_deref());
        if let Some(spares) = opts.spares {
            sink.spares = Some(spares);
            sink.batch = spares.take();
        }
        sink
    }

    /// Hands the batch on and starts the next one (names of its own, `seq`s from 0), sized
    /// like the one handed on.
    pub fn take_batch(&mut self) -> ImportBatch {
        // The cached store id and the gathered orders point into the batch handed on.
        self.cache.valid = false;
        self.gather.clear();
        let mut next = self
            .spares
            .map(crate::SpareBatches::take)
            .unwrap_or_default();
        next.messages.reserve(self.batch.messages.len());
        next.text.reserve(self.batch.text.len());
        next.names
            .reserve(self.batch.names.len(), self.batch.names.text_len());
        std::mem::replace(&mut self.batch, next)
    }

    /// The buyer of an export's row: its value, or [`UNKNOWN_BUYER`] (counted for the file's
    /// warning) where the export masks it or has no buyer column (empty or `-`).
    pub fn buyer_or_unknown<'v>(&mut self, value: &'v str) -> &'v str {
        match value {
            "" | "-" => {
                self.notes.unknown_buyers += 1;
                UNKNOWN_BUYER
            }
            b => b,
        }
    }

    /// Interns a name into the batch's table.
    pub fn intern(&mut self, name: &str) -> NameId {
        self.index.intern(&mut self.batch.names, name)
    }

    /// Starts reading what interning `names` will read (a hint: see
    /// [`crate::names::BatchIndex::prefetch`]).
    pub fn prefetch_names<'n>(&self, names: impl Iterator<Item = &'n str>) {
        self.index.prefetch(&self.batch.names, names);
    }

    /// The store of a row (its `store` value, else the import's default) and its time zone.
    pub fn store(&mut self, field: &str) -> (NameId, UtcOffset) {
        let field = trim(field);
        let name = if field.is_empty() {
            self.default_store.as_str()
        } else {
            field
        };
        if !(self.cache.valid && self.cache.name == name) {
            self.cache.id = self.index.intern(&mut self.batch.names, name);
            self.cache.tz = self.config.store(name).timezone;
            self.cache.name.clear();
            self.cache.name.push_str(name);
            self.cache.valid = true;
        }
        (self.cache.id, self.cache.tz)
    }

    /// Converts one row of a file of `kind`; nothing is added when the row is bad.
    pub fn row(&mut self, kind: FileKind, v: &[&str]) -> Result<(), RowFail> {
        for (i, value) in v.iter().enumerate() {
            // A message's text (also of 咚咚 rows) keeps tabs and newlines; an address has its
            // own limit.
            if !free_text(kind, i) {
                check_value(i, value)?;
            }
        }
        match kind {
            FileKind::Messages => self.message(v),
            FileKind::Orders => self.order(v),
            FileKind::Refunds => self.refund(v),
            FileKind::Ratings => self.rating(v),
            FileKind::Agents => self.agent(v),
            FileKind::TaobaoOrders => crate::taobao::convert(self, v),
            FileKind::TaobaoRefunds => crate::taobao::refund(self, v),
            FileKind::JdOrders | FileKind::PddOrders | FileKind::DouyinOrders => {
                crate::orders::convert(self, kind, v)
            }
            FileKind::JdChats => crate::jd_chat::convert(self, v),
            // Transcripts are read whole ([`crate::transcript`]), never row by row.
            FileKind::Transcript => Err(RowFail::Bad {
                col: None,
                reason: "a transcript has no rows".to_string(),
            }),
        }
    }

    // Columns: time, buyer, account, sender, text, msg_id, transfer_to, store.
    fn message(&mut self, v: &[&str]) -> Result<(), RowFail> {
        self.message_as(v, Sender::parse, SENDER_EXPECTED)
    }

    /// A row in the columns of a messages file whose sender (column 3, trimmed) is told by
    /// `sender`; `expected` says what it should be when it tells nothing.
    pub(crate) fn message_as(
        &mut self,
        v: &[&str],
        sender: fn(&str) -> Option<Sender>,
        expected: &str,
    ) -> Result<(), RowFail> {
        let (store, tz) = self.store(val(v, 7));
        let time = time_req(v, 0, tz)?;
        let buyer = required(v, 1, "the buyer's nick")?;
        let account = required(v, 2, "the store's chat account, such as 店铺名:小美")?;
        let sender = match trim(val(v, 3)) {
            "" => return Err(bad(3, format!("missing value: {expected}"))),
            s => sender(s).ok_or_else(|| bad(3, expected))?,
        };
        let m = NewMessage {
            time,
            buyer,
            account,
            sender,
            text: val(v, 4),
            msg_id: trim(val(v, 5)),
            transfer_to: trim(val(v, 6)),
        };
        self.push_message(store, m)
    }

    /// Adds a message read and checked by a reader.
    pub(crate) fn push_message(&mut self, store: NameId, m: NewMessage<'_>) -> Result<(), RowFail> {
        let NewMessage {
            time,
            buyer,
            account,
            sender,
            text,
            msg_id,
            transfer_to,
        } = m;
        let (text, cut) = kefu_core::text::cut_at(text, MAX_TEXT_BYTES);
        if self.batch.text.len() + text.len() + CUT_MARK.len() + msg_id.len() > u32::MAX as usize {
            return Err(RowFail::TextFull);
        }
        let buyer = self.intern(buyer);
        let account = self.intern(account);
        let transfer_to = (!transfer_to.is_empty()).then(|| self.intern(transfer_to));
        let mut text = self.batch.push_text(text);
        if cut {
            // Pushed right after the text: the two are one range of the arena.
            text.len += self.batch.push_text(CUT_MARK).len;
            self.notes.texts_cut += 1;
        }
        let msg_id = (!msg_id.is_empty()).then(|| self.batch.push_text(msg_id));
        let seq = self.batch.messages.len() as u64;
        self.batch.messages.push(ImportedMessage {
            store,
            message: Message {
                time,
                buyer,
                account,
                sender,
                transfer_to,
                seq,
            },
            text,
            msg_id,
        });
        Ok(())
    }

    // Columns: order_id, buyer, created_at, amount, paid_at, closed_at, items, store, deposit,
    // deposit_paid_at, balance_from, balance_to, address.
    fn order(&mut self, v: &[&str]) -> Result<(), RowFail> {
        let (store, tz) = self.store(val(v, 7));
        let order_id = required(v, 0, "an order id")?;
        let buyer = required(v, 1, "the buyer's nick")?;
        let created_at = time_req(v, 2, tz)?;
        let amount = money_req(v, 3)?;
        let paid_at = time_opt(v, 4, tz)?;
        let closed_at = time_opt(v, 5, tz)?;
        let items = items_opt(v, 6)?;
        let presale = presale(v, created_at, amount, tz)?;
        let address = address_opt(v, 12)?;
        let buyer = self.intern(buyer);
        self.batch.orders.push((
            store,
            Order {
                order_id: order_id.to_string(),
                buyer,
                created_at,
                paid_at,
                closed_at,
                amount,
                items,
                presale,
                address,
            },
        ));
        Ok(())
    }

    // Columns: refund_id, order_id, buyer, requested_at, amount, finished_at, status, account,
    // store.
    fn refund(&mut self, v: &[&str]) -> Result<(), RowFail> {
        let (store, tz) = self.store(val(v, 8));
        let refund_id = required(v, 0, "a refund id")?;
        let order_id = required(v, 1, "the id of the refunded order")?;
        let buyer = required(v, 2, "the buyer's nick")?;
        let requested_at = time_req(v, 3, tz)?;
        let amount = money_req(v, 4)?;
        let finished_at = time_opt(v, 5, tz)?;
        let status = match trim(val(v, 6)) {
            "" => RefundStatus::default_for(finished_at),
            s => RefundStatus::parse(s).ok_or_else(|| bad(6, STATUS_EXPECTED))?,
        };
        let account = trim(val(v, 7));
        let buyer = self.intern(buyer);
        let account = (!account.is_empty()).then(|| self.intern(account));
        self.batch.refunds.push((
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

    // Columns: time, buyer, account, score, store.
    fn rating(&mut self, v: &[&str]) -> Result<(), RowFail> {
        let (store, tz) = self.store(val(v, 4));
        let time = time_req(v, 0, tz)?;
        let buyer = required(v, 1, "the buyer's nick")?;
        let account = required(v, 2, "the rated account")?;
        let score = match trim(val(v, 3)) {
            "" => return Err(bad(3, format!("missing value: {SCORE_EXPECTED}"))),
            s => parse_score(s).ok_or_else(|| bad(3, SCORE_EXPECTED))?,
        };
        let buyer = self.intern(buyer);
        let account = self.intern(account);
        self.batch.ratings.push((
            store,
            Rating {
                time,
                buyer,
                account,
                score,
            },
        ));
        Ok(())
    }

    // Columns: account, name, group, role, store, joined, left, employee_no, department.
    fn agent(&mut self, v: &[&str]) -> Result<(), RowFail> {
        let (store, _) = self.store(val(v, 4));
        let account = required(v, 0, "the agent's chat account, such as 店铺名:小美")?;
        let role = match trim(val(v, 3)) {
            "" => None,
            s => Some(Role::parse(s).ok_or_else(|| bad(3, ROLE_EXPECTED))?),
        };
        let day = |col: usize| match trim(val(v, col)) {
            "" => Ok(None),
            s => Day::parse(s)
                .map(Some)
                .ok_or_else(|| bad(col, "a date like 2026-11-01 (or empty)")),
        };
        let (joined, left) = (day(5)?, day(6)?);
        if let (Some(j), Some(l)) = (joined, left)
            && l < j
        {
            return Err(bad(6, "a leaving date on or after the joining date"));
        }
        let account = self.intern(account);
        self.batch.agents.push((
            store,
            Agent {
                account,
                name: opt_text(val(v, 1)),
                group: opt_text(val(v, 2)),
                role,
                joined,
                left,
                employee_no: opt_text(val(v, 7)),
                department: opt_text(val(v, 8)),
            },
        ));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The byte test the word test stands for.
    fn one_at_a_time(b: &[u8]) -> bool {
        b.iter().any(|&c| c < 0x20 || c == 0x7F || c == 0xC2)
    }

    #[test]
    fn the_control_scan_agrees_with_a_byte_at_a_time() {
        for len in 0..=24 {
            assert!(!may_hold_control(&vec![b'a'; len]));
            for at in 0..len {
                for byte in 0..=255u8 {
                    let mut b = vec![b'a'; len];
                    // Neighbours with the high bit set: borrows between bytes must not tell.
                    if at > 0 {
                        b[at - 1] = 0xFF;
                    }
                    b[at] = byte;
                    assert_eq!(may_hold_control(&b), one_at_a_time(&b), "{b:?}");
                }
            }
        }
    }
}
