// The bench sets up the database directly, past the access handles.
#![allow(clippy::disallowed_methods)]
//! The time from a live event to its alert arriving at a local, signed 钉钉 robot, through a
//! real server (`serve_with` on a loopback port: `POST /api/v1/events`, the folder, the alert
//! runner and its tick), over many alerts of three kinds: p50, p90, p99 and the maximum.
//!
//!     cargo run --release -p kefu-web --example live_alert_latency -- [ALERTS]
//!
//! - `rating`: a 1-star rating is posted; from sending the request to the robot's post.
//! - `late`: a buyer's message stamped 5 s ago is posted (over the 1 s wait threshold on
//!   arrival); from sending the request to the robot's post.
//! - `crossing`: a buyer's message stamped now is posted, one every 20 ms; from the instant
//!   the wait passes the 1 s threshold to the robot's post (the next ingest's judgement
//!   usually notices it).
//! - `quiet`: 4 buyers' messages stamped now in one batch, then nothing until their alerts
//!   arrived; from the threshold passing to the robot's post: only the runner's tick
//!   (`live::ALERT_TICK`, 250 ms) notices it.
//!
//! Each alert names a new buyer (a new key, no cool-down in the way). The load generator,
//! the server and the robot share this process and the machine's two cores.

mod bench_store;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use kefu_core::alert::{AlertRules, Channel};
use kefu_core::settings::Config;
use kefu_core::time::format_time;
use kefu_notify::testkit::{Post, RobotReceiver};
use kefu_web::{WebSettings, serve_with};

type Error = Box<dyn std::error::Error>;

const ACCOUNT: &str = "bench:小美";

fn post_events(addr: &str, token: &str, body: &str) -> Result<(), Error> {
    let mut s = TcpStream::connect(addr)?;
    s.write_all(
        format!(
            "POST /api/v1/events HTTP/1.1\r\nHost: k\r\nConnection: close\r\n\
             Authorization: Bearer {token}\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .as_bytes(),
    )?;
    let mut answer = String::new();
    s.read_to_string(&mut answer)?;
    if !answer.starts_with("HTTP/1.1 200") {
        return Err(format!("ingest refused: {answer}").into());
    }
    Ok(())
}

/// When the first post naming `buyer` (as `买家 {buyer} `) arrived, waiting up to 10 s.
fn arrival(robot: &RobotReceiver, buyer: &str) -> Result<Instant, Error> {
    let needle = format!("买家 {buyer} ");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let found = robot.posts().into_iter().find(|p: &Post| {
            p.body["markdown"]["text"]
                .as_str()
                .is_some_and(|t| t.contains(&needle))
        });
        if let Some(p) = found {
            if p.signature_ok != Some(true) {
                return Err(format!("the alert for {buyer} was not signed right").into());
            }
            return Ok(p.received);
        }
        if Instant::now() > deadline {
            return Err(format!("no alert for {buyer} within 10 s").into());
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

fn report(kind: &str, latencies: &[Duration]) {
    let mut ms: Vec<f64> = latencies.iter().map(|d| d.as_secs_f64() * 1000.0).collect();
    ms.sort_by(f64::total_cmp);
    if ms.is_empty() {
        return;
    }
    let pct = |p: f64| ms[((ms.len() as f64 * p).ceil() as usize).clamp(1, ms.len()) - 1];
    println!(
        "{kind:<9} alerts {}  p50 {:.1} ms  p90 {:.1} ms  p99 {:.1} ms  max {:.1} ms",
        ms.len(),
        pct(0.50),
        pct(0.90),
        pct(0.99),
        ms[ms.len() - 1],
    );
}

fn main() -> Result<(), Error> {
    let n: usize = std::env::args().nth(1).map_or(Ok(200), |a| a.parse())?;
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("k.db");
    let config = Config::default();
    let (db, store) = bench_store::sample_store(&path, &config)?;
    let token = db.create_ingest_token(store, "bench", None)?;
    let robot = RobotReceiver::start("SECbench")?;
    let mut rules = AlertRules::default();
    for (k, v) in [
        ("wait_on", "true"),
        ("wait_threshold", "1"),
        ("rating_on", "true"),
    ] {
        rules.set(k, v)?;
    }
    db.save_alert_rules(store, &rules, None)?;
    db.add_alert_channel(
        store,
        &Channel::DingTalk {
            webhook: robot.url("/robot/send?access_token=t"),
            secret: "SECbench".into(),
        },
        None,
    )?;
    drop(db);

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let addr = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?;
    runtime.spawn(serve_with(
        path,
        addr,
        config.clone(),
        WebSettings::default(),
    ));
    let addr = addr.to_string();
    let started = Instant::now();
    while TcpStream::connect(&addr).is_err() {
        if started.elapsed() > Duration::from_secs(30) {
            return Err("the server did not start".into());
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let tz = config.store("bench").timezone;
    let now = || kefu_app::worklists::now_local(tz);
    let line = |kind: &str, time: &str, buyer: &str, extra: &str| {
        format!(
            "{{\"kind\":\"{kind}\",\"time\":\"{time}\",\"buyer\":\"{buyer}\",\"account\":\"{ACCOUNT}\"{extra}}}\n"
        )
    };

    // Ratings: the event is the news.
    let mut rating = Vec::with_capacity(n);
    for i in 0..n {
        let buyer = format!("r{i}");
        let body = line("rating", &format_time(now()), &buyer, ",\"score\":1");
        let sent = Instant::now();
        post_events(&addr, &token, &body)?;
        rating.push(arrival(&robot, &buyer)?.duration_since(sent));
    }
    report("rating", &rating);

    // Late messages: over the threshold when they arrive.
    let mut late = Vec::with_capacity(n);
    for i in 0..n {
        let buyer = format!("l{i}");
        let body = line(
            "message",
            &format_time(now() - 5_000),
            &buyer,
            &format!(",\"sender\":\"buyer\",\"text\":\"在吗\",\"msg_id\":\"l{i}\""),
        );
        let sent = Instant::now();
        post_events(&addr, &token, &body)?;
        late.push(arrival(&robot, &buyer)?.duration_since(sent));
    }
    report("late", &late);

    // Crossings: time alone makes each one due, 1 s after its message's stamp.
    let mut due = Vec::with_capacity(n);
    for i in 0..n {
        let buyer = format!("c{i}");
        let (stamp, at) = (now(), Instant::now());
        let body = line(
            "message",
            &format_time(stamp),
            &buyer,
            &format!(",\"sender\":\"buyer\",\"text\":\"在吗\",\"msg_id\":\"c{i}\""),
        );
        post_events(&addr, &token, &body)?;
        due.push((buyer, at + Duration::from_secs(1)));
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut crossing = Vec::with_capacity(n);
    for (buyer, at) in &due {
        crossing.push(arrival(&robot, buyer)?.saturating_duration_since(*at));
    }
    report("crossing", &crossing);

    // Quiet crossings: a batch of 4 buyers stamped now, then no event at all until their
    // alerts arrived: only the runner's tick can notice the threshold passing.
    let mut quiet = Vec::with_capacity(n);
    for round in 0..n.div_ceil(4) {
        // Started right after the last round's alerts (which a tick sent), each round would
        // cross its threshold in step with the ticks: spread the start over a tick.
        std::thread::sleep(Duration::from_millis((round as u64 * 37) % 250));
        let (stamp, at) = (now(), Instant::now());
        let buyers: Vec<String> = (0..4).map(|k| format!("q{round}x{k}")).collect();
        let body: String = buyers
            .iter()
            .map(|b| {
                line(
                    "message",
                    &format_time(stamp),
                    b,
                    &format!(",\"sender\":\"buyer\",\"text\":\"在吗\",\"msg_id\":\"{b}\""),
                )
            })
            .collect();
        post_events(&addr, &token, &body)?;
        for b in &buyers {
            quiet.push(arrival(&robot, b)?.saturating_duration_since(at + Duration::from_secs(1)));
        }
    }
    report("quiet", &quiet);
    println!("robot posts {}", robot.posts().len());
    runtime.shutdown_background();
    Ok(())
}
