"""The storage interface of the server's index: users, API keys, entities, projects, runs.

The run data itself (history, summary, config, console output, files) lives in
run directories on disk (see :mod:`._runfiles`); the index says which runs
exist, who owns them and where their directory is. :class:`Storage` is what
resolvers and handlers use; :mod:`._sqlite` implements it with the standard
library's sqlite3, and another database (PostgreSQL for teams) only needs
another implementation of these methods.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

__all__ = ["Storage", "User", "Entity", "Project", "Run", "RUN_FIELDS", "StorageError"]


class StorageError(Exception):
    """A request the index cannot satisfy (duplicate name, unknown entity...)."""


@dataclass(frozen=True)
class User:
    pk: int
    name: str
    email: str | None
    admin: bool
    anonymous: bool
    entity: str  # the user's personal entity, same name as the user


@dataclass(frozen=True)
class Entity:
    pk: int
    name: str
    is_team: bool
    anonymous: bool


@dataclass(frozen=True)
class Project:
    pk: int
    name: str
    entity: Entity
    created_at: float


# Run fields a client can set through UpsertBucket, as stored (column names).
RUN_FIELDS = (
    "display_name",
    "description",
    "notes",
    "tags",
    "group_name",
    "job_type",
    "config",
    "summary",
    "host",
    "program",
    "repo",
    "commit",
    "state",
    "sweep",
    "username",
    "user_email",
    "exit_code",
    "heartbeat_at",
    "updated_at",
)


@dataclass(frozen=True)
class Run:
    pk: int
    name: str  # the run id the client chose (W&B calls it the run's name)
    project: Project
    number: int  # 1 for the first run of the project
    dir: str  # run directory, relative to the data dir
    created_at: float
    creator: str | None  # user name of the key that created it
    display_name: str | None = None
    description: str | None = None
    notes: str | None = None
    tags: tuple[str, ...] = ()
    group_name: str | None = None
    job_type: str | None = None
    config: str | None = None  # JSON text, W&B's {"key": {"value": ...}} form
    summary: str | None = None  # JSON text of the latest summary sent by UpsertBucket
    host: str | None = None
    program: str | None = None
    repo: str | None = None
    commit: str | None = None
    state: str = "running"
    sweep: str | None = None
    username: str | None = None
    user_email: str | None = None
    exit_code: int | None = None
    heartbeat_at: float | None = None
    updated_at: float | None = None


class Storage(abc.ABC):
    """The index. Every method is synchronous and quick; implementations must be usable
    from one thread at a time (the server's event loop) and by other processes at once
    (``wandb-jupyter server user add`` while the server runs)."""

    # -- server ------------------------------------------------------------
    @abc.abstractmethod
    def secret(self) -> bytes:
        """A random secret made on first use and kept (signs upload URLs)."""

    @abc.abstractmethod
    def close(self) -> None: ...

    # -- users and keys ------------------------------------------------------
    @abc.abstractmethod
    def create_user(self, name: str, *, email: str | None = None, admin: bool = False, anonymous: bool = False) -> User:
        """A new user with a personal entity of the same name; StorageError if the name is taken."""

    @abc.abstractmethod
    def get_user(self, name: str) -> User | None: ...

    @abc.abstractmethod
    def count_users(self) -> int: ...

    @abc.abstractmethod
    def add_key(self, user: User, key_hash: str) -> None:
        """Record the hash of a key issued to ``user``."""

    @abc.abstractmethod
    def user_by_key(self, key_hash: str) -> User | None: ...

    @abc.abstractmethod
    def add_view_token(self, user: User, token_hash: str) -> None:
        """Record the hash of the view token of ``user``'s shared links (anonymous accounts)."""

    @abc.abstractmethod
    def user_by_view_token(self, token_hash: str) -> User | None: ...

    # -- entities ------------------------------------------------------------
    @abc.abstractmethod
    def get_entity(self, name: str) -> Entity | None: ...

    @abc.abstractmethod
    def create_team(self, name: str, owner: User) -> Entity: ...

    @abc.abstractmethod
    def add_member(self, entity: Entity, user: User) -> None: ...

    @abc.abstractmethod
    def is_member(self, entity: Entity, user: User) -> bool: ...

    @abc.abstractmethod
    def teams_of(self, user: User) -> list[Entity]: ...

    @abc.abstractmethod
    def list_entities(self) -> list[Entity]:
        """Every entity, by name (the dashboard filters them by what its viewer may read)."""

    # -- projects ------------------------------------------------------------
    @abc.abstractmethod
    def get_project(self, entity: str, name: str) -> Project | None: ...

    @abc.abstractmethod
    def ensure_project(self, entity: Entity, name: str) -> Project: ...

    @abc.abstractmethod
    def list_projects(self, entity: Entity) -> list[Project]: ...

    # -- runs ------------------------------------------------------------
    @abc.abstractmethod
    def get_run(self, project: Project, name: str) -> Run | None: ...

    @abc.abstractmethod
    def get_run_by_pk(self, pk: int) -> Run | None: ...

    @abc.abstractmethod
    def insert_run(
        self,
        project: Project,
        name: str,
        *,
        creator: str | None,
        fields: dict[str, Any],
        numbered: Callable[[int], dict[str, Any]],
    ) -> Run:
        """A new run (StorageError if it exists). ``numbered(number)`` gives the fields that depend
        on the run's number in its project: ``dir`` and, when ``fields`` has none, ``display_name``."""

    @abc.abstractmethod
    def update_run(self, run: Run, fields: dict[str, Any]) -> Run:
        """Set ``fields`` (names from RUN_FIELDS) and return the updated run."""

    @abc.abstractmethod
    def list_runs(self, project: Project) -> list[Run]: ...

    # Reading runs back (the public API): defaults any backend gets; a database overrides them to stream.
    def iter_runs(
        self, project: Project, batch: int = 500, *, descending: bool = False, after: tuple[float, str] | None = None
    ) -> Iterator[Run]:
        """The project's runs by creation time, ties by name (``descending``: newest first, ties still by
        name), from the one after ``(created_at, name)``; read ``batch`` at a time (memory stays bounded)."""
        runs = sorted(self.list_runs(project), key=lambda run: run.name)
        runs.sort(key=lambda run: run.created_at, reverse=descending)
        for run in runs:
            if after is not None:
                if (run.created_at < after[0]) if descending else (run.created_at > after[0]):
                    pass
                elif run.created_at != after[0] or run.name <= after[1]:
                    continue
            yield run

    def count_runs(self, project: Project) -> int:
        return len(self.list_runs(project))

    def runs_stamp(self, project: Project) -> tuple[int, float]:
        """(number of runs, latest update time): unchanged while no run of the project was added, changed
        or deleted (a live run's summary is written with its heartbeat, at most a few seconds behind)."""
        runs = self.list_runs(project)
        return len(runs), max((run.updated_at or 0.0 for run in runs), default=0.0)

    def members_of(self, entity: Entity) -> list[User]:
        """The users of an entity, by name (a personal entity: its user)."""
        raise StorageError("this storage cannot list members")

    def delete_run(self, run: Run) -> None:
        """Forget the run (its directory is the caller's to remove)."""
        raise StorageError("this storage cannot delete runs")
