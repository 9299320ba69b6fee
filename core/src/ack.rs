//! Acknowledgements: ACK messages in original mode (`AA`/`AE`/`AR`) and
//! enhanced mode (`CA`/`CE`/`CR`), with ERR segments.
//!
//! The ACK keeps the message's delimiters; its MSH swaps sender and
//! receiver (MSH-3/4 ↔ MSH-5/6), carries `ACK^<trigger>^ACK` in MSH-9, a new
//! MSH-10, and copies MSH-11, MSH-12 and MSH-18. MSA-1 is the code, MSA-2 the
//! original control id, MSA-3 the optional text. Each error becomes an ERR
//! segment: from version 2.5, ERR-2 (location), ERR-3 (HL7 table 0357 code),
//! ERR-4 (severity) and ERR-7/ERR-8 (text); before 2.5, ERR-1 (`SEG^seq^field^code&text&HL70357`).
//!
//! ```
//! use pipehat::{Message, ack::{AckOptions, AckCode}};
//! let msg = Message::parse(b"MSH|^~\\&|LAB|HOSP|EHR|CLINIC|20240115||ORU^R01^ORU_R01|MSG42|P|2.5.1\r")?;
//! let ack = msg.ack(&AckOptions::new("ACK0001", "20240115103000"))?;
//! assert_eq!(ack.to_string(),
//!     "MSH|^~\\&|EHR|CLINIC|LAB|HOSP|20240115103000||ACK^R01^ACK|ACK0001|P|2.5.1\rMSA|AA|MSG42\r");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::edit::MessageBuf;
use crate::{Delimiters, Diagnostic, DiagnosticCode, ErrorKind, Message, ParseError, Severity};
use alloc::string::String;
use alloc::vec::Vec;

/// MSA-1, the acknowledgement code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AckCode {
    /// Application accept (original mode).
    AA,
    /// Application error.
    AE,
    /// Application reject.
    AR,
    /// Commit accept (enhanced mode).
    CA,
    /// Commit error.
    CE,
    /// Commit reject.
    CR,
}

impl AckCode {
    /// The code as written in MSA-1.
    pub const fn as_str(self) -> &'static str {
        match self {
            AckCode::AA => "AA",
            AckCode::AE => "AE",
            AckCode::AR => "AR",
            AckCode::CA => "CA",
            AckCode::CE => "CE",
            AckCode::CR => "CR",
        }
    }

    /// What [`parse`](Self::parse) reads, for error messages.
    pub const NAMES: [&'static str; 6] = ["AA", "AE", "AR", "CA", "CE", "CR"];

    /// Reads `AA`, `AE`, `AR`, `CA`, `CE` or `CR` (any case).
    pub fn parse(code: &str) -> Option<AckCode> {
        Some(match code.to_ascii_uppercase().as_str() {
            "AA" => AckCode::AA,
            "AE" => AckCode::AE,
            "AR" => AckCode::AR,
            "CA" => AckCode::CA,
            "CE" => AckCode::CE,
            "CR" => AckCode::CR,
            _ => return None,
        })
    }

    /// Whether this is an enhanced-mode (commit) code.
    pub const fn is_commit(self) -> bool {
        matches!(self, AckCode::CA | AckCode::CE | AckCode::CR)
    }
}

/// When the sender wants an acknowledgement (MSH-15 and MSH-16, HL7 table 0155).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AckCondition {
    /// `AL`: always (also what an empty field means in enhanced mode).
    Always,
    /// `NE`: never.
    Never,
    /// `ER`: only on error or reject.
    ErrorOnly,
    /// `SU`: only on success.
    SuccessOnly,
}

impl AckCondition {
    fn read(raw: &[u8]) -> AckCondition {
        match raw {
            b"NE" => AckCondition::Never,
            b"ER" => AckCondition::ErrorOnly,
            b"SU" => AckCondition::SuccessOnly,
            _ => AckCondition::Always,
        }
    }

    pub(crate) fn wants(self, success: bool) -> bool {
        match self {
            AckCondition::Always => true,
            AckCondition::Never => false,
            AckCondition::ErrorOnly => !success,
            AckCondition::SuccessOnly => success,
        }
    }
}

/// Which acknowledgement rules the message asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AckMode {
    /// MSH-15 and MSH-16 are empty: one application acknowledgement.
    Original,
    /// Enhanced mode: an accept (commit) acknowledgement per MSH-15 and an
    /// application acknowledgement per MSH-16.
    Enhanced {
        /// MSH-15.
        accept: AckCondition,
        /// MSH-16.
        application: AckCondition,
    },
}

impl AckMode {
    /// `"original"`, or `"enhanced"` when MSH-15 or MSH-16 is valued.
    pub const fn as_str(self) -> &'static str {
        match self {
            AckMode::Original => "original",
            AckMode::Enhanced { .. } => "enhanced",
        }
    }

    /// Whether the sender wants an acknowledgement with `code`.
    ///
    /// ```
    /// use pipehat::ack::AckCode;
    /// let msg = pipehat::Message::parse(b"MSH|^~\\&|A|B|C|D|20240101||ADT^A01|1|P|2.5|||ER|AL\r")?;
    /// let mode = msg.ack_mode();
    /// assert!(!mode.wants(AckCode::CA));  // accept acks only on error
    /// assert!(mode.wants(AckCode::CE));
    /// assert!(mode.wants(AckCode::AA));   // application acks always
    /// # Ok::<(), pipehat::ParseError>(())
    /// ```
    pub fn wants(self, code: AckCode) -> bool {
        let success = matches!(code, AckCode::AA | AckCode::CA);
        match self {
            AckMode::Original => !code.is_commit(),
            AckMode::Enhanced {
                accept,
                application,
            } => {
                if code.is_commit() {
                    accept.wants(success)
                } else {
                    application.wants(success)
                }
            }
        }
    }
}

/// ERR-4, how serious an error is (HL7 table 0516).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrSeverity {
    /// `E`
    Error,
    /// `W`
    Warning,
    /// `I`
    Information,
    /// `F`: fatal.
    Fatal,
}

impl ErrSeverity {
    /// The letter written in ERR-4.
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrSeverity::Error => "E",
            ErrSeverity::Warning => "W",
            ErrSeverity::Information => "I",
            ErrSeverity::Fatal => "F",
        }
    }

    /// What [`parse`](Self::parse) reads, for error messages.
    pub const NAMES: &'static [&'static str] =
        &["E", "W", "I", "F", "error", "warning", "info", "fatal"];

    /// Reads `E`, `W`, `I` or `F`, or the words `error`, `warning`, `info`, `fatal`.
    pub fn parse(text: &str) -> Option<ErrSeverity> {
        Some(match text.to_ascii_lowercase().as_str() {
            "e" | "error" => ErrSeverity::Error,
            "w" | "warning" => ErrSeverity::Warning,
            "i" | "info" | "information" => ErrSeverity::Information,
            "f" | "fatal" => ErrSeverity::Fatal,
            _ => return None,
        })
    }
}

impl From<Severity> for ErrSeverity {
    /// A diagnostic's or a validation issue's severity as written in ERR-4.
    fn from(severity: Severity) -> ErrSeverity {
        match severity {
            Severity::Error => ErrSeverity::Error,
            Severity::Warning => ErrSeverity::Warning,
            Severity::Info => ErrSeverity::Information,
        }
    }
}

/// Where an error is (ERR-2, an ERL): a segment, and optionally a field,
/// repetition, component and subcomponent.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ErrLocation {
    /// Segment name, e.g. `PID`.
    pub segment: String,
    /// Which occurrence of the segment (from 1).
    pub sequence: u32,
    /// Field number (0 = none).
    pub field: u32,
    /// Repetition (0 = none).
    pub repetition: u32,
    /// Component (0 = none).
    pub component: u32,
    /// Subcomponent (0 = none).
    pub subcomponent: u32,
}

impl ErrLocation {
    /// The location a path names (`PID-3(2).1`).
    pub fn from_path(path: &crate::Path) -> ErrLocation {
        ErrLocation {
            segment: path.segment().into(),
            sequence: path.occurrence(),
            field: path.field(),
            repetition: path.repetition().unwrap_or(0),
            component: path.component().unwrap_or(0),
            subcomponent: path.subcomponent().unwrap_or(0),
        }
    }

    /// Reads a location as [`Display`](core::fmt::Display) writes it: a path
    /// (`PID-3(2).1`, `OBX[2]-5`), or a segment alone (`PV1`, `OBX[3]`), as
    /// validation issues name a missing or unexpected segment.
    ///
    /// ```
    /// use pipehat::ack::ErrLocation;
    /// let at = ErrLocation::parse("OBX[3]")?;
    /// assert_eq!((at.segment.as_str(), at.sequence, at.field), ("OBX", 3, 0));
    /// assert_eq!(ErrLocation::parse("PID-3(2).1")?.to_string(), "PID-3(2).1");
    /// # Ok::<(), pipehat::PathError>(())
    /// ```
    pub fn parse(text: &str) -> Result<ErrLocation, crate::PathError> {
        match crate::Path::parse(text) {
            Ok(path) => Ok(ErrLocation::from_path(&path)),
            Err(e) => {
                let (segment, sequence) = crate::Path::parse_segment(text).map_err(|_| e)?;
                Ok(ErrLocation {
                    segment: segment.into(),
                    sequence,
                    ..ErrLocation::default()
                })
            }
        }
    }
}

impl core::fmt::Display for ErrLocation {
    /// The location as a path: `PID-3(2).1`, `OBX[2]-5`, or `PV1` for a segment alone.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.segment)?;
        if self.sequence > 1 {
            write!(f, "[{}]", self.sequence)?;
        }
        if self.field == 0 {
            return Ok(());
        }
        write!(f, "-{}", self.field)?;
        if self.repetition > 0 {
            write!(f, "({})", self.repetition)?;
        }
        if self.component > 0 {
            write!(f, ".{}", self.component)?;
            if self.subcomponent > 0 {
                write!(f, ".{}", self.subcomponent)?;
            }
        }
        Ok(())
    }
}

/// One ERR segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AckError {
    /// HL7 table 0357: 0 accepted, 100 segment sequence error, 101 required
    /// field missing, 102 data type error, 103 table value not found, 104 value
    /// too long, 200 unsupported message type, 201 unsupported event code,
    /// 202 unsupported processing id, 203 unsupported version id, 204 unknown
    /// key, 205 duplicate key, 206 record locked, 207 application internal error.
    pub code: u16,
    /// ERR-4.
    pub severity: ErrSeverity,
    /// ERR-2 (and the location part of ERR-1 before 2.5).
    pub location: Option<ErrLocation>,
    /// Text for people (ERR-8 user message); escaped when written.
    pub text: Option<String>,
    /// Technical detail (ERR-7); pipehat writes its diagnostic code and description here.
    pub diagnostic: Option<String>,
}

impl AckError {
    /// An error with a code from table 0357 and severity `E`.
    pub fn new(code: u16) -> AckError {
        AckError {
            code,
            severity: ErrSeverity::Error,
            location: None,
            text: None,
            diagnostic: None,
        }
    }

    /// An error from the values a binding's `errors` option carries:
    /// `severity` a letter or word [`ErrSeverity::parse`] reads (`E` when
    /// absent), `location` what [`ErrLocation::parse`] reads, `text` ERR-8,
    /// `diagnostic` ERR-7.
    pub fn from_parts(
        code: u16,
        severity: Option<&str>,
        location: Option<&str>,
        text: Option<String>,
        diagnostic: Option<String>,
    ) -> Result<AckError, AckErrorPartError> {
        let severity = match severity {
            None => ErrSeverity::Error,
            Some(s) => ErrSeverity::parse(s).ok_or(AckErrorPartError::Severity)?,
        };
        let location = match location {
            None => None,
            Some(l) => Some(ErrLocation::parse(l).map_err(AckErrorPartError::Location)?),
        };
        Ok(AckError {
            code,
            severity,
            location,
            text,
            diagnostic,
        })
    }

    /// The ERR segment for a validation issue (see
    /// [`Report::ack_errors`](crate::validate::Report::ack_errors)); a
    /// location that does not read is left out.
    pub fn for_issue(
        hl7_code: u16,
        severity: Severity,
        path: &str,
        code: &str,
        message: String,
    ) -> AckError {
        AckError {
            code: hl7_code,
            severity: severity.into(),
            location: ErrLocation::parse(path).ok(),
            text: Some(message),
            diagnostic: Some(code.into()),
        }
    }

    fn from_diagnostic(d: &Diagnostic, location: Option<ErrLocation>) -> AckError {
        let code = match d.code() {
            DiagnosticCode::MalformedEscape
            | DiagnosticCode::DoubledEscapeCharacter
            | DiagnosticCode::CharsetFallback
            | DiagnosticCode::UnsupportedCharset
            | DiagnosticCode::CharsetMismatch
            | DiagnosticCode::MissingSubcomponentSeparator => 102,
            _ => 100,
        };
        AckError {
            code,
            severity: d.severity().into(),
            location,
            text: None,
            diagnostic: Some(alloc::format!(
                "{}: {}",
                d.code().code(),
                d.code().describe()
            )),
        }
    }

    fn from_parse_error(e: &ParseError, location: Option<ErrLocation>) -> AckError {
        if let Some(d) = e.diagnostic() {
            // Strict mode rejected the message over this diagnostic: an error here.
            let mut err = AckError::from_diagnostic(&d, location);
            err.severity = ErrSeverity::Error;
            return err;
        }
        let code = match e.kind() {
            ErrorKind::FieldTooLong => 102,
            ErrorKind::MessageTooLarge | ErrorKind::TooManySegments => 207,
            _ => 100,
        };
        AckError {
            code,
            severity: ErrSeverity::Error,
            location,
            text: None,
            diagnostic: Some(alloc::format!("{}: {}", e.code(), e.kind().describe())),
        }
    }
}

/// Why [`AckError::from_parts`] refused a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AckErrorPartError {
    /// The severity is none of [`ErrSeverity::NAMES`].
    Severity,
    /// The location is neither a path nor a segment name.
    Location(crate::PathError),
}

impl core::fmt::Display for AckErrorPartError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            AckErrorPartError::Severity => f.write_str(
                "an error's severity must be one of E, W, I, F, error, warning, info, fatal (invalid_severity)",
            ),
            AckErrorPartError::Location(e) => e.fmt(f),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for AckErrorPartError {}

/// Which diagnostics of the message become ERR segments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IncludeDiagnostics {
    /// None.
    None,
    /// Errors only.
    Errors,
    /// Errors and warnings (the default).
    #[default]
    Warnings,
}

impl IncludeDiagnostics {
    /// Every value, in the order of [`NAMES`](Self::NAMES).
    pub const ALL: [IncludeDiagnostics; 3] = [
        IncludeDiagnostics::None,
        IncludeDiagnostics::Errors,
        IncludeDiagnostics::Warnings,
    ];
    /// The names the bindings take: `none`, `errors`, `warnings`.
    pub const NAMES: [&'static str; 3] = ["none", "errors", "warnings"];

    /// `"none"`, `"errors"` or `"warnings"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            IncludeDiagnostics::None => "none",
            IncludeDiagnostics::Errors => "errors",
            IncludeDiagnostics::Warnings => "warnings",
        }
    }

    /// Reads a name [`as_str`](Self::as_str) gives.
    pub fn from_name(name: &str) -> Option<IncludeDiagnostics> {
        Self::ALL.into_iter().find(|v| v.as_str() == name)
    }
}

/// What [`Message::ack`] writes.
#[derive(Debug, Clone)]
pub struct AckOptions {
    /// MSA-1; when `None`, `AA` (or `CA` in enhanced mode) when there is no
    /// error-severity ERR, `AE` (or `CE`) otherwise.
    pub code: Option<AckCode>,
    /// MSA-3, escaped when written.
    pub text: Option<String>,
    /// MSH-10 of the ACK (see [`control_id`](crate::edit::control_id)).
    pub control_id: String,
    /// MSH-7 of the ACK (see [`format_timestamp`](crate::edit::format_timestamp)).
    pub timestamp: String,
    /// Errors the caller adds, after those from diagnostics.
    pub errors: Vec<AckError>,
    /// Which diagnostics of the message become ERR segments.
    pub diagnostics: IncludeDiagnostics,
}

impl AckOptions {
    /// Options with the ACK's own control id and timestamp, everything else default.
    pub fn new(control_id: impl Into<String>, timestamp: impl Into<String>) -> AckOptions {
        AckOptions {
            code: None,
            text: None,
            control_id: control_id.into(),
            timestamp: timestamp.into(),
            errors: Vec::new(),
            diagnostics: IncludeDiagnostics::default(),
        }
    }
}

/// The MSH fields an ACK is built from, as encoded bytes (index = field number).
pub(crate) struct Source<'a> {
    pub(crate) delimiters: Delimiters,
    fields: [&'a [u8]; 19],
}

impl<'a> Source<'a> {
    fn from_message(msg: &Message<'a>) -> Option<Source<'a>> {
        let msh = msg.segment("MSH")?;
        let bytes = msg.as_bytes();
        let start = msh.offset();
        let end = start + msh.as_bytes().len();
        Some(Self::from_segment(&bytes[start..end], msg.delimiters()))
    }

    fn from_segment(msh: &'a [u8], delimiters: Delimiters) -> Source<'a> {
        let mut fields: [&[u8]; 19] = [&[]; 19];
        // Piece 0 is "MSH", piece 1 MSH-2; piece n is MSH-(n+1).
        for (piece, value) in msh.split(|&b| b == delimiters.field()).enumerate() {
            if let Some(slot) = fields.get_mut(piece + 1) {
                *slot = value;
            }
        }
        Source { delimiters, fields }
    }

    /// Reads the MSH of input that did not parse, when its header is readable.
    pub(crate) fn from_bytes(input: &'a [u8]) -> Option<Source<'a>> {
        let mut start = 0;
        while start < input.len() && matches!(input[start], 0x0B | b'\r' | b'\n' | b' ' | b'\t') {
            start += 1;
        }
        if input[start..].starts_with(b"\xEF\xBB\xBF") {
            start += 3;
        }
        let lines = input[start..].split(|&b| b == b'\r' || b == b'\n');
        let mut offset = start;
        for line in lines {
            if line.starts_with(b"MSH") {
                let header = crate::delimiters::read_header(input, offset).ok()?;
                return Some(Self::from_segment(line, header.delimiters));
            }
            offset += line.len() + 1;
        }
        None
    }

    pub(crate) fn field(&self, n: usize) -> &'a [u8] {
        self.fields[n]
    }

    pub(crate) fn mode(&self) -> AckMode {
        let accept = self.field(15);
        let application = self.field(16);
        if accept.is_empty() && application.is_empty() {
            AckMode::Original
        } else {
            AckMode::Enhanced {
                accept: AckCondition::read(accept),
                application: AckCondition::read(application),
            }
        }
    }

    /// Versions before 2.5 report errors in ERR-1.
    fn legacy_err(&self) -> bool {
        let version = self.field(12);
        let v = version
            .split(|&b| b == self.delimiters.component())
            .next()
            .unwrap_or(&[]);
        matches!(
            v,
            b"2.1" | b"2.2" | b"2.3" | b"2.3.1" | b"2.4" | b"2.0" | b"2.0D"
        )
    }

    fn build(
        &self,
        options: &AckOptions,
        errors: &[AckError],
    ) -> Result<MessageBuf, crate::EditError> {
        let d = self.delimiters;
        let trigger = self
            .field(9)
            .split(|&b| b == d.component())
            .nth(1)
            .unwrap_or(&[]);
        let mut message_type = Vec::from(&b"ACK"[..]);
        if !trigger.is_empty() {
            message_type.push(d.component());
            message_type.extend_from_slice(trigger);
            message_type.push(d.component());
            message_type.extend_from_slice(b"ACK");
        }
        // Copied fields stay the original bytes, whatever their character set.
        let mut fields: [&[u8]; 19] = [&[]; 19];
        fields[3] = self.field(5);
        fields[4] = self.field(6);
        fields[5] = self.field(3);
        fields[6] = self.field(4);
        fields[7] = options.timestamp.as_bytes();
        fields[9] = &message_type;
        fields[10] = options.control_id.as_bytes();
        fields[11] = self.field(11);
        fields[12] = self.field(12);
        fields[18] = self.field(18);
        let failed = errors
            .iter()
            .any(|e| matches!(e.severity, ErrSeverity::Error | ErrSeverity::Fatal));
        let enhanced = matches!(self.mode(), AckMode::Enhanced { .. });
        let code = options.code.unwrap_or(match (enhanced, failed) {
            (false, false) => AckCode::AA,
            (false, true) => AckCode::AE,
            (true, false) => AckCode::CA,
            (true, true) => AckCode::CE,
        });
        let mut msa = Vec::from(&b"MSA"[..]);
        msa.push(d.field());
        msa.extend_from_slice(code.as_str().as_bytes());
        if !self.field(10).is_empty() {
            msa.push(d.field());
            msa.extend_from_slice(self.field(10));
        }
        // MSH and MSA read once (the hot path of every server's ACK).
        let mut ack =
            MessageBuf::from_header_fields_and(d, crate::SegmentTerminator::Cr, &fields, &[&msa])?;
        if let Some(t) = options.text.as_deref().filter(|t| !t.is_empty()) {
            ack.set("MSA-3", t)?;
        }
        let legacy = self.legacy_err();
        for (i, e) in errors.iter().enumerate() {
            let n = i as u32 + 1;
            ack.append_segment("ERR")?;
            let path = |f: &str| alloc::format!("ERR[{n}]-{f}");
            let description = table_0357(e.code);
            let code = alloc::format!("{}", e.code);
            if legacy {
                if let Some(loc) = &e.location {
                    ack.set(path("1.1").as_str(), &loc.segment)?;
                    set_number(&mut ack, &path("1.2"), loc.sequence)?;
                    set_number(&mut ack, &path("1.3"), loc.field)?;
                }
                ack.set(path("1.4.1").as_str(), &code)?;
                ack.set(path("1.4.2").as_str(), description)?;
                ack.set(path("1.4.3").as_str(), "HL70357")?;
            } else {
                if let Some(loc) = &e.location {
                    ack.set(path("2.1").as_str(), &loc.segment)?;
                    set_number(&mut ack, &path("2.2"), loc.sequence)?;
                    set_number(&mut ack, &path("2.3"), loc.field)?;
                    set_number(&mut ack, &path("2.4"), loc.repetition)?;
                    set_number(&mut ack, &path("2.5"), loc.component)?;
                    set_number(&mut ack, &path("2.6"), loc.subcomponent)?;
                }
                ack.set(path("3.1").as_str(), &code)?;
                ack.set(path("3.2").as_str(), description)?;
                ack.set(path("3.3").as_str(), "HL70357")?;
                ack.set(path("4").as_str(), e.severity.as_str())?;
                if let Some(diag) = &e.diagnostic {
                    ack.set(path("7").as_str(), diag)?;
                }
                if let Some(t) = &e.text {
                    ack.set(path("8").as_str(), t)?;
                }
            }
        }
        Ok(ack)
    }
}

fn set_number(ack: &mut MessageBuf, path: &str, n: u32) -> Result<(), crate::EditError> {
    if n == 0 {
        return Ok(());
    }
    ack.set(path, &alloc::format!("{n}"))
}

/// The text HL7 table 0357 gives a code.
pub fn table_0357(code: u16) -> &'static str {
    match code {
        0 => "Message accepted",
        100 => "Segment sequence error",
        101 => "Required field missing",
        102 => "Data type error",
        103 => "Table value not found",
        104 => "Value too long",
        200 => "Unsupported message type",
        201 => "Unsupported event code",
        202 => "Unsupported processing id",
        203 => "Unsupported version id",
        204 => "Unknown key identifier",
        205 => "Duplicate key identifier",
        206 => "Application record locked",
        207 => "Application internal error",
        _ => "",
    }
}

/// The location of a diagnostic: the segment's name and occurrence, and its field.
fn locate(msg: &Message<'_>, segment: Option<u32>, field: Option<u32>) -> Option<ErrLocation> {
    let seg = msg.segment_at(segment? as usize)?;
    let name = seg.name();
    if name.len() != 3 || !name.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    let sequence = msg
        .segments()
        .take(seg.index() + 1)
        .filter(|s| s.name() == name)
        .count() as u32;
    Some(ErrLocation {
        segment: name.into(),
        sequence,
        field: field.unwrap_or(0),
        ..ErrLocation::default()
    })
}

fn wanted(d: &Diagnostic, level: IncludeDiagnostics) -> bool {
    match level {
        IncludeDiagnostics::None => false,
        IncludeDiagnostics::Errors => d.severity() == Severity::Error,
        IncludeDiagnostics::Warnings => d.severity() >= Severity::Warning,
    }
}

impl Message<'_> {
    /// Which acknowledgement rules MSH-15 and MSH-16 ask for.
    pub fn ack_mode(&self) -> AckMode {
        Source::from_message(self).map_or(AckMode::Original, |s| s.mode())
    }

    /// An acknowledgement of this message (see the [`ack`](crate::ack)
    /// module): the message's diagnostics (per `options.diagnostics`) and
    /// `options.errors` become ERR segments. Fails only on what the caller
    /// passes: a control id or timestamp holding a separator, or text the
    /// message's character set cannot hold.
    pub fn ack(&self, options: &AckOptions) -> Result<MessageBuf, crate::EditError> {
        let mut errors: Vec<AckError> = self
            .diagnostics()
            .iter()
            .filter(|d| wanted(d, options.diagnostics))
            .map(|d| AckError::from_diagnostic(d, locate(self, d.segment(), d.field())))
            .collect();
        errors.extend(options.errors.iter().cloned());
        let source = Source::from_message(self).unwrap_or(Source {
            delimiters: self.delimiters(),
            fields: [&[]; 19],
        });
        source.build(options, &errors)
    }
}

/// Acknowledges raw input, whether or not it parses: when it does, as
/// [`Message::ack`]; when it does not but its MSH is readable, the parse
/// error becomes an ERR segment and the code defaults to `AE` (`CE` in
/// enhanced mode). `Err` only when no MSH can be read.
///
/// ```
/// use pipehat::ack::{ack_bytes, AckOptions};
/// let too_long = b"MSH|^~\\&|LAB|HOSP|EHR|CLINIC|20240115||ORU^R01|MSG42|P|2.5.1\rOBX|1|TX|||0123456789abcdef\r";
/// let options = pipehat::ParseOptions::default().max_field_length(12);
/// let ack = ack_bytes(too_long, &options, &AckOptions::new("A1", "20240115"))?;
/// let text = ack.to_string();
/// assert!(text.contains("\rMSA|AE|MSG42\r"));
/// assert!(text.contains("\rERR||OBX^1^5|102^Data type error^HL70357|E|||field_too_long: "));
/// # Ok::<(), pipehat::ack::AckBytesError>(())
/// ```
pub fn ack_bytes(
    input: &[u8],
    parse_options: &crate::ParseOptions,
    options: &AckOptions,
) -> Result<MessageBuf, AckBytesError> {
    let error = match Message::parse_with(input, parse_options) {
        Ok(msg) => return msg.ack(options).map_err(AckBytesError::Edit),
        Err(e) => e,
    };
    let Some(source) = Source::from_bytes(input) else {
        return Err(AckBytesError::Parse(error));
    };
    let location = error.segment().and_then(|s| {
        let (segment, sequence) = segment_name(input, s as usize)?;
        Some(ErrLocation {
            segment,
            sequence,
            field: error.field().unwrap_or(0),
            ..ErrLocation::default()
        })
    });
    let mut errors = alloc::vec![AckError::from_parse_error(&error, location)];
    errors.extend(options.errors.iter().cloned());
    source.build(options, &errors).map_err(AckBytesError::Edit)
}

/// Why [`ack_bytes`] could not write an acknowledgement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AckBytesError {
    /// The input has no readable MSH: the parse error.
    Parse(ParseError),
    /// What the caller passed cannot be written (see [`Message::ack`]).
    Edit(crate::EditError),
}

impl AckBytesError {
    /// The stable code of the underlying error.
    pub fn code(&self) -> &'static str {
        match self {
            AckBytesError::Parse(e) => e.code(),
            AckBytesError::Edit(e) => e.code(),
        }
    }
}

impl core::fmt::Display for AckBytesError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            AckBytesError::Parse(e) => e.fmt(f),
            AckBytesError::Edit(e) => e.fmt(f),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for AckBytesError {}

/// The name and occurrence of the `n`th line-delimited segment of raw input
/// (best effort, for input that did not parse).
fn segment_name(input: &[u8], n: usize) -> Option<(String, u32)> {
    let lines: Vec<&[u8]> = input
        .split(|&b| b == b'\r' || b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    let name = lines.get(n)?.get(..3)?;
    if !name.iter().all(u8::is_ascii_alphanumeric) {
        return None;
    }
    let sequence = lines[..=n].iter().filter(|l| l.starts_with(name)).count() as u32;
    Some((String::from_utf8_lossy(name).into_owned(), sequence))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    const ORU: &[u8] = b"MSH|^~\\&|LAB|HOSP|EHR|CLINIC|20240115||ORU^R01^ORU_R01|MSG42|P|2.5.1\rPID|1||7\rOBX|1|TX|||a\\Q\\b\r";

    fn opts() -> AckOptions {
        AckOptions::new("ACK1", "20240115103000")
    }

    #[test]
    fn locations_read_back_what_they_write() {
        for text in [
            "PID-3",
            "PID-3(2).1",
            "PID-5.1.2",
            "OBX[2]-5",
            "PV1",
            "OBX[3]",
            "ZPD-1(3)",
        ] {
            let at = ErrLocation::parse(text).unwrap();
            assert_eq!(at.to_string(), text);
        }
        let pv1 = ErrLocation::parse("PV1").unwrap();
        assert_eq!((pv1.sequence, pv1.field, pv1.component), (1, 0, 0));
        for bad in ["", "P", "PID-0", "PID-3.", "pid-x", "PID[0]"] {
            assert!(ErrLocation::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn error_parts_are_read_as_the_bindings_pass_them() {
        let e = AckError::from_parts(
            100,
            Some("error"),
            Some("PV1"),
            None,
            Some("missing_segment".into()),
        )
        .unwrap();
        assert_eq!(
            (e.severity, e.location.unwrap().to_string()),
            (ErrSeverity::Error, "PV1".to_string())
        );
        assert_eq!(
            AckError::from_parts(101, None, None, None, None)
                .unwrap()
                .severity,
            ErrSeverity::Error
        );
        assert_eq!(
            AckError::from_parts(101, Some("info"), None, None, None)
                .unwrap()
                .severity,
            ErrSeverity::Information
        );
        assert_eq!(
            AckError::from_parts(101, Some("bad"), None, None, None).unwrap_err(),
            AckErrorPartError::Severity
        );
        assert!(matches!(
            AckError::from_parts(101, None, Some("PID-0"), None, None),
            Err(AckErrorPartError::Location(_))
        ));
    }

    #[test]
    fn diagnostics_become_err_segments() {
        let msg = Message::parse(ORU).unwrap();
        let ack = msg.ack(&opts()).unwrap().to_string();
        assert_eq!(
            ack,
            "MSH|^~\\&|EHR|CLINIC|LAB|HOSP|20240115103000||ACK^R01^ACK|ACK1|P|2.5.1\r\
             MSA|AA|MSG42\r\
             ERR||OBX^1^5|102^Data type error^HL70357|W|||malformed_escape: an escape sequence is malformed and was kept as written\r"
        );
        let mut o = opts();
        o.diagnostics = IncludeDiagnostics::Errors;
        o.code = Some(AckCode::AR);
        o.text = Some("Bad & wrong".into());
        let mut e = AckError::new(203);
        e.location = Some(ErrLocation::from_path(&"MSH-12".parse().unwrap()));
        e.text = Some("version 9|9".into());
        o.errors.push(e);
        let ack = msg.ack(&o).unwrap().to_string();
        assert!(ack.contains("\rMSA|AR|MSG42|Bad \\T\\ wrong\r"), "{ack}");
        assert!(
            ack.ends_with(
                "\rERR||MSH^1^12|203^Unsupported version id^HL70357|E||||version 9\\F\\9\r"
            ),
            "{ack}"
        );
    }

    #[test]
    fn default_code_follows_errors_and_mode() {
        let clean = Message::parse(b"MSH|^~\\&|A|B|C|D|1||ADT^A01|X|P|2.5\r").unwrap();
        let ack = clean.ack(&opts()).unwrap();
        assert_eq!(ack.message().get("MSA-1").unwrap().as_deref(), Some("AA"));
        let enhanced = Message::parse(b"MSH|^~\\&|A|B|C|D|1||ADT^A01|X|P|2.5|||AL|NE\r").unwrap();
        assert_eq!(
            enhanced.ack_mode(),
            AckMode::Enhanced {
                accept: AckCondition::Always,
                application: AckCondition::Never
            }
        );
        assert!(!enhanced.ack_mode().wants(AckCode::AA));
        let mut o = opts();
        o.errors.push(AckError::new(207));
        let ack = enhanced.ack(&o).unwrap();
        assert_eq!(ack.message().get("MSA-1").unwrap().as_deref(), Some("CE"));
        assert_eq!(ack.message().get("MSH-15").unwrap(), None);
    }

    #[test]
    fn legacy_versions_use_err_1() {
        let msg = Message::parse(b"MSH|^~\\&|A|B|C|D|1||ADT^A01|X|P|2.3\r").unwrap();
        let mut o = opts();
        let mut e = AckError::new(101);
        e.location = Some(ErrLocation::from_path(&"PID-3".parse().unwrap()));
        o.errors.push(e);
        let ack = msg.ack(&o).unwrap().to_string();
        assert!(
            ack.ends_with("\rMSA|AE|X\rERR|PID^1^3^101&Required field missing&HL70357\r"),
            "{ack}"
        );
    }

    #[test]
    fn keeps_odd_delimiters_and_charset() {
        let msg =
            Message::parse(b"MSH*!@$%*A*B*C*D*1**ADT!A04*X*P*2.5******UNICODE UTF-8\r").unwrap();
        let ack = msg.ack(&opts()).unwrap().to_string();
        assert!(ack.starts_with("MSH*!@$%*C*D*A*B*20240115103000**ACK!A04!ACK*ACK1*P*2.5******UNICODE UTF-8\rMSA*AA*X\r"), "{ack}");
    }

    #[test]
    fn unparsable_input_with_readable_header() {
        let input = b"MSH|^~\\&|A|B|C|D|1||ADT^A01|X|P|2.5\rPID|1\rZZZ|0123456789\r";
        let opt = crate::ParseOptions::default().max_field_length(8);
        let ack = ack_bytes(input, &opt, &opts()).unwrap().to_string();
        assert!(
            ack.contains("\rMSA|AE|X\rERR||ZZZ^1^1|102^Data type error^HL70357|E"),
            "{ack}"
        );
        let none = ack_bytes(b"PID|1\r", &opt, &opts()).unwrap_err();
        assert_eq!(none.code(), "missing_header");
        let strict = crate::ParseOptions::default().strict(true);
        let ack = ack_bytes(ORU, &strict, &opts()).unwrap().to_string();
        assert!(ack.contains("MSA|AE|MSG42\rERR||OBX^1^5|102^"), "{ack}");
    }

    #[test]
    fn caller_values_that_cannot_be_written_are_errors() {
        let msg = Message::parse(b"MSH|^~\\&|A|B|C|D|1||ADT^A01|X|P|2.5||||||ASCII\r").unwrap();
        let mut o = opts();
        o.text = Some("\u{4e2d}".into());
        assert_eq!(msg.ack(&o).unwrap_err().code(), "unencodable_character");
        let mut o = opts();
        o.control_id = "A|B".into();
        assert_eq!(msg.ack(&o).unwrap_err().code(), "invalid_value");
    }
}
