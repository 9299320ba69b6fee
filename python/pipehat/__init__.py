"""pipehat: fast, correct HL7 v2 parsing backed by a Rust core.

Functions:
    parse(data, /, *, strict=False, segment_terminator=None, max_message_size=None,
          max_segments=None, max_field_length=None, lazy=False) -> Message
    iter_messages(source, /, *, strict=False, segment_terminator=None, max_message_size=None,
                  max_segments=None, max_field_length=None, lazy=False) -> Iterator[Message]
    split(source, /, *, max_chunk_size=None) -> Iterator[Chunk]: messages, batch and file
        headers and trailers (kind, offset, bytes, declared_count, counted_count)
    Splitter(max_chunk_size=None): push(piece) pieces of a stream as they arrive, iterate
        the chunks they complete, finish() at the end (asyncio, sockets, HTTP bodies)
    extract(source, paths, /, *, raw=False, threads=None, details=False, strict=False,
            segment_terminator=None, max_message_size=None, max_segments=None,
            max_field_length=None) -> dict[str, list[str | None]]
        (details=True: {"columns": ..., "offsets": [...], "errors": [(row, ParseError)]})
    build(message_type, /, *, control_id=None, timestamp=None, ...) -> EditableMessage
    ack(data, /, *, code=None, text=None, errors=None, ...) -> Message (works when data fails to parse)
    mllp_encode(data, /) -> bytes;  MllpDecoder(max_frame_size=None).push(chunk) -> list[bytes]
    to_arrow(columns) / to_polars(columns) / to_pandas(columns): tables from extract()
    extract_batches(source, fields=None, /, *, mapping=None, filter=None, meta=False, ...)
        -> Iterator[pyarrow.RecordBatch]; extract_arrow(...) -> pyarrow.Table: files of any
        size as Arrow, in bounded memory (pipehat.arrow)

Data engines (submodules, loaded on first use; extras pipehat[spark], [polars], [dask]):
    pipehat.spark.register(spark): spark.read.format("hl7").option("fields", "MSH-9,PID-3.1")
        .load(path_or_glob); pipehat.spark.extract_column(df, column, fields) (Spark 3.3+)
    pipehat.polars.scan_hl7(source, fields) -> polars.LazyFrame (projection, predicates, limits)
    pipehat.dask.read_hl7(glob, fields) -> dask DataFrame, a partition per file group
    to_fhir(data, /, *, bundle_type="message", namespace=None, timezone=None, overrides=None)
                              -> a FHIR R4 Bundle (dict); Message.to_fhir(...) the same
    to_fhir_file(source, target, /, *, ..., threads=0) -> summary: a file's Bundles as
                              NDJSON on every core

De-identification (HIPAA Safe Harbor by default; docs/deid.md):
    deidentify(data, /, *, key, policy=None) -> Message
    Deidentifier(key, policy=None, *, crosswalk=False): .deidentify(data) -> Message,
        .deidentify_file(source, target, /, *, threads=0) -> summary (same framing, every core),
        .report -> {"messages", "changes": [{"path", "action", "count"}]}, .crosswalk

Routing and mapping:
    Filter(expression).matches(message | bytes) / .count(data) / .select(data) / .scan(data)
    Router({destination: expression}).add(destination, expression).destinations(message) -> list[str]
    diff(a, b, /, *, ignore=(), details=False) -> list[str] (paths that differ)
    ChangeDetector(ignore).changes / is_unchanged / fingerprint (stateless A08 suppression)
    Mapping(spec: str | dict | PathLike).apply(message) -> dict | list[dict]

Dictionary and validation (HL7 v2.1 to 2.8.2):
    explain(path, /, *, version=None) -> Explanation (name, datatype, optionality, repeatable, table, ...)
    field_name(segment, field, /, *, version=None) -> str | None   (version None: DEFAULT_VERSION, 2.5.1)
    validate(message, /, *, version=None, profile=None) -> Report (valid, issues: code, severity, path, ...)
    Profile(spec: str | dict | PathLike): a conformance profile (JSON, or YAML from a .yaml/.yml path or
        Profile.from_yaml(text)); report.ack_errors() feeds message.ack()

Writing:
    message.edit() -> EditableMessage with set / set_raw / insert / remove /
    append_repetition / insert_segment / append_segment / remove_segment;
    bytes(editable) is the text, untouched parts byte for byte.
    message.ack(code=None, text=None, *, errors=None, diagnostics=None ("warnings"),
                control_id=None, timestamp=None) -> Message
    message.get_datetime(path) -> DateTimeValue (precision, iso, datetime, offset_minutes, is_null)
    message.get_number(path) / get_sequence_id(path); get_typed(path, "XPN") -> dict
    message.to_json(form="tree", *, version=None) / to_dict(...): form "lossless"
    rebuilds the exact bytes with from_json(data); "friendly" is keyed by segment
    and field; "named" by field and component names of `version` (MSH-12's by default).

Transport (submodules, loaded on first use):
    pipehat.mllp: serve(handler, host, port, *, ssl=None, ...) -> Server (async context manager,
        serve_forever(), close(), port); connect(host, port, *, ssl=None, timeout=...) -> AsyncClient
        whose send(message) returns the ACK; Client(host, port, ssl=None, timeout=...) blocking
    pipehat.http: asgi(handler, ...) -> ASGI app; lambda_handler(handler, ...) -> AWS Lambda handler
    pipehat.transport: the core's protocol answers without I/O (read_reply, accept, reject, ...)
    pipehat.view: start(file=None, *, host=None, port=0) -> Viewer (url, close()); export(directory):
        the npm package's viewer page on a loopback address (`pipehat view FILE`)
    TransportError (TransportTimeoutError, TransportConnectionError) with a stable code

Options and their defaults:
    strict=False              reject messages with warning- or error-level diagnostics
    segment_terminator=None   detect "\\r", "\\n" or "\\r\\n" from the message
    max_message_size=None     256 MiB
    max_segments=None         1,000,000
    max_field_length=None     64 MiB
    lazy=False                parse() indexes segments only (faster for a few paths,
                              slower for walking every field; same results)
    raw=False                 extract() returns decoded values (True: as written)
    threads=None              extract() uses every core
    details=False             extract() returns only the columns (True: also each
                              message's offset and every parse error, by row)
"""

from __future__ import annotations

import json
import os
import warnings
from typing import IO, Any, Dict, List, Optional, Union

from pipehat import _native
from pipehat._native import (
    DEFAULT_VERSION,
    ChangeDetector,
    Chunk,
    ChunkIterator,
    DateTimeValue,
    Deidentifier,
    Diagnostic,
    EditableMessage,
    Element,
    Explanation,
    Filter,
    FilterScan,
    Issue,
    Mapping,
    Message,
    MessageIterator,
    MllpDecoder,
    MllpIssue,
    Profile,
    Report,
    Router,
    Segment,
    Splitter,
    __version__,
    ack,
    build,
    diff,
    extract,
    from_json,
    iter_messages,
    mllp_encode,
    parse,
    split,
)
from pipehat.arrow import extract_arrow, extract_batches
from pipehat.errors import (
    DatatypeError,
    DeidError,
    DictionaryError,
    EditError,
    FhirError,
    FilterError,
    HL7Error,
    JsonError,
    MappingError,
    MllpError,
    ParseError,
    PathError,
    ProfileError,
    StreamError,
    TransportConnectionError,
    TransportError,
    TransportTimeoutError,
)

__all__ = [
    "DEFAULT_VERSION",
    "ChangeDetector",
    "Chunk",
    "ChunkIterator",
    "DatatypeError",
    "DateTimeValue",
    "DeidError",
    "Deidentifier",
    "DictionaryError",
    "Diagnostic",
    "FhirError",
    "EditError",
    "EditableMessage",
    "Element",
    "Explanation",
    "Filter",
    "FilterScan",
    "FilterError",
    "HL7Error",
    "Issue",
    "JsonError",
    "Mapping",
    "MappingError",
    "Message",
    "MessageIterator",
    "MllpDecoder",
    "MllpError",
    "MllpIssue",
    "ParseError",
    "PathError",
    "Profile",
    "ProfileError",
    "Report",
    "Router",
    "Segment",
    "Splitter",
    "StreamError",
    "TransportConnectionError",
    "TransportError",
    "TransportTimeoutError",
    "__version__",
    "ack",
    "build",
    "deidentify",
    "diff",
    "explain",
    "extract",
    "extract_arrow",
    "extract_batches",
    "field_name",
    "from_json",
    "iter_messages",
    "mllp_encode",
    "parse",
    "split",
    "to_arrow",
    "to_fhir",
    "to_fhir_file",
    "to_pandas",
    "to_polars",
    "validate",
]

Columns = Dict[str, List[Optional[str]]]


def _require(module: str, extra: str) -> Any:
    try:
        return __import__(module)
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError(f"{module} is not installed: pip install 'pipehat[{extra}]'") from e


def to_arrow(columns: Columns) -> Any:
    """A ``pyarrow.Table`` of string columns from ``extract()``'s result."""
    pa = _require("pyarrow", "arrow")
    return pa.table({name: pa.array(values, type=pa.string()) for name, values in columns.items()})


def to_polars(columns: Columns) -> Any:
    """A ``polars.DataFrame`` of string columns from ``extract()``'s result."""
    pl = _require("polars", "polars")
    return pl.DataFrame({name: pl.Series(name, values, dtype=pl.Utf8) for name, values in columns.items()})


def to_pandas(columns: Columns) -> Any:
    """A ``pandas.DataFrame`` (object columns, None for absent) from ``extract()``'s result."""
    pd = _require("pandas", "pandas")
    return pd.DataFrame(columns)


def _version_given_by_position(name: str, args: tuple[Optional[str], ...], version: Optional[str]) -> Optional[str]:
    """Reads a version passed the old way, by position, with a warning."""
    if not args:
        return version
    if len(args) > 1 or version is not None:
        raise TypeError(f"{name}() takes the version as version=...")
    warnings.warn(f"{name}(..., version) is deprecated: pass version=...", DeprecationWarning, stacklevel=3)
    return args[0]


def explain(path: str, /, *args: Optional[str], version: Optional[str] = None) -> Optional[Explanation]:
    """What a field, component or subcomponent is in `version` (default
    DEFAULT_VERSION), or None where the version does not define it."""
    return _native.explain(path, version=_version_given_by_position("explain", args, version))


def field_name(segment: str, field: int, /, *args: Optional[str], version: Optional[str] = None) -> Optional[str]:
    """The name of a segment's field in `version` (default DEFAULT_VERSION), or None."""
    return _native.field_name(segment, field, version=_version_given_by_position("field_name", args, version))


def validate(
    message: Union[Message, bytes, str],
    /,
    *args: Any,
    version: Optional[str] = None,
    profile: Union[Profile, Dict[str, Any], str, None] = None,
) -> Report:
    """Checks a message against its version (MSH-12, or `version`) and `profile`."""
    if len(args) > 2:
        raise TypeError("validate() takes version=... and profile=...")
    if args:
        warnings.warn("validate(message, version, profile) is deprecated: pass version=..., profile=...", DeprecationWarning, stacklevel=2)
        version = args[0] if version is None else version
        profile = args[1] if len(args) > 1 and profile is None else profile
    return _native.validate(message, version=version, profile=profile)


def to_fhir(
    data: Union[Message, bytes, str],
    /,
    *,
    bundle_type: str = "message",
    namespace: Optional[str] = None,
    timezone: Optional[str] = None,
    overrides: Union[Dict[str, Any], str, None] = None,
    report: bool = False,
) -> Dict[str, Any]:
    """A message (or its bytes or text) as a FHIR R4 Bundle dict; see Message.to_fhir."""
    message = data if isinstance(data, Message) else parse(data)
    return message.to_fhir(bundle_type=bundle_type, namespace=namespace, timezone=timezone,
                           overrides=overrides, report=report)


def deidentify(
    data: Union[Message, bytes, str],
    /,
    *,
    key: Union[bytes, str],
    policy: Union[Dict[str, Any], str, "os.PathLike[str]", None] = None,
) -> Message:
    """A message (or its bytes or text) without who the patient is, under `key`
    (at least 16 bytes) and `policy` (None: "safe-harbor"; a built-in name,
    JSON or YAML text, a dict, or a policy file's path). Many messages: make
    one Deidentifier and reuse it (its plans are kept)."""
    return Deidentifier(key, policy).deidentify(data)


def to_fhir_file(
    source: Union[str, "os.PathLike[str]", bytes],
    target: Union[str, "os.PathLike[str]", IO[bytes]],
    /,
    *,
    bundle_type: str = "message",
    namespace: Optional[str] = None,
    timezone: Optional[str] = None,
    overrides: Union[Dict[str, Any], str, None] = None,
    threads: int = 0,
    strict: bool = False,
) -> Dict[str, Any]:
    """Every message of a file (or bytes) as FHIR Bundles, one JSON line each, written to
    `target` (a path or a binary file), on every core and in bounded memory. Returns
    {"messages", "bundles", "errors": [{"message", "offset", "code"}]}."""
    text = overrides if overrides is None or isinstance(overrides, str) else json.dumps(overrides)
    return _native.to_fhir_file(source, target, bundle_type=bundle_type, namespace=namespace,
                                timezone=timezone, overrides=text, threads=threads, strict=strict)


_SUBMODULES = ("bridge", "dask", "http", "mllp", "polars", "spark", "transport", "view")


def __getattr__(name: str) -> Any:
    # pipehat.mllp, pipehat.http and pipehat.transport load on first use, so
    # that `import pipehat` does not import asyncio, ssl and socket.
    if name in _SUBMODULES:
        import importlib

        return importlib.import_module(f"pipehat.{name}")
    raise AttributeError(f"module 'pipehat' has no attribute {name!r}")

