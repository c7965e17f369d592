"""The browser fixtures themselves: a notebook written, opened, run cell by cell and all at once."""

from __future__ import annotations

import pytest

from .conftest import LabPage

pytestmark = pytest.mark.browser


def test_run_focused_cell_then_all_and_read_outputs(lab: LabPage) -> None:
    lab.write_notebook("cells.ipynb", ["print('one', 1 + 1)", "import os\nprint(os.getcwd())", "'last'"])
    lab.open_notebook("cells.ipynb")
    assert lab.cell_outputs() == [[], [], []]

    lab.select_cell(1)
    lab.run_focused_cell()
    outputs = lab.cell_outputs()
    assert outputs[0] == [] and outputs[2] == []
    assert [text.strip() for text in outputs[1]] == [str(lab.server.root)]  # the kernel starts in the root

    lab.run_all()
    assert [[text.strip() for text in cell] for cell in lab.cell_outputs()] == [
        ["one 2"],
        [str(lab.server.root)],
        ["'last'"],
    ]
    assert lab.kernel_status() == "idle"
    assert lab.page_errors == []


INTERRUPTED = """
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser


def test_waits(lab):
    lab.page.goto(lab.server.lab_url())
    Path(__file__).with_name("ready").write_text(str(lab.server.process.pid))
    time.sleep(120)
"""


def test_ctrl_c_stops_pytest_and_leaves_the_browser_and_lab_to_teardown(tmp_path) -> None:
    """Issue 19: Ctrl-C during the browser tests. The terminal sends SIGINT to pytest's whole process
    group: the Playwright driver and JupyterLab died of it too, and the run went on with broken fixtures.
    Now they run in sessions of their own: pytest alone is interrupted and its teardown closes them."""
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    from .conftest import browser_missing, jupyterlab_missing

    reason = browser_missing() or jupyterlab_missing()
    if reason:
        pytest.skip(reason)
    here = Path(__file__).resolve().parent
    inner = here / f"test_zz_interrupted_{os.getpid()}.py"  # beside conftest.py, for its fixtures
    inner.write_text(INTERRUPTED)
    ready = inner.with_name("ready")
    try:
        child = subprocess.Popen(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider", str(inner)],
            cwd=here.parents[1],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # a process group of its own, as a terminal's foreground job
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        deadline = time.monotonic() + 300
        while not ready.exists() and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert ready.exists(), child.communicate(timeout=60)[0]
        lab_pid = int(ready.read_text())
        os.killpg(child.pid, signal.SIGINT)  # Ctrl-C
        output = child.communicate(timeout=120)[0]
    finally:
        inner.unlink(missing_ok=True)
        ready.unlink(missing_ok=True)
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
    assert "KeyboardInterrupt" in output, output
    assert "Connection closed" not in output and "TargetClosedError" not in output, output
    time.sleep(1)
    with pytest.raises(ProcessLookupError):
        os.kill(lab_pid, 0)  # JupyterLab was stopped by the teardown
