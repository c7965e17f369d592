"""Editing runs through the dashboard's JSON API: XSRF-protected, members only, checked input.

Against a launched standalone server (real HTTP on loopback): a browser session renames,
re-notes, re-tags and deletes a run; without the XSRF token, with a shared link or with
bad input nothing changes. Inside Jupyter the same API rewrites a local run's
wandb-metadata.json atomically (see tests/browser/test_dashboard_editing.py).
"""

from __future__ import annotations

import requests

from wandb_jupyter.common._share import VIEW_PARAM, view_token

from .conftest import Standalone


def _session(standalone: Standalone) -> tuple[requests.Session, dict[str, str]]:
    browser = requests.Session()
    browser.get(standalone.login_url, timeout=10)
    browser.get(f"{standalone.url}/admin/p", timeout=10)  # a page sets the _xsrf cookie
    token = browser.cookies.get("_xsrf")
    assert token
    return browser, {"X-XSRFToken": token}


def test_a_member_renames_notes_tags_and_deletes_a_run_with_the_xsrf_token(standalone: Standalone) -> None:
    standalone.upsert("p", "r1", displayName="before", tags=["old"])
    browser, xsrf = _session(standalone)
    api = f"{standalone.url}/_dashboard/api/run/admin/p/r1"

    assert browser.post(api, json={"name": "hijacked"}, timeout=10).status_code == 403  # no token
    assert standalone.api("run/admin/p/r1")["name"] == "before"

    answer = browser.post(
        api,
        json={"name": " after ", "notes": "# Notes\nwith *markdown*", "tags": ["best", "best", "x"]},
        headers=xsrf,
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    run = standalone.api("run/admin/p/r1")
    assert (run["name"], run["notes"], run["tags"]) == ("after", "# Notes\nwith *markdown*", ["best", "x"])
    # the server's GraphQL sees the same run
    node = standalone.gql('{ project(name: "p", entityName: "admin") { run(name: "r1") { displayName notes tags } } }')
    assert node["project"]["run"] == {
        "displayName": "after",
        "notes": "# Notes\nwith *markdown*",
        "tags": ["best", "x"],
    }

    for bad in ({"name": ""}, {"state": "finished"}, {"tags": "best"}, {"tags": [""]}, {}, ["name"]):
        refused = browser.post(api, json=bad, headers=xsrf, timeout=10)
        assert refused.status_code == 400, (bad, refused.text)
    assert browser.post(f"{api}x", json={"name": "n"}, headers=xsrf, timeout=10).status_code == 404

    assert browser.delete(api, timeout=10).status_code == 403  # no token
    assert browser.delete(api, headers=xsrf, timeout=10).status_code == 200
    assert standalone.get("/_dashboard/api/run/admin/p/r1").status_code == 404


def test_a_shared_link_reads_but_does_not_edit(standalone: Standalone) -> None:
    anon_key = standalone.gql("mutation { createAnonymousEntity(input: {}) { apiKey { name } } }", key=None)[
        "createAnonymousEntity"
    ]["apiKey"]["name"]
    entity = standalone.upsert("q", "anon", key=anon_key)["project"]["entity"]["name"]
    browser, xsrf = _session(standalone)
    api = f"{standalone.url}/_dashboard/api/run/{entity}/q/anon"
    # the admin does not see (nor edit) an anonymous entity's runs
    assert browser.post(api, json={"name": "x"}, headers=xsrf, timeout=10).status_code == 404
    shared = f"{api}?{VIEW_PARAM}={view_token(anon_key)}"
    assert browser.get(shared, timeout=10).json()["name"]  # the shared link reads the run ...
    reader = browser.post(shared, json={"name": "x"}, headers=xsrf, timeout=10)
    assert reader.status_code == 403, reader.text  # ... and cannot change it
