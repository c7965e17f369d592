"""The local artifact store under the wandb folder: content-addressed files, manifests, versions.

::

    <wandb dir>/artifacts/
      objects/md5/<hex[:2]>/<hex[2:]>     each file's bytes once, named by their MD5 (like W&B's cache)
      manifests/<digest>.json             a version's manifest (W&B format), named by its digest
      collections/<project>/<name>.json   the versions of an artifact: v0, v1, ..., aliases (latest...)

Offline runs log here and ``use_artifact`` finds versions here (``name:alias``, ``name:vN``); online runs
log here too and the sender uploads from here, so a file is read from the user's folder once. Files
are copied in chunks (bounded memory) into a temporary name and renamed into place: a crash leaves
no half file under a digest. The version index is changed under a lock and rewritten atomically: a
version is listed only once its manifest and every file are in the store.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

from ..common._errors import UsageError
from ..common._filelock import exclusive_lock
from ..rundir._rundir import write_atomic
from ._manifest import CHUNK, Manifest, b64_to_hex

__all__ = ["ArtifactStore", "DigestMismatch", "store_for"]


class DigestMismatch(UsageError):
    """A file's bytes are not the ones its manifest names (changed, truncated or corrupted)."""


def _check_name_part(value: str, what: str) -> str:
    if not value or "/" in value or "\\" in value or value in (".", "..") or ":" in value:
        raise UsageError(f"invalid {what} {value!r}: no '/', '\\' or ':'")
    return value


class ArtifactStore:
    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    # -- objects ------------------------------------------------------------
    def object_path(self, digest: str) -> Path:
        hexdigest = b64_to_hex(digest)
        return self.root / "objects" / "md5" / hexdigest[:2] / hexdigest[2:]

    def has_object(self, digest: str) -> bool:
        return self.object_path(digest).is_file()

    def put_file(self, source: str | os.PathLike[str]) -> tuple[str, int]:
        """Copy ``source`` into the store (once per content); returns (base64 MD5, size)."""
        tmp_dir = self.root / "objects" / "tmp"
        tmp_dir.mkdir(parents=True, exist_ok=True)
        tmp = tmp_dir / f"{os.getpid()}-{time.monotonic_ns()}"
        hasher = hashlib.md5()
        size = 0
        try:
            with open(source, "rb") as reader, open(tmp, "wb") as writer:
                while chunk := reader.read(CHUNK):
                    hasher.update(chunk)
                    writer.write(chunk)
                    size += len(chunk)
            digest = base64.b64encode(hasher.digest()).decode()
            final = self.object_path(digest)
            if final.is_file():
                tmp.unlink()
            else:
                final.parent.mkdir(parents=True, exist_ok=True)
                os.replace(tmp, final)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return digest, size

    def receive(self, digest: str, chunks: Any) -> Path:
        """Store bytes arriving in ``chunks`` (a download) under ``digest``; DigestMismatch if they differ."""
        final = self.object_path(digest)
        if final.is_file():
            return final
        tmp_dir = self.root / "objects" / "tmp"
        tmp_dir.mkdir(parents=True, exist_ok=True)
        tmp = tmp_dir / f"{os.getpid()}-{time.monotonic_ns()}"
        hasher = hashlib.md5()
        try:
            with open(tmp, "wb") as writer:
                for chunk in chunks:
                    hasher.update(chunk)
                    writer.write(chunk)
            if base64.b64encode(hasher.digest()).decode() != digest:
                raise DigestMismatch(f"downloaded bytes do not have the MD5 {digest} the manifest names")
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, final)
        finally:
            tmp.unlink(missing_ok=True)
        return final

    # -- manifests ------------------------------------------------------------
    def save_manifest(self, manifest: Manifest) -> str:
        digest = manifest.digest()
        path = self.root / "manifests" / f"{digest}.json"
        if not path.is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(path, json.dumps(manifest.to_json(), indent=2))
        return digest

    def manifest_path(self, digest: str) -> Path:
        return self.root / "manifests" / f"{digest}.json"

    def load_manifest(self, digest: str) -> Manifest:
        try:
            return Manifest.from_json(json.loads(self.manifest_path(digest).read_text(encoding="utf-8")))
        except (OSError, ValueError) as error:
            raise UsageError(f"the manifest {digest} is missing or broken in {self.root}: {error}") from None

    # -- versions ------------------------------------------------------------
    def _collection(self, project: str, name: str) -> Path:
        return (
            self.root / "collections" / _check_name_part(project, "project") / f"{_check_name_part(name, 'name')}.json"
        )

    def _read(self, path: Path) -> dict[str, Any]:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {"versions": []}
        except ValueError as error:
            raise UsageError(f"{path} is broken: {error}") from None
        return data if isinstance(data, dict) else {"versions": []}

    def versions(self, project: str, name: str) -> list[dict[str, Any]]:
        return [v for v in self._read(self._collection(project, name)).get("versions", []) if not v.get("deleted")]

    def collection_type(self, project: str, name: str) -> str | None:
        return self._read(self._collection(project, name)).get("type")

    def collections(self, project: str) -> list[str]:
        folder = self.root / "collections" / _check_name_part(project, "project")
        return sorted(p.stem for p in folder.glob("*.json")) if folder.is_dir() else []

    def add_version(
        self, project: str, name: str, *, type: str, digest: str, aliases: list[str], fields: dict[str, Any]
    ) -> tuple[dict[str, Any], bool]:
        """Record a version whose manifest and files are stored; (its record, True if that content had a
        version already: W&B then adds the aliases to it and makes no new version)."""
        path = self._collection(project, name)
        path.parent.mkdir(parents=True, exist_ok=True)
        with exclusive_lock(path.with_name(f".{path.name}.lock")):
            data = self._read(path)
            if data.get("type") not in (None, type):
                raise UsageError(
                    f"artifact {name!r} has type {data['type']!r}: a version of type {type!r} cannot join it"
                )
            data["type"] = type
            versions = data.setdefault("versions", [])
            record = next((v for v in versions if v["digest"] == digest and not v.get("deleted")), None)
            existing = record is not None
            if record is None:
                record = {
                    "version": len(versions),
                    "digest": digest,
                    "aliases": [],
                    "created_at": time.time(),
                    **fields,
                }
                versions.append(record)
            for alias in ["latest", *aliases] if not existing else aliases:
                for other in versions:
                    if alias in other.get("aliases", []):
                        other["aliases"].remove(alias)
                record["aliases"].append(alias)
            write_atomic(path, json.dumps(data, indent=1))
        return record, existing

    def update_version(self, project: str, name: str, version: int, **fields: Any) -> dict[str, Any]:
        path = self._collection(project, name)
        with exclusive_lock(path.with_name(f".{path.name}.lock")):
            data = self._read(path)
            record = next((v for v in data.get("versions", []) if v["version"] == version), None)
            if record is None:
                raise UsageError(f"artifact {name}:v{version} does not exist in {self.root}")
            if "aliases" in fields:
                for other in data["versions"]:
                    if other is not record:
                        other["aliases"] = [a for a in other.get("aliases", []) if a not in fields["aliases"]]
            record.update(fields)
            write_atomic(path, json.dumps(data, indent=1))
        return record

    def resolve(self, project: str, name: str, alias: str) -> dict[str, Any] | None:
        """The version named by ``alias``: ``vN``, an alias (``latest``...), or a manifest digest."""
        versions = self.versions(project, name)
        if alias.startswith("v") and alias[1:].isdigit():
            return next((v for v in versions if v["version"] == int(alias[1:])), None)
        return next((v for v in versions if alias in v.get("aliases", []) or v["digest"] == alias), None)

    # -- files out ------------------------------------------------------------
    def copy_out(self, digest: str, target: Path) -> None:
        """Copy a stored file to ``target`` (atomically), checking its MD5 on the way."""
        source = self.object_path(digest)
        if not source.is_file():
            raise UsageError(f"the file of MD5 {digest} is not in {self.root}")
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.part")
        hasher = hashlib.md5()
        try:
            with open(source, "rb") as reader, open(tmp, "wb") as writer:
                while chunk := reader.read(CHUNK):
                    hasher.update(chunk)
                    writer.write(chunk)
            if base64.b64encode(hasher.digest()).decode() != digest:
                raise DigestMismatch(f"{source} was changed on disk: its MD5 is not {digest}")
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)

    def disk_bytes(self) -> int:
        total = 0
        for path in (self.root / "objects" / "md5").glob("*/*"):
            total += path.stat().st_size
        return total

    def remove_tree(self) -> None:  # pragma: no cover - tests' helper
        shutil.rmtree(self.root, ignore_errors=True)


def store_for(wandb_dir: str | os.PathLike[str]) -> ArtifactStore:
    """The store of a wandb folder (``<dir>/wandb``)."""
    return ArtifactStore(Path(wandb_dir) / "artifacts")
