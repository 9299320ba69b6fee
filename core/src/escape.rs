//! Escape sequences: `\F\ \S\ \T\ \R\ \E\ \P\`, `\Xhh..\`, formatting commands
//! (`\.br\`, `\.sp\`, …), highlighting (`\H\ \N\`), and the ones kept as written
//! (`\Cxxyy\`, `\Mxxyyzz\`, `\Zxx\`).
//!
//! Decoding is one pass over a value's bytes and never runs twice on the same
//! text. A malformed or unterminated sequence is kept exactly as written and
//! reported; it never fails and never panics.
//!
//! | sequence | decodes to |
//! |---|---|
//! | `\F\` `\S\` `\T\` `\R\` `\E\` | the field, component, subcomponent, repetition, escape character |
//! | `\P\` | the truncation character (`#` when MSH-2 declares none) |
//! | `\Xhhhh\` | the bytes `hh hh` (then read in the message's character set) |
//! | `\.br\` | a line feed `\n` |
//! | `\.sp\`, `\.sp n\` | `n` line feeds (1 by default, at most 100) |
//! | `\.sk n\` | `n` spaces (1 by default, at most 100) |
//! | `\.fi\ \.nf\ \.ce\ \.in n\ \.ti n\`, `\H\ \N\` | nothing (layout and highlighting hints) |
//! | `\Cxxyy\ \Mxxyyzz\ \Zxx\` | kept as written (character-set switches and local escapes) |

use crate::Delimiters;

/// Where decoded pieces go.
pub(crate) trait Sink {
    fn bytes(&mut self, bytes: &[u8]);
    fn byte(&mut self, byte: u8) {
        self.bytes(&[byte]);
    }
    fn malformed(&mut self, _offset: usize) {}
}

const MAX_REPEAT: usize = 100;

/// Decodes `raw` into `sink`. Returns without output for the bytes of
/// sequences that decode to nothing.
pub(crate) fn decode_to<S: Sink>(raw: &[u8], delims: &Delimiters, sink: &mut S) {
    let esc = delims.escape();
    let mut literal_start = 0;
    let mut i = 0;
    while let Some(pos) = memchr::memchr(esc, &raw[i..]) {
        let open = i + pos;
        sink.bytes(&raw[literal_start..open]);
        let Some(len) = memchr::memchr(esc, &raw[open + 1..]) else {
            sink.malformed(open);
            sink.bytes(&raw[open..]);
            return;
        };
        let close = open + 1 + len;
        let seq = &raw[open + 1..close];
        if seq
            .iter()
            .any(|&b| b == delims.field() || delims.splits_field(b))
        {
            // Not a sequence: an escape character standing alone before a separator.
            sink.malformed(open);
            sink.byte(esc);
            literal_start = open + 1;
            i = open + 1;
            continue;
        }
        if !decode_sequence(seq, delims, sink) {
            sink.malformed(open);
            sink.bytes(&raw[open..=close]);
        }
        literal_start = close + 1;
        i = close + 1;
    }
    sink.bytes(&raw[literal_start..]);
}

/// Emits the decoding of one sequence (without its escape characters);
/// returns `false` when the sequence is malformed.
fn decode_sequence<S: Sink>(seq: &[u8], delims: &Delimiters, sink: &mut S) -> bool {
    match seq {
        b"F" => sink.byte(delims.field()),
        b"S" => sink.byte(delims.component()),
        b"T" => sink.byte(delims.subcomponent()),
        b"R" => sink.byte(delims.repetition()),
        b"E" => sink.byte(delims.escape()),
        b"P" => sink.byte(delims.truncation().unwrap_or(b'#')),
        b"H" | b"N" => {}
        [b'X', hex @ ..] => {
            if hex.is_empty() || hex.len() % 2 != 0 || !hex.iter().all(u8::is_ascii_hexdigit) {
                return false;
            }
            for pair in hex.chunks_exact(2) {
                sink.byte(hex_value(pair[0]) << 4 | hex_value(pair[1]));
            }
        }
        [b'C', rest @ ..] if rest.len() == 4 && rest.iter().all(u8::is_ascii_hexdigit) => {
            keep(seq, delims, sink)
        }
        [b'M', rest @ ..]
            if (rest.len() == 4 || rest.len() == 6) && rest.iter().all(u8::is_ascii_hexdigit) =>
        {
            keep(seq, delims, sink)
        }
        [b'Z', ..] => keep(seq, delims, sink),
        [b'.', command @ ..] => return formatting(command, sink),
        _ => return false,
    }
    true
}

fn keep<S: Sink>(seq: &[u8], delims: &Delimiters, sink: &mut S) {
    sink.byte(delims.escape());
    sink.bytes(seq);
    sink.byte(delims.escape());
}

fn formatting<S: Sink>(command: &[u8], sink: &mut S) -> bool {
    if command.len() < 2 {
        return false;
    }
    let (name, arg) = command.split_at(2);
    let arg = trim_spaces(arg);
    let count = || -> Option<usize> {
        if arg.is_empty() {
            return Some(1);
        }
        let digits = arg.strip_prefix(b"+").unwrap_or(arg);
        if digits.is_empty() || digits.len() > 6 || !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        Some(
            digits
                .iter()
                .fold(0usize, |n, d| n * 10 + (d - b'0') as usize)
                .min(MAX_REPEAT),
        )
    };
    match name {
        b"br" if arg.is_empty() => sink.byte(b'\n'),
        b"sp" => match count() {
            Some(n) => (0..n).for_each(|_| sink.byte(b'\n')),
            None => return false,
        },
        b"sk" => match count() {
            Some(n) => (0..n).for_each(|_| sink.byte(b' ')),
            None => return false,
        },
        b"fi" | b"nf" | b"ce" if arg.is_empty() => {}
        b"in" | b"ti" => {
            let digits = arg
                .strip_prefix(b"+")
                .or_else(|| arg.strip_prefix(b"-"))
                .unwrap_or(arg);
            if !digits.iter().all(u8::is_ascii_digit) {
                return false;
            }
        }
        _ => return false,
    }
    true
}

fn trim_spaces(mut v: &[u8]) -> &[u8] {
    while let [b' ', rest @ ..] = v {
        v = rest;
    }
    v
}

fn hex_value(d: u8) -> u8 {
    match d {
        b'0'..=b'9' => d - b'0',
        b'a'..=b'f' => d - b'a' + 10,
        _ => d - b'A' + 10,
    }
}

/// Whether `raw` holds any escape character at all (then decoding is a copy).
#[inline]
pub(crate) fn has_escape(raw: &[u8], delims: &Delimiters) -> bool {
    // Values are mostly short: a plain loop beats a SIMD search's set-up there.
    if raw.len() <= 32 {
        return raw.contains(&delims.escape());
    }
    memchr::memchr(delims.escape(), raw).is_some()
}

/// The caller's buffer was too small for [`decode_into`]; nothing is lost:
/// decode again with a buffer of at least [`needed`](Self::needed) bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BufferTooSmall {
    needed: usize,
}

impl BufferTooSmall {
    pub(crate) const fn new(needed: usize) -> Self {
        BufferTooSmall { needed }
    }

    /// How many bytes the decoded value needs.
    pub const fn needed(&self) -> usize {
        self.needed
    }
}

impl core::fmt::Display for BufferTooSmall {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "the output buffer is too small: {} bytes needed",
            self.needed
        )
    }
}

/// Decodes the escape sequences of `raw` into `out` without allocating, and
/// returns the number of bytes written. Works without the `alloc` feature.
///
/// ```
/// let mut buf = [0u8; 32];
/// let n = pipehat::escape::decode_into(br"Hives\T\Rash", &pipehat::Delimiters::default(), &mut buf).unwrap();
/// assert_eq!(&buf[..n], b"Hives&Rash");
/// ```
pub fn decode_into(
    raw: &[u8],
    delims: &Delimiters,
    out: &mut [u8],
) -> Result<usize, BufferTooSmall> {
    struct Slice<'o> {
        out: &'o mut [u8],
        len: usize,
    }
    impl Sink for Slice<'_> {
        fn bytes(&mut self, bytes: &[u8]) {
            let end = self.len + bytes.len();
            if end <= self.out.len() {
                self.out[self.len..end].copy_from_slice(bytes);
            }
            self.len = end;
        }
    }
    let mut sink = Slice { out, len: 0 };
    decode_to(raw, delims, &mut sink);
    if sink.len > sink.out.len() {
        Err(BufferTooSmall { needed: sink.len })
    } else {
        Ok(sink.len)
    }
}

/// Decodes the escape sequences of `raw`, borrowing when there are none.
///
/// ```
/// use pipehat::Delimiters;
/// let d = Delimiters::default();
/// assert_eq!(&*pipehat::escape::decode(br"Pain \F\ nausea", &d), b"Pain | nausea");
/// assert_eq!(&*pipehat::escape::decode(br"\E\T\E\", &d), br"\T\"); // decoded once, not twice
/// ```
#[cfg(feature = "alloc")]
pub fn decode<'a>(raw: &'a [u8], delims: &Delimiters) -> alloc::borrow::Cow<'a, [u8]> {
    use alloc::borrow::Cow;
    use alloc::vec::Vec;
    if !has_escape(raw, delims) {
        return Cow::Borrowed(raw);
    }
    let mut out = Vec::with_capacity(raw.len());
    decode_to(raw, delims, &mut out);
    Cow::Owned(out)
}

/// Escapes `text` for writing into a value: each delimiter becomes its
/// sequence (`|` → `\F\`, `^` → `\S\`, `&` → `\T\`, `~` → `\R\`, the
/// escape character → `\E\`, a declared truncation character → `\P\`) and
/// line breaks (`\r\n`, `\n` or `\r`) become `\.br\`. Everything else is
/// copied, so text that [`decode`] produced escapes back to the sequences it
/// came from, and already-escaped text is never escaped twice by pipehat
/// itself: only values it is handed as text are escaped, once.
///
/// ```
/// use pipehat::Delimiters;
/// let d = Delimiters::default();
/// let mut out = Vec::new();
/// pipehat::escape::encode_into(b"Hives&Rash|x", &d, &mut out);
/// assert_eq!(out, br"Hives\T\Rash\F\x");
/// assert_eq!(&*pipehat::escape::decode(&out, &d), b"Hives&Rash|x");
/// ```
#[cfg(feature = "alloc")]
pub fn encode_into(text: &[u8], delims: &Delimiters, out: &mut alloc::vec::Vec<u8>) {
    out.reserve(text.len());
    let mut i = 0;
    while i < text.len() {
        let b = text[i];
        let seq: &[u8] = if b == delims.field() {
            b"F"
        } else if b == delims.component() {
            b"S"
        } else if delims.has_subcomponent() && b == delims.subcomponent() {
            b"T"
        } else if b == delims.repetition() {
            b"R"
        } else if b == delims.escape() {
            b"E"
        } else if Some(b) == delims.truncation() {
            b"P"
        } else if b == b'\r' || b == b'\n' {
            if b == b'\r' && text.get(i + 1) == Some(&b'\n') {
                i += 1;
            }
            b".br"
        } else {
            out.push(b);
            i += 1;
            continue;
        };
        out.push(delims.escape());
        out.extend_from_slice(seq);
        out.push(delims.escape());
        i += 1;
    }
}

#[cfg(feature = "alloc")]
impl Sink for alloc::vec::Vec<u8> {
    fn bytes(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

/// Calls `report(offset)` for each malformed escape sequence in `raw`
/// (offsets relative to `raw`).
pub(crate) fn find_malformed(raw: &[u8], delims: &Delimiters, report: impl FnMut(usize)) {
    struct Report<F>(F);
    impl<F: FnMut(usize)> Sink for Report<F> {
        fn bytes(&mut self, _: &[u8]) {}
        fn malformed(&mut self, offset: usize) {
            (self.0)(offset)
        }
    }
    decode_to(raw, delims, &mut Report(report));
}

#[cfg(all(test, feature = "alloc"))]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    fn dec(raw: &[u8]) -> Vec<u8> {
        decode(raw, &Delimiters::default()).into_owned()
    }

    fn malformed(raw: &[u8]) -> Vec<usize> {
        let mut v = Vec::new();
        find_malformed(raw, &Delimiters::default(), |o| v.push(o));
        v
    }

    #[test]
    fn delimiter_escapes() {
        assert_eq!(dec(br"a\F\b\S\c\T\d\R\e\E\f"), br"a|b^c&d~e\f");
        assert_eq!(dec(br"\P\"), b"#");
        let d = Delimiters::new(b'|', b'^', b'~', b'\\', b'&', Some(b'@')).unwrap();
        assert_eq!(&*decode(br"\P\", &d), b"@");
    }

    #[test]
    fn never_decodes_twice() {
        assert_eq!(dec(br"\E\T\E\"), br"\T\");
        assert_eq!(dec(br"\E\E\E\"), br"\E\");
    }

    #[test]
    fn hex_and_formatting() {
        assert_eq!(dec(br"\X41\\X4243\"), b"ABC");
        assert_eq!(dec(br"line1\.br\line2"), b"line1\nline2");
        assert_eq!(dec(br"a\.sp 2\b"), b"a\n\nb");
        assert_eq!(dec(br"a\.sp\b"), b"a\nb");
        assert_eq!(dec(br"a\.sk 3\b"), b"a   b");
        assert_eq!(dec(br"\.ce\Title\.fi\\.nf\\.in +4\\.ti -2\x"), b"Titlex");
        assert_eq!(dec(br"\H\bold\N\"), b"bold");
        assert_eq!(dec(br"a\.sp 99999999\b"), br"a\.sp 99999999\b");
        assert_eq!(dec(br"\.sp 1000\").len(), MAX_REPEAT);
    }

    #[test]
    fn charset_escapes_are_kept() {
        assert_eq!(
            dec(br"\C2842\x\M2442\\M244228\\Zlocal\"),
            br"\C2842\x\M2442\\M244228\\Zlocal\"
        );
    }

    #[test]
    fn malformed_sequences_are_kept_and_reported() {
        assert_eq!(dec(br"a\Q\b"), br"a\Q\b");
        assert_eq!(malformed(br"a\Q\b"), [1]);
        assert_eq!(dec(br"unterminated \F"), br"unterminated \F");
        assert_eq!(malformed(br"unterminated \F"), [13]);
        assert_eq!(dec(br"\X4\"), br"\X4\");
        assert_eq!(dec(br"\\"), br"\\");
        assert_eq!(malformed(br"\F\ok\T\"), Vec::<usize>::new());
    }

    #[test]
    fn encode_round_trips_and_never_double_escapes() {
        let d = Delimiters::default();
        let enc = |t: &[u8]| {
            let mut v = Vec::new();
            encode_into(t, &d, &mut v);
            v
        };
        assert_eq!(enc(b"a|b^c&d~e\\f"), br"a\F\b\S\c\T\d\R\e\E\f");
        assert_eq!(enc(b"l1\r\nl2\nl3\rl4"), br"l1\.br\l2\.br\l3\.br\l4");
        // Decoded text of `\T\` is `&`, which encodes back to `\T\`, not `\E\T\E\`.
        assert_eq!(enc(&dec(br"\T\")), br"\T\");
        assert_eq!(dec(&enc(br"\T\")), br"\T\");
        let t = Delimiters::new(b'|', b'^', b'~', b'\\', b'&', Some(b'#')).unwrap();
        let mut v = Vec::new();
        encode_into(b"#1", &t, &mut v);
        assert_eq!(v, br"\P\1");
    }

    #[test]
    fn decode_into_reports_needed_size() {
        let mut small = [0u8; 3];
        let err = decode_into(br"abc\F\def", &Delimiters::default(), &mut small).unwrap_err();
        assert_eq!(err.needed(), 7);
        let mut buf = [0u8; 7];
        assert_eq!(
            decode_into(br"abc\F\def", &Delimiters::default(), &mut buf),
            Ok(7)
        );
        assert_eq!(&buf, b"abc|def");
    }
}
