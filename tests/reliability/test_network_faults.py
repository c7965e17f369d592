"""10 online runs through a proxy that stops, slows, fails (500) and cuts the server off at random.

``wandb-jupyter server`` runs in its own process; a :class:`~.faultproxy.FaultProxy` in the test
stands between it and the runs (each a child process with our client, online). While the runs
log, a scheduler switches the proxy between ``pass`` and a random fault for random periods (seeded);
then the network recovers and the runs finish. Each run logs bursts of rows, prints lines (the
console goes to output.log), changes its summary and saves a file, with the sender's batches made
small so that every run sends many requests into the faults.

After recovery, for every run, the server holds every row exactly once: its history has as many
lines as the run logged steps, each ``_step`` once and in order, byte for byte the local history
file; its system metrics, output.log (streamed and uploaded) and summary equal the local ones,
the saved file arrived, and the run is ``finished`` with exit code 0. Every fault must have met
requests, or the test proves nothing.
"""

from __future__ import annotations

import concurrent.futures
import json
import random
import subprocess
import sys
import textwrap
import threading
import time

import requests

from .faultproxy import FAULTS, FaultProxy

RUNS = 10
LOG_SECONDS = 8.0  # the faults come and go for about 10 s (8 of them, 0.2-1.5 s each, 0.1-0.8 s apart)
CHILD_TIMEOUT = 240.0
MET_BY = 3  # requests each fault period must meet ...
MET_WITHIN = 5.0  # ... within this many seconds

CHILD = textwrap.dedent(
    """
    import random, sys, time
    import wandb_jupyter as wandb
    from wandb_jupyter.online import _sender
    _sender.MAX_LINES = 40  # many small requests, so that each run meets every fault
    _sender.UPLOAD_EVERY = 0.5
    index, seed, seconds = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    rng = random.Random(seed)
    run = wandb.init(project="faults", id=f"fault{index:02d}", config={"index": index, "seed": seed})
    step = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for _ in range(rng.randint(1, 60)):
            run.log({"i": step, "x": rng.random(), "tag": "t" * rng.randint(0, 40)})
            step += 1
        print(f"run {index} logged {step} rows")
        if rng.random() < 0.2:
            run.summary["best"] = rng.random()
        if rng.random() < 0.05:
            (run.paths.files / "notes.txt").write_text(f"{step}\\n")  # uploaded once it keeps still
        time.sleep(rng.uniform(0, 0.08))
    run.summary["final_step"] = step
    run.finish()
    print("STEPS", step)
    """
)


def _schedule(proxy: FaultProxy, rng: random.Random, timeline: list[tuple[str, float]]) -> None:
    """Each fault twice, in random order, with good periods between; then good.

    A fault lasts a random period, and longer if need be (up to :data:`MET_WITHIN` s) until requests
    met it: senders backing off after the previous fault may send nothing for a while.
    """
    _wait_for(lambda: proxy.counts["pass"] >= RUNS, 60.0)  # the runs are talking to the server
    faults = list(FAULTS) * 2
    rng.shuffle(faults)
    for fault in faults:
        started = time.monotonic()
        met = proxy.counts[fault]
        proxy.set_mode(fault)
        time.sleep(rng.uniform(0.2, 1.5))
        if fault != "stopped":  # refused connections never reach the proxy: nothing to count
            _wait_for(lambda: proxy.counts[fault] >= met + MET_BY, MET_WITHIN - (time.monotonic() - started))
        timeline.append((fault, time.monotonic() - started))
        good = rng.uniform(0.1, 0.8)
        proxy.set_mode("pass")
        timeline.append(("pass", good))
        time.sleep(good)
    proxy.set_mode("pass")


def _wait_for(condition, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)


def _run_child(index: int, child_seed: int, proxy: FaultProxy, key: str, work, env) -> subprocess.CompletedProcess:
    env = dict(env, WANDB_BASE_URL=proxy.url, WANDB_API_KEY=key, WANDB_DIR=str(work))
    return subprocess.run(
        [sys.executable, "-c", CHILD, str(index), str(child_seed), str(LOG_SECONDS)],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT,
    )


def _server_run(server, run_id: str) -> dict:
    query = """query R($p: String, $e: String, $n: String!) { project(name: $p, entityName: $e) {
        run(name: $n) { state exitcode historyLineCount summaryMetrics config } } }"""
    answer = requests.post(
        f"{server.url}/graphql",
        auth=("api", server.admin_key),
        timeout=30,
        json={"query": query, "variables": {"p": "faults", "e": "admin", "n": run_id}},
    )
    answer.raise_for_status()
    return answer.json()["data"]["project"]["run"]


def _check_run(server, local_root, run_id: str, steps: int, where: str) -> None:
    found = list((server.data_dir / "runs" / "admin" / "faults").glob(f"run-*-{run_id}"))
    assert len(found) == 1, f"{where}: {found}"
    remote = found[0] / "files"
    local = local_root / "files"
    history = (remote / "wandb-history.jsonl").read_text()
    rows = [json.loads(line) for line in history.splitlines()]
    assert len(rows) == steps, f"{where}: the server holds {len(rows)} rows of {steps}"
    assert [row["_step"] for row in rows] == list(range(steps)), f"{where}: rows lost, repeated or reordered"
    assert [row["i"] for row in rows] == list(range(steps)), where
    assert history == (local / "wandb-history.jsonl").read_text(), f"{where}: history differs from the local file"
    for name in ("wandb-events.jsonl", "output.log"):
        assert (remote / name).read_text() == (local / name).read_text(), f"{where}: {name} differs"
    assert (remote.parent / "uploaded" / "output.log").read_text() == (local / "output.log").read_text(), where
    assert f"run {int(run_id[-2:])} logged {steps} rows" in (remote / "output.log").read_text(), where
    assert json.loads((remote / "wandb-summary.json").read_text()) == json.loads(
        (local / "wandb-summary.json").read_text()
    ), f"{where}: summary differs"
    if (local / "notes.txt").exists():
        assert (remote / "notes.txt").read_text() == (local / "notes.txt").read_text(), where
    stored = _server_run(server, run_id)
    assert (stored["state"], stored["exitcode"], stored["historyLineCount"]) == ("finished", 0, steps), where
    assert json.loads(stored["summaryMetrics"])["final_step"] == steps, where
    assert json.loads(stored["config"])["index"]["value"] == int(run_id[-2:]), where
    state = json.loads((local_root / "sync-state.json").read_text())
    assert state["complete"] is True and state["streams"]["wandb-history.jsonl"]["lines"] == steps, where


def test_runs_survive_a_faulty_network(tmp_path, env_for_subprocess, server_process, seed, figures) -> None:
    rng = random.Random(seed)
    server_process.start()
    proxy = FaultProxy(server_process.port, random.Random(rng.randrange(1 << 30))).start()
    work = tmp_path / "clients"
    work.mkdir()
    env = dict(env_for_subprocess, WANDB_X_STATS_SAMPLING_INTERVAL="0.5")
    timeline: list[tuple[str, float]] = []
    scheduler = threading.Thread(target=_schedule, args=(proxy, random.Random(rng.randrange(1 << 30)), timeline))
    seeds = [rng.randrange(1 << 30) for _ in range(RUNS)]
    try:
        scheduler.start()
        with concurrent.futures.ThreadPoolExecutor(RUNS) as pool:
            done = list(
                pool.map(lambda n: _run_child(n, seeds[n], proxy, server_process.admin_key, work, env), range(RUNS))
            )
        scheduler.join()
    finally:
        proxy.stop()
    assert not proxy.errors, proxy.errors
    rows = 0
    for index, child in enumerate(done):
        where = f"run fault{index:02d} (seed {seed})"
        assert child.returncode == 0, (
            f"{where}: exit {child.returncode}\n{child.stdout[-2000:]}\n{child.stderr[-3000:]}"
        )
        assert "not uploaded yet" not in child.stderr and "Traceback" not in child.stderr, f"{where}: {child.stderr}"
        steps = int(child.stdout.rsplit("STEPS", 1)[1])
        local = next((work / "wandb").glob(f"run-*-fault{index:02d}"))
        _check_run(server_process, local, f"fault{index:02d}", steps, where)
        rows += steps
    assert all(proxy.counts[fault] >= MET_BY for fault in FAULTS if fault != "stopped"), proxy.counts
    periods = {fault: round(sum(t for mode, t in timeline if mode == fault), 1) for fault in FAULTS}
    figures(
        f"{RUNS} online runs, {rows:,} rows, each held exactly once by the server after recovery; seconds of "
        f"each fault {periods}; requests that met each mode {dict(proxy.counts)}"
    )
