"""Logging one chart of the sklearn plots to the current run, under W&B's key for it."""

from __future__ import annotations

from typing import Any

from ...data_types._table import Table
from ...data_types._visualize import visualize
from .._run import active_run

__all__ = ["log_chart"]


def log_chart(key: str, preset: str, columns: list[str], rows: list[list[Any]]) -> None:
    """``rows`` as a table drawn by W&B's preset chart ``preset``, logged under ``key``."""
    run = active_run(f"wandb_jupyter.sklearn ({key})")
    run.log({key: visualize(preset, Table(columns=columns, data=rows))})
