"""transformers' own ``WandbCallback`` (``report_to=["wandb"]``) on this package through the alias.

A tiny BERT built from a config (nothing downloaded) trains 4 steps on the
CPU; the same program on the real SDK 0.31 offline must give the same history
keys and steps and the same training arguments in the config. Needs torch,
transformers and accelerate (not in the test extra), skipped where absent.
"""

from __future__ import annotations

import importlib.util

import pytest

from .conftest import user_keys

if any(importlib.util.find_spec(name) is None for name in ("torch", "transformers", "accelerate")):
    pytest.skip("needs torch, transformers and accelerate", allow_module_level=True)

pytestmark = pytest.mark.wandb_sdk

PROGRAM = """
import torch
from transformers import BertConfig, BertForSequenceClassification, Trainer, TrainingArguments

torch.manual_seed(0)
config = BertConfig(vocab_size=50, hidden_size=8, num_hidden_layers=1, num_attention_heads=2, intermediate_size=16,
                    max_position_embeddings=16, num_labels=2)
model = BertForSequenceClassification(config)
data = [{"input_ids": torch.randint(0, 50, (8,)), "labels": torch.tensor(i % 2)} for i in range(16)]
args = TrainingArguments(output_dir="out", max_steps=4, per_device_train_batch_size=4, logging_steps=1,
                         report_to=["wandb"], use_cpu=True, save_strategy="no", disable_tqdm=True, run_name="tiny",
                         seed=0, data_seed=0)
Trainer(model=model, args=args, train_dataset=data).train()
wandb.finish()
"""


def test_transformers_wandb_callback_logs_what_wandb_logs(run_both) -> None:
    (ours,), (theirs,) = run_both(PROGRAM)
    our_rows, their_rows = [user_keys(r) for r in ours.rows()], [user_keys(r) for r in theirs.rows()]
    assert [sorted(row) for row in our_rows] == [sorted(row) for row in their_rows]
    assert [row["train/global_step"] for row in our_rows] == [1, 2, 3, 4, 4]
    our_losses = [row["train/loss"] for row in our_rows if "train/loss" in row]
    assert len(our_losses) == 4  # the same seeded training on both
    assert our_losses == pytest.approx([row["train/loss"] for row in their_rows if "train/loss" in row], rel=1e-5)
    summary = user_keys(ours.summary())
    assert set(user_keys(theirs.summary())) <= set(summary) | {"train/total_flos"}
    import yaml

    config = yaml.safe_load((ours.files / "config.yaml").read_text(encoding="utf-8"))
    assert config["max_steps"]["value"] == 4 and config["model/num_parameters"]["value"] > 0
