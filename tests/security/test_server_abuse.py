"""Requests that cost the server more than they should (issue 19, items 2, 3 and 10), against a launched server.

Keyless introspection is closed; the cost of a query is limited (aliases, depth, fields, fragment
expansion) before it runs; a request's work never holds the event loop, so ``/health`` answers at once
while a costly one runs; keyless queries leave no parsed document behind (the server's memory stays
flat); a config of 10^6 keys is refused; a one-line ``output.log`` rewrite at offset 0 does not rewrite
the file.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import requests

from .conftest import basic

INTROSPECTION = "{ __schema { types { name fields { name type { name ofType { name ofType { name } } } } } } }"


def _deep(levels: int) -> str:
    """A valid query nested ``4 * levels + 2`` fields deep."""
    inner = "id"
    for _ in range(levels):
        inner = f"entity {{ projects {{ edges {{ node {{ {inner} }} }} }} }}"
    return f'{{ project(name: "p") {{ {inner} }} }}'


def _rss_mib(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(status.split("VmRSS:")[1].split()[0]) / 1024


def _health_latencies(url: str, busy: threading.Event, seconds: float) -> list[float]:
    """Latencies of /health requests sent one after another while ``busy`` is set (at most ``seconds``)."""
    latencies = []
    deadline = time.monotonic() + seconds
    while busy.is_set() and time.monotonic() < deadline:
        start = time.monotonic()
        assert requests.get(f"{url}/health", timeout=60).status_code == 200
        latencies.append(time.monotonic() - start)
        time.sleep(0.02)
    return latencies


def test_introspection_needs_a_key(launched) -> None:
    keyless = launched.gql(INTROSPECTION)
    assert keyless.status_code == 401, keyless.text
    assert "data" not in keyless.json() or not keyless.json()["data"]
    assert "introspection" in keyless.json()["errors"][0]["message"]
    nested = launched.gql('{ viewer { id } __type(name: "Run") { fields { name } } }')
    assert nested.status_code == 401
    assert launched.gql("{ __typename }").json() == {"data": {"__typename": "Query"}}  # no schema in it
    allowed = launched.gql(INTROSPECTION, key=launched.admin_key)
    assert allowed.status_code == 200 and allowed.json()["data"]["__schema"]["types"]


def test_query_cost_is_limited_before_it_runs(launched) -> None:
    for key in (None, launched.admin_key):
        aliased = "{ " + " ".join(f"s{i}: __schema {{ types {{ name }} }}" for i in range(64)) + " }"
        answer = launched.gql(aliased, key=key)
        assert answer.status_code in (400, 401) and "data" not in answer.json(), answer.text[:300]
        many = "{ " + " ".join(f"v{i}: viewer {{ id name }}" for i in range(400)) + " }"
        answer = launched.gql(many, key=key)
        assert answer.status_code == 400, answer.text[:300]
        assert "limit" in answer.json()["errors"][0]["message"]
        answer = launched.gql(_deep(6), key=key)
        assert answer.status_code == 400 and "deep" in answer.json()["errors"][0]["message"], answer.text[:300]
    # fragments that double at each level: 2^30 fields once expanded, refused without expanding them all
    fragments = ["fragment F0 on User { id }"]
    fragments += [f"fragment F{i} on User {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, 31)]
    bomb = "{ viewer { ...F30 } } " + " ".join(fragments)
    start = time.monotonic()
    answer = launched.gql(bomb, key=launched.admin_key)
    assert answer.status_code == 400 and time.monotonic() - start < 5, answer.text[:300]
    # what the SDK and our client send still works
    assert launched.gql("{ viewer { id entity teams { edges { node { name } } } } }", key=launched.admin_key).ok


def test_health_answers_while_costly_requests_run(launched) -> None:
    """A 10^6-key config and a stream of the costliest allowed queries: /health still answers at once."""
    config = json.dumps({f"key{i}": {"value": i} for i in range(1_000_000)})
    assert launched.upsert("r", key=launched.admin_key).status_code == 200
    busy = threading.Event()
    busy.set()
    answers: list[int] = []

    def heavy() -> None:
        try:
            for _ in range(2):
                answers.append(launched.upsert("r", key=launched.admin_key, config=config).status_code)
            for key in (None, launched.admin_key):
                answers.append(launched.gql(INTROSPECTION, key=key).status_code)
        finally:
            busy.clear()

    thread = threading.Thread(target=heavy)
    thread.start()
    time.sleep(0.3)  # the first upload is under way
    latencies = _health_latencies(launched.url, busy, 120)
    thread.join(120)
    assert answers[:2] == [400, 400], answers  # over the config key limit
    assert len(latencies) >= 3, latencies
    assert max(latencies) < 2.0, f"/health waited {max(latencies):.2f} s while a costly request ran"


def test_a_config_over_the_key_limit_is_refused(launched) -> None:
    from wandb_jupyter.server._limits import MAX_CONFIG_KEYS

    assert launched.upsert("r", key=launched.admin_key).status_code == 200
    fits = {f"k{i}": {"value": i} for i in range(MAX_CONFIG_KEYS)}
    assert launched.upsert("r", key=launched.admin_key, config=json.dumps(fits)).status_code == 200
    nested = {"a": {"value": {f"k{i}": i for i in range(MAX_CONFIG_KEYS + 1)}}}  # nested keys count too
    answer = launched.upsert("r", key=launched.admin_key, config=json.dumps(nested))
    assert answer.status_code == 400 and str(MAX_CONFIG_KEYS) in answer.text
    summary = {f"k{i}": i for i in range(MAX_CONFIG_KEYS + 1)}
    assert launched.upsert("r", key=launched.admin_key, summaryMetrics=json.dumps(summary)).status_code == 400
    config = (launched.run_dir("admin", "p", "r") / "files" / "config.yaml").read_text()
    assert f"k{MAX_CONFIG_KEYS - 1}" in config  # the last accepted config stays


def test_keyless_queries_leave_the_servers_memory_flat(launched) -> None:
    pid = launched.process.pid
    for i in range(3):  # warm up: the first requests load the schema and its validation rules
        launched.gql("{ viewer { id } } " + "#" * i)
    before = _rss_mib(pid)
    for i in range(20):
        query = "{ " + " ".join(f"a{j}: viewer {{ id }}" for j in range(4_600)) + f" }} # {i}"
        assert 95_000 < len(query) <= 100_000
        assert launched.gql(query).status_code in (200, 400)  # 400 over the field limit (but parsed all the same)
    grown = _rss_mib(pid) - before
    assert grown < 40, f"20 distinct keyless 100k-character queries grew the server by {grown:.0f} MiB"


def test_the_document_cache_is_bounded_by_characters() -> None:
    from wandb_jupyter.server._documents import DocumentCache

    cache = DocumentCache(max_chars=10_000, max_entry=4_000)
    for i in range(20):
        cache.get("{ viewer { id } }" + " " * 3_000 + f"# {i}", keep=True)
        assert cache.chars <= 10_000
    assert len(cache) == 3
    cache.get("{ viewer { id } }" + " " * 5_000, keep=True)  # over the longest text kept
    cache.get("{ viewer { name } }", keep=False)  # a keyless caller's
    assert len(cache) == 3 and cache.chars <= 10_000


def test_a_one_line_rewrite_at_offset_0_does_not_rewrite_a_big_output_log(launched) -> None:
    key = launched.admin_key
    assert launched.upsert("r", key=key).status_code == 200
    line = "x" * 1000
    for chunk in range(5):  # 50,000 lines, 50 MB
        body = {"files": {"output.log": {"offset": chunk * 10_000, "content": [line] * 10_000}}}
        assert launched.stream("admin", "p", "r", body, key=key).status_code == 200
    path = launched.run_dir("admin", "p", "r") / "files" / "output.log"
    inode, size = path.stat().st_ino, path.stat().st_size
    assert size == 50_000 * 1001
    start = time.monotonic()
    for _ in range(5):
        body = {"files": {"output.log": {"offset": 0, "content": ["changed"]}}}
        assert launched.stream("admin", "p", "r", body, key=key).status_code == 200
    took = (time.monotonic() - start) / 5
    assert path.stat().st_ino == inode and path.stat().st_size == size, "output.log was rewritten"
    assert took < 0.25, f"a one-line request took {took:.2f} s"
    # a rewrite of the last lines (a progress bar) still replaces them
    body = {"files": {"output.log": {"offset": 49_999, "content": ["done 100%", "next"]}}}
    assert launched.stream("admin", "p", "r", body, key=key).status_code == 200
    with open(path, "rb") as handle:
        handle.seek(-2000, 2)
        assert handle.read().split(b"\n")[-3:] == [b"done 100%", b"next", b""]


def test_a_big_download_streams_without_holding_the_file_or_the_loop(launched) -> None:
    assert launched.upsert("r", key=launched.admin_key).status_code == 200
    big = launched.run_dir("admin", "p", "r") / "files" / "big.bin"
    with open(big, "wb") as handle:
        handle.truncate(300 << 20)  # 300 MiB (sparse: no disk used)
    pid = launched.process.pid
    before = _rss_mib(pid)
    url = f"{launched.url}/files/admin/p/r/big.bin"
    with requests.get(url, headers=basic(launched.admin_key), stream=True, timeout=60) as answer:
        assert answer.status_code == 200
        chunks = answer.iter_content(1 << 20)
        first = next(chunks)
        time.sleep(1.0)  # a slow reader: the server must not read the rest into memory meanwhile
        grown = _rss_mib(pid) - before
        start = time.monotonic()
        assert requests.get(f"{launched.url}/health", timeout=60).status_code == 200
        health = time.monotonic() - start
        received = len(first) + sum(len(chunk) for chunk in chunks)
    assert received == 300 << 20
    assert grown < 100, f"the server grew by {grown:.0f} MiB while a slow client read a 300 MiB file"
    assert health < 2.0
