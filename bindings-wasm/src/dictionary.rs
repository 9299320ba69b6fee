//! The dictionary and validation: `explain`, `fieldName`, `NativeProfile`,
//! `validate` (the full module).

use crate::errors::path_error;
use crate::message::NativeMessage;
use crate::options::set;
use crate::route::spec_error;
use js_sys::{Array, Object};
use wasm_bindgen::prelude::*;

/// The definition at `path` in `version`: {name, datatype, optionality,
/// repeatable, maxRepetitions, length, table, components}, or undefined.
#[wasm_bindgen]
pub fn explain(path: &str, version: Option<String>) -> Result<JsValue, JsValue> {
    let version = version.as_deref().unwrap_or(pipehat::DEFAULT_VERSION);
    let e = pipehat::dictionary::explain(path, version).map_err(|e| match e {
        pipehat::dictionary::ExplainError::Path(p) => path_error(&p),
        other => {
            let o = Object::new();
            set(&o, "kind", "dictionary");
            set(&o, "message", other.to_string());
            set(&o, "code", other.code());
            o.into()
        }
    })?;
    let Some(e) = e else {
        return Ok(JsValue::UNDEFINED);
    };
    let o = Object::new();
    set(&o, "name", e.name);
    set(&o, "datatype", e.datatype);
    set(&o, "optionality", e.optionality);
    set(&o, "repeatable", e.repeatable);
    set(
        &o,
        "maxRepetitions",
        e.max_repetitions.map_or(JsValue::NULL, JsValue::from),
    );
    set(&o, "length", e.length.map_or(JsValue::NULL, JsValue::from));
    set(&o, "table", e.table.map_or(JsValue::NULL, JsValue::from));
    let comps: Array = e
        .components
        .iter()
        .map(|(n, d)| {
            let c = Object::new();
            set(&c, "name", *n);
            set(&c, "datatype", *d);
            JsValue::from(c)
        })
        .collect();
    set(&o, "components", comps);
    Ok(o.into())
}

/// The name of a segment's field in a version, or undefined.
#[wasm_bindgen(js_name = fieldName)]
pub fn field_name(segment: &str, field: usize, version: Option<String>) -> Option<String> {
    let version = version.as_deref().unwrap_or(pipehat::DEFAULT_VERSION);
    pipehat::dictionary::field_name(segment, field, version).map(String::from)
}

/// A compiled conformance profile.
#[wasm_bindgen]
#[derive(Debug)]
pub struct NativeProfile {
    pub(crate) inner: pipehat::validate::Profile,
}

#[wasm_bindgen]
impl NativeProfile {
    #[wasm_bindgen(constructor)]
    pub fn new(spec: &str) -> Result<NativeProfile, JsValue> {
        pipehat::validate::Profile::parse(spec)
            .map(|inner| NativeProfile { inner })
            .map_err(|e| spec_error("profile", &e))
    }
}

/// Validates a message: {version, structure, valid, issues: [{code, severity,
/// path, segment, offset, message, hl7Code}]}.
#[wasm_bindgen]
pub fn validate(message: &NativeMessage, version: Option<String>) -> String {
    report_json(message, version.as_deref(), None)
}

/// `validate` on the message at `handle` (parsed by `parseHandle`): the
/// facade's path for a `Message`, which makes no object in this module.
#[wasm_bindgen(js_name = validateHandle)]
pub fn validate_handle(handle: u32, version: Option<String>) -> String {
    crate::handles::with_handle(handle, String::new(), |m| {
        report_json(m, version.as_deref(), None)
    })
}

/// `validateWithProfile` on the message at `handle`.
#[wasm_bindgen(js_name = validateHandleWithProfile)]
pub fn validate_handle_with_profile(
    handle: u32,
    version: Option<String>,
    profile: &NativeProfile,
) -> String {
    crate::handles::with_handle(handle, String::new(), |m| {
        report_json(m, version.as_deref(), Some(&profile.inner))
    })
}

/// `validate` with a profile (kept by the caller for reuse).
#[wasm_bindgen(js_name = validateWithProfile)]
pub fn validate_with_profile(
    message: &NativeMessage,
    version: Option<String>,
    profile: &NativeProfile,
) -> String {
    report_json(message, version.as_deref(), Some(&profile.inner))
}

pub(crate) fn report_json(
    message: &NativeMessage,
    version: Option<&str>,
    profile: Option<&pipehat::validate::Profile>,
) -> String {
    let options = pipehat::validate::Options { version, profile };
    // JSON text for JSON.parse: one crossing instead of seven per issue.
    pipehat::validate::validate(&message.indexed().message(), &options).to_json()
}
