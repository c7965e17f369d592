"""Integration charts logged online reach our server: the table files whole, the preset chart in the config."""

from __future__ import annotations

import json

import numpy as np
import pytest
import yaml

import wandb_jupyter as wandb
from server.conftest import LiveServer, live_server  # noqa: F401  (fixture)

pytest.importorskip("sklearn")


def test_sklearn_charts_of_an_online_run_reach_the_server(live_server: LiveServer, monkeypatch) -> None:
    monkeypatch.setenv("WANDB_BASE_URL", live_server.url)
    monkeypatch.setenv("WANDB_API_KEY", live_server.admin_key)
    y_true = np.array([0, 1, 2, 2, 1, 0, 2])
    run = wandb.init(project="p", mode="online")
    wandb.sklearn.plot_confusion_matrix(y_true, np.array([0, 2, 2, 2, 1, 0, 1]), ["a", "b", "c"])
    wandb.sklearn.plot_class_proportions(y_true[:4], y_true[4:], ["a", "b", "c"])
    run.finish()

    local, stored = run.paths.files, live_server.run_dir("admin", "p", run.id) / "files"
    rows = [json.loads(line) for line in (stored / "wandb-history.jsonl").read_text().splitlines()]
    paths = [row[key]["path"] for row, key in zip(rows, ("confusion_matrix", "class_proportions"))]
    for path in paths:
        assert (stored / path).read_bytes() == (local / path).read_bytes()
    assert json.loads((stored / paths[0]).read_text())["data"][:2] == [["a", "a", 2], ["a", "b", 0]]
    config = yaml.safe_load((stored / "config.yaml").read_text())
    assert config["_wandb"]["value"]["viz"]["class_proportions"]["id"] == "wandb/class_proportions/v1"
