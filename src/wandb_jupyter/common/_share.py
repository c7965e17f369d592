"""The view token of an anonymous account: what its shared run links carry instead of its API key.

An anonymous run is reachable only by a secret link. That link once carried the account's own
API key (``?apiKey=``), so whoever got the link could also write as the account. The link now
carries a token derived from the key by a one-way hash: the client computes it from the key it
holds, the server stores only its hash when it issues the key, and the token opens the run's
pages read-only. Knowing the token gives neither the key nor any write.
"""

from __future__ import annotations

import hashlib

__all__ = ["view_token", "VIEW_PARAM"]

#: The query parameter of a shared link that carries the view token.
VIEW_PARAM = "view"
_CONTEXT = b"wandb-jupyter view token v1\0"


def view_token(api_key: str) -> str:
    """``view-`` and 40 hex digits, a one-way function of ``api_key``."""
    return "view-" + hashlib.sha256(_CONTEXT + api_key.encode("utf-8")).hexdigest()[:40]
