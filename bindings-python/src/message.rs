//! `parse()` and the read side of a message: `Message`, `Segment`,
//! `Element`, `Diagnostic`.

use crate::datatype::{composite_dict, datatype_arg, datetime_value, DateTimeValue};
use crate::errors::{datatype_error, edit_error, parse_error, path_error};
use crate::json::{json_form, DictSink};
use crate::options::{input_bytes, options};
use crate::write::{ack_options, message_from_buf, EditableMessage};
use pipehat::json::JsonForm;
use pipehat::{OwnedMessage, ParseOptions};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString};
use std::sync::Arc;

pub(crate) fn parse_owned(
    py: Python<'_>,
    bytes: Vec<u8>,
    options: &ParseOptions,
) -> PyResult<Message> {
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
pub(crate) fn parse(
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

/// A parsed HL7 v2 message. Values are decoded when read.
#[pyclass(frozen, module = "pipehat")]
pub(crate) struct Message {
    pub(crate) inner: Arc<OwnedMessage>,
}

pub(crate) fn opt_str(py: Python<'_>, v: Option<std::borrow::Cow<'_, str>>) -> Py<PyAny> {
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

    /// ack(*, code=None, text=None, errors=None, diagnostics=None,
    /// control_id=None, timestamp=None) -> Message
    ///
    /// An acknowledgement: MSH from this one (sender and receiver swapped),
    /// MSA, and ERR segments for diagnostics and `errors` (dicts with
    /// "code" from HL7 table 0357, optional "severity", "path", "text").
    #[pyo3(signature = (code=None, text=None, *, errors=None, diagnostics=None, control_id=None, timestamp=None))]
    #[allow(clippy::too_many_arguments)]
    fn ack(
        &self,
        py: Python<'_>,
        code: Option<&str>,
        text: Option<String>,
        errors: Option<&Bound<'_, PyList>>,
        diagnostics: Option<&str>,
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
        self.inner.message().ack_mode().as_str()
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

    /// Where the value at `path` lies in the message's bytes: (offset,
    /// length), length 0 for an empty value; None when absent.
    fn locate(&self, py: Python<'_>, path: &str) -> PyResult<Option<(usize, usize)>> {
        let msg = self.inner.message();
        let v = msg.value(path).map_err(|e| path_error(py, &e))?;
        Ok(v.map(|v| (v.offset(), v.as_bytes().len())))
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
        for (name, b) in d.by_name() {
            dict.set_item(name, b.map(|b| (b as char).to_string()))?;
        }
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

    /// to_fhir(*, bundle_type="message", namespace=None, timezone=None, report=False) -> dict
    ///
    /// The message as a FHIR R4 Bundle (a dict), converted by the v2-to-FHIR
    /// IG's maps. `bundle_type`: "message", "transaction", "batch" or
    /// "collection"; `namespace`: the UUID that resource ids are made in;
    /// `timezone`: the offset assumed for times without one ("+01:00", "Z").
    /// `overrides`: local additions to the maps (a dict, or its JSON text).
    /// With report=True: {"bundle": ..., "report": ...}. Raises FhirError.
    #[pyo3(signature = (*, bundle_type="message", namespace=None, timezone=None, overrides=None, report=false))]
    fn to_fhir(
        &self,
        py: Python<'_>,
        bundle_type: &str,
        namespace: Option<String>,
        timezone: Option<String>,
        overrides: Option<Bound<'_, PyAny>>,
        report: bool,
    ) -> PyResult<Py<PyAny>> {
        let overrides = match overrides {
            None => None,
            Some(o) if o.is_instance_of::<PyString>() => Some(o.extract::<String>()?),
            Some(o) => Some(
                py.import("json")?
                    .call_method1("dumps", (o,))?
                    .extract::<String>()?,
            ),
        };
        let (bundle, rep) = crate::fhir::convert(
            py,
            &self.inner.message(),
            bundle_type,
            namespace,
            timezone,
            overrides,
        )?;
        let text = if report {
            format!("{{\"bundle\":{bundle},\"report\":{rep}}}")
        } else {
            bundle
        };
        Ok(py.import("json")?.call_method1("loads", (text,))?.unbind())
    }

    /// to_json(form=None, *, version=None) -> str
    ///
    /// The message as JSON text. form: "tree" (the default: segments and decoded values),
    /// "lossless" (rebuilds the exact bytes with from_json), "friendly"
    /// (keyed by segment and field number, for people) or "named" (the
    /// friendly form keyed by field and component names of `version`, by
    /// default MSH-12's).
    #[pyo3(signature = (form=None, *, version=None))]
    fn to_json(
        &self,
        py: Python<'_>,
        form: Option<&str>,
        version: Option<String>,
    ) -> PyResult<String> {
        let inner = self.inner.clone();
        let form = json_form(form)?;
        Ok(py.detach(move || match form {
            JsonForm::Tree => inner.message().to_json(),
            JsonForm::Lossless => inner.message().to_lossless_json(),
            JsonForm::Friendly => inner.message().to_friendly_json(),
            _ => inner.message().to_named_json(version.as_deref()),
        }))
    }

    /// to_dict(form=None, *, version=None) -> dict
    ///
    /// The message as Python dicts, lists and strings, in the same forms as to_json().
    #[pyo3(signature = (form=None, *, version=None))]
    fn to_dict<'py>(
        &self,
        py: Python<'py>,
        form: Option<&str>,
        version: Option<&str>,
    ) -> PyResult<Bound<'py, PyDict>> {
        match json_form(form)? {
            JsonForm::Tree => {
                let mut sink = DictSink::new(py);
                self.inner.message().walk_tree(&mut sink);
                sink.finish()
            }
            other => {
                let text = match other {
                    JsonForm::Lossless => self.inner.message().to_lossless_json(),
                    JsonForm::Named => self.inner.message().to_named_json(version),
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

/// One segment. `segment[n]` is the decoded value of field n.
#[pyclass(frozen, module = "pipehat")]
pub(crate) struct Segment {
    pub(crate) msg: Arc<OwnedMessage>,
    pub(crate) index: usize,
}

impl Segment {
    pub(crate) fn with<R>(&self, f: impl FnOnce(pipehat::Segment<'_>) -> R) -> R {
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
#[pyclass(frozen, module = "pipehat")]
pub(crate) struct Element {
    pub(crate) msg: Arc<OwnedMessage>,
    pub(crate) segment: usize,
    /// field, repetition, component, subcomponent numbers (0 = not chosen).
    pub(crate) at: [usize; 4],
}

impl Element {
    pub(crate) fn new(msg: Arc<OwnedMessage>, segment: usize, at: [usize; 4]) -> Self {
        Element { msg, segment, at }
    }

    pub(crate) fn depth(&self) -> usize {
        self.at.iter().take_while(|&&n| n != 0).count()
    }

    pub(crate) fn with<R>(&self, f: impl FnOnce(pipehat::Value<'_>) -> R) -> R {
        let m = self.msg.message();
        // Coordinates were valid when this object was made and messages are immutable.
        f(m.value_at(self.segment, self.at)
            .expect("element coordinates in range"))
    }

    pub(crate) fn children_count(&self) -> usize {
        self.with(|v| match v {
            pipehat::Value::Field(f) => f.repetitions().count(),
            pipehat::Value::Repetition(r) => r.components().count(),
            pipehat::Value::Component(c) => c.subcomponents().count(),
            _ => 0,
        })
    }

    pub(crate) fn child(&self, n: usize) -> Element {
        let mut at = self.at;
        at[self.depth()] = n;
        Element::new(self.msg.clone(), self.segment, at)
    }

    /// Children one level down; a whole field goes through its repetitions.
    pub(crate) fn children(&self) -> Vec<Element> {
        (1..=self.children_count()).map(|n| self.child(n)).collect()
    }
}

#[pymethods]
impl Element {
    /// "field", "repetition", "component" or "subcomponent".
    #[getter]
    fn kind(&self) -> &'static str {
        pipehat::Value::KINDS[self.depth() - 1]
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
#[pyclass(frozen, get_all, module = "pipehat")]
pub(crate) struct Diagnostic {
    /// Stable snake_case code, e.g. "non_standard_segment_terminator".
    pub(crate) code: &'static str,
    /// "info", "warning" or "error".
    pub(crate) severity: &'static str,
    /// 0-based byte offset.
    pub(crate) offset: usize,
    /// 1-based line and column of the offset.
    pub(crate) line: usize,
    pub(crate) column: usize,
    /// 0-based segment index, or None.
    pub(crate) segment: Option<u32>,
    /// HL7 field number, or None.
    pub(crate) field: Option<u32>,
    /// A sentence with positions and no message content.
    pub(crate) message: String,
}

impl Diagnostic {
    pub(crate) fn new(d: &pipehat::Diagnostic, input: &[u8]) -> Self {
        let (line, column) = pipehat::line_column(input, d.offset());
        Diagnostic {
            code: d.code().code(),
            severity: d.severity().as_str(),
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

/// Runs `f` on the message of a `Message`, or of bytes/str parsed for the call.
pub(crate) fn with_message<T>(
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

/// Adds this module's functions and classes to `pipehat._native`.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(parse, m)?)?;
    m.add_class::<Message>()?;
    m.add_class::<Segment>()?;
    m.add_class::<Element>()?;
    m.add_class::<Diagnostic>()?;
    Ok(())
}
