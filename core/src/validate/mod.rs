//! Validation against the HL7 v2 dictionary and conformance profiles.
//!
//! [`validate`] checks a message against its version (MSH-12, or the one
//! given): the **structure** (segment order, groups, cardinality; Z-segments
//! are allowed anywhere, as the standard allows), **required fields**,
//! **repetition** of fields that may not repeat, **datatype formats** (DTM,
//! DT, TS, NM, SI, and the shape of ID/IS codes) at field and component
//! level, **lengths** where the dictionary knows them, and **table values**
//! of HL7-defined (ID) tables. A [`Profile`] adds or overrides rules.
//!
//! Each [`Issue`] has a stable code, a severity, a path (`PID-7`,
//! `PID-3(2).4`, `OBX[2]-5`, or a segment), the segment index and a byte
//! offset; nothing in it quotes the message. [`Report::ack_errors`] turns
//! the report into ERR segments for an acknowledgement.
//!
//! ```
//! use pipehat::{validate::{validate, Options}, Message};
//! let msg = Message::parse(b"MSH|^~\\&|A|B|C|D|20240115||ADT^A01^ADT_A01|1|P|2.5.1\rEVN|A01|20240115\rPID|1||||DOE^JO||1980x\rPV1|1|I\r")?;
//! let report = validate(&msg, &Options::default());
//! let found: Vec<(&str, &str)> = report.issues.iter().map(|i| (i.code(), i.path.as_str())).collect();
//! assert_eq!(found, [("required_field_missing", "PID-3"), ("invalid_datetime", "PID-7.1")]);
//! assert!(!report.is_valid());
//! assert_eq!(report.ack_errors()[0].code, 101); // table 0357: required field missing
//! # Ok::<(), pipehat::ParseError>(())
//! ```

mod check;
mod plan;
mod profile;
mod report;
mod structure;

pub use profile::{Profile, ProfileError};
#[allow(deprecated)]
pub use report::IssueSeverity;
pub use report::{Issue, IssueKind, Report};

use crate::dictionary;
use crate::{Message, Severity};
use alloc::borrow::Cow;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use check::{mark_stops, same, segment_label, At, Checker};
use plan::Cache;

/// Options of [`validate`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Options<'p> {
    /// The version to check against; `None` reads MSH-12 (then the
    /// profile's version, if any).
    pub version: Option<&'p str>,
    /// Rules that add to or override the standard.
    pub profile: Option<&'p Profile>,
}

/// Validates `message`; see the [module documentation](self).
///
/// With the `std` feature, what the checks look up in the dictionary is kept
/// per thread (it depends on the version only, never on the options or the
/// messages), so calling `validate` message after message costs about what a
/// [`Validator`] does. Without `std`, each call starts afresh; a `Validator`
/// keeps the lookups explicitly.
pub fn validate(message: &Message<'_>, options: &Options<'_>) -> Report {
    #[cfg(feature = "std")]
    {
        std::thread_local! {
            static CACHES: core::cell::RefCell<Vec<Cache>> = const { core::cell::RefCell::new(Vec::new()) };
        }
        CACHES.with(|caches| match caches.try_borrow_mut() {
            Ok(mut caches) => run(message, options, &mut caches),
            Err(_) => run(message, options, &mut Vec::new()),
        })
    }
    #[cfg(not(feature = "std"))]
    run(message, options, &mut Vec::new())
}

/// Validates many messages with the same options, keeping what it looked up
/// in the dictionary (segment definitions, tables, the structure's segment
/// names) from one message to the next; reports are the same as
/// [`validate`]'s.
///
/// ```
/// use pipehat::{validate::Validator, Message};
/// let mut validator = Validator::new();
/// for text in [&b"MSH|^~\\&|A|B|C|D|20240115||ADT^A08^ADT_A01|1|P|2.5.1\rEVN||20240115\rPID|1||7^^^H^MR||DOE^JO\rPV1|1|I\r"[..]] {
///     let report = validator.validate(&Message::parse(text)?);
///     assert!(report.is_valid(), "{:?}", report.issues);
/// }
/// # Ok::<(), pipehat::ParseError>(())
/// ```
#[derive(Debug, Default)]
pub struct Validator {
    version: Option<String>,
    profile: Option<Profile>,
    caches: Vec<Cache>,
}

impl Validator {
    /// A validator that reads each message's version from MSH-12.
    pub fn new() -> Self {
        Self::default()
    }

    /// Checks against `version` instead of MSH-12 (see [`Options::version`]).
    pub fn with_version(mut self, version: impl Into<String>) -> Self {
        self.version = Some(version.into());
        self
    }

    /// Applies `profile` (see [`Options::profile`]).
    pub fn with_profile(mut self, profile: Profile) -> Self {
        self.profile = Some(profile);
        self
    }

    /// Validates one message.
    pub fn validate(&mut self, message: &Message<'_>) -> Report {
        let options = Options {
            version: self.version.as_deref(),
            profile: self.profile.as_ref(),
        };
        run(message, &options, &mut self.caches)
    }
}

fn run(message: &Message<'_>, options: &Options<'_>, caches: &mut Vec<Cache>) -> Report {
    let declared = message.version();
    let name = options.version.map(Cow::Borrowed).or(declared).or_else(|| {
        options
            .profile
            .and_then(|p| p.version.as_deref())
            .map(Cow::Borrowed)
    });
    let mut report = Report::default();
    let Some(version) = name.as_deref().and_then(dictionary::version) else {
        let msh12 = message
            .segment("MSH")
            .and_then(|s| s.field(12))
            .map_or(0, |f| f.offset());
        report.issues.push(Issue {
            kind: IssueKind::UnknownVersion,
            severity: Severity::Error,
            path: String::from("MSH-12"),
            segment: Some(0),
            offset: msh12,
        });
        return report;
    };
    report.version = Some(version.name);
    let slot = match caches
        .iter()
        .position(|c| core::ptr::eq(c.version, version))
    {
        Some(i) => i,
        None => {
            caches.push(Cache::new(version));
            caches.len() - 1
        }
    };
    let mut stops = core::mem::take(&mut caches[slot].stops);
    mark_stops(message, &mut stops);
    let mut checker = Checker {
        msg: message,
        profile: options.profile,
        issues: Vec::new(),
        cache: &mut caches[slot],
        escape: message.delimiters().escape(),
        stops: &stops,
        here: At {
            name: b"",
            occurrence: 0,
            field: 0,
            rep: 1,
            seg: 0,
        },
    };
    // The structure: MSH-9.3, else type_trigger, else the profile's.
    let structure_name: Option<Cow<'_, str>> = options
        .profile
        .and_then(|p| p.structure.as_deref().map(Cow::Borrowed))
        .or_else(|| message.message_structure())
        .or_else(|| {
            Some(Cow::Owned(format!(
                "{}_{}",
                message.message_type()?,
                message.trigger_event()?
            )))
        })
        .or_else(|| message.message_type());
    let structure = structure_name
        .as_deref()
        .and_then(|n| checker.cache.structure_named(n));
    match structure {
        Some(s) => {
            report.structure = Some(s.name);
            checker.structure(s);
        }
        None => {
            let offset = message
                .segment("MSH")
                .and_then(|s| s.field(9))
                .map_or(0, |f| f.offset());
            checker.push(
                IssueKind::UnknownStructure,
                Severity::Warning,
                String::from("MSH-9"),
                Some(0),
                offset,
            );
        }
    }
    // Occurrences so far of each segment name (a message has a few names).
    let mut counts: Vec<(&[u8], u32)> = Vec::with_capacity(16);
    for segment in message.segments() {
        let name = segment.name_bytes();
        let occurrence = match counts.iter_mut().find(|(n, _)| same(n, name)) {
            Some((_, n)) => {
                *n += 1;
                *n
            }
            None => {
                counts.push((name, 1));
                1
            }
        };
        checker.segment(&segment, occurrence);
    }
    if let Some(p) = options.profile {
        for (name, rule) in &p.segments {
            let n = counts
                .iter()
                .find(|(k, _)| same(k, name.as_bytes()))
                .map_or(0, |(_, n)| *n);
            if rule.min.is_some_and(|min| n < min) {
                let end = message.as_bytes().len();
                checker.push(
                    IssueKind::MissingSegment,
                    Severity::Error,
                    name.clone(),
                    None,
                    end,
                );
            }
            if let Some(max) = rule.max.filter(|max| n > *max) {
                if let Some(s) = message.segments_named(name).nth(max as usize) {
                    let label = segment_label(name, max + 1);
                    checker.push(
                        IssueKind::UnexpectedSegment,
                        Severity::Error,
                        label,
                        Some(s.index()),
                        s.offset(),
                    );
                }
            }
        }
    }
    let mut issues = checker.issues;
    caches[slot].stops = stops;
    issues.sort_by_key(|i| (i.offset, i.segment));
    report.issues = issues;
    report
}

#[cfg(test)]
mod tests {
    use super::plan::Codes;
    use super::*;

    /// The packed lookups, with what they remember (family codes, unknown
    /// codes, long codes), answer as the table does, lookup after lookup.
    #[test]
    fn packed_codes_answer_as_the_table() {
        let cases: &[(&str, u16, &[&str])] = &[
            // Coding systems: plain codes, families, unknown and long codes.
            (
                "2.7",
                396,
                &[
                    "LN",
                    "HL70005",
                    "HL70396",
                    "HL7",
                    "99LOC",
                    "99",
                    "UCUM",
                    "RXNORM",
                    "I10",
                    "ISO3166",
                    "NOPE",
                    "X12DE1234",
                    "HL70005X",
                    "",
                ],
            ),
            // Character sets: codes longer than 8 bytes.
            (
                "2.5.1",
                211,
                &[
                    "UNICODE UTF-8",
                    "UNICODE UTF-16",
                    "8859/1",
                    "ASCII",
                    "UNICODE UTF-9",
                    "UNICODE",
                ],
            ),
            ("2.5.1", 1, &["M", "F", "U", "X", "m", "MF"]),
        ];
        for &(version, id, codes) in cases {
            let table = dictionary::version(version)
                .and_then(|v| v.table(id))
                .expect("table");
            let mut packed = Codes::new(table);
            for round in 0..40 {
                for code in codes {
                    assert_eq!(
                        packed.contains(code.as_bytes()),
                        table.contains(code.as_bytes()),
                        "table {id} code {code:?} round {round}"
                    );
                }
            }
            assert!(!packed.set.is_empty(), "table {id} was never packed");
            let known = codes
                .iter()
                .filter(|c| table.contains(c.as_bytes()))
                .count();
            assert!(
                known > 0 && known < codes.len(),
                "table {id}: {known} known"
            );
        }
    }
}

#[cfg(test)]
mod message_tests {
    use super::*;
    use alloc::string::{String, ToString};

    /// The sentence written piece by piece reads as its parts say, the same
    /// through `Display`, `message()` and `write_message`, for offsets of
    /// one digit to the widest.
    #[test]
    fn issue_sentences_are_written_whole() {
        for (offset, digits) in [
            (0, "0"),
            (7, "7"),
            (372, "372"),
            (usize::MAX, "18446744073709551615"),
        ] {
            if offset == usize::MAX && usize::BITS < 64 {
                continue;
            }
            let issue = Issue {
                kind: IssueKind::UnknownCode,
                severity: crate::Severity::Warning,
                path: "OBX[2]-6.3".into(),
                segment: Some(5),
                offset,
            };
            let want = alloc::format!(
                "the code is not in its HL7 table (unknown_code, OBX[2]-6.3, byte {digits})"
            );
            assert_eq!(issue.to_string(), want);
            assert_eq!(issue.message(), want);
            let mut out = String::from("before: ");
            issue.write_message(&mut out);
            assert_eq!(out, alloc::format!("before: {want}"));
        }
    }
}
