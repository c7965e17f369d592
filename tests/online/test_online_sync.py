"""``wandb-jupyter sync``: offline runs and unsent tails of online ones; syncing twice changes nothing."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import yaml

import wandb_jupyter as wandb
from wandb_jupyter.cli import main
from wandb_jupyter.online import _sender
from wandb_jupyter.online._sync import _Progress

from .conftest import server_rows, server_run, server_run_dir


def _snapshot(data_dir) -> dict[str, tuple[int, int]]:
    return {
        str(p): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(data_dir.rglob("*"))
        if p.is_file() and p.suffix not in (".sqlite3", ".sqlite3-wal", ".sqlite3-shm")
    }


def test_offline_runs_sync_once_and_a_second_sync_changes_nothing(live_server, monkeypatch, recorder, capsys) -> None:
    ids = []
    for n in range(2):
        run = wandb.init(project="p", mode="offline", config={"n": n}, name=f"offline-{n}")
        for i in range(100 + n):
            run.log({"i": i})
        run.summary["final"] = n
        print(f"printed by run {n}")
        (run.paths.files / "extra.txt").write_text(f"file {n}")
        run.finish(exit_code=n)
        ids.append(run.id)
    assert main(["sync"]) == 0  # no arguments: list what would be uploaded
    listed = capsys.readouterr().out
    assert all(run_id in listed for run_id in ids) and "--all" in listed and not recorder
    monkeypatch.setenv("WANDB_BASE_URL", live_server.url)
    monkeypatch.setenv("WANDB_API_KEY", live_server.admin_key)
    assert main(["sync", "--all"]) == 0
    out = capsys.readouterr().out
    assert "2 synced" in out and f"{live_server.url}/admin/p/runs/{ids[0]}" in out
    for n, run_id in enumerate(ids):
        assert [r["i"] for r in server_rows(live_server, run_id)] == list(range(100 + n))
        stored = server_run(live_server, run_id)
        assert stored.state == ("finished" if n == 0 else "failed") and stored.display_name == f"offline-{n}"
        files = server_run_dir(live_server.data_dir, "admin", "p", run_id) / "files"
        assert yaml.safe_load((files / "config.yaml").read_text())["n"]["value"] == n
        assert json.loads((files / "wandb-summary.json").read_text())["final"] == n
        assert (files / "extra.txt").read_text() == f"file {n}"
        assert any(line.endswith(f" printed by run {n}") for line in (files / "output.log").read_text().splitlines())
    before = _snapshot(live_server.data_dir)
    requests_before = len(recorder)
    assert main(["sync", "--all"]) == 0
    assert "nothing to sync" in capsys.readouterr().out
    assert (
        main(
            ["sync", *[str(p) for p in sorted((live_server.data_dir.parent / "work" / "wandb").glob("offline-run-*"))]]
        )
        == 0
    )
    assert capsys.readouterr().out.count(": up to date") == 2
    assert len(recorder) == requests_before  # not a single request
    assert _snapshot(live_server.data_dir) == before


def test_what_finish_could_not_send_is_synced_later(server_process, monkeypatch, capsys) -> None:
    monkeypatch.setattr(_sender, "FINISH_TIMEOUT", 0.6)
    monkeypatch.setattr(_sender, "PROGRESS_AFTER", 0.1)
    monkeypatch.setattr(_sender, "BACKOFF_MAX", 0.2)
    server_process.start()
    monkeypatch.setenv("WANDB_BASE_URL", server_process.url)
    monkeypatch.setenv("WANDB_API_KEY", server_process.admin_key)
    run = wandb.init(project="p", mode="online")
    for i in range(300):
        run.log({"i": i})
    server_process.kill()
    for i in range(300, 600):
        run.log({"i": i})
    run.finish()
    err = capsys.readouterr().err
    assert f"uploading to {server_process.url}: " in err and "rows sent" in err and "server not answering" in err
    assert "rows and" in err and "not uploaded yet" in err and f"wandb-jupyter sync {run.paths.root}" in err
    server_process.start()
    assert main(["sync", str(run.paths.root)]) == 0
    assert "1 synced" in capsys.readouterr().out
    path = server_run_dir(server_process.data_dir, "admin", "p", run.id) / "files" / "wandb-history.jsonl"
    assert [json.loads(line)["i"] for line in path.read_text().splitlines()] == list(range(600))
    state = json.loads(run.paths.sync_state.read_text())
    assert state["complete"] is True and state["exitcode"] == 0
    before = path.stat().st_mtime_ns
    assert main(["sync", "--all"]) == 0
    assert "nothing to sync" in capsys.readouterr().out and path.stat().st_mtime_ns == before


def test_sync_without_a_key_fails_with_the_three_ways(live_server, monkeypatch, capsys) -> None:
    run = wandb.init(project="p", mode="offline")
    run.finish()
    monkeypatch.setenv("WANDB_BASE_URL", live_server.url)
    assert main(["sync", str(run.paths.root)]) == 1
    out = capsys.readouterr().out
    assert "failed" in out and "WANDB_API_KEY" in out and "wandb-jupyter login" in out


def test_the_progress_bar_redraws_in_place_on_a_terminal() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    bar = _Progress("run-x", 1000, screen)
    bar.update(500, 50, force=True)
    bar.update(1000, 100, force=True)
    bar.close()
    text = screen.getvalue()
    assert "\rrun-x [###############               ]  50% 50 rows" in text and "100% 100 rows" in text
    assert text.endswith("\r\033[K")


CRASHING = r"""
import os, signal, sys
import wandb_jupyter as wandb
run = wandb.init(project="p")
for i in range(2000):
    run.log({"i": i})
print(run.paths.root, flush=True)
os.kill(os.getpid(), signal.SIGKILL)  # no finish(), no atexit: the sender dies mid-way
"""


def test_a_killed_online_run_is_completed_by_sync(
    live_server, env_for_subprocess, tmp_path, capsys, monkeypatch
) -> None:
    env = dict(
        env_for_subprocess,
        WANDB_BASE_URL=live_server.url,
        WANDB_API_KEY=live_server.admin_key,
        WANDB_DIR=str(tmp_path / "work"),
        WANDB_CONSOLE="off",
    )
    done = subprocess.run(
        [sys.executable, "-c", CRASHING], cwd=tmp_path / "work", env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == -9, done.stderr[-2000:]
    root = done.stdout.strip().splitlines()[-1]
    monkeypatch.setenv("WANDB_BASE_URL", live_server.url)
    monkeypatch.setenv("WANDB_API_KEY", live_server.admin_key)
    assert main(["sync", root]) == 0
    run_id = root.rsplit("-", 1)[1]
    assert [r["i"] for r in server_rows(live_server, run_id)] == list(range(2000))
    assert main(["sync", root]) == 0
    assert ": up to date" in capsys.readouterr().out  # no exit code is known: nothing more to send


def test_sync_names_a_folder_that_is_no_run(capsys, tmp_path) -> None:
    assert main(["sync", str(tmp_path / "run-20260101_000000-missing")]) == 2
    assert "not a run directory" in capsys.readouterr().err
