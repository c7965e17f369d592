"""Single-use, short-lived login tickets of the standalone server's dashboard.

The dashboard token logs in as the admin for as long as the server's data dir
lives, so it must never land in a file a user shares, such as a saved
notebook's outputs. ``%wandb_server`` therefore shows its dashboard through a
*ticket* instead: ``<expires>.<nonce>.<mac>``, where ``mac`` is an
HMAC-SHA256 of ``<expires>.<nonce>`` under a key derived from the token.

The kernel mints tickets itself, with no request to the server: it runs as the
same user, so it can read the token from the server's 0600 record (or the
0600 ``dashboard-secrets.json`` of the data dir). The server's ``/login``
redeems a ticket once, before it expires (:data:`TICKET_TTL` seconds); the
nonces it has seen are kept in memory until their tickets expire, so a copied
link is worthless after its first use or two minutes, whichever comes first.
Only tickets with a valid mac are remembered, so nobody without the token can
grow that memory.

No tornado, IPython or requests here: both the kernel and the server import it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import threading
import time
from pathlib import Path
from typing import NamedTuple
from urllib.parse import parse_qsl, urlencode, urlsplit

__all__ = [
    "TICKET_TTL",
    "mint_ticket",
    "TicketBook",
    "TicketRefused",
    "ticket_login_url",
    "SECRETS_FILE",
    "dashboard_token",
]

#: Seconds a ticket stays valid after it is minted.
TICKET_TTL = 120
#: Seconds of clock skew tolerated on a ticket's expiry beyond :data:`TICKET_TTL` (kernel and server share a host).
_SKEW = 5
_NONCE_BYTES = 16  # 128 bits
#: The server's secrets file in its data dir (``dashboard._standalone.dashboard_secrets`` writes it).
SECRETS_FILE = "dashboard-secrets.json"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _ticket_key(token: str) -> bytes:
    """The mac key: derived from the token, so a ticket never carries (or reveals) the token itself."""
    return hmac.new(token.encode("utf-8"), b"login-ticket", hashlib.sha256).digest()


def _mac(token: str, expires: int, nonce: str) -> str:
    return _b64(hmac.new(_ticket_key(token), f"{expires}.{nonce}".encode("ascii"), hashlib.sha256).digest())


def mint_ticket(token: str, *, now: float | None = None, ttl: int = TICKET_TTL) -> str:
    """A fresh ticket for the server whose dashboard token is ``token``, valid ``ttl`` seconds from ``now``."""
    expires = int((time.time() if now is None else now) + ttl)
    nonce = _b64(secrets.token_bytes(_NONCE_BYTES))
    return f"{expires}.{nonce}.{_mac(token, expires, nonce)}"


class TicketRefused(Exception):
    """A ticket that does not log in; the message says why, in words a login page can show."""


class _Parsed(NamedTuple):
    expires: int
    nonce: str
    mac: str


_SHAPE = re.compile(r"([0-9]{1,12})\.([A-Za-z0-9_-]{1,64})\.([A-Za-z0-9_-]{1,64})")


def _parse(ticket: str) -> _Parsed:
    """The three parts of a ticket of the right shape (digits, then base64url), else TicketRefused."""
    shape = _SHAPE.fullmatch(ticket)
    if shape is None:
        raise TicketRefused("That login link is not valid.")
    return _Parsed(expires=int(shape.group(1)), nonce=shape.group(2), mac=shape.group(3))


class TicketBook:
    """The server's side: checks tickets and remembers the nonces used until their tickets expire."""

    def __init__(self, token: str) -> None:
        self._token = token
        self._used: dict[str, int] = {}  # nonce -> expiry
        self._lock = threading.Lock()

    def redeem(self, ticket: str, *, now: float | None = None) -> None:
        """Accept ``ticket`` once; raise :class:`TicketRefused` when it is forged, expired or used before."""
        moment = time.time() if now is None else now
        parsed = _parse(ticket)
        if not hmac.compare_digest(
            parsed.mac.encode("ascii"), _mac(self._token, parsed.expires, parsed.nonce).encode("ascii")
        ):
            raise TicketRefused("That login link is not valid.")
        if parsed.expires > moment + TICKET_TTL + _SKEW:  # minted for longer than a ticket lives
            raise TicketRefused("That login link is not valid.")
        if parsed.expires < moment:
            raise TicketRefused("That login link has expired: run %wandb_server again for a fresh one.")
        with self._lock:
            self._forget_expired(moment)
            if parsed.nonce in self._used:
                raise TicketRefused("That login link was used already: run %wandb_server again for a fresh one.")
            self._used[parsed.nonce] = parsed.expires

    def _forget_expired(self, moment: float) -> None:
        for nonce in [nonce for nonce, expires in self._used.items() if expires < moment]:
            del self._used[nonce]


def _token_of(login_url: str | None, data_dir: str | Path) -> str:
    """The dashboard token: from the server's login link (its 0600 record), else its data dir's secrets file."""
    if login_url:
        token = dict(parse_qsl(urlsplit(login_url).query)).get("token")
        if token:
            return token
    return dashboard_token(data_dir)


def dashboard_token(data_dir: str | Path) -> str:
    """The dashboard token in a server's data dir (its 0600 secrets file); RuntimeError when unreadable."""
    path = Path(data_dir) / SECRETS_FILE
    try:
        return str(json.loads(path.read_text(encoding="utf-8"))["token"])
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise RuntimeError(f"cannot read the dashboard token in {path}: {type(error).__name__}") from None


def ticket_login_url(url: str, login_url: str | None, data_dir: str | Path, *, now: float | None = None) -> str:
    """``<url>/login?ticket=<fresh ticket>`` for a server we started (``login_url`` as its record holds it);
    RuntimeError when its token cannot be read."""
    ticket = mint_ticket(_token_of(login_url, data_dir), now=now)
    return f"{url.rstrip('/')}/login?{urlencode({'ticket': ticket})}"
