"""A crash's last words (issue 19, item 7): with the default capture in a script (redirect), what the
program wrote before it segfaulted, called ``os._exit`` or was SIGKILLed reaches the terminal as without
the library, and ``output.log``.

The program runs unbuffered (``PYTHONUNBUFFERED=1``, as a terminal's line buffering would be) with
faulthandler on, so without the library every line and the fatal error's traceback show.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

LINES = [f"line {i}" for i in range(5)]

ENDINGS = {
    "segfault": "import ctypes; ctypes.string_at(0)",
    "os._exit": "os._exit(3)",
    "sigkill": "print('ready', flush=True); time.sleep(60)",
}


def _script(ending: str, with_library: bool, library: str = "wandb_jupyter") -> str:
    start = f"import {library} as wandb; run = wandb.init(mode='offline', project='crash')" if with_library else ""
    return textwrap.dedent(
        f"""
        import os, sys, time
        {start}
        for i in range(5):
            print(f"line {{i}}")
        print("to stderr", file=sys.stderr)
        {ENDINGS[ending]}
        """
    )


def _run(script: str, cwd: Path, env: dict, ending: str) -> tuple[str, str]:
    child = subprocess.Popen(
        [sys.executable, "-X", "faulthandler", "-c", script],
        cwd=cwd,
        env={**env, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    seen = ""
    if ending == "sigkill":  # the OOM killer's way: no handler runs
        for line in child.stdout:
            seen += line
            if line == "ready\n":
                break
        child.send_signal(signal.SIGKILL)
    try:
        out, err = child.communicate(timeout=60)
    finally:
        child.kill()
    return seen + out, err


@pytest.mark.parametrize("ending", list(ENDINGS))
def test_a_crash_keeps_its_last_words_on_the_terminal_and_in_output_log(tmp_path, env_for_subprocess, ending) -> None:
    env = {k: v for k, v in env_for_subprocess.items() if k != "WANDB_CONSOLE"}  # the default capture
    (tmp_path / "plain").mkdir()
    (tmp_path / "tracked").mkdir()
    plain_out, plain_err = _run(_script(ending, False), tmp_path / "plain", env, ending)
    out, err = _run(_script(ending, True), tmp_path / "tracked", env, ending)

    assert plain_out.splitlines()[:5] == LINES, "without the library the lines show"
    assert out.splitlines()[:5] == LINES, err
    assert "to stderr" in err
    if ending == "segfault":
        assert "Fatal Python error: Segmentation fault" in plain_err
        assert "Fatal Python error: Segmentation fault" in err and 'File "<string>"' in err, err

    (log,) = (tmp_path / "tracked" / "wandb").glob("offline-run-*/files/output.log")
    texts = [
        line.split(" ", 2)[-1] if line.startswith("ERROR ") else line.split(" ", 1)[1]
        for line in log.read_text().splitlines()
    ]
    assert texts[:5] == LINES and "to stderr" in texts, texts
    if ending == "segfault":
        assert "Fatal Python error: Segmentation fault" in texts, texts


@pytest.mark.parametrize("ending", list(ENDINGS))
def test_wandb_keeps_them_on_the_terminal_too(tmp_path, env_for_subprocess, ending) -> None:
    """The reference: W&B 0.31's default console keeps a crash's last words on the terminal, as we do."""
    pytest.importorskip("wandb")
    env = {k: v for k, v in env_for_subprocess.items() if k != "WANDB_CONSOLE"}
    out, err = _run(_script(ending, True, library="wandb"), tmp_path, env, ending)
    assert out.splitlines()[:5] == LINES, err
    assert "to stderr" in err
    if ending == "segfault":
        assert "Fatal Python error: Segmentation fault" in err


def test_a_child_process_holding_the_pipe_delays_finish_by_seconds_only(tmp_path, env_for_subprocess) -> None:
    """A child of the program keeps the redirect pipe open past finish(): finish() stops waiting for the
    forwarder after a bounded wait, output.log is closed with what came before, and the child's later
    output still reaches the terminal (the forwarder goes on forwarding)."""
    script = textwrap.dedent(
        """
        import subprocess, sys, time
        import wandb_jupyter as wandb
        run = wandb.init(mode="offline", project="crash")
        print("before finish")
        subprocess.Popen([sys.executable, "-c", "import time; time.sleep(6); print('from the child, late')"])
        started = time.monotonic()
        run.finish()
        print(f"finish took {time.monotonic() - started:.1f} s", file=sys.stderr)
        """
    )
    env = {k: v for k, v in env_for_subprocess.items() if k != "WANDB_CONSOLE"}
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env={**env, "PYTHONUNBUFFERED": "1"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["before finish", "from the child, late"], done.stdout
    took = float(done.stderr.rsplit("finish took ", 1)[1].split()[0])
    assert took < 5.5, done.stderr
    (log,) = (tmp_path / "wandb").glob("offline-run-*/files/output.log")
    assert [line.split(" ", 1)[1] for line in log.read_text().splitlines()] == ["before finish"]
