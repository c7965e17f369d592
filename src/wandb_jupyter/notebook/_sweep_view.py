"""``%wandb_sweep``'s view: a sweep's progress table in the notebook, updated in place until the sweep ends.

A daemon thread reads the sweep's progress (from the server or the wandb folder) every few seconds and
updates one display handle, so the table keeps moving while an agent runs in a later cell; it stops
when the sweep is finished or cancelled (or after ``--once``). Reading never breaks the kernel: a
failure shows in the table's caption and the thread tries again.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from html import escape
from typing import Any

from ..common._logging import logger

__all__ = ["SweepView", "render_html", "render_text"]

ENDED = ("FINISHED", "CANCELED")
MAX_ROWS = 200  # trials shown in the table (the newest); the counts cover all


def _number(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return "" if value is None else str(value)


def _summary_line(progress: dict[str, Any]) -> str:
    counts = ", ".join(f"{n} {state}" for state, n in sorted(progress.get("counts", {}).items()))
    total = progress.get("total")
    done = len(progress.get("trials", []))
    metric = progress.get("metric")
    goal = f", {metric['goal']} {metric['name']}" if metric else ""
    return (
        f"sweep {progress['id']} ({progress['method']}{goal}): {progress['state']}, "
        f"{done}{'/' + str(total) if total else ''} trials{': ' + counts if counts else ''}"
    )


def _best_line(progress: dict[str, Any]) -> str | None:
    best = progress.get("best")
    if not best:
        return None
    params = ", ".join(f"{k}={_number(v)}" for k, v in best["params"].items())
    return f"best: run {best['run_id']} {_number(best['value'])} ({params})"


def render_text(progress: dict[str, Any]) -> str:
    lines = [_summary_line(progress)]
    best = _best_line(progress)
    if best:
        lines.append(best)
    for trial in progress.get("trials", [])[-MAX_ROWS:]:
        params = ", ".join(f"{k}={_number(v)}" for k, v in trial["params"].items())
        lines.append(
            f"  {trial['number']:>4} {trial['run_id']} {trial['state']:<9} {_number(trial['value']):>12}  {params}"
        )
    return "\n".join(lines)


def render_html(progress: dict[str, Any], note: str | None = None) -> str:
    names = progress.get("parameters", [])
    metric = progress.get("metric")
    best = progress.get("best") or {}
    head = "".join(
        f"<th>{escape(h)}</th>" for h in ["#", "run", "state", metric["name"] if metric else "metric", *names]
    )
    rows = []
    for trial in progress.get("trials", [])[-MAX_ROWS:]:
        cells = [str(trial["number"]), trial["run_id"], trial["state"], _number(trial["value"])]
        cells += [_number(trial["params"].get(name)) for name in names]
        style = ' style="font-weight:bold"' if trial["run_id"] == best.get("run_id") else ""
        rows.append(f"<tr{style}>" + "".join(f"<td>{escape(c)}</td>" for c in cells) + "</tr>")
    best_line = _best_line(progress)
    parts = [
        '<div class="wandb-jupyter-sweep">',
        f"<div><b>{escape(_summary_line(progress))}</b></div>",
        f"<div>{escape(best_line)}</div>" if best_line else "",
        f"<div><i>{escape(note)}</i></div>" if note else "",
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>",
        "</div>",
    ]
    return "".join(parts)


class SweepView:
    """One display handle for one sweep, refreshed by a daemon thread."""

    def __init__(self, read: Callable[[], dict[str, Any]], every: float) -> None:
        self._read = read
        self.every = every
        self.handle: Any = None
        self.progress: dict[str, Any] | None = None
        self.thread: threading.Thread | None = None

    def _bundle(self, note: str | None = None) -> dict[str, str]:
        assert self.progress is not None
        return {"text/plain": render_text(self.progress), "text/html": render_html(self.progress, note)}

    def show(self, *, follow: bool) -> None:
        from IPython.display import display

        self.progress = self._read()  # a first failure is the magic's error, shown at once
        self.handle = display(self._bundle(), raw=True, display_id=True)
        if follow and self.progress["state"] not in ENDED:
            self.thread = threading.Thread(target=self._follow, name="wandb-sweep-view", daemon=True)
            self.thread.start()

    def _follow(self) -> None:
        while True:
            time.sleep(self.every)
            note = None
            try:
                self.progress = self._read()
            except Exception as error:  # keep the last table; say why it is not moving
                logger.debug("%%wandb_sweep: reading the sweep failed: %r", error)
                note = f"not updated: {error}"
            try:
                self.handle.update(self._bundle(note), raw=True)
            except Exception as error:  # pragma: no cover - the kernel is going away
                logger.debug("%%wandb_sweep: display update failed: %r", error)
                return
            if self.progress is not None and self.progress["state"] in ENDED:
                return
