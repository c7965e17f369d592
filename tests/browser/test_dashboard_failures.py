"""A failed run's page says how it ended: exit code, the error's last lines, the failed cell.

Runs of our client and of the real W&B SDK raise in a script (exit code 1, a
traceback in output.log); a notebook run of our client in a real kernel (nbclient)
has a cell that raises. Screenshots land in ``test-artifacts/``.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from dashboard.conftest import Standalone, server_env, standalone  # noqa: F401 (fixtures)

from .conftest import artifact_path, expect_ui, sign_in

pytestmark = pytest.mark.browser

OURS = """
import wandb_jupyter as wandb
run = wandb.init(project="fail", name="ours-fails")
print("RUN", run.id, flush=True)
run.log({"loss": 1.0})
def train():
    return 1 / 0
train()
"""

SDK = """
import wandb
run = wandb.init(project="fail", name="sdk-fails")
print("RUN", run.id, flush=True)
run.log({"loss": 1.0})
raise ValueError("bad batch shape")
"""


def _failing_child(script: str, tmp_path, env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 1, done.stdout[-2000:] + done.stderr[-2000:]
    return re.search(r"^RUN (\S+)$", done.stdout, re.M).group(1)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("script", "name", "error"),
    [(OURS, "ours-fails", "ZeroDivisionError: division by zero"), (SDK, "sdk-fails", "ValueError: bad batch shape")],
)
def test_a_failed_runs_page_shows_its_exit_code_and_the_errors_last_lines(
    page, standalone: Standalone, server_env, tmp_path, script: str, name: str, error: str
) -> None:
    if name.startswith("sdk"):
        pytest.importorskip("wandb")
    env = {
        **server_env,
        "WANDB_BASE_URL": standalone.url,
        "WANDB_API_KEY": standalone.key,
        "WANDB_MODE": "online",
        "WANDB_DIR": str(tmp_path),
    }
    run_id = _failing_child(script, tmp_path, env)
    expect = expect_ui()
    sign_in(page, standalone)
    page.goto(f"{standalone.url}/admin/fail/runs/{run_id}")
    expect(page.locator('[data-testid="state"]').first).to_have_text("failed")
    failure = page.locator('[data-testid="failure"]')
    expect(failure).to_contain_text("exited with code 1")
    tail = page.locator('[data-testid="error-tail"]')
    expect(tail).to_contain_text("Traceback (most recent call last):")
    expect(tail).to_contain_text(error)
    page.screenshot(path=str(artifact_path(f"dashboard_failed_run_{name}.png")), full_page=True)


def test_a_notebook_runs_page_shows_the_first_cell_that_raised(page, lab_server, execute_notebook, monkeypatch) -> None:
    """An offline notebook run of our client, seen inside Jupyter (its run directory, no server)."""
    work = lab_server.root / "nb"
    work.mkdir()
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_DIR", str(work))
    nb = execute_notebook(
        [
            "import wandb_jupyter as wandb\nrun = wandb.init(project='nb-fail', name='nb')\nprint('RUN', run.id)",
            "x = 1\nrun.log({'x': x})",
            "values = [1, 2]\nvalues[5]",
            "undefined_name",
            "run.finish()",
        ],
        allow_errors=True,
        cwd=work,
    )
    printed = "".join(o.get("text", "") for o in nb.cells[0].outputs)
    run_id = re.search(r"RUN (\S+)", printed).group(1)  # type: ignore[union-attr]
    expect = expect_ui()
    page.goto(f"{lab_server.url}wandb/?token={lab_server.token}")
    page.locator('[data-testid="project-row"]', has_text="nb-fail").locator("a").first.click()
    page.locator(f'[data-testid="run-row"][data-run-id="{run_id}"] a').first.click()
    expect(page.locator('[data-testid="state"]').first).to_have_text("finished")
    cell = page.locator('[data-testid="failed-cell"]')
    expect(cell).to_contain_text("First failed cell: cell 3")
    expect(cell).to_contain_text("values[5]")
    expect(cell).to_contain_text("IndexError")
    expect(cell).not_to_contain_text("NameError")
    page.screenshot(path=str(artifact_path("dashboard_notebook_failed_cell.png")), full_page=True)


def test_an_online_notebook_runs_page_on_the_server_shows_the_first_cell_that_raised(
    page, standalone: Standalone, execute_notebook, monkeypatch, tmp_path
) -> None:
    """The session history is written before the run's last upload, so the server has it."""
    monkeypatch.setenv("WANDB_BASE_URL", standalone.url)
    monkeypatch.setenv("WANDB_API_KEY", standalone.key)
    monkeypatch.setenv("WANDB_MODE", "online")
    monkeypatch.setenv("WANDB_DIR", str(tmp_path))
    nb = execute_notebook(
        [
            "import wandb_jupyter as wandb\nrun = wandb.init(project='nb-online', name='nb')\nprint('RUN', run.id)",
            "run.log({'x': 1})",
            "values = [1, 2]\nvalues[5]",
            "run.finish()",
        ],
        allow_errors=True,
        cwd=tmp_path,
    )
    printed = "".join(o.get("text", "") for o in nb.cells[0].outputs)
    run_id = re.search(r"RUN (\S+)", printed).group(1)  # type: ignore[union-attr]
    stored = [path for path in standalone.data_dir.rglob("_session_history.ipynb") if run_id in str(path)]
    assert stored, "the session history did not reach the server"
    expect = expect_ui()
    sign_in(page, standalone)
    page.goto(f"{standalone.url}/admin/nb-online/runs/{run_id}")
    expect(page.locator('[data-testid="state"]').first).to_have_text("finished")
    cell = page.locator('[data-testid="failed-cell"]')
    expect(cell).to_contain_text("First failed cell: cell 3")
    expect(cell).to_contain_text("values[5]")
    expect(cell).to_contain_text("IndexError")
    page.screenshot(path=str(artifact_path("dashboard_online_notebook_failed_cell.png")), full_page=True)


SDK_ALERT = """
import wandb
run = wandb.init(project="alerts", name="sdk-alert")
run.alert(title="sdk says", text="accuracy dropped", level=wandb.AlertLevel.ERROR)
run.finish()
print("RUN", run.id)
"""


def test_alerts_of_our_client_and_the_sdk_show_on_the_run_page(
    page, standalone: Standalone, server_env, tmp_path, monkeypatch
) -> None:
    pytest.importorskip("wandb")
    import wandb_jupyter as wandb

    expect = expect_ui()
    monkeypatch.setenv("WANDB_BASE_URL", standalone.url)
    monkeypatch.setenv("WANDB_API_KEY", standalone.key)
    monkeypatch.setenv("WANDB_MODE", "online")
    run = wandb.init(project="alerts", name="ours-alert")
    run.alert(title="loss is NaN", text="step 12 diverged", level=wandb.AlertLevel.WARN)
    run.finish()
    env = {**server_env, "WANDB_BASE_URL": standalone.url, "WANDB_API_KEY": standalone.key, "WANDB_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", SDK_ALERT], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    sdk_id = re.search(r"^RUN (\S+)$", done.stdout, re.M).group(1)  # type: ignore[union-attr]
    sign_in(page, standalone)
    for run_id, title, text, level in (
        (run.id, "loss is NaN", "step 12 diverged", "WARN"),
        (sdk_id, "sdk says", "accuracy dropped", "ERROR"),
    ):
        page.goto(f"{standalone.url}/admin/alerts/runs/{run_id}")
        alert = page.locator('[data-testid="alert"]')
        expect(alert).to_have_count(1)
        expect(alert).to_contain_text(title)
        expect(alert).to_contain_text(text)
        expect(alert).to_have_attribute("data-level", level)
    page.screenshot(path=str(artifact_path("dashboard_run_alert.png")))
