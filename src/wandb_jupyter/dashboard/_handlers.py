"""Tornado handlers of the dashboard: the JSON API, the page shell, static assets, downloads, login.

The handler *logic* lives in mixins that only use what every tornado handler
has; two thin class families put it on a base class each:

* standalone (:func:`standalone_routes`): plain ``tornado.web.RequestHandler``,
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
import os
import re
import secrets
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, ClassVar
from urllib.parse import quote

import tornado.ioloop
import tornado.web

from .._rundir import EVENTS, HISTORY
from ..server._tickets import SECRETS_FILE, TicketBook, TicketRefused
from ._catalog import (Catalog, RunInfo, Viewer, list_run_files, read_output, resolve_run_file, run_metadata,
                       run_row)
from ._series import DEFAULT_SAMPLES, MAX_SAMPLES, MIN_SAMPLES, X_KEYS, SeriesCache

__all__ = ["Dashboard", "SessionAuth", "standalone_routes", "dashboard_routes", "check_frame_ancestor",
           "dashboard_secrets", "page_shell", "STATIC_DIR", "COOKIE_NAME", "SECRETS_FILE"]

log = logging.getLogger("wandb_jupyter.dashboard")

STATIC_DIR = Path(__file__).resolve().parent / "static"
COOKIE_NAME = "wandb_dashboard_user"
SESSION_DAYS = 30
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; "
       "base-uri 'none'; form-action 'self'")
# Files a browser may show instead of saving; always as text/plain, never as HTML.
INLINE_SUFFIXES = frozenset({".ipynb", ".json", ".txt", ".log", ".yaml", ".yml", ".md", ".py"})
DEFAULT_OUTPUT_TAIL = 1000
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
        default_factory=lambda: ThreadPoolExecutor(max_workers=4, thread_name_prefix="wandb-dashboard"))

    @property
    def csp(self) -> str:
        ancestors = " ".join(("'self'", *self.frame_ancestors))
        return f"{CSP}; frame-ancestors {ancestors}"


@dataclass(frozen=True, kw_only=True)
class SessionAuth:
    """The standalone server's sessions: its accounts, the dashboard token that logs in as admin,
    and the book of single-use login tickets minted from that token (``%wandb_server``'s links)."""

    server: Any  # ServerContext
    token: str
    admin: str = "admin"
    tickets: TicketBook = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "tickets", TicketBook(self.token))


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


class _ClientError(Exception):
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
        """Who asks (each family's auth mixin says); raises _ClientError(401) when nobody may."""
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
            raise _ClientError(400, f"{name} must be an integer") from None

    async def answer(self, produce: Callable[[], Any]) -> None:
        """Send ``produce()`` (run on the pool) as JSON; ``None`` means 404, _ClientError its status."""
        try:
            viewer = self.viewer()
            self._viewer = viewer
            payload = await self.blocking(produce)
        except _ClientError as error:
            return self.send_json({"error": str(error)}, error.status)
        if payload is None:
            return self.send_json({"error": "not found"}, 404)
        self.send_json(payload)

    def find_run(self, entity: str, project: str, run_id: str) -> RunInfo:
        info = self.dashboard.catalog.run(self._viewer, entity, project, run_id)
        if info is None:
            raise _ClientError(404, "not found")
        return info


# -- the JSON API ------------------------------------------------------------------------------------


class HealthLogic:
    async def get(self: Any) -> None:
        self.send_json({"status": "ok", "source": self.dashboard.catalog.source, **self.dashboard.catalog.describe()})


class ProjectsLogic:
    async def get(self: Any) -> None:
        def produce() -> Any:
            found = self.dashboard.catalog.projects(self._viewer)
            return {"projects": [{"entity": p.entity, "project": p.project, "runs": p.runs,
                                  "last_run_at": p.last_run_at} for p in found]}

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
            return {**run_row(info, self.dashboard.base), "notes": notes if isinstance(notes, str) else None,
                    "metadata": metadata, "history_rows": rows, "metrics": metrics, "system_metrics": system,
                    "files": list_run_files(info)}

        await self.answer(produce)


class _SeriesLogic:
    stream: ClassVar[str]
    fixed_x: ClassVar[str | None] = None

    async def get(self: Any, entity: str, project: str, run_id: str) -> None:
        try:
            keys = self.requested_keys()
            x = self.fixed_x or self.get_query_argument("x", "_step")
            if x not in X_KEYS:
                raise _ClientError(400, f"x must be one of {', '.join(X_KEYS)}")
            samples = self.query_int("samples", DEFAULT_SAMPLES)
            if samples < 1:
                raise _ClientError(400, "samples must be at least 1")
        except _ClientError as error:
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
        except _ClientError as error:
            return self.send_json({"error": str(error)}, error.status)
        tail = None if tail is None else min(max(tail, 0), MAX_OUTPUT_TAIL)

        def produce() -> Any:
            part = read_output(self.find_run(entity, project, run_id), tail=tail, offset=offset)
            return {"text": part.text, "offset": part.offset, "next_offset": part.next_offset, "size": part.size}

        await self.answer(produce)


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
        except _ClientError as error:
            return self.send_json({"error": str(error)}, error.status)
        if found is None:
            return self.send_json({"error": "not found"}, 404)
        await self.send_file(Path(found["path"]), name)

    async def send_file(self: Any, path: Path, name: str) -> None:
        base_name = PurePosixPath(name).name
        inline = self.get_query_argument("inline", "") in ("1", "true") and path.suffix.lower() in INLINE_SUFFIXES
        if inline:
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
    ascii_name = re.sub(r'[^A-Za-z0-9._ -]', "_", name) or "file"
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
    attrs: dict[str, Any] = field(default_factory=dict)


_SEGMENT = r"([^/]+)"
_ENTITY = r"([^/_][^/]*)"  # pages: names never start with "_", so /_dashboard/... is never a page


def _build(name: str, logic: type, base: type, dashboard: Dashboard, family: Family, *, auth: bool = True) -> type:
    """``logic`` on ``base``, with the mount's auth, headers and GET wrapper."""
    get = getattr(logic, "get", None) or getattr(base, "get")
    attrs: dict[str, Any] = {"dashboard": dashboard, **family.attrs, "get": family.wrap_get(get)}
    bases = (logic, family.auth, DashboardBase, base) if auth else (logic, DashboardBase, base)
    return type(name, bases, attrs)


def dashboard_routes(dashboard: Dashboard, family: Family) -> list[tuple[str, type, dict[str, Any]]]:
    """Routes of the API, assets and pages at ``dashboard.base``, on ``family``'s base classes."""
    base = re.escape(dashboard.base)
    api = f"{base}/_dashboard/api"
    run = f"{api}/run/{_SEGMENT}/{_SEGMENT}/{_SEGMENT}"
    s = _SEGMENT

    def make(name: str, logic: type, base: type) -> type:
        return _build(name, logic, base, dashboard, family)

    page = make("DashboardPage", PageLogic, family.page)
    static = make("DashboardStatic", StaticLogic, family.static)
    return [
        (rf"{api}/health", make("DashboardHealth", HealthLogic, family.api), {}),
        (rf"{api}/projects", make("DashboardProjects", ProjectsLogic, family.api), {}),
        (rf"{api}/runs/{s}/{s}", make("DashboardRuns", RunsLogic, family.api), {}),
        (rf"{run}", make("DashboardRun", RunLogic, family.api), {}),
        (rf"{run}/history", make("DashboardHistory", HistoryLogic, family.api), {}),
        (rf"{run}/events", make("DashboardEvents", EventsLogic, family.api), {}),
        (rf"{run}/output", make("DashboardOutput", OutputLogic, family.api), {}),
        (rf"{run}/files/(.+)", make("DashboardFile", FileLogic, family.page), {}),
        (rf"{base}/_dashboard/static/(.*)", static, {"path": str(dashboard.static_dir)}),
        (rf"{base}/?", page, {}),
        (rf"{base}/{_ENTITY}/{s}/?", page, {}),
        (rf"{base}/{_ENTITY}/{s}/runs/{s}/?", page, {}),
    ]


# -- standalone: sessions ------------------------------------------------------------------------------------


def dashboard_secrets(data_dir: Path) -> tuple[bytes, str]:
    """(cookie secret, dashboard token) of a server, made on first use and kept in
    ``<data dir>/dashboard-secrets.json`` (mode 0600). Two servers starting at once agree:
    the file appears whole (written aside, then hard-linked into place) or not at all."""
    path = Path(data_dir) / SECRETS_FILE
    for _attempt in range(3):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if os.stat(path).st_mode & 0o077:
                os.chmod(path, 0o600)
            return bytes.fromhex(data["cookie_secret"]), str(data["token"])
        except FileNotFoundError:
            pass
        except (ValueError, KeyError, TypeError) as error:
            raise RuntimeError(f"{path} is damaged ({error}); delete it to make new dashboard secrets") from None
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump({"cookie_secret": secrets.token_hex(32), "token": secrets.token_urlsafe(32)}, handle)
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
    raise RuntimeError(f"cannot create {path}")


class StandaloneAuthLogic:
    """Who asks, on the standalone server: the session cookie's user, else an API key
    (``Authorization: Basic``), plus the anonymous entity a secret ``?apiKey=`` opens."""

    auth: ClassVar[SessionAuth]

    def get_current_user(self: Any) -> Any:
        name = self.get_signed_cookie(COOKIE_NAME, max_age_days=SESSION_DAYS)
        if not name:
            return None
        try:
            return self.auth.server.storage.get_user(name.decode("utf-8"))
        except UnicodeDecodeError:
            return None

    def viewer(self: Any) -> Viewer:
        from ..server._accounts import parse_basic_auth

        user = self.current_user
        header = self.request.headers.get("Authorization")
        if user is None and header:
            key = parse_basic_auth(header)
            user = self.auth.server.user_for_key(key) if key else None
            if user is None:
                raise _ClientError(401, "invalid API key")
        secret_user = None
        secret = self.get_query_argument("apiKey", None)
        if secret:
            found = self.auth.server.user_for_key(secret)
            secret_user = found if found is not None and found.anonymous else None
        viewer = Viewer(user=user, secret=secret_user)
        if viewer.anonymous:
            raise _ClientError(401, "log in first")
        return viewer

    def may_see_pages(self: Any) -> bool:
        """Pages need a session (or a secret link); without one, off to the login page."""
        try:
            self.viewer()
        except _ClientError:
            target = f"{self.dashboard.base}/login?next={quote(self.request.uri or '/', safe='')}"
            self.redirect(target)
            return False
        return True


def _safe_next(base: str, target: str | None) -> str:
    """Where to go after logging in: a path of this dashboard only (no other host, no scheme)."""
    home = f"{base}/"
    if not target or not target.startswith(home if base else "/") or target.startswith("//") or "\\" in target:
        return home
    if any(ord(c) < 32 for c in target):
        return home
    return target


_LOGIN = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Log in · wandb-jupyter</title>
<link rel="stylesheet" href="{base}/_dashboard/static/dashboard.css">
</head>
<body>
<main class="login">
<h1>wandb-jupyter</h1>
{message}<form method="post" action="{base}/login">
{xsrf}<input type="hidden" name="next" value="{next}">
<label>API key <input type="password" name="key" autocomplete="off" required></label>
<button type="submit">Log in</button>
</form>
<p>Or open the dashboard link the server printed when it started (<code>dashboard: …/login?token=…</code>),
or run <code>%wandb_server</code> again in a notebook.</p>
</main>
</body>
</html>
"""


class LoginLogic:
    """``/login``: paste an API key (form POST with XSRF check), ``?token=`` the dashboard token,
    or ``?ticket=`` a single-use ticket minted from it (see :mod:`..server._tickets`)."""

    async def get(self: Any) -> None:
        token = self.get_query_argument("token", None)
        ticket = self.get_query_argument("ticket", None)
        target = _safe_next(self.dashboard.base, self.get_query_argument("next", None))
        if ticket is not None:
            return self.ticket_login(ticket, target)
        if token is not None:
            if secrets.compare_digest(token.encode("utf-8"), self.auth.token.encode("utf-8")):
                return self.admin_session(target)
            log.info("dashboard login refused (wrong token) from %s", self.request.remote_ip)
            return self.login_page(target, "That dashboard link is not valid.", 403)
        self.login_page(target)

    def ticket_login(self: Any, ticket: str, target: str) -> None:
        """Redeem ``ticket`` (once, unexpired) for an admin session; the redirect drops it from the URL.

        A browser that already has a session goes on with it whatever the ticket: an old
        ``%wandb_server`` link clicked after its frame logged in still opens the dashboard."""
        try:
            self.auth.tickets.redeem(ticket)
        except TicketRefused as refused:
            if self.current_user is not None:
                return self.redirect(target)
            log.info("dashboard login refused (%s) from %s", refused, self.request.remote_ip)
            return self.login_page(target, str(refused), 403)
        self.admin_session(target)

    def admin_session(self: Any, target: str) -> None:
        admin = self.auth.server.storage.get_user(self.auth.admin)
        if admin is None:
            return self.login_page(target, "This server has no admin user yet.", 403)
        self.start_session(admin.name)
        self.redirect(target)

    async def post(self: Any) -> None:
        self.check_xsrf_cookie()
        target = _safe_next(self.dashboard.base, self.get_body_argument("next", None))
        key = (self.get_body_argument("key", "") or "").strip()
        user = self.auth.server.user_for_key(key) if key else None
        if user is None:
            log.info("dashboard login refused (unknown API key) from %s", self.request.remote_ip)
            return self.login_page(target, "That API key is not valid.", 401)
        self.start_session(user.name)
        self.redirect(target)

    def start_session(self: Any, name: str) -> None:
        self.set_signed_cookie(COOKIE_NAME, name, expires_days=SESSION_DAYS, path=self.dashboard.base or "/",
                               httponly=True, samesite="Lax", secure=self.request.protocol == "https")

    def login_page(self: Any, target: str, message: str = "", status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        escaped = html.escape
        self.finish(_LOGIN.format(base=escaped(self.dashboard.base), next=escaped(target),
                                  xsrf=self.xsrf_form_html(),
                                  message=f'<p class="error">{escaped(message)}</p>\n' if message else ""))


class LogoutLogic:
    async def get(self: Any) -> None:
        self.clear_cookie(COOKIE_NAME, path=self.dashboard.base or "/")
        self.redirect(f"{self.dashboard.base}/login")


def standalone_routes(server: Any, base: str, *, frame_ancestors: Sequence[str] = (),
                      catalog: Catalog | None = None) -> tuple[list[tuple[str, type, dict[str, Any]]], dict[str, Any]]:
    """(routes, application settings) of the dashboard on the standalone server ``server``."""
    from ._server_catalog import ServerCatalog

    cookie_secret, token = dashboard_secrets(server.data_dir)
    dashboard = Dashboard(catalog=catalog or ServerCatalog(server), base=base.rstrip("/"),
                          frame_ancestors=tuple(check_frame_ancestor(o) for o in frame_ancestors))
    plain = tornado.web.RequestHandler
    family = Family(auth=StandaloneAuthLogic, api=plain, page=plain, static=tornado.web.StaticFileHandler,
                    attrs={"auth": SessionAuth(server=server, token=token)})
    routes = dashboard_routes(dashboard, family)
    escaped = re.escape(dashboard.base)
    routes[0:0] = [
        (rf"{escaped}/login", _build("DashboardLogin", LoginLogic, plain, dashboard, family), {}),
        (rf"{escaped}/logout", _build("DashboardLogout", LogoutLogic, plain, dashboard, family), {}),
    ]
    return routes, {"cookie_secret": cookie_secret, "wandb_dashboard": dashboard}
