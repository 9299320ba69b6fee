//! JSON forms: `to_dict` objects built from the core's tree walk, and
//! `from_json`.

use crate::errors::{attrs_of, obj, parse_error, raise};
use crate::message::Message;
use crate::options::one_of;
use crate::write::message_from_buf;
use pipehat::json::JsonForm;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};

/// Builds Python objects from the core's tree walk. Python errors (memory
/// only) are kept and reported by `finish`.
///
/// Each list's items are gathered in Rust first and the list made at its
/// end, at its exact size (no growing by appends); the dictionaries' keys
/// are interned strings, made once per interpreter.
pub(crate) struct DictSink<'py> {
    py: Python<'py>,
    segments: Vec<Bound<'py, PyAny>>,
    name: Option<Bound<'py, PyString>>,
    /// The items of the innermost list being built.
    top: Vec<Bound<'py, PyAny>>,
    /// The items of the lists around it, outermost first.
    stack: Vec<Vec<Bound<'py, PyAny>>>,
    /// Item vectors of lists already made, kept to be used again.
    spare: Vec<Vec<Bound<'py, PyAny>>>,
    /// Most leaves are empty: one shared "" object for all of them.
    empty: Bound<'py, PyString>,
    /// Short values made once (see `strings`).
    strings: crate::strings::Strings,
    error: Option<PyErr>,
}

impl<'py> DictSink<'py> {
    pub(crate) fn new(py: Python<'py>) -> Self {
        DictSink {
            py,
            segments: Vec::new(),
            name: None,
            top: Vec::new(),
            stack: Vec::new(),
            spare: Vec::new(),
            empty: PyString::new(py, ""),
            strings: crate::strings::Strings::take(),
            error: None,
        }
    }

    fn keep(&mut self, r: PyResult<()>) {
        if let Err(e) = r {
            self.error.get_or_insert(e);
        }
    }

    fn push_item(&mut self, item: Bound<'py, PyAny>) {
        self.top.push(item);
    }

    fn begin(&mut self) {
        let fresh = self.spare.pop().unwrap_or_default();
        self.stack.push(std::mem::replace(&mut self.top, fresh));
    }

    /// The innermost list, made from its items.
    fn end(&mut self) -> Option<Bound<'py, PyList>> {
        let outer = self.stack.pop()?;
        let mut items = std::mem::replace(&mut self.top, outer);
        let list = PyList::new(self.py, items.drain(..));
        self.spare.push(items);
        match list {
            Ok(list) => Some(list),
            Err(e) => {
                self.keep(Err(e));
                None
            }
        }
    }

    pub(crate) fn finish(self) -> PyResult<Bound<'py, PyDict>> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let dict = PyDict::new(self.py);
        dict.set_item(
            pyo3::intern!(self.py, "segments"),
            PyList::new(self.py, self.segments)?,
        )?;
        Ok(dict)
    }
}

impl pipehat::json::TreeSink for DictSink<'_> {
    fn begin_segment(&mut self, name: &str) {
        self.name = Some(self.strings.get(self.py, name));
        self.begin();
    }
    fn end_segment(&mut self) {
        let Some(fields) = self.end() else {
            return;
        };
        let py = self.py;
        let dict = PyDict::new(py);
        let r = dict
            .set_item(pyo3::intern!(py, "name"), self.name.take())
            .and_then(|_| dict.set_item(pyo3::intern!(py, "fields"), fields));
        self.keep(r);
        self.segments.push(dict.into_any());
    }
    fn begin_repetitions(&mut self) {
        self.begin();
    }
    fn end_repetitions(&mut self) {
        if let Some(list) = self.end() {
            let dict = PyDict::new(self.py);
            let r = dict.set_item(pyo3::intern!(self.py, "repetitions"), list);
            self.keep(r);
            self.push_item(dict.into_any());
        }
    }
    fn begin_list(&mut self) {
        self.begin();
    }
    fn end_list(&mut self) {
        if let Some(list) = self.end() {
            self.push_item(list.into_any());
        }
    }
    fn text(&mut self, value: &str) {
        let s = if value.is_empty() {
            self.empty.clone()
        } else {
            self.strings.get(self.py, value)
        }
        .into_any();
        self.push_item(s);
    }
}

/// The form named, or the core's default when none is.
pub(crate) fn json_form(form: Option<&str>) -> PyResult<JsonForm> {
    match form {
        None => Ok(JsonForm::default()),
        Some(name) => JsonForm::from_name(name).ok_or_else(|| one_of("form", &JsonForm::NAMES)),
    }
}

/// from_json(data, /) -> Message
/// --
///
/// Rebuilds a message from lossless JSON (text or the dict to_dict(form="lossless") gives).
#[pyfunction]
#[pyo3(signature = (data, /))]
pub(crate) fn from_json(py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<Message> {
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

/// Adds this module's functions and classes to `pipehat._native`.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(from_json, m)?)?;
    Ok(())
}
