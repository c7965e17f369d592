"""Reading local run directories back: what ``wandb-jupyter runs`` lists."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, NamedTuple

from ._rundir import HISTORY, METADATA, SUMMARY, RunPaths, count_lines, iter_runs, read_json_object

__all__ = ["LocalRun", "list_local_runs", "describe_run", "run_state", "exit_code_of"]


class LocalRun(NamedTuple):
    paths: RunPaths
    id: str
    name: str | None
    project: str | None
    entity: str | None
    mode: str
    state: str
    steps: int
    started: str | None
    exit_code: int | None


def _pid_alive(pid: Any) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _state(metadata: dict[str, Any], exit_code: Any) -> str:
    if isinstance(exit_code, int):
        return "finished" if exit_code == 0 else "failed"
    from ..common._host import hostname

    same_host = metadata.get("host") in (None, hostname())
    return "running" if same_host and _pid_alive(metadata.get("pid")) else "crashed"


def _exit_code(summary: dict[str, Any]) -> Any:
    wandb_block = summary.get("_wandb") or {}
    return wandb_block.get("exitcode") if isinstance(wandb_block, dict) else None


def exit_code_of(summary: dict[str, Any]) -> int | None:
    """The exit code a finished run recorded in its summary's ``_wandb`` block, else None."""
    code = _exit_code(summary)
    return code if isinstance(code, int) and not isinstance(code, bool) else None


def run_state(metadata: dict[str, Any], summary: dict[str, Any]) -> str:
    """running, finished, failed or crashed, from a run's wandb-metadata.json and wandb-summary.json:
    an exit code means it ended; without one it runs while its process (same host) lives."""
    return _state(metadata, _exit_code(summary))


def describe_run(paths: RunPaths) -> LocalRun:
    metadata = read_json_object(paths.file(METADATA))
    exit_code = _exit_code(read_json_object(paths.file(SUMMARY)))
    return LocalRun(
        paths=paths,
        id=paths.run_id,
        name=metadata.get("name"),
        project=metadata.get("project"),
        entity=metadata.get("entity"),
        mode="offline" if paths.offline else "online",
        state=_state(metadata, exit_code),
        steps=count_lines(paths.file(HISTORY)),
        started=metadata.get("startedAt"),
        exit_code=exit_code if isinstance(exit_code, int) else None,
    )


def list_local_runs(wandb_dir: Path, project: str | None = None) -> list[LocalRun]:
    """Runs under ``wandb_dir``, oldest first, optionally of one project."""
    runs = [describe_run(paths) for paths in iter_runs(wandb_dir)]
    return [run for run in runs if project is None or run.project == project]
