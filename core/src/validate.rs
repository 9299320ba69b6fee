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

use crate::dictionary::{self, ComponentDef, Item, SegmentDef, TableDef, VersionDef};
use crate::{Message, Segment};
use alloc::borrow::Cow;
use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

/// How bad an issue is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IssueSeverity {
    /// The message breaks a rule of the standard or the profile.
    Error,
    /// Suspicious, or not checkable.
    Warning,
}

impl IssueSeverity {
    /// `"error"` or `"warning"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            IssueSeverity::Error => "error",
            IssueSeverity::Warning => "warning",
        }
    }
}

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
    pub severity: IssueSeverity,
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
        self.issues
            .iter()
            .all(|i| i.severity != IssueSeverity::Error)
    }

    /// The issues as ERR segments for [`Message::ack`](crate::Message::ack).
    pub fn ack_errors(&self) -> Vec<crate::ack::AckError> {
        use crate::ack::{AckError, ErrLocation, ErrSeverity};
        self.issues
            .iter()
            .map(|i| {
                let mut e = AckError::new(i.hl7_code());
                e.severity = match i.severity {
                    IssueSeverity::Error => ErrSeverity::Error,
                    IssueSeverity::Warning => ErrSeverity::Warning,
                };
                e.location = crate::Path::parse(&i.path)
                    .ok()
                    .map(|p| ErrLocation::from_path(&p))
                    .or_else(|| {
                        let name = i.path.split('[').next().unwrap_or("");
                        (!name.is_empty()).then(|| ErrLocation {
                            segment: name.into(),
                            sequence: 1,
                            ..ErrLocation::default()
                        })
                    });
                e.diagnostic = Some(i.code.to_string());
                e
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
/// `invalid_json`, `invalid_profile` or `unknown_key`, with a JSON pointer.
pub type ProfileError = crate::SpecError;

#[cfg(feature = "json")]
fn profile_error(code: &'static str, pointer: impl Into<String>) -> ProfileError {
    crate::SpecError::new("profile", code, pointer)
}

#[cfg(feature = "json")]
impl Profile {
    /// Reads a profile from JSON text.
    pub fn parse(text: &str) -> Result<Profile, ProfileError> {
        use serde_json::Value;
        let doc: Value =
            serde_json::from_str(text).map_err(|_| profile_error("invalid_json", ""))?;
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
                    let s = value
                        .as_str()
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
                    values.push(String::from(x.as_str().ok_or_else(bad)?));
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

/// A value to check: a component, or a subcomponent (the first of a nested composite).
#[derive(Clone, Copy)]
enum Leaf<'a> {
    Component(crate::Component<'a>),
    Subcomponent(crate::Subcomponent<'a>),
}

/// Where a repetition is: segment label and index, field and repetition numbers.
#[derive(Clone, Copy)]
struct At<'l> {
    label: &'l str,
    field: usize,
    rep: usize,
    seg: usize,
}

struct Checker<'m, 'a> {
    msg: &'m Message<'a>,
    version: &'static VersionDef,
    profile: Option<&'m Profile>,
    issues: Vec<Issue>,
    /// Tables looked up so far, by id modulo the size: a message uses a
    /// handful of tables many times (coding systems, identifier types).
    tables: [(u16, Option<&'static TableDef>); 32],
}

fn segment_label(name: &str, occurrence: u32) -> String {
    if occurrence > 1 {
        format!("{name}[{occurrence}]")
    } else {
        String::from(name)
    }
}

/// Builds a path string: `SEG[occ]-field(rep).component`.
fn path_of(label: &str, field: usize, rep: usize, component: Option<usize>) -> String {
    let mut s = format!("{label}-{field}");
    if rep > 1 {
        s.push_str(&format!("({rep})"));
    }
    if let Some(c) = component {
        s.push_str(&format!(".{c}"));
    }
    s
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

/// The format check of a primitive; `None` when the value is fine.
fn check_format(check: u8, text: &str) -> Option<&'static str> {
    if text == "\"\"" {
        return None;
    }
    match check {
        1 => crate::datatype::DateTime::parse(text)
            .err()
            .map(|_| "invalid_datetime"),
        2 => crate::datatype::parse_number(text)
            .err()
            .map(|_| "invalid_number"),
        3 => crate::datatype::parse_sequence_id(text)
            .err()
            .map(|_| "invalid_sequence_id"),
        4 | 5 => {
            (text.trim() != text || text.chars().any(char::is_control)).then_some("invalid_code")
        }
        _ => None,
    }
}

/// Whether any component of a composite (or a nested one's first part) is checked.
fn parts_checked(components: &[ComponentDef]) -> bool {
    components
        .iter()
        .any(|c| c.check != 0 || c.components.first().is_some_and(|f| f.check != 0))
}

impl Checker<'_, '_> {
    fn table(&mut self, id: u16) -> Option<&'static TableDef> {
        let slot = &mut self.tables[usize::from(id) % 32];
        if slot.0 != id {
            *slot = (id, self.version.table(id));
        }
        slot.1
    }

    fn push(
        &mut self,
        code: &'static str,
        severity: IssueSeverity,
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

    /// Checks a leaf value (check code from the generator) and its HL7
    /// table; the path is written only for an issue.
    fn leaf(
        &mut self,
        check: u8,
        table: u16,
        value: Leaf<'_>,
        at: At<'_>,
        component: Option<usize>,
    ) {
        if check == 0 {
            return;
        }
        let (text, offset, sub) = match value {
            Leaf::Component(c) => (c.value(), c.offset(), false),
            Leaf::Subcomponent(c) => (c.value(), c.offset(), true),
        };
        if text.is_empty() {
            return;
        }
        let path = || {
            let p = path_of(at.label, at.field, at.rep, component);
            if sub {
                p + ".1"
            } else {
                p
            }
        };
        if let Some(code) = check_format(check, &text) {
            let severity = if code == "invalid_code" {
                IssueSeverity::Warning
            } else {
                IssueSeverity::Error
            };
            self.push(code, severity, path(), Some(at.seg), offset);
            return;
        }
        if check == 4 && table != 0 && text != "\"\"" {
            if let Some(t) = self.table(table) {
                if !t.values.is_empty() && !t.contains(&text) {
                    let path = path();
                    self.push(
                        "unknown_code",
                        IssueSeverity::Warning,
                        path,
                        Some(at.seg),
                        offset,
                    );
                }
            }
        }
    }

    /// Checks one repetition: a primitive as a whole (`check`), a composite
    /// component by component (one level of nesting).
    fn repetition(
        &mut self,
        check: u8,
        components: &'static [ComponentDef],
        table: u16,
        rep: &crate::Repetition<'_>,
        at: At<'_>,
    ) {
        if components.is_empty() {
            // A primitive with components: the first one is the value (TS in old versions).
            if let Some(first) = rep.component(1) {
                self.leaf(check, table, Leaf::Component(first), at, None);
            }
            return;
        }
        for (c, comp) in rep.components().enumerate() {
            let Some(cdef) = components.get(c) else {
                break;
            };
            if comp.is_empty() {
                continue;
            }
            match cdef.components.first() {
                // A nested composite: check its first subcomponent's format.
                Some(first) => {
                    if first.check != 0 {
                        if let Some(sub) = comp.subcomponent(1) {
                            let leaf = Leaf::Subcomponent(sub);
                            self.leaf(first.check, first.table, leaf, at, Some(c + 1));
                        }
                    }
                }
                None => {
                    if cdef.check != 0 {
                        let leaf = Leaf::Component(comp);
                        self.leaf(cdef.check, cdef.table, leaf, at, Some(c + 1));
                    }
                }
            }
        }
    }

    fn segment(&mut self, segment: &Segment<'_>, occurrence: u32) {
        let name = segment.name();
        let label = segment_label(name, occurrence);
        let def: Option<&SegmentDef> = self.version.segment(segment.name_bytes());
        let rule = self.profile.and_then(|p| p.segments.get(name));
        if def.is_none() && rule.is_none() {
            if !is_z(name) {
                self.push(
                    "unknown_segment",
                    IssueSeverity::Error,
                    label,
                    Some(segment.index()),
                    segment.offset(),
                );
            }
            return;
        }
        let seg = segment.index();
        let defined = def.map_or(0, |d| d.fields.len());
        let count = segment.field_count();
        let end = segment.offset() + segment.as_bytes().len();
        for f in 1..=count {
            let field = segment.field(f);
            let empty = field.as_ref().is_none_or(|v| v.is_empty());
            let offset = field
                .as_ref()
                .map_or(segment.offset() + segment.as_bytes().len(), |v| v.offset());
            let fdef = def
                .and_then(|d| d.fields.get(f - 1))
                .filter(|d| !d.name.is_empty());
            let frule = rule.and_then(|r| r.fields.get(&(f as u32)));
            let path = || path_of(&label, f, 1, None);
            let usage = frule.and_then(|r| r.usage);
            let required = match usage {
                Some(Usage::Required) => true,
                Some(_) => false,
                None => fdef.is_some_and(|d| d.min > 0),
            };
            if empty {
                if required {
                    self.push(
                        "required_field_missing",
                        IssueSeverity::Error,
                        path(),
                        Some(seg),
                        offset,
                    );
                }
                continue;
            }
            let Some(field) = field else { continue };
            if usage == Some(Usage::Forbidden) {
                self.push(
                    "forbidden_field",
                    IssueSeverity::Error,
                    path(),
                    Some(seg),
                    offset,
                );
                continue;
            }
            if segment.is_header() && f <= 2 {
                continue;
            }
            if fdef.is_none() && frule.is_none() {
                if def.is_some() && f > defined {
                    self.push(
                        "unexpected_field",
                        IssueSeverity::Warning,
                        path(),
                        Some(seg),
                        offset,
                    );
                }
                continue;
            }
            let reps = || field.repetitions();
            let max = frule
                .and_then(|r| r.max)
                .or_else(|| fdef.map(|d| u32::from(d.max)).filter(|m| *m != 0));
            if let Some(max) = max {
                if reps().count() as u32 > max {
                    let code = if max == 1 {
                        "field_repeated"
                    } else {
                        "too_many_repetitions"
                    };
                    self.push(code, IssueSeverity::Error, path(), Some(seg), offset);
                }
            }
            if let Some(len) = fdef.map(|d| d.length).filter(|l| *l != 0) {
                if reps().any(|r| r.as_bytes().len() > usize::from(len)) {
                    self.push(
                        "value_too_long",
                        IssueSeverity::Error,
                        path(),
                        Some(seg),
                        offset,
                    );
                }
            }
            if let Some(values) = frule.and_then(|r| r.values.as_ref()) {
                for (r, rep) in reps().enumerate() {
                    let v = rep.component(1).map_or(Cow::Borrowed(""), |c| c.value());
                    if !v.is_empty() && !values.iter().any(|a| *a == v) {
                        self.push(
                            "value_not_allowed",
                            IssueSeverity::Error,
                            path_of(&label, f, r + 1, None),
                            Some(seg),
                            rep.offset(),
                        );
                    }
                }
            }
            // The check and components: the profile's datatype, OBX-2's for
            // OBX-5, or the dictionary's (resolved when it was generated).
            let obx2 = (f == 5 && name == "OBX")
                .then(|| segment.field(2).map(|v| v.value()))
                .flatten();
            let named = frule.and_then(|r| r.datatype.as_deref()).or_else(|| {
                obx2.as_deref()
                    .filter(|n| !n.is_empty() && fdef.is_some_and(|d| d.datatype == "varies"))
            });
            let (check, components, any_part) = match (named, fdef) {
                (Some(n), _) => {
                    let comps = self.version.datatype(n).map_or(&[][..], |d| d.components);
                    let check = if comps.is_empty() { check_code(n) } else { 0 };
                    (check, comps, parts_checked(comps))
                }
                (None, Some(d)) => (d.check, d.components, d.parts_checked),
                (None, None) => (0, &[][..], false),
            };
            // Nothing in this datatype is checked: skip the repetitions.
            if check == 0 && !any_part {
                continue;
            }
            let table = fdef.map_or(0, |d| d.table);
            for (r, rep) in reps().enumerate() {
                if !rep.is_empty() {
                    let at = At {
                        label: &label,
                        field: f,
                        rep: r + 1,
                        seg,
                    };
                    self.repetition(check, components, table, &rep, at);
                }
            }
        }
        // Fields after the last one present: only a required one matters.
        for f in count + 1..=defined {
            let usage = rule
                .and_then(|r| r.fields.get(&(f as u32)))
                .and_then(|r| r.usage);
            let required = match usage {
                Some(u) => u == Usage::Required,
                None => def
                    .and_then(|d| d.fields.get(f - 1))
                    .is_some_and(|d| d.min > 0),
            };
            if required {
                let path = path_of(&label, f, 1, None);
                self.push(
                    "required_field_missing",
                    IssueSeverity::Error,
                    path,
                    Some(seg),
                    end,
                );
            }
        }
    }

    fn structure(&mut self, items: &'static [Item]) {
        // Z-segments may stand anywhere; a segment the structure never
        // names is unexpected wherever it stands and is left out of matching.
        let mut names: Vec<(usize, &str)> = Vec::new();
        let mut unexpected = Vec::new();
        for s in self.msg.segments() {
            let name = s.name();
            if is_z(name) {
                continue;
            }
            if items.iter().any(|i| mentions(i, name)) {
                names.push((s.index(), name));
            } else if self.version.segment(s.name_bytes()).is_some() {
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
        for (at, name) in missing {
            let (seg, offset) = match self.msg.segment_at(at) {
                Some(s) => (Some(s.index()), s.offset()),
                None => (None, self.msg.as_bytes().len()),
            };
            self.push(
                "missing_segment",
                IssueSeverity::Error,
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
                    IssueSeverity::Error,
                    label,
                    Some(index),
                    s.offset(),
                );
            }
        }
    }
}

/// Segment names are short: a byte loop beats a call to memcmp.
fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

/// Whether `item` names segment `name` anywhere inside.
fn mentions(item: &Item, name: &str) -> bool {
    match item {
        Item::Segment { name: n, .. } => same(n, name),
        Item::Group { items, .. } => items.iter().any(|i| mentions(i, name)),
    }
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
        Item::Segment { name: n, .. } => same(n, name),
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
pub fn validate(message: &Message<'_>, options: &Options<'_>) -> Report {
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
            severity: IssueSeverity::Error,
            path: String::from("MSH-12"),
            segment: Some(0),
            offset: msh12,
        });
        return report;
    };
    report.version = Some(version.name);
    let mut checker = Checker {
        msg: message,
        version,
        profile: options.profile,
        issues: Vec::new(),
        tables: [(0, None); 32],
    };
    // The structure: MSH-9.3, else type_trigger, else the profile's.
    let structure_name = options
        .profile
        .and_then(|p| p.structure.clone())
        .or_else(|| message.message_structure().map(|s| s.into_owned()))
        .or_else(|| {
            Some(format!(
                "{}_{}",
                message.message_type()?,
                message.trigger_event()?
            ))
        })
        .or_else(|| message.message_type().map(|t| t.into_owned()));
    let structure = structure_name.as_deref().and_then(|n| version.structure(n));
    match structure {
        Some(s) => {
            report.structure = Some(s.name);
            checker.structure(s.items);
        }
        None => {
            let offset = message
                .segment("MSH")
                .and_then(|s| s.field(9))
                .map_or(0, |f| f.offset());
            checker.push(
                "unknown_structure",
                IssueSeverity::Warning,
                String::from("MSH-9"),
                Some(0),
                offset,
            );
        }
    }
    let mut counts: BTreeMap<&str, u32> = BTreeMap::new();
    for segment in message.segments() {
        let n = counts.entry(segment.name()).or_insert(0);
        *n += 1;
        let occurrence = *n;
        checker.segment(&segment, occurrence);
    }
    if let Some(p) = options.profile {
        for (name, rule) in &p.segments {
            let n = counts.get(name.as_str()).copied().unwrap_or(0);
            if rule.min.is_some_and(|min| n < min) {
                let end = message.as_bytes().len();
                checker.push(
                    "missing_segment",
                    IssueSeverity::Error,
                    name.clone(),
                    None,
                    end,
                );
            }
            if let Some(max) = rule.max.filter(|max| n > *max) {
                if let Some(s) = message.segments_named(name).nth(max as usize) {
                    let label = segment_label(name, max + 1);
                    checker.push(
                        "unexpected_segment",
                        IssueSeverity::Error,
                        label,
                        Some(s.index()),
                        s.offset(),
                    );
                }
            }
        }
    }
    let mut issues = checker.issues;
    issues.sort_by_key(|i| (i.offset, i.segment));
    report.issues = issues;
    report
}
