"""W&B's run filter language and ordering, evaluated over run records (server and run folders share it)."""

from __future__ import annotations

import pytest

from wandb_jupyter.rundir._run_filter import FilterError, RunRecord, compile_filter, compile_order, select_page


def _runs() -> list[RunRecord]:
    return [
        RunRecord(
            name="a",
            display_name="alpha",
            state="finished",
            tags=["x"],
            group="g1",
            created_at=100.0,
            config={"lr": 0.1, "opt": "sgd", "arch": {"depth": 2}},
            summary={"acc": 0.5, "loss": {"min": 1}},
        ),
        RunRecord(
            name="b",
            display_name="beta",
            state="crashed",
            tags=["x", "y"],
            group="g2",
            created_at=200.0,
            config={"lr": 0.01, "opt": "adam"},
            summary={"acc": 0.9},
        ),
        RunRecord(
            name="c",
            display_name="gamma",
            state="finished",
            tags=[],
            created_at=300.0,
            config={"lr": "high"},
            summary={},
        ),
    ]


@pytest.mark.parametrize(
    ("filters", "names"),
    [
        ({}, "abc"),
        ({"config.lr": 0.1}, "a"),
        ({"config.lr.value": 0.1}, "a"),  # W&B's stored form
        ({"config.lr": {"$gt": 0.05}}, "a"),  # text "high" is not compared with numbers
        ({"config.lr": {"$lte": 0.1, "$gte": 0.01}}, "ab"),
        ({"config.arch.depth": 2}, "a"),
        ({"summary_metrics.acc": {"$gte": 0.9}}, "b"),
        ({"summary_metrics.loss.min": 1}, "a"),
        ({"summary_metrics.acc": {"$exists": False}}, "c"),
        ({"tags": "y"}, "b"),
        ({"tags": {"$in": ["y", "z"]}}, "b"),
        ({"tags": {"$nin": ["x"]}}, "c"),
        ({"tags": {"$ne": "x"}}, "c"),
        ({"$or": [{"state": "crashed"}, {"group": "g1"}]}, "ab"),
        ({"$and": [{"state": "finished"}, {"config.opt": {"$exists": True}}]}, "a"),
        ({"$nor": [{"state": "finished"}]}, "b"),
        ({"display_name": {"$regex": "^(al|ga)"}}, "ac"),
        ({"displayName": {"$regex": "ALPHA", "$options": "i"}}, "a"),
        ({"name": {"$in": ["a", "c"]}}, "ac"),
        ({"createdAt": {"$gt": "1970-01-01T00:02:30Z"}}, "bc"),
        ({"created_at": {"$lt": 250}}, "ab"),
        ({"group": None}, "c"),
        ({"config.lr": {"$not": {"$gt": 0.05}}}, "bc"),
    ],
)
def test_filters_select_runs_like_wandb(filters, names) -> None:
    match = compile_filter(filters)
    assert "".join(run.name for run in _runs() if match(run)) == names


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ([1], "must be a JSON object"),
        ({"$or": "x"}, r"\$or needs a list"),
        ({"$xor": []}, "unknown filter operator"),
        ({"config.lr": {"$near": 1}}, "unknown filter operator '\\$near'"),
        ({"config": 1}, "needs a key after 'config.'"),
        ({"colour": 1}, "unknown filter field 'colour'"),
        ({"tags": {"$in": "x"}}, r"\$in needs a list"),
        ({"tags": {"$exists": "yes"}}, r"\$exists needs true or false"),
        ({"createdAt": {"$gt": "soon"}}, "ISO 8601"),
        ({"name": {"$regex": "["}}, "regular expression"),
        ({"config.lr": {"$gt": [1]}}, "needs a number or a string"),
    ],
)
def test_malformed_filters_say_what_is_wrong(filters, message) -> None:
    with pytest.raises(FilterError, match=message):
        compile_filter(filters)


@pytest.mark.parametrize(
    ("order", "names"),
    [
        (None, "abc"),
        ("-created_at", "cba"),
        ("+config.lr", "bac"),  # numbers before text
        ("-summary_metrics.acc", "bac"),  # a run without the key comes last either way
        ("+summary_metrics.acc", "abc"),
        ("-display_name", "cba"),
    ],
)
def test_orders_and_cursor_pages(order, names) -> None:
    pairs = [(run, run.name) for run in _runs()]
    page, more = select_page(pairs, order, None, 10)
    assert "".join(item for _, item in page) == names and not more
    # one by one through cursors: the same runs, each once
    seen, cursor = [], None
    while True:
        page, more = select_page(pairs, order, cursor, 1)
        seen += [item for _, item in page]
        if not more:
            break
        cursor = page[-1][0]
    assert "".join(seen) == names


def test_bad_orders_and_cursors() -> None:
    with pytest.raises(FilterError, match="invalid order"):
        compile_order("-")
    with pytest.raises(FilterError, match="invalid cursor"):
        select_page([], None, ["x"], 1)
