//! Money as integer cents (分). Parsing never goes through a float.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected an amount in yuan with at most 2 decimals, such as 199.00 or 1299.5")]
pub struct MoneyError;

impl crate::localized::Localized for MoneyError {
    fn zh(&self) -> String {
        "金额应为以元为单位、最多两位小数的数，如 199.00 或 1299.5".to_string()
    }
}

/// Parses decimal yuan (`199`, `1299.5`, `-3.20`, `¥1,299.00`) into cents.
pub fn parse_yuan(s: &str) -> Result<i64, MoneyError> {
    let s = s.trim();
    let s = s
        .strip_prefix('¥')
        .or_else(|| s.strip_prefix('￥'))
        .unwrap_or(s);
    let (neg, s) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i, f),
        None => (s, ""),
    };
    if int.is_empty() && frac.is_empty() || frac.len() > 2 {
        return Err(MoneyError);
    }
    let mut cents: i64 = 0;
    let mut digits = 0;
    for (i, b) in int.bytes().enumerate() {
        match b {
            b'0'..=b'9' => {
                cents = cents
                    .checked_mul(10)
                    .ok_or(MoneyError)?
                    .checked_add((b - b'0') as i64)
                    .ok_or(MoneyError)?;
                digits += 1;
            }
            // Thousands separators, as spreadsheets write them, only between digit groups.
            b',' if i > 0 && (int.len() - i - 1) % 3 == 0 => {}
            _ => return Err(MoneyError),
        }
    }
    let mut frac_cents = 0;
    for (i, b) in frac.bytes().enumerate() {
        if !b.is_ascii_digit() {
            return Err(MoneyError);
        }
        frac_cents += (b - b'0') as i64 * if i == 0 { 10 } else { 1 };
    }
    if digits == 0 && frac.is_empty() {
        return Err(MoneyError);
    }
    let total = cents
        .checked_mul(100)
        .ok_or(MoneyError)?
        .checked_add(frac_cents)
        .ok_or(MoneyError)?;
    Ok(if neg { -total } else { total })
}

/// Formats cents as yuan with two decimals: `399900` → `3999.00`.
pub fn format_yuan(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let c = cents.unsigned_abs();
    format!("{sign}{}.{:02}", c / 100, c % 100)
}

/// Cents as a yuan number for JSON output (exact for every amount below 2^53 cents).
pub fn yuan_f64(cents: i64) -> f64 {
    cents as f64 / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses() {
        assert_eq!(parse_yuan("199.00"), Ok(19900));
        assert_eq!(parse_yuan("1299.5"), Ok(129950));
        assert_eq!(parse_yuan("4599"), Ok(459900));
        assert_eq!(parse_yuan(" 0.07 "), Ok(7));
        assert_eq!(parse_yuan("1,299.00"), Ok(129900));
        assert_eq!(parse_yuan("¥12"), Ok(1200));
        assert_eq!(parse_yuan("-3.2"), Ok(-320));
        assert_eq!(parse_yuan(".5"), Ok(50));
        for bad in [
            "",
            "abc",
            "1.234",
            "1e3",
            "12,34",
            "1.2.3",
            "-",
            "99999999999999999999",
        ] {
            assert!(parse_yuan(bad).is_err(), "{bad}");
        }
        assert_eq!(format_yuan(399900), "3999.00");
        assert_eq!(format_yuan(-5), "-0.05");
    }
}
