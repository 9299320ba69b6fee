//! Escape decoding of any bytes under any delimiter set.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pipehat::{escape, Delimiters};

fuzz_target!(|data: &[u8]| {
    if data.len() < 6 {
        return;
    }
    let d = match Delimiters::new(
        data[0],
        data[1],
        data[2],
        data[3],
        data[4],
        (data[5] & 1 == 1).then_some(data[5]),
    ) {
        Ok(d) => d,
        Err(_) => Delimiters::default(),
    };
    let text = &data[6..];
    let decoded = escape::decode(text, &d);
    let mut buf = vec![0u8; decoded.len()];
    assert_eq!(escape::decode_into(text, &d, &mut buf), Ok(decoded.len()));
    assert_eq!(&buf[..], &decoded[..]);
});
