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

/// A running timer of one phase.
pub struct Phase(Option<Instant>);

impl Phase {
    /// Starts timing a phase (nothing when profiling is off).
    pub fn start() -> Phase {
        Phase(on().then(Instant::now))
    }

    /// Prints the time since the start (or the last `done`) under `label`, and restarts.
    pub fn done(&mut self, label: &str) {
        if let Some(t) = self.0 {
            eprintln!(
                "profile: {label:<32} {:>8.1} ms",
                t.elapsed().as_secs_f64() * 1e3
            );
            self.0 = Some(Instant::now());
        }
    }
}
