//! Load generator of live ingest (`scripts/bench_live.sh`): sustains `POST /api/v1/events`
//! from several senders while 20 users read the dashboard pages, then waits until the
//! server has folded everything, and prints what it measured (nothing is asserted): the
//! whole run, and every `WINDOW` seconds (default 30) the messages accepted, the messages in
//! the figures (the live store's stored messages, written in the fold's transaction with
//! its figures) and the pages' p95 in that window.
//!
//!     cargo run --release -p kefu-cli --example bench_live -- \
//!         ADDR TOKEN SESSION LIVE_FILE SECONDS SENDERS BATCH READERS PATH...
//!
//! Alerts: meanwhile the probe (`alert_probe`) sends alert-raising events of the same store to
//! the same server and times each alert from the event to a signed 钉钉 robot in this process
//! (a missing alert is reported as one).
//!
//! Messages: 2,000 buyers per sender and batch talking to 200 accounts, a buyer message
//! and the agent's answer 30 s later, store-local "today" (so the day being folded grows
//! the whole run, the hard case), each with a unique `msg_id`.

mod alert_probe;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn request(addr: &str, head: &str, body: &[u8]) -> Option<(u16, usize)> {
    let mut s = TcpStream::connect(addr).ok()?;
    s.write_all(head.as_bytes()).ok()?;
    s.write_all(body).ok()?;
    let mut out = Vec::new();
    s.read_to_end(&mut out).ok()?;
    let status = std::str::from_utf8(out.get(9..12)?).ok()?.parse().ok()?;
    Some((status, out.len()))
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let k = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[k.min(sorted.len() - 1)]
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 9 {
        eprintln!(
            "usage: bench_live ADDR TOKEN SESSION LIVE_FILE SECONDS SENDERS BATCH READERS PATH..."
        );
        std::process::exit(2);
    }
    let addr = args[0].clone();
    let token = args[1].clone();
    let session = args[2].clone();
    let live_file = args[3].clone();
    let secs: u64 = args[4].parse().expect("SECONDS");
    let senders: u64 = args[5].parse().expect("SENDERS");
    let batch: u64 = args[6].parse().expect("BATCH");
    let readers: usize = args[7].parse().expect("READERS");
    let paths: Vec<String> = args[8..].to_vec();
    let window: u64 = std::env::var("WINDOW")
        .ok()
        .and_then(|w| w.parse().ok())
        .unwrap_or(30);
    // The database beside its live file: what is in the figures.
    let db_file = live_file.trim_end_matches("-live").to_string();
    let in_figures = move || -> i64 {
        let conn = rusqlite::Connection::open(&db_file).unwrap();
        conn.busy_timeout(Duration::from_secs(60)).unwrap();
        conn.query_row(
            "SELECT (SELECT COALESCE(SUM(messages), 0) FROM message_days WHERE store_id = s.id)
                  + (SELECT COALESCE(SUM(messages), 0) FROM message_parts WHERE store_id = s.id)
             FROM stores s WHERE s.name = '店'",
            [],
            |r| r.get(0),
        )
        .unwrap_or(0)
    };
    let figures_at_start = in_figures();

    // Store-local (UTC+8) today, as the server's clock sees it.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
        + 8 * 3600;
    let day_start = now - now.rem_euclid(86_400);
    let date = {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.query_row("SELECT date(?1, 'unixepoch')", [day_start], |r| {
            r.get::<_, String>(0)
        })
        .unwrap()
    };

    let stop = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(AtomicU64::new(0));
    let refused = Arc::new(AtomicU64::new(0));
    let ingest_ms = Arc::new(Mutex::new(Vec::<f64>::new()));
    let started = Instant::now();
    let probe = alert_probe::start(
        &addr,
        &token,
        live_file.trim_end_matches("-live"),
        "店",
        secs,
        started,
        stop.clone(),
    )
    .expect("the alert probe's rules, channel and robot");
    let mut handles = Vec::new();
    for sender in 0..senders {
        let (addr, token, stop, acked, refused, ingest_ms) = (
            addr.clone(),
            token.clone(),
            stop.clone(),
            acked.clone(),
            refused.clone(),
            ingest_ms.clone(),
        );
        let date = date.clone();
        handles.push(std::thread::spawn(move || {
            let mut round = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let mut body = String::with_capacity(batch as usize * 170);
                for i in 0..batch {
                    let conv = i / 2;
                    let buyer = format!("s{sender}r{round}b{conv}");
                    let account = format!("店:客服{:03}", conv % 200);
                    // Spread over the day so far, answers 30 s after the question.
                    let t = (round * 7 + conv) % 36_000;
                    let t = if i % 2 == 0 { t } else { t + 30 };
                    let (h, m, s) = (t / 3600, t / 60 % 60, t % 60);
                    let sender_kind = if i % 2 == 0 { "buyer" } else { "agent" };
                    body.push_str(&format!(
                        "{{\"kind\":\"message\",\"time\":\"{date} {h:02}:{m:02}:{s:02}\",\"buyer\":\"{buyer}\",\"account\":\"{account}\",\"sender\":\"{sender_kind}\",\"text\":\"亲，这款还有货吗？\",\"msg_id\":\"{sender}-{round}-{i}\"}}\n"
                    ));
                }
                round += 1;
                let head = format!(
                    "POST /api/v1/events HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\
                     Authorization: Bearer {token}\r\nContent-Type: application/x-ndjson\r\n\
                     Content-Length: {}\r\n\r\n",
                    body.len()
                );
                let t0 = Instant::now();
                match request(&addr, &head, body.as_bytes()) {
                    Some((200, _)) => {
                        acked.fetch_add(batch, Ordering::Relaxed);
                        ingest_ms
                            .lock()
                            .unwrap()
                            .push(t0.elapsed().as_secs_f64() * 1000.0);
                    }
                    _ => {
                        refused.fetch_add(batch, Ordering::Relaxed);
                    }
                }
            }
        }));
    }
    // (path, at seconds since the start, milliseconds)
    let page_ms = Arc::new(Mutex::new(Vec::<(usize, f64, f64)>::new()));
    let page_errors = Arc::new(AtomicU64::new(0));
    for r in 0..readers {
        let (addr, session, stop, page_ms, page_errors, paths) = (
            addr.clone(),
            session.clone(),
            stop.clone(),
            page_ms.clone(),
            page_errors.clone(),
            paths.clone(),
        );
        handles.push(std::thread::spawn(move || {
            let mut k = r;
            while !stop.load(Ordering::Relaxed) {
                let which = k % paths.len();
                k += 1;
                let head = format!(
                    "GET {} HTTP/1.1\r\nHost: bench\r\nConnection: close\r\nCookie: kefu_session={session}\r\n\r\n",
                    paths[which]
                );
                let t0 = Instant::now();
                match request(&addr, &head, b"") {
                    Some((200, _)) => page_ms.lock().unwrap().push((
                        which,
                        started.elapsed().as_secs_f64(),
                        t0.elapsed().as_secs_f64() * 1000.0,
                    )),
                    _ => {
                        page_errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        }));
    }
    // Every window: accepted and in the figures over it, pages' p95 in it.
    println!(
        "window s  accepted/s  in-figures/s  backlog  load 1m  pages p95 (ms, in the order of the paths)"
    );
    let (mut last_acked, mut last_figures) = (0, figures_at_start);
    let mut w = 0;
    while (w + 1) * window <= secs {
        w += 1;
        let due = Duration::from_secs(w * window);
        std::thread::sleep(due.saturating_sub(started.elapsed()));
        let a = acked.load(Ordering::Relaxed);
        let f = in_figures();
        let from = ((w - 1) * window) as f64;
        let pages = page_ms.lock().unwrap().clone();
        let p95: Vec<String> = (0..paths.len())
            .map(|i| {
                let mut v: Vec<f64> = pages
                    .iter()
                    .filter(|(k, at, _)| *k == i && *at >= from)
                    .map(|(_, _, ms)| *ms)
                    .collect();
                v.sort_by(f64::total_cmp);
                format!("{:.0}", percentile(&v, 0.95))
            })
            .collect();
        let load = std::fs::read_to_string("/proc/loadavg")
            .ok()
            .and_then(|l| l.split_whitespace().next().map(str::to_string))
            .unwrap_or_default();
        println!(
            "{:>4}-{:<4} {:>9.0} {:>12.0} {:>9}  {:>7}  {}",
            (w - 1) * window,
            w * window,
            (a - last_acked) as f64 / window as f64,
            (f - last_figures) as f64 / window as f64,
            a as i64 - (f - figures_at_start),
            load,
            p95.join(" / ")
        );
        (last_acked, last_figures) = (a, f);
    }
    std::thread::sleep(Duration::from_secs(secs).saturating_sub(started.elapsed()));
    stop.store(true, Ordering::Relaxed);
    let ingest_secs = started.elapsed().as_secs_f64();
    for h in handles {
        let _ = h.join();
    }
    let sent_secs = started.elapsed().as_secs_f64();
    // Until the server has folded everything.
    let conn = rusqlite::Connection::open(&live_file).unwrap();
    loop {
        let n: i64 = conn
            .query_row("SELECT COUNT(*) FROM tail", [], |r| r.get(0))
            .unwrap_or(1);
        if n == 0 {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let folded_secs = started.elapsed().as_secs_f64();
    let acked = acked.load(Ordering::Relaxed);
    println!("ingest: {senders} senders × batches of {batch} messages for {secs} s");
    println!(
        "  acknowledged {acked} messages in {ingest_secs:.1} s: {:.0} messages/s accepted",
        acked as f64 / ingest_secs
    );
    println!(
        "  all folded into the figures {:.1} s after the start ({:.1} s after the last batch): {:.0} messages/s sustained end to end",
        folded_secs,
        folded_secs - sent_secs,
        acked as f64 / folded_secs
    );
    println!(
        "  refused or failed: {} messages",
        refused.load(Ordering::Relaxed)
    );
    let mut ing = ingest_ms.lock().unwrap().clone();
    ing.sort_by(f64::total_cmp);
    println!(
        "  batch answer p50 {:.0} ms, p95 {:.0} ms, max {:.0} ms",
        percentile(&ing, 0.5),
        percentile(&ing, 0.95),
        ing.last().copied().unwrap_or(f64::NAN)
    );
    let pages = page_ms.lock().unwrap().clone();
    println!(
        "pages: {readers} users, {} answers, {} errors",
        pages.len(),
        page_errors.load(Ordering::Relaxed)
    );
    for (i, p) in paths.iter().enumerate() {
        let mut v: Vec<f64> = pages
            .iter()
            .filter(|(w, _, _)| *w == i)
            .map(|(_, _, ms)| *ms)
            .collect();
        v.sort_by(f64::total_cmp);
        println!(
            "  {p}: n={} p50 {:.0} ms, p95 {:.0} ms, p99 {:.0} ms",
            v.len(),
            percentile(&v, 0.5),
            percentile(&v, 0.95),
            percentile(&v, 0.99)
        );
    }
    probe.report(Duration::from_secs(30), window);
}
