"""Server benchmark: how fast the local server ingests history through file_stream.

Usage::

    python bench/bench_server.py [--rows N] [--sdk-steps N] [--json out.json] [--quick] [--skip-wandb]

1. **file_stream ingest.** ``wandb-jupyter server`` runs in its own process; one
   client posts ``--rows`` history rows (``_step``, ``_runtime``, ``_timestamp``
   and three metrics, as the SDK logs them) to one run over a keep-alive
   connection, in batches of 1000 rows (a busy SDK stream) and of 10 rows (a
   slow, chatty one), each request waiting for its answer as the SDK's sender
   does. Figures: rows/s and requests/s end to end (client JSON encoding
   included), and the server process's CPU time per 100k rows. Afterwards the
   stored file must hold exactly the rows sent, in order, and a repeated batch
   must add nothing.
2. **The real W&B SDK.** A fresh interpreter runs ``wandb.init()``, ``log()``
   ``--sdk-steps`` times and ``finish()`` online against the server; the parent
   watches the run's history file and reports when the server held every row,
   counted from the end of the SDK's ``log()`` loop, and the script's wall time.

Every process gets isolated HOME / WANDB_* folders. The exit status is non-zero
when the server loses, duplicates or reorders a row, or when the SDK run fails.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil
import requests

from bench_core import write_json  # one --json writer for every benchmark

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"


def isolated_env(root: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WANDB_", "JUPYTER_"))}
    home = root / "home"
    home.mkdir(parents=True, exist_ok=True)
    env.update(
        HOME=str(home),
        WANDB_CONFIG_DIR=str(home / ".config" / "wandb"),
        WANDB_CACHE_DIR=str(home / ".cache" / "wandb"),
        WANDB_DATA_DIR=str(home / ".local" / "wandb"),
        TMPDIR=str(root),
        PYTHONUNBUFFERED="1",
    )
    env["PYTHONPATH"] = str(SRC) + os.pathsep + env.get("PYTHONPATH", "")
    return env


class Server:
    """A ``wandb-jupyter server`` process over ``root/data``; ``key`` is the admin's (printed at its first start)."""

    def __init__(self, root: Path, key: str | None = None) -> None:
        self.data = root / "data"
        from wandb_jupyter.server import launch

        try:
            launched = launch(self.data, env=isolated_env(root), stderr=open(root / "server.err", "w"))
        except RuntimeError as error:
            raise SystemExit(f"{error}\n{(root / 'server.err').read_text()}") from None
        self.proc, self.url = launched.process, launched.url
        self.key = key or launched.admin_key or ""
        self.login_url = launched.login_url
        self.ps = psutil.Process(self.proc.pid)
        self.session = requests.Session()
        self.session.auth = ("api", self.key)

    def cpu(self) -> float:
        times = self.ps.cpu_times()
        return times.user + times.system

    def upsert(self, project: str, run: str) -> None:
        answer = self.session.post(
            f"{self.url}/graphql",
            timeout=30,
            json={
                "query": "mutation U($n: String, $p: String) { upsertBucket(input: {name: $n, modelName: $p}) "
                "{ bucket { id } } }",
                "variables": {"n": run, "p": project},
            },
        )
        answer.raise_for_status()

    def history(self, project: str, run: str) -> Path:
        return next((self.data / "runs" / "admin" / project).glob(f"run-*-{run}")) / "files" / "wandb-history.jsonl"

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def _rows(start: int, stop: int, t0: float) -> list[str]:
    return [
        json.dumps(
            {
                "_step": i,
                "_runtime": 0.001 * i,
                "_timestamp": t0 + 0.001 * i,
                "loss": 1.0 / (i + 1),
                "acc": i / (i + 1.0),
                "epoch": i // 1000,
            },
            separators=(",", ":"),
        )
        for i in range(start, stop)
    ]


def ingest(server: Server, rows: int, batch: int) -> dict[str, Any]:
    run = f"ingest-{batch}"
    server.upsert("bench", run)
    url = f"{server.url}/files/admin/bench/{run}/file_stream"
    t0 = time.time()
    cpu0 = server.cpu()
    start = time.perf_counter()
    requests_sent = 0
    for offset in range(0, rows, batch):
        content = _rows(offset, min(rows, offset + batch), t0)
        answer = server.session.post(
            url, data=json.dumps({"files": {"wandb-history.jsonl": {"offset": offset, "content": content}}}), timeout=60
        )
        answer.raise_for_status()
        requests_sent += 1
    elapsed = time.perf_counter() - start
    cpu = server.cpu() - cpu0
    # a retried batch must add nothing
    server.session.post(
        url,
        timeout=60,
        data=json.dumps({"files": {"wandb-history.jsonl": {"offset": 0, "content": _rows(0, min(rows, batch), t0)}}}),
    )
    steps = [json.loads(line)["_step"] for line in server.history("bench", run).read_text().splitlines()]
    return {
        "rows": rows,
        "batch": batch,
        "requests": requests_sent,
        "seconds": elapsed,
        "rows_per_s": rows / elapsed,
        "requests_per_s": requests_sent / elapsed,
        "server_cpu_s_per_100k_rows": cpu * 100_000 / rows,
        "exact": steps == list(range(rows)),
    }


SDK_SCRIPT = r"""
import json, sys, time
import wandb
t_start = time.time()
run = wandb.init(project="bench-sdk", id="sdk-run", settings=wandb.Settings(console="off"))
t_init = time.time()
for i in range({steps}):
    run.log({{"loss": 1.0 / (i + 1), "acc": i / (i + 1.0), "epoch": i // 1000}})
t_loop = time.time()
run.finish()
t_finish = time.time()
print("TIMES", json.dumps([t_start, t_init, t_loop, t_finish]))
"""


def sdk(server: Server, root: Path, steps: int) -> dict[str, Any]:
    work = root / "sdk"
    work.mkdir()
    env = isolated_env(root)
    env.update(WANDB_BASE_URL=server.url, WANDB_API_KEY=server.key, WANDB_DIR=str(work), WANDB_SILENT="true")
    spawned = time.time()
    child = subprocess.Popen(
        [sys.executable, "-c", SDK_SCRIPT.format(steps=steps)],
        cwd=work,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    held_at = None
    deadline = spawned + 600
    while time.time() < deadline:
        try:
            with open(server.history("bench-sdk", "sdk-run"), "rb") as handle:
                lines = handle.read().count(b"\n")
        except (StopIteration, FileNotFoundError):
            lines = 0
        if lines >= steps:
            held_at = time.time()
            break
        if child.poll() is not None and lines < steps:
            time.sleep(0.5)  # the last request may still be in the server's hands
            with open(server.history("bench-sdk", "sdk-run"), "rb") as handle:
                if handle.read().count(b"\n") >= steps:
                    held_at = time.time()
            break
        time.sleep(0.02)
    out, err = child.communicate(timeout=600)
    exited = time.time()
    match = re.search(r"^TIMES (.*)$", out, re.M)
    if child.returncode != 0 or not match:
        return {"error": f"SDK run failed (exit {child.returncode}): {err[-2000:]}"}
    t_start, t_init, t_loop, t_finish = json.loads(match.group(1))
    steps_held = [json.loads(line)["_step"] for line in server.history("bench-sdk", "sdk-run").read_text().splitlines()]
    return {
        "steps": steps,
        "script_wall_s": exited - spawned,
        "init_s": t_init - t_start,
        "log_loop_s": t_loop - t_init,
        "finish_s": t_finish - t_loop,
        "all_rows_held_after_loop_s": (held_at - t_loop) if held_at else None,
        "rows_per_s_until_held": steps / (held_at - t_init) if held_at else None,
        "exact": steps_held == list(range(steps)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000, help="rows for the ingest figure (default 100000)")
    parser.add_argument("--sdk-steps", type=int, default=20_000, help="steps the real SDK logs (default 20000)")
    parser.add_argument("--quick", action="store_true", help="CI smoke run: --rows 10000 --sdk-steps 2000")
    parser.add_argument("--skip-wandb", action="store_true", help="leave out the real SDK run")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    if args.quick:
        args.rows, args.sdk_steps = 10_000, 2_000
    results: dict[str, Any] = {"python": platform.python_version(), "cpus": os.cpu_count(), "ingest": []}
    failed = False
    with tempfile.TemporaryDirectory(prefix="bench-server-") as tmp:
        root = Path(tmp)
        server = Server(root)
        try:
            print(f"server at {server.url}", file=sys.stderr)
            for batch, rows in ((1000, args.rows), (10, max(1000, args.rows // 5))):
                print(f"file_stream ingest: {rows} rows in batches of {batch} ...", file=sys.stderr)
                results["ingest"].append(ingest(server, rows, batch))
            if not args.skip_wandb:
                try:
                    import wandb  # noqa: F401
                except ImportError:
                    print("wandb is not installed: no SDK figure", file=sys.stderr)
                else:
                    print(f"real W&B SDK: {args.sdk_steps} steps ...", file=sys.stderr)
                    results["sdk"] = sdk(server, root, args.sdk_steps)
        finally:
            server.stop()
    print(f"{'file_stream ingest':<28}{'rows':>9}{'rows/s':>11}{'requests/s':>12}{'server CPU s/100k':>19}  exact")
    for item in results["ingest"]:
        failed |= not item["exact"]
        print(
            f"{'batches of ' + str(item['batch']):<28}{item['rows']:>9}{item['rows_per_s']:>11.0f}"
            f"{item['requests_per_s']:>12.0f}{item['server_cpu_s_per_100k_rows']:>19.2f}  {item['exact']}"
        )
    sdk_result = results.get("sdk")
    if sdk_result:
        if "error" in sdk_result:
            failed = True
            print(sdk_result["error"])
        else:
            failed |= not sdk_result["exact"]
            held = sdk_result["all_rows_held_after_loop_s"]
            print(
                f"real W&B SDK, {sdk_result['steps']} steps: script {sdk_result['script_wall_s']:.2f} s "
                f"(init {sdk_result['init_s']:.2f}, log loop {sdk_result['log_loop_s']:.2f}, "
                f"finish {sdk_result['finish_s']:.2f}); server held every row "
                + (
                    f"{held:.2f} s after the loop ({sdk_result['rows_per_s_until_held']:.0f} rows/s from init)"
                    if held is not None
                    else "NEVER"
                )
                + f"; exact {sdk_result['exact']}"
            )
    write_json(args.json, results)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
