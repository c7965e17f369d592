"""Signed, expiring upload URLs (the local stand-in for cloud storage's presigned PUT URLs).

``CreateRunFiles`` hands out ``{base}/upload/{entity}/{project}/{run}/{name}?exp=..&sig=..``;
the PUT handler accepts the body only if the HMAC over method, path and expiry
matches and the expiry is in the future.
"""

from __future__ import annotations

import hashlib
import hmac
import time

__all__ = ["UrlSigner"]


class UrlSigner:
    def __init__(self, secret: bytes, lifetime: float = 24 * 3600.0) -> None:
        self._secret = secret
        self.lifetime = lifetime

    def _signature(self, path: str, expires: int) -> str:
        message = f"PUT\n{path}\n{expires}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def query(self, path: str, *, now: float | None = None) -> str:
        """The query string ``exp=..&sig=..`` that authorises a PUT to ``path`` (unquoted)."""
        expires = int((time.time() if now is None else now) + self.lifetime)
        return f"exp={expires}&sig={self._signature(path, expires)}"

    def check(self, path: str, expires: str | None, signature: str | None, *, now: float | None = None) -> str | None:
        """None if the signature is good, else why not."""
        if not expires or not signature:
            return "the upload URL is not signed"
        try:
            when = int(expires)
        except ValueError:
            return "bad expiry in the upload URL"
        # compared as bytes: compare_digest raises TypeError on str with non-ASCII characters
        if not hmac.compare_digest(self._signature(path, when).encode(), signature.encode("utf-8", "replace")):
            return "bad signature on the upload URL"
        if when < (time.time() if now is None else now):
            return "the upload URL has expired"
        return None
