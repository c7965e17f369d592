"""The dashboard's Artifacts tab in headless Chromium, over artifacts our client logged to a launched server:
versions with aliases, a version's metadata, files (downloaded through the page) and lineage, and a run's tab."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import wandb_jupyter as wandb
from dashboard.conftest import Standalone, server_env, standalone  # noqa: F401 (fixtures)

from .conftest import artifact_path

pytestmark = pytest.mark.browser


def _log_versions(work: Path) -> tuple[str, str, bytes]:
    (work / "data").mkdir()
    payload = bytes(range(256)) * 40
    (work / "data" / "train.bin").write_bytes(payload)
    (work / "readme.txt").write_text("first")
    producer = wandb.init(project="arts", entity="admin")
    first = wandb.Artifact("dataset", "dataset", metadata={"rows": 10})
    first.add_dir(work / "data", name="data")
    first.add_file(work / "readme.txt")
    producer.log_artifact(first).wait(60)
    (work / "readme.txt").write_text("second")
    second = wandb.Artifact("dataset", "dataset", metadata={"rows": 20, "source": "unit"})
    second.add_dir(work / "data", name="data")
    second.add_file(work / "readme.txt")
    producer.log_artifact(second, aliases=["best"]).wait(60)
    producer.finish()
    consumer = wandb.init(project="arts", entity="admin")
    consumer.use_artifact("dataset:best")
    consumer.finish()
    return producer.id, consumer.id, payload


def test_the_artifacts_tab_shows_versions_files_metadata_and_lineage(
    page, standalone: Standalone, monkeypatch, isolated: Path
) -> None:
    from playwright.sync_api import expect

    monkeypatch.setenv("WANDB_BASE_URL", standalone.url)
    monkeypatch.setenv("WANDB_API_KEY", standalone.key)
    monkeypatch.setenv("WANDB_MODE", "online")
    producer, consumer, payload = _log_versions(isolated)

    listed = standalone.api("artifacts/admin/arts")["artifacts"]
    assert [(c["name"], [v["version"] for v in c["versions"]]) for c in listed] == [("dataset", [1, 0])]
    detail = standalone.api("artifact/admin/arts/dataset/v1")
    assert detail["metadata"] == {"rows": 20, "source": "unit"} and set(detail["aliases"]) == {"latest", "best"}
    file_url = next(f["url"] for f in detail["files"] if f["path"] == "data/train.bin")
    assert standalone.get(file_url).content == payload  # the API answers paths below the base
    assert standalone.get("/_dashboard/api/artifacts/admin/arts", key=None).status_code in (401, 403)

    page.goto(standalone.login_url)
    page.wait_for_url(re.compile(re.escape(standalone.url) + r"/?$"))
    page.goto(f"{standalone.url}/admin/arts")
    page.locator('[data-testid="artifacts-tab"]').click()
    page.wait_for_url(f"{standalone.url}/admin/arts/artifacts")
    collection = page.locator('[data-testid="artifact-collection"][data-name="dataset"]')
    expect(collection).to_contain_text("dataset")
    versions = collection.locator('[data-testid="artifact-version"]')
    expect(versions).to_have_count(2)
    expect(versions.first).to_have_text(re.compile(r"^v1 \((latest, best|best, latest)\)$"))
    expect(versions.nth(1)).to_have_text("v0")
    versions.first.click()
    panel = page.locator('[data-testid="artifact-detail"]')
    expect(panel).to_have_attribute("data-artifact", "dataset:v1")
    expect(page.locator('[data-testid="artifact-metadata"] [data-key="source"]')).to_contain_text("unit")
    expect(page.locator('[data-testid="artifact-lineage"]')).to_contain_text(f"made by run {producer}")
    expect(page.locator('[data-testid="artifact-lineage"]')).to_contain_text(f"used by 1 run ({consumer})")
    files = page.locator('[data-testid="artifact-files"] tr[data-path]')
    expect(files).to_have_count(2)
    with page.expect_download() as download:
        page.locator('[data-testid="artifact-files"] tr[data-path="data/train.bin"] a').click()
    assert Path(download.value.path()).read_bytes() == payload
    page.screenshot(path=str(artifact_path("dashboard_artifacts.png")), full_page=True)

    page.goto(f"{standalone.url}/admin/arts/runs/{consumer}")
    page.locator('[data-testid="artifacts-tab"]').click()
    page.wait_for_url(f"{standalone.url}/admin/arts/runs/{consumer}/artifacts")
    expect(page.locator('[data-testid="run-artifacts-used"] [data-artifact="dataset:v1"]')).to_have_count(1)
    expect(page.locator('[data-testid="run-artifacts-logged"]')).to_have_text("None.")
    page.goto(f"{standalone.url}/admin/arts/runs/{producer}/artifacts")
    expect(page.locator('[data-testid="run-artifacts-logged"] li')).to_have_count(2)
