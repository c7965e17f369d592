"""The dashboard in headless Chromium: standalone (``wandb-jupyter server``) and inside JupyterLab.

Runs come from our client (online and offline) and from the real W&B SDK; the
pages are checked against what was logged: rows of the runs table, points drawn
per chart, config and console output, a chart that grows while its run logs, a
script payload in a name and in notes that stays text, and ``%wandb_server``
reusing its server with the dashboard framed in the notebook.
Screenshots land in ``test-artifacts/``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

import wandb_jupyter as wandb
from dashboard.conftest import Standalone, offline_run, run_child, server_env, standalone  # noqa: F401 (fixtures)

from .conftest import UI_TIMEOUT_MS, artifact_path, chart_of, expect_ui, poll, sign_in, use_server_online

pytestmark = pytest.mark.browser

SDK_ROWS = 120
OUR_ROWS = 150

SDK_SCRIPT = f"""
import wandb
run = wandb.init(project="dash", name="sdk-run", config={{"lr": 0.01, "net": {{"depth": 3}}}})
for i in range({SDK_ROWS}):
    run.log({{"loss": 1.0 / (i + 1), "acc": i / {SDK_ROWS}}})
print("hello from the sdk run")
run.finish()
print("RUN", run.id)
"""


def _points(page: Any, metric: str) -> int:
    return int(chart_of(page, metric).get_attribute("data-points") or 0)


def test_runs_of_our_client_and_of_the_wandb_sdk_have_tables_charts_config_and_output(
    page, standalone: Standalone, monkeypatch, server_env, tmp_path
) -> None:
    pytest.importorskip("wandb")
    expect = expect_ui()
    use_server_online(monkeypatch, standalone)
    run = wandb.init(project="dash", name="our-run", config={"lr": 0.1, "optimizer": "adam"})
    for i in range(OUR_ROWS):
        run.log({"loss": 2.0 / (i + 1), "acc": i / OUR_ROWS})
    print("hello from our run")
    run.finish()
    sdk_dir = tmp_path / "sdk"
    sdk_dir.mkdir()
    done = run_child(
        SDK_SCRIPT,
        cwd=sdk_dir,
        env={
            **server_env,
            "WANDB_BASE_URL": standalone.url,
            "WANDB_API_KEY": standalone.key,
            "WANDB_DIR": str(sdk_dir),
        },
    )
    sdk_id = re.search(r"^RUN (\S+)$", done.stdout, re.M).group(1)  # type: ignore[union-attr]

    sign_in(page, standalone)
    page.goto(f"{standalone.url}/admin/dash")
    rows = page.locator('[data-testid="run-row"]')
    expect(rows).to_have_count(2)
    expect(page.locator(f'[data-testid="run-row"][data-run-id="{run.id}"]')).to_contain_text("our-run")
    expect(page.locator(f'[data-testid="run-row"][data-run-id="{sdk_id}"]')).to_contain_text("sdk-run")
    assert [rows.nth(i).get_attribute("data-state") for i in range(2)] == ["finished", "finished"]
    page.screenshot(path=str(artifact_path("dashboard_runs_table.png")), full_page=True)

    for run_id, name, rows_logged, lr, printed in (
        (run.id, "our-run", OUR_ROWS, "0.1", "hello from our run"),
        (sdk_id, "sdk-run", SDK_ROWS, "0.01", "hello from the sdk run"),
    ):
        page.goto(f"{standalone.url}/admin/dash")
        page.locator(f'[data-testid="run-row"][data-run-id="{run_id}"] a', has_text=name).first.click()
        page.wait_for_url(f"{standalone.url}/admin/dash/runs/{run_id}")
        for metric in ("loss", "acc"):
            expect(chart_of(page, metric)).to_have_attribute("data-points", str(rows_logged))
            assert chart_of(page, metric).locator("polyline, path").count() >= 1
        config = page.locator('[data-testid="config"]')
        expect(config).to_contain_text("lr")
        expect(config).to_contain_text(lr)
        expect(page.locator('[data-testid="output"]')).to_contain_text(printed)
        expect(page.locator('[data-testid="state"]').first).to_have_text("finished")
        page.screenshot(path=str(artifact_path(f"dashboard_run_{name}.png")), full_page=True)


CONSOLE_SCRIPT = """
import sys
import wandb_jupyter as wandb
run = wandb.init(project="console", name="console-run")
print("all is well")
print("something broke", file=sys.stderr)
print("still going")
run.finish()
print("RUN", run.id)
"""
STAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")


def test_console_output_hides_the_timestamps_marks_stderr_and_shows_stamps_on_request(
    page, standalone: Standalone, server_env, tmp_path
) -> None:
    expect = expect_ui()
    done = run_child(
        CONSOLE_SCRIPT,
        cwd=tmp_path,
        env={**server_env, "WANDB_BASE_URL": standalone.url, "WANDB_API_KEY": standalone.key, "WANDB_MODE": "online"},
    )
    run_id = re.search(r"^RUN (\S+)$", done.stdout, re.M).group(1)  # type: ignore[union-attr]
    logged = (standalone.run_dir("admin", "console", run_id) / "files" / "output.log").read_text()
    assert re.search(r"^ERROR \S+ something broke$", logged, re.M), logged  # what the file holds: prefixed lines

    sign_in(page, standalone)
    page.goto(f"{standalone.url}/admin/console/runs/{run_id}")
    output = page.locator('[data-testid="output"]')
    expect(output).to_contain_text("still going")
    text = output.inner_text()
    lines = text.splitlines()
    assert {"all is well", "something broke", "still going"} <= set(lines), text  # each line bare: no prefix
    assert not STAMP.search(text) and "ERROR" not in text, text
    expect(output.locator(".output-stderr")).to_have_text("something broke\n")

    stamps = page.locator('[data-testid="output-timestamps"]')
    stamps.check()
    expect(output).to_contain_text(re.compile(STAMP.pattern + r"\.\d{6} something broke"))
    expect(output.locator(".output-stderr")).to_have_text("something broke\n")  # still marked, no "ERROR"
    page.locator('[data-testid="output"]').scroll_into_view_if_needed()
    page.screenshot(path=str(artifact_path("dashboard_console_timestamps.png")), full_page=True)
    stamps.uncheck()
    expect(output).not_to_contain_text(STAMP)


def test_a_running_runs_chart_grows_without_a_reload(page, standalone: Standalone, monkeypatch) -> None:
    expect = expect_ui()
    use_server_online(monkeypatch, standalone)
    run = wandb.init(project="live", name="live-run")
    for i in range(5):
        run.log({"loss": 1.0 / (i + 1)})
    poll(
        lambda: standalone.api(f"run/admin/live/{run.id}")["history_rows"] == 5,
        timeout=30,
        what="the first rows on the server",
    )

    sign_in(page, standalone)
    page.goto(f"{standalone.url}/admin/live/runs/{run.id}")
    expect(chart_of(page, "loss")).to_have_attribute("data-points", "5")
    expect(page.locator('[data-testid="state"]').first).to_have_text("running")
    page.evaluate("window.__sameDocument = true")
    for i in range(5, 40):
        run.log({"loss": 1.0 / (i + 1)})
    expect(chart_of(page, "loss")).to_have_attribute("data-points", "40", timeout=30_000)
    run.finish()
    expect(page.locator('[data-testid="state"]').first).to_have_text("finished", timeout=30_000)
    assert page.evaluate("window.__sameDocument") is True  # redrawn in place, never reloaded
    page.screenshot(path=str(artifact_path("dashboard_live_run.png")), full_page=True)


XSS_NAME = '<img src=x onerror="window.__xss=1">'
XSS_NOTES = (
    "<script>window.__xss=1</script>\n\n**bold** and [a link](javascript:window.__xss=1) "
    "and [docs](https://example.org/)"
)


def test_script_payloads_in_a_run_name_and_notes_render_as_text(page, standalone: Standalone, monkeypatch) -> None:
    expect = expect_ui()
    use_server_online(monkeypatch, standalone)
    run = wandb.init(project="xss", name=XSS_NAME, notes=XSS_NOTES, config={"payload": XSS_NAME})
    run.log({"loss": 1.0})
    run.finish()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    sign_in(page, standalone)
    page.goto(f"{standalone.url}/admin/xss")
    row = page.locator('[data-testid="run-row"]')
    expect(row).to_have_count(1)
    expect(row).to_contain_text(XSS_NAME)
    page.goto(f"{standalone.url}/admin/xss/runs/{run.id}")
    notes = page.locator('[data-testid="notes"]')
    expect(notes).to_contain_text("<script>window.__xss=1</script>")
    expect(notes.locator("strong")).to_have_text("bold")
    assert notes.locator("script").count() == 0
    assert notes.locator("a", has_text="a link").count() == 0 or notes.locator("a", has_text="a link").get_attribute(
        "href"
    ) in (None, "")
    expect(notes.locator("a", has_text="docs")).to_have_attribute("href", "https://example.org/")
    expect(page.get_by_text(XSS_NAME).first).to_be_visible()
    expect(page.locator('[data-testid="config"]')).to_contain_text(XSS_NAME)
    assert page.locator("img[src=x]").count() == 0
    page.wait_for_timeout(300)  # an onerror handler would have run by now
    assert page.evaluate("window.__xss") is None and dialogs == []
    page.screenshot(path=str(artifact_path("dashboard_xss_as_text.png")), full_page=True)


def test_the_dashboard_inside_jupyterlab_shows_an_offline_run(page, lab_server, offline_run) -> None:
    expect = expect_ui()
    run_id = offline_run(lab_server.root / "experiments", "offline-proj", 40)
    page.goto(f"{lab_server.url}wandb/?token={lab_server.token}")
    project = page.locator('[data-testid="project-row"]', has_text="offline-proj")
    expect(project).to_have_count(1)
    project.locator("a").first.click()
    row = page.locator(f'[data-testid="run-row"][data-run-id="{run_id}"]')
    expect(row).to_have_count(1)
    row.locator("a").first.click()
    page.wait_for_url(re.compile(rf"/wandb/[^/]+/offline-proj/runs/{run_id}$"))
    expect(chart_of(page, "v")).to_have_attribute("data-points", "40")
    expect(page.locator('[data-testid="config"]')).to_contain_text("lr")
    expect(page.locator('[data-testid="output"]')).to_contain_text("offline output line")
    page.screenshot(path=str(artifact_path("dashboard_in_jupyter_offline_run.png")), full_page=True)


def test_wandb_server_magic_twice_reuses_its_server_and_frames_the_dashboard(lab, tmp_path) -> None:
    expect = expect_ui()
    data_dir = tmp_path / "magic-server"
    lab.write_notebook(
        "serve.ipynb",
        [
            "import wandb_jupyter",
            f"%wandb_server --data-dir {data_dir} --height 500",
            f"%wandb_server --data-dir {data_dir} --height 500",
            "import json; print(json.dumps([server.pid for server in wandb_jupyter.server.list()]))",
        ],
    )
    lab.open_notebook("serve.ipynb")
    try:
        lab.run_all(timeout_ms=UI_TIMEOUT_MS * 3)
        poll(lambda: len(lab.cell_outputs()) >= 4 and lab.cell_outputs()[3], timeout=60, what="the server list")
        outputs = lab.cell_outputs()
        first, second = "\n".join(outputs[1]), "\n".join(outputs[2])
        assert "started http://" in first, outputs
        assert "reusing http://" in second, outputs
        pid_first = re.search(r"\(pid (\d+)", first).group(1)  # type: ignore[union-attr]
        pid_second = re.search(r"\(pid (\d+)", second).group(1)  # type: ignore[union-attr]
        assert pid_first == pid_second and json.loads(outputs[3][-1]) == [int(pid_first)]
        for cell in (1, 2):  # each frame logged in with its own ticket: the projects page, not the login page
            frame = lab.cell_output(cell).frame_locator("iframe")
            expect(frame.locator("main.page h1")).to_have_text("Projects", timeout=UI_TIMEOUT_MS)
        lab.screenshot("dashboard_wandb_server_magic.png", lab.cell_output(2))
    finally:
        _stop_servers(lab, data_dir)


def _stop_servers(lab: Any, data_dir: Path) -> None:
    """Stop what the kernel started, whatever happened in the test, through its registry."""
    import os

    from wandb_jupyter.server import stop

    saved = os.environ.get("XDG_RUNTIME_DIR")
    os.environ["XDG_RUNTIME_DIR"] = lab.server.env["XDG_RUNTIME_DIR"]
    try:
        stop(data_dir=data_dir)
    finally:
        if saved is None:
            del os.environ["XDG_RUNTIME_DIR"]
        else:
            os.environ["XDG_RUNTIME_DIR"] = saved
