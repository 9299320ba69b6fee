//! Validation driven by fuzz input: any message validates against any
//! version name and any profile text without a panic; an issue's path is a
//! segment name (or ???) and numbers, never message content; a fresh `Validator`
//! (nothing looked up yet) reports what `validate` (lookups kept per thread)
//! reports; the report's JSON is JSON; explain takes any path and version;
//! the named JSON form is always JSON.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pipehat::validate::{validate, Options, Profile, Validator};
use pipehat::Message;

fuzz_target!(|data: &[u8]| {
    // Up to the first NUL: a profile (or a path and version); after it: the message.
    let split = data.iter().position(|&b| b == 0).unwrap_or(data.len());
    let (head, tail) = (&data[..split], data.get(split + 1..).unwrap_or(&[]));
    let text = String::from_utf8_lossy(head);
    let profile = Profile::parse(&text).ok();
    // The same text read as YAML: an error or a profile, never a panic.
    let _ = Profile::parse_yaml(&text);
    for word in text.split_whitespace().take(4) {
        for version in ["2.1", "2.5.1", "2.7.1", "2.8.2", word] {
            let _ = pipehat::dictionary::explain(word, version);
        }
    }
    if let Ok(msg) = Message::parse(tail) {
        for version in [None, Some("2.3"), Some("2.8.2"), Some(text.as_ref())] {
            let report = validate(
                &msg,
                &Options {
                    version,
                    profile: profile.as_ref(),
                },
            );
            for issue in &report.issues {
                assert!(
                    issue.offset <= tail.len(),
                    "an issue offset is outside the message"
                );
                // A path names a segment (three uppercase letters or digits, or
                // ??? for a name that is not one) and numbers: never other text.
                let name = issue.path.get(..3).unwrap_or("");
                let named = name == "???"
                    || (name.len() == 3
                        && name.as_bytes()[0].is_ascii_uppercase()
                        && name
                            .bytes()
                            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()));
                let rest = issue.path.get(3..).unwrap_or("");
                assert!(
                    named
                        && rest
                            .bytes()
                            .all(|b| b.is_ascii_digit() || b"[]-().".contains(&b)),
                    "an issue path holds more than a segment name and numbers"
                );
            }
            let _ = report.ack_errors();
            let mut fresh = Validator::new();
            if let Some(v) = version {
                fresh = fresh.with_version(v);
            }
            if let Some(p) = profile.clone() {
                fresh = fresh.with_profile(p);
            }
            assert_eq!(
                fresh.validate(&msg).issues,
                report.issues,
                "a fresh validator disagrees"
            );
            let json = report.to_json();
            assert!(
                serde_json::from_str::<serde_json::Value>(&json).is_ok(),
                "the report is not JSON"
            );
        }
        let named = msg.to_named_json(None);
        assert!(
            serde_json::from_str::<serde_json::Value>(&named).is_ok(),
            "the named form is not JSON"
        );
    }
});
