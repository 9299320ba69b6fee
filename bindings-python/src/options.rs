//! Inputs and parse options: bytes from Python objects, keyword options to
//! the core's `ParseOptions`.

use pipehat::{ParseOptions, SegmentTerminator};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

/// Bytes from `bytes`, `bytearray`, `memoryview` or `str` (encoded as UTF-8).
pub(crate) fn input_bytes(data: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    if let Ok(s) = data.cast::<PyString>() {
        return Ok(s.to_cow()?.as_bytes().to_vec());
    }
    if let Ok(b) = data.cast::<PyBytes>() {
        return Ok(b.as_bytes().to_vec());
    }
    data.extract::<Vec<u8>>()
        .map_err(|_| PyTypeError::new_err("expected bytes, bytearray, memoryview or str"))
}

/// A ValueError saying which names `option` takes (names from the core).
pub(crate) fn one_of(option: &str, names: &[&str]) -> PyErr {
    PyValueError::new_err(format!("{option} must be one of {}", names.join(", ")))
}

pub(crate) fn terminator(value: Option<&str>) -> PyResult<Option<SegmentTerminator>> {
    value
        .map(|v| {
            SegmentTerminator::from_name(v).ok_or_else(|| {
                one_of(
                    "segment_terminator (or the terminator itself)",
                    &SegmentTerminator::NAMES,
                )
            })
        })
        .transpose()
}

pub(crate) fn options(
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
