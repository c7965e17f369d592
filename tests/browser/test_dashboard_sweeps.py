"""The dashboard's sweep page in headless Chromium, over a sweep our client ran on a launched server: the project
page lists it; its page shows the state, the best run, parallel coordinates and the trials linking to runs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import wandb_jupyter as wandb
from dashboard.conftest import Standalone, server_env, standalone  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser


def test_the_sweep_page_shows_progress_best_run_parallel_coordinates_and_trials(
    page, standalone: Standalone, monkeypatch, isolated: Path
) -> None:
    from playwright.sync_api import expect

    monkeypatch.setenv("WANDB_BASE_URL", standalone.url)
    monkeypatch.setenv("WANDB_API_KEY", standalone.key)
    monkeypatch.setenv("WANDB_MODE", "online")
    config = {
        "method": "grid",
        "metric": {"name": "loss", "goal": "minimize"},
        "parameters": {"lr": {"values": [0.001, 0.01, 0.1]}, "opt": {"values": ["adam", "sgd"]}},
    }
    sweep_id = wandb.sweep(config, project="tune", entity="admin")

    def train() -> None:
        run = wandb.init()
        run.log({"loss": run.config.lr * (2 if run.config.opt == "sgd" else 1)})

    wandb.agent(sweep_id, function=train)

    page.goto(standalone.login_url)
    page.wait_for_url(re.compile(re.escape(standalone.url) + r"/?$"))
    page.goto(f"{standalone.url}/admin/tune")
    item = page.locator(f'[data-testid="sweeps"] li[data-sweep-id="{sweep_id}"]')
    expect(item).to_contain_text("grid, finished: 6/6 trials: 6 finished")
    item.locator("a").click()
    page.wait_for_url(f"{standalone.url}/admin/tune/sweeps/{sweep_id}")
    expect(page.locator('[data-testid="sweep-state"]')).to_have_text("finished")
    expect(page.locator('[data-testid="sweep-progress"]')).to_contain_text("6/6 trials: 6 finished")
    expect(page.locator('[data-testid="sweep-best"]')).to_contain_text("loss 0.001 (lr=0.001, opt=adam)")
    expect(page.locator('[data-testid="sweep-parallel"]')).to_have_attribute("data-lines", "6")
    rows = page.locator('[data-testid="sweep-trials"] tbody tr')
    expect(rows).to_have_count(6)
    expect(page.locator('[data-testid="sweep-trials"] tr.best')).to_have_count(1)
    best = page.locator('[data-testid="sweep-trials"] tr.best')
    run_id = best.get_attribute("data-run-id")
    best.locator("a").click()
    page.wait_for_url(f"{standalone.url}/admin/tune/runs/{run_id}")
