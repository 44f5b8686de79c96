//! Text encoding: UTF-8 (with or without BOM) or GB18030, a superset of GBK.

use kefu_core::localized::Said;

use crate::Encoding;

/// A file's text, decoded, with what was noticed on the way.
pub(crate) struct Decoded {
    text: String,
    pub encoding: Encoding,
    pub warning: Option<Said>,
}

impl Decoded {
    /// The text without a byte-order mark.
    pub fn text(&self) -> &str {
        self.text.strip_prefix('\u{feff}').unwrap_or(&self.text)
    }
}

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Decodes a whole file. The rule of `formats.md`: a UTF-8 BOM, or bytes that are valid UTF-8
/// throughout, mean UTF-8; anything else is GB18030. `forced` overrides the guess. Bytes that
/// are invalid in the chosen encoding become U+FFFD and are reported in a warning.
pub(crate) fn decode(bytes: Vec<u8>, forced: Option<Encoding>) -> Decoded {
    // One validation pass serves both the guess and the conversion (files can be 1 GB, and
    // the standard library's check is slow on Chinese text, hence simdutf8).
    let valid = match simdutf8::basic::from_utf8(&bytes) {
        // SAFETY: simdutf8 has just validated these very bytes as UTF-8.
        Ok(_) => Ok(unsafe { String::from_utf8_unchecked(bytes) }),
        Err(_) => Err(bytes),
    };
    let encoding = forced.unwrap_or(match &valid {
        Ok(_) => Encoding::Utf8,
        Err(b) if b.starts_with(UTF8_BOM) => Encoding::Utf8,
        Err(_) => Encoding::Gb18030,
    });
    let (text, warning) = match (encoding, valid) {
        (Encoding::Utf8, Ok(s)) => (s, None),
        (Encoding::Utf8, Err(bytes)) => {
            let s = String::from_utf8_lossy(&bytes).into_owned();
            let w = Said::new(
                "文件并非全部是有效的 UTF-8：无效的字节已替换为 U+FFFD（如果是 GBK 编码，\
                 请让 kefu 自动识别编码，或选择 gbk）",
                "the file is not valid UTF-8 throughout: invalid bytes were replaced with \
                 U+FFFD (is it GBK? then leave the encoding to be detected, or choose gbk)",
            );
            (s, Some(w))
        }
        (Encoding::Gb18030, valid) => {
            let bytes = match &valid {
                Ok(s) => s.as_bytes(),
                Err(b) => b.as_slice(),
            };
            let (cow, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(bytes);
            let w = had_errors.then(|| {
                Said::new(
                    "文件既不是有效的 UTF-8，也不是有效的 GB18030/GBK：无法解码的字节已替换为 \
                     U+FFFD",
                    "the file is neither valid UTF-8 nor valid GB18030/GBK: undecodable bytes \
                     were replaced with U+FFFD",
                )
            });
            (cow.into_owned(), w)
        }
    };
    Decoded {
        text,
        encoding,
        warning,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects() {
        let d = decode(b"\xEF\xBB\xBFa,b\n".to_vec(), None);
        assert_eq!((d.text(), d.encoding), ("a,b\n", Encoding::Utf8));
        let (gbk, _, _) = encoding_rs::GBK.encode("买家,客服\n");
        let d = decode(gbk.into_owned(), None);
        assert_eq!((d.text(), d.encoding), ("买家,客服\n", Encoding::Gb18030));
        assert!(d.warning.is_none());
        let d = decode("买家".as_bytes().to_vec(), None);
        assert_eq!(d.encoding, Encoding::Utf8);
        let d = decode(vec![0xff, 0xfe, b'a'], Some(Encoding::Utf8));
        let w = d.warning.expect("a warning for the bad bytes");
        assert!(w.en.starts_with("the file is not valid UTF-8"), "{w:?}");
        assert!(w.zh.starts_with("文件并非全部是有效的 UTF-8"), "{w:?}");
    }
}
