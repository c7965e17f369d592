"""Reading a long history stays in bounded memory on both sides (client and server in this process)."""

from __future__ import annotations

import json
import time
import tracemalloc

import wandb_jupyter

ROWS = 100_000


def test_scan_and_sample_of_a_long_run_keep_memory_bounded(live_server, monkeypatch) -> None:
    monkeypatch.setenv("WANDB_BASE_URL", live_server.url)
    monkeypatch.setenv("WANDB_API_KEY", live_server.admin_key)
    assert live_server.upsert("long", project="mem").status_code == 200
    history = live_server.run_dir("admin", "mem", "long") / "files" / "wandb-history.jsonl"
    t0 = time.time()
    with open(history, "w", encoding="utf-8") as handle:
        for step in range(ROWS):
            row = {"_step": step, "_runtime": step / 1000, "_timestamp": t0 + step, "loss": 1 / (step + 1)}
            handle.write(json.dumps(row) + "\n")
    size = history.stat().st_size  # ~9 MiB of JSON lines; as dicts in memory it would be several times that
    run = wandb_jupyter.Api().run("admin/mem/long")

    tracemalloc.start()
    try:
        count = total = 0
        for row in run.scan_history(page_size=1000):
            count += 1
            total += row["_step"]
        sampled = run.history(samples=500, pandas=False)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == ROWS and total == ROWS * (ROWS - 1) // 2
    assert len(sampled) == 500 and sampled[-1]["_step"] == ROWS - 1
    assert peak < size / 4, f"peak {peak} bytes while reading a {size}-byte history"
