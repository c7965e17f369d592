"""``run.log_code()``: the run's source files as a ``code`` artifact, chosen and named as W&B does.

By default the ``.py`` files, ``requirements.txt`` and Dockerfiles under ``root``, never
those inside ``wandb/`` or ``.wandb/`` (the run directories). ``include_fn`` and
``exclude_fn`` take ``(path)`` or ``(path, root)``, as in W&B. The artifact is named
``source-<project>-<program>`` (characters other than letters, digits, ``-``, ``_`` and
``.`` become ``_``; over 128 characters the middle is cut, as W&B does).
"""

from __future__ import annotations

import inspect
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..common._errors import UsageError

__all__ = ["code_files", "code_artifact_name", "default_include", "default_exclude"]


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


def code_files(root: Path, *, include_fn: Any = None, exclude_fn: Any = None) -> list[tuple[str, str]]:
    """(path, path inside the artifact) of every chosen file under ``root``, in a stable order."""
    root_text = os.path.abspath(root)
    if not os.path.isdir(root_text):
        raise UsageError(f"log_code(root={str(root)!r}): no such folder")
    include = include_fn or default_include
    exclude = exclude_fn or default_exclude
    chosen = []
    for folder, dirs, files in os.walk(root_text):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(folder, name)
            if _call(include, path, root_text) and not _call(exclude, path, root_text):
                chosen.append((path, Path(os.path.relpath(path, root_text)).as_posix()))
    return chosen


def code_artifact_name(project: str, program: str | None) -> str:
    """W&B's default name: ``source-<project>-<program relative to the working folder>``, made safe."""
    if program and os.path.isabs(program):
        program = os.path.relpath(program)
    cleaned = re.sub(r"[^a-zA-Z0-9_\-.]", "_", f"source-{project}-{program}")
    return cleaned if len(cleaned) <= 128 else f"{cleaned[:63]}..{cleaned[-63:]}"
