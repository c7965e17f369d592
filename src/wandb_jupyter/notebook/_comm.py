"""The JupyterLab extension's channel into the kernel: the notebook path in, the run's status out.

How the path gets here before the user's first cell
---------------------------------------------------
A comm can only be opened once its target is registered in the kernel, and
the target lives in this package, which the user may not have imported yet.
So when a Python kernel starts or restarts, the extension sends one silent
``execute_request`` (``silent``, ``store_history=False``, ``stop_on_error=False``,
never shown in a cell, no execution count) of::

    try:
        from wandb_jupyter.notebook._comm import hello as _wandb_jupyter_hello
    except Exception:
        pass
    else:
        _wandb_jupyter_hello("<notebook path>", "<server root>", {"base": "<dashboard URL>", "roots": [...]})
        del _wandb_jupyter_hello

(the third argument only when the server's dashboard answered; see ``_local_pages``).

The path travels inside that request, so it is in the kernel before any cell
the user queues after it, with no round trip. The import (about 10 ms in a
kernel, where IPython is already loaded) registers the magics, the cell
hooks and the comm target, as ``%load_ext wandb_jupyter`` would. Where the
package is not installed the ``except`` makes the request a no-op; the
extension reads a ``user_expressions`` probe of the reply and, only when it
answered, opens the comm (so kernels without us never see an unknown comm
target). Non-Python kernels get no request at all.

Messages (JSON), over the comm target ``wandb_jupyter``:

- front end -> kernel: ``{"type": "path", "path", "root", "dashboard"?}`` when the comm opens;
  ``{"type": "finish"}`` (finish the shown run); ``{"type": "status"}`` (send the
  status again). A rename is sent as the probe again, with the new path: JupyterLab
  may route comm messages to a kernel subshell (ipykernel 7), which runs them beside
  the cells, while the shell queue orders the request before the next cell. For the
  same reason the comm handlers here may run on a subshell thread.
- kernel -> front end: ``{"type": "status", "run": {name, id, state, step, mode,
  url, project} | null, "version"}`` when the comm opens, when a run starts or
  finishes, after each execution and once a second while a run is running
  (only when something changed); ``{"type": "open", "url"}`` for WANDB_SHOW_RUN;
  ``{"type": "error", "message"}`` when a request failed.

Everything here runs inside a kernel only (imported by the IPython extension),
and nothing in it may raise into the kernel: every entry point catches its
own errors and logs them at DEBUG on the "wandb" logger.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Any

from ..common._ipython import current_shell
from ..common._logging import logger

__all__ = ["TARGET", "PROTOCOL", "register", "hello", "connected", "publish_status"]

#: The comm target name the JupyterLab extension opens.
TARGET = "wandb_jupyter"
#: Answered to the extension's probe; bump on incompatible message changes.
PROTOCOL = 1
#: Seconds between two status checks while a run is running and a front end listens.
TICK_SECONDS = 1.0

_lock = threading.RLock()
_kernel: Any = None  # the kernel whose comm manager has our target
_hooked = False  # run listener, show-run opener and post_execute hook installed
_comms: dict[str, Any] = {}  # open comms from front ends, by comm id
_shown: Any = None  # the run the status reports (the last started; kept after it finishes)
_last_sent: dict[str, Any] | None = None
_expected = False  # the extension probed this kernel: its comm is on the way
_pending_opens: list[str] = []  # WANDB_SHOW_RUN pages asked for before that comm arrived
_ticker: threading.Thread | None = None


def register(shell: Any = None) -> bool:
    """Register the comm target (and our hooks) in this kernel, once; False outside a kernel."""
    global _kernel, _hooked
    try:
        shell = current_shell() if shell is None else shell
        kernel = getattr(shell, "kernel", None)
        manager = getattr(kernel, "comm_manager", None)
        if manager is None:  # IPython terminal, or a kernel without comms
            return False
        with _lock:
            if _kernel is not kernel:
                manager.register_target(TARGET, _on_open)
                _kernel = kernel
            if not _hooked:
                from ..core._init import add_run_listener, current_run
                from ._show import set_frontend_opener

                add_run_listener(_on_run)
                set_frontend_opener(_open_page)
                shell.events.register("post_execute", _after_execute)
                _hooked = True
                _show_run(current_run())
        return True
    except Exception as error:  # the extension must never break the kernel
        logger.debug("registering the %s comm target failed: %r", TARGET, error)
        return False


def hello(path: Any = None, root: Any = None, dashboard: Any = None) -> int:
    """The extension's silent request at kernel start (and rename): register, and take the notebook's path.

    ``dashboard``: the in-Jupyter dashboard's URL and folders, so that offline runs
    get pages (see ``_local_pages``); absent when the server has none.

    The extension opens its comm as soon as this answers; until the comm arrives (it
    may travel on a subshell, beside the cells), pages to open are kept for it.
    """
    global _expected
    register()
    _set_path(path, root)
    _set_dashboard(dashboard)
    with _lock:
        _expected = True
    return PROTOCOL


def connected() -> bool:
    """True while at least one front end has the comm open."""
    return bool(_comms)


# -- front end -> kernel ------------------------------------------------------------------------------------


def _resolve(path: Any, root: Any) -> str | None:
    """The server-relative ``path`` under the server's ``root`` when that file exists here, else as given.

    A relative path is resolved later by the detection chain (from the kernel's
    working directory upwards), which also covers kernels on another machine.
    """
    if not isinstance(path, str) or not path:
        return None
    if isinstance(root, str) and root:
        base = os.path.expanduser(root)
        if os.path.isabs(base):
            candidate = os.path.normpath(os.path.join(base, path.lstrip("/")))
            if os.path.exists(candidate):
                return candidate
    return path


def _set_path(path: Any, root: Any) -> None:
    from ..settings._notebook import set_frontend_path

    resolved = _resolve(path, root)
    if resolved is not None:
        set_frontend_path(resolved)
        logger.debug("notebook path from the JupyterLab extension: %s", resolved)


def _set_dashboard(dashboard: Any) -> None:
    from ..core._local_pages import set_dashboard

    set_dashboard(dashboard)


def _on_open(comm: Any, message: dict[str, Any]) -> None:
    try:
        with _lock:
            _comms[comm.comm_id] = comm
        comm.on_msg(_on_msg)
        comm.on_close(_on_close)
        _handle(comm, (message.get("content") or {}).get("data") or {})
        publish_status(force=True, only=comm)
        with _lock:
            pending = list(_pending_opens)
            _pending_opens.clear()
        for url in pending:
            _send(comm, {"type": "open", "url": url})
        _start_ticker()
    except Exception as error:
        logger.debug("opening the %s comm failed: %r", TARGET, error)


def _on_msg(message: dict[str, Any]) -> None:
    try:
        content = message.get("content") or {}
        comm = _comms.get(str(content.get("comm_id")))
        _handle(comm, content.get("data") or {})
    except Exception as error:
        logger.debug("a %s comm message failed: %r", TARGET, error)


def _on_close(message: dict[str, Any]) -> None:
    global _expected
    with _lock:
        _comms.pop(str((message.get("content") or {}).get("comm_id")), None)
        if not _comms:
            _expected = False  # the front end has gone: cells fall back to a link again


def _handle(comm: Any, data: dict[str, Any]) -> None:
    kind = data.get("type")
    if kind == "path":
        _set_path(data.get("path"), data.get("root"))
        if "dashboard" in data:
            _set_dashboard(data.get("dashboard"))
    elif kind == "finish":
        _finish(comm)
    elif kind == "status" and comm is not None:
        publish_status(force=True, only=comm)


def _finish(comm: Any) -> None:
    from ..core._init import current_run

    run = _shown if _shown is not None and not _finished(_shown) else current_run()
    if run is None or _finished(run):
        _send(comm, {"type": "error", "message": "there is no running W&B run in this kernel"})
        return
    try:
        run.finish()
    except Exception as error:
        logger.debug("finishing the run from the front end failed: %r", error)
        _send(comm, {"type": "error", "message": f"finishing the run failed: {error}"})


# -- kernel -> front end ------------------------------------------------------------------------------------


def _finished(run: Any) -> bool:
    return bool(getattr(run, "finished", False))


def snapshot(run: Any) -> dict[str, Any] | None:
    """What the status bar shows about ``run`` (plain JSON)."""
    if run is None:
        return None
    exit_code = getattr(run, "exit_code", None)
    if not _finished(run):
        state = "running"
    else:
        state = "finished" if not exit_code else "failed"
    return {
        "name": str(getattr(run, "name", "") or ""),
        "id": str(getattr(run, "id", "") or ""),
        "project": str(getattr(run, "project", "") or ""),
        "state": state,
        "step": int(getattr(run, "step", 0) or 0),
        "mode": str(getattr(run, "mode", "") or ""),
        "url": getattr(run, "url", None) or None,
    }


def _status() -> dict[str, Any]:
    from ..common._package_version import __version__

    return {"type": "status", "run": snapshot(_shown), "version": __version__}


def _send(comm: Any, data: dict[str, Any]) -> bool:
    if comm is None:
        return False
    try:
        comm.send(data)
        return True
    except Exception as error:  # a closed socket at shutdown, a front end gone
        logger.debug("sending over the %s comm failed: %r", TARGET, error)
        return False


def publish_status(force: bool = False, only: Any = None) -> None:
    """Send the status to the front ends when it changed since the last send (or when ``force``)."""
    global _last_sent
    if not _comms:
        return
    with _lock:
        status = _status()
        if not force and status == _last_sent:
            return
        _last_sent = status
        targets = [only] if only is not None else list(_comms.values())
    for comm in targets:
        _send(comm, status)


def _open_page(url: str) -> bool:
    """WANDB_SHOW_RUN: ask the connected front ends to open ``url``; False when none listens.

    Probed but not connected yet (a cell queued right behind the probe): the page
    is kept for the comm, which brings it to the front end as soon as it opens.
    """
    opened = False
    for comm in list(_comms.values()):
        opened = _send(comm, {"type": "open", "url": url}) or opened
    if not opened and _expected:
        with _lock:
            _pending_opens.append(url)
        return True
    return opened


def _show_run(run: Any) -> None:
    global _shown
    if run is not None:
        _shown = run


def _on_run(event: str, run: Any) -> None:
    global _shown
    from ..core._init import current_run

    if event == "started":
        _shown = run
    elif event == "finished" and _shown is run:
        # another run still active takes over; else the finished run stays visible
        _shown = current_run() or run
    publish_status()
    _start_ticker()


def _after_execute() -> None:
    if _comms:  # microseconds when no front end listens
        try:
            publish_status()
        except Exception as error:
            logger.debug("post_execute status failed: %r", error)


def _start_ticker() -> None:
    """While a run is running and a front end listens, check its step once a second (live step count)."""
    global _ticker
    with _lock:
        if _ticker is not None or not _comms or _shown is None or _finished(_shown):
            return
        _ticker = threading.Thread(target=_tick, name="wandb-jupyter-comm-status", daemon=True)
        _ticker.start()


def _tick() -> None:
    global _ticker
    while True:
        time.sleep(TICK_SECONDS)
        try:
            publish_status()
        except Exception as error:
            logger.debug("status tick failed: %r", error)
        with _lock:
            if not _comms or _shown is None or _finished(_shown):
                _ticker = None
                return
