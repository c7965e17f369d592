"""The standalone server: ``make_app()`` and ``serve()`` (what ``wandb-jupyter server`` runs)."""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path
from typing import Any, TextIO

import tornado.httpserver
import tornado.netutil
import tornado.web

from ._context import ServerContext
from ._handlers import NotFoundHandler, handlers

__all__ = ["make_app", "serve", "default_data_dir", "login_hint"]

log = logging.getLogger("wandb_jupyter.server")


def default_data_dir() -> Path:
    """Where ``wandb-jupyter server`` keeps its data without ``--data-dir``."""
    return Path.home() / ".local" / "share" / "wandb-jupyter" / "server"


def _log_request(handler: tornado.web.RequestHandler) -> None:
    status = handler.get_status()
    level = logging.DEBUG if status < 400 else logging.INFO if status < 500 else logging.ERROR
    log.log(level, "%d %s %s %.1fms", status, handler.request.method, handler.request.uri,
            1000.0 * handler.request.request_time())


def make_app(server: ServerContext, *, base_path: str = "", **settings: Any) -> tornado.web.Application:
    """A tornado Application serving the W&B API subset over ``server``'s data."""
    base = base_path.rstrip("/")
    return tornado.web.Application(
        handlers(server, base),
        default_handler_class=NotFoundHandler,
        default_handler_args={"server": server, "base_path": base},
        log_function=_log_request,
        **settings,
    )


def login_hint(url: str, key: str) -> str:
    return (f"  export WANDB_BASE_URL={url}\n"
            f"  export WANDB_API_KEY={key}\n"
            f"or: wandb login --host {url} {key}")


async def _serve(server: ServerContext, host: str, port: int, base_path: str, out: TextIO,
                 started: asyncio.Event | None) -> None:
    app = make_app(server, base_path=base_path)
    http = tornado.httpserver.HTTPServer(app, xheaders=False)
    sockets = tornado.netutil.bind_sockets(port, host)
    http.add_sockets(sockets)
    actual = sockets[0].getsockname()[1]
    shown_host = f"[{host}]" if ":" in host else host
    url = f"http://{shown_host}:{actual}{base_path.rstrip('/')}"
    first = server.ensure_admin()
    if first is not None:
        user, key = first
        print(f"Created the admin user {user.name!r}. Its API key, shown only this once:\n\n  {key}\n\n"
              f"Log in with:\n{login_hint(url, key)}\n"
              f"More users: wandb-jupyter server user add NAME --data-dir {server.data_dir}\n", file=out)
    print(f"wandb-jupyter server: {url} (data in {server.data_dir})", file=out, flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        http.stop()
        await http.close_all_connections()


def serve(*, host: str = "127.0.0.1", port: int = 8080, data_dir: str | Path | None = None, base_path: str = "",
          out: TextIO | None = None) -> None:
    """Run the server until interrupted (Ctrl-C or SIGTERM)."""
    import signal

    server = ServerContext.open(data_dir or default_data_dir())
    loop = asyncio.new_event_loop()
    task = loop.create_task(_serve(server, host, port, base_path, out or sys.stdout, None))
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
