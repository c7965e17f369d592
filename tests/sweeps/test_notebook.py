"""%wandb_sweep through nbclient: the progress table appears and is updated in place while an agent runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import stream_text


def _outputs(cell) -> list[dict]:
    return [o for o in cell.outputs if o.get("output_type") in ("display_data", "execute_result")]


def test_wandb_sweep_magic_updates_the_table_in_place(execute_notebook, isolated: Path, monkeypatch) -> None:
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_DIR", str(isolated))
    nb = execute_notebook(
        [
            "import time, wandb_jupyter as wandb\n"
            "sid = wandb.sweep({'method': 'grid', 'metric': {'name': 'loss', 'goal': 'minimize'},\n"
            "                  'parameters': {'a': {'values': [1, 2]}, 'b': {'values': [3, 4]}}}, project='nb')",
            "%wandb_sweep $sid --every 0.2",
            "def train():\n"
            "    run = wandb.init()\n"
            "    run.log({'loss': run.config.a * run.config.b})\n"
            "    time.sleep(0.3)\n"
            "wandb.agent(sid, function=train)",
            "time.sleep(1.5)",
            "%wandb_sweep nosuch99 --once",
        ],
        allow_errors=True,
    )
    table = _outputs(nb.cells[1])
    assert len(table) == 1  # one output, updated in place (not one per refresh)
    html = table[0]["data"]["text/html"]
    text = table[0]["data"]["text/plain"]
    assert "FINISHED" in text and "4/4 trials: 4 finished" in text, text
    assert "best: run" in text and " 3 (a=1, b=3)" in text
    assert html.count("<tr") == 5 and "<th>loss</th><th>a</th><th>b</th>" in html
    assert "UsageError: no sweep 'nosuch99'" in stream_text(nb.cells[4], "stderr")
    runs = list((isolated / "wandb").glob("offline-run-*"))
    assert len(runs) == 4 and all('"project": "nb"' in (r / "files" / "wandb-metadata.json").read_text() for r in runs)


def test_wandb_sweep_rejects_bad_options(execute_notebook) -> None:
    nb = execute_notebook(["import wandb_jupyter", "%wandb_sweep abc --every 0", "%wandb_sweep"], allow_errors=True)
    assert "UsageError: --every takes a positive number of seconds" in stream_text(nb.cells[1], "stderr")
    assert "UsageError: the following arguments are required: sweep_id" in stream_text(nb.cells[2], "stderr")


pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
