//! Character sets: MSH-18, and turning field bytes into text.

use crate::charset_tables::{ISO_8859_HIGH, WINDOWS_1252_C1};

/// The character set a message declares in MSH-18 (HL7 table 0211).
///
/// Text is decoded lazily, one value at a time. Whatever is declared, bytes
/// that form valid UTF-8 are read as UTF-8 (a feed that declares `8859/1` but
/// sends UTF-8 is common), and bytes that do not are read with the declared
/// single-byte table, or as Windows-1252 when the declaration is UTF-8,
/// ASCII, missing or unsupported. Decoding never fails: raw bytes stay
/// available through `as_bytes()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Charset {
    /// MSH-18 is empty: UTF-8 when valid, else Windows-1252.
    #[default]
    Unspecified,
    /// `ASCII`.
    Ascii,
    /// `8859/1` … `8859/16`: the part number.
    Iso8859(u8),
    /// `UNICODE UTF-8`.
    Utf8,
    /// `WINDOWS-1252` / `CP1252`: not in table 0211, but sent by real feeds.
    Windows1252,
    /// Anything else (`UNICODE UTF-16`, `ISO IR87`, `BIG-5`, …): read as UTF-8 when valid.
    Unsupported,
}

impl Charset {
    /// Reads an MSH-18 value; the first repetition counts. Case and
    /// surrounding spaces are ignored.
    pub fn from_msh18(value: &[u8]) -> Charset {
        let first = value.split(|&b| b == b'~').next().unwrap_or(&[]);
        let v = trim(first);
        if v.is_empty() {
            return Charset::Unspecified;
        }
        let eq = |s: &str| v.eq_ignore_ascii_case(s.as_bytes());
        if eq("ASCII") || eq("US-ASCII") {
            return Charset::Ascii;
        }
        if eq("UNICODE UTF-8") || eq("UTF-8") || eq("UTF8") || eq("UNICODE") {
            return Charset::Utf8;
        }
        if eq("WINDOWS-1252") || eq("CP1252") || eq("WINDOWS1252") {
            return Charset::Windows1252;
        }
        for prefix in [
            &b"8859/"[..],
            b"ISO-8859-",
            b"ISO8859-",
            b"ISO 8859-",
            b"ISO_8859-",
        ] {
            if v.len() > prefix.len() && v[..prefix.len()].eq_ignore_ascii_case(prefix) {
                let digits = &v[prefix.len()..];
                if digits.len() <= 2 && digits.iter().all(u8::is_ascii_digit) {
                    let n = digits.iter().fold(0u8, |acc, d| acc * 10 + (d - b'0'));
                    if (n as usize) < ISO_8859_HIGH.len() && ISO_8859_HIGH[n as usize].is_some() {
                        return Charset::Iso8859(n);
                    }
                }
            }
        }
        Charset::Unsupported
    }

    /// The HL7 name of this charset (`"UNICODE UTF-8"`, `"8859/1"`, …), or
    /// `None` for [`Unspecified`](Charset::Unspecified) and [`Unsupported`](Charset::Unsupported).
    pub fn name(self) -> Option<&'static str> {
        const ISO: [&str; 17] = [
            "", "8859/1", "8859/2", "8859/3", "8859/4", "8859/5", "8859/6", "8859/7", "8859/8",
            "8859/9", "8859/10", "8859/11", "", "8859/13", "8859/14", "8859/15", "8859/16",
        ];
        match self {
            Charset::Ascii => Some("ASCII"),
            Charset::Utf8 => Some("UNICODE UTF-8"),
            Charset::Windows1252 => Some("WINDOWS-1252"),
            Charset::Iso8859(n) => ISO.get(n as usize).copied().filter(|s| !s.is_empty()),
            Charset::Unspecified | Charset::Unsupported => None,
        }
    }

    /// How bytes that are not valid UTF-8 are read under this charset.
    pub(crate) fn fallback_char(self, byte: u8) -> char {
        let cp = match self {
            Charset::Iso8859(n) if n != 1 => match ISO_8859_HIGH.get(n as usize) {
                Some(Some(table)) if byte >= 0xA0 => table[(byte - 0xA0) as usize] as u32,
                _ => windows_1252(byte),
            },
            _ => windows_1252(byte),
        };
        char::from_u32(cp).unwrap_or(char::REPLACEMENT_CHARACTER)
    }

    /// Whether `bytes` decode without a fallback or a mismatch diagnostic.
    pub(crate) fn check(self, bytes: &[u8]) -> Option<crate::DiagnosticCode> {
        use crate::DiagnosticCode::*;
        if bytes.is_ascii() {
            return None;
        }
        let utf8 = core::str::from_utf8(bytes).is_ok();
        match self {
            Charset::Unsupported => Some(UnsupportedCharset),
            Charset::Iso8859(_) | Charset::Ascii | Charset::Windows1252 if utf8 => {
                Some(CharsetMismatch)
            }
            Charset::Iso8859(_) | Charset::Windows1252 => None,
            _ if utf8 => None,
            _ => Some(CharsetFallback),
        }
    }
}

fn windows_1252(byte: u8) -> u32 {
    if (0x80..0xA0).contains(&byte) {
        WINDOWS_1252_C1[(byte - 0x80) as usize] as u32
    } else {
        byte as u32
    }
}

fn trim(mut v: &[u8]) -> &[u8] {
    while let [b' ', rest @ ..] = v {
        v = rest;
    }
    while let [rest @ .., b' '] = v {
        v = rest;
    }
    v
}

#[cfg(feature = "alloc")]
pub(crate) fn decode(bytes: &[u8], charset: Charset) -> alloc::borrow::Cow<'_, str> {
    use alloc::borrow::Cow;
    use alloc::string::String;
    if let Some(text) = crate::parse::simd_search::ascii_str(bytes) {
        return Cow::Borrowed(text);
    }
    match core::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => {
            let mut out = String::with_capacity(bytes.len() + bytes.len() / 2);
            out.extend(bytes.iter().map(|&b| {
                if b < 0x80 {
                    b as char
                } else {
                    charset.fallback_char(b)
                }
            }));
            Cow::Owned(out)
        }
    }
}

/// Turns text into the bytes a message in `charset` holds: UTF-8 unless the
/// message declares a single-byte set (ISO 8859 or Windows-1252) and its bytes
/// are not already UTF-8. `Err` carries the first character the set cannot hold.
#[cfg(feature = "alloc")]
pub(crate) fn encode<'t>(
    text: &'t str,
    charset: Charset,
    message_is_utf8: bool,
) -> Result<alloc::borrow::Cow<'t, [u8]>, char> {
    use alloc::borrow::Cow;
    if text.is_ascii() {
        return Ok(Cow::Borrowed(text.as_bytes()));
    }
    let single_byte = matches!(charset, Charset::Iso8859(_) | Charset::Windows1252);
    if charset == Charset::Ascii && !message_is_utf8 {
        return Err(text.chars().find(|c| !c.is_ascii()).unwrap_or('\0'));
    }
    if !single_byte || message_is_utf8 {
        return Ok(Cow::Borrowed(text.as_bytes()));
    }
    let mut out = alloc::vec::Vec::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c as u8);
            continue;
        }
        let byte = (0x80u8..=0xFF).find(|&b| {
            let decoded = match charset {
                Charset::Iso8859(1) => b as u32,
                Charset::Iso8859(_) if b < 0xA0 => u32::MAX,
                _ => charset.fallback_char(b) as u32,
            };
            decoded == c as u32 && c != char::REPLACEMENT_CHARACTER
        });
        match byte {
            Some(b) => out.push(b),
            None => return Err(c),
        }
    }
    Ok(Cow::Owned(out))
}

#[cfg(all(test, feature = "alloc"))]
mod tests {
    use super::*;

    #[test]
    fn msh18_names() {
        assert_eq!(Charset::from_msh18(b""), Charset::Unspecified);
        assert_eq!(Charset::from_msh18(b"UNICODE UTF-8"), Charset::Utf8);
        assert_eq!(Charset::from_msh18(b"8859/1"), Charset::Iso8859(1));
        assert_eq!(Charset::from_msh18(b"8859/15"), Charset::Iso8859(15));
        assert_eq!(Charset::from_msh18(b"8859/12"), Charset::Unsupported);
        assert_eq!(Charset::from_msh18(b" ascii "), Charset::Ascii);
        assert_eq!(Charset::from_msh18(b"UNICODE UTF-16"), Charset::Unsupported);
        assert_eq!(Charset::from_msh18(b"8859/1~8859/7"), Charset::Iso8859(1));
        assert_eq!(Charset::Iso8859(7).name(), Some("8859/7"));
    }

    #[test]
    fn decoding_prefers_valid_utf8_then_the_declared_table() {
        assert_eq!(decode("MÜLLER".as_bytes(), Charset::Iso8859(1)), "MÜLLER");
        assert_eq!(decode(b"ELAB\x963", Charset::Unspecified), "ELAB–3");
        assert_eq!(decode(b"M\xdcLLER", Charset::Iso8859(1)), "MÜLLER");
        // 0xA4 is the currency sign in 8859-1 but the euro sign in 8859-15.
        assert_eq!(decode(b"\xa4", Charset::Iso8859(15)), "€");
        // 8859-7 is Greek.
        assert_eq!(decode(b"\xe1", Charset::Iso8859(7)), "α");
        // 8859-3 leaves 0xA5 unassigned.
        assert_eq!(decode(b"\xa5", Charset::Iso8859(3)), "\u{FFFD}");
    }

    #[test]
    fn check_reports_fallbacks_and_mismatches() {
        use crate::DiagnosticCode::*;
        assert_eq!(Charset::Utf8.check(b"plain"), None);
        assert_eq!(Charset::Utf8.check(b"\xff"), Some(CharsetFallback));
        assert_eq!(
            Charset::Iso8859(1).check("Ü".as_bytes()),
            Some(CharsetMismatch)
        );
        assert_eq!(Charset::Iso8859(1).check(b"\xdc"), None);
        assert_eq!(
            Charset::Unsupported.check("Ü".as_bytes()),
            Some(UnsupportedCharset)
        );
    }
}
