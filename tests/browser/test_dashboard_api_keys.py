"""Getting an API key needs no shell: the standalone dashboard's ``/keys`` page makes one.

A signed-in user (here through the dashboard token, as ``%wandb_server``'s links do) presses
the button; the key is shown in that one answer, works for the API at once, is not on the page
again, and never reaches the server's log (run with every request logged) or its data folder.
"""

from __future__ import annotations

import re

import pytest
import requests

from dashboard.conftest import START_TIMEOUT, basic, server_env, stop_process  # noqa: F401 (fixture)

from .conftest import artifact_path, expect_ui

pytestmark = pytest.mark.browser


def test_a_signed_in_user_makes_an_api_key_shown_once_and_never_logged(page, tmp_path, server_env) -> None:
    from wandb_jupyter.server import launch

    log_file = tmp_path / "server.log"
    launched = launch(tmp_path / "data", env=server_env, timeout=START_TIMEOUT, log_file=log_file, verbose=2)
    url = launched.url
    try:
        expect = expect_ui()
        anonymous = requests.get(f"{url}/keys", timeout=10, allow_redirects=False)
        assert anonymous.status_code == 302 and "/login?next=%2Fkeys" in anonymous.headers["Location"]

        page.goto(f"{launched.login_url}&next=%2Fkeys")
        page.wait_for_url(re.compile(re.escape(url) + r"/keys$"))
        expect(page.locator('[data-testid="fresh-key"]')).to_have_count(0)
        page.locator('[data-testid="new-key"]').click()
        field = page.locator('[data-testid="api-key"]')
        expect(field).to_be_visible()
        key = field.input_value()
        assert re.fullmatch(r"local-[0-9a-f]{40}", key), key
        page.screenshot(path=str(artifact_path("dashboard_new_api_key.png")))

        projects = requests.get(f"{url}/_dashboard/api/projects", headers=basic(key), timeout=10)
        assert projects.status_code == 200, "the new key works at once"
        viewer = requests.post(
            f"{url}/graphql", json={"query": "{ viewer { username } }"}, headers=basic(key), timeout=10
        )
        assert viewer.json()["data"]["viewer"]["username"] == "admin"

        page.goto(f"{url}/keys")  # a later visit: the key is not shown again
        assert key not in page.content() and key[-12:] not in page.content()
        page.locator('[data-testid="new-key"]').click()
        second = page.locator('[data-testid="api-key"]').input_value()
        assert second != key and re.fullmatch(r"local-[0-9a-f]{40}", second)

        forged = page.request.post(f"{url}/keys", form={}, max_redirects=0)  # session cookie, no XSRF token
        assert forged.status == 403
        by_key = requests.post(f"{url}/keys", headers=basic(key), timeout=10, allow_redirects=False)
        assert by_key.status_code in (302, 403), "a key in a header makes no other key"
        assert "local-" not in by_key.text
    finally:
        stop_process(launched.process)
    logged = log_file.read_text(encoding="utf-8", errors="replace")
    assert "POST /keys" in logged, "every request is logged at -vv"
    on_disk = [p for p in (tmp_path / "data").rglob("*") if p.is_file() and key.encode() in p.read_bytes()]
    assert key not in logged and second not in logged and not on_disk
