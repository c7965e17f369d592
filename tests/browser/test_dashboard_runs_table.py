"""The runs table for analysis, in headless Chromium against a launched server.

Runs of our client (a learning-rate sweep, a failed run, tagged runs) and one of the
real W&B SDK: the default columns are the config keys that vary, config and summary
columns look different, filter expressions (``lr=0.01``, ``val/acc>0.9``, ``tags:best``,
``state:failed``, and/or) select the right rows, grouping by a config key, columns moved
and pinned and remembered after a reload, a CSV of what is shown, and the parameter
views (parallel coordinates, scatter) drawing one mark per shown run.
Screenshots land in ``test-artifacts/``.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest

import wandb_jupyter as wandb
from dashboard.conftest import Standalone, run_child, server_env, standalone  # noqa: F401 (fixtures)

from .conftest import artifact_path, expect_ui, sign_in

pytestmark = pytest.mark.browser

SWEEP = [
    # name, lr, opt, val/acc, tags, exit code
    ("lr-a", 0.1, "adam", 0.72, [], 0),
    ("lr-b", 0.01, "adam", 0.93, ["best"], 0),
    ("lr-c", 0.001, "sgd", 0.88, [], 0),
    ("lr-d", 0.01, "sgd", 0.95, ["best", "keep"], 0),
    ("lr-e", 0.0001, "adam", 0.31, [], 1),
]

SDK = """
import wandb
run = wandb.init(project="table", name="sdk-run", config={"lr": 0.01, "opt": "adam", "seed": 7}, tags=["sdk"])
run.log({"val/acc": 0.91, "loss": 0.2})
run.finish()
print("RUN", run.id)
"""


def _names(page: Any) -> list[str]:
    return sorted(page.locator('[data-testid="run-row"] td.name').all_text_contents())


@pytest.fixture
def project(standalone: Standalone, monkeypatch, server_env, tmp_path) -> dict[str, str]:
    monkeypatch.setenv("WANDB_BASE_URL", standalone.url)
    monkeypatch.setenv("WANDB_API_KEY", standalone.key)
    monkeypatch.setenv("WANDB_MODE", "online")
    ids = {}
    for name, lr, opt, acc, tags, code in SWEEP:
        run = wandb.init(project="table", name=name, config={"lr": lr, "opt": opt, "seed": 7}, tags=tags)
        run.log({"val/acc": acc, "loss": 1 - acc})
        run.finish(exit_code=code)
        ids[name] = run.id
    pytest.importorskip("wandb")
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
    ids["sdk-run"] = re.search(r"^RUN (\S+)$", done.stdout, re.M).group(1)  # type: ignore[union-attr]
    return ids


def test_runs_table_columns_filters_groups_and_csv(page, standalone: Standalone, project, tmp_path) -> None:
    expect = expect_ui()
    sign_in(page, standalone)
    page.goto(f"{standalone.url}/admin/table")
    expect(page.locator('[data-testid="run-row"]')).to_have_count(6)

    # default columns: the config keys that vary (lr, opt), not the constant seed
    headers = page.locator("thead th[data-column]")
    keys = [headers.nth(i).get_attribute("data-column") for i in range(headers.count())]
    assert "config:lr" in keys and "config:opt" in keys and "config:seed" not in keys, keys
    expect(page.locator('th[data-column="config:lr"]')).to_have_class("col-config")
    expect(page.locator('th[data-column="summary:loss"], th[data-column="summary:val/acc"]').first).to_have_class(
        "col-summary"
    )

    cases = {
        "lr=0.01": ["lr-b", "lr-d", "sdk-run"],
        "val/acc>0.9": ["lr-b", "lr-d", "sdk-run"],
        "tags:best": ["lr-b", "lr-d"],
        "state:failed": ["lr-e"],
        "lr=0.01 and opt=sgd": ["lr-d"],
        "state:failed or tags:keep": ["lr-d", "lr-e"],
        "opt=adam and not (lr=0.01 or state:failed)": ["lr-a"],
        "tags:sdk": ["sdk-run"],
    }
    for expression, expected in cases.items():
        page.fill('[data-testid="filter"]', expression)
        expect(page.locator('[data-testid="run-row"]')).to_have_count(len(expected))
        assert _names(page) == expected, expression
        expect(page.locator('[data-testid="filter-error"]')).to_be_hidden()
    page.fill('[data-testid="filter"]', "lr=0.01 and (tags:best")
    expect(page.locator('[data-testid="filter-error"]')).to_contain_text("missing )")

    page.fill('[data-testid="filter"]', "val/acc>0.8")
    expect(page.locator('[data-testid="run-row"]')).to_have_count(4)
    page.screenshot(path=str(artifact_path("dashboard_runs_filtered.png")), full_page=True)

    # CSV of what is shown: the filtered rows and the shown columns
    with page.expect_download() as info:
        page.click('[data-testid="export-csv"]')
    target = tmp_path / "runs.csv"
    info.value.save_as(target)
    table = list(csv.DictReader(io.StringIO(target.read_text())))
    assert sorted(r["Name"] for r in table) == ["lr-b", "lr-c", "lr-d", "sdk-run"]
    assert {r["lr"] for r in table} == {"0.01", "0.001"}
    assert all(float(r["val/acc"]) > 0.8 for r in table)

    # group by a config key
    page.fill('[data-testid="filter"]', "")
    page.select_option('[data-testid="group-by"]', "config:opt")
    groups = page.locator('[data-testid="group-row"]')
    expect(groups).to_have_count(2)
    assert [groups.nth(i).get_attribute("data-group") for i in range(2)] == ["adam", "sgd"]
    expect(groups.nth(0)).to_contain_text("4 runs")
    page.screenshot(path=str(artifact_path("dashboard_runs_grouped.png")), full_page=True)
    page.select_option('[data-testid="group-by"]', "none")


def test_columns_move_and_pin_and_are_remembered(page, standalone: Standalone, project) -> None:
    expect = expect_ui()
    sign_in(page, standalone)
    page.goto(f"{standalone.url}/admin/table")
    expect(page.locator('[data-testid="run-row"]')).to_have_count(6)

    def order() -> list[str]:
        headers = page.locator("thead th[data-column]")
        return [headers.nth(i).get_attribute("data-column") for i in range(headers.count())]

    before = order()
    assert before.index("config:lr") < before.index("config:opt")
    page.locator('th[data-column="config:opt"]').hover()
    page.locator('th[data-column="config:opt"] [data-testid="move-left"]').click()
    moved = order()
    assert moved.index("config:opt") < moved.index("config:lr"), moved
    page.locator('th[data-column="summary:val/acc"]').hover()
    page.locator('th[data-column="summary:val/acc"] [data-testid="pin"]').click()
    pinned = order()
    assert pinned[:2] == ["name", "summary:val/acc"], pinned
    page.reload()
    expect(page.locator('[data-testid="run-row"]')).to_have_count(6)
    assert order() == pinned


def test_parallel_coordinates_and_scatter_follow_the_shown_runs(page, standalone: Standalone, project) -> None:
    expect = expect_ui()
    sign_in(page, standalone)
    page.goto(f"{standalone.url}/admin/table")
    expect(page.locator('[data-testid="run-row"]')).to_have_count(6)
    parallel = page.locator('[data-testid="parallel-coordinates"]')
    expect(parallel).to_have_attribute("data-lines", "6")
    page.select_option('[data-testid="scatter-x"]', "lr")
    page.select_option('[data-testid="scatter-y"]', "val/acc")
    scatter = page.locator('[data-testid="scatter"]')
    expect(scatter).to_have_attribute("data-points", "6")
    # lr spans four decades: a log axis, the best run (lr-d, 0.95) highest
    expect(scatter).to_contain_text("lr (log)")
    dots = {d.get_attribute("data-run-id"): float(d.get_attribute("cy") or 0) for d in scatter.locator("circle").all()}
    assert min(dots, key=dots.__getitem__) == project["lr-d"]
    page.locator("#parameters").screenshot(path=str(artifact_path("dashboard_parameters.png")))
    page.fill('[data-testid="filter"]', "tags:best")
    expect(parallel).to_have_attribute("data-lines", "2")
    expect(scatter).to_have_attribute("data-points", "2")
