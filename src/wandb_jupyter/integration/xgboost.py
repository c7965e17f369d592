"""W&B's XGBoost integration: ``WandbCallback`` (and the older ``wandb_callback``).

What lands, as with ``wandb.integration.xgboost`` 0.31: the booster's
configuration in the run config before training; after each boosting round
``<data>-<metric>`` (``validation_0-rmse``...) and ``epoch`` in one history row,
with ``define_metric`` making the summary keep the best value of known metrics
(min for losses and errors, max for auc/ndcg/map); after training the feature
importance bar chart (``Feature Importance``) and, with early stopping,
``best_score`` and ``best_iteration`` in one more row.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from typing import Any

from ..data_types._optional import require

xgb = require("xgboost", "xgboost", "wandb_jupyter.integration.xgboost")

from ..data_types._table import Table  # noqa: E402 - after the check that names the package to install
from ..data_types.plot import bar  # noqa: E402
from ._models import log_model_artifact, model_path  # noqa: E402
from ._run import active_run  # noqa: E402

__all__ = ["WandbCallback", "wandb_callback"]

#: Metrics whose best value is the lowest / the highest (W&B's lists).
MINIMIZE_METRICS = ["rmse", "rmsle", "mae", "mape", "mphe", "logloss", "error", "error@t", "merror"]
MAXIMIZE_METRICS = ["auc", "aucpr", "ndcg", "map", "ndcg@n", "map@n"]


def wandb_callback() -> Callable[[Any], None]:
    """The old function callback (``env.evaluation_result_list``), kept for code that still passes it."""
    warnings.warn(
        "wandb_callback will be deprecated in favor of WandbCallback. Please use WandbCallback for more features.",
        UserWarning,
        stacklevel=2,
    )

    def callback(env: Any) -> None:
        run = active_run("the xgboost wandb_callback")
        for key, value in env.evaluation_result_list:
            run.log({key: value}, commit=False)
        run.log({})

    return callback


class WandbCallback(xgb.callback.TrainingCallback):  # type: ignore[name-defined]
    """Logs an XGBoost training to the current run (pass it in ``callbacks=[...]``).

    ``log_model`` logs the trained booster as the ``model`` artifact
    ``<run id>_model.json``; ``log_feature_importance`` logs the bar chart of
    ``get_score(importance_type=...)``; ``define_metric`` makes the summary hold
    each metric's best value instead of its last.
    """

    def __init__(
        self,
        log_model: bool = False,
        log_feature_importance: bool = True,
        importance_type: str = "gain",
        define_metric: bool = True,
    ) -> None:
        super().__init__()
        self.log_model = log_model
        self.log_feature_importance = log_feature_importance
        self.importance_type = importance_type
        self.define_metric = define_metric
        self._run = active_run("WandbCallback()")

    def before_training(self, model: Any) -> Any:
        self._run.config.update(json.loads(model.save_config()))
        return model

    def after_iteration(self, model: Any, epoch: int, evals_log: dict[str, dict[str, list[Any]]]) -> bool:
        for data, metrics in evals_log.items():
            for metric, values in metrics.items():
                if self.define_metric:
                    _define_best(self._run, f"{data}-{metric}", metric)
                self._run.log({f"{data}-{metric}": values[-1]}, commit=False)
        self._run.log({"epoch": epoch})
        self.define_metric = False  # defined once, at the first round
        return False

    def after_training(self, model: Any) -> Any:
        if self.log_model:
            name = f"{self._run.id}_model.json"
            path = model_path(self._run, name)
            model.save_model(str(path))
            log_model_artifact(self._run, path, name)
        if self.log_feature_importance:
            scores = model.get_score(importance_type=self.importance_type)
            table = Table(data=[[name, score] for name, score in scores.items()], columns=["Feature", "Importance"])
            chart = bar(table, "Feature", "Importance", title="Feature Importance")
            self._run.log({"Feature Importance": chart})
        if model.attr("best_score") is not None:
            self._run.log(
                {"best_score": float(model.attr("best_score")), "best_iteration": int(model.attr("best_iteration"))}
            )
        return model


def _define_best(run: Any, key: str, metric: str) -> None:
    """The summary keeps the best value of a loss, error or score XGBoost reports (others keep the last)."""
    name = metric.lower()
    if "loss" in name or name in MINIMIZE_METRICS:
        run.define_metric(key, summary="min")
    elif name in MAXIMIZE_METRICS:
        run.define_metric(key, summary="max")
