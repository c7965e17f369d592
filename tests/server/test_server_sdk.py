"""The real W&B SDK (pip ``wandb``) logging online to our server: what it sends is stored exactly."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.wandb_sdk

LOG_100 = r"""
import sys, wandb
run = wandb.init(project="sdk-e2e", config={"lr": 0.001, "layers": [1, 2], "nested": {"a": 1, "b": "c"}})
for i in range(100):
    run.log({"x": i, "loss": 1.0 / (i + 1), "label": f"row {i}"})
print("hello from the run")
print("second line, on stderr", file=sys.stderr)
print("unicode: ü ∑ 🚀")
run.summary["best"] = 0.5
print("RUN", run.id, run.name, run.url)
run.finish()
"""

_LINE = re.compile(r"^(ERROR )?\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)? (.*)$")


def _stream_lines(path: Path) -> list[str]:
    """output.log as streamed (``[ERROR ]<timestamp> <text>``), reduced to the text."""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _LINE.match(line)
        assert match, f"unexpected output.log line {line!r}"
        lines.append(match.group(2))
    return lines


def _sdk_run_dir(work: Path, run_id: str) -> Path:
    found = sorted((work / "wandb").glob(f"run-*-{run_id}"))
    assert found, list((work / "wandb").iterdir())
    return found[-1]


def test_sdk_init_log_100_finish_is_stored_exactly(live_server, run_sdk) -> None:
    done = run_sdk(live_server, LOG_100, env={"WANDB_USERNAME": "alice", "WANDB_USER_EMAIL": "alice@example.com"})
    assert done.returncode == 0, done.stderr[-4000:]
    run_id, name, url = re.search(r"^RUN (\S+) (\S+) (\S+)$", done.stdout, re.M).groups()
    assert re.fullmatch(r"[a-z]+-[a-z]+-1", name), name  # named by the server: adjective-noun-N
    assert url == f"{live_server.url}/admin/sdk-e2e/runs/{run_id}"
    files = live_server.run_dir("admin", "sdk-e2e", run_id) / "files"
    local = _sdk_run_dir(run_sdk.work, run_id) / "files"

    rows = [json.loads(line) for line in (files / "wandb-history.jsonl").read_text().splitlines()]
    assert [{k: r[k] for k in ("_step", "x", "loss", "label")} for r in rows] == [
        {"_step": i, "x": i, "loss": 1.0 / (i + 1), "label": f"row {i}"} for i in range(100)
    ]
    assert all(isinstance(r["_runtime"], (int, float)) and r["_timestamp"] > 1e9 for r in rows)

    summary = json.loads((files / "wandb-summary.json").read_text())
    assert summary == json.loads((local / "wandb-summary.json").read_text())
    assert summary["best"] == 0.5 and summary["x"] == 99 and summary["_step"] == 99

    config = yaml.safe_load((files / "config.yaml").read_text())
    assert config == yaml.safe_load((local / "config.yaml").read_text())
    assert {k: config[k]["value"] for k in ("lr", "layers", "nested")} == {
        "lr": 0.001,
        "layers": [1, 2],
        "nested": {"a": 1, "b": "c"},
    }

    streamed = _stream_lines(files / "output.log")
    assert streamed == (local / "output.log").read_text(encoding="utf-8").splitlines()
    assert streamed[-4:-1] == ["hello from the run", "second line, on stderr", "unicode: ü ∑ 🚀"]
    assert any(
        line.startswith("ERROR ") and line.endswith(" second line, on stderr")
        for line in (files / "output.log").read_text(encoding="utf-8").splitlines()
    )
    # The SDK's own end-of-run copy of output.log (no timestamps) is kept apart from the stream.
    assert (files.parent / "uploaded" / "output.log").read_text(encoding="utf-8") == (local / "output.log").read_text(
        encoding="utf-8"
    )
    assert json.loads((files / "wandb-metadata.json").read_text())["python"].startswith("CPython")
    assert (files / "requirements.txt").stat().st_size > 0
    assert (files / "wandb-events.jsonl").read_text().strip()

    answer = live_server.gql(
        """{ project(name: "sdk-e2e", entityName: "admin") {
        run(name: "%s") { displayName state exitcode historyLineCount config summaryMetrics } } }"""
        % run_id
    )
    run = answer.json()["data"]["project"]["run"]
    assert (run["displayName"], run["state"], run["exitcode"], run["historyLineCount"]) == (name, "finished", 0, 100)
    assert json.loads(run["summaryMetrics"]) == summary
    assert json.loads(run["config"])["lr"] == {"value": 0.001}
    stored = live_server.ctx.storage.get_run(live_server.ctx.storage.get_project("admin", "sdk-e2e"), run_id)
    assert (stored.username, stored.user_email, stored.creator) == ("alice", "alice@example.com", "admin")


RESUME = r"""
import wandb
run = wandb.init(project="resume")
for i in range({n}):
    run.log({{"x": i}})
print("RESUMED", run.resumed)
run.finish()
"""


def test_sdk_resume_must_against_existing_and_missing_runs(live_server, run_sdk) -> None:
    first = run_sdk(live_server, RESUME.format(n=10), env={"WANDB_RUN_ID": "resume-me"})
    assert first.returncode == 0, first.stderr[-4000:]
    again = run_sdk(live_server, RESUME.format(n=5), env={"WANDB_RUN_ID": "resume-me", "WANDB_RESUME": "must"})
    assert again.returncode == 0, again.stderr[-4000:]
    assert "RESUMED True" in again.stdout
    files = live_server.run_dir("admin", "resume", "resume-me") / "files"
    rows = [json.loads(line) for line in (files / "wandb-history.jsonl").read_text().splitlines()]
    assert [(r["_step"], r["x"]) for r in rows] == [(i, i) for i in range(10)] + [(10 + i, i) for i in range(5)]

    missing = run_sdk(live_server, RESUME.format(n=1), env={"WANDB_RUN_ID": "not-there", "WANDB_RESUME": "must"})
    assert missing.returncode != 0
    assert "not-there" in missing.stderr and "does not exist" in missing.stderr
    project = live_server.ctx.storage.get_project("admin", "resume")
    assert live_server.ctx.storage.get_run(project, "not-there") is None
    run = live_server.ctx.storage.get_run(project, "resume-me")
    assert (run.state, run.exit_code) == ("finished", 0)


def test_sdk_is_refused_with_a_bad_key_or_another_users_entity(live_server, run_sdk) -> None:
    live_server.ctx.storage.create_user("bob")
    script = 'import wandb\nwandb.init(project="p").finish()\n'
    other = run_sdk(live_server, script, env={"WANDB_ENTITY": "bob"})
    assert other.returncode != 0
    assert "cannot write to entity 'bob'" in other.stderr
    bad = run_sdk(live_server, script, key="local-" + "0" * 40)
    assert bad.returncode != 0
    assert "invalid API key" in bad.stderr
    assert live_server.ctx.storage.get_project("bob", "p") is None
