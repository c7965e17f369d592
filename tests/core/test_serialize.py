"""Odd values passed to log() and config: converted the way W&B does, or a clear error."""

from __future__ import annotations

import datetime as dt
import enum
import json
import math
from pathlib import Path

import numpy as np
import pytest

import wandb_jupyter as wandb
from wandb_jupyter import UsageError
from wandb_jupyter.core._serialize import encode_row
from wandb_jupyter.data_types._histogram import ARRAY_HISTOGRAM_THRESHOLD as HISTOGRAM_THRESHOLD


class Color(enum.Enum):
    RED = "red"


def _roundtrip(value):
    return json.loads(encode_row({"v": value}))["v"]


@pytest.mark.parametrize(
    "value, expected",
    [
        pytest.param(np.float32(1.5), 1.5, id="numpy-float32"),
        pytest.param(np.int64(7), 7, id="numpy-int64"),
        pytest.param(np.bool_(True), True, id="numpy-bool"),
        pytest.param(np.arange(3), [0, 1, 2], id="small-array-as-list"),
        pytest.param(np.zeros((2, 2)), [[0.0, 0.0], [0.0, 0.0]], id="2d-array"),
        pytest.param(Path("/data/x.csv"), "/data/x.csv", id="path"),
        pytest.param(dt.datetime(2024, 5, 1, 12, 30), "2024-05-01T12:30:00", id="datetime"),
        pytest.param(dt.date(2024, 5, 1), "2024-05-01", id="date"),
        pytest.param(dt.timedelta(minutes=2), 120.0, id="timedelta"),
        pytest.param((1, 2), [1, 2], id="tuple"),
        pytest.param({3, 1, 2}, [1, 2, 3], id="set"),
        pytest.param(Color.RED, "red", id="enum"),
        pytest.param({"a": {"b": np.float64(0.5)}}, {"a": {"b": 0.5}}, id="nested-dict"),
        pytest.param(b"bytes", "bytes", id="bytes"),
    ],
)
def test_conversions(value, expected) -> None:
    assert _roundtrip(value) == expected


def test_nan_and_infinities_are_kept() -> None:
    assert math.isnan(_roundtrip(float("nan")))
    assert _roundtrip(float("inf")) == math.inf and _roundtrip(np.float32("-inf")) == -math.inf


def test_large_arrays_become_histograms_like_wandb() -> None:
    data = np.linspace(0, 1, HISTOGRAM_THRESHOLD + 100)
    hist = _roundtrip(data)
    assert hist["_type"] == "histogram"
    assert sum(hist["values"]) == data.size and len(hist["bins"]) == len(hist["values"]) + 1
    assert hist["bins"][0] == 0.0 and hist["bins"][-1] == pytest.approx(1.0)


@pytest.mark.parametrize(
    "value, message",
    [
        pytest.param(object(), "'bad'.*object", id="object"),
        pytest.param(lambda: 1, "'bad'.*function", id="function"),
    ],
)
def test_unloggable_values_name_the_key(value, message) -> None:
    with pytest.raises(UsageError, match=message):
        encode_row({"good": 1, "bad": value})


def test_cycles_are_a_clear_error() -> None:
    loop: dict = {}
    loop["self"] = loop
    with pytest.raises(UsageError, match="(?i)cycle|circular"):
        encode_row({"loop": loop})


def test_a_very_deep_value_is_refused_as_too_deep_not_as_a_cycle() -> None:
    """Issue 19, item 10: a 5,000-deep dict has no cycle; the message says what is wrong."""
    deep: dict = {}
    inner = deep
    for _ in range(5000):
        inner["d"] = {}
        inner = inner["d"]
    with pytest.raises(UsageError) as refused:
        encode_row({"ok": 1, "deep": deep})
    message = str(refused.value)
    assert "cycle" not in message and "'deep'" in message and "nested" in message and "levels" in message, message
    loop: list = [{"a": [1]}]
    loop[0]["a"].append(loop)
    with pytest.raises(UsageError, match=r"key 'l': (?i:circular|the data contains a reference cycle)"):
        encode_row({"l": loop})


def test_non_string_keys_are_rejected_clearly() -> None:
    with pytest.raises(UsageError, match="keys must be strings"):
        encode_row({("a", "b"): 1})


def test_a_rejected_row_leaves_nothing_on_disk(isolated) -> None:
    run = wandb.init(mode="offline")
    with pytest.raises(UsageError):
        run.log({"x": 1, "y": object()})
    run.finish(quiet=True)
    assert Path(run.dir, "wandb-history.jsonl").read_text() == ""


def test_numpy_values_in_config_and_summary(isolated) -> None:
    run = wandb.init(mode="offline", config={"lr": np.float64(0.1), "shape": np.array([2, 3])})
    run.summary["best"] = np.float32(0.25)
    assert run.config.lr == 0.1 and run.config.shape == [2, 3] and run.summary["best"] == 0.25
