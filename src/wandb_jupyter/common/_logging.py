"""The ``wandb`` logger: one path for every message the library emits.

Messages for the user are INFO records on ``logging.getLogger("wandb")``; a
console handler prints them as ``wandb: ...`` on stderr. Hence, as the W&B
documentation promises, ``logging.getLogger("wandb").setLevel(logging.WARNING)``
hides the chatter and keeps warnings, and WANDB_SILENT removes the console
handler's output entirely while ``debug.log`` files keep everything.
"""

from __future__ import annotations

import logging
import sys
import threading
from pathlib import Path
from typing import Any

__all__ = [
    "logger",
    "set_silent",
    "console_is_terminal",
    "hold_records",
    "release_records",
    "attach_file",
    "detach_file",
    "warn_once",
    "internal_error",
]

logger = logging.getLogger("wandb")


class _LibraryOutput(threading.local):
    """Per thread: is the library printing right now? (a class default keeps reads fast)"""

    active = False


#: Console capture skips what is written while ``library_output.active`` is set.
library_output = _LibraryOutput()
#: Where console messages go while file descriptor 2 is redirected into a capture.
console_override: Any = None


class _ConsoleHandler(logging.Handler):
    """Writes INFO and above to the *current* ``sys.stderr`` as ``wandb: msg``."""

    silent = False

    def emit(self, record: logging.LogRecord) -> None:
        if self.silent:
            return
        stream = console_override or sys.stderr
        if stream is None:
            return
        prefix = "wandb: " if record.levelno < logging.WARNING else f"wandb: {record.levelname}: "
        library_output.active = True
        try:
            stream.write(prefix + record.getMessage() + "\n")
            stream.flush()
        except Exception:  # a broken stream must never break the user's program
            pass
        finally:
            library_output.active = False


_console = _ConsoleHandler(level=logging.INFO)
_files: dict[Path, logging.Handler] = {}
_warned: set[str] = set()


def _install() -> None:
    if _console not in logger.handlers:
        logger.addHandler(_console)
    if _hold not in logger.filters:
        logger.addFilter(_hold)
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.DEBUG)
    logger.propagate = False


def console_is_terminal() -> bool:
    """Do console messages reach a terminal? (a log file or pipe should not get a line every few seconds)"""
    stream = console_override or sys.stderr
    try:
        return bool(stream is not None and stream.isatty())
    except Exception:  # a closed or odd stream
        return False


def set_silent(silent: bool) -> None:
    """WANDB_SILENT: nothing reaches the screen; files still get every record."""
    _console.silent = silent


class _Hold(logging.Filter):
    """Keeps records back while ``held`` is a list: a run's settings warn before they say whether
    WANDB_SILENT is on and before the run's debug.log is open; released, they go where they belong."""

    held: list[logging.LogRecord] | None = None

    def filter(self, record: logging.LogRecord) -> bool:
        if self.held is None:
            return True
        self.held.append(record)
        return False


_hold = _Hold()


def hold_records() -> None:
    """Keep every record back until :func:`release_records` (nested holds are one hold)."""
    if _hold.held is None:
        _hold.held = []


def release_records() -> None:
    """Emit the records kept back, now that silence and the log files are settled."""
    held, _hold.held = _hold.held, None
    for record in held or ():
        logger.handle(record)


class _QuietFileHandler(logging.FileHandler):
    """A debug log that cannot be written (disk full) is skipped: logging's default prints a traceback
    per record to stderr, into the user's output."""

    def handleError(self, record: logging.LogRecord) -> None:
        pass

    def close(self) -> None:
        try:
            super().close()
        except OSError:  # the last flush of a full disk
            pass


def attach_file(path: Path) -> None:
    """Send every record (DEBUG and up) to ``path`` as well, until detached."""
    path = Path(path)
    if path in _files:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = _QuietFileHandler(path, encoding="utf-8", delay=True)
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(threadName)s %(message)s"))
    _files[path] = handler
    logger.addHandler(handler)


def detach_file(path: Path) -> None:
    handler = _files.pop(Path(path), None)
    if handler is not None:
        logger.removeHandler(handler)
        handler.close()


def warn_once(key: str, message: str) -> None:
    """A warning that is shown once per process, however often its cause recurs."""
    if key in _warned:
        return
    _warned.add(key)
    logger.warning(message)


_install()


#: Runs that report internal errors (WANDB_ERROR_REPORTING): each gets the formatted error.
error_reports: list[Any] = []


def internal_error(context: str, error: BaseException, *, reporting: bool) -> None:
    """An error inside the library that the user's program survives.

    WANDB_ERROR_REPORTING on (the default): the traceback goes to the debug
    logs and to the active runs' ``wandb-client-errors.log`` (uploaded to the
    run's own tracking server when online; never to a third party, never to
    the console). Off: one line without details, nothing else.
    """
    if reporting:
        logger.debug("internal error in %s", context, exc_info=(type(error), error, error.__traceback__))
        import traceback

        text = f"internal error in {context}:\n" + "".join(
            traceback.format_exception(type(error), error, error.__traceback__)
        )
        for report in list(error_reports):
            try:
                report(text)
            except Exception:  # reporting must never raise in its turn
                pass
    else:
        logger.debug("internal error in %s (details not recorded: WANDB_ERROR_REPORTING=false)", context)
