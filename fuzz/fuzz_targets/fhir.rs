//! Any bytes that parse as a message, converted to FHIR with each Bundle
//! type: never a panic, and the Bundle and the report are always JSON whose
//! references resolve inside the Bundle.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pipehat::fhir::{to_fhir, BundleType, Options};
use pipehat::Message;

fn references(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                match (k.as_str(), x) {
                    ("reference", serde_json::Value::String(s)) => out.push(s.clone()),
                    _ => references(x, out),
                }
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| references(x, out)),
        _ => {}
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(msg) = Message::parse(data) else {
        return;
    };
    for bundle_type in BundleType::ALL {
        let options = Options {
            bundle_type: *bundle_type,
            timezone: (data.len() % 2 == 0).then(|| "Z".to_string()),
            ..Default::default()
        };
        let Ok(out) = to_fhir(&msg, &options) else {
            return;
        };
        let bundle: serde_json::Value =
            serde_json::from_str(&out.bundle).expect("the Bundle is JSON");
        let _: serde_json::Value =
            serde_json::from_str(&out.report.to_json()).expect("the report is JSON");
        let urls: Vec<&str> = bundle["entry"]
            .as_array()
            .expect("entries")
            .iter()
            .map(|e| e["fullUrl"].as_str().expect("fullUrl"))
            .collect();
        let mut refs = Vec::new();
        references(&bundle, &mut refs);
        for r in refs {
            assert!(urls.contains(&r.as_str()), "a reference resolves");
        }
    }
});
