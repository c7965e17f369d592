"""Read API benchmark: wandb_jupyter.Api() against the real SDK's wandb.Api(), both on our server.

Usage::

    python bench/bench_api.py [--rows N] [--runs N] [--repeat R] [--json out.json] [--quick] [--skip-wandb]

A ``wandb-jupyter server`` process holds one run of ``--rows`` history rows
(``_step``, ``_runtime``, ``_timestamp`` and three metrics, written straight
into the run's history file) and a project of ``--runs`` runs (config and
summary each, made with ``upsertBucket``). Each task then runs in a fresh child
interpreter per library, timed from outside, with the peak RSS of its whole
process tree (W&B's reads go through its ``wandb-core`` service, which counts):

* ``history``: ``run.history(samples=500)`` of the big run (rows spread over it);
* ``scan``: every row of the big run through ``run.scan_history()`` (pages of 1000 steps);
* ``runs``: every run of the project (pages of 50) with one summary value each;
* ``runs_filtered``: runs with ``config.lr`` over a bound, ordered by ``-summary_metrics.acc``.

The server's own peak RSS over all tasks is reported too (memory must stay
bounded on both sides). Ratios are W&B's time or memory over ours (above 1:
ours is faster or smaller). The exit status is non-zero when our client fails
or gives a different answer than W&B's.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psutil

from bench_core import ChildFailed, child_env, failure, spawn, wandb_status, write_json
from bench_server import Server, _rows

PROJECT_BIG, BIG = "bench-api-big", "big"
PROJECT_RUNS = "bench-api-runs"
LR_BOUND = 0.5

CHILD = r"""
import json, sys, time
lib, task, url, key, result, big, runs_project, bound = sys.argv[1:9]
start = time.perf_counter()
if lib == "wandb":
    import wandb
    api = wandb.Api(overrides={"base_url": url}, api_key=key, timeout=120)
else:
    import wandb_jupyter
    api = wandb_jupyter.Api(overrides={"base_url": url}, api_key=key)
if task == "history":
    rows = api.run(f"admin/{big}").history(samples=500, pandas=False)
    answer = [len(rows), rows[0]["_step"], rows[-1]["_step"]]
elif task == "scan":
    count = total = 0
    for row in api.run(f"admin/{big}").scan_history():
        count += 1
        total += row["_step"]
    answer = [count, total]
elif task == "runs":
    count, total = 0, 0.0
    for run in api.runs(f"admin/{runs_project}", per_page=50):
        count += 1
        total += run.summary["acc"]
    answer = [count, round(total, 6)]
else:
    found = [run.id for run in api.runs(f"admin/{runs_project}", filters={"config.lr": {"$gt": float(bound)}},
                                         order="-summary_metrics.acc", per_page=50)]
    answer = [len(found), found[:5]]
with open(result, "w") as handle:
    json.dump({"seconds": time.perf_counter() - start, "answer": answer}, handle)
"""

TASKS = ("history", "scan", "runs", "runs_filtered")


def fill(server: Server, rows: int, runs: int) -> None:
    """The big run (its history file written in one go) and ``runs`` runs with config and summary."""
    server.upsert(PROJECT_BIG, BIG)
    t0 = time.time()
    with open(server.history(PROJECT_BIG, BIG), "w", encoding="utf-8") as handle:
        for start in range(0, rows, 50_000):
            handle.write("\n".join(_rows(start, min(rows, start + 50_000), t0)) + "\n")
    query = (
        "mutation U($n: String, $p: String, $c: JSONString, $s: JSONString) { upsertBucket(input: "
        "{name: $n, modelName: $p, config: $c, summaryMetrics: $s}) { bucket { id } } }"
    )
    for i in range(runs):
        lr = (i * 7919 % runs) / runs
        variables = {
            "n": f"r{i:05d}",
            "p": PROJECT_RUNS,
            "c": json.dumps({"lr": {"value": lr}, "layers": {"value": i % 5}}),
            "s": json.dumps({"acc": (i * 104729 % 1000) / 1000, "loss": 1 - lr}),
        }
        server.session.post(f"{server.url}/graphql", json={"query": query, "variables": variables}, timeout=30)
        if i % 500 == 0:
            print(f"\r  made {i + 1}/{runs} runs", end="", file=sys.stderr)
    print(file=sys.stderr)


class ServerPeak:
    """The server process's peak RSS while tasks run (sampled every 20 ms in a thread)."""

    def __init__(self, server: Server) -> None:
        self.ps, self.peak, self._stop = server.ps, server.ps.memory_info().rss, threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            try:
                self.peak = max(self.peak, self.ps.memory_info().rss)
            except psutil.Error:
                return

    def take(self) -> int:
        """The peak since the last take (or the start), and a new start."""
        peak, self.peak = self.peak, self.ps.memory_info().rss
        return peak

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def run_task(lib: str, task: str, server: Server) -> dict[str, Any]:
    home = Path(tempfile.mkdtemp(prefix=f"bench-api-{task}-{lib}-"))
    try:
        env = child_env(home, console_off=True)
        env.pop("WANDB_MODE", None)
        result = home / "result.json"
        names = [f"{PROJECT_BIG}/{BIG}", PROJECT_RUNS, str(LR_BOUND)]
        cmd = [sys.executable, "-c", CHILD, lib, task, server.url, server.key, str(result), *names]
        with open(home / "stdout", "wb") as out:
            done = spawn(cmd, home, env, out)
        if done.returncode != 0 or not result.exists():
            raise failure(home, f"{task} with {lib}", done.returncode)
        figures = json.loads(result.read_text())
    finally:
        shutil.rmtree(home, ignore_errors=True)
    print(f"  {task} with {lib}: {done.wall_s:.2f} s, {done.tree_peak_rss / (1 << 20):.0f} MiB", file=sys.stderr)
    return {
        "wall_s": done.wall_s,
        "seconds": figures["seconds"],
        "peak_rss": done.tree_peak_rss,
        "answer": figures["answer"],
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=None, help="history rows of the big run (default 1000000)")
    parser.add_argument("--runs", type=int, default=None, help="runs of the listed project (default 10000)")
    parser.add_argument("--repeat", type=int, default=None, help="fresh processes per figure (default 3)")
    parser.add_argument("--quick", action="store_true", help="CI smoke run: --rows 20000 --runs 300 --repeat 1")
    parser.add_argument("--json", type=Path, help="also write every figure and sample to this file")
    parser.add_argument("--skip-wandb", action="store_true", help="measure our client only")
    args = parser.parse_args(argv)
    args.rows = args.rows or (20_000 if args.quick else 1_000_000)
    args.runs = args.runs or (300 if args.quick else 10_000)
    args.repeat = args.repeat or (1 if args.quick else 3)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    measure_wandb, wandb_note = wandb_status(args.skip_wandb)
    libs = ["wandb_jupyter"] + (["wandb"] if measure_wandb else [])
    root = Path(tempfile.mkdtemp(prefix="bench-api-"))
    server = Server(root)
    samples: dict[str, dict[str, list[dict[str, Any]]]] = {task: {lib: [] for lib in libs} for task in TASKS}
    status = 0
    try:
        print(f"filling: {args.rows} rows, {args.runs} runs", file=sys.stderr)
        fill(server, args.rows, args.runs)
        idle_rss = server.ps.memory_info().rss
        peak = ServerPeak(server)
        server_peaks: dict[str, int] = {}
        for task in TASKS:
            peak.take()
            for repeat in range(args.repeat):
                # alternate, so drift of the machine and the server's first-query costs (a cold listing of
                # a filtered order, a history index) fall on both alike
                for lib in libs if repeat % 2 == 0 else libs[::-1]:
                    try:
                        samples[task][lib].append(run_task(lib, task, server))
                    except ChildFailed as error:
                        print(f"{task} with {lib} failed: {error}", file=sys.stderr)
                        if lib == "wandb_jupyter":
                            return 1
                        libs.remove(lib)
                        wandb_note = f"failed in {task}: dropped"
            server_peaks[task] = peak.take()
        server_peak = peak.stop()
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
    lines = [f"Read API on our server: {args.rows} history rows, {args.runs} runs ({args.repeat} runs each)"]
    lines.append(
        f"{'task':<14}{'ours s':>9}{'W&B s':>9}{'ratio':>7}{'ours MiB':>10}{'W&B MiB':>9}{'ratio':>7}{'server MiB':>12}"
    )
    report: dict[str, Any] = {"rows": args.rows, "runs": args.runs, "repeat": args.repeat, "wandb": wandb_note}
    for task in TASKS:
        ours = samples[task]["wandb_jupyter"]
        theirs = samples[task].get("wandb", [])
        figure = {
            lib: {
                "wall_s": statistics.median(s["wall_s"] for s in runs),
                "peak_rss_mib": statistics.median(s["peak_rss"] for s in runs) / (1 << 20),
                "answer": runs[0]["answer"],
            }
            for lib, runs in (("wandb_jupyter", ours), ("wandb", theirs))
            if runs
        }
        figure["server_peak_rss_mib"] = server_peaks[task] / (1 << 20)
        report[task] = figure
        mine, other = figure["wandb_jupyter"], figure.get("wandb")
        if other and other["answer"] != mine["answer"]:
            print(f"{task}: different answers: ours {mine['answer']}, W&B's {other['answer']}", file=sys.stderr)
            status = 1
        ratio_t = f"{other['wall_s'] / mine['wall_s']:.2f}" if other else "-"
        ratio_m = f"{other['peak_rss_mib'] / mine['peak_rss_mib']:.2f}" if other else "-"
        lines.append(
            f"{task:<14}{mine['wall_s']:>9.2f}{(other or {}).get('wall_s', float('nan')):>9.2f}{ratio_t:>7}"
            f"{mine['peak_rss_mib']:>10.0f}{(other or {}).get('peak_rss_mib', float('nan')):>9.0f}{ratio_m:>7}"
            f"{figure['server_peak_rss_mib']:>12.0f}"
        )
    report["server_rss_mib"] = {"idle": idle_rss / (1 << 20), "peak": server_peak / (1 << 20)}
    lines.append(
        f"server RSS: {idle_rss / (1 << 20):.0f} MiB after filling, peak {server_peak / (1 << 20):.0f} MiB "
        "while both clients read"
    )
    lines.append(f"W&B: {wandb_note}")
    print("\n".join(lines))
    write_json(args.json, {"report": report, "samples": samples})
    return status


if __name__ == "__main__":
    sys.exit(main())
