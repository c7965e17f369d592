"""Artifacts: versioned files and models (W&B's ``Artifact``), offline first.

``_manifest`` W&B's manifest format; ``_store`` the local content-addressed store under the wandb
folder; ``_references`` file/http/s3 references; ``_artifact`` the Artifact class; ``_run_api`` what
a run does with them (log, use, link, models); ``_records`` the run directory's record for the upload.
"""

from __future__ import annotations

from ._artifact import Artifact
from ._manifest import Manifest, ManifestEntry
from ._store import ArtifactStore, DigestMismatch

__all__ = ["Artifact", "Manifest", "ManifestEntry", "ArtifactStore", "DigestMismatch"]
