//! The read side of a message: `NativeMessage` and its getters.

use crate::errors::{parse_error, path_error};
use crate::handles::{with_scratch, PATHS, VALUE};
use crate::options::{parse_options, set};
use js_sys::{Array, Object};
use pipehat::{OwnedMessage, ParseOptions};
use std::borrow::Cow;
use std::cell::RefCell;
use wasm_bindgen::prelude::*;

/// A parsed message held in WebAssembly memory (free it, or let the
/// FinalizationRegistry do so).
#[wasm_bindgen]
#[derive(Debug)]
pub struct NativeMessage {
    /// Parsed lazily (segment boundaries only): path reads scan just the
    /// segments they name. Whatever walks every field first completes the
    /// index through `indexed()`.
    pub(crate) inner: RefCell<OwnedMessage>,
}

impl NativeMessage {
    pub(crate) fn new(inner: OwnedMessage) -> Self {
        NativeMessage {
            inner: RefCell::new(inner),
        }
    }

    /// Parses the first `len` scratch bytes into this message, reusing its
    /// buffers; on error the message is left empty.
    pub(crate) fn reparse_scratch_with(
        &mut self,
        len: usize,
        options: &ParseOptions,
    ) -> Result<(), JsValue> {
        with_scratch(len, |input| {
            self.inner
                .get_mut()
                .reparse_with(input, &options.lazy(true))
                .map_err(|e| parse_error(&e, input))
        })
    }

    /// The message as parsed: for reads of a few paths.
    pub(crate) fn quick(&self) -> std::cell::Ref<'_, OwnedMessage> {
        self.inner.borrow()
    }

    /// The message with its field index complete: for walks over every field.
    pub(crate) fn indexed(&self) -> std::cell::Ref<'_, OwnedMessage> {
        // Busy only while another view of this message is alive, which
        // then reads it lazily: the same values, more slowly.
        if let Ok(mut m) = self.inner.try_borrow_mut() {
            m.index_fields();
        }
        self.inner.borrow()
    }
}

pub(crate) fn opt_string(v: Option<std::borrow::Cow<'_, str>>) -> Option<String> {
    v.map(|s| s.into_owned())
}

/// Coordinates from JS (field, repetition, component, subcomponent; missing = 0).
pub(crate) fn coordinates(at: &[usize]) -> [usize; 4] {
    let mut out = [0; 4];
    for (o, a) in out.iter_mut().zip(at) {
        *o = *a;
    }
    out
}

#[wasm_bindgen]
impl NativeMessage {
    /// Decoded value at `path`, or undefined.
    pub fn get(&self, path: &str) -> Result<Option<String>, JsValue> {
        self.quick()
            .message()
            .get(path)
            .map(opt_string)
            .map_err(|e| path_error(&e))
    }
    /// Where the value at `path` lies in the message's bytes: `[offset,
    /// length]` (length 0 for an empty value), or undefined when absent.
    pub fn locate(&self, path: &str) -> Result<Option<Vec<u32>>, JsValue> {
        let owned = self.quick();
        let message = owned.message();
        let value = message.value(path).map_err(|e| path_error(&e))?;
        Ok(value.map(|v| vec![v.offset() as u32, v.as_bytes().len() as u32]))
    }
    /// Parses the first `len` scratch bytes into this message, reusing its
    /// buffers (the JS `Parser`). On error the message is left empty.
    #[wasm_bindgen(js_name = reparseScratch)]
    pub fn reparse_scratch(&mut self, len: usize, options: JsValue) -> Result<(), JsValue> {
        self.reparse_scratch_with(len, &parse_options(&options)?)
    }

    /// Finds the value at compiled path `id` (decoded, or as written when
    /// `raw`); returns -1 when absent or empty, -2 when 1 MiB or longer, else
    /// `address * 2^21 + length * 2 + (1 unless all ASCII)`, with its UTF-8
    /// bytes at `address`: inside the message when the text is as stored,
    /// else in the scratch buffer, valid until the next call. (A 32-bit
    /// address and a 20-bit length fit exactly in a double.)
    #[wasm_bindgen(js_name = getCompiled)]
    pub fn get_compiled(&self, id: usize, raw: bool) -> f64 {
        let Some(path) = PATHS.with(|p| p.borrow().get(id).copied()) else {
            return -1.0;
        };
        let owned = self.quick();
        let m = owned.message();
        let bytes_at = |bytes: &[u8], ascii: bool| {
            if bytes.len() >= 1 << 20 {
                return -2.0; // 1 MiB or more: the caller uses `get`/`getRaw`.
            }
            let address = bytes.as_ptr() as usize as u32;
            f64::from(address) * 2_097_152.0 + (bytes.len() * 2 + usize::from(!ascii)) as f64
        };
        let text = if raw {
            let Ok(Some(value)) = m.value(path) else {
                return -1.0;
            };
            if value.is_empty() {
                return -1.0;
            }
            // ASCII as stored: handed over in place, with no copy.
            if value.as_bytes().is_ascii() {
                return bytes_at(value.as_bytes(), true);
            }
            value.raw()
        } else {
            match m.get(path) {
                // Text as stored (the usual value): handed over in place.
                Ok(Some(Cow::Borrowed(text))) => return bytes_at(text.as_bytes(), text.is_ascii()),
                Ok(Some(text)) => text,
                _ => return -1.0,
            }
        };
        VALUE.with(|s| {
            let mut s = s.borrow_mut();
            s.clear();
            s.extend_from_slice(text.as_bytes());
            bytes_at(&s, s.is_ascii())
        })
    }

    /// Value at `path` as written, or undefined.
    #[wasm_bindgen(js_name = getRaw)]
    pub fn get_raw(&self, path: &str) -> Result<Option<String>, JsValue> {
        self.quick()
            .message()
            .get_raw(path)
            .map(opt_string)
            .map_err(|e| path_error(&e))
    }
    /// Decoded value of every repetition at `path`.
    #[wasm_bindgen(js_name = getAll)]
    pub fn get_all(&self, path: &str) -> Result<Vec<String>, JsValue> {
        self.quick()
            .message()
            .get_all(path)
            .map(|v| v.into_iter().map(|s| s.into_owned()).collect())
            .map_err(|e| path_error(&e))
    }
    /// Header value `k`: 0 message type, 1 trigger event, 2 message
    /// structure, 3 control id, 4 processing id, 5 version, 6 timestamp,
    /// 7 and 8 sending application and facility, 9 and 10 receiving
    /// application and facility (the order of the facade's getters). One
    /// value per call: building them all as one object cost more than the
    /// parse (about 10 µs).
    #[wasm_bindgen(js_name = headerValue)]
    pub fn header_value(&self, k: u32) -> Option<String> {
        let owned = self.quick();
        let m = owned.message();
        let value = match k {
            0 => m.message_type(),
            1 => m.trigger_event(),
            2 => m.message_structure(),
            3 => m.control_id(),
            4 => m.processing_id(),
            5 => m.version(),
            6 => m.timestamp(),
            7 => m.sending_application(),
            8 => m.sending_facility(),
            9 => m.receiving_application(),
            10 => m.receiving_facility(),
            11 => return m.charset().name().map(str::to_string),
            12 => return Some(m.segment_terminator().as_str().to_string()),
            _ => None,
        };
        value.map(|v| v.into_owned())
    }
    /// The delimiters as one object.
    pub fn delimiters(&self) -> Object {
        let owned = self.quick();
        let d = owned.message().delimiters();
        let delims = Object::new();
        for (name, b) in d.by_name() {
            let value = b.map_or(JsValue::UNDEFINED, |b| {
                JsValue::from_str(&(b as char).to_string())
            });
            set(&delims, name, value);
        }
        delims
    }
    /// Diagnostics as JSON text, an array of `{code, severity, offset, line,
    /// column, segment, field, message}` (the facade parses it: one string
    /// is cheaper to cross than an object built property by property).
    #[wasm_bindgen(js_name = diagnosticsJson)]
    pub fn diagnostics_json(&self) -> String {
        use std::fmt::Write;
        // The lazy index will do: only segments holding an escape character
        // or a non-ASCII byte have their fields read.
        let owned = self.quick();
        let input = owned.as_bytes();
        let mut out = String::from("[");
        for (i, d) in owned.message().diagnostics().iter().enumerate() {
            let (line, column) = pipehat::line_column(input, d.offset());
            let severity = d.severity().as_str();
            let number = |n: Option<u32>| n.map_or("null".to_string(), |n| n.to_string());
            // Writing to a String cannot fail.
            let _ = write!(
                out,
                "{}{{\"code\":\"{}\",\"severity\":\"{severity}\",\"offset\":{},\"line\":{line},\"column\":{column},\"segment\":{},\"field\":{},\"message\":",
                if i == 0 { "" } else { "," },
                d.code().code(),
                d.offset(),
                number(d.segment()),
                number(d.field()),
            );
            pipehat::json::write_string(&mut out, &d.message().to_string());
            out.push('}');
        }
        out.push(']');
        out
    }
    /// The message as JSON text (the facade's toJSON() parses it).
    #[wasm_bindgen(js_name = toJsonString)]
    pub fn to_json_string(&self) -> String {
        self.indexed().message().to_json()
    }
    /// Lossless JSON text (rebuilds the exact bytes).
    #[wasm_bindgen(js_name = toLosslessJsonString)]
    pub fn to_lossless_json_string(&self) -> String {
        self.indexed().message().to_lossless_json()
    }
    /// The friendly JSON form, for people.
    /// The friendly form keyed by names from the dictionary.
    #[cfg(feature = "full")]
    #[wasm_bindgen(js_name = toNamedJsonString)]
    pub fn to_named_json_string(&self, version: Option<String>) -> String {
        self.indexed().message().to_named_json(version.as_deref())
    }
    /// The FHIR R4 Bundle and the report as `{"bundle":…,"report":…}` text.
    #[cfg(feature = "full")]
    #[wasm_bindgen(js_name = toFhirString)]
    pub fn to_fhir_string(
        &self,
        bundle_type: Option<String>,
        namespace: Option<String>,
        timezone: Option<String>,
        overrides: Option<String>,
    ) -> Result<String, JsValue> {
        let fhir_error = |e: pipehat::fhir::FhirError| -> JsValue {
            let o = js_sys::Object::new();
            crate::options::set(&o, "kind", "fhir");
            crate::options::set(&o, "message", e.to_string());
            crate::options::set(&o, "code", e.kind.code());
            crate::options::set(&o, "option", e.option.map_or(JsValue::NULL, JsValue::from));
            crate::options::set(
                &o,
                "pointer",
                e.pointer.map_or(JsValue::NULL, JsValue::from),
            );
            o.into()
        };
        let options = pipehat::fhir::Options::from_parts(
            bundle_type.as_deref().unwrap_or("message"),
            namespace,
            timezone,
            overrides.as_deref(),
        )
        .map_err(fhir_error)?;
        let out =
            pipehat::fhir::to_fhir(&self.indexed().message(), &options).map_err(fhir_error)?;
        Ok(format!(
            "{{\"bundle\":{},\"report\":{}}}",
            out.bundle,
            out.report.to_json()
        ))
    }
    #[wasm_bindgen(js_name = toFriendlyJsonString)]
    pub fn to_friendly_json_string(&self) -> String {
        self.indexed().message().to_friendly_json()
    }
    /// The original text (invalid UTF-8 replaced).
    #[wasm_bindgen(js_name = toText)]
    pub fn to_text(&self) -> String {
        String::from_utf8_lossy(self.quick().as_bytes()).into_owned()
    }
    /// The original bytes.
    #[wasm_bindgen(js_name = toBytes)]
    pub fn to_bytes(&self) -> Vec<u8> {
        self.quick().as_bytes().to_vec()
    }
    /// Segment names in order.
    #[wasm_bindgen(js_name = segmentNames)]
    pub fn segment_names(&self) -> String {
        // One JSON array crosses faster than an array of strings.
        let mut out = String::from("[");
        for (i, s) in self.quick().message().segments().enumerate() {
            if i > 0 {
                out.push(',');
            }
            pipehat::json::write_string(&mut out, &s.name_text());
        }
        out.push(']');
        out
    }
    /// Number of fields in segment `seg`.
    /// The indices of the segments named `name`, as the core matches names.
    #[wasm_bindgen(js_name = segmentsNamed)]
    pub fn segments_named(&self, name: &str) -> Vec<u32> {
        self.quick()
            .message()
            .segments_named(name)
            .map(|s| s.index() as u32)
            .collect()
    }
    #[wasm_bindgen(js_name = fieldCount)]
    pub fn field_count(&self, seg: usize) -> usize {
        self.indexed()
            .message()
            .segment_at(seg)
            .map_or(0, |s| s.field_count())
    }
    /// Text of segment `seg` as written.
    #[wasm_bindgen(js_name = segmentText)]
    pub fn segment_text(&self, seg: usize) -> Option<String> {
        let owned = self.indexed();
        let m = owned.message();
        m.segment_at(seg)
            .map(|s| String::from_utf8_lossy(s.as_bytes()).into_owned())
    }
    /// Byte offset of segment `seg`.
    #[wasm_bindgen(js_name = segmentOffset)]
    pub fn segment_offset(&self, seg: usize) -> Option<usize> {
        self.quick().message().segment_at(seg).map(|s| s.offset())
    }
    /// Number of children (repetitions of a field, components of a repetition,
    /// subcomponents of a component) of the element at `at`.
    #[wasm_bindgen(js_name = childCount)]
    pub fn child_count(&self, seg: usize, at: &[usize]) -> usize {
        let owned = self.indexed();
        let m = owned.message();
        match m.value_at(seg, coordinates(at)) {
            Some(pipehat::Value::Field(f)) => f.repetitions().count(),
            Some(pipehat::Value::Repetition(r)) => r.components().count(),
            Some(pipehat::Value::Component(c)) => c.subcomponents().count(),
            _ => 0,
        }
    }
    /// [decoded value, raw value, byte offset, isNull] of the element at `at`, or undefined.
    pub fn element(&self, seg: usize, at: &[usize]) -> JsValue {
        let owned = self.indexed();
        let m = owned.message();
        match m.value_at(seg, coordinates(at)) {
            Some(v) => {
                let a = Array::new();
                a.push(&JsValue::from_str(&v.value()));
                a.push(&JsValue::from_str(&v.raw()));
                a.push(&JsValue::from(v.offset() as u32));
                a.push(&JsValue::from(v.is_null()));
                a.into()
            }
            None => JsValue::UNDEFINED,
        }
    }
    /// Bytes held in WebAssembly memory (input and index).
    #[wasm_bindgen(js_name = heapSize)]
    pub fn heap_size(&self) -> usize {
        self.quick().heap_size()
    }
}

/// The names of element kinds by depth: field, repetition, component, subcomponent.
#[wasm_bindgen(js_name = elementKinds)]
pub fn element_kinds() -> Vec<String> {
    pipehat::Value::KINDS
        .iter()
        .map(|k| k.to_string())
        .collect()
}

/// The HL7 version assumed where none is given.
#[wasm_bindgen(js_name = defaultVersion)]
pub fn default_version() -> String {
    pipehat::DEFAULT_VERSION.into()
}
