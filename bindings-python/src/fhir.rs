//! HL7 v2 → FHIR R4: `Message.to_fhir(...)` (the conversion is the core's).

use crate::errors::{attrs_of, obj, raise};
use pyo3::prelude::*;

fn fhir_error(py: Python<'_>, e: &pipehat::fhir::FhirError) -> PyErr {
    let attrs = attrs_of(vec![
        ("code", obj(py, e.kind.code())),
        ("option", obj(py, e.option)),
        ("pointer", obj(py, e.pointer.clone())),
    ]);
    raise(py, "FhirError", e.to_string(), &attrs)
}

/// Converts a parsed message; returns the Bundle's JSON text and the
/// report's, or raises FhirError.
pub(crate) fn convert(
    py: Python<'_>,
    message: &pipehat::Message<'_>,
    bundle_type: &str,
    namespace: Option<String>,
    timezone: Option<String>,
    overrides: Option<String>,
) -> PyResult<(String, String)> {
    let options =
        pipehat::fhir::Options::from_parts(bundle_type, namespace, timezone, overrides.as_deref())
            .map_err(|e| fhir_error(py, &e))?;
    let out = pipehat::fhir::to_fhir(message, &options).map_err(|e| fhir_error(py, &e))?;
    Ok((out.bundle, out.report.to_json()))
}

/// Writes to a Python binary file object (its `write`), taking the GIL per call.
pub(crate) struct PyWriter(pub(crate) Py<PyAny>);

impl std::io::Write for PyWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        Python::attach(|py| {
            self.0
                .bind(py)
                .call_method1("write", (pyo3::types::PyBytes::new(py, buf),))
                .map(|_| buf.len())
                .map_err(|e| std::io::Error::other(e.to_string()))
        })
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A file source: a path (opened here) or bytes.
pub(crate) fn source_reader(
    py: Python<'_>,
    source: &Bound<'_, PyAny>,
) -> PyResult<Box<dyn std::io::Read + Send>> {
    Ok(match crate::stream::is_path(source)? {
        Some(path) => Box::new(crate::errors::open_file(py, &path)?),
        None => Box::new(std::io::Cursor::new(crate::options::input_bytes(source)?)),
    })
}

/// Runs `work` without the GIL, writing to `target` (a path, created here,
/// or a binary file object) through a 1 MiB buffer that is flushed at the end.
pub(crate) fn write_target<T: Send>(
    py: Python<'_>,
    target: &Bound<'_, PyAny>,
    work: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<T> + Send,
) -> PyResult<T> {
    let run = |out: &mut dyn std::io::Write| work(&mut *out).and_then(|t| out.flush().map(|_| t));
    match crate::stream::is_path(target)? {
        Some(path) => {
            let file =
                std::fs::File::create(&path).map_err(|e| crate::errors::os_error(py, &e, &path))?;
            let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
            py.detach(|| run(&mut out))
                .map_err(|e| crate::errors::os_error(py, &e, &path))
        }
        None => {
            let mut out =
                std::io::BufWriter::with_capacity(1 << 20, PyWriter(target.clone().unbind()));
            py.detach(|| run(&mut out))
                .map_err(|e| pyo3::exceptions::PyOSError::new_err(e.to_string()))
        }
    }
}

/// The errors of a file's summary as a list of {"message", "offset", "code"}.
pub(crate) fn file_errors<'py>(
    py: Python<'py>,
    errors: &[(u64, u64, &'static str)],
) -> PyResult<Bound<'py, pyo3::types::PyList>> {
    let list = pyo3::types::PyList::empty(py);
    for &(n, offset, code) in errors {
        let e = pyo3::types::PyDict::new(py);
        e.set_item("message", n)?;
        e.set_item("offset", offset)?;
        e.set_item("code", code)?;
        list.append(e)?;
    }
    Ok(list)
}

/// to_fhir_file(source, target, /, *, bundle_type="message", namespace=None, timezone=None, overrides=None, threads=0, strict=False) -> dict
/// --
///
/// Converts every message of `source` (a path, or bytes) to a FHIR Bundle,
/// one JSON line each, written to `target` (a path, or a binary file
/// object), on every core (`threads` = 0) and in bounded memory. Returns
/// {"messages", "bundles", "errors": [{"message", "offset", "code"}]}: the
/// messages that do not parse or have no map are skipped and listed.
#[pyfunction]
#[pyo3(signature = (source, target, /, *, bundle_type="message", namespace=None, timezone=None, overrides=None, threads=0, strict=false))]
#[allow(clippy::too_many_arguments)] // the keyword arguments of to_fhir_file()
pub(crate) fn to_fhir_file<'py>(
    py: Python<'py>,
    source: &Bound<'py, PyAny>,
    target: &Bound<'py, PyAny>,
    bundle_type: &str,
    namespace: Option<String>,
    timezone: Option<String>,
    overrides: Option<String>,
    threads: usize,
    strict: bool,
) -> PyResult<Bound<'py, pyo3::types::PyDict>> {
    let options =
        pipehat::fhir::Options::from_parts(bundle_type, namespace, timezone, overrides.as_deref())
            .map_err(|e| fhir_error(py, &e))?;
    let mut parse = pipehat::ParseOptions::default();
    parse.strict = strict;
    let input = source_reader(py, source)?;
    let summary = write_target(py, target, |out| {
        pipehat::fhir::convert_file(input, out, &options, &parse, threads)
    })?;
    let d = pyo3::types::PyDict::new(py);
    d.set_item("messages", summary.messages)?;
    d.set_item("bundles", summary.bundles)?;
    d.set_item("errors", file_errors(py, &summary.errors)?)?;
    Ok(d)
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(to_fhir_file, m)?)?;
    Ok(())
}
