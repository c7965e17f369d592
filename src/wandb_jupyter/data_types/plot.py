"""``wandb_jupyter.plot``: W&B's preset charts, each a :class:`Table` plus a chart spec.

Logging ``{"loss_curve": plot.line(table, "x", "y")}`` stores the table under
``loss_curve_table`` (``Custom Chart Tables/loss_curve_table`` with
``split_table=True``) and the spec under ``_wandb.visualize.loss_curve`` in the
run config, field for field as W&B 0.31 writes them. ``roc_curve`` and
``pr_curve`` compute the curves with numpy the way scikit-learn does (W&B
calls scikit-learn; it is not needed here).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..common._errors import UsageError
from ._optional import require
from ._table import Table
from ._visualize import visualize

__all__ = [
    "CustomChart",
    "plot_table",
    "visualize",
    "line",
    "scatter",
    "bar",
    "histogram",
    "line_series",
    "confusion_matrix",
    "roc_curve",
    "pr_curve",
]


class CustomChart:
    """A table and the Vega spec that draws it; ``log()`` turns it into the table plus a config entry."""

    #: The ``_wandb`` section of the run config that holds this chart's spec.
    config_section = "visualize"

    def __init__(
        self,
        table: Table,
        spec_name: str,
        fields: Mapping[str, Any],
        string_fields: Mapping[str, Any],
        split_table: bool = False,
    ) -> None:
        self.table = table
        self.spec_name = spec_name
        self.fields = dict(fields)
        self.string_fields = dict(string_fields)
        self.split_table = split_table
        self.key = ""

    def table_key(self, key: str) -> str:
        return f"Custom Chart Tables/{key}_table" if self.split_table else f"{key}_table"

    def config_value(self, key: str) -> dict[str, Any]:
        """The ``_wandb.visualize.<key>`` entry W&B's UI reads to draw the chart."""
        run_fields = [
            {"name": "id", "fields": []},
            {"name": "name", "fields": []},
            {"name": "_defaultColorIndex", "fields": []},
            {"name": "summaryTable", "args": [{"name": "tableKey", "value": self.table_key(key)}], "fields": []},
        ]
        return {
            "panel_type": "Vega2",
            "panel_config": {
                "panelDefId": self.spec_name,
                "fieldSettings": self.fields,
                "stringSettings": self.string_fields,
                "transform": {"name": "tableWithLeafColNames"},
                "userQuery": {
                    "queryFields": [
                        {"name": "runSets", "args": [{"name": "runSets", "value": "${runSets}"}], "fields": run_fields}
                    ]
                },
            },
        }

    def __repr__(self) -> str:
        return f"<CustomChart {self.spec_name} {self.table!r}>"


def plot_table(
    vega_spec_name: str,
    data_table: Table,
    fields: Mapping[str, Any],
    string_fields: Mapping[str, Any] | None = None,
    split_table: bool = False,
) -> CustomChart:
    """A custom chart: ``data_table`` drawn by the Vega spec ``vega_spec_name`` with ``fields`` mapped to columns."""
    if not isinstance(data_table, Table):
        raise UsageError(f"plot_table: data_table must be a wandb_jupyter.Table, not {type(data_table).__name__}")
    return CustomChart(data_table, vega_spec_name, fields, string_fields or {}, split_table)


def _columns(what: str, table: Any, *names: str | None) -> None:
    """UsageError naming a column the chart needs that the table lacks."""
    if not isinstance(table, Table):
        raise UsageError(f"plot.{what}: the first argument must be a wandb_jupyter.Table, not {type(table).__name__}")
    for name in names:
        if name is not None and name not in table.columns:
            raise UsageError(f"plot.{what}: the table has no column {name!r}; its columns are {table.columns}")


def line(
    table: Table, x: str, y: str, stroke: str | None = None, title: str = "", split_table: bool = False
) -> CustomChart:
    """A line of column ``y`` over column ``x``."""
    _columns("line", table, x, y, stroke)
    return plot_table("wandb/line/v0", table, {"x": x, "y": y, "stroke": stroke}, {"title": title}, split_table)


def scatter(table: Table, x: str, y: str, title: str = "", split_table: bool = False) -> CustomChart:
    """Points of column ``y`` against column ``x``."""
    _columns("scatter", table, x, y)
    return plot_table("wandb/scatter/v0", table, {"x": x, "y": y}, {"title": title}, split_table)


def bar(table: Table, label: str, value: str, title: str = "", split_table: bool = False) -> CustomChart:
    """One bar per row: ``value`` under ``label``."""
    _columns("bar", table, label, value)
    return plot_table("wandb/bar/v0", table, {"label": label, "value": value}, {"title": title}, split_table)


def histogram(table: Table, value: str, title: str = "", split_table: bool = False) -> CustomChart:
    """A histogram of column ``value``."""
    _columns("histogram", table, value)
    return plot_table("wandb/histogram/v0", table, {"value": value}, {"title": title}, split_table)


def line_series(
    xs: Iterable[Any],
    ys: Iterable[Iterable[Any]],
    keys: Iterable[str] | None = None,
    title: str = "",
    xname: str = "x",
    split_table: bool = False,
) -> CustomChart:
    """Several lines in one chart: ``ys[i]`` over ``xs`` (one x list for all, or one per line)."""
    ys = [list(y) for y in ys]
    xs = list(xs)
    if not xs or not isinstance(xs[0], Iterable) or isinstance(xs[0], (str, bytes)):
        xs = [xs] * len(ys)
    if len(xs) != len(ys):
        raise UsageError(f"plot.line_series: {len(xs)} x-series for {len(ys)} y-series; give one, or one per line")
    keys = [f"line_{i}" for i in range(len(ys))] if keys is None else list(keys)
    if len(keys) != len(ys):
        raise UsageError(f"plot.line_series: {len(keys)} keys for {len(ys)} y-series")
    data = [[x, keys[i], y] for i, (xx, yy) in enumerate(zip(xs, ys)) for x, y in zip(xx, yy)]
    table = Table(data=data, columns=["step", "lineKey", "lineVal"])
    return plot_table(
        "wandb/lineseries/v0",
        table,
        {"step": "step", "lineKey": "lineKey", "lineVal": "lineVal"},
        {"title": title, "xname": xname},
        split_table,
    )


def confusion_matrix(
    probs: Sequence[Sequence[float]] | None = None,
    y_true: Sequence[Any] | None = None,
    preds: Sequence[Any] | None = None,
    class_names: Sequence[str] | None = None,
    title: str = "Confusion Matrix Curve",
    split_table: bool = False,
) -> CustomChart:
    """Counts of each (actual, predicted) pair of classes, from ``preds`` or the argmax of ``probs``."""
    np = require("numpy", "numpy", "plot.confusion_matrix")
    if probs is not None and preds is not None:
        raise UsageError("plot.confusion_matrix: give probs or preds, not both")
    if y_true is None or (probs is None and preds is None):
        raise UsageError("plot.confusion_matrix: needs y_true and one of probs or preds")
    if probs is not None:
        preds = np.argmax(probs, axis=1).tolist()
    preds, y_true = list(preds or []), list(y_true)
    if len(preds) != len(y_true):
        raise UsageError(f"plot.confusion_matrix: {len(preds)} predictions for {len(y_true)} true labels")
    if class_names is not None:
        n_classes = len(class_names)
        class_idx: Any = list(range(n_classes))
        if len(set(preds)) > n_classes or len(set(y_true)) > n_classes:
            raise UsageError(f"plot.confusion_matrix: more distinct classes than the {n_classes} class_names")
    else:
        class_idx = set(preds).union(set(y_true))
        n_classes = len(class_idx)
        class_names = [f"Class_{i + 1}" for i in range(n_classes)]
    mapping = {value: i for i, value in enumerate(sorted(class_idx))}
    counts = np.zeros((n_classes, n_classes))
    for actual, predicted in zip(y_true, preds):
        try:
            counts[mapping[actual], mapping[predicted]] += 1
        except KeyError as missing:
            raise UsageError(
                f"plot.confusion_matrix: label {missing} is not one of the classes 0..{n_classes - 1} "
                "that class_names names"
            ) from None
    data = [[class_names[i], class_names[j], counts[i, j]] for i in range(n_classes) for j in range(n_classes)]
    table = Table(columns=["Actual", "Predicted", "nPredictions"], data=data)
    return plot_table(
        "wandb/confusion_matrix/v1",
        table,
        {"Actual": "Actual", "Predicted": "Predicted", "nPredictions": "nPredictions"},
        {"title": title},
        split_table,
    )


def _binary_curve(np: Any, y_true: Any, scores: Any, positive: Any) -> tuple[Any, Any]:
    """False and true positive counts at each distinct score, highest first (scikit-learn's _binary_clf_curve)."""
    hits = y_true == positive
    order = np.argsort(scores, kind="mergesort")[::-1]
    scores, hits = scores[order], hits[order]
    distinct = np.where(np.diff(scores))[0]
    thresholds = np.r_[distinct, hits.size - 1]
    tps = np.cumsum(hits, dtype=np.float64)[thresholds]
    fps = 1 + thresholds - tps
    return fps, tps


def _roc(np: Any, y_true: Any, scores: Any, positive: Any) -> tuple[Any, Any]:
    fps, tps = _binary_curve(np, y_true, scores, positive)
    if len(fps) > 2:  # scikit-learn's drop_intermediate: keep the corners only
        keep = np.where(np.r_[True, np.logical_or(np.diff(fps, 2), np.diff(tps, 2)), True])[0]
        fps, tps = fps[keep], tps[keep]
    fps, tps = np.r_[0, fps], np.r_[0, tps]
    with np.errstate(invalid="ignore", divide="ignore"):
        return fps / fps[-1], tps / tps[-1]


def _precision_recall(np: Any, y_true: Any, scores: Any, positive: Any) -> tuple[Any, Any]:
    fps, tps = _binary_curve(np, y_true, scores, positive)
    predicted = tps + fps
    precision = np.zeros_like(tps)
    np.divide(tps, predicted, out=precision, where=predicted != 0)
    recall = np.ones_like(tps) if tps[-1] == 0 else tps / tps[-1]
    return np.hstack((precision[::-1], 1)), np.hstack((recall[::-1], 0))


def _curve_inputs(what: str, y_true: Any, y_probas: Any) -> tuple[Any, Any, Any]:
    np = require("numpy", "numpy", f"plot.{what}")
    if y_true is None or y_probas is None:
        raise UsageError(f"plot.{what}: needs y_true and y_probas")
    y_true, y_probas = np.array(y_true), np.array(y_probas)
    if y_probas.ndim != 2 or len(y_true) != len(y_probas):
        raise UsageError(
            f"plot.{what}: y_probas must be (samples, classes) with one row per y_true label, not "
            f"shape {list(y_probas.shape)} for {len(y_true)} labels"
        )
    if y_probas.dtype.kind not in "iuf":
        raise UsageError(f"plot.{what}: y_probas must be numbers")
    return np, y_true, y_probas


def _label(np: Any, classes: Any, index: int, labels: Any) -> Any:
    if labels is not None and (isinstance(classes[index], int) or isinstance(classes[0], np.integer)):
        return labels[classes[index]]
    return classes[index]


def _curve_rows(np: Any, per_class: dict[Any, tuple[Any, Any]]) -> list[list[Any]]:
    """Rows (class, x, y) rounded to 3 places, as W&B's DataFrame.round(3) gives them."""
    classes = np.hstack([[k] * len(v[0]) for k, v in per_class.items()])
    xs = np.round(np.hstack([v[0] for v in per_class.values()]), 3)
    ys = np.round(np.hstack([v[1] for v in per_class.values()]), 3)
    return [[c, x, y] for c, x, y in zip(classes.tolist(), xs.tolist(), ys.tolist())]


def roc_curve(
    y_true: Sequence[Any],
    y_probas: Sequence[Sequence[float]] | None = None,
    labels: list[str] | None = None,
    classes_to_plot: list[Any] | None = None,
    title: str = "ROC Curve",
    split_table: bool = False,
) -> CustomChart:
    """The ROC curve of each class (one against the rest) from true labels and class probabilities."""
    np, truth, probas = _curve_inputs("roc_curve", y_true, y_probas)
    classes = np.unique(truth)
    wanted = classes if classes_to_plot is None else classes_to_plot
    curves = {}
    for i in np.where(np.isin(classes, wanted))[0]:
        fpr, tpr = _roc(np, truth, probas[..., i], classes[i])
        curves[_label(np, classes, i, labels)] = (fpr, tpr)
    rows = _curve_rows(np, curves)
    table = Table(columns=["class", "fpr", "tpr"], data=rows[: Table.MAX_ROWS])
    return plot_table(
        "wandb/area-under-curve/v0",
        table,
        {"x": "fpr", "y": "tpr", "class": "class"},
        {"title": title, "x-axis-title": "False positive rate", "y-axis-title": "True positive rate"},
        split_table,
    )


def pr_curve(
    y_true: Sequence[Any] | None = None,
    y_probas: Sequence[Sequence[float]] | None = None,
    labels: list[str] | None = None,
    classes_to_plot: list[Any] | None = None,
    interp_size: int = 21,
    title: str = "Precision-Recall Curve",
    split_table: bool = False,
) -> CustomChart:
    """The precision-recall curve of each class, interpolated at ``interp_size`` recall levels."""
    np, truth, probas = _curve_inputs("pr_curve", y_true, y_probas)
    classes = np.unique(truth)
    wanted = classes if classes_to_plot is None else classes_to_plot
    recall_levels = np.linspace(0, 1, interp_size)[::-1]
    curves = {}
    for i in np.where(np.isin(classes, wanted))[0]:
        precision, recall = _precision_recall(np, truth, probas[:, i], classes[i])
        precision = np.maximum.accumulate(precision)[::-1]
        recall = recall[::-1]
        at = np.searchsorted(recall, recall_levels, side="left")
        curves[_label(np, classes, i, labels)] = (precision[at], recall_levels)
    rows = [[c, p, r] for c, p, r in _curve_rows(np, curves)]
    table = Table(columns=["class", "precision", "recall"], data=rows[: Table.MAX_ROWS])
    return plot_table(
        "wandb/area-under-curve/v0",
        table,
        {"x": "recall", "y": "precision", "class": "class"},
        {"title": title, "x-axis-title": "Recall", "y-axis-title": "Precision"},
        split_table,
    )
