"""Custom charts (``wandb.plot.*``) in headless Chromium: the config's ``_wandb.visualize``
entries are drawn from their tables as SVG lines, bars and a count grid, from our client's
run and from the real SDK's (online, against the launched server)."""

from __future__ import annotations

import re
from typing import Any

import pytest

import wandb_jupyter as wandb
from dashboard.conftest import Standalone, run_child, server_env, standalone  # noqa: F401 (fixtures)

from .conftest import artifact_path, expect_ui

pytestmark = pytest.mark.browser

SDK = """
import wandb
run = wandb.init(project="charts", name="sdk-charts")
line = wandb.Table(columns=["x", "y"], data=[[i, i * i] for i in range(10)])
bars = wandb.Table(columns=["label", "value"], data=[["a", 3], ["b", 5], ["c", 1]])
run.log({
    "curve": wandb.plot.line(line, "x", "y", title="Squares"),
    "counts": wandb.plot.bar(bars, "label", "value", title="Counts"),
    "cm": wandb.plot.confusion_matrix(y_true=[0, 1, 2, 1], preds=[0, 1, 1, 1], class_names=["a", "b", "c"]),
})
run.finish()
print("RUN", run.id)
"""


def _check_charts(page: Any, server: Standalone, run_id: str, shot: str) -> None:
    expect = expect_ui()
    page.goto(server.login_url)
    page.wait_for_url(re.compile(re.escape(server.url) + r"/?$"))
    page.goto(f"{server.url}/admin/charts/runs/{run_id}")
    panels = page.locator('[data-testid="viz-panel"]')
    expect(panels).to_have_count(3)
    curve = page.locator('[data-testid="viz-panel"][data-key="curve"]')
    expect(curve).to_have_attribute("data-spec", "wandb/line/v0")
    expect(curve.locator('[data-testid="viz-line"]')).to_have_count(1)
    assert len(curve.locator('[data-testid="viz-line"]').get_attribute("points").split()) == 10  # type: ignore[union-attr]
    bars = page.locator('[data-testid="viz-panel"][data-key="counts"] [data-testid="viz-bar"]')
    expect(bars).to_have_count(3)
    heights = [float(bars.nth(i).get_attribute("height")) for i in range(3)]  # type: ignore[arg-type]
    assert heights[1] > heights[0] > heights[2] > 0
    cm = page.locator('[data-testid="viz-panel"][data-key="cm"]')
    expect(cm.locator('[data-testid="viz-cell"]')).to_have_count(9)
    expect(cm.locator("text.viz-count")).to_have_text(["1", "0", "0", "0", "2", "0", "0", "1", "0"])
    page.screenshot(path=str(artifact_path(shot)), full_page=True)


def test_our_custom_charts_are_drawn(page, standalone: Standalone, monkeypatch) -> None:
    pytest.importorskip("numpy")
    monkeypatch.setenv("WANDB_BASE_URL", standalone.url)
    monkeypatch.setenv("WANDB_API_KEY", standalone.key)
    monkeypatch.setenv("WANDB_MODE", "online")
    run = wandb.init(project="charts", name="ours-charts")
    line = wandb.Table(columns=["x", "y"], data=[[i, i * i] for i in range(10)])
    bars = wandb.Table(columns=["label", "value"], data=[["a", 3], ["b", 5], ["c", 1]])
    run.log(
        {
            "curve": wandb.plot.line(line, "x", "y", title="Squares"),
            "counts": wandb.plot.bar(bars, "label", "value", title="Counts"),
            "cm": wandb.plot.confusion_matrix(y_true=[0, 1, 2, 1], preds=[0, 1, 1, 1], class_names=["a", "b", "c"]),
        }
    )
    run.finish()
    _check_charts(page, standalone, run.id, "dashboard_charts_ours.png")


def test_the_real_sdks_custom_charts_are_drawn(page, standalone: Standalone, server_env, tmp_path) -> None:
    pytest.importorskip("wandb")
    pytest.importorskip("numpy")
    done = run_child(
        SDK,
        cwd=tmp_path,
        env={
            **server_env,
            "WANDB_BASE_URL": standalone.url,
            "WANDB_API_KEY": standalone.key,
            "WANDB_DIR": str(tmp_path),
        },
    )
    run_id = re.search(r"^RUN (\S+)$", done.stdout, re.M).group(1)  # type: ignore[union-attr]
    _check_charts(page, standalone, run_id, "dashboard_charts_sdk.png")
