//! A store's worklist settings (issue 16): when unpaid orders are reminded, the quiet hours, the
//! per-buyer cap, how long a recovery may take and who owns a new item. Kept apart from the
//! metric settings: they change no figure of `metrics.md`, so saving them recomputes nothing.

use std::fmt;

use crate::settings::{ConfigError, Expected, ServiceHours};
use crate::time::{HOUR_MS, Millis};

const MINUTE_MS: i64 = 60_000;

/// Who owns an item when it first appears on a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OwnerMode {
    /// The agent who served the buyer (default); an item no person served is unassigned.
    #[default]
    Serving,
    /// The store's agents in turn, by account name.
    RoundRobin,
    /// Nobody until a supervisor assigns it.
    Manual,
}

impl OwnerMode {
    pub const ALL: [OwnerMode; 3] = [OwnerMode::Serving, OwnerMode::RoundRobin, OwnerMode::Manual];

    pub fn as_str(self) -> &'static str {
        match self {
            OwnerMode::Serving => "serving",
            OwnerMode::RoundRobin => "round_robin",
            OwnerMode::Manual => "manual",
        }
    }

    pub fn parse(s: &str) -> Option<OwnerMode> {
        OwnerMode::ALL.into_iter().find(|m| m.as_str() == s.trim())
    }
}

/// A reminder's window after the event it follows: from `.0` to `.1` (inclusive), in
/// milliseconds; the reminder is due at the start.
pub type Window = (i64, i64);

/// The worklist settings of one store, with the defaults the supervisors' practice suggests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorklistSettings {
    /// First reminder of an unpaid order, after its creation (15–30 min).
    pub first_reminder: Window,
    /// Second reminder, after the first (2–4 h).
    pub second_reminder: Window,
    /// The last reminder, this long before the order closes (60 min).
    pub final_reminder_ms: i64,
    /// When the marketplace closes an unpaid order that the data shows no close for (24 h).
    pub close_after_ms: i64,
    /// No reminder falls in these hours (`22:00-08:00`); a reminder due in them moves to their
    /// end. `None`: no quiet hours.
    pub quiet_hours: Option<ServiceHours>,
    /// At most this many reminders to one buyer in any 24 hours (3).
    pub max_reminders_per_day: u32,
    /// How long after an item appears a payment still recovers it (72 h).
    pub recovery_window_ms: i64,
    /// How long the store has to answer a refund request (24 h).
    pub refund_due_ms: i64,
    /// How many days back from the data's end every import recomputes the lists (14).
    pub horizon_days: u32,
    pub owner: OwnerMode,
}

impl Default for WorklistSettings {
    fn default() -> Self {
        WorklistSettings {
            first_reminder: (15 * MINUTE_MS, 30 * MINUTE_MS),
            second_reminder: (2 * HOUR_MS, 4 * HOUR_MS),
            final_reminder_ms: 60 * MINUTE_MS,
            close_after_ms: 24 * HOUR_MS,
            quiet_hours: ServiceHours::parse("22:00-08:00"),
            max_reminders_per_day: 3,
            recovery_window_ms: 72 * HOUR_MS,
            refund_due_ms: 24 * HOUR_MS,
            horizon_days: 14,
            owner: OwnerMode::Serving,
        }
    }
}

/// The longest reminder delay, close time or window a setting takes: 30 days (keeps the
/// millisecond arithmetic far from overflow, and is longer than any marketplace keeps an
/// unpaid order).
const MAX_HOURS: i64 = 30 * 24;

impl WorklistSettings {
    /// The keys, in the order forms and files show them.
    pub const KEYS: [&'static str; 10] = [
        "first_reminder_minutes",
        "second_reminder_hours",
        "final_reminder_minutes",
        "close_after_hours",
        "quiet_hours",
        "max_reminders_per_day",
        "recovery_window_hours",
        "refund_due_hours",
        "horizon_days",
        "owner",
    ];

    /// The text value of a setting, as a form or a file writes it.
    pub fn get(&self, key: &str) -> Option<String> {
        let span = |(a, b): Window, unit: i64| format!("{}-{}", a / unit, b / unit);
        Some(match key {
            "first_reminder_minutes" => span(self.first_reminder, MINUTE_MS),
            "second_reminder_hours" => span(self.second_reminder, HOUR_MS),
            "final_reminder_minutes" => (self.final_reminder_ms / MINUTE_MS).to_string(),
            "close_after_hours" => (self.close_after_ms / HOUR_MS).to_string(),
            "quiet_hours" => self
                .quiet_hours
                .as_ref()
                .map_or_else(String::new, ToString::to_string),
            "max_reminders_per_day" => self.max_reminders_per_day.to_string(),
            "recovery_window_hours" => (self.recovery_window_ms / HOUR_MS).to_string(),
            "refund_due_hours" => (self.refund_due_ms / HOUR_MS).to_string(),
            "horizon_days" => self.horizon_days.to_string(),
            "owner" => self.owner.as_str().to_string(),
            _ => return None,
        })
    }

    /// Sets one setting from its text (a form field or a file's value).
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), ConfigError> {
        let value = value.trim();
        let invalid = |expected| ConfigError::Invalid {
            key: key.into(),
            expected,
        };
        let number = |min, max| crate::settings::number_in(key, value, min, max);
        let span = |min: i64, max: i64, unit: i64| -> Result<Window, ConfigError> {
            let wrong = || invalid(Expected::Span { min, max });
            let (a, b) = value.split_once('-').ok_or_else(wrong)?;
            let (a, b) = (
                a.trim().parse::<i64>().map_err(|_| wrong())?,
                b.trim().parse::<i64>().map_err(|_| wrong())?,
            );
            if min <= a && a <= b && b <= max {
                Ok((a * unit, b * unit))
            } else {
                Err(wrong())
            }
        };
        match key {
            "first_reminder_minutes" => {
                self.first_reminder = span(0, MAX_HOURS * 60, MINUTE_MS)?;
            }
            "second_reminder_hours" => self.second_reminder = span(0, MAX_HOURS, HOUR_MS)?,
            "final_reminder_minutes" => {
                self.final_reminder_ms = number(0, MAX_HOURS * 60)? * MINUTE_MS;
            }
            "close_after_hours" => self.close_after_ms = number(1, MAX_HOURS)? * HOUR_MS,
            "quiet_hours" => {
                self.quiet_hours = if value.is_empty() {
                    None
                } else {
                    Some(
                        ServiceHours::parse(value)
                            .ok_or_else(|| invalid(Expected::ServiceHours))?,
                    )
                };
            }
            "max_reminders_per_day" => self.max_reminders_per_day = number(1, 100)? as u32,
            "recovery_window_hours" => {
                self.recovery_window_ms = number(1, MAX_HOURS)? * HOUR_MS;
            }
            "refund_due_hours" => self.refund_due_ms = number(1, MAX_HOURS)? * HOUR_MS,
            "horizon_days" => self.horizon_days = number(1, 366)? as u32,
            "owner" => {
                self.owner = OwnerMode::parse(value).ok_or_else(|| {
                    invalid(Expected::OneOf(
                        OwnerMode::ALL.map(OwnerMode::as_str).join(", "),
                    ))
                })?;
            }
            _ => return Err(invalid(Expected::OneOf(Self::KEYS.join(", ")))),
        }
        Ok(())
    }

    /// The settings as TOML lines, every key (so the text stands on its own).
    pub fn to_toml(&self) -> String {
        Self::KEYS
            .iter()
            .filter_map(|k| {
                let v = self.get(k)?;
                let numeric = !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit());
                Some(if numeric {
                    format!("{k} = {v}\n")
                } else {
                    format!("{k} = {}\n", toml_string(&v))
                })
            })
            .collect()
    }

    /// Settings from TOML lines; keys left out keep the defaults, unknown keys are refused.
    pub fn from_toml(text: &str) -> Result<WorklistSettings, ConfigError> {
        let mut s = WorklistSettings::default();
        crate::settings::set_from_toml(text, |k, v| s.set(k, v))?;
        Ok(s)
    }

    /// Whether `t` falls in the quiet hours.
    pub fn is_quiet(&self, t: Millis) -> bool {
        self.quiet_hours.as_ref().is_some_and(|q| q.contains(t))
    }

    /// The first moment at or after `t` outside the quiet hours (`t` itself when it is not
    /// quiet; `None` when every hour of the day is quiet).
    pub fn after_quiet(&self, t: Millis) -> Option<Millis> {
        match &self.quiet_hours {
            None => Some(t),
            Some(q) => q.first_outside_from(t),
        }
    }
}

impl WorklistSettings {
    /// The last whole minute at or before `t` outside the quiet hours, for a reminder that
    /// must come before a deadline (`t` itself when it is not quiet).
    pub fn before_quiet(&self, t: Millis) -> Option<Millis> {
        match &self.quiet_hours {
            None => Some(t),
            Some(q) => q.last_minute_outside_to(t),
        }
    }
}

/// A TOML basic string (quotes and backslashes escaped; the values here have no control
/// characters).
fn toml_string(v: &str) -> String {
    let mut out = String::with_capacity(v.len() + 2);
    out.push('"');
    for c in v.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

impl fmt::Display for OwnerMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::time_of_day;

    #[test]
    fn defaults_round_trip_through_toml() {
        let d = WorklistSettings::default();
        let text = d.to_toml();
        assert_eq!(
            text,
            "first_reminder_minutes = \"15-30\"\nsecond_reminder_hours = \"2-4\"\n\
             final_reminder_minutes = 60\nclose_after_hours = 24\nquiet_hours = \"22:00-08:00\"\n\
             max_reminders_per_day = 3\nrecovery_window_hours = 72\nrefund_due_hours = 24\n\
             horizon_days = 14\nowner = \"serving\"\n"
        );
        assert_eq!(WorklistSettings::from_toml(&text).unwrap(), d);
        assert_eq!(WorklistSettings::from_toml("").unwrap(), d);
        let mut s = d.clone();
        s.set("quiet_hours", "").unwrap();
        s.set("owner", "round_robin").unwrap();
        s.set("first_reminder_minutes", " 10 - 20 ").unwrap();
        assert_eq!(s.first_reminder, (10 * MINUTE_MS, 20 * MINUTE_MS));
        assert_eq!(WorklistSettings::from_toml(&s.to_toml()).unwrap(), s);
    }

    #[test]
    fn bad_values_are_refused_with_what_was_expected() {
        let mut s = WorklistSettings::default();
        for (key, value, said) in [
            (
                "first_reminder_minutes",
                "30-15",
                "the first not above the second",
            ),
            ("first_reminder_minutes", "15", "like \"15-30\""),
            ("second_reminder_hours", "2-999", "from 0 to 720"),
            ("close_after_hours", "0", "from 1 to 720"),
            ("quiet_hours", "22-8", "08:00-24:00"),
            ("max_reminders_per_day", "x", "a whole number"),
            ("owner", "boss", "serving, round_robin, manual"),
            ("nonsense", "1", "one of first_reminder_minutes"),
        ] {
            let before = s.clone();
            let e = s.set(key, value).unwrap_err().to_string();
            assert!(e.contains(key) && e.contains(said), "{key}={value}: {e}");
            assert_eq!(s, before, "a refused value changes nothing");
        }
        assert!(WorklistSettings::from_toml("owner = 1.5\n").is_err());
        assert!(WorklistSettings::from_toml("colour = \"red\"\n").is_err());
    }

    #[test]
    fn quiet_hours_push_to_their_end() {
        let s = WorklistSettings::default();
        let h = |x: i64| 10 * 86_400_000 + x;
        assert_eq!(s.after_quiet(h(9 * HOUR_MS)), Some(h(9 * HOUR_MS)));
        assert_eq!(s.after_quiet(h(23 * HOUR_MS + 17)), Some(h(32 * HOUR_MS)));
        assert_eq!(s.after_quiet(h(2 * HOUR_MS)), Some(h(8 * HOUR_MS)));
        assert!(s.is_quiet(h(22 * HOUR_MS)) && !s.is_quiet(h(8 * HOUR_MS)));
        let mut all = s.clone();
        all.set("quiet_hours", "00:00-24:00").unwrap();
        assert_eq!(all.after_quiet(h(0)), None);
        assert_eq!(all.before_quiet(h(0)), None);
        // Before a deadline: the last minute before the quiet hours began.
        assert_eq!(
            s.before_quiet(h(22 * HOUR_MS + 59 * MINUTE_MS + 59_000)),
            Some(h(21 * HOUR_MS + 59 * MINUTE_MS))
        );
        assert_eq!(
            s.before_quiet(h(3 * HOUR_MS)),
            Some(h(-2 * HOUR_MS - MINUTE_MS))
        );
        assert_eq!(
            s.before_quiet(h(12 * HOUR_MS + 5)),
            Some(h(12 * HOUR_MS + 5))
        );
    }

    /// The quiet hours' rule as first written, a minute at a time: the times found by jumping
    /// to a window's edge must be the ones stepping finds.
    fn stepped(s: &WorklistSettings, t: Millis, forward: bool) -> Option<Millis> {
        if !s.is_quiet(t) {
            return Some(t);
        }
        let mut at = t - time_of_day(t) % MINUTE_MS;
        for _ in 0..=(25 * 60) {
            at += if forward { MINUTE_MS } else { -MINUTE_MS };
            if !s.is_quiet(at) {
                return Some(at);
            }
        }
        None
    }

    #[test]
    fn quiet_hours_jumps_equal_stepping_a_minute_at_a_time() {
        let day = 86_400_000;
        for hours in [
            "22:00-08:00",
            "00:00-24:00",
            "23:59-00:01",
            "08:00-07:59",
            "00:00-06:30,12:00-13:00,21:15-24:00",
            "00:00-01:00",
            "23:00-24:00",
            "09:00-09:01,09:02-10:00",
        ] {
            let mut s = WorklistSettings::default();
            s.set("quiet_hours", hours).unwrap();
            // Every minute's start and middle over two days and a bit, either side of the
            // epoch's day 0 (the windows' edges are whole minutes).
            for minute in (-day / MINUTE_MS)..((day + 5 * HOUR_MS) / MINUTE_MS) {
                for t in [minute * MINUTE_MS, minute * MINUTE_MS + 30_001] {
                    assert_eq!(s.after_quiet(t), stepped(&s, t, true), "{hours} after {t}");
                    assert_eq!(
                        s.before_quiet(t),
                        stepped(&s, t, false),
                        "{hours} before {t}"
                    );
                }
            }
        }
    }
}
