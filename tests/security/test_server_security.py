"""The server's promises against a launched ``wandb-jupyter server``: no write without a valid key; one
user reads and writes only their own entities; anonymous runs are reachable only by a secret of at least
128 random bits and listed nowhere; upload URLs expire and never write outside their run; request
bodies have limits with a clear 413. (tests/server/test_server_api.py has the basic cases; these go
further. Dashboard pages are tested with the dashboard.)"""

from __future__ import annotations

import json
import re
import socket
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from wandb_jupyter.server._accounts import new_api_key

from .conftest import ANONYMOUS, basic

BAD_KEY = "local-" + "0" * 40
#: Authorization headers that carry no valid key: none, unknown, malformed, another scheme.
NO_VALID_KEY = [
    pytest.param({}, 401, id="no-key"),
    pytest.param(basic(BAD_KEY), 401, id="unknown-key"),
    pytest.param({"Authorization": "Basic !!!not-base64"}, 401, id="malformed"),
    pytest.param({"Authorization": "Basic " + "YXBpOg=="}, 401, id="empty-key"),  # "api:"
    pytest.param({"Authorization": "Bearer local-" + "1" * 40}, 401, id="bearer"),
]
MUTATIONS = {
    "upsertBucket": 'mutation { upsertBucket(input: {name: "new", modelName: "p", entityName: "admin"}) '
    "{ bucket { id } } }",
    "createRunFiles": 'mutation { createRunFiles(input: {entityName: "admin", projectName: "p", runName: "r", '
    'files: ["a.txt"]}) { files { uploadUrl } } }',
    "markRunFilesUploaded": 'mutation { markRunFilesUploaded(input: {entityName: "admin", projectName: "p", '
    'runName: "r", files: ["a.txt"]}) { success } }',
    "stopRun": "mutation S($id: ID!) { stopRun(input: {id: $id}) { success } }",
    "upsertModel": 'mutation { upsertModel(input: {name: "q", entityName: "admin"}) { inserted } }',
}


def _rows(n: int) -> list[str]:
    return [json.dumps({"_step": i}) for i in range(n)]


def _admin_run(server, run: str = "r") -> str:
    answer = server.upsert(run, key=server.admin_key)
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]["upsertBucket"]["bucket"]["id"]


def _history(server, entity: str, run: str) -> Path:
    return server.run_dir(entity, "p", run) / "files" / "wandb-history.jsonl"


def _snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


# -- writes need a valid key ---------------------------------------------------------------------------


@pytest.mark.parametrize("headers, status", NO_VALID_KEY)
def test_no_write_without_a_valid_key(launched, headers: dict[str, str], status: int) -> None:
    run_id = _admin_run(launched)
    before = _snapshot(launched.data_dir / "runs")
    for name, query in MUTATIONS.items():
        body = json.dumps({"query": query, "variables": {"id": run_id}}).encode()
        answer = launched.post("/graphql", body, headers=headers)
        assert answer.status_code == status, (name, answer.text)
    stream = json.dumps(
        {"files": {"wandb-history.jsonl": {"offset": 0, "content": _rows(3)}}, "complete": True, "exitcode": 0}
    ).encode()
    assert launched.post("/files/admin/p/r/file_stream", stream, headers=headers).status_code == status
    upload = requests.put(f"{launched.url}/upload/admin/p/r/a.txt", data=b"x", headers=headers, timeout=30)
    assert upload.status_code == 403  # uploads need a signature, whatever the key
    assert _snapshot(launched.data_dir / "runs") == before  # nothing changed on disk
    state = launched.gql(
        '{ project(name: "p", entityName: "admin") { run(name: "r") { state } } }', key=launched.admin_key
    ).json()
    assert state["data"]["project"]["run"]["state"] == "running"
    assert (
        launched.gql('{ project(name: "q", entityName: "admin") { id } }', key=launched.admin_key).json()["data"][
            "project"
        ]
        is None
    )


def test_a_signed_upload_url_needs_no_key_but_only_writes_its_own_file(launched) -> None:
    _admin_run(launched)
    answer = launched.upload_urls("admin", "p", "r", ["a.txt"], key=launched.admin_key)
    url = answer.json()["data"]["createRunFiles"]["files"][0]["uploadUrl"]
    assert requests.put(url, data=b"A", timeout=30).status_code == 200
    files = launched.run_dir("admin", "p", "r") / "files"
    assert (files / "a.txt").read_bytes() == b"A"
    path, query = url.split("?", 1)
    for other in (
        path.replace("/a.txt", "/b.txt"),
        path.replace("/r/a.txt", "/r2/a.txt"),
        path.replace("/admin/", "/bob/"),
        path.replace("/a.txt", "/A.txt"),
    ):
        assert requests.put(f"{other}?{query}", data=b"B", timeout=30).status_code in (403, 404), other
    assert not (files / "b.txt").exists() and not (files / "A.txt").exists()


# -- one user, one entity ----------------------------------------------------------------------------------


def test_a_user_cannot_read_or_write_another_users_entity(launched) -> None:
    run_id = _admin_run(launched)
    assert (
        launched.stream(
            "admin",
            "p",
            "r",
            {"files": {"wandb-history.jsonl": {"offset": 0, "content": _rows(2)}}},
            key=launched.admin_key,
        ).status_code
        == 200
    )
    bob = launched.bob_key
    before = _snapshot(launched.run_dir("admin", "p", "r"))
    # reads through GraphQL: nothing of admin's is visible to bob
    for query in (
        '{ project(name: "p", entityName: "admin") { id run(name: "r") { id } } }',
        '{ model(name: "p", entityName: "admin") { bucket(name: "r") { historyTail } } }',
        '{ projects(entityName: "admin") { edges { node { name } } } }',
        '{ entity(name: "admin") { projects { edges { node { name } } } } }',
    ):
        data = launched.gql(query, key=bob).json()["data"]
        missing = launched.gql(query.replace('"admin"', '"no-such-entity"'), key=bob).json()["data"]
        # nothing of admin's, and the same answer as for an entity that does not exist (the SDK's
        # api.projects() needs a list there, so that answer is an empty one rather than null)
        assert data == missing and list(data.values()) in ([None], [{"edges": []}]), (query, data)
    # writes: file_stream, upsert (by name and by id), stop, upload URLs, files
    body = {"files": {"wandb-history.jsonl": {"offset": 2, "content": _rows(1)}}, "complete": True, "exitcode": 1}
    assert launched.stream("admin", "p", "r", body, key=bob).status_code == 403
    assert launched.upsert("r", entity="admin", key=bob).status_code == 403
    by_id = launched.gql(
        'mutation U($id: String) { upsertBucket(input: {id: $id, displayName: "bob was here"}) { bucket { id } } }',
        {"id": run_id},
        key=bob,
    )
    assert by_id.status_code == 404  # as for a run that does not exist (see the next test)
    assert launched.gql(MUTATIONS["stopRun"], {"id": run_id}, key=bob).status_code == 404
    assert launched.upload_urls("admin", "p", "r", ["x.txt"], key=bob).status_code == 403
    assert launched.gql(MUTATIONS["markRunFilesUploaded"], key=bob).status_code == 403
    # downloads
    download = f"{launched.url}/files/admin/p/r/wandb-history.jsonl"
    assert requests.get(download, headers=basic(bob), timeout=30).status_code == 404
    assert requests.get(download, params={"apiKey": bob}, timeout=30).status_code == 404
    assert requests.get(download, headers=basic(launched.admin_key), timeout=30).status_code == 200
    assert _snapshot(launched.run_dir("admin", "p", "r")) == before
    # and bob's own entity works for bob, and the admin (server operator) reads it
    assert launched.upsert("mine", key=bob).status_code == 200
    assert launched.gql(
        '{ project(name: "p", entityName: "bob") { run(name: "mine") { id } } }', key=launched.admin_key
    ).json()["data"]["project"]["run"]["id"]


def test_another_users_runs_answer_as_missing_ones(launched) -> None:
    """Probing another user's entity tells nothing about which of its runs exist: each request about an
    existing run of admin's answers bob exactly as about a missing one (status and message)."""
    from wandb_jupyter.server._context import encode_id

    run_id = _admin_run(launched)
    missing_id = encode_id("Run", 10**9)
    bob = launched.bob_key
    upsert_by_id = 'mutation U($id: String) { upsertBucket(input: {id: $id, notes: "x"}) { bucket { id } } }'

    def answer(response: requests.Response, secret: str) -> tuple[int, str]:
        return response.status_code, response.text.replace(secret, "<id>")

    for mutation in (upsert_by_id, MUTATIONS["stopRun"]):
        existing = answer(launched.gql(mutation, {"id": run_id}, key=bob), run_id)
        absent = answer(launched.gql(mutation, {"id": missing_id}, key=bob), missing_id)
        assert existing == absent and existing[0] == 404, (existing, absent)
    body = {"files": {"wandb-history.jsonl": {"offset": 0, "content": _rows(1)}}}
    for run in ("r", "nope"):  # by name: the entity answers first, the same for both
        assert launched.stream("admin", "p", run, body, key=bob).status_code == 403
        assert launched.upload_urls("admin", "p", run, ["x.txt"], key=bob).status_code == 403
        download = requests.get(
            f"{launched.url}/files/admin/p/{run}/wandb-history.jsonl", headers=basic(bob), timeout=30
        )
        assert download.status_code == 404
    # the admin, who may read every entity, still learns the truth
    admin_answer = launched.gql(upsert_by_id, {"id": missing_id}, key=launched.admin_key)
    assert admin_answer.status_code == 404


# -- anonymous runs -----------------------------------------------------------------------------------------


def test_secret_keys_come_from_a_csprng_with_at_least_128_bits(monkeypatch: pytest.MonkeyPatch) -> None:
    from wandb_jupyter.server import _accounts

    asked: list[int] = []
    real = _accounts.secrets.token_hex

    def spy(nbytes: int) -> str:
        asked.append(nbytes)
        return real(nbytes)

    monkeypatch.setattr(_accounts.secrets, "token_hex", spy)
    key = new_api_key()
    assert asked and asked[0] * 8 >= 128  # the random part comes from `secrets`, >= 16 bytes
    random_part = key.split("-", 1)[1]
    assert re.fullmatch(r"[0-9a-f]{40,}", random_part) and len(random_part) * 4 >= 128
    # and looks random: no repeats, every bit position set about half the time
    keys = [int(new_api_key().split("-", 1)[1], 16) for _ in range(2000)]
    assert len(set(keys)) == len(keys)
    bits = len(random_part) * 4
    for position in range(bits):
        share = sum((k >> position) & 1 for k in keys) / len(keys)
        assert 0.4 < share < 0.6, (position, share)


@pytest.mark.server_args(*ANONYMOUS)
def test_anonymous_runs_are_listed_nowhere(launched) -> None:
    answer = launched.gql("mutation { createAnonymousEntity(input: {}) { apiKey { name } } }")
    secret = answer.json()["data"]["createAnonymousEntity"]["apiKey"]["name"]
    entity = launched.gql("{ viewer { entity } }", key=secret).json()["data"]["viewer"]["entity"]
    assert launched.upsert("anon", key=secret).status_code == 200
    assert (
        launched.stream(
            entity, "p", "anon", {"files": {"wandb-history.jsonl": {"offset": 0, "content": _rows(1)}}}, key=secret
        ).status_code
        == 200
    )
    for key in (launched.admin_key, launched.bob_key, None):
        for query in (
            f'{{ projects(entityName: "{entity}") {{ edges {{ node {{ name }} }} }} }}',
            f'{{ entity(name: "{entity}") {{ id }} }}',
            f'{{ project(name: "p", entityName: "{entity}") {{ runs {{ edges {{ node {{ name }} }} }} }} }}',
        ):
            data = launched.gql(query, key=key).json().get("data") or {}
            nobody = launched.gql(query.replace(entity, "no-such-entity"), key=key).json().get("data") or {}
            assert data == nobody, (key, query, data)  # exactly as for an entity that does not exist
            assert all(value in (None, {"edges": []}) for value in data.values()), (key, query, data)
        viewer = launched.gql("{ viewer { teams { edges { node { name } } } } }", key=key).json()
        assert entity not in json.dumps(viewer)
        download = requests.get(
            f"{launched.url}/files/{entity}/p/anon/wandb-history.jsonl", timeout=30, headers=basic(key) if key else {}
        )
        assert download.status_code in (401, 404)
    # the secret opens it
    runs = f'{{ project(name: "p", entityName: "{entity}") {{ runs {{ edges {{ node {{ name }} }} }} }} }}'
    assert launched.gql(runs, key=secret).json()["data"]["project"]["runs"]["edges"] == [{"node": {"name": "anon"}}]
    assert (
        requests.get(
            f"{launched.url}/files/{entity}/p/anon/wandb-history.jsonl", params={"apiKey": secret}, timeout=30
        ).status_code
        == 200
    )


# -- upload URLs: expiry and confinement -----------------------------------------------------------------------


def test_upload_urls_expire(launched) -> None:
    from wandb_jupyter.server._signing import UrlSigner

    _admin_run(launched)
    files = launched.run_dir("admin", "p", "r") / "files"
    path = "admin/p/r/late.txt"
    stale = launched.signer.query(path, now=time.time() - launched.signer.lifetime - 1)  # the signer's clock
    answer = requests.put(f"{launched.url}/upload/{path}?{stale}", data=b"late", timeout=30)
    assert answer.status_code == 403 and "expired" in answer.json()["error"]
    short = UrlSigner(launched.signer._secret, lifetime=1.0).query(path)  # a short lifetime, real time
    time.sleep(2.1)
    assert requests.put(f"{launched.url}/upload/{path}?{short}", data=b"late", timeout=30).status_code == 403
    extended = re.sub(r"exp=\d+", f"exp={int(time.time()) + 3600}", stale)  # moving the expiry breaks the signature
    answer = requests.put(f"{launched.url}/upload/{path}?{extended}", data=b"late", timeout=30)
    assert answer.status_code == 403 and "signature" in answer.json()["error"]
    assert not (files / "late.txt").exists()


TRAVERSALS = [
    "../escape.txt",
    "../../../escape.txt",
    "..",
    "a/../../escape.txt",
    "/tmp/escape.txt",
    "%2e%2e/escape.txt",
    "%2E%2E%2Fescape.txt",
    "..%2fescape.txt",
    "..%5cescape.txt",
    "..\\escape.txt",
    "a\\..\\..\\escape.txt",
    "%00escape.txt",
    "./escape.txt",
    "a//escape.txt",
]


@pytest.mark.parametrize("raw", TRAVERSALS)
def test_upload_urls_cannot_write_outside_their_run(launched, tmp_path: Path, raw: str) -> None:
    """Even with a valid signature for the very path, nothing lands outside the run's files."""
    from urllib.parse import unquote

    _admin_run(launched)
    before = {str(p) for p in tmp_path.rglob("*")}
    for signed_as in {raw, unquote(raw)}:
        query = launched.signer.query(f"admin/p/r/{signed_as}")
        try:
            answer = requests.put(f"{launched.url}/upload/admin/p/r/{raw}?{query}", data=b"escaped", timeout=30)
        except requests.exceptions.InvalidURL:
            continue
        assert 400 <= answer.status_code < 500, (raw, signed_as, answer.status_code)
    created = {str(p) for p in tmp_path.rglob("*")} - before
    assert not [p for p in created if "escape" in p], created
    assert not any(
        "escaped" in Path(p).read_text(errors="ignore")
        for p in created
        if Path(p).is_file() and not p.endswith((".sqlite3", ".log", "-wal", "-shm"))
    )


def test_symbolic_links_planted_in_a_run_do_not_lead_out(launched, tmp_path: Path) -> None:
    _admin_run(launched)
    root = launched.run_dir("admin", "p", "r")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("not for clients")
    (root / "files" / "link").symlink_to(outside, target_is_directory=True)
    (root / "files" / "evil.txt").symlink_to(outside / "secret.txt")
    (root / "uploaded").symlink_to(outside, target_is_directory=True)
    for name in ("link/new.txt", "link/secret.txt", "evil.txt", "output.log"):
        query = launched.signer.query(f"admin/p/r/{name}")
        answer = requests.put(f"{launched.url}/upload/admin/p/r/{name}?{query}", data=b"overwritten", timeout=30)
        assert answer.status_code == 400, (name, answer.status_code, answer.text)
    stream = launched.stream(
        "admin", "p", "r", {"files": {"link/x.jsonl": {"offset": 0, "content": ["{}"]}}}, key=launched.admin_key
    )
    assert stream.status_code == 400
    for name in ("link/secret.txt", "evil.txt"):
        answer = requests.get(f"{launched.url}/files/admin/p/r/{name}", headers=basic(launched.admin_key), timeout=30)
        assert answer.status_code in (400, 404) and b"not for clients" not in answer.content
    assert sorted(p.name for p in outside.iterdir()) == ["secret.txt"]
    assert (outside / "secret.txt").read_text() == "not for clients"


# -- request size limits ---------------------------------------------------------------------------------------


def test_request_bodies_over_the_limit_get_a_clear_413(launched) -> None:
    from wandb_jupyter.server._limits import MAX_BODY_BYTES, MAX_QUERY_CHARS

    _admin_run(launched)
    big = b"[" + b"0," * (MAX_BODY_BYTES // 2) + b"0]"
    for path in ("/graphql", "/files/admin/p/r/file_stream"):
        answer = launched.post(path, big, key=launched.admin_key)  # with Content-Length
        assert answer.status_code == 413 and "over the limit of 64 MiB" in answer.json()["error"], path

        def chunks():  # no Content-Length: chunked, the limit is applied as the body arrives
            for start in range(0, len(big), 1 << 20):
                yield big[start : start + (1 << 20)]

        answer = requests.post(f"{launched.url}{path}", data=chunks(), headers=basic(launched.admin_key), timeout=60)
        assert answer.status_code == 413, path
    query = json.dumps({"query": "{ viewer { name } }" + " " * MAX_QUERY_CHARS}).encode()
    answer = launched.post("/graphql", query, key=launched.admin_key)
    assert answer.status_code == 413 and "query is over the limit" in answer.text
    # the server still answers normal requests on new connections
    assert launched.gql("{ viewer { name } }", key=launched.admin_key).json()["data"]["viewer"]["name"] == "admin"


def test_an_upload_announced_over_the_limit_gets_413_before_its_body(launched) -> None:
    from wandb_jupyter.server._handlers import MAX_UPLOAD_BYTES

    _admin_run(launched)
    query = launched.signer.query("admin/p/r/huge.bin")
    parts = urlsplit(launched.url)
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        sock.sendall(
            f"PUT /upload/admin/p/r/huge.bin?{query} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
            f"Content-Length: {MAX_UPLOAD_BYTES + 1}\r\n\r\n".encode()
        )
        head = sock.recv(65536).decode("latin-1")
    assert head.startswith("HTTP/1.1 413"), head
    assert not (launched.run_dir("admin", "p", "r") / "files" / "huge.bin").exists()
    assert not list((launched.run_dir("admin", "p", "r") / "files").glob(".huge.bin*"))
