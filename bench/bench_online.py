"""Online benchmark: our client vs the real W&B SDK logging to our server, end to end.

Usage::

    python bench/bench_online.py [--steps N] [--repeat N] [--json out.json] [--quick] [--skip-wandb]

``wandb-jupyter server`` runs in its own process (fresh data dir, its admin key).
Each measurement is a fresh interpreter that runs, online against it::

    run = wandb.init(project="bench-online", id=<unique>)        # ours: import wandb_jupyter as wandb
    for i in range(steps):
        run.log({"loss": 1.0 / (i + 1), "acc": i / (i + 1.0), "epoch": i // 1000})
    run.finish()

with console capture off (WANDB_CONSOLE=off, both honour it) and WANDB_SILENT.
The parent follows the run's ``wandb-history.jsonl`` on the server (reading
only what was appended, every 10 ms) and notes when it held every row. The
headline figure is the **time from starting the process until the server holds
every row**; beside it the child's own import / init / log loop / finish times,
how long after the loop the last row arrived, and the server's CPU time.
Clients alternate (ours, W&B, ours, ...) so drift of the machine hits both;
figures are medians. Afterwards the stored history must hold exactly the rows
logged (``_step`` 0..N-1, in order, once): a wrong count from our client fails
the command, from W&B it is reported.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_core import write_json
from bench_server import Server, isolated_env

SCRIPT = r"""
import time
t_start = time.time()
import json, sys
import {module} as wandb
t_import = time.time()
run = wandb.init(project="bench-online", id="{run_id}")
t_init = time.time()
for i in range({steps}):
    run.log({{"loss": 1.0 / (i + 1), "acc": i / (i + 1.0), "epoch": i // 1000}})
t_loop = time.time()
run.finish()
t_finish = time.time()
print("TIMES", json.dumps([t_start, t_import, t_init, t_loop, t_finish]))
"""

CLIENTS = {"ours": "wandb_jupyter", "wandb": "wandb"}


class HistoryFollower:
    """Counts the lines of a server run's history file as they arrive, reading only new bytes."""

    def __init__(self, data_dir: Path, project: str, run_id: str) -> None:
        self.folder = data_dir / "runs" / "admin" / project
        self.run_id = run_id
        self.handle: Any = None
        self.lines = 0

    def poll(self) -> int:
        if self.handle is None:
            found = sorted(self.folder.glob(f"run-*-{self.run_id}"))
            if not found:
                return 0
            try:
                self.handle = open(found[0] / "files" / "wandb-history.jsonl", "rb")
            except FileNotFoundError:
                return 0
        self.lines += self.handle.read().count(b"\n")
        return self.lines

    def steps(self) -> list[int]:
        path = sorted(self.folder.glob(f"run-*-{self.run_id}"))[0] / "files" / "wandb-history.jsonl"
        return [json.loads(line)["_step"] for line in path.read_text().splitlines()]

    def close(self) -> None:
        if self.handle is not None:
            self.handle.close()


def measure(server: Server, root: Path, client: str, steps: int, index: int) -> dict[str, Any]:
    run_id = f"{client}-{index}"
    work = root / run_id
    work.mkdir()
    env = isolated_env(work)
    env.update(
        WANDB_BASE_URL=server.url,
        WANDB_API_KEY=server.key,
        WANDB_DIR=str(work),
        WANDB_SILENT="true",
        WANDB_CONSOLE="off",
        WANDB_MODE="online",
    )
    follower = HistoryFollower(server.data, "bench-online", run_id)
    cpu0 = server.cpu()
    spawned = time.time()
    child = subprocess.Popen(
        [sys.executable, "-c", SCRIPT.format(module=CLIENTS[client], run_id=run_id, steps=steps)],
        cwd=work,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    held_at = None
    exited_at = None
    deadline = spawned + 900
    while time.time() < deadline:
        if follower.poll() >= steps:
            held_at = time.time()
            break
        if child.poll() is not None:
            exited_at = exited_at or time.time()
            if time.time() - exited_at > 2.0:  # the last request may still be in the server's hands
                break
        time.sleep(0.01)
    out, err = child.communicate(timeout=900)
    exited = exited_at or time.time()
    server_cpu = server.cpu() - cpu0
    match = re.search(r"^TIMES (.*)$", out, re.M)
    result: dict[str, Any] = {"client": client, "run_id": run_id, "steps": steps}
    if child.returncode != 0 or not match:
        follower.close()
        result["error"] = f"exit {child.returncode}: {err.strip()[-1500:]}"
        return result
    t_start, t_import, t_init, t_loop, t_finish = json.loads(match.group(1))
    try:
        exact = follower.steps() == list(range(steps))
    except (IndexError, OSError, ValueError):
        exact = False
    follower.close()
    result.update(
        held_after_spawn_s=(held_at - spawned) if held_at else None,
        held_after_loop_s=(held_at - t_loop) if held_at else None,
        script_wall_s=exited - spawned,
        startup_s=t_start - spawned,
        import_s=t_import - t_start,
        init_s=t_init - t_import,
        log_loop_s=t_loop - t_init,
        log_us_per_step=(t_loop - t_init) * 1e6 / steps,
        finish_s=t_finish - t_loop,
        server_cpu_s=server_cpu,
        rows_held=follower.lines,
        exact=exact,
    )
    return result


FIGURES = [
    ("held_after_spawn_s", "until the server holds every row (from process start)", "s"),
    ("held_after_loop_s", "  of which after the log() loop ended", "s"),
    ("log_us_per_step", "log() per step", "us"),
    ("log_loop_s", "log() loop", "s"),
    ("import_s", "import", "s"),
    ("init_s", "init()", "s"),
    ("finish_s", "finish()", "s"),
    ("script_wall_s", "process wall time", "s"),
    ("server_cpu_s", "server CPU time", "s"),
]


def _median(results: list[dict[str, Any]], key: str) -> float | None:
    values = [r[key] for r in results if r.get(key) is not None]
    return statistics.median(values) if values else None


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "us":
        return f"{value:.2f} us"
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=100_000, help="steps each run logs (default 100000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per client, alternating (default 3)")
    parser.add_argument("--quick", action="store_true", help="CI smoke run: --steps 2000 --repeat 1")
    parser.add_argument("--skip-wandb", action="store_true", help="our client only")
    parser.add_argument("--json", type=Path, help="also write every measurement to this file")
    args = parser.parse_args(argv)
    if args.quick:
        args.steps, args.repeat = 2_000, 1
    clients = ["ours"]
    if not args.skip_wandb:
        try:
            import wandb  # noqa: F401
        except ImportError:
            print("wandb is not installed: our figures only", file=sys.stderr)
        else:
            clients.append("wandb")
    versions = {"python": platform.python_version(), "cpus": os.cpu_count()}
    for name, module in (("wandb_jupyter", "wandb_jupyter"), ("wandb", "wandb")):
        try:
            versions[name] = __import__(module).__version__
        except ImportError:
            pass
    measurements: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-online-") as tmp:
        root = Path(tmp)
        server = Server(root / "server")
        try:
            print(
                f"server at {server.url}; {args.steps} steps per run, {args.repeat} run(s) per client", file=sys.stderr
            )
            for index in range(args.repeat):
                for client in clients:
                    print(f"  {client} #{index + 1} ...", file=sys.stderr)
                    measurements.append(measure(server, root, client, args.steps, index))
        finally:
            server.stop()
    by_client = {c: [m for m in measurements if m["client"] == c and "error" not in m] for c in clients}
    failed = False
    print(
        f"Online end to end: {args.steps:,} steps logged to wandb-jupyter server on loopback "
        f"(medians of {args.repeat}; python {versions['python']}, {versions['cpus']} CPUs, "
        f"wandb_jupyter {versions.get('wandb_jupyter')}, wandb {versions.get('wandb', '-')})\n"
    )
    header = f"{'figure':<55}{'ours':>12}{'W&B':>12}{'ours/W&B':>10}{'x faster':>10}"
    print(header)
    print("-" * len(header))
    for key, label, unit in FIGURES:
        ours = _median(by_client["ours"], key)
        theirs = _median(by_client.get("wandb", []), key)
        ratio = ours / theirs if ours is not None and theirs else None
        print(
            f"{label:<55}{_fmt(ours, unit):>12}{_fmt(theirs, unit):>12}"
            f"{(f'{ratio:.3f}' if ratio is not None else '-'):>10}"
            f"{(f'{1 / ratio:.1f}x' if ratio else '-'):>10}"
        )
    print()
    for m in measurements:
        if "error" in m:
            print(f"{m['client']} {m['run_id']}: FAILED {m['error']}")
            failed |= m["client"] == "ours"
        elif not m["exact"] or m["held_after_spawn_s"] is None:
            print(f"{m['client']} {m['run_id']}: server holds {m['rows_held']:,} rows, exact {m['exact']}")
            failed |= m["client"] == "ours"
    exact = {c: all(m["exact"] for m in ms) and len(ms) == args.repeat for c, ms in by_client.items()}
    print(
        "stored history exactly _step 0..N-1 once, in order: "
        + ", ".join(f"{c} {'yes' if ok else 'NO'}" for c, ok in exact.items())
    )
    write_json(args.json, {"versions": versions, "steps": args.steps, "measurements": measurements})
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
