"""Resolvers for reading runs back: the operations of the W&B SDK's public API (``wandb.Api()``).

Runs with W&B's filter language, order and cursors (``Runs``), one run (``Run``),
history sampled (``RunFullHistory``, ``RunSampledHistory``) and paged by step
ranges (``HistoryPage``, what wandb-core's ``scan_history`` sends), files with
download URLs (``RunFiles``), projects with cursors (``GetProjects``),
``DeleteRun``; ``run.update()`` is the existing ``UpsertBucket``. The fields
are declared in ``_read_api.graphql``; :data:`FIELDS` binds them.

Access is the server's: a project is reached through ``project(name,
entityName)``, which answers null for an entity the caller may not read, so a
run of another user looks exactly like a missing one.

Cost and memory stay bounded for 10,000 runs and 1M-row histories: runs by
creation time (W&B's default order) are read from the index from the cursor on
and reading stops when the page is full; any other order looks at every match
once and keeps the ordered list (a position and a key per run) for the next
pages while the project's runs are unchanged. Summaries are parsed once per
file version (:mod:`._file_derived`), and history is read through a sparse step
index of the file (:mod:`wandb_jupyter.rundir._history_read`), never loaded whole.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import mimetypes
import shutil
import sys
import time
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

from graphql import GraphQLResolveInfo

from ..common._yaml import unwrap_wandb_config
from ..rundir._history_read import history_index
from ..rundir._output_log import parse_line
from ..rundir._run_filter import (
    FilterError,
    RunRecord,
    by_creation,
    check_cursor,
    compile_filter,
    parse_filters,
    select_page,
    sql_like,
)
from ..rundir._rundir import EVENTS, HISTORY, OUTPUT, SUMMARY
from ._context import ClientError, Forbidden, NotFound, Unauthorized, decode_id, encode_id
from ._file_derived import FileDerived
from ._resolvers import ProjectNode, RunNode, iso, run_state
from ._storage import Project, Run

__all__ = ["FIELDS", "remove_run"]

DEFAULT_PAGE = 50
MAX_PAGE = 10_000  # runs, projects or files in one answer
MAX_HISTORY_ROWS = 100_000  # history rows in one answer (W&B's own pages are 1,000)
#: Parsed summaries kept for filters and orders on summary_metrics: at most this many bytes of their files
#: (a parsed summary takes a few times its text), so 10,000 small summaries stay cached, large ones rotate.
SUMMARY_CACHE_BYTES = 32 << 20


# -- small helpers ------------------------------------------------------------


def _page_size(first: int | None, default: int = DEFAULT_PAGE, limit: int = MAX_PAGE) -> int:
    if first is None:
        return default
    if first < 0:
        raise ClientError("'first' must not be negative")
    return min(first, limit)


def _cursor(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value, separators=(",", ":")).encode()).decode()


def _uncursor(text: str | None) -> Any:
    if not text:
        return None
    try:
        return json.loads(base64.urlsafe_b64decode(text.encode()))
    except (ValueError, binascii.Error, UnicodeError):
        raise ClientError(f"invalid cursor {text!r}: pass an endCursor this server gave") from None


def _page_info(end: str | None, more: bool) -> dict[str, Any]:
    return {"endCursor": end, "hasNextPage": more, "startCursor": None, "hasPreviousPage": False}


def _run_path(ctx: Any, run: Run) -> Path:
    return Path(ctx.server.data_dir) / run.dir / "files"


def _plain_config(run: Run) -> dict[str, Any]:
    """The run's config as plain values (W&B stores ``{"key": {"value": ...}}``), without ``_wandb``."""
    return unwrap_wandb_config(_json_object(run.config))


def _summary_of(path: Path) -> dict[str, Any]:
    return _json_object(path.read_text(encoding="utf-8"))


_summaries = FileDerived(_summary_of, SUMMARY_CACHE_BYTES)


def _summary(ctx: Any, run: Run) -> dict[str, Any]:
    """The run's latest summary: its ``wandb-summary.json``, else the one UpsertBucket stored."""
    found = _summaries.get(_run_path(ctx, run) / SUMMARY)
    return found if found is not None else _json_object(run.summary)


def _json_object(text: str | None) -> dict[str, Any]:
    try:
        value = json.loads(text or "{}")
    except (ValueError, RecursionError):
        return {}
    return value if isinstance(value, dict) else {}


def _record(ctx: Any, run: Run) -> RunRecord:
    return RunRecord(
        name=run.name,
        display_name=run.display_name,
        state=run_state(run),
        tags=run.tags,
        group=run.group_name,
        job_type=run.job_type,
        created_at=run.created_at,
        heartbeat_at=run.heartbeat_at,
        host=run.host,
        username=run.username or run.creator,
        sweep=run.sweep,
        notes=run.notes,
        config=lambda: _plain_config(run),
        summary=lambda: _summary(ctx, run),
    )


# -- runs: filters, order, cursors ------------------------------------------------------------


def _predicate(filters: str | None) -> Any:
    try:
        return compile_filter(parse_filters(filters))
    except FilterError as error:
        raise ClientError(f"invalid filters: {error}") from None


def _matching(
    info: GraphQLResolveInfo, project: Project, filters: str | None, **order: Any
) -> Iterator[tuple[RunRecord, Run]]:
    """The runs that match, with their records; ``order``: iter_runs' ``descending`` and ``after``."""
    ctx = info.context
    matches = _predicate(filters)
    for run in ctx.server.storage.iter_runs(project, **order):
        record = _record(ctx, run)
        if matches(record):
            yield record, run


class _Listings:
    """The ordered matches of recent runs queries, as ``[(position, run pk)]``, while the project's runs
    stay unchanged (:meth:`Storage.runs_stamp`): W&B's clients page through one query 50 runs at a time, and
    any order but creation time needs every match looked at, so without this each page would cost a pass
    over every run. A few listings are kept (small: a position and a key per run)."""

    KEEP = 4

    def __init__(self) -> None:
        self._kept: OrderedDict[tuple[Any, ...], list[tuple[list[Any], int]]] = OrderedDict()
        self._counts: OrderedDict[tuple[Any, ...], int] = OrderedDict()

    def _key(self, info: GraphQLResolveInfo, project: Project, filters: str | None, order: str | None) -> Any:
        stamp = info.context.server.storage.runs_stamp(project)
        return (id(info.context.server), project.pk, stamp, json.dumps(parse_filters(filters), sort_keys=True), order)

    def get(
        self, info: GraphQLResolveInfo, project: Project, filters: str | None, order: str | None
    ) -> list[tuple[list[Any], int]]:
        key = self._key(info, project, filters, order)
        found = self._kept.get(key)
        if found is None:
            page, _ = select_page(_matching(info, project, filters), order, None, sys.maxsize - 1)
            found = self._kept[key] = [(position, run.pk) for position, run in page]
            while len(self._kept) > self.KEEP:
                self._kept.popitem(last=False)
        self._kept.move_to_end(key)
        return found

    def count(self, info: GraphQLResolveInfo, project: Project, filters: str | None) -> int:
        """The number of matches: a kept listing's with these filters (any order), or one counted before
        (W&B's SDK asks for it with every page), or counted now."""
        key = self._key(info, project, filters, None)[:4]
        for kept_key, listing in self._kept.items():
            if kept_key[:4] == key:
                return len(listing)
        if key not in self._counts:
            self._counts[key] = sum(1 for _ in _matching(info, project, filters))
            while len(self._counts) > 4 * self.KEEP:
                self._counts.popitem(last=False)
        return self._counts[key]


_listings = _Listings()


def resolve_run_count(root: ProjectNode, info: GraphQLResolveInfo, filters: str | None = None) -> int:
    try:
        unfiltered = not parse_filters(filters)
        if unfiltered:
            return info.context.server.storage.count_runs(root._project)
        return _listings.count(info, root._project, filters)
    except FilterError as error:
        raise ClientError(f"invalid filters: {error}") from None


def _listed_page(
    info: GraphQLResolveInfo, project: Project, filters: str | None, order: str | None, start: Any, size: int
) -> tuple[list[tuple[list[Any], Run]], bool]:
    """A page of a kept listing: the runs after the cursor's position (a run deleted since is skipped)."""
    listing = _listings.get(info, project, filters, order)
    index = 0
    if start is not None:
        index = next((i + 1 for i, (position, _) in enumerate(listing) if position == start), -1)
        if index < 0:  # the cursor's run changed place: look at every match once more
            return select_page(_matching(info, project, filters), order, start, size)
    page: list[tuple[list[Any], Run]] = []
    storage = info.context.server.storage
    for position, pk in listing[index:]:
        if len(page) == size:
            return page, True
        run = storage.get_run_by_pk(pk)
        if run is not None:
            page.append((position, run))
    return page, False


def resolve_runs(
    root: ProjectNode,
    info: GraphQLResolveInfo,
    filters: str | None = None,
    after: str | None = None,
    first: int | None = None,
    order: str | None = None,
) -> dict[str, Any]:
    size = _page_size(first)
    try:
        start = check_cursor(_uncursor(after))
        descending = by_creation(order)
        if descending is None:  # any order: every match is looked at once, the listing kept for the next pages
            page, more = _listed_page(info, root._project, filters, order, start, size)
        else:  # by creation time: the index reads from the cursor on, and stops when the page is full
            since = (start[2], start[3]) if start is not None and isinstance(start[2], (int, float)) else None
            matches = _matching(info, root._project, filters, descending=descending, after=since)
            page, more = select_page(matches, order, start, size, presorted=True)
    except FilterError as error:
        raise ClientError(f"invalid order or cursor: {error}") from None
    cursors = [_cursor(position) for position, _ in page]
    edges = [{"node": RunNode(run), "cursor": cursor} for cursor, (_, run) in zip(cursors, page)]
    return {"edges": edges, "pageInfo": _page_info(cursors[-1] if cursors else after, more)}


# -- projects ------------------------------------------------------------


def _offset_connection(items: list[Any], node: Any, first: int | None, after: str | None) -> dict[str, Any]:
    """A connection over a small list, paged by position (``after`` is the last position seen)."""
    start = _uncursor(after)
    offset = start + 1 if isinstance(start, int) else 0
    size = _page_size(first, default=len(items))
    chosen = items[offset : offset + size]
    edges = [{"node": node(item), "cursor": _cursor(offset + i)} for i, item in enumerate(chosen)]
    more = offset + len(chosen) < len(items)
    return {"edges": edges, "pageInfo": _page_info(edges[-1]["cursor"] if edges else after, more)}


def resolve_projects(
    _root: Any,
    info: GraphQLResolveInfo,
    entityName: str | None = None,
    first: int | None = None,
    after: str | None = None,
) -> dict[str, Any] | None:
    ctx = info.context
    user = ctx.caller.user
    name = entityName or (user.entity if user else None)
    entity = ctx.server.storage.get_entity(name) if name else None
    if entity is None or not ctx.server.can_read(user, entity):  # the same for missing and not yours
        return _offset_connection([], ProjectNode, first, after)
    return _offset_connection(ctx.server.storage.list_projects(entity), ProjectNode, first, after)


def _entity_connection_projects(root: Any, info: GraphQLResolveInfo, first: int | None = None) -> dict[str, Any]:
    return _offset_connection(info.context.server.storage.list_projects(root._entity), ProjectNode, first, None)


def _members(root: Any, info: GraphQLResolveInfo) -> list[dict[str, Any]]:
    server = info.context.server
    owners = server.storage.members_of(root._entity)
    return [
        {
            "id": encode_id("User", user.pk),
            "admin": user.admin,
            "pending": False,
            "email": user.email,
            "username": user.name,
            "name": user.name,
            "photoUrl": None,
            "accountType": "USER",
            "apiKey": None,
        }
        for user in owners
    ]


def _entity_read_only(root: Any, info: GraphQLResolveInfo) -> bool:
    return not info.context.server.can_write(info.context.caller.user, root._entity)


def _project_read_only(root: ProjectNode, info: GraphQLResolveInfo) -> bool:
    return not info.context.server.can_write(info.context.caller.user, root._project.entity)


# -- one run ------------------------------------------------------------


def _run_read_only(root: RunNode, info: GraphQLResolveInfo) -> bool:
    return not info.context.server.can_write(info.context.caller.user, root._run.project.entity)


def resolve_summary_metrics(root: RunNode, info: GraphQLResolveInfo) -> str:
    """The latest summary, from the parsed-summary cache: a listing of many runs opens no run's files."""
    return json.dumps(_summary(info.context, root._run))


def resolve_history_line_count(root: RunNode, info: GraphQLResolveInfo) -> int:
    """Whole lines of the history file, from its (cached, growing) step index: counted once per run."""
    return history_index(_history_path(root, info)).rows


def resolve_system_metrics(root: RunNode, info: GraphQLResolveInfo) -> str:
    """The latest system metrics: the last row of ``wandb-events.jsonl``."""
    tail = root._files(info).tail(EVENTS, 1)
    return tail[0] if tail and _json_object(tail[0]) else "{}"


def _history_path(root: RunNode, info: GraphQLResolveInfo, name: str = HISTORY) -> Path:
    return _run_path(info.context, root._run) / name


def resolve_history_keys(root: RunNode, info: GraphQLResolveInfo) -> dict[str, Any]:
    """``{"lastStep": N, "keys": {...}}``: the SDK reads lastStep to bound ``scan_history``; the keys are
    the summary's (the summary holds the latest value of every history key)."""
    last = history_index(_history_path(root, info)).last_step()
    summary = _summary(info.context, root._run)
    keys = {key: {"typeCounts": [{"type": _type_name(value), "count": 1}]} for key, value in summary.items()}
    return {"lastStep": int(last) if last is not None else -1, "keys": keys}


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict) and isinstance(value.get("_type"), str):
        return value["_type"]
    return "map" if isinstance(value, dict) else "list" if isinstance(value, list) else "nil"


def _rows_limit(samples: int | None, default: int) -> int:
    if samples is None:
        return default
    if samples < 0:
        raise ClientError("'samples' must not be negative")
    return min(samples, MAX_HISTORY_ROWS)


def resolve_history(
    root: RunNode,
    info: GraphQLResolveInfo,
    samples: int | None = None,
    minStep: int | None = None,
    maxStep: int | None = None,
) -> list[str]:
    """Rows as JSON text: a step range when ``minStep``/``maxStep`` are given (``samples`` rows at most,
    wandb-core's ``HistoryPage``), else ``samples`` rows spread evenly over the run (``history()``)."""
    index = history_index(_history_path(root, info))
    if minStep is not None or maxStep is not None:
        return index.step_range(minStep or 0, maxStep, _rows_limit(samples, MAX_HISTORY_ROWS))
    return index.sample(_rows_limit(samples, 500))


def resolve_events(root: RunNode, info: GraphQLResolveInfo, samples: int | None = None) -> list[str]:
    return history_index(_history_path(root, info, EVENTS)).sample(_rows_limit(samples, 500))


def resolve_sampled_history(root: RunNode, info: GraphQLResolveInfo, specs: list[str]) -> list[list[dict[str, Any]]]:
    """One list per spec ``{"keys": [...], "samples": N}`` (and ``minStep``/``maxStep``, inclusive, when
    wandb-core's ``scan_history(keys=...)`` pages): rows holding every key, with only those keys."""
    index = history_index(_history_path(root, info))
    out = []
    for text in specs:
        spec = _json_object(text) if isinstance(text, str) else {}
        keys = spec.get("keys")
        if not isinstance(keys, list) or not keys or not all(isinstance(k, str) for k in keys):
            raise ClientError('each sampledHistory spec must be {"keys": [names...], "samples": N}')
        samples = spec.get("samples", 500)
        if not isinstance(samples, int) or isinstance(samples, bool):
            raise ClientError("a sampledHistory spec's samples must be an integer")
        window = [spec.get(name) for name in ("minStep", "maxStep")]  # wandb-core's scan pages: both inclusive
        if any(
            value is not None and (not isinstance(value, (int, float)) or isinstance(value, bool)) for value in window
        ):
            raise ClientError("a sampledHistory spec's minStep and maxStep must be numbers")
        out.append(index.sample_with_keys(list(dict.fromkeys(keys)), _rows_limit(samples, 500), *window))
    return out


def resolve_parquet_history(root: RunNode, info: GraphQLResolveInfo, liveKeys: list[str]) -> dict[str, Any]:
    return {"parquetUrls": [], "liveData": []}


MAX_LOG_LINES = 10_000  # console lines in one answer


def _log_line(number: int, text: str) -> dict[str, Any]:
    """One stored output.log line (``[ERROR ]<ISO time> <text>``) as W&B's LogLine."""
    when, error, line = parse_line(text)
    return {
        "id": str(number),
        "number": number,
        "timestamp": when,
        "level": "error" if error else "info",
        "label": "",
        "line": line,
    }


def resolve_log_lines(
    root: RunNode,
    info: GraphQLResolveInfo,
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    useImprovedPagination: bool | None = None,
) -> dict[str, Any]:
    """Console lines from the start (``first`` after the cursor) or the end (``last``), read through the
    file's sparse index: a page of a long log costs one seek."""
    index = history_index(_history_path(root, info, OUTPUT))
    total = index.rows
    if last is not None:
        count = _rows_limit(last, MAX_LOG_LINES)
        numbers = list(range(max(0, total - count), total))
    else:
        start = _uncursor(after)
        begin = start + 1 if isinstance(start, int) and not isinstance(start, bool) else 0
        numbers = list(range(begin, min(total, begin + _page_size(first, default=1000, limit=MAX_LOG_LINES))))
    lines = index.rows_at(numbers)
    cursors = [_cursor(n) for n in numbers[: len(lines)]]
    edges = [{"node": _log_line(n, text), "cursor": c} for n, text, c in zip(numbers, lines, cursors)]
    more = last is None and bool(numbers) and numbers[-1] + 1 < total
    return {"edges": edges, "pageInfo": _page_info(cursors[-1] if cursors else after, more)}


# -- files ------------------------------------------------------------


def _md5_of(path: Path) -> str:
    """base64 of the file's MD5, W&B's ``md5`` field."""
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return base64.b64encode(digest.digest()).decode()


_md5s = FileDerived(_md5_of, 4096, weight=lambda _size: 1)


def _file_node(ctx: Any, run: Run, files_root: Path, name: str, size: int, mtime: float) -> dict[str, Any]:
    run_path = "/".join(quote(part, safe="") for part in (run.project.entity.name, run.project.name, run.name))
    url = f"{ctx.base_url}/files/{run_path}/{quote(name)}"
    return {
        "id": encode_id("File", run.pk * 1_000_003 + (hash(name) & 0xFFFFF)),
        "name": name,
        "sizeBytes": size,
        "updatedAt": iso(mtime),
        "url": url,
        "directUrl": url,
        "mimetype": mimetypes.guess_type(name)[0] or "application/octet-stream",
        "md5": lambda _info, **_args: _md5s.get(files_root / name),
    }


def resolve_files(
    root: RunNode,
    info: GraphQLResolveInfo,
    names: list[str | None] | None = None,
    after: str | None = None,
    first: int | None = None,
    pattern: str | None = None,
) -> dict[str, Any]:
    """The run's files by name, paged by the last name seen; ``names`` beats ``pattern``."""
    wanted = {name for name in names or [] if name}
    like = sql_like(pattern) if pattern and not wanted else None
    start = _uncursor(after)
    size = _page_size(first)
    run_files = root._files(info)
    chosen: list[tuple[str, int, float]] = []
    more = False
    for name, file_size, mtime in run_files.list_files():
        if (wanted and name not in wanted) or (like and not like.match(name)):
            continue
        if isinstance(start, str) and name <= start:
            continue
        if len(chosen) == size:
            more = True
            break
        chosen.append((name, file_size, mtime))
    ctx = info.context
    root_dir = run_files.paths.files
    cursors = [_cursor(name) for name, _, _ in chosen]
    edges = [{"node": _file_node(ctx, root._run, root_dir, *item), "cursor": c} for c, item in zip(cursors, chosen)]
    return {"edges": edges, "pageInfo": _page_info(cursors[-1] if cursors else after, more)}


def resolve_file_count(root: RunNode, info: GraphQLResolveInfo) -> int:
    return len(root._files(info).list_files())


# -- deleting ------------------------------------------------------------


def _writable_run_by_id(info: GraphQLResolveInfo, run_id: str, what: str) -> Run:
    """The run of a GraphQL id that the caller may change; one it may not read is "no such run"."""
    server = info.context.server
    user = info.context.caller.user
    if user is None:
        raise Unauthorized("an API key is required")
    pk = decode_id("Run", run_id)
    run = server.storage.get_run_by_pk(pk) if pk is not None else None
    if run is None or not server.can_read(user, run.project.entity):
        raise NotFound(f"no run with id {run_id!r}")
    if not server.can_write(user, run.project.entity):
        raise Forbidden(f"user {user.name!r} cannot {what} runs of entity {run.project.entity.name!r}")
    return run


def resolve_delete_run(_root: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> dict[str, Any]:
    """Delete a run and its files. A run the caller may not read is "no such run", as a missing one."""
    remove_run(info.context.server, _writable_run_by_id(info, input["id"], "delete"))
    return {"clientMutationId": input.get("clientMutationId")}


def remove_run(server: Any, run: Any) -> None:
    """Forget ``run`` in the index and remove its directory (the caller checked the permission)."""
    server.files.release(run.pk)
    server.storage.delete_run(run)
    run_dir = Path(server.data_dir) / run.dir
    if run_dir.resolve().is_relative_to(Path(server.data_dir).resolve()):
        shutil.rmtree(run_dir, ignore_errors=True)


#: W&B's allowed state changes (run.update_state): to pending to requeue, to failed to give up on a run.
_STATE_CHANGES = {"pending": {"running", "failed", "crashed", "preempted"}, "failed": {"pending", "running"}}


def resolve_update_run_state(_root: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> dict[str, Any]:
    """Move a run to ``pending`` or ``failed`` (W&B's ``run.update_state``); other changes are refused."""
    run = _writable_run_by_id(info, input["id"], "change the state of")
    target, current = input["state"], run_state(run)
    allowed = _STATE_CHANGES.get(target)
    if allowed is None:
        raise ClientError(f"a run's state can be set to pending or failed, not {target!r}")
    if run.sweep:
        raise ClientError("the state of a sweep's run cannot be changed")
    if current not in allowed:
        raise ClientError(f"a {current} run cannot become {target} (from: {', '.join(sorted(allowed))})")
    info.context.server.storage.update_run(run, {"state": target, "updated_at": time.time()})
    return {"success": True, "clientMutationId": input.get("clientMutationId")}


def _none(_root: Any, _info: GraphQLResolveInfo, **_args: Any) -> None:
    return None


def _false(_root: Any, _info: GraphQLResolveInfo, **_args: Any) -> bool:
    return False


#: Type name -> field name -> resolver, bound by ``_schema.schema()``.
FIELDS: dict[str, dict[str, Any]] = {
    "Query": {"models": resolve_projects, "projects": resolve_projects},
    "Mutation": {"deleteRun": resolve_delete_run, "updateRunState": resolve_update_run_state},
    "User": {"deletedAt": _none, "apiKeys": lambda _root, _info: {"edges": []}},
    "Entity": {
        "projects": _entity_connection_projects,
        "available": _false,
        "photoUrl": _none,
        "readOnly": _entity_read_only,
        "readOnlyAdmin": _false,
        "entityType": lambda root, _info: "ORGANIZATION" if root._entity.is_team else "USER",
        "privateOnly": _false,
        "storageBytes": lambda _root, _info: 0,
        "codeSavingEnabled": lambda _root, _info: True,
        "defaultAccess": lambda _root, _info: "PRIVATE",
        "isPaid": _false,
        "members": _members,
    },
    "Project": {
        "internalId": lambda root, _info: str(root._project.pk),
        "readOnly": _project_read_only,
        "isBenchmark": _false,
        "user": _none,
        "description": _none,
        "runCount": resolve_run_count,
        "runs": resolve_runs,
    },
    "Run": {
        "projectId": lambda root, _info: root._run.project.pk,
        "summaryMetrics": resolve_summary_metrics,
        "historyLineCount": resolve_history_line_count,
        "readOnly": _run_read_only,
        "systemMetrics": resolve_system_metrics,
        "historyKeys": resolve_history_keys,
        "history": resolve_history,
        "events": resolve_events,
        "sampledHistory": resolve_sampled_history,
        "files": resolve_files,
        "fileCount": resolve_file_count,
        "parquetHistory": resolve_parquet_history,
        "logLines": resolve_log_lines,
    },
}
