"""``Artifact``: a versioned set of files (W&B's ``wandb.Artifact``), built, logged and downloaded.

An artifact is built from files, folders and references (each entry digested as it is added, W&B's
manifest format), then logged by a run; from then on its files cannot change (``save()`` still
updates its description, metadata, aliases, tags and TTL). A logged or used artifact downloads from
the local store (:mod:`._store`), fetching what the store lacks from the server when the run is online.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import IO, Any

from ..common._errors import UsageError
from ._manifest import Manifest, ManifestEntry, md5_file, relative_files, safe_entry_path
from ._references import fetch_reference, reference_entries
from ._store import ArtifactStore, DigestMismatch

__all__ = ["Artifact", "check_artifact_name", "check_alias"]

_NAME = re.compile(r"^[A-Za-z0-9_.\-]+$")
_TYPE = re.compile(r"^[A-Za-z0-9_.\-]+$")
MAX_NAME = 128

#: How ``save()`` logs a draft with the current run (set by :mod:`._run_api`, which imports this module).
_save_draft: Any = None


def check_artifact_name(name: Any) -> str:
    """W&B's rule: letters, digits, '-', '_', '.' (a '/' or ':' would be read as project or alias)."""
    if not isinstance(name, str) or not name or len(name) > MAX_NAME or not _NAME.match(name):
        raise UsageError(
            f"invalid artifact name {name!r}: 1 to {MAX_NAME} letters, digits, '-', '_' or '.' "
            "(no '/' or ':', which separate project and alias)"
        )
    return name


def check_alias(alias: Any) -> str:
    if not isinstance(alias, str) or not alias or "/" in alias or ":" in alias or len(alias) > 128:
        raise UsageError(f"invalid alias {alias!r}: 1 to 128 characters, no '/' or ':'")
    if alias.startswith("v") and alias[1:].isdigit():
        raise UsageError(f"invalid alias {alias!r}: versions (v0, v1...) are given by the server, not chosen")
    return alias


def _ttl_seconds(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, timedelta):
        return int(value.total_seconds())
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
        return int(value)
    raise UsageError(f"ttl must be a timedelta, a number of seconds or None, not {value!r}")


class Artifact:
    """A versioned collection of files: ``Artifact("dataset", type="dataset")``, then ``add_file``,
    ``add_dir``, ``new_file``, ``add_reference``, ``add``; log it with ``run.log_artifact(artifact)``."""

    def __init__(
        self,
        name: str,
        type: str,
        description: str | None = None,
        metadata: dict[str, Any] | None = None,
        incremental: bool = False,
        use_as: str | None = None,
    ) -> None:
        self._name = check_artifact_name(name)
        if not isinstance(type, str) or not _TYPE.match(type or ""):
            raise UsageError(f"invalid artifact type {type!r}: letters, digits, '-', '_' or '.'")
        self._type = type
        self.description = description
        self.metadata = dict(metadata or {})
        self.incremental = incremental
        self.use_as = use_as
        self._manifest = Manifest()
        self._aliases: list[str] = []
        self._tags: list[str] = []
        self._ttl: int | None = None
        self._version: int | None = None
        self._project: str | None = None
        self._entity: str | None = None
        self._state = "PENDING"
        self._store: ArtifactStore | None = None
        self._staging: Path | None = None
        self._logged_by: Any = None
        self._waiter: Any = None  # online: waits until the server committed it
        self._remote: Any = None  # online: fetches files the store lacks
        self._server_id: str | None = None
        self._saver: Any = None  # persists description/metadata/aliases changes of a logged version
        self._deleter: Any = None  # deletes a logged version (locally, and on the server through the run)

    # -- identity ------------------------------------------------------------
    @property
    def name(self) -> str:
        """``name`` before logging, ``name:vN`` after (as W&B)."""
        return self._name if self._version is None else f"{self._name}:v{self._version}"

    @property
    def source_name(self) -> str:
        return self.name

    @property
    def type(self) -> str:
        return self._type

    @property
    def version(self) -> str:
        if self._version is None:
            raise UsageError(f"artifact {self._name!r} has no version until it is logged")
        return f"v{self._version}"

    @property
    def project(self) -> str | None:
        return self._project

    @property
    def entity(self) -> str | None:
        return self._entity

    @property
    def qualified_name(self) -> str:
        parts = [p for p in (self._entity, self._project) if p]
        return "/".join([*parts, self.name])

    @property
    def id(self) -> str | None:
        return self._server_id

    @property
    def state(self) -> str:
        return self._state

    @property
    def manifest(self) -> Manifest:
        return self._manifest

    @property
    def digest(self) -> str:
        return self._manifest.digest()

    @property
    def size(self) -> int:
        return self._manifest.size()

    @property
    def file_count(self) -> int:
        return len(self._manifest)

    @property
    def aliases(self) -> list[str]:
        return list(self._aliases)

    @aliases.setter
    def aliases(self, value: list[str]) -> None:
        self._aliases = [check_alias(a) for a in value]

    @property
    def tags(self) -> list[str]:
        return list(self._tags)

    @tags.setter
    def tags(self, value: list[str]) -> None:
        self._tags = [str(t) for t in value]

    @property
    def ttl(self) -> timedelta | None:
        return None if self._ttl is None else timedelta(seconds=self._ttl)

    @ttl.setter
    def ttl(self, value: Any) -> None:
        self._ttl = _ttl_seconds(value)

    def is_draft(self) -> bool:
        return self._state == "PENDING"

    def __repr__(self) -> str:
        return f"<Artifact {self.qualified_name} ({self._type}, {len(self._manifest)} files)>"

    # -- building ------------------------------------------------------------
    def _ensure_draft(self, what: str) -> None:
        if not self.is_draft():
            raise UsageError(f"{what}(): artifact {self.name} is logged; its files cannot change (make a new one)")

    def _put(self, entry: ManifestEntry, overwrite: bool) -> ManifestEntry:
        if entry.path in self._manifest.entries and not overwrite:
            old = self._manifest.entries[entry.path]
            if old.digest != entry.digest:
                raise UsageError(
                    f"artifact {self._name!r} already has a different file at {entry.path!r} (pass overwrite=True)"
                )
        self._manifest.entries[entry.path] = entry
        return entry

    def add_file(
        self,
        local_path: str | os.PathLike[str],
        name: str | None = None,
        is_tmp: bool | None = False,
        skip_cache: bool | None = False,
        policy: str = "mutable",
        overwrite: bool = False,
    ) -> ManifestEntry:
        """Add one file, at ``name`` (default: its file name) inside the artifact."""
        self._ensure_draft("add_file")
        path = Path(local_path)
        if not path.is_file():
            raise UsageError(f"add_file(): {str(local_path)!r} is not a file")
        entry_path = safe_entry_path(name if name is not None else path.name)
        if is_tmp:
            stem, dot, ext = entry_path.rpartition(".")
            digest, _ = md5_file(path)
            entry_path = f"{stem}.{digest[:20].replace('/', '_')}{dot}{ext}" if dot else f"{entry_path}.{digest[:20]}"
        digest, size = md5_file(path)
        return self._put(ManifestEntry(entry_path, digest, size, local_path=str(path.resolve())), overwrite)

    def add_dir(
        self,
        local_path: str | os.PathLike[str],
        name: str | None = None,
        skip_cache: bool | None = False,
        policy: str = "mutable",
        merge: bool = False,
    ) -> None:
        """Add every file under a folder, under ``name/`` (default: at the artifact's root)."""
        self._ensure_draft("add_dir")
        root = Path(local_path)
        if not root.is_dir():
            raise UsageError(f"add_dir(): {str(local_path)!r} is not a folder")
        prefix = safe_entry_path(name) + "/" if name else ""
        for rel, file in relative_files(root):
            digest, size = md5_file(file)
            entry = ManifestEntry(prefix + rel, digest, size, local_path=str(file.resolve()))
            self._put(entry, overwrite=merge)

    @contextmanager
    def new_file(self, name: str, mode: str = "x", encoding: str | None = None) -> Iterator[IO[Any]]:
        """Write a new file into the artifact: ``with artifact.new_file("notes.txt") as f: f.write(...)``."""
        self._ensure_draft("new_file")
        entry_path = safe_entry_path(name)
        if entry_path in self._manifest.entries:
            raise UsageError(f"new_file(): artifact {self._name!r} already has {entry_path!r}")
        if self._staging is None:
            self._staging = Path(tempfile.mkdtemp(prefix="wandb-artifact-"))
        target = self._staging / entry_path
        target.parent.mkdir(parents=True, exist_ok=True)
        if "b" not in mode and encoding is None:
            encoding = "utf-8"
        with open(target, mode, encoding=encoding) as handle:
            yield handle
        self.add_file(target, name=entry_path)

    def add_reference(
        self, uri: Any, name: str | None = None, checksum: bool = True, max_objects: int | None = None
    ) -> list[ManifestEntry]:
        """Add what ``uri`` points at without copying it: ``file://`` (checksummed), ``http(s)://``, ``s3://``."""
        self._ensure_draft("add_reference")
        entries = reference_entries(str(uri), name, checksum=checksum, max_objects=max_objects)
        return [self._put(entry, overwrite=False) for entry in entries]

    def add(self, obj: Any, name: str, overwrite: bool = False) -> ManifestEntry:
        """Add a data type (a ``Table``...) as W&B stores it: ``<name>.<kind>.json`` and its media."""
        self._ensure_draft("add")
        from ..data_types._media import Media, MediaWriter

        if not isinstance(obj, Media):
            raise UsageError(f"add(): {type(obj).__name__} is not a wandb_jupyter data type (Table, Image...)")
        if self._staging is None:
            self._staging = Path(tempfile.mkdtemp(prefix="wandb-artifact-"))
        media_root = self._staging / ".media"
        writer = MediaWriter(media_root)
        obj.bind(writer, safe_entry_path(name).replace("/", "_"), "artifact")
        data = obj.to_json(writer)
        stored = data.get("path")
        for written in writer.written:  # the files it refers to (a table's images...), beside it
            if written != media_root / str(stored):
                self.add_file(written, name=written.relative_to(media_root).as_posix(), overwrite=True)
        suffix = "." + str(data.get("_type", "media")).replace("-file", "") + ".json"
        entry_name = safe_entry_path(name if name.endswith(suffix) else name + suffix)
        if stored is None:
            raise UsageError(f"add(): {type(obj).__name__} wrote no file")
        entry = self.add_file(media_root / stored, name=entry_name, overwrite=overwrite)
        entry.extra = {k: v for k, v in data.items() if k in ("_type", "ncols", "nrows")}
        return entry

    def remove(self, item: str | ManifestEntry) -> None:
        """Remove an entry, or every entry under a folder path."""
        self._ensure_draft("remove")
        path = item.path if isinstance(item, ManifestEntry) else safe_entry_path(item)
        doomed = [p for p in self._manifest.entries if p == path or p.startswith(path + "/")]
        if not doomed:
            raise UsageError(f"remove(): artifact {self._name!r} has no {path!r}")
        for key in doomed:
            del self._manifest.entries[key]

    def get_entry(self, name: str) -> ManifestEntry:
        entry = self._manifest.entries.get(safe_entry_path(name))
        if entry is None:
            raise KeyError(f"artifact {self.name} has no entry {name!r}")
        return entry

    def get_path(self, name: str) -> ManifestEntry:
        return self.get_entry(name)

    def get(self, name: str) -> Any:
        """The data type stored at ``name`` (``add()``ed): a Table comes back as a Table; None if absent."""
        for candidate in (name, name + ".table.json"):
            entry = self._manifest.entries.get(candidate)
            if entry is not None:
                break
        else:
            return None
        local = self._local_file(entry)
        import json

        data = json.loads(Path(local).read_text(encoding="utf-8"))
        if entry.path.endswith(".table.json"):
            from ..data_types._table import Table

            return Table(columns=data.get("columns"), data=data.get("data"))
        return data

    def files(self, names: list[str] | None = None, per_page: int = 50) -> list[ManifestEntry]:
        """The artifact's entries (path, digest, size, ref), by path."""
        return [e for e in self._manifest if names is None or e.path in names]

    # -- files out ------------------------------------------------------------
    def _local_file(self, entry: ManifestEntry) -> str:
        """A local path holding the entry's bytes (the store, the original file, or a fetched reference)."""
        if entry.ref is not None:
            if self._staging is None:
                self._staging = Path(tempfile.mkdtemp(prefix="wandb-artifact-"))
            target = self._staging / ".refs" / entry.path
            fetch_reference(entry, target)
            return str(target)
        if self._store is not None:
            self._ensure_object(entry)
            return str(self._store.object_path(entry.digest))
        if entry.local_path:
            return entry.local_path
        raise UsageError(f"the file {entry.path!r} of {self.name} is not on this machine")

    def _ensure_object(self, entry: ManifestEntry) -> None:
        assert self._store is not None
        if self._store.has_object(entry.digest):
            return
        if self._remote is None:
            raise UsageError(
                f"the file {entry.path!r} of {self.qualified_name} is not in the local store {self._store.root} "
                "(use the artifact from an online run to fetch it)"
            )
        self._remote.fetch(entry, self._store)

    def _default_root(self) -> Path:
        base = os.environ.get("WANDB_ARTIFACT_DIR") or os.path.join(os.getcwd(), "artifacts")
        return Path(base) / self.name

    def _require_logged(self, what: str) -> ArtifactStore:
        if self._store is None or self._version is None:
            raise UsageError(f"{what}(): artifact {self._name!r} is not logged yet (log it, or use_artifact() it)")
        return self._store

    def download(
        self,
        root: str | os.PathLike[str] | None = None,
        allow_missing_references: bool = False,
        skip_cache: bool | None = None,
        path_prefix: str | None = None,
        multipart: bool | None = None,
    ) -> str:
        """Write the artifact's files under ``root`` (default ``./artifacts/<name>:<version>``); each file's
        MD5 is checked against the manifest on the way (a mismatch is an error, the file is not left there).
        Existing files with the right content are kept as they are."""
        store = self._require_logged("download")
        target = Path(root) if root is not None else self._default_root()
        target.mkdir(parents=True, exist_ok=True)
        for entry in self._manifest:
            if path_prefix and not entry.path.startswith(str(path_prefix)):
                continue
            dest = target / entry.path
            if entry.ref is not None:
                try:
                    fetch_reference(entry, dest)
                except FileNotFoundError as error:
                    if not allow_missing_references:
                        raise UsageError(f"download(): {error}") from None
                continue
            if dest.is_file() and dest.stat().st_size == entry.size and md5_file(dest)[0] == entry.digest:
                continue
            self._ensure_object(entry)
            store.copy_out(entry.digest, dest)
        return str(target)

    def checkout(self, root: str | os.PathLike[str] | None = None) -> str:
        """Make ``root`` hold exactly the artifact's files (others are removed), then return it."""
        target = Path(root) if root is not None else self._default_root()
        if target.is_dir():
            wanted = set(self._manifest.entries)
            for rel, file in list(relative_files(target)):
                if rel not in wanted:
                    file.unlink()
        return self.download(target)

    def verify(self, root: str | os.PathLike[str] | None = None) -> None:
        """Check that ``root`` holds exactly the artifact's files with their digests; ValueError if not."""
        target = Path(root) if root is not None else self._default_root()
        self._require_logged("verify")
        present = {rel for rel, _ in relative_files(target)} if target.is_dir() else set()
        extra = present - set(self._manifest.entries)
        if extra:
            raise DigestMismatch(f"verify(): {target} has files that are not in {self.name}: {sorted(extra)[:5]}")
        for entry in self._manifest:
            path = target / entry.path
            if not path.is_file():
                raise DigestMismatch(f"verify(): {entry.path!r} of {self.name} is missing from {target}")
            if entry.md5_hex is not None and md5_file(path)[0] != entry.digest:
                raise DigestMismatch(f"verify(): {entry.path!r} in {target} does not match {self.name} (MD5 differs)")

    # -- after logging ------------------------------------------------------------
    def wait(self, timeout: float | None = None) -> Artifact:
        """Block until the logged artifact is stored (offline: at once; online: committed on the server)."""
        self._require_logged("wait")
        if self._waiter is not None:
            self._waiter(self, timeout)
        return self

    def save(self, project: str | None = None, settings: Any = None) -> None:
        """A draft: log it with the current run (as W&B). A logged version: keep changes to its description,
        metadata, aliases, tags and TTL."""
        if self.is_draft():
            if _save_draft is None:
                raise UsageError("save(): start a run with init() first; the artifact is logged by it")
            _save_draft(self, project)
            return
        if self._saver is None:
            raise UsageError(f"save(): {self.name} cannot be changed from here")
        self._saver(self)

    def delete(self, delete_aliases: bool = False) -> None:
        """Delete a logged version (its number is not reused). With aliases, pass ``delete_aliases=True``."""
        self._require_logged("delete")
        if self._deleter is None:
            raise UsageError(f"delete(): {self.name} cannot be deleted from here")
        self._deleter(self, delete_aliases)
        self._aliases = []
        self._state = "DELETED"

    def link(self, target_path: str, aliases: list[str] | None = None) -> None:
        if self._logged_by is None:
            raise UsageError("link(): log the artifact with a run first")
        self._logged_by.link_artifact(self, target_path, aliases)

    def __del__(self) -> None:
        staging = getattr(self, "_staging", None)
        if staging is not None and self._state != "PENDING":
            shutil.rmtree(staging, ignore_errors=True)
