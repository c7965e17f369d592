"""Every log() that returned survives a SIGKILL a moment later: no lost rows, no torn lines."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import wandb_jupyter as wandb

CHILD = textwrap.dedent(
    """
    import os, sys
    import wandb_jupyter as wandb
    run = wandb.init(mode="offline", project="crash", id=sys.argv[1], resume="allow")
    print(run.dir, flush=True)
    payload = "x" * int(sys.argv[2])
    step = run.step
    while True:
        run.log({"i": step, "payload": payload})
        os.write(1, f"{step}\\n".encode())  # reported only after log() returned
        step += 1
    """
)


def _kill_while_logging(env: dict, tmp: Path, run_id: str, payload: int, wait: float) -> tuple[Path, int]:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, run_id, str(payload)],
        cwd=tmp,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    files = Path(child.stdout.readline().decode().strip())
    time.sleep(wait)
    os.kill(child.pid, signal.SIGKILL)
    out, _ = child.communicate()
    reported = [int(line) for line in out.decode().split("\n")[:-1] if line]  # a half-printed number is dropped
    return files, max(reported, default=-1)


def _rows(files: Path) -> list[dict]:
    text = (files / "wandb-history.jsonl").read_text()
    return [json.loads(line) for line in text.splitlines()]


def test_rows_survive_sigkill_and_the_run_resumes(tmp_path, env_for_subprocess) -> None:
    rng = random.Random(1234)
    last_reported = -1
    for attempt in range(5):
        payload = rng.choice([10, 3000, 200_000])  # the large rows need several pages per write
        files, reported = _kill_while_logging(env_for_subprocess, tmp_path, "crashrun", payload, rng.uniform(0.2, 0.6))
        rows_text = (files / "wandb-history.jsonl").read_bytes()
        complete = rows_text[: rows_text.rfind(b"\n") + 1].decode()
        steps = [json.loads(line)["_step"] for line in complete.splitlines()]  # every whole line parses
        assert steps == list(range(len(steps))), "steps are contiguous across kills and resumes"
        assert steps[-1] >= reported, f"attempt {attempt}: step {reported} returned but is not on disk"
        assert reported > last_reported
        last_reported = reported

    # the next resume trims a torn tail and continues the step count
    run = wandb.init(mode="offline", project="crash", id="crashrun", resume="must", dir=tmp_path)
    assert run.step >= last_reported + 1
    run.log({"i": "after"})
    run.finish(quiet=True)
    rows = _rows(files)
    assert rows[-1]["i"] == "after" and rows[-1]["_step"] == len(rows) - 1


def test_finish_leaves_everything_on_disk(tmp_path, env_for_subprocess) -> None:
    script = "import wandb_jupyter as w; r = w.init(mode='offline'); r.log({'a': 1}); r.summary['s'] = 2; r.finish()"
    subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env_for_subprocess, check=True)
    files = next((tmp_path / "wandb").glob("offline-run-*")) / "files"
    assert json.loads((files / "wandb-summary.json").read_text())["s"] == 2
    assert len(_rows(files)) == 1
