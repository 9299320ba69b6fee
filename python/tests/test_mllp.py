"""pipehat.mllp over loopback: round trips, faults, limits and TLS (the
same behaviours npm/test/mllp.test.mjs checks in Node). Every test binds
127.0.0.1, sends a bounded number of messages and closes what it opened."""

import asyncio
import random
import socket
import ssl
import threading
import time

import pytest

import pipehat
import pipehat.mllp as mllp

from conftest import TESTS

TLS = TESTS / "tls"


def msg(control_id, extra=""):
    return f"MSH|^~\\&|LAB|HOSP|EHR|CLINIC|20240115083000||ADT^A01|{control_id}|P|2.5.1{extra}\rPID|1||{control_id}^^^HOSP^MR\r"


def run(coro, limit=60):
    return asyncio.run(asyncio.wait_for(coro, limit))


async def serve(handler, **options):
    issues = []
    server = await mllp.serve(
        handler, "127.0.0.1", 0, on_event=lambda e: e["event"] == "issue" and issues.append(e["code"]), **options
    )
    return server, issues


async def raw(port, chunks, wait=0.3, pause=0.0):
    """Writes chunks on a plain socket; returns (ACK messages, closed by the server)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    for c in chunks:
        writer.write(c)
        if pause:
            await asyncio.sleep(pause)
    await writer.drain()
    decoder = pipehat.MllpDecoder()
    frames, closed = [], False
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            data = await asyncio.wait_for(reader.read(65536), max(0.01, deadline - time.monotonic()))
        except asyncio.TimeoutError:
            break
        except ConnectionError:
            closed = True
            break
        if not data:
            closed = True
            break
        frames += [pipehat.parse(f) for f in decoder.push(data)]
    writer.close()
    return frames, closed


def test_round_trip_and_the_handler_sees_the_message():
    async def main():
        seen = []
        server, _ = await serve(lambda m: seen.append(m.get("PID-3.1")))
        async with server:
            async with await mllp.connect("127.0.0.1", server.port) as client:
                ack = await client.send(msg("A1"))
        assert (ack.get("MSA-1"), ack.get("MSA-2"), ack.get("MSH-9")) == ("AA", "A1", "ACK^A01^ACK")
        assert seen == ["A1"]

    run(main())


def test_a_coroutine_handler_and_its_reply():
    async def handler(m):
        await asyncio.sleep(0)
        if m.get("MSH-10") == "T":
            return m.ack(code="AE", text="not today")
        return "MSH|^~\\&|X|Y|||||ACK|Z|P|2.5\rMSA|AA|M\r"

    async def main():
        server, _ = await serve(handler)
        async with server:
            client = await mllp.connect("127.0.0.1", server.port)
            assert (await client.send(msg("T"))).get("MSA-3") == "not today"
            assert (await client.send(msg("M"))).get("MSH-10") == "Z"
            await client.close()

    run(main())


def test_a_handler_that_raises_or_hangs_gets_an_ae_and_the_server_goes_on():
    async def handler(m):
        if m.get("MSH-10") == "RAISE":
            raise RuntimeError("boom with PHI that must not leak")
        if m.get("MSH-10") == "HANG":
            await asyncio.sleep(5)

    async def main():
        server, issues = await serve(handler, handler_timeout=0.1)
        async with server:
            client = await mllp.connect("127.0.0.1", server.port)
            failed = await client.send(msg("RAISE"))
            assert (failed.get("MSA-1"), failed.get("ERR-3.1"), failed.get("ERR-7")) == ("AE", "207", "handler_failed")
            assert b"PHI" not in bytes(failed)
            hung = await client.send(msg("HANG"))
            assert (hung.get("MSA-1"), hung.get("ERR-7")) == ("AE", "handler_timeout")
            assert (await client.send(msg("OK"))).get("MSA-1") == "AA"
            await client.close()
        assert issues == ["handler_failed", "handler_timeout"]

    run(main())


def test_framing_whole_byte_by_byte_random_pieces_and_garbage():
    stream = pipehat.mllp_encode(msg("F1")) + b"\r\nnoise" + pipehat.mllp_encode(msg("F2")) + pipehat.mllp_encode(msg("F3"))
    rng = random.Random(11)
    pieces, at = [], 0
    while at < len(stream):
        n = rng.randint(1, 23)
        pieces.append(stream[at : at + n])
        at += n
    ways = {"whole": [stream], "bytes": [bytes([b]) for b in stream], "pieces": pieces}

    async def main():
        got = []
        server, _ = await serve(lambda m: got.append(m.get("MSH-10")))
        async with server:
            for way, chunks in ways.items():
                got.clear()
                frames, _ = await raw(server.port, chunks, wait=0.4)
                assert got == ["F1", "F2", "F3"], way
                assert [f.get("MSA-2") for f in frames] == ["F1", "F2", "F3"], way

    run(main())


def test_a_10_mb_message_arrives_whole():
    body = "QUJD" * (10 * 1024 * 1024 // 4)

    async def main():
        sizes = []
        server, _ = await serve(lambda m: sizes.append(len(m.get("OBX-5.5"))))
        async with server:
            client = await mllp.connect("127.0.0.1", server.port)
            ack = await client.send(msg("BIG") + f"OBX|1|ED|PDF||^AP^PDF^Base64^{body}\r")
            await client.close()
        assert ack.get("MSA-1") == "AA" and sizes == [len(body)]

    run(main())


def test_unparsable_frames_get_an_ar_when_their_msh_is_readable():
    async def main():
        server, issues = await serve(lambda m: None, strict=True)
        async with server:
            chunks = [pipehat.mllp_encode(msg("BAD") + "NTE|1||\\Q\\\r"), pipehat.mllp_encode("PID|1||42\r"), pipehat.mllp_encode(msg("GOOD"))]
            frames, _ = await raw(server.port, chunks)
        assert [(f.get("MSA-1"), f.get("MSA-2")) for f in frames] == [("AR", "BAD"), ("AA", "GOOD")]
        assert issues == ["malformed_escape", "missing_header", "unreadable_frame"]

    run(main())


def test_a_frame_over_the_limit_closes_its_connection_only():
    async def main():
        server, issues = await serve(lambda m: None, max_frame_size=1000)
        async with server:
            frames, closed = await raw(server.port, [pipehat.mllp_encode(msg("X") + "NTE|1||" + "x" * 2000 + "\r")])
            assert (frames, closed) == ([], True)
            client = await mllp.connect("127.0.0.1", server.port)
            assert (await client.send(msg("after"))).get("MSA-1") == "AA"
            await client.close()
        assert issues == ["frame_too_large"]

    run(main())


def test_random_bytes_and_a_client_killed_mid_frame():
    async def main():
        handled = []
        server, _ = await serve(lambda m: handled.append(1), max_frame_size=1 << 20)
        async with server:
            junk = random.Random(3).randbytes(10 << 20)
            await raw(server.port, [junk], wait=0.5)
            count = len(handled)
            await raw(server.port, [pipehat.mllp_encode(msg("HALF"))[:40]], wait=0.05)
            await asyncio.sleep(0.1)
            assert len(handled) == count
            client = await mllp.connect("127.0.0.1", server.port)
            assert (await client.send(msg("alive"))).get("MSA-1") == "AA"
            await client.close()
        assert count <= 2, f"random bytes made {count} messages"

    run(main())


def test_frame_and_idle_timeouts():
    async def main():
        server, issues = await serve(lambda m: None, frame_timeout=0.15, idle_timeout=0.3)
        async with server:
            _, slow_closed = await raw(server.port, [b"\x0b", b"MSH|"], wait=0.6, pause=0.01)
            _, idle_closed = await raw(server.port, [], wait=0.7)
        assert slow_closed and idle_closed
        assert sorted(issues) == ["frame_timeout", "idle_timeout"]

    run(main())


def test_max_connections_and_public_addresses():
    async def main():
        server, issues = await serve(lambda m: None, max_connections=2)
        async with server:
            held = [await asyncio.open_connection("127.0.0.1", server.port) for _ in range(2)]
            await asyncio.sleep(0.05)
            frames, closed = await raw(server.port, [pipehat.mllp_encode(msg("3"))])
            assert (frames, closed) == ([], True)
            for _, w in held:
                w.close()
        assert issues == ["too_many_connections"]
        with pytest.raises(pipehat.TransportError) as e:
            await mllp.serve(lambda m: None, "0.0.0.0", 0)
        assert e.value.code == "public_address"

    run(main())


async def fake_peer(answer):
    """A peer whose `answer(messages_so_far, writer)` decides what to send back."""

    async def handle(reader, writer):
        decoder, seen = pipehat.MllpDecoder(), []
        while data := await reader.read(65536):
            for f in decoder.push(data):
                seen.append(pipehat.parse(f))
                await answer(seen, writer)
        writer.close()

    return await asyncio.start_server(handle, "127.0.0.1", 0)


def test_a_late_ack_is_never_taken_for_the_next_message():
    async def answer(seen, writer):
        if len(seen) == 2:
            writer.write(pipehat.mllp_encode(bytes(seen[0].ack(control_id="L1"))))
            await asyncio.sleep(0.02)
            writer.write(pipehat.mllp_encode(bytes(seen[1].ack(control_id="L2"))))

    async def main():
        peer = await fake_peer(answer)
        port = peer.sockets[0].getsockname()[1]
        issues = []
        client = await mllp.connect("127.0.0.1", port, ack_timeout=0.1, on_event=lambda e: issues.append((e["code"], e.get("control_id"))))
        with pytest.raises(pipehat.TransportTimeoutError) as e:
            await client.send(msg("FIRST"))
        assert e.value.code == "ack_timeout"
        assert (await client.send(msg("SECOND"))).get("MSA-2") == "SECOND"
        assert issues == [("unmatched_ack", "FIRST")]
        await client.close()
        peer.close()

    run(main())


def test_pipelined_500_messages_acks_out_of_order_each_matched():
    async def answer(seen, writer):
        if len(seen) % 4 == 0:
            for m in reversed(seen[-4:]):
                writer.write(pipehat.mllp_encode(bytes(m.ack())))

    async def main():
        peer = await fake_peer(answer)
        port = peer.sockets[0].getsockname()[1]
        client = await mllp.connect("127.0.0.1", port, max_in_flight=32, ack_timeout=5)
        ids = [f"P{i}" for i in range(500)]
        acks = await asyncio.gather(*(client.send(msg(i)) for i in ids))
        assert [a.get("MSA-2") for a in acks] == ids
        await client.close()
        peer.close()

    run(main())


def test_duplicates_in_flight_missing_control_ids_and_closed_clients():
    async def main():
        server, _ = await serve(lambda m: asyncio.sleep(0.1))
        async with server:
            client = await mllp.connect("127.0.0.1", server.port, max_in_flight=4)
            first = asyncio.ensure_future(client.send(msg("SAME")))
            await asyncio.sleep(0.01)
            for message, code in [(msg("SAME"), "duplicate_in_flight"), ("MSH|^~\\&|A|B|||||ADT^A01||P|2.5\r", "no_control_id")]:
                with pytest.raises(pipehat.TransportError) as e:
                    await client.send(message)
                assert e.value.code == code
            assert (await first).get("MSA-1") == "AA"
            await client.close()
            with pytest.raises(pipehat.TransportConnectionError) as e:
                await client.send(msg("late"))
            assert e.value.code == "closed"

    run(main())


def test_server_restarts_while_a_client_sends_2000_messages():
    async def main():
        handled = {}

        def handler(m):
            handled[m.get("MSH-10")] = handled.get(m.get("MSH-10"), 0) + 1

        server = await mllp.serve(handler, "127.0.0.1", 0)
        port = server.port
        client = await mllp.connect("127.0.0.1", port, reconnect_min=0.02, reconnect_max=0.2, reconnect_attempts=20)
        restarts = 0
        for i in range(2000):
            if i % 500 == 250:
                await server.close(drain_timeout=0)
                server = await mllp.serve(handler, "127.0.0.1", port)
                restarts += 1
            assert (await client.send(msg(f"R{i}"))).get("MSA-2") == f"R{i}"
        assert restarts == 4 and len(handled) == 2000
        assert sum(1 for n in handled.values() if n > 1) <= restarts
        await client.close()
        await server.close()

    run(main(), limit=120)


def test_close_drains_a_running_handler():
    async def main():
        server, _ = await serve(lambda m: asyncio.sleep(0.2))
        client = await mllp.connect("127.0.0.1", server.port)
        pending = asyncio.ensure_future(client.send(msg("DRAIN")))
        await asyncio.sleep(0.05)
        closing = asyncio.ensure_future(server.close())
        assert (await pending).get("MSA-1") == "AA"
        await closing
        await client.close()

    run(main())


def test_enhanced_mode_release_2_and_duplicate_suppression():
    async def main():
        server, _ = await serve(lambda m: m.ack(code="AA"))
        async with server:
            commit = await mllp.connect("127.0.0.1", server.port)
            assert (await commit.send(msg("E1", "|||AL|AL"))).get("MSA-1") == "CA"
            await commit.close()
            app = await mllp.connect("127.0.0.1", server.port, application_ack=True)
            assert (await app.send(msg("E2", "|||AL|AL"))).get("MSA-1") == "AA"
            await app.close()

        def refuse(m):
            if m.get("MSH-10") == "NO":
                raise RuntimeError("refused")

        r2, _ = await serve(refuse, mllp_release2=True)
        async with r2:
            client = await mllp.connect("127.0.0.1", r2.port)
            assert await client.send(msg("YES")) is None
            with pytest.raises(pipehat.TransportError) as e:
                await client.send(msg("NO"))
            assert e.value.code == "negative_commit"
            await client.close()

        calls = []
        dedup, _ = await serve(lambda m: calls.append(1), replay=100)
        async with dedup:
            client = await mllp.connect("127.0.0.1", dedup.port)
            a, b = await client.send(msg("DUP")), await client.send(msg("DUP"))
            await client.close()
        assert bytes(a) == bytes(b) and len(calls) == 1

    run(main())


def test_200_slow_connections_do_not_hold_up_a_normal_client():
    async def main():
        server, _ = await serve(lambda m: None, frame_timeout=10)
        async with server:
            slow = [await asyncio.open_connection("127.0.0.1", server.port) for _ in range(200)]
            frame = pipehat.mllp_encode(msg("SLOW"))
            stop = asyncio.Event()

            async def drip():
                for at in range(20):
                    if stop.is_set():
                        break
                    for _, w in slow:
                        w.write(frame[at : at + 1])
                    await asyncio.sleep(0.1)

            dripping = asyncio.ensure_future(drip())
            client = await mllp.connect("127.0.0.1", server.port)
            times = []
            for i in range(200):
                t = time.perf_counter()
                await client.send(msg(f"N{i}"))
                times.append(time.perf_counter() - t)
            stop.set()
            await dripping
            for _, w in slow:
                w.close()
            await client.close()
        p99 = sorted(times)[int(len(times) * 0.99)]
        assert p99 < 0.25, f"p99 {p99 * 1000:.1f} ms"

    run(main())


def test_the_blocking_client():
    async def main():
        server, _ = await serve(lambda m: None)
        async with server:

            def script():
                with mllp.Client("127.0.0.1", server.port, timeout=5) as c:
                    return [c.send(msg(f"B{i}")).get("MSA-2") for i in range(50)]

            assert await asyncio.get_running_loop().run_in_executor(None, script) == [f"B{i}" for i in range(50)]

    run(main())


def test_the_blocking_client_times_out_and_skips_a_late_ack():
    # A peer that answers the first message late, then each message at once.
    def peer(listener):
        conn, _ = listener.accept()
        decoder, first = pipehat.MllpDecoder(), None
        with conn:
            while data := conn.recv(65536):
                for f in decoder.push(data):
                    m = pipehat.parse(f)
                    if first is None:
                        first = m
                        continue
                    conn.sendall(pipehat.mllp_encode(bytes(first.ack())) + pipehat.mllp_encode(bytes(m.ack())))

    listener = socket.create_server(("127.0.0.1", 0))
    thread = threading.Thread(target=peer, args=(listener,), daemon=True)
    thread.start()
    with mllp.Client("127.0.0.1", listener.getsockname()[1], timeout=0.2) as c:
        with pytest.raises(pipehat.TransportTimeoutError):
            c.send(msg("FIRST"))
        assert c.send(msg("SECOND")).get("MSA-2") == "SECOND"
    thread.join(5)
    listener.close()


def server_tls(**kw):
    return mllp.server_context(str(TLS / "server.crt"), str(TLS / "server.key"), **kw)


def client_tls(name=None, version=None):
    ctx = mllp.client_context(
        ca=str(TLS / "ca.crt"),
        cert=str(TLS / f"{name}.crt") if name else None,
        key=str(TLS / f"{name}.key") if name else None,
    )
    if version is not None:
        ctx.minimum_version = ctx.maximum_version = version
    return ctx


def test_tls_1_2_and_1_3():
    async def main():
        server, _ = await serve(lambda m: None, ssl=server_tls())
        async with server:
            for version in (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3):
                client = await mllp.connect("localhost", server.port, ssl=client_tls(version=version))
                assert (await client.send(msg(version.name))).get("MSA-2") == version.name
                await client.close()
            # The blocking client too.
            def script():
                with mllp.Client("localhost", server.port, ssl=client_tls(), timeout=5) as c:
                    return c.send(msg("BLOCKING")).get("MSA-1")

            assert await asyncio.get_running_loop().run_in_executor(None, script) == "AA"

    run(main())


def test_mutual_tls_refuses_missing_expired_and_wrong_ca_certificates():
    async def main():
        server, _ = await serve(lambda m: None, ssl=server_tls(ca=str(TLS / "ca.crt"), require_client_cert=True))
        async with server:
            ok = await mllp.connect("localhost", server.port, ssl=client_tls("client"))
            assert (await ok.send(msg("MTLS"))).get("MSA-1") == "AA"
            await ok.close()
            for name in (None, "client-expired", "client-other"):
                c = mllp.AsyncClient("localhost", server.port, ssl=client_tls(name), reconnect_attempts=0, ack_timeout=2)
                with pytest.raises(pipehat.TransportConnectionError) as e:
                    await c.send(msg("NO"))
                assert e.value.code in ("tls_failed", "connection_closed"), name
                await c.close()

    run(main())


def test_plain_text_to_a_tls_port_and_tls_to_a_plain_port_fail_cleanly():
    async def main():
        secure, _ = await serve(lambda m: None, ssl=server_tls())
        async with secure:
            plain = mllp.AsyncClient("127.0.0.1", secure.port, reconnect_attempts=0, ack_timeout=2)
            with pytest.raises(pipehat.TransportError) as e:
                await plain.send(msg("PLAIN"))
            assert e.value.code in ("connection_closed", "ack_timeout")
            await plain.close()
        open_server, _ = await serve(lambda m: None)
        async with open_server:
            wrong = mllp.AsyncClient("localhost", open_server.port, ssl=client_tls(), reconnect_attempts=0, timeout=1)
            with pytest.raises(pipehat.TransportError) as e:
                await wrong.send(msg("TLS"))
            assert e.value.code in ("tls_failed", "connect_failed", "connect_timeout")
            await wrong.close()

    run(main())


def test_certificates_reload_without_a_restart():
    async def main():
        context = server_tls()
        server, _ = await serve(lambda m: None, ssl=context)

        async def serial():
            _, w = await asyncio.open_connection("localhost", server.port, ssl=client_tls())
            der = w.get_extra_info("ssl_object").getpeercert(binary_form=True)
            w.close()
            return der

        async with server:
            before = await serial()
            context.load_cert_chain(str(TLS / "server2.crt"), str(TLS / "server2.key"))
            after = await serial()
        assert before != after

    run(main())
