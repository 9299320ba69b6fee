//! Editing over the whole corpus: serialization keeps every byte it was not
//! asked to change, and writing a value back where it was read changes nothing.

use pipehat::{Message, MessageBuf};
use std::path::PathBuf;

fn corpus_files() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/corpus/messages");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("corpus dir")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    files
}

/// Every leaf (subcomponent) of a message as `(path, raw bytes, has escapes)`.
fn leaves(msg: &Message<'_>) -> Vec<(String, Vec<u8>, bool)> {
    let esc = msg.delimiters().escape();
    let mut out = Vec::new();
    let mut seen: std::collections::HashMap<&str, u32> = Default::default();
    for seg in msg.segments() {
        let name = seg.name();
        let occurrence = seen.entry(name).or_insert(0);
        *occurrence += 1;
        if name.len() != 3 || !name.bytes().all(|b| b.is_ascii_alphanumeric()) {
            continue;
        }
        for (f, field) in seg.fields().enumerate() {
            let number = f + 1;
            if seg.is_header() && number <= 2 {
                continue;
            }
            for (r, rep) in field.repetitions().enumerate() {
                for (c, comp) in rep.components().enumerate() {
                    for (s, sub) in comp.subcomponents().enumerate() {
                        let raw = sub.as_bytes().to_vec();
                        let escaped = raw.contains(&esc);
                        out.push((
                            format!(
                                "{name}[{occurrence}]-{number}({}).{}.{}",
                                r + 1,
                                c + 1,
                                s + 1
                            ),
                            raw,
                            escaped,
                        ));
                    }
                }
            }
        }
    }
    out
}

#[test]
fn every_corpus_file_reserializes_byte_for_byte() {
    let mut checked = 0;
    for file in corpus_files() {
        let bytes = std::fs::read(&file).expect("read");
        let Ok(msg) = Message::parse(&bytes) else {
            continue;
        };
        assert_eq!(
            MessageBuf::parse(bytes.clone()).expect("parses").as_bytes(),
            &bytes[..]
        );
        assert_eq!(MessageBuf::from(&msg).as_bytes(), &bytes[..]);
        checked += 1;
    }
    assert!(checked > 150, "{checked}");
}

#[test]
fn writing_each_value_back_changes_nothing() {
    let mut edits = 0;
    for file in corpus_files() {
        let bytes = std::fs::read(&file).expect("read");
        let Ok(msg) = Message::parse(&bytes) else {
            continue;
        };
        let utf8 = std::str::from_utf8(&bytes).is_ok();
        let mut buf = MessageBuf::parse(bytes.clone()).expect("parses");
        // At most 400 leaves per file keep the suite quick; they cover every segment of most files.
        for (path, raw, escaped) in leaves(&msg).into_iter().take(400) {
            let name = file.display();
            let text = String::from_utf8_lossy(&raw).into_owned();
            // Line breaks inside a value (text in a message ended by the
            // other terminator) are refused on writing: skip those leaves.
            if raw.contains(&b'\r') || raw.contains(&b'\n') {
                continue;
            }
            if utf8 {
                buf.set_raw(path.as_str(), &text)
                    .unwrap_or_else(|e| panic!("{name} {path}: {e}"));
                // A value of a different length moves everything after it: the
                // index kept by the edit must equal one built afresh.
                buf.set_raw(path.as_str(), "alongervalue")
                    .unwrap_or_else(|e| panic!("{name} {path}: {e}"));
                assert!(buf.index_is_consistent(), "{name} {path}");
                buf.set_raw(path.as_str(), &text)
                    .unwrap_or_else(|e| panic!("{name} {path}: {e}"));
                assert_eq!(buf.as_bytes(), &bytes[..], "{name} set_raw {path}");
            }
            if !escaped && utf8 {
                let value = msg
                    .get(path.as_str())
                    .expect("path")
                    .unwrap_or_default()
                    .into_owned();
                buf.set(path.as_str(), &value)
                    .unwrap_or_else(|e| panic!("{name} {path}: {e}"));
                assert_eq!(buf.as_bytes(), &bytes[..], "{name} set {path}");
            }
            edits += 1;
        }
    }
    assert!(edits > 10_000, "{edits}");
}

#[test]
fn decoded_escapes_write_back_without_double_escaping() {
    // A corpus value with \T\ and \E\ sequences: read, write back, compare.
    let input = b"MSH|^~\\&|A|B|||20240101||ORU^R01|1|P|2.5\rOBX|1|TX|||Hives\\T\\Rash \\F\\ \\S\\ \\R\\ \\E\\\r";
    let msg = Message::parse(input).expect("parses");
    let value = msg.get("OBX-5").expect("path").expect("value").into_owned();
    assert_eq!(value, "Hives&Rash | ^ ~ \\");
    let mut buf = MessageBuf::parse(&input[..]).expect("parses");
    buf.set("OBX-5", &value).expect("set");
    assert_eq!(buf.as_bytes(), &input[..]);
}
