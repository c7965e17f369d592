"""Artifacts offline with our client: logged into the local store, used and downloaded from it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import wandb_jupyter as wandb
from wandb_jupyter.artifacts import DigestMismatch
from wandb_jupyter.artifacts._store import store_for


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _sources(work: Path) -> tuple[Path, Path, Path]:
    (work / "data").mkdir()
    (work / "data" / "a.bin").write_bytes(os.urandom(3000))
    (work / "data" / "nested").mkdir()
    (work / "data" / "nested" / "b.txt").write_text("b" * 100)
    (work / "weights.bin").write_bytes(os.urandom(5000))
    (work / "outside.csv").write_text("x,y\n1,2\n")
    return work / "data", work / "weights.bin", work / "outside.csv"


def _objects(wandb_dir: Path) -> list[Path]:
    return [p for p in (wandb_dir / "artifacts" / "objects" / "md5").rglob("*") if p.is_file()]


def test_offline_log_then_use_by_alias_and_version_downloads_byte_for_byte(isolated: Path) -> None:
    folder, weights, csv = _sources(isolated)
    run = wandb.init(project="p", mode="offline")
    artifact = wandb.Artifact("dataset", type="dataset", description="d", metadata={"rows": 2})
    artifact.add_file(weights)
    artifact.add_dir(folder, name="data")
    artifact.add_reference(csv.as_uri(), name="refs/outside.csv")
    with artifact.new_file("notes.txt") as handle:
        handle.write("made in the artifact")
    logged = run.log_artifact(artifact, aliases=["best"])
    assert logged.name == "dataset:v0" and logged.aliases == ["latest", "best"]
    manifest = json.loads((isolated / "wandb" / "artifacts" / "manifests" / f"{logged.digest}.json").read_text())
    assert manifest["storagePolicy"] == "wandb-storage-policy-v1"
    assert manifest["contents"]["refs/outside.csv"]["ref"] == csv.as_uri()
    assert set(manifest["contents"]) == {
        "weights.bin",
        "data/a.bin",
        "data/nested/b.txt",
        "refs/outside.csv",
        "notes.txt",
    }
    run.finish()

    user = wandb.init(project="p", mode="offline")
    for name in ("dataset:best", "dataset:v0", "dataset", "p/dataset:latest"):
        used = user.use_artifact(name, type="dataset")
        assert used.name == "dataset:v0" and used.metadata == {"rows": 2} and used.description == "d"
    root = Path(used.download(isolated / "out"))
    expected = {
        "weights.bin": weights.read_bytes(),
        "data/a.bin": (folder / "a.bin").read_bytes(),
        "data/nested/b.txt": (folder / "nested" / "b.txt").read_bytes(),
        "refs/outside.csv": csv.read_bytes(),
        "notes.txt": b"made in the artifact",
    }
    assert _tree(root) == expected
    used.verify(root)
    records = [json.loads(line) for line in (user.paths.root / "artifacts.jsonl").read_text().splitlines()]
    assert [r["op"] for r in records] == ["use"] * 4 and records[0]["digest"] == used.digest
    user.finish()


def test_identical_content_is_one_version_and_identical_files_are_stored_once(isolated: Path) -> None:
    folder, weights, _ = _sources(isolated)
    run = wandb.init(project="p", mode="offline")
    first = wandb.Artifact("model", "model")
    first.add_file(weights)
    first.add_dir(folder)
    run.log_artifact(first)
    count = len(_objects(isolated / "wandb"))
    again = wandb.Artifact("model", "model")
    again.add_file(weights)
    again.add_dir(folder)
    assert run.log_artifact(again, aliases=["again"]).name == "model:v0"  # W&B: same content, same version
    assert len(_objects(isolated / "wandb")) == count
    changed = wandb.Artifact("model", "model")
    changed.add_file(weights)
    changed.add_dir(folder)
    with changed.new_file("extra.txt") as handle:
        handle.write("new")
    assert run.log_artifact(changed).name == "model:v1"
    assert len(_objects(isolated / "wandb")) == count + 1  # only the new file was stored
    copy = wandb.Artifact("copy", "model")  # another artifact with the same bytes: no new object
    copy.add_file(weights, name="w.bin")
    run.log_artifact(copy)
    assert len(_objects(isolated / "wandb")) == count + 1
    assert run.use_artifact("model:again").name == "model:v0"
    assert run.use_artifact("model:latest").name == "model:v1"
    run.finish()


def test_bad_input_is_a_clear_error_and_leaves_no_version(isolated: Path) -> None:
    run = wandb.init(project="p", mode="offline")
    with pytest.raises(wandb.UsageError, match="no '/'"):
        wandb.Artifact("team/data", "dataset")
    artifact = wandb.Artifact("data", "dataset")
    with pytest.raises(wandb.UsageError, match="is not a file"):
        artifact.add_file(isolated / "missing.txt")
    with pytest.raises(wandb.UsageError, match="is not a folder"):
        artifact.add_dir(isolated / "missing")
    with pytest.raises(wandb.UsageError, match="no file or folder"):
        artifact.add_reference((isolated / "missing.csv").as_uri())
    with pytest.raises(wandb.UsageError, match="invalid alias"):
        run.log_artifact(wandb.Artifact("x", "t"), aliases=["a/b"])
    source = isolated / "f.txt"
    source.write_text("content")
    artifact.add_file(source)
    source.unlink()  # removed between add_file and log_artifact
    with pytest.raises(wandb.UsageError, match="was removed"):
        run.log_artifact(artifact)
    assert store_for(isolated / "wandb").versions("p", "data") == []
    with pytest.raises(wandb.UsageError, match="not found in project 'p'"):
        run.use_artifact("data:latest")
    source.write_text("content")
    logged = run.log_artifact(artifact)
    with pytest.raises(wandb.UsageError, match=r"data:nope not found .* it has v0, latest"):
        run.use_artifact("data:nope")
    with pytest.raises(wandb.UsageError, match="logged already"):
        run.log_artifact(logged)
    with pytest.raises(wandb.UsageError, match="cannot change"):
        logged.add_file(source)
    with pytest.raises(wandb.UsageError, match="has type 'dataset', not 'model'"):
        run.use_artifact("data", type="model")
    run.finish()


def test_a_corrupted_store_file_fails_the_download_and_leaves_nothing(isolated: Path) -> None:
    run = wandb.init(project="p", mode="offline")
    (isolated / "f.txt").write_text("the real bytes")
    artifact = wandb.Artifact("data", "dataset")
    artifact.add_file(isolated / "f.txt")
    logged = run.log_artifact(artifact)
    stored = store_for(isolated / "wandb").object_path(logged.manifest.entries["f.txt"].digest)
    stored.write_text("corrupted bytes")
    with pytest.raises(DigestMismatch, match="MD5"):
        logged.download(isolated / "out")
    assert not (isolated / "out" / "f.txt").exists()
    assert [p.name for p in (isolated / "out").iterdir()] == []  # no partial file either
    run.finish()


def test_checkout_and_verify(isolated: Path) -> None:
    run = wandb.init(project="p", mode="offline")
    (isolated / "f.txt").write_text("f")
    artifact = wandb.Artifact("data", "dataset")
    artifact.add_file(isolated / "f.txt")
    logged = run.log_artifact(artifact)
    root = Path(logged.download())
    assert root == isolated / "artifacts" / "data:v0"
    (root / "stray.txt").write_text("not in the artifact")
    with pytest.raises(ValueError, match="not in data:v0"):
        logged.verify(root)
    logged.checkout(root)
    assert sorted(p.name for p in root.iterdir()) == ["f.txt"]
    (root / "f.txt").write_text("edited")
    with pytest.raises(ValueError, match="MD5 differs"):
        logged.verify(root)
    run.finish()


def test_tables_models_metadata_and_the_disabled_run(isolated: Path) -> None:
    run = wandb.init(project="p", mode="offline")
    table = wandb.Table(columns=["a", "b"], data=[[1, "x"], [2, "y"]])
    artifact = wandb.Artifact("tables", "dataset")
    artifact.add(table, "scores")
    logged = run.log_artifact(artifact)
    assert set(logged.manifest.entries) == {"scores.table.json"}
    assert run.use_artifact("tables:latest").get("scores") == table
    (isolated / "model.pt").write_bytes(b"weights")
    model = run.log_model(isolated / "model.pt", name="net", aliases=["prod"])
    assert model.type == "model" and model.aliases == ["latest", "prod"]
    path = run.use_model("net:prod")
    assert Path(path).read_bytes() == b"weights"
    logged.description, logged.metadata = "scores table", {"n": 2}
    logged.aliases = ["reviewed"]
    logged.save()
    again = run.use_artifact("tables:reviewed")
    assert again.description == "scores table" and again.metadata == {"n": 2}
    run.link_artifact(model, "registry-models", aliases=["staging"])
    assert run.use_artifact("registry-models:staging").digest == model.digest
    run.finish()
    disabled = wandb.init(mode="disabled")
    draft = wandb.Artifact("d", "t")
    assert disabled.log_artifact(draft) is draft and disabled.use_artifact("anything:v3").type == "unspecified"
    disabled.finish()
    assert not (isolated / "wandb").joinpath("artifacts", "collections", "uncategorized").exists()


def test_http_references_are_recorded_offline_and_fetched_on_download(isolated: Path) -> None:
    import functools
    import http.server
    import threading

    served = isolated / "served"
    served.mkdir()
    (served / "remote.csv").write_bytes(b"a,b\n1,2\n")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}/remote.csv"
        run = wandb.init(project="p", mode="offline")
        artifact = wandb.Artifact("refs", "dataset")
        artifact.add_reference(url)
        artifact.add_reference("s3://bucket/key/data.parquet")
        logged = run.log_artifact(artifact)
        entries = logged.manifest.entries
        assert entries["remote.csv"].ref == url and entries["remote.csv"].digest == url  # recorded, no request
        assert entries["data.parquet"].ref == "s3://bucket/key/data.parquet"
        root = Path(logged.download(isolated / "out", path_prefix="remote"))
        assert (root / "remote.csv").read_bytes() == b"a,b\n1,2\n"
        (served / "remote.csv").unlink()
        with pytest.raises(wandb.UsageError, match="not reachable"):
            logged.download(isolated / "again", path_prefix="remote")
        logged.download(isolated / "again", path_prefix="remote", allow_missing_references=True)
        assert not (isolated / "again" / "remote.csv").exists()
        run.finish()
    finally:
        httpd.shutdown()
