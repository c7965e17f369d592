"""The dashboard's charts for analysis, in headless Chromium against a launched server.

A run of our client logs ``train/*`` every step, ``val/*`` once per epoch against
``epoch`` (``define_metric``) and a learning rate spanning six decades; the run page
must put them in ``train``/``val`` sections, plot ``val/*`` against ``epoch`` by default,
zoom a whole section by a drag (double-click resets), smooth with a faint raw line, draw
a log y axis, filter charts by a regex, open a chart full screen, download it as PNG, SVG
and CSV, and keep every wall-time tick label inside the chart. A comparison of our run
and a real W&B SDK run names each run in every chart's legend and tooltip.
Screenshots land in ``test-artifacts/``.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from typing import Any

import pytest

import wandb_jupyter as wandb
from dashboard.conftest import Standalone, run_child, server_env, standalone  # noqa: F401 (fixtures)

from .conftest import artifact_path, chart_of, expect_ui, sign_in, use_server_online

pytestmark = pytest.mark.browser

STEPS = 60
EPOCH_EVERY = 10


def _log_sections_run(name: str = "sections") -> Any:
    run = wandb.init(project="charts", name=name, config={"lr": 0.1})
    run.define_metric("epoch")
    run.define_metric("val/*", step_metric="epoch")
    for step in range(STEPS):
        run.log({"train/loss": 1.0 / (step + 1), "train/acc": step / STEPS, "lr": 10.0 ** -(step / 10)})
        if (step + 1) % EPOCH_EVERY == 0:
            epoch = (step + 1) // EPOCH_EVERY
            run.log({"epoch": epoch, "val/loss": 1.0 / epoch, "val/acc": 1 - 1.0 / (epoch + 1)})
    run.finish()
    return run


def _drag(page: Any, chart: Any, start: float, end: float) -> None:
    box = chart.locator("svg.chart-svg").bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * start, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * (start + end) / 2, y, steps=4)
    page.mouse.move(box["x"] + box["width"] * end, y, steps=4)
    page.mouse.up()


def test_run_page_charts_have_sections_define_metric_x_zoom_smoothing_log_scale_filter_and_full_screen(
    page, standalone: Standalone, monkeypatch
) -> None:
    expect = expect_ui()
    use_server_online(monkeypatch, standalone)
    run = _log_sections_run()
    sign_in(page, standalone)
    page.goto(f"{standalone.url}/admin/charts/runs/{run.id}")

    # sections from "/" prefixes; the top section holds the unprefixed metrics
    sections = page.locator('[data-testid="chart-section"]')
    expect(sections).to_have_count(3)
    assert [sections.nth(i).get_attribute("data-section") for i in range(3)] == ["", "train", "val"]
    train = page.locator('[data-testid="chart-section"][data-section="train"]')
    expect(train.locator('[data-testid="chart"]')).to_have_count(2)

    # define_metric: val/* against epoch (one point per epoch), train/* against the step
    expect(chart_of(page, "val/loss")).to_have_attribute("data-x", "epoch")
    expect(chart_of(page, "val/loss")).to_have_attribute("data-points", str(STEPS // EPOCH_EVERY))
    expect(chart_of(page, "train/loss")).to_have_attribute("data-x", "_step")
    expect(chart_of(page, "train/loss")).to_have_attribute("data-points", str(STEPS))
    val_ticks = chart_of(page, "val/loss").locator("text.tick-x").all_text_contents()
    assert max(float(t) for t in val_ticks) <= STEPS // EPOCH_EVERY, val_ticks

    # collapsing a section hides its charts
    train.locator(":scope > summary").click()
    expect(chart_of(page, "train/loss")).to_be_hidden()
    train.locator(":scope > summary").click()
    expect(chart_of(page, "train/loss")).to_be_visible()

    # drag zoom: the whole train section zooms, val does not; double-click resets
    _drag(page, chart_of(page, "train/loss"), 0.35, 0.65)
    expect(chart_of(page, "train/loss")).to_have_attribute("data-zoom", re.compile(r"^[\d.]+,[\d.]+$"))
    zoom = chart_of(page, "train/acc").get_attribute("data-zoom")
    assert zoom == chart_of(page, "train/loss").get_attribute("data-zoom")
    low, high = (float(v) for v in zoom.split(","))
    assert 5 < low < high < STEPS - 5, zoom
    assert chart_of(page, "val/loss").get_attribute("data-zoom") is None
    ticks = [float(t) for t in chart_of(page, "train/acc").locator("text.tick-x").all_text_contents()]
    assert min(ticks) >= low - 1e-9 and max(ticks) <= high + 1e-9, (ticks, zoom)
    page.screenshot(path=str(artifact_path("dashboard_charts_zoomed.png")), full_page=True)
    chart_of(page, "train/loss").locator("svg.chart-svg").dblclick()
    expect(chart_of(page, "train/acc")).not_to_have_attribute("data-zoom", re.compile(".*"))

    # smoothing: a faint raw line under the smoothed one, in every chart
    page.select_option('[data-testid="smoothing"]', "ema")
    expect(chart_of(page, "train/loss").locator("polyline.chart-line.raw")).to_have_count(1)
    expect(chart_of(page, "train/loss").locator("polyline.chart-line:not(.raw)")).to_have_count(1)
    smoothed = chart_of(page, "train/loss").locator("polyline.chart-line:not(.raw)").get_attribute("points")
    raw = chart_of(page, "train/loss").locator("polyline.chart-line.raw").get_attribute("points")
    assert smoothed != raw
    page.screenshot(path=str(artifact_path("dashboard_charts_smoothed.png")), full_page=True)
    page.select_option('[data-testid="smoothing"]', "average")
    expect(chart_of(page, "train/loss").locator("polyline.chart-line.raw")).to_have_count(1)
    page.select_option('[data-testid="smoothing"]', "none")
    expect(chart_of(page, "train/loss").locator("polyline.chart-line.raw")).to_have_count(0)

    # log y: the learning rate's six decades get power-of-ten ticks
    page.check('[data-testid="log-y"]')
    lr_ticks = chart_of(page, "lr").locator("text.tick-y").all_text_contents()
    assert len(lr_ticks) >= 4, lr_ticks
    values = sorted(float(t) for t in lr_ticks)
    ratios = {round(b / a) for a, b in itertools.pairwise(values)}
    assert ratios == {10}, lr_ticks
    page.screenshot(path=str(artifact_path("dashboard_charts_log_y.png")), full_page=True)
    page.uncheck('[data-testid="log-y"]')

    # regex filter
    page.fill('[data-testid="chart-filter"]', r"^val/(loss|acc)$")
    expect(chart_of(page, "val/acc")).to_be_visible()
    expect(chart_of(page, "train/loss")).to_be_hidden()
    expect(train).to_be_hidden()
    page.fill('[data-testid="chart-filter"]', "")
    expect(chart_of(page, "train/loss")).to_be_visible()

    # x = any logged metric
    page.select_option('[data-testid="x-axis"]', "epoch")
    expect(chart_of(page, "train/loss")).to_have_attribute("data-x", "epoch")
    # only the rows that logged both train/loss and epoch (none: train and epoch rows differ)
    page.select_option('[data-testid="x-axis"]', "auto")
    expect(chart_of(page, "val/loss")).to_have_attribute("data-x", "epoch")

    # full screen, Escape closes
    chart_of(page, "train/loss").locator('[data-testid="fullscreen"]').click()
    expect(chart_of(page, "train/loss")).to_have_class(re.compile(r"\bfullscreen\b"))
    height = float(chart_of(page, "train/loss").locator("svg.chart-svg").get_attribute("height"))
    assert height > 400, height
    page.screenshot(path=str(artifact_path("dashboard_chart_fullscreen.png")))
    page.keyboard.press("Escape")
    expect(chart_of(page, "train/loss")).not_to_have_class(re.compile(r"\bfullscreen\b"))


def test_a_chart_downloads_as_png_svg_and_csv(page, standalone: Standalone, monkeypatch, tmp_path) -> None:
    use_server_online(monkeypatch, standalone)
    run = _log_sections_run("downloads")
    sign_in(page, standalone)
    page.goto(f"{standalone.url}/admin/charts/runs/{run.id}")
    chart = chart_of(page, "train/loss")
    expect_ui()(chart).to_have_attribute("data-points", str(STEPS))

    def fetch(kind: str) -> bytes:
        chart.locator('[data-testid="chart-menu"] summary').click()
        with page.expect_download() as info:
            chart.locator(f'[data-testid="download-{kind}"]').click()
        download = info.value
        assert download.suggested_filename == f"train_loss.{kind}"
        target = tmp_path / download.suggested_filename
        download.save_as(target)
        return target.read_bytes()

    rows = list(csv.reader(io.StringIO(fetch("csv").decode())))
    assert rows[0] == ["series", "_step", "value"]
    assert len(rows) == STEPS + 1
    assert [float(v) for v in rows[1][1:]] == [0.0, 1.0]
    assert float(rows[-1][2]) == pytest.approx(1.0 / STEPS)
    svg_text = fetch("svg").decode()
    assert svg_text.startswith("<svg") and "polyline" in svg_text and "<style>" in svg_text
    png = fetch("png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 2000


def test_wall_time_ticks_are_several_and_none_is_clipped(page, standalone: Standalone, monkeypatch) -> None:
    use_server_online(monkeypatch, standalone)
    run = _log_sections_run("walltime")
    sign_in(page, standalone)
    page.goto(f"{standalone.url}/admin/charts/runs/{run.id}")
    expect_ui()(chart_of(page, "train/loss")).to_have_attribute("data-points", str(STEPS))
    page.select_option('[data-testid="x-axis"]', "_timestamp")
    expect_ui()(chart_of(page, "train/loss")).to_have_attribute("data-x", "_timestamp")
    boxes = page.evaluate(
        """() => [...document.querySelectorAll('[data-testid="chart"]')].map(chart => {
            const svg = chart.querySelector('svg.chart-svg');
            const width = Number(svg.getAttribute('width'));
            return [...svg.querySelectorAll('text.tick-x')].map(t => {
                const b = t.getBBox();
                return [b.x, b.x + b.width, width, t.textContent];
            });
        })"""
    )
    for ticks in boxes:
        assert len(ticks) >= 3, ticks
        for left, right, width, label in ticks:
            assert left >= 0 and right <= width, (label, left, right, width)


SDK_COMPARE = """
import wandb
run = wandb.init(project="charts", name="sdk-peer", config={"lr": 0.01})
for i in range(40):
    run.log({"train/loss": 2.0 / (i + 1)})
run.finish()
print("RUN", run.id)
"""


def test_compare_names_every_run_in_each_charts_legend_and_tooltip(
    page, standalone: Standalone, monkeypatch, server_env, tmp_path
) -> None:
    pytest.importorskip("wandb")
    expect = expect_ui()
    use_server_online(monkeypatch, standalone)
    ours = _log_sections_run("ours")
    done = run_child(
        SDK_COMPARE,
        cwd=tmp_path,
        env={
            **server_env,
            "WANDB_BASE_URL": standalone.url,
            "WANDB_API_KEY": standalone.key,
            "WANDB_DIR": str(tmp_path),
        },
    )
    sdk_id = re.search(r"^RUN (\S+)$", done.stdout, re.M).group(1)  # type: ignore[union-attr]
    sign_in(page, standalone)
    page.goto(f"{standalone.url}/admin/charts?compare={ours.id},{sdk_id}")
    compare = page.locator('[data-testid="compare"]')
    both = compare.locator('[data-testid="chart"][data-metric="train/loss"]')
    expect(both.locator(".legend-item")).to_have_count(2)
    expect(both.locator(".chart-legend")).to_contain_text("sdk-peer")
    # a metric only our run logged still names the run
    only = compare.locator('[data-testid="chart"][data-metric="train/acc"]')
    expect(only.locator(".chart-legend")).to_be_visible()
    expect(only.locator(".chart-legend")).to_have_text("ours")
    box = both.locator("svg.chart-svg").bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + box["height"] / 2)
    tooltip = both.locator(".chart-tooltip")
    expect(tooltip).to_be_visible()
    expect(tooltip).to_contain_text("ours:")
    expect(tooltip).to_contain_text("sdk-peer:")
    page.screenshot(path=str(artifact_path("dashboard_compare_legends.png")), full_page=True)


def test_compare_groups_runs_into_mean_lines_with_min_max_bands(page, standalone: Standalone, monkeypatch) -> None:
    expect = expect_ui()
    use_server_online(monkeypatch, standalone)
    ids = []
    for i, opt in enumerate(("adam", "adam", "sgd", "sgd", "sgd")):
        run = wandb.init(project="bands", name=f"{opt}-{i}", config={"opt": opt, "seed": i})
        for step in range(30):
            run.log({"loss": (1.0 + i) / (step + 1)})
        run.finish()
        ids.append(run.id)
    sign_in(page, standalone)
    page.goto(f"{standalone.url}/admin/bands?compare={','.join(ids)}")
    chart = page.locator('[data-testid="compare"] [data-testid="chart"][data-metric="loss"]')
    expect(chart.locator("polyline.chart-line")).to_have_count(5)
    page.select_option('[data-testid="compare-group"]', "config:opt")
    expect(chart.locator("polyline.chart-line")).to_have_count(2)
    expect(chart.locator("polygon.chart-band")).to_have_count(2)
    expect(chart.locator(".legend-item")).to_have_text(["adam (2)", "sgd (3)"])
    # each group's mean: at step s, adam (1 + 2) / 2 / (s + 1) and sgd (3 + 4 + 5) / 3 / (s + 1)
    box = chart.locator("svg.chart-svg").bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.2, box["y"] + box["height"] / 2)
    tooltip = chart.locator(".chart-tooltip")
    expect(tooltip).to_be_visible()
    step = int(re.search(r"Step (\d+)", tooltip.inner_text()).group(1))  # type: ignore[union-attr]
    expect(tooltip).to_contain_text(f"adam (2): {1.5 / (step + 1):.6g}")
    expect(tooltip).to_contain_text(f"sgd (3): {4 / (step + 1):.6g}")
    page.screenshot(path=str(artifact_path("dashboard_compare_bands.png")), full_page=True)
