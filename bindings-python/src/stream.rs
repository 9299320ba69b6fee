//! Streams and bulk reads: `split`, `Splitter`, `iter_messages`, `extract`.

use crate::errors::{deprecated, open_file, stream_error};
use crate::message::{parse_owned, Message};
use crate::options::{input_bytes, options};
use pipehat::stream::{ChunkKind, MessageReader, OwnedChunk};
use pipehat::ParseOptions;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString, PyType};

/// Iterator returned by iter_messages.
#[pyclass(module = "pipehat")]
pub(crate) struct MessageIterator {
    pub(crate) source: Source,
    pub(crate) options: ParseOptions,
}

pub(crate) enum Source {
    /// Bytes held whole, in a splitter already finished.
    Bytes(Box<pipehat::stream::Splitter>),
    Reader(Box<MessageReader<Box<dyn std::io::Read + Send + Sync>>>),
}

impl Source {
    /// A path or a binary file object (chunks up to `limit` bytes), or bytes
    /// (chunks up to `bytes_limit`).
    pub(crate) fn open(
        source: &Bound<'_, PyAny>,
        limit: usize,
        bytes_limit: usize,
    ) -> PyResult<Source> {
        if let Some(path) = is_path(source)? {
            let file = open_file(source.py(), &path)?;
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

    pub(crate) fn next_chunk(
        &mut self,
    ) -> Option<Result<OwnedChunk, pipehat::stream::StreamError>> {
        match self {
            Source::Bytes(splitter) => splitter.next_chunk(),
            Source::Reader(reader) => reader.next(),
        }
    }

    /// The next message chunk as owned bytes, skipping envelope segments.
    pub(crate) fn next_message(&mut self) -> Option<Result<Vec<u8>, pipehat::stream::StreamError>> {
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
pub(crate) struct Chunk {
    /// "message", "file_header", "batch_header", "batch_trailer",
    /// "file_trailer" or "unrecognized".
    #[pyo3(get)]
    pub(crate) kind: &'static str,
    /// 0-based byte offset of the chunk in the stream.
    #[pyo3(get)]
    pub(crate) offset: u64,
    /// Trailers only: the count BTS-1/FTS-1 declares (None when it declares none).
    #[pyo3(get)]
    pub(crate) declared_count: Option<u64>,
    /// Trailers only: the messages (BTS) or batches (FTS) actually counted.
    #[pyo3(get)]
    pub(crate) counted_count: Option<u64>,
    pub(crate) data: Py<PyBytes>,
}

impl Chunk {
    pub(crate) fn new(py: Python<'_>, c: &OwnedChunk) -> Chunk {
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
    pub(crate) fn from_item(
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
pub(crate) struct ChunkIterator {
    pub(crate) source: Source,
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
pub(crate) fn split(
    source: &Bound<'_, PyAny>,
    max_chunk_size: Option<usize>,
) -> PyResult<ChunkIterator> {
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
pub(crate) struct Splitter {
    pub(crate) inner: pipehat::stream::Splitter,
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
    fn push<'py>(
        mut slf: PyRefMut<'py, Self>,
        data: &Bound<'py, PyAny>,
    ) -> PyResult<PyRefMut<'py, Self>> {
        let bytes = input_bytes(data)?;
        slf.inner.push_vec(bytes);
        Ok(slf)
    }

    /// The old name of push() (deprecated).
    fn feed<'py>(
        slf: PyRefMut<'py, Self>,
        data: &Bound<'py, PyAny>,
    ) -> PyResult<PyRefMut<'py, Self>> {
        deprecated(data.py(), "Splitter.feed", "Splitter.push")?;
        Self::push(slf, data)
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
pub(crate) struct PyReader(pub(crate) Py<PyAny>);

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

impl std::io::Seek for PyReader {
    /// The file object's own seek() (io.SEEK_SET, SEEK_CUR, SEEK_END).
    fn seek(&mut self, to: std::io::SeekFrom) -> std::io::Result<u64> {
        let (offset, whence) = match to {
            std::io::SeekFrom::Start(n) => (n as i64, 0),
            std::io::SeekFrom::Current(n) => (n, 1),
            std::io::SeekFrom::End(n) => (n, 2),
        };
        Python::attach(|py| {
            self.0
                .bind(py)
                .call_method1("seek", (offset, whence))
                .and_then(|at| at.extract::<u64>())
                .map_err(std::io::Error::other)
        })
    }
}

pub(crate) fn is_path(source: &Bound<'_, PyAny>) -> PyResult<Option<std::path::PathBuf>> {
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
pub(crate) fn iter_messages(
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

/// Adds this module's functions and classes to `pipehat._native`.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(iter_messages, m)?)?;
    m.add_class::<MessageIterator>()?;
    m.add_function(wrap_pyfunction!(split, m)?)?;
    m.add_class::<Chunk>()?;
    m.add_class::<ChunkIterator>()?;
    m.add_class::<Splitter>()?;
    Ok(())
}
