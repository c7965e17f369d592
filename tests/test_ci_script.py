"""The CI script (.ci/run) on a machine where another apt process is busy."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DPKG_LOCK = Path("/var/lib/dpkg/lock-frontend")


@pytest.mark.skipif(
    os.geteuid() != 0
    or shutil.which("apt-get") is None
    or shutil.which("dpkg-query") is None
    or not DPKG_LOCK.exists(),
    reason="needs root and Debian's apt",
)
def test_ci_waits_for_the_dpkg_lock_instead_of_failing(tmp_path) -> None:
    """Issue 19: `.ci/run` failed at once when another apt process held the dpkg lock."""
    run = (REPO / ".ci" / "run").read_text()
    assert "apt-get install" not in run.replace(".ci/apt-get install", ""), (
        "every apt-get in .ci/run goes through the wait"
    )
    installed = subprocess.run(
        ["dpkg-query", "-W", "-f", "${Package}\\n", "bash"], capture_output=True, text=True, check=True
    ).stdout.strip()
    with open(DPKG_LOCK, "w") as lock:  # what another apt-get install holds while it runs
        fcntl.lockf(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        threading.Timer(2.0, lambda: fcntl.lockf(lock, fcntl.LOCK_UN)).start()
        started = time.monotonic()
        done = subprocess.run(
            [str(REPO / ".ci" / "apt-get"), "install", "-y", "--no-download", "--no-upgrade", installed],
            capture_output=True,
            text=True,
            timeout=300,
            env={**os.environ, "APT_LOCK_WAIT": "120"},
        )
        waited = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    assert "0 newly installed" in done.stdout, done.stdout
    assert waited >= 1.5, "it waited for the lock"
