//! Errors: small values with a stable code and a position, never message content.
//!
//! Every error's text has one shape: what happened, then in parentheses its
//! code and where: `two delimiters are the same character
//! (duplicate_delimiter, segment 1, field 2, byte 5)`. Texts count segments
//! from 1 (segment 1 is the first); the `segment` values are 0-based indexes.

use core::fmt;

/// Declares a kind of error or finding: an enum with a stable snake_case
/// code and a description for each variant, and `ALL`, `code()`,
/// `describe()` and `from_code()`.
macro_rules! kinds {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $code:literal, $what:literal; )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )*
        }

        impl $name {
            /// Every kind, in the order they are declared.
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// The stable snake_case code, e.g. the one bindings expose.
            pub const fn code(self) -> &'static str {
                match self {
                    $( $name::$variant => $code, )*
                }
            }

            /// What happened, in words (never the message's content).
            pub const fn describe(self) -> &'static str {
                match self {
                    $( $name::$variant => $what, )*
                }
            }

            /// The kind whose [`code`](Self::code) this is.
            pub fn from_code(code: &str) -> Option<$name> {
                Self::ALL.iter().copied().find(|k| k.code() == code)
            }
        }
    };
}
pub(crate) use kinds;

/// One part of where an error is, as error texts write it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Place<'a> {
    /// A 0-based segment index, written from 1.
    Segment(u32),
    /// An HL7 field number.
    Field(u32),
    /// A 0-based byte offset.
    Byte(u64),
    /// A 0-based character offset (in a path or an expression).
    Character(usize),
    /// A JSON pointer into a spec.
    Pointer(&'a str),
    /// A number of bytes.
    Length(u64),
}

/// Writes an error's text in the one shape: `what (code, place, place)`.
pub(crate) fn write_error<'p>(
    f: &mut fmt::Formatter<'_>,
    what: &str,
    code: &str,
    places: impl IntoIterator<Item = Place<'p>>,
) -> fmt::Result {
    write!(f, "{what} ({code}")?;
    for place in places {
        match place {
            Place::Segment(s) => write!(f, ", segment {}", u64::from(s) + 1)?,
            Place::Field(n) => write!(f, ", field {n}")?,
            Place::Byte(b) => write!(f, ", byte {b}")?,
            Place::Character(c) => write!(f, ", character {c}")?,
            Place::Pointer(p) => write!(f, ", at '{p}'")?,
            Place::Length(n) => write!(f, ", {n} bytes")?,
        }
    }
    f.write_str(")")
}

/// What went wrong while reading a message.
///
/// The set grows over time, so match with a wildcard arm. Each kind has a
/// stable snake_case [`code`](ErrorKind::code) that bindings expose unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The input holds nothing but whitespace or framing bytes.
    Empty,
    /// The input does not start with an `MSH`, `BHS` or `FHS` header segment.
    MissingHeader,
    /// The header is cut short before its field separator and encoding characters.
    HeaderTooShort,
    /// The field separator is a segment terminator, or otherwise unusable.
    InvalidFieldSeparator,
    /// MSH-2 (or BHS-2/FHS-2) has fewer than three encoding characters (a
    /// message being built, fewer than four: see [`Delimiters::from_text`](crate::Delimiters::from_text)).
    MissingEncodingCharacters,
    /// MSH-2 has more than five encoding characters.
    TooManyEncodingCharacters,
    /// Two delimiters are the same character.
    DuplicateDelimiter,
    /// The input is larger than [`ParseOptions::max_message_size`](crate::ParseOptions) or 4 GiB.
    MessageTooLarge,
    /// The message has more segments than [`ParseOptions::max_segments`](crate::ParseOptions).
    TooManySegments,
    /// A field is longer than [`ParseOptions::max_field_length`](crate::ParseOptions).
    FieldTooLong,
    /// Strict mode: a diagnostic of error severity was found; see [`ParseError::diagnostic`].
    Strict,
}

impl ErrorKind {
    /// Every kind.
    pub const ALL: &'static [ErrorKind] = &[
        ErrorKind::Empty,
        ErrorKind::MissingHeader,
        ErrorKind::HeaderTooShort,
        ErrorKind::InvalidFieldSeparator,
        ErrorKind::MissingEncodingCharacters,
        ErrorKind::TooManyEncodingCharacters,
        ErrorKind::DuplicateDelimiter,
        ErrorKind::MessageTooLarge,
        ErrorKind::TooManySegments,
        ErrorKind::FieldTooLong,
        ErrorKind::Strict,
    ];

    /// The stable identifier of this kind, e.g. `"missing_header"`.
    pub const fn code(self) -> &'static str {
        match self {
            ErrorKind::Empty => "empty_input",
            ErrorKind::MissingHeader => "missing_header",
            ErrorKind::HeaderTooShort => "header_too_short",
            ErrorKind::InvalidFieldSeparator => "invalid_field_separator",
            ErrorKind::MissingEncodingCharacters => "missing_encoding_characters",
            ErrorKind::TooManyEncodingCharacters => "too_many_encoding_characters",
            ErrorKind::DuplicateDelimiter => "duplicate_delimiter",
            ErrorKind::MessageTooLarge => "message_too_large",
            ErrorKind::TooManySegments => "too_many_segments",
            ErrorKind::FieldTooLong => "field_too_long",
            ErrorKind::Strict => "strict",
        }
    }

    pub(crate) const fn describe(self) -> &'static str {
        match self {
            ErrorKind::Empty => "the input is empty",
            ErrorKind::MissingHeader => "the input does not start with an MSH, BHS or FHS segment",
            ErrorKind::HeaderTooShort => "the header segment ends before its encoding characters",
            ErrorKind::InvalidFieldSeparator => "the field separator is not usable",
            ErrorKind::MissingEncodingCharacters => "too few encoding characters",
            ErrorKind::TooManyEncodingCharacters => "more than five encoding characters",
            ErrorKind::DuplicateDelimiter => "two delimiters are the same character",
            ErrorKind::MessageTooLarge => "the message exceeds the size limit",
            ErrorKind::TooManySegments => "the message exceeds the segment limit",
            ErrorKind::FieldTooLong => "a field exceeds the field length limit",
            ErrorKind::Strict => "strict mode rejected a diagnostic",
        }
    }
}

/// A message could not be read.
///
/// Carries the kind, the 0-based byte offset into the input, and where known
/// the 0-based segment index and the HL7 field number. Its `Display` text
/// names positions only; it never quotes the message, which holds patient data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ParseError {
    #[cfg_attr(feature = "serde", serde(serialize_with = "ser_kind"))]
    kind: ErrorKind,
    offset: usize,
    segment: Option<u32>,
    field: Option<u32>,
    #[cfg_attr(feature = "serde", serde(skip))]
    diagnostic: Option<crate::Diagnostic>,
}

#[cfg(feature = "serde")]
fn ser_kind<S: serde::Serializer>(kind: &ErrorKind, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(kind.code())
}

impl ParseError {
    pub(crate) const fn new(kind: ErrorKind, offset: usize) -> Self {
        ParseError {
            kind,
            offset,
            segment: None,
            field: None,
            diagnostic: None,
        }
    }

    pub(crate) const fn at(
        kind: ErrorKind,
        offset: usize,
        segment: u32,
        field: Option<u32>,
    ) -> Self {
        ParseError {
            kind,
            offset,
            segment: Some(segment),
            field,
            diagnostic: None,
        }
    }

    pub(crate) fn strict(diagnostic: crate::Diagnostic) -> Self {
        ParseError {
            kind: ErrorKind::Strict,
            offset: diagnostic.offset(),
            segment: diagnostic.segment(),
            field: diagnostic.field(),
            diagnostic: Some(diagnostic),
        }
    }

    /// What went wrong.
    pub const fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The stable code: the kind's code, or for [`ErrorKind::Strict`] the code
    /// of the diagnostic that strict mode rejected.
    pub fn code(&self) -> &'static str {
        match self.diagnostic {
            Some(d) => d.code().code(),
            None => self.kind.code(),
        }
    }

    /// 0-based byte offset into the input where the problem was found.
    pub const fn offset(&self) -> usize {
        self.offset
    }

    /// 0-based index of the segment, when the problem lies in one.
    pub const fn segment(&self) -> Option<u32> {
        self.segment
    }

    /// HL7 field number (MSH-1 is the field separator), when known.
    pub const fn field(&self) -> Option<u32> {
        self.field
    }

    /// The diagnostic that strict mode turned into this error.
    pub const fn diagnostic(&self) -> Option<crate::Diagnostic> {
        self.diagnostic
    }

    /// 1-based line and column of [`offset`](Self::offset) in `input`, counting
    /// `\r`, `\n` and `\r\n` each as one line break.
    pub fn line_column(&self, input: &[u8]) -> (usize, usize) {
        line_column(input, self.offset)
    }
}

/// 1-based line and column of byte `offset`, treating `\r`, `\n` and `\r\n` as line breaks.
pub fn line_column(input: &[u8], offset: usize) -> (usize, usize) {
    let end = offset.min(input.len());
    let mut line = 1;
    let mut line_start = 0;
    let mut i = 0;
    while let Some(pos) = memchr::memchr2(b'\r', b'\n', &input[i..end]) {
        let at = i + pos;
        let next = if input[at] == b'\r' && input.get(at + 1) == Some(&b'\n') {
            at + 2
        } else {
            at + 1
        };
        if next > end {
            break;
        }
        line += 1;
        line_start = next;
        i = next;
    }
    (line, end - line_start + 1)
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.diagnostic {
            Some(d) => d.code().describe(),
            None => self.kind.describe(),
        };
        let places = [
            self.segment.map(Place::Segment),
            self.field.map(Place::Field),
            Some(Place::Byte(self.offset as u64)),
        ];
        write_error(f, what, self.code(), places.into_iter().flatten())
    }
}

pub(crate) fn write_position(
    f: &mut fmt::Formatter<'_>,
    segment: Option<u32>,
    field: Option<u32>,
    offset: usize,
) -> fmt::Result {
    if let Some(s) = segment {
        write!(f, " in segment {}", s + 1)?;
    }
    if let Some(n) = field {
        write!(f, ", field {n}")?;
    }
    write!(f, " at byte {offset}")
}

#[cfg(feature = "std")]
impl std::error::Error for ParseError {}

/// A path such as `PID-5.1` could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct PathError {
    #[cfg_attr(feature = "serde", serde(serialize_with = "ser_path_kind"))]
    kind: PathErrorKind,
    offset: usize,
}

#[cfg(feature = "serde")]
fn ser_path_kind<S: serde::Serializer>(kind: &PathErrorKind, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(kind.code())
}

/// What is wrong with a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PathErrorKind {
    /// The path is empty.
    Empty,
    /// The segment name is not three letters or digits.
    InvalidSegmentName,
    /// A number was expected (field, occurrence, repetition, component, subcomponent).
    ExpectedNumber,
    /// An index is zero (indexes start at 1) or too large.
    IndexOutOfRange,
    /// A `[` or `(` is not closed.
    UnclosedBracket,
    /// Characters remain after a complete path.
    TrailingCharacters,
    /// More levels than segment-field-component-subcomponent.
    TooDeep,
}

impl PathErrorKind {
    /// Every kind.
    pub const ALL: &'static [PathErrorKind] = &[
        PathErrorKind::Empty,
        PathErrorKind::InvalidSegmentName,
        PathErrorKind::ExpectedNumber,
        PathErrorKind::IndexOutOfRange,
        PathErrorKind::UnclosedBracket,
        PathErrorKind::TrailingCharacters,
        PathErrorKind::TooDeep,
    ];

    /// The stable identifier of this kind, e.g. `"invalid_segment_name"`.
    pub const fn code(self) -> &'static str {
        match self {
            PathErrorKind::Empty => "empty_path",
            PathErrorKind::InvalidSegmentName => "invalid_segment_name",
            PathErrorKind::ExpectedNumber => "expected_number",
            PathErrorKind::IndexOutOfRange => "index_out_of_range",
            PathErrorKind::UnclosedBracket => "unclosed_bracket",
            PathErrorKind::TrailingCharacters => "trailing_characters",
            PathErrorKind::TooDeep => "path_too_deep",
        }
    }
}

impl PathError {
    pub(crate) const fn new(kind: PathErrorKind, offset: usize) -> Self {
        PathError { kind, offset }
    }

    /// What is wrong.
    pub const fn kind(&self) -> PathErrorKind {
        self.kind
    }

    /// The stable code of the kind.
    pub const fn code(&self) -> &'static str {
        self.kind.code()
    }

    /// 0-based character offset into the path string.
    pub const fn offset(&self) -> usize {
        self.offset
    }
}

impl fmt::Display for PathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            PathErrorKind::Empty => "invalid path: the path is empty",
            PathErrorKind::InvalidSegmentName => {
                "invalid path: a segment name is three letters or digits"
            }
            PathErrorKind::ExpectedNumber => "invalid path: expected a number",
            PathErrorKind::IndexOutOfRange => "invalid path: indexes start at 1",
            PathErrorKind::UnclosedBracket => "invalid path: a bracket is not closed",
            PathErrorKind::TrailingCharacters => {
                "invalid path: unexpected characters after the path"
            }
            PathErrorKind::TooDeep => "invalid path: a path ends at subcomponent level",
        };
        write_error(f, what, self.code(), [Place::Character(self.offset)])
    }
}

#[cfg(feature = "std")]
impl std::error::Error for PathError {}

/// What went wrong while editing a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EditErrorKind {
    /// The path names a segment that is not there and cannot be appended
    /// (only the next occurrence of a segment is created).
    SegmentNotFound,
    /// MSH-1, MSH-2 and the header segment itself cannot be edited or removed.
    ReadOnly,
    /// The value holds a segment terminator, or (as encoded text) a
    /// separator of its own level or above; the offset is into the value.
    InvalidValue,
    /// A new segment does not start with a three-character upper-case name.
    InvalidSegment,
    /// The operation needs a path at another level (inserting at field level).
    InvalidPath,
    /// The message's character set cannot hold a character of the value.
    Unencodable,
    /// The path does not parse.
    Path(PathErrorKind),
    /// The edited message no longer reads (a size limit was passed).
    Parse(ErrorKind),
}

impl EditErrorKind {
    /// The stable identifier of this kind.
    pub const fn code(self) -> &'static str {
        match self {
            EditErrorKind::SegmentNotFound => "segment_not_found",
            EditErrorKind::ReadOnly => "read_only",
            EditErrorKind::InvalidValue => "invalid_value",
            EditErrorKind::InvalidSegment => "invalid_segment",
            EditErrorKind::InvalidPath => "invalid_path",
            EditErrorKind::Unencodable => "unencodable_character",
            EditErrorKind::Path(k) => k.code(),
            EditErrorKind::Parse(k) => k.code(),
        }
    }
}

/// An edit was refused; the message is unchanged. Like every pipehat error,
/// its text names positions, never content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EditError {
    kind: EditErrorKind,
    segment: Option<u32>,
    offset: usize,
}

impl EditError {
    pub(crate) const fn new(kind: EditErrorKind, segment: u32) -> Self {
        EditError {
            kind,
            segment: Some(segment),
            offset: 0,
        }
    }

    pub(crate) const fn in_segment(mut self, segment: Option<u32>) -> Self {
        self.segment = segment;
        self
    }

    pub(crate) const fn at_offset(mut self, offset: usize) -> Self {
        self.offset = offset;
        self
    }

    pub(crate) const fn from_path(e: PathError) -> Self {
        EditError {
            kind: EditErrorKind::Path(e.kind),
            segment: None,
            offset: e.offset,
        }
    }

    pub(crate) fn from_parse(e: ParseError) -> Self {
        EditError {
            kind: EditErrorKind::Parse(e.kind()),
            segment: e.segment(),
            offset: e.offset(),
        }
    }

    /// What went wrong.
    pub const fn kind(&self) -> EditErrorKind {
        self.kind
    }

    /// The stable code, e.g. `"read_only"` (path errors keep their own codes).
    pub const fn code(&self) -> &'static str {
        self.kind.code()
    }

    /// The 0-based index of the segment concerned, when there is one (a
    /// path that does not parse concerns none).
    pub const fn segment(&self) -> Option<u32> {
        self.segment
    }

    /// For `invalid_value`, the byte offset into the value; for a path
    /// error, the character offset into the path; otherwise 0.
    pub const fn offset(&self) -> usize {
        self.offset
    }
}

impl fmt::Display for EditError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            EditErrorKind::SegmentNotFound => "the segment is not in the message",
            EditErrorKind::ReadOnly => "MSH-1, MSH-2 and the header segment cannot be edited",
            EditErrorKind::InvalidValue => {
                "the value holds a terminator or separator it may not hold"
            }
            EditErrorKind::InvalidSegment => {
                "a segment starts with a three-character upper-case name"
            }
            EditErrorKind::InvalidPath => {
                "the operation needs a repetition, component or subcomponent path"
            }
            EditErrorKind::Unencodable => "the message's character set cannot hold the value",
            EditErrorKind::Path(_) => "invalid path",
            EditErrorKind::Parse(_) => "the edited message exceeds a parse limit",
        };
        let at = match self.kind {
            EditErrorKind::Path(_) => Some(Place::Character(self.offset)),
            EditErrorKind::InvalidValue | EditErrorKind::Parse(_) => {
                Some(Place::Byte(self.offset as u64))
            }
            _ => None,
        };
        let places = [self.segment.map(Place::Segment), at];
        write_error(f, what, self.code(), places.into_iter().flatten())
    }
}

#[cfg(feature = "std")]
impl std::error::Error for EditError {}

kinds! {
    /// What is wrong with a spec (a mapping or a conformance profile).
    pub enum SpecErrorKind {
        /// The text is not JSON.
        InvalidJson => "invalid_json", "the text is not JSON";
        /// The text is not YAML (profiles read from YAML).
        InvalidYaml => "invalid_yaml", "the text is not YAML";
        /// A part of a mapping has the wrong shape.
        InvalidSpec => "invalid_spec", "a part has the wrong shape";
        /// A part of a profile has the wrong shape.
        InvalidProfile => "invalid_profile", "a part has the wrong shape";
        /// A key the spec does not know (a misspelling, usually).
        UnknownKey => "unknown_key", "an unknown key";
        /// A mapping without fields.
        MissingFields => "missing_fields", "the spec has no fields";
        /// A path that does not parse.
        InvalidPath => "invalid_path", "a path does not parse";
        /// A transform the mapping language does not have.
        UnknownTransform => "unknown_transform", "an unknown transform";
        /// A lookup names a table the spec does not define.
        UnknownTable => "unknown_table", "a lookup names a table the spec does not define";
        /// `rows` is neither a segment name nor a field path.
        InvalidRows => "invalid_rows", "rows must be a segment name or a field path";
    }
}

/// A spec (a mapping or a conformance profile) that could not be read: a
/// kind with a stable code, and a JSON pointer to the part at fault
/// (`/fields/born/transform`); the text names nothing else.
#[cfg(feature = "alloc")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    spec: &'static str,
    kind: SpecErrorKind,
    pointer: alloc::string::String,
}

#[cfg(feature = "alloc")]
impl SpecError {
    // Specs are read from JSON: without the `json` feature nothing builds one.
    #[cfg_attr(not(feature = "json"), allow(dead_code))]
    pub(crate) fn new(
        spec: &'static str,
        kind: SpecErrorKind,
        pointer: impl Into<alloc::string::String>,
    ) -> Self {
        SpecError {
            spec,
            kind,
            pointer: pointer.into(),
        }
    }
    /// What is wrong.
    pub fn kind(&self) -> SpecErrorKind {
        self.kind
    }
    /// The stable code of the kind (see [`SpecErrorKind`]).
    pub fn code(&self) -> &'static str {
        self.kind.code()
    }
    /// Where in the spec, as a JSON pointer (`""` for the whole spec).
    pub fn pointer(&self) -> &str {
        &self.pointer
    }
}

#[cfg(feature = "alloc")]
impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid {}: ", self.spec)?;
        write_error(
            f,
            self.kind.describe(),
            self.code(),
            [Place::Pointer(&self.pointer)],
        )
    }
}

#[cfg(feature = "std")]
impl std::error::Error for SpecError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_column_counts_each_terminator_style() {
        let input = b"MSH|a\rPID|b\r\nPV1|c\nOBX|d";
        assert_eq!(line_column(input, 0), (1, 1));
        assert_eq!(line_column(input, 6), (2, 1));
        assert_eq!(line_column(input, 9), (2, 4));
        assert_eq!(line_column(input, 13), (3, 1));
        assert_eq!(line_column(input, 19), (4, 1));
        // An offset on the \n of a \r\n pair stays on the line it ends.
        assert_eq!(line_column(input, 12), (2, 7));
    }
}
