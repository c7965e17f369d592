"""Plotly figures are drawn by the bundled plotly.js basic build, fetched only when one is shown.

Our client logs a scatter figure and a heat map (a trace type outside the basic build); the
real SDK logs a bar chart. The figures are drawn as plotly's SVG; the heat map stays JSON; a
run page without plotly panels never fetches plotly.js (1.2 MB), and no CSP violation occurs.
"""

from __future__ import annotations

import re

import pytest

from dashboard.conftest import Standalone, run_child, server_env, standalone  # noqa: F401 (fixtures)

from .conftest import artifact_path, expect_ui

pytestmark = pytest.mark.browser

OURS = """
import plotly.graph_objects as go
import wandb_jupyter as wandb
run = wandb.init(project="plots", name="ours-plotly")
run.log({"curve": wandb.Plotly(go.Figure(go.Scatter(x=[1, 2, 3], y=[2, 1, 3], name="curve"))),
         "heat": wandb.Plotly(go.Figure(go.Heatmap(z=[[1, 2], [3, 4]]))),
         "loss": 0.5})
run.finish()
print("RUN", run.id)
"""

SDK = """
import plotly.graph_objects as go
import wandb
run = wandb.init(project="plots", name="sdk-plotly")
run.log({"bars": wandb.Plotly(go.Figure(go.Bar(x=["a", "b"], y=[3, 5])))})
run.finish()
print("RUN", run.id)
"""

PLAIN = """
import wandb_jupyter as wandb
run = wandb.init(project="plots", name="no-plotly")
run.log({"loss": 0.5})
run.finish()
print("RUN", run.id)
"""


def _run(script: str, standalone: Standalone, server_env: dict[str, str], tmp_path) -> str:
    env = {**server_env, "WANDB_BASE_URL": standalone.url, "WANDB_API_KEY": standalone.key, "WANDB_DIR": str(tmp_path)}
    done = run_child(script, cwd=tmp_path, env={**env, "WANDB_MODE": "online"})
    return re.search(r"^RUN (\S+)$", done.stdout, re.M).group(1)  # type: ignore[union-attr]


def test_plotly_figures_are_drawn_and_plotly_js_loads_only_with_them(
    page, standalone: Standalone, server_env, tmp_path
) -> None:
    pytest.importorskip("plotly")
    expect = expect_ui()
    ours, plain = _run(OURS, standalone, server_env, tmp_path), _run(PLAIN, standalone, server_env, tmp_path)
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url) if "plotly-basic" in request.url else None)
    violations: list[str] = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.goto(standalone.login_url)

    page.goto(f"{standalone.url}/admin/plots/runs/{plain}")
    expect(page.locator('[data-testid="state"]').first).to_have_text("finished")
    page.wait_for_timeout(500)
    assert not fetched, "no plotly panel: plotly.js is not fetched"

    page.goto(f"{standalone.url}/admin/plots/runs/{ours}")
    curve = page.locator('[data-testid="media-panel"][data-key="curve"] [data-testid="media-plotly"]')
    expect(curve.locator(".main-svg").first).to_be_visible()
    expect(curve.locator(".scatterlayer .trace")).to_have_count(1)
    heat = page.locator('[data-testid="media-panel"][data-key="heat"]')
    expect(heat.locator('[data-testid="media-json"]')).to_contain_text("heatmap")
    assert [url.rsplit("/", 1)[1] for url in fetched] == ["plotly-basic.min.js"], "fetched once for two panels"
    page.screenshot(path=str(artifact_path("dashboard_plotly_ours.png")), full_page=True)
    assert not violations, violations


def test_the_real_sdks_plotly_figure_is_drawn(page, standalone: Standalone, server_env, tmp_path) -> None:
    pytest.importorskip("plotly")
    pytest.importorskip("wandb")
    expect = expect_ui()
    run_id = _run(SDK, standalone, server_env, tmp_path)
    page.goto(standalone.login_url)
    page.goto(f"{standalone.url}/admin/plots/runs/{run_id}")
    bars = page.locator('[data-testid="media-panel"][data-key="bars"] [data-testid="media-plotly"]')
    expect(bars.locator(".barlayer .trace")).to_have_count(1)
    expect(bars.locator(".barlayer .point")).to_have_count(2)
