"""Offline resume: which run directory an ``init()`` continues, and its state.

never: a new run; an existing id is an error.   auto: continue the id kept in
``wandb-resume.json`` (written at init, removed at a clean finish).   allow:
continue the id if it exists, else start it.   must: the id must exist.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NamedTuple

from ..common._errors import UsageError
from ..common._yaml import unwrap_wandb_config
from ..rundir._rundir import CONFIG, HISTORY, METADATA, SUMMARY, RunPaths, find_run, last_jsonl_row, new_run_id
from ._metrics import recorded_metrics

__all__ = ["ResumePlan", "ResumedState", "plan_resume", "load_state", "RESUME_FILE"]

RESUME_FILE = "wandb-resume.json"


class ResumePlan(NamedTuple):
    run_id: str
    existing: RunPaths | None


class ResumedState(NamedTuple):
    """What a resumed run continues from; the defaults describe a new run."""

    step: int = 0
    runtime: float = 0.0
    name: str | None = None
    config: dict[str, Any] | None = None
    summary: dict[str, Any] | None = None
    metrics: list[dict[str, Any]] | None = None  # define_metric's record (config ``_wandb.m``)


def recorded_auto_id(wandb_dir: Path) -> str | None:
    """The run id ``wandb-resume.json`` keeps for resume='auto', if any."""
    try:
        data = json.loads((wandb_dir / RESUME_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    run_id = data.get("run_id") if isinstance(data, dict) else None
    return run_id if isinstance(run_id, str) and run_id else None


def plan_resume(wandb_dir: Path, mode: str, run_id: str | None) -> ResumePlan:
    """Decide the run id and whether it continues a local run; clear errors otherwise."""
    if mode == "auto":
        run_id = run_id or recorded_auto_id(wandb_dir)
    if mode == "must" and not run_id:
        raise UsageError("resume='must' needs a run id: set WANDB_RUN_ID or pass init(id=...)")
    if not run_id:  # a fresh random id names no folder yet: no need to look through every run
        return ResumePlan(run_id=new_run_id(), existing=None)
    existing = find_run(wandb_dir, run_id)
    if mode == "never" and existing is not None:
        raise UsageError(
            f"run {run_id!r} already exists in {existing.root}; continue it with resume='allow' or "
            f"'must' (WANDB_RESUME), or choose another id"
        )
    if mode == "must" and existing is None:
        raise UsageError(f"resume='must' but no run {run_id!r} exists under {wandb_dir}")
    return ResumePlan(run_id=run_id, existing=existing)


def load_state(paths: RunPaths) -> ResumedState:
    """Step, runtime, name, config and summary of an existing run directory."""
    last = last_jsonl_row(paths.file(HISTORY)) or {}
    summary: dict[str, Any] = {}
    try:
        loaded = json.loads(paths.file(SUMMARY).read_text(encoding="utf-8"))
        if isinstance(loaded, dict):
            summary = {k: v for k, v in loaded.items() if k != "_wandb"}
    except (OSError, ValueError):
        pass
    config: dict[str, Any] = {}
    metrics = None
    if paths.file(CONFIG).is_file():
        import yaml

        try:
            loaded = yaml.safe_load(paths.file(CONFIG).read_text(encoding="utf-8"))
            if isinstance(loaded, dict):
                config = unwrap_wandb_config(loaded)
                metrics = recorded_metrics(loaded)
        except (OSError, yaml.YAMLError):
            pass
    name = None
    try:
        name = json.loads(paths.file(METADATA).read_text(encoding="utf-8")).get("name")
    except (OSError, ValueError, AttributeError):
        pass
    step = int(last.get("_step", -1)) + 1 if isinstance(last.get("_step"), int) else 0
    runtime = float(last.get("_runtime", 0.0)) if isinstance(last.get("_runtime"), (int, float)) else 0.0
    runtime = max(runtime, float(summary.get("_runtime", 0.0) or 0.0))
    return ResumedState(step=step, runtime=runtime, name=name, config=config, summary=summary, metrics=metrics)
