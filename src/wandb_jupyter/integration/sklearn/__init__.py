"""W&B's ``wandb.sklearn``: charts of fitted scikit-learn models, logged to the current run.

Each ``plot_*`` computes a table with scikit-learn and logs it under W&B's key
(``confusion_matrix``, ``roc``, ``summary_metrics``, ...) with W&B's chart preset
(``_wandb.viz`` in the config), so W&B's UI draws it as it draws the real SDK's.
As in W&B, arguments that fail a check (missing, wrong kind, model not fitted)
print why and skip the chart. Importing this module imports scikit-learn.
"""

from __future__ import annotations

from ...data_types._optional import require

require("sklearn", "scikit-learn", "wandb_jupyter.sklearn")

from ._classifier import (  # noqa: E402 - after the check that names the package to install
    plot_calibration_curve,
    plot_class_proportions,
    plot_classifier,
    plot_confusion_matrix,
    plot_feature_importances,
    plot_precision_recall,
    plot_roc,
)
from ._clusterer import plot_clusterer, plot_elbow_curve, plot_silhouette  # noqa: E402
from ._regressor import plot_outlier_candidates, plot_regressor, plot_residuals  # noqa: E402
from ._shared import plot_learning_curve, plot_summary_metrics  # noqa: E402

__all__ = [
    "plot_classifier",
    "plot_clusterer",
    "plot_regressor",
    "plot_summary_metrics",
    "plot_learning_curve",
    "plot_feature_importances",
    "plot_class_proportions",
    "plot_calibration_curve",
    "plot_roc",
    "plot_precision_recall",
    "plot_confusion_matrix",
    "plot_elbow_curve",
    "plot_silhouette",
    "plot_residuals",
    "plot_outlier_candidates",
]
