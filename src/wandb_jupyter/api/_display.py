"""Showing what the read API returns: history as a pandas DataFrame, runs as an HTML table.

pandas is imported only here and only when a frame is asked for; without it a
history comes back as the list of rows it is, with one warning naming pandas.
Every value put into HTML is escaped (run names, tags and config are user text).
"""

from __future__ import annotations

import html
import json
import logging
from collections.abc import Iterable
from typing import Any

__all__ = ["frame", "runs_table", "runs_frame", "TABLE_ROWS"]

log = logging.getLogger("wandb")

#: Runs shown by a collection's table in a notebook (the count says how many there are).
TABLE_ROWS = 50
_COLUMNS = 6  # config and summary columns each, at most
_warned = False


def _pandas() -> Any:
    try:
        import pandas
    except ImportError:
        return None
    return pandas


def frame(rows: list[dict[str, Any]]) -> Any:
    """``rows`` as a DataFrame, or the rows themselves without pandas (warned once)."""
    global _warned
    pandas = _pandas()
    if pandas is None:
        if not _warned:
            log.warning("pandas is not installed (pip install pandas): history() returns a list of dicts")
            _warned = True
        return rows
    return pandas.DataFrame.from_records(rows)


def _scalar_keys(values: Iterable[dict[str, Any]], limit: int) -> list[str]:
    keys: dict[str, None] = {}
    for value in values:
        for key, item in value.items():
            if not key.startswith("_") and isinstance(item, (int, float, str, bool)) and key not in keys:
                keys[key] = None
                if len(keys) >= limit:
                    return list(keys)
    return list(keys)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        text = f"{value:.6g}"
    elif isinstance(value, (list, dict)):
        text = json.dumps(value, default=str)
    else:
        text = str(value)
    return html.escape(text if len(text) <= 80 else text[:79] + "…")


def runs_table(runs: list[Any], *, title: str | None = None, total: int | None = None) -> str:
    """An HTML table: id, name, state, created, tags, then the first scalar config and summary keys."""
    config_keys = _scalar_keys((run.config for run in runs), _COLUMNS)
    summary_keys = _scalar_keys((run.summary for run in runs), _COLUMNS)
    head = ["id", "name", "state", "created", "tags"]
    head += [f"config.{k}" for k in config_keys] + [f"summary.{k}" for k in summary_keys]
    lines = ['<table class="wandb-jupyter-runs">']
    if title or total is not None:
        shown = f"{len(runs)} of {total} runs" if total is not None else ""
        caption = " · ".join(part for part in (title, shown) if part)
        lines.append(f"<caption>{html.escape(caption)}</caption>")
    lines.append("<thead><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in head) + "</tr></thead><tbody>")
    for run in runs:
        cells = [run.id, run.name, run.state, run.created_at, ", ".join(run.tags)]
        cells += [run.config.get(k) for k in config_keys] + [run.summary.get(k) for k in summary_keys]
        lines.append("<tr>" + "".join(f"<td>{_cell(c)}</td>" for c in cells) + "</tr>")
    lines.append("</tbody></table>")
    return "\n".join(lines)


def runs_frame(runs: Iterable[Any]) -> Any:
    """One row per run (config.* and summary.* flattened one level); needs pandas."""
    pandas = _pandas()
    if pandas is None:
        from ..common._errors import UsageError

        raise UsageError("Runs.to_pandas() needs pandas: pip install pandas")
    records = []
    for run in runs:
        record: dict[str, Any] = {
            "id": run.id,
            "name": run.name,
            "state": run.state,
            "created_at": run.created_at,
            "tags": list(run.tags),
        }
        record.update({f"config.{k}": v for k, v in run.config.items()})
        record.update({f"summary.{k}": v for k, v in run.summary.items() if not k.startswith("_")})
        records.append(record)
    return pandas.DataFrame.from_records(records)
