"""Run page URLs, and opening them per WANDB_SHOW_RUN outside notebooks."""

from __future__ import annotations

import os
import sys
from urllib.parse import urlsplit, urlunsplit

from ._logging import logger

__all__ = ["app_url", "run_url", "open_in_browser"]


def app_url(base_url: str) -> str:
    """The web app's URL for an API URL: ``api.wandb.ai`` -> ``wandb.ai``; others unchanged."""
    parts = urlsplit(base_url)
    host = parts.netloc
    if host.startswith("api."):
        host = host[len("api.") :]
    return urlunsplit((parts.scheme, host, parts.path, "", "")).rstrip("/")


def run_url(base_url: str, entity: str | None, project: str, run_id: str) -> str:
    return f"{app_url(base_url)}/{entity}/{project}/runs/{run_id}"


def _has_graphical_browser() -> bool:
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def open_in_browser(url: str) -> bool:
    """Open ``url`` when a graphical browser exists; otherwise print it. Returns whether it opened."""
    if _has_graphical_browser():
        import webbrowser

        try:
            if webbrowser.open_new_tab(url):
                logger.info("opened %s", url)
                return True
        except webbrowser.Error:
            pass
    logger.info("run page: %s", url)
    return False
