"""wandb_jupyter.sweep + wandb_jupyter.agent: online against a launched server and offline with the local controller."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

import wandb_jupyter as wandb
from server.conftest import LiveServer
from sweeps.conftest import run_agents
from wandb_jupyter.search import SweepConfigError, SweepStore
from wandb_jupyter.sweeps import sweep_progress

TIMEOUT = 240

GRID = {
    "method": "grid",
    "metric": {"name": "loss", "goal": "minimize"},
    "parameters": {
        "a": {"values": [1, 2, 3]},
        "b": {"values": [10, 20]},
        "net": {"parameters": {"width": {"value": 8}}},
    },
}

AGENT = """
import sys
import wandb_jupyter as wandb

def train():
    run = wandb.init()
    if run.config.a == 2 and run.config.b == 20:
        raise RuntimeError("this trial fails on purpose")
    for step in range(3):
        run.log({"loss": run.config.a * run.config.b - step})

wandb.agent(sys.argv[1], function=train, project="ours")
"""


def _assert_grid_once(progress: dict[str, Any]) -> None:
    points = sorted((t["params"]["a"], t["params"]["b"]) for t in progress["trials"])
    assert points == [(1, 10), (1, 20), (2, 10), (2, 20), (3, 10), (3, 20)]
    states = {(t["params"]["a"], t["params"]["b"]): t["state"] for t in progress["trials"]}
    assert states.pop((2, 20)) == "failed" and set(states.values()) == {"finished"}
    assert progress["best"]["params"]["a"] == 1 and progress["best"]["value"] == 8
    assert progress["state"] == "FINISHED"


def test_offline_two_agent_processes_share_the_local_controller(
    isolated: Path, env_for_subprocess: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_DIR", str(isolated))
    sweep_id = wandb.sweep(GRID, project="ours")
    env = {**env_for_subprocess, "WANDB_MODE": "offline", "WANDB_DIR": str(isolated)}
    run_agents(AGENT, sweep_id, env, isolated, marker="Agent starting run", timeout=TIMEOUT)
    progress = sweep_progress(sweep_id)
    _assert_grid_once(progress)
    state = SweepStore(isolated / "wandb" / "sweeps").read(sweep_id)
    assert state is not None and len(state["agents"]) == 2
    # each trial is an offline run whose config holds its values and whose metadata records the sweep
    for trial in progress["trials"]:
        (run_dir,) = (isolated / "wandb").glob(f"offline-run-*-{trial['run_id']}")
        metadata = json.loads((run_dir / "files" / "wandb-metadata.json").read_text())
        assert metadata["sweep"] == sweep_id
        config = yaml.safe_load((run_dir / "files" / "config.yaml").read_text())
        assert config["a"]["value"] == trial["params"]["a"] and config["net"]["value"] == {"width": 8}


def test_online_two_agent_processes_and_the_sweep_on_the_server(
    online: LiveServer, env_for_subprocess: dict[str, str], isolated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sweep_id = wandb.sweep(GRID, project="ours")
    assert f"Sweep URL: {online.url}/admin/ours/sweeps/{sweep_id}" in capsys.readouterr().err
    env = {
        **env_for_subprocess,
        "WANDB_BASE_URL": online.url,
        "WANDB_API_KEY": online.admin_key,
        "WANDB_MODE": "online",
        "WANDB_DIR": str(isolated),
    }
    run_agents(AGENT, sweep_id, env, isolated, marker="Agent starting run", timeout=TIMEOUT)
    _assert_grid_once(sweep_progress(sweep_id, project="ours"))
    project = online.ctx.storage.get_project("admin", "ours")
    runs = [r for r in online.ctx.storage.list_runs(project) if r.sweep == sweep_id]
    assert len(runs) == 6
    for run in runs:
        config = json.loads(run.config)
        assert config["net"]["value"] == {"width": 8} and config["a"]["value"] in (1, 2, 3)


def test_in_process_bayes_online_with_a_run_cap(online: LiveServer) -> None:
    pytest.importorskip("optuna")
    config = {
        "method": "bayes",
        "run_cap": 4,
        "metric": {"name": "loss", "goal": "minimize"},
        "parameters": {
            "x": {"min": -1.0, "max": 1.0},
            "lr": {"distribution": "log_uniform_values", "min": 1e-4, "max": 1e-1},
        },
    }
    sweep_id = wandb.sweep(config, project="bayes")
    seen: list[dict[str, Any]] = []

    def train() -> None:
        run = wandb.init()
        seen.append(dict(run.config))
        run.log({"loss": run.config.x**2})

    wandb.agent(sweep_id, function=train)  # the project of the sweep this process created
    assert len(seen) == 4 and all(-1 <= c["x"] <= 1 and 1e-4 <= c["lr"] <= 1e-1 for c in seen)
    progress = sweep_progress(sweep_id, project="bayes")
    assert progress["state"] == "FINISHED" and progress["counts"] == {"finished": 4}
    assert progress["best"]["value"] == pytest.approx(min(c["x"] ** 2 for c in seen))


def test_agent_count_and_a_function_that_raises(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WANDB_MODE", "offline")
    config = {"method": "random", "parameters": {"x": {"values": [1, 2, 3]}}}
    sweep_id = wandb.sweep(config, project="p")
    calls: list[int] = []

    def train() -> None:
        run = wandb.init()
        calls.append(run.config.x)
        if len(calls) == 1:
            raise ValueError("first one fails")

    wandb.agent(sweep_id, function=train, count=3)
    assert len(calls) == 3  # the failure did not stop the agent
    trials = sweep_progress(sweep_id)["trials"]
    assert [t["state"] for t in trials] == ["failed", "finished", "finished"]
    assert wandb.run is None  # the failed run was finished, exit code 1


def test_bad_input_is_one_clear_error(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WANDB_MODE", "offline")
    with pytest.raises(SweepConfigError, match=r"parameters\.lr\.distribution: 'unifrom' is not one of"):
        wandb.sweep({"method": "random", "parameters": {"lr": {"distribution": "unifrom", "min": 0, "max": 1}}})
    with pytest.raises(wandb.UsageError, match="no sweep 'nosuch12'"):
        wandb.agent("nosuch12", function=lambda: None)
    with pytest.raises(wandb.UsageError, match="count must be"):
        wandb.agent("abc", function=lambda: None, count=0)
    assert not (isolated / "wandb" / "sweeps").exists() or not list((isolated / "wandb" / "sweeps").glob("*.json"))


def test_without_optuna_bayes_says_what_to_install(isolated: Path, env_for_subprocess: dict[str, str]) -> None:
    script = (
        "import sys; sys.modules['optuna'] = None\n"
        "import wandb_jupyter as wandb\n"
        "wandb.sweep({'method': 'random', 'parameters': {'x': {'values': [1]}}})  # random needs no optuna\n"
        "try:\n"
        "    wandb.sweep({'method': 'bayes', 'metric': {'name': 'l'}, 'parameters': {'x': {'min': 0.0, 'max': 1.0}}})\n"
        "except wandb.UsageError as error:\n"
        "    print('ERROR', error)\n"
        "print('optuna' in sys.modules and sys.modules['optuna'] is not None)\n"
    )
    env = {**env_for_subprocess, "WANDB_MODE": "offline", "WANDB_DIR": str(isolated)}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert "ERROR the bayes sweep method needs Optuna: pip install optuna" in done.stdout, done.stderr
    assert done.stdout.strip().endswith("False")


def test_import_stays_light() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, wandb_jupyter; print(sorted({'optuna', 'yaml', 'wandb_jupyter.search', "
            "'wandb_jupyter.sweeps'} & set(sys.modules)))",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.stdout.strip() == "[]", done.stdout + done.stderr


def test_hyperband_stops_a_trial_behind_while_it_runs(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The agent beats during a trial; the controller's stop ends the function (TrialStopped) and the run
    finishes cleanly, shorter than the others: offline, from the run folders' history."""
    from wandb_jupyter.sweeps import _agent

    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setattr(_agent, "POLL_SECONDS", 0.1)
    config = {
        "method": "grid",
        "metric": {"name": "loss", "goal": "minimize"},
        "early_terminate": {"type": "hyperband", "min_iter": 3, "eta": 2, "s": 2},
        "parameters": {"a": {"values": [1, 5, 0.5]}},
    }
    sweep_id = wandb.sweep(config, project="hb")
    steps: dict[float, int] = {}

    def train() -> None:
        run = wandb.init()
        steps[run.config.a] = 0
        for step in range(60):
            run.log({"loss": run.config.a + step / 1000})
            steps[run.config.a] = step + 1
            time.sleep(0.03)

    wandb.agent(sweep_id, function=train)
    trials = {t["params"]["a"]: t["state"] for t in sweep_progress(sweep_id)["trials"]}
    assert trials == {1: "finished", 5: "stopped", 0.5: "finished"}
    assert steps[1] == 60 and steps[0.5] == 60 and 3 <= steps[5] < 60, steps
    stopped = next(
        p
        for p in (isolated / "wandb").glob("offline-run-*")
        if '"a":\n  value: 5' in (p / "files" / "config.yaml").read_text()
    )
    summary = json.loads((stopped / "files" / "wandb-summary.json").read_text())
    assert summary["_wandb"]["exitcode"] == 0  # stopped by the sweep, not failed


def test_without_a_function_the_agent_runs_the_program(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The configuration's program runs once per trial, with W&B's hand-over (and --name=value flags)."""
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("PYTHONPATH", str(Path(wandb.__file__).resolve().parents[1]))
    (isolated / "train.py").write_text(
        "import sys\nimport wandb_jupyter as wandb\n"
        "run = wandb.init()\n"
        "assert f'--units={run.config.units}' in sys.argv, sys.argv\n"
        "run.log({'loss': 1.0 / run.config.units})\n"
    )
    config = {
        "program": "train.py",
        "method": "grid",
        "metric": {"name": "loss"},
        "parameters": {"units": {"values": [16, 32]}},
    }
    sweep_id = wandb.sweep(config, project="prog")
    wandb.agent(sweep_id)
    progress = sweep_progress(sweep_id)
    assert [(t["params"]["units"], t["state"]) for t in progress["trials"]] == [(16, "finished"), (32, "finished")]
    assert progress["best"]["value"] == pytest.approx(1 / 32)


def test_in_a_sweep_init_ignores_its_own_project_entity_and_id(
    isolated: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("WANDB_MODE", "offline")
    sweep_id = wandb.sweep({"method": "grid", "parameters": {"x": {"values": [1]}}}, project="tuned")
    seen: list[tuple[str, str]] = []

    def train() -> None:
        run = wandb.init(project="elsewhere", id="myownid")
        seen.append((run.id, run.project))

    with caplog.at_level("WARNING", logger="wandb"):
        wandb.agent(sweep_id, function=train)
    (trial,) = sweep_progress(sweep_id)["trials"]
    assert seen == [(trial["run_id"], "tuned")] and trial["state"] == "finished"
    assert "Ignoring project 'elsewhere' when running a sweep." in caplog.text
    assert "Ignoring run_id 'myownid' when running a sweep." in caplog.text
    wandb.init(project="elsewhere", id="myownid").finish()  # after the agent: init's own values again
    assert list((isolated / "wandb").glob("offline-run-*-myownid"))
