"""Offline resume: never / auto / allow / must, continuing steps, config and summary."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import wandb_jupyter as wandb
from wandb_jupyter import UsageError


def _steps(run) -> list[int]:
    return [json.loads(line)["_step"] for line in Path(run.dir, "wandb-history.jsonl").read_text().splitlines()]


def _first_run(**kwargs):
    run = wandb.init(mode="offline", project="r", config={"lr": 0.1}, **kwargs)
    run.log({"loss": 3.0})
    run.log({"loss": 2.0})
    run.summary["best"] = 2.0
    return run


def test_must_continues_steps_config_summary_and_name(isolated) -> None:
    first = _first_run(id="abc", name="keeper")
    first.finish(quiet=True)
    again = wandb.init(mode="offline", project="r", id="abc", resume="must", config={"epochs": 2})
    assert again.resumed and again.paths.root == first.paths.root and again.name == "keeper"
    assert dict(again.config) == {"lr": 0.1, "epochs": 2}
    assert again.summary["best"] == 2.0 and again.step == 2
    again.log({"loss": 1.0})
    again.finish(quiet=True)
    assert _steps(again) == [0, 1, 2]
    rows = Path(again.dir, "wandb-history.jsonl").read_text().splitlines()
    assert json.loads(rows[2])["_runtime"] >= json.loads(rows[1])["_runtime"]


def test_must_without_an_existing_run_or_id_is_an_error(isolated) -> None:
    with pytest.raises(UsageError, match="no run 'missing' exists"):
        wandb.init(mode="offline", id="missing", resume="must")
    with pytest.raises(UsageError, match="needs a run id"):
        wandb.init(mode="offline", resume="must")


def test_never_refuses_an_existing_id(isolated) -> None:
    _first_run(id="taken").finish(quiet=True)
    with pytest.raises(UsageError, match="already exists.*resume='allow'"):
        wandb.init(mode="offline", id="taken")


def test_allow_continues_an_existing_id_or_starts_it(isolated) -> None:
    fresh = wandb.init(mode="offline", id="newid", resume="allow")
    assert not fresh.resumed
    fresh.log({"a": 1})
    fresh.finish(quiet=True)
    again = wandb.init(mode="offline", id="newid", resume="allow")
    assert again.resumed and again.step == 1


def test_auto_resumes_a_crashed_run_and_forgets_it_after_a_clean_finish(isolated) -> None:
    crashed = _first_run(resume="auto")
    resume_file = isolated / "wandb" / "wandb-resume.json"
    assert json.loads(resume_file.read_text()) == {"run_id": crashed.id}
    crashed.finish(exit_code=1, quiet=True)  # a failure keeps the resume file
    assert resume_file.exists()

    resumed = wandb.init(mode="offline", resume="auto")
    assert resumed.id == crashed.id and resumed.resumed and resumed.step == 2
    resumed.finish(quiet=True)
    assert not resume_file.exists()

    fresh = wandb.init(mode="offline", resume="auto")
    assert fresh.id != crashed.id and not fresh.resumed


def test_resume_from_the_environment(isolated, monkeypatch) -> None:
    _first_run(id="envrun").finish(quiet=True)
    monkeypatch.setenv("WANDB_RESUME", "must")
    monkeypatch.setenv("WANDB_RUN_ID", "envrun")
    assert wandb.init(mode="offline").resumed


def test_resuming_trims_a_torn_last_line(isolated) -> None:
    run = _first_run(id="torn")
    run.finish(quiet=True)
    history = Path(run.dir, "wandb-history.jsonl")
    with open(history, "a") as handle:
        handle.write('{"loss": 0.5, "_st')  # what a crash in the middle of a large write leaves
    again = wandb.init(mode="offline", id="torn", resume="must")
    again.log({"loss": 0.1})
    again.finish(quiet=True)
    assert _steps(again) == [0, 1, 2]


def test_a_clean_finish_through_must_ends_auto_resume_too(isolated) -> None:
    crashed = _first_run(resume="auto", id="autoid")
    crashed.finish(exit_code=1, quiet=True)
    wandb.init(mode="offline", id="autoid", resume="must").finish(quiet=True)
    assert not (isolated / "wandb" / "wandb-resume.json").exists()
    assert wandb.init(mode="offline", resume="auto").id != "autoid"
