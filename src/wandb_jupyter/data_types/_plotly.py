"""Figures passed straight to ``log()``: plotly figures, and matplotlib figures converted as W&B does.

A matplotlib figure with images (imshow) becomes an :class:`Image`; any other is
converted to plotly (plotly's ``mpl_to_plotly``), as W&B 0.31 does.
"""

from __future__ import annotations

from typing import Any

from ..common._errors import UsageError
from ._image import Image, figure_of
from ._json import dumps
from ._media import Media
from ._optional import require, type_name

__all__ = ["Plotly", "figure_media", "is_figure"]


class Plotly(Media):
    """A plotly figure (or a matplotlib figure that plotly can convert), stored as ``.plotly.json``."""

    _log_type = "plotly-file"
    _subdir = "media/plotly"

    def __init__(self, val: Any) -> None:
        super().__init__()
        name = type_name(val)
        if not (name.startswith("plotly.") and name.endswith(".Figure")):
            if not _is_matplotlib(val):
                raise UsageError(f"Plotly: pass a plotly figure or a matplotlib figure, not {type(val).__name__}")
            figure = figure_of(val)
            if any(axes.images for axes in figure.axes):
                raise UsageError(
                    "Plotly: a matplotlib figure with images cannot become plotly; log "
                    "wandb_jupyter.Image(figure) instead"
                )
            val = _to_plotly(figure)
        self._set_bytes(dumps(_lists(val.to_plotly_json())).encode("utf-8"), ".plotly.json")


def _is_matplotlib(value: Any) -> bool:
    return type_name(value).startswith("matplotlib.") or getattr(value, "__name__", "") == "matplotlib.pyplot"


def is_figure(value: Any) -> bool:
    """A matplotlib or plotly object that W&B converts when it is logged as is."""
    name = type_name(value)
    return name.startswith(("matplotlib.", "plotly.")) or getattr(value, "__name__", "") == "matplotlib.pyplot"


def figure_media(value: Any) -> Media:
    """W&B's conversion of a figure logged as is: an Image for a matplotlib figure with images, else Plotly."""
    if _is_matplotlib(value):
        figure = figure_of(value)
        if any(axes.images for axes in figure.axes):
            return Image(figure)
        return Plotly(_to_plotly(figure))
    return Plotly(value)


def _to_plotly(figure: Any) -> Any:
    tools = require("plotly.tools", "plotly", "logging a matplotlib figure as an interactive chart")
    try:
        return tools.mpl_to_plotly(figure)
    except Exception as error:
        raise UsageError(
            f"plotly cannot convert this matplotlib figure ({type(error).__name__}: {error}); log "
            "wandb_jupyter.Image(figure) instead"
        ) from None


def _lists(value: Any) -> Any:
    """numpy arrays anywhere in the figure as lists (W&B keeps them from becoming histograms)."""
    if isinstance(value, dict):
        return {k: _lists(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_lists(v) for v in value]
    if hasattr(value, "tolist") and hasattr(value, "ndim"):
        return [_lists(v) for v in (value.tolist() if value.ndim > 0 else [value.tolist()])]
    if isinstance(value, Media):
        return type(value).__name__
    return value
