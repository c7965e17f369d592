"""The settings panel in a real JupyterLab: rendered, edited, validated, and starting a run."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from .conftest import LabPage, poll

pytestmark = pytest.mark.browser


@pytest.fixture
def lab_env() -> dict[str, str]:
    return {"WANDB_MODE": "offline", "WANDB_PROJECT": "from-env", "WANDB_API_KEY": KEY}


KEY = "local-" + "k3yk3y" * 8


def run_metadata(root: Path) -> list[dict]:
    """wandb-metadata.json of every run directory under ``root/wandb`` (not through the latest-run link)."""
    return [
        json.loads(path.read_text())
        for path in sorted(root.glob("wandb/*/files/wandb-metadata.json"))
        if not path.parents[1].is_symlink()
    ]


def test_panel_edits_validates_and_starts_a_run(lab: LabPage) -> None:
    from playwright.sync_api import expect

    page = lab.page
    lab.write_notebook("panel_check.ipynb", ["%load_ext wandb_jupyter\n%wandb_settings"])
    lab.open_notebook("panel_check.ipynb")
    lab.run_all()

    output = lab.cell_output(0)
    start = output.get_by_role("button", name="Start run")
    expect(start).to_be_visible()
    expect(output.get_by_text("Identity and project")).to_be_visible()
    expect(output.get_by_text("no active run")).to_be_visible()

    # The project field: its value and its source come from the server's environment.
    project = output.get_by_label("project", exact=True)
    expect(project).to_have_value("from-env")
    # its row (input, source) and its box (row, help, error); `has=` locators are relative, hence page.
    project_row = page.locator(".widget-hbox", has=page.get_by_label("project", exact=True))
    row = output.locator(project_row)
    expect(row).to_have_count(1)
    expect(row.locator(".widget-html-content")).to_have_text(re.compile(r"^\s*env \(WANDB_PROJECT\)\s*$"))
    expect(start).to_be_enabled()
    lab.screenshot("settings_panel.png", output)

    # An invalid project: the error shows under the field and Start is disabled.
    field = output.locator(".widget-vbox", has=project_row).last  # the innermost VBox around the row
    project.fill("bad/name")
    error = field.get_by_text(re.compile(r"invalid value 'bad/name'"))
    expect(error).to_be_visible()
    expect(error).to_contain_text("none of /")
    expect(start).to_be_disabled()
    lab.screenshot("settings_panel_invalid.png", output)

    # A valid one clears the error and enables Start.
    project.fill("from-panel")
    expect(error).to_have_count(0)
    expect(start).to_be_enabled()
    assert run_metadata(lab.server.root) == []

    start.click()
    status = output.get_by_text(re.compile(r"· running ·"))
    expect(status).to_be_visible()
    # named after the notebook, which the kernel learns from the Lab session
    expect(status).to_have_text(re.compile(r"^\s*run panel_check-\d+ · running · 0 steps · offline\s*$"))
    expect(output.get_by_role("button", name="Finish run")).to_be_enabled()

    metadata = poll(
        lambda: [m for m in run_metadata(lab.server.root) if m.get("project") == "from-panel"],
        timeout=15,
        what="a run directory with project 'from-panel' under the server root's wandb/",
    )
    assert len(metadata) == 1, metadata
    assert [m.get("project") for m in run_metadata(lab.server.root)] == ["from-panel"]
    run_dirs = [path.name for path in (lab.server.root / "wandb").glob("*run-*")]
    assert len(run_dirs) == 1 and run_dirs[0].startswith("offline-run-"), run_dirs
    lab.screenshot("settings_panel_running.png", output)

    output.get_by_role("button", name="Finish run").click()
    expect(output.get_by_text("no active run")).to_be_visible()
    expect(output.get_by_role("button", name="Finish run")).to_be_disabled()

    # The API key: shown masked as the field's placeholder, never as its value; a key typed in (Enter)
    # leaves the widget at once, so neither the page nor the widget state holds it.
    output.get_by_text("Mode and server").click()
    key_field = output.get_by_label("api_key", exact=True)
    expect(key_field).to_have_value("")
    expect(key_field).to_have_attribute("placeholder", "****" + KEY[-4:])
    typed = "local-" + "typ3d" * 9
    key_field.fill(typed)
    key_field.press("Enter")
    expect(key_field).to_have_attribute("placeholder", "****" + typed[-4:] + " (new)")
    expect(key_field).to_have_value("")
    page_text = page.content()
    assert KEY not in page_text and typed not in page_text

    assert lab.page_errors == []
    assert [text for text in lab.console_errors if "widget" in text.lower()] == []
