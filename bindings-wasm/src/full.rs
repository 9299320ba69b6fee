//! What the full module adds to the core one: filters, routes, change
//! detection, mappings, and everything that needs the HL7 dictionary
//! (validation, explain, field names, named JSON). The npm package loads
//! it on first use (Node, workerd) or on `await load()` (browsers, Deno),
//! so that parsing alone downloads and compiles the small module only.

use super::*;

// Filters, routes, change detection, mappings.

fn filter_error(e: &pipehat::filter::FilterError) -> JsValue {
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
    inner: pipehat::filter::Filter,
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
    inner: pipehat::filter::Router,
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
}

fn differences(list: Vec<pipehat::diff::Difference>) -> Array {
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
    inner: pipehat::diff::ChangeDetector,
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
fn spec_error(kind: &str, e: &pipehat::SpecError) -> JsValue {
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
    inner: pipehat::mapping::Mapping,
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

// ---------------------------------------------------------------------------
// dictionary and validation

/// The definition at `path` in `version`: {name, datatype, optionality,
/// repeatable, maxRepetitions, length, table, components}, or undefined.
#[wasm_bindgen]
pub fn explain(path: &str, version: &str) -> Result<JsValue, JsValue> {
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
pub fn field_name(segment: &str, field: usize, version: &str) -> Option<String> {
    pipehat::dictionary::field_name(segment, field, version).map(String::from)
}

/// A compiled conformance profile.
#[wasm_bindgen]
#[derive(Debug)]
pub struct NativeProfile {
    inner: pipehat::validate::Profile,
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

/// `validate` with a profile (kept by the caller for reuse).
#[wasm_bindgen(js_name = validateWithProfile)]
pub fn validate_with_profile(
    message: &NativeMessage,
    version: Option<String>,
    profile: &NativeProfile,
) -> String {
    report_json(message, version.as_deref(), Some(&profile.inner))
}

fn report_json(
    message: &NativeMessage,
    version: Option<&str>,
    profile: Option<&pipehat::validate::Profile>,
) -> String {
    let options = pipehat::validate::Options { version, profile };
    // JSON text for JSON.parse: one crossing instead of seven per issue.
    pipehat::validate::validate(&message.indexed().message(), &options).to_json()
}
