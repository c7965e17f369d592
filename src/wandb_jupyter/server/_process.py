"""Starting ``wandb-jupyter server`` as a child process and learning its URL.

The server prints ``wandb-jupyter server: <url> (data in ...)`` once it
listens (with ``--port 0`` the URL carries the port the system chose), and
``dashboard: <url>/login?token=<t>``, the link that logs a browser into its
dashboard. Two ways to keep its output:

- piped (tests, benchmarks): read on a daemon thread so a full pipe never
  blocks the server; the server lives as long as its parent cares;
- ``log_file`` (``%wandb_server``): the server writes to that file in a
  session of its own, so it outlives the kernel that started it and a kernel
  interrupt (which jupyter_client sends to the kernel's whole process group)
  does not stop it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlencode

from ._paths import ADMIN_KEY_FILE
from ._tickets import dashboard_token

__all__ = ["Launched", "launch"]

_READY = re.compile(r"^wandb-jupyter server: (http://\S+)", re.M)
_LOGIN = re.compile(r"^dashboard: (http://\S+)", re.M)
_KEY = re.compile(r"\blocal-[0-9a-f]{40}\b")
#: After the ready line, how long to wait for the dashboard line (printed right after it).
_LOGIN_WAIT = 5.0


class Launched(NamedTuple):
    """A started server: its process, its URL, every line it printed so far, its dashboard login link, and
    the admin's API key when this start made it (printed, or written to the data dir's 0600 key file)."""

    process: subprocess.Popen
    url: str
    output: list[str]
    login_url: str | None = None
    admin_key: str | None = None

    def __repr__(self) -> str:  # the login link carries the dashboard token
        return f"Launched(pid={self.process.pid}, url={self.url!r})"


def _command(
    data_dir: Path, port: int, frame_ancestors: Sequence[str], verbose: int = 0, extra: Sequence[str] = ()
) -> list[str]:
    command = [sys.executable, "-m", "wandb_jupyter", "server", "--port", str(port), "--data-dir", str(data_dir)]
    command += ["-v"] * verbose
    command += extra
    for origin in frame_ancestors:
        command += ["--frame-ancestors", origin]
    return command


def launch(
    data_dir: Path,
    *,
    port: int = 0,
    env: Mapping[str, str] | None = None,
    stderr: Any = subprocess.STDOUT,
    timeout: float = 30.0,
    frame_ancestors: Sequence[str] = (),
    log_file: Path | None = None,
    verbose: int = 0,
    extra_args: Sequence[str] = (),
) -> Launched:
    """Start a server on 127.0.0.1 and wait (at most ``timeout`` s) until it listens.

    ``frame_ancestors``: origins allowed to show the dashboard in a frame (a Jupyter
    server's origin). ``log_file``: see the module docstring (``stderr`` is ignored then).
    ``verbose``: 1 logs every request, 2 everything (``-v``, ``-vv``). ``extra_args``: more options of
    ``wandb-jupyter server`` (``--allow-anonymous``...). A server whose output is not private prints its
    login link without the token: the link is then made from the token in its data dir.
    """
    command = _command(data_dir, port, frame_ancestors, verbose, extra_args)
    environ = None if env is None else dict(env)
    if log_file is None:
        process, output, wait = _start_piped(command, environ, stderr)
    else:
        process, output, wait = _start_logged(command, environ, Path(log_file))
    deadline = time.monotonic() + timeout
    wait(lambda text: _READY.search(text) is not None, deadline)
    text = "".join(output)
    match = _READY.search(text)
    if match is None:
        process.kill()
        process.wait(10)
        raise RuntimeError(f"wandb-jupyter server did not start within {timeout:.0f} s:\n" + text)
    wait(lambda text: _LOGIN.search(text) is not None, min(deadline, time.monotonic() + _LOGIN_WAIT))
    login = _LOGIN.search("".join(output))
    login_url = login.group(1) if login else None
    if login_url is not None and "token=" not in login_url:
        login_url = f"{login_url}?{urlencode({'token': dashboard_token(data_dir)})}"
    return Launched(
        process=process, url=match.group(1), output=output, login_url=login_url, admin_key=_admin_key(output, data_dir)
    )


def _admin_key(output: list[str], data_dir: Path) -> str | None:
    """The key of the admin this start made: in its output, else in the key file it names."""
    text = "".join(output)
    if "Created the admin user" not in text:
        return None
    printed = _KEY.search(text)
    if printed:
        return printed.group(0)
    try:
        return (Path(data_dir) / ADMIN_KEY_FILE).read_text(encoding="utf-8").split()[0]
    except (OSError, IndexError):
        return None


def _start_piped(
    command: list[str], env: dict[str, str] | None, stderr: Any
) -> tuple[subprocess.Popen, list[str], Any]:
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=stderr, text=True)
    output: list[str] = []
    changed = threading.Condition()
    ended = threading.Event()  # the server closed its output: it exited

    def read() -> None:
        for line in process.stdout:  # type: ignore[union-attr]
            with changed:
                output.append(line)
                changed.notify_all()
        with changed:
            ended.set()
            changed.notify_all()

    def wait(done: Any, deadline: float) -> None:
        with changed:
            while not done("".join(output)) and not ended.is_set():
                left = deadline - time.monotonic()
                if left <= 0:
                    return
                changed.wait(left)

    threading.Thread(target=read, name="wandb-server-output", daemon=True).start()
    return process, output, wait


def _start_logged(
    command: list[str], env: dict[str, str] | None, log_file: Path
) -> tuple[subprocess.Popen, list[str], Any]:
    fd = os.open(log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)  # the first start prints an API key
    start = os.fstat(fd).st_size  # earlier servers' lines stay in the file
    try:
        process = subprocess.Popen(
            command,
            env=env,
            stdout=fd,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            start_new_session=True,
        )
    finally:
        os.close(fd)
    output: list[str] = []

    def wait(done: Any, deadline: float) -> None:
        while True:
            with open(log_file, encoding="utf-8", errors="replace") as handle:
                handle.seek(start)
                output[:] = handle.read().splitlines(keepends=True)
            if done("".join(output)) or process.poll() is not None or time.monotonic() >= deadline:
                return
            time.sleep(0.05)

    return process, output, wait
