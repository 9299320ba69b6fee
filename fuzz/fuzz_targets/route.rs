//! Filters, diffs and mappings driven by fuzz input: any expression compiles
//! or returns an error, evaluating it on any message never panics, the
//! header-only path agrees with the parsed one, a message never differs from
//! itself, and any spec either compiles or returns an error.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pipehat::diff::{diff, ChangeDetector};
use pipehat::filter::Filter;
use pipehat::mapping::Mapping;
use pipehat::Message;

const BASE: &[u8] = b"MSH|^~\\&|A|B|C|D|20240101||ADT^A08^ADT_A01|1|P|2.5.1\rEVN|A08|20240101\rPID|1||1^^^H~2||DOE^J||19800101|M\rOBX|1|NM|2345-7||182|||H\rOBX|2|TX|||a\\T\\b~c\r";

fuzz_target!(|data: &[u8]| {
    // Up to the first NUL: the expression (or spec); after it: the message.
    let split = data.iter().position(|&b| b == 0).unwrap_or(data.len());
    let (head, tail) = (&data[..split], data.get(split + 1..).unwrap_or(&[]));
    let text = String::from_utf8_lossy(head);
    let input: &[u8] = if Message::parse(tail).is_ok() {
        tail
    } else {
        BASE
    };
    let msg = Message::parse(input).expect("checked above");
    if let Ok(f) = Filter::parse(&text) {
        let parsed_result = f.matches(&msg);
        if let Ok(bytes_result) = f.matches_bytes(input) {
            assert_eq!(
                parsed_result, bytes_result,
                "header-only and parsed evaluation differ"
            );
        }
        let _ = f.scan(data);
    }
    if let Ok(m) = Mapping::parse(&text) {
        let json = m.apply_json(&msg);
        assert!(
            serde_json::from_str::<serde_json::Value>(&json).is_ok(),
            "a mapping wrote invalid JSON"
        );
    }
    assert!(diff(&msg, &msg).is_empty());
    let base = Message::parse(BASE).expect("fixed message parses");
    let _ = diff(&msg, &base);
    if let Ok(detector) = ChangeDetector::new(text.split(',')) {
        let same = detector.is_unchanged(&msg, &base);
        let equal = detector.fingerprint(&msg) == detector.fingerprint(&base);
        assert_eq!(same, equal, "fingerprints disagree with the diff");
    }
});
