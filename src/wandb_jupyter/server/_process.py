"""Starting ``wandb-jupyter server`` as a child process and learning its URL.

The server prints ``wandb-jupyter server: <url> (data in ...)`` once it
listens (with ``--port 0`` the URL carries the port the system chose). Its
output keeps being read on a daemon thread so a full pipe never blocks it.
"""

from __future__ import annotations

import re
import subprocess
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

__all__ = ["Launched", "launch"]

_READY = re.compile(r"^wandb-jupyter server: (http://\S+)", re.M)


class Launched(NamedTuple):
    """A started server: its process, its URL, and every line it printed so far (growing)."""

    process: subprocess.Popen
    url: str
    output: list[str]


def launch(data_dir: Path, *, port: int = 0, env: Mapping[str, str] | None = None, stderr: Any = subprocess.STDOUT,
           timeout: float = 30.0) -> Launched:
    """Start a server on 127.0.0.1 and wait (at most ``timeout`` s) until it listens."""
    process = subprocess.Popen(
        [sys.executable, "-m", "wandb_jupyter", "server", "--port", str(port), "--data-dir", str(data_dir)],
        env=None if env is None else dict(env), stdout=subprocess.PIPE, stderr=stderr, text=True)
    output: list[str] = []
    ready = threading.Event()

    def read() -> None:
        for line in process.stdout:  # type: ignore[union-attr]
            output.append(line)
            if _READY.match(line):
                ready.set()
        ready.set()  # the server exited

    threading.Thread(target=read, name="wandb-server-output", daemon=True).start()
    started = ready.wait(timeout)
    match = _READY.search("".join(output))
    if not started or match is None:
        process.kill()
        process.wait(10)
        raise RuntimeError(f"wandb-jupyter server did not start within {timeout:.0f} s:\n" + "".join(output))
    return Launched(process=process, url=match.group(1), output=output)
