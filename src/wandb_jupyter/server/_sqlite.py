"""The index in SQLite (standard library sqlite3, write-ahead log).

One file, ``<data dir>/index.sqlite3``. WAL lets ``wandb-jupyter server user
add`` write while the server reads; ``synchronous=NORMAL`` keeps each commit
cheap (a crash can lose the last commits, never corrupt the file).
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from ._storage import RUN_FIELDS, Entity, Project, Run, Storage, StorageError, User

__all__ = ["SQLiteStorage"]

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB);
CREATE TABLE IF NOT EXISTS entities (
    pk INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, is_team INTEGER NOT NULL DEFAULT 0,
    anonymous INTEGER NOT NULL DEFAULT 0, created_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS users (
    pk INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, email TEXT, admin INTEGER NOT NULL DEFAULT 0,
    anonymous INTEGER NOT NULL DEFAULT 0, entity_pk INTEGER NOT NULL REFERENCES entities(pk),
    created_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS members (
    entity_pk INTEGER NOT NULL REFERENCES entities(pk), user_pk INTEGER NOT NULL REFERENCES users(pk),
    PRIMARY KEY (entity_pk, user_pk));
CREATE TABLE IF NOT EXISTS api_keys (
    key_hash TEXT PRIMARY KEY, user_pk INTEGER NOT NULL REFERENCES users(pk), created_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS view_tokens (
    token_hash TEXT PRIMARY KEY, user_pk INTEGER NOT NULL REFERENCES users(pk), created_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS projects (
    pk INTEGER PRIMARY KEY, entity_pk INTEGER NOT NULL REFERENCES entities(pk), name TEXT NOT NULL,
    created_at REAL NOT NULL, UNIQUE (entity_pk, name));
CREATE TABLE IF NOT EXISTS runs (
    pk INTEGER PRIMARY KEY, project_pk INTEGER NOT NULL REFERENCES projects(pk), name TEXT NOT NULL,
    number INTEGER NOT NULL, dir TEXT NOT NULL, created_at REAL NOT NULL, creator TEXT,
    display_name TEXT, description TEXT, notes TEXT, tags TEXT, group_name TEXT, job_type TEXT,
    config TEXT, summary TEXT, host TEXT, program TEXT, repo TEXT, "commit" TEXT,
    state TEXT NOT NULL DEFAULT 'running', sweep TEXT, username TEXT, user_email TEXT, exit_code INTEGER,
    heartbeat_at REAL, updated_at REAL, UNIQUE (project_pk, name));
CREATE INDEX IF NOT EXISTS runs_by_creation ON runs (project_pk, created_at, name);
"""


class SQLiteStorage(Storage):
    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=10.0)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        for statement in _SCHEMA.split(";"):
            if statement.strip():
                self._db.execute(statement)
        self._db.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)", (SCHEMA_VERSION,))
        self._entities: dict[int, Entity] = {}

    # -- plumbing ------------------------------------------------------------
    class _Tx:
        def __init__(self, storage: SQLiteStorage) -> None:
            self.storage = storage

        def __enter__(self) -> sqlite3.Connection:
            self.storage._lock.acquire()
            self.storage._db.execute("BEGIN IMMEDIATE")
            return self.storage._db

        def __exit__(self, kind: Any, *_: Any) -> None:
            try:
                self.storage._db.execute("COMMIT" if kind is None else "ROLLBACK")
            finally:
                self.storage._lock.release()

    def _tx(self) -> _Tx:
        return self._Tx(self)

    def _one(self, sql: str, args: tuple = ()) -> sqlite3.Row | None:
        with self._lock:
            return self._db.execute(sql, args).fetchone()

    def _all(self, sql: str, args: tuple = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def secret(self) -> bytes:
        row = self._one("SELECT value FROM meta WHERE key = 'secret'")
        if row is None:
            with self._tx() as db:
                db.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('secret', ?)", (os.urandom(32),))
            row = self._one("SELECT value FROM meta WHERE key = 'secret'")
        assert row is not None, "the secret was just inserted"
        return bytes(row["value"])

    # -- users ------------------------------------------------------------
    def _user(self, row: sqlite3.Row | None) -> User | None:
        if row is None:
            return None
        return User(
            pk=row["pk"],
            name=row["name"],
            email=row["email"],
            admin=bool(row["admin"]),
            anonymous=bool(row["anonymous"]),
            entity=row["entity_name"],
        )

    _USER_SELECT = "SELECT u.*, e.name AS entity_name FROM users u JOIN entities e ON e.pk = u.entity_pk"

    def create_user(self, name: str, *, email: str | None = None, admin: bool = False, anonymous: bool = False) -> User:
        now = time.time()
        with self._tx() as db:
            if db.execute("SELECT 1 FROM entities WHERE name = ?", (name,)).fetchone():
                raise StorageError(f"the name {name!r} is taken")
            entity_pk = db.execute(
                "INSERT INTO entities (name, is_team, anonymous, created_at) VALUES (?, 0, ?, ?)",
                (name, int(anonymous), now),
            ).lastrowid
            user_pk = db.execute(
                "INSERT INTO users (name, email, admin, anonymous, entity_pk, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (name, email, int(admin), int(anonymous), entity_pk, now),
            ).lastrowid
            db.execute("INSERT INTO members (entity_pk, user_pk) VALUES (?, ?)", (entity_pk, user_pk))
        return self._user(self._one(self._USER_SELECT + " WHERE u.pk = ?", (user_pk,)))  # type: ignore[return-value]

    def get_user(self, name: str) -> User | None:
        return self._user(self._one(self._USER_SELECT + " WHERE u.name = ?", (name,)))

    def count_users(self) -> int:
        row = self._one("SELECT COUNT(*) AS n FROM users WHERE anonymous = 0")
        return row["n"] if row is not None else 0

    def add_key(self, user: User, key_hash: str) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT INTO api_keys (key_hash, user_pk, created_at) VALUES (?, ?, ?)",
                (key_hash, user.pk, time.time()),
            )

    def user_by_key(self, key_hash: str) -> User | None:
        return self._user(
            self._one(self._USER_SELECT + " JOIN api_keys k ON k.user_pk = u.pk WHERE k.key_hash = ?", (key_hash,))
        )

    def add_view_token(self, user: User, token_hash: str) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT OR IGNORE INTO view_tokens (token_hash, user_pk, created_at) VALUES (?, ?, ?)",
                (token_hash, user.pk, time.time()),
            )

    def user_by_view_token(self, token_hash: str) -> User | None:
        return self._user(
            self._one(
                self._USER_SELECT + " JOIN view_tokens v ON v.user_pk = u.pk WHERE v.token_hash = ?", (token_hash,)
            )
        )

    # -- entities ------------------------------------------------------------
    def _entity(self, row: sqlite3.Row | None) -> Entity | None:
        if row is None:
            return None
        return Entity(pk=row["pk"], name=row["name"], is_team=bool(row["is_team"]), anonymous=bool(row["anonymous"]))

    def get_entity(self, name: str) -> Entity | None:
        return self._entity(self._one("SELECT * FROM entities WHERE name = ?", (name,)))

    def _entity_by_pk(self, pk: int) -> Entity:
        entity = self._entities.get(pk)
        if entity is None:
            found = self._entity(self._one("SELECT * FROM entities WHERE pk = ?", (pk,)))
            if found is None:
                raise StorageError(f"no entity with key {pk}")
            entity = self._entities[pk] = found
        return entity

    def create_team(self, name: str, owner: User) -> Entity:
        with self._tx() as db:
            if db.execute("SELECT 1 FROM entities WHERE name = ?", (name,)).fetchone():
                raise StorageError(f"the name {name!r} is taken")
            pk = db.execute(
                "INSERT INTO entities (name, is_team, created_at) VALUES (?, 1, ?)", (name, time.time())
            ).lastrowid
            db.execute("INSERT INTO members (entity_pk, user_pk) VALUES (?, ?)", (pk, owner.pk))
        assert pk is not None, "an INSERT gives its row id"
        return self._entity_by_pk(pk)

    def add_member(self, entity: Entity, user: User) -> None:
        with self._tx() as db:
            db.execute("INSERT OR IGNORE INTO members (entity_pk, user_pk) VALUES (?, ?)", (entity.pk, user.pk))

    def is_member(self, entity: Entity, user: User) -> bool:
        return self._one("SELECT 1 FROM members WHERE entity_pk = ? AND user_pk = ?", (entity.pk, user.pk)) is not None

    def teams_of(self, user: User) -> list[Entity]:
        rows = self._all(
            "SELECT e.* FROM entities e JOIN members m ON m.entity_pk = e.pk "
            "WHERE m.user_pk = ? AND e.is_team = 1 ORDER BY e.name",
            (user.pk,),
        )
        return [self._entity(row) for row in rows]  # type: ignore[misc]

    def list_entities(self) -> list[Entity]:
        return [self._entity(row) for row in self._all("SELECT * FROM entities ORDER BY name")]  # type: ignore[misc]

    # -- projects ------------------------------------------------------------
    def _project(self, row: sqlite3.Row | None) -> Project | None:
        if row is None:
            return None
        return Project(
            pk=row["pk"], name=row["name"], entity=self._entity_by_pk(row["entity_pk"]), created_at=row["created_at"]
        )

    def get_project(self, entity: str, name: str) -> Project | None:
        return self._project(
            self._one(
                "SELECT p.* FROM projects p JOIN entities e ON e.pk = p.entity_pk WHERE e.name = ? AND p.name = ?",
                (entity, name),
            )
        )

    def _project_by_pk(self, pk: int) -> Project:
        return self._project(self._one("SELECT * FROM projects WHERE pk = ?", (pk,)))  # type: ignore[return-value]

    def ensure_project(self, entity: Entity, name: str) -> Project:
        row = self._one("SELECT * FROM projects WHERE entity_pk = ? AND name = ?", (entity.pk, name))
        if row is None:
            with self._tx() as db:
                db.execute(
                    "INSERT OR IGNORE INTO projects (entity_pk, name, created_at) VALUES (?, ?, ?)",
                    (entity.pk, name, time.time()),
                )
            row = self._one("SELECT * FROM projects WHERE entity_pk = ? AND name = ?", (entity.pk, name))
        return self._project(row)  # type: ignore[return-value]

    def list_projects(self, entity: Entity) -> list[Project]:
        rows = self._all("SELECT * FROM projects WHERE entity_pk = ? ORDER BY created_at", (entity.pk,))
        return [project for row in rows if (project := self._project(row)) is not None]

    # -- runs ------------------------------------------------------------
    def _run(self, row: sqlite3.Row | None, project: Project | None = None) -> Run | None:
        if row is None:
            return None
        values = {key: row[key] for key in RUN_FIELDS}
        values["tags"] = tuple(json.loads(row["tags"])) if row["tags"] else ()
        return Run(
            pk=row["pk"],
            name=row["name"],
            project=project or self._project_by_pk(row["project_pk"]),
            number=row["number"],
            dir=row["dir"],
            created_at=row["created_at"],
            creator=row["creator"],
            **values,
        )

    def get_run(self, project: Project, name: str) -> Run | None:
        return self._run(self._one("SELECT * FROM runs WHERE project_pk = ? AND name = ?", (project.pk, name)), project)

    def get_run_by_pk(self, pk: int) -> Run | None:
        return self._run(self._one("SELECT * FROM runs WHERE pk = ?", (pk,)))

    @staticmethod
    def _columns(fields: dict[str, Any]) -> dict[str, Any]:
        unknown = set(fields) - set(RUN_FIELDS)
        if unknown:
            raise StorageError(f"unknown run fields: {sorted(unknown)}")
        out = dict(fields)
        if "tags" in out and out["tags"] is not None:
            out["tags"] = json.dumps(list(out["tags"]))
        return out

    def insert_run(
        self,
        project: Project,
        name: str,
        *,
        creator: str | None,
        fields: dict[str, Any],
        numbered: Callable[[int], dict[str, Any]],
    ) -> Run:
        now = time.time()
        with self._tx() as db:
            if db.execute("SELECT 1 FROM runs WHERE project_pk = ? AND name = ?", (project.pk, name)).fetchone():
                raise StorageError(f"run {name!r} exists")
            number = db.execute(
                "SELECT COALESCE(MAX(number), 0) + 1 FROM runs WHERE project_pk = ?", (project.pk,)
            ).fetchone()[0]
            extra = numbered(number)
            columns = self._columns({k: v for k, v in fields.items() if v is not None})
            if not columns.get("display_name"):
                columns["display_name"] = extra.get("display_name")
            columns.setdefault("updated_at", now)
            columns.setdefault("heartbeat_at", now)
            names = ["project_pk", "name", "number", "dir", "created_at", "creator", *columns]
            values = [project.pk, name, number, extra["dir"], now, creator, *columns.values()]
            quoted = ", ".join(f'"{n}"' for n in names)
            pk = db.execute(f"INSERT INTO runs ({quoted}) VALUES ({', '.join('?' * len(names))})", values).lastrowid
        return self._run(self._one("SELECT * FROM runs WHERE pk = ?", (pk,)), project)  # type: ignore[return-value]

    def update_run(self, run: Run, fields: dict[str, Any]) -> Run:
        if not fields:
            return run
        columns = self._columns(fields)
        assignments = ", ".join(f'"{n}" = ?' for n in columns)
        with self._lock:
            self._db.execute(f"UPDATE runs SET {assignments} WHERE pk = ?", (*columns.values(), run.pk))
        values = dict(fields)
        if "tags" in values:
            values["tags"] = tuple(values["tags"] or ())
        return replace(run, **values)

    def list_runs(self, project: Project) -> list[Run]:
        rows = self._all("SELECT * FROM runs WHERE project_pk = ? ORDER BY number", (project.pk,))
        return [run for row in rows if (run := self._run(row, project)) is not None]

    def iter_runs(
        self, project: Project, batch: int = 500, *, descending: bool = False, after: tuple[float, str] | None = None
    ) -> Iterator[Run]:
        """Keyset pages by (created_at, name), so no query stays open between the caller's steps."""
        direction, beyond = ("DESC", "<") if descending else ("ASC", ">")
        order = f"ORDER BY created_at {direction}, name ASC LIMIT ?"
        while True:
            if after is None:
                rows = self._all(f"SELECT * FROM runs WHERE project_pk = ? {order}", (project.pk, batch))
            else:
                rows = self._all(
                    f"SELECT * FROM runs WHERE project_pk = ? AND (created_at {beyond} ? OR "
                    f"(created_at = ? AND name > ?)) {order}",
                    (project.pk, after[0], after[0], after[1], batch),
                )
            for row in rows:
                yield self._run(row, project)  # type: ignore[misc]
            if len(rows) < batch:
                return
            after = (rows[-1]["created_at"], rows[-1]["name"])

    def count_runs(self, project: Project) -> int:
        return self.runs_stamp(project)[0]

    def members_of(self, entity: Entity) -> list[User]:
        rows = self._all(
            self._USER_SELECT + " JOIN members m ON m.user_pk = u.pk WHERE m.entity_pk = ? ORDER BY u.name",
            (entity.pk,),
        )
        return [self._user(row) for row in rows]  # type: ignore[misc]

    def runs_stamp(self, project: Project) -> tuple[int, float]:
        row = self._one("SELECT COUNT(*) AS n, MAX(updated_at) AS t FROM runs WHERE project_pk = ?", (project.pk,))
        assert row is not None  # an aggregate always has its row
        return row["n"], row["t"] or 0.0

    def delete_run(self, run: Run) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM runs WHERE pk = ?", (run.pk,))
