"""The process-wide run state: the active runs, the current one, and who listens to them.

Its own module so that ``init()``, :class:`Run` and the exit handling can all reach it
without importing each other. Higher layers (the notebook's display, panel and comm)
follow runs through :func:`add_run_listener` instead of being called by the core.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import Any

from ..common._logging import logger

__all__ = ["current_run", "active_runs", "add_run", "forget_run", "add_run_listener", "notify"]

RunListener = Callable[[str, Any], None]

_lock = threading.RLock()
_active: list[Any] = []
_current: Any = None
_listeners: list[Callable[[], RunListener | None]] = []


def current_run() -> Any:
    return _current


def active_runs() -> list[Any]:
    return list(_active)


def add_run(run: Any) -> None:
    """``run`` is active and becomes the current run."""
    global _current
    with _lock:
        _active.append(run)
        _current = run


def forget_run(run: Any) -> None:
    """Called by a run's finish(): it is no longer active (nor current)."""
    global _current
    with _lock:
        if run in _active:
            _active.remove(run)
        if _current is run:
            _current = _active[-1] if _active else None
    notify("finished", run)


def add_run_listener(callback: RunListener) -> None:
    """Call ``callback(event, run)`` with "started" and "finished"; held weakly for bound methods."""
    if hasattr(callback, "__self__"):
        _listeners.append(weakref.WeakMethod(callback))
    else:
        _listeners.append(lambda: callback)


def notify(event: str, run: Any) -> None:
    for reference in list(_listeners):
        callback = reference()
        if callback is None:
            _listeners.remove(reference)
            continue
        try:
            callback(event, run)
        except Exception as error:  # a listener (a widget) must never break a run
            logger.debug("run listener failed: %r", error)
