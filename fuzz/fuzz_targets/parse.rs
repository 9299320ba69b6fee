//! Parse any bytes, leniently and strictly, then read everything the API offers.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pipehat::{Message, ParseOptions, Scanner};

fuzz_target!(|data: &[u8]| {
    for options in [
        ParseOptions::default(),
        ParseOptions::default().strict(true).max_field_length(512),
    ] {
        let Ok(msg) = Message::parse_with(data, &options) else {
            continue;
        };
        let _ = msg.diagnostics();
        let _ = (
            msg.message_type(),
            msg.control_id(),
            msg.version(),
            msg.charset(),
        );
        for seg in msg.segments() {
            let _ = seg.name();
            for field in seg.fields() {
                let _ = (field.value(), field.raw());
                let mut buf = [0u8; 64];
                let _ = field.decode_into(&mut buf);
                for rep in field.repetitions() {
                    for comp in rep.components() {
                        for sub in comp.subcomponents() {
                            let _ = sub.value();
                        }
                    }
                }
            }
        }
        let _ = msg.line_column(data.len());
    }
    // A lazy parse (segments only) must read exactly as a full one.
    let full = pipehat::OwnedMessage::parse(data.to_vec());
    let lazy =
        pipehat::OwnedMessage::parse_with(data.to_vec(), &ParseOptions::default().lazy(true));
    match (full, lazy) {
        (Ok(full), Ok(mut lazy)) => {
            let a = full.message();
            {
                let b = lazy.message();
                assert_eq!(a.diagnostics(), b.diagnostics());
                assert_eq!(a.to_json(), b.to_json());
                for path in ["MSH-9.2", "MSH-18", "PID-3.1", "PID-5(2).1", "OBX[2]-5"] {
                    assert_eq!(a.get(path).ok(), b.get(path).ok());
                }
            }
            lazy.index_fields();
            assert_eq!(a.to_json(), lazy.message().to_json());
        }
        (Err(a), Err(b)) => assert_eq!(a, b),
        (a, b) => panic!(
            "full and lazy parses disagree: {:?} / {:?}",
            a.err(),
            b.err()
        ),
    }
    if let Ok(scanner) = Scanner::new(data) {
        for seg in scanner.segments().take(1000) {
            let _ = seg.field(3).map(|f| f.component(2));
        }
    }
});
