"""Masking of secrets wherever they could be shown or stored."""

from __future__ import annotations

__all__ = ["mask", "scrub"]


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
