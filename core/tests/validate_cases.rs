//! Runs tests/validate_cases.jsonl (shared with the JavaScript and Python
//! suites) and checks every corpus message against tests/golden/validation.json,
//! the record of which corpus messages are valid at their declared version
//! and why the others are not (`PIPEHAT_BLESS=1` rewrites it).
#![cfg(feature = "dictionary")]

use pipehat::ack::{AckOptions, IncludeDiagnostics};
use pipehat::dictionary::explain;
use pipehat::validate::{validate, Options, Profile, Validator};
use pipehat::Message;

/// MSH-10 and MSH-7 of the ACKs the cases' `ack` values hold.
const ACK_CONTROL_ID: &str = "ACK1";
const ACK_TIMESTAMP: &str = "20240101000000";
use serde_json::{json, Map, Value};
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn cases(kind: &str) -> Vec<Map<String, Value>> {
    let text = std::fs::read_to_string(root().join("tests/validate_cases.jsonl")).expect("cases");
    let some: Vec<Map<String, Value>> = text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("json"))
        .map(|v| v.as_object().expect("object").clone())
        .filter(|c| c["kind"] == kind)
        .collect();
    assert!(!some.is_empty(), "no {kind} cases");
    some
}

fn s<'v>(c: &'v Map<String, Value>, key: &str) -> &'v str {
    c[key].as_str().expect(key)
}

#[test]
fn explains() {
    for c in cases("explain") {
        let name = s(&c, "name");
        match explain(s(&c, "path"), s(&c, "version")) {
            Err(e) => assert_eq!(
                Some(e.code()),
                c.get("error").and_then(Value::as_str),
                "{name}"
            ),
            Ok(got) => {
                let got = got.map(|e| {
                    json!({"name": e.name, "datatype": e.datatype, "optionality": e.optionality,
                           "repeatable": e.repeatable, "table": e.table})
                });
                assert_eq!(got.unwrap_or(Value::Null), c["expect"], "{name}");
            }
        }
    }
}

/// The case's profile: its YAML text when it has one (feature `yaml`), else
/// its JSON text or object.
fn profile_of(c: &Map<String, Value>) -> Option<Result<Profile, pipehat::validate::ProfileError>> {
    #[cfg(feature = "yaml")]
    if let Some(y) = c.get("profile_yaml") {
        return Some(Profile::parse_yaml(y.as_str().expect("yaml")));
    }
    profile_text(c).map(|t| Profile::parse(&t))
}

fn profile_text(c: &Map<String, Value>) -> Option<String> {
    if let Some(t) = c.get("profile_text") {
        return Some(t.as_str().expect("text").to_owned());
    }
    c.get("profile").map(|p| p.to_string())
}

#[test]
fn validates() {
    let mut failures = Vec::new();
    for c in cases("validate") {
        let name = s(&c, "name");
        let msg = Message::parse(s(&c, "input").as_bytes()).expect("parse");
        let profile = profile_of(&c).map(|p| p.expect("profile"));
        let options = Options {
            version: c.get("version").and_then(Value::as_str),
            profile: profile.as_ref(),
        };
        let report = validate(&msg, &options);
        let got: Vec<Value> = report
            .issues
            .iter()
            .map(|i| json!([i.code(), i.severity.as_str(), i.path]))
            .collect();
        if Value::Array(got.clone()) != c["issues"] {
            failures.push(format!("{name}: got {}", Value::Array(got)));
            continue;
        }
        assert_eq!(
            report.is_valid(),
            c["valid"].as_bool().expect("valid"),
            "{name}"
        );
        for i in &report.issues {
            assert!(i.offset <= msg.as_bytes().len(), "{name}");
            assert!(!i.message().is_empty());
        }
        // The JSON form (what JavaScript reads) says the same.
        let doc: Value = serde_json::from_str(&report.to_json()).expect("report json");
        assert_eq!(doc["valid"], c["valid"], "{name}");
        assert_eq!(doc["version"].as_str(), report.version, "{name}");
        let from_json: Vec<Value> = doc["issues"]
            .as_array()
            .expect("issues")
            .iter()
            .map(|i| json!([i["code"], i["severity"], i["path"]]))
            .collect();
        assert_eq!(Value::Array(from_json), c["issues"], "{name}");
        // The ACK that carries the issues as ERR segments: the same bytes in
        // every language (the bindings pass each issue's values to ack()).
        if let Some(want) = c.get("ack").and_then(Value::as_str) {
            let mut options = AckOptions::new(ACK_CONTROL_ID, ACK_TIMESTAMP);
            options.diagnostics = IncludeDiagnostics::None;
            options.errors = report.ack_errors();
            let got = msg.ack(&options).expect("ack").to_string();
            if got != want {
                failures.push(format!("{name} ack: got {got:?}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    for c in cases("profile_error") {
        let name = s(&c, "name");
        let e = profile_of(&c).expect("profile").expect_err(name);
        assert_eq!(
            (e.code(), e.pointer()),
            (s(&c, "code"), s(&c, "pointer")),
            "{name}"
        );
    }
}

#[test]
fn named_json() {
    for c in cases("named_json") {
        let msg = Message::parse(s(&c, "input").as_bytes()).expect("parse");
        let got: Value = serde_json::from_str(&msg.to_named_json(None)).expect("json");
        assert_eq!(got, c["expect"], "{}", s(&c, "name"));
    }
}

/// The corpus summary: for every message that parses, its version, the
/// structure used, whether it is valid, and its issues as `code path`.
pub fn corpus_summary() -> Value {
    let dir = root().join("tests/corpus/messages");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("corpus")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    let mut out = Map::new();
    for path in files {
        let bytes = std::fs::read(&path).expect("read");
        let Ok(msg) = Message::parse(&bytes) else {
            continue;
        };
        let report = validate(&msg, &Options::default());
        let issues: Vec<String> = report
            .issues
            .iter()
            .map(|i| format!("{} {} {}", i.severity.as_str(), i.code(), i.path))
            .collect();
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        out.insert(
            name,
            json!({"version": report.version, "structure": report.structure,
                   "valid": report.is_valid(), "issues": issues}),
        );
    }
    Value::Object(out)
}

#[test]
fn corpus_matches_the_golden_summary() {
    let golden = root().join("tests/golden/validation.json");
    let got = corpus_summary();
    if std::env::var_os("PIPEHAT_BLESS").is_some() {
        let text = serde_json::to_string_pretty(&got).expect("json") + "\n";
        std::fs::write(&golden, text).expect("write golden");
    }
    let want: Value =
        serde_json::from_str(&std::fs::read_to_string(&golden).expect("golden")).expect("json");
    assert_eq!(
        got, want,
        "run with PIPEHAT_BLESS=1 after an intended change"
    );
    let valid = got
        .as_object()
        .expect("object")
        .values()
        .filter(|v| v["valid"] == true)
        .count();
    assert!(valid >= 25, "{valid}");
}

/// One `Validator` kept across messages of different versions, structures
/// and shapes (its caches warm, then reused) reports exactly what a fresh
/// one reports for each message alone, and so does `validate`.
#[test]
fn a_validator_reports_what_validate_reports() {
    let dir = root().join("tests/corpus/messages");
    let mut texts: Vec<Vec<u8>> = std::fs::read_dir(dir)
        .expect("corpus")
        .map(|e| std::fs::read(e.expect("entry").path()).expect("read"))
        .collect();
    texts.extend(
        cases("validate")
            .iter()
            .map(|c| s(c, "input").as_bytes().to_vec()),
    );
    let mut validator = Validator::new();
    let mut compared = 0;
    for round in 0..2 {
        for text in &texts {
            let Ok(msg) = Message::parse(text) else {
                continue;
            };
            // A fresh validator looks everything up for this message alone.
            let alone = Validator::new().validate(&msg);
            let kept = validator.validate(&msg);
            assert_eq!(
                (kept.version, kept.structure, &kept.issues),
                (alone.version, alone.structure, &alone.issues),
                "round {round}"
            );
            assert_eq!(validate(&msg, &Options::default()).issues, alone.issues);
            compared += 1;
        }
    }
    assert!(compared > 300, "{compared}");
    // With options: the version and profile of each case.
    for c in cases("validate") {
        let msg = Message::parse(s(&c, "input").as_bytes()).expect("parse");
        let profile = profile_text(&c).map(|t| Profile::parse(&t).expect("profile"));
        let options = Options {
            version: c.get("version").and_then(Value::as_str),
            profile: profile.as_ref(),
        };
        let mut validator = Validator::new();
        if let Some(v) = options.version {
            validator = validator.with_version(v);
        }
        if let Some(p) = profile.clone() {
            validator = validator.with_profile(p);
        }
        for _ in 0..2 {
            assert_eq!(
                validator.validate(&msg).issues,
                validate(&msg, &options).issues,
                "{}",
                s(&c, "name")
            );
        }
    }
}

#[cfg(feature = "yaml")]
#[test]
fn yaml_profiles() {
    // Broken YAML has its own code; YAML and JSON give the same profile.
    let e = Profile::parse_yaml("segments: [unclosed").expect_err("broken");
    assert_eq!((e.code(), e.pointer()), ("invalid_yaml", ""));
    let e = Profile::parse_yaml("- a list").expect_err("not a mapping");
    assert_eq!(e.code(), "invalid_profile");
    let yaml =
        Profile::parse_yaml("version: 2.5\nsegments:\n  PID: {fields: {8: {values: [1, 2]}}}\n")
            .expect("yaml");
    let json = Profile::parse(
        r#"{"version": "2.5", "segments": {"PID": {"fields": {"8": {"values": ["1", "2"]}}}}}"#,
    )
    .expect("json");
    let msg = Message::parse(b"MSH|^~\\&|A|B|C|D|20240115||ADT^A01^ADT_A01|1|P\rEVN|A01|20240115\rPID|1||7^^^H^MR||DOE^JO||1980|3\rPV1|1|I\r")
        .expect("parse");
    let with = |p: &Profile| {
        let options = Options {
            version: None,
            profile: Some(p),
        };
        validate(&msg, &options).issues
    };
    assert_eq!(with(&yaml), with(&json));
    assert!(with(&yaml).iter().any(|i| i.code() == "value_not_allowed"));
}
