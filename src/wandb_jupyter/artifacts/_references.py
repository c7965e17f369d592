"""References: artifact entries that point at files kept elsewhere (``file://``, ``http(s)://``, ``s3://``).

``file://`` references are checksummed when added (MD5 of the file, so a changed file is noticed at
download); ``http(s)://`` and ``s3://`` ones are recorded as they are (the URI is their digest, no request
is made when logging, so this works offline) and fetched only by ``download()``, where reachable:
http(s) with the standard library, s3 with ``boto3`` when it is installed.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import unquote, urlparse

from ..common._errors import UsageError
from ._manifest import CHUNK, ManifestEntry, md5_file, relative_files, safe_entry_path
from ._store import DigestMismatch

__all__ = ["reference_entries", "fetch_reference"]

_RECORDED = ("http", "https", "s3", "gs")


def _local_path(uri: str) -> Path:
    parsed = urlparse(uri)
    return Path(
        unquote(parsed.netloc + parsed.path) if parsed.netloc not in ("", "localhost") else unquote(parsed.path)
    )


def reference_entries(
    uri: str, name: str | None = None, *, checksum: bool = True, max_objects: int | None = None
) -> list[ManifestEntry]:
    """The manifest entries of a reference (one per file of a referenced folder)."""
    scheme = urlparse(uri).scheme
    if scheme == "file":
        return _file_entries(uri, name, checksum=checksum, max_objects=max_objects)
    if scheme in _RECORDED:
        tail = urlparse(uri).path.rstrip("/").rsplit("/", 1)[-1] or urlparse(uri).netloc
        return [ManifestEntry(path=safe_entry_path(name or tail), digest=uri, ref=uri)]
    raise UsageError(f"add_reference(): {uri!r} is not a file://, http(s)://, s3:// or gs:// URI")


def _file_entries(uri: str, name: str | None, *, checksum: bool, max_objects: int | None) -> list[ManifestEntry]:
    path = _local_path(uri)
    if path.is_file():
        digest, size = md5_file(path) if checksum else (uri, path.stat().st_size)
        return [ManifestEntry(path=safe_entry_path(name or path.name), digest=digest, size=size, ref=uri)]
    if not path.is_dir():
        raise UsageError(f"add_reference(): {uri!r}: no file or folder at {path}")
    entries: list[ManifestEntry] = []
    for rel, file in relative_files(path):
        if max_objects is not None and len(entries) >= max_objects:
            raise UsageError(f"add_reference(): {uri!r} holds more than max_objects={max_objects} files")
        digest, size = md5_file(file) if checksum else (file.as_uri(), file.stat().st_size)
        entry_path = safe_entry_path(f"{name}/{rel}" if name else rel)
        entries.append(ManifestEntry(path=entry_path, digest=digest, size=size, ref=file.as_uri()))
    return entries


def fetch_reference(entry: ManifestEntry, target: Path) -> None:
    """Put the referenced bytes at ``target``; FileNotFoundError when they cannot be had, DigestMismatch
    when a checksummed file changed since it was logged."""
    assert entry.ref is not None
    scheme = urlparse(entry.ref).scheme
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.part")
    try:
        if scheme == "file":
            source = _local_path(entry.ref)
            if not source.is_file():
                raise FileNotFoundError(f"reference {entry.ref} of {entry.path!r}: no such file")
            shutil.copyfile(source, tmp)
        elif scheme in ("http", "https"):
            _fetch_http(entry.ref, tmp)
        elif scheme == "s3":
            _fetch_s3(entry.ref, tmp)
        else:
            raise FileNotFoundError(f"reference {entry.ref} of {entry.path!r}: {scheme}:// cannot be fetched here")
        if entry.md5_hex is not None and md5_file(tmp)[0] != entry.digest:
            raise DigestMismatch(f"reference {entry.ref} of {entry.path!r} changed since it was logged (MD5 differs)")
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def _fetch_http(url: str, tmp: Path) -> None:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=60) as answer, open(tmp, "wb") as out:
            while chunk := answer.read(CHUNK):
                out.write(chunk)
    except (urllib.error.URLError, OSError) as error:
        raise FileNotFoundError(f"reference {url}: not reachable ({error})") from None


def _fetch_s3(uri: str, tmp: Path) -> None:
    try:
        import boto3
    except ImportError:
        raise UsageError("downloading s3:// references needs boto3: pip install boto3") from None
    parsed = urlparse(uri)
    try:
        boto3.client("s3").download_file(parsed.netloc, parsed.path.lstrip("/"), str(tmp))
    except Exception as error:  # botocore's errors: credentials, missing object, network
        raise FileNotFoundError(f"reference {uri}: {error}") from None
