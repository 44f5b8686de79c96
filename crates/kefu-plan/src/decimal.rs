//! Exact decimals for plan numbers and exact money arithmetic.
//!
//! A plan writes rates and thresholds as decimals (`0.8%`, `1.12`, `150000`). They are kept
//! as `mantissa / 10^scale`, never as floats, so that a commission is an exact fraction of
//! cents until it is rounded — once, at the end of its pay component.

use std::fmt;

/// At most this many decimal places (after a `%` is folded in): enough for `0.0125%`, and
/// small enough that products of a few of them stay far inside `i128`.
pub const MAX_SCALE: u32 = 8;

/// `mantissa / 10^scale`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decimal {
    pub mantissa: i128,
    pub scale: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecimalError {
    #[error("`{0}` is not a number (write e.g. 55%, 0.55, 1.12 or 150000)")]
    NotANumber(String),
    #[error("`{0}` has more decimal places than kefu keeps ({MAX_SCALE})")]
    TooPrecise(String),
    #[error("`{0}` is too large")]
    TooLarge(String),
    /// `1,5` or `1,50,000`: a decimal comma or another grouping would be read as another
    /// number, so only groups of three are accepted.
    #[error("`{0}`: a comma separates thousands only (150,000); write decimals with a point (1.5)")]
    BadSeparator(String),
}

impl Decimal {
    pub const ZERO: Decimal = Decimal {
        mantissa: 0,
        scale: 0,
    };
    pub const ONE: Decimal = Decimal {
        mantissa: 1,
        scale: 0,
    };

    pub fn from_int(n: i64) -> Decimal {
        Decimal {
            mantissa: n as i128,
            scale: 0,
        }
    }

    /// Parses `55%`, `0.55`, `-3`, `1,000.5`, `¥100` (a percent sign divides by 100). Commas
    /// and underscores separate groups of three digits of the integer part, nothing else.
    pub fn parse(text: &str) -> Result<Decimal, DecimalError> {
        let bad = || DecimalError::NotANumber(text.to_string());
        let s = text.trim();
        let s = s
            .strip_prefix('¥')
            .or_else(|| s.strip_prefix('￥'))
            .unwrap_or(s);
        let (s, percent) = match s.strip_suffix('%') {
            Some(rest) => (rest.trim_end(), true),
            None => (s, false),
        };
        let (negative, s) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s.strip_prefix('+').unwrap_or(s)),
        };
        let (int, frac) = s.split_once('.').unwrap_or((s, ""));
        if int.is_empty() && frac.is_empty() {
            return Err(bad());
        }
        if int.contains([',', '_']) {
            let mut groups = int.split([',', '_']);
            let first_ok = groups.next().is_some_and(|g| (1..=3).contains(&g.len()));
            if !first_ok || !groups.all(|g| g.len() == 3) {
                return Err(DecimalError::BadSeparator(text.to_string()));
            }
        }
        let mut mantissa: i128 = 0;
        let mut push = |b: u8| -> Result<(), DecimalError> {
            mantissa = mantissa
                .checked_mul(10)
                .and_then(|m| m.checked_add((b - b'0') as i128))
                .filter(|m| *m < 10i128.pow(30))
                .ok_or_else(|| DecimalError::TooLarge(text.to_string()))?;
            Ok(())
        };
        for b in int.bytes() {
            match b {
                b'0'..=b'9' => push(b)?,
                // Checked above: between groups of three digits.
                b',' | b'_' => {}
                _ => return Err(bad()),
            }
        }
        for b in frac.bytes() {
            if !b.is_ascii_digit() {
                return Err(bad());
            }
            push(b)?;
        }
        let scale = frac.len() as u32 + if percent { 2 } else { 0 };
        let d = Decimal {
            mantissa: if negative { -mantissa } else { mantissa },
            scale,
        }
        .normalized();
        if d.scale > MAX_SCALE {
            return Err(DecimalError::TooPrecise(text.to_string()));
        }
        Ok(d)
    }

    /// A TOML float, read through its shortest decimal text so that `0.55` is exactly 55/100.
    pub fn from_f64(x: f64) -> Result<Decimal, DecimalError> {
        if !x.is_finite() {
            return Err(DecimalError::NotANumber(x.to_string()));
        }
        Decimal::parse(&format!("{x}"))
    }

    /// Drops trailing zeros of the fraction: `0.50` → `0.5`.
    fn normalized(mut self) -> Decimal {
        while self.scale > 0 && self.mantissa % 10 == 0 {
            self.mantissa /= 10;
            self.scale -= 1;
        }
        self
    }

    /// For comparisons with figure values (rates and means are floats already).
    pub fn to_f64(self) -> f64 {
        self.mantissa as f64 / 10f64.powi(self.scale as i32)
    }

    pub fn is_negative(self) -> bool {
        self.mantissa < 0
    }

    pub fn is_one(self) -> bool {
        self.normalized() == Decimal::ONE
    }

    /// Exact multiple of 1/10^places, if the value has at most that many decimals: yuan to
    /// cents with 2, a score to hundredths with 2.
    pub fn to_fixed(self, places: u32) -> Option<i64> {
        let d = self.normalized();
        if d.scale > places {
            return None;
        }
        let m = d.mantissa.checked_mul(10i128.pow(places - d.scale))?;
        i64::try_from(m).ok()
    }

    /// Written as a percentage: 0.005 → `0.5%`.
    pub fn percent(self) -> String {
        let shifted = Decimal {
            mantissa: self.mantissa,
            scale: self.scale.saturating_sub(2),
        };
        let shifted = if self.scale < 2 {
            Decimal {
                mantissa: self.mantissa * 10i128.pow(2 - self.scale),
                scale: 0,
            }
        } else {
            shifted
        };
        format!("{}%", shifted.normalized())
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.mantissa < 0 { "-" } else { "" };
        let m = self.mantissa.unsigned_abs();
        if self.scale == 0 {
            return write!(f, "{sign}{m}");
        }
        // Parsed decimals have at most MAX_SCALE places; a hand-built one must not panic.
        let p = 10u128.checked_pow(self.scale).unwrap_or(u128::MAX);
        write!(
            f,
            "{sign}{}.{:0width$}",
            m / p,
            m % p,
            width = self.scale as usize
        )
    }
}

fn gcd(mut a: i128, mut b: i128) -> i128 {
    a = a.abs();
    b = b.abs();
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// An exact fraction `num / den` (den > 0) of cents or points, kept reduced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exact {
    num: i128,
    den: i128,
}

/// A product left `i128`: amounts of this size do not occur in a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the amount is too large to compute exactly")]
pub struct Overflow;

impl Exact {
    pub fn int(n: i64) -> Exact {
        Exact {
            num: n as i128,
            den: 1,
        }
    }

    fn reduce(num: i128, den: i128) -> Exact {
        let g = gcd(num, den).max(1);
        let (num, den) = (num / g, den / g);
        if den < 0 {
            Exact {
                num: -num,
                den: -den,
            }
        } else {
            Exact { num, den }
        }
    }

    pub fn mul_dec(self, d: Decimal) -> Result<Exact, Overflow> {
        let den = 10i128.checked_pow(d.scale).ok_or(Overflow)?;
        let g1 = gcd(d.mantissa, self.den).max(1);
        let g2 = gcd(self.num, den).max(1);
        let num = (self.num / g2)
            .checked_mul(d.mantissa / g1)
            .ok_or(Overflow)?;
        let den = (self.den / g1).checked_mul(den / g2).ok_or(Overflow)?;
        Ok(Exact::reduce(num, den))
    }

    pub fn mul_int(self, n: i64) -> Result<Exact, Overflow> {
        self.mul_dec(Decimal::from_int(n))
    }

    /// Division by a positive integer (a headcount, 100 for a score).
    pub fn div_int(self, n: i64) -> Result<Exact, Overflow> {
        if n == 0 {
            return Err(Overflow);
        }
        let n = n as i128;
        let g = gcd(self.num, n).max(1);
        let den = self.den.checked_mul(n / g).ok_or(Overflow)?;
        Ok(Exact::reduce(self.num / g, den))
    }

    pub fn plus(self, other: Exact) -> Result<Exact, Overflow> {
        let den = self.den.checked_mul(other.den).ok_or(Overflow)?;
        let a = self.num.checked_mul(other.den).ok_or(Overflow)?;
        let b = other.num.checked_mul(self.den).ok_or(Overflow)?;
        Ok(Exact::reduce(a.checked_add(b).ok_or(Overflow)?, den))
    }

    /// Rounds to a whole unit, half away from zero (0.5 fen → 1 fen, −0.5 → −1): the one
    /// rounding of a pay component.
    pub fn round(self) -> Result<i64, Overflow> {
        let q = self.num.abs() / self.den;
        let r = self.num.abs() % self.den;
        let q = if 2 * r >= self.den { q + 1 } else { q };
        let q = if self.num < 0 { -q } else { q };
        i64::try_from(q).map_err(|_| Overflow)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn parses_percent_and_plain() {
        assert_eq!(
            d("55%"),
            Decimal {
                mantissa: 55,
                scale: 2
            }
        );
        assert_eq!(
            d("0.8%"),
            Decimal {
                mantissa: 8,
                scale: 3
            }
        );
        assert_eq!(
            d("1.120"),
            Decimal {
                mantissa: 112,
                scale: 2
            }
        );
        assert_eq!(d("150,000").to_fixed(2), Some(15_000_000));
        assert_eq!(d("-3").mantissa, -3);
        assert_eq!(Decimal::from_f64(0.55), Ok(d("55%")));
        assert_eq!(d("0.5%").percent(), "0.5%");
        assert_eq!(d("130%").percent(), "130%");
        assert_eq!(d("1").percent(), "100%");
        assert_eq!(d("0.005").to_string(), "0.005");
        for bad in ["", "%", "abc", "1.2.3", "1e3", "0.000000001", "--1"] {
            assert!(Decimal::parse(bad).is_err(), "{bad}");
        }
        assert!(Decimal::parse("99999999999999999999999999999999").is_err());
    }

    #[test]
    fn a_comma_separates_thousands_only() {
        assert_eq!(d("1,000.5").to_fixed(1), Some(10_005));
        assert_eq!(d("1,234,567").to_fixed(0), Some(1_234_567));
        assert_eq!(d("150_000").to_fixed(0), Some(150_000));
        // were 15, 8% and 150000
        for bad in [
            "1,5", "0,8%", "1,50,000", ",5", "1,", "1,0000", "1,000,00", "1__000",
        ] {
            assert!(
                matches!(Decimal::parse(bad), Err(DecimalError::BadSeparator(_))),
                "{bad}: {:?}",
                Decimal::parse(bad)
            );
        }
    }

    #[test]
    fn rounds_half_away_from_zero_once() {
        // 12345 fen × 0.5% = 61.725 fen → 62 fen
        let x = Exact::int(12_345).mul_dec(d("0.5%")).unwrap();
        assert_eq!(x.round(), Ok(62));
        // 100 × 0.5% = 0.5 → 1; −0.5 → −1; 0.49… → 0
        assert_eq!(Exact::int(100).mul_dec(d("0.5%")).unwrap().round(), Ok(1));
        assert_eq!(Exact::int(-100).mul_dec(d("0.5%")).unwrap().round(), Ok(-1));
        assert_eq!(Exact::int(99).mul_dec(d("0.5%")).unwrap().round(), Ok(0));
        // a third of 100 fen, three times, is exactly 100 before rounding
        let third = Exact::int(100).div_int(3).unwrap();
        let sum = third.plus(third).unwrap().plus(third).unwrap();
        assert_eq!(sum.round(), Ok(100));
        assert_eq!(third.div_int(0), Err(Overflow));
    }
}
