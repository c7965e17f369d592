"""``visualize(id, table)``: a table drawn by one of W&B's built-in chart presets.

W&B's scikit-learn plots log their tables this way (``wandb/confusion_matrix/v1``,
``wandb/elbow/v1``, ...). Unlike a :class:`~.plot.CustomChart`, the table stays
under the logged key itself and the chart's entry goes to the run config's
``_wandb.viz.<key>`` as ``{"id": ..., "historyFieldSettings": {"x-axis": "_step",
"key": ...}}``, the form W&B 0.31 records.
"""

from __future__ import annotations

from typing import Any

from ..common._errors import UsageError
from ._table import Table

__all__ = ["Visualize", "visualize"]


class Visualize:
    """A table and the id of the preset chart that draws it."""

    #: The ``_wandb`` section of the run config that holds this chart's entry.
    config_section = "viz"

    def __init__(self, preset: str, table: Table) -> None:
        self.preset = preset
        self.table = table

    def table_key(self, key: str) -> str:
        """The history key the table is logged under: the chart's own key."""
        return key

    def config_value(self, key: str) -> dict[str, Any]:
        return {"id": self.preset, "historyFieldSettings": {"x-axis": "_step", "key": key}}

    def __repr__(self) -> str:
        return f"<Visualize {self.preset} {self.table!r}>"


def visualize(id: str, value: Table) -> Visualize:
    """W&B's ``wandb.visualize``: ``value`` drawn by the preset chart ``id``."""
    if not isinstance(value, Table):
        raise UsageError(f"visualize: value must be a wandb_jupyter.Table, not {type(value).__name__}")
    return Visualize(id, value)
