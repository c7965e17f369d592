"""The real W&B SDK's sweeps against our server: wandb.sweep + wandb.agent in two processes, the CLI, states."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from server.conftest import LiveServer
from sweeps.conftest import run_agents

pytestmark = pytest.mark.wandb_sdk
TIMEOUT = 240

GRID = {
    "method": "grid",
    "metric": {"name": "loss", "goal": "minimize"},
    "parameters": {"a": {"values": [1, 2, 3]}, "b": {"values": [10, 20]}, "opt": {"value": "adam"}},
}

AGENT = """
import sys, wandb
def train():
    run = wandb.init()
    if run.config.a == 2 and run.config.b == 20:
        raise RuntimeError("this trial fails on purpose")
    for step in range(3):
        run.log({"loss": run.config.a * run.config.b - step})
wandb.agent(sys.argv[1], function=train, project="sw")
"""


def _env(server: LiveServer, base: dict[str, str], work: Path) -> dict[str, str]:
    env = dict(base)
    env.update(
        WANDB_BASE_URL=server.url,
        WANDB_API_KEY=server.admin_key,
        WANDB_DIR=str(work),
        WANDB_X_STATS_SAMPLING_INTERVAL="1",
        WANDB_AGENT_DISABLE_FLAPPING="true",
    )
    return env


def _operation(query: str) -> str | None:
    """The operation's name in a query text (the SDK does not always send operationName)."""
    found = re.search(r"\b(?:query|mutation)\s+(\w+)", query)
    return found.group(1) if found else None


def _sweep_runs(server: LiveServer, project: str, sweep_id: str) -> list[Any]:
    found = server.ctx.storage.get_project("admin", project)
    return [run for run in server.ctx.storage.list_runs(found) if run.sweep == sweep_id]


def _config(run: Any) -> dict[str, Any]:
    return {k: v["value"] for k, v in json.loads(run.config).items() if k != "_wandb"}


def _sweep_query(server: LiveServer, project: str, sweep_id: str) -> dict[str, Any]:
    answer = server.gql(
        """query S($p: String, $e: String, $s: String!) { project(name: $p, entityName: $e) {
             sweep(sweepName: $s) { id name state method bestLoss runCount config
               runs { edges { node { name state shouldStop failed running summaryMetrics } } } } } }""",
        {"p": project, "e": "admin", "s": sweep_id},
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]["project"]["sweep"]


def test_sdk_sweep_and_two_agent_processes_share_one_grid(
    live_server: LiveServer, run_sdk, env_for_subprocess: dict[str, str], tmp_path: Path, recorder: list
) -> None:
    created = run_sdk(live_server, f"import wandb; print('SWEEP', wandb.sweep({GRID!r}, project='sw'))")
    assert created.returncode == 0, created.stderr
    sweep_id = created.stdout.split("SWEEP")[-1].strip()
    work = tmp_path / "agents"
    work.mkdir()
    env = _env(live_server, env_for_subprocess, work)
    run_agents(AGENT, sweep_id, env, work, marker="Agent Starting Run", timeout=TIMEOUT)

    runs = _sweep_runs(live_server, "sw", sweep_id)
    points = sorted((_config(r)["a"], _config(r)["b"]) for r in runs)
    assert points == [(1, 10), (1, 20), (2, 10), (2, 20), (3, 10), (3, 20)]  # the grid, each point once
    assert all(_config(r)["opt"] == "adam" for r in runs)
    states = {(_config(r)["a"], _config(r)["b"]): r.state for r in runs}
    assert states.pop((2, 20)) == "failed" and set(states.values()) == {"finished"}

    # what the SDK sent: its newest UpsertSweep (launchScheduler, templateVariableValues) answered at once,
    # one CreateAgent per agent, heartbeats, and the runs tagged with the sweep
    graphql = [
        {**r, "operation": r["operation"] or _operation(r["query"] or "")} for r in recorder if r["kind"] == "graphql"
    ]
    upserts = [r for r in graphql if r["operation"] == "UpsertSweep"]
    assert len(upserts) == 1 and "launchScheduler" in upserts[0]["query"]
    assert len([r for r in graphql if r["operation"] == "CreateAgent"]) == 2
    assert "Heartbeat" in {r["operation"] for r in graphql}
    buckets = [r["variables"] for r in graphql if r["operation"] == "UpsertBucket"]
    assert {v.get("sweep") for v in buckets if v.get("sweep")} == {sweep_id}

    sweep = _sweep_query(live_server, "sw", sweep_id)
    assert sweep["state"] == "FINISHED" and sweep["method"] == "grid" and sweep["runCount"] == 6
    assert sweep["bestLoss"] == 8.0  # a=1, b=10, last step
    assert {e["node"]["name"] for e in sweep["runs"]["edges"]} == {r.name for r in runs}


TRAIN_WITH_OURS = """
import wandb_jupyter as wandb
run = wandb.init()
run.log({"loss": run.config.x ** 2})
run.finish()
"""


def test_wandb_cli_sweep_pause_resume_and_an_agent_running_a_program_of_ours(
    live_server: LiveServer, env_for_subprocess: dict[str, str], tmp_path: Path
) -> None:
    """`wandb sweep` creates, pauses, resumes and stops; `wandb agent` runs a program that uses wandb_jupyter:
    the hand-over (parameter file, run id, sweep id) is the same, so the trial lands in the sweep."""
    work = tmp_path / "cli"
    work.mkdir()
    (work / "train.py").write_text(TRAIN_WITH_OURS)
    (work / "sweep.yaml").write_text(
        "program: train.py\nmethod: random\nmetric: {name: loss, goal: minimize}\nrun_cap: 2\n"
        "parameters:\n  x: {min: -1.0, max: 1.0}\n"
    )
    env = _env(live_server, env_for_subprocess, work)
    wandb = [sys.executable, "-m", "wandb"]

    def cli(*args: str) -> str:
        done = subprocess.run([*wandb, *args], cwd=work, env=env, capture_output=True, text=True, timeout=TIMEOUT)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout + done.stderr

    out = cli("sweep", "--project", "cli", "sweep.yaml")
    path = out.split("wandb agent ")[-1].split()[0]
    assert path.startswith("admin/cli/")
    sweep_id = path.rsplit("/", 1)[-1]
    cli("sweep", "--pause", path)
    assert _sweep_query(live_server, "cli", sweep_id)["state"] == "PAUSED"
    cli("sweep", "--resume", path)
    assert _sweep_query(live_server, "cli", sweep_id)["state"] == "RUNNING"
    cli("agent", "--count", "2", path)
    runs = _sweep_runs(live_server, "cli", sweep_id)
    assert len(runs) == 2 and {r.state for r in runs} == {"finished"}
    for run in runs:
        summary = json.loads(
            (live_server.run_dir("admin", "cli", run.name) / "files" / "wandb-summary.json").read_text()
        )
        assert summary["loss"] == pytest.approx(_config(run)["x"] ** 2)
    sweep = _sweep_query(live_server, "cli", sweep_id)
    assert sweep["state"] == "FINISHED"  # run_cap reached, every trial done
    assert sweep["bestLoss"] == pytest.approx(min(_config(r)["x"] ** 2 for r in runs))


def test_an_invalid_configuration_is_refused_by_the_server_naming_the_field(live_server: LiveServer, run_sdk) -> None:
    bad = {"method": "random", "parameters": {"lr": {"distribution": "log_unifrom", "min": 0.1, "max": 1.0}}}
    done = run_sdk(live_server, f"import wandb; wandb.sweep({bad!r}, project='sw')")
    assert done.returncode != 0
    assert "parameters.lr.distribution" in done.stderr and "log_uniform_values" in done.stderr


def test_wandb_cli_cancel_and_stop(live_server: LiveServer, env_for_subprocess: dict[str, str], tmp_path: Path) -> None:
    """`wandb sweep --cancel` and `--stop` reach the sweep's state; an agent of a cancelled sweep exits at once."""
    work = tmp_path / "cancel"
    work.mkdir()
    (work / "sweep.yaml").write_text("program: train.py\nmethod: random\nparameters:\n  x: {min: 0.0, max: 1.0}\n")
    env = _env(live_server, env_for_subprocess, work)

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "wandb", *args], cwd=work, env=env, capture_output=True, text=True, timeout=TIMEOUT
        )

    paths = []
    for _ in range(2):
        out = cli("sweep", "--project", "cancel", "sweep.yaml")
        assert out.returncode == 0, out.stderr
        paths.append((out.stdout + out.stderr).split("wandb agent ")[-1].split()[0])
    assert cli("sweep", "--cancel", paths[0]).returncode == 0
    assert cli("sweep", "--stop", paths[1]).returncode == 0
    states = [_sweep_query(live_server, "cancel", p.rsplit("/", 1)[-1])["state"] for p in paths]
    assert states == ["CANCELED", "FINISHED"]
    again = cli("sweep", "--resume", paths[0])
    assert again.returncode != 0 or "cannot" in (again.stdout + again.stderr).lower()
    agent = cli("agent", paths[0])
    assert agent.returncode == 0 and "Agent Starting Run" not in agent.stdout + agent.stderr
    assert _sweep_runs(live_server, "cancel", paths[0].rsplit("/", 1)[-1]) == []


HYPERBAND_STEPS = 80  # 40 s a trial: the stop reaches the SDK well within it, even on a loaded machine
HYPERBAND_AGENT = """
import sys, time, wandb
STEPS = int(sys.argv[2])
def train():
    run = wandb.init(settings=wandb.Settings(x_file_stream_transmit_interval=0.5))
    for step in range(STEPS):
        run.log({"loss": run.config.a + step / 1000})
        time.sleep(0.5)
wandb.agent(sys.argv[1], function=train, project="hb")
"""


def test_hyperband_stops_a_real_sdk_trial_behind(
    live_server: LiveServer, run_sdk, env_for_subprocess: dict[str, str], tmp_path: Path
) -> None:
    """The heartbeat's stop command (and file_stream's {"stopped": true}) end the SDK's trial that is behind."""
    config = {
        "method": "grid",
        "metric": {"name": "loss", "goal": "minimize"},
        "early_terminate": {"type": "hyperband", "min_iter": 3, "eta": 2, "s": 2},
        "parameters": {"a": {"values": [1, 5]}},
    }
    created = run_sdk(live_server, f"import wandb; print('SWEEP', wandb.sweep({config!r}, project='hb'))")
    sweep_id = created.stdout.split("SWEEP")[-1].strip()
    work = tmp_path / "hb"
    work.mkdir()
    done = subprocess.run(
        [sys.executable, "-c", HYPERBAND_AGENT, sweep_id, str(HYPERBAND_STEPS)],
        cwd=work,
        env=_env(live_server, env_for_subprocess, work),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    sweep = _sweep_query(live_server, "hb", sweep_id)
    assert sweep["state"] == "FINISHED"
    runs = {_config(r)["a"]: r for r in _sweep_runs(live_server, "hb", sweep_id)}
    rows = {
        a: len((live_server.run_dir("admin", "hb", r.name) / "files" / "wandb-history.jsonl").read_text().splitlines())
        for a, r in runs.items()
    }
    assert rows[1] == HYPERBAND_STEPS and rows[5] < HYPERBAND_STEPS, rows
    state = json.loads(next((live_server.data_dir / "sweeps").glob(f"*/{sweep_id}.json")).read_text())
    assert [(t["params"]["a"], t["state"]) for t in state["trials"]] == [(1, "finished"), (5, "stopped")]
