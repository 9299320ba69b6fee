//! The HL7 v2 dictionary: segment definitions (field names, datatypes,
//! optionality, repetition, length, table), datatypes and their components,
//! message structures with their groups, and HL7 tables with their values,
//! for versions 2.1 to 2.8.2. Generated from hl7apy's definitions by
//! `core/dictionary/generate.py` (see NOTICE); feature `dictionary`.
//!
//! hl7apy has no 2.7.1, which is served with the 2.7 definitions; it has no
//! tables before 2.3.1 and few field lengths, so checks that need them do
//! nothing there.
//!
//! ```
//! let e = pipehat::dictionary::explain("PID-5", "2.5.1")?.unwrap();
//! assert_eq!((e.name, e.datatype, e.repeatable), ("Patient Name", "XPN", true));
//! let c = pipehat::dictionary::explain("PID-5.1", "2.5.1")?.unwrap();
//! assert_eq!((c.name, c.datatype), ("Family Name", "FN"));
//! assert_eq!(pipehat::dictionary::explain("PID-8", "2.5")?.unwrap().table, Some(1));
//! # Ok::<(), pipehat::dictionary::ExplainError>(())
//! ```

mod data;

#[allow(missing_docs, dead_code)]
pub(crate) mod defs {
    /// One field of a segment.
    #[derive(Debug)]
    pub struct FieldDef {
        pub name: &'static str,
        pub datatype: &'static str,
        pub min: u8,
        /// 0: unbounded.
        pub max: u16,
        /// 0: not known.
        pub length: u16,
        /// 0: none.
        pub table: u16,
        /// The check validation applies to a primitive (0: none; see `validate::Check`).
        pub check: u8,
        /// The datatype's components (empty for a primitive).
        pub components: &'static [ComponentDef],
    }
    #[derive(Debug)]
    pub struct SegmentDef {
        pub name: &'static str,
        pub fields: &'static [&'static FieldDef],
    }
    #[derive(Debug)]
    pub struct ComponentDef {
        pub name: &'static str,
        pub datatype: &'static str,
        pub table: u16,
        /// The check validation applies to a primitive (0: none).
        pub check: u8,
        /// A nested composite's components (empty for a primitive).
        pub components: &'static [ComponentDef],
    }
    #[derive(Debug)]
    pub struct DatatypeDef {
        pub name: &'static str,
        pub components: &'static [ComponentDef],
    }
    #[derive(Debug)]
    pub enum Item {
        Segment {
            name: &'static str,
            min: u8,
            max: u16,
        },
        Group {
            min: u8,
            max: u16,
            items: &'static [Item],
        },
    }
    #[derive(Debug)]
    pub struct StructureDef {
        pub name: &'static str,
        pub items: &'static [Item],
    }
    /// An HL7 table; `values` sorted in byte order, each followed by a NUL.
    #[derive(Debug)]
    pub struct TableDef {
        pub id: u16,
        pub name: &'static str,
        pub values: &'static str,
        /// Values that stand for a family of codes (`HL7nnnn`, `99zzz`).
        pub patterns: &'static [&'static str],
    }
    #[derive(Debug)]
    pub struct VersionDef {
        pub name: &'static str,
        pub segments: &'static [&'static SegmentDef],
        pub datatypes: &'static [&'static DatatypeDef],
        pub structures: &'static [&'static StructureDef],
        pub tables: &'static [&'static TableDef],
    }
}

use crate::Path;
use core::fmt;
pub(crate) use defs::*;

/// The versions the dictionary knows, oldest first (2.7.1 included).
pub const VERSIONS: &[&str] = &[
    "2.1", "2.2", "2.3", "2.3.1", "2.4", "2.5", "2.5.1", "2.6", "2.7", "2.7.1", "2.8", "2.8.1",
    "2.8.2",
];

/// The definitions of `version` (`"2.5.1"`; `"2.7.1"` reads 2.7's).
pub(crate) fn version(version: &str) -> Option<&'static VersionDef> {
    let v = match version.trim() {
        "2.7.1" => "2.7",
        "2.3.0" => "2.3",
        v => v,
    };
    data::VERSIONS.iter().find(|d| d.name == v)
}

/// Byte order of short strings without a call to memcmp (names and codes
/// are a few bytes long; the call costs more than the comparison).
pub(crate) fn cmp_short(a: &[u8], b: &[u8]) -> core::cmp::Ordering {
    for (x, y) in a.iter().zip(b) {
        if x != y {
            return x.cmp(y);
        }
    }
    a.len().cmp(&b.len())
}

/// Whether `code` fits a table value that stands for a family of codes:
/// `n` is a digit, `s` a letter or digit, a trailing run of `z` one or more
/// letters or digits (`HL7nnnn`, `99zzz`); other bytes stand for themselves.
fn matches_pattern(pattern: &[u8], code: &[u8]) -> bool {
    let mut i = 0;
    for (k, &p) in pattern.iter().enumerate() {
        match p {
            b'z' if pattern[k..].iter().all(|&z| z == b'z') => {
                let rest = code.get(i..).unwrap_or(&[]);
                return !rest.is_empty() && rest.iter().all(u8::is_ascii_alphanumeric);
            }
            _ => {
                let Some(&c) = code.get(i) else { return false };
                let ok = match p {
                    b'n' => c.is_ascii_digit(),
                    b's' => c.is_ascii_alphanumeric(),
                    _ => c == p,
                };
                if !ok {
                    return false;
                }
                i += 1;
            }
        }
    }
    i == code.len()
}

impl TableDef {
    /// The table's values, in byte order.
    pub(crate) fn values(&self) -> impl Iterator<Item = &'static str> {
        let all: &'static str = self.values;
        all.split_terminator('\0')
    }

    /// Whether `code` is one of the table's values (a scan: a validator
    /// packs the codes of the tables it uses often; see `validate`).
    pub(crate) fn contains(&self, code: &[u8]) -> bool {
        self.values().any(|v| v.as_bytes() == code) || self.matches_family(code)
    }

    /// Whether `code` belongs to a family of codes the table names (`HL7nnnn`).
    pub(crate) fn matches_family(&self, code: &[u8]) -> bool {
        self.patterns
            .iter()
            .any(|p| matches_pattern(p.as_bytes(), code))
    }
}

impl VersionDef {
    pub(crate) fn segment(&self, name: &[u8]) -> Option<&'static SegmentDef> {
        self.segments
            .binary_search_by(|s| cmp_short(s.name.as_bytes(), name))
            .ok()
            .map(|i| self.segments[i])
    }
    pub(crate) fn datatype(&self, name: &str) -> Option<&'static DatatypeDef> {
        self.datatypes
            .binary_search_by(|d| d.name.cmp(name))
            .ok()
            .map(|i| self.datatypes[i])
    }
    pub(crate) fn structure(&self, name: &str) -> Option<&'static StructureDef> {
        self.structures
            .binary_search_by(|d| d.name.cmp(name))
            .ok()
            .map(|i| self.structures[i])
    }
    pub(crate) fn table(&self, id: u16) -> Option<&'static TableDef> {
        self.tables
            .binary_search_by(|t| t.id.cmp(&id))
            .ok()
            .map(|i| self.tables[i])
    }
}

/// What [`explain`] tells about a field or component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    /// `"Patient Name"`.
    pub name: &'static str,
    /// `"XPN"`.
    pub datatype: &'static str,
    /// `"R"` (required) or `"O"` (optional); components are `"O"`.
    pub optionality: &'static str,
    /// Whether the field may repeat (components never do).
    pub repeatable: bool,
    /// The most repetitions allowed, when limited.
    pub max_repetitions: Option<u16>,
    /// The maximum length, when the source gives one.
    pub length: Option<u16>,
    /// The HL7 table number (`1` for HL70001), when the value is coded.
    pub table: Option<u16>,
    /// The component definitions of the datatype, when it is a composite:
    /// (name, datatype) in order.
    pub components: alloc::vec::Vec<(&'static str, &'static str)>,
}

/// Why [`explain`] could not answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExplainError {
    /// The path does not parse.
    Path(crate::PathError),
    /// The version is not one of [`VERSIONS`].
    UnknownVersion,
}

impl ExplainError {
    /// `unknown_version`, or the path error's code.
    pub fn code(&self) -> &'static str {
        match self {
            ExplainError::Path(e) => e.code(),
            ExplainError::UnknownVersion => "unknown_version",
        }
    }
}

impl fmt::Display for ExplainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExplainError::Path(e) => e.fmt(f),
            ExplainError::UnknownVersion => {
                f.write_str("unknown HL7 version; known: 2.1 to 2.8.2 (unknown_version)")
            }
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for ExplainError {}

fn components_of(list: &'static [ComponentDef]) -> alloc::vec::Vec<(&'static str, &'static str)> {
    list.iter().map(|c| (c.name, c.datatype)).collect()
}

/// The definition of the field, component or subcomponent at `path` in
/// `version`; `Ok(None)` when the segment or position is not defined there.
pub fn explain(path: &str, version_name: &str) -> Result<Option<Explanation>, ExplainError> {
    let path = Path::parse(path).map_err(ExplainError::Path)?;
    let v = version(version_name).ok_or(ExplainError::UnknownVersion)?;
    let Some(segment) = v.segment(path.segment_bytes()) else {
        return Ok(None);
    };
    let Some(field) = segment
        .fields
        .get(path.field() as usize - 1)
        .filter(|f| !f.name.is_empty())
    else {
        return Ok(None);
    };
    let mut out = Explanation {
        name: field.name,
        datatype: field.datatype,
        optionality: if field.min > 0 { "R" } else { "O" },
        repeatable: field.max != 1,
        max_repetitions: (field.max != 0).then_some(field.max),
        length: (field.length != 0).then_some(field.length),
        table: (field.table != 0).then_some(field.table),
        components: components_of(field.components),
    };
    let mut list = field.components;
    for n in [path.component(), path.subcomponent()]
        .into_iter()
        .flatten()
    {
        let Some(c) = list.get(n as usize - 1) else {
            return Ok(None);
        };
        list = c.components;
        out = Explanation {
            name: c.name,
            datatype: c.datatype,
            optionality: "O",
            repeatable: false,
            max_repetitions: None,
            length: None,
            table: (c.table != 0).then_some(c.table),
            components: components_of(c.components),
        };
    }
    Ok(Some(out))
}

/// The name of field `field` (from 1) of `segment` in `version`, e.g.
/// `field_name("PID", 5, "2.5")` is `Some("Patient Name")`.
pub fn field_name(segment: &str, field: usize, version_name: &str) -> Option<&'static str> {
    let f = version(version_name)?
        .segment(segment.as_bytes())?
        .fields
        .get(field.checked_sub(1)?)?;
    (!f.name.is_empty()).then_some(f.name)
}

impl crate::Message<'_> {
    /// The friendly JSON form with field, component and subcomponent keys
    /// named from the dictionary (`"Patient Name": {"Family Name": ...}`) for
    /// `version` (MSH-12 when `None`); numbers where a name is not known
    /// (Z-segments, fields beyond the definition, an unknown version).
    ///
    /// ```
    /// let msg = pipehat::Message::parse(b"MSH|^~\\&|APP||||||ADT^A01|1|P|2.5\rPID|1||123^^^H||DOE^JO\rZPD|x\r")?;
    /// assert_eq!(
    ///     msg.to_named_json(None),
    ///     r#"{"MSH":[{"Field Separator":"|","Encoding Characters":"^~\\&","Sending Application":"APP","Message Type":{"Message Code":"ADT","Trigger Event":"A01"},"Message Control ID":"1","Processing ID":"P","Version ID":"2.5"}],"PID":[{"Set ID PID":"1","Patient Identifier List":{"ID Number":"123","Assigning Authority":"H"},"Patient Name":{"Family Name":"DOE","Given Name":"JO"}}],"ZPD":[{"1":"x"}]}"#
    /// );
    /// # Ok::<(), pipehat::ParseError>(())
    /// ```
    pub fn to_named_json(&self, version_name: Option<&str>) -> alloc::string::String {
        let declared = self.version();
        let v = version_name.or(declared.as_deref()).and_then(version);
        let key = |segment: &str, [f, c, s]: [usize; 3]| -> Option<&'static str> {
            let field = v?
                .segment(segment.as_bytes())?
                .fields
                .get(f.checked_sub(1)?)?;
            let name = match (c, s) {
                (0, _) => field.name,
                (c, 0) => field.components.get(c - 1)?.name,
                (c, s) => field.components.get(c - 1)?.components.get(s - 1)?.name,
            };
            (!name.is_empty()).then_some(name)
        };
        self.friendly_json(&key)
    }
}
