"""Issue 20's performance targets, each printed with its ratio and PASS/MISS.

Usage::

    python bench/bench_targets.py [--rounds R] [--steps N] [--init-runs N] [--json out.json] [--quick]

``log()`` side by side: ours offline and online (against ``wandb-jupyter server``
on loopback, its sender busy with the same rows), W&B offline, trackio,
tensorboardX, and three floors (the same rows with step and times: orjson +
memcpy into an mmap'd file; orjson + ``write(2)``; ``json.dumps`` + ``write(2)``). Also: the encoders
(orjson, msgspec, stdlib) on the same rows, ``log()`` of a 10^6-value array,
``init()`` in a folder of 10,000 runs against an empty one, the server's
file_stream ingest (rows per server CPU second, CPU per request, and the slowest
answer of its event loop to a probe meanwhile), and ``import wandb_jupyter``'s
instructions under callgrind. Every figure comes
from a fresh interpreter; each round runs every contender once, in a rotated
order, and a ratio is taken within a round before the median over rounds, so
a machine loaded by others hits both sides of a ratio alike. Absolute
microseconds are only meaningful on a quiet machine. See bench/README.md.

Targets are information: a MISS never changes the exit status.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
CHILD = HERE / "_targets_child.py"
sys.path.insert(0, str(HERE))

#: contender -> divisor of --steps (the slow ones log fewer rows; per-call figures stay comparable)
LOGGERS = {
    "ours": 1,
    "floor": 1,
    "floor_write": 1,
    "floor_json": 1,
    "wandb": 20,
    "trackio": 2,
    "tensorboardx": 20,
    "ours_online": 1,
}
#: `import wandb_jupyter` under callgrind at 116614e, before issue 20's import changes (measured as below, 2-core VM)
IMPORT_INSTRUCTIONS_BEFORE = 249e6


@dataclass(frozen=True)
class Target:
    """One line: a figure, what it is compared with, and whether it meets the goal."""

    name: str
    value: float | None
    unit: str
    goal: str
    ok: Callable[[float], bool]

    def line(self) -> str:
        if self.value is None:
            return f"{self.name:<58} {'-':>10}        {self.goal:<24} n/a"
        verdict = "PASS" if self.ok(self.value) else "MISS"
        return f"{self.name:<58} {self.value:>10.3g} {self.unit:<6} {self.goal:<24} {verdict}"


def child(task: str, steps: int, work: Path, env: dict[str, str]) -> dict[str, float] | None:
    """Run one task in a fresh interpreter; None when it failed (its stderr is shown)."""
    work.mkdir(parents=True, exist_ok=True)
    result = work / "result.json"
    proc = subprocess.run(
        [sys.executable, str(CHILD), task, str(steps), str(work), str(result)],
        env=env,
        cwd=work,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        timeout=600,
    )
    if proc.returncode != 0 or not result.exists():
        print(f"  {task} failed ({proc.returncode}): {proc.stderr.strip()[-600:]}", file=sys.stderr)
        return None
    figures = json.loads(result.read_text())
    shutil.rmtree(work, ignore_errors=True)
    return figures


def fake_runs(wandb_dir: Path, count: int) -> None:
    """``count`` run folders as init() leaves them (the metadata auto-naming reads), made quickly."""
    for n in range(count):
        files = wandb_dir / f"offline-run-20260101_{n // 3600:02d}{n // 60 % 60:02d}{n % 60:02d}-f{n:07d}" / "files"
        files.mkdir(parents=True)
        (files / "wandb-metadata.json").write_text(json.dumps({"project": "bench-targets", "name": f"bench-{n}"}))


def import_instructions() -> tuple[float, float] | None:
    """Instructions of ``import wandb_jupyter`` and of Python alone under callgrind (.pyc files compiled first)."""
    if shutil.which("valgrind") is None:
        return None
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(HERE.parent / "src")], check=False)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    counts = []
    with tempfile.TemporaryDirectory() as tmp:
        for code in ("import wandb_jupyter", "pass"):
            out = Path(tmp) / "callgrind.out"
            subprocess.run(
                ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable, "-c", code],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                check=True,
                timeout=600,
            )
            totals = [line for line in out.read_text().splitlines() if line.startswith(("summary:", "totals:"))]
            counts.append(float(totals[-1].split()[1]))
    return counts[0], counts[1]


def ingest(server: object, index: int, rows: int, batch: int = 1000) -> dict[str, float]:
    """file_stream ingest on the launched server, with a probe of its event loop meanwhile.

    One client posts ``rows`` history rows in batches of ``batch`` (each waiting for its answer, as
    the SDK's sender does); a second thread asks for a missing page every 5 ms, which the event
    loop answers itself, so its slowest answer bounds how long any request held the loop.
    """
    import threading

    import requests

    from bench_server import _rows

    run = f"ingest-{index}"
    server.upsert("bench", run)  # type: ignore[attr-defined]
    url = f"{server.url}/files/admin/bench/{run}/file_stream"  # type: ignore[attr-defined]
    bodies = [
        json.dumps({"files": {"wandb-history.jsonl": {"offset": o, "content": _rows(o, min(rows, o + batch), 0.0)}}})
        for o in range(0, rows, batch)
    ]
    probes: list[float] = []
    done = threading.Event()

    def probe() -> None:
        session = requests.Session()
        while not done.is_set():
            start = time.perf_counter()
            session.get(f"{server.url}/bench-probe-missing", timeout=30)  # type: ignore[attr-defined]
            probes.append(time.perf_counter() - start)
            time.sleep(0.005)

    prober = threading.Thread(target=probe, daemon=True)
    prober.start()
    cpu0 = server.cpu()  # type: ignore[attr-defined]
    start = time.perf_counter()
    for body in bodies:
        server.session.post(url, data=body, timeout=60).raise_for_status()  # type: ignore[attr-defined]
    elapsed = time.perf_counter() - start
    cpu = server.cpu() - cpu0  # type: ignore[attr-defined]
    done.set()
    prober.join()
    return {
        "rows_per_s": rows / elapsed,
        "rows_per_cpu_s": rows / cpu if cpu else float("nan"),
        "cpu_ms_per_request": cpu / len(bodies) * 1e3,
        "probe_max_ms": max(probes) * 1e3 if probes else float("nan"),
        "probe_p50_ms": statistics.median(probes) * 1e3 if probes else float("nan"),
    }


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def per_round_ratio(rounds: list[dict], a: str, b: str, key: str) -> float | None:
    """The median over rounds of a[key] / b[key], each ratio taken within one round."""
    ratios = [r[a][key] / r[b][key] for r in rounds if r.get(a) and r.get(b)]
    return median(ratios)


def figure(rounds: list[dict], name: str, key: str) -> float | None:
    return median([r[name][key] for r in rounds if r.get(name)])


def measure(args: argparse.Namespace, root: Path) -> tuple[list[dict], dict]:
    from bench_server import Server, isolated_env

    env = isolated_env(root)
    server = Server(root / "server")
    online_env = dict(env, WANDB_BASE_URL=server.url, WANDB_API_KEY=server.key)
    fake_runs(root / "many" / "wandb", args.init_runs)
    rounds: list[dict] = []
    names = [*LOGGERS, "encoders", "array", "init_empty", "init_many"]
    try:
        for index in range(args.rounds):
            order = names[index % len(names) :] + names[: index % len(names)]
            results: dict = {}
            for name in order:
                print(f"round {index + 1}/{args.rounds}: {name}", file=sys.stderr)
                work = root / f"{name}-{index}"
                if name in LOGGERS:
                    steps = max(args.steps // LOGGERS[name], 200)
                    results[name] = child(name, steps, work, online_env if name == "ours_online" else env)
                elif name == "init_empty":
                    results[name] = child("init", 0, work, env)
                elif name == "init_many":
                    results[name] = child("init", 0, root / "many", env)
                else:
                    results[name] = child(name, args.steps, work, env)
            print(f"round {index + 1}/{args.rounds}: server ingest", file=sys.stderr)
            results["ingest"] = ingest(server, index, args.ingest_rows)
            rounds.append(results)
    finally:
        server.stop()
    extra = {}
    if not args.quick or args.callgrind:
        print("callgrind: import wandb_jupyter", file=sys.stderr)
        extra["import_instructions"] = import_instructions()
    return rounds, extra


def targets(rounds: list[dict], extra: dict, init_runs: int) -> list[Target]:
    ours5 = figure(rounds, "ours", "row5_us")
    instructions = extra.get("import_instructions")
    return [
        Target(
            "1. log() 5-scalar row, us per call (absolute)", ours5, "us", "<= 2 us (quiet machine)", lambda v: v <= 2
        ),
        Target(
            "1. W&B 0.31 offline log() / ours, 5-scalar row",
            per_round_ratio(rounds, "wandb", "ours", "row5_us"),
            "x",
            ">= 50x",
            lambda v: v >= 50,
        ),
        Target(
            "1. ours / floor (orjson + mmap memcpy), 5-scalar row",
            per_round_ratio(rounds, "ours", "floor", "row5_us"),
            "x",
            "<= 1.3x",
            lambda v: v <= 1.3,
        ),
        Target(
            "   (context) ours / orjson + write(2), 5-scalar row",
            per_round_ratio(rounds, "ours", "floor_write", "row5_us"),
            "x",
            "information",
            lambda v: True,
        ),
        Target(
            "2. ours / floor (orjson + mmap memcpy), 100-key row",
            per_round_ratio(rounds, "ours", "floor", "row100_us"),
            "x",
            "<= 1.3x",
            lambda v: v <= 1.3,
        ),
        Target(
            "3. online / offline log(), 5-scalar row, sender busy",
            per_round_ratio(rounds, "ours_online", "ours", "row5_us"),
            "x",
            "<= 1.2x",
            lambda v: v <= 1.2,
        ),
        Target(
            "3. online / offline log(), 100-key row, sender busy",
            per_round_ratio(rounds, "ours_online", "ours", "row100_us"),
            "x",
            "<= 1.2x",
            lambda v: v <= 1.2,
        ),
        Target(
            "4. log() of a 10^6-value numpy array, ms",
            figure(rounds, "array", "array_ms"),
            "ms",
            "<= 20 ms",
            lambda v: v <= 20,
        ),
        Target("5. dashboard cold first chart / project page paint", None, "", "see bench_dashboard.py", bool),
        Target(
            "6. file_stream ingest, rows per server CPU second (1 core)",
            figure(rounds, "ingest", "rows_per_cpu_s"),
            "rows",
            "measured",
            lambda v: True,
        ),
        Target(
            "6. file_stream: server CPU per 1000-row request",
            figure(rounds, "ingest", "cpu_ms_per_request"),
            "ms",
            "measured",
            lambda v: True,
        ),
        Target(
            "6. event loop: slowest probe answer during ingest",
            max((r["ingest"]["probe_max_ms"] for r in rounds if r.get("ingest")), default=None),
            "ms",
            "<= 50 ms (max of rounds)",
            lambda v: v <= 50,
        ),
        Target(
            f"7. init() with {init_runs:,} runs / with none",
            per_round_ratio(rounds, "init_many", "init_empty", "init_ms"),
            "x",
            "<= 1.1x",
            lambda v: v <= 1.1,
        ),
        Target(
            "import wandb_jupyter, instructions (callgrind)",
            instructions[0] if instructions else None,
            "instr",
            f"<= {IMPORT_INSTRUCTIONS_BEFORE / 1e6:.0f}M (116614e)",
            lambda v: v <= IMPORT_INSTRUCTIONS_BEFORE,
        ),
    ]


def side_by_side(rounds: list[dict]) -> list[str]:
    lines = [f"{'log() per call':<16} {'5-key us':>9} {'x ours':>8} {'100-key us':>11} {'x ours':>8}"]
    for name in LOGGERS:
        small, wide = figure(rounds, name, "row5_us"), figure(rounds, name, "row100_us")
        r5 = per_round_ratio(rounds, name, "ours", "row5_us")
        r100 = per_round_ratio(rounds, name, "ours", "row100_us")
        if small is None:
            lines.append(f"{name:<16} {'failed':>9}")
            continue
        lines.append(f"{name:<16} {small:>9.2f} {r5:>8.2f} {wide:>11.2f} {r100:>8.2f}")
    encoders = [r["encoders"] for r in rounds if r.get("encoders")]
    if encoders:
        lines.append("")
        lines.append(
            "encoders, us per row (the choice of log()'s encoder): "
            + ", ".join(
                f"{key.removesuffix('_us')} {statistics.median(e[key] for e in encoders):.2f}" for key in encoders[0]
            )
        )
    init = [figure(rounds, "init_empty", "init_ms"), figure(rounds, "init_many", "init_ms")]
    if None not in init:
        lines.append(f"init(): {init[0]:.1f} ms with no runs, {init[1]:.1f} ms with many")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=20_000, help="5-key rows per contender (100-key rows: a tenth)")
    parser.add_argument("--init-runs", type=int, default=10_000, help="runs already in the folder for target 7")
    parser.add_argument("--ingest-rows", type=int, default=100_000, help="rows posted to file_stream per round")
    parser.add_argument("--callgrind", action="store_true", help="count import instructions also with --quick")
    parser.add_argument("--json", type=Path)
    parser.add_argument(
        "--quick", action="store_true", help="1 round, 2,000 steps, 1,000 runs, 20,000 rows ingested, no callgrind (CI)"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.steps, args.init_runs, args.ingest_rows = 1, 2_000, 1_000, 20_000
    started = time.time()
    with tempfile.TemporaryDirectory(prefix="bench-targets-") as tmp:
        rounds, extra = measure(args, Path(tmp))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"\nissue 20 targets: {args.rounds} round(s), {args.steps:,} steps, load average {load:.1f} on "
        f"{os.cpu_count()} CPUs, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(started))}"
    )
    print("\n".join(side_by_side(rounds)))
    if extra.get("import_instructions"):
        ours, bare = extra["import_instructions"]
        print(f"import wandb_jupyter: {ours / 1e6:.0f}M instructions (python alone: {bare / 1e6:.0f}M)")
    print()
    listed = targets(rounds, extra, args.init_runs)
    for target in listed:
        print(target.line())
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "rounds": rounds,
                    "extra": extra,
                    "targets": [{"name": t.name, "value": t.value, "goal": t.goal} for t in listed],
                },
                indent=1,
            )
        )
    return 0 if all(r.get("ours") for r in rounds) else 1


if __name__ == "__main__":
    sys.exit(main())
