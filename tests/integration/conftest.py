"""Running one W&B-style training program with this package and with the real W&B SDK (offline).

The program is written as W&B's users write it (``import wandb``,
``from wandb.integration.xgboost import WandbCallback``, ``wandb.sklearn.plot_*``).
Ours runs it behind ``wandb_jupyter.install_as_wandb()``, the real SDK as is;
``REAL`` tells the program which one it runs on. Both run directories are then
read with the helpers of ``tests/data_types`` (history, summary, ``_wandb`` config).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from data_types.conftest import Ran

SDK_TIMEOUT = 300

#: What each side runs before the program's own lines.
PRELUDES = {
    False: "REAL = False\nimport wandb_jupyter\nwandb_jupyter.install_as_wandb()\nimport wandb\n",
    True: "REAL = True\nimport wandb\n",
}


def run_program(work: Path, env: dict[str, str], body: str, *, real: bool) -> list[Ran]:
    """Run ``body`` in a fresh interpreter; its run directories, oldest first."""
    work.mkdir(parents=True, exist_ok=True)
    script = work / "program.py"
    script.write_text(PRELUDES[real] + textwrap.dedent(body), encoding="utf-8")
    full = dict(env, WANDB_MODE="offline", WANDB_SILENT="true", WANDB_DIR=str(work), TMPDIR=str(work))
    full["OMP_NUM_THREADS"] = "1"
    done = subprocess.run(
        [sys.executable, str(script)], cwd=work, env=full, capture_output=True, text=True, timeout=SDK_TIMEOUT
    )
    side = "wandb" if real else "wandb_jupyter"
    assert done.returncode == 0, f"{side}: {done.stdout}\n{done.stderr}"
    return [Ran(found, real) for found in sorted((work / "wandb").glob("offline-run-*"))]


@pytest.fixture
def run_both(tmp_path: Path, env_for_subprocess: dict[str, str]):
    """``run_both(body)`` -> (our runs, the real SDK's runs), each a list oldest first."""
    pytest.importorskip("wandb")

    def run(body: str) -> tuple[list[Ran], list[Ran]]:
        ours = run_program(tmp_path / "ours", env_for_subprocess, body, real=False)
        theirs = run_program(tmp_path / "theirs", env_for_subprocess, body, real=True)
        return ours, theirs

    return run


def logged_tables(ran: Ran) -> dict[str, dict[str, Any]]:
    """Every table a run logged, by history key: the table file's ``{"columns", "data"}``."""
    tables = {}
    for row in ran.rows():
        for key, value in row.items():
            if isinstance(value, dict) and value.get("_type") == "table-file":
                tables[key] = json.loads((ran.files / value["path"]).read_text(encoding="utf-8"))
    return tables


def user_keys(row: dict[str, Any]) -> dict[str, Any]:
    """A history row or summary without W&B's own ``_step``/``_runtime``/``_timestamp``/``_wandb``."""
    return {key: value for key, value in row.items() if not key.startswith("_")}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "wandb_sdk: runs the real W&B SDK (pip wandb) as the reference")
