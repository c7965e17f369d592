"""Editing runs in the dashboard, in headless Chromium.

Standalone: our run is renamed, re-tagged and annotated (Markdown with a preview), then
deleted after a confirmation, once undone in time and once for good. Inside Jupyter: an
offline run of our client and one of the real W&B SDK are edited in their run directories
(wandb-metadata.json rewritten whole), and a run whose process still writes can be renamed
but not deleted. Screenshots land in ``test-artifacts/``.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import wandb_jupyter as wandb
from dashboard.conftest import Standalone, offline_run, run_child, server_env, standalone  # noqa: F401 (fixtures)

from .conftest import artifact_path, expect_ui, sign_in

pytestmark = pytest.mark.browser


def _edit(page: Any, *, name: str | None = None, tags: str | None = None, notes: str | None = None) -> None:
    page.locator('[data-testid="editor"] > summary').click()
    if name is not None:
        page.fill('[data-testid="edit-name"]', name)
    if tags is not None:
        page.fill('[data-testid="edit-tags"]', tags)
    if notes is not None:
        page.fill('[data-testid="edit-notes"]', notes)
    with page.expect_navigation():
        page.click('[data-testid="edit-save"]')


def test_rename_tag_annotate_and_delete_with_undo_on_the_standalone_server(
    page, standalone: Standalone, monkeypatch
) -> None:
    expect = expect_ui()
    monkeypatch.setenv("WANDB_BASE_URL", standalone.url)
    monkeypatch.setenv("WANDB_API_KEY", standalone.key)
    monkeypatch.setenv("WANDB_MODE", "online")
    run = wandb.init(project="edit", name="junk-0-steps")
    run.finish()
    sign_in(page, standalone)
    page.goto(f"{standalone.url}/admin/edit/runs/{run.id}")

    page.locator('[data-testid="editor"] > summary').click()
    page.fill('[data-testid="edit-notes"]', "## Findings\n\n- lr **0.01** is best\n<script>alert(1)</script>")
    page.check('[data-testid="notes-preview-toggle"]')
    preview = page.locator('[data-testid="notes-preview"]')
    expect(preview.locator("h2")).to_have_text("Findings")
    expect(preview.locator("strong")).to_have_text("0.01")
    assert preview.locator("script").count() == 0
    page.screenshot(path=str(artifact_path("dashboard_edit_notes_preview.png")), full_page=True)
    page.uncheck('[data-testid="notes-preview-toggle"]')
    page.fill('[data-testid="edit-name"]', "baseline")
    page.fill('[data-testid="edit-tags"]', "best, keep")
    with page.expect_navigation():
        page.click('[data-testid="edit-save"]')
    expect(page.locator(".run-header h1")).to_contain_text("baseline")
    expect(page.locator(".run-header .tag")).to_have_text(["best", "keep"])
    expect(page.locator('[data-testid="notes"] strong')).to_have_text("0.01")
    stored = standalone.gql(
        f'{{ project(name: "edit", entityName: "admin") {{ run(name: "{run.id}") {{ displayName tags notes }} }} }}'
    )["project"]["run"]
    assert stored["displayName"] == "baseline" and stored["tags"] == ["best", "keep"]
    assert stored["notes"].startswith("## Findings")
    page.screenshot(path=str(artifact_path("dashboard_edited_run.png")), full_page=True)

    # delete: confirm, then undo in time: the run stays
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator('[data-testid="editor"] > summary').click()
    page.click('[data-testid="delete-run"]')
    expect(page.locator('[data-testid="undo-bar"]')).to_be_visible()
    page.screenshot(path=str(artifact_path("dashboard_delete_undo.png")))
    page.click('[data-testid="undo-delete"]')
    page.wait_for_timeout(9000)
    assert standalone.get(f"/_dashboard/api/run/admin/edit/{run.id}").status_code == 200

    # a refused confirmation does nothing; an accepted one deletes after the undo window
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.click('[data-testid="delete-run"]')
    expect(page.locator('[data-testid="undo-bar"]')).to_be_hidden()
    page.once("dialog", lambda dialog: dialog.accept())
    page.click('[data-testid="delete-run"]')
    page.wait_for_url(f"{standalone.url}/admin/edit", timeout=20_000)
    assert standalone.get(f"/_dashboard/api/run/admin/edit/{run.id}").status_code == 404


SDK_OFFLINE = """
import wandb
run = wandb.init(project="local-edit", name="sdk-offline", mode="offline")
run.log({"x": 1})
run.finish()
print("RUN", run.id)
"""

LIVE = """
import time
import wandb_jupyter as wandb
run = wandb.init(project="local-edit", name="still-writing", mode="offline")
print("RUN", run.id, flush=True)
for i in range(600):
    run.log({"x": i})
    time.sleep(0.1)
"""


def _open_run(page: Any, lab_server: Any, project: str, run_id: str) -> None:
    page.goto(f"{lab_server.url}wandb/?token={lab_server.token}")
    page.locator('[data-testid="project-row"]', has_text=project).locator("a").first.click()
    page.locator(f'[data-testid="run-row"][data-run-id="{run_id}"] a').first.click()
    page.wait_for_url(re.compile(rf"/runs/{run_id}$"))


def _metadata(root: Path, run_id: str) -> dict[str, Any]:
    found = [p for p in root.rglob("wandb-metadata.json") if p.parent.parent.name.endswith(f"-{run_id}")]
    assert len(found) == 1, found
    return json.loads(found[0].read_text())


def test_local_runs_are_edited_in_their_run_directories_inside_jupyter(
    page, lab_server, offline_run, env_for_subprocess
) -> None:
    expect = expect_ui()
    work = lab_server.root / "runs"
    ours = offline_run(work, "local-edit", 5)
    pytest.importorskip("wandb")
    done = run_child(SDK_OFFLINE, cwd=work, env={**env_for_subprocess, "WANDB_DIR": str(work)})
    sdk = re.search(r"^RUN (\S+)$", done.stdout, re.M).group(1)  # type: ignore[union-attr]
    live = subprocess.Popen(
        [sys.executable, "-c", LIVE],
        cwd=work,
        env={**env_for_subprocess, "WANDB_DIR": str(work)},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        live_id = re.search(r"RUN (\S+)", live.stdout.readline()).group(1)  # type: ignore[union-attr,arg-type]
        # the SDK's offline run has no wandb-metadata.json: it lists under local/uncategorized
        for project, run_id, new_name in (
            ("local-edit", ours, "ours-renamed"),
            ("uncategorized", sdk, "sdk-renamed"),
        ):
            _open_run(page, lab_server, project, run_id)
            _edit(page, name=new_name, tags="local, edited", notes="*edited inside Jupyter*")
            expect(page.locator(".run-header h1")).to_contain_text(new_name)
            expect(page.locator('[data-testid="notes"] em')).to_have_text("edited inside Jupyter")
            metadata = _metadata(work, run_id)
            assert (metadata["name"], metadata["tags"], metadata["notes"]) == (
                new_name,
                ["local", "edited"],
                "*edited inside Jupyter*",
            )
        page.screenshot(path=str(artifact_path("dashboard_local_run_edited.png")), full_page=True)

        # the live run: renamed while it logs (its metadata stays whole JSON), not deleted
        _open_run(page, lab_server, "local-edit", live_id)
        expect(page.locator('[data-testid="state"]').first).to_have_text("running")
        _edit(page, name="renamed-while-running")
        expect(page.locator(".run-header h1")).to_contain_text("renamed-while-running")
        assert _metadata(work, live_id)["name"] == "renamed-while-running"
        page.once("dialog", lambda dialog: dialog.accept())
        page.locator('[data-testid="editor"] > summary').click()
        page.click('[data-testid="delete-run"]')
        expect(page.locator('[data-testid="edit-error"]')).to_contain_text("still running", timeout=20_000)
        assert live.poll() is None
        time.sleep(0.5)
        assert _metadata(work, live_id)["name"] == "renamed-while-running"
    finally:
        live.kill()
        live.wait()
