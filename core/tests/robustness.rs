//! Robustness: no allocation per message in steady state, an index no bigger
//! than the input, linear time on adversarial input, and property tests.

#![allow(clippy::unwrap_used, clippy::panic)] // a test harness fails by panicking

use pipehat::{escape, Delimiters, Message, ParseOptions, Parser};
use proptest::prelude::*;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

struct Counting;
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// Whether this thread's allocations are counted: only the measuring
    /// test's, not those of tests running beside it or of the harness
    /// reporting them.
    static COUNTED: Cell<bool> = const { Cell::new(false) };
}

fn count() {
    if COUNTED.try_with(Cell::get).unwrap_or(false) {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
    }
}

// SAFETY: forwards to the system allocator unchanged, only counting calls.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn sample_messages() -> Vec<Vec<u8>> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/corpus/messages");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| std::fs::read(p).unwrap())
        .filter(|b| Message::parse(b).is_ok_and(|m| m.structural_diagnostics().is_empty()))
        .collect()
}

#[test]
fn reused_parser_allocates_nothing_in_steady_state() {
    let messages = sample_messages();
    assert!(messages.len() > 50);
    let mut parser = Parser::new();
    // Warm up: the buffers grow to the largest message once.
    for m in &messages {
        parser.parse(m).unwrap();
    }
    COUNTED.set(true);
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    let mut total = 0;
    for _ in 0..3 {
        for m in &messages {
            let msg = parser.parse(m).unwrap();
            total += msg.segment_count();
            total += msg.get_bytes("MSH-10").unwrap().map_or(0, <[u8]>::len);
            total += msg.get_bytes("PID-3.1").unwrap().map_or(0, <[u8]>::len);
        }
    }
    let after = ALLOCATIONS.load(Ordering::Relaxed);
    COUNTED.set(false);
    assert!(total > 0);
    assert_eq!(
        after - before,
        0,
        "allocations while parsing {} messages",
        messages.len() * 3
    );
}

/// The index holds 12 bytes per segment and 4 per field separator. Over the
/// corpus that is less than the input; a message made mostly of empty fields
/// (`||||`) can need up to four times its size, which the bound below allows.
#[test]
fn index_is_no_bigger_than_the_input() {
    let (mut input_total, mut index_total) = (0, 0);
    for m in sample_messages() {
        let msg = Message::parse(&m).unwrap();
        let index =
            msg.segment_count() * 12 + msg.segments().map(|s| s.field_count()).sum::<usize>() * 4;
        assert!(
            index <= 4 * m.len() + 16,
            "index {index} bytes for a {}-byte message",
            m.len()
        );
        input_total += m.len();
        index_total += index;
    }
    assert!(
        index_total <= input_total,
        "index {index_total} bytes for {input_total} bytes of messages"
    );
}

/// Times `f` on inputs of size n and 10n; the larger may cost at most ~12×
/// (with slack for a noisy shared machine: best of five runs each).
fn assert_linear(name: &str, make: impl Fn(usize) -> Vec<u8>, f: impl Fn(&[u8])) {
    let best = |input: &[u8]| {
        (0..5)
            .map(|_| {
                let t = Instant::now();
                f(input);
                t.elapsed().as_secs_f64()
            })
            .fold(f64::INFINITY, f64::min)
    };
    // Sizes past the CPU caches on both sides, so cache effects do not skew the ratio.
    let small = make(400_000);
    let large = make(4_000_000);
    let (ts, tl) = (best(&small), best(&large));
    let ratio = tl / ts.max(1e-9);
    assert!(
        ratio < 16.0,
        "{name}: 10x input took {ratio:.1}x the time ({ts:.6}s vs {tl:.6}s)"
    );
}

fn walk(input: &[u8]) {
    if let Ok(msg) = Message::parse(input) {
        let _ = msg.diagnostics();
        for seg in msg.segments() {
            for field in seg.fields() {
                let _ = field.value();
            }
        }
        let _ = msg.get("ZZZ[100000]-1");
    }
    let _ = pipehat::stream::split(input).count();
}

/// Everything the public API reads from a message, as text: what a lazy
/// parse must reproduce exactly.
fn everything(msg: &Message<'_>) -> String {
    let mut out = format!(
        "{:?} {:?} {:?} {:?}\n",
        msg.diagnostics(),
        msg.charset(),
        msg.delimiters(),
        msg.segment_terminator()
    );
    for seg in msg.segments() {
        out += &format!(
            "{} {} {} {}\n",
            seg.index(),
            seg.offset(),
            seg.name(),
            seg.field_count()
        );
        for field in seg.fields() {
            out += &format!("{:?}|{:?}", field.raw(), field.value());
            for rep in field.repetitions() {
                for comp in rep.components() {
                    for sub in comp.subcomponents() {
                        out += &format!("&{:?}", sub.raw());
                    }
                }
            }
            out.push('\n');
        }
    }
    for path in [
        "MSH-9.2",
        "MSH-18",
        "PID-3.1",
        "PID-5(2).1",
        "OBX[2]-5",
        "ZZZ-1",
        "MSH-1",
        "MSH-2",
    ] {
        out += &format!("{path}={:?}\n", msg.get(path).unwrap());
    }
    out
}

/// A lazy parse (`ParseOptions::lazy`) gives the same result, errors,
/// diagnostics, values and JSON (written from the index's field separators
/// after a full parse, found by a scan after a lazy one) as a full one,
/// before and after `index_fields`.
fn lazy_matches_full(input: &[u8]) {
    let base = [
        ParseOptions::default(),
        ParseOptions::default().strict(true).max_field_length(512),
        ParseOptions::default().max_field_length(8),
        ParseOptions::default().max_segments(3),
        ParseOptions::default().segment_terminator(Some(pipehat::SegmentTerminator::Lf)),
    ];
    for options in base {
        let full = pipehat::OwnedMessage::parse_with(input.to_vec(), &options);
        let lazy = pipehat::OwnedMessage::parse_with(input.to_vec(), &options.lazy(true));
        match (full, lazy) {
            (Ok(full), Ok(mut lazy)) => {
                let expected = everything(&full.message());
                let json = |m: &Message<'_>| [m.to_json(), m.to_lossless_json()];
                let expected_json = json(&full.message());
                assert_eq!(everything(&lazy.message()), expected, "{options:?}");
                assert_eq!(json(&lazy.message()), expected_json, "{options:?}");
                lazy.index_fields();
                assert_eq!(everything(&lazy.message()), expected, "{options:?} indexed");
                assert_eq!(json(&lazy.message()), expected_json, "{options:?} indexed");
            }
            (Err(a), Err(b)) => assert_eq!(format!("{a:?}"), format!("{b:?}"), "{options:?}"),
            (a, b) => panic!("{options:?}: full {:?}, lazy {:?}", a.err(), b.err()),
        }
    }
}

#[test]
fn lazy_parse_matches_full_parse() {
    let mut inputs = Vec::new();
    for dir in ["/../tests/corpus/messages", "/../tests/fuzz-regressions"] {
        for entry in std::fs::read_dir(format!("{}{dir}", env!("CARGO_MANIFEST_DIR"))).unwrap() {
            inputs.push(std::fs::read(entry.unwrap().path()).unwrap());
        }
    }
    inputs.push(b"MSH|^~\\&|A\rPID\r|x\rZ|1|2\r\rOBX|1".to_vec());
    inputs.push(b"FHS|^~\\&\rBHS|^~\\&\rMSH|^~\\&|A\rMSH|^~\\&|B\rBTS|2\rFTS|1".to_vec());
    inputs.push(b"MSH|^~\\&|A|||||||||||||||8859/1\rPID|1||\\XE9\\".to_vec());
    inputs.push(b"MSH|^~\\&|A\nPID|1||x\nOBX|1\n".to_vec());
    inputs.push(b"MSH|^~\\&|A\r\nPID|1\r\n".to_vec());
    inputs.push(b"MSH|^~\\&|A\rPID|1||0123456789ABCDEF\r".to_vec());
    assert!(inputs.len() > 200);
    for input in &inputs {
        lazy_matches_full(input);
    }
}

#[test]
fn linear_time_on_adversarial_input() {
    assert_linear(
        "a megabyte of delimiters",
        |n| {
            let mut v = b"MSH|^~\\&|".to_vec();
            v.extend(std::iter::repeat_n(b"|^~&", n / 4).flatten());
            v
        },
        walk,
    );
    assert_linear(
        "many segments",
        |n| {
            let mut v = b"MSH|^~\\&|A\r".to_vec();
            v.extend(std::iter::repeat_n(&b"OBX|1\r"[..], n / 6).flatten());
            v
        },
        walk,
    );
    assert_linear(
        "runs of escapes",
        |n| {
            let mut v = b"MSH|^~\\&|A\rNTE|1||".to_vec();
            v.extend(std::iter::repeat_n(&br"\F\\.br\\X41\\Q"[..], n / 14).flatten());
            v
        },
        walk,
    );
    assert_linear(
        "line feeds in a CR message",
        |n| {
            let mut v = b"MSH|^~\\&|A\rNTE|1||".to_vec();
            v.extend(std::iter::repeat_n(&b"x\n"[..], n / 2).flatten());
            v
        },
        walk,
    );
    assert_linear(
        "back-to-back headers",
        |n| {
            std::iter::repeat_n(&b"MSH|^~\\&|\n"[..], n / 10)
                .flatten()
                .copied()
                .collect()
        },
        walk,
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Parsing never panics, and the segments found rebuild the input.
    #[test]
    fn segments_rebuild_the_input(body in proptest::collection::vec(
        prop_oneof![Just(b'|'), Just(b'^'), Just(b'~'), Just(b'&'), Just(b'\\'), Just(b'\r'), Just(b'A'), Just(b'Z'), Just(b'1')],
        0..400,
    )) {
        let mut input = b"MSH|^~\\&|".to_vec();
        input.extend_from_slice(&body);
        let msg = Message::parse(&input).unwrap();
        let mut rebuilt = Vec::new();
        let mut empty_lines = 0;
        for seg in msg.segments() {
            rebuilt.extend_from_slice(seg.as_bytes());
            rebuilt.push(b'\r');
        }
        for w in input.windows(2) { if w == b"\r\r" { empty_lines += 1; } }
        let strip = |v: &[u8]| v.iter().copied().filter(|&b| b != b'\r').collect::<Vec<u8>>();
        prop_assert_eq!(strip(&rebuilt), strip(&input));
        prop_assert!(msg.segment_count() + empty_lines + 1 >= input.iter().filter(|&&b| b == b'\r').count());
    }

    /// A lazy parse reads the same as a full one, whatever the bytes.
    #[test]
    fn lazy_parse_reads_as_full(body in proptest::collection::vec(
        prop_oneof![Just(b'|'), Just(b'^'), Just(b'~'), Just(b'&'), Just(b'\\'), Just(b'\r'), Just(b'\n'), Just(b'A'), Just(b'P'), Just(b'1'), Just(b'X')],
        0..300,
    )) {
        let mut input = b"MSH|^~\\&|".to_vec();
        input.extend_from_slice(&body);
        lazy_matches_full(&input);
    }

    /// Escaping a value, then decoding it, gives the value back.
    #[test]
    fn escape_then_decode_is_identity(text in "[ -~]{0,60}") {
        let d = Delimiters::default();
        let mut escaped = Vec::new();
        for b in text.bytes() {
            match b {
                b'|' => escaped.extend_from_slice(br"\F\"),
                b'^' => escaped.extend_from_slice(br"\S\"),
                b'&' => escaped.extend_from_slice(br"\T\"),
                b'~' => escaped.extend_from_slice(br"\R\"),
                b'\\' => escaped.extend_from_slice(br"\E\"),
                _ => escaped.push(b),
            }
        }
        prop_assert_eq!(&*escape::decode(&escaped, &d), text.as_bytes());
    }

    /// Any path that parses prints back to itself.
    #[test]
    fn path_display_round_trips(seg in "[A-Z][A-Z0-9]{2}", occ in 1u32..9, field in 1u32..99, rep in proptest::option::of(1u32..9), comp in proptest::option::of(1u32..20)) {
        let mut text = format!("{seg}[{occ}]-{field}");
        if let Some(r) = rep { text.push_str(&format!("({r})")); }
        if let Some(c) = comp { text.push_str(&format!(".{c}")); }
        let p: pipehat::Path = text.parse().unwrap();
        prop_assert_eq!(p.to_string().parse::<pipehat::Path>().unwrap(), p);
    }
}

/// Inputs the fuzzers once broke, kept as regression tests: each goes through
/// what the fuzz targets check (parse and walk; slice and reader splitting agree).
#[test]
fn fuzz_regressions() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fuzz-regressions");
    let mut count = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let data = std::fs::read(entry.unwrap().path()).unwrap();
        walk(&data);
        let from_slice: Vec<Vec<u8>> = pipehat::stream::split(&data)
            .map(|c| c.as_bytes().to_vec())
            .collect();
        for read_size in [1, 7, 64] {
            let from_reader: Vec<Vec<u8>> = pipehat::stream::MessageReader::new(&data[..])
                .read_size(read_size)
                .map(|c| c.unwrap().bytes)
                .collect();
            assert_eq!(from_reader, from_slice, "read size {read_size}");
        }
        // What the writing fuzz targets check: lossless JSON and edits.
        if let Ok(msg) = pipehat::Message::parse(&data) {
            let back = pipehat::MessageBuf::from_lossless_json(&msg.to_lossless_json()).unwrap();
            assert_eq!(back.as_bytes(), &data[..]);
            let _ = msg.to_json();
            let _ = msg.to_friendly_json();
            let _ = msg.ack(&pipehat::ack::AckOptions::new("A", "20240101"));
            // What the transport fuzz target checks: an ACK a server builds answers its message.
            let outcome = pipehat::transport::Outcome::Accepted;
            let ack = pipehat::transport::accept(&msg, outcome, "A", "20240101").unwrap();
            if let Some(id) = pipehat::transport::control_id(&data) {
                assert!(pipehat::transport::Reply::read(ack.as_bytes())
                    .unwrap()
                    .answers(id));
            }
        }
        count += 1;
    }
    assert!(count >= 1);
}

/// The marker each mutation case inserts: no error or diagnostic text may hold it.
const CANARY: &str = "QZXJV";

/// `data` with `edits` ([offset, bytes to delete, hex to insert]) applied in order.
fn apply_edits(data: &[u8], edits: &[serde_json::Value]) -> Vec<u8> {
    let mut out = data.to_vec();
    for edit in edits {
        let offset = edit[0].as_u64().unwrap() as usize;
        let remove = edit[1].as_u64().unwrap() as usize;
        let hex = edit[2].as_str().unwrap();
        let insert: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect();
        let at = offset.min(out.len());
        let end = (at + remove).min(out.len());
        out.splice(at..end, insert);
    }
    out
}

fn is_code(code: &str) -> bool {
    !code.is_empty()
        && code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// A parse error: a code, and a position inside the input; no content.
fn check_parse_error(e: &pipehat::ParseError, data: &[u8], name: &str) {
    assert!(is_code(e.code()), "{name}");
    assert!(e.offset() <= data.len(), "{name}: offset {}", e.offset());
    let (line, column) = e.line_column(data);
    assert!(line >= 1 && column >= 1, "{name}");
    assert!(
        !e.to_string().contains(CANARY),
        "{name}: content in the error"
    );
}

/// A path, the value and the raw text the segment walk reads there, and for
/// a field the value of each repetition (what `get_all` reads).
type Walked = (String, String, String, Option<Vec<String>>);

/// Paths naming fields and components of the first segment of each name,
/// with what the segment walk reads there (`get` gives `None` for empty).
fn paths_from_walk(msg: &Message<'_>) -> Vec<Walked> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for seg in msg.segments() {
        let name = seg.name();
        let valid = name.len() == 3
            && name.as_bytes()[0].is_ascii_uppercase()
            && name
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
        if !valid || !seen.insert(name.to_string()) {
            continue;
        }
        for n in 1..=seg.field_count().min(9) {
            let field = seg.field(n).unwrap();
            out.push((
                format!("{name}-{n}"),
                field.value().into_owned(),
                field.raw().into_owned(),
                Some(
                    field
                        .repetitions()
                        .map(|r| r.value().into_owned())
                        .collect(),
                ),
            ));
            for (r, repetition) in field.repetitions().take(2).enumerate() {
                for (c, component) in repetition.components().take(3).enumerate() {
                    out.push((
                        format!("{name}-{n}({}).{}", r + 1, c + 1),
                        component.value().into_owned(),
                        component.raw().into_owned(),
                        None,
                    ));
                }
            }
        }
    }
    out
}

const BULK_PATHS: [&str; 6] = ["MSH-9", "MSH-10", "PID-3.1", "PID-5(1).2", "OBX-5", "ZZ1-1"];

/// The reused parser and strict mode agree with `Message::parse`.
fn check_modes(data: &[u8], parser: &mut Parser, name: &str) {
    let plain = Message::parse(data);
    match (parser.parse(data), &plain) {
        (Ok(reused), Ok(msg)) => {
            assert_eq!(reused.segment_count(), msg.segment_count(), "{name}");
            assert_eq!(
                reused.get("MSH-10").unwrap(),
                msg.get("MSH-10").unwrap(),
                "{name}"
            );
        }
        (Err(a), Err(b)) => assert_eq!((a.code(), a.offset()), (b.code(), b.offset()), "{name}"),
        (a, b) => panic!(
            "{name}: reused parser {:?}, parse {:?}",
            a.err(),
            b.as_ref().err()
        ),
    }
    // Strict mode rejects more, never less, and reads the same.
    let strict_options = ParseOptions::default().strict(true);
    match pipehat::OwnedMessage::parse_with(data.to_vec(), &strict_options) {
        Err(e) => check_parse_error(&e, data, name),
        Ok(strict) => {
            let msg = plain
                .as_ref()
                .expect("strict mode read what parse() rejects");
            let strict = strict.message();
            assert_eq!(
                strict.get("MSH-10").unwrap(),
                msg.get("MSH-10").unwrap(),
                "{name}"
            );
        }
    }
}

/// Everything one broken input must satisfy (what npm/test/robustness.mjs
/// and python/tests/robustness.py check too, through the bindings).
fn check_broken_input(data: &[u8], parser: &mut Parser, name: &str) {
    check_modes(data, parser, name);
    match Message::parse(data) {
        Err(e) => check_parse_error(&e, data, name),
        Ok(msg) => {
            assert_eq!(msg.as_bytes(), data, "{name}");
            for d in msg.diagnostics() {
                assert!(is_code(d.code().code()), "{name}");
                assert!(d.offset() <= data.len(), "{name}");
                assert!(!d.message().to_string().contains(CANARY), "{name}");
            }
            for (path, value, raw, repetitions) in paths_from_walk(&msg) {
                let get = msg.get(path.as_str()).unwrap().unwrap_or_default();
                assert_eq!(get, value, "{name}: get({path})");
                let get_raw = msg.get_raw(path.as_str()).unwrap().unwrap_or_default();
                assert_eq!(get_raw, raw, "{name}: get_raw({path})");
                if let Some(repetitions) = repetitions {
                    let all = msg.get_all(path.as_str()).unwrap();
                    assert_eq!(all, repetitions, "{name}: get_all({path})");
                }
            }
            // Segments, fields and first components sit at their offsets.
            for seg in msg.segments() {
                let at = |offset: usize, bytes: &[u8]| {
                    data.get(offset..offset + bytes.len()) == Some(bytes)
                };
                assert!(at(seg.offset(), seg.as_bytes()), "{name}: segment offset");
                for n in 1..=seg.field_count().min(9) {
                    let field = seg.field(n).unwrap();
                    assert!(at(field.offset(), field.as_bytes()), "{name}: field offset");
                    if let Some(component) = field
                        .repetitions()
                        .next()
                        .and_then(|r| r.components().next())
                    {
                        assert!(
                            at(component.offset(), component.as_bytes()),
                            "{name}: component offset"
                        );
                    }
                }
            }
            let header = [
                (msg.message_type(), "MSH-9.1"),
                (msg.trigger_event(), "MSH-9.2"),
                (msg.control_id(), "MSH-10.1"),
                (msg.version(), "MSH-12.1"),
            ];
            for (value, path) in header {
                assert_eq!(value, msg.get(path).unwrap(), "{name}: {path}");
            }
            // The JSON tree has the segments and fields the walk has.
            let tree: serde_json::Value = serde_json::from_str(&msg.to_json()).unwrap();
            let from_json: Vec<(String, usize)> = tree["segments"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| {
                    let name = s["name"].as_str().unwrap().to_string();
                    (name, s["fields"].as_array().unwrap().len())
                })
                .collect();
            let from_walk: Vec<(String, usize)> = msg
                .segments()
                .map(|s| (s.name_text().into_owned(), s.field_count()))
                .collect();
            assert_eq!(from_json, from_walk, "{name}: to_json");
            let _ = msg.to_friendly_json();
            let back = pipehat::MessageBuf::from_lossless_json(&msg.to_lossless_json()).unwrap();
            assert_eq!(back.as_bytes(), data, "{name}: lossless JSON");
            assert_eq!(
                pipehat::MessageBuf::parse(data).unwrap().as_bytes(),
                data,
                "{name}"
            );
            if msg.segment("MSH").is_some() {
                if let Err(e) = msg.ack(&pipehat::ack::AckOptions::new("A1", "20240101")) {
                    assert!(!e.to_string().contains(CANARY), "{name}");
                }
            }
        }
    }
    // Framed and fed in 7-byte chunks, the input comes back as one frame.
    if !data.iter().any(|&b| b == 0x0B || b == 0x1C) {
        let wire = pipehat::mllp::encode(data);
        let mut decoder = pipehat::mllp::Decoder::new();
        let mut frames = Vec::new();
        for chunk in wire.chunks(7) {
            decoder.push(chunk);
            decoder.read_frames(&mut frames).unwrap();
        }
        decoder.finish();
        assert_eq!(frames, [data.to_vec()], "{name}: MLLP");
        assert!(decoder.issues().is_empty(), "{name}: MLLP issues");
    }
    // Pushed into a Splitter 7 bytes at a time, the input gives split()'s chunks.
    let whole: Vec<_> = pipehat::stream::split(data)
        .map(|c| {
            (
                c.kind(),
                c.offset() as u64,
                c.as_bytes().to_vec(),
                c.counted(),
            )
        })
        .collect();
    let mut splitter = pipehat::stream::Splitter::new();
    let mut pushed = Vec::new();
    for piece in data.chunks(7) {
        splitter.push(piece);
        pushed.extend(std::iter::from_fn(|| splitter.next_chunk()));
    }
    splitter.finish();
    pushed.extend(std::iter::from_fn(|| splitter.next_chunk()));
    let pushed: Vec<_> = pushed
        .into_iter()
        .map(|c| c.unwrap())
        .map(|c| (c.kind, c.offset, c.bytes, c.counted))
        .collect();
    assert_eq!(pushed, whole, "{name}: Splitter");
    // Splitting and extract agree with parsing each message alone.
    let paths: Vec<pipehat::Path> = BULK_PATHS.iter().map(|p| p.parse().unwrap()).collect();
    let out = pipehat::extract::extract(data, &paths, false, 1, &ParseOptions::default());
    let chunks: Vec<_> = pipehat::stream::split(data)
        .filter(|c| c.kind() == pipehat::stream::ChunkKind::Message)
        .collect();
    let offsets: Vec<u64> = chunks.iter().map(|c| c.offset() as u64).collect();
    assert_eq!(out.offsets, offsets, "{name}: extract rows");
    // extract applies the parse options to each message: strict mode fails the same rows.
    let strict_options = ParseOptions::default().strict(true);
    let strict = pipehat::extract::extract(data, &paths[1..2], false, 1, &strict_options);
    for (row, chunk) in chunks.iter().enumerate() {
        let want = pipehat::OwnedMessage::parse_with(chunk.as_bytes().to_vec(), &strict_options)
            .err()
            .map(|e| e.code());
        let got = strict
            .errors
            .iter()
            .find(|(r, _)| *r == row)
            .map(|(_, e)| e.code());
        assert_eq!(got, want, "{name}: strict extract row {row}");
    }
    for (row, chunk) in chunks.iter().enumerate() {
        let failed = out.errors.iter().find(|(r, _)| *r == row);
        match Message::parse(chunk.as_bytes()) {
            Err(e) => {
                check_parse_error(&e, chunk.as_bytes(), name);
                assert_eq!(failed.map(|(_, f)| f.code()), Some(e.code()), "{name}");
                assert!(out.columns.iter().all(|c| c[row].is_none()), "{name}");
            }
            Ok(msg) => {
                assert!(failed.is_none(), "{name}: extract row {row} failed");
                for (column, path) in BULK_PATHS.iter().enumerate() {
                    let want = msg.get(*path).unwrap().map(|v| v.into_owned());
                    assert_eq!(out.columns[column][row], want, "{name}: {path} row {row}");
                }
            }
        }
    }
}

/// Corpus messages broken on purpose (tests/mutations.jsonl, the cases the
/// JavaScript and Python suites run too).
#[test]
fn broken_corpus_messages() {
    let tests = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/");
    let cases = std::fs::read_to_string(format!("{tests}mutations.jsonl")).unwrap();
    let mut count = 0;
    let mut parsed = 0;
    // One reused parser across the cases, as a stream would keep it.
    let mut parser = Parser::new();
    for line in cases.lines().filter(|l| !l.is_empty()) {
        let case: serde_json::Value = serde_json::from_str(line).unwrap();
        let name = case["name"].as_str().unwrap();
        let file = format!("{tests}corpus/{}", case["file"].as_str().unwrap());
        let data = apply_edits(
            &std::fs::read(file).unwrap(),
            case["edits"].as_array().unwrap(),
        );
        assert!(
            data.windows(CANARY.len()).any(|w| w == CANARY.as_bytes()),
            "{name}"
        );
        check_broken_input(&data, &mut parser, name);
        parsed += usize::from(Message::parse(&data).is_ok());
        count += 1;
    }
    assert_eq!(count, 400);
    // Both sides are exercised: most cases still parse, some do not.
    assert!(parsed > 200 && parsed < count, "{parsed}");
}

#[test]
fn mutation_edits_land_where_the_cases_say() {
    let edits: serde_json::Value =
        serde_json::from_str(r#"[[3, 1, "2a"], [0, 0, "0b"], [100, 0, "1c"], [2, 2, ""]]"#)
            .unwrap();
    let out = apply_edits(b"MSH|^~\\&|A\rPID|1\r", edits.as_array().unwrap());
    assert_eq!(out, b"\x0bM*^~\\&|A\rPID|1\r\x1c");
}

/// The corpus and the fuzz regressions, as they are, pass the same checks.
#[test]
fn corpus_and_fuzz_regressions_pass_the_mutation_checks() {
    let tests = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/");
    let mut files = Vec::new();
    for dir in ["corpus/messages", "fuzz-regressions"] {
        for entry in std::fs::read_dir(format!("{tests}{dir}")).unwrap() {
            files.push(entry.unwrap().path());
        }
    }
    files.sort();
    assert_eq!(files.len(), 217);
    let mut parser = Parser::new();
    for path in &files {
        let name = path.display().to_string();
        check_broken_input(&std::fs::read(path).unwrap(), &mut parser, &name);
    }
}
