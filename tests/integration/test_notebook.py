"""A W&B-style scikit-learn notebook runs unchanged in a real kernel (nbclient), and bad arguments.

The notebook is written as W&B's sklearn example is (``import wandb``, then
``wandb.sklearn.plot_*``), with ``install_as_wandb()`` in its first cell.
A confusion matrix asked for classes that are not there is one UsageError
naming them (W&B 0.31 raises a bare AssertionError there), and nothing is logged.
"""

from __future__ import annotations

import json

import pytest
import yaml

pytest.importorskip("sklearn")

CELLS = [
    "import wandb_jupyter\nwandb_jupyter.install_as_wandb()\nimport wandb",
    "from sklearn.datasets import load_iris\nfrom sklearn.model_selection import train_test_split\n"
    "from sklearn.tree import DecisionTreeClassifier\n"
    "X, y = load_iris(return_X_y=True)\n"
    "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)\n"
    "model = DecisionTreeClassifier(random_state=0).fit(X_train, y_train)",
    "run = wandb.init(project='iris', mode='offline')",
    "labels = ['setosa', 'versicolor', 'virginica']\n"
    "wandb.sklearn.plot_confusion_matrix(y_test, model.predict(X_test), labels)\n"
    "wandb.sklearn.plot_feature_importances(model, ['sepal length', 'sepal width', 'petal length', 'petal width'])\n"
    "wandb.sklearn.plot_roc(y_test, model.predict_proba(X_test), labels)",
    "wandb.sklearn.plot_confusion_matrix(y_test, model.predict(X_test), labels, true_labels=['daisy'])",
    "run.finish()",
]


def test_a_sklearn_notebook_logs_its_charts(execute_notebook, isolated) -> None:
    nb = execute_notebook(CELLS, allow_errors=True, timeout=180)
    errors = [(i, out) for i, cell in enumerate(nb.cells) for out in cell.outputs if out["output_type"] == "error"]
    assert [(i, out["ename"]) for i, out in errors] == [(4, "UsageError")]
    assert "true_labels ['daisy'] are not among the classes" in errors[0][1]["evalue"]
    files = next(isolated.glob("wandb/offline-run-*/files"))
    rows = [json.loads(line) for line in (files / "wandb-history.jsonl").read_text().splitlines()]
    assert [sorted(k for k in row if not k.startswith("_")) for row in rows] == [
        ["confusion_matrix"],
        ["feature_importances"],
        ["roc_table"],
    ]
    table = json.loads((files / rows[1]["feature_importances"]["path"]).read_text())
    assert table["columns"] == ["feature_names", "importances"]
    assert table["data"][0][0] == "petal length" or table["data"][0][0] == "petal width"  # the tree splits on petals
    viz = yaml.safe_load((files / "config.yaml").read_text())["_wandb"]["value"]["viz"]
    assert sorted(viz) == ["confusion_matrix", "feature_importances"]
