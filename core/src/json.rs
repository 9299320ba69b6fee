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

impl Message<'_> {
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
        for (i, segment) in self.segments().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str("{\"name\":");
            string(
                out,
                &crate::charset::decode(segment.name_bytes(), self.charset()),
            );
            out.push_str(",\"fields\":[");
            for (n, f) in segment.fields().enumerate() {
                if n > 0 {
                    out.push(',');
                }
                field(out, &f);
            }
            out.push_str("]}");
        }
        out.push_str("]}");
    }
}

fn field(out: &mut String, f: &Field<'_>) {
    let mut reps = f.repetitions();
    let first = reps.next();
    match (first, reps.next()) {
        (Some(only), None) => repetition(out, &only),
        _ => {
            out.push_str("{\"repetitions\":[");
            for (i, r) in f.repetitions().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                repetition(out, &r);
            }
            out.push_str("]}");
        }
    }
}

fn repetition(out: &mut String, r: &Repetition<'_>) {
    if !r.is_composite() {
        return string(out, &r.value());
    }
    out.push('[');
    for (i, c) in r.components().enumerate() {
        if i > 0 {
            out.push(',');
        }
        component(out, &c);
    }
    out.push(']');
}

fn component(out: &mut String, c: &Component<'_>) {
    if !c.is_composite() {
        return string(out, &c.value());
    }
    out.push('[');
    for (i, s) in c.subcomponents().enumerate() {
        if i > 0 {
            out.push(',');
        }
        string(out, &s.value());
    }
    out.push(']');
}

/// Writes `s` as a JSON string literal.
fn string(out: &mut String, s: &str) {
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
