"""MLLP and HL7-over-HTTP throughput: pipehat against the Python MLLP
libraries, server and client on this machine. Each contender runs alone in
its own process, the contenders alternate, over several rounds; the table
gives medians and ranges. The first tenth of each run's messages warms up
and is not timed. Not a test.

    python python/bench/mllp.py [--rounds 3] [--messages 5000]

Messages: the shared workload's adt.hl7 (ADT^A01, each with its own MSH-10).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import pathlib
import resource
import socket
import statistics
import subprocess
import sys
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATA = pathlib.Path(os.environ.get("PIPEHAT_BENCH_DATA", ROOT / "target" / "bench-data"))
TLS = ROOT / "tests" / "tls"


def messages(n):
    path = DATA / "adt.hl7"
    if not path.exists():
        DATA.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, str(ROOT.parent / "shared" / "bench" / "make_workload.py"), str(DATA)], check=True)
    text = path.read_bytes()
    return [m for m in text.split(b"\n") if m.startswith(b"MSH")][:n]


async def timed(all_messages, send, in_flight=1):
    warm = len(all_messages) // 10
    for m in all_messages[:warm]:
        await send(m)
    todo = list(all_messages[warm:])
    latencies = []

    async def worker():
        while todo:
            m = todo.pop(0)
            t = time.perf_counter()
            await send(m)
            latencies.append(time.perf_counter() - t)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(in_flight)))
    return time.perf_counter() - started, latencies


async def pipehat_async(msgs, in_flight=1, tls=False):
    import pipehat.mllp as mllp

    server_ssl = mllp.server_context(str(TLS / "server.crt"), str(TLS / "server.key")) if tls else None
    client_ssl = mllp.client_context(ca=str(TLS / "ca.crt")) if tls else None
    server = await mllp.serve(lambda m: None, "127.0.0.1", 0, ssl=server_ssl)
    async with server:
        client = await mllp.connect("localhost" if tls else "127.0.0.1", server.port, ssl=client_ssl, max_in_flight=in_flight)
        result = await timed(msgs, client.send, in_flight)
        await client.close()
    return result


async def pipehat_blocking(msgs):
    import pipehat.mllp as mllp

    server = await mllp.serve(lambda m: None, "127.0.0.1", 0)
    async with server:
        def run():
            with mllp.Client("127.0.0.1", server.port) as client:
                warm = len(msgs) // 10
                for m in msgs[:warm]:
                    client.send(m)
                latencies = []
                started = time.perf_counter()
                for m in msgs[warm:]:
                    t = time.perf_counter()
                    client.send(m)
                    latencies.append(time.perf_counter() - t)
                return time.perf_counter() - started, latencies

        return await asyncio.to_thread(run)


async def python_hl7(msgs):
    import hl7
    import hl7.mllp

    async def on_connection(reader, writer):
        try:
            while True:
                message = await reader.readmessage()
                writer.writemessage(message.create_ack())
                await writer.drain()
        except asyncio.IncompleteReadError:
            writer.close()

    server = await hl7.mllp.start_hl7_server(on_connection, "127.0.0.1", 0, encoding="utf-8")
    port = server.sockets[0].getsockname()[1]
    async with server:
        reader, writer = await hl7.mllp.open_hl7_connection("127.0.0.1", port, encoding="utf-8")

        async def send(m):
            writer.writemessage(hl7.parse(m.decode("utf-8")))
            await writer.drain()
            await reader.readmessage()

        result = await timed(msgs, send)
        writer.close()
    return result


async def hl7apy_server(msgs):
    # hl7apy has a server only (one message per connection); the client here
    # is a plain socket, so that the figure is hl7apy's.
    from hl7apy.mllp import AbstractHandler, MLLPServer

    import pipehat

    class Handler(AbstractHandler):
        def reply(self):
            return pipehat.mllp_encode(bytes(pipehat.parse(self.incoming_message).ack())).decode()

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = MLLPServer("127.0.0.1", port, {"ADT^A01": (Handler,)})
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def run():
        warm = len(msgs) // 10
        latencies = []
        started = 0.0
        for i, m in enumerate(msgs):
            if i == warm:
                started = time.perf_counter()
            t = time.perf_counter()
            with socket.create_connection(("127.0.0.1", port)) as c:
                c.sendall(b"\x0b" + m + b"\x1c\r")
                data = b""
                while not data.endswith(b"\x1c\r"):
                    chunk = c.recv(65536)
                    if not chunk:
                        break
                    data += chunk
            if i >= warm:
                latencies.append(time.perf_counter() - t)
        return time.perf_counter() - started, latencies

    try:
        return await asyncio.to_thread(run)
    finally:
        server.shutdown()
        server.server_close()


async def http_endpoint(msgs, hl7=True):
    import http.client

    from pipehat.bridge import _http_server

    if hl7:
        server = _http_server(lambda m: None, "127.0.0.1", 0, None, False)
    else:
        import http.server

        class Fixed(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True
            body = b"MSH|^~\\&|A|B|||20240115||ACK|1|P|2.5\rMSA|AA|1\r"

            def do_POST(self):
                self.rfile.read(int(self.headers["content-length"]))
                self.send_response(200)
                self.send_header("content-type", "application/hl7-v2")
                self.send_header("content-length", str(len(self.body)))
                self.end_headers()
                self.wfile.write(self.body)

            def log_message(self, *a):
                return

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Fixed)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]

    def run():
        conn = http.client.HTTPConnection("127.0.0.1", port)
        warm = len(msgs) // 10
        latencies = []
        started = 0.0
        for i, m in enumerate(msgs):
            if i == warm:
                started = time.perf_counter()
            t = time.perf_counter()
            conn.request("POST", "/", body=m, headers={"content-type": "application/hl7-v2"})
            conn.getresponse().read()
            if i >= warm:
                latencies.append(time.perf_counter() - t)
        conn.close()
        return time.perf_counter() - started, latencies

    try:
        return await asyncio.to_thread(run)
    finally:
        server.shutdown()
        server.server_close()


CONTENDERS = {
    "pipehat asyncio (stop-and-wait)": lambda m: pipehat_async(m),
    "pipehat asyncio (32 in flight)": lambda m: pipehat_async(m, in_flight=32),
    "pipehat over TLS": lambda m: pipehat_async(m, tls=True),
    "pipehat blocking client": pipehat_blocking,
    "python-hl7 0.4.5 (asyncio server and client)": python_hl7,
    "hl7apy 1.3.5 MLLPServer (a connection per message)": hl7apy_server,
    "pipehat HL7 over HTTP (http.server)": lambda m: http_endpoint(m, True),
    "bare http.server (fixed reply)": lambda m: http_endpoint(m, False),
}


def child(name, n):
    msgs = messages(n)
    seconds, latencies = asyncio.run(CONTENDERS[name](msgs))
    latencies.sort()
    at = lambda q: latencies[min(len(latencies) - 1, int(len(latencies) * q))] * 1000  # noqa: E731
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"rate": len(latencies) / seconds, "p50": at(0.5), "p99": at(0.99), "rss": rss, "n": len(msgs)}))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--messages", type=int, default=5000)
    ap.add_argument("--child")
    args = ap.parse_args()
    if args.child:
        return child(args.child, args.messages)
    results = {name: [] for name in CONTENDERS}
    for _ in range(args.rounds):
        for name in CONTENDERS:
            r = subprocess.run([sys.executable, __file__, "--child", name, "--messages", str(args.messages)],
                               capture_output=True, text=True, timeout=600)
            try:
                results[name].append(json.loads(r.stdout.strip().splitlines()[-1]))
            except (IndexError, json.JSONDecodeError):
                print(f"{name}: no result ({r.returncode}) {r.stderr[-300:]}", file=sys.stderr)
    print(f"Python {sys.version.split()[0]}, {args.rounds} rounds, each contender alone in its own process; "
          "messages/s median (range), latency p50/p99 ms, peak RSS MB")
    print("| contender | messages/s | p50 ms | p99 ms | RSS MB |")
    print("|---|---|---|---|---|")
    for name, rs in results.items():
        if not rs:
            continue
        rates = [r["rate"] for r in rs]
        med = lambda k: statistics.median(r[k] for r in rs)  # noqa: E731
        print(f"| {name} ({rs[0]['n']} msgs) | {statistics.median(rates):,.0f} ({min(rates):,.0f}–{max(rates):,.0f}) "
              f"| {med('p50'):.3f} | {med('p99'):.3f} | {med('rss'):,.0f} |")


if __name__ == "__main__":
    main()
