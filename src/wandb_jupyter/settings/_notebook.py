"""Which notebook this kernel runs: a chain of sources, first that answers wins.

Order (WANDB_NOTEBOOK_NAME is not here: it is an environment setting and
already beats every detected value in the settings precedence):

1. ``extension``: the path our JupyterLab extension reported over its comm
   (:func:`set_frontend_path`); the front end knows the notebook even after a
   rename, which nothing in the kernel learns about.
2. ``JPY_SESSION_NAME``: set by jupyter_server in the kernel's environment.
3. ``__session__``: ipykernel's copy of it in the user namespace.
4. ``__vsc_ipynb_file__``: VS Code's notebook path in the user namespace.
5. ``sessions API``: ask the running Jupyter servers which session runs this
   kernel (one HTTP request per server, so only when the cheap sources fail).
6. ``colab``: Colab's own server; best effort, untested (no Colab here).

Detection never raises (every failure is a DEBUG record on the "wandb"
logger) and its answer, None included, is cached for the process: the
sessions API must not be queried on every ``init()``. This module imports
no IPython, requests or jupyter module at import time.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any, NamedTuple

from ..common._ipython import current_shell
from ..common._logging import logger

__all__ = ["NotebookPath", "detect_notebook", "set_frontend_path", "clear_cache"]


class NotebookPath(NamedTuple):
    """The notebook's OS path and the source that named it (shown by ``Settings.explain()``)."""

    path: str
    source: str


_NOT_YET = object()
_cached: Any = _NOT_YET
_frontend_path: str | None = None


def set_frontend_path(path: str | None) -> None:
    """Record the path a front end reported (None forgets it); the next detection uses it."""
    global _frontend_path
    _frontend_path = path or None
    clear_cache()


def clear_cache() -> None:
    """Forget the cached answer, so that the next :func:`detect_notebook` looks again."""
    global _cached
    _cached = _NOT_YET


def detect_notebook(shell: Any = None) -> NotebookPath | None:
    """The notebook this kernel runs, or None (outside a kernel, or nothing answered)."""
    global _cached
    shell = current_shell() if shell is None else shell
    if getattr(shell, "kernel", None) is None:  # not a kernel: IPython terminal or plain Python
        return None
    if _cached is _NOT_YET:
        _cached = _first_answer(shell)
    return _cached


def _first_answer(shell: Any) -> NotebookPath | None:
    for source, find in _SOURCES:
        try:
            path = find(shell)
        except Exception as error:  # detection must never break init or a cell
            logger.debug("notebook detection: %s failed: %r", source, error)
            continue
        if path:
            logger.debug("notebook detection: %s named %s", source, path)
            return NotebookPath(path=path, source=source)
    logger.debug("notebook detection: no source named the notebook")
    return None


def _local(path: Any) -> str | None:
    """``path`` as an absolute OS path; a relative one is looked up from the kernel's cwd upwards.

    jupyter_server gives a relative ``JPY_SESSION_NAME`` (relative to its
    root_dir) when the client sent no ``name``, while it starts the kernel in
    the notebook's folder, below the root; walking up finds the root.
    """
    if not isinstance(path, str) or not path:
        return None
    path = os.path.expanduser(path)
    if os.path.isabs(path):
        return os.path.normpath(path)
    cwd = os.getcwd()
    base = cwd
    while True:
        candidate = os.path.join(base, path)
        if os.path.exists(candidate):
            return os.path.normpath(candidate)
        parent = os.path.dirname(base)
        if parent == base:
            return os.path.normpath(os.path.join(cwd, path))
        base = parent


def _user_ns(shell: Any, name: str) -> str | None:
    return _local((getattr(shell, "user_ns", None) or {}).get(name))


def _notebook_only(path: str | None) -> str | None:
    """Sessions also belong to consoles and files; only an .ipynb names a notebook."""
    return path if path and path.endswith(".ipynb") else None


def _sessions_api(shell: Any) -> str | None:
    from ._jupyter_sessions import notebook_from_servers

    return notebook_from_servers()


def _colab(shell: Any) -> str | None:
    if "google.colab" not in sys.modules:
        import importlib.util

        try:
            if importlib.util.find_spec("google.colab") is None:
                return None
        except (ImportError, ValueError):  # no "google" package at all
            return None
    from ._jupyter_sessions import colab_notebook

    return colab_notebook()


_SOURCES: tuple[tuple[str, Callable[[Any], str | None]], ...] = (
    ("extension", lambda shell: _local(_frontend_path)),
    ("JPY_SESSION_NAME", lambda shell: _notebook_only(_local(os.environ.get("JPY_SESSION_NAME")))),
    ("__session__", lambda shell: _notebook_only(_user_ns(shell, "__session__"))),
    ("__vsc_ipynb_file__", lambda shell: _user_ns(shell, "__vsc_ipynb_file__")),
    ("sessions API", _sessions_api),
    ("colab", _colab),
)
