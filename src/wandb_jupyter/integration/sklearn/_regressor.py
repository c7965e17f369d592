"""Charts for regressors: residuals and outlier candidates (Cook's distance), W&B's tables and presets."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn import model_selection

from ...common._term import termlog
from ._checks import fitted, over_limit, present, right_kinds
from ._log import log_chart
from ._shared import plot_learning_curve, plot_summary_metrics

__all__ = ["plot_regressor", "plot_residuals", "plot_outlier_candidates"]

#: W&B shows at most this many residuals of each of the train and test sets.
_RESIDUALS_PER_SET = 100


def plot_regressor(
    model: Any,
    X_train: Any,
    X_test: Any,
    y_train: Any,
    y_test: Any,
    model_name: str = "Regressor",
) -> None:
    """Every regressor chart W&B draws: summary metrics, learning curve, outlier candidates, residuals."""
    termlog(f"\nPlotting {model_name}.")
    plot_summary_metrics(model, X_train, y_train, X_test, y_test)
    termlog("Logged summary metrics.")
    plot_learning_curve(model, X_train, y_train)
    termlog("Logged learning curve.")
    plot_outlier_candidates(model, X_train, y_train)
    termlog("Logged outlier candidates.")
    plot_residuals(model, X_train, y_train)
    termlog("Logged residuals.")


def plot_outlier_candidates(regressor: Any = None, X: Any = None, y: Any = None) -> None:
    """Each sample's Cook's distance (its influence on a refit of ``regressor``), under ``outlier_candidates``."""
    if not (present(regressor=regressor, X=X, y=y) and right_kinds(regressor=regressor, X=X, y=y)):
        return
    if not fitted(regressor):
        return
    X, y = np.asarray(X), np.asarray(y)
    regressor.fit(X, y)
    leverage = (X * np.linalg.pinv(X).T).sum(1)
    freedom = X.shape[0] - np.linalg.matrix_rank(X)
    residuals = y - regressor.predict(X)
    mse = np.dot(residuals, residuals) / freedom
    studentized = residuals / np.sqrt(mse) / np.sqrt(1 - leverage)
    distances = studentized**2 / X.shape[1] * (leverage / (1 - leverage))
    threshold = 4 / X.shape[0]
    percentage = round(float(np.sum(distances >= threshold) / X.shape[0] * 100.0), 3)
    rows: list[list[Any]] = []
    for index, distance in enumerate(distances):
        rows.append([distance, index, percentage, threshold])
        if over_limit(len(rows), "outlier_candidates"):
            break
    columns = ["distance", "instance_indicies", "outlier_percentage", "influence_threshold"]
    log_chart("outlier_candidates", "wandb/outliers/v1", columns, rows)


def plot_residuals(regressor: Any = None, X: Any = None, y: Any = None) -> None:
    """Predicted value against residual on a fresh 80/20 split (refits ``regressor``), under ``residuals``."""
    if not (present(regressor=regressor, X=X, y=y) and right_kinds(regressor=regressor, X=X, y=y)):
        return
    if not fitted(regressor):
        return
    x_train, x_test, y_train, y_test = model_selection.train_test_split(X, np.asarray(y), test_size=0.2)
    regressor.fit(x_train, y_train)
    scores = (regressor.score(x_train, y_train), regressor.score(x_test, y_test))
    rows: list[list[Any]] = []
    for dataset, features, truth in (("train", x_train, y_train), ("test", x_test, y_test)):
        predicted = regressor.predict(features)
        for count, (value, residual) in enumerate(zip(predicted, predicted - truth), start=1):
            rows.append([dataset, value, residual, *scores])
            if over_limit(count, "residuals", _RESIDUALS_PER_SET):
                break
    columns = ["dataset", "y_pred", "residuals", "train_score", "test_score"]
    log_chart("residuals", "wandb/residuals_plot/v1", columns, rows)
