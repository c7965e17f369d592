"""Single-use login tickets against a real ``wandb-jupyter server`` process.

A ticket (what ``%wandb_server`` puts in its frame and link instead of the
dashboard token) logs a browser in once, before it expires, and the redirect
drops it from the URL; a used, expired, over-long, forged or malformed one gets
the login page with a reason and a 403, never a session and never a 500.
"""

from __future__ import annotations

import json
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from wandb_jupyter.server._tickets import TICKET_TTL, mint_ticket, ticket_login_url

from .conftest import Standalone

COOKIE = "wandb_dashboard_user"


def _token(standalone: Standalone) -> str:
    return json.loads((standalone.data_dir / "dashboard-secrets.json").read_text())["token"]


def _login(
    standalone: Standalone, ticket: str, session: requests.Session | None = None, **params: str
) -> requests.Response:
    browser = session or requests.Session()
    return browser.get(
        f"{standalone.url}/login", params={"ticket": ticket, **params}, timeout=10, allow_redirects=False
    )


def _refused(answer: requests.Response, reason: str) -> None:
    assert answer.status_code == 403, (answer.status_code, answer.text)
    assert answer.headers["Content-Type"].startswith("text/html")
    assert reason in answer.text and 'name="key"' in answer.text, "the login page, with the reason"
    assert COOKIE not in answer.cookies


def test_a_ticket_logs_in_once_and_leaves_the_url(standalone: Standalone) -> None:
    standalone.upsert("p", "r1")
    link = ticket_login_url(standalone.url, standalone.login_url, standalone.data_dir)
    assert _token(standalone) not in link
    ticket = parse_qs(urlsplit(link).query)["ticket"][0]

    browser = requests.Session()
    answer = browser.get(link + "&next=/admin/p", timeout=10, allow_redirects=False)
    assert answer.status_code == 302 and answer.headers["Location"] == "/admin/p", "redirected without the ticket"
    assert "HttpOnly" in answer.headers["Set-Cookie"] and "SameSite=Lax" in answer.headers["Set-Cookie"]
    runs = browser.get(f"{standalone.url}/_dashboard/api/runs/admin/p", timeout=10)
    assert runs.status_code == 200 and [run["id"] for run in runs.json()["runs"]] == ["r1"]

    _refused(_login(standalone, ticket), "used already")
    # a browser that already has a session just goes on with it, whatever the ticket
    again = _login(standalone, ticket, browser, next="/admin/p")
    assert again.status_code == 302 and again.headers["Location"] == "/admin/p"


def test_each_fresh_ticket_logs_in_and_one_from_the_data_dir_secrets_too(standalone: Standalone) -> None:
    first = ticket_login_url(standalone.url, standalone.login_url, standalone.data_dir)
    second = ticket_login_url(standalone.url, None, standalone.data_dir)  # no login link known: the secrets file
    assert first != second
    for link in (first, second):
        browser = requests.Session()
        home = browser.get(link, timeout=10)  # follows the redirect to the projects page
        assert home.status_code == 200 and urlsplit(home.url).path == "/" and "ticket" not in home.url
        assert browser.get(f"{standalone.url}/_dashboard/api/projects", timeout=10).status_code == 200


def test_expired_forged_and_malformed_tickets_are_refused(standalone: Standalone) -> None:
    token = _token(standalone)
    _refused(_login(standalone, mint_ticket(token, now=time.time() - TICKET_TTL - 1)), "expired")
    _refused(_login(standalone, mint_ticket(token, ttl=-1)), "expired")
    _refused(_login(standalone, mint_ticket(token, ttl=24 * 3600)), "not valid")  # lives longer than a ticket may

    good = mint_ticket(token)
    expires, nonce, mac = good.split(".")
    forged = [
        f"{expires}.{nonce}.{mac[:-2]}{'AA' if mac[-2:] != 'AA' else 'BB'}",  # another mac
        f"{int(expires) + 1}.{nonce}.{mac}",  # a later expiry under the old mac
        mint_ticket("not-the-token"),
        f"{expires}.{nonce}.{token}",  # the token itself in the mac slot
    ]
    for ticket in forged:
        _refused(_login(standalone, ticket), "not valid")
    malformed = [
        "",
        "x",
        "1.2",
        "1.2.3.4",
        "..",
        "abc.def.ghi",
        "9" * 40 + ".a.b",
        "1.\u00e9.\u00e9",
        "%00.a.b",
        f"{good}.x",
    ]
    for ticket in malformed:
        _refused(_login(standalone, ticket), "not valid")

    answer = _login(standalone, good)  # none of the refusals spent the good one
    assert answer.status_code == 302 and COOKIE in answer.cookies


def test_the_server_forgets_used_tickets_once_they_expire() -> None:
    """The memory of used nonces stays bounded: a nonce is kept only while its ticket could still log in."""
    from wandb_jupyter.server._tickets import TicketBook, TicketRefused

    book, start = TicketBook("tok"), 1_000_000.0
    spent = [mint_ticket("tok", now=start) for _ in range(500)]
    for ticket in spent:
        book.redeem(ticket, now=start + 1)
    later = start + TICKET_TTL + 1
    book.redeem(mint_ticket("tok", now=later), now=later)
    assert len(book._used) == 1
    with pytest.raises(TicketRefused, match="expired"):  # forgotten, yet still refused
        book.redeem(spent[0], now=later)
