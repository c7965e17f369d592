"""The Artifacts tab's JSON API inside a real ``jupyter server``: artifacts that offline runs logged into the local
store under a wandb folder, with versions, aliases, lineage (from the runs' records) and file downloads."""

from __future__ import annotations

import re
from pathlib import Path

from .conftest import run_child

LOG_AND_USE = r"""
import pathlib
import wandb_jupyter as wandb
pathlib.Path("data").mkdir(exist_ok=True)
pathlib.Path("data/x.bin").write_bytes(bytes(range(256)) * 8)
producer = wandb.init(project="arts")
art = wandb.Artifact("dataset", "dataset", metadata={"rows": 8})
art.add_dir("data", name="data")
producer.log_artifact(art, aliases=["best"])
producer.finish()
consumer = wandb.init(project="arts")
consumer.use_artifact("dataset:best")
consumer.finish()
print("IDS", producer.id, consumer.id)
"""


def test_offline_artifacts_in_a_wandb_folder_are_listed_with_lineage_and_files(
    start_jupyter, env_for_subprocess, tmp_path: Path
) -> None:
    root = tmp_path / "root"
    work = root / "nb"
    work.mkdir(parents=True)
    done = run_child(LOG_AND_USE, cwd=work, env={**env_for_subprocess, "WANDB_MODE": "offline"})
    producer, consumer = re.search(r"^IDS (\S+) (\S+)$", done.stdout, re.M).groups()  # type: ignore[union-attr]
    server = start_jupyter(root)
    entity = server.api("projects")["projects"][0]["entity"]
    [collection] = server.api(f"artifacts/{entity}/arts")["artifacts"]
    assert collection["name"] == "dataset" and collection["type"] == "dataset"
    [version] = collection["versions"]
    assert version["name"] == "dataset:v0" and version["aliases"] == ["latest", "best"]
    assert version["created_by"]["id"] == producer and [u["id"] for u in version["used_by"]] == [consumer]
    detail = server.api(f"artifact/{entity}/arts/dataset/v0")
    assert detail["metadata"] == {"rows": 8} and [f["path"] for f in detail["files"]] == ["data/x.bin"]
    url = detail["files"][0]["url"]
    answer = server.get(url[url.index("wandb/_dashboard") :])
    assert answer.status_code == 200 and answer.content == bytes(range(256)) * 8
    used = server.api(f"run-artifacts/{entity}/arts/{consumer}")
    assert [v["name"] for v in used["used"]] == ["dataset:v0"] and used["logged"] == []
    assert server.get(f"wandb/_dashboard/api/artifacts/{entity}/arts", token=False).status_code in (302, 401, 403)
    assert server.get(f"wandb/_dashboard/api/artifact/{entity}/arts/dataset/v9").status_code == 404
