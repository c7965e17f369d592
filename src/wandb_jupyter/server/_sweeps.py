"""Sweeps on the server: ``UpsertSweep``, ``CreateAgent``, ``Heartbeat`` (agentHeartbeat) and ``Project.sweep``.

What the W&B SDK 0.31 sends for ``wandb.sweep``, ``wandb.agent`` and the ``wandb sweep`` / ``wandb agent``
commands. Each sweep is a JSON file under ``<data>/sweeps/<project pk>/`` changed under a file lock
(:class:`wandb_jupyter.search.SweepStore`), so agents in many processes share a sweep; the decisions
(next parameters, hyperband, pause/stop/cancel) are :class:`wandb_jupyter.search.SweepController`'s,
the same code the client's offline controller runs. A heartbeat learns what the sweep's runs did
from this server's runs (those whose ``sweep`` is the sweep's name).
"""

from __future__ import annotations

import base64
import binascii
import json
from pathlib import Path
from typing import Any

import yaml
from graphql import GraphQLResolveInfo

from ..common._errors import UsageError
from ..rundir._rundir import HISTORY, SUMMARY
from ..search import (
    ACTIVE_TRIAL_STATES,
    RunObservation,
    SweepConfigError,
    SweepController,
    SweepStore,
    change_state,
    new_sweep,
)
from ._context import ClientError, NotFound
from ._resolvers import ProjectNode, RunNode, _writable_entity, check_project_name, iso, run_state
from ._storage import Project, Run

__all__ = ["FIELDS", "sweep_store", "sweep_runs"]

MAX_CONFIG_CHARS = 256 * 1024
MAX_HISTORY_VALUES = 100_000


def sweep_store(data_dir: Path, project: Project) -> SweepStore:
    return SweepStore(Path(data_dir) / "sweeps" / str(project.pk))


def _encode(kind: str, *parts: str) -> str:
    return base64.b64encode(json.dumps([kind, *parts]).encode()).decode()


def _decode(kind: str, value: str, count: int) -> list[str]:
    try:
        parts = json.loads(base64.b64decode(value, validate=True))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        parts = None
    if not isinstance(parts, list) or len(parts) != count + 1 or parts[0] != kind:
        raise NotFound(f"no {kind.lower()} with id {value!r}")
    return [str(p) for p in parts[1:]]


def _config_from_text(text: str) -> dict[str, Any]:
    if len(text) > MAX_CONFIG_CHARS:
        raise ClientError(f"the sweep configuration is over {MAX_CONFIG_CHARS} characters")
    try:
        config = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ClientError(f"the sweep configuration is not valid YAML: {str(error).splitlines()[0]}") from None
    if not isinstance(config, dict):
        raise ClientError("invalid sweep configuration: (the configuration): a mapping of method, parameters, ...")
    return config


# -- what the runs did ------------------------------------------------------------------


def sweep_runs(storage: Any, project: Project, name: str) -> list[Run]:
    return [run for run in storage.list_runs(project) if run.sweep == name]


def _metric_history(path: Path, metric: str) -> list[float]:
    values: list[float] = []
    try:
        with open(path, encoding="utf-8") as lines:
            for line in lines:
                if f'"{metric}"' not in line:
                    continue
                try:
                    value = json.loads(line).get(metric)
                except (ValueError, AttributeError):
                    continue
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    values.append(float(value))
                    if len(values) >= MAX_HISTORY_VALUES:
                        break
    except OSError:
        pass
    return values


def _observations(server: Any, project: Project, controller: SweepController) -> dict[str, RunObservation]:
    metric = controller.spec.metric
    wanted = set(controller.run_ids())
    seen: dict[str, RunObservation] = {}
    for run in sweep_runs(server.storage, project, controller.state["id"]):
        if run.name not in wanted:
            continue
        files = server.files.get(run.pk, run.dir)
        try:
            summary = json.loads(files.read_text(SUMMARY) or run.summary or "{}")
        except ValueError:
            summary = {}
        state = run_state(run)
        history = []
        if controller.spec.early_terminate is not None and metric is not None:
            history = _metric_history(files.path_of(HISTORY), metric.name)
        seen[run.name] = RunObservation(
            "running" if state == "stopping" else state, summary if isinstance(summary, dict) else {}, history
        )
    return seen


def _ask_to_stop(server: Any, project: Project, run_ids: list[str]) -> None:
    """Runs the controller stops learn it from file_stream's answer ({"stopped": true}), as on W&B."""
    for run_id in run_ids:
        run = server.storage.get_run(project, run_id)
        if run is not None and run.state == "running":
            server.storage.update_run(run, {"state": "stopping"})


# -- nodes ------------------------------------------------------------------------------------


class SweepNode:
    """A sweep as the API shows it: its trials' states and metric read from their runs now (the file
    itself changes on heartbeats only)."""

    def __init__(self, server: Any, project: Project, state: dict[str, Any]) -> None:
        self._project = project
        self._state = state
        controller = SweepController(state)
        controller.observe(_observations(server, project, controller))
        best = controller.best()
        self.id = _encode("Sweep", project.entity.name, project.name, state["id"])
        self.name = state["id"]
        self.displayName = state["config"].get("name") or state["id"]
        self.method = controller.spec.method
        self.state = state["state"]
        self.description = state["config"].get("description")
        self.config = state.get("config_text") or yaml.safe_dump(state["config"], sort_keys=False)
        self.createdAt = iso(state.get("created_at"))
        self.updatedAt = iso(state.get("updated_at"))
        beats = [a.get("heartbeat_at") for a in state["agents"].values() if a.get("heartbeat_at")]
        self.heartbeatAt = iso(max(beats)) if beats else None
        self.earlyStopJobRunning = False
        self.bestLoss = None if best is None else best["value"]
        self.controller = self.scheduler = None
        self.runCount = len(state["trials"])
        self.runCountExpected = controller.total()

    def project(self, info: GraphQLResolveInfo) -> ProjectNode:
        return ProjectNode(self._project)

    def runs(self, info: GraphQLResolveInfo, first: int | None = None, **_: Any) -> dict[str, Any]:
        runs = sweep_runs(info.context.server.storage, self._project, self.name)
        if first is not None and first >= 0:
            runs = runs[:first]
        return {
            "edges": [{"node": RunNode(run), "cursor": str(i)} for i, run in enumerate(runs)],
            "pageInfo": {"endCursor": None, "hasNextPage": False, "startCursor": None, "hasPreviousPage": False},
        }


def resolve_project_sweep(root: Any, info: GraphQLResolveInfo, sweepName: str) -> SweepNode | None:
    project = root._project  # Project.sweep(s): the project resolver checked the reader's rights
    if "/" in sweepName:  # entity/project/id, as `wandb agent` accepts
        sweepName = sweepName.rsplit("/", 1)[-1]
    try:
        state = sweep_store(info.context.server.data_dir, project).read(sweepName)
    except ValueError:
        return None
    return SweepNode(info.context.server, project, state) if state else None


def resolve_project_sweeps(root: Any, info: GraphQLResolveInfo, first: int | None = None) -> dict[str, Any]:
    project = root._project  # Project.sweep(s): the project resolver checked the reader's rights
    store = sweep_store(info.context.server.data_dir, project)
    ids = store.ids()[: first if first is not None and first >= 0 else None]
    nodes = [SweepNode(info.context.server, project, s) for s in (store.read(i) for i in ids) if s]
    return {"edges": [{"node": node} for node in nodes]}


def _run_should_stop(root: RunNode, info: GraphQLResolveInfo) -> bool:
    return root._run.state == "stopping"


def _run_failed(root: RunNode, info: GraphQLResolveInfo) -> bool:
    return run_state(root._run) in ("failed", "crashed")


def _run_running(root: RunNode, info: GraphQLResolveInfo) -> bool:
    return run_state(root._run) in ("running", "stopping")


# -- mutations ------------------------------------------------------------------------------


def _project_for(info: GraphQLResolveInfo, entity: str | None, project: str | None) -> Project:
    found = _writable_entity(info, entity)
    return info.context.server.storage.ensure_project(found, check_project_name(project or "uncategorized"))


def _change_sweep(info: GraphQLResolveInfo, input: dict[str, Any]) -> tuple[Project, dict[str, Any]]:
    entity, project_name, name = _decode("Sweep", input["id"], 3)
    project = _project_for(info, entity, project_name)
    server = info.context.server
    with sweep_store(server.data_dir, project).update(name) as state:
        if state is None:
            raise NotFound(f"no sweep with id {input['id']!r}")
        try:
            if input.get("config"):
                config = _config_from_text(input["config"])
                SweepController({**state, "config": config})
                state["config"], state["config_text"] = config, input["config"]
            if input.get("state"):
                change_state(state, str(input["state"]).upper())
        except SweepConfigError as error:
            raise ClientError(str(error)) from None
        if state["state"] == "CANCELED":
            active = [t["run_id"] for t in state["trials"] if t["state"] in ACTIVE_TRIAL_STATES]
            _ask_to_stop(server, project, active)
    return project, state


def resolve_upsert_sweep(_root: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> dict[str, Any]:
    if input.get("id"):
        project, state = _change_sweep(info, input)
        inserted = False
    else:
        if not input.get("config"):
            raise ClientError("a new sweep needs its configuration (config)")
        config = _config_from_text(input["config"])
        project = _project_for(info, input.get("entityName"), input.get("projectName") or config.get("project"))
        try:
            state = new_sweep(config, entity=project.entity.name, project=project.name, config_text=input["config"])
        except SweepConfigError as error:
            raise ClientError(str(error)) from None
        if input.get("state"):
            state["state"] = str(input["state"]).upper()
        if not sweep_store(info.context.server.data_dir, project).create(state["id"], state):
            raise ClientError("sweep id collision; try again")  # pragma: no cover - 36**8 ids
        inserted = True
    return {
        "sweep": SweepNode(info.context.server, project, state),
        "inserted": inserted,
        "configValidationWarnings": [],
        "clientMutationId": input.get("clientMutationId"),
    }


def _agent_node(agent_id: str, agent: dict[str, Any], sweep_state: str) -> dict[str, Any]:
    return {
        "id": agent_id,
        "name": agent_id,
        "host": agent.get("host"),
        "state": "RUNNING" if sweep_state in ("RUNNING", "PAUSED") else "FINISHED",
        "createdAt": iso(agent.get("created_at")),
        "heartbeatAt": iso(agent.get("heartbeat_at")),
    }


def resolve_create_agent(_root: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> dict[str, Any]:
    name = input["sweep"].rsplit("/", 1)[-1]
    project = _project_for(info, input.get("entityName"), input.get("projectName"))
    try:
        store = sweep_store(info.context.server.data_dir, project)
        store.read(name)
    except ValueError:
        raise NotFound(f"no sweep {input['sweep']!r}") from None
    with store.update(name) as state:
        if state is None:
            raise NotFound(f"sweep {project.entity.name}/{project.name}/{name} does not exist")
        local_id = SweepController(state).register_agent(input["host"])
        agent = state["agents"][local_id]
    agent_id = _encode("Agent", project.entity.name, project.name, name, local_id)
    return {"agent": _agent_node(agent_id, agent, state["state"]), "clientMutationId": input.get("clientMutationId")}


def _run_states(text: str | None) -> dict[str, Any]:
    try:
        states = json.loads(text or "{}")
    except ValueError:
        raise ClientError("runState must be a JSON object of run id -> running") from None
    if not isinstance(states, dict):
        raise ClientError("runState must be a JSON object of run id -> running")
    return states


def resolve_agent_heartbeat(_root: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> dict[str, Any]:
    entity, project_name, name, local_id = _decode("Agent", input["id"], 4)
    project = _project_for(info, entity, project_name)
    run_states = _run_states(input.get("runState"))
    server = info.context.server
    with sweep_store(server.data_dir, project).update(name) as state:
        if state is None:
            raise NotFound(f"sweep {entity}/{project_name}/{name} does not exist")
        controller = SweepController(state)
        try:
            commands = controller.heartbeat(local_id, run_states, _observations(server, project, controller))
        except UsageError as error:  # the bayes method without Optuna on the server: say so, not a bare 500
            raise ClientError(str(error)) from None
        agent = state["agents"][local_id]
    _ask_to_stop(server, project, [c["run_id"] for c in commands if c["type"] == "stop"])
    agent_id = input["id"]
    return {
        "agent": _agent_node(agent_id, agent, state["state"]),
        "commands": json.dumps(commands),
        "clientMutationId": input.get("clientMutationId"),
    }


FIELDS: dict[str, dict[str, Any]] = {
    "Mutation": {
        "upsertSweep": resolve_upsert_sweep,
        "createAgent": resolve_create_agent,
        "agentHeartbeat": resolve_agent_heartbeat,
    },
    "Project": {"sweep": resolve_project_sweep, "sweeps": resolve_project_sweeps},
    "Run": {"shouldStop": _run_should_stop, "failed": _run_failed, "running": _run_running},
}
