"""Where the standalone server keeps its data, and how a user logs in to it."""

from __future__ import annotations

from pathlib import Path

__all__ = ["default_data_dir", "login_hint", "ADMIN_KEY_FILE"]

#: In the data dir, mode 0600: the admin's API key, when the first start's output was not private (a pipe).
ADMIN_KEY_FILE = "admin-key.txt"


def default_data_dir() -> Path:
    """Where ``wandb-jupyter server`` keeps its data without ``--data-dir``."""
    return Path.home() / ".local" / "share" / "wandb-jupyter" / "server"


def login_hint(url: str, key: str) -> str:
    """How to use ``key`` with this server: the variables to set, or our own login command (it asks for the
    key, so the key stays out of the shell's history; the W&B SDK's ``wandb login`` may not be installed)."""
    return f"  export WANDB_BASE_URL={url}\n  export WANDB_API_KEY={key}\nor: wandb-jupyter login --host {url}"
