"""Anonymous accounts (issue 19, item 4), against a launched server: off unless the admin allows them; when
allowed, a few an hour per client address, and each account holds a bounded number of runs and bytes."""

from __future__ import annotations

import sqlite3

import pytest
import requests

from .conftest import ANONYMOUS as SERVER_ARGS

ANONYMOUS = "mutation { createAnonymousEntity(input: {}) { apiKey { name } } }"


def _users(launched) -> list[str]:
    with sqlite3.connect(launched.data_dir / "index.sqlite3") as db:
        return [name for (name,) in db.execute("SELECT name FROM users ORDER BY name")]


def _anonymous_key(launched) -> tuple[str, str]:
    answer = launched.gql(ANONYMOUS)
    assert answer.status_code == 200, answer.text
    key = answer.json()["data"]["createAnonymousEntity"]["apiKey"]["name"]
    return key, launched.gql("{ viewer { entity } }", key=key).json()["data"]["viewer"]["entity"]


def test_anonymous_accounts_are_off_unless_the_admin_allows_them(launched) -> None:
    before = _users(launched)
    for _ in range(3):
        answer = launched.gql(ANONYMOUS)
        assert answer.status_code == 403, answer.text
        assert "--allow-anonymous" in answer.json()["errors"][0]["message"]
    assert _users(launched) == before


@pytest.mark.server_args(*SERVER_ARGS)
def test_anonymous_accounts_are_rate_limited(launched) -> None:
    made = [launched.gql(ANONYMOUS).status_code for _ in range(12)]
    assert made == [200] * 10 + [429] * 2, made
    assert sum(name.startswith("anony-mouse-") for name in _users(launched)) == 10


@pytest.mark.server_args(*SERVER_ARGS)
def test_an_anonymous_account_holds_a_few_runs_and_bytes(launched) -> None:
    server = launched
    key, entity = _anonymous_key(server)
    assert [server.upsert(f"r{i}", key=key).status_code for i in range(4)] == [200, 200, 200, 403]
    assert server.upsert("r0", key=key).status_code == 200  # updating a run it has is fine
    # streams: up to 1 MiB in all, then 413
    line = "x" * 1000
    stored = 0
    for chunk in range(3):
        body = {"files": {"output.log": {"offset": chunk * 400, "content": [line] * 400}}}
        answer = server.stream(entity, "p", "r0", body, key=key)
        if answer.status_code != 200:
            break
        stored += 1
    assert stored == 2 and answer.status_code == 413, (stored, answer.text)
    # uploads: refused once over the quota
    urls = server.upload_urls(entity, "p", "r1", ["big.bin"], key=key)
    if urls.status_code == 200:
        url = urls.json()["data"]["createRunFiles"]["files"][0]["uploadUrl"]
        assert requests.put(url, data=b"x" * (600 << 10), timeout=30).status_code == 413
    else:
        assert urls.status_code == 413
    # the admin's own account has no such limits
    assert [server.upsert(f"a{i}", key=server.admin_key).status_code for i in range(5)] == [200] * 5
