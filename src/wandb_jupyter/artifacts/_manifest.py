"""W&B's artifact manifest (version 1): the list of an artifact's files, each by its content.

``{"version": 1, "storagePolicy": "wandb-storage-policy-v1", "storagePolicyConfig": {"storageLayout": "V2"},
"contents": {path: {"digest": base64 MD5, "size": bytes, "ref": URI (references only), ...}}}``, as
W&B 0.31 writes ``wandb_manifest.json``. The manifest's own digest (W&B's MANIFEST_MD5) names a version:
two versions with the same files have the same digest, which is how identical content is recognised.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["ManifestEntry", "Manifest", "md5_file", "b64_to_hex", "hex_to_b64", "CHUNK"]

CHUNK = 1 << 20  # bytes read at a time: hashing and copying stay in bounded memory
STORAGE_POLICY = "wandb-storage-policy-v1"
_DIGEST_HEADER = b"wandb-artifact-manifest-v1\n"


def md5_file(path: str | os.PathLike[str]) -> tuple[str, int]:
    """(base64 MD5, size) of a file, read in chunks."""
    hasher = hashlib.md5()
    size = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            hasher.update(chunk)
            size += len(chunk)
    return base64.b64encode(hasher.digest()).decode(), size


def b64_to_hex(digest: str) -> str:
    return base64.b64decode(digest).hex()


def hex_to_b64(hexdigest: str) -> str:
    return base64.b64encode(bytes.fromhex(hexdigest)).decode()


@dataclass
class ManifestEntry:
    """One file of an artifact: ``path`` inside it, its ``digest`` (base64 MD5, or a reference's
    checksum or URI), ``size``, ``ref`` for references; ``local_path`` while it is on this machine."""

    path: str
    digest: str
    size: int | None = None
    ref: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    birth_artifact_id: str | None = None
    local_path: str | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"digest": self.digest}
        if self.birth_artifact_id:
            data["birthArtifactID"] = self.birth_artifact_id
        if self.ref is not None:
            data["ref"] = self.ref
        if self.size is not None:
            data["size"] = self.size
        if self.extra:
            data["extra"] = self.extra
        return data

    @classmethod
    def from_json(cls, path: str, data: dict[str, Any]) -> ManifestEntry:
        return cls(
            path=path,
            digest=str(data.get("digest", "")),
            size=data.get("size"),
            ref=data.get("ref"),
            extra=dict(data.get("extra") or {}),
            birth_artifact_id=data.get("birthArtifactID"),
        )

    @property
    def is_reference(self) -> bool:
        return self.ref is not None

    @property
    def md5_hex(self) -> str | None:
        """The content's MD5 in hex (stored files), None for a reference without a checksum."""
        try:
            raw = base64.b64decode(self.digest, validate=True)
        except ValueError:
            return None
        return raw.hex() if len(raw) == 16 else None


@dataclass
class Manifest:
    entries: dict[str, ManifestEntry] = field(default_factory=dict)
    storage_layout: str = "V2"

    def to_json(self) -> dict[str, Any]:
        return {
            "version": 1,
            "storagePolicy": STORAGE_POLICY,
            "storagePolicyConfig": {"storageLayout": self.storage_layout},
            "contents": {path: self.entries[path].to_json() for path in sorted(self.entries)},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Manifest:
        if not isinstance(data, dict) or data.get("version") != 1 or not isinstance(data.get("contents"), dict):
            raise ValueError("not a W&B artifact manifest (version 1)")
        layout = (data.get("storagePolicyConfig") or {}).get("storageLayout") or "V2"
        entries = {path: ManifestEntry.from_json(path, entry) for path, entry in data["contents"].items()}
        return cls(entries=entries, storage_layout=layout)

    def digest(self) -> str:
        """W&B's MANIFEST_MD5: MD5 (hex) of a header and one ``path:digest`` line per entry, by path."""
        hasher = hashlib.md5(_DIGEST_HEADER)
        for path in sorted(self.entries):
            hasher.update(f"{path}:{self.entries[path].digest}\n".encode())
        return hasher.hexdigest()

    def size(self) -> int:
        return sum(entry.size or 0 for entry in self.entries.values())

    def __iter__(self) -> Iterator[ManifestEntry]:
        return iter(self.entries[path] for path in sorted(self.entries))

    def __len__(self) -> int:
        return len(self.entries)


def safe_entry_path(name: str) -> str:
    """``name`` as a path inside an artifact (forward slashes, no ``..``, not absolute), else ValueError."""
    text = str(name).replace(os.sep, "/")
    parts = [p for p in text.split("/") if p not in ("", ".")]
    if not parts or ".." in parts or text.startswith("/"):
        raise ValueError(f"{name!r} is not a path inside an artifact (relative, without '..')")
    return "/".join(parts)


def relative_files(root: Path) -> Iterator[tuple[str, Path]]:
    """(path relative to ``root`` with '/', file) of every file under ``root``, in a stable order."""
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            path = Path(folder) / name
            yield path.relative_to(root).as_posix(), path
