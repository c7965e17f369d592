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
from ..server._handlers import NotFoundHandler, handlers

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
    first = server.ensure_admin()
    if first is not None:
        user, key = first
        print(
            f"Created the admin user {user.name!r}. Its API key, shown only this once:\n\n  {key}\n\n"
            f"Log in with:\n{login_hint(url, key)}\n"
            f"More users: wandb-jupyter server user add NAME --data-dir {server.data_dir}\n",
            file=out,
        )
    print(f"wandb-jupyter server: {url} (data in {server.data_dir})", file=out, flush=True)
    _, token = dashboard_secrets(server.data_dir)
    print(f"dashboard: {url}/login?token={token}", file=out, flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        http.stop()
        await http.close_all_connections()


def serve(
    *,
    host: str = "127.0.0.1",
    port: int = 8080,
    data_dir: str | Path | None = None,
    base_path: str = "",
    out: TextIO | None = None,
    frame_ancestors: Sequence[str] = (),
) -> None:
    """Run the server until interrupted (Ctrl-C or SIGTERM).

    It prints ``wandb-jupyter server: <url> (data in <dir>)`` once it listens, then
    ``dashboard: <url>/login?token=<token>``, a link that logs a browser into the dashboard
    as the admin (``server.launch`` reads both lines)."""
    import signal

    server = ServerContext.open(data_dir or default_data_dir())
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
