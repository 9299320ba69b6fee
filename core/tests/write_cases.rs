//! Runs tests/write_cases.jsonl (shared with the JavaScript and Python
//! suites) against the core, and acknowledges every corpus message.

use pipehat::ack::{
    ack_bytes, AckCode, AckError, AckOptions, ErrLocation, ErrSeverity, IncludeDiagnostics,
};
use pipehat::edit::Header;
use pipehat::mllp::Decoder;
use pipehat::{Delimiters, EditError, Message, MessageBuf, ParseOptions, SegmentTerminator};
use serde_json::{Map, Value};
use std::path::PathBuf;

fn tests_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests")
}

fn cases() -> Vec<Map<String, Value>> {
    let text =
        std::fs::read_to_string(tests_dir().join("write_cases.jsonl")).expect("write_cases.jsonl");
    text.lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("json"))
        .map(|v| v.as_object().expect("object").clone())
        .collect()
}

fn s(v: &Value) -> &str {
    v.as_str().expect("string")
}

fn apply(buf: &mut MessageBuf, op: &[Value]) -> Option<Result<(), EditError>> {
    let at = |v: &Value| v.as_u64().expect("index") as usize;
    Some(match s(&op[0]) {
        "set" => buf.set(s(&op[1]), s(&op[2])),
        "set_raw" => buf.set_raw(s(&op[1]), s(&op[2])),
        "insert" => buf.insert(s(&op[1]), s(&op[2])),
        "insert_raw" => buf.insert_raw(s(&op[1]), s(&op[2])),
        "remove" => buf.remove(s(&op[1])),
        "append_repetition" => buf.append_repetition(s(&op[1]), s(&op[2])),
        "insert_segment" => buf.insert_segment(at(&op[1]), s(&op[2])),
        "append_segment" => buf.append_segment(s(&op[1])),
        "remove_segment" => buf.remove_segment(at(&op[1])),
        _ => return None,
    })
}

fn run_ops(case: &Map<String, Value>, mut buf: MessageBuf) -> Result<(), String> {
    let expected_error = case.get("error");
    for (i, op) in case["ops"].as_array().expect("ops").iter().enumerate() {
        let before = buf.as_bytes().to_vec();
        let result =
            apply(&mut buf, op.as_array().expect("op")).ok_or(format!("unknown op {op}"))?;
        match result {
            Ok(()) => {}
            Err(e) => {
                let want = expected_error.ok_or(format!("op {i} failed: {e}"))?;
                if want["op"].as_u64() != Some(i as u64) || want["code"].as_str() != Some(e.code())
                {
                    return Err(format!("op {i}: got {} want {want}", e.code()));
                }
                if let Some(off) = want.get("offset") {
                    if off.as_u64() != Some(e.offset() as u64) {
                        return Err(format!("offset {} want {off}", e.offset()));
                    }
                }
                if buf.as_bytes() != &before[..] {
                    return Err("a failed edit changed the message".into());
                }
            }
        }
    }
    check_result(case, &buf)
}

fn check_result(case: &Map<String, Value>, buf: &MessageBuf) -> Result<(), String> {
    if let Some(expect) = case.get("expect") {
        if buf.as_bytes() != s(expect).as_bytes() {
            return Err(format!("text {:?}\n want {:?}", buf.to_string(), s(expect)));
        }
    }
    for (path, want) in case
        .get("get")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let msg = buf.message();
        let got = msg.get(path.as_str()).map_err(|e| e.to_string())?;
        if got.as_deref() != want.as_str() {
            return Err(format!("{path}: {got:?} want {want}"));
        }
    }
    Ok(())
}

fn run_build(case: &Map<String, Value>) -> Result<(), String> {
    let h = case["header"].as_object().expect("header");
    let given = |k: &str| h.get(k).and_then(Value::as_str).map(String::from);
    let text = |k: &str| given(k).unwrap_or_default();
    // What a binding does: the core's defaults for what is not given.
    let defaults = Header::default();
    let error_is = |code: &str| match case.get("error") {
        Some(want) if want["code"].as_str() == Some(code) => Ok(()),
        _ => Err(format!("build failed: {code}")),
    };
    let delimiters = match given("delimiters") {
        Some(d) => match Delimiters::from_text(&d) {
            Ok(d) => d,
            Err(e) => return error_is(e.code()),
        },
        None => defaults.delimiters,
    };
    let header = Header {
        delimiters,
        terminator: given("segment_terminator")
            .map(|t| SegmentTerminator::from_name(&t).expect("terminator"))
            .unwrap_or(defaults.terminator),
        sending_application: text("sending_application"),
        sending_facility: text("sending_facility"),
        receiving_application: text("receiving_application"),
        receiving_facility: text("receiving_facility"),
        timestamp: text("timestamp"),
        message_type: text("message_type"),
        control_id: text("control_id"),
        processing_id: given("processing_id").unwrap_or(defaults.processing_id),
        version: given("version").unwrap_or(defaults.version),
        charset: given("charset"),
    };
    match MessageBuf::new(&header) {
        Ok(buf) if case.get("error").is_none() => run_ops(case, buf),
        Ok(_) => Err("built a message where an error was expected".into()),
        Err(e) => error_is(e.code()),
    }
}

fn ack_options(a: &Map<String, Value>) -> AckOptions {
    let mut o = AckOptions::new(s(&a["control_id"]), s(&a["timestamp"]));
    o.code = a.get("code").map(|c| AckCode::parse(s(c)).expect("code"));
    o.text = a.get("text").map(|t| s(t).to_string());
    o.diagnostics = a
        .get("diagnostics")
        .map(|d| IncludeDiagnostics::from_name(s(d)).expect("diagnostics"))
        .unwrap_or_default();
    for e in a
        .get("errors")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let mut err = AckError::new(e["code"].as_u64().expect("code") as u16);
        if let Some(sev) = e.get("severity") {
            err.severity = ErrSeverity::parse(s(sev)).expect("severity");
        }
        if let Some(p) = e.get("path") {
            err.location = Some(ErrLocation::from_path(&s(p).parse().expect("path")));
        }
        err.text = e.get("text").map(|t| s(t).to_string());
        o.errors.push(err);
    }
    o
}

fn run_ack(case: &Map<String, Value>) -> Result<(), String> {
    let input = s(&case["input"]).as_bytes();
    let mut parse = ParseOptions::default();
    if let Some(p) = case.get("parse_options").and_then(Value::as_object) {
        if let Some(n) = p.get("max_field_length").and_then(Value::as_u64) {
            parse = parse.max_field_length(n as usize);
        }
        if p.get("strict").and_then(Value::as_bool) == Some(true) {
            parse = parse.strict(true);
        }
    }
    let o = ack_options(case["ack"].as_object().expect("ack"));
    match ack_bytes(input, &parse, &o) {
        Ok(buf) => {
            if case.contains_key("error") {
                return Err("expected an error".into());
            }
            check_result(case, &buf)
        }
        Err(e) => match case.get("error") {
            Some(want) if want["code"].as_str() == Some(e.code()) => Ok(()),
            _ => Err(format!("ack failed: {e}")),
        },
    }
}

fn run_mllp(case: &Map<String, Value>) -> Result<(), String> {
    let hex = s(&case["input_hex"]);
    let wire: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
        .collect();
    let max = case["max_frame_size"].as_u64().expect("max") as usize;
    let frames: Vec<&str> = case["frames"]
        .as_array()
        .expect("frames")
        .iter()
        .map(s)
        .collect();
    let issues: Vec<(String, u64, u64)> =
        serde_json::from_value(case["issues"].clone()).expect("issues");
    let errors: Vec<(String, u64)> =
        serde_json::from_value(case["errors"].clone()).expect("errors");
    for chunk in 1..=wire.len().max(1) {
        let mut d = Decoder::with_max_frame_size(max);
        let mut got = Vec::new();
        let mut errs = Vec::new();
        for c in wire.chunks(chunk) {
            d.push(c);
            loop {
                match d.read_frames(&mut got) {
                    Ok(()) => break,
                    Err(e) => errs.push((e.code().to_string(), e.offset())),
                }
            }
        }
        loop {
            match d.read_frames(&mut got) {
                Ok(()) => break,
                Err(e) => errs.push((e.code().to_string(), e.offset())),
            }
        }
        d.finish();
        let got_text: Vec<String> = got
            .iter()
            .map(|f| String::from_utf8_lossy(f).into_owned())
            .collect();
        let got_issues: Vec<(String, u64, u64)> = d
            .issues()
            .iter()
            .map(|i| (i.code().to_string(), i.offset(), i.length()))
            .collect();
        if got_text != frames || got_issues != issues || errs != errors {
            return Err(format!(
                "chunk {chunk}: {got_text:?} {got_issues:?} {errs:?}"
            ));
        }
    }
    Ok(())
}

fn typed_json(c: &pipehat::datatype::Composite<'_>) -> Value {
    let mut m = Map::new();
    for (name, part) in &c.parts {
        let v = match part {
            pipehat::datatype::TypedPart::Text(t) => t.as_deref().map_or(Value::Null, Value::from),
            pipehat::datatype::TypedPart::Composite(n) => typed_json(n),
        };
        m.insert((*name).to_string(), v);
    }
    Value::Object(m)
}

fn run_datatype(case: &Map<String, Value>) -> Result<(), String> {
    use pipehat::datatype::{Datatype, Dtm};
    let input = s(&case["input"]).as_bytes();
    let msg = Message::parse(input).map_err(|e| e.to_string())?;
    let mut errors = Vec::new();
    for (path, want) in case["datetime"].as_object().expect("datetime") {
        let got = match msg.datetime(path.as_str()).map_err(|e| e.to_string())? {
            None => Value::Null,
            Some(Ok(Dtm::Null)) => {
                serde_json::json!({"precision": null, "iso": null, "offset_minutes": null, "is_null": true})
            }
            Some(Ok(Dtm::Value(t))) => serde_json::json!({
                "precision": t.precision().as_str(), "iso": t.to_iso8601(),
                "offset_minutes": t.offset_minutes(), "is_null": false}),
            Some(Err(e)) => serde_json::json!({"error": e.code(), "offset": e.offset()}),
        };
        if &got != want {
            errors.push(format!("datetime {path}: {got} want {want}"));
        }
    }
    let num = |r: Option<Result<f64, pipehat::datatype::DatatypeError>>| match r {
        None => Value::Null,
        Some(Ok(n)) => Value::from(n),
        Some(Err(e)) => serde_json::json!({"error": e.code()}),
    };
    for (path, want) in case["number"].as_object().expect("number") {
        let got = num(msg.number(path.as_str()).map_err(|e| e.to_string())?);
        let same = match (got.as_f64(), want.as_f64()) {
            (Some(a), Some(b)) => a == b,
            _ => &got == want,
        };
        if !same {
            errors.push(format!("number {path}: {got} want {want}"));
        }
    }
    for (path, want) in case["sequence_id"].as_object().expect("sequence_id") {
        let got = num(msg
            .sequence_id(path.as_str())
            .map_err(|e| e.to_string())?
            .map(|r| r.map(f64::from)));
        if got.as_f64() != want.as_f64() || (got.is_object() && &got != want) {
            errors.push(format!("sequence_id {path}: {got} want {want}"));
        }
    }
    for item in case["typed"].as_array().expect("typed") {
        let (path, dt, want) = (
            s(&item[0]),
            Datatype::parse(s(&item[1])).expect("datatype"),
            &item[2],
        );
        let got = msg
            .typed(path, dt)
            .map_err(|e| e.to_string())?
            .map_or(Value::Null, |c| typed_json(&c));
        if &got != want {
            errors.push(format!("typed {path}: {got} want {want}"));
        }
    }
    for item in case["typed_all"].as_array().expect("typed_all") {
        let (path, dt, want) = (
            s(&item[0]),
            Datatype::parse(s(&item[1])).expect("datatype"),
            &item[2],
        );
        let got = Value::Array(
            msg.typed_all(path, dt)
                .map_err(|e| e.to_string())?
                .iter()
                .map(typed_json)
                .collect(),
        );
        if &got != want {
            errors.push(format!("typed_all {path}: {got} want {want}"));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("\n"))
    }
}

#[test]
fn write_cases() {
    let mut failures = Vec::new();
    let all = cases();
    for case in &all {
        let result = match s(&case["kind"]) {
            "edit" => MessageBuf::parse(s(&case["input"]).as_bytes().to_vec())
                .map_err(|e| e.to_string())
                .and_then(|buf| run_ops(case, buf)),
            "build" => run_build(case),
            "ack" => run_ack(case),
            "mllp" => run_mllp(case),
            "datatype" => run_datatype(case),
            other => Err(format!("unknown kind {other}")),
        };
        if let Err(e) = result {
            failures.push(format!("{}: {e}", s(&case["name"])));
        }
    }
    assert!(all.len() >= 38);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every corpus message that parses can be acknowledged: the ACK parses,
/// swaps sender and receiver, and answers the original control id.
#[test]
fn every_corpus_message_can_be_acknowledged() {
    let dir = tests_dir().join("corpus/messages");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("dir")
        .map(|e| e.expect("e").path())
        .collect();
    files.sort();
    let mut acked = 0;
    for file in files {
        let bytes = std::fs::read(&file).expect("read");
        let Ok(msg) = Message::parse(&bytes) else {
            continue;
        };
        if msg.segment("MSH").is_none() {
            continue;
        }
        let name = file.display();
        let ack = match msg.ack(&AckOptions::new("ACK1", "20240101")) {
            Ok(a) => a,
            // A declared single-byte charset that cannot hold a segment name of the source: none in the corpus.
            Err(e) => panic!("{name}: {e}"),
        };
        let a = Message::parse(ack.as_bytes()).unwrap_or_else(|e| panic!("{name}: {e}"));
        let raw = |m: &Message<'_>, p: &str| m.get_raw(p).expect("path").map(|c| c.into_owned());
        assert_eq!(raw(&a, "MSA-2"), raw(&msg, "MSH-10"), "{name}");
        assert_eq!(raw(&a, "MSH-3"), raw(&msg, "MSH-5"), "{name}");
        assert_eq!(raw(&a, "MSH-6"), raw(&msg, "MSH-4"), "{name}");
        assert_eq!(raw(&a, "MSH-12"), raw(&msg, "MSH-12"), "{name}");
        assert_eq!(a.delimiters(), msg.delimiters(), "{name}");
        assert_eq!(a.message_type().as_deref(), Some("ACK"), "{name}");
        let code = a.get("MSA-1").expect("path").expect("code").into_owned();
        assert!(
            ["AA", "AE", "CA", "CE"].contains(&code.as_str()),
            "{name}: {code}"
        );
        acked += 1;
    }
    assert!(acked > 150, "{acked}");
}
