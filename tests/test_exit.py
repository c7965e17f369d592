"""Runs left open are finished at interpreter exit, with the right exit code."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def _summary_of_only_run(cwd: Path) -> dict:
    (files,) = (cwd / "wandb").glob("offline-run-*/files")
    return json.loads((files / "wandb-summary.json").read_text())


def test_clean_exit_finishes_with_code_0(tmp_path, env_for_subprocess) -> None:
    script = "import wandb_jupyter as w; w.init(mode='offline'); w.log({'a': 1})"
    subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env_for_subprocess, check=True)
    summary = _summary_of_only_run(tmp_path)
    assert summary["_wandb"]["exitcode"] == 0 and summary["a"] == 1


def test_uncaught_exception_finishes_with_code_1(tmp_path, env_for_subprocess) -> None:
    script = "import wandb_jupyter as w; w.init(mode='offline'); w.log({'a': 1}); raise SystemError('boom')"
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env_for_subprocess,
                            capture_output=True, text=True)
    assert result.returncode == 1 and "SystemError: boom" in result.stderr
    assert _summary_of_only_run(tmp_path)["_wandb"]["exitcode"] == 1


def test_cli_lists_states(tmp_path, env_for_subprocess) -> None:
    ok = "import wandb_jupyter as w; w.init(mode='offline', name='good')"
    bad = "import wandb_jupyter as w; w.init(mode='offline', name='bad'); raise ValueError"
    crash = "import os, wandb_jupyter as w; w.init(mode='offline', name='gone'); w.log({'a': 1}); os._exit(3)"
    for script in (ok, bad, crash):
        subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env_for_subprocess, capture_output=True)
    out = subprocess.run([sys.executable, "-m", "wandb_jupyter", "runs", "--json"], cwd=tmp_path,
                         env=env_for_subprocess, capture_output=True, text=True, check=True).stdout
    states = {run["name"]: (run["state"], run["steps"]) for run in json.loads(out)}
    assert states == {"good": ("finished", 0), "bad": ("failed", 0), "gone": ("crashed", 1)}
