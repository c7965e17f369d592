"""Exceptions raised by wandb_jupyter.

Every error a user can cause says what was wrong, where it came from and what
would be accepted, in one line, so it can be shown without a traceback.
"""

from __future__ import annotations

__all__ = ["WandbJupyterError", "SettingsError", "UsageError", "RunDirError"]


class WandbJupyterError(Exception):
    """Base class of every error wandb_jupyter raises on purpose."""


class SettingsError(WandbJupyterError, ValueError):
    """A setting has a value that cannot be used.

    ``source`` names where the value came from (an environment variable, a
    settings file and line, an ``init()`` argument).
    """

    def __init__(self, *, source: str, value: object, accepted: str) -> None:
        self.source = source
        self.value = value
        self.accepted = accepted
        super().__init__(f"{one_line(source)}: invalid value {value!r}; expected {one_line(accepted)}")


#: Characters that end a line for str.splitlines(), terminals or editors.
_LINE_BREAKS = set("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


def one_line(text: str) -> str:
    """``text`` with its line breaks escaped (``\\n``), for messages that must stay on one line
    even when they quote a path or a value that holds one."""
    if _LINE_BREAKS.isdisjoint(text):
        return text
    return "".join(repr(c)[1:-1] if c in _LINE_BREAKS else c for c in text)


class UsageError(WandbJupyterError, ValueError):
    """The API was called in a way that cannot work (wrong type, wrong order)."""


class RunDirError(WandbJupyterError, OSError):
    """The run directory cannot be created, found or written."""
