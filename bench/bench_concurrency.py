"""Concurrency benchmark: many clients against the local server at once, latency and throughput.

Usage::

    python bench/bench_concurrency.py [--clients 1,5,20,50] [--seconds 10] [--json out.json] [--quick]

``wandb-jupyter server`` runs in its own process (the harness of ``bench_server.py``). For each
client count, that many threads (``bench/_load.py``: one keep-alive connection and one run each, in
one project) send for ``--seconds``: file_stream appends of 1-50 history rows (half the requests),
UpsertBucket updates (a fifth) and GraphQL reads of their run or of the whole project (the rest).
Figures per client count: requests/s, history rows/s, and p50 / p99 latency per operation and
overall (wall time of each request as its client saw it: the clients share one Python process and
its GIL with each other, so at high counts their own waiting is part of the figure).

The exit status is non-zero when a request fails (an answer other than 200, or none), when a read
shows fewer rows than the server acknowledged, or when a run's stored history is not exactly the
rows appended (``_step`` 0..N-1, in order, once).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _load import OPERATIONS, LoadResult, percentile, run_clients
from bench_core import _source_state, align, machine, write_json
from bench_server import Server


def exact_rows(server: Server, project: str, rows: dict[str, int]) -> bool:
    for run, count in rows.items():
        try:
            text = server.history(project, run).read_text()
        except (StopIteration, FileNotFoundError):
            text = ""
        if [json.loads(line)["_step"] for line in text.splitlines()] != list(range(count)):
            return False
    return True


def summary(clients: int, result: LoadResult, exact: bool) -> dict[str, Any]:
    everything = [x for values in result.latencies.values() for x in values]
    figures: dict[str, Any] = {
        "clients": clients,
        "seconds": round(result.seconds, 2),
        "requests": result.requests,
        "requests_per_s": result.requests / result.seconds,
        "rows_per_s": sum(result.rows.values()) / result.seconds,
        "p50_ms": percentile(everything, 0.5) * 1e3,
        "p99_ms": percentile(everything, 0.99) * 1e3,
        "failures": len(result.failures),
        "stale_reads": result.stale_reads,
        "exact": exact,
        "first_failures": result.failures[:5],
    }
    for op in OPERATIONS:
        figures[f"{op}_p50_ms"] = percentile(result.latencies[op], 0.5) * 1e3
        figures[f"{op}_p99_ms"] = percentile(result.latencies[op], 0.99) * 1e3
    return figures


def report(results: list[dict[str, Any]]) -> str:
    header = (
        "clients",
        "requests/s",
        "rows/s",
        "p50 ms",
        "p99 ms",
        *(f"{op} p50/p99 ms" for op in OPERATIONS),
        "failed",
        "exact",
    )
    lines = [header]
    for item in results:
        lines.append(
            (
                str(item["clients"]),
                f"{item['requests_per_s']:.0f}",
                f"{item['rows_per_s']:.0f}",
                f"{item['p50_ms']:.1f}",
                f"{item['p99_ms']:.1f}",
                *(f"{item[op + '_p50_ms']:.1f} / {item[op + '_p99_ms']:.1f}" for op in OPERATIONS),
                str(item["failures"] + item["stale_reads"]),
                "yes" if item["exact"] else "NO",
            )
        )
    return "\n".join(align(lines, right=range(len(header) - 1)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", default="1,5,20,50", help="comma-separated client counts (default 1,5,20,50)")
    parser.add_argument("--seconds", type=float, default=10.0, help="seconds per client count (default 10)")
    parser.add_argument("--quick", action="store_true", help="CI smoke run: --clients 1,20 --seconds 2")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    if args.quick:
        args.clients, args.seconds = "1,20", 2.0
    counts = [int(n) for n in args.clients.split(",") if n.strip()]
    head = machine("not used", _source_state())
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-concurrency-") as tmp:
        server = Server(Path(tmp))
        try:
            print(f"server at {server.url}", file=sys.stderr)
            for n, clients in enumerate(counts):
                print(f"{clients} client(s) for {args.seconds:g} s ...", file=sys.stderr)
                project = f"load-{clients}"
                result = run_clients(
                    server.url, server.key, clients=clients, seconds=args.seconds, project=project, seed=n
                )
                results.append(summary(clients, result, exact_rows(server, project, result.rows)))
        finally:
            server.stop()
    print(
        f"Concurrent clients against wandb-jupyter server on loopback, {args.seconds:g} s each "
        f"(python {head['python']}, {head['cpus']} CPUs, wandb_jupyter {head['wandb_jupyter']})\n"
    )
    print(report(results))
    failed = [item for item in results if item["failures"] or item["stale_reads"] or not item["exact"]]
    for item in failed:
        print(
            f"{item['clients']} clients: {item['failures']} failed requests {item['first_failures']}, "
            f"{item['stale_reads']} stale reads, history exact: {item['exact']}"
        )
    write_json(args.json, {"machine": head, "results": results})
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
