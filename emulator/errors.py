"""Plivo-style error answers: ``{"api_id": <uuid4>, "error": "what was wrong"}``.

Every JSON answer goes through SafeJSONResponse, whose rendering cannot fail: a value
that cannot be written as JSON text (a lone surrogate, NaN) is written in a replaced
form rather than turning a read into a 500. Requests are refused before such values
are ever stored (see ``validation.text_problems``); this is the second line.
"""

from __future__ import annotations

import json
import math
import re
import uuid
from typing import Any

from starlette.responses import JSONResponse

# Error messages quote what the client sent; a 1 MiB value must not come back as a 1 MiB error.
MAX_MESSAGE_CHARS = 1000
_SURROGATE = re.compile("[\ud800-\udfff]")


def new_api_id() -> str:
    return str(uuid.uuid4())


def printable(value: Any) -> Any:
    """``value`` with everything JSON text cannot hold replaced: surrogates by U+FFFD, NaN by null."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {printable(str(key)): printable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [printable(item) for item in value]
    if value is None or isinstance(value, bool | int):
        return value
    return printable(str(value))


class SafeJSONResponse(JSONResponse):
    """A JSONResponse that renders any content: unwritable values are replaced, never raised."""

    def render(self, content: Any) -> bytes:
        try:
            return super().render(content)
        except (UnicodeEncodeError, ValueError, TypeError, RecursionError):
            return json.dumps(
                printable(content), ensure_ascii=False, allow_nan=False, separators=(",", ":")
            ).encode("utf-8")


def shorten(message: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """``message`` cut to ``limit`` characters, saying how much was left out."""
    if len(message) <= limit:
        return message
    return f"{message[:limit]}... ({len(message) - limit} more characters)"


class ApiError(Exception):
    """A client-visible failure with its HTTP status and a message saying what was wrong."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}

    def response(self) -> JSONResponse:
        return error_response(self.status, self.message, self.headers)

    def __repr__(self) -> str:
        return f"ApiError({self.status}, {shorten(self.message, 200)!r})"


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    # Real Plivo sometimes omits api_id on 401; the emulator always sends one, which the
    # spec's Error schema (api_id optional) admits.
    return SafeJSONResponse(
        {"api_id": new_api_id(), "error": shorten(message)}, status_code=status, headers=headers
    )
