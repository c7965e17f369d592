"""The same programs with this package and with W&B 0.31 offline write the same media files and values.

Every file under ``files/media`` must have the same path and the same bytes
(so the same sha256 and W&B's hash-named file), and every history row,
summary and config ``_wandb`` entry the same JSON, field by field. The only
fields left out are W&B's ``artifact_path``/``_latest_artifact_path`` of a
table (they name a run-table artifact this package does not create).

One W&B quirk is not copied: its summary merges a nested value leaf by leaf, so
an image logged with a caption and later without one keeps the old caption in
the summary; here the summary holds the last logged value whole. The programs
below log each key the same way each time.
"""

from __future__ import annotations

import pytest

from .conftest import comparable

pytest.importorskip("PIL")
pytest.importorskip("pandas")

pytestmark = pytest.mark.wandb_sdk

IMAGES = """
import numpy as np
from PIL import Image as PILImage

rng = np.random.RandomState(0)
rgb = rng.randint(0, 256, size=(24, 32, 3)).astype(np.uint8)
gray = rng.randint(0, 256, size=(16, 16)).astype(np.uint8)
PILImage.fromarray(rgb).save("photo.png")
run = wandb.init(project="p")
run.log({
    "rgb": wandb.Image(rgb, caption="a caption"),
    "gray": wandb.Image(gray),
    "one_channel": wandb.Image(gray[:, :, None]),
    "rgba": wandb.Image(rng.randint(0, 256, size=(8, 8, 4)).astype(np.uint8)),
    "float255": wandb.Image(rng.uniform(0, 255, size=(8, 8, 3))),
    "pil": wandb.Image(PILImage.fromarray(rgb)),
    "path": wandb.Image("photo.png"),
    "jpg": wandb.Image(rgb, file_type="jpg"),
    "mode_l": wandb.Image(rgb, mode="L"),
    "batch": [wandb.Image(rgb, caption=f"n{i}") for i in range(3)],
    "train/nested_key": wandb.Image(gray),
    "group": {"inner": wandb.Image(gray)},
})
mask = (np.arange(16 * 16).reshape(16, 16) % 3).astype(np.uint8)
boxes = {"box_data": [{"position": {"minX": 0.1, "maxX": 0.5, "minY": 0.2, "maxY": 0.6}, "class_id": 1,
                       "box_caption": "cat", "scores": {"acc": 0.9}},
                      {"position": {"middle": [0.5, 0.5], "width": 0.2, "height": 0.1}, "class_id": 2}],
         "class_labels": {1: "cat", 2: "dog"}}
run.log({"annotated": wandb.Image(gray, masks={"pred": {"mask_data": mask, "class_labels": {0: "a", 1: "b", 2: "c"}}},
                                  boxes={"pred": boxes})})
run.log({"rgb": wandb.Image(rgb[::-1], caption="flipped")})
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
figure, axes = plt.subplots(figsize=(3, 2), dpi=50)
axes.plot([1, 3, 2])
shown, image_axes = plt.subplots(figsize=(2, 2), dpi=50)
image_axes.imshow(gray)
run.log({"figure_image": wandb.Image(figure), "pyplot_image": wandb.Image(plt), "figure_with_image": shown})
run.summary["best"] = wandb.Image(gray, caption="best")
run.finish()
"""

TABLES_AND_CHARTS = """
import numpy as np
import pandas as pd

run = wandb.init(project="p")
table = wandb.Table(columns=["a", "b", "c"], data=[[1, "x", 0.5], [2, "y", float("nan")], [3, None, 1e-7]])
table.add_data(4, "z", 2.5e-05)
frame = pd.DataFrame({"n": [1, 2, 3], "name": ["p", "q", "r"], "v": [0.1, 0.2, 0.3]})
points = wandb.Table(data=[[x, x * x] for x in range(10)], columns=["x", "y"])
run.log({"table": table, "frame": wandb.Table(dataframe=frame), "raw_frame": frame,
         "array_table": wandb.Table(data=np.arange(6).reshape(3, 2), columns=["p", "q"])})
run.log({"line": wandb.plot.line(points, "x", "y", title="squares"),
         "scatter": wandb.plot.scatter(points, "x", "y", title="dots"),
         "bar": wandb.plot.bar(wandb.Table(data=[["a", 1], ["b", 2]], columns=["l", "v"]), "l", "v", title="bars"),
         "hist": wandb.plot.histogram(wandb.Table(data=[[v] for v in [1, 2, 2, 3]], columns=["v"]), "v", title="h"),
         "series": wandb.plot.line_series(xs=[0, 1, 2], ys=[[1, 2, 3], [3, 2, 1]], keys=["up", "down"], title="s"),
         "split": wandb.plot.line(points, "x", "y", title="apart", split_table=True)})
run.log({"cm": wandb.plot.confusion_matrix(y_true=[0, 1, 2, 1, 0], preds=[0, 2, 2, 1, 0],
                                           class_names=["zero", "one", "two"]),
         "cm_probs": wandb.plot.confusion_matrix(probs=[[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]], y_true=[0, 1, 1])})
run.summary["final_table"] = wandb.Table(columns=["k"], data=[["v"]])
run.finish()
"""

OTHER_MEDIA = """
import numpy as np
import plotly.graph_objects as go

rng = np.random.RandomState(1)
with open("page.html", "w") as f:
    f.write("<html><body><p>from a file</p></body></html>")
with open("cube.obj", "w") as f:
    f.write("v 0 0 0\\nv 1 0 0\\nv 0 1 0\\nf 1 2 3\\n")
import wave
with wave.open("tone.wav", "wb") as out:
    out.setnchannels(1)
    out.setsampwidth(2)
    out.setframerate(8000)
    out.writeframes((np.sin(np.arange(800) / 5.0) * 20000).astype("<i2").tobytes())
from PIL import Image as PILImage
frames = [PILImage.fromarray(rng.randint(0, 256, size=(10, 12, 3)).astype(np.uint8)) for _ in range(3)]
frames[0].save("clip.gif", save_all=True, append_images=frames[1:], loop=0, duration=100)
with open("water.pdb", "w") as f:
    f.write("ATOM      1  O   HOH A   1       0.000   0.000   0.000  1.00  0.00           O\\nEND\\n")
run = wandb.init(project="p")
run.log({
    "hist": wandb.Histogram(rng.normal(size=1000)),
    "hist_bins": wandb.Histogram([1, 2, 2, 3, 3, 3], num_bins=3),
    "np_hist": wandb.Histogram(np_histogram=np.histogram(rng.normal(size=100), bins=5)),
    "raw_large": rng.normal(size=5000),
    "raw_small": np.arange(4.0),
    "raw_one": np.array([7.5]),
    "raw_ints": np.arange(100),
    "html": wandb.Html("<h1>hello</h1>"),
    "html_head": wandb.Html("<html><head><title>t</title></head><body>b</body></html>"),
    "html_plain": wandb.Html("<p>as is</p>", inject=False),
    "html_file": wandb.Html("page.html"),
    "audio": wandb.Audio(np.sin(np.linspace(0, 200, 4000)) * 1.1, sample_rate=16000, caption="tone"),
    "audio_int": wandb.Audio((rng.uniform(-1, 1, 500) * 30000).astype(np.int16), sample_rate=8000),
    "clips": [wandb.Audio(np.zeros(100), sample_rate=100), wandb.Audio(np.ones(50) * 0.5, sample_rate=100,
                                                                        caption="c")],
    "cloud": wandb.Object3D(rng.uniform(-1, 1, size=(50, 3))),
    "cloud_rgb": wandb.Object3D(np.hstack([rng.uniform(-1, 1, (20, 3)), rng.randint(0, 255, (20, 3))])),
    "mesh": wandb.Object3D("cube.obj"),
    "mesh_file": wandb.Object3D(open("cube.obj")),
    "plotly": go.Figure(data=[go.Scatter(x=[1, 2, 3], y=[4, 1, 2])]),
    "pages": [wandb.Html("<p>1</p>"), wandb.Html("<p>2</p>")],
    "molecule": wandb.Molecule("water.pdb", caption="water"),
    "audio_file": wandb.Audio("tone.wav", caption="from a file"),
    "video_file": wandb.Video("clip.gif", caption="from a file"),
    "videos": [wandb.Video("clip.gif"), wandb.Video("clip.gif")],
    "molecules": [wandb.Molecule("water.pdb"), wandb.Molecule(open("water.pdb"), file_type="pdb")],
})
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
figure, axes = plt.subplots()
axes.plot([1, 2, 3], [3, 1, 2])
run.log({"matplotlib": figure})
run.finish()
"""


def _compare(ours, theirs) -> None:
    ours_media, their_media = ours.media(), theirs.media()
    assert sorted(ours_media) == sorted(their_media)
    for path, content in their_media.items():
        assert ours_media[path] == content, f"{path} differs"
    ours_rows, their_rows = ours.rows(), theirs.rows()
    assert len(ours_rows) == len(their_rows)
    for ours_row, their_row in zip(ours_rows, their_rows):
        assert sorted(comparable(ours_row)) == sorted(comparable(their_row))
        for key, value in comparable(their_row).items():
            assert comparable(ours_row)[key] == value, f"history key {key}"
    ours_summary, their_summary = comparable(ours.summary()), comparable(theirs.summary())
    for key, value in their_summary.items():
        assert ours_summary.get(key) == value, f"summary key {key}"
    assert sorted(ours_summary) == sorted(their_summary)


def _compare_wandb_config(ours, theirs, *sections: str) -> None:
    ours_block, their_block = ours.wandb_config(), theirs.wandb_config()
    for section in sections:
        assert comparable(ours_block.get(section)) == comparable(their_block.get(section)), section
        assert their_block.get(section), f"the real SDK recorded no {section}"


def test_images_masks_and_boxes_land_as_wandb_writes_them(run_both) -> None:
    pytest.importorskip("matplotlib")
    ours, theirs = run_both(IMAGES)
    _compare(ours, theirs)
    _compare_wandb_config(ours, theirs, "mask/class_labels", "bounding_box/class_labels")
    row = ours.rows()[0]
    assert row["batch"]["_type"] == "images/separated" and row["batch"]["count"] == 3
    assert row["rgb"]["path"].startswith("media/images/rgb_0_") and row["rgb"]["width"] == 32
    assert (ours.files / row["train/nested_key"]["path"]).is_file() and "/train/" in row["train/nested_key"]["path"]
    assert ours.summary()["best"]["path"].startswith("media/images/best_summary_")


def test_tables_and_charts_land_as_wandb_writes_them(run_both) -> None:
    ours, theirs = run_both(TABLES_AND_CHARTS)
    _compare(ours, theirs)
    _compare_wandb_config(ours, theirs, "visualize")
    assert sorted(ours.wandb_config()["visualize"]) == [
        "bar",
        "cm",
        "cm_probs",
        "hist",
        "line",
        "scatter",
        "series",
        "split",
    ]
    assert "Custom Chart Tables/split_table" in ours.rows()[1]


def test_histograms_html_audio_3d_and_plotly_land_as_wandb_writes_them(run_both) -> None:
    pytest.importorskip("plotly")
    pytest.importorskip("matplotlib")
    pytest.importorskip("soundfile")  # the real SDK's WAV writer
    ours, theirs = run_both(OTHER_MEDIA)
    _compare(ours, theirs)
    row = ours.rows()[0]
    assert row["raw_large"]["_type"] == "histogram" and len(row["raw_large"]["values"]) == 32
    assert row["raw_small"] == [0, 1, 2, 3] and row["raw_one"] == 7.5
    assert row["plotly"]["_type"] == "plotly-file" and row["mesh"]["path"].endswith(".obj")
