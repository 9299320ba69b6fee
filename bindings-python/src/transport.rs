//! Transport: the core's protocol answers for `pipehat.mllp` (asyncio and
//! blocking MLLP servers and clients) and `pipehat.http` (ASGI and Lambda),
//! reached through `pipehat.transport`. Sockets, timers and TLS are
//! Python's standard library; every decision is the core's.

use crate::errors::{attrs_of, obj, raise};
use crate::message::Message;
use crate::options::{input_bytes, options};
use crate::write::{message_from_buf, stamp};
use pipehat::transport::{self, http, Limits, Outcome, Reply, TransportError, TransportErrorKind};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

pub(crate) fn transport_error(py: Python<'_>, e: &TransportError) -> PyErr {
    let attrs = attrs_of(vec![
        ("code", obj(py, e.code())),
        ("length", obj(py, e.length())),
        ("status", obj(py, http::error_status(e.kind()))),
    ]);
    // The core's groups: a timeout is also a TimeoutError, a connection
    // that failed or ended also a ConnectionError.
    let class = match e.kind().group() {
        "timeout" => "TransportTimeoutError",
        "connection" => "TransportConnectionError",
        _ => "TransportError",
    };
    raise(py, class, e.to_string(), &attrs)
}

/// The bytes of a Message, or of bytes/str as given.
fn bytes_of(value: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    if let Ok(m) = value.cast::<Message>() {
        return Ok(m.get().inner.message().as_bytes().to_vec());
    }
    input_bytes(value)
        .map_err(|_| pyo3::exceptions::PyTypeError::new_err("expected a Message, bytes or str"))
}

fn kind(code: &str) -> PyResult<TransportErrorKind> {
    TransportErrorKind::from_code(code)
        .ok_or_else(|| PyValueError::new_err("unknown transport error code"))
}

/// error(code, length=None) -> TransportError: the exception for `code`
/// (not raised), its text from the core.
#[pyfunction]
#[pyo3(name = "transport_error")]
#[pyo3(signature = (code, length=None))]
fn error(py: Python<'_>, code: &str, length: Option<u64>) -> PyResult<Py<PyAny>> {
    let k = kind(code)?;
    let e = match length {
        Some(n) => TransportError::with_length(k, n),
        None => TransportError::new(k),
    };
    Ok(transport_error(py, &e).into_value(py).into_any())
}

/// The transport error codes.
#[pyfunction]
#[pyo3(name = "transport_error_codes")]
fn error_codes() -> Vec<&'static str> {
    TransportErrorKind::ALL.iter().map(|k| k.code()).collect()
}

/// The core's limits and timeouts, by their snake_case names (times in ms).
#[pyfunction]
#[pyo3(name = "transport_limits")]
fn limits(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let d = PyDict::new(py);
    for (name, value) in Limits::DEFAULT.entries() {
        d.set_item(name, value)?;
    }
    Ok(d)
}

/// read_reply(frame) -> dict: {"kind": "ack", "code", "answers",
/// "control_id", "settles_application"} or {"kind": "commit" |
/// "negative_commit", ...}; raises TransportError not_an_ack.
#[pyfunction]
#[pyo3(name = "transport_read_reply")]
fn read_reply<'py>(py: Python<'py>, frame: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyDict>> {
    let bytes = bytes_of(frame)?;
    let reply = Reply::read(&bytes).map_err(|e| transport_error(py, &e))?;
    let d = PyDict::new(py);
    let name = match reply {
        Reply::Commit => "commit",
        Reply::NegativeCommit => "negative_commit",
        Reply::Ack(ack) => {
            d.set_item("code", ack.code.as_str())?;
            d.set_item("answers", String::from_utf8_lossy(ack.answers))?;
            d.set_item("control_id", String::from_utf8_lossy(ack.control_id))?;
            "ack"
        }
    };
    d.set_item("kind", name)?;
    d.set_item("settles_application", reply.settles_application())?;
    Ok(d)
}

/// Whether a reply frame answers the message whose MSH-10 is `control_id`.
#[pyfunction]
#[pyo3(name = "transport_answers")]
fn answers(frame: &Bound<'_, PyAny>, control_id: &str) -> PyResult<bool> {
    let bytes = bytes_of(frame)?;
    Ok(Reply::read(&bytes).is_ok_and(|r| r.answers(control_id.as_bytes())))
}

/// MSA-2 of a reply frame (the control id it answers), "" for a commit
/// block, None when the frame is not an acknowledgement.
#[pyfunction]
#[pyo3(name = "transport_reply_id")]
fn reply_id(frame: &Bound<'_, PyAny>) -> PyResult<Option<String>> {
    let bytes = bytes_of(frame)?;
    Ok(match Reply::read(&bytes) {
        Ok(Reply::Ack(ack)) => Some(String::from_utf8_lossy(ack.answers).into_owned()),
        Ok(_) => Some(String::new()),
        Err(_) => None,
    })
}

/// MSH-10 of a message's bytes (parsed or not), or None.
#[pyfunction]
#[pyo3(name = "transport_control_id")]
fn control_id(data: &Bound<'_, PyAny>) -> PyResult<Option<String>> {
    let bytes = bytes_of(data)?;
    Ok(transport::control_id(&bytes).map(|id| String::from_utf8_lossy(id).into_owned()))
}

/// (MSH-3, MSH-4, MSH-10) of a message's bytes, or None.
#[pyfunction]
#[pyo3(name = "transport_message_key")]
fn message_key(data: &Bound<'_, PyAny>) -> PyResult<Option<(String, String, String)>> {
    let bytes = bytes_of(data)?;
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    Ok(transport::MessageKey::read(&bytes).map(|k| {
        (
            text(k.sending_application),
            text(k.sending_facility),
            text(k.control_id),
        )
    }))
}

/// Whether the sender of a message should wait for an acknowledgement on success.
#[pyfunction]
#[pyo3(name = "transport_expects_ack")]
fn expects_ack(message: &Bound<'_, PyAny>) -> PyResult<bool> {
    Ok(transport::expects_ack(&bytes_of(message)?))
}

/// Whether a server may listen on `host` without allow_public.
#[pyfunction]
#[pyo3(name = "transport_is_loopback")]
fn is_loopback(host: &str) -> bool {
    transport::is_loopback(host)
}

/// accept(message, failure=None, *, control_id=None, timestamp=None) ->
/// Message: the acknowledgement a server sends once the handler is done.
#[pyfunction]
#[pyo3(name = "transport_accept")]
#[pyo3(signature = (message, failure=None, *, control_id=None, timestamp=None))]
fn accept(
    py: Python<'_>,
    message: &Message,
    failure: Option<&str>,
    control_id: Option<String>,
    timestamp: Option<String>,
) -> PyResult<Message> {
    let outcome = match failure {
        None => Outcome::Accepted,
        Some(code) => Outcome::Failed(kind(code)?),
    };
    let (control_id, timestamp) = stamp(control_id, timestamp);
    transport::accept(&message.inner.message(), outcome, &control_id, &timestamp)
        .map(message_from_buf)
        .map_err(|e| crate::errors::edit_error(py, &e))
}

/// reply(message, failure=None, *, control_id=None, timestamp=None) ->
/// Message | None: what a server sends once the handler returned no reply
/// of its own; None when MSH-15/16 want no acknowledgement for it.
#[pyfunction]
#[pyo3(name = "transport_reply")]
#[pyo3(signature = (message, failure=None, *, control_id=None, timestamp=None))]
fn reply(
    py: Python<'_>,
    message: &Message,
    failure: Option<&str>,
    control_id: Option<String>,
    timestamp: Option<String>,
) -> PyResult<Option<Message>> {
    let outcome = match failure {
        None => Outcome::Accepted,
        Some(code) => Outcome::Failed(kind(code)?),
    };
    let (control_id, timestamp) = stamp(control_id, timestamp);
    transport::reply(&message.inner.message(), outcome, &control_id, &timestamp)
        .map(|sent| sent.map(message_from_buf))
        .map_err(|e| crate::errors::edit_error(py, &e))
}

/// reject(frame, *, strict=False, ..., control_id=None, timestamp=None) ->
/// Message: the AR (or CR) for a frame that does not parse; raises
/// TransportError unreadable_frame without a readable MSH.
#[pyfunction]
#[pyo3(name = "transport_reject")]
#[pyo3(signature = (frame, *, strict=false, segment_terminator=None, max_message_size=None, max_segments=None, max_field_length=None, control_id=None, timestamp=None))]
#[allow(clippy::too_many_arguments)] // parse()'s keyword arguments and the stamp
fn reject(
    py: Python<'_>,
    frame: &Bound<'_, PyAny>,
    strict: bool,
    segment_terminator: Option<&str>,
    max_message_size: Option<usize>,
    max_segments: Option<usize>,
    max_field_length: Option<usize>,
    control_id: Option<String>,
    timestamp: Option<String>,
) -> PyResult<Message> {
    let bytes = input_bytes(frame)?;
    let parse = options(
        strict,
        segment_terminator,
        max_message_size,
        max_segments,
        max_field_length,
    )?;
    let (control_id, timestamp) = stamp(control_id, timestamp);
    transport::reject(&bytes, &parse, &control_id, &timestamp)
        .map(message_from_buf)
        .map_err(|e| transport_error(py, &e))
}

/// http_check(method, content_type, authorization, body_length, *,
/// max_body_size=None, credentials=None) -> dict {"media_type", "charset",
/// "content_type"}; raises TransportError (with its status).
#[pyfunction]
#[pyo3(name = "transport_http_check")]
#[pyo3(signature = (method, content_type, authorization, body_length, *, max_body_size=None, credentials=None))]
fn http_check<'py>(
    py: Python<'py>,
    method: &str,
    content_type: Option<&str>,
    authorization: Option<&str>,
    body_length: u64,
    max_body_size: Option<u64>,
    credentials: Option<(String, String)>,
) -> PyResult<Bound<'py, PyDict>> {
    let mut options = http::HttpOptions::default();
    if let Some(max) = max_body_size {
        options.max_body_size = max;
    }
    options.credentials = credentials;
    let request = http::HttpRequest {
        method,
        content_type,
        authorization,
        body_length,
    };
    let accepted = http::check(&request, &options).map_err(|e| transport_error(py, &e))?;
    let d = PyDict::new(py);
    d.set_item("media_type", accepted.media_type)?;
    d.set_item("charset", accepted.charset)?;
    d.set_item("content_type", http::reply_content_type(&accepted))?;
    Ok(d)
}

/// The HTTP status for a reply: its MSA-1's (200, 400, 500), 200 when it is
/// not an acknowledgement.
#[pyfunction]
#[pyo3(name = "transport_http_status")]
fn http_status(reply: &Bound<'_, PyAny>) -> PyResult<u16> {
    let bytes = bytes_of(reply)?;
    Ok(match Reply::read(&bytes) {
        Ok(Reply::Ack(ack)) => http::status_for(ack.code),
        Ok(Reply::NegativeCommit) => 500,
        _ => 200,
    })
}

/// Milliseconds before reconnect attempt `attempt` (0-based), jittered by `jitter` in [0, 1).
#[pyfunction]
#[pyo3(name = "transport_backoff")]
fn backoff(attempt: u32, min_ms: u64, max_ms: u64, jitter: f64) -> u64 {
    transport::backoff_ms(attempt, min_ms, max_ms, jitter)
}

/// ReplayCache(capacity): acknowledgements of recent messages by MSH-3,
/// MSH-4 and MSH-10, to answer a resent message without handling it twice.
#[pyclass(module = "pipehat")]
pub(crate) struct ReplayCache {
    inner: transport::ReplayCache,
}

#[pymethods]
impl ReplayCache {
    #[new]
    fn py_new(capacity: usize) -> Self {
        ReplayCache {
            inner: transport::ReplayCache::new(capacity),
        }
    }
    /// The acknowledgement sent for an earlier message with this one's key, or None.
    fn get<'py>(
        &self,
        py: Python<'py>,
        message: &Bound<'py, PyAny>,
    ) -> PyResult<Option<Bound<'py, PyBytes>>> {
        let bytes = bytes_of(message)?;
        Ok(self.inner.get(&bytes).map(|a| PyBytes::new(py, a)))
    }
    /// Remembers the acknowledgement sent for `message`.
    fn set(&mut self, message: &Bound<'_, PyAny>, ack: &Bound<'_, PyAny>) -> PyResult<()> {
        self.inner.insert(&bytes_of(message)?, &bytes_of(ack)?);
        Ok(())
    }
    fn __len__(&self) -> usize {
        self.inner.len()
    }
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    for f in [
        wrap_pyfunction!(error, m)?,
        wrap_pyfunction!(error_codes, m)?,
        wrap_pyfunction!(limits, m)?,
        wrap_pyfunction!(read_reply, m)?,
        wrap_pyfunction!(answers, m)?,
        wrap_pyfunction!(reply_id, m)?,
        wrap_pyfunction!(control_id, m)?,
        wrap_pyfunction!(message_key, m)?,
        wrap_pyfunction!(is_loopback, m)?,
        wrap_pyfunction!(expects_ack, m)?,
        wrap_pyfunction!(accept, m)?,
        wrap_pyfunction!(reply, m)?,
        wrap_pyfunction!(reject, m)?,
        wrap_pyfunction!(http_check, m)?,
        wrap_pyfunction!(http_status, m)?,
        wrap_pyfunction!(backoff, m)?,
    ] {
        m.add_function(f)?;
    }
    m.add("TRANSPORT_AUTHENTICATE", http::AUTHENTICATE)?;
    m.add_class::<ReplayCache>()?;
    Ok(())
}
