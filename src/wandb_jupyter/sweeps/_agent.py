"""``wandb_jupyter.agent()``: run a sweep's trials, in this process (``function``) or as the sweep's ``program``.

Each trial is handed over as W&B's agents do it, so the function's ``wandb_jupyter.init()`` (or a program
using W&B's SDK or ours) picks it up: the parameters in ``<wandb dir>/sweep-<id>/config-<run>.yaml``
(``WANDB_SWEEP_PARAM_PATH``), the run id (``WANDB_RUN_ID``), the sweep (``WANDB_SWEEP_ID``), the sweep's
project and entity. A function that raises ends its run as failed (exit code 1) and the agent goes on.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..common._errors import UsageError
from ..common._host import hostname
from ..common._term import termerror, termlog
from ..common._yaml import dump_config
from ..core._state import current_run
from ._backends import SweepBackend
from ._sweep import backend_for, split_sweep_path

__all__ = ["agent", "POLL_SECONDS"]

#: seconds between two heartbeats while the sweep is paused or other agents finish its last trials
POLL_SECONDS = 2.0


@contextmanager
def _environment(values: dict[str, str | None]) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in values}
    try:
        for key, value in values.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _wandb_dir() -> Path:
    from ..settings import resolve

    return resolve().wandb_dir


class _Agent:
    def __init__(self, backend: SweepBackend, sweep_id: str, function: Callable[[], Any] | None) -> None:
        self.backend = backend
        self.sweep_id = sweep_id
        self.function = function
        self.failed = 0
        self.done = 0

    def _handover(self, command: dict[str, Any]) -> dict[str, str | None]:
        run_id = command["run_id"]
        folder = _wandb_dir() / f"sweep-{self.sweep_id}"
        folder.mkdir(parents=True, exist_ok=True)
        params = folder / f"config-{run_id}.yaml"
        args = {key: arg.get("value") if isinstance(arg, dict) else arg for key, arg in command["args"].items()}
        params.write_text(dump_config(args, {}), encoding="utf-8")
        return {
            "WANDB_SWEEP_ID": self.sweep_id,
            "WANDB_SWEEP_PARAM_PATH": str(params),
            "WANDB_RUN_ID": run_id,
            "WANDB_PROJECT": getattr(self.backend, "project", None) or os.environ.get("WANDB_PROJECT"),
            "WANDB_ENTITY": getattr(self.backend, "entity", None) or os.environ.get("WANDB_ENTITY"),
            "WANDB_RESUME": None,
        }

    def _call(self, run_id: str) -> bool:
        assert self.function is not None
        try:
            self.function()
        except Exception:
            termerror(f"Run {run_id} failed:\n{traceback.format_exc().rstrip()}")
            run = current_run()
            if run is not None and getattr(run, "id", None) == run_id:
                run.finish(exit_code=1)
            return False
        run = current_run()
        if run is not None and getattr(run, "id", None) == run_id:
            run.finish()
        return True

    def _program(self, command: dict[str, Any]) -> bool:
        program = command.get("program")
        if not program:
            raise UsageError("agent() needs function=, or a sweep configuration with a program to run")
        flags = [
            f"--{key}={arg.get('value') if isinstance(arg, dict) else arg}" for key, arg in command["args"].items()
        ]
        return subprocess.run([sys.executable, program, *flags], check=False).returncode == 0

    def run_trial(self, command: dict[str, Any]) -> None:
        run_id = command["run_id"]
        values = ", ".join(f"{k}={a.get('value') if isinstance(a, dict) else a}" for k, a in command["args"].items())
        termlog(f"Agent starting run {run_id}: {values}")
        with _environment(self._handover(command)):
            succeeded = self._call(run_id) if self.function is not None else self._program(command)
        self.done += 1
        self.failed += not succeeded

    def loop(self, count: int | None) -> None:
        agent_id = self.backend.register(self.sweep_id, hostname())
        while count is None or self.done < count:
            commands = self.backend.heartbeat(agent_id, {})
            if any(c.get("type") == "exit" for c in commands):
                break
            runs = [c for c in commands if c.get("type") in ("run", "resume")]
            if not runs:
                time.sleep(POLL_SECONDS)
                continue
            for command in runs:
                self.run_trial(command)
        termlog(f"Agent finished: {self.done} run(s), {self.failed} failed")


def agent(
    sweep_id: str,
    function: Callable[[], Any] | None = None,
    entity: str | None = None,
    project: str | None = None,
    count: int | None = None,
) -> None:
    """Run trials of the sweep ``sweep_id`` until it has none left (or ``count`` of them ran).

    ``function`` is called once per trial (its ``wandb_jupyter.init()`` gets the trial's parameters in
    ``run.config``); without it, the sweep's ``program`` runs per trial with ``--name=value`` flags."""
    if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 1):
        raise UsageError(f"count must be a whole number >= 1, not {count!r}")
    if function is not None and not callable(function):
        raise UsageError(f"function must be callable, not {type(function).__name__}")
    name, project, entity = split_sweep_path(sweep_id, project, entity)
    backend = backend_for(project, entity)
    _Agent(backend, name, function).loop(count)
