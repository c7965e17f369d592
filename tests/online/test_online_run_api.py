"""The run API online: the real W&B SDK and this package run the same program against our server,
which must then hold the same metric definitions (config ``_wandb.m``), summary, alerts, notes
and tags; alerts of offline runs arrive with ``wandb-jupyter sync``, once.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import yaml

import wandb_jupyter as wandb
from wandb_jupyter.cli import main

from .conftest import server_run, server_run_dir

PROGRAM = r"""
import datetime
import {module} as wandb
run = wandb.init(project="p", id="{run_id}")
run.define_metric("epoch")
run.define_metric("val/*", step_metric="epoch", summary="max")
run.define_metric("loss", summary="min,mean,last,first")
run.define_metric("acc", summary="max", hidden=True)
run.define_metric("acc", step_metric="epoch", overwrite=False)
run.define_metric("lr", summary="none")
run.define_metric("x", step_metric="custom_step", step_sync=False)
for i in range(5):
    run.log({{"epoch": i, "val/acc": [0.1, 0.5, 0.3, 0.2, 0.4][i], "loss": 5 - i, "acc": i / 10, "lr": 0.1}})
run.log({{"custom_step": 1, "x": 2}})
run.alert(title="loss spike", text="loss > 10", level=wandb.AlertLevel.WARN, wait_duration=300)
run.alert(title="done", text="ok", wait_duration=datetime.timedelta(hours=1))
run.notes = "changed notes"
run.tags = ["a", "b"]
run.finish()
"""

ALERTS = (
    '{ project(name: "p", entityName: "admin") { run(name: "%s") '
    "{ notes tags alerts { title text severity waitDuration notified } } } }"
)


def decode_m(entries: list[dict]) -> dict[str, dict]:
    from core.test_define_metric import decode_m as decode

    return decode(entries)


def _server_state(server, run_id: str) -> dict:
    files = server_run_dir(server.data_dir, "admin", "p", run_id) / "files"
    config = yaml.safe_load((files / "config.yaml").read_text())
    summary = json.loads((files / "wandb-summary.json").read_text())
    answer = server.gql(ALERTS % run_id).json()
    run = answer["data"]["project"]["run"]
    return {
        "m": decode_m(config["_wandb"]["value"]["m"]),
        "summary": {k: v for k, v in summary.items() if not k.startswith("_")},
        "alerts": run["alerts"],
        "notes": run["notes"],
        "tags": run["tags"],
    }


@pytest.mark.wandb_sdk
def test_the_server_holds_what_wandb_sends(live_server, run_sdk, env_for_subprocess, tmp_path) -> None:
    done = run_sdk(live_server, PROGRAM.format(module="wandb", run_id="sdk1"))
    assert done.returncode == 0, done.stderr[-3000:]
    work = tmp_path / "ours"
    work.mkdir()
    env = dict(
        env_for_subprocess, WANDB_BASE_URL=live_server.url, WANDB_API_KEY=live_server.admin_key, WANDB_DIR=str(work)
    )
    mine = subprocess.run(
        [sys.executable, "-c", PROGRAM.format(module="wandb_jupyter", run_id="ours1")],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert mine.returncode == 0, mine.stderr[-3000:]
    theirs, ours = _server_state(live_server, "sdk1"), _server_state(live_server, "ours1")
    assert ours == theirs
    assert ours["m"]["acc"] == {
        "glob": False,
        "step_metric": "epoch",
        "options": {1, 2, 3},
        "summary": {2},
        "goal": None,
    }
    assert ours["m"]["custom_step"]["options"] == set()  # named as a step metric only
    assert ours["summary"]["loss"] == {"min": 1, "mean": 3, "last": 1, "first": 5} and "lr" not in ours["summary"]
    assert [(a["title"], a["severity"], a["waitDuration"], a["notified"]) for a in ours["alerts"]] == [
        ("loss spike", "WARN", 300_000, True),
        ("done", "INFO", 3_600_000, True),
    ]
    assert (ours["notes"], ours["tags"]) == ("changed notes", ["a", "b"])


def test_an_alert_within_its_wait_duration_is_kept_but_not_notified(online) -> None:
    run = wandb.init(project="p")
    run.alert("disk", "90 %", wait_duration=3600)
    run.alert("disk", "95 %", wait_duration=3600)
    run.alert("other", "x", wait_duration=0)
    run.finish(quiet=True)
    alerts = online.gql(ALERTS % run.id).json()["data"]["project"]["run"]["alerts"]
    assert [(a["text"], a["notified"]) for a in alerts] == [("90 %", True), ("95 %", False), ("x", True)]


def test_group_and_job_type_set_after_init_reach_the_server(online) -> None:
    run = wandb.init(project="p")
    run.group = "fold-1"
    run.job_type = "eval"
    run.finish(quiet=True)
    stored = server_run(online, run.id)
    assert (stored.group_name, stored.job_type) == ("fold-1", "eval")


def test_alerts_and_preemption_of_an_offline_run_arrive_with_sync_once(live_server, monkeypatch, recorder) -> None:
    run = wandb.init(project="p", mode="offline")
    run.log({"a": 1})
    run.alert("offline alert", "sent at sync", level="ERROR")
    run.mark_preempting()
    run.finish(quiet=True)
    monkeypatch.setenv("WANDB_BASE_URL", live_server.url)
    monkeypatch.setenv("WANDB_API_KEY", live_server.admin_key)
    assert main(["sync", "--all"]) == 0
    alerts = live_server.gql(ALERTS % run.id).json()["data"]["project"]["run"]["alerts"]
    assert [(a["title"], a["severity"]) for a in alerts] == [("offline alert", "ERROR")]
    assert any(r["kind"] == "file_stream" and r["body"] == {"preempting": True} for r in recorder)
    sent = len(recorder)
    assert main(["sync", str(run.paths.root)]) == 0
    assert len(recorder) == sent  # nothing sent twice
    assert len(live_server.gql(ALERTS % run.id).json()["data"]["project"]["run"]["alerts"]) == 1


def test_an_online_alert_is_sent_while_the_run_goes_on(online, recorder) -> None:
    import time

    run = wandb.init(project="p")
    run.alert("early", "at once")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not any(r.get("operation") == "NotifyScriptableRunAlert" for r in recorder):
        time.sleep(0.05)
    assert any(r.get("operation") == "NotifyScriptableRunAlert" for r in recorder), "not sent before finish"
    run.finish(quiet=True)


def test_a_run_resumed_from_the_server_keeps_its_definitions(online, tmp_path, monkeypatch) -> None:
    run = wandb.init(project="p", id="resume-m")
    run.define_metric("loss", summary="min")
    for loss in (3, 1, 2):
        run.log({"loss": loss})
    run.finish(quiet=True)
    monkeypatch.setenv("WANDB_DIR", str(tmp_path / "elsewhere"))  # nothing local: all comes from the server
    again = wandb.init(project="p", id="resume-m", resume="must")
    again.log({"loss": 0.5})
    again.log({"loss": 4})
    again.finish(quiet=True)
    state = _server_state(online, "resume-m")
    assert state["summary"]["loss"] == {"min": 0.5} and state["m"]["loss"]["summary"] == {1}


def test_mark_preempting_reaches_the_server_while_the_run_goes_on(online) -> None:
    import time

    run = wandb.init(project="p")
    run.log({"a": 1})
    run.mark_preempting()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and server_run(online, run.id).state != "preempting":
        time.sleep(0.05)
    assert server_run(online, run.id).state == "preempting"
    run.finish(quiet=True)


def test_init_timeout_bounds_the_wait_for_a_server_that_never_answers(env_for_subprocess, tmp_path) -> None:
    """W&B's ``Settings(init_timeout=...)`` applies: a server that takes the connection and never
    answers holds init() that long, then the run goes on locally."""
    import socket
    import time

    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)  # connections complete in the backlog; nothing is ever read or answered
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        code = (
            "import time, wandb_jupyter as wandb\n"
            "start = time.monotonic()\n"
            "run = wandb.init(project='p', settings=wandb.Settings(init_timeout=1.5))\n"
            "print('init took', round(time.monotonic() - start, 1), run.mode, flush=True)\n"
        )
        env = dict(env_for_subprocess, WANDB_BASE_URL=url, WANDB_API_KEY="k" * 40, WANDB_MODE="online")
        child = subprocess.Popen(
            [sys.executable, "-c", code],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            started = time.monotonic()
            line = child.stdout.readline()
            waited = time.monotonic() - started
        finally:
            child.kill()
            child.communicate()
    assert line.startswith("init took") and line.split()[-1] == "online", line
    assert float(line.split()[2]) < 10 and waited < 30  # the default would wait 20 s for each request
