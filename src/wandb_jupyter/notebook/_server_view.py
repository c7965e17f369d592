"""``%wandb_server``'s view: the Jupyter origin its server must allow, and the inline dashboard.

The server's pages forbid framing (CSP ``frame-ancestors``) except by the
origins it was started with, so the notebook's own origin has to be known
before the server starts: the one the JupyterLab extension reported (the
browser's view, right behind proxies), else the URLs of the Jupyter servers
running here (their info files; loopback names given both ways, since the
browser may say ``localhost`` where the file says ``127.0.0.1``).

The frame loads the server under the loopback name the Jupyter page uses:
``localhost`` and ``127.0.0.1`` are different sites to a browser, and the
dashboard's session cookie (SameSite=Lax) is refused in a cross-site frame.

The frame and the link log in with single-use tickets that expire within two
minutes (:mod:`..server._tickets`), never with the server's dashboard token:
a saved notebook keeps its outputs, and a token there would log anyone who
reads the file in as the admin, for as long as the server's data dir lives.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from ..common._logging import logger

__all__ = ["jupyter_origins", "dashboard_bundle", "report_lines", "as_seen_from", "kernel_runs_note"]

_LOOPBACK = ("localhost", "127.0.0.1")


def _origins_of(url: str) -> list[str]:
    parts = urlsplit(url)
    host = parts.hostname
    if parts.scheme not in ("http", "https") or not host:
        return []
    port = f":{parts.port}" if parts.port else ""
    hosts = _LOOPBACK if host in _LOOPBACK else (f"[{host}]" if ":" in host else host,)
    return [f"{parts.scheme}://{name}{port}" for name in hosts]


def jupyter_origins() -> list[str]:
    """Origins of the Jupyter page(s) that will frame the dashboard (empty when none is known)."""
    from ..core._local_pages import reported_dashboard

    dashboard = reported_dashboard()
    if dashboard is not None:
        return [dashboard.origin]
    try:
        from ..settings._jupyter_sessions import running_servers

        servers = running_servers()
    except Exception as error:  # no jupyter_core, unreadable runtime dir
        logger.debug("%%wandb_server: no Jupyter server found: %r", error)
        return []
    origins: list[str] = []
    for server in servers:
        origins += [origin for origin in _origins_of(server.url) if origin not in origins]
    return origins


def report_lines(started: Any, origins: list[str]) -> list[str]:
    """What ``%wandb_server`` prints: started or reused, where, and what to know."""
    server = started.server
    verb = "reusing" if started.reused else "started"
    lines = [f"wandb-jupyter server: {verb} {server.url} (pid {server.pid}, data in {server.data_dir})"]
    if started.created_admin:
        lines.append(
            "  created its admin user; an API key to log runs to it: the dashboard's 'new API key' link below "
            f"(or: wandb-jupyter server user add admin --new-key --data-dir {server.data_dir})"
        )
    refused = [origin for origin in origins if origin not in server.frame_ancestors]
    if started.reused and refused:
        lines.append(
            f"  it was started for other pages, so it may refuse to show here; open the link in a new tab, "
            f"or stop it (wandb_jupyter.server.stop(port={server.port})) and run %wandb_server again"
        )
    return lines


def as_seen_from(url: str, origins: Sequence[str]) -> str:
    """``url`` on the loopback name of the first origin (the Jupyter page's), when both are loopback."""
    parts = urlsplit(url)
    page = urlsplit(origins[0]).hostname if origins else None
    if page not in _LOOPBACK or parts.hostname not in _LOOPBACK or page == parts.hostname:
        return url
    netloc = f"{page}:{parts.port}" if parts.port else page
    return parts._replace(netloc=netloc).geturl()


def _ticket_link(server: Any, origins: Sequence[str]) -> str:
    """A fresh single-use login link of ``server`` (each use needs its own: the first use spends it)."""
    from ..server._tickets import ticket_login_url

    return as_seen_from(ticket_login_url(server.url, server.login_url, server.data_dir), origins)


def _keys_link(server: Any, origins: Sequence[str]) -> str:
    """A single-use login link that opens the server's ``/keys`` page (a new API key, no shell needed)."""
    keys_page = urlsplit(server.url).path.rstrip("/") + "/keys"
    return f"{_ticket_link(server, origins)}&{urlencode({'next': keys_page})}"


def _frame_source(server: Any, origins: Sequence[str]) -> str:
    """The frame's URL: Jupyter's ``wandb/_server/<port>`` (it mints a ticket at each load, so a
    reopened notebook logs in again) when the dashboard inside Jupyter is known, else a ticket."""
    from ..core._local_pages import reported_dashboard

    dashboard = reported_dashboard()
    if dashboard is not None:
        return f"{dashboard.base}/_server/{int(server.port)}"
    return _ticket_link(server, origins)


def dashboard_bundle(server: Any, height: int, origins: Sequence[str] = ()) -> dict[str, str]:
    """The dashboard inline (an iframe that logs in with a ticket), and a link with a ticket of its own
    (also the text for front ends without HTML): the frame spends its ticket as soon as it loads."""
    frame, link = _frame_source(server, origins), _ticket_link(server, origins)
    keys = _keys_link(server, origins)
    html = (
        f'<iframe src="{escape(frame, quote=True)}" width="100%" height="{int(height)}" style="border:none" '
        f'title="wandb-jupyter dashboard"></iframe>'
        f'<div>wandb-jupyter dashboard: <a href="{escape(link, quote=True)}" target="_blank" '
        f'rel="noopener noreferrer">{escape(as_seen_from(server.url, origins))}</a> · '
        f'<a href="{escape(keys, quote=True)}" target="_blank" rel="noopener noreferrer" '
        f'data-testid="new-api-key-link">new API key</a></div>'
    )
    return {"text/html": html, "text/plain": f"wandb-jupyter dashboard: {link}\nnew API key: {keys}"}


def _kernel_wandb_dir() -> Path | None:
    """The kernel's ``wandb/`` folder, as init() would resolve it here (None when settings are unreadable)."""
    from ..settings import resolve

    try:
        return resolve().wandb_dir
    except Exception as error:  # a bad setting is init()'s to report, not this view's
        logger.debug("%%wandb_server: no wandb folder: %r", error)
        return None


def kernel_runs_note(server_url: str) -> dict[str, str] | None:
    """The runs beside the notebook that the server does not hold: the kernel's offline runs.

    They open in the dashboard inside Jupyter, which reads ``wandb/`` as it is (no upload, and runs
    still writing show live); without it, the command that uploads them to this server."""
    from ..core._local_pages import local_run_url
    from ..rundir._local_runs import list_local_runs

    wandb_dir = _kernel_wandb_dir()
    if wandb_dir is None or not wandb_dir.is_dir():
        return None
    offline = [run for run in list_local_runs(wandb_dir) if run.mode == "offline"]
    if not offline:
        return None
    latest = offline[-1]
    count = f"{len(offline)} offline run{'s' if len(offline) != 1 else ''} in {wandb_dir}"
    page = local_run_url(
        entity=latest.entity, project=latest.project or "uncategorized", run_id=latest.id, run_dir=latest.paths.root
    )
    if page is not None:
        project_page = page.rsplit("/runs/", 1)[0]
        html = (
            f'<div data-testid="kernel-runs">This notebook\'s {escape(count)}: '
            f'<a href="{escape(project_page, quote=True)}" target="_blank" rel="noopener noreferrer">'
            f"open them in Jupyter's dashboard</a> (project {escape(latest.project or 'uncategorized')})</div>"
        )
        return {"text/html": html, "text/plain": f"this notebook's {count}: {project_page}"}
    command = f"WANDB_BASE_URL={server_url} wandb-jupyter sync {wandb_dir}"
    html = (
        f'<div data-testid="kernel-runs">This notebook\'s {escape(count)}; upload them (with a key from '
        f"the new API key link): <code>{escape(command)}</code></div>"
    )
    return {"text/html": html, "text/plain": f"this notebook's {count}; upload them: {command}"}
