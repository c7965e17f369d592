"""Tornado handlers: the W&B API subset (GraphQL, file_stream, uploads, downloads), health.

The pages (projects, runs, run pages) are the dashboard's (:mod:`wandb_jupyter.dashboard`),
mounted after these routes by :func:`wandb_jupyter.app.make_app`.

The API's work (GraphQL, file_stream, the run files) runs on the server's one API thread
(:attr:`ServerContext.worker`), never on the event loop: ``/health``, uploads' bytes and the
dashboard go on while a costly request runs.

Each handler gets the :class:`ServerContext` and the base path through
``initialize``, so the same classes can be mounted standalone (:mod:`._app`) or
inside jupyter_server (``web_app.add_handlers`` with :func:`handlers`).
"""

from __future__ import annotations

import errno
import json
import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

import tornado.http1connection
import tornado.ioloop
import tornado.web

from ..common._secrets import mask_url
from ..rundir._rundir import MAX_FILE_BYTES, SUMMARY
from ._accounts import parse_basic_auth
from ._artifact_handlers import artifact_handlers
from ._context import Caller, ClientError, ServerContext
from ._graphql import GraphQLRequestContext, run_graphql
from ._limits import MAX_BODY_BYTES, parse_json_body, too_large
from ._runfiles import check_lines, safe_file_name
from ._storage import Run
from ._uploads import TempFileCleanup

__all__ = ["handlers"]

log = logging.getLogger("wandb_jupyter.server")

T = TypeVar("T")
MAX_UPLOAD_BYTES = MAX_FILE_BYTES  # what run.save() accepts
_SEGMENT = r"([^/]+)"


class _BadKey(ClientError):
    status = 401

    def __str__(self) -> str:
        return "invalid API key"


class BaseHandler(tornado.web.RequestHandler):
    server: ServerContext
    base_path: str

    def initialize(self, server: ServerContext, base_path: str = "") -> None:
        self.server = server
        self.base_path = base_path.rstrip("/")

    def check_xsrf_cookie(self) -> None:  # API clients authenticate with keys, not cookies
        return None

    def set_default_headers(self) -> None:
        self.set_header("X-Content-Type-Options", "nosniff")

    @property
    def base_url(self) -> str:
        return f"{self.request.protocol}://{self.request.host}{self.base_path}"

    def caller(self) -> Caller:
        """The caller; a key that is present but unknown ends the request with 401."""
        header = self.request.headers.get("Authorization")
        key = parse_basic_auth(header)
        user = None
        if key is not None:
            user = self.server.user_for_key(key)
        if header and user is None:
            raise _BadKey()
        return Caller(
            user=user,
            username=self.request.headers.get("X-WANDB-USERNAME") or None,
            user_email=self.request.headers.get("X-WANDB-USER-EMAIL") or None,
        )

    def send_json(self, payload: Any, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(payload))

    def send_error_json(self, status: int, message: str) -> None:
        if status == 401:
            self.set_header("WWW-Authenticate", 'Basic realm="wandb-jupyter"')
        self.send_json({"error": message, "errors": [{"message": message}]}, status)

    def json_body(self) -> Any:
        return parse_json_body(self.request.body, self.request.headers.get("Content-Encoding", ""))

    async def in_worker(self, function: Callable[..., T], *args: Any) -> T:
        """``function(*args)`` on the server's API thread (see :attr:`ServerContext.worker`)."""
        return await tornado.ioloop.IOLoop.current().run_in_executor(self.server.worker, function, *args)

    def _handle_client_error(self, error: ClientError) -> None:
        self.send_error_json(error.status, str(error))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self.send_json({"error": self._reason, "errors": [{"message": self._reason}]}, status_code)


@tornado.web.stream_request_body
class BoundedBodyHandler(BaseHandler):
    """Reads the body itself so that one over MAX_BODY_BYTES gets a clear 413, wherever the handler is
    mounted (tornado's own limit is per server, 100 MiB by default, and answers 400).

    ``request.body`` is the body received so far (a bytearray, complete when the method runs).
    """

    def prepare(self) -> None:
        self.request.body = bytearray()  # type: ignore[assignment]  # appended to as chunks arrive
        length = self.request.headers.get("Content-Length")
        if length and length.isdigit() and int(length) > MAX_BODY_BYTES:
            self._handle_client_error(too_large(int(length)))

    def data_received(self, chunk: bytes) -> None:
        if self._finished:
            return  # refused already; tornado reads and drops the rest
        if len(self.request.body) + len(chunk) > MAX_BODY_BYTES:
            self._handle_client_error(too_large(len(self.request.body) + len(chunk)))
            return
        self.request.body += chunk


class GraphQLHandler(BoundedBodyHandler):
    async def post(self) -> None:
        if self._finished:
            return None
        try:
            caller = self.caller()
        except ClientError as error:
            return self._handle_client_error(error)
        context = GraphQLRequestContext(
            server=self.server, caller=caller, base_url=self.base_url, remote_ip=self.request.remote_ip or ""
        )
        status, payload = await self.in_worker(self._answer, context)
        if status == 401:
            self.set_header("WWW-Authenticate", 'Basic realm="wandb-jupyter"')
        self.send_json(payload, status)

    def _answer(self, context: GraphQLRequestContext) -> tuple[int, dict[str, Any]]:
        try:
            body = self.json_body()
        except ClientError as error:
            return error.status, {"error": str(error), "errors": [{"message": str(error)}]}
        return run_graphql(body, context)


class FileStreamHandler(BoundedBodyHandler):
    """``POST /files/{entity}/{project}/{run}/file_stream``: offsets are line numbers."""

    async def post(self, entity: str, project: str, run_name: str) -> None:
        if self._finished:
            return None
        try:
            caller = self.caller()
            answer = await self.in_worker(self._store, caller, entity, project, run_name)
        except ClientError as error:
            return self._handle_client_error(error)
        self.send_json(answer)

    def _store(self, caller: Caller, entity: str, project: str, run_name: str) -> dict[str, Any]:
        """Apply the request to the run's files and index (on the API thread); the answer to send."""
        run = self.server.writable_run(caller, entity, project, run_name)
        self.server.check_anonymous_bytes(run.project.entity, len(self.request.body))
        body = self.json_body()
        entries = self._entries(body)
        exit_code = self._exit_code(body)
        files = self.server.files.get(run.pk, run.dir)
        for name, offset, lines in entries:
            self._apply(files, name, offset, lines)
        fields: dict[str, Any] = {}
        complete = body.get("complete")
        if complete:
            fields.update(state="finished" if exit_code == 0 else "failed", exit_code=exit_code)
        elif body.get("preempting"):
            fields["state"] = "preempting"
        elif entries and run.state not in ("running", "stopping", "preempting"):
            fields.update(state="running", exit_code=None)  # a resumed run streams again
        if fields or self.server.beat(run):
            fields["heartbeat_at"] = fields["updated_at"] = time.time()
            run = self.server.storage.update_run(run, fields)
        if complete:
            files.sync()
            self.server.files.release(run.pk)
        return {"stopped": True} if run.state == "stopping" else {}

    @staticmethod
    def _exit_code(body: dict[str, Any]) -> int:
        """The run's exit code: a 32-bit integer like W&B's (an absent or non-integer one counts as 0)."""
        exit_code = body.get("exitcode")
        if not isinstance(exit_code, int) or isinstance(exit_code, bool):
            return 0
        if not -(1 << 31) <= exit_code < 1 << 31:
            raise ClientError("'exitcode' must be a 32-bit integer")
        return exit_code

    @staticmethod
    def _apply(files: Any, name: str, offset: int, lines: list[str]) -> None:
        """Write one entry; a name the run's folder cannot hold (a folder there, a file as its folder) is 400."""
        try:
            files.apply(name, offset, lines)
        except ValueError:
            raise ClientError(f"invalid file name {name!r}") from None
        except OSError as error:
            if error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
                raise  # the server's disk, not the request: a 500, logged
            raise ClientError(f"cannot write {name!r} in this run: {error.strerror or error}") from None

    @staticmethod
    def _entries(body: Any) -> list[tuple[str, int, list[str]]]:
        if not isinstance(body, dict):
            raise ClientError("the body must be a JSON object")
        files = body.get("files") or {}
        if not isinstance(files, dict):
            raise ClientError("'files' must be an object")
        entries = []
        for name, entry in files.items():
            if safe_file_name(name) != name:
                raise ClientError(f"invalid file name {name!r}")
            if not isinstance(entry, dict):
                raise ClientError(f"files[{name!r}] must be an object")
            offset = entry.get("offset", 0)
            lines = check_lines(entry.get("content", []))
            if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
                raise ClientError(f"files[{name!r}].offset must be a line number")
            if lines is None:
                raise ClientError(f"files[{name!r}].content must be a list of one-line strings")
            if name == SUMMARY and lines and not _is_json_object(lines[-1]):
                raise ClientError(f"files[{name!r}].content must end with the summary as a JSON object")
            entries.append((name, offset, lines))
        return entries


def _is_json_object(text: str) -> bool:
    try:
        return isinstance(json.loads(text), dict)
    except (ValueError, RecursionError):
        return False


@tornado.web.stream_request_body
class UploadHandler(TempFileCleanup, BaseHandler):
    """``PUT /upload/{entity}/{project}/{run}/{name}?exp=..&sig=..``: the signed URLs of CreateRunFiles."""

    _tmp: Any = None

    async def prepare(self) -> None:
        if self.request.method != "PUT":
            return
        entity, project, run_name, name = self.path_args  # already unquoted by tornado's router
        if safe_file_name(name) != name:
            self.send_error_json(400, f"invalid file name {name!r}")
            return
        length = self.request.headers.get("Content-Length", "")
        if length.isdigit() and int(length) > MAX_UPLOAD_BYTES:
            self.send_error_json(413, str(too_large(int(length), MAX_UPLOAD_BYTES, "the file")))
            return
        problem = self.server.signer.check(
            f"{entity}/{project}/{run_name}/{name}",
            self.get_query_argument("exp", None),
            self.get_query_argument("sig", None),
        )
        if problem:
            self.send_error_json(403, problem)
            return
        proj = self.server.storage.get_project(entity, project)
        run = self.server.storage.get_run(proj, run_name) if proj else None
        if run is None:
            self.send_error_json(404, f"run {entity}/{project}/{run_name} does not exist")
            return
        limit = MAX_UPLOAD_BYTES
        if run.project.entity.anonymous:
            try:
                await self.in_worker(self.server.check_anonymous_bytes, run.project.entity, int(length or 0))
            except ClientError as error:
                self._handle_client_error(error)
                return
            limit = min(limit, self.server.anonymous.max_bytes)
        self._files = await self.in_worker(self.server.files.get, run.pk, run.dir)
        self._name = name
        try:
            _, tmp = self._files.upload_target(name)
            self._handle = open(tmp, "wb")
        except ValueError:  # resolves outside the run's files (a symbolic link there)
            self.send_error_json(400, f"invalid file name {name!r}")
            return
        except OSError as error:
            if error.errno in (errno.ENOSPC, errno.EDQUOT):
                raise
            self.send_error_json(400, f"cannot store {name!r} in this run: {error.strerror or error}")
            return
        connection = self.request.connection
        assert isinstance(connection, tornado.http1connection.HTTP1Connection), "streamed bodies come over HTTP/1"
        connection.set_max_body_size(limit)
        self._tmp = tmp
        self._size = 0

    def data_received(self, chunk: bytes) -> None:
        if self._tmp is not None:
            self._handle.write(chunk)
            self._size += len(chunk)

    def put(self, *_args: str) -> None:
        self._handle.close()
        try:
            self._files.commit_upload(self._name, self._tmp)
        except OSError as error:  # a folder of that name is in the way
            if error.errno in (errno.ENOSPC, errno.EDQUOT):
                raise
            return self.send_error_json(400, f"cannot store {self._name!r} in this run: {error.strerror or error}")
        self._tmp = None
        self.set_status(200)
        self.finish()


class DownloadHandler(BaseHandler):
    """``GET /files/{entity}/{project}/{run}/{name}``: a stored file, for readers of the entity."""

    async def get(self, entity: str, project: str, run_name: str, name: str) -> None:
        run = self._readable_run(entity, project, run_name)
        if run is None:
            return None
        try:
            files = await self.in_worker(self.server.files.get, run.pk, run.dir)
            path = files.path_of(name)
        except ValueError:
            return self.send_error_json(400, f"invalid file name {name!r}")
        if not path.is_file():
            return self.send_error_json(404, f"no file {name!r}")
        self.set_header("Content-Type", "application/octet-stream")
        with open(path, "rb") as handle:
            while chunk := handle.read(1 << 20):
                self.write(chunk)
                await self.flush()  # a chunk at a time: the file is never held whole, other clients go on
        self.finish()

    def _readable_run(self, entity: str, project: str, run_name: str) -> Run | None:
        try:
            caller = self.caller()
        except ClientError as error:
            self._handle_client_error(error)
            return None
        user = caller.user
        secret = self.get_query_argument("apiKey", None)
        if user is None and secret:
            user = self.server.user_for_key(secret)
        found = self.server.storage.get_entity(entity)
        if found is None or not self.server.can_read(user, found):
            self.send_error_json(404 if user else 401, "not found" if user else "an API key is required")
            return None
        proj = self.server.storage.get_project(entity, project)
        run = self.server.storage.get_run(proj, run_name) if proj else None
        if run is None:
            self.send_error_json(404, f"run {entity}/{project}/{run_name} does not exist")
        return run


class HealthHandler(BaseHandler):
    def get(self) -> None:
        from ..common._package_version import __version__

        self.send_json({"status": "ok", "version": __version__})


class NotFoundHandler(BaseHandler):
    """Everything else: 404, logged at debug so unknown client calls show up in the server log."""

    def prepare(self) -> None:
        log.debug("no route: %s %s", self.request.method, mask_url(self.request.uri))
        self.send_error_json(404, f"no such endpoint: {self.request.method} {self.request.path}")


def handlers(server: ServerContext, base_path: str = "") -> list[tuple[str, type, dict[str, Any]]]:
    """Routes for ``tornado.web.Application`` (or jupyter_server's ``web_app.add_handlers``)."""
    base = base_path.rstrip("/")
    kwargs = {"server": server, "base_path": base}
    s = _SEGMENT
    return [
        (rf"{base}/graphql", GraphQLHandler, kwargs),
        (rf"{base}/health", HealthHandler, kwargs),
        (rf"{base}/files/{s}/{s}/{s}/file_stream", FileStreamHandler, kwargs),
        (rf"{base}/upload/{s}/{s}/{s}/(.+)", UploadHandler, kwargs),
        (rf"{base}/files/{s}/{s}/{s}/(.+)", DownloadHandler, kwargs),
        *artifact_handlers(base, kwargs),
    ]
