"""Limits on what an API request may carry, and reading a JSON body within them.

GraphQL and file_stream bodies are read whole into memory and parsed, so they are
bounded: a body over :data:`MAX_BODY_BYTES`, or one that inflates beyond it (a
gzip bomb), is refused with 413 before it is parsed; so is a GraphQL query longer
than :data:`MAX_QUERY_CHARS` (parsing and validating cost grows with it, and parsed
documents are cached by their text). Uploads stream to disk and have their own
limit (``MAX_UPLOAD_BYTES`` in ``_handlers``).

A body must also be text every file can hold: JSON may spell a lone UTF-16
surrogate (``"\\ud800"``), which no UTF-8 file or SQLite text can store, so such
a body is refused (400) instead of failing half-way through a write.
"""

from __future__ import annotations

import json
import re
import zlib
from typing import Any

from ._context import ClientError

__all__ = [
    "MAX_BODY_BYTES",
    "MAX_QUERY_CHARS",
    "MAX_CONFIG_KEYS",
    "too_many_keys",
    "too_long_to_parse",
    "TooLarge",
    "too_large",
    "parse_json_body",
    "lone_surrogate",
]

#: A file_stream request of the client is at most ~4 MiB plus one long row (W&B's rows stay under 10 MiB).
MAX_BODY_BYTES = 64 << 20
#: The W&B SDK's longest query is a few KiB; its data travels in variables.
MAX_QUERY_CHARS = 100_000
#: Keys of a run's config or summary, nested ones included: each is stored, rendered and read back with every
#: runs-table read (a 10^6-key config took 20 CPU-s to store and 12 CPU-s per read).
MAX_CONFIG_KEYS = 10_000

_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_WBITS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}


class TooLarge(ClientError):
    status = 413


def too_large(size: int, limit: int = MAX_BODY_BYTES, what: str = "the request body") -> TooLarge:
    return TooLarge(f"{what} is over the limit of {limit >> 20} MiB ({size} bytes)")


def _inflate(body: bytes, encoding: str) -> bytes:
    inflater = zlib.decompressobj(_WBITS[encoding])
    try:
        data = inflater.decompress(body, MAX_BODY_BYTES + 1)
    except zlib.error:
        raise ClientError(f"the body is not valid {encoding} data") from None
    if len(data) > MAX_BODY_BYTES or inflater.unconsumed_tail:
        raise too_large(len(body), what=f"the {encoding}-decoded request body")
    if not inflater.eof:
        raise ClientError(f"the {encoding} body is truncated")
    return data


def lone_surrogate(value: Any) -> bool:
    """True if some string (or key) in a parsed JSON value holds a lone surrogate; no recursion."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if not item.isascii():
                try:
                    item.encode("utf-8")
                except UnicodeEncodeError:
                    return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


_STRING_OR_SEPARATOR = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[,:]')


def too_long_to_parse(text: str, limit: int = MAX_CONFIG_KEYS) -> bool:
    """True if the JSON ``text`` has over ``4 * limit`` separators (``,`` ``:``) outside its strings: more
    than ``limit`` keys for sure, even in W&B's ``{"key": {"value": ...}}`` form. Parsing holds the GIL
    (so the event loop too) for about a second per 10^6 keys; this scan lets it go between tokens and
    stops as soon as the count is passed."""
    seen = 0
    for match in _STRING_OR_SEPARATOR.finditer(text):
        if match.end() - match.start() == 1 and text[match.start()] in ",:":
            seen += 1
            if seen > 4 * limit:
                return True
    return False


def too_many_keys(value: Any, limit: int = MAX_CONFIG_KEYS) -> bool:
    """True if the dicts in a parsed JSON value hold more than ``limit`` keys in all; stops counting past it."""
    count = 0
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            count += len(item)
            if count > limit:
                return True
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def parse_json_body(body: bytes, content_encoding: str = "") -> Any:
    """The JSON of a request body (None when empty), or the ClientError that says what is wrong with it."""
    encoding = content_encoding.strip().lower()
    if encoding in _WBITS:
        body = _inflate(bytes(body), encoding)
    elif encoding not in ("", "identity"):
        raise ClientError(f"unsupported Content-Encoding {content_encoding!r}; use gzip or deflate")
    if len(body) > MAX_BODY_BYTES:
        raise too_large(len(body))
    try:
        value = json.loads(body or b"null")
    except RecursionError:
        raise ClientError("the body is nested too deeply") from None
    except ValueError:  # UnicodeDecodeError included
        raise ClientError("the body is not valid JSON") from None
    if _SURROGATE_ESCAPE.search(body) and lone_surrogate(value):
        raise ClientError("the body holds text with a lone surrogate (such as \\ud800), which cannot be stored")
    return value
