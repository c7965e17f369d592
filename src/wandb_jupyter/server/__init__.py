"""A local server that speaks the subset of W&B's API that the W&B SDK and our client use.

``wandb-jupyter server`` runs it standalone (with the dashboard: :mod:`wandb_jupyter.app`);
:func:`handlers` gives its routes to
mount inside another tornado application such as jupyter_server. Runs are stored
in the run-directory format under the data dir, indexed in SQLite.
:func:`list` and :func:`stop` manage the servers that ``%wandb_server`` started.
"""

from __future__ import annotations

from ._context import ServerContext
from ._handlers import handlers
from ._paths import default_data_dir, login_hint
from ._process import Launched, launch
from ._registry import ServerInfo
from ._registry import list_servers as list
from ._registry import stop_server as stop
from ._sqlite import SQLiteStorage
from ._storage import Entity, Project, Run, Storage, User

__all__ = [
    "handlers",
    "ServerContext",
    "Storage",
    "SQLiteStorage",
    "User",
    "Entity",
    "Project",
    "Run",
    "default_data_dir",
    "login_hint",
    "launch",
    "Launched",
    "list",
    "stop",
    "ServerInfo",
]
