"""Many writers on one server at once: 4 processes and 2 kernels in one project; 20 raw clients.

1. Four child processes and two Jupyter kernels (jupyter_client, the real ipykernel) run our client
   online against one ``wandb-jupyter server`` process, all in the same project, logging at the
   same moment (each waits for a common start time after its ``init()``): bursts of rows, prints,
   summary changes. Every writer must end without an error or warning (only the library's
   information lines on stderr), and the server must hold each run complete: every row once and
   in order, byte for byte the local history, ``finished``.
2. 20 clients (threads of ``bench/_load.py``, one keep-alive connection and one run each) send
   GraphQL upserts, file_stream appends and reads for a bounded time: no answer other than 200,
   no read showing fewer rows than were acknowledged, every run's history exactly the rows
   appended. p50 / p99 latencies are printed (figures only; ``bench/bench_concurrency.py``
   measures them properly).
"""

from __future__ import annotations

import concurrent.futures
import json
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import requests


def _bench_load():
    """bench/_load.py, the load generator the benchmark uses (bench/ is no package, nor on the path)."""
    import importlib.util

    path = Path(__file__).resolve().parents[2] / "bench" / "_load.py"
    spec = importlib.util.spec_from_file_location("bench_load", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # NamedTuple needs its module while being defined
    spec.loader.exec_module(module)
    return module


_load = _bench_load()
OPERATIONS, percentile, run_clients = _load.OPERATIONS, _load.percentile, _load.run_clients

PROCESSES = 4
KERNELS = 2
CLIENTS = 20
CLIENT_SECONDS = 8.0
WRITER_TIMEOUT = 180.0
QUIET = re.compile(r"wandb: (?!WARNING|ERROR|CRITICAL)")

WRITER = textwrap.dedent(
    """
    import random, time
    import wandb_jupyter as wandb
    def write(name, seed, start_at):
        rng = random.Random(seed)
        run = wandb.init(project="shared", id=name, config={"writer": name})
        time.sleep(max(0.0, start_at - time.time()))  # every writer logs at the same moment
        step = 0
        for burst in range(60):
            for _ in range(rng.randint(1, 100)):
                run.log({"writer": name, "i": step, "x": rng.random()})
                step += 1
            print(f"{name}: {step} rows")
            run.summary["burst"] = burst
            time.sleep(rng.uniform(0, 0.05))
        run.finish()
        print("STEPS", step)
    """
)


def _process_writer(name: str, seed: int, start_at: float, env: dict[str, str], cwd: Path):
    code = WRITER + f"\nwrite({name!r}, {seed}, {start_at})\n"
    return subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=cwd, capture_output=True, text=True, timeout=WRITER_TIMEOUT
    )


def _kernel_writer(kernel, name: str, seed: int, start_at: float) -> tuple[str, str, str]:
    """Runs the writer as a cell; returns (reply status, stdout, stderr and error outputs)."""
    client = kernel[1]
    out, err = [], []

    def on_output(msg) -> None:
        kind, content = msg["msg_type"], msg["content"]
        if kind == "stream":
            (out if content["name"] == "stdout" else err).append(content["text"])
        elif kind == "error":
            err.append("\n".join(content["traceback"]))

    reply = client.execute_interactive(
        WRITER + f"\nwrite({name!r}, {seed}, {start_at})\n", timeout=WRITER_TIMEOUT, output_hook=on_output
    )
    return reply["content"]["status"], "".join(out), "".join(err)


def _problems(stderr: str) -> list[str]:
    """Lines of a writer's stderr other than the library's informational ones (warnings, errors, tracebacks)."""
    return [line for line in stderr.splitlines() if line.strip() and not QUIET.match(line)]


def _logs(work: Path, name: str) -> str:
    """The end of a writer's debug.log and output.log, for a failure's message."""
    found = sorted((work / "wandb").glob(f"run-*-{name}"))
    if not found:
        return f"(no run directory for {name})"
    parts = []
    for path in (found[-1] / "logs" / "debug.log", found[-1] / "files" / "output.log"):
        text = path.read_text(errors="replace") if path.exists() else "(missing)"
        parts.append(f"--- {path.name}:\n{text[-3000:]}")
    return "\n".join(parts)


def _start_kernel(env: dict[str, str], cwd: Path):
    from jupyter_client.manager import start_new_kernel

    return start_new_kernel(kernel_name="python3", startup_timeout=90, env=env, cwd=str(cwd))


def _server_lines(server, run_id: str) -> list[str]:
    found = list((server.data_dir / "runs" / "admin" / "shared").glob(f"run-*-{run_id}"))
    assert len(found) == 1, (run_id, found)
    return (found[0] / "files" / "wandb-history.jsonl").read_text().splitlines()


def _project_runs(server) -> dict[str, dict]:
    query = """query { project(name: "shared", entityName: "admin") {
        runs { edges { node { name state exitcode historyLineCount } } } } }"""
    answer = requests.post(f"{server.url}/graphql", auth=("api", server.admin_key), json={"query": query}, timeout=30)
    answer.raise_for_status()
    return {edge["node"]["name"]: edge["node"] for edge in answer.json()["data"]["project"]["runs"]["edges"]}


def test_processes_and_kernels_log_to_one_project_at_once(
    tmp_path, env_for_subprocess, server_process, seed, figures
) -> None:
    pytest.importorskip("jupyter_client")
    server_process.start()
    work = tmp_path / "writers"
    work.mkdir()
    env = dict(
        env_for_subprocess,
        WANDB_BASE_URL=server_process.url,
        WANDB_API_KEY=server_process.admin_key,
        WANDB_DIR=str(work),
        WANDB_X_STATS_SAMPLING_INTERVAL="0.5",
    )
    kernels = []
    try:
        with concurrent.futures.ThreadPoolExecutor(KERNELS) as pool:
            kernels = list(pool.map(lambda _: _start_kernel(env, work), range(KERNELS)))
        start_at = time.time() + 3.0  # the kernels are up: the processes need ~1 s to import and init
        with concurrent.futures.ThreadPoolExecutor(PROCESSES + KERNELS) as pool:
            processes = [
                pool.submit(_process_writer, f"proc{n}", seed + n, start_at, env, work) for n in range(PROCESSES)
            ]
            cells = [
                pool.submit(_kernel_writer, kernel, f"kernel{n}", seed + 100 + n, start_at)
                for n, kernel in enumerate(kernels)
            ]
            finished = {f"proc{n}": f.result() for n, f in enumerate(processes)}
            ran = {f"kernel{n}": f.result() for n, f in enumerate(cells)}
    finally:
        for manager, client in kernels:
            client.stop_channels()
            manager.shutdown_kernel(now=True)

    steps = {}
    for name, child in finished.items():
        assert child.returncode == 0 and not _problems(child.stderr), (
            f"{name}: exit {child.returncode}\n{child.stdout[-1000:]}\n{child.stderr}\n{_logs(work, name)}"
        )
        steps[name] = int(child.stdout.rsplit("STEPS", 1)[1])
    for name, (status, out, err) in ran.items():
        assert status == "ok" and not _problems(err), f"{name}: {status}\n{out[-1000:]}\n{err}\n{_logs(work, name)}"
        steps[name] = int(out.rsplit("STEPS", 1)[1])
    stored = _project_runs(server_process)
    assert sorted(stored) == sorted(steps), stored
    for name, count in steps.items():
        lines = _server_lines(server_process, name)
        local = next((work / "wandb").glob(f"run-*-{name}")) / "files" / "wandb-history.jsonl"
        assert lines == local.read_text().splitlines(), f"{name}: the server's history differs from the local one"
        assert [json.loads(line)["_step"] for line in lines] == list(range(count)), name
        assert {json.loads(line)["writer"] for line in lines} == {name}, f"{name}: rows of another run"
        assert (stored[name]["state"], stored[name]["exitcode"], stored[name]["historyLineCount"]) == (
            "finished",
            0,
            count,
        ), (name, stored[name])
    figures(
        f"{PROCESSES} processes and {KERNELS} kernels logged {sum(steps.values()):,} rows into one project at "
        f"once: all complete on the server, none lost"
    )


def test_20_clients_at_once_against_the_server(server_process, seed, figures) -> None:
    server_process.start()
    result = run_clients(
        server_process.url, server_process.admin_key, clients=CLIENTS, seconds=CLIENT_SECONDS, project="load", seed=seed
    )
    assert not result.failures, result.failures[:10]
    assert result.stale_reads == 0, "a read showed fewer rows than the server had acknowledged"
    assert all(result.latencies[op] for op in OPERATIONS), {op: len(v) for op, v in result.latencies.items()}
    for run, count in result.rows.items():
        found = list((server_process.data_dir / "runs" / "admin" / "load").glob(f"run-*-{run}"))
        assert len(found) == 1, (run, found)
        lines = (found[0] / "files" / "wandb-history.jsonl").read_text().splitlines()
        assert [json.loads(line)["_step"] for line in lines] == list(range(count)), f"{run}: rows lost or repeated"
    everything = [x for values in result.latencies.values() for x in values]
    per_op = ", ".join(
        f"{op} {percentile(result.latencies[op], 0.5) * 1e3:.1f}/{percentile(result.latencies[op], 0.99) * 1e3:.1f}"
        for op in OPERATIONS
    )
    figures(
        f"{CLIENTS} clients for {result.seconds:.1f} s: {result.requests:,} requests "
        f"({result.requests / result.seconds:.0f}/s), {sum(result.rows.values()):,} rows appended, 0 failed; "
        f"latency p50 {percentile(everything, 0.5) * 1e3:.1f} ms, p99 {percentile(everything, 0.99) * 1e3:.1f} ms "
        f"({per_op} ms p50/p99)"
    )
