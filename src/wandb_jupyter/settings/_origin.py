"""Where a setting's value came from, and parsing that names it on error."""

from __future__ import annotations

from typing import Any, NamedTuple

from ..common._errors import SettingsError
from . import _parsers
from ._table import Setting

DEFAULT, GLOBAL_FILE, WORKSPACE_FILE, ENV, DETECTED, INIT = (
    "default",
    "global file",
    "workspace file",
    "env",
    "detected",
    "init",
)
#: Lowest precedence first; detected values only fill what is still unset.
PRECEDENCE = (DEFAULT, GLOBAL_FILE, WORKSPACE_FILE, ENV, DETECTED, INIT)


class Origin(NamedTuple):
    """``kind`` is one of PRECEDENCE; ``detail`` says exactly where (variable, file:line, argument)."""

    kind: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.kind} ({self.detail})" if self.detail else self.kind


class Value(NamedTuple):
    value: Any
    origin: Origin


def parse(setting: Setting, raw: Any, origin: Origin) -> Value:
    """Parse ``raw`` for ``setting``; a bad value raises SettingsError naming ``origin``."""
    try:
        return Value(value=setting.parse(raw), origin=origin)
    except _parsers.Invalid as invalid:
        shown = "<hidden>" if setting.secret else raw
        raise SettingsError(source=origin.detail or origin.kind, value=shown, accepted=invalid.accepted) from None
