"""An online run against our server on loopback: rows, config, summary, files, pages, attribution."""

from __future__ import annotations

import json
import os
import time

import requests
import yaml

import wandb_jupyter as wandb
from wandb_jupyter.online import _sender

from .conftest import basic, server_rows, server_run, server_run_dir


def test_init_log_config_summary_finish_reach_the_server(online, recorder, capsys) -> None:
    run = wandb.init(
        project="p",
        config={"lr": 0.001, "layers": [1, 2]},
        tags=["a", "b"],
        notes="some *notes*",
        group="g",
        job_type="train",
        name="first",
    )
    assert run.url == f"{online.url}/admin/p/runs/{run.id}"
    assert run.entity == "admin" and run.paths.root.name.startswith("run-")  # "offline-run-" offline
    for i in range(300):
        run.log({"x": i, "loss": 1.0 / (i + 1)})
    run.config["extra"] = "later"
    run.summary["best"] = 0.5
    print("hello from the run")
    run.finish()

    rows = server_rows(online, run.id)
    assert [(r["_step"], r["x"]) for r in rows] == [(i, i) for i in range(300)]
    stored = server_run(online, run.id)
    assert stored.state == "finished" and stored.exit_code == 0
    assert stored.display_name == "first" and stored.tags == ("a", "b") and stored.notes == "some *notes*"
    assert stored.group_name == "g" and stored.job_type == "train"
    files = server_run_dir(online.data_dir, "admin", "p", run.id) / "files"
    config = yaml.safe_load((files / "config.yaml").read_text())
    assert {k: config[k]["value"] for k in ("lr", "layers", "extra")} == {
        "lr": 0.001,
        "layers": [1, 2],
        "extra": "later",
    }
    summary = json.loads((files / "wandb-summary.json").read_text())
    assert summary["best"] == 0.5 and summary["x"] == 299 and summary["_wandb"]["exitcode"] == 0
    assert any(line.endswith(" hello from the run") for line in (files / "output.log").read_text().splitlines())
    for name in ("wandb-metadata.json", "requirements.txt"):
        assert (files / name).stat().st_size > 0, name
    # the page of the run is reachable at run.url (the dashboard, behind its login), its data in the API
    auth = basic(online.admin_key)
    page = requests.get(run.url, headers=auth, timeout=10)
    assert page.status_code == 200 and "wandb-dashboard-base" in page.text
    shown = requests.get(f"{online.url}/_dashboard/api/run/admin/p/{run.id}", headers=auth, timeout=10).json()
    assert shown["name"] == "first" and shown["history_rows"] == 300
    # the protocol: what the real SDK sends, nothing else
    operations = [r["operation"] for r in recorder if r["kind"] == "graphql"]
    assert operations[:3] == ["Viewer", "ServerFeaturesQuery", "UpsertBucket"]
    assert set(operations) <= {"Viewer", "ServerFeaturesQuery", "UpsertBucket", "CreateRunFiles"}
    streams = [r["body"] for r in recorder if r["kind"] == "file_stream"]
    assert streams[-1]["complete"] is True and streams[-1]["exitcode"] == 0
    assert "not part of this version" not in capsys.readouterr().err


def test_a_failed_run_is_marked_failed_and_the_state_file_records_the_end(online) -> None:
    run = wandb.init(project="p")
    run.log({"a": 1})
    run.finish(exit_code=3)
    assert server_run(online, run.id).state == "failed"
    state = json.loads(run.paths.sync_state.read_text())
    assert state["complete"] is True and state["exitcode"] == 3
    assert state["streams"]["wandb-history.jsonl"]["lines"] == 1


def test_files_are_uploaded_and_ignore_globs_stay_local(online, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("WANDB_IGNORE_GLOBS", "*.ckpt,private/**")
    source = tmp_path / "work" / "artifacts"
    (source / "private").mkdir(parents=True)
    (source / "model.ckpt").write_bytes(b"weights")
    (source / "notes.txt").write_text("keep me")
    (source / "private" / "secret.txt").write_text("local only")
    (source / "late.txt").write_text("saved at the end")
    run = wandb.init(project="p")
    run.save(str(source / "*.*"), base_path=str(source))
    run.save(str(source / "private" / "*"), base_path=str(source))
    run.save(str(source / "late.txt"), base_path=str(source), policy="end")
    run.log({"a": 1})
    run.finish()
    files = server_run_dir(online.data_dir, "admin", "p", run.id) / "files"
    assert (files / "notes.txt").read_text() == "keep me"
    assert (files / "late.txt").read_text() == "saved at the end"
    assert not (files / "model.ckpt").exists() and not (files / "private").exists()
    assert (run.paths.files / "model.ckpt").exists()  # kept locally
    uploaded = json.loads(run.paths.sync_state.read_text())["uploaded"]
    assert "model.ckpt" not in uploaded and "private/secret.txt" not in uploaded


def test_files_changing_during_the_run_are_uploaded_while_it_runs(online, monkeypatch) -> None:
    monkeypatch.setattr(_sender, "UPLOAD_EVERY", 0.05)
    run = wandb.init(project="p")
    (run.paths.files / "live.txt").write_text("v1")
    files = server_run_dir(online.data_dir, "admin", "p", run.id) / "files"
    deadline = time.monotonic() + 10
    while not (files / "live.txt").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert (files / "live.txt").read_text() == "v1"
    (run.paths.files / "live.txt").write_text("version 2")
    run.finish()
    assert (files / "live.txt").read_text() == "version 2"


def test_username_and_email_attribute_the_run(online, monkeypatch, recorder) -> None:
    monkeypatch.setenv("WANDB_USERNAME", "alice")
    monkeypatch.setenv("WANDB_USER_EMAIL", "alice@example.com")
    run = wandb.init(project="p")
    run.finish()
    stored = server_run(online, run.id)
    assert (stored.username, stored.user_email) == ("alice", "alice@example.com")
    for request in recorder:
        if request["kind"] != "upload":
            assert request["headers"]["x-wandb-username"] == "alice"
            assert request["headers"]["x-wandb-user-email"] == "alice@example.com"
        else:  # signed upload URLs get neither the key nor the attribution
            assert "authorization" not in request["headers"] and "x-wandb-username" not in request["headers"]


def test_the_api_key_is_in_no_run_file_nor_log(online, tmp_path, capsys) -> None:
    run = wandb.init(project="p", config={"k": 1})
    run.log({"a": 1})
    print("output")
    run.finish()
    key = online.admin_key.encode()
    for folder, _dirs, names in os.walk(tmp_path / "work"):
        for name in names:
            assert key not in open(os.path.join(folder, name), "rb").read(), os.path.join(folder, name)
    out = capsys.readouterr()
    assert online.admin_key not in out.out + out.err


def test_show_run_opens_the_online_run_page(online, monkeypatch) -> None:
    from wandb_jupyter.common import _browser

    opened: list[str] = []
    monkeypatch.setattr(_browser, "open_in_browser", lambda url: opened.append(url) or True)
    monkeypatch.setenv("WANDB_SHOW_RUN", "true")
    run = wandb.init(project="p")
    run.finish()
    assert opened == [f"{online.url}/admin/p/runs/{run.id}"]


def test_a_server_down_at_init_keeps_the_run_and_the_sender_catches_up(server_process, monkeypatch) -> None:
    monkeypatch.setenv("WANDB_API_KEY", server_process.admin_key)
    monkeypatch.setenv("WANDB_BASE_URL", server_process.url)  # not started yet: nothing listens
    monkeypatch.setattr(_sender, "BACKOFF_MAX", 0.5)
    started = time.monotonic()
    run = wandb.init(project="p", mode="online")
    assert time.monotonic() - started < 10
    assert run.url is None  # no page before the server knows the run
    for i in range(50):
        run.log({"i": i})
    server_process.start()
    run.finish()
    assert run.url == f"{server_process.url}/admin/p/runs/{run.id}"
    path = server_run_dir(server_process.data_dir, "admin", "p", run.id) / "files" / "wandb-history.jsonl"
    assert [json.loads(line)["i"] for line in path.read_text().splitlines()] == list(range(50))


def test_the_program_and_requirements_are_uploaded(online, env_for_subprocess, tmp_path) -> None:
    import subprocess
    import sys

    script = tmp_path / "work" / "train.py"
    script.write_text(
        "import wandb_jupyter as wandb\nrun = wandb.init(project='p')\nrun.log({'a': 1})\nprint(run.id)\nrun.finish()\n"
    )
    env = dict(
        env_for_subprocess, WANDB_BASE_URL=online.url, WANDB_API_KEY=online.admin_key, WANDB_DIR=str(tmp_path / "work")
    )
    done = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path / "work", env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr[-2000:]
    run_id = done.stdout.split()[-1]
    files = server_run_dir(online.data_dir, "admin", "p", run_id) / "files"
    assert (files / "code" / "train.py").read_text() == script.read_text()
    assert "wandb-jupyter==" in (files / "requirements.txt").read_text().lower()
    metadata = json.loads((files / "wandb-metadata.json").read_text())
    assert metadata["program"] == str(script) and metadata["entity"] == "admin"


def test_internal_errors_reach_the_run_s_own_server_when_reporting(online, monkeypatch) -> None:
    from wandb_jupyter.core import _metadata

    def broken() -> str:
        raise RuntimeError("requirements could not be listed")

    monkeypatch.setattr(_metadata, "requirements_text", broken)
    run = wandb.init(project="p")
    run.log({"a": 1})
    run.finish()
    files = server_run_dir(online.data_dir, "admin", "p", run.id) / "files"
    assert "RuntimeError: requirements could not be listed" in (files / "wandb-client-errors.log").read_text()
