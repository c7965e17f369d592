"""The real W&B SDK's ``wandb.Api()`` against our server, and ``wandb_jupyter.Api()`` online and over the
local run folders, through the same calls: every answer must be the same."""

from __future__ import annotations

import json
from typing import Any

import pytest

from .conftest import ROWS, Logged

pytestmark = pytest.mark.wandb_sdk

#: (filters, order) pairs: W&B's filter language on config, summary, state, tags, group, names, times.
QUERIES: list[tuple[dict[str, Any], str]] = [
    ({}, "+created_at"),
    ({}, "-created_at"),
    ({"config.lr": {"$gt": 0.005}}, "+config.lr"),
    ({"config.lr": {"$lt": 0.05}, "config.optimizer": "adam"}, "-config.lr"),
    ({"$or": [{"config.optimizer": "sgd"}, {"summary_metrics.best": {"$gte": 4}}]}, "-summary_metrics.best"),
    ({"$and": [{"tags": "wide"}, {"group": "g2"}]}, "+config.lr.value"),
    ({"tags": {"$in": ["deep", "base"]}}, "+summary_metrics.best"),
    ({"tags": {"$nin": ["wide"]}}, "+created_at"),
    ({"display_name": {"$regex": "^(al|ep)"}}, "+created_at"),
    ({"displayName": {"$in": ["beta", "gamma"]}}, "-summary_metrics.loss"),
    ({"config.arch.depth": {"$gte": 8}}, "+config.arch.depth"),
    ({"state": "finished", "config.optimizer": {"$ne": "sgd"}}, "+created_at"),
    ({"createdAt": {"$gt": "2000-01-01T00:00:00Z"}}, "+created_at"),
    ({"summary_metrics.best": {"$exists": True}, "$nor": [{"group": "g1"}]}, "+created_at"),
    ({"config.lr": {"$gt": 100}}, "+created_at"),
]

SDK_SCRIPT = r"""
import json, sys, tempfile, wandb
queries = json.loads(sys.argv[1])
run_path = sys.argv[2]
api = wandb.Api(timeout=30)
out = {"default_entity": api.default_entity, "projects": sorted(p.name for p in api.projects())}
out["runs"] = []
for filters, order in queries:
    runs = api.runs("admin/cmp", filters=filters, order=order, per_page=2)
    out["runs"].append({"ids": [r.id for r in runs], "len": len(runs)})
run = api.run(run_path)
out["run"] = json.loads(json.dumps({"id": run.id, "name": run.name, "state": run.state, "tags": run.tags,
    "notes": run.notes, "group": run.group, "config": run.config, "summary": dict(run.summary)}, default=dict))
out["history"] = run.history(samples=10, pandas=False)
out["history_keys"] = run.history(samples=100, keys=["val"], pandas=False)
out["history_few"] = run.history(samples=3, keys=["loss", "acc"], pandas=False)
out["frame_columns"] = sorted(run.history(samples=5).columns)
out["scan"] = list(run.scan_history(page_size=7))
out["scan_keys"] = list(run.scan_history(keys=["val"], page_size=13))
out["scan_range"] = list(run.scan_history(min_step=10, max_step=20))
out["files"] = sorted((f.name, f.size) for f in run.files())
out["files_named"] = [f.name for f in run.files(names=["config.yaml"])]
target = tempfile.mkdtemp()
run.file("wandb-summary.json").download(root=target)
out["downloaded"] = json.load(open(target + "/wandb-summary.json"))
run.name = "renamed by sdk"
run.notes = "new notes"
run.tags = ["x", "y"]
run.config["added"] = 7
run.update()
run.summary["extra"] = 5
run.summary.update()
again = wandb.Api().run(run_path)
out["updated"] = {"name": again.name, "notes": again.notes, "tags": again.tags, "config": again.config,
                  "extra": again.summary.get("extra")}
victim = api.run(sys.argv[3])
victim.delete()
try:
    wandb.Api().run(sys.argv[3])
    out["deleted"] = False
except Exception as error:
    out["deleted"] = type(error).__name__
print("RESULT " + json.dumps(out, default=dict))  # nested summaries are SummarySubDicts
"""


def _ours(api: Any, path: str, run_path: str) -> dict[str, Any]:
    out: dict[str, Any] = {"runs": []}
    for filters, order in QUERIES:
        runs = api.runs(path, filters=filters, order=order, per_page=2)
        out["runs"].append({"ids": [r.id for r in runs], "len": len(runs)})
    run = api.run(run_path)
    out["run"] = {
        "id": run.id,
        "name": run.name,
        "state": run.state,
        "tags": run.tags,
        "notes": run.notes,
        "group": run.group,
        "config": run.config,
        "summary": dict(run.summary),
    }
    out["history"] = run.history(samples=10, pandas=False)
    out["history_keys"] = run.history(samples=100, keys=["val"], pandas=False)
    out["history_few"] = run.history(samples=3, keys=["loss", "acc"], pandas=False)
    out["frame_columns"] = sorted(run.history(samples=5).columns)
    out["scan"] = list(run.scan_history(page_size=7))
    out["scan_keys"] = list(run.scan_history(keys=["val"], page_size=13))
    out["scan_range"] = list(run.scan_history(min_step=10, max_step=20))
    return out


def _expected_ids(logged: Logged, names: list[str]) -> list[str]:
    return [logged.ids[name] for name in names]


def test_sdk_and_our_api_give_the_same_answers_online_and_over_local_folders(project: Logged, run_sdk) -> None:
    pytest.importorskip("pandas")
    import wandb_jupyter

    ids = project.ids
    run_path = f"admin/cmp/{ids['beta']}"
    online = _ours(wandb_jupyter.Api(), "admin/cmp", run_path)  # before the SDK changes anything
    argv = ["sdk", json.dumps(QUERIES), run_path, f"admin/cmp/{ids['delta']}"]
    script = f"import sys\nsys.argv = {argv!r}\n" + SDK_SCRIPT  # run_sdk passes no arguments
    done = run_sdk(project.server, script, env={"WANDB_SILENT": "true"})
    assert done.returncode == 0, done.stderr[-4000:]
    sdk = json.loads(done.stdout.split("RESULT ", 1)[1])

    # what the SDK saw is what was logged
    assert sdk["default_entity"] == "admin" and sdk["projects"] == ["cmp"]
    by_lr = sorted(ids, key=lambda n: {"alpha": 0.001, "beta": 0.01, "gamma": 0.1, "delta": 0.03, "epsilon": 0.3}[n])
    assert sdk["runs"][0] == {"ids": _expected_ids(project, list(ids)), "len": 5}
    assert sdk["runs"][1]["ids"] == _expected_ids(project, list(ids))[::-1]
    assert sdk["runs"][2]["ids"] == _expected_ids(project, [n for n in by_lr if n != "alpha"])
    assert sdk["runs"][3]["ids"] == _expected_ids(project, ["delta", "beta"])
    assert sdk["runs"][4]["ids"] == _expected_ids(project, ["epsilon", "delta", "gamma", "alpha"])
    assert sdk["runs"][5]["ids"] == _expected_ids(project, ["gamma", "epsilon"])
    assert sdk["runs"][6]["ids"] == _expected_ids(project, ["alpha", "beta", "epsilon"])
    assert sdk["runs"][7]["ids"] == _expected_ids(project, ["alpha", "delta"])
    assert sdk["runs"][8]["ids"] == _expected_ids(project, ["alpha", "epsilon"])
    assert sdk["runs"][9]["ids"] == _expected_ids(project, ["gamma", "beta"])  # gamma's loss is higher
    assert sdk["runs"][10]["ids"] == _expected_ids(project, ["gamma", "epsilon"])
    assert sdk["runs"][11]["ids"] == _expected_ids(project, ["beta", "delta", "epsilon"])
    assert sdk["runs"][12]["len"] == 5 and sdk["runs"][13]["ids"] == _expected_ids(
        project, ["gamma", "delta", "epsilon"]
    )
    assert sdk["runs"][14] == {"ids": [], "len": 0}
    assert sdk["run"]["config"] == {"lr": 0.01, "optimizer": "adam", "arch": {"depth": 4}}
    assert (sdk["run"]["name"], sdk["run"]["tags"], sdk["run"]["notes"], sdk["run"]["group"], sdk["run"]["state"]) == (
        "beta",
        ["base", "wide"],
        "notes of beta",
        "g1",
        "finished",
    )
    assert sdk["run"]["summary"]["best"] == 1.5 and sdk["run"]["summary"]["_step"] == ROWS - 1
    assert [r["_step"] for r in sdk["history"]] == [0, 5, 11, 16, 22, 27, 33, 38, 44, 49]
    assert sdk["history_keys"] == [{"_step": s, "val": s * 2} for s in range(9, ROWS, 10)]
    assert [r["_step"] for r in sdk["history_few"]] == [0, 24, 49]
    assert [r["_step"] for r in sdk["scan"]] == list(range(ROWS))
    assert sdk["scan_keys"] == [{"_step": s, "val": s * 2} for s in range(9, ROWS, 10)]
    assert [r["_step"] for r in sdk["scan_range"]] == list(range(10, 20))
    assert {"config.yaml", "wandb-history.jsonl", "wandb-summary.json", "wandb-metadata.json"} <= {
        name for name, _ in sdk["files"]
    }
    assert sdk["files_named"] == ["config.yaml"]
    assert sdk["downloaded"] == sdk["run"]["summary"]
    assert sdk["updated"] == {
        "name": "renamed by sdk",
        "notes": "new notes",
        "tags": ["x", "y"],
        "config": {"lr": 0.01, "optimizer": "adam", "arch": {"depth": 4}, "added": 7},
        "extra": 5,
    }
    assert sdk["deleted"] in ("CommError", "RunNotFoundError", "ValueError")

    # our Api online: the same answers; then it sees the SDK's update and delete
    assert online == {key: sdk[key] for key in online}
    again = wandb_jupyter.Api().run(run_path)
    assert (again.name, again.notes, again.tags, again.config, again.summary["extra"]) == (
        "renamed by sdk",
        "new notes",
        ["x", "y"],
        sdk["updated"]["config"],
        5,
    )
    assert [r.id for r in wandb_jupyter.Api().runs("admin/cmp")] == _expected_ids(
        project, ["alpha", "beta", "gamma", "epsilon"]
    )
    with pytest.raises(wandb_jupyter.api.RunNotFoundError, match="no run admin/cmp/"):
        wandb_jupyter.Api().run(f"admin/cmp/{ids['delta']}")

    # our Api over the local run folders (untouched by the SDK's update and delete): the logged answers
    local = _ours(wandb_jupyter.Api(dir=project.work), "cmp", f"cmp/{ids['beta']}")
    assert [q["ids"] for q in local["runs"]] == [q["ids"] for q in sdk["runs"]]
    assert [q["len"] for q in local["runs"]] == [q["len"] for q in sdk["runs"]]
    assert local["run"] == sdk["run"]
    for key in ("history", "history_keys", "history_few", "frame_columns", "scan", "scan_keys", "scan_range"):
        assert local[key] == sdk[key], key


SDK_MORE = r"""
import json, sys, wandb
run_path, other_key = sys.argv[1], sys.argv[2]
api = wandb.Api(timeout=30)
out = {}
runs = api.runs("admin/cmp", lazy=False, order="+created_at")
run = api.run(run_path)
out["full"] = [r.config["lr"] for r in runs]
out["metadata_keys"] = sorted(run.metadata or {})
out["last_step"] = run.lastHistoryStep
out["histories"] = len(runs.histories(samples=3, keys=["loss"], format="default"))
out["from_path"] = api.from_path(run_path.replace("/cmp/", "/cmp/runs/")).id
out["loaded"] = run.load(force=True)["displayName"]
def error(call):
    try:
        call()
    except Exception as exc:
        return str(exc)
    return None
out["bad_filter"] = error(lambda: list(api.runs("admin/cmp", filters={"config.lr": {"$foo": 1}})))
out["missing_run"] = error(lambda: api.run("admin/cmp/nope"))
as_other = wandb.Api(api_key=other_key, timeout=30)
out["hidden_run"] = error(lambda: as_other.run(run_path))
out["hidden_missing"] = error(lambda: as_other.run("admin/cmp/nope"))
out["hidden_runs"] = error(lambda: list(as_other.runs("admin/cmp")))
print("RESULT " + json.dumps(out, default=dict))
"""


def test_sdk_full_runs_metadata_histories_and_errors(project: Logged, run_sdk) -> None:
    bob = project.server.ctx.storage.create_user("bob")
    bob_key = project.server.ctx.issue_key(bob)
    run_path = f"admin/cmp/{project.ids['gamma']}"
    script = f"import sys\nsys.argv = {['sdk', run_path, bob_key]!r}\n" + SDK_MORE
    done = run_sdk(project.server, script, env={"WANDB_SILENT": "true"})
    assert done.returncode == 0, done.stderr[-4000:]
    sdk = json.loads(done.stdout.split("RESULT ", 1)[1])
    assert sdk["full"] == [0.001, 0.01, 0.1, 0.03, 0.3]
    assert {"python", "host", "startedAt"} <= set(sdk["metadata_keys"])
    assert sdk["last_step"] == ROWS - 1 and sdk["histories"] == 15
    assert sdk["from_path"] == project.ids["gamma"] and sdk["loaded"] == "gamma"
    assert "unknown filter operator '$foo'" in sdk["bad_filter"]
    assert "Could not find run" in sdk["missing_run"]
    # another user's run is exactly a missing one, through the real SDK too
    assert sdk["hidden_run"].replace(project.ids["gamma"], "nope") == sdk["hidden_missing"]
    assert "Could not find project cmp" in sdk["hidden_runs"]


SDK_ENTITIES = r"""
import json, wandb
api = wandb.Api(timeout=30)
team = api.team("admin")
out = {"members": [(m.username, m.email) for m in team.members], "teams": api.viewer.teams,
       "nobody": [p.name for p in api.projects("nobody")], "mine": [p.name for p in api.projects()]}
print("RESULT " + json.dumps(out))
"""


def test_sdk_entity_and_project_listings(project: Logged, run_sdk) -> None:
    done = run_sdk(project.server, SDK_ENTITIES, env={"WANDB_SILENT": "true"})
    assert done.returncode == 0, done.stderr[-4000:]
    sdk = json.loads(done.stdout.split("RESULT ", 1)[1])
    # a member's API key is never shown; an entity that is missing (or not yours) has no projects
    assert sdk == {"members": [["admin", None]], "teams": [], "nobody": [], "mine": ["cmp"]}
