"""Arrow record batches from files of any size: what Spark, Polars, Dask,
DuckDB and Ray read.

    extract_batches(source, fields, ...) -> Iterator[pyarrow.RecordBatch]
    extract_arrow(source, fields, ...)   -> pyarrow.Table

The core reads `source` a batch at a time (about `batch_bytes` of input,
16 MiB by default) on `threads` threads and hands each column over as
Arrow's buffers: no Python object is made per value.
"""

from __future__ import annotations

import glob as _glob
import os
from typing import Any, Iterator, List, Optional, Sequence, Tuple, Union, cast

from pipehat import _native

#: The columns `meta=True` adds, after the fields: the message's byte offset
#: in its file and, for a message that could not be read, its error code.
META_COLUMNS = ("_offset", "_error")

Source = Union[str, "os.PathLike[str]", bytes, bytearray, memoryview, Any]


def _pyarrow() -> Any:
    try:
        import pyarrow  # type: ignore[import-untyped]
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("pyarrow is not installed: pip install 'pipehat[arrow]'") from e
    return pyarrow


def _strings(pa: Any, rows: int, buffers: Any) -> Any:
    offsets, data, validity, nulls = buffers
    return pa.StringArray.from_buffers(
        rows, pa.py_buffer(offsets), pa.py_buffer(data), pa.py_buffer(validity) if nulls else None, nulls
    )


def schema(names: Sequence[str], *, meta: bool = False, file: bool = False) -> Any:
    """The schema of extract_batches()'s batches: a string column per name,
    then `_file` (with `file`) and `_offset`, `_error` (with `meta`)."""
    pa = _pyarrow()
    fields = [pa.field(n, pa.string()) for n in names]
    if file:
        fields.append(pa.field("_file", pa.string()))
    if meta:
        fields += [pa.field("_offset", pa.int64()), pa.field("_error", pa.string())]
    return pa.schema(fields)


def extract_batches(
    source: Source,
    fields: Optional[Sequence[str]] = None,
    /,
    *,
    mapping: Any = None,
    filter: Any = None,
    raw: bool = False,
    threads: Optional[int] = None,
    batch_bytes: Optional[int] = None,
    meta: bool = False,
    file: Optional[str] = None,
    start: Optional[int] = None,
    end: Optional[int] = None,
    strict: bool = False,
    segment_terminator: Optional[str] = None,
    max_message_size: Optional[int] = None,
    max_segments: Optional[int] = None,
    max_field_length: Optional[int] = None,
) -> Iterator[Any]:
    """The rows of every message of `source` (a path, a binary file object or
    bytes: one message, a batch file, an MLLP capture, a concatenated feed)
    as ``pyarrow.RecordBatch``es, read in bounded memory.

    - `fields`: paths (``"PID-5.1"``), one string column each, named by the
      path as given; or `mapping` (a ``Mapping``, or its spec as JSON text, a
      dict or a path): one column per mapping field, a row per object it gives
      (``"rows": "OBX"``: a row per OBX). Values are decoded text (``raw=True``:
      as written); absent and empty values are null.
    - `filter`: a ``Filter`` or an expression; only matching messages give rows.
    - `meta`: adds ``_offset`` (int64, the message's byte offset) and
      ``_error`` (the error code of a message that could not be read, whose
      row has every value null); `file`: adds ``_file``, this text in each row.
    - `start`, `end` (paths and seekable file objects): the messages that
      start in bytes ``start..end`` of the file; cut a file anywhere, and the
      ranges' rows put together are the whole file's.
    - A path with a scheme (``s3://``, ``gs://``, ``abfs://``, ``memory://``)
      is opened through fsspec.
    - `threads` (default every core), `batch_bytes` (default 16 MiB of input
      per batch), and the parse options of ``parse()``.
    """
    pa = _pyarrow()
    if isinstance(source, str) and is_url(source):
        fs, path = _filesystem(source)
        with fs.open(path, "rb") as f:
            yield from extract_batches(
                f, fields, mapping=mapping, filter=filter, raw=raw, threads=threads, batch_bytes=batch_bytes,
                meta=meta, file=file, start=start, end=end, strict=strict, segment_terminator=segment_terminator,
                max_message_size=max_message_size, max_segments=max_segments, max_field_length=max_field_length,
            )
        return
    native = _native._extract_batches(
        source, None if fields is None else list(fields), mapping=mapping, filter=filter, raw=raw,
        threads=threads, batch_bytes=batch_bytes, start=start, end=end, strict=strict,
        segment_terminator=cast(Any, segment_terminator), max_message_size=max_message_size,
        max_segments=max_segments, max_field_length=max_field_length,
    )
    names: List[str] = native.names
    out_schema = schema(names, meta=meta, file=file is not None)
    for rows, columns, offsets, errors, _messages in native:
        arrays = [_strings(pa, rows, c) for c in columns]
        if file is not None:
            arrays.append(pa.array([file] * rows, pa.string()))
        if meta:
            arrays.append(pa.Array.from_buffers(pa.int64(), rows, [None, pa.py_buffer(offsets)]))
            arrays.append(_strings(pa, rows, errors))
        yield pa.RecordBatch.from_arrays(arrays, schema=out_schema)


def names(fields: Optional[Sequence[str]] = None, mapping: Any = None) -> List[str]:
    """The column names extract_batches() gives for `fields` or `mapping`
    (checked: a bad path or spec raises as extract_batches would)."""
    return list(_native._extract_batches(b"", None if fields is None else list(fields), mapping=mapping).names)


def extract_arrow(source: Source, fields: Optional[Sequence[str]] = None, /, **options: Any) -> Any:
    """extract_batches() as one ``pyarrow.Table`` (an empty one, with the
    columns, when `source` holds no message)."""
    pa = _pyarrow()
    batches = list(extract_batches(source, fields, **options))
    if batches:
        return pa.Table.from_batches(batches)
    meta = bool(options.get("meta"))
    file = options.get("file") is not None
    return schema(names(fields, options.get("mapping")), meta=meta, file=file).empty_table()


def is_url(path: str) -> bool:
    """Whether `path` names a file elsewhere than this machine's file system
    (``s3://``, ``gs://``, ``abfs://``, ``memory://``...): read through fsspec."""
    scheme, sep, _ = path.partition("://")
    return bool(sep) and scheme.isidentifier() and scheme != "file"


def _filesystem(url: str) -> Tuple[Any, str]:
    try:
        import fsspec  # type: ignore[import-untyped]
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError(f"{url.partition('://')[0]}:// paths are read through fsspec: pip install fsspec") from e
    return fsspec.core.url_to_fs(url)  # type: ignore[no-any-return]


def _remote_files(url: str, recursive: bool) -> List[str]:
    fs, path = _filesystem(url)
    if _glob.has_magic(path):
        matches = sorted(fs.glob(path))
    else:
        matches = [path]
    found: List[str] = []
    for m in matches:
        if fs.isdir(m):
            found += sorted(f for f in (fs.find(m) if recursive else fs.ls(m, detail=False)) if fs.isfile(f))
        elif fs.exists(m):
            found.append(m)
        else:
            raise FileNotFoundError(f"no such file: {url}")
    if not found:
        raise FileNotFoundError(f"no file matches {url}")
    return [fs.unstrip_protocol(f) for f in found]


def files(paths: Sequence[str], recursive: bool = False) -> List[str]:
    """The files that paths, globs and directories name, sorted, each once.
    Paths with a scheme (``s3://bucket/2024/*.hl7``) are listed through
    fsspec; ``file:`` paths are local."""
    found: List[str] = []
    for p in paths:
        if is_url(p):
            found += _remote_files(p, recursive)
            continue
        p = p[len("file:"):] if p.startswith("file:") else p
        if p.startswith("//"):
            p = p[2:]
        matches = sorted(_glob.glob(p, recursive=True)) if _glob.has_magic(p) else [p]
        if not matches:
            raise FileNotFoundError(f"no file matches {p}")
        for m in matches:
            if os.path.isdir(m):
                pattern = os.path.join(m, "**", "*") if recursive else os.path.join(m, "*")
                found += sorted(f for f in _glob.glob(pattern, recursive=recursive) if os.path.isfile(f))
            elif os.path.exists(m):
                found.append(m)
            else:
                raise FileNotFoundError(f"no such file: {m}")
    return sorted(set(found))


def file_size(path: str) -> int:
    """A file's size in bytes, here or through fsspec."""
    if is_url(path):
        fs, p = _filesystem(path)
        return int(fs.size(p))
    return os.path.getsize(path)


#: The input one partition (a Spark task, a Dask partition) reads by default.
DEFAULT_PARTITION_BYTES = 128 << 20


def plan(paths: Sequence[str], partition_bytes: int = DEFAULT_PARTITION_BYTES) -> List[List[Tuple[str, int, int]]]:
    """Files into partitions of about `partition_bytes` each: lists of
    (file, start, end) byte ranges, small files grouped, large ones cut. A
    range reads the messages that start in it (``extract_batches(start=,
    end=)``), so a cut may fall anywhere."""
    parts: List[List[Tuple[str, int, int]]] = []
    current: List[Tuple[str, int, int]] = []
    size = 0
    for path in paths:
        length = file_size(path)
        start = 0
        while start < length:
            take = min(length - start, partition_bytes - size)
            current.append((path, start, start + take))
            size += take
            start += take
            if size >= partition_bytes:
                parts.append(current)
                current, size = [], 0
    if current:
        parts.append(current)
    return parts
