"""Which API key a run uses, and ``wandb-jupyter login``.

Order, first that has one: ``WANDB_API_KEY`` (or ``init(settings=...)``), the
``.netrc`` entry for the server's host (``$NETRC``, else ``~/.netrc``; the
entry W&B's ``wandb login`` writes: ``machine <host[:port]>``, ``login user``,
``password <key>``), then ``api_key`` in the workspace or global settings file.

The key is only ever written to the ``.netrc`` file (mode 0600); it is shown
masked (``****abcd``) everywhere else.
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from ..common._errors import UsageError
from ..common._secrets import mask
from ..settings import ResolvedSettings

__all__ = [
    "KeySource",
    "resolve_key",
    "netrc_path",
    "read_netrc_key",
    "write_netrc_key",
    "missing_key_message",
    "ANONYMOUS_LOGIN",
    "login",
    "verify_key",
]

#: The ``login`` field of .netrc entries holding a key of an anonymous account.
ANONYMOUS_LOGIN = "anonymous"


class KeySource(NamedTuple):
    key: str
    source: str  # where it came from, for messages ("WANDB_API_KEY", "/home/u/.netrc", ...)
    anonymous: bool = False


def netrc_path() -> Path:
    """``$NETRC`` when set, else ``~/.netrc`` (``~/_netrc`` on Windows when only that exists)."""
    if os.environ.get("NETRC"):
        return Path(os.environ["NETRC"]).expanduser()
    unix = Path("~/.netrc").expanduser()
    windows = Path("~/_netrc").expanduser()
    if os.name == "nt" and windows.exists() and not unix.exists():
        return windows
    return unix


def machine_of(base_url: str) -> str:
    """The .netrc machine name of a server: its ``host[:port]``, as W&B writes it."""
    return urlsplit(base_url).netloc


def _tokens(line: str) -> list[str]:
    try:
        return shlex.split(line, comments=True)
    except ValueError:
        return line.split()


def _entries(text: str) -> dict[str, dict[str, str]]:
    """machine -> {"login": ..., "password": ...}; tolerant of odd files (never raises)."""
    entries: dict[str, dict[str, str]] = {}
    tokens = [token for line in text.splitlines() for token in _tokens(line)]
    current: dict[str, str] | None = None
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token == "machine" and index + 1 < len(tokens):
            current = entries.setdefault(tokens[index + 1], {})
            index += 2
        elif token == "default":
            current = entries.setdefault("", {})
            index += 1
        elif token in ("login", "password", "account") and current is not None and index + 1 < len(tokens):
            current[token] = tokens[index + 1]
            index += 2
        elif token == "macdef":  # a macro runs to the next blank line; nothing we need is in it
            current = None
            index += 2
        else:
            index += 1
    return entries


def read_netrc_entry(base_url: str) -> dict[str, str] | None:
    try:
        text = netrc_path().read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    entry = _entries(text).get(machine_of(base_url))
    return entry if entry and entry.get("password") else None


def read_netrc_key(base_url: str) -> str | None:
    entry = read_netrc_entry(base_url)
    return entry["password"] if entry else None


def write_netrc_key(base_url: str, key: str, *, login: str = "user") -> Path:
    """Store ``key`` for the server's host in .netrc (replacing its entry), mode 0600, atomically."""
    if not key or any(c.isspace() for c in key):
        raise UsageError("an API key has no spaces and is not empty")
    machine = machine_of(base_url)
    path = netrc_path()
    try:
        old = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        old = []
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f"cannot read {path}: {error}") from None
    kept: list[str] = []
    in_entry = False
    for line in old:
        tokens = _tokens(line)
        if tokens[:2] == ["machine", machine]:
            in_entry = True
        elif tokens and tokens[0] in ("machine", "default"):
            in_entry = False
        if not in_entry:
            kept.append(line)
    while kept and not kept[-1].strip():
        kept.pop()
    if kept:
        kept.append("")
    kept += [f"machine {shlex.quote(machine)}", f"  login {shlex.quote(login)}", f"  password {shlex.quote(key)}", ""]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        if hasattr(os, "fchmod"):  # an existing file keeps no looser mode
            os.fchmod(fd, 0o600)
        os.write(fd, "\n".join(kept).encode("utf-8"))
    finally:
        os.close(fd)
    os.replace(tmp, path)
    return path


def resolve_key(settings: ResolvedSettings) -> KeySource | None:
    """The key for ``settings.base_url``, or None; see the module docstring for the order."""
    key = settings.api_key
    origin = settings.origin("api_key")
    if key and origin.kind in ("env", "init"):
        return KeySource(key, origin.detail or "WANDB_API_KEY")
    entry = read_netrc_entry(settings.base_url)
    if entry:
        return KeySource(entry["password"], str(netrc_path()), anonymous=entry.get("login") == ANONYMOUS_LOGIN)
    if key:
        return KeySource(key, origin.detail or str(origin))
    return None


def missing_key_message(base_url: str, config_dir: Path | None = None) -> str:
    where = f"{Path(config_dir) / 'settings'}" if config_dir else "the settings file"
    host_flag = "" if base_url == "https://api.wandb.ai" else f" --host {base_url}"
    return (
        f"online mode needs an API key for {base_url}, and none was found. Provide one in any of three ways: "
        f"set WANDB_API_KEY; run `wandb-jupyter login{host_flag}` (stores it in {netrc_path()}, mode 0600); "
        f"or put `api_key = ...` in {where}. Or keep the run local with WANDB_MODE=offline "
        f"(upload it later with `wandb-jupyter sync`)."
    )


def describe(source: KeySource) -> str:
    return f"{mask(source.key)} from {source.source}"


def verify_key(base_url: str, key: str, *, username: str | None = None, user_email: str | None = None) -> dict:
    """The Viewer of ``key`` at ``base_url``; UsageError saying why when the key does not work there."""
    from ._api import Api, ApiError, AuthError, RetryableError

    api = Api(base_url, key, username=username, user_email=user_email, timeout=(5.0, 20.0))
    try:
        viewer = api.viewer()
    except AuthError:
        raise UsageError(f"{base_url} refused the key {mask(key)}") from None
    except RetryableError as error:
        raise UsageError(f"cannot check the key: {error}") from None
    except ApiError as error:
        raise UsageError(f"cannot check the key: {error}") from None
    finally:
        api.close()
    if not viewer:
        raise UsageError(f"{base_url} knows no user for the key {mask(key)}")
    return viewer


def login(
    settings: ResolvedSettings,
    *,
    key: str | None,
    relogin: bool,
    verify: bool,
    store_host: bool,
    read_key: Any,
    say: Any,
) -> int:
    """``wandb-jupyter login``: store (and optionally check) the key for ``settings.base_url``.

    ``store_host``: also make ``settings.base_url`` the default server (``base_url`` in the
    global settings file), as ``wandb login --host`` does (with a new key or the one stored).
    """
    base_url = settings.base_url
    existing = resolve_key(settings)
    if key is None and existing is not None and not relogin:
        say(f"already logged in to {base_url}: key {describe(existing)} (`--relogin` replaces it)")
        if verify:
            viewer = verify_key(base_url, existing.key, username=settings.username, user_email=settings.user_email)
            say(f"the key works: user {viewer.get('username')!r}, entity {viewer.get('entity')!r}")
        if store_host:
            _make_default_server(settings, say)
        return 0
    if key is None:
        from ..common._browser import app_url

        key = read_key(
            f"API key for {base_url} (from {app_url(base_url)}/authorize, or `wandb-jupyter server "
            "user add` for a local server): "
        )
    key = (key or "").strip()
    if not key:
        raise UsageError("no key given; nothing was stored")
    if verify:
        viewer = verify_key(base_url, key, username=settings.username, user_email=settings.user_email)
        say(f"the key works: user {viewer.get('username')!r}, entity {viewer.get('entity')!r}")
    path = write_netrc_key(base_url, key)
    say(f"stored the key {mask(key)} for {base_url} in {path} (mode 0600)")
    if store_host:
        _make_default_server(settings, say)
    if settings.origin("api_key").kind == "env":
        say("note: WANDB_API_KEY is set in this environment and takes precedence over the stored key")
    return 0


def _make_default_server(settings: ResolvedSettings, say: Any) -> None:
    """``base_url`` in the global settings file: later runs go to this server."""
    from ..settings import global_file, write_file

    settings_path = global_file(settings.config_dir)
    write_file(settings_path, {"base_url": settings.base_url})
    say(f"runs now go to {settings.base_url} (base_url in {settings_path})")
