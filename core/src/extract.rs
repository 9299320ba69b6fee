//! Bulk extraction: many paths from every message of a file, on all cores.

use crate::stream::{split, ChunkKind};
use crate::{ParseError, ParseOptions, Parser, Path};
use std::string::String;
use std::vec;
use std::vec::Vec;

/// What [`extract`] returns: one column per path, one row per message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extracted {
    /// `columns[p][m]`: path `p` in message `m`; `None` when absent, empty,
    /// or the message could not be parsed.
    pub columns: Vec<Vec<Option<String>>>,
    /// 0-based byte offset of each message in the input.
    pub offsets: Vec<u64>,
    /// Messages that could not be parsed: (row, error).
    pub errors: Vec<(usize, ParseError)>,
}

impl Extracted {
    /// The result as JSON text: `{"columns": {path: [value or null, ...]},
    /// "errors": [{"row", "code", "offset"}]}`, with `names` naming the columns.
    pub fn to_json(&self, names: &[&str]) -> String {
        let mut json = JsonColumns::new(self.columns.len(), false);
        for (column, values) in json.columns.iter_mut().zip(&self.columns) {
            for value in values {
                JsonColumns::push(column, value.as_deref());
            }
        }
        for (row, e) in &self.errors {
            json.add_error(*row, e);
        }
        json.finish(names)
    }
}

/// Splits `input` into messages (files, batches, MLLP captures), parses each
/// and reads every path, decoded (`raw = false`) or as written (`raw = true`).
/// `threads` = 0 uses every available core. Rows keep the input's order.
///
/// ```
/// let file = b"MSH|^~\\&|A||||||ADT^A01|1|P|2.5\rPID|1||42\r\nMSH|^~\\&|A||||||ADT^A08|2|P|2.5\r";
/// let paths = ["MSH-9.2".parse()?, "PID-3".parse()?];
/// let out = pipehat::extract::extract(file, &paths, false, 0, &Default::default());
/// assert_eq!(out.columns[0], [Some("A01".to_string()), Some("A08".to_string())]);
/// assert_eq!(out.columns[1], [Some("42".to_string()), None]);
/// # Ok::<(), pipehat::PathError>(())
/// ```
pub fn extract(
    input: &[u8],
    paths: &[Path],
    raw: bool,
    threads: usize,
    options: &ParseOptions,
) -> Extracted {
    let messages = messages(input);
    let parts = crate::par::map_parts(
        &messages,
        threads,
        |part, first| extract_messages(part, first, paths, raw, options),
        |_| Extracted::default(),
    );
    let mut out = Extracted {
        columns: vec![Vec::with_capacity(messages.len()); paths.len()],
        ..Default::default()
    };
    for part in parts {
        for (column, values) in out.columns.iter_mut().zip(part.columns) {
            column.extend(values);
        }
        out.offsets.extend(part.offsets);
        out.errors.extend(part.errors);
    }
    out
}

/// The paths grouped by the segment they read (name and occurrence), so
/// that each segment is found, and its fields indexed, once per message.
#[derive(Debug)]
pub(crate) struct Plan {
    /// (name, occurrence) of each segment read.
    segments: Vec<([u8; 3], u32)>,
    /// For each segment, the positions in `paths` of the paths reading it.
    columns: Vec<Vec<usize>>,
    /// For each segment, the highest field number read.
    last: Vec<usize>,
}

impl Plan {
    pub(crate) fn new(paths: &[Path]) -> Self {
        let mut plan = Plan {
            segments: Vec::new(),
            columns: Vec::new(),
            last: Vec::new(),
        };
        for (column, path) in paths.iter().enumerate() {
            let key = (*path.segment_bytes(), path.occurrence());
            let field = path.field() as usize;
            match plan.segments.iter().position(|k| *k == key) {
                Some(i) => {
                    plan.columns[i].push(column);
                    plan.last[i] = plan.last[i].max(field);
                }
                None => {
                    plan.segments.push(key);
                    plan.columns.push(vec![column]);
                    plan.last.push(field);
                }
            }
        }
        plan
    }

    /// Hands `value(column, value)` what each path reads in `msg` (`None`
    /// when absent or empty): each column once, in segment order.
    pub(crate) fn read(
        &self,
        msg: &crate::Message<'_>,
        paths: &[Path],
        separators: &mut Vec<u32>,
        mut value: impl FnMut(usize, Option<crate::Value<'_>>),
    ) {
        let segments = self.segments.iter().zip(&self.columns).zip(&self.last);
        for ((&(name, occurrence), columns), &last) in segments {
            let Some(segment) = msg.nth_named(&name, occurrence) else {
                columns.iter().for_each(|&c| value(c, None));
                continue;
            };
            let segment = segment.indexed_in(separators, last);
            for &c in columns {
                value(
                    c,
                    crate::view::resolve(&segment, &paths[c]).filter(|v| !v.is_empty()),
                );
            }
        }
    }
}

/// The messages of `input` (files, batches, MLLP captures) with their offsets.
fn messages(input: &[u8]) -> Vec<(usize, &[u8])> {
    split(input)
        .filter(|c| c.kind() == ChunkKind::Message)
        .map(|c| (c.offset(), c.as_bytes()))
        .collect()
}

/// Where [`visit`] hands what it reads.
trait Sink {
    /// Message `row` (within the messages visited) comes next.
    fn start_row(&mut self, _row: usize) {}
    /// The value of the path at `column` (`None` when absent or empty);
    /// each column once per message, in segment order.
    fn value(&mut self, column: usize, value: Option<crate::Value<'_>>);
    /// Message `row` (within the messages visited) could not be parsed.
    fn error(&mut self, row: usize, error: ParseError);
}

/// Parses each message lazily and hands what every path reads to `sink`.
fn visit(
    messages: &[(usize, &[u8])],
    paths: &[Path],
    options: &ParseOptions,
    sink: &mut impl Sink,
) {
    // Only the segments the paths name are read: index segment boundaries only.
    let mut parser = Parser::with_options(options.lazy(true));
    let plan = Plan::new(paths);
    let mut separators = Vec::new();
    for (row, &(_, bytes)) in messages.iter().enumerate() {
        sink.start_row(row);
        match parser.parse(bytes) {
            Ok(msg) => plan.read(&msg, paths, &mut separators, |c, v| sink.value(c, v)),
            Err(e) => sink.error(row, e),
        }
    }
}

/// Collects owned values by column.
struct Columns {
    out: Extracted,
    first_row: usize,
    raw: bool,
}

impl Sink for Columns {
    fn value(&mut self, column: usize, value: Option<crate::Value<'_>>) {
        let text = value.map(|v| if self.raw { v.raw() } else { v.value() });
        self.out.columns[column].push(text.map(|t| t.into_owned()));
    }
    fn error(&mut self, row: usize, error: ParseError) {
        self.out.errors.push((self.first_row + row, error));
        self.out.columns.iter_mut().for_each(|c| c.push(None));
    }
}

fn extract_messages(
    messages: &[(usize, &[u8])],
    first_row: usize,
    paths: &[Path],
    raw: bool,
    options: &ParseOptions,
) -> Extracted {
    let mut sink = Columns {
        out: Extracted {
            columns: vec![Vec::with_capacity(messages.len()); paths.len()],
            offsets: messages.iter().map(|&(offset, _)| offset as u64).collect(),
            errors: Vec::new(),
        },
        first_row,
        raw,
    };
    visit(messages, paths, options, &mut sink);
    sink.out
}

/// Writes each column's JSON array as values arrive.
struct JsonColumns {
    /// One open array per column (`[` and the values so far).
    columns: Vec<String>,
    /// The error objects so far, comma-separated.
    errors: String,
    raw: bool,
}

impl JsonColumns {
    fn new(columns: usize, raw: bool) -> Self {
        JsonColumns {
            columns: (0..columns).map(|_| String::from("[")).collect(),
            errors: String::new(),
            raw,
        }
    }

    fn add_error(&mut self, row: usize, e: &ParseError) {
        if !self.errors.is_empty() {
            self.errors.push(',');
        }
        self.errors.push_str(&std::format!(
            "{{\"row\":{row},\"code\":\"{}\",\"offset\":{}}}",
            e.code(),
            e.offset()
        ));
    }

    /// `{"columns": {name: [...]}, "errors": [...]}`.
    fn finish(self, names: &[&str]) -> String {
        let mut out = String::from("{\"columns\":{");
        for (i, (name, column)) in names.iter().zip(&self.columns).enumerate() {
            if i > 0 {
                out.push(',');
            }
            crate::json::write_string(&mut out, name);
            out.push(':');
            out.push_str(column);
            out.push(']');
        }
        out.push_str("},\"errors\":[");
        out.push_str(&self.errors);
        out.push_str("]}");
        out
    }

    fn push(column: &mut String, text: Option<&str>) {
        if column.len() > 1 {
            column.push(',');
        }
        match text {
            Some(t) => crate::json::write_string(column, t),
            None => column.push_str("null"),
        }
    }
}

impl Sink for JsonColumns {
    fn value(&mut self, column: usize, value: Option<crate::Value<'_>>) {
        let text = value.map(|v| if self.raw { v.raw() } else { v.value() });
        Self::push(&mut self.columns[column], text.as_deref());
    }
    fn error(&mut self, row: usize, error: ParseError) {
        self.columns.iter_mut().for_each(|c| Self::push(c, None));
        self.add_error(row, &error);
    }
}

/// [`extract`] on one thread, written straight to the JSON text of
/// [`Extracted::to_json`] (the same text, without a `String` per value):
/// what bindings hand to a JSON parser.
///
/// ```
/// let file = b"MSH|^~\\&|A||||||ADT^A01|1\rMSH|^~\\&|B||||||ADT^A08|2\r";
/// let paths = ["MSH-9.2".parse()?];
/// let json = pipehat::extract::extract_json(file, &paths, &["MSH-9.2"], false, &Default::default());
/// assert_eq!(json, r#"{"columns":{"MSH-9.2":["A01","A08"]},"errors":[]}"#);
/// # Ok::<(), pipehat::PathError>(())
/// ```
pub fn extract_json(
    input: &[u8],
    paths: &[Path],
    names: &[&str],
    raw: bool,
    options: &ParseOptions,
) -> String {
    let messages = messages(input);
    let mut sink = JsonColumns::new(paths.len(), raw);
    visit(&messages, paths, options, &mut sink);
    sink.finish(names)
}

/// What [`extract_packed`] returns: every value in one text, addressed by
/// position, so that a binding makes one string per value by slicing instead
/// of parsing JSON.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Packed {
    /// Every value read, one after another.
    pub text: String,
    /// Two numbers per cell, row by row and within a row in path order:
    /// where the value starts and ends in `text`, counted in UTF-16 code
    /// units (JavaScript string positions). [`Packed::ABSENT`] as the start
    /// marks a value that is absent or empty, or a message that could not be
    /// parsed.
    pub cells: Vec<u32>,
    /// 0-based byte offset of each message in the input.
    pub offsets: Vec<u64>,
    /// Messages that could not be parsed: (row, error).
    pub errors: Vec<(usize, ParseError)>,
}

impl Packed {
    /// The start of a cell with no value.
    pub const ABSENT: u32 = u32::MAX;
}

/// Writes values into one text with their UTF-16 positions.
struct PackedSink {
    out: Packed,
    /// `out.text` while it is written (UTF-8 throughout: ASCII bytes and `str`s).
    text: Vec<u8>,
    /// The row being written, and where its cells start in `out.cells`.
    row_start: usize,
    columns: usize,
    /// The length of `out.text` so far in UTF-16 code units.
    units: u32,
    raw: bool,
}

impl Sink for PackedSink {
    fn start_row(&mut self, row: usize) {
        self.row_start = row * self.columns * 2;
    }
    fn value(&mut self, column: usize, value: Option<crate::Value<'_>>) {
        let at = self.row_start + column * 2;
        let Some(v) = value else {
            self.out.cells[at] = Packed::ABSENT;
            return;
        };
        let start = self.units;
        // The usual value, stored as it reads (ASCII, nothing to decode), is
        // copied as is; the others are decoded first.
        let plain = if self.raw {
            Some(v.as_bytes()).filter(|b| b.is_ascii())
        } else {
            v.plain_ascii()
        };
        if let Some(bytes) = plain {
            self.text.extend_from_slice(bytes);
            self.units += bytes.len() as u32;
        } else {
            let t = if self.raw { v.raw() } else { v.value() };
            self.text.extend_from_slice(t.as_bytes());
            self.units += t.encode_utf16().count() as u32;
        }
        self.out.cells[at] = start;
        self.out.cells[at + 1] = self.units;
    }
    fn error(&mut self, row: usize, error: ParseError) {
        self.out.errors.push((row, error));
        for column in 0..self.columns {
            self.out.cells[self.row_start + column * 2] = Packed::ABSENT;
        }
    }
}

/// [`extract`] on one thread, with every value in one text and addressed by
/// UTF-16 positions ([`Packed`]): what the JavaScript binding slices into
/// strings. Rows whose values total 4 GiB or more are not supported (the
/// positions are 32-bit).
///
/// ```
/// let file = "MSH|^~\\&|A||||||ADT^A01|1\rPID|1||Zoë\rMSH|^~\\&|B||||||ADT^A08|2\r";
/// let paths = ["MSH-9.2".parse()?, "PID-3".parse()?];
/// let out = pipehat::extract::extract_packed(file.as_bytes(), &paths, false, &Default::default());
/// assert_eq!(out.text, "A01ZoëA08");
/// assert_eq!(out.cells, [0, 3, 3, 6, 6, 9, pipehat::extract::Packed::ABSENT, 0]);
/// # Ok::<(), pipehat::PathError>(())
/// ```
pub fn extract_packed(input: &[u8], paths: &[Path], raw: bool, options: &ParseOptions) -> Packed {
    let messages = messages(input);
    let mut sink = PackedSink {
        out: Packed {
            text: String::new(),
            cells: vec![0; messages.len() * paths.len() * 2],
            offsets: messages.iter().map(|&(offset, _)| offset as u64).collect(),
            errors: Vec::new(),
        },
        text: Vec::new(),
        row_start: 0,
        columns: paths.len(),
        units: 0,
        raw,
    };
    visit(&messages, paths, options, &mut sink);
    // Only whole ASCII runs and `str`s were written: always valid UTF-8.
    sink.out.text = String::from_utf8(sink.text)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    sink.out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::format;

    /// The value of path `column` in message `row` of a [`Packed`] result
    /// (`columns` paths in all), found by counting UTF-16 code units.
    fn packed_value(packed: &Packed, row: usize, column: usize, columns: usize) -> Option<&str> {
        let at = (row * columns + column) * 2;
        let (start, end) = (packed.cells[at], packed.cells[at + 1]);
        if start == Packed::ABSENT {
            return None;
        }
        let byte = |units: u32| {
            let mut counted = 0u32;
            for (i, c) in packed.text.char_indices() {
                if counted >= units {
                    return i;
                }
                counted += c.len_utf16() as u32;
            }
            packed.text.len()
        };
        Some(&packed.text[byte(start)..byte(end)])
    }

    /// Every value extract reads (lazily, several paths per segment) is what
    /// `Message::get` / `get_raw` reads after a full parse, on every corpus file.
    #[test]
    fn columns_match_get_on_the_corpus() {
        let texts = [
            "MSH-1",
            "MSH-2",
            "MSH-9",
            "MSH-9.2",
            "MSH-10",
            "MSH-18",
            "PID-3",
            "PID-3(2).1",
            "PID-3.4.2",
            "PID-5.1",
            "PID-5",
            "PID-7",
            "PID-11.3",
            "OBX-5",
            "OBX[2]-5",
            "OBX[3]-3.1",
            "PV1-3.1",
            "EVN-2",
            "ZZZ-1",
            "NTE[2]-3",
        ];
        let paths: Vec<Path> = texts.iter().map(|t| t.parse().unwrap()).collect();
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/corpus/messages");
        let (mut compared, mut present) = (0, 0);
        for entry in std::fs::read_dir(dir).unwrap() {
            let file = std::fs::read(entry.unwrap().path()).unwrap();
            for raw in [false, true] {
                let out = extract(&file, &paths, raw, 1, &ParseOptions::default());
                let json = extract_json(&file, &paths, &texts, raw, &ParseOptions::default());
                assert_eq!(json, out.to_json(&texts));
                let packed = extract_packed(&file, &paths, raw, &ParseOptions::default());
                assert_eq!(packed.errors, out.errors);
                assert_eq!(packed.offsets, out.offsets);
                assert_eq!(packed.cells.len(), out.offsets.len() * paths.len() * 2);
                let chunks: Vec<_> = split(&file)
                    .filter(|c| c.kind() == ChunkKind::Message)
                    .collect();
                assert_eq!(out.offsets.len(), chunks.len());
                for (row, chunk) in chunks.iter().enumerate() {
                    let msg = crate::Message::parse(chunk.as_bytes());
                    for (column, path) in paths.iter().enumerate() {
                        let expected = match &msg {
                            Ok(m) if raw => m.get_raw(*path).unwrap().map(|v| v.into_owned()),
                            Ok(m) => m.get(*path).unwrap().map(|v| v.into_owned()),
                            Err(_) => None,
                        };
                        present += usize::from(expected.is_some());
                        let cell = packed_value(&packed, row, column, paths.len());
                        assert_eq!(cell, expected.as_deref(), "{} {}", texts[column], row);
                        assert_eq!(
                            out.columns[column][row], expected,
                            "{} {}",
                            texts[column], row
                        );
                        compared += 1;
                    }
                }
            }
        }
        assert!(
            compared > 8000 && present > 2000,
            "{compared} compared, {present} present"
        );
    }

    /// Positions count UTF-16 code units: two for a character outside the
    /// Basic Multilingual Plane, one for any other, whatever its UTF-8 length.
    #[test]
    fn packed_positions_count_utf16_units() {
        let file = "MSH|^~\\&|A|||||||1|P|2.5\rPID|1||A\u{1F600}B||\u{e9}\r\
                    MSH|^~|bad\rMSH|^~\\&|B|||||||2\rPID|1||x\\T\\y\r";
        let paths = ["PID-3".parse().unwrap(), "PID-5".parse().unwrap()];
        let packed = extract_packed(file.as_bytes(), &paths, false, &ParseOptions::default());
        assert_eq!(packed.text, "A\u{1F600}B\u{e9}x&y");
        let absent = Packed::ABSENT;
        assert_eq!(
            packed.cells,
            [0, 4, 4, 5, absent, 0, absent, 0, 5, 8, absent, 0]
        );
        assert_eq!(packed.errors.len(), 1);
        assert_eq!(packed.errors[0].0, 1);
        assert_eq!(packed.offsets, [0, 43, 54]);
        let raw = extract_packed(file.as_bytes(), &paths, true, &ParseOptions::default());
        assert_eq!(raw.text, "A\u{1F600}B\u{e9}x\\T\\y");
        assert_eq!(packed_value(&raw, 2, 0, 2), Some("x\\T\\y"));
    }

    #[test]
    fn threads_keep_row_order_and_report_errors() {
        let mut file = std::vec::Vec::new();
        for i in 0..1000 {
            if i == 500 {
                file.extend_from_slice(b"MSH|^~|bad\r");
            }
            file.extend_from_slice(format!("MSH|^~\\&|A||||||ADT^A01|{i}|P|2.5\r").as_bytes());
        }
        let paths = ["MSH-10".parse().unwrap()];
        let one = extract(&file, &paths, false, 1, &ParseOptions::default());
        let four = extract(&file, &paths, false, 4, &ParseOptions::default());
        assert_eq!(one, four);
        assert_eq!(one.columns[0].len(), 1001);
        assert_eq!(one.columns[0][0].as_deref(), Some("0"));
        assert_eq!(one.columns[0][501].as_deref(), Some("500"));
        assert_eq!(one.errors.len(), 1);
        assert_eq!(one.errors[0].0, 500);
        assert_eq!(one.errors[0].1.code(), "missing_encoding_characters");
        let json = extract_json(&file, &paths, &["MSH-10"], false, &ParseOptions::default());
        assert_eq!(json, one.to_json(&["MSH-10"]));
        assert!(json.contains(r#""499",null,"500""#));
        assert!(json.ends_with(
            r#""errors":[{"row":500,"code":"missing_encoding_characters","offset":6}]}"#
        ));
        let small = extract(
            b"MSH|^~\\&|A\"B\r",
            &["MSH-3".parse().unwrap()],
            false,
            1,
            &ParseOptions::default(),
        );
        assert_eq!(
            small.to_json(&["MSH-3"]),
            r#"{"columns":{"MSH-3":["A\"B"]},"errors":[]}"#
        );
    }
}
