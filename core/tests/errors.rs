//! Runs tests/errors.jsonl (shared with the JavaScript and Python suites):
//! each way pipehat refuses something gives the same class, code, offset and
//! text in every language.
#![cfg(feature = "dictionary")]

use pipehat::edit::Header;
use pipehat::{Delimiters, Message, MessageBuf, ParseOptions};
use serde_json::{json, Map, Value};
use std::path::PathBuf;

fn rows() -> Vec<Map<String, Value>> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/errors.jsonl");
    let text = std::fs::read_to_string(path).expect("errors.jsonl");
    text.lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("json"))
        .map(|v| v.as_object().expect("row").clone())
        .collect()
}

fn s<'v>(row: &'v Map<String, Value>, key: &str) -> &'v str {
    row[key].as_str().expect(key)
}

/// What an error gave: class, code, offset, text, and its other values.
struct Got {
    class: &'static str,
    code: String,
    offset: Value,
    message: String,
    attrs: Map<String, Value>,
}

impl Got {
    fn new(class: &'static str, code: &str, offset: Value, message: String) -> Got {
        Got {
            class,
            code: code.into(),
            offset,
            message,
            attrs: Map::new(),
        }
    }
    fn with(mut self, key: &str, value: Value) -> Got {
        self.attrs.insert(key.into(), value);
        self
    }
}

fn parse_error(e: &pipehat::ParseError, input: &[u8]) -> Got {
    let (line, column) = e.line_column(input);
    Got::new("ParseError", e.code(), json!(e.offset()), e.to_string())
        .with("segment", json!(e.segment()))
        .with("field", json!(e.field()))
        .with("line", json!(line))
        .with("column", json!(column))
}

fn edit_error(e: &pipehat::EditError) -> Got {
    Got::new("EditError", e.code(), json!(e.offset()), e.to_string())
        .with("segment", json!(e.segment()))
}

fn options(row: &Map<String, Value>) -> ParseOptions {
    let mut o = ParseOptions::default();
    let Some(given) = row.get("options").and_then(Value::as_object) else {
        return o;
    };
    let n = |k: &str| given.get(k).and_then(Value::as_u64).map(|n| n as usize);
    if let Some(strict) = given.get("strict").and_then(Value::as_bool) {
        o = o.strict(strict);
    }
    if let Some(n) = n("max_message_size") {
        o = o.max_message_size(n);
    }
    if let Some(n) = n("max_segments") {
        o = o.max_segments(n);
    }
    if let Some(n) = n("max_field_length") {
        o = o.max_field_length(n);
    }
    o
}

fn spec_text(row: &Map<String, Value>) -> String {
    match &row["spec"] {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// Does what the row says; the error it gave, or why there was none.
fn run(row: &Map<String, Value>) -> Result<Got, String> {
    let none = || Err::<Got, String>("no error".into());
    match s(row, "op") {
        "parse" => {
            let input = s(row, "input").as_bytes();
            match Message::parse_with(input, &options(row)) {
                Ok(_) => none(),
                Err(e) => Ok(parse_error(&e, input)),
            }
        }
        "get" => {
            let msg = Message::parse(s(row, "input").as_bytes()).map_err(|e| e.to_string())?;
            match msg.get(s(row, "path")) {
                Ok(_) => none(),
                Err(e) => Ok(Got::new(
                    "PathError",
                    e.code(),
                    json!(e.offset()),
                    e.to_string(),
                )),
            }
        }
        #[cfg(feature = "fhir")]
        "fhir" => {
            let msg = Message::parse(s(row, "input").as_bytes()).map_err(|e| e.to_string())?;
            let o = &row["options"];
            let opt = |k: &str| o.get(k).and_then(Value::as_str).map(String::from);
            let options = pipehat::fhir::Options {
                bundle_type: pipehat::fhir::BundleType::default(),
                namespace: opt("namespace"),
                timezone: opt("timezone"),
                overrides: None,
            };
            match pipehat::fhir::to_fhir(&msg, &options) {
                Ok(_) => none(),
                Err(e) => Ok(
                    Got::new("FhirError", e.kind.code(), Value::Null, e.to_string())
                        .with("option", json!(e.option)),
                ),
            }
        }
        #[cfg(feature = "deid")]
        "deid" => {
            let policy = match &row["policy"] {
                Value::Null => Ok(pipehat::deid::Policy::safe_harbor()),
                p => pipehat::deid::Policy::parse(&p.to_string()),
            };
            let made =
                policy.and_then(|p| pipehat::deid::Deidentifier::new(s(row, "key").as_bytes(), &p));
            match made {
                Ok(_) => none(),
                Err(e) => Ok(Got::new("DeidError", e.code(), Value::Null, e.to_string())
                    .with("pointer", json!(e.pointer))),
            }
        }
        "explain" => match pipehat::dictionary::explain(s(row, "path"), s(row, "version")) {
            Ok(_) => none(),
            Err(e) => Ok(Got::new(
                "DictionaryError",
                e.code(),
                Value::Null,
                e.to_string(),
            )),
        },
        "filter" => match pipehat::filter::Filter::parse(s(row, "expression")) {
            Ok(_) => none(),
            Err(e) => Ok(Got::new(
                "FilterError",
                e.code(),
                json!(e.offset()),
                e.to_string(),
            )),
        },
        "mapping" => match pipehat::mapping::Mapping::parse(&spec_text(row)) {
            Ok(_) => none(),
            Err(e) => Ok(
                Got::new("MappingError", e.code(), Value::Null, e.to_string())
                    .with("pointer", json!(e.pointer())),
            ),
        },
        "profile" => match pipehat::validate::Profile::parse(&spec_text(row)) {
            Ok(_) => none(),
            Err(e) => Ok(
                Got::new("ProfileError", e.code(), Value::Null, e.to_string())
                    .with("pointer", json!(e.pointer())),
            ),
        },
        "from_json" => match MessageBuf::from_lossless_json(s(row, "text")) {
            Ok(_) => none(),
            Err(e) => Ok(Got::new(
                "JsonError",
                e.code(),
                json!(e.offset()),
                e.to_string(),
            )),
        },
        "build" => {
            let h = row["header"].as_object().expect("header");
            let text = |k: &str| h.get(k).and_then(Value::as_str).map(String::from);
            let defaults = Header::default();
            let delimiters = match text("delimiters") {
                Some(d) => match Delimiters::from_text(&d) {
                    Ok(d) => d,
                    Err(e) => return Ok(parse_error(&e, &[])),
                },
                None => defaults.delimiters,
            };
            let header = Header {
                delimiters,
                message_type: text("message_type").unwrap_or_default(),
                control_id: text("control_id").unwrap_or_default(),
                ..defaults
            };
            match MessageBuf::new(&header) {
                Ok(_) => none(),
                Err(e) => Ok(edit_error(&e)),
            }
        }
        "edit" => {
            let mut buf =
                MessageBuf::parse(s(row, "input").as_bytes()).map_err(|e| e.to_string())?;
            let set = row["set"].as_array().expect("set");
            let (path, value) = (set[0].as_str().expect("path"), set[1].as_str().expect("v"));
            let result = if row.get("raw").and_then(Value::as_bool) == Some(true) {
                buf.set_raw(path, value)
            } else {
                buf.set(path, value)
            };
            match result {
                Ok(()) => none(),
                Err(e) => Ok(edit_error(&e)),
            }
        }
        "datatype" => {
            let msg = Message::parse(s(row, "input").as_bytes()).map_err(|e| e.to_string())?;
            let path = s(row, "path");
            let error = match s(row, "read") {
                "datetime" => msg.datetime(path).ok().flatten().and_then(Result::err),
                "number" => msg.number(path).ok().flatten().and_then(Result::err),
                _ => msg.sequence_id(path).ok().flatten().and_then(Result::err),
            };
            match error {
                None => none(),
                Some(e) => Ok(Got::new(
                    "DatatypeError",
                    e.code(),
                    json!(e.offset()),
                    e.to_string(),
                )),
            }
        }
        "mllp" => {
            let hex = s(row, "input_hex");
            let bytes: Vec<u8> = (0..hex.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
                .collect();
            let max = row["max_frame_size"].as_u64().expect("max") as usize;
            let mut decoder = pipehat::mllp::Decoder::with_max_frame_size(max);
            decoder.push(&bytes);
            match decoder.read_frames(&mut Vec::new()) {
                Ok(()) => none(),
                Err(e) => Ok(
                    Got::new("MllpError", e.code(), json!(e.offset()), e.to_string())
                        .with("length", json!(e.length())),
                ),
            }
        }
        "split" => {
            let max = row["max_chunk_size"].as_u64().expect("max") as usize;
            let mut splitter = pipehat::stream::Splitter::with_limit(max);
            splitter.push(s(row, "input").as_bytes());
            splitter.finish();
            while let Some(item) = splitter.next_chunk() {
                if let Err(e) = item {
                    return Ok(Got::new(
                        "StreamError",
                        e.code(),
                        json!(e.offset()),
                        e.to_string(),
                    ));
                }
            }
            none()
        }
        "transport_reject" => {
            let options = pipehat::ParseOptions::default();
            match pipehat::transport::reject(s(row, "input").as_bytes(), &options, "A", "T") {
                Ok(_) => none(),
                Err(e) => Ok(transport(&e)),
            }
        }
        "http_check" => {
            let r = &row["request"];
            let request = pipehat::transport::http::HttpRequest {
                method: r["method"].as_str().expect("method"),
                content_type: r["content_type"].as_str(),
                authorization: r["authorization"].as_str(),
                body_length: r["body_length"].as_u64().expect("length"),
            };
            match pipehat::transport::http::check(&request, &Default::default()) {
                Ok(_) => none(),
                Err(e) => Ok(transport(&e)),
            }
        }
        "transport_error" => {
            let kind = pipehat::transport::TransportErrorKind::from_code(s(row, "error_code"))
                .expect("a transport error code");
            Ok(transport(&pipehat::transport::TransportError::new(kind)))
        }
        other => Err(format!("unknown op {other}")),
    }
}

/// A transport error as every language reports it: its class by the core's group, its HTTP status.
fn transport(e: &pipehat::transport::TransportError) -> Got {
    let class = match e.kind().group() {
        "timeout" => "TransportTimeoutError",
        "connection" => "TransportConnectionError",
        _ => "TransportError",
    };
    let status = pipehat::transport::http::error_status(e.kind());
    Got::new(class, e.code(), Value::Null, e.to_string()).with("status", json!(status))
}

#[test]
fn every_error_row_gives_its_class_code_offset_and_text() {
    let rows = rows();
    assert!(rows.len() >= 25, "{} rows", rows.len());
    let mut failures = Vec::new();
    for row in &rows {
        let name = s(row, "name");
        let got = match run(row) {
            Ok(got) => got,
            Err(why) => {
                failures.push(format!("{name}: {why}"));
                continue;
            }
        };
        let want = (
            s(row, "class"),
            s(row, "code"),
            &row["offset"],
            s(row, "message"),
        );
        if (
            got.class,
            got.code.as_str(),
            &got.offset,
            got.message.as_str(),
        ) != want
        {
            failures.push(format!(
                "{name}: got {} {} {} {:?}",
                got.class, got.code, got.offset, got.message
            ));
        }
        for (key, value) in row
            .get("attrs")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            if got.attrs.get(key) != Some(value) {
                failures.push(format!("{name}: {key} is {:?}", got.attrs.get(key)));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The texts never hold the input's values (a spec's keys, in a JSON
/// pointer, are not values).
#[test]
fn no_error_text_quotes_its_input() {
    for row in rows() {
        let message = s(&row, "message");
        for word in [
            "DOE", "JOHN", "HOSP", "shout", "ADT", "19801301", "12a4", "bad",
        ] {
            assert!(!message.contains(word), "{}: {message}", s(&row, "name"));
        }
    }
}

/// Every code of every kind of error and finding is in the documentation.
#[test]
fn every_code_is_documented() {
    use pipehat::datatype::DatatypeErrorKind;
    use pipehat::filter::FilterErrorKind;
    use pipehat::validate::IssueKind;
    use pipehat::{ErrorKind, PathErrorKind, SpecErrorKind};
    let docs = |page: &str| {
        std::fs::read_to_string(
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("../docs/{page}")),
        )
        .expect("docs page")
    };
    let (errors, validation) = (docs("errors.md"), docs("dictionary-and-validation.md"));
    let mut codes: Vec<&str> = Vec::new();
    // `strict` is no code of its own: strict mode gives the diagnostic's.
    codes.extend(
        ErrorKind::ALL
            .iter()
            .filter(|k| **k != ErrorKind::Strict)
            .map(|k| k.code()),
    );
    codes.extend(PathErrorKind::ALL.iter().map(|k| k.code()));
    codes.extend(FilterErrorKind::ALL.iter().map(|k| k.code()));
    codes.extend(DatatypeErrorKind::ALL.iter().map(|k| k.code()));
    codes.extend(SpecErrorKind::ALL.iter().map(|k| k.code()));
    codes.extend(
        pipehat::transport::TransportErrorKind::ALL
            .iter()
            .map(|k| k.code()),
    );
    #[cfg(feature = "fhir")]
    codes.extend(pipehat::fhir::FhirErrorKind::ALL.iter().map(|k| k.code()));
    #[cfg(feature = "deid")]
    codes.extend(pipehat::deid::DeidErrorKind::ALL.iter().map(|k| k.code()));
    let missing: Vec<&str> = codes
        .into_iter()
        .filter(|c| !errors.contains(&format!("`{c}`")))
        .collect();
    assert!(missing.is_empty(), "not in docs/errors.md: {missing:?}");
    let missing: Vec<&str> = IssueKind::ALL
        .iter()
        .map(|k| k.code())
        .filter(|c| !validation.contains(&format!("`{c}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "not in docs/dictionary-and-validation.md: {missing:?}"
    );
}
