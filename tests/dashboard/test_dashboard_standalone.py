"""The dashboard of a real ``wandb-jupyter server`` process, over HTTP on loopback.

Runs come from our client (online) and from the real W&B SDK; the answers are
checked against what was logged: rows of the runs table, point counts with and
without downsampling (extremes kept exactly), rows appended later, sessions and
secret links, escaping, file downloads and the security headers.
"""

from __future__ import annotations

import json
import math
import os
import re
import sys

import pytest
import requests

import wandb_jupyter as wandb
from wandb_jupyter.common._share import view_token

from .conftest import FRAME_ORIGIN, Standalone, json_of, run_child

SDK_SCRIPT = r"""
import wandb
run = wandb.init(project="dash", config={"lr": 0.01, "net": {"depth": 3}}, group="grp", job_type="train",
                 tags=["sdk"])
for i in range(120):
    run.log({"loss": 1.0 / (i + 1), "acc": i / 120, "note": "text is no metric"})
print("hello from the sdk run")
run.summary["best"] = 0.25
run.finish()
print("RUN", run.id)
"""


def _history_rows(step_values: list[tuple[int, dict]]) -> list[str]:
    return [
        json.dumps({"_step": step, "_runtime": step / 10, "_timestamp": 1.7e9 + step, **values})
        for step, values in step_values
    ]


def _our_online_run(server: Standalone, monkeypatch: pytest.MonkeyPatch, rows: int) -> str:
    monkeypatch.setenv("WANDB_BASE_URL", server.url)
    monkeypatch.setenv("WANDB_API_KEY", server.key)
    monkeypatch.setenv("WANDB_MODE", "online")
    run = wandb.init(
        project="dash",
        name="ours",
        config={"lr": 0.1, "opt": {"name": "adam", "beta": 0.9}},
        tags=["mine"],
        group="grp",
        job_type="eval",
        notes="plain notes",
    )
    for i in range(rows):
        run.log({"loss": 2.0 / (i + 1), "flag": True, "label": "x"})
    run.summary["best"] = 0.5
    print("hello from our run")
    run.finish()
    return run.id


@pytest.mark.wandb_sdk
def test_runs_table_and_run_pages_show_our_run_and_an_sdk_run(
    standalone: Standalone, monkeypatch, server_env, tmp_path
) -> None:
    pytest.importorskip("wandb")
    ours = _our_online_run(standalone, monkeypatch, rows=80)
    sdk_dir = tmp_path / "sdk"
    sdk_dir.mkdir()
    env = {
        **server_env,
        "WANDB_BASE_URL": standalone.url,
        "WANDB_API_KEY": standalone.key,
        "WANDB_DIR": str(sdk_dir),
        "WANDB_X_STATS_SAMPLING_INTERVAL": "1",
    }
    done = run_child(SDK_SCRIPT, cwd=sdk_dir, env=env)
    theirs = re.search(r"^RUN (\S+)$", done.stdout, re.M).group(1)

    projects = standalone.api("projects")["projects"]
    assert [(p["entity"], p["project"], p["runs"]) for p in projects] == [("admin", "dash", 2)]
    table = standalone.api("runs/admin/dash")
    rows = {row["id"]: row for row in table["runs"]}
    assert set(rows) == {ours, theirs}
    mine, sdk = rows[ours], rows[theirs]
    assert (mine["name"], mine["state"], mine["group"], mine["job_type"], mine["tags"]) == (
        "ours",
        "finished",
        "grp",
        "eval",
        ["mine"],
    )
    assert mine["config"] == {"lr": 0.1, "opt.name": "adam", "opt.beta": 0.9}
    assert mine["summary"]["best"] == 0.5 and mine["summary"]["loss"] == 2.0 / 80
    assert not any(key.startswith("_") for key in mine["summary"])
    assert mine["url"] == f"/admin/dash/runs/{ours}" and mine["user"] == "admin"
    assert (sdk["state"], sdk["group"], sdk["job_type"], sdk["tags"]) == ("finished", "grp", "train", ["sdk"])
    assert sdk["config"] == {"lr": 0.01, "net.depth": 3}
    assert sdk["summary"]["best"] == 0.25 and sdk["summary"]["acc"] == 119 / 120
    assert sdk["runtime"] is not None and sdk["created_at"] > 1e9
    assert {"lr", "opt.name", "net.depth"} <= set(table["config_keys"])
    assert {"best", "loss", "acc"} <= set(table["summary_keys"])

    for run_id, count, metrics, printed in (
        (ours, 80, ["loss"], "hello from our run"),
        (theirs, 120, ["acc", "loss"], "hello from the sdk run"),
    ):
        detail = standalone.api(f"run/admin/dash/{run_id}")
        assert detail["history_rows"] == count and detail["metrics"] == metrics
        names = {f["name"] for f in detail["files"]}
        assert {"wandb-history.jsonl", "wandb-metadata.json", "config.yaml"} <= names
        history = standalone.api(f"run/admin/dash/{run_id}/history", keys="loss")
        loss = history["series"]["loss"]
        assert history["rows"] == count and history["x"] == "_step"
        assert loss["x"] == list(range(count)) and len(loss["y"]) == count  # few rows: every point
        assert printed in standalone.api(f"run/admin/dash/{run_id}/output", tail=20)["text"]
    assert standalone.api(f"run/admin/dash/{ours}")["notes"] == "plain notes"
    system = standalone.api(f"run/admin/dash/{theirs}")["system_metrics"]
    events = standalone.api(f"run/admin/dash/{theirs}/events")
    assert system and set(events["series"]) == set(system) and events["x"] == "_runtime"


def test_history_downsampling_keeps_every_extreme(standalone: Standalone) -> None:
    standalone.upsert("p", "big")
    count = 100_000
    spike_max, spike_min = 31_337, 77_777

    def value(step: int) -> float:
        return 1e6 if step == spike_max else -1e6 if step == spike_min else math.sin(step / 500)

    for start in range(0, count, 25_000):
        batch = [
            (i, {"wave": value(i), **({"sparse": i} if i % 2000 == 0 else {})}) for i in range(start, start + 25_000)
        ]
        standalone.stream("p", "big", {"wandb-history.jsonl": {"offset": start, "content": _history_rows(batch)}})

    for samples in (1000, 4000):
        answer = standalone.api("run/admin/p/big/history", keys="wave,sparse", samples=samples)
        wave, sparse = answer["series"]["wave"], answer["series"]["sparse"]
        assert answer["rows"] == count
        assert 0 < len(wave["x"]) <= samples and len(wave["x"]) == len(wave["y"])
        assert max(wave["y"]) == 1e6 and min(wave["y"]) == -1e6  # the spikes survive, exactly
        assert wave["x"][wave["y"].index(1e6)] == spike_max and wave["x"][wave["y"].index(-1e6)] == spike_min
        assert wave["x"] == sorted(wave["x"]) and wave["x"][0] == 0 and wave["x"][-1] == count - 1
        assert all(wave["y"][i] == value(int(x)) for i, x in enumerate(wave["x"]))  # real points only
        assert sparse["x"] == list(range(0, count, 2000)) and sparse["y"] == sparse["x"]  # 50 points: all kept
    capped = standalone.api("run/admin/p/big/history", keys="wave", samples=10**6)["series"]["wave"]
    assert len(capped["x"]) <= 5000
    by_time = standalone.api("run/admin/p/big/history", keys="wave", x="_runtime", samples=1000)["series"]["wave"]
    assert max(by_time["y"]) == 1e6 and by_time["x"][by_time["y"].index(1e6)] == spike_max / 10
    # any logged metric may be the x axis (W&B's x = a metric); an empty one is refused
    against = standalone.api("run/admin/p/big/history", keys="sparse", x="wave")["series"]["sparse"]
    assert against["x"] and all(-1e6 <= x <= 1e6 for x in against["x"])
    assert standalone.get("/_dashboard/api/run/admin/p/big/history", x="").status_code == 400
    assert standalone.get("/_dashboard/api/run/admin/p/big/history", samples="many").status_code == 400


def test_appended_rows_show_up_in_the_next_answer(standalone: Standalone) -> None:
    standalone.upsert("p", "live")
    standalone.stream(
        "p",
        "live",
        {
            "wandb-history.jsonl": {
                "offset": 0,
                "content": _history_rows([(i, {"m": i, "odd": "text", "b": True, "n": None}) for i in range(100)]),
            }
        },
    )
    first = standalone.api("run/admin/p/live/history")
    assert first["rows"] == 100 and list(first["series"]) == ["m"]  # text, booleans and null are no metrics
    assert standalone.api("run/admin/p/live")["state"] == "running"
    standalone.stream(
        "p",
        "live",
        {
            "wandb-history.jsonl": {
                "offset": 100,
                "content": _history_rows([(i, {"m": i, "late": -i}) for i in range(100, 150)]),
            }
        },
    )
    second = standalone.api("run/admin/p/live/history")
    assert second["rows"] == 150 and second["series"]["m"]["x"][-1] == 149
    assert second["series"]["late"]["x"] == list(range(100, 150))
    assert standalone.api("run/admin/p/live")["metrics"] == ["late", "m"]
    # a torn last line (a writer mid-append) is no row until its newline arrives
    history = standalone.run_dir("admin", "p", "live") / "files" / "wandb-history.jsonl"
    line = _history_rows([(150, {"m": 150})])[0]
    with open(history, "a", encoding="utf-8") as handle:
        handle.write(line[:10])
        handle.flush()
        assert standalone.api("run/admin/p/live/history", keys="m")["rows"] == 150
        handle.write(line[10:] + "\n")
    assert standalone.api("run/admin/p/live/history", keys="m")["series"]["m"]["x"][-1] == 150


def test_sessions_secret_links_and_who_sees_what(standalone: Standalone) -> None:
    standalone.upsert("p", "r1")
    api = f"{standalone.url}/_dashboard/api"
    assert requests.get(f"{api}/projects", timeout=10).status_code == 401
    assert requests.get(f"{api}/run/admin/p/r1", timeout=10).status_code == 401
    assert standalone.get("/_dashboard/api/projects", key="local-" + "0" * 40).status_code == 401
    page = requests.get(f"{standalone.url}/admin/p", timeout=10, allow_redirects=False)
    assert page.status_code == 302 and page.headers["Location"] == "/login?next=%2Fadmin%2Fp"

    # the dashboard link the server printed logs a browser in as the admin
    browser = requests.Session()
    wrong = browser.get(standalone.login_url.replace("token=", "token=x"), timeout=10, allow_redirects=False)
    assert wrong.status_code == 403 and "wandb_dashboard_user" not in browser.cookies
    answer = browser.get(standalone.login_url + "&next=/admin/p", timeout=10, allow_redirects=False)
    assert answer.status_code == 302 and answer.headers["Location"] == "/admin/p"
    assert "HttpOnly" in answer.headers["Set-Cookie"] and "SameSite=Lax" in answer.headers["Set-Cookie"]
    assert browser.get(f"{api}/runs/admin/p", timeout=10).json()["runs"][0]["id"] == "r1"
    assert browser.get(f"{standalone.url}/admin/p", timeout=10).status_code == 200
    evil = browser.get(standalone.login_url + "&next=//evil.example/x", timeout=10, allow_redirects=False)
    assert evil.headers["Location"] == "/"  # no open redirect
    logout = browser.get(f"{standalone.url}/logout", timeout=10).text  # a form: logging out is a POST
    xsrf = re.search(r'name="_xsrf" value="([^"]+)"', logout).group(1)
    browser.post(f"{standalone.url}/logout", data={"_xsrf": xsrf}, timeout=10)
    assert browser.get(f"{api}/projects", timeout=10).status_code == 401

    # an anonymous entity: its secret link opens it, nobody else sees it (not even the admin)
    anon_key = standalone.gql("mutation { createAnonymousEntity(input: {}) { apiKey { name } } }", key=None)[
        "createAnonymousEntity"
    ]["apiKey"]["name"]
    entity = standalone.upsert("q", "anon", key=anon_key)["project"]["entity"]["name"]
    assert standalone.get(f"/_dashboard/api/runs/{entity}/q").status_code == 404
    assert entity not in {p["entity"] for p in standalone.api("projects")["projects"]}
    view = {"view": view_token(anon_key)}  # what its shared link carries (read-only)
    secret = requests.get(f"{api}/runs/{entity}/q", params=view, timeout=10)
    assert secret.status_code == 200 and [r["id"] for r in secret.json()["runs"]] == ["anon"]
    by_secret = requests.get(f"{api}/projects", params=view, timeout=10).json()["projects"]
    assert [(p["entity"], p["project"]) for p in by_secret] == [(entity, "q")]  # that entity only
    assert requests.get(f"{api}/runs/admin/p", params=view, timeout=10).status_code == 404
    shell = requests.get(f"{standalone.url}/{entity}/q/runs/anon", params=view, timeout=10, allow_redirects=False)
    assert shell.status_code == 200 and "wandb-dashboard-base" in shell.text
    # an API key in a URL is no login, the anonymous account's own key neither
    assert requests.get(f"{api}/projects", params={"apiKey": standalone.key}, timeout=10).status_code == 401
    assert requests.get(f"{api}/runs/{entity}/q", params={"apiKey": anon_key}, timeout=10).status_code == 401

    # the login form: an API key plus the XSRF token of the form
    form = requests.Session()
    login = form.get(f"{standalone.url}/login", timeout=10)
    xsrf = re.search(r'name="_xsrf" value="([^"]+)"', login.text).group(1)
    refused = form.post(f"{standalone.url}/login", data={"key": anon_key}, timeout=10, allow_redirects=False)
    assert refused.status_code == 403  # no XSRF token
    bad = form.post(f"{standalone.url}/login", data={"key": "nope", "_xsrf": xsrf}, timeout=10)
    assert bad.status_code == 401 and "not valid" in bad.text
    ok = form.post(
        f"{standalone.url}/login",
        data={"key": anon_key, "_xsrf": xsrf, "next": f"/{entity}/q"},
        timeout=10,
        allow_redirects=False,
    )
    assert ok.status_code == 302 and ok.headers["Location"] == f"/{entity}/q"
    assert [p["entity"] for p in form.get(f"{api}/projects", timeout=10).json()["projects"]] == [entity]
    assert form.get(f"{api}/runs/admin/p", timeout=10).status_code == 404  # another entity: not found


def test_user_strings_are_escaped_in_json_and_never_served_as_html(standalone: Standalone) -> None:
    name, notes = "<script>alert(1)</script>", "<img src=x onerror=alert(1)> & more"
    standalone.upsert(
        "p",
        "xss",
        displayName=name,
        notes=notes,
        tags=["<b>t</b>"],
        config=json.dumps({"<k>": {"value": "</script><script>alert(2)</script>"}}),
    )
    files = standalone.run_dir("admin", "p", "xss") / "files"
    (files / "page.html").write_text("<script>alert(3)</script>", encoding="utf-8")
    (files / "data.json").write_text('{"a": "<b>"}', encoding="utf-8")
    (files / "sub").mkdir()
    (files / "sub" / "n.txt").write_text("nested", encoding="utf-8")
    outside = standalone.data_dir / "secret.txt"
    outside.write_text("outside the run", encoding="utf-8")
    os.symlink(outside, files / "link.txt")

    for path in ("runs/admin/p", "run/admin/p/xss"):
        answer = standalone.get(f"/_dashboard/api/{path}")
        assert not re.search(r"[<>&]", answer.text), answer.text  # every one of them \\u-escaped
        parsed = json_of(answer)
        row = parsed["runs"][0] if "runs" in parsed else parsed
        assert row["name"] == name and row["tags"] == ["<b>t</b>"]
        assert row["config"] == {"<k>": "</script><script>alert(2)</script>"}
    assert json_of(standalone.get("/_dashboard/api/run/admin/p/xss"))["notes"] == notes
    listed = {f["name"] for f in standalone.api("run/admin/p/xss")["files"]}
    assert {"page.html", "data.json", "sub/n.txt"} <= listed and "link.txt" not in listed

    base = "/_dashboard/api/run/admin/p/xss/files"
    html = standalone.get(f"{base}/page.html", inline="1")
    assert html.status_code == 200 and html.headers["Content-Type"] == "application/octet-stream"
    assert html.headers["Content-Disposition"].startswith("attachment;")
    text = standalone.get(f"{base}/data.json", inline="1")
    assert text.headers["Content-Type"] == "text/plain; charset=utf-8" and text.text == '{"a": "<b>"}'
    assert standalone.get(f"{base}/data.json").headers["Content-Disposition"].startswith("attachment;")
    assert standalone.get(f"{base}/sub/n.txt").text == "nested"
    for bad in (
        "..%2F..%2F..%2F..%2Findex.sqlite3",
        "%2Fetc%2Fpasswd",
        "sub%2F..%2F..%2Fconfig.yaml",
        "a%5Cb",
        "%2E%2E",
        "sub/..%2F..%2Fx",
    ):
        assert standalone.get(f"{base}/{bad}").status_code == 400, bad
    assert standalone.get(f"{base}/link.txt").status_code == 404  # a link out of files/
    assert standalone.get(f"{base}/missing.txt").status_code == 404
    assert standalone.get("/_dashboard/api/run/admin/p/nope/files/a.txt").status_code == 404


def test_security_headers_on_every_kind_of_answer(standalone: Standalone) -> None:
    standalone.upsert("p", "h")
    answers = {
        "api": standalone.get("/_dashboard/api/projects"),
        "api 404": standalone.get("/_dashboard/api/run/admin/p/none"),
        "api 401": standalone.get("/_dashboard/api/projects", key=None),
        "page": standalone.get("/admin/p/runs/h"),
        "redirect": standalone.get("/admin/p/runs/h", key=None),
        "login": standalone.get("/login", key=None),
        "file": standalone.get("/_dashboard/api/run/admin/p/h/files/config.yaml"),
        "missing asset": standalone.get("/_dashboard/static/no-such-file.js", key=None),
        "health": standalone.get("/_dashboard/api/health", key=None),
    }
    for what, answer in answers.items():
        csp = answer.headers.get("Content-Security-Policy", "")
        assert "script-src 'self'" in csp and "default-src 'self'" in csp, (what, csp)
        assert csp.endswith(f"frame-ancestors 'self' {FRAME_ORIGIN}"), (what, csp)
        assert answer.headers.get("X-Content-Type-Options") == "nosniff", what
        assert answer.headers.get("Referrer-Policy") == "no-referrer", what
    assert answers["missing asset"].status_code == 404
    assert answers["health"].json() == {"status": "ok", "source": "server"}
    page = answers["page"].text
    assert '<meta name="wandb-dashboard-base" content="">' in page
    assert '<script type="module" src="/_dashboard/static/dashboard.js"></script>' in page
    assert re.findall(r"<script\b[^>]*>", page) == ['<script type="module" src="/_dashboard/static/dashboard.js">']
    assert "<style" not in page and " style=" not in page and "<script>" not in answers["login"].text


def test_frame_ancestors_must_be_origins(server_env, tmp_path) -> None:
    import subprocess

    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "wandb_jupyter",
            "server",
            "--port",
            "0",
            "--data-dir",
            str(tmp_path / "d"),
            "--frame-ancestors",
            "http://x; script-src *",
        ],
        env=server_env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "invalid frame ancestor" in done.stderr


def test_page_shell_escapes_its_base() -> None:
    from wandb_jupyter.dashboard import page_shell

    shell = page_shell('/a"><script>alert(1)</script>')
    assert '<meta name="wandb-dashboard-base" content="/a&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;">' in shell
    assert "<script>" not in shell
