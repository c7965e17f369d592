"""The column cache and downsampling of the dashboard, and the local run scan, on real files."""

from __future__ import annotations

import json
import math
import os
from array import array
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from wandb_jupyter.dashboard import LocalCatalog, SeriesCache, Viewer, downsample
from wandb_jupyter.dashboard._local_catalog import wandb_dirs


def _write(path: Path, rows: list[dict], mode: str = "a") -> None:
    with open(path, mode, encoding="utf-8") as handle:
        handle.write("".join(json.dumps(row) + "\n" for row in rows))


@settings(max_examples=200, deadline=None)
@given(ys=st.lists(st.floats(allow_nan=False, allow_infinity=False, width=32), min_size=1, max_size=600),
       samples=st.integers(min_value=4, max_value=120), gaps=st.lists(st.integers(0, 5), min_size=600, max_size=600))
def test_downsampling_keeps_extremes_order_and_real_points(ys, samples, gaps) -> None:
    xs, x = [], 0.0
    for gap in gaps[:len(ys)]:
        xs.append(x)
        x += gap  # repeated x values and uneven spacing
    out_x, out_y = downsample(array("d", xs), array("d", ys), samples)
    assert len(out_x) == len(out_y) <= samples or (out_x, out_y) == (xs, ys)
    assert min(out_y) == min(ys) and max(out_y) == max(ys)
    assert out_x == sorted(out_x) and out_x[0] == xs[0] and out_x[-1] == xs[-1]
    assert set(zip(out_x, out_y)) <= set(zip(xs, ys))
    if len(ys) <= samples:
        assert (out_x, out_y) == (xs, ys)


def test_unordered_x_is_sorted_before_bucketing() -> None:
    xs = array("d", [5, 1, 4, 2, 3] * 40)
    ys = array("d", range(200))
    out_x, out_y = downsample(xs, ys, 8, ordered=False)
    assert out_x == sorted(out_x) and len(out_x) <= 8 and {0.0, 199.0} <= set(out_y)


def test_the_cache_reads_only_whole_appended_lines(tmp_path: Path) -> None:
    path = tmp_path / "wandb-history.jsonl"
    _write(path, [{"_step": i, "a": i, "t": "text", "b": True, "nan": math.nan, "inf": math.inf,
                   "nested": {"x": i, "media": {"_type": "image-file", "path": "p.png"}}} for i in range(10)])
    cache = SeriesCache()
    assert cache.overview(path) == (10, ["a", "nested.x"])  # no text, booleans, NaN, inf or media
    with open(path, "a", encoding="utf-8") as handle:
        handle.write('{"_step": 10, "a": 10}\n{"_step": 11, "a"')  # a writer in the middle of a row
    answer = cache.history(path, ["a"], "_step", 1000)
    assert answer["rows"] == 11 and answer["series"]["a"]["x"] == list(range(11))
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(': 11}\nnot json\n\n{"_step": 12, "a": 12, "big": 1e400}\n')
    answer = cache.history(path, ["a", "missing"], "_step", 1000)
    assert answer["rows"] == 13 and answer["series"]["a"]["y"] == list(range(13))
    assert answer["series"]["missing"] == {"x": [], "y": []}
    # a file rewritten in place (smaller, another inode) is read from the start again
    replacement = tmp_path / "new.jsonl"
    _write(replacement, [{"_step": 0, "z": 1.5}], mode="w")
    os.replace(replacement, path)
    assert cache.history(path, None, "_step", 1000) == {"rows": 1, "x": "_step",
                                                         "series": {"z": {"x": [0.0], "y": [1.5]}}}


def test_rows_without_the_chosen_x_are_left_out(tmp_path: Path) -> None:
    path = tmp_path / "h.jsonl"
    _write(path, [{"_step": 0, "_runtime": 0.5, "m": 1}, {"_step": 1, "m": 2}, {"_runtime": 2.5, "m": 3}])
    cache = SeriesCache()
    assert cache.history(path, ["m"], "_runtime", 100)["series"]["m"] == {"x": [0.5, 2.5], "y": [1.0, 3.0]}
    assert cache.history(path, ["m"], "_step", 100)["series"]["m"] == {"x": [0.0, 1.0], "y": [1.0, 2.0]}
    _write(path, [{"_step": 5, "m": 5}, {"_step": 3, "m": 3}], mode="w")  # x going back: drawn in x order
    assert cache.history(path, ["m"], "_step", 100)["series"]["m"] == {"x": [3.0, 5.0], "y": [3.0, 5.0]}


def test_the_cache_drops_the_least_recently_used_file_beyond_its_budget(tmp_path: Path) -> None:
    first, second = tmp_path / "1.jsonl", tmp_path / "2.jsonl"
    for path in (first, second):
        _write(path, [{"_step": i, "a": i} for i in range(1000)])
    cache = SeriesCache(max_points=6000)
    cache.history(first, ["a"], "_step", 100)
    held_one = cache.points()
    assert 3000 <= held_one <= 6000  # columns, the x spread over rows, the joined and sampled series
    cache.history(second, ["a"], "_step", 100)
    assert cache.points() == held_one  # the first file made room for the second
    assert cache.history(first, ["a"], "_step", 5000)["series"]["a"]["y"] == list(range(1000))  # read again


def _run_dir(wandb_dir: Path, stamp: str, run_id: str, *, project: str, name: str, offline: bool = True) -> Path:
    root = wandb_dir / f"{'offline-' if offline else ''}run-{stamp}-{run_id}"
    (root / "files").mkdir(parents=True)
    (root / "files" / "wandb-metadata.json").write_text(json.dumps(
        {"entity": "me", "project": project, "name": name, "startedAt": "2026-01-02T03:04:05+00:00"}))
    (root / "files" / "wandb-summary.json").write_text(json.dumps({"_wandb": {"exitcode": 1}}))
    return root


def test_local_scan_depth_skips_and_the_latest_directory_of_an_id(tmp_path: Path) -> None:
    root = tmp_path / "root"
    at_six = root / "1" / "2" / "3" / "4" / "5" / "wandb"
    at_seven = root / "1" / "2" / "3" / "4" / "5" / "6" / "wandb"
    skipped = [root / ".hidden" / "wandb", root / "venv" / "wandb", root / "a" / "site-packages" / "wandb"]
    _run_dir(at_six, "20260101_000000", "six", project="p", name="six")
    _run_dir(at_seven, "20260101_000000", "seven", project="p", name="seven")
    for folder in skipped:
        _run_dir(folder, "20260101_000000", "skip", project="p", name="skipped")
    _run_dir(root / "wandb", "20260101_000000", "same", project="p", name="older", offline=False)
    _run_dir(root / "b" / "wandb", "20260301_000000", "same", project="p", name="newer")
    (root / "c").mkdir()
    os.symlink(at_seven.parent, root / "c" / "link")  # links are not followed

    assert set(wandb_dirs(root)) == {at_six, root / "wandb", root / "b" / "wandb"}
    catalog = LocalCatalog([root, None, str(root)])
    assert catalog.roots == [root.resolve()]
    runs = {run.id: run for run in catalog.runs(Viewer(), "me", "p")}
    assert set(runs) == {"six", "same"}
    assert runs["same"].name == "newer" and runs["same"].state == "failed"
    assert catalog.run(Viewer(), "me", "p", "seven") is None
    assert [(p.entity, p.project, p.runs) for p in catalog.projects(Viewer())] == [("me", "p", 2)]
