"""Images inside table cells show as thumbnails.

W&B's table JSON holds an image cell as ``{"_type": "image-file", "path": "media/images/..."}``;
our client writes the file beside the run's other media, and the table panel draws it as an
``<img>`` that links to the full file, instead of the text ``[image-file]``. (The real SDK 0.31
writes ``"Image"`` placeholders into the run's copy of the table and keeps the images only in
the run-table artifact it uploads: those cells stay text here.)
"""

from __future__ import annotations

import re

import pytest

from dashboard.conftest import Standalone, run_child, server_env, standalone  # noqa: F401 (fixtures)

from .conftest import artifact_path, expect_ui

pytestmark = pytest.mark.browser

SCRIPT = """
import numpy as np
import {module} as wandb
run = wandb.init(project="tables", name="{name}")
cells = [np.full((12, 12, 3), shade, dtype="uint8") for shade in (30, 120, 240)]
table = wandb.Table(columns=["id", "picture"], data=[[i, wandb.Image(c, caption=f"shade {{i}}")]
                                                     for i, c in enumerate(cells)])
run.log({{"preds": table}})
run.finish()
print("RUN", run.id)
"""


def test_images_in_table_cells_are_thumbnails(page, standalone: Standalone, server_env, tmp_path) -> None:
    pytest.importorskip("numpy")
    module = "wandb_jupyter"
    name = f"{module}-table"
    env = {**server_env, "WANDB_BASE_URL": standalone.url, "WANDB_API_KEY": standalone.key, "WANDB_DIR": str(tmp_path)}
    done = run_child(SCRIPT.format(module=module, name=name), cwd=tmp_path, env={**env, "WANDB_MODE": "online"})
    run_id = re.search(r"^RUN (\S+)$", done.stdout, re.M).group(1)  # type: ignore[union-attr]
    expect = expect_ui()
    page.goto(standalone.login_url)
    page.goto(f"{standalone.url}/admin/tables/runs/{run_id}")
    table = page.locator('[data-testid="media-panel"][data-key="preds"] [data-testid="media-table"]')
    thumbs = table.locator('[data-testid="table-image"]')
    expect(thumbs).to_have_count(3)
    expect(table).not_to_contain_text("[image-file]")
    expect(thumbs.nth(1)).to_have_attribute("alt", "shade 1")
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=\"table-image\"]')]"
        ".every(img => img.complete && img.naturalWidth === 12)"
    )
    href = thumbs.nth(0).locator("xpath=..").get_attribute("href") or ""
    assert "media%2Fimages" in href or "media/images" in href, href
    table.screenshot(path=str(artifact_path(f"dashboard_table_images_{module}.png")))
