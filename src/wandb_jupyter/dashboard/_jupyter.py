"""The dashboard inside jupyter_server, at ``{base_url}wandb/``: no extra port, Jupyter's own auth.

It shows the runs found under the server's root_dir, WANDB_DIR (of the
server's environment) and ``c.WandbDashboard.run_dirs``, read straight from
their run directories, so offline runs get pages with no tracking server.
Enabled by ``jupyter-config/jupyter_server_config.d/wandb_jupyter.json``
(installed into ``etc/jupyter/``); ``wandb_jupyter._jupyter_server_extension_points``
points jupyter_server here.

The handlers are the dashboard's logic mixins on Jupyter's ``APIHandler`` (JSON)
and ``JupyterHandler`` (pages, downloads, assets), every GET behind
``@tornado.web.authenticated`` and Jupyter's authorizer (resource "contents":
run files are files under the root).
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from typing import Any

import tornado.web
from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler, JupyterHandler
from jupyter_server.utils import url_path_join
from traitlets import List, Unicode
from traitlets.config import Configurable

from ._handlers import Dashboard, Family, dashboard_routes
from ._local_catalog import LocalCatalog

__all__ = ["WandbDashboard", "jupyter_routes"]

MOUNT = "wandb"


class WandbDashboard(Configurable):
    """Settings of the dashboard extension (``c.WandbDashboard.*`` in jupyter_server_config)."""

    run_dirs = List(
        Unicode(),
        default_value=[],
        help=(
            "More folders to look for W&B run directories in (their wandb/ folders, at most 6 levels "
            "down), besides the server's root_dir and WANDB_DIR; relative ones are under root_dir."
        ),
    ).tag(config=True)


class JupyterAuth:
    """Inside Jupyter every local run under the roots is visible to whoever Jupyter let in."""

    auth_resource = "contents"


class JupyterStaticHandler(JupyterHandler, tornado.web.StaticFileHandler):
    """Dashboard assets, behind Jupyter's login like its other files."""


def _guarded(get: Any) -> Any:
    return tornado.web.authenticated(authorized(get))


_LOOPBACK = ("localhost", "127.0.0.1")
_NOT_RUNNING = (
    "<!doctype html><meta charset='utf-8'><title>wandb-jupyter server</title>"
    "<p>The wandb-jupyter server on port {port} is not running any more. Run <code>%wandb_server</code> again.</p>"
)


class ServerLoginHandler(JupyterAuth, JupyterHandler):
    """``{base}wandb/_server/<port>``: into a local wandb-jupyter server's dashboard with a fresh login ticket.

    ``%wandb_server``'s frame points here instead of at a ticket: the saved notebook holds no secret,
    and a reopened notebook's frame logs in again (Jupyter's login stands for the user who started
    the server: same account, same registry) rather than showing a spent or expired ticket."""

    @_guarded
    def get(self, port: str) -> None:
        from urllib.parse import urlsplit

        from ..server._registry import list_servers
        from ..server._tickets import ticket_login_url

        server = next((info for info in list_servers() if str(info.port) == port), None)
        if server is None:
            self.set_status(404)
            self.set_header("Content-Type", "text/html; charset=utf-8")
            self.finish(_NOT_RUNNING.format(port=int(port)))
            return
        target = ticket_login_url(server.url, server.login_url, server.data_dir)
        parts = urlsplit(target)
        page = self.request.host_name
        if page in _LOOPBACK and parts.hostname in _LOOPBACK and page != parts.hostname:
            # the frame must use the page's loopback name: the session cookie is refused cross-site
            target = parts._replace(netloc=f"{page}:{parts.port}").geturl()
        self.set_header("Cache-Control", "no-store")
        self.redirect(target)


def jupyter_routes(base_url: str, roots: Sequence[str | None]) -> list[tuple[str, type, dict[str, Any]]]:
    """Routes of the dashboard at ``{base_url}wandb`` over the local runs under ``roots``."""
    dashboard = Dashboard(catalog=LocalCatalog(roots), base=url_path_join(base_url, MOUNT).rstrip("/"))
    family = Family(
        auth=JupyterAuth,
        api=APIHandler,
        page=JupyterHandler,
        static=JupyterStaticHandler,
        wrap_get=_guarded,
        wrap_write=_guarded,
    )
    server_login: tuple[str, type, dict[str, Any]] = (
        rf"{re.escape(dashboard.base)}/_server/(\d{{1,5}})",
        ServerLoginHandler,
        {},
    )
    return [server_login, *dashboard_routes(dashboard, family)]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    settings = WandbDashboard(parent=serverapp)
    root_dir = os.path.expanduser(serverapp.root_dir)
    extra = [os.path.join(root_dir, os.path.expanduser(path)) for path in settings.run_dirs]
    roots = [root_dir, os.environ.get("WANDB_DIR"), *extra]
    routes = jupyter_routes(serverapp.base_url, roots)
    serverapp.web_app.add_handlers(".*$", routes)
    serverapp.log.info(
        "wandb-jupyter dashboard at %s (runs under %s)",
        url_path_join(serverapp.base_url, MOUNT),
        ", ".join(str(r) for r in roots if r),
    )
