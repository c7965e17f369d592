"""Media panels in headless Chromium: W&B's value format from our client and the real SDK.

Our run logs images, a table and a histogram at several steps (history): the image
panel gets a step slider, the histogram a heat map over steps. A real W&B SDK run
(online, against the launched server) logs an image, a captioned image list, a table,
a histogram, an audio clip, an HTML page and a 3D point cloud: each gets its panel from
the summary and its files under files/media/. Screenshots land in ``test-artifacts/``.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

import wandb_jupyter as wandb
from dashboard.conftest import Standalone, run_child, server_env, standalone  # noqa: F401 (fixtures)

from .conftest import artifact_path, expect_ui, sign_in

pytestmark = pytest.mark.browser

STEPS = 4

SDK = """
import numpy as np
import wandb
run = wandb.init(project="media", name="sdk-media")
rng = np.random.default_rng(0)
pixels = (rng.random((16, 16, 3)) * 255).astype("uint8")
table = wandb.Table(columns=["id", "label", "score"], data=[[i, f"item-{i}", i * 0.5] for i in range(45)])
rate = 8000
clip = np.sin(np.linspace(0, 440 * 2 * np.pi, rate)).astype("float32")
run.log({
    "sample": wandb.Image(pixels, caption="one sample"),
    "gallery": [wandb.Image(pixels, caption=f"pic {i}") for i in range(3)],
    "preds": table,
    "weights": wandb.Histogram(rng.normal(size=1000)),
    "clip": wandb.Audio(clip, sample_rate=rate, caption="a tone"),
    "page": wandb.Html("<h1 id='hello'>Hello from HTML</h1><script>document.title='ran'</script>"),
    "cloud": wandb.Object3D(rng.random((50, 3))),
})
run.finish()
print("RUN", run.id)
"""


def _panel(page: Any, key: str) -> Any:
    return page.locator(f'[data-testid="media-panel"][data-key="{key}"]')


def test_the_real_sdks_media_get_panels(page, standalone: Standalone, server_env, tmp_path) -> None:
    pytest.importorskip("wandb")
    pytest.importorskip("numpy")
    expect = expect_ui()
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
    sign_in(page, standalone)
    page.goto(f"{standalone.url}/admin/media/runs/{run_id}")

    image = _panel(page, "sample")
    expect(image).to_have_attribute("data-type", "image-file")
    expect(image.locator("figcaption")).to_have_text("one sample")
    poll = image.locator("img")
    expect(poll).to_have_count(1)
    page.wait_for_function("() => [...document.querySelectorAll('img')].every(i => i.complete && i.naturalWidth > 0)")
    assert poll.evaluate("i => i.naturalWidth") == 16

    gallery = _panel(page, "gallery")
    expect(gallery).to_have_attribute("data-type", "images/separated")
    expect(gallery.locator("figcaption")).to_have_text(["pic 0", "pic 1", "pic 2"])

    table = _panel(page, "preds")
    expect(table.locator('[data-testid="table-row"]')).to_have_count(20)
    expect(table.locator('[data-testid="table-info"]')).to_contain_text("45 rows · page 1 of 3")
    table.locator("th button", has_text="score").click()
    table.locator("th button", has_text="score").click()  # descending
    expect(table.locator('[data-testid="table-row"]').first).to_contain_text("item-44")
    table.locator('[data-testid="table-filter"]').fill("item-1")
    expect(table.locator('[data-testid="table-info"]')).to_contain_text("11 rows")  # item-1, item-10..19
    table.locator('[data-testid="table-filter"]').fill("")
    table.locator('[data-testid="table-next"]').click()
    expect(table.locator('[data-testid="table-info"]')).to_contain_text("page 2 of 3")

    hist = _panel(page, "weights")
    expect(hist.locator('[data-testid="histogram"] rect.hist-bar')).to_have_count(64)

    audio = _panel(page, "clip").locator("audio")
    page.wait_for_function(
        "() => { const a = document.querySelector('[data-key=\"clip\"] audio'); return a && a.readyState >= 1; }"
    )
    assert audio.evaluate("a => a.duration") == pytest.approx(1.0, abs=0.05)

    frame = _panel(page, "page").locator("iframe")
    expect(frame).to_have_attribute("sandbox", "allow-scripts")
    expect(page.frame_locator('[data-key="page"] iframe').locator("#hello")).to_have_text("Hello from HTML")
    # the page ran in a unique origin: it cannot reach the dashboard's cookies or API
    inner = next(f for f in page.frames if f != page.main_frame)
    assert inner.evaluate("() => { try { return document.cookie; } catch (e) { return 'blocked'; } }") in (
        "",
        "blocked",
    )

    cloud = _panel(page, "cloud")
    expect(cloud).to_have_attribute("data-type", "object3D-file")
    expect(cloud.locator('[data-testid="media-json"]')).to_contain_text("[")
    page.screenshot(path=str(artifact_path("dashboard_media_sdk.png")), full_page=True)


def test_our_runs_media_over_steps_get_a_slider_and_a_heat_map(page, standalone: Standalone, monkeypatch) -> None:
    np = pytest.importorskip("numpy")
    expect = expect_ui()
    monkeypatch.setenv("WANDB_BASE_URL", standalone.url)
    monkeypatch.setenv("WANDB_API_KEY", standalone.key)
    monkeypatch.setenv("WANDB_MODE", "online")
    run = wandb.init(project="media", name="ours-media")
    rng = np.random.default_rng(1)
    for step in range(STEPS):
        shade = np.full((8, 8, 3), 60 * step, dtype="uint8")
        run.log(
            {
                "frames": wandb.Image(shade, caption=f"frame {step}"),
                "grads": wandb.Histogram(rng.normal(loc=step, size=500)),
                "loss": 1.0 / (step + 1),
            }
        )
    run.finish()
    sign_in(page, standalone)
    page.goto(f"{standalone.url}/admin/media/runs/{run.id}")
    frames = _panel(page, "frames")
    expect(frames.locator("figcaption")).to_have_text(f"frame {STEPS - 1}")
    slider = frames.locator('[data-testid="media-slider"]')
    expect(slider).to_be_visible()
    slider.fill("0")
    expect(frames.locator("figcaption")).to_have_text("frame 0")
    expect(frames.locator('[data-testid="media-step"]')).to_have_text("step 0")
    heat = _panel(page, "grads").locator('[data-testid="histogram-heatmap"]')
    expect(heat).to_have_attribute("data-steps", str(STEPS))
    page.screenshot(path=str(artifact_path("dashboard_media_ours.png")), full_page=True)


SDK_OVERLAYS = """
import numpy as np
import wandb
run = wandb.init(project="media", name="sdk-overlays")
mask = np.zeros((40, 60), dtype="uint8")
mask[10:30, 20:50] = 1
mask[0:5, 0:5] = 2
boxes = [
    {"position": {"minX": 5, "maxX": 25, "minY": 5, "maxY": 20}, "class_id": 1, "box_caption": "cat",
     "domain": "pixel"},
    {"position": {"middle": [0.75, 0.5], "width": 0.2, "height": 0.4}, "class_id": 2},
]
run.log({"seg": wandb.Image(
    np.full((40, 60, 3), 200, dtype="uint8"),
    masks={"pred": {"mask_data": mask, "class_labels": {0: "bg", 1: "car", 2: "road"}}},
    boxes={"gt": {"box_data": boxes, "class_labels": {1: "cat", 2: "dog"}}},
)})
run.finish()
print("RUN", run.id)
"""


def test_masks_and_boxes_are_laid_over_an_image_with_toggles(
    page, standalone: Standalone, server_env, tmp_path
) -> None:
    pytest.importorskip("wandb")
    pytest.importorskip("numpy")
    expect = expect_ui()
    done = run_child(
        SDK_OVERLAYS,
        cwd=tmp_path,
        env={
            **server_env,
            "WANDB_BASE_URL": standalone.url,
            "WANDB_API_KEY": standalone.key,
            "WANDB_DIR": str(tmp_path),
        },
    )
    run_id = re.search(r"^RUN (\S+)$", done.stdout, re.M).group(1)  # type: ignore[union-attr]
    sign_in(page, standalone)
    page.goto(f"{standalone.url}/admin/media/runs/{run_id}")
    panel = _panel(page, "seg")
    mask = panel.locator('[data-testid="mask-overlay"]')
    expect(mask).to_have_attribute("data-painted", str(20 * 30 + 5 * 5))
    boxes = panel.locator('[data-testid="boxes-overlay"] g.box')
    expect(boxes).to_have_count(2)
    expect(panel.locator('[data-testid="boxes-overlay"]')).to_contain_text("cat")
    rect = boxes.nth(1).locator("rect")
    assert [float(rect.get_attribute(a) or 0) for a in ("x", "y", "width", "height")] == pytest.approx([39, 12, 12, 16])
    page.screenshot(path=str(artifact_path("dashboard_media_overlays.png")), full_page=True)
    panel.locator('input[data-class="2"]').uncheck()  # hide the "dog" class
    expect(boxes).to_have_count(1)
    panel.locator('input[data-overlay="mask pred"]').uncheck()
    expect(mask).to_be_hidden()
