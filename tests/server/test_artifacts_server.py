"""Artifacts on the server: the real W&B SDK 0.31 logs and uses them (and our client reads what it logged, and
the other way round), tables logged by the SDK arrive as W&B stores them, and bad uploads leave no version."""

from __future__ import annotations

import base64
import hashlib
import json
import os
from pathlib import Path

import pytest
import requests

from wandb_jupyter.server._artifact_index import artifact_index

from .conftest import basic

SDK_LOG = r"""
import os, wandb
run = wandb.init(project="p", entity="admin")
art = wandb.Artifact("ds", type="dataset", metadata={"by": "sdk"})
art.add_file("top.txt")
art.add_dir("data", name="data")
art.add_reference("file://" + os.path.abspath("ref.csv"), name="ref.csv")
run.log_artifact(art, aliases=["best"])
run.finish()
print("PRODUCER", run.id)
"""

SDK_USE = r"""
import sys, wandb
run = wandb.init(project="p", entity="admin")
art = run.use_artifact(sys.argv[1] if len(sys.argv) > 1 else "ds:best")
root = art.download(root="downloaded")
print("VERSION", art.version, sorted(art.aliases), art.metadata)
run.finish()
print("CONSUMER", run.id)
"""

SDK_TABLE = r"""
import wandb
run = wandb.init(project="p", entity="admin")
run.log({"scores": wandb.Table(columns=["a", "b"], data=[[1, "x"], [2, "y"]])})
run.finish()
print("RUN", run.id)
"""


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _sources(work: Path) -> dict[str, bytes]:
    (work / "data" / "sub").mkdir(parents=True, exist_ok=True)
    files = {"top.txt": b"top", "data/a.bin": os.urandom(3000), "data/sub/b.txt": b"bee", "ref.csv": b"x\n1\n"}
    for name, content in files.items():
        (work / name).write_bytes(content)
    return files


def _marked(output: str, label: str) -> str:
    return next(line.split()[1] for line in output.splitlines() if line.startswith(label))


@pytest.mark.wandb_sdk
def test_real_sdk_logs_then_another_run_uses_by_alias_and_downloads_byte_for_byte(live_server, run_sdk) -> None:
    expected = _sources(run_sdk.work)
    logged = run_sdk(live_server, SDK_LOG)
    assert logged.returncode == 0, logged.stderr[-3000:]
    used = run_sdk(live_server, SDK_USE)
    assert used.returncode == 0, used.stderr[-3000:]
    assert "VERSION v0 ['best', 'latest'] {'by': 'sdk'}" in used.stdout
    assert _tree(run_sdk.work / "downloaded") == expected
    index = artifact_index(live_server.ctx.storage)
    project = live_server.ctx.storage.get_project("admin", "p")
    row = index.by_alias(index.sequence(project, "ds").pk, "best")
    storage = live_server.ctx.storage
    assert storage.get_run_by_pk(row.created_by_run).name == _marked(logged.stdout, "PRODUCER")
    assert [storage.get_run_by_pk(pk).name for pk in index.used_by(row.pk)] == [_marked(used.stdout, "CONSUMER")]
    again = run_sdk(live_server, SDK_LOG)  # identical content: W&B makes no new version
    assert again.returncode == 0, again.stderr[-3000:]
    assert [r.version for r in index.versions(row.sequence.pk)] == ["v0"]


@pytest.mark.wandb_sdk
def test_our_client_and_the_real_sdk_read_each_others_artifacts(live_server, run_sdk, monkeypatch) -> None:
    import wandb_jupyter as wandb

    expected = _sources(run_sdk.work)
    assert run_sdk(live_server, SDK_LOG).returncode == 0
    monkeypatch.setenv("WANDB_BASE_URL", live_server.url)
    monkeypatch.setenv("WANDB_API_KEY", live_server.admin_key)
    monkeypatch.setenv("WANDB_MODE", "online")
    run = wandb.init(project="p", entity="admin")
    ours = run.use_artifact("ds:best")  # logged by the real SDK
    assert ours.metadata == {"by": "sdk"} and ours.type == "dataset"
    assert _tree(Path(ours.download(run_sdk.work.parent / "ours"))) == expected
    mine = wandb.Artifact("mine", "model", metadata={"by": "us"})
    mine.add_dir(run_sdk.work / "data", name="data")
    mine.add_file(run_sdk.work / "top.txt")
    mine.add_reference((run_sdk.work / "ref.csv").as_uri(), name="ref.csv")
    run.log_artifact(mine, aliases=["prod"]).wait(60)
    run.finish()
    script = SDK_USE.replace('sys.argv[1] if len(sys.argv) > 1 else "ds:best"', '"mine:prod"')
    result = run_sdk(live_server, script)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "VERSION v0 ['latest', 'prod'] {'by': 'us'}" in result.stdout
    assert _tree(run_sdk.work / "downloaded") == expected


@pytest.mark.wandb_sdk
def test_a_table_logged_by_the_real_sdk_is_readable_on_the_server(live_server, run_sdk) -> None:
    result = run_sdk(live_server, SDK_TABLE)
    assert result.returncode == 0, result.stderr[-3000:]
    run_id = _marked(result.stdout, "RUN")
    index = artifact_index(live_server.ctx.storage)
    project = live_server.ctx.storage.get_project("admin", "p")
    sequence = index.sequence(project, f"run-{run_id}-scores")
    assert sequence is not None and sequence.type_name == "run_table"
    row = index.by_alias(sequence.pk, "latest")
    manifest = json.loads((live_server.data_dir / "artifacts" / "admin" / "manifests" / f"{row.pk}.json").read_text())
    entry = manifest["contents"]["scores.table.json"]
    blob = live_server.data_dir / "artifacts" / "admin" / "objects"
    hexdigest = base64.b64decode(entry["digest"]).hex()
    table = json.loads((blob / hexdigest[:2] / hexdigest).read_text())
    assert table["columns"] == ["a", "b"] and table["data"] == [[1, "x"], [2, "y"]]
    # and through the API, as the SDK's public API reads it
    answer = live_server.gql(
        """query($e: String!, $p: String!, $n: String!) { project(name: $p, entityName: $e) {
             artifactCollectionMembership(name: $n) { artifact { artifactType { name } fileCount
               files { edges { node { name directUrl } } } } } } }""",
        {"e": "admin", "p": "p", "n": f"run-{run_id}-scores:latest"},
    ).json()["data"]["project"]["artifactCollectionMembership"]["artifact"]
    assert answer["artifactType"]["name"] == "run_table" and answer["fileCount"] == 1
    url = answer["files"]["edges"][0]["node"]["directUrl"]
    assert json.loads(requests.get(url, timeout=10).content)["data"] == [[1, "x"], [2, "y"]]


# -- the protocol's guards, request by request ------------------------------------------------------------

CREATE = """mutation($input: CreateArtifactInput!) { createArtifact(input: $input) { artifact { id state } } }"""
FILES = """mutation($input: CreateArtifactFilesInput!) { createArtifactFiles(input: $input) {
  files { edges { node { name uploadUrl } } } } }"""
MANIFEST = """mutation($id: ID!) { createArtifactManifest(input: {artifactID: $id, name: "wandb_manifest.json",
  digest: "", entityName: "admin", projectName: "p", runName: "r1"}) { artifactManifest { id file { uploadUrl } } } }"""
COMMIT = """mutation($id: ID!) { commitArtifact(input: {artifactID: $id}) { artifact { id state versionIndex } } }"""
BY_NAME = """query($n: String!) { project(name: "p", entityName: "admin") {
  artifactCollectionMembership(name: $n) { versionIndex } } }"""


def _b64(content: bytes) -> str:
    return base64.b64encode(hashlib.md5(content).digest()).decode()


def _manifest(files: dict[str, bytes]) -> tuple[dict, str]:
    contents = {name: {"digest": _b64(data), "size": len(data)} for name, data in sorted(files.items())}
    hasher = hashlib.md5(b"wandb-artifact-manifest-v1\n")
    for name in sorted(contents):
        hasher.update(f"{name}:{contents[name]['digest']}\n".encode())
    manifest = {
        "version": 1,
        "storagePolicy": "wandb-storage-policy-v1",
        "storagePolicyConfig": {"storageLayout": "V2"},
        "contents": contents,
    }
    return manifest, hasher.hexdigest()


def _start(server, files: dict[str, bytes], name: str = "guarded") -> tuple[str, dict, str]:
    assert server.upsert("r1").status_code == 200
    manifest, digest = _manifest(files)
    created = server.gql(
        CREATE,
        {
            "input": {
                "artifactTypeName": "dataset",
                "artifactCollectionName": name,
                "entityName": "admin",
                "projectName": "p",
                "runName": "r1",
                "digest": digest,
            }
        },
    ).json()
    return created["data"]["createArtifact"]["artifact"]["id"], manifest, digest


def test_an_interrupted_or_corrupted_upload_leaves_no_visible_version(live_server) -> None:
    files = {"a.txt": b"alpha", "b.txt": b"beta"}
    artifact_id, manifest, _ = _start(live_server, files)
    made = live_server.gql(MANIFEST, {"id": artifact_id}).json()["data"]["createArtifactManifest"]["artifactManifest"]
    assert requests.put(made["file"]["uploadUrl"], data=json.dumps(manifest), timeout=10).status_code == 200
    specs = [{"artifactID": artifact_id, "name": n, "md5": _b64(d)} for n, d in files.items()]
    nodes = live_server.gql(FILES, {"input": {"artifactFiles": specs, "storageLayout": "V2"}}).json()
    urls = {e["node"]["name"]: e["node"]["uploadUrl"] for e in nodes["data"]["createArtifactFiles"]["files"]["edges"]}
    wrong = requests.put(urls["a.txt"], data=b"not alpha", timeout=10)  # bytes that are not the announced MD5
    assert wrong.status_code == 400 and "MD5" in wrong.json()["error"]
    unsigned = requests.put(urls["a.txt"].split("?")[0], data=b"alpha", timeout=10)
    assert unsigned.status_code == 403
    assert requests.put(urls["b.txt"], data=b"beta", timeout=10).status_code == 200
    refused = live_server.gql(COMMIT, {"id": artifact_id}).json()  # a.txt never arrived
    assert "a.txt" in refused["errors"][0]["message"] and "nothing is committed" in refused["errors"][0]["message"]
    assert (
        live_server.gql(BY_NAME, {"n": "guarded:latest"}).json()["data"]["project"]["artifactCollectionMembership"]
        is None
    )
    assert not list((live_server.data_dir / "artifacts").rglob("*.part"))
    assert requests.put(urls["a.txt"], data=b"alpha", timeout=10).status_code == 200
    committed = live_server.gql(COMMIT, {"id": artifact_id}).json()["data"]["commitArtifact"]["artifact"]
    assert committed["state"] == "COMMITTED" and committed["versionIndex"] == 0
    again = live_server.gql(FILES, {"input": {"artifactFiles": specs, "storageLayout": "V2"}}).json()
    assert "committed" in again["errors"][0]["message"]  # a committed version's files cannot change


def test_names_aliases_and_access_follow_the_rules_of_runs(live_server) -> None:
    assert live_server.upsert("r1").status_code == 200
    bad = live_server.gql(
        CREATE,
        {
            "input": {
                "artifactTypeName": "dataset",
                "artifactCollectionName": "team/x",
                "entityName": "admin",
                "projectName": "p",
                "runName": "r1",
                "digest": "0" * 32,
            }
        },
    ).json()
    assert "invalid artifact name" in bad["errors"][0]["message"]
    files = {"a.txt": b"alpha"}
    artifact_id, _manifest, _ = _start(live_server, files, name="private")
    other = live_server.ctx.storage.create_user("eve")
    eve_key = live_server.ctx.issue_key(other)
    assert live_server.gql(COMMIT, {"id": artifact_id}, key=eve_key).json()["errors"]
    seen = live_server.gql(BY_NAME, {"n": "private:latest"}, key=eve_key).json()["data"]["project"]
    assert seen is None  # another user's project reads as missing, as its runs do
    blob = requests.get(
        f"{live_server.url}/artifacts/admin/{hashlib.md5(b'alpha').hexdigest()}", headers=basic(eve_key), timeout=10
    )
    assert blob.status_code == 404


SDK_PUBLIC_API = r"""
import wandb
api = wandb.Api()
a = api.artifact("admin/p/ds:best")
print("ARTIFACT", a.name, a.version, sorted(a.aliases), a.type, a.metadata)
print("LOGGED_BY", a.logged_by().id)
print("USED_BY", [r.id for r in a.used_by()])
print("TYPES", [t.name for t in api.artifact_types("admin/p")])
print("COLLECTIONS", [c.name for c in api.artifact_collections("admin/p", "dataset")])
print("VERSIONS", [v.name for v in api.artifacts("dataset", "admin/p/ds")])
print("EXISTS", api.artifact_exists("admin/p/ds:v0"), api.artifact_exists("admin/p/ds:v9"))
"""


@pytest.mark.wandb_sdk
def test_the_real_sdks_public_api_finds_and_lists_artifacts(live_server, run_sdk) -> None:
    _sources(run_sdk.work)
    logged = run_sdk(live_server, SDK_LOG)
    assert logged.returncode == 0, logged.stderr[-3000:]
    used = run_sdk(live_server, SDK_USE)
    assert used.returncode == 0, used.stderr[-3000:]
    result = run_sdk(live_server, SDK_PUBLIC_API)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = dict(line.split(" ", 1) for line in result.stdout.splitlines() if line[:1].isupper() and " " in line)
    assert lines["ARTIFACT"] == "ds:best v0 ['best', 'latest'] dataset {'by': 'sdk'}"
    assert lines["LOGGED_BY"] == _marked(logged.stdout, "PRODUCER")
    assert lines["USED_BY"] == f"['{_marked(used.stdout, 'CONSUMER')}']"
    assert (lines["TYPES"], lines["COLLECTIONS"], lines["VERSIONS"]) == ("['dataset']", "['ds']", "['ds:v0']")
    assert lines["EXISTS"] == "True False"
