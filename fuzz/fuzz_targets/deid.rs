//! Any bytes that parse as a message, de-identified under the built-in
//! policy, a shifting policy and a policy that keeps shapes: never a panic,
//! and the output always parses, with the same delimiters and no more
//! segments than the input. Any bytes as a whole file: never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pipehat::deid::{deidentify_file, Deidentifier, Policy};
use pipehat::Message;

fuzz_target!(|data: &[u8]| {
    let policies = [
        Policy::safe_harbor(),
        Policy::parse(r#"{"dates": "shift", "shift": {"days": 36500}}"#).expect("policy"),
        Policy::parse(
            r#"{"extends": "none", "datatypes": {"ST": {"action": "pseudonymize", "shape": true}, "XPN": {"action": "replace", "value": "a^b&c~d|e\\f"}}, "dates": {"action": "generalize", "to": "year"}}"#,
        )
        .expect("policy"),
    ];
    if let Ok(msg) = Message::parse(data) {
        for policy in &policies {
            let mut d = Deidentifier::new(b"fuzzing key, 16+ bytes", policy).expect("key");
            let out = d.apply(&msg);
            let again = Message::parse(&out).expect("the output parses");
            assert_eq!(again.delimiters(), msg.delimiters());
            assert!(again.segment_count() <= msg.segment_count());
            let _ = d.report().to_json();
        }
    }
    let mut d = Deidentifier::new(b"fuzzing key, 16+ bytes", &policies[0]).expect("key");
    let mut out = Vec::new();
    let summary =
        deidentify_file(data, &mut out, &mut d, &Default::default(), 1).expect("in memory");
    assert!(summary.written <= summary.messages);
});
