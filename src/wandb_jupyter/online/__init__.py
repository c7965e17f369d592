"""Online mode: the client half of W&B's wire protocol.

Only online runs (and the ``login`` / ``sync`` commands) import this package,
and ``requests`` is imported by :mod:`._api` when a client is created, so
offline runs and a plain ``import wandb_jupyter`` never pay for the network
stack.

Modules, one concept each:

``_api``        GraphQL and HTTP calls with the same operations, variables and
                file_stream body as W&B's SDK (Basic ``api:<key>``, attribution headers)
``_auth``       which API key to use (WANDB_API_KEY > .netrc > settings files), ``login``
``_globs``      WANDB_IGNORE_GLOBS matching on run-relative paths
``_syncstate``  ``sync-state.json``: what the server acknowledged, per file
``_sender``     tails a run directory from those offsets and sends it (a thread live,
                a loop for ``sync``)
``_session``    what ``init()`` asks the server: viewer, resume status, the run itself
``_sync``       ``wandb-jupyter sync``: offline runs and unsent tails of online ones
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # names for annotations only: importing them here would import the network code
    from pathlib import Path

    from ..settings import ResolvedSettings
    from ._session import OnlineRun

__all__ = ["connect"]


def connect(settings: ResolvedSettings, wandb_dir: Path) -> OnlineRun:
    """Start the online part of ``init()``; see :func:`._session.connect`."""
    from ._session import connect as _connect  # the network code only with the first online run

    return _connect(settings, wandb_dir)
