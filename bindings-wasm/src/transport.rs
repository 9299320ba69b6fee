//! Transport: the core's protocol answers for the facade's MLLP servers and
//! clients (`pipehat/mllp`) and HL7 over HTTP (`pipehat/http`). Sockets,
//! timers and TLS are Node's; every decision is the core's.

use crate::errors::edit_error;
use crate::message::NativeMessage;
use crate::options::{input_bytes, parse_options, set};
use crate::write::{owned, stamp};
use js_sys::Object;
use pipehat::transport::{self, http, Limits, Outcome, Reply, TransportError, TransportErrorKind};
use wasm_bindgen::prelude::*;

pub(crate) fn transport_error(e: &TransportError) -> JsValue {
    let o = Object::new();
    set(&o, "kind", "transport");
    set(&o, "message", e.to_string());
    set(&o, "code", e.code());
    if let Some(n) = e.length() {
        set(&o, "length", n as f64);
    }
    set(&o, "status", http::error_status(e.kind()));
    set(&o, "group", e.kind().group());
    o.into()
}

fn kind(code: &str) -> Result<TransportErrorKind, JsValue> {
    TransportErrorKind::from_code(code)
        .ok_or_else(|| crate::errors::type_error("unknown transport error code"))
}

/// A transport error object for `code` (and a size, for limits).
#[wasm_bindgen(js_name = transportError)]
pub fn transport_error_for(code: &str, length: Option<f64>) -> Result<JsValue, JsValue> {
    let k = kind(code)?;
    Ok(transport_error(&match length {
        Some(n) => TransportError::with_length(k, n as u64),
        None => TransportError::new(k),
    }))
}

/// Every transport error code.
#[wasm_bindgen(js_name = transportErrorCodes)]
pub fn transport_error_codes() -> Vec<String> {
    TransportErrorKind::ALL
        .iter()
        .map(|k| k.code().into())
        .collect()
}

/// The core's limits and timeouts: `{maxFrameSize, frameTimeout, ...}` (times in ms).
#[wasm_bindgen(js_name = transportLimits)]
pub fn transport_limits() -> Object {
    let o = Object::new();
    for (name, value) in Limits::DEFAULT.entries() {
        let name = name.strip_suffix("_ms").unwrap_or(name);
        let mut camel = String::new();
        let mut upper = false;
        for c in name.chars() {
            if c == '_' {
                upper = true;
            } else if upper {
                camel.push(c.to_ascii_uppercase());
                upper = false;
            } else {
                camel.push(c);
            }
        }
        set(&o, &camel, value as f64);
    }
    o
}

/// Reads a reply frame: `{kind: "ack"|"commit"|"negative_commit", code,
/// answers, controlId}`; throws a transport error (not_an_ack).
#[wasm_bindgen(js_name = readReply)]
pub fn read_reply(frame: &[u8]) -> Result<Object, JsValue> {
    let reply = Reply::read(frame).map_err(|e| transport_error(&e))?;
    let o = Object::new();
    let (name, settles) = match reply {
        Reply::Commit => ("commit", false),
        Reply::NegativeCommit => ("negative_commit", true),
        Reply::Ack(ack) => {
            set(&o, "code", ack.code.as_str());
            set(
                &o,
                "answers",
                String::from_utf8_lossy(ack.answers).into_owned(),
            );
            set(
                &o,
                "controlId",
                String::from_utf8_lossy(ack.control_id).into_owned(),
            );
            ("ack", reply.settles_application())
        }
    };
    set(&o, "kind", name);
    set(&o, "settlesApplication", settles);
    Ok(o)
}

/// MSH-10 of a message's bytes (parsed or not), or undefined.
#[wasm_bindgen(js_name = controlIdOf)]
pub fn control_id_of(input: JsValue) -> Result<Option<String>, JsValue> {
    let bytes = input_bytes(&input)?;
    Ok(transport::control_id(&bytes).map(|id| String::from_utf8_lossy(id).into_owned()))
}

/// `{sendingApplication, sendingFacility, controlId}` of a message's bytes, or undefined.
#[wasm_bindgen(js_name = messageKey)]
pub fn message_key(input: JsValue) -> Result<JsValue, JsValue> {
    let bytes = input_bytes(&input)?;
    let Some(key) = transport::MessageKey::read(&bytes) else {
        return Ok(JsValue::UNDEFINED);
    };
    let o = Object::new();
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    set(&o, "sendingApplication", text(key.sending_application));
    set(&o, "sendingFacility", text(key.sending_facility));
    set(&o, "controlId", text(key.control_id));
    Ok(o.into())
}

/// Whether a server may listen on `host` without being told to.
#[wasm_bindgen(js_name = isLoopback)]
pub fn is_loopback(host: &str) -> bool {
    transport::is_loopback(host)
}

#[wasm_bindgen]
impl NativeMessage {
    /// The acknowledgement a server sends once the handler is done:
    /// `failure` is undefined (accepted) or handler_failed / handler_timeout.
    #[wasm_bindgen(js_name = transportAccept)]
    pub fn transport_accept(
        &self,
        failure: Option<String>,
        options: JsValue,
    ) -> Result<NativeMessage, JsValue> {
        let outcome = match failure {
            None => Outcome::Accepted,
            Some(code) => Outcome::Failed(kind(&code)?),
        };
        let (control_id, timestamp) = stamp(&options)?;
        transport::accept(&self.quick().message(), outcome, &control_id, &timestamp)
            .map(owned)
            .map_err(|e| edit_error(&e))
    }
}

#[wasm_bindgen]
impl NativeMessage {
    /// What a server sends once the handler returned no reply of its own:
    /// the acknowledgement's bytes (MLLP-framed when `framed`), or
    /// undefined when MSH-15/16 want none.
    #[wasm_bindgen(js_name = transportReply)]
    pub fn transport_reply(
        &self,
        failure: Option<String>,
        options: JsValue,
        framed: bool,
    ) -> Result<Option<Vec<u8>>, JsValue> {
        let outcome = match failure {
            None => Outcome::Accepted,
            Some(code) => Outcome::Failed(kind(&code)?),
        };
        let (control_id, timestamp) = stamp(&options)?;
        let sent = transport::reply(&self.quick().message(), outcome, &control_id, &timestamp)
            .map_err(|e| edit_error(&e))?;
        Ok(sent.map(|ack| {
            if framed {
                pipehat::mllp::encode(ack.as_bytes())
            } else {
                ack.into_bytes()
            }
        }))
    }
}

/// The AR (or CR) a server sends for a frame that does not parse; throws
/// unreadable_frame when it has no readable MSH.
#[wasm_bindgen(js_name = transportReject)]
pub fn transport_reject(frame: &[u8], options: JsValue) -> Result<NativeMessage, JsValue> {
    let parse = parse_options(&options)?;
    let (control_id, timestamp) = stamp(&options)?;
    transport::reject(frame, &parse, &control_id, &timestamp)
        .map(owned)
        .map_err(|e| transport_error(&e))
}

/// Checks an HL7-over-HTTP request: `{mediaType, charset, contentType}`
/// (the reply's Content-Type), or throws a transport error with its status.
#[wasm_bindgen(js_name = httpCheck)]
#[allow(clippy::too_many_arguments)]
pub fn http_check(
    method: &str,
    content_type: Option<String>,
    authorization: Option<String>,
    body_length: f64,
    max_body_size: Option<f64>,
    user: Option<String>,
    password: Option<String>,
) -> Result<Object, JsValue> {
    let mut options = http::HttpOptions::default();
    if let Some(max) = max_body_size {
        options.max_body_size = max as u64;
    }
    if let (Some(u), Some(p)) = (user, password) {
        options.credentials = Some((u, p));
    }
    let request = http::HttpRequest {
        method,
        content_type: content_type.as_deref(),
        authorization: authorization.as_deref(),
        body_length: body_length as u64,
    };
    let accepted = http::check(&request, &options).map_err(|e| transport_error(&e))?;
    let o = Object::new();
    set(&o, "mediaType", accepted.media_type);
    set(&o, "charset", accepted.charset.map(String::from));
    set(&o, "contentType", http::reply_content_type(&accepted));
    Ok(o)
}

/// The HTTP status for an acknowledgement frame: its MSA-1's, or 200 for a
/// reply that is not an acknowledgement.
#[wasm_bindgen(js_name = httpStatusOf)]
pub fn http_status_of(reply: &[u8]) -> u16 {
    match Reply::read(reply) {
        Ok(Reply::Ack(ack)) => http::status_for(ack.code),
        Ok(Reply::NegativeCommit) => 500,
        _ => 200,
    }
}

/// The WWW-Authenticate header of a 401.
#[wasm_bindgen(js_name = httpAuthenticate)]
pub fn http_authenticate() -> String {
    http::AUTHENTICATE.into()
}

/// Acknowledgements of recent messages by key, to answer a resent message
/// without handling it twice.
#[wasm_bindgen]
#[derive(Debug)]
pub struct NativeReplayCache {
    inner: transport::ReplayCache,
}

#[wasm_bindgen]
impl NativeReplayCache {
    #[wasm_bindgen(constructor)]
    pub fn new(capacity: f64) -> NativeReplayCache {
        NativeReplayCache {
            inner: transport::ReplayCache::new(capacity.max(0.0) as usize),
        }
    }
    pub fn get(&self, message: &[u8]) -> Option<Vec<u8>> {
        self.inner.get(message).map(<[u8]>::to_vec)
    }
    pub fn insert(&mut self, message: &[u8], ack: &[u8]) {
        self.inner.insert(message, ack);
    }
    #[wasm_bindgen(getter)]
    pub fn size(&self) -> usize {
        self.inner.len()
    }
}

/// The delay before reconnect attempt `attempt`, in ms (see the core's backoff_ms).
#[wasm_bindgen(js_name = transportBackoff)]
pub fn transport_backoff(attempt: u32, min_ms: f64, max_ms: f64, jitter: f64) -> f64 {
    transport::backoff_ms(attempt, min_ms as u64, max_ms as u64, jitter) as f64
}

/// Whether a reply frame answers the message whose MSH-10 is `control_id`.
#[wasm_bindgen(js_name = replyAnswers)]
pub fn reply_answers(frame: &[u8], control_id: &str) -> bool {
    Reply::read(frame).is_ok_and(|r| r.answers(control_id.as_bytes()))
}

/// Whether the sender of these bytes should wait for an acknowledgement on success.
#[wasm_bindgen(js_name = expectsAck)]
pub fn expects_ack(message: &[u8]) -> bool {
    transport::expects_ack(message)
}

/// MSA-2 of a reply frame (the control id it answers), "" for an MLLP
/// release 2 commit block, undefined when the frame is not an acknowledgement.
#[wasm_bindgen(js_name = replyId)]
pub fn reply_id(frame: &[u8]) -> Option<String> {
    match Reply::read(frame).ok()? {
        Reply::Ack(ack) => Some(String::from_utf8_lossy(ack.answers).into_owned()),
        _ => Some(String::new()),
    }
}
