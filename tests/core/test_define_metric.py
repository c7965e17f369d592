"""define_metric: what W&B 0.31 records (config ``_wandb.m``) and what the summary becomes.

The reference is the real SDK running the same program offline: its summary records give
the summary values; its metric records give the definitions, compared with our ``m``
entries field by field (the ``m`` list itself, as W&B's core writes it into the config, is
compared online in tests/online/test_online_run_api.py).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
import yaml

import wandb_jupyter
from wandb_jupyter import UsageError

#: A training loop as W&B's docs write it: an epoch x axis, a glob of validation metrics,
#: aggregated summaries, a hidden custom step with and without step_sync, "none".
PROGRAM = """
run = wandb.init(project="metrics", config={"lr": 0.1})
run.define_metric("epoch")
run.define_metric("val/*", step_metric="epoch", summary="max")
run.define_metric("loss", summary="min,mean,last,first")
run.define_metric("acc", summary="max", hidden=True)
run.define_metric("acc", step_metric="epoch", overwrite=False)
run.define_metric("lr", summary="none")
run.define_metric("custom_step", hidden=True)
run.define_metric("x", step_metric="custom_step", step_sync=False)
run.define_metric("y", step_metric="custom_step")
run.define_metric("z", summary="last")
run.define_metric("w", summary="max")
for i in range(5):
    run.log({"epoch": i, "val/acc": [0.1, 0.5, 0.3, 0.2, 0.4][i], "val/f1": 1 - i / 10,
             "loss": 5 - i + (i == 2) * 10, "acc": i / 10, "lr": 0.1, "z": i, "w": "text" if i == 0 else i})
run.log({"custom_step": 7})
run.log({"y": 3})
run.log({"x": 4})
run.summary["explicit"] = 1
run.finish()
"""


def _ours_m(ran: Any) -> list[dict[str, Any]]:
    return ran.wandb_config()["m"]


def decode_m(entries: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """W&B's ``m`` list by metric name, the step metric's index resolved to its name, lists as sets."""
    names = [entry.get("1") or entry.get("2") for entry in entries]
    decoded = {}
    for entry in entries:
        step = entry.get("5")
        decoded[entry.get("1") or entry.get("2")] = {
            "glob": "2" in entry,
            "step_metric": names[step - 1] if step else None,
            "options": set(entry.get("6") or []),
            "summary": set(entry.get("7") or []),
            "goal": entry.get("8"),
        }
    return decoded


def _from_records(run_dir: Path) -> dict[str, dict[str, Any]]:
    """The real SDK's metric records, merged as its core merges them (overwrite=False), in our decoded form."""
    from data_types import _wandb_records

    ops = {"min": 1, "max": 2, "mean": 3, "best": 4, "last": 5, "none": 6, "copy": 7, "first": 8}
    found: dict[str, dict[str, Any]] = {}
    for record in _wandb_records.read_records(next(run_dir.glob("run-*.wandb"))):
        if record.WhichOneof("record_type") != "metric":
            continue
        m = record.metric
        name = m.name or m.glob_name
        options = {n for n, on in ((1, m.options.step_sync), (2, m.options.hidden)) if on}
        if m.name and m.options.defined:
            options.add(3)
        summary = {number for op, number in ops.items() if getattr(m.summary, op) and op != "copy"}
        old = found.get(name, {"step_metric": None, "options": set(), "summary": set()})
        found[name] = {
            "glob": bool(m.glob_name),
            "step_metric": m.step_metric or old["step_metric"],
            "options": old["options"] | options,
            "summary": old["summary"] | summary,
            "goal": None,
        }
        if m.step_metric and m.step_metric not in found:
            found[m.step_metric] = {
                "glob": False,
                "step_metric": None,
                "options": set(),
                "summary": set(),
                "goal": None,
            }
    return found


@pytest.mark.wandb_sdk
def test_definitions_and_summary_are_those_of_wandb(run_both) -> None:
    from data_types.conftest import comparable

    ours, theirs = run_both(PROGRAM)
    assert decode_m(_ours_m(ours)) == _from_records(theirs.dir)
    our_summary, their_summary = comparable(ours.summary()), comparable(theirs.summary())
    assert our_summary == their_summary
    # what the definitions did, spelled out (so a change on both sides is still seen)
    assert our_summary["loss"] == {"min": 1, "mean": 5, "last": 1, "first": 5}
    assert our_summary["val/acc"] == {"max": 0.5} and our_summary["val/f1"] == {"max": 1}
    assert our_summary["acc"] == {"max": 0.4} and our_summary["z"] == {"last": 4} and our_summary["w"] == {"max": 4}
    assert "lr" not in our_summary and our_summary["epoch"] == 4 and our_summary["explicit"] == 1
    rows, their_rows = ours.rows(), theirs.rows()
    assert [comparable(r) for r in rows] == [comparable(r) for r in their_rows]
    assert rows[6] == {**rows[6], "y": 3, "custom_step": 7}  # step_sync filled in the step metric
    assert "custom_step" not in rows[7]  # step_sync=False did not


def test_config_yaml_holds_the_m_block_before_any_log(run) -> None:
    run.define_metric("train/*", step_metric="step", summary="min,max", goal="minimize")
    block = yaml.safe_load(Path(run.dir, "config.yaml").read_text())["_wandb"]["value"]
    assert block["m"] == [
        {"2": "train/*", "5": 2, "6": [1], "7": [1, 2], "8": 1},
        {"1": "step", "6": [], "7": []},
    ]


def test_best_follows_the_goal(run) -> None:
    run.define_metric("loss", summary="best,last", goal="minimize")
    run.define_metric("acc", summary="best", goal="max")
    for loss, acc in ((3, 0.1), (1, 0.9), (2, 0.5)):
        run.log({"loss": loss, "acc": acc})
    run.finish(quiet=True)
    summary = json.loads(Path(run.dir, "wandb-summary.json").read_text())
    assert summary["loss"] == {"best": 1, "last": 2} and summary["acc"] == {"best": 0.9}
    m = decode_m(yaml.safe_load(Path(run.dir, "config.yaml").read_text())["_wandb"]["value"]["m"])
    assert m["loss"]["summary"] == {4, 5} and m["loss"]["goal"] == 1 and m["acc"]["goal"] == 2


def test_overwrite_replaces_an_earlier_definition(run) -> None:
    run.define_metric("loss", summary="min", step_metric="epoch")
    run.define_metric("loss", summary="max", overwrite=True)
    entry = decode_m(run._wandb_block["m"])["loss"]
    assert entry["summary"] == {2} and entry["step_metric"] is None


def test_nan_wins_min_and_max_as_in_wandb(run) -> None:
    run.define_metric("v", summary="max,min,mean")
    for value in (1.0, float("nan"), 3.0):
        run.log({"v": value})
    summary = run.summary["v"]
    assert math.isnan(summary["max"]) and math.isnan(summary["min"]) and math.isnan(summary["mean"])


def test_returned_metric_says_what_was_defined(run) -> None:
    step = run.define_metric("step", hidden=True)
    metric = run.define_metric("loss", step_metric=step, summary="MIN,Max")
    assert (metric.name, metric.step_metric, metric.step_sync, metric.summary) == ("loss", "step", True, ("min", "max"))
    assert step.hidden is True and step.step_sync is False


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": ""}, "non-empty name"),
        ({"name": "a*b"}, "trailing"),
        ({"name": "loss", "summary": "median"}, "median"),
        ({"name": "loss", "summary": "best"}, "goal"),
        ({"name": "loss", "goal": "up"}, "minimize"),
        ({"name": "loss", "hidden": "yes"}, "hidden"),
        ({"name": 3}, "name"),
    ],
)
def test_bad_definitions_are_one_clear_error_and_change_nothing(run, kwargs, message) -> None:
    with pytest.raises(UsageError, match=message):
        run.define_metric(**kwargs)
    assert "m" not in run._wandb_block
    assert isinstance(UsageError("x"), wandb_jupyter.Error)  # W&B code catches wandb.Error


def test_module_level_and_disabled_run() -> None:
    with pytest.raises(UsageError, match="init"):
        wandb_jupyter.define_metric("loss")
    run = wandb_jupyter.init(mode="disabled")
    assert wandb_jupyter.define_metric("loss", summary="min").summary == ("min",)
    with pytest.raises(UsageError):
        run.define_metric("loss", summary="median")
    run.finish()


def test_module_level_define_metric_acts_on_the_current_run() -> None:
    run = wandb_jupyter.init(project="p", mode="offline")
    wandb_jupyter.define_metric("loss", summary="min")
    wandb_jupyter.log({"loss": 2})
    wandb_jupyter.log({"loss": 1})
    wandb_jupyter.log({"loss": 3})
    assert run.summary["loss"] == {"min": 1}
    run.finish(quiet=True)


@pytest.fixture
def run():
    active = wandb_jupyter.init(project="metrics", mode="offline")
    yield active
    active.finish(quiet=True)


def test_a_resumed_run_keeps_its_definitions_and_aggregates() -> None:
    first = wandb_jupyter.init(project="metrics", mode="offline", id="resumed1")
    first.define_metric("loss", summary="min,max,first,last")
    first.define_metric("epoch", hidden=True)
    first.define_metric("val/*", step_metric="epoch")
    for loss in (3, 1, 2):
        first.log({"loss": loss, "epoch": loss})
    first.finish(quiet=True)
    second = wandb_jupyter.init(project="metrics", mode="offline", id="resumed1", resume="must")
    second.log({"loss": 5, "val/acc": 0.5})
    second.finish(quiet=True)
    summary = json.loads(Path(second.dir, "wandb-summary.json").read_text())
    assert summary["loss"] == {"min": 1, "max": 5, "first": 3, "last": 5}
    rows = [json.loads(line) for line in Path(second.dir, "wandb-history.jsonl").read_text().splitlines()]
    assert rows[-1]["epoch"] == 2  # step_sync goes on with the last epoch of the first session
    m = decode_m(yaml.safe_load(Path(second.dir, "config.yaml").read_text())["_wandb"]["value"]["m"])
    assert m["val/*"]["step_metric"] == "epoch" and m["epoch"]["options"] == {2, 3}
