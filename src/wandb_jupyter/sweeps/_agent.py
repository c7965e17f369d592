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
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..common._errors import UsageError
from ..common._host import hostname
from ..common._logging import logger
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


class TrialStopped(BaseException):
    """Raised inside the trial's function when the sweep stops its run (hyperband, a cancelled sweep);
    a BaseException, like KeyboardInterrupt, so the function's own ``except Exception`` lets it through."""


def _finish_current(run_id: str, exit_code: int | None) -> None:
    run = current_run()
    if run is not None and getattr(run, "id", None) == run_id:
        run.finish(exit_code=exit_code)


def _raise_in(thread_id: int, exception: type[BaseException] | None) -> None:
    """Make ``exception`` happen in another thread at its next bytecode (None takes a pending one back)."""
    import ctypes

    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread_id), ctypes.py_object(exception) if exception else None
    )


class _TrialBeat:
    """Heartbeats while a trial runs, so the sweep can stop it: W&B's agents beat during runs too."""

    def __init__(self, backend: SweepBackend, agent_id: str, run_id: str) -> None:
        self.backend, self.agent_id, self.run_id = backend, agent_id, run_id
        self.trial_thread = threading.get_ident()
        self.process: subprocess.Popen[bytes] | None = None
        self.stopped = False
        self.exit_requested = False
        self._done = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._beat, name="wandb-sweep-heartbeat", daemon=True)

    def __enter__(self) -> _TrialBeat:
        self._thread.start()
        return self

    def disarm(self) -> None:
        """No more stops: the trial is over (a stop sent as it ended is taken back)."""
        with self._lock:
            self._done.set()
        if self.stopped and self.process is None:
            _raise_in(self.trial_thread, None)

    def __exit__(self, *_: Any) -> None:
        self.disarm()
        self._thread.join()

    def _beat(self) -> None:
        while not self._done.wait(POLL_SECONDS):
            try:
                commands = self.backend.heartbeat(self.agent_id, {self.run_id: True})
            except Exception as error:  # a missed beat only delays a stop
                logger.debug("sweep agent: heartbeat failed: %r", error)
                continue
            self.exit_requested |= any(c.get("type") == "exit" for c in commands)
            if any(c.get("type") == "stop" and c.get("run_id") == self.run_id for c in commands):
                self._stop()

    def _stop(self) -> None:
        with self._lock:
            if self._done.is_set() or self.stopped:
                return
            self.stopped = True
            if self.process is not None:
                self.process.terminate()
            else:
                _raise_in(self.trial_thread, TrialStopped)


class _Agent:
    def __init__(self, backend: SweepBackend, sweep_id: str, function: Callable[[], Any] | None) -> None:
        self.backend = backend
        self.sweep_id = sweep_id
        self.function = function
        self.failed = 0
        self.done = 0
        self.exit_requested = False

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

    def _call(self, run_id: str, beat: _TrialBeat) -> bool:
        assert self.function is not None
        try:
            try:
                self.function()
            finally:
                beat.disarm()  # no stop lands in the finishing below
        except TrialStopped:
            termlog(f"Run {run_id} stopped early by the sweep")
            _finish_current(run_id, 0)
            return True
        except Exception:
            termerror(f"Run {run_id} failed:\n{traceback.format_exc().rstrip()}")
            _finish_current(run_id, 1)
            return False
        _finish_current(run_id, None)
        return True

    def _program(self, command: dict[str, Any], beat: _TrialBeat) -> bool:
        program = command.get("program")
        if not program:
            raise UsageError("agent() needs function=, or a sweep configuration with a program to run")
        flags = [
            f"--{key}={arg.get('value') if isinstance(arg, dict) else arg}" for key, arg in command["args"].items()
        ]
        process = subprocess.Popen([sys.executable, program, *flags])
        beat.process = process
        return process.wait() == 0 or beat.stopped

    def run_trial(self, agent_id: str, command: dict[str, Any]) -> None:
        run_id = command["run_id"]
        values = ", ".join(f"{k}={a.get('value') if isinstance(a, dict) else a}" for k, a in command["args"].items())
        termlog(f"Agent starting run {run_id}: {values}")
        beat = _TrialBeat(self.backend, agent_id, run_id)
        with _environment(self._handover(command)), beat:
            succeeded = self._call(run_id, beat) if self.function is not None else self._program(command, beat)
        self.done += 1
        self.failed += not succeeded
        self.exit_requested = beat.exit_requested

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
                self.run_trial(agent_id, command)
            if self.exit_requested:
                break
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
