"""``termlog``, ``termwarn``, ``termerror``: W&B's helpers for messages from user code.

They go through the ``wandb`` logger like the library's own messages, so
``WANDB_SILENT`` and ``logging.getLogger("wandb")`` levels apply to them and every one
lands in ``debug.log``; ``repeat=False`` shows a message once per process.
"""

from __future__ import annotations

import logging
import os

from . import _logging
from ._logging import logger

__all__ = ["termlog", "termwarn", "termerror"]

_shown: set[tuple[int, str]] = set()
_TRUE = {"true", "1", "yes", "y", "on"}  # the boolean spellings of the settings table


def _silent_by_environment() -> None:
    """Before the first ``init()`` no settings were resolved: WANDB_SILENT in the environment decides."""
    if not _logging._console.silent and os.environ.get("WANDB_SILENT", "").strip().lower() in _TRUE:
        _logging.set_silent(True)


def _emit(level: int, string: str, newline: bool, repeat: bool, prefix: bool) -> None:
    _silent_by_environment()
    text = str(string)
    if not repeat:
        if (level, text) in _shown:
            return
        _shown.add((level, text))
    if prefix:
        for line in text.split("\n") if newline else [text]:
            logger.log(level, "%s", line)
        return
    # W&B's prefix=False / newline=False: the bare text; still silenced by WANDB_SILENT and logged to files
    logger.debug("%s", text)
    if not _logging._console.silent and logger.isEnabledFor(level):
        import sys

        stream = _logging.console_override or sys.stderr
        if stream is not None:
            stream.write(text + ("\n" if newline else ""))
            stream.flush()


def termlog(string: str = "", newline: bool = True, repeat: bool = True, prefix: bool = True) -> None:
    """An informational message on stderr as ``wandb: ...``."""
    _emit(logging.INFO, string, newline, repeat, prefix)


def termwarn(string: str, newline: bool = True, repeat: bool = True, prefix: bool = True) -> None:
    """A warning on stderr as ``wandb: WARNING: ...``."""
    _emit(logging.WARNING, string, newline, repeat, prefix)


def termerror(string: str, newline: bool = True, repeat: bool = True, prefix: bool = True) -> None:
    """An error message on stderr as ``wandb: ERROR: ...``."""
    _emit(logging.ERROR, string, newline, repeat, prefix)
