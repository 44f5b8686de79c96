//! The canonical records of `formats.md`, with names interned to integers.
//!
//! Two layers use the same record types: an import batch (ids from the batch's own
//! [`Names`]) and the engine's input for one store (ids from that store's names in the
//! database). Whoever builds a record says which table its ids point into.

use std::hash::BuildHasher;
use std::sync::OnceLock;

use hashbrown::HashTable;

use crate::time::{Day, Millis};

/// An interned name: a store, buyer or account.
pub type NameId = u32;

/// Interns names to dense ids so that millions of rows carry 4-byte keys instead of strings.
///
/// All names live in one text arena; the hash table holds only ids. A store's hundreds of
/// thousands of buyer names thus cost no allocation each, and load from two blobs.
///
/// The table is built when a lookup first needs it: an importer that tells new names apart
/// on its own ([`Names::push_new`]) hands on a batch whose readers only ask names by id, and
/// never pays for a table nobody asks.
#[derive(Clone, Default)]
pub struct Names {
    text: String,
    /// End offset in `text` of each name; name `i` starts where name `i - 1` ends.
    ends: Vec<usize>,
    ids: OnceLock<HashTable<NameId>>,
}

impl std::fmt::Debug for Names {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter().map(|(_, n)| n)).finish()
    }
}

fn hash_name(name: &str) -> u64 {
    rustc_hash::FxBuildHasher.hash_one(name)
}

/// The table of the names of `text` and `ends`: a name given twice keeps its first id, as
/// interning it twice would.
fn build_table(text: &str, ends: &[usize]) -> HashTable<NameId> {
    let mut ids = HashTable::with_capacity(ends.len());
    for id in 0..ends.len() as NameId {
        let name = names_name(text, ends, id);
        let hash = hash_name(name);
        if ids
            .find(hash, |&other| names_name(text, ends, other) == name)
            .is_none()
        {
            ids.insert_unique(hash, id, |&other| hash_name(names_name(text, ends, other)));
        }
    }
    ids
}

impl Names {
    /// Rebuilds a table from its arena and end offsets (as [`Names::parts`] gives them);
    /// `None` when the offsets do not cut the text into names.
    pub fn from_parts(text: String, ends: Vec<usize>) -> Option<Names> {
        let mut start = 0;
        for &end in &ends {
            if end < start || !text.is_char_boundary(end) {
                return None;
            }
            start = end;
        }
        if start != text.len() {
            return None;
        }
        // No table yet: most commands only show names by id, and hashing every name of a
        // year-old store (millions) cost them more than all else they did.
        Some(Names {
            text,
            ends,
            ids: OnceLock::new(),
        })
    }

    /// The table, built now if it was not, taken out to be changed beside the names
    /// ([`Names::put_table`] puts it back).
    fn take_table(&mut self) -> HashTable<NameId> {
        std::mem::take(&mut self.ids)
            .into_inner()
            .unwrap_or_else(|| build_table(&self.text, &self.ends))
    }

    fn put_table(&mut self, ids: HashTable<NameId>) {
        self.ids = OnceLock::from(ids);
    }

    /// Makes room for `names` more names of `bytes` bytes in all, so that interning them
    /// does not grow the table step by step (each step rehashes every name from its text).
    pub fn reserve(&mut self, names: usize, bytes: usize) {
        self.text.reserve(bytes);
        self.ends.reserve(names);
        let (text, ends) = (&self.text, &self.ends);
        if let Some(ids) = self.ids.get_mut() {
            ids.reserve(names, |&id| hash_name(names_name(text, ends, id)));
        }
    }

    /// Forgets every name, keeping the memory for the next ones.
    pub fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
        if let Some(ids) = self.ids.get_mut() {
            ids.clear();
        }
    }

    /// Bytes of text the names hold together.
    pub fn text_len(&self) -> usize {
        self.text.len()
    }

    /// The arena and the end offset of each name.
    pub fn parts(&self) -> (&str, &[usize]) {
        (&self.text, &self.ends)
    }

    pub fn intern(&mut self, name: &str) -> NameId {
        let hash = hash_name(name);
        let mut ids = self.take_table();
        let (text, ends) = (&self.text, &self.ends);
        let found = ids
            .find(hash, |&id| names_name(text, ends, id) == name)
            .copied();
        let id = found.unwrap_or_else(|| {
            let id = self.ends.len() as NameId;
            self.text.push_str(name);
            self.ends.push(self.text.len());
            let (text, ends) = (&self.text, &self.ends);
            ids.insert_unique(hash, id, |&other| hash_name(names_name(text, ends, other)));
            id
        });
        self.put_table(ids);
        id
    }

    /// Appends `name`, which the caller knows is not in the table yet, and returns its id, as
    /// [`Names::intern`] would. A name appended twice gets two ids; lookups find the first.
    pub fn push_new(&mut self, name: &str) -> NameId {
        let id = self.ends.len() as NameId;
        self.text.push_str(name);
        self.ends.push(self.text.len());
        let (text, ends) = (&self.text, &self.ends);
        if let Some(ids) = self.ids.get_mut()
            && ids
                .find(hash_name(name), |&other| {
                    names_name(text, ends, other) == name
                })
                .is_none()
        {
            ids.insert_unique(hash_name(name), id, |&other| {
                hash_name(names_name(text, ends, other))
            });
        }
        id
    }

    /// Whether the look-up table is built: until it is, a look-up costs a pass over every name.
    pub fn is_indexed(&self) -> bool {
        self.ids.get().is_some()
    }

    /// Frees the look-up table; a later look-up builds it again. For work that asks names
    /// by id only and is bounded by memory: a year's names take 80–170 MB of table.
    pub fn drop_index(&mut self) {
        self.ids = OnceLock::new();
    }

    pub fn get(&self, name: &str) -> Option<NameId> {
        let (text, ends) = (&self.text, &self.ends);
        self.ids
            .get_or_init(|| build_table(text, ends))
            .find(hash_name(name), |&id| self.name(id) == name)
            .copied()
    }
    /// The name of an id this table handed out; an unknown id reads as "".
    pub fn name(&self, id: NameId) -> &str {
        names_name(&self.text, &self.ends, id)
    }
    pub fn len(&self) -> usize {
        self.ends.len()
    }
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }
    pub fn iter(&self) -> impl Iterator<Item = (NameId, &str)> {
        (0..self.ends.len() as NameId).map(|id| (id, self.name(id)))
    }
}

fn names_name<'a>(text: &'a str, ends: &[usize], id: NameId) -> &'a str {
    let i = id as usize;
    let Some(&end) = ends.get(i) else { return "" };
    let start = if i == 0 { 0 } else { ends[i - 1] };
    text.get(start..end).unwrap_or("")
}

/// Who sent a chat message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Sender {
    Buyer,
    Agent,
    Bot,
    Auto,
    System,
}

impl Sender {
    pub const ALL: [Sender; 5] = [
        Sender::Buyer,
        Sender::Agent,
        Sender::Bot,
        Sender::Auto,
        Sender::System,
    ];

    /// Accepts the canonical values and their Chinese synonyms.
    pub fn parse(s: &str) -> Option<Sender> {
        Some(match crate::text::trim(s) {
            "buyer" | "买家" => Sender::Buyer,
            "agent" | "客服" => Sender::Agent,
            "bot" | "机器人" => Sender::Bot,
            "auto" | "自动回复" => Sender::Auto,
            "system" | "系统" => Sender::System,
            _ => return None,
        })
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Sender::Buyer => "buyer",
            Sender::Agent => "agent",
            Sender::Bot => "bot",
            Sender::Auto => "auto",
            Sender::System => "system",
        }
    }
    pub fn code(self) -> u8 {
        self as u8
    }
    pub fn from_code(c: u8) -> Option<Sender> {
        Sender::ALL.get(c as usize).copied()
    }
}

/// An agent's role in the roster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    Presale,
    Aftersale,
    Bot,
}

impl Role {
    pub fn parse(s: &str) -> Option<Role> {
        Some(match s.trim() {
            "presale" | "售前" => Role::Presale,
            "aftersale" | "售后" => Role::Aftersale,
            "bot" | "机器人" => Role::Bot,
            _ => return None,
        })
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Presale => "presale",
            Role::Aftersale => "aftersale",
            Role::Bot => "bot",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefundStatus {
    Success,
    Closed,
    Pending,
}

impl RefundStatus {
    pub fn parse(s: &str) -> Option<RefundStatus> {
        Some(match s.trim() {
            "success" | "退款成功" | "成功" => RefundStatus::Success,
            "closed" | "退款关闭" | "关闭" => RefundStatus::Closed,
            "pending" | "退款中" | "处理中" => RefundStatus::Pending,
            _ => return None,
        })
    }
    pub fn as_str(self) -> &'static str {
        match self {
            RefundStatus::Success => "success",
            RefundStatus::Closed => "closed",
            RefundStatus::Pending => "pending",
        }
    }
    /// The spec's default when the column is empty.
    pub fn default_for(finished_at: Option<Millis>) -> RefundStatus {
        if finished_at.is_some() {
            RefundStatus::Success
        } else {
            RefundStatus::Pending
        }
    }
}

/// Parses a rating: `1`..`5` or 很满意=5, 满意=4, 一般=3, 不满意=2, 很不满意=1.
pub fn parse_score(s: &str) -> Option<u8> {
    Some(match s.trim() {
        "很满意" => 5,
        "满意" => 4,
        "一般" => 3,
        "不满意" => 2,
        "很不满意" => 1,
        other => match other.parse::<u8>() {
            Ok(n @ 1..=5) => n,
            _ => return None,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_intern_and_round_trip() {
        let mut n = Names::default();
        assert_eq!(n.intern("小美"), 0);
        assert_eq!(n.intern("tom"), 1);
        assert_eq!(n.intern("小美"), 0);
        assert_eq!(n.intern(""), 2);
        assert_eq!((n.name(1), n.name(2), n.name(9)), ("tom", "", ""));
        assert_eq!(n.get("tom"), Some(1));
        assert_eq!(n.get("jerry"), None);
        let (text, ends) = n.parts();
        let mut m = Names::from_parts(text.to_string(), ends.to_vec()).unwrap();
        assert_eq!(m.get("小美"), Some(0));
        assert_eq!(m.len(), 3);
        // Without its table, names are found as before, once it is built again.
        m.drop_index();
        assert!(!m.is_indexed());
        assert_eq!(
            (m.name(0), m.get("tom"), m.get("jerry")),
            ("小美", Some(1), None)
        );
        assert!(m.is_indexed());
        assert_eq!(m.intern("jerry"), 3);
        assert!(
            Names::from_parts("小美".into(), vec![1, 6]).is_none(),
            "not a char boundary"
        );
        assert!(
            Names::from_parts("ab".into(), vec![1]).is_none(),
            "text left over"
        );
    }

    #[test]
    fn names_pushed_as_new_are_found_as_interned_ones() {
        let names: Vec<String> = (0..2_000).map(|i| format!("买家{}", i % 700)).collect();
        let mut interned = Names::default();
        let mut pushed = Names::default();
        let mut seen = std::collections::HashSet::new();
        for (i, n) in names.iter().enumerate() {
            let id = interned.intern(n);
            // Half way the pushed table is asked once: from then on it keeps its table.
            if i == names.len() / 2 {
                assert_eq!(pushed.get(n), interned.get(n), "{n}");
            }
            if seen.insert(n.as_str()) {
                assert_eq!(pushed.push_new(n), id, "{n}");
            } else {
                assert_eq!(pushed.intern(n), id, "{n}");
            }
        }
        assert_eq!(pushed.parts(), interned.parts());
        let mut fresh = Names::default();
        for n in &names[..700] {
            fresh.push_new(n);
        }
        for n in &names {
            assert_eq!(fresh.get(n), interned.get(n), "{n}");
            assert_eq!(fresh.clone().intern(n), interned.intern(n), "{n}");
        }
        fresh.clear();
        assert_eq!((fresh.get("买家1"), fresh.intern("x")), (None, 0));
    }

    #[test]
    fn names_loaded_look_up_and_intern_as_the_table_they_were_saved_from() {
        let mut saved = Names::default();
        for i in 0..3_000 {
            saved.intern(&format!("买家{}", i * 7 % 2_000));
        }
        let (text, ends) = saved.parts();
        // Looked up first, interned first, cleared: each builds the table its own way.
        let mut by_get = Names::from_parts(text.to_string(), ends.to_vec()).unwrap();
        let mut by_intern = by_get.clone();
        for i in 0..2_500 {
            let name = format!("买家{i}");
            let known = saved.get(&name);
            assert_eq!(by_get.get(&name), known, "{name}");
            assert_eq!(by_intern.intern(&name), saved.intern(&name), "{name}");
            assert_eq!(
                by_get.intern(&name),
                by_intern.get(&name).unwrap(),
                "{name}"
            );
        }
        assert_eq!(by_get.parts(), saved.parts());
        by_intern.clear();
        assert_eq!((by_intern.len(), by_intern.get("买家1")), (0, None));
        assert_eq!(by_intern.intern("买家1"), 0);
    }

    #[test]
    fn a_name_saved_twice_keeps_its_first_id() {
        let m = Names::from_parts("abcab".into(), vec![2, 3, 5]).unwrap();
        assert_eq!((m.get("ab"), m.get("c")), (Some(0), Some(1)));
        let mut m = m;
        assert_eq!(m.intern("ab"), 0);
        assert_eq!(m.intern("d"), 3);
    }

    #[test]
    fn reserving_room_changes_no_id() {
        let names: Vec<String> = (0..5_000).map(|i| format!("buyer{}", i % 3_000)).collect();
        let mut plain = Names::default();
        let mut reserved = Names::default();
        reserved.intern("buyer7");
        reserved.reserve(4_000, 40_000);
        plain.intern("buyer7");
        for n in &names {
            assert_eq!(plain.intern(n), reserved.intern(n), "{n}");
        }
        assert_eq!(plain.len(), 3_000);
        assert_eq!(reserved.parts(), plain.parts());
        assert_eq!(reserved.text_len(), plain.parts().0.len());
        reserved.reserve(10, 10);
        assert_eq!(
            reserved.get("buyer2999"),
            Some(plain.get("buyer2999").unwrap())
        );
    }
}

/// One chat message as the engine sees it (text is kept by storage, not needed for figures).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Message {
    pub time: Millis,
    pub buyer: NameId,
    pub account: NameId,
    pub sender: Sender,
    pub transfer_to: Option<NameId>,
    /// Import order: breaks ties between messages of the same second.
    pub seq: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    pub order_id: String,
    pub buyer: NameId,
    pub created_at: Millis,
    pub paid_at: Option<Millis>,
    pub closed_at: Option<Millis>,
    /// 实付金额 in cents.
    pub amount: i64,
    pub items: i64,
    /// The receiver, phone and address as the order holds them (收货信息), when the file
    /// gives them. Only the quality rules read it: a phone number in it is the buyer's own, so
    /// an agent repeating it confirms the address (`qa.md`, context). Loaders that compute
    /// figures leave it `None`.
    pub address: Option<String>,
    /// A presale (预售) order's deposit and balance window; `None` for an ordinary order.
    pub presale: Option<Presale>,
}

/// A presale order's deposit (定金) and the window its balance (尾款) is paid in
/// (`formats.md`). The order's `amount` is the whole price, deposit included, and its
/// `paid_at` the time it was paid in full (the balance paid).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Presale {
    /// The deposit in cents, at most the order's amount.
    pub deposit: i64,
    /// When the deposit was paid; `None`: not (yet).
    pub deposit_paid_at: Option<Millis>,
    /// The balance can be paid from this time...
    pub balance_from: Millis,
    /// ...to this one (inclusive); after it the order closes.
    pub balance_to: Millis,
}

impl Presale {
    /// The balance due: the order's amount less the deposit.
    pub fn balance(&self, amount: i64) -> i64 {
        (amount - self.deposit).max(0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refund {
    pub refund_id: String,
    pub order_id: String,
    pub buyer: NameId,
    pub requested_at: Millis,
    pub finished_at: Option<Millis>,
    pub amount: i64,
    pub status: RefundStatus,
    pub account: Option<NameId>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rating {
    pub time: Millis,
    pub buyer: NameId,
    pub account: NameId,
    pub score: u8,
}

impl Rating {
    /// A score of 4 or 5 is satisfied (满意, §5).
    pub fn satisfied(&self) -> bool {
        self.score >= 4
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agent {
    pub account: NameId,
    pub name: Option<String>,
    pub group: Option<String>,
    pub role: Option<Role>,
    /// First day with the team (none: always was).
    pub joined: Option<Day>,
    /// Last day with the team (none: still is).
    pub left: Option<Day>,
    /// 工号: the person's number in the company's payroll.
    pub employee_no: Option<String>,
    /// 部门: the department payroll books the person under.
    pub department: Option<String>,
}

/// A byte range into a batch's text arena.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TextRef {
    pub start: u32,
    pub len: u32,
}

/// A message as imported: the engine's [`Message`] plus what storage keeps beside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportedMessage {
    pub store: NameId,
    pub message: Message,
    pub text: TextRef,
    pub msg_id: Option<TextRef>,
}

/// Everything one import read, names interned in `names` (stores, buyers and accounts share
/// one table; a record's `store` field says which store it belongs to).
#[derive(Debug, Default, Clone)]
pub struct ImportBatch {
    pub names: Names,
    /// Message texts and ids, referenced by [`TextRef`]s.
    pub text: String,
    pub messages: Vec<ImportedMessage>,
    pub orders: Vec<(NameId, Order)>,
    pub refunds: Vec<(NameId, Refund)>,
    pub ratings: Vec<(NameId, Rating)>,
    pub agents: Vec<(NameId, Agent)>,
}

impl ImportBatch {
    /// Empties the batch, keeping its memory to be filled again.
    pub fn clear(&mut self) {
        let ImportBatch {
            names,
            text,
            messages,
            orders,
            refunds,
            ratings,
            agents,
        } = self;
        names.clear();
        text.clear();
        messages.clear();
        orders.clear();
        refunds.clear();
        ratings.clear();
        agents.clear();
    }

    /// Appends to the text arena. The arena holds at most 4 GiB (u32 offsets); importers check
    /// [`ImportBatch::text_room`] first.
    pub fn push_text(&mut self, s: &str) -> TextRef {
        let start = self.text.len() as u32;
        self.text.push_str(s);
        TextRef {
            start,
            len: s.len() as u32,
        }
    }
    /// Whether `len` more bytes of text still fit in the arena.
    pub fn text_room(&self, len: usize) -> bool {
        self.text.len() + len <= u32::MAX as usize
    }
    pub fn text(&self, r: TextRef) -> &str {
        self.text
            .get(r.start as usize..(r.start + r.len) as usize)
            .unwrap_or("")
    }
    pub fn is_empty(&self) -> bool {
        self.messages.is_empty()
            && self.orders.is_empty()
            && self.refunds.is_empty()
            && self.ratings.is_empty()
            && self.agents.is_empty()
    }
}
