// The bench sets up the database directly, past the access handles.
#![allow(clippy::disallowed_methods)]
//! The time from `AlertRunner::on_snapshot` to the alert's webhook post arriving at a local
//! 钉钉 receiver (signed), over many alerts: p50, p90, p99 and the maximum.
//!
//!     cargo run --release -p kefu-web --example alert_latency -- [ALERTS]
//!
//! Each snapshot has one new buyer waiting past the rule's threshold, so each raises one new
//! alert (a new key); the runner evaluates it, signs and posts it to the 钉钉 robot and a
//! 企业微信 one, and logs both deliveries. Snapshots are handed in one at a time, each after
//! the previous post arrived.

mod bench_store;

use std::time::{Duration, Instant};

use kefu_core::alert::{AlertRules, Channel};
use kefu_core::live::{LiveSnapshot, WaitingBuyer};
use kefu_core::settings::Config;
use kefu_notify::RetryPolicy;
use kefu_notify::testkit::RobotReceiver;
use kefu_web::alert_runner::AlertRunner;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = std::env::args().nth(1).map_or(Ok(1000), |a| a.parse())?;
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("k.db");
    let config = Config::default();
    let (db, store) = bench_store::sample_store(&path, &config)?;

    let ding = RobotReceiver::start("SECbench")?;
    let wecom = RobotReceiver::start("")?;
    let mut rules = AlertRules::default();
    rules.set("wait_on", "true")?;
    rules.set("wait_threshold", "60")?;
    db.save_alert_rules(store, &rules, None)?;
    db.add_alert_channel(
        store,
        &Channel::DingTalk {
            webhook: ding.url("/robot/send?access_token=t"),
            secret: "SECbench".into(),
        },
        None,
    )?;
    db.add_alert_channel(
        store,
        &Channel::WeCom {
            webhook: wecom.url("/cgi-bin/webhook/send?key=k"),
        },
        None,
    )?;
    drop(db);

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let latencies = runtime.block_on(async move {
        let runner = AlertRunner::new(path, RetryPolicy::default());
        let mut out = Vec::with_capacity(n);
        let now = 1_000 * 86_400_000 + 10 * 3_600_000;
        for i in 0..n {
            let snapshot = LiveSnapshot {
                now: now + i as i64 * 1000,
                waiting: vec![WaitingBuyer {
                    account: "小美".into(),
                    buyer: format!("buyer{i}"),
                    since: now - 3_600_000,
                }],
                ..Default::default()
            };
            let start = Instant::now();
            runner.on_snapshot(store, snapshot);
            let posts = ding.wait_for(i + 1, Duration::from_secs(10));
            match posts.get(i) {
                Some(p) if p.signature_ok == Some(true) => out.push(p.received - start),
                _ => return Err(format!("alert {i} did not arrive signed")),
            }
        }
        runner.idle().await;
        Ok(out)
    })?;
    let mut ms: Vec<f64> = latencies.iter().map(|d| d.as_secs_f64() * 1000.0).collect();
    ms.sort_by(f64::total_cmp);
    let pct = |p: f64| ms[((ms.len() as f64 * p).ceil() as usize).clamp(1, ms.len()) - 1];
    println!(
        "alerts {}  p50 {:.2} ms  p90 {:.2} ms  p99 {:.2} ms  max {:.2} ms  (wecom posts {})",
        ms.len(),
        pct(0.50),
        pct(0.90),
        pct(0.99),
        ms[ms.len() - 1],
        wecom.posts().len()
    );
    Ok(())
}
