"""The dashboard's sweep API: on the standalone server (its data folder) and over local wandb folders (offline)."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

import wandb_jupyter as wandb
from server.conftest import LiveServer, basic

GRID = {
    "method": "grid",
    "metric": {"name": "loss", "goal": "maximize"},
    "parameters": {"a": {"values": [1, 2]}, "b": {"values": [3, 4]}},
}


def _train() -> None:
    run = wandb.init()
    run.log({"loss": run.config.a * run.config.b})


def test_sweep_pages_api_on_the_server(online: LiveServer) -> None:
    sweep_id = wandb.sweep(GRID, project="dash")
    wandb.agent(sweep_id, function=_train, project="dash")
    api = f"{online.url}/_dashboard/api"
    listed = requests.get(f"{api}/sweeps/admin/dash", headers=basic(online.admin_key), timeout=10)
    assert listed.status_code == 200, listed.text
    (summary,) = listed.json()["sweeps"]
    assert summary["id"] == sweep_id and summary["state"] == "FINISHED" and summary["trial_count"] == 4
    assert summary["best"]["value"] == 8 and summary["best"]["params"] == {"a": 2, "b": 4}

    detail = requests.get(f"{api}/sweep/admin/dash/{sweep_id}", headers=basic(online.admin_key), timeout=10).json()
    assert detail["parameters"] == ["a", "b"] and detail["metric"] == {"name": "loss", "goal": "maximize"}
    assert sorted((t["params"]["a"], t["params"]["b"], t["value"]) for t in detail["trials"]) == [
        (1, 3, 3),
        (1, 4, 4),
        (2, 3, 6),
        (2, 4, 8),
    ]
    assert all(
        t["state"] == "finished" and t["url"].endswith(f"/admin/dash/runs/{t['run_id']}") for t in detail["trials"]
    )
    assert (
        requests.get(f"{api}/sweep/admin/dash/nosuch12", headers=basic(online.admin_key), timeout=10).status_code == 404
    )
    assert requests.get(f"{api}/sweeps/admin/dash", timeout=10).status_code in (401, 403)
    page = requests.get(f"{online.url}/admin/dash/sweeps/{sweep_id}", headers=basic(online.admin_key), timeout=10)
    assert page.status_code == 200 and "wandb-dashboard-base" in page.text


def test_offline_sweeps_through_the_local_catalog(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What the dashboard inside Jupyter shows: sweeps kept in the wandb folders it reads, trials from their runs."""
    from wandb_jupyter.dashboard._catalog import Viewer
    from wandb_jupyter.dashboard._local_catalog import LocalCatalog
    from wandb_jupyter.dashboard._sweeps import _progress, _states

    monkeypatch.setenv("WANDB_MODE", "offline")
    sweep_id = wandb.sweep(GRID, project="dash")
    wandb.agent(sweep_id, function=_train, count=3)
    catalog, viewer = LocalCatalog([isolated]), Viewer()
    (project,) = [p for p in catalog.projects(viewer) if p.project == "dash"]
    (state,) = _states(catalog, viewer, project.entity, "dash")
    runs = {info.id: info for info in catalog.runs(viewer, project.entity, "dash") or []}
    progress = _progress(state, runs, "/wandb")
    assert progress["id"] == sweep_id and progress["state"] == "RUNNING"
    assert [t["state"] for t in progress["trials"]] == ["finished"] * 3
    assert progress["best"]["value"] == 6 and all(t["url"].startswith("/wandb/") for t in progress["trials"])
    assert _states(catalog, viewer, project.entity, "other") == []
