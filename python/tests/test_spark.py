"""pipehat.spark in Spark's local mode: format("hl7") and extract_column give
the rows pipehat.extract gives, for fields, mappings and filters, over many
files and over one file cut into partitions."""

import json
import os
import sys

import pytest

import pipehat
import pipehat.spark
from conftest import CORPUS

FIELDS = ["MSH-9", "MSH-10", "PID-3.1", "PID-5.1", "PID-7"]
DIRECTORY = CORPUS / "messages"
MESSAGES = sorted(DIRECTORY.iterdir())
SPEC = {"rows": "OBX", "fields": {"id": "MSH-10", "code": "OBX-3.1", "value": "OBX-5"}}


@pytest.fixture(scope="module")
def spark():
    # the workers run this interpreter, where pipehat is installed
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("pipehat-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    pipehat.spark.register(session)
    yield session
    session.stop()


@pytest.fixture(scope="module")
def feed(tmp_path_factory):
    path = tmp_path_factory.mktemp("spark") / "feed.hl7"
    path.write_bytes(b"\r\n".join(p.read_bytes() for p in MESSAGES) * 3)
    return path


def expected(path, fields=FIELDS):
    out = pipehat.extract(path, fields, details=True)
    errors = {row: e.code for row, e in out["errors"]}
    return [tuple(out["columns"][f][i] for f in fields) + (str(path), offset, errors.get(i))
            for i, offset in enumerate(out["offsets"])]


def rows(df, fields=FIELDS):
    return sorted((tuple(r[f] for f in fields) + (r["_file"], r["_offset"], r["_error"]) for r in df.collect()),
                  key=lambda r: (r[-3], r[-2]))


def test_format_hl7_reads_every_file_of_a_directory(spark):
    df = spark.read.format("hl7").option("fields", ",".join(FIELDS)).load(str(DIRECTORY))
    assert df.columns == FIELDS + ["_file", "_offset", "_error"]
    assert [f.dataType.simpleString() for f in df.schema][-2:] == ["bigint", "string"]
    want = sorted((r for p in MESSAGES for r in expected(p)), key=lambda r: (r[-3], r[-2]))
    assert rows(df) == want
    errors = df.where("_error is not null").collect()
    assert len(errors) > 20 and all(r["MSH-10"] is None for r in errors)


def test_a_large_file_is_cut_at_message_boundaries(spark, feed):
    for partition_bytes in (4096, 100_000):
        df = (spark.read.format("hl7").option("fields", ",".join(FIELDS))
              .option("partitionBytes", str(partition_bytes)).load(str(feed)))
        assert df.rdd.getNumPartitions() == -(-feed.stat().st_size // partition_bytes)
        assert rows(df) == expected(feed)


def test_globs_lists_mappings_and_filters(spark, feed):
    glob = str(DIRECTORY / "hapi__*.hl7")
    hapi = [p for p in MESSAGES if p.name.startswith("hapi__")]
    df = spark.read.format("hl7").option("fields", "MSH-10").load(glob)
    assert sorted(r["MSH-10"] or "" for r in df.collect()) == sorted(
        v or "" for p in hapi for v in pipehat.extract(p, ["MSH-10"])["MSH-10"])
    two = spark.read.format("hl7").option("fields", "MSH-10").load([str(hapi[0]), str(hapi[1])])
    assert two.count() == sum(len(pipehat.extract(p, ["MSH-10"])["MSH-10"]) for p in hapi[:2])

    mapped = spark.read.format("hl7").option("mapping", json.dumps(SPEC)).load(str(feed))
    assert mapped.columns == ["id", "code", "value", "_file", "_offset", "_error"]
    table = pipehat.extract_arrow(feed, mapping=SPEC, meta=True)
    assert sorted(map(tuple, mapped.select("id", "code", "value", "_offset").collect()), key=repr) == sorted(
        zip(*[table[c].to_pylist() for c in ("id", "code", "value", "_offset")]), key=repr)

    expression = 'MSH-9.1 = "ADT"'
    filtered = spark.read.format("hl7").option("fields", "MSH-10").option("filter", expression).load(str(feed))
    good = filtered.where("_error is null").count()
    assert good == pipehat.Filter(expression).count(feed.read_bytes()) > 10


def test_bad_options_fail_on_the_driver_with_the_reason(spark, feed):
    from pyspark.errors import PySparkException

    cases = [
        ({}, "needs option fields"),
        ({"fields": "PID-x"}, "PathError"),
        ({"fields": "PID-3", "filter": "PID-3 =="}, "FilterError"),
        ({"fields": "PID-3", "colour": "red"}, "unknown option"),
        ({"fields": "PID-3", "strict": "maybe"}, "true or false"),
        ({"fields": "PID-3", "partitionBytes": "0"}, "at least 1"),
        ({"fields": "PID-3", "arrowBatches": "no"}, "true or false"),
    ]
    for options, reason in cases:
        with pytest.raises((PySparkException, ValueError)) as e:
            spark.read.format("hl7").options(**options).load(str(feed)).collect()
        assert reason in str(e.value), (options, str(e.value)[:300])
    with pytest.raises((PySparkException, ValueError)) as e:
        spark.read.format("hl7").option("fields", "PID-3").load().collect()
    assert "needs a path" in str(e.value)


def test_extract_column_over_binary_files_and_text(spark):
    files = spark.read.format("binaryFile").load(str(DIRECTORY / "*.hl7"))
    out = pipehat.spark.extract_column(files, "content", "MSH-9,MSH-10", keep=["path"])
    assert out.columns == ["path", "MSH-9", "MSH-10", "_offset", "_error"]
    got = sorted((r["path"].replace("file:", ""), r["_offset"], r["MSH-10"], r["_error"]) for r in out.collect())
    want = sorted((str(p), r[-2], r[1], r[-1]) for p in MESSAGES for r in expected(p, ["MSH-9", "MSH-10"]))
    assert got == want
    # text read whole (bytes that are not UTF-8 included), messages one per row
    text = spark.read.format("text").option("wholetext", "true").load(str(DIRECTORY / "*.hl7"))
    assert pipehat.spark.extract_column(text, "value", ["MSH-10"]).count() == len(want)
    some = [p for p in MESSAGES if b"OBX" in p.read_bytes()][:8]
    single = spark.createDataFrame([(i, bytes(p.read_bytes())) for i, p in enumerate(some)], "n int, msg binary")
    mapped = pipehat.spark.extract_column(single, "msg", SPEC, keep=["n"])  # a spec in the fields' place
    with pytest.raises(TypeError):
        pipehat.spark.extract_column(single, "msg", pipehat.Mapping(SPEC))
    assert mapped.columns == ["n", "id", "code", "value", "_offset", "_error"]
    per_row = {i: pipehat.extract_arrow(p, mapping=SPEC).num_rows for i, p in enumerate(some)}
    counted = {r["n"]: r["count"] for r in mapped.groupBy("n").count().collect()}
    assert counted == {i: n for i, n in per_row.items() if n} and sum(per_row.values()) > 10


def test_a_stream_reads_each_new_file_once(spark, tmp_path):
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    for p in MESSAGES[:3]:
        (incoming / p.name).write_bytes(p.read_bytes())
    reader = pipehat.spark.HL7StreamReader(pipehat.spark._Spec({"fields": "MSH-10", "path": str(incoming)}))
    start = reader.initialOffset()
    first = reader.latestOffset()
    assert [r[0] for part in reader.partitions(start, first) for r in part.ranges] == sorted(
        str(incoming / p.name) for p in MESSAGES[:3])
    newer = incoming / "zz_new.hl7"
    newer.write_bytes(MESSAGES[3].read_bytes())
    os.utime(newer, ns=(first["mtime"] + 10**9, first["mtime"] + 10**9))
    second = reader.latestOffset()
    assert [r[0] for part in reader.partitions(first, second) for r in part.ranges] == [str(newer)]
    assert reader.partitions(second, second) == []
    # the same through Spark's streaming engine, once over what is there
    query = (spark.readStream.format("hl7").option("fields", "MSH-10").load(str(incoming))
             .writeStream.format("memory").queryName("hl7_stream").trigger(availableNow=True).start())
    query.awaitTermination(120)
    got = spark.sql("select `MSH-10` from hl7_stream").collect()
    assert len(got) == sum(len(pipehat.extract(incoming / n, ["MSH-10"])["MSH-10"]) for n in os.listdir(incoming))


def test_the_benchmark_files_cut_into_partitions(spark, workload):
    for name in ("oru", "mixed", "big"):
        path = workload / f"{name}.hl7"
        df = spark.read.format("hl7").option("fields", ",".join(FIELDS)).option("partitionBytes", str(1 << 20)).load(str(path))
        assert df.rdd.getNumPartitions() == -(-path.stat().st_size // (1 << 20))
        assert rows(df) == expected(path)
