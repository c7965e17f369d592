"""``Histogram``, and the histogram W&B makes of a raw array of more than 32 values.

Counting is numpy's (``np.histogram``), so a 10^6-value array takes
milliseconds; NaN and infinities are left out of the counts (numpy cannot bin
them, and W&B's own call fails on them).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..common._errors import UsageError
from ._media import WBValue
from ._optional import require

__all__ = ["Histogram", "array_to_json", "ARRAY_HISTOGRAM_THRESHOLD"]

#: A raw array with more values than this is logged as a histogram of 32 bins, as W&B does.
ARRAY_HISTOGRAM_THRESHOLD = 32
_ARRAY_BINS = 32


class Histogram(WBValue):
    """Counts of values in bins: ``Histogram(sequence, num_bins=64)`` or ``Histogram(np_histogram=(counts, edges))``."""

    _log_type = "histogram"
    MAX_LENGTH = 512

    def __init__(
        self, sequence: Sequence[Any] | Any = None, np_histogram: tuple[Any, Any] | None = None, num_bins: int = 64
    ) -> None:
        if np_histogram:
            if len(np_histogram) != 2:
                raise UsageError("Histogram: np_histogram must be a pair (counts, bin_edges), as np.histogram returns")
            counts, edges = np_histogram
            self.histogram = counts.tolist() if hasattr(counts, "tolist") else list(counts)
            self.bins = edges.tolist() if hasattr(edges, "tolist") else list(edges)
        else:
            if sequence is None:
                raise UsageError("Histogram: pass a sequence of numbers or np_histogram=(counts, bin_edges)")
            if isinstance(num_bins, bool) or not isinstance(num_bins, int) or num_bins < 1:
                raise UsageError(f"Histogram: num_bins must be a positive integer, not {num_bins!r}")
            self.histogram, self.bins = _count(sequence, num_bins)
        if len(self.histogram) > self.MAX_LENGTH:
            raise UsageError(f"Histogram: at most {self.MAX_LENGTH} bins, not {len(self.histogram)}")
        if len(self.histogram) + 1 != len(self.bins):
            raise UsageError("Histogram: there must be one more bin edge than counts")

    def to_json(self, writer: Any = None) -> dict[str, Any]:
        return {"_type": self._log_type, "values": self.histogram, "bins": self.bins}

    def __repr__(self) -> str:
        return f"<Histogram {len(self.histogram)} bins>"


def _count(values: Any, bins: int) -> tuple[list[Any], list[float]]:
    np = require("numpy", "numpy", "wandb_jupyter.Histogram")
    if hasattr(values, "detach") and hasattr(values, "cpu"):  # torch tensors, gradients included
        values = values.detach().cpu().numpy()
    try:
        array = np.asarray(values, dtype=float).ravel()
    except (TypeError, ValueError):
        raise UsageError("Histogram: the values must be numbers") from None
    if array.size == 0:
        return [], []
    low, high = array.min(), array.max()  # NaN if any value is NaN
    if not (np.isfinite(low) and np.isfinite(high)):  # only then is a copy without NaN and infinities made
        array = array[np.isfinite(array)]
        if array.size == 0:
            return [], []
        low, high = array.min(), array.max()
    counts, edges = np.histogram(array, bins=bins, range=(low, high))  # the range given: not scanned again
    return counts.tolist(), edges.tolist()


def array_to_json(array: Any) -> Any:
    """A raw numpy array in a logged row: its value, its values, or a 32-bin histogram (W&B's rule)."""
    if array.size == 1:
        return array.reshape(-1)[0].item()
    if array.size <= ARRAY_HISTOGRAM_THRESHOLD:
        return array.tolist()
    if array.dtype.kind not in "biuf":
        raise TypeError(f"arrays of dtype {array.dtype} with over {ARRAY_HISTOGRAM_THRESHOLD} values cannot be logged")
    counts, edges = _count(array, _ARRAY_BINS)
    return {"_type": "histogram", "values": counts, "bins": edges}
