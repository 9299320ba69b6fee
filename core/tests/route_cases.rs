//! Runs tests/route_cases.jsonl (shared with the JavaScript and Python
//! suites): filters, routes, change detection and mappings; then checks
//! filters, diffs and mappings over every corpus message.

use pipehat::diff::{diff, ChangeDetector};
use pipehat::filter::{Filter, Router};
use pipehat::mapping::Mapping;
use pipehat::Message;
use serde_json::{Map, Value};
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn cases(kind: &str) -> Vec<Map<String, Value>> {
    let text = std::fs::read_to_string(root().join("tests/route_cases.jsonl")).expect("cases");
    let all: Vec<Map<String, Value>> = text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("json"))
        .map(|v| v.as_object().expect("object").clone())
        .collect();
    let some: Vec<_> = all.into_iter().filter(|c| c["kind"] == kind).collect();
    assert!(!some.is_empty(), "no {kind} cases");
    some
}

fn s<'v>(c: &'v Map<String, Value>, key: &str) -> &'v str {
    c[key].as_str().expect(key)
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_str().expect("string").to_owned())
        .collect()
}

#[test]
fn filters() {
    for c in cases("filter") {
        let name = s(&c, "name");
        let input = s(&c, "input").as_bytes();
        let f = Filter::parse(s(&c, "expr")).unwrap_or_else(|e| panic!("{name}: {e}"));
        let msg = Message::parse(input).expect("parse");
        let want = c["expect"].as_bool().expect("expect");
        assert_eq!(f.matches(&msg), want, "{name}");
        assert_eq!(
            f.matches_bytes(input).expect("bytes"),
            want,
            "{name} (bytes)"
        );
        if let Some(h) = c.get("header_only") {
            assert_eq!(f.reads_header_only(), h.as_bool().expect("bool"), "{name}");
        }
    }
}

#[test]
fn filter_errors() {
    for c in cases("filter_error") {
        let name = s(&c, "name");
        let e = Filter::parse(s(&c, "expr")).expect_err(name);
        assert_eq!(e.code(), s(&c, "code"), "{name}");
        assert_eq!(
            e.offset() as u64,
            c["offset"].as_u64().expect("offset"),
            "{name}"
        );
        assert!(e.to_string().contains(e.code()), "{name}");
    }
}

#[test]
fn routes() {
    for c in cases("route") {
        let mut router = Router::new();
        for r in c["routes"].as_array().expect("routes") {
            let r = strings(r);
            router.add(&r[0], &r[1]).expect("route");
        }
        let msg = Message::parse(s(&c, "input").as_bytes()).expect("parse");
        assert_eq!(
            router.destinations(&msg),
            strings(&c["expect"]),
            "{}",
            s(&c, "name")
        );
    }
}

#[test]
fn diffs() {
    for c in cases("diff") {
        let name = s(&c, "name");
        let a = Message::parse(s(&c, "a").as_bytes()).expect("a");
        let b = Message::parse(s(&c, "b").as_bytes()).expect("b");
        let ignore = c.get("ignore").map(strings).unwrap_or_default();
        let detector = ChangeDetector::new(&ignore).expect("ignore");
        let changes = detector.changes(&a, &b);
        let paths: Vec<&str> = changes.iter().map(|d| d.path.as_str()).collect();
        let want = strings(&c["expect"]);
        assert_eq!(paths, want, "{name}");
        if let Some(kinds) = c.get("kinds") {
            let got: Vec<&str> = changes.iter().map(|d| d.kind.as_str()).collect();
            assert_eq!(got, strings(kinds), "{name}");
        }
        assert_eq!(detector.is_unchanged(&a, &b), want.is_empty(), "{name}");
        assert_eq!(
            detector.fingerprint(&a) == detector.fingerprint(&b),
            want.is_empty(),
            "{name}: fingerprints"
        );
        if ignore.is_empty() {
            assert_eq!(diff(&a, &b), changes, "{name}");
        }
    }
}

fn spec_text(c: &Map<String, Value>) -> String {
    if let Some(file) = c.get("spec_file") {
        let path = root()
            .join("core/mappings")
            .join(file.as_str().expect("file"));
        return std::fs::read_to_string(path).expect("spec file");
    }
    if let Some(t) = c.get("spec_text") {
        return t.as_str().expect("text").to_owned();
    }
    serde_json::to_string(&c["spec"]).expect("spec")
}

#[test]
fn mappings() {
    for c in cases("map") {
        let name = s(&c, "name");
        let mapping = Mapping::parse(&spec_text(&c)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let msg = Message::parse(s(&c, "input").as_bytes()).expect("parse");
        let got: Value = serde_json::from_str(&mapping.apply_json(&msg)).expect("output is JSON");
        assert_eq!(got, c["expect"], "{name}");
        // Keys come out in the spec's order.
        let first = if mapping.has_rows() {
            got.get(0)
        } else {
            Some(&got)
        };
        if let Some(Value::Object(obj)) = first {
            let keys: Vec<&str> = obj.keys().map(String::as_str).collect();
            assert_eq!(keys, mapping.keys().collect::<Vec<_>>(), "{name}");
        }
    }
    for c in cases("map_error") {
        let name = s(&c, "name");
        let e = Mapping::parse(&spec_text(&c)).expect_err(name);
        assert_eq!(
            (e.code(), e.pointer()),
            (s(&c, "code"), s(&c, "pointer")),
            "{name}"
        );
    }
}

fn corpus() -> Vec<(String, Vec<u8>)> {
    let dir = root().join("tests/corpus/messages");
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .expect("corpus")
        .map(|e| e.expect("entry").path())
        .map(|p| {
            let name = p.file_name().expect("name").to_string_lossy().into_owned();
            (name, std::fs::read(&p).expect("read"))
        })
        .collect();
    out.sort();
    out
}

/// Over every corpus message: a filter on its own type and trigger holds,
/// the header-only path agrees with the parsed one, a message does not
/// differ from itself, a changed PID-5 is found, and both example mappings
/// give JSON.
#[test]
fn corpus_filters_diffs_and_mappings() {
    let adt = Mapping::parse(
        &std::fs::read_to_string(root().join("core/mappings/adt-patient.json")).expect("spec"),
    )
    .expect("adt spec");
    let oru = Mapping::parse(
        &std::fs::read_to_string(root().join("core/mappings/oru-observations.json")).expect("spec"),
    )
    .expect("oru spec");
    let detector = ChangeDetector::new(["MSH-7", "MSH-10"]).expect("ignore");
    let mut parsed = 0;
    for (name, bytes) in corpus() {
        let Ok(msg) = Message::parse(&bytes) else {
            for expr in [r#"MSH-9.1 = "ADT""#, r#"PID-3 != "x""#] {
                let f = Filter::parse(expr).expect("filter");
                assert!(f.matches_bytes(&bytes).is_err(), "{name}: {expr}");
            }
            continue;
        };
        parsed += 1;
        let quote = |v: Option<std::borrow::Cow<'_, str>>| {
            v.unwrap_or_default()
                .replace('\\', "\\\\")
                .replace('"', "\\\"")
        };
        let (kind, trigger) = (quote(msg.message_type()), quote(msg.trigger_event()));
        let expr = format!(r#"MSH-9.1 = "{kind}" and MSH-9.2 in ("{trigger}", "none")"#);
        let f = Filter::parse(&expr).expect("filter");
        assert!(f.reads_header_only());
        assert!(f.matches(&msg), "{name}");
        assert!(f.matches_bytes(&bytes).expect("bytes"), "{name}");
        for expr in [
            r#"any(OBX-5 ~ /[0-9]/) or exists(PID-3)"#,
            r#"all(OBX-11 = "F")"#,
            r#"MSH-7 < 20000101 or MSH-12 in ("2.5", "2.5.1")"#,
        ] {
            let f = Filter::parse(expr).expect("filter");
            assert_eq!(
                f.matches_bytes(&bytes).ok(),
                Some(f.matches(&msg)),
                "{name}: {expr}"
            );
        }
        assert!(diff(&msg, &msg).is_empty(), "{name}");
        if msg.segment("PID").is_some() {
            let mut buf = pipehat::MessageBuf::parse(bytes.clone()).expect("buf");
            buf.set("PID-5.1", "CHANGED-NAME").expect("set");
            let edited = buf.message();
            let changes = diff(&msg, &edited);
            assert!(
                changes.iter().any(|d| d.path.starts_with("PID-5")),
                "{name}: {changes:?}"
            );
            assert_ne!(
                detector.fingerprint(&msg),
                detector.fingerprint(&edited),
                "{name}"
            );
        }
        for mapping in [&adt, &oru] {
            let json = mapping.apply_json(&msg);
            serde_json::from_str::<Value>(&json).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }
    // 170 of the 209 corpus files parse; the rest are broken on purpose.
    assert!(parsed >= 170, "{parsed}");
}
