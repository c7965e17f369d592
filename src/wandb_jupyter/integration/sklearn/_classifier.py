"""Charts for classifiers: feature importances, confusion matrix, class proportions, calibration, ROC, PR.

Tables, columns and chart presets are W&B 0.31's (``wandb.sklearn``), so W&B's
UI draws them; ROC and PR curves are :func:`~wandb_jupyter.plot.roc_curve` and
:func:`~wandb_jupyter.plot.pr_curve`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn import model_selection, naive_bayes
from sklearn.calibration import CalibratedClassifierCV, calibration_curve
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import confusion_matrix as sklearn_confusion_matrix
from sklearn.utils.multiclass import unique_labels

from ...common._errors import UsageError
from ...common._term import termlog, termwarn
from ...data_types import plot
from .._run import active_run
from ._checks import CHART_LIMIT, fitted, over_limit, present, right_kinds
from ._log import log_chart
from ._shared import plot_learning_curve, plot_summary_metrics

__all__ = [
    "plot_classifier",
    "plot_roc",
    "plot_precision_recall",
    "plot_confusion_matrix",
    "plot_feature_importances",
    "plot_class_proportions",
    "plot_calibration_curve",
]

#: Where a fitted model keeps what each feature weighs, in the order W&B looks.
_IMPORTANCE_ATTRIBUTES = ("feature_importances_", "feature_log_prob_", "coef_")


def plot_classifier(
    model: Any,
    X_train: Any,
    X_test: Any,
    y_train: Any,
    y_test: Any,
    y_pred: Any,
    y_probas: Any,
    labels: Any,
    is_binary: bool = False,
    model_name: str = "Classifier",
    feature_names: Any = None,
    log_learning_curve: bool = False,
) -> None:
    """Every classifier chart W&B draws, each logged under its own key (``is_binary`` is unused, as in W&B)."""
    termlog(f"\nPlotting {model_name}.")
    multinomial = isinstance(model, naive_bayes.MultinomialNB)
    if not multinomial:
        plot_feature_importances(model, feature_names)
        termlog("Logged feature importances.")
    if log_learning_curve:
        plot_learning_curve(model, X_train, y_train)
        termlog("Logged learning curve.")
    plot_confusion_matrix(y_test, y_pred, labels)
    termlog("Logged confusion matrix.")
    plot_summary_metrics(model, X=X_train, y=y_train, X_test=X_test, y_test=y_test)
    termlog("Logged summary metrics.")
    plot_class_proportions(y_train, y_test, labels)
    termlog("Logged class proportions.")
    if not multinomial:
        plot_calibration_curve(model, X_train, y_train, model_name)
        termlog("Logged calibration curve.")
    plot_roc(y_test, y_probas, labels)
    termlog("Logged roc curve.")
    plot_precision_recall(y_test, y_probas, labels)
    termlog("Logged precision-recall curve.")


def plot_roc(
    y_true: Any = None,
    y_probas: Any = None,
    labels: Any = None,
    plot_micro: bool = True,
    plot_macro: bool = True,
    classes_to_plot: Any = None,
) -> None:
    """The ROC curve of each class, logged under ``roc`` (``plot_micro``/``plot_macro`` unused, as in W&B)."""
    chart = plot.roc_curve(y_true, y_probas, labels, classes_to_plot)
    active_run("wandb_jupyter.sklearn.plot_roc()").log({"roc": chart})


def plot_precision_recall(
    y_true: Any = None, y_probas: Any = None, labels: Any = None, plot_micro: bool = True, classes_to_plot: Any = None
) -> None:
    """The precision-recall curve of each class, logged under ``precision_recall``."""
    chart = plot.pr_curve(y_true, y_probas, labels, classes_to_plot)
    active_run("wandb_jupyter.sklearn.plot_precision_recall()").log({"precision_recall": chart})


def plot_confusion_matrix(
    y_true: Any = None,
    y_pred: Any = None,
    labels: Any = None,
    true_labels: Any = None,
    pred_labels: Any = None,
    normalize: bool = False,
) -> None:
    """Counts of each pair of classes, logged under ``confusion_matrix`` (W&B's preset and columns).

    ``true_labels``/``pred_labels`` keep only those classes' rows/columns;
    ``normalize`` divides each row by its total (two decimals).
    """
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if not (present(y_true=y_true, y_pred=y_pred) and right_kinds(y_true=y_true, y_pred=y_pred)):
        return
    counts = sklearn_confusion_matrix(y_true, y_pred)
    classes = unique_labels(y_true, y_pred) if labels is None else np.asarray(labels)
    if normalize:
        with np.errstate(invalid="ignore", divide="ignore"):
            counts = np.around(counts.astype(float) / counts.sum(axis=1)[:, np.newaxis], decimals=2)
        counts[np.isnan(counts)] = 0.0
    true_classes, pred_classes = classes, classes
    if true_labels is not None:
        keep = _kept("true_labels", classes, true_labels)
        true_classes, counts = classes[keep], counts[keep]
    if pred_labels is not None:
        keep = _kept("pred_labels", classes, pred_labels)
        pred_classes, counts = classes[keep], counts[:, keep]
    rows = []
    for i in range(counts.shape[0]):
        for j in range(counts.shape[1]):
            rows.append([_named(pred_classes, i, labels), _named(true_classes, j, labels), counts[i, j]])
            if over_limit(len(rows), "confusion_matrix"):
                break
        else:
            continue
        break
    log_chart("confusion_matrix", "wandb/confusion_matrix/v1", ["Predicted", "Actual", "Count"], rows)


def _kept(argument: str, classes: Any, wanted: Any) -> Any:
    """Which of ``classes`` are in ``wanted``; UsageError naming those that are not classes at all."""
    unknown = [value for value in wanted if value not in set(classes.tolist())]
    if unknown:
        raise UsageError(f"sklearn.plot_confusion_matrix: {argument} {unknown} are not among the classes {classes}")
    return np.isin(classes, wanted)


def _named(classes: Any, index: int, labels: Any) -> Any:
    """A class as W&B shows it: its name from ``labels`` when the classes are integers."""
    if labels is not None and isinstance(classes[0], (int, np.integer)):
        return labels[classes[index]]
    return classes[index]


def plot_feature_importances(
    model: Any = None, feature_names: Any = None, title: str = "Feature Importance", max_num_features: int = 50
) -> None:
    """Each feature's importance, largest first, logged under ``feature_importances``."""
    if not (present(model=model) and right_kinds(model=model) and fitted(model)):
        return
    found = next((name for name in _IMPORTANCE_ATTRIBUTES if hasattr(model, name)), None)
    if found is None:
        termwarn(
            f"could not find any of attributes {', '.join(_IMPORTANCE_ATTRIBUTES)} on classifier. "
            "Cannot plot feature importances."
        )
        return
    importances = np.asarray(getattr(model, found))
    if importances.ndim > 1:
        if sum(size > 1 for size in importances.shape) > 1:
            termwarn(
                f"{importances.ndim}-dimensional feature importances array passed to plot_feature_importances. "
                f"{importances.ndim}-dimensional and higher feature importances arrays are not currently supported. "
                "These importances will not be plotted."
            )
            return
        importances = np.squeeze(importances)
    order = np.argsort(importances)[::-1]
    names = order if feature_names is None else np.asarray(feature_names)[order]
    rows = [[name, importance] for name, importance in zip(names, importances[order])]
    log_chart("feature_importances", "wandb/feature_importances/v1", ["feature_names", "importances"], rows)


def plot_class_proportions(y_train: Any = None, y_test: Any = None, labels: Any = None) -> None:
    """How many samples of each class the train and test sets hold, logged under ``class_proportions``."""
    if not (present(y_train=y_train, y_test=y_test) and right_kinds(y_train=y_train, y_test=y_test)):
        return
    y_train, y_test = np.asarray(y_train), np.asarray(y_test)
    classes = np.asarray(unique_labels(y_train, y_test))
    rows: list[list[Any]] = []
    for i, value in enumerate(classes):
        rows.append([value, "train", (y_train == value).sum()])
        rows.append([value, "test", (y_test == value).sum()])
        if over_limit(i, "class_proportions"):
            break
    if labels is not None and isinstance(rows[0][0], (int, np.integer)):
        rows = [[labels[row[0]], *row[1:]] for row in rows]
    log_chart("class_proportions", "wandb/class_proportions/v1", ["class", "dataset", "count"], rows)


def plot_calibration_curve(clf: Any = None, X: Any = None, y: Any = None, clf_name: str = "Classifier") -> None:
    """Reliability curves of a logistic baseline and ``clf``'s isotonic and sigmoid calibrations (binary only).

    Fits those three models on 10 % of the data (W&B's split, ``random_state=42``)
    and logs the fraction of positives per predicted-probability bin under ``calibration_curve``.
    """
    if not (present(clf=clf, X=X, y=y) and right_kinds(clf=clf, X=X, y=y) and fitted(clf)):
        return
    y = np.asarray(y)
    if y.dtype.char == "U" or not ((y == 0) | (y == 1)).all():
        termwarn(
            "This function only supports binary classification at the moment and therefore expects labels to be "
            "binary. Skipping calibration curve."
        )
        return
    if isinstance(clf, naive_bayes.ComplementNB):  # it needs non-negative features
        X = X - X.min()
    # the perfectly calibrated diagonal first: (model, fraction_of_positives, mean_predicted_value, hist, edge)
    rows: list[list[Any]] = [["Perfectly calibrated", 0, 0, 0, 0], ["Perfectly calibrated", 1, 1, 0, 0]]
    x_train, x_test, y_train, y_test = model_selection.train_test_split(X, y, test_size=0.9, random_state=42)
    models = {
        "Logistic": LogisticRegression(C=1.0),
        f"{clf_name} Isotonic": CalibratedClassifierCV(clf, cv=2, method="isotonic"),
        f"{clf_name} Sigmoid": CalibratedClassifierCV(clf, cv=2, method="sigmoid"),
    }
    for name, model in models.items():
        model.fit(x_train, y_train)
        positive = _positive_scores(model, x_test)
        counts, edges = np.histogram(positive, bins=10, density=False)
        fractions, means = calibration_curve(y_test, positive, n_bins=10)
        for i in range(len(fractions)):
            rows.append([name, round(fractions[i], 3), round(means[i], 3), counts[i], edges[i]])
            if over_limit(i, "calibration_curve", CHART_LIMIT - 2):
                break
    columns = ["model", "fraction_of_positives", "mean_predicted_value", "hist_dict", "edge_dict"]
    log_chart("calibration_curve", "wandb/calibration/v1", columns, rows)


def _positive_scores(model: Any, features: Any) -> Any:
    """The probability of the positive class, or the decision function scaled into [0, 1]."""
    if hasattr(model, "predict_proba"):
        return model.predict_proba(features)[:, 1]
    scores = model.decision_function(features)
    return (scores - scores.min()) / (scores.max() - scores.min())
