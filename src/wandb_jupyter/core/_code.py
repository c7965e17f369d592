"""``run.log_code()``: which source files go with a run, chosen as W&B chooses them.

By default the ``.py`` files, ``requirements.txt`` and Dockerfiles under ``root``, never
those inside ``wandb/`` or ``.wandb/`` (the run directories). ``include_fn`` and
``exclude_fn`` take ``(path)`` or ``(path, root)``, as in W&B.
"""

from __future__ import annotations

import inspect
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..common._errors import UsageError

__all__ = ["copy_code", "default_include", "default_exclude"]


def default_include(path: str, root: str | None = None) -> bool:
    name = os.path.basename(path)
    return path.endswith(".py") or name == "requirements.txt" or name.startswith("Dockerfile")


def default_exclude(path: str, root: str) -> bool:
    relative = os.path.relpath(path, root)
    return any(relative.startswith(folder + os.sep) for folder in ("wandb", ".wandb"))


def _call(function: Callable[..., Any], path: str, root: str) -> bool:
    """W&B's filters take one argument or two; ask the signature which."""
    try:
        parameters = inspect.signature(function).parameters.values()
        takes_two = sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in parameters) >= 2 or any(
            p.kind is p.VAR_POSITIONAL for p in parameters
        )
    except (TypeError, ValueError):
        takes_two = True
    return bool(function(path, root) if takes_two else function(path))


def copy_code(root: Path, target: Path, *, include_fn: Any = None, exclude_fn: Any = None) -> list[Path]:
    """Copy the chosen files under ``root`` to ``target``, keeping their relative paths."""
    root_text = os.path.abspath(root)
    if not os.path.isdir(root_text):
        raise UsageError(f"log_code(root={str(root)!r}): no such folder")
    include = include_fn or default_include
    exclude = exclude_fn or default_exclude
    copied = []
    for folder, _dirs, files in os.walk(root_text):
        for name in sorted(files):
            path = os.path.join(folder, name)
            if not _call(include, path, root_text) or _call(exclude, path, root_text):
                continue
            destination = target / os.path.relpath(path, root_text)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, destination)
            copied.append(destination)
    return copied
