"""Media benchmark: logging a 512x512 image and a 100x10 table, wandb_jupyter against the real W&B SDK.

Usage::

    python bench/bench_media.py [--steps N] [--repeat R] [--json out.json] [--quick] [--skip-wandb]

Each figure comes from fresh child interpreters, one library per process, both
offline (``bench_core.child_env``). A child logs ``--steps`` rows of one kind:
``image`` is ``run.log({"img": Image(array)})`` with a new random 512x512x3
uint8 array each step (the PNG is encoded every time, as in training loops);
``table`` is ``run.log({"t": Table(columns=10, data=100 rows)})`` with new
values each step. Figures: the median time of one such call (construction
included: that is what a user's loop pays) and the time of the whole loop plus
``finish()`` (W&B hands files to its service and may finish the work later;
ours writes each file, fsynced, before ``log()`` returns). Runs of the two
libraries alternate so drift of the machine hits both alike.

Information only: the exit status is non-zero only when our client fails.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_core import (
    OURS,
    THEIRS,
    Row,
    RunOptions,
    _source_state,
    child_env,
    machine,
    row_json,
    table,
    wandb_status,
    write_json,
)

TASKS = ("image", "table")
CHILD_TIMEOUT = 600.0

CHILD = r"""
import importlib, json, statistics, sys, time
import numpy as np
lib, task, steps = sys.argv[1], sys.argv[2], int(sys.argv[3])
wandb = importlib.import_module(lib)
rng = np.random.default_rng(0)
run = wandb.init(project="bench-media")
calls = []
started = time.perf_counter()
for step in range(steps):
    if task == "image":
        pixels = rng.integers(0, 256, size=(512, 512, 3), dtype=np.uint8)
        t0 = time.perf_counter()
        run.log({"img": wandb.Image(pixels)})
    else:
        rows = rng.normal(size=(100, 10)).tolist()
        t0 = time.perf_counter()
        run.log({"t": wandb.Table(columns=[f"c{i}" for i in range(10)], data=rows)})
    calls.append(time.perf_counter() - t0)
t0 = time.perf_counter()
run.finish()
done = time.perf_counter()
print(json.dumps({"call_ms": statistics.median(calls) * 1e3, "loop_finish_s": done - started,
                  "finish_s": done - t0}))
"""


def run_child(lib: str, task: str, steps: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix=f"bench-media-{lib}-") as tmp:
        home = Path(tmp)
        done = subprocess.run(
            [sys.executable, "-c", CHILD, lib, task, str(steps)],
            cwd=home,
            env=child_env(home, console_off=True),
            capture_output=True,
            text=True,
            timeout=CHILD_TIMEOUT,
        )
    if done.returncode != 0:
        raise RuntimeError(f"{lib} {task}: exit {done.returncode}: {done.stderr.strip()[-800:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(libs: Sequence[str], steps: int, repeat: int) -> tuple[dict[str, list[dict[str, float]]], dict[str, str]]:
    samples: dict[str, list[dict[str, float]]] = {f"{task}/{lib}": [] for task in TASKS for lib in libs}
    failed: dict[str, str] = {}
    for n in range(repeat):
        for task in TASKS:
            for lib in libs if n % 2 == 0 else tuple(reversed(libs)):
                if lib in failed:
                    continue
                print(f"{task} {lib} ({n + 1}/{repeat}) ...", file=sys.stderr)
                try:
                    samples[f"{task}/{lib}"].append(run_child(lib, task, steps))
                except RuntimeError as error:
                    if lib == OURS:
                        raise
                    failed[lib] = str(error)
    return samples, failed


def median(samples: dict[str, list[dict[str, float]]], task: str, lib: str, key: str) -> float | None:
    values = [s[key] for s in samples.get(f"{task}/{lib}", [])]
    return statistics.median(values) if values else None


def rows(samples: dict[str, list[dict[str, float]]], steps: int) -> list[Row]:
    out = []
    for task, label in (("image", "512x512 Image"), ("table", "100x10 Table")):
        out.append(
            Row(
                f"log() of one {label}",
                "ms",
                median(samples, task, OURS, "call_ms"),
                median(samples, task, THEIRS, "call_ms"),
            )
        )
        out.append(
            Row(
                f"{steps} x {label} + finish()",
                "s",
                median(samples, task, OURS, "loop_finish_s"),
                median(samples, task, THEIRS, "loop_finish_s"),
            )
        )
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    options = RunOptions(parser, count="steps", what="log() calls per run", full=200, quick=10)
    args = options.parse(argv)
    use_wandb, note = wandb_status(args.skip_wandb)
    libs = (OURS, THEIRS) if use_wandb else (OURS,)
    try:
        samples, failed = measure(libs, args.steps, args.repeat)
    except RuntimeError as error:
        print(f"benchmark failed: {error}", file=sys.stderr)
        return 1
    if THEIRS in failed:
        note = f"{note}, failed to run: {failed[THEIRS]}"
    head = machine(note, _source_state())
    result = rows(samples, args.steps)
    title = (
        f"Logging media offline, median of {args.repeat} fresh processes per figure "
        f"(python {head['python']}, {head['cpus']} CPUs, wandb_jupyter {head['wandb_jupyter']}, wandb {note})"
    )
    print(table(title, "wandb", result, "speed-up"))
    write_json(
        args.json, {"machine": head, "steps": args.steps, "rows": [row_json(r) for r in result], "samples": samples}
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
