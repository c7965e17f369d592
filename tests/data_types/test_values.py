"""What our data types do beyond the byte-for-byte comparison: speed, durability, lightness, our extensions."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import wandb_jupyter as wandb

pytest.importorskip("PIL")


def _rows(run) -> list[dict]:
    return [json.loads(line) for line in (run.paths.files / "wandb-history.jsonl").read_text().splitlines()]


def test_a_million_value_array_is_a_histogram_in_milliseconds(isolated) -> None:
    run = wandb.init(mode="offline", project="p")
    values = np.random.default_rng(0).normal(size=10**6)
    started = time.perf_counter()
    run.log({"weights": values})
    took = time.perf_counter() - started
    run.finish()
    histogram = _rows(run)[0]["weights"]
    assert histogram["_type"] == "histogram" and len(histogram["values"]) == 32 and sum(histogram["values"]) == 10**6
    assert histogram["bins"][0] == values.min() and histogram["bins"][-1] == values.max()
    assert took < 0.5, f"log() of 10^6 values took {took:.2f} s"  # was 32 s through tolist()


def test_nan_in_a_raw_array_is_left_out_of_its_histogram(isolated) -> None:
    run = wandb.init(mode="offline", project="p")
    run.log({"a": np.r_[np.arange(40.0), np.nan, np.inf]})
    run.finish()
    assert sum(_rows(run)[0]["a"]["values"]) == 40


def test_float_images_in_0_1_are_scaled_and_chw_is_turned(isolated) -> None:
    run = wandb.init(mode="offline", project="p")
    run.log({"half": wandb.Image(np.full((4, 6), 0.5)), "chw": wandb.Image(np.zeros((3, 8, 6), dtype=np.uint8))})
    run.finish()
    row = _rows(run)[0]
    from PIL import Image as PILImage

    with PILImage.open(run.paths.files / row["half"]["path"]) as picture:
        assert picture.getpixel((0, 0)) == 127  # W&B 0.31 writes 0 here: a black image
    assert (row["chw"]["width"], row["chw"]["height"]) == (6, 8)


def test_every_row_names_a_whole_file_and_no_temporary_file_is_left(isolated) -> None:
    run = wandb.init(mode="offline", project="p")
    rng = np.random.default_rng(1)
    for step in range(5):
        run.log(
            {
                "img": wandb.Image(rng.integers(0, 256, size=(32, 32, 3), dtype=np.uint8)),
                "t": wandb.Table(columns=["s"], data=[[step]]),
            }
        )
    run.finish()
    for row in _rows(run):
        for key in ("img", "t"):
            data = (run.paths.files / row[key]["path"]).read_bytes()
            assert hashlib.sha256(data).hexdigest() == row[key]["sha256"] and len(data) == row[key]["size"]
    assert not list((run.paths.files / "media").rglob(".*"))


def test_a_killed_program_leaves_every_logged_media_file_whole(tmp_path, env_for_subprocess) -> None:
    script = (
        "import numpy as np, sys, wandb_jupyter as wandb\n"
        "run = wandb.init(mode='offline', project='p')\n"
        "rng = np.random.default_rng(2)\n"
        "for i in range(100000):\n"
        "    run.log({'img': wandb.Image(rng.integers(0, 256, size=(64, 64, 3), dtype=np.uint8))})\n"
        "    if i == 5: print('logging', flush=True)\n"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", script], cwd=tmp_path, env=env_for_subprocess, stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None and child.stdout.readline().strip() == "logging"
    time.sleep(0.3)
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)
    files = next(tmp_path.glob("wandb/offline-run-*/files"))
    rows = [json.loads(line) for line in (files / "wandb-history.jsonl").read_text().splitlines()]
    assert len(rows) > 5
    for row in rows:
        data = (files / row["img"]["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == row["img"]["sha256"]


def test_a_value_logged_twice_is_one_file_and_a_changed_table_a_new_one(isolated) -> None:
    run = wandb.init(mode="offline", project="p")
    image = wandb.Image(np.zeros((4, 4), dtype=np.uint8))
    table = wandb.Table(columns=["a"], data=[[1]])
    run.log({"img": image, "t": table})
    run.log({"img": image, "t": table})
    table.add_data(2)
    run.log({"t": table})
    run.finish()
    rows = _rows(run)
    assert rows[0]["img"]["path"] == rows[1]["img"]["path"] and rows[0]["t"]["path"] == rows[1]["t"]["path"]
    assert rows[2]["t"]["path"] != rows[1]["t"]["path"] and rows[2]["t"]["nrows"] == 2
    assert len(list((run.paths.files / "media" / "images").iterdir())) == 1


def test_table_api(isolated) -> None:
    pytest.importorskip("pandas")
    table = wandb.Table(columns=["a", "b"], data=[[1, "x"], [2, "y"]])
    table.add_column("c", [0.5, 1.5])
    assert table.get_column("c") == [0.5, 1.5] and list(table.get_column("a", convert_to="numpy")) == [1, 2]
    frame = table.get_dataframe()
    assert list(frame.columns) == ["a", "b", "c"] and frame["b"].tolist() == ["x", "y"]
    assert wandb.Table(dataframe=frame).data == [[1, "x", 0.5], [2, "y", 1.5]]


def test_media_in_table_cells_get_their_own_files(isolated) -> None:
    run = wandb.init(mode="offline", project="p")
    table = wandb.Table(columns=["id", "picture"])
    for i in range(3):
        table.add_data(i, wandb.Image(np.full((4, 4), i * 40, dtype=np.uint8)))
    run.log({"samples": table})
    run.finish()
    stored = json.loads((run.paths.files / _rows(run)[0]["samples"]["path"]).read_text())
    cells = [row[1] for row in stored["data"]]
    assert [c["_type"] for c in cells] == ["image-file"] * 3
    assert all((run.paths.files / c["path"]).is_file() for c in cells)


def test_frames_become_a_gif_without_moviepy(isolated) -> None:
    run = wandb.init(mode="offline", project="p")
    frames = np.random.default_rng(3).integers(0, 256, size=(5, 3, 16, 20), dtype=np.uint8)
    run.log({"clip": wandb.Video(frames, fps=5, format="gif")})
    run.finish()
    value = _rows(run)[0]["clip"]
    assert (
        value["_type"] == "video-file"
        and value["path"].endswith(".gif")
        and (value["width"], value["height"]) == (20, 16)
    )
    from PIL import Image as PILImage

    with PILImage.open(run.paths.files / value["path"]) as gif:
        assert gif.n_frames == 5


def test_roc_and_pr_curves_without_scikit_learn(isolated) -> None:
    y_true = [0, 0, 1, 1]
    probas = [[0.9, 0.1], [0.6, 0.4], [0.65, 0.35], [0.2, 0.8]]
    roc = wandb.plot.roc_curve(y_true, probas)
    ones = [row[1:] for row in roc.table.data if row[0] == 1]
    assert ones == [[0.0, 0.0], [0.0, 0.5], [0.5, 0.5], [0.5, 1.0], [1.0, 1.0]]  # scikit-learn's roc_curve
    pr = wandb.plot.pr_curve(y_true, probas, interp_size=3)
    assert [row[1:] for row in pr.table.data if row[0] == 1] == [[0.667, 1.0], [1.0, 0.5], [1.0, 0.0]]
    assert roc.spec_name == pr.spec_name == "wandb/area-under-curve/v0"


def test_data_types_keep_the_import_light(env_for_subprocess) -> None:
    script = (
        "import sys, wandb_jupyter as wandb\n"
        "names = [wandb.Image, wandb.Table, wandb.Histogram, wandb.plot.line, wandb.Audio, wandb.Video]\n"
        "print([m for m in ('numpy', 'PIL', 'pandas', 'matplotlib', 'plotly') if m in sys.modules])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], env=env_for_subprocess, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"


def test_a_disabled_run_takes_data_types_and_writes_nothing(isolated) -> None:
    run = wandb.init(mode="disabled")
    image = wandb.Image(np.zeros((4, 4), dtype=np.uint8))
    run.log(
        {
            "img": image,
            "t": wandb.Table(columns=["a"], data=[[1]]),
            "chart": wandb.plot.bar(wandb.Table(columns=["l", "v"], data=[["a", 1]]), "l", "v"),
        }
    )
    run.summary["best"] = image
    run.finish()
    assert run.summary["best"] is image and not list(isolated.rglob("media"))


def test_a_disk_that_fills_up_with_images_stops_logging_not_the_program(tmp_path, env_for_subprocess) -> None:
    """A 512 KiB tmpfs (root with mount rights only) filled by images: one warning, exit 0, every row whole."""
    mount_point = tmp_path / "small-fs"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(mount_point)], capture_output=True, text=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.strip()}")
    try:
        script = (
            "import numpy as np, wandb_jupyter as wandb\n"
            "run = wandb.init(mode='offline', project='p', settings={'console': 'off'})\n"
            "rng = np.random.default_rng(5)\n"
            "for i in range(200):\n"
            "    run.log({'img': wandb.Image(rng.integers(0, 256, size=(48, 48, 3), dtype=np.uint8)), 'i': i})\n"
            "run.summary['last'] = wandb.Image(rng.integers(0, 256, size=(48, 48, 3), dtype=np.uint8))\n"
            "run.finish()\n"
            "print('DONE', run.exit_code)\n"
        )
        env = dict(env_for_subprocess, WANDB_DIR=str(mount_point))
        done = subprocess.run(
            [sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0 and "DONE 0" in done.stdout, done.stderr
        assert done.stderr.count("logging stopped:") == 1 and "No space left on device" in done.stderr
        files = next(mount_point.glob("wandb/offline-run-*/files"))
        rows = [json.loads(line) for line in (files / "wandb-history.jsonl").read_text().splitlines()]
        assert 0 < len(rows) < 200 and [row["i"] for row in rows] == list(range(len(rows)))
        for row in rows:
            data = (files / row["img"]["path"]).read_bytes()
            assert hashlib.sha256(data).hexdigest() == row["img"]["sha256"]
        assert not list((files / "media").rglob(".*"))  # no temporary file left behind
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], capture_output=True)


def test_a_value_logged_to_two_runs_has_its_file_in_each(isolated) -> None:
    image = wandb.Image(np.zeros((4, 4), dtype=np.uint8))
    first = wandb.init(mode="offline", project="p")
    first.log({"img": image})
    second = wandb.init(mode="offline", project="p", reinit="create_new")
    second.log({"img": image})
    for run in (first, second):
        run.finish()
        assert (run.paths.files / _rows(run)[0]["img"]["path"]).is_file()
