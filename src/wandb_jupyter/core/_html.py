"""HTML for a run in a notebook: the compact block, the finish summary, sparklines.

Pure functions of plain data (no IPython), so they are cheap to test. Every
user-provided string is escaped.
"""

from __future__ import annotations

import json
import math
import os
from html import escape
from pathlib import Path
from typing import Any, NamedTuple

__all__ = ["RunView", "run_block", "sparkline", "sample_history"]

_STYLE = (
    "font-family: var(--jp-ui-font-family, system-ui, sans-serif); font-size: 13px; line-height: 1.5; "
    "border-left: 3px solid #ffbe00; padding: 4px 10px; margin: 2px 0"
)
_MAX_SUMMARY_ROWS = 24
_MAX_SPARKLINES = 12


class RunView(NamedTuple):
    """What the block shows about a run."""

    name: str
    id: str
    project: str
    mode: str
    root: str
    url: str | None
    state: str = "running"
    steps: int = 0
    runtime: float | None = None
    summary: dict[str, Any] | None = None
    series: dict[str, list[float]] | None = None


def _link(text: str, url: str | None) -> str:
    if not url:
        return f"<b>{escape(text)}</b>"
    return f'<a href="{escape(url, quote=True)}" target="_blank" rel="noopener"><b>{escape(text)}</b></a>'


def _format(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
    return text if len(text) <= 60 else text[:59] + "…"


def sparkline(values: list[float], width: int = 120, height: int = 22) -> str:
    """An inline SVG polyline of ``values`` (non-finite points skipped)."""
    points = [(i, v) for i, v in enumerate(values) if isinstance(v, (int, float)) and math.isfinite(v)]
    if len(points) < 2:
        return ""
    low = min(v for _, v in points)
    high = max(v for _, v in points)
    span = (high - low) or 1.0
    last = max(len(values) - 1, 1)
    coords = " ".join(f"{i * width / last:.1f},{height - 2 - (v - low) * (height - 4) / span:.1f}" for i, v in points)
    return (
        f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img">'
        f'<polyline fill="none" stroke="#f5a000" stroke-width="1.5" points="{coords}"/></svg>'
    )


def run_block(view: RunView) -> str:
    """The compact run block; with a summary once the run has finished."""
    head = (
        f"<div>wandb-jupyter · run {_link(view.name, view.url)} <code>{escape(view.id)}</code> · "
        f"project <b>{escape(view.project)}</b> · {escape(view.mode)} · {escape(view.state)}</div>"
        f"<div style='opacity:.75'>{escape(view.root)}</div>"
    )
    if view.summary is None:
        return f'<div class="wandb-jupyter-run" style="{_STYLE}">{head}</div>'
    return f'<div class="wandb-jupyter-run" style="{_STYLE}">{head}{_summary_table(view)}</div>'


def _summary_table(view: RunView) -> str:
    series = view.series or {}
    summary = view.summary or {}
    keys = [k for k in summary if not k.startswith("_")][:_MAX_SUMMARY_ROWS]
    runtime = f", {view.runtime:.1f} s" if view.runtime is not None else ""
    rows = [
        f"<tr><td style='text-align:left;padding-right:12px'>{escape(k)}</td>"
        f"<td style='text-align:right'>{escape(_format(summary[k]))}</td>"
        f"<td>{sparkline(series.get(k, [])) if k in series else ''}</td></tr>"
        for k in keys
    ]
    caption = f"<div style='margin-top:4px'>{view.steps} steps{runtime}</div>"
    if not rows:
        return caption
    return caption + "<table style='border-collapse:collapse;margin-top:2px'>" + "".join(rows) + "</table>"


def sample_history(path: Path, *, points: int = 400, max_keys: int = _MAX_SPARKLINES) -> dict[str, list[float]]:
    """Numeric series of a history file, from at most ``points`` rows spread over the file.

    Rows are picked by seeking to evenly spaced byte offsets, so the cost does
    not grow with the length of the run.
    """
    try:
        size = os.path.getsize(path)
    except OSError:
        return {}
    rows = []
    with open(path, "rb") as handle:
        offsets = sorted({size * i // points for i in range(points)}) if size else []
        for offset in offsets:
            handle.seek(offset)
            if offset:
                handle.readline()  # finish the line we landed in
            line = handle.readline()
            if line.endswith(b"\n"):
                try:
                    rows.append(json.loads(line))
                except ValueError:
                    continue
    series: dict[str, list[float]] = {}
    seen_steps = set()
    for row in rows:
        if row.get("_step") in seen_steps:
            continue
        seen_steps.add(row.get("_step"))
        for key, value in row.items():
            if key.startswith("_") or isinstance(value, bool) or not isinstance(value, (int, float)):
                continue
            if key in series or len(series) < max_keys:
                series.setdefault(key, []).append(float(value))
    return series


def view_of(run: Any, *, finished: bool = False) -> RunView:
    """A RunView of a live Run; with ``finished`` the summary and sparklines are read too."""
    state = "running"
    summary = series = runtime = None
    if finished or run.finished:
        state = "finished" if (run.exit_code or 0) == 0 else f"failed (exit code {run.exit_code})"
        summary = dict(run.summary)
        runtime = summary.get("_runtime")
        series = sample_history(Path(run.dir) / "wandb-history.jsonl")
    return RunView(
        name=run.name,
        id=run.id,
        project=run.project,
        mode=run.mode,
        root=str(run.paths.root),
        url=run.url,
        state=state,
        steps=run.step,
        runtime=runtime,
        summary=summary,
        series=series,
    )
