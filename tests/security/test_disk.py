"""A read-only WANDB_DIR is a clear error at init; a disk that fills up during a run stops logging with
one warning while the program goes on, keeps the rows written before whole, and finish() returns.

Tests run as root here, and root writes through chmod: children that must meet a read-only folder
lose every capability first (their bounding set is emptied before exec, as ``setpriv
--bounding-set=-all`` does), so uid 0 obeys file modes like any user. A child switched to an
unprivileged uid would not do: the interpreter lives under /root (mode 0700).
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import wandb_jupyter as wandb
from wandb_jupyter.rundir import _rundir

CHILD_TIMEOUT = 120


def _drop_privileges() -> None:
    """preexec_fn: as root, empty the capability bounding set, so the exec'd child has no capabilities."""
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    pr_capbset_drop = 24
    for cap in range(64):
        if libc.prctl(pr_capbset_drop, cap, 0, 0, 0) != 0 and ctypes.get_errno() != errno.EINVAL:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def _run_child(script: str, env: dict[str, str], cwd: Path, *, preexec=None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT,
        preexec_fn=preexec,
    )


def _history_rows(root: Path) -> tuple[list[dict], bytes]:
    data = (root / "files" / "wandb-history.jsonl").read_bytes()
    return [json.loads(line) for line in data.split(b"\n")[:-1]], data


INIT_READ_ONLY = """
    import sys
    import wandb_jupyter as wandb
    try:
        wandb.init(mode="offline", project="ro")
    except wandb.RunDirError as error:
        print("RunDirError:", error)
        sys.exit(3)
    print("init worked")
"""


@pytest.mark.parametrize("layout", ["dir-read-only", "wandb-folder-read-only", "missing-under-read-only"])
def test_read_only_wandb_dir_is_a_clear_error_at_init(tmp_path: Path, env_for_subprocess, layout: str) -> None:
    parent = tmp_path / "readonly"
    parent.mkdir()
    target = parent
    if layout == "wandb-folder-read-only":
        (parent / "wandb").mkdir()
        os.chmod(parent / "wandb", 0o555)
    elif layout == "missing-under-read-only":
        target = parent / "not-yet"
    os.chmod(parent, 0o555)
    env = {**env_for_subprocess, "WANDB_DIR": str(target), "WANDB_CONSOLE": "off"}
    try:
        result = _run_child(INIT_READ_ONLY, env, tmp_path, preexec=_drop_privileges)
    finally:
        os.chmod(parent, 0o755)
    assert result.returncode == 3, (result.stdout, result.stderr)
    message = result.stdout.strip()
    assert message.count("\n") == 0 and "Permission denied" in message
    assert str(target / "wandb") in message and "WANDB_DIR" in message, message
    assert "Traceback" not in result.stderr
    assert not list(target.glob("wandb/*run-*"))


def test_the_privilege_drop_works(tmp_path: Path, env_for_subprocess) -> None:
    """The check above can fail: without the drop, root would write to the read-only folder."""
    folder = tmp_path / "ro"
    folder.mkdir(mode=0o555)
    os.chmod(folder, 0o555)
    probe = "import os, sys; open(sys.argv[1] + '/x', 'w')"
    dropped = subprocess.run(
        [sys.executable, "-c", probe, str(folder)],
        env=env_for_subprocess,
        capture_output=True,
        preexec_fn=_drop_privileges,
        timeout=CHILD_TIMEOUT,
    )
    assert dropped.returncode != 0 and b"Permission denied" in dropped.stderr
    os.chmod(folder, 0o755)


LOG_UNTIL_FULL = """
    import json, os, sys, resource, signal
    limit = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    if limit:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit fail with EFBIG instead
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    import wandb_jupyter as wandb
    run = wandb.init(mode="offline", project="full")
    run.config["lr"] = 0.01
    for i in range(4000):
        run.log({"i": i, "pad": "x" * 300})
        if i % 400 == 0:
            print(f"still running at {i}", flush=True)
            run.summary["best"] = i
    run.finish()
    print(json.dumps({"done": True, "dir": str(run.paths.root), "exit_code": run.exit_code}), flush=True)
"""


def _check_stopped_once(result: subprocess.CompletedProcess[str], reason: str) -> Path:
    """The program ran to its end, warned once, and its history holds rows 0..k-1, whole."""
    assert result.returncode == 0, result.stderr
    last = json.loads(result.stdout.strip().splitlines()[-1])
    assert last["done"] and last["exit_code"] == 0
    assert "still running at 3600" in result.stdout  # the program went on after logging stopped
    warnings = [line for line in result.stderr.splitlines() if "WARNING" in line]
    assert len(warnings) == 1, result.stderr
    assert "logging stopped" in warnings[0] and reason in warnings[0], warnings[0]
    assert "Traceback" not in result.stderr and "Logging error" not in result.stderr, result.stderr
    root = Path(last["dir"])
    rows, data = _history_rows(root)
    assert data.endswith(b"\n")  # no torn line
    assert 0 < len(rows) < 4000
    assert [row["i"] for row in rows] == list(range(len(rows)))
    assert f"the {len(rows)} rows logged before are kept" in warnings[0]
    return root


def test_file_size_limit_during_a_run(tmp_path: Path, env_for_subprocess) -> None:
    """RLIMIT_FSIZE with SIGXFSZ ignored: the history file hits EFBIG part-way through a row."""
    limit = 256 * 1024 + 77  # not on a row boundary: one write is cut short
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(LOG_UNTIL_FULL), str(limit)],
        cwd=tmp_path,
        env=env_for_subprocess,
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT,
    )
    root = _check_stopped_once(result, "File too large")
    assert (root / "files" / "wandb-history.jsonl").stat().st_size <= limit
    assert "still running at 0" in (root / "files" / "output.log").read_text()  # capture kept what it had


class _FillingDisk:
    """Stands in for ``os`` in _rundir: ``write`` behaves like a disk with ``free`` bytes left
    (a short write at the boundary, then ENOSPC); everything else is the real ``os``."""

    def __init__(self, free: int) -> None:
        self.free = free

    def write(self, fd: int, data) -> int:
        if self.free <= 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        count = min(len(data), self.free)
        self.free -= count
        return os.write(fd, bytes(data[:count]))

    def __getattr__(self, name: str):
        return getattr(os, name)


def test_disk_full_injected_into_writes(isolated: Path, monkeypatch: pytest.MonkeyPatch, wandb_warnings) -> None:
    run = wandb.init(mode="offline", project="full", settings={"console": "off"})
    run.log({"i": 0, "pad": "x" * 100})
    row_size = (run.paths.file("wandb-history.jsonl")).stat().st_size
    monkeypatch.setattr(_rundir, "os", _FillingDisk(free=int(row_size * 9.5)))
    for i in range(1, 50):
        assert run.log({"i": i, "pad": "x" * 100}) is None  # never raises
    run.finish()
    assert run.finished and run.exit_code == 0
    rows, data = _history_rows(run.paths.root)
    assert data.endswith(b"\n") and [row["i"] for row in rows] == list(range(10))  # the half row was taken back
    messages = [record.getMessage() for record in wandb_warnings]
    assert len(messages) == 1 and "No space left on device" in messages[0], messages
    assert "the 10 rows logged before are kept" in messages[0]


@pytest.fixture
def small_file_system(tmp_path: Path):
    """A 512 KiB tmpfs (root with mount rights only): a disk that really fills up, for every file."""
    mount_point = tmp_path / "small-fs"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(mount_point)], capture_output=True, text=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], capture_output=True)


def test_a_file_system_that_fills_up_during_a_run(tmp_path: Path, env_for_subprocess, small_file_system: Path) -> None:
    """ENOSPC for every file (history, summary, config, console output, metrics, debug logs)."""
    env = {**env_for_subprocess, "WANDB_DIR": str(small_file_system), "WANDB_X_STATS_SAMPLING_INTERVAL": "0.05"}
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(LOG_UNTIL_FULL)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT,
    )
    root = _check_stopped_once(result, "No space left on device")
    assert not list((root / "files").glob(".*.tmp"))  # no half-written temporary files left behind

    # and a run started on the full disk is a clear error at init
    full = _run_child(INIT_READ_ONLY.replace("wandb.RunDirError", "wandb.WandbJupyterError"), env, tmp_path)
    assert full.returncode == 3, (full.stdout, full.stderr)
    assert "No space left on device" in full.stdout and str(small_file_system) in full.stdout
    assert "Traceback" not in full.stderr
