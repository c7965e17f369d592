"""Importing wandb_jupyter in a plain script stays light."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ["IPython", "ipywidgets", "requests", "yaml", "psutil", "numpy", "tornado", "ipykernel"]


def test_plain_import_pulls_in_no_heavy_modules(env_for_subprocess) -> None:
    script = f"import sys, json, wandb_jupyter; print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    out = subprocess.run(
        [sys.executable, "-c", script], env=env_for_subprocess, capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(out) == []


def test_an_offline_run_imports_no_notebook_or_network_stack(tmp_path, env_for_subprocess) -> None:
    script = (
        "import sys, json, wandb_jupyter as w; r = w.init(mode='offline'); r.log({'a': 1}); r.finish(); "
        "print(json.dumps([m for m in ['IPython', 'ipywidgets', 'requests', 'tornado'] if m in sys.modules]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, env=env_for_subprocess, capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(out.strip().splitlines()[-1]) == []
