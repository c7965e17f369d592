"""``wandb-jupyter sync``: upload offline runs and the unsent tails of online ones.

Each run directory is sent by the same :class:`~._sender.Sender` that streams
live runs, from the offsets in its ``sync-state.json``; so an interrupted sync
continues where it stopped, and a run that is up to date sends nothing at all
(syncing twice changes nothing). A run whose own process is still sending it
(its ``.sync.lock`` is held) is skipped.

Where a run goes: an online run to the server, entity and project it started
with; an offline run to ``WANDB_BASE_URL`` (or the settings files), into the
project it was recorded with and the entity given to ``init()`` (else the
server's default entity for the key). ``--entity`` / ``--project`` override.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from ..common._logging import logger
from ..rundir._rundir import SUMMARY, RunPaths, iter_runs
from ..settings import ResolvedSettings
from ._api import Api, ApiError, AuthError, RetryableError
from ._artifacts import artifacts_pending, producers_first
from ._auth import missing_key_message, resolve_key
from ._globs import compile_globs
from ._sender import Sender, config_json_from_file, pending_summary
from ._session import read_metadata, upsert_variables
from ._syncstate import RunLock, SyncState

__all__ = ["SyncResult", "sync_run", "sync_runs", "unsynced_runs", "resolve_run_dirs", "needs_sync"]

#: How long one run may keep failing for passing reasons (server down) before sync gives up on it.
RETRY_FOR = 30.0


class SyncResult(NamedTuple):
    paths: RunPaths
    status: str  # "synced", "up to date", "skipped", "failed"
    detail: str = ""
    rows: int = 0
    files: int = 0
    url: str | None = None


def _exit_code(paths: RunPaths) -> int | None:
    import json

    try:
        data = json.loads(paths.file(SUMMARY).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    block = data.get("_wandb") if isinstance(data, dict) else None
    code = block.get("exitcode") if isinstance(block, dict) else None
    return code if isinstance(code, int) else None


def needs_sync(paths: RunPaths, ignore_globs: Any = ()) -> bool:
    """Does the server lack anything of this run (rows, files, summary, config, its end)?"""
    state = SyncState.load(paths.sync_state)
    pending = pending_summary(paths, state, compile_globs(ignore_globs))
    if any(pending[k] for k in ("bytes", "files", "summary", "config")) or artifacts_pending(paths, state):
        return True
    return _exit_code(paths) is not None and not (state.complete and state.exitcode == _exit_code(paths))


def unsynced_runs(wandb_dir: Path, ignore_globs: Any = ()) -> list[RunPaths]:
    return [paths for paths in iter_runs(wandb_dir) if needs_sync(paths, ignore_globs)]


def resolve_run_dirs(targets: list[str]) -> list[RunPaths]:
    """Run directories from command-line paths: a run folder, or a wandb/ folder (all its runs)."""
    found: list[RunPaths] = []
    for target in targets:
        path = Path(target).expanduser()
        if (path / "files").is_dir():
            found.append(RunPaths(root=path.resolve()))
        elif path.is_dir() and (runs := iter_runs(path) or iter_runs(path / "wandb")):
            found.extend(runs)
        else:
            raise FileNotFoundError(f"{target}: not a run directory (nor a wandb/ folder holding runs)")
    return found


class _Progress:
    """One line per run: a bar redrawn in place on a terminal, the final state elsewhere."""

    def __init__(self, label: str, total: int, stream: Any = None) -> None:
        self.label = label
        self.total = max(total, 1)
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._last = 0.0

    def update(self, done: int, rows: int, force: bool = False) -> None:
        if not self.tty:
            return
        now = time.monotonic()
        if not force and now - self._last < 0.1:
            return
        self._last = now
        fraction = min(1.0, max(0.0, done / self.total))
        bar = "#" * int(fraction * 30)
        self.stream.write(f"\r{self.label} [{bar:<30}] {fraction:4.0%} {rows:,} rows")
        self.stream.flush()

    def close(self) -> None:
        """Clear the bar; the caller prints the run's result line."""
        if self.tty and self._last:
            self.stream.write("\r\033[K")
            self.stream.flush()


class _Target(NamedTuple):
    """Where a run directory goes: the server, entity and project."""

    base_url: str
    entity: str | None
    project: str | None


def _target(
    state: SyncState, metadata: dict[str, Any], settings: ResolvedSettings, entity: str | None, project: str | None
) -> _Target:
    """A run already created keeps its server and place unless the user moves it; else its metadata decides."""
    base_url = state.base_url if state.created and state.base_url else settings.base_url
    target_entity = entity or state.entity or (None if metadata.get("entityDetected") else metadata.get("entity"))
    target_project = project or state.project or metadata.get("project") or settings.project
    if state.created and ((entity and entity != state.entity) or (project and project != state.project)):
        state.forget_server()  # moved to another entity or project: everything goes there anew
    return _Target(base_url, target_entity, target_project)


def _api_for(apis: dict[tuple[str, str], Api], base_url: str, key: str, settings: ResolvedSettings) -> Api:
    """One client per server and key, shared by the runs of one sync."""
    api = apis.get((base_url, key))
    if api is None:
        api = apis[(base_url, key)] = Api(base_url, key, username=settings.username, user_email=settings.user_email)
    return api


def _send_all(sender: Sender, progress: _Progress, history_rows: Callable[[], int]) -> str | None:
    """Step the sender until everything is sent; the reason when it gives up, else None.

    Network and 5xx failures are retried with backoff for up to RETRY_FOR seconds; other API
    errors end the run's sync at once (a missing run on the server is created anew)."""
    before = sender.pending()
    total = before["bytes"] + before["file_bytes"]
    failing_since: float | None = None
    while True:
        try:
            more = sender.step(final=True)
            failing_since = None
        except RetryableError as error:
            failing_since = failing_since or time.monotonic()
            if time.monotonic() - failing_since > RETRY_FOR:
                return str(error)
            time.sleep(min(2.0, 0.25 * 2 ** int(time.monotonic() - failing_since)))
            continue
        except ApiError as error:
            if sender.handle_missing_run(error):
                continue
            hint = " (check the key with `wandb-jupyter login --verify`)" if isinstance(error, AuthError) else ""
            return f"{error}{hint}"
        now = sender.pending()
        progress.update(total - now["bytes"] - now["file_bytes"], history_rows())
        if not more:
            return None


def sync_run(
    paths: RunPaths,
    settings: ResolvedSettings,
    *,
    entity: str | None = None,
    project: str | None = None,
    apis: dict[tuple[str, str], Api] | None = None,
    stream: Any = None,
) -> SyncResult:
    """Send what the server lacks of one run directory (see the module docstring)."""
    if not needs_sync(paths, settings.ignore_globs):
        return SyncResult(paths, "up to date")
    lock = RunLock(paths.root)
    if not lock.acquire():
        return SyncResult(paths, "skipped", "its own process is uploading it")
    try:
        return _sync_locked(paths, settings, entity, project, {} if apis is None else apis, stream)
    except OSError as error:
        return SyncResult(paths, "failed", f"{error}")
    finally:
        lock.release()


def _sync_locked(
    paths: RunPaths,
    settings: ResolvedSettings,
    entity: str | None,
    project: str | None,
    apis: dict[tuple[str, str], Api],
    stream: Any,
) -> SyncResult:
    from ..common._browser import run_url
    from ..settings._origin import Origin

    state = SyncState.load(paths.sync_state)
    metadata = read_metadata(paths)
    target = _target(state, metadata, settings, entity, project)
    key = resolve_key(settings.replace("base_url", target.base_url, Origin(kind="init", detail="the run's server")))
    if key is None:
        return SyncResult(paths, "failed", missing_key_message(target.base_url, settings.config_dir))
    state.base_url = target.base_url
    run_id = paths.run_id
    sender = Sender(
        _api_for(apis, target.base_url, key.key, settings),
        paths,
        state,
        ignore_globs=settings.ignore_globs,
        variables=lambda: upsert_variables(
            metadata, run_id=run_id, project=state.project or target.project, entity=state.entity or target.entity
        ),
        config=lambda: config_json_from_file(paths.file("config.yaml")),
    )
    sender.exit_code = _exit_code(paths)
    before = sender.pending()
    total = before["bytes"] + before["file_bytes"]
    rows_before = state.stream("wandb-history.jsonl").lines

    def history_rows() -> int:
        return state.stream("wandb-history.jsonl").lines - rows_before

    progress = _Progress(paths.root.name, total, stream)
    failure = _send_all(sender, progress, history_rows)
    if failure is not None:
        progress.close()
        return SyncResult(paths, "failed", failure)
    url = None
    project_name = state.project or target.project
    if state.entity and project_name:
        url = run_url(target.base_url, state.entity, project_name, state.run_id or run_id)
    progress.update(total, history_rows(), force=True)
    progress.close()
    return SyncResult(paths, "synced", rows=history_rows(), files=before["files"], url=url)


def sync_runs(
    runs: list[RunPaths],
    settings: ResolvedSettings,
    *,
    entity: str | None = None,
    project: str | None = None,
    say: Callable[[str], None] = print,
    stream: Any = None,
) -> list[SyncResult]:
    apis: dict[tuple[str, str], Api] = {}
    results = []
    try:
        for paths in producers_first(runs):  # a used artifact is on the server before its use
            result = sync_run(paths, settings, entity=entity, project=project, apis=apis, stream=stream)
            if result.status == "synced":
                say(
                    f"{paths.root.name}: synced {result.rows:,} rows and {result.files} file(s)"
                    + (f" -> {result.url}" if result.url else "")
                )
            else:
                say(f"{paths.root.name}: {result.status}{': ' + result.detail if result.detail else ''}")
            logger.debug("sync %s: %s %s", paths.root, result.status, result.detail)
            results.append(result)
    finally:
        for api in apis.values():
            api.close()
    return results
