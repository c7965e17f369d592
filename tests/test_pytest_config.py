"""The suite's own configuration: no test can hang it."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def test_every_test_gets_a_timeout(tmp_path) -> None:
    """Issue 19: a test waiting on a child that never ends hung the suite; pyproject gives every test a limit."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    check = tmp_path / "test_limit.py"
    check.write_text(
        textwrap.dedent(
            """
            def test_limit(request):
                assert request.config.pluginmanager.hasplugin("timeout"), "pytest-timeout is installed"
                assert request.config.getini("timeout") == "600"
            """
        )
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:randomly",
            "-c",
            str(root / "pyproject.toml"),
            "--rootdir",
            str(tmp_path),
            str(check),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
