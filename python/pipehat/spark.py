"""HL7 v2 in Apache Spark.

Spark 4 (Python Data Source API)::

    import pipehat.spark
    pipehat.spark.register(spark)
    df = (spark.read.format("hl7")
          .option("fields", "MSH-9,MSH-10,PID-3.1,PID-5.1,PID-7")
          .load("/archive/2024/*.hl7"))

Options (all optional but one of ``fields`` and ``mapping``):

- ``fields``: paths, comma-separated; a string column each, named by the path.
- ``mapping``: a mapping spec (JSON text, or the path of a JSON file): a
  column per mapping field, a row per object (``"rows": "OBX"``: per OBX).
- ``filter``: a filter expression; only matching messages give rows.
- ``raw`` (false), ``strict`` (false), ``segmentTerminator``,
  ``maxMessageSize``, ``maxSegments``, ``maxFieldLength``: as in ``parse()``.
- ``partitionBytes`` (128 MiB): the input each task reads. Small files are
  grouped; larger ones (batches, MLLP captures, concatenated feeds) are cut at
  message boundaries, so every core works on one big file.
- ``batchBytes`` (16 MiB): the input in each Arrow batch a task yields.
- ``recursive`` (false): a directory's files at any depth.
- ``arrowBatches`` (true): ``read()`` yields Arrow record batches; false
  yields a tuple per row (slower: for comparison).

Every row also has ``_file`` (the file), ``_offset`` (the message's byte
offset in it) and ``_error``: a message that cannot be read becomes a row
with its error code and no values, instead of failing the job. ``read()``
yields ``pyarrow.RecordBatch``es on one thread per task (Spark runs the
tasks in parallel).

``spark.readStream.format("hl7")`` reads the files that appear in a
directory, each once, in order of modification time.

Any Spark from 3.3, and messages already in a column (Kafka, a Delta bronze
table, ``binaryFile``, ``text``): ``extract_column(df, column, fields)``
over ``mapInArrow``.
"""

from __future__ import annotations

import os
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple, cast

from pipehat import _native
from pipehat.arrow import DEFAULT_PARTITION_BYTES, _filesystem, extract_batches, files, is_url, names as _names, plan

try:
    from pyspark.sql.datasource import DataSource, DataSourceReader, DataSourceStreamReader, InputPartition

    _HAVE_DATA_SOURCES = True
except ImportError:  # pragma: no cover - Spark before 4, or none: extract_column() still works
    _HAVE_DATA_SOURCES = False
    DataSource = DataSourceReader = DataSourceStreamReader = InputPartition = object  # type: ignore[assignment,misc]


_OPTIONS = {
    "path", "paths", "fields", "mapping", "filter", "raw", "strict", "segmentterminator",
    "maxmessagesize", "maxsegments", "maxfieldlength", "partitionbytes", "batchbytes", "recursive",
    "arrowbatches",
}


def _bool(options: Dict[str, str], name: str, default: bool = False) -> bool:
    value = str(options.get(name, default)).strip().lower()
    if value not in ("true", "false"):
        raise ValueError(f"option {name} must be true or false")
    return value == "true"


def _int(options: Dict[str, str], name: str) -> Optional[int]:
    value = options.get(name)
    if value is None:
        return None
    try:
        n = int(str(value))
    except ValueError:
        raise ValueError(f"option {name} must be a whole number") from None
    if n < 1:
        raise ValueError(f"option {name} must be at least 1")
    return n


class _Spec:
    """The reader's options, read once and checked (unknown ones refused)."""

    def __init__(self, raw_options: Dict[str, str]) -> None:
        options = {str(k).lower(): v for k, v in raw_options.items()}
        unknown = sorted(set(options) - _OPTIONS)
        if unknown:
            raise ValueError(f"unknown option(s) for format hl7: {', '.join(unknown)}")
        fields = options.get("fields")
        mapping = options.get("mapping")
        if (fields is None) == (mapping is None):
            raise ValueError("format hl7 needs option fields (paths, comma-separated) or option mapping")
        self.fields = [f.strip() for f in fields.split(",") if f.strip()] if fields is not None else None
        if mapping is not None and not mapping.lstrip().startswith("{"):
            with open(mapping, encoding="utf-8") as f:
                mapping = f.read()
        self.mapping = mapping
        self.filter = options.get("filter")
        self.parse: Dict[str, Any] = {
            "raw": _bool(options, "raw"),
            "strict": _bool(options, "strict"),
            "segment_terminator": options.get("segmentterminator"),
            "max_message_size": _int(options, "maxmessagesize"),
            "max_segments": _int(options, "maxsegments"),
            "max_field_length": _int(options, "maxfieldlength"),
        }
        self.partition_bytes = _int(options, "partitionbytes") or DEFAULT_PARTITION_BYTES
        self.batch_bytes = _int(options, "batchbytes")
        self.recursive = _bool(options, "recursive")
        self.arrow = _bool(options, "arrowbatches", default=True)
        paths = options.get("paths") or options.get("path")
        self.paths: List[str] = []
        if paths:
            # DataFrameReader.load(list) passes a JSON list as "paths"
            if paths.startswith("["):
                import json

                self.paths = list(json.loads(paths))
            else:
                self.paths = [paths]
        if not self.paths:
            raise ValueError("format hl7 needs a path: load(path, glob, directory or list)")
        # checks fields, mapping and filter now, on the driver
        self.names = _names(self.fields, self.mapping)
        if self.filter is not None:
            _native.Filter(self.filter)

    def batches(self, path: str, start: Optional[int] = None, end: Optional[int] = None) -> Iterator[Any]:
        return extract_batches(
            path, self.fields, mapping=self.mapping, filter=self.filter, threads=1,
            batch_bytes=self.batch_bytes, meta=True, file=path, start=start, end=end, **self.parse,
        )


class HL7Partition(InputPartition):
    """Byte ranges of files: (path, start, end)."""

    def __init__(self, ranges: List[Tuple[str, int, int]]) -> None:
        self.value = ranges  # what InputPartition's own __init__ keeps
        self.ranges = ranges


def _spark_schema(spec: _Spec) -> Any:
    from pyspark.sql.types import LongType, StringType, StructField, StructType

    fields = [StructField(n, StringType(), True) for n in spec.names]
    fields += [
        StructField("_file", StringType(), True),
        StructField("_offset", LongType(), True),
        StructField("_error", StringType(), True),
    ]
    return StructType(fields)


class HL7Reader(DataSourceReader):
    def __init__(self, spec: _Spec) -> None:
        self.spec = spec

    def partitions(self) -> List[HL7Partition]:
        return [HL7Partition(p) for p in plan(files(self.spec.paths, self.spec.recursive), self.spec.partition_bytes)]

    def read(self, partition: InputPartition) -> Iterator[Any]:
        for path, start, end in cast(HL7Partition, partition).ranges:
            for batch in self.spec.batches(path, start, end):
                if self.spec.arrow:
                    yield batch
                else:
                    # rows as tuples: what a data source without Arrow batches yields
                    yield from zip(*(column.to_pylist() for column in batch.columns))


def _modified(path: str) -> int:
    """A file's modification time in nanoseconds, here or through fsspec."""
    if not is_url(path):
        return os.stat(path).st_mtime_ns
    fs, p = _filesystem(path)
    return int(fs.modified(p).timestamp() * 1e9)


class HL7StreamReader(DataSourceStreamReader):
    """New files in a directory, each read once: the offset is the newest
    (modification time, path) read so far."""

    def __init__(self, spec: _Spec) -> None:
        self.spec = spec

    def _listing(self) -> List[Tuple[int, str]]:
        return sorted((_modified(f), f) for f in files(self.spec.paths, self.spec.recursive))

    def initialOffset(self) -> Dict[str, Any]:
        return {"mtime": -1, "path": ""}

    def latestOffset(self) -> Dict[str, Any]:
        listing = self._listing()
        if not listing:
            return self.initialOffset()
        mtime, path = listing[-1]
        return {"mtime": mtime, "path": path}

    def partitions(self, start: Dict[str, Any], end: Dict[str, Any]) -> List[HL7Partition]:
        lo = (start["mtime"], start["path"])
        hi = (end["mtime"], end["path"])
        new = [f for key, f in ((k, f) for k, f in self._listing()) if lo < (key, f) <= hi]
        return [HL7Partition(p) for p in plan(new, self.spec.partition_bytes)]

    def read(self, partition: InputPartition) -> Iterator[Any]:
        return HL7Reader(self.spec).read(partition)


class HL7DataSource(DataSource):
    """``format("hl7")``: see the module's documentation."""

    @classmethod
    def name(cls) -> str:
        return "hl7"

    def _spec(self) -> _Spec:
        return _Spec(dict(self.options))

    def schema(self) -> Any:
        return _spark_schema(self._spec())

    def reader(self, schema: Any) -> HL7Reader:
        return HL7Reader(self._spec())

    def streamReader(self, schema: Any) -> HL7StreamReader:
        return HL7StreamReader(self._spec())


def register(spark: Any) -> None:
    """Makes ``spark.read.format("hl7")`` (and ``readStream``) available in
    this session (Spark 4 or later)."""
    if not _HAVE_DATA_SOURCES:
        raise ImportError("spark.read.format('hl7') needs pyspark 4 or later; extract_column() works from 3.3")
    spark.dataSource.register(HL7DataSource)


def extract_column(
    df: Any,
    column: str,
    fields: Any = None,
    *,
    mapping: Any = None,
    filter: Optional[str] = None,
    keep: Sequence[str] = (),
    raw: bool = False,
    strict: bool = False,
) -> Any:
    """The rows of the messages held in `column` of `df` (binary or string: one
    message, or a whole file, per row, as from Kafka, a Delta table,
    ``binaryFile`` or ``text``), through ``mapInArrow`` (Spark 3.3+).

    The columns are the fields' (or the mapping's), then ``_offset`` (the
    message's byte offset within its row's value) and ``_error``, after the
    input columns named in `keep` (copied to each row of their messages).
    `fields` may be a list of paths, a comma-separated string, or a mapping
    spec (a dict) in its place.
    """
    from pyspark.sql.types import LongType, StringType, StructField, StructType

    if isinstance(fields, (dict, _native.Mapping)):
        # extract_column(df, column, spec): a mapping in the fields' place
        fields, mapping = None, fields
    if isinstance(mapping, _native.Mapping):
        raise TypeError("pass the mapping's spec (a dict or JSON text): a Mapping does not travel to Spark's workers")
    if isinstance(fields, str):
        fields = [f.strip() for f in fields.split(",") if f.strip()]
    if isinstance(mapping, dict):
        import json

        mapping = json.dumps(mapping)
    names = _names(fields, mapping)
    if filter is not None:
        _native.Filter(filter)
    input_schema = df.schema
    kept = [input_schema[k] for k in keep]
    out_schema = StructType(
        [StructField(f.name, f.dataType, True) for f in kept]
        + [StructField(n, StringType(), True) for n in names]
        + [StructField("_offset", LongType(), True), StructField("_error", StringType(), True)]
    )
    fields_list = None if fields is None else list(fields)

    def run(batches: Iterator[Any]) -> Iterator[Any]:
        import bisect

        import pyarrow as pa  # type: ignore[import-untyped]

        for batch in batches:
            # Every value of the batch in one buffer, each closed by an MLLP
            # end byte (so that no message runs into the next row's), read in
            # one call; each message is then traced back to its row.
            starts: List[int] = []
            rows: List[int] = []
            parts: List[bytes] = []
            position = 0
            values = batch.column(column)
            if not pa.types.is_binary(values.type) and not pa.types.is_large_binary(values.type):
                # text read without decoding: a feed's bytes need not be UTF-8
                values = values.cast(pa.binary())
            for i, value in enumerate(values.to_pylist()):
                if value is None:
                    continue
                data = bytes(value)
                starts.append(position)
                rows.append(i)
                parts += (data, b"\x1c\r")
                position += len(data) + 2
            if not parts:
                continue
            for out in extract_batches(b"".join(parts), fields_list, mapping=mapping, filter=filter, raw=raw,
                                       strict=strict, threads=1, meta=True):
                if out.num_rows == 0:
                    continue
                offsets = out.column("_offset").to_pylist()
                owners = [bisect.bisect_right(starts, o) - 1 for o in offsets]
                relative = pa.array([o - starts[k] for o, k in zip(offsets, owners)], pa.int64())
                take = pa.array([rows[k] for k in owners], pa.int64())
                arrays = [batch.column(f.name).take(take) for f in kept]
                arrays += [out.column(n) for n in names] + [relative, out.column("_error")]
                yield pa.RecordBatch.from_arrays(arrays, names=out_schema.fieldNames())

    return df.mapInArrow(run, out_schema)


__all__ = ["DEFAULT_PARTITION_BYTES", "HL7DataSource", "extract_column", "files", "plan", "register"]
