"""Offline runs' pages in the dashboard inside Jupyter (what the extension reports), and %wandb_server's view.

The kernel side in a real kernel is in test_comm.py; here the rules themselves:
which run folders the dashboard shows, what a reported dashboard must look
like, which origins may frame a started server, and what the magic displays.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

import wandb_jupyter as w
from wandb_jupyter.core import _local_pages
from wandb_jupyter.core._local_pages import local_run_url, parse_dashboard, set_dashboard
from wandb_jupyter.notebook._server_view import dashboard_bundle, jupyter_origins, report_lines
from wandb_jupyter.server._registry import ServerInfo, Started
from wandb_jupyter.server._tickets import TicketBook

BASE = "http://localhost:8888/wandb"


@pytest.fixture(autouse=True)
def forget_dashboard():
    yield
    set_dashboard(None)


def test_the_scan_rules_are_the_dashboards() -> None:
    from wandb_jupyter.dashboard import _local_catalog

    assert _local_pages.MAX_DEPTH == _local_catalog.MAX_DEPTH
    assert _local_pages.SKIPPED_DIRS == _local_catalog.SKIPPED_DIRS
    assert _local_pages.DEFAULT_ENTITY == _local_catalog.DEFAULT_ENTITY


def test_a_reported_dashboard_must_be_an_http_url_with_absolute_folders() -> None:
    assert parse_dashboard({"base": BASE + "/", "roots": ["/srv", "relative", 3]}) == (BASE, ("/srv",))
    assert parse_dashboard({"base": "javascript:alert(1)", "roots": []}) is None
    assert parse_dashboard({"base": "/wandb", "roots": []}) is None
    assert parse_dashboard({"base": BASE, "roots": "/srv"}) is None
    assert parse_dashboard({"base": BASE}) is None
    assert parse_dashboard("nope") is None
    assert parse_dashboard(None) is None
    assert (
        parse_dashboard({"base": "https://hub.example.org/user/ann/wandb", "roots": []}).origin
        == "https://hub.example.org"
    )


def test_no_dashboard_no_page(tmp_path: Path) -> None:
    assert local_run_url(entity="e", project="p", run_id="r", run_dir=tmp_path / "wandb" / "run-x") is None


@pytest.mark.parametrize(
    "relative, shown",
    [
        pytest.param("wandb/offline-run-1-r", True, id="root-wandb"),
        pytest.param("offline-run-1-r", True, id="runs-right-in-the-root"),
        pytest.param("a/b/c/d/e/wandb/offline-run-1-r", True, id="six-levels"),
        pytest.param("a/b/c/d/e/f/wandb/offline-run-1-r", False, id="seven-levels"),
        pytest.param(".hidden/wandb/offline-run-1-r", False, id="hidden-folder"),
        pytest.param("venv/wandb/offline-run-1-r", False, id="skipped-folder"),
        pytest.param("a/notwandb/offline-run-1-r", False, id="not-a-wandb-folder"),
    ],
)
def test_only_runs_the_dashboard_finds_get_a_page(tmp_path: Path, relative: str, shown: bool) -> None:
    root = tmp_path / "root"
    run_dir = root / relative
    run_dir.mkdir(parents=True)
    set_dashboard({"base": BASE, "roots": [str(root)]})
    url = local_run_url(entity="ann", project="p", run_id="r", run_dir=run_dir)
    assert (url == f"{BASE}/ann/p/runs/r") is shown


def test_links_are_resolved_and_names_quoted(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "wandb" / "offline-run-1-r").mkdir(parents=True)
    (tmp_path / "link").symlink_to(root)
    set_dashboard({"base": BASE, "roots": [str(tmp_path / "link")]})
    url = local_run_url(entity=None, project="a b/c", run_id="r", run_dir=root / "wandb" / "offline-run-1-r")
    assert url == f"{BASE}/local/a%20b%2Fc/runs/r"
    outside = tmp_path / "outside" / "wandb" / "offline-run-1-r"
    outside.mkdir(parents=True)
    assert local_run_url(entity="e", project="p", run_id="r", run_dir=outside) is None


def test_init_gives_an_offline_run_under_the_roots_its_page(isolated: Path) -> None:
    set_dashboard({"base": BASE, "roots": [str(isolated)]})
    run = w.init(mode="offline", project="proj")
    assert run.url == f"{BASE}/{run.entity}/proj/runs/{run.id}"
    assert run._repr_mimebundle_()["text/html"].count(f'<iframe src="{run.url}"') == 1  # the run block shows it
    run.finish()
    set_dashboard({"base": BASE, "roots": [str(isolated / "elsewhere")]})
    assert w.init(mode="offline").url is None


# -- %wandb_server's view ------------------------------------------------------------------------------------


def _server(**changes) -> ServerInfo:
    fields = {
        "pid": 1234,
        "port": 8123,
        "url": "http://127.0.0.1:8123",
        "data_dir": "/data",
        "login_url": "http://127.0.0.1:8123/login?token=s3cr3t-t0ken-abcdef",
        "started": 0.0,
        "version": "0",
        "frame_ancestors": ("http://localhost:8888",),
        "process_started": 0.0,
        "log_file": "/x.log",
    }
    fields.update(changes)
    return ServerInfo(**fields)


def test_the_origin_comes_from_the_extension_else_from_the_running_jupyter_servers(isolated: Path) -> None:
    assert jupyter_origins() == []  # no Jupyter server here
    runtime = Path(os.environ["JUPYTER_RUNTIME_DIR"])
    runtime.mkdir(parents=True, exist_ok=True)
    (runtime / "jpserver-1.json").write_text(json.dumps({"url": "http://localhost:8899/lab/", "pid": os.getpid()}))
    (runtime / "jpserver-2.json").write_text(json.dumps({"url": "https://jupyter.example.org/", "pid": os.getpid()}))
    assert sorted(jupyter_origins()) == [
        "http://127.0.0.1:8899",
        "http://localhost:8899",
        "https://jupyter.example.org",
    ]
    set_dashboard({"base": "https://hub.example.org/user/ann/wandb", "roots": []})
    assert jupyter_origins() == ["https://hub.example.org"]


def test_the_report_says_started_or_reused_and_warns_about_other_origins() -> None:
    started = report_lines(Started(server=_server(), reused=False, created_admin=True), ["http://localhost:8888"])
    assert started[0] == "wandb-jupyter server: started http://127.0.0.1:8123 (pid 1234, data in /data)"
    assert "server user add admin --new-key --data-dir /data" in started[1]
    reused = report_lines(Started(server=_server(), reused=True, created_admin=False), ["http://localhost:8888"])
    assert reused == ["wandb-jupyter server: reusing http://127.0.0.1:8123 (pid 1234, data in /data)"]
    elsewhere = report_lines(Started(server=_server(), reused=True, created_admin=False), ["http://other:1"])
    assert "may refuse to show here" in elsewhere[1] and "stop(port=8123)" in elsewhere[1]


def test_the_dashboard_shows_in_a_frame_and_a_link_each_with_its_own_ticket(tmp_path: Path) -> None:
    url = 'http://127.0.0.1:8123/a"b<c'
    server = _server(url=url, login_url=f"{url}/login?token=s3cr3t-t0ken-abcdef")
    bundle = dashboard_bundle(server, 640)
    html = bundle["text/html"]
    frame = re.search(
        r'<iframe src="http://127\.0\.0\.1:8123/a&quot;b&lt;c/login\?ticket=([^"&]+)" width="100%" '
        r'height="640"',
        html,
    ).group(1)
    link = re.search(r'<a href="http://127\.0\.0\.1:8123/a&quot;b&lt;c/login\?ticket=([^"&]+)"', html).group(1)
    dashboard_line, keys_line = bundle["text/plain"].splitlines()
    assert dashboard_line == f"wandb-jupyter dashboard: {url}/login?ticket={link}"
    keys_ticket = re.fullmatch(r"new API key: .*/login\?ticket=([^&]+)&next=%2Fa%22b%3Cc%2Fkeys", keys_line).group(1)
    assert 'a"b' not in html and "<c" not in html and "s3cr3t" not in str(bundle)
    book = TicketBook("s3cr3t-t0ken-abcdef")
    book.redeem(frame)
    book.redeem(link)  # two tickets: the frame spends its own as it loads
    book.redeem(keys_ticket)  # and the new-API-key link a third, opening the server's /keys page

    (tmp_path / "dashboard-secrets.json").write_text(json.dumps({"cookie_secret": "00", "token": "from-the-file"}))
    unknown = dashboard_bundle(_server(login_url=None, data_dir=str(tmp_path)), 100)  # no login link recorded
    TicketBook("from-the-file").redeem(unknown["text/plain"].splitlines()[0].rsplit("ticket=", 1)[1])
    with pytest.raises(RuntimeError, match="cannot read the dashboard token"):
        dashboard_bundle(_server(login_url=None, data_dir=str(tmp_path / "gone")), 100)


def test_the_frame_uses_the_loopback_name_of_the_jupyter_page() -> None:
    """localhost and 127.0.0.1 are different sites: the dashboard's Lax cookie would be refused in the frame."""
    server = _server()
    bundle = dashboard_bundle(server, 100, ["http://localhost:8888", "http://127.0.0.1:8888"])
    assert '<iframe src="http://localhost:8123/login?ticket=' in bundle["text/html"]
    assert ">http://localhost:8123</a>" in bundle["text/html"]
    assert bundle["text/plain"].startswith("wandb-jupyter dashboard: http://localhost:8123/login?ticket=")
    assert (
        '<iframe src="http://127.0.0.1:8123/login'
        in dashboard_bundle(server, 100, ["http://127.0.0.1:8888"])["text/html"]
    )
    assert (
        '<iframe src="http://127.0.0.1:8123/login'
        in dashboard_bundle(server, 100, ["https://hub.example.org"])["text/html"]
    )


def test_a_server_record_never_shows_its_token() -> None:
    assert "s3cr3t" not in repr(_server()) and "s3cr3t" not in str([_server()])
