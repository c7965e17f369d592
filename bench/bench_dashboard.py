"""Dashboard benchmark: time to first chart of a run with 1M history rows, and the server's memory.

Usage::

    python bench/bench_dashboard.py [--rows N] [--json out.json] [--quick] [--no-browser]

A ``wandb-jupyter server`` process gets one run of ``--rows`` rows (``_step``,
``_runtime``, ``_timestamp`` and three metrics, as the SDK logs them) through
file_stream. Then, with the server's column cache cold:

1. **API.** The run page's history request (every metric, 1000 points each)
   over HTTP: seconds, bytes, points, and the same request again (warm cache,
   what a live page's poll costs).
2. **Browser.** Headless Chromium opens the run page and waits until the first
   chart has drawn its points: time to first chart, cold (after a server
   restart) and warm. Skipped without playwright or /usr/bin/chromium.
3. **Memory.** The server process's RSS before and after the run was charted.
4. **Wide pages** (issue 17). A project of ``--runs`` runs (config and summary each)
   and a run of ``--metrics`` metrics in sections of 20: time to the table's first
   paint and to a filter expression's answer, time until every chart has drawn, and
   the time a drag zoom takes to redraw its section and smoothing to redraw every
   chart (what decided against a chart library: see README's Dashboard section).

W&B's own dashboard is a hosted service with no local peer to time here, so the
ratios reported are against the least a dashboard without server-side
downsampling must do before drawing: fetch the whole history file and parse
every row, timed in the same browser (on loopback, where bytes cost nothing). The exit status is
non-zero when a chart shows a wrong number of points or loses the series' extremes.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench_core import write_json
from bench_server import Server, _rows

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BATCH = 20_000
SAMPLES = 1000
PROJECT, RUN = "bench-dash", "big"
METRICS = ("loss", "acc", "epoch")


def fill(server: Server, rows: int) -> float:
    """Stream ``rows`` history rows into the run; returns seconds taken."""
    server.upsert(PROJECT, RUN)
    url = f"{server.url}/files/admin/{PROJECT}/{RUN}/file_stream"
    t0 = time.time()
    start = time.perf_counter()
    for offset in range(0, rows, BATCH):
        content = _rows(offset, min(rows, offset + BATCH), t0)
        answer = server.session.post(
            url,
            data=json.dumps({"files": {"wandb-history.jsonl": {"offset": offset, "content": content}}}),
            timeout=120,
        )
        answer.raise_for_status()
        print(f"\r  streamed {min(rows, offset + BATCH):>9}/{rows} rows", end="", file=sys.stderr)
    print(file=sys.stderr)
    return time.perf_counter() - start


def rss_mib(server: Server) -> float:
    return server.ps.memory_info().rss / (1 << 20)


def api_history(server: Server) -> dict[str, Any]:
    url = f"{server.url}/_dashboard/api/run/admin/{PROJECT}/{RUN}/history"
    start = time.perf_counter()
    answer = server.session.get(url, params={"x": "_step", "samples": SAMPLES}, timeout=600)
    seconds = time.perf_counter() - start
    answer.raise_for_status()
    series = answer.json()["series"]
    return {"seconds": seconds, "bytes": len(answer.content), "series": series}


def check_series(series: dict[str, Any], rows: int) -> list[str]:
    """Problems with the downsampled series: too many points, or lost extremes."""
    problems = []
    expected = {"loss": (1.0 / rows, 1.0), "acc": (0.0, (rows - 1) / rows), "epoch": (0, (rows - 1) // 1000)}
    for metric, (low, high) in expected.items():
        ys = series.get(metric, {}).get("y", [])
        if not 0 < len(ys) <= SAMPLES:
            problems.append(f"{metric}: {len(ys)} points")
        elif abs(min(ys) - low) > 1e-12 or abs(max(ys) - high) > 1e-12:
            problems.append(f"{metric}: extremes {min(ys)}..{max(ys)}, expected {low}..{high}")
    return problems


def browser_available() -> str | None:
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "playwright is not installed"
    if not os.access(CHROMIUM, os.X_OK):
        return f"{CHROMIUM} is missing"
    return None


CHART = '[data-testid="chart"][data-metric="loss"]'
NAIVE_FETCH = """async (url) => {
  const start = performance.now();
  const text = await (await fetch(url, {credentials: 'same-origin'})).text();
  let rows = 0;
  for (const line of text.split('\\n')) { if (line) { JSON.parse(line); rows++; } }
  return {ms: performance.now() - start, rows, bytes: text.length};
}"""


def first_chart(page: Any, server: Server) -> tuple[float, int]:
    """Seconds from navigation to the first chart with points, and the points it drew."""
    start = time.perf_counter()
    page.goto(f"{server.url}/admin/{PROJECT}/runs/{RUN}")
    page.wait_for_function(
        f"() => Number(document.querySelector('{CHART}')?.getAttribute('data-points') || 0) > 0", timeout=600_000
    )
    seconds = time.perf_counter() - start
    return seconds, int(page.locator(CHART).get_attribute("data-points") or 0)


def browser_figures(server: Server, restart: Any) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            page = chromium.new_context(viewport={"width": 1280, "height": 900}).new_page()
            page.set_default_timeout(600_000)
            server = restart()  # a cold column cache
            page.goto(server.login_url)
            cold, points = first_chart(page, server)
            warm, _ = first_chart(page, server)
            naive = page.evaluate(
                NAIVE_FETCH, f"{server.url}/_dashboard/api/run/admin/{PROJECT}/{RUN}/files/wandb-history.jsonl"
            )
        finally:
            chromium.close()
    return {
        "first_chart_cold_s": cold,
        "first_chart_warm_s": warm,
        "points_drawn": points,
        "naive_fetch_parse_s": naive["ms"] / 1000,
        "naive_rows": naive["rows"],
        "naive_bytes": naive["bytes"],
    }


WIDE_PROJECT, WIDE_RUN, WIDE_ROWS = "bench-wide", "wide", 500


def fill_wide(server: Server, runs: int, metrics: int) -> None:
    """A project of ``runs`` runs (5 config keys, 3 varying; 3 summary metrics) and one run of
    ``metrics`` metrics (``s<k>/m<i>``, sections of 20) over WIDE_ROWS steps."""
    query = (
        "mutation U($n: String, $p: String, $c: JSONString, $s: JSONString) { upsertBucket(input: "
        "{name: $n, modelName: $p, config: $c, summaryMetrics: $s}) { bucket { id } } }"
    )
    for i in range(runs):
        config = {"lr": {"value": 10 ** -(1 + i % 4)}, "batch": {"value": 32 * (1 + i % 3)}, "seed": {"value": i}}
        config.update({"opt": {"value": "adam"}, "epochs": {"value": 10}})
        summary = {"loss": 1 / (i + 1), "val/acc": (i % 100) / 100, "steps": i}
        answer = server.session.post(
            f"{server.url}/graphql",
            timeout=30,
            json={
                "query": query,
                "variables": {"n": f"r{i}", "p": WIDE_PROJECT, "c": json.dumps(config), "s": json.dumps(summary)},
            },
        )
        answer.raise_for_status()
    server.upsert(WIDE_PROJECT, WIDE_RUN)
    names = [f"s{i // 20}/m{i}" for i in range(metrics)]
    lines = [
        json.dumps({"_step": step, "_runtime": step * 0.1, **{n: (step * (k + 1)) % 97 for k, n in enumerate(names)}})
        for step in range(WIDE_ROWS)
    ]
    answer = server.session.post(
        f"{server.url}/files/admin/{WIDE_PROJECT}/{WIDE_RUN}/file_stream",
        data=json.dumps({"files": {"wandb-history.jsonl": {"offset": 0, "content": lines}}}),
        timeout=120,
    )
    answer.raise_for_status()


CHARTS_DRAWN = """(n) => {
  const charts = document.querySelectorAll('[data-testid="chart"]');
  return charts.length === n && [...charts].every(c => Number(c.getAttribute('data-points')) > 0);
}"""

# a drag over the first chart, timed until every chart of its section shows the zoom
ZOOM = """() => new Promise(resolve => {
  const chart = document.querySelector('[data-testid="chart"]');
  const section = chart.closest('[data-testid="chart-section"]');
  const svg = chart.querySelector('svg.chart-svg');
  const box = svg.getBoundingClientRect();
  const y = box.top + box.height / 2;
  const fire = (type, target, x) =>
    target.dispatchEvent(new MouseEvent(type, {bubbles: true, clientX: x, clientY: y, button: 0}));
  const start = performance.now();
  fire('mousedown', chart.querySelector('.chart-body'), box.left + box.width * 0.4);
  fire('mousemove', window, box.left + box.width * 0.6);
  fire('mouseup', window, box.left + box.width * 0.6);
  const charts = [...section.querySelectorAll('[data-testid="chart"]')];
  const zoomed = charts.every(c => c.hasAttribute('data-zoom'));
  const done = () => resolve({ms: performance.now() - start, charts: charts.length, zoomed});
  requestAnimationFrame(() => setTimeout(done));
})"""

SMOOTH = """() => new Promise(resolve => {
  const select = document.querySelector('[data-testid="smoothing"]');
  const start = performance.now();
  select.value = 'ema';
  select.dispatchEvent(new Event('change'));
  const raw = document.querySelectorAll('polyline.chart-line.raw').length;
  requestAnimationFrame(() => setTimeout(() => resolve({ms: performance.now() - start, raw})));
})"""

FILTER = """(text) => new Promise(resolve => {
  const input = document.querySelector('[data-testid="filter"]');
  const start = performance.now();
  input.value = text;
  input.dispatchEvent(new Event('input'));
  const rows = document.querySelectorAll('[data-testid="run-row"]').length;
  requestAnimationFrame(() => setTimeout(() => resolve({ms: performance.now() - start, rows})));
})"""


def wide_figures(server: Server, runs: int, metrics: int) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    fill_wide(server, runs, metrics)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            page = chromium.new_context(viewport={"width": 1280, "height": 900}).new_page()
            page.set_default_timeout(600_000)
            page.goto(server.login_url)
            start = time.perf_counter()
            page.goto(f"{server.url}/admin/{WIDE_PROJECT}")
            page.wait_for_function(f"() => document.querySelectorAll('[data-testid=\"run-row\"]').length >= {runs}")
            table_s = time.perf_counter() - start
            filtered = page.evaluate(FILTER, "lr=0.01 and val/acc>0.5")
            start = time.perf_counter()
            page.goto(f"{server.url}/admin/{WIDE_PROJECT}/runs/{WIDE_RUN}")
            page.wait_for_function(CHARTS_DRAWN, arg=metrics)
            charts_s = time.perf_counter() - start
            zoom = page.evaluate(ZOOM)
            smooth = page.evaluate(SMOOTH)
        finally:
            chromium.close()
    if not zoom["zoomed"] or smooth["raw"] != metrics or filtered["rows"] == 0:
        raise SystemExit(f"wide pages misbehaved: zoom {zoom}, smoothing {smooth}, filter {filtered}")
    return {
        "runs": runs,
        "metrics": metrics,
        "table_first_paint_s": table_s,
        "filter_ms": filtered["ms"],
        "filter_rows": filtered["rows"],
        "all_charts_drawn_s": charts_s,
        "zoom_section_ms": zoom["ms"],
        "zoom_section_charts": zoom["charts"],
        "smoothing_all_charts_ms": smooth["ms"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="history rows of the run (default 1000000)")
    parser.add_argument("--quick", action="store_true", help="CI smoke run: --rows 20000")
    parser.add_argument("--no-browser", action="store_true", help="API and memory figures only")
    parser.add_argument("--runs", type=int, default=1000, help="runs of the wide project (default 1000)")
    parser.add_argument("--metrics", type=int, default=200, help="metrics of the wide run (default 200)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    if args.quick:
        args.rows = 20_000
        args.runs, args.metrics = min(args.runs, 100), min(args.metrics, 40)
    results: dict[str, Any] = {"python": platform.python_version(), "cpus": os.cpu_count(), "rows": args.rows}
    with tempfile.TemporaryDirectory(prefix="bench-dashboard-") as tmp:
        root = Path(tmp)
        servers = [Server(root)]

        def restart() -> Server:
            servers[-1].stop()
            servers.append(Server(root, key=servers[0].key))
            return servers[-1]

        try:
            print(f"server at {servers[0].url}; streaming {args.rows} rows ...", file=sys.stderr)
            results["stream_s"] = fill(servers[0], args.rows)
            results["history_file_mib"] = servers[0].history(PROJECT, RUN).stat().st_size / (1 << 20)
            results["rss_before_mib"] = rss_mib(servers[0])
            cold = api_history(servers[0])
            warm = api_history(servers[0])
            results["rss_after_api_mib"] = rss_mib(servers[0])
            problems = check_series(cold["series"], args.rows)
            results["api"] = {
                "cold_s": cold["seconds"],
                "warm_s": warm["seconds"],
                "bytes": cold["bytes"],
                "points": {k: len(v["y"]) for k, v in cold["series"].items()},
                "problems": problems,
            }
            reason = "--no-browser" if args.no_browser else browser_available()
            if reason:
                print(f"browser figures skipped: {reason}", file=sys.stderr)
            else:
                print("headless Chromium: time to first chart ...", file=sys.stderr)
                results["browser"] = browser_figures(servers[-1], restart)
                results["rss_after_browser_mib"] = rss_mib(servers[-1])
                print(f"wide pages: {args.runs} runs, a run of {args.metrics} metrics ...", file=sys.stderr)
                results["wide"] = wide_figures(servers[-1], args.runs, args.metrics)
        finally:
            servers[-1].stop()
    return report(results, args.json)


def report(results: dict[str, Any], out: Path | None) -> int:
    api = results["api"]
    rows = results["rows"]
    print(
        f"dashboard, one run of {rows} rows ({results['history_file_mib']:.0f} MiB of history), "
        f"Python {results['python']}, {results['cpus']} CPUs"
    )
    print(f"  history API, cold cache:  {api['cold_s']:.2f} s, {api['bytes'] / 1024:.0f} KiB, points {api['points']}")
    print(f"  history API, warm cache:  {api['warm_s'] * 1000:.1f} ms")
    browser = results.get("browser")
    if browser:
        time_ratio = browser["first_chart_cold_s"] / browser["naive_fetch_parse_s"]
        bytes_ratio = browser["naive_bytes"] / api["bytes"]
        print(
            f"  first chart in Chromium:  cold {browser['first_chart_cold_s']:.2f} s, "
            f"warm {browser['first_chart_warm_s']:.2f} s ({browser['points_drawn']} points drawn)"
        )
        print(
            f"  without downsampling:     fetching and parsing every row takes "
            f"{browser['naive_fetch_parse_s']:.2f} s before drawing anything: our cold first chart is "
            f"{time_ratio:.1f}x that on loopback, for 1/{bytes_ratio:.0f} of the bytes "
            f"({browser['naive_bytes'] / (1 << 20):.0f} MiB vs {api['bytes'] / 1024:.0f} KiB)"
        )
        results["cold_first_chart_over_naive"] = time_ratio
        results["naive_bytes_over_ours"] = bytes_ratio
    print(
        f"  server RSS: {results['rss_before_mib']:.0f} MiB before, {results['rss_after_api_mib']:.0f} MiB "
        "with the run's columns cached"
        + (
            f", {results['rss_after_browser_mib']:.0f} MiB after the browser pass (restarted server)"
            if "rss_after_browser_mib" in results
            else ""
        )
    )
    wide = results.get("wide")
    if wide:
        print(
            f"  project of {wide['runs']} runs:  table drawn in {wide['table_first_paint_s']:.2f} s, "
            f"a filter expression answered in {wide['filter_ms']:.0f} ms ({wide['filter_rows']} rows)"
        )
        print(
            f"  run of {wide['metrics']} metrics:  every chart drawn in {wide['all_charts_drawn_s']:.2f} s, "
            f"a drag zoom redraws its section ({wide['zoom_section_charts']} charts) "
            f"in {wide['zoom_section_ms']:.0f} ms, "
            f"smoothing redraws all charts in {wide['smoothing_all_charts_ms']:.0f} ms"
        )
    if api["problems"]:
        print("  PROBLEMS: " + "; ".join(api["problems"]))
    write_json(out, results)
    return 1 if api["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
