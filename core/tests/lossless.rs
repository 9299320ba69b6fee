//! Lossless JSON over the corpus: every message rebuilds to its exact bytes,
//! and the golden files in tests/golden (checked by all three suites) match.
//! `PIPEHAT_BLESS=1 cargo test --test lossless` rewrites the golden files.

use pipehat::{Message, MessageBuf};
use std::path::PathBuf;

fn tests_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests")
}

/// Corpus files with a golden lossless JSON: one of each shape that matters.
const GOLDEN: [&str; 7] = [
    "nhapi__oru_r01__escapes.hl7",
    "pyhl7__adt_a04__file2.hl7",
    "pyhl7__frag__cp1252.hl7",
    "msfhirconv__lab_oru_1.hl7",
    "nhl7c__frag__nonstd_delims.hl7",
    "hapi__bar__messages_txt_04.hl7",
    "hl7apy__rsp_k22__v27trunc.hl7",
];

#[test]
fn every_corpus_message_round_trips_through_lossless_json() {
    let mut files: Vec<_> = std::fs::read_dir(tests_dir().join("corpus/messages"))
        .expect("dir")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    let mut checked = 0;
    for file in files {
        let bytes = std::fs::read(&file).expect("read");
        let Ok(msg) = Message::parse(&bytes) else {
            continue;
        };
        let json = msg.to_lossless_json();
        let value: serde_json::Value =
            serde_json::from_str(&json).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        assert_eq!(value["format"], "pipehat-lossless");
        let back = MessageBuf::from_lossless_json(&json)
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        assert_eq!(back.as_bytes(), &bytes[..], "{}", file.display());
        let friendly: serde_json::Value =
            serde_json::from_str(&msg.to_friendly_json()).expect("friendly is JSON");
        assert!(friendly.is_object());
        checked += 1;
    }
    assert!(checked > 150, "{checked}");
}

#[test]
fn golden_files_match() {
    let bless = std::env::var_os("PIPEHAT_BLESS").is_some();
    for name in GOLDEN {
        let bytes =
            std::fs::read(tests_dir().join("corpus/messages").join(name)).expect("corpus file");
        let msg = Message::parse(&bytes).expect("golden inputs parse");
        let pretty = |json: &str| {
            let v: serde_json::Value = serde_json::from_str(json).expect("json");
            serde_json::to_string_pretty(&v).expect("pretty") + "\n"
        };
        let golden = tests_dir()
            .join("golden")
            .join(name.replace(".hl7", ".lossless.json"));
        let friendly = tests_dir()
            .join("golden")
            .join(name.replace(".hl7", ".friendly.json"));
        let got = pretty(&msg.to_lossless_json());
        let got_friendly = pretty(&msg.to_friendly_json());
        if bless {
            std::fs::write(&golden, &got).expect("write golden");
            std::fs::write(&friendly, &got_friendly).expect("write golden");
        }
        let want =
            std::fs::read_to_string(&golden).expect("golden file (PIPEHAT_BLESS=1 writes it)");
        assert_eq!(got, want, "{name}");
        assert_eq!(
            got_friendly,
            std::fs::read_to_string(&friendly).expect("friendly golden"),
            "{name}"
        );
        // The pretty-printed golden file rebuilds the message too.
        assert_eq!(
            MessageBuf::from_lossless_json(&want)
                .expect("rebuilds")
                .as_bytes(),
            &bytes[..],
            "{name}"
        );
    }
}
