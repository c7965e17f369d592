"""Console-capture benchmark: what copying a print-heavy loop into output.log costs.

Usage::

    python bench/bench_console.py [--prints N] [--repeat R] [--sink file|pipe|both] [--json out.json] [--quick]

A child interpreter (``bench/_console_child.py``) prints ``--prints`` short
lines with stdout going to a file (and, as a second variant, to a pipe the
parent reads), under: plain Python with no tracking library (the baseline),
our client with ``WANDB_CONSOLE`` = off, wrap, redirect and auto, and the real
W&B SDK with console off and wrap. Only the loop (plus its final flush) is
timed, inside the child. Every figure is a median over ``--repeat`` fresh
processes; the configurations alternate within each round so drift of the
machine hits all alike. See ``bench/README.md``.

Targets are information only. The exit status is non-zero when our client
fails to run, or when a run's output.log (or its stdout) does not hold
exactly the lines printed: losing output is a bug, not a slow figure.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench_core import (
    OURS,
    THEIRS,
    ChildFailed,
    Progress,
    Row,
    RunOptions,
    Spawned,
    Target,
    _source_state,
    align,
    child_env,
    execute_keeping_ours,
    failure,
    fmt,
    machine,
    report_json,
    run_child,
    spawn,
    table,
    wandb_capture_lines,
    wandb_status,
    write_json,
)

HERE = Path(__file__).resolve().parent
CHILD = HERE / "_console_child.py"
BASELINE = "none"
SINKS = ("file", "pipe")
TARGET = Target("<= 1.3x uncaptured", 1.3)
TARGETED = ("auto", "wrap")  # our default mode, and the one used inside kernels


# configurations and results --------------------------------------------------
@dataclass(frozen=True)
class Config:
    """One way of running the print loop: which library, which console setting."""

    name: str
    lib: str
    console: str

    @property
    def captures(self) -> bool:
        return self.lib != BASELINE and self.console != "off"


CONFIGS = (
    Config("python, no library", BASELINE, "-"),
    Config("ours off", OURS, "off"),
    Config("ours wrap", OURS, "wrap"),
    Config("ours redirect", OURS, "redirect"),
    Config("ours auto", OURS, "auto"),
    Config("wandb off", THEIRS, "off"),
    Config("wandb wrap", THEIRS, "wrap"),
)
BY_NAME = {config.name: config for config in CONFIGS}


@dataclass(frozen=True)
class ConsoleRun:
    """What one child reported, plus the lines of its stdout that reached the parent's sink."""

    config: str
    sink: str
    figures: Mapping[str, object]
    stdout_lines: int
    wall_s: float
    tree_peak_rss: int


# child processes -------------------------------------------------------------
class LineCounter(threading.Thread):
    """Reads a pipe to its end in the parent, counting newlines (the 'stdout to a pipe' sink).

    Reading promptly matters: a pipe holds 64 KiB, and a child writing into
    a full pipe blocks, which would be timed as capture overhead.
    """

    def __init__(self, fd: int) -> None:
        super().__init__(name="bench-pipe-reader", daemon=True)
        self.fd = fd
        self.lines = 0

    def run(self) -> None:
        while chunk := os.read(self.fd, 1 << 16):
            self.lines += chunk.count(b"\n")


def count_lines(path: Path) -> int:
    """Newlines in the file the child's stdout went to: what the user would have seen."""
    with open(path, "rb") as handle:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))


def console_env(home: Path, config: Config, unbuffered: bool) -> dict[str, str]:
    """The core benchmark's isolated environment, with this configuration's WANDB_CONSOLE.

    The baseline gets no WANDB_CONSOLE: it imports no library that could read
    it. PYTHONUNBUFFERED is set or dropped explicitly, never inherited: it
    turns each print into two write() calls (text, then newline) instead of
    one per 8 KiB, which changes every figure here, and containers and CI
    shells often set it.
    """
    env = child_env(home, console_off=False)
    env.pop("PYTHONUNBUFFERED", None)
    if unbuffered:
        env["PYTHONUNBUFFERED"] = "1"
    if config.lib != BASELINE:
        env["WANDB_CONSOLE"] = config.console
    return env


def run_console_child(config: Config, sink: str, plan: Plan) -> ConsoleRun:
    """Run the print loop once in a fresh interpreter with its own temporary HOME."""
    home = Path(tempfile.mkdtemp(prefix=f"bench-console-{config.lib}-{config.console}-{sink}-"))
    try:
        result = home / "result.json"
        cmd = [sys.executable, str(CHILD), config.lib, config.console, str(plan.prints), str(result)]
        env = console_env(home, config, plan.unbuffered)
        if sink == "file":
            with open(home / "stdout", "wb") as out:
                done = spawn(cmd, home, env, out)
            lines = count_lines(home / "stdout")
        else:
            done, lines = _spawn_piped(cmd, home, env)
        if done.returncode != 0 or not result.exists():
            raise failure(home, f"{config.name} ({sink})", done.returncode)
        figures = json.loads(result.read_text())
        return ConsoleRun(config.name, sink, figures, lines, done.wall_s, done.tree_peak_rss)
    finally:
        if not plan.keep:
            shutil.rmtree(home, ignore_errors=True)


def _spawn_piped(cmd: Sequence[str], home: Path, env: Mapping[str, str]) -> tuple[Spawned, int]:
    """``spawn`` with stdout on a pipe that a thread of this process drains while the child runs."""
    read_end, write_end = os.pipe()
    counter = LineCounter(read_end)
    counter.start()
    try:
        done = spawn(cmd, home, env, write_end)
    finally:
        os.close(write_end)  # the reader sees the end once no child process holds the pipe either
    counter.join(10)
    if counter.is_alive():
        raise ChildFailed(f"the stdout pipe of {cmd[2:4]} stayed open after the child exited")
    os.close(read_end)
    return done, counter.lines


# orchestration ---------------------------------------------------------------
@dataclass(frozen=True)
class Plan:
    """Which runs to do; each round runs every configuration once, per sink."""

    configs: tuple[Config, ...]
    sinks: tuple[str, ...]
    prints: int
    repeat: int
    unbuffered: bool
    keep: bool

    def jobs(self) -> list[tuple[Config | str, str]]:
        libs = sorted({c.lib for c in self.configs} - {BASELINE}, key=[OURS, THEIRS].index)
        jobs: list[tuple[Config | str, str]] = [(lib, "warmup") for lib in libs]
        for _ in range(self.repeat):
            jobs += [(config, sink) for sink in self.sinks for config in self.configs]
        return jobs


def execute(plan: Plan) -> tuple[list[ConsoleRun], dict[str, str]]:
    """Run every job; return the runs and, by library, why W&B could not be measured.

    A failing W&B child stops only the W&B side; a failure of the baseline or
    of our client is raised, since those figures are the point.
    """
    jobs = plan.jobs()
    progress = Progress(len(jobs))
    runs: list[ConsoleRun] = []
    failed: dict[str, str] = {}
    try:
        for what, sink in jobs:
            lib = what if isinstance(what, str) else what.lib
            label = f"warmup   {lib}" if isinstance(what, str) else f"{what.name:20s} stdout to {sink}"
            progress.step(label + (" skipped" if lib in failed else ""))
            if lib in failed:
                continue
            try:
                if isinstance(what, str):  # compiles .pyc files and fills the page cache; not counted
                    run_child("import", lib, 0, plan.keep)
                else:
                    runs.append(run_console_child(what, sink, plan))
            except ChildFailed as error:
                if lib != THEIRS:
                    raise
                failed[lib] = str(error)
    finally:
        progress.close()
    return runs, failed


# figures ---------------------------------------------------------------------
def runs_of(runs: Sequence[ConsoleRun], config: str, sink: str) -> list[ConsoleRun]:
    return [run for run in runs if run.config == config and run.sink == sink]


def median(runs: Sequence[ConsoleRun], get: Callable[[ConsoleRun], float | None]) -> float | None:
    values = [v for v in map(get, runs) if v is not None]
    return statistics.median(values) if values else None


LOOP, WITH_FINISH = ("loop_s",), ("loop_s", "finish_s")


def per_print_us(
    runs: Sequence[ConsoleRun], config: str, sink: str, prints: int, keys: Sequence[str] = LOOP
) -> float | None:
    """Median over runs of the summed ``keys`` seconds (absent ones count 0), per print, in us.

    ``WITH_FINISH`` adds the ``finish()`` after the loop: capture work that
    a background thread had not done when the loop ended is done there.
    """
    value = median(runs_of(runs, config, sink), lambda r: sum(r.figures.get(k, 0.0) for k in keys))
    return None if value is None else value / prints * 1e6


def spread(values: Sequence[object]) -> str:
    """One value when every run agrees, else all of them: a count that varies is news."""
    shown = ["absent" if v is None else f"{v:,}" if isinstance(v, int) else str(v) for v in values]
    if not shown:
        return "-"
    return shown[0] if len(set(shown)) == 1 else "/".join(shown)


def problems(runs: Sequence[ConsoleRun], prints: int) -> tuple[list[str], list[str]]:
    """Errors (ours or the baseline lost or invented lines) and notes (the same about W&B)."""
    errors: list[str] = []
    notes: list[str] = []
    for run in runs:
        config = BY_NAME[run.config]
        found = _check(run, config, prints)
        where = f"{run.config} (stdout to {run.sink})"
        (notes if config.lib == THEIRS else errors).extend(f"{where}: {text}" for text in found)
    return errors, notes


def _check(run: ConsoleRun, config: Config, prints: int) -> Iterator[str]:
    if run.stdout_lines != prints:
        yield f"stdout got {run.stdout_lines:,} lines, {prints:,} printed"
    if config.lib == BASELINE:
        return
    figures = run.figures
    if config.captures and not (figures["captured"] == prints and figures["in_order"]):
        yield f"output.log holds {figures['captured']:,} of the {prints:,} prints (in order: {figures['in_order']})"
    if not config.captures and figures["output_log_lines"]:
        yield f"console off, yet output.log has {figures['output_log_lines']:,} lines"
    if config.lib == THEIRS and config.captures and figures.get("wandb_file_has_last_print") is False:
        yield "the .wandb file does not hold the last print"


def config_rows(runs: Sequence[ConsoleRun], plan: Plan) -> list[tuple[str, ...]]:
    """The main table: one line per configuration and sink."""
    header = (
        "configuration",
        "stdout",
        "mode used",
        "loop us/print",
        "x python",
        "+finish() us/print",
        "x python",
        "finish()",
        "output.log lines",
        "stdout lines",
    )
    lines = [header]
    for sink in plan.sinks:
        base = per_print_us(runs, CONFIGS[0].name, sink, plan.prints)
        for config in plan.configs:
            chosen = runs_of(runs, config.name, sink)
            loop = per_print_us(runs, config.name, sink, plan.prints)
            total = per_print_us(runs, config.name, sink, plan.prints, WITH_FINISH)
            lines.append(
                (
                    config.name,
                    sink,
                    spread([r.figures.get("capture_mode") for r in chosen]) if config.lib == OURS else "",
                    fmt(loop, "us"),
                    _times(loop, base),
                    fmt(total, "us"),
                    _times(total, base),
                    _ms(chosen, "finish_s"),
                    "" if config.lib == BASELINE else spread([r.figures["output_log_lines"] for r in chosen]),
                    spread([r.stdout_lines for r in chosen]),
                )
            )
    return lines


def _times(value: float | None, base: float | None) -> str:
    return "" if value is None or not base else fmt(value / base) + "x"


def _ms(runs: Sequence[ConsoleRun], key: str) -> str:
    value = median(runs, lambda r: r.figures.get(key))
    return "" if value is None else fmt(value * 1e3, "ms")


def baseline_rows(runs: Sequence[ConsoleRun], plan: Plan) -> list[Row]:
    """Each of our modes' loop against plain Python; the target applies to auto (our default) and wrap."""
    rows = []
    for sink in plan.sinks:
        base = per_print_us(runs, CONFIGS[0].name, sink, plan.prints)
        for config in plan.configs:
            if config.lib == OURS:
                target = TARGET if config.console in TARGETED else None
                rows.append(
                    Row(
                        f"{config.name} (stdout to {sink})",
                        "us",
                        per_print_us(runs, config.name, sink, plan.prints),
                        base,
                        target,
                    )
                )
    return rows


def finish_rows(runs: Sequence[ConsoleRun], plan: Plan) -> list[Row]:
    """Our capturing modes with their finish() against ours off with its finish().

    Capture work that the background threads had not done when the loop
    ended (output.log is appended every 0.5 s) is done in ``finish()``, so
    the loop alone can flatter a mode. The reference is our own run with
    capture off, which pays the same fixed ``finish()``, so only capture differs.
    """
    rows = []
    for sink in plan.sinks:
        us = lambda name: per_print_us(runs, name, sink, plan.prints, WITH_FINISH)  # noqa: E731
        for console in ("wrap", "redirect", "auto"):
            rows.append(
                Row(
                    f"ours {console} + finish() (stdout to {sink})",
                    "us",
                    us(f"ours {console}"),
                    us("ours off"),
                    TARGET if console in TARGETED else None,
                )
            )
    return rows


def wandb_rows(runs: Sequence[ConsoleRun], plan: Plan) -> list[Row]:
    """Ours against W&B with the same console setting."""
    rows = []
    for sink in plan.sinks:
        us = lambda name, keys=LOOP: per_print_us(runs, name, sink, plan.prints, keys)  # noqa: E731
        rows += [
            Row(f"console off (stdout to {sink})", "us", us("ours off"), us("wandb off")),
            Row(f"console wrap (stdout to {sink})", "us", us("ours wrap"), us("wandb wrap")),
            Row(
                f"console wrap + finish() (stdout to {sink})",
                "us",
                us("ours wrap", WITH_FINISH),
                us("wandb wrap", WITH_FINISH),
            ),
        ]
    return rows


# printing --------------------------------------------------------------------
@dataclass(frozen=True)
class Report:
    """Everything measured, in a form that goes straight to JSON."""

    environment: Mapping[str, object]
    configurations: Sequence[Sequence[str]]
    vs_python: Sequence[Row]
    vs_off: Sequence[Row]
    vs_wandb: Sequence[Row]
    errors: Sequence[str]
    notes: Sequence[str]
    samples: Sequence[ConsoleRun] = field(default_factory=list)


def environment(plan: Plan, wandb_note: str, source: str) -> dict[str, object]:
    return {
        **machine(wandb_note, source),
        "prints": plan.prints,
        "repeat": plan.repeat,
        "stdout": " and ".join(plan.sinks)
        + (", PYTHONUNBUFFERED=1" if plan.unbuffered else ", block-buffered (PYTHONUNBUFFERED unset)"),
    }


def render(report: Report, prints: int) -> str:
    lines = [
        "wandb_jupyter console-capture benchmark (fresh process per run, offline)",
        "",
        *(f"  {k}: {v}" for k, v in report.environment.items()),
        f'  Timed: print(f"step {{i}} loss {{x:.4f}}") x {prints:,} + sys.stdout.flush(), inside the child;',
        "  init() and finish() are timed apart. Figures are medians.",
        "",
        "Configurations",
        "",
        *align(report.configurations, right=range(3, 10)),
        "",
        table("Our capture vs no capture (plain python), print loop only", "python", report.vs_python, "python/ours"),
        "",
        table(
            "With finish(), where capture work left at the end of the loop is done, vs ours off",
            "off",
            report.vs_off,
            "off/mode",
        ),
        "",
    ]
    if any(row.ref is not None for row in report.vs_wandb):
        lines += [table("Ours vs W&B, same console setting", "wandb", report.vs_wandb, "x faster"), ""]
    lines += _verdicts(report, prints)
    lines.append("Targets are information only; a MISS does not fail this command.")
    return "\n".join(lines)


def _verdicts(report: Report, prints: int) -> list[str]:
    if report.errors:
        lines = ["LINE COUNT ERRORS (these fail the command):", *(f"  {e}" for e in report.errors)]
    else:
        lines = [
            f"Checked in every run: stdout got all {prints:,} lines; our output.log holds all "
            f"{prints:,} prints in order with wrap/redirect/auto and is absent with off."
        ]
    lines += wandb_capture_lines(report.notes, report.vs_wandb, prints)
    return [*lines, ""]


# command line ----------------------------------------------------------------
def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    options = RunOptions(parser, count="prints", what="prints per run", full=100_000, quick=5000)
    parser.add_argument(
        "--sink", choices=("file", "pipe", "both"), default="both", help="where the child's stdout goes (default both)"
    )
    parser.add_argument(
        "--unbuffered",
        action="store_true",
        help="run the children with PYTHONUNBUFFERED=1 (default: unset, Python's buffering)",
    )
    return options.parse(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    use_wandb, note = wandb_status(args.skip_wandb)
    configs = tuple(c for c in CONFIGS if use_wandb or c.lib != THEIRS)
    sinks = SINKS if args.sink == "both" else (args.sink,)
    plan = Plan(configs, sinks, args.prints, args.repeat, args.unbuffered, args.keep)
    source = _source_state()  # before the runs: others may commit during a long one
    measured = execute_keeping_ours(execute, plan, note, lambda run: BY_NAME[run.config].lib)
    if measured is None:
        return 1
    runs, note = measured
    errors, notes = problems(runs, plan.prints)
    report = Report(
        environment(plan, note, source),
        config_rows(runs, plan),
        baseline_rows(runs, plan),
        finish_rows(runs, plan),
        wandb_rows(runs, plan),
        errors,
        notes,
        runs,
    )
    print(render(report, plan.prints))
    write_json(args.json, report_json(report))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
