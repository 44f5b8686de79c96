//! Generation speed at scale. Run with
//! `cargo test -p kefu-demo --release -- --ignored --nocapture`.

use std::time::Instant;

use kefu_demo::{DemoConfig, write_files};

#[test]
#[ignore = "writes ~1.4 GB; run in release with --ignored --nocapture"]
fn ten_million_messages() {
    let dir = std::env::temp_dir().join(format!("kefu-demo-speed-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let cfg = DemoConfig {
        agents: 200,
        messages_target: Some(10_000_000),
        ..DemoConfig::default()
    };
    let start = Instant::now();
    let s = write_files(&cfg, &dir, &|_, _| {}).unwrap();
    let secs = start.elapsed().as_secs_f64();
    let bytes: u64 = s
        .files
        .iter()
        .map(|f| std::fs::metadata(f).unwrap().len())
        .sum();
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "{} messages, {} orders, {} refunds, {} ratings, {:.0} MB in {secs:.2} s: {:.2} M messages/s, {:.0} MB/s",
        s.messages,
        s.orders,
        s.refunds,
        s.ratings,
        bytes as f64 / 1e6,
        s.messages as f64 / secs / 1e6,
        bytes as f64 / secs / 1e6,
    );
    let ratio = s.messages as f64 / 10_000_000.0;
    assert!((0.9..=1.1).contains(&ratio), "{} messages", s.messages);
    assert!(secs < 60.0, "{secs} s");
}
