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

use crate::view::{Component, Field, Repetition};
use crate::Message;
use alloc::string::String;
use core::fmt::Write;

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
        for segment in self.segments() {
            sink.begin_segment(&crate::charset::decode(
                segment.name_bytes(),
                self.charset(),
            ));
            for f in segment.fields() {
                field(sink, &f);
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
        let mut out = String::with_capacity(self.as_bytes().len() * 2);
        self.write_json(&mut out);
        out
    }

    /// Appends the message as JSON text to `out`.
    pub fn write_json(&self, out: &mut String) {
        out.push_str("{\"segments\":[");
        let start = out.len();
        self.walk_tree(&mut JsonSink { out, start });
        out.push_str("]}");
    }
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

fn field<S: TreeSink + ?Sized>(sink: &mut S, f: &Field<'_>) {
    let mut reps = f.repetitions();
    let first = reps.next();
    match (first, reps.next()) {
        (Some(only), None) => repetition(sink, &only),
        _ => {
            sink.begin_repetitions();
            for r in f.repetitions() {
                repetition(sink, &r);
            }
            sink.end_repetitions();
        }
    }
}

fn repetition<S: TreeSink + ?Sized>(sink: &mut S, r: &Repetition<'_>) {
    if !r.is_composite() {
        return sink.text(&r.value());
    }
    sink.begin_list();
    for c in r.components() {
        component(sink, &c);
    }
    sink.end_list();
}

fn component<S: TreeSink + ?Sized>(sink: &mut S, c: &Component<'_>) {
    if !c.is_composite() {
        return sink.text(&c.value());
    }
    sink.begin_list();
    for s in c.subcomponents() {
        sink.text(&s.value());
    }
    sink.end_list();
}

/// Appends `s` to `out` as a JSON string literal.
pub fn write_string(out: &mut String, s: &str) {
    out.push('"');
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
