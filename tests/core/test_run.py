"""The Run API: log/step/commit, config, summary, save, finish, reinit, disabled mode."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
import yaml

import wandb_jupyter as wandb
from wandb_jupyter import UsageError


def history(run) -> list[dict]:
    return [json.loads(line) for line in Path(run.dir, "wandb-history.jsonl").read_text().splitlines()]


def summary(run) -> dict:
    return json.loads(Path(run.dir, "wandb-summary.json").read_text())


def config(run) -> dict:
    return yaml.safe_load(Path(run.dir, "config.yaml").read_text())


@pytest.fixture
def run(isolated):
    run = wandb.init(mode="offline", project="tests")
    yield run
    run.finish(quiet=True)


def test_each_log_is_a_step_with_step_runtime_and_timestamp(run) -> None:
    for i in range(3):
        run.log({"loss": 1.0 / (i + 1)})
    rows = history(run)
    assert [r["_step"] for r in rows] == [0, 1, 2]
    assert [r["loss"] for r in rows] == [1.0, 0.5, 1.0 / 3]
    assert all(r["_runtime"] >= 0 and r["_timestamp"] > 1.6e9 for r in rows)
    assert rows[0]["_runtime"] <= rows[2]["_runtime"]


def test_commit_false_accumulates_into_the_next_step(run) -> None:
    run.log({"a": 1}, commit=False)
    run.log({"b": 2}, commit=False)
    run.log({"c": 3})
    assert [{k: v for k, v in r.items() if not k.startswith("_")} for r in history(run)] == [{"a": 1, "b": 2, "c": 3}]


def test_explicit_steps_accumulate_and_lower_steps_are_ignored(run) -> None:
    run.log({"a": 1}, step=5)
    run.log({"b": 2}, step=5)
    run.log({"a": 3}, step=7)
    run.log({"stale": 1}, step=6)
    run.finish(quiet=True)
    rows = history(run)
    assert [(r["_step"], r.get("a"), r.get("b")) for r in rows] == [(5, 1, 2), (7, 3, None)]
    assert all("stale" not in r for r in rows)


@pytest.mark.parametrize("bad", [1.5, "3", True, -1])
def test_bad_steps_are_clear_errors(run, bad) -> None:
    with pytest.raises(UsageError, match="step"):
        run.log({"a": 1}, step=bad)


def test_log_rejects_non_dicts_and_unloggable_values_without_writing(run) -> None:
    run.log({"ok": 1})
    with pytest.raises(UsageError, match="dict"):
        run.log([1, 2])
    with pytest.raises(UsageError, match="'model'.*object"):
        run.log({"fine": 1, "model": object()})
    run.log({"ok": 2})
    assert [r["ok"] for r in history(run)] == [1, 2]
    assert [r["_step"] for r in history(run)] == [0, 1]


def test_summary_tracks_last_values_and_explicit_sets(run) -> None:
    run.log({"loss": 3.0, "acc": 0.1})
    run.log({"loss": 1.0})
    run.summary["best_acc"] = 0.9
    run.summary.update({"note": "x"})
    run.finish(quiet=True)
    data = summary(run)
    assert (data["loss"], data["acc"], data["best_acc"], data["note"]) == (1.0, 0.1, 0.9, "x")
    assert data["_step"] == 1 and data["_wandb"]["exitcode"] == 0


def test_config_attribute_item_and_update_access_persist_in_wandb_format(isolated) -> None:
    run = wandb.init(mode="offline", config=argparse.Namespace(lr=0.1, layers=[64, 32]))
    run.config.batch = 8
    run.config["opt"] = {"name": "adam", "betas": [0.9, 0.99]}
    run.config.update({"epochs": 3}, allow_val_change=True)
    assert run.config.lr == 0.1 and run.config["batch"] == 8 and wandb.config.epochs == 3
    with pytest.raises(AttributeError):
        _ = run.config.missing
    on_disk = config(run)
    assert on_disk["lr"] == {"value": 0.1}
    assert on_disk["opt"] == {"value": {"name": "adam", "betas": [0.9, 0.99]}}
    assert on_disk["epochs"] == {"value": 3} and on_disk["layers"] == {"value": [64, 32]}
    assert on_disk["_wandb"]["value"]["cli_version"] == wandb.__version__
    run.finish(quiet=True)


def test_config_include_and_exclude_keys(isolated) -> None:
    run = wandb.init(mode="offline", config={"a": 1, "b": 2, "c": 3}, config_exclude_keys=["b"])
    assert dict(run.config) == {"a": 1, "c": 3}
    run.finish(quiet=True)
    run = wandb.init(mode="offline", config={"a": 1, "b": 2}, config_include_keys=["b"])
    assert dict(run.config) == {"b": 2}


def test_config_rejects_unserialisable_values(run) -> None:
    with pytest.raises(UsageError, match="config 'fn'"):
        run.config.fn = object()
    assert "fn" not in run.config


def test_save_copies_files_now_and_again_at_finish(run, isolated) -> None:
    (isolated / "ckpt").mkdir()
    (isolated / "ckpt" / "a.txt").write_text("v1")
    (isolated / "ckpt" / "sub").mkdir()
    (isolated / "ckpt" / "sub" / "b.txt").write_text("b")
    stored = run.save(str(isolated / "ckpt" / "**" / "*.txt"))
    assert sorted(Path(p).relative_to(run.dir).as_posix() for p in stored) == ["a.txt", "sub/b.txt"]
    (isolated / "ckpt" / "a.txt").write_text("v2")
    run.finish(quiet=True)
    assert Path(run.dir, "a.txt").read_text() == "v2"


def test_save_policy_is_checked(run) -> None:
    with pytest.raises(UsageError, match="policy"):
        run.save("*.txt", policy="sometimes")


def test_run_attributes(run) -> None:
    assert run.project == "tests" and run.entity and len(run.id) == 8
    assert run.dir.endswith("files") and Path(run.dir).is_dir()
    assert run.path == f"{run.entity}/tests/{run.id}"
    assert run.url is None  # offline runs have no page yet
    assert wandb.run is run


def test_module_level_functions_need_a_run(isolated) -> None:
    assert wandb.run is None
    with pytest.raises(UsageError, match="init"):
        wandb.log({"a": 1})
    with pytest.raises(UsageError, match="init"):
        wandb.config["x"]
    wandb.finish()  # no run: nothing to do, no error


def test_context_manager_finishes_with_exit_code_1_on_exceptions(isolated) -> None:
    with pytest.raises(RuntimeError), wandb.init(mode="offline") as run:
        run.log({"a": 1})
        raise RuntimeError("boom")
    assert run.finished and run.exit_code == 1
    assert summary(run)["_wandb"]["exitcode"] == 1
    with wandb.init(mode="offline") as ok:
        ok.log({"a": 1})
    assert ok.exit_code == 0 and wandb.run is None


def test_second_init_finishes_the_previous_run(isolated) -> None:
    first = wandb.init(mode="offline")
    second = wandb.init(mode="offline")
    assert first.finished and not second.finished and wandb.run is second


def test_reinit_policies(isolated) -> None:
    first = wandb.init(mode="offline")
    assert wandb.init(mode="offline", reinit="return_previous") is first
    assert wandb.init(mode="offline", reinit=False) is first
    second = wandb.init(mode="offline", reinit="create_new")
    assert not first.finished and wandb.run is second
    second.finish(quiet=True)
    assert wandb.run is first
    with pytest.raises(UsageError, match="reinit"):
        wandb.init(mode="offline", reinit="sometimes")


def test_log_after_finish_is_ignored_with_a_warning(run) -> None:
    run.log({"a": 1})
    run.finish(quiet=True)
    run.log({"a": 2})
    run.finish()  # idempotent
    assert len(history(run)) == 1


def test_disabled_mode_returns_a_working_noop_run(isolated) -> None:
    run = wandb.init(mode="disabled", config={"lr": 0.1})
    run.log({"a": 1})
    run.config.b = 2
    run.summary["c"] = 3
    assert run.config.lr == 0.1 and run.config.b == 2 and run.summary["c"] == 3
    assert run.save("*.txt") == [] and Path(run.dir).is_dir()
    with run:
        wandb.log({"x": 1})
    assert run.finished and not (isolated / "wandb").exists()


def test_disabled_mode_from_the_environment(isolated, monkeypatch) -> None:
    monkeypatch.setenv("WANDB_MODE", "disabled")
    assert wandb.init().disabled
