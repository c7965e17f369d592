"""W&B's LightGBM integration: ``wandb_callback()`` and ``log_summary(booster)``.

What lands, as with ``wandb.integration.lightgbm`` 0.31: the training
parameters in the run config at the first iteration; each iteration's
``<data>_<metric>`` (``valid_0_l2``; with ``lgb.cv`` ``<data>_<metric>-mean`` and
``-stdv``) and ``iteration`` in one history row, the summary keeping the best
value of known metrics; ``log_summary`` puts ``best_iteration`` and
``best_score`` in the summary and logs the ``Feature Importance`` bar chart.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..data_types._optional import require

lightgbm = require("lightgbm", "lightgbm", "wandb_jupyter.integration.lightgbm")

from ..common._errors import UsageError  # noqa: E402 - after the check that names the package to install
from ..data_types._table import Table  # noqa: E402
from ..data_types.plot import bar  # noqa: E402
from ._models import log_model_artifact, model_path  # noqa: E402
from ._run import active_run  # noqa: E402

__all__ = ["wandb_callback", "log_summary"]

#: Metrics whose best value is the lowest / the highest (W&B's lists).
MINIMIZE_METRICS = ["l1", "l2", "rmse", "mape", "huber", "fair", "poisson", "gamma", "binary_logloss"]
MAXIMIZE_METRICS = ["map", "auc", "average_precision"]


def _define_best(run: Any, key: str, metric: str) -> None:
    name = metric.lower()
    if "loss" in name or name in MINIMIZE_METRICS:
        run.define_metric(key, summary="min")
    elif name in MAXIMIZE_METRICS:
        run.define_metric(key, summary="max")


def _cv_names(item: Any) -> tuple[str, str]:
    """Data set and metric of an ``lgb.cv`` result: LightGBM 3 gives ``("cv_agg", "<data> <metric>", ...)``,
    LightGBM 4 ``("<data>", "<metric>", ...)`` (W&B 0.31 reads only the first form and fails on the second)."""
    if " " in item[1]:
        data, metric = item[1].split(maxsplit=1)
        return data, metric
    return item[0], item[1]


class _WandbCallback:
    """LightGBM calls it after each iteration with its ``CallbackEnv``."""

    def __init__(self, log_params: bool = True, define_metric: bool = True) -> None:
        self.order = 20  # after LightGBM's own evaluation callbacks
        self.before_iteration = False
        self.log_params = log_params
        self.define_metric_bool = define_metric

    def _first_iteration(self, run: Any, env: Any) -> None:
        if self.log_params:
            run.config.update(env.params)
        if not self.define_metric_bool:
            return
        for item in env.evaluation_result_list:
            if len(item) == 4:  # lgb.train: (data, metric, value, bigger_is_better)
                _define_best(run, f"{item[0]}_{item[1]}", item[1])
            else:
                data, metric = _cv_names(item)
                for suffix in ("-mean", "-stdv"):
                    _define_best(run, f"{data}_{metric}{suffix}", f"{metric}{suffix}")

    def __call__(self, env: Any) -> None:
        run = active_run("the lightgbm wandb_callback")
        if env.iteration == env.begin_iteration:
            self._first_iteration(run, env)
        for item in env.evaluation_result_list:
            if len(item) == 4:
                run.log({f"{item[0]}_{item[1]}": item[2]}, commit=False)
            else:
                data, metric = _cv_names(item)
                run.log({f"{data}_{metric}-mean": item[2], f"{data}_{metric}-stdv": item[4]}, commit=False)
        run.log({"iteration": env.iteration}, commit=True)


def wandb_callback(log_params: bool = True, define_metric: bool = True) -> Callable[[Any], None]:
    """Logs a LightGBM training to the current run: ``lgb.train(..., callbacks=[wandb_callback()])``."""
    return _WandbCallback(log_params, define_metric)


def log_summary(model: Any, feature_importance: bool = True, save_model_checkpoint: bool = False) -> None:
    """After training: ``best_iteration``/``best_score`` in the summary, the feature importance chart, and with
    ``save_model_checkpoint`` the best model as the ``model`` artifact ``model_<run id>`` (alias ``best``)."""
    run = active_run("log_summary()")
    if not isinstance(model, lightgbm.Booster):
        raise UsageError("log_summary: model should be an instance of lightgbm.basic.Booster")
    run.summary["best_iteration"] = model.best_iteration
    run.summary["best_score"] = model.best_score
    if feature_importance:
        rows = [[name, value] for name, value in zip(model.feature_name(), model.feature_importance(), strict=True)]
        table = Table(data=rows, columns=["Feature", "Importance"])
        run.log({"Feature Importance": bar(table, "Feature", "Importance", title="Feature Importance")}, commit=False)
    if save_model_checkpoint:
        path = model_path(run, f"model_ckpt_{model.best_iteration}.txt")
        model.save_model(str(path), num_iteration=model.best_iteration)
        log_model_artifact(run, path, f"model_{run.id}", aliases=["best"])
