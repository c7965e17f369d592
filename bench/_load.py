"""Concurrent clients against a W&B server for a bounded time: what they did, how long each request took.

Used by ``bench/bench_concurrency.py`` (figures) and ``tests/reliability/test_concurrency.py``
(correctness). Each client is a thread with its own keep-alive ``http.client`` connection and its
own run in one shared project. It creates the run (UpsertBucket), then, until the deadline, picks
at random (seeded):

* ``append`` (50 %): a file_stream request with 1-50 new history rows at its acknowledged offset;
* ``upsert`` (20 %): UpsertBucket again with a changed config and summary;
* ``read`` (30 %): a GraphQL query of its run's line count and history tail, or (one read in
  five) of every run in the project. Its own run's count must equal the rows it appended: a
  server that acknowledged rows it does not show has lost them (``stale_reads``).

Every request's wall time is recorded per operation; an answer other than 200, or no answer, is
recorded in ``failures`` with its status (0: no answer). Only the standard library is used, so
the clients' own cost stays small.
"""

from __future__ import annotations

import base64
import http.client
import json
import random
import threading
import time
from typing import Any, NamedTuple
from urllib.parse import urlsplit

__all__ = ["LoadResult", "run_clients", "percentile"]

OPERATIONS = ("append", "upsert", "read")

_UPSERT = """mutation UpsertBucket($name: String, $project: String, $config: JSONString, $summaryMetrics: JSONString) {
  upsertBucket(input: {name: $name, modelName: $project, config: $config, summaryMetrics: $summaryMetrics}) {
    bucket { id name historyLineCount project { entity { name } } } inserted } }"""
_READ_RUN = """query Run($project: String, $entity: String, $name: String!) {
  project(name: $project, entityName: $entity) { run(name: $name) { historyLineCount historyTail } } }"""
_READ_PROJECT = """query Runs($project: String, $entity: String) {
  project(name: $project, entityName: $entity) { runCount runs { edges { node { name historyLineCount } } } } }"""


class LoadResult(NamedTuple):
    seconds: float
    latencies: dict[str, list[float]]  # operation -> seconds of each answered request
    failures: list[tuple[str, int, str]]  # (operation, HTTP status or 0, detail)
    rows: dict[str, int]  # run name -> rows the server acknowledged
    stale_reads: int

    @property
    def requests(self) -> int:
        return sum(len(values) for values in self.latencies.values())


def percentile(values: list[float], fraction: float) -> float:
    """The value below which ``fraction`` of ``values`` lie (nearest rank); 0 for none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


class _Client:
    def __init__(self, url: str, key: str, project: str, run: str, seed: int) -> None:
        parts = urlsplit(url)
        self.host, self.port, self.base = parts.hostname or "127.0.0.1", parts.port or 80, parts.path.rstrip("/")
        self.headers = {
            "Authorization": "Basic " + base64.b64encode(f"api:{key}".encode()).decode(),
            "Content-Type": "application/json",
        }
        self.project, self.run, self.rng = project, run, random.Random(seed)
        self.entity: str | None = None
        self.offset = 0
        self.latencies: dict[str, list[float]] = {op: [] for op in OPERATIONS}
        self.failures: list[tuple[str, int, str]] = []
        self.stale_reads = 0
        self.conn: http.client.HTTPConnection | None = None

    def _request(self, operation: str, path: str, body: dict[str, Any]) -> Any:
        data = json.dumps(body).encode()
        started = time.perf_counter()
        try:
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
            self.conn.request("POST", self.base + path, body=data, headers=self.headers)
            answer = self.conn.getresponse()
            payload = answer.read()
        except (OSError, http.client.HTTPException) as error:
            self.failures.append((operation, 0, f"{type(error).__name__}: {error}"))
            if self.conn is not None:
                self.conn.close()
            self.conn = None
            return None
        elapsed = time.perf_counter() - started
        if answer.status != 200:
            self.failures.append((operation, answer.status, payload[:300].decode("utf-8", "replace")))
            return None
        self.latencies[operation].append(elapsed)
        reply = json.loads(payload or b"{}")
        if isinstance(reply, dict) and reply.get("errors"):
            self.failures.append((operation, 200, json.dumps(reply["errors"])[:300]))
            return None
        return reply

    def _graphql(self, operation: str, query: str, variables: dict[str, Any]) -> Any:
        reply = self._request(operation, "/graphql", {"query": query, "variables": variables})
        return None if reply is None else reply.get("data")

    def upsert(self) -> None:
        n = self.rng.randrange(1000)
        data = self._graphql(
            "upsert",
            _UPSERT,
            {
                "name": self.run,
                "project": self.project,
                "config": json.dumps({"n": {"value": n}}),
                "summaryMetrics": json.dumps({"n": n}),
            },
        )
        if data and self.entity is None:
            bucket = data["upsertBucket"]["bucket"]
            self.entity = bucket["project"]["entity"]["name"]
            self.offset = int(bucket.get("historyLineCount") or 0)

    def append(self) -> None:
        count = self.rng.randint(1, 50)
        now = time.time()
        rows = [
            json.dumps(
                {"_step": step, "_runtime": 0.0, "_timestamp": now, "loss": self.rng.random()}, separators=(",", ":")
            )
            for step in range(self.offset, self.offset + count)
        ]
        path = f"/files/{self.entity}/{self.project}/{self.run}/file_stream"
        body = {"files": {"wandb-history.jsonl": {"offset": self.offset, "content": rows}}}
        if self._request("append", path, body) is not None:
            self.offset += count

    def read(self) -> None:
        if self.rng.random() < 0.2:
            self._graphql("read", _READ_PROJECT, {"project": self.project, "entity": self.entity})
            return
        data = self._graphql("read", _READ_RUN, {"project": self.project, "entity": self.entity, "name": self.run})
        run = ((data or {}).get("project") or {}).get("run")
        if run is not None and run.get("historyLineCount") != self.offset:
            self.stale_reads += 1

    def work(self, seconds: float, start: threading.Barrier) -> None:
        start.wait()
        deadline = time.monotonic() + seconds
        while self.entity is None and time.monotonic() < deadline:
            self.upsert()
        while time.monotonic() < deadline:
            pick = self.rng.random()
            if pick < 0.5:
                self.append()
            elif pick < 0.7:
                self.upsert()
            else:
                self.read()
        if self.conn is not None:
            self.conn.close()


def run_clients(
    url: str, key: str, *, clients: int, seconds: float, project: str = "load", seed: int = 0, prefix: str = "load"
) -> LoadResult:
    """``clients`` threads against ``url`` for ``seconds``; see the module docstring."""
    rng = random.Random(seed)
    workers = [_Client(url, key, project, f"{prefix}-{n:02d}", rng.randrange(1 << 30)) for n in range(clients)]
    start = threading.Barrier(clients + 1)
    threads = [threading.Thread(target=w.work, args=(seconds, start), daemon=True) for w in workers]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.monotonic()
    for thread in threads:
        thread.join(seconds + 120)
    elapsed = time.monotonic() - began
    latencies = {op: [x for w in workers for x in w.latencies[op]] for op in OPERATIONS}
    return LoadResult(
        seconds=elapsed,
        latencies=latencies,
        failures=[f for w in workers for f in w.failures],
        rows={w.run: w.offset for w in workers},
        stale_reads=sum(w.stale_reads for w in workers),
    )
