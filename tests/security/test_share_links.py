"""The shared link of an anonymous run (issue 19, item 6), against a launched server: it carries a read-only
view token, never the account's API key; the token reads the run's pages and writes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

import wandb_jupyter as wandb
from wandb_jupyter.common._share import view_token
from wandb_jupyter.online._auth import read_netrc_entry

from .conftest import ANONYMOUS, basic


def _files_holding(root: Path, secret: str) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file() and secret.encode() in path.read_bytes()]


@pytest.mark.server_args(*ANONYMOUS)
def test_the_shared_link_reads_and_never_writes(launched, monkeypatch, capsys) -> None:
    monkeypatch.delenv("WANDB_API_KEY", raising=False)
    monkeypatch.setenv("WANDB_BASE_URL", launched.url)
    monkeypatch.setenv("WANDB_ANONYMOUS", "must")
    run = wandb.init(project="p", mode="online")
    print("a line of the program")
    run.log({"a": 1})
    run.finish()
    key = read_netrc_entry(launched.url)["password"]
    assert key not in run.url and f"?view={view_token(key)}" in run.url
    printed = capsys.readouterr()
    assert key not in printed.out + printed.err
    assert _files_holding(Path(run.dir).parent, key) == []  # output.log, metadata, logs: no writing key
    view = {"view": view_token(key)}
    # the link reads: the page and the dashboard's API
    page = requests.get(run.url, timeout=30, allow_redirects=False)
    assert page.status_code == 200 and "wandb-dashboard-base" in page.text
    data = f"{launched.url}/_dashboard/api/run/{run.entity}/p/{run.id}"
    assert requests.get(data, params=view, timeout=30).json()["id"] == run.id
    # ...and writes nothing: the token is no API key anywhere
    token = view["view"]
    assert launched.upsert(run.id, key=token, entity=run.entity).status_code == 401
    body = {"files": {"wandb-history.jsonl": {"offset": 1, "content": ['{"_step": 1}']}}}
    assert launched.stream(run.entity, "p", run.id, body, key=token).status_code == 401
    assert launched.gql("{ viewer { name } }", key=token).status_code == 401
    assert requests.get(data, params={"apiKey": token}, timeout=30).status_code == 401
    assert requests.get(data, headers=basic(token), timeout=30).status_code == 401
