//! `pipehat._native`: thin PyO3 wrappers over the pipehat core. Every HL7
//! decision is made in the core; this crate converts arguments, results and
//! errors, and releases the GIL around long work.

use pipehat::stream::{ChunkKind, MessageReader, OwnedChunk};
use pipehat::{OwnedMessage, ParseOptions, SegmentTerminator, Severity};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyDict, PyList, PyString, PyType};
use pyo3::IntoPyObjectExt;
use std::sync::Arc;

// ---------------------------------------------------------------------------
// errors: the classes live in pipehat/errors.py (they subclass ValueError and
// KeyError, which a Rust-created exception cannot do); this raises them.

fn error_class<'py>(py: Python<'py>, name: &'static str) -> PyResult<Bound<'py, PyType>> {
    static MODULE: PyOnceLock<Py<PyModule>> = PyOnceLock::new();
    let module = MODULE.get_or_try_init(py, || py.import("pipehat.errors").map(Bound::unbind))?;
    Ok(module.bind(py).getattr(name)?.cast_into::<PyType>()?)
}

fn raise(
    py: Python<'_>,
    class: &'static str,
    message: String,
    attrs: &[(&str, Py<PyAny>)],
) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let exc = error_class(py, class)?.call1((message.clone(),))?;
        for (k, v) in attrs {
            exc.setattr(*k, v)?;
        }
        Ok(PyErr::from_value(exc))
    };
    build().unwrap_or_else(|e| e)
}

fn parse_error(py: Python<'_>, e: &pipehat::ParseError, input: &[u8]) -> PyErr {
    let (line, column) = e.line_column(input);
    let attrs = [
        (
            "code",
            e.code().into_pyobject(py).map(|v| v.into_any().unbind()),
        ),
        (
            "offset",
            e.offset().into_pyobject(py).map(|v| v.into_any().unbind()),
        ),
        (
            "line",
            line.into_pyobject(py).map(|v| v.into_any().unbind()),
        ),
        (
            "column",
            column.into_pyobject(py).map(|v| v.into_any().unbind()),
        ),
        (
            "segment",
            e.segment().into_pyobject(py).map(|v| v.into_any().unbind()),
        ),
        (
            "field",
            e.field().into_pyobject(py).map(|v| v.into_any().unbind()),
        ),
    ];
    let attrs: Vec<(&str, Py<PyAny>)> = attrs
        .into_iter()
        .filter_map(|(k, v)| v.ok().map(|v| (k, v)))
        .collect();
    raise(py, "ParseError", format!("{e} [{}]", e.code()), &attrs)
}

fn path_error(py: Python<'_>, e: &pipehat::PathError) -> PyErr {
    let attrs: Vec<(&str, Py<PyAny>)> = [
        (
            "code",
            e.code().into_pyobject(py).map(|v| v.into_any().unbind()),
        ),
        (
            "offset",
            e.offset().into_pyobject(py).map(|v| v.into_any().unbind()),
        ),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.ok().map(|v| (k, v)))
    .collect();
    raise(py, "PathError", format!("{e} [{}]", e.code()), &attrs)
}

fn stream_error(py: Python<'_>, e: &pipehat::stream::StreamError) -> PyErr {
    match e {
        pipehat::stream::StreamError::Io(io) => {
            pyo3::exceptions::PyOSError::new_err(io.to_string())
        }
        other => {
            let attrs: Vec<(&str, Py<PyAny>)> = [
                (
                    "code",
                    other
                        .code()
                        .into_pyobject(py)
                        .map(|v| v.into_any().unbind()),
                ),
                (
                    "offset",
                    other
                        .offset()
                        .into_pyobject(py)
                        .map(|v| v.into_any().unbind()),
                ),
            ]
            .into_iter()
            .filter_map(|(k, v)| v.ok().map(|v| (k, v)))
            .collect();
            raise(
                py,
                "StreamError",
                format!("{other} [{}]", other.code()),
                &attrs,
            )
        }
    }
}

// ---------------------------------------------------------------------------
// inputs and options

/// Bytes from `bytes`, `bytearray`, `memoryview` or `str` (encoded as UTF-8).
fn input_bytes(data: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    if let Ok(s) = data.cast::<PyString>() {
        return Ok(s.to_cow()?.as_bytes().to_vec());
    }
    if let Ok(b) = data.cast::<PyBytes>() {
        return Ok(b.as_bytes().to_vec());
    }
    data.extract::<Vec<u8>>()
        .map_err(|_| PyTypeError::new_err("expected bytes, bytearray, memoryview or str"))
}

fn terminator(value: Option<&str>) -> PyResult<Option<SegmentTerminator>> {
    match value {
        None => Ok(None),
        Some("\r") | Some("cr") => Ok(Some(SegmentTerminator::Cr)),
        Some("\n") | Some("lf") => Ok(Some(SegmentTerminator::Lf)),
        Some("\r\n") | Some("crlf") => Ok(Some(SegmentTerminator::CrLf)),
        Some(_) => Err(PyValueError::new_err(
            "segment_terminator must be '\\r', '\\n', '\\r\\n', 'cr', 'lf' or 'crlf'",
        )),
    }
}

fn options(
    strict: bool,
    segment_terminator: Option<&str>,
    max_message_size: Option<usize>,
    max_segments: Option<usize>,
    max_field_length: Option<usize>,
) -> PyResult<ParseOptions> {
    let mut o = ParseOptions::default()
        .strict(strict)
        .segment_terminator(terminator(segment_terminator)?);
    if let Some(n) = max_message_size {
        o = o.max_message_size(n);
    }
    if let Some(n) = max_segments {
        o = o.max_segments(n);
    }
    if let Some(n) = max_field_length {
        o = o.max_field_length(n);
    }
    Ok(o)
}

fn parse_owned(py: Python<'_>, bytes: Vec<u8>, options: &ParseOptions) -> PyResult<Message> {
    match OwnedMessage::parse_with(bytes, options) {
        Ok(m) => Ok(Message { inner: Arc::new(m) }),
        Err(e) => Err(parse_error(py, &e, &[])),
    }
}

/// parse(data, /, *, strict=False, segment_terminator=None, max_message_size=None,
/// max_segments=None, max_field_length=None, lazy=False)
/// --
///
/// Parses one HL7 v2 message (or a whole batch file) from bytes or str.
/// lazy=True indexes segments only: faster to read a few paths, slower to
/// walk every field; values, errors and diagnostics are the same.
#[pyfunction]
#[pyo3(signature = (data, /, *, strict=false, segment_terminator=None, max_message_size=None, max_segments=None, max_field_length=None, lazy=false))]
#[allow(clippy::too_many_arguments)] // the keyword arguments of parse()
fn parse(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
    strict: bool,
    segment_terminator: Option<&str>,
    max_message_size: Option<usize>,
    max_segments: Option<usize>,
    max_field_length: Option<usize>,
    lazy: bool,
) -> PyResult<Message> {
    let options = options(
        strict,
        segment_terminator,
        max_message_size,
        max_segments,
        max_field_length,
    )?
    .lazy(lazy);
    let bytes = input_bytes(data)?;
    let result = py.detach(|| OwnedMessage::parse_with(bytes.clone(), &options));
    match result {
        Ok(m) => Ok(Message { inner: Arc::new(m) }),
        Err(e) => Err(parse_error(py, &e, &bytes)),
    }
}

// ---------------------------------------------------------------------------
// Message

/// A parsed HL7 v2 message. Values are decoded when read.
#[pyclass(frozen, module = "pipehat._native")]
struct Message {
    inner: Arc<OwnedMessage>,
}

fn opt_str(py: Python<'_>, v: Option<std::borrow::Cow<'_, str>>) -> Py<PyAny> {
    match v {
        Some(s) => PyString::new(py, &s).into_any().unbind(),
        None => py.None(),
    }
}

#[pymethods]
impl Message {
    /// get_datetime(path) -> DateTimeValue | None
    ///
    /// The DTM (or TS first component) at path; None when absent or empty;
    /// raises DatatypeError when present but not a date-time.
    fn get_datetime(&self, py: Python<'_>, path: &str) -> PyResult<Option<DateTimeValue>> {
        let msg = self.inner.message();
        match msg.datetime(path).map_err(|e| path_error(py, &e))? {
            None => Ok(None),
            Some(Ok(v)) => datetime_value(py, v).map(Some),
            Some(Err(e)) => Err(datatype_error(py, &e)),
        }
    }

    /// get_number(path) -> float | None: the NM at path (DatatypeError when malformed).
    fn get_number(&self, py: Python<'_>, path: &str) -> PyResult<Option<f64>> {
        let msg = self.inner.message();
        match msg.number(path).map_err(|e| path_error(py, &e))? {
            None => Ok(None),
            Some(r) => r.map(Some).map_err(|e| datatype_error(py, &e)),
        }
    }

    /// get_sequence_id(path) -> int | None: the SI at path (DatatypeError when malformed).
    fn get_sequence_id(&self, py: Python<'_>, path: &str) -> PyResult<Option<u32>> {
        let msg = self.inner.message();
        match msg.sequence_id(path).map_err(|e| path_error(py, &e))? {
            None => Ok(None),
            Some(r) => r.map(Some).map_err(|e| datatype_error(py, &e)),
        }
    }

    /// get_typed(path, datatype) -> dict | None
    ///
    /// The value at path read as XPN, CX, XAD, XTN, CWE, CE, HD, EI, FN or SAD:
    /// every component name (HL7 v2.5.1) with its decoded text or None;
    /// nested composites (XPN.1, CX.4, XAD.1, ...) as dicts.
    fn get_typed<'py>(
        &self,
        py: Python<'py>,
        path: &str,
        datatype: &str,
    ) -> PyResult<Option<Bound<'py, PyDict>>> {
        let dt = datatype_arg(datatype)?;
        let msg = self.inner.message();
        match msg.typed(path, dt).map_err(|e| path_error(py, &e))? {
            None => Ok(None),
            Some(c) => composite_dict(py, &c).map(Some),
        }
    }

    /// get_typed_all(path, datatype) -> list[dict]: every repetition of the field.
    fn get_typed_all<'py>(
        &self,
        py: Python<'py>,
        path: &str,
        datatype: &str,
    ) -> PyResult<Vec<Bound<'py, PyDict>>> {
        let dt = datatype_arg(datatype)?;
        let msg = self.inner.message();
        let all = msg.typed_all(path, dt).map_err(|e| path_error(py, &e))?;
        all.iter().map(|c| composite_dict(py, c)).collect()
    }

    /// An editable copy of this message.
    fn edit(&self) -> EditableMessage {
        EditableMessage {
            inner: pipehat::MessageBuf::from(&self.inner.message()),
        }
    }

    /// ack(*, code=None, text=None, errors=None, diagnostics="warnings",
    /// control_id=None, timestamp=None) -> Message
    ///
    /// An acknowledgement: MSH from this one (sender and receiver swapped),
    /// MSA, and ERR segments for diagnostics and `errors` (dicts with
    /// "code" from HL7 table 0357, optional "severity", "path", "text").
    #[pyo3(signature = (code=None, text=None, *, errors=None, diagnostics="warnings", control_id=None, timestamp=None))]
    #[allow(clippy::too_many_arguments)]
    fn ack(
        &self,
        py: Python<'_>,
        code: Option<&str>,
        text: Option<String>,
        errors: Option<&Bound<'_, PyList>>,
        diagnostics: &str,
        control_id: Option<String>,
        timestamp: Option<String>,
    ) -> PyResult<Message> {
        let o = ack_options(py, code, text, errors, diagnostics, control_id, timestamp)?;
        self.inner
            .message()
            .ack(&o)
            .map(message_from_buf)
            .map_err(|e| edit_error(py, &e))
    }

    /// "original" or "enhanced" (MSH-15/16 valued).
    #[getter]
    fn ack_mode(&self) -> &'static str {
        match self.inner.message().ack_mode() {
            pipehat::ack::AckMode::Original => "original",
            _ => "enhanced",
        }
    }

    /// Whether MSH-15/16 ask for an acknowledgement with `code`.
    fn wants_ack(&self, code: &str) -> PyResult<bool> {
        let code = pipehat::ack::AckCode::parse(code)
            .ok_or_else(|| PyValueError::new_err("code must be one of AA, AE, AR, CA, CE, CR"))?;
        Ok(self.inner.message().ack_mode().wants(code))
    }

    /// The decoded value at `path` (escapes decoded; a composite reads as
    /// encoded), or None when absent or empty.
    fn get(&self, py: Python<'_>, path: &str) -> PyResult<Py<PyAny>> {
        let msg = self.inner.message();
        let v = msg.get(path).map_err(|e| path_error(py, &e))?;
        Ok(opt_str(py, v))
    }

    /// The value at `path` exactly as written (escapes kept), or None.
    fn get_raw(&self, py: Python<'_>, path: &str) -> PyResult<Py<PyAny>> {
        let msg = self.inner.message();
        let v = msg.get_raw(path).map_err(|e| path_error(py, &e))?;
        Ok(opt_str(py, v))
    }

    /// The decoded value of every repetition of the field at `path`.
    fn get_all(&self, py: Python<'_>, path: &str) -> PyResult<Vec<String>> {
        let msg = self.inner.message();
        let v = msg.get_all(path).map_err(|e| path_error(py, &e))?;
        Ok(v.into_iter().map(|s| s.into_owned()).collect())
    }

    fn __getitem__(&self, py: Python<'_>, path: &str) -> PyResult<Py<PyAny>> {
        self.get(py, path)
    }

    /// MSH-9.1, e.g. "ADT".
    #[getter]
    fn message_type(&self, py: Python<'_>) -> Py<PyAny> {
        opt_str(py, self.inner.message().message_type())
    }
    /// MSH-9.2, e.g. "A01".
    #[getter]
    fn trigger_event(&self, py: Python<'_>) -> Py<PyAny> {
        opt_str(py, self.inner.message().trigger_event())
    }
    /// MSH-9.3, e.g. "ADT_A01".
    #[getter]
    fn message_structure(&self, py: Python<'_>) -> Py<PyAny> {
        opt_str(py, self.inner.message().message_structure())
    }
    /// MSH-10, the message control id.
    #[getter]
    fn control_id(&self, py: Python<'_>) -> Py<PyAny> {
        opt_str(py, self.inner.message().control_id())
    }
    /// MSH-11.1, the processing id.
    #[getter]
    fn processing_id(&self, py: Python<'_>) -> Py<PyAny> {
        opt_str(py, self.inner.message().processing_id())
    }
    /// MSH-12.1, the version.
    #[getter]
    fn version(&self, py: Python<'_>) -> Py<PyAny> {
        opt_str(py, self.inner.message().version())
    }
    /// MSH-7.1, the message date/time.
    #[getter]
    fn timestamp(&self, py: Python<'_>) -> Py<PyAny> {
        opt_str(py, self.inner.message().timestamp())
    }
    /// MSH-3.1.
    #[getter]
    fn sending_application(&self, py: Python<'_>) -> Py<PyAny> {
        opt_str(py, self.inner.message().sending_application())
    }
    /// MSH-4.1.
    #[getter]
    fn sending_facility(&self, py: Python<'_>) -> Py<PyAny> {
        opt_str(py, self.inner.message().sending_facility())
    }
    /// MSH-5.1.
    #[getter]
    fn receiving_application(&self, py: Python<'_>) -> Py<PyAny> {
        opt_str(py, self.inner.message().receiving_application())
    }
    /// MSH-6.1.
    #[getter]
    fn receiving_facility(&self, py: Python<'_>) -> Py<PyAny> {
        opt_str(py, self.inner.message().receiving_facility())
    }
    /// The MSH-18 character set pipehat recognised ("UNICODE UTF-8", "8859/1", ...), or None.
    #[getter]
    fn charset(&self) -> Option<&'static str> {
        self.inner.message().charset().name()
    }
    /// The segment terminator detected: "\r", "\n" or "\r\n".
    #[getter]
    fn segment_terminator(&self) -> &'static str {
        self.inner.message().segment_terminator().as_str()
    }
    /// The delimiters as a dict: field, component, repetition, escape,
    /// subcomponent, truncation (None when not declared).
    #[getter]
    fn delimiters<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = self.inner.message().delimiters();
        let dict = PyDict::new(py);
        let ch = |b: u8| (b as char).to_string();
        dict.set_item("field", ch(d.field()))?;
        dict.set_item("component", ch(d.component()))?;
        dict.set_item("repetition", ch(d.repetition()))?;
        dict.set_item("escape", ch(d.escape()))?;
        dict.set_item(
            "subcomponent",
            d.has_subcomponent().then(|| ch(d.subcomponent())),
        )?;
        dict.set_item("truncation", d.truncation().map(ch))?;
        Ok(dict)
    }

    /// Everything lenient parsing noticed (codes and positions, no content).
    #[getter]
    fn diagnostics(&self) -> Vec<Diagnostic> {
        let input = self.inner.as_bytes();
        self.inner
            .message()
            .diagnostics()
            .into_iter()
            .map(|d| Diagnostic::new(&d, input))
            .collect()
    }

    /// The segments, in order.
    #[getter]
    fn segments(&self) -> Vec<Segment> {
        (0..self.inner.message().segment_count())
            .map(|i| Segment {
                msg: self.inner.clone(),
                index: i,
            })
            .collect()
    }

    /// The first segment named `name`, or None.
    fn segment(&self, name: &str) -> Option<Segment> {
        let index = self.inner.message().segment(name)?.index();
        Some(Segment {
            msg: self.inner.clone(),
            index,
        })
    }

    /// Every segment named `name`.
    fn segments_named(&self, name: &str) -> Vec<Segment> {
        self.inner
            .message()
            .segments_named(name)
            .map(|s| Segment {
                msg: self.inner.clone(),
                index: s.index(),
            })
            .collect()
    }

    /// to_json(form="tree") -> str
    ///
    /// The message as JSON text. form: "tree" (segments and decoded values),
    /// "lossless" (rebuilds the exact bytes with from_json), "friendly"
    /// (keyed by segment and field number, for people) or "named" (the
    /// friendly form keyed by field and component names of MSH-12's version).
    #[pyo3(signature = (form="tree"))]
    fn to_json(&self, py: Python<'_>, form: &str) -> PyResult<String> {
        let inner = self.inner.clone();
        let form = json_form(form)?;
        Ok(py.detach(move || match form {
            JsonForm::Tree => inner.message().to_json(),
            JsonForm::Lossless => inner.message().to_lossless_json(),
            JsonForm::Friendly => inner.message().to_friendly_json(),
            JsonForm::Named => inner.message().to_named_json(None),
        }))
    }

    /// to_dict(form="tree") -> dict
    ///
    /// The message as Python dicts, lists and strings, in the same forms as to_json().
    #[pyo3(signature = (form="tree"))]
    fn to_dict<'py>(&self, py: Python<'py>, form: &str) -> PyResult<Bound<'py, PyDict>> {
        match json_form(form)? {
            JsonForm::Tree => {
                let mut sink = DictSink::new(py);
                self.inner.message().walk_tree(&mut sink);
                sink.finish()
            }
            other => {
                let text = match other {
                    JsonForm::Lossless => self.inner.message().to_lossless_json(),
                    JsonForm::Named => self.inner.message().to_named_json(None),
                    _ => self.inner.message().to_friendly_json(),
                };
                Ok(py
                    .import("json")?
                    .call_method1("loads", (text,))?
                    .cast_into::<PyDict>()?)
            }
        }
    }

    fn __len__(&self) -> usize {
        self.inner.message().segment_count()
    }

    fn __iter__(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let list = PyList::new(py, self.segments())?;
        Ok(list.try_iter()?.into_any().unbind())
    }

    fn __bytes__<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, self.inner.as_bytes())
    }

    fn __str__(&self) -> String {
        String::from_utf8_lossy(self.inner.as_bytes()).into_owned()
    }

    fn __repr__(&self) -> String {
        let m = self.inner.message();
        format!(
            "<pipehat.Message {}^{} v{}, {} segments, {} bytes>",
            m.message_type().as_deref().unwrap_or("?"),
            m.trigger_event().as_deref().unwrap_or("?"),
            m.version().as_deref().unwrap_or("?"),
            m.segment_count(),
            self.inner.as_bytes().len()
        )
    }

    fn __reduce__<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyBytes>,))> {
        let parse = py.import("pipehat._native")?.getattr("parse")?;
        Ok((parse, (PyBytes::new(py, self.inner.as_bytes()),)))
    }
}

/// Builds Python objects from the core's tree walk. Python errors (memory
/// only) are kept and reported by `finish`.
struct DictSink<'py> {
    py: Python<'py>,
    segments: Bound<'py, PyList>,
    name: Option<Bound<'py, PyString>>,
    stack: Vec<Bound<'py, PyList>>,
    /// Most leaves are empty: one shared "" object for all of them.
    empty: Bound<'py, PyString>,
    error: Option<PyErr>,
}

impl<'py> DictSink<'py> {
    fn new(py: Python<'py>) -> Self {
        DictSink {
            py,
            segments: PyList::empty(py),
            name: None,
            stack: Vec::new(),
            empty: PyString::new(py, ""),
            error: None,
        }
    }

    fn keep(&mut self, r: PyResult<()>) {
        if let Err(e) = r {
            self.error.get_or_insert(e);
        }
    }

    fn push_item(&mut self, item: Bound<'py, PyAny>) {
        let r = match self.stack.last() {
            Some(top) => top.append(item),
            None => Ok(()),
        };
        self.keep(r);
    }

    fn finish(self) -> PyResult<Bound<'py, PyDict>> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let dict = PyDict::new(self.py);
        dict.set_item("segments", self.segments)?;
        Ok(dict)
    }
}

impl pipehat::json::TreeSink for DictSink<'_> {
    fn begin_segment(&mut self, name: &str) {
        self.name = Some(PyString::new(self.py, name));
        self.stack.push(PyList::empty(self.py));
    }
    fn end_segment(&mut self) {
        let fields = self.stack.pop();
        let dict = PyDict::new(self.py);
        let r = dict
            .set_item("name", self.name.take())
            .and_then(|_| dict.set_item("fields", fields))
            .and_then(|_| self.segments.append(dict));
        self.keep(r);
    }
    fn begin_repetitions(&mut self) {
        self.stack.push(PyList::empty(self.py));
    }
    fn end_repetitions(&mut self) {
        if let Some(list) = self.stack.pop() {
            let dict = PyDict::new(self.py);
            let r = dict.set_item("repetitions", list);
            self.keep(r);
            self.push_item(dict.into_any());
        }
    }
    fn begin_list(&mut self) {
        self.stack.push(PyList::empty(self.py));
    }
    fn end_list(&mut self) {
        if let Some(list) = self.stack.pop() {
            self.push_item(list.into_any());
        }
    }
    fn text(&mut self, value: &str) {
        let s = if value.is_empty() {
            self.empty.clone()
        } else {
            PyString::new(self.py, value)
        }
        .into_any();
        self.push_item(s);
    }
}

// ---------------------------------------------------------------------------
// Segment and elements: a shared message plus coordinates, resolved on access.

/// One segment. `segment[n]` is the decoded value of field n.
#[pyclass(frozen, module = "pipehat._native")]
struct Segment {
    msg: Arc<OwnedMessage>,
    index: usize,
}

impl Segment {
    fn with<R>(&self, f: impl FnOnce(pipehat::Segment<'_>) -> R) -> R {
        let m = self.msg.message();
        // The index was valid when this object was made and messages are immutable.
        let seg = m.segment_at(self.index).expect("segment index in range");
        f(seg)
    }
}

#[pymethods]
impl Segment {
    /// The segment name, e.g. "PID" (bytes that are not UTF-8 read in the
    /// message's character set, as values do).
    #[getter]
    fn name(&self) -> String {
        self.with(|s| s.name_text().into_owned())
    }
    /// 0-based position in the message.
    #[getter]
    fn index(&self) -> usize {
        self.index
    }
    /// 0-based byte offset in the input.
    #[getter]
    fn offset(&self) -> usize {
        self.with(|s| s.offset())
    }
    /// Field `number` (from 1; MSH-1 is the field separator), or None.
    fn field(&self, number: usize) -> Option<Element> {
        self.with(|s| {
            s.field(number)
                .map(|_| Element::new(self.msg.clone(), self.index, [number, 0, 0, 0]))
        })
    }
    /// The fields, from field 1.
    #[getter]
    fn fields(&self) -> Vec<Element> {
        let n = self.with(|s| s.field_count());
        (1..=n)
            .map(|i| Element::new(self.msg.clone(), self.index, [i, 0, 0, 0]))
            .collect()
    }
    fn __len__(&self) -> usize {
        self.with(|s| s.field_count())
    }
    fn __getitem__(&self, py: Python<'_>, number: usize) -> Py<PyAny> {
        let v = self.with(|s| {
            s.field(number)
                .filter(|f| !f.is_empty())
                .map(|f| f.value().into_owned())
        });
        opt_str(py, v.map(std::borrow::Cow::Owned))
    }
    fn __str__(&self) -> String {
        self.with(|s| String::from_utf8_lossy(s.as_bytes()).into_owned())
    }
    fn __repr__(&self) -> String {
        self.with(|s| {
            format!(
                "<pipehat.Segment {} #{}, {} fields>",
                s.name_text(),
                self.index,
                s.field_count()
            )
        })
    }
}

/// A field, repetition, component or subcomponent (see `kind`).
#[pyclass(frozen, module = "pipehat._native")]
struct Element {
    msg: Arc<OwnedMessage>,
    segment: usize,
    /// field, repetition, component, subcomponent numbers (0 = not chosen).
    at: [usize; 4],
}

impl Element {
    fn new(msg: Arc<OwnedMessage>, segment: usize, at: [usize; 4]) -> Self {
        Element { msg, segment, at }
    }

    fn depth(&self) -> usize {
        self.at.iter().take_while(|&&n| n != 0).count()
    }

    fn with<R>(&self, f: impl FnOnce(pipehat::Value<'_>) -> R) -> R {
        let m = self.msg.message();
        // Coordinates were valid when this object was made and messages are immutable.
        f(m.value_at(self.segment, self.at)
            .expect("element coordinates in range"))
    }

    fn children_count(&self) -> usize {
        self.with(|v| match v {
            pipehat::Value::Field(f) => f.repetitions().count(),
            pipehat::Value::Repetition(r) => r.components().count(),
            pipehat::Value::Component(c) => c.subcomponents().count(),
            _ => 0,
        })
    }

    fn child(&self, n: usize) -> Element {
        let mut at = self.at;
        at[self.depth()] = n;
        Element::new(self.msg.clone(), self.segment, at)
    }

    /// Children one level down; a whole field goes through its repetitions.
    fn children(&self) -> Vec<Element> {
        (1..=self.children_count()).map(|n| self.child(n)).collect()
    }
}

#[pymethods]
impl Element {
    /// "field", "repetition", "component" or "subcomponent".
    #[getter]
    fn kind(&self) -> &'static str {
        ["field", "repetition", "component", "subcomponent"][self.depth() - 1]
    }
    /// The decoded text (a composite reads as encoded).
    #[getter]
    fn value(&self) -> String {
        self.with(|v| v.value().into_owned())
    }
    /// The text exactly as written.
    #[getter]
    fn raw(&self) -> String {
        self.with(|v| v.raw().into_owned())
    }
    /// 0-based byte offset in the input.
    #[getter]
    fn offset(&self) -> usize {
        self.with(|v| v.offset())
    }
    /// Whether the value is empty.
    #[getter]
    fn is_empty(&self) -> bool {
        self.with(|v| v.is_empty())
    }
    /// Whether the value is the HL7 null "".
    #[getter]
    fn is_null(&self) -> bool {
        self.with(|v| v.is_null())
    }
    /// A field's repetitions.
    #[getter]
    fn repetitions(&self) -> PyResult<Vec<Element>> {
        match self.depth() {
            1 => Ok(self.children()),
            _ => Err(PyTypeError::new_err("only a field has repetitions")),
        }
    }
    /// The components (of a field: of its first repetition).
    #[getter]
    fn components(&self) -> PyResult<Vec<Element>> {
        match self.depth() {
            1 => self.child(1).components(),
            2 => Ok(self.children()),
            _ => Err(PyTypeError::new_err(
                "only a field or a repetition has components",
            )),
        }
    }
    /// A component's subcomponents.
    #[getter]
    fn subcomponents(&self) -> PyResult<Vec<Element>> {
        match self.depth() {
            3 => Ok(self.children()),
            _ => Err(PyTypeError::new_err("only a component has subcomponents")),
        }
    }
    fn __len__(&self) -> usize {
        self.children_count()
    }
    fn __str__(&self) -> String {
        self.value()
    }
    fn __repr__(&self) -> String {
        format!(
            "<pipehat.Element {} at byte {}>",
            self.kind(),
            self.offset()
        )
    }
}

/// Something lenient parsing noticed.
#[pyclass(frozen, get_all, module = "pipehat._native")]
struct Diagnostic {
    /// Stable snake_case code, e.g. "non_standard_segment_terminator".
    code: &'static str,
    /// "info", "warning" or "error".
    severity: &'static str,
    /// 0-based byte offset.
    offset: usize,
    /// 1-based line and column of the offset.
    line: usize,
    column: usize,
    /// 0-based segment index, or None.
    segment: Option<u32>,
    /// HL7 field number, or None.
    field: Option<u32>,
    /// A sentence with positions and no message content.
    message: String,
}

impl Diagnostic {
    fn new(d: &pipehat::Diagnostic, input: &[u8]) -> Self {
        let (line, column) = pipehat::line_column(input, d.offset());
        Diagnostic {
            code: d.code().code(),
            severity: match d.severity() {
                Severity::Info => "info",
                Severity::Warning => "warning",
                _ => "error",
            },
            offset: d.offset(),
            line,
            column,
            segment: d.segment(),
            field: d.field(),
            message: d.message().to_string(),
        }
    }
}

#[pymethods]
impl Diagnostic {
    fn __repr__(&self) -> String {
        format!(
            "<pipehat.Diagnostic {} {}: {}>",
            self.severity, self.code, self.message
        )
    }
}

// ---------------------------------------------------------------------------
// streams and bulk extraction

/// Iterator returned by iter_messages.
#[pyclass(module = "pipehat._native")]
struct MessageIterator {
    source: Source,
    options: ParseOptions,
}

enum Source {
    /// Bytes held whole, in a splitter already finished.
    Bytes(Box<pipehat::stream::Splitter>),
    Reader(Box<MessageReader<Box<dyn std::io::Read + Send + Sync>>>),
}

impl Source {
    /// A path or a binary file object (chunks up to `limit` bytes), or bytes
    /// (chunks up to `bytes_limit`).
    fn open(source: &Bound<'_, PyAny>, limit: usize, bytes_limit: usize) -> PyResult<Source> {
        if let Some(path) = is_path(source)? {
            let file = std::fs::File::open(&path)
                .map_err(|e| pyo3::exceptions::PyOSError::new_err(e.to_string()))?;
            let reader: Box<dyn std::io::Read + Send + Sync> = Box::new(file);
            return Ok(Source::Reader(Box::new(MessageReader::with_limit(
                reader, limit,
            ))));
        }
        if source.hasattr("read")? {
            let reader: Box<dyn std::io::Read + Send + Sync> =
                Box::new(PyReader(source.clone().unbind()));
            return Ok(Source::Reader(Box::new(MessageReader::with_limit(
                reader, limit,
            ))));
        }
        let mut splitter = pipehat::stream::Splitter::with_limit(bytes_limit);
        splitter.push_vec(input_bytes(source)?);
        splitter.finish();
        Ok(Source::Bytes(Box::new(splitter)))
    }

    fn next_chunk(&mut self) -> Option<Result<OwnedChunk, pipehat::stream::StreamError>> {
        match self {
            Source::Bytes(splitter) => splitter.next_chunk(),
            Source::Reader(reader) => reader.next(),
        }
    }

    /// The next message chunk as owned bytes, skipping envelope segments.
    fn next_message(&mut self) -> Option<Result<Vec<u8>, pipehat::stream::StreamError>> {
        loop {
            match self.next_chunk()? {
                Ok(c) if c.kind == ChunkKind::Message => return Some(Ok(c.bytes)),
                Ok(_) => continue,
                Err(e) => return Some(Err(e)),
            }
        }
    }
}

#[pymethods]
impl MessageIterator {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__(&mut self, py: Python<'_>) -> PyResult<Option<Message>> {
        let source = &mut self.source;
        let next = py.detach(|| source.next_message());
        match next {
            None => Ok(None),
            Some(Ok(bytes)) => parse_owned(py, bytes, &self.options).map(Some),
            Some(Err(e)) => Err(stream_error(py, &e)),
        }
    }
}

/// One piece of a stream: a message or an envelope segment (FHS, BHS, BTS,
/// FTS), or lines that are not HL7. ``bytes(chunk)`` gives its bytes.
#[pyclass(module = "pipehat", frozen)]
struct Chunk {
    /// "message", "file_header", "batch_header", "batch_trailer",
    /// "file_trailer" or "unrecognized".
    #[pyo3(get)]
    kind: &'static str,
    /// 0-based byte offset of the chunk in the stream.
    #[pyo3(get)]
    offset: u64,
    /// Trailers only: the count BTS-1/FTS-1 declares (None when it declares none).
    #[pyo3(get)]
    declared_count: Option<u64>,
    /// Trailers only: the messages (BTS) or batches (FTS) actually counted.
    #[pyo3(get)]
    counted_count: Option<u64>,
    data: Py<PyBytes>,
}

impl Chunk {
    fn new(py: Python<'_>, c: &OwnedChunk) -> Chunk {
        // Both counts are None but for trailers.
        Chunk {
            kind: c.kind.as_str(),
            offset: c.offset,
            declared_count: c.as_chunk().declared_count(),
            counted_count: c.counted,
            data: PyBytes::new(py, &c.bytes).unbind(),
        }
    }

    /// A splitter's next item: a chunk, None when there is none yet, or
    /// StreamError for a chunk too large.
    fn from_item(
        py: Python<'_>,
        item: Option<Result<OwnedChunk, pipehat::stream::StreamError>>,
    ) -> PyResult<Option<Chunk>> {
        match item {
            None => Ok(None),
            Some(Ok(c)) => Ok(Some(Chunk::new(py, &c))),
            Some(Err(e)) => Err(stream_error(py, &e)),
        }
    }
}

#[pymethods]
impl Chunk {
    /// Chunk(kind, offset, data, declared_count=None, counted_count=None):
    /// what pickling calls; split() and Splitter make them.
    #[new]
    #[pyo3(signature = (kind, offset, data, declared_count=None, counted_count=None))]
    fn py_new(
        kind: &str,
        offset: u64,
        data: Bound<'_, PyBytes>,
        declared_count: Option<u64>,
        counted_count: Option<u64>,
    ) -> PyResult<Chunk> {
        let kind = ChunkKind::from_name(kind)
            .ok_or_else(|| PyValueError::new_err("unknown chunk kind"))?
            .as_str();
        Ok(Chunk {
            kind,
            offset,
            declared_count,
            counted_count,
            data: data.unbind(),
        })
    }

    #[allow(clippy::type_complexity)]
    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
    ) -> (
        Bound<'py, PyType>,
        (&'static str, u64, Py<PyBytes>, Option<u64>, Option<u64>),
    ) {
        let c = slf.get();
        (
            slf.get_type(),
            (
                c.kind,
                c.offset,
                c.data.clone_ref(slf.py()),
                c.declared_count,
                c.counted_count,
            ),
        )
    }

    /// The chunk's bytes (a message keeps its final segment terminator).
    #[getter]
    fn bytes(&self, py: Python<'_>) -> Py<PyBytes> {
        self.data.clone_ref(py)
    }

    fn __bytes__(&self, py: Python<'_>) -> Py<PyBytes> {
        self.data.clone_ref(py)
    }

    fn __len__(&self, py: Python<'_>) -> usize {
        self.data.bind(py).as_bytes().len()
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "<Chunk {} at {}, {} bytes>",
            self.kind,
            self.offset,
            self.data.bind(py).as_bytes().len()
        )
    }
}

/// Iterates the chunks of a source; see split().
#[pyclass(module = "pipehat")]
struct ChunkIterator {
    source: Source,
}

#[pymethods]
impl ChunkIterator {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__(&mut self, py: Python<'_>) -> PyResult<Option<Chunk>> {
        let source = &mut self.source;
        let item = py.detach(|| source.next_chunk());
        Chunk::from_item(py, item)
    }
}

/// split(source, /, *, max_chunk_size=None)
/// --
///
/// Iterates the chunks of a path, a binary file object or bytes: every
/// message, batch and file header and trailer (with their counts), and lines
/// that are not HL7, in order. Files are read with bounded memory; a chunk
/// over max_chunk_size (default 256 MiB; no limit for bytes) raises
/// StreamError, and iterating again goes on after it.
#[pyfunction]
#[pyo3(signature = (source, /, *, max_chunk_size=None))]
fn split(source: &Bound<'_, PyAny>, max_chunk_size: Option<usize>) -> PyResult<ChunkIterator> {
    let source = Source::open(
        source,
        max_chunk_size.unwrap_or(256 << 20),
        max_chunk_size.unwrap_or(usize::MAX),
    )?;
    Ok(ChunkIterator { source })
}

/// Splitter(max_chunk_size=None)
/// --
///
/// Splits a stream that arrives in pieces (a socket, an HTTP body, blocks of
/// a file) into the chunks split() finds in the whole: feed() each piece,
/// iterate to take the chunks complete so far, finish() at the end and
/// iterate once more for the last. Holds at most one unfinished chunk; a
/// chunk over max_chunk_size (default 256 MiB) raises StreamError and is
/// skipped: iterating again goes on after it.
#[pyclass(module = "pipehat")]
struct Splitter {
    inner: pipehat::stream::Splitter,
}

#[pymethods]
impl Splitter {
    #[new]
    #[pyo3(signature = (max_chunk_size=None))]
    fn py_new(max_chunk_size: Option<usize>) -> Self {
        let inner = match max_chunk_size {
            Some(n) => pipehat::stream::Splitter::with_limit(n),
            None => pipehat::stream::Splitter::new(),
        };
        Splitter { inner }
    }

    /// Adds the next piece (bytes, bytearray, memoryview, or str as UTF-8);
    /// returns the splitter, to iterate.
    fn feed<'py>(
        mut slf: PyRefMut<'py, Self>,
        data: &Bound<'py, PyAny>,
    ) -> PyResult<PyRefMut<'py, Self>> {
        let bytes = input_bytes(data)?;
        slf.inner.push_vec(bytes);
        Ok(slf)
    }

    /// Declares the end of the stream: what is left becomes the last chunks.
    /// Feeding again goes on with the same stream.
    fn finish(mut slf: PyRefMut<'_, Self>) -> PyRefMut<'_, Self> {
        slf.inner.finish();
        slf
    }

    /// The next complete chunk, or None.
    fn read(&mut self, py: Python<'_>) -> PyResult<Option<Chunk>> {
        Chunk::from_item(py, self.inner.next_chunk())
    }

    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__(&mut self, py: Python<'_>) -> PyResult<Option<Chunk>> {
        self.read(py)
    }

    /// Bytes fed and not yet given out (nor skipped).
    #[getter]
    fn buffered(&self) -> usize {
        self.inner.buffered()
    }

    /// Stream offset of the first byte not yet given out.
    #[getter]
    fn position(&self) -> u64 {
        self.inner.position()
    }
}

/// A Python binary file object as `io::Read` (reads with the GIL held).
struct PyReader(Py<PyAny>);

impl std::io::Read for PyReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        Python::attach(|py| {
            let data = self
                .0
                .bind(py)
                .call_method1("read", (buf.len(),))
                .map_err(std::io::Error::other)?;
            let bytes = data
                .cast::<PyBytes>()
                .map_err(|_| std::io::Error::other("read() did not return bytes"))?;
            let b = bytes.as_bytes();
            let n = b.len().min(buf.len());
            buf[..n].copy_from_slice(&b[..n]);
            Ok(n)
        })
    }
}

fn is_path(source: &Bound<'_, PyAny>) -> PyResult<Option<std::path::PathBuf>> {
    if source.is_instance_of::<PyString>() {
        return Ok(Some(source.extract()?));
    }
    let os = source.py().import("os")?;
    if source.is_instance(&os.getattr("PathLike")?)? {
        return Ok(Some(source.extract()?));
    }
    Ok(None)
}

/// iter_messages(source, /, *, strict=False, segment_terminator=None, max_message_size=None, max_segments=None, max_field_length=None, lazy=False)
/// --
///
/// Iterates the messages of a path, a binary file object or bytes: files with
/// several messages, batches (envelope segments are skipped) and MLLP captures.
/// Each message is parsed with the options of parse().
#[pyfunction]
#[pyo3(signature = (source, /, *, strict=false, segment_terminator=None, max_message_size=None, max_segments=None, max_field_length=None, lazy=false))]
fn iter_messages(
    source: &Bound<'_, PyAny>,
    strict: bool,
    segment_terminator: Option<&str>,
    max_message_size: Option<usize>,
    max_segments: Option<usize>,
    max_field_length: Option<usize>,
    lazy: bool,
) -> PyResult<MessageIterator> {
    let options = options(
        strict,
        segment_terminator,
        max_message_size,
        max_segments,
        max_field_length,
    )?
    .lazy(lazy);
    let src = Source::open(source, options.max_message_size, usize::MAX)?;
    Ok(MessageIterator {
        source: src,
        options,
    })
}

/// extract(source, paths, /, *, raw=False, threads=None, details=False, strict=False, segment_terminator=None, max_message_size=None, max_segments=None, max_field_length=None)
/// --
///
/// Reads `paths` from every message of `source` (a path, bytes or a binary
/// file object), parsing on all cores with the GIL released, each message
/// with the parse options of parse(). Returns a dict: path -> list of str or
/// None, one entry per message. With details=True: {"columns": that dict,
/// "offsets": each message's byte offset in the input, "errors": [(row,
/// ParseError)] for each message that could not be parsed, the error being
/// the one parsing that message alone raises}.
#[pyfunction]
#[pyo3(signature = (source, paths, /, *, raw=false, threads=None, details=false, strict=false, segment_terminator=None, max_message_size=None, max_segments=None, max_field_length=None))]
#[allow(clippy::too_many_arguments)] // the keyword arguments of extract()
fn extract<'py>(
    py: Python<'py>,
    source: &Bound<'py, PyAny>,
    paths: Vec<String>,
    raw: bool,
    threads: Option<usize>,
    details: bool,
    strict: bool,
    segment_terminator: Option<&str>,
    max_message_size: Option<usize>,
    max_segments: Option<usize>,
    max_field_length: Option<usize>,
) -> PyResult<Bound<'py, PyDict>> {
    let options = options(
        strict,
        segment_terminator,
        max_message_size,
        max_segments,
        max_field_length,
    )?;
    let parsed: Vec<pipehat::Path> = paths
        .iter()
        .map(|p| p.parse::<pipehat::Path>())
        .collect::<Result<_, _>>()
        .map_err(|e| path_error(py, &e))?;
    let data = if let Some(path) = is_path(source)? {
        py.detach(|| std::fs::read(&path))
            .map_err(|e| pyo3::exceptions::PyOSError::new_err(e.to_string()))?
    } else if source.hasattr("read")? {
        input_bytes(&source.call_method0("read")?)?
    } else {
        input_bytes(source)?
    };
    let out = py
        .detach(|| pipehat::extract::extract(&data, &parsed, raw, threads.unwrap_or(0), &options));
    let dict = PyDict::new(py);
    for (name, column) in paths.iter().zip(out.columns) {
        let list = PyList::new(py, column)?;
        dict.set_item(name, list)?;
    }
    if !details {
        return Ok(dict);
    }
    let errors = PyList::empty(py);
    for (row, e) in &out.errors {
        let message = data.get(out.offsets[*row] as usize..).unwrap_or_default();
        let error = parse_error(py, e, message).into_value(py);
        errors.append((*row, error))?;
    }
    let report = PyDict::new(py);
    report.set_item("columns", dict)?;
    report.set_item("offsets", out.offsets)?;
    report.set_item("errors", errors)?;
    Ok(report)
}

// ---------------------------------------------------------------------------
// typed values

fn datatype_error(py: Python<'_>, e: &pipehat::datatype::DatatypeError) -> PyErr {
    let attrs = attrs_of(vec![
        ("code", obj(py, e.code())),
        ("offset", obj(py, e.offset())),
    ]);
    raise(py, "DatatypeError", e.to_string(), &attrs)
}

/// An HL7 date-time (DTM, or a TS's first component) at its precision.
#[pyclass(frozen, get_all, module = "pipehat._native")]
struct DateTimeValue {
    /// "year", "month", "day", "hour", "minute", "second" or "fraction"; None for the HL7 null.
    precision: Option<&'static str>,
    /// ISO 8601 at the value's own precision ("1980-01", "2024-01-15T10:30:00.25-05:00"); None for the HL7 null.
    iso: Option<String>,
    /// A datetime.datetime (aware when an offset was given; missing parts are their minimum); None for the HL7 null.
    datetime: Py<PyAny>,
    /// Offset from UTC in minutes, when given.
    offset_minutes: Option<i16>,
    /// True for the HL7 null ("").
    is_null: bool,
}

#[pymethods]
impl DateTimeValue {
    fn __repr__(&self) -> String {
        match &self.iso {
            Some(iso) => format!(
                "<pipehat.DateTimeValue {iso} ({})>",
                self.precision.unwrap_or("")
            ),
            None => "<pipehat.DateTimeValue null>".into(),
        }
    }
}

fn datetime_value(py: Python<'_>, v: pipehat::datatype::Dtm) -> PyResult<DateTimeValue> {
    let t = match v {
        pipehat::datatype::Dtm::Null => {
            return Ok(DateTimeValue {
                precision: None,
                iso: None,
                datetime: py.None(),
                offset_minutes: None,
                is_null: true,
            })
        }
        pipehat::datatype::Dtm::Value(t) => t,
    };
    let dt = py.import("datetime")?;
    let tz = match t.offset_minutes() {
        Some(m) => {
            let delta = dt.getattr("timedelta")?.call1((0, i32::from(m) * 60))?;
            dt.getattr("timezone")?.call1((delta,))?.unbind()
        }
        None => py.None(),
    };
    let value = dt.getattr("datetime")?.call1((
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.nanos() / 1000,
        tz,
    ))?;
    Ok(DateTimeValue {
        precision: Some(t.precision().as_str()),
        iso: Some(t.to_iso8601()),
        datetime: value.unbind(),
        offset_minutes: t.offset_minutes(),
        is_null: false,
    })
}

fn composite_dict<'py>(
    py: Python<'py>,
    c: &pipehat::datatype::Composite<'_>,
) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    for (name, part) in &c.parts {
        match part {
            pipehat::datatype::TypedPart::Text(t) => d.set_item(*name, t.as_deref())?,
            pipehat::datatype::TypedPart::Composite(n) => {
                d.set_item(*name, composite_dict(py, n)?)?
            }
        }
    }
    Ok(d)
}

fn datatype_arg(name: &str) -> PyResult<pipehat::datatype::Datatype> {
    pipehat::datatype::Datatype::parse(name).ok_or_else(|| {
        PyValueError::new_err("datatype must be one of XPN, CX, XAD, XTN, CWE, CE, HD, EI, FN, SAD")
    })
}

enum JsonForm {
    Tree,
    Lossless,
    Friendly,
    Named,
}

fn json_form(form: &str) -> PyResult<JsonForm> {
    match form {
        "tree" => Ok(JsonForm::Tree),
        "lossless" => Ok(JsonForm::Lossless),
        "friendly" => Ok(JsonForm::Friendly),
        "named" => Ok(JsonForm::Named),
        _ => Err(PyValueError::new_err(
            "form must be 'tree', 'lossless', 'friendly' or 'named'",
        )),
    }
}

/// from_json(data, /) -> Message
/// --
///
/// Rebuilds a message from lossless JSON (text or the dict to_dict(form="lossless") gives).
#[pyfunction]
#[pyo3(signature = (data, /))]
fn from_json(py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<Message> {
    let text: String = if let Ok(s) = data.cast::<PyString>() {
        s.to_cow()?.into_owned()
    } else if data.cast::<PyDict>().is_ok() {
        py.import("json")?
            .call_method1("dumps", (data,))?
            .extract()?
    } else {
        return Err(PyTypeError::new_err(
            "expected lossless JSON as str or dict",
        ));
    };
    let result = py.detach(|| pipehat::MessageBuf::from_lossless_json(&text));
    match result {
        Ok(buf) => Ok(message_from_buf(buf)),
        Err(e) => match e.parse_error() {
            Some(p) => Err(parse_error(py, &p, &[])),
            None => {
                let attrs = attrs_of(vec![
                    ("code", obj(py, e.code())),
                    ("offset", obj(py, e.offset())),
                ]);
                Err(raise(py, "JsonError", e.to_string(), &attrs))
            }
        },
    }
}

// ---------------------------------------------------------------------------
// writing: editable messages, acknowledgements, MLLP

fn attrs_of(items: Vec<(&'static str, PyResult<Py<PyAny>>)>) -> Vec<(&'static str, Py<PyAny>)> {
    items
        .into_iter()
        .filter_map(|(k, v)| v.ok().map(|v| (k, v)))
        .collect()
}

fn obj<'py, T: IntoPyObject<'py>>(py: Python<'py>, v: T) -> PyResult<Py<PyAny>> {
    v.into_bound_py_any(py).map(Bound::unbind)
}

fn edit_error(py: Python<'_>, e: &pipehat::EditError) -> PyErr {
    let attrs = attrs_of(vec![
        ("code", obj(py, e.code())),
        ("offset", obj(py, e.offset())),
        ("segment", obj(py, e.segment())),
    ]);
    raise(py, "EditError", format!("{e}"), &attrs)
}

fn mllp_error(py: Python<'_>, e: &pipehat::mllp::MllpIssue) -> PyErr {
    let attrs = attrs_of(vec![
        ("code", obj(py, e.code())),
        ("offset", obj(py, e.offset())),
        ("length", obj(py, e.length())),
    ]);
    raise(py, "MllpError", format!("{e}"), &attrs)
}

/// The ACK's own MSH-7 (UTC) and MSH-10 when the caller gives none.
fn stamp(control_id: Option<String>, timestamp: Option<String>) -> (String, String) {
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

fn ack_options(
    py: Python<'_>,
    code: Option<&str>,
    text: Option<String>,
    errors: Option<&Bound<'_, PyList>>,
    diagnostics: &str,
    control_id: Option<String>,
    timestamp: Option<String>,
) -> PyResult<pipehat::ack::AckOptions> {
    use pipehat::ack::{AckCode, AckError, ErrLocation, ErrSeverity, IncludeDiagnostics};
    let (control_id, timestamp) = stamp(control_id, timestamp);
    let mut o = pipehat::ack::AckOptions::new(control_id, timestamp);
    o.code =
        match code {
            None => None,
            Some(c) => Some(AckCode::parse(c).ok_or_else(|| {
                PyValueError::new_err("code must be one of AA, AE, AR, CA, CE, CR")
            })?),
        };
    o.text = text;
    o.diagnostics = match diagnostics {
        "none" => IncludeDiagnostics::None,
        "errors" => IncludeDiagnostics::Errors,
        "warnings" => IncludeDiagnostics::Warnings,
        _ => {
            return Err(PyValueError::new_err(
                "diagnostics must be 'none', 'errors' or 'warnings'",
            ))
        }
    };
    for item in errors.into_iter().flat_map(|l| l.iter()) {
        let d = item
            .cast::<PyDict>()
            .map_err(|_| PyTypeError::new_err("each error is a dict with a 'code' key"))?;
        let code: u16 = d
            .get_item("code")?
            .ok_or_else(|| PyValueError::new_err("an error needs a 'code' (HL7 table 0357)"))?
            .extract()?;
        let mut e = AckError::new(code);
        if let Some(s) = d.get_item("severity")? {
            let s: String = s.extract()?;
            e.severity = ErrSeverity::parse(&s).ok_or_else(|| {
                PyValueError::new_err(
                    "severity must be E, W, I or F (or error, warning, info, fatal)",
                )
            })?;
        }
        if let Some(p) = d.get_item("path")? {
            if !p.is_none() {
                let p: String = p.extract()?;
                let path = pipehat::Path::parse(&p).map_err(|e| path_error(py, &e))?;
                e.location = Some(ErrLocation::from_path(&path));
            }
        }
        if let Some(t) = d.get_item("text")? {
            e.text = t.extract()?;
        }
        o.errors.push(e);
    }
    Ok(o)
}

fn message_from_buf(buf: pipehat::MessageBuf) -> Message {
    Message {
        inner: Arc::new(buf.into_owned()),
    }
}

/// A message being edited. Edits rewrite only what they address; everything
/// else stays byte for byte.
#[pyclass(module = "pipehat._native")]
struct EditableMessage {
    inner: pipehat::MessageBuf,
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
            .push_repetition(path, value)
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
            .push_segment(text)
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
/// processing_id="P", version="2.5.1", charset=None, delimiters="|^~\\&",
/// segment_terminator="\r")
/// --
///
/// A new message holding an MSH built from the arguments (encoded text).
#[pyfunction]
#[pyo3(signature = (message_type, /, *, control_id=None, timestamp=None, sending_application="", sending_facility="", receiving_application="", receiving_facility="", processing_id="P", version="2.5.1", charset=None, delimiters="|^~\\&", segment_terminator="\r"))]
#[allow(clippy::too_many_arguments)]
fn build(
    py: Python<'_>,
    message_type: String,
    control_id: Option<String>,
    timestamp: Option<String>,
    sending_application: &str,
    sending_facility: &str,
    receiving_application: &str,
    receiving_facility: &str,
    processing_id: &str,
    version: &str,
    charset: Option<String>,
    delimiters: &str,
    segment_terminator: &str,
) -> PyResult<EditableMessage> {
    let (control_id, timestamp) = stamp(control_id, timestamp);
    let d = delimiters.as_bytes();
    if !(d.len() == 5 || d.len() == 6) {
        return Err(PyValueError::new_err(
            "delimiters are 5 or 6 characters: field, component, repetition, escape, subcomponent[, truncation]",
        ));
    }
    let delimiters = pipehat::Delimiters::new(d[0], d[1], d[2], d[3], d[4], d.get(5).copied())
        .map_err(|e| parse_error(py, &e, &[]))?;
    let terminator = terminator(Some(segment_terminator))?.unwrap_or(SegmentTerminator::Cr);
    let header = pipehat::edit::Header {
        delimiters,
        terminator,
        sending_application: sending_application.into(),
        sending_facility: sending_facility.into(),
        receiving_application: receiving_application.into(),
        receiving_facility: receiving_facility.into(),
        timestamp,
        message_type,
        control_id,
        processing_id: processing_id.into(),
        version: version.into(),
        charset,
    };
    pipehat::MessageBuf::new(&header)
        .map(|inner| EditableMessage { inner })
        .map_err(|e| edit_error(py, &e))
}

/// ack(data, /, *, code=None, text=None, errors=None, diagnostics="warnings",
/// control_id=None, timestamp=None, strict=False, segment_terminator=None,
/// max_message_size=None, max_segments=None, max_field_length=None)
/// --
///
/// Acknowledges raw input whether or not it parses: a parse failure becomes
/// an ERR segment (code AE, or CE in enhanced mode) as long as MSH is readable.
#[pyfunction]
#[pyo3(signature = (data, /, *, code=None, text=None, errors=None, diagnostics="warnings", control_id=None, timestamp=None, strict=false, segment_terminator=None, max_message_size=None, max_segments=None, max_field_length=None))]
#[allow(clippy::too_many_arguments)]
fn ack(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
    code: Option<&str>,
    text: Option<String>,
    errors: Option<&Bound<'_, PyList>>,
    diagnostics: &str,
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

/// mllp_encode(data, /) -> bytes: one MLLP frame (0x0B data 0x1C 0x0D).
#[pyfunction]
#[pyo3(signature = (data, /))]
fn mllp_encode<'py>(py: Python<'py>, data: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyBytes>> {
    let bytes = input_bytes(data)?;
    Ok(PyBytes::new(py, &pipehat::mllp::encode(&bytes)))
}

/// Something odd the MLLP decoder skipped or dropped.
#[pyclass(frozen, get_all, module = "pipehat._native")]
struct MllpIssue {
    /// Stable code, e.g. "mllp_garbage".
    code: &'static str,
    /// "warning", or "error" for a frame too large.
    severity: &'static str,
    /// Offset in the stream.
    offset: u64,
    /// Bytes concerned.
    length: u64,
    /// A sentence with positions and no content.
    message: String,
}

#[pymethods]
impl MllpIssue {
    fn __repr__(&self) -> String {
        format!("<pipehat.MllpIssue {}: {}>", self.code, self.message)
    }
}

/// MllpDecoder(max_frame_size=None): frames from bytes in chunks of any size.
#[pyclass(module = "pipehat._native")]
struct MllpDecoder {
    inner: pipehat::mllp::Decoder,
}

#[pymethods]
impl MllpDecoder {
    #[new]
    #[pyo3(signature = (max_frame_size=None))]
    fn py_new(max_frame_size: Option<usize>) -> Self {
        let inner = match max_frame_size {
            Some(n) => pipehat::mllp::Decoder::with_max_frame_size(n),
            None => pipehat::mllp::Decoder::new(),
        };
        MllpDecoder { inner }
    }

    /// Feeds bytes; returns the frames completed so far. A frame larger
    /// than the limit raises MllpError (after the frames before it were returned).
    fn feed<'py>(
        &mut self,
        py: Python<'py>,
        data: &Bound<'py, PyAny>,
    ) -> PyResult<Vec<Bound<'py, PyBytes>>> {
        let bytes = input_bytes(data)?;
        self.inner.push(&bytes);
        let mut frames = Vec::new();
        let result = self.inner.read_frames(&mut frames);
        match result {
            Ok(()) => Ok(frames.iter().map(|f| PyBytes::new(py, f)).collect()),
            Err(e) => Err(mllp_error(py, &e)),
        }
    }

    /// Declares the end of the stream (an unfinished frame becomes an issue).
    fn finish(&mut self) {
        self.inner.finish();
    }

    /// Warnings so far: bytes between frames, missing carriage returns, dropped frames.
    #[getter]
    fn issues(&self) -> Vec<MllpIssue> {
        self.inner
            .issues()
            .iter()
            .map(|i| MllpIssue {
                code: i.code(),
                severity: if i.kind().severity() == Severity::Error {
                    "error"
                } else {
                    "warning"
                },
                offset: i.offset(),
                length: i.length(),
                message: i.to_string(),
            })
            .collect()
    }

    /// Bytes held for an unfinished frame.
    #[getter]
    fn buffered(&self) -> usize {
        self.inner.buffered()
    }
}

// ---------------------------------------------------------------------------
// filters, routes, change detection, mappings

fn filter_error(py: Python<'_>, e: &pipehat::filter::FilterError) -> PyErr {
    let attrs = attrs_of(vec![
        ("code", obj(py, e.code())),
        ("offset", obj(py, e.offset())),
    ]);
    raise(py, "FilterError", e.to_string(), &attrs)
}

/// Runs `f` on the message of a `Message`, or of bytes/str parsed for the call.
fn with_message<T>(
    py: Python<'_>,
    value: &Bound<'_, PyAny>,
    f: impl FnOnce(&pipehat::Message<'_>) -> PyResult<T>,
) -> PyResult<T> {
    if let Ok(m) = value.cast::<Message>() {
        return f(&m.get().inner.message());
    }
    let bytes =
        input_bytes(value).map_err(|_| PyTypeError::new_err("expected a Message, bytes or str"))?;
    let msg = pipehat::Message::parse(&bytes).map_err(|e| parse_error(py, &e, &bytes))?;
    f(&msg)
}

/// Filter(expression): a compiled filter expression (see the README).
#[pyclass(frozen, module = "pipehat._native")]
struct Filter {
    inner: pipehat::filter::Filter,
    expression: String,
}

#[pymethods]
impl Filter {
    #[new]
    fn py_new(py: Python<'_>, expression: &str) -> PyResult<Self> {
        let inner = pipehat::filter::Filter::parse(expression).map_err(|e| filter_error(py, &e))?;
        Ok(Filter {
            inner,
            expression: expression.to_owned(),
        })
    }

    /// matches(message) -> bool: for a Message, or one message's bytes or str
    /// (only MSH is read when that suffices; ParseError when unreadable).
    fn matches(&self, py: Python<'_>, message: &Bound<'_, PyAny>) -> PyResult<bool> {
        if let Ok(m) = message.cast::<Message>() {
            return Ok(self.inner.matches(&m.get().inner.message()));
        }
        let bytes = input_bytes(message)
            .map_err(|_| PyTypeError::new_err("expected a Message, bytes or str"))?;
        self.inner
            .matches_bytes(&bytes)
            .map_err(|e| parse_error(py, &e, &bytes))
    }

    /// scan(data) -> (matched: list[bytes], total: int, unreadable: list[tuple[int, str]])
    ///
    /// Splits a file, batch or MLLP capture into messages and filters each:
    /// the matching messages' bytes, how many messages there were, and the
    /// offset and error code of each message that could not be read.
    fn scan<'py>(&self, py: Python<'py>, data: &Bound<'py, PyAny>) -> PyResult<ScanResult<'py>> {
        let bytes = input_bytes(data)?;
        let scan = py.detach(|| self.inner.scan(&bytes));
        let matched = scan
            .matched
            .iter()
            .map(|r| PyBytes::new(py, &bytes[r.clone()]))
            .collect();
        let unreadable = scan
            .unreadable
            .iter()
            .map(|(o, e)| (*o, e.code()))
            .collect();
        Ok((matched, scan.total, unreadable))
    }

    /// count(data) -> int: how many messages of a file match.
    fn count(&self, py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<usize> {
        let bytes = input_bytes(data)?;
        Ok(py.detach(|| self.inner.scan(&bytes).matched.len()))
    }

    /// Whether evaluation reads only MSH (then no message is parsed).
    #[getter]
    fn reads_header_only(&self) -> bool {
        self.inner.reads_header_only()
    }

    #[getter]
    fn expression(&self) -> &str {
        &self.expression
    }

    fn __repr__(&self) -> String {
        format!("<pipehat.Filter {:?}>", self.expression)
    }
}

type ScanResult<'py> = (Vec<Bound<'py, PyBytes>>, usize, Vec<(usize, &'static str)>);

/// Router(routes): named routes, from a dict {destination: expression} or
/// a list of (destination, expression) pairs.
#[pyclass(frozen, module = "pipehat._native")]
struct Router {
    inner: pipehat::filter::Router,
}

#[pymethods]
impl Router {
    #[new]
    fn py_new(py: Python<'_>, routes: &Bound<'_, PyAny>) -> PyResult<Self> {
        let pairs: Vec<(String, String)> = if let Ok(d) = routes.cast::<PyDict>() {
            d.iter()
                .map(|(k, v)| Ok((k.extract()?, v.extract()?)))
                .collect::<PyResult<_>>()?
        } else {
            routes.extract().map_err(|_| {
                PyTypeError::new_err("routes must be a dict or a list of (destination, expression)")
            })?
        };
        let mut inner = pipehat::filter::Router::new();
        for (destination, expression) in &pairs {
            inner
                .add(destination, expression)
                .map_err(|e| filter_error(py, &e))?;
        }
        Ok(Router { inner })
    }

    /// destinations(message) -> list[str]: every destination whose filter holds, in route order.
    fn destinations(&self, py: Python<'_>, message: &Bound<'_, PyAny>) -> PyResult<Vec<String>> {
        with_message(py, message, |m| {
            Ok(self
                .inner
                .destinations(m)
                .into_iter()
                .map(String::from)
                .collect())
        })
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }
}

fn difference_list(
    py: Python<'_>,
    list: Vec<pipehat::diff::Difference>,
    details: bool,
) -> PyResult<Py<PyAny>> {
    let out = PyList::empty(py);
    for d in list {
        if details {
            let item = PyDict::new(py);
            item.set_item("path", d.path)?;
            item.set_item("kind", d.kind.as_str())?;
            out.append(item)?;
        } else {
            out.append(d.path)?;
        }
    }
    Ok(out.into_any().unbind())
}

/// ChangeDetector(ignore=()): compares and fingerprints messages, leaving
/// out segments ("ZPD") and paths ("MSH-7", "PV1-44", "PID-5.1", "OBX[2]-14").
#[pyclass(frozen, module = "pipehat._native")]
struct ChangeDetector {
    inner: pipehat::diff::ChangeDetector,
}

#[pymethods]
impl ChangeDetector {
    #[new]
    #[pyo3(signature = (ignore=Vec::new()))]
    fn py_new(py: Python<'_>, ignore: Vec<String>) -> PyResult<Self> {
        pipehat::diff::ChangeDetector::new(&ignore)
            .map(|inner| ChangeDetector { inner })
            .map_err(|e| path_error(py, &e))
    }

    /// changes(previous, current, *, details=False) -> list[str] (or list[dict] with path and kind)
    #[pyo3(signature = (previous, current, *, details=false))]
    fn changes(
        &self,
        py: Python<'_>,
        previous: &Bound<'_, PyAny>,
        current: &Bound<'_, PyAny>,
        details: bool,
    ) -> PyResult<Py<PyAny>> {
        let list = with_message(py, previous, |a| {
            with_message(py, current, |b| Ok(self.inner.changes(a, b)))
        })?;
        difference_list(py, list, details)
    }

    /// is_unchanged(previous, current) -> bool: differs only where ignored.
    fn is_unchanged(
        &self,
        py: Python<'_>,
        previous: &Bound<'_, PyAny>,
        current: &Bound<'_, PyAny>,
    ) -> PyResult<bool> {
        with_message(py, previous, |a| {
            with_message(py, current, |b| Ok(self.inner.is_unchanged(a, b)))
        })
    }

    /// fingerprint(message) -> str: 16 hex digits of everything not ignored,
    /// equal exactly when is_unchanged() holds (barring a 64-bit collision).
    fn fingerprint(&self, py: Python<'_>, message: &Bound<'_, PyAny>) -> PyResult<String> {
        with_message(py, message, |m| Ok(self.inner.fingerprint(m)))
    }
}

/// diff(a, b, /, *, ignore=(), details=False) -> list[str]: the paths that differ.
#[pyfunction]
#[pyo3(signature = (a, b, /, *, ignore=Vec::new(), details=false))]
fn diff(
    py: Python<'_>,
    a: &Bound<'_, PyAny>,
    b: &Bound<'_, PyAny>,
    ignore: Vec<String>,
    details: bool,
) -> PyResult<Py<PyAny>> {
    ChangeDetector::py_new(py, ignore)?.changes(py, a, b, details)
}

/// A mapping or profile error as `class` (MappingError, ProfileError) with code and pointer.
fn spec_error(py: Python<'_>, class: &'static str, e: &pipehat::SpecError) -> PyErr {
    let attrs = attrs_of(vec![
        ("code", obj(py, e.code())),
        ("pointer", obj(py, e.pointer())),
    ]);
    raise(py, class, e.to_string(), &attrs)
}

/// JSON text from a str, a dict, or an os.PathLike naming a JSON file.
fn spec_text(py: Python<'_>, spec: &Bound<'_, PyAny>) -> PyResult<String> {
    if let Ok(s) = spec.cast::<PyString>() {
        return Ok(s.to_cow()?.into_owned());
    }
    if spec.hasattr("__fspath__")? {
        let path: std::path::PathBuf = spec.extract()?;
        return Ok(std::fs::read_to_string(&path)?);
    }
    if spec.is_instance_of::<PyDict>() {
        return py.import("json")?.call_method1("dumps", (spec,))?.extract();
    }
    Err(PyTypeError::new_err(
        "spec must be JSON text, a dict or a path to a JSON file",
    ))
}

fn mapped_value(py: Python<'_>, v: &pipehat::mapping::MapValue) -> PyResult<Py<PyAny>> {
    use pipehat::mapping::MapValue;
    Ok(match v {
        MapValue::Null => py.None(),
        MapValue::Text(t) => obj(py, t.as_str())?,
        // Whole numbers become int, as json.loads would give them.
        MapValue::Number(n) if n.fract() == 0.0 && n.abs() < 9.0e15 => obj(py, *n as i64)?,
        MapValue::Number(n) => obj(py, *n)?,
        MapValue::Json(j) => py
            .import("json")?
            .call_method1("loads", (j.to_string(),))?
            .unbind(),
        MapValue::List(items) => {
            let out = PyList::empty(py);
            for item in items {
                out.append(mapped_value(py, item)?)?;
            }
            out.into_any().unbind()
        }
    })
}

/// Mapping(spec): a declarative mapping; spec is JSON text, a dict, or a
/// pathlib.Path / os.PathLike to a JSON file.
#[pyclass(frozen, module = "pipehat._native")]
struct Mapping {
    inner: pipehat::mapping::Mapping,
}

#[pymethods]
impl Mapping {
    #[new]
    fn py_new(py: Python<'_>, spec: &Bound<'_, PyAny>) -> PyResult<Self> {
        let text = spec_text(py, spec)?;
        pipehat::mapping::Mapping::parse(&text)
            .map(|inner| Mapping { inner })
            .map_err(|e| spec_error(py, "MappingError", &e))
    }

    /// apply(message) -> dict | list[dict]: one dict, or the rows when the spec has "rows".
    fn apply(&self, py: Python<'_>, message: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let rows = with_message(py, message, |m| Ok(self.inner.apply(m)))?;
        let mut dicts = Vec::with_capacity(rows.len());
        for row in &rows {
            let d = PyDict::new(py);
            for (k, v) in row {
                d.set_item(k, mapped_value(py, v)?)?;
            }
            dicts.push(d);
        }
        if self.inner.has_rows() {
            Ok(PyList::new(py, dicts)?.into_any().unbind())
        } else {
            Ok(dicts
                .into_iter()
                .next()
                .map_or_else(|| py.None(), |d| d.into_any().unbind()))
        }
    }

    /// apply_json(message) -> str: the same as JSON text.
    fn apply_json(&self, py: Python<'_>, message: &Bound<'_, PyAny>) -> PyResult<String> {
        with_message(py, message, |m| Ok(self.inner.apply_json(m)))
    }

    #[getter]
    fn has_rows(&self) -> bool {
        self.inner.has_rows()
    }

    /// The output keys, in order.
    #[getter]
    fn keys(&self) -> Vec<String> {
        self.inner.keys().map(String::from).collect()
    }
}

// ---------------------------------------------------------------------------
// dictionary and validation

/// What explain() tells about a field, component or subcomponent.
#[pyclass(frozen, get_all, module = "pipehat._native")]
struct Explanation {
    /// "Patient Name".
    name: &'static str,
    /// "XPN".
    datatype: &'static str,
    /// "R" (required) or "O" (optional).
    optionality: &'static str,
    repeatable: bool,
    max_repetitions: Option<u16>,
    /// The maximum length when the dictionary knows it.
    length: Option<u16>,
    /// The HL7 table number (1 for HL70001).
    table: Option<u16>,
    /// (name, datatype) of each component of a composite datatype.
    components: Vec<(&'static str, &'static str)>,
}

#[pymethods]
impl Explanation {
    fn __repr__(&self) -> String {
        format!("<pipehat.Explanation {} ({})>", self.name, self.datatype)
    }
}

fn dictionary_error(py: Python<'_>, e: &pipehat::dictionary::ExplainError) -> PyErr {
    match e {
        pipehat::dictionary::ExplainError::Path(p) => path_error(py, p),
        other => {
            let attrs = attrs_of(vec![("code", obj(py, other.code()))]);
            raise(py, "DictionaryError", other.to_string(), &attrs)
        }
    }
}

/// explain(path, version="2.5.1") -> Explanation | None
#[pyfunction]
#[pyo3(signature = (path, version="2.5.1"))]
fn explain(py: Python<'_>, path: &str, version: &str) -> PyResult<Option<Explanation>> {
    let e = pipehat::dictionary::explain(path, version).map_err(|e| dictionary_error(py, &e))?;
    Ok(e.map(|e| Explanation {
        name: e.name,
        datatype: e.datatype,
        optionality: e.optionality,
        repeatable: e.repeatable,
        max_repetitions: e.max_repetitions,
        length: e.length,
        table: e.table,
        components: e.components,
    }))
}

/// Profile(spec): a conformance profile (JSON text, a dict, or a path to a JSON or YAML file).
#[pyclass(frozen, module = "pipehat._native")]
struct Profile {
    inner: pipehat::validate::Profile,
}

#[pymethods]
impl Profile {
    #[new]
    fn py_new(py: Python<'_>, spec: &Bound<'_, PyAny>) -> PyResult<Self> {
        if spec.hasattr("__fspath__")? {
            let path: std::path::PathBuf = spec.extract()?;
            if matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("yaml" | "yml")
            ) {
                return Self::from_yaml(py, &std::fs::read_to_string(&path)?);
            }
        }
        let text = spec_text(py, spec)?;
        pipehat::validate::Profile::parse(&text)
            .map(|inner| Profile { inner })
            .map_err(|e| spec_error(py, "ProfileError", &e))
    }

    /// Profile.from_yaml(text): a profile written in YAML.
    #[staticmethod]
    fn from_yaml(py: Python<'_>, text: &str) -> PyResult<Self> {
        pipehat::validate::Profile::parse_yaml(text)
            .map(|inner| Profile { inner })
            .map_err(|e| spec_error(py, "ProfileError", &e))
    }
}

/// One validation finding.
#[pyclass(frozen, get_all, module = "pipehat._native")]
struct Issue {
    /// Stable code, e.g. "required_field_missing".
    code: &'static str,
    /// "error" or "warning".
    severity: &'static str,
    /// "PID-7", "PID-3(2).4", "OBX[2]-5", or a segment such as "PV1".
    path: String,
    /// 0-based segment index, when there is one.
    segment: Option<usize>,
    /// Byte offset in the message.
    offset: usize,
    /// A sentence without content.
    message: String,
    /// HL7 table 0357 code for an ERR segment.
    hl7_code: u16,
}

#[pymethods]
impl Issue {
    fn __repr__(&self) -> String {
        format!(
            "<pipehat.Issue {} {} {}>",
            self.severity, self.code, self.path
        )
    }
}

/// What validate() found.
#[pyclass(frozen, get_all, module = "pipehat._native")]
struct Report {
    /// The version checked against ("2.5.1"), None when unknown.
    version: Option<&'static str>,
    /// The message structure used ("ADT_A01"), None when unknown.
    structure: Option<&'static str>,
    /// Whether no issue is an error.
    valid: bool,
    issues: Vec<Py<Issue>>,
}

#[pymethods]
impl Report {
    /// The issues as `errors=` for Message.ack(): dicts with code (table 0357),
    /// severity, path (None for a whole segment) and text.
    fn ack_errors<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let out = PyList::empty(py);
        for issue in &self.issues {
            let i = issue.get();
            let d = PyDict::new(py);
            d.set_item("code", i.hl7_code)?;
            d.set_item("severity", if i.severity == "error" { "E" } else { "W" })?;
            let path = pipehat::Path::parse(&i.path).ok().map(|_| i.path.clone());
            d.set_item("path", path)?;
            d.set_item("text", &i.message)?;
            out.append(d)?;
        }
        Ok(out)
    }

    fn __bool__(&self) -> bool {
        self.valid
    }

    fn __repr__(&self) -> String {
        format!(
            "<pipehat.Report {} {} issues>",
            if self.valid { "valid" } else { "invalid" },
            self.issues.len()
        )
    }
}

/// validate(message, version=None, profile=None) -> Report
#[pyfunction]
#[pyo3(signature = (message, version=None, profile=None))]
fn validate(
    py: Python<'_>,
    message: &Bound<'_, PyAny>,
    version: Option<&str>,
    profile: Option<&Bound<'_, PyAny>>,
) -> PyResult<Report> {
    let owned_profile;
    let profile_ref: Option<&pipehat::validate::Profile> = match profile {
        None => None,
        Some(p) if p.is_none() => None,
        Some(p) => match p.cast::<Profile>() {
            Ok(p) => {
                owned_profile = p.get().inner.clone();
                Some(&owned_profile)
            }
            Err(_) => {
                owned_profile = Profile::py_new(py, p)?.inner;
                Some(&owned_profile)
            }
        },
    };
    let options = pipehat::validate::Options {
        version,
        profile: profile_ref,
    };
    let report = with_message(py, message, |m| {
        Ok(pipehat::validate::validate(m, &options))
    })?;
    let issues = report
        .issues
        .iter()
        .map(|i| {
            Py::new(
                py,
                Issue {
                    code: i.code,
                    severity: i.severity.as_str(),
                    path: i.path.clone(),
                    segment: i.segment,
                    offset: i.offset,
                    message: i.message(),
                    hl7_code: i.hl7_code(),
                },
            )
        })
        .collect::<PyResult<_>>()?;
    Ok(Report {
        version: report.version,
        structure: report.structure,
        valid: report.is_valid(),
        issues,
    })
}

/// field_name(segment, field, version="2.5.1") -> str | None
#[pyfunction]
#[pyo3(signature = (segment, field, version="2.5.1"))]
fn field_name(segment: &str, field: usize, version: &str) -> Option<&'static str> {
    pipehat::dictionary::field_name(segment, field, version)
}

#[pymodule(gil_used = false)]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(parse, m)?)?;
    m.add_function(wrap_pyfunction!(iter_messages, m)?)?;
    m.add_function(wrap_pyfunction!(extract, m)?)?;
    m.add_class::<Message>()?;
    m.add_class::<Segment>()?;
    m.add_class::<Element>()?;
    m.add_class::<Diagnostic>()?;
    m.add_class::<MessageIterator>()?;
    m.add_function(wrap_pyfunction!(split, m)?)?;
    m.add_class::<Chunk>()?;
    m.add_class::<ChunkIterator>()?;
    m.add_class::<Splitter>()?;
    m.add_function(wrap_pyfunction!(build, m)?)?;
    m.add_function(wrap_pyfunction!(from_json, m)?)?;
    m.add_function(wrap_pyfunction!(ack, m)?)?;
    m.add_function(wrap_pyfunction!(mllp_encode, m)?)?;
    m.add_class::<EditableMessage>()?;
    m.add_class::<MllpDecoder>()?;
    m.add_class::<MllpIssue>()?;
    m.add_class::<DateTimeValue>()?;
    m.add_class::<Filter>()?;
    m.add_class::<Router>()?;
    m.add_class::<ChangeDetector>()?;
    m.add_class::<Mapping>()?;
    m.add_function(wrap_pyfunction!(diff, m)?)?;
    m.add_function(wrap_pyfunction!(explain, m)?)?;
    m.add_function(wrap_pyfunction!(validate, m)?)?;
    m.add_function(wrap_pyfunction!(field_name, m)?)?;
    m.add_class::<Explanation>()?;
    m.add_class::<Profile>()?;
    m.add_class::<Issue>()?;
    m.add_class::<Report>()?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
