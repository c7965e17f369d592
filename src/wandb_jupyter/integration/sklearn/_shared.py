"""Charts for any fitted model: summary metrics and the learning curve."""

from __future__ import annotations

from typing import Any

import numpy as np
import sklearn.base
import sklearn.metrics
from sklearn import model_selection

from ._checks import CHART_LIMIT, fitted, over_limit, present, right_kinds
from ._log import log_chart

__all__ = ["plot_summary_metrics", "plot_learning_curve"]


def plot_summary_metrics(
    model: Any = None, X: Any = None, y: Any = None, X_test: Any = None, y_test: Any = None
) -> None:
    """Accuracy, precision, recall and F1 (classifier) or MAE, MSE and R2 (regressor) on the test set."""
    arguments = {"model": model, "X": X, "y": y, "X_test": X_test, "y_test": y_test}
    if not (present(**arguments) and right_kinds(**arguments) and fitted(model)):
        return
    y_test = np.asarray(y_test)
    predicted = model.predict(X_test)
    if sklearn.base.is_classifier(model):
        metrics = {
            "accuracy_score": sklearn.metrics.accuracy_score(y_test, predicted),
            "precision": sklearn.metrics.precision_score(y_test, predicted, average="weighted"),
            "recall": sklearn.metrics.recall_score(y_test, predicted, average="weighted"),
            "f1_score": sklearn.metrics.f1_score(y_test, predicted, average="weighted"),
        }
    else:
        metrics = {
            "mae": sklearn.metrics.mean_absolute_error(y_test, predicted),
            "mse": sklearn.metrics.mean_squared_error(y_test, predicted),
            "r2_score": sklearn.metrics.r2_score(y_test, predicted),
        }
    name = type(model).__name__
    rows = [[metric, round(float(value), 2), name] for metric, value in metrics.items()]
    log_chart("summary_metrics", "wandb/metrics/v1", ["metric_name", "metric_value", "model_name"], rows)


def plot_learning_curve(
    model: Any = None,
    X: Any = None,
    y: Any = None,
    cv: Any = None,
    shuffle: bool = False,
    random_state: Any = None,
    train_sizes: Any = None,
    n_jobs: int | None = 1,
    scoring: Any = None,
) -> None:
    """Mean train and cross-validation scores against training set size (fits the model several times)."""
    if not (present(model=model, X=X, y=y) and right_kinds(model=model, X=X, y=y)):
        return
    sizes, train_scores, test_scores = model_selection.learning_curve(
        model,
        X,
        np.asarray(y),
        cv=cv,
        n_jobs=n_jobs,
        train_sizes=np.linspace(0.1, 1.0, 5) if train_sizes is None else train_sizes,
        scoring=scoring,
        shuffle=shuffle,
        random_state=random_state,
    )
    rows: list[list[Any]] = []
    for i, (train, test) in enumerate(zip(train_scores.mean(axis=1), test_scores.mean(axis=1))):
        if over_limit(i, "learning_curve", CHART_LIMIT / 2):
            break
        rows.append(["train", round(float(train), 2), sizes[i]])
        rows.append(["test", round(float(test), 2), sizes[i]])
    log_chart("learning_curve", "wandb/learning_curve/v1", ["dataset", "score", "train_size"], rows)
