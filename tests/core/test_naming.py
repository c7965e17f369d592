"""Automatic run names: <program stem>-<n>, unique within the project's local runs."""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import wandb_jupyter as wandb
from wandb_jupyter.core._naming import name_stem


def test_names_count_up_per_project_and_explicit_names_win(isolated, monkeypatch) -> None:
    monkeypatch.setenv("WANDB_NOTEBOOK_NAME", "analysis/train_mnist.ipynb")
    names = []
    for project in ("a", "a", "b", "a"):
        run = wandb.init(mode="offline", project=project)
        names.append((project, run.name))
        run.finish(quiet=True)
    assert names == [("a", "train_mnist-1"), ("a", "train_mnist-2"), ("b", "train_mnist-1"), ("a", "train_mnist-3")]
    monkeypatch.setenv("WANDB_NAME", "chosen")
    assert wandb.init(mode="offline", project="a").name == "chosen"
    assert wandb.init(mode="offline", project="a", name="by-init").name == "by-init"


def test_concurrent_processes_get_distinct_names(tmp_path, env_for_subprocess) -> None:
    script = tmp_path / "job.py"
    script.write_text("import wandb_jupyter as w\nr = w.init(mode='offline', project='p')\nprint(r.name)\nr.finish()\n")

    def start(_: int) -> str:
        out = subprocess.run(
            [sys.executable, str(script)],
            cwd=tmp_path,
            env=env_for_subprocess,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        return out.strip()

    with ThreadPoolExecutor(4) as pool:
        names = sorted(pool.map(start, range(6)))
    assert names == sorted(f"job-{n}" for n in range(1, 7))
    recorded = {json.loads(p.read_text())["name"] for p in (tmp_path / "wandb").glob("*/files/wandb-metadata.json")}
    assert recorded == set(names)


def test_renaming_a_run_updates_its_metadata(isolated) -> None:
    run = wandb.init(mode="offline")
    run.name = "renamed"
    assert json.loads(Path(run.dir, "wandb-metadata.json").read_text())["name"] == "renamed"


def test_stems() -> None:
    assert name_stem("/x/train_mnist.ipynb") == "train_mnist"
    assert name_stem("my script.py") == "my-script"
    assert name_stem(None) == "run" and name_stem("<python with no main file>") == "run"
