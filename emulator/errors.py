"""Plivo-style error answers: ``{"api_id": <uuid4>, "error": "what was wrong"}``."""

from __future__ import annotations

import uuid

from starlette.responses import JSONResponse


def new_api_id() -> str:
    return str(uuid.uuid4())


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
        return f"ApiError({self.status}, {self.message!r})"


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    # Real Plivo sometimes omits api_id on 401; the emulator always sends one, which the
    # spec's Error schema (api_id optional) admits.
    return JSONResponse({"api_id": new_api_id(), "error": message}, status_code=status, headers=headers)
