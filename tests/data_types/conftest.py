"""Running one program with this package and with the real W&B SDK (offline), and reading what each wrote.

``run_both(body)`` writes ``body`` after ``import <module> as wandb`` and runs it
twice in fresh interpreters: once as ``import wandb_jupyter as wandb``, once as
``import wandb`` (W&B 0.31, ``WANDB_MODE=offline``). It returns both run
directories. Ours keeps history and summary as JSON files; the real SDK keeps
them in its record log (read by :mod:`_wandb_records`).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from . import _wandb_records

SDK_TIMEOUT = 180


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "wandb_sdk: runs the real W&B SDK (pip wandb) as the reference")


class Ran:
    """One finished run of a program: its run directory and what it logged."""

    def __init__(self, run_dir: Path, real: bool) -> None:
        self.dir = run_dir
        self.real = real

    @property
    def files(self) -> Path:
        return self.dir / "files"

    def media(self) -> dict[str, bytes]:
        """Every file under files/media, by run-relative path."""
        root = self.files
        return {
            p.relative_to(root).as_posix(): p.read_bytes() for p in sorted((root / "media").rglob("*")) if p.is_file()
        }

    def rows(self) -> list[dict[str, Any]]:
        if self.real:
            return _wandb_records.history_rows(self.dir)
        text = (self.files / "wandb-history.jsonl").read_text(encoding="utf-8")
        return [json.loads(line) for line in text.splitlines()]

    def summary(self) -> dict[str, Any]:
        if self.real:
            return _wandb_records.summary(self.dir)
        return json.loads((self.files / "wandb-summary.json").read_text(encoding="utf-8"))

    def wandb_config(self) -> dict[str, Any]:
        """The config's ``_wandb`` block."""
        if self.real:
            return _wandb_records.config(self.dir).get("_wandb", {})
        import yaml

        return yaml.safe_load((self.files / "config.yaml").read_text(encoding="utf-8"))["_wandb"]["value"]


def run_program(
    work: Path, env: dict[str, str], body: str, *, real: bool, files: dict[str, bytes] | None = None
) -> Ran:
    work.mkdir(parents=True, exist_ok=True)
    for name, content in (files or {}).items():
        (work / name).write_bytes(content)
    module = "wandb" if real else "wandb_jupyter"
    script = work / "program.py"
    script.write_text(f"import {module} as wandb\n" + textwrap.dedent(body), encoding="utf-8")
    full = dict(env, WANDB_MODE="offline", WANDB_SILENT="true", WANDB_DIR=str(work), TMPDIR=str(work))
    done = subprocess.run(
        [sys.executable, str(script)], cwd=work, env=full, capture_output=True, text=True, timeout=SDK_TIMEOUT
    )
    assert done.returncode == 0, f"{module}: {done.stdout}\n{done.stderr}"
    found = sorted((work / "wandb").glob("offline-run-*"))
    assert len(found) == 1, found
    return Ran(found[0], real)


@pytest.fixture
def run_both(tmp_path: Path, env_for_subprocess: dict[str, str]):
    """``run_both(body, files={name: bytes})`` -> (ours, theirs)."""
    pytest.importorskip("wandb")

    def run(body: str, files: dict[str, bytes] | None = None) -> tuple[Ran, Ran]:
        ours = run_program(tmp_path / "ours", env_for_subprocess, body, real=False, files=files)
        theirs = run_program(tmp_path / "theirs", env_for_subprocess, body, real=True, files=files)
        return ours, theirs

    return run


@pytest.fixture
def run_ours(tmp_path: Path, env_for_subprocess: dict[str, str]):
    def run(body: str, files: dict[str, bytes] | None = None) -> Ran:
        return run_program(tmp_path / "ours", env_for_subprocess, body, real=False, files=files)

    return run


#: Fields of W&B's value that name its run-table artifact, which this package does not create.
ARTIFACT_FIELDS = ("artifact_path", "_latest_artifact_path")
#: Fields that differ between any two runs.
RUN_FIELDS = ("_runtime", "_timestamp", "_wandb")


def comparable(value: Any) -> Any:
    """``value`` without the artifact and timing fields, floats and ints alike (W&B writes 1 for 1.0)."""
    if isinstance(value, dict):
        return {k: comparable(v) for k, v in value.items() if k not in ARTIFACT_FIELDS and k not in RUN_FIELDS}
    if isinstance(value, list):
        return [comparable(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
