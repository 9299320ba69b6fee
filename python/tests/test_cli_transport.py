"""pipehat listen, send and bridge as a user runs them: separate processes
on loopback, bounded in count and time."""

import asyncio
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request

import pipehat
import pipehat.mllp as mllp

from conftest import TESTS, HttpReceiver

PIPEHAT = [sys.executable, "-m", "pipehat"]
SAMPLES = TESTS.parent / "samples"


def msg(control_id):
    return f"MSH|^~\\&|LAB|HOSP|EHR|CLINIC|20240115083000||ADT^A01|{control_id}|P|2.5.1\rPID|1||{control_id}\r"


def started(proc, pattern, limit=20):
    """Reads stderr lines until one matches; returns the match."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        m = re.search(pattern, line)
        if m:
            return m
    proc.kill()
    raise AssertionError(f"{pattern!r} never printed")


class Background:
    """An asyncio MLLP server in a thread, for the CLI to talk to."""

    def __init__(self, handler, **options):
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(handler, options), daemon=True)
        self.thread.start()
        assert self.ready.wait(10)

    def _run(self, handler, options):
        asyncio.set_event_loop(self.loop)

        async def main():
            self.server = await mllp.serve(handler, **options)
            self.port = self.server.port
            self.stop = asyncio.Event()
            self.ready.set()
            await self.stop.wait()
            await self.server.close()

        self.loop.run_until_complete(main())

    def close(self):
        self.loop.call_soon_threadsafe(self.stop.set)
        self.thread.join(10)


def test_listen_and_send(tmp_path):
    out = tmp_path / "in"
    listener = subprocess.Popen(PIPEHAT + ["listen", "0", "--count", "10", "--out", str(out)], stderr=subprocess.PIPE, text=True)
    port = started(listener, r"listening on 127\.0\.0\.1:(\d+)").group(1)
    files = [str(SAMPLES / "pyhl7__adt_a04__file2.hl7"), str(SAMPLES / "nhl7c__adt_a08__1.hl7")]
    sent = subprocess.run(PIPEHAT + ["send", f"127.0.0.1:{port}"] + files, capture_output=True, text=True, timeout=60)
    assert sent.returncode == 0, sent.stderr
    rows = [line.split("\t") for line in sent.stdout.splitlines()]
    # The batch's three messages ask for no acknowledgement (MSH-15/16 NE): sent, not waited for.
    assert [r[2] for r in rows] == ["sent", "sent", "sent", "CA"]
    assert "sent 4: 1 CA, 3 sent" in sent.stderr
    listener.send_signal(signal.SIGTERM)
    assert listener.wait(20) == 0
    written = sorted(p.name for p in out.iterdir())
    assert written == ["000001-12334456778890.hl7", "000002-12334456778891.hl7", "000003-12334456778890.hl7", "000004-CLV1-1649.hl7"]
    assert (out / "000004-CLV1-1649.hl7").read_bytes() == bytes(pipehat.parse((SAMPLES / "nhl7c__adt_a08__1.hl7").read_bytes()))


def test_send_exits_1_on_a_nak_and_names_the_codes(tmp_path):
    def refuse(m):
        if m.get("MSH-10") == "BAD":
            raise RuntimeError("no")

    server = Background(refuse)
    try:
        f = tmp_path / "two.hl7"
        f.write_text(msg("GOOD") + "\n" + msg("BAD"))
        sent = subprocess.run(PIPEHAT + ["send", f"127.0.0.1:{server.port}", str(f)], capture_output=True, text=True, timeout=60)
        assert sent.returncode == 1
        assert [line.split("\t")[1:] for line in sent.stdout.splitlines()] == [["GOOD", "AA"], ["BAD", "AE"]]
        assert "sent 2: 1 AA, 1 AE" in sent.stderr
    finally:
        server.close()


def test_send_to_nobody_fails_cleanly(tmp_path):
    f = tmp_path / "one.hl7"
    f.write_text(msg("X"))
    with socket_port() as port:
        pass
    sent = subprocess.run(PIPEHAT + ["send", f"127.0.0.1:{port}", str(f), "--retries", "0"], capture_output=True, text=True, timeout=60)
    assert sent.returncode == 1
    assert "(connect_failed)" in sent.stderr and "Traceback" not in sent.stderr


def test_listen_and_send_over_mutual_tls(tmp_path):
    tls = TESTS / "tls"
    listener = subprocess.Popen(
        PIPEHAT + ["listen", "0", "--count", "1", "--out", str(tmp_path),
                   "--tls-cert", str(tls / "server.crt"), "--tls-key", str(tls / "server.key"), "--tls-ca", str(tls / "ca.crt")],
        stderr=subprocess.PIPE, text=True,
    )
    port = started(listener, r"listening on 127\.0\.0\.1:(\d+)").group(1)
    f = tmp_path / "one.hl7"
    f.write_text(msg("TLS1"))
    client = ["--tls-ca", str(tls / "ca.crt"), "--tls-cert", str(tls / "client.crt"), "--tls-key", str(tls / "client.key")]
    refused = subprocess.run(PIPEHAT + ["send", f"localhost:{port}", str(f), "--tls-ca", str(tls / "ca.crt"), "--retries", "0", "--timeout", "3"],
                             capture_output=True, text=True, timeout=60)
    assert refused.returncode == 1
    sent = subprocess.run(PIPEHAT + ["send", f"localhost:{port}", str(f)] + client, capture_output=True, text=True, timeout=60)
    assert sent.returncode == 0, sent.stderr
    assert sent.stdout.split("\t")[2].strip() == "AA"
    assert listener.wait(20) == 0


class socket_port:
    """A loopback port that nobody listens on (bound, then released)."""

    def __enter__(self):
        import socket

        self.s = socket.socket()
        self.s.bind(("127.0.0.1", 0))
        return self.s.getsockname()[1]

    def __exit__(self, *exc):
        self.s.close()


class Receiver(HttpReceiver):
    """An HL7-over-HTTP endpoint on loopback recording the MSH-10 of what it accepted."""

    def __init__(self, port=0, tls=False):
        self.got = []
        context = mllp.server_context(str(TESTS / "tls" / "server.crt"), str(TESTS / "tls" / "server.key")) if tls else None
        super().__init__(lambda m: self.got.append(m.get("MSH-10")), port, context)


def test_bridge_mllp_to_http_survives_a_kill_and_loses_nothing(tmp_path):
    spool = tmp_path / "spool.sqlite"
    with socket_port() as http_port:
        pass
    ids = [f"B{i}" for i in range(100)]

    def bridge(count=None):
        args = ["bridge", "--from", "mllp://127.0.0.1:0", "--to", f"http://127.0.0.1:{http_port}/hl7", "--spool", str(spool)]
        proc = subprocess.Popen(PIPEHAT + args + (["--count", str(count)] if count else []), stderr=subprocess.PIPE, text=True)
        return proc, int(started(proc, r"bridge listening scheme=mllp port=(\d+)").group(1))

    # The destination is down: every message is acknowledged once spooled.
    first, port = bridge()
    with mllp.Client("127.0.0.1", port, timeout=10) as c:
        for i in ids[:60]:
            assert c.send(msg(i)).get("MSA-1") == "AA"
    first.kill()  # no goodbye: whatever is spooled must survive
    first.wait(10)
    assert sqlite3.connect(spool).execute("SELECT COUNT(*) FROM spool").fetchone()[0] == 60
    receiver = Receiver(http_port)
    try:
        second, port = bridge(count=100)
        with mllp.Client("127.0.0.1", port, timeout=10) as c:
            for i in ids[60:]:
                assert c.send(msg(i)).get("MSA-1") == "AA"
        assert second.wait(60) == 0
    finally:
        receiver.close()
    assert receiver.got == ids  # all of them, once each, in order
    assert sqlite3.connect(spool).execute("SELECT COUNT(*) FROM spool").fetchone()[0] == 0


def test_bridge_http_to_mllp_with_a_rejection_kept_aside(tmp_path):
    got = []

    def handler(m):
        got.append(m.get("MSH-10"))

    server = Background(handler, strict=True)
    spool = tmp_path / "spool.sqlite"
    proc = subprocess.Popen(
        PIPEHAT + ["bridge", "--from", "http://127.0.0.1:0", "--to", f"mllp://127.0.0.1:{server.port}", "--spool", str(spool), "--count", "9"],
        stderr=subprocess.PIPE, text=True,
    )
    port = int(started(proc, r"bridge listening scheme=http port=(\d+)").group(1))
    try:
        for i in range(10):
            # H5 has a malformed escape: the strict receiver answers AR, the bridge keeps it aside.
            body = msg(f"H{i}") + ("NTE|1||\\Q\\\r" if i == 5 else "")
            request = urllib.request.Request(f"http://127.0.0.1:{port}/", data=body.encode(), method="POST",
                                             headers={"content-type": "application/hl7-v2"})
            with urllib.request.urlopen(request, timeout=10) as r:
                assert r.status == 200 and pipehat.parse(r.read()).get("MSA-1") == "AA"
        assert proc.wait(60) == 0
    finally:
        server.close()
    assert got == [f"H{i}" for i in range(10) if i != 5]
    dead = sqlite3.connect(spool).execute("SELECT code FROM dead").fetchall()
    assert dead == [("AR",)]
    assert os.path.getsize(spool) > 0


def test_bridge_mllp_over_tls_to_https(tmp_path):
    tls = TESTS / "tls"
    receiver = Receiver(tls=True)
    proc = subprocess.Popen(
        PIPEHAT + ["bridge", "--from", "mllps://127.0.0.1:0", "--to", f"https://localhost:{receiver.port}/hl7",
                   "--spool", str(tmp_path / "spool.sqlite"), "--count", "5",
                   "--tls-cert", str(tls / "server.crt"), "--tls-key", str(tls / "server.key"), "--to-ca", str(tls / "ca.crt")],
        stderr=subprocess.PIPE, text=True,
    )
    port = int(started(proc, r"bridge listening scheme=mllps port=(\d+)").group(1))
    try:
        with mllp.Client("localhost", port, ssl=mllp.client_context(ca=str(tls / "ca.crt")), timeout=10) as c:
            for i in range(5):
                assert c.send(msg(f"S{i}")).get("MSA-1") == "AA"
        assert proc.wait(60) == 0
    finally:
        receiver.close()
    assert receiver.got == [f"S{i}" for i in range(5)]
