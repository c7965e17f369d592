"""``%wandb_server`` beside a notebook whose runs are offline: they are in the kernel's ``wandb/`` folder,
not on the server, so its output links to them in the dashboard inside Jupyter (no upload needed)."""

from __future__ import annotations

import re

import pytest

from .conftest import UI_TIMEOUT_MS, expect_ui, poll
from .test_dashboard import _stop_servers

pytestmark = pytest.mark.browser

CELLS = [
    "import wandb_jupyter as wandb\n"
    "run = wandb.init(project='beside', name='kernel-run', mode='offline')\n"
    "run.log({'loss': 0.5})\nrun.finish()",
]


def test_wandb_server_links_to_the_kernels_offline_runs(lab, tmp_path) -> None:
    expect = expect_ui()
    data_dir = tmp_path / "beside-server"
    lab.write_notebook("beside.ipynb", [*CELLS, f"%wandb_server --data-dir {data_dir} --height 300"])
    lab.open_notebook("beside.ipynb")
    try:
        lab.run_all(timeout_ms=UI_TIMEOUT_MS * 3)
        poll(lambda: len(lab.cell_outputs()) > 1 and lab.cell_outputs()[1], timeout=60, what="the server's output")
        note = lab.cell_output(1).locator('[data-testid="kernel-runs"]')
        expect(note).to_contain_text("1 offline run in")
        link = note.locator("a")
        href = link.get_attribute("href") or ""
        assert re.search(r"/wandb/[^/]+/beside$", href), href
        lab.screenshot("dashboard_server_kernel_runs.png", lab.cell_output(1))
        lab.page.goto(href)
        expect(lab.page.locator('[data-testid="run-row"]', has_text="kernel-run")).to_have_count(1)
    finally:
        _stop_servers(lab, data_dir)
