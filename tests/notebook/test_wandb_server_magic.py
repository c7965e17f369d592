"""%wandb_server in a real kernel (nbclient): start, reuse, no stale reuse, the inline dashboard, bad options.

The servers it starts outlive the kernel by design, so every test stops them
at the end (the records live in the test's own XDG_RUNTIME_DIR, see conftest).
"""

from __future__ import annotations

import html
import json
import os
import re
import urllib.request
from pathlib import Path

import pytest
import requests

import wandb_jupyter.server as server
from conftest import stream_text

STARTED = re.compile(
    r"^wandb-jupyter server: (started|reusing) (http://127\.0\.0\.1:(\d+)) \(pid (\d+), data in (.+)\)$", re.M
)
LIST = "import json, wandb_jupyter.server as s\nprint(json.dumps([[i.pid, i.port] for i in s.list()]))"


@pytest.fixture(autouse=True)
def stop_our_servers():
    yield
    server.stop()


def _said(cell) -> tuple[str, str, int, int, str]:
    match = STARTED.search(stream_text(cell))
    assert match, stream_text(cell)
    verb, url, port, pid, data_dir = match.groups()
    return verb, url, int(port), int(pid), data_dir


def _display(cell) -> dict:
    (shown,) = [out for out in cell.outputs if out.output_type == "display_data"]
    return shown["data"]


def test_a_second_call_reuses_the_server_and_a_killed_one_is_replaced(execute_notebook, isolated: Path) -> None:
    nb = execute_notebook(
        [
            "%load_ext wandb_jupyter",
            "%wandb_server --data-dir srv --height 500",
            "%wandb_server --data-dir srv",
            LIST,
            "import os, signal\nos.kill(s.list()[0].pid, signal.SIGKILL)",
            "%wandb_server --data-dir srv",
            LIST,
        ]
    )
    verb, url, port, pid, data_dir = _said(nb.cells[1])
    assert verb == "started" and data_dir == str((isolated / "srv").resolve())
    assert "created its admin user" in stream_text(nb.cells[1])
    assert _said(nb.cells[2]) == ("reusing", url, port, pid, data_dir)
    assert json.loads(stream_text(nb.cells[3])) == [[pid, port]]

    # the dashboard inline: a frame that logs in with a ticket, and a link with a ticket of its own
    # (also the text for front ends without HTML)
    first = _display(nb.cells[1])
    frame = re.search(r'<iframe src="([^"]+)" width="100%" height="500"', first["text/html"]).group(1)
    link = re.search(r'<a href="([^"]+)"', first["text/html"]).group(1)
    assert frame.startswith(f"{url}/login?ticket=") and link.startswith(f"{url}/login?ticket=") and frame != link
    assert first["text/plain"].splitlines() == [
        f"wandb-jupyter dashboard: {link}",
        f"new API key: {_keys_href(first['text/html'])}",
    ]
    assert 'height="800"' in _display(nb.cells[2])["text/html"]

    verb, url2, port2, pid2, _ = _said(nb.cells[5])
    assert verb == "started" and pid2 != pid, "a killed server's record is not reused"
    assert json.loads(stream_text(nb.cells[6])) == [[pid2, port2]]
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(url2 + "/health", timeout=10) as answer:
        assert json.load(answer)["status"] == "ok", "it outlives the kernel that started it"


def _keys_href(html: str) -> str:
    found = re.search(r'<a href="([^"]+)" [^>]*data-testid="new-api-key-link"', html).group(1)
    assert found.endswith("&amp;next=%2Fkeys"), found
    return found.replace("&amp;", "&")


def test_the_running_jupyter_server_may_frame_the_dashboard(execute_notebook, isolated: Path) -> None:
    runtime = Path(os.environ["JUPYTER_RUNTIME_DIR"])
    runtime.mkdir(parents=True, exist_ok=True)
    (runtime / "jpserver-1.json").write_text(json.dumps({"url": "http://localhost:8899/", "pid": os.getpid()}))
    nb = execute_notebook(["%load_ext wandb_jupyter", "%wandb_server --data-dir srv"])
    _, _url, port, _pid, _ = _said(nb.cells[1])
    (info,) = server.list()
    assert info.frame_ancestors == ("http://localhost:8899", "http://127.0.0.1:8899")
    login = re.search(r'<iframe src="([^"]+)"', _display(nb.cells[1])["text/html"]).group(1)
    assert login.startswith(f"http://localhost:{port}/login?ticket="), "the Jupyter page's loopback name"
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(login, timeout=10) as answer:
        policy = answer.headers["Content-Security-Policy"]
    assert "frame-ancestors 'self' http://localhost:8899 http://127.0.0.1:8899" in policy


def test_the_outputs_hold_single_use_tickets_never_the_dashboard_token(execute_notebook, isolated: Path) -> None:
    """A saved notebook keeps its outputs: the token there would log anyone in as the admin, for good."""
    nb = execute_notebook(["%load_ext wandb_jupyter", "%wandb_server --data-dir srv", "%wandb_server --data-dir srv"])
    _, url, *_ = _said(nb.cells[1])
    token = json.loads((isolated / "srv" / "dashboard-secrets.json").read_text())["token"]
    assert len(token) >= 32 and token not in json.dumps(nb), "no output (nor anything else saved) holds the token"

    links = []
    for cell in nb.cells[1:]:
        shown = _display(cell)["text/html"]
        links += [html.unescape(found) for found in re.findall(r'(?:src|href)="([^"]+)"', shown)]
    assert len(links) == 6 and len(set(links)) == 6, "a fresh ticket for every frame and link"
    for link in links:
        browser = requests.Session()
        home = browser.get(link, timeout=10)  # the ticket logs in; the redirect drops it from the URL
        opens = f"{url}/keys" if link.endswith("&next=%2Fkeys") else f"{url}/"  # the new-API-key link: /keys
        assert home.status_code == 200 and home.url == opens, (home.status_code, home.url)
        assert ("Create a new API key" in home.text) == opens.endswith("/keys")
        projects = browser.get(f"{url}/_dashboard/api/projects", timeout=10)
        assert projects.status_code == 200 and projects.json() == {"projects": []}
        spent = requests.get(link, timeout=10, allow_redirects=False)
        assert spent.status_code == 403 and "used already" in spent.text, "each ticket logs in once"


def test_bad_options_are_one_line_errors(execute_notebook) -> None:
    nb = execute_notebook(
        [
            "%load_ext wandb_jupyter",
            "%wandb_server --height 0",
            "%wandb_server --port 70000",
            "%wandb_server --bogus",
            "print(get_ipython().find_line_magic('wandb_server').__doc__)  # what %wandb_server? shows",
        ],
        allow_errors=True,
    )
    for index, needle in [
        (1, "--height takes a positive number"),
        (2, "--port takes a port number"),
        (3, "unrecognized arguments: --bogus"),
    ]:
        lines = stream_text(nb.cells[index], "stderr").strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("UsageError:") and needle in lines[0], (index, lines)
    assert server.list() == []
    help_text = stream_text(nb.cells[4])
    assert "--data-dir DIR" in help_text and "--height PX" in help_text and "reused" in help_text


def test_the_kernels_offline_runs_get_the_command_that_uploads_them(execute_notebook, isolated: Path) -> None:
    """Without the dashboard inside Jupyter (no JupyterLab here) the offline runs beside the notebook
    are not visible anywhere: the output says how many there are and how to upload them."""
    nb = execute_notebook(
        [
            "import wandb_jupyter as wandb\nfor i in range(2):\n"
            "    wandb.init(project='beside', mode='offline').finish()",
            "%load_ext wandb_jupyter",
            "%wandb_server --data-dir srv",
        ]
    )
    _, url, *_ = _said(nb.cells[2])
    text = _display(nb.cells[2])["text/plain"].splitlines()[-1]
    wandb_dir = isolated / "wandb"
    assert text == (
        f"this notebook's 2 offline runs in {wandb_dir}; upload them: WANDB_BASE_URL={url} "
        f"wandb-jupyter sync {wandb_dir}"
    )
    assert 'data-testid="kernel-runs"' in _display(nb.cells[2])["text/html"]
