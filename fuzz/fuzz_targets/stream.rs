//! Stream splitting of any bytes: slices, the reader and the push splitter
//! (in pieces of a size taken from the input) agree, and every chunk lies
//! inside the input.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pipehat::stream::{split, MessageReader, Splitter};

fuzz_target!(|data: &[u8]| {
    let from_slice: Vec<(u64, Vec<u8>, Option<u64>)> = split(data)
        .map(|c| (c.offset() as u64, c.as_bytes().to_vec(), c.counted()))
        .collect();
    let from_reader: Vec<(u64, Vec<u8>, Option<u64>)> = MessageReader::with_limit(data, 1 << 20)
        .read_size(7)
        .map(|c| c.expect("in-memory read"))
        .map(|c| (c.offset, c.bytes, c.counted))
        .collect();
    assert_eq!(from_slice, from_reader);
    let piece = data.first().map_or(1, |&b| b as usize % 13 + 1);
    let mut splitter = Splitter::with_limit(1 << 20);
    let mut pushed = Vec::new();
    for bytes in data.chunks(piece) {
        splitter.push(bytes);
        while let Some(c) = splitter.next_chunk() {
            let c = c.expect("under the limit");
            pushed.push((c.offset, c.bytes, c.counted));
        }
    }
    splitter.finish();
    while let Some(c) = splitter.next_chunk() {
        let c = c.expect("under the limit");
        pushed.push((c.offset, c.bytes, c.counted));
    }
    assert_eq!(from_slice, pushed);
    for chunk in split(data) {
        let _ = (chunk.declared_count(), chunk.count_matches());
    }
});
