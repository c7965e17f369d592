"""The API key never leaks: not into any file of the run directory (history, summary, config, metadata,
captured output, debug logs of the workspace and the run), not into what the program prints, not into
the server's data (run folders and SQLite index) or its request log, not into an exception message.

A scan over every byte of every file, for the key itself and for base64("api:" + key), the form it
travels in. The key comes from each source in turn: WANDB_API_KEY, .netrc, init(settings=...), the
settings file; a refused key (the 401 path) and an anonymous account's key are scanned the same way.
The only files allowed to hold a key are the ones the user chose for it (.netrc, the settings file).
"""

from __future__ import annotations

import base64
import json
import secrets
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import requests

from wandb_jupyter.common._share import view_token

from .conftest import ANONYMOUS

CHILD_TIMEOUT = 120

PROGRAM = """
    import json, os, sys, traceback
    import wandb_jupyter as wandb

    source = sys.argv[1]
    settings = {"api_key": os.environ.pop("KEY_FOR_INIT")} if source == "init" else None
    print("program starts", flush=True)
    try:
        run = wandb.init(project="secret-scan", settings=settings, config={"lr": 0.1})
    except Exception as error:  # the refused key: the message and traceback are what a user sees
        print("ERROR", type(error).__name__, error, flush=True)
        traceback.print_exc()
        print(repr(error), error.args, flush=True)
        sys.exit(0)
    for i in range(20):
        run.log({"i": i})
        print("step", i, flush=True)
    run.summary["done"] = True
    with open("notes.txt", "w") as handle:
        handle.write("saved with the run")
    run.save("notes.txt")
    print("url", run.url is not None, repr(run), flush=True)
    run.finish()
    print(json.dumps({"dir": str(run.paths.root), "entity": run.entity}), flush=True)
"""


def _forms(key: str) -> list[bytes]:
    """The key as it could appear: itself, and base64 of 'api:' + key (Basic auth), as bytes."""
    basic = base64.b64encode(f"api:{key}".encode()).decode()
    return [key.encode(), basic.encode(), basic.rstrip("=").encode(), base64.b64encode(key.encode()).rstrip(b"=")]


def _leaks(key: str, roots: list[Path], texts: dict[str, str], allowed: set[Path]) -> list[str]:
    forms = _forms(key)
    found = []
    for root in roots:
        for path in sorted(root.rglob("*")) if root.is_dir() else [root]:
            if not path.is_file() or path.resolve() in allowed:
                continue
            data = path.read_bytes()
            found += [f"{path} holds {form[:12]!r}..." for form in forms if form in data]
    for name, text in texts.items():
        found += [f"{name} holds {form[:12]!r}..." for form in forms if form in text.encode("utf-8", "replace")]
    return found


@pytest.fixture
def child(tmp_path: Path, env_for_subprocess: dict[str, str], launched):
    """Runs PROGRAM online against the launched server; returns (result, env) per call."""
    work = tmp_path / "work-child"
    work.mkdir()

    def run(source: str, key: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
        env = {
            **env_for_subprocess,
            "WANDB_BASE_URL": launched.url,
            "WANDB_MODE": "online",
            "WANDB_DIR": str(work),
            "WANDB_X_STATS_SAMPLING_INTERVAL": "0.1",
            **extra_env,
        }
        home = Path(env["HOME"])
        if source == "env":
            env["WANDB_API_KEY"] = key
        elif source == "netrc":
            netrc = home / ".netrc"
            machine = launched.url.split("://", 1)[1]  # host:port, as W&B writes it
            netrc.write_text(f"machine {machine}\n  login user\n  password {key}\n")
            netrc.chmod(0o600)
        elif source == "init":
            env["KEY_FOR_INIT"] = key  # the program moves it into init(settings=...) and out of its environment
        elif source == "settings-file":
            settings = Path(env["WANDB_CONFIG_DIR"]) / "settings"
            settings.parent.mkdir(parents=True, exist_ok=True)
            settings.write_text(f"[default]\napi_key = {key}\n")
        return subprocess.run(
            [sys.executable, "-c", textwrap.dedent(PROGRAM), source],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            timeout=CHILD_TIMEOUT,
        )

    run.work = work  # type: ignore[attr-defined]
    return run


def _allowed(env_home: Path, config_dir: Path) -> set[Path]:
    return {(env_home / ".netrc").resolve(), (config_dir / "settings").resolve()}


def _scan_everything(key: str, launched, child, result, env_for_subprocess) -> list[str]:
    home = Path(env_for_subprocess["HOME"])
    config_dir = Path(env_for_subprocess["WANDB_CONFIG_DIR"])
    roots = [child.work, home, launched.data_dir, launched.log_file]
    texts = {"the program's stdout": result.stdout, "the program's stderr": result.stderr}
    return _leaks(key, roots, texts, _allowed(home, config_dir))


@pytest.mark.parametrize("source", ["env", "netrc", "init", "settings-file"])
def test_the_api_key_appears_nowhere(launched, child, env_for_subprocess, source: str) -> None:
    result = child(source, launched.bob_key)
    assert result.returncode == 0, result.stderr
    last = json.loads(result.stdout.strip().splitlines()[-1])
    assert last["entity"] == "bob"  # the key was used: the run went to bob's entity on the server
    run_dir = Path(last["dir"])
    assert (run_dir / "files" / "output.log").read_text().count("step") == 20  # output was captured
    assert launched.run_dir("bob", "secret-scan", run_dir.name.rsplit("-", 1)[1])  # and reached the server
    assert "Authorization" in launched.log() or "POST /graphql" in launched.log()  # the log has requests
    assert _scan_everything(launched.bob_key, launched, child, result, env_for_subprocess) == []


@pytest.mark.parametrize("source", ["env", "netrc", "init"])
def test_a_refused_key_appears_in_no_message(launched, child, env_for_subprocess, source: str) -> None:
    """The 401 path: the error names the key's source and its masked form, never the key."""
    refused = "local-" + secrets.token_hex(20)
    result = child(source, refused)
    assert result.returncode == 0, result.stderr
    assert "ERROR UsageError" in result.stdout and f"****{refused[-4:]}" in result.stdout, result.stdout
    assert " 401 " in launched.log()
    assert _scan_everything(refused, launched, child, result, env_for_subprocess) == []


@pytest.mark.server_args(*ANONYMOUS)
def test_an_anonymous_key_stays_in_netrc_and_masked_in_logs(launched, child, env_for_subprocess) -> None:
    """An anonymous run's key is also its secret URL: only .netrc holds it, logs show it masked, and the
    server's request log masks it when someone opens the secret URL."""
    result = child("none", "", WANDB_ANONYMOUS="must")
    assert result.returncode == 0, result.stderr
    home = Path(env_for_subprocess["HOME"])
    netrc = (home / ".netrc").read_text()
    key = netrc.split("password", 1)[1].split()[0]
    last = json.loads(result.stdout.strip().splitlines()[-1])
    run_id = Path(last["dir"]).name.rsplit("-", 1)[1]
    page = f"{launched.url}/{last['entity']}/secret-scan/runs/{run_id}"
    assert requests.get(page, params={"view": view_token(key)}, timeout=30).status_code == 200
    assert (
        requests.get(
            f"{launched.url}/files/{last['entity']}/secret-scan/{run_id}/wandb-history.jsonl",
            params={"apiKey": key},
            timeout=30,
        ).status_code
        == 200
    )
    deadline = time.monotonic() + 10  # the server logs a request just after answering it
    while f"?apiKey=****{key[-4:]}" not in launched.log() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert f"?apiKey=****{key[-4:]}" in launched.log()  # the requests were logged, masked
    assert _scan_everything(key, launched, child, result, env_for_subprocess) == []
