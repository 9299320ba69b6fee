"""HL7 v2 in Polars: ``scan_hl7(source, fields)`` -> ``polars.LazyFrame``.

    import pipehat.polars
    lf = pipehat.polars.scan_hl7("/archive/*.hl7", ["MSH-9", "PID-3.1", "PID-7"])
    lf.filter(pl.col("MSH-9").str.starts_with("ADT")).select("PID-3.1").collect()

Through Polars' IO plugin interface: only the columns the query uses are
extracted (projection pushdown), the query's predicate is applied to each
batch as it is read, a row limit (``head``, ``limit``) stops reading, and
batches stream (``collect(engine="streaming")``) in bounded memory.
"""

from __future__ import annotations

from typing import Any, Iterator, List, Optional, Sequence, Union

from pipehat.arrow import extract_batches, files as _files, names as _names

#: The columns every row has after the fields.
META_COLUMNS = ("_file", "_offset", "_error")


def _polars() -> Any:
    try:
        import polars
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("polars is not installed: pip install 'pipehat[polars]'") from e
    return polars


def scan_hl7(
    source: Union[str, Sequence[str]],
    fields: Optional[Sequence[str]] = None,
    *,
    mapping: Any = None,
    filter: Optional[str] = None,
    raw: bool = False,
    strict: bool = False,
    threads: Optional[int] = None,
    batch_bytes: Optional[int] = None,
    recursive: bool = False,
) -> Any:
    """A LazyFrame over the messages of `source` (a path, a glob, a directory,
    or a list of them): a string column per path in `fields` (or per field of
    `mapping`), then ``_file``, ``_offset`` (int64) and ``_error``. A message
    that cannot be read is a row with its error code and no values. `filter`
    is a pipehat filter expression applied before any row is made; the other
    options are those of ``pipehat.extract_batches``."""
    pl = _polars()
    paths = [source] if isinstance(source, str) else list(source)
    fields_list = None if fields is None else list(fields)
    names = _names(fields_list, mapping)  # checks the paths or the spec now
    schema = {n: pl.String for n in names}
    schema.update({"_file": pl.String, "_offset": pl.Int64, "_error": pl.String})
    files = _files(paths, recursive)

    def read(with_columns: Optional[List[str]], predicate: Any, n_rows: Optional[int],
             batch_size: Optional[int]) -> Iterator[Any]:
        wanted = list(schema) if with_columns is None else list(with_columns)
        needed = set(wanted)
        if predicate is not None:
            needed |= set(predicate.meta.root_names())
        if mapping is None:
            # projection pushdown: only the paths the query reads are extracted
            selected: Optional[List[str]] = [n for n in names if n in needed]
        else:
            selected = None
        left = n_rows
        for path in files:
            for batch in extract_batches(path, selected, mapping=mapping, filter=filter, raw=raw,
                                         strict=strict, threads=threads, batch_bytes=batch_bytes,
                                         meta=True, file=path):
                df = pl.from_arrow(batch)
                assert isinstance(df, pl.DataFrame)
                if predicate is not None:
                    df = df.filter(predicate)
                df = df.select(wanted)
                if left is not None:
                    df = df.head(left)
                    left -= df.height
                yield df
                if left is not None and left <= 0:
                    return

    from polars.io.plugins import register_io_source

    return register_io_source(read, schema=schema, validate_schema=True)


__all__ = ["META_COLUMNS", "scan_hl7"]
