"""The sweep controller: what an agent should do next, decided over a sweep's state.

One sweep is one JSON-able dict (kept by :class:`~._store.SweepStore`): its configuration, state
(RUNNING, PAUSED, FINISHED, CANCELED: W&B's names), agents and trials. An agent's heartbeat says
which of its runs still run; the controller answers W&B's agent commands: ``run`` (a new trial:
``run_id``, ``args`` as ``{key: {"value": v}}``, ``program``), ``stop`` (hyperband, a cancelled
sweep) or ``exit`` (nothing left). The caller tells it what the runs did (:class:`RunObservation`,
from the server's runs or the local run folders), so the same code serves the server and the
offline controller.
"""

from __future__ import annotations

import itertools
import random
import time
from dataclasses import dataclass, field
from typing import Any

from ..rundir._rundir import new_run_id
from ._config import SweepConfigError, SweepSpec, parse_sweep_config
from ._hyperband import runs_to_stop
from ._methods import Observed, Suggestion, grid_points, grid_size, metric_value, nest, suggest

__all__ = [
    "RunObservation",
    "SweepController",
    "new_sweep",
    "SWEEP_STATES",
    "ACTIVE_TRIAL_STATES",
    "change_state",
]

SWEEP_STATES = ("RUNNING", "PAUSED", "FINISHED", "CANCELED")
ACTIVE_TRIAL_STATES = ("pending", "running")


@dataclass
class RunObservation:
    """What a trial's run did: its state (running, finished, failed, crashed, killed), summary and,
    for hyperband, the metric's logged values in order."""

    state: str
    summary: dict[str, Any] = field(default_factory=dict)
    history: list[float] = field(default_factory=list)


def new_sweep(
    config: dict[str, Any],
    *,
    entity: str | None,
    project: str | None,
    seed: int | None = None,
    sweep_id: str | None = None,
    config_text: str | None = None,
) -> dict[str, Any]:
    """A new sweep's state (the configuration is checked first: :class:`SweepConfigError`)."""
    parse_sweep_config(config)
    now = time.time()
    return {
        "id": sweep_id or new_run_id(),
        "entity": entity,
        "project": project,
        "config": config,
        "config_text": config_text,
        "state": "RUNNING",
        "seed": random.SystemRandom().randrange(1 << 31) if seed is None else seed,
        "created_at": now,
        "updated_at": now,
        "agents": {},
        "trials": [],
    }


def change_state(state: dict[str, Any], new: str) -> None:
    """pause, resume, stop (FINISHED: running trials end on their own) and cancel, with W&B's rules."""
    current = state["state"]
    if new not in SWEEP_STATES:
        raise SweepConfigError("state", f"{new!r} is not one of {', '.join(SWEEP_STATES)}")
    if new == "PAUSED" and current not in ("PAUSED", "RUNNING"):
        raise SweepConfigError("state", f"cannot pause a {current.lower()} sweep")
    if new == "RUNNING" and current not in ("PAUSED", "RUNNING"):
        raise SweepConfigError("state", f"cannot resume a {current.lower()} sweep")
    if new in ("FINISHED", "CANCELED") and current not in ("RUNNING", "PAUSED", new):
        raise SweepConfigError("state", f"the sweep is already {current.lower()}")
    state["state"] = new
    state["updated_at"] = time.time()


class SweepController:
    def __init__(self, state: dict[str, Any]) -> None:
        self.state = state
        self.spec: SweepSpec = parse_sweep_config(state["config"])

    # -- agents ------------------------------------------------------------------------------
    def register_agent(self, host: str, *, agent_id: str | None = None) -> str:
        agent_id = agent_id or f"{self.state['id']}-{len(self.state['agents']) + 1}-{new_run_id()}"
        self.state["agents"][agent_id] = {"host": host, "created_at": time.time(), "heartbeat_at": None, "running": []}
        return agent_id

    def trial(self, run_id: str) -> dict[str, Any] | None:
        return next((t for t in self.state["trials"] if t["run_id"] == run_id), None)

    def run_ids(self) -> list[str]:
        return [t["run_id"] for t in self.state["trials"]]

    # -- what the runs did ---------------------------------------------------------------------
    def observe(self, observations: dict[str, RunObservation]) -> None:
        """Trial states and metric values from their runs; a trial whose agent dropped it without a run failed."""
        dropped = set()
        for agent in self.state["agents"].values():
            dropped.update(agent.get("dropped", []))
        for trial in self.state["trials"]:
            seen = observations.get(trial["run_id"])
            if seen is not None:
                stopped = trial.get("stop_requested") and seen.state not in ACTIVE_TRIAL_STATES
                trial["state"] = "stopped" if stopped else seen.state
                trial["value"] = metric_value(seen.summary, self.spec.metric)
            elif trial["run_id"] in dropped and trial["state"] in ACTIVE_TRIAL_STATES:
                trial["state"] = "failed"
        total = self.total()
        if (total is not None and len(self.state["trials"]) >= total) or self._target_reached():
            self._finished_if_drained()  # nothing left to try and nothing running: done, heartbeat or not

    def best(self) -> dict[str, Any] | None:
        metric = self.spec.metric
        scored = [t for t in self.state["trials"] if t.get("value") is not None]
        if metric is None or not scored:
            return None
        best = scored[0]
        for trial in scored[1:]:
            if metric.better(trial["value"], best["value"]):
                best = trial
        return best

    # -- the next trial ------------------------------------------------------------------------
    def total(self) -> int | None:
        """How many trials the sweep will run at most (None: no end but stopping it)."""
        limits = [self.spec.run_cap] if self.spec.run_cap else []
        if self.spec.method == "grid":
            limits.append(grid_size(self.spec))
        return min(limits) if limits else None

    def _target_reached(self) -> bool:
        metric = self.spec.metric
        return bool(
            metric and any(t.get("value") is not None and metric.reached(t["value"]) for t in self.state["trials"])
        )

    def _suggestion(self) -> Suggestion | None:
        number = len(self.state["trials"])
        total = self.total()
        if (total is not None and number >= total) or self._target_reached():
            return None
        if self.spec.method == "grid":
            point = next(itertools.islice(grid_points(self.spec), number, None), None)
            return None if point is None else Suggestion(point, {})
        observed = [
            Observed(t.get("raw") or {}, t.get("value"), t["state"] in ACTIVE_TRIAL_STATES)
            for t in self.state["trials"]
        ]
        return suggest(self.spec, observed, seed=int(self.state["seed"]), number=number)

    def next_trial(self, agent_id: str | None) -> dict[str, Any] | None:
        """A new trial (state pending) for an agent, or None when the sweep has nothing left to try."""
        suggestion = self._suggestion()
        if suggestion is None:
            return None
        taken = set(self.run_ids())
        run_id = new_run_id()
        while run_id in taken:  # pragma: no cover - 36**8 ids
            run_id = new_run_id()
        trial = {
            "run_id": run_id,
            "number": len(self.state["trials"]) + 1,
            "params": suggestion.values,
            "raw": suggestion.raw,
            "agent": agent_id,
            "state": "pending",
            "value": None,
            "created_at": time.time(),
        }
        self.state["trials"].append(trial)
        return trial

    def config_of(self, trial: dict[str, Any]) -> dict[str, Any]:
        """The run config a trial gets (nested parameters nested)."""
        return nest(trial["params"], self.spec.parameters)

    def run_command(self, trial: dict[str, Any]) -> dict[str, Any]:
        args = {key: {"value": value} for key, value in self.config_of(trial).items()}
        return {
            "type": "run",
            "id": f"cmd-{trial['run_id']}",
            "run_id": trial["run_id"],
            "args": args,
            "program": self.state["config"].get("program"),
        }

    def _finished_if_drained(self) -> None:
        if self.state["state"] == "RUNNING" and not any(
            t["state"] in ACTIVE_TRIAL_STATES for t in self.state["trials"]
        ):
            self.state["state"] = "FINISHED"

    # -- one heartbeat -------------------------------------------------------------------------
    def _stops(self, running: list[str], observations: dict[str, RunObservation]) -> list[str]:
        rule, metric = self.spec.early_terminate, self.spec.metric
        if rule is None or metric is None:
            return []
        histories = {run_id: seen.history for run_id, seen in observations.items() if seen.history}
        asked = {t["run_id"] for t in self.state["trials"] if t.get("stop_requested")}
        return [r for r in runs_to_stop(rule, metric, histories, running) if r not in asked]

    def heartbeat(
        self, agent_id: str, run_states: dict[str, Any], observations: dict[str, RunObservation]
    ) -> list[dict[str, Any]]:
        """W&B's agent commands for one heartbeat of ``agent_id`` (``run_states``: run id -> still running)."""
        agent = self.state["agents"].setdefault(agent_id, {"host": None, "created_at": time.time(), "running": []})
        running = [run_id for run_id, alive in run_states.items() if alive]
        agent["dropped"] = [r for r in agent.get("running", []) if r not in running]
        agent["running"] = running
        agent["heartbeat_at"] = time.time()
        self.observe(observations)
        commands: list[dict[str, Any]] = []
        stops = self._stops(running, observations)
        if self.state["state"] == "CANCELED":
            stops = running
        for run_id in stops:
            trial = self.trial(run_id)
            if trial is not None:
                trial["stop_requested"] = True
            commands.append({"type": "stop", "id": f"stop-{run_id}", "run_id": run_id})
        sweep_state = self.state["state"]
        if sweep_state == "CANCELED" or (sweep_state == "FINISHED" and not running):
            return [*commands, {"type": "exit", "id": "exit"}]
        if sweep_state in ("PAUSED", "FINISHED") or running:
            return commands
        trial = self.next_trial(agent_id)
        if trial is None:
            self._finished_if_drained()
            return [*commands, {"type": "exit", "id": "exit"}]
        agent["running"] = [trial["run_id"]]
        return [*commands, self.run_command(trial)]

    # -- progress, for tables and pages ----------------------------------------------------------
    def progress(self) -> dict[str, Any]:
        best = self.best()
        return {
            "id": self.state["id"],
            "state": self.state["state"],
            "method": self.spec.method,
            "metric": None
            if self.spec.metric is None
            else {"name": self.spec.metric.name, "goal": self.spec.metric.goal},
            "parameters": [p.name for p in self.spec.parameters],
            "total": self.total(),
            "counts": {
                s: sum(t["state"] == s for t in self.state["trials"])
                for s in sorted({t["state"] for t in self.state["trials"]})
            },
            "best": None
            if best is None
            else {"run_id": best["run_id"], "value": best["value"], "params": best["params"]},
            "trials": [
                {
                    "number": t["number"],
                    "run_id": t["run_id"],
                    "state": t["state"],
                    "value": t.get("value"),
                    "params": t["params"],
                }
                for t in self.state["trials"]
            ],
        }
