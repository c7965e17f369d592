"""API keys: login (netrc, 0600, --relogin, --verify), precedence, the missing-key message, anonymous runs."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

import pytest
import requests

import wandb_jupyter as wandb
from wandb_jupyter import UsageError
from wandb_jupyter.cli import main
from wandb_jupyter.common._share import view_token
from wandb_jupyter.online._auth import ANONYMOUS_LOGIN, read_netrc_entry

from .conftest import basic, server_rows, server_run


def _netrc() -> Path:
    return Path(os.environ["HOME"]) / ".netrc"


def _user(server, name: str) -> str:
    return server.ctx.issue_key(server.ctx.storage.create_user(name))


def test_login_stores_the_key_0600_and_makes_the_host_the_default(live_server, capsys) -> None:
    key = live_server.admin_key
    assert main(["login", key, "--host", live_server.url, "--verify"]) == 0
    out = capsys.readouterr().out
    assert "'admin'" in out and key not in out and f"****{key[-4:]}" in out
    assert stat.S_IMODE(_netrc().stat().st_mode) == 0o600
    assert read_netrc_entry(live_server.url)["password"] == key
    # no WANDB_API_KEY, no WANDB_BASE_URL: the stored host and key are used
    run = wandb.init(project="p", mode="online")
    run.log({"a": 1})
    run.finish()
    assert run.url.startswith(live_server.url) and [r["a"] for r in server_rows(live_server, run.id)] == [1]


def test_relogin_replaces_the_key_and_verify_refuses_a_bad_one(live_server, capsys, monkeypatch) -> None:
    first = _user(live_server, "bob")
    assert main(["login", first, "--host", live_server.url]) == 0
    assert main(["login", "--host", live_server.url]) == 0
    assert "already logged in" in capsys.readouterr().out
    second = _user(live_server, "carol")
    monkeypatch.setattr("sys.stdin", io.StringIO(second + "\n"))
    assert main(["login", "--relogin", "--host", live_server.url]) == 0
    assert read_netrc_entry(live_server.url)["password"] == second
    bad = "local-" + "0" * 40
    assert main(["login", bad, "--relogin", "--verify", "--host", live_server.url]) == 2
    err = capsys.readouterr().err
    assert "refused" in err and bad not in err
    assert read_netrc_entry(live_server.url)["password"] == second  # a refused key is not stored
    assert main(["login", "--verify", "--host", live_server.url]) == 0
    assert "'carol'" in capsys.readouterr().out


def test_wandb_api_key_beats_netrc_which_beats_the_settings_file(live_server, monkeypatch) -> None:
    from wandb_jupyter.settings import global_file, resolve, write_file

    monkeypatch.setenv("WANDB_BASE_URL", live_server.url)
    bad = "local-" + "1" * 40
    settings_key = _user(live_server, "fromfile")
    write_file(global_file(resolve().config_dir), {"api_key": settings_key})
    run = wandb.init(project="p", mode="online")
    assert run.entity == "fromfile"
    run.finish()
    netrc_key = _user(live_server, "fromnetrc")
    main(["login", netrc_key])
    run = wandb.init(project="p", mode="online")
    assert run.entity == "fromnetrc"
    run.finish()
    monkeypatch.setenv("WANDB_API_KEY", bad)
    with pytest.raises(UsageError, match=r"refused the API key \*\*\*\*1111 from .*WANDB_API_KEY"):
        wandb.init(project="p", mode="online")


def test_a_missing_key_says_the_three_ways_to_give_one(live_server, monkeypatch) -> None:
    monkeypatch.setenv("WANDB_BASE_URL", live_server.url)
    with pytest.raises(UsageError) as raised:
        wandb.init(project="p", mode="online")
    message = str(raised.value)
    assert "WANDB_API_KEY" in message and f"wandb-jupyter login --host {live_server.url}" in message
    assert "api_key" in message and "WANDB_MODE=offline" in message
    assert not list((Path.cwd() / "wandb").glob("run-*"))  # nothing was started


def test_anonymous_must_logs_to_a_secret_url(live_server, monkeypatch, capsys) -> None:
    live_server.ctx.anonymous.enabled = True  # off unless the admin allows them
    monkeypatch.setenv("WANDB_BASE_URL", live_server.url)
    monkeypatch.setenv("WANDB_API_KEY", live_server.admin_key)  # must: anonymous even with a key
    monkeypatch.setenv("WANDB_ANONYMOUS", "must")
    run = wandb.init(project="p", mode="online")
    run.log({"a": 1})
    run.finish()
    assert run.entity.startswith("anony-mouse-") and "?view=" in run.url
    secret = run.url.split("view=", 1)[1]  # the shared link's read-only token
    assert secret not in capsys.readouterr().err  # logs show it masked
    page = requests.get(run.url, timeout=10, allow_redirects=False)
    assert page.status_code == 200 and "wandb-dashboard-base" in page.text  # the secret link opens the page
    assert requests.get(run.url.split("?")[0], timeout=10, allow_redirects=False).status_code == 302  # to /login
    data = f"{live_server.url}/_dashboard/api/run/{run.entity}/p/{run.id}"
    assert requests.get(data, params={"view": secret}, timeout=10).json()["id"] == run.id
    assert requests.get(data, timeout=10).status_code == 401
    assert requests.get(data, params={"apiKey": live_server.admin_key}, timeout=10).status_code == 401
    assert requests.get(data, headers=basic(live_server.admin_key), timeout=10).status_code == 404  # admin: no
    assert server_rows(live_server, run.id, entity=run.entity)[0]["a"] == 1
    entry = read_netrc_entry(live_server.url)
    assert entry["login"] == ANONYMOUS_LOGIN and view_token(entry["password"]) == secret
    assert entry["password"] not in run.url  # the writing key is in no link
    again = wandb.init(project="p", mode="online")  # the anonymous account is reused
    assert again.entity == run.entity
    again.finish()


def test_anonymous_allow_uses_a_key_when_there_is_one(live_server, monkeypatch) -> None:
    live_server.ctx.anonymous.enabled = True  # off unless the admin allows them
    monkeypatch.setenv("WANDB_BASE_URL", live_server.url)
    monkeypatch.setenv("WANDB_ANONYMOUS", "allow")
    anonymous = wandb.init(project="p", mode="online")
    assert anonymous.entity.startswith("anony-mouse-")
    anonymous.finish()
    monkeypatch.setenv("WANDB_API_KEY", live_server.admin_key)
    named = wandb.init(project="p", mode="online")
    assert named.entity == "admin" and "apiKey" not in named.url and "view" not in named.url
    named.finish()
    assert server_run(live_server, named.id).creator == "admin"


def test_in_a_terminal_a_missing_key_is_asked_for_and_enter_keeps_the_run_offline(live_server, monkeypatch) -> None:
    from wandb_jupyter.online import _session

    monkeypatch.setenv("WANDB_BASE_URL", live_server.url)
    monkeypatch.setattr(_session, "_interactive", lambda: True)
    answers = iter(["", live_server.admin_key])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    offline = wandb.init(project="p", mode="online")
    assert offline.mode == "offline" and offline.paths.root.name.startswith("offline-run-")
    offline.finish()
    online = wandb.init(project="p", mode="online")  # the pasted key is used and stored
    assert online.mode == "online" and online.entity == "admin"
    online.finish()
    assert read_netrc_entry(live_server.url)["password"] == live_server.admin_key
    assert stat.S_IMODE(_netrc().stat().st_mode) == 0o600
