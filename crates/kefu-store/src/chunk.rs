//! The messages of one store-day, packed into two blobs.
//!
//! A store-day is the unit in which messages are written, deduplicated and read back: the
//! engine needs messages in time order over a range of days, never one message by key, and a
//! row per day writes and scans an order of magnitude faster than a row per message.
//!
//! - `events`: what the engine reads — time, buyer, account, sender, transfer, seq — as LEB128
//!   varints (times in milliseconds after the day's start). Recomputation reads only this.
//! - `texts`: message ids and bodies, LZ4-compressed; read for deduplication and transcripts.

use kefu_core::model::{Message, NameId, Sender};
use kefu_core::time::{Day, Millis};
use rayon::iter::ParallelIterator;
use rayon::slice::ParallelSlice;

/// A stored message with its text and source id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMessage {
    pub message: Message,
    pub msg_id: Option<String>,
    pub text: String,
}

/// A message to encode, borrowing its texts.
pub struct StoredRef<'a> {
    pub message: &'a Message,
    pub msg_id: Option<&'a str>,
    pub text: &'a str,
}

#[derive(Debug, thiserror::Error)]
#[error("message blob of day {day} is damaged at byte {at}")]
pub struct ChunkError {
    pub day: Day,
    pub at: usize,
}

const FORMAT: u8 = 2;

/// The two blobs of a day.
#[derive(Clone)]
pub struct Encoded {
    pub events: Vec<u8>,
    pub texts: Vec<u8>,
}

/// Messages per independently compressed block of texts: blocks encode in parallel.
const TEXT_BLOCK: usize = 32_768;

/// What [`encode`] reads of a message: the engine's fields and the texts. The merge of a
/// day's parts hands its own entries, with no vector of references made for the purpose.
pub trait ToStore: Sync {
    fn message(&self) -> &Message;
    fn msg_id(&self) -> Option<&str>;
    fn text(&self) -> &str;
}

impl ToStore for StoredRef<'_> {
    fn message(&self) -> &Message {
        self.message
    }
    fn msg_id(&self) -> Option<&str> {
        self.msg_id
    }
    fn text(&self) -> &str {
        self.text
    }
}

/// Encodes messages already sorted by (time, seq), all on `day`.
pub fn encode<M: ToStore>(day: Day, msgs: &[M]) -> Encoded {
    let parts: Vec<(Vec<u8>, Vec<u8>)> = msgs
        .par_chunks(TEXT_BLOCK)
        .map(|block| {
            let mut events = Vec::with_capacity(block.len() * 16);
            let mut texts = Vec::with_capacity(block.len() * 40);
            for m in block {
                put_event(&mut events, day, m.message());
                match m.msg_id() {
                    None => put(&mut texts, 0),
                    Some(id) => {
                        put(&mut texts, id.len() as u64 + 1);
                        texts.extend_from_slice(id.as_bytes());
                    }
                }
                let text = m.text();
                put(&mut texts, text.len() as u64);
                texts.extend_from_slice(text.as_bytes());
            }
            (events, lz4_flex::compress_prepend_size(&texts))
        })
        .collect();
    let mut events = events_header(msgs.len(), parts.iter().map(|p| p.0.len()).sum::<usize>());
    let mut texts = Vec::with_capacity(parts.iter().map(|p| p.1.len() + 5).sum::<usize>() + 5);
    put(&mut texts, parts.len() as u64);
    for (e, t) in parts {
        events.extend_from_slice(&e);
        put(&mut texts, t.len() as u64);
        texts.extend_from_slice(&t);
    }
    Encoded { events, texts }
}

/// The start of an `events` blob of `messages` messages, with room for `bytes` more.
fn events_header(messages: usize, bytes: usize) -> Vec<u8> {
    let mut events = Vec::with_capacity(bytes + 12);
    events.push(FORMAT);
    put(&mut events, messages as u64);
    events
}

/// Appends the engine's fields of one message as `events` holds them.
fn put_event(events: &mut Vec<u8>, day: Day, e: &Message) {
    put(events, (e.time - day.start()) as u64);
    put(events, e.buyer as u64);
    put(events, e.account as u64);
    events.push(e.sender.code());
    put(events, e.transfer_to.map_or(0, |t| t as u64 + 1));
    put(events, e.seq);
}

/// Appends the lengths a message's id and text are read back by, as a text block writes them
/// before each (the id's plus one, 0 for none; the text's).
fn put_lengths(out: &mut Vec<u8>, msg_id: Option<&str>, text: &str) {
    put(out, msg_id.map_or(0, |id| id.len() as u64 + 1));
    put(out, text.len() as u64);
}

/// Messages as an import session stages them until it merges a day: `events` as [`encode`]
/// writes them, the texts uncompressed and apart from their lengths, so that nothing is
/// compressed only to be decompressed at the merge, nor checked again for UTF-8.
#[derive(Clone)]
pub struct Plain {
    pub events: Vec<u8>,
    /// Each message's id (when it has one), then its text.
    text: String,
    /// Per message, what [`put_lengths`] writes.
    lengths: Vec<u8>,
}

impl Plain {
    /// Encodes messages already sorted by (time, seq), all on `day`.
    pub fn encode<M: ToStore>(day: Day, msgs: &[M]) -> Plain {
        let mut events = events_header(msgs.len(), msgs.len() * 16);
        let mut lengths = Vec::with_capacity(msgs.len() * 3);
        let mut text = String::with_capacity(
            msgs.iter()
                .map(|m| m.msg_id().map_or(0, str::len) + m.text().len())
                .sum(),
        );
        for m in msgs {
            put_event(&mut events, day, m.message());
            put_lengths(&mut lengths, m.msg_id(), m.text());
            if let Some(id) = m.msg_id() {
                text.push_str(id);
            }
            text.push_str(m.text());
        }
        Plain {
            events,
            text,
            lengths,
        }
    }

    /// Bytes of text held.
    pub fn text_len(&self) -> usize {
        self.text.len()
    }

    /// The (message id, text) of each message, in order, as [`text_refs`] reads them from
    /// blocks; `messages` is how many there are.
    pub fn text_refs(
        &self,
        day: Day,
        messages: usize,
    ) -> Result<Vec<(Option<&str>, &str)>, ChunkError> {
        let mut out = Vec::with_capacity(messages);
        let mut lengths = Reader {
            b: &self.lengths,
            pos: 0,
            day,
        };
        let mut at = 0usize;
        let mut take = |len: u64, r: &Reader| -> Result<&str, ChunkError> {
            let end = usize::try_from(len)
                .ok()
                .and_then(|len| at.checked_add(len))
                .ok_or_else(|| r.err())?;
            let s = self.text.get(at..end).ok_or_else(|| r.err())?;
            at = end;
            Ok(s)
        };
        while lengths.pos < self.lengths.len() {
            let msg_id = match lengths.get()? {
                0 => None,
                len => Some(take(len - 1, &lengths)?),
            };
            let len = lengths.get()?;
            out.push((msg_id, take(len, &lengths)?));
        }
        if out.len() != messages || at != self.text.len() {
            return Err(lengths.err());
        }
        Ok(out)
    }
}

/// Decodes the engine's view of a day, appending to `out`.
pub fn decode_messages(day: Day, events: &[u8], out: &mut Vec<Message>) -> Result<(), ChunkError> {
    let mut r = Reader {
        b: events,
        pos: 0,
        day,
    };
    r.header()?;
    out.reserve((r.get()? as usize).min(events.len()));
    each_message(day, events, |m| out.push(m))
}

/// Decodes the messages of a day whose buyer `keep` accepts, appending them to `out` (in
/// the day's order): a refresh of some buyers' worklists reads them without holding every
/// message of its window.
pub fn decode_buyers(
    day: Day,
    events: &[u8],
    keep: &(dyn Fn(NameId) -> bool + Sync),
    out: &mut Vec<Message>,
) -> Result<(), ChunkError> {
    each_message(day, events, |m| {
        if keep(m.buyer) {
            out.push(m);
        }
    })
}

/// Hands each message of a day to `f`, in order.
fn each_message(day: Day, events: &[u8], mut f: impl FnMut(Message)) -> Result<(), ChunkError> {
    let mut r = Reader {
        b: events,
        pos: 0,
        day,
    };
    r.header()?;
    let n = r.get()? as usize;
    for _ in 0..n {
        f(r.message()?);
    }
    Ok(())
}

/// Decodes the engine's view of a day into `out`, which must have room for exactly the day's
/// messages (the count stored beside the blob).
pub fn decode_into(day: Day, events: &[u8], out: &mut [Message]) -> Result<(), ChunkError> {
    let mut r = Reader {
        b: events,
        pos: 0,
        day,
    };
    r.header()?;
    if r.get()? as usize != out.len() {
        return Err(r.err());
    }
    for slot in out.iter_mut() {
        *slot = r.message()?;
    }
    Ok(())
}

/// Decodes a day completely, texts included.
pub fn decode_full(
    day: Day,
    events: &[u8],
    texts: &[u8],
) -> Result<Vec<StoredMessage>, ChunkError> {
    let mut messages = Vec::new();
    decode_messages(day, events, &mut messages)?;
    let plain = decompress_texts(day, texts)?;
    let refs = text_refs(day, &plain, messages.len())?;
    Ok(messages
        .into_iter()
        .zip(refs)
        .map(|(message, (msg_id, text))| StoredMessage {
            message,
            msg_id: msg_id.map(str::to_string),
            text: text.to_string(),
        })
        .collect())
}

/// A day's messages and their texts in one arena: what a rule run reads, without a string
/// per message (a day of the demo store holds up to 1.3 M messages).
#[derive(Debug, Default)]
pub struct DayTexts {
    pub messages: Vec<Message>,
    arena: String,
    /// Per message: its text's byte range in `arena`.
    spans: Vec<(u32, u32)>,
}

impl DayTexts {
    /// The text of message `i` (`""` past the end).
    pub fn text(&self, i: usize) -> &str {
        self.spans
            .get(i)
            .and_then(|&(a, b)| self.arena.get(a as usize..b as usize))
            .unwrap_or("")
    }

    /// Decodes the blobs of one day (its parts, in any order) into messages in (time, seq)
    /// order, the order of a day written whole.
    pub fn decode(day: Day, blobs: &[(Vec<u8>, Vec<u8>)]) -> Result<DayTexts, ChunkError> {
        let mut out = DayTexts::default();
        for (events, texts) in blobs {
            let first = out.messages.len();
            decode_messages(day, events, &mut out.messages)?;
            let plain = decompress_texts(day, texts)?;
            let refs = text_refs(day, &plain, out.messages.len() - first)?;
            out.arena
                .reserve(refs.iter().map(|(_, t)| t.len()).sum::<usize>());
            for (_, text) in refs {
                let start = out.arena.len();
                out.arena.push_str(text);
                let span = u32::try_from(start)
                    .ok()
                    .zip(u32::try_from(out.arena.len()).ok())
                    .ok_or(ChunkError { day, at: start })?;
                out.spans.push(span);
            }
        }
        if blobs.len() > 1 {
            let mut order: Vec<u32> = (0..out.messages.len() as u32).collect();
            order.sort_by_key(|&i| {
                let m = &out.messages[i as usize];
                (m.time, m.seq)
            });
            out.messages = order.iter().map(|&i| out.messages[i as usize]).collect();
            out.spans = order.iter().map(|&i| out.spans[i as usize]).collect();
        }
        Ok(out)
    }
}

/// A day's text blocks, decompressed: what [`text_refs`] reads ids and texts from without a
/// copy per message.
pub fn decompress_texts(day: Day, texts: &[u8]) -> Result<Vec<Vec<u8>>, ChunkError> {
    let mut blocks = Reader {
        b: texts,
        pos: 0,
        day,
    };
    let n_blocks = blocks.get()?;
    let mut out = Vec::with_capacity(n_blocks.min(texts.len() as u64) as usize);
    for _ in 0..n_blocks {
        let len = blocks.get()? as usize;
        let at = blocks.pos;
        let end = at
            .checked_add(len)
            .filter(|&e| e <= texts.len())
            .ok_or_else(|| blocks.err())?;
        blocks.pos = end;
        out.push(
            lz4_flex::decompress_size_prepended(&texts[at..end])
                .map_err(|_| ChunkError { day, at })?,
        );
    }
    if blocks.pos != texts.len() {
        return Err(blocks.err());
    }
    Ok(out)
}

/// The (message id, text) of each message of a day, in order, borrowed from its
/// decompressed blocks; `messages` is how many the day holds.
pub fn text_refs(
    day: Day,
    plain: &[Vec<u8>],
    messages: usize,
) -> Result<Vec<(Option<&str>, &str)>, ChunkError> {
    let mut out = Vec::with_capacity(messages);
    for block in plain {
        let mut r = Reader {
            b: block,
            pos: 0,
            day,
        };
        while r.pos < block.len() {
            let msg_id = match r.get()? {
                0 => None,
                len => Some(r.str(len as usize - 1)?),
            };
            let len = r.get()? as usize;
            out.push((msg_id, r.str(len)?));
        }
    }
    if out.len() != messages {
        return Err(ChunkError { day, at: 0 });
    }
    Ok(out)
}

/// Appends `v` as a LEB128 varint.
pub fn put(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Reads a sequence of varints, remembering whether it ended cleanly.
pub struct Varints<'a> {
    r: Reader<'a>,
    failed: bool,
}

impl<'a> Varints<'a> {
    pub fn new(b: &'a [u8]) -> Self {
        Varints {
            r: Reader {
                b,
                pos: 0,
                day: Day(0),
            },
            failed: false,
        }
    }
    /// Whether the bytes ended inside a varint.
    pub fn failed(&self) -> bool {
        self.failed
    }
}

impl Iterator for Varints<'_> {
    type Item = u64;
    fn next(&mut self) -> Option<u64> {
        if self.failed || self.r.pos >= self.r.b.len() {
            return None;
        }
        let v = self.r.get().ok();
        self.failed = v.is_none();
        v
    }
}

struct Reader<'a> {
    b: &'a [u8],
    pos: usize,
    day: Day,
}

impl<'a> Reader<'a> {
    fn err(&self) -> ChunkError {
        ChunkError {
            day: self.day,
            at: self.pos,
        }
    }
    fn header(&mut self) -> Result<(), ChunkError> {
        if self.b.first() != Some(&FORMAT) {
            return Err(self.err());
        }
        self.pos = 1;
        Ok(())
    }
    fn byte(&mut self) -> Result<u8, ChunkError> {
        let b = *self.b.get(self.pos).ok_or_else(|| self.err())?;
        self.pos += 1;
        Ok(b)
    }
    fn get(&mut self) -> Result<u64, ChunkError> {
        let mut v = 0u64;
        let mut shift = 0;
        loop {
            let b = self.byte()?;
            if shift > 63 {
                return Err(self.err());
            }
            v |= ((b & 0x7f) as u64) << shift;
            if b < 0x80 {
                return Ok(v);
            }
            shift += 7;
        }
    }
    fn id(&mut self) -> Result<NameId, ChunkError> {
        NameId::try_from(self.get()?).map_err(|_| self.err())
    }
    fn message(&mut self) -> Result<Message, ChunkError> {
        let offset = self.get()? as Millis;
        let buyer = self.id()?;
        let account = self.id()?;
        let sender = Sender::from_code(self.byte()?).ok_or_else(|| self.err())?;
        let transfer_to = match self.get()? {
            0 => None,
            t => Some(NameId::try_from(t - 1).map_err(|_| self.err())?),
        };
        let seq = self.get()?;
        Ok(Message {
            time: self.day.start() + offset,
            buyer,
            account,
            sender,
            transfer_to,
            seq,
        })
    }
    fn str(&mut self, len: usize) -> Result<&'a str, ChunkError> {
        let at = self.pos;
        let end = self
            .pos
            .checked_add(len)
            .filter(|&e| e <= self.b.len())
            .ok_or_else(|| self.err())?;
        self.pos = end;
        std::str::from_utf8(&self.b[at..end]).map_err(|_| ChunkError { day: self.day, at })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs_of(msgs: &[StoredMessage]) -> Vec<StoredRef<'_>> {
        msgs.iter()
            .map(|m| StoredRef {
                message: &m.message,
                msg_id: m.msg_id.as_deref(),
                text: &m.text,
            })
            .collect()
    }

    #[test]
    fn day_texts_read_parts_as_full_decoding_does() {
        let day = Day(20_000);
        let message = |time: Millis, seq: u64| Message {
            time: day.start() + time,
            buyer: seq as u32 % 3,
            account: 7,
            sender: Sender::Buyer,
            transfer_to: None,
            seq,
        };
        let texts = ["在吗", "", "好的谢谢👌", "隨便你", "ok"];
        // Two parts whose times interleave, one with a time twice (seq decides).
        let parts: Vec<Vec<StoredMessage>> = [[(5, 2), (9, 0), (9, 4)], [(1, 3), (9, 1), (20, 5)]]
            .iter()
            .map(|part| {
                part.iter()
                    .map(|&(time, seq)| StoredMessage {
                        message: message(time, seq),
                        msg_id: None,
                        text: texts[seq as usize % texts.len()].to_string(),
                    })
                    .collect()
            })
            .collect();
        let blobs: Vec<(Vec<u8>, Vec<u8>)> = parts
            .iter()
            .map(|part| {
                let refs: Vec<StoredRef> = part
                    .iter()
                    .map(|m| StoredRef {
                        message: &m.message,
                        msg_id: None,
                        text: &m.text,
                    })
                    .collect();
                let e = encode(day, &refs);
                (e.events, e.texts)
            })
            .collect();
        let mut full: Vec<StoredMessage> = blobs
            .iter()
            .flat_map(|(e, t)| decode_full(day, e, t).unwrap())
            .collect();
        full.sort_by_key(|m| (m.message.time, m.message.seq));
        for n in 1..=2 {
            let read = DayTexts::decode(day, &blobs[..n]).unwrap();
            let expected: Vec<&StoredMessage> = if n == 1 {
                parts[0].iter().collect()
            } else {
                full.iter().collect()
            };
            assert_eq!(read.messages.len(), expected.len());
            for (i, m) in expected.iter().enumerate() {
                assert_eq!(
                    (read.messages[i], read.text(i)),
                    (m.message, m.text.as_str())
                );
            }
            assert_eq!(read.text(expected.len()), "");
        }
        let (events, texts) = &blobs[0];
        for cut in 0..texts.len() {
            assert!(DayTexts::decode(day, &[(events.clone(), texts[..cut].to_vec())]).is_err());
        }
    }

    #[test]
    fn round_trip() {
        let day = Day(20_000);
        let msgs = vec![
            StoredMessage {
                message: Message {
                    time: day.start() + 5,
                    buyer: 3,
                    account: 300,
                    sender: Sender::Buyer,
                    transfer_to: None,
                    seq: 1 << 40,
                },
                msg_id: Some("m-1".into()),
                text: "在吗".into(),
            },
            StoredMessage {
                message: Message {
                    time: day.start() + 86_399_999,
                    buyer: 0,
                    account: u32::MAX,
                    sender: Sender::System,
                    transfer_to: Some(0),
                    seq: 0,
                },
                msg_id: None,
                text: String::new(),
            },
        ];
        let refs = refs_of(&msgs);
        let blob = encode(day, &refs);
        assert_eq!(decode_full(day, &blob.events, &blob.texts).unwrap(), msgs);
        let mut plain = Vec::new();
        decode_messages(day, &blob.events, &mut plain).unwrap();
        assert_eq!(plain, msgs.iter().map(|m| m.message).collect::<Vec<_>>());
        for cut in 0..blob.events.len() {
            assert!(decode_full(day, &blob.events[..cut], &blob.texts).is_err());
        }
        for cut in 0..blob.texts.len() {
            assert!(decode_full(day, &blob.events, &blob.texts[..cut]).is_err());
        }
        let mut into = vec![msgs[0].message; 2];
        decode_into(day, &blob.events, &mut into).unwrap();
        assert_eq!(into, plain);
        assert!(
            decode_into(day, &blob.events, &mut into[..1]).is_err(),
            "count must match"
        );
    }

    #[test]
    fn plain_texts_read_back_as_blocks_do_and_a_cut_is_refused() {
        let day = Day(20_000);
        let msgs: Vec<StoredMessage> = (0..40u64)
            .map(|i| StoredMessage {
                message: Message {
                    time: day.start() + i as i64 * 7,
                    buyer: (i % 3) as u32,
                    account: 1,
                    sender: Sender::ALL[(i % 5) as usize],
                    transfer_to: (i % 4 == 0).then_some(2),
                    seq: i,
                },
                msg_id: (i % 3 != 0).then(|| format!("编号{i}")),
                text: ["", "在吗", "好的👌", "x"][(i % 4) as usize].repeat(i as usize % 5),
            })
            .collect();
        let refs = refs_of(&msgs);
        let plain = Plain::encode(day, &refs);
        let blob = encode(day, &refs);
        assert_eq!(plain.events, blob.events);
        let blocks = decompress_texts(day, &blob.texts).unwrap();
        assert_eq!(
            plain.text_refs(day, msgs.len()).unwrap(),
            text_refs(day, &blocks, msgs.len()).unwrap()
        );
        assert_eq!(plain.text_len(), plain.text.len());
        assert!(plain.text_refs(day, msgs.len() + 1).is_err());
        for cut in 0..plain.lengths.len() {
            let mut bad = plain.clone();
            bad.lengths.truncate(cut);
            assert!(bad.text_refs(day, msgs.len()).is_err());
        }
        // Lengths that cut a character, or run past the text, are refused too.
        let mut bad = plain.clone();
        bad.text.pop();
        assert!(bad.text_refs(day, msgs.len()).is_err());
        let mut bad = plain;
        bad.text = bad.text.replace('在', "ab");
        assert!(bad.text_refs(day, msgs.len()).is_err());
    }

    #[test]
    fn many_blocks_round_trip() {
        let day = Day(20_000);
        let msgs: Vec<StoredMessage> = (0..(TEXT_BLOCK * 2 + 7) as u64)
            .map(|i| StoredMessage {
                message: Message {
                    time: day.start() + i as i64,
                    buyer: (i % 97) as u32,
                    account: (i % 5) as u32,
                    sender: Sender::ALL[(i % 5) as usize],
                    transfer_to: None,
                    seq: i,
                },
                msg_id: (i % 2 == 0).then(|| format!("m{i}")),
                text: format!("消息{i}"),
            })
            .collect();
        let refs = refs_of(&msgs);
        let blob = encode(day, &refs);
        assert_eq!(decode_full(day, &blob.events, &blob.texts).unwrap(), msgs);
    }
}
