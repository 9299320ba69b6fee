//! De-identification (the full module): `NativeDeidentifier` over the core's `deid`.

use crate::message::NativeMessage;
use crate::options::set;
use js_sys::Object;
use wasm_bindgen::prelude::*;

fn deid_error(e: &pipehat::deid::DeidError) -> JsValue {
    let o = Object::new();
    set(&o, "kind", "deid");
    set(&o, "message", e.to_string());
    set(&o, "code", e.code());
    set(
        &o,
        "pointer",
        e.pointer.clone().map_or(JsValue::NULL, JsValue::from),
    );
    o.into()
}

/// A key and a policy, with the plans made so far, the report and (on
/// request) the crosswalk.
#[wasm_bindgen]
#[derive(Debug)]
pub struct NativeDeidentifier {
    inner: pipehat::deid::Deidentifier,
}

#[wasm_bindgen]
impl NativeDeidentifier {
    /// `policy`: a built-in name or JSON text (`undefined`: Safe Harbor).
    #[wasm_bindgen(constructor)]
    pub fn new(
        key: &[u8],
        policy: Option<String>,
        crosswalk: bool,
    ) -> Result<NativeDeidentifier, JsValue> {
        let policy = match policy {
            None => pipehat::deid::Policy::safe_harbor(),
            Some(text) => pipehat::deid::Policy::load(&text).map_err(|e| deid_error(&e))?,
        };
        let mut inner =
            pipehat::deid::Deidentifier::new(key, &policy).map_err(|e| deid_error(&e))?;
        inner.keep_crosswalk(crosswalk);
        Ok(NativeDeidentifier { inner })
    }
    /// The message's bytes de-identified.
    pub fn apply(&mut self, message: &NativeMessage) -> Vec<u8> {
        self.inner.apply(&message.quick().message())
    }
    /// The report as JSON text.
    #[wasm_bindgen(js_name = reportJson)]
    pub fn report_json(&self) -> String {
        self.inner.report().to_json()
    }
    /// The crosswalk as JSON text (an object), or undefined.
    #[wasm_bindgen(js_name = crosswalkJson)]
    pub fn crosswalk_json(&self) -> Option<String> {
        let cw = self.inner.crosswalk()?;
        let mut out = String::from("{");
        for (i, (token, original)) in cw.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            pipehat::json::write_string(&mut out, token);
            out.push(':');
            pipehat::json::write_string(&mut out, original);
        }
        out.push('}');
        Some(out)
    }
}
