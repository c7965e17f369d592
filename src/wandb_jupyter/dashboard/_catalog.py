"""What the dashboard shows, whatever stores it: projects, their runs, one run's directory.

A :class:`Catalog` answers "which projects and runs may this viewer see, and
where is each run directory". Two implementations: the standalone server's
index (:mod:`._server_catalog`) and the run directories under a Jupyter root
(:mod:`._local_catalog`). Everything else the dashboard needs (config,
summary, metadata, files, console output) is read here from the run directory
in the format of DESIGN.md, so both sources look alike to the handlers.
"""

from __future__ import annotations

import abc
import datetime as _dt
import fnmatch
import json
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..common._yaml import unwrap_wandb_config
from ..rundir._rundir import CONFIG, METADATA, OUTPUT, SUMMARY

__all__ = [
    "Catalog",
    "EditRefused",
    "Viewer",
    "ProjectInfo",
    "RunInfo",
    "OutputSlice",
    "run_row",
    "run_metadata",
    "run_visualize",
    "list_run_files",
    "resolve_run_file",
    "read_output",
    "read_json_file",
    "parse_time",
    "flatten",
    "step_metrics",
    "run_alerts",
    "MAX_OUTPUT_BYTES",
]

MAX_OUTPUT_BYTES = 1 << 20
MAX_LISTED_FILES = 10_000


@dataclass(frozen=True, kw_only=True)
class Viewer:
    """Who is looking. ``user``: the session's user (server catalog); ``secret``: the user of an
    anonymous entity's secret ``?apiKey=`` link. The local catalog ignores both (Jupyter's auth
    already decided)."""

    user: Any = None
    secret: Any = None

    @property
    def anonymous(self) -> bool:
        return self.user is None and self.secret is None


@dataclass(frozen=True, kw_only=True)
class ProjectInfo:
    entity: str
    project: str
    runs: int
    last_run_at: float | None


@dataclass(frozen=True, kw_only=True)
class RunInfo:
    """One run as a catalog knows it. ``root`` is the run directory (it holds ``files/``).
    ``config_json``/``summary_json``: what an index holds (W&B's JSON forms), used where the
    run directory has no config.yaml / wandb-summary.json yet."""

    entity: str
    project: str
    id: str
    root: Path
    name: str | None = None
    state: str = "finished"
    created_at: float | None = None
    heartbeat_at: float | None = None
    group: str | None = None
    job_type: str | None = None
    tags: tuple[str, ...] = ()
    user: str | None = None
    notes: str | None = None
    config_json: str | None = None
    summary_json: str | None = None
    exit_code: int | None = None

    @property
    def files(self) -> Path:
        return self.root / "files"


class EditRefused(Exception):
    """An edit the catalog refuses: ``status`` is the HTTP status the API answers with."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class Catalog(abc.ABC):
    """Projects and runs visible to a viewer. Methods may block (disk, index): the handlers
    call them on a worker thread, so implementations must be thread-safe."""

    source: str = ""

    @abc.abstractmethod
    def projects(self, viewer: Viewer) -> list[ProjectInfo]: ...

    @abc.abstractmethod
    def runs(self, viewer: Viewer, entity: str, project: str) -> list[RunInfo] | None:
        """The project's runs, newest first; None when the project is unknown or hidden from ``viewer``."""

    @abc.abstractmethod
    def run(self, viewer: Viewer, entity: str, project: str, run_id: str) -> RunInfo | None: ...

    def run_dir(self, info: RunInfo) -> Path:
        return info.root

    def edit_run(self, viewer: Viewer, entity: str, project: str, run_id: str, changes: dict[str, Any]) -> None:
        """Rename, re-note or re-tag a run (``changes``: any of name, notes, tags). Raises the
        handlers' ClientError (403, 404, 409) when the viewer may not or the run cannot be changed."""
        raise EditRefused(405, "this dashboard cannot edit runs")

    def delete_run(self, viewer: Viewer, entity: str, project: str, run_id: str) -> None:
        """Delete a run and its files (same refusals as :meth:`edit_run`)."""
        raise EditRefused(405, "this dashboard cannot delete runs")

    def describe(self) -> dict[str, Any]:
        """Extra fields of the health answer."""
        return {}


# -- parsed files, re-read only when they change ------------------------------------------------------


class _ParsedFiles:
    """The parsed content of small files (summary, config, metadata) keyed by path and
    validated by (mtime, size): a runs table of many runs re-reads nothing that did not change."""

    def __init__(self, max_entries: int = 4096) -> None:
        self._max = max_entries
        self._entries: OrderedDict[tuple[str, str], tuple[tuple[int, int], Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, path: Path, parse: Callable[[bytes], Any], kind: str) -> Any:
        try:
            stat = os.stat(path)
        except OSError:
            return None
        stamp = (stat.st_mtime_ns, stat.st_size)
        key = (kind, str(path))
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry[0] == stamp:
                self._entries.move_to_end(key)
                return entry[1]
        try:
            with open(path, "rb") as handle:
                value = parse(handle.read())
        except (OSError, ValueError):
            value = None
        with self._lock:
            self._entries[key] = (stamp, value)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)
        return value


_PARSED = _ParsedFiles()


def _json_object(data: bytes) -> dict[str, Any] | None:
    value = json.loads(data)
    return value if isinstance(value, dict) else None


def _yaml_object(data: bytes) -> dict[str, Any] | None:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        value = yaml.load(data.decode("utf-8"), Loader=loader)
    except yaml.YAMLError as error:
        raise ValueError(str(error)) from None
    return value if isinstance(value, dict) else None


def read_json_file(path: Path) -> dict[str, Any] | None:
    return _PARSED.get(path, _json_object, "json")


def _loads_object(text: str | None) -> dict[str, Any] | None:
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


# -- one run's fields ------------------------------------------------------------------------------------


def flatten(data: dict[str, Any], *, prefix: str = "", skip_private: bool = True) -> dict[str, Any]:
    """Nested dicts become ``a.b`` keys. Keys starting with ``_`` are internal (``_wandb``,
    ``_step``...) and dropped when ``skip_private``; dicts with a ``_type`` (media, histograms)
    are no column value and are dropped too."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        key = str(key)
        if skip_private and key.startswith("_"):
            continue
        name = prefix + key
        if isinstance(value, dict):
            if "_type" not in value:
                out.update(flatten(value, prefix=name + ".", skip_private=skip_private))
        else:
            out[name] = value
    return out


def run_config(info: RunInfo) -> dict[str, Any]:
    """Config values (W&B's ``{"value": ...}`` wrapping removed), flattened, without ``_wandb``."""
    data = _loads_object(info.config_json)
    if data is None:
        data = _PARSED.get(info.files / CONFIG, _yaml_object, "yaml")
    if not data:
        return {}
    return flatten(unwrap_wandb_config(data), skip_private=False)


def step_metrics(info: RunInfo, metrics: list[str]) -> dict[str, str]:
    """Which x each metric is drawn against by default: the step metric ``define_metric`` chose,
    read from the config's ``_wandb.m`` entries (``"1"`` name, ``"2"`` glob, ``"5"`` the 1-based
    index of the step metric's entry). Metrics without one are left out (they use ``_step``)."""
    data = _loads_object(info.config_json)
    if data is None:
        data = _PARSED.get(info.files / CONFIG, _yaml_object, "yaml")
    block = (data or {}).get("_wandb")
    block = block.get("value", block) if isinstance(block, dict) else None
    entries = block.get("m") if isinstance(block, dict) else None
    if not isinstance(entries, list):
        return {}
    rules: list[tuple[str, bool, str]] = []
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        step = entry.get("5")
        if isinstance(step, int) and 0 < step <= len(entries) and isinstance(entries[step - 1], dict):
            x = entries[step - 1].get("1")
            name, glob = entry.get("1"), entry.get("2")
            pattern = name or glob
            if isinstance(x, str) and x and isinstance(pattern, str):
                rules.append((pattern, not name, x))
    chosen: dict[str, str] = {}
    for metric in metrics:
        for pattern, is_glob, x in rules:
            if (fnmatch.fnmatchcase(metric, pattern) if is_glob else metric == pattern) and metric != x:
                chosen[metric] = x
                break
    return chosen


ALERTS = "alerts.jsonl"  # beside files/, written by run.alert() (client) and notifyScriptableRunAlert (server)
MAX_ALERTS = 200


def run_alerts(info: RunInfo) -> list[dict[str, Any]]:
    """The run's alerts, newest last (at most MAX_ALERTS): ``{"title", "text", "level", "at"}``, from
    the client's records (``level``, ``timestamp``) or the server's (``severity``, ``at``)."""
    try:
        lines = (info.root / ALERTS).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return []
    alerts = []
    for line in lines[-MAX_ALERTS:]:
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and isinstance(record.get("title"), str):
            alerts.append(
                {
                    "title": record["title"],
                    "text": str(record.get("text") or ""),
                    "level": str(record.get("level") or record.get("severity") or "INFO"),
                    "at": record.get("timestamp", record.get("at")),
                }
            )
    return alerts


def run_summary_raw(info: RunInfo) -> dict[str, Any]:
    return read_json_file(info.files / SUMMARY) or _loads_object(info.summary_json) or {}


def run_visualize(info: RunInfo) -> dict[str, Any]:
    """The config's ``_wandb.visualize`` entries: per key, the custom chart (``wandb.plot.*``) drawn from a table."""
    data = _loads_object(info.config_json)
    if data is None:
        data = _PARSED.get(info.files / CONFIG, _yaml_object, "yaml")
    block = (data or {}).get("_wandb")
    block = block.get("value", block) if isinstance(block, dict) else None
    charts = block.get("visualize") if isinstance(block, dict) else None
    return {k: v for k, v in charts.items() if isinstance(v, dict)} if isinstance(charts, dict) else {}


def run_metadata(info: RunInfo) -> dict[str, Any]:
    return read_json_file(info.files / METADATA) or {}


def _runtime(info: RunInfo, summary: dict[str, Any]) -> float | None:
    """Seconds the run ran: the summary's ``_wandb.runtime`` (written at the end) or ``_runtime``
    (the last step), else the time between its start and its last sign of life."""
    block = summary.get("_wandb")
    for value in (block.get("runtime") if isinstance(block, dict) else None, summary.get("_runtime")):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
    if info.created_at is None:
        return None
    end = info.heartbeat_at or (time.time() if info.state == "running" else None)
    return max(0.0, end - info.created_at) if end else None


def run_url(base: str, info: RunInfo) -> str:
    from urllib.parse import quote

    return f"{base}/{quote(info.entity, safe='')}/{quote(info.project, safe='')}/runs/{quote(info.id, safe='')}"


def run_row(info: RunInfo, base: str) -> dict[str, Any]:
    """The runs-table row of a run (see the dashboard contract)."""
    summary = run_summary_raw(info)
    return {
        "id": info.id,
        "name": info.name or info.id,
        "state": info.state,
        "created_at": info.created_at,
        "heartbeat_at": info.heartbeat_at,
        "runtime": _runtime(info, summary),
        "group": info.group,
        "job_type": info.job_type,
        "tags": list(info.tags),
        "user": info.user,
        "config": run_config(info),
        "summary": flatten(summary),
        "url": run_url(base, info),
    }


def parse_time(value: Any) -> float | None:
    """Epoch seconds of an ISO-8601 time (``startedAt`` of wandb-metadata.json)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, str):
        return None
    try:
        parsed = _dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=_dt.timezone.utc)
    return parsed.timestamp()


# -- files of a run ------------------------------------------------------------------------------------


def list_run_files(info: RunInfo) -> list[dict[str, Any]]:
    """``{"name", "size", "mtime"}`` of every file under ``files/`` (hidden ones and symlinks left out)."""
    out: list[dict[str, Any]] = []
    root = info.files
    for dirpath, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and not os.path.islink(os.path.join(dirpath, d)))
        for name in sorted(names):
            if name.startswith("."):
                continue
            path = os.path.join(dirpath, name)
            try:
                stat = os.lstat(path)
            except OSError:
                continue
            if not os.path.isfile(path) or os.path.islink(path):
                continue
            out.append({"name": Path(path).relative_to(root).as_posix(), "size": stat.st_size, "mtime": stat.st_mtime})
            if len(out) >= MAX_LISTED_FILES:
                return out
    return out


def resolve_run_file(info: RunInfo, name: str) -> Path | None:
    """The path of ``name`` inside the run's ``files/``, or None when it would leave it
    (``..``, absolute paths, backslashes, control characters, symlinks pointing outside)."""
    from ..server._runfiles import safe_file_name

    safe = safe_file_name(name)
    if safe is None:
        return None
    root = info.files.resolve()
    path = (info.files / safe).resolve()
    if root not in path.parents:
        return None
    return path if path.is_file() else None


@dataclass(frozen=True, kw_only=True)
class OutputSlice:
    text: str
    offset: int
    next_offset: int
    size: int


def read_output(
    info: RunInfo, *, tail: int | None = None, offset: int | None = None, limit: int = MAX_OUTPUT_BYTES
) -> OutputSlice:
    """Console output: the last ``tail`` lines, or the bytes from ``offset`` on; at most ``limit``
    bytes, cut at a line end where possible so no character is split."""
    path = info.files / OUTPUT
    try:
        with open(path, "rb") as handle:
            size = handle.seek(0, os.SEEK_END)
            if offset is None:
                start = _tail_start(handle, size, tail if tail is not None else 1000, limit)
            else:
                start = min(max(0, offset), size)
            handle.seek(start)
            data = handle.read(min(limit, size - start))
    except OSError:
        return OutputSlice(text="", offset=0, next_offset=0, size=0)
    if start + len(data) < size:  # more follows: end at the last whole line (or whole character)
        cut = data.rfind(b"\n") + 1
        data = data[:cut] if cut else _whole_characters(data)
    return OutputSlice(text=data.decode("utf-8", "replace"), offset=start, next_offset=start + len(data), size=size)


def _tail_start(handle: Any, size: int, lines: int, limit: int) -> int:
    """Where the last ``lines`` lines start (a last line without its newline counts), reading back
    from the end at most ``limit`` bytes."""
    lines = max(0, lines)
    if lines == 0:
        return size
    floor = max(0, size - limit)
    handle.seek(floor)
    data = handle.read(size - floor)
    end = len(data) - 1 if data.endswith(b"\n") else len(data)
    position = end
    for _ in range(lines):
        position = data.rfind(b"\n", 0, position)
        if position < 0:
            return floor if floor == 0 else floor + data.find(b"\n") + 1
    return floor + position + 1


def _whole_characters(data: bytes) -> bytes:
    """``data`` without a UTF-8 sequence cut at its end."""
    for back in range(1, min(4, len(data)) + 1):
        byte = data[-back]
        if byte & 0xC0 != 0x80:  # a lead byte (or ASCII): is its sequence complete?
            need = 1 if byte < 0x80 else 2 if byte >> 5 == 0b110 else 3 if byte >> 4 == 0b1110 else 4
            return data if need <= back else data[:-back]
    return data
