"""WANDB_SHOW_RUN in a notebook: ask the front end to open the run's page."""

from __future__ import annotations

import json
from collections.abc import Callable
from html import escape

__all__ = ["open_in_notebook", "set_frontend_opener"]

#: A front end that can open pages itself (the JupyterLab extension, over its comm).
_frontend_opener: Callable[[str], bool] | None = None


def set_frontend_opener(opener: Callable[[str], bool] | None) -> None:
    """Register how a connected front end opens a page; it returns False when it cannot."""
    global _frontend_opener
    _frontend_opener = opener


def open_in_notebook(url: str) -> None:
    """Open ``url`` through the front end when one listens; else a link plus a new-tab request."""
    if _frontend_opener is not None and _frontend_opener(url):
        return
    from IPython.display import HTML, display

    link = escape(url, quote=True)
    script = f"<script>window.open({json.dumps(url)}, '_blank', 'noopener');</script>"
    display(
        HTML(
            f'<div>wandb-jupyter: run page <a href="{link}" target="_blank" rel="noopener">{escape(url)}</a>'
            f"</div>{script}"
        )
    )
