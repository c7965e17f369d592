"""Artifact bytes on the server's disk: one content-addressed store per entity, and each version's manifest.

``<data dir>/artifacts/<entity>/objects/<md5 hex[:2]>/<md5 hex>`` holds a file's bytes once, whatever
number of versions, sequences or projects of the entity list it (W&B addresses files by their MD5, which
its manifests carry in base64). ``manifests/<artifact pk>.json`` is the manifest the client uploaded.
An upload lands in a temporary file and is renamed into place only when its MD5 is the one announced,
so the store never holds a file under a wrong name.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
from pathlib import Path

__all__ = ["ArtifactBlobs", "b64_to_hex", "hex_to_b64", "BadDigest"]

_HEX = re.compile(r"^[0-9a-f]{32}$")


class BadDigest(ValueError):
    """An MD5 that is not one, or bytes whose MD5 is not the one announced."""


def b64_to_hex(digest: str) -> str:
    try:
        raw = base64.b64decode(digest.encode(), validate=True)
    except (binascii.Error, ValueError):
        raise BadDigest(f"{digest!r} is not a base64 MD5") from None
    if len(raw) != 16:
        raise BadDigest(f"{digest!r} is not a base64 MD5")
    return raw.hex()


def hex_to_b64(hexdigest: str) -> str:
    return base64.b64encode(bytes.fromhex(hexdigest)).decode()


class ArtifactBlobs:
    def __init__(self, data_dir: Path) -> None:
        self.root = Path(data_dir) / "artifacts"

    def _entity_dir(self, entity: str) -> Path:
        if not entity or "/" in entity or entity in (".", ".."):
            raise ValueError(f"invalid entity {entity!r}")
        return self.root / entity

    def blob(self, entity: str, hexdigest: str) -> Path:
        if not _HEX.match(hexdigest):
            raise BadDigest(f"{hexdigest!r} is not an MD5 in hex")
        return self._entity_dir(entity) / "objects" / hexdigest[:2] / hexdigest

    def has(self, entity: str, hexdigest: str) -> bool:
        return self.blob(entity, hexdigest).is_file()

    def manifest(self, entity: str, artifact_pk: int) -> Path:
        return self._entity_dir(entity) / "manifests" / f"{int(artifact_pk)}.json"

    def temp_for(self, final: Path) -> Path:
        final.parent.mkdir(parents=True, exist_ok=True)
        return final.with_name(f".{final.name}.{os.getpid()}.{os.urandom(4).hex()}.part")

    @staticmethod
    def place(tmp: Path, final: Path, *, md5_hex: str | None, received: hashlib._Hash | None) -> None:
        """Rename ``tmp`` to ``final`` when its MD5 (``received``, computed while writing) is ``md5_hex``."""
        if md5_hex is not None and (received is None or received.hexdigest() != md5_hex):
            tmp.unlink(missing_ok=True)
            raise BadDigest(f"the bytes received do not have the MD5 {md5_hex} they were announced with")
        os.replace(tmp, final)

    def disk_bytes(self) -> int:
        """Bytes the stores hold (each file counted once): what "stored once" is measured by."""
        total = 0
        for path in self.root.glob("*/objects/*/*"):
            try:
                total += path.stat().st_size
            except OSError:
                pass
        return total
