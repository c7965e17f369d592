"""The server's read operations (what wandb.Api() asks) given bad input: one clear 4xx, never a 5xx."""

from __future__ import annotations

import json

import pytest

RUN = 'project(name: "p", entityName: "admin") { run(name: "r1") { %s } }'
RUNS = 'project(name: "p", entityName: "admin") { runs(%s) { edges { node { name } cursor } } }'


@pytest.fixture
def server(live_server):
    assert live_server.upsert("r1", summaryMetrics=json.dumps({"acc": 1})).status_code == 200
    rows = [json.dumps({"_step": i, "x": i}) for i in range(30)]
    body = {"files": {"wandb-history.jsonl": {"offset": 0, "content": rows}}}
    assert live_server.stream("admin", "p", "r1", body).status_code == 200
    return live_server


@pytest.mark.parametrize(
    ("selection", "message"),
    [
        (RUNS % 'filters: "{not json"', "filters is not valid JSON"),
        (RUNS % 'filters: "[1]"', "must be a JSON object"),
        (RUNS % 'filters: "{\\"config.lr\\": {\\"$near\\": 1}}"', "unknown filter operator"),
        (RUNS % 'order: "-"', "invalid order"),
        (RUNS % 'order: "+color"', "unknown filter field 'color'"),
        (RUNS % 'after: "%%%"', "invalid cursor"),
        (RUNS % 'after: "WzEsMl0="', "invalid cursor"),  # base64 of [1,2]: not a cursor of runs
        (RUNS % "first: -1", "must not be negative"),
        (RUN % "history(samples: -5)", "must not be negative"),
        (RUN % 'sampledHistory(specs: ["{}"])', "each sampledHistory spec"),
        (RUN % 'sampledHistory(specs: ["{\\"keys\\": [\\"x\\"], \\"samples\\": \\"all\\"}"])', "must be an integer"),
        (RUN % 'sampledHistory(specs: ["{\\"keys\\": [\\"x\\"], \\"minStep\\": \\"a\\"}"])', "must be numbers"),
        (RUN % 'files(after: "@@") { edges { cursor } }', "invalid cursor"),
    ],
)
def test_bad_read_queries_are_400_with_a_message(server, selection, message) -> None:
    answer = server.gql("query Q { %s }" % selection)
    assert answer.status_code == 400, answer.text
    assert message in answer.json()["errors"][0]["message"]


def test_a_cursor_of_one_order_given_to_another_is_a_400(server) -> None:
    server.upsert("r2", summaryMetrics=json.dumps({"acc": 2}))
    first = server.gql("query Q { %s }" % (RUNS % 'first: 1, order: "-summary_metrics.acc"')).json()
    cursor = first["data"]["project"]["runs"]["edges"][0]["cursor"]
    other = server.gql("query Q { %s }" % (RUNS % f'first: 1, order: "+name", after: "{cursor}"'))
    assert other.status_code in (200, 400)  # a name and a number compare by type: never a 500
    assert other.status_code != 500


def test_history_pages_and_samples(server) -> None:
    page = server.gql("query Q { %s }" % (RUN % "history(minStep: 10, maxStep: 15, samples: 3)")).json()
    assert [json.loads(r)["_step"] for r in page["data"]["project"]["run"]["history"]] == [10, 11, 12]
    sampled = server.gql("query Q { %s }" % (RUN % "history(samples: 4) historyKeys")).json()["data"]
    assert [json.loads(r)["_step"] for r in sampled["project"]["run"]["history"]] == [0, 10, 19, 29]
    assert sampled["project"]["run"]["historyKeys"]["lastStep"] == 29


def test_runs_of_an_entity_the_caller_may_not_read_look_like_a_missing_project(server) -> None:
    bob = server.ctx.storage.create_user("bob")
    key = server.ctx.issue_key(bob)
    theirs = server.gql("query Q { %s }" % (RUNS % "first: 5"), key=key)
    missing = server.gql("query Q { %s }" % (RUNS % "first: 5").replace('"p"', '"nope"'), key=key)
    assert theirs.status_code == missing.status_code == 200
    assert theirs.json() == missing.json() == {"data": {"project": None}}
    download = f"{server.url}/files/admin/p/r1/wandb-history.jsonl"
    import requests

    from server.conftest import basic

    assert requests.get(download, headers=basic(key), timeout=10).status_code == 404
    assert requests.get(download, headers=basic(server.admin_key), timeout=10).text.count("\n") == 30


CONSOLE = [f"2026-01-01T00:00:{i:02d}.000001 line {i}" for i in range(5)] + ["ERROR 2026-01-01T00:01:00 oops", "bare"]

SDK_CONSOLE = r"""
import json, wandb
run = wandb.Api(timeout=30).run("admin/p/r1")
paged = [(l.number, l.level, l.content, l.timestamp.isoformat() if l.timestamp else None)
         for l in run.console_logs(per_page=3)]
tail = [(l.number, l.content) for l in run.console_logs(last=2)]
print("RESULT " + json.dumps({"paged": paged, "tail": tail}))
"""


@pytest.mark.wandb_sdk
def test_the_sdk_reads_console_output_paged_and_by_its_tail(server, run_sdk) -> None:
    body = {"files": {"output.log": {"offset": 0, "content": CONSOLE}}}
    assert server.stream("admin", "p", "r1", body).status_code == 200
    done = run_sdk(server, SDK_CONSOLE)
    assert done.returncode == 0, done.stderr[-3000:]
    sdk = json.loads(done.stdout.split("RESULT ", 1)[1])
    assert [line[2] for line in sdk["paged"]] == [f"line {i}" for i in range(5)] + ["oops", "bare"]
    assert [line[0] for line in sdk["paged"]] == list(range(7))
    assert sdk["paged"][5][1] == "error" and sdk["paged"][0][1] == "info"
    assert sdk["paged"][0][3].startswith("2026-01-01T00:00:00") and sdk["paged"][6][3] is None
    assert sdk["tail"] == [[5, "oops"], [6, "bare"]]


SDK_STATE = r"""
import json, wandb
api = wandb.Api(timeout=30)
run = api.run("admin/p/r1")
out = {"before": run.state, "failed": run.update_state("failed")}
out["after"] = wandb.Api().run("admin/p/r1").state
out["pending"] = run.update_state("pending")
try:
    run.update_state("finished")
    out["finished"] = "accepted"
except Exception as error:
    out["finished"] = str(error)
print("RESULT " + json.dumps(out))
"""


@pytest.mark.wandb_sdk
def test_the_sdk_moves_a_run_to_failed_or_pending_and_nothing_else(server, run_sdk) -> None:
    done = run_sdk(server, SDK_STATE)
    assert done.returncode == 0, done.stderr[-3000:]
    sdk = json.loads(done.stdout.split("RESULT ", 1)[1])
    assert (sdk["before"], sdk["failed"], sdk["after"], sdk["pending"]) == ("running", True, "failed", True)
    assert "can be set to pending or failed, not 'finished'" in sdk["finished"]
    stored = server.ctx.storage.get_run(server.ctx.storage.get_project("admin", "p"), "r1")
    assert stored.state == "pending"
