"""Sage's error envelope and the exception the emulator raises to produce it.

Every failure the Web API reports has the OData v4 shape
``{"error":{"code":…,"message":{"lang":"en-US","value":…}}}``; business rules answer 409, bad OData 400,
credentials 401, unknown companies/resources/keys 404 (reference §1.8).
"""

from __future__ import annotations

from typing import Any


def envelope(code: str, message: str) -> dict[str, Any]:
    """The error body Sage writes."""
    return {"error": {"code": code, "message": {"lang": "en-US", "value": message}}}


class SageError(Exception):
    """A request the emulator refuses, with the HTTP status, Sage error code and message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def body(self) -> dict[str, Any]:
        """The JSON envelope for this error."""
        return envelope(self.code, self.message)


def conflict(message: str, code: str = "FieldInvalid") -> SageError:
    """A business-rule failure (HTTP 409)."""
    return SageError(409, code, message)


def bad_request(message: str) -> SageError:
    """A malformed query or body (HTTP 400, ``InvalidParameters``)."""
    return SageError(400, "InvalidParameters", message)


def not_found(message: str, code: str = "NotFound") -> SageError:
    """An unknown company, resource or key (HTTP 404)."""
    return SageError(404, code, message)
