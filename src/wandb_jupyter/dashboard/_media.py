"""Logged media of a run for the dashboard's panels, in W&B's value format.

W&B writes a logged image, table, histogram, audio clip, HTML page, plotly figure, 3D
object or video as a small JSON value (``{"_type": "image-file", "path":
"media/images/...png", ...}``, ``{"_type": "histogram", "values": [...], "bins": [...]}``)
in the history row and the summary, the file itself under ``files/media/<kind>/``.
:func:`run_media` gathers those values per key: every step's from the history (a run
of ours), else the summary's last one (a real SDK's offline run keeps its history in
its binary ``.wandb`` file). :data:`MEDIA_TYPES` says how media files are served to the
panels: images, audio and video with their own type, HTML only into a sandbox, never
SVG as an image (it could script).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..rundir._rundir import HISTORY
from ._catalog import RunInfo, run_summary_raw, run_visualize

__all__ = ["run_media", "MEDIA_TYPES", "VALUE_TYPES", "HTML_SANDBOX_CSP", "MAX_STEPS_PER_KEY"]

#: ``_type`` values the panels draw.
VALUE_TYPES = frozenset(
    {
        "image-file",
        "images/separated",
        "table-file",
        "joined-table",
        "partitioned-table",
        "histogram",
        "audio-file",
        "html-file",
        "plotly-file",
        "object3D-file",
        "video-file",
        "bokeh-file",
        "molecule-file",
    }
)
#: file suffix -> Content-Type of a media file shown in a panel (``?media=1``)
MEDIA_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".bmp": "image/bmp",
    ".wav": "audio/wav",
    ".mp3": "audio/mpeg",
    ".ogg": "audio/ogg",
    ".flac": "audio/flac",
    ".mp4": "video/mp4",
    ".webm": "video/webm",
    ".json": "application/json",
    ".html": "text/html; charset=utf-8",
}
#: an HTML file's own policy: a unique origin (no cookies, no API), inline scripts only, no network
HTML_SANDBOX_CSP = (
    "sandbox allow-scripts; default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "img-src data:; font-src data:"
)
MAX_STEPS_PER_KEY = 200  # history values kept per key (evenly thinned beyond)
MAX_SCANNED_BYTES = 256 << 20  # a history bigger than this is read for media from its end only


def _is_media(value: Any) -> bool:
    return isinstance(value, dict) and value.get("_type") in VALUE_TYPES


def _media_in(row: dict[str, Any], prefix: str = "") -> list[tuple[str, dict[str, Any]]]:
    """(key, value) of every media value in a row, nested dicts walked as "a/b" keys do in W&B."""
    found: list[tuple[str, dict[str, Any]]] = []
    for key, value in row.items():
        if not isinstance(key, str) or key.startswith("_"):
            continue
        name = f"{prefix}{key}"
        if _is_media(value):
            found.append((name, value))
        elif isinstance(value, dict):
            found.extend(_media_in(value, f"{name}."))
    return found


def _thin(entries: list[dict[str, Any]], limit: int) -> list[dict[str, Any]]:
    if len(entries) <= limit:
        return entries
    stride = len(entries) / limit
    kept = [entries[int(i * stride)] for i in range(limit - 1)]
    return [*kept, entries[-1]]


def _history_media(path: Path) -> dict[str, list[dict[str, Any]]]:
    by_key: dict[str, list[dict[str, Any]]] = {}
    try:
        handle = open(path, "rb")
    except OSError:
        return by_key
    with handle:
        size = handle.seek(0, 2)
        handle.seek(max(0, size - MAX_SCANNED_BYTES))
        if size > MAX_SCANNED_BYTES:
            handle.readline()  # a partial first line
        for line in handle:
            if b'"_type"' not in line:  # most rows hold numbers only: skip them unparsed
                continue
            try:
                row = json.loads(line)
            except ValueError:
                continue
            if not isinstance(row, dict):
                continue
            step = row.get("_step")
            for key, value in _media_in(row):
                by_key.setdefault(key, []).append({"step": step if isinstance(step, int) else None, "value": value})
    return by_key


def run_media(info: RunInfo) -> dict[str, Any]:
    """``{"keys": {key: [{"step", "value"}, ...]}, "charts": {key: panel_config}}`` of a run's media;
    ``charts`` are the custom charts (``wandb.plot.*``) the config's ``_wandb.visualize`` draws from a table key."""
    by_key = _history_media(info.files / HISTORY)
    summary = run_summary_raw(info)
    for key, value in _media_in(summary):
        if key not in by_key:  # an SDK run's history is not readable here: its last value is
            by_key[key] = [{"step": None, "value": value}]
    charts = {
        key: chart["panel_config"]
        for key, chart in sorted(run_visualize(info).items())
        if isinstance(chart.get("panel_config"), dict)
    }
    keys = {key: _thin(entries, MAX_STEPS_PER_KEY) for key, entries in sorted(by_key.items())}
    return {"keys": keys, "charts": charts}
