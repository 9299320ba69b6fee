"""HL7 over HTTP (the HAPI specification): an ASGI app (uvicorn, hypercorn,
Starlette mounts) and an AWS Lambda handler (API Gateway HTTP APIs and
function URLs), on the standard library alone. Which requests are taken,
which status an acknowledgement maps to (200 AA/CA, 400 AR/CR, 500 AE/CE)
and every acknowledgement are the Rust core's, through ``pipehat.transport``.

    app = pipehat.http.asgi(handler)                 # uvicorn module:app
    lambda_handler = pipehat.http.lambda_handler(handler)

``handler(message)`` returns None (acknowledge) or a reply (Message, bytes,
str); a coroutine is awaited with ``handler_timeout``. Options:
``max_body_size`` (16 MiB), ``handler_timeout`` (seconds), ``credentials``
(user, password) for HTTP Basic, ``replay`` (how many acknowledgements to
keep to answer resent messages without handling them again), ``strict``.
"""

from __future__ import annotations

import base64
import logging
from typing import Any, Awaitable, Callable, Dict, List, Literal, Optional, Tuple, Union

from . import transport as _t
from ._native import Message, parse
from .errors import ParseError, TransportError

__all__ = ["Endpoint", "asgi", "lambda_handler"]

log = logging.getLogger("pipehat.http")

Reply = Union[None, Message, bytes, bytearray, str]
Handler = Callable[[Message], Union[Reply, Awaitable[Reply]]]
Response = Tuple[int, List[Tuple[str, str]], bytes]


def _refusal(e: TransportError) -> Response:
    headers = [("content-type", "text/plain; charset=utf-8")]
    if e.code == "unauthorized":
        headers.append(("www-authenticate", _t.AUTHENTICATE))
    return e.status, headers, f"{e}\n".encode()


class Endpoint:
    """The exchange both adapters share: request in, (status, headers, body) out."""

    def __init__(
        self,
        handler: Handler,
        *,
        max_body_size: Optional[int] = None,
        handler_timeout: Optional[float] = None,
        credentials: Optional[Tuple[str, str]] = None,
        replay: int = 0,
        strict: bool = False,
    ) -> None:
        if not callable(handler):
            raise TypeError("handler must be callable")
        self.handler = handler
        self.max_body_size = int(_t.LIMITS["max_body_size"] if max_body_size is None else max_body_size)
        self.handler_timeout = float(_t.LIMITS["handler_timeout"] if handler_timeout is None else handler_timeout)
        self.credentials = None if credentials is None else (str(credentials[0]), str(credentials[1]))
        self.replay = _t.ReplayCache(replay) if replay > 0 else None
        self.strict = strict

    def check(self, method: str, headers: Dict[str, str], length: int) -> Dict[str, Any]:
        """Raises TransportError (with .status) for a request to refuse."""
        result: Dict[str, Any] = _t.http_check(
            method,
            headers.get("content-type"),
            headers.get("authorization"),
            length,
            max_body_size=self.max_body_size,
            credentials=self.credentials,
        )
        return result

    def _begin(self, method: str, headers: Dict[str, str], body: bytes) -> Union[Response, Tuple[Message, List[Tuple[str, str]]]]:
        """The response for a request refused, replayed or unparsable; else the message and reply headers."""
        try:
            accepted = self.check(method, headers, len(body))
        except TransportError as e:
            return _refusal(e)
        out_headers = [("content-type", str(accepted["content_type"]))]
        if self.replay is not None:
            earlier = self.replay.get(body)
            if earlier is not None:
                return _t.http_status(earlier), out_headers, bytes(earlier)
        try:
            return parse(body, strict=self.strict), out_headers
        except ParseError:
            try:
                nak = bytes(_t.reject(body, strict=self.strict))
            except TransportError as e:
                return _refusal(e)
            return _t.http_status(nak), out_headers, nak

    def _end(
        self,
        message: Message,
        body: bytes,
        out_headers: List[Tuple[str, str]],
        reply: Reply,
        failure: Optional[Literal["handler_failed", "handler_timeout"]],
    ) -> Response:
        if failure is not None:
            log.warning("%s control_id=%s", failure, _t.control_id(body))
        data = _t.to_bytes(reply) if failure is None and reply is not None else bytes(_t.accept(message, failure))
        status = _t.http_status(data)
        if self.replay is not None and status == 200:
            self.replay.set(body, data)
        return status, out_headers, data

    async def exchange(self, method: str, headers: Dict[str, str], body: bytes) -> Response:
        """One request: (status, headers, body). A coroutine handler is awaited with the handler timeout."""
        begun = self._begin(method, headers, body)
        if len(begun) == 3:
            return begun
        message, out_headers = begun
        reply, failure = await _t.run_handler(self.handler, message, self.handler_timeout)
        return self._end(message, body, out_headers, reply, failure)

    def exchange_sync(self, method: str, headers: Dict[str, str], body: bytes) -> Response:
        """exchange() for threaded servers: a plain handler is called directly,
        a coroutine handler runs in an event loop of its own."""
        begun = self._begin(method, headers, body)
        if len(begun) == 3:
            return begun
        message, out_headers = begun
        reply, failure = _t.run_handler_sync(self.handler, message, self.handler_timeout)
        return self._end(message, body, out_headers, reply, failure)


def asgi(
    handler: Handler,
    *,
    max_body_size: Optional[int] = None,
    handler_timeout: Optional[float] = None,
    credentials: Optional[Tuple[str, str]] = None,
    replay: int = 0,
    strict: bool = False,
) -> Callable[..., Awaitable[None]]:
    """An ASGI 3 application answering HL7 over HTTP on every path."""
    endpoint = Endpoint(
        handler,
        max_body_size=max_body_size,
        handler_timeout=handler_timeout,
        credentials=credentials,
        replay=replay,
        strict=strict,
    )

    async def app(scope: Dict[str, Any], receive: Callable[[], Awaitable[Dict[str, Any]]], send: Callable[[Dict[str, Any]], Awaitable[None]]) -> None:
        if scope["type"] == "lifespan":
            while True:
                event = await receive()
                if event["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif event["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        method = str(scope.get("method", "GET"))
        declared = headers.get("content-length")
        response: Optional[Response] = None
        try:
            # Refuse before reading when the headers already say no.
            endpoint.check(method, headers, int(declared) if declared and declared.isdigit() else 1)
        except TransportError as e:
            if e.code != "empty_body":
                response = _refusal(e)
        if response is None:
            chunks: List[bytes] = []
            size = 0
            more = True
            while more:
                event = await receive()
                if event["type"] == "http.disconnect":
                    return
                chunk = event.get("body", b"")
                size += len(chunk)
                if size > endpoint.max_body_size:
                    response = _refusal(_t.error("body_too_large", endpoint.max_body_size))
                    break
                chunks.append(chunk)
                more = bool(event.get("more_body", False))
            if response is None:
                response = await endpoint.exchange(method, headers, b"".join(chunks))
        status, out_headers, body = response
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(k.encode(), v.encode()) for k, v in out_headers + [("content-length", str(len(body)))]],
            }
        )
        await send({"type": "http.response.body", "body": body})

    return app


def lambda_handler(
    handler: Handler,
    *,
    max_body_size: Optional[int] = None,
    handler_timeout: Optional[float] = None,
    credentials: Optional[Tuple[str, str]] = None,
    replay: int = 0,
    strict: bool = False,
) -> Callable[[Dict[str, Any], Any], Dict[str, Any]]:
    """An AWS Lambda handler for API Gateway HTTP APIs (payload 2.0), REST
    APIs and function URLs: base64 bodies in and out where needed."""
    endpoint = Endpoint(
        handler,
        max_body_size=max_body_size,
        handler_timeout=handler_timeout,
        credentials=credentials,
        replay=replay,
        strict=strict,
    )

    def handle(event: Dict[str, Any], context: Any = None) -> Dict[str, Any]:
        method = str(((event.get("requestContext") or {}).get("http") or {}).get("method") or event.get("httpMethod") or "POST")
        headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items() if v is not None}
        raw = event.get("body") or ""
        body = base64.b64decode(raw) if event.get("isBase64Encoded") else str(raw).encode("utf-8")
        status, out_headers, data = endpoint.exchange_sync(method, headers, body)
        result: Dict[str, Any] = {"statusCode": status, "headers": dict(out_headers)}
        try:
            result.update(body=data.decode("utf-8"), isBase64Encoded=False)
        except UnicodeDecodeError:
            result.update(body=base64.b64encode(data).decode("ascii"), isBase64Encoded=True)
        return result

    return handle
