"""Where the standalone server keeps its data, and how a user logs in to it."""

from __future__ import annotations

from pathlib import Path

__all__ = ["default_data_dir", "login_hint"]


def default_data_dir() -> Path:
    """Where ``wandb-jupyter server`` keeps its data without ``--data-dir``."""
    return Path.home() / ".local" / "share" / "wandb-jupyter" / "server"


def login_hint(url: str, key: str) -> str:
    return f"  export WANDB_BASE_URL={url}\n  export WANDB_API_KEY={key}\nor: wandb login --host {url} {key}"
