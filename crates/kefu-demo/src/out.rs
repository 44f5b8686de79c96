//! Hand-written number/time formatting and a buffered CSV sink.

use std::fs::File;
use std::io::{self, Write};
use std::path::Path;

const PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// Append the two decimal digits of `v < 100`.
#[inline]
pub(crate) fn push2(buf: &mut Vec<u8>, v: u32) {
    let i = (v as usize % 100) * 2;
    buf.extend_from_slice(&PAIRS[i..i + 2]);
}

/// Append `v` in decimal.
#[inline]
pub(crate) fn push_u64(buf: &mut Vec<u8>, mut v: u64) {
    let mut tmp = [0u8; 20];
    let mut i = tmp.len();
    while v >= 100 {
        let r = (v % 100) as usize * 2;
        v /= 100;
        i -= 2;
        tmp[i..i + 2].copy_from_slice(&PAIRS[r..r + 2]);
    }
    if v >= 10 {
        let r = v as usize * 2;
        i -= 2;
        tmp[i..i + 2].copy_from_slice(&PAIRS[r..r + 2]);
    } else {
        i -= 1;
        tmp[i] = b'0' + v as u8;
    }
    buf.extend_from_slice(&tmp[i..]);
}

/// Append `v` in decimal, left-padded with zeros to at least `width` digits.
pub(crate) fn push_padded(buf: &mut Vec<u8>, v: u64, width: usize) {
    let mut digits = 1;
    let mut x = v;
    while x >= 10 {
        x /= 10;
        digits += 1;
    }
    for _ in digits..width {
        buf.push(b'0');
    }
    push_u64(buf, v);
}

/// Append integer cents as yuan with two decimals (`399900` → `3999.00`).
#[inline]
pub(crate) fn push_money(buf: &mut Vec<u8>, cents: u64) {
    push_u64(buf, cents / 100);
    buf.push(b'.');
    push2(buf, (cents % 100) as u32);
}

/// Append `HH:MM:SS` of a second of the day.
#[inline]
pub(crate) fn push_hms(buf: &mut Vec<u8>, sod: u32) {
    push2(buf, sod / 3600);
    buf.push(b':');
    push2(buf, sod / 60 % 60);
    buf.push(b':');
    push2(buf, sod % 60);
}

/// Quote a CSV field if it needs it (RFC 4180).
pub(crate) fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// A file written through a large in-memory buffer.
pub(crate) struct Sink {
    file: File,
    pub(crate) buf: Vec<u8>,
}

const SINK_FLUSH: usize = 1 << 20;

impl Sink {
    pub(crate) fn create(path: &Path, header: &str) -> io::Result<Sink> {
        let file = File::create(path)?;
        let mut buf = Vec::with_capacity(SINK_FLUSH + (64 << 10));
        buf.extend_from_slice(header.as_bytes());
        buf.push(b'\n');
        Ok(Sink { file, buf })
    }

    /// Write the buffer out once it is large.
    #[inline]
    pub(crate) fn maybe_flush(&mut self) -> io::Result<()> {
        if self.buf.len() >= SINK_FLUSH {
            self.file.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }

    /// Append pre-formatted bytes.
    pub(crate) fn append(&mut self, bytes: &[u8]) -> io::Result<()> {
        if self.buf.len() + bytes.len() > SINK_FLUSH {
            self.file.write_all(&self.buf)?;
            self.buf.clear();
            if bytes.len() >= SINK_FLUSH {
                return self.file.write_all(bytes);
            }
        }
        self.buf.extend_from_slice(bytes);
        Ok(())
    }

    pub(crate) fn finish(mut self) -> io::Result<()> {
        self.file.write_all(&self.buf)?;
        self.buf.clear();
        self.file.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        let mut b = Vec::new();
        for v in [0u64, 7, 10, 99, 100, 12345, 1_000_000, u64::MAX] {
            b.clear();
            push_u64(&mut b, v);
            assert_eq!(String::from_utf8(b.clone()).unwrap(), v.to_string());
        }
        b.clear();
        push_padded(&mut b, 42, 7);
        assert_eq!(b, b"0000042");
        b.clear();
        push_padded(&mut b, 123_456_789, 7);
        assert_eq!(b, b"123456789");
        b.clear();
        push_money(&mut b, 399_900);
        b.push(b' ');
        push_money(&mut b, 2_990);
        b.push(b' ');
        push_money(&mut b, 5);
        assert_eq!(b, b"3999.00 29.90 0.05");
        b.clear();
        push_hms(&mut b, 86_399);
        assert_eq!(b, b"23:59:59");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("x\"y"), "\"x\"\"y\"");
        assert_eq!(csv_field("晨光旗舰店"), "晨光旗舰店");
    }
}
