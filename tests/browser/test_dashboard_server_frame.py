"""``%wandb_server``'s frame in JupyterLab logs in again when the notebook is reopened.

The frame points at Jupyter's ``wandb/_server/<port>``, which mints a fresh single-use
ticket at each load: the saved notebook holds no ticket or token, and reopening it (the
output re-rendered from the file) shows the dashboard, not a spent ticket's error page.
"""

from __future__ import annotations

import json
import re

import pytest

from .conftest import UI_TIMEOUT_MS, expect_ui, poll
from .test_dashboard import _stop_servers

pytestmark = pytest.mark.browser


def test_a_reopened_notebooks_server_frame_logs_in_again(lab, tmp_path) -> None:
    expect = expect_ui()
    data_dir = tmp_path / "frame-server"
    lab.write_notebook("frame.ipynb", [f"%wandb_server --data-dir {data_dir} --height 400"])
    lab.open_notebook("frame.ipynb")
    try:
        lab.run_all(timeout_ms=UI_TIMEOUT_MS * 3)
        poll(lambda: lab.cell_outputs() and lab.cell_outputs()[0], timeout=60, what="the server's output")
        frame = lab.cell_output(0).frame_locator("iframe")
        expect(frame.locator("main.page h1")).to_have_text("Projects", timeout=UI_TIMEOUT_MS)
        src = lab.cell_output(0).locator("iframe").get_attribute("src")
        assert re.search(r"/wandb/_server/\d+$", src or ""), src
        lab.command("docmanager:save")
        saved = json.loads((lab.server.root / "frame.ipynb").read_text())
        html = "".join(saved["cells"][0]["outputs"][-1]["data"]["text/html"])
        frame_src = re.search(r'<iframe src="([^"]+)"', html).group(1)  # type: ignore[union-attr]
        assert "ticket=" not in frame_src and "token=" not in frame_src, frame_src

        # reopen: the saved output renders again and its frame logs in with a new ticket
        lab.open_notebook("frame.ipynb", wait_idle=False)
        frame = lab.cell_output(0).frame_locator("iframe")
        expect(frame.locator("main.page h1")).to_have_text("Projects", timeout=UI_TIMEOUT_MS)
        lab.screenshot("dashboard_server_frame_reopened.png", lab.cell_output(0))
    finally:
        _stop_servers(lab, data_dir)
