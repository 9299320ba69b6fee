//! What validation finds: [`Issue`]s in a [`Report`], as text, JSON and ACK errors.

use super::check::{decimal, push_number};
use crate::Severity;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

/// How bad an issue is: the crate's one [`Severity`](crate::Severity)
/// (validation gives `Error` and `Warning`).
#[deprecated(note = "use pipehat::Severity, the same type")]
pub type IssueSeverity = crate::Severity;

crate::error::kinds! {
    /// What a validation finding is about.
    pub enum IssueKind {
        /// MSH-12 is missing or names no version the dictionary knows.
        UnknownVersion => "unknown_version", "the HL7 version is missing or unknown";
        /// The structure is not defined in the version (fields are still checked).
        UnknownStructure => "unknown_structure", "the message structure is not defined in this version; structure not checked";
        /// A required segment is missing.
        MissingSegment => "missing_segment", "a required segment is missing";
        /// A segment is not allowed where it is.
        UnexpectedSegment => "unexpected_segment", "a segment is not allowed here";
        /// The segment is not defined in the version.
        UnknownSegment => "unknown_segment", "the segment is not defined in this version";
        /// A required field is empty.
        RequiredFieldMissing => "required_field_missing", "a required field is empty";
        /// A field that does not repeat has repetitions.
        FieldRepeated => "field_repeated", "the field does not repeat but has repetitions";
        /// More repetitions than allowed.
        TooManyRepetitions => "too_many_repetitions", "the field has more repetitions than allowed";
        /// A field beyond the segment's definition.
        UnexpectedField => "unexpected_field", "the field is beyond the segment's definition";
        /// Not a valid date/time.
        InvalidDatetime => "invalid_datetime", "not a valid date/time";
        /// Not a valid number.
        InvalidNumber => "invalid_number", "not a valid number";
        /// Not a valid sequence id.
        InvalidSequenceId => "invalid_sequence_id", "not a valid sequence id";
        /// A coded value with surrounding or control whitespace.
        InvalidCode => "invalid_code", "a coded value with surrounding or control whitespace";
        /// The value is longer than allowed.
        ValueTooLong => "value_too_long", "the value is longer than allowed";
        /// The code is not in its HL7 table.
        UnknownCode => "unknown_code", "the code is not in its HL7 table";
        /// The profile forbids the field.
        ForbiddenField => "forbidden_field", "the profile forbids this field";
        /// The profile does not allow the value.
        ValueNotAllowed => "value_not_allowed", "the profile does not allow this value";
    }
}

impl IssueKind {
    /// HL7 table 0357: the code an ERR segment carries for this kind.
    pub const fn hl7_code(self) -> u16 {
        match self {
            IssueKind::MissingSegment
            | IssueKind::UnexpectedSegment
            | IssueKind::UnknownSegment => 100,
            IssueKind::RequiredFieldMissing => 101,
            IssueKind::InvalidDatetime
            | IssueKind::InvalidNumber
            | IssueKind::InvalidSequenceId
            | IssueKind::InvalidCode
            | IssueKind::FieldRepeated
            | IssueKind::TooManyRepetitions
            | IssueKind::UnexpectedField
            | IssueKind::ForbiddenField => 102,
            IssueKind::UnknownCode | IssueKind::ValueNotAllowed => 103,
            IssueKind::ValueTooLong => 104,
            IssueKind::UnknownStructure => 200,
            IssueKind::UnknownVersion => 203,
        }
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// What the finding is about (see [`IssueKind`]; [`code`](Self::code) is its stable code).
    pub kind: IssueKind,
    /// Error or warning.
    pub severity: Severity,
    /// Where: `PID-7`, `PID-3(2).4`, `OBX[2]-5`, or a segment (`PV1`,
    /// `OBX[3]`); `???` for a segment whose name is not three uppercase
    /// letters or digits (often the start of a broken line, which is
    /// message content).
    pub path: String,
    /// 0-based index of the segment concerned (for a missing segment, where
    /// it was expected), when there is one.
    pub segment: Option<u32>,
    /// Byte offset in the message.
    pub offset: usize,
}

impl Issue {
    /// The stable code: `unknown_version`, `missing_segment`,
    /// `required_field_missing`, ... (see [`IssueKind`]).
    pub const fn code(&self) -> &'static str {
        self.kind.code()
    }

    /// A sentence for people: what and where, never the value (the same
    /// text `Display` writes).
    pub fn message(&self) -> String {
        let mut out = String::with_capacity(96);
        self.write_message(&mut out);
        out
    }

    /// Appends [`message`](Self::message) to `out`: for reports laid out in
    /// one buffer, with no string per issue.
    pub fn write_message(&self, out: &mut String) {
        let _ = self.write_to(out);
    }

    /// The sentence, piece by piece: `what (code, path, byte offset)`.
    /// (`write!` with these four values costs several times as much, and a
    /// report can hold thousands of issues.)
    fn write_to(&self, w: &mut impl fmt::Write) -> fmt::Result {
        let mut digits = [0; 20];
        let offset = decimal(self.offset, &mut digits);
        for piece in [
            self.kind.describe(),
            " (",
            self.code(),
            ", ",
            &self.path,
            ", byte ",
            offset,
            ")",
        ] {
            w.write_str(piece)?;
        }
        Ok(())
    }

    /// The path as an ERR segment's location reads it ([`ErrLocation::parse`](crate::ack::ErrLocation::parse)),
    /// or `None` when it does not read as one (`???`, a segment whose name
    /// is not a segment name), which an ERR segment then leaves out.
    ///
    /// ```
    /// # use pipehat::{validate::{validate, Options}, Message};
    /// let msg = Message::parse(b"MSH|^~\\&|A|B|C|D|20240115||ADT^A01^ADT_A01|1|P|2.5.1\rEVN|A01\rPID|1||7\rPV1|1|I\rPiD|x\r")?;
    /// let report = validate(&msg, &Options::default());
    /// let issue = report.issues.iter().find(|i| i.code() == "unknown_segment").unwrap();
    /// assert_eq!((issue.path.as_str(), issue.location()), ("???", None));
    /// # Ok::<(), pipehat::ParseError>(())
    /// ```
    pub fn location(&self) -> Option<&str> {
        crate::ack::ErrLocation::parse(&self.path)
            .is_ok()
            .then_some(self.path.as_str())
    }

    /// Table 0357 code for an ERR segment.
    pub const fn hl7_code(&self) -> u16 {
        self.kind.hl7_code()
    }
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_to(f)
    }
}

/// What [`validate`](super::validate()) found.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// The version the message was checked against.
    pub version: Option<&'static str>,
    /// The message structure used (`ADT_A01`), when known.
    pub structure: Option<&'static str>,
    /// Every issue, in message order.
    pub issues: Vec<Issue>,
}

impl Report {
    /// Whether no issue is an error.
    pub fn is_valid(&self) -> bool {
        self.issues.iter().all(|i| i.severity != Severity::Error)
    }

    /// The report as JSON text: `{"version", "structure", "valid", "issues":
    /// [{"code", "severity", "path", "segment", "offset", "message",
    /// "hl7Code"}]}` (absent values are `null`).
    ///
    /// ```
    /// # use pipehat::{validate::{validate, Options}, Message};
    /// let msg = Message::parse(b"MSH|^~\\&|A|B|C|D|20240115||ADT^A01^ADT_A01|1|P|2.5.1\rEVN|A01|20240115\rPID|1||7^^^H^MR||DOE^JO||1980x\rPV1|1|I\r")?;
    /// let json = validate(&msg, &Options::default()).to_json();
    /// assert!(json.starts_with(r#"{"version":"2.5.1","structure":"ADT_A01","valid":false,"issues":[{"code":"invalid_datetime","severity":"error","path":"PID-7.1","segment":2,"#), "{json}");
    /// # Ok::<(), pipehat::ParseError>(())
    /// ```
    pub fn to_json(&self) -> String {
        use crate::json::write_string;
        let mut out = String::with_capacity(64 + 160 * self.issues.len());
        let text_or_null = |out: &mut String, v: Option<&str>| match v {
            Some(v) => write_string(out, v),
            None => out.push_str("null"),
        };
        out.push_str("{\"version\":");
        text_or_null(&mut out, self.version);
        out.push_str(",\"structure\":");
        text_or_null(&mut out, self.structure);
        out.push_str(if self.is_valid() {
            ",\"valid\":true,\"issues\":["
        } else {
            ",\"valid\":false,\"issues\":["
        });
        for (k, i) in self.issues.iter().enumerate() {
            if k > 0 {
                out.push(',');
            }
            out.push_str("{\"code\":");
            write_string(&mut out, i.code());
            out.push_str(",\"severity\":");
            write_string(&mut out, i.severity.as_str());
            out.push_str(",\"path\":");
            write_string(&mut out, &i.path);
            out.push_str(",\"segment\":");
            match i.segment {
                Some(s) => push_number(&mut out, s as usize),
                None => out.push_str("null"),
            }
            out.push_str(",\"offset\":");
            push_number(&mut out, i.offset);
            out.push_str(",\"message\":");
            write_string(&mut out, &i.message());
            out.push_str(",\"hl7Code\":");
            push_number(&mut out, usize::from(i.hl7_code()));
            out.push('}');
        }
        out.push_str("]}");
        out
    }

    /// The issues as ERR segments for [`Message::ack`](crate::Message::ack):
    /// ERR-3 the issue's table 0357 code, ERR-4 its severity, ERR-2 where it
    /// is (a field path, or only a segment such as `PV1` or `OBX[3]`), ERR-7
    /// the issue's code and ERR-8 its sentence (which quotes no content).
    ///
    /// The bindings pass the same five values from each issue to `ack()`'s
    /// `errors`, which reads them with [`AckError::from_parts`](crate::ack::AckError::from_parts):
    /// the ERR segments are the same bytes in every language.
    ///
    /// ```
    /// # use pipehat::{ack::AckOptions, validate::{validate, Options}, Message};
    /// let msg = Message::parse(b"MSH|^~\\&|A|B|C|D|20240115||ADT^A01^ADT_A01|1|P|2.5.1\rEVN|A01|20240115\rPID|1||7^^^H^MR||DOE^JO\r")?;
    /// let mut options = AckOptions::new("ACK1", "20240115120000");
    /// options.errors = validate(&msg, &Options::default()).ack_errors();
    /// let ack = msg.ack(&options)?.to_string();
    /// assert!(ack.ends_with("ERR||PV1^1|100^Segment sequence error^HL70357|E|||missing_segment|a required segment is missing (missing_segment, PV1, byte 94)\r"), "{ack}");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn ack_errors(&self) -> Vec<crate::ack::AckError> {
        self.issues
            .iter()
            .map(|i| {
                crate::ack::AckError::for_issue(
                    i.hl7_code(),
                    i.severity,
                    &i.path,
                    i.code(),
                    i.message(),
                )
            })
            .collect()
    }
}
