//! De-identification: `Deidentifier` (the core's `deid`), its reports and crosswalk.

use crate::errors::{attrs_of, obj, raise};
use crate::message::{with_message, Message};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use std::sync::{Arc, Mutex};

fn deid_error(py: Python<'_>, e: &pipehat::deid::DeidError) -> PyErr {
    let attrs = attrs_of(vec![
        ("code", obj(py, e.code())),
        ("pointer", obj(py, e.pointer.clone())),
    ]);
    raise(py, "DeidError", e.to_string(), &attrs)
}

/// The policy a Python value names: None (Safe Harbor), a built-in name,
/// JSON or YAML text, a dict, or a path to a JSON or YAML file.
fn policy_of(py: Python<'_>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<pipehat::deid::Policy> {
    let Some(policy) = policy.filter(|p| !p.is_none()) else {
        return Ok(pipehat::deid::Policy::safe_harbor());
    };
    let text = crate::route::spec_text(py, policy)?;
    pipehat::deid::Policy::load(&text).map_err(|e| deid_error(py, &e))
}

fn key_of(key: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    crate::options::input_bytes(key)
        .map_err(|_| pyo3::exceptions::PyTypeError::new_err("key must be bytes or str"))
}

/// Deidentifier(key, policy=None, *, crosswalk=False)
/// --
///
/// Removes identifiers from messages under `key` (bytes or str, at least 16
/// bytes) and `policy` (None: the built-in "safe-harbor"; a built-in name,
/// JSON or YAML text, a dict, or a path to a policy file). The same key
/// gives the same pseudonyms and date offsets in every message and every
/// language. With crosswalk=True it keeps each token's original value.
/// Safe to share between threads.
#[pyclass(frozen, module = "pipehat")]
pub(crate) struct Deidentifier {
    inner: Arc<Mutex<pipehat::deid::Deidentifier>>,
}

impl Deidentifier {
    fn lock(&self) -> std::sync::MutexGuard<'_, pipehat::deid::Deidentifier> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[pymethods]
impl Deidentifier {
    #[new]
    #[pyo3(signature = (key, policy=None, *, crosswalk=false))]
    fn py_new(
        py: Python<'_>,
        key: &Bound<'_, PyAny>,
        policy: Option<&Bound<'_, PyAny>>,
        crosswalk: bool,
    ) -> PyResult<Self> {
        let policy = policy_of(py, policy)?;
        let mut inner = pipehat::deid::Deidentifier::new(&key_of(key)?, &policy)
            .map_err(|e| deid_error(py, &e))?;
        inner.keep_crosswalk(crosswalk);
        Ok(Deidentifier {
            inner: Arc::new(Mutex::new(inner)),
        })
    }

    /// deidentify(data) -> Message
    ///
    /// A message (or its bytes or text) de-identified: the same segments,
    /// fields, delimiters and terminators, the policy's values changed.
    fn deidentify(&self, py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<Message> {
        let out = with_message(py, data, |msg| Ok(self.lock().apply(msg)))?;
        crate::message::parse_owned(py, out, &pipehat::ParseOptions::default())
    }

    /// deidentify_file(source, target, /, *, threads=0, strict=False) -> dict
    ///
    /// Every message of `source` (a path, or bytes: one message, a batch,
    /// an MLLP capture) de-identified into `target` (a path, or a binary
    /// file object) with the same framing, on every core (threads=0) and in
    /// bounded memory. Returns {"messages", "written", "errors": [{"message",
    /// "offset", "code"}], "dropped_bytes"}; messages that do not parse are
    /// left out and listed.
    #[pyo3(signature = (source, target, /, *, threads=0, strict=false))]
    fn deidentify_file<'py>(
        &self,
        py: Python<'py>,
        source: &Bound<'py, PyAny>,
        target: &Bound<'py, PyAny>,
        threads: usize,
        strict: bool,
    ) -> PyResult<Bound<'py, PyDict>> {
        let mut parse = pipehat::ParseOptions::default();
        parse.strict = strict;
        let input = crate::fhir::source_reader(py, source)?;
        let inner = self.inner.clone();
        let summary = crate::fhir::write_target(py, target, move |out| {
            let mut d = inner.lock().unwrap_or_else(|e| e.into_inner());
            pipehat::deid::deidentify_file(input, out, &mut d, &parse, threads)
        })?;
        let d = PyDict::new(py);
        d.set_item("messages", summary.messages)?;
        d.set_item("written", summary.written)?;
        d.set_item("errors", crate::fhir::file_errors(py, &summary.errors)?)?;
        d.set_item("dropped_bytes", summary.dropped_bytes)?;
        Ok(d)
    }

    /// {"messages": n, "changes": [{"path", "action", "count"}, ...]}: what
    /// was changed so far, never content.
    #[getter]
    fn report<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = self.lock();
        let r = d.report();
        let out = PyDict::new(py);
        out.set_item("messages", r.messages)?;
        let changes = PyList::empty(py);
        for (path, action, count) in r.entries() {
            let c = PyDict::new(py);
            c.set_item("path", path)?;
            c.set_item("action", action)?;
            c.set_item("count", count)?;
            changes.append(c)?;
        }
        out.set_item("changes", changes)?;
        Ok(out)
    }

    /// {token: original} when made with crosswalk=True, else None. It
    /// re-identifies: keep it apart from the data.
    #[getter]
    fn crosswalk<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
        let d = self.lock();
        let Some(cw) = d.crosswalk() else {
            return Ok(None);
        };
        let out = PyDict::new(py);
        for (token, original) in cw {
            out.set_item(token, original)?;
        }
        Ok(Some(out))
    }
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Deidentifier>()?;
    Ok(())
}
