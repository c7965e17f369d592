"""Logging out of the standalone dashboard (issue 19, item 11): a POST with the form's XSRF token, so
neither a link, an image nor another site's form can end a session."""

from __future__ import annotations

import json
import re

import requests


def test_logout_is_a_post_with_the_forms_xsrf_token(launched) -> None:
    url = launched.url
    token = json.loads((launched.data_dir / "dashboard-secrets.json").read_text())["token"]
    session = requests.Session()
    assert session.get(f"{url}/login", params={"token": token}, allow_redirects=False, timeout=30).status_code == 302
    api = f"{url}/_dashboard/api/projects"
    assert session.get(api, timeout=30).status_code == 200
    # a GET (a link, an <img> on another page) shows the form and logs nobody out
    page = session.get(f"{url}/logout", allow_redirects=False, timeout=30)
    assert page.status_code == 200 and 'method="post"' in page.text
    assert session.get(api, timeout=30).status_code == 200
    # a POST without the form's token (another site's form) is refused
    assert session.post(f"{url}/logout", allow_redirects=False, timeout=30).status_code == 403
    assert session.get(api, timeout=30).status_code == 200
    # the form's POST logs out
    xsrf = re.search(r'name="_xsrf" value="([^"]+)"', page.text).group(1)
    done = session.post(f"{url}/logout", data={"_xsrf": xsrf}, allow_redirects=False, timeout=30)
    assert done.status_code == 302 and done.headers["Location"].endswith("/login")
    assert session.get(api, timeout=30).status_code == 401
