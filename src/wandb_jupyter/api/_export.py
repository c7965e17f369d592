"""Runs as rows for scripts: what ``wandb-jupyter runs`` prints as a table, CSV or JSON.

Local runs (the run folders of the workspace) are listed with their mode and
folder; ``path`` (``entity/project``) lists a server's runs through :class:`Api`.
Filters and orders are W&B's (:mod:`wandb_jupyter.rundir._run_filter`) in both.
CSV flattens ``config.<key>`` and ``summary.<key>`` into columns (non-scalar
values as JSON), so a spreadsheet or ``pandas.read_csv`` gets one row per run.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import IO, Any

from ..common._errors import UsageError
from ..rundir._local_runs import list_local_runs
from ..rundir._run_filter import FilterError, compile_filter, compile_order
from ._objects import Run, Runs

__all__ = ["local_rows", "server_rows", "write_rows", "parse_filter_option", "FORMATS"]

FORMATS = ("table", "csv", "json")
_TABLE = ("id", "name", "project", "mode", "state", "steps", "started")
_PAGE = 500


def parse_filter_option(text: str | None) -> dict[str, Any] | None:
    """``--filter`` as a filter object, checked (a malformed one is one clear UsageError)."""
    if not text:
        return None
    try:
        filters = json.loads(text)
    except ValueError as error:
        raise UsageError(
            f"--filter is not valid JSON ({error}): give W&B's filter language, "
            'such as \'{"config.lr": {"$lt": 0.01}}\''
        ) from None
    try:
        compile_filter(filters)
    except FilterError as error:
        raise UsageError(f"--filter: {error}") from None
    return filters


def _check_order(order: str | None) -> str:
    try:
        compile_order(order)
    except FilterError as error:
        raise UsageError(f"--order: {error}") from None
    return order or "+created_at"


def local_rows(
    wandb_dir: Path, project: str | None, filters: dict[str, Any] | None, order: str | None
) -> list[dict[str, Any]]:
    """The workspace's runs (all projects unless ``project``), filtered and ordered."""
    listed = {run.id: run for run in list_local_runs(wandb_dir, project=project)}
    if not listed:
        return []
    from ._local import LocalBackend

    chosen = Runs(LocalBackend(wandb_dir), None, project, filters, _check_order(order), _PAGE)  # type: ignore[arg-type]
    rows = []
    for run in chosen:
        local = listed.get(run.id)
        if local is not None:
            row = _row(run, mode=local.mode, steps=local.steps, path=str(local.paths.root))
            row["started"] = local.started
            rows.append(row)
    return rows


def server_rows(path: str, filters: dict[str, Any] | None, order: str | None) -> list[dict[str, Any]]:
    """The runs of ``entity/project`` on the server of the settings (WANDB_BASE_URL and the login)."""
    from ._api import Api

    runs = Api().runs(path, filters=filters, order=_check_order(order), per_page=_PAGE)
    return [_row(run, mode="online", steps=run.history_line_count, path=run.url) for run in runs]


def _row(run: Run, *, mode: str, steps: int | None, path: str | None) -> dict[str, Any]:
    return {
        "id": run.id,
        "name": run.name,
        "project": run.project,
        "entity": run.entity,
        "mode": mode,
        "state": run.state,
        "steps": steps,
        "started": run.created_at,
        "path": path,
        "tags": list(run.tags),
        "config": dict(run.config),
        "summary": {k: v for k, v in run.summary.items() if k != "_wandb"},
    }


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, default=str)
    return str(value)


def write_rows(rows: list[dict[str, Any]], fmt: str, out: IO[str] | None = None) -> None:
    out = out or sys.stdout
    if fmt == "json":
        out.write(json.dumps(rows, indent=2, default=str) + "\n")
    elif fmt == "csv":
        config_keys = list(dict.fromkeys(k for row in rows for k in row["config"]))
        summary_keys = list(dict.fromkeys(k for row in rows for k in row["summary"]))
        base = ["id", "name", "project", "entity", "mode", "state", "steps", "started", "tags", "path"]
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(base + [f"config.{k}" for k in config_keys] + [f"summary.{k}" for k in summary_keys])
        for row in rows:
            cells = [_cell(row[k]) for k in base]
            cells += [_cell(row["config"].get(k)) for k in config_keys]
            cells += [_cell(row["summary"].get(k)) for k in summary_keys]
            writer.writerow(cells)
    else:
        table = [_TABLE] + [
            tuple(_cell(row[k])[:19] if k == "started" else _cell(row[k]) for k in _TABLE) for row in rows
        ]
        widths = [max(len(line[i]) for line in table) for i in range(len(_TABLE))]
        for line in table:
            out.write("  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip() + "\n")
