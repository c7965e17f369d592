"""Fixtures for the read API: a live server holding a small project logged by our client.

``project`` -> :class:`Logged`: five runs of ``admin/cmp`` logged online by ``wandb_jupyter`` into the
``live_server`` of tests/server (so each also has its local run folder under the test's work folder),
with configs, tags, groups, notes, summaries and 50 history rows (``val`` every 10th step).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from server.conftest import LiveServer, basic, live_server, run_sdk  # noqa: F401  (fixtures shared with tests/server)

ROWS = 50
SPECS = [
    # name, lr, optimizer, depth, tags, group
    ("alpha", 0.001, "sgd", 2, ["base"], "g1"),
    ("beta", 0.01, "adam", 4, ["base", "wide"], "g1"),
    ("gamma", 0.1, "sgd", 8, ["wide"], "g2"),
    ("delta", 0.03, "adam", 2, [], "g2"),
    ("epsilon", 0.3, "rmsprop", 16, ["deep", "wide"], "g2"),
]


@dataclass
class Logged:
    server: LiveServer
    work: Path
    ids: dict[str, str]  # display name -> run id


def log_project(work: Path) -> dict[str, str]:
    import wandb_jupyter

    ids = {}
    for index, (name, lr, optimizer, depth, tags, group) in enumerate(SPECS):
        run = wandb_jupyter.init(
            project="cmp",
            name=name,
            config={"lr": lr, "optimizer": optimizer, "arch": {"depth": depth}},
            tags=tags,
            group=group,
            notes=f"notes of {name}",
        )
        for step in range(ROWS):
            row = {"loss": (index + 1) / (step + 1), "acc": step / ROWS}
            if step % 10 == 9:
                row["val"] = step * (index + 1)
            run.log(row)
        run.summary["best"] = index * 1.5
        print(f"{name}: first line")
        print(f"{name}: second line")
        run.finish()
        ids[name] = run.id
    return ids


@pytest.fixture
def project(live_server: LiveServer, isolated: Path, monkeypatch: pytest.MonkeyPatch) -> Logged:
    monkeypatch.setenv("WANDB_BASE_URL", live_server.url)
    monkeypatch.setenv("WANDB_API_KEY", live_server.admin_key)
    monkeypatch.setenv("WANDB_MODE", "online")
    monkeypatch.setenv("WANDB_SILENT", "true")
    ids = log_project(isolated)
    return Logged(live_server, isolated, ids)


def pytest_configure(config: pytest.Config) -> None:
    # tests/server registers it too; this keeps `pytest tests/api` alone free of warnings
    config.addinivalue_line("markers", "wandb_sdk: runs the real W&B SDK (pip wandb) against the local server")
