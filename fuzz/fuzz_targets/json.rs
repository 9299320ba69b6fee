//! Any text as lossless JSON, and any bytes as a message written to lossless
//! JSON and read back; any text as typed values. Never a panic; a message
//! always comes back with its exact bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pipehat::datatype::{parse_number, parse_sequence_id, DateTime};
use pipehat::{Message, MessageBuf};

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = MessageBuf::from_lossless_json(text);
        if let Ok(t) = DateTime::parse(text) {
            let _ = t.to_iso8601();
            let _ = t.unix_millis(0);
        }
        let _ = parse_number(text);
        let _ = parse_sequence_id(text);
    }
    if let Ok(msg) = Message::parse(data) {
        let json = msg.to_lossless_json();
        let back = MessageBuf::from_lossless_json(&json).expect("lossless JSON reads back");
        assert_eq!(back.as_bytes(), data);
        let _ = msg.to_json();
        let _ = msg.to_friendly_json();
        for dt in ["XPN", "CX", "XAD", "XTN", "CWE", "CE", "HD", "EI"] {
            let dt = pipehat::datatype::Datatype::parse(dt).expect("known datatype");
            let _ = msg.typed("PID-5", dt);
            let _ = msg.typed_all("PID-3", dt);
        }
        let _ = msg.datetime("MSH-7");
    }
});
