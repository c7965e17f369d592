"""Runs left open are finished at interpreter exit, with the right exit code."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from wandb_jupyter.rundir._rundir import HISTORY, OUTPUT, SUMMARY, read_jsonl


def _summary_of_only_run(cwd: Path) -> dict:
    (files,) = (cwd / "wandb").glob("offline-run-*/files")
    return json.loads((files / "wandb-summary.json").read_text())


def test_clean_exit_finishes_with_code_0(tmp_path, env_for_subprocess) -> None:
    script = "import wandb_jupyter as w; w.init(mode='offline'); w.log({'a': 1})"
    subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env_for_subprocess, check=True)
    summary = _summary_of_only_run(tmp_path)
    assert summary["_wandb"]["exitcode"] == 0 and summary["a"] == 1


def test_uncaught_exception_finishes_with_code_1(tmp_path, env_for_subprocess) -> None:
    script = "import wandb_jupyter as w; w.init(mode='offline'); w.log({'a': 1}); raise SystemError('boom')"
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, env=env_for_subprocess, capture_output=True, text=True
    )
    assert result.returncode == 1 and "SystemError: boom" in result.stderr
    assert _summary_of_only_run(tmp_path)["_wandb"]["exitcode"] == 1


def test_cli_lists_states(tmp_path, env_for_subprocess) -> None:
    ok = "import wandb_jupyter as w; w.init(mode='offline', name='good')"
    bad = "import wandb_jupyter as w; w.init(mode='offline', name='bad'); raise ValueError"
    crash = "import os, wandb_jupyter as w; w.init(mode='offline', name='gone'); w.log({'a': 1}); os._exit(3)"
    for script in (ok, bad, crash):
        subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env_for_subprocess, capture_output=True)
    out = subprocess.run(
        [sys.executable, "-m", "wandb_jupyter", "runs", "--json"],
        cwd=tmp_path,
        env=env_for_subprocess,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    states = {run["name"]: (run["state"], run["steps"]) for run in json.loads(out)}
    assert states == {"good": ("finished", 0), "bad": ("failed", 0), "gone": ("crashed", 1)}


# --- signals and sys.exit (src/wandb_jupyter/_exit.py) ----------------------------------------------

LOGGING_FOREVER = """
import wandb_jupyter as w
run = w.init(mode="offline", project="p")
i = 0
while True:
    run.log({"i": i})
    print(f"row {i}")
    i += 1
"""


def _default_signals() -> None:
    """In the child before exec: SIGTERM and SIGHUP as a fresh shell gives them, whatever the test inherited
    (under ``nohup`` SIGHUP is ignored, and the library rightly leaves an ignored signal ignored)."""
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.SIG_DFL)


def _start(script: str, cwd: Path, env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=cwd,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=_default_signals,
    )


#: A child still running this long after its signal failed the test (it would log without end).
CHILD_PATIENCE = 60.0


def _rest(child: subprocess.Popen) -> tuple[str, str]:
    """Everything the child prints from here on (through the reader's buffer, which communicate() skips).

    A child that outlives :data:`CHILD_PATIENCE` is killed, so a signal that went unheard fails the test
    instead of hanging it while the child fills the disk.
    """
    import threading

    guard = threading.Timer(CHILD_PATIENCE, child.kill)
    guard.start()
    try:
        rest, errors = child.stdout.read(), child.stderr.read()
        child.wait()
    finally:
        guard.cancel()
    return rest, errors


def _read_until(stream, wanted: str) -> str:
    for line in stream:
        if line.startswith(wanted):
            return line
    raise AssertionError(f"the child ended before printing {wanted!r}")


def _only_run(cwd: Path):
    from wandb_jupyter.rundir._local_runs import list_local_runs

    (run,) = list_local_runs(cwd / "wandb")
    return run


@pytest.mark.parametrize("inherited", ["default", "ignored"])
@pytest.mark.parametrize("name", ["SIGTERM", "SIGHUP"])
def test_sigterm_finishes_the_run_and_the_process_still_dies_by_it(
    tmp_path, env_for_subprocess, name, inherited
) -> None:
    """``inherited="ignored"``: the test itself runs as under ``nohup`` (SIGHUP ignored); its child must not be."""
    signum = getattr(signal, name)
    previous = signal.signal(signum, signal.SIG_IGN) if inherited == "ignored" else None
    try:
        child = _start(LOGGING_FOREVER, tmp_path, env_for_subprocess)
    finally:
        if previous is not None:
            signal.signal(signum, previous)
    _read_until(child.stdout, "row 300")
    child.send_signal(signum)
    rest, errors = _rest(child)
    assert child.returncode == -signum, errors  # the parent sees the signal, as without a run
    printed = [line for line in rest.splitlines() if line.startswith("row ")]
    last = int(printed[-1].split()[1]) if printed else 300
    run = _only_run(tmp_path)
    assert (run.state, run.exit_code) == ("failed", 128 + signum)
    rows = read_jsonl(run.paths.file(HISTORY))
    assert [row["_step"] for row in rows] == list(range(len(rows))) and len(rows) >= last + 1
    assert all(row["i"] == row["_step"] for row in rows)
    output = run.paths.file(OUTPUT).read_text().splitlines()
    assert any(line.endswith(f" row {last}") for line in output[-3:]), output[-3:]
    assert json.loads(run.paths.file(SUMMARY).read_text())["i"] == len(rows) - 1


def test_a_programs_own_sigterm_handler_is_kept(tmp_path, env_for_subprocess) -> None:
    script = """
import signal, sys, time, wandb_jupyter as w
def mine(signum, frame):
    print("my handler ran", flush=True)
    sys.exit(5)
signal.signal(signal.SIGTERM, mine)
w.init(mode="offline", project="p")
print("kept:", signal.getsignal(signal.SIGTERM) is mine, flush=True)
while True:
    time.sleep(0.05)
"""
    child = _start(script, tmp_path, env_for_subprocess)
    assert _read_until(child.stdout, "kept:").split() == ["kept:", "True"]
    child.send_signal(signal.SIGTERM)
    rest, errors = _rest(child)
    assert child.returncode == 5 and "my handler ran" in rest, errors
    assert (_only_run(tmp_path).state, _only_run(tmp_path).exit_code) == ("failed", 5)


def test_a_handler_installed_later_that_calls_ours_on_keeps_control(tmp_path, env_for_subprocess) -> None:
    """PyTorch Lightning chains to the handler it found: SIGTERM asks it to stop training, not to die."""
    script = """
import signal, time, wandb_jupyter as w
run = w.init(mode="offline", project="p")
found = signal.getsignal(signal.SIGTERM)
stopping = []
def framework(signum, frame):
    stopping.append(signum)
    found(signum, frame)
signal.signal(signal.SIGTERM, framework)
print("ready", flush=True)
while not stopping:
    time.sleep(0.05)
run.log({"after_the_signal": 1})
print("stopped gracefully", flush=True)
"""
    child = _start(script, tmp_path, env_for_subprocess)
    _read_until(child.stdout, "ready")
    child.send_signal(signal.SIGTERM)
    rest, errors = _rest(child)
    assert child.returncode == 0 and "stopped gracefully" in rest, errors
    run = _only_run(tmp_path)
    assert (run.state, run.exit_code, run.steps) == ("finished", 0, 1)


def test_the_hooks_are_put_back_when_the_last_run_finishes(tmp_path, env_for_subprocess) -> None:
    script = """
import json, signal, sys, wandb_jupyter as w
before = (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGHUP), sys.exit)
first = w.init(mode="offline", project="p")
second = w.init(mode="offline", project="p", reinit="create_new")
during = (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGHUP), sys.exit)
first.finish()
still = (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGHUP), sys.exit)
second.finish()
after = (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGHUP), sys.exit)
print(json.dumps({"during": [a is not b for a, b in zip(before, during)], "still": still == during,
                  "after": after == before, "signature": str(__import__("inspect").signature(during[2]))}))
"""
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, env=env_for_subprocess, capture_output=True, text=True, check=True
    )
    seen = json.loads(result.stdout.splitlines()[-1])
    assert seen == {"during": [True, True, True], "still": True, "after": True, "signature": "(status=None, /)"}


@pytest.mark.parametrize(
    "call, code, state",
    [
        ("sys.exit(3)", 3, "failed"),
        ("sys.exit(0)", 0, "finished"),
        ("sys.exit()", 0, "finished"),
        ("sys.exit(None)", 0, "finished"),
        ("sys.exit('bad input')", 1, "failed"),
    ],
)
def test_sys_exit_gives_the_run_its_exit_code(tmp_path, env_for_subprocess, call, code, state) -> None:
    script = f"import sys, wandb_jupyter as w; w.init(mode='offline'); w.log({{'a': 1}}); {call}"
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, env=env_for_subprocess, capture_output=True, text=True
    )
    assert result.returncode == code  # the wrapper changes nothing the program sees
    assert ("bad input" in result.stderr) == ("bad input" in call)
    run = _only_run(tmp_path)
    assert (run.state, run.exit_code, run.steps) == (state, code, 1)


def test_sys_exit_in_a_thread_ends_only_the_thread(tmp_path, env_for_subprocess) -> None:
    script = (
        "import sys, threading, wandb_jupyter as w; w.init(mode='offline');"
        "t = threading.Thread(target=sys.exit, args=(4,)); t.start(); t.join()"
    )
    subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env_for_subprocess, check=True)
    assert (_only_run(tmp_path).state, _only_run(tmp_path).exit_code) == ("finished", 0)


def test_a_forked_child_killed_by_sigterm_leaves_the_parents_run_alone(tmp_path, env_for_subprocess) -> None:
    script = """
import json, os, signal, time, wandb_jupyter as w
run = w.init(mode="offline", project="p")
run.log({"before": 1})
reader, writer = os.pipe()
pid = os.fork()
if pid == 0:
    os.write(writer, b"x")
    while True:
        time.sleep(0.05)
os.read(reader, 1)
os.kill(pid, signal.SIGTERM)
_, status = os.waitpid(pid, 0)
print("child", os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGTERM, flush=True)
summary = json.loads(open(os.path.join(run.dir, "wandb-summary.json")).read())
print("ended by the child:", "exitcode" in summary["_wandb"], flush=True)
run.log({"after": 1})
"""
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, env=env_for_subprocess, capture_output=True, text=True, check=True
    )
    assert "child True" in result.stdout and "ended by the child: False" in result.stdout
    run = _only_run(tmp_path)
    assert (run.state, run.exit_code, run.steps) == ("finished", 0, 2)


def test_a_forked_child_exiting_normally_leaves_the_parents_run_alone(tmp_path, env_for_subprocess) -> None:
    script = """
import json, os, wandb_jupyter as w
run = w.init(mode="offline", project="p")
run.log({"before": 1})
pid = os.fork()
if pid == 0:
    raise SystemExit(0)  # the child's interpreter exits normally: atexit runs in it
os.waitpid(pid, 0)
summary = json.loads(open(os.path.join(run.dir, "wandb-summary.json")).read())
print("ended by the child:", "exitcode" in summary["_wandb"], flush=True)
run.log({"after": 1})
"""
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, env=env_for_subprocess, capture_output=True, text=True, check=True
    )
    assert "ended by the child: False" in result.stdout, result.stdout + result.stderr
    run = _only_run(tmp_path)
    assert (run.state, run.exit_code, run.steps) == ("finished", 0, 2)
