"""The wheel's build step for the JupyterLab extension and the dashboard (pyproject's jupyter-builder hook).

hatch-jupyter-builder's own ``npm_builder`` runs ``npm install``, which rewrites the committed
``package-lock.json`` whenever the local npm resolves or formats it differently, so ``pip install .``
left the checkout modified. This one installs exactly what the lock says (``npm ci``, which fails
rather than changing the lock when it disagrees with ``package.json``) and then runs the build script,
so any install leaves the checkout as it was. ``--skip-npm`` / ``HATCH_JUPYTER_BUILDER_SKIP_NPM=1``
skip it, as with ``npm_builder``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any


def npm_ci_builder(
    target_name: str,
    version: str,
    path: str = ".",
    build_cmd: str | None = "build",
    npm: str | list[str] | None = None,
    editable: bool = False,
    **_: Any,
) -> None:
    """``npm ci`` (unless node_modules already holds this lock's tree), then ``npm run <build_cmd>``."""
    if "--skip-npm" in sys.argv or os.environ.get("HATCH_JUPYTER_BUILDER_SKIP_NPM") == "1":
        return
    folder = Path(path).resolve()
    command = [npm] if isinstance(npm, str) else list(npm or ["npm"])
    found = shutil.which(command[0])
    if found is None:
        raise RuntimeError(f"building the JupyterLab extension needs {command[0]} (Node.js >= 20.19 and npm)")
    command[0] = found
    if not _installed_from_lock(folder):
        subprocess.run([*command, "ci", "--no-audit", "--no-fund"], cwd=folder, check=True)
    if build_cmd:
        subprocess.run([*command, "run", build_cmd], cwd=folder, check=True)


def _installed_from_lock(folder: Path) -> bool:
    """npm writes node_modules/.package-lock.json after installing: newer than the lock and package.json
    means node_modules is that lock's tree, and a second ``npm ci`` would only download it again."""
    installed = folder / "node_modules" / ".package-lock.json"
    try:
        done = installed.stat().st_mtime
        return all(done >= (folder / name).stat().st_mtime for name in ("package-lock.json", "package.json"))
    except OSError:
        return False
