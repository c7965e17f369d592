"""The dashboard: projects, runs tables and run pages over W&B-format run directories.

Served by the standalone server (``wandb-jupyter server``, its own login) and,
with no extra port, inside jupyter_server (``{base_url}wandb/``, behind
Jupyter's auth, showing the local and offline runs under the Jupyter root).
The pages are one HTML shell plus the frontend in ``static/`` (TypeScript in
``labextension/dashboard/``); the data comes from a JSON API under
``{base}/_dashboard/api/``.
"""

from __future__ import annotations

from ._catalog import Catalog, ProjectInfo, RunInfo, Viewer
from ._handlers import Dashboard, check_frame_ancestor, page_shell
from ._local_catalog import LocalCatalog
from ._series import SeriesCache, downsample
from ._server_catalog import ServerCatalog
from ._standalone import dashboard_secrets, standalone_routes

__all__ = [
    "Catalog",
    "ProjectInfo",
    "RunInfo",
    "Viewer",
    "ServerCatalog",
    "LocalCatalog",
    "SeriesCache",
    "downsample",
    "Dashboard",
    "standalone_routes",
    "check_frame_ancestor",
    "dashboard_secrets",
    "page_shell",
]
