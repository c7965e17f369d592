"""The checks W&B's sklearn plots make before they compute anything.

As in W&B, a failed check is a message on the terminal (``termerror``/``termwarn``)
and the chart is skipped: the training script goes on. Each check returns
whether its arguments passed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import sklearn.base
import sklearn.exceptions
from sklearn.utils.validation import check_is_fitted

from ...common._term import termerror, termwarn

__all__ = ["present", "right_kinds", "fitted", "CHART_LIMIT", "over_limit", "as_numpy"]

#: W&B draws at most this many points per chart and says so once it cuts.
CHART_LIMIT = 1000

#: Arguments that must be arrays of data.
_ARRAYS = frozenset(("X", "X_test", "y", "y_test", "y_true", "y_probas"))
#: Arguments that must be a model of one kind: the check and what it must be.
_MODELS = {
    "model": (lambda m: sklearn.base.is_classifier(m) or sklearn.base.is_regressor(m), "a classifier or regressor"),
    "clf": (sklearn.base.is_classifier, "a classifier"),
    "regressor": (sklearn.base.is_regressor, "a regressor"),
    "clusterer": (lambda m: _is_clusterer(m), "a clusterer"),
}


def _is_clusterer(model: Any) -> bool:
    """scikit-learn 1.6+ says so in the estimator's tags (W&B 0.31 reads the older ``_estimator_type``)."""
    is_clusterer = getattr(sklearn.base, "is_clusterer", None)
    if is_clusterer is not None:
        return bool(is_clusterer(model))
    return getattr(model, "_estimator_type", None) == "clusterer"


def as_numpy(values: Any) -> Any:
    """A numpy array of ``values`` (lists, pandas objects, scipy sparse matrices)."""
    if hasattr(values, "toarray"):
        return values.toarray()
    if hasattr(values, "to_numpy"):
        return values.to_numpy()
    return np.asarray(values)


def present(**arguments: Any) -> bool:
    """No argument is None; features hold only numbers and no missing values."""
    passed = True
    for name, value in arguments.items():
        if value is None:
            termerror(f"{name} is None. Please try again.")
            passed = False
        elif name in ("X", "X_test"):
            passed = _numeric_features(name, as_numpy(value)) and passed
    return passed


def _numeric_features(name: str, features: Any) -> bool:
    if features.dtype.kind not in "biufc":
        termerror(
            f"{name} contains values that are not numbers. Please vectorize, label encode or one hot encode "
            f"{name} and call the plotting function again."
        )
        return False
    missing = int(np.count_nonzero(np.isnan(features))) if features.dtype.kind in "fc" else 0
    if missing:
        termwarn(f"{name} contains {missing} missing values. ")
        return False
    return True


def right_kinds(**arguments: Any) -> bool:
    """Data arguments are arrays; model arguments are the kind of model the chart needs."""
    passed = True
    for name, value in arguments.items():
        if name in _ARRAYS and not isinstance(value, (Iterable, np.ndarray, np.generic)):
            termerror(f"{name} is not an array. Please try again.")
            passed = False
        elif name in _MODELS:
            check, kind = _MODELS[name]
            if not check(value):
                termerror(f"{name} is not {kind}. Please try again.")
                passed = False
    return passed


def fitted(model: Any) -> bool:
    """The model was fitted (scikit-learn's own test: a fitted estimator has attributes ending in ``_``)."""
    try:
        check_is_fitted(model)
    except sklearn.exceptions.NotFittedError:
        termerror("Please fit the model before passing it in.")
        return False
    except TypeError:  # not a scikit-learn estimator: W&B assumes it is fitted
        return True
    return True


def over_limit(count: float, chart: str, limit: float = CHART_LIMIT) -> bool:
    """True once ``count`` passed the chart's limit (with W&B's warning): the caller stops adding points."""
    if count > limit:
        termwarn(f"using only the first {limit} datapoints to create chart {chart}")
        return True
    return False
