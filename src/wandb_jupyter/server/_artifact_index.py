"""The artifacts' part of the SQLite index: types, sequences (W&B's "collections"), versions, aliases, usage.

A version is created PENDING (``CreateArtifact``), gets its manifest and files, and only
``CommitArtifact`` makes it visible: it then takes the next version index of its sequence
and the aliases asked for at creation (``latest`` moves to it). A pending version is never
listed nor found by name, so an interrupted upload leaves no visible version.

The tables live in the same SQLite file as the runs (:class:`._sqlite.SQLiteStorage`), made on
first use; this module uses that storage's transaction and query helpers.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ._storage import Project, StorageError

if TYPE_CHECKING:
    from ._sqlite import SQLiteStorage

__all__ = ["ArtifactIndex", "ArtifactRow", "SequenceRow", "PENDING", "COMMITTED", "DELETED"]

PENDING, COMMITTED, DELETED = "PENDING", "COMMITTED", "DELETED"

_TABLES = """
CREATE TABLE IF NOT EXISTS artifact_types (
    pk INTEGER PRIMARY KEY, project_pk INTEGER NOT NULL REFERENCES projects(pk), name TEXT NOT NULL,
    created_at REAL NOT NULL, UNIQUE (project_pk, name));
CREATE TABLE IF NOT EXISTS artifact_sequences (
    pk INTEGER PRIMARY KEY, project_pk INTEGER NOT NULL REFERENCES projects(pk), name TEXT NOT NULL,
    type_pk INTEGER NOT NULL REFERENCES artifact_types(pk), description TEXT, created_at REAL NOT NULL,
    UNIQUE (project_pk, name));
CREATE TABLE IF NOT EXISTS artifacts (
    pk INTEGER PRIMARY KEY, sequence_pk INTEGER NOT NULL REFERENCES artifact_sequences(pk),
    version_index INTEGER, digest TEXT NOT NULL, state TEXT NOT NULL, description TEXT, metadata TEXT,
    size INTEGER NOT NULL DEFAULT 0, file_count INTEGER NOT NULL DEFAULT 0, ttl_seconds INTEGER,
    history_step INTEGER, created_by_run INTEGER, pending_aliases TEXT, tags TEXT,
    created_at REAL NOT NULL, updated_at REAL NOT NULL, UNIQUE (sequence_pk, version_index));
CREATE INDEX IF NOT EXISTS artifacts_by_digest ON artifacts (sequence_pk, digest);
CREATE TABLE IF NOT EXISTS artifact_aliases (
    sequence_pk INTEGER NOT NULL REFERENCES artifact_sequences(pk), alias TEXT NOT NULL,
    artifact_pk INTEGER NOT NULL REFERENCES artifacts(pk), PRIMARY KEY (sequence_pk, alias));
CREATE TABLE IF NOT EXISTS artifact_usage (
    artifact_pk INTEGER NOT NULL REFERENCES artifacts(pk), run_pk INTEGER NOT NULL REFERENCES runs(pk),
    used_at REAL NOT NULL, PRIMARY KEY (artifact_pk, run_pk));
"""


@dataclass(frozen=True)
class SequenceRow:
    pk: int
    project_pk: int
    name: str
    type_name: str
    description: str | None
    created_at: float


@dataclass(frozen=True)
class ArtifactRow:
    pk: int
    sequence: SequenceRow
    version_index: int | None
    digest: str
    state: str
    description: str | None
    metadata: str | None
    size: int
    file_count: int
    ttl_seconds: int | None
    history_step: int | None
    created_by_run: int | None
    tags: tuple[str, ...]
    created_at: float
    updated_at: float

    @property
    def version(self) -> str:
        return f"v{self.version_index}" if self.version_index is not None else "pending"


class ArtifactIndex:
    """Queries and changes of the artifact tables; every change is one transaction."""

    def __init__(self, storage: SQLiteStorage) -> None:
        self._storage = storage
        with storage._tx() as db:
            for statement in _TABLES.split(";"):
                if statement.strip():
                    db.execute(statement)

    # -- reading ------------------------------------------------------------
    _ART = (
        "SELECT a.*, s.project_pk, s.name AS seq_name, s.description AS seq_description, "
        "s.created_at AS seq_created, t.name AS type_name FROM artifacts a "
        "JOIN artifact_sequences s ON s.pk = a.sequence_pk JOIN artifact_types t ON t.pk = s.type_pk"
    )

    @staticmethod
    def _sequence_of(row: sqlite3.Row) -> SequenceRow:
        return SequenceRow(
            pk=row["sequence_pk"],
            project_pk=row["project_pk"],
            name=row["seq_name"],
            type_name=row["type_name"],
            description=row["seq_description"],
            created_at=row["seq_created"],
        )

    def _artifact(self, row: sqlite3.Row | None) -> ArtifactRow | None:
        if row is None:
            return None
        return ArtifactRow(
            pk=row["pk"],
            sequence=self._sequence_of(row),
            version_index=row["version_index"],
            digest=row["digest"],
            state=row["state"],
            description=row["description"],
            metadata=row["metadata"],
            size=row["size"],
            file_count=row["file_count"],
            ttl_seconds=row["ttl_seconds"],
            history_step=row["history_step"],
            created_by_run=row["created_by_run"],
            tags=tuple(json.loads(row["tags"])) if row["tags"] else (),
            created_at=row["created_at"],
            updated_at=row["updated_at"],
        )

    def get(self, pk: int) -> ArtifactRow | None:
        return self._artifact(self._storage._one(self._ART + " WHERE a.pk = ?", (pk,)))

    def sequence(self, project: Project, name: str) -> SequenceRow | None:
        row = self._storage._one(
            "SELECT s.pk AS sequence_pk, s.project_pk, s.name AS seq_name, s.description AS seq_description, "
            "s.created_at AS seq_created, t.name AS type_name FROM artifact_sequences s "
            "JOIN artifact_types t ON t.pk = s.type_pk WHERE s.project_pk = ? AND s.name = ?",
            (project.pk, name),
        )
        return self._sequence_of(row) if row else None

    def sequences(self, project: Project, type_name: str | None = None) -> list[SequenceRow]:
        rows = self._storage._all(
            "SELECT s.pk AS sequence_pk, s.project_pk, s.name AS seq_name, s.description AS seq_description, "
            "s.created_at AS seq_created, t.name AS type_name FROM artifact_sequences s "
            "JOIN artifact_types t ON t.pk = s.type_pk WHERE s.project_pk = ? AND (? IS NULL OR t.name = ?) "
            "ORDER BY s.created_at",
            (project.pk, type_name, type_name),
        )
        return [self._sequence_of(row) for row in rows]

    def type_names(self, project: Project) -> list[tuple[int, str, float]]:
        rows = self._storage._all(
            "SELECT pk, name, created_at FROM artifact_types WHERE project_pk = ? ORDER BY created_at", (project.pk,)
        )
        return [(row["pk"], row["name"], row["created_at"]) for row in rows]

    def versions(self, sequence_pk: int) -> list[ArtifactRow]:
        """The committed versions of a sequence, oldest first."""
        rows = self._storage._all(
            self._ART + " WHERE a.sequence_pk = ? AND a.state = ? ORDER BY a.version_index", (sequence_pk, COMMITTED)
        )
        return [self._artifact(row) for row in rows]  # type: ignore[misc]

    def by_alias(self, sequence_pk: int, alias: str) -> ArtifactRow | None:
        """The committed version named by ``alias``: ``vN``, an alias such as ``latest``, or a digest."""
        if alias.startswith("v") and alias[1:].isdigit():
            row = self._storage._one(
                self._ART + " WHERE a.sequence_pk = ? AND a.version_index = ? AND a.state = ?",
                (sequence_pk, int(alias[1:]), COMMITTED),
            )
            return self._artifact(row)
        row = self._storage._one(
            self._ART + " JOIN artifact_aliases l ON l.artifact_pk = a.pk WHERE l.sequence_pk = ? AND l.alias = ? "
            "AND a.state = ?",
            (sequence_pk, alias, COMMITTED),
        )
        if row is None and len(alias) == 32:
            row = self._storage._one(
                self._ART + " WHERE a.sequence_pk = ? AND a.digest = ? AND a.state = ?", (sequence_pk, alias, COMMITTED)
            )
        return self._artifact(row)

    def aliases(self, artifact_pk: int) -> list[str]:
        rows = self._storage._all(
            "SELECT alias FROM artifact_aliases WHERE artifact_pk = ? ORDER BY alias = 'latest' DESC, alias",
            (artifact_pk,),
        )
        return [row["alias"] for row in rows]

    def used_by(self, artifact_pk: int) -> list[int]:
        rows = self._storage._all(
            "SELECT run_pk FROM artifact_usage WHERE artifact_pk = ? ORDER BY used_at", (artifact_pk,)
        )
        return [row["run_pk"] for row in rows]

    def created_by(self, run_pk: int) -> list[ArtifactRow]:
        rows = self._storage._all(
            self._ART + " WHERE a.created_by_run = ? AND a.state = ? ORDER BY a.created_at", (run_pk, COMMITTED)
        )
        return [self._artifact(row) for row in rows]  # type: ignore[misc]

    def used_in(self, run_pk: int) -> list[ArtifactRow]:
        rows = self._storage._all(
            self._ART + " JOIN artifact_usage u ON u.artifact_pk = a.pk WHERE u.run_pk = ? AND a.state = ? "
            "ORDER BY u.used_at",
            (run_pk, COMMITTED),
        )
        return [self._artifact(row) for row in rows]  # type: ignore[misc]

    # -- changes ------------------------------------------------------------
    def create(
        self,
        project: Project,
        *,
        sequence: str,
        type_name: str,
        digest: str,
        aliases: list[str],
        fields: dict[str, Any],
    ) -> tuple[ArtifactRow, bool]:
        """A pending version, or the committed one of the same digest (``True``: it exists; W&B then
        adds the aliases to it and makes no new version). The sequence's type must match."""
        now = time.time()
        with self._storage._tx() as db:
            type_row = db.execute(
                "SELECT pk FROM artifact_types WHERE project_pk = ? AND name = ?", (project.pk, type_name)
            ).fetchone()
            type_pk = (
                type_row["pk"]
                if type_row
                else db.execute(
                    "INSERT INTO artifact_types (project_pk, name, created_at) VALUES (?, ?, ?)",
                    (project.pk, type_name, now),
                ).lastrowid
            )
            seq = db.execute(
                "SELECT s.pk, t.name FROM artifact_sequences s JOIN artifact_types t ON t.pk = s.type_pk "
                "WHERE s.project_pk = ? AND s.name = ?",
                (project.pk, sequence),
            ).fetchone()
            if seq is not None and seq["name"] != type_name:
                raise StorageError(
                    f"artifact {sequence!r} has type {seq['name']!r}: a version of type {type_name!r} cannot join it"
                )
            seq_pk = int(
                seq["pk"]
                if seq
                else db.execute(
                    "INSERT INTO artifact_sequences (project_pk, name, type_pk, created_at) VALUES (?, ?, ?, ?)",
                    (project.pk, sequence, type_pk, now),
                ).lastrowid
                or 0
            )
            same = db.execute(
                "SELECT pk FROM artifacts WHERE sequence_pk = ? AND digest = ? AND state = ? ORDER BY version_index",
                (seq_pk, digest, COMMITTED),
            ).fetchone()
            if same is not None:
                self._set_aliases(db, seq_pk, same["pk"], aliases)
                existing = True
                pk = same["pk"]
            else:
                existing = False
                pk = db.execute(
                    "INSERT INTO artifacts (sequence_pk, digest, state, description, metadata, ttl_seconds, "
                    "history_step, created_by_run, pending_aliases, tags, created_at, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        seq_pk,
                        digest,
                        PENDING,
                        fields.get("description"),
                        fields.get("metadata"),
                        fields.get("ttl_seconds"),
                        fields.get("history_step"),
                        fields.get("created_by_run"),
                        json.dumps(aliases),
                        json.dumps(list(fields.get("tags") or [])),
                        now,
                        now,
                    ),
                ).lastrowid
        return self.get(pk), existing  # type: ignore[return-value]

    @staticmethod
    def _set_aliases(db: sqlite3.Connection, seq_pk: int, artifact_pk: int, aliases: list[str]) -> None:
        for alias in dict.fromkeys(aliases):
            db.execute(
                "INSERT INTO artifact_aliases (sequence_pk, alias, artifact_pk) VALUES (?, ?, ?) "
                "ON CONFLICT (sequence_pk, alias) DO UPDATE SET artifact_pk = excluded.artifact_pk",
                (seq_pk, alias, artifact_pk),
            )

    def commit(self, artifact: ArtifactRow, *, size: int, file_count: int) -> ArtifactRow:
        """Make a pending version visible: next version index, its aliases and ``latest``."""
        if artifact.state == COMMITTED:
            return artifact
        with self._storage._tx() as db:
            row = db.execute("SELECT pending_aliases FROM artifacts WHERE pk = ?", (artifact.pk,)).fetchone()
            aliases = json.loads(row["pending_aliases"] or "[]")
            number = db.execute(
                "SELECT COALESCE(MAX(version_index), -1) + 1 FROM artifacts WHERE sequence_pk = ?",
                (artifact.sequence.pk,),
            ).fetchone()[0]
            db.execute(
                "UPDATE artifacts SET state = ?, version_index = ?, size = ?, file_count = ?, pending_aliases = NULL, "
                "updated_at = ? WHERE pk = ?",
                (COMMITTED, number, size, file_count, time.time(), artifact.pk),
            )
            self._set_aliases(db, artifact.sequence.pk, artifact.pk, ["latest", *aliases])
        return self.get(artifact.pk)  # type: ignore[return-value]

    def add_aliases(self, artifact: ArtifactRow, aliases: list[str]) -> None:
        with self._storage._tx() as db:
            self._set_aliases(db, artifact.sequence.pk, artifact.pk, aliases)

    def delete_aliases(self, artifact: ArtifactRow, aliases: list[str]) -> None:
        with self._storage._tx() as db:
            for alias in aliases:
                db.execute("DELETE FROM artifact_aliases WHERE artifact_pk = ? AND alias = ?", (artifact.pk, alias))

    def update(self, artifact: ArtifactRow, fields: dict[str, Any]) -> ArtifactRow:
        allowed = {"description", "metadata", "ttl_seconds", "tags"}
        values = {k: (json.dumps(list(v)) if k == "tags" else v) for k, v in fields.items() if k in allowed}
        if values:
            assignments = ", ".join(f"{name} = ?" for name in values)
            with self._storage._tx() as db:
                db.execute(
                    f"UPDATE artifacts SET {assignments}, updated_at = ? WHERE pk = ?",
                    (*values.values(), time.time(), artifact.pk),
                )
        return self.get(artifact.pk)  # type: ignore[return-value]

    def delete(self, artifact: ArtifactRow) -> None:
        """W&B keeps a deleted version's number (v1 stays v1); its aliases go."""
        with self._storage._tx() as db:
            db.execute("DELETE FROM artifact_aliases WHERE artifact_pk = ?", (artifact.pk,))
            db.execute(
                "UPDATE artifacts SET state = ?, updated_at = ? WHERE pk = ?", (DELETED, time.time(), artifact.pk)
            )

    def use(self, artifact: ArtifactRow, run_pk: int) -> None:
        with self._storage._tx() as db:
            db.execute(
                "INSERT OR IGNORE INTO artifact_usage (artifact_pk, run_pk, used_at) VALUES (?, ?, ?)",
                (artifact.pk, run_pk, time.time()),
            )


def artifact_index(storage: Any) -> ArtifactIndex:
    """The storage's artifact index, made once per storage object."""
    index = getattr(storage, "_artifact_index", None)
    if index is None:
        if not hasattr(storage, "_tx"):
            raise StorageError("this storage keeps no artifacts")
        index = ArtifactIndex(storage)
        storage._artifact_index = index
    return index
