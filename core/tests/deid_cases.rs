//! Runs tests/deid_cases.jsonl (shared with the JavaScript and Python
//! suites): the same key and policy give the same bytes in every language.
#![cfg(feature = "deid")]

use pipehat::deid::{Deidentifier, Policy};
use pipehat::Message;
use serde_json::Value;
use std::path::PathBuf;

#[test]
fn shared_deid_cases() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/deid_cases.jsonl");
    let text = std::fs::read_to_string(root).expect("cases");
    let mut n = 0;
    for line in text.lines() {
        let c: Value = serde_json::from_str(line).expect("json");
        let name = c["name"].as_str().expect("name");
        let msg =
            Message::parse(c["message"].as_str().expect("message").as_bytes()).expect("parse");
        let made = match &c["policy"] {
            Value::Null => Ok(Policy::safe_harbor()),
            p => Policy::parse(&p.to_string()),
        }
        .and_then(|p| Deidentifier::new(c["key"].as_str().expect("key").as_bytes(), &p));
        match (made, c.get("error")) {
            (Err(e), Some(want)) => {
                assert_eq!(e.code(), want["code"], "{name}");
                assert_eq!(e.pointer.as_deref(), want["pointer"].as_str(), "{name}");
            }
            (Ok(mut d), None) => {
                let out = d.apply(&msg);
                assert_eq!(
                    String::from_utf8_lossy(&out),
                    c["output"].as_str().expect("output"),
                    "{name}"
                );
                if let Some(rows) = c.get("report") {
                    let got: Vec<Value> = d
                        .report()
                        .entries()
                        .map(|(p, a, n)| serde_json::json!([p, a, n]))
                        .collect();
                    assert_eq!(&Value::Array(got), rows, "{name}");
                }
                // A second message under the same de-identifier writes the same.
                assert_eq!(d.apply(&msg), out, "{name}");
            }
            (made, want) => panic!("{name}: {:?} where {want:?} was expected", made.err()),
        }
        n += 1;
    }
    assert!(n >= 10);
}
