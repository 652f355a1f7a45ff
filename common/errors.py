"""One error base for the platform: each error carries an HTTP status and whether
a retry may help, so every adapter (HTTP, Kafka) maps it the same way."""
from __future__ import annotations


class PlatformError(Exception):
    status_code = 500
    retryable = False

    def __init__(self, message: str, *, status_code: int | None = None, retryable: bool | None = None):
        super().__init__(message)
        self.message = message
        if status_code is not None:
            self.status_code = status_code
        if retryable is not None:
            self.retryable = retryable


class WireError(PlatformError):
    """A message that can't be decoded or lacks a required field: dead-letter it."""

    status_code = 400


class NotFound(PlatformError):
    status_code = 404


class Unavailable(PlatformError):
    """The platform can't take this now (overload, a dependency down): retry later."""

    status_code = 503
    retryable = True


class Unauthorized(PlatformError):
    status_code = 401


class Forbidden(PlatformError):
    status_code = 403
