"""The core's transport answers, without I/O: what ``pipehat.mllp`` and
``pipehat.http`` are built on, for anyone building another transport.

Functions (each backed by the Rust core, the same in every language):
    read_reply(frame) -> dict: {"kind": "ack", "code", "answers", "control_id",
        "settles_application"} or {"kind": "commit" | "negative_commit", ...}
    answers(frame, control_id) -> bool: whether a reply answers that MSH-10
    reply_id(frame) -> str | None: the MSA-2 it answers ("" for a commit block), None if no ACK
    control_id(data) -> str | None: MSH-10, even of a message that does not parse
    message_key(data) -> (MSH-3, MSH-4, MSH-10) | None: what identifies a resent message
    accept(message, failure=None) -> Message: the ACK a server sends once its handler
        is done (AA, or CA in enhanced mode; AE/CE for "handler_failed"/"handler_timeout")
    reply(message, failure=None) -> Message | None: what a server sends when its handler
        returned no reply: accept()'s ACK, or None when MSH-15/16 want none for it
    reject(frame, *, strict=False, ...) -> Message: the AR (or CR) for a frame that
        does not parse; raises TransportError("unreadable_frame") without a readable MSH
    http_check(method, content_type, authorization, body_length, *, max_body_size=None,
        credentials=None) -> dict; http_status(reply) -> int
    expects_ack(data) -> bool: whether its sender waits for a reply on success
        (False for enhanced mode with NE/NE, ER/ER, ...)
    is_loopback(host) -> bool;  backoff(attempt, min_ms, max_ms, jitter) -> int (ms)
    error(code, length=None) -> TransportError (not raised)
    ReplayCache(capacity): get(message) -> bytes | None, set(message, ack)

LIMITS holds the defaults every server and client starts from, in seconds
for times (0 turns a timeout off) and bytes for sizes; ERROR_CODES every
TransportError code.
"""

from __future__ import annotations

import asyncio
import inspect
from typing import Any, Callable, Dict, Literal, Optional, Tuple, Union

from . import _native as _core

read_reply = _core.transport_read_reply
answers = _core.transport_answers
reply_id = _core.transport_reply_id
control_id = _core.transport_control_id
message_key = _core.transport_message_key
accept = _core.transport_accept
reply = _core.transport_reply
reject = _core.transport_reject
http_check = _core.transport_http_check
http_status = _core.transport_http_status
is_loopback = _core.transport_is_loopback
expects_ack = _core.transport_expects_ack
backoff = _core.transport_backoff
error = _core.transport_error
ReplayCache = _core.ReplayCache
AUTHENTICATE: str = _core.TRANSPORT_AUTHENTICATE
ERROR_CODES: Tuple[str, ...] = tuple(_core.transport_error_codes())


def _limits() -> Dict[str, Union[int, float]]:
    out: Dict[str, Union[int, float]] = {}
    for name, value in _core.transport_limits().items():
        if name.endswith("_ms"):
            out[name[:-3]] = value / 1000
        else:
            out[name] = value
    return out


LIMITS: Dict[str, Union[int, float]] = _limits()

def to_bytes(reply: Any) -> bytes:
    """The bytes of a reply or message given as a Message, bytes or str (UTF-8)."""
    if isinstance(reply, _core.Message):
        return bytes(reply)
    if isinstance(reply, str):
        return reply.encode("utf-8")
    if isinstance(reply, (bytes, bytearray, memoryview)):
        return bytes(reply)
    raise TypeError("a reply is a Message, bytes or str")


Failure = Optional[Literal["handler_failed", "handler_timeout"]]


async def run_handler(handler: Callable[..., Any], message: Any, timeout: float) -> Tuple[Any, Failure]:
    """Calls a server's handler: (its reply, None), or (None, the failure's
    code) when it raised or a coroutine outlived `timeout` seconds (0: no
    limit). The handler's own error is never kept: its text may hold content."""
    try:
        result = handler(message)
        if inspect.isawaitable(result):
            result = await asyncio.wait_for(result, timeout if timeout > 0 else None)
        return result, None
    except asyncio.TimeoutError:
        return None, "handler_timeout"
    except Exception:  # the handler's own error: answered AE, never logged as text
        return None, "handler_failed"


def run_handler_sync(handler: Callable[..., Any], message: Any, timeout: float) -> Tuple[Any, Failure]:
    """run_handler for threads without an event loop: a plain handler is
    called directly, a coroutine handler runs in an event loop of its own."""
    try:
        result = handler(message)
    except Exception:  # the handler's own error: answered AE, never logged as text
        return None, "handler_failed"
    if not inspect.isawaitable(result):
        return result, None

    async def wait() -> Any:
        return await result

    return asyncio.run(run_handler(lambda _: wait(), message, timeout))


__all__ = [
    "AUTHENTICATE",
    "ERROR_CODES",
    "LIMITS",
    "ReplayCache",
    "accept",
    "answers",
    "backoff",
    "control_id",
    "error",
    "expects_ack",
    "http_check",
    "http_status",
    "is_loopback",
    "message_key",
    "read_reply",
    "reject",
    "reply",
    "reply_id",
    "run_handler",
    "run_handler_sync",
    "to_bytes",
]
