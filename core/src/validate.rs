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
//! let found: Vec<(&str, &str)> = report.issues.iter().map(|i| (i.code, i.path.as_str())).collect();
//! assert_eq!(found, [("required_field_missing", "PID-3"), ("invalid_datetime", "PID-7.1")]);
//! assert!(!report.is_valid());
//! assert_eq!(report.ack_errors()[0].code, 101); // table 0357: required field missing
//! # Ok::<(), pipehat::ParseError>(())
//! ```

use crate::dictionary::{self, ComponentDef, Item, SegmentDef, StructureDef, TableDef, VersionDef};
use crate::{Message, Segment, Severity};
use alloc::borrow::Cow;
use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;

/// How bad an issue is: the crate's one [`Severity`](crate::Severity)
/// (validation gives `Error` and `Warning`).
#[deprecated(note = "use pipehat::Severity, the same type")]
pub type IssueSeverity = crate::Severity;

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// Stable code: `unknown_version`, `unknown_structure`, `missing_segment`,
    /// `unexpected_segment`, `unknown_segment`, `required_field_missing`,
    /// `field_repeated`, `too_many_repetitions`, `unexpected_field`,
    /// `invalid_datetime`, `invalid_number`, `invalid_sequence_id`,
    /// `invalid_code`, `value_too_long`, `unknown_code`, `forbidden_field`,
    /// `value_not_allowed`.
    pub code: &'static str,
    /// Error or warning.
    pub severity: Severity,
    /// Where: `PID-7`, `PID-3(2).4`, `OBX[2]-5`, or a segment (`PV1`, `OBX[3]`).
    pub path: String,
    /// 0-based index of the segment concerned (for a missing segment, where
    /// it was expected), when there is one.
    pub segment: Option<usize>,
    /// Byte offset in the message.
    pub offset: usize,
}

impl Issue {
    /// A sentence for people: what and where, never the value.
    pub fn message(&self) -> String {
        let what = match self.code {
            "unknown_version" => "the HL7 version is missing or unknown",
            "unknown_structure" => {
                "the message structure is not defined in this version; structure not checked"
            }
            "missing_segment" => "a required segment is missing",
            "unexpected_segment" => "a segment is not allowed here",
            "unknown_segment" => "the segment is not defined in this version",
            "required_field_missing" => "a required field is empty",
            "field_repeated" => "the field does not repeat but has repetitions",
            "too_many_repetitions" => "the field has more repetitions than allowed",
            "unexpected_field" => "the field is beyond the segment's definition",
            "invalid_datetime" => "not a valid date/time",
            "invalid_number" => "not a valid number",
            "invalid_sequence_id" => "not a valid sequence id",
            "invalid_code" => "a coded value with surrounding or control whitespace",
            "value_too_long" => "the value is longer than allowed",
            "unknown_code" => "the code is not in its HL7 table",
            "forbidden_field" => "the profile forbids this field",
            _ => "the profile does not allow this value",
        };
        format!(
            "{what} ({}, {} at byte {})",
            self.code, self.path, self.offset
        )
    }

    /// Table 0357 code for an ERR segment.
    pub fn hl7_code(&self) -> u16 {
        match self.code {
            "missing_segment" | "unexpected_segment" | "unknown_segment" => 100,
            "required_field_missing" => 101,
            "invalid_datetime"
            | "invalid_number"
            | "invalid_sequence_id"
            | "invalid_code"
            | "field_repeated"
            | "too_many_repetitions"
            | "unexpected_field"
            | "forbidden_field" => 102,
            "unknown_code" | "value_not_allowed" => 103,
            "value_too_long" => 104,
            "unknown_structure" => 200,
            "unknown_version" => 203,
            _ => 207,
        }
    }
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

/// What [`validate`] found.
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
            write_string(&mut out, i.code);
            out.push_str(",\"severity\":");
            write_string(&mut out, i.severity.as_str());
            out.push_str(",\"path\":");
            write_string(&mut out, &i.path);
            out.push_str(",\"segment\":");
            match i.segment {
                Some(s) => push_number(&mut out, s),
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
    /// assert!(ack.ends_with("ERR||PV1^1|100^Segment sequence error^HL70357|E|||missing_segment|a required segment is missing (missing_segment, PV1 at byte 94)\r"), "{ack}");
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
                    i.code,
                    i.message(),
                )
            })
            .collect()
    }
}

/// Options of [`validate`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Options<'p> {
    /// The version to check against; `None` reads MSH-12 (then the
    /// profile's version, if any).
    pub version: Option<&'p str>,
    /// Rules that add to or override the standard.
    pub profile: Option<&'p Profile>,
}

// ---------------------------------------------------------------- profiles

/// Usage of a field in a profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(not(feature = "json"), allow(dead_code))] // profiles are read from JSON
enum Usage {
    Required,
    Optional,
    Forbidden,
}

#[derive(Debug, Clone, Default)]
struct FieldRule {
    usage: Option<Usage>,
    max: Option<u32>,
    values: Option<Vec<String>>,
    datatype: Option<String>,
}

#[derive(Debug, Clone, Default)]
struct SegmentRule {
    min: Option<u32>,
    max: Option<u32>,
    fields: BTreeMap<u32, FieldRule>,
}

/// A conformance profile: JSON that overrides the standard.
///
/// ```json
/// { "version": "2.5.1",
///   "structure": "ADT_A01",
///   "segments": {
///     "PID": { "min": 1, "max": 1,
///              "fields": { "3": { "usage": "R", "max": 2 },
///                          "8": { "values": ["F", "M", "U"] },
///                          "19": { "usage": "X" } } },
///     "ZPD": { "min": 1, "fields": { "1": { "usage": "R", "datatype": "DTM" } } } } }
/// ```
///
/// `usage`: `R` (required), `RE`/`O` (optional, no check), `X` (forbidden);
/// `max`: most repetitions; `values`: allowed codes (first component);
/// `datatype`: a format to check (DTM, DT, TS, NM, SI, ID, IS; any other
/// name is not checked). A segment's `min`/`max` count its occurrences.
/// Unknown keys are errors, so a misspelt rule is not silently ignored.
#[derive(Debug, Clone, Default)]
pub struct Profile {
    version: Option<String>,
    structure: Option<String>,
    segments: BTreeMap<String, SegmentRule>,
}

/// A profile that could not be read (see [`SpecError`](crate::SpecError)):
/// `invalid_json` (or `invalid_yaml`), `invalid_profile` or `unknown_key`,
/// with a JSON pointer.
pub type ProfileError = crate::SpecError;

#[cfg(feature = "json")]
fn profile_error(code: &'static str, pointer: impl Into<String>) -> ProfileError {
    crate::SpecError::new("profile", code, pointer)
}

#[cfg(feature = "json")]
impl Profile {
    /// Reads a profile from JSON text.
    pub fn parse(text: &str) -> Result<Profile, ProfileError> {
        let doc: serde_json::Value =
            serde_json::from_str(text).map_err(|_| profile_error("invalid_json", ""))?;
        Self::from_value(&doc)
    }

    /// Reads a profile from YAML text (the same keys as JSON; field numbers
    /// may be written as plain numbers). Feature `yaml`.
    ///
    /// ```
    /// let profile = pipehat::validate::Profile::parse_yaml(
    ///     "version: '2.5.1'\nsegments:\n  PID:\n    fields:\n      3: {usage: R, max: 2}\n",
    /// )?;
    /// # Ok::<(), pipehat::validate::ProfileError>(())
    /// ```
    #[cfg(feature = "yaml")]
    pub fn parse_yaml(text: &str) -> Result<Profile, ProfileError> {
        let doc: serde_json::Value =
            yaml_serde::from_str(text).map_err(|_| profile_error("invalid_yaml", ""))?;
        Self::from_value(&doc)
    }

    fn from_value(doc: &serde_json::Value) -> Result<Profile, ProfileError> {
        use serde_json::Value;
        let top = doc
            .as_object()
            .ok_or_else(|| profile_error("invalid_profile", ""))?;
        let mut profile = Profile::default();
        let count = |v: &Value, at: &str| {
            v.as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| profile_error("invalid_profile", at))
        };
        for (key, value) in top {
            match key.as_str() {
                "version" | "structure" => {
                    // A version written as a YAML number (2.5) reads as its text.
                    let number = (key == "version")
                        .then(|| value.as_number().map(|n| n.to_string()))
                        .flatten();
                    let s = value
                        .as_str()
                        .or(number.as_deref())
                        .ok_or_else(|| profile_error("invalid_profile", format!("/{key}")))?;
                    if key == "version" {
                        profile.version = Some(s.into());
                    } else {
                        profile.structure = Some(s.into());
                    }
                }
                "name" | "description" => {}
                "segments" => {
                    let segs = value
                        .as_object()
                        .ok_or_else(|| profile_error("invalid_profile", "/segments"))?;
                    for (name, rule) in segs {
                        let at = format!("/segments/{name}");
                        if name.len() != 3 || !name.bytes().all(|b| b.is_ascii_alphanumeric()) {
                            return Err(profile_error("invalid_profile", at));
                        }
                        let obj = rule
                            .as_object()
                            .ok_or_else(|| profile_error("invalid_profile", at.clone()))?;
                        let mut seg = SegmentRule::default();
                        for (k, v) in obj {
                            let here = format!("{at}/{k}");
                            match k.as_str() {
                                "min" => seg.min = Some(count(v, &here)?),
                                "max" => seg.max = Some(count(v, &here)?),
                                "fields" => {
                                    let fields = v.as_object().ok_or_else(|| {
                                        profile_error("invalid_profile", here.clone())
                                    })?;
                                    for (n, f) in fields {
                                        let fat = format!("{here}/{n}");
                                        let number =
                                            n.parse::<u32>().ok().filter(|n| *n > 0).ok_or_else(
                                                || profile_error("invalid_profile", fat.clone()),
                                            )?;
                                        seg.fields.insert(number, field_rule(f, &fat)?);
                                    }
                                }
                                _ => return Err(profile_error("unknown_key", here)),
                            }
                        }
                        profile.segments.insert(name.clone(), seg);
                    }
                }
                _ => return Err(profile_error("unknown_key", format!("/{key}"))),
            }
        }
        Ok(profile)
    }
}

#[cfg(feature = "json")]
fn field_rule(v: &serde_json::Value, at: &str) -> Result<FieldRule, ProfileError> {
    let obj = v
        .as_object()
        .ok_or_else(|| profile_error("invalid_profile", at))?;
    let mut rule = FieldRule::default();
    for (k, v) in obj {
        let here = format!("{at}/{k}");
        let bad = || profile_error("invalid_profile", here.clone());
        match k.as_str() {
            "usage" => {
                rule.usage = Some(match v.as_str().ok_or_else(bad)? {
                    "R" => Usage::Required,
                    "RE" | "O" | "C" | "CE" => Usage::Optional,
                    "X" => Usage::Forbidden,
                    _ => return Err(bad()),
                })
            }
            "max" => {
                rule.max = Some(
                    v.as_u64()
                        .and_then(|n| u32::try_from(n).ok())
                        .ok_or_else(bad)?,
                )
            }
            "values" => {
                let list = v.as_array().ok_or_else(bad)?;
                let mut values = Vec::new();
                for x in list {
                    // Codes written as numbers (1 for "1") read as their text.
                    let code = match x.as_number() {
                        Some(n) => n.to_string(),
                        None => String::from(x.as_str().ok_or_else(bad)?),
                    };
                    values.push(code);
                }
                rule.values = Some(values);
            }
            "datatype" => rule.datatype = Some(String::from(v.as_str().ok_or_else(bad)?)),
            "name" | "description" => {}
            _ => return Err(profile_error("unknown_key", here)),
        }
    }
    Ok(rule)
}

// ---------------------------------------------------------------- checks

/// Where a repetition is: segment name, occurrence and index, field and
/// repetition numbers (the path is written only for an issue).
#[derive(Clone, Copy)]
struct At<'l> {
    /// The segment name (read as UTF-8 only for a path).
    name: &'l [u8],
    occurrence: u32,
    field: usize,
    rep: usize,
    seg: usize,
}

impl At<'_> {
    fn path(&self, component: Option<usize>, sub: bool) -> String {
        let name = core::str::from_utf8(self.name).unwrap_or("");
        let mut s = segment_label(name, self.occurrence);
        s.push('-');
        push_number(&mut s, self.field);
        if self.rep > 1 {
            s.push('(');
            push_number(&mut s, self.rep);
            s.push(')');
        }
        if let Some(c) = component {
            s.push('.');
            push_number(&mut s, c);
        }
        if sub {
            s.push_str(".1");
        }
        s
    }
}

fn push_number(s: &mut String, mut n: usize) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    s.extend(digits[i..].iter().map(|&d| char::from(d)));
}

/// What one version's checks looked up in the dictionary, kept between
/// messages by a [`Validator`].
#[derive(Debug)]
struct Cache {
    version: &'static VersionDef,
    /// Segment definitions by packed name, with their plans once built.
    segments: Vec<(u32, Option<&'static SegmentDef>, Option<SegmentPlan>)>,
    /// Tables by id, with their codes packed for lookups.
    tables: Vec<(u16, Option<Codes>)>,
    /// The last structure used and the packed names of the segments it mentions.
    structure: Option<(&'static StructureDef, Vec<u32>)>,
    /// Leaf checks of datatypes named by OBX-2 or a profile.
    named: Vec<(String, Arc<[PartCheck]>)>,
    /// Structures looked up by name.
    structures: Vec<(String, Option<&'static StructureDef>)>,
    /// A buffer for the separator bits of the message being checked.
    stops: Vec<u64>,
    /// Structure matches of recent sequences of segment names.
    shapes: Vec<Shape>,
    /// A buffer for the packed segment names of the message being checked.
    shape: Vec<u32>,
    next_shape: usize,
}

/// How many structure matches a [`Cache`] keeps.
const SHAPES: usize = 64;

/// The structure match of one sequence of segment names.
#[derive(Debug)]
struct Shape {
    /// [`shape_key`] of `names`.
    key: u64,
    structure: &'static StructureDef,
    names: Vec<u32>,
    missing: Vec<(usize, &'static str)>,
    unexpected: Vec<usize>,
}

impl Cache {
    fn new(version: &'static VersionDef) -> Self {
        Cache {
            version,
            segments: Vec::new(),
            tables: Vec::new(),
            structure: None,
            named: Vec::new(),
            structures: Vec::new(),
            stops: Vec::new(),
            shapes: Vec::new(),
            shape: Vec::new(),
            next_shape: 0,
        }
    }

    /// Where table `id`'s codes are kept (from 1); 0 when there are none to check.
    fn table_slot(&mut self, id: u16) -> u16 {
        if id == 0 {
            return 0;
        }
        let i = match self.tables.iter().position(|(k, _)| *k == id) {
            Some(i) => i,
            None => {
                let codes = self.version.table(id).map(Codes::new);
                self.tables.push((id, codes));
                self.tables.len() - 1
            }
        };
        match &self.tables[i].1 {
            Some(codes) if !codes.is_empty() => u16::try_from(i + 1).unwrap_or(0),
            _ => 0,
        }
    }

    /// Resolves the tables of `checks` to their slots.
    fn resolve(&mut self, checks: &mut [PartCheck]) {
        for c in checks {
            c.codes = if c.check == 4 {
                self.table_slot(c.table)
            } else {
                0
            };
        }
    }

    fn slot(&mut self, name: &[u8]) -> Option<usize> {
        let key = pack(name);
        if key == 0 {
            return None;
        }
        Some(match self.segments.iter().position(|(k, ..)| *k == key) {
            Some(i) => i,
            None => {
                self.segments.push((key, self.version.segment(name), None));
                self.segments.len() - 1
            }
        })
    }

    fn segment(&mut self, name: &[u8]) -> Option<&'static SegmentDef> {
        match self.slot(name) {
            Some(i) => self.segments[i].1,
            None => self.version.segment(name),
        }
    }

    /// The definition of segment `name` and its plan, lent out until
    /// [`give_back`](Self::give_back).
    fn take_plan(&mut self, name: &[u8]) -> Option<(Option<usize>, SegmentPlan)> {
        let Some(i) = self.slot(name) else {
            let def = self.version.segment(name)?;
            return Some((None, SegmentPlan::new(def, self)));
        };
        let def = self.segments[i].1?;
        let plan = match self.segments[i].2.take() {
            Some(plan) => plan,
            None => SegmentPlan::new(def, self),
        };
        Some((Some(i), plan))
    }

    /// The leaf checks of datatype `name` (checked as a primitive when the
    /// version does not define it as a composite).
    fn named_checks(&mut self, name: &str) -> Arc<[PartCheck]> {
        if let Some((_, checks)) = self.named.iter().find(|(n, _)| n == name) {
            return checks.clone();
        }
        let components = self
            .version
            .datatype(name)
            .map_or(&[][..], |d| d.components);
        let check = if components.is_empty() {
            check_code(name)
        } else {
            0
        };
        let mut checks = Vec::new();
        part_checks(check, 0, components, &mut checks);
        self.resolve(&mut checks);
        let checks: Arc<[PartCheck]> = checks.into();
        if self.named.len() < 64 {
            self.named.push((String::from(name), checks.clone()));
        }
        checks
    }

    fn give_back(&mut self, slot: Option<usize>, plan: SegmentPlan) {
        if let Some(entry) = slot.and_then(|i| self.segments.get_mut(i)) {
            entry.2 = Some(plan);
        }
    }

    /// The structure called `name`.
    fn structure_named(&mut self, name: &str) -> Option<&'static StructureDef> {
        if let Some((_, s)) = self.structures.iter().find(|(n, _)| n == name) {
            return *s;
        }
        let s = self.version.structure(name);
        if self.structures.len() < 64 {
            self.structures.push((String::from(name), s));
        }
        s
    }

    /// The packed names of the segments `structure` mentions.
    fn mentioned(&mut self, structure: &'static StructureDef) -> &[u32] {
        let fresh = !matches!(&self.structure, Some((s, _)) if core::ptr::eq(*s, structure));
        if fresh {
            let mut names = Vec::new();
            collect_names(structure.items, &mut names);
            self.structure = Some((structure, names));
        }
        self.structure.as_ref().map_or(&[][..], |(_, n)| n)
    }
}

/// What validation needs of one field definition, laid out together.
#[derive(Debug, Clone, Copy)]
struct FieldPlan {
    /// Whether the field is defined (the dictionary has unnamed gaps).
    defined: bool,
    required: bool,
    /// Most repetitions; 0: unbounded.
    max: u16,
    /// 0: not known.
    length: u16,
    /// The datatype is `varies` (OBX-5 takes OBX-2's).
    varies: bool,
    /// The field's leaf checks: `SegmentPlan::checks[start..end]`.
    checks: (u16, u16),
}

/// One value a datatype checks: the whole value of a primitive, a
/// component, or a nested composite's first subcomponent.
#[derive(Debug, Clone, Copy)]
struct PartCheck {
    /// The component (from 1; 1 for a primitive).
    component: usize,
    /// The value is a primitive's (its path names no component).
    whole: bool,
    /// The value is the component's first subcomponent.
    sub: bool,
    check: u8,
    /// The HL7 table of an ID (0: none).
    table: u16,
    /// Where [`Cache`] keeps that table's codes (from 1; 0: nothing to look up).
    codes: u16,
}

/// The leaf checks of a datatype (`check` for a primitive, `components` for
/// a composite), in component order.
fn part_checks(check: u8, table: u16, components: &[ComponentDef], out: &mut Vec<PartCheck>) {
    if components.is_empty() {
        if check != 0 {
            out.push(PartCheck {
                component: 1,
                whole: true,
                sub: false,
                check,
                table,
                codes: 0,
            });
        }
        return;
    }
    for (i, c) in components.iter().enumerate() {
        let (check, table, sub) = match c.components.first() {
            Some(first) => (first.check, first.table, true),
            None => (c.check, c.table, false),
        };
        if check != 0 {
            out.push(PartCheck {
                component: i + 1,
                whole: false,
                sub,
                check,
                table,
                codes: 0,
            });
        }
    }
}

/// A segment definition's fields as validation reads them.
#[derive(Debug)]
struct SegmentPlan {
    fields: Vec<FieldPlan>,
    checks: Vec<PartCheck>,
    /// The highest required field number (0: none).
    last_required: usize,
}

impl SegmentPlan {
    fn new(def: &'static SegmentDef, cache: &mut Cache) -> Self {
        let mut checks = Vec::new();
        let fields: Vec<FieldPlan> = def
            .fields
            .iter()
            .map(|d| {
                let start = checks.len() as u16;
                part_checks(d.check, d.table, d.components, &mut checks);
                FieldPlan {
                    defined: !d.name.is_empty(),
                    required: !d.name.is_empty() && d.min > 0,
                    max: d.max,
                    length: d.length,
                    varies: d.datatype == "varies",
                    checks: (start, checks.len() as u16),
                }
            })
            .collect();
        let last_required = fields.iter().rposition(|f| f.required).map_or(0, |i| i + 1);
        cache.resolve(&mut checks);
        SegmentPlan {
            fields,
            checks,
            last_required,
        }
    }
}

/// A field only a profile defines.
const UNDEFINED: FieldPlan = FieldPlan {
    defined: false,
    required: false,
    max: 0,
    length: 0,
    varies: false,
    checks: (0, 0),
};

/// A table's codes for membership tests: once a table has been looked up a
/// few times, its codes of up to 8 bytes are packed into numbers and kept
/// in an open-addressing hash set (a multiply, a shift, a probe or two).
#[derive(Debug)]
struct Codes {
    table: &'static TableDef,
    /// Slots of packed codes (0: empty); the length is a power of two.
    set: Vec<u64>,
    lookups: u32,
    /// Family codes added to `set` once found (up to a quarter of its slots).
    added: usize,
    /// The last few packed codes not in the table, replaced in turn from `next_miss`.
    misses: Vec<u64>,
    next_miss: usize,
    /// Codes longer than 8 bytes found in the table.
    long: Vec<&'static str>,
}

/// How many unknown codes, and codes longer than 8 bytes, a [`Codes`] keeps.
const MISSES: usize = 4;

/// Lookups of a table before its codes are packed.
const PACK_AFTER: u32 = 8;

/// Packs a code of 1 to 8 bytes into a non-zero number; others give `None`.
fn pack_code(code: &[u8]) -> Option<u64> {
    if code.is_empty() || code.len() > 8 {
        return None;
    }
    // The bytes, then the length in the top bits so that "A" and "A\0" differ.
    let word = code.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
    Some(word ^ ((code.len() as u64) << 60) ^ (1 << 63))
}

impl Codes {
    fn new(table: &'static TableDef) -> Self {
        Codes {
            table,
            set: Vec::new(),
            lookups: 0,
            added: 0,
            misses: Vec::new(),
            next_miss: 0,
            long: Vec::new(),
        }
    }

    fn is_empty(&self) -> bool {
        self.table.values.is_empty()
    }

    fn slot(&self, packed: u64) -> usize {
        let bits = self.set.len().trailing_zeros();
        (packed.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - bits)) as usize
    }

    fn build(&mut self) {
        let codes: Vec<u64> = self
            .table
            .values()
            .filter_map(|v| pack_code(v.as_bytes()))
            .collect();
        self.set = alloc::vec![0; (codes.len() * 2).next_power_of_two().max(2)];
        let mask = self.set.len() - 1;
        for code in codes {
            let mut i = self.slot(code);
            while self.set[i] != 0 && self.set[i] != code {
                i = (i + 1) & mask;
            }
            self.set[i] = code;
        }
    }

    #[inline]
    fn contains(&mut self, code: &[u8]) -> bool {
        let packed = match pack_code(code) {
            Some(packed) if !self.set.is_empty() => packed,
            _ => return self.contains_unpacked(code),
        };
        let mask = self.set.len() - 1;
        let mut i = self.slot(packed);
        loop {
            match self.set.get(i) {
                Some(&x) if x == packed => return true,
                Some(&0) | None => return self.in_family(code, packed, i),
                Some(_) => i = (i + 1) & mask,
            }
        }
    }

    /// Whether `code`, not among the packed codes, is in one of the
    /// table's families (`HL7nnnn`); a code that is gets packed into free
    /// slot `free` (up to a quarter of the slots) so that it is found next time.
    #[cold]
    #[inline(never)]
    fn in_family(&mut self, code: &[u8], packed: u64, free: usize) -> bool {
        if self.misses.contains(&packed) {
            return false;
        }
        let found = self.table.matches_family(code);
        if !found {
            // A feed repeats its unknown codes too: the last few are kept.
            if self.misses.len() < MISSES {
                self.misses.push(packed);
            } else {
                self.misses[self.next_miss % MISSES] = packed;
                self.next_miss += 1;
            }
        } else if self.added < self.set.len() / 4 {
            if let Some(slot) = self.set.get_mut(free) {
                *slot = packed;
                self.added += 1;
            }
        }
        found
    }

    /// [`contains`](Self::contains) from the table itself: before the codes
    /// are packed (counting the lookups), or for a code longer than 8 bytes.
    #[cold]
    #[inline(never)]
    fn contains_unpacked(&mut self, code: &[u8]) -> bool {
        if self.lookups < PACK_AFTER {
            self.lookups += 1;
            if self.lookups == PACK_AFTER {
                self.build();
            }
            return self.table.contains(code);
        }
        // A long code (`UNICODE UTF-8`): the last few found are kept.
        if self.long.iter().any(|v| v.as_bytes() == code) {
            return true;
        }
        match self.table.values().find(|v| v.as_bytes() == code) {
            Some(v) => {
                if self.long.len() < MISSES {
                    self.long.push(v);
                }
                true
            }
            None => self.table.matches_family(code),
        }
    }
}

fn collect_names(items: &[Item], out: &mut Vec<u32>) {
    for item in items {
        match item {
            Item::Segment { name, .. } => {
                let key = pack(name.as_bytes());
                if !out.contains(&key) {
                    out.push(key);
                }
            }
            Item::Group { items, .. } => collect_names(items, out),
        }
    }
}

struct Checker<'m, 'a> {
    msg: &'m Message<'a>,
    profile: Option<&'m Profile>,
    issues: Vec<Issue>,
    cache: &'m mut Cache,
    escape: u8,
    /// Where the message's repetition, component and subcomponent
    /// separators are, one bit per byte.
    stops: &'m [u64],
    /// The segment being checked (its field and repetition unset).
    here: At<'m>,
}

/// `PID`, or `OBX[3]` from the second occurrence on.
fn segment_label(name: &str, occurrence: u32) -> String {
    let mut s = String::with_capacity(name.len() + 12);
    s.push_str(name);
    if occurrence > 1 {
        s.push('[');
        push_number(&mut s, occurrence as usize);
        s.push(']');
    }
    s
}

/// A hash of a sequence of packed segment names, to tell sequences apart quickly.
fn shape_key(names: &[u32]) -> u64 {
    names.iter().fold(names.len() as u64, |h, &n| {
        (h ^ u64::from(n)).wrapping_mul(0x0100_0000_01B3)
    })
}

/// A segment name packed into a number (names of 1 to 3 bytes; 0 otherwise).
fn pack(name: &[u8]) -> u32 {
    match *name {
        [a, b, c] => u32::from_le_bytes([a, b, c, 3]),
        [a, b] => u32::from_le_bytes([a, b, 0, 2]),
        [a] => u32::from_le_bytes([a, 0, 0, 1]),
        _ => 0,
    }
}

fn is_z(name: &str) -> bool {
    name.starts_with('Z')
}

/// The check a primitive datatype gets, as the generator encodes it: 0 none,
/// 1 date/time (DTM, DT, TS, DIN), 2 number (NM), 3 sequence id (SI), 4 ID
/// (code shape and HL7 table), 5 IS (code shape).
fn check_code(datatype: &str) -> u8 {
    match datatype.as_bytes() {
        b"DTM" | b"DT" | b"TS" | b"DIN" => 1,
        b"NM" => 2,
        b"SI" => 3,
        b"ID" => 4,
        b"IS" => 5,
        _ => 0,
    }
}

/// The format check of a primitive (decoded text, not the null `""`);
/// `None` when the value is fine.
fn check_format(check: u8, text: &str) -> Option<&'static str> {
    match check {
        1 => crate::datatype::DateTime::parse(text)
            .err()
            .map(|_| "invalid_datetime"),
        2 => (!crate::datatype::is_number(text.trim().as_bytes())).then_some("invalid_number"),
        3 => crate::datatype::parse_sequence_id(text)
            .err()
            .map(|_| "invalid_sequence_id"),
        4 | 5 => {
            (text.trim() != text || text.chars().any(char::is_control)).then_some("invalid_code")
        }
        _ => None,
    }
}

/// [`check_format`] of ASCII text without escape sequences, read as bytes.
fn check_ascii(check: u8, b: &[u8]) -> Option<&'static str> {
    use crate::datatype::{is_ascii_space, trim_ascii};
    match check {
        1 => {
            if let Some(ok) = crate::datatype::plain_datetime_ok(b) {
                return (!ok).then_some("invalid_datetime");
            }
            let t = trim_ascii(b);
            let lead = b
                .iter()
                .position(|&c| !is_ascii_space(c))
                .unwrap_or(b.len());
            crate::datatype::DateTime::parse_trimmed(t, lead)
                .err()
                .map(|_| "invalid_datetime")
        }
        2 => (!crate::datatype::is_number(b)).then_some("invalid_number"),
        3 => (!crate::datatype::is_sequence_id(b)).then_some("invalid_sequence_id"),
        4 | 5 => {
            let edge = |c: Option<&u8>| c.is_some_and(|&c| is_ascii_space(c));
            (edge(b.first()) || edge(b.last()) || b.iter().any(|&c| c < 0x20 || c == 0x7f))
                .then_some("invalid_code")
        }
        _ => None,
    }
}

/// [`check_ascii`] of printable ASCII (no controls, so the only space
/// that trimming would remove is `' '`).
#[inline]
fn check_printable(check: u8, b: &[u8]) -> Option<&'static str> {
    match check {
        4 | 5 => (b.first() == Some(&b' ') || b.last() == Some(&b' ')).then_some("invalid_code"),
        0 => None,
        _ => check_ascii(check, b),
    }
}

/// The first position at or after `from`, and before `end`, that `stops`
/// marks (one bit per byte of the message); `end` when there is none.
#[inline]
fn next_stop(stops: &[u64], from: usize, end: usize) -> usize {
    let mut word = from >> 6;
    let Some(&first) = stops.get(word) else {
        return end;
    };
    let mut bits = first & (!0u64 << (from & 63));
    loop {
        if bits != 0 {
            return ((word << 6) + bits.trailing_zeros() as usize).min(end);
        }
        word += 1;
        if word << 6 >= end {
            return end;
        }
        bits = match stops.get(word) {
            Some(&b) => b,
            None => return end,
        };
    }
}

/// Marks in `stops` (one bit per byte) every repetition, component and
/// subcomponent separator of `message`.
fn mark_stops(message: &Message<'_>, stops: &mut Vec<u64>) {
    let d = message.delimiters();
    crate::scan::bitmap3(
        message.as_bytes(),
        d.repetition(),
        d.component(),
        d.subcomponent(),
        stops,
    );
}

impl<'m> Checker<'m, '_> {
    /// Where field `field`, repetition `rep` of the segment being checked is.
    fn at(&self, field: usize, rep: usize) -> At<'m> {
        At {
            field,
            rep,
            ..self.here
        }
    }

    /// A field the segment's definition does not have.
    #[cold]
    fn unexpected_field(&mut self, field: usize, offset: usize) {
        let at = self.at(field, 1);
        self.push(
            "unexpected_field",
            Severity::Warning,
            at.path(None, false),
            Some(at.seg),
            offset,
        );
    }

    /// The datatype OBX-2 names for OBX-5 (`varies` in the dictionary).
    fn obx5_checks(&mut self, segment: &Segment<'_>) -> Option<Arc<[PartCheck]>> {
        let name = segment
            .field(2)
            .map(|v| v.value())
            .filter(|n| !n.is_empty())?;
        Some(self.cache.named_checks(&name))
    }

    fn push(
        &mut self,
        code: &'static str,
        severity: Severity,
        path: String,
        segment: Option<usize>,
        offset: usize,
    ) {
        self.issues.push(Issue {
            code,
            severity,
            path,
            segment,
            offset,
        });
    }

    #[cold]
    fn required_missing(&mut self, at: At<'_>, offset: usize) {
        let path = at.path(None, false);
        self.push(
            "required_field_missing",
            Severity::Error,
            path,
            Some(at.seg),
            offset,
        );
    }

    /// Checks a leaf value (check code from the generator) and its HL7
    /// table. `bytes` are as encoded; a value with an escape sequence or
    /// bytes outside ASCII is decoded first.
    #[inline]
    fn leaf(&mut self, part: &PartCheck, bytes: &[u8], offset: usize, field: usize, rep: usize) {
        if bytes.is_empty() || bytes == b"\"\"" {
            return;
        }
        // One pass, without branches: printable ASCII and no escape.
        let escape = self.escape;
        let plain = bytes.iter().fold(true, |ok, &b| {
            ok & (b.wrapping_sub(0x20) < 0x5f) & (b != escape)
        });
        let issue = if plain {
            check_printable(part.check, bytes)
        } else if bytes.iter().all(|&b| b < 0x80 && b != escape) {
            check_ascii(part.check, bytes)
        } else {
            return self.decoded_leaf(part, bytes, offset, field, rep);
        };
        if let Some(code) = issue {
            return self.leaf_issue(code, part, offset, field, rep);
        }
        if part.codes != 0 && !self.known_code(part.codes, bytes) {
            self.leaf_issue("unknown_code", part, offset, field, rep);
        }
    }

    /// [`leaf`](Self::leaf) for a value to decode first.
    #[cold]
    #[inline(never)]
    fn decoded_leaf(
        &mut self,
        part: &PartCheck,
        bytes: &[u8],
        offset: usize,
        field: usize,
        rep: usize,
    ) {
        let span = crate::view::Span::new(bytes, offset, self.msg.ctx());
        let decoded = if part.sub {
            crate::Subcomponent(span).value()
        } else {
            crate::Component(span).value()
        };
        if decoded.is_empty() || decoded == "\"\"" {
            return;
        }
        if let Some(code) = check_format(part.check, &decoded) {
            return self.leaf_issue(code, part, offset, field, rep);
        }
        if part.codes != 0 && !self.known_code(part.codes, decoded.as_bytes()) {
            self.leaf_issue("unknown_code", part, offset, field, rep);
        }
    }

    /// Whether the table in slot `codes` has `code`.
    #[inline(never)]
    fn known_code(&mut self, codes: u16, code: &[u8]) -> bool {
        match self.cache.tables.get_mut(usize::from(codes) - 1) {
            Some((_, Some(t))) => t.contains(code),
            _ => true,
        }
    }

    #[cold]
    #[inline(never)]
    fn leaf_issue(
        &mut self,
        code: &'static str,
        part: &PartCheck,
        offset: usize,
        field: usize,
        rep: usize,
    ) {
        let at = self.at(field, rep);
        let severity = match code {
            "invalid_code" | "unknown_code" => Severity::Warning,
            _ => Severity::Error,
        };
        let component = (!part.whole).then_some(part.component);
        let path = at.path(component, part.sub);
        self.push(code, severity, path, Some(at.seg), offset);
    }

    #[inline(always)]
    fn walk(
        &mut self,
        bytes: &[u8],
        offset: usize,
        checks: &[PartCheck],
        length: usize,
        field: usize,
    ) -> (usize, bool) {
        let d = self.msg.delimiters();
        let (rs, cs, ss) = (d.repetition(), d.component(), d.subcomponent());
        let n = bytes.len();
        if checks.is_empty() {
            let reps = 1 + bytes.iter().filter(|&&b| b == rs).count();
            // No repetition is longer than the whole field.
            let too_long =
                length != 0 && n > length && bytes.split(|&b| b == rs).any(|r| r.len() > length);
            return (reps, too_long);
        }
        let mut reps = 1;
        let mut too_long = false;
        let mut rep_start = 0;
        let mut i = 0;
        loop {
            // One repetition: its components in order, until the last check.
            let mut component = 1;
            let mut start = i;
            let mut sub_end = usize::MAX;
            let mut next = 0;
            loop {
                let j = next_stop(self.stops, offset + i, offset + n) - offset;
                let b = bytes.get(j).copied().unwrap_or(rs);
                if b == ss && j < n {
                    sub_end = sub_end.min(j);
                    i = j + 1;
                    continue;
                }
                // Component `component` is bytes[start..j].
                if let Some(&c) = checks.get(next) {
                    if c.component == component {
                        let end = if c.sub { sub_end.min(j) } else { j };
                        self.leaf(&c, &bytes[start..end], offset + start, field, reps);
                        next += 1;
                    }
                }
                if b == cs && j < n {
                    i = j + 1;
                    if next == checks.len() {
                        // Nothing more to check here: on to the repetition's end.
                        while i < n && bytes[i] != rs {
                            i = next_stop(self.stops, offset + i + 1, offset + n) - offset;
                        }
                        break;
                    }
                    component += 1;
                    start = i;
                    sub_end = usize::MAX;
                } else {
                    i = j;
                    break;
                }
            }
            too_long |= length != 0 && i - rep_start > length;
            if i >= n {
                break;
            }
            reps += 1;
            i += 1;
            rep_start = i;
        }
        (reps, too_long)
    }

    /// Reports a field's repetitions beyond `max` and its length, before
    /// the issues found in it (those from `issues` on).
    #[cold]
    #[inline(never)]
    fn field_issues(
        &mut self,
        issues: usize,
        at: At<'_>,
        max: Option<u32>,
        too_long: bool,
        offset: usize,
    ) {
        let later = self.issues.split_off(issues);
        if let Some(max) = max {
            let code = if max == 1 {
                "field_repeated"
            } else {
                "too_many_repetitions"
            };
            self.push(
                code,
                Severity::Error,
                at.path(None, false),
                Some(at.seg),
                offset,
            );
        }
        if too_long {
            self.push(
                "value_too_long",
                Severity::Error,
                at.path(None, false),
                Some(at.seg),
                offset,
            );
        }
        self.issues.extend(later);
    }

    /// The fields of a segment that the dictionary defines, that no profile
    /// rule touches and that is not a header: the general loop of
    /// [`segment`](Self::segment) without its rules, kept tight because
    /// nearly every segment takes it.
    fn standard_fields(&mut self, segment: &Segment<'_>, seps: &[u32], plan: &SegmentPlan) {
        let input = self.msg.as_bytes();
        let end = segment.offset() + segment.as_bytes().len();
        let is_obx = self.here.name == b"OBX";
        for (k, &sep) in seps.iter().enumerate() {
            let f = k + 1;
            let start = sep as usize + 1;
            let stop = seps.get(f).map_or(end, |&p| p as usize);
            let Some(p) = plan.fields.get(k) else {
                if start < stop {
                    self.unexpected_field(f, start);
                }
                continue;
            };
            if start >= stop {
                if p.required {
                    self.required_missing(self.at(f, 1), start);
                }
                continue;
            }
            if !p.defined {
                continue;
            }
            let owned;
            let mut checks = &plan.checks[usize::from(p.checks.0)..usize::from(p.checks.1)];
            if is_obx && f == 5 && p.varies {
                if let Some(named) = self.obx5_checks(segment) {
                    owned = named;
                    checks = &owned[..];
                }
            }
            if p.max == 0 && p.length == 0 && checks.is_empty() {
                continue;
            }
            let issues = self.issues.len();
            let bytes = &input[start..stop];
            let (reps, too_long) = self.walk(bytes, start, checks, usize::from(p.length), f);
            let repeated = (p.max != 0 && reps > usize::from(p.max)).then_some(u32::from(p.max));
            if repeated.is_some() || too_long {
                self.field_issues(issues, self.at(f, 1), repeated, too_long, start);
            }
        }
        for f in seps.len() + 1..=plan.last_required {
            if plan.fields.get(f - 1).is_some_and(|p| p.required) {
                self.required_missing(self.at(f, 1), end);
            }
        }
    }

    fn segment(&mut self, segment: &Segment<'m>, occurrence: u32) {
        let name_bytes = segment.name_bytes();
        self.here = At {
            name: name_bytes,
            occurrence,
            field: 0,
            rep: 1,
            seg: segment.index(),
        };
        let rule = self.profile.and_then(|p| p.segments.get(segment.name()));
        let seg = segment.index();
        let standard = rule.is_none() && !segment.is_header();
        let taken = match (
            standard,
            segment.indexed_separators(),
            self.cache.take_plan(name_bytes),
        ) {
            (true, Some(seps), Some((slot, plan))) => {
                self.standard_fields(segment, seps, &plan);
                self.cache.give_back(slot, plan);
                return;
            }
            (.., taken) => taken,
        };
        let name = segment.name();
        if taken.is_none() && rule.is_none() {
            if !is_z(name) {
                let label = segment_label(name, occurrence);
                self.push(
                    "unknown_segment",
                    Severity::Error,
                    label,
                    Some(seg),
                    segment.offset(),
                );
            }
            return;
        }
        let (defined, plan, checks) = match &taken {
            Some((_, plan)) => (true, &plan.fields[..], &plan.checks[..]),
            None => (false, &[][..], &[][..]),
        };
        let last_required = taken.as_ref().map_or(0, |(_, p)| p.last_required);
        let count = segment.field_count();
        let end = segment.offset() + segment.as_bytes().len();
        let header = segment.is_header();
        let is_obx = name_bytes == b"OBX";
        let input = self.msg.as_bytes();
        let seps = segment.indexed_separators();
        for f in 1..=count {
            // Straight from the index (what `segment.field(f)` reads).
            let (bytes, offset) = match seps {
                Some(seps) if !(header && f == 1) => {
                    let k = if header { f - 1 } else { f };
                    let Some(&start) = seps.get(k - 1) else {
                        continue;
                    };
                    let start = start as usize + 1;
                    let stop = seps.get(k).map_or(end, |&p| p as usize);
                    (&input[start..stop], start)
                }
                _ => match segment.field(f) {
                    Some(field) => (field.as_bytes(), field.offset()),
                    None => continue,
                },
            };
            let fplan = plan.get(f - 1).filter(|p| p.defined);
            let frule = rule.and_then(|r| r.fields.get(&(f as u32)));
            let usage = frule.and_then(|r| r.usage);
            if bytes.is_empty() {
                if is_required(rule, plan, f) {
                    self.required_missing(self.at(f, 1), offset);
                }
                continue;
            }
            if usage == Some(Usage::Forbidden) {
                let path = self.at(f, 1).path(None, false);
                self.push("forbidden_field", Severity::Error, path, Some(seg), offset);
                continue;
            }
            if header && f <= 2 {
                continue;
            }
            let Some(p) = fplan.copied().or(frule.map(|_| UNDEFINED)) else {
                if defined && f > plan.len() {
                    self.unexpected_field(f, offset);
                }
                continue;
            };
            let max = frule
                .and_then(|r| r.max)
                .or_else(|| (p.max != 0).then_some(u32::from(p.max)));
            // Field-level issues come first (max, length, then allowed values).
            let issues = self.issues.len();
            if let Some(values) = frule.and_then(|r| r.values.as_ref()) {
                let field = segment.field(f).into_iter();
                for (r, rep) in field.flat_map(|v| v.repetitions()).enumerate() {
                    let v = rep.component(1).map_or(Cow::Borrowed(""), |c| c.value());
                    if !v.is_empty() && !values.iter().any(|a| *a == v) {
                        let path = self.at(f, r + 1).path(None, false);
                        self.push(
                            "value_not_allowed",
                            Severity::Error,
                            path,
                            Some(seg),
                            rep.offset(),
                        );
                    }
                }
            }
            // The checks: the profile's datatype, OBX-2's for OBX-5, or the
            // dictionary's (resolved when the plan was made).
            let named = match frule.and_then(|r| r.datatype.as_deref()) {
                Some(n) => Some(self.cache.named_checks(n)),
                None if is_obx && f == 5 && p.varies => self.obx5_checks(segment),
                None => None,
            };
            let checks = match &named {
                Some(named) => &named[..],
                None => &checks[usize::from(p.checks.0)..usize::from(p.checks.1)],
            };
            if max.is_none() && p.length == 0 && checks.is_empty() {
                continue;
            }
            let (reps, too_long) = self.walk(bytes, offset, checks, usize::from(p.length), f);
            let repeated = max.filter(|&m| reps as u64 > u64::from(m));
            if repeated.is_some() || too_long {
                self.field_issues(issues, self.at(f, 1), repeated, too_long, offset);
            }
        }
        // Fields after the last one present: only a required one matters.
        let last = match rule {
            Some(r) => plan
                .len()
                .max(r.fields.keys().next_back().map_or(0, |&k| k as usize)),
            None => last_required,
        };
        for f in count + 1..=last {
            if is_required(rule, plan, f) {
                self.required_missing(self.at(f, 1), end);
            }
        }
        if let Some((slot, plan)) = taken {
            self.cache.give_back(slot, plan);
        }
    }

    fn structure(&mut self, structure: &'static StructureDef) {
        // The result depends only on the sequence of segment names: a feed
        // repeats a few sequences, so the last few results are kept.
        let mut shape = core::mem::take(&mut self.cache.shape);
        shape.clear();
        shape.extend(self.msg.segment_names().map(pack));
        let known = !shape.contains(&0);
        let key = shape_key(&shape);
        let hit =
            self.cache.shapes.iter().find(|s| {
                s.key == key && core::ptr::eq(s.structure, structure) && s.names == shape
            });
        let (missing, unexpected) = match hit {
            Some(s) if known => (s.missing.clone(), s.unexpected.clone()),
            _ => {
                let (missing, unexpected) = self.match_structure(structure);
                if known {
                    let entry = Shape {
                        key,
                        structure,
                        names: shape.clone(),
                        missing: missing.clone(),
                        unexpected: unexpected.clone(),
                    };
                    if self.cache.shapes.len() < SHAPES {
                        self.cache.shapes.push(entry);
                    } else {
                        let slot = self.cache.next_shape % SHAPES;
                        self.cache.shapes[slot] = entry;
                        self.cache.next_shape += 1;
                    }
                }
                (missing, unexpected)
            }
        };
        self.cache.shape = shape;
        self.report_structure(missing, unexpected);
    }

    /// Matches the message's segments against `structure`: the required
    /// segments missing (segment index where expected, name) and the
    /// indexes of unexpected segments.
    fn match_structure(
        &mut self,
        structure: &'static StructureDef,
    ) -> (Vec<(usize, &'static str)>, Vec<usize>) {
        let items = structure.items;
        // Z-segments may stand anywhere; a segment the structure never
        // names is unexpected wherever it stands and is left out of matching.
        let mut names: Vec<(usize, &str)> = Vec::with_capacity(self.msg.segment_count());
        let mut unexpected = Vec::new();
        for s in self.msg.segments() {
            let name = s.name();
            if is_z(name) {
                continue;
            }
            let key = pack(s.name_bytes());
            if key != 0 && self.cache.mentioned(structure).contains(&key) {
                names.push((s.index(), name));
            } else if self.cache.segment(s.name_bytes()).is_some() {
                unexpected.push(s.index());
            }
            // A segment the version does not define is reported once, as unknown_segment.
        }
        let mut m = Matcher {
            names: &names,
            pos: 0,
            missing: Vec::new(),
        };
        m.sequence(items);
        let missing = core::mem::take(&mut m.missing);
        while m.pos < names.len() {
            // Out of order or one too many: report it and carry on after it
            // from the first item that can take the next segment.
            unexpected.push(names[m.pos].0);
            m.pos += 1;
            if let Some(name) = m.current() {
                if let Some(k) = items.iter().position(|i| starts(i, name)) {
                    m.sequence(&items[k..]);
                    m.missing.clear();
                }
            }
        }
        (missing, unexpected)
    }

    fn report_structure(&mut self, missing: Vec<(usize, &'static str)>, unexpected: Vec<usize>) {
        for (at, name) in missing {
            let (seg, offset) = match self.msg.segment_at(at) {
                Some(s) => (Some(s.index()), s.offset()),
                None => (None, self.msg.as_bytes().len()),
            };
            self.push(
                "missing_segment",
                Severity::Error,
                String::from(name),
                seg,
                offset,
            );
        }
        for index in unexpected {
            if let Some(s) = self.msg.segment_at(index) {
                let occurrence = self
                    .msg
                    .segments()
                    .take(index + 1)
                    .filter(|x| x.name_bytes() == s.name_bytes())
                    .count() as u32;
                let label = segment_label(s.name(), occurrence);
                self.push(
                    "unexpected_segment",
                    Severity::Error,
                    label,
                    Some(index),
                    s.offset(),
                );
            }
        }
    }
}

/// Whether field `f` is required: the profile's usage when it gives one,
/// else the dictionary's optionality.
fn is_required(rule: Option<&SegmentRule>, plan: &[FieldPlan], f: usize) -> bool {
    match rule
        .and_then(|r| r.fields.get(&(f as u32)))
        .and_then(|r| r.usage)
    {
        Some(u) => u == Usage::Required,
        None => plan.get(f - 1).is_some_and(|p| p.required),
    }
}

/// Segment names are short: a byte loop beats a call to memcmp.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

/// Matches segment names against a structure greedily, as HL7 structures
/// are designed to be read: each item takes as many segments as it may.
struct Matcher<'n> {
    names: &'n [(usize, &'n str)],
    pos: usize,
    /// (segment index where expected, name) of required segments not found.
    missing: Vec<(usize, &'static str)>,
}

/// Whether `item` can begin with segment `name`.
fn starts(item: &Item, name: &str) -> bool {
    match item {
        Item::Segment { name: n, .. } => same(n.as_bytes(), name.as_bytes()),
        Item::Group { items, .. } => {
            for i in items.iter() {
                if starts(i, name) {
                    return true;
                }
                let optional = match i {
                    Item::Segment { min, .. } | Item::Group { min, .. } => *min == 0,
                };
                if !optional {
                    return false;
                }
            }
            false
        }
    }
}

impl Matcher<'_> {
    fn current(&self) -> Option<&str> {
        self.names.get(self.pos).map(|(_, n)| *n)
    }

    fn at(&self) -> usize {
        self.names.get(self.pos).map_or(usize::MAX, |(i, _)| *i)
    }

    /// Matches a sequence of items, each taking as many segments as it may.
    fn sequence(&mut self, items: &'static [Item]) {
        for item in items {
            let (min, max) = match item {
                Item::Segment { min, max, .. } | Item::Group { min, max, .. } => {
                    (u32::from(*min), u32::from(*max))
                }
            };
            let mut count = 0u32;
            while max == 0 || count < max {
                let Some(name) = self.current() else { break };
                if !starts(item, name) {
                    break;
                }
                match item {
                    Item::Segment { .. } => self.pos += 1,
                    Item::Group { items, .. } => {
                        let before = self.pos;
                        self.sequence(items);
                        if self.pos == before {
                            break;
                        }
                    }
                }
                count += 1;
            }
            if count < min {
                let name = match item {
                    Item::Segment { name, .. } => *name,
                    Item::Group { items, .. } => first_required(items)
                        .or_else(|| first_segment(items))
                        .unwrap_or("?"),
                };
                self.missing.push((self.at(), name));
            }
        }
    }
}

/// The first segment a group names (for a group whose segments are all optional).
fn first_segment(items: &'static [Item]) -> Option<&'static str> {
    items.iter().find_map(|i| match i {
        Item::Segment { name, .. } => Some(*name),
        Item::Group { items, .. } => first_segment(items),
    })
}

fn first_required(items: &'static [Item]) -> Option<&'static str> {
    items.iter().find_map(|i| match i {
        Item::Segment { name, min, .. } if *min > 0 => Some(*name),
        Item::Group { items, min, .. } if *min > 0 => first_required(items),
        _ => None,
    })
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
            code: "unknown_version",
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
                "unknown_structure",
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
                checker.push("missing_segment", Severity::Error, name.clone(), None, end);
            }
            if let Some(max) = rule.max.filter(|max| n > *max) {
                if let Some(s) = message.segments_named(name).nth(max as usize) {
                    let label = segment_label(name, max + 1);
                    checker.push(
                        "unexpected_segment",
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
