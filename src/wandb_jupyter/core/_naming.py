"""Run ids and automatic run names (``<program stem>-<n>``, unique per project)."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from pathlib import Path

from ..common._filelock import exclusive_lock
from ..rundir._rundir import METADATA, iter_runs, new_run_id, write_atomic

__all__ = ["new_run_id", "reserve_name", "name_stem"]


def name_stem(program: str | None) -> str:
    stem = Path(program).stem if program and not program.startswith("<") else ""
    return re.sub(r"[^\w.-]+", "-", stem).strip("-") or "run"


#: {"links": the wandb folder's link count when written, "projects": {project: {stem: highest n}}}
NAMES_INDEX = ".names.json"


def _highest_by_project(wandb_dir: Path) -> dict[str, dict[str, int]]:
    """For each project, the highest n of each stem among its ``<stem>-<n>`` names (reads every run)."""
    highest: dict[str, dict[str, int]] = {}
    for run in iter_runs(wandb_dir):
        try:
            metadata = json.loads(run.file(METADATA).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        project, name = metadata.get("project"), metadata.get("name")
        if not isinstance(project, str) or not isinstance(name, str):
            continue
        stem, _, number = name.rpartition("-")
        if stem and number.isdecimal():
            stems = highest.setdefault(project, {})
            stems[stem] = max(stems.get(stem, 0), int(number))
    return highest


def _links(wandb_dir: Path) -> int:
    """The folder's link count: 2 + its subfolders on most Linux file systems (1 on some: then no cache)."""
    return os.stat(wandb_dir).st_nlink


def _cached(wandb_dir: Path) -> dict[str, dict[str, int]] | None:
    """The index's names when no folder came or went since it was written but the caller's new run
    folder; else None (the caller reads every run)."""
    try:
        index = json.loads((wandb_dir / NAMES_INDEX).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(index, dict) or index.get("links") != _links(wandb_dir) - 1:
        return None
    projects = index.get("projects")
    valid = isinstance(projects, dict) and all(
        isinstance(stems, dict) and all(isinstance(n, int) for n in stems.values()) for stems in projects.values()
    )
    return projects if valid else None


def reserve_name(wandb_dir: Path, project: str, stem: str, record: Callable[[str], None]) -> str:
    """Pick ``stem-<n>`` with n one above the highest in the project, and ``record`` it under a lock.

    ``record`` must persist the name (write the run's metadata) so that a concurrent process sees
    it once the lock is released. The caller has created its run folder already. The highest
    numbers are kept in ``.names.json``, so ``init()`` does not read every run's metadata while
    the folder holds only runs named here: any folder added or removed by other means (another
    tool, a copy, a deletion) changes the folder's link count, and the next run reads every run
    again.
    """
    with exclusive_lock(wandb_dir / ".names.lock", 0o644):
        projects = _cached(wandb_dir)
        if projects is None:
            projects = _highest_by_project(wandb_dir)
        stems = projects.setdefault(project, {})
        number = stems.get(stem, 0) + 1
        name = f"{stem}-{number}"
        record(name)
        stems[stem] = number
        try:
            write_atomic(wandb_dir / NAMES_INDEX, json.dumps({"links": _links(wandb_dir), "projects": projects}))
        except OSError:  # only a cache: the next run reads every run
            pass
    return name
