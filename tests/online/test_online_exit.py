"""A script's online run ended by SIGTERM: finished as failed (exit code 143) on the server too."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from wandb_jupyter.rundir._local_runs import list_local_runs
from wandb_jupyter.rundir._rundir import HISTORY, read_jsonl

from .conftest import server_rows

LOGGING_FOREVER = """
import wandb_jupyter as w
run = w.init(project="p")
i = 0
while True:
    run.log({"i": i})
    print(f"row {i}")
    i += 1
"""


def _child(script: str, cwd: Path, env: dict[str, str], server: Any) -> subprocess.Popen:
    env = dict(env, WANDB_BASE_URL=server.url, WANDB_API_KEY=server.admin_key, WANDB_MODE="online")
    return subprocess.Popen(
        [sys.executable, "-c", script], cwd=cwd, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


def _read_until(stream: Any, wanted: str) -> str:
    for line in stream:
        if wanted in line:
            return line
    raise AssertionError(f"the child ended before printing {wanted!r}")


def _ended(child: subprocess.Popen) -> str:
    """The child's stderr once it ended (stdout drained too, through the reader's buffer)."""
    child.stdout.read()
    errors = child.stderr.read()
    child.wait()
    return errors


def _stored(server: Any, run_id: str) -> Any:
    """The run as the server stored it (read from its data folder once it stopped)."""
    from wandb_jupyter.server import ServerContext

    server.stop()
    context = ServerContext.open(server.data_dir)
    try:
        storage = context.storage
        return storage.get_run(storage.get_project("admin", "p"), run_id)
    finally:
        context.close()


def test_a_sigtermed_online_run_ends_failed_on_the_server(tmp_path, env_for_subprocess, server_process) -> None:
    server_process.start()
    child = _child(LOGGING_FOREVER, tmp_path, env_for_subprocess, server_process)
    _read_until(child.stdout, "row 300")
    child.send_signal(signal.SIGTERM)
    errors = _ended(child)
    assert child.returncode == -signal.SIGTERM, errors
    (local,) = list_local_runs(tmp_path / "wandb")
    assert (local.state, local.exit_code) == ("failed", 143)
    rows = read_jsonl(local.paths.file(HISTORY))
    assert len(rows) > 300 and server_rows(server_process, local.id) == rows
    stored = _stored(server_process, local.id)
    assert (stored.state, stored.exit_code) == ("failed", 143)


def test_a_second_sigterm_ends_the_wait_for_the_server_at_once(tmp_path, env_for_subprocess, server_process) -> None:
    """The first SIGTERM finishes the run (bounded wait for the server); a second one ends the process.

    The wait is made longer than this test's patience: only the second signal can end it in time.
    """
    script = """
import time, wandb_jupyter as w
from wandb_jupyter.online import _sender
_sender.FINISH_TIMEOUT = 3600
run = w.init(project="p")
for i in range(50):
    run.log({"i": i})
print("ready", flush=True)
while True:
    time.sleep(0.05)
"""
    server_process.start()
    child = _child(script, tmp_path, env_for_subprocess, server_process)
    _read_until(child.stdout, "ready")
    server_process.kill()  # the finish now waits for a server that does not answer
    child.send_signal(signal.SIGTERM)
    _read_until(child.stderr, f"uploading to {server_process.url}")  # the finish's progress line
    child.send_signal(signal.SIGTERM)
    try:
        child.wait(timeout=120)  # a guard against hanging, not a measure: the wait would last an hour
    finally:
        child.kill()
    errors = _ended(child)
    assert child.returncode == -signal.SIGTERM, errors
    (local,) = list_local_runs(tmp_path / "wandb")
    assert (local.state, local.exit_code, local.steps) == ("failed", 143, 50)  # on disk before the upload

    server_process.start()  # what the server missed goes up with sync, the exit code with it
    subprocess.run(
        [sys.executable, "-m", "wandb_jupyter", "sync", str(local.paths.root)],
        cwd=tmp_path,
        env=dict(env_for_subprocess, WANDB_BASE_URL=server_process.url, WANDB_API_KEY=server_process.admin_key),
        check=True,
        capture_output=True,
    )
    assert server_rows(server_process, local.id) == read_jsonl(local.paths.file(HISTORY))
    stored = _stored(server_process, local.id)
    assert (stored.state, stored.exit_code) == ("failed", 143)
