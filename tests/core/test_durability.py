"""What finish() makes durable (issue 19, item 9), seen in the system calls (strace -f -y).

finish() promises that the run survives a power loss once it returns: every file of the run folder
(history, summary, config, metadata, requirements, code, ``save()`` files, output.log, the debug logs)
is fsynced after its last write, and so is every directory whose entries changed: the run folder's
own folders, ``wandb/`` (the run folder's entry, ``latest-run``, ``debug.log``) and the folder that
holds ``wandb/``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(shutil.which("strace") is None, reason="needs strace (apt-get install strace)")

MARKER = "/nonexistent-wandb-jupyter-finish-marker"

SCRIPT = textwrap.dedent(
    f"""
    import os, sys
    import wandb_jupyter as wandb
    run = wandb.init(project="durable", config={{"lr": 0.1}})
    with open("weights.bin", "wb") as handle:
        handle.write(b"w" * 1000)
    run.save("weights.bin", policy="end")
    for i in range(20):
        run.log({{"i": i}})
        print("line", i)
    print("to stderr", file=sys.stderr)
    os.path.exists({MARKER!r})
    run.finish()
    """
)


def _fsynced_after_marker(trace: str) -> set[str]:
    seen_marker = False
    synced: set[str] = set()
    for line in trace.splitlines():
        if MARKER in line:
            seen_marker = True
            continue
        if not seen_marker:
            continue
        match = re.search(r"\b(?:fsync|fdatasync)\(\d+<([^>]*)>", line)  # also "<unfinished ...>" (-f)
        if match and "= -1" not in line:
            path = Path(match.group(1))
            temporary = re.fullmatch(r"\.(.+)\.\d+\.tmp", path.name)  # write_atomic's, renamed into place
            synced.add(str(path.with_name(temporary.group(1)) if temporary else path))
    return synced


def test_finish_fsyncs_every_file_and_directory_it_wrote(tmp_path, env_for_subprocess) -> None:
    script = tmp_path / "train.py"
    script.write_text(SCRIPT)
    trace = tmp_path / "trace.txt"
    env = {k: v for k, v in env_for_subprocess.items() if k != "WANDB_CONSOLE"}
    env.update(WANDB_MODE="offline", PYTHONUNBUFFERED="1")
    done = subprocess.run(
        [
            "strace",
            "-f",
            "-y",
            "-qq",
            "-e",
            "trace=fsync,fdatasync,newfstatat,stat",
            "-o",
            str(trace),
            sys.executable,
            str(script),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    synced = _fsynced_after_marker(trace.read_text())
    wandb_dir = (tmp_path / "wandb").resolve()
    (root,) = [path for path in wandb_dir.glob("offline-run-*") if not path.is_symlink()]

    expected = {str(wandb_dir), str(tmp_path.resolve()), str(wandb_dir / "debug.log")}
    for path in [root, *root.rglob("*")]:
        if not path.is_symlink():
            expected.add(str(path))
    for name in ("wandb-metadata.json", "requirements.txt", "output.log", "weights.bin", "config.yaml"):
        assert str(root / "files" / name) in expected, name
    assert str(root / "files" / "code" / "train.py") in expected and str(root / "logs" / "debug.log") in expected
    missing = sorted(path for path in expected if path not in synced)
    assert missing == [], f"not fsynced at finish(): {missing}"
