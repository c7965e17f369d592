"""An init() that fails after console capture began gives the console back: the error and later output show.

Found by the concurrency test: when a step at the end of ``init()`` failed (here starting the
system-metrics thread, as when a process may start no more threads), the run was never
remembered, so nothing ever stopped its ``redirect`` capture: the traceback, and everything the
program printed afterwards, went into a pipe nobody read, and the program ended with exit code 1
and no output at all.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent(
    """
    import sys
    import wandb_jupyter as wandb
    from wandb_jupyter.core import _system
    def refuse(self):
        raise RuntimeError("can't start new thread")
    _system.SystemMonitor.start = refuse
    if sys.argv[1] == "caught":
        try:
            wandb.init(mode="offline", project="p", id="broken")
        except RuntimeError as error:
            print("init failed:", error)
        print("still printing", flush=True)
        print("to stderr too", file=sys.stderr, flush=True)
    else:
        wandb.init(mode="offline", project="p", id="broken")
    """
)


@pytest.mark.parametrize("how", ["caught", "uncaught"])
def test_a_failed_init_gives_the_console_back(how, tmp_path, env_for_subprocess) -> None:
    env = dict(env_for_subprocess, WANDB_CONSOLE="redirect")
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, how], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    if how == "caught":
        assert done.returncode == 0, done.stderr
        assert "init failed: can't start new thread" in done.stdout and "still printing" in done.stdout, done
        assert "to stderr too" in done.stderr, done
    else:
        assert done.returncode == 1
        assert "Traceback" in done.stderr and "RuntimeError: can't start new thread" in done.stderr, done
    summary = next((tmp_path / "wandb").glob("offline-run-*-broken")) / "files" / "wandb-summary.json"
    assert json.loads(summary.read_text())["_wandb"]["exitcode"] == 1, "the half-started run is marked failed"
