"""Core benchmark: wandb_jupyter against the real W&B SDK, both offline, same work.

Usage::

    python bench/bench_core.py [--steps N] [--repeat R] [--json out.json] [--quick]

Every figure comes from fresh child interpreters (``bench/_child.py``), one
library per process, so imports are cold and neither client can warm caches
or leave threads behind for the other. Runs of the two libraries alternate so
that any drift of the machine hits both alike. See ``bench/README.md`` for
what each row means.

Targets are printed as information only: a MISS never changes the exit
status, which is non-zero only when our client itself fails to run.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any

try:
    import psutil
except ImportError:  # psutil comes with wandb_jupyter; without it only the tree RSS is lost
    psutil = None

HERE = Path(__file__).resolve().parent
CHILD = HERE / "_child.py"
OURS, THEIRS = "wandb_jupyter", "wandb"
SAMPLE_INTERVAL = 0.02
CHILD_TIMEOUT = 600.0


# results ---------------------------------------------------------------------
@dataclass(frozen=True)
class ChildRun:
    """What one child process reported, plus what the parent saw from outside."""

    task: str
    lib: str
    figures: Mapping[str, float]
    wall_s: float
    tree_peak_rss: int
    tree_max_procs: int


@dataclass(frozen=True)
class Target:
    """A goal 'ours <= limit x reference'; only printed, never enforced."""

    text: str
    limit: float

    def status(self, ratio: float | None) -> str:
        if ratio is None:
            return ""
        return "PASS" if ratio <= self.limit else "MISS"


@dataclass(frozen=True)
class Row:
    """One line of a table: our figure against a reference (W&B or the floor)."""

    label: str
    unit: str
    ours: float | None
    ref: float | None
    target: Target | None = None

    @property
    def ratio(self) -> float | None:
        if self.ours is None or not self.ref:
            return None
        return self.ours / self.ref

    @property
    def speedup(self) -> float | None:
        if not self.ours or self.ref is None:
            return None
        return self.ref / self.ours


@dataclass(frozen=True)
class Report:
    """Everything measured, in a form that goes straight to JSON."""

    environment: Mapping[str, object]
    vs_wandb: Sequence[Row]
    vs_floor: Sequence[Row]
    samples: Mapping[str, Sequence[Mapping[str, object]]] = field(default_factory=dict)


# child processes -------------------------------------------------------------
def child_env(home: Path, console_off: bool) -> dict[str, str]:
    """A W&B-free environment pointing every W&B folder into ``home``.

    Inherited WANDB_* variables are dropped so that a developer's own
    settings (API key, project, mode...) cannot change what is measured.
    TMPDIR is isolated too because wandb-core writes its port file there.
    PYTHONDONTWRITEBYTECODE is dropped so the warm-up import leaves .pyc
    files, as ``pip install`` does; without them an edited checkout would
    be timed compiling its sources.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("WANDB_") and k != "PYTHONDONTWRITEBYTECODE"}
    for name in ("config", "cache", "data", "tmp"):
        (home / name).mkdir()
    env.update(
        HOME=str(home),
        TMPDIR=str(home / "tmp"),
        WANDB_DIR=str(home),
        WANDB_CONFIG_DIR=str(home / "config"),
        WANDB_CACHE_DIR=str(home / "cache"),
        WANDB_DATA_DIR=str(home / "data"),
        WANDB_SILENT="true",
        WANDB_MODE="offline",
    )
    if console_off:
        env["WANDB_CONSOLE"] = "off"
    return env


def _tree(proc: psutil.Process) -> list[psutil.Process]:
    try:
        return [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return []


def _tree_rss(procs: list[psutil.Process]) -> int:
    total = 0
    for proc in procs:
        try:
            total += proc.memory_info().rss
        except psutil.Error:
            pass
    return total


def _wait_sampling(popen: subprocess.Popen, deadline: float) -> tuple[int, int, set[int]]:
    """Wait for the child while summing the RSS of its whole tree every 20 ms.

    W&B runs its work in a ``wandb-core`` service (and a ``wandb-symon``
    helper) started by the Python process, so the child alone would hide most
    of its memory. Returns (peak bytes, most processes seen, every pid seen).
    """
    peak, most, seen = 0, 0, set()
    root = psutil.Process(popen.pid) if psutil else None
    while popen.poll() is None:
        if time.monotonic() > deadline:
            popen.kill()
            raise ChildFailed(f"child {popen.args} ran past {CHILD_TIMEOUT:.0f} s")
        if root is not None:
            procs = _tree(root)
            seen.update(p.pid for p in procs)
            peak, most = max(peak, _tree_rss(procs)), max(most, len(procs))
        time.sleep(SAMPLE_INTERVAL)
    return peak, most, seen - {popen.pid}


def _reap(pids: set[int]) -> None:
    """Give service processes the child started a moment to exit, then end them by pid.

    Only pids seen inside this child's own tree are touched, so nothing
    else on the machine is affected.
    """
    if not psutil:
        return
    procs = []
    for pid in pids:
        try:
            procs.append(psutil.Process(pid))
        except psutil.Error:
            pass
    _, alive = psutil.wait_procs(procs, timeout=5)
    for proc in alive:
        try:
            proc.terminate()
        except psutil.Error:
            pass


class ChildFailed(RuntimeError):
    """A child exited badly; the message carries the end of its stderr."""


@dataclass(frozen=True)
class Spawned:
    """How a child process ended, as seen from the parent."""

    returncode: int
    wall_s: float
    tree_peak_rss: int
    tree_max_procs: int


def spawn(cmd: Sequence[str], home: Path, env: Mapping[str, str], stdout: object) -> Spawned:
    """Run ``cmd`` in ``home`` until it exits, sampling its tree's memory, then reap its services.

    Shared with ``bench_console.py``, which passes a pipe as ``stdout``;
    stderr always goes to ``home/stderr`` for ``failure()``.
    """
    with open(home / "stderr", "wb") as err:
        start = time.perf_counter()
        popen = subprocess.Popen(cmd, cwd=home, env=env, stdout=stdout, stderr=err)
        peak, most, others = _wait_sampling(popen, time.monotonic() + CHILD_TIMEOUT)
        wall = time.perf_counter() - start
    _reap(others)
    return Spawned(popen.returncode, wall, peak, most)


def failure(home: Path, what: str, returncode: int) -> ChildFailed:
    """The error for a child that exited badly, with the end of its stderr."""
    tail = (home / "stderr").read_text(errors="replace")[-2000:]
    return ChildFailed(f"{what} exited with {returncode}:\n{tail}")


def run_child(task: str, lib: str, steps: int, keep: bool = False) -> ChildRun:
    """Run one measurement in a fresh interpreter with its own temporary HOME."""
    home = Path(tempfile.mkdtemp(prefix=f"bench-{task}-{lib}-"))
    try:
        result = home / "result.json"
        env = child_env(home, console_off=task == "log")
        cmd = [sys.executable, str(CHILD), task, lib, str(steps), str(result)]
        with open(home / "stdout", "wb") as out:
            done = spawn(cmd, home, env, out)
        if done.returncode != 0 or not result.exists():
            raise failure(home, f"{task} with {lib}", done.returncode)
        figures = json.loads(result.read_text())
        return ChildRun(task, lib, figures, done.wall_s, done.tree_peak_rss, done.tree_max_procs)
    finally:
        if not keep:
            shutil.rmtree(home, ignore_errors=True)


def run_baseline() -> float:
    """Wall time of ``python -c pass``: the interpreter start every child pays."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True, env=os.environ.copy())
    return time.perf_counter() - start


# orchestration ---------------------------------------------------------------
class Progress:
    """One status line on stderr, rewritten in place on a terminal."""

    def __init__(self, total: int) -> None:
        self.total, self.done = total, 0
        self.tty = sys.stderr.isatty()
        self.started = time.monotonic()

    def step(self, text: str) -> None:
        self.done += 1
        line = f"[{self.done:3d}/{self.total}] {time.monotonic() - self.started:6.1f}s  {text}"
        if self.tty:
            sys.stderr.write("\r\033[K" + line)
        else:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()

    def close(self) -> None:
        if self.tty:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()


@dataclass(frozen=True)
class Plan:
    """Which measurements to run; the order interleaves the libraries."""

    libs: tuple[str, ...]
    steps: int
    repeat: int
    keep: bool

    def jobs(self) -> list[tuple[str, str, int]]:
        jobs = [("baseline", "python", 0)] * self.repeat
        jobs += [("warmup", lib, 0) for lib in self.libs]
        for task in ("import", "init", "log"):
            for _ in range(self.repeat):
                jobs += [(task, lib, self.steps) for lib in self.libs]
        jobs += [("floor", "json", self.steps)] * self.repeat
        return jobs


def execute(plan: Plan) -> tuple[dict[str, list], dict[str, str]]:
    """Run every job of ``plan``; return the raw samples by 'task/lib' and failures by lib.

    A failing W&B child stops only the W&B side (its figures become '-'), so
    a broken peer install still leaves our figures; a failure of our own
    client or of the floor is raised: those figures are the point.
    """
    jobs = plan.jobs()
    progress = Progress(len(jobs))
    samples: dict[str, list] = {}
    failed: dict[str, str] = {}
    try:
        for task, lib, steps in jobs:
            progress.step(
                f"{task:8s} {lib}"
                + (f" ({steps} steps)" if task in ("log", "floor") else "")
                + (" skipped" if lib in failed else "")
            )
            if lib in failed:
                continue
            try:
                samples.setdefault(f"{task}/{lib}", []).append(_one(task, lib, steps, plan.keep))
            except ChildFailed as error:
                if lib != THEIRS:
                    raise
                failed[lib] = str(error)
    finally:
        progress.close()
    return samples, failed


def _one(task: str, lib: str, steps: int, keep: bool) -> object:
    if task == "baseline":
        return run_baseline()
    if task == "warmup":  # compiles .pyc files and fills the page cache; not counted
        return run_child("import", lib, 0, keep)
    return run_child(task, lib, steps, keep)


# figures ---------------------------------------------------------------------
def median_of(runs: Sequence[ChildRun], get: Callable[[ChildRun], float]) -> float | None:
    values = [get(run) for run in runs]
    return statistics.median(values) if values else None


def figure(samples: Mapping[str, list], task: str, lib: str, key: str, scale: float = 1.0) -> float | None:
    """Median of one child figure (or 'wall', 'tree_rss', 'procs'), times ``scale``."""
    runs = samples.get(f"{task}/{lib}", [])
    getters = {
        "wall": lambda r: r.wall_s,
        "tree_rss": lambda r: r.tree_peak_rss,
        "procs": lambda r: r.tree_max_procs,
    }
    value = median_of(runs, getters.get(key, lambda r: r.figures[key]))
    return None if value is None else value * scale


def per_call_us(samples: Mapping[str, list], task: str, lib: str, keys: Sequence[str], steps: int) -> float | None:
    """Median over runs of the summed ``keys`` seconds, per step, in microseconds."""
    runs = samples.get(f"{task}/{lib}", [])
    value = median_of(runs, lambda r: sum(r.figures[k] for k in keys))
    return None if value is None or not steps else value / steps * 1e6


IMPORT_TARGET = Target("<= 1/10 of W&B", 1 / 10)
INIT_TARGET = Target("<= 1/20 of W&B", 1 / 20)
LOG_TARGET = Target("<= 1/30 of W&B", 1 / 30)
FLOOR_TARGET = Target("<= 1.5x floor (a)", 1.5)
MB = 1 / 2**20


def wandb_rows(samples: Mapping[str, list], steps: int) -> list[Row]:
    """Ours against W&B, one row per figure."""
    f = lambda task, lib, key, scale=1.0: figure(samples, task, lib, key, scale)  # noqa: E731
    both = lambda label, unit, task, key, scale=1.0, target=None: Row(  # noqa: E731
        label, unit, f(task, OURS, key, scale), f(task, THEIRS, key, scale), target
    )
    return [
        both("import (perf_counter in child)", "ms", "import", "import_s", 1e3, IMPORT_TARGET),
        both("import script wall (spawn->exit)", "ms", "import", "wall", 1e3),
        both("init() offline", "ms", "init", "init_s", 1e3, INIT_TARGET),
        both("finish() of an empty run", "ms", "init", "finish_s", 1e3),
        both("init script wall (spawn->exit)", "ms", "init", "wall", 1e3),
        Row(
            "log() per call",
            "us",
            per_call_us(samples, "log", OURS, ["log_s"], steps),
            per_call_us(samples, "log", THEIRS, ["log_s"], steps),
            LOG_TARGET,
        ),
        both(f"finish() after {steps} steps", "ms", "log", "finish_s", 1e3),
        Row(
            "log() + that finish(), per step",
            "us",
            per_call_us(samples, "log", OURS, ["log_s", "finish_s"], steps),
            per_call_us(samples, "log", THEIRS, ["log_s", "finish_s"], steps),
        ),
        both("log script wall (spawn->exit)", "s", "log", "wall"),
        both("peak RSS, Python process", "MiB", "log", "maxrss_kb", 1 / 1024),
        both("peak RSS, process tree (20 ms)", "MiB", "log", "tree_rss", MB),
        both("processes in tree (max)", "procs", "log", "procs"),
    ]


def floor_rows(samples: Mapping[str, list], steps: int) -> list[Row]:
    """Our log() against the least work that stores the same rows."""
    ours = per_call_us(samples, "log", OURS, ["log_s"], steps)
    append = per_call_us(samples, "floor", "json", ["append_s"], steps)
    buffered = per_call_us(samples, "floor", "json", ["buffered_s"], steps)
    return [
        Row("log() vs (a) dumps + os.write O_APPEND", "us", ours, append, FLOOR_TARGET),
        Row("log() vs (b) dumps + buffered write", "us", ours, buffered),
    ]


# printing --------------------------------------------------------------------
def fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "-"
    if unit == "procs":  # a count: medians of small integers read better whole
        return f"{value:g} {unit}"
    digits = 0 if abs(value) >= 100 else 1 if abs(value) >= 10 else 2 if abs(value) >= 1 else 3
    return f"{value:,.{digits}f}{' ' + unit if unit else ''}"


def table(title: str, ref_name: str, rows: Sequence[Row], speedup_name: str) -> str:
    header = ("figure", "ours", ref_name, f"ours/{ref_name}", speedup_name, "target", "")
    lines = [header]
    for row in rows:
        lines.append(
            (
                row.label,
                fmt(row.ours, row.unit),
                fmt(row.ref, row.unit),
                fmt(row.ratio),
                "" if row.speedup is None else f"{fmt(row.speedup)}x",
                row.target.text if row.target else "",
                row.target.status(row.ratio) if row.target else "",
            )
        )
    return "\n".join([title, "", *align(lines, right=range(1, 5))])


def align(lines: Sequence[Sequence[str]], right: Sequence[int]) -> list[str]:
    """Columns padded to their widest cell (``right`` ones right-aligned), a rule under the header."""
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]
    out = []
    for n, line in enumerate(lines):
        cells = [c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(line, widths))]
        out.append("  ".join(cells).rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in widths).rstrip())
    return out


def machine(wandb_note: str, source: str) -> dict[str, object]:
    """The header every benchmark prints: interpreter, platform, cores, both clients' versions."""
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "wandb_jupyter": f"{_version('wandb-jupyter')} ({source})",
        "wandb": wandb_note,
    }


def environment(plan: Plan, wandb_note: str, baseline: float | None) -> dict[str, object]:
    return {
        **machine(wandb_note, _source_state()),
        "steps": plan.steps,
        "repeat": plan.repeat,
        "python -c pass (ms, median)": None if baseline is None else round(baseline * 1e3, 2),
    }


def _source_state() -> str:
    """The commit measured, marked dirty when the working tree differs: figures go in the README."""
    try:
        done = subprocess.run(
            ["git", "-C", str(HERE), "describe", "--always", "--dirty"], capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return "source state unknown"
    return f"git {done.stdout.strip()}" if done.returncode == 0 else "not a git checkout"


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def render(report: Report) -> str:
    env = report.environment
    lines = [
        "wandb_jupyter core benchmark (offline mode, fresh process per measurement)",
        "",
        *(f"  {k}: {v}" for k, v in env.items()),
        "  WANDB_CONSOLE=off for the log runs; defaults otherwise. Figures are medians.",
        "",
    ]
    compared = any(row.ref is not None for row in report.vs_wandb)
    title = "Ours vs W&B" if compared else "Our figures (W&B not measured, see 'wandb' above)"
    lines += [table(title, "wandb", report.vs_wandb, "x faster"), ""]
    lines += [table("log() vs the floor (same rows, json.dumps + append)", "floor", report.vs_floor, "floor/ours"), ""]
    lines.append("Targets are information only; a MISS does not fail this command.")
    return "\n".join(lines)


def ours_only(rows: Sequence[Row]) -> list[Row]:
    """The W&B table without W&B: our figures, nothing to compare with."""
    return [Row(r.label, r.unit, r.ours, None) for r in rows]


def row_json(r: Row) -> dict[str, object]:
    """A result row with its ratio, speed-up and target status, for --json files."""
    d = asdict(r)
    d.update(ratio=r.ratio, speedup=r.speedup, status=r.target.status(r.ratio) if r.target else None)
    return d


def report_json(report: object) -> dict[str, object]:
    """Any benchmark's report dataclass as JSON-ready data: rows with their ratios and status,
    samples as dicts; a ``configurations`` table (header line first) as one dict per line."""
    out: dict[str, object] = {}
    for item in fields(report):  # type: ignore[arg-type]
        value = getattr(report, item.name)
        if item.name == "configurations":
            out[item.name] = [dict(zip(value[0], line)) for line in value[1:]]
        else:
            out[item.name] = _json_ready(value)
    return out


def _json_ready(value: object) -> object:
    if isinstance(value, Row):
        return row_json(value)
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    if isinstance(value, Mapping):
        return {key: _json_ready(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_ready(item) for item in value]
    return value


def wandb_capture_lines(notes: Sequence[str], vs_wandb: Sequence[Row], prints: int) -> list[str]:
    """The console benchmarks' W&B lines: what went wrong on its side, else what was checked."""
    if notes:
        return ["W&B notes (information only):", *(f"  {n}" for n in notes)]
    if any(row.ref is not None for row in vs_wandb):
        return [
            f"W&B wrap: files/output.log holds all {prints:,} prints in order, and its .wandb file holds the last one."
        ]
    return []


def execute_keeping_ours(
    execute: Callable[[Any], tuple[list[Any], dict[str, str]]], plan: Any, note: str, lib_of: Callable[[Any], str]
) -> tuple[list[Any], str] | None:
    """``execute(plan)``; runs of W&B that failed are left out and named in the note.
    None (after saying why) when our client failed: the benchmark cannot stand."""
    try:
        runs, failed = execute(plan)
    except ChildFailed as error:
        print(f"benchmark failed: {error}", file=sys.stderr)
        return None
    if THEIRS in failed:
        note = f"{note}, failed to run: {failed[THEIRS]}"
        runs = [run for run in runs if lib_of(run) != THEIRS]
    return runs, note


def write_json(path: Path | None, payload: object) -> None:
    """``--json``: the figures to ``path`` (its folder made), when one was given."""
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(payload, indent=2))


# command line ----------------------------------------------------------------
class RunOptions:
    """The options every benchmark shares: a work count, --repeat, --quick, --json, --skip-wandb, --keep."""

    def __init__(
        self,
        parser: argparse.ArgumentParser,
        *,
        count: str,
        what: str,
        full: int,
        quick: int,
        unit: str = "processes",
        quick_note: str = "",
    ) -> None:
        self.parser, self.count, self.full, self.quick = parser, count, full, quick
        parser.add_argument(f"--{count}", type=int, default=None, help=f"{what} (default {full})")
        parser.add_argument("--repeat", type=int, default=None, help=f"fresh {unit} per figure (default 5)")
        parser.add_argument(
            "--quick", action="store_true", help=f"CI smoke run: --{count} {quick} --repeat 2{quick_note}"
        )
        parser.add_argument("--json", type=Path, help="also write every figure and sample to this file")
        parser.add_argument("--skip-wandb", action="store_true", help="measure our client only")
        parser.add_argument("--keep", action="store_true", help=f"keep the {unit}' temporary folders")

    def parse(self, argv: Sequence[str] | None) -> argparse.Namespace:
        args = self.parser.parse_args(argv)
        setattr(args, self.count, getattr(args, self.count) or (self.quick if args.quick else self.full))
        args.repeat = args.repeat or (2 if args.quick else 5)
        if getattr(args, self.count) < 1 or args.repeat < 1:
            self.parser.error(f"--{self.count} and --repeat must be at least 1")
        return args


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    options = RunOptions(parser, count="steps", what="log() calls per run", full=100_000, quick=2000)
    return options.parse(argv)


def wandb_status(skip: bool) -> tuple[bool, str]:
    """Whether W&B can be measured, found without importing it here."""
    if skip:
        return False, "skipped (--skip-wandb)"
    if importlib.util.find_spec("wandb") is None:
        return False, "not installed: our figures only (pip install wandb to compare)"
    return True, _version("wandb")


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    use_wandb, note = wandb_status(args.skip_wandb)
    plan = Plan((OURS, THEIRS) if use_wandb else (OURS,), args.steps, args.repeat, args.keep)
    try:
        samples, failed = execute(plan)
    except ChildFailed as error:
        print(f"benchmark failed: {error}", file=sys.stderr)
        return 1
    if THEIRS in failed:
        use_wandb, note = False, f"{note}, failed to run: {failed[THEIRS]}"
    baseline = statistics.median(samples["baseline/python"])
    rows = wandb_rows(samples, plan.steps)
    report = Report(
        environment=environment(plan, note, baseline),
        vs_wandb=rows if use_wandb else ours_only(rows),
        vs_floor=floor_rows(samples, plan.steps),
        samples=samples,
    )
    print(render(report))
    write_json(args.json, report_json(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
