"""Per-cell cost of the notebook layer's hooks.

Runs trivial cells in an in-process IPython shell, three ways, each in a fresh
process: plain IPython; with `wandb_jupyter` imported (magics and the
post_run_cell hook registered); with an active offline run (plus console
capture in wrap mode, whose write copy is re-applied before every cell).
The difference per cell is the hooks' cost; the target is well under a
millisecond.

    python bench/bench_cells.py [--cells N] [--repeat R] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = r"""
import json, sys, time
from IPython.core.interactiveshell import ExecutionInfo, ExecutionResult, InteractiveShell
shell = InteractiveShell.instance()
shell.history_manager.enabled = False
setup, cells = sys.argv[1], int(sys.argv[2])
if setup != "plain":
    import wandb_jupyter
if setup == "run":
    run = wandb_jupyter.init(mode="offline", settings={"console": "wrap"})
for _ in range(200):  # warm-up
    shell.run_cell("x = 1")
start = time.perf_counter()
for _ in range(cells):
    shell.run_cell("x = 1")
per_cell = (time.perf_counter() - start) / cells
info = ExecutionInfo("x = 1", False, False, True, None)
result = ExecutionResult(info)
start = time.perf_counter()
for _ in range(cells):
    shell.events.trigger("pre_run_cell", info)
    shell.events.trigger("post_run_cell", result)
hooks = (time.perf_counter() - start) / cells
if setup == "run":
    run.finish(quiet=True)
print(json.dumps([per_cell * 1e6, hooks * 1e6]))
"""

SETUPS = ("plain", "imported", "run")


def _child_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WANDB_") and k != "PYTHONDONTWRITEBYTECODE"}
    env.update(
        HOME=str(home),
        WANDB_DIR=str(home),
        WANDB_CONFIG_DIR=str(home / "config"),
        WANDB_SILENT="true",
        IPYTHONDIR=str(home / "ipython"),
    )
    return env


def measure(setup: str, cells: int) -> list[float]:
    """Microseconds per cell (whole run_cell, and the cell events alone) in a fresh process."""
    with tempfile.TemporaryDirectory() as home:
        out = subprocess.run(
            [sys.executable, "-c", CHILD, setup, str(cells)],
            cwd=home,
            env=_child_env(Path(home)),
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="300 cells, 2 processes each (CI smoke)")
    args = parser.parse_args()
    cells, repeat = (300, 2) if args.quick else (args.cells, args.repeat)
    results: dict[str, list[list[float]]] = {setup: [] for setup in SETUPS}
    for index in range(repeat):
        for setup in SETUPS:  # alternate so machine drift hits every setup alike
            print(f"[{index + 1}/{repeat}] {setup}", file=sys.stderr)
            results[setup].append(measure(setup, cells))
    cell = {setup: statistics.median(v[0] for v in values) for setup, values in results.items()}
    hooks = {setup: statistics.median(v[1] for v in values) for setup, values in results.items()}
    print(f"trivial cells in an in-process IPython shell, {cells} cells, median of {repeat} processes\n")
    print(f"{'setup':<42}{'run_cell us':>12}{'cell events us':>16}{'events overhead':>17}")
    labels = {
        "plain": "plain IPython",
        "imported": "wandb_jupyter imported (magics, hooks)",
        "run": "active run (hooks + wrap capture)",
    }
    for setup in SETUPS:
        overhead = hooks[setup] - hooks["plain"]
        print(f"{labels[setup]:<42}{cell[setup]:>12.1f}{hooks[setup]:>16.2f}{overhead:>+17.2f}")
    worst = max(hooks["imported"], hooks["run"]) - hooks["plain"]
    verdict = "PASS" if worst < 1000 else "MISS"
    print(f"\ntarget: hooks cost well under 1 ms per cell: {worst:+.2f} us  {verdict} (information only)")
    print("run_cell times include IPython's own work and vary more than the hook cost they contain.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
