//! Calendar months in store-local time, and the settlement date that closes one.

use std::fmt;

use kefu_core::time::{Day, Millis};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    pub year: i32,
    /// 1..=12
    pub month: u32,
}

impl Month {
    /// Parses `YYYY-MM`.
    pub fn parse(s: &str) -> Option<Month> {
        let (y, m) = s.trim().split_once('-')?;
        if y.len() != 4 || m.is_empty() || m.len() > 2 {
            return None;
        }
        let year: i32 = y.parse().ok()?;
        let month: u32 = m.parse().ok()?;
        (1..=12).contains(&month).then_some(Month { year, month })
    }

    pub fn of(day: Day) -> Month {
        let (year, month, _) = day.ymd();
        Month { year, month }
    }

    pub fn next(self) -> Month {
        if self.month == 12 {
            Month {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Month {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    pub fn prev(self) -> Month {
        if self.month == 1 {
            Month {
                year: self.year - 1,
                month: 12,
            }
        } else {
            Month {
                year: self.year,
                month: self.month - 1,
            }
        }
    }

    pub fn first_day(self) -> Day {
        // Every month has a first day; a year out of Day's range falls back to day 0 rather
        // than panicking (no store has data there).
        Day::from_ymd(self.year, self.month, 1).unwrap_or_default()
    }

    pub fn last_day(self) -> Day {
        self.next().first_day().offset(-1)
    }

    /// The end (exclusive) of the settlement window of this month: refunds finished before
    /// it reduce this month's commission; the window closes at the end of day
    /// `settlement_day` of the next month (clamped to that month's last day).
    pub fn settlement_end(self, settlement_day: u32) -> Millis {
        let next = self.next();
        let last = next.last_day();
        let day = next
            .first_day()
            .offset(settlement_day.max(1) as i32 - 1)
            .min(last);
        day.offset(1).start()
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months() {
        let m = Month::parse("2026-11").unwrap();
        assert_eq!(m.to_string(), "2026-11");
        assert_eq!(m.first_day().to_string(), "2026-11-01");
        assert_eq!(m.last_day().to_string(), "2026-11-30");
        assert_eq!(m.next().to_string(), "2026-12");
        assert_eq!(
            Month::parse("2026-12").unwrap().next().to_string(),
            "2027-01"
        );
        assert_eq!(
            Month::parse("2027-01").unwrap().prev().to_string(),
            "2026-12"
        );
        assert_eq!(
            Month::parse("2028-02").unwrap().last_day().to_string(),
            "2028-02-29"
        );
        // November settles at the end of 5 December
        let end = m.settlement_end(5);
        assert_eq!(end, Day::parse("2026-12-06").unwrap().start());
        // day 31 of February is clamped to its last day
        let jan = Month::parse("2027-01").unwrap();
        assert_eq!(
            jan.settlement_end(31),
            Day::parse("2027-03-01").unwrap().start()
        );
        for bad in ["2026-13", "2026", "26-01", "2026-1-1", "x"] {
            assert!(Month::parse(bad).is_none(), "{bad}");
        }
        assert_eq!(Month::of(Day::parse("2026-11-30").unwrap()), m);
    }
}
