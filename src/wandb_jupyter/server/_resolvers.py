"""Resolvers of the GraphQL schema.

Root fields are functions registered in ``QUERY`` and ``MUTATION``; object
types are small node classes whose attributes and methods graphql-core's
default resolver reads (a method is called with ``info`` and the field's
arguments), so every field of ``_schema.graphql`` is answered here.
"""

from __future__ import annotations

import errno
import json
import logging
import re
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote

from graphql import GraphQLResolveInfo

from ..rundir._rundir import EVENTS, HISTORY, OUTPUT, SUMMARY, new_run_id
from ._accounts import check_name
from ._context import ClientError, Forbidden, NotFound, Unauthorized, decode_id, encode_id
from ._limits import MAX_CONFIG_KEYS, lone_surrogate, too_long_to_parse, too_many_keys
from ._names import run_display_name
from ._runfiles import NAME_MAX, RunFiles, safe_file_name
from ._storage import Entity, Project, Run, StorageError, User

__all__ = ["QUERY", "MUTATION", "RunNode", "check_project_name", "check_run_name", "run_state", "iso"]

log = logging.getLogger("wandb_jupyter.server")

_RUN_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_PROJECT_BAD = set("/\\#?%:")
TAIL_ROWS = 10
CRASHED_AFTER = 300.0  # seconds without a heartbeat before a running run counts as crashed


def check_project_name(name: str) -> str:
    """``name`` if it is a valid project name (it names a folder on the server: at most NAME_MAX bytes)."""
    if (
        not name
        or len(name) > 128
        or len(name.encode("utf-8", "surrogatepass")) > NAME_MAX
        or name in (".", "..")
        or _PROJECT_BAD & set(name)
        or any(ord(c) < 32 for c in name)
    ):
        raise ClientError(
            f"invalid project name {name!r}: 1 to 128 characters and at most {NAME_MAX} bytes in UTF-8, "
            "none of / \\ # ? % : and not '.' or '..'"
        )
    return name


def _folder_refused(error: OSError) -> Exception:
    """What a run's folder that could not be made answers: a name the file system refuses is the client's
    (400); anything else is the server's (a 500, logged; its message never carries the data path)."""
    if error.errno in (errno.ENAMETOOLONG, errno.EILSEQ, errno.EINVAL):
        return ClientError(
            f"the run's folder cannot be made: its name is not valid on the server's disk "
            f"({error.strerror}; names have at most {NAME_MAX} bytes in UTF-8)"
        )
    return error


def check_run_name(name: str) -> str:
    if not _RUN_NAME.match(name or ""):
        raise ClientError(f"invalid run id {name!r}: 1 to 64 letters, digits, '_' or '-'")
    return name


def iso(when: float | None) -> str | None:
    if when is None:
        return None
    return datetime.fromtimestamp(when, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")


def run_state(run: Run, now: float | None = None) -> str:
    silent_for = (time.time() if now is None else now) - (run.heartbeat_at or 0.0)
    if run.state == "running" and run.heartbeat_at is not None and silent_for > CRASHED_AFTER:
        return "crashed"
    return run.state


def _ctx(info: GraphQLResolveInfo) -> Any:
    return info.context


def _user(info: GraphQLResolveInfo) -> User:
    user = info.context.caller.user
    if user is None:
        raise Unauthorized("an API key is required")
    return user


# -- nodes ------------------------------------------------------------


class UserNode:
    def __init__(self, user: User) -> None:
        self._user = user
        self.id = encode_id("User", user.pk)
        self.name = self.username = user.name
        self.email = user.email
        self.entity = user.entity
        self.admin = user.admin
        self.flags = "{}"

    def teams(self, info: GraphQLResolveInfo, first: int | None = None) -> dict[str, Any]:
        teams = _ctx(info).server.storage.teams_of(self._user)
        return _connection(teams, EntityNode, first)


def _first(items: list[Any], first: int | None) -> list[Any]:
    """The first ``first`` items (all with None); a negative count is the client's mistake, not "all but"."""
    if first is not None and first < 0:
        raise ClientError("'first' must not be negative")
    return items[:first]


def _connection(items: list[Any], node: Any, first: int | None) -> dict[str, Any]:
    """A GraphQL connection ({edges: [{node}]}) of the first ``first`` items."""
    return {"edges": [{"node": node(item)} for item in _first(items, first)]}


class EntityNode:
    def __init__(self, entity: Entity) -> None:
        self._entity = entity
        self.id = encode_id("Entity", entity.pk)
        self.name = entity.name
        self.isTeam = entity.is_team
        self.organization = None

    def projects(self, info: GraphQLResolveInfo, first: int | None = None) -> dict[str, Any]:
        projects = _ctx(info).server.storage.list_projects(self._entity)
        return _connection(projects, ProjectNode, first)


class ProjectNode:
    def __init__(self, project: Project) -> None:
        self._project = project
        self.id = encode_id("Project", project.pk)
        self.name = project.name
        self.entityName = project.entity.name
        self.entity = EntityNode(project.entity)
        self.createdAt = iso(project.created_at)

    def runCount(self, info: GraphQLResolveInfo) -> int:
        return len(_ctx(info).server.storage.list_runs(self._project))

    def bucket(self, info: GraphQLResolveInfo, name: str, missingOk: bool | None = None) -> RunNode | None:
        run = _ctx(info).server.storage.get_run(self._project, name)
        return RunNode(run) if run else None

    run = bucket

    def runs(self, info: GraphQLResolveInfo, first: int | None = None) -> dict[str, Any]:
        runs = _ctx(info).server.storage.list_runs(self._project)
        return _connection(runs, RunNode, first)


class RunNode:
    def __init__(self, run: Run) -> None:
        self._run = run
        self.id = encode_id("Run", run.pk)
        self.name = run.name
        self.displayName = run.display_name
        self.description = run.description
        self.notes = run.notes
        self.config = run.config or "{}"
        self.tags = list(run.tags)
        self.group = run.group_name
        self.jobType = run.job_type
        self.state = run_state(run)
        self.host = run.host
        self.program = run.program
        self.commit = run.commit
        self.sweepName = run.sweep
        self.stopped = run.state == "stopping"
        self.exitcode = run.exit_code
        self.createdAt = iso(run.created_at)
        self.updatedAt = iso(run.updated_at)
        self.heartbeatAt = iso(run.heartbeat_at)

    def _files(self, info: GraphQLResolveInfo) -> RunFiles:
        return _ctx(info).server.files.get(self._run.pk, self._run.dir)

    def project(self, info: GraphQLResolveInfo) -> ProjectNode:
        return ProjectNode(self._run.project)

    def user(self, info: GraphQLResolveInfo) -> UserNode | None:
        user = _ctx(info).server.storage.get_user(self._run.creator) if self._run.creator else None
        return UserNode(user) if user else None

    def summaryMetrics(self, info: GraphQLResolveInfo) -> str:
        return self._files(info).read_text(SUMMARY) or self._run.summary or "{}"

    def wandbConfig(self, info: GraphQLResolveInfo, keys: list[str] | None = None) -> str:
        try:
            block = json.loads(self.config).get("_wandb", {})
            block = block.get("value", {}) if isinstance(block, dict) else {}
        except (ValueError, AttributeError):
            block = {}
        if not isinstance(block, dict):
            block = {}
        return json.dumps({k: v for k, v in block.items() if keys is None or k in keys})

    def historyLineCount(self, info: GraphQLResolveInfo) -> int:
        return self._files(info).line_count(HISTORY)

    def eventsLineCount(self, info: GraphQLResolveInfo) -> int:
        return self._files(info).line_count(EVENTS)

    def logLineCount(self, info: GraphQLResolveInfo) -> int:
        return self._files(info).line_count(OUTPUT)

    def historyTail(self, info: GraphQLResolveInfo) -> str:
        return json.dumps(self._files(info).tail(HISTORY, TAIL_ROWS))

    def eventsTail(self, info: GraphQLResolveInfo) -> str:
        return json.dumps(self._files(info).tail(EVENTS, TAIL_ROWS))

    def files(self, info: GraphQLResolveInfo, names: list[str] | None = None) -> dict[str, Any]:
        run = self._run
        base = _ctx(info).base_url
        edges = []
        for name, size, mtime in self._files(info).list_files():
            if names is not None and name not in names:
                continue
            run_path = f"{quote(run.project.entity.name)}/{quote(run.project.name)}/{quote(run.name)}"
            url = f"{base}/files/{run_path}/{quote(name)}"
            edges.append(
                {
                    "node": {
                        "id": encode_id("File", hash((run.pk, name)) & 0x7FFFFFFF),
                        "name": name,
                        "sizeBytes": size,
                        "updatedAt": iso(mtime),
                        "url": url,
                    }
                }
            )
        return {"edges": edges}


# -- queries ------------------------------------------------------------


def resolve_viewer(_root: Any, info: GraphQLResolveInfo) -> UserNode | None:
    user = info.context.caller.user
    return UserNode(user) if user else None


def resolve_server_info(_root: Any, info: GraphQLResolveInfo) -> dict[str, Any]:
    # No optional server feature of W&B is implemented: the SDK then uses its plain code paths.
    return {"features": []}


def _readable_entity(info: GraphQLResolveInfo, name: str | None) -> Entity | None:
    ctx = info.context
    user = ctx.caller.user
    if name is None:
        if user is None:
            return None
        name = user.entity
    entity = ctx.server.storage.get_entity(name)
    if entity is None or not ctx.server.can_read(user, entity):
        return None
    return entity


def resolve_entity(_root: Any, info: GraphQLResolveInfo, name: str) -> EntityNode | None:
    entity = _readable_entity(info, name)
    return EntityNode(entity) if entity else None


def resolve_project(
    _root: Any, info: GraphQLResolveInfo, name: str | None = None, entityName: str | None = None
) -> ProjectNode | None:
    entity = _readable_entity(info, entityName)
    if entity is None or not name:
        return None
    project = info.context.server.storage.get_project(entity.name, name)
    return ProjectNode(project) if project else None


def resolve_projects(
    _root: Any, info: GraphQLResolveInfo, entityName: str | None = None, first: int | None = None
) -> dict[str, Any] | None:
    entity = _readable_entity(info, entityName)
    if entity is None:
        return None
    projects = info.context.server.storage.list_projects(entity)
    return {"edges": [{"node": ProjectNode(p)} for p in _first(projects, first)]}


QUERY: dict[str, Callable[..., Any]] = {
    "viewer": resolve_viewer,
    "serverInfo": resolve_server_info,
    "entity": resolve_entity,
    "project": resolve_project,
    "model": resolve_project,
    "projects": resolve_projects,
    "models": resolve_projects,
}


# -- mutations ------------------------------------------------------------

_UPSERT_FIELDS = {
    "displayName": "display_name",
    "description": "description",
    "notes": "notes",
    "tags": "tags",
    "groupName": "group_name",
    "jobType": "job_type",
    "config": "config",
    "summaryMetrics": "summary",
    "host": "host",
    "jobProgram": "program",
    "jobRepo": "repo",
    "commit": "commit",
    "state": "state",
    "sweep": "sweep",
}


def _writable_entity(info: GraphQLResolveInfo, name: str | None) -> Entity:
    ctx = info.context
    user = _user(info)
    name = name or user.entity
    entity = ctx.server.storage.get_entity(name)
    if entity is None:
        raise NotFound(f"entity {name!r} does not exist")
    if not ctx.server.can_write(user, entity):
        raise Forbidden(f"user {user.name!r} cannot write to entity {name!r}")
    return entity


def _writable_run_by_id(info: GraphQLResolveInfo, user: User, run_id: str) -> Run:
    """The run of GraphQL id ``run_id`` that ``user`` may write. A run the user may not even read answers
    as a missing one (404, same message): ids are sequential, and a 403 would tell which exist."""
    server = info.context.server
    pk = decode_id("Run", run_id)
    run = server.storage.get_run_by_pk(pk) if pk is not None else None
    if run is None or not server.can_read(user, run.project.entity):
        raise NotFound(f"no run with id {run_id!r}")
    if not server.can_write(user, run.project.entity):
        raise Forbidden(f"user {user.name!r} cannot write to entity {run.project.entity.name!r}")
    return run


def _check_json(value: str | None, what: str, *, wrapped: bool = False) -> None:
    """``value`` must be a JSON object whose text a file can hold (no lone surrogate such as \\ud800), with at
    most MAX_CONFIG_KEYS keys (``wrapped``: W&B's config form, ``{"key": {"value": ...}}``, whose wrappers
    do not count)."""
    if value is None:
        return
    if not isinstance(value, str):  # a JSONString variable given as a list or a number
        raise ClientError(f"{what} must be a string of JSON, not {type(value).__name__}")
    if too_long_to_parse(value):
        raise ClientError(f"{what} has more than {MAX_CONFIG_KEYS} keys (nested keys count too)")
    try:
        parsed = json.loads(value)
    except (ValueError, RecursionError):
        raise ClientError(f"{what} is not valid JSON") from None
    if not isinstance(parsed, dict):
        raise ClientError(f"{what} must be a JSON object")
    if "\\u" in value and lone_surrogate(parsed):
        raise ClientError(f"{what} holds text with a lone surrogate, which cannot be stored")
    if wrapped:
        parsed = {k: v["value"] if isinstance(v, dict) and "value" in v else v for k, v in parsed.items()}
    if too_many_keys(parsed):
        raise ClientError(f"{what} has more than {MAX_CONFIG_KEYS} keys (nested keys count too)")


def resolve_upsert_bucket(_root: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> dict[str, Any]:
    ctx = info.context
    server = ctx.server
    user = _user(info)
    run: Run | None = None
    if input.get("id"):
        run = _writable_run_by_id(info, user, input["id"])
    else:
        entity = _writable_entity(info, input.get("entityName"))
        project = server.storage.ensure_project(entity, check_project_name(input.get("modelName") or "uncategorized"))
        name = check_run_name(input.get("name") or new_run_id())
        run = server.storage.get_run(project, name)
    _check_json(input.get("config"), "config", wrapped=True)
    _check_json(input.get("summaryMetrics"), "summaryMetrics")
    if input.get("tags") is not None and any(not 1 <= len(t) <= 256 for t in input["tags"]):
        raise ClientError("tags must have 1 to 256 characters")
    fields = {column: input[key] for key, column in _UPSERT_FIELDS.items() if input.get(key) is not None}
    if ctx.caller.username:
        fields["username"] = ctx.caller.username
    if ctx.caller.user_email:
        fields["user_email"] = ctx.caller.user_email
    now = time.time()
    fields["updated_at"] = fields["heartbeat_at"] = now
    inserted = run is None
    if run is None:
        server.check_anonymous_runs(project.entity)

        def numbered(number: int) -> dict[str, Any]:
            # the folder is made inside the index's transaction: when it cannot be, no row is committed
            folder = server.files.new_dir(project.entity.name, project.name, name, started=now)
            server.files.make_dir(folder)
            return {"dir": folder, "display_name": run_display_name(number)}

        try:
            run = server.storage.insert_run(project, name, creator=user.name, fields=fields, numbered=numbered)
        except StorageError:  # created by a concurrent request
            run = server.storage.update_run(server.storage.get_run(project, name), fields)
            inserted = False
        except OSError as error:
            raise _folder_refused(error) from None
    else:
        run = server.storage.update_run(run, fields)
    files = server.files.get(run.pk, run.dir)
    if input.get("config") is not None:
        files.write_config(input["config"])
    if input.get("summaryMetrics") is not None:
        files.write_summary(input["summaryMetrics"])
    return {"bucket": RunNode(run), "inserted": inserted, "clientMutationId": input.get("clientMutationId")}


def _run_for_files(info: GraphQLResolveInfo, input: dict[str, Any]) -> Run:
    return info.context.server.writable_run(
        info.context.caller, input["entityName"], input["projectName"], input["runName"]
    )


def resolve_create_run_files(_root: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> dict[str, Any]:
    ctx = info.context
    run = _run_for_files(info, input)
    ctx.server.check_anonymous_bytes(run.project.entity, 0)
    entity, project = run.project.entity.name, run.project.name
    files = []
    for name in input["files"]:
        safe = safe_file_name(name)
        if safe is None or safe != name:
            raise ClientError(f"invalid file name {name!r}")
        query = ctx.server.signer.query(f"{entity}/{project}/{run.name}/{name}")
        url = f"{ctx.base_url}/upload/{quote(entity)}/{quote(project)}/{quote(run.name)}/{quote(name)}?{query}"
        files.append({"name": name, "uploadUrl": url})
    return {
        "runID": encode_id("Run", run.pk),
        "uploadHeaders": [],
        "files": files,
        "clientMutationId": input.get("clientMutationId"),
    }


def resolve_mark_uploaded(_root: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> dict[str, Any]:
    _run_for_files(info, input)
    return {"success": True, "clientMutationId": input.get("clientMutationId")}


def resolve_stop_run(_root: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> dict[str, Any]:
    server = info.context.server
    run = _writable_run_by_id(info, _user(info), input["id"])
    if run.state == "running":
        server.storage.update_run(run, {"state": "stopping"})
    return {"success": True, "clientMutationId": input.get("clientMutationId")}


def resolve_upsert_model(_root: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> dict[str, Any]:
    server = info.context.server
    entity = _writable_entity(info, input.get("entityName"))
    name = check_project_name(input.get("name") or "uncategorized")
    inserted = server.storage.get_project(entity.name, name) is None
    node = ProjectNode(server.storage.ensure_project(entity, name))
    return {"project": node, "model": node, "inserted": inserted, "clientMutationId": input.get("clientMutationId")}


def resolve_create_anonymous_entity(_root: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> dict[str, Any]:
    """A throwaway account whose runs are reachable only through their secret URL (``?apiKey=``); only when
    the admin allows them, a few an hour per client address (:mod:`._anonymous`)."""
    server = info.context.server
    server.anonymous.admit(info.context.remote_ip)
    for _ in range(5):
        name = check_name(f"anony-mouse-{new_run_id()}")
        try:
            user = server.storage.create_user(name, anonymous=True)
            break
        except StorageError:
            continue
    else:  # pragma: no cover - five collisions of 8 random characters
        raise ClientError("could not create an anonymous account")
    key = server.issue_key(user)
    return {
        "apiKey": {"id": encode_id("ApiKey", user.pk), "name": key},
        "clientMutationId": input.get("clientMutationId"),
    }


MUTATION: dict[str, Callable[..., Any]] = {
    "upsertBucket": resolve_upsert_bucket,
    "createRunFiles": resolve_create_run_files,
    "markRunFilesUploaded": resolve_mark_uploaded,
    "stopRun": resolve_stop_run,
    "upsertModel": resolve_upsert_model,
    "createAnonymousEntity": resolve_create_anonymous_entity,
}
