//! Edits driven by fuzz input against real-looking messages: every edit
//! succeeds or returns an error, the result always parses again, and an
//! acknowledgement can always be written. Never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pipehat::ack::{ack_bytes, AckOptions};
use pipehat::{MessageBuf, ParseOptions};

const BASE: &[u8] = b"MSH|^~\\&|A|B|C|D|20240101||ADT^A01^ADT_A01|1|P|2.5.1|||AL|ER\rPID|1||1^^^H&1.2&ISO^MR~2||DOE^J\rOBX|1|TX|||a\\T\\b\rOBX|2\r";

fuzz_target!(|data: &[u8]| {
    // The first half of the input is a message when it parses (otherwise
    // BASE); the rest is a list of `op path value` lines.
    let (head, tail) = data.split_at(data.len() / 2);
    let options = AckOptions::new("ACK1", "20240101");
    let _ = ack_bytes(head, &ParseOptions::default(), &options);
    let mut buf = MessageBuf::parse(head.to_vec())
        .unwrap_or_else(|_| MessageBuf::parse(BASE.to_vec()).expect("fixed message parses"));
    let Ok(script) = std::str::from_utf8(tail) else {
        return;
    };
    for line in script.split('\n').take(16) {
        let mut parts = line.splitn(3, ' ');
        let (op, path, value) = (
            parts.next().unwrap_or(""),
            parts.next().unwrap_or(""),
            parts.next().unwrap_or(""),
        );
        let _ = match op {
            "s" => buf.set(path, value),
            "r" => buf.set_raw(path, value),
            "i" => buf.insert(path, value),
            "x" => buf.remove(path),
            "p" => buf.append_repetition(path, value),
            "S" => buf.insert_segment(path.len() % 4, value),
            "X" => buf.remove_segment(value.len() % 4),
            _ => Ok(()),
        };
        assert!(
            pipehat::Message::parse(buf.as_bytes()).is_ok(),
            "an edit broke the message"
        );
        assert!(
            buf.index_is_consistent(),
            "the index kept by edits differs from a fresh one"
        );
    }
    let _ = buf.message().ack(&options);
});
