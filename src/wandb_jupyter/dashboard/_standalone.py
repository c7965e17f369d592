"""The standalone server's dashboard: its routes, and sessions of its own.

Inside Jupyter, Jupyter's login guards the dashboard; the standalone server
signs its users in itself: an API key pasted into ``/login`` (a form with an
XSRF check), the dashboard token it prints at start-up, or a single-use login
ticket minted from that token (``%wandb_server``'s links). Each gives a signed
session cookie. The cookie secret and the token live in the data dir (0600).
"""

from __future__ import annotations

import html
import json
import logging
import os
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import quote

import tornado.web

from ..common._share import VIEW_PARAM
from ..server._tickets import SECRETS_FILE, TicketBook, TicketRefused
from ._catalog import Catalog, Viewer
from ._handlers import ClientError, Dashboard, Family, build_handler, check_frame_ancestor, dashboard_routes
from ._keys import KeysLogic

__all__ = ["SessionAuth", "standalone_routes", "dashboard_secrets", "COOKIE_NAME"]

COOKIE_NAME = "wandb_dashboard_user"
SESSION_DAYS = 30

log = logging.getLogger("wandb_jupyter.dashboard")


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
    (``Authorization: Basic``), plus the anonymous account whose shared link's ``?view=`` token it is
    (read-only: that token is no API key; an API key in the URL opens nothing)."""

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
                raise ClientError(401, "invalid API key")
        secret_user = None
        secret = self.get_query_argument(VIEW_PARAM, None)
        if secret:
            found = self.auth.server.user_for_view_token(secret)
            secret_user = found if found is not None and found.anonymous else None
        viewer = Viewer(user=user, secret=secret_user)
        if viewer.anonymous:
            raise ClientError(401, "log in first")
        return viewer

    def may_see_pages(self: Any) -> bool:
        """Pages need a session (or a secret link); without one, off to the login page."""
        try:
            self.viewer()
        except ClientError:
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
<p>Or open the dashboard link the server printed when it started in a terminal
(<code>dashboard: …/login?token=…</code>; the token is also in <code>dashboard-secrets.json</code> in its
data folder), or run <code>%wandb_server</code> again in a notebook. Once in, <a href="{base}/keys">API keys</a>
makes a new key.</p>
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
        self.set_signed_cookie(
            COOKIE_NAME,
            name,
            expires_days=SESSION_DAYS,
            path=self.dashboard.base or "/",
            httponly=True,
            samesite="Lax",
            secure=self.request.protocol == "https",
        )

    def login_page(self: Any, target: str, message: str = "", status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        escaped = html.escape
        self.finish(
            _LOGIN.format(
                base=escaped(self.dashboard.base),
                next=escaped(target),
                xsrf=self.xsrf_form_html(),
                message=f'<p class="error">{escaped(message)}</p>\n' if message else "",
            )
        )


_LOGOUT = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Log out · wandb-jupyter</title>
<link rel="stylesheet" href="{base}/_dashboard/static/dashboard.css">
</head>
<body>
<main class="login">
<h1>wandb-jupyter</h1>
<form method="post" action="{base}/logout">
{xsrf}<button type="submit">Log out</button>
</form>
</main>
</body>
</html>
"""


class LogoutLogic:
    """``/logout``: a POST with the form's XSRF token ends the session; a GET only shows that form, so
    a link or an image elsewhere cannot log anyone out."""

    async def get(self: Any) -> None:
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(_LOGOUT.format(base=html.escape(self.dashboard.base), xsrf=self.xsrf_form_html()))

    async def post(self: Any) -> None:
        self.check_xsrf_cookie()
        self.clear_cookie(COOKIE_NAME, path=self.dashboard.base or "/")
        self.redirect(f"{self.dashboard.base}/login")


def standalone_routes(
    server: Any, base: str, *, frame_ancestors: Sequence[str] = (), catalog: Catalog | None = None
) -> tuple[list[tuple[str, type, dict[str, Any]]], dict[str, Any]]:
    """(routes, application settings) of the dashboard on the standalone server ``server``."""
    from ._server_catalog import ServerCatalog

    cookie_secret, token = dashboard_secrets(server.data_dir)
    dashboard = Dashboard(
        catalog=catalog or ServerCatalog(server),
        base=base.rstrip("/"),
        frame_ancestors=tuple(check_frame_ancestor(o) for o in frame_ancestors),
    )
    plain = tornado.web.RequestHandler
    family = Family(
        auth=StandaloneAuthLogic,
        api=plain,
        page=plain,
        static=tornado.web.StaticFileHandler,
        attrs={"auth": SessionAuth(server=server, token=token)},
    )
    routes = dashboard_routes(dashboard, family)
    escaped = re.escape(dashboard.base)
    routes[0:0] = [
        (rf"{escaped}/login", build_handler("DashboardLogin", LoginLogic, plain, dashboard, family), {}),
        (rf"{escaped}/logout", build_handler("DashboardLogout", LogoutLogic, plain, dashboard, family), {}),
        (rf"{escaped}/keys", build_handler("DashboardKeys", KeysLogic, plain, dashboard, family), {}),
    ]
    return routes, {"cookie_secret": cookie_secret, "wandb_dashboard": dashboard}
