//! The dictionary and validation: `explain`, `fieldName`, `NativeProfile`,
//! `validate` (the full module).

use crate::errors::path_error;
use crate::message::NativeMessage;
use crate::options::set;
use crate::route::spec_error;
use js_sys::{Array, Object};
use std::cell::RefCell;
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

/// Validates a message; returns the address of the report laid out in
/// memory (see [`pack_report`]), which the facade reads into
/// {version, structure, valid, issues: [{code, severity, path, segment,
/// offset, message, hl7Code}]}.
#[wasm_bindgen]
pub fn validate(message: &NativeMessage, version: Option<String>) -> usize {
    report_packed(message, version.as_deref(), None)
}

/// `validate` on the message at `handle` (parsed by `parseHandle`): the
/// facade's path for a `Message`, which makes no object in this module.
#[wasm_bindgen(js_name = validateHandle)]
pub fn validate_handle(handle: u32, version: Option<String>) -> usize {
    crate::handles::with_handle(handle, 0, |m| report_packed(m, version.as_deref(), None))
}

/// `validateWithProfile` on the message at `handle`.
#[wasm_bindgen(js_name = validateHandleWithProfile)]
pub fn validate_handle_with_profile(
    handle: u32,
    version: Option<String>,
    profile: &NativeProfile,
) -> usize {
    crate::handles::with_handle(handle, 0, |m| {
        report_packed(m, version.as_deref(), Some(&profile.inner))
    })
}

/// `validate` with a profile (kept by the caller for reuse).
#[wasm_bindgen(js_name = validateWithProfile)]
pub fn validate_with_profile(
    message: &NativeMessage,
    version: Option<String>,
    profile: &NativeProfile,
) -> usize {
    report_packed(message, version.as_deref(), Some(&profile.inner))
}

fn report_packed(
    message: &NativeMessage,
    version: Option<&str>,
    profile: Option<&pipehat::validate::Profile>,
) -> usize {
    let options = pipehat::validate::Options { version, profile };
    pack_report(&pipehat::validate::validate(
        &message.indexed().message(),
        &options,
    ))
}

thread_local! {
    /// The last report `pack_report` laid out: its words and its text.
    static REPORT: RefCell<(Vec<u32>, String)> = const { RefCell::new((Vec::new(), String::new())) };
}

/// Lays `report` out in memory for the facade to read in place, and returns
/// the address of its words (valid until the next report). JSON text would
/// cost a parse as long as the validation itself for a report of many
/// issues; this costs the facade an object per issue and a string per value.
///
/// Words (u32): the text's address; flags (1 valid, 2 a version, 4 a
/// structure); the number of issues; the text's length in bytes; the
/// version; the structure; then for each issue its code, severity, path,
/// segment (`u32::MAX` for none), offset, message and hl7Code. Each text
/// value is two words, its start and its length in UTF-16 units: the
/// facade decodes the text once and slices each value out of it. The
/// code and the severity, the core's own constant text, are two words each
/// too: their address in memory (which never changes, so the facade makes
/// each string once) and their length.
fn pack_report(report: &pipehat::validate::Report) -> usize {
    let constant = |words: &mut Vec<u32>, text: &'static str| {
        words.extend([text.as_ptr() as u32, text.len() as u32]);
    };
    REPORT.with(|r| {
        let (words, text) = &mut *r.borrow_mut();
        words.clear();
        text.clear();
        // Where the next value starts in the text, in UTF-16 units.
        let mut units = 0u32;
        // A text value written by `write`: where it starts and its length.
        let mut put = |words: &mut Vec<u32>, text: &mut String, write: &dyn Fn(&mut String)| {
            let start = text.len();
            write(text);
            let value = &text[start..];
            let len = if value.is_ascii() {
                value.len()
            } else {
                value.encode_utf16().count()
            } as u32;
            words.extend([units, len]);
            units += len;
        };
        let flags = u32::from(report.is_valid())
            | u32::from(report.version.is_some()) << 1
            | u32::from(report.structure.is_some()) << 2;
        words.extend([0, flags, report.issues.len() as u32, 0]);
        put(words, text, &|t| t.push_str(report.version.unwrap_or("")));
        put(words, text, &|t| t.push_str(report.structure.unwrap_or("")));
        for issue in &report.issues {
            constant(words, issue.code());
            constant(words, issue.severity.as_str());
            put(words, text, &|t| t.push_str(&issue.path));
            words.push(issue.segment.unwrap_or(u32::MAX));
            words.push(issue.offset as u32);
            put(words, text, &|t| issue.write_message(t));
            words.push(u32::from(issue.hl7_code()));
        }
        // The text is complete: its address no longer changes.
        words[0] = text.as_ptr() as u32;
        words[3] = text.len() as u32;
        words.as_ptr() as usize
    })
}
