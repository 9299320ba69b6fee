"""Files of any size into columns: pipehat.arrow (extract_batches,
extract_arrow), pipehat.polars.scan_hl7, pipehat.dask.read_hl7, the DuckDB
recipe, and memory bounded by a batch on a file of several hundred
megabytes. Every reader is checked against pipehat.extract on the corpus."""

import json
import os
import pathlib
import subprocess
import sys

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import pipehat
import pipehat.arrow
import pipehat.dask
import pipehat.polars
from conftest import CORPUS, TESTS, read_jsonl

FIELDS = ["MSH-9", "MSH-10", "PID-3.1", "PID-5", "PID-7", "OBX-5", "NTE-3"]
MESSAGES = sorted((CORPUS / "messages").iterdir())
SPEC = {"rows": "OBX", "fields": {"id": "MSH-10", "code": "OBX-3.1",
                                  "value": {"path": "OBX-5", "transform": "number"}}}


@pytest.fixture(scope="module")
def feed(tmp_path_factory):
    """Every corpus file one after another: MLLP frames, batches, LF and CRLF
    files and unreadable messages in one feed."""
    path = tmp_path_factory.mktemp("feed") / "feed.hl7"
    path.write_bytes(b"\r\n".join(p.read_bytes() for p in MESSAGES))
    return path


def expected(source, fields=FIELDS):
    """Rows as pipehat.extract gives them: values, offset, error code."""
    out = pipehat.extract(source, fields, details=True)
    errors = {row: e.code for row, e in out["errors"]}
    columns = [out["columns"][f] for f in fields]
    return [tuple(c[i] for c in columns) + (offset, errors.get(i))
            for i, offset in enumerate(out["offsets"])]


def rows_of(table, fields=FIELDS):
    d = table.to_pydict()
    return list(zip(*[d[f] for f in fields], d["_offset"], d["_error"]))


def test_arrow_batches_equal_extract_on_every_corpus_file():
    rows = errors = 0
    for path in MESSAGES:
        want = expected(path)
        for batch_bytes in (64, None):
            got = pipehat.extract_arrow(path, FIELDS, meta=True, batch_bytes=batch_bytes)
            assert rows_of(got) == want, path.name
            assert got.schema.field("_offset").type == pa.int64()
            assert all(got.schema.field(f).type == pa.string() for f in FIELDS)
        # bytes and file objects read the same
        with open(path, "rb") as f:
            assert rows_of(pipehat.extract_arrow(f, FIELDS, meta=True)) == want
        assert rows_of(pipehat.extract_arrow(path.read_bytes(), FIELDS, meta=True)) == want
        rows += len(want)
        errors += sum(1 for r in want if r[-1])
    assert rows > 200 and errors > 20, (rows, errors)


CASES = read_jsonl(TESTS / "columns_cases.jsonl")


def case_options(case):
    options = {"raw": case.get("raw", False), "filter": case.get("filter"),
               "max_message_size": case.get("max_message_size")}
    if "mapping" in case:
        options["mapping"] = case["mapping"]
    return options


def case_rows(table):
    return [list(r.values()) for r in table.to_pylist()]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_shared_cases(case, tmp_path):
    data = case["input"].encode("utf-8")
    path = tmp_path / "feed.hl7"
    path.write_bytes(data)
    fields = case.get("fields")
    if case["kind"] == "columns":
        for source in (data, path):
            for batch_bytes in (1, None):
                got = pipehat.extract_arrow(source, fields, meta=True, batch_bytes=batch_bytes, **case_options(case))
                assert case_rows(got) == case["expect"]
    else:
        cuts = case["cuts"]
        for (start, end), want in zip(zip(cuts, cuts[1:]), case["expect"]):
            got = pipehat.extract_arrow(path, fields, meta=True, start=start, end=end, **case_options(case))
            assert case_rows(got) == want, (start, end)


def test_batches_stream_in_the_requested_size(feed):
    batches = list(pipehat.extract_batches(feed, ["MSH-10"], batch_bytes=5_000))
    assert len(batches) > 20
    assert sum(b.num_rows for b in batches) == len(expected(feed))
    assert pipehat.extract_arrow(feed, ["MSH-10"]).column_names == ["MSH-10"]


def test_ranges_cut_anywhere_give_the_whole_file(feed):
    whole = rows_of(pipehat.extract_arrow(feed, FIELDS, meta=True))
    size = feed.stat().st_size
    for partition_bytes in (997, 10_000, size):
        parts = pipehat.arrow.plan([str(feed)], partition_bytes)
        assert len(parts) == -(-size // partition_bytes)
        got = []
        for part in parts:
            for path, start, end in part:
                got += rows_of(pipehat.extract_arrow(path, FIELDS, meta=True, start=start, end=end))
        assert got == whole, partition_bytes


def readable(data):
    """The messages of a file that parse."""
    for chunk in pipehat.split(data):
        if chunk.kind == "message":
            try:
                yield pipehat.parse(bytes(chunk))
            except pipehat.ParseError:
                continue


def same_value(text, value):
    """A mapping column's text against what Mapping.apply gives."""
    if value is None or isinstance(value, str):
        return text == value
    if isinstance(value, (int, float)):
        return float(text) == value
    return json.loads(text) == value


def test_a_mapping_gives_a_row_per_object():
    mapping = pipehat.Mapping(SPEC)
    total = 0
    for path in MESSAGES:
        want = [row for msg in readable(path.read_bytes()) for row in mapping.apply(msg)]
        table = pipehat.extract_arrow(path, mapping=SPEC, meta=True)
        assert table.column_names == ["id", "code", "value", "_offset", "_error"]
        got = [r for r in table.to_pylist() if r["_error"] is None]
        assert len(got) == len(want), path.name
        for g, w in zip(got, want):
            assert all(same_value(g[k], v) for k, v in w.items()), (path.name, g, w)
        assert pipehat.extract_arrow(path, mapping=mapping).num_rows == table.num_rows
        total += len(want)
    assert total > 200


def test_a_filter_keeps_the_matching_messages(feed):
    expression = 'MSH-9.1 = "ADT" and PID-8 = "F"'
    f = pipehat.Filter(expression)
    matched = f.select(feed.read_bytes())
    got = pipehat.extract_arrow(feed, ["MSH-10"], filter=expression, meta=True)
    read = [o for o, e in zip(got["_offset"].to_pylist(), got["_error"].to_pylist()) if e is None]
    assert len(read) == len(matched) > 5
    assert got["MSH-10"].to_pylist()[: len(read)] != []
    assert pipehat.extract_arrow(feed, ["MSH-10"], filter=f).num_rows == got.num_rows


def test_bad_arguments_raise_before_reading(feed):
    with pytest.raises(pipehat.PathError):
        pipehat.extract_arrow(feed, ["PID-x"])
    with pytest.raises(pipehat.FilterError):
        pipehat.extract_arrow(feed, ["PID-3"], filter="PID-3 ==")
    with pytest.raises(pipehat.MappingError):
        pipehat.extract_arrow(feed, mapping={"fields": {}, "colour": 1})
    with pytest.raises(TypeError):
        pipehat.extract_arrow(feed, ["PID-3"], mapping=SPEC)
    with pytest.raises(TypeError):
        pipehat.extract_arrow(feed.read_bytes(), ["PID-3"], start=0, end=10)
    with pytest.raises(ValueError):
        pipehat.extract_arrow(feed, ["PID-3"], batch_bytes=0)
    with pytest.raises(FileNotFoundError):
        pipehat.extract_arrow(feed.parent / "missing.hl7", ["PID-3"])
    empty = pipehat.extract_arrow(b"", ["PID-3"], meta=True, file="x")
    assert empty.num_rows == 0 and empty.column_names == ["PID-3", "_file", "_offset", "_error"]


def test_filter_scan_and_count_read_paths_and_file_objects(feed):
    f = pipehat.Filter('MSH-9.1 = "ADT"')
    data = feed.read_bytes()
    whole = f.scan(data)
    streamed = f.scan(feed)
    assert streamed.matched == whole.matched and streamed.total == whole.total
    assert streamed.unreadable == whole.unreadable and streamed.count == len(whole.matched)
    with open(feed, "rb") as fh:
        assert f.count(fh) == len(whole.matched)
    assert f.select(feed) == whole.matched
    seen = []
    taken = f.scan(feed, on_match=seen.append)
    assert seen == whole.matched and taken.matched == [] and taken.count == len(seen)
    seen = []
    assert f.scan(data, on_match=seen.append).count == len(seen) == len(whole.matched)
    with pytest.raises(ZeroDivisionError):
        f.scan(feed, on_match=lambda m: 1 / 0)
    with pytest.raises(FileNotFoundError):
        f.count(feed.parent / "missing.hl7")


# --- Polars ----------------------------------------------------------------------


def test_polars_scan_equals_extract(feed):
    lf = pipehat.polars.scan_hl7(str(feed), FIELDS)
    df = lf.collect()
    assert list(zip(*[df[c].to_list() for c in FIELDS + ["_offset", "_error"]])) == expected(feed)
    assert set(df["_file"].to_list()) == {str(feed)}
    # a directory, a glob and a list give every file's rows, file by file
    files = [str(p) for p in MESSAGES]
    for source in (str(CORPUS / "messages"), str(CORPUS / "messages" / "*.hl7"), files):
        got = pipehat.polars.scan_hl7(source, ["MSH-10"]).collect()
        assert got["MSH-10"].to_list() == [v for p in MESSAGES for v in pipehat.extract(p, ["MSH-10"])["MSH-10"]]


def test_polars_pushes_projection_predicates_and_limits_down(feed, monkeypatch):
    calls = []
    real = pipehat.polars.extract_batches

    def spy(source, fields, **kw):
        calls.append((fields, kw.get("batch_bytes")))
        return real(source, fields, batch_bytes=5_000, **{k: v for k, v in kw.items() if k != "batch_bytes"})

    monkeypatch.setattr(pipehat.polars, "extract_batches", spy)
    lf = pipehat.polars.scan_hl7(str(feed), FIELDS)
    got = lf.filter(pl.col("MSH-9").str.starts_with("ADT")).select("PID-3.1").collect()
    assert calls[-1][0] == ["MSH-9", "PID-3.1"]
    want = [r[2] for r in expected(feed) if r[0] and r[0].startswith("ADT")]
    assert got["PID-3.1"].to_list() == want
    assert lf.head(3).collect().height == 3
    batches_for_three = len(calls)
    calls.clear()
    assert lf.collect().height == len(expected(feed))
    assert batches_for_three < 5 and len(calls) == 1
    assert lf.select(pl.len()).collect().item() == len(expected(feed))
    assert lf.head(5).collect(engine="streaming").height == 5


def test_polars_mapping_and_errors():
    lf = pipehat.polars.scan_hl7(str(CORPUS / "messages"), mapping=SPEC)
    assert lf.collect_schema().names() == ["id", "code", "value", "_file", "_offset", "_error"]
    errors = lf.filter(pl.col("_error").is_not_null()).collect()
    assert errors.height > 20 and errors["id"].null_count() == errors.height


# --- Dask ------------------------------------------------------------------------


def plain(series):
    """A pandas column as a list, pd.NA as None."""
    return [None if v is None or v is pd.NA else v for v in series.tolist()]


def test_dask_read_equals_extract_and_pushes_columns_down(feed):
    ddf = pipehat.dask.read_hl7(str(feed), FIELDS, partition_bytes=20_000)
    assert ddf.npartitions > 3
    df = ddf.compute()
    assert list(zip(*[plain(df[c]) for c in FIELDS + ["_offset", "_error"]])) == expected(feed)
    projected = ddf[["PID-3.1"]].optimize(fuse=False).expr
    reads = [e for e in projected.walk() if type(e).__name__.startswith("FromMap")]
    assert reads and reads[0].operand("columns") == ["PID-3.1"]
    adt = plain(ddf[ddf["MSH-9"].str.startswith("ADT")]["PID-3.1"].compute())
    assert adt == [r[2] for r in expected(feed) if r[0] and r[0].startswith("ADT")]
    assert len(ddf.head(4, npartitions=-1)) == 4


def test_dask_reads_many_files_and_mappings():
    ddf = pipehat.dask.read_hl7(str(CORPUS / "messages"), ["MSH-10"], partition_bytes=50_000)
    df = ddf.compute()
    assert plain(df["MSH-10"]) == [v for p in MESSAGES for v in pipehat.extract(p, ["MSH-10"])["MSH-10"]]
    mapped = pipehat.dask.read_hl7(str(CORPUS / "messages"), mapping=SPEC).compute()
    with pytest.raises(TypeError):
        pipehat.dask.read_hl7(str(CORPUS / "messages"), mapping=pipehat.Mapping(SPEC))
    assert list(mapped.columns) == ["id", "code", "value", "_file", "_offset", "_error"]
    assert len(mapped) == pipehat.polars.scan_hl7(str(CORPUS / "messages"), mapping=SPEC).collect().height


# --- DuckDB (the recipe of docs/engines.md) -------------------------------------


def test_duckdb_queries_the_arrow_table(feed):
    duckdb = pytest.importorskip("duckdb")
    table = pipehat.extract_arrow(feed, ["MSH-9.1", "PID-8"])
    con = duckdb.connect()
    con.register("messages", table)
    got = dict(con.execute('SELECT "MSH-9.1", count(*) FROM messages GROUP BY 1').fetchall())
    want = {}
    for v in pipehat.extract(feed, ["MSH-9.1"])["MSH-9.1"]:
        want[v] = want.get(v, 0) + 1
    assert got == want


# --- memory: a file of several hundred megabytes, each operation in its own process


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    """About 300 MB: the corpus feed repeated."""
    unit = b"\r\n".join(p.read_bytes() for p in MESSAGES) + b"\r\n"
    path = tmp_path_factory.mktemp("big") / "big.hl7"
    with open(path, "wb") as f:
        for _ in range(300_000_000 // len(unit) + 1):
            f.write(unit)
    return path, unit


LIMIT_MB = 160

OPERATIONS = {
    "extract": "len(pipehat.extract(path, ['MSH-10', 'PID-3.1'])['MSH-10'])",
    "extract_batches": "sum(b.num_rows for b in pipehat.extract_batches(path, ['MSH-10', 'PID-3.1']))",
    "filter_count": "pipehat.Filter('MSH-9.1 = \"ADT\"').count(pathlib.Path(path))",
    "filter_scan_on_match": "pipehat.Filter('MSH-9.1 = \"ADT\"').scan(pathlib.Path(path), on_match=len).count",
}


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_file_operations_stream_in_bounded_memory(big, name):
    path, unit = big
    code = ("import pathlib, resource, sys, pipehat\n"
            f"path = {str(path)!r}\n"
            f"print({OPERATIONS[name]})\n"
            # VmHWM: this process's peak (ru_maxrss would count what the forked
            # pytest held before exec)
            "print(next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM')) // 1024)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True)
    result, peak = (int(x) for x in out.stdout.split())
    copies = path.stat().st_size // len(unit)
    if name.startswith("extract"):
        assert result == copies * len(expected(unit, ["MSH-10"]))
    else:
        assert result == copies * pipehat.Filter('MSH-9.1 = "ADT"').count(unit)
    assert peak < LIMIT_MB, f"{name}: {peak} MB for a {path.stat().st_size >> 20} MB file"


@pytest.mark.parametrize("args", [["filter", 'MSH-9.1 = "ADT"', "--count"], ["filter", 'MSH-9.1 = "ADT"']])
def test_the_cli_filter_streams_in_bounded_memory(big, args):
    path, unit = big
    cli = pathlib.Path(sys.executable).parent / "pipehat"
    code = ("import resource, subprocess, sys\n"
            f"with open(os.devnull, 'wb') as null:\n"
            f"    subprocess.run({[str(cli)] + args + [str(path)]!r}, stdout=null, check=True)\n"
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)\n")
    out = subprocess.run([sys.executable, "-c", "import os\n" + code], capture_output=True, text=True,
                         timeout=300, check=True)
    assert int(out.stdout) < LIMIT_MB, out.stdout
    if "--count" in args:
        counted = subprocess.run([str(cli)] + args + [str(path)], capture_output=True, text=True, check=True)
        assert int(counted.stdout) == (path.stat().st_size // len(unit)) * pipehat.Filter('MSH-9.1 = "ADT"').count(unit)


def test_the_cli_split_streams_in_bounded_memory(tmp_path, feed):
    # split writes a file per message: a smaller file keeps the test quick
    cli = pathlib.Path(sys.executable).parent / "pipehat"
    data = feed.read_bytes() * 20
    source = tmp_path / "in.hl7"
    source.write_bytes(data)
    code = ("import resource, subprocess\n"
            f"subprocess.run([{str(cli)!r}, 'split', {str(source)!r}, {str(tmp_path / 'out')!r}], "
            "capture_output=True, check=True)\n"
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True)
    assert int(out.stdout) < LIMIT_MB
    assert len(os.listdir(tmp_path / "out")) == sum(1 for _ in readable(data))


def test_the_cli_table_command_writes_what_extract_batches_gives(tmp_path, feed):
    import pyarrow.csv as pcsv
    import pyarrow.ipc as ipc
    import pyarrow.parquet as pq

    cli = [sys.executable, "-m", "pipehat"]
    want = pipehat.extract_arrow(feed, ["MSH-9", "PID-3.1"], meta=True, file=str(feed))
    for name, read in (("t.parquet", pq.read_table), ("t.arrow", lambda p: ipc.open_file(p).read_all()),
                       ("t.csv", pcsv.read_csv)):
        out = tmp_path / name
        r = subprocess.run(cli + ["table", str(feed), "--fields", "MSH-9,PID-3.1", "-o", str(out)],
                           capture_output=True, text=True, check=True)
        errors = want.num_rows - want["_error"].null_count
        assert r.stdout == f"wrote {want.num_rows} rows ({errors} unreadable messages) to {out}\n"
        got = read(out)
        assert got.column_names == want.column_names
        if name != "t.csv":  # CSV reads back empty strings and numbers as it guesses
            assert got.equals(want)
        else:
            assert got.num_rows == want.num_rows
    mapped = tmp_path / "m.parquet"
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(SPEC))
    subprocess.run(cli + ["table", str(feed), "--mapping", str(spec), "--filter", 'MSH-9.1 = "ORU"', "-o", str(mapped)],
                   check=True, capture_output=True)
    assert pq.read_table(mapped).equals(
        pipehat.extract_arrow(feed, mapping=SPEC, filter='MSH-9.1 = "ORU"', meta=True, file=str(feed)))
    for args, message in ((["--fields", "PID-3", "-o", str(tmp_path / "x.txt")], "must end in .parquet"),
                          (["-o", str(tmp_path / "x.csv")], "give --fields or --mapping"),
                          (["--fields", "PID-x", "-o", str(tmp_path / "x.csv")], "expected_number")):
        r = subprocess.run(cli + ["table", str(feed)] + args, capture_output=True, text=True)
        assert r.returncode == 2 and message in r.stderr, (args, r.stderr)


def test_object_storage_paths_are_read_through_fsspec(feed):
    fsspec = pytest.importorskip("fsspec")
    fs = fsspec.filesystem("memory")
    for p in MESSAGES[:40]:
        fs.pipe(f"/archive/2024/{p.name}", p.read_bytes())
    fs.pipe("/archive/feed.hl7", feed.read_bytes())
    listed = pipehat.arrow.files(["memory://archive/2024/*.hl7"])
    assert listed == [f"memory:///archive/2024/{p.name}" for p in MESSAGES[:40]]
    assert pipehat.arrow.files(["memory://archive/2024"]) == listed
    assert len(pipehat.arrow.files(["memory://archive"], recursive=True)) == 41
    # the same rows as the local files, whole and by ranges
    for url, path in zip(listed[:10], MESSAGES[:10]):
        assert rows_of(pipehat.extract_arrow(url, FIELDS, meta=True)) == expected(path)
    whole = rows_of(pipehat.extract_arrow(feed, FIELDS, meta=True))
    got = []
    for part in pipehat.arrow.plan(["memory://archive/feed.hl7"], 3000):
        for url, start, end in part:
            got += rows_of(pipehat.extract_arrow(url, FIELDS, meta=True, start=start, end=end))
    assert got == whole
    lf = pipehat.polars.scan_hl7("memory://archive/2024/*.hl7", ["MSH-10"])
    want = [v for p in MESSAGES[:40] for v in pipehat.extract(p, ["MSH-10"])["MSH-10"]]
    assert lf.collect()["MSH-10"].to_list() == want
    ddf = pipehat.dask.read_hl7("memory://archive/2024/*.hl7", ["MSH-10"], partition_bytes=20_000)
    import dask

    # One partition after another: fsspec's memory filesystem gives every
    # reader of a file the same file object, so two partitions reading
    # ranges of one file in threads race on its position (seen once under
    # load); object stores open a handle per reader.
    with dask.config.set(scheduler="synchronous"):
        assert plain(ddf.compute()["MSH-10"]) == want
    with open(feed, "rb") as f:  # a seekable file object reads ranges too
        assert rows_of(pipehat.extract_arrow(f, FIELDS, meta=True, start=0, end=feed.stat().st_size)) == whole
    with pytest.raises(FileNotFoundError):
        pipehat.arrow.files(["memory://archive/nothing/*.hl7"])


BENCH_FIELDS = ["MSH-9", "MSH-10", "PID-3.1", "PID-5.1", "PID-7", "PV1-3.1", "OBR-4.1", "OBX[5]-5", "OBX-5"]


@pytest.mark.parametrize("name", ["adt", "oru", "mixed", "big"])
def test_readers_equal_extract_on_the_benchmark_files(workload, name):
    path = workload / f"{name}.hl7"
    want = expected(path, BENCH_FIELDS)
    assert len(want) >= 8 and all(r[-1] is None for r in want)
    assert rows_of(pipehat.extract_arrow(path, BENCH_FIELDS, meta=True), BENCH_FIELDS) == want
    df = pipehat.polars.scan_hl7(str(path), BENCH_FIELDS).collect()
    assert list(zip(*[df[c].to_list() for c in BENCH_FIELDS + ["_offset", "_error"]])) == want
    ddf = pipehat.dask.read_hl7(str(path), BENCH_FIELDS, partition_bytes=1 << 20)
    assert ddf.npartitions == -(-path.stat().st_size // (1 << 20))
    got = ddf.compute()
    assert list(zip(*[plain(got[c]) for c in BENCH_FIELDS + ["_offset", "_error"]])) == want
