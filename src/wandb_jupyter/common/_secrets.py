"""Masking of secrets wherever they could be shown or stored."""

from __future__ import annotations

import re

__all__ = ["mask", "scrub", "mask_url"]

#: Query parameters that are credentials: an API key, an anonymous run's view token (its shared link),
#: the dashboard's login token and tickets, an upload URL's signature.
_SECRET_PARAMS = re.compile(r"([?&](?:apiKey|view|token|ticket|sig)=)([^&#]*)", re.IGNORECASE)


def mask(secret: str | None) -> str | None:
    """``****abcd`` for long keys, ``****`` for short ones; the length is not revealed."""
    if not secret:
        return secret
    return "****" + secret[-4:] if len(secret) >= 12 else "****"


def scrub(text: str, secrets: list[str | None]) -> str:
    """Replace every occurrence of each secret in ``text`` by its mask."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, mask(secret) or "")
    return text


def mask_url(url: str) -> str:
    """``url`` with the values of its secret query parameters masked, for logs."""
    return _SECRET_PARAMS.sub(lambda m: m.group(1) + (mask(m.group(2)) or ""), url)
