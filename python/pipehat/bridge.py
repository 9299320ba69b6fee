"""The gateway between a hospital's MLLP feed and a cloud endpoint, both
ways: MLLP or MLLP/TLS in and HL7 over HTTP(S) out, or HTTP(S) in and MLLP
out (``pipehat bridge`` on the command line).

Every message received is written to a durable spool (SQLite, from the
standard library) before its sender is acknowledged; a forwarder sends the
spool's messages one at a time, oldest first, and removes each only once
the destination accepted it. So nothing acknowledged is lost and nothing is
reordered, across restarts too: a message sent but not yet removed when the
bridge stopped is sent again when it starts (at-least-once; a receiver with
duplicate suppression answers it without handling it twice).

Outcomes at the destination: accepted (AA/CA, HTTP 2xx) removes the
message; rejected (AR/CR, HTTP 4xx) moves it to the spool's ``dead`` table,
kept for people to look at, and the queue goes on; anything else (AE/CE,
HTTP 5xx, no connection, a timeout) is retried with jittered backoff, the
queue waiting behind it.
"""

from __future__ import annotations

import asyncio
import base64
import http.server
import logging
import random
import sqlite3
import ssl as _ssl
import threading
import time
import urllib.error
import urllib.request
from typing import Any, Callable, Dict, Optional, Tuple

from . import mllp as _mllp
from . import transport as _t
from .errors import TransportError

__all__ = ["Bridge", "Spool"]

log = logging.getLogger("pipehat.bridge")


class Spool:
    """A durable first-in first-out queue of messages in one SQLite file
    (WAL, synchronous writes: a message ``put`` is on disk when it returns)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS spool (id INTEGER PRIMARY KEY AUTOINCREMENT, received REAL NOT NULL, data BLOB NOT NULL)"
        )
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS dead (id INTEGER PRIMARY KEY, received REAL NOT NULL, failed REAL NOT NULL, "
            "code TEXT NOT NULL, data BLOB NOT NULL)"
        )

    def put(self, data: bytes) -> int:
        """Appends a message; returns its id once it is committed."""
        with self._lock:
            cur = self._db.execute("INSERT INTO spool (received, data) VALUES (?, ?)", (time.time(), bytes(data)))
            return int(cur.lastrowid or 0)

    def oldest(self) -> Optional[Tuple[int, bytes]]:
        """The oldest message (id, bytes), or None."""
        with self._lock:
            row = self._db.execute("SELECT id, data FROM spool ORDER BY id LIMIT 1").fetchone()
        return None if row is None else (int(row[0]), bytes(row[1]))

    def remove(self, message_id: int) -> None:
        with self._lock:
            self._db.execute("DELETE FROM spool WHERE id = ?", (message_id,))

    def bury(self, message_id: int, code: str) -> None:
        """Moves a message the destination rejected to the ``dead`` table."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute(
                "INSERT INTO dead (id, received, failed, code, data) SELECT id, received, ?, ?, data FROM spool WHERE id = ?",
                (time.time(), code, message_id),
            )
            self._db.execute("DELETE FROM spool WHERE id = ?", (message_id,))
            self._db.execute("COMMIT")

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM spool").fetchone()[0])

    def dead(self) -> int:
        """How many messages were rejected by the destination."""
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM dead").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()


Outcome = str  # "accepted", "rejected" or "retry"


class _HttpDestination:
    def __init__(self, url: str, ssl: Optional[_ssl.SSLContext], credentials: Optional[Tuple[str, str]], timeout: float) -> None:
        self.url = url
        self.ssl = ssl
        self.timeout = timeout
        self.auth = None
        if credentials is not None:
            token = base64.b64encode(f"{credentials[0]}:{credentials[1]}".encode()).decode()
            self.auth = f"Basic {token}"

    def _post(self, data: bytes) -> Tuple[Outcome, str]:
        headers = {"Content-Type": "application/hl7-v2"}
        if self.auth:
            headers["Authorization"] = self.auth
        request = urllib.request.Request(self.url, data=data, method="POST", headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout, context=self.ssl) as response:
                response.read()
                return "accepted", str(response.status)
        except urllib.error.HTTPError as e:
            e.read()
            return ("rejected" if 400 <= e.code < 500 else "retry"), str(e.code)
        except (urllib.error.URLError, OSError):
            return "retry", "connect_failed"

    async def send(self, data: bytes) -> Tuple[Outcome, str]:
        return await asyncio.get_running_loop().run_in_executor(None, self._post, data)

    async def close(self) -> None:
        return None


class _MllpDestination:
    def __init__(self, host: str, port: int, ssl: Optional[_ssl.SSLContext], timeout: float) -> None:
        self.client = _mllp.AsyncClient(host, port, ssl=ssl, ack_timeout=timeout, timeout=timeout, reconnect_attempts=0)

    async def send(self, data: bytes) -> Tuple[Outcome, str]:
        try:
            ack = await self.client.send(data)
        except TransportError as e:
            return "retry", e.code
        code = "commit" if ack is None else (ack.get("MSA-1") or "").upper()
        if code in ("AA", "CA", "commit"):
            return "accepted", code
        if code in ("AR", "CR"):
            return "rejected", code
        return "retry", code or "not_an_ack"

    async def close(self) -> None:
        await self.client.close()


def _handler_for(spool: Spool, wake: Callable[[], None]) -> Callable[[Any], None]:
    def handle(message: Any) -> None:
        spool.put(bytes(message))
        wake()

    return handle


class Bridge:
    """Receives on ``source`` (``mllp://``, ``mllps://``, ``http://``,
    ``https://`` HOST:PORT), spools, and forwards to ``destination``
    (``http(s)://...`` URL, or ``mllp://``/``mllps://`` HOST:PORT).

    ``listen_ssl`` is the receiving side's server SSLContext (needed by the
    ``mllps``/``https`` sources), ``send_ssl`` the sending side's client
    context (``https``/``mllps`` destinations; the system's trust store when
    None). ``stop_after``: stop once that many messages were forwarded
    (scripts and tests)."""

    def __init__(
        self,
        source: str,
        destination: str,
        spool: str,
        *,
        listen_ssl: Optional[_ssl.SSLContext] = None,
        send_ssl: Optional[_ssl.SSLContext] = None,
        credentials: Optional[Tuple[str, str]] = None,
        allow_public: bool = False,
        timeout: float = 30.0,
        stop_after: Optional[int] = None,
        on_event: Optional[Callable[[Dict[str, Any]], None]] = None,
    ) -> None:
        self.source = _endpoint(source, ("mllp", "mllps", "http", "https"))
        self.destination = destination
        self.spool = Spool(spool)
        self.listen_ssl = listen_ssl
        self.send_ssl = send_ssl
        self.credentials = credentials
        self.allow_public = allow_public
        self.timeout = timeout
        self.stop_after = stop_after
        self.on_event = on_event
        self.forwarded = 0
        self.port = 0
        self._stop = asyncio.Event()
        self._wake = asyncio.Event()
        self._ready = asyncio.Event()
        if self.source[0] in ("mllps", "https") and listen_ssl is None:
            raise ValueError(f"a {self.source[0]} source needs a certificate and key")

    def _event(self, event: str, **info: Any) -> None:
        info["event"] = event
        log.info("%s %s", event, " ".join(f"{k}={v}" for k, v in info.items() if k != "event"))
        if self.on_event is not None:
            self.on_event(info)

    def stop(self) -> None:
        """Asks the bridge to stop (it finishes the message in hand)."""
        self._stop.set()
        self._wake.set()

    async def ready(self) -> int:
        """Waits until the bridge listens; returns its port."""
        await self._ready.wait()
        return self.port

    async def run(self) -> None:
        loop = asyncio.get_running_loop()

        def wake() -> None:
            loop.call_soon_threadsafe(self._wake.set)

        handler = _handler_for(self.spool, wake)
        scheme, host, port = self.source
        stop_receiving: Callable[[], Any]
        if scheme in ("mllp", "mllps"):
            server = await _mllp.serve(
                handler, host, port, ssl=self.listen_ssl if scheme == "mllps" else None, allow_public=self.allow_public
            )
            self.port = server.port

            async def close_mllp() -> None:
                await server.close()

            stop_receiving = close_mllp
        else:
            httpd = _http_server(handler, host, port, self.listen_ssl if scheme == "https" else None, self.allow_public)
            self.port = httpd.server_address[1]
            thread = threading.Thread(target=httpd.serve_forever, daemon=True)
            thread.start()

            async def close_http() -> None:
                httpd.shutdown()
                httpd.server_close()

            stop_receiving = close_http
        destination = self._destination()
        self._event("listening", scheme=scheme, port=self.port, spooled=len(self.spool))
        self._ready.set()
        try:
            await self._forward(destination)
        finally:
            await stop_receiving()
            await destination.close()
            self.spool.close()

    def _destination(self) -> Any:
        d = self.destination
        if d.startswith(("http://", "https://")):
            return _HttpDestination(d, self.send_ssl if d.startswith("https://") else None, self.credentials, self.timeout)
        scheme, host, port = _endpoint(d, ("mllp", "mllps"))
        return _MllpDestination(host, port, self.send_ssl if scheme == "mllps" else None, self.timeout)

    async def _forward(self, destination: Any) -> None:
        attempt = 0
        while not self._stop.is_set():
            row = self.spool.oldest()
            if row is None:
                self._wake.clear()
                if self._stop.is_set():
                    break
                await self._wake.wait()
                continue
            message_id, data = row
            outcome, code = await destination.send(data)
            control_id = _t.control_id(data)
            if outcome == "accepted":
                self.spool.remove(message_id)
                attempt = 0
                self.forwarded += 1
                self._event("forwarded", control_id=control_id, code=code)
                if self.stop_after is not None and self.forwarded >= self.stop_after:
                    break
            elif outcome == "rejected":
                self.spool.bury(message_id, code)
                attempt = 0
                self._event("rejected", control_id=control_id, code=code)
            else:
                delay = _t.backoff(attempt, 100, 30_000, random.random()) / 1000
                attempt += 1
                self._event("retry", control_id=control_id, code=code, delay=delay)
                try:
                    await asyncio.wait_for(self._stop.wait(), delay)
                except asyncio.TimeoutError:
                    pass


def _endpoint(text: str, schemes: Tuple[str, ...]) -> Tuple[str, str, int]:
    """("mllp", host, port) from "mllp://host:port" (IPv6 in brackets)."""
    scheme, sep, rest = text.partition("://")
    if not sep or scheme not in schemes:
        raise ValueError(f"{text!r}: expected {' or '.join(s + '://HOST:PORT' for s in schemes)}")
    rest = rest.rstrip("/")
    host, _, port = rest.rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f"{text!r}: expected HOST:PORT")
    return scheme, host.strip("[]"), int(port)


class _Hl7HttpHandler(http.server.BaseHTTPRequestHandler):
    """HL7 over HTTP on the standard library's server, for the bridge's HTTP side."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as two writes
    endpoint: Any = None

    def _answer(self) -> None:
        headers = {k.lower(): v for k, v in self.headers.items()}
        length = int(headers.get("content-length") or 0)
        try:
            self.endpoint.check(self.command, headers, max(length, 1))
            body = self.rfile.read(length) if length else b""
            status, out, data = self.endpoint.exchange_sync(self.command, headers, body)
        except TransportError as e:
            status, out, data = e.status, [("content-type", "text/plain; charset=utf-8")], f"{e}\n".encode()
            self.close_connection = True
        self.send_response(status)
        for k, v in out:
            self.send_header(k, v)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_POST = _answer
    do_GET = _answer
    do_PUT = _answer

    def log_message(self, format: str, *args: Any) -> None:  # request lines carry no content; keep quiet
        return


def _http_server(
    handler: Callable[[Any], None],
    host: str,
    port: int,
    ssl: Optional[_ssl.SSLContext],
    allow_public: bool,
) -> http.server.ThreadingHTTPServer:
    from .http import Endpoint

    if not _t.is_loopback(host) and not allow_public:
        raise _t.error("public_address")
    handler_class = type("Hl7HttpHandler", (_Hl7HttpHandler,), {"endpoint": Endpoint(handler)})
    server = http.server.ThreadingHTTPServer((host, port), handler_class)
    server.daemon_threads = True
    if ssl is not None:
        server.socket = ssl.wrap_socket(server.socket, server_side=True)
    return server
