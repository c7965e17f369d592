"""The errors a request can earn, each with its HTTP status (:mod:`._context` re-exports them)."""

from __future__ import annotations

__all__ = ["ClientError", "Unauthorized", "Forbidden", "NotFound", "TooManyRequests", "QuotaExceeded"]


class ClientError(Exception):
    """A request the client got wrong; ``status`` is the HTTP status it earns."""

    status = 400


class Unauthorized(ClientError):
    status = 401


class Forbidden(ClientError):
    status = 403


class NotFound(ClientError):
    status = 404


class QuotaExceeded(ClientError):
    status = 413


class TooManyRequests(ClientError):
    status = 429
