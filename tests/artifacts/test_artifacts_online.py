"""Artifacts online with our client against a launched server: log, use by alias from another run, download
byte for byte; deduplication on the server; an offline run's artifacts uploaded by ``wandb-jupyter sync``."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

import wandb_jupyter as wandb
from wandb_jupyter.cli import main
from wandb_jupyter.server._artifact_index import artifact_index


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _server_objects(server) -> list[Path]:
    return [p for p in (server.data_dir / "artifacts").rglob("objects/*/*") if p.is_file()]


def _make(work: Path) -> wandb.Artifact:
    (work / "data").mkdir(exist_ok=True)
    (work / "data" / "a.bin").write_bytes(os.urandom(4000))
    (work / "data" / "sub").mkdir(exist_ok=True)
    (work / "data" / "sub" / "b.txt").write_text("bee")
    (work / "top.txt").write_text("top")
    (work / "ref.csv").write_text("x\n1\n")
    artifact = wandb.Artifact("dataset", "dataset", metadata={"source": "test"})
    artifact.add_file(work / "top.txt")
    artifact.add_dir(work / "data", name="data")
    artifact.add_reference((work / "ref.csv").as_uri(), name="ref.csv")
    return artifact


def test_online_log_then_another_run_uses_it_by_alias_and_downloads_byte_for_byte(online, isolated: Path) -> None:
    run = wandb.init(project="p", entity="admin")
    logged = run.log_artifact(_make(isolated), aliases=["best"]).wait(60)
    assert logged.id and logged.name == "dataset:v0"
    producer = run.id
    run.finish()
    expected = {
        "top.txt": b"top",
        "data/a.bin": (isolated / "data" / "a.bin").read_bytes(),
        "data/sub/b.txt": b"bee",
        "ref.csv": b"x\n1\n",
    }
    shutil.rmtree(isolated / "wandb" / "artifacts")  # the files must come from the server
    consumer = wandb.init(project="p", entity="admin")
    used = consumer.use_artifact("dataset:best")
    assert used.name == "dataset:v0" and used.metadata == {"source": "test"} and set(used.aliases) == {"latest", "best"}
    assert _tree(Path(used.download(isolated / "out"))) == expected
    consumer.finish()
    index = artifact_index(online.ctx.storage)
    project = online.ctx.storage.get_project("admin", "p")
    row = index.by_alias(index.sequence(project, "dataset").pk, "best")
    assert online.ctx.storage.get_run_by_pk(row.created_by_run).name == producer
    assert [online.ctx.storage.get_run_by_pk(pk).name for pk in index.used_by(row.pk)] == [consumer.id]


def test_identical_content_makes_no_new_version_and_is_stored_once_on_the_server(online, isolated: Path) -> None:
    run = wandb.init(project="p", entity="admin")
    run.log_artifact(_make(isolated)).wait(60)
    stored = len(_server_objects(online))
    assert stored == 3  # top.txt, a.bin, b.txt (the reference is not stored)
    again = _make(isolated)  # new random a.bin: one new file
    again.add_file(isolated / "top.txt", name="copy-of-top.txt")  # same bytes as top.txt: not sent again
    assert run.log_artifact(again).wait(60).name == "dataset:v1"
    assert len(_server_objects(online)) == stored + 1
    same = wandb.Artifact("dataset", "dataset")
    for path, entry in again.manifest.entries.items():
        if entry.ref:
            same.add_reference(entry.ref, name=path)
        else:
            same.add_file(entry.local_path, name=path)
    assert run.log_artifact(same, aliases=["dup"]).wait(60).name == "dataset:v1"
    run.finish()
    index = artifact_index(online.ctx.storage)
    sequence = index.sequence(online.ctx.storage.get_project("admin", "p"), "dataset")
    assert [row.version for row in index.versions(sequence.pk)] == ["v0", "v1"]
    assert index.by_alias(sequence.pk, "dup").version == "v1"


def test_offline_artifacts_are_uploaded_by_sync_and_then_usable_online(
    live_server, monkeypatch, isolated: Path
) -> None:
    # ids that list the consumer first: sync must still send the producer's version before the use
    run = wandb.init(project="p", mode="offline", id="zz-producer")
    logged = run.log_artifact(_make(isolated), aliases=["offline"])
    run.finish()
    used_offline = wandb.init(project="p", mode="offline", id="aa-consumer")
    used_offline.use_artifact("dataset:offline")
    used_offline.finish()
    monkeypatch.setenv("WANDB_BASE_URL", live_server.url)
    monkeypatch.setenv("WANDB_API_KEY", live_server.admin_key)
    monkeypatch.setenv("WANDB_ENTITY", "admin")
    assert main(["sync", "--all"]) == 0
    index = artifact_index(live_server.ctx.storage)
    project = live_server.ctx.storage.get_project("admin", "p")
    row = index.by_alias(index.sequence(project, "dataset").pk, "offline")
    assert row.digest == logged.digest and row.version == "v0"
    assert [live_server.ctx.storage.get_run_by_pk(pk).name for pk in index.used_by(row.pk)] == [used_offline.id]
    shutil.rmtree(isolated / "wandb" / "artifacts")
    monkeypatch.setenv("WANDB_MODE", "online")
    consumer = wandb.init(project="p", entity="admin")
    root = Path(consumer.use_artifact("dataset:offline").download(isolated / "out"))
    assert (root / "data" / "a.bin").read_bytes() == (isolated / "data" / "a.bin").read_bytes()
    consumer.finish()


def test_save_of_a_logged_version_updates_it_on_the_server(online, isolated: Path) -> None:
    run = wandb.init(project="p", entity="admin")
    logged = run.log_artifact(_make(isolated), aliases=["candidate"]).wait(60)
    logged.description = "reviewed"
    logged.metadata = {"source": "test", "rows": 3}
    logged.aliases = ["latest", "prod"]  # candidate goes, prod comes
    logged.save()
    run.finish()
    index = artifact_index(online.ctx.storage)
    sequence = index.sequence(online.ctx.storage.get_project("admin", "p"), "dataset")
    row = index.by_alias(sequence.pk, "prod")
    assert row is not None and row.description == "reviewed"
    assert json.loads(row.metadata) == {"source": "test", "rows": 3}
    assert sorted(index.aliases(row.pk)) == ["latest", "prod"]


def test_delete_of_a_logged_version_deletes_it_on_the_server(online, isolated: Path) -> None:
    run = wandb.init(project="p", entity="admin")
    first = run.log_artifact(_make(isolated)).wait(60)
    second = run.log_artifact(_make(isolated)).wait(60)  # new random bytes: v1, latest
    with pytest.raises(wandb.UsageError, match="delete_aliases=True"):
        second.delete()
    first.delete()  # v0 has no alias left (latest moved to v1)
    run.finish()
    index = artifact_index(online.ctx.storage)
    sequence = index.sequence(online.ctx.storage.get_project("admin", "p"), "dataset")
    assert [row.version for row in index.versions(sequence.pk)] == ["v1"]
    assert index.by_alias(sequence.pk, "v0") is None


MEMBERSHIP = """query($n: String!) { project(name: "p", entityName: "admin") {
  artifactCollectionMembership(name: $n) { versionIndex artifact { fileCount state } } } }"""


def test_an_upload_cut_by_a_server_crash_leaves_no_version_and_sync_completes_it(
    server_process, monkeypatch, isolated: Path
) -> None:
    import requests

    from wandb_jupyter.online import _api, _sender

    monkeypatch.setattr(_sender, "FINISH_TIMEOUT", 1.0)
    monkeypatch.setattr(_sender, "BACKOFF_MAX", 0.2)
    server_process.start()
    monkeypatch.setenv("WANDB_BASE_URL", server_process.url)
    monkeypatch.setenv("WANDB_API_KEY", server_process.admin_key)
    monkeypatch.setenv("WANDB_MODE", "online")
    real_upload = _api.Api.upload

    def crash_on_first_artifact_file(self: _api.Api, url: str, path: Path, headers=None) -> None:
        if "/artifact-files/" in url and server_process.proc.poll() is None:
            server_process.kill()  # the server dies between CreateArtifactFiles and the first PUT
        return real_upload(self, url, path, headers)

    monkeypatch.setattr(_api.Api, "upload", crash_on_first_artifact_file)
    run = wandb.init(project="p", entity="admin")
    logged = run.log_artifact(_make(isolated))
    run.finish()

    def membership() -> dict | None:
        answer = requests.post(
            f"{server_process.url}/graphql",
            json={"query": MEMBERSHIP, "variables": {"n": "dataset:latest"}},
            auth=("api", server_process.admin_key),
            timeout=10,
        )
        return answer.json()["data"]["project"]["artifactCollectionMembership"]

    server_process.start()
    assert membership() is None  # created, never committed: no visible version
    monkeypatch.setattr(_api.Api, "upload", real_upload)
    assert main(["sync", str(run.paths.root)]) == 0
    assert membership() == {"versionIndex": 0, "artifact": {"fileCount": 4, "state": "COMMITTED"}}
    shutil.rmtree(isolated / "wandb" / "artifacts")
    consumer = wandb.init(project="p", entity="admin")
    root = Path(consumer.use_artifact("dataset:latest").download(isolated / "out"))
    assert (root / "data" / "a.bin").read_bytes() == (isolated / "data" / "a.bin").read_bytes()
    assert consumer.use_artifact("dataset:latest").digest == logged.digest
    consumer.finish()
