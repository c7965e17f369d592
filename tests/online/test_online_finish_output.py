"""What finish() prints when the server is down and stderr is not a terminal (a log file, CI, a pipe)."""

from __future__ import annotations

import socket
import subprocess
import sys

SCRIPT = """
import wandb_jupyter as w
from wandb_jupyter.online import _sender
_sender.FINISH_TIMEOUT = 9
run = w.init(project="p")
for i in range(20):
    run.log({"i": i})
run.finish()
"""


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_finish_waiting_for_a_dead_server_prints_one_progress_line_to_a_pipe(tmp_path, env_for_subprocess) -> None:
    """Issue 19: with the server down and stderr a pipe, finish() printed a progress line every 2 s (30 in all)."""
    env = dict(
        env_for_subprocess,
        WANDB_MODE="online",
        WANDB_BASE_URL=f"http://127.0.0.1:{_closed_port()}",
        WANDB_API_KEY="local-" + "k" * 40,
    )
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    progress = [line for line in done.stderr.splitlines() if "uploading to" in line]
    assert len(progress) == 1, done.stderr
    assert "upload with `wandb-jupyter sync" in done.stderr, "what is left is named, with the command"
