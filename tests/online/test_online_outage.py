"""The server killed (SIGKILL) and restarted mid-run: logging goes on, nothing is lost or duplicated."""

from __future__ import annotations

import json
import time

import wandb_jupyter as wandb
from wandb_jupyter.online import _sender

from .conftest import server_run_dir

WAIT = 20.0  # seconds, for the server to hold rows


def _held(server, run_id: str) -> list[int]:
    try:
        path = server_run_dir(server.data_dir, "admin", "p", run_id) / "files" / "wandb-history.jsonl"
        text = path.read_text()
    except (AssertionError, FileNotFoundError):
        return []
    return [json.loads(line)["i"] for line in text.splitlines() if line.endswith("}")]


def _wait_until(condition, timeout: float = WAIT) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_server_killed_and_restarted_mid_run(server_process, monkeypatch) -> None:
    monkeypatch.setattr(_sender, "BACKOFF_MAX", 0.5)
    monkeypatch.setattr(_sender, "MAX_LINES", 200)  # several requests per phase
    monkeypatch.setattr(_sender, "FINISH_TIMEOUT", WAIT)  # bounded, should this test fail
    server_process.start()
    monkeypatch.setenv("WANDB_BASE_URL", server_process.url)
    monkeypatch.setenv("WANDB_API_KEY", server_process.admin_key)
    run = wandb.init(project="p", mode="online")
    slowest = 0.0
    step = 0

    def log(count: int) -> None:
        nonlocal step, slowest
        for _ in range(count):
            started = time.perf_counter()
            run.log({"i": step})
            slowest = max(slowest, time.perf_counter() - started)
            step += 1

    log(1000)
    assert _wait_until(lambda: len(_held(server_process, run.id)) >= 1000)
    server_process.kill()
    log(1500)  # the server is down: log() goes on at its usual speed
    time.sleep(0.6)  # the sender fails and backs off meanwhile
    log(500)
    server_process.start()  # same port, same data
    log(1000)
    run.finish()
    assert _held(server_process, run.id) == list(range(4000))
    assert slowest < 0.05, f"a log() call took {slowest * 1000:.1f} ms while the server was down"
    state = json.loads(run.paths.sync_state.read_text())
    assert state["complete"] is True and state["streams"]["wandb-history.jsonl"]["lines"] == 4000
