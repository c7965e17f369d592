"""Artifacts: versioned files and models (W&B's ``Artifact``), offline first.

``_manifest`` W&B's manifest format; ``_store`` the local content-addressed store under the wandb
folder; ``_references`` file/http/s3 references; ``_artifact`` the Artifact class; ``_run_api`` what
a run does with them (log, use, link, models); ``_records`` the run directory's record for the upload.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Artifact", "Manifest", "ManifestEntry", "ArtifactStore", "DigestMismatch"]

_HOMES = {
    "Artifact": "._artifact",
    "Manifest": "._manifest",
    "ManifestEntry": "._manifest",
    "ArtifactStore": "._store",
    "DigestMismatch": "._store",
}


def __getattr__(name: str) -> Any:
    """The names, imported with their module on first use (``import wandb_jupyter`` stays light)."""
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(_HOMES[name], __name__), name)
