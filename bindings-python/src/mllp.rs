//! MLLP framing: `mllp_encode` and the incremental `MllpDecoder`.

use crate::errors::{deprecated, mllp_error};
use crate::options::input_bytes;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

/// mllp_encode(data, /) -> bytes: one MLLP frame (0x0B data 0x1C 0x0D).
#[pyfunction]
#[pyo3(signature = (data, /))]
pub(crate) fn mllp_encode<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyBytes>> {
    let bytes = input_bytes(data)?;
    Ok(PyBytes::new(py, &pipehat::mllp::encode(&bytes)))
}

/// Something odd the MLLP decoder skipped or dropped.
#[pyclass(frozen, get_all, module = "pipehat")]
pub(crate) struct MllpIssue {
    /// Stable code, e.g. "mllp_garbage".
    pub(crate) code: &'static str,
    /// "warning", or "error" for a frame too large.
    pub(crate) severity: &'static str,
    /// Offset in the stream.
    pub(crate) offset: u64,
    /// Bytes concerned.
    pub(crate) length: u64,
    /// A sentence with positions and no content.
    pub(crate) message: String,
}

#[pymethods]
impl MllpIssue {
    fn __repr__(&self) -> String {
        format!("<pipehat.MllpIssue {}: {}>", self.code, self.message)
    }
}

/// MllpDecoder(max_frame_size=None): frames from bytes in chunks of any size.
#[pyclass(module = "pipehat")]
pub(crate) struct MllpDecoder {
    pub(crate) inner: pipehat::mllp::Decoder,
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

    /// The old name of push() (deprecated).
    fn feed<'py>(
        &mut self,
        py: Python<'py>,
        data: &Bound<'py, PyAny>,
    ) -> PyResult<Vec<Bound<'py, PyBytes>>> {
        deprecated(py, "MllpDecoder.feed", "MllpDecoder.push")?;
        self.push(py, data)
    }

    /// Adds bytes; returns the frames completed so far. A frame larger
    /// than the limit raises MllpError (after the frames before it were returned).
    fn push<'py>(
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
                severity: i.kind().severity().as_str(),
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

/// Adds this module's functions and classes to `pipehat._native`.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(mllp_encode, m)?)?;
    m.add_class::<MllpDecoder>()?;
    m.add_class::<MllpIssue>()?;
    Ok(())
}
