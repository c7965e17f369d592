"""The history encoder: orjson's bytes (when installed) are exactly the stdlib encoder's bytes.

A history file must not depend on whether the optional ``fast`` extra is installed, so every row is
encoded both ways here and the bytes compared: floats across the whole range (where orjson's float
text differs from ``repr``), NaN and infinities (kept as W&B keeps them), unicode and control
characters, nested dicts and lists, numpy scalars, big integers, and values only the hook converts.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import math
import random
import subprocess
import sys
import uuid
from collections import OrderedDict
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wandb_jupyter import UsageError
from wandb_jupyter.core import _serialize

orjson = pytest.importorskip("orjson")


def _fast(row: dict) -> bytes:
    _serialize._fast_encoder = None  # load orjson (it is installed: importorskip above)
    return _serialize.encode_logged_row(dict(row), Path("/nonexistent"), 0)[0]


def _stdlib(row: dict) -> bytes:
    _serialize._fast_encoder = _serialize._NO_FAST_ENCODER
    try:
        return _serialize.encode_logged_row(dict(row), Path("/nonexistent"), 0)[0]
    finally:
        _serialize._fast_encoder = None


def _same(row: dict) -> bytes:
    fast, slow = _fast(row), _stdlib(row)
    assert fast == slow, row
    assert slow == (_serialize.encode_row(row) + "\n").encode("utf-8")
    return fast


def test_floats_over_the_whole_range_are_written_as_repr_writes_them() -> None:
    rng = random.Random(20)
    for exponent in range(-330, 309):
        for _ in range(20):
            value = rng.random() * 10.0 ** max(exponent, -307) if exponent > -320 else 5e-324 * rng.randint(1, 9)
            if math.isinf(value):
                continue
            line = _same({"x": value, "neg": -value})
            assert json.loads(line)["x"] == value
    for value in (0.0, -0.0, 1e-4, 1e-5, 9.99e-5, 1e-7, 1e15, 1e16, 1e22, 1.7976931348623157e308, 5e-324, 0.1, 3e-5):
        _same({"v": value})


def test_nan_and_infinities_are_kept_as_w_and_b_keeps_them() -> None:
    line = _same({"nan": float("nan"), "inf": float("inf"), "ninf": -math.inf, "none": None})
    assert line == b'{"nan":NaN,"inf":Infinity,"ninf":-Infinity,"none":null}\n'


def test_text_unicode_and_control_characters() -> None:
    text = "".join(chr(c) for c in range(0x80)) + "é€\u2028\u2029😀 中文 \\ \" '"
    _same({text: text, "k": [text, {"nested": text}]})


class Color(enum.Enum):
    RED = "red"


class Level(enum.IntEnum):
    HIGH = 3


def test_values_the_hook_converts_and_nesting() -> None:
    np = pytest.importorskip("numpy")
    row = {
        "nested": {"a": {"b": [1, 2.5, {"c": None}]}, "t": (1, 2)},
        "np": np.float32(0.25),
        "np64": np.float64(1e-7),
        "npi": np.int64(7),
        "arr": np.arange(5),
        "big_arr": np.linspace(0, 1, 100),
        "when": dt.datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=dt.timezone.utc),
        "day": dt.date(2026, 1, 2),
        "delta": dt.timedelta(seconds=1.5),
        "path": Path("/a/b"),
        "color": Color.RED,
        "level": Level.HIGH,
        "set": {3, 1, 2},
        "bytes": b"abc",
        "ordered": OrderedDict(b=1, a=2),
        "id": uuid.UUID(int=7),
        "huge": 2**80,
        "bool": True,
    }
    _same(row)
    _same({1: "int key", 2.5: "float key", None: "none key"})


def test_errors_are_the_same_clear_errors() -> None:
    for row in ({"s": "\ud800"}, {"o": object()}):
        for encode in (_fast, _stdlib):
            with pytest.raises(UsageError):
                encode(row)
    deep: list = []
    for _ in range(300):  # deeper than orjson's limit, within Python's
        deep = [deep]
    _same({"deep": deep})


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=800, deadline=None)
@given(st.dictionaries(st.text(), json_values, max_size=8))
def test_random_rows_give_the_same_bytes(row: dict) -> None:
    try:
        _same(row)
    except UsageError:  # a lone surrogate: both refuse it
        with pytest.raises(UsageError):
            _fast(row)


def test_orjson_is_imported_at_the_first_log_not_at_import(tmp_path: Path) -> None:
    code = (
        "import sys, wandb_jupyter as wandb\n"
        "assert 'orjson' not in sys.modules\n"
        "run = wandb.init(mode='offline', dir=sys.argv[1])\n"
        "run.log({'a': 1})\n"
        "assert 'orjson' in sys.modules\n"
        "run.finish()\n"
    )
    subprocess.run([sys.executable, "-c", code, str(tmp_path)], check=True, timeout=120)


def test_rows_of_numbers_take_orjson_without_the_stdlib(monkeypatch: pytest.MonkeyPatch) -> None:
    def stdlib_called(row: object, level: int) -> None:
        raise AssertionError("the stdlib encoder ran for a plain row")

    monkeypatch.setattr(_serialize, "_encode_fast", stdlib_called)
    _serialize._fast_encoder = None
    row = {"loss": 0.123456, "acc": 0.9, "lr": 3e-4, "epoch": 3, "name": "é", "_step": 10, "_timestamp": 1.7e9}
    line, _, media = _serialize.encode_logged_row(row, Path("/nonexistent"), 0)
    assert media is None and json.loads(line) == row


def test_small_and_non_finite_floats_at_the_top_stay_with_orjson(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [{"loss": 1.0 / n, "lr": 3e-5, "tiny": -1.5e-7, "step": n, "nullable": "null"} for n in (3, 20_000, 10**8)]
    rows.append({"nan": float("nan"), "inf": math.inf, "ninf": -math.inf, "nested": {"a": [1, 2]}, "x": 5e-324})
    expected = [_stdlib(row) for row in rows]

    def stdlib_called(row: object, level: int) -> None:
        raise AssertionError("the stdlib encoder ran")

    monkeypatch.setattr(_serialize, "_encode_fast", stdlib_called)
    assert [_fast(row) for row in rows] == expected
    assert b"3e-05" in expected[0] and b"-1.5e-07" in expected[0]
