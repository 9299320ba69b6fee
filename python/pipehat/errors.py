"""Errors raised by pipehat. Their text names positions, never message content."""

from __future__ import annotations

from typing import Optional

__all__ = ["HL7Error", "ParseError", "PathError"]


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


class PathError(HL7Error, KeyError):
    """A path such as ``PID-5.1`` is malformed: also a ``KeyError``.

    ``offset`` is the 0-based character position in the path.
    """
