"""Lightning's own ``WandbLogger`` on this package through the ``import wandb`` alias.

A tiny model trained for two epochs on the CPU logs through Lightning's
logger, unchanged; the same program on the real SDK 0.31 offline must give
the same history (keys, steps, loss values) and the same hyperparameters in
the config. Needs torch and lightning (not in the test extra: PyTorch is
several GB from PyPI), skipped where they are not installed.
"""

from __future__ import annotations

import importlib.util

import pytest

from data_types.conftest import comparable

from .conftest import user_keys

if importlib.util.find_spec("lightning") is None or importlib.util.find_spec("torch") is None:
    pytest.skip("needs torch and lightning", allow_module_level=True)

pytestmark = pytest.mark.wandb_sdk

PROGRAM = """
import torch
from torch import nn
import lightning as L
from lightning.pytorch.loggers import WandbLogger


class Model(L.LightningModule):
    def __init__(self, lr=0.1, width=3):
        super().__init__()
        self.save_hyperparameters()
        self.layer = nn.Linear(width, 1)

    def training_step(self, batch, index):
        x, y = batch
        loss = nn.functional.mse_loss(self.layer(x), y)
        self.log("train_loss", loss)
        return loss

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=self.hparams.lr)


torch.manual_seed(0)
x = torch.randn(32, 3)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, x.sum(1, keepdim=True)), batch_size=8)
trainer = L.Trainer(max_epochs=2, logger=WandbLogger(project="lightning"), log_every_n_steps=1,
                    enable_checkpointing=False, accelerator="cpu", enable_progress_bar=False,
                    enable_model_summary=False)
trainer.fit(Model(), loader)
wandb.finish()
"""


def test_lightning_wandb_logger_logs_what_wandb_logs(run_both) -> None:
    (ours,), (theirs,) = run_both(PROGRAM)
    our_rows = [comparable(user_keys(row)) for row in ours.rows()]
    assert our_rows == [comparable(user_keys(row)) for row in theirs.rows()]
    assert len(our_rows) == 8 and [row["trainer/global_step"] for row in our_rows] == list(range(8))
    import yaml

    config = yaml.safe_load((ours.files / "config.yaml").read_text(encoding="utf-8"))
    assert (config["lr"]["value"], config["width"]["value"]) == (0.1, 3)
