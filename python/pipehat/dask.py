"""HL7 v2 in Dask: ``read_hl7(glob, fields)`` -> a Dask DataFrame.

    import pipehat.dask
    ddf = pipehat.dask.read_hl7("/archive/**/*.hl7", ["MSH-9", "PID-3.1", "PID-7"])
    ddf[ddf["MSH-9"].str.startswith("ADT")]["PID-3.1"].nunique().compute()

One partition per group of files of about `partition_bytes` (large files
cut at message boundaries), built with ``dask.dataframe.from_map``: a
column selection is pushed into the read, so only the paths used are
extracted.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

from pipehat.arrow import DEFAULT_PARTITION_BYTES, extract_arrow, files, names as _names, plan, schema

Ranges = List[Tuple[str, int, int]]


def _pandas_types(pa: Any, pd: Any) -> Any:
    strings = pd.StringDtype("pyarrow")
    return lambda t: strings if t == pa.string() else None


def _read_partition(ranges: Ranges, names: List[str], options: Dict[str, Any], columns: Optional[List[str]] = None) -> Any:
    """One partition's ranges as a pandas DataFrame; `columns` (pushed down
    by Dask's optimizer) limits the paths read."""
    import pandas as pd  # type: ignore[import-untyped]
    import pyarrow as pa  # type: ignore[import-untyped]

    wanted = list(columns) if columns is not None else names + ["_file", "_offset", "_error"]
    fields = None if options.get("mapping") is not None else [n for n in names if n in wanted]
    tables = [
        extract_arrow(path, fields, start=start, end=end, meta=True, file=path, **options)
        for path, start, end in ranges
    ]
    if tables:
        table = pa.concat_tables(tables)
    else:
        table = schema(names if fields is None else fields, meta=True, file=True).empty_table()
    return table.to_pandas(types_mapper=_pandas_types(pa, pd))[wanted]


def read_hl7(
    source: Union[str, Sequence[str]],
    fields: Optional[Sequence[str]] = None,
    *,
    mapping: Any = None,
    filter: Optional[str] = None,
    raw: bool = False,
    strict: bool = False,
    threads: Optional[int] = 1,
    partition_bytes: int = DEFAULT_PARTITION_BYTES,
    recursive: bool = False,
) -> Any:
    """A Dask DataFrame over the messages of `source` (a path, a glob, a
    directory, or a list of them): a string column per path in `fields` (or
    per field of `mapping`), then ``_file``, ``_offset`` (int64) and
    ``_error``, as ``pipehat.polars.scan_hl7`` gives. `threads` is per
    partition (1: Dask runs partitions in parallel)."""
    try:
        import dask.dataframe as dd
        import pandas as pd
        import pyarrow as pa
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("dask is not installed: pip install 'pipehat[dask]'") from e
    paths = [source] if isinstance(source, str) else list(source)
    fields_list = None if fields is None else list(fields)
    names = _names(fields_list, mapping)
    if isinstance(mapping, dict):
        import json

        mapping = json.dumps(mapping)  # text travels to any worker
    elif mapping is not None and not isinstance(mapping, str):
        raise TypeError("mapping must be a spec: a dict or JSON text (a Mapping does not travel to Dask's workers)")
    options = {"mapping": mapping, "filter": filter, "raw": raw, "strict": strict, "threads": threads}
    partitions = plan(files(paths, recursive), partition_bytes) or [[]]
    meta = schema(names, meta=True, file=True).empty_table().to_pandas(types_mapper=_pandas_types(pa, pd))
    return dd.from_map(  # type: ignore[no-untyped-call]
        _read_partition, partitions, names=names, options=options, meta=meta,
        enforce_metadata=False, label="read-hl7",
    )


__all__ = ["read_hl7"]
