//! Paths: `PID-5.1`, `PID-3(2).1`, `OBX[3]-5(1).2.1`, `MSH-9.2`, `PID.5.1`.

use crate::error::{PathError, PathErrorKind};
use core::fmt;

/// A location in a message, parsed from terser-style text.
///
/// `SEG[occurrence]-field(repetition).component.subcomponent`: every index
/// starts at 1; the occurrence and repetition are optional. `.` may stand
/// for `-` after the segment name (`PID.5.1`). MSH-1 is the field separator
/// and MSH-2 the encoding characters, as the standard numbers them.
///
/// ```
/// let p: pipehat::Path = "OBX[3]-5(2).1.2".parse().unwrap();
/// assert_eq!((p.segment(), p.occurrence(), p.field()), ("OBX", 3, 5));
/// assert_eq!((p.repetition(), p.component(), p.subcomponent()), (Some(2), Some(1), Some(2)));
/// assert_eq!(p.to_string(), "OBX[3]-5(2).1.2");
/// assert!("PID-0".parse::<pipehat::Path>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Path {
    segment: [u8; 3],
    occurrence: u32,
    field: u32,
    // 0 when not given (indexes start at 1): a path is 20 bytes, copied and
    // compared as plain numbers.
    repetition: u32,
    component: u32,
    subcomponent: u32,
}

/// `Some(n)` unless `n` is 0 (not given).
const fn given(n: u32) -> Option<u32> {
    if n == 0 {
        None
    } else {
        Some(n)
    }
}

impl Path {
    /// The same segment and field, without repetition or lower levels.
    #[cfg(feature = "alloc")]
    pub(crate) const fn field_path(&self) -> Path {
        Path {
            repetition: 0,
            component: 0,
            subcomponent: 0,
            ..*self
        }
    }

    /// The same path with repetition `n`.
    #[cfg(feature = "alloc")]
    pub(crate) const fn with_repetition(&self, n: u32) -> Path {
        Path {
            repetition: n,
            ..*self
        }
    }

    /// The same path, stopping at component level.
    #[cfg(feature = "alloc")]
    pub(crate) const fn without_subcomponent(&self) -> Path {
        Path {
            subcomponent: 0,
            ..*self
        }
    }

    /// Parses a segment alone, with its occurrence: `PV1`, `OBX[3]`.
    #[cfg(feature = "alloc")]
    pub(crate) fn parse_segment(text: &str) -> Result<(&str, u32), PathError> {
        let mut parser = Parser {
            bytes: text.as_bytes(),
            pos: 0,
        };
        let (_, occurrence) = parser.segment()?;
        if parser.pos != text.len() {
            return Err(parser.err(PathErrorKind::TrailingCharacters));
        }
        // The name is the text's first three bytes, ASCII letters or digits.
        Ok((&text[..3], occurrence))
    }

    /// Parses a path.
    pub fn parse(text: &str) -> Result<Path, PathError> {
        match Self::parse_plain(text.as_bytes()) {
            Some(path) => Ok(path),
            None => Parser {
                bytes: text.as_bytes(),
                pos: 0,
            }
            .path(),
        }
    }

    /// The usual shape, `SEG-F`, `SEG-F.C` or `SEG-F.C.S` with numbers of at
    /// most six digits, in one pass; `None` for anything else, which the full
    /// parser reads (and reports errors for). Reading a path by text on every
    /// call costs about as much as the read itself otherwise.
    fn parse_plain(bytes: &[u8]) -> Option<Path> {
        let [a, b, c, b'-' | b'.', rest @ ..] = bytes else {
            return None;
        };
        let segment = [*a, *b, *c];
        if !segment
            .iter()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        {
            return None;
        }
        let (mut numbers, mut level, mut value, mut digits) = ([0u32; 3], 0, 0u32, 0);
        for &byte in rest {
            if byte.is_ascii_digit() {
                value = value * 10 + u32::from(byte - b'0');
                digits += 1;
                if digits > 6 {
                    return None;
                }
            } else if byte == b'.' && value != 0 && level < 2 {
                numbers[level] = value;
                (level, value, digits) = (level + 1, 0, 0);
            } else {
                return None;
            }
        }
        if value == 0 {
            return None;
        }
        numbers[level] = value;
        let [field, component, subcomponent] = numbers;
        Some(Path {
            segment,
            occurrence: 1,
            field,
            repetition: 0,
            component,
            subcomponent,
        })
    }

    /// The segment name, e.g. `"PID"`.
    pub fn segment(&self) -> &str {
        // Only ASCII letters and digits are accepted when parsing.
        core::str::from_utf8(&self.segment).unwrap_or("")
    }
    /// The segment name as bytes.
    pub fn segment_bytes(&self) -> &[u8; 3] {
        &self.segment
    }
    /// Which occurrence of the segment (1 when not given).
    pub const fn occurrence(&self) -> u32 {
        self.occurrence
    }
    /// The field number (MSH-1 is the field separator).
    pub const fn field(&self) -> u32 {
        self.field
    }
    /// The repetition, when given; a path without one reads the whole field
    /// (all repetitions) when it stops at field level, and the first repetition otherwise.
    pub const fn repetition(&self) -> Option<u32> {
        given(self.repetition)
    }
    /// The component, when given.
    pub const fn component(&self) -> Option<u32> {
        given(self.component)
    }
    /// The subcomponent, when given.
    pub const fn subcomponent(&self) -> Option<u32> {
        given(self.subcomponent)
    }
}

impl core::str::FromStr for Path {
    type Err = PathError;
    fn from_str(s: &str) -> Result<Path, PathError> {
        Path::parse(s)
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.segment())?;
        if self.occurrence != 1 {
            write!(f, "[{}]", self.occurrence)?;
        }
        write!(f, "-{}", self.field)?;
        if let Some(r) = self.repetition() {
            write!(f, "({r})")?;
        }
        if let Some(c) = self.component() {
            write!(f, ".{c}")?;
        }
        if let Some(s) = self.subcomponent() {
            write!(f, ".{s}")?;
        }
        Ok(())
    }
}

/// Anything a message accessor takes as a path: text (`"PID-5.1"`) or a
/// [`Path`] parsed once and reused.
pub trait IntoPath {
    /// Parses or copies the path.
    fn into_path(self) -> Result<Path, PathError>;
}

impl IntoPath for Path {
    fn into_path(self) -> Result<Path, PathError> {
        Ok(self)
    }
}
impl IntoPath for &Path {
    fn into_path(self) -> Result<Path, PathError> {
        Ok(*self)
    }
}
impl IntoPath for &str {
    fn into_path(self) -> Result<Path, PathError> {
        Path::parse(self)
    }
}
#[cfg(feature = "alloc")]
impl IntoPath for &alloc::string::String {
    fn into_path(self) -> Result<Path, PathError> {
        Path::parse(self)
    }
}

struct Parser<'s> {
    bytes: &'s [u8],
    pos: usize,
}

impl Parser<'_> {
    fn err(&self, kind: PathErrorKind) -> PathError {
        PathError::new(kind, self.pos)
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn number(&mut self) -> Result<u32, PathError> {
        let start = self.pos;
        let mut value: u32 = 0;
        while let Some(d @ b'0'..=b'9') = self.peek() {
            // Past the limit the value stops growing (so it cannot overflow)
            // and is refused below.
            if value <= 1_000_000 {
                value = value * 10 + (d - b'0') as u32;
            }
            self.pos += 1;
        }
        if self.pos == start {
            return Err(self.err(PathErrorKind::ExpectedNumber));
        }
        if value == 0 || value > 1_000_000 {
            return Err(PathError::new(PathErrorKind::IndexOutOfRange, start));
        }
        Ok(value)
    }

    fn bracketed(&mut self, close: u8) -> Result<u32, PathError> {
        self.pos += 1;
        let n = self.number()?;
        if self.peek() != Some(close) {
            return Err(self.err(PathErrorKind::UnclosedBracket));
        }
        self.pos += 1;
        Ok(n)
    }

    /// The segment name and its occurrence (`OBX[3]`), where a path starts.
    fn segment(&mut self) -> Result<([u8; 3], u32), PathError> {
        let text = self.bytes;
        if text.is_empty() {
            return Err(self.err(PathErrorKind::Empty));
        }
        if text.len() < 3
            || !text[..3]
                .iter()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        {
            return Err(self.err(PathErrorKind::InvalidSegmentName));
        }
        let segment = [text[0], text[1], text[2]];
        self.pos = 3;
        let occurrence = if self.peek() == Some(b'[') {
            self.bracketed(b']')?
        } else {
            1
        };
        Ok((segment, occurrence))
    }

    fn path(mut self) -> Result<Path, PathError> {
        let (segment, occurrence) = self.segment()?;
        match self.peek() {
            Some(b'-' | b'.') => self.pos += 1,
            Some(b) if b.is_ascii_alphanumeric() => {
                return Err(self.err(PathErrorKind::InvalidSegmentName))
            }
            Some(_) => return Err(self.err(PathErrorKind::TrailingCharacters)),
            None => return Err(self.err(PathErrorKind::ExpectedNumber)),
        }
        let field = self.number()?;
        let repetition = if self.peek() == Some(b'(') {
            self.bracketed(b')')?
        } else {
            0
        };
        let mut levels = [0, 0];
        for level in levels.iter_mut() {
            if self.peek() != Some(b'.') {
                break;
            }
            self.pos += 1;
            *level = self.number()?;
        }
        match self.peek() {
            None => {}
            Some(b'.') => return Err(self.err(PathErrorKind::TooDeep)),
            Some(_) => return Err(self.err(PathErrorKind::TrailingCharacters)),
        }
        Ok(Path {
            segment,
            occurrence,
            field,
            repetition,
            component: levels[0],
            subcomponent: levels[1],
        })
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::string::ToString;

    fn err(text: &str) -> (PathErrorKind, usize) {
        let e = Path::parse(text).unwrap_err();
        (e.kind(), e.offset())
    }

    /// The one-pass reading of the usual shape gives what the full parser
    /// gives, and leaves everything else (errors included) to it: every
    /// string built from a few names and the characters paths are made of.
    #[test]
    fn the_plain_shape_reads_as_the_full_parser_reads_it() {
        let pieces = [
            "",
            "-",
            ".",
            "1",
            "0",
            "9",
            "12",
            "05",
            "999999",
            "1000000",
            "1000001",
            "4294967296",
            "(2)",
            "[2]",
            "a",
            " ",
        ];
        let mut plain = 0;
        for name in ["PID", "ZX1", "pid", "PI", "P-D"] {
            for a in pieces {
                for b in pieces {
                    for c in pieces {
                        for d in ["", ".", ".3", "x"] {
                            let text = std::format!("{name}{a}{b}{c}{d}");
                            let full = Parser {
                                bytes: text.as_bytes(),
                                pos: 0,
                            }
                            .path();
                            match Path::parse_plain(text.as_bytes()) {
                                Some(path) => {
                                    plain += 1;
                                    assert_eq!(Ok(path), full, "{text}");
                                }
                                None => assert_eq!(Path::parse(&text), full, "{text}"),
                            }
                        }
                    }
                }
            }
        }
        // The usual shapes did take the one-pass reading.
        assert!(plain > 300, "{plain}");
        assert!(Path::parse_plain(b"PID-5.1.2").is_some());
        assert!(Path::parse_plain(b"MSH-10").is_some());
    }

    #[test]
    fn forms() {
        let p = Path::parse("PID-5.1").unwrap();
        assert_eq!(
            (p.segment(), p.occurrence(), p.field(), p.component()),
            ("PID", 1, 5, Some(1))
        );
        assert_eq!(Path::parse("PID.5.1").unwrap(), p);
        let p = Path::parse("PID-3(2).1").unwrap();
        assert_eq!(
            (p.repetition(), p.component(), p.subcomponent()),
            (Some(2), Some(1), None)
        );
        let p = Path::parse("OBX[3]-5(1).2.1").unwrap();
        assert_eq!(p.occurrence(), 3);
        assert_eq!(p.subcomponent(), Some(1));
        let p = Path::parse("ZX1-2").unwrap();
        assert_eq!(p.segment(), "ZX1");
        assert_eq!(Path::parse("MSH-9.2").unwrap().to_string(), "MSH-9.2");
        assert_eq!(Path::parse("PID[1]-3(1)").unwrap().to_string(), "PID-3(1)");
    }

    #[test]
    fn errors_name_the_position() {
        assert_eq!(err(""), (PathErrorKind::Empty, 0));
        assert_eq!(err("pid-5"), (PathErrorKind::InvalidSegmentName, 0));
        assert_eq!(err("PI"), (PathErrorKind::InvalidSegmentName, 0));
        assert_eq!(err("PIDX-1"), (PathErrorKind::InvalidSegmentName, 3));
        assert_eq!(err("PID"), (PathErrorKind::ExpectedNumber, 3));
        assert_eq!(err("PID-"), (PathErrorKind::ExpectedNumber, 4));
        assert_eq!(err("PID-0"), (PathErrorKind::IndexOutOfRange, 4));
        assert_eq!(err("PID-5.0"), (PathErrorKind::IndexOutOfRange, 6));
        assert_eq!(err("PID-3(2"), (PathErrorKind::UnclosedBracket, 7));
        assert_eq!(err("OBX[3-5"), (PathErrorKind::UnclosedBracket, 5));
        assert_eq!(err("PID-5.1.1.1"), (PathErrorKind::TooDeep, 9));
        assert_eq!(err("PID-5x"), (PathErrorKind::TrailingCharacters, 5));
        assert_eq!(err("PID-99999999999"), (PathErrorKind::IndexOutOfRange, 4));
        assert_eq!(err("PID 5"), (PathErrorKind::TrailingCharacters, 3));
    }
}
