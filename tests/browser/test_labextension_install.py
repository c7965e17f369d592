"""The JupyterLab extension as installed and as built: listed by JupyterLab, versioned from package.json,
its TypeScript unit tests passing. (The browser tests are in test_labextension.py.)"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import wandb_jupyter

REPO = Path(__file__).resolve().parents[2]
LABEXTENSION = REPO / "labextension"


def test_version_comes_from_package_json() -> None:
    package = json.loads((LABEXTENSION / "package.json").read_text())
    assert wandb_jupyter.__version__ == package["version"]
    assert wandb_jupyter._jupyter_labextension_paths() == [{"src": "labextension", "dest": package["name"]}]


def test_labextension_is_listed_enabled_and_ok() -> None:
    """``jupyter labextension list`` where the tests run (CI also checks a fresh venv after ``pip install .``)."""
    pytest.importorskip("jupyterlab")
    result = subprocess.run(
        [sys.executable, "-m", "jupyter", "labextension", "list"], capture_output=True, text=True, timeout=120
    )
    text = re.sub(r"\x1b\[[0-9;]*m", "", result.stdout + result.stderr)
    assert re.search(rf"wandb-jupyter v{re.escape(wandb_jupyter.__version__)} enabled\s+OK", text), text


def test_typescript_unit_tests() -> None:
    """jest over labextension/src/__tests__ (needs the npm install the build does)."""
    npm = shutil.which("npm")
    if npm is None or not (LABEXTENSION / "node_modules" / ".bin" / "jest").exists():
        pytest.skip("labextension/node_modules is missing (pip install -e . or npm install in labextension/)")
    env = {k: v for k, v in os.environ.items() if not k.startswith("npm_")}
    env["CI"] = "true"
    result = subprocess.run(
        [npm, "test", "--silent"], cwd=LABEXTENSION, capture_output=True, text=True, timeout=300, env=env
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]


def test_the_build_hook_uses_the_lock_as_is_and_leaves_the_checkout_clean(tmp_path) -> None:
    """Issue 19: `pip install .` ran `npm install`, which rewrote the committed package-lock.json.

    Runs the build function pyproject names (as hatch-jupyter-builder does: the project root on sys.path)
    in a fresh git copy of labextension/, without node_modules: the lock is used as is (`npm ci`) and the
    copy has no change afterwards (the TypeScript build step only; the bundling does not touch the lock).
    """
    import importlib

    tomllib = pytest.importorskip("tomllib")  # Python >= 3.11
    npm, git = shutil.which("npm"), shutil.which("git")
    if npm is None or git is None:
        pytest.skip("needs npm and git")
    hook = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["hatch"]["build"]["hooks"]["jupyter-builder"]
    module_name, _, function_name = hook["build-function"].rpartition(".")  # hatch-jupyter-builder's own split
    sys.path.insert(0, str(REPO))
    try:
        build = getattr(importlib.import_module(module_name), function_name)
    finally:
        sys.path.remove(str(REPO))

    copy = tmp_path / "checkout"
    tracked = subprocess.run(
        [git, "ls-files", "labextension", ".gitignore"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.split()
    for name in tracked:
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, copy / name)
    quiet = {"cwd": copy, "capture_output": True, "check": True}
    subprocess.run([git, "init", "-q"], **quiet)
    subprocess.run([git, "add", "."], **quiet)
    subprocess.run([git, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "copy"], **quiet)

    build("wheel", "standard", path=str(copy / "labextension"), build_cmd="build:lib:prod", npm=hook.get("npm"))
    assert (copy / "labextension" / "node_modules" / ".package-lock.json").is_file(), "installed from the lock"
    status = subprocess.run([git, "status", "--porcelain"], **quiet, text=True).stdout
    assert status == "", status
