//! Writing: editable messages, `build` and acknowledgements.

use crate::errors::{edit_error, parse_error, path_error};
use crate::message::{opt_str, Message};
use crate::options::{input_bytes, one_of, options, terminator};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList};
use std::sync::Arc;

/// The ACK's own MSH-7 (UTC) and MSH-10 when the caller gives none.
pub(crate) fn stamp(control_id: Option<String>, timestamp: Option<String>) -> (String, String) {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let id = control_id.unwrap_or_else(|| {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let entropy = (now.as_nanos() as u64) ^ n.rotate_left(40) ^ u64::from(std::process::id());
        pipehat::edit::control_id(entropy)
    });
    let ts = timestamp.unwrap_or_else(|| pipehat::edit::format_timestamp(now.as_secs() as i64, 0));
    (id, ts)
}

pub(crate) fn ack_options(
    py: Python<'_>,
    code: Option<&str>,
    text: Option<String>,
    errors: Option<&Bound<'_, PyList>>,
    diagnostics: Option<&str>,
    control_id: Option<String>,
    timestamp: Option<String>,
) -> PyResult<pipehat::ack::AckOptions> {
    use pipehat::ack::{AckCode, AckError, AckErrorPartError, IncludeDiagnostics};
    let (control_id, timestamp) = stamp(control_id, timestamp);
    let mut o = pipehat::ack::AckOptions::new(control_id, timestamp);
    o.code = code
        .map(|c| AckCode::parse(c).ok_or_else(|| one_of("code", &AckCode::NAMES)))
        .transpose()?;
    o.text = text;
    if let Some(d) = diagnostics {
        o.diagnostics = IncludeDiagnostics::from_name(d)
            .ok_or_else(|| one_of("diagnostics", &IncludeDiagnostics::NAMES))?;
    }
    for item in errors.into_iter().flat_map(|l| l.iter()) {
        let d = item
            .cast::<PyDict>()
            .map_err(|_| PyTypeError::new_err("each error is a dict with a 'code' key"))?;
        let code: u16 = d
            .get_item("code")?
            .ok_or_else(|| PyValueError::new_err("an error needs a 'code' (HL7 table 0357)"))?
            .extract()?;
        let text_of = |key: &str| -> PyResult<Option<String>> {
            match d.get_item(key)? {
                Some(v) if !v.is_none() => Ok(Some(v.extract()?)),
                _ => Ok(None),
            }
        };
        let severity = text_of("severity")?;
        let path = text_of("path")?;
        let e = AckError::from_parts(
            code,
            severity.as_deref(),
            path.as_deref(),
            text_of("text")?,
            text_of("diagnostic")?,
        )
        .map_err(|e| match e {
            AckErrorPartError::Location(p) => path_error(py, &p),
            other => PyValueError::new_err(other.to_string()),
        })?;
        o.errors.push(e);
    }
    Ok(o)
}

pub(crate) fn message_from_buf(buf: pipehat::MessageBuf) -> Message {
    Message {
        inner: Arc::new(buf.into_owned()),
    }
}

/// A message being edited. Edits rewrite only what they address; everything
/// else stays byte for byte.
#[pyclass(module = "pipehat")]
pub(crate) struct EditableMessage {
    pub(crate) inner: pipehat::MessageBuf,
}

#[pymethods]
impl EditableMessage {
    /// EditableMessage(data, /): parses bytes or str for editing.
    #[new]
    #[pyo3(signature = (data, /))]
    fn py_new(py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<Self> {
        let bytes = input_bytes(data)?;
        match pipehat::MessageBuf::parse(bytes.clone()) {
            Ok(inner) => Ok(EditableMessage { inner }),
            Err(e) => Err(parse_error(py, &e, &bytes)),
        }
    }

    /// Sets the value at `path` (delimiters in `value` are escaped; missing
    /// parts are created).
    fn set(&mut self, py: Python<'_>, path: &str, value: &str) -> PyResult<()> {
        self.inner.set(path, value).map_err(|e| edit_error(py, &e))
    }

    /// Sets the value at `path` to already-encoded text.
    fn set_raw(&mut self, py: Python<'_>, path: &str, text: &str) -> PyResult<()> {
        self.inner
            .set_raw(path, text)
            .map_err(|e| edit_error(py, &e))
    }

    /// Inserts a repetition, component or subcomponent before the one `path` names.
    fn insert(&mut self, py: Python<'_>, path: &str, value: &str) -> PyResult<()> {
        self.inner
            .insert(path, value)
            .map_err(|e| edit_error(py, &e))
    }

    /// Like insert(), with already-encoded text.
    fn insert_raw(&mut self, py: Python<'_>, path: &str, text: &str) -> PyResult<()> {
        self.inner
            .insert_raw(path, text)
            .map_err(|e| edit_error(py, &e))
    }

    /// Removes the repetition, component or subcomponent `path` names (a
    /// field path clears the field).
    fn remove(&mut self, py: Python<'_>, path: &str) -> PyResult<()> {
        self.inner.remove(path).map_err(|e| edit_error(py, &e))
    }

    /// Appends a repetition to the field at `path`.
    fn append_repetition(&mut self, py: Python<'_>, path: &str, value: &str) -> PyResult<()> {
        self.inner
            .append_repetition(path, value)
            .map_err(|e| edit_error(py, &e))
    }

    /// Inserts a segment (encoded text, e.g. "NTE|1||note") before index `at`.
    fn insert_segment(&mut self, py: Python<'_>, at: usize, text: &str) -> PyResult<()> {
        self.inner
            .insert_segment(at, text)
            .map_err(|e| edit_error(py, &e))
    }

    /// Appends a segment (encoded text).
    fn append_segment(&mut self, py: Python<'_>, text: &str) -> PyResult<()> {
        self.inner
            .append_segment(text)
            .map_err(|e| edit_error(py, &e))
    }

    /// Removes the segment at index `at` (the header cannot be removed).
    fn remove_segment(&mut self, py: Python<'_>, at: usize) -> PyResult<()> {
        self.inner
            .remove_segment(at)
            .map_err(|e| edit_error(py, &e))
    }

    /// The decoded value at `path`, or None.
    fn get(&self, py: Python<'_>, path: &str) -> PyResult<Py<PyAny>> {
        let msg = self.inner.message();
        let v = msg.get(path).map_err(|e| path_error(py, &e))?;
        Ok(opt_str(py, v))
    }

    /// A parsed, read-only snapshot of the current text.
    fn to_message(&self) -> Message {
        message_from_buf(self.inner.clone())
    }

    fn __len__(&self) -> usize {
        self.inner.segment_count()
    }

    fn __bytes__<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, self.inner.as_bytes())
    }

    fn __str__(&self) -> String {
        self.inner.to_string()
    }

    fn __repr__(&self) -> String {
        format!(
            "<pipehat.EditableMessage {} segments, {} bytes>",
            self.inner.segment_count(),
            self.inner.as_bytes().len()
        )
    }
}

/// build(message_type, /, *, control_id=None, timestamp=None, sending_application="",
/// sending_facility="", receiving_application="", receiving_facility="",
/// processing_id=None, version=None, charset=None, delimiters=None,
/// segment_terminator=None)
/// --
///
/// A new message holding an MSH built from the arguments (encoded text).
/// What is None takes the core's default: processing id "P", version
/// "2.5.1", delimiters "|^~\\&", segment terminator "\r".
#[pyfunction]
#[pyo3(signature = (message_type, /, *, control_id=None, timestamp=None, sending_application="", sending_facility="", receiving_application="", receiving_facility="", processing_id=None, version=None, charset=None, delimiters=None, segment_terminator=None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn build(
    py: Python<'_>,
    message_type: String,
    control_id: Option<String>,
    timestamp: Option<String>,
    sending_application: &str,
    sending_facility: &str,
    receiving_application: &str,
    receiving_facility: &str,
    processing_id: Option<String>,
    version: Option<String>,
    charset: Option<String>,
    delimiters: Option<&str>,
    segment_terminator: Option<&str>,
) -> PyResult<EditableMessage> {
    let (control_id, timestamp) = stamp(control_id, timestamp);
    let defaults = pipehat::edit::Header::default();
    let header = pipehat::edit::Header {
        delimiters: match delimiters {
            Some(d) => pipehat::Delimiters::from_text(d).map_err(|e| parse_error(py, &e, &[]))?,
            None => defaults.delimiters,
        },
        terminator: terminator(segment_terminator)?.unwrap_or(defaults.terminator),
        sending_application: sending_application.into(),
        sending_facility: sending_facility.into(),
        receiving_application: receiving_application.into(),
        receiving_facility: receiving_facility.into(),
        timestamp,
        message_type,
        control_id,
        processing_id: processing_id.unwrap_or(defaults.processing_id),
        version: version.unwrap_or(defaults.version),
        charset,
    };
    pipehat::MessageBuf::new(&header)
        .map(|inner| EditableMessage { inner })
        .map_err(|e| edit_error(py, &e))
}

/// ack(data, /, *, code=None, text=None, errors=None, diagnostics=None,
/// control_id=None, timestamp=None, strict=False, segment_terminator=None,
/// max_message_size=None, max_segments=None, max_field_length=None)
/// --
///
/// Acknowledges raw input whether or not it parses: a parse failure becomes
/// an ERR segment (code AE, or CE in enhanced mode) as long as MSH is readable.
#[pyfunction]
#[pyo3(signature = (data, /, *, code=None, text=None, errors=None, diagnostics=None, control_id=None, timestamp=None, strict=false, segment_terminator=None, max_message_size=None, max_segments=None, max_field_length=None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn ack(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
    code: Option<&str>,
    text: Option<String>,
    errors: Option<&Bound<'_, PyList>>,
    diagnostics: Option<&str>,
    control_id: Option<String>,
    timestamp: Option<String>,
    strict: bool,
    segment_terminator: Option<&str>,
    max_message_size: Option<usize>,
    max_segments: Option<usize>,
    max_field_length: Option<usize>,
) -> PyResult<Message> {
    let parse_options = options(
        strict,
        segment_terminator,
        max_message_size,
        max_segments,
        max_field_length,
    )?;
    let o = ack_options(py, code, text, errors, diagnostics, control_id, timestamp)?;
    let bytes = input_bytes(data)?;
    match pipehat::ack::ack_bytes(&bytes, &parse_options, &o) {
        Ok(buf) => Ok(message_from_buf(buf)),
        Err(pipehat::ack::AckBytesError::Parse(e)) => Err(parse_error(py, &e, &bytes)),
        Err(pipehat::ack::AckBytesError::Edit(e)) => Err(edit_error(py, &e)),
    }
}

/// Adds this module's functions and classes to `pipehat._native`.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(build, m)?)?;
    m.add_function(wrap_pyfunction!(ack, m)?)?;
    m.add_class::<EditableMessage>()?;
    Ok(())
}
