import json

import wandb_jupyter as wandb


def test_offline_run_writes_history(isolated):
    run = wandb.init(mode="offline", project="smoke")
    run.log({"loss": 1.0})
    run.finish()
    rows = [json.loads(line) for line in (run.paths.files / "wandb-history.jsonl").read_text().splitlines()]
    assert rows[0]["loss"] == 1.0 and rows[0]["_step"] == 0
