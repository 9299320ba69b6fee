//! Runs tests/transport_cases.jsonl (shared with the JavaScript and Python
//! suites): MLLP framing however the bytes are cut, reading replies and
//! matching them to what was sent, message keys, the acknowledgements a
//! server sends, HL7 over HTTP's checks and statuses, loopback addresses.

use pipehat::ack::AckCode;
use pipehat::mllp::Decoder;
use pipehat::transport::http::{self, HttpOptions, HttpRequest};
use pipehat::transport::{
    accept, is_loopback, reject, MessageKey, Outcome, Reply, TransportErrorKind,
};
use pipehat::{Message, ParseOptions};
use serde_json::{Map, Value};

fn cases(op: &str) -> Vec<Map<String, Value>> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/transport_cases.jsonl"
    );
    let text = std::fs::read_to_string(path).expect("cases");
    let some: Vec<Map<String, Value>> = text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("json"))
        .filter_map(|v| v.as_object().cloned())
        .filter(|c| c["op"] == op)
        .collect();
    assert!(!some.is_empty(), "no {op} cases");
    some
}

fn s<'v>(c: &'v Map<String, Value>, key: &str) -> &'v str {
    c[key].as_str().expect(key)
}

fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex"))
        .collect()
}

/// The chunk sizes of tests/transport_cases.py's pieces().
fn pieces(mut n: usize) -> Vec<usize> {
    let (mut sizes, mut x) = (Vec::new(), 7u64);
    while n > 0 {
        x = (x * 1103515245 + 12345) % (1 << 31);
        let size = n.min(1 + (x % 17) as usize);
        sizes.push(size);
        n -= size;
    }
    sizes
}

#[test]
fn framing_is_the_same_however_the_stream_is_cut() {
    for c in cases("framing") {
        let stream = hex(s(&c, "input_hex"));
        let want: Vec<Vec<u8>> = c["frames_hex"]
            .as_array()
            .expect("frames")
            .iter()
            .map(|f| hex(f.as_str().expect("hex")))
            .collect();
        let want_issues: Vec<(String, u64)> = c["issues"]
            .as_array()
            .expect("issues")
            .iter()
            .map(|i| {
                (
                    i[0].as_str().expect("code").into(),
                    i[1].as_u64().expect("offset"),
                )
            })
            .collect();
        let cuts: [Vec<usize>; 3] = [
            vec![stream.len()],
            vec![1; stream.len()],
            pieces(stream.len()),
        ];
        for sizes in cuts {
            let mut decoder = Decoder::new();
            let mut frames = Vec::new();
            let mut at = 0;
            for size in sizes.iter() {
                decoder.push(&stream[at..at + size]);
                at += size;
                decoder
                    .read_frames(&mut frames)
                    .expect("no frame too large");
            }
            decoder.finish();
            let issues: Vec<(String, u64)> = decoder
                .issues()
                .iter()
                .map(|i| (i.code().into(), i.offset()))
                .collect();
            assert_eq!(frames, want, "{} in {} pieces", s(&c, "name"), sizes.len());
            assert_eq!(issues, want_issues, "{}", s(&c, "name"));
        }
    }
}

#[test]
fn replies_read_and_match() {
    for c in cases("reply") {
        let name = s(&c, "name");
        let frame = s(&c, "frame").as_bytes();
        let expect = &c["expect"];
        match Reply::read(frame) {
            Err(e) => assert_eq!(e.code(), expect["error"], "{name}"),
            Ok(reply) => {
                let kind = match reply {
                    Reply::Commit => "commit",
                    Reply::NegativeCommit => "negative_commit",
                    Reply::Ack(ack) => {
                        assert_eq!(ack.code.as_str(), expect["code"], "{name}");
                        assert_eq!(
                            ack.answers,
                            expect["answers"].as_str().expect("id").as_bytes()
                        );
                        assert_eq!(
                            ack.control_id,
                            expect["control_id"].as_str().expect("id").as_bytes()
                        );
                        "ack"
                    }
                };
                assert_eq!(kind, expect["kind"], "{name}");
                for pair in c["answers"].as_array().expect("answers") {
                    let id = pair[0].as_str().expect("id");
                    assert_eq!(
                        reply.answers(id.as_bytes()),
                        pair[1],
                        "{name}: answers {id:?}"
                    );
                }
            }
        }
    }
}

#[test]
fn message_keys() {
    for c in cases("key") {
        let key = MessageKey::read(s(&c, "message").as_bytes()).map(|k| {
            [k.sending_application, k.sending_facility, k.control_id]
                .map(|b| String::from_utf8_lossy(b).into_owned())
        });
        let want = c["expect"]
            .as_array()
            .map(|a| [0, 1, 2].map(|i| a[i].as_str().expect("field").to_owned()));
        assert_eq!(key, want, "{}", s(&c, "name"));
    }
}

fn status_of(ack: &[u8]) -> u16 {
    match Reply::read(ack) {
        Ok(reply) => http::status_for(reply.code().unwrap_or(AckCode::AA)),
        Err(_) => 0,
    }
}

#[test]
fn server_acknowledgements() {
    for c in cases("accept") {
        let outcome = match s(&c, "outcome") {
            "accepted" => Outcome::Accepted,
            code => Outcome::Failed(TransportErrorKind::from_code(code).expect("kind")),
        };
        let msg = Message::parse(s(&c, "message").as_bytes()).expect("parses");
        let ack = accept(&msg, outcome, "ACK1", "20240115103000").expect("ack");
        assert_eq!(
            String::from_utf8_lossy(ack.as_bytes()),
            s(&c, "ack"),
            "{}",
            s(&c, "name")
        );
        assert_eq!(
            u64::from(status_of(ack.as_bytes())),
            c["status"],
            "{}",
            s(&c, "name")
        );
    }
    for c in cases("reject") {
        let strict = c["options"]["strict"].as_bool().unwrap_or(false);
        let options = ParseOptions::default().strict(strict);
        let got = reject(
            s(&c, "frame").as_bytes(),
            &options,
            "ACK1",
            "20240115103000",
        );
        match got {
            Ok(ack) => {
                assert_eq!(
                    String::from_utf8_lossy(ack.as_bytes()),
                    s(&c, "ack"),
                    "{}",
                    s(&c, "name")
                );
                assert_eq!(u64::from(status_of(ack.as_bytes())), c["status"]);
            }
            Err(e) => assert_eq!(e.code(), c["error"], "{}", s(&c, "name")),
        }
    }
}

#[test]
fn http_requests() {
    for c in cases("http") {
        let r = &c["request"];
        let request = HttpRequest {
            method: r["method"].as_str().expect("method"),
            content_type: r["content_type"].as_str(),
            authorization: r["authorization"].as_str(),
            body_length: r["body_length"].as_u64().expect("length"),
        };
        let o = &c["options"];
        let mut options = HttpOptions::default();
        if let Some(max) = o.get("max_body_size").and_then(Value::as_u64) {
            options.max_body_size = max;
        }
        if let Some(cred) = o.get("credentials").and_then(Value::as_array) {
            let part = |i: usize| cred[i].as_str().expect("credential").to_owned();
            options.credentials = Some((part(0), part(1)));
        }
        let expect = &c["expect"];
        match http::check(&request, &options) {
            Ok(accepted) => {
                assert_eq!(
                    accepted.media_type,
                    expect["media_type"],
                    "{}",
                    s(&c, "name")
                );
                assert_eq!(
                    accepted.charset,
                    expect["charset"].as_str(),
                    "{}",
                    s(&c, "name")
                );
            }
            Err(e) => {
                assert_eq!(e.code(), expect["error"], "{}", s(&c, "name"));
                assert_eq!(u64::from(http::error_status(e.kind())), expect["status"]);
            }
        }
    }
}

#[test]
fn loopback_addresses() {
    for c in cases("loopback") {
        assert_eq!(is_loopback(s(&c, "host")), c["expect"], "{:?}", c["host"]);
    }
}

#[test]
fn whether_a_sender_waits_for_an_ack() {
    for c in cases("expects_ack") {
        let got = pipehat::transport::expects_ack(s(&c, "message").as_bytes());
        assert_eq!(got, c["expect"], "{}", s(&c, "name"));
    }
}

#[test]
fn server_replies_follow_msh_15_and_16() {
    for c in cases("server_reply") {
        let outcome = match s(&c, "outcome") {
            "accepted" => Outcome::Accepted,
            code => Outcome::Failed(TransportErrorKind::from_code(code).expect("kind")),
        };
        let msg = Message::parse(s(&c, "message").as_bytes()).expect("parses");
        let sent =
            pipehat::transport::reply(&msg, outcome, "ACK1", "20240115103000").expect("reply");
        let code = sent.map(|ack| match Reply::read(ack.as_bytes()) {
            Ok(Reply::Ack(a)) => a.code.as_str(),
            _ => "none",
        });
        assert_eq!(code, c["code"].as_str(), "{}", s(&c, "name"));
    }
}
