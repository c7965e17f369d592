"""XGBoost's ``WandbCallback`` and LightGBM's ``wandb_callback``/``log_summary`` on real trainings.

The programs are W&B's documented usage (``from wandb.integration.xgboost
import WandbCallback``), run on this package through the ``import wandb`` alias
and on the real SDK 0.31 offline. History rows (keys and values), the summary
(the best value kept by ``define_metric``, ``best_score``/``best_iteration``),
the feature importance table and its chart spec must be the same; the
booster's configuration lands in the run config on both. The saved model is
a ``model`` artifact on both, with W&B's name and aliases.
"""

from __future__ import annotations

import pytest

from data_types._wandb_records import read_records
from data_types.conftest import comparable

from .conftest import logged_tables, user_keys

pytest.importorskip("sklearn")

pytestmark = pytest.mark.wandb_sdk

DATA = """
from sklearn.datasets import make_regression
from sklearn.model_selection import train_test_split
X, y = make_regression(n_samples=200, n_features=4, noise=3.0, random_state=0)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
"""

XGBOOST = (
    DATA
    + """
import xgboost as xgb
from wandb.integration.xgboost import WandbCallback

run = wandb.init(project="boost")
model = xgb.XGBRegressor(n_estimators=6, max_depth=3, early_stopping_rounds=3, n_jobs=1,
                         callbacks=[WandbCallback(log_model=True)])
model.fit(X_train, y_train, eval_set=[(X_train, y_train), (X_test, y_test)], verbose=False)
run.finish()
"""
)

LIGHTGBM = (
    DATA
    + """
import lightgbm as lgb
from wandb.integration.lightgbm import log_summary, wandb_callback

params = {"objective": "regression", "metric": ["l2", "l1"], "verbose": -1, "num_threads": 1, "seed": 0}
run = wandb.init(project="boost")
train = lgb.Dataset(X_train, y_train)
valid = lgb.Dataset(X_test, y_test, reference=train)
booster = lgb.train(params, train, num_boost_round=5, valid_sets=[valid], callbacks=[wandb_callback()])
log_summary(booster, save_model_checkpoint=True)
run.finish()
import time
time.sleep(1.1)  # run folders are named by the second they started in: keep the two runs' order
if not REAL:  # W&B 0.31 fails on LightGBM 4's cv results (it expects "<data> <metric>" in one string)
    run = wandb.init(project="boost-cv")
    lgb.cv(params, lgb.Dataset(X, y), num_boost_round=3, nfold=3, stratified=False, callbacks=[wandb_callback()])
    run.finish()
"""
)


def _model_artifacts(ran) -> dict[str, list[str]]:
    """The ``model`` artifacts a run logged, by name with the run id as ``<id>``: their sorted aliases."""
    run_id = ran.dir.name.rsplit("-", 1)[1]
    found = {}
    if ran.real:
        for record in read_records(next(ran.dir.glob("run-*.wandb"))):
            if record.WhichOneof("record_type") == "artifact" and record.artifact.type == "model":
                found[record.artifact.name] = sorted(record.artifact.aliases)
    else:
        import json

        for path in (ran.dir.parents[0] / "artifacts" / "collections").glob("*/*.json"):
            collection = json.loads(path.read_text(encoding="utf-8"))
            if collection["type"] == "model" and collection["versions"][0]["created_by"] == run_id:
                found[path.name[: -len(".json")]] = sorted(collection["versions"][-1]["aliases"])
    return {name.replace(run_id, "<id>"): aliases for name, aliases in found.items()}


def _same_run(ours, theirs) -> None:
    assert [comparable(user_keys(row)) for row in ours.rows()] == [comparable(user_keys(row)) for row in theirs.rows()]
    assert comparable(user_keys(ours.summary())) == comparable(user_keys(theirs.summary()))
    assert logged_tables(ours) == logged_tables(theirs)
    assert ours.wandb_config().get("visualize") == theirs.wandb_config().get("visualize")


def test_xgboost_callback_logs_what_wandb_logs(run_both) -> None:
    pytest.importorskip("xgboost")
    (ours,), (theirs,) = run_both(XGBOOST)
    _same_run(ours, theirs)
    rows = [user_keys(row) for row in ours.rows()]
    assert sorted(rows[0]) == ["epoch", "validation_0-rmse", "validation_1-rmse"]
    assert [row["epoch"] for row in rows[:6]] == list(range(6))
    assert sorted(rows[-1]) == ["best_iteration", "best_score"]
    summary = ours.summary()
    assert summary["validation_1-rmse"] == {"min": min(row["validation_1-rmse"] for row in rows[:6])}
    assert logged_tables(ours)["Feature Importance_table"]["columns"] == ["Feature", "Importance"]
    assert ours.wandb_config()["visualize"]["Feature Importance"]["panel_config"]["panelDefId"] == "wandb/bar/v0"
    import yaml

    config = yaml.safe_load((ours.files / "config.yaml").read_text(encoding="utf-8"))
    assert "learner" in config and "version" in config  # the booster's save_config()
    assert _model_artifacts(ours) == _model_artifacts(theirs) == {"<id>_model.json": ["latest"]}


def test_lightgbm_callback_and_summary_log_what_wandb_logs(run_both) -> None:
    pytest.importorskip("lightgbm")
    (ours, ours_cv), (theirs,) = run_both(LIGHTGBM)
    _same_run(ours, theirs)
    rows = [user_keys(row) for row in ours.rows()]
    assert sorted(rows[0]) == ["iteration", "valid_0_l1", "valid_0_l2"]
    summary = ours.summary()
    assert summary["valid_0_l2"] == {"min": min(row["valid_0_l2"] for row in rows[:5])}
    assert summary["best_score"]["valid_0"]["l2"] == rows[4]["valid_0_l2"]
    cv_rows = [user_keys(row) for row in ours_cv.rows()]
    assert [sorted(row) for row in cv_rows] == [
        ["iteration", "valid_l1-mean", "valid_l1-stdv", "valid_l2-mean", "valid_l2-stdv"]
    ] * 3
    # as in W&B, "l2-mean" is not a metric it knows the direction of: the summary keeps the last value
    assert ours_cv.summary()["valid_l2-mean"] == cv_rows[-1]["valid_l2-mean"]
    assert _model_artifacts(ours) == _model_artifacts(theirs) == {"model_<id>": ["best", "latest"]}
