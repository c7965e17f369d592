"""log() with every odd value: it logs something sensible or raises UsageError, and the history
file stays whole (one valid UTF-8 JSON object per committed step, nothing else). Oversized
rows and oversized save() files are clear errors."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import math
import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import wandb_jupyter as wandb
from wandb_jupyter import UsageError
from wandb_jupyter.rundir._rundir import MAX_FILE_BYTES, MAX_ROW_BYTES


class BrokenStr:
    def __str__(self) -> str:
        raise RuntimeError("no str")

    __repr__ = __str__


class BrokenStrOnly:
    """__str__ raises, __repr__ works (hypothesis prints the examples it draws)."""

    def __str__(self) -> str:
        raise RuntimeError("no str")


class BrokenShape:
    """Looks like an array to a duck-typing check, then fails when asked."""

    @property
    def shape(self):
        raise RuntimeError("no shape")

    def item(self):
        raise RuntimeError("no item")


def _cycle_list():
    items: list = []
    items.append(items)
    return items


def _cycle_dict():
    data: dict = {}
    data["self"] = data
    return data


#: value -> what the history row holds for it (a callable checks it), or UsageError.
CASES = {
    "nested": ({"a": {"b": [1, (2, 3), {"c": None}]}}, {"a": {"b": [1, [2, 3], {"c": None}]}}),
    "set": ({3, 1, 2}, [1, 2, 3]),
    "mixed-set": ({1, "a", None}, lambda v: sorted(map(repr, v)) == sorted(map(repr, [1, "a", None]))),
    "frozenset": (frozenset({"x"}), ["x"]),
    "bytes": (b"ab\xff", "ab\ufffd"),
    "numpy-float32": (np.float32(0.5), 0.5),
    "numpy-int64": (np.int64(-3), -3),
    "numpy-bool": (np.bool_(False), False),
    "numpy-array": (np.arange(4), [0, 1, 2, 3]),
    "numpy-2d": (np.ones((2, 2)), [[1.0, 1.0], [1.0, 1.0]]),
    "numpy-histogram": (np.linspace(0, 1, 1000), lambda v: v["_type"] == "histogram" and sum(v["values"]) == 1000),
    "numpy-nan-array": (np.array([np.nan, np.inf, 1.0]), lambda v: math.isnan(v[0]) and v[1] == math.inf),
    "numpy-datetime": (np.datetime64("2024-01-02"), "2024-01-02"),
    "none": (None, None),
    "nan": (float("nan"), lambda v: math.isnan(v)),
    "inf": (float("inf"), math.inf),
    "-inf": (-math.inf, -math.inf),
    "huge-int": (10**300, 10**300),
    "bigger-than-int64": (2**64 + 1, 2**64 + 1),
    "datetime": (dt.datetime(2024, 5, 1, 12, 0), "2024-05-01T12:00:00"),
    "date": (dt.date(2024, 5, 1), "2024-05-01"),
    "timedelta": (dt.timedelta(seconds=90), 90.0),
    "path": (Path("a/b"), "a/b"),
    "empty-containers": (([], {}, (), set()), [[], {}, [], []]),
    "nul-in-text": ("a\x00b", "a\x00b"),
    "emoji": ("\U0001f600", "\U0001f600"),
    "int-keys": ({1: "a", 2.5: "b", False: "c", None: "d"}, {"1": "a", "2.5": "b", "false": "c", "null": "d"}),
    # clear errors: nothing is written for these
    "int-too-long-for-text": (10**5000, UsageError),
    "str-raising": (BrokenStr(), UsageError),
    "shape-raising": (BrokenShape(), UsageError),
    "recursive-list": (_cycle_list(), UsageError),
    "recursive-dict": (_cycle_dict(), UsageError),
    "tuple-keys": ({(1, 2): 3}, UsageError),
    "object-keys": ({object(): 1}, UsageError),
    "complex": (1 + 2j, UsageError),
    "numpy-complex": (np.complex64(1 + 1j), UsageError),
    "numpy-object-array": (np.array([object()], dtype=object), UsageError),
    "decimal": (decimal.Decimal("1.5"), UsageError),
    "generator": ((i for i in range(3)), UsageError),
    "function": (len, UsageError),
    "class": (int, UsageError),
    "lone-surrogate": ("\ud800", UsageError),
    "lone-surrogate-in-key": ({"a\udfff": 1}, UsageError),
}


def _rows(run) -> list[dict]:
    """The history file, read strictly: every line whole, UTF-8 and a JSON object."""
    data = Path(run.paths.file("wandb-history.jsonl")).read_bytes()
    assert data == b"" or data.endswith(b"\n")
    # split on "\n" only: U+2028 and U+0085 may stand raw inside a JSON string
    rows = [json.loads(line) for line in data.decode("utf-8", errors="strict").split("\n")[:-1]]
    assert all(isinstance(row, dict) for row in rows)
    return rows


def _check(expected, logged) -> None:
    if callable(expected):
        assert expected(logged), logged
    else:
        assert logged == expected


def test_every_odd_value_type_is_logged_or_refused_clearly(isolated: Path) -> None:
    run = wandb.init(mode="offline", project="odd", settings={"console": "off"})
    logged: dict[str, object] = {}
    for name, (value, expected) in CASES.items():
        if expected is UsageError:
            with pytest.raises(UsageError) as raised:
                run.log({name: value})
            message = str(raised.value)
            assert message.startswith("log(): ") and "\n" not in message, message
            assert name in message or "cycle" in message or "keys must be" in message, message
        else:
            run.log({name: value})
            logged[name] = expected
    run.finish()
    rows = _rows(run)
    assert [row["_step"] for row in rows] == list(range(len(logged)))  # refused values took no step
    for row, (name, expected) in zip(rows, logged.items()):
        _check(expected, row[name])


def test_summary_and_config_refuse_what_history_refuses(isolated: Path) -> None:
    run = wandb.init(mode="offline", project="odd", settings={"console": "off"})
    for value in ("\ud800", _cycle_dict(), BrokenStr()):
        with pytest.raises(UsageError):
            run.summary["bad"] = value
        with pytest.raises(UsageError):
            run.config["bad"] = value
    run.summary["good"] = np.float32(2.0)
    run.finish()
    summary = json.loads(Path(run.paths.file("wandb-summary.json")).read_text(encoding="utf-8"))
    assert summary["good"] == 2.0 and "bad" not in summary
    assert "bad" not in Path(run.paths.file("config.yaml")).read_text(encoding="utf-8")


ODD_LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(),
    st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=8),
    st.binary(max_size=8),
    st.datetimes(),
    st.dates(),
    st.timedeltas(),
    st.complex_numbers(max_magnitude=10),
    st.builds(np.float64, st.floats()),
    st.builds(np.int32, st.integers(-(2**31), 2**31 - 1)),
    st.lists(st.floats(allow_nan=True), max_size=40).map(np.array),
    st.sampled_from([BrokenStrOnly(), BrokenShape(), decimal.Decimal("2"), Path("p"), object()]),
)
ODD_VALUES = st.recursive(
    ODD_LEAVES,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.lists(inner, max_size=3).map(tuple),
        st.frozensets(st.one_of(st.integers(), st.text(max_size=3)), max_size=3),
        st.dictionaries(
            st.one_of(st.text(max_size=5), st.integers(), st.none(), st.tuples(st.integers())), inner, max_size=3
        ),
    ),
    max_leaves=8,
)


def test_random_odd_rows_never_corrupt_the_history(isolated: Path) -> None:
    run = wandb.init(mode="offline", project="odd", settings={"console": "off"})
    accepted: list[int] = []
    attempts = [0]

    @settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
    @given(row=st.dictionaries(st.one_of(st.text(max_size=6), st.integers(), st.booleans()), ODD_VALUES, max_size=4))
    def check(row: dict) -> None:
        attempts[0] += 1
        marker = attempts[0]
        try:
            run.log({"marker": marker, **{k: v for k, v in row.items() if k != "marker"}})
        except UsageError as error:
            assert "\n" not in str(error)
            return
        accepted.append(marker)

    check()
    run.finish()
    rows = _rows(run)
    assert [row["marker"] for row in rows] == accepted
    assert [row["_step"] for row in rows] == list(range(len(accepted)))
    assert 0 < len(accepted) < attempts[0]  # both outcomes were exercised


def test_a_row_over_the_limit_is_refused_and_nothing_is_written(isolated: Path) -> None:
    run = wandb.init(mode="offline", project="big", settings={"console": "off"})
    run.log({"small": 1})
    with pytest.raises(UsageError, match=r"over the limit of 9\.9 MiB per row.*run\.save\(\)"):
        run.log({"blob": "x" * MAX_ROW_BYTES})
    with pytest.raises(UsageError, match="over the limit"):  # counted in UTF-8 bytes, not characters
        run.log({"blob": "é" * (MAX_ROW_BYTES // 2)})
    run.log({"near_limit": "y" * (MAX_ROW_BYTES - 200)})
    run.finish()
    rows = _rows(run)
    assert [sorted(k for k in row if not k.startswith("_")) for row in rows] == [["small"], ["near_limit"]]
    assert [row["_step"] for row in rows] == [0, 1]


def test_save_refuses_a_file_over_the_limit(isolated: Path, wandb_warnings) -> None:
    big = isolated / "huge.bin"
    with open(big, "wb") as handle:  # sparse: no disk space used
        handle.truncate(MAX_FILE_BYTES + 1)
    growing = isolated / "growing.bin"
    growing.write_bytes(b"0" * 10)
    run = wandb.init(mode="offline", project="big", settings={"console": "off"})
    with pytest.raises(UsageError, match=r"save\(\): .*huge\.bin has 16\.0 GiB, over the limit of 16 GiB"):
        run.save(str(big))
    assert run.save(str(growing), policy="end")
    with open(growing, "r+b") as handle:  # grows past the limit before finish()
        handle.truncate(MAX_FILE_BYTES + 1)
    run.finish()  # warns, goes on
    assert not (Path(run.dir) / "huge.bin").exists() and not (Path(run.dir) / "growing.bin").exists()
    assert any("growing.bin" in record.getMessage() and "limit" in record.getMessage() for record in wandb_warnings)
    assert run.exit_code == 0
    os.unlink(big)
    os.unlink(growing)
