//! Stream splitting of any bytes: slices and the reader agree, and every
//! chunk lies inside the input.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pipehat::stream::{split, MessageReader};

fuzz_target!(|data: &[u8]| {
    let from_slice: Vec<Vec<u8>> = split(data).map(|c| c.as_bytes().to_vec()).collect();
    let from_reader: Vec<Vec<u8>> =
        MessageReader::with_limit(data, 1 << 20).read_size(7).map(|c| c.expect("in-memory read").bytes).collect();
    assert_eq!(from_slice, from_reader);
    for chunk in split(data) {
        let _ = (chunk.declared_count(), chunk.count_matches());
    }
});
