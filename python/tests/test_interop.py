"""pipehat against real peers from PyPI, both directions where they have
both ends, on loopback: python-hl7 (hl7 0.4.5: its asyncio client and
server, and mllp_send), hl7apy 1.3.5's MLLPServer, mllp-http 1.1.4
(mllp2http; its http2mllp 1.1.4 cannot start: its command line reads an
option it never defines), and openssl s_client and stunnel4 for TLS. Bounded in count and
time; every process is stopped at the end."""

import asyncio
import pathlib
import shutil
import socket
import subprocess
import sys
import threading
import time

import hl7
import hl7.mllp
import pytest
from hl7apy.mllp import AbstractHandler, MLLPServer

import pipehat
import pipehat.mllp as mllp

from conftest import TESTS, HttpReceiver

TLS = TESTS / "tls"
BIN = pathlib.Path(sys.executable).parent


def msg(control_id, kind="ADT^A01"):
    return f"MSH|^~\\&|LAB|HOSP|EHR|CLINIC|20240115083000||{kind}|{control_id}|P|2.5\rPID|1||{control_id}^^^HOSP^MR\r"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, limit=15):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"nothing listens on {port}")


def server_tls():
    return mllp.server_context(str(TLS / "server.crt"), str(TLS / "server.key"))


def client_tls():
    return mllp.client_context(ca=str(TLS / "ca.crt"))


def run(coro, limit=60):
    return asyncio.run(asyncio.wait_for(coro, limit))


@pytest.mark.parametrize("secure", [False, True], ids=["plain", "tls"])
def test_python_hl7_client_to_pipehat_server(secure):
    async def main():
        got = []
        server = await mllp.serve(lambda m: got.append(m["MSH-10"]), ssl=server_tls() if secure else None)
        async with server:
            extra = {"ssl": client_tls(), "server_hostname": "localhost"} if secure else {}
            reader, writer = await hl7.mllp.open_hl7_connection("127.0.0.1", server.port, **extra)
            for i in range(20):
                writer.writemessage(hl7.parse(msg(f"P{i}")))
                await writer.drain()
                ack = await asyncio.wait_for(reader.readmessage(), 10)
                assert (str(ack.segment("MSA")[1]), str(ack.segment("MSA")[2])) == ("AA", f"P{i}")
            writer.close()
        assert got == [f"P{i}" for i in range(20)]

    run(main())


@pytest.mark.parametrize("secure", [False, True], ids=["plain", "tls"])
def test_pipehat_client_to_python_hl7_server(secure):
    async def main():
        got = []

        async def on_connection(reader, writer):
            try:
                while not writer.is_closing():
                    message = await reader.readmessage()
                    got.append(str(message.segment("MSH")[10]))
                    writer.writemessage(message.create_ack())
                    await writer.drain()
            except asyncio.IncompleteReadError:
                writer.close()

        server = await hl7.mllp.start_hl7_server(on_connection, "127.0.0.1", 0, ssl=server_tls() if secure else None)
        port = server.sockets[0].getsockname()[1]
        async with server:
            client = await mllp.connect("localhost" if secure else "127.0.0.1", port, ssl=client_tls() if secure else None)
            for i in range(20):
                ack = await client.send(msg(f"Q{i}"))
                assert (ack["MSA-1"], ack["MSA-2"]) == ("AA", f"Q{i}")
            await client.close()
        assert got == [f"Q{i}" for i in range(20)]

    run(main())


def test_python_hl7_mllp_send_to_pipehat_server(tmp_path):
    async def main():
        got = []
        server = await mllp.serve(lambda m: got.append(m["MSH-10"]))
        async with server:
            f = tmp_path / "in.hl7"
            f.write_bytes(pipehat.mllp_encode(msg("CLI1")))  # mllp_send reads a file of MLLP frames
            proc = await asyncio.create_subprocess_exec(
                str(BIN / "mllp_send"), "--port", str(server.port), "-f", str(f), "127.0.0.1",
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            )
            out, err = await asyncio.wait_for(proc.communicate(), 30)
            assert proc.returncode == 0, err
        assert got == ["CLI1"]
        assert "MSA|AA|CLI1" in out.decode().replace("\r", "\n")

    run(main())


def test_pipehat_client_to_hl7apy_server():
    got = []

    class Handler(AbstractHandler):
        def reply(self):
            message = pipehat.parse(self.incoming_message)
            got.append(message["MSH-10"])
            # hl7apy handlers return the reply framed (to_mllp()); its server
            # closes each connection after one message: the client reconnects.
            return pipehat.mllp_encode(bytes(message.ack(code="AA"))).decode()

    port = free_port()
    server = MLLPServer("127.0.0.1", port, {"ADT^A01": (Handler,)})
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with mllp.Client("127.0.0.1", port, timeout=10) as client:
            for i in range(20):
                ack = client.send(msg(f"H{i}"))
                assert (ack["MSA-1"], ack["MSA-2"]) == ("AA", f"H{i}")
    finally:
        server.shutdown()
        server.server_close()
    assert got == [f"H{i}" for i in range(20)]


def test_pipehat_client_to_mllp2http_to_pipehat_http():
    got = []
    endpoint = HttpReceiver(lambda m: got.append(m["MSH-10"]))
    port = free_port()
    proxy = subprocess.Popen([str(BIN / "mllp2http"), "-H", "127.0.0.1", "-p", str(port), f"http://127.0.0.1:{endpoint.port}/"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(port)
        with mllp.Client("127.0.0.1", port, timeout=10) as client:
            for i in range(10):
                ack = client.send(msg(f"M{i}"))
                assert (ack["MSA-1"], ack["MSA-2"]) == ("AA", f"M{i}")
    finally:
        proxy.terminate()
        proxy.wait(10)
        endpoint.close()
    assert got == [f"M{i}" for i in range(10)]


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
@pytest.mark.parametrize("version", ["-tls1_2", "-tls1_3"])
def test_openssl_s_client_to_pipehat_tls_server(version):
    async def main():
        server = await mllp.serve(lambda m: None, ssl=server_tls())
        async with server:
            proc = await asyncio.create_subprocess_exec(
                "openssl", "s_client", "-connect", f"127.0.0.1:{server.port}", "-servername", "localhost",
                "-CAfile", str(TLS / "ca.crt"), version, "-quiet", "-verify_return_error",
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            )
            proc.stdin.write(pipehat.mllp_encode(msg("SSL1")))
            await proc.stdin.drain()
            decoder, frames = pipehat.MllpDecoder(), []
            deadline = time.monotonic() + 10
            while not frames and time.monotonic() < deadline:
                data = await asyncio.wait_for(proc.stdout.read(4096), 10)
                if not data:
                    break
                frames += decoder.push(data)
            proc.stdin.close()
            proc.kill()
            await proc.wait()
        assert [pipehat.parse(f)["MSA-2"] for f in frames] == ["SSL1"]

    run(main())


def stunnel(tmp_path, service, port, **options):
    """stunnel (Debian's stunnel4) in the foreground with one service; stopped by the caller."""
    conf = tmp_path / f"{service}.conf"
    lines = ["foreground = yes", "pid =", "debug = 3", f"[{service}]", f"accept = 127.0.0.1:{port}"]
    lines += [f"{k} = {v}" for k, v in options.items()]
    conf.write_text("\n".join(lines) + "\n")
    proc = subprocess.Popen([shutil.which("stunnel4") or "stunnel", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(port)
    return proc


@pytest.mark.skipif(shutil.which("stunnel4") is None and shutil.which("stunnel") is None, reason="make test-python installs stunnel4")
def test_stunnel_both_ways(tmp_path):
    async def main():
        got = []
        plain = await mllp.serve(lambda m: got.append(m["MSH-10"]))
        secure = await mllp.serve(lambda m: got.append(m["MSH-10"]), ssl=server_tls())
        loop = asyncio.get_running_loop()
        # stunnel terminates TLS in front of pipehat's plain server: pipehat's TLS client talks to it.
        front, front_port = None, free_port()
        # stunnel as a TLS client in front of pipehat's TLS server: pipehat's plain client talks to it.
        back, back_port = None, free_port()
        try:
            front = await loop.run_in_executor(None, lambda: stunnel(
                tmp_path, "front", front_port, connect=f"127.0.0.1:{plain.port}",
                cert=str(TLS / "server.crt"), key=str(TLS / "server.key")))
            back = await loop.run_in_executor(None, lambda: stunnel(
                tmp_path, "back", back_port, client="yes", connect=f"127.0.0.1:{secure.port}",
                CAfile=str(TLS / "ca.crt"), verifyChain="yes", checkHost="localhost"))
            tls_client = await mllp.connect("localhost", front_port, ssl=client_tls())
            plain_client = await mllp.connect("127.0.0.1", back_port)
            for i in range(10):
                assert (await tls_client.send(msg(f"F{i}")))["MSA-2"] == f"F{i}"
                assert (await plain_client.send(msg(f"K{i}")))["MSA-2"] == f"K{i}"
            await tls_client.close()
            await plain_client.close()
        finally:
            for proc in (front, back):
                if proc is not None:
                    proc.terminate()
                    proc.wait(10)
            await plain.close()
            await secure.close()
        assert sorted(got) == sorted([f"F{i}" for i in range(10)] + [f"K{i}" for i in range(10)])

    run(main())
