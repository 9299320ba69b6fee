//! Columns from files of any size (`pipehat::columns`): `extract()` and the
//! Arrow batches that `pipehat.extract_batches`, Spark, Polars and Dask read.

use crate::errors::{filter_error, open_file, os_error, path_error, stream_error};
use crate::options::{input_bytes, options};
use crate::route::{Filter, Mapping};
use crate::stream::{is_path, PyReader};
use pipehat::columns::{BatchReader, Columns, RowError, Select, StringColumn};
use pipehat::stream::StreamError;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString, PyTuple};
use std::io::Read;

/// What is read: a file, a Python binary file object, or bytes.
pub(crate) enum Input {
    File(std::io::BufReader<std::fs::File>),
    Object(PyReader),
    Bytes(std::io::Cursor<Vec<u8>>),
}

impl Read for Input {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Input::File(f) => f.read(buf),
            Input::Object(o) => o.read(buf),
            Input::Bytes(b) => b.read(buf),
        }
    }
}

impl std::io::Seek for Input {
    fn seek(&mut self, to: std::io::SeekFrom) -> std::io::Result<u64> {
        match self {
            Input::File(f) => f.seek(to),
            Input::Bytes(b) => b.seek(to),
            Input::Object(o) => o.seek(to),
        }
    }
}

/// A path, a binary file object or bytes, as a reader; `range` (paths only)
/// reads the messages that start in bytes `start..end`.
fn reader(
    py: Python<'_>,
    source: &Bound<'_, PyAny>,
    select: Select,
    range: Option<(u64, u64)>,
) -> PyResult<BatchReader<Select, Input>> {
    if let Some(path) = is_path(source)? {
        let file = Input::File(std::io::BufReader::new(open_file(py, &path)?));
        let Some((start, end)) = range else {
            return Ok(BatchReader::new(select, file));
        };
        return py
            .detach(|| BatchReader::range(select, file, start, end))
            .map_err(|e| os_error(py, &e, &path));
    }
    let input = if source.hasattr("read")? && !source.is_instance_of::<PyBytes>() {
        Input::Object(PyReader(source.clone().unbind()))
    } else if range.is_some() {
        return Err(PyTypeError::new_err(
            "start and end need a path or a seekable file",
        ));
    } else {
        Input::Bytes(std::io::Cursor::new(input_bytes(source)?))
    };
    match range {
        None => Ok(BatchReader::new(select, input)),
        Some((start, end)) => py
            .detach(|| BatchReader::range(select, input, start, end))
            .map_err(|e| pyo3::exceptions::PyOSError::new_err(e.to_string())),
    }
}

/// The Select for paths or a mapping, with a filter and the parse options.
#[allow(clippy::too_many_arguments)] // the keyword arguments of extract()
pub(crate) fn select(
    py: Python<'_>,
    paths: Option<&[String]>,
    mapping: Option<&Bound<'_, PyAny>>,
    filter: Option<&Bound<'_, PyAny>>,
    raw: bool,
    threads: Option<usize>,
    batch_bytes: Option<usize>,
    parse: pipehat::ParseOptions,
) -> PyResult<(Select, Vec<String>)> {
    let (select, names) = match (paths, mapping) {
        (Some(paths), None) => {
            let parsed: Vec<pipehat::Path> = paths
                .iter()
                .map(|p| p.parse::<pipehat::Path>())
                .collect::<Result<_, _>>()
                .map_err(|e| path_error(py, &e))?;
            (Select::paths(parsed), paths.to_vec())
        }
        (None, Some(spec)) => {
            let mapping = match spec.cast::<Mapping>() {
                Ok(m) => m.get().inner.clone(),
                Err(_) => {
                    let built = py.import("pipehat")?.getattr("Mapping")?.call1((spec,))?;
                    built.cast::<Mapping>()?.get().inner.clone()
                }
            };
            let names = mapping.keys().map(str::to_owned).collect();
            (Select::mapping(mapping), names)
        }
        _ => {
            return Err(PyTypeError::new_err(
                "give either fields (a list of paths) or mapping, not both",
            ))
        }
    };
    let mut select = select
        .raw(raw)
        .options(parse)
        .threads(threads.unwrap_or(0))
        .batch_bytes(batch_bytes.unwrap_or(Select::DEFAULT_BATCH_BYTES));
    if let Some(f) = filter {
        let expression: String = match f.cast::<Filter>() {
            Ok(f) => f.get().expression.clone(),
            Err(_) => f
                .extract()
                .map_err(|_| PyTypeError::new_err("filter must be a Filter or an expression"))?,
        };
        let parsed =
            pipehat::filter::Filter::parse(&expression).map_err(|e| filter_error(py, &e))?;
        select = select.filter(parsed);
    }
    Ok((select, names))
}

/// The next batch, read with the GIL released; I/O errors as OSError.
fn next_batch(
    py: Python<'_>,
    reader: &mut BatchReader<Select, Input>,
) -> PyResult<Option<Columns>> {
    match py.detach(|| reader.next()) {
        None => Ok(None),
        Some(Ok(batch)) => Ok(Some(batch)),
        Some(Err(e)) => Err(pyo3::exceptions::PyOSError::new_err(e.to_string())),
    }
}

/// The exception object for a row's error.
fn row_error(py: Python<'_>, e: &RowError) -> Py<PyAny> {
    match &e.error {
        Some(parse) => crate::errors::parse_error_at(py, parse, (e.line, e.column)).into_value(py),
        None => stream_error(py, &StreamError::ChunkTooLarge { offset: e.offset }).into_value(py),
    }
    .into_any()
}

/// extract(source, paths, /, *, raw=False, threads=None, details=False, strict=False, segment_terminator=None, max_message_size=None, max_segments=None, max_field_length=None)
/// --
///
/// Reads `paths` from every message of `source` (a path, bytes or a binary
/// file object), parsing on all cores with the GIL released, each message
/// with the parse options of parse(). Files and file objects are read in
/// batches, in bounded memory. Returns a dict: path -> list of str or None,
/// one entry per message. With details=True: {"columns": that dict,
/// "offsets": each message's byte offset in the input, "errors": [(row,
/// error)] for each message that could not be read, the error being the
/// ParseError parsing that message alone raises (or a StreamError for a
/// message over max_message_size)}.
#[pyfunction]
#[pyo3(signature = (source, paths, /, *, raw=false, threads=None, details=false, strict=false, segment_terminator=None, max_message_size=None, max_segments=None, max_field_length=None))]
#[allow(clippy::too_many_arguments)] // the keyword arguments of extract()
pub(crate) fn extract<'py>(
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
    let parse = options(
        strict,
        segment_terminator,
        max_message_size,
        max_segments,
        max_field_length,
    )?;
    let (select, _) = select(py, Some(&paths), None, None, raw, threads, None, parse)?;
    let mut reader = reader(py, source, select, None)?;
    let lists: Vec<Bound<'py, PyList>> = paths.iter().map(|_| PyList::empty(py)).collect();
    let offsets = PyList::empty(py);
    let errors = PyList::empty(py);
    let mut rows = 0;
    while let Some(batch) = next_batch(py, &mut reader)? {
        for (list, column) in lists.iter().zip(&batch.columns) {
            for i in 0..column.len() {
                list.append(column.get(i))?;
            }
        }
        if details {
            for o in &batch.offsets {
                offsets.append(o)?;
            }
            for e in &batch.errors {
                errors.append((rows + e.row, row_error(py, e)))?;
            }
        }
        rows += batch.rows();
    }
    let dict = PyDict::new(py);
    for (name, list) in paths.iter().zip(lists) {
        dict.set_item(name, list)?;
    }
    if !details {
        return Ok(dict);
    }
    let report = PyDict::new(py);
    report.set_item("columns", dict)?;
    report.set_item("offsets", offsets)?;
    report.set_item("errors", errors)?;
    Ok(report)
}

/// Iterator returned by _extract_batches: one tuple per batch (see there).
#[pyclass(module = "pipehat")]
pub(crate) struct ColumnBatches {
    reader: BatchReader<Select, Input>,
    names: Vec<String>,
}

/// A column's Arrow buffers: (offsets, data, validity, null_count).
fn buffers<'py>(py: Python<'py>, c: &StringColumn) -> PyResult<Bound<'py, PyTuple>> {
    let offsets: Vec<u8> = c.offsets().iter().flat_map(|o| o.to_le_bytes()).collect();
    (
        PyBytes::new(py, &offsets),
        PyBytes::new(py, c.data()),
        PyBytes::new(py, c.validity()),
        c.null_count(),
    )
        .into_pyobject(py)
}

#[pymethods]
impl ColumnBatches {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    /// (rows, [column buffers], offsets as int64 bytes, error-code column
    /// buffers, messages read), column buffers being (offsets as int32
    /// bytes, data, validity bitmap, null count): Arrow's `utf8` layout.
    fn __next__<'py>(&mut self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyTuple>>> {
        let Some(batch) = next_batch(py, &mut self.reader)? else {
            return Ok(None);
        };
        let columns = PyList::empty(py);
        for c in &batch.columns {
            columns.append(buffers(py, c)?)?;
        }
        let offsets: Vec<u8> = batch
            .offsets
            .iter()
            .flat_map(|o| (*o as i64).to_le_bytes())
            .collect();
        let item = (
            batch.rows(),
            columns,
            PyBytes::new(py, &offsets),
            buffers(py, &batch.error_column())?,
            batch.messages,
        );
        Ok(Some(item.into_pyobject(py)?))
    }

    /// The column names: the paths as given, or the mapping's keys.
    #[getter]
    fn names<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        PyList::new(py, self.names.iter().map(|n| PyString::new(py, n)))
    }
}

/// _extract_batches(source, fields=None, /, *, mapping=None, filter=None, raw=False, threads=None, batch_bytes=None, start=None, end=None, strict=False, segment_terminator=None, max_message_size=None, max_segments=None, max_field_length=None)
/// --
///
/// The batches of `source` as Arrow buffers (pipehat.extract_batches builds
/// the record batches).
#[pyfunction]
#[pyo3(signature = (source, fields=None, /, *, mapping=None, filter=None, raw=false, threads=None, batch_bytes=None, start=None, end=None, strict=false, segment_terminator=None, max_message_size=None, max_segments=None, max_field_length=None))]
#[allow(clippy::too_many_arguments)] // the keyword arguments of extract_batches()
pub(crate) fn _extract_batches(
    py: Python<'_>,
    source: &Bound<'_, PyAny>,
    fields: Option<Vec<String>>,
    mapping: Option<&Bound<'_, PyAny>>,
    filter: Option<&Bound<'_, PyAny>>,
    raw: bool,
    threads: Option<usize>,
    batch_bytes: Option<usize>,
    start: Option<u64>,
    end: Option<u64>,
    strict: bool,
    segment_terminator: Option<&str>,
    max_message_size: Option<usize>,
    max_segments: Option<usize>,
    max_field_length: Option<usize>,
) -> PyResult<ColumnBatches> {
    let parse = options(
        strict,
        segment_terminator,
        max_message_size,
        max_segments,
        max_field_length,
    )?;
    if batch_bytes == Some(0) {
        return Err(PyValueError::new_err("batch_bytes must be at least 1"));
    }
    let (select, names) = select(
        py,
        fields.as_deref(),
        mapping,
        filter,
        raw,
        threads,
        batch_bytes,
        parse,
    )?;
    let range = match (start, end) {
        (None, None) => None,
        (s, e) => Some((s.unwrap_or(0), e.unwrap_or(u64::MAX))),
    };
    let reader = reader(py, source, select, range)?;
    Ok(ColumnBatches { reader, names })
}

/// Adds this module's functions and classes to `pipehat._native`.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(extract, m)?)?;
    m.add_function(wrap_pyfunction!(_extract_batches, m)?)?;
    m.add_class::<ColumnBatches>()?;
    Ok(())
}
