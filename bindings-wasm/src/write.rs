//! Writing: editable messages, `buildMessage` and acknowledgements.

use crate::errors::{edit_error, one_of, parse_error, path_error, type_error};
use crate::message::{opt_string, NativeMessage};
use crate::options::{get_opt, input_bytes, opt_string_field, parse_options, set, terminator};
use js_sys::{Array, Object};
use wasm_bindgen::prelude::*;

/// The new message's MSH-7 (UTC) and MSH-10 when the caller gives none.
pub(crate) fn stamp(options: &JsValue) -> Result<(String, String), JsValue> {
    let id = match opt_string_field(options, "controlId")? {
        Some(id) => id,
        None => {
            let entropy = (js_sys::Math::random() * 9_007_199_254_740_992.0) as u64
                ^ (js_sys::Date::now() as u64).rotate_left(32);
            pipehat::edit::control_id(entropy)
        }
    };
    let ts = match opt_string_field(options, "timestamp")? {
        Some(ts) => ts,
        None => pipehat::edit::format_timestamp((js_sys::Date::now() / 1000.0) as i64, 0),
    };
    Ok((id, ts))
}

pub(crate) fn ack_options(options: &JsValue) -> Result<pipehat::ack::AckOptions, JsValue> {
    use pipehat::ack::{AckCode, AckError, AckErrorPartError, IncludeDiagnostics};
    let (control_id, timestamp) = stamp(options)?;
    let mut o = pipehat::ack::AckOptions::new(control_id, timestamp);
    if let Some(code) = opt_string_field(options, "code")? {
        o.code =
            Some(AckCode::parse(&code).ok_or_else(|| one_of("options.code", &AckCode::NAMES))?);
    }
    o.text = opt_string_field(options, "text")?;
    if let Some(d) = opt_string_field(options, "diagnostics")? {
        o.diagnostics = IncludeDiagnostics::from_name(&d)
            .ok_or_else(|| one_of("options.diagnostics", &IncludeDiagnostics::NAMES))?;
    }
    if let Some(errors) = get_opt(options, "errors") {
        if !Array::is_array(&errors) {
            return Err(type_error("options.errors must be an array"));
        }
        for item in Array::from(&errors).iter() {
            let code = get_opt(&item, "code")
                .and_then(|c| c.as_f64())
                .filter(|c| *c >= 0.0 && *c <= 65535.0 && c.fract() == 0.0)
                .ok_or_else(|| type_error("each error needs a numeric code (HL7 table 0357)"))?;
            let severity = opt_string_field(&item, "severity")?;
            let path = opt_string_field(&item, "path")?;
            let e = AckError::from_parts(
                code as u16,
                severity.as_deref(),
                path.as_deref(),
                opt_string_field(&item, "text")?,
                opt_string_field(&item, "diagnostic")?,
            )
            .map_err(|e| match e {
                AckErrorPartError::Location(p) => path_error(&p),
                other => type_error(&other.to_string()),
            })?;
            o.errors.push(e);
        }
    }
    Ok(o)
}

pub(crate) fn owned(buf: pipehat::MessageBuf) -> NativeMessage {
    NativeMessage::new(buf.into_owned())
}

#[wasm_bindgen]
impl NativeMessage {
    /// An editable copy.
    pub fn edit(&self) -> NativeEditable {
        NativeEditable {
            inner: pipehat::MessageBuf::from(&self.indexed().message()),
        }
    }

    /// An acknowledgement of this message.
    pub fn ack(&self, options: JsValue) -> Result<NativeMessage, JsValue> {
        let o = ack_options(&options)?;
        self.quick()
            .message()
            .ack(&o)
            .map(owned)
            .map_err(|e| edit_error(&e))
    }

    /// "original" or "enhanced".
    #[wasm_bindgen(js_name = ackMode)]
    pub fn ack_mode(&self) -> String {
        self.quick().message().ack_mode().as_str().into()
    }

    /// Whether MSH-15/16 ask for an acknowledgement with `code`.
    #[wasm_bindgen(js_name = wantsAck)]
    pub fn wants_ack(&self, code: &str) -> Result<bool, JsValue> {
        let code = pipehat::ack::AckCode::parse(code)
            .ok_or_else(|| one_of("code", &pipehat::ack::AckCode::NAMES))?;
        Ok(self.quick().message().ack_mode().wants(code))
    }
}

/// Acknowledges raw input whether or not it parses.
#[wasm_bindgen(js_name = ackInput)]
pub fn ack_input(input: JsValue, options: JsValue) -> Result<NativeMessage, JsValue> {
    let bytes = input_bytes(&input)?;
    let parse = parse_options(&options)?;
    let o = ack_options(&options)?;
    match pipehat::ack::ack_bytes(&bytes, &parse, &o) {
        Ok(buf) => Ok(owned(buf)),
        Err(pipehat::ack::AckBytesError::Parse(e)) => Err(parse_error(&e, &bytes)),
        Err(pipehat::ack::AckBytesError::Edit(e)) => Err(edit_error(&e)),
    }
}

/// A new message from header options.
#[wasm_bindgen(js_name = buildMessage)]
pub fn build_message(options: JsValue) -> Result<NativeEditable, JsValue> {
    let (control_id, timestamp) = stamp(&options)?;
    let defaults = pipehat::edit::Header::default();
    let text = |k: &str| -> Result<String, JsValue> {
        Ok(opt_string_field(&options, k)?.unwrap_or_default())
    };
    let header = pipehat::edit::Header {
        delimiters: match opt_string_field(&options, "delimiters")? {
            Some(d) => pipehat::Delimiters::from_text(&d).map_err(|e| parse_error(&e, &[]))?,
            None => defaults.delimiters,
        },
        terminator: match opt_string_field(&options, "segmentTerminator")? {
            Some(t) => terminator(Some(&t))?,
            None => defaults.terminator,
        },
        sending_application: text("sendingApplication")?,
        sending_facility: text("sendingFacility")?,
        receiving_application: text("receivingApplication")?,
        receiving_facility: text("receivingFacility")?,
        timestamp,
        message_type: text("messageType")?,
        control_id,
        processing_id: opt_string_field(&options, "processingId")?
            .unwrap_or(defaults.processing_id),
        version: opt_string_field(&options, "version")?.unwrap_or(defaults.version),
        charset: opt_string_field(&options, "charset")?,
    };
    pipehat::MessageBuf::new(&header)
        .map(|inner| NativeEditable { inner })
        .map_err(|e| edit_error(&e))
}

/// A message being edited.
#[wasm_bindgen]
#[derive(Debug)]
pub struct NativeEditable {
    pub(crate) inner: pipehat::MessageBuf,
}

#[wasm_bindgen]
impl NativeEditable {
    /// Parses input for editing.
    #[wasm_bindgen(constructor)]
    pub fn new(input: JsValue) -> Result<NativeEditable, JsValue> {
        let bytes = input_bytes(&input)?;
        pipehat::MessageBuf::parse(bytes.clone())
            .map(|inner| NativeEditable { inner })
            .map_err(|e| {
                let (line, column) = e.line_column(&bytes);
                let o = Object::from(parse_error(&e, &bytes));
                set(&o, "line", line as u32);
                set(&o, "column", column as u32);
                o.into()
            })
    }
    pub fn set(&mut self, path: &str, value: &str) -> Result<(), JsValue> {
        self.inner.set(path, value).map_err(|e| edit_error(&e))
    }
    #[wasm_bindgen(js_name = setRaw)]
    pub fn set_raw(&mut self, path: &str, text: &str) -> Result<(), JsValue> {
        self.inner.set_raw(path, text).map_err(|e| edit_error(&e))
    }
    pub fn insert(&mut self, path: &str, value: &str) -> Result<(), JsValue> {
        self.inner.insert(path, value).map_err(|e| edit_error(&e))
    }
    #[wasm_bindgen(js_name = insertRaw)]
    pub fn insert_raw(&mut self, path: &str, text: &str) -> Result<(), JsValue> {
        self.inner
            .insert_raw(path, text)
            .map_err(|e| edit_error(&e))
    }
    pub fn remove(&mut self, path: &str) -> Result<(), JsValue> {
        self.inner.remove(path).map_err(|e| edit_error(&e))
    }
    #[wasm_bindgen(js_name = appendRepetition)]
    pub fn append_repetition(&mut self, path: &str, value: &str) -> Result<(), JsValue> {
        self.inner
            .append_repetition(path, value)
            .map_err(|e| edit_error(&e))
    }
    #[wasm_bindgen(js_name = insertSegment)]
    pub fn insert_segment(&mut self, at: usize, text: &str) -> Result<(), JsValue> {
        self.inner
            .insert_segment(at, text)
            .map_err(|e| edit_error(&e))
    }
    #[wasm_bindgen(js_name = appendSegment)]
    pub fn append_segment(&mut self, text: &str) -> Result<(), JsValue> {
        self.inner.append_segment(text).map_err(|e| edit_error(&e))
    }
    #[wasm_bindgen(js_name = removeSegment)]
    pub fn remove_segment(&mut self, at: usize) -> Result<(), JsValue> {
        self.inner.remove_segment(at).map_err(|e| edit_error(&e))
    }
    pub fn get(&self, path: &str) -> Result<Option<String>, JsValue> {
        self.inner
            .message()
            .get(path)
            .map(opt_string)
            .map_err(|e| path_error(&e))
    }
    #[wasm_bindgen(js_name = toMessage)]
    pub fn to_message(&self) -> NativeMessage {
        owned(self.inner.clone())
    }
    #[wasm_bindgen(js_name = toText)]
    pub fn to_text(&self) -> String {
        self.inner.to_string()
    }
    #[wasm_bindgen(js_name = toBytes)]
    pub fn to_bytes(&self) -> Vec<u8> {
        self.inner.as_bytes().to_vec()
    }
    #[wasm_bindgen(js_name = segmentCount)]
    pub fn segment_count(&self) -> usize {
        self.inner.segment_count()
    }
}
