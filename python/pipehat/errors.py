"""Errors raised by pipehat. Their text names positions, never message content."""

from __future__ import annotations

from typing import Optional

__all__ = [
    "DatatypeError",
    "DeidError",
    "DictionaryError",
    "EditError",
    "FhirError",
    "FilterError",
    "HL7Error",
    "JsonError",
    "MappingError",
    "MllpError",
    "ParseError",
    "PathError",
    "ProfileError",
    "StreamError",
    "TransportConnectionError",
    "TransportError",
    "TransportTimeoutError",
]


class HL7Error(Exception):
    """Base class of every pipehat error.

    ``code`` is a stable snake_case identifier (e.g. ``"missing_header"``);
    ``offset`` a 0-based byte offset into the input.
    """

    code: str = "hl7_error"
    offset: Optional[int] = None

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else self.code


class ParseError(HL7Error, ValueError):
    """A message could not be read: also a ``ValueError``.

    Attributes: ``code``, ``offset`` (0-based byte), ``line`` and ``column``
    (1-based), ``segment`` (0-based index or None), ``field`` (HL7 field
    number or None).
    """

    line: Optional[int] = None
    column: Optional[int] = None
    segment: Optional[int] = None
    field: Optional[int] = None


class StreamError(ParseError):
    """A chunk of a stream exceeded the size limit (``message_too_large``) and
    was skipped: raised by ``split``, ``iter_messages`` and ``Splitter``.

    ``offset`` is the chunk's 0-based byte offset in the stream; ``line`` and
    the other positions are None. Iterating again goes on after the chunk.
    """


class PathError(HL7Error, KeyError):
    """A path such as ``PID-5.1`` is malformed: also a ``KeyError``.

    ``offset`` is the 0-based character position in the path.
    """


class EditError(HL7Error, ValueError):
    """An edit was refused and the message is unchanged: also a ``ValueError``.

    ``code`` is e.g. ``"read_only"``, ``"invalid_value"``, ``"segment_not_found"``,
    ``"unencodable_character"`` (or a path error's code); ``offset`` is a byte
    offset into the value (``invalid_value``) or a character offset into the
    path; ``segment`` the 0-based segment index concerned.
    """

    segment: Optional[int] = None


class MllpError(HL7Error, ValueError):
    """An MLLP frame exceeded the decoder's size limit (``mllp_frame_too_large``).

    ``offset`` is the frame's start in the stream, ``length`` the limit. The
    decoder skipped the frame and goes on with the next one.
    """

    length: Optional[int] = None


class JsonError(HL7Error, ValueError):
    """Lossless JSON could not be read (``invalid_json``, ``unsupported_format``,
    ``invalid_shape``, ``invalid_encoding``). ``offset`` is a byte offset into
    the JSON text for ``invalid_json``, the segment index otherwise. When the
    rebuilt text is not a message, ``from_json`` raises ``ParseError`` instead.
    """


class DatatypeError(HL7Error, ValueError):
    """A value does not have its datatype's format (``invalid_datetime``,
    ``invalid_number``, ``invalid_sequence_id``); ``offset`` is the byte
    position in the value where it goes wrong.
    """


class FilterError(HL7Error, ValueError):
    """A filter expression does not compile: also a ``ValueError``.

    ``code`` is e.g. ``"unexpected_token"``, ``"expected_value"``,
    ``"unterminated_string"``, ``"invalid_regex"`` or ``"invalid_path"``;
    ``offset`` the 0-based byte position in the expression. The text never
    repeats the expression's literals.
    """


class MappingError(HL7Error, ValueError):
    """A mapping spec is not valid: also a ``ValueError``.

    ``code`` is e.g. ``"unknown_key"``, ``"invalid_path"``,
    ``"unknown_transform"`` or ``"unknown_table"``; ``pointer`` a JSON pointer
    to the part of the spec at fault (``"/fields/born/transform"``).
    """

    pointer: str = ""


class DeidError(HL7Error, ValueError):
    """A de-identifier cannot be made: ``deid_invalid_policy`` (``pointer``: a
    JSON pointer to the part of the policy at fault, ``""`` for the whole) or
    ``deid_key_too_short`` (keys have at least 16 bytes).
    """

    pointer: Optional[str] = None


class DictionaryError(HL7Error, ValueError):
    """The dictionary cannot answer: ``unknown_version`` (known: 2.1 to 2.8.2)."""


class FhirError(HL7Error, ValueError):
    """A message cannot be converted to FHIR: ``fhir_no_map`` (its structure has
    no v2-to-FHIR map), ``fhir_invalid_option`` (``option`` names the option) or
    ``fhir_invalid_overrides`` (``pointer``: a JSON pointer into the overrides).
    """

    option: Optional[str] = None
    pointer: Optional[str] = None


class ProfileError(HL7Error, ValueError):
    """A conformance profile is not valid: ``invalid_json``, ``invalid_profile``
    or ``unknown_key``; ``pointer`` is a JSON pointer to the part at fault.
    """

    pointer: str = ""


class TransportError(HL7Error):
    """Moving a message failed (``pipehat.mllp``, ``pipehat.http``).

    ``code`` is one of ``pipehat.transport.ERROR_CODES`` (e.g.
    ``"ack_timeout"``, ``"frame_too_large"``); ``length`` the limit or size
    concerned, else None; ``status`` the HTTP status HL7 over HTTP answers
    it with.
    """

    length: Optional[int] = None
    status: int = 500


class TransportTimeoutError(TransportError, TimeoutError):
    """A transport timeout (``connect_timeout``, ``ack_timeout``,
    ``frame_timeout``, ``idle_timeout``, ``handler_timeout``): also a
    ``TimeoutError``."""


class TransportConnectionError(TransportError, ConnectionError):
    """A connection that could not be opened or ended (``connect_failed``,
    ``connection_closed``, ``tls_failed``, ``closed``): also a
    ``ConnectionError``."""

