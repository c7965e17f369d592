"""The search shared by the server and the offline controller: configuration errors, grid, random, bayes, hyperband."""

from __future__ import annotations

import math
import statistics

import pytest

from wandb_jupyter.search import (
    RunObservation,
    SweepConfigError,
    SweepController,
    change_state,
    grid_points,
    new_sweep,
    parse_sweep_config,
)
from wandb_jupyter.search._config import Hyperband, Metric
from wandb_jupyter.search._hyperband import runs_to_stop


@pytest.mark.parametrize(
    ("config", "field", "accepted"),
    [
        ({"method": "gird", "parameters": {"x": {"values": [1]}}}, "method", "grid, random, bayes"),
        (
            {"method": "random", "parameters": {"x": {"distribution": "unifrom", "min": 0, "max": 1}}},
            "parameters.x.distribution",
            "log_uniform_values",
        ),
        ({"method": "random", "parameters": {"x": {"min": 0, "max": 1.5}}}, "parameters.x", "both as integers"),
        ({"method": "random", "parameters": {"x": {"min": 2.0, "max": 1.0}}}, "parameters.x.min", "above max"),
        ({"method": "bayes", "parameters": {"x": {"values": [1, 2]}}}, "metric", "goal"),
        (
            {"method": "random", "metric": {"name": "l", "goal": "lower"}, "parameters": {"x": {"value": 1}}},
            "metric.goal",
            "minimize, maximize",
        ),
        ({"method": "grid", "parameters": {"x": {"min": 0.0, "max": 1.0}}}, "parameters.x", "discrete values"),
        ({"method": "random", "parameters": {"x": {"values": []}}}, "parameters.x.values", "non-empty list"),
        ({"method": "random", "run_cap": 0, "parameters": {"x": {"value": 1}}}, "run_cap", ">= 1"),
        (
            {"method": "random", "parameters": {"x": {"value": 1}}, "early_terminate": {"type": "median"}},
            "early_terminate.type",
            "hyperband",
        ),
        ({"method": "random", "paramters": {}}, "paramters", "parameters"),
        (
            {"method": "random", "parameters": {"x": {"distribution": "log_uniform_values", "min": 0, "max": 1}}},
            "parameters.x.min",
            "min > 0",
        ),
    ],
)
def test_an_invalid_configuration_is_one_error_naming_the_field_and_what_it_accepts(
    config: dict, field: str, accepted: str
) -> None:
    with pytest.raises(SweepConfigError) as caught:
        parse_sweep_config(config)
    assert caught.value.field == field
    assert accepted in str(caught.value)
    assert "\n" not in str(caught.value)


def test_w_and_b_inference_of_distributions_and_nested_parameters() -> None:
    spec = parse_sweep_config(
        {
            "method": "random",
            "parameters": {
                "epochs": {"min": 1, "max": 5},
                "lr": {"min": 0.001, "max": 0.1},
                "opt": {"values": ["adam", "sgd"]},
                "seed": {"value": 7},
                "net": {"parameters": {"width": {"values": [8, 16]}}},
            },
        }
    )
    kinds = {p.name: p.distribution for p in spec.parameters}
    assert kinds == {
        "epochs": "int_uniform",
        "lr": "uniform",
        "opt": "categorical",
        "seed": "constant",
        "net.width": "categorical",
    }


def _drive(config: dict, budget: int, objective, *, seed: int = 0) -> SweepController:
    """One agent running ``budget`` trials one after the other, reporting objective(config) as 'loss'."""
    controller = SweepController(new_sweep(config, entity=None, project="p", seed=seed))
    seen: dict[str, RunObservation] = {}
    for _ in range(budget):
        commands = controller.heartbeat("agent", {}, seen)
        if commands[0]["type"] == "exit":
            break
        command = commands[0]
        values = {key: arg["value"] for key, arg in command["args"].items()}
        seen[command["run_id"]] = RunObservation("finished", {"loss": objective(values)})
    controller.observe(seen)
    return controller


def test_every_distribution_draws_inside_its_range_and_on_its_step() -> None:
    config = {
        "method": "random",
        "parameters": {
            "u": {"distribution": "uniform", "min": -2.0, "max": 3.0},
            "i": {"distribution": "int_uniform", "min": 1, "max": 4},
            "q": {"distribution": "q_uniform", "min": 0, "max": 10, "q": 2},
            "lv": {"distribution": "log_uniform_values", "min": 1e-5, "max": 1e-1},
            "lu": {"distribution": "log_uniform", "min": -3, "max": 0},
            "n": {"distribution": "normal", "mu": 5, "sigma": 0.1},
            "c": {"distribution": "categorical", "values": ["a", "b"], "probabilities": [0.0, 1.0]},
            "b": {"distribution": "beta", "a": 2, "b": 2},
        },
    }
    controller = _drive(config, 200, lambda v: 0.0)
    rows = [t["params"] for t in controller.state["trials"]]
    assert len(rows) == 200
    assert all(-2 <= r["u"] <= 3 and r["i"] in (1, 2, 3, 4) and r["q"] in (0, 2, 4, 6, 8, 10) for r in rows)
    assert all(1e-5 <= r["lv"] <= 1e-1 and math.exp(-3) <= r["lu"] <= 1 and 0 <= r["b"] <= 1 for r in rows)
    assert {r["c"] for r in rows} == {"b"}
    assert 4.5 < statistics.mean(r["n"] for r in rows) < 5.5
    assert {r["i"] for r in rows} == {1, 2, 3, 4}
    # log_uniform_values spreads over the decades, not bunched at the top as uniform would
    assert sum(r["lv"] < 1e-3 for r in rows) > 50


def test_grid_covers_its_grid_exactly_once_then_the_sweep_finishes() -> None:
    config = {
        "method": "grid",
        "parameters": {"a": {"values": [1, 2, 3]}, "b": {"min": 0, "max": 3}, "c": {"value": 0}},
    }
    controller = _drive(config, 100, lambda v: v["a"] + v["b"])
    points = [(t["params"]["a"], t["params"]["b"]) for t in controller.state["trials"]]
    assert sorted(points) == [(a, b) for a in (1, 2, 3) for b in range(4)]
    assert len(points) == len(set(points)) == len(list(grid_points(controller.spec)))
    assert controller.state["state"] == "FINISHED"


def _objective(values: dict) -> float:
    """A smooth bowl with its minimum 0 at x=0.3, y=-0.2, lr=2e-3 (on a log scale)."""
    return (values["x"] - 0.3) ** 2 + (values["y"] + 0.2) ** 2 + (math.log10(values["lr"]) - math.log10(2e-3)) ** 2


def test_bayes_beats_random_on_a_known_function_over_the_same_budget() -> None:
    pytest.importorskip("optuna")

    def config(method: str) -> dict:
        return {
            "method": method,
            "metric": {"name": "loss", "goal": "minimize"},
            "parameters": {
                "x": {"min": -1.0, "max": 1.0},
                "y": {"min": -1.0, "max": 1.0},
                "lr": {"distribution": "log_uniform_values", "min": 1e-5, "max": 1e-1},
            },
        }

    budget, seeds = 40, range(5)
    best = {
        method: [_drive(config(method), budget, _objective, seed=seed).best()["value"] for seed in seeds]
        for method in ("random", "bayes")
    }
    assert all(len(_drive(config("bayes"), 3, _objective).state["trials"]) == 3 for _ in range(1))
    assert statistics.median(best["bayes"]) < statistics.median(best["random"]) / 2, best


def test_bayes_is_reproducible_for_a_seed() -> None:
    pytest.importorskip("optuna")
    config = {
        "method": "bayes",
        "metric": {"name": "loss"},
        "parameters": {"x": {"min": -1.0, "max": 1.0}, "y": {"min": -1.0, "max": 1.0}},
    }
    first = _drive({**config}, 15, lambda v: v["x"] ** 2 + v["y"] ** 2, seed=3)
    again = _drive({**config}, 15, lambda v: v["x"] ** 2 + v["y"] ** 2, seed=3)
    assert [t["params"] for t in first.state["trials"]] == [t["params"] for t in again.state["trials"]]


def test_maximize_and_run_cap() -> None:
    config = {
        "method": "random",
        "run_cap": 7,
        "metric": {"name": "loss", "goal": "maximize"},
        "parameters": {"x": {"min": 0.0, "max": 1.0}},
    }
    controller = _drive(config, 50, lambda v: v["x"])
    assert len(controller.state["trials"]) == 7
    assert controller.best()["value"] == max(t["value"] for t in controller.state["trials"])


def test_hyperband_stops_the_runs_behind_at_a_band() -> None:
    rule = Hyperband(bands=(2, 6), eta=3)
    metric = Metric("loss", "minimize")
    histories = {"good": [5, 1, 0.5], "mid": [5, 2], "bad": [5, 4], "young": [9]}
    assert sorted(runs_to_stop(rule, metric, histories, ["mid", "bad", "young"])) == ["bad", "mid"]
    assert runs_to_stop(rule, metric, {"only": [1, 2]}, ["only"]) == []


def test_hyperband_through_the_controller_sends_stop_commands() -> None:
    config = {
        "method": "random",
        "metric": {"name": "loss"},
        "early_terminate": {"type": "hyperband", "min_iter": 2},
        "parameters": {"x": {"min": 0.0, "max": 1.0}},
    }
    controller = SweepController(new_sweep(config, entity=None, project="p", seed=1))
    first = controller.heartbeat("a1", {}, {})[0]["run_id"]
    second = controller.heartbeat("a2", {}, {})[0]["run_id"]
    seen = {first: RunObservation("running", {}, [1.0, 0.5]), second: RunObservation("running", {}, [3.0, 2.0])}
    commands = controller.heartbeat("a2", {second: True}, seen)
    assert commands == [{"type": "stop", "id": f"stop-{second}", "run_id": second}]
    assert controller.heartbeat("a1", {first: True}, seen) == []
    seen[second] = RunObservation("finished", {"loss": 2.0}, [3.0, 2.0])
    controller.observe(seen)
    assert controller.trial(second)["state"] == "stopped"


def test_pause_resume_stop_cancel() -> None:
    config = {"method": "random", "parameters": {"x": {"min": 0.0, "max": 1.0}}}
    controller = SweepController(new_sweep(config, entity=None, project="p"))
    running = controller.heartbeat("a", {}, {})[0]["run_id"]
    change_state(controller.state, "PAUSED")
    assert controller.heartbeat("b", {}, {}) == []  # paused: no new trial, nothing to do
    change_state(controller.state, "RUNNING")
    assert controller.heartbeat("b", {}, {})[0]["type"] == "run"
    change_state(controller.state, "CANCELED")
    commands = controller.heartbeat("a", {running: True}, {})
    assert [c["type"] for c in commands] == ["stop", "exit"]
    with pytest.raises(SweepConfigError, match="cannot resume a canceled sweep"):
        change_state(controller.state, "RUNNING")
