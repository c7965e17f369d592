"""What every handler and resolver works with: the index, the run files, the URL signer,
and the caller (the user of the API key, with the attribution headers)."""

from __future__ import annotations

import base64
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from ..common._share import view_token
from ._accounts import hash_key, new_api_key
from ._anonymous import AnonymousPolicy
from ._errors import ClientError, Forbidden, NotFound, Unauthorized
from ._runfiles import RunFileStore
from ._signing import UrlSigner
from ._sqlite import SQLiteStorage
from ._storage import Entity, Run, Storage, User

__all__ = [
    "ServerContext",
    "Caller",
    "ClientError",
    "Unauthorized",
    "Forbidden",
    "NotFound",
    "encode_id",
    "decode_id",
    "INDEX_FILE",
]

INDEX_FILE = "index.sqlite3"


def encode_id(kind: str, pk: int) -> str:
    """An opaque GraphQL id, base64 of ``Kind:v1:pk`` like W&B's."""
    return base64.b64encode(f"{kind}:v1:{pk}".encode()).decode()


def decode_id(kind: str, value: str) -> int | None:
    try:
        text = base64.b64decode(value.encode(), validate=True).decode()
        prefix, version, pk = text.split(":", 2)
        number = int(pk)
        # a key SQLite can hold (a bigger one raised OverflowError deep in a query: a 500)
        return number if prefix == kind and version == "v1" and 0 < number < 1 << 63 else None
    except (ValueError, UnicodeDecodeError):
        return None


@dataclass
class Caller:
    """Who is asking: the key's user (None without a key) and the attribution headers."""

    user: User | None
    username: str | None = None
    user_email: str | None = None


@dataclass
class ServerContext:
    data_dir: Path
    storage: Storage
    files: RunFileStore
    signer: UrlSigner
    heartbeat_every: float = 2.0
    _beats: dict[int, float] = field(default_factory=dict)
    _viewable: set[int] = field(default_factory=set)  # anonymous users whose view token is known stored
    anonymous: AnonymousPolicy = field(default_factory=AnonymousPolicy)
    #: The one thread that runs the API's work (GraphQL, file_stream, run files): the event loop stays free
    #: for other clients (and, inside Jupyter, for Jupyter), and the run files see one request at a time.
    worker: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=1, thread_name_prefix="wandb-server-api")
    )

    @classmethod
    def open(cls, data_dir: str | Path, *, storage: Storage | None = None) -> ServerContext:
        data_dir = Path(data_dir).expanduser().resolve()
        data_dir.mkdir(parents=True, exist_ok=True)
        storage = storage or SQLiteStorage(data_dir / INDEX_FILE)
        return cls(data_dir=data_dir, storage=storage, files=RunFileStore(data_dir), signer=UrlSigner(storage.secret()))

    def close(self) -> None:
        self.worker.shutdown(wait=True)
        self.files.close()
        self.storage.close()

    # -- accounts ------------------------------------------------------------
    def issue_key(self, user: User) -> str:
        """A new key of ``user``; for an anonymous account also the view token its shared links carry."""
        key = new_api_key()
        self.storage.add_key(user, hash_key(key))
        if user.anonymous:
            self.storage.add_view_token(user, hash_key(view_token(key)))
        return key

    def ensure_admin(self, name: str = "admin") -> tuple[User, str] | None:
        """On the first start: the admin user and its key (to print once); None later."""
        if self.storage.count_users():
            return None
        user = self.storage.create_user(name, admin=True)
        return user, self.issue_key(user)

    def user_for_key(self, key: str) -> User | None:
        """The key's user. An anonymous account made before view tokens existed gets its token stored now
        (only the key can make it), so its shared links work from then on."""
        user = self.storage.user_by_key(hash_key(key))
        if user is not None and user.anonymous and user.pk not in self._viewable:
            self.storage.add_view_token(user, hash_key(view_token(key)))
            self._viewable.add(user.pk)
        return user

    def user_for_view_token(self, token: str) -> User | None:
        """The anonymous account whose shared links carry ``token`` (read-only: it is no API key)."""
        return self.storage.user_by_view_token(hash_key(token))

    # -- permissions ------------------------------------------------------------
    def can_write(self, user: User | None, entity: Entity) -> bool:
        return user is not None and self.storage.is_member(entity, user)

    def can_read(self, user: User | None, entity: Entity) -> bool:
        """Members read their entities; the admin reads every entity but anonymous ones (only their
        secret URL opens those). Another user's runs stay private, as they are on W&B."""
        if user is None:
            return False
        if user.admin and not entity.anonymous:
            return True
        return self.storage.is_member(entity, user)

    def writable_run(self, caller: Caller, entity: str, project: str, run_name: str) -> Run:
        """The run the caller may write to, or the ClientError that says why not."""
        if caller.user is None:
            raise Unauthorized("an API key is required")
        found = self.storage.get_entity(entity)
        if found is None:
            raise NotFound(f"entity {entity!r} does not exist")
        if not self.can_write(caller.user, found):
            raise Forbidden(f"user {caller.user.name!r} cannot write to entity {entity!r}")
        proj = self.storage.get_project(entity, project)
        run = self.storage.get_run(proj, run_name) if proj else None
        if run is None:
            raise NotFound(f"run {entity}/{project}/{run_name} does not exist")
        return run

    # -- anonymous accounts ------------------------------------------------------------
    def _runs_of(self, entity: Entity) -> list[Run]:
        return [run for project in self.storage.list_projects(entity) for run in self.storage.list_runs(project)]

    def check_anonymous_runs(self, entity: Entity) -> None:
        """Forbidden when an anonymous ``entity`` holds its quota of runs already."""
        if entity.anonymous:
            self.anonymous.check_runs(len(self._runs_of(entity)))

    def check_anonymous_bytes(self, entity: Entity, adding: int) -> None:
        """QuotaExceeded when an anonymous ``entity``'s stored files and ``adding`` more bytes pass its quota."""
        if entity.anonymous:
            self.anonymous.check_bytes([self.data_dir / run.dir for run in self._runs_of(entity)], adding)

    def beat(self, run: Run, now: float | None = None) -> bool:
        """True when the run's heartbeat should be written (at most every ``heartbeat_every`` s)."""
        now = time.time() if now is None else now
        if now - self._beats.get(run.pk, 0.0) < self.heartbeat_every:
            return False
        self._beats[run.pk] = now
        return True
