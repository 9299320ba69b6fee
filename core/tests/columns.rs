//! `pipehat::columns`: batches streamed from a reader, or from byte ranges
//! of a file, give the rows that reading the whole input at once gives.
#![allow(clippy::unwrap_used, clippy::panic)] // a test harness fails by panicking

use pipehat::columns::{Columns, Select};
use pipehat::filter::Filter;
use pipehat::mapping::Mapping;
use pipehat::stream::{split, ChunkKind};
use pipehat::{Message, ParseOptions, Path};
use std::io::Cursor;

const PATHS: [&str; 9] = [
    "MSH-9",
    "MSH-10",
    "MSH-18",
    "PID-3",
    "PID-3(2).1",
    "PID-5.1",
    "PID-7",
    "OBX[2]-5",
    "NTE-3",
];

fn corpus() -> Vec<(String, Vec<u8>)> {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/");
    let mut files = Vec::new();
    for dir in ["corpus/messages", "fuzz-regressions"] {
        for entry in std::fs::read_dir(format!("{root}{dir}")).unwrap() {
            let path = entry.unwrap().path();
            files.push((path.display().to_string(), std::fs::read(&path).unwrap()));
        }
    }
    files.sort();
    assert!(files.len() > 200, "{} files", files.len());
    files
}

/// Rows as (offset, values, error code), the batches put together.
type Row = (u64, Vec<Option<String>>, Option<&'static str>);

fn rows(batches: impl Iterator<Item = std::io::Result<Columns>>) -> (Vec<Row>, u64) {
    let mut out = Vec::new();
    let mut messages = 0;
    for batch in batches {
        let batch = batch.unwrap();
        messages += batch.messages;
        let errors = batch.error_column();
        assert_eq!(errors.len(), batch.rows());
        for row in 0..batch.rows() {
            let values = batch
                .columns
                .iter()
                .map(|c| c.get(row).map(str::to_owned))
                .collect();
            let code = batch.errors.iter().find(|e| e.row == row).map(|e| e.code);
            assert_eq!(errors.get(row), code);
            out.push((batch.offsets[row], values, code));
        }
    }
    (out, messages)
}

fn paths() -> Vec<Path> {
    PATHS.iter().map(|p| p.parse().unwrap()).collect()
}

/// What reading each message alone gives.
fn expected(file: &[u8], raw: bool) -> Vec<Row> {
    let paths = paths();
    split(file)
        .filter(|c| c.kind() == ChunkKind::Message)
        .map(|c| match Message::parse(c.as_bytes()) {
            Ok(m) => {
                let values = paths
                    .iter()
                    .map(|p| {
                        let v = if raw { m.get_raw(*p) } else { m.get(*p) };
                        v.unwrap().map(|v| v.into_owned())
                    })
                    .collect();
                (c.offset() as u64, values, None)
            }
            Err(e) => (c.offset() as u64, vec![None; paths.len()], Some(e.code())),
        })
        .collect()
}

#[test]
fn batches_of_any_size_give_each_message_read_alone() {
    let mut present = 0;
    let mut total = 0;
    for (name, file) in corpus() {
        for raw in [false, true] {
            let want = expected(&file, raw);
            for (batch_bytes, threads) in [(1, 1), (300, 2), (16 << 20, 0)] {
                let select = Select::paths(paths())
                    .raw(raw)
                    .batch_bytes(batch_bytes)
                    .threads(threads);
                let (got, messages) = rows(select.read(&file[..]));
                assert_eq!(got, want, "{name} raw={raw} batch={batch_bytes}");
                assert_eq!(messages as usize, want.len(), "{name}");
            }
            present += want.iter().flat_map(|r| &r.1).flatten().count();
            total += want.len();
        }
    }
    assert!(
        total > 400 && present > 1500,
        "{total} rows, {present} values"
    );
}

#[test]
fn ranges_put_together_give_the_whole_file() {
    // Every corpus message, one after another: MLLP frames, batches, LF and
    // CRLF files, in one stream.
    let mut all = Vec::new();
    for (_, file) in corpus() {
        all.extend_from_slice(&file);
        all.extend_from_slice(b"\r\n");
    }
    let select = Select::paths(paths()).batch_bytes(4096);
    let (whole, _) = rows(select.read(&all[..]));
    assert!(whole.len() > 200, "{}", whole.len());
    // Cut at every 997th byte, and at a few places that fall on boundaries.
    let mut cuts: Vec<u64> = (0..all.len() as u64).step_by(997).collect();
    // ...and around every message start: one or two bytes before (an MLLP
    // start byte, a line break), at it, one after.
    for r in &whole {
        cuts.extend([r.0.saturating_sub(2), r.0.saturating_sub(1), r.0, r.0 + 1]);
    }
    cuts.push(all.len() as u64);
    cuts.sort_unstable();
    cuts.dedup();
    let mut got = Vec::new();
    for pair in cuts.windows(2) {
        let reader = select
            .read_range(Cursor::new(&all), pair[0], pair[1])
            .unwrap();
        let (part, _) = rows(reader);
        assert!(part.iter().all(|r| r.0 >= pair[0] && r.0 < pair[1]));
        got.extend(part);
    }
    assert_eq!(got, whole);
    // A range that starts past the end, or is empty, has no rows.
    let end = all.len() as u64;
    assert_eq!(
        rows(select.read_range(Cursor::new(&all), end, end + 10).unwrap()).0,
        []
    );
    assert_eq!(
        rows(select.read_range(Cursor::new(&all), 5, 5).unwrap()).0,
        []
    );
}

#[test]
fn a_filter_keeps_the_matching_messages_and_the_unreadable_ones() {
    let expressions = [r#"MSH-9.1 = "ADT""#, r#"PID-8 = "F" or MSH-9.1 = "ORU""#];
    for expression in expressions {
        let mut kept = 0;
        for (name, file) in corpus() {
            let filter = Filter::parse(expression).unwrap();
            let scan = filter.scan(&file);
            let select = Select::paths(paths())
                .filter(Filter::parse(expression).unwrap())
                .batch_bytes(200);
            let (got, messages) = rows(select.read(&file[..]));
            assert_eq!(messages as usize, scan.total, "{name}");
            let matched: Vec<u64> = scan.matched.iter().map(|r| r.start as u64).collect();
            let read: Vec<u64> = got.iter().filter(|r| r.2.is_none()).map(|r| r.0).collect();
            // A header-only filter reads only MSH: a message it matches may
            // still fail to parse (an error row); others parse first.
            let errors: Vec<u64> = got.iter().filter(|r| r.2.is_some()).map(|r| r.0).collect();
            let mut both: Vec<u64> = read.iter().chain(&errors).copied().collect();
            both.sort_unstable();
            let mut want: Vec<u64> = matched.clone();
            want.extend(scan.unreadable.iter().map(|(o, _)| *o as u64));
            want.sort_unstable();
            want.dedup();
            assert_eq!(both, want, "{name} {expression}");
            kept += read.len();
        }
        assert!(kept > 20, "{expression}: {kept}");
    }
}

#[test]
fn a_mapping_gives_its_rows() {
    let spec = r#"{"rows": "OBX", "fields": {"id": "MSH-10", "code": "OBX-3.1",
        "value": {"path": "OBX-5", "transform": "number"}, "ids": {"path": "PID-3.1", "list": true}}}"#;
    let mapping = Mapping::parse(spec).unwrap();
    let mut rows_seen = 0;
    for (name, file) in corpus() {
        let select = Select::mapping(Mapping::parse(spec).unwrap()).batch_bytes(500);
        assert_eq!(select.width(), 4);
        let (got, _) = rows(select.read(&file[..]));
        let mut want = Vec::new();
        for c in split(&file).filter(|c| c.kind() == ChunkKind::Message) {
            match Message::parse(c.as_bytes()) {
                Ok(m) => {
                    for row in mapping.apply(&m) {
                        let values = row.iter().map(|(_, v)| v.to_text()).collect();
                        want.push((c.offset() as u64, values, None));
                    }
                }
                Err(e) => want.push((c.offset() as u64, vec![None; 4], Some(e.code()))),
            }
        }
        assert_eq!(got, want, "{name}");
        rows_seen += got.len();
    }
    assert!(rows_seen > 200, "{rows_seen}");
}

#[test]
fn a_message_over_the_size_limit_is_an_error_row() {
    let mut file = Vec::new();
    file.extend_from_slice(b"MSH|^~\\&|A||||||ADT^A01|1|P|2.5\rPID|1||42\r");
    file.extend_from_slice(b"MSH|^~\\&|A||||||ADT^A01|2|P|2.5\rOBX|1|TX|||");
    file.extend_from_slice(&[b'x'; 5000]);
    file.extend_from_slice(b"\rMSH|^~\\&|A||||||ADT^A01|3|P|2.5\r");
    let options = ParseOptions::default().max_message_size(1000);
    let select = Select::paths(vec!["MSH-10".parse().unwrap()]).options(options);
    let (got, messages) = rows(select.read(&file[..]));
    let ids: Vec<_> = got.iter().map(|r| (r.1[0].as_deref(), r.2)).collect();
    assert_eq!(
        ids,
        [
            (Some("1"), None),
            (None, Some("message_too_large")),
            (Some("3"), None)
        ]
    );
    assert_eq!(got[1].0, 42);
    assert_eq!(messages, 3);
}

#[test]
fn columns_keep_arrow_layout() {
    let file = "MSH|^~\\&|A||||||ADT^A01|1\rPID|1||Zoë\rMSH|^~|bad\rMSH|^~\\&|B||||||ADT^A08|2\r";
    let select = Select::paths(vec!["PID-3".parse().unwrap(), "MSH-10".parse().unwrap()]);
    let batch = select.read(file.as_bytes()).next().unwrap().unwrap();
    let pid = &batch.columns[0];
    assert_eq!(pid.offsets(), [0, 4, 4, 4]);
    assert_eq!(pid.data(), "Zoë".as_bytes());
    assert_eq!(pid.validity(), [0b001]);
    assert_eq!(pid.null_count(), 2);
    assert_eq!(batch.columns[1].validity(), [0b101]);
    let errors = batch.error_column();
    assert_eq!(errors.get(1), Some("missing_encoding_characters"));
    assert_eq!((batch.errors[0].line, batch.errors[0].column), (1, 7));
}

#[test]
fn scanning_a_reader_finds_what_scanning_the_bytes_finds() {
    let filter = Filter::parse(r#"MSH-9.1 = "ADT" or PID-8 = "F""#).unwrap();
    let mut all = Vec::new();
    for (name, file) in corpus() {
        let scan = filter.scan(&file);
        for threads in [1, 2] {
            let mut matched = Vec::new();
            let got = filter
                .scan_reader(&file[..], threads, |offset, bytes| {
                    matched.push((offset as usize, bytes.len()))
                })
                .unwrap();
            let want: Vec<_> = scan.matched.iter().map(|r| (r.start, r.len())).collect();
            assert_eq!(matched, want, "{name}");
            assert_eq!((got.total, got.matched), (scan.total, want.len()), "{name}");
            let unreadable: Vec<_> = scan
                .unreadable
                .iter()
                .map(|(o, e)| (*o as u64, e.code()))
                .collect();
            assert_eq!(got.unreadable, unreadable, "{name}");
        }
        all.extend_from_slice(&file);
    }
    let scan = filter.scan(&all);
    let got = filter.scan_reader(&all[..], 0, |_, _| {}).unwrap();
    assert_eq!((got.total, got.matched), (scan.total, scan.matched.len()));
    assert!(got.matched > 50, "{}", got.matched);
}

/// The shared cases (tests/columns_cases.jsonl), read whole, in batches of
/// one byte, pushed in pieces, and by byte ranges.
#[test]
fn shared_cases() {
    use pipehat::stream::{Batch, Splitter};
    use serde_json::Value;
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/columns_cases.jsonl"
    ))
    .unwrap();
    let select_for = |case: &Value| {
        let mut select = match case.get("fields") {
            Some(fields) => Select::paths(
                fields
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|f| f.as_str().unwrap().parse().unwrap())
                    .collect(),
            ),
            None => Select::mapping(Mapping::parse(&case["mapping"].to_string()).unwrap()),
        };
        if let Some(f) = case.get("filter") {
            select = select.filter(Filter::parse(f.as_str().unwrap()).unwrap());
        }
        if let Some(size) = case.get("max_message_size") {
            let size = size.as_u64().unwrap() as usize;
            select = select.options(ParseOptions::default().max_message_size(size));
        }
        select.raw(case.get("raw") == Some(&Value::Bool(true)))
    };
    let as_json = |rows: Vec<Row>| -> Value {
        rows.into_iter()
            .map(|(offset, values, error)| {
                let mut row: Vec<Value> = values
                    .into_iter()
                    .map(|v| v.map_or(Value::Null, Value::String))
                    .collect();
                row.push(Value::from(offset));
                row.push(error.map_or(Value::Null, |e| Value::String(e.into())));
                Value::Array(row)
            })
            .collect()
    };
    let mut run = 0;
    for line in text.lines() {
        let case: Value = serde_json::from_str(line).unwrap();
        let name = case["name"].as_str().unwrap();
        let input = case["input"].as_str().unwrap().as_bytes();
        match case["kind"].as_str().unwrap() {
            "columns" => {
                for batch_bytes in [1, 1 << 20] {
                    let select = select_for(&case).batch_bytes(batch_bytes);
                    let (got, _) = rows(select.read(input));
                    assert_eq!(as_json(got), case["expect"], "{name} batch {batch_bytes}");
                }
                // pushed in pieces of 7 bytes, each batch read as its chunks complete
                let select = select_for(&case);
                let mut splitter = Splitter::with_limit(
                    case.get("max_message_size")
                        .map_or(256 << 20, |v| v.as_u64().unwrap() as usize),
                );
                let mut batches = Vec::new();
                let mut batch = Batch::default();
                for piece in input.chunks(7) {
                    splitter.push(piece);
                    batch.clear();
                    batch.take(&mut splitter, usize::MAX);
                    batches.push(Ok(select.columns(&batch)));
                }
                splitter.finish();
                batch.clear();
                batch.take(&mut splitter, usize::MAX);
                batches.push(Ok(select.columns(&batch)));
                let (got, _) = rows(batches.into_iter());
                assert_eq!(as_json(got), case["expect"], "{name} pushed");
            }
            "range" => {
                let select = select_for(&case);
                let cuts: Vec<u64> = case["cuts"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c.as_u64().unwrap())
                    .collect();
                for (i, pair) in cuts.windows(2).enumerate() {
                    let reader = select
                        .read_range(Cursor::new(input), pair[0], pair[1])
                        .unwrap();
                    let (got, _) = rows(reader);
                    assert_eq!(as_json(got), case["expect"][i], "{name} range {i}");
                }
            }
            other => panic!("{name}: unknown kind {other}"),
        }
        run += 1;
    }
    assert!(run >= 10, "{run} cases");
}

/// Found by the `columns` fuzz target: a file that starts with a byte-order
/// mark, so its first message starts at byte 3. Ranges cut at every byte of
/// such inputs (leading gaps, MLLP frames, envelopes) give the whole's rows.
#[test]
fn ranges_cut_at_every_byte_of_odd_starts() {
    let inputs: [&[u8]; 6] = [
        b"\xEF\xBB\xBFMSH|^~\\&|A||||||ADT^A04|1|P|2.3\nPID|1||42\nMSH|^~\\&|B||||||ADT^A04|2|P|2.3\n",
        b"  \t\0MSH|^~\\&|A|||||||1\rMSH|^~\\&|B|||||||2\r",
        b"\x0bMSH|^~\\&|A|||||||1\r\x1c\r\x0bMSH|^~\\&|B|||||||2\r\x1c\r",
        b"junk\rMORE\r\n\r\nMSH|^~\\&|A|||||||1\rFHS|^~\\&\rBHS|^~\\&\rMSH|^~\\&|B|||||||2\rBTS|1\rFTS|1",
        b"MSH|^~\\&|A|||||||1\r \rMSH|^~\\&|B|||||||2\rx MSH|^~\\&|C\r\x1c MSH|^~\\&|D|||||||4\r",
        b"\xEF\xBB\xBF\r\nMSH|^~\\&|A|||||||1\r\x1c\xEF\xBB\xBFMSH|^~\\&|B|||||||2\r",
    ];
    let select = Select::paths(vec!["MSH-10".parse().unwrap(), "PID-3".parse().unwrap()]);
    for input in inputs {
        let (whole, _) = rows(select.read(input));
        assert!(!whole.is_empty());
        let n = input.len() as u64;
        for cut in 0..=n {
            let mut got = rows(select.read_range(Cursor::new(input), 0, cut).unwrap()).0;
            got.extend(rows(select.read_range(Cursor::new(input), cut, n).unwrap()).0);
            assert_eq!(
                got,
                whole,
                "{:?} cut at {cut}",
                String::from_utf8_lossy(input)
            );
        }
    }
}
