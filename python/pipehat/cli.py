"""The ``pipehat`` command: look into HL7 v2 files from a shell, send and receive them.

    pipehat show FILE            a readable tree of every message
    pipehat get FILE PATH...     tab-separated values, a row per message
    pipehat json FILE [--form F] one JSON document per message, a line each
                                 (F: tree, lossless, friendly or named)
    pipehat ack FILE [--code C]  the acknowledgement of every message, segments on lines
    pipehat stats FILE...        types, triggers, versions, counts, diagnostics
    pipehat split FILE OUTDIR    one file per message (batches, MLLP, multi-message files)
    pipehat filter EXPR FILE     the messages the filter expression matches (--count: how many)
    pipehat map SPEC FILE        a mapping spec applied to every message, one JSON line per object or row
    pipehat table FILE... --fields P,Q -o OUT  columns to Parquet, CSV or Arrow (--mapping, --filter)
    pipehat diff A B             the paths that differ between two messages (--ignore P,Q,...)
    pipehat validate FILE        issues per message against the standard (--version, --profile)
    pipehat explain PATH...      what a field is called and holds (--version, default 2.5.1)
    pipehat listen PORT          an MLLP server: each message to --out DIR (or stdout), ACKed once written
    pipehat send HOST:PORT FILE...  each message over MLLP, waiting for its ACK (exit 1 on a NAK or timeout)
    pipehat bridge --from SRC --to DST --spool FILE  MLLP in, HTTPS out (or HTTP in, MLLP out), spooled
    pipehat view [FILE]          the viewer page in the browser, from a loopback address (--export DIR)

TLS: --tls-cert/--tls-key (a server's certificate), --tls-ca (the CA to
trust; a server then asks clients for certificates: mutual TLS), --tls
(a client using the system's CAs). Servers listen on loopback unless
--allow-public is given.

FILE may be ``-`` for standard input. Text printed never includes error
details beyond codes and positions.

Errors go to stderr before any output, naming the file: ``pipehat: FILE:
what happened``. Exit status: 0 done; 1 a file could not be read or held no
HL7 message (``validate``: a message is invalid; ``diff``: the messages
differ); 2 a path, expression, spec, profile or message was refused.
"""

from __future__ import annotations

import argparse
import collections
import itertools
import json
import os
import pathlib
import signal
import sys
import threading
from typing import IO, Any, Iterator, List, Optional, Sequence, TextIO, cast

import pipehat
import pipehat.arrow


def _name(path: str) -> str:
    """How messages name an input file."""
    return "standard input" if path == "-" else path


class _InputError(Exception):
    """An input file failed: its name, and what happened (no message content)."""

    def __init__(self, path: str, what: str, status: int) -> None:
        super().__init__(f"{_name(path)}: {what}")
        self.status = status


def _os_error(path: str, e: OSError) -> _InputError:
    return _InputError(path, (e.strerror or type(e).__name__).lower(), 1)


def _check_inputs(args: argparse.Namespace) -> None:
    """Opens every input file once before any output, so that a missing file,
    a directory or a file that cannot be read is reported first."""
    for name in ("file", "files", "a", "b", "spec", "profile", "overrides", "key_file"):
        value = getattr(args, name, None)
        for path in value if isinstance(value, list) else [value]:
            if path is None or path == "-":
                continue
            try:
                with open(path, "rb"):
                    pass
            except OSError as e:
                raise _os_error(path, e) from None


class _Messages:
    """The messages of input files; notes the files that held none."""

    def __init__(self) -> None:
        self.empty: List[str] = []

    def __call__(self, path: str, required: bool = True) -> Iterator[pipehat.Message]:
        """The messages of `path`. The first is read at once: with `required`,
        a file without any raises before the caller writes anything."""
        it = self._read(path)
        first = next(it, None)
        if first is None:
            if required:
                raise _InputError(path, "no HL7 message in it", 1)
            self.empty.append(path)
            print(f"pipehat: {_name(path)}: no HL7 message in it", file=sys.stderr)
            return iter(())
        return itertools.chain([first], it)

    @staticmethod
    def _read(path: str) -> Iterator[pipehat.Message]:
        source: object = sys.stdin.buffer if path == "-" else path
        try:
            it = pipehat.iter_messages(source)  # type: ignore[arg-type]
            while True:
                try:
                    message = next(it)
                except StopIteration:
                    return
                except pipehat.ParseError as e:
                    print(f"pipehat: {_name(path)}: skipped a message: {e}", file=sys.stderr)
                    continue
                yield message
        except OSError as e:
            raise _os_error(path, e) from None


_messages = _Messages()


class _Progress:
    """A message counter on stderr, only when stderr is a terminal."""

    def __init__(self, stream: IO[str] = sys.stderr) -> None:
        self.stream = stream
        self.enabled = stream.isatty()
        self.count = 0

    def tick(self) -> None:
        self.count += 1
        if self.enabled and self.count % 1000 == 0:
            self.stream.write(f"\r{self.count:,} messages")
            self.stream.flush()

    def done(self) -> None:
        if self.enabled and self.count >= 1000:
            self.stream.write(f"\r{self.count:,} messages\n")


def _show(args: argparse.Namespace, out: IO[str]) -> int:
    for n, msg in enumerate(_messages(args.file), 1):
        version = msg.version or pipehat.DEFAULT_VERSION
        out.write(f"message {n}: {msg.message_type}^{msg.trigger_event} v{msg.version} id={msg.control_id}\n")
        for seg in msg.segments:
            out.write(f"  {seg.name}\n")
            for number, field in enumerate(seg.fields, 1):
                if field.is_empty:
                    continue
                label = f"{seg.name}-{number}"
                reps = field.repetitions  # the core reads MSH-1 and MSH-2 as one value each
                for r, rep in enumerate(reps, 1):
                    comps = rep.components if rep.kind == "repetition" else [rep]
                    rlabel = label + (f"({r})" if len(reps) > 1 else "")
                    name = pipehat.field_name(seg.name, number, version=version) if r == 1 else None
                    if name:
                        out.write(f"    {'':<14} # {name}\n")
                    if len(comps) == 1:
                        out.write(f"    {rlabel:<14} {rep.value}\n")
                        continue
                    for c, comp in enumerate(comps, 1):
                        if not comp.is_empty:
                            out.write(f"    {rlabel + '.' + str(c):<14} {comp.value}\n")
        for d in msg.diagnostics:
            out.write(f"  ! {d.severity} {d.code}: {d.message}\n")
    return 0


def _get(args: argparse.Namespace, out: IO[str]) -> int:
    messages = _messages(args.file)
    out.write("\t".join(args.paths) + "\n")
    for msg in messages:
        row = [msg.get(p) or "" for p in args.paths]
        out.write("\t".join(v.replace("\t", " ").replace("\n", " ") for v in row) + "\n")
    return 0


_TABLE_FORMATS = {".parquet": "parquet", ".csv": "csv", ".arrow": "arrow", ".feather": "arrow"}


def _table(args: argparse.Namespace, out: IO[str]) -> int:
    """Columns of every message of the files, batch by batch, to Parquet, CSV or
    Arrow IPC (by the output's extension), with _file, _offset and _error."""
    fmt = _TABLE_FORMATS.get(pathlib.Path(args.output).suffix.lower())
    if fmt is None:
        raise _InputError(args.output, "the output must end in .parquet, .csv, .arrow or .feather", 2)
    if (args.fields is None) == (args.mapping is None):
        raise _InputError(args.files[0], "give --fields or --mapping", 2)
    import importlib.util

    if importlib.util.find_spec("pyarrow") is None:
        raise _InputError(args.output, "needs pyarrow: pip install 'pipehat[arrow]'", 2)
    fields = None if args.fields is None else [f.strip() for f in args.fields.split(",") if f.strip()]
    mapping = None if args.mapping is None else pathlib.Path(args.mapping).read_text(encoding="utf-8")
    names = pipehat.arrow.names(fields, mapping)
    schema = pipehat.arrow.schema(names, meta=True, file=True)
    writer = _table_writer(fmt, args.output, schema)
    rows = errors = 0
    try:
        for path in args.files:
            try:
                for batch in pipehat.extract_batches(path, fields, mapping=mapping, filter=args.filter, raw=args.raw,
                                                     meta=True, file=path):
                    writer.write(batch)
                    rows += batch.num_rows
                    errors += batch.num_rows - batch.column("_error").null_count
            except OSError as e:
                raise _os_error(path, e) from None
    finally:
        writer.close()
    out.write(f"wrote {rows} rows ({errors} unreadable messages) to {args.output}\n")
    return 0


def _table_writer(fmt: str, output: str, schema: Any) -> Any:
    if fmt == "parquet":
        import pyarrow.parquet as pq  # type: ignore[import-untyped]

        return pq.ParquetWriter(output, schema)
    if fmt == "csv":
        import pyarrow.csv as pcsv  # type: ignore[import-untyped]

        return pcsv.CSVWriter(output, schema)
    import pyarrow.ipc as ipc  # type: ignore[import-untyped]

    return ipc.new_file(output, schema)


def _json(args: argparse.Namespace, out: IO[str]) -> int:
    for msg in _messages(args.file):
        out.write(msg.to_json(form=args.form) + "\n")
    return 0


def _fhir(args: argparse.Namespace, out: IO[str]) -> int:
    """One FHIR Bundle per message, a line each (NDJSON); what was not mapped
    goes to stderr as one JSON line per message (names and paths only)."""
    failed = 0
    overrides = pathlib.Path(args.overrides).read_text(encoding="utf-8") if args.overrides else None
    if not args.pretty and not args.report and out is sys.stdout:
        # the fast path: every core, bounded memory, Bundles straight to stdout
        for path in args.files:
            source: Any = sys.stdin.buffer.read() if path == "-" else path
            out.flush()
            try:
                summary = pipehat.to_fhir_file(source, cast(TextIO, sys.stdout).buffer, bundle_type=args.bundle_type,
                                               namespace=args.namespace, timezone=args.timezone,
                                               overrides=overrides)
            except pipehat.FhirError as e:
                raise _InputError(args.overrides if e.code == "fhir_invalid_overrides" else path, str(e), 2) from None
            for err in summary["errors"]:
                sys.stderr.write(f"pipehat: {_name(path)}: message {err['message'] + 1} (byte {err['offset']}): {err['code']}\n")
            failed += len(summary["errors"])
        return 1 if failed else 0
    for path in args.files:
        for n, msg in enumerate(_messages(path, required=False), 1):
            try:
                r = msg.to_fhir(bundle_type=args.bundle_type, namespace=args.namespace,
                                timezone=args.timezone, overrides=overrides, report=True)
            except pipehat.FhirError as e:
                if e.code == "fhir_invalid_option":
                    raise _InputError(path, str(e), 2) from None
                if e.code == "fhir_invalid_overrides":
                    raise _InputError(args.overrides, str(e), 2) from None
                sys.stderr.write(f"pipehat: {_name(path)}: message {n}: {e}\n")
                failed += 1
                continue
            out.write(json.dumps(r["bundle"], indent=2 if args.pretty else None, ensure_ascii=False) + "\n")
            if args.report:
                sys.stderr.write(json.dumps({"file": path, "message": n, **r["report"]}) + "\n")
    return 1 if failed else 0


def _read_key(path: str) -> bytes:
    """A key file's bytes, one trailing line break left out (`echo secret > key`)."""
    try:
        key = pathlib.Path(path).read_bytes()
    except OSError as e:
        raise _os_error(path, e) from None
    for end in (b"\r\n", b"\n"):
        if key.endswith(end):
            return key[: -len(end)]
    return key


def _deid(args: argparse.Namespace, out: IO[str]) -> int:
    """Every message of every file de-identified, the files' framing kept,
    on every core; what changed (counts per path, never content) on stderr
    with --report; the crosswalk (token -> original) only to --crosswalk."""
    if args.output and len(args.files) > 1:
        raise _InputError(args.output, "--output takes one input file", 2)
    key = _read_key(args.key_file)
    try:
        policy: Any = None if args.policy is None else pathlib.Path(args.policy)
        if args.policy is not None and not policy.exists():
            policy = args.policy  # a built-in policy's name
        deid = pipehat.Deidentifier(key, policy, crosswalk=args.crosswalk is not None)
    except pipehat.DeidError as e:
        raise _InputError(args.key_file if e.code == "deid_key_too_short" else args.policy, str(e), 2) from None
    except OSError as e:
        raise _os_error(args.policy, e) from None
    target: Any = args.output if args.output else cast(TextIO, sys.stdout).buffer
    failed = 0
    for path in args.files:
        source: Any = sys.stdin.buffer.read() if path == "-" else path
        out.flush()
        try:
            summary = deid.deidentify_file(source, target, threads=args.threads)
        except OSError as e:
            raise _os_error(args.output or path, e) from None
        for err in summary["errors"]:
            sys.stderr.write(f"pipehat: {_name(path)}: message {err['message'] + 1} (byte {err['offset']}) "
                             f"left out: {err['code']}\n")
        if summary["dropped_bytes"]:
            sys.stderr.write(f"pipehat: {_name(path)}: {summary['dropped_bytes']} bytes of stray text left out\n")
        failed += len(summary["errors"])
    if args.report:
        sys.stderr.write(json.dumps(deid.report) + "\n")
    if args.crosswalk is not None:
        with open(args.crosswalk, "w", encoding="utf-8") as f:
            for token, original in sorted((deid.crosswalk or {}).items()):
                f.write(json.dumps({"token": token, "original": original}, ensure_ascii=False) + "\n")
    return 1 if failed else 0


def _ack(args: argparse.Namespace, out: IO[str]) -> int:
    for msg in _messages(args.file):
        ack = msg.ack(code=args.code, text=args.text)
        out.write(str(ack).replace("\r", "\n") + "\n")
    return 0


def _stats(args: argparse.Namespace, out: IO[str]) -> int:
    kinds: collections.Counter[str] = collections.Counter()
    versions: collections.Counter[str] = collections.Counter()
    diagnostics: collections.Counter[str] = collections.Counter()
    segments: collections.Counter[str] = collections.Counter()
    progress = _Progress()
    total = 0
    for path in args.files:
        for msg in _messages(path, required=False):
            total += 1
            progress.tick()
            kinds[f"{msg.message_type or '?'}^{msg.trigger_event or '?'}"] += 1
            versions[msg.version or "?"] += 1
            for seg in msg.segments:
                segments[seg.name] += 1
            for d in msg.diagnostics:
                diagnostics[f"{d.severity} {d.code}"] += 1
    progress.done()
    out.write(f"messages: {total}\n")
    for title, counter in (("types", kinds), ("versions", versions), ("segments", segments), ("diagnostics", diagnostics)):
        out.write(f"{title}:\n")
        for key, count in counter.most_common():
            out.write(f"  {count:>8}  {key}\n")
        if not counter:
            out.write("  none\n")
    return 0


def _split(args: argparse.Namespace, out: IO[str]) -> int:
    messages = _messages(args.file)
    os.makedirs(args.outdir, exist_ok=True)
    count = 0
    for count, msg in enumerate(messages, 1):
        name = os.path.join(args.outdir, f"{count:06d}.hl7")
        with open(name, "wb") as f:
            f.write(bytes(msg))
    out.write(f"wrote {count} messages to {args.outdir}\n")
    return 0


def _read(path: str) -> bytes:
    try:
        if path == "-":
            return sys.stdin.buffer.read()
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        raise _os_error(path, e) from None


def _parse_file(path: str) -> pipehat.Message:
    try:
        return pipehat.parse(_read(path))
    except pipehat.ParseError as e:
        raise _InputError(path, str(e), 2) from None


def _ignore(message: bytes) -> None:
    """An on_match that keeps nothing: counting only."""


def _filter(args: argparse.Namespace, out: IO[str]) -> int:
    f = pipehat.Filter(args.expression)
    source: Any = sys.stdin.buffer if args.file == "-" else pathlib.Path(args.file)
    # The messages byte for byte, a line feed after each: a file pipehat reads back.
    binary = getattr(out, "buffer", None)

    def write(message: bytes) -> None:
        if not message.endswith(b"\n"):
            message += b"\n"
        if binary is not None:
            binary.write(message)
        else:
            out.write(message.decode("utf-8", errors="replace"))

    try:
        # read in batches: memory stays bounded whatever the file's size
        scan = f.scan(source, on_match=_ignore if args.count else write)
    except OSError as e:
        raise _os_error(args.file, e) from None
    for offset, code in scan.unreadable:
        print(f"pipehat: skipped an unreadable message at byte {offset} ({code})", file=sys.stderr)
    if scan.total == 0:
        raise _InputError(args.file, "no HL7 message in it", 1)
    if args.count:
        out.write(f"{scan.count}\n")
    return 0


def _map(args: argparse.Namespace, out: IO[str]) -> int:
    try:
        mapping = pipehat.Mapping(pathlib.Path(args.spec))
    except pipehat.MappingError as e:
        raise _InputError(args.spec, str(e), 2) from None
    for msg in _messages(args.file):
        result = mapping.apply(msg)
        for row in result if isinstance(result, list) else [result]:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    return 0


def _diff(args: argparse.Namespace, out: IO[str]) -> int:
    ignore = [p for p in (args.ignore or "").split(",") if p.strip()]
    a = _parse_file(args.a)
    b = _parse_file(args.b)
    paths = pipehat.diff(a, b, ignore=ignore)
    for path in paths:
        out.write(path + "\n")
    return 1 if paths else 0


def _validate(args: argparse.Namespace, out: IO[str]) -> int:
    try:
        profile = pipehat.Profile(pathlib.Path(args.profile)) if args.profile else None
    except pipehat.ProfileError as e:
        raise _InputError(args.profile, str(e), 2) from None
    invalid = 0
    for n, msg in enumerate(_messages(args.file), 1):
        report = pipehat.validate(msg, version=args.version, profile=profile)
        state = "valid" if report.valid else "invalid"
        out.write(f"message {n}: {state} (version {report.version or '?'}, structure {report.structure or '?'})\n")
        for issue in report.issues:
            out.write(f"  {issue.severity:<7} {issue.code:<24} {issue.path}\n")
        invalid += not report.valid
    return 1 if invalid else 0


def _explain(args: argparse.Namespace, out: IO[str]) -> int:
    version = args.version or pipehat.DEFAULT_VERSION
    for path in args.paths:
        e = pipehat.explain(path, version=version)
        if e is None:
            out.write(f"{path}: not defined in {version}\n")
            continue
        extra = [f"table {e.table:04d}" if e.table else "", f"max length {e.length}" if e.length else ""]
        reps = "repeats" if e.repeatable else "once"
        details = ", ".join(x for x in [e.datatype, "required" if e.optionality == "R" else "optional", reps, *extra] if x)
        out.write(f"{path}: {e.name} ({details})\n")
        for i, (name, datatype) in enumerate(e.components, 1):
            out.write(f"  .{i:<3} {name} ({datatype})\n")
    return 0


def _address(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit():
        raise _InputError(text, "expected HOST:PORT", 2)
    return host.strip("[]"), int(port)


def _server_tls(args: argparse.Namespace) -> Any:
    if not args.tls_cert:
        return None
    from pipehat import mllp

    return mllp.server_context(args.tls_cert, args.tls_key or args.tls_cert, ca=args.tls_ca, require_client_cert=bool(args.tls_ca))


def _client_tls(args: argparse.Namespace) -> Any:
    if not (args.tls or args.tls_ca or args.tls_cert):
        return None
    from pipehat import mllp

    return mllp.client_context(ca=args.tls_ca, cert=args.tls_cert, key=args.tls_key)


def _stop_on_signals(stop: Any) -> None:
    import asyncio
    import signal

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop)
        except (NotImplementedError, RuntimeError):  # pragma: no cover - not the main thread, or Windows
            pass


def _listen(args: argparse.Namespace, out: IO[str]) -> int:
    import asyncio

    from pipehat import mllp

    out_dir = pathlib.Path(args.out) if args.out else None
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
    count = 0
    done: Optional[asyncio.Event] = None

    async def run() -> None:
        nonlocal done
        done = asyncio.Event()

        def handle(message: pipehat.Message) -> None:
            nonlocal count
            count += 1
            data = bytes(message)
            if out_dir is not None:
                safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in (message.control_id or "message"))
                (out_dir / f"{count:06d}-{safe}.hl7").write_bytes(data)
            else:
                out.write(data.decode("utf-8", "replace").replace("\r", "\n") + "\n")
                out.flush()
            if args.count and count >= args.count:
                assert done is not None
                done.set()

        def event(e: dict[str, Any]) -> None:
            if e["event"] == "issue":
                print(f"pipehat: {e.get('peer', '')}: {e['code']}", file=sys.stderr)

        server = await mllp.serve(
            handle,
            args.host,
            args.port,
            ssl=_server_tls(args),
            allow_public=args.allow_public,
            replay=args.replay,
            on_event=event,
        )
        print(f"pipehat: listening on {args.host}:{server.port}", file=sys.stderr, flush=True)
        _stop_on_signals(done.set)
        async with server:
            await done.wait()

    asyncio.run(run())
    print(f"pipehat: {count} message{'s' if count != 1 else ''} received", file=sys.stderr)
    return 0


def _send(args: argparse.Namespace, out: IO[str]) -> int:
    from pipehat import mllp

    host, port = _address(args.address)
    codes: collections.Counter[str] = collections.Counter()
    failed = 0
    with mllp.Client(host, port, ssl=_client_tls(args), timeout=args.timeout, reconnect_attempts=args.retries) as client:
        for path in args.files:
            for message in _messages(path):
                try:
                    ack = client.send(message)
                    if ack is not None:
                        code = ack.get("MSA-1") or "?"
                    else:
                        code = "sent" if not pipehat.transport.expects_ack(message) else "commit"
                except pipehat.TransportError as e:
                    code = e.code
                    failed += 1
                codes[code] += 1
                out.write(f"{_name(path)}\t{message.control_id or ''}\t{code}\n")
    total = sum(codes.values())
    summary = ", ".join(f"{n} {c}" for c, n in sorted(codes.items()))
    print(f"pipehat: sent {total}: {summary}", file=sys.stderr)
    accepted = codes["AA"] + codes["CA"] + codes["commit"] + codes["sent"]
    return 0 if accepted == total and failed == 0 else 1


def _bridge(args: argparse.Namespace, out: IO[str]) -> int:
    import asyncio
    import os as _os

    from pipehat.bridge import Bridge

    credentials = None
    if args.to_user:
        credentials = (args.to_user, _os.environ.get("PIPEHAT_TO_PASSWORD", ""))

    def event(e: dict[str, Any]) -> None:
        if e["event"] in ("listening", "rejected", "retry"):
            detail = " ".join(f"{k}={v}" for k, v in e.items() if k != "event")
            print(f"pipehat: bridge {e['event']} {detail}", file=sys.stderr, flush=True)

    async def run() -> int:
        bridge = Bridge(
            args.source,
            args.destination,
            args.spool,
            listen_ssl=_server_tls(args),
            send_ssl=_client_tls(argparse.Namespace(tls=args.to_tls, tls_ca=args.to_ca, tls_cert=args.to_cert, tls_key=args.to_key)),
            credentials=credentials,
            allow_public=args.allow_public,
            timeout=args.timeout,
            stop_after=args.count,
            on_event=event,
        )
        _stop_on_signals(bridge.stop)
        await bridge.run()
        return bridge.forwarded

    forwarded = asyncio.run(run())
    print(f"pipehat: bridge forwarded {forwarded}", file=sys.stderr)
    return 0


def _view(args: argparse.Namespace, out: IO[str]) -> int:
    from . import view

    try:
        if args.export:
            written = view.export(args.export)
            print(f"pipehat view: {len(written)} files written to {args.export}; serve that folder and open index.html", file=out)
            return 0
        viewer = view.start(args.file, host=args.host, port=args.port)
    except view.ViewerMissing as e:
        print(f"pipehat: {e}", file=sys.stderr)
        return 2
    print(f"pipehat viewer: {viewer.url}", file=out, flush=True)
    print("Ctrl-C stops it.", file=out, flush=True)
    if not args.no_open:
        import webbrowser

        if not webbrowser.open(viewer.url):
            print("pipehat view: no browser could be started; open the address above", file=sys.stderr)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        stop.wait()
    finally:
        viewer.close()
    return 0


def _tls_options(p: argparse.ArgumentParser, server: bool) -> None:
    if server:
        p.add_argument("--tls-cert", help="PEM certificate (chain): listen with TLS")
        p.add_argument("--tls-key", help="PEM private key of --tls-cert")
        p.add_argument("--tls-ca", help="PEM CA file: require client certificates it signed (mutual TLS)")
    else:
        p.add_argument("--tls", action="store_true", help="TLS, trusting the system's CAs")
        p.add_argument("--tls-ca", help="PEM CA file to trust (implies TLS)")
        p.add_argument("--tls-cert", help="PEM client certificate for mutual TLS")
        p.add_argument("--tls-key", help="PEM private key of --tls-cert")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pipehat", description="Look into HL7 v2 files.")
    parser.add_argument("--version", action="version", version=f"pipehat {pipehat.__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("show", help="a readable tree of every message")
    p.add_argument("file")
    p.set_defaults(run=_show)
    p = sub.add_parser("get", help="tab-separated values, a row per message")
    p.add_argument("file")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.set_defaults(run=_get)
    p = sub.add_parser("table", help="columns of every message to Parquet, CSV or Arrow, in bounded memory")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--fields", help="paths, comma-separated: a column each")
    p.add_argument("--mapping", metavar="SPEC", help="a mapping spec (JSON file): a column per field, a row per object")
    p.add_argument("--filter", metavar="EXPRESSION", help="only the messages this filter matches")
    p.add_argument("--raw", action="store_true", help="values as written (escape sequences kept)")
    p.add_argument("--output", "-o", required=True, help="a .parquet, .csv, .arrow or .feather file")
    p.set_defaults(run=_table)
    p = sub.add_parser("json", help="one JSON document per message, a line each")
    p.add_argument("file")
    p.add_argument("--form", default=None, help="tree (the default), lossless, friendly or named")
    p.set_defaults(run=_json)
    p = sub.add_parser("fhir", help="one FHIR R4 Bundle per message, a line each (NDJSON)")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--bundle-type", default="message", choices=["message", "transaction", "batch", "collection"],
                   help="the Bundle's type (default: message)")
    p.add_argument("--pretty", action="store_true", help="indented JSON (no longer one line per Bundle)")
    p.add_argument("--namespace", default=None, help="the UUID that resource ids are made in")
    p.add_argument("--timezone", default=None, help="the offset assumed for times without one (+01:00, Z)")
    p.add_argument("--overrides", default=None, metavar="FILE",
                   help="local additions to the maps (JSON): fields as extensions or identifiers, codes, drops")
    p.add_argument("--report", action="store_true", help="what was not mapped, a JSON line per message on stderr")
    p.set_defaults(run=_fhir)
    p = sub.add_parser("deid", help="de-identify every message (HIPAA Safe Harbor by default), framing kept")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--key-file", required=True, metavar="KEY",
                   help="the secret key (16 bytes or more; one trailing line break is left out)")
    p.add_argument("--policy", default=None, metavar="POLICY",
                   help="a policy file (JSON or YAML) or a built-in name (default: safe-harbor)")
    p.add_argument("--output", "-o", default=None, help="write here rather than to stdout (one input file)")
    p.add_argument("--report", action="store_true", help="what changed (counts per path and action) on stderr")
    p.add_argument("--crosswalk", default=None, metavar="FILE",
                   help="write each token's original value here (JSON lines): it re-identifies, keep it apart")
    p.add_argument("--threads", type=int, default=0, help="threads (default 0: every core)")
    p.set_defaults(run=_deid)
    p = sub.add_parser("ack", help="the acknowledgement of every message")
    p.add_argument("file")
    p.add_argument("--code", default=None, help="MSA-1: AA, AE, AR, CA, CE or CR (default: from the diagnostics)")
    p.add_argument("--text", default=None)
    p.set_defaults(run=_ack)
    p = sub.add_parser("stats", help="types, versions, segments and diagnostics")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.set_defaults(run=_stats)
    p = sub.add_parser("split", help="one file per message")
    p.add_argument("file")
    p.add_argument("outdir")
    p.set_defaults(run=_split)
    p = sub.add_parser("filter", help="the messages a filter expression matches")
    p.add_argument("expression", metavar="EXPR")
    p.add_argument("file")
    p.add_argument("--count", action="store_true", help="print how many messages match")
    p.set_defaults(run=_filter)
    p = sub.add_parser("map", help="apply a mapping spec: one JSON line per object or row")
    p.add_argument("spec", metavar="SPEC")
    p.add_argument("file")
    p.set_defaults(run=_map)
    p = sub.add_parser("diff", help="the paths that differ between two messages (exit 1 when any)")
    p.add_argument("a", metavar="A")
    p.add_argument("b", metavar="B")
    p.add_argument("--ignore", default="", help="comma-separated segments and paths to leave out")
    p.set_defaults(run=_diff)
    p = sub.add_parser("validate", help="issues per message against the standard (exit 1 when any is invalid)")
    p.add_argument("file")
    p.add_argument("--version", default=None, help="check against this version instead of MSH-12")
    p.add_argument("--profile", default=None, help="a conformance profile (JSON)")
    p.set_defaults(run=_validate)
    p = sub.add_parser("explain", help="what a field or component is called and holds")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--version", default=None, help=f"default {pipehat.DEFAULT_VERSION}")
    p.set_defaults(run=_explain)
    p = sub.add_parser("view", help="the viewer page in the browser, served from a loopback address")
    p.add_argument("file", nargs="?", help="a message, batch file or MLLP capture to open")
    p.add_argument("--port", type=int, default=0, help="the port (default: any free one)")
    p.add_argument("--host", default=None, help="a loopback address (default 127.0.0.1; ::1 works too)")
    p.add_argument("--no-open", action="store_true", help="print the address without opening a browser")
    p.add_argument("--export", metavar="DIR", help="write the page as a static site to DIR and exit")
    p.set_defaults(run=_view)
    p = sub.add_parser("listen", help="an MLLP server writing each message, ACKed once written")
    p.add_argument("port", type=int, help="0 picks a free port (printed on stderr)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--out", metavar="DIR", help="one file per message (default: stdout, segments on lines)")
    p.add_argument("--count", type=int, default=0, help="stop after this many messages")
    p.add_argument("--replay", type=int, default=0, help="answer resent messages (by MSH-3/4/10) with their first ACK")
    p.add_argument("--allow-public", action="store_true", help="listen beyond loopback")
    _tls_options(p, server=True)
    p.set_defaults(run=_listen)
    p = sub.add_parser("send", help="each message over MLLP, waiting for its ACK (exit 1 on a NAK or timeout)")
    p.add_argument("address", metavar="HOST:PORT")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--timeout", type=float, default=None, help="seconds to connect and for each ACK (default 10 / 30)")
    p.add_argument("--retries", type=int, default=None, help="reconnects before giving up (default 5)")
    _tls_options(p, server=False)
    p.set_defaults(run=_send)
    p = sub.add_parser("bridge", help="MLLP in, HTTP(S) out, or HTTP(S) in, MLLP out, through a durable spool")
    p.add_argument("--from", dest="source", required=True, metavar="SRC", help="mllp://HOST:PORT, mllps://, http:// or https://")
    p.add_argument("--to", dest="destination", required=True, metavar="DST", help="https://URL, http://URL, mllp://HOST:PORT or mllps://")
    p.add_argument("--spool", required=True, metavar="FILE", help="SQLite file holding messages until the destination accepts them")
    p.add_argument("--timeout", type=float, default=30.0, help="seconds for each delivery attempt")
    p.add_argument("--count", type=int, default=None, help="stop after forwarding this many")
    p.add_argument("--allow-public", action="store_true", help="listen beyond loopback")
    p.add_argument("--to-tls", action="store_true", help="TLS to the destination, trusting the system's CAs")
    p.add_argument("--to-ca", help="PEM CA file the destination's certificate must chain to")
    p.add_argument("--to-cert", help="PEM client certificate for the destination (mutual TLS)")
    p.add_argument("--to-key", help="PEM private key of --to-cert")
    p.add_argument("--to-user", help="HTTP Basic user for the destination (password from PIPEHAT_TO_PASSWORD)")
    _tls_options(p, server=True)
    p.set_defaults(run=_bridge)
    return parser


def main(argv: Optional[Sequence[str]] = None, out: Optional[IO[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    _messages.empty.clear()
    try:
        _check_inputs(args)
        status = int(args.run(args, out or sys.stdout))
        return status or (1 if _messages.empty else 0)
    except _InputError as e:
        print(f"pipehat: {e}", file=sys.stderr)
        return e.status
    except (
        pipehat.PathError,
        pipehat.FilterError,
        pipehat.MappingError,
        pipehat.ParseError,
        pipehat.ProfileError,
        pipehat.DictionaryError,
    ) as e:
        print(f"pipehat: {e}", file=sys.stderr)
        return 2
    except pipehat.TransportError as e:  # could not connect, listen or send at all
        print(f"pipehat: {e}", file=sys.stderr)
        return 1
    except ValueError as e:  # an option value the core does not know (form, code)
        print(f"pipehat: {e}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # pragma: no cover - `pipehat ... | head`
        # Quiet exit; stop Python's own flush at shutdown from failing again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except OSError as e:  # writing the output (split's files)
        where = f"{e.filename}: " if getattr(e, "filename", None) else ""
        print(f"pipehat: {where}{(e.strerror or type(e).__name__).lower()}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
