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
        use crate::json::write_string;
        let mut out = String::new();
        out.push_str("{\"columns\":{");
        for (i, (name, column)) in names.iter().zip(&self.columns).enumerate() {
            if i > 0 {
                out.push(',');
            }
            write_string(&mut out, name);
            out.push_str(":[");
            for (j, value) in column.iter().enumerate() {
                if j > 0 {
                    out.push(',');
                }
                match value {
                    Some(s) => write_string(&mut out, s),
                    None => out.push_str("null"),
                }
            }
            out.push(']');
        }
        out.push_str("},\"errors\":[");
        for (i, (row, e)) in self.errors.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&std::format!(
                "{{\"row\":{row},\"code\":\"{}\",\"offset\":{}}}",
                e.code(),
                e.offset()
            ));
        }
        out.push_str("]}");
        out
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
    let messages: Vec<(usize, &[u8])> = split(input)
        .filter(|c| c.kind() == ChunkKind::Message)
        .map(|c| (c.offset(), c.as_bytes()))
        .collect();
    let threads = match threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    }
    .clamp(1, messages.len().max(1));
    let per_thread = messages.len().div_ceil(threads).max(1);
    let parts: Vec<Extracted> = if threads == 1 {
        vec![extract_messages(&messages, 0, paths, raw, options)]
    } else {
        std::thread::scope(|scope| {
            let handles: Vec<_> = messages
                .chunks(per_thread)
                .enumerate()
                .map(|(i, chunk)| {
                    scope
                        .spawn(move || extract_messages(chunk, i * per_thread, paths, raw, options))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_default())
                .collect()
        })
    };
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

fn extract_messages(
    messages: &[(usize, &[u8])],
    first_row: usize,
    paths: &[Path],
    raw: bool,
    options: &ParseOptions,
) -> Extracted {
    // Only the segments the paths name are read: index segment boundaries only.
    let mut parser = Parser::with_options(options.lazy(true));
    let mut out = Extracted {
        columns: vec![Vec::with_capacity(messages.len()); paths.len()],
        ..Default::default()
    };
    for (row, &(offset, bytes)) in messages.iter().enumerate() {
        out.offsets.push(offset as u64);
        match parser.parse(bytes) {
            Ok(msg) => {
                for (column, path) in out.columns.iter_mut().zip(paths) {
                    let value = msg.value(path).ok().flatten().filter(|v| !v.is_empty());
                    column.push(value.map(|v| {
                        if raw {
                            v.raw().into_owned()
                        } else {
                            v.value().into_owned()
                        }
                    }));
                }
            }
            Err(e) => {
                out.errors.push((first_row + row, e));
                out.columns.iter_mut().for_each(|c| c.push(None));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::format;

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
