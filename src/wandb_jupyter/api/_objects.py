"""What the read API hands out, shaped like ``wandb.Api()``'s: Run, Runs, Project, File, HistoryScan.

Every object talks to a backend (:mod:`._online` for a W&B-compatible server,
:mod:`._local` for run folders) through the small interface of
:class:`Backend`, so the two modes answer with the same objects. Collections
stream: iterating :class:`Runs` or :class:`HistoryScan` fetches one page at a
time and keeps none of the earlier pages (indexing a :class:`Runs` keeps the
runs up to that index).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from ..common._errors import UsageError
from ..common._yaml import unwrap_wandb_config
from . import _display

__all__ = ["Backend", "Run", "Runs", "Project", "File", "HistoryScan", "Summary", "ConsoleLine", "RunNotFoundError"]

log = logging.getLogger("wandb")


class RunNotFoundError(UsageError):
    """The run does not exist, or the caller may not read it (the two look the same on purpose)."""


class Backend(Protocol):
    """What :class:`Run` and the collections need from a place that holds runs."""

    where: str

    def viewer(self) -> dict[str, Any] | None: ...

    def projects(self, entity: str | None) -> list[dict[str, Any]]: ...

    def runs_page(
        self, entity: str | None, project: str, filters: dict[str, Any], order: str, size: int, cursor: Any, count: bool
    ) -> tuple[list[dict[str, Any]], Any, int | None]: ...

    def run(self, entity: str | None, project: str | None, run_id: str) -> dict[str, Any]: ...

    def history_sample(self, run: Run, samples: int) -> list[dict[str, Any]]: ...

    def history_keys(self, run: Run, keys: list[str], samples: int) -> list[dict[str, Any]]: ...

    def history_range(self, run: Run, min_step: int, max_step: int, size: int) -> list[dict[str, Any]]: ...

    def last_step(self, run: Run) -> int: ...

    def files_page(
        self, run: Run, names: list[str], pattern: str | None, size: int, cursor: Any
    ) -> tuple[list[dict[str, Any]], Any]: ...

    def download(self, file: File, target: Path) -> None: ...

    def console_page(self, run: Run, size: int, cursor: Any, last: int | None) -> tuple[list[ConsoleLine], Any]: ...

    def update(self, run: Run) -> None: ...

    def delete(self, run: Run) -> None: ...


class ConsoleLine(NamedTuple):
    """One line of a run's console output (W&B's ConsoleLogLine): ``level`` is "error" for stderr."""

    number: int
    timestamp: str | None
    level: str
    label: str
    content: str


class Summary(dict[str, Any]):
    """A run's summary: a dict; ``update(...)`` also saves it (as W&B's ``run.summary.update``)."""

    def __init__(self, run: Run, values: dict[str, Any]) -> None:
        super().__init__(values)
        self._run = run

    def update(self, *args: Any, **kwargs: Any) -> None:
        super().update(*args, **kwargs)
        self._run._save_summary()


class Run:
    """One run, read from a server or a run folder. ``id`` is the run id, ``name`` its display name."""

    def __init__(self, backend: Backend, attrs: dict[str, Any]) -> None:
        self._backend = backend
        self._attrs = attrs
        self._load(attrs)

    def _load(self, attrs: dict[str, Any]) -> None:
        self.id: str = attrs["name"]
        self.storage_id: str | None = attrs.get("id")
        self.entity: str | None = attrs.get("entity")
        self.project: str | None = attrs.get("project")
        self.name: str | None = attrs.get("displayName")
        self.state: str | None = attrs.get("state")
        self.config: dict[str, Any] = dict(attrs.get("config") or {})
        self._raw_wandb = attrs.get("wandbConfig")
        self.summary = Summary(self, dict(attrs.get("summary") or {}))
        self.tags: list[str] = list(attrs.get("tags") or [])
        self.notes: str | None = attrs.get("notes")
        self.group: str | None = attrs.get("group")
        self.job_type: str | None = attrs.get("jobType")
        self.host: str | None = attrs.get("host")
        self.created_at: str | None = attrs.get("createdAt")
        self.heartbeat_at: str | None = attrs.get("heartbeatAt")
        self.sweep_name: str | None = attrs.get("sweepName")
        self.user: str | None = attrs.get("user")
        self.url: str | None = attrs.get("url")
        self.history_line_count: int | None = attrs.get("historyLineCount")

    # W&B's spellings
    @property
    def display_name(self) -> str | None:
        return self.name

    @property
    def summary_metrics(self) -> dict[str, Any]:
        return dict(self.summary)

    @property
    def path(self) -> list[str]:
        return [self.entity or "", self.project or "", self.id]

    @property
    def lastHistoryStep(self) -> int:
        return self._backend.last_step(self)

    def load(self, force: bool = False) -> dict[str, Any]:
        """Read the run again (its state, config and summary may have changed)."""
        if force:
            self._attrs = self._backend.run(self.entity, self.project, self.id)
            self._load(self._attrs)
        return self._attrs

    # -- history ------------------------------------------------------------
    def history(
        self,
        samples: int = 500,
        keys: list[str] | None = None,
        x_axis: str = "_step",
        pandas: bool = True,
        stream: str = "default",
    ) -> Any:
        """Up to ``samples`` rows spread over the run (first and last included); with ``keys``, only rows
        holding every key (and ``x_axis``), reduced to them. A pandas DataFrame when ``pandas`` and pandas
        is installed, else a list of dicts."""
        if keys is not None and (not isinstance(keys, list) or not all(isinstance(k, str) for k in keys)):
            raise UsageError(f"keys must be a list of metric names, not {keys!r}")
        if not isinstance(samples, int) or isinstance(samples, bool) or samples < 0:
            raise UsageError(f"samples must be a non-negative integer, not {samples!r}")
        if stream not in ("default", "system"):
            raise UsageError(f"stream must be 'default' or 'system', not {stream!r}")
        if keys:
            if stream != "default":
                raise UsageError("keys can only be read from the default stream")
            rows = self._backend.history_keys(self, list(dict.fromkeys([x_axis, *keys])), samples)
        else:
            rows = self._backend.history_sample(self, samples) if stream == "default" else self._events(samples)
        return _display.frame(rows) if pandas else rows

    def _events(self, samples: int) -> list[dict[str, Any]]:
        events = getattr(self._backend, "events_sample", None)
        return events(self, samples) if events else []

    def scan_history(
        self, keys: list[str] | None = None, page_size: int = 1000, min_step: int = 0, max_step: int | None = None
    ) -> HistoryScan:
        """Every row (with ``keys``: every row holding all of them, reduced to them and ``_step``), read
        ``page_size`` steps at a time; ``max_step`` is exclusive."""
        if keys is not None and (not isinstance(keys, list) or not all(isinstance(k, str) for k in keys)):
            raise UsageError(f"keys must be a list of metric names, not {keys!r}")
        if not isinstance(page_size, int) or page_size <= 0:
            raise UsageError(f"page_size must be a positive integer, not {page_size!r}")
        last = self._backend.last_step(self)
        stop = last + 1 if max_step is None else min(max_step, last + 1)
        return HistoryScan(self, keys, page_size, min_step, stop)

    # -- files ------------------------------------------------------------
    def files(self, names: list[str] | None = None, pattern: str | None = None, per_page: int = 50) -> Files:
        """The run's files (``names``: exactly these; ``pattern``: SQL LIKE, ``%`` and ``_``)."""
        return Files(self, list(names or []), pattern, per_page)

    def file(self, name: str) -> File:
        found = list(self.files([name]))
        if not found:
            raise UsageError(f"run {'/'.join(self.path)} has no file {name!r}")
        return found[0]

    def console_logs(self, *, per_page: int = 1000, last: int | None = None) -> Iterator[ConsoleLine]:
        """The run's console output, oldest first, ``per_page`` lines a request; ``last``: only the last
        lines, in one request."""
        if last is not None:
            yield from self._backend.console_page(self, 0, None, last)[0]
            return
        cursor: Any = None
        while True:
            lines, cursor = self._backend.console_page(self, per_page, cursor, None)
            yield from lines
            if cursor is None:
                return

    # -- changes ------------------------------------------------------------
    def update(self) -> None:
        """Save ``name``, ``notes``, ``tags``, ``group``, ``job_type``, ``config`` and ``summary``."""
        self._backend.update(self)

    save = update

    def _save_summary(self) -> None:
        self._backend.update(self)

    def delete(self, delete_artifacts: bool = False) -> None:
        """Delete the run and its files, for good."""
        self._backend.delete(self)

    # -- display ------------------------------------------------------------
    def __repr__(self) -> str:
        return f"<Run {'/'.join(self.path)} ({self.state})>"

    def _repr_html_(self) -> str:
        return _display.runs_table([self], title=f"Run {'/'.join(self.path)}")


class Runs:
    """Runs of a project matching ``filters``, in ``order``, fetched ``per_page`` at a time.

    ``len(runs)`` asks the place for the count; iterating streams pages (nothing is kept);
    ``runs[i]`` and slices fetch up to ``i`` and keep those runs."""

    def __init__(
        self,
        backend: Backend,
        entity: str | None,
        project: str,
        filters: dict[str, Any] | None,
        order: str,
        per_page: int,
    ) -> None:
        self._backend = backend
        self.entity = entity
        self.project = project
        self.filters = filters or {}
        self.order = order
        self.per_page = per_page
        self._count: int | None = None
        self._kept: list[Run] = []
        self._kept_cursor: Any = None
        self._kept_done = False

    def _page(self, cursor: Any, count: bool) -> tuple[list[Run], Any]:
        rows, next_cursor, total = self._backend.runs_page(
            self.entity, self.project, self.filters, self.order, self.per_page, cursor, count
        )
        if total is not None:
            self._count = total
        return [Run(self._backend, row) for row in rows], next_cursor

    def __iter__(self) -> Iterator[Run]:
        cursor: Any = None
        first = True
        while True:
            runs, cursor = self._page(cursor, first and self._count is None)
            first = False
            yield from runs
            if cursor is None:
                return

    def __len__(self) -> int:
        if self._count is None:
            self._page(None, True)
        return self._count or 0

    def _keep_until(self, index: int | None) -> None:
        while not self._kept_done and (index is None or len(self._kept) <= index):
            runs, self._kept_cursor = self._page(self._kept_cursor, self._count is None)
            self._kept.extend(runs)
            self._kept_done = self._kept_cursor is None

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            self._keep_until(None if index.stop is None or index.stop < 0 else index.stop)
            return self._kept[index]
        self._keep_until(None if index < 0 else index)
        return self._kept[index]

    def __repr__(self) -> str:
        return f"<Runs {self.entity or ''}/{self.project}>"

    def _repr_html_(self) -> str:
        """The first rows as a table (a notebook shows this for a runs collection)."""
        self._keep_until(_display.TABLE_ROWS - 1)
        return _display.runs_table(self._kept[: _display.TABLE_ROWS], total=len(self))

    def to_pandas(self) -> Any:
        """One row per run: id, name, state, created_at, tags, then config.* and summary.* columns."""
        return _display.runs_frame(self)


class Project:
    def __init__(self, entity: str | None, name: str, created_at: str | None = None) -> None:
        self.entity = entity
        self.name = name
        self.created_at = created_at

    @property
    def path(self) -> list[str]:
        return [self.entity or "", self.name]

    def __repr__(self) -> str:
        return f"<Project {self.entity or ''}/{self.name}>"


class File:
    """One file of a run: ``name``, ``size``, ``url``, ``md5``; ``download(root)`` writes it under ``root``."""

    def __init__(self, run: Run, attrs: dict[str, Any]) -> None:
        self.run = run
        self.name: str = attrs["name"]
        self.size: int = attrs.get("sizeBytes") or 0
        self.url: str | None = attrs.get("url")
        self.md5: str | None = attrs.get("md5")
        self.mimetype: str | None = attrs.get("mimetype")
        self.updated_at: str | None = attrs.get("updatedAt")

    def download(self, root: str | Path = ".", replace: bool = False, exist_ok: bool = False) -> Path:
        target = Path(root) / self.name
        if target.exists() and not replace:
            if exist_ok:
                return target
            raise UsageError(f"{target} exists: pass replace=True to overwrite it or exist_ok=True to keep it")
        target.parent.mkdir(parents=True, exist_ok=True)
        self.run._backend.download(self, target)
        return target

    def __repr__(self) -> str:
        return f"<File {self.name} ({self.size} bytes)>"


class Files:
    """The files of a run, fetched ``per_page`` at a time."""

    def __init__(self, run: Run, names: list[str], pattern: str | None, per_page: int) -> None:
        self.run, self.names, self.pattern, self.per_page = run, names, pattern, per_page

    def __iter__(self) -> Iterator[File]:
        cursor: Any = None
        while True:
            rows, cursor = self.run._backend.files_page(self.run, self.names, self.pattern, self.per_page, cursor)
            for row in rows:
                yield File(self.run, row)
            if cursor is None:
                return

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __getitem__(self, index: int) -> File:
        return list(self)[index]


class HistoryScan:
    """Every history row of a run in step order, read ``page_size`` steps at a time (one page in memory)."""

    def __init__(self, run: Run, keys: list[str] | None, page_size: int, min_step: int, stop: int) -> None:
        self.run, self.keys, self.page_size, self.min_step, self.stop = run, keys, page_size, min_step, stop

    @property
    def max_step(self) -> int:
        return self.stop - 1

    def __iter__(self) -> Iterator[dict[str, Any]]:
        step = self.min_step
        keys = list(dict.fromkeys(["_step", *self.keys])) if self.keys else None  # W&B keeps the step
        while step < self.stop:
            upper = min(step + self.page_size, self.stop)
            for row in self.run._backend.history_range(self.run, step, upper, self.page_size):
                if keys:
                    if all(key in row for key in keys):
                        yield {key: row[key] for key in keys}
                else:
                    yield row
            step = upper


def plain_config(stored: Any) -> tuple[dict[str, Any], Any]:
    """(plain config, the ``_wandb`` block) of a config in W&B's ``{"key": {"value": ...}}`` form."""
    if isinstance(stored, str):
        try:
            stored = json.loads(stored)
        except ValueError:
            return {}, None
    if not isinstance(stored, dict):
        return {}, None
    wandb_block = stored.get("_wandb")
    if isinstance(wandb_block, dict) and "value" in wandb_block:
        wandb_block = wandb_block["value"]
    return unwrap_wandb_config(stored), wandb_block


def wandb_form(config: dict[str, Any], wandb_block: Any) -> str:
    """The config as W&B stores it: ``{"key": {"value": ..., "desc": null}}`` with ``_wandb`` kept."""
    stored: dict[str, Any] = {}
    if wandb_block is not None:
        stored["_wandb"] = {"value": wandb_block, "desc": None}
    for key, value in config.items():
        stored[key] = {"value": value, "desc": None}
    return json.dumps(stored)
