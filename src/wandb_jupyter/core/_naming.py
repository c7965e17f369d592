"""Run ids and automatic run names (``<program stem>-<n>``, unique per project)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path

from ..common._filelock import exclusive_lock
from ..rundir._rundir import METADATA, iter_runs, new_run_id

__all__ = ["new_run_id", "reserve_name", "name_stem"]


def name_stem(program: str | None) -> str:
    stem = Path(program).stem if program and not program.startswith("<") else ""
    return re.sub(r"[^\w.-]+", "-", stem).strip("-") or "run"


def _names_in_project(wandb_dir: Path, project: str) -> Iterator[str]:
    for run in iter_runs(wandb_dir):
        try:
            metadata = json.loads(run.file(METADATA).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if metadata.get("project") == project and isinstance(metadata.get("name"), str):
            yield metadata["name"]


def reserve_name(wandb_dir: Path, project: str, stem: str, record: Callable[[str], None]) -> str:
    """Pick ``stem-<n>`` with n one above the highest in the project, and ``record`` it under a lock.

    ``record`` must persist the name (write the run's metadata) so that a
    concurrent process sees it once the lock is released.
    """
    prefix = stem + "-"
    with exclusive_lock(wandb_dir / ".names.lock", 0o644):
        numbers = [
            int(name[len(prefix) :])
            for name in _names_in_project(wandb_dir, project)
            if name.startswith(prefix) and name[len(prefix) :].isdecimal()
        ]
        name = f"{stem}-{max(numbers, default=0) + 1}"
        record(name)
    return name
