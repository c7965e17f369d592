"""Resume against the server: never / allow / must / auto, from the same folder or another machine's."""

from __future__ import annotations

import json

import pytest
import yaml

import wandb_jupyter as wandb
from wandb_jupyter import UsageError

from .conftest import server_rows, server_run, server_run_dir


def _first_run(run_id: str, steps: int = 5, **kwargs) -> None:
    run = wandb.init(project="p", id=run_id, config={"lr": 0.1, "keep": "me"}, **kwargs)
    for i in range(steps):
        run.log({"x": i})
    run.summary["best"] = 1.5
    run.finish()


def test_never_refuses_a_run_that_exists_on_the_server(online, tmp_path) -> None:
    _first_run("exists1")
    with pytest.raises(UsageError, match=r"already exists on .* admin/p.*resume='allow'"):
        wandb.init(project="p", id="exists1", dir=tmp_path / "elsewhere", resume="never")
    assert len(server_rows(online, "exists1")) == 5


def test_must_refuses_a_run_that_exists_nowhere(online) -> None:
    with pytest.raises(
        UsageError, match=r"resume='must' but no run 'ghost' exists on http://127\.0\.0\.1:\d+ in admin/p"
    ):
        wandb.init(project="p", id="ghost", resume="must")
    assert server_run(online, "ghost") is None


@pytest.mark.parametrize("mode", ["must", "allow"])
def test_resuming_from_another_machine_continues_the_servers_run(online, tmp_path, mode) -> None:
    _first_run("moved", steps=5)
    other = tmp_path / "other-machine"
    run = wandb.init(project="p", id="moved", dir=other, resume=mode, config={"new": 2})
    assert run.resumed and run.step == 5
    assert dict(run.config) == {"lr": 0.1, "keep": "me", "new": 2}
    assert run.summary["best"] == 1.5
    for i in range(5, 8):
        run.log({"x": i})
    run.finish()
    rows = server_rows(online, "moved")
    assert [(r["_step"], r["x"]) for r in rows] == [(i, i) for i in range(8)]
    files = server_run_dir(online.data_dir, "admin", "p", "moved") / "files"
    config = yaml.safe_load((files / "config.yaml").read_text())
    assert {k: config[k]["value"] for k in ("lr", "keep", "new")} == {"lr": 0.1, "keep": "me", "new": 2}
    summary = json.loads((files / "wandb-summary.json").read_text())
    assert summary["best"] == 1.5 and summary["x"] == 7
    state = json.loads(run.paths.sync_state.read_text())
    assert state["streams"]["wandb-history.jsonl"] == {
        "base": 5,
        "lines": 3,
        "bytes": state["streams"]["wandb-history.jsonl"]["bytes"],
    }
    assert server_run(online, "moved").state == "finished"


def test_resuming_in_the_same_folder_appends_to_it(online) -> None:
    _first_run("local1", steps=3)
    run = wandb.init(project="p", id="local1", resume="must")
    assert run.resumed and run.step == 3
    run.log({"x": 3})
    run.finish()
    assert [r["x"] for r in server_rows(online, "local1")] == [0, 1, 2, 3]
    assert len(list((run.paths.root.parent).glob("run-*-local1"))) == 1


def test_allow_starts_a_missing_run(online) -> None:
    run = wandb.init(project="p", id="fresh1", resume="allow")
    assert not run.resumed and run.step == 0
    run.log({"x": 0})
    run.finish()
    assert [r["x"] for r in server_rows(online, "fresh1")] == [0]


def test_auto_continues_the_run_that_did_not_finish_cleanly(online, recorder) -> None:
    first = wandb.init(project="p", resume="auto")
    first.log({"x": 0})
    first.finish(exit_code=1)  # a crash: auto keeps the id
    second = wandb.init(project="p", resume="auto")
    assert second.id == first.id and second.resumed and second.step == 1
    second.log({"x": 1})
    second.finish()
    assert [r["x"] for r in server_rows(online, first.id)] == [0, 1]
    assert server_run(online, first.id).state == "finished"
    third = wandb.init(project="p", resume="auto")  # a clean finish ended auto-resume
    assert third.id != first.id
    third.finish()
    resume_queries = [r for r in recorder if r.get("operation") == "RunResumeStatus"]
    assert resume_queries and set(resume_queries[0]["variables"]) == {"project", "entity", "name"}
