"""What a run does with artifacts: ``log_artifact``, ``use_artifact``, ``link_artifact``, ``log_model``,
``use_model`` (the Run's methods delegate here).

Everything goes through the local store first (offline first): logging copies the files into the
store and records the version there, then appends a record to the run's ``artifacts.jsonl`` that the
online layer uploads (live, or at ``wandb-jupyter sync``). Using an artifact asks the server when the run
is online (the package root registers the online lookup in :mod:`._hooks`) and the local store otherwise, so
``use_artifact("name:alias")`` and ``download()`` work offline for what was logged on this machine.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..common._errors import UsageError
from . import _artifact, _hooks
from ._artifact import Artifact, check_alias, check_artifact_name
from ._manifest import Manifest
from ._records import append_record, wait_sent
from ._store import ArtifactStore, store_for

__all__ = [
    "log_artifact",
    "use_artifact",
    "link_artifact",
    "log_model",
    "use_model",
    "save_draft",
    "parse_artifact_path",
]


#: ``resolve(run, entity, project, name, alias)`` -> a dict describing the server's version (see
#: :func:`_from_remote`), None when the server has no such artifact; raises ConnectionError when unreachable.
def _store(run: Any) -> ArtifactStore:
    return store_for(Path(run.paths.root).parent)


def _check_run(run: Any, what: str) -> None:
    if run.finished:
        raise UsageError(f"{what}(): the run is finished")


def parse_artifact_path(path: str, run: Any) -> tuple[str | None, str, str, str]:
    """(entity or None, project, name, alias) of ``[[entity/]project/]name[:alias]`` (alias default ``latest``)."""
    if not isinstance(path, str) or not path:
        raise UsageError(f"an artifact is named 'name', 'name:alias' or 'project/name:alias', not {path!r}")
    rest, _, alias = path.partition(":")
    parts = rest.split("/")
    if len(parts) > 3:
        raise UsageError(f"invalid artifact path {path!r}: at most entity/project/name:alias")
    name = check_artifact_name(parts[-1])
    project = parts[-2] if len(parts) >= 2 else run.project
    entity = parts[-3] if len(parts) == 3 else None  # None: the run's (the server's, once online)
    return entity, project, name, alias or "latest"


def _as_artifact(value: Any, name: str | None, type: str | None) -> Artifact:
    if isinstance(value, Artifact):
        return value
    if isinstance(value, (str, os.PathLike)):
        path = Path(value)
        if not path.exists():
            raise UsageError(f"log_artifact(): {str(value)!r} is neither an Artifact nor an existing file or folder")
        artifact = Artifact(name or re.sub(r"[^A-Za-z0-9_.\-]", "-", path.name), type or "unspecified")
        if path.is_dir():
            artifact.add_dir(path)
        else:
            artifact.add_file(path)
        return artifact
    raise UsageError(f"log_artifact(): expected an Artifact or a path, not {value.__class__.__name__}")


def _online(run: Any) -> bool:
    return getattr(run, "_online", None) is not None and not getattr(run, "offline", True)


def _bind(artifact: Artifact, run: Any, store: ArtifactStore, project: str, record: dict[str, Any]) -> None:
    artifact._store = store
    artifact._project = project
    artifact._entity = run.entity
    artifact._version = int(record["version"])
    artifact._aliases = list(record.get("aliases", []))
    artifact._state = "COMMITTED"
    artifact._saver = _saver(run, int(record["version"]))
    artifact._deleter = _deleter(run, int(record["version"]))


def log_artifact(
    run: Any,
    artifact_or_path: Any,
    name: str | None = None,
    type: str | None = None,
    aliases: list[str] | None = None,
    tags: list[str] | None = None,
) -> Artifact:
    """Store the artifact's files (once per content) and its version; online runs upload it in the background
    (``artifact.wait()`` blocks until the server has committed it)."""
    _check_run(run, "log_artifact")
    artifact = _as_artifact(artifact_or_path, name, type)
    if not artifact.is_draft():
        raise UsageError(f"log_artifact(): {artifact.name} is logged already; use_artifact() it, or make a new one")
    wanted = [check_alias(a) for a in (aliases or [])]
    wanted += [a for a in artifact._aliases if a not in wanted]
    tag_list = [str(t) for t in (tags or [])] + [t for t in artifact._tags if t not in (tags or [])]
    store = _store(run)
    for entry in artifact.manifest:
        if entry.ref is not None:
            continue
        if not entry.local_path or not Path(entry.local_path).is_file():
            raise UsageError(f"log_artifact(): {entry.local_path or entry.path!r} was removed after it was added")
        entry.digest, entry.size = store.put_file(entry.local_path)
    digest = store.save_manifest(artifact.manifest)
    fields = {
        "description": artifact.description,
        "metadata": artifact.metadata,
        "tags": tag_list,
        "ttl": artifact._ttl,
        "created_by": run.id,
    }
    record, existing = store.add_version(
        run.project, artifact._name, type=artifact.type, digest=digest, aliases=wanted, fields=fields
    )
    _bind(artifact, run, store, run.project, record)
    artifact._tags = tag_list
    artifact._logged_by = run
    line = append_record(
        run.paths.root,
        {
            "op": "log",
            "name": artifact._name,
            "type": artifact.type,
            "project": run.project,
            "digest": digest,
            "aliases": wanted,
            "tags": tag_list,
            "description": artifact.description,
            "metadata": artifact.metadata,
            "ttl": artifact._ttl,
            "local_version": record["version"],
            "existing": existing,
            "at": time.time(),
        },
    )
    if _online(run):
        artifact._waiter = _online_waiter(run, line)
        run._wake_sender()
    return artifact


def _online_waiter(run: Any, line: int) -> Callable[[Artifact, float | None], None]:
    def wait(artifact: Artifact, timeout: float | None) -> None:
        result = wait_sent(run.paths.root, line, timeout)
        if result is None:
            raise UsageError(f"wait(): {artifact.name} was not committed on the server within {timeout} s")
        artifact._server_id = result.get("id")
        if isinstance(result.get("version"), int):
            artifact._version = result["version"]

    return wait


def _saver(run: Any, local_version: int | None) -> Callable[[Artifact], None]:
    """``Artifact.save()`` of a logged version: the local store's record (when it has one) and, while the run
    goes on, an ``update`` record that the online layer sends (W&B's UpdateArtifact, AddAliases, DeleteAliases)."""

    def save(artifact: Artifact) -> None:
        assert artifact._project is not None
        if local_version is not None and artifact._store is not None:
            record = artifact._store.update_version(
                artifact._project,
                artifact._name,
                local_version,
                description=artifact.description,
                metadata=artifact.metadata,
                aliases=[*artifact._aliases],
                tags=artifact._tags,
                ttl=artifact._ttl,
            )
            artifact._aliases = list(record["aliases"])
        if not run.finished and not getattr(run, "disabled", False):
            append_record(
                run.paths.root,
                {
                    "op": "update",
                    "name": artifact._name,
                    "project": artifact._project,
                    "entity": artifact._entity if artifact._entity != run.entity else None,
                    "digest": artifact.digest,
                    "id": artifact._server_id,
                    "description": artifact.description,
                    "metadata": artifact.metadata,
                    "ttl": artifact._ttl,
                    "aliases": [a for a in artifact._aliases if a != "latest"],
                    "at": time.time(),
                },
            )
            if _online(run):
                run._wake_sender()

    return save


def _deleter(run: Any, local_version: int | None) -> Callable[[Artifact, bool], None]:
    """``Artifact.delete()``: gone from the local store's versions (its number stays taken) and, while the run
    goes on, a ``delete`` record the online layer sends (W&B's DeleteArtifact). A version that has aliases now
    (the store's, not the object's, which a later version may have taken ``latest`` from) needs
    ``delete_aliases``."""

    def delete(artifact: Artifact, delete_aliases: bool) -> None:
        assert artifact._project is not None
        aliases = artifact._aliases
        if local_version is not None and artifact._store is not None:
            current = artifact._store.resolve(artifact._project, artifact._name, f"v{local_version}")
            aliases = list(current.get("aliases", [])) if current else []
        if aliases and not delete_aliases:
            raise UsageError(f"delete(): {artifact.name} has aliases {aliases}; pass delete_aliases=True")
        if local_version is not None and artifact._store is not None:
            artifact._store.update_version(artifact._project, artifact._name, local_version, deleted=True, aliases=[])
        if not run.finished:
            record = {"op": "delete", "name": artifact._name, "project": artifact._project, "digest": artifact.digest}
            append_record(run.paths.root, {**record, "id": artifact._server_id, "at": time.time()})
            if _online(run):
                run._wake_sender()

    return delete


def _from_record(store: ArtifactStore, project: str, name: str, type_name: str, record: dict[str, Any]) -> Artifact:
    artifact = Artifact(name, type_name, description=record.get("description"), metadata=record.get("metadata"))
    artifact._manifest = store.load_manifest(record["digest"])
    artifact._tags = list(record.get("tags") or [])
    artifact._ttl = record.get("ttl")
    return artifact


def _from_remote(store: ArtifactStore, name: str, found: dict[str, Any]) -> Artifact:
    artifact = Artifact(name, found["type"], description=found.get("description"), metadata=found.get("metadata"))
    artifact._manifest = Manifest.from_json(found["manifest"])
    store.save_manifest(artifact._manifest)
    artifact._server_id = found.get("id")
    artifact._remote = found.get("fetcher")
    artifact._tags = list(found.get("tags") or [])
    return artifact


def _not_found(store: ArtifactStore, project: str, name: str, alias: str) -> UsageError:
    versions = store.versions(project, name)
    if not versions:
        known = store.collections(project)
        hint = f"; artifacts here: {', '.join(known[:10])}" if known else ""
        return UsageError(f"artifact {name!r} not found in project {project!r} ({store.root}){hint}")
    names = [f"v{v['version']}" for v in versions] + sorted({a for v in versions for a in v.get("aliases", [])})
    return UsageError(f"artifact {name}:{alias} not found in project {project!r}; it has {', '.join(names)}")


def use_artifact(
    run: Any,
    artifact_or_name: Any,
    type: str | None = None,
    aliases: list[str] | None = None,
    use_as: str | None = None,
) -> Artifact:
    """The artifact ``[[entity/]project/]name[:alias|:vN]`` (alias default ``latest``), recorded as an input of
    the run. Online: the server's version (files fetched on download); offline: the local store's."""
    _check_run(run, "use_artifact")
    store = _store(run)
    if isinstance(artifact_or_name, Artifact):
        artifact = artifact_or_name
        if artifact.is_draft():
            raise UsageError(f"use_artifact(): {artifact.name} is not logged yet; log it first")
        entity, project, name = artifact.entity, artifact.project or run.project, artifact._name
        version = artifact._version
    else:
        entity, project, name, alias = parse_artifact_path(artifact_or_name, run)
        found = None
        resolve_remote = _hooks.remote_resolver()
        if _online(run) and resolve_remote is not None:
            try:
                found = resolve_remote(run, entity, project, name, alias)
            except ConnectionError as error:
                from ..common._logging import logger

                logger.warning("use_artifact(): the server did not answer (%s); using the local store", error)
        if found is not None:
            artifact = _from_remote(store, name, found)
            version = found["version"]
            artifact._aliases = list(found.get("aliases") or [])
            artifact._entity = found.get("entity") or entity
            artifact._saver = _saver(run, None)
            artifact._deleter = _deleter(run, None)
        else:
            record = store.resolve(project, name, alias)
            if record is None:
                raise _not_found(store, project, name, alias)
            type_name = store.collection_type(project, name) or "unspecified"
            artifact = _from_record(store, project, name, type_name, record)
            version = record["version"]
            artifact._aliases = list(record.get("aliases") or [])
            artifact._saver = _saver(run, int(record["version"]))
            artifact._deleter = _deleter(run, int(record["version"]))
            artifact._entity = entity or run.entity
        artifact._store = store
        artifact._project = project
        artifact._version = int(version) if version is not None else None
        artifact._state = "COMMITTED"
    if type is not None and artifact.type != type:
        raise UsageError(f"use_artifact(): {artifact.name} has type {artifact.type!r}, not {type!r}")
    if aliases:
        artifact._aliases = list(dict.fromkeys([*artifact._aliases, *(check_alias(a) for a in aliases)]))
    artifact.use_as = use_as or artifact.use_as
    append_record(
        run.paths.root,
        {
            "op": "use",
            "entity": entity,
            "project": project,
            "name": name,
            "version": version,
            "digest": artifact.digest,
            "id": artifact._server_id,
            "use_as": use_as,
            "at": time.time(),
        },
    )
    if _online(run):
        run._wake_sender()
    return artifact


def link_artifact(run: Any, artifact: Artifact, target_path: str, aliases: list[str] | None = None) -> None:
    """Link a logged version into another artifact (W&B: a registry's collection): ``[[entity/]project/]name``.
    The target gets a version with the same files (stored once); online runs link it on the server too."""
    _check_run(run, "link_artifact")
    if not isinstance(artifact, Artifact) or artifact.is_draft():
        raise UsageError("link_artifact(): log the artifact first")
    entity, project, name, _ = parse_artifact_path(target_path.split(":")[0], run)
    wanted = [check_alias(a) for a in (aliases or [])]
    store = _store(run)
    store.add_version(
        project,
        name,
        type=artifact.type,
        digest=artifact.digest,
        aliases=wanted,
        fields={"description": artifact.description, "metadata": artifact.metadata, "created_by": run.id},
    )
    append_record(
        run.paths.root,
        {
            "op": "link",
            "entity": entity,
            "project": project,
            "name": name,
            "source": artifact._name,
            "source_project": artifact.project,
            "digest": artifact.digest,
            "aliases": wanted,
            "at": time.time(),
        },
    )
    if _online(run):
        run._wake_sender()


def log_model(run: Any, path: Any, name: str | None = None, aliases: list[str] | None = None) -> Artifact:
    """Log a model file or folder as an artifact of type ``model`` (default name ``run-<id>-<file name>``)."""
    source = Path(path)
    if not source.exists():
        raise UsageError(f"log_model(): {str(path)!r} does not exist")
    default = re.sub(r"[^A-Za-z0-9_.\-]", "-", f"run-{run.id}-{source.name}")
    artifact = Artifact(name or default, "model")
    if source.is_dir():
        artifact.add_dir(source)
    else:
        artifact.add_file(source)
    return log_artifact(run, artifact, aliases=aliases)


def use_model(run: Any, name: str) -> str:
    """Download a logged model (``name[:alias]``) and return the local path of its files."""
    artifact = use_artifact(run, name)
    if artifact.type != "model":
        raise UsageError(f"use_model(): {artifact.name} has type {artifact.type!r}, not 'model'")
    root = artifact.download()
    files = list(artifact.manifest)
    return str(Path(root) / files[0].path) if len(files) == 1 else root


def save_draft(artifact: Artifact, project: str | None) -> None:
    run = _hooks.current_run()
    if run is None or getattr(run, "disabled", False):
        raise UsageError("save(): start a run with init() first; the artifact is logged by it")
    log_artifact(run, artifact)


def disabled_artifact(value: Any, name: str | None, type: str | None) -> Artifact:
    """What a disabled run's artifact methods return: the artifact itself, or a draft of that name."""
    if isinstance(value, Artifact):
        return value
    if isinstance(value, str) and not os.path.exists(value):
        base = value.split(":")[0].rsplit("/", 1)[-1]
        return Artifact(check_artifact_name(base), type or "unspecified")
    return _as_artifact(value, name, type)


_artifact._save_draft = save_draft
