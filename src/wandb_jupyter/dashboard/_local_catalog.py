"""Run directories on this machine (offline runs included), found under a few roots.

Inside Jupyter the roots are the server's root_dir, WANDB_DIR and
``c.WandbDashboard.run_dirs``. Under each root, ``wandb/`` folders holding
``run-*`` / ``offline-run-*`` directories are looked for down to
:data:`MAX_DEPTH` levels, skipping hidden folders and the heavy ones that never
hold runs (virtual environments, node_modules, caches); symlinks are not
followed (no loops, no escaping the roots). The index is cached and rebuilt
at most every :data:`RESCAN_EVERY` seconds, or at once when a run or project is
asked for that it lacks (a run that just started); the same miss again within
:data:`MISS_RESCAN_EVERY` seconds does not rescan.

A run's entity and project come from its wandb-metadata.json. Several
directories of one run id (a run resumed in another directory) show as one
run: the latest directory wins.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

from ..rundir._local_runs import exit_code_of, run_state
from ..rundir._rundir import EVENTS, HISTORY, METADATA, OUTPUT, SUMMARY, RunPaths, iter_runs, write_atomic
from ._catalog import Catalog, EditRefused, ProjectInfo, RunInfo, Viewer, parse_time, read_json_file

__all__ = ["LocalCatalog", "MAX_DEPTH", "RESCAN_EVERY", "SKIPPED_DIRS"]

MAX_DEPTH = 6
RESCAN_EVERY = 5.0
MISS_RESCAN_EVERY = 1.0  # the same miss rescans at most this often (a page polling a 404 stays cheap)
MAX_SCANNED_DIRS = 50_000  # a root with a huge tree is scanned partly rather than forever
SKIPPED_DIRS = frozenset(
    {"node_modules", "site-packages", "dist-packages", ".venv", "venv", "__pycache__", ".git", ".ipynb_checkpoints"}
)
DEFAULT_ENTITY = "local"
DEFAULT_PROJECT = "uncategorized"
_STAMP = re.compile(r"^(?:offline-)?run-(\d{8}_\d{6})-")


class _Found(NamedTuple):
    entity: str
    project: str
    paths: RunPaths
    started: str  # YYYYMMDD_HHMMSS of the directory name: the latest directory of an id wins


class _Index(NamedTuple):
    runs: dict[tuple[str, str], dict[str, _Found]]  # (entity, project) -> run id -> its latest directory
    made_at: float


def wandb_dirs(root: Path, max_depth: int = MAX_DEPTH) -> list[Path]:
    """``wandb`` folders under ``root`` (``root`` itself when it holds run directories), breadth first."""
    found: list[Path] = []
    if iter_runs(root):
        found.append(root)
    level = [root]
    scanned = 0
    for _depth in range(max_depth):
        below: list[Path] = []
        for folder in level:
            try:
                entries = list(os.scandir(folder))
            except OSError:
                continue
            for entry in entries:
                name = entry.name
                if name.startswith(".") or name in SKIPPED_DIRS or not entry.is_dir(follow_symlinks=False):
                    continue
                scanned += 1
                if name == "wandb":
                    found.append(Path(entry.path))  # run directories live right here; nothing deeper
                else:
                    below.append(Path(entry.path))
        if scanned > MAX_SCANNED_DIRS or not below:
            break
        level = below
    return found


class LocalCatalog(Catalog):
    source = "local"

    def __init__(
        self,
        roots: Sequence[str | os.PathLike[str] | None],
        *,
        rescan_every: float = RESCAN_EVERY,
        max_depth: int = MAX_DEPTH,
    ) -> None:
        unique: list[Path] = []
        for root in roots:
            if not root:
                continue
            path = Path(root).expanduser().resolve()
            if path not in unique:
                unique.append(path)
        self.roots = unique
        self.rescan_every = rescan_every
        self.max_depth = max_depth
        self._index = _Index(runs={}, made_at=float("-inf"))
        self._lock = threading.Lock()
        self._misses: dict[tuple[str, ...], float] = {}

    # -- the index ------------------------------------------------------------------------------------
    def _scan(self) -> _Index:
        runs: dict[tuple[str, str], dict[str, _Found]] = {}
        seen: set[Path] = set()
        for root in self.roots:
            for folder in wandb_dirs(root, self.max_depth):
                if folder in seen:  # nested roots (WANDB_DIR inside root_dir)
                    continue
                seen.add(folder)
                for paths in iter_runs(folder):
                    found = self._found(paths)
                    project = runs.setdefault((found.entity, found.project), {})
                    held = project.get(paths.run_id)
                    if held is None or found.started >= held.started:
                        project[paths.run_id] = found
        return _Index(runs=runs, made_at=time.monotonic())

    @staticmethod
    def _found(paths: RunPaths) -> _Found:
        metadata = read_json_file(paths.file(METADATA)) or {}
        entity = metadata.get("entity") if isinstance(metadata.get("entity"), str) else None
        project = metadata.get("project") if isinstance(metadata.get("project"), str) else None
        match = _STAMP.match(paths.root.name)
        stamp = match.group(1) if match else ""
        return _Found(entity=entity or DEFAULT_ENTITY, project=project or DEFAULT_PROJECT, paths=paths, started=stamp)

    def _current(self) -> _Index:
        """The index, rebuilt when it is older than ``rescan_every``."""
        with self._lock:
            if time.monotonic() - self._index.made_at >= self.rescan_every:
                self._index = self._scan()
            return self._index

    def _after_miss(self, key: tuple[str, ...]) -> _Index:
        """The index rebuilt after ``key`` was not found, unless that key missed moments ago;
        requests that waited for a rescan begun after they asked share it."""
        asked = time.monotonic()
        with self._lock:
            last = self._misses.get(key)
            self._misses[key] = asked
            if len(self._misses) > 1024:
                self._misses = {k: t for k, t in self._misses.items() if asked - t < MISS_RESCAN_EVERY}
            if (last is None or asked - last >= MISS_RESCAN_EVERY) and self._index.made_at < asked:
                self._index = self._scan()
            return self._index

    def _project(self, entity: str, project: str) -> dict[str, _Found] | None:
        found = self._current().runs.get((entity, project))
        if found is None:
            found = self._after_miss((entity, project)).runs.get((entity, project))
        return found

    # -- catalog ------------------------------------------------------------------------------------
    def projects(self, viewer: Viewer) -> list[ProjectInfo]:
        out = []
        for (entity, project), runs in self._current().runs.items():
            infos = [self._info(found) for found in runs.values()]
            out.append(
                ProjectInfo(
                    entity=entity,
                    project=project,
                    runs=len(infos),
                    last_run_at=max((i.created_at or 0.0 for i in infos), default=None),
                )
            )
        return sorted(out, key=lambda info: -(info.last_run_at or 0.0))

    def runs(self, viewer: Viewer, entity: str, project: str) -> list[RunInfo] | None:
        found = self._project(entity, project)
        if found is None:
            return None
        return sorted((self._info(f) for f in found.values()), key=lambda info: -(info.created_at or 0.0))

    def run(self, viewer: Viewer, entity: str, project: str, run_id: str) -> RunInfo | None:
        found = (self._current().runs.get((entity, project)) or {}).get(run_id)
        if found is None:
            found = (self._after_miss((entity, project, run_id)).runs.get((entity, project)) or {}).get(run_id)
        return self._info(found) if found is not None else None

    def describe(self) -> dict[str, Any]:
        return {"roots": [str(root) for root in self.roots]}

    # -- editing: the run directory's wandb-metadata.json, rewritten atomically -----------------------
    def _existing(self, viewer: Viewer, entity: str, project: str, run_id: str) -> RunInfo:
        info = self.run(viewer, entity, project, run_id)
        if info is None:
            raise EditRefused(404, "not found")
        return info

    def edit_run(self, viewer: Viewer, entity: str, project: str, run_id: str, changes: dict[str, Any]) -> None:
        """Name, notes and tags live in wandb-metadata.json (what the run page and ``wandb-jupyter sync``
        read). It is replaced whole (write aside, rename), so a reader never sees half of it; a run
        still writing rewrites the file only when it is renamed from its own process."""
        info = self._existing(viewer, entity, project, run_id)
        path = info.files / METADATA
        metadata = read_json_file(path) or {}
        for key, field in (("name", "name"), ("notes", "notes"), ("tags", "tags")):
            if key in changes:
                metadata[field] = changes[key]
        try:
            write_atomic(path, json.dumps(metadata, indent=2))
        except OSError as error:
            raise EditRefused(409, f"cannot write {path.name}: {error.strerror or error}") from None

    def delete_run(self, viewer: Viewer, entity: str, project: str, run_id: str) -> None:
        """Remove the run directory; a run still running is refused (its process keeps writing)."""
        info = self._existing(viewer, entity, project, run_id)
        if info.state == "running":
            raise EditRefused(409, "the run is still running: finish it first")
        shutil.rmtree(info.root, ignore_errors=True)
        if info.root.exists():
            raise EditRefused(409, f"could not remove {info.root.name}")
        with self._lock:
            self._index = _Index(runs={}, made_at=float("-inf"))

    @staticmethod
    def _info(found: _Found) -> RunInfo:
        paths = found.paths
        metadata = read_json_file(paths.file(METADATA)) or {}
        summary = read_json_file(paths.file(SUMMARY)) or {}
        created = parse_time(metadata.get("startedAt")) or _stamp_time(found.started)
        tags = metadata.get("tags")
        return RunInfo(
            entity=found.entity,
            project=found.project,
            id=paths.run_id,
            root=paths.root,
            name=_text(metadata.get("name")),
            state=run_state(metadata, summary),
            created_at=created,
            heartbeat_at=_last_change(paths),
            group=_text(metadata.get("group")),
            job_type=_text(metadata.get("jobType")),
            tags=tuple(t for t in tags if isinstance(t, str)) if isinstance(tags, list) else (),
            user=_text(metadata.get("username")) or _text(metadata.get("email")),
            notes=_text(metadata.get("notes")),
            exit_code=exit_code_of(summary),
        )


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _stamp_time(stamp: str) -> float | None:
    try:
        return time.mktime(time.strptime(stamp, "%Y%m%d_%H%M%S"))
    except ValueError:
        return None


def _last_change(paths: RunPaths) -> float | None:
    """When the run last wrote a row, a metric sample or console output."""
    times = []
    for name in (HISTORY, EVENTS, OUTPUT, SUMMARY):
        try:
            times.append(os.stat(paths.file(name)).st_mtime)
        except OSError:
            continue
    return max(times, default=None)
