"""The run: logging, config, summary, files and finishing.

A run writes its own run directory (no service process): ``log()`` encodes a
row and appends it with one ``write(2)``; config and summary are rewritten
atomically; system metrics and slow one-off work (requirements, code copy)
happen on background threads so ``init()`` and ``log()`` stay fast.
"""

from __future__ import annotations

import glob as _glob
import logging
import operator
import os
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from ..common import _logging
from ..common._errors import SettingsError, UsageError
from ..common._logging import detach_file, internal_error, logger, warn_once
from ..common._yaml import dump_config
from ..rundir._rundir import (
    CONFIG,
    HISTORY,
    MAX_FILE_BYTES,
    MAX_ROW_BYTES,
    OUTPUT,
    REQUIREMENTS,
    SUMMARY,
    JsonlAppender,
    RunPaths,
    fsync_dir,
    last_jsonl_row,
    write_atomic,
)
from ..settings import ResolvedSettings
from ._config import Config, Summary, config_from
from ._serialize import encode_logged_row, encode_row, summary_media

if TYPE_CHECKING:  # collaborators imported when the run starts them, named here for the types only
    from ._console import ConsoleCapture
    from ._metrics import MetricDefinitions
    from ._system import SystemMonitor


class OnlineSide(Protocol):
    """What a run needs of its server side (the online layer's OnlineRun, which attaches itself)."""

    def wake(self) -> None: ...

    def finish(self, exit_code: int) -> bool: ...


__all__ = ["Run", "DisabledRun"]

#: Seconds between two rewrites of wandb-summary.json while logging.
SUMMARY_INTERVAL = 2.0


class Run:
    """One tracked run. Create it with :func:`wandb_jupyter.init`."""

    def __init__(
        self,
        *,
        settings: ResolvedSettings,
        paths: RunPaths,
        run_id: str,
        name: str,
        started: float,
        step: int = 0,
        runtime_offset: float = 0.0,
        config: Mapping[str, Any] | None = None,
        summary: Mapping[str, Any] | None = None,
        resumed: bool = False,
        wandb_block: Mapping[str, Any] | None = None,
        url: str | None = None,
    ) -> None:
        self.settings = settings
        self.paths = paths
        self._id = run_id
        self._name = name
        self.start_time = started
        self.resumed = resumed
        self._url = url
        self._t0 = time.monotonic() - runtime_offset
        self._step = step
        self._pending: dict[str, Any] = {}
        # Re-entrant: a SIGTERM handler (``_exit``) finishes the run in the main thread, maybe inside a log().
        self._lock = threading.RLock()
        self._finished = False
        self._exit_code: int | None = None
        self._broken = False  # a write of the run's files failed: logging has stopped (see _storage_failed)
        self._broken_lock = threading.RLock()
        self._wandb_block = dict(wandb_block or {})
        self._summary_written = time.monotonic()
        self.summary = Summary(summary, on_change=self._write_summary, media=self._summary_media)
        self._summary_data: dict[str, Any] = self.summary._data  # log() updates it without conversion
        self._config = Config(config, on_change=self._write_config)
        self._metric_defs: MetricDefinitions | None = None  # after the first define_metric()
        self._history = JsonlAppender(paths.file(HISTORY)).open()
        self._files_dir = paths.files  # built once: a Path join per log() was a third of its cost
        self._saved: list[tuple[Path, Path, str]] = []
        self._monitor: SystemMonitor | None = None
        self._capture: ConsoleCapture | None = None
        self._online: OnlineSide | None = None  # online runs: attached by the online layer
        self._finish_callbacks: list[Callable[[], None]] = []  # after the last upload: displays, messages
        # before the last upload: higher layers (the notebook's session history) write run files here
        self._finish_file_writers: list[Callable[[], None]] = []

    # identity ---------------------------------------------------------------
    @property
    def id(self) -> str:
        return self._id

    @property
    def name(self) -> str:
        return self._name

    @name.setter
    def name(self, value: str) -> None:
        from ._metadata import write_metadata

        if not isinstance(value, str) or not value:
            raise UsageError("run.name must be a non-empty string")
        self._name = value
        write_metadata(self)

    @property
    def project(self) -> str:
        return self.settings.project

    @property
    def entity(self) -> str | None:
        return self.settings.entity

    @property
    def notes(self) -> str | None:
        return self.settings.notes

    @notes.setter
    def notes(self, value: str | None) -> None:
        self._set_run_field("notes", "notes", value)

    @property
    def tags(self) -> tuple[str, ...]:
        return self.settings.tags

    @tags.setter
    def tags(self, value: Any) -> None:
        if isinstance(value, str):  # W&B takes any sequence; a bare string is one tag, not its letters
            value = [value]
        try:
            self._set_run_field("tags", "tags", tuple(value or ()))
        except SettingsError as error:  # as W&B: a bad tag at run time is a warning, the tags stay as they were
            logger.warning("invalid tag: %s; tags not updated", error)

    @property
    def group(self) -> str | None:
        return self.settings.run_group

    @group.setter
    def group(self, value: str | None) -> None:
        self._set_run_field("run_group", "group", value)

    @property
    def job_type(self) -> str | None:
        return self.settings.job_type

    @job_type.setter
    def job_type(self, value: str | None) -> None:
        self._set_run_field("job_type", "job_type", value)

    def _set_run_field(self, setting: str, attribute: str, value: Any) -> None:
        """A run field changed after init: kept in wandb-metadata.json, which the online sender
        watches (it sends UpsertBucket again with the new value)."""
        from ..settings import BY_NAME, Origin
        from ..settings._origin import INIT, parse
        from ._metadata import write_metadata

        if self._finished:
            raise UsageError(f"run.{attribute} cannot change: the run is finished")
        origin = Origin(kind=INIT, detail=f"run.{attribute} = ...")
        parsed = parse(BY_NAME[setting], value, origin) if value is not None else None
        self.settings = self.settings.replace(setting, parsed.value if parsed is not None else None, origin)
        write_metadata(self)

    @property
    def config(self) -> Config:
        return self._config

    @config.setter
    def config(self, value: Any) -> None:
        """``run.config = {...}`` replaces the config's keys (W&B's Run has no such setter)."""
        self._config.replace(config_from(value, "run.config = ..."))

    @property
    def mode(self) -> str:
        return self.settings.mode

    @property
    def offline(self) -> bool:
        return self.settings.mode == "offline"

    @property
    def disabled(self) -> bool:
        return False

    @property
    def dir(self) -> str:
        """The run's ``files`` folder: put files here to keep them with the run."""
        return str(self.paths.files)

    @property
    def url(self) -> str | None:
        """The run's page, or None while the run has none (offline runs)."""
        return self._url

    @property
    def path(self) -> str:
        return f"{self.entity}/{self.project}/{self.id}"

    @property
    def step(self) -> int:
        """The step the next committed ``log()`` will get."""
        return self._step

    @property
    def finished(self) -> bool:
        return self._finished

    @property
    def exit_code(self) -> int | None:
        return self._exit_code

    def __repr__(self) -> str:
        state = "finished" if self._finished else "running"
        return f"<Run {self._name!r} id={self._id} {self.mode} {state} dir={self.paths.root}>"

    # logging ----------------------------------------------------------------
    def log(self, data: Mapping[str, Any], step: int | None = None, commit: bool | None = None) -> None:
        """Record ``data`` at the current step.

        Without ``step``, each call is a new step unless ``commit=False``, which
        keeps the values for the next committed call. With ``step``, values
        accumulate at that step until a higher step (or ``commit=True``);
        a step lower than the current one is ignored with a warning.
        A row is on disk (safe from a process crash) when this returns.
        """
        if self._finished:
            warn_once(f"log-finished-{self._id}", f"run {self._name} is finished; log() calls are ignored")
            return
        if type(data) is not dict and not isinstance(data, Mapping):
            raise UsageError(f"log() takes a dict of values, not {type(data).__name__}")
        with self._lock:
            if step is None and commit is None and not self._pending:
                self._commit(dict(data))  # the common case: one call, one row
                return
            if step is not None:
                step = self._check_step(step)
                if step < self._step:
                    warn_once(
                        f"step-{self._id}",
                        f"log(step={step}) is below the current step {self._step}; "
                        "those values were ignored (steps must not decrease)",
                    )
                    return
                if step > self._step:
                    if self._pending:
                        self._commit_pending()
                    self._step = step
                commit = bool(commit)
            elif commit is None:
                commit = True
            self._pending.update(data)
            if commit:
                self._commit_pending()

    @staticmethod
    def _check_step(step: Any) -> int:
        if isinstance(step, bool):
            raise UsageError("log(step=...) must be an integer, not a bool")
        try:
            step = operator.index(step)
        except TypeError:
            raise UsageError(f"log(step=...) must be an integer, not {type(step).__name__}") from None
        if step < 0:
            raise UsageError(f"log(step={step}) must not be negative")
        return step

    def _commit_pending(self) -> None:
        row, self._pending = self._pending, {}
        self._commit(row)

    def _commit(self, row: dict[str, Any]) -> None:
        """Write ``row`` as the current step; an unencodable row raises and leaves nothing behind."""
        clock = time.monotonic()
        row["_step"] = self._step
        row["_runtime"] = clock - self._t0
        row["_timestamp"] = time.time()
        metric_defs = self._metric_defs
        if metric_defs is not None:
            metric_defs.complete_row(row)
        try:
            line, row, media = encode_logged_row(row, self._files_dir, self._step)  # media files first, fsynced
        except OSError as error:  # a media file could not be written: the disk is full (see _storage_failed)
            self._storage_failed(self._files_dir / "media", error)
            self._step += 1
            return
        if len(line) > MAX_ROW_BYTES:
            if media is not None:
                media.discard()
            _refuse_row_size(len(line))
        if media is not None and media.config:
            self._add_media_config(media.config)
        if self._broken:
            self._step += 1
            return
        try:
            self._history.append_encoded(line)
        except OSError as error:
            self._storage_failed(self._history.path, error)
            self._step += 1
            return
        self._summarize(row)
        self._step += 1
        if clock - self._summary_written > SUMMARY_INTERVAL:
            self._write_summary()

    def _add_media_config(self, sections: dict[str, dict[str, Any]]) -> None:
        """What data types keep in config.yaml's ``_wandb`` block: chart specs (``visualize``), class labels."""
        for section, values in sections.items():
            self._wandb_block.setdefault(section, {}).update(values)
        self._write_config()

    def _summary_media(self, key: str, value: Any) -> Any:
        """A data type set in the summary, stored under files/media; None when the disk took no more."""
        try:
            converted, media = summary_media(key, value, self.paths.files)
        except OSError as error:
            self._storage_failed(self.paths.files / "media", error)
            return None
        if media.config:
            self._add_media_config(media.config)
        return converted

    def _summarize(self, row: dict[str, Any]) -> None:
        if self._metric_defs is None:
            self._summary_data.update(row)
        else:
            self._metric_defs.summarize(row, self._summary_data)

    def define_metric(
        self,
        name: str,
        step_metric: Any = None,
        step_sync: bool | None = None,
        hidden: bool | None = None,
        summary: str | None = None,
        overwrite: bool | None = None,
        goal: str | None = None,
    ) -> Any:
        """How ``name`` (or a glob like ``train/*``) is summarised and plotted; see :mod:`._metrics`.

        Recorded in config.yaml's ``_wandb.m`` as W&B records it; the summary follows it from
        the next ``log()`` on.
        """
        from ._metrics import MetricDefinitions, parse_definition

        metric = parse_definition(name, step_metric, step_sync, hidden, summary, goal)
        with self._lock:
            if self._metric_defs is None:
                self._metric_defs = MetricDefinitions(on_change=self._record_metrics)
            return self._metric_defs.define(metric, overwrite=overwrite)

    def _continue_metrics(self, recorded: list[dict[str, Any]]) -> None:
        """A resumed run keeps the definitions (and the summary's aggregates) of its earlier sessions."""
        from ._metrics import MetricDefinitions

        self._metric_defs = MetricDefinitions(on_change=self._record_metrics)
        self._metric_defs.load(recorded)
        self._metric_defs.continue_from(self._summary_data)
        self._wandb_block["m"] = self._metric_defs.encoded()

    def _record_metrics(self) -> None:
        if self._metric_defs is not None:
            self._wandb_block["m"] = self._metric_defs.encoded()
        self._write_config()

    # notices to the server ----------------------------------------------------
    def alert(self, title: str, text: str, level: Any = None, wait_duration: Any = None) -> None:
        """An alert (W&B: e-mail or Slack) with ``title``, ``text``, ``level`` (``AlertLevel`` or its name)
        and ``wait_duration`` (seconds or timedelta, default 1 minute: the server holds back an alert
        whose title it saw within that time). Kept in the run directory's alerts.jsonl; online runs
        send it at once, offline runs at ``wandb-jupyter sync``."""
        from ._alerts import alert_record, append_alert

        record = alert_record(title, text, level, wait_duration)
        if self._finished:
            raise UsageError("alert(): the run is finished")
        try:
            append_alert(self.paths.root, record)
        except OSError as error:
            self._storage_failed(self.paths.root, error)
            return
        self._wake_sender()

    def _label(
        self, code: str | None = None, repo: str | None = None, code_version: str | None = None, **kwargs: Any
    ) -> None:
        """W&B's private telemetry label, which integrations set (transformers' ``WandbCallback``): nothing is sent."""

    def mark_preempting(self) -> None:
        """Tell the server this run is about to be preempted (its state becomes ``preempting``)."""
        from ._alerts import mark_preempting

        if self._finished:
            raise UsageError("mark_preempting(): the run is finished")
        try:
            mark_preempting(self.paths.root)
        except OSError as error:
            self._storage_failed(self.paths.root, error)
            return
        self._wake_sender()

    def _wake_sender(self) -> None:
        if self._online is not None:
            self._online.wake()

    # Artifacts: the artifacts package does the work (offline first; the online layer uploads its records).
    def log_artifact(
        self,
        artifact_or_path: Any,
        name: str | None = None,
        type: str | None = None,
        aliases: list[str] | None = None,
        tags: list[str] | None = None,
    ) -> Any:
        from ..artifacts._run_api import log_artifact

        return log_artifact(self, artifact_or_path, name=name, type=type, aliases=aliases, tags=tags)

    def use_artifact(
        self,
        artifact_or_name: Any,
        type: str | None = None,
        aliases: list[str] | None = None,
        use_as: str | None = None,
    ) -> Any:
        from ..artifacts._run_api import use_artifact

        return use_artifact(self, artifact_or_name, type=type, aliases=aliases, use_as=use_as)

    def link_artifact(self, artifact: Any, target_path: str, aliases: list[str] | None = None) -> None:
        from ..artifacts._run_api import link_artifact

        link_artifact(self, artifact, target_path, aliases)

    def log_model(self, path: Any, name: str | None = None, aliases: list[str] | None = None) -> Any:
        from ..artifacts._run_api import log_model

        return log_model(self, path, name=name, aliases=aliases)

    def use_model(self, name: str) -> str:
        from ..artifacts._run_api import use_model

        return use_model(self, name)

    def log_code(
        self,
        root: str | os.PathLike[str] | None = ".",
        name: str | None = None,
        include_fn: Any = None,
        exclude_fn: Any = None,
    ) -> Any:
        """The code under ``root`` (by default ``.py`` files, requirements.txt, Dockerfiles; never
        ``wandb/`` folders) as a ``code`` artifact, as W&B makes it (see :mod:`._code`); its name goes
        to config.yaml's ``_wandb.code_path``. Returns the logged artifact, or None when no file matched."""
        from ._code import code_artifact_name, code_files
        from ._metadata import program_path

        if root is None:
            return None
        files = code_files(Path(root), include_fn=include_fn, exclude_fn=exclude_fn)
        if not files:
            logger.warning("log_code(): no matching files under %s; no code was logged", Path(root).resolve())
            return None
        from ..artifacts import Artifact

        artifact = Artifact(name or code_artifact_name(self.project, program_path(self.settings)), "code")
        for path, inside in files:
            artifact.add_file(path, name=inside)
        self._wandb_block["code_path"] = artifact.name
        self._write_config()
        return self.log_artifact(artifact)

    def watch(
        self,
        models: Any,
        criterion: Any = None,
        log: str | None = "gradients",
        log_freq: int = 1000,
        idx: int | None = None,
        log_graph: bool = False,
    ) -> None:
        """W&B's PyTorch hooks; see :func:`._watch.watch` (a no-op here, said once)."""
        from ._watch import watch

        watch(models, criterion=criterion, log=log, log_freq=log_freq, idx=idx, log_graph=log_graph)

    def unwatch(self, models: Any = None) -> None:
        """Undo :meth:`watch` (nothing to undo here)."""

    # persisted state --------------------------------------------------------
    def _storage_failed(self, path: Path, error: OSError) -> None:
        """A write of the run's files failed (disk full, file size limit, read-only folder).

        Logging stops for the rest of the run with one warning, whichever file
        failed first; the program goes on, and the rows written before stay whole.
        Later failures (summary, config, console, metrics) only reach the debug log.
        """
        with self._broken_lock:
            first, self._broken = not self._broken, True
        if first:
            logger.warning(
                "logging stopped: cannot write %s (%s); your program continues and the %d rows logged before are kept",
                path,
                error.strerror or error,
                self._history.lines,
            )
        else:
            logger.debug("cannot write %s: %s", path, error)

    def _write_summary(self, *, durable: bool = False, final: dict[str, Any] | None = None) -> None:
        data = dict(self._summary_data)
        data["_wandb"] = {"runtime": int(time.monotonic() - self._t0), **(final or {})}
        try:
            write_atomic(self.paths.file(SUMMARY), encode_row(data, "summary"), durable=durable)
        except OSError as error:
            self._storage_failed(self.paths.file(SUMMARY), error)
        self._summary_written = time.monotonic()

    def _write_config(self, *, durable: bool = False) -> None:
        try:
            write_atomic(
                self.paths.file(CONFIG), dump_config(self.config.as_dict(), self._wandb_block), durable=durable
            )
        except OSError as error:
            self._storage_failed(self.paths.file(CONFIG), error)

    def _runtime(self) -> float:
        return time.monotonic() - self._t0

    # files ------------------------------------------------------------------
    def save(
        self,
        glob_str: str | os.PathLike[str],
        base_path: str | os.PathLike[str] | None = None,
        policy: str = "live",
        glob: bool = True,
    ) -> list[str]:
        """Keep files matching ``glob_str`` with the run, under ``files/``.

        Paths are kept relative to ``base_path``; without it, as W&B does, a relative glob
        keeps its folders (``save("ckpt/f.pt")`` -> ``files/ckpt/f.pt``) and an absolute one
        keeps one folder level (``/mnt/run1/f.pt`` -> ``files/run1/f.pt``). ``policy``: ``now``
        copies once, ``live`` copies now and again at finish, ``end`` copies at finish only.
        ``glob=False`` takes ``glob_str`` as a literal path. Returns the stored paths.
        """
        if policy not in ("live", "now", "end"):
            raise UsageError(f"save(policy={policy!r}): expected 'live', 'now' or 'end'")
        pattern = os.fsdecode(glob_str) if isinstance(glob_str, bytes) else os.fspath(glob_str)
        base = _save_base(pattern, base_path)
        stored = []
        matches = _glob.glob(pattern, recursive=True) if glob else [pattern]
        for match in sorted(matches):
            source = Path(match)
            if not source.is_file():
                continue
            try:
                relative = Path(os.path.abspath(source)).relative_to(base)
            except ValueError:
                raise UsageError(f"save(): {match} is not under base_path {base}") from None
            target = (self.paths.files / relative).resolve()
            if not str(target).startswith(str(self.paths.files.resolve()) + os.sep):
                raise UsageError(f"save(): {match} would be stored outside the run's files folder")
            _check_file_size(source)
            self._saved.append((source, target, policy))
            if policy != "end":
                self._copy(source, target)
            stored.append(str(target))
        if not stored:
            logger.info("save(%r): no files match yet", pattern)
        return stored

    def _copy_at_finish(self, source: Path, target: Path) -> None:
        """The last copy of a saved file; finish() goes on whatever happens to it."""
        try:
            _check_file_size(source)
            self._copy(source, target)
        except UsageError as error:
            logger.warning("%s; the copy saved before is kept", error)
        except OSError as error:
            self._storage_failed(target, error)

    @staticmethod
    def _copy(source: Path, target: Path) -> None:
        if source.resolve() == target:
            return
        import shutil

        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)

    # background work --------------------------------------------------------
    def _start_background(self) -> None:
        """One thread writes requirements and code, then samples system metrics."""
        from ._system import SystemMonitor  # imported with the first run, not with the package

        monitor = SystemMonitor(
            self.paths.file("wandb-events.jsonl"),
            interval=self.settings.stats_interval,
            disk_path=self.paths.root,
            runtime=self._runtime,
            reporting=self.settings.error_reporting,
            first=self._write_environment,
            on_write_error=self._storage_failed,
            sample=not self.settings.disable_stats,
        )
        monitor.start()
        self._monitor = monitor  # only a started one: finish() stops it

    def _start_error_reports(self) -> None:
        if self.settings.error_reporting:
            _logging.error_reports.append(self._report_client_error)

    def _stop_error_reports(self) -> None:
        if self._report_client_error in _logging.error_reports:
            _logging.error_reports.remove(self._report_client_error)

    def _report_client_error(self, text: str) -> None:
        """Append an internal error to files/wandb-client-errors.log (uploaded with the run's files)."""
        import datetime as _dt

        stamp = _dt.datetime.now(_dt.timezone.utc).isoformat()
        with open(self.paths.file("wandb-client-errors.log"), "a", encoding="utf-8") as handle:
            handle.write(f"{stamp} {text.rstrip()}\n")

    def _start_capture(self) -> None:
        from ..rundir._output_log import OutputLog
        from ._console import ConsoleCapture, choose_mode

        mode, reason = choose_mode(self.settings.console)
        logger.debug("console capture: %s (%s)", mode, reason)
        if mode == "off":
            return
        capture = ConsoleCapture(
            OutputLog(self.paths.file(OUTPUT)), mode=mode, run_name=self._name, reporting=self.settings.error_reporting
        )
        capture.on_write_error = self._storage_failed
        if capture.start():
            self._capture = capture

    def _write_environment(self) -> None:
        from ._metadata import copy_program, program_path, requirements_text

        try:
            write_atomic(self.paths.file(REQUIREMENTS), requirements_text())
            if not self.settings.disable_code:
                copy_program(program_path(self.settings), self.paths.code)
        except Exception as error:  # never let bookkeeping break the run
            internal_error("writing requirements and code", error, reporting=self.settings.error_reporting)

    # finishing --------------------------------------------------------------
    def finish(self, exit_code: int | None = None, quiet: bool | None = None) -> None:
        """Flush and close the run; everything is durable on disk when this returns.

        ``exit_code`` 0 (the default) marks success; anything else a failure.
        Calling it again does nothing.
        """
        from ._exit import finish_ended
        from ._state import forget_run

        with self._lock:
            if self._finished:
                return
            self._finished = True
            self._exit_code = 0 if exit_code is None else int(exit_code)
            if self._pending:
                try:
                    self._commit_pending()
                except UsageError as error:
                    logger.warning("values left uncommitted could not be saved: %s", error)
        try:
            try:
                self._close_files()
                self._send_end()
            finally:
                forget_run(self)  # no longer active, even if closing failed
            self._report_finished(quiet)
            self._make_durable()
        finally:
            finish_ended(self)  # a SIGTERM that came during this finish ends the process now

    def _make_durable(self) -> None:
        """Last: every file and directory entry of the run on disk (the run's debug.log is closed by now)."""
        from ._durable import sync_run_folder

        try:
            sync_run_folder(self.paths.root, self.settings.wandb_dir)
        except Exception as error:  # never let durability bookkeeping break the program
            internal_error("syncing the run folder", error, reporting=self.settings.error_reporting)

    def _close_files(self) -> None:
        if self._capture is not None:
            try:  # a signal that interrupted a write to the console must not stop the finish
                self._capture.stop()
            except Exception as error:
                internal_error("stopping console capture", error, reporting=self.settings.error_reporting)
        if self._monitor is not None:
            self._monitor.stop()
        self._call_finish_file_writers()
        for source, target, policy in self._saved:
            if policy != "now" and source.is_file():
                self._copy_at_finish(source, target)
        self._write_config(durable=True)
        self._count_a_row_cut_short()
        self._write_summary(durable=True, final={"exitcode": self._exit_code})
        try:
            self._history.close()
        except OSError as error:  # fsync reports a full disk late on some file systems
            self._storage_failed(self._history.path, error)
        self._stop_error_reports()  # before the last upload, so what was reported is sent with it
        fsync_dir(self.paths.files)

    def _call_finish_file_writers(self) -> None:
        """Files a higher layer writes at finish land before the last upload, so an online run's
        server gets them too (a finish callback would run after it)."""
        for writer in self._finish_file_writers:
            try:
                writer()
            except Exception as error:
                internal_error("writing run files at finish", error, reporting=self.settings.error_reporting)

    def _count_a_row_cut_short(self) -> None:
        """A signal handler (``_exit``) may finish the run inside a log() that wrote its row but did
        not yet count it: the summary and the step count then take that row from the file."""
        try:
            row = last_jsonl_row(self._history.path)
        except OSError:
            return
        if row is not None and row.get("_step") == self._step:
            self._summarize(row)
            self._step += 1

    def _send_end(self) -> None:
        if self._online is not None:
            try:  # bounded wait; what the server did not take stays for `wandb-jupyter sync`
                self._online.finish(self._exit_code or 0)
            except Exception as error:
                internal_error("uploading at finish", error, reporting=self.settings.error_reporting)
        if self._exit_code == 0:
            self._forget_auto_resume()

    def _report_finished(self, quiet: bool | None) -> None:
        for callback in self._finish_callbacks:
            try:
                callback()
            except Exception as error:
                internal_error("a finish callback", error, reporting=self.settings.error_reporting)
        state = "finished" if self._exit_code == 0 else f"failed (exit code {self._exit_code})"
        if not quiet:
            from ..common._ipython import in_kernel

            level = logging.DEBUG if in_kernel() else logging.INFO  # a kernel shows the run's block
            steps = f"{self._step} steps" + (
                f" ({self._history.lines} rows kept: logging stopped)" if self._broken else ""
            )
            logger.log(level, "run %s %s: %s, files in %s", self._name, state, steps, self.paths.root)
            if self.mode == "offline":  # in a kernel the run's block stands for the console lines
                logger.log(level, "upload it with `wandb-jupyter sync %s`", self.paths.root)
        detach_file(self.paths.logs / "debug.log")

    def _forget_auto_resume(self) -> None:
        """A clean finish ends auto-resume of this run, whichever resume mode finished it."""
        from ._resume import RESUME_FILE, recorded_auto_id

        if recorded_auto_id(self.settings.wandb_dir) == self._id:
            (self.settings.wandb_dir / RESUME_FILE).unlink(missing_ok=True)

    def __enter__(self) -> Run:
        return self

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        """Text and HTML for notebooks; an embedded run page only outside VS Code, which gets the link."""
        from ._html import run_block, view_of

        html = run_block(view_of(self))
        if self.url and not _in_vscode():
            from html import escape

            html += (
                f'<iframe src="{escape(self.url, quote=True)}" style="width:100%;height:420px;border:none" '
                'loading="lazy"></iframe>'
            )
        return {"text/plain": repr(self), "text/html": html}

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> Literal[False]:
        self.finish(exit_code=1 if exc_type is not None else 0)
        return False


def _refuse_row_size(size: int) -> None:
    """The error for a row over W&B's size limit (``size``: its UTF-8 bytes)."""
    if size > MAX_ROW_BYTES:
        raise UsageError(
            f"log(): this row takes {size / 2**20:.1f} MiB as JSON, over the limit of "
            f"{MAX_ROW_BYTES / 2**20:.1f} MiB per row (W&B's); nothing was logged. "
            "Keep large data in files: run.save()"
        )


def _check_file_size(source: Path) -> None:
    size = source.stat().st_size
    if size > MAX_FILE_BYTES:
        raise UsageError(
            f"save(): {source} has {size / 2**30:.1f} GiB, over the limit of {MAX_FILE_BYTES >> 30} GiB per file"
        )


def _in_vscode() -> bool:
    from ..common._ipython import current_shell

    shell = current_shell()
    return "VSCODE_PID" in os.environ or "__vsc_ipynb_file__" in getattr(shell, "user_ns", {})


def _save_base(pattern: str, base_path: str | os.PathLike[str] | None) -> Path:
    """The folder ``save()`` keeps paths relative to (W&B's rule, see :meth:`Run.save`)."""
    if base_path is not None:
        return Path(os.path.abspath(base_path))
    if not os.path.isabs(pattern):
        return Path(os.path.abspath("."))
    warn_once(
        "save-absolute",
        "save(): an absolute path without base_path keeps only its last folder; pass base_path to keep more "
        '(save("/mnt/folder/file.h5", base_path="/mnt"))',
    )
    return Path(os.path.abspath(pattern)).parent.parent


class DisabledRun:
    """``mode="disabled"``: every method works and nothing is written or sent."""

    disabled = True
    offline = False
    resumed = False
    url = None
    mode = "disabled"

    def __init__(self, *, settings: ResolvedSettings, config: Mapping[str, Any] | None = None) -> None:
        from ..rundir._rundir import new_run_id

        self.settings = settings
        self.id = settings.run_id or new_run_id()
        self.name = settings.name or "disabled"
        self.project = settings.project
        self.entity = settings.entity
        self.notes = settings.notes
        self.tags = settings.tags
        self.group = settings.run_group
        self.job_type = settings.job_type
        self._config = Config(config)
        self.summary = Summary()
        self.start_time = time.time()
        self.step = 0
        self.finished = False
        self.exit_code: int | None = None
        self._dir: str | None = None

    @property
    def dir(self) -> str:
        if self._dir is None:
            import tempfile

            self._dir = tempfile.mkdtemp(prefix="wandb-disabled-")
        return self._dir

    @property
    def path(self) -> str:
        return f"{self.entity}/{self.project}/{self.id}"

    def log(self, data: Mapping[str, Any], step: int | None = None, commit: bool | None = None) -> None:
        if not isinstance(data, Mapping):
            raise UsageError(f"log() takes a dict of values, not {type(data).__name__}")
        self.step += 1

    @property
    def config(self) -> Config:
        return self._config

    @config.setter
    def config(self, value: Any) -> None:
        self._config.replace(config_from(value, "run.config = ..."))

    def save(self, glob_str: Any, base_path: Any = None, policy: str = "live", glob: bool = True) -> list[str]:
        return []

    def define_metric(
        self,
        name: str,
        step_metric: Any = None,
        step_sync: bool | None = None,
        hidden: bool | None = None,
        summary: str | None = None,
        overwrite: bool | None = None,
        goal: str | None = None,
    ) -> Any:
        """Checked like a real run's, recorded nowhere."""
        from ._metrics import parse_definition

        return parse_definition(name, step_metric, step_sync, hidden, summary, goal)

    def alert(self, title: str, text: str, level: Any = None, wait_duration: Any = None) -> None:
        from ._alerts import alert_record

        alert_record(title, text, level, wait_duration)

    def mark_preempting(self) -> None:
        pass

    def _label(
        self, code: str | None = None, repo: str | None = None, code_version: str | None = None, **kwargs: Any
    ) -> None:
        pass

    def log_artifact(
        self,
        artifact_or_path: Any,
        name: str | None = None,
        type: str | None = None,
        aliases: list[str] | None = None,
        tags: list[str] | None = None,
    ) -> Any:
        """Checked like a real run's (a path must exist), stored nowhere."""
        from ..artifacts._run_api import disabled_artifact

        return disabled_artifact(artifact_or_path, name, type)

    def use_artifact(
        self,
        artifact_or_name: Any,
        type: str | None = None,
        aliases: list[str] | None = None,
        use_as: str | None = None,
    ) -> Any:
        from ..artifacts._run_api import disabled_artifact

        return disabled_artifact(artifact_or_name, None, type)

    def link_artifact(self, artifact: Any, target_path: str, aliases: list[str] | None = None) -> None:
        return None

    def log_model(self, path: Any, name: str | None = None, aliases: list[str] | None = None) -> Any:
        from ..artifacts._run_api import disabled_artifact

        return disabled_artifact(path, name, "model")

    def use_model(self, name: str) -> str:
        return self.dir

    def log_code(self, root: Any = ".", name: Any = None, include_fn: Any = None, exclude_fn: Any = None) -> None:
        return None

    def watch(
        self,
        models: Any,
        criterion: Any = None,
        log: str | None = "gradients",
        log_freq: int = 1000,
        idx: int | None = None,
        log_graph: bool = False,
    ) -> None:
        pass

    def unwatch(self, models: Any = None) -> None:
        pass

    def finish(self, exit_code: int | None = None, quiet: bool | None = None) -> None:
        from ._exit import finish_ended
        from ._state import forget_run

        if self.finished:
            return
        self.finished = True
        self.exit_code = 0 if exit_code is None else int(exit_code)
        forget_run(self)
        finish_ended(self)

    def __enter__(self) -> DisabledRun:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> Literal[False]:
        self.finish(exit_code=1 if exc_type is not None else 0)
        return False

    def __repr__(self) -> str:
        return f"<DisabledRun {self.name!r} id={self.id}>"
