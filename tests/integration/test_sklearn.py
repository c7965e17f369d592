"""``wandb.sklearn.plot_*`` on real scikit-learn models: the same tables, keys and chart presets as W&B 0.31.

One program fits a binary classifier, a 3-class classifier, a regressor and
k-means on tiny data and calls the plots; it runs on this package (through
the ``import wandb`` alias) and on the real SDK offline. Every table both
log must hold the same columns and rows, every history key the same, and the
config's ``_wandb.viz`` (preset charts) and ``_wandb.visualize`` (ROC/PR
custom charts) the same entries.

W&B 0.31's argument check skips a chart silently when the model can predict
on a 7x3 matrix of zeros (``test_fitted`` returns None), and its clusterer
check reads ``_estimator_type``, which scikit-learn 1.6+ dropped: the
regressor's summary metrics, outlier candidates and residuals and the
silhouette plot never reach its run. Here they do; on the real SDK the
program logs W&B's own table for them (``wandb.integration.sklearn.calculate``)
so that those tables are compared too. One W&B quirk is not copied: when
feature importances cannot be drawn (a 2-D ``coef_``), W&B warns and still
logs ``{"feature_importances": None}``; here the warning is all.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from .conftest import logged_tables, user_keys

pytest.importorskip("sklearn")

pytestmark = pytest.mark.wandb_sdk

PROGRAM = """
import numpy as np
from sklearn.cluster import KMeans
from sklearn.datasets import make_blobs, make_classification, make_regression
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import train_test_split

run = wandb.init(project="sklearn")
X, y = make_classification(n_samples=160, n_features=4, n_informative=3, n_redundant=0, random_state=0)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
forest = RandomForestClassifier(n_estimators=5, random_state=0).fit(X_train, y_train)
wandb.sklearn.plot_classifier(forest, X_train, X_test, y_train, y_test, forest.predict(X_test),
                              forest.predict_proba(X_test), ["no", "yes"], model_name="Forest",
                              feature_names=["a", "b", "c", "d"], log_learning_curve=True)

X3, y3 = make_classification(n_samples=150, n_features=5, n_informative=4, n_redundant=0, n_classes=3,
                             random_state=1)
X3_train, X3_test, y3_train, y3_test = train_test_split(X3, y3, random_state=1)
logistic = LogisticRegression(max_iter=500).fit(X3_train, y3_train)
names = ["cat", "dog", "owl"]
wandb.sklearn.plot_confusion_matrix(y3_test, logistic.predict(X3_test), names)
wandb.sklearn.plot_class_proportions(y3_train, y3_test, names)
wandb.sklearn.plot_roc(y3_test, logistic.predict_proba(X3_test), names)
wandb.sklearn.plot_precision_recall(y3_test, logistic.predict_proba(X3_test), names)
wandb.sklearn.plot_calibration_curve(logistic, X3_train, y3_train, "Logistic")  # binary only: a warning
wandb.sklearn.plot_feature_importances(logistic)  # 3 x 5 coefficients: a warning, no chart

Xr, yr = make_regression(n_samples=120, n_features=3, noise=5.0, random_state=0)
Xr_train, Xr_test, yr_train, yr_test = train_test_split(Xr, yr, random_state=0)
ridge = Ridge().fit(Xr_train, yr_train)
Xc, _ = make_blobs(n_samples=60, centers=3, n_features=2, random_state=0)
kmeans = KMeans(n_clusters=3, random_state=0, n_init=3).fit(Xc)
if REAL:  # W&B 0.31's checks skip these charts (see the test's docstring): log its own tables for them
    from wandb.integration.sklearn import calculate
    wandb.log({"summary_metrics": calculate.summary_metrics(ridge, Xr_train, yr_train, Xr_test, yr_test)})
    wandb.sklearn.plot_learning_curve(ridge, Xr_train, yr_train)
    wandb.log({"outlier_candidates": calculate.outlier_candidates(ridge, Xr_train, yr_train)})
    np.random.seed(7)
    wandb.log({"residuals": calculate.residuals(ridge, Xr_train, yr_train)})
    wandb.sklearn.plot_elbow_curve(kmeans, Xc)
    wandb.log({"silhouette_plot": calculate.silhouette(kmeans, Xc, kmeans.labels_, None, "euclidean", True)})
else:
    wandb.sklearn.plot_summary_metrics(ridge, Xr_train, yr_train, Xr_test, yr_test)
    wandb.sklearn.plot_learning_curve(ridge, Xr_train, yr_train)
    wandb.sklearn.plot_outlier_candidates(ridge, Xr_train, yr_train)
    np.random.seed(7)
    wandb.sklearn.plot_residuals(ridge, Xr_train, yr_train)
    wandb.sklearn.plot_clusterer(kmeans, Xc, kmeans.labels_, None, "KMeans")
run.finish()
"""

#: Columns that hold wall-clock time, different in any two runs.
TIMINGS = {"elbow_curve": "clustering_time"}


def _without_timing(key: str, table: dict) -> dict:
    if key not in TIMINGS:
        return table
    column = table["columns"].index(TIMINGS[key])
    return {"columns": table["columns"], "data": [row[:column] + row[column + 1 :] for row in table["data"]]}


def test_sklearn_plots_log_what_wandb_logs(run_both) -> None:
    (ours,), (theirs,) = run_both(PROGRAM)

    our_keys = [sorted(user_keys(row)) for row in ours.rows()]
    their_rows = [user_keys(row) for row in theirs.rows()]
    assert {"feature_importances": None} in their_rows  # W&B's quirk (see the docstring)
    assert our_keys == [sorted(row) for row in their_rows if row != {"feature_importances": None}]
    assert [key for (key,) in our_keys] == [
        "feature_importances",
        "learning_curve",
        "confusion_matrix",
        "summary_metrics",
        "class_proportions",
        "calibration_curve",
        "roc_table",
        "precision_recall_table",
        "confusion_matrix",
        "class_proportions",
        "roc_table",
        "precision_recall_table",
        "summary_metrics",
        "learning_curve",
        "outlier_candidates",
        "residuals",
        "elbow_curve",
        "silhouette_plot",
    ]

    our_tables, their_tables = logged_tables(ours), logged_tables(theirs)
    assert sorted(our_tables) == sorted(their_tables)
    for key in our_tables:
        assert _without_timing(key, our_tables[key]) == _without_timing(key, their_tables[key]), key
    # the 3-class charts name the classes, as W&B does
    assert {row[0] for row in our_tables["class_proportions"]["data"]} == {"cat", "dog", "owl"}
    assert len(our_tables["confusion_matrix"]["data"]) == 9

    ours_config, theirs_config = ours.wandb_config(), theirs.wandb_config()
    assert ours_config["viz"] == theirs_config["viz"]
    assert ours_config["viz"]["confusion_matrix"] == {
        "id": "wandb/confusion_matrix/v1",
        "historyFieldSettings": {"x-axis": "_step", "key": "confusion_matrix"},
    }
    assert ours_config["visualize"] == theirs_config["visualize"]
    assert sorted(ours_config["visualize"]) == ["precision_recall", "roc"]


def test_unfitted_model_prints_why_and_logs_nothing(run_both) -> None:
    body = """
    from sklearn.ensemble import RandomForestClassifier
    run = wandb.init(project="sklearn")
    wandb.sklearn.plot_feature_importances(RandomForestClassifier())
    if not REAL:  # W&B 0.31 crashes here with scikit-learn 1.6+ (is_classifier(None) raises)
        wandb.sklearn.plot_summary_metrics(None, [[1.0]], [1], [[1.0]], [1])
    run.log({"after": 1})
    run.finish()
    """
    (ours,), (theirs,) = run_both(body)
    assert [user_keys(row) for row in ours.rows()] == [{"after": 1}]
    assert [user_keys(row) for row in theirs.rows()] == [{"after": 1}]


def test_plot_before_init_is_a_usage_error(tmp_path, env_for_subprocess) -> None:
    code = """
    import numpy as np, wandb_jupyter
    try:
        wandb_jupyter.sklearn.plot_confusion_matrix(np.array([0, 1, 1]), np.array([0, 1, 0]))
    except wandb_jupyter.UsageError as error:
        print("refused:", error)
    """
    done = _python(code, tmp_path, env_for_subprocess)
    assert "refused: call wandb_jupyter.init() before" in done.stdout


def test_missing_scikit_learn_is_one_error_naming_the_package(tmp_path, env_for_subprocess) -> None:
    code = """
    import sys
    sys.modules["sklearn"] = None  # as if scikit-learn were not installed
    import wandb_jupyter
    try:
        wandb_jupyter.sklearn
    except wandb_jupyter.UsageError as error:
        print("refused:", error)
    """
    done = _python(code, tmp_path, env_for_subprocess)
    assert "refused: wandb_jupyter.sklearn needs the scikit-learn package: pip install scikit-learn" in done.stdout


def test_import_wandb_jupyter_imports_no_training_library(tmp_path, env_for_subprocess) -> None:
    code = """
    import sys, wandb_jupyter
    print(sorted(name for name in ("sklearn", "xgboost", "lightgbm", "scipy") if name in sys.modules))
    """
    assert _python(code, tmp_path, env_for_subprocess).stdout.strip() == "[]"


def _python(code: str, cwd, env) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done
