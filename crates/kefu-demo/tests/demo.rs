//! Integration tests: the generated files follow the canonical formats and
//! contain the situations the metrics need.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

use kefu_demo::{
    AGENTS_HEADER, DemoConfig, DemoSummary, MESSAGES_HEADER, ORDERS_HEADER, RATINGS_HEADER,
    REFUNDS_HEADER, day_index, promotion_day, write_files,
};

// ---- helpers -------------------------------------------------------------

/// A temporary directory removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "kefu-demo-test-{}-{}-{name}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Minimal RFC 4180 reader: rows of fields.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    field.push('"');
                } else {
                    quoted = false;
                }
            } else {
                field.push(c);
            }
        } else {
            match c {
                '"' => quoted = true,
                ',' => row.push(std::mem::take(&mut field)),
                '\n' => {
                    row.push(std::mem::take(&mut field));
                    rows.push(std::mem::take(&mut row));
                }
                '\r' => {}
                _ => field.push(c),
            }
        }
    }
    assert!(
        field.is_empty() && row.is_empty(),
        "file must end with a newline"
    );
    rows
}

/// A table: header and rows as maps.
struct Table {
    header: String,
    rows: Vec<HashMap<String, String>>,
}

fn read_table(path: &Path) -> Table {
    let bytes = std::fs::read(path).unwrap();
    let text = String::from_utf8(bytes).expect("UTF-8");
    let mut rows = parse_csv(&text);
    let header = rows.remove(0);
    let n = header.len();
    let rows = rows
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            assert_eq!(
                r.len(),
                n,
                "{}: row {} has {} fields",
                path.display(),
                i + 2,
                r.len()
            );
            header.iter().cloned().zip(r).collect()
        })
        .collect();
    Table {
        header: header.join(","),
        rows,
    }
}

/// Seconds since 1970 of `YYYY-MM-DD HH:MM:SS` (strictly validated).
fn parse_time(s: &str) -> i64 {
    let b = s.as_bytes();
    assert_eq!(b.len(), 19, "bad time {s:?}");
    assert!(
        b[4] == b'-' && b[7] == b'-' && b[10] == b' ' && b[13] == b':' && b[16] == b':',
        "{s:?}"
    );
    let num = |r: std::ops::Range<usize>| -> i64 {
        assert!(
            b[r.clone()].iter().all(u8::is_ascii_digit),
            "bad time {s:?}"
        );
        s[r].parse().unwrap()
    };
    let (y, m, d) = (num(0..4), num(5..7), num(8..10));
    let (hh, mm, ss) = (num(11..13), num(14..16), num(17..19));
    assert!((1..=12).contains(&m) && (1..=31).contains(&d), "{s:?}");
    assert!(hh < 24 && mm < 60 && ss < 60, "{s:?}");
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let mdays = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    assert!(d <= mdays[m as usize - 1], "{s:?}");
    // days from civil
    let yy = if m <= 2 { y - 1 } else { y };
    let era = yy.div_euclid(400);
    let yoe = yy - era * 400;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    days * 86_400 + hh * 3_600 + mm * 60 + ss
}

fn parse_money(s: &str) -> u64 {
    let (a, b) = s.split_once('.').unwrap_or_else(|| panic!("money {s:?}"));
    assert_eq!(b.len(), 2, "money {s:?}");
    assert!(
        !a.is_empty()
            && a.bytes().all(|c| c.is_ascii_digit())
            && b.bytes().all(|c| c.is_ascii_digit())
    );
    a.parse::<u64>().unwrap() * 100 + b.parse::<u64>().unwrap()
}

struct Msg {
    time: i64,
    buyer: String,
    account: String,
    sender: String,
    transfer_to: String,
    file_day: usize,
}

struct Data {
    summary: DemoSummary,
    agents: Table,
    /// file name → rows
    messages: BTreeMap<String, Table>,
    orders: Table,
    refunds: Table,
    ratings: Table,
}

impl Data {
    fn load(summary: DemoSummary, dir: &Path) -> Data {
        let mut messages = BTreeMap::new();
        for f in &summary.files {
            let name = f.file_name().unwrap().to_str().unwrap().to_string();
            if name.starts_with("messages-") {
                messages.insert(name, read_table(f));
            }
        }
        Data {
            agents: read_table(&dir.join("agents.csv")),
            orders: read_table(&dir.join("orders.csv")),
            refunds: read_table(&dir.join("refunds.csv")),
            ratings: read_table(&dir.join("ratings.csv")),
            messages,
            summary,
        }
    }

    fn msgs(&self) -> Vec<Msg> {
        let mut v = Vec::new();
        for (i, t) in self.messages.values().enumerate() {
            for r in &t.rows {
                v.push(Msg {
                    time: parse_time(&r["time"]),
                    buyer: r["buyer"].clone(),
                    account: r["account"].clone(),
                    sender: r["sender"].clone(),
                    transfer_to: r["transfer_to"].clone(),
                    file_day: i,
                });
            }
        }
        v
    }
}

fn generate(cfg: &DemoConfig, name: &str) -> (TempDir, DemoSummary) {
    let dir = TempDir::new(name);
    let summary = write_files(cfg, &dir.0, &|_, _| {}).unwrap();
    (dir, summary)
}

/// The default demo (30 days, 20 agents), generated and parsed once.
fn default_data() -> &'static Data {
    static DATA: OnceLock<Data> = OnceLock::new();
    DATA.get_or_init(|| {
        let (dir, summary) = generate(&DemoConfig::default(), "default");
        Data::load(summary, &dir.0)
    })
}

/// Rounds per §1 of metrics.md: (account, buyer, open, answer, transferred).
struct Round {
    account: String,
    buyer: String,
    open: i64,
    answer: Option<i64>,
}

fn rounds(msgs: &[Msg]) -> Vec<Round> {
    let mut streams: HashMap<(&str, &str), Vec<&Msg>> = HashMap::new();
    for m in msgs {
        streams.entry((&m.account, &m.buyer)).or_default().push(m);
    }
    let mut out = Vec::new();
    for ((a, b), mut list) in streams {
        list.sort_by_key(|m| m.time); // stable: file order kept on ties
        let mut open: Option<i64> = None;
        for m in list {
            match m.sender.as_str() {
                "buyer" => {
                    open.get_or_insert(m.time);
                }
                "agent" | "bot" => {
                    if let Some(o) = open.take() {
                        out.push(Round {
                            account: a.into(),
                            buyer: b.into(),
                            open: o,
                            answer: Some(m.time),
                        });
                    }
                }
                "system" if !m.transfer_to.is_empty() => {
                    open = None; // transferred: left out
                }
                _ => {}
            }
        }
        if let Some(o) = open {
            out.push(Round {
                account: a.into(),
                buyer: b.into(),
                open: o,
                answer: None,
            });
        }
    }
    out
}

// ---- tests ---------------------------------------------------------------

#[test]
fn same_config_gives_identical_files() {
    let cfg = DemoConfig {
        days: 5,
        agents: 6,
        seed: 7,
        start: (2026, 11, 9),
        ..DemoConfig::default()
    };
    let (a, sa) = generate(&cfg, "det-a");
    let (b, sb) = generate(&cfg, "det-b");
    assert_eq!(sa.files.len(), 5 + 4);
    assert_eq!(
        (sa.messages, sa.orders, sa.refunds, sa.ratings),
        (sb.messages, sb.orders, sb.refunds, sb.ratings)
    );
    for (fa, fb) in sa.files.iter().zip(&sb.files) {
        assert_eq!(fa.file_name(), fb.file_name());
        let (x, y) = (std::fs::read(fa).unwrap(), std::fs::read(fb).unwrap());
        assert!(x == y, "{} differs", fa.display());
    }
    assert!(a.0 != b.0);
    // Another seed gives other data.
    let other = DemoConfig { seed: 8, ..cfg };
    let (_c, sc) = generate(&other, "det-c");
    assert_ne!(
        std::fs::read(&sa.files[3]).unwrap(),
        std::fs::read(&sc.files[3]).unwrap()
    );
}

#[test]
fn files_follow_the_canonical_format() {
    let data = default_data();
    let s = &data.summary;
    assert_eq!(s.first_day, "2026-11-01");
    assert_eq!(s.last_day, "2026-11-30");
    assert_eq!(s.agents, 20);
    assert_eq!(data.messages.len(), 30);
    let names: Vec<String> = s
        .files
        .iter()
        .map(|f| f.file_name().unwrap().to_str().unwrap().to_string())
        .collect();
    assert_eq!(names[0], "agents.csv");
    assert_eq!(names[1], "messages-2026-11-01.csv");
    assert_eq!(names[30], "messages-2026-11-30.csv");
    assert_eq!(&names[31..], ["orders.csv", "refunds.csv", "ratings.csv"]);

    // Roster.
    assert_eq!(data.agents.header, AGENTS_HEADER);
    assert_eq!(data.agents.rows.len(), 21);
    let mut roles: HashMap<String, String> = HashMap::new();
    for r in &data.agents.rows {
        assert_eq!(r["store"], "晨光旗舰店");
        assert!(["presale", "aftersale", "bot"].contains(&r["role"].as_str()));
        if r["role"] == "bot" {
            assert_eq!(r["account"], "店小蜜");
        } else {
            assert_eq!(r["account"], format!("晨光旗舰店:{}", r["name"]));
            assert!(["售前一组", "售前二组", "售后组"].contains(&r["group"].as_str()));
        }
        assert!(
            roles
                .insert(r["account"].clone(), r["role"].clone())
                .is_none(),
            "duplicate account"
        );
    }
    let presale = roles.values().filter(|r| *r == "presale").count();
    assert_eq!(presale, 14);
    assert_eq!(&data.agents.rows[0]["name"], "小美");

    // Messages.
    let period = parse_time("2026-11-01 00:00:00")..parse_time("2026-12-01 00:00:00");
    let mut ids = HashSet::new();
    let mut n = 0u64;
    for (file, t) in &data.messages {
        assert_eq!(t.header, MESSAGES_HEADER);
        let date = &file["messages-".len()..file.len() - 4];
        let mut last = i64::MIN;
        for r in &t.rows {
            n += 1;
            assert!(r["time"].starts_with(date), "{file}: {}", r["time"]);
            let tm = parse_time(&r["time"]);
            assert!(tm >= last, "{file} not sorted by time");
            last = tm;
            assert!(period.contains(&tm));
            assert!(!r["buyer"].is_empty());
            assert!(
                roles.contains_key(&r["account"]),
                "unknown account {}",
                r["account"]
            );
            let sender = r["sender"].as_str();
            assert!(
                ["buyer", "agent", "bot", "auto", "system"].contains(&sender),
                "{sender}"
            );
            if sender == "bot" {
                assert_eq!(r["account"], "店小蜜");
            }
            if sender == "agent" {
                assert_ne!(r["account"], "店小蜜");
            }
            if sender == "system" {
                assert_eq!(r["account"], "店小蜜");
                assert!(roles.get(&r["transfer_to"]).is_some_and(|r| r != "bot"));
            } else {
                assert!(r["transfer_to"].is_empty());
            }
            assert!(!r["text"].is_empty());
            assert!(
                ids.insert(r["msg_id"].clone()),
                "duplicate msg_id {}",
                r["msg_id"]
            );
            assert_eq!(r["store"], "晨光旗舰店");
        }
    }
    assert_eq!(n, s.messages);

    // Orders.
    assert_eq!(data.orders.header, ORDERS_HEADER);
    assert_eq!(data.orders.rows.len() as u64, s.orders);
    let mut orders = HashMap::new();
    for r in &data.orders.rows {
        let created = parse_time(&r["created_at"]);
        assert!(period.contains(&created));
        let amount = parse_money(&r["amount"]);
        assert!(
            (2_000..=1_500_000).contains(&amount),
            "amount {}",
            r["amount"]
        );
        let items: u32 = r["items"].parse().unwrap();
        assert!((1..=3).contains(&items));
        if !r["paid_at"].is_empty() {
            let paid = parse_time(&r["paid_at"]);
            assert!(paid > created && period.contains(&paid));
            assert!(r["closed_at"].is_empty());
        }
        if !r["closed_at"].is_empty() {
            assert_eq!(parse_time(&r["closed_at"]) - created, 86_400);
        }
        assert_eq!(r["store"], "晨光旗舰店");
        assert!(r["order_id"].bytes().all(|c| c.is_ascii_digit()));
        assert!(
            orders.insert(r["order_id"].clone(), r).is_none(),
            "duplicate order id"
        );
    }

    // Refunds.
    assert_eq!(data.refunds.header, REFUNDS_HEADER);
    assert_eq!(data.refunds.rows.len() as u64, s.refunds);
    let mut refund_ids = HashSet::new();
    for r in &data.refunds.rows {
        assert!(refund_ids.insert(r["refund_id"].clone()));
        let o = orders.get(&r["order_id"]).expect("refund of a known order");
        assert_eq!(o["buyer"], r["buyer"]);
        assert!(!o["paid_at"].is_empty());
        let req = parse_time(&r["requested_at"]);
        assert!(req > parse_time(&o["paid_at"]) && period.contains(&req));
        assert!(parse_money(&r["amount"]) <= parse_money(&o["amount"]));
        assert!(parse_money(&r["amount"]) > 0);
        match r["status"].as_str() {
            "pending" => assert!(r["finished_at"].is_empty()),
            "success" | "closed" => {
                let fin = parse_time(&r["finished_at"]);
                assert!(fin > req && period.contains(&fin));
            }
            other => panic!("status {other}"),
        }
        assert_eq!(
            roles.get(&r["account"]).map(String::as_str),
            Some("aftersale")
        );
    }

    // Ratings.
    assert_eq!(data.ratings.header, RATINGS_HEADER);
    assert_eq!(data.ratings.rows.len() as u64, s.ratings);
    for r in &data.ratings.rows {
        assert!(period.contains(&parse_time(&r["time"])));
        let score: u32 = r["score"].parse().unwrap();
        assert!((1..=5).contains(&score));
        assert!(roles.contains_key(&r["account"]));
    }
}

#[test]
fn default_volume_is_about_300k_messages() {
    let s = &default_data().summary;
    assert!((270_000..=330_000).contains(&s.messages), "{}", s.messages);
    assert!(
        s.orders > 5_000 && s.refunds > 100 && s.ratings > 1_000,
        "{s:?}"
    );
}

#[test]
fn volume_follows_messages_target() {
    for (target, agents) in [(40_000u64, 8u32), (120_000, 30)] {
        let cfg = DemoConfig {
            agents,
            messages_target: Some(target),
            ..DemoConfig::default()
        };
        let (_dir, s) = generate(&cfg, "target");
        let ratio = s.messages as f64 / target as f64;
        assert!(
            (0.9..=1.1).contains(&ratio),
            "target {target}: {} messages",
            s.messages
        );
    }
    // Short periods too.
    let cfg = DemoConfig {
        days: 3,
        messages_target: Some(20_000),
        ..DemoConfig::default()
    };
    let (_dir, s) = generate(&cfg, "target-short");
    let ratio = s.messages as f64 / 20_000.0;
    assert!((0.9..=1.1).contains(&ratio), "{}", s.messages);
}

#[test]
fn promotion_day_has_several_times_the_volume() {
    let data = default_data();
    assert_eq!(promotion_day(&DemoConfig::default()).unwrap(), 10);
    let counts: Vec<usize> = data.messages.values().map(|t| t.rows.len()).collect();
    let avg = counts.iter().sum::<usize>() as f64 / counts.len() as f64;
    let promo = data.messages["messages-2026-11-11.csv"].rows.len() as f64;
    assert!(promo > 3.0 * avg, "promo {promo}, average {avg}");
    // A ramp before it.
    assert!(counts[9] > counts[5] && counts[8] > counts[5], "{counts:?}");
    // The midnight rush of 11-11.
    let promo_rows = &data.messages["messages-2026-11-11.csv"].rows;
    let midnight = promo_rows
        .iter()
        .filter(|r| r["time"].as_str() < "2026-11-11 01:00:00")
        .count();
    let normal_rows = &data.messages["messages-2026-11-04.csv"].rows;
    let normal_midnight = normal_rows
        .iter()
        .filter(|r| r["time"].as_str() < "2026-11-04 01:00:00")
        .count();
    assert!(
        midnight > 8 * normal_midnight,
        "{midnight} vs {normal_midnight}"
    );

    // Without 11-11 (or 6-18) in the period: the middle day.
    let cfg = DemoConfig {
        start: (2026, 3, 1),
        days: 9,
        messages_target: Some(30_000),
        ..DemoConfig::default()
    };
    assert_eq!(promotion_day(&cfg).unwrap(), 4);
    let (_dir, s) = generate(&cfg, "promo-middle");
    let sizes: Vec<u64> = s.files[1..10]
        .iter()
        .map(|f| std::fs::metadata(f).unwrap().len())
        .collect();
    let max = sizes.iter().enumerate().max_by_key(|(_, v)| **v).unwrap().0;
    assert_eq!(max, 4, "{sizes:?}");
}

#[test]
fn data_contains_every_situation() {
    let data = default_data();
    let msgs = data.msgs();
    let count = |s: &str| msgs.iter().filter(|m| m.sender == s).count();
    assert!(count("auto") > 1_000, "auto replies");
    assert!(count("bot") > 1_000, "bot answers");
    let transfers: Vec<&Msg> = msgs.iter().filter(|m| !m.transfer_to.is_empty()).collect();
    assert!(transfers.len() > 500, "transfers");
    // After a transfer, the person talks with the buyer in their own stream.
    let streams: HashSet<(&str, &str)> = msgs
        .iter()
        .map(|m| (m.account.as_str(), m.buyer.as_str()))
        .collect();
    let followed = transfers
        .iter()
        .filter(|t| streams.contains(&(t.transfer_to.as_str(), t.buyer.as_str())))
        .count();
    assert!(followed as f64 > 0.95 * transfers.len() as f64);

    // Rounds: answered, unanswered, by bot and by people.
    let rs = rounds(&msgs);
    let unanswered = rs.iter().filter(|r| r.answer.is_none()).count();
    assert!(
        unanswered > 500 && unanswered < rs.len() / 5,
        "{unanswered} of {}",
        rs.len()
    );
    let rounds_per_stream = rs.len() as f64 / streams.len() as f64;
    assert!(rounds_per_stream > 1.8, "{rounds_per_stream}");

    // Conversations running past midnight: streams with messages in two
    // consecutive files within two hours.
    let mut by_stream: HashMap<(&str, &str), Vec<&Msg>> = HashMap::new();
    for m in &msgs {
        by_stream.entry((&m.account, &m.buyer)).or_default().push(m);
    }
    let past_midnight = by_stream
        .values()
        .filter(|v| {
            v.windows(2)
                .any(|w| w[1].file_day == w[0].file_day + 1 && w[1].time - w[0].time < 7_200)
        })
        .count();
    assert!(past_midnight > 20, "{past_midnight}");

    // Orders.
    let chatted: HashSet<&str> = msgs.iter().map(|m| m.buyer.as_str()).collect();
    let orders = &data.orders.rows;
    let silent = orders
        .iter()
        .filter(|o| !chatted.contains(o["buyer"].as_str()))
        .count();
    assert!(silent > orders.len() / 10, "silent orders {silent}");
    let closed = orders.iter().filter(|o| !o["closed_at"].is_empty()).count();
    assert!(closed > 100, "closed orders");
    // unpaid → reminded (agent message in between) → paid
    let mut agent_msgs: HashMap<&str, Vec<i64>> = HashMap::new();
    let mut buyer_msgs: HashMap<&str, Vec<i64>> = HashMap::new();
    for m in &msgs {
        match m.sender.as_str() {
            "agent" => agent_msgs.entry(&m.buyer).or_default().push(m.time),
            "buyer" => buyer_msgs.entry(&m.buyer).or_default().push(m.time),
            _ => {}
        }
    }
    let mut reminded_paid = 0;
    let mut reminded_closed = 0;
    let mut after_sale = 0;
    for o in orders {
        let created = parse_time(&o["created_at"]);
        let end = if o["paid_at"].is_empty() {
            if o["closed_at"].is_empty() {
                i64::MAX
            } else {
                parse_time(&o["closed_at"])
            }
        } else {
            parse_time(&o["paid_at"])
        };
        let reminded = agent_msgs
            .get(o["buyer"].as_str())
            .is_some_and(|v| v.iter().any(|&t| t > created && t < end));
        if reminded && !o["paid_at"].is_empty() {
            reminded_paid += 1;
        }
        if reminded && !o["closed_at"].is_empty() {
            reminded_closed += 1;
        }
        // After-sale question: the buyer writes after paying, same or next day.
        if !o["paid_at"].is_empty() {
            let paid = parse_time(&o["paid_at"]);
            if buyer_msgs
                .get(o["buyer"].as_str())
                .is_some_and(|v| v.iter().any(|&t| t > paid + 600))
            {
                after_sale += 1;
            }
        }
    }
    assert!(reminded_paid > 200, "reminded then paid: {reminded_paid}");
    assert!(
        reminded_closed > 50,
        "reminded then closed: {reminded_closed}"
    );
    assert!(after_sale > 500, "after-sale questions: {after_sale}");

    // Refunds of every status, ratings of every score.
    let statuses: HashSet<&str> = data
        .refunds
        .rows
        .iter()
        .map(|r| r["status"].as_str())
        .collect();
    assert_eq!(statuses.len(), 3, "{statuses:?}");
    let scores: HashSet<&str> = data
        .ratings
        .rows
        .iter()
        .map(|r| r["score"].as_str())
        .collect();
    assert_eq!(scores.len(), 5);
    let amounts: Vec<u64> = orders.iter().map(|o| parse_money(&o["amount"])).collect();
    assert!(
        amounts.contains(&2_990) && amounts.contains(&499_900),
        "catalogue prices appear"
    );
}

#[test]
fn conversion_falls_and_ratings_worsen_with_response_time() {
    let data = default_data();
    let msgs = data.msgs();
    let rs = rounds(&msgs);
    let people: HashSet<&str> = data
        .agents
        .rows
        .iter()
        .filter(|r| r["role"] != "bot")
        .map(|r| r["account"].as_str())
        .collect();
    let mut orders: HashMap<&str, Vec<i64>> = HashMap::new();
    for o in &data.orders.rows {
        orders
            .entry(o["buyer"].as_str())
            .or_default()
            .push(parse_time(&o["created_at"]));
    }
    // First round per (account, buyer, day).
    let mut first: HashMap<(&str, &str, i64), &Round> = HashMap::new();
    for r in &rs {
        let key = (
            r.account.as_str(),
            r.buyer.as_str(),
            r.open.div_euclid(86_400),
        );
        let e = first.entry(key).or_insert(r);
        if r.open < e.open {
            *e = r;
        }
    }
    let mut fast = (0u32, 0u32);
    let mut slow = (0u32, 0u32);
    for ((acc, buyer, day), r) in first {
        let Some(ans) = r.answer else { continue };
        if !people.contains(acc) {
            continue;
        }
        let ords = orders.get(buyer).map(Vec::as_slice).unwrap_or(&[]);
        if ords
            .iter()
            .any(|&t| t < r.open && t.div_euclid(86_400) == day)
        {
            continue; // not an inquiry
        }
        let ordered = ords
            .iter()
            .any(|&t| t >= ans && t.div_euclid(86_400) == day);
        let frt = ans - r.open;
        let bucket = if frt < 45 {
            &mut fast
        } else if frt > 150 {
            &mut slow
        } else {
            continue;
        };
        bucket.0 += 1;
        bucket.1 += u32::from(ordered);
    }
    let rate = |b: (u32, u32)| f64::from(b.1) / f64::from(b.0);
    assert!(fast.0 > 1_000 && slow.0 > 1_000, "{fast:?} {slow:?}");
    assert!(rate(fast) > 1.5 * rate(slow), "fast {fast:?} slow {slow:?}");

    // Agents differ in speed; faster ones get better ratings.
    let mut rts: HashMap<&str, Vec<i64>> = HashMap::new();
    for r in &rs {
        if let (Some(a), true) = (r.answer, people.contains(r.account.as_str())) {
            rts.entry(r.account.as_str()).or_default().push(a - r.open);
        }
    }
    let mut medians: Vec<(i64, &str)> = rts
        .into_iter()
        .map(|(a, mut v)| {
            v.sort_unstable();
            (v[v.len() / 2], a)
        })
        .collect();
    medians.sort();
    assert!(
        medians[0].0 <= 30 && medians.last().unwrap().0 >= 90,
        "{medians:?}"
    );
    let half = medians.len() / 2;
    let fast_set: HashSet<&str> = medians[..half].iter().map(|m| m.1).collect();
    let slow_set: HashSet<&str> = medians[half..].iter().map(|m| m.1).collect();
    let satisfaction = |set: &HashSet<&str>| {
        let rs: Vec<u32> = data
            .ratings
            .rows
            .iter()
            .filter(|r| set.contains(r["account"].as_str()))
            .map(|r| r["score"].parse().unwrap())
            .collect();
        rs.iter().filter(|&&s| s >= 4).count() as f64 / rs.len() as f64
    };
    assert!(satisfaction(&fast_set) > satisfaction(&slow_set) + 0.03);
}

#[test]
fn large_roster_and_odd_store_names() {
    let cfg = DemoConfig {
        store: "A,B \"好\"店".to_string(),
        agents: 300,
        days: 2,
        messages_target: Some(20_000),
        ..DemoConfig::default()
    };
    let (dir, s) = generate(&cfg, "roster");
    let data = Data::load(s, &dir.0);
    assert_eq!(data.agents.rows.len(), 301);
    let accounts: HashSet<&str> = data
        .agents
        .rows
        .iter()
        .map(|r| r["account"].as_str())
        .collect();
    assert_eq!(accounts.len(), 301);
    let presale = data
        .agents
        .rows
        .iter()
        .filter(|r| r["role"] == "presale")
        .count();
    assert_eq!(presale, 210);
    assert!(
        data.agents
            .rows
            .iter()
            .all(|r| r["store"] == "A,B \"好\"店")
    );
    assert!(
        data.agents
            .rows
            .iter()
            .filter(|r| r["role"] != "bot")
            .all(|r| r["account"].starts_with("A,B \"好\"店:"))
    );
    for t in data.messages.values() {
        for r in &t.rows {
            assert_eq!(r["store"], "A,B \"好\"店");
            assert!(accounts.contains(r["account"].as_str()));
        }
    }
    assert!(
        data.orders
            .rows
            .iter()
            .all(|r| r["store"] == "A,B \"好\"店")
    );
}

#[test]
fn small_and_edge_configs() {
    // One person (no after-sale group), one day, no bot-only fallback problems.
    let cfg = DemoConfig {
        agents: 1,
        days: 1,
        messages_target: Some(3_000),
        ..DemoConfig::default()
    };
    let (dir, s) = generate(&cfg, "one");
    assert_eq!(s.first_day, s.last_day);
    assert!(s.messages > 2_000);
    let data = Data::load(s, &dir.0);
    assert_eq!(data.agents.rows.len(), 2);
    // Nobody on the roster: the bot alone.
    let cfg = DemoConfig {
        agents: 0,
        days: 2,
        messages_target: Some(2_000),
        ..DemoConfig::default()
    };
    let (_dir, s) = generate(&cfg, "bot-only");
    assert!(s.messages > 1_000);
    // A leap-year start across a month end.
    let cfg = DemoConfig {
        start: (2028, 2, 28),
        days: 3,
        messages_target: Some(5_000),
        ..DemoConfig::default()
    };
    let (_dir, s) = generate(&cfg, "leap");
    assert_eq!(s.last_day, "2028-03-01");
    assert!(
        s.files
            .iter()
            .any(|f| f.ends_with("messages-2028-02-29.csv"))
    );
    // Zero target: empty but valid files.
    let cfg = DemoConfig {
        days: 2,
        messages_target: Some(0),
        ..DemoConfig::default()
    };
    let (_dir, s) = generate(&cfg, "zero");
    assert_eq!((s.messages, s.orders), (0, 0));
}

#[test]
fn invalid_configs_are_rejected() {
    let dir = TempDir::new("invalid");
    for cfg in [
        DemoConfig {
            days: 0,
            ..DemoConfig::default()
        },
        DemoConfig {
            start: (2026, 2, 29),
            ..DemoConfig::default()
        },
        DemoConfig {
            start: (2026, 13, 1),
            ..DemoConfig::default()
        },
        DemoConfig {
            store: " ".to_string(),
            ..DemoConfig::default()
        },
    ] {
        let err = write_files(&cfg, &dir.0, &|_, _| {}).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput, "{cfg:?}");
    }
    assert!(!dir.0.exists(), "nothing is written for an invalid config");
}

#[test]
fn progress_is_reported_per_day() {
    let cfg = DemoConfig {
        days: 4,
        messages_target: Some(4_000),
        ..DemoConfig::default()
    };
    let dir = TempDir::new("progress");
    let calls = std::cell::RefCell::new(Vec::new());
    write_files(&cfg, &dir.0, &|done, total| {
        calls.borrow_mut().push((done, total))
    })
    .unwrap();
    assert_eq!(calls.into_inner(), vec![(1, 4), (2, 4), (3, 4), (4, 4)]);
}

#[test]
fn windows_of_days_tile_the_whole_period() {
    // The promotion day (index 5: 06-18) and spills past midnight fall inside windows and
    // across their borders.
    let whole = DemoConfig {
        start: (2026, 6, 13),
        days: 8,
        agents: 6,
        messages_target: Some(16_000),
        ..DemoConfig::default()
    };
    assert_eq!(promotion_day(&whole).unwrap(), 5);
    let (_all_dir, all) = generate(&whole, "window-all");
    let body = |path: &Path| -> String {
        let text = std::fs::read_to_string(path).unwrap();
        text.split_once('\n').unwrap().1.to_string()
    };
    let mut messages = 0;
    let mut message_files = Vec::new();
    let mut others: BTreeMap<String, String> = BTreeMap::new();
    for (first, last) in [(0, 2), (3, 5), (6, 6), (7, 7)] {
        let window = DemoConfig {
            only_days: Some((first, last)),
            ..whole.clone()
        };
        let (_dir, part) = generate(&window, "window-part");
        assert_eq!(part.files.len(), (last - first + 1) as usize + 4);
        assert_eq!(part.first_day, format!("2026-06-{:02}", 13 + first));
        assert_eq!(part.last_day, format!("2026-06-{:02}", 13 + last));
        messages += part.messages;
        for f in &part.files {
            let name = f.file_name().unwrap().to_string_lossy().to_string();
            if name.starts_with("messages-") {
                let twin = all.files.iter().find(|a| a.file_name() == f.file_name());
                let twin = twin.unwrap_or_else(|| panic!("{name} is not in the whole period"));
                assert!(
                    std::fs::read(f).unwrap() == std::fs::read(twin).unwrap(),
                    "{name} differs from the whole period's"
                );
                message_files.push(name);
            } else if name == "agents.csv" {
                assert_eq!(body(f), body(&all.files[0]));
            } else {
                others.entry(name).or_default().push_str(&body(f));
            }
        }
    }
    assert_eq!(messages, all.messages);
    assert_eq!(message_files.len(), 8);
    assert_eq!(others.len(), 3);
    for (name, text) in &others {
        let whole_file = all.files.iter().find(|a| a.ends_with(name)).unwrap();
        assert!(
            &body(whole_file) == text,
            "{name}: the windows differ from the whole period"
        );
    }

    assert_eq!(day_index(&whole, (2026, 6, 13)), Some(0));
    assert_eq!(day_index(&whole, (2026, 6, 20)), Some(7));
    assert_eq!(day_index(&whole, (2026, 6, 21)), None);
    assert_eq!(day_index(&whole, (2026, 6, 12)), None);
    assert_eq!(day_index(&whole, (2026, 2, 30)), None);
    let dir = TempDir::new("window-bad");
    for only_days in [(3, 2), (0, 8), (9, 9)] {
        let cfg = DemoConfig {
            only_days: Some(only_days),
            ..whole.clone()
        };
        let err = write_files(&cfg, &dir.0, &|_, _| {}).unwrap_err();
        assert_eq!(
            err.kind(),
            std::io::ErrorKind::InvalidInput,
            "{only_days:?}"
        );
    }
    assert!(!dir.0.exists(), "nothing is written for an invalid window");
}
