"""Sage's error envelope and the exception the emulator raises to produce it.

Every failure the Web API reports has the shape ``{"error":{"code":…,"message":{"lang":"en-US","value":…}}}``
(DR22). Clients must tell errors apart by ``code``; the statuses are those of decision I20:
``Unauthorized`` 401, ``Forbidden`` 403, ``TooManyRequests`` 429, ``InvalidParameters`` /
``InvalidEntityKey`` / ``InvalidPayload`` / ``InvalidAction`` 400, ``ResourceNotFound`` /
``RecordNotFound`` 404, ``MethodNotAllowed`` 405, ``RecordDuplicate`` / ``RecordInvalid`` / ``General`` 409,
``InternalServerError`` / ``DBLinkError`` / ``SessionError`` 500.
"""

from __future__ import annotations

from typing import Any

STATUS = {
    "Unauthorized": 401,
    "Forbidden": 403,
    "TooManyRequests": 429,
    "InvalidParameters": 400,
    "InvalidEntityKey": 400,
    "InvalidPayload": 400,
    "InvalidAction": 400,
    "ResourceNotFound": 404,
    "RecordNotFound": 404,
    "MethodNotAllowed": 405,
    "RecordDuplicate": 409,
    "RecordInvalid": 409,
    "General": 409,
    "InternalServerError": 500,
    "DBLinkError": 500,
    "SessionError": 500,
}
"""Every DR22 error code with its HTTP status (I20)."""


def envelope(code: str, message: str) -> dict[str, Any]:
    """The error body Sage writes."""
    return {"error": {"code": code, "message": {"lang": "en-US", "value": message}}}


class SageError(Exception):
    """A request the emulator refuses: DR22 code, its I20 status, and Sage's message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.status = STATUS[code]
        self.message = message

    def body(self) -> dict[str, Any]:
        """The JSON envelope for this error."""
        return envelope(self.code, self.message)


def invalid(message: str) -> SageError:
    """A business rule refused the write (409 ``RecordInvalid``)."""
    return SageError("RecordInvalid", message)


def duplicate(message: str) -> SageError:
    """The record already exists (409 ``RecordDuplicate``)."""
    return SageError("RecordDuplicate", message)


def general(message: str) -> SageError:
    """A business-layer error that is not about one record's values (409 ``General``)."""
    return SageError("General", message)


def bad_payload(message: str) -> SageError:
    """The body does not fit the resource's model (400 ``InvalidPayload``)."""
    return SageError("InvalidPayload", message)


def bad_query(message: str) -> SageError:
    """A malformed query option (400 ``InvalidParameters``)."""
    return SageError("InvalidParameters", message)


def not_found(message: str) -> SageError:
    """No record with that key (404 ``RecordNotFound``)."""
    return SageError("RecordNotFound", message)


def no_resource(message: str) -> SageError:
    """No such resource, module or company resource (404 ``ResourceNotFound``)."""
    return SageError("ResourceNotFound", message)
