"""Console capture inside a real Jupyter kernel: what copying a notebook's prints into output.log costs.

Usage::

    python bench/bench_console_kernel.py [--prints N] [--repeat R] [--json out.json] [--quick]

Every measurement starts a fresh ipykernel (``jupyter_client``'s
``KernelManager`` and ``BlockingKernelClient``, the way nbclient and a
notebook server drive one) with isolated HOME, WANDB_* and JUPYTER_*
folders, then executes cells as a notebook would: a warm-up cell, a setup
cell (our ``init()``, W&B's ``init()``, or nothing for the baseline), ONE
timed cell that prints ``--prints`` short lines, and a cell that finishes
the run. Inside a kernel, ``print`` goes to ipykernel's ``OutStream``, which
is far slower than a file, so the ratios here are the ones a notebook user
meets; ``bench_console.py`` measures scripts. See ``bench/README.md``.

Targets are information only. The exit status is non-zero when a kernel or
our client fails, or when the client did not receive exactly the lines
printed, or when our output.log does not hold them all.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from queue import Empty
from typing import Any

from _console_child import check_output_log, wandb_file_has
from bench_console import BASELINE, TARGET, Config, console_env, spread
from bench_core import (
    OURS,
    THEIRS,
    ChildFailed,
    Progress,
    Row,
    RunOptions,
    _reap,
    _source_state,
    _version,
    align,
    execute_keeping_ours,
    fmt,
    machine,
    psutil,
    report_json,
    table,
    wandb_capture_lines,
    wandb_status,
    write_json,
)

CELL_TIMEOUT = 300.0
START_TIMEOUT = 60.0
WARMUP_PRINTS = 100
ANSI_COLOURS = re.compile(r"\x1b\[[0-9;]*m")  # IPython colours its tracebacks

CONFIGS = (
    Config("kernel, no library", BASELINE, "-"),
    Config("ours off", OURS, "off"),
    Config("ours wrap", OURS, "wrap"),
    Config("ours auto", OURS, "auto"),
    Config("wandb off", THEIRS, "off"),
    Config("wandb wrap", THEIRS, "wrap"),
)
BY_NAME = {config.name: config for config in CONFIGS}
TARGETED = ("auto", "wrap")  # auto is our default and resolves to wrap in a kernel

# The cells, as a notebook user would write them. `time` and `sys` are
# imported in a warm-up cell that every configuration runs, so the timed cell
# is never a kernel's first (IPython does one-off work on its first cell).
WARMUP_CELL = "import sys, time"
SETUP_CELLS = {
    OURS: (
        "_t0 = time.perf_counter()\n"
        "import wandb_jupyter\n"
        "run = wandb_jupyter.init(mode='offline', project='bench-console-kernel')\n"
        "_bench_init_s = time.perf_counter() - _t0"
    ),
    THEIRS: (
        "_t0 = time.perf_counter()\n"
        "import wandb\n"
        "run = wandb.init(mode='offline', project='bench-console-kernel',\n"
        "                 settings=wandb.Settings(console={console!r}))\n"
        "_bench_init_s = time.perf_counter() - _t0"
    ),
}
# Read back after the setup cell (user_expressions are evaluated outside the cell).
SETUP_EXPRESSIONS = {
    "init_s": "_bench_init_s",
    "run_dir": "run.dir",
    # What our capture really uses; a private attribute, so a rename shows as '?'.
    "capture_mode": "(lambda c: 'off' if c is None else getattr(c, 'mode', '?'))(getattr(run, '_capture', '?'))",
}
# Top-level loop, as in a notebook cell; the final flush hands the last buffer
# to ipykernel's IO thread and waits until it is sent, like the script
# benchmark's flush of a file.
TIMED_CELL = (
    "_bench_write = getattr(sys.stdout.write, '__qualname__', '?')\n"
    "_t0 = time.perf_counter()\n"
    "for i in range({prints}):\n"
    "    print(f'step {{i}} loss {{1.0 / (i + 1):.4f}}')\n"
    "sys.stdout.flush()\n"
    "_bench_loop_s = time.perf_counter() - _t0"
)
FINISH_CELL = "_t0 = time.perf_counter()\nrun.finish()\n_bench_finish_s = time.perf_counter() - _t0"


# results ---------------------------------------------------------------------
@dataclass(frozen=True)
class KernelRun:
    """One kernel's figures: timed inside the kernel, plus what the client saw."""

    config: str
    figures: Mapping[str, object]
    iopub_lines: int  # stdout lines of the timed cell that reached the client
    stream_messages: int  # iopub 'stream' messages (stdout) that carried them
    stderr_text: str  # anything the timed cell wrote to stderr
    cell_wall_s: float  # client side: execute_request sent -> kernel idle again
    startup_s: float  # kernel start until it answered kernel_info


@dataclass
class CellResult:
    reply: Mapping[str, object]
    stdout_lines: int = 0
    stdout_messages: int = 0
    stderr: str = ""
    wall_s: float = 0.0


# kernels ---------------------------------------------------------------------
def kernel_env(home: Path, config: Config) -> dict[str, str]:
    """``bench_console``'s isolated child environment plus Jupyter's and IPython's folders.

    That environment already has HOME, TMPDIR and every WANDB_* folder in
    ``home``, no inherited WANDB_*, no PYTHONDONTWRITEBYTECODE and no
    PYTHONUNBUFFERED (ipykernel replaces sys.stdout anyway, but a child
    process or fd-level write would see it). Inherited JUPYTER_* and
    IPYTHONDIR are dropped too, so a developer's kernel specs, config or
    startup files cannot change what runs.
    """
    env = {
        k: v
        for k, v in console_env(home, config, unbuffered=False).items()
        if not k.startswith("JUPYTER") and k not in ("IPYTHONDIR", "JPY_SESSION_NAME")
    }
    for name in ("jupyter-config", "jupyter-data", "jupyter-runtime", "ipython"):
        (home / name).mkdir()
    env.update(
        JUPYTER_CONFIG_DIR=str(home / "jupyter-config"),
        JUPYTER_DATA_DIR=str(home / "jupyter-data"),
        JUPYTER_RUNTIME_DIR=str(home / "jupyter-runtime"),
        IPYTHONDIR=str(home / "ipython"),
    )
    return env


class Kernel:
    """A fresh ipykernel running this interpreter, its client, and cell execution that drains iopub."""

    def __init__(self, home: Path, env: Mapping[str, str]) -> None:
        from jupyter_client import KernelManager
        from jupyter_client.kernelspec import KernelSpecManager

        self.home = home
        # An explicit kernel spec for this interpreter, in the temporary folder:
        # 'python3' could resolve to another environment's kernel.
        spec_dir = home / "kernels" / "bench"
        spec_dir.mkdir(parents=True)
        (spec_dir / "kernel.json").write_text(
            json.dumps(
                {
                    "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                    "display_name": "bench",
                    "language": "python",
                }
            )
        )
        specs = KernelSpecManager(kernel_dirs=[str(home / "kernels")], ensure_native_kernel=False)
        self.manager = KernelManager(
            kernel_name="bench", kernel_spec_manager=specs, connection_file=str(home / "connection.json")
        )
        self.env = dict(env)
        self.client: Any = None
        self.startup_s = 0.0
        self._out = open(home / "stdout", "wb")  # the kernel's own fds 1 and 2, not the notebook's output
        self._err = open(home / "stderr", "wb")

    def start(self) -> None:
        """Start the kernel in ``home`` and wait until it answers; ``shutdown()`` cleans up after a failure too."""
        start = time.perf_counter()
        self.manager.start_kernel(env=self.env, cwd=str(self.home), stdout=self._out, stderr=self._err)
        self.client = self.manager.client()
        self.client.start_channels()
        self.client.wait_for_ready(timeout=START_TIMEOUT)
        self.startup_s = time.perf_counter() - start

    def execute(self, code: str, expressions: Mapping[str, str] | None = None) -> CellResult:
        """Run one cell; read every iopub message it causes until the kernel is idle again.

        The client reads iopub the whole time, so the kernel never writes
        into an unread socket. ipykernel coalesces a cell's writes: its IO
        thread sends one 'stream' message per stream every 0.2 s (and at
        each flush), so a print loop arrives as a few large messages.
        """
        client = self.client
        start = time.perf_counter()
        msg_id = client.execute(code, user_expressions=dict(expressions or {}))
        result = CellResult(reply={})
        deadline = time.monotonic() + CELL_TIMEOUT
        errors: list[str] = []
        while True:
            try:
                msg = client.get_iopub_msg(timeout=max(0.0, deadline - time.monotonic()))
            except Empty:
                raise ChildFailed(f"no idle status {CELL_TIMEOUT:.0f} s after running:\n{code}") from None
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream" and content["name"] == "stdout":
                result.stdout_lines += content["text"].count("\n")
                result.stdout_messages += 1
            elif kind == "stream":
                result.stderr += content["text"]
            elif kind == "error":
                errors.append(ANSI_COLOURS.sub("", "\n".join(content.get("traceback", []))))
            elif kind == "status" and content["execution_state"] == "idle":
                break
        result.wall_s = time.perf_counter() - start
        while True:
            reply = client.get_shell_msg(timeout=CELL_TIMEOUT)
            if reply["parent_header"].get("msg_id") == msg_id:
                break
        result.reply = reply["content"]
        if result.reply.get("status") != "ok" or errors:
            detail = "\n".join(errors) or str(result.reply.get("evalue", result.reply))
            raise ChildFailed(f"cell failed:\n{code}\n{detail}\n{self.stderr_tail()}")
        return result

    def value(self, result: CellResult, name: str) -> object:
        """A user expression's value: the reply carries its repr(), read back with literal_eval."""
        entry = result.reply["user_expressions"][name]
        if entry.get("status") != "ok":
            raise ChildFailed(f"user expression {name!r} failed: {entry.get('evalue')}")
        return ast.literal_eval(entry["data"]["text/plain"])

    def stderr_tail(self) -> str:
        self._err.flush()
        return (self.home / "stderr").read_text(errors="replace")[-2000:]

    def shutdown(self) -> None:
        """Stop the kernel as a notebook does (shutdown_request), then end service processes it left."""
        others: set[int] = set()
        pid = getattr(self.manager.provisioner, "pid", None)
        if psutil is not None and pid:
            try:
                others = {p.pid for p in psutil.Process(pid).children(recursive=True)}
            except psutil.Error:
                pass
        try:
            if self.client is not None:
                self.client.stop_channels()
            if self.manager.has_kernel:
                self.manager.shutdown_kernel(now=False)
        finally:
            self._out.close()
            self._err.close()
            _reap(others)


def run_kernel(config: Config, prints: int, keep: bool) -> KernelRun:
    """One measurement: fresh kernel, warm-up cell, setup cell, timed cell, finish cell, checks."""
    home = Path(tempfile.mkdtemp(prefix=f"bench-kernel-{config.lib}-{config.console}-"))
    kernel = None
    try:
        kernel = Kernel(home, kernel_env(home, config))
        kernel.start()
        figures: dict[str, object] = {}
        kernel.execute(WARMUP_CELL)
        if config.lib != BASELINE:
            setup = kernel.execute(SETUP_CELLS[config.lib].format(console=config.console), SETUP_EXPRESSIONS)
            figures["init_s"] = kernel.value(setup, "init_s")
            run_dir = str(kernel.value(setup, "run_dir"))
            if config.lib == OURS:
                figures["capture_mode"] = kernel.value(setup, "capture_mode")
        timed = kernel.execute(TIMED_CELL.format(prints=prints), {"loop_s": "_bench_loop_s", "write": "_bench_write"})
        figures["loop_s"] = kernel.value(timed, "loop_s")
        figures["stdout_write"] = writer(str(kernel.value(timed, "write")))
        if config.lib != BASELINE:
            done = kernel.execute(FINISH_CELL, {"finish_s": "_bench_finish_s"})
            figures["finish_s"] = kernel.value(done, "finish_s")
            figures["finish_cell_wall_s"] = done.wall_s
            figures.update(check_output_log(run_dir, prints))
            if config.lib == THEIRS:
                figures["wandb_file_has_last_print"] = wandb_file_has(run_dir, prints)
        return KernelRun(
            config.name,
            figures,
            timed.stdout_lines,
            timed.stdout_messages,
            timed.stderr,
            timed.wall_s,
            kernel.startup_s,
        )
    except ChildFailed as error:
        raise ChildFailed(f"{config.name}: {error}") from None
    except Exception as error:  # a kernel that would not start or answer
        tail = kernel.stderr_tail() if kernel is not None else ""
        raise ChildFailed(f"{config.name}: {error!r}\n{tail}") from error
    finally:
        if kernel is not None:
            kernel.shutdown()
        if not keep:
            shutil.rmtree(home, ignore_errors=True)


WRITERS = (
    ("_WriteTap", "ours"),
    ("write_with_callbacks", "wandb"),
    ("_tee", "IPython tee"),
    ("OutStream", "OutStream"),
)


def writer(qualname: str) -> str:
    """Whose function ``sys.stdout.write`` was during the timed cell, from its qualified name."""
    return next((label for key, label in WRITERS if key in qualname), qualname)


# orchestration ---------------------------------------------------------------
@dataclass(frozen=True)
class Plan:
    """Which kernels to start; each round runs every configuration once, so drift hits all alike."""

    configs: tuple[Config, ...]
    prints: int
    repeat: int
    keep: bool
    warmup: bool = True

    def jobs(self) -> list[tuple[Config, bool]]:
        """(configuration, is a warm-up): one discarded kernel per library first (.pyc, page cache)."""
        warm: dict[str, Config] = {}
        for config in self.configs:
            warm.setdefault(config.lib, config)
        jobs = [(config, True) for config in warm.values()] if self.warmup else []
        for _ in range(self.repeat):
            jobs += [(config, False) for config in self.configs]
        return jobs


def execute(plan: Plan) -> tuple[list[KernelRun], dict[str, str]]:
    """Run every job; a failing W&B kernel stops only the W&B side, any other failure is raised."""
    jobs = plan.jobs()
    progress = Progress(len(jobs))
    runs: list[KernelRun] = []
    failed: dict[str, str] = {}
    try:
        for config, warmup in jobs:
            label = f"warmup   {config.lib}" if warmup else config.name
            progress.step(label + (" skipped" if config.lib in failed else ""))
            if config.lib in failed:
                continue
            try:
                run = run_kernel(config, WARMUP_PRINTS if warmup else plan.prints, plan.keep)
            except ChildFailed as error:
                if config.lib != THEIRS:
                    raise
                failed[config.lib] = str(error)
                continue
            if not warmup:
                runs.append(run)
    finally:
        progress.close()
    return runs, failed


# figures ---------------------------------------------------------------------
def runs_of(runs: Sequence[KernelRun], config: str) -> list[KernelRun]:
    return [run for run in runs if run.config == config]


def median_us(runs: Sequence[KernelRun], config: str, prints: int, key: str = "loop_s") -> float | None:
    """Median over kernels of a figure in seconds ('cell_wall_s' is the client's), per print, in us."""
    values = [run.cell_wall_s if key == "cell_wall_s" else run.figures.get(key) for run in runs_of(runs, config)]
    values = [v for v in values if v is not None]
    return statistics.median(values) / prints * 1e6 if values else None


def median_ms(runs: Sequence[KernelRun], config: str, key: str) -> str:
    values = [getattr(run, key) if hasattr(run, key) else run.figures.get(key) for run in runs_of(runs, config)]
    values = [v for v in values if v is not None]
    return fmt(statistics.median(values) * 1e3, "ms") if values else ""


def config_rows(runs: Sequence[KernelRun], plan: Plan) -> list[tuple[str, ...]]:
    """The main table: one line per configuration."""
    header = (
        "configuration",
        "mode used",
        "print writes via",
        "loop us/print",
        "x kernel",
        "loop range",
        "cell wall us/print",
        "x kernel",
        "kernel start",
        "init()",
        "finish()",
        "stream msgs",
        "lines to client",
        "output.log lines",
    )
    lines = [header]
    base = median_us(runs, CONFIGS[0].name, plan.prints)
    base_wall = median_us(runs, CONFIGS[0].name, plan.prints, "cell_wall_s")
    for config in plan.configs:
        chosen = runs_of(runs, config.name)
        loop = median_us(runs, config.name, plan.prints)
        wall = median_us(runs, config.name, plan.prints, "cell_wall_s")
        lines.append(
            (
                config.name,
                spread([r.figures.get("capture_mode") for r in chosen]) if config.lib == OURS else "",
                spread([r.figures.get("stdout_write") for r in chosen]),
                fmt(loop, "us"),
                _times(loop, base),
                _range(chosen, plan.prints),
                fmt(wall, "us"),
                _times(wall, base_wall),
                median_ms(runs, config.name, "startup_s"),
                median_ms(runs, config.name, "init_s"),
                median_ms(runs, config.name, "finish_s"),
                spread([r.stream_messages for r in chosen]),
                spread([r.iopub_lines for r in chosen]),
                "" if config.lib == BASELINE else spread([r.figures["output_log_lines"] for r in chosen]),
            )
        )
    return lines


def _range(runs: Sequence[KernelRun], prints: int) -> str:
    """Fastest and slowest kernel's loop, us per print: a shared machine shows up here first."""
    values = [run.figures["loop_s"] / prints * 1e6 for run in runs]
    return f"{fmt(min(values))}-{fmt(max(values))}" if values else ""


def _times(value: float | None, base: float | None) -> str:
    return "" if value is None or not base else fmt(value / base) + "x"


def baseline_rows(runs: Sequence[KernelRun], plan: Plan) -> list[Row]:
    """Every library configuration against the kernel with no library; the target is on our auto and wrap."""
    rows = []
    for key, what in (("loop_s", "loop"), ("cell_wall_s", "cell wall")):
        base = median_us(runs, CONFIGS[0].name, plan.prints, key)
        for config in plan.configs[1:]:
            target = TARGET if key == "loop_s" and config.lib == OURS and config.console in TARGETED else None
            rows.append(
                Row(f"{config.name} ({what})", "us", median_us(runs, config.name, plan.prints, key), base, target)
            )
    return rows


def wandb_rows(runs: Sequence[KernelRun], plan: Plan) -> list[Row]:
    """Ours against W&B with the same console setting."""
    us = lambda name, key="loop_s": median_us(runs, name, plan.prints, key)  # noqa: E731
    return [
        Row("console off (loop)", "us", us("ours off"), us("wandb off")),
        Row("console wrap (loop)", "us", us("ours wrap"), us("wandb wrap")),
        Row("console wrap (cell wall)", "us", us("ours wrap", "cell_wall_s"), us("wandb wrap", "cell_wall_s")),
    ]


def problems(runs: Sequence[KernelRun], prints: int) -> tuple[list[str], list[str]]:
    """Errors (the baseline or ours lost or invented lines) and notes (the same about W&B).

    The same finding in several kernels of one configuration is one line, with its count.
    """
    found: Counter[tuple[str, str]] = Counter()
    for run in runs:
        found.update((run.config, text) for text in _check(run, BY_NAME[run.config], prints))
    errors: list[str] = []
    notes: list[str] = []
    for (name, text), count in found.items():
        total = len(runs_of(runs, name))
        (notes if BY_NAME[name].lib == THEIRS else errors).append(f"{name} ({count} of {total} kernels): {text}")
    return errors, notes


def _check(run: KernelRun, config: Config, prints: int) -> Iterator[str]:
    if run.iopub_lines != prints:
        yield f"the client got {run.iopub_lines:,} stdout lines, {prints:,} printed"
    if run.stderr_text:
        yield f"the timed cell wrote to stderr: {run.stderr_text[:300]!r}"
    if config.lib == BASELINE:
        return
    figures = run.figures
    if config.lib == OURS and figures.get("capture_mode") != ("off" if config.console == "off" else "wrap"):
        yield f"capture mode {figures.get('capture_mode')!r} with WANDB_CONSOLE={config.console} in a kernel"
    if config.captures and not (figures["captured"] == prints and figures["in_order"]):
        yield (
            f"output.log holds {figures['captured']:,} of the {prints:,} prints "
            f"(in order: {figures['in_order']}, {figures['output_log_lines'] or 0:,} lines)"
        )
    if not config.captures and figures["output_log_lines"]:
        yield f"console off, yet output.log has {figures['output_log_lines']:,} lines"
    if config.lib == THEIRS and config.captures and figures.get("wandb_file_has_last_print") is False:
        yield "the .wandb file does not hold the last print"


# printing --------------------------------------------------------------------
@dataclass(frozen=True)
class Report:
    environment: Mapping[str, object]
    configurations: Sequence[Sequence[str]]
    vs_kernel: Sequence[Row]
    vs_wandb: Sequence[Row]
    errors: Sequence[str]
    notes: Sequence[str]
    samples: Sequence[KernelRun] = field(default_factory=list)


def environment(plan: Plan, wandb_note: str, source: str) -> dict[str, object]:
    return {
        **machine(wandb_note, source),
        "ipykernel": _version("ipykernel"),
        "ipython": _version("ipython"),
        "jupyter_client": _version("jupyter_client"),
        "prints": plan.prints,
        "repeat": plan.repeat,
        "warm-up kernels": "one per library, discarded" if plan.warmup else "none (--quick)",
    }


def render(report: Report, prints: int) -> str:
    lines = [
        "wandb_jupyter console-capture benchmark inside a Jupyter kernel (fresh kernel per run, offline)",
        "",
        *(f"  {k}: {v}" for k, v in report.environment.items()),
        f"  Timed cell: for i in range({prints:,}): print(f'step {{i}} loss {{...:.4f}}'), then sys.stdout.flush();",
        "  loop: perf_counter inside the kernel; cell wall: client sends execute_request -> kernel idle",
        "  (includes post_run_cell hooks and delivery of every stream message). Figures are medians.",
        "",
        "Configurations",
        "",
        *align(report.configurations, right=range(3, 14)),
        "",
        table("Against the kernel with no library", "kernel", report.vs_kernel, "kernel/ours"),
        "",
    ]
    if any(row.ref is not None for row in report.vs_wandb):
        lines += [table("Ours vs W&B in a kernel, same console setting", "wandb", report.vs_wandb, "x faster"), ""]
    if report.errors:
        lines += ["ERRORS (these fail the command):", *(f"  {e}" for e in report.errors)]
    else:
        lines.append(
            f"Checked in every kernel: the client got all {prints:,} stdout lines of the timed cell; "
            f"our output.log holds all {prints:,} prints in order with wrap/auto (auto used wrap) "
            "and is absent with off."
        )
    lines += wandb_capture_lines(report.notes, report.vs_wandb, prints)
    lines += ["", "Targets are information only; a MISS does not fail this command."]
    return "\n".join(lines)


# command line ----------------------------------------------------------------
def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    options = RunOptions(
        parser,
        count="prints",
        what="prints in the timed cell",
        full=20_000,
        quick=2000,
        unit="kernels",
        quick_note=", no warm-up kernels",
    )
    return options.parse(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    use_wandb, note = wandb_status(args.skip_wandb)
    configs = tuple(c for c in CONFIGS if use_wandb or c.lib != THEIRS)
    plan = Plan(configs, args.prints, args.repeat, args.keep, warmup=not args.quick)
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
