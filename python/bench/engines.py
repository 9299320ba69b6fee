"""HL7 v2 into data engines, on the shared workload (not a test). Each
measurement runs alone in its own process; measurements alternate over
several rounds; the table gives medians and ranges.

    python python/bench/engines.py [--rounds 3] [--gigabytes 1] [--only spark|local]

Spark (local mode, 20 fields, HL7 -> Parquet), over about 1 GB: the
workload's mixed.hl7 written 80 times as separate files, the way archives
are kept.
- floor: binaryFile straight to Parquet, no parsing (Spark's own floor).
- pipehat: spark.read.format("hl7") -> Parquet, local[2] and local[1];
  and with arrowBatches=false (a tuple per row instead of Arrow batches).
- python-hl7 UDF: the messages one per row (text, lineSep \\n), a pandas
  UDF parsing each with python-hl7 0.4.5 and reading the 20 fields, ->
  Parquet, on a 100 MB slice (8 files), scaled by bytes.

On one machine, about 260 MB (mixed.hl7 written 20 times in one file):
- pipehat.extract (lists of str), extract_arrow (a pyarrow.Table),
  pipehat.polars.scan_hl7(...).collect(), pipehat.dask.read_hl7(...).compute()
  (threads scheduler), with peak memory (VmHWM).
"""

import argparse
import json
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATA = pathlib.Path(os.environ.get("PIPEHAT_BENCH_DATA", ROOT / "target" / "bench-data"))
WORK = DATA / "engines"
FIELDS = [
    "MSH-3", "MSH-4", "MSH-7", "MSH-9", "MSH-10", "MSH-12",
    "PID-3.1", "PID-3.4", "PID-5.1", "PID-5.2", "PID-7", "PID-8", "PID-11.3", "PID-11.5",
    "PV1-2", "PV1-3.1", "OBR-4.1", "OBX-3.1", "OBX-5", "OBX-14",
]


def peak_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM"):
                return int(line.split()[1]) / 1024
    return 0.0


def busy_jiffies() -> tuple:
    """(busy, total) CPU time of the whole machine so far, from /proc/stat."""
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def prepare(gigabytes: float) -> None:
    """The Spark files (about `gigabytes` GB), the UDF's slice, the one-file workload."""
    unit = (DATA / "mixed.hl7").read_bytes()
    copies = max(1, int(gigabytes * 1e9 / len(unit)))
    spark_dir = WORK / f"spark-{copies}"
    if not spark_dir.exists():
        tmp = WORK / "tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        for i in range(copies):
            (tmp / f"mixed-{i:03d}.hl7").write_bytes(unit)
        tmp.rename(spark_dir)
    slice_dir = WORK / "udf-slice"
    if not slice_dir.exists():
        slice_dir.mkdir(parents=True)
        for i in range(8):
            (slice_dir / f"mixed-{i:03d}.hl7").write_bytes(unit)
    one = WORK / "mixed-x20.hl7"
    if not one.exists():
        one.write_bytes(unit * 20)


def spark_session(cores: int):
    os.environ["PYSPARK_PYTHON"] = sys.executable
    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master(f"local[{cores}]")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.memory", "4g")
        .config("spark.sql.shuffle.partitions", str(cores))
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def hl7_udf_rows(spark, source: pathlib.Path):
    """The python-hl7 baseline: a pandas UDF over one message per row."""
    import pandas as pd
    from pyspark.sql.functions import col, pandas_udf
    from pyspark.sql.types import StringType, StructField, StructType

    schema = StructType([StructField(f.replace("-", "_").replace(".", "_"), StringType()) for f in FIELDS])

    def read(value: str):
        import hl7

        try:
            m = hl7.parse(value.replace("\n", "\r"))
        except Exception:
            return [None] * len(FIELDS)
        out = []
        for path in FIELDS:
            seg, rest = path.split("-")
            field, _, comp = rest.partition(".")
            try:
                s = m.segment(seg)
                v = s[int(field)] if seg != "MSH" else s[int(field)]
                if comp:
                    v = v[0][int(comp) - 1]
                out.append(str(v) or None)
            except Exception:
                out.append(None)
        return out

    @pandas_udf(schema)
    def parse(values: pd.Series) -> pd.DataFrame:
        return pd.DataFrame([read(v) for v in values], columns=schema.fieldNames())

    df = spark.read.option("lineSep", "\n").text(str(source))
    return df.select(parse(col("value")).alias("m")).select("m.*")


def one(kind: str, gigabytes: float) -> dict:
    copies = max(1, int(gigabytes * 1e9 / (DATA / "mixed.hl7").stat().st_size))
    spark_dir = WORK / f"spark-{copies}"
    out = pathlib.Path(tempfile.mkdtemp(prefix="pipehat-bench-"))
    try:
        if kind in ("floor", "pipehat", "pipehat_local1", "pipehat_tuples", "udf"):
            cores = 1 if kind == "pipehat_local1" else 2
            spark = spark_session(cores)
            import pipehat.spark

            pipehat.spark.register(spark)
            source = WORK / "udf-slice" if kind == "udf" else spark_dir
            size = sum(p.stat().st_size for p in source.iterdir())
            messages = size / (DATA / "mixed.hl7").stat().st_size * 6000
            cpu_before = busy_jiffies()
            started = time.perf_counter()
            if kind == "floor":
                spark.read.format("binaryFile").load(str(source)).write.parquet(str(out / "p"))
            elif kind == "udf":
                hl7_udf_rows(spark, source).write.parquet(str(out / "p"))
            else:
                reader = spark.read.format("hl7").option("fields", ",".join(FIELDS))
                if kind == "pipehat_tuples":
                    reader = reader.option("arrowBatches", "false")
                reader.load(str(source)).write.parquet(str(out / "p"))
            seconds = time.perf_counter() - started
            busy, total = (a - b for a, b in zip(busy_jiffies(), cpu_before))
            spark.stop()
            # cpu: how busy the machine's cores were (1.0: all of them, all the time)
            return {"mb_s": size / seconds / 1e6, "msg_s": messages / seconds, "bytes": size,
                    "seconds": seconds, "cpu": busy / total}
        read(kind, DATA / "mixed.hl7")  # imports, thread pools, first allocations: not timed
        path = WORK / "mixed-x20.hl7"
        size = path.stat().st_size
        started = time.perf_counter()
        rows = read(kind, path)
        seconds = time.perf_counter() - started
        return {"mb_s": size / seconds / 1e6, "msg_s": rows / seconds, "rows": rows, "peak_mb": peak_mb()}
    finally:
        shutil.rmtree(out, ignore_errors=True)


def read(kind: str, path: pathlib.Path) -> int:
    """One reading of `path` on one machine: the rows."""
    import dask

    import pipehat
    import pipehat.dask
    import pipehat.polars

    if kind == "extract":
        return len(pipehat.extract(path, FIELDS)[FIELDS[0]])
    if kind == "extract_arrow":
        return int(pipehat.extract_arrow(path, FIELDS).num_rows)
    if kind == "polars":
        return int(pipehat.polars.scan_hl7(str(path), FIELDS).collect().height)
    if kind == "dask":
        with dask.config.set(scheduler="threads"):
            return len(pipehat.dask.read_hl7(str(path), FIELDS, partition_bytes=32 << 20, threads=1).compute())
    raise SystemExit(f"unknown kind {kind}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--gigabytes", type=float, default=1.0)
    ap.add_argument("--only", choices=["spark", "local"])
    ap.add_argument("--one", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(one(args.one, args.gigabytes)))
        return
    prepare(args.gigabytes)
    kinds = []
    if args.only != "local":
        kinds += ["floor", "pipehat", "pipehat_local1", "pipehat_tuples", "udf"]
    if args.only != "spark":
        kinds += ["extract", "extract_arrow", "polars", "dask"]
    results: dict = {k: [] for k in kinds}
    for r in range(args.rounds):
        for kind in kinds:
            if kind == "udf" and r > 0:
                continue  # minutes per run: once is enough to see the order of magnitude
            proc = subprocess.run([sys.executable, __file__, "--one", kind, "--gigabytes", str(args.gigabytes)],
                                  capture_output=True, text=True)
            if proc.returncode != 0:
                print(proc.stderr[-3000:], file=sys.stderr)
                raise SystemExit(f"{kind} failed")
            results[kind].append(json.loads(proc.stdout.strip().splitlines()[-1]))
            print(kind, results[kind][-1], file=sys.stderr)
    print("| contender | MB/s median (range) | messages/s | peak MB or CPU busy |")
    print("|---|---|---|---|")
    for kind in kinds:
        mb = [x["mb_s"] for x in results[kind]]
        msg = statistics.median(x["msg_s"] for x in results[kind])
        if "peak_mb" in results[kind][0]:
            extra = f"{statistics.median(x['peak_mb'] for x in results[kind]):.0f} MB"
        else:
            extra = f"{statistics.median(x['cpu'] for x in results[kind]):.0%} of 2 cores"
        print(f"| {kind} | {statistics.median(mb):.1f} ({min(mb):.1f}–{max(mb):.1f}) | {msg:,.0f} | {extra} |")


if __name__ == "__main__":
    main()
