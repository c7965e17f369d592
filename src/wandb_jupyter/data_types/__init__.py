"""W&B's data types: Image, Histogram, Table, plot, Audio, Html, Video, Object3D, Molecule, Plotly.

Each lands in a run as W&B writes it: a file under ``files/media/<kind>/`` and a
``{"_type": ...}`` value in the history row and the summary. This package
imports no optional library itself (numpy, Pillow, pandas, matplotlib, plotly
are imported by the type that needs them), and its names load on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "Image",
    "ImageMask",
    "BoundingBoxes2D",
    "Classes",
    "Histogram",
    "Table",
    "Audio",
    "Html",
    "Video",
    "Object3D",
    "Plotly",
    "Molecule",
    "plot",
    "plot_table",
    "visualize",
]

#: Public name -> the module that defines it.
_HOMES = {
    "Image": "._image",
    "ImageMask": "._image",
    "BoundingBoxes2D": "._image",
    "Classes": "._image",
    "Histogram": "._histogram",
    "Table": "._table",
    "Audio": "._audio",
    "Html": "._html",
    "Video": "._video",
    "Object3D": "._object3d",
    "Plotly": "._plotly",
    "Molecule": "._molecule",
    "plot_table": ".plot",
    "visualize": "._visualize",
}


def __getattr__(name: str) -> Any:
    if name == "plot":
        return importlib.import_module(".plot", __name__)
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
