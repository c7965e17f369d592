"""API keys and account names.

Keys have the shape W&B's SDK insists on (an optional ``prefix-`` and then at
least 40 ``[A-Za-z0-9_]`` characters): ``local-`` plus 40 hex digits, like
W&B's own self-hosted server. Only a SHA-256 of each key is stored; a key is
printed once, when it is issued.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import secrets

__all__ = ["new_api_key", "hash_key", "key_shape_ok", "parse_basic_auth", "check_name", "NAME_RE"]

KEY_PREFIX = "local"
_KEY_SHAPE = re.compile(r"^(?:[\w-]+-)?\w{40,}$")
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def new_api_key() -> str:
    return f"{KEY_PREFIX}-{secrets.token_hex(20)}"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def key_shape_ok(key: str) -> bool:
    return bool(_KEY_SHAPE.match(key))


def parse_basic_auth(header: str | None) -> str | None:
    """The key of ``Authorization: Basic base64("api:" + key)``; None if absent or malformed."""
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value:
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    _, sep, key = decoded.partition(":")
    return key if sep and key else None


def check_name(name: str, what: str = "user name") -> str:
    """``name`` if it is a valid user or entity name, else ValueError saying what is accepted."""
    if not NAME_RE.match(name or ""):
        raise ValueError(
            f"invalid {what} {name!r}: 1 to 64 letters, digits, '_', '.' or '-', starting with a letter or digit"
        )
    return name
