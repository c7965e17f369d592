"""The standalone server process: ``make_app()`` and ``serve()`` (what ``wandb-jupyter server`` runs).

The app serves the W&B API subset first, then the dashboard (pages, its JSON API,
login) at the same base path.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

import tornado.httpserver
import tornado.netutil
import tornado.web

from ..common._secrets import mask_url
from ..dashboard._standalone import dashboard_secrets, standalone_routes
from ..server import ServerContext, default_data_dir, login_hint
from ..server._anonymous import AnonymousPolicy
from ..server._handlers import NotFoundHandler, handlers
from ..server._paths import ADMIN_KEY_FILE
from ..server._tickets import SECRETS_FILE
from ._startup import is_loopback, plain_http_warning, private_output, write_private

__all__ = ["make_app", "serve"]

log = logging.getLogger("wandb_jupyter.server")


def _log_request(handler: tornado.web.RequestHandler) -> None:
    status = handler.get_status()
    level = logging.DEBUG if status < 400 else logging.INFO if status < 500 else logging.ERROR
    log.log(
        level,
        "%d %s %s %.1fms",
        status,
        handler.request.method,
        mask_url(handler.request.uri),
        1000.0 * handler.request.request_time(),
    )


def make_app(
    server: ServerContext, *, base_path: str = "", frame_ancestors: Sequence[str] = (), **settings: Any
) -> tornado.web.Application:
    """A tornado Application serving the W&B API subset and the dashboard over ``server``'s data.

    ``frame_ancestors``: origins (``http://host:port``) allowed to show the dashboard in a frame,
    besides the server itself (a Jupyter server that shows it inline)."""
    base = base_path.rstrip("/")
    dashboard_routes, dashboard_settings = standalone_routes(server, base, frame_ancestors=frame_ancestors)
    return tornado.web.Application(
        handlers(server, base) + dashboard_routes,
        default_handler_class=NotFoundHandler,
        default_handler_args={"server": server, "base_path": base},
        log_function=_log_request,
        **{**dashboard_settings, **settings},
    )


async def _serve(
    server: ServerContext, host: str, port: int, base_path: str, out: TextIO, frame_ancestors: Sequence[str]
) -> None:
    app = make_app(server, base_path=base_path, frame_ancestors=frame_ancestors)
    http = tornado.httpserver.HTTPServer(app, xheaders=False)
    sockets = tornado.netutil.bind_sockets(port, host)
    http.add_sockets(sockets)
    actual = sockets[0].getsockname()[1]
    shown_host = f"[{host}]" if ":" in host else host
    url = f"http://{shown_host}:{actual}{base_path.rstrip('/')}"
    if not is_loopback(host):
        print(plain_http_warning(host), file=out, flush=True)
    private = private_output(out)
    first = server.ensure_admin()
    if first is not None:
        _announce_admin(server, url, *first, out=out, private=private)
    print(f"wandb-jupyter server: {url} (data in {server.data_dir})", file=out, flush=True)
    _, token = dashboard_secrets(server.data_dir)
    if private:
        print(f"dashboard: {url}/login?token={token}", file=out, flush=True)
    else:
        where = server.data_dir / SECRETS_FILE
        print(
            f"dashboard: {url}/login (log in with an API key; the admin's login link token is in {where}, "
            "readable by you only)",
            file=out,
            flush=True,
        )
    try:
        await asyncio.Event().wait()
    finally:
        http.stop()
        await http.close_all_connections()


def _announce_admin(server: ServerContext, url: str, user: Any, key: str, *, out: TextIO, private: bool) -> None:
    """Say that the admin user was made, and give its key: here when ``out`` is private, else in a 0600 file."""
    more = f"More users: wandb-jupyter server user add NAME --data-dir {server.data_dir}\n"
    if private:
        print(
            f"Created the admin user {user.name!r}. Its API key, shown only this once:\n\n  {key}\n\n"
            f"Log in with:\n{login_hint(url, key)}\n{more}",
            file=out,
        )
        return
    path = write_private(server.data_dir / ADMIN_KEY_FILE, f"{key}\n\nLog in with:\n{login_hint(url, key)}\n")
    print(
        f"Created the admin user {user.name!r}. This output is not a terminal, so its API key is not shown "
        f"here: it is in {path} (readable by you only; delete the file once you have it).\n{more}",
        file=out,
    )


def serve(
    *,
    host: str = "127.0.0.1",
    port: int = 8080,
    data_dir: str | Path | None = None,
    base_path: str = "",
    out: TextIO | None = None,
    frame_ancestors: Sequence[str] = (),
    anonymous: AnonymousPolicy | None = None,
) -> None:
    """Run the server until interrupted (Ctrl-C or SIGTERM).

    It prints ``wandb-jupyter server: <url> (data in <dir>)`` once it listens, then
    ``dashboard: <url>/login?token=<token>``, a link that logs a browser into the dashboard
    as the admin (``server.launch`` reads both lines). Secrets are printed only to a terminal
    or a 0600 file (:mod:`._startup`). ``anonymous``: whether and how much anonymous accounts
    are allowed (default: not at all)."""
    import signal

    server = ServerContext.open(data_dir or default_data_dir())
    server.anonymous = anonymous or AnonymousPolicy()
    loop = asyncio.new_event_loop()
    task = loop.create_task(_serve(server, host, port, base_path, out or sys.stdout, tuple(frame_ancestors)))
    try:
        loop.add_signal_handler(signal.SIGTERM, task.cancel)
    except (NotImplementedError, RuntimeError):  # Windows
        pass
    try:
        loop.run_until_complete(task)
    except (KeyboardInterrupt, asyncio.CancelledError):
        pass
    finally:
        task.cancel()
        try:
            loop.run_until_complete(task)
        except (asyncio.CancelledError, KeyboardInterrupt, Exception):
            pass
        loop.close()
        server.close()
