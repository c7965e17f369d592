"""HTTP routes of artifact bytes: the signed PUT and GET URLs that ``_artifacts`` hands out, and W&B's
authenticated download paths (``/artifactsV2/...``, ``/artifacts/{entity}/{md5}``) that the SDK falls back on.

Bodies stream to and from disk in chunks (memory stays bounded whatever the file's size); an upload is
renamed into the store only when complete and of the MD5 it was announced with, so an interrupted or
corrupted upload leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import tornado.web

from ._accounts import parse_basic_auth
from ._artifact_blobs import BadDigest
from ._artifacts import blobs_of
from ._context import ServerContext
from ._uploads import TempFileCleanup

__all__ = ["artifact_handlers"]

CHUNK = 1 << 20
MAX_ARTIFACT_FILE = 1 << 40
MAX_MANIFEST = 256 << 20


class _Signed(tornado.web.RequestHandler):
    server: ServerContext

    def initialize(self, server: ServerContext, base_path: str = "") -> None:
        self.server = server

    def check_xsrf_cookie(self) -> None:  # signed URLs and keys, not cookies
        return None

    def set_default_headers(self) -> None:
        self.set_header("X-Content-Type-Options", "nosniff")

    def send_error_json(self, status: int, message: str) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"error": message, "errors": [{"message": message}]}))

    def _signature_problem(self, path: str) -> str | None:
        expires, signature = self.get_query_argument("exp", None), self.get_query_argument("sig", None)
        return self.server.signer.check(path, expires, signature)

    def _readable(self, entity: str) -> bool:
        """A caller with a key that may read ``entity`` (W&B's authenticated download paths)."""
        key = parse_basic_auth(self.request.headers.get("Authorization"))
        user = self.server.user_for_key(key) if key else None
        found = self.server.storage.get_entity(entity)
        return found is not None and self.server.can_read(user, found)

    async def _send_file(self, path: Path) -> None:
        if not path.is_file():
            return self.send_error_json(404, "no such artifact file")
        self.set_header("Content-Type", "application/octet-stream")
        self.set_header("Content-Length", str(path.stat().st_size))
        with open(path, "rb") as handle:
            while chunk := handle.read(CHUNK):
                self.write(chunk)
                await self.flush()
        self.finish()


@tornado.web.stream_request_body
class ArtifactFileHandler(TempFileCleanup, _Signed):
    """``PUT|GET /artifact-files/{entity}/{md5 hex}?exp=..&sig=..``"""

    _tmp: Path | None = None

    def prepare(self) -> None:
        self._tmp = None
        if self.request.method != "PUT":
            return None
        entity, hexdigest = self.path_args
        problem = self._signature_problem(f"artifact-files/{entity}/{hexdigest}")
        if problem:
            return self.send_error_json(403, problem)
        try:
            final = blobs_of(self.server).blob(entity, hexdigest)
        except (BadDigest, ValueError) as error:
            return self.send_error_json(400, str(error))
        self.request.connection.set_max_body_size(MAX_ARTIFACT_FILE)  # type: ignore[union-attr]
        self._final = final
        self._tmp = blobs_of(self.server).temp_for(final)
        self._handle = open(self._tmp, "wb")
        self._md5 = hashlib.md5()

    def data_received(self, chunk: bytes) -> None:
        if self._tmp is not None:
            self._handle.write(chunk)
            self._md5.update(chunk)

    def put(self, entity: str, hexdigest: str) -> None:
        self._handle.close()
        tmp, self._tmp = self._tmp, None
        try:
            blobs_of(self.server).place(tmp, self._final, md5_hex=hexdigest, received=self._md5)  # type: ignore[arg-type]
        except BadDigest as error:
            return self.send_error_json(400, str(error))
        self.set_status(200)
        self.finish()

    async def get(self, entity: str, hexdigest: str) -> None:
        if self._signature_problem(f"GET artifact-files/{entity}/{hexdigest}") and not self._readable(entity):
            return self.send_error_json(403, "the download URL is not signed, and no key that may read it came")
        try:
            path = blobs_of(self.server).blob(entity, hexdigest)
        except (BadDigest, ValueError) as error:
            return self.send_error_json(400, str(error))
        await self._send_file(path)


class ArtifactManifestHandler(_Signed):
    """``PUT|GET /artifact-manifests/{entity}/{artifact pk}?exp=..&sig=..``: a version's manifest."""

    def put(self, entity: str, pk: str) -> None:
        problem = self._signature_problem(f"artifact-manifests/{entity}/{pk}")
        if problem:
            return self.send_error_json(403, problem)
        if len(self.request.body) > MAX_MANIFEST:
            return self.send_error_json(413, "the manifest is too large")
        final = blobs_of(self.server).manifest(entity, int(pk))
        tmp = blobs_of(self.server).temp_for(final)
        tmp.write_bytes(self.request.body)
        os.replace(tmp, final)
        self.set_status(200)
        self.finish()

    async def get(self, entity: str, pk: str) -> None:
        if self._signature_problem(f"GET artifact-manifests/{entity}/{pk}") and not self._readable(entity):
            return self.send_error_json(403, "the download URL is not signed, and no key that may read it came")
        await self._send_file(blobs_of(self.server).manifest(entity, int(pk)))


class WandbArtifactDownloadHandler(_Signed):
    """W&B's own download paths (the SDK's fallback when a signed URL failed): the caller's key decides."""

    async def get(self, entity: str, hexdigest: str, *_rest: Any) -> None:
        if not self._readable(entity):
            return self.send_error_json(404, "not found")
        try:
            path = blobs_of(self.server).blob(entity, hexdigest)
        except (BadDigest, ValueError) as error:
            return self.send_error_json(400, str(error))
        await self._send_file(path)


def artifact_handlers(base: str, kwargs: dict[str, Any]) -> list[tuple[str, type, dict[str, Any]]]:
    s = r"([^/]+)"
    h = r"([0-9a-f]{32})"
    return [
        (rf"{base}/artifact-files/{s}/{s}", ArtifactFileHandler, kwargs),
        (rf"{base}/artifact-manifests/{s}/(\d+)", ArtifactManifestHandler, kwargs),
        # /artifactsV2/{region}/{entity}/{project}/{collection}/[{artifact id}/]{birth id}/{md5 hex}/{name}
        (rf"{base}/artifactsV2/[^/]+/{s}/(?:[^/]*/)+?{h}/(.+)", WandbArtifactDownloadHandler, kwargs),
        (rf"{base}/artifacts/{s}/{h}", WandbArtifactDownloadHandler, kwargs),
    ]
