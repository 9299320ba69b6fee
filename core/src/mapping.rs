//! Declarative mappings: a JSON spec that turns messages into JSON objects
//! or rows, applied the same way from Rust, JavaScript, Python and the CLI.
//!
//! ```json
//! {
//!   "rows": "OBX",
//!   "fields": {
//!     "mrn":      "PID-3.1",
//!     "name":     { "paths": ["PID-5.2", "PID-5.1"], "join": " " },
//!     "born":     { "path": "PID-7", "transform": "date" },
//!     "sex":      { "path": "PID-8", "transform": { "lookup": "sex" }, "default": "unknown" },
//!     "ids":      { "path": "PID-3.1", "list": true },
//!     "code":     "OBX-3.1",
//!     "value":    { "path": "OBX-5", "transform": ["trim", "number"] }
//!   },
//!   "tables": { "sex": { "M": "male", "F": "female" } }
//! }
//! ```
//!
//! - **`fields`** (required): output keys in order, each a path or an object:
//!   `path` (or `paths`, read in turn and joined by `join`, default `""`,
//!   skipping empty parts), `transform` (one or a list, applied in order),
//!   `default` (any JSON value, used when the result is empty or null),
//!   `list` (every repetition of the field, as an array, empty ones left
//!   out), `raw` (the value as encoded, escape sequences kept; by default it
//!   is decoded).
//! - **Values.** A path reads its segment's first occurrence and its field's
//!   first repetition unless it names them (`OBX[2]-5`, `PID-3(2).1`). An
//!   empty or absent value is `null`.
//! - **Transforms.** `"trim"`, `"upper"`, `"lower"` (ASCII), `"date"` (an
//!   HL7 DTM to ISO 8601 at its own precision, `null` when it is not one),
//!   `"number"` (a JSON number, `null` when not an HL7 number),
//!   `{"lookup": "table"}` or `{"lookup": {"code": "text"}}` (`null` for a
//!   code not in the table unless it has a `"*"` entry).
//! - **`rows`** (optional): `"OBX"` gives one row per OBX (paths into OBX
//!   without an occurrence read the row's OBX; others read the message);
//!   `"PID-3"` gives one row per repetition of PID-3 (paths into PID-3 without
//!   a repetition read the row's repetition). Without `rows`, one object per
//!   message.
//! - **`tables`** (optional): named lookup tables.
//!
//! Keys other than these are refused, so a misspelt option is an error, not
//! a silent default. Errors carry a code and a JSON pointer into the spec.
//!
//! ```
//! use pipehat::{mapping::Mapping, Message};
//! let spec = r#"{"fields": {"mrn": "PID-3.1", "born": {"path": "PID-7", "transform": "date"}}}"#;
//! let mapping = Mapping::parse(spec)?;
//! let msg = Message::parse(b"MSH|^~\\&|A||||||ADT^A01|1|P|2.5\rPID|1||42^^^H||DOE^JO||19800102\r")?;
//! assert_eq!(mapping.apply_json(&msg), r#"{"mrn":"42","born":"1980-01-02"}"#);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::datatype::{parse_number, DateTime};
use crate::error::SpecErrorKind;
use crate::{Message, Path, Segment};
use alloc::borrow::Cow;
use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;
use serde_json::Value;

/// A mapping spec that could not be read (see [`SpecError`](crate::SpecError)).
pub type MappingError = crate::SpecError;

fn err(kind: SpecErrorKind, pointer: impl Into<String>) -> MappingError {
    crate::SpecError::new("mapping", kind, pointer)
}

/// One output value.
#[derive(Debug, Clone, PartialEq)]
pub enum MapValue {
    /// Empty, absent or not convertible.
    Null,
    /// Text.
    Text(String),
    /// A number (from the `number` transform or a numeric default).
    Number(f64),
    /// A JSON value given as a default (booleans, objects).
    Json(Value),
    /// Every repetition (`"list": true`).
    List(Vec<MapValue>),
}

/// One output object: keys in the order of the spec.
pub type Row = Vec<(String, MapValue)>;

#[derive(Debug, Clone)]
enum Transform {
    Trim,
    Upper,
    Lower,
    Date,
    Number,
    Lookup(usize),
}

#[derive(Debug, Clone)]
struct FieldSpec {
    key: String,
    paths: Vec<MapPath>,
    join: String,
    transforms: Vec<Transform>,
    default: Option<Value>,
    list: bool,
    raw: bool,
}

/// A path, noting whether it names its segment's occurrence.
#[derive(Debug, Clone, Copy)]
struct MapPath {
    path: Path,
    occurrence_given: bool,
}

#[derive(Debug, Clone, Copy)]
enum Rows {
    One,
    Segment([u8; 3]),
    Repetitions(Path),
}

/// A compiled mapping spec; see the [module documentation](self).
#[derive(Debug, Clone)]
pub struct Mapping {
    fields: Vec<FieldSpec>,
    tables: Vec<BTreeMap<String, String>>,
    rows: Rows,
}

/// The spec's top level, with `fields` read in document order: serde_json's
/// own map sorts keys unless its `preserve_order` feature is on, which needs
/// std. `None` when the spec is not an object.
struct TopLevel(Option<Vec<(String, Entry)>>);

enum Entry {
    Value(Value),
    /// The entries of `fields`, or `None` when it is not an object.
    Fields(Option<Vec<(String, Value)>>),
}

/// An object's entries in document order; `None` for any other JSON value.
struct InOrder(Option<Vec<(String, Value)>>);

/// Reads any JSON value, keeping an object's entries in order (at the top
/// level, `fields` read the same way) and answering `None` for anything
/// else: a shape is checked by the caller, so no serde error (and no float
/// formatting for its message) is ever built here.
struct Entries<const TOP: bool>;

impl<'de, const TOP: bool> serde::de::Visitor<'de> for Entries<TOP> {
    type Value = Option<Vec<(String, Entry)>>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some(k) = map.next_key::<String>()? {
            let v = if TOP && k == "fields" {
                Entry::Fields(map.next_value::<InOrder>()?.0)
            } else {
                Entry::Value(map.next_value::<Value>()?)
            };
            out.push((k, v));
        }
        Ok(Some(out))
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
        Ok(None)
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
}

impl<'de> serde::Deserialize<'de> for TopLevel {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(Entries::<true>).map(TopLevel)
    }
}

impl<'de> serde::Deserialize<'de> for InOrder {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let entries = d.deserialize_any(Entries::<false>)?;
        Ok(InOrder(entries.map(|list| {
            list.into_iter()
                .filter_map(|(k, v)| match v {
                    Entry::Value(v) => Some((k, v)),
                    Entry::Fields(_) => None,
                })
                .collect()
        })))
    }
}

/// `/fields/<key>` with the key escaped as JSON pointers require.
fn pointer(parts: &[&str]) -> String {
    let mut out = String::new();
    for p in parts {
        out.push('/');
        out.push_str(&p.replace('~', "~0").replace('/', "~1"));
    }
    out
}

fn parse_path(text: &Value, at: &[&str]) -> Result<MapPath, MappingError> {
    let text = text
        .as_str()
        .ok_or_else(|| err(SpecErrorKind::InvalidSpec, pointer(at)))?;
    let path =
        Path::parse(text.trim()).map_err(|_| err(SpecErrorKind::InvalidPath, pointer(at)))?;
    Ok(MapPath {
        path,
        occurrence_given: text.contains('['),
    })
}

impl Mapping {
    /// Reads a spec from JSON text.
    pub fn parse(spec: &str) -> Result<Mapping, MappingError> {
        let top: TopLevel =
            serde_json::from_str(spec).map_err(|_| err(SpecErrorKind::InvalidJson, ""))?;
        let top = top.0.ok_or_else(|| err(SpecErrorKind::InvalidSpec, ""))?;
        let mut fields_doc = None;
        let mut tables_doc = None;
        let mut rows = Rows::One;
        for (key, entry) in top {
            let value = match entry {
                Entry::Fields(Some(fields)) => {
                    fields_doc = Some(fields);
                    continue;
                }
                Entry::Fields(None) => return Err(err(SpecErrorKind::InvalidSpec, "/fields")),
                Entry::Value(v) => v,
            };
            match key.as_str() {
                "tables" => tables_doc = Some(value),
                "rows" => rows = parse_rows(&value)?,
                "version" if value.as_u64() == Some(1) => {}
                "version" => return Err(err(SpecErrorKind::InvalidSpec, "/version")),
                "description" | "name" => {}
                _ => return Err(err(SpecErrorKind::UnknownKey, pointer(&[&key]))),
            }
        }
        let mut table_names = Vec::new();
        let mut tables = Vec::new();
        if let Some(doc) = tables_doc {
            let doc = doc
                .as_object()
                .ok_or_else(|| err(SpecErrorKind::InvalidSpec, "/tables"))?;
            for (name, table) in doc {
                table_names.push(name.clone());
                tables.push(read_table(table, &["tables", name])?);
            }
        }
        let fields_doc = fields_doc
            .filter(|f| !f.is_empty())
            .ok_or_else(|| err(SpecErrorKind::MissingFields, "/fields"))?;
        let mut fields = Vec::new();
        for (key, value) in fields_doc {
            fields.push(read_field(key, value, &table_names, &mut tables)?);
        }
        Ok(Mapping {
            fields,
            tables,
            rows,
        })
    }

    /// Whether the spec gives rows (`rows`) rather than one object per message.
    pub fn has_rows(&self) -> bool {
        !matches!(self.rows, Rows::One)
    }

    /// The output keys, in order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.fields.iter().map(|f| f.key.as_str())
    }

    /// The rows for `message`: one without `rows`, one per occurrence or
    /// repetition with it (possibly none).
    pub fn apply(&self, message: &Message<'_>) -> Vec<Row> {
        match self.rows {
            Rows::One => alloc::vec![self.row(message, None)],
            Rows::Segment(name) => (1..=message.count_named(&name))
                .map(|k| self.row(message, Some(RowAt::Occurrence(name, k))))
                .collect(),
            Rows::Repetitions(path) => {
                let count = message
                    .nth_named(path.segment_bytes(), path.occurrence())
                    .and_then(|s| s.field(path.field() as usize))
                    .filter(|f| !f.is_empty())
                    .map_or(0, |f| f.repetitions().count());
                (1..=count as u32)
                    .map(|r| self.row(message, Some(RowAt::Repetition(path, r))))
                    .collect()
            }
        }
    }

    /// [`apply`](Self::apply) as JSON text: an object without `rows`, an
    /// array of objects with it.
    pub fn apply_json(&self, message: &Message<'_>) -> String {
        let rows = self.apply(message);
        let mut out = String::new();
        if self.has_rows() {
            out.push('[');
            for (i, row) in rows.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_row(&mut out, row);
            }
            out.push(']');
        } else if let Some(row) = rows.first() {
            write_row(&mut out, row);
        }
        out
    }

    fn row(&self, message: &Message<'_>, at: Option<RowAt>) -> Row {
        self.fields
            .iter()
            .map(|f| (f.key.clone(), self.field_value(message, at, f)))
            .collect()
    }

    fn field_value(&self, message: &Message<'_>, at: Option<RowAt>, spec: &FieldSpec) -> MapValue {
        let value = if spec.list {
            let mut items = Vec::new();
            for path in &spec.paths {
                for text in read(message, at, path, spec.raw, true) {
                    let v = self.transform(MapValue::Text(text.into_owned()), spec);
                    if v != MapValue::Null {
                        items.push(v);
                    }
                }
            }
            if items.is_empty() {
                MapValue::Null
            } else {
                MapValue::List(items)
            }
        } else {
            let parts: Vec<Cow<'_, str>> = spec
                .paths
                .iter()
                .filter_map(|p| read(message, at, p, spec.raw, false).into_iter().next())
                .collect();
            if parts.is_empty() {
                MapValue::Null
            } else {
                self.transform(MapValue::Text(parts.join(spec.join.as_str())), spec)
            }
        };
        match (value, &spec.default) {
            (MapValue::Null, Some(d)) => default_value(d),
            (MapValue::Text(t), Some(d)) if t.is_empty() => default_value(d),
            (v, _) => v,
        }
    }

    fn transform(&self, mut value: MapValue, spec: &FieldSpec) -> MapValue {
        for t in &spec.transforms {
            value = self.transform_one(value, t);
        }
        value
    }

    /// Transforms text; a number is looked up by its text; null stays null.
    fn transform_one(&self, value: MapValue, t: &Transform) -> MapValue {
        let text = match value {
            MapValue::Text(text) => text,
            MapValue::Number(n) if matches!(t, Transform::Lookup(_)) => number_text(n),
            other => return other,
        };
        let out = match t {
            Transform::Trim => MapValue::Text(String::from(text.trim())),
            Transform::Upper => MapValue::Text(text.to_ascii_uppercase()),
            Transform::Lower => MapValue::Text(text.to_ascii_lowercase()),
            Transform::Date => {
                DateTime::parse(&text).map_or(MapValue::Null, |d| MapValue::Text(d.to_iso8601()))
            }
            Transform::Number => parse_number(&text)
                .ok()
                .filter(|n| n.is_finite())
                .map_or(MapValue::Null, MapValue::Number),
            Transform::Lookup(i) => {
                let table = &self.tables[*i];
                table
                    .get(text.as_str())
                    .or_else(|| table.get("*"))
                    .map_or(MapValue::Null, |v| MapValue::Text(v.clone()))
            }
        };
        match out {
            MapValue::Text(t) if t.is_empty() => MapValue::Null,
            v => v,
        }
    }
}

fn default_value(d: &Value) -> MapValue {
    match d {
        Value::Null => MapValue::Null,
        Value::String(s) => MapValue::Text(s.clone()),
        Value::Number(n) => n.as_f64().map_or(MapValue::Null, MapValue::Number),
        other => MapValue::Json(other.clone()),
    }
}

fn parse_rows(value: &Value) -> Result<Rows, MappingError> {
    let text = value
        .as_str()
        .map(str::trim)
        .ok_or_else(|| err(SpecErrorKind::InvalidRows, "/rows"))?;
    let b = text.as_bytes();
    if b.len() == 3 && b.iter().all(u8::is_ascii_alphanumeric) {
        return Ok(Rows::Segment([b[0], b[1], b[2]]));
    }
    match Path::parse(text) {
        Ok(p) if p.repetition().is_none() && p.component().is_none() => Ok(Rows::Repetitions(p)),
        _ => Err(err(SpecErrorKind::InvalidRows, "/rows")),
    }
}

fn read_table(doc: &Value, at: &[&str]) -> Result<BTreeMap<String, String>, MappingError> {
    let obj = doc
        .as_object()
        .ok_or_else(|| err(SpecErrorKind::InvalidSpec, pointer(at)))?;
    let mut table = BTreeMap::new();
    for (code, text) in obj {
        let text = match text {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            _ => {
                let mut here = at.to_vec();
                here.push(code);
                return Err(err(SpecErrorKind::InvalidSpec, pointer(&here)));
            }
        };
        table.insert(code.clone(), text);
    }
    Ok(table)
}

fn read_transform(
    doc: &Value,
    at: &[&str],
    table_names: &[String],
    tables: &mut Vec<BTreeMap<String, String>>,
) -> Result<Transform, MappingError> {
    match doc {
        Value::String(name) => match name.as_str() {
            "trim" => Ok(Transform::Trim),
            "upper" => Ok(Transform::Upper),
            "lower" => Ok(Transform::Lower),
            "date" => Ok(Transform::Date),
            "number" => Ok(Transform::Number),
            _ => Err(err(SpecErrorKind::UnknownTransform, pointer(at))),
        },
        Value::Object(obj) if obj.len() == 1 => match obj.get("lookup") {
            Some(Value::String(name)) => table_names
                .iter()
                .position(|n| n == name)
                .map(Transform::Lookup)
                .ok_or_else(|| err(SpecErrorKind::UnknownTable, pointer(at))),
            Some(inline @ Value::Object(_)) => {
                let mut here = at.to_vec();
                here.push("lookup");
                tables.push(read_table(inline, &here)?);
                Ok(Transform::Lookup(tables.len() - 1))
            }
            Some(_) => Err(err(SpecErrorKind::InvalidSpec, pointer(at))),
            None => Err(err(SpecErrorKind::UnknownTransform, pointer(at))),
        },
        _ => Err(err(SpecErrorKind::UnknownTransform, pointer(at))),
    }
}

fn read_field(
    key: String,
    doc: Value,
    table_names: &[String],
    tables: &mut Vec<BTreeMap<String, String>>,
) -> Result<FieldSpec, MappingError> {
    let at = ["fields", key.as_str()];
    let mut spec = FieldSpec {
        key: String::new(),
        paths: Vec::new(),
        join: String::new(),
        transforms: Vec::new(),
        default: None,
        list: false,
        raw: false,
    };
    match &doc {
        Value::String(_) => spec.paths.push(parse_path(&doc, &at)?),
        Value::Object(obj) => {
            for (k, v) in obj {
                let here = [at[0], at[1], k.as_str()];
                let bad = || err(SpecErrorKind::InvalidSpec, pointer(&here));
                match k.as_str() {
                    "path" => spec.paths.push(parse_path(v, &here)?),
                    "paths" => {
                        let list = v.as_array().filter(|l| !l.is_empty()).ok_or_else(bad)?;
                        for (i, p) in list.iter().enumerate() {
                            let i = i.to_string();
                            spec.paths.push(parse_path(p, &[at[0], at[1], k, &i])?);
                        }
                    }
                    "join" => spec.join = String::from(v.as_str().ok_or_else(bad)?),
                    "transform" => {
                        let list: Vec<&Value> = match v {
                            Value::Array(items) => items.iter().collect(),
                            one => alloc::vec![one],
                        };
                        for (i, t) in list.into_iter().enumerate() {
                            let i = i.to_string();
                            let where_ = if v.is_array() {
                                alloc::vec![at[0], at[1], k.as_str(), i.as_str()]
                            } else {
                                alloc::vec![at[0], at[1], k.as_str()]
                            };
                            spec.transforms
                                .push(read_transform(t, &where_, table_names, tables)?);
                        }
                    }
                    "default" => spec.default = Some(v.clone()),
                    "list" => spec.list = v.as_bool().ok_or_else(bad)?,
                    "raw" => spec.raw = v.as_bool().ok_or_else(bad)?,
                    _ => return Err(err(SpecErrorKind::UnknownKey, pointer(&here))),
                }
            }
            if spec.paths.is_empty() {
                return Err(err(SpecErrorKind::InvalidSpec, pointer(&at)));
            }
            if obj.contains_key("path") && obj.contains_key("paths") {
                return Err(err(SpecErrorKind::InvalidSpec, pointer(&at)));
            }
        }
        _ => return Err(err(SpecErrorKind::InvalidSpec, pointer(&at))),
    }
    spec.key = key;
    Ok(spec)
}

/// Where a row is: which occurrence of a segment, or which repetition of a field.
#[derive(Debug, Clone, Copy)]
enum RowAt {
    Occurrence([u8; 3], u32),
    Repetition(Path, u32),
}

/// The texts a path reads: one (the first repetition or the named one) or,
/// with `every`, one per non-empty repetition.
fn read<'m>(
    message: &'m Message<'_>,
    at: Option<RowAt>,
    at_path: &MapPath,
    raw: bool,
    every: bool,
) -> Vec<Cow<'m, str>> {
    let path = &at_path.path;
    let mut occurrence = path.occurrence();
    let mut repetition = path.repetition();
    match at {
        Some(RowAt::Occurrence(name, k))
            if &name == path.segment_bytes() && !at_path.occurrence_given =>
        {
            occurrence = k;
        }
        Some(RowAt::Repetition(field, r))
            if field.segment_bytes() == path.segment_bytes()
                && field.occurrence() == path.occurrence()
                && field.field() == path.field()
                && repetition.is_none() =>
        {
            repetition = Some(r);
        }
        _ => {}
    }
    let Some(segment) = message.nth_named(path.segment_bytes(), occurrence) else {
        return Vec::new();
    };
    let text = |s: &Segment<'m>, p: &Path| {
        crate::view::resolve(s, p)
            .filter(|v| !v.is_empty())
            .map(|v| if raw { v.raw() } else { v.value() })
    };
    if segment.is_header() && path.field() <= 2 {
        return text(&segment, path).into_iter().collect();
    }
    match (every, repetition) {
        (true, None) => {
            let count = segment
                .field(path.field() as usize)
                .map_or(0, |f| f.repetitions().count());
            (1..=count as u32)
                .filter_map(|r| text(&segment, &path.with_repetition(r)))
                .collect()
        }
        (_, r) => text(&segment, &path.with_repetition(r.unwrap_or(1)))
            .into_iter()
            .collect(),
    }
}

fn write_value(out: &mut String, v: &MapValue) {
    match v {
        MapValue::Null => out.push_str("null"),
        MapValue::Text(t) => crate::json::write_string(out, t),
        MapValue::Number(n) => out.push_str(&number_text(*n)),
        MapValue::Json(j) => out.push_str(&j.to_string()),
        MapValue::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item);
            }
            out.push(']');
        }
    }
}

/// A number as JSON text: whole numbers without a fraction (`182`), others
/// in the shortest form that reads back the same (serde_json's, so no second
/// float formatter is linked).
fn number_text(n: f64) -> String {
    let whole = n as i64; // saturates; compared back below
    if whole as f64 == n && whole.unsigned_abs() < 1_000_000_000_000_000 {
        return whole.to_string();
    }
    serde_json::Number::from_f64(n).map_or_else(|| String::from("null"), |v| v.to_string())
}

fn write_row(out: &mut String, row: &Row) {
    out.push('{');
    for (i, (key, value)) in row.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        crate::json::write_string(out, key);
        out.push(':');
        write_value(out, value);
    }
    out.push('}');
}

impl MapValue {
    /// The value as text: `None` for null, text as it is, anything else as
    /// its JSON text (numbers as `number` writes them).
    pub fn to_text(&self) -> Option<String> {
        match self {
            MapValue::Null => None,
            MapValue::Text(t) => Some(t.clone()),
            other => Some(other.to_json()),
        }
    }

    /// The value as JSON text.
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        write_value(&mut out, self);
        out
    }
}
