//! Store-local time without a time-zone library.
//!
//! Every instant inside kefu is a [`Millis`]: milliseconds since 1970-01-01 00:00 *in the
//! store's local wall clock*. Days are then plain integer division, which is what every metric
//! needs ("a day is a calendar day in the store's time"). Only inputs that carry an explicit
//! offset (RFC 3339) are converted, using the store's [`UtcOffset`]. The marketplaces kefu
//! serves are in zones without daylight saving time, so a fixed offset is exact.

use std::fmt;

/// Milliseconds since 1970-01-01 00:00:00 on the store's local wall clock.
pub type Millis = i64;

pub const SECOND_MS: i64 = 1_000;
pub const HOUR_MS: i64 = 3_600_000;
pub const DAY_MS: i64 = 86_400_000;

/// A calendar day in the store's local time, as days since 1970-01-01.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Day(pub i32);

impl Day {
    pub fn of(t: Millis) -> Day {
        Day(t.div_euclid(DAY_MS) as i32)
    }
    pub fn start(self) -> Millis {
        self.0 as i64 * DAY_MS
    }
    pub fn offset(self, days: i32) -> Day {
        Day(self.0 + days)
    }
    pub fn from_ymd(y: i32, m: u32, d: u32) -> Option<Day> {
        if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
            return None;
        }
        Some(Day(days_from_civil(y, m, d)))
    }
    pub fn ymd(self) -> (i32, u32, u32) {
        civil_from_days(self.0)
    }
    /// Parses `YYYY-MM-DD`.
    pub fn parse(s: &str) -> Option<Day> {
        let mut c = Cursor::new(crate::text::trim(s).as_bytes());
        let y = c.number(4, 4)? as i32;
        c.expect(b'-')?;
        let m = c.number(1, 2)?;
        c.expect(b'-')?;
        let d = c.number(1, 2)?;
        if !c.done() {
            return None;
        }
        Day::from_ymd(y, m, d)
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

/// Milliseconds since the start of the day, for service-hour windows.
pub fn time_of_day(t: Millis) -> i64 {
    t.rem_euclid(DAY_MS)
}

/// Formats a local time as `YYYY-MM-DD HH:MM:SS` (with `.fff` only when it has milliseconds).
pub fn format_time(t: Millis) -> String {
    let day = Day::of(t);
    let ms = time_of_day(t);
    let (h, mi, s, f) = (ms / HOUR_MS, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
    if f == 0 {
        format!("{day} {h:02}:{mi:02}:{s:02}")
    } else {
        format!("{day} {h:02}:{mi:02}:{s:02}.{f:03}")
    }
}

/// A fixed offset from UTC, in minutes (Asia/Shanghai is +480).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UtcOffset(pub i32);

impl Default for UtcOffset {
    fn default() -> Self {
        UtcOffset::SHANGHAI
    }
}

impl UtcOffset {
    pub const SHANGHAI: UtcOffset = UtcOffset(480);
    pub const UTC: UtcOffset = UtcOffset(0);

    /// Accepts `+08:00`, `-0530`, `UTC`, or one of the IANA names of zones without daylight
    /// saving time that kefu's marketplaces use.
    pub fn parse(s: &str) -> Option<UtcOffset> {
        let s = s.trim();
        let named = match s {
            "Asia/Shanghai" | "Asia/Chongqing" | "Asia/Harbin" | "Asia/Urumqi" | "PRC"
            | "Asia/Hong_Kong" | "Asia/Macau" | "Asia/Taipei" | "Asia/Singapore"
            | "Asia/Kuala_Lumpur" | "Asia/Manila" => Some(480),
            "Asia/Tokyo" | "Asia/Seoul" => Some(540),
            "Asia/Bangkok" | "Asia/Ho_Chi_Minh" | "Asia/Jakarta" => Some(420),
            "UTC" | "Etc/UTC" | "Z" => Some(0),
            _ => None,
        };
        if let Some(m) = named {
            return Some(UtcOffset(m));
        }
        let mut c = Cursor::new(s.as_bytes());
        let off = c.offset()?;
        c.done().then_some(off)
    }
}

impl fmt::Display for UtcOffset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { '-' } else { '+' };
        let m = self.0.abs();
        write!(f, "{sign}{:02}:{:02}", m / 60, m % 60)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "expected a time like 2026-11-11 09:00:00, 2026/11/11 09:00:00 or 2026-11-11T09:00:00+08:00"
)]
pub struct TimeError;

impl crate::localized::Localized for TimeError {
    fn zh(&self) -> String {
        "时间格式应如 2026-11-11 09:00:00、2026/11/11 09:00:00 或 2026-11-11T09:00:00+08:00"
            .to_string()
    }
}

/// Parses one of the canonical time formats into store-local time.
///
/// `YYYY-MM-DD HH:MM:SS[.fff]` and `YYYY/MM/DD HH:MM:SS` are local already; RFC 3339 with an
/// offset (`+08:00`, `Z`) is converted to the store's offset. Seconds may be left out
/// (`09:00`), and month, day and hour may have one digit, as spreadsheets write them.
pub fn parse_time(s: &str, store: UtcOffset) -> Result<Millis, TimeError> {
    let mut c = Cursor::new(crate::text::trim(s).as_bytes());
    let y = c.number(4, 4).ok_or(TimeError)? as i32;
    let sep = c.peek().ok_or(TimeError)?;
    if sep != b'-' && sep != b'/' {
        return Err(TimeError);
    }
    c.pos += 1;
    let m = c.number(1, 2).ok_or(TimeError)?;
    c.expect(sep).ok_or(TimeError)?;
    let d = c.number(1, 2).ok_or(TimeError)?;
    let day = Day::from_ymd(y, m, d).ok_or(TimeError)?;
    if c.done() {
        return Ok(day.start());
    }
    match c.peek() {
        Some(b'T') | Some(b't') | Some(b' ') => c.pos += 1,
        _ => return Err(TimeError),
    }
    while c.peek() == Some(b' ') {
        c.pos += 1;
    }
    let h = c.number(1, 2).ok_or(TimeError)? as i64;
    c.expect(b':').ok_or(TimeError)?;
    let mi = c.number(2, 2).ok_or(TimeError)? as i64;
    let mut sec = 0i64;
    let mut frac_ms = 0i64;
    if c.peek() == Some(b':') {
        c.pos += 1;
        sec = c.number(2, 2).ok_or(TimeError)? as i64;
        if c.peek() == Some(b'.') || c.peek() == Some(b',') {
            c.pos += 1;
            let start = c.pos;
            let mut scale = 100;
            while let Some(b) = c.peek().filter(u8::is_ascii_digit) {
                frac_ms += (b - b'0') as i64 * scale;
                scale /= 10;
                c.pos += 1;
            }
            if c.pos == start {
                return Err(TimeError);
            }
        }
    }
    if h > 23 || mi > 59 || sec > 60 {
        return Err(TimeError);
    }
    let local = day.start() + h * HOUR_MS + mi * 60_000 + sec.min(59) * 1000 + frac_ms;
    if c.done() {
        return Ok(local);
    }
    let given = c.offset().ok_or(TimeError)?;
    if !c.done() {
        return Err(TimeError);
    }
    Ok(local + (store.0 - given.0) as i64 * 60_000)
}

fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

// Howard Hinnant's civil-calendar algorithms (public domain description).
fn days_from_civil(y: i32, m: u32, d: u32) -> i32 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy as i32;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i32) -> (i32, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    (y, m, d)
}

struct Cursor<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn new(b: &'a [u8]) -> Self {
        Cursor { b, pos: 0 }
    }
    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }
    fn done(&self) -> bool {
        self.pos == self.b.len()
    }
    fn expect(&mut self, c: u8) -> Option<()> {
        (self.peek()? == c).then(|| self.pos += 1)
    }
    fn number(&mut self, min: usize, max: usize) -> Option<u32> {
        let start = self.pos;
        let mut v = 0u32;
        while self.pos - start < max {
            match self.peek() {
                Some(b) if b.is_ascii_digit() => {
                    v = v * 10 + (b - b'0') as u32;
                    self.pos += 1;
                }
                _ => break,
            }
        }
        (self.pos - start >= min).then_some(v)
    }
    fn offset(&mut self) -> Option<UtcOffset> {
        let sign = match self.peek()? {
            b'Z' | b'z' => {
                self.pos += 1;
                return Some(UtcOffset::UTC);
            }
            b'+' => 1,
            b'-' => -1,
            _ => return None,
        };
        self.pos += 1;
        let h = self.number(2, 2)? as i32;
        if self.peek() == Some(b':') {
            self.pos += 1;
        }
        let m = if self.done() {
            0
        } else {
            self.number(2, 2)? as i32
        };
        (h <= 18 && m < 60).then_some(UtcOffset(sign * (h * 60 + m)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Millis {
        parse_time(s, UtcOffset::SHANGHAI).unwrap()
    }

    #[test]
    fn formats_agree() {
        let local = t("2026-11-11 00:00:05");
        assert_eq!(t("2026/11/11 00:00:05"), local);
        assert_eq!(t("2026-11-11T00:00:05+08:00"), local);
        assert_eq!(t("2026-11-10T16:00:05Z"), local);
        assert_eq!(t("2026-11-11 00:00:05.250"), local + 250);
        assert_eq!(format_time(local), "2026-11-11 00:00:05");
        assert_eq!(Day::of(local).to_string(), "2026-11-11");
        assert_eq!(t("2026/1/5 9:03"), t("2026-01-05 09:03:00"));
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "",
            "2026-13-01 00:00:00",
            "2026-02-30 00:00:00",
            "2026-11-11 25:00:00",
            "2026-11-11 10:00:00 junk",
            "11/11/2026",
            "2026-11-11T10:00:00+99:00",
        ] {
            assert!(parse_time(bad, UtcOffset::SHANGHAI).is_err(), "{bad}");
        }
    }

    #[test]
    fn civil_round_trip() {
        for d in -800_000..800_000 {
            let (y, m, dd) = civil_from_days(d);
            assert_eq!(days_from_civil(y, m, dd), d);
        }
        assert_eq!(Day::parse("1970-01-01"), Some(Day(0)));
        assert_eq!(Day::parse("2024-02-29").unwrap().to_string(), "2024-02-29");
        assert_eq!(Day::of(-1), Day(-1));
    }

    #[test]
    fn offsets() {
        assert_eq!(UtcOffset::parse("Asia/Shanghai"), Some(UtcOffset(480)));
        assert_eq!(UtcOffset::parse("-05:30"), Some(UtcOffset(-330)));
        assert_eq!(UtcOffset(-330).to_string(), "-05:30");
        assert_eq!(UtcOffset::parse("Mars/Base"), None);
    }
}
