"""Runs in kernels: finished at shutdown and restart with the right exit code; failing cells are recorded."""

from __future__ import annotations

import json
import os
from pathlib import Path

from conftest import stream_text


def _summary(root: Path) -> dict:
    return json.loads((root / "files" / "wandb-summary.json").read_text())


def test_kernel_shutdown_finishes_an_open_run_with_exit_code_0(execute_notebook) -> None:
    nb = execute_notebook(
        ["import wandb_jupyter as w\nrun = w.init(mode='offline')\nrun.log({'a': 1})\nprint(run.paths.root)"]
    )
    summary = _summary(Path(stream_text(nb.cells[0]).strip()))
    assert summary["_wandb"]["exitcode"] == 0 and summary["a"] == 1


def test_an_exception_in_a_cell_keeps_the_run_and_is_recorded(execute_notebook) -> None:
    nb = execute_notebook(
        [
            "import wandb_jupyter as w\nrun = w.init(mode='offline')\nprint(run.paths.root)",
            "raise ValueError('bad batch')",
            "run.log({'after': 1})\nprint(run.finished)",
        ],
        allow_errors=True,
    )
    root = Path(stream_text(nb.cells[0]).strip())
    assert stream_text(nb.cells[2]) == "False\n"
    output = (root / "files" / "output.log").read_text()
    assert "ERROR" in output and "ValueError: bad batch" in output
    assert "bad batch" in (root / "logs" / "debug.log").read_text()
    assert _summary(root)["_wandb"]["exitcode"] == 0, "the session went on after the failure"


def test_shutdown_after_a_failing_last_cell_means_exit_code_1(execute_notebook) -> None:
    nb = execute_notebook(
        [
            "import wandb_jupyter as w\nrun = w.init(mode='offline')\nprint(run.paths.root)",
            "1 / 0",
        ],
        allow_errors=True,
    )
    assert _summary(Path(stream_text(nb.cells[0]).strip()))["_wandb"]["exitcode"] == 1


def test_kernel_restart_finishes_the_run(isolated) -> None:
    from jupyter_client.manager import KernelManager

    manager = KernelManager(kernel_name="python3")
    manager.start_kernel(cwd=str(isolated), env=dict(os.environ))
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        root = []

        def collect(message):
            if message["msg_type"] == "stream":
                root.append(message["content"]["text"])

        client.execute_interactive(
            "import wandb_jupyter as w\nrun = w.init(mode='offline')\nrun.log({'x': 1})\nprint(run.paths.root)",
            output_hook=collect,
            timeout=60,
        )
        manager.restart_kernel(now=False)
        summary = _summary(Path("".join(root).strip()))
        assert summary["_wandb"]["exitcode"] == 0 and summary["x"] == 1
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
