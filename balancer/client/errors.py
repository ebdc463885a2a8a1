"""Errors of the client library: what the server said, as an exception.

The API answers every error with ``{"error": {"code", "title", "message",
"field"?}}`` (doc/source/api/index.rst); ``ClientError`` carries that
document whole, so a caller (the CLI) can print the server's own message.
"""

from typing import Any


class ClientError(Exception):
    """An error answer from the API, or no answer at all (``status`` None)."""

    def __init__(self, message: str, status: int | None = None,
                 error: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        self.status = status
        #: the server's ``error`` object as it sent it ({} when it sent none)
        self.error = error or {}

    @property
    def field(self) -> str | None:
        """The request field the server named as wrong, if any."""
        return self.error.get("field")

    def __str__(self) -> str:
        if self.status is None:
            return self.message
        title = self.error.get("title")
        return "%s%s: %s" % (self.status, " " + title if title else "", self.message)


class BadRequest(ClientError):
    """400: the body or a value was refused; ``field`` names it."""


class Unauthorized(ClientError):
    """401: no valid token."""


class Forbidden(ClientError):
    """403: the token may not do this (policy)."""


class NotFound(ClientError):
    """404: no such thing, or not this tenant's."""


class Conflict(ClientError):
    """409: the change collides with what exists (an address:port in use...)."""


class ConnectionFailed(ClientError):
    """The API could not be reached at all."""


class WaitFailed(ClientError):
    """``--wait`` ended with the load balancer in ERROR, or did not end in time."""


BY_STATUS = {400: BadRequest, 401: Unauthorized, 403: Forbidden, 404: NotFound,
             409: Conflict}


def from_response(status: int, reason: str, document: Any, text: str) -> ClientError:
    """The exception for one error answer: the server's message when it sent
    the JSON error document, else the start of whatever it sent."""
    error = document.get("error") if isinstance(document, dict) else None
    if isinstance(error, dict) and error.get("message"):
        message = str(error["message"])
    else:
        error = {"code": status, "title": reason} if reason else {"code": status}
        message = (text or "").strip()[:500] or reason or "HTTP %d" % status
    return BY_STATUS.get(status, ClientError)(message, status, error)
