"""Every test runs isolated from the home folder and from the caller's WANDB_* variables."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

sys.modules.setdefault("rfc3987_syntax", None)  # spares jsonschema's slow optional import

import wandb_jupyter  # noqa: E402
from wandb_jupyter.core import _state as _init  # noqa: E402


def isolated_environ(tmp: Path) -> dict[str, str]:
    """A copy of os.environ without WANDB_*/JUPYTER_* and with every home folder under ``tmp``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WANDB_", "JUPYTER_", "SINGULARITYENV_"))}
    home = tmp / "home"
    home.mkdir(exist_ok=True)
    runtime = home / ".run"  # %wandb_server's records of the servers it started
    runtime.mkdir(mode=0o700, exist_ok=True)
    env.update(
        HOME=str(home),
        XDG_RUNTIME_DIR=str(runtime),
        WANDB_CONFIG_DIR=str(home / ".config" / "wandb"),
        WANDB_CACHE_DIR=str(home / ".cache" / "wandb"),
        WANDB_DATA_DIR=str(home / ".local" / "wandb"),
        JUPYTER_CONFIG_DIR=str(home / ".jupyter"),
        JUPYTER_DATA_DIR=str(home / ".local" / "jupyter"),
        JUPYTER_RUNTIME_DIR=str(home / ".local" / "jupyter" / "runtime"),
        PYTHONUNBUFFERED="1",
    )
    return env


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Work in ``tmp_path/work`` with a private HOME; finish any run a test left open."""
    work = tmp_path / "work"
    work.mkdir()
    env = isolated_environ(tmp_path)
    for key in list(os.environ):
        if key not in env:
            monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(work)
    monkeypatch.setenv("WANDB_X_STATS_SAMPLING_INTERVAL", "0.2")
    yield work
    for run in _init.active_runs():
        run.finish(quiet=True)
    wandb_jupyter.common._logging.set_silent(False)


@pytest.fixture
def wandb_warnings(monkeypatch: pytest.MonkeyPatch):
    """Warnings on the "wandb" logger (it does not propagate, so caplog cannot see them).

    The once-per-process memory of warn_once() is cleared first.
    """
    import logging

    monkeypatch.setattr(wandb_jupyter.common._logging, "_warned", set())
    records: list = []
    handler = logging.Handler(level=logging.WARNING)
    handler.emit = records.append  # type: ignore[method-assign]
    logger = logging.getLogger("wandb")
    logger.addHandler(handler)
    try:
        yield records
    finally:
        logger.removeHandler(handler)


@pytest.fixture
def env_for_subprocess(tmp_path: Path) -> dict[str, str]:
    """Environment for a child process: isolated, and importing this checkout's package."""
    env = isolated_environ(tmp_path)
    src = str(Path(wandb_jupyter.__file__).resolve().parents[1])
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    return env


@pytest.fixture
def execute_notebook(isolated: Path):
    """Run code cells in a real kernel through nbclient; returns the executed notebook.

    The kernel inherits the isolated environment (HOME, WANDB_*, JUPYTER_*) and
    starts in the test's work folder.
    """
    import nbformat
    from nbclient import NotebookClient

    def execute(
        cells: list[str],
        *,
        name: str = "notebook.ipynb",
        timeout: int = 120,
        allow_errors: bool = False,
        cwd: Path | None = None,
        store_widget_state: bool = False,
    ):
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell(source) for source in cells]
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(nb, isolated / name)
        client = NotebookClient(
            nb,
            timeout=timeout,
            kernel_name="python3",
            allow_errors=allow_errors,
            store_widget_state=store_widget_state,
            resources={"metadata": {"path": str(cwd or isolated)}},
        )
        client.execute()
        return nb

    return execute


def stream_text(cell, name: str = "stdout") -> str:
    """Everything a cell printed on one stream, as the notebook shows it."""
    return "".join(
        out.get("text", "") for out in cell.outputs if out.get("output_type") == "stream" and out.get("name") == name
    )


#: Only a guard against a server that hangs without exiting: servers are waited for while they run.
READY_GUARD = 300.0


def wait_until_ready(
    process: subprocess.Popen, ready: Callable[[], bool], *, what: str, log_tail: Callable[[], str]
) -> None:
    """Poll ``ready()`` until it holds; fail at once when ``process`` exits.

    No fixed start-up limit: a loaded machine (a 2-core CI box at load 15-30) takes minutes to start
    JupyterLab, and a limit of 60 s failed healthy servers there. READY_GUARD and pytest-timeout only
    end a server that neither answers nor exits.
    """
    deadline = time.monotonic() + READY_GUARD
    while True:
        if process.poll() is not None:
            raise AssertionError(f"{what} exited with {process.returncode}:\n{log_tail()}")
        try:
            if ready():
                return
        except OSError:  # not listening yet (urllib's and requests' connection errors are OSErrors)
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} neither answered nor exited in {READY_GUARD:.0f} s:\n{log_tail()}")
        time.sleep(0.2)


def free_port() -> int:
    """A loopback port nobody listens on, below the kernel's range of ports for outgoing connections.

    A server started a while after its port was chosen (a slow start-up) must find it still free:
    a port from the ephemeral range can meanwhile be taken by any outgoing connection, even by a
    readiness poll connecting to itself (TCP self-connect).
    """
    import random
    import socket

    try:
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768
    for _ in range(200):
        port = random.randrange(10000, max(10001, low))
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as sock:  # the low range is full: any free port
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
