"""Where a sweep lives: on a W&B-compatible server (W&B's GraphQL operations) or, offline, in the wandb folder.

Both answer the same five questions for :mod:`._agent` and :mod:`._sweep`: create a sweep, register an
agent, one heartbeat (W&B's agent commands), change the sweep's state, and its progress. Offline, the
controller of :mod:`wandb_jupyter.search` runs here, on ``<wandb dir>/sweeps/<id>.json`` under a file lock
(several agent processes on one machine share it), and learns what the trials did from their run folders.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

import yaml

from ..common._browser import app_url
from ..common._errors import UsageError
from ..rundir._local_runs import run_state
from ..rundir._rundir import HISTORY, METADATA, SUMMARY, iter_runs, read_json_object
from ..search import RunObservation, SweepController, SweepStore, change_state, new_sweep, parse_sweep_config
from ..search._methods import metric_value, optuna_module

__all__ = ["SweepBackend", "LocalSweeps", "OnlineSweeps"]


class SweepBackend(Protocol):
    where: str

    def create(self, config: dict[str, Any]) -> str: ...
    def register(self, sweep_id: str, host: str) -> str: ...
    def heartbeat(self, agent_id: str, run_states: dict[str, bool]) -> list[dict[str, Any]]: ...
    def set_state(self, sweep_id: str, state: str) -> None: ...
    def progress(self, sweep_id: str) -> dict[str, Any]: ...


def _metric_history(path: Path, name: str) -> list[float]:
    values = []
    try:
        with open(path, encoding="utf-8") as rows:
            for line in rows:
                try:
                    value = json.loads(line).get(name)
                except (ValueError, AttributeError):
                    continue
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    values.append(float(value))
    except OSError:
        pass
    return values


class LocalSweeps:
    """Sweeps in the wandb folder, for offline runs (beyond W&B, whose sweeps need its cloud)."""

    def __init__(self, wandb_dir: Path, project: str | None, entity: str | None) -> None:
        self.wandb_dir = Path(wandb_dir)
        self.store = SweepStore(self.wandb_dir / "sweeps")
        self.project, self.entity = project, entity
        self.where = f"the wandb folder {self.wandb_dir}"

    def create(self, config: dict[str, Any]) -> str:
        if config.get("method") == "bayes":
            optuna_module()  # this process runs the controller: no Optuna, one clear error now
        state = new_sweep(config, entity=self.entity, project=self.project)
        self.store.create(state["id"], state)
        return str(state["id"])

    def _missing(self, sweep_id: str) -> UsageError:
        return UsageError(f"no sweep {sweep_id!r} in {self.store.root} (offline sweeps live in the wandb folder)")

    def register(self, sweep_id: str, host: str) -> str:
        with self.store.update(sweep_id) as state:
            if state is None:
                raise self._missing(sweep_id)
            self.project = state.get("project") or self.project  # the trials' runs go to the sweep's project
            self.entity = state.get("entity") or self.entity
            return f"{sweep_id}/{SweepController(state).register_agent(host)}"

    def observations(self, controller: SweepController) -> dict[str, RunObservation]:
        wanted = set(controller.run_ids())
        metric = controller.spec.metric
        hyperband = controller.spec.early_terminate is not None and metric is not None
        seen: dict[str, RunObservation] = {}
        for paths in iter_runs(self.wandb_dir):
            if paths.run_id not in wanted:
                continue
            summary = read_json_object(paths.file(SUMMARY))
            state = run_state(read_json_object(paths.file(METADATA)), summary)
            history = _metric_history(paths.file(HISTORY), metric.name) if hyperband and metric else []
            seen[paths.run_id] = RunObservation(state, summary, history)
        return seen

    def heartbeat(self, agent_id: str, run_states: dict[str, bool]) -> list[dict[str, Any]]:
        sweep_id, local_id = agent_id.split("/", 1)
        with self.store.update(sweep_id) as state:
            if state is None:
                raise self._missing(sweep_id)
            controller = SweepController(state)
            return controller.heartbeat(local_id, run_states, self.observations(controller))

    def set_state(self, sweep_id: str, new: str) -> None:
        with self.store.update(sweep_id) as state:
            if state is None:
                raise self._missing(sweep_id)
            change_state(state, new)

    def progress(self, sweep_id: str) -> dict[str, Any]:
        state = self.store.read(sweep_id)
        if state is None:
            raise self._missing(sweep_id)
        controller = SweepController(state)
        controller.observe(self.observations(controller))
        return controller.progress()


# -- online ------------------------------------------------------------------------------------

UPSERT_SWEEP = """
mutation UpsertSweep($id: ID, $config: String, $description: String, $entityName: String, $projectName: String,
                     $state: String) {
  upsertSweep(input: {id: $id, config: $config, description: $description, entityName: $entityName,
                      projectName: $projectName, state: $state}) {
    sweep { id name project { name entity { name } } }
    configValidationWarnings
  }
}"""
CREATE_AGENT = """
mutation CreateAgent($host: String!, $projectName: String, $entityName: String, $sweep: String!) {
  createAgent(input: {host: $host, projectName: $projectName, entityName: $entityName, sweep: $sweep}) {
    agent { id }
  }
}"""
HEARTBEAT = """
mutation Heartbeat($id: ID!, $metrics: JSONString, $runState: JSONString) {
  agentHeartbeat(input: {id: $id, metrics: $metrics, runState: $runState}) { agent { id } commands }
}"""
SWEEP_WITH_RUNS = """
query SweepWithRuns($entity: String, $project: String, $sweep: String!) {
  project(name: $project, entityName: $entity) {
    sweep(sweepName: $sweep) {
      id name state config
      runs { edges { node { name state config summaryMetrics } } }
    }
  }
}"""


def _unwrapped(config_text: str | None) -> dict[str, Any]:
    try:
        config = json.loads(config_text or "{}")
    except ValueError:
        return {}
    if not isinstance(config, dict):
        return {}
    return {k: v.get("value") if isinstance(v, dict) else v for k, v in config.items() if k != "_wandb"}


def _dig(config: dict[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = config
    for part in path:
        value = value.get(part) if isinstance(value, dict) else None
    return value


class OnlineSweeps:
    """Sweeps on the server: the same GraphQL operations as W&B's SDK (UpsertSweep, CreateAgent, Heartbeat)."""

    def __init__(self, transport: Any, project: str | None, entity: str | None) -> None:
        self.api = transport
        self.project, self.entity = project, entity
        self.where = transport.base_url

    def create(self, config: dict[str, Any]) -> str:
        text = yaml.safe_dump(json.loads(json.dumps(config)), sort_keys=False)
        data = self.api.execute(
            UPSERT_SWEEP,
            "UpsertSweep",
            {
                "config": text,
                "description": config.get("description"),
                "entityName": self.entity,
                "projectName": self.project,
            },
        )
        sweep = data["upsertSweep"]["sweep"]
        project = sweep.get("project") or {}
        self.project = project.get("name") or self.project
        self.entity = (project.get("entity") or {}).get("name") or self.entity
        return str(sweep["name"])

    def url(self, sweep_id: str) -> str | None:
        """The sweep's page (W&B's URL shape, which the dashboard of ``wandb-jupyter server`` serves)."""
        if not (self.entity and self.project):
            return None
        return f"{app_url(self.where)}/{quote(self.entity, safe='')}/{quote(self.project, safe='')}/sweeps/{sweep_id}"

    def register(self, sweep_id: str, host: str) -> str:
        data = self.api.execute(
            CREATE_AGENT,
            "CreateAgent",
            {"host": host, "projectName": self.project, "entityName": self.entity, "sweep": sweep_id},
        )
        return str(data["createAgent"]["agent"]["id"])

    def heartbeat(self, agent_id: str, run_states: dict[str, bool]) -> list[dict[str, Any]]:
        data = self.api.execute(
            HEARTBEAT, "Heartbeat", {"id": agent_id, "metrics": "{}", "runState": json.dumps(run_states)}
        )
        commands = json.loads(data["agentHeartbeat"]["commands"] or "[]")
        return commands if isinstance(commands, list) else []

    def _sweep(self, sweep_id: str) -> dict[str, Any]:
        data = self.api.execute(
            SWEEP_WITH_RUNS, "SweepWithRuns", {"entity": self.entity, "project": self.project, "sweep": sweep_id}
        )
        sweep = (data.get("project") or {}).get("sweep")
        if sweep is None:
            raise UsageError(f"no sweep {self.entity}/{self.project}/{sweep_id} on {self.where}")
        return sweep

    def set_state(self, sweep_id: str, state: str) -> None:
        sweep = self._sweep(sweep_id)
        self.api.execute(
            UPSERT_SWEEP,
            "UpsertSweep",
            {"id": sweep["id"], "state": state, "entityName": self.entity, "projectName": self.project},
        )

    def progress(self, sweep_id: str) -> dict[str, Any]:
        """The sweep's trials from its runs on the server, in the shape of SweepController.progress()."""
        sweep = self._sweep(sweep_id)
        spec = parse_sweep_config(yaml.safe_load(sweep["config"] or "{}"))
        trials = []
        for number, edge in enumerate(sweep["runs"]["edges"], 1):
            node = edge["node"]
            config = _unwrapped(node.get("config"))
            try:
                summary = json.loads(node.get("summaryMetrics") or "{}")
            except ValueError:
                summary = {}
            trials.append(
                {
                    "number": number,
                    "run_id": node["name"],
                    "state": node.get("state"),
                    "value": metric_value(summary if isinstance(summary, dict) else {}, spec.metric),
                    "params": {p.name: _dig(config, p.path) for p in spec.parameters},
                }
            )
        trials.sort(key=lambda t: t["number"])
        scored = [t for t in trials if t["value"] is not None]
        best = None
        sign = -1 if spec.metric is not None and spec.metric.goal == "maximize" else 1
        if spec.metric is not None and scored:
            best = min(scored, key=lambda t: sign * t["value"])
        controller = SweepController(
            {"id": sweep_id, "config": spec.raw, "state": sweep["state"], "trials": [], "agents": {}, "seed": 0}
        )
        progress = controller.progress()
        progress.update(
            trials=trials,
            best=best and {k: best[k] for k in ("run_id", "value", "params")},
            counts={s: sum(t["state"] == s for t in trials) for s in {t["state"] for t in trials}},
        )
        return progress
