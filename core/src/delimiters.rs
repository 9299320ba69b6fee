//! Delimiters: read from MSH-1/MSH-2 (or BHS/FHS), and the segment terminator.

use crate::error::{ErrorKind, ParseError};

/// The separator characters a message declares in its header.
///
/// `MSH|^~\&` declares the field separator `|`, then in MSH-2 the component
/// `^`, repetition `~`, escape `\` and subcomponent `&` characters; HL7 2.7
/// adds an optional fifth, the truncation character `#`.
///
/// ```
/// let d = pipehat::Delimiters::default();
/// assert_eq!((d.field(), d.component(), d.repetition(), d.escape(), d.subcomponent()),
///            (b'|', b'^', b'~', b'\\', b'&'));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Delimiters {
    field: u8,
    component: u8,
    repetition: u8,
    escape: u8,
    subcomponent: u8,
    truncation: Option<u8>,
    /// MSH-2 declared no subcomponent separator (`^~\\`): `subcomponent`
    /// then equals `component`, so components never split further.
    no_subcomponent: bool,
}

impl Default for Delimiters {
    fn default() -> Self {
        Delimiters {
            field: b'|',
            component: b'^',
            repetition: b'~',
            escape: b'\\',
            subcomponent: b'&',
            truncation: None,
            no_subcomponent: false,
        }
    }
}

impl Delimiters {
    /// Builds a delimiter set, checking that all characters differ and none is
    /// a segment terminator (`\r` or `\n`).
    pub fn new(
        field: u8,
        component: u8,
        repetition: u8,
        escape: u8,
        subcomponent: u8,
        truncation: Option<u8>,
    ) -> Result<Self, ParseError> {
        let d = Delimiters {
            field,
            component,
            repetition,
            escape,
            subcomponent,
            truncation,
            no_subcomponent: false,
        };
        d.check(0)?;
        Ok(d)
    }

    /// The delimiters written as MSH-1 and MSH-2 together, as a new message
    /// declares them: field, component, repetition, escape and subcomponent
    /// characters, and optionally the truncation character (`|^~\\&`,
    /// `|^~\\&#`). Fewer than five characters fail with
    /// `missing_encoding_characters`, more than six with
    /// `too_many_encoding_characters`, a repeated one with `duplicate_delimiter`.
    ///
    /// ```
    /// let d = pipehat::Delimiters::from_text("|^~\\&#")?;
    /// assert_eq!((d.field(), d.truncation()), (b'|', Some(b'#')));
    /// assert_eq!(pipehat::Delimiters::from_text("|^~").unwrap_err().code(), "missing_encoding_characters");
    /// # Ok::<(), pipehat::ParseError>(())
    /// ```
    pub fn from_text(text: &str) -> Result<Self, ParseError> {
        match *text.as_bytes() {
            [field, component, repetition, escape, subcomponent] => {
                Self::new(field, component, repetition, escape, subcomponent, None)
            }
            [field, component, repetition, escape, subcomponent, truncation] => Self::new(
                field,
                component,
                repetition,
                escape,
                subcomponent,
                Some(truncation),
            ),
            ref short if short.len() < 5 => Err(ParseError::new(
                ErrorKind::MissingEncodingCharacters,
                short.len(),
            )),
            _ => Err(ParseError::new(ErrorKind::TooManyEncodingCharacters, 6)),
        }
    }

    fn check(&self, offset: usize) -> Result<(), ParseError> {
        let mut all = [
            self.field,
            self.component,
            self.repetition,
            self.escape,
            self.subcomponent,
            0,
        ];
        let n = if let Some(t) = self.truncation {
            all[5] = t;
            6
        } else if self.no_subcomponent {
            4
        } else {
            5
        };
        for (i, &c) in all[..n].iter().enumerate() {
            if c == b'\r' || c == b'\n' {
                let kind = if i == 0 {
                    ErrorKind::InvalidFieldSeparator
                } else {
                    ErrorKind::MissingEncodingCharacters
                };
                return Err(ParseError::at(
                    kind,
                    offset + i,
                    0,
                    Some(if i == 0 { 1 } else { 2 }),
                ));
            }
            if all[..i].contains(&c) {
                return Err(ParseError::at(
                    ErrorKind::DuplicateDelimiter,
                    offset + i,
                    0,
                    Some(if i == 0 { 1 } else { 2 }),
                ));
            }
        }
        Ok(())
    }

    /// The field separator (MSH-1), `|` by default.
    pub const fn field(&self) -> u8 {
        self.field
    }
    /// The component separator, `^` by default.
    pub const fn component(&self) -> u8 {
        self.component
    }
    /// The repetition separator, `~` by default.
    pub const fn repetition(&self) -> u8 {
        self.repetition
    }
    /// The escape character, `\` by default.
    pub const fn escape(&self) -> u8 {
        self.escape
    }
    /// The subcomponent separator, `&` by default. When MSH-2 declares only
    /// three encoding characters this is the component separator, which never
    /// occurs inside a component: components then hold one subcomponent.
    pub const fn subcomponent(&self) -> u8 {
        self.subcomponent
    }
    /// Whether MSH-2 declared a subcomponent separator (false for `^~\\`).
    pub const fn has_subcomponent(&self) -> bool {
        !self.no_subcomponent
    }
    /// The truncation character (HL7 2.7+, `#`), when MSH-2 declares one.
    pub const fn truncation(&self) -> Option<u8> {
        self.truncation
    }

    /// Each delimiter by its name, in MSH-1/MSH-2 order: `field`,
    /// `component`, `repetition`, `escape`, `subcomponent` and `truncation`
    /// (`None` where MSH-2 declares none): what the bindings' `delimiters` hold.
    ///
    /// ```
    /// let d = pipehat::Delimiters::default();
    /// assert_eq!(d.by_name()[4], ("subcomponent", Some(b'&')));
    /// assert_eq!(d.by_name()[5], ("truncation", None));
    /// ```
    pub const fn by_name(&self) -> [(&'static str, Option<u8>); 6] {
        [
            ("field", Some(self.field)),
            ("component", Some(self.component)),
            ("repetition", Some(self.repetition)),
            ("escape", Some(self.escape)),
            (
                "subcomponent",
                if self.no_subcomponent {
                    None
                } else {
                    Some(self.subcomponent)
                },
            ),
            ("truncation", self.truncation),
        ]
    }

    /// The encoding characters as they appear in MSH-2 (4 or 5 bytes).
    pub fn encoding_characters(&self) -> ([u8; 5], usize) {
        let mut out = [
            self.component,
            self.repetition,
            self.escape,
            self.subcomponent,
            0,
        ];
        if self.no_subcomponent {
            return (out, 3);
        }
        match self.truncation {
            Some(t) => {
                out[4] = t;
                (out, 5)
            }
            None => (out, 4),
        }
    }

    /// Whether `byte` is one of the separators that split a field's content
    /// (repetition, component, subcomponent).
    #[inline]
    pub(crate) fn splits_field(&self, byte: u8) -> bool {
        byte == self.repetition || byte == self.component || byte == self.subcomponent
    }
}

/// How segments end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize),
    serde(rename_all = "lowercase")
)]
#[non_exhaustive]
pub enum SegmentTerminator {
    /// `\r`, as the standard says.
    Cr,
    /// `\n`, as files saved on Unix often have.
    Lf,
    /// `\r\n`, as files saved on Windows often have.
    CrLf,
}

impl SegmentTerminator {
    /// Every terminator, in the order of [`NAMES`](Self::NAMES).
    pub const ALL: [SegmentTerminator; 3] = [
        SegmentTerminator::Cr,
        SegmentTerminator::Lf,
        SegmentTerminator::CrLf,
    ];
    /// The terminators' names: `cr`, `lf`, `crlf`.
    pub const NAMES: [&'static str; 3] = ["cr", "lf", "crlf"];

    /// `"cr"`, `"lf"` or `"crlf"`.
    pub const fn name(self) -> &'static str {
        match self {
            SegmentTerminator::Cr => "cr",
            SegmentTerminator::Lf => "lf",
            SegmentTerminator::CrLf => "crlf",
        }
    }

    /// Reads a terminator by its name (`cr`, `lf`, `crlf`, any case) or as
    /// itself (`"\r"`, `"\n"`, `"\r\n"`): what the bindings' options take.
    ///
    /// ```
    /// use pipehat::SegmentTerminator;
    /// assert_eq!(SegmentTerminator::from_name("crlf"), Some(SegmentTerminator::CrLf));
    /// assert_eq!(SegmentTerminator::from_name("\n"), Some(SegmentTerminator::Lf));
    /// assert_eq!(SegmentTerminator::from_name("nl"), None);
    /// ```
    pub fn from_name(name: &str) -> Option<SegmentTerminator> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == name || t.name().eq_ignore_ascii_case(name))
    }

    /// `"\r"`, `"\n"` or `"\r\n"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            SegmentTerminator::Cr => "\r",
            SegmentTerminator::Lf => "\n",
            SegmentTerminator::CrLf => "\r\n",
        }
    }
}

/// What the header at the start of a message declares.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Header {
    pub delimiters: Delimiters,
    /// Offset of the first byte after MSH-2 (the field separator before MSH-3, or the end).
    pub after_encoding: usize,
    /// MSH-2 was `^~\\&`: the doubled escape character was collapsed.
    pub doubled_escape: bool,
}

/// True when `name` is a header segment name that declares delimiters.
pub(crate) fn is_header_name(name: &[u8]) -> bool {
    matches!(name, b"MSH" | b"BHS" | b"FHS")
}

/// Reads the delimiters from a header segment starting at `start`.
pub(crate) fn read_header(input: &[u8], start: usize) -> Result<Header, ParseError> {
    let rest = &input[start..];
    if rest.len() < 3 {
        let kind =
            if b"MSH".starts_with(rest) || b"BHS".starts_with(rest) || b"FHS".starts_with(rest) {
                ErrorKind::HeaderTooShort
            } else {
                ErrorKind::MissingHeader
            };
        return Err(ParseError::new(kind, start));
    }
    if !is_header_name(&rest[..3]) {
        return Err(ParseError::new(ErrorKind::MissingHeader, start));
    }
    let Some(&field) = rest.get(3) else {
        return Err(ParseError::at(
            ErrorKind::HeaderTooShort,
            start + 3,
            0,
            Some(1),
        ));
    };
    if field == b'\r' || field == b'\n' || field.is_ascii_alphanumeric() {
        return Err(ParseError::at(
            ErrorKind::InvalidFieldSeparator,
            start + 3,
            0,
            Some(1),
        ));
    }
    let enc_start = 4;
    let mut enc_end = enc_start;
    while enc_end < rest.len()
        && rest[enc_end] != field
        && rest[enc_end] != b'\r'
        && rest[enc_end] != b'\n'
    {
        enc_end += 1;
        if enc_end - enc_start > 5 {
            return Err(ParseError::at(
                ErrorKind::TooManyEncodingCharacters,
                start + enc_end - 1,
                0,
                Some(2),
            ));
        }
    }
    let mut enc = &rest[enc_start..enc_end];
    let mut doubled_escape = false;
    if enc.len() == 5 && enc[2] == enc[3] {
        // `^~\\&`: a source-code string literal left its escape doubled. Every
        // peer reads this as `^~\&`; so do we, with a diagnostic.
        doubled_escape = true;
    }
    match enc.len() {
        3 => {}
        0..=2 => {
            if enc_end == rest.len() && enc.is_empty() {
                return Err(ParseError::at(
                    ErrorKind::HeaderTooShort,
                    start + enc_end,
                    0,
                    Some(2),
                ));
            }
            return Err(ParseError::at(
                ErrorKind::MissingEncodingCharacters,
                start + enc_end,
                0,
                Some(2),
            ));
        }
        4 | 5 => {}
        _ => {
            return Err(ParseError::at(
                ErrorKind::TooManyEncodingCharacters,
                start + enc_start + 5,
                0,
                Some(2),
            ))
        }
    }
    let mut buf = [0u8; 5];
    if doubled_escape {
        buf[..3].copy_from_slice(&enc[..3]);
        buf[3] = enc[4];
        enc = &buf[..4];
    }
    let no_subcomponent = enc.len() == 3;
    let delimiters = Delimiters {
        field,
        component: enc[0],
        repetition: enc[1],
        escape: enc[2],
        subcomponent: if no_subcomponent { enc[0] } else { enc[3] },
        truncation: enc.get(4).copied(),
        no_subcomponent,
    };
    delimiters.check(start + 3)?;
    Ok(Header {
        delimiters,
        after_encoding: start + enc_end,
        doubled_escape,
    })
}

/// The terminator of the first segment: the first `\r`, `\n` or `\r\n` in
/// `input[from..end]` (a message of one segment counts as `\r`).
pub(crate) fn detect_terminator(input: &[u8], from: usize, end: usize) -> SegmentTerminator {
    let from = from.min(end);
    match memchr::memchr2(b'\r', b'\n', &input[from..end]) {
        Some(p) if input[from + p] == b'\n' => SegmentTerminator::Lf,
        Some(p) if input.get(from + p + 1) == Some(&b'\n') => SegmentTerminator::CrLf,
        _ => SegmentTerminator::Cr,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(input: &[u8]) -> ErrorKind {
        read_header(input, 0).expect_err("should fail").kind()
    }

    #[test]
    fn standard_and_unusual_sets() {
        let h = read_header(b"MSH|^~\\&|A", 0).unwrap();
        assert_eq!(h.delimiters, Delimiters::default());
        assert_eq!(h.after_encoding, 8);
        let h = read_header(b"MSH*!@$%*", 0).unwrap();
        let d = h.delimiters;
        assert_eq!(
            (
                d.field(),
                d.component(),
                d.repetition(),
                d.escape(),
                d.subcomponent()
            ),
            (b'*', b'!', b'@', b'$', b'%')
        );
        let h = read_header(b"MSH$%~\\&$", 0).unwrap();
        assert_eq!(h.delimiters.field(), b'$');
        assert_eq!(h.delimiters.component(), b'%');
        let h = read_header(b"MSH|^~\\&#|", 0).unwrap();
        assert_eq!(h.delimiters.truncation(), Some(b'#'));
        let h = read_header(b"MSH ^~\\& X", 0).unwrap();
        assert_eq!(h.delimiters.field(), b' ');
    }

    #[test]
    fn doubled_escape_is_collapsed() {
        let h = read_header(b"MSH|^~\\\\&|A", 0).unwrap();
        assert!(h.doubled_escape);
        assert_eq!(h.delimiters, Delimiters::default());
    }

    #[test]
    fn three_encoding_characters_mean_no_subcomponents() {
        let h = read_header(b"MSH|^~}|A", 0).unwrap();
        let d = h.delimiters;
        assert!(!d.has_subcomponent());
        assert_eq!(
            (d.component(), d.repetition(), d.escape(), d.subcomponent()),
            (b'^', b'~', b'}', b'^')
        );
        assert_eq!(d.encoding_characters().1, 3);
    }

    #[test]
    fn bad_headers() {
        assert_eq!(kind(b"MS"), ErrorKind::HeaderTooShort);
        assert_eq!(kind(b"MSH"), ErrorKind::HeaderTooShort);
        assert_eq!(kind(b"MSH|"), ErrorKind::HeaderTooShort);
        assert_eq!(kind(b"MSH|\r"), ErrorKind::MissingEncodingCharacters);
        assert_eq!(kind(b"PID|^~\\&|"), ErrorKind::MissingHeader);
        assert_eq!(kind(b"MSH|||"), ErrorKind::MissingEncodingCharacters);
        assert_eq!(kind(b"MSH|@%|"), ErrorKind::MissingEncodingCharacters);
        assert_eq!(kind(b"MSH|@%\\&$?!|"), ErrorKind::TooManyEncodingCharacters);
        assert_eq!(kind(b"MSH|^~\\&#$|"), ErrorKind::TooManyEncodingCharacters);
        assert_eq!(kind(b"MSH|^&&^|"), ErrorKind::DuplicateDelimiter);
        assert_eq!(kind(b"MSH|^|~\\&|"), ErrorKind::MissingEncodingCharacters);
        assert_eq!(kind(b"MSH^^~\\&"), ErrorKind::MissingEncodingCharacters);
        assert_eq!(kind(b"MSH|^~|&|"), ErrorKind::MissingEncodingCharacters);
        assert_eq!(kind(b"MSH|^~^|"), ErrorKind::DuplicateDelimiter);
        assert_eq!(kind(b"MSH|^~\\^|"), ErrorKind::DuplicateDelimiter);
        assert_eq!(kind(b"MSHA^~\\&"), ErrorKind::InvalidFieldSeparator);
    }

    #[test]
    fn duplicate_error_points_at_the_repeated_character() {
        let e = read_header(b"MSH|^&&^|", 0).unwrap_err();
        assert_eq!(e.offset(), 6);
        assert_eq!(e.field(), Some(2));
    }
}
