"""Tornado handlers of the dashboard: the JSON API, the page shell, static assets, downloads, login.

The handler *logic* lives in mixins that only use what every tornado handler
has; two thin class families put it on a base class each:

* standalone (:func:`._standalone.standalone_routes`): plain ``tornado.web.RequestHandler``,
  our own session (a signed cookie from ``/login``, or an API key), the
  server's catalog;
* inside jupyter_server (:mod:`._jupyter`): Jupyter's ``APIHandler`` /
  ``JupyterHandler``, Jupyter's auth, the local catalog.

Every blocking read (catalog, run files, history parsing) runs on a small
thread pool, so a million-row history never stalls the event loop (nor, inside
Jupyter, the notebook server). Every answer carries the security headers:
a Content-Security-Policy without inline scripts whose ``frame-ancestors``
names who may frame it, ``nosniff`` and ``no-referrer``.
"""

from __future__ import annotations

import html
import json
import logging
import mimetypes
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, ClassVar
from urllib.parse import quote

import tornado.ioloop
import tornado.web

from ..rundir._rundir import EVENTS, HISTORY
from ._artifacts import artifact_routes
from ._catalog import (
    Catalog,
    EditRefused,
    RunInfo,
    Viewer,
    list_run_files,
    read_output,
    resolve_run_file,
    run_alerts,
    run_metadata,
    run_row,
    step_metrics,
)
from ._editing import RunEditLogic
from ._media import HTML_SANDBOX_CSP, MEDIA_TYPES, run_media
from ._series import DEFAULT_SAMPLES, MAX_SAMPLES, MIN_SAMPLES, X_KEYS, SeriesCache
from ._sweeps import SweepLogic, SweepsLogic

__all__ = [
    "Dashboard",
    "Family",
    "ClientError",
    "dashboard_routes",
    "build_handler",
    "check_frame_ancestor",
    "page_shell",
    "STATIC_DIR",
]

log = logging.getLogger("wandb_jupyter.dashboard")

STATIC_DIR = Path(__file__).resolve().parent / "static"
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'"
)
# Files a browser may show instead of saving; always as text/plain, never as HTML.
INLINE_SUFFIXES = frozenset({".ipynb", ".json", ".txt", ".log", ".yaml", ".yml", ".md", ".py"})
DEFAULT_OUTPUT_TAIL = 1000
MAX_X_KEY = 256
MAX_OUTPUT_TAIL = 100_000
_ORIGIN = re.compile(r"^(?:https?://(?:\*\.)?[A-Za-z0-9.-]+|https?://\[[0-9A-Fa-f:.]+\])(?::(?:\d{1,5}|\*))?$")


def check_frame_ancestor(origin: str) -> str:
    """``origin`` if it is a plain ``scheme://host[:port]`` (no path, quote, space or ``;`` that
    could smuggle a directive into the CSP header), else ValueError."""
    cleaned = origin.strip().rstrip("/")
    if not _ORIGIN.match(cleaned):
        raise ValueError(f"invalid frame ancestor {origin!r}: expected an origin such as http://127.0.0.1:8888")
    return cleaned


@dataclass(frozen=True, kw_only=True)
class Dashboard:
    """What every dashboard handler of one mount shares."""

    catalog: Catalog
    base: str  # URL path the dashboard lives at, "" or "/prefix" (no trailing slash)
    series: SeriesCache = field(default_factory=SeriesCache)
    frame_ancestors: tuple[str, ...] = ()
    static_dir: Path = STATIC_DIR
    workers: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=4, thread_name_prefix="wandb-dashboard")
    )

    @property
    def csp(self) -> str:
        ancestors = " ".join(("'self'", *self.frame_ancestors))
        return f"{CSP}; frame-ancestors {ancestors}"


# -- shared plumbing ------------------------------------------------------------------------------------


def _json_text(payload: Any) -> str:
    """JSON that is pure ASCII and has no ``<``, ``>`` or ``&`` (escaped as \\u003c...), so
    no payload can read as markup anywhere; NaN and infinities become null."""
    try:
        text = json.dumps(payload, allow_nan=False)
    except ValueError:
        text = json.dumps(_finite(payload), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if value - value == 0.0 else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


class ClientError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class DashboardBase:
    """Headers, JSON answers and the worker pool; mixed into every dashboard handler."""

    dashboard: ClassVar[Dashboard]
    request: Any

    # tornado calls set_default_headers from __init__ and again on errors, before initialize():
    # the dashboard is a class attribute so the headers are right on every answer.
    def set_default_headers(self) -> None:
        super().set_default_headers()  # type: ignore[misc]
        self.set_header("Content-Security-Policy", self.dashboard.csp)  # type: ignore[attr-defined]
        self.set_header("X-Content-Type-Options", "nosniff")  # type: ignore[attr-defined]
        self.set_header("Referrer-Policy", "no-referrer")  # type: ignore[attr-defined]

    @property
    def content_security_policy(self) -> str:  # what jupyter_server's handlers put in their CSP header
        return self.dashboard.csp

    def viewer(self) -> Viewer:
        """Who asks (each family's auth mixin says); raises ClientError(401) when nobody may."""
        return Viewer()

    def may_see_pages(self) -> bool:
        """False after answering (a redirect to a login page) when the pages are not for this caller."""
        return True

    def send_json(self, payload: Any, status: int = 200) -> None:
        self.set_status(status)  # type: ignore[attr-defined]
        self.set_header("Content-Type", "application/json; charset=utf-8")  # type: ignore[attr-defined]
        self.set_header("Cache-Control", "no-store")  # type: ignore[attr-defined]
        self.finish(_json_text(payload))  # type: ignore[attr-defined]

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        reason = getattr(self, "_reason", "error")
        error = kwargs.get("exc_info", (None, None))[1]
        if isinstance(error, tornado.web.HTTPError) and error.log_message and status_code < 500:
            reason = error.log_message % error.args if error.args else error.log_message
        self.send_json({"error": reason}, status_code)

    async def blocking(self, function: Callable[..., Any], *args: Any) -> Any:
        return await tornado.ioloop.IOLoop.current().run_in_executor(self.dashboard.workers, function, *args)

    def query_int(self, name: str, default: int | None) -> int | None:
        raw = self.get_query_argument(name, None)  # type: ignore[attr-defined]
        if raw is None or raw == "":
            return default
        try:
            return int(raw)
        except ValueError:
            raise ClientError(400, f"{name} must be an integer") from None

    async def answer(self, produce: Callable[[], Any]) -> None:
        """Send ``produce()`` (run on the pool) as JSON; ``None`` means 404, ClientError its status."""
        try:
            viewer = self.viewer()
            self._viewer = viewer
            payload = await self.blocking(produce)
        except (ClientError, EditRefused) as error:
            return self.send_json({"error": str(error)}, error.status)
        if payload is None:
            return self.send_json({"error": "not found"}, 404)
        self.send_json(payload)

    def find_run(self, entity: str, project: str, run_id: str) -> RunInfo:
        info = self.dashboard.catalog.run(self._viewer, entity, project, run_id)
        if info is None:
            raise ClientError(404, "not found")
        return info


# -- the JSON API ------------------------------------------------------------------------------------


class HealthLogic:
    async def get(self: Any) -> None:
        self.send_json({"status": "ok", "source": self.dashboard.catalog.source, **self.dashboard.catalog.describe()})


class ProjectsLogic:
    async def get(self: Any) -> None:
        def produce() -> Any:
            found = self.dashboard.catalog.projects(self._viewer)
            return {
                "projects": [
                    {"entity": p.entity, "project": p.project, "runs": p.runs, "last_run_at": p.last_run_at}
                    for p in found
                ]
            }

        await self.answer(produce)


class RunsLogic:
    async def get(self: Any, entity: str, project: str) -> None:
        def produce() -> Any:
            runs = self.dashboard.catalog.runs(self._viewer, entity, project)
            if runs is None:
                return None
            rows = [run_row(info, self.dashboard.base) for info in runs]
            config_keys = sorted({key for row in rows for key in row["config"]})
            summary_keys = sorted({key for row in rows for key in row["summary"]})
            return {"runs": rows, "config_keys": config_keys, "summary_keys": summary_keys}

        await self.answer(produce)


class RunLogic:
    async def get(self: Any, entity: str, project: str, run_id: str) -> None:
        def produce() -> Any:
            info = self.find_run(entity, project, run_id)
            series = self.dashboard.series
            rows, metrics = series.overview(info.files / HISTORY)
            _, system = series.overview(info.files / EVENTS)
            metadata = run_metadata(info)
            notes = info.notes if info.notes is not None else metadata.get("notes")
            return {
                **run_row(info, self.dashboard.base),
                "notes": notes if isinstance(notes, str) else None,
                "metadata": metadata,
                "history_rows": rows,
                "metrics": metrics,
                "system_metrics": system,
                "files": list_run_files(info),
                "exit_code": info.exit_code,
                "step_metrics": step_metrics(info, metrics),
                "alerts": run_alerts(info),
            }

        await self.answer(produce)


class _SeriesLogic:
    stream: ClassVar[str]
    fixed_x: ClassVar[str | None] = None

    async def get(self: Any, entity: str, project: str, run_id: str) -> None:
        try:
            keys = self.requested_keys()
            x = self.fixed_x or self.get_query_argument("x", "_step")
            if not x or len(x) > MAX_X_KEY:  # any logged metric may be the x axis
                raise ClientError(400, f"x must be one of {', '.join(X_KEYS)} or a logged metric")
            samples = self.query_int("samples", DEFAULT_SAMPLES)
            if samples < 1:
                raise ClientError(400, "samples must be at least 1")
        except ClientError as error:
            return self.send_json({"error": str(error)}, error.status)
        samples = min(max(samples, MIN_SAMPLES), MAX_SAMPLES)

        def produce() -> Any:
            info = self.find_run(entity, project, run_id)
            return self.dashboard.series.history(info.files / self.stream, keys, x, samples)

        await self.answer(produce)

    def requested_keys(self: Any) -> list[str] | None:
        """``keys=a,b`` and/or ``key=a&key=b`` (for names with commas); None: every metric."""
        keys = [k for raw in self.get_query_arguments("keys") for k in raw.split(",") if k]
        keys += [k for k in self.get_query_arguments("key") if k]
        if not keys and not self.get_query_arguments("keys") and not self.get_query_arguments("key"):
            return None
        return list(dict.fromkeys(keys))


class HistoryLogic(_SeriesLogic):
    stream = HISTORY


class EventsLogic(_SeriesLogic):
    stream = EVENTS
    fixed_x = "_runtime"


class OutputLogic:
    async def get(self: Any, entity: str, project: str, run_id: str) -> None:
        try:
            offset = self.query_int("offset", None)
            tail = self.query_int("tail", None if offset is not None else DEFAULT_OUTPUT_TAIL)
        except ClientError as error:
            return self.send_json({"error": str(error)}, error.status)
        tail = None if tail is None else min(max(tail, 0), MAX_OUTPUT_TAIL)

        def produce() -> Any:
            part = read_output(self.find_run(entity, project, run_id), tail=tail, offset=offset)
            return {"text": part.text, "offset": part.offset, "next_offset": part.next_offset, "size": part.size}

        await self.answer(produce)


class MediaLogic:
    """``{run}/media``: the run's logged media values per key (see :mod:`._media`)."""

    async def get(self: Any, entity: str, project: str, run_id: str) -> None:
        await self.answer(lambda: run_media(self.find_run(entity, project, run_id)))


class FileLogic:
    """A run file: saved (``attachment``), or with ``?inline=1`` shown as plain text when it is a
    text type; never served as HTML, and never from outside the run's ``files/``."""

    async def get(self: Any, entity: str, project: str, run_id: str, name: str) -> None:
        from ..server._runfiles import safe_file_name

        if safe_file_name(name) is None:
            return self.send_json({"error": "invalid file name"}, 400)

        def produce() -> Any:
            path = resolve_run_file(self.find_run(entity, project, run_id), name)
            return None if path is None else {"path": str(path)}

        try:
            self._viewer = self.viewer()
            found = await self.blocking(produce)
        except ClientError as error:
            return self.send_json({"error": str(error)}, error.status)
        if found is None:
            return self.send_json({"error": "not found"}, 404)
        await self.send_file(Path(found["path"]), name)

    async def send_file(self: Any, path: Path, name: str) -> None:
        base_name = PurePosixPath(name).name
        inline = self.get_query_argument("inline", "") in ("1", "true") and path.suffix.lower() in INLINE_SUFFIXES
        media = self.get_query_argument("media", "") == "1" and name.startswith("media/")
        if media and path.suffix.lower() in MEDIA_TYPES:  # a panel's image, clip, table or sandboxed page
            self.set_header("Content-Type", MEDIA_TYPES[path.suffix.lower()])
            if path.suffix.lower() == ".html":
                self.set_header("Content-Security-Policy", HTML_SANDBOX_CSP)
        elif inline:
            self.set_header("Content-Type", "text/plain; charset=utf-8")
            self.set_header("Content-Disposition", _disposition("inline", base_name))
        else:
            self.set_header("Content-Type", "application/octet-stream")
            self.set_header("Content-Disposition", _disposition("attachment", base_name))
        self.set_header("Cache-Control", "no-store")
        with open(path, "rb") as handle:
            while chunk := handle.read(1 << 20):
                self.write(chunk)
                await self.flush()
        self.finish()


def _disposition(kind: str, name: str) -> str:
    ascii_name = re.sub(r"[^A-Za-z0-9._ -]", "_", name) or "file"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


# -- pages and assets ------------------------------------------------------------------------------------

_SHELL = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="wandb-dashboard-base" content="{base}">
<title>wandb-jupyter</title>
<link rel="stylesheet" href="{base}/_dashboard/static/dashboard.css">
<script type="module" src="{base}/_dashboard/static/dashboard.js"></script>
</head>
<body>
<div id="app"></div>
<noscript>The dashboard needs JavaScript.</noscript>
</body>
</html>
"""


def page_shell(base: str) -> str:
    """The one HTML page of the dashboard: the script routes on the URL. No inline script,
    the base escaped for an attribute."""
    return _SHELL.format(base=html.escape(base, quote=True))


class PageLogic:
    async def get(self: Any, *_parts: str) -> None:
        if not self.may_see_pages():
            return
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.xsrf_token  # noqa: B018 (sets the _xsrf cookie the page's edits echo back)
        self.finish(page_shell(self.dashboard.base))


class StaticLogic:
    """``_dashboard/static/``: the frontend's build output; a missing asset is a 404."""

    def set_extra_headers(self: Any, path: str) -> None:
        self.set_header("Cache-Control", "no-cache")  # revalidate (ETag): a rebuilt frontend shows at once

    def get_content_type(self: Any) -> str:
        guessed = mimetypes.guess_type(self.absolute_path)[0] or "application/octet-stream"
        if guessed in ("text/html", "application/xhtml+xml", "image/svg+xml"):
            return "text/plain; charset=utf-8"
        if guessed == "application/javascript" or guessed == "text/javascript":
            return "text/javascript; charset=utf-8"
        return guessed


@dataclass(frozen=True, kw_only=True)
class Family:
    """One mount's classes: ``auth`` (``viewer()``, ``may_see_pages()``) and the handler base
    classes of JSON answers, pages/downloads and static assets; ``wrap_get`` decorates every GET."""

    auth: type
    api: type
    page: type
    static: type
    wrap_get: Callable[[Callable[..., Any]], Callable[..., Any]] = field(default=lambda get: get)
    wrap_write: Callable[[Callable[..., Any]], Callable[..., Any]] = field(default=lambda write: write)
    attrs: dict[str, Any] = field(default_factory=dict)


_SEGMENT = r"([^/]+)"
_ENTITY = r"([^/_][^/]*)"  # pages: names never start with "_", so /_dashboard/... is never a page


def build_handler(
    name: str,
    logic: type,
    base: type[tornado.web.RequestHandler],
    dashboard: Dashboard,
    family: Family,
    *,
    auth: bool = True,
) -> type:
    """``logic`` on ``base``, with the mount's auth, headers and GET wrapper."""
    get = getattr(logic, "get", None) or base.get
    attrs: dict[str, Any] = {"dashboard": dashboard, **family.attrs, "get": family.wrap_get(get)}
    for method in ("post", "delete"):  # the write API (editing runs)
        if hasattr(logic, method):
            attrs[method] = family.wrap_write(getattr(logic, method))
    bases = (logic, family.auth, DashboardBase, base) if auth else (logic, DashboardBase, base)
    return type(name, bases, attrs)


def dashboard_routes(dashboard: Dashboard, family: Family) -> list[tuple[str, type, dict[str, Any]]]:
    """Routes of the API, assets and pages at ``dashboard.base``, on ``family``'s base classes."""
    base = re.escape(dashboard.base)
    api = f"{base}/_dashboard/api"
    run = f"{api}/run/{_SEGMENT}/{_SEGMENT}/{_SEGMENT}"
    s = _SEGMENT

    def make(name: str, logic: type, base: type) -> type:
        return build_handler(name, logic, base, dashboard, family)

    page = make("DashboardPage", PageLogic, family.page)
    static = make("DashboardStatic", StaticLogic, family.static)
    return [
        (rf"{api}/health", make("DashboardHealth", HealthLogic, family.api), {}),
        (rf"{api}/projects", make("DashboardProjects", ProjectsLogic, family.api), {}),
        (rf"{api}/runs/{s}/{s}", make("DashboardRuns", RunsLogic, family.api), {}),
        (rf"{run}", make("DashboardRun", type("RunLogic", (RunEditLogic, RunLogic), {}), family.api), {}),
        (rf"{run}/history", make("DashboardHistory", HistoryLogic, family.api), {}),
        (rf"{run}/events", make("DashboardEvents", EventsLogic, family.api), {}),
        (rf"{run}/output", make("DashboardOutput", OutputLogic, family.api), {}),
        (rf"{run}/media", make("DashboardMedia", MediaLogic, family.api), {}),
        (rf"{run}/files/(.+)", make("DashboardFile", FileLogic, family.page), {}),
        (rf"{api}/sweeps/{s}/{s}", make("DashboardSweeps", SweepsLogic, family.api), {}),
        (rf"{api}/sweep/{s}/{s}/{s}", make("DashboardSweep", SweepLogic, family.api), {}),
        *artifact_routes(api, s, make, family, FileLogic),
        (rf"{base}/_dashboard/static/(.*)", static, {"path": str(dashboard.static_dir)}),
        (rf"{base}/?", page, {}),
        (rf"{base}/{_ENTITY}/{s}/?", page, {}),
        (rf"{base}/{_ENTITY}/{s}/runs/{s}/?", page, {}),
        (rf"{base}/{_ENTITY}/{s}/artifacts/?", page, {}),
        (rf"{base}/{_ENTITY}/{s}/runs/{s}/artifacts/?", page, {}),
        (rf"{base}/{_ENTITY}/{s}/sweeps/{s}/?", page, {}),
    ]
