"""A notebook written the way W&B's examples write one, run in a real kernel (nbclient) with this
package and with the real SDK (offline): the same summary after define_metric, the same alerts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

CELLS = [
    "import {module} as wandb\nimport datetime",
    "wandb.require('core')\n"
    "run = wandb.init(project='nb-api', config={{'lr': 1e-3}},\n"
    "                 settings=wandb.Settings(x_disable_stats=True, init_timeout=120, code_dir=None))",
    "wandb.define_metric('epoch')\n"
    "wandb.define_metric('train/*', step_metric='epoch', summary='min')\n"
    "wandb.define_metric('val_acc', step_metric='epoch', summary='max,mean')",
    "for epoch in range(4):\n"
    "    wandb.log({{'epoch': epoch, 'train/loss': 1 / (epoch + 1), 'train/err': [0.5, 0.2, 0.3, 0.4][epoch]}})\n"
    "    wandb.log({{'val_acc': 0.5 + epoch / 10}})",
    "wandb.alert(title='val_acc', text='above 0.7', level=wandb.AlertLevel.INFO,\n"
    "            wait_duration=datetime.timedelta(minutes=10))\n"
    "run.notes = 'from a notebook'\n"
    "run.tags = ('nb',)",
    "print(run.offline, run.disabled, run.resumed)\nrun.finish()",
]


def _run(execute_notebook, monkeypatch, module: str, work: Path) -> Path:
    work.mkdir()
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_SILENT", "true")
    monkeypatch.setenv("WANDB_DIR", str(work))
    nb = execute_notebook([cell.format(module=module) for cell in CELLS], name=f"{module}.ipynb", cwd=work)
    from conftest import stream_text

    assert stream_text(nb.cells[-1]).split() == ["True", "False", "False"]
    (found,) = sorted((work / "wandb").glob("offline-run-*"))
    return found


@pytest.mark.wandb_sdk
def test_the_notebook_gives_the_summary_and_alerts_wandb_gives(execute_notebook, monkeypatch, tmp_path) -> None:
    from data_types import _wandb_records
    from data_types.conftest import comparable

    pytest.importorskip("wandb")
    ours = _run(execute_notebook, monkeypatch, "wandb_jupyter", tmp_path / "ours")
    theirs = _run(execute_notebook, monkeypatch, "wandb", tmp_path / "theirs")
    our_summary = json.loads((ours / "files" / "wandb-summary.json").read_text())
    assert comparable(our_summary) == comparable(_wandb_records.summary(theirs))
    assert our_summary["train/err"] == {"min": 0.2} and our_summary["val_acc"]["max"] == pytest.approx(0.8)
    rows = [json.loads(line) for line in (ours / "files" / "wandb-history.jsonl").read_text().splitlines()]
    assert all("epoch" in row for row in rows)  # val_acc rows got the epoch (step_sync)
    (alert,) = [json.loads(line) for line in (ours / "alerts.jsonl").read_text().splitlines()]
    records = _wandb_records.read_records(next(theirs.glob("run-*.wandb")))
    (their_alert,) = [r.alert for r in records if r.WhichOneof("record_type") == "alert"]
    assert (alert["title"], alert["level"], alert["wait_duration"]) == (
        their_alert.title,
        their_alert.level,
        their_alert.wait_duration,
    )
    metadata = json.loads((ours / "files" / "wandb-metadata.json").read_text())
    assert (metadata["notes"], metadata["tags"]) == ("from a notebook", ["nb"])
    assert not (ours / "files" / "wandb-events.jsonl").read_text()  # x_disable_stats took effect
