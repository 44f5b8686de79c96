//! Phase timers for benchmarks: with `KEFU_PROFILE=1` in the environment, [`Phase::done`]
//! prints how long a phase of an import or a refresh took to standard error (wall time), so
//! that where the time of a slow run goes can be read without a profiler
//! (`docs/benchmark.md`). Off, a phase costs one check of a cached flag.

use std::sync::OnceLock;
use std::time::Instant;

fn on() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("KEFU_PROFILE").is_some_and(|v| v == "1"))
}

/// A running timer of one phase: its start, and the process's CPU time then.
pub struct Phase(Option<(Instant, Option<u64>)>);

impl Phase {
    /// Starts timing a phase (nothing when profiling is off).
    pub fn start() -> Phase {
        Phase(on().then(|| (Instant::now(), cpu_ms())))
    }

    /// Prints the time since the start (or the last `done`) under `label`, and restarts. The
    /// CPU time of every thread beside it: on a machine other work shares, the wall time
    /// says little, the CPU time more.
    pub fn done(&mut self, label: &str) {
        if let Some((t, cpu)) = self.0 {
            let now = cpu_ms();
            let used = match (cpu, now) {
                (Some(a), Some(b)) => format!(", {:>6} ms CPU", b.saturating_sub(a)),
                _ => String::new(),
            };
            eprintln!(
                "profile: {label:<32} {:>8.1} ms{used}",
                t.elapsed().as_secs_f64() * 1e3
            );
            self.0 = Some((Instant::now(), now));
        }
    }
}

/// User and system time of the whole process in milliseconds, from `/proc/self/stat` (in
/// ticks of 10 ms on Linux); `None` where there is no such file.
fn cpu_ms() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The fields after the command name, which is in parentheses and may hold spaces.
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace().skip(11);
    let user: u64 = fields.next()?.parse().ok()?;
    let system: u64 = fields.next()?.parse().ok()?;
    Some((user + system) * 10)
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    #[test]
    fn cpu_time_is_read_from_proc_and_never_goes_back() {
        let before = super::cpu_ms().expect("Linux has /proc/self/stat");
        let mut x = 1u64;
        for _ in 0..10_000_000 {
            x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
        }
        let after = super::cpu_ms().expect("Linux has /proc/self/stat");
        assert!(after >= before, "{after} < {before} ({x})");
    }
}
