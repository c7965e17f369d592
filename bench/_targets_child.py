"""One measurement for ``bench_targets.py`` in a fresh interpreter; never run by hand.

Usage: ``python _targets_child.py TASK STEPS WORKDIR RESULT_PATH``

Every ``log()`` contender times the same two loops: ``STEPS`` rows of 5 scalars,
then ``STEPS // 10`` rows of 100 scalars (a warm-up of 200 rows first), and writes
microseconds per call to RESULT_PATH as JSON (libraries may print on stdout).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path


def row5(i: int) -> dict[str, float]:
    return {"loss": 1.0 / (i + 1), "acc": i * 1e-3, "lr": 3e-4, "grad_norm": 0.5 + i % 7, "epoch": i // 1000}


KEYS100 = [f"layer{k}/weight_norm" for k in range(100)]


def row100(i: int) -> dict[str, float]:
    base = 1.0 / (i + 1)
    return {key: base * (k + 1) for k, key in enumerate(KEYS100)}


#: Seconds every contender waits after its setup before the timed loops: the steady state is measured,
#: not the start-up work a library does in the background (ours collects the run's environment on a
#: thread, W&B in its service process), which a training loop of minutes meets only at its start.
SETTLE_S = 1.0


def loops(log, steps: int) -> dict[str, float]:
    """Microseconds per ``log(row)`` for 5-key and 100-key rows (rows built outside the timer)."""
    for i in range(200):
        log(row5(i))
    time.sleep(SETTLE_S)
    rows = [row5(i) for i in range(steps)]
    start = time.perf_counter()
    for row in rows:
        log(row)
    small = (time.perf_counter() - start) / steps * 1e6
    wide_steps = max(steps // 10, 50)
    rows = [row100(i) for i in range(wide_steps)]
    start = time.perf_counter()
    for row in rows:
        log(row)
    wide = (time.perf_counter() - start) / wide_steps * 1e6
    return {"row5_us": small, "row100_us": wide}


def task_ours(steps: int, work: Path) -> dict[str, float]:
    import wandb_jupyter as wandb

    run = wandb.init(mode="offline", project="bench-targets", dir=str(work))
    figures = loops(run.log, steps)
    run.finish()
    return figures


def task_ours_online(steps: int, work: Path) -> dict[str, float]:
    """Online against the server named by WANDB_BASE_URL: the sender thread is busy with the rows meanwhile."""
    import wandb_jupyter as wandb

    run = wandb.init(mode="online", project="bench-targets", dir=str(work))
    figures = loops(run.log, steps)
    start = time.perf_counter()
    run.finish()
    figures["finish_s"] = time.perf_counter() - start
    return figures


def task_wandb(steps: int, work: Path) -> dict[str, float]:
    import wandb

    run = wandb.init(mode="offline", project="bench-targets", dir=str(work))
    figures = loops(run.log, steps)
    run.finish()
    return figures


def task_trackio(steps: int, work: Path) -> dict[str, float]:
    import trackio

    trackio.init(project="bench-targets")
    figures = loops(trackio.log, steps)
    trackio.finish()
    return figures


def task_tensorboardx(steps: int, work: Path) -> dict[str, float]:
    from tensorboardX import SummaryWriter

    writer = SummaryWriter(logdir=str(work / "tb"))
    state = {"step": 0}

    def log(row: dict[str, float]) -> None:  # one add_scalar per key, the usual way
        step = state["step"]
        for key, value in row.items():
            writer.add_scalar(key, value, step)
        state["step"] = step + 1

    figures = loops(log, steps)
    writer.close()
    return figures


def task_floor(steps: int, work: Path) -> dict[str, float]:
    """The floor: the same row with step and times, orjson-encoded, copied into an mmap'd file (no syscall)."""
    import mmap

    import orjson

    handle = open(work / "floor.jsonl", "w+b")  # kept open for the mmap
    size = 1 << 28
    handle.truncate(size)
    mapped = mmap.mmap(handle.fileno(), size)
    state = {"pos": 0, "step": 0, "t0": time.monotonic()}
    option = orjson.OPT_APPEND_NEWLINE

    def log(data: dict[str, float]) -> None:
        row = dict(data)
        row["_step"] = state["step"]
        row["_runtime"] = time.monotonic() - state["t0"]
        row["_timestamp"] = time.time()
        line = orjson.dumps(row, None, option)
        pos = state["pos"]
        end = pos + len(line)
        mapped[pos:end] = line
        state["pos"] = end
        state["step"] += 1

    return loops(log, steps)


def task_floor_write(steps: int, work: Path) -> dict[str, float]:
    """What a crash-safe row costs with a syscall: the same row, orjson, one ``write(2)`` per row."""
    import orjson

    fd = os.open(work / "floor.jsonl", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    state = {"step": 0, "t0": time.monotonic()}
    option = orjson.OPT_APPEND_NEWLINE

    def log(data: dict[str, float]) -> None:
        row = dict(data)
        row["_step"] = state["step"]
        row["_runtime"] = time.monotonic() - state["t0"]
        row["_timestamp"] = time.time()
        os.write(fd, orjson.dumps(row, None, option))
        state["step"] += 1

    return loops(log, steps)


def task_floor_json(steps: int, work: Path) -> dict[str, float]:
    """The older floor: the same row, ``json.dumps`` and one ``write(2)`` per row."""
    fd = os.open(work / "floor.jsonl", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    state = {"step": 0, "t0": time.monotonic()}

    def log(data: dict[str, float]) -> None:
        row = dict(data)
        row["_step"] = state["step"]
        row["_runtime"] = time.monotonic() - state["t0"]
        row["_timestamp"] = time.time()
        os.write(fd, (json.dumps(row) + "\n").encode())
        state["step"] += 1

    return loops(log, steps)


def task_encoders(steps: int, work: Path) -> dict[str, float]:
    """The encoder choice: orjson, msgspec and the stdlib C encoder on the same rows (microseconds per row)."""
    from json import encoder as stdlib

    import msgspec
    import orjson

    stdlib_encode = stdlib.c_make_encoder(None, None, stdlib.encode_basestring, None, ":", ",", False, False, True)
    msgspec_encode = msgspec.json.Encoder().encode
    encoders = {
        "orjson": lambda row: orjson.dumps(row, None, orjson.OPT_APPEND_NEWLINE),
        "msgspec": msgspec_encode,
        "stdlib": lambda row: ("".join(stdlib_encode(row, 0)) + "\n").encode(),
    }
    figures = {}
    for shape, make in (("row5", row5), ("row100", row100)):
        rows = [make(i) for i in range(max(steps // (10 if shape == "row100" else 1), 50))]
        for name, encode in encoders.items():
            start = time.perf_counter()
            for row in rows:
                encode(row)
            figures[f"{name}_{shape}_us"] = (time.perf_counter() - start) / len(rows) * 1e6
    return figures


def task_array(steps: int, work: Path) -> dict[str, float]:
    """``log()`` of a numpy array of 10^6 values (a histogram): the median of 7 calls, in ms."""
    import numpy as np

    import wandb_jupyter as wandb

    run = wandb.init(mode="offline", project="bench-targets", dir=str(work))
    data = np.random.default_rng(0).normal(size=1_000_000)
    times = []
    for _ in range(7):
        start = time.perf_counter()
        run.log({"weights": data})
        times.append(time.perf_counter() - start)
    run.finish()
    return {"array_ms": sorted(times)[len(times) // 2] * 1e3}


def task_init(steps: int, work: Path) -> dict[str, float]:
    """``init()`` in a folder that already holds ``steps`` runs: the median of 5, after one that builds the index."""
    import wandb_jupyter as wandb

    times = []
    for attempt in range(6):
        start = time.perf_counter()
        run = wandb.init(mode="offline", project="bench-targets", dir=str(work))
        took = time.perf_counter() - start
        run.finish()
        if attempt:
            times.append(took)
    return {"init_ms": sorted(times)[len(times) // 2] * 1e3}


def main() -> None:
    task, steps, work, result = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4])
    figures = globals()[f"task_{task}"](steps, work)
    result.write_text(json.dumps(figures))


if __name__ == "__main__":
    main()
