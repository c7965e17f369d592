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


def _unnamed_run(project: str = "p") -> str:
    run = wandb.init(mode="offline", project=project)
    run.finish(quiet=True)
    return run.name


def test_the_names_index_spares_init_reading_every_run(isolated, monkeypatch) -> None:
    from wandb_jupyter.core import _naming

    monkeypatch.setenv("WANDB_NOTEBOOK_NAME", "train.ipynb")
    assert [_unnamed_run(), _unnamed_run("q")] == ["train-1", "train-1"]
    index = json.loads((isolated / "wandb" / _naming.NAMES_INDEX).read_text())
    assert index["projects"] == {"p": {"train": 1}, "q": {"train": 1}}

    def read_every_run(_: Path) -> dict:
        raise AssertionError("init() read every run although the index was current")

    monkeypatch.setattr(_naming, "_highest_by_project", read_every_run)
    assert [_unnamed_run(), _unnamed_run(), _unnamed_run("q")] == ["train-2", "train-3", "train-2"]


def test_folders_added_or_removed_by_other_means_make_init_read_every_run_again(isolated, monkeypatch) -> None:
    import shutil

    from wandb_jupyter.core import _naming

    monkeypatch.setenv("WANDB_NOTEBOOK_NAME", "train.ipynb")
    first = wandb.init(mode="offline", project="p")
    first.finish(quiet=True)
    # a run copied in from elsewhere, named beyond what the index knows
    copy = isolated / "wandb" / "offline-run-20990101_000000-copied01"
    shutil.copytree(Path(first.dir).parent, copy)
    metadata = copy / "files" / "wandb-metadata.json"
    metadata.write_text(json.dumps({**json.loads(metadata.read_text()), "name": "train-7"}))
    assert _unnamed_run() == "train-8"
    # the index garbled: still unique names
    (isolated / "wandb" / _naming.NAMES_INDEX).write_text('{"links": 3, "projects": {"p": {"train": "x"}}}')
    assert _unnamed_run() == "train-9"
    shutil.rmtree(copy)  # a deletion: read again (the highest left is train-9)
    assert _unnamed_run() == "train-10"
