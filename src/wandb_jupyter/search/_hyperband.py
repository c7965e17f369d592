"""Hyperband early termination, as W&B's sweeps apply it to the metric's history.

At each band (a number of logged values of the metric), the runs that reached it are ranked by
the best value they had logged so far; a running run outside the best ``1/eta`` of them is
stopped. One band needs at least two runs to compare.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

from ._config import Hyperband, Metric

__all__ = ["runs_to_stop"]


def _best(values: Sequence[float], metric: Metric) -> float:
    return min(values) if metric.goal == "minimize" else max(values)


def runs_to_stop(
    rule: Hyperband, metric: Metric, histories: Mapping[str, Sequence[float]], running: Iterable[str]
) -> list[str]:
    """The running runs that hyperband ends now; ``histories`` holds each run's metric values in order."""
    running = [run for run in running if run in histories]
    stop: list[str] = []
    for band in rule.bands:
        reached = {run: _best(values[:band], metric) for run, values in histories.items() if len(values) >= band}
        if len(reached) < 2:
            continue
        ranked = sorted(reached.values(), reverse=metric.goal == "maximize")
        threshold = ranked[max(1, math.floor(len(ranked) / rule.eta)) - 1]
        for run in running:
            if run in reached and run not in stop and metric.better(threshold, reached[run]):
                stop.append(run)
    return stop
