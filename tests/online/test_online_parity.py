"""Request-shape parity: the real W&B SDK and our client run the same script against our server.

Every request is recorded; both must use the same GraphQL operations (with the
same documents and variable names), the same file_stream body keys and entry
shapes, the same auth and attribution headers and the same uploaded files.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

pytestmark = pytest.mark.wandb_sdk

SCRIPT = r"""
import sys, time
import {module} as wandb
run = wandb.init(project="parity", id="{run_id}", resume="allow", name="same-script", tags=["t"], notes="n",
                 group="g", job_type="train", config={{"lr": 0.1, "nested": {{"a": 1}}}})
for i in range(20):
    run.log({{"x": i, "loss": 1.0 / (i + 1)}})
print("a line for output.log")
run.config["later"] = 1
run.summary["best"] = 0.5
run.finish()
"""

#: Operations only W&B's SDK sends (organization lookups for its own cloud features).
SDK_ONLY = {"OrganizationCoreWeaveOrganizationID"}
#: Operations the SDK sends only sometimes (it caches the answer); we ask once per run.
EITHER = {"ServerFeaturesQuery"}


def _requests(recorder, start: int) -> list[dict]:
    return recorder[start:]


def _ours(server, env_for_subprocess, tmp_path) -> subprocess.CompletedProcess[str]:
    work = tmp_path / "ours"
    work.mkdir()
    env = dict(
        env_for_subprocess,
        WANDB_BASE_URL=server.url,
        WANDB_API_KEY=server.admin_key,
        WANDB_DIR=str(work),
        WANDB_USERNAME="alice",
        WANDB_USER_EMAIL="alice@example.com",
    )
    return subprocess.run(
        [sys.executable, "-c", SCRIPT.format(module="wandb_jupyter", run_id="ours1")],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_our_requests_have_the_shape_of_the_sdks(live_server, run_sdk, recorder, env_for_subprocess, tmp_path) -> None:
    done = run_sdk(
        live_server,
        SCRIPT.format(module="wandb", run_id="sdk1"),
        env={"WANDB_USERNAME": "alice", "WANDB_USER_EMAIL": "alice@example.com"},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    sdk = list(recorder)
    mine = _ours(live_server, env_for_subprocess, tmp_path)
    assert mine.returncode == 0, mine.stderr[-3000:]
    ours = recorder[len(sdk) :]

    def graphql(records: list[dict]) -> dict[str, list[dict]]:
        found: dict[str, list[dict]] = {}
        for record in records:
            if record["kind"] == "graphql":
                found.setdefault(record["operation"], []).append(record)
        return found

    sdk_ops, our_ops = graphql(sdk), graphql(ours)
    assert set(our_ops) - EITHER == set(sdk_ops) - SDK_ONLY - EITHER, (sorted(sdk_ops), sorted(our_ops))
    assert set(our_ops) <= set(sdk_ops) | EITHER
    for operation in our_ops:
        if operation not in sdk_ops:
            continue
        assert our_ops[operation][0]["query"] == sdk_ops[operation][0]["query"], operation
        sdk_variables = {name for record in sdk_ops[operation] for name in (record["variables"] or {})}
        our_variables = {name for record in our_ops[operation] for name in (record["variables"] or {})}
        assert our_variables == sdk_variables, operation
    assert [r["operation"] for r in ours if r["kind"] == "graphql"][:2] == ["Viewer", "ServerFeaturesQuery"]
    assert sdk_ops["Viewer"] and our_ops["RunResumeStatus"]

    def streams(records: list[dict]) -> list[dict]:
        return [r["body"] for r in records if r["kind"] == "file_stream"]

    sdk_bodies, our_bodies = streams(sdk), streams(ours)
    assert {k for body in our_bodies for k in body} == {k for body in sdk_bodies for k in body}
    assert {name for body in our_bodies for name in body["files"]} == {
        name for body in sdk_bodies for name in body["files"]
    } - {"wandb-events.jsonl"} | ({"wandb-events.jsonl"} & {name for body in our_bodies for name in body["files"]})
    for body in our_bodies:
        for entry in body["files"].values():
            assert set(entry) == {"offset", "content"} and isinstance(entry["offset"], int)
            assert all(isinstance(line, str) and "\n" not in line for line in entry["content"])
    assert our_bodies[-1]["complete"] is True and our_bodies[-1]["exitcode"] == 0
    assert set(our_bodies[-1]["uploaded"]) >= set(sdk_bodies[-1]["uploaded"])

    def uploads(records: list[dict]) -> set[str]:
        return {r["path"].rsplit("/", 1)[1] for r in records if r["kind"] == "upload"}

    assert uploads(ours) >= uploads(sdk)
    for records in (sdk, ours):
        for record in records:
            if record["kind"] == "upload":
                continue
            assert record["headers"]["authorization"].startswith("Basic ")
            if record["kind"] == "graphql":
                assert record["headers"]["x-wandb-username"] == "alice"
                assert record["headers"]["x-wandb-user-email"] == "alice@example.com"
