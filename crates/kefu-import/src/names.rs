//! The converter's index of the batch's names.
//!
//! A batch of a shuffled message file names some 300,000 buyers, and every row looks one up.
//! The batch's own table ([`Names`]) finds a name through four dependent cache misses (the
//! table's control bytes, its slot, the name's end offsets, its text) and was a third of the
//! readers' CPU. Here a slot holds the hash's tag, the id and where the text is: a lookup
//! touches one slot and the text. New names go into the batch with [`Names::push_new`], so the
//! batch never builds a table its readers do not ask for (the import session asks names by id
//! only). The ids are the ones [`Names::intern`] would give: first seen, next id.

use kefu_core::model::{NameId, Names};

/// One name: empty when `tag` is 0.
#[derive(Clone, Copy, Default)]
struct Slot {
    tag: u32,
    id: NameId,
    start: u32,
    len: u32,
}

/// Names [`BatchIndex::prefetch`] looks ahead at a time: their slots and texts fit in the
/// first-level cache.
pub(crate) const PREFETCH_NAMES: usize = 64;

/// Slots kept at least (a power of two).
const MIN_SLOTS: usize = 1024;

#[derive(Default)]
pub(crate) struct BatchIndex {
    /// A power of two of them, at most three quarters used; linear probing.
    slots: Vec<Slot>,
    /// The names (their count and bytes) the index holds: when the batch's names are not
    /// these (a new batch, or names added past the index), it is built again from them.
    names: usize,
    text_len: usize,
    /// The names' text outgrew a slot's `u32` offsets: the batch's own table is used instead.
    overflow: bool,
}

/// A 64-bit hash of a name, a word at a time (as `FxHash`), mixed at the end so that both
/// halves spread.
fn hash(name: &str) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let b = name.as_bytes();
    let mut h = b.len() as u64;
    let mut words = b.chunks_exact(8);
    for w in &mut words {
        let w = w.try_into().map_or(0, u64::from_le_bytes);
        h = (h.rotate_left(5) ^ w).wrapping_mul(K);
    }
    let mut last = [0u8; 8];
    let rest = words.remainder();
    if let Some(to) = last.get_mut(..rest.len()) {
        to.copy_from_slice(rest);
    }
    h = (h.rotate_left(5) ^ u64::from_le_bytes(last)).wrapping_mul(K);
    // The finaliser of MurmurHash3.
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// The tag of a hash: never 0, which marks an empty slot.
fn tag(hash: u64) -> u32 {
    ((hash >> 32) as u32).max(1)
}

impl BatchIndex {
    /// The first slot to look at for `tag`: from the tag alone, so that growing needs no text.
    fn home(&self, tag: u32) -> usize {
        let bits = self.slots.len().trailing_zeros();
        ((u64::from(tag).wrapping_mul(0x9e37_79b9_7f4a_7c15)) >> (64 - bits.max(1))) as usize
            & (self.slots.len() - 1)
    }

    /// The id of `name` in `names`, added when new: what `names.intern(name)` gives.
    pub(crate) fn intern(&mut self, names: &mut Names, name: &str) -> NameId {
        // Past the overflow, until a new batch (fewer names) comes.
        if self.overflow && names.len() >= self.names {
            return names.intern(name);
        }
        if names.len() != self.names || names.text_len() != self.text_len || self.slots.is_empty() {
            self.rebuild(names);
            if self.overflow {
                return names.intern(name);
            }
        }
        let tag = tag(hash(name));
        let mask = self.slots.len() - 1;
        let mut at = self.home(tag);
        let (text, _) = names.parts();
        while let Some(&slot) = self.slots.get(at).filter(|s| s.tag != 0) {
            if slot.tag == tag
                && slot.len as usize == name.len()
                && text
                    .as_bytes()
                    .get(slot.start as usize..slot.start as usize + name.len())
                    == Some(name.as_bytes())
            {
                return slot.id;
            }
            at = (at + 1) & mask;
        }
        let start = names.text_len();
        let Ok(end) = u32::try_from(start + name.len()) else {
            self.overflow = true;
            return names.intern(name);
        };
        let id = names.push_new(name);
        let slot = Slot {
            tag,
            id,
            start: start as u32,
            len: end - start as u32,
        };
        self.names += 1;
        self.text_len = names.text_len();
        if (self.names + 1) * 4 > self.slots.len() * 3 {
            self.grow();
            self.place(slot);
        } else if let Some(free) = self.slots.get_mut(at) {
            *free = slot;
        }
        id
    }

    /// Asks the memory for what looking up `names` (the first [`PREFETCH_NAMES`]) will read:
    /// each name's slot, then the text of the slot with its tag. One lookup's misses come one
    /// after the other; the prefetches of a run of rows are under way all at once. Only a
    /// hint: no id depends on it.
    pub(crate) fn prefetch<'n>(&self, batch: &Names, names: impl Iterator<Item = &'n str>) {
        if self.overflow || self.slots.is_empty() || batch.len() != self.names {
            return;
        }
        let mut tags = [0u32; PREFETCH_NAMES];
        let mut n = 0;
        for (t, name) in tags.iter_mut().zip(names) {
            *t = tag(hash(name));
            prefetch(self.slots.get(self.home(*t)));
            n += 1;
        }
        let (text, _) = batch.parts();
        let mask = self.slots.len() - 1;
        for &tag in tags.get(..n).unwrap_or_default() {
            let mut at = self.home(tag);
            // The first slots of its run: enough for nearly every name.
            for _ in 0..4 {
                match self.slots.get(at) {
                    Some(s) if s.tag == tag => {
                        prefetch(text.as_bytes().get(s.start as usize));
                        break;
                    }
                    Some(s) if s.tag != 0 => at = (at + 1) & mask,
                    _ => break,
                }
            }
        }
    }

    /// Puts `slot` in the first free place from its home (the table has room).
    fn place(&mut self, slot: Slot) {
        let mask = self.slots.len() - 1;
        let mut at = self.home(slot.tag);
        while let Some(s) = self.slots.get_mut(at) {
            if s.tag == 0 {
                *s = slot;
                return;
            }
            at = (at + 1) & mask;
        }
    }

    /// Twice the slots, every name placed again by its tag.
    fn grow(&mut self) {
        let old = std::mem::take(&mut self.slots);
        self.slots = vec![Slot::default(); (old.len() * 2).max(MIN_SLOTS)];
        for s in old.into_iter().filter(|s| s.tag != 0) {
            self.place(s);
        }
    }

    /// The index of `names` as they are now (a name given twice keeps its first id, as in
    /// [`Names::from_parts`]).
    fn rebuild(&mut self, names: &Names) {
        self.names = names.len();
        self.text_len = names.text_len();
        self.overflow = u32::try_from(names.text_len()).is_err();
        if self.overflow {
            return;
        }
        self.slots.fill(Slot::default());
        let want = (names.len() * 4 / 3 + 1).next_power_of_two().max(MIN_SLOTS);
        if self.slots.len() < want {
            self.slots = vec![Slot::default(); want];
        }
        let (text, ends) = names.parts();
        let mut start = 0;
        for (id, &end) in ends.iter().enumerate() {
            let name = text.get(start..end).unwrap_or("");
            let tag = tag(hash(name));
            let mask = self.slots.len() - 1;
            let mut at = self.home(tag);
            let mut known = false;
            while let Some(s) = self.slots.get(at).filter(|s| s.tag != 0) {
                let same = s.tag == tag
                    && text.get(s.start as usize..(s.start + s.len) as usize) == Some(name);
                known |= same;
                at = (at + 1) & mask;
            }
            if !known && let Some(free) = self.slots.get_mut(at) {
                *free = Slot {
                    tag,
                    id: id as NameId,
                    start: start as u32,
                    len: (end - start) as u32,
                };
            }
            start = end;
        }
    }
}

/// Asks for the cache line of `at`, without waiting for it.
#[inline]
fn prefetch<T>(at: Option<&T>) {
    #[cfg(target_arch = "x86_64")]
    if let Some(at) = at {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        // SAFETY: a prefetch is a hint to the cache: it reads nothing the program sees and
        // never faults, and the address is a live reference anyway.
        unsafe { _mm_prefetch::<_MM_HINT_T0>((at as *const T).cast::<i8>()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = at;
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Whatever the names, and whatever the batch held before the index first saw it,
        /// ids are the table's own.
        #[test]
        fn ids_are_the_tables_own(
            before in prop::collection::vec("[a-c买]{0,3}", 0..20),
            names in prop::collection::vec("[a-c买 ]{0,4}", 0..3000),
        ) {
            let mut expected = Names::default();
            let mut batch = Names::default();
            for n in &before {
                expected.intern(n);
                batch.intern(n);
            }
            let mut index = BatchIndex::default();
            for n in &names {
                prop_assert_eq!(index.intern(&mut batch, n), expected.intern(n));
            }
            prop_assert_eq!(batch.parts(), expected.parts());
            // A new batch behind the index's back: it starts over.
            let mut next = Names::default();
            let mut expected = Names::default();
            for n in names.iter().rev().take(50) {
                prop_assert_eq!(index.intern(&mut next, n), expected.intern(n));
            }
            prop_assert_eq!(next.parts(), expected.parts());
        }
    }
}
