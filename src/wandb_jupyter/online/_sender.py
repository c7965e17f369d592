"""The sender: tails a run directory from its acknowledged offsets and sends it.

Live runs get one daemon thread; ``wandb-jupyter sync`` drives the same
:meth:`Sender.step` in its own loop, so streaming and a later sync are one
code path. ``log()`` never meets this module: it appends to the history file,
and the sender finds the new lines there (it looks every :data:`POLL` seconds,
or at once after a full batch). Nothing here takes a lock that the run's
methods take.

One step:

1. create the run on the server (UpsertBucket) if that has not happened yet,
2. one file_stream request with what is new in the history, events and
   output.log files (whole lines only, at most :data:`MAX_LINES` per file and
   :data:`MAX_BYTES` per request) and the summary if it changed; the
   acknowledged offsets go to ``sync-state.json`` after each answer,
3. every :data:`UPLOAD_EVERY` seconds (and at the end): the config
   (UpsertBucket) if it changed, and files under ``files/`` that changed and
   kept still for one scan (CreateRunFiles, then a PUT each); output.log and
   the summary are uploaded at the end only,
4. at the end: a last request with ``complete`` and ``exitcode``.

A request that fails for a passing reason (no connection, timeout, 429,
5xx) is retried with exponential backoff (:data:`BACKOFF_FIRST` doubling to
:data:`BACKOFF_MAX`); nothing is lost because nothing moves on until the
server answers. WANDB_IGNORE_GLOBS files are neither streamed nor uploaded.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..common._logging import console_is_terminal, logger, warn_once
from ..rundir._rundir import CONFIG, EVENTS, HISTORY, METADATA, OUTPUT, SUMMARY, RunPaths
from ._api import Api, ApiError, AuthError, RetryableError
from ._artifacts import send_artifacts
from ._globs import compile_globs
from ._notices import send_notices
from ._syncstate import StreamOffset, SyncState, signature

__all__ = ["Sender", "STREAMS", "FINISH_TIMEOUT", "pending_summary", "config_json_from_file"]

STREAMS = (HISTORY, EVENTS, OUTPUT)
#: Streamed files that are also uploaded whole, once, at the end (as the SDK does).
UPLOADED_AT_END = (OUTPUT, SUMMARY)
MAX_LINES = 10_000
MAX_BYTES = 4 << 20
MAX_LINE_BYTES = 64 << 20
POLL = 0.2
UPLOAD_EVERY = 2.0
UPLOAD_BATCH = 100
BACKOFF_FIRST = 0.25
BACKOFF_MAX = 10.0
#: How long ``finish()`` waits for the server before leaving the rest to ``wandb-jupyter sync``.
FINISH_TIMEOUT = 60.0
#: Seconds into ``finish()`` before the progress line appears, and between two of them.
PROGRESS_AFTER = 1.0
PROGRESS_EVERY = 2.0


def config_json_from_file(path: Path) -> str | None:
    """config.yaml (W&B's ``key: {value: ...}``) as UpsertBucket's JSON string; None if missing."""
    if not path.is_file():
        return None
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        return None
    data.pop("wandb_version", None)
    return json.dumps(data, separators=(",", ":"))


def _size(count: int) -> str:
    for unit in ("B", "KiB", "MiB"):
        if count < 1024 or unit == "MiB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024  # type: ignore[assignment]
    return f"{count} B"  # pragma: no cover


def _walk(files_dir: Path) -> list[tuple[str, Path]]:
    """(run-relative POSIX name, path) of every regular file under ``files/``, temporary files left out."""
    found = []
    for folder, dirs, names in os.walk(files_dir):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            if name.startswith("."):
                continue
            path = Path(folder) / name
            found.append((path.relative_to(files_dir).as_posix(), path))
    return found


#: Bytes that JSON strings may not hold raw (the newline separates lines and is handled apart).
_CONTROL = bytes(range(0x0A)) + bytes(range(0x0B, 0x20))


def _content(chunk: bytes) -> bytes:
    """The JSON array of ``chunk``'s lines (``chunk`` ends with a newline), each line a JSON string.

    The usual case (valid UTF-8, no control characters: every history and
    events row) is escaped in bulk, without decoding line by line; the rest
    goes through the json module.
    """
    body = chunk[:-1]
    if len(body.translate(None, _CONTROL)) == len(body):  # C speed; a regular expression is 8x slower
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            return b'["' + body.replace(b"\\", b"\\\\").replace(b'"', b'\\"').replace(b"\n", b'","') + b'"]'
    return json.dumps(body.decode("utf-8", "replace").split("\n"), ensure_ascii=False).encode("utf-8")


def _entry(name: str, offset: int, chunk: bytes) -> bytes:
    """``"name":{"offset":N,"content":[...]}`` of one file_stream body."""
    return json.dumps(name).encode() + b':{"offset":' + str(offset).encode() + b',"content":' + _content(chunk) + b"}"


def pending_summary(paths: RunPaths, state: SyncState, ignored: Callable[[str], bool] | None = None) -> dict[str, int]:
    """What the server lacks: ``bytes`` of streamed lines; ``files`` changed since their upload and their
    ``file_bytes``; ``summary`` and ``config`` changed since sent (0 or 1)."""
    ignored = ignored or (lambda name: False)
    unsent = 0
    for name in STREAMS:
        if ignored(name):
            continue
        sig = signature(paths.file(name))
        if sig is not None:
            unsent += max(0, sig[0] - state.stream(name).bytes)
    files = file_bytes = 0
    if paths.files.is_dir():
        for rel, path in _walk(paths.files):
            if rel in (HISTORY, EVENTS) or ignored(rel):
                continue
            sig = signature(path)
            if sig is not None and state.uploaded.get(rel) != sig:
                files += 1
                file_bytes += sig[0]
    summary = 0 if ignored(SUMMARY) else int(signature(paths.file(SUMMARY)) not in (None, state.summary))
    config = int([signature(paths.file(CONFIG)), signature(paths.file(METADATA))] != state.config)
    return {"bytes": unsent, "files": files, "file_bytes": file_bytes, "summary": summary, "config": config}


class Sender:
    """Sends one run directory; see the module docstring.

    ``variables()`` gives UpsertBucket's variables that create or update the run
    (without ``config``); ``config()`` the config JSON string (None: none yet).
    ``on_created(bucket)`` is told the run's name, project and entity on the server.
    """

    def __init__(
        self,
        api: Api,
        paths: RunPaths,
        state: SyncState,
        *,
        variables: Callable[[], dict[str, Any]],
        config: Callable[[], str | None],
        ignore_globs: Any = (),
        on_created: Callable[[dict[str, Any]], None] | None = None,
        on_exit: Callable[[], None] | None = None,
    ) -> None:
        self.api = api
        self.paths = paths
        self.state = state
        self._variables = variables
        self._config = config
        self._ignored = compile_globs(ignore_globs)
        self._on_created = on_created
        self._on_exit = on_exit  # called by the thread when it ends (releases the run's lock)
        self._seen: dict[str, Any] = {}
        self._next_scan = 0.0
        self._recreated = 0
        self.exit_code: int | None = None
        self.stop_requested = False
        self.last_error: str | None = None
        self.error: str | None = None  # a failure that retrying cannot fix; the sender stopped
        self.requests = 0
        # thread mode
        self._thread: threading.Thread | None = None
        self._wake = threading.Event()
        self._done = threading.Event()
        self._finishing = False
        self._abandoned = False
        self._backoff = BACKOFF_FIRST

    # -- pieces of a step ------------------------------------------------------------
    def _config_signature(self) -> list[Any]:
        return [signature(self.paths.file(CONFIG)), signature(self.paths.file(METADATA))]

    def ensure_created(self) -> None:
        """UpsertBucket with the run's fields and config, once."""
        if self.state.created:
            return
        sig = self._config_signature()
        variables = dict(self._variables())
        variables["config"] = self._config()
        payload = self.api.upsert_bucket(**variables)
        self.requests += 1
        bucket = payload["bucket"]
        project = bucket.get("project") or {}
        self.state.run_id = bucket.get("name") or variables.get("name")
        self.state.project = project.get("name") or variables.get("project")
        self.state.entity = (project.get("entity") or {}).get("name") or variables.get("entity")
        self.state.created = True
        self.state.config = sig
        self.state.save()
        if self._on_created is not None:
            self._on_created(bucket)

    def send_config(self) -> bool:
        """UpsertBucket again when config.yaml or the metadata (name, tags...) changed."""
        sig = self._config_signature()
        if sig == self.state.config:
            return False
        variables = dict(self._variables())
        variables.update(
            config=self._config(), entity=self.state.entity, project=self.state.project, name=self.state.run_id
        )
        self.api.upsert_bucket(**variables)
        self.requests += 1
        self.state.config = sig
        self.state.save()
        return True

    def _read_lines(self, name: str, offset: StreamOffset, budget: int) -> tuple[bytes, int, bool]:
        """New whole lines of ``name`` from ``offset``: (their bytes, how many, nothing more to read now).

        A torn last line (being written, or cut by a crash) is left for later.
        """
        try:
            handle = open(self.paths.file(name), "rb")
        except FileNotFoundError:
            return b"", 0, True
        if offset.lines:  # read about what MAX_LINES lines of this file take, not the whole budget
            budget = min(budget, offset.bytes // offset.lines * MAX_LINES * 5 // 4 + 65536)
        with handle:
            handle.seek(offset.bytes)
            data = handle.read(budget)
            hit_eof = len(data) < budget
            end = data.rfind(b"\n") + 1
            if end == 0 and not hit_eof:  # one line longer than the budget: read on to its end
                while len(data) < MAX_LINE_BYTES:
                    more = handle.read(budget)
                    if not more:
                        break
                    newline = more.find(b"\n")
                    data += more
                    if newline >= 0:
                        break
                end = data.find(b"\n") + 1
                if end == 0:  # no end in sight: leave it (a broken file), do not spin on it
                    return b"", 0, True
                hit_eof = False
        if end == 0:
            return b"", 0, hit_eof
        chunk = data[:end]
        count = chunk.count(b"\n")
        if count > MAX_LINES:
            chunk = b"\n".join(chunk.split(b"\n", MAX_LINES)[:MAX_LINES]) + b"\n"
            return chunk, MAX_LINES, False
        return chunk, count, hit_eof

    def stream_once(self, *, complete: bool = False) -> tuple[int, bool]:
        """One file_stream request with what is new; returns (lines sent, nothing more to read now).

        With ``complete``, and when this request empties every file, it also
        carries ``uploaded``, ``complete`` and ``exitcode`` (the run's end).
        """
        files, acks, drained = self._new_lines()
        summary_sig = self._changed_summary(files)
        ending = complete and drained and not self.state.complete
        if not files and not ending:
            return 0, drained
        reply = self.api.file_stream(
            self.state.entity or "", self.state.project or "", self.state.run_id or "", self._body(files, ending)
        )
        self.requests += 1
        self._acknowledge(acks, summary_sig, ending)
        if reply.get("stopped") and not self.stop_requested:
            self.stop_requested = True
            warn_once(
                f"stopped-{self.state.run_id}",
                f"the server asked to stop run {self.state.run_id} (stopped "
                "from its page); it goes on locally until you finish it",
            )
        return sum(count for _, count, _ in acks), drained

    def _new_lines(self) -> tuple[list[bytes], list[tuple[StreamOffset, int, int]], bool]:
        """The streamed files' new complete lines, within one request's byte budget.

        Returns the file entries, what each one acknowledges (offset, lines, bytes) once the server
        has them, and whether every file was read to its end."""
        files: list[bytes] = []
        acks: list[tuple[StreamOffset, int, int]] = []
        budget = MAX_BYTES
        drained = True
        for name in STREAMS:
            if self._ignored(name):
                continue
            offset = self.state.stream(name)
            chunk, count, at_end = self._read_lines(name, offset, max(budget, 1))
            drained = drained and at_end
            if count:
                files.append(_entry(name, offset.server_offset, chunk))
                acks.append((offset, count, len(chunk)))
                budget -= len(chunk)
        return files, acks, drained

    def _changed_summary(self, files: list[bytes]) -> Any:
        """Add the summary to ``files`` when it changed since the server got it; its signature, else None."""
        if self._ignored(SUMMARY):
            return None
        sig = signature(self.paths.file(SUMMARY))  # before reading: a newer file is sent again next time
        if sig is None or sig == self.state.summary:
            return None
        try:
            text = self.paths.file(SUMMARY).read_bytes().strip()
        except OSError:
            return None
        if not text or b"\n" in text:
            return None
        files.append(_entry(SUMMARY, 0, text + b"\n"))
        return sig

    def _body(self, files: list[bytes], ending: bool) -> bytes:
        body = b'{"files":{' + b",".join(files) + b"}"
        if ending:
            body += (
                b',"uploaded":'
                + json.dumps(sorted(self.state.uploaded)).encode()
                + b',"complete":true,"exitcode":'
                + str(int(self.exit_code or 0)).encode()
            )
        return body + b"}"

    def _acknowledge(self, acks: list[tuple[StreamOffset, int, int]], summary_sig: Any, ending: bool) -> None:
        """The server has the request: advance the offsets and record it (sync-state.json)."""
        for offset, count, nbytes in acks:
            offset.lines += count
            offset.bytes += nbytes
        if summary_sig is not None:
            self.state.summary = summary_sig
        if ending:
            self.state.complete = True
            self.state.exitcode = self.exit_code or 0
        elif acks:
            self.state.complete = False  # new data after an earlier end (a resumed run)
        self.state.save()

    def upload_changed(self, *, final: bool) -> int:
        """Upload files that changed since their last upload; returns how many."""
        candidates = self._changed_files(final=final)
        for start in range(0, len(candidates), UPLOAD_BATCH):
            self._upload_batch(candidates[start : start + UPLOAD_BATCH])
        return len(candidates)

    def _changed_files(self, *, final: bool) -> list[tuple[str, Path, Any]]:
        """(run-relative name, path, signature) of each file to upload now.

        While the run goes on, a file is sent once its signature held still for one scan (it may
        still be being written), and files that only make sense complete wait for the end."""
        candidates = []
        for rel, path in _walk(self.paths.files):
            if rel in (HISTORY, EVENTS) or self._ignored(rel):
                continue
            if not final and rel in UPLOADED_AT_END:
                continue
            sig = signature(path)
            if sig is None or sig == self.state.uploaded.get(rel):
                continue
            if not final and self._seen.get(rel) != sig:  # still being written? wait one scan
                self._seen[rel] = sig
                continue
            candidates.append((rel, path, sig))
        return candidates

    def _upload_batch(self, batch: list[tuple[str, Path, Any]]) -> None:
        """CreateRunFiles for the batch, then one PUT per file, each recorded as soon as it is up."""
        payload = self.api.create_run_files(
            self.state.entity or "", self.state.project or "", self.state.run_id or "", [rel for rel, _, _ in batch]
        )
        self.requests += 1
        urls = {f.get("name"): f.get("uploadUrl") for f in payload.get("files") or [] if isinstance(f, dict)}
        headers = payload.get("uploadHeaders") or []
        for rel, path, sig in batch:
            url = urls.get(rel)
            if not url:
                raise ApiError(f"CreateRunFiles gave no upload URL for {rel}")
            self.api.upload(url, path, headers)
            self.requests += 1
            self.state.uploaded[rel] = sig
            self.state.save()

    # -- steps ------------------------------------------------------------
    def step(self, *, final: bool = False) -> bool:
        """One round of work; True when there is more to do right away.

        ``final``: the run's files are complete (finished, or a sync): upload
        everything and, once all is sent and the exit code is known, send the end.
        """
        self.ensure_created()
        self.requests += send_notices(self.api, self.paths, self.state)  # alerts go at once, not after the rows
        self.requests += send_artifacts(self.api, self.paths, self.state)  # from the local store, once each
        _, drained = self.stream_once()
        if not drained:
            return True
        now = time.monotonic()
        if final or now >= self._next_scan:
            self.send_config()
            self.upload_changed(final=final)
            self._next_scan = now + UPLOAD_EVERY
        if final:
            if self.exit_code is not None and not self.state.complete:
                self.stream_once(complete=True)
            return not self.state.complete and self.exit_code is not None
        return False

    def handle_missing_run(self, error: ApiError) -> bool:
        """A 404 for a run we created: the server lost it; create it again (twice at most)."""
        if error.status == 404 and self.state.created and self._recreated < 2:
            self._recreated += 1
            self.state.created = False
            return True
        return False

    def pending(self) -> dict[str, int]:
        return pending_summary(self.paths, self.state, self._ignored)

    # -- thread mode ------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="wandb-sender", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Do a round now (the run has an alert to send)."""
        self._wake.set()

    def _sleep(self, seconds: float) -> None:
        self._wake.wait(seconds)
        self._wake.clear()

    def _run(self) -> None:
        try:
            while not self._abandoned:
                final = self._finishing
                try:
                    more = self.step(final=final)
                    self._backoff = BACKOFF_FIRST
                    self.last_error = None
                except RetryableError as error:
                    self.last_error = str(error)
                    logger.debug("sender: %s; retrying in %.2f s", error, self._backoff)
                    self._sleep(self._backoff)
                    self._backoff = min(self._backoff * 2, BACKOFF_MAX)
                    continue
                except ApiError as error:
                    if self.handle_missing_run(error):
                        continue
                    self.error = str(error)
                    if isinstance(error, AuthError):
                        self.error += " (check the key with `wandb-jupyter login --verify`)"
                    break
                except Exception as error:  # a bug or a broken file must not end the program
                    self.error = f"{type(error).__name__}: {error}"
                    logger.debug("sender failed", exc_info=True)
                    break
                if final and not more:
                    break
                if not more:
                    self._sleep(POLL)
        finally:
            self._done.set()
            if self._on_exit is not None:
                self._on_exit()
        if self.error:
            logger.warning(
                "uploading %s stopped: %s; the run goes on locally (upload it later with `wandb-jupyter sync %s`)",
                self.paths.root.name,
                self.error,
                self.paths.root,
            )

    def finish(self, exit_code: int, timeout: float | None = None, *, label: str = "") -> bool:
        """Send everything and the run's end; wait at most ``timeout`` seconds. True when all arrived."""
        self.exit_code = exit_code
        self._finishing = True
        self._wake.set()
        timeout = FINISH_TIMEOUT if timeout is None else timeout
        started = time.monotonic()
        next_progress = started + PROGRESS_AFTER
        try:
            while not self._done.wait(max(0.0, min(next_progress, started + timeout) - time.monotonic())):
                now = time.monotonic()
                if now >= started + timeout:
                    break
                if now >= next_progress:
                    logger.info("%s", self.progress_line(started + timeout - now, label))
                    # a terminal shows the wait go by; a log file or pipe gets the one line
                    next_progress = now + PROGRESS_EVERY if console_is_terminal() else started + timeout
        except KeyboardInterrupt:
            logger.info("upload interrupted")
        if self._done.is_set() and not self.error:
            return True
        self._abandoned = True
        self._wake.set()
        self._done.wait(1.0)  # a thread between requests ends at once (and releases the run's lock)
        return False

    def progress_line(self, remaining: float | None = None, label: str = "") -> str:
        pending = self.pending()
        rows = self.state.stream(HISTORY).lines
        parts = [f"uploading{' ' + label if label else ''}: {rows:,} rows sent"]
        if pending["bytes"]:
            parts.append(f"{_size(pending['bytes'])} of lines to go")
        if pending["files"]:
            parts.append(f"{pending['files']} file(s) ({_size(pending['file_bytes'])}) to go")
        if self.last_error:
            parts.append(f"server not answering: {self.last_error}")
        if remaining is not None:
            parts.append(f"waiting up to {remaining:.0f} s more")
        return ", ".join(parts)

    @property
    def done(self) -> bool:
        return self._done.is_set()
