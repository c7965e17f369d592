"""WANDB_IGNORE_GLOBS: which run files stay local.

Globs match run-relative POSIX paths (``code/train.py``, ``media/a.png``):
``*`` and ``?`` stay inside one folder, ``**`` spans folders (``**/`` also
matches no folder at all), ``[...]`` is a character class. A glob without
``/`` also matches the file's base name anywhere, so ``*.ckpt`` ignores
``ckpt/last.ckpt`` too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

__all__ = ["compile_globs", "translate"]


def translate(glob: str) -> str:
    """A regular expression for ``glob`` (to be full-matched)."""
    out: list[str] = []
    i, n = 0, len(glob)
    while i < n:
        char = glob[i]
        if glob.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif glob.startswith("**", i):
            out.append(".*")
            i += 2
        elif char == "*":
            out.append("[^/]*")
            i += 1
        elif char == "?":
            out.append("[^/]")
            i += 1
        elif char == "[":
            end = glob.find("]", i + 2 if glob[i + 1 : i + 2] in ("!", "]") else i + 1)
            if end < 0:
                out.append(re.escape(char))
                i += 1
                continue
            body = glob[i + 1 : end]
            if body.startswith("!"):
                body = "^" + body[1:]
            out.append("[" + body.replace("\\", "\\\\") + "]")
            i = end + 1
        else:
            out.append(re.escape(char))
            i += 1
    return "".join(out)


def compile_globs(globs: Iterable[str]) -> Callable[[str], bool]:
    """``ignored(path)``: True when a run-relative path matches any glob."""
    full: list[re.Pattern[str]] = []
    base: list[re.Pattern[str]] = []
    for glob in globs:
        glob = glob.strip().lstrip("/")
        if not glob:
            continue
        pattern = re.compile(translate(glob), re.DOTALL)
        (full if "/" in glob else base).append(pattern)
        if "/" not in glob:
            full.append(pattern)
    if not full:
        return lambda path: False

    def ignored(path: str) -> bool:
        name = path.rsplit("/", 1)[-1]
        return any(p.fullmatch(path) for p in full) or any(p.fullmatch(name) for p in base)

    return ignored
