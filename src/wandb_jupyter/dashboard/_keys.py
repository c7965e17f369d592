"""``/keys`` on the standalone server: a signed-in user makes a new API key without a shell.

A POST (session cookie and the form's XSRF token; an API key in a header makes
none, so a leaked key cannot breed others) issues a key as ``wandb-jupyter
server user add --new-key`` does. The key is in that one answer only
(``Cache-Control: no-store``): the server keeps only its hash, so no later visit
can show it again; the log gets its masked form (the request log holds the path only).
Anonymous accounts make none: their keys come with the account.
"""

from __future__ import annotations

import html
import logging
from typing import Any
from urllib.parse import quote

__all__ = ["KeysLogic", "masked_key"]

log = logging.getLogger("wandb_jupyter.dashboard")

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>API keys · wandb-jupyter</title>
<link rel="stylesheet" href="{base}/_dashboard/static/dashboard.css">
</head>
<body>
<main class="login">
<h1>API keys of {user}</h1>
{body}<form method="post" action="{base}/keys">
{xsrf}<button type="submit" data-testid="new-key">Create a new API key</button>
</form>
<p>A key is shown once, when it is made; this server keeps only a hash of it. Earlier keys keep working.</p>
<p><a href="{base}/">Back to the dashboard</a></p>
</main>
</body>
</html>
"""


def masked_key(key: str) -> str:
    """What may be shown of a key after its one showing: its prefix, never a secret character."""
    prefix, sep, _ = key.rpartition("-")
    return f"{prefix}{sep}{'•' * 8}"


def _fresh_key_html(key: str, url: str) -> str:
    value = html.escape(key, quote=True)
    return (
        '<section data-testid="fresh-key">\n<p>Your new API key (copy it now; it is not shown again):</p>\n'
        f'<input type="text" readonly size="48" value="{value}" data-testid="api-key" aria-label="API key">\n'
        "<p>Log runs to this server with:</p>\n"
        f"<pre>export WANDB_BASE_URL={html.escape(url)}\nexport WANDB_API_KEY={value}</pre>\n</section>\n"
    )


class KeysLogic:
    """GET: the page with its form; POST: a new key for the session's user, shown in the answer only."""

    async def get(self: Any) -> None:
        user = self.key_owner()
        if user is not None:
            self.keys_page(user, "")

    async def post(self: Any) -> None:
        self.check_xsrf_cookie()
        user = self.key_owner()
        if user is None:
            return
        key = await self.blocking(self.auth.server.issue_key, user)
        log.info("dashboard: user %s made a new API key (%s)", user.name, masked_key(key))
        self.keys_page(user, _fresh_key_html(key, self.server_url()))

    def key_owner(self: Any) -> Any:
        """The session's user, or None once the answer is sent (off to log in, or refused)."""
        user = self.current_user
        if user is None:
            target = quote(f"{self.dashboard.base}/keys", safe="")
            self.redirect(f"{self.dashboard.base}/login?next={target}")
            return None
        if user.anonymous:
            self.set_status(403)
            self.finish("Anonymous accounts cannot make API keys.")
            return None
        return user

    def server_url(self: Any) -> str:
        return f"{self.request.protocol}://{self.request.host}{self.dashboard.base}"

    def keys_page(self: Any, user: Any, body: str) -> None:
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(
            _PAGE.format(
                base=html.escape(self.dashboard.base),
                user=html.escape(user.name),
                body=body,
                xsrf=self.xsrf_form_html(),
            )
        )
