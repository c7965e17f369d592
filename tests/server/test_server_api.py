"""The server's API over real HTTP on loopback: file_stream, auth, uploads, GraphQL errors, page routes."""

from __future__ import annotations

import gzip
import json
import re
import time

import pytest
import requests

from wandb_jupyter.common._share import view_token
from wandb_jupyter.server._accounts import key_shape_ok

RUN_RESUME_STATUS = """query RunResumeStatus($project: String, $entity: String, $name: String!) {
  model(name: $project, entityName: $entity) {
    id name entity { id name }
    bucket(name: $name, missingOk: true) {
      id name summaryMetrics displayName logLineCount historyLineCount eventsLineCount historyTail eventsTail
      config tags notes wandbConfig(keys: ["t"]) } } }"""

CREATE_RUN_FILES = """mutation CreateRunFiles($entity: String!, $project: String!, $run: String!, $files: [String!]!) {
  createRunFiles(input: {entityName: $entity, projectName: $project, runName: $run, files: $files}) {
    runID uploadHeaders files { name uploadUrl } } }"""


def _rows(start: int, stop: int) -> list[str]:
    return [json.dumps({"_step": i, "x": i}) for i in range(start, stop)]


def _history(server, run: str) -> list[int]:
    path = server.run_dir("admin", "p", run) / "files" / "wandb-history.jsonl"
    return [json.loads(line)["_step"] for line in path.read_text().splitlines()]


def _new_user(server, name: str) -> str:
    return server.ctx.issue_key(server.ctx.storage.create_user(name))


def test_health_and_key_shape(live_server) -> None:
    answer = requests.get(f"{live_server.url}/health", timeout=10)
    assert answer.status_code == 200 and answer.json()["status"] == "ok"
    assert key_shape_ok(live_server.admin_key) and len(live_server.admin_key.split("-", 1)[1]) >= 40
    wandb_validation = pytest.importorskip("wandb.sdk.lib.wbauth.validation")
    assert wandb_validation.check_api_key(live_server.admin_key) is None


def test_upsert_names_runs_adjective_noun_n_and_keeps_given_names(live_server) -> None:
    first = live_server.upsert("r1").json()["data"]["upsertBucket"]
    assert first["inserted"] is True
    assert re.fullmatch(r"[a-z]+-[a-z]+-1", first["bucket"]["displayName"])
    assert first["bucket"]["project"] == {"name": "p", "entity": {"name": "admin"}}
    second = live_server.upsert("r2").json()["data"]["upsertBucket"]["bucket"]["displayName"]
    assert re.fullmatch(r"[a-z]+-[a-z]+-2", second)
    named = live_server.upsert("r3", displayName="mine").json()["data"]["upsertBucket"]
    assert named["bucket"]["displayName"] == "mine"
    again = live_server.upsert("r1", tags=["a", "b"]).json()["data"]["upsertBucket"]
    assert again["inserted"] is False and again["bucket"]["displayName"] == first["bucket"]["displayName"]


def test_file_stream_offsets_are_idempotent(live_server) -> None:
    live_server.upsert("fs")
    send = lambda body: live_server.stream("admin", "p", "fs", body)  # noqa: E731
    answer = send({"files": {"wandb-history.jsonl": {"offset": 0, "content": _rows(0, 5)}}})
    assert answer.status_code == 200 and answer.json() == {}
    send({"files": {"wandb-history.jsonl": {"offset": 0, "content": _rows(0, 5)}}})  # a retried request
    assert _history(live_server, "fs") == list(range(5))
    send({"files": {"wandb-history.jsonl": {"offset": 3, "content": _rows(3, 8)}}})  # overlapping
    assert _history(live_server, "fs") == list(range(8))
    send({"files": {"wandb-history.jsonl": {"offset": 8, "content": _rows(8, 10)}}})
    send({"files": {"wandb-history.jsonl": {"offset": 8, "content": _rows(8, 10)}}})
    assert _history(live_server, "fs") == list(range(10))
    # gzip bodies, as the SDK can send them
    body = gzip.compress(
        json.dumps({"files": {"wandb-history.jsonl": {"offset": 10, "content": _rows(10, 12)}}}).encode()
    )
    answer = requests.post(
        f"{live_server.url}/files/admin/p/fs/file_stream",
        data=body,
        timeout=10,
        headers={**_auth(live_server.admin_key), "Content-Encoding": "gzip"},
    )
    assert answer.status_code == 200
    assert _history(live_server, "fs") == list(range(12))
    status = live_server.gql(RUN_RESUME_STATUS, {"project": "p", "name": "fs"}).json()["data"]["model"]["bucket"]
    assert status["historyLineCount"] == 12
    assert json.loads(json.loads(status["historyTail"])[-1]) == {"_step": 11, "x": 11}


def _auth(key: str) -> dict[str, str]:
    from .conftest import basic

    return basic(key)


def test_file_stream_output_summary_and_completion(live_server) -> None:
    live_server.upsert("out")
    files = live_server.run_dir("admin", "p", "out") / "files"
    send = lambda body: live_server.stream("admin", "p", "out", body)  # noqa: E731
    send(
        {
            "files": {
                "output.log": {"offset": 0, "content": ["t0 a", "t1 progress 10%"]},
                "wandb-summary.json": {"offset": 0, "content": ['{"x": 1}']},
            }
        }
    )
    # A line changed by a carriage return is sent again at its offset: replaced, not duplicated.
    send(
        {
            "files": {
                "output.log": {"offset": 1, "content": ["t1 progress 100%", "t2 done"]},
                "wandb-summary.json": {"offset": 0, "content": ['{"x": 2, "best": 0.5}']},
            }
        }
    )
    send({"files": {"output.log": {"offset": 1, "content": ["t1 progress 100%", "t2 done"]}}})
    assert (files / "output.log").read_text() == "t0 a\nt1 progress 100%\nt2 done\n"
    assert json.loads((files / "wandb-summary.json").read_text()) == {"x": 2, "best": 0.5}
    bad = send({"files": {"output.log": {"offset": 3, "content": ["two\nlines"]}}})
    assert bad.status_code == 400
    assert send({"files": {"../escape.txt": {"offset": 0, "content": ["x"]}}}).status_code == 400
    assert send({"files": {"output.log": {"offset": -1, "content": []}}}).status_code == 400
    assert send({"complete": True, "exitcode": 3}).json() == {}
    run = live_server.gql('{ project(name: "p") { run(name: "out") { state exitcode logLineCount } } }').json()
    assert run["data"]["project"]["run"] == {"state": "failed", "exitcode": 3, "logLineCount": 3}


def test_stop_run_answers_stopped_on_file_stream(live_server) -> None:
    run_id = live_server.upsert("stop").json()["data"]["upsertBucket"]["bucket"]["id"]
    answer = live_server.gql("mutation S($id: ID!) { stopRun(input: {id: $id}) { success } }", {"id": run_id})
    assert answer.json()["data"]["stopRun"]["success"] is True
    assert live_server.stream("admin", "p", "stop", {"files": {}}).json() == {"stopped": True}


def test_writes_need_a_valid_key_for_their_own_entity(live_server) -> None:
    # no key
    answer = live_server.upsert("a", key=None)
    assert answer.status_code == 401 and "API key" in answer.json()["errors"][0]["message"]
    assert live_server.gql("{ viewer { name } }", key=None).json() == {"data": {"viewer": None}}
    # a key the server never issued
    bad = "local-" + "0" * 40
    assert live_server.upsert("a", key=bad).status_code == 401
    assert live_server.gql("{ viewer { name } }", key=bad).status_code == 401
    assert live_server.gql("{ serverInfo { features { name } } }", key=bad).status_code == 401
    # another user's entity
    bob = _new_user(live_server, "bob")
    assert live_server.gql("{ viewer { name entity } }", key=bob).json()["data"]["viewer"] == {
        "name": "bob",
        "entity": "bob",
    }
    assert live_server.upsert("a", entity="admin", key=bob).status_code == 403
    assert live_server.upsert("a", entity="nobody", key=bob).status_code == 404
    assert live_server.upsert("a", key=bob).status_code == 200  # bob's own entity by default
    live_server.upsert("mine")
    for key, status in ((None, 401), (bad, 401), (bob, 403)):
        answer = live_server.stream(
            "admin", "p", "mine", {"files": {"wandb-history.jsonl": {"offset": 0, "content": _rows(0, 1)}}}, key=key
        )
        assert answer.status_code == status
    assert live_server.stream("admin", "p", "missing", {"files": {}}).status_code == 404
    files = live_server.gql(
        CREATE_RUN_FILES, {"entity": "admin", "project": "p", "run": "mine", "files": ["a.txt"]}, key=bob
    )
    assert files.status_code == 403
    assert not (live_server.run_dir("admin", "p", "mine") / "files" / "wandb-history.jsonl").exists()


def test_upload_urls_are_signed_expiring_and_stay_in_the_run(live_server) -> None:
    live_server.upsert("up")
    answer = live_server.gql(
        CREATE_RUN_FILES,
        {"entity": "admin", "project": "p", "run": "up", "files": ["wandb-metadata.json", "media/images/a b.png"]},
    )
    assert answer.status_code == 200, answer.text
    payload = answer.json()["data"]["createRunFiles"]
    assert payload["uploadHeaders"] == []
    urls = {f["name"]: f["uploadUrl"] for f in payload["files"]}
    files = live_server.run_dir("admin", "p", "up") / "files"
    assert requests.put(urls["wandb-metadata.json"], data=b'{"python": "3"}', timeout=10).status_code == 200
    assert requests.put(urls["media/images/a b.png"], data=b"\x89PNG", timeout=10).status_code == 200
    assert (files / "wandb-metadata.json").read_bytes() == b'{"python": "3"}'
    assert (files / "media" / "images" / "a b.png").read_bytes() == b"\x89PNG"

    url = urls["wandb-metadata.json"]
    tampered = re.sub(r"sig=([0-9a-f])", lambda m: "sig=" + ("0" if m.group(1) != "0" else "1"), url)
    assert requests.put(tampered, data=b"evil", timeout=10).status_code == 403
    other_file = url.replace("wandb-metadata.json?", "requirements.txt?")
    assert requests.put(other_file, data=b"evil", timeout=10).status_code == 403
    unsigned = url.split("?")[0]
    assert requests.put(unsigned, data=b"evil", timeout=10).status_code == 403
    assert (files / "wandb-metadata.json").read_bytes() == b'{"python": "3"}'
    assert not (files / "requirements.txt").exists()

    path = "admin/p/up/late.txt"
    expired = live_server.ctx.signer.query(path, now=time.time() - 2 * live_server.ctx.signer.lifetime)
    answer = requests.put(f"{live_server.url}/upload/{path}?{expired}", data=b"late", timeout=10)
    assert answer.status_code == 403 and "expired" in answer.text
    assert not (files / "late.txt").exists()

    for name in ("../escape.txt", "/etc/passwd", "a/../../b", "a\\b", "./x"):
        answer = live_server.gql(CREATE_RUN_FILES, {"entity": "admin", "project": "p", "run": "up", "files": [name]})
        assert answer.status_code == 400, name
    # even with a valid signature for the traversing path, the PUT is refused
    for raw in ("../../escape.txt", "..%2F..%2Fescape.txt"):
        query = live_server.ctx.signer.query(f"admin/p/up/{raw.replace('%2F', '/')}")
        answer = requests.put(f"{live_server.url}/upload/admin/p/up/{raw}?{query}", data=b"x", timeout=10)
        assert answer.status_code in (400, 403, 404), raw
    assert not list(live_server.data_dir.rglob("escape.txt"))


def test_graphql_errors_are_4xx_not_5xx(live_server) -> None:
    cases = [
        ({"query": "{ viewer { noSuchField } }"}, 400),
        ({"query": "{ viewer { name "}, 400),
        ({"query": "query Q($n: String!) { project(name: $n) { id } }", "variables": {}}, 400),
        ({"query": "query Q { viewer { id } }", "operationName": "Other"}, 400),
        ({"query": "mutation { noSuchMutation }"}, 400),
        ({"variables": {}}, 400),
        ([1, 2], 400),
    ]
    for body, status in cases:
        answer = requests.post(
            f"{live_server.url}/graphql", json=body, headers=_auth(live_server.admin_key), timeout=10
        )
        assert answer.status_code == status, (body, answer.text)
        assert answer.json()["errors"], body
    answer = requests.post(
        f"{live_server.url}/graphql", data=b"{not json", timeout=10, headers=_auth(live_server.admin_key)
    )
    assert answer.status_code == 400
    bad = live_server.upsert("bad id!")
    assert bad.status_code == 400 and "invalid run id" in bad.text
    assert live_server.upsert("ok", project="a/b").status_code == 400
    assert live_server.upsert("ok", project="..").status_code == 400
    assert live_server.upsert("ok", config="{broken").status_code == 400
    assert requests.get(f"{live_server.url}/no/such/endpoint/here", timeout=10).status_code == 404


def test_resume_status_of_missing_and_existing_runs(live_server) -> None:
    missing = live_server.gql(RUN_RESUME_STATUS, {"project": "nothing", "name": "x"}).json()
    assert missing == {"data": {"model": None}}
    config = json.dumps({"_wandb": {"value": {"t": {"1": [1]}, "cli_version": "0.31.0"}}, "lr": {"value": 0.1}})
    live_server.upsert("res", config=config, tags=["t1"])
    absent = live_server.gql(RUN_RESUME_STATUS, {"project": "p", "name": "other"}).json()["data"]["model"]
    assert absent["bucket"] is None and absent["entity"]["name"] == "admin"
    live_server.stream(
        "admin",
        "p",
        "res",
        {
            "files": {
                "wandb-history.jsonl": {"offset": 0, "content": _rows(0, 3)},
                "wandb-events.jsonl": {"offset": 0, "content": ['{"cpu": 1}']},
                "wandb-summary.json": {"offset": 0, "content": ['{"x": 2}']},
            }
        },
    )
    bucket = live_server.gql(RUN_RESUME_STATUS, {"project": "p", "name": "res"}).json()["data"]["model"]["bucket"]
    assert (bucket["historyLineCount"], bucket["eventsLineCount"], bucket["logLineCount"]) == (3, 1, 0)
    assert [json.loads(row)["_step"] for row in json.loads(bucket["historyTail"])] == [0, 1, 2]
    assert json.loads(bucket["wandbConfig"]) == {"t": {"1": [1]}}
    assert json.loads(bucket["config"]) == json.loads(config)
    assert json.loads(bucket["summaryMetrics"]) == {"x": 2} and bucket["tags"] == ["t1"]
    yaml = pytest.importorskip("yaml")
    written = yaml.safe_load((live_server.run_dir("admin", "p", "res") / "files" / "config.yaml").read_text())
    assert written["lr"] == {"value": 0.1} and written["_wandb"]["value"]["cli_version"] == "0.31.0"


def test_run_pages_are_the_dashboard_behind_a_login(live_server) -> None:
    name = live_server.upsert("page").json()["data"]["upsertBucket"]["bucket"]["displayName"]
    page = requests.get(f"{live_server.url}/admin/p/runs/page", allow_redirects=False, timeout=10)
    assert page.status_code == 302 and page.headers["Location"].startswith("/login?next=")
    for path in ("/admin/p/runs/page", "/admin/p", "/"):
        answer = requests.get(f"{live_server.url}{path}", headers=_auth(live_server.admin_key), timeout=10)
        assert answer.status_code == 200 and "text/html" in answer.headers["Content-Type"]
        assert '<meta name="wandb-dashboard-base" content="">' in answer.text
    api = f"{live_server.url}/_dashboard/api"
    run = requests.get(f"{api}/run/admin/p/page", headers=_auth(live_server.admin_key), timeout=10)
    assert run.status_code == 200 and run.json()["name"] == name
    assert requests.get(f"{api}/run/admin/p/nope", headers=_auth(live_server.admin_key), timeout=10).status_code == 404
    runs = requests.get(f"{api}/runs/admin/p", headers=_auth(live_server.admin_key), timeout=10).json()["runs"]
    assert [(r["id"], r["url"]) for r in runs] == [("page", "/admin/p/runs/page")]


def test_anonymous_runs_are_reachable_only_by_their_secret_url(live_server) -> None:
    live_server.ctx.anonymous.enabled = True  # off unless the admin allows them
    answer = live_server.gql("mutation { createAnonymousEntity(input: {}) { apiKey { name } } }", key=None)
    key = answer.json()["data"]["createAnonymousEntity"]["apiKey"]["name"]
    assert key_shape_ok(key)
    entity = live_server.gql("{ viewer { entity } }", key=key).json()["data"]["viewer"]["entity"]
    assert live_server.upsert("anon", key=key).status_code == 200
    run = f"{live_server.url}/_dashboard/api/run/{entity}/p/anon"
    assert requests.get(run, timeout=10).status_code == 401
    assert requests.get(run, params={"apiKey": live_server.admin_key}, timeout=10).status_code == 401
    assert requests.get(run, headers=_auth(live_server.admin_key), timeout=10).status_code == 404
    assert requests.get(run, params={"apiKey": key}, timeout=10).status_code == 401  # a key in a URL opens nothing
    view = {"view": view_token(key)}  # the shared link's read-only token
    assert requests.get(run, params=view, timeout=10).json()["id"] == "anon"
    page = requests.get(f"{live_server.url}/{entity}/p/runs/anon", params=view, timeout=10)
    assert page.status_code == 200 and "wandb-dashboard-base" in page.text
    query = '{ project(name: "p", entityName: "%s") { run(name: "anon") { id } } }' % entity
    assert live_server.gql(query).json()["data"]["project"] is None  # not even the admin reads it
    assert live_server.gql(query, key=key).json()["data"]["project"]["run"]["id"]


def test_an_anonymous_account_from_before_view_tokens_gets_one_when_its_key_is_used(live_server) -> None:
    """Accounts made by an older server have no view token stored: the next request with the key adds it."""
    import sqlite3

    live_server.ctx.anonymous.enabled = True
    answer = live_server.gql("mutation { createAnonymousEntity(input: {}) { apiKey { name } } }", key=None)
    key = answer.json()["data"]["createAnonymousEntity"]["apiKey"]["name"]
    with sqlite3.connect(live_server.data_dir / "index.sqlite3") as db:
        db.execute("DELETE FROM view_tokens")  # as an older server left it
    entity = live_server.gql("{ viewer { entity } }", key=key).json()["data"]["viewer"]["entity"]
    assert live_server.upsert("old", key=key).status_code == 200
    data = f"{live_server.url}/_dashboard/api/run/{entity}/p/old"
    assert requests.get(data, params={"view": view_token(key)}, timeout=10).json()["id"] == "old"


def test_files_download_for_readers_only(live_server) -> None:
    live_server.upsert("dl")
    live_server.stream("admin", "p", "dl", {"files": {"wandb-history.jsonl": {"offset": 0, "content": _rows(0, 2)}}})
    listed = live_server.gql('{ project(name: "p") { run(name: "dl") { files { edges { node { name url } } } } } }')
    urls = {e["node"]["name"]: e["node"]["url"] for e in listed.json()["data"]["project"]["run"]["files"]["edges"]}
    url = urls["wandb-history.jsonl"]
    assert requests.get(url, headers=_auth(live_server.admin_key), timeout=10).text == "\n".join(_rows(0, 2)) + "\n"
    assert requests.get(url, timeout=10).status_code == 401
    assert requests.get(
        url.replace("wandb-history.jsonl", "..%2F..%2Findex.sqlite3"), headers=_auth(live_server.admin_key), timeout=10
    ).status_code in (400, 404)


def test_handlers_mount_under_a_base_path(tmp_path) -> None:
    import asyncio
    import threading

    from tornado.httpserver import HTTPServer
    from tornado.netutil import bind_sockets

    from wandb_jupyter.app import make_app
    from wandb_jupyter.server import ServerContext

    ctx = ServerContext.open(tmp_path / "data")
    _, key = ctx.ensure_admin()
    loop = asyncio.new_event_loop()
    sockets = bind_sockets(0, "127.0.0.1")
    port = sockets[0].getsockname()[1]

    async def start() -> HTTPServer:
        http = HTTPServer(make_app(ctx, base_path="/wandb/"))
        http.add_sockets(sockets)
        return http

    started: list[HTTPServer] = []

    def serve() -> None:  # the loop runs in its own thread only: the main thread may hold another running loop
        asyncio.set_event_loop(loop)
        started.append(loop.run_until_complete(start()))
        loop.run_forever()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not started and time.monotonic() < deadline:
        time.sleep(0.01)
    http = started[0]
    try:
        base = f"http://127.0.0.1:{port}/wandb"
        assert requests.get(f"{base}/health", timeout=10).json()["status"] == "ok"
        assert requests.get(f"http://127.0.0.1:{port}/health", timeout=10).status_code == 404
        answer = requests.post(
            f"{base}/graphql",
            headers=_auth(key),
            timeout=10,
            json={
                "query": """mutation {
            upsertBucket(input: {name: "r", modelName: "p"}) { bucket { id } } }"""
            },
        )
        assert answer.status_code == 200, answer.text
        answer = requests.post(
            f"{base}/graphql",
            headers=_auth(key),
            timeout=10,
            json={
                "query": """mutation {
            createRunFiles(input: {entityName: "admin", projectName: "p", runName: "r", files: ["a.txt"]}) {
              files { uploadUrl } } }"""
            },
        )
        url = answer.json()["data"]["createRunFiles"]["files"][0]["uploadUrl"]
        assert url.startswith(f"{base}/upload/admin/p/r/a.txt?")
        assert requests.put(url, data=b"A", timeout=10).status_code == 200
        page = requests.get(f"{base}/admin/p/runs/r", headers=_auth(key), timeout=10)
        assert page.status_code == 200 and '<meta name="wandb-dashboard-base" content="/wandb">' in page.text
        run = requests.get(f"{base}/_dashboard/api/run/admin/p/r", headers=_auth(key), timeout=10)
        assert run.status_code == 200 and [f["name"] for f in run.json()["files"]] == ["a.txt"]
    finally:

        async def stop() -> None:
            http.stop()
            await http.close_all_connections()

        asyncio.run_coroutine_threadsafe(stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        ctx.close()
