"""The read API over a W&B-compatible server: our own GraphQL documents, sent by the online layer's client.

The documents ask for what W&B's public schema offers (so they work against
W&B's servers as well as ``wandb-jupyter server``): ``project.runs`` with
``filters``/``order``/cursors, ``run.history(samples)``, ``sampledHistory``,
``history(minStep, maxStep)`` pages (wandb-core's ``HistoryPage``), ``files``
with cursors, ``upsertBucket`` for changes and ``deleteRun``. The count of a
filtered collection (``runCount``) is asked once, with the first page.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..common._errors import UsageError
from ..online._api import Api as Transport
from ..online._api import ApiError
from ._objects import ConsoleLine, File, Run, RunNotFoundError, plain_config, wandb_form

__all__ = ["OnlineBackend", "DOCUMENTS"]

_RUN_FIELDS = """fragment ReadRunFields on Run {
  id name displayName state config summaryMetrics tags group jobType notes host createdAt heartbeatAt
  sweepName historyLineCount user { name }
}"""

DOCUMENTS = {
    "ReadViewer": "query ReadViewer { viewer { id entity username email teams { edges { node { name } } } } }",
    "ReadProjects": """query ReadProjects($entity: String, $cursor: String, $perPage: Int) {
  models(entityName: $entity, after: $cursor, first: $perPage) {
    edges { node { id name entityName createdAt } }
    pageInfo { endCursor hasNextPage }
  }
}""",
    "ReadRuns": """query ReadRuns($entity: String!, $project: String!, $filters: JSONString, $order: String,
    $cursor: String, $perPage: Int, $withCount: Boolean!) {
  project(name: $project, entityName: $entity) {
    runCount(filters: $filters) @include(if: $withCount)
    runs(filters: $filters, after: $cursor, first: $perPage, order: $order) {
      edges { node { ...ReadRunFields } cursor }
      pageInfo { endCursor hasNextPage }
    }
  }
}
"""
    + _RUN_FIELDS,
    "ReadRun": """query ReadRun($entity: String!, $project: String!, $name: String!) {
  project(name: $project, entityName: $entity) { run(name: $name) { ...ReadRunFields } }
}
"""
    + _RUN_FIELDS,
    "ReadHistory": """query ReadHistory($entity: String!, $project: String!, $name: String!, $samples: Int) {
  project(name: $project, entityName: $entity) { run(name: $name) { history(samples: $samples) } }
}""",
    "ReadEvents": """query ReadEvents($entity: String!, $project: String!, $name: String!, $samples: Int) {
  project(name: $project, entityName: $entity) { run(name: $name) { events(samples: $samples) } }
}""",
    "ReadSampledHistory": """query ReadSampledHistory($entity: String!, $project: String!, $name: String!,
    $specs: [JSONString!]!) {
  project(name: $project, entityName: $entity) { run(name: $name) { sampledHistory(specs: $specs) } }
}""",
    "ReadHistoryPage": """query ReadHistoryPage($entity: String!, $project: String!, $name: String!,
    $minStep: Int64!, $maxStep: Int64!, $pageSize: Int!) {
  project(name: $project, entityName: $entity) {
    run(name: $name) { history(minStep: $minStep, maxStep: $maxStep, samples: $pageSize) }
  }
}""",
    "ReadLastStep": """query ReadLastStep($entity: String!, $project: String!, $name: String!) {
  project(name: $project, entityName: $entity) { run(name: $name) { historyKeys } }
}""",
    "ReadFiles": """query ReadFiles($entity: String!, $project: String!, $name: String!, $names: [String],
    $pattern: String, $cursor: String, $perPage: Int) {
  project(name: $project, entityName: $entity) {
    run(name: $name) {
      files(names: $names, pattern: $pattern, after: $cursor, first: $perPage) {
        edges { node { id name url sizeBytes mimetype updatedAt md5 } cursor }
        pageInfo { endCursor hasNextPage }
      }
    }
  }
}""",
    "ReadConsole": """query ReadConsole($entity: String!, $project: String!, $name: String!, $first: Int,
    $cursor: String, $last: Int) {
  project(name: $project, entityName: $entity) {
    run(name: $name) {
      logLines(first: $first, after: $cursor, last: $last) {
        edges { node { number timestamp level label line } }
        pageInfo { endCursor hasNextPage }
      }
    }
  }
}""",
    "UpdateRun": """mutation UpdateRun($id: String!, $displayName: String, $notes: String, $tags: [String!],
    $config: JSONString, $summaryMetrics: JSONString, $groupName: String, $jobType: String) {
  upsertBucket(input: {id: $id, displayName: $displayName, notes: $notes, tags: $tags, config: $config,
      summaryMetrics: $summaryMetrics, groupName: $groupName, jobType: $jobType}) { bucket { id } }
}""",
    "DeleteRun": """mutation DeleteRun($id: ID!) { deleteRun(input: {id: $id}) { clientMutationId } }""",
}


def _rows(lines: list[Any] | None) -> list[dict[str, Any]]:
    """History rows from a list of JSON texts: parsed as one array (one C-level pass for a page of 1,000
    rows), or one by one when a line is not valid JSON."""
    lines = lines or []
    if all(isinstance(line, str) for line in lines):
        try:
            parsed = json.loads("[" + ",".join(lines) + "]")
        except ValueError:
            parsed = [_loads(line) for line in lines]
    else:
        parsed = lines
    return [row for row in parsed if isinstance(row, dict)]


def _loads(line: str) -> Any:
    try:
        return json.loads(line)
    except ValueError:
        return None


class OnlineBackend:
    """Runs on a server; ``transport`` is the online layer's :class:`~wandb_jupyter.online._api.Api`."""

    def __init__(self, transport: Transport, app_url: str) -> None:
        self.transport = transport
        self.app_url = app_url.rstrip("/")
        self.where = transport.base_url

    def query(self, name: str, variables: dict[str, Any]) -> dict[str, Any]:
        try:
            return self.transport.execute(DOCUMENTS[name], name, variables)
        except ApiError as error:
            raise UsageError(str(error)) from None

    # -- who and where ------------------------------------------------------------
    def viewer(self) -> dict[str, Any] | None:
        return self.query("ReadViewer", {}).get("viewer")

    def projects(self, entity: str | None) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        cursor = None
        while True:
            data = self.query("ReadProjects", {"entity": entity, "cursor": cursor, "perPage": 200}).get("models")
            if data is None:
                raise UsageError(f"no entity {entity!r} on {self.where} (or you may not read it)")
            out.extend(edge["node"] for edge in data["edges"])
            info = data.get("pageInfo") or {}
            if not info.get("hasNextPage"):
                return out
            cursor = info.get("endCursor")

    # -- runs ------------------------------------------------------------
    def _attrs(self, node: dict[str, Any], entity: str | None, project: str) -> dict[str, Any]:
        config, wandb_block = plain_config(node.get("config") or "{}")
        summary = node.get("summaryMetrics")
        summary = json.loads(summary) if isinstance(summary, str) else summary or {}
        user = node.get("user") or {}
        return {
            **node,
            "entity": entity,
            "project": project,
            "config": config,
            "wandbConfig": wandb_block,
            "summary": summary,
            "user": user.get("name"),
            "url": f"{self.app_url}/{entity}/{project}/runs/{node['name']}",
        }

    def runs_page(
        self, entity: str | None, project: str, filters: dict[str, Any], order: str, size: int, cursor: Any, count: bool
    ) -> tuple[list[dict[str, Any]], Any, int | None]:
        variables = {
            "entity": entity,
            "project": project,
            "filters": json.dumps(filters),
            "order": order,
            "cursor": cursor,
            "perPage": size,
            "withCount": count,
        }
        found = self.query("ReadRuns", variables).get("project")
        if found is None:
            raise RunNotFoundError(f"no project {entity}/{project} on {self.where} (or you may not read it)")
        runs = found["runs"]
        rows = [self._attrs(edge["node"], entity, project) for edge in runs["edges"]]
        info = runs.get("pageInfo") or {}
        next_cursor = info.get("endCursor") if info.get("hasNextPage") and rows else None
        return rows, next_cursor, found.get("runCount")

    def run(self, entity: str | None, project: str | None, run_id: str) -> dict[str, Any]:
        found = self.query("ReadRun", {"entity": entity, "project": project, "name": run_id}).get("project")
        node = (found or {}).get("run")
        if node is None:
            raise RunNotFoundError(f"no run {entity}/{project}/{run_id} on {self.where} (or you may not read it)")
        return self._attrs(node, entity, project or "")

    def _run_query(self, name: str, run: Run, **variables: Any) -> dict[str, Any]:
        found = self.query(name, {"entity": run.entity, "project": run.project, "name": run.id, **variables})
        node = (found.get("project") or {}).get("run")
        if node is None:
            raise RunNotFoundError(f"run {'/'.join(run.path)} is gone from {self.where}")
        return node

    # -- history ------------------------------------------------------------
    def history_sample(self, run: Run, samples: int) -> list[dict[str, Any]]:
        return _rows(self._run_query("ReadHistory", run, samples=samples)["history"])

    def events_sample(self, run: Run, samples: int) -> list[dict[str, Any]]:
        return _rows(self._run_query("ReadEvents", run, samples=samples)["events"])

    def history_keys(self, run: Run, keys: list[str], samples: int) -> list[dict[str, Any]]:
        spec = json.dumps({"keys": keys, "samples": samples})
        found = self._run_query("ReadSampledHistory", run, specs=[spec])["sampledHistory"] or [[]]
        return _rows(found[0])

    def history_range(self, run: Run, min_step: int, max_step: int, size: int) -> list[dict[str, Any]]:
        node = self._run_query("ReadHistoryPage", run, minStep=min_step, maxStep=max_step, pageSize=size)
        return _rows(node["history"])

    def last_step(self, run: Run) -> int:
        keys = self._run_query("ReadLastStep", run)["historyKeys"]
        if isinstance(keys, str):
            keys = json.loads(keys)
        return int((keys or {}).get("lastStep", -1))

    # -- files ------------------------------------------------------------
    def files_page(
        self, run: Run, names: list[str], pattern: str | None, size: int, cursor: Any
    ) -> tuple[list[dict[str, Any]], Any]:
        node = self._run_query("ReadFiles", run, names=names, pattern=pattern, cursor=cursor, perPage=size)
        files = node["files"]
        rows = [edge["node"] for edge in files["edges"]]
        info = files.get("pageInfo") or {}
        return rows, (info.get("endCursor") if info.get("hasNextPage") and rows else None)

    def console_page(self, run: Run, size: int, cursor: Any, last: int | None) -> tuple[list[ConsoleLine], Any]:
        first = None if last is not None else size
        found = self._run_query("ReadConsole", run, first=first, cursor=cursor, last=last)["logLines"] or {}
        lines = [
            ConsoleLine(n["number"], n.get("timestamp") or None, n["level"], n.get("label") or "", n["line"])
            for n in (edge["node"] for edge in found.get("edges") or [])
        ]
        info = found.get("pageInfo") or {}
        return lines, (info.get("endCursor") if last is None and info.get("hasNextPage") and lines else None)

    def download(self, file: File, target: Path) -> None:
        if not file.url:
            raise UsageError(f"{file.name} has no download URL")
        self.transport.download(file.url, target)

    # -- changes ------------------------------------------------------------
    def update(self, run: Run) -> None:
        if not run.storage_id:
            raise UsageError(f"run {'/'.join(run.path)} has no server id: load it with Api().run() first")
        self.query(
            "UpdateRun",
            {
                "id": run.storage_id,
                "displayName": run.name,
                "notes": run.notes,
                "tags": list(run.tags),
                "config": wandb_form(run.config, run._raw_wandb),
                "summaryMetrics": json.dumps(dict(run.summary), default=str),
                "groupName": run.group,
                "jobType": run.job_type,
            },
        )

    def delete(self, run: Run) -> None:
        if not run.storage_id:
            raise UsageError(f"run {'/'.join(run.path)} has no server id: load it with Api().run() first")
        self.query("DeleteRun", {"id": run.storage_id})
