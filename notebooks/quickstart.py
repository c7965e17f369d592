"""Quickstart: a small simulated training run, tracked locally.

    WANDB_MODE=offline python notebooks/quickstart.py
    wandb-jupyter runs

Everything lands in ./wandb/offline-run-*/ (see the README for the layout).
"""

import math
import random

import wandb_jupyter as wandb

config = {"learning_rate": 0.02, "epochs": 20, "batch_size": 64}

with wandb.init(project="quickstart", config=config, tags=["demo"]) as run:
    loss = 2.5
    for epoch in range(run.config.epochs):
        loss *= 1 - run.config.learning_rate * 4 * random.uniform(0.6, 1.0)
        accuracy = 1 - math.exp(-epoch / 6) * 0.9
        run.log({"epoch": epoch, "loss": loss, "accuracy": accuracy})
    run.summary["best_accuracy"] = accuracy
    print(f"final loss {loss:.4f}, accuracy {accuracy:.3f}")
    print(f"run {run.name} stored in {run.paths.root}")
