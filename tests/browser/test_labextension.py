"""The JupyterLab extension in a real JupyterLab: notebook path over the comm, status bar, run pages, commands.

Every test has its own server and folders. Runs have no pages offline yet, so a
cell gives ``Run.url`` a page served by a tiny loopback HTTP server here (as
tests/notebook/test_show_run.py does). Screenshots land in test-artifacts/.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from .conftest import LabPage, poll

pytestmark = pytest.mark.browser

STATUS = ".jp-wandb-RunStatus"
RUN_PAGE = ".jp-wandb-RunPage"


@pytest.fixture
def lab_env() -> dict[str, str]:
    return {"WANDB_MODE": "offline"}


class RunPages:
    """Pages on 127.0.0.1: ``/run/<name>`` can be framed; ``/deny/<name>`` refuses frames (and says so via CORS)."""

    def __init__(self) -> None:
        pages = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                pages.requests.append(self.path)
                body = (
                    f"<!doctype html><title>run page</title><h1>W&amp;B run page {self.path}</h1>"
                    "<p>served by the test</p>"
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                if self.path.startswith("/deny/"):
                    self.send_header("X-Frame-Options", "DENY")
                    self.send_header("Access-Control-Allow-Origin", "*")
                    self.send_header("Access-Control-Expose-Headers", "X-Frame-Options")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.requests: list[str] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_port}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def run_pages() -> Iterator[RunPages]:
    pages = RunPages()
    yield pages
    pages.close()


def set_url(url: str) -> str:
    """A cell that gives every run ``url`` as its page."""
    return f"from wandb_jupyter.core._run import Run\nRun.url = property(lambda self: {url!r})"


def status_item(lab: LabPage):
    return lab.page.locator(STATUS)


def wait_connected(lab: LabPage) -> None:
    """The extension has probed the kernel and the kernel answered over the comm: the status item shows up."""
    from playwright.sync_api import expect

    expect(status_item(lab)).to_be_visible(timeout=30_000)
    expect(status_item(lab)).to_have_text("W&B: no run")


def run_dirs(root: Path) -> list[Path]:
    return sorted(p for p in root.glob("wandb/*run-*") if not p.is_symlink())


def test_path_from_the_comm_status_bar_and_finish(lab: LabPage) -> None:
    from playwright.sync_api import expect

    lab.write_notebook(
        "lab_check.ipynb",
        [
            "%wandb_init",
            "import json, wandb_jupyter as w\n"
            "print(json.dumps({'name': w.run.name, 'notebook': w.run.settings.notebook_name,"
            " 'source': w.run.settings.origin('notebook_name').detail}))",
            "for i in range(3):\n    w.log({'loss': 1 / (i + 1)})",
        ],
    )
    lab.open_notebook("lab_check.ipynb")
    wait_connected(lab)  # no import, no %load_ext: the extension's probe registered the magics
    assert "WANDB_NOTEBOOK_NAME" not in lab.server.env

    lab.run_all()
    outputs = lab.cell_outputs()
    seen = json.loads(outputs[1][-1])
    assert seen == {
        "name": "lab_check-1",
        "notebook": str(lab.server.root / "lab_check.ipynb"),
        "source": "extension",
    }, outputs
    (run_dir,) = run_dirs(lab.server.root)
    metadata = json.loads((run_dir / "files" / "wandb-metadata.json").read_text())
    assert metadata["program"] == str(lab.server.root / "lab_check.ipynb")
    poll(
        lambda: (
            (run_dir / "files" / "code" / "lab_check.ipynb").is_file()
            or any((run_dir / "files" / "code").rglob("lab_check.ipynb"))
        ),
        timeout=10,
        what="the notebook snapshot",
    )

    item = status_item(lab)
    expect(item).to_have_text("W&B: lab_check-1 · running · 3 steps · offline")
    expect(item).to_have_attribute("data-run-state", "running")
    lab.screenshot("labext_status_running.png", lab.page.locator("#jp-main-statusbar"))

    # The offline run lies under the Lab root, so Jupyter's own dashboard has its page: it opens in a Lab tab.
    result = lab.command("wandb-jupyter:open-run-page")
    run_id = metadata["id"]
    assert result["opened"] == "lab" and result["url"].endswith(
        f"/wandb/{metadata['entity']}/{metadata['project']}/runs/{run_id}"
    ), result
    frame = lab.page.frame_locator(f"{RUN_PAGE} iframe")
    expect(frame.locator('[data-testid="chart"]').first).to_be_visible()
    expect(frame.get_by_text("lab_check-1").first).to_be_visible()

    # Finish from the palette command: the kernel finishes the run, the status item follows.
    assert lab.command("wandb-jupyter:finish-run") is True
    expect(item).to_have_text("W&B: lab_check-1 · finished · 3 steps · offline")
    summary = poll(
        lambda: (
            json.loads((run_dir / "files" / "wandb-summary.json").read_text()).get("_wandb", {}).get("exitcode") == 0
        ),
        timeout=15,
        what="the finished summary",
    )
    assert summary
    lab.screenshot("labext_status_finished.png", lab.page.locator("#jp-main-statusbar"))
    assert lab.page_errors == []


def test_run_page_opens_in_a_lab_tab_by_itself_and_by_command(start_lab, page, browser, run_pages) -> None:
    from playwright.sync_api import expect

    server = start_lab(env={"WANDB_MODE": "offline", "WANDB_SHOW_RUN": "true"})
    lab = LabPage(page, server)
    url = run_pages.url("/run/lab_check")
    lab.write_notebook("lab_check.ipynb", [set_url(url), "%wandb_init", "import wandb_jupyter as w\nw.log({'a': 1})"])
    lab.open_notebook("lab_check.ipynb")
    wait_connected(lab)
    lab.run_all()

    # WANDB_SHOW_RUN: the kernel asked the extension, which opened a Lab tab with the page
    tab = lab.page.locator(RUN_PAGE)
    expect(tab).to_have_count(1)
    frame = tab.locator("iframe")
    expect(frame).to_have_attribute("src", url)
    expect(lab.page.frame_locator(f"{RUN_PAGE} iframe").get_by_text("W&B run page /run/lab_check")).to_be_visible()
    expect(lab.page.locator(".lm-TabBar-tab.lm-mod-current", has_text="W&B: lab_check-1")).to_have_count(1)
    expect(status_item(lab)).to_have_text("W&B: lab_check-1 · running · 1 step · offline")
    html = "\n".join(text for outputs in lab.cell_outputs() for text in outputs)
    assert "run page" not in html  # no link and new-tab script in the cell: the front end handled it
    lab.screenshot("labext_run_page_tab.png")

    # close it; the command opens it again (and returns where it went)
    lab.page.evaluate(
        "() => { for (const w of Array.from(window.jupyterapp.shell.widgets('main')))"
        " if (w.hasClass('jp-wandb-RunPage')) w.close(); }"
    )
    expect(tab).to_have_count(0)
    lab.page.evaluate(
        "() => window.jupyterapp.shell.activateById("
        "Array.from(window.jupyterapp.shell.widgets('main')).find(w => w.hasClass('jp-NotebookPanel')).id)"
    )
    result = lab.command("wandb-jupyter:open-run-page")
    assert result == {"opened": "lab", "url": url}
    expect(tab).to_have_count(1)

    # a click on the status item opens (activates) the same tab, no second one
    lab.page.evaluate(
        "() => window.jupyterapp.shell.activateById("
        "Array.from(window.jupyterapp.shell.widgets('main')).find(w => w.hasClass('jp-NotebookPanel')).id)"
    )
    status_item(lab).click()
    expect(tab).to_have_count(1)
    expect(tab).to_be_visible()
    assert lab.page_errors == []


def test_a_page_that_refuses_frames_opens_in_a_browser_tab(lab: LabPage, run_pages: RunPages) -> None:
    url = run_pages.url("/deny/lab_check")
    lab.write_notebook("deny_check.ipynb", [set_url(url), "%wandb_init"])
    lab.open_notebook("deny_check.ipynb")
    wait_connected(lab)
    lab.run_all()
    with lab.page.context.expect_page(timeout=15_000) as opened:
        result = lab.command("wandb-jupyter:open-run-page")
    assert result == {"opened": "browser", "url": url}
    new_tab = opened.value
    new_tab.wait_for_load_state()
    assert new_tab.url == url
    assert lab.page.locator(RUN_PAGE).count() == 0
    new_tab.close()


def test_restart_rename_and_the_commands(lab: LabPage) -> None:
    from playwright.sync_api import expect

    lab.write_notebook("lab_check.ipynb", ["print('first cell')"])
    lab.open_notebook("lab_check.ipynb")
    wait_connected(lab)

    # "Insert %wandb_init cell": below the active cell, ready to run
    lab.select_cell(0)
    assert lab.command("wandb-jupyter:insert-init-cell") is True
    sources = lab.page.evaluate(
        "() => window.jupyterapp.shell.currentWidget.content.widgets.map(c => c.model.sharedModel.getSource())"
    )
    assert sources == ["print('first cell')", "%wandb_init"]
    lab.run_focused_cell()
    expect(status_item(lab)).to_have_text(re.compile(r"^W&B: lab_check-1 · running · 0 steps · offline$"))

    # a restart: the kernel is new, the extension connects again by itself (no run now)
    lab.page.evaluate("() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.restart()")
    expect(status_item(lab)).to_be_hidden()  # until the new kernel answers
    wait_connected(lab)
    lab.wait_kernel_idle()

    # a rename reaches the kernel: the next run is named after the new name
    lab.page.evaluate(
        "() => window.jupyterapp.serviceManager.contents.rename('lab_check.ipynb', 'renamed_check.ipynb')"
    )
    poll(
        lambda: lab.page.evaluate("() => window.jupyterapp.shell.currentWidget.context.path") == "renamed_check.ipynb",
        timeout=15,
        what="the notebook's new path in Lab",
    )
    lab.select_cell(1)
    lab.run_focused_cell()
    expect(status_item(lab)).to_have_text("W&B: renamed_check-1 · running · 0 steps · offline")

    # "Open W&B settings panel": a cell with the panel, run
    assert lab.command("wandb-jupyter:open-settings-panel") is True
    lab.wait_kernel_idle()
    sources = lab.page.evaluate(
        "() => window.jupyterapp.shell.currentWidget.content.widgets.map(c => c.model.sharedModel.getSource())"
    )
    assert sources[2] == "%wandb_settings", sources
    expect(lab.cell_output(2).get_by_role("button", name="Finish run")).to_be_visible(timeout=30_000)

    # the W&B menu and the palette know the commands
    lab.page.get_by_role("menuitem", name="W&B").click()
    for label in ("Insert %wandb_init cell", "Open W&B settings panel", "Open run page", "Finish run"):
        expect(lab.page.get_by_role("menuitem", name=label)).to_be_visible()
    lab.screenshot("labext_menu.png")
    lab.page.keyboard.press("Escape")
    assert lab.page.evaluate("() => window.jupyterapp.commands.hasCommand('wandb-jupyter:finish-run')")
    toolbar_button = lab.notebook.locator(".jp-Toolbar [data-command='wandb-jupyter:open-run-page']")
    expect(toolbar_button).to_have_count(1)
    assert lab.page_errors == []
