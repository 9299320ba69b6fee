//! Diagnostics: what lenient parsing noticed and worked around.

use core::fmt;

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize),
    serde(rename_all = "snake_case")
)]
#[non_exhaustive]
pub enum Severity {
    /// Allowed, but worth knowing (e.g. `\n` segment terminators).
    Info,
    /// Not what the standard says; the parser made a reasonable choice.
    Warning,
    /// Malformed; strict mode rejects the message.
    Error,
}

impl Severity {
    /// `"info"`, `"warning"` or `"error"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// What a diagnostic is about. Each has a stable snake_case [`code`](Self::code).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DiagnosticCode {
    /// Segments end with `\n` or `\r\n` rather than `\r`.
    NonStandardSegmentTerminator,
    /// The message mixes segment terminators.
    MixedSegmentTerminators,
    /// A segment name is not three upper-case letters or digits.
    InvalidSegmentName,
    /// An empty line between segments was skipped.
    EmptySegment,
    /// A byte order mark before the header was skipped.
    ByteOrderMark,
    /// MLLP framing bytes (0x0B, 0x1C) around the message were skipped.
    MllpFraming,
    /// MSH-2 repeated the escape character (`^~\\&`, a copy-paste artefact); read as `^~\&`.
    DoubledEscapeCharacter,
    /// An escape sequence is malformed or not closed; it is kept literally.
    MalformedEscape,
    /// The text is not valid in the declared (or assumed) character set; decoded as Windows-1252.
    CharsetFallback,
    /// MSH-18 names a character set pipehat does not decode; text is read as UTF-8.
    UnsupportedCharset,
    /// The bytes are valid UTF-8 but MSH-18 declares another character set; read as UTF-8.
    CharsetMismatch,
    /// A segment appears where a message header was expected (inside a batch or file).
    SegmentOutsideMessage,
    /// A batch or file header appears where it is not allowed (e.g. a second BHS in a batch).
    UnexpectedBatchHeader,
    /// A batch or file trailer appears without a header, or a header has no trailer.
    UnbalancedBatch,
    /// BTS-1 or FTS-1 does not match the number of messages or batches.
    TrailerCountMismatch,
    /// A batch or file header has no matching trailer at the end of the input.
    MissingTrailer,
    /// MSH-2 declares three encoding characters (no subcomponent separator).
    MissingSubcomponentSeparator,
}

impl DiagnosticCode {
    /// The stable identifier, e.g. `"non_standard_segment_terminator"`.
    pub const fn code(self) -> &'static str {
        match self {
            DiagnosticCode::NonStandardSegmentTerminator => "non_standard_segment_terminator",
            DiagnosticCode::MixedSegmentTerminators => "mixed_segment_terminators",
            DiagnosticCode::InvalidSegmentName => "invalid_segment_name",
            DiagnosticCode::EmptySegment => "empty_segment",
            DiagnosticCode::ByteOrderMark => "byte_order_mark",
            DiagnosticCode::MllpFraming => "mllp_framing",
            DiagnosticCode::DoubledEscapeCharacter => "doubled_escape_character",
            DiagnosticCode::MalformedEscape => "malformed_escape",
            DiagnosticCode::CharsetFallback => "charset_fallback",
            DiagnosticCode::UnsupportedCharset => "unsupported_charset",
            DiagnosticCode::CharsetMismatch => "charset_mismatch",
            DiagnosticCode::SegmentOutsideMessage => "segment_outside_message",
            DiagnosticCode::UnexpectedBatchHeader => "unexpected_batch_header",
            DiagnosticCode::UnbalancedBatch => "unbalanced_batch",
            DiagnosticCode::TrailerCountMismatch => "trailer_count_mismatch",
            DiagnosticCode::MissingTrailer => "missing_trailer",
            DiagnosticCode::MissingSubcomponentSeparator => "missing_subcomponent_separator",
        }
    }

    /// The severity this code is always reported with.
    pub const fn severity(self) -> Severity {
        match self {
            DiagnosticCode::NonStandardSegmentTerminator
            | DiagnosticCode::ByteOrderMark
            | DiagnosticCode::MllpFraming
            | DiagnosticCode::EmptySegment => Severity::Info,
            DiagnosticCode::MixedSegmentTerminators
            | DiagnosticCode::DoubledEscapeCharacter
            | DiagnosticCode::CharsetFallback
            | DiagnosticCode::UnsupportedCharset
            | DiagnosticCode::CharsetMismatch
            | DiagnosticCode::MissingTrailer
            | DiagnosticCode::MissingSubcomponentSeparator
            | DiagnosticCode::MalformedEscape => Severity::Warning,
            DiagnosticCode::InvalidSegmentName
            | DiagnosticCode::SegmentOutsideMessage
            | DiagnosticCode::UnexpectedBatchHeader
            | DiagnosticCode::UnbalancedBatch
            | DiagnosticCode::TrailerCountMismatch => Severity::Error,
        }
    }

    pub(crate) const fn describe(self) -> &'static str {
        match self {
            DiagnosticCode::NonStandardSegmentTerminator => {
                "segments do not end with a carriage return"
            }
            DiagnosticCode::MixedSegmentTerminators => "the message mixes segment terminators",
            DiagnosticCode::InvalidSegmentName => {
                "a segment name is not three upper-case letters or digits"
            }
            DiagnosticCode::EmptySegment => "an empty line between segments was skipped",
            DiagnosticCode::ByteOrderMark => "a byte order mark was skipped",
            DiagnosticCode::MllpFraming => "MLLP framing bytes were skipped",
            DiagnosticCode::DoubledEscapeCharacter => {
                "the encoding characters repeat the escape character"
            }
            DiagnosticCode::MalformedEscape => {
                "an escape sequence is malformed and was kept as written"
            }
            DiagnosticCode::CharsetFallback => {
                "text is not valid in its character set and was read as Windows-1252"
            }
            DiagnosticCode::UnsupportedCharset => {
                "the declared character set is not supported; text was read as UTF-8"
            }
            DiagnosticCode::CharsetMismatch => {
                "text is UTF-8 although another character set is declared"
            }
            DiagnosticCode::SegmentOutsideMessage => "a segment appears outside any message",
            DiagnosticCode::UnexpectedBatchHeader => {
                "a batch or file header appears where it is not allowed"
            }
            DiagnosticCode::UnbalancedBatch => "a batch or file header and trailer do not match up",
            DiagnosticCode::TrailerCountMismatch => "a batch or file trailer count does not match",
            DiagnosticCode::MissingTrailer => "a batch or file header has no trailer",
            DiagnosticCode::MissingSubcomponentSeparator => {
                "the encoding characters declare no subcomponent separator"
            }
        }
    }
}

/// One thing lenient parsing noticed: a code, a severity and a position.
///
/// Positions are a 0-based byte offset into the input, the 0-based segment
/// index and the HL7 field number where they apply. Like errors,
/// diagnostics never carry message content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Diagnostic {
    code: DiagnosticCode,
    offset: u32,
    segment: Option<u32>,
    field: Option<u32>,
}

impl Diagnostic {
    /// Moves the offset by `delta` bytes (an edit before it changed the length).
    #[cfg(feature = "alloc")]
    pub(crate) fn shift(&mut self, delta: i64) {
        self.offset = (i64::from(self.offset) + delta).max(0) as u32;
    }

    pub(crate) const fn new(
        code: DiagnosticCode,
        offset: usize,
        segment: Option<u32>,
        field: Option<u32>,
    ) -> Self {
        Diagnostic {
            code,
            offset: offset as u32,
            segment,
            field,
        }
    }

    /// What was found.
    pub const fn code(&self) -> DiagnosticCode {
        self.code
    }

    /// How serious it is.
    pub const fn severity(&self) -> Severity {
        self.code.severity()
    }

    /// 0-based byte offset into the input.
    pub const fn offset(&self) -> usize {
        self.offset as usize
    }

    /// 0-based segment index, when the diagnostic concerns one segment.
    pub const fn segment(&self) -> Option<u32> {
        self.segment
    }

    /// HL7 field number, when the diagnostic concerns one field.
    pub const fn field(&self) -> Option<u32> {
        self.field
    }

    /// A sentence describing the diagnostic, with positions and no message content.
    pub fn message(&self) -> DiagnosticMessage {
        DiagnosticMessage(*self)
    }
}

/// Display adapter returned by [`Diagnostic::message`].
#[derive(Debug, Clone, Copy)]
pub struct DiagnosticMessage(Diagnostic);

impl fmt::Display for DiagnosticMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.0;
        f.write_str(d.code.describe())?;
        crate::error::write_position(f, d.segment, d.field, d.offset())
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({}): {}",
            self.severity().as_str(),
            self.code.code(),
            self.message()
        )
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Diagnostic {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Diagnostic", 5)?;
        st.serialize_field("code", self.code.code())?;
        st.serialize_field("severity", self.severity().as_str())?;
        st.serialize_field("offset", &self.offset)?;
        st.serialize_field("segment", &self.segment)?;
        st.serialize_field("field", &self.field)?;
        st.end()
    }
}
