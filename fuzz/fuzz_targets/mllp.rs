//! Any byte stream, in chunks whose sizes come from the input: the MLLP
//! decoder gives the same frames and issues for every chunking. Never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pipehat::mllp::Decoder;

fn run(data: &[u8], chunk: usize) -> (Vec<Vec<u8>>, Vec<(String, u64)>) {
    let mut d = Decoder::with_max_frame_size(64);
    let mut frames = Vec::new();
    let mut errors = Vec::new();
    for c in data.chunks(chunk) {
        d.push(c);
        while let Some(item) = d.next_frame() {
            match item {
                Ok(f) => frames.push(f),
                Err(e) => errors.push((e.code().to_string(), e.offset())),
            }
        }
    }
    d.finish();
    errors.extend(
        d.issues()
            .iter()
            .map(|i| (i.code().to_string(), i.offset())),
    );
    (frames, errors)
}

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let whole = run(rest, rest.len().max(1));
    let mut chunked = run(rest, usize::from(first % 16) + 1);
    let mut expected = whole;
    expected.1.sort();
    chunked.1.sort();
    assert_eq!(chunked, expected);
});
