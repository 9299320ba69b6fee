"""MLLP over TCP and TLS: an asyncio server, an asyncio client and a
blocking client, on Python's standard library alone (``asyncio``,
``socket``, ``ssl``). Every protocol decision (which acknowledgement to
send, whether a reply answers a message, limits and their defaults) is the
Rust core's, through ``pipehat.transport``.

Server::

    async def handler(message):          # or a plain function
        store(message)                   # the ACK goes back after this returns
        # return None -> AA (CA in enhanced mode); return a Message/bytes -> sent instead

    async with await pipehat.mllp.serve(handler, "127.0.0.1", 2575) as server:
        await server.serve_forever()

Clients::

    client = await pipehat.mllp.connect("127.0.0.1", 2575)
    ack = await client.send(message)     # the Message whose MSA-2 is message's MSH-10

    with pipehat.mllp.Client("127.0.0.1", 2575) as c:   # blocking, for scripts
        ack = c.send(message)

Events go to the ``pipehat.mllp`` logger and to ``on_event`` callbacks as
dicts with codes, sizes, peers and control ids, never message content.
"""

from __future__ import annotations

import asyncio
import logging
import random
import socket
import ssl as _ssl
import time
from typing import Any, Awaitable, Callable, Deque, Dict, List, Optional, Set, Union

from collections import deque

from . import transport as _t
from ._native import Message, MllpDecoder, mllp_encode, parse
from .errors import MllpError, ParseError, TransportError

__all__ = [
    "AsyncClient",
    "Client",
    "Server",
    "client_context",
    "connect",
    "serve",
    "server_context",
]

log = logging.getLogger("pipehat.mllp")

Reply = Union[None, Message, bytes, bytearray, str]
Handler = Callable[..., Union[Reply, Awaitable[Reply]]]
EventCallback = Callable[[Dict[str, Any]], None]

COMMIT = b"\x0b\x06\x1c\x0d"
NEGATIVE_COMMIT = b"\x0b\x15\x1c\x0d"
_L = _t.LIMITS


def _code_of(reply: bytes) -> Optional[str]:
    try:
        code = _t.read_reply(reply).get("code")
        return str(code) if code is not None else None
    except TransportError:
        return None


def _timeout(value: Optional[float], default_key: str) -> float:
    return float(_L[default_key] if value is None else value)


def server_context(
    cert: str, key: str, *, ca: Optional[str] = None, require_client_cert: bool = False
) -> _ssl.SSLContext:
    """A server SSLContext (TLS 1.2 or 1.3) from PEM files; with ``ca`` and
    ``require_client_cert``, mutual TLS. Call ``load_cert_chain`` on it again
    to replace the certificate without a restart."""
    ctx = _ssl.SSLContext(_ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = _ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert, key)
    if ca is not None:
        ctx.load_verify_locations(ca)
    if require_client_cert:
        ctx.verify_mode = _ssl.CERT_REQUIRED
    return ctx


def client_context(
    *, ca: Optional[str] = None, cert: Optional[str] = None, key: Optional[str] = None
) -> _ssl.SSLContext:
    """A client SSLContext (TLS 1.2 or 1.3, certificates verified against
    ``ca`` or the system's store); ``cert``/``key`` for mutual TLS."""
    ctx = _ssl.create_default_context(cafile=ca)
    ctx.minimum_version = _ssl.TLSVersion.TLSv1_2
    if cert is not None:
        ctx.load_cert_chain(cert, key)
    return ctx


def _set_keepalive(sock: Optional[socket.socket], seconds: float) -> None:
    if sock is None or seconds <= 0:
        return
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        if hasattr(socket, "TCP_KEEPIDLE"):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, max(1, int(seconds)))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except OSError:
        pass


def _peer(transport: asyncio.BaseTransport) -> str:
    info = transport.get_extra_info("peername")
    if not info:
        return "unknown"
    host, port = info[0], info[1]
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


class _Connection(asyncio.Protocol):
    """One server connection: frames in, one acknowledgement per message out, in order."""

    def __init__(self, server: "Server") -> None:
        self.server = server
        self.transport: Optional[asyncio.Transport] = None
        self.peer = "unknown"
        self.decoder = MllpDecoder(max_frame_size=server._max_frame_size)
        self.frames: Deque[bytes] = deque()
        self.wake = asyncio.Event()
        self.worker: Optional["asyncio.Task[None]"] = None
        self.busy = False
        self.closed = False
        self.frame_timer: Optional[asyncio.TimerHandle] = None
        self.idle_timer: Optional[asyncio.TimerHandle] = None
        self.paused = False

    # -- asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.peer = _peer(transport)
        s = self.server
        if len(s._connections) >= s._max_connections:
            s._event("issue", code="too_many_connections", peer=self.peer)
            transport.abort()
            self.closed = True
            return
        s._connections.add(self)
        _set_keepalive(transport.get_extra_info("socket"), s._keep_alive)
        s._event("connection", peer=self.peer)
        self.worker = asyncio.ensure_future(self._work())
        self._touch()

    def data_received(self, data: bytes) -> None:
        self._touch()
        try:
            frames = self.decoder.push(data)
        except MllpError as e:
            # The frame was skipped unread: nothing can answer it, so the
            # connection closes and the sender learns it at once.
            self.server._event("issue", code="frame_too_large", peer=self.peer, length=e.length)
            self._abort()
            return
        s = self.server
        if self.decoder.buffered and s._frame_timeout > 0:
            if self.frame_timer is None:
                loop = asyncio.get_running_loop()
                self.frame_timer = loop.call_later(s._frame_timeout, self._frame_expired)
        elif self.frame_timer is not None:
            self.frame_timer.cancel()
            self.frame_timer = None
        if frames:
            self.frames.extend(frames)
            self.wake.set()
            if len(self.frames) > 64 and not self.paused and self.transport is not None:
                self.transport.pause_reading()
                self.paused = True

    def connection_lost(self, exc: Optional[Exception]) -> None:
        self.closed = True
        for timer in (self.frame_timer, self.idle_timer):
            if timer is not None:
                timer.cancel()
        # Frames not yet handled are dropped: their sender got no ACK and sends them again.
        self.frames.clear()
        self.wake.set()
        self.server._connections.discard(self)
        self.server._event("disconnect", peer=self.peer)

    # -- timers
    def _touch(self) -> None:
        s = self.server
        if s._idle_timeout <= 0:
            return
        if self.idle_timer is not None:
            self.idle_timer.cancel()
        self.idle_timer = asyncio.get_running_loop().call_later(s._idle_timeout, self._idle_expired)

    def _idle_expired(self) -> None:
        if self.busy:
            self._touch()
            return
        self.server._event("issue", code="idle_timeout", peer=self.peer)
        self._abort()

    def _frame_expired(self) -> None:
        self.server._event("issue", code="frame_timeout", peer=self.peer, size=self.decoder.buffered)
        self._abort()

    def _abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()

    def _write(self, data: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)

    # -- the work
    async def _work(self) -> None:
        while not self.closed:
            if not self.frames:
                self.wake.clear()
                if self.server._closing:
                    break
                await self.wake.wait()
                continue
            frame = self.frames.popleft()
            if self.paused and len(self.frames) < 16 and self.transport is not None:
                self.transport.resume_reading()
                self.paused = False
            self.busy = True
            try:
                await self.server._answer(self, frame)
            finally:
                self.busy = False
        if self.server._closing and self.transport is not None:
            self.transport.close()


class Server:
    """An MLLP server; made by :func:`serve`. ``port`` is the bound port."""

    def __init__(
        self,
        handler: Handler,
        *,
        allow_public: bool,
        max_frame_size: Optional[int],
        max_connections: Optional[int],
        frame_timeout: Optional[float],
        handler_timeout: Optional[float],
        idle_timeout: Optional[float],
        keep_alive: Optional[float],
        mllp_release2: bool,
        replay: int,
        strict: bool,
        on_event: Optional[EventCallback],
    ) -> None:
        if not callable(handler):
            raise TypeError("handler must be callable")
        self._handler = handler
        self._allow_public = allow_public
        self._max_frame_size = int(_L["max_frame_size"] if max_frame_size is None else max_frame_size)
        self._max_connections = int(_L["max_connections"] if max_connections is None else max_connections)
        self._frame_timeout = _timeout(frame_timeout, "frame_timeout")
        self._handler_timeout = _timeout(handler_timeout, "handler_timeout")
        self._idle_timeout = _timeout(idle_timeout, "idle_timeout")
        self._keep_alive = _timeout(keep_alive, "keep_alive")
        self._release2 = mllp_release2
        self._replay = _t.ReplayCache(replay) if replay > 0 else None
        self._strict = strict
        self._on_event = on_event
        self._connections: Set[_Connection] = set()
        self._server: Optional[asyncio.AbstractServer] = None
        self._closing = False
        self.port = 0
        self.host = ""

    def _event(self, event: str, **info: Any) -> None:
        info["event"] = event
        if event == "issue":
            log.warning("%s peer=%s control_id=%s", info.get("code"), info.get("peer"), info.get("control_id"))
        else:
            log.debug("%s peer=%s control_id=%s", event, info.get("peer"), info.get("control_id"))
        if self._on_event is not None:
            self._on_event(info)

    def _watched(self) -> bool:
        """Whether message and ACK events go anywhere (each costs calls into the core)."""
        return self._on_event is not None or log.isEnabledFor(logging.DEBUG)

    @property
    def connections(self) -> int:
        """How many connections are open."""
        return len(self._connections)

    async def _start(self, host: str, port: int, ssl: Optional[_ssl.SSLContext]) -> None:
        if not _t.is_loopback(host) and not self._allow_public:
            raise _t.error("public_address")
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(lambda: _Connection(self), host, port, ssl=ssl)
        sockname = self._server.sockets[0].getsockname()
        self.host, self.port = sockname[0], sockname[1]

    async def _answer(self, conn: _Connection, frame: bytes) -> None:
        peer = conn.peer
        if self._replay is not None:
            earlier = self._replay.get(frame)
            if earlier is not None:
                conn._write(mllp_encode(earlier))
                self._event("ack", peer=peer, control_id=_t.control_id(frame), code=_code_of(earlier), duplicate=True)
                return
        try:
            message = parse(frame, strict=self._strict)
        except ParseError as e:
            self._event("issue", code=e.code, peer=peer, size=len(frame), offset=e.offset)
            if self._release2:
                conn._write(NEGATIVE_COMMIT)
                return
            try:
                nak = _t.reject(frame, strict=self._strict)
            except TransportError as err:
                self._event("issue", code=err.code, peer=peer, size=len(frame))
                return
            conn._write(mllp_encode(bytes(nak)))
            self._event("ack", peer=peer, control_id=_t.control_id(frame), code="AR", duplicate=False)
            return
        watched = self._watched()
        control_id = _t.control_id(frame) if watched else None
        if watched:
            self._event("message", peer=peer, control_id=control_id, size=len(frame))
        reply, failure = await _t.run_handler(self._handler, message, self._handler_timeout)
        if failure is not None:
            self._event("issue", code=failure, peer=peer, control_id=control_id or _t.control_id(frame))
        if self._release2:
            conn._write(NEGATIVE_COMMIT if failure else COMMIT)
            if failure is None and reply is not None:
                conn._write(mllp_encode(_t.to_bytes(reply)))
            self._event("ack", peer=peer, control_id=control_id, code="negative_commit" if failure else "commit", duplicate=False)
            return
        replies: List[bytes] = []
        # The ACK the core makes (AA, CA, AE, CE), unless MSH-15/16 want none; in
        # enhanced mode it comes before the handler's own reply (the application ACK).
        if failure is not None or reply is None or message.ack_mode == "enhanced":
            ack = _t.reply(message, failure)
            if ack is not None:
                replies.append(bytes(ack))
        if failure is None and reply is not None:
            replies.append(_t.to_bytes(reply))
        for data in replies:
            conn._write(mllp_encode(data))
            if self._replay is None and not watched:
                continue
            code = _code_of(data)
            if self._replay is not None and code in ("AA", "CA"):
                self._replay.set(frame, data)
            self._event("ack", peer=peer, control_id=control_id, code=code, duplicate=False)

    async def serve_forever(self) -> None:
        """Serves until the task is cancelled or close() is called."""
        assert self._server is not None
        try:
            await self._server.serve_forever()
        except asyncio.CancelledError:
            if not self._closing:
                raise

    async def close(self, drain_timeout: Optional[float] = None) -> None:
        """Stops accepting, lets running handlers finish and their ACKs go
        out (up to ``drain_timeout`` seconds, default the handler timeout),
        then closes every connection."""
        self._closing = True
        if self._server is not None:
            self._server.close()
        for conn in list(self._connections):
            conn.wake.set()
        limit = self._handler_timeout if drain_timeout is None else drain_timeout
        deadline = time.monotonic() + limit
        while any(c.busy for c in self._connections) and (limit <= 0 or time.monotonic() < deadline):
            await asyncio.sleep(0.005)
        for conn in list(self._connections):
            conn._abort()
            if conn.worker is not None:
                conn.worker.cancel()
        if self._server is not None:
            await self._server.wait_closed()

    async def __aenter__(self) -> "Server":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


async def serve(
    handler: Handler,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    ssl: Optional[_ssl.SSLContext] = None,
    allow_public: bool = False,
    max_frame_size: Optional[int] = None,
    max_connections: Optional[int] = None,
    frame_timeout: Optional[float] = None,
    handler_timeout: Optional[float] = None,
    idle_timeout: Optional[float] = None,
    keep_alive: Optional[float] = None,
    mllp_release2: bool = False,
    replay: int = 0,
    strict: bool = False,
    on_event: Optional[EventCallback] = None,
) -> Server:
    """Starts an MLLP server on ``host``:``port`` (0 picks a free port; see
    ``server.port``). ``handler(message)`` returns None (the server
    acknowledges AA, or CA when the message asks for enhanced mode) or the
    reply to send (Message, bytes or str); a coroutine is awaited with
    ``handler_timeout``, a plain function runs on the event loop. A handler
    that raises or times out gets the sender an AE (CE). Times are seconds,
    0 turns a timeout off; defaults are ``pipehat.transport.LIMITS``. A host
    other than loopback needs ``allow_public=True``. ``ssl``: a server
    SSLContext (see :func:`server_context`)."""
    server = Server(
        handler,
        allow_public=allow_public,
        max_frame_size=max_frame_size,
        max_connections=max_connections,
        frame_timeout=frame_timeout,
        handler_timeout=handler_timeout,
        idle_timeout=idle_timeout,
        keep_alive=keep_alive,
        mllp_release2=mllp_release2,
        replay=replay,
        strict=strict,
        on_event=on_event,
    )
    await server._start(host, port, ssl)
    return server


class _ClientProtocol(asyncio.Protocol):
    def __init__(self, client: "AsyncClient") -> None:
        self.client = client
        self.decoder = MllpDecoder(max_frame_size=client._max_frame_size)
        self.transport: Optional[asyncio.Transport] = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        try:
            frames = self.decoder.push(data)
        except MllpError as e:
            self.client._event("issue", code="frame_too_large", length=e.length)
            frames = []
        for frame in frames:
            self.client._reply(frame)

    def connection_lost(self, exc: Optional[Exception]) -> None:
        self.client._lost(self)


class _Waiter:
    __slots__ = ("data", "future", "sent", "expects_ack")

    def __init__(self, data: bytes, future: "asyncio.Future[Optional[Message]]") -> None:
        self.data = data
        self.future = future
        self.sent = False
        self.expects_ack = _t.expects_ack(data)


class AsyncClient:
    """An asyncio MLLP client; made by :func:`connect`. One connection,
    reused; each message waits for the ACK whose MSA-2 is its MSH-10."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        ssl: Optional[_ssl.SSLContext] = None,
        server_hostname: Optional[str] = None,
        timeout: Optional[float] = None,
        ack_timeout: Optional[float] = None,
        max_frame_size: Optional[int] = None,
        max_in_flight: int = 1,
        application_ack: bool = False,
        reconnect_attempts: Optional[int] = None,
        reconnect_min: Optional[float] = None,
        reconnect_max: Optional[float] = None,
        keep_alive: Optional[float] = None,
        on_event: Optional[EventCallback] = None,
    ) -> None:
        self.host = host
        self.port = port
        self._ssl = ssl
        self._server_hostname = server_hostname
        self._connect_timeout = _timeout(timeout, "connect_timeout")
        self._ack_timeout = _timeout(ack_timeout, "ack_timeout")
        self._max_frame_size = int(_L["max_frame_size"] if max_frame_size is None else max_frame_size)
        self._max_in_flight = max(1, max_in_flight)
        self._application_ack = application_ack
        self._attempts = int(_L["reconnect_attempts"] if reconnect_attempts is None else reconnect_attempts)
        self._min = _timeout(reconnect_min, "reconnect_min")
        self._max = _timeout(reconnect_max, "reconnect_max")
        self._keep_alive = _timeout(keep_alive, "keep_alive")
        self._on_event = on_event
        self._protocol: Optional[_ClientProtocol] = None
        self._connecting: Optional["asyncio.Task[None]"] = None
        self._waiting: Dict[str, _Waiter] = {}
        self._slots: Optional[asyncio.Semaphore] = None
        self._closed = False
        self._drops = 0

    def _event(self, event: str, **info: Any) -> None:
        info["event"] = event
        log.warning("%s control_id=%s", info.get("code"), info.get("control_id"))
        if self._on_event is not None:
            self._on_event(info)

    @property
    def in_flight(self) -> int:
        """How many messages wait for their acknowledgement."""
        return len(self._waiting)

    async def _open(self) -> None:
        loop = asyncio.get_running_loop()
        attempt = 0
        while True:
            if self._closed:
                raise _t.error("closed")
            try:
                hostname = self._server_hostname
                if self._ssl is not None and hostname is None:
                    hostname = self.host
                coro = loop.create_connection(
                    lambda: _ClientProtocol(self),
                    self.host,
                    self.port,
                    ssl=self._ssl,
                    server_hostname=hostname if self._ssl is not None else None,
                )
                if self._connect_timeout > 0:
                    _, protocol = await asyncio.wait_for(coro, self._connect_timeout)
                else:
                    _, protocol = await coro
                self._attach(protocol)
                return
            except asyncio.TimeoutError:
                err: TransportError = _t.error("connect_timeout")
            except _ssl.SSLError:
                err = _t.error("tls_failed")
            except OSError:
                err = _t.error("connect_failed")
            if attempt >= self._attempts:
                raise err
            delay = _t.backoff(attempt, int(self._min * 1000), int(self._max * 1000), random.random()) / 1000
            self._event("reconnect", attempt=attempt + 1, delay=delay, code=err.code)
            attempt += 1
            await asyncio.sleep(delay)

    def _attach(self, protocol: _ClientProtocol) -> None:
        self._protocol = protocol
        if protocol.transport is not None:
            _set_keepalive(protocol.transport.get_extra_info("socket"), self._keep_alive)
        for waiter in self._waiting.values():
            self._write(waiter)

    async def _ensure(self) -> None:
        if self._protocol is not None:
            return
        if self._connecting is None or self._connecting.done():
            self._connecting = asyncio.ensure_future(self._open())
        await asyncio.shield(self._connecting)

    async def connect(self) -> "AsyncClient":
        """Opens the connection now (send() opens it when needed)."""
        await self._ensure()
        return self

    def _write(self, waiter: _Waiter) -> None:
        p = self._protocol
        if p is None or p.transport is None or waiter.sent or waiter.future.done():
            return
        waiter.sent = True
        p.transport.write(mllp_encode(waiter.data))
        if not waiter.expects_ack:
            # Enhanced mode with NE/NE (ER/ER...): nothing comes back when all goes well.
            waiter.future.set_result(None)

    async def send(self, message: Union[Message, bytes, str]) -> Optional[Message]:
        """Sends one message and returns its acknowledgement (a Message), or
        None for an MLLP release 2 commit block, or once written when the
        message asks for no acknowledgement on success (MSH-15/16 NE, ER).
        Raises TransportError:
        no_control_id, duplicate_in_flight, ack_timeout, connect_failed,
        connect_timeout, tls_failed, connection_closed, negative_commit, closed."""
        if self._closed:
            raise _t.error("closed")
        data = _t.to_bytes(message)
        cid = _t.control_id(data)
        if cid is None:
            raise _t.error("no_control_id")
        if cid in self._waiting:
            raise _t.error("duplicate_in_flight")
        if self._slots is None:
            self._slots = asyncio.Semaphore(self._max_in_flight)
        async with self._slots:
            if self._closed:
                raise _t.error("closed")
            if cid in self._waiting:
                raise _t.error("duplicate_in_flight")
            loop = asyncio.get_running_loop()
            future: "asyncio.Future[Optional[Message]]" = loop.create_future()
            waiter = _Waiter(data, future)
            self._waiting[cid] = waiter
            timer: Optional[asyncio.TimerHandle] = None
            if self._ack_timeout > 0:
                timer = loop.call_later(self._ack_timeout, self._expire, waiter)
            try:
                if self._protocol is not None:
                    self._write(waiter)
                else:
                    opening = asyncio.ensure_future(self._ensure())
                    opening.add_done_callback(lambda t: self._opened(t, waiter))
                return await future
            finally:
                if timer is not None:
                    timer.cancel()
                if self._waiting.get(cid) is waiter:
                    del self._waiting[cid]

    @staticmethod
    def _expire(waiter: _Waiter) -> None:
        if not waiter.future.done():
            waiter.future.set_exception(_t.error("ack_timeout"))

    def _opened(self, task: "asyncio.Task[None]", waiter: _Waiter) -> None:
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            if not waiter.future.done():
                waiter.future.set_exception(exc)
            return
        self._write(waiter)

    def _reply(self, frame: bytes) -> None:
        try:
            reply = _t.read_reply(frame)
        except TransportError as e:
            self._event("issue", code=e.code, size=len(frame))
            return
        self._drops = 0
        kind = reply["kind"]
        if kind != "ack":
            # MLLP release 2 is stop-and-wait: a commit block answers the oldest message sent.
            oldest = next((w for w in self._waiting.values() if w.sent and not w.future.done()), None)
            if oldest is None:
                self._event("issue", code="unmatched_ack")
            elif kind == "commit":
                oldest.future.set_result(None)
            else:
                oldest.future.set_exception(_t.error("negative_commit"))
            return
        waiter = self._waiting.get(str(reply["answers"]))
        if waiter is None or not waiter.sent or waiter.future.done():
            self._event("issue", code="unmatched_ack", control_id=reply["answers"])
            return
        if self._application_ack and not reply["settles_application"]:
            return
        waiter.future.set_result(parse(frame))

    def _lost(self, protocol: _ClientProtocol) -> None:
        if self._protocol is not protocol:
            return
        self._protocol = None
        if self._closed or not self._waiting:
            return
        # What was not acknowledged goes again on a new connection, unless
        # connections keep dropping before any reply (a peer that refuses us).
        for waiter in self._waiting.values():
            waiter.sent = False
        self._drops += 1
        if self._drops > self._attempts:
            self._fail(_t.error("connection_closed"))
            return
        delay = _t.backoff(self._drops - 1, int(self._min * 1000), int(self._max * 1000), random.random()) / 1000
        self._event("reconnect", attempt=self._drops, delay=delay, code="connection_closed")
        asyncio.get_running_loop().call_later(delay, self._reconnect)

    def _reconnect(self) -> None:
        if self._closed or not self._waiting:
            return
        task = asyncio.ensure_future(self._ensure())

        def done(t: "asyncio.Task[None]") -> None:
            if not t.cancelled() and t.exception() is not None:
                exc = t.exception()
                code = getattr(exc, "code", None)
                self._fail(exc if code == "closed" else _t.error("connection_closed"))  # type: ignore[arg-type]

        task.add_done_callback(done)

    def _fail(self, exc: BaseException) -> None:
        for waiter in list(self._waiting.values()):
            if not waiter.future.done():
                waiter.future.set_exception(exc)

    async def close(self) -> None:
        """Closes the connection; messages still waiting fail with ``closed``."""
        self._closed = True
        self._fail(_t.error("closed"))
        p, self._protocol = self._protocol, None
        if self._connecting is not None and not self._connecting.done():
            self._connecting.cancel()
        if p is not None and p.transport is not None:
            p.transport.close()

    async def __aenter__(self) -> "AsyncClient":
        return await self.connect()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


async def connect(
    host: str,
    port: int,
    *,
    ssl: Optional[_ssl.SSLContext] = None,
    server_hostname: Optional[str] = None,
    timeout: Optional[float] = None,
    ack_timeout: Optional[float] = None,
    max_frame_size: Optional[int] = None,
    max_in_flight: int = 1,
    application_ack: bool = False,
    reconnect_attempts: Optional[int] = None,
    reconnect_min: Optional[float] = None,
    reconnect_max: Optional[float] = None,
    keep_alive: Optional[float] = None,
    on_event: Optional[EventCallback] = None,
) -> AsyncClient:
    """Opens an asyncio MLLP client. ``timeout`` bounds connecting (TLS
    handshake included), ``ack_timeout`` each message's wait for its ACK;
    ``max_in_flight`` > 1 pipelines (ACKs matched by MSA-2);
    ``application_ack`` waits past a CA for the application ACK. A lost
    connection is reopened with jittered backoff and whatever was not
    acknowledged is sent again. Defaults: ``pipehat.transport.LIMITS``."""
    client = AsyncClient(
        host,
        port,
        ssl=ssl,
        server_hostname=server_hostname,
        timeout=timeout,
        ack_timeout=ack_timeout,
        max_frame_size=max_frame_size,
        max_in_flight=max_in_flight,
        application_ack=application_ack,
        reconnect_attempts=reconnect_attempts,
        reconnect_min=reconnect_min,
        reconnect_max=reconnect_max,
        keep_alive=keep_alive,
        on_event=on_event,
    )
    return await client.connect()


class Client:
    """A blocking MLLP client for scripts: ``with Client(host, port) as c:
    ack = c.send(message)``. Stop-and-wait on one connection; a lost
    connection is reopened (with backoff, up to ``reconnect_attempts``) and
    the message sent again. ``timeout`` bounds connecting and each ACK."""

    def __init__(
        self,
        host: str,
        port: int,
        ssl: Optional[_ssl.SSLContext] = None,
        timeout: Optional[float] = None,
        *,
        server_hostname: Optional[str] = None,
        max_frame_size: Optional[int] = None,
        reconnect_attempts: Optional[int] = None,
        application_ack: bool = False,
    ) -> None:
        self.host = host
        self.port = port
        self._ssl = ssl
        self._server_hostname = server_hostname
        self._connect_timeout = _timeout(timeout, "connect_timeout")
        self._ack_timeout = _timeout(timeout, "ack_timeout")
        self._max_frame_size = int(_L["max_frame_size"] if max_frame_size is None else max_frame_size)
        self._attempts = int(_L["reconnect_attempts"] if reconnect_attempts is None else reconnect_attempts)
        self._application_ack = application_ack
        self._sock: Optional[socket.socket] = None
        self._decoder: Optional[MllpDecoder] = None
        self._ready: Deque[bytes] = deque()
        self._closed = False

    def _open(self) -> None:
        attempt = 0
        while True:
            try:
                sock = socket.create_connection(
                    (self.host, self.port), timeout=self._connect_timeout or None
                )
                if self._ssl is not None:
                    sock = self._ssl.wrap_socket(sock, server_hostname=self._server_hostname or self.host)
                _set_keepalive(sock, float(_L["keep_alive"]))
                self._sock = sock
                self._decoder = MllpDecoder(max_frame_size=self._max_frame_size)
                self._ready.clear()
                return
            except socket.timeout:
                err: TransportError = _t.error("connect_timeout")
            except _ssl.SSLError:
                err = _t.error("tls_failed")
            except OSError:
                err = _t.error("connect_failed")
            if attempt >= self._attempts:
                raise err
            ms = _t.backoff(attempt, int(_L["reconnect_min"] * 1000), int(_L["reconnect_max"] * 1000), random.random())
            attempt += 1
            time.sleep(ms / 1000)

    def _drop(self) -> None:
        if self._sock is not None:
            try:
                self._sock.close()
            except OSError:
                pass
        self._sock = None

    def send(self, message: Union[Message, bytes, str]) -> Optional[Message]:
        """Sends one message and returns its acknowledgement (None for an
        MLLP release 2 commit block); raises TransportError as
        AsyncClient.send does."""
        if self._closed:
            raise _t.error("closed")
        data = _t.to_bytes(message)
        cid = _t.control_id(data)
        if cid is None:
            raise _t.error("no_control_id")
        frame = mllp_encode(data)
        expects_ack = _t.expects_ack(data)
        drops = 0
        while True:
            if self._sock is None:
                self._open()
            assert self._sock is not None
            deadline = time.monotonic() + self._ack_timeout if self._ack_timeout > 0 else None
            try:
                self._sock.sendall(frame)
                if not expects_ack:
                    return None
                return self._await(cid, deadline)
            except (ConnectionError, _ssl.SSLError, BrokenPipeError, EOFError):
                self._drop()
                drops += 1
                if drops > self._attempts:
                    raise _t.error("connection_closed") from None
            except socket.timeout:
                raise _t.error("ack_timeout") from None

    def _await(self, cid: str, deadline: Optional[float]) -> Optional[Message]:
        assert self._sock is not None and self._decoder is not None
        while True:
            while self._ready:
                frame = self._ready.popleft()
                try:
                    reply = _t.read_reply(frame)
                except TransportError as e:
                    log.warning("%s size=%d", e.code, len(frame))
                    continue
                if reply["kind"] == "commit":
                    return None
                if reply["kind"] == "negative_commit":
                    raise _t.error("negative_commit")
                if reply["answers"] != cid:
                    log.warning("unmatched_ack control_id=%s", reply["answers"])
                    continue
                if self._application_ack and not reply["settles_application"]:
                    continue
                return parse(frame)
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise socket.timeout()
                self._sock.settimeout(left)
            else:
                self._sock.settimeout(None)
            chunk = self._sock.recv(65536)
            if not chunk:
                raise EOFError()
            try:
                self._ready.extend(self._decoder.push(chunk))
            except MllpError:
                log.warning("frame_too_large")

    def close(self) -> None:
        """Closes the connection."""
        self._closed = True
        self._drop()

    def __enter__(self) -> "Client":
        if self._sock is None:
            self._open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
