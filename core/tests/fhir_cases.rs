//! Runs tests/fhir_cases.jsonl (shared with the JavaScript and Python suites).
#![cfg(feature = "fhir")]

use pipehat::fhir::{to_fhir, BundleType, Options, Overrides};
use pipehat::Message;
use serde_json::Value;
use std::path::PathBuf;

fn leaves(node: &Value, path: &str, out: &mut Vec<(String, Value)>) {
    match node {
        Value::Object(m) => m
            .iter()
            .for_each(|(k, v)| leaves(v, &format!("{path}.{k}"), out)),
        Value::Array(a) => a.iter().for_each(|v| leaves(v, path, out)),
        v => out.push((path.to_string(), v.clone())),
    }
}

fn flatten(bundle: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for (k, v) in bundle.as_object().expect("bundle") {
        if k != "entry" {
            leaves(v, &format!("Bundle.{k}"), &mut out);
        }
    }
    for e in bundle["entry"].as_array().expect("entry") {
        for (k, v) in e.as_object().expect("entry") {
            if k != "resource" {
                leaves(v, &format!("Bundle.entry.{k}"), &mut out);
            }
        }
        let ty = e["resource"]["resourceType"].as_str().expect("type");
        leaves(&e["resource"], ty, &mut out);
    }
    out
}

#[test]
fn shared_fhir_cases() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fhir_cases.jsonl");
    let text = std::fs::read_to_string(root).expect("cases");
    let mut n = 0;
    for line in text.lines() {
        let c: Value = serde_json::from_str(line).expect("json");
        let name = c["name"].as_str().expect("name");
        let o = &c["options"];
        let s = |k: &str| o.get(k).and_then(Value::as_str).map(String::from);
        let msg =
            Message::parse(c["message"].as_str().expect("message").as_bytes()).expect("parse");
        let overrides = o
            .get("overrides")
            .map(|v| Overrides::parse(&v.to_string()))
            .transpose();
        let bundle_type = BundleType::from_name(&s("bundle_type").unwrap_or("message".into()));
        let options = match (bundle_type, overrides) {
            (Ok(bundle_type), Ok(overrides)) => Ok(Options {
                bundle_type,
                namespace: s("namespace"),
                timezone: s("timezone"),
                overrides,
            }),
            (Err(e), _) | (_, Err(e)) => Err(e),
        };
        let out = options.and_then(|o| to_fhir(&msg, &o));
        if let Some(code) = c.get("error") {
            let e = out.expect_err(name);
            assert_eq!(e.kind.code(), code.as_str().expect("code"), "{name}");
            assert_eq!(
                e.pointer.as_deref(),
                c.get("pointer").and_then(Value::as_str),
                "{name}"
            );
            continue;
        }
        let out = out.expect(name);
        let bundle: Value = serde_json::from_str(&out.bundle).expect("bundle is JSON");
        let report: Value = serde_json::from_str(&out.report.to_json()).expect("report is JSON");
        let flat = flatten(&bundle);
        for pair in c.get("has").and_then(Value::as_array).into_iter().flatten() {
            let (path, value) = (pair[0].as_str().expect("path"), &pair[1]);
            assert!(
                flat.iter().any(|(p, v)| p == path && v == value),
                "{name}: {path} = {value}"
            );
        }
        for path in c
            .get("lacks")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let path = path.as_str().expect("path");
            assert!(
                !flat
                    .iter()
                    .any(|(p, _)| p == path || p.starts_with(&format!("{path}."))),
                "{name}: {path}"
            );
        }
        if let Some(first) = c.get("first") {
            assert_eq!(
                &bundle["entry"][0]["resource"]["resourceType"], first,
                "{name}"
            );
        }
        for (ty, id) in c
            .get("ids")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let ids: Vec<&Value> = bundle["entry"]
                .as_array()
                .expect("entry")
                .iter()
                .filter(|e| e["resource"]["resourceType"] == *ty)
                .map(|e| &e["resource"]["id"])
                .collect();
            assert!(ids.contains(&id), "{name}: {ty} id");
        }
        for (key, values) in c
            .get("report")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let got = match &report[key] {
                Value::Array(a) => a.clone(),
                v => vec![v.clone()],
            };
            for v in values.as_array().expect("values") {
                assert!(got.contains(v), "{name}: report {key} {v}");
            }
        }
        for (key, values) in c
            .get("report_lacks")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            for v in values.as_array().expect("values") {
                assert!(
                    !report[key].as_array().expect("list").contains(v),
                    "{name}: report {key} lacks {v}"
                );
            }
        }
        n += 1;
    }
    assert!(n >= 8, "only {n} cases ran");
}

/// Corpus messages with a golden FHIR Bundle (tests/golden/*.fhir.json,
/// checked by all three suites): one of each kind of message the IG maps.
/// `PIPEHAT_BLESS=1 cargo test --features fhir --test fhir_cases` rewrites them.
const GOLDEN: [&str; 6] = [
    "msfhirconv__lab_oru_1.hl7",
    "nhl7c__adt_a08__1.hl7",
    "lfh__vxu_v04__mixed_cr_lf.hl7",
    "nhl7c__orm_o01__1.hl7",
    "msfhirconv__siu_s12_01.hl7",
    "msfhirconv__mdm_t02_01.hl7",
];

#[test]
fn golden_bundles_match() {
    let tests = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests");
    let bless = std::env::var_os("PIPEHAT_BLESS").is_some();
    for name in GOLDEN {
        let bytes = std::fs::read(tests.join("corpus/messages").join(name)).expect("corpus file");
        let msg = Message::parse(&bytes).expect("golden inputs parse");
        let out = to_fhir(&msg, &Options::default()).expect(name);
        let v: Value = serde_json::from_str(&out.bundle).expect("json");
        let got = serde_json::to_string_pretty(&v).expect("pretty") + "\n";
        let golden = tests
            .join("golden")
            .join(name.replace(".hl7", ".fhir.json"));
        if bless {
            std::fs::write(&golden, &got).expect("write golden");
        }
        let want =
            std::fs::read_to_string(&golden).expect("golden file (PIPEHAT_BLESS=1 writes it)");
        assert!(
            got == want,
            "{name}: the Bundle differs from {}",
            golden.display()
        );
    }
}

/// Applies one row of tests/mutations.jsonl's edits (offset, length, hex).
fn mutate(bytes: &[u8], edits: &Value) -> Vec<u8> {
    let mut out = bytes.to_vec();
    for e in edits.as_array().expect("edits") {
        let at = (e[0].as_u64().expect("at") as usize).min(out.len());
        let len = (e[1].as_u64().expect("len") as usize).min(out.len() - at);
        let hex = e[2].as_str().expect("hex");
        let new: Vec<u8> = (0..hex.len() / 2)
            .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).expect("hex"))
            .collect();
        out.splice(at..at + len, new);
    }
    out
}

/// Every corpus message, every broken one of tests/mutations.jsonl and the
/// fuzz regressions convert with every Bundle type or give an error: no
/// panic, and the Bundle is JSON.
#[test]
fn no_input_makes_the_converter_panic() {
    let tests = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests");
    let mut inputs: Vec<Vec<u8>> = Vec::new();
    for dir in ["corpus/messages", "fuzz-regressions"] {
        for e in std::fs::read_dir(tests.join(dir)).expect("dir") {
            inputs.push(std::fs::read(e.expect("entry").path()).expect("read"));
        }
    }
    let mutations = std::fs::read_to_string(tests.join("mutations.jsonl")).expect("mutations");
    for line in mutations.lines() {
        let row: Value = serde_json::from_str(line).expect("json");
        let base = std::fs::read(
            tests
                .join("corpus")
                .join(row["file"].as_str().expect("file")),
        )
        .expect("corpus file");
        inputs.push(mutate(&base, &row["edits"]));
    }
    let mut converted = 0;
    for bytes in &inputs {
        for chunk in pipehat::stream::messages(bytes) {
            let Ok(msg) = Message::parse(chunk) else {
                continue;
            };
            for bundle_type in BundleType::ALL {
                let options = Options {
                    bundle_type: *bundle_type,
                    ..Default::default()
                };
                if let Ok(out) = to_fhir(&msg, &options) {
                    let _: Value = serde_json::from_str(&out.bundle).expect("the Bundle is JSON");
                    converted += 1;
                }
            }
        }
    }
    assert!(converted > 400, "{converted}");
}

/// The fuzz finds of the `fhir` target: every reference of their Bundles
/// resolves inside the Bundle (a map row once wrote a field's value into
/// `Reference.reference`).
#[test]
fn fuzz_finds_convert_with_references_that_resolve() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fuzz-regressions");
    let mut n = 0;
    for e in std::fs::read_dir(dir).expect("dir") {
        let path = e.expect("entry").path();
        if !path
            .file_name()
            .is_some_and(|f| f.to_string_lossy().starts_with("fhir-"))
        {
            continue;
        }
        let bytes = std::fs::read(&path).expect("read");
        let msg = Message::parse(&bytes).expect("the find parses");
        let out = to_fhir(&msg, &Options::default()).expect("converts");
        let bundle: Value = serde_json::from_str(&out.bundle).expect("json");
        let urls: Vec<&Value> = bundle["entry"]
            .as_array()
            .expect("entry")
            .iter()
            .map(|e| &e["fullUrl"])
            .collect();
        let flat = flatten(&bundle);
        for (p, v) in &flat {
            if p.ends_with(".reference") {
                assert!(
                    urls.contains(&v),
                    "{}: {p} does not resolve",
                    path.display()
                );
            }
        }
        n += 1;
    }
    assert_eq!(n, 2);
}
