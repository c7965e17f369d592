"""Pages for offline runs: the dashboard inside Jupyter, as the JupyterLab extension reports it.

Inside Jupyter our server extension serves a dashboard of the local runs under
its roots (the server's root_dir, its WANDB_DIR, ``c.WandbDashboard.run_dirs``)
at ``<jupyter base URL>wandb``. The JupyterLab extension asks its health API
and, when it answers, hands the kernel that base URL and the roots in the
silent probe (see ``_comm.hello``). A run started afterwards in this kernel
whose folder lies under a root gets ``{base}/{entity}/{project}/runs/{id}``
as its URL, so WANDB_SHOW_RUN, the status bar and the run block link to its
page; a run elsewhere gets none (and its debug.log says why).

Light on purpose (``init()`` asks it on every offline start): no IPython, no I/O
unless a dashboard was reported.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import quote, urlsplit

from ..common._logging import logger

__all__ = ["Dashboard", "set_dashboard", "reported_dashboard", "local_run_url", "parse_dashboard"]


class Dashboard(NamedTuple):
    """The in-Jupyter dashboard: its URL (``<origin><base URL>wandb``) and the folders it scans."""

    base: str
    roots: tuple[str, ...]

    @property
    def origin(self) -> str:
        """The Jupyter page's origin (``scheme://host:port``), as the browser sees it."""
        parts = urlsplit(self.base)
        return f"{parts.scheme}://{parts.netloc}"


_reported: Dashboard | None = None


def parse_dashboard(value: Any) -> Dashboard | None:
    """``{"base": "http://...", "roots": ["/abs", ...]}`` from the front end, or None when it is not one."""
    if not isinstance(value, dict):
        return None
    base, roots = value.get("base"), value.get("roots")
    if not isinstance(base, str) or urlsplit(base).scheme not in ("http", "https") or not urlsplit(base).netloc:
        return None
    if not isinstance(roots, (list, tuple)):
        return None
    absolute = tuple(root for root in roots if isinstance(root, str) and os.path.isabs(root))
    return Dashboard(base=base.rstrip("/"), roots=absolute)


def set_dashboard(value: Any) -> Dashboard | None:
    """Remember what the front end reported (anything that is no dashboard forgets it)."""
    global _reported
    _reported = parse_dashboard(value)
    logger.debug("dashboard from the JupyterLab extension: %s", _reported)
    return _reported


def reported_dashboard() -> Dashboard | None:
    return _reported


# The dashboard's scan rules (dashboard/_local_catalog.py; a test keeps these equal): runs in ``wandb/``
# folders at most MAX_DEPTH levels below a root, never inside hidden or skipped folders.
MAX_DEPTH = 6
SKIPPED_DIRS = frozenset(
    {"node_modules", "site-packages", "dist-packages", ".venv", "venv", "__pycache__", ".git", ".ipynb_checkpoints"}
)
DEFAULT_ENTITY = "local"  # what the dashboard files a run without an entity under


def _why_not_shown(run_dir: str, roots: Sequence[str]) -> str | None:
    """None when the dashboard's scan finds ``run_dir``; else why not (symbolic links resolved)."""
    real = Path(os.path.realpath(run_dir))
    reasons = []
    for root in roots:
        base = Path(os.path.realpath(root))
        if not real.is_relative_to(base):
            continue
        folders = real.parent.relative_to(base).parts  # from the root down to the run's wandb folder
        hidden = [part for part in folders if part.startswith(".") or part in SKIPPED_DIRS]
        if hidden:
            reasons.append(f"it is inside {hidden[0]!r} under {root}, which the dashboard skips")
        elif folders and folders[-1] != "wandb":
            reasons.append(f"its folder {real.parent} is not a wandb folder")
        elif len(folders) > MAX_DEPTH:
            reasons.append(f"it is {len(folders)} levels below {root}; the dashboard looks {MAX_DEPTH} deep")
        else:
            return None
    if reasons:
        return "; ".join(reasons)
    return f"{run_dir} is not under the dashboard's folders ({', '.join(roots) or 'none'}); runs there get one"


def local_run_url(*, entity: str | None, project: str, run_id: str, run_dir: str | os.PathLike[str]) -> str | None:
    """The in-Jupyter page of a local run, or None (no dashboard reported, or the dashboard does not show the run)."""
    dashboard = _reported
    if dashboard is None:
        return None
    why = _why_not_shown(os.fspath(run_dir), dashboard.roots)
    if why is not None:
        logger.debug("run %s has no page in the dashboard inside Jupyter: %s", run_id, why)
        return None
    path = "/".join(quote(part, safe="") for part in (entity or DEFAULT_ENTITY, project, "runs", run_id))
    return f"{dashboard.base}/{path}"
