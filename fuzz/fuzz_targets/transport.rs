//! Any bytes through every transport answer a server or client asks the
//! core: reading a reply, matching it, keys, whether an ACK is expected,
//! the ACK or NAK a server sends, and HL7 over HTTP's header checks. Never a
//! panic; an ACK the server builds reads back as an answer to its message.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pipehat::transport::http::{authorized, read_content_type};
use pipehat::transport::{
    accept, control_id, expects_ack, is_loopback, reject, reply, MessageKey, Outcome, Reply,
    TransportErrorKind,
};
use pipehat::{Message, ParseOptions};

fuzz_target!(|data: &[u8]| {
    if let Ok(r) = Reply::read(data) {
        let _ = r.answers(data.get(..8).unwrap_or(data));
        let _ = r.settles_application();
    }
    let _ = MessageKey::read(data).map(|k| k.to_bytes());
    let _ = expects_ack(data);
    let _ = reject(data, &ParseOptions::default(), "A", "T");
    if let Ok(msg) = Message::parse(data) {
        for outcome in [
            Outcome::Accepted,
            Outcome::Failed(TransportErrorKind::HandlerFailed),
        ] {
            if let Ok(ack) = accept(&msg, outcome, "ACK1", "20240101") {
                // One message (not a batch) without an MLLP end block (0x1C: it
                // cannot travel in a frame, and editing the ACK cuts a segment there).
                let sendable = data.starts_with(b"MSH") && !data.contains(&0x1C);
                if let Some(id) = control_id(data).filter(|_| sendable) {
                    let back =
                        Reply::read(ack.as_bytes()).expect("an ACK pipehat built reads back");
                    assert!(back.answers(id), "the ACK answers its message");
                }
            }
            let _ = reply(&msg, outcome, "ACK1", "20240101");
        }
    }
    let text = String::from_utf8_lossy(data);
    let _ = read_content_type(&text);
    let _ = authorized(Some(&text), "user", "pass");
    let _ = is_loopback(&text);
});
