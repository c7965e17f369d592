"""The last step of ``finish()``: the whole run folder made durable, so it survives a power loss.

Rows, summary and config are fsynced as they are closed; what else the run wrote along the way
(metadata, requirements, code, ``save()`` copies, media, output.log, the debug logs) and the directory
entries that name them (the run folder in ``wandb/``, ``latest-run``, ``wandb/`` itself in its parent)
are only in the page cache until this runs. It fsyncs every file first, then every folder from the
deepest up, so a folder is synced after the entries it holds.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..rundir._rundir import fsync_dir, fsync_path

__all__ = ["sync_run_folder"]


def sync_run_folder(root: Path, wandb_dir: Path) -> None:
    """fsync every file and folder under ``root``, then ``wandb/debug.log``, ``wandb/`` and its parent.

    Symbolic links are not followed (a ``save()`` link's target is the user's file, not the run's).
    Errors are ignored: a file removed meanwhile or a full disk is reported where it was written.
    """
    for folder, _, names in os.walk(root, topdown=False):
        for name in names:
            fsync_path(os.path.join(folder, name), follow_links=False)
        fsync_dir(Path(folder))
    fsync_path(os.path.join(wandb_dir, "debug.log"), follow_links=False)
    fsync_dir(Path(wandb_dir))  # the run folder's entry, latest-run, wandb-resume.json
    fsync_dir(Path(wandb_dir).parent)  # wandb/ itself, when this run created it
