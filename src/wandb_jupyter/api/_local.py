"""The read API over run folders, with no server: offline runs are first-class for analysis.

``Api(dir=...)`` takes a folder that holds a ``wandb/`` folder, a ``wandb/``
folder itself, or one run folder. A run's project and entity are those of its
``wandb-metadata.json``; its config is ``config.yaml`` (W&B's format), its
summary ``wandb-summary.json``, its history ``wandb-history.jsonl``, read with
the same sparse index and the same filter language as the server uses, so a
query answers alike here and online. ``update()`` rewrites the run's files
(metadata, config, summary) atomically; ``delete()`` removes its folder.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..common._errors import UsageError
from ..common._yaml import dump_config
from ..rundir._history_read import history_index
from ..rundir._local_runs import run_state
from ..rundir._output_log import parse_line
from ..rundir._run_filter import FilterError, RunRecord, compile_filter, select_page, sql_like
from ..rundir._rundir import (
    CONFIG,
    EVENTS,
    HISTORY,
    METADATA,
    OUTPUT,
    SUMMARY,
    RunPaths,
    iter_runs,
    read_json_object,
    write_atomic,
)
from ._objects import ConsoleLine, File, Run, RunNotFoundError, plain_config

__all__ = ["LocalBackend"]


def _config(paths: RunPaths) -> tuple[dict[str, Any], Any]:
    import yaml

    try:
        stored = yaml.safe_load(paths.file(CONFIG).read_text(encoding="utf-8"))
    except (OSError, ValueError, yaml.YAMLError):
        return {}, None
    return plain_config(stored if isinstance(stored, dict) else {})


def _iso(text: Any) -> str | None:
    """An ISO time as the server writes it (UTC, seconds): the two modes then compare alike."""
    if not isinstance(text, str):
        return None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    if when.tzinfo is not None:
        when = when.astimezone(timezone.utc)
    return when.strftime("%Y-%m-%dT%H:%M:%S")


def _epoch(text: Any) -> float | None:
    """Epoch seconds of an ISO time (naive: UTC), at its full precision (runs started in one second stay
    in order)."""
    if not isinstance(text, str) or not text:
        return None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (when if when.tzinfo else when.replace(tzinfo=timezone.utc)).timestamp()


def _rows(lines: list[str]) -> list[dict[str, Any]]:
    return [row for row in (json.loads(line) for line in lines) if isinstance(row, dict)]


class _LocalRun:
    """One run folder, read lazily (a filter on ``state`` does not read the config)."""

    def __init__(self, paths: RunPaths) -> None:
        self.paths = paths
        self.metadata = read_json_object(paths.file(METADATA))
        self._summary: dict[str, Any] | None = None

    @property
    def project(self) -> str | None:
        return self.metadata.get("project")

    @property
    def entity(self) -> str | None:
        return self.metadata.get("entity")

    def summary(self) -> dict[str, Any]:
        if self._summary is None:
            self._summary = read_json_object(self.paths.file(SUMMARY))
        return self._summary

    def record(self) -> RunRecord:
        created = _epoch(self.metadata.get("startedAt"))
        try:
            heartbeat: float | None = os.stat(self.paths.file(HISTORY)).st_mtime
        except OSError:
            heartbeat = created
        return RunRecord(
            name=self.paths.run_id,
            display_name=self.metadata.get("name"),
            state=run_state(self.metadata, self.summary()),
            tags=self.metadata.get("tags") or (),
            group=self.metadata.get("group"),
            job_type=self.metadata.get("jobType"),
            created_at=created,
            heartbeat_at=heartbeat,
            host=self.metadata.get("host"),
            username=self.metadata.get("username"),
            notes=self.metadata.get("notes"),
            config=lambda: _config(self.paths)[0],
            summary=self.summary,
        )

    def attrs(self) -> dict[str, Any]:
        config, wandb_block = _config(self.paths)
        meta = self.metadata
        return {
            "id": None,
            "name": self.paths.run_id,
            "displayName": meta.get("name"),
            "entity": self.entity,
            "project": self.project,
            "state": run_state(meta, self.summary()),
            "config": config,
            "wandbConfig": wandb_block,
            "summary": self.summary(),
            "tags": meta.get("tags") or [],
            "notes": meta.get("notes"),
            "group": meta.get("group"),
            "jobType": meta.get("jobType"),
            "host": meta.get("host"),
            "createdAt": _iso(meta.get("startedAt")),
            "user": meta.get("username"),
            "url": self.paths.root.as_uri(),
            "dir": str(self.paths.root),
        }


class LocalBackend:
    """Run folders under one ``wandb`` folder (or one run folder)."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        root = Path(root).expanduser().resolve()
        if not root.is_dir():
            raise UsageError(f"dir={str(root)!r} is not a folder: pass a folder that holds wandb/ run folders")
        self.single: RunPaths | None = None
        if (root / "wandb").is_dir():
            self.wandb_dir = root / "wandb"
        elif (root / "files").is_dir() and RunPaths(root).run_id != root.name:
            self.wandb_dir, self.single = root.parent, RunPaths(root)
        else:
            self.wandb_dir = root
        self.where = str(root)
        self._listing: tuple[str, list[tuple[list[Any], _LocalRun]]] | None = None

    # -- which runs ------------------------------------------------------------
    def _all(self) -> Iterator[_LocalRun]:
        """Every run folder, oldest first; a run id seen twice (an online and an offline folder) counts once,
        as its newest folder."""
        if self.single is not None:
            yield _LocalRun(self.single)
            return
        newest: dict[str, RunPaths] = {}
        for paths in iter_runs(self.wandb_dir):
            newest[paths.run_id] = paths
        for paths in newest.values():
            yield _LocalRun(paths)

    @staticmethod
    def _in(run: _LocalRun, entity: str | None, project: str | None) -> bool:
        if project is not None and run.project != project:
            return False
        return entity is None or run.entity is None or run.entity == entity

    def projects(self, entity: str | None) -> list[dict[str, Any]]:
        seen: dict[tuple[Any, Any], dict[str, Any]] = {}
        for run in self._all():
            if entity is None or run.entity in (None, entity):
                key = (run.entity, run.project)
                seen.setdefault(
                    key,
                    {"name": run.project, "entityName": run.entity, "createdAt": _iso(run.metadata.get("startedAt"))},
                )
        return list(seen.values())

    def viewer(self) -> None:
        return None

    def runs_page(
        self, entity: str | None, project: str, filters: dict[str, Any], order: str, size: int, cursor: Any, count: bool
    ) -> tuple[list[dict[str, Any]], Any, int | None]:
        """A page of the ordered matches. The first page reads every run folder once and keeps the ordered
        list for the pages that follow (folders are read in this process, not sent: a list is cheap)."""
        key = json.dumps([entity, project, filters, order], sort_keys=True, default=str)
        if cursor is None or self._listing is None or self._listing[0] != key:
            self._listing = (key, self._ordered(entity, project, filters, order))
        listing = self._listing[1]
        start = 0
        if cursor is not None:
            positions = [position for position, _ in listing]
            if cursor not in positions:
                raise UsageError("the cursor does not belong to this listing: start it again")
            start = positions.index(cursor) + 1
        page = listing[start : start + size]
        more = start + size < len(listing)
        rows = [run.attrs() for _, run in page]
        return rows, (page[-1][0] if more and page else None), (len(listing) if count else None)

    def _ordered(
        self, entity: str | None, project: str | None, filters: dict[str, Any], order: str
    ) -> list[tuple[list[Any], _LocalRun]]:
        try:
            matches = compile_filter(filters)
        except FilterError as error:
            raise UsageError(f"invalid filters: {error}") from None

        def matching() -> Iterator[tuple[RunRecord, _LocalRun]]:
            for run in self._all():
                if self._in(run, entity, project):
                    record = run.record()
                    if matches(record):
                        yield record, run

        try:
            page, _ = select_page(matching(), order, None, sys.maxsize - 1)
        except FilterError as error:
            raise UsageError(f"invalid order: {error}") from None
        return page

    def _find(self, entity: str | None, project: str | None, run_id: str) -> _LocalRun:
        for run in self._all():
            if run.paths.run_id == run_id and self._in(run, entity, project):
                return run
        where = "/".join(part for part in (entity, project, run_id) if part)
        raise RunNotFoundError(f"no run {where} under {self.wandb_dir}")

    def run(self, entity: str | None, project: str | None, run_id: str) -> dict[str, Any]:
        return self._find(entity, project, run_id).attrs()

    def _paths(self, run: Run) -> RunPaths:
        return self._find(None, None, run.id).paths if "dir" not in run._attrs else RunPaths(Path(run._attrs["dir"]))

    # -- history ------------------------------------------------------------
    def history_sample(self, run: Run, samples: int) -> list[dict[str, Any]]:
        return _rows(history_index(self._paths(run).file(HISTORY)).sample(samples))

    def events_sample(self, run: Run, samples: int) -> list[dict[str, Any]]:
        return _rows(history_index(self._paths(run).file(EVENTS)).sample(samples))

    def history_keys(self, run: Run, keys: list[str], samples: int) -> list[dict[str, Any]]:
        return history_index(self._paths(run).file(HISTORY)).sample_with_keys(keys, samples)

    def history_range(self, run: Run, min_step: int, max_step: int, size: int) -> list[dict[str, Any]]:
        return _rows(history_index(self._paths(run).file(HISTORY)).step_range(min_step, max_step, size))

    def last_step(self, run: Run) -> int:
        last = history_index(self._paths(run).file(HISTORY)).last_step()
        return int(last) if last is not None else -1

    # -- files ------------------------------------------------------------
    def files_page(
        self, run: Run, names: list[str], pattern: str | None, size: int, cursor: Any
    ) -> tuple[list[dict[str, Any]], Any]:

        files_root = self._paths(run).files
        like = sql_like(pattern) if pattern and not names else None
        found: list[dict[str, Any]] = []
        for dirpath, _dirs, file_names in os.walk(files_root):
            for file_name in file_names:
                path = Path(dirpath) / file_name
                name = path.relative_to(files_root).as_posix()
                if file_name.startswith(".") or (names and name not in names) or (like and not like.match(name)):
                    continue
                if cursor is not None and name <= cursor:
                    continue
                stat = path.stat()
                found.append(
                    {
                        "name": name,
                        "sizeBytes": stat.st_size,
                        "url": path.as_uri(),
                        "updatedAt": datetime.fromtimestamp(stat.st_mtime, timezone.utc).isoformat(),
                    }
                )
        found.sort(key=lambda row: str(row["name"]))
        page = found[:size]
        return page, (page[-1]["name"] if len(found) > size else None)

    def console_page(self, run: Run, size: int, cursor: Any, last: int | None) -> tuple[list[ConsoleLine], Any]:
        index = history_index(self._paths(run).file(OUTPUT))
        total = index.rows
        begin = max(0, total - last) if last is not None else (cursor + 1 if cursor is not None else 0)
        numbers = list(range(begin, total if last is not None else min(total, begin + size)))
        lines = []
        for number, stored in zip(numbers, index.rows_at(numbers)):
            when, error, text = parse_line(stored)
            lines.append(ConsoleLine(number, when, "error" if error else "info", "", text))
        more = last is None and bool(lines) and lines[-1].number + 1 < total
        return lines, (lines[-1].number if more else None)

    def download(self, file: File, target: Path) -> None:
        shutil.copyfile(self._paths(file.run).files / file.name, target)

    # -- changes ------------------------------------------------------------
    def update(self, run: Run) -> None:
        paths = self._paths(run)
        metadata = read_json_object(paths.file(METADATA))
        for key, value in (("name", run.name), ("notes", run.notes), ("group", run.group), ("jobType", run.job_type)):
            if value is None:
                metadata.pop(key, None)
            else:
                metadata[key] = value
        metadata["tags"] = list(run.tags)
        write_atomic(paths.file(METADATA), json.dumps(metadata, indent=2))
        _, wandb_block = _config(paths)
        block = wandb_block if isinstance(wandb_block, dict) else {}
        write_atomic(paths.file(CONFIG), dump_config(dict(run.config), block))
        write_atomic(paths.file(SUMMARY), json.dumps(dict(run.summary), default=str))

    def delete(self, run: Run) -> None:
        shutil.rmtree(self._paths(run).root)
