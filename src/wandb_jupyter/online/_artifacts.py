"""Artifacts online: the run's ``artifacts.jsonl`` records sent with W&B's protocol, and artifacts fetched
from the server for ``use_artifact``.

Logging sends what W&B's SDK 0.31 sends (the same operations, captured against the local server):
``CreateArtifact`` (the server answers COMMITTED for content it has: nothing more to send),
``CreateArtifactManifest``, ``CreateArtifactFiles`` (no URL for a file the server holds already, so
identical files are sent once), a PUT per file from the local store, ``UpdateArtifactManifest`` + PUT of
the manifest, ``CommitArtifact``. Using sends ``UseArtifact`` (lineage). The sender calls
:func:`send_artifacts` on every round (live and at ``wandb-jupyter sync``); how many records the server
took is kept in ``sync-state.json`` (a stream named ``artifacts.jsonl``), so each is sent once.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from ..artifacts._manifest import Manifest, ManifestEntry
from ..artifacts._records import ARTIFACTS_FILE, append_sent, read_records
from ..artifacts._store import ArtifactStore, store_for
from ..common._logging import logger
from ..rundir._rundir import RunPaths
from ._api import Api, ApiError, RetryableError
from ._syncstate import SyncState

__all__ = ["send_artifacts", "artifacts_pending", "resolve_remote", "producers_first", "FILES_BATCH"]

FILES_BATCH = 100  # files per CreateArtifactFiles

CREATE_ARTIFACT = """
mutation CreateArtifact($input: CreateArtifactInput!) {
  createArtifact(input: $input) { artifact { id state versionIndex } }
}"""

CREATE_MANIFEST = """
mutation CreateArtifactManifest($artifactID: ID!, $name: String!, $digest: String!, $entityName: String!,
    $projectName: String!, $runName: String!) {
  createArtifactManifest(input: {artifactID: $artifactID, name: $name, digest: $digest, entityName: $entityName,
      projectName: $projectName, runName: $runName, type: FULL}) {
    artifactManifest { id file { id uploadUrl uploadHeaders } }
  }
}"""

UPDATE_MANIFEST = """
mutation UpdateArtifactManifest($artifactManifestID: ID!, $digest: String) {
  updateArtifactManifest(input: {artifactManifestID: $artifactManifestID, digest: $digest}) {
    artifactManifest { id file { id uploadUrl uploadHeaders } }
  }
}"""

CREATE_FILES = """
mutation CreateArtifactFiles($input: CreateArtifactFilesInput!) {
  createArtifactFiles(input: $input) { files { edges { node { name uploadUrl uploadHeaders } } } }
}"""

COMMIT = """
mutation CommitArtifact($artifactID: ID!) {
  commitArtifact(input: {artifactID: $artifactID}) { artifact { id digest versionIndex } }
}"""

USE = """
mutation UseArtifact($input: UseArtifactInput!) { useArtifact(input: $input) { artifact { id } } }"""

LINK = """
mutation LinkArtifact($artifactPortfolioName: String!, $entityName: String!, $projectName: String!,
    $aliases: [ArtifactAliasInput!], $artifactId: ID) {
  linkArtifact(input: {artifactPortfolioName: $artifactPortfolioName, entityName: $entityName,
      projectName: $projectName, aliases: $aliases, artifactID: $artifactId}) { versionIndex }
}"""

UPDATE = """
mutation UpdateArtifact($artifactID: ID!, $description: String, $metadata: JSONString, $ttl: Int64) {
  updateArtifact(input: {artifactID: $artifactID, description: $description, metadata: $metadata,
      ttlDurationSeconds: $ttl}) { artifact { id } }
}"""

ADD_ALIASES = """
mutation AddAliases($input: AddAliasesInput!) { addAliases(input: $input) { success } }"""

DELETE_ALIASES = """
mutation DeleteAliases($input: DeleteAliasesInput!) { deleteAliases(input: $input) { success } }"""

DELETE = """
mutation DeleteArtifact($input: DeleteArtifactInput!) { deleteArtifact(input: $input) { artifact { id } } }"""

BY_NAME = """
query ArtifactMembershipByName($entity: String!, $project: String!, $name: String!) {
  project(name: $project, entityName: $entity) {
    artifactCollectionMembership(name: $name) {
      versionIndex
      aliases { alias }
      artifact {
        id digest description metadata state versionIndex
        artifactType { name }
        tags { name }
        currentManifest { file { directUrl } }
      }
    }
  }
}"""

FILE_URLS = """
query ArtifactFileURLs($id: ID!, $cursor: String, $perPage: Int) {
  artifact(id: $id) {
    files(after: $cursor, first: $perPage) {
      pageInfo { endCursor hasNextPage }
      edges { node { name directUrl } }
    }
  }
}"""


# -- sending the run's records ------------------------------------------------------------


def producers_first(runs: list[RunPaths]) -> list[RunPaths]:
    """``runs`` with those that logged artifacts first, by when they logged them (a version exists before any
    run uses it), so one ``wandb-jupyter sync`` of several offline runs links every use to its version."""

    def first_log(paths: RunPaths) -> float:
        times = [r.get("at") for r in read_records(paths.root) if r.get("op") == "log"]
        return min((t for t in times if isinstance(t, (int, float))), default=float("inf"))

    return sorted(runs, key=first_log)


def artifacts_pending(paths: RunPaths, state: SyncState) -> bool:
    """Does the run hold artifact records the server has not taken (one stat)?"""
    try:
        size = (paths.root / ARTIFACTS_FILE).stat().st_size
    except OSError:
        return False
    return size != state.stream(ARTIFACTS_FILE).bytes


def send_artifacts(api: Api, paths: RunPaths, state: SyncState) -> int:
    """Send the records the server has not taken yet; returns the number of requests."""
    path = paths.root / ARTIFACTS_FILE
    offset = state.stream(ARTIFACTS_FILE)
    try:
        size = path.stat().st_size
    except OSError:
        return 0
    if size == offset.bytes:
        return 0
    records = read_records(paths.root)
    store = store_for(paths.root.parent)
    requests = 0
    for line in range(offset.lines, len(records)):
        record = records[line]
        try:
            result, used = _send(api, store, state, record)
        except RetryableError:
            raise
        except ApiError as error:  # refused: recorded for wait(), the next records still go
            logger.warning("artifact %s not sent: %s", record.get("name"), error)
            result, used = {"error": str(error)}, 1
        requests += used
        append_sent(paths.root, {"line": line, **result})
        offset.lines = line + 1
        state.save()
    offset.bytes = size
    state.save()
    return requests


def _send(api: Api, store: ArtifactStore, state: SyncState, record: dict[str, Any]) -> tuple[dict[str, Any], int]:
    op = record.get("op")
    if op == "log":
        return _send_log(api, store, state, record)
    if op == "use":
        return _send_use(api, state, record)
    if op == "link":
        return _send_link(api, state, record)
    if op == "update":
        return _send_update(api, state, record)
    if op == "delete":
        artifact_id = record.get("id") or _artifact_id(
            api, state.entity or "", record.get("project") or state.project or "", record["name"], record["digest"]
        )
        if artifact_id is None:
            return {"error": f"{record['name']} (digest {record['digest']}) is not on the server"}, 1
        api.execute(DELETE, "DeleteArtifact", {"input": {"artifactID": artifact_id, "deleteAliases": True}})
        return {"id": artifact_id}, 2
    return {"skipped": op}, 0


def _send_log(api: Api, store: ArtifactStore, state: SyncState, record: dict[str, Any]) -> tuple[dict[str, Any], int]:
    entity, project, run = state.entity or "", state.project or record.get("project") or "", state.run_id or ""
    digest = record["digest"]
    manifest = store.load_manifest(digest)
    name = record["name"]
    created = api.execute(
        CREATE_ARTIFACT,
        "CreateArtifact",
        {
            "input": {
                "artifactTypeName": record["type"],
                "artifactCollectionName": name,
                "entityName": entity,
                "projectName": project,
                "runName": run,
                "description": record.get("description"),
                "digest": digest,
                "digestAlgorithm": "MANIFEST_MD5",
                "aliases": [
                    {"artifactCollectionName": name, "alias": a} for a in ["latest", *record.get("aliases", [])]
                ],
                "tags": [{"tagName": t} for t in record.get("tags") or []],
                "metadata": json.dumps(record.get("metadata") or {}),
                "ttlDurationSeconds": record.get("ttl"),
                "enableDigestDeduplication": True,
            }
        },
    )["createArtifact"]["artifact"]
    requests = 1
    artifact_id = created["id"]
    if created["state"] != "COMMITTED":
        requests += _upload(api, store, manifest, artifact_id, entity, project, run)
        committed = api.execute(COMMIT, "CommitArtifact", {"artifactID": artifact_id})["commitArtifact"]["artifact"]
        requests += 1
        created["versionIndex"] = committed.get("versionIndex")
    return {"id": artifact_id, "version": created.get("versionIndex")}, requests


def _upload(
    api: Api, store: ArtifactStore, manifest: Manifest, artifact_id: str, entity: str, project: str, run: str
) -> int:
    variables = {"artifactID": artifact_id, "name": "wandb_manifest.json", "digest": ""}
    made = api.execute(
        CREATE_MANIFEST,
        "CreateArtifactManifest",
        {**variables, "entityName": entity, "projectName": project, "runName": run},
    )["createArtifactManifest"]["artifactManifest"]
    requests = 1
    stored = [e for e in manifest if e.ref is None]
    for start in range(0, len(stored), FILES_BATCH):
        batch = stored[start : start + FILES_BATCH]
        specs = [
            {"artifactID": artifact_id, "artifactManifestID": made["id"], "name": e.path, "md5": e.digest}
            for e in batch
        ]
        edges = api.execute(
            CREATE_FILES, "CreateArtifactFiles", {"input": {"artifactFiles": specs, "storageLayout": "V2"}}
        )
        requests += 1
        nodes = [edge["node"] for edge in edges["createArtifactFiles"]["files"]["edges"]]
        for entry, node in zip(batch, nodes):
            if node.get("uploadUrl"):  # none: the server holds these bytes already
                api.upload(node["uploadUrl"], store.object_path(entry.digest), node.get("uploadHeaders") or [])
                requests += 1
    updated = api.execute(
        UPDATE_MANIFEST, "UpdateArtifactManifest", {"artifactManifestID": made["id"], "digest": manifest.digest()}
    )["updateArtifactManifest"]["artifactManifest"]
    with tempfile.TemporaryDirectory(prefix="wandb-manifest-") as tmp:
        path = Path(tmp) / "wandb_manifest.json"
        path.write_text(json.dumps(manifest.to_json()), encoding="utf-8")
        api.upload(updated["file"]["uploadUrl"], path, updated["file"].get("uploadHeaders") or [])
    return requests + 2


def _membership(api: Api, entity: str, project: str, name: str, alias: str) -> dict[str, Any] | None:
    variables = {"entity": entity, "project": project, "name": f"{name}:{alias}"}
    data = api.execute(BY_NAME, "ArtifactMembershipByName", variables)
    membership = (data.get("project") or {}).get("artifactCollectionMembership")
    return membership if isinstance(membership, dict) else None


def _artifact_id(api: Api, entity: str, project: str, name: str, alias: str) -> str | None:
    membership = _membership(api, entity, project, name, alias)
    return membership["artifact"]["id"] if membership else None


def _send_update(api: Api, state: SyncState, record: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """``Artifact.save()`` of a logged version: its description, metadata and TTL, and its aliases made equal."""
    entity = record.get("entity") or state.entity or ""
    project = record.get("project") or state.project or ""
    membership = _membership(api, entity, project, record["name"], record["digest"])
    if membership is None:
        return {"error": f"{record['name']} (digest {record['digest']}) is not on the server"}, 1
    artifact_id = membership["artifact"]["id"]
    variables = {
        "artifactID": artifact_id,
        "description": record.get("description"),
        "metadata": json.dumps(record.get("metadata") or {}),
        "ttl": record.get("ttl"),
    }
    api.execute(UPDATE, "UpdateArtifact", variables)
    current = {a["alias"] for a in membership.get("aliases") or []} - {"latest"}
    wanted = set(record.get("aliases") or [])
    requests = 2
    for operation, document, aliases in (
        ("AddAliases", ADD_ALIASES, wanted - current),
        ("DeleteAliases", DELETE_ALIASES, current - wanted),
    ):
        if aliases:
            specs = [{"artifactCollectionName": record["name"], "alias": a} for a in sorted(aliases)]
            api.execute(document, operation, {"input": {"artifactID": artifact_id, "aliases": specs}})
            requests += 1
    return {"id": artifact_id}, requests


def _send_use(api: Api, state: SyncState, record: dict[str, Any]) -> tuple[dict[str, Any], int]:
    entity = record.get("entity") or state.entity or ""
    project = record.get("project") or state.project or ""
    artifact_id = record.get("id") or _artifact_id(api, entity, project, record["name"], record["digest"])
    if artifact_id is None:
        return {"error": f"{record['name']} (digest {record['digest']}) is not on the server"}, 1
    api.execute(
        USE,
        "UseArtifact",
        {
            "input": {
                "entityName": state.entity,
                "projectName": state.project,
                "runName": state.run_id,
                "artifactID": artifact_id,
                "usedAs": record.get("use_as"),
            }
        },
    )
    return {"id": artifact_id}, 2


def _send_link(api: Api, state: SyncState, record: dict[str, Any]) -> tuple[dict[str, Any], int]:
    entity = record.get("entity") or state.entity or ""
    source_project = record.get("source_project") or state.project or ""
    artifact_id = _artifact_id(api, state.entity or entity, source_project, record["source"], record["digest"])
    if artifact_id is None:
        return {"error": f"{record['source']} (digest {record['digest']}) is not on the server"}, 1
    data = api.execute(
        LINK,
        "LinkArtifact",
        {
            "artifactPortfolioName": record["name"],
            "entityName": entity,
            "projectName": record.get("project") or state.project,
            "aliases": [{"artifactCollectionName": record["name"], "alias": a} for a in record.get("aliases") or []],
            "artifactId": artifact_id,
        },
    )
    return {"id": artifact_id, "version": (data.get("linkArtifact") or {}).get("versionIndex")}, 2


# -- fetching for use_artifact ------------------------------------------------------------


class RemoteFiles:
    """Fetches an artifact's files from the server into the local store, streamed and checked by MD5."""

    def __init__(self, api: Api, artifact_id: str) -> None:
        self.api = api
        self.artifact_id = artifact_id
        self._urls: dict[str, str] | None = None

    def _all_urls(self) -> dict[str, str]:
        urls: dict[str, str] = {}
        cursor = None
        while True:
            data = self.api.execute(
                FILE_URLS, "ArtifactFileURLs", {"id": self.artifact_id, "cursor": cursor, "perPage": 1000}
            )
            files = (data.get("artifact") or {}).get("files") or {}
            for edge in files.get("edges") or []:
                urls[edge["node"]["name"]] = edge["node"]["directUrl"]
            page = files.get("pageInfo") or {}
            if not page.get("hasNextPage"):
                return urls
            cursor = page.get("endCursor")

    def fetch(self, entry: ManifestEntry, store: ArtifactStore) -> None:
        if self._urls is None:
            self._urls = self._all_urls()
        url = self._urls.get(entry.path)
        if not url:
            raise ApiError(f"the server lists no file {entry.path!r} for this artifact")
        session = self.api._plain  # a signed URL: no key goes with it
        try:
            with session.get(url, stream=True, timeout=self.api.timeout) as answer:
                self.api._check(answer, f"downloading {entry.path}")
                store.receive(entry.digest, answer.iter_content(1 << 20))
        except self.api._requests.RequestException as error:
            raise RetryableError(f"downloading {entry.path} failed ({type(error).__name__})") from None


def resolve_remote(run: Any, entity: str | None, project: str, name: str, alias: str) -> dict[str, Any] | None:
    """The server's version ``name:alias`` (for ``use_artifact`` in an online run); None when it has none.
    ConnectionError when the server does not answer (the caller falls back on the local store)."""
    online: Any = getattr(run, "_online", None)
    api: Api | None = getattr(online, "api", None)
    if api is None:
        return None
    state = online.sender.state if getattr(online, "sender", None) else None
    entity = entity or (state.entity if state else None) or run.entity or ""
    try:
        data = api.execute(
            BY_NAME, "ArtifactMembershipByName", {"entity": entity, "project": project, "name": f"{name}:{alias}"}
        )
        membership = (data.get("project") or {}).get("artifactCollectionMembership")
        if not membership:
            return None
        artifact = membership["artifact"]
        url = ((artifact.get("currentManifest") or {}).get("file") or {}).get("directUrl")
        if not url:
            raise ApiError(f"{name}:{alias} has no manifest on the server")
        with tempfile.TemporaryDirectory(prefix="wandb-manifest-") as tmp:
            target = Path(tmp) / "manifest.json"
            api.download(url, target)
            manifest = json.loads(target.read_text(encoding="utf-8"))
    except RetryableError as error:
        raise ConnectionError(str(error)) from None
    try:
        metadata = json.loads(artifact.get("metadata") or "{}")
    except ValueError:
        metadata = {}
    return {
        "id": artifact["id"],
        "entity": entity,
        "type": artifact["artifactType"]["name"],
        "version": membership.get("versionIndex"),
        "aliases": [a["alias"] for a in membership.get("aliases") or []],
        "description": artifact.get("description"),
        "metadata": metadata,
        "tags": [t["name"] for t in artifact.get("tags") or []],
        "manifest": manifest,
        "fetcher": RemoteFiles(api, artifact["id"]),
    }
