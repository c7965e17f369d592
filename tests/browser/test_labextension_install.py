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
