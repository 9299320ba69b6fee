//! Typed values: date-times and composite datatypes.

use crate::errors::{datatype_error, one_of, path_error};
use crate::message::NativeMessage;
use wasm_bindgen::prelude::*;

/// A composite as JSON text, its component names in camelCase (the facade
/// parses it: one string crosses instead of an object set key by key).
pub(crate) fn composite_json(c: &pipehat::datatype::Composite<'_>, out: &mut String) {
    out.push('{');
    for (i, (name, part)) in c.parts.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('"');
        let mut upper = false;
        for ch in name.chars() {
            match ch {
                '_' => upper = true,
                _ if upper => {
                    out.push(ch.to_ascii_uppercase());
                    upper = false;
                }
                _ => out.push(ch),
            }
        }
        out.push_str("\":");
        match part {
            pipehat::datatype::TypedPart::Text(Some(t)) => pipehat::json::write_string(out, t),
            pipehat::datatype::TypedPart::Text(None) => out.push_str("null"),
            pipehat::datatype::TypedPart::Composite(n) => composite_json(n, out),
        }
    }
    out.push('}');
}

pub(crate) fn datatype_arg(name: &str) -> Result<pipehat::datatype::Datatype, JsValue> {
    use pipehat::datatype::Datatype;
    Datatype::parse(name).ok_or_else(|| one_of("datatype", &Datatype::NAMES))
}

#[wasm_bindgen]
impl NativeMessage {
    /// The date-time at `path` as JSON text, `{isNull, precision, iso,
    /// offsetMinutes, parts, utcMillis}` (parts: year, month, day, hour,
    /// minute, second, milliseconds; the facade adds a Date), or undefined.
    #[wasm_bindgen(js_name = getDateTime)]
    pub fn get_datetime(&self, path: &str) -> Result<Option<String>, JsValue> {
        let owned = self.quick();
        let msg = owned.message();
        let v = match msg.datetime(path).map_err(|e| path_error(&e))? {
            None => return Ok(None),
            Some(Err(e)) => return Err(datatype_error(&e)),
            Some(Ok(v)) => v,
        };
        Ok(Some(match v {
            pipehat::datatype::Dtm::Null => {
                r#"{"isNull":true,"precision":null,"iso":null,"offsetMinutes":null}"#.to_string()
            }
            pipehat::datatype::Dtm::Value(t) => {
                let offset = t
                    .offset_minutes()
                    .map_or("null".to_string(), |m| m.to_string());
                format!(
                    r#"{{"isNull":false,"precision":"{}","iso":"{}","offsetMinutes":{offset},"parts":[{},{},{},{},{},{},{}],"utcMillis":{}}}"#,
                    t.precision().as_str(),
                    t.to_iso8601(),
                    t.year(),
                    t.month(),
                    t.day(),
                    t.hour(),
                    t.minute(),
                    t.second(),
                    t.nanos() / 1_000_000,
                    t.unix_millis(0),
                )
            }
        }))
    }

    /// The NM at `path`, or undefined.
    #[wasm_bindgen(js_name = getNumber)]
    pub fn get_number(&self, path: &str) -> Result<Option<f64>, JsValue> {
        match self
            .quick()
            .message()
            .number(path)
            .map_err(|e| path_error(&e))?
        {
            None => Ok(None),
            Some(r) => r.map(Some).map_err(|e| datatype_error(&e)),
        }
    }

    /// The SI at `path`, or undefined.
    #[wasm_bindgen(js_name = getSequenceId)]
    pub fn get_sequence_id(&self, path: &str) -> Result<Option<u32>, JsValue> {
        match self
            .quick()
            .message()
            .sequence_id(path)
            .map_err(|e| path_error(&e))?
        {
            None => Ok(None),
            Some(r) => r.map(Some).map_err(|e| datatype_error(&e)),
        }
    }

    /// The value at `path` read as a composite datatype, as JSON text with camelCase
    /// names, or undefined.
    #[wasm_bindgen(js_name = getTyped)]
    pub fn get_typed(&self, path: &str, datatype: &str) -> Result<Option<String>, JsValue> {
        let dt = datatype_arg(datatype)?;
        let owned = self.quick();
        let msg = owned.message();
        Ok(msg.typed(path, dt).map_err(|e| path_error(&e))?.map(|c| {
            let mut out = String::new();
            composite_json(&c, &mut out);
            out
        }))
    }

    /// Every repetition of the field at `path` read as a composite datatype (a JSON array).
    #[wasm_bindgen(js_name = getTypedAll)]
    pub fn get_typed_all(&self, path: &str, datatype: &str) -> Result<String, JsValue> {
        let dt = datatype_arg(datatype)?;
        let owned = self.quick();
        let msg = owned.message();
        let mut out = String::from("[");
        for (i, c) in msg
            .typed_all(path, dt)
            .map_err(|e| path_error(&e))?
            .iter()
            .enumerate()
        {
            if i > 0 {
                out.push(',');
            }
            composite_json(c, &mut out);
        }
        out.push(']');
        Ok(out)
    }
}
