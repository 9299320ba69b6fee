//! Bulk extraction of any bytes: what `extract` reads (lazily, paths grouped
//! by segment) is what a full parse of each message reads, and `extract_json`
//! writes the same text as `Extracted::to_json`.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pipehat::extract::{extract, extract_json};
use pipehat::stream::{split, ChunkKind};
use pipehat::{Message, ParseOptions, Path};

const PATHS: [&str; 8] = ["MSH-1", "MSH-2", "MSH-9.2", "MSH-10", "PID-3(2).1", "PID-5", "PID-3.4.2", "OBX[2]-5"];

fuzz_target!(|data: &[u8]| {
    let paths: Vec<Path> = PATHS.iter().map(|p| p.parse().expect("path")).collect();
    for raw in [false, true] {
        let out = extract(data, &paths, raw, 1, &ParseOptions::default());
        assert_eq!(extract_json(data, &paths, &PATHS, raw, &ParseOptions::default()), out.to_json(&PATHS));
        let messages: Vec<_> = split(data).filter(|c| c.kind() == ChunkKind::Message).collect();
        assert_eq!(out.offsets.len(), messages.len());
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
