//! Automatic quality rules in the database: each store's rule sets (versioned TOML), and the
//! hits of evaluating a rule set over a range of days.
//!
//! A run reads each day's messages with their texts, cuts them into receptions (one account,
//! one buyer, one day, as the engine does), evaluates the rules on every reception in parallel,
//! and replaces the range's rows in three tables: receptions evaluated per (day, account) — the
//! denominator of "hits per 100 receptions" —, hits per (day, account, rule), and the hits of
//! each flagged reception with the exact messages and spans, for the transcript and for
//! sampling. Orders come with the engine's stored facts (`order_facts`: the reception an order
//! was attributed to and who reminded it), so a run needs no recomputation.
//!
//! A flagged reception has one row (its score, worst severity and the number of rules that hit
//! it) and one row per rule that hit it (`qa_rule_hits`: the triggering messages and the
//! matched spans as JSON arrays), so that a rule's receptions are an index seek.

use kefu_core::model::{NameId, Sender};
use kefu_core::settings::{Config, MetricSettings, ServiceHours};
use kefu_core::time::{Day, Millis};
use kefu_qa::rules::{Chat, ChatMessage, ChatOrder, Hit, RuleSet, Severity, Span, StoreContext};
use rayon::iter::ParallelIterator;
use rayon::slice::{ParallelSlice, ParallelSliceMut};
use rusqlite::params;
use rustc_hash::{FxHashMap, FxHashSet};

use crate::chunk;
use crate::db::{Db, Result, StoreError, TouchedDays};
use rusqlite::{Connection, OptionalExtension};

/// A saved rule set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRuleSet {
    pub version: i64,
    pub toml: String,
    pub author: String,
    /// Unix seconds.
    pub created_at: i64,
}

/// What a run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QaRunSummary {
    pub days: u32,
    pub receptions: u64,
    /// Receptions with at least one hit.
    pub flagged: u64,
    /// (reception, rule) pairs.
    pub hits: u64,
    /// Review assignments the run opened by itself (`crate::qa_auto`).
    pub auto_reviews: u64,
}

/// A reception some rule hit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlaggedReception {
    pub day: Day,
    pub account: NameId,
    pub buyer: NameId,
    /// Rules that hit it.
    pub rules: u32,
    /// Sum of their scores (negative: deductions).
    pub score: i64,
    pub worst: Severity,
}

/// One rule's hit on one reception, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceptionHit {
    pub rule: String,
    pub severity: Severity,
    pub score: i32,
    pub count: u32,
    /// Indexes into the reception's messages (its transcript, in order).
    pub messages: Vec<u32>,
    pub spans: Vec<Span>,
}

/// Receptions a rule hit on one account over a range, and the sum of the rule's score.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleHitCount {
    pub account: NameId,
    pub rule: String,
    pub hits: u64,
    pub score: i64,
}

fn severity_code(s: Severity) -> i64 {
    match s {
        Severity::Low => 0,
        Severity::Medium => 1,
        Severity::High => 2,
        Severity::Critical => 3,
    }
}

fn severity_of(code: i64) -> Severity {
    match code {
        3 => Severity::Critical,
        2 => Severity::High,
        1 => Severity::Medium,
        _ => Severity::Low,
    }
}

/// One rule's hit on a reception as `qa_rule_hits` stores it.
struct StoredHit {
    rule: String,
    severity: i64,
    score: i64,
    count: i64,
    /// JSON `[m, …]`
    messages: String,
    /// JSON `[[message, start, end], …]`
    spans: String,
}

fn stored_hits(rules: &RuleSet, hits: &[Hit]) -> Vec<StoredHit> {
    hits.iter()
        .map(|h| {
            let r = &rules.rules()[h.rule];
            let spans: Vec<[u32; 3]> = h
                .spans
                .iter()
                .map(|s| [s.message, s.start, s.end])
                .collect();
            StoredHit {
                rule: r.id.clone(),
                severity: severity_code(r.severity),
                score: i64::from(r.score),
                count: i64::from(h.count),
                messages: serde_json::Value::from(h.messages.clone()).to_string(),
                spans: serde_json::Value::from(
                    spans.iter().map(|s| s.to_vec()).collect::<Vec<_>>(),
                )
                .to_string(),
            }
        })
        .collect()
}

/// The numbers of a stored JSON array; what is not one (damage) reads as none, never a panic.
fn json_numbers(value: &serde_json::Value) -> Vec<u32> {
    value
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|n| u32::try_from(n.as_u64()?).ok())
                .collect()
        })
        .unwrap_or_default()
}

/// A hit as stored; damaged JSON leaves out what it spoils, never a panic.
fn read_hit(
    rule: String,
    severity: i64,
    score: i64,
    count: i64,
    messages: &str,
    spans: &str,
) -> Option<ReceptionHit> {
    let parse = |text: &str| serde_json::from_str::<serde_json::Value>(text).unwrap_or_default();
    let spans = parse(spans);
    Some(ReceptionHit {
        rule,
        severity: severity_of(severity),
        score: i32::try_from(score).ok()?,
        count: u32::try_from(count).ok()?,
        messages: json_numbers(&parse(messages)),
        spans: spans
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| match json_numbers(s).as_slice() {
                        &[message, start, end] => Some(Span {
                            message,
                            start,
                            end,
                        }),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default(),
    })
}

/// What one day of a run produced.
#[derive(Default)]
struct DayResult {
    day: Day,
    receptions: FxHashMap<NameId, u64>,
    /// (account, rule index) → (hits, score)
    counts: FxHashMap<(NameId, usize), (u64, i64)>,
    /// (account, buyer, score, worst severity, hits)
    flagged: Vec<(NameId, NameId, i64, Severity, Vec<StoredHit>)>,
    hits: u64,
}

type Orders = FxHashMap<(i32, NameId, NameId), Vec<ChatOrder>>;

/// What a run knows besides the messages: the store's service hours, each buyer's order
/// addresses and the store's return address (texts whose phone numbers are the buyer's or the
/// store's own).
struct Known {
    hours: ServiceHours,
    addresses: FxHashMap<NameId, Vec<String>>,
    return_address: String,
}

/// How far before a run's first day an order's address still counts as the buyer's.
const ADDRESS_DAYS: i32 = 365;

/// Receptions evaluated per parallel task: enough to amortise the task, small enough to
/// balance two cores over a day.
const RECEPTIONS_PER_TASK: usize = 2048;

impl DayResult {
    fn merge(&mut self, other: DayResult) {
        for (account, n) in other.receptions {
            *self.receptions.entry(account).or_default() += n;
        }
        for (key, (hits, score)) in other.counts {
            let c = self.counts.entry(key).or_default();
            c.0 += hits;
            c.1 += score;
        }
        self.flagged.extend(other.flagged);
        self.hits += other.hits;
    }
}

/// What a run reads besides the day's messages.
struct RunInput<'a> {
    rules: &'a RuleSet,
    orders: &'a Orders,
    bots: &'a FxHashSet<NameId>,
    known: &'a Known,
}

/// A message of a day as one integer: account, buyer, its index in the day (its time order).
/// Sorted, these group a day's receptions in order; integers sort faster than tuples.
fn reception_key(account: NameId, buyer: NameId, index: u32) -> u128 {
    (u128::from(account) << 64) | (u128::from(buyer) << 32) | u128::from(index)
}

/// The ((account, buyer), index) of a [`reception_key`].
fn reception_of(key: u128) -> ((NameId, NameId), u32) {
    (((key >> 64) as NameId, (key >> 32) as NameId), key as u32)
}

fn evaluate_day(day: Day, msgs: &chunk::DayTexts, input: &RunInput<'_>) -> DayResult {
    let RunInput {
        rules,
        orders,
        bots,
        known,
    } = *input;
    let mut shift_end: FxHashMap<NameId, Millis> = FxHashMap::default();
    for m in &msgs.messages {
        if m.sender == Sender::Agent {
            let e = shift_end.entry(m.account).or_insert(m.time);
            *e = (*e).max(m.time);
        }
    }
    // Stored in (time, seq) order, so the index as the last key keeps that order inside
    // each reception.
    let mut order: Vec<u128> = msgs
        .messages
        .iter()
        .enumerate()
        .map(|(i, m)| reception_key(m.account, m.buyer, i as u32))
        .collect();
    order.par_sort_unstable();
    let mut streams: Vec<(usize, usize)> = Vec::new();
    let mut start = 0;
    for k in 1..=order.len() {
        if k == order.len() || reception_of(order[k]).0 != reception_of(order[start]).0 {
            streams.push((start, k));
            start = k;
        }
    }
    let parts: Vec<DayResult> = streams
        .par_chunks(RECEPTIONS_PER_TASK)
        .map(|chunk| {
            let mut out = DayResult {
                day,
                ..DayResult::default()
            };
            let mut chat: Vec<ChatMessage<'_>> = Vec::new();
            let mut texts: Vec<&str> = Vec::new();
            for &(from, to) in chunk {
                let ((account, buyer), _) = reception_of(order[from]);
                if bots.contains(&account) {
                    continue;
                }
                chat.clear();
                chat.extend(order[from..to].iter().map(|&key| {
                    let (_, i) = reception_of(key);
                    let m = &msgs.messages[i as usize];
                    ChatMessage {
                        sender: m.sender,
                        time: m.time,
                        text: msgs.text(i as usize),
                        transfer: m.transfer_to.is_some(),
                    }
                }));
                let its_orders = orders
                    .get(&(day.0, account, buyer))
                    .map_or(&[][..], Vec::as_slice);
                texts.clear();
                if !known.return_address.is_empty() {
                    texts.push(&known.return_address);
                }
                if let Some(a) = known.addresses.get(&buyer) {
                    texts.extend(a.iter().map(String::as_str));
                }
                let hits = rules.evaluate(&Chat {
                    messages: &chat,
                    orders: its_orders,
                    shift_end: shift_end.get(&account).copied(),
                    context: StoreContext {
                        known_texts: &texts,
                        service_hours: Some(&known.hours),
                    },
                });
                *out.receptions.entry(account).or_default() += 1;
                if hits.is_empty() {
                    continue;
                }
                let mut score = 0i64;
                let mut worst = Severity::Low;
                for h in &hits {
                    let r = &rules.rules()[h.rule];
                    let c = out.counts.entry((account, h.rule)).or_default();
                    c.0 += 1;
                    c.1 += i64::from(r.score);
                    score += i64::from(r.score);
                    worst = worst.max(r.severity);
                }
                out.hits += hits.len() as u64;
                out.flagged
                    .push((account, buyer, score, worst, stored_hits(rules, &hits)));
            }
            out
        })
        .collect();
    let mut out = DayResult {
        day,
        ..DayResult::default()
    };
    for part in parts {
        out.merge(part);
    }
    out
}

/// The store's return address (`""` when none is saved).
fn return_address(conn: &Connection, store_id: i64) -> Result<String> {
    Ok(conn
        .query_row(
            "SELECT return_address FROM qa_context WHERE store_id = ?1",
            [store_id],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or_default())
}

/// The longest return address text kept, in characters (a few warehouses, one per line).
pub const MAX_RETURN_ADDRESS_CHARS: usize = 2000;

impl Db {
    /// The store's own return addresses with their phones, one per line (`""`: none saved).
    /// The quality rules read phone numbers in them as the store's own: an agent giving the
    /// return address is not off-platform contact.
    pub fn qa_return_address(&self, store_id: i64) -> Result<String> {
        return_address(self.conn(), store_id)
    }

    /// Saves the store's return addresses (trimmed, cut to [`MAX_RETURN_ADDRESS_CHARS`]
    /// characters; empty clears them). Rule runs from now on read them; stored hits change at
    /// the next run.
    pub fn qa_set_return_address(&self, store_id: i64, text: &str, user: &str) -> Result<()> {
        let text: String = text.trim().chars().take(MAX_RETURN_ADDRESS_CHARS).collect();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        self.conn().execute(
            "INSERT INTO qa_context (store_id, return_address, updated_at, updated_by)
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (store_id) DO UPDATE SET return_address = excluded.return_address,
               updated_at = excluded.updated_at, updated_by = excluded.updated_by",
            params![store_id, text, now, user],
        )?;
        Ok(())
    }
}

/// A store's rule set in force: its latest saved version, else the shipped default.
pub struct RulesInForce {
    pub set: RuleSet,
    /// The saved version; `None` for the shipped default.
    pub version: Option<i64>,
    pub toml: String,
}

impl Db {
    /// The rule set a run of the store uses: its latest saved version, else the shipped one.
    pub fn qa_rules_in_force(&self, store_id: i64) -> Result<RulesInForce> {
        rules_in_force(self.conn(), store_id)
    }

    /// Whether the store uses automatic rules: it saved a rule set or rules have run over
    /// some of its days. Only such stores have their hits kept up to date after an import,
    /// so that plain imports cost nothing extra.
    pub fn qa_rules_in_use(&self, store_id: i64) -> Result<bool> {
        rules_in_use(self.conn(), store_id)
    }

    /// The store's latest saved rule set, if it saved one.
    pub fn qa_rules(&self, store_id: i64) -> Result<Option<StoredRuleSet>> {
        saved_rules(self.conn(), store_id)
    }

    /// Saves a new version of the store's rule set (already validated by the caller) and
    /// returns its version number.
    pub fn qa_save_rules(&self, store_id: i64, toml: &str, author: &str) -> Result<i64> {
        let tx = self.conn().unchecked_transaction()?;
        let version: i64 = tx.query_row(
            "SELECT COALESCE(MAX(version), 0) + 1 FROM qa_rule_sets WHERE store_id = ?1",
            params![store_id],
            |r| r.get(0),
        )?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        tx.execute(
            "INSERT INTO qa_rule_sets (store_id, version, rules, author, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![store_id, version, toml, author, now],
        )?;
        tx.commit()?;
        Ok(version)
    }

    /// Evaluates `rules` over every reception of `[from, to]` (bot accounts skipped) and
    /// replaces the range's stored hits. `version` is the saved rule set's version, `None`
    /// for the shipped default or a file.
    pub fn qa_run(
        &self,
        store_id: i64,
        from: Day,
        to: Day,
        rules: &RuleSet,
        version: Option<i64>,
    ) -> Result<QaRunSummary> {
        // The store's saved settings, else the default: waits are timed on its service clock.
        let metrics = self
            .saved_settings()?
            .into_iter()
            .find(|s| s.store.id == store_id)
            .map(|s| s.metrics)
            .unwrap_or_default();
        self.qa_run_with(store_id, (from, to), rules, version, &metrics)
    }

    /// [`Db::qa_run`] under the given settings: a server started with `--config` holds the
    /// settings in force (the file's, with the stores' saved ones over them), which a
    /// database alone does not know.
    pub fn qa_run_with(
        &self,
        store_id: i64,
        (from, to): (Day, Day),
        rules: &RuleSet,
        version: Option<i64>,
        metrics: &MetricSettings,
    ) -> Result<QaRunSummary> {
        let tx = self.conn().unchecked_transaction()?;
        let mut summary = run(
            &tx,
            store_id,
            from,
            to,
            rules,
            version,
            &metrics.service_hours,
        )?;
        // Then the review assignments its hits (and the period's ratings and refunds) open.
        summary.auto_reviews =
            crate::qa_auto::auto_assign(&tx, store_id, (from, to), metrics)? as u64;
        tx.commit()?;
        Ok(summary)
    }

    /// Receptions evaluated per account over `[from, to]`.
    pub fn qa_receptions(&self, store_id: i64, from: Day, to: Day) -> Result<Vec<(NameId, u64)>> {
        let mut st = self.conn().prepare_cached(
            "SELECT account_id, SUM(receptions) FROM qa_receptions WHERE store_id = ?1 AND day BETWEEN ?2 AND ?3 GROUP BY account_id ORDER BY account_id",
        )?;
        let rows = st.query_map(params![store_id, from.0, to.0], |r| {
            Ok((r.get::<_, i64>(0)? as NameId, r.get::<_, i64>(1)? as u64))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Hits per (account, rule) over `[from, to]`.
    pub fn qa_hit_counts(&self, store_id: i64, from: Day, to: Day) -> Result<Vec<RuleHitCount>> {
        let mut st = self.conn().prepare_cached(
            "SELECT account_id, rule, SUM(hits), SUM(score) FROM qa_hit_counts WHERE store_id = ?1 AND day BETWEEN ?2 AND ?3 GROUP BY account_id, rule ORDER BY account_id, rule",
        )?;
        let rows = st.query_map(params![store_id, from.0, to.0], |r| {
            Ok(RuleHitCount {
                account: r.get::<_, i64>(0)? as NameId,
                rule: r.get(1)?,
                hits: r.get::<_, i64>(2)? as u64,
                score: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The receptions of `[from, to]` that rules hit (only those hit by `rule` when given),
    /// lowest score (most deducted) first, then by day, account and buyer. Sampling for
    /// manual review weights by these.
    pub fn qa_flagged_receptions(
        &self,
        store_id: i64,
        from: Day,
        to: Day,
        rule: Option<&str>,
    ) -> Result<Vec<FlaggedReception>> {
        let mut st = self.conn().prepare_cached(
            "SELECT day, account_id, buyer_id, score, severity, rules FROM qa_reception_hits h
             WHERE store_id = ?1 AND day BETWEEN ?2 AND ?3
                AND (?4 IS NULL OR EXISTS (SELECT 1 FROM qa_rule_hits r
                    WHERE r.store_id = h.store_id AND r.day = h.day AND r.account_id = h.account_id
                        AND r.buyer_id = h.buyer_id AND r.rule = ?4))
             ORDER BY score, day, account_id, buyer_id",
        )?;
        let rows = st.query_map(params![store_id, from.0, to.0, rule], |r| {
            Ok(FlaggedReception {
                day: Day(r.get(0)?),
                account: r.get::<_, i64>(1)? as NameId,
                buyer: r.get::<_, i64>(2)? as NameId,
                rules: r.get::<_, i64>(5)? as u32,
                score: r.get(3)?,
                worst: severity_of(r.get(4)?),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The stored hits of one reception (empty when none hit it or no run covered its day).
    pub fn qa_reception_hits(
        &self,
        store_id: i64,
        day: Day,
        account: NameId,
        buyer: NameId,
    ) -> Result<Vec<ReceptionHit>> {
        let mut st = self.conn().prepare_cached(
            "SELECT rule, severity, score, count, messages, spans FROM qa_rule_hits
             WHERE store_id = ?1 AND day = ?2 AND account_id = ?3 AND buyer_id = ?4
             ORDER BY position",
        )?;
        let rows = st.query_map(params![store_id, day.0, account, buyer], |r| {
            Ok(read_hit(
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                &r.get::<_, String>(4)?,
                &r.get::<_, String>(5)?,
            ))
        })?;
        let hits: Vec<Option<ReceptionHit>> = rows.collect::<rusqlite::Result<_>>()?;
        Ok(hits.into_iter().flatten().collect())
    }
}

/// Deletes the stored results of the days `from..=to`.
fn clear_days(conn: &Connection, store_id: i64, from: Day, to: Day) -> Result<()> {
    for table in [
        "qa_receptions",
        "qa_hit_counts",
        "qa_reception_hits",
        "qa_rule_hits",
    ] {
        conn.prepare_cached(&format!(
            "DELETE FROM {table} WHERE store_id = ?1 AND day BETWEEN ?2 AND ?3"
        ))?
        .execute(params![store_id, from.0, to.0])?;
    }
    Ok(())
}

fn write_day(
    tx: &Connection,
    store_id: i64,
    d: &DayResult,
    rules: &RuleSet,
    version: Option<i64>,
) -> Result<()> {
    let mut st = tx.prepare_cached(
        "INSERT INTO qa_receptions (store_id, day, account_id, receptions, rules_version) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for (&account, &n) in &d.receptions {
        st.execute(params![store_id, d.day.0, account, n as i64, version])?;
    }
    let mut st = tx.prepare_cached(
        "INSERT INTO qa_hit_counts (store_id, day, account_id, rule, hits, score) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for (&(account, rule), &(hits, score)) in &d.counts {
        st.execute(params![
            store_id,
            d.day.0,
            account,
            rules.rules()[rule].id,
            hits as i64,
            score
        ])?;
    }
    let mut st = tx.prepare_cached(
        "INSERT INTO qa_reception_hits (store_id, day, account_id, buyer_id, score, severity, rules) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    let mut each = tx.prepare_cached(
        "INSERT INTO qa_rule_hits (store_id, day, account_id, buyer_id, rule, position, severity, score, count, messages, spans)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?;
    for (account, buyer, score, worst, hits) in &d.flagged {
        st.execute(params![
            store_id,
            d.day.0,
            account,
            buyer,
            score,
            severity_code(*worst),
            hits.len() as i64
        ])?;
        for (position, h) in hits.iter().enumerate() {
            each.execute(params![
                store_id,
                d.day.0,
                account,
                buyer,
                h.rule,
                position as i64,
                h.severity,
                h.score,
                h.count,
                h.messages,
                h.spans
            ])?;
        }
    }
    Ok(())
}

/// The rules in force of a store (see [`Db::qa_rules_in_force`]), on any connection.
pub(crate) fn rules_in_force(conn: &Connection, store_id: i64) -> Result<RulesInForce> {
    match saved_rules(conn, store_id)? {
        Some(saved) => {
            let set = RuleSet::parse(&saved.toml).map_err(|e| StoreError::SavedRules {
                store_id,
                version: saved.version,
                message: e.first().map_or_else(String::new, ToString::to_string),
            })?;
            Ok(RulesInForce {
                set,
                version: Some(saved.version),
                toml: saved.toml,
            })
        }
        None => Ok(RulesInForce {
            set: RuleSet::default_rules(),
            version: None,
            toml: kefu_qa::rules::DEFAULT_RULES.to_string(),
        }),
    }
}

pub(crate) fn rules_in_use(conn: &Connection, store_id: i64) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM qa_rule_sets WHERE store_id = ?1)
             OR EXISTS (SELECT 1 FROM qa_receptions WHERE store_id = ?1)",
        params![store_id],
        |r| r.get(0),
    )?)
}

fn saved_rules(conn: &Connection, store_id: i64) -> Result<Option<StoredRuleSet>> {
    let mut st = conn.prepare_cached(
        "SELECT version, rules, author, created_at FROM qa_rule_sets WHERE store_id = ?1 ORDER BY version DESC LIMIT 1",
    )?;
    let mut rows = st.query_map(params![store_id], |r| {
        Ok(StoredRuleSet {
            version: r.get(0)?,
            toml: r.get(1)?,
            author: r.get(2)?,
            created_at: r.get(3)?,
        })
    })?;
    Ok(rows.next().transpose()?)
}

/// Re-runs the rules in force over what an import touched, in the stores that use rules
/// ([`Db::qa_rules_in_use`]): each store's touched days widened by the reach of its
/// settings (an order can change the attribution and reminders of receptions that many
/// days before or after it). Runs inside the import's transaction, so that the hits are
/// committed with the messages they were computed from, or not at all. Returns the days
/// evaluated.
pub(crate) fn rerun_after_import(
    conn: &Connection,
    touched: &[TouchedDays],
    config: &Config,
) -> Result<u32> {
    let mut days = 0;
    for t in touched {
        if !rules_in_use(conn, t.store_id)? {
            continue;
        }
        let reach = config.store(&t.store).metrics.reach_days();
        let rules = rules_in_force(conn, t.store_id)?;
        let ran = run(
            conn,
            t.store_id,
            t.first.offset(-reach),
            t.last.offset(reach),
            &rules.set,
            rules.version,
            &config.store(&t.store).metrics.service_hours,
        )?;
        days += ran.days;
    }
    Ok(days)
}

/// [`Db::qa_run`] inside a transaction the caller owns.
fn run(
    conn: &Connection,
    store_id: i64,
    from: Day,
    to: Day,
    rules: &RuleSet,
    version: Option<i64>,
    hours: &ServiceHours,
) -> Result<QaRunSummary> {
    let bots: FxHashSet<NameId> = {
        let mut st =
            conn.prepare_cached("SELECT account_id FROM accounts WHERE store_id = ?1 AND is_bot")?;
        let ids = st.query_map(params![store_id], |r| Ok(r.get::<_, i64>(0)? as NameId))?;
        ids.collect::<rusqlite::Result<_>>()?
    };
    let mut orders: Orders = FxHashMap::default();
    {
        let mut st = conn.prepare_cached(
            "SELECT f.reception_day, f.account_id, o.buyer_id, o.created_at, o.paid_at, f.reminded_at
             FROM order_facts f JOIN orders o ON o.store_id = f.store_id AND o.order_id = f.order_id
             WHERE f.store_id = ?1 AND f.account_id IS NOT NULL AND f.reception_day BETWEEN ?2 AND ?3",
        )?;
        let mut rows = st.query(params![store_id, from.0, to.0])?;
        while let Some(r) = rows.next()? {
            let key = (
                r.get::<_, i32>(0)?,
                r.get::<_, i64>(1)? as NameId,
                r.get::<_, i64>(2)? as NameId,
            );
            orders.entry(key).or_default().push(ChatOrder {
                created_at: r.get(3)?,
                paid_at: r.get(4)?,
                reminded_at: r.get(5)?,
            });
        }
    }
    let mut known = Known {
        hours: hours.clone(),
        addresses: FxHashMap::default(),
        return_address: return_address(conn, store_id)?,
    };
    {
        let mut st = conn.prepare_cached(
            "SELECT buyer_id, address FROM orders
             WHERE store_id = ?1 AND created_at BETWEEN ?2 AND ?3 AND address IS NOT NULL",
        )?;
        let t0 = from.offset(-ADDRESS_DAYS).start();
        let t1 = to.offset(1).start();
        let mut rows = st.query(params![store_id, t0, t1])?;
        while let Some(r) = rows.next()? {
            let a: String = r.get(1)?;
            let list = known
                .addresses
                .entry(r.get::<_, i64>(0)? as NameId)
                .or_default();
            if !list.contains(&a) {
                list.push(a);
            }
        }
    }
    // The range's rows go: those of days without messages now, each other day's just before
    // its new rows are written (in the stage that overlaps evaluation).
    let stored = crate::db::stored_days(conn, store_id, from, to)?;
    let mut gap_from = from;
    for &day in stored.iter().chain([to.offset(1)].iter()) {
        if gap_from < day {
            clear_days(conn, store_id, gap_from, day.offset(-1))?;
        }
        gap_from = day.offset(1);
    }
    let input = RunInput {
        rules,
        orders: &orders,
        bots: &bots,
        known: &known,
    };
    let mut summary = QaRunSummary::default();
    let mut write = |d: DayResult| -> Result<()> {
        clear_days(conn, store_id, d.day, d.day)?;
        write_day(conn, store_id, &d, rules, version)?;
        summary.days += 1;
        summary.receptions += d.receptions.values().sum::<u64>();
        summary.flagged += d.flagged.len() as u64;
        summary.hits += d.hits;
        Ok(())
    };
    // A day at a time, receptions in parallel inside it: days differ tenfold in size
    // (a promotion peak), receptions do not. The stages of consecutive days overlap: while
    // the pool evaluates a day and decodes the next one, this thread (the connection's)
    // writes the previous day's hits, so neither core waits for SQLite or the decoder.
    let mut days = stored.into_iter();
    let blobs = |day: Option<Day>| -> Result<Option<(Day, DayBlobs)>> {
        day.map(|d| Ok((d, crate::db::day_blobs(conn, store_id, d)?)))
            .transpose()
    };
    let mut current = match blobs(days.next())? {
        Some((day, b)) => Some((day, chunk::DayTexts::decode(day, &b)?)),
        None => None,
    };
    let mut done: Option<DayResult> = None;
    std::thread::scope(|scope| -> Result<()> {
        while let Some((day, msgs)) = current.take() {
            let next = blobs(days.next())?;
            let input = &input;
            let work = scope.spawn(move || {
                rayon::join(
                    || evaluate_day(day, &msgs, input),
                    || next.map(|(d, b)| chunk::DayTexts::decode(d, &b).map(|m| (d, m))),
                )
            });
            if let Some(d) = done.take() {
                write(d)?;
            }
            let (result, decoded) = work
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            done = Some(result);
            current = decoded.transpose()?;
        }
        Ok(())
    })?;
    if let Some(d) = done {
        write(d)?;
    }
    Ok(summary)
}

/// A store-day's stored blobs: (events, texts) of the day and of each appended part.
type DayBlobs = Vec<(Vec<u8>, Vec<u8>)>;

#[cfg(test)]
mod tests {
    use super::*;
    use kefu_core::model::{Agent, ImportBatch, ImportedMessage, Message, Role};
    use kefu_core::settings::Config;

    /// Messages of the store 店: `(time, account, buyer, sender, text)`, in file order.
    fn batch(msgs: &[(Millis, &str, &str, Sender, &str)]) -> ImportBatch {
        let mut b = ImportBatch::default();
        let shop = b.names.intern("店");
        for (i, &(time, account, buyer, sender, text)) in msgs.iter().enumerate() {
            let message = Message {
                time,
                buyer: b.names.intern(buyer),
                account: b.names.intern(account),
                sender,
                transfer_to: None,
                seq: i as u64,
            };
            let text = b.push_text(text);
            b.messages.push(ImportedMessage {
                store: shop,
                message,
                text,
                msg_id: None,
            });
        }
        b
    }

    /// One store-day: `(second, account, buyer, sender, text)`, in file order.
    fn store(msgs: &[(i64, &str, &str, Sender, &str)], bots: &[&str]) -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().unwrap();
        let mut db = Db::open(&dir.path().join("k.db")).unwrap();
        let day = Day::parse("2026-11-11").unwrap();
        let timed: Vec<_> = msgs
            .iter()
            .map(|&(sec, account, buyer, sender, text)| {
                (day.start() + sec * 1000, account, buyer, sender, text)
            })
            .collect();
        let mut b = batch(&timed);
        let shop = b.names.intern("店");
        for bot in bots {
            let account = b.names.intern(bot);
            b.agents.push((
                shop,
                Agent {
                    account,
                    name: None,
                    group: None,
                    role: Some(Role::Bot),
                    joined: None,
                    left: None,
                    employee_no: None,
                    department: None,
                },
            ));
        }
        db.import(b, &Config::default()).unwrap();
        (dir, db)
    }

    #[test]
    fn runs_mark_the_transcript_order_skip_bots_and_replace() {
        use Sender::{Agent as A, Buyer as B};
        // Two streams interleaved in time, messages of one second kept in file order, and a
        // bot account that is not evaluated.
        let (_dir, db) = store(
            &[
                (0, "店:甲", "b1", B, "在吗"),
                (1, "店:乙", "b2", B, "在吗"),
                (5, "店:甲", "b1", A, "您好"),
                (5, "店:甲", "b1", A, "随便你"),
                (6, "店:乙", "b2", A, "您好，加我微信"),
                (7, "店:机器人", "b3", A, "随便你"),
            ],
            &["店:机器人"],
        );
        let s = db.store("店").unwrap();
        let names = db.names(s.id).unwrap();
        let id = |n: &str| names.get(n).unwrap();
        let day = Day::parse("2026-11-11").unwrap();
        let rules = RuleSet::default_rules();
        let run = db.qa_run(s.id, day, day, &rules, Some(3)).unwrap();
        assert_eq!(
            (run.days, run.receptions),
            (1, 2),
            "the bot's reception is skipped"
        );
        let hits = db
            .qa_reception_hits(s.id, day, id("店:甲"), id("b1"))
            .unwrap();
        let forbidden = hits.iter().find(|h| h.rule == "forbidden_phrases").unwrap();
        // Index 2 of the transcript of 店:甲 × b1 is 随便你 (the second message of second 5).
        assert_eq!(forbidden.messages, vec![2]);
        let transcript = db
            .transcript(s.id, id("店:甲"), id("b1"), day, day)
            .unwrap();
        let span = forbidden.spans[0];
        assert_eq!(
            &transcript[span.message as usize].text[span.start as usize..span.end as usize],
            "随便你"
        );
        // Worst first: 乙 lost 20 for off_platform (plus closing), 甲 5 (plus closing).
        let flagged = db.qa_flagged_receptions(s.id, day, day, None).unwrap();
        let order: Vec<NameId> = flagged.iter().map(|f| f.account).collect();
        assert_eq!(order, vec![id("店:乙"), id("店:甲")]);
        assert_eq!(flagged[0].worst, Severity::Critical);
        let only = db
            .qa_flagged_receptions(s.id, day, day, Some("forbidden_phrases"))
            .unwrap();
        assert_eq!(only.len(), 1);
        assert_eq!((only[0].account, only[0].buyer), (id("店:甲"), id("b1")));
        // A rule id that is a prefix of another does not match it.
        assert!(
            db.qa_flagged_receptions(s.id, day, day, Some("forbidden"))
                .unwrap()
                .is_empty()
        );
        let counts = db.qa_hit_counts(s.id, day, day).unwrap();
        let off = counts.iter().find(|c| c.rule == "off_platform").unwrap();
        assert_eq!((off.account, off.hits, off.score), (id("店:乙"), 1, -20));
        // Running again replaces.
        db.qa_run(s.id, day, day, &rules, Some(3)).unwrap();
        assert_eq!(db.qa_hit_counts(s.id, day, day).unwrap(), counts);
        assert_eq!(
            db.qa_receptions(s.id, day, day).unwrap(),
            vec![(id("店:甲"), 1), (id("店:乙"), 1)]
        );
    }

    #[test]
    fn reception_keys_sort_as_their_parts_do() {
        let parts: Vec<(NameId, NameId, u32)> = [0, 1, 2, u32::MAX - 1, u32::MAX]
            .iter()
            .flat_map(|&a| {
                [u32::MAX, 7, 0]
                    .iter()
                    .flat_map(move |&b| [3, 0, u32::MAX].map(|i| (a, b, i)))
            })
            .collect();
        let mut keys: Vec<u128> = parts
            .iter()
            .map(|&(a, b, i)| reception_key(a, b, i))
            .collect();
        keys.sort_unstable();
        let mut sorted = parts.clone();
        sorted.sort_unstable();
        let back: Vec<(NameId, NameId, u32)> = keys
            .iter()
            .map(|&k| {
                let ((a, b), i) = reception_of(k);
                (a, b, i)
            })
            .collect();
        assert_eq!(back, sorted);
    }

    #[test]
    fn a_run_replaces_every_day_of_its_range_and_only_those() {
        use Sender::{Agent as A, Buyer as B};
        let (_dir, db) = store(
            &[
                (0, "店:甲", "b1", B, "在吗"),
                (5, "店:甲", "b1", A, "随便你"),
            ],
            &[],
        );
        let s = db.store("店").unwrap();
        let jia = db.names(s.id).unwrap().get("店:甲").unwrap();
        let day = Day::parse("2026-11-11").unwrap();
        // What an earlier run left on three days without messages now: two inside the next
        // run's range, one after it (account 999 stands for someone gone since).
        for d in [day.offset(-1), day.offset(1), day.offset(3)] {
            db.conn()
                .execute(
                    "INSERT INTO qa_receptions (store_id, day, account_id, receptions, rules_version)
                     VALUES (?1, ?2, 999, 1, NULL)",
                    params![s.id, d.0],
                )
                .unwrap();
        }
        let all = |db: &Db| {
            db.qa_receptions(s.id, day.offset(-1), day.offset(3))
                .unwrap()
        };
        assert_eq!(all(&db), vec![(999, 3)]);
        let rules = RuleSet::default_rules();
        let run = db
            .qa_run(s.id, day.offset(-1), day.offset(2), &rules, None)
            .unwrap();
        assert_eq!((run.days, run.receptions), (1, 1));
        assert_eq!(all(&db), vec![(jia, 1), (999, 1)]);
        // Again: the day with messages is replaced, not added to.
        db.qa_run(s.id, day.offset(-1), day.offset(2), &rules, None)
            .unwrap();
        assert_eq!(all(&db), vec![(jia, 1), (999, 1)]);
    }

    #[test]
    fn order_addresses_and_the_return_address_are_the_buyers_and_the_stores_own() {
        use Sender::{Agent as A, Buyer as B};
        // 甲 confirms the number of b1's order, 乙 gives the store's return address, 丙 gives
        // a number nobody knows.
        let (_dir, mut db) = store(
            &[
                (0, "店:甲", "b1", B, "快递会打哪个电话"),
                (5, "店:甲", "b1", A, "您好，会打您下单留的 158-0011-2233 哦"),
                (10, "店:乙", "b2", B, "退货寄哪里"),
                (
                    15,
                    "店:乙",
                    "b2",
                    A,
                    "您好，寄义乌市稠州北路666号，电话 137 5757 9090",
                ),
                (20, "店:丙", "b3", B, "有事找谁"),
                (25, "店:丙", "b3", A, "您好，直接打我 18867452310"),
            ],
            &[],
        );
        let day = Day::parse("2026-11-11").unwrap();
        // b1's order O1 a month earlier (its number is the buyer's own all the same), paid or
        // not, with an address or without.
        let order = |paid: bool, address: Option<&str>| {
            let mut b = ImportBatch::default();
            let shop = b.names.intern("店");
            let buyer = b.names.intern("b1");
            let created_at = day.offset(-30).start();
            b.orders.push((
                shop,
                kefu_core::model::Order {
                    order_id: "O1".into(),
                    buyer,
                    created_at,
                    paid_at: paid.then_some(created_at + 60_000),
                    closed_at: None,
                    amount: 100,
                    items: 1,
                    address: address.map(str::to_string),
                    presale: None,
                },
            ));
            b
        };
        let b = order(
            false,
            Some("王丽，15800112233，浙江省杭州市西湖区文三路88号"),
        );
        db.import(b, &Config::default()).unwrap();
        let s = db.store("店").unwrap();
        let names = db.names(s.id).unwrap();
        let id = |n: &str| names.get(n).unwrap();
        let rules = RuleSet::default_rules();
        let off = |db: &Db| -> Vec<NameId> {
            db.qa_run(s.id, day, day, &rules, None).unwrap();
            db.qa_flagged_receptions(s.id, day, day, Some("off_platform"))
                .unwrap()
                .iter()
                .map(|f| f.account)
                .collect()
        };
        assert_eq!(off(&db), vec![id("店:乙"), id("店:丙")]);
        assert_eq!(db.qa_return_address(s.id).unwrap(), "");
        db.qa_set_return_address(
            s.id,
            "  浙江省义乌市稠州北路 666 号 售后 13757579090\n",
            "admin",
        )
        .unwrap();
        assert_eq!(
            db.qa_return_address(s.id).unwrap(),
            "浙江省义乌市稠州北路 666 号 售后 13757579090"
        );
        assert_eq!(off(&db), vec![id("店:丙")]);
        // Re-importing the order from a file without addresses keeps the address.
        let b = order(true, None);
        db.import(b, &Config::default()).unwrap();
        assert_eq!(off(&db), vec![id("店:丙")]);
        let stored: Option<String> = db
            .conn()
            .query_row(
                "SELECT address FROM orders WHERE order_id = 'O1'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(
            stored.as_deref(),
            Some("王丽，15800112233，浙江省杭州市西湖区文三路88号")
        );
        // Cleared, the return address is no context any more.
        db.qa_set_return_address(s.id, " ", "admin").unwrap();
        assert_eq!(off(&db), vec![id("店:乙"), id("店:丙")]);
    }

    #[test]
    fn imports_name_their_days_and_re_run_rules_only_where_used() {
        let (_dir, mut db) = store(&[(0, "店:甲", "b1", Sender::Buyer, "在吗")], &[]);
        let s = db.store("店").unwrap();
        let day = |d: &str| Day::parse(d).unwrap();
        // A batch on 2026-11-13 (the agent says 随便你) and 2026-11-15.
        let on = |d: &str, minute: i64| day(d).start() + 60_000 * minute;
        let later = batch(&[
            (on("2026-11-13", 0), "店:甲", "b2", Sender::Buyer, "在吗"),
            (on("2026-11-13", 1), "店:甲", "b2", Sender::Agent, "随便你"),
            (on("2026-11-15", 2), "店:甲", "b2", Sender::Buyer, "在吗"),
        ]);
        let config = Config::default();
        let summary = db.import(later, &config).unwrap();
        assert_eq!(
            summary.touched,
            vec![crate::TouchedDays {
                store_id: s.id,
                store: "店".into(),
                first: day("2026-11-13"),
                last: day("2026-11-15"),
            }]
        );
        // Never used rules: nothing runs.
        assert!(!db.qa_rules_in_use(s.id).unwrap());
        assert_eq!(summary.rules_days, 0);
        assert!(
            db.qa_receptions(s.id, day("2026-11-01"), day("2026-11-30"))
                .unwrap()
                .is_empty()
        );
        // A saved rule set puts the store in use: the next import re-runs the rules over the
        // three days with messages within reach of 2026-11-13 (11, 13, 15), with the saved
        // set.
        let toml = kefu_qa::rules::DEFAULT_RULES.replacen("enabled = true", "enabled = false", 1);
        assert!(toml.contains("id = \"forbidden_phrases\""));
        db.qa_save_rules(s.id, &toml, "sup").unwrap();
        assert!(db.qa_rules_in_use(s.id).unwrap());
        let more = |buyer: &str| {
            batch(&[
                (on("2026-11-13", 5), "店:甲", buyer, Sender::Buyer, "在吗"),
                (on("2026-11-13", 6), "店:甲", buyer, Sender::Agent, "您好"),
            ])
        };
        assert_eq!(db.import(more("b3"), &config).unwrap().rules_days, 3);
        let counts = db
            .qa_hit_counts(s.id, day("2026-11-13"), day("2026-11-13"))
            .unwrap();
        assert!(
            counts.iter().all(|c| c.rule != "forbidden_phrases"),
            "{counts:?}"
        );
        assert_eq!(db.qa_rules_in_force(s.id).unwrap().version, Some(1));
        // A saved set that no longer parses fails the import, naming the version, and
        // nothing of it is kept.
        db.qa_save_rules(s.id, "[[rule]]\nid = 1", "sup").unwrap();
        let err = db.import(more("b4"), &config).unwrap_err();
        assert!(err.to_string().contains("rule set v2"), "{err}");
        assert!(db.names(s.id).unwrap().get("b4").is_none());
    }

    /// The messages stored in a store, and its stored rule-hit rows.
    fn stored(db: &Db, store_id: i64) -> (i64, Vec<(i32, i64, String)>) {
        let conn = db.conn();
        let messages = conn
            .query_row(
                "SELECT SUM(messages) FROM message_days WHERE store_id = ?1",
                [store_id],
                |r| r.get(0),
            )
            .unwrap();
        let mut st = conn
            .prepare(
                "SELECT day, account_id, rule FROM qa_hit_counts WHERE store_id = ?1
                 UNION ALL SELECT day, account_id, '#' || receptions FROM qa_receptions WHERE store_id = ?1
                 UNION ALL SELECT day, account_id, ';' || rules FROM qa_reception_hits WHERE store_id = ?1
                 UNION ALL SELECT day, account_id, '|' || rule || messages || spans FROM qa_rule_hits WHERE store_id = ?1
                 ORDER BY 1, 2, 3",
            )
            .unwrap();
        let rows = st
            .query_map([store_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        (messages, rows)
    }

    #[test]
    fn a_failure_during_the_rule_re_run_keeps_neither_the_messages_nor_any_hit() {
        use Sender::{Agent as A, Buyer as B};
        let (_dir, mut db) = store(
            &[
                (0, "店:甲", "b1", B, "在吗"),
                (5, "店:甲", "b1", A, "随便你"),
            ],
            &[],
        );
        let s = db.store("店").unwrap();
        let day = Day::parse("2026-11-11").unwrap();
        let rules = RuleSet::default_rules();
        db.qa_run(s.id, day, day, &rules, None).unwrap();
        let before = stored(&db, s.id);
        assert!(before.1.len() >= 3, "{before:?}");
        // The rule run dies after its first hit rows are written (as `kill -9` would
        // midway): the new day's messages arrive with hits on two receptions.
        db.conn()
            .execute_batch(
                "CREATE TRIGGER die AFTER INSERT ON qa_reception_hits
                 WHEN (SELECT COUNT(*) FROM qa_reception_hits WHERE day = NEW.day) > 1
                 BEGIN SELECT RAISE(ABORT, 'injected failure'); END;",
            )
            .unwrap();
        let at = |sec: i64| day.start() + 86_400_000 + sec * 1000;
        let next = batch(&[
            (at(0), "店:甲", "b2", B, "在吗"),
            (at(5), "店:甲", "b2", A, "随便你"),
            (at(9), "店:甲", "b3", B, "在吗"),
            (at(15), "店:甲", "b3", A, "急什么"),
        ]);
        let err = db.import(next, &Config::default()).unwrap_err();
        assert!(err.to_string().contains("injected failure"), "{err}");
        assert_eq!(stored(&db, s.id), before, "no message and no hit kept");

        // Without the failure the same import commits messages and hits together.
        db.conn().execute_batch("DROP TRIGGER die").unwrap();
        let next = batch(&[
            (at(0), "店:甲", "b2", B, "在吗"),
            (at(5), "店:甲", "b2", A, "随便你"),
            (at(9), "店:甲", "b3", B, "在吗"),
            (at(15), "店:甲", "b3", A, "急什么"),
        ]);
        let summary = db.import(next, &Config::default()).unwrap();
        assert_eq!(summary.rules_days, 2);
        let (messages, rows) = stored(&db, s.id);
        assert_eq!(messages, before.0 + 4);
        let next_day = day.offset(1).0;
        let hit_receptions = rows
            .iter()
            .filter(|(d, _, r)| *d == next_day && r.starts_with(';'))
            .count();
        assert_eq!(hit_receptions, 2, "{rows:?}");
    }

    #[test]
    fn rule_sets_are_versioned() {
        let (_dir, db) = store(&[(0, "店:甲", "b1", Sender::Buyer, "在吗")], &[]);
        let s = db.store("店").unwrap();
        assert_eq!(db.qa_rules(s.id).unwrap(), None);
        assert_eq!(db.qa_save_rules(s.id, "# one", "sup").unwrap(), 1);
        assert_eq!(db.qa_save_rules(s.id, "# two", "admin").unwrap(), 2);
        let latest = db.qa_rules(s.id).unwrap().unwrap();
        assert_eq!(
            (latest.version, latest.toml.as_str(), latest.author.as_str()),
            (2, "# two", "admin")
        );
    }

    #[test]
    fn hits_round_trip_and_damage_is_skipped() {
        let rules = RuleSet::default_rules();
        let hits = vec![
            Hit {
                rule: 0,
                count: 2,
                messages: vec![1, 4],
                spans: vec![
                    Span {
                        message: 1,
                        start: 3,
                        end: 12,
                    },
                    Span {
                        message: 4,
                        start: 0,
                        end: 9,
                    },
                ],
            },
            Hit {
                rule: 10,
                count: 1,
                messages: vec![],
                spans: vec![],
            },
        ];
        let stored = stored_hits(&rules, &hits);
        assert_eq!(
            (stored[0].messages.as_str(), stored[0].spans.as_str()),
            ("[1,4]", "[[1,3,12],[4,0,9]]")
        );
        let back: Vec<ReceptionHit> = stored
            .into_iter()
            .filter_map(|h| read_hit(h.rule, h.severity, h.score, h.count, &h.messages, &h.spans))
            .collect();
        assert_eq!(back.len(), 2);
        assert_eq!(back[0].messages, vec![1, 4]);
        assert_eq!(back[0].spans, hits[0].spans);
        assert_eq!(back[0].severity, Severity::High);
        assert_eq!((back[1].rule.as_str(), back[1].score), ("slow_round", -1));
        // damaged JSON loses what it spoils, the rest of the hit stays
        let damaged = read_hit("ok".into(), 0, 1, 1, "[1,\"x\"", "[[9,9],[1,2,3]]").unwrap();
        assert_eq!(damaged.messages, Vec::<u32>::new());
        assert_eq!(damaged.spans.len(), 1);
        assert!(read_hit("big".into(), 0, i64::MAX, 1, "[]", "[]").is_none());
    }

    /// Migration 13 turns the hits text of version 12 into rows: the rule filter, the
    /// number of rules and the hits read back as the text held them; damaged entries are
    /// left out as the text's reader skipped them.
    #[test]
    fn migration_13_converts_the_hits_text() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.db");
        {
            let conn = Connection::open(&path).unwrap();
            for v in crate::schema::migration_versions() {
                if v > 12 {
                    break;
                }
                conn.execute_batch(&crate::schema::migration_sql(v as usize).unwrap())
                    .unwrap();
            }
            conn.execute_batch(
                "INSERT INTO stores (id, name) VALUES (1, '店');
                 INSERT INTO qa_reception_hits (store_id, day, account_id, buyer_id, score, severity, hits) VALUES
                    (1, 100, 7, 8, -6, 2, ';forbidden_phrases|high|-5|2|1,4|1.3.12,4.0.9;slow_round|medium|-1|1||'),
                    (1, 100, 7, 9, 0, 0, ';x|nope|1|1||;y|low|z|1||'),
                    (1, 101, 7, 8, 1, 0, ';ok|low|1|1|1,x|9.9');
                 PRAGMA user_version = 12;",
            )
            .unwrap();
        }
        let db = Db::open(&path).unwrap();
        let back = db.qa_reception_hits(1, Day(100), 7, 8).unwrap();
        assert_eq!(back.len(), 2);
        assert_eq!(back[0].rule, "forbidden_phrases");
        assert_eq!(back[0].messages, vec![1, 4]);
        assert_eq!(
            back[0].spans,
            vec![
                Span {
                    message: 1,
                    start: 3,
                    end: 12
                },
                Span {
                    message: 4,
                    start: 0,
                    end: 9
                }
            ]
        );
        assert_eq!((back[0].severity, back[0].count), (Severity::High, 2));
        assert_eq!((back[1].rule.as_str(), back[1].score), ("slow_round", -1));
        assert!(db.qa_reception_hits(1, Day(100), 7, 9).unwrap().is_empty());
        assert_eq!(db.qa_reception_hits(1, Day(101), 7, 8).unwrap().len(), 1);
        let flagged = db
            .qa_flagged_receptions(1, Day(100), Day(101), None)
            .unwrap();
        let rules: Vec<u32> = flagged.iter().map(|f| f.rules).collect();
        assert_eq!(rules, vec![2, 0, 1]);
        let slow = db
            .qa_flagged_receptions(1, Day(100), Day(101), Some("slow_round"))
            .unwrap();
        assert_eq!((slow.len(), slow[0].buyer), (1, 8));
        // a rule whose id is a prefix of another's finds only its own receptions
        assert!(
            db.qa_flagged_receptions(1, Day(100), Day(101), Some("slow"))
                .unwrap()
                .is_empty()
        );
    }
}
