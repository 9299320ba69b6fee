//! Lossless JSON (format `pipehat-lossless`, version 1): a message as JSON
//! from which its exact bytes are rebuilt, and the friendly form for people.
//!
//! ```json
//! {"format":"pipehat-lossless","version":1,"encoding":"utf-8",
//!  "delimiters":"|^~\\&","terminator":"\r",
//!  "segments":[
//!   {"name":"MSH","fields":["|","^~\\&","APP","","","","20240115","",[["ADT","A01"]],"1","P","2.5.1"]},
//!   {"name":"PID","fields":["1","",[["123","","","H"],"456"],"",[["DOE",["JOHN","Q"]]]],"end":""}]}
//! ```
//!
//! - `fields[0]` is field 1. In a header segment (MSH, BHS, FHS) that is the
//!   field separator and `fields[1]` the encoding characters, as written.
//! - A field is a string, or an array of repetitions; a repetition is a
//!   string or an array of components; a component is a string or an array
//!   of subcomponents. A string stands for a value with no separator below
//!   it, so `"a^b"` is `[["a","b"]]` and `"a~b"` is `["a","b"]`.
//! - Strings are the text **as encoded** (escape sequences kept), so nothing
//!   is decoded and nothing is lost; read decoded values with the friendly form.
//! - `encoding` is `utf-8` when the message bytes are UTF-8; otherwise
//!   `latin-1`: each character U+0000–U+00FF stands for one byte.
//! - `terminator` ends each segment unless the segment has its own `end`:
//!   the exact bytes up to the next segment (blank lines, `\r\n`), or to the
//!   end of the input for the last one (`""` when there is no final terminator).
//! - `prefix`, when present, is what came before the first segment (a byte
//!   order mark, an MLLP start block, blank lines).
//!
//! The JSON Schema is `core/schema/pipehat-lossless-v1.schema.json`.

use crate::json::write_string;
use crate::Message;
use alloc::string::String;
use alloc::vec::Vec;

/// The `format` value of lossless JSON.
pub const FORMAT: &str = "pipehat-lossless";
/// The `version` this build writes and reads.
pub const VERSION: u32 = 1;

impl Message<'_> {
    /// The message as lossless JSON (see the [`lossless`](crate::lossless) module).
    ///
    /// ```
    /// let input = b"MSH|^~\\&|A\rPID|1||7^^^H~8||DOE^J&K\\T\\\r";
    /// let msg = pipehat::Message::parse(input)?;
    /// let json = msg.to_lossless_json();
    /// assert!(json.contains(r#"{"name":"PID","fields":["1","",[["7","","","H"],"8"],"",[["DOE",["J","K\\T\\"]]]]}"#));
    /// # #[cfg(feature = "json")]
    /// assert_eq!(pipehat::MessageBuf::from_lossless_json(&json)?.as_bytes(), &input[..]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to_lossless_json(&self) -> String {
        let input = self.as_bytes();
        let d = self.delimiters();
        let (enc, n) = d.encoding_characters();
        // Pieces split at ASCII delimiters of UTF-8 text are UTF-8 themselves.
        let utf8 = core::str::from_utf8(input).is_ok()
            && d.field().is_ascii()
            && enc[..n].iter().all(u8::is_ascii);
        let text = Lit { utf8 };
        let mut delimiters = Vec::with_capacity(6);
        delimiters.push(d.field());
        delimiters.extend_from_slice(&enc[..n]);
        let terminator = self.segment_terminator().as_str();

        let mut w = crate::json::Utf8Json::lossless(Vec::with_capacity(input.len() * 2 + 128), d);
        w.out
            .extend_from_slice(b"{\"format\":\"pipehat-lossless\",\"version\":1,\"encoding\":");
        w.out
            .extend_from_slice(if utf8 { b"\"utf-8\"" } else { b"\"latin-1\"" });
        w.out.extend_from_slice(b",\"delimiters\":");
        text.write(&mut w.out, &delimiters);
        w.out.extend_from_slice(b",\"terminator\":");
        crate::json::json_bytes(&mut w.out, terminator.as_bytes());
        let segments: Vec<_> = self.segments().collect();
        let first = segments.first().map_or(input.len(), |s| s.offset());
        if first > 0 {
            w.out.extend_from_slice(b",\"prefix\":");
            text.write(&mut w.out, &input[..first]);
        }
        w.out.extend_from_slice(b",\"segments\":[");
        let seps = levels(&d);
        for (i, seg) in segments.iter().enumerate() {
            if i > 0 {
                w.out.push(b',');
            }
            let bytes = seg.as_bytes();
            let (name, rest) = match memchr::memchr(d.field(), bytes) {
                Some(p) => (&bytes[..p], Some(&bytes[p + 1..])),
                None => (bytes, None),
            };
            w.out.extend_from_slice(b"{\"name\":");
            text.write(&mut w.out, name);
            w.out.extend_from_slice(b",\"fields\":[");
            if let Some(rest) = rest {
                let mut fields = rest;
                let mut more = true;
                if seg.is_header() {
                    // MSH-1 is the separator, MSH-2 the encoding characters as written.
                    text.write(&mut w.out, &[d.field()]);
                    let end = memchr::memchr(d.field(), rest).unwrap_or(rest.len());
                    w.out.push(b',');
                    text.write(&mut w.out, &rest[..end]);
                    more = end < rest.len();
                    fields = rest.get(end + 1..).unwrap_or(&[]);
                    if more {
                        w.out.push(b',');
                    }
                }
                if more && utf8 {
                    // Bytes straight to the output, each field classified
                    // in one pass (its bounds from the index when it has them).
                    let inside = usize::from(seg.is_header()) + 1;
                    // `fields` lies within the segment's bytes.
                    let at = seg.offset() + (fields.as_ptr() as usize - bytes.as_ptr() as usize);
                    let known = seg
                        .indexed_separators()
                        .map(|seps| (seps.get(inside..).unwrap_or_default(), at));
                    w.fields(fields, known);
                } else if more {
                    for (n, field) in fields.split(|&b| b == d.field()).enumerate() {
                        if n > 0 {
                            w.out.push(b',');
                        }
                        write_level(&mut w.out, field, &seps, &text);
                    }
                }
            }
            w.out.push(b']');
            close_segment(&mut w.out, seg_end(self, &segments, i), terminator, &text);
        }
        w.out.extend_from_slice(b"]}");
        // Only UTF-8 was written: slices of UTF-8 text cut at ASCII
        // separators, characters encoded from latin-1 bytes, ASCII syntax.
        String::from_utf8(w.out).unwrap_or_default()
    }
}

/// The separators below field level, outermost first.
fn levels(d: &crate::Delimiters) -> Vec<u8> {
    let mut v = alloc::vec![d.repetition(), d.component()];
    if d.has_subcomponent() {
        v.push(d.subcomponent());
    }
    v
}

/// The bytes after segment `i` up to the next segment (or the end of input).
fn seg_end<'m>(msg: &Message<'m>, segments: &[crate::Segment<'_>], i: usize) -> &'m [u8] {
    let input = msg.as_bytes();
    let end = segments[i].offset() + segments[i].as_bytes().len();
    let next = segments.get(i + 1).map_or(input.len(), |s| s.offset());
    &input[end..next]
}

fn close_segment(out: &mut Vec<u8>, end: &[u8], terminator: &str, text: &Lit) {
    if end != terminator.as_bytes() {
        out.extend_from_slice(b",\"end\":");
        text.write(out, end);
    }
    out.push(b'}');
}

/// Writes message bytes as a JSON string literal: UTF-8 text as it is, or
/// (for `latin-1` documents) one character per byte.
struct Lit {
    utf8: bool,
}

impl Lit {
    fn write(&self, out: &mut Vec<u8>, bytes: &[u8]) {
        if self.utf8 {
            return crate::json::json_bytes(out, bytes);
        }
        let mut text = String::with_capacity(bytes.len() + bytes.len() / 2);
        text.extend(bytes.iter().map(|&b| char::from(b)));
        crate::json::json_bytes(out, text.as_bytes());
    }
}

/// A value split on `seps[0]`, each piece split on the rest: a string when
/// no separator of this level or below occurs.
fn write_level(out: &mut Vec<u8>, bytes: &[u8], seps: &[u8], text: &Lit) {
    match seps
        .iter()
        .position(|s| memchr::memchr(*s, bytes).is_some())
    {
        None => text.write(out, bytes),
        Some(0) => {
            out.push(b'[');
            for (i, piece) in bytes.split(|&b| b == seps[0]).enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_level(out, piece, &seps[1..], text);
            }
            out.push(b']');
        }
        Some(_) => {
            // Only lower separators: one piece at this level.
            out.push(b'[');
            write_level(out, bytes, &seps[1..], text);
            out.push(b']');
        }
    }
}

impl Message<'_> {
    /// The friendly JSON form, for people to read: segments keyed by name
    /// (each an array of occurrences, in order of first appearance), fields
    /// keyed by number, components and subcomponents keyed by number, values
    /// decoded, empty values left out, repetitions as arrays. Not lossless:
    /// use [`to_lossless_json`](Self::to_lossless_json) to rebuild a message.
    ///
    /// ```
    /// let msg = pipehat::Message::parse(b"MSH|^~\\&|APP||||||ADT^A01\rPID|1||123^^^H~456||DOE^JO&X\\T\\Y\r")?;
    /// assert_eq!(
    ///     msg.to_friendly_json(),
    ///     r#"{"MSH":[{"1":"|","2":"^~\\&","3":"APP","9":{"1":"ADT","2":"A01"}}],"PID":[{"1":"1","3":[{"1":"123","4":"H"},"456"],"5":{"1":"DOE","2":{"1":"JO","2":"X&Y"}}}]}"#
    /// );
    /// # Ok::<(), pipehat::ParseError>(())
    /// ```
    pub fn to_friendly_json(&self) -> String {
        self.friendly_json(&|_: &str, _: [usize; 3]| None)
    }

    /// The friendly form with keys named by `key(segment, [field, component,
    /// subcomponent])` (0 for a level not reached) where it gives a name,
    /// by number otherwise.
    pub(crate) fn friendly_json(&self, key: &Key<'_>) -> String {
        let mut out = String::with_capacity(self.as_bytes().len() * 2);
        // Each segment's name, decoded once; then the names in order of first use.
        let seg_names: Vec<alloc::borrow::Cow<'_, str>> =
            self.segments().map(|s| s.name_text()).collect();
        let mut names: Vec<&str> = Vec::new();
        for name in &seg_names {
            if !names.contains(&&**name) {
                names.push(name);
            }
        }
        out.push('{');
        for (i, name) in names.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            write_string(&mut out, name);
            out.push_str(":[");
            let named = self.segments().zip(&seg_names).filter(|(_, n)| *n == name);
            for (k, (seg, _)) in named.enumerate() {
                if k > 0 {
                    out.push(',');
                }
                out.push('{');
                let mut first = true;
                for (f, field) in seg.fields().enumerate() {
                    if field.is_empty() {
                        continue;
                    }
                    if !first {
                        out.push(',');
                    }
                    first = false;
                    write_key(&mut out, key(name, [f + 1, 0, 0]), f + 1);
                    if seg.is_header() && f < 2 {
                        write_string(&mut out, &field.raw());
                        continue;
                    }
                    let reps: Vec<_> = field.repetitions().collect();
                    let at = Part {
                        segment: name,
                        field: f + 1,
                        key,
                    };
                    if reps.len() == 1 {
                        friendly_value(&mut out, &reps[0], &at);
                    } else {
                        out.push('[');
                        for (r, rep) in reps.iter().enumerate() {
                            if r > 0 {
                                out.push(',');
                            }
                            friendly_value(&mut out, rep, &at);
                        }
                        out.push(']');
                    }
                }
                out.push('}');
            }
            out.push(']');
        }
        out.push('}');
        out
    }
}

/// Names the keys of the friendly form: segment, then field, component and
/// subcomponent numbers (0 for a level not reached).
pub(crate) type Key<'k> = dyn Fn(&str, [usize; 3]) -> Option<&'static str> + 'k;

/// The field a value belongs to, for naming its parts.
struct Part<'a, 'k> {
    segment: &'a str,
    field: usize,
    key: &'a Key<'k>,
}

fn write_key(out: &mut String, name: Option<&str>, number: usize) {
    match name {
        Some(n) => write_string(out, n),
        None => {
            let _ = core::fmt::Write::write_fmt(out, format_args!("\"{number}\""));
        }
    }
    out.push(':');
}

/// A repetition or component: its decoded text, or an object of its parts.
fn friendly_value(out: &mut String, rep: &crate::Repetition<'_>, at: &Part<'_, '_>) {
    if !rep.is_composite() {
        return write_string(out, &rep.value());
    }
    out.push('{');
    let mut first = true;
    for (c, comp) in rep.components().enumerate() {
        if comp.is_empty() {
            continue;
        }
        if !first {
            out.push(',');
        }
        first = false;
        write_key(out, (at.key)(at.segment, [at.field, c + 1, 0]), c + 1);
        if !comp.is_composite() {
            write_string(out, &comp.value());
            continue;
        }
        out.push('{');
        let mut first_sub = true;
        for (s, sub) in comp.subcomponents().enumerate() {
            if sub.is_empty() {
                continue;
            }
            if !first_sub {
                out.push(',');
            }
            first_sub = false;
            write_key(out, (at.key)(at.segment, [at.field, c + 1, s + 1]), s + 1);
            write_string(out, &sub.value());
        }
        out.push('}');
    }
    out.push('}');
}

/// Why lossless JSON could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum JsonErrorKind {
    /// Not JSON text.
    InvalidJson,
    /// `format` is not `pipehat-lossless`, or `version` is not one this build reads.
    UnsupportedFormat,
    /// A member is missing or has the wrong type.
    InvalidShape,
    /// A `latin-1` document holds a character above U+00FF.
    InvalidEncoding,
    /// The rebuilt text is not a message; see [`JsonError::parse_error`].
    Parse,
}

/// Lossless JSON could not be read. `offset` is a byte offset into the JSON
/// text for `invalid_json`, the index of the segment concerned otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JsonError {
    kind: JsonErrorKind,
    offset: usize,
    parse: Option<crate::ParseError>,
}

impl JsonError {
    #[cfg(feature = "json")]
    const fn new(kind: JsonErrorKind, offset: usize) -> Self {
        JsonError {
            kind,
            offset,
            parse: None,
        }
    }
    /// What went wrong.
    pub const fn kind(&self) -> JsonErrorKind {
        self.kind
    }
    /// The stable code: `invalid_json`, `unsupported_format`, `invalid_shape`,
    /// `invalid_encoding`, or the parse error's own code.
    pub fn code(&self) -> &'static str {
        match (self.kind, self.parse) {
            (_, Some(p)) => p.code(),
            (JsonErrorKind::InvalidJson, _) => "invalid_json",
            (JsonErrorKind::UnsupportedFormat, _) => "unsupported_format",
            (JsonErrorKind::InvalidShape, _) => "invalid_shape",
            (JsonErrorKind::InvalidEncoding, _) => "invalid_encoding",
            (JsonErrorKind::Parse, None) => "parse",
        }
    }
    /// See the type's documentation.
    pub const fn offset(&self) -> usize {
        self.offset
    }
    /// The error from parsing the rebuilt text, for kind `Parse`.
    pub const fn parse_error(&self) -> Option<crate::ParseError> {
        self.parse
    }
}

impl core::fmt::Display for JsonError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        if let Some(p) = &self.parse {
            return write!(f, "the message rebuilt from JSON does not parse: {p}");
        }
        let what = match self.kind {
            JsonErrorKind::InvalidJson => "the text is not valid JSON",
            JsonErrorKind::UnsupportedFormat => "not pipehat-lossless JSON version 1",
            JsonErrorKind::InvalidShape => "a member is missing or has the wrong type",
            JsonErrorKind::InvalidEncoding => "a latin-1 document holds a character above U+00FF",
            JsonErrorKind::Parse => "the rebuilt message does not parse",
        };
        crate::error::write_error(
            f,
            what,
            self.code(),
            [crate::error::Place::Byte(self.offset as u64)],
        )
    }
}

#[cfg(feature = "std")]
impl std::error::Error for JsonError {}

#[cfg(feature = "json")]
mod read {
    use super::*;
    use serde_json::Value;

    struct Writer {
        out: Vec<u8>,
        latin1: bool,
        segment: usize,
    }

    impl Writer {
        fn text(&mut self, s: &str) -> Result<(), JsonError> {
            if self.latin1 {
                for c in s.chars() {
                    let b = u8::try_from(u32::from(c)).map_err(|_| {
                        JsonError::new(JsonErrorKind::InvalidEncoding, self.segment)
                    })?;
                    self.out.push(b);
                }
            } else {
                self.out.extend_from_slice(s.as_bytes());
            }
            Ok(())
        }

        fn shape(&self) -> JsonError {
            JsonError::new(JsonErrorKind::InvalidShape, self.segment)
        }

        fn level(&mut self, v: &Value, seps: &[u8]) -> Result<(), JsonError> {
            match v {
                Value::String(s) => self.text(s),
                Value::Array(items) if !seps.is_empty() && !items.is_empty() => {
                    for (i, item) in items.iter().enumerate() {
                        if i > 0 {
                            self.out.push(seps[0]);
                        }
                        self.level(item, &seps[1..])?;
                    }
                    Ok(())
                }
                _ => Err(self.shape()),
            }
        }
    }

    fn string<'v>(v: &'v Value, key: &str) -> Option<&'v str> {
        v.get(key).and_then(Value::as_str)
    }

    pub(super) fn rebuild(json: &str) -> Result<Vec<u8>, JsonError> {
        let doc: Value = serde_json::from_str(json).map_err(|e| {
            // serde_json reports lines and columns; turn them into a byte offset.
            let offset = json
                .split_inclusive('\n')
                .take(e.line().saturating_sub(1))
                .map(str::len)
                .sum::<usize>()
                + e.column().saturating_sub(1);
            JsonError::new(JsonErrorKind::InvalidJson, offset)
        })?;
        if string(&doc, "format") != Some(FORMAT)
            || doc.get("version").and_then(Value::as_u64) != Some(1)
        {
            return Err(JsonError::new(JsonErrorKind::UnsupportedFormat, 0));
        }
        let latin1 = match string(&doc, "encoding") {
            Some("utf-8") => false,
            Some("latin-1") => true,
            _ => return Err(JsonError::new(JsonErrorKind::InvalidShape, 0)),
        };
        let mut w = Writer {
            out: Vec::new(),
            latin1,
            segment: 0,
        };
        let delims = {
            let d = string(&doc, "delimiters").ok_or_else(|| w.shape())?;
            let mut tmp = Writer {
                out: Vec::new(),
                latin1,
                segment: 0,
            };
            tmp.text(d)?;
            tmp.out
        };
        if !(4..=6).contains(&delims.len()) {
            return Err(w.shape());
        }
        let field = delims[0];
        let mut seps = alloc::vec![delims[2], delims[1]];
        if delims.len() >= 5 {
            seps.push(delims[4]);
        }
        let terminator = string(&doc, "terminator").ok_or_else(|| w.shape())?;
        if let Some(prefix) = doc.get("prefix") {
            w.text(prefix.as_str().ok_or_else(|| w.shape())?)?;
        }
        let segments = doc
            .get("segments")
            .and_then(Value::as_array)
            .ok_or_else(|| w.shape())?;
        for (i, seg) in segments.iter().enumerate() {
            w.segment = i;
            w.text(string(seg, "name").ok_or_else(|| w.shape())?)?;
            let fields = seg
                .get("fields")
                .and_then(Value::as_array)
                .ok_or_else(|| w.shape())?;
            let name = string(seg, "name").unwrap_or_default();
            // In a header segment, fields[0] is the field separator itself
            // (compared as the byte it stands for, in either encoding).
            let first_is_separator = fields.first().and_then(Value::as_str).is_some_and(|f| {
                let mut c = f.chars();
                match (c.next(), c.next()) {
                    (Some(ch), None) if latin1 => u32::from(ch) == u32::from(field),
                    _ => f.as_bytes() == [field],
                }
            });
            let header = crate::delimiters::is_header_name(name.as_bytes()) && first_is_separator;
            for (n, f) in fields.iter().enumerate() {
                if header && n == 0 {
                    w.out.push(field);
                    continue;
                }
                if !(header && n == 1) {
                    w.out.push(field);
                }
                if header && n == 1 {
                    w.text(f.as_str().ok_or_else(|| w.shape())?)?;
                } else {
                    w.level(f, &seps)?;
                }
            }
            match seg.get("end") {
                None => w.text(terminator)?,
                Some(Value::String(e)) => w.text(e)?,
                Some(_) => return Err(w.shape()),
            }
        }
        Ok(w.out)
    }
}

#[cfg(feature = "json")]
impl crate::MessageBuf {
    /// Rebuilds a message from lossless JSON (see the [`lossless`](crate::lossless) module):
    /// the bytes are exactly those [`Message::to_lossless_json`] was given.
    pub fn from_lossless_json(json: &str) -> Result<crate::MessageBuf, JsonError> {
        let bytes = read::rebuild(json)?;
        crate::MessageBuf::parse(bytes).map_err(|e| JsonError {
            kind: JsonErrorKind::Parse,
            offset: e.segment().unwrap_or(0) as usize,
            parse: Some(e),
        })
    }
}

#[cfg(test)]
#[cfg(feature = "json")]
mod tests {
    use crate::{Message, MessageBuf};
    use alloc::borrow::ToOwned;

    fn round_trip(input: &[u8]) {
        let msg = Message::parse(input).unwrap();
        let json = msg.to_lossless_json();
        let back = MessageBuf::from_lossless_json(&json).unwrap_or_else(|e| panic!("{e}: {json}"));
        assert_eq!(back.as_bytes(), input, "{json}");
    }

    #[test]
    fn round_trips_odd_inputs() {
        round_trip(b"MSH|^~\\&|A\rPID|1||7^^^H~8||DOE^J&K\\T\\\r");
        round_trip(b"\xef\xbb\xbfMSH|^~\\&|A\n\nPID|1\nPID\nPID|\n");
        round_trip(b"\x0bMSH|^~\\&|M\xfcller\r\x1c\r");
        round_trip(b"MSH|^~\\&\rPID|a~b|a^b|a&b|^~&|\r\nNTE|x");
        round_trip(b"MSH*!@$%*A*B!C@D$E%F\r");
        round_trip(b"MSH|^~}|A|B^C}D\r");
        round_trip(b"MSH|^~\\&#|A\rPID|1||X\\P\\Y\r");
        round_trip(b"FHS|^~\\&|F\rBHS|^~\\&|B\rMSH|^~\\&|M\rBTS|1\rFTS|1\r");
    }

    #[test]
    fn shape_is_as_documented() {
        let msg = Message::parse(b"MSH|^~\\&|A|||||ADT^A01\rPID|1||a~b|c^d|e&f\r").unwrap();
        assert_eq!(
            msg.to_lossless_json(),
            r#"{"format":"pipehat-lossless","version":1,"encoding":"utf-8","delimiters":"|^~\\&","terminator":"\r","segments":[{"name":"MSH","fields":["|","^~\\&","A","","","","",[["ADT","A01"]]]},{"name":"PID","fields":["1","",["a","b"],[["c","d"]],[[["e","f"]]]]}]}"#
        );
    }

    #[test]
    fn errors_have_codes() {
        let e = |j: &str| MessageBuf::from_lossless_json(j).unwrap_err();
        assert_eq!(e("{").code(), "invalid_json");
        assert_eq!(
            e(r#"{"format":"x","version":1}"#).code(),
            "unsupported_format"
        );
        let base = r#"{"format":"pipehat-lossless","version":1,"encoding":"utf-8","delimiters":"|^~\\&","terminator":"\r","segments":"#;
        assert_eq!(
            e(&(base.to_owned() + "[{\"name\":\"MSH\"}]}")).code(),
            "invalid_shape"
        );
        assert_eq!(
            e(&(base.to_owned() + "[{\"name\":\"PID\",\"fields\":[]}]}")).code(),
            "missing_header"
        );
        let latin = base.replace("utf-8", "latin-1")
            + "[{\"name\":\"MSH\",\"fields\":[\"|\",\"^~\\\\&\",\"\u{4e2d}\"]}]}";
        assert_eq!(e(&latin).code(), "invalid_encoding");
    }
}
