"""``define_metric``: how a logged key is summarised, which key is its x axis, whether it is hidden.

W&B 0.31 records every definition in the config's ``_wandb`` block as ``m``: a list of
entries keyed by the field numbers of its ``MetricRecord`` (``"1"`` name, ``"2"`` glob
name, ``"5"`` the 1-based index of the step metric's entry, ``"6"`` options: 1 step_sync,
3 defined, 2 hidden; ``"7"`` summary: 1 min, 2 max, 3 mean, 4 best, 5 last, 6 none,
8 first; ``"8"`` goal: 1 minimize, 2 maximize). A step metric that was never defined
gets an entry of its own with no options. The summary follows the definitions: a key
with summary operations holds ``{"min": ..., "max": ...}``, ``none`` drops the key,
no operation keeps the last value.

``goal`` and ``summary="best"`` are older W&B arguments (0.31 rejects them); they are
accepted here and recorded in the same fields W&B's protocol keeps for them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ..common._errors import UsageError
from ..common._logging import warn_once

__all__ = ["Metric", "MetricDefinitions", "recorded_metrics"]

#: W&B's MetricSummary field numbers, in the order W&B lists them in ``"7"``.
SUMMARY_OPS = {"min": 1, "max": 2, "mean": 3, "best": 4, "last": 5, "none": 6, "copy": 7, "first": 8}
_OP_NAMES = {number: name for name, number in SUMMARY_OPS.items()}
GOALS = {"minimize": 1, "maximize": 2}
_GOAL_NAMES = {number: name for name, number in GOALS.items()}
_STEP_SYNC, _HIDDEN, _DEFINED = 1, 2, 3


class Metric:
    """What one ``define_metric()`` call declared (W&B's ``wandb_metric.Metric``)."""

    def __init__(
        self,
        name: str,
        step_metric: str | None = None,
        step_sync: bool | None = None,
        hidden: bool | None = None,
        summary: Iterable[str] | None = None,
        goal: str | None = None,
    ) -> None:
        self._name = name
        self._step_metric = step_metric
        self._step_sync = step_sync if step_sync is not None else step_metric is not None
        self._hidden = hidden
        self._summary = tuple(summary) if summary is not None else None
        self._goal = goal

    name = property(lambda self: self._name)
    step_metric = property(lambda self: self._step_metric)
    step_sync = property(lambda self: self._step_sync)
    hidden = property(lambda self: self._hidden)
    summary = property(lambda self: self._summary)
    goal = property(lambda self: self._goal)

    @property
    def is_glob(self) -> bool:
        return self._name.endswith("*")

    def matches(self, key: str) -> bool:
        """A glob ``train/*`` matches every key it prefixes (W&B: suffix globs only, not ``_`` keys)."""
        return key.startswith(self._name[:-1]) and not key.startswith("_")

    def merged_into(self, old: Metric | None) -> Metric:
        """This call merged with an earlier one for the same name (W&B's default, ``overwrite=False``)."""
        if old is None:
            return self
        merged = Metric(self._name)
        merged._step_metric = self._step_metric or old._step_metric
        merged._step_sync = self._step_sync or old._step_sync
        merged._hidden = self._hidden if self._hidden is not None else old._hidden
        merged._summary = tuple(dict.fromkeys((*(old._summary or ()), *(self._summary or ())))) or None
        merged._goal = self._goal or old._goal
        return merged

    def __repr__(self) -> str:
        return f"<Metric {self._name!r} step_metric={self._step_metric!r} summary={self._summary!r}>"


def _check_type(arg: str, value: Any, kind: type) -> None:
    if value is not None and not isinstance(value, kind):
        raise UsageError(f"define_metric({arg}=...) must be {kind.__name__}, not {type(value).__name__}")


def parse_definition(
    name: Any, step_metric: Any = None, step_sync: Any = None, hidden: Any = None, summary: Any = None, goal: Any = None
) -> Metric:
    """One ``define_metric()`` call checked as W&B checks it; a bad argument is one UsageError."""
    if not name:
        raise UsageError("define_metric() requires a non-empty name")
    if isinstance(step_metric, Metric):
        step_metric = step_metric.name
    for arg, value, kind in (
        ("name", name, str),
        ("step_metric", step_metric, str),
        ("step_sync", step_sync, bool),
        ("hidden", hidden, bool),
        ("summary", summary, str),
        ("goal", goal, str),
    ):
        _check_type(arg, value, kind)
    if "*" in (name[:-1] if name.endswith("*") else name):
        raise UsageError(f"define_metric({name!r}): only a trailing * is supported (like 'train/*')")
    ops = None
    if summary:
        ops = [op.strip().lower() for op in summary.split(",")]
        unknown = [op for op in ops if op not in SUMMARY_OPS]
        if unknown:
            raise UsageError(
                f"define_metric(summary={summary!r}): unknown {', '.join(unknown)}; expected a "
                "comma-separated list of min, max, mean, first, last, best, none"
            )
        if "copy" in ops:
            warn_once("define-metric-copy", "define_metric(summary='copy') is deprecated (as in W&B); it is ignored")
    if goal is not None:
        goal = {"min": "minimize", "max": "maximize"}.get(goal[:3].lower())
        if goal is None:
            raise UsageError("define_metric(goal=...) must be 'minimize' or 'maximize'")
    if ops and "best" in ops and goal is None:
        raise UsageError(f"define_metric({name!r}, summary='best') needs goal='minimize' or goal='maximize'")
    return Metric(name, step_metric, step_sync, hidden, ops, goal)


class _Aggregate:
    """The running summary values of one key: min, max, mean, first, last."""

    __slots__ = ("count", "total", "low", "high", "first", "last", "seen")

    def __init__(self) -> None:
        self.count = 0
        self.total = 0.0
        self.low: float | None = None
        self.high: float | None = None
        self.first: Any = None
        self.last: Any = None
        self.seen = False

    def add(self, value: Any) -> None:
        if not self.seen:
            self.first, self.seen = value, True
        self.last = value
        kind = type(value)
        if kind is not float and kind is not int and (kind is bool or not isinstance(value, (int, float))):
            return  # min, max and mean take numbers only (W&B skips other values)
        self.count += 1
        self.total += value
        if value != value:  # NaN wins min and max, as Go's math.Min/math.Max (W&B's summary) decide
            self.low = self.high = math.nan
            return
        low, high = self.low, self.high
        if low is None or value < low:  # a NaN low stays: no comparison with NaN is true
            self.low = value
        if high is None or value > high:
            self.high = value

    def values(self, metric: Metric) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for op in metric.summary or ():
            if op == "min" and self.low is not None:
                out["min"] = self.low
            elif op == "max" and self.high is not None:
                out["max"] = self.high
            elif op == "mean" and self.count:
                out["mean"] = self.total / self.count
            elif op == "first":
                out["first"] = self.first
            elif op == "last":
                out["last"] = self.last
            elif op == "best":
                best = self.low if metric.goal == "minimize" else self.high
                if best is not None:
                    out["best"] = best
        return out


class MetricDefinitions:
    """A run's metric definitions, and what they do to its rows and its summary."""

    def __init__(self, on_change: Callable[[], None] | None = None) -> None:
        self._on_change = on_change
        self._metrics: dict[str, Metric] = {}
        self._globs: list[Metric] = []
        self._step_keys: set[str] = set()  # keys that are some metric's step metric
        self._last_step_values: dict[str, Any] = {}
        self._aggregates: dict[str, _Aggregate] = {}
        self._resolved: dict[str, Metric | None] = {}  # key -> its metric (explicit name beats glob)
        # per set of row keys (rows repeat theirs): what step_sync adds, which keys aggregate
        self._plans: dict[tuple[str, ...], tuple[list[str], list[tuple[str, Metric]]]] = {}

    def __bool__(self) -> bool:
        return bool(self._metrics or self._globs)

    def continue_from(self, summary: Mapping[str, Any]) -> None:
        """A resumed run: the aggregates go on from the summary its last session left
        (min, max, first and last; a mean starts again, its count is not kept), and step_sync from
        the step metrics' last values."""
        for key in self._step_keys.intersection(summary):
            if not isinstance(summary[key], dict):
                self._last_step_values[key] = summary[key]
        for key, values in summary.items():
            metric = self.metric_for(key)
            if metric is None or not metric.summary or not isinstance(values, dict):
                continue
            aggregate = self._aggregates[key] = _Aggregate()
            aggregate.low, aggregate.high = values.get("min"), values.get("max")
            if metric.goal and "best" in values:
                if metric.goal == "minimize":
                    aggregate.low = values["best"]
                else:
                    aggregate.high = values["best"]
            if "first" in values:
                aggregate.first, aggregate.seen = values["first"], True
            aggregate.last = values.get("last")

    def define(self, metric: Metric, *, overwrite: bool | None = None) -> Metric:
        old = self._metrics.get(metric.name)
        stored = metric if overwrite else metric.merged_into(old)
        self._metrics[metric.name] = stored
        self._globs = [m for m in self._metrics.values() if m.is_glob]
        self._step_keys = {m.step_metric for m in self._metrics.values() if m.step_metric}
        self._resolved.clear()
        self._plans.clear()
        if self._on_change is not None:
            self._on_change()
        return metric

    def metric_for(self, key: str) -> Metric | None:
        try:
            return self._resolved[key]
        except KeyError:
            pass
        found = self._metrics.get(key)
        if found is None or found.is_glob:
            found = next((m for m in self._globs if m.matches(key)), None)
        self._resolved[key] = found
        return found

    # -- rows and summary -------------------------------------------------
    def _plan(self, keys: tuple[str, ...]) -> tuple[list[str], list[tuple[str, Metric]]]:
        """For rows with these keys: the step metrics step_sync may add, and the keys with summary operations."""
        plan = self._plans.get(keys)
        if plan is None:
            synced: list[str] = []
            aggregated: list[tuple[str, Metric]] = []
            for key in keys:
                metric = self.metric_for(key)
                if metric is None:
                    continue
                step_key = metric.step_metric
                syncs = step_key and metric.step_sync and key not in self._step_keys and step_key not in keys
                if syncs and step_key not in synced:
                    synced.append(step_key)
                if metric.summary and set(metric.summary) - {"copy"}:
                    aggregated.append((key, metric))
            plan = self._plans[keys] = (synced, aggregated)
        return plan

    def complete_row(self, row: dict[str, Any]) -> None:
        """Add the last value of a step metric to a row that logs its metric without it (``step_sync``)."""
        synced, _ = self._plan(tuple(row))
        for step_key in synced:
            if step_key in self._last_step_values:
                row[step_key] = self._last_step_values[step_key]
        for key in self._step_keys.intersection(row):
            self._last_step_values[key] = row[key]

    def summarize(self, row: Mapping[str, Any], summary: dict[str, Any]) -> None:
        """Update ``summary`` from a committed row the way the definitions say."""
        _, aggregated = self._plan(tuple(row))
        summary.update(row)
        for key, metric in aggregated:
            if "none" in metric.summary:
                summary.pop(key, None)
                continue
            aggregate = self._aggregates.get(key)
            if aggregate is None:
                aggregate = self._aggregates[key] = _Aggregate()
            aggregate.add(row[key])
            values = aggregate.values(metric)
            if values:
                summary[key] = values
            else:  # nothing to show yet (a text value under min): the key waits for a number
                summary.pop(key, None)

    # -- W&B's config record ----------------------------------------------
    def encoded(self) -> list[dict[str, Any]]:
        """The ``_wandb.m`` list, in definition order; step metrics referenced get entries of their own."""
        entries: list[dict[str, Any]] = []
        index: dict[str, int] = {}

        def entry_of(name: str) -> int:
            if name not in index:
                metric = self._metrics.get(name)
                entries.append({})  # reserve the place before the step metric's own entry
                index[name] = len(entries)
                entries[index[name] - 1] = _encode(metric, entry_of) if metric else {"1": name, "6": [], "7": []}
            return index[name]

        for name in self._metrics:
            entry_of(name)
        return entries

    def load(self, encoded: Any) -> None:
        """Definitions recorded by an earlier session of this run (resume)."""
        if not isinstance(encoded, list):
            return
        entries = [entry for entry in encoded if isinstance(entry, dict)]
        names = [entry.get("1") or entry.get("2") for entry in entries]
        for entry, name in zip(entries, names):
            options = entry.get("6") or []
            if not isinstance(name, str) or (_DEFINED not in options and "2" not in entry):
                continue  # an entry that only names a step metric
            step_index = entry.get("5")
            step_metric = (
                names[step_index - 1] if isinstance(step_index, int) and 0 < step_index <= len(names) else None
            )
            ops = [_OP_NAMES[n] for n in entry.get("7") or [] if n in _OP_NAMES]
            goal = entry.get("8")
            metric = Metric(
                name,
                step_metric if isinstance(step_metric, str) else None,
                _STEP_SYNC in options,
                True if _HIDDEN in options else None,
                ops or None,
                _GOAL_NAMES.get(goal) if isinstance(goal, int) else None,
            )
            self._metrics[metric.name] = metric
        self._globs = [m for m in self._metrics.values() if m.is_glob]
        self._step_keys = {m.step_metric for m in self._metrics.values() if m.step_metric}
        self._resolved.clear()
        self._plans.clear()


def recorded_metrics(config: Any) -> list[dict[str, Any]] | None:
    """The ``m`` list of a config in W&B's form (config.yaml, or UpsertBucket's JSON), if it has one."""
    block = config.get("_wandb") if isinstance(config, dict) else None
    block = block.get("value", block) if isinstance(block, dict) else None
    entries = block.get("m") if isinstance(block, dict) else None
    return entries if isinstance(entries, list) and entries else None


def _encode(metric: Metric, entry_of: Callable[[str], int]) -> dict[str, Any]:
    entry: dict[str, Any] = {"2": metric.name} if metric.is_glob else {"1": metric.name}
    if metric.step_metric:
        entry["5"] = entry_of(metric.step_metric)
    options = []
    if metric.step_sync:
        options.append(_STEP_SYNC)
    if not metric.is_glob:
        options.append(_DEFINED)
    if metric.hidden:
        options.append(_HIDDEN)
    entry["6"] = options
    entry["7"] = sorted({SUMMARY_OPS[op] for op in metric.summary or () if op != "copy"})
    if metric.goal:
        entry["8"] = GOALS[metric.goal]
    return entry
