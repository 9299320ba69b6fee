//! JSON output: a message as nested arrays, values decoded.
//!
//! ```json
//! {"segments": [
//!   {"name": "MSH", "fields": ["|", "^~\\&", "EPIC", "", ...]},
//!   {"name": "PID", "fields": ["1", "", {"repetitions": [["123", "", "", "HOSP", "MR"], "99"]}, ...]}
//! ]}
//! ```
//!
//! - `fields[0]` is field 1 (in MSH, the field separator; `fields[1]` is MSH-2).
//! - A field with one repetition is that repetition's value; with several,
//!   `{"repetitions": [...]}`.
//! - A repetition is a string, or an array of components when it has more than one.
//! - A component is a string, or an array of subcomponents when it has more than one.
//! - Strings are decoded (escapes and character set); empty values are `""`,
//!   the HL7 null is `"\"\""`.

use crate::Message;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;

/// A message's JSON forms, by the names the bindings' `form` options take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum JsonForm {
    /// [`Message::to_json`]: segments and decoded values as nested arrays
    /// (the default form).
    #[default]
    Tree,
    /// [`Message::to_lossless_json`]: rebuilds the exact bytes.
    Lossless,
    /// [`Message::to_friendly_json`]: keyed by segment and field number, for people.
    Friendly,
    /// `Message::to_named_json` (feature `dictionary`): keyed by field and
    /// component names of the message's version.
    Named,
}

impl JsonForm {
    /// Every form, in the order of [`NAMES`](Self::NAMES).
    pub const ALL: [JsonForm; 4] = [
        JsonForm::Tree,
        JsonForm::Lossless,
        JsonForm::Friendly,
        JsonForm::Named,
    ];
    /// `tree`, `lossless`, `friendly`, `named`.
    pub const NAMES: [&'static str; 4] = ["tree", "lossless", "friendly", "named"];

    /// The form's name.
    pub const fn as_str(self) -> &'static str {
        match self {
            JsonForm::Tree => "tree",
            JsonForm::Lossless => "lossless",
            JsonForm::Friendly => "friendly",
            JsonForm::Named => "named",
        }
    }

    /// Reads a name [`as_str`](Self::as_str) gives.
    pub fn from_name(name: &str) -> Option<JsonForm> {
        Self::ALL.into_iter().find(|f| f.as_str() == name)
    }
}

/// Receives a message as a tree, in the shape described in the module docs:
/// [`Message::walk_tree`] decides the shape once, and each output (JSON text,
/// Python objects, JavaScript objects) is a sink.
pub trait TreeSink {
    /// A segment starts; its fields follow.
    fn begin_segment(&mut self, name: &str);
    /// The segment's fields are complete.
    fn end_segment(&mut self);
    /// A field with several repetitions starts (`{"repetitions": [...]}`).
    fn begin_repetitions(&mut self);
    /// The repetitions are complete.
    fn end_repetitions(&mut self);
    /// A list of components (or, inside one, of subcomponents) starts.
    fn begin_list(&mut self);
    /// The list is complete.
    fn end_list(&mut self);
    /// A decoded leaf value.
    fn text(&mut self, value: &str);
}

impl Message<'_> {
    /// Sends the message to `sink` as a tree: segments, then fields as described
    /// in the [`json`](crate::json) module.
    pub fn walk_tree<S: TreeSink + ?Sized>(&self, sink: &mut S) {
        let mut w = Walker {
            delims: self.delimiters(),
            charset: self.charset(),
            scratch: Vec::new(),
        };
        for segment in self.segments() {
            sink.begin_segment(&segment.name_text());
            if let Some(fields) = segment.indexed_field_bytes() {
                for bytes in fields {
                    w.field(sink, bytes);
                }
                sink.end_segment();
                continue;
            }
            let header = segment.is_header();
            for (i, f) in segment.fields().enumerate() {
                if header && i < 2 {
                    // MSH-1 and MSH-2 are the delimiters themselves.
                    sink.text(&f.raw());
                } else {
                    w.field(sink, f.as_bytes());
                }
            }
            sink.end_segment();
        }
    }

    /// The message as JSON text (the shape is described in the [`json`](crate::json) module).
    ///
    /// ```
    /// let msg = pipehat::Message::parse(b"MSH|^~\\&|A\rPID|1||7^^^H~8||DOE^J&K\r")?;
    /// assert_eq!(
    ///     msg.to_json(),
    ///     r#"{"segments":[{"name":"MSH","fields":["|","^~\\&","A"]},{"name":"PID","fields":["1","",{"repetitions":[["7","","","H"],"8"]},"",["DOE",["J","K"]]]}]}"#
    /// );
    /// # Ok::<(), pipehat::ParseError>(())
    /// ```
    pub fn to_json(&self) -> String {
        // JSON text runs 1.6 to 1.9 times the message's size: one
        // allocation, of what the fast path reserves.
        let mut out = String::with_capacity(json_room(self.as_bytes().len()));
        self.write_json(&mut out);
        out
    }

    /// Appends the message as JSON text to `out`.
    pub fn write_json(&self, out: &mut String) {
        if !self.write_json_utf8(out) {
            self.write_json_tree(out);
        }
    }

    /// The general path: the tree walk through [`JsonSink`].
    fn write_json_tree(&self, out: &mut String) {
        out.push_str("{\"segments\":[");
        let start = out.len();
        self.walk_tree(&mut JsonSink { out, start });
        out.push_str("]}");
    }

    /// The fast path for UTF-8 messages with ASCII delimiters: bytes go
    /// straight from the message to the JSON text, one scan per level.
    /// Returns `false` (writing nothing) for other messages.
    fn write_json_utf8(&self, out: &mut String) -> bool {
        let d = self.delimiters();
        let (enc, n) = d.encoding_characters();
        if !d.field().is_ascii() || !enc[..n].iter().all(u8::is_ascii) {
            return false;
        }
        if core::str::from_utf8(self.as_bytes()).is_err() {
            return false;
        }
        let before = out.len();
        let mut w = Utf8Json::new(core::mem::take(out).into_bytes(), d, self.charset());
        w.out.reserve(json_room(self.as_bytes().len()));
        w.out.extend_from_slice(b"{\"segments\":[");
        let field_sep = d.field();
        for (i, segment) in self.segments().enumerate() {
            if i > 0 {
                w.out.push(b',');
            }
            let bytes = segment.as_bytes();
            let name_end = memchr::memchr(field_sep, bytes).unwrap_or(bytes.len());
            w.out.extend_from_slice(b"{\"name\":");
            json_bytes(&mut w.out, &bytes[..name_end]);
            w.out.extend_from_slice(b",\"fields\":[");
            if name_end < bytes.len() {
                let mut start = name_end + 1;
                // The separators inside what `fields` is given: after the
                // one ending the name, and after MSH-2's in a header.
                let inside = usize::from(segment.is_header()) + 1;
                let known = segment
                    .indexed_separators()
                    .map(|seps| (seps.get(inside..).unwrap_or_default(), segment.offset()));
                if segment.is_header() {
                    // MSH-1 and MSH-2 are the delimiters themselves, written as they are.
                    json_bytes(&mut w.out, &[field_sep]);
                    w.out.push(b',');
                    let end = memchr::memchr(field_sep, &bytes[start..])
                        .map_or(bytes.len(), |p| start + p);
                    json_bytes(&mut w.out, &bytes[start..end]);
                    if end < bytes.len() {
                        w.out.push(b',');
                    }
                    start = end + 1;
                }
                if start <= bytes.len() {
                    w.fields(&bytes[start..], known.map(|(seps, at)| (seps, at + start)));
                }
            }
            w.out.extend_from_slice(b"]}");
        }
        w.out.extend_from_slice(b"]}");
        // Only UTF-8 was written: valid slices of a UTF-8 message, JSON
        // escapes, and decoded values checked before they were copied.
        match String::from_utf8(w.out) {
            Ok(s) => {
                *out = s;
                true
            }
            Err(e) => {
                let mut bytes = e.into_bytes();
                bytes.truncate(before);
                *out = String::from_utf8(bytes).unwrap_or_default();
                false
            }
        }
    }
}

/// What the JSON of a message of `len` bytes is given at first: more than
/// the 1.6 to 1.9 times its size it takes in real feeds, with room for the
/// last repetition's worst case, so that writing it grows nothing.
fn json_room(len: usize) -> usize {
    len * 2 + len / 4 + 64
}

const REP: u8 = 1;
const COMP: u8 = 2;
const SUB: u8 = 4;
/// A byte JSON must escape.
const JSON: u8 = 8;
/// The HL7 escape character.
const ESC: u8 = 16;

pub(crate) struct Utf8Json {
    pub(crate) out: Vec<u8>,
    d: crate::Delimiters,
    class: [u8; 256],
    charset: crate::Charset,
    scratch: Vec<u8>,
    /// Lossless JSON: leaves stay as encoded, and every field that holds a
    /// separator is an array of repetitions.
    raw: bool,
}

impl Utf8Json {
    pub(crate) fn new(out: Vec<u8>, d: crate::Delimiters, charset: crate::Charset) -> Self {
        let mut class = [0u8; 256];
        class[..0x20].fill(JSON);
        class[usize::from(b'"')] |= JSON;
        class[usize::from(b'\\')] |= JSON;
        class[usize::from(d.escape())] |= ESC;
        class[usize::from(d.repetition())] |= REP;
        class[usize::from(d.component())] |= COMP;
        if d.has_subcomponent() {
            class[usize::from(d.subcomponent())] |= SUB;
        }
        Utf8Json {
            out,
            d,
            class,
            charset,
            scratch: Vec::new(),
            raw: false,
        }
    }

    /// The writer for lossless JSON.
    pub(crate) fn lossless(out: Vec<u8>, d: crate::Delimiters) -> Self {
        let mut w = Self::new(out, d, crate::Charset::Unspecified);
        w.raw = true;
        w.class[usize::from(d.escape())] &= !ESC;
        w
    }

    /// Writes the fields in `bytes` (the segment after its name and first
    /// separator, or after MSH-2), comma-separated. `known`: the field
    /// separators inside `bytes`, as positions in a text where `bytes`
    /// starts at the second number, when the index has them; then each
    /// field is classified alone, with no byte-by-byte search for them.
    pub(crate) fn fields(&mut self, bytes: &[u8], known: Option<(&[u32], usize)>) {
        let Some((seps, base)) = known else {
            return self.scan_fields(bytes);
        };
        let mut from = 0;
        for &sep in seps {
            let to = (sep as usize).saturating_sub(base);
            let field = bytes.get(from..to).unwrap_or_default();
            self.field(field, self.classes(field));
            self.out.push(b',');
            from = to + 1;
        }
        let field = bytes.get(from..).unwrap_or_default();
        self.field(field, self.classes(field));
    }

    /// [`fields`](Self::fields) finding the separators: one classified pass.
    fn scan_fields(&mut self, bytes: &[u8]) {
        let field_sep = self.d.field();
        let mut c = 0u8;
        let mut from = 0;
        for (k, &b) in bytes.iter().enumerate() {
            if b == field_sep {
                self.field(&bytes[from..k], c);
                self.out.push(b',');
                from = k + 1;
                c = 0;
            } else {
                c |= self.class[usize::from(b)];
            }
        }
        self.field(&bytes[from..], c);
    }

    /// The union of the classes of `bytes`.
    #[inline]
    fn classes(&self, bytes: &[u8]) -> u8 {
        bytes
            .iter()
            .fold(0, |acc, &b| acc | self.class[usize::from(b)])
    }

    #[inline]
    fn field(&mut self, bytes: &[u8], c: u8) {
        if c & (REP | COMP | SUB) == 0 {
            return self.leaf(bytes, c);
        }
        self.composite_field(bytes, c);
    }

    #[inline(never)]
    fn composite_field(&mut self, bytes: &[u8], c: u8) {
        // Lossless JSON: always an array of repetitions; the tree form: a
        // lone repetition as itself, several as {"repetitions": [...]}.
        let (open, close): (&[u8], &[u8]) = match (self.raw, c & REP != 0) {
            (true, _) => (b"[", b"]"),
            (false, false) => return self.repetition(bytes, c),
            (false, true) => (b"{\"repetitions\":[", b"]}"),
        };
        self.out.extend_from_slice(open);
        if c & REP == 0 {
            // One repetition (lossless JSON): its classes are the field's.
            self.repetition(bytes, c);
        } else {
            self.parts(bytes, self.d.repetition(), Self::repetition);
        }
        self.out.extend_from_slice(close);
    }

    /// Writes the parts of `bytes` split on `sep`, comma-separated, each
    /// classified and then written by `write`.
    fn parts(&mut self, bytes: &[u8], sep: u8, write: fn(&mut Self, &[u8], u8)) {
        for (i, part) in bytes.split(|&b| b == sep).enumerate() {
            if i > 0 {
                self.out.push(b',');
            }
            let c = self.classes(part);
            write(self, part, c);
        }
    }

    fn repetition(&mut self, bytes: &[u8], c: u8) {
        if c & (COMP | SUB) == 0 {
            return self.leaf(bytes, c);
        }
        if c & (SUB | JSON | ESC) == 0 {
            // Plain components: copy, turning each separator into `","`
            // (short values make one copy per byte cheaper than one per piece).
            let comp = self.d.component();
            self.out.reserve(bytes.len() * 3 + 4);
            self.out.extend_from_slice(b"[\"");
            let mut rest = bytes;
            while let Some(i) = crate::view::find_byte(rest, comp) {
                self.out.extend_from_slice(&rest[..i]);
                self.out.extend_from_slice(b"\",\"");
                rest = &rest[i + 1..];
            }
            self.out.extend_from_slice(rest);
            self.out.extend_from_slice(b"\"]");
            return;
        }
        self.out.push(b'[');
        // One pass: component ends and what each component holds.
        let mut from = 0;
        let mut pc = 0u8;
        for (k, &b) in bytes.iter().enumerate() {
            let class = self.class[usize::from(b)];
            if class & COMP != 0 {
                self.component(&bytes[from..k], pc);
                self.out.push(b',');
                from = k + 1;
                pc = 0;
            } else {
                pc |= class;
            }
        }
        self.component(&bytes[from..], pc);
        self.out.push(b']');
    }

    fn component(&mut self, piece: &[u8], pc: u8) {
        if pc & SUB == 0 {
            return self.leaf(piece, pc);
        }
        self.out.push(b'[');
        self.parts(piece, self.d.subcomponent(), Self::leaf);
        self.out.push(b']');
    }

    /// A JSON string of the value (classes `c`), escapes decoded.
    #[inline]
    fn leaf(&mut self, bytes: &[u8], c: u8) {
        if c & (JSON | ESC) == 0 {
            self.out.push(b'"');
            self.out.extend_from_slice(bytes);
            self.out.push(b'"');
            return;
        }
        self.special_leaf(bytes, c);
    }

    #[cold]
    fn special_leaf(&mut self, bytes: &[u8], c: u8) {
        if c & ESC == 0 {
            return json_bytes(&mut self.out, bytes);
        }
        self.scratch.clear();
        crate::escape::decode_to(bytes, &self.d, &mut self.scratch);
        let decoded = core::mem::take(&mut self.scratch);
        match core::str::from_utf8(&decoded) {
            Ok(_) => json_bytes(&mut self.out, &decoded),
            Err(_) => {
                let text = crate::charset::decode(&decoded, self.charset);
                json_bytes(&mut self.out, text.as_bytes());
            }
        }
        self.scratch = decoded;
    }
}

/// Appends UTF-8 `bytes` as a JSON string literal.
pub(crate) fn json_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    out.push(b'"');
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if b >= 0x20 && b != b'"' && b != b'\\' {
            continue;
        }
        out.extend_from_slice(&bytes[start..i]);
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            _ => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(b"\\u00");
                out.push(HEX[usize::from(b >> 4)]);
                out.push(HEX[usize::from(b & 15)]);
            }
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// Writes JSON; a comma goes before any item that does not open its container.
struct JsonSink<'o> {
    out: &'o mut String,
    start: usize,
}

impl JsonSink<'_> {
    fn separate(&mut self) {
        if self.out.len() > self.start && !self.out.ends_with(['[', '{', ':']) {
            self.out.push(',');
        }
    }
}

impl TreeSink for JsonSink<'_> {
    fn begin_segment(&mut self, name: &str) {
        self.separate();
        self.out.push_str("{\"name\":");
        write_string(self.out, name);
        self.out.push_str(",\"fields\":[");
    }
    fn end_segment(&mut self) {
        self.out.push_str("]}");
    }
    fn begin_repetitions(&mut self) {
        self.separate();
        self.out.push_str("{\"repetitions\":[");
    }
    fn end_repetitions(&mut self) {
        self.out.push_str("]}");
    }
    fn begin_list(&mut self) {
        self.separate();
        self.out.push('[');
    }
    fn end_list(&mut self) {
        self.out.push(']');
    }
    fn text(&mut self, value: &str) {
        self.separate();
        write_string(self.out, value);
    }
}

/// Walks a field: one pass classifies its bytes (which separators it holds,
/// whether it is ASCII without an escape byte), then the usual plain field
/// is split into text without a check per value; any other field is split
/// on the separators it holds and each leaf decoded once.
struct Walker {
    delims: crate::Delimiters,
    charset: crate::Charset,
    scratch: Vec<u8>,
}

impl Walker {
    // Values are short: the separators are looked for eight bytes at a
    // time (crate::view::classify), not with a search's set-up per value.

    fn field<S: TreeSink + ?Sized>(&mut self, sink: &mut S, bytes: &[u8]) {
        let d = self.delims;
        let needles = [d.repetition(), d.component(), d.subcomponent(), d.escape()];
        let ([rep, comp, sub, escaped], text) =
            crate::parse::simd_search::classify_text(bytes, needles);
        // Without a subcomponent separator, `subcomponent()` is the
        // component separator.
        let sub = sub && d.has_subcomponent();
        if let (Some(text), false) = (text, escaped) {
            return self.plain_field(sink, text, rep, comp, sub);
        }
        if !rep {
            return self.repetition(sink, bytes, comp, sub);
        }
        sink.begin_repetitions();
        for r in bytes.split(|&b| b == d.repetition()) {
            let [_, comp, sub] =
                crate::view::contains3(r, [d.repetition(), d.component(), d.subcomponent()]);
            self.repetition(sink, r, comp, sub && d.has_subcomponent());
        }
        sink.end_repetitions();
    }

    /// A field of ASCII text without an escape byte, knowing which
    /// separators it holds: its pieces are its values as they are.
    fn plain_field<S: TreeSink + ?Sized>(
        &mut self,
        sink: &mut S,
        text: &str,
        rep: bool,
        comp: bool,
        sub: bool,
    ) {
        let d = self.delims;
        if !rep {
            return self.plain_repetition(sink, text, comp, sub);
        }
        sink.begin_repetitions();
        for r in pieces(text, d.repetition()) {
            let [comp, sub] =
                crate::view::classify(r.as_bytes(), [d.component(), d.subcomponent()]).0;
            self.plain_repetition(sink, r, comp, sub && d.has_subcomponent());
        }
        sink.end_repetitions();
    }

    /// A repetition of a plain field (see [`Self::repetition`]).
    #[inline]
    fn plain_repetition<S: TreeSink + ?Sized>(
        &mut self,
        sink: &mut S,
        text: &str,
        has_comp: bool,
        has_sub: bool,
    ) {
        let d = self.delims;
        if !has_comp && !has_sub {
            return sink.text(text);
        }
        sink.begin_list();
        for comp in pieces(text, d.component()) {
            if has_sub && crate::view::find_byte(comp.as_bytes(), d.subcomponent()).is_some() {
                sink.begin_list();
                for s in pieces(comp, d.subcomponent()) {
                    sink.text(s);
                }
                sink.end_list();
            } else {
                sink.text(comp);
            }
        }
        sink.end_list();
    }

    /// A repetition, knowing whether it holds component and subcomponent
    /// separators.
    fn repetition<S: TreeSink + ?Sized>(
        &mut self,
        sink: &mut S,
        bytes: &[u8],
        has_comp: bool,
        has_sub: bool,
    ) {
        let d = self.delims;
        if !has_comp && !has_sub {
            return self.leaf(sink, bytes);
        }
        sink.begin_list();
        for comp in bytes.split(|&b| b == d.component()) {
            if has_sub && crate::view::find_byte(comp, d.subcomponent()).is_some() {
                sink.begin_list();
                for s in comp.split(|&b| b == d.subcomponent()) {
                    self.leaf(sink, s);
                }
                sink.end_list();
            } else {
                self.leaf(sink, comp);
            }
        }
        sink.end_list();
    }

    /// One value: escapes decoded, then read in the message's character set.
    fn leaf<S: TreeSink + ?Sized>(&mut self, sink: &mut S, bytes: &[u8]) {
        if let Some(text) = crate::view::short_plain_text(bytes, self.delims.escape()) {
            return sink.text(text);
        }
        if !crate::escape::has_escape(bytes, &self.delims) {
            return sink.text(&crate::charset::decode(bytes, self.charset));
        }
        self.scratch.clear();
        crate::escape::decode_to(bytes, &self.delims, &mut self.scratch);
        let text = crate::charset::decode(&self.scratch, self.charset).into_owned();
        sink.text(&text);
    }
}

/// The pieces of `text` between `sep` bytes (`text` ASCII: every piece
/// starts and ends on a character boundary).
fn pieces(text: &str, sep: u8) -> impl Iterator<Item = &str> {
    let mut from = 0;
    text.as_bytes().split(move |&b| b == sep).map(move |piece| {
        let to = from + piece.len();
        let part = text.get(from..to).unwrap_or_default();
        from = to + 1;
        part
    })
}

/// Appends `s` to `out` as a JSON string literal.
pub fn write_string(out: &mut String, s: &str) {
    out.reserve(s.len() + 2);
    out.push('"');
    if !s.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\') {
        out.push_str(s);
        out.push('"');
        return;
    }
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let escape = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..=0x1F => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        if escape.is_empty() {
            let _ = write!(out, "\\u{b:04x}");
        } else {
            out.push_str(escape);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

#[cfg(test)]
mod tests {
    use crate::Message;
    #[cfg(feature = "std")]
    use alloc::string::String;

    /// The fast path for UTF-8 messages writes exactly what the tree walk
    /// writes: over the corpus and odd shapes, parsed fully (field bounds
    /// from the index) and lazily (found by a scan).
    #[test]
    #[cfg(feature = "std")]
    fn fast_path_matches_the_tree_walk_over_the_corpus() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/corpus/messages");
        let mut inputs: alloc::vec::Vec<alloc::vec::Vec<u8>> = alloc::vec::Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            inputs.push(std::fs::read(entry.unwrap().path()).unwrap());
        }
        inputs.push(
            b"MSH|^~\\&|A\rPID|1|a&b~c^d&e~|^&~|0123456789012345678901234567890123&x^\\T\\y|\xc3\xa9^\\F\\\r"
                .to_vec(),
        );
        inputs.push(b"MSH|^~\\|A\rPID|1|a^b&c~d^^e|x&y\r".to_vec());
        let mut fast_paths = 0;
        for bytes in &inputs {
            for lazy in [false, true] {
                let options = crate::ParseOptions::default().lazy(lazy);
                let Ok(msg) = Message::parse_with(bytes, &options) else {
                    continue;
                };
                let mut fast = String::from("prefix");
                let took_fast = msg.write_json_utf8(&mut fast);
                let mut tree = String::from("prefix");
                msg.write_json_tree(&mut tree);
                if took_fast {
                    fast_paths += 1;
                    assert_eq!(fast, tree);
                } else {
                    assert_eq!(fast, "prefix");
                }
            }
        }
        assert!(fast_paths > 300, "{fast_paths}");
    }

    #[test]
    fn escapes_and_null_and_control_characters() {
        let msg = Message::parse(b"MSH|^~\\&|A\rNTE|1|\"\"|a\\.br\\b \\F\\ \"q\" \x01\r").unwrap();
        let json = msg.to_json();
        assert!(
            json.contains(r#""fields":["1","\"\"","a\nb | \"q\" \u0001"]"#),
            "{json}"
        );
    }
}
