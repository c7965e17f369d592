"""Media files reach our server: live through the sender, later through ``wandb-jupyter sync``, and from W&B's SDK.

The server stores a run's files under its own run folder; each media file must
arrive whole (same bytes) at the path the history row and summary name.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import wandb_jupyter as wandb
from server.conftest import LiveServer, live_server, run_sdk  # noqa: F401  (fixtures)
from wandb_jupyter.cli import main

pytest.importorskip("PIL")


def _log_media(run) -> None:
    rng = np.random.default_rng(4)
    run.log(
        {
            "img": wandb.Image(rng.integers(0, 256, size=(20, 30, 3), dtype=np.uint8), caption="c"),
            "batch": [wandb.Image(rng.integers(0, 256, size=(8, 8), dtype=np.uint8)) for _ in range(2)],
            "t": wandb.Table(columns=["a", "b"], data=[[1, "x"]]),
            "chart": wandb.plot.line(wandb.Table(columns=["x", "y"], data=[[0, 1], [1, 2]]), "x", "y"),
        }
    )
    run.summary["best"] = wandb.Html("<b>best</b>")


def _named_paths(files: Path) -> list[str]:
    """Every media path the history rows and the summary name."""
    rows = [json.loads(line) for line in (files / "wandb-history.jsonl").read_text().splitlines()]
    summary = json.loads((files / "wandb-summary.json").read_text())
    found: list[str] = []

    def walk(value) -> None:
        if isinstance(value, dict):
            if isinstance(value.get("path"), str) and value["path"].startswith("media/"):
                found.append(value["path"])
            found.extend(value.get("filenames") or [])
            for item in value.values():
                walk(item)

    for row in [*rows, summary]:
        walk(row)
    return sorted(set(found))


def _assert_on_server(server: LiveServer, run_id: str, local_files: Path) -> None:
    stored = server.run_dir("admin", "p", run_id) / "files"
    local_media = sorted(
        p.relative_to(local_files).as_posix() for p in (local_files / "media").rglob("*") if p.is_file()
    )
    named = _named_paths(local_files)
    assert named and set(named) <= set(local_media)
    for relative in local_media:
        assert (stored / relative).read_bytes() == (local_files / relative).read_bytes(), relative
    assert _named_paths(stored) == named  # the server's history and summary name the same files


def test_an_online_run_uploads_its_media_files(live_server, monkeypatch) -> None:
    monkeypatch.setenv("WANDB_BASE_URL", live_server.url)
    monkeypatch.setenv("WANDB_API_KEY", live_server.admin_key)
    run = wandb.init(project="p", mode="online")
    _log_media(run)
    run.finish()
    _assert_on_server(live_server, run.id, run.paths.files)


def test_an_offline_run_carries_its_media_to_sync(live_server, monkeypatch, capsys) -> None:
    run = wandb.init(project="p", mode="offline")
    _log_media(run)
    run.finish()
    monkeypatch.setenv("WANDB_BASE_URL", live_server.url)
    monkeypatch.setenv("WANDB_API_KEY", live_server.admin_key)
    assert main(["sync", "--all"]) == 0
    assert "1 synced" in capsys.readouterr().out
    _assert_on_server(live_server, run.id, run.paths.files)


@pytest.mark.wandb_sdk
def test_the_real_sdk_media_land_on_our_server_where_ours_do(live_server, run_sdk) -> None:
    script = (
        "import numpy as np, wandb\n"
        "run = wandb.init(project='p')\n"
        "run.log({'img': wandb.Image(np.arange(600, dtype=np.uint8).reshape(20, 30))})\n"
        "print('ID', run.id)\n"
        "run.finish()\n"
    )
    done = run_sdk(live_server, script)
    assert done.returncode == 0, done.stderr
    run_id = next(line.split()[1] for line in done.stdout.splitlines() if line.startswith("ID "))
    stored = live_server.run_dir("admin", "p", run_id) / "files"
    images = list((stored / "media" / "images").glob("img_0_*.png"))
    assert len(images) == 1
    ours = wandb.init(project="p", mode="offline")
    ours.log({"img": wandb.Image(np.arange(600, dtype=np.uint8).reshape(20, 30))})
    ours.finish()
    assert (ours.paths.files / "media" / "images" / images[0].name).read_bytes() == images[0].read_bytes()
