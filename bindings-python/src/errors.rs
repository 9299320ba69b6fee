//! Errors: the exception classes live in `pipehat/errors.py` (they subclass
//! `ValueError` and `KeyError`, which an exception made in Rust cannot do);
//! this module raises them with the core error's code and positions.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyType;
use pyo3::IntoPyObjectExt;

pub(crate) fn error_class<'py>(
    py: Python<'py>,
    name: &'static str,
) -> PyResult<Bound<'py, PyType>> {
    static MODULE: PyOnceLock<Py<PyModule>> = PyOnceLock::new();
    let module = MODULE.get_or_try_init(py, || py.import("pipehat.errors").map(Bound::unbind))?;
    Ok(module.bind(py).getattr(name)?.cast_into::<PyType>()?)
}

pub(crate) fn raise(
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

pub(crate) fn parse_error(py: Python<'_>, e: &pipehat::ParseError, input: &[u8]) -> PyErr {
    parse_error_at(py, e, e.line_column(input))
}

/// [`parse_error`] with the line and column already counted.
pub(crate) fn parse_error_at(
    py: Python<'_>,
    e: &pipehat::ParseError,
    (line, column): (usize, usize),
) -> PyErr {
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
    raise(py, "ParseError", e.to_string(), &attrs)
}

pub(crate) fn path_error(py: Python<'_>, e: &pipehat::PathError) -> PyErr {
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
    raise(py, "PathError", e.to_string(), &attrs)
}

/// The OSError Python itself raises for `e` on `path`: FileNotFoundError,
/// IsADirectoryError, PermissionError, ... (by errno), with errno, strerror
/// and filename set, so that the message names the file.
pub(crate) fn os_error(py: Python<'_>, e: &std::io::Error, path: &std::path::Path) -> PyErr {
    let filename = path.to_string_lossy().into_owned();
    let Some(errno) = e.raw_os_error() else {
        return pyo3::exceptions::PyOSError::new_err((e.kind().to_string(), filename));
    };
    let strerror = py
        .import("os")
        .and_then(|os| os.call_method1("strerror", (errno,)))
        .and_then(|s| s.extract::<String>())
        .unwrap_or_else(|_| e.kind().to_string());
    pyo3::exceptions::PyOSError::new_err((errno, strerror, filename))
}

/// Opens a file to read, refusing a directory up front (opening one works;
/// reading it would fail later, without the file's name).
pub(crate) fn open_file(py: Python<'_>, path: &std::path::Path) -> PyResult<std::fs::File> {
    let file = std::fs::File::open(path).map_err(|e| os_error(py, &e, path))?;
    if file.metadata().is_ok_and(|m| m.is_dir()) {
        let errno: i32 = py.import("errno")?.getattr("EISDIR")?.extract()?;
        return Err(os_error(
            py,
            &std::io::Error::from_raw_os_error(errno),
            path,
        ));
    }
    Ok(file)
}

/// Warns that `old` is the old name of `new` (kept for one release).
pub(crate) fn deprecated(py: Python<'_>, old: &str, new: &str) -> PyResult<()> {
    let message = std::ffi::CString::new(format!(
        "{old} is deprecated: use {new}, the name every language uses"
    ))
    .unwrap_or_default();
    PyErr::warn(
        py,
        &py.get_type::<pyo3::exceptions::PyDeprecationWarning>(),
        &message,
        2,
    )
}

pub(crate) fn stream_error(py: Python<'_>, e: &pipehat::stream::StreamError) -> PyErr {
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
            raise(py, "StreamError", other.to_string(), &attrs)
        }
    }
}

pub(crate) fn datatype_error(py: Python<'_>, e: &pipehat::datatype::DatatypeError) -> PyErr {
    let attrs = attrs_of(vec![
        ("code", obj(py, e.code())),
        ("offset", obj(py, e.offset())),
    ]);
    raise(py, "DatatypeError", e.to_string(), &attrs)
}

pub(crate) fn attrs_of(
    items: Vec<(&'static str, PyResult<Py<PyAny>>)>,
) -> Vec<(&'static str, Py<PyAny>)> {
    items
        .into_iter()
        .filter_map(|(k, v)| v.ok().map(|v| (k, v)))
        .collect()
}

pub(crate) fn obj<'py, T: IntoPyObject<'py>>(py: Python<'py>, v: T) -> PyResult<Py<PyAny>> {
    v.into_bound_py_any(py).map(Bound::unbind)
}

pub(crate) fn edit_error(py: Python<'_>, e: &pipehat::EditError) -> PyErr {
    let attrs = attrs_of(vec![
        ("code", obj(py, e.code())),
        ("offset", obj(py, e.offset())),
        ("segment", obj(py, e.segment())),
    ]);
    raise(py, "EditError", format!("{e}"), &attrs)
}

pub(crate) fn mllp_error(py: Python<'_>, e: &pipehat::mllp::MllpIssue) -> PyErr {
    let attrs = attrs_of(vec![
        ("code", obj(py, e.code())),
        ("offset", obj(py, e.offset())),
        ("length", obj(py, e.length())),
    ]);
    raise(py, "MllpError", format!("{e}"), &attrs)
}

pub(crate) fn filter_error(py: Python<'_>, e: &pipehat::filter::FilterError) -> PyErr {
    let attrs = attrs_of(vec![
        ("code", obj(py, e.code())),
        ("offset", obj(py, e.offset())),
    ]);
    raise(py, "FilterError", e.to_string(), &attrs)
}

/// A mapping or profile error as `class` (MappingError, ProfileError) with code and pointer.
pub(crate) fn spec_error(py: Python<'_>, class: &'static str, e: &pipehat::SpecError) -> PyErr {
    let attrs = attrs_of(vec![
        ("code", obj(py, e.code())),
        ("pointer", obj(py, e.pointer())),
    ]);
    raise(py, class, e.to_string(), &attrs)
}

pub(crate) fn dictionary_error(py: Python<'_>, e: &pipehat::dictionary::ExplainError) -> PyErr {
    match e {
        pipehat::dictionary::ExplainError::Path(p) => path_error(py, p),
        other => {
            let attrs = attrs_of(vec![("code", obj(py, other.code()))]);
            raise(py, "DictionaryError", other.to_string(), &attrs)
        }
    }
}
