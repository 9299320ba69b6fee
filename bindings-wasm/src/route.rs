//! Filters, routes, change detection and mappings (the full module).

use crate::errors::{parse_error, path_error};
use crate::message::NativeMessage;
use crate::options::set;
use js_sys::{Array, Object};
use wasm_bindgen::prelude::*;

pub(crate) fn filter_error(e: &pipehat::filter::FilterError) -> JsValue {
    let o = Object::new();
    set(&o, "kind", "filter");
    set(&o, "message", e.to_string());
    set(&o, "code", e.code());
    set(&o, "offset", e.offset() as u32);
    o.into()
}

/// A compiled filter expression.
#[wasm_bindgen]
#[derive(Debug)]
pub struct NativeFilter {
    pub(crate) inner: pipehat::filter::Filter,
}

#[wasm_bindgen]
impl NativeFilter {
    #[wasm_bindgen(constructor)]
    pub fn new(expression: &str) -> Result<NativeFilter, JsValue> {
        pipehat::filter::Filter::parse(expression)
            .map(|inner| NativeFilter { inner })
            .map_err(|e| filter_error(&e))
    }
    pub fn matches(&self, message: &NativeMessage) -> bool {
        self.inner.matches(&message.quick().message())
    }
    /// `matches` on the message at `handle` (parsed by `parseHandle`).
    #[wasm_bindgen(js_name = matchesHandle)]
    pub fn matches_handle(&self, handle: u32) -> bool {
        crate::handles::with_handle(handle, false, |m| self.matches(m))
    }
    /// Evaluates on one message's bytes (only MSH is read when that suffices).
    #[wasm_bindgen(js_name = matchesInput)]
    pub fn matches_input(&self, input: &[u8]) -> Result<bool, JsValue> {
        self.inner
            .matches_bytes(input)
            .map_err(|e| parse_error(&e, input))
    }
    /// Splits the input into messages: [matched start,end pairs (flat), total,
    /// unreadable offsets (flat), unreadable codes].
    pub fn scan(&self, input: &[u8]) -> Array {
        let scan = self.inner.scan(input);
        let ranges: Vec<u32> = scan
            .matched
            .iter()
            .flat_map(|r| [r.start as u32, r.end as u32])
            .collect();
        let unreadable = Array::new();
        for (offset, e) in &scan.unreadable {
            let o = Object::new();
            set(&o, "offset", *offset as u32);
            set(&o, "code", e.code());
            unreadable.push(&o);
        }
        let out = Array::new();
        out.push(&js_sys::Uint32Array::from(ranges.as_slice()));
        out.push(&JsValue::from(scan.total as u32));
        out.push(&unreadable);
        out
    }
    #[wasm_bindgen(getter, js_name = readsHeaderOnly)]
    pub fn reads_header_only(&self) -> bool {
        self.inner.reads_header_only()
    }
}

/// Named routes.
#[wasm_bindgen]
#[derive(Debug, Default)]
pub struct NativeRouter {
    pub(crate) inner: pipehat::filter::Router,
}

#[wasm_bindgen]
impl NativeRouter {
    #[wasm_bindgen(constructor)]
    pub fn new() -> NativeRouter {
        NativeRouter::default()
    }
    pub fn add(&mut self, destination: &str, expression: &str) -> Result<(), JsValue> {
        self.inner
            .add(destination, expression)
            .map_err(|e| filter_error(&e))
    }
    pub fn destinations(&self, message: &NativeMessage) -> Vec<String> {
        self.inner
            .destinations(&message.quick().message())
            .into_iter()
            .map(String::from)
            .collect()
    }
    /// `destinations` of the message at `handle` (parsed by `parseHandle`).
    #[wasm_bindgen(js_name = destinationsHandle)]
    pub fn destinations_handle(&self, handle: u32) -> Vec<String> {
        crate::handles::with_handle(handle, Vec::new(), |m| self.destinations(m))
    }
}

pub(crate) fn differences(list: Vec<pipehat::diff::Difference>) -> Array {
    list.into_iter()
        .map(|d| {
            let o = Object::new();
            set(&o, "path", d.path);
            set(&o, "kind", d.kind.as_str());
            JsValue::from(o)
        })
        .collect()
}

/// Ignores paths and compares or fingerprints messages.
#[wasm_bindgen]
#[derive(Debug)]
pub struct NativeChangeDetector {
    pub(crate) inner: pipehat::diff::ChangeDetector,
}

#[wasm_bindgen]
impl NativeChangeDetector {
    #[wasm_bindgen(constructor)]
    pub fn new(ignore: Vec<String>) -> Result<NativeChangeDetector, JsValue> {
        pipehat::diff::ChangeDetector::new(&ignore)
            .map(|inner| NativeChangeDetector { inner })
            .map_err(|e| path_error(&e))
    }
    /// [{path, kind}] for the differences not ignored.
    pub fn changes(&self, previous: &NativeMessage, current: &NativeMessage) -> Array {
        differences(
            self.inner
                .changes(&previous.indexed().message(), &current.indexed().message()),
        )
    }
    pub fn fingerprint(&self, message: &NativeMessage) -> String {
        self.inner.fingerprint(&message.indexed().message())
    }
}

/// A mapping or profile error for the facade (kind "mapping" or "profile").
pub(crate) fn spec_error(kind: &str, e: &pipehat::SpecError) -> JsValue {
    let o = Object::new();
    set(&o, "kind", kind);
    set(&o, "message", e.to_string());
    set(&o, "code", e.code());
    set(&o, "pointer", e.pointer());
    o.into()
}

/// A compiled mapping spec.
#[wasm_bindgen]
#[derive(Debug)]
pub struct NativeMapping {
    pub(crate) inner: pipehat::mapping::Mapping,
}

#[wasm_bindgen]
impl NativeMapping {
    #[wasm_bindgen(constructor)]
    pub fn new(spec: &str) -> Result<NativeMapping, JsValue> {
        pipehat::mapping::Mapping::parse(spec)
            .map(|inner| NativeMapping { inner })
            .map_err(|e| spec_error("mapping", &e))
    }
    /// The result as JSON text (the facade parses it).
    #[wasm_bindgen(js_name = applyJson)]
    pub fn apply_json(&self, message: &NativeMessage) -> String {
        self.inner.apply_json(&message.indexed().message())
    }
    #[wasm_bindgen(getter, js_name = hasRows)]
    pub fn has_rows(&self) -> bool {
        self.inner.has_rows()
    }
    pub fn keys(&self) -> Vec<String> {
        self.inner.keys().map(String::from).collect()
    }
}
