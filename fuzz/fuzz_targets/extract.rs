//! Bulk extraction of any bytes: what `extract` reads (lazily, paths grouped
//! by segment) is what a full parse of each message reads, `extract_json`
//! writes the same text as `Extracted::to_json`, and `extract_packed` holds
//! the same values at UTF-16 positions.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pipehat::extract::{extract, extract_json, extract_packed, Packed};
use pipehat::stream::{split, ChunkKind};
use pipehat::{Message, ParseOptions, Path};

const PATHS: [&str; 8] = [
    "MSH-1",
    "MSH-2",
    "MSH-9.2",
    "MSH-10",
    "PID-3(2).1",
    "PID-5",
    "PID-3.4.2",
    "OBX[2]-5",
];

fuzz_target!(|data: &[u8]| {
    let paths: Vec<Path> = PATHS.iter().map(|p| p.parse().expect("path")).collect();
    for raw in [false, true] {
        let out = extract(data, &paths, raw, 1, &ParseOptions::default());
        assert_eq!(
            extract_json(data, &paths, &PATHS, raw, &ParseOptions::default()),
            out.to_json(&PATHS)
        );
        let messages: Vec<_> = split(data)
            .filter(|c| c.kind() == ChunkKind::Message)
            .collect();
        assert_eq!(out.offsets.len(), messages.len());
        let packed = extract_packed(data, &paths, raw, &ParseOptions::default());
        assert_eq!(packed.errors, out.errors);
        assert_eq!(packed.cells.len(), messages.len() * paths.len() * 2);
        // The text as UTF-16, sliced at each cell's positions.
        let units: Vec<u16> = packed.text.encode_utf16().collect();
        for (cell, pair) in packed.cells.chunks(2).enumerate() {
            let expected = &out.columns[cell % paths.len()][cell / paths.len()];
            let value = (pair[0] != Packed::ABSENT).then(|| {
                String::from_utf16(&units[pair[0] as usize..pair[1] as usize])
                    .expect("whole characters")
            });
            assert_eq!(&value, expected);
        }
        for (row, chunk) in messages.iter().enumerate() {
            let msg = Message::parse(chunk.as_bytes()).ok();
            for (column, path) in paths.iter().enumerate() {
                let expected = msg.as_ref().and_then(|m| {
                    let v = if raw { m.get_raw(*path) } else { m.get(*path) };
                    v.expect("compiled path").map(|v| v.into_owned())
                });
                assert_eq!(out.columns[column][row], expected);
            }
        }
    }
});
