"""What ``init()`` asks the server for an online run, and the run's sender.

:func:`connect` runs before the run directory exists: it finds the API key
(or an anonymous one), asks ``Viewer`` who that is (the default entity),
``ServerFeaturesQuery`` once, and for an explicit run id ``RunResumeStatus``,
which decides resuming (never / allow / must / auto) together with the local
run directories. :meth:`OnlineRun.start` then creates the run on the server
(UpsertBucket, with its config) and starts the :class:`~._sender.Sender`
thread; :meth:`OnlineRun.finish` flushes it with a bounded wait.

A server that does not answer at ``init()`` does not stop the run: it is
recorded locally, a warning says so, and the sender creates it on the server
and catches up once the server answers. Resuming then relies on the local run
directories alone.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ..common._errors import UsageError
from ..common._logging import logger
from ..common._secrets import mask, mask_url
from ..common._share import VIEW_PARAM, view_token
from ..core._metrics import recorded_metrics
from ..core._resume import ResumedState, ResumePlan, load_state, recorded_auto_id
from ..rundir._rundir import EVENTS, HISTORY, METADATA, OUTPUT, RunPaths, count_lines, find_run
from ..settings import ResolvedSettings
from . import _sender
from ._api import Api, ApiError, AuthError, RetryableError
from ._auth import (
    ANONYMOUS_LOGIN,
    KeySource,
    describe,
    missing_key_message,
    read_netrc_entry,
    resolve_key,
    write_netrc_key,
)
from ._sender import Sender
from ._syncstate import RunLock, StreamOffset, SyncState

__all__ = ["connect", "OnlineRun", "upsert_variables", "masked_url"]

#: (connect, read) timeout of init's requests: a server that does not answer soon is treated as down.
INIT_TIMEOUT = (5.0, 20.0)


def init_timeout(settings: Any) -> tuple[float, float]:
    """(connect, read) seconds for init's requests: the ``init_timeout`` setting (W&B's name) reads."""
    seconds = float(getattr(settings, "init_timeout", None) or INIT_TIMEOUT[1])
    return (min(INIT_TIMEOUT[0], seconds), seconds)


_EXPLICIT = ("global file", "workspace file", "env", "init")


def masked_url(url: str | None) -> str | None:
    """A run URL fit for logs: the view token of an anonymous run's shared URL masked."""
    return mask_url(url) if url else url


def _interactive() -> bool:
    from ..common._ipython import in_kernel

    try:
        return sys.stdin is not None and sys.stdin.isatty() and not in_kernel()
    except (AttributeError, ValueError):
        return False


def _prompt_for_key(settings: ResolvedSettings) -> str | None:
    """Ask on the terminal; an empty answer means "keep this run offline"."""
    import getpass

    from ..common._browser import app_url

    try:
        answer = getpass.getpass(
            f"wandb: no API key for {settings.base_url}. Paste one (see {app_url(settings.base_url)}"
            "/authorize, or `wandb-jupyter server user add` for a local server), "
            "or press Enter to keep this run offline: "
        )
    except (EOFError, KeyboardInterrupt):
        return None
    return answer.strip() or None


def _anonymous_key(settings: ResolvedSettings) -> KeySource:
    """The anonymous account's key in .netrc, else a new one from the server (kept in .netrc if the host has none)."""
    entry = read_netrc_entry(settings.base_url)
    if entry and entry.get("login") == ANONYMOUS_LOGIN:
        return KeySource(entry["password"], "an anonymous account (.netrc)", anonymous=True)
    api = Api(settings.base_url, "", timeout=init_timeout(settings))
    try:
        key = api.create_anonymous_key(timeout=init_timeout(settings))
    except ApiError as error:
        raise UsageError(
            f"WANDB_ANONYMOUS={settings.anonymous}: {settings.base_url} did not create an anonymous account ({error})"
        ) from None
    finally:
        api.close()
    if entry is None:  # never replace a user's own key
        write_netrc_key(settings.base_url, key, login=ANONYMOUS_LOGIN)
    return KeySource(key, "a new anonymous account", anonymous=True)


def _find_key(settings: ResolvedSettings) -> KeySource | None:
    """The key per WANDB_ANONYMOUS and the usual order; None means: go offline (the user chose so)."""
    if settings.anonymous == "must":
        return _anonymous_key(settings)
    found = resolve_key(settings)
    if found is not None:
        return found
    if settings.anonymous == "allow":
        return _anonymous_key(settings)
    if _interactive() and not settings.silent:
        key = _prompt_for_key(settings)
        if key is None:
            return None
        path = write_netrc_key(settings.base_url, key)
        logger.info("stored the key %s for %s in %s", mask(key), settings.base_url, path)
        return KeySource(key, str(path))
    raise UsageError(missing_key_message(settings.base_url, settings.config_dir))


def _bucket_state(bucket: dict[str, Any]) -> ResumedState:
    """Step, runtime, name, config and summary of a run as RunResumeStatus describes it."""

    def load(text: Any, default: Any) -> Any:
        try:
            value = json.loads(text) if isinstance(text, str) else text
        except ValueError:
            return default
        return value if isinstance(value, type(default)) else default

    summary = load(bucket.get("summaryMetrics"), {})
    wandb_block = summary.pop("_wandb", {}) if isinstance(summary.get("_wandb"), dict) else {}
    full_config = load(bucket.get("config"), {})
    config = {
        k: (v.get("value") if isinstance(v, dict) and "value" in v else v)
        for k, v in full_config.items()
        if k != "_wandb"
    }
    last: dict[str, Any] = {}
    for line in reversed(load(bucket.get("historyTail"), [])):
        row = load(line, {})
        if isinstance(row.get("_step"), int):
            last = row
            break
    count = int(bucket.get("historyLineCount") or 0)
    step = last["_step"] + 1 if last else count
    runtimes = [
        value
        for value in (last.get("_runtime"), summary.get("_runtime"), wandb_block.get("runtime"))
        if isinstance(value, (int, float))
    ]
    return ResumedState(
        step=step,
        runtime=float(max(runtimes, default=0.0)),
        name=bucket.get("displayName"),
        config=config,
        summary=summary,
        metrics=recorded_metrics(full_config),
    )


def _local_has_server_rows(paths: RunPaths, bucket: dict[str, Any]) -> bool:
    """Does this local directory hold every history row the server has (so it can go on from it)?"""
    state = SyncState.load(paths.sync_state)
    held = state.stream(HISTORY).base + count_lines(paths.file(HISTORY))
    return held >= int(bucket.get("historyLineCount") or 0)


def upsert_variables(
    metadata: dict[str, Any], *, run_id: str, project: str | None, entity: str | None
) -> dict[str, Any]:
    """UpsertBucket's variables (but config) from a run's ``wandb-metadata.json``."""
    git: dict[str, Any] = metadata["git"] if isinstance(metadata.get("git"), dict) else {}
    tags = metadata.get("tags")
    return {
        "name": run_id,
        "project": project,
        "entity": entity,
        "displayName": metadata.get("name") or None,
        "notes": metadata.get("notes") or None,
        "tags": list(tags) if tags else None,
        "groupName": metadata.get("group") or None,
        "jobType": metadata.get("jobType") or None,
        "sweep": metadata.get("sweep") or None,
        "host": metadata.get("host") or None,
        "program": metadata.get("program") or None,
        "commit": git.get("commit") or None,
        "repo": git.get("remote") or None,
    }


def read_metadata(paths: RunPaths) -> dict[str, Any]:
    try:
        data = json.loads(paths.file(METADATA).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


class OnlineRun:
    """The server side of one online run: created by :func:`connect`, started with the Run."""

    def __init__(
        self,
        settings: ResolvedSettings,
        api: Api | None,
        key: KeySource | None,
        *,
        reachable: bool,
        plan: ResumePlan,
        resumed: ResumedState,
        bases: dict[str, int] | None,
    ) -> None:
        self.settings = settings
        self.api = api
        self.key = key
        self.reachable = reachable
        self.plan = plan
        self.resumed = resumed
        self.bases = bases
        self.run: Any = None
        self.sender: Sender | None = None
        self._lock: RunLock | None = None

    @property
    def offline(self) -> bool:
        return self.api is None

    # -- URLs ------------------------------------------------------------
    def url_for(self, entity: str | None, project: str, run_id: str) -> str | None:
        if not entity:
            return None
        from ..common._browser import app_url

        url = f"{app_url(self.settings.base_url)}/{quote(entity, safe='')}/{quote(project, safe='')}/runs/{run_id}"
        if self.key is not None and self.key.anonymous:
            # anonymous runs are reachable by this secret URL only; it carries a read-only token, never the key
            url += f"?{VIEW_PARAM}={view_token(self.key.key)}"
        return url

    @property
    def url(self) -> str | None:
        return self.url_for(self.settings.entity if self.reachable else None, self.settings.project, self.plan.run_id)

    # -- the run ------------------------------------------------------------
    def _variables(self) -> dict[str, Any]:
        run = self.run
        state = self.sender.state if self.sender else None
        return upsert_variables(
            read_metadata(run.paths),
            run_id=run.id,
            project=(state and state.project) or run.settings.project,
            entity=(state and state.entity) or (run.settings.entity if self.reachable else None),
        )

    def _config(self) -> str:
        run = self.run
        body: dict[str, Any] = {key: {"value": value} for key, value in run.config.as_dict().items()}
        body["_wandb"] = {"value": dict(run._wandb_block)}
        return json.dumps(body, separators=(",", ":"))

    def _created(self, bucket: dict[str, Any]) -> None:
        """The server answered UpsertBucket: now the run has a page (late, if the server was down at init)."""
        state = self.sender.state if self.sender else None
        if state is not None and self.run is not None and self.run.url is None:
            self.run._url = self.url_for(state.entity, state.project or self.settings.project, self.run.id)
            if self.run._url:
                logger.info("the server answers again; run page: %s", masked_url(self.run._url))

    def start(self, run: Any) -> None:
        """Create the run on the server (bounded wait) and start sending its directory."""
        self.run = run
        run._online = self
        self._lock = RunLock(run.paths.root)
        if not self._lock.acquire():
            logger.warning(
                "another process is uploading %s; this session keeps it locally (finish, then `wandb-jupyter sync %s`)",
                run.paths.root,
                run.paths.root,
            )
            self._lock = None
            return
        state = SyncState.load(run.paths.sync_state)
        entity = run.settings.entity if self.reachable else None
        if (
            state.base_url not in (None, self.settings.base_url)
            or state.run_id not in (None, run.id)
            or state.project not in (None, run.settings.project)
            or state.entity not in (None, entity or state.entity)
        ):
            state.forget_server()  # the same folder now goes to another server or project: send it all there
        for name, base in (self.bases or {}).items():
            state.streams[name] = StreamOffset(base=base)
        state.base_url = self.settings.base_url
        state.project = run.settings.project
        state.run_id = run.id
        state.entity = entity or state.entity
        state.created = False  # UpsertBucket again: fields and config of this session
        state.complete = False
        state.save()
        assert self.api is not None, "start() of a run that stayed offline"
        self.sender = Sender(
            self.api,
            run.paths,
            state,
            variables=self._variables,
            config=self._config,
            ignore_globs=self.settings.ignore_globs,
            on_created=self._created,
            on_exit=self.close,
        )
        if self.reachable:
            try:
                self.sender.ensure_created()
            except RetryableError as error:
                logger.warning("%s; the run goes on locally and is uploaded when the server answers", error)
            except ApiError as error:
                self.close()
                raise UsageError(
                    f"{self.settings.base_url} refused to create run {run.id} in "
                    f"{run.settings.entity}/{run.settings.project}: {error}"
                ) from None
        self.sender.start()

    def finish(self, exit_code: int) -> bool:
        """Flush to the server (bounded wait); leave what is unsent for ``wandb-jupyter sync``."""
        sender = self.sender
        if sender is None:
            self.close()
            return False
        complete = sender.finish(exit_code, _sender.FINISH_TIMEOUT, label=f"to {self.settings.base_url}")
        root = self.run.paths.root
        if complete:
            logger.debug("run %s uploaded in %d requests", self.run.id, sender.requests)
        elif not sender.error:
            pending = sender.pending()
            what = []
            rows = self.run._history.lines - sender.state.stream(HISTORY).lines
            if rows > 0:
                what.append(f"{rows:,} rows")
            elif pending["bytes"]:
                what.append("console lines and system metrics")
            if pending["files"]:
                what.append(f"{pending['files']} file(s)")
            reason = f" ({sender.last_error})" if sender.last_error else ""
            logger.warning(
                "the server did not take everything within %g s%s: %s not uploaded yet, kept in %s; "
                "upload with `wandb-jupyter sync %s`",
                _sender.FINISH_TIMEOUT,
                reason,
                " and ".join(what) or "the run's end",
                root,
                root,
            )
        return complete

    def wake(self) -> None:
        """The run has a notice (an alert) for the server: send it now rather than at the next poll."""
        if self.sender is not None:
            self.sender.wake()

    def close(self) -> None:
        """Release the run's lock and connections (the sender thread calls this when it ends)."""
        if self._lock is not None:
            self._lock.release()
            self._lock = None
        if self.api is not None:
            self.api.close()


def _offline(settings: ResolvedSettings) -> OnlineRun:
    from ..settings._origin import Origin

    offline = settings.replace("mode", "offline", Origin(kind="init", detail="chosen at the API key prompt"))
    return OnlineRun(
        offline, None, None, reachable=False, plan=ResumePlan("", None), resumed=ResumedState(), bases=None
    )


def connect(settings: ResolvedSettings, wandb_dir: Path) -> OnlineRun:
    """Key, viewer and resume decision for an online ``init()``; clear errors for what cannot work.

    The returned run's ``settings`` has the entity filled from the server when
    none was chosen; its ``offline`` is True when the user chose to stay offline.
    """
    from ..settings._origin import Origin

    key = _find_key(settings)
    if key is None:
        return _offline(settings)
    api = Api(
        settings.base_url,
        key.key,
        username=settings.username,
        user_email=settings.user_email,
        timeout=init_timeout(settings),
    )
    reachable = True
    try:
        viewer = api.viewer()
        if not viewer:
            raise AuthError("Viewer: no user for this key")
    except AuthError:
        api.close()
        raise UsageError(
            f"{settings.base_url} refused the API key {describe(key)}; check it with "
            f"`wandb-jupyter login --verify`, or replace it with `wandb-jupyter login --relogin`"
        ) from None
    except RetryableError as error:
        reachable = False
        viewer = None
        logger.warning(
            "%s; the run is recorded locally and uploaded when the server answers (or with `wandb-jupyter sync`)", error
        )
    except ApiError as error:
        api.close()
        raise UsageError(
            f"{settings.base_url} does not answer like a W&B server ({error}); check WANDB_BASE_URL"
        ) from None
    if reachable:
        try:
            api.server_features()
        except ApiError as error:
            logger.debug("ServerFeaturesQuery: %s", error)
        if settings.origin("entity").kind not in _EXPLICIT and viewer and viewer.get("entity"):
            settings = settings.replace(
                "entity", viewer["entity"], Origin(kind="detected", detail="the server's viewer")
            )
    api.timeout = (5.0, 60.0)
    plan, resumed, bases = _plan_resume(settings, wandb_dir, api if reachable else None)
    return OnlineRun(settings, api, key, reachable=reachable, plan=plan, resumed=resumed, bases=bases)


ResumeOutcome = tuple[ResumePlan, ResumedState, "dict | None"]


def _plan_resume(settings: ResolvedSettings, wandb_dir: Path, api: Api | None) -> ResumeOutcome:
    """Resume against the server and the local run directories (see the module docstring)."""
    from ..rundir._rundir import new_run_id

    mode = settings.resume
    run_id = settings.run_id
    if mode == "auto":
        run_id = run_id or recorded_auto_id(wandb_dir)
    if mode == "must" and not run_id:
        raise UsageError("resume='must' needs a run id: set WANDB_RUN_ID or pass init(id=...)")
    if not run_id:
        return ResumePlan(new_run_id(), None), ResumedState(), None
    local = find_run(wandb_dir, run_id)
    bucket, api = _server_bucket(settings, run_id, api)
    if mode == "never":
        _refuse_existing(settings, run_id, local, bucket)
        return ResumePlan(run_id, None), ResumedState(), None
    if bucket is None:
        if mode == "must" and local is None:
            _refuse_missing(settings, run_id, wandb_dir, asked_server=api is not None)
        return ResumePlan(run_id, local), (load_state(local) if local else ResumedState()), None
    return _continue_server_run(run_id, local, bucket)


def _server_bucket(settings: ResolvedSettings, run_id: str, api: Api | None) -> tuple[dict | None, Api | None]:
    """The server's record of the run (None: none), and the api (None when the server did not answer)."""
    if api is None:
        return None, None
    try:
        return api.run_resume_status(settings.entity, settings.project, run_id, timeout=init_timeout(settings)), api
    except RetryableError as error:
        logger.warning("%s; resuming from the local run directories only", error)
        return None, None
    except ApiError as error:
        where = f"{settings.entity}/{settings.project}"
        raise UsageError(f"cannot ask {settings.base_url} about run {run_id!r} in {where}: {error}") from None


def _refuse_existing(settings: ResolvedSettings, run_id: str, local: RunPaths | None, bucket: dict | None) -> None:
    """resume='never' on a run that exists, here or on the server."""
    if local is not None:
        raise UsageError(
            f"run {run_id!r} already exists in {local.root}; continue it with resume='allow' or "
            f"'must' (WANDB_RESUME), or choose another id"
        )
    if bucket is not None:
        raise UsageError(
            f"run {run_id!r} already exists on {settings.base_url} in {settings.entity}/{settings.project}; "
            f"continue it with resume='allow' or 'must' (WANDB_RESUME), or choose another id"
        )


def _refuse_missing(settings: ResolvedSettings, run_id: str, wandb_dir: Path, *, asked_server: bool) -> None:
    """resume='must' on a run that exists nowhere."""
    place = (
        f"on {settings.base_url} in {settings.entity}/{settings.project}"
        if asked_server
        else f"under {wandb_dir} (and {settings.base_url} did not answer)"
    )
    raise UsageError(f"resume='must' but no run {run_id!r} exists {place}")


def _continue_server_run(run_id: str, local: RunPaths | None, bucket: dict) -> ResumeOutcome:
    """The server has the run: continue the local directory that holds its rows, or a fresh one after them."""
    remote = _bucket_state(bucket)
    if local is not None and _local_has_server_rows(local, bucket):
        here = load_state(local)
        resumed = here._replace(step=max(here.step, remote.step), runtime=max(here.runtime, remote.runtime))
        return ResumePlan(run_id, local), resumed, None
    # a fresh local directory that continues the server's run: its lines go after the server's
    bases = {
        HISTORY: int(bucket.get("historyLineCount") or 0),
        EVENTS: int(bucket.get("eventsLineCount") or 0),
        OUTPUT: int(bucket.get("logLineCount") or 0),
    }
    return ResumePlan(run_id, None), remote, bases
