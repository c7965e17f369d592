"""200 runs SIGKILLed at a random moment while logging: every row whose log() returned is on disk.

Each run is a child process logging offline rows of random sizes (a few from 0.5 to 256 KiB, so
that one row takes several pages and a kill can land inside its ``write(2)``). Right after each
``log()`` returns, the child writes the step number to a side channel of its own (a file
descriptor, unbuffered, that outlives the child). The parent waits a random time after the child's
first row and SIGKILLs it. Then, per run:

* every reported step is in ``wandb-history.jsonl``; the lines are ``_step`` 0..n-1 in order, each
  once; every line parses, and only the last piece of the file may be torn (no newline yet), which
  the readers skip;
* the run resumes (``resume="must"``): it goes on from step n, logs more rows and finishes cleanly;
* for a sample of them, ``wandb-jupyter sync`` sends the killed run to a local server (exactly the
  whole lines), and once more after the resume (the rest, and the run's end).

Three children run at a time (the machine has 2 cores); rows are kept small enough for the whole
test to take well under a minute.
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import NamedTuple

import wandb_jupyter as wandb
from wandb_jupyter.rundir._local_runs import describe_run
from wandb_jupyter.rundir._rundir import HISTORY, RunPaths, find_run, read_jsonl

RUNS = 200
SYNCED = 10
POOL = 3
KILL_AFTER = (0.0, 0.08)  # seconds after the child's first row
READY_TIMEOUT = 30.0
AFTER_RESUME = 3  # rows logged by the resumed run

CHILD = textwrap.dedent(
    """
    import os, random, sys
    import wandb_jupyter as wandb
    run_id, seed, report = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    rng = random.Random(seed)
    sizes = (0, 10, 100, 1000) if rng.random() < 0.85 else (500, 5000, 70_000, 262_144)
    run = wandb.init(mode="offline", project="crash", id=run_id)
    step = 0
    while True:
        run.log({"i": step, "loss": 1 / (step + 1), "pad": "x" * rng.choice(sizes)})
        os.write(report, b"%d\\n" % step)  # only once log() returned
        step += 1
    """
)


class Killed(NamedTuple):
    run_id: str
    reported: list[int]  # steps whose log() returned before the kill
    delay: float


def _reported(path: Path) -> list[int]:
    text = path.read_bytes()
    return [int(line) for line in text[: text.rfind(b"\n") + 1].split()]  # a half-written number is not a report


def _kill_while_logging(run_id: str, child_seed: int, delay: float, work: Path, env: dict[str, str]) -> Killed:
    report = work / "reports" / f"{run_id}.txt"
    fd = os.open(report, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, run_id, str(child_seed), str(fd)],
            cwd=work,
            env=env,
            pass_fds=(fd,),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
    finally:
        os.close(fd)
    try:
        deadline = time.monotonic() + READY_TIMEOUT
        while report.stat().st_size == 0:  # the first row is logged: the run is set up
            assert child.poll() is None, f"{run_id}: the child ended before logging: {child.stderr.read()!r}"
            assert time.monotonic() < deadline, f"{run_id}: no row after {READY_TIMEOUT} s"
            time.sleep(0.002)
        time.sleep(delay)
        assert child.poll() is None, f"{run_id}: the child ended by itself: {child.stderr.read()!r}"
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.kill()
        child.wait(10)
        child.stderr.close()
    return Killed(run_id, _reported(report), delay)


class DiskState(NamedTuple):
    whole_lines: int
    torn_tail: bool


def _check_on_disk(paths: RunPaths, killed: Killed, seed: int) -> DiskState:
    """The history file after the kill: the checks of the module docstring; returns what it holds."""
    where = f"run {killed.run_id} (seed {seed}, killed {killed.delay * 1000:.0f} ms after its first row)"
    data = paths.file(HISTORY).read_bytes()
    end = data.rfind(b"\n") + 1
    lines = data[:end].decode("utf-8").splitlines()
    steps = []
    for number, line in enumerate(lines):
        try:
            steps.append(json.loads(line)["_step"])
        except ValueError:
            raise AssertionError(f"{where}: line {number} is torn or not JSON: {line[:80]!r}...") from None
    assert steps == list(range(len(steps))), f"{where}: steps out of order, missing or repeated"
    assert killed.reported, f"{where}: the child reported no row"
    assert killed.reported == list(range(len(killed.reported))), f"{where}: the side channel is broken"
    assert len(steps) >= len(killed.reported), (
        f"{where}: log() returned for step {killed.reported[-1]} but only {len(steps)} rows are on disk"
    )
    assert len(steps) <= len(killed.reported) + 1, f"{where}: rows on disk that log() never returned"
    assert [row["_step"] for row in read_jsonl(paths.file(HISTORY))] == steps, f"{where}: the reader differs"
    assert describe_run(paths).steps == len(steps), f"{where}: `wandb-jupyter runs` counts another number"
    return DiskState(len(lines), end < len(data))


def _resume(wandb_parent: Path, run_id: str, on_disk: int) -> None:
    run = wandb.init(mode="offline", project="crash", id=run_id, resume="must", dir=wandb_parent)
    assert run.resumed and run.step == on_disk, (run_id, run.step, on_disk)
    for i in range(AFTER_RESUME):
        run.log({"i": on_disk + i, "resumed": True})
    run.summary["resumed"] = True
    run.finish(quiet=True)
    data = run.paths.file(HISTORY).read_bytes()
    assert data.endswith(b"\n"), f"{run_id}: a torn line after the resume"
    rows = [json.loads(line) for line in data.splitlines()]
    assert [row["_step"] for row in rows] == list(range(on_disk + AFTER_RESUME)), run_id
    assert [row["i"] for row in rows] == list(range(on_disk + AFTER_RESUME)), run_id
    assert json.loads(run.paths.file("wandb-summary.json").read_text())["_wandb"]["exitcode"] == 0


def _sync(paths: list[RunPaths], server, env: dict[str, str]) -> str:
    env = dict(env, WANDB_BASE_URL=server.url, WANDB_API_KEY=server.admin_key)
    done = subprocess.run(
        [sys.executable, "-m", "wandb_jupyter", "sync", *[str(p.root) for p in paths]],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _server_lines(server, run_id: str) -> list[str]:
    found = list((server.data_dir / "runs" / "admin" / "crash").glob(f"run-*-{run_id}"))
    assert len(found) == 1, found
    return (found[0] / "files" / HISTORY).read_text().splitlines()


def _local_lines(paths: RunPaths) -> list[str]:
    data = paths.file(HISTORY).read_text()
    return data[: data.rfind("\n") + 1].splitlines()


def test_200_runs_sigkilled_while_logging(
    tmp_path, env_for_subprocess, server_process, seed, figures, monkeypatch
) -> None:
    rng = random.Random(seed)
    work = tmp_path / "runs"
    (work / "reports").mkdir(parents=True)
    env = dict(env_for_subprocess, WANDB_CONSOLE="off", WANDB_X_STATS_SAMPLING_INTERVAL="0.05")
    monkeypatch.setenv("WANDB_CONSOLE", "off")
    plans = [(f"crash{n:03d}", rng.randrange(1 << 30), rng.uniform(*KILL_AFTER)) for n in range(RUNS)]
    sampled = set(rng.sample([run_id for run_id, _, _ in plans], SYNCED))

    with concurrent.futures.ThreadPoolExecutor(POOL) as pool:
        killed = list(pool.map(lambda plan: _kill_while_logging(*plan, work, env), plans))

    states = {}
    for item in killed:
        paths = find_run(work / "wandb", item.run_id)
        assert paths is not None, item.run_id
        states[item.run_id] = (paths, _check_on_disk(paths, item, seed))

    server_process.start()
    to_sync = [states[run_id][0] for run_id in sorted(sampled)]
    _sync(to_sync, server_process, env)
    for paths in to_sync:  # the killed run as it was: exactly its whole lines, the torn tail left out
        assert _server_lines(server_process, paths.run_id) == _local_lines(paths), paths.run_id

    for item in killed:
        paths, state = states[item.run_id]
        _resume(work, item.run_id, state.whole_lines)
        if item.run_id not in sampled:
            shutil.rmtree(paths.root)  # keeps the disk use of the test small

    _sync(to_sync, server_process, env)
    for paths in to_sync:  # the rest, after the resume, and the run's end
        assert _server_lines(server_process, paths.run_id) == _local_lines(paths), paths.run_id
        summary = json.loads(
            (
                next((server_process.data_dir / "runs" / "admin" / "crash").glob(f"run-*-{paths.run_id}"))
                / "files"
                / "wandb-summary.json"
            ).read_text()
        )
        assert summary["resumed"] is True
    again = _sync(to_sync, server_process, env)
    assert again.count(": up to date") == SYNCED, again

    rows = sum(len(item.reported) for item in killed)
    torn = sum(state.torn_tail for _, state in states.values())
    unreported = sum(state.whole_lines - len(item.reported) for item, (_, state) in zip(killed, states.values()))
    figures(
        f"{RUNS} runs SIGKILLed while logging (all {RUNS} after their first row), {rows:,} reported rows "
        f"verified on disk, {torn} torn last lines skipped by the readers, {unreported} rows on disk whose "
        f"log() had not returned; {RUNS} resumed and finished, {SYNCED} synced after the kill and after "
        f"the resume"
    )
