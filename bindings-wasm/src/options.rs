//! Inputs and options: bytes from JavaScript values, option objects read
//! into the core's `ParseOptions`.

use crate::errors::{one_of, parse_error, type_error};
use crate::message::NativeMessage;
use js_sys::{Object, Reflect, Uint8Array};
use pipehat::{OwnedMessage, ParseOptions, SegmentTerminator};
use wasm_bindgen::prelude::*;

pub(crate) fn set(obj: &Object, key: &str, value: impl Into<JsValue>) {
    // Setting a property on a plain object cannot fail.
    let _ = Reflect::set(obj, &JsValue::from_str(key), &value.into());
}

pub(crate) fn opt_u32(v: Option<u32>) -> JsValue {
    v.map_or(JsValue::NULL, JsValue::from)
}

/// Bytes from a `string` (UTF-8) or a `Uint8Array`.
pub(crate) fn input_bytes(input: &JsValue) -> Result<Vec<u8>, JsValue> {
    if let Some(s) = input.as_string() {
        return Ok(s.into_bytes());
    }
    // A view of the caller's array, copied once into WebAssembly memory
    // (`Uint8Array::new` would first copy it into a new JavaScript array).
    if let Some(bytes) = input.dyn_ref::<Uint8Array>() {
        return Ok(bytes.to_vec());
    }
    Err(type_error("input must be a string or a Uint8Array"))
}

pub(crate) fn get_opt(options: &JsValue, key: &str) -> Option<JsValue> {
    if options.is_undefined() || options.is_null() {
        return None;
    }
    Reflect::get(options, &JsValue::from_str(key))
        .ok()
        .filter(|v| !v.is_undefined() && !v.is_null())
}

/// The parse options of a JS options object (the defaults for undefined or null).
pub(crate) fn parse_options(options: &JsValue) -> Result<ParseOptions, JsValue> {
    let mut o = ParseOptions::default();
    if options.is_undefined() || options.is_null() {
        return Ok(o);
    }
    if let Some(v) = get_opt(options, "strict") {
        o = o.strict(
            v.as_bool()
                .ok_or_else(|| type_error("options.strict must be a boolean"))?,
        );
    }
    if let Some(v) = get_opt(options, "segmentTerminator") {
        o = o.segment_terminator(Some(terminator(v.as_string().as_deref())?));
    }
    for (key, set_limit) in [
        (
            "maxMessageSize",
            ParseOptions::max_message_size as fn(ParseOptions, usize) -> ParseOptions,
        ),
        ("maxSegments", ParseOptions::max_segments),
        ("maxFieldLength", ParseOptions::max_field_length),
    ] {
        if let Some(v) = get_opt(options, key) {
            let n = v.as_f64().filter(|n| *n >= 0.0 && n.fract() == 0.0).ok_or_else(|| {
                type_error("options.maxMessageSize, maxSegments and maxFieldLength must be non-negative integers")
            })?;
            o = set_limit(o, n as usize);
        }
    }
    Ok(o)
}

/// Parses one message (or a whole batch file) from bytes.
#[wasm_bindgen(js_name = parseBytes)]
pub fn parse_bytes(input: &[u8], options: JsValue) -> Result<NativeMessage, JsValue> {
    let options = parse_options(&options)?.lazy(true);
    OwnedMessage::parse_with(input.to_vec(), &options)
        .map(NativeMessage::new)
        .map_err(|e| parse_error(&e, input))
}

pub(crate) fn opt_string_field(options: &JsValue, key: &str) -> Result<Option<String>, JsValue> {
    match get_opt(options, key) {
        None => Ok(None),
        Some(v) => v
            .as_string()
            .map(Some)
            .ok_or_else(|| type_error(&format!("options.{key} must be a string"))),
    }
}

/// A segment terminator by name (`cr`, `lf`, `crlf`) or as itself.
pub(crate) fn terminator(value: Option<&str>) -> Result<SegmentTerminator, JsValue> {
    value.and_then(SegmentTerminator::from_name).ok_or_else(|| {
        one_of(
            "options.segmentTerminator (or the terminator itself)",
            &SegmentTerminator::NAMES,
        )
    })
}
