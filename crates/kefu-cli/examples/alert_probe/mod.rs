//! The live bench's alert probe (issue 16): while the senders and readers load the server, it
//! sends alert-raising events of the loaded store to the same server and times each alert from
//! the event to the store's signed 钉钉 robot, `kefu_notify::testkit`'s receiver in this process
//! (it checks every post's signature).
//!
//! Set up on the server's database before the load starts (the alert runner reads a store's
//! rules and channels on every judgement): rules "a buyer waited > [`WAIT_SECS`] s" and "a
//! rating of 1–2" on, a 钉钉 channel with a secret pointing at the receiver. Every alert names a
//! new buyer (a new key: no cool-down in the way); three kinds, each its own `POST
//! /api/v1/events` of one line, each on its own thread so that a slow answer does not delay the
//! next probe:
//!
//! - `rating`: a 1-star rating stamped now, every [`EVERY`]; from sending the request;
//! - `late`: a buyer message stamped [`LATE_SECS`] s ago (over the threshold on arrival), every
//!   [`EVERY`], half a period after the rating; from sending the request;
//! - `crossing`: a buyer message stamped now, once a second while its wait can still cross the
//!   threshold during the load; from the instant it crosses (the stamp plus [`WAIT_SECS`]), so
//!   what is timed is the runner noticing a wait that time alone made due.
//!
//! A probe whose alert never arrives is a failure and is reported as missing.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use kefu_core::alert::{AlertRules, Channel};
use kefu_core::time::{Millis, UtcOffset, format_time};
use kefu_notify::testkit::{Post, RobotReceiver};

use super::percentile;

/// The wait rule's threshold.
pub const WAIT_SECS: u64 = 30;
/// How far in the past a `late` message is stamped: over the threshold on arrival.
const LATE_SECS: i64 = 40;
/// One `rating` and one `late` probe per period.
pub const EVERY: Duration = Duration::from_millis(200);
/// The account the probes' buyers talk to (one of the bench's 200).
const ACCOUNT: &str = "店:客服000";
/// Every probe buyer's name starts with this (and then its kind's letter and a number).
const PREFIX: &str = "probe";
/// The robot's signing secret.
const SECRET: &str = "SECalertprobe";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Rating,
    Late,
    Crossing,
}

impl Kind {
    const ALL: [Kind; 3] = [Kind::Rating, Kind::Late, Kind::Crossing];

    fn letter(self) -> char {
        match self {
            Kind::Rating => 'r',
            Kind::Late => 'l',
            Kind::Crossing => 'c',
        }
    }

    fn label(self) -> &'static str {
        match self {
            Kind::Rating => "rating (event → webhook)",
            Kind::Late => "late wait (event → webhook)",
            Kind::Crossing => "crossing (threshold → webhook)",
        }
    }
}

/// One probe event sent.
struct Sent {
    kind: Kind,
    buyer: String,
    /// Seconds since the bench started, when the request went out.
    at_secs: f64,
    /// Where its latency counts from: the request sent, or the wait crossing the threshold.
    from: Instant,
    sent: Instant,
    /// When the ingest answered 200; `None`: refused or failed.
    acked: Option<Instant>,
}

/// A post's markdown text.
fn text(post: &Post) -> &str {
    post.body["markdown"]["text"].as_str().unwrap_or("")
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The running probe.
pub struct Probe {
    sent: Arc<Mutex<Vec<Sent>>>,
    robot: RobotReceiver,
    thread: std::thread::JoinHandle<()>,
}

/// Sets the loaded store's rules and channel in `db_file`, starts the robot and the probe
/// thread; the probe stops sending when `stop` is set or `secs` have passed since `started`.
pub fn start(
    addr: &str,
    token: &str,
    db_file: &str,
    store: &str,
    secs: u64,
    started: Instant,
    stop: Arc<AtomicBool>,
) -> Result<Probe, Box<dyn std::error::Error>> {
    let robot = RobotReceiver::start(SECRET)?;

    // The bench drives the database itself, past the web's access handles.
    #[allow(clippy::disallowed_methods)]
    {
        let db = kefu_store::Db::open(std::path::Path::new(db_file))?;
        let store_id = db.store(store)?.id;
        let mut rules = AlertRules::default();
        for (k, v) in [
            ("wait_on", "true".to_string()),
            ("wait_threshold", WAIT_SECS.to_string()),
            ("rating_on", "true".to_string()),
        ] {
            rules.set(k, &v)?;
        }
        db.save_alert_rules(store_id, &rules, None)?;
        db.add_alert_channel(
            store_id,
            &Channel::DingTalk {
                webhook: robot.url("/robot/send?access_token=probe"),
                secret: SECRET.into(),
            },
            None,
        )?;
    }

    let sent: Arc<Mutex<Vec<Sent>>> = Arc::default();
    let (addr, token, s) = (addr.to_string(), token.to_string(), sent.clone());
    let thread = std::thread::spawn(move || {
        let tz = UtcOffset(8 * 60);
        let mut n = 0u64;
        let mut crossings = 0u64;
        let mut requests = Vec::new();
        loop {
            // Absolute times: a slow answer does not shift the schedule.
            let due = EVERY / 2 * n as u32;
            std::thread::sleep(due.saturating_sub(started.elapsed()));
            if stop.load(Ordering::Relaxed) || started.elapsed() >= Duration::from_secs(secs) {
                break;
            }
            let kind = if n.is_multiple_of(2) {
                Kind::Rating
            } else {
                Kind::Late
            };
            requests.push(send(&addr, &token, &s, kind, n / 2, started, tz));
            // A crossing a second, while it still crosses before the load ends.
            let crossing_due = Duration::from_secs(crossings);
            if started.elapsed() >= crossing_due
                && started.elapsed() + Duration::from_secs(WAIT_SECS + 5)
                    < Duration::from_secs(secs)
            {
                requests.push(send(
                    &addr,
                    &token,
                    &s,
                    Kind::Crossing,
                    crossings,
                    started,
                    tz,
                ));
                crossings += 1;
            }
            n += 1;
        }
        for r in requests {
            let _ = r.join();
        }
    });
    Ok(Probe {
        sent,
        robot,
        thread,
    })
}

/// Sends one probe on its own thread.
fn send(
    addr: &str,
    token: &str,
    sent: &Arc<Mutex<Vec<Sent>>>,
    kind: Kind,
    i: u64,
    started: Instant,
    tz: UtcOffset,
) -> std::thread::JoinHandle<()> {
    let (addr, token, sent) = (addr.to_string(), token.to_string(), sent.clone());
    std::thread::spawn(move || {
        let buyer = format!("{PREFIX}{}{i}", kind.letter());
        let now: Millis = kefu_app::worklists::now_local(tz);
        let at = Instant::now();
        let line = match kind {
            Kind::Rating => format!(
                "{{\"kind\":\"rating\",\"time\":\"{}\",\"buyer\":\"{buyer}\",\"account\":\"{ACCOUNT}\",\"score\":1}}\n",
                format_time(now)
            ),
            Kind::Late | Kind::Crossing => {
                let stamp = if kind == Kind::Late {
                    now - LATE_SECS * 1000
                } else {
                    now
                };
                format!(
                    "{{\"kind\":\"message\",\"time\":\"{}\",\"buyer\":\"{buyer}\",\"account\":\"{ACCOUNT}\",\"sender\":\"buyer\",\"text\":\"在吗\",\"msg_id\":\"{buyer}\"}}\n",
                    format_time(stamp)
                )
            }
        };
        let from = match kind {
            Kind::Crossing => at + Duration::from_secs(WAIT_SECS),
            _ => at,
        };
        let head = format!(
            "POST /api/v1/events HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\
             Authorization: Bearer {token}\r\nContent-Type: application/x-ndjson\r\n\
             Content-Length: {}\r\n\r\n",
            line.len()
        );
        let ok = super::request(&addr, &head, line.as_bytes()).is_some_and(|(s, _)| s == 200);
        let acked = ok.then(Instant::now);
        lock(&sent).push(Sent {
            kind,
            buyer,
            at_secs: at.duration_since(started).as_secs_f64(),
            from,
            sent: at,
            acked,
        });
    })
}

/// The alerts a post counts without listing them (`另有 {n} 条`: more than 20 at once).
fn not_listed(text: &str) -> usize {
    text.split("另有 ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// The probe buyers a post names (`买家 {buyer} `), escaped as the message writes them.
fn named(text: &str) -> impl Iterator<Item = &str> {
    text.split("买家 ")
        .skip(1)
        .filter_map(|rest| rest.split(' ').next())
        .filter(|b| b.starts_with(PREFIX))
}

fn spread(mut ms: Vec<f64>) -> String {
    ms.sort_by(f64::total_cmp);
    format!(
        "p50 {:.0} ms, p90 {:.0} ms, p99 {:.0} ms, max {:.0} ms",
        percentile(&ms, 0.5),
        percentile(&ms, 0.9),
        percentile(&ms, 0.99),
        ms.last().copied().unwrap_or(f64::NAN)
    )
}

impl Probe {
    /// Waits for the probe thread, then until every acknowledged probe's alert arrived or
    /// `grace` passed; prints the latencies per kind and per window, and the missing alerts.
    pub fn report(self, grace: Duration, window: u64) {
        let _ = self.thread.join();
        let deadline = Instant::now() + grace;
        let arrivals = loop {
            let mut first: HashMap<String, (Instant, bool)> = HashMap::new();
            for p in self.robot.posts() {
                let signed = p.signature_ok == Some(true);
                for b in named(text(&p)) {
                    let e = first.entry(b.to_string()).or_insert((p.received, signed));
                    if p.received < e.0 {
                        *e = (p.received, signed);
                    }
                }
            }
            let waiting = lock(&self.sent)
                .iter()
                .filter(|s| s.acked.is_some() && !first.contains_key(&s.buyer))
                .count();
            if waiting == 0 || Instant::now() >= deadline {
                break first;
            }
            std::thread::sleep(Duration::from_millis(200));
        };
        let sent = lock(&self.sent);
        let (posts, unnamed) = {
            let posts = self.robot.posts();
            let unnamed: usize = posts.iter().map(|p| not_listed(text(p))).sum();
            (posts.len(), unnamed)
        };
        let unsigned = arrivals.values().filter(|(_, signed)| !signed).count();
        println!(
            "alerts: rules wait > {WAIT_SECS} s and rating ≤ 2 on the loaded store, a signed 钉钉 robot in this process ({posts} posts, {unsigned} alerts unsigned, {unnamed} counted but not listed by a post of more than 20)"
        );
        for kind in Kind::ALL {
            let of: Vec<&Sent> = sent.iter().filter(|s| s.kind == kind).collect();
            let acked: Vec<&&Sent> = of.iter().filter(|s| s.acked.is_some()).collect();
            let latency: Vec<f64> = acked
                .iter()
                .filter_map(|s| {
                    let (got, _) = arrivals.get(&s.buyer)?;
                    Some(got.saturating_duration_since(s.from).as_secs_f64() * 1000.0)
                })
                .collect();
            let answered: Vec<f64> = acked
                .iter()
                .filter_map(|s| Some(s.acked?.duration_since(s.sent).as_secs_f64() * 1000.0))
                .collect();
            let missing: Vec<&str> = acked
                .iter()
                .filter(|s| !arrivals.contains_key(&s.buyer))
                .map(|s| s.buyer.as_str())
                .collect();
            println!(
                "  {:<31} sent {}, ingest refused or failed {}, alerts received {}, MISSING {}",
                kind.label(),
                of.len(),
                of.len() - acked.len(),
                latency.len(),
                missing.len()
            );
            if !latency.is_empty() {
                println!("    {}", spread(latency));
            }
            if kind != Kind::Crossing && !answered.is_empty() {
                println!("    of which the ingest's answer: {}", spread(answered));
            }
            if !missing.is_empty() {
                let shown: Vec<&str> = missing.iter().take(20).copied().collect();
                println!("    missing: {}", shown.join(" "));
            }
        }
        // Per window of sending: do folds (or anything else) line up with slow alerts?
        println!(
            "alerts per window (rating and late, by when sent): window s  alerts  p50  p99  max (ms)"
        );
        let last = sent.iter().map(|s| s.at_secs).fold(0.0, f64::max);
        let mut w = 0u64;
        while (w * window) as f64 <= last {
            let (from, to) = ((w * window) as f64, ((w + 1) * window) as f64);
            let ms: Vec<f64> = sent
                .iter()
                .filter(|s| s.kind != Kind::Crossing && s.at_secs >= from && s.at_secs < to)
                .filter_map(|s| {
                    let (got, _) = arrivals.get(&s.buyer)?;
                    Some(got.saturating_duration_since(s.from).as_secs_f64() * 1000.0)
                })
                .collect();
            let n = ms.len();
            let mut ms = ms;
            ms.sort_by(f64::total_cmp);
            println!(
                "  {:>4}-{:<4} {:>6}  {:>5.0}  {:>5.0}  {:>5.0}",
                w * window,
                (w + 1) * window,
                n,
                percentile(&ms, 0.5),
                percentile(&ms, 0.99),
                ms.last().copied().unwrap_or(f64::NAN)
            );
            w += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_post_names_the_probe_buyers_it_lists_and_no_other() {
        let text = "#### 【店】2 条提醒 / 2 alerts\n\n- **收到差评** 买家 prober3 给客服账号 店:客服000 打了 1 分  \n  \
                    - **买家等待过久** 买家 probel7 已等待 40秒，仍未回复  \n- 买家 tb_x 已等待";
        let got: Vec<&str> = named(text).collect();
        assert_eq!(got, vec!["prober3", "probel7"]);
        assert_eq!(not_listed(text), 0);
        assert_eq!(not_listed("- 买家 prober1 …\n\n另有 7 条 / 7 more\n"), 7);
    }
}
