"""The column cache and downsampling of the dashboard, and the local run scan, on real files."""

from __future__ import annotations

import json
import math
import os
import tempfile
from array import array
from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st

from wandb_jupyter.dashboard import LocalCatalog, SeriesCache, Viewer, _series, downsample
from wandb_jupyter.dashboard._local_catalog import wandb_dirs
from wandb_jupyter.dashboard._series import RunSeries


def _write(path: Path, rows: list[dict], mode: str = "a") -> None:
    with open(path, mode, encoding="utf-8") as handle:
        handle.write("".join(json.dumps(row) + "\n" for row in rows))


@settings(max_examples=200, deadline=None)
@given(
    ys=st.lists(st.floats(allow_nan=False, allow_infinity=False, width=32), min_size=1, max_size=600),
    samples=st.integers(min_value=4, max_value=120),
    gaps=st.lists(st.integers(0, 5), min_size=600, max_size=600),
)
def test_downsampling_keeps_extremes_order_and_real_points(ys, samples, gaps) -> None:
    xs, x = [], 0.0
    for gap in gaps[: len(ys)]:
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
    _write(
        path,
        [
            {
                "_step": i,
                "a": i,
                "t": "text",
                "b": True,
                "nan": math.nan,
                "inf": math.inf,
                "nested": {"x": i, "media": {"_type": "image-file", "path": "p.png"}},
            }
            for i in range(10)
        ],
    )
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
    assert cache.history(path, None, "_step", 1000) == {
        "rows": 1,
        "x": "_step",
        "series": {"z": {"x": [0.0], "y": [1.5]}},
    }


def test_rows_without_the_chosen_x_are_left_out(tmp_path: Path) -> None:
    path = tmp_path / "h.jsonl"
    _write(path, [{"_step": 0, "_runtime": 0.5, "m": 1}, {"_step": 1, "m": 2}, {"_runtime": 2.5, "m": 3}])
    cache = SeriesCache()
    assert cache.history(path, ["m"], "_runtime", 100)["series"]["m"] == {"x": [0.5, 2.5], "y": [1.0, 3.0]}
    assert cache.history(path, ["m"], "_step", 100)["series"]["m"] == {"x": [0.0, 1.0], "y": [1.0, 2.0]}
    _write(path, [{"_step": 5, "m": 5}, {"_step": 3, "m": 3}], mode="w")  # x going back: drawn in x order
    assert cache.history(path, ["m"], "_step", 100)["series"]["m"] == {"x": [3.0, 5.0], "y": [3.0, 5.0]}


def test_x_going_back_in_appended_rows_is_noticed_for_every_metric(tmp_path: Path) -> None:
    path = tmp_path / "h.jsonl"
    cache = SeriesCache()

    def drawn(steps: list[float]) -> dict:
        _write(path, [{"_step": step, "m": step, "n": -step} for step in steps])
        return cache.history(path, ["m", "n"], "_step", 100)["series"]

    assert drawn([0, 1, 2])["m"]["x"] == [0.0, 1.0, 2.0]
    assert drawn([5, 6])["n"] == {"x": [0.0, 1.0, 2.0, 5.0, 6.0], "y": [-0.0, -1.0, -2.0, -5.0, -6.0]}
    series = drawn([4])  # lower than the step before it, across the append
    assert series["m"] == {"x": [0.0, 1.0, 2.0, 4.0, 5.0, 6.0], "y": [0.0, 1.0, 2.0, 4.0, 5.0, 6.0]}
    assert series["n"]["x"] == series["m"]["x"] and series["n"]["y"] == [-0.0, -1.0, -2.0, -4.0, -5.0, -6.0]


_KEYS = ["_step", "loss", "a", "a.b", "b", "_type"]  # "a.b" is also the column of {"a": {"b": ...}}
_NUMBERS = st.one_of(st.floats(), st.integers(-(2**60), 2**60), st.sampled_from([2**1100, -(2**1100), 10**308, 1e308]))
_LEAVES = st.one_of(_NUMBERS, st.booleans(), st.none(), st.text(max_size=2), st.lists(st.integers(), max_size=2))
_VALUES = st.recursive(_LEAVES, lambda inner: st.dictionaries(st.sampled_from(_KEYS), inner, max_size=3), max_leaves=6)
_ROWS = st.one_of(
    st.dictionaries(st.sampled_from(_KEYS), _VALUES, max_size=5), st.sampled_from([5, [1], None, "row"])
)  # lines holding no object are no rows


@st.composite
def _chunks(draw: st.DrawFn) -> list[list]:
    """Chunks of rows: rows sharing one key set of numbers (the column path), with some odd rows
    (other keys, missing keys, nested dicts, strings, None, booleans, non-objects) mixed in."""
    chunks = []
    for _ in range(draw(st.integers(1, 3))):
        keys = draw(st.lists(st.sampled_from(_KEYS), unique=True, max_size=4))
        values = _NUMBERS if draw(st.booleans()) else _VALUES
        rows = [{key: draw(values) for key in draw(st.permutations(keys))} for _ in range(draw(st.integers(0, 12)))]
        for _ in range(draw(st.integers(0, 3))):
            odd = (
                draw(_ROWS)
                if draw(st.booleans())
                else {**{key: draw(values) for key in keys}, draw(st.sampled_from(_KEYS)): draw(_VALUES)}
            )
            rows.insert(draw(st.integers(0, len(rows))), odd)
        chunks.append(rows)
    return chunks


def _reference_columns(rows: list) -> dict[str, tuple[list[int], bytes]]:
    """What the columns must hold, by the rules of the module docstring, value by value."""
    columns: dict[str, tuple[list[int], list[float]]] = {}

    def visit(number: int, name: str, value: object) -> None:
        if type(value) is dict:
            if "_type" not in value:  # media
                for key, inner in value.items():
                    visit(number, f"{name}.{key}", inner)
        elif type(value) in (int, float):
            try:
                value = float(value)  # type: ignore[arg-type]
            except OverflowError:
                return
            if math.isfinite(value):
                columns.setdefault(name, ([], []))[0].append(number)
                columns[name][1].append(value)

    for number, row in enumerate(row for row in rows if type(row) is dict):
        for key, value in row.items():
            visit(number, key, value)
    return {name: (numbers, array("d", values).tobytes()) for name, (numbers, values) in columns.items()}


@settings(max_examples=300, deadline=None)
@given(chunks=_chunks())
# "a.b" from a key and from a nested dict: one column, in row order
@example(chunks=[[{"a.b": 1, "x": 0}, {"a.b": 2, "a": {"b": 3}, "x": 1}, {"a.b": 4, "x": 2.5}]])
def test_columns_read_a_chunk_at_a_time_equal_a_value_by_value_reading(chunks) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "h.jsonl"
        path.touch()
        series = RunSeries(path)
        for chunk in chunks:  # each update() parses what was appended as one chunk
            _write(path, chunk)
            series.update()
        every_row = [row for chunk in chunks for row in chunk]
        assert series.rows == sum(type(row) is dict for row in every_row)
        assert {
            name: (column.rows.tolist(), column.values.tobytes())  # bytes: -0.0 is not 0.0
            for name, column in series.columns.items()
        } == _reference_columns(every_row)


def test_lines_longer_than_a_read_block_are_joined_whole(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(_series, "CHUNK_BYTES", 7)  # every line spans blocks; some blocks hold no newline
    path = tmp_path / "h.jsonl"
    rows = [{"_step": i, "a": i / 3, "pad": "x" * (i % 5) * 9} for i in range(40)]
    _write(path, rows[:25])
    with open(path, "a", encoding="utf-8") as handle:
        handle.write('{"_step": 25, "a"')  # torn: waits for its newline
    series = RunSeries(path)
    assert series.update() == 25
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(f': {25 / 3}, "pad": ""}}\n')
    _write(path, rows[26:])
    assert series.update() == 15 and series.offset == path.stat().st_size
    assert {
        name: (column.rows.tolist(), column.values.tobytes()) for name, column in series.columns.items()
    } == _reference_columns(rows)


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
    (root / "files" / "wandb-metadata.json").write_text(
        json.dumps({"entity": "me", "project": project, "name": name, "startedAt": "2026-01-02T03:04:05+00:00"})
    )
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
