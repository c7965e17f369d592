"""The dashboard's Artifacts tab: ``/_dashboard/api/artifacts/{entity}/{project}`` (every artifact and its versions,
with aliases and lineage), ``.../artifact/{entity}/{project}/{name}/{version}`` (one version: metadata, files,
lineage), ``.../artifact-file/{entity}/{project}/{name}/{version}/{path}`` (a file, as a download) and
``.../run-artifacts/{entity}/{project}/{run}`` (what a run logged and used).

The versions come from where they are kept: the server's index and store (standalone dashboard) or the
local stores under the wandb folders the Jupyter dashboard reads (``<wandb dir>/artifacts``, written by
offline runs), with the viewer's rights on the project as for its runs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ._catalog import Catalog, RunInfo, Viewer, run_url

__all__ = ["ArtifactsLogic", "ArtifactLogic", "ArtifactFileLogic", "RunArtifactsLogic", "artifact_routes"]


class _Source:
    """Versions of one project's artifacts: ``[{name, type, versions: [{version, aliases, digest, ...}]}]``."""

    def collections(self) -> list[dict[str, Any]]:
        raise NotImplementedError

    def manifest(self, name: str, version: int) -> dict[str, Any] | None:
        raise NotImplementedError

    def file_path(self, name: str, version: int, digest: str) -> Path | None:
        raise NotImplementedError


class _ServerSource(_Source):
    def __init__(self, server: Any, project: Any) -> None:
        from ..server._artifact_index import artifact_index

        self.server = server
        self.project = project
        self.index = artifact_index(server.storage)

    def _run_id(self, pk: int | None) -> str | None:
        run = self.server.storage.get_run_by_pk(pk) if pk else None
        return run.name if run else None

    def collections(self) -> list[dict[str, Any]]:
        out = []
        for sequence in self.index.sequences(self.project):
            versions = []
            for row in self.index.versions(sequence.pk):
                versions.append(
                    {
                        "version": row.version_index,
                        "aliases": self.index.aliases(row.pk),
                        "digest": row.digest,
                        "size": row.size,
                        "file_count": row.file_count,
                        "created_at": row.created_at,
                        "description": row.description,
                        "metadata": json.loads(row.metadata or "{}"),
                        "created_by": self._run_id(row.created_by_run),
                        "used_by": [r for r in map(self._run_id, self.index.used_by(row.pk)) if r],
                    }
                )
            out.append({"name": sequence.name, "type": sequence.type_name, "versions": versions})
        return out

    def _row(self, name: str, version: int) -> Any:
        sequence = self.index.sequence(self.project, name)
        return self.index.by_alias(sequence.pk, f"v{version}") if sequence else None

    def manifest(self, name: str, version: int) -> dict[str, Any] | None:
        from ..server._artifacts import read_manifest

        row = self._row(name, version)
        return read_manifest(self.server, self.project.entity.name, row.pk) if row else None

    def file_path(self, name: str, version: int, digest: str) -> Path | None:
        from ..server._artifact_blobs import ArtifactBlobs, BadDigest, b64_to_hex

        try:
            return ArtifactBlobs(self.server.data_dir).blob(self.project.entity.name, b64_to_hex(digest))
        except (BadDigest, ValueError):
            return None


class _LocalSource(_Source):
    """The stores offline runs write (the format of ``wandb_jupyter.artifacts._store``, read as files)."""

    def __init__(self, stores: list[Path], project: str) -> None:
        self.stores = [s for s in stores if (s / "collections" / project).is_dir()]
        self.project = project

    def _uses(self) -> dict[str, list[str]]:
        """digest -> ids of the local runs that used it (their artifacts.jsonl records)."""
        uses: dict[str, list[str]] = {}
        for store in self.stores:
            for record_file in store.parent.glob("*run-*/artifacts.jsonl"):
                run_id = record_file.parent.name.rsplit("-", 1)[-1]
                for line in record_file.read_text(encoding="utf-8").splitlines():
                    try:
                        record = json.loads(line)
                    except ValueError:
                        continue
                    if record.get("op") == "use" and record.get("project") == self.project:
                        uses.setdefault(str(record.get("digest")), []).append(run_id)
        return uses

    def collections(self) -> list[dict[str, Any]]:
        out = []
        uses = self._uses()
        for store in self.stores:
            for path in sorted((store / "collections" / self.project).glob("*.json")):
                try:
                    data = json.loads(path.read_text(encoding="utf-8"))
                except (OSError, ValueError):
                    continue
                versions = []
                for record in data.get("versions", []):
                    if record.get("deleted"):
                        continue
                    manifest = self._read_manifest(store, record["digest"]) or {"contents": {}}
                    contents = manifest.get("contents", {})
                    versions.append(
                        {
                            "version": record["version"],
                            "aliases": record.get("aliases", []),
                            "digest": record["digest"],
                            "size": sum(int(e.get("size") or 0) for e in contents.values()),
                            "file_count": len(contents),
                            "created_at": record.get("created_at"),
                            "description": record.get("description"),
                            "metadata": record.get("metadata") or {},
                            "created_by": record.get("created_by"),
                            "used_by": sorted(set(uses.get(record["digest"], []))),
                        }
                    )
                out.append({"name": path.stem, "type": data.get("type"), "versions": versions, "_store": str(store)})
        return out

    @staticmethod
    def _read_manifest(store: Path, digest: str) -> dict[str, Any] | None:
        try:
            data = json.loads((store / "manifests" / f"{digest}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def _version(self, name: str, version: int) -> tuple[Path, dict[str, Any]] | None:
        for collection in self.collections():
            if collection["name"] == name:
                for record in collection["versions"]:
                    if record["version"] == version:
                        return Path(collection["_store"]), record
        return None

    def manifest(self, name: str, version: int) -> dict[str, Any] | None:
        found = self._version(name, version)
        return self._read_manifest(found[0], found[1]["digest"]) if found else None

    def file_path(self, name: str, version: int, digest: str) -> Path | None:
        import base64
        import binascii

        found = self._version(name, version)
        try:
            hexdigest = base64.b64decode(digest, validate=True).hex()
        except (binascii.Error, ValueError):
            return None
        return found[0] / "objects" / "md5" / hexdigest[:2] / hexdigest[2:] if found and len(hexdigest) == 32 else None


def source_for(catalog: Catalog, viewer: Viewer, entity: str, project: str) -> _Source | None:
    """The project's artifacts as the viewer may read them (None: no such project for this viewer)."""
    from ._local_catalog import LocalCatalog, wandb_dirs
    from ._server_catalog import ServerCatalog

    if catalog.runs(viewer, entity, project) is None:  # the viewer's rights, as for the runs table
        return None
    if isinstance(catalog, ServerCatalog):
        found = catalog.server.storage.get_project(entity, project)
        return _ServerSource(catalog.server, found) if found else None
    if isinstance(catalog, LocalCatalog):
        stores = [folder / "artifacts" for root in catalog.roots for folder in wandb_dirs(root)]
        return _LocalSource(stores, project)
    return None


def _run_link(base: str, entity: str, project: str, run_id: str | None) -> dict[str, Any] | None:
    if not run_id:
        return None
    info = RunInfo(entity=entity, project=project, id=run_id, root=Path("."))
    return {"id": run_id, "url": run_url(base, info)}


def _public(collection: dict[str, Any], base: str, entity: str, project: str) -> dict[str, Any]:
    versions = []
    for record in sorted(collection["versions"], key=lambda r: -int(r["version"])):
        versions.append(
            {
                **record,
                "name": f"{collection['name']}:v{record['version']}",
                "created_by": _run_link(base, entity, project, record["created_by"]),
                "used_by": [_run_link(base, entity, project, r) for r in record["used_by"]],
            }
        )
    return {"name": collection["name"], "type": collection["type"], "versions": versions}


def _version_number(version: str) -> int | None:
    text = version[1:] if version.startswith("v") else version
    return int(text) if text.isdigit() else None


class ArtifactsLogic:
    async def get(self: Any, entity: str, project: str) -> None:
        def produce() -> Any:
            source = source_for(self.dashboard.catalog, self._viewer, entity, project)
            if source is None:
                return None
            base = self.dashboard.base
            return {"artifacts": [_public(c, base, entity, project) for c in source.collections()]}

        await self.answer(produce)


class ArtifactLogic:
    async def get(self: Any, entity: str, project: str, name: str, version: str) -> None:
        def produce() -> Any:
            number = _version_number(version)
            source = source_for(self.dashboard.catalog, self._viewer, entity, project)
            if source is None or number is None:
                return None
            collection = next((c for c in source.collections() if c["name"] == name), None)
            record = next((v for v in (collection or {}).get("versions", []) if v["version"] == number), None)
            manifest = source.manifest(name, number)
            if collection is None or record is None or manifest is None:
                return None
            api = f"{self.dashboard.base}/_dashboard/api/artifact-file"
            prefix = f"{api}/{quote(entity, safe='')}/{quote(project, safe='')}/{quote(name, safe='')}/v{number}"
            files = [
                {
                    "path": path,
                    "size": entry.get("size"),
                    "digest": entry.get("digest"),
                    "ref": entry.get("ref"),
                    "url": None if entry.get("ref") else f"{prefix}/{quote(path)}",
                }
                for path, entry in sorted(manifest["contents"].items())
            ]
            public = _public({**collection, "versions": [record]}, self.dashboard.base, entity, project)
            return {"type": collection["type"], **public["versions"][0], "files": files}

        await self.answer(produce)


class ArtifactFileLogic:
    async def get(self: Any, entity: str, project: str, name: str, version: str, path: str) -> None:
        def produce() -> Any:
            number = _version_number(version)
            source = source_for(self.dashboard.catalog, self._viewer, entity, project)
            manifest = source.manifest(name, number) if source and number is not None else None
            entry = (manifest or {}).get("contents", {}).get(path)
            if not entry or entry.get("ref"):
                return None
            found = source.file_path(name, number, entry.get("digest", "")) if source and number is not None else None
            return {"path": str(found)} if found and found.is_file() else None

        try:
            self._viewer = self.viewer()
            found = await self.blocking(produce)
        except Exception as error:
            status = getattr(error, "status", None)
            if status is None:
                raise
            return self.send_json({"error": str(error)}, status)
        if found is None:
            return self.send_json({"error": "not found"}, 404)
        await self.send_file(Path(found["path"]), path)


class RunArtifactsLogic:
    async def get(self: Any, entity: str, project: str, run_id: str) -> None:
        def produce() -> Any:
            source = source_for(self.dashboard.catalog, self._viewer, entity, project)
            if source is None:
                return None
            base = self.dashboard.base
            logged, used = [], []
            for collection in source.collections():
                public = _public(collection, base, entity, project)
                for version in public["versions"]:
                    row = {"type": public["type"], **{k: v for k, v in version.items() if k != "metadata"}}
                    if version["created_by"] and version["created_by"]["id"] == run_id:
                        logged.append(row)
                    if any(u and u["id"] == run_id for u in version["used_by"]):
                        used.append(row)
            return {"logged": logged, "used": used}

        await self.answer(produce)


def artifact_routes(
    api: str, segment: str, make: Any, family: Any, file_logic: type
) -> list[tuple[str, type, dict[str, Any]]]:
    """The API routes of the tab (``make(name, logic, base)`` builds a handler on the mount's classes;
    ``file_logic`` brings the run files' download, which sends an artifact's files too)."""
    s = segment
    download = type("ArtifactFileLogic", (ArtifactFileLogic, file_logic), {})
    return [
        (rf"{api}/artifacts/{s}/{s}", make("DashboardArtifacts", ArtifactsLogic, family.api), {}),
        (rf"{api}/artifact/{s}/{s}/{s}/{s}", make("DashboardArtifact", ArtifactLogic, family.api), {}),
        (rf"{api}/artifact-file/{s}/{s}/{s}/{s}/(.+)", make("DashboardArtifactFile", download, family.page), {}),
        (rf"{api}/run-artifacts/{s}/{s}/{s}", make("DashboardRunArtifacts", RunArtifactsLogic, family.api), {}),
    ]
