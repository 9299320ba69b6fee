//! Filters, routes, change detection, diffs and mappings.

use crate::errors::{filter_error, obj, open_file, os_error, parse_error, path_error, spec_error};
use crate::message::{with_message, Message};
use crate::options::input_bytes;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString};

/// Filter(expression): a compiled filter expression (see the README).
#[pyclass(frozen, module = "pipehat")]
pub(crate) struct Filter {
    pub(crate) inner: pipehat::filter::Filter,
    pub(crate) expression: String,
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

    /// scan(data) -> FilterScan (matched, total, unreadable)
    ///
    /// Splits a file, batch or MLLP capture into messages and filters each:
    /// the matching messages' bytes, how many messages there were, and the
    /// offset and error code of each message that could not be read. `data`
    /// is bytes or str, or a path or binary file object, read in batches in
    /// bounded memory on every core.
    ///
    /// on_match: a callable given each matching message's bytes, in order,
    /// instead of collecting them (matched is then empty; count counts).
    #[pyo3(signature = (data, /, *, on_match=None))]
    fn scan(
        &self,
        py: Python<'_>,
        data: &Bound<'_, PyAny>,
        on_match: Option<Bound<'_, PyAny>>,
    ) -> PyResult<FilterScan> {
        if let Some(callback) = &on_match {
            if !callback.is_callable() {
                return Err(PyTypeError::new_err("on_match must be callable"));
            }
        }
        let callback = on_match.map(Bound::unbind);
        if let Some(reader) = stream_source(data)? {
            let mut matched = Vec::new();
            let mut failed: Option<PyErr> = None;
            let scan = self.scan_stream(py, data, reader, |_, bytes| match &callback {
                Some(f) if failed.is_none() => {
                    let result =
                        Python::attach(|py| f.call1(py, (PyBytes::new(py, bytes),)).map(drop));
                    failed = result.err();
                }
                Some(_) => {}
                None => matched.push(bytes.to_vec()),
            })?;
            if let Some(e) = failed {
                return Err(e);
            }
            return Ok(FilterScan {
                matched: matched
                    .into_iter()
                    .map(|m| PyBytes::new(py, &m).unbind())
                    .collect(),
                total: scan.total,
                count: scan.matched,
                unreadable: scan
                    .unreadable
                    .iter()
                    .map(|(o, c)| (*o as usize, *c))
                    .collect(),
            });
        }
        let bytes = input_bytes(data)?;
        let scan = py.detach(|| self.inner.scan(&bytes));
        let mut matched = Vec::new();
        for r in &scan.matched {
            let m = PyBytes::new(py, &bytes[r.clone()]);
            match &callback {
                Some(f) => drop(f.call1(py, (m,))?),
                None => matched.push(m.unbind()),
            }
        }
        let unreadable = scan
            .unreadable
            .iter()
            .map(|(o, e)| (*o, e.code()))
            .collect();
        Ok(FilterScan {
            matched,
            total: scan.total,
            count: scan.matched.len(),
            unreadable,
        })
    }

    /// select(data) -> list[bytes]: the matching messages of a file
    /// (unreadable ones left out; see scan()).
    fn select<'py>(
        &self,
        py: Python<'py>,
        data: &Bound<'py, PyAny>,
    ) -> PyResult<Vec<Bound<'py, PyBytes>>> {
        if stream_source(data)?.is_some() {
            let scan = self.scan(py, data, None)?;
            return Ok(scan.matched.into_iter().map(|m| m.into_bound(py)).collect());
        }
        let bytes = input_bytes(data)?;
        let selected = py.detach(|| self.inner.select(&bytes));
        Ok(selected.into_iter().map(|m| PyBytes::new(py, m)).collect())
    }

    /// count(data) -> int: how many messages of a file match (a path or a
    /// binary file object is read in bounded memory).
    fn count(&self, py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<usize> {
        if let Some(reader) = stream_source(data)? {
            return Ok(self.scan_stream(py, data, reader, |_, _| {})?.matched);
        }
        let bytes = input_bytes(data)?;
        Ok(py.detach(|| self.inner.count(&bytes)))
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

impl Filter {
    /// Filter::scan_reader with the GIL released; read errors as OSError.
    fn scan_stream(
        &self,
        py: Python<'_>,
        source: &Bound<'_, PyAny>,
        reader: Box<dyn std::io::Read + Send + Sync>,
        mut matched: impl FnMut(u64, &[u8]) + Send,
    ) -> PyResult<pipehat::filter::ReaderScan> {
        let inner = &self.inner;
        py.detach(|| inner.scan_reader(reader, 0, &mut matched))
            .map_err(|e| match crate::stream::is_path(source).ok().flatten() {
                Some(path) => os_error(py, &e, &path),
                None => pyo3::exceptions::PyOSError::new_err(e.to_string()),
            })
    }
}

/// A path (opened) or a binary file object as a reader; None for bytes and str.
fn stream_source(
    data: &Bound<'_, PyAny>,
) -> PyResult<Option<Box<dyn std::io::Read + Send + Sync>>> {
    if let Some(path) = crate::stream::is_path(data)? {
        // str is text to filter, not a path: only os.PathLike opens a file
        if !data.is_instance_of::<PyString>() {
            return Ok(Some(Box::new(open_file(data.py(), &path)?)));
        }
    }
    if data.hasattr("read")? && !data.is_instance_of::<PyBytes>() {
        return Ok(Some(Box::new(crate::stream::PyReader(
            data.clone().unbind(),
        ))));
    }
    Ok(None)
}

/// What Filter.scan() found: matched (the matching messages' bytes), total
/// (how many messages there were), count (how many matched) and unreadable
/// ((offset, code) of each message that could not be read). Unpacks as a
/// tuple of matched, total and unreadable.
#[pyclass(frozen, get_all, module = "pipehat")]
pub(crate) struct FilterScan {
    pub(crate) matched: Vec<Py<PyBytes>>,
    pub(crate) total: usize,
    /// How many messages matched (also when on_match took them).
    pub(crate) count: usize,
    pub(crate) unreadable: Vec<(usize, &'static str)>,
}

#[pymethods]
impl FilterScan {
    fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let items = (
            self.matched
                .iter()
                .map(|m| m.clone_ref(py))
                .collect::<Vec<_>>(),
            self.total,
            self.unreadable.clone(),
        );
        Ok(items.into_pyobject(py)?.into_any().try_iter()?.into_any())
    }

    fn __len__(&self) -> usize {
        3
    }

    fn __repr__(&self) -> String {
        format!(
            "<pipehat.FilterScan {} matched of {}, {} unreadable>",
            self.count,
            self.total,
            self.unreadable.len()
        )
    }
}

/// Router(routes): named routes, from a dict {destination: expression} or
/// a list of (destination, expression) pairs.
#[pyclass(module = "pipehat")]
pub(crate) struct Router {
    pub(crate) inner: pipehat::filter::Router,
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

    /// add(destination, expression) -> Router: adds a route after the others.
    fn add<'py>(
        mut slf: PyRefMut<'py, Self>,
        destination: &str,
        expression: &str,
    ) -> PyResult<PyRefMut<'py, Self>> {
        let py = slf.py();
        slf.inner
            .add(destination, expression)
            .map_err(|e| filter_error(py, &e))?;
        Ok(slf)
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

pub(crate) fn difference_list(
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
#[pyclass(frozen, module = "pipehat")]
pub(crate) struct ChangeDetector {
    pub(crate) inner: pipehat::diff::ChangeDetector,
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
pub(crate) fn diff(
    py: Python<'_>,
    a: &Bound<'_, PyAny>,
    b: &Bound<'_, PyAny>,
    ignore: Vec<String>,
    details: bool,
) -> PyResult<Py<PyAny>> {
    ChangeDetector::py_new(py, ignore)?.changes(py, a, b, details)
}

/// JSON text from a str, a dict, or an os.PathLike naming a JSON file.
pub(crate) fn spec_text(py: Python<'_>, spec: &Bound<'_, PyAny>) -> PyResult<String> {
    if let Ok(s) = spec.cast::<PyString>() {
        return Ok(s.to_cow()?.into_owned());
    }
    if spec.hasattr("__fspath__")? {
        let path: std::path::PathBuf = spec.extract()?;
        return std::fs::read_to_string(&path).map_err(|e| os_error(py, &e, &path));
    }
    if spec.is_instance_of::<PyDict>() {
        return py.import("json")?.call_method1("dumps", (spec,))?.extract();
    }
    Err(PyTypeError::new_err(
        "spec must be JSON text, a dict or a path to a JSON file",
    ))
}

pub(crate) fn mapped_value(py: Python<'_>, v: &pipehat::mapping::MapValue) -> PyResult<Py<PyAny>> {
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
#[pyclass(frozen, module = "pipehat")]
pub(crate) struct Mapping {
    pub(crate) inner: pipehat::mapping::Mapping,
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

/// Adds this module's functions and classes to `pipehat._native`.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<FilterScan>()?;
    m.add_class::<Filter>()?;
    m.add_class::<Router>()?;
    m.add_class::<ChangeDetector>()?;
    m.add_class::<Mapping>()?;
    m.add_function(wrap_pyfunction!(diff, m)?)?;
    Ok(())
}
