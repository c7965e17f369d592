"""Reading history back through the sparse step index: ranges, samples, growth, torn lines."""

from __future__ import annotations

import json
import os
from pathlib import Path

from wandb_jupyter.rundir import _history_read
from wandb_jupyter.rundir._history_read import HistoryIndex, spread


def _write(path: Path, steps: range, extra: str = "") -> None:
    with open(path, "a", encoding="utf-8") as handle:
        for step in steps:
            row = {"_step": step, "x": step * 2}
            if step % 7 == 0:
                row["seven"] = step
            handle.write(json.dumps(row) + "\n")
        handle.write(extra)


def test_step_ranges_samples_and_keys_over_many_index_blocks(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(_history_read, "EVERY", 16)  # many blocks on a small file
    path = tmp_path / "wandb-history.jsonl"
    _write(path, range(1000))
    index = HistoryIndex(path).refresh()
    assert index.rows == 1000 and index.last_step() == 999
    rows = [json.loads(line) for line in index.step_range(500, 520)]
    assert [r["_step"] for r in rows] == list(range(500, 520))
    assert [json.loads(line)["_step"] for line in index.step_range(990, None, limit=3)] == [990, 991, 992]
    assert index.step_range(2000, 3000) == []
    assert [json.loads(line)["_step"] for line in index.sample(5)] == [0, 250, 500, 749, 999]
    assert index.sample_with_keys(["_step", "seven"], 3) == [
        {"_step": 0, "seven": 0},
        {"_step": 497, "seven": 497},
        {"_step": 994, "seven": 994},
    ]
    assert index.sample_with_keys(["_step", "seven"], 100, 14, 28) == [{"_step": s, "seven": s} for s in (14, 21, 28)]


def test_the_index_follows_a_growing_file_and_ignores_a_torn_last_line(tmp_path: Path) -> None:
    path = tmp_path / "wandb-history.jsonl"
    _write(path, range(10), extra='{"_step": 10, "x"')
    index = HistoryIndex(path).refresh()
    assert index.rows == 10 and index.last_step() == 9
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(": 20}\n")
    _write(path, range(11, 20))
    assert index.refresh().rows == 20 and index.last_step() == 19
    assert [json.loads(line)["_step"] for line in index.step_range(8, 12)] == [8, 9, 10, 11]
    os.replace(path, tmp_path / "old")  # replaced by a shorter file: indexed again
    _write(path, range(3))
    assert index.refresh().rows == 3


def test_spread_includes_first_and_last() -> None:
    assert spread(0, 5) == [] and spread(3, 5) == [0, 1, 2] and spread(100, 1) == [99]
    assert spread(101, 3) == [0, 50, 100]


def test_the_step_of_a_row_is_read_right_without_parsing_when_it_can_be() -> None:
    from wandb_jupyter.rundir._history_read import _step_of

    assert _step_of(b'{"x":1,"_step":42,"y":2}') == 42
    assert _step_of(b'{"_step": -3 }') == -3
    assert _step_of(b'{"t":{"_step":7},"_step":8}') == 8  # a nested "_step": parsed
    assert _step_of(b'{"note":"\\"_step\\": 9","_step":10}') == 10  # the text of a string value: parsed
    assert _step_of(b'{"_step":1.5}') == 1.5
    assert _step_of(b'{"x":1}') is None and _step_of(b"not json") is None and _step_of(b'{"_step":true}') is None
