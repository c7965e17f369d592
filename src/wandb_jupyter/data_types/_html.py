"""``Html``: a string of HTML or an .html file, with W&B's stylesheet injected."""

from __future__ import annotations

import os
from typing import Any

from ..common._errors import UsageError
from ._media import BatchableMedia, MediaWriter

__all__ = ["Html"]

_HEAD = '<base target="_blank"><link rel="stylesheet" type="text/css" href="https://app.wandb.ai/normalize.css" />'


class Html(BatchableMedia):
    """HTML shown in a panel: ``Html("<h1>hi</h1>")``, ``Html(open("page.html"))`` or ``Html("page.html")``."""

    _log_type = "html-file"
    _subdir = "media/html"

    def __init__(self, data: Any, inject: bool = True, data_is_not_path: bool = False) -> None:
        super().__init__()
        is_path = (
            isinstance(data, (str, os.PathLike))
            and not data_is_not_path
            and os.path.splitext(os.fspath(data))[1] == ".html"
            and os.path.isfile(data)
        )
        if is_path:
            with open(data, encoding="utf-8") as handle:
                self.html = handle.read()
        elif isinstance(data, str):
            self.html = data
        elif hasattr(data, "read"):
            if hasattr(data, "seek"):
                data.seek(0)
            self.html = data.read()
        else:
            raise UsageError(
                f"Html: pass a string of HTML, an .html file path or an open file, not {type(data).__name__}"
            )
        if not isinstance(self.html, str):
            raise UsageError("Html: the file or stream must give text")
        if inject:
            self.html = _inject_head(self.html)
        if inject or not is_path:
            self._set_bytes(self.html.encode("utf-8"), ".html")
        else:
            self._set_file(data, ".html")

    @classmethod
    def seq_to_json(cls, items: list[Any], writer: MediaWriter, key: str, step: int | str) -> dict[str, Any]:
        return {"_type": "html", "count": len(items), "html": [h.to_json(writer) for h in items]}


def _inject_head(html: str) -> str:
    """W&B's stylesheet and link target at the start of the head (a head is made when there is an <html>)."""
    if "<head>" in html:
        before, after = html.split("<head>", 1)
        before += "<head>"
    elif "<html>" in html:
        before, after = html.split("<html>", 1)
        before, after = before + "<html><head>", "</head>" + after
    else:
        before, after = "", html
    return (before + _HEAD + after).strip()
