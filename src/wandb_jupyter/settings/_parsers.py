"""Parsers shared by every settings source.

A parser takes a raw value (a string from the environment or a file, or a
Python value from ``init()``) and returns the typed value, or raises
:class:`Invalid` carrying a description of what would be accepted. The caller
adds the source, so one parser serves env vars, files, widgets and init().
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..common._logging import logger

Parser = Callable[[Any], Any]

_TRUE = {"true", "1", "yes", "y", "on"}
_FALSE = {"false", "0", "no", "n", "off"}
_FORBIDDEN_NAME_CHARS = set("/\\#?%:")
_RUN_ID_OTHER = re.compile(r"[^A-Za-z0-9_-]")


class Invalid(ValueError):
    """Raised by a parser; ``accepted`` says what the setting takes."""

    def __init__(self, accepted: str) -> None:
        super().__init__(accepted)
        self.accepted = accepted


def text(value: Any) -> str:
    if not isinstance(value, str):
        raise Invalid("a string")
    return value


def boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise Invalid("a boolean: true/false, 1/0, yes/no, on/off")


def choice(options: dict[str, str], *, bools: dict[bool, str] | None = None) -> Parser:
    """A case-insensitive choice; ``options`` maps every accepted spelling to its value."""
    canonical = sorted(set(options.values()))
    aliases = sorted(k for k, v in options.items() if k != v)
    accepted = "one of " + ", ".join(canonical)
    if aliases:
        accepted += " (also " + ", ".join(aliases) + ")"

    def parse(value: Any) -> str:
        if bools is not None and isinstance(value, bool):
            return bools[value]
        if isinstance(value, str) and value.strip().lower() in options:
            return options[value.strip().lower()]
        raise Invalid(accepted)

    parse.options = canonical  # type: ignore[attr-defined]  # for forms that offer the choices
    return parse


def comma_list(item: Parser, what: str) -> Parser:
    """Comma-separated in strings (items trimmed, empty ones dropped); lists from Python."""

    def parse(value: Any) -> tuple:
        if isinstance(value, str):
            items: Iterable[Any] = (part.strip() for part in value.split(","))
            items = [part for part in items if part]
        elif isinstance(value, (list, tuple)):
            items = value
        else:
            raise Invalid(f"a comma-separated list of {what}")
        return tuple(item(each) for each in items)

    return parse


def tag(value: Any) -> str:
    if not isinstance(value, str) or not 1 <= len(value.strip()) <= 64:
        raise Invalid("comma-separated tags of 1 to 64 characters each")
    return value.strip()


def glob(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise Invalid("comma-separated glob patterns such as *.ckpt,media/**")
    return value.strip()


def path(value: Any) -> Path:
    """A path, ``~`` expanded. Refused here rather than later, far from the setting's name: NUL (no
    file system takes it) and ``~name`` of an unknown user (expanduser() raises RuntimeError)."""
    accepted = "a file system path (no NUL characters; ~user only for a known user)"
    if isinstance(value, str) and value.strip():
        value = Path(value.strip())
    if not isinstance(value, Path) or "\x00" in str(value):
        raise Invalid(accepted)
    try:
        return value.expanduser()
    except RuntimeError:
        raise Invalid(accepted) from None


def base_url(value: Any) -> str:
    accepted = "an http(s) URL such as https://api.wandb.ai or http://localhost:8080/prefix"
    if not isinstance(value, str):
        raise Invalid(accepted)
    url = value.strip().rstrip("/")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise Invalid(accepted) from None
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise Invalid(accepted)
    return url


def name_part(value: Any) -> str:
    """Entity and project names: 1..128 characters, none of / \\ # ? % : and no control characters.

    The same rule as the server's, so a name accepted here is not refused when the run goes online.
    """
    accepted = "1 to 128 characters, none of / \\ # ? % : and no control characters"
    if not isinstance(value, str):
        raise Invalid(accepted)
    value = value.strip()
    if not 1 <= len(value) <= 128 or _FORBIDDEN_NAME_CHARS & set(value) or any(ord(c) < 32 for c in value):
        raise Invalid(accepted)
    return value


def run_id(value: Any) -> str:
    """At most 64 characters; anything outside [A-Za-z0-9_-] becomes '-', with a warning."""
    if not isinstance(value, str) or not 1 <= len(value) <= 64:
        raise Invalid("a run id of 1 to 64 characters")
    cleaned = _RUN_ID_OTHER.sub("-", value)
    if cleaned != value:
        logger.warning("run id %r contains characters outside [A-Za-z0-9_-]; using %r", value, cleaned)
    return cleaned


def positive_number(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise Invalid("a positive number of seconds") from None
    if isinstance(value, bool) or not 0 < number < float("inf"):
        raise Invalid("a positive number of seconds")
    return number
