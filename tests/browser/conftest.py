"""Browser tests: a real JupyterLab server per test, driven by a headless Chromium.

Fixtures (all waits are bounded; everything listens on 127.0.0.1 only):

``lab_env``
    Extra environment for the server and its kernels (default ``{}``); override
    it in a test module, or use ``start_lab(env=...)`` directly.
``start_lab(env=None, root=None) -> LabServer``
    Factory: starts ``python -m jupyterlab`` as a subprocess with a random free
    port and token, its own root, config, data, runtime, settings and workspace
    folders (the news popup off), waits until ``/api/status`` answers, and
    shuts it down at teardown.
``lab_server -> LabServer``
    ``start_lab(env=lab_env)``.
``browser``
    A Playwright Chromium (``/usr/bin/chromium``, the flags of DESIGN.md), one
    per session; tests using it are skipped when Chromium or playwright is absent.
``page``
    A fresh browser context and page; on a failing test a screenshot lands in
    ``test-artifacts/``.
``lab -> LabPage``
    ``page`` and ``lab_server`` together: ``lab.write_notebook(name, cells)``,
    ``lab.open_notebook(name)`` (waits for the kernel's Idle), ``lab.run_all()``,
    ``lab.select_cell(i)``, ``lab.run_focused_cell()``, ``lab.cell_outputs()`` (text),
    ``lab.cell_output(i)`` (a locator), ``lab.screenshot(name, locator)``,
    ``lab.command(id, args)`` (any JupyterLab command), ``lab.page_errors`` and
    ``lab.console_errors``.

Mark the tests ``@pytest.mark.browser``; ``pytest -m "not browser"`` leaves them out.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from conftest import (  # tests/conftest.py (this folder is a package, see __init__.py)
    free_port,
    isolated_environ,
    wait_until_ready,
)

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"

# Start-up is waited for while the server runs (wait_until_ready). The browser waits below are bounds on
# readiness checks (Playwright polls): generous, as a loaded 2-core machine needs, never slept through.
SERVER_STOP_TIMEOUT = 10.0
UI_TIMEOUT_MS = 120_000  # Lab loading, kernel start
ACTION_TIMEOUT_MS = 30_000  # a click, a widget appearing


def browser_missing() -> str | None:
    """Why browser tests cannot run here, or None when they can."""
    if importlib.util.find_spec("playwright") is None:
        return "Python playwright is not installed (pip install -e '.[test]')"
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        return f"{CHROMIUM} is missing (apt-get install -y chromium)"
    return None


def jupyterlab_missing() -> str | None:
    if importlib.util.find_spec("jupyterlab") is None:
        return "jupyterlab is not installed (pip install -e '.[test]')"
    return None


def poll(check: Callable[[], Any], *, timeout: float, interval: float = 0.1, what: str = "condition") -> Any:
    """Call ``check`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    last_error: BaseException | None = None
    while True:
        try:
            result = check()
            if result:
                return result
        except Exception as error:  # keep polling; report the last error on timeout
            last_error = error
        if time.monotonic() > deadline:
            detail = f" (last error: {last_error!r})" if last_error else ""
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}{detail}")
        time.sleep(interval)


def make_notebook(path: Path, cells: list[str], *, kernel: str = "python3") -> Path:
    """Write a notebook of code cells at ``path`` (no outputs), with a kernelspec so Lab asks nothing."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    nb.metadata["kernelspec"] = {"name": kernel, "display_name": "Python 3 (ipykernel)", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


# -- the server -------------------------------------------------------------------------------------------


@dataclass
class LabServer:
    """A running JupyterLab: ``url`` is its base (``http://127.0.0.1:PORT/``), ``root`` its root dir."""

    process: subprocess.Popen
    port: int
    token: str
    root: Path
    home: Path
    log: Path
    env: dict[str, str] = field(repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def lab_url(self, path: str = "", *, reset: bool = True) -> str:
        """The Lab URL of a file under root (``""``: Lab itself), with the token and ``reset``."""
        query = ("reset&" if reset else "") + f"token={self.token}"
        tree = f"tree/{path.lstrip('/')}" if path else ""
        return f"{self.url}lab/{tree}?{query}"

    def api(self, path: str, *, timeout: float = 5.0) -> Any:
        """GET ``/api/<path>`` as JSON (straight to loopback, whatever proxy the environment names)."""
        request = urllib.request.Request(
            f"{self.url}api/{path.lstrip('/')}", headers={"Authorization": f"token {self.token}"}
        )
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(request, timeout=timeout) as response:
            return json.loads(response.read())

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        self.process.terminate()  # SIGTERM: the server shuts its kernels down
        try:
            self.process.wait(timeout=SERVER_STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=SERVER_STOP_TIMEOUT)


def _write_lab_settings(settings_dir: Path) -> None:
    """User settings that keep popups away: no news, no update check."""
    apputils = settings_dir / "@jupyterlab" / "apputils-extension"
    apputils.mkdir(parents=True, exist_ok=True)
    (apputils / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False})
    )


def _launch(base: Path, env_extra: dict[str, str] | None, root: Path | None) -> LabServer:
    base.mkdir(parents=True, exist_ok=True)
    root = root or base / "root"
    root.mkdir(parents=True, exist_ok=True)
    env = isolated_environ(base)
    home = Path(env["HOME"])
    settings_dir = base / "lab-settings"
    workspaces_dir = base / "lab-workspaces"
    _write_lab_settings(settings_dir)
    workspaces_dir.mkdir(exist_ok=True)
    env.update(
        JUPYTER_CONFIG_DIR=str(base / "jupyter-config"),
        JUPYTER_DATA_DIR=str(base / "jupyter-data"),
        JUPYTER_RUNTIME_DIR=str(base / "jupyter-runtime"),
        JUPYTERLAB_SETTINGS_DIR=str(settings_dir),
        JUPYTERLAB_WORKSPACES_DIR=str(workspaces_dir),
        JUPYTER_PLATFORM_DIRS="1",
        # the kernel imports this checkout even where it is not installed
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO / "src"), env.get("PYTHONPATH", "")])),
    )
    env.update(env_extra or {})
    port = free_port()
    token = os.urandom(16).hex()
    log = base / "jupyterlab.log"
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--allow-root",
        "--ip=127.0.0.1",
        f"--port={port}",
        "--port-retries=0",
        f"--ServerApp.token={token}",
        "--ServerApp.password=",
        f"--ServerApp.root_dir={root}",
        f"--LabApp.user_settings_dir={settings_dir}",
        f"--LabApp.workspaces_dir={workspaces_dir}",
        "--LabApp.expose_app_in_browser=True",
        "--ServerApp.shutdown_no_activity_timeout=600",
    ]
    with log.open("wb") as log_file:
        process = subprocess.Popen(  # its own session: Ctrl-C reaches pytest only, which then stops it
            command,
            cwd=root,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    server = LabServer(process=process, port=port, token=token, root=root, home=home, log=log, env=env)

    try:
        wait_until_ready(
            process,
            lambda: bool(server.api("status", timeout=5.0)),
            what=f"jupyterlab on port {port}",
            log_tail=server.log_tail,
        )
    except BaseException:
        server.stop()
        print(server.log_tail())
        raise
    return server


@pytest.fixture
def lab_env() -> dict[str, str]:
    """Extra environment for ``lab_server``; override in a test module."""
    return {}


@pytest.fixture
def start_lab(tmp_path: Path) -> Iterator[Callable[..., LabServer]]:
    """Factory for JupyterLab servers, each in its own folders; all stopped at teardown."""
    reason = jupyterlab_missing()
    if reason:
        pytest.skip(reason)
    servers: list[LabServer] = []

    def start(env: dict[str, str] | None = None, root: Path | None = None) -> LabServer:
        server = _launch(tmp_path / f"lab{len(servers)}", env, root)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def lab_server(start_lab: Callable[..., LabServer], lab_env: dict[str, str]) -> LabServer:
    """One JupyterLab server with ``lab_env`` in its (and its kernels') environment."""
    return start_lab(env=lab_env)


# -- the browser ------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    reason = browser_missing()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=ACTION_TIMEOUT_MS)

    with _children_in_their_own_session():
        manager = sync_playwright()
        playwright = manager.__enter__()
    try:
        chromium = playwright.chromium.launch(  # started by the driver: in its session
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True, timeout=UI_TIMEOUT_MS
        )
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        manager.__exit__(None, None, None)


@contextlib.contextmanager
def _children_in_their_own_session() -> Iterator[None]:
    """Start Playwright's driver (and so Chromium) in a session of its own.

    In pytest's process group a Ctrl-C in the terminal reached the driver too, which died of it: the
    tests then went on failing one by one instead of pytest stopping. In their own session Ctrl-C
    reaches pytest alone (KeyboardInterrupt), and teardown closes them; if pytest dies, the driver
    sees its pipe close and ends with Chromium. (Playwright offers no option for it: its
    ``asyncio.create_subprocess_exec`` call gets ``start_new_session`` while the driver starts.)
    """
    import asyncio

    original = asyncio.create_subprocess_exec

    def own_session(*args: Any, **kwargs: Any) -> Any:
        return original(*args, **{**kwargs, "start_new_session": True})

    asyncio.create_subprocess_exec = own_session  # type: ignore[assignment]
    try:
        yield
    finally:
        asyncio.create_subprocess_exec = original  # type: ignore[assignment]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Any:
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def artifact_path(name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / re.sub(r"[^A-Za-z0-9_.-]+", "_", name)


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh context and page (1280x900); a failing test leaves a screenshot in test-artifacts/."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    page = context.new_page()
    try:
        yield page
    finally:
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:
            try:
                page.screenshot(path=str(artifact_path(f"{request.node.name}-failure.png")), full_page=True)
            except Exception:
                pass
        context.close()


class LabPage:
    """A JupyterLab page in the browser, with the server it talks to."""

    def __init__(self, page: Any, server: LabServer) -> None:
        self.page = page
        self.server = server
        #: uncaught exceptions in the page, and console.error() messages, in order
        self.page_errors: list[str] = []
        self.console_errors: list[str] = []
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        page.on(
            "console", lambda message: self.console_errors.append(message.text) if message.type == "error" else None
        )

    # files ----------------------------------------------------------------
    def write_notebook(self, name: str, cells: list[str]) -> Path:
        return make_notebook(self.server.root / name, cells)

    # navigation -----------------------------------------------------------
    def open_lab(self) -> None:
        self.page.goto(self.server.lab_url(), timeout=UI_TIMEOUT_MS)
        self.page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell", timeout=UI_TIMEOUT_MS)

    def open_notebook(self, name: str, *, wait_idle: bool = True) -> None:
        """Open ``name`` (relative to the server root) in Lab; wait for its kernel's Idle."""
        self.page.goto(self.server.lab_url(name), timeout=UI_TIMEOUT_MS)
        self.page.locator(".jp-NotebookPanel .jp-Cell").first.wait_for(timeout=UI_TIMEOUT_MS)
        if wait_idle:
            self.wait_kernel_idle()

    @property
    def notebook(self) -> Any:
        """Locator of the current notebook panel (Lab's current widget)."""
        widget_id = self.page.evaluate("() => window.jupyterapp.shell.currentWidget.id")
        return self.page.locator(f"[id='{widget_id}']")

    def kernel_status(self) -> str:
        """The current notebook's kernel status as the session context reports it ("idle", "busy", ...)."""
        return self.page.evaluate(
            "() => { const w = window.jupyterapp.shell.currentWidget;"
            " const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;"
            " return k ? k.status : ''; }"
        )

    def wait_kernel_idle(self, timeout_ms: int = UI_TIMEOUT_MS) -> None:
        """Wait for the kernel to be ready, and for the status bar to say "Idle"."""
        self.page.wait_for_function(
            "() => { const w = window.jupyterapp.shell.currentWidget;"
            " const c = w && w.sessionContext;"
            " return c && c.session && c.session.kernel && c.session.kernel.status === 'idle'"
            " && c.session.kernel.connectionStatus === 'connected'; }",
            timeout=timeout_ms,
        )
        self.page.get_by_text(re.compile(r"\|\s*Idle")).first.wait_for(timeout=timeout_ms)

    # commands -------------------------------------------------------------
    def command(
        self, command_id: str, args: dict[str, Any] | None = None, *, wait: bool = True, timeout_ms: int = UI_TIMEOUT_MS
    ) -> Any:
        """Execute a JupyterLab command (``window.jupyterapp.commands.execute``).

        With ``wait``, wait (bounded) for the command's promise and return its result
        (JSON-able results only); a rejected promise fails the test.
        """
        slot = self.page.evaluate(
            "([id, args]) => { const slots = window.__labCommands = window.__labCommands || [];"
            " const i = slots.length; slots.push(null);"
            " window.jupyterapp.commands.execute(id, args).then("
            "   r => { slots[i] = {ok: true, result: (r === undefined ? null : r)}; },"
            "   e => { slots[i] = {ok: false, error: String(e && e.stack || e)}; });"
            " return i; }",
            [command_id, args or {}],
        )
        if not wait:
            return None
        handle = self.page.wait_for_function("(i) => window.__labCommands[i]", arg=slot, timeout=timeout_ms)
        outcome = self.page.evaluate(
            "(i) => { const o = window.__labCommands[i];"
            " try { return JSON.parse(JSON.stringify(o)); } catch (e) { return {ok: o.ok, result: null}; } }",
            slot,
        )
        handle.dispose()
        if not outcome["ok"]:
            pytest.fail(f"JupyterLab command {command_id} failed: {outcome['error']}")
        return outcome.get("result")

    def run_all(self, *, timeout_ms: int = UI_TIMEOUT_MS) -> None:
        """Run every cell; returns when they have run (or the run stopped at an error) and the kernel is idle."""
        self.command("notebook:run-all-cells", timeout_ms=timeout_ms)
        self.wait_kernel_idle(timeout_ms)

    def run_focused_cell(self, *, timeout_ms: int = UI_TIMEOUT_MS) -> None:
        """Run the active cell (and stay on it); returns when it has run and the kernel is idle."""
        self.command("notebook:run-cell", timeout_ms=timeout_ms)
        self.wait_kernel_idle(timeout_ms)

    def select_cell(self, index: int) -> None:
        """Make cell ``index`` the active one (in command mode)."""
        self.page.evaluate(
            "(i) => { const n = window.jupyterapp.shell.currentWidget.content;"
            " n.mode = 'command'; n.activeCellIndex = i; }",
            index,
        )

    # outputs --------------------------------------------------------------
    def cells(self) -> Any:
        return self.notebook.locator(".jp-Cell")

    def cell_outputs(self) -> list[list[str]]:
        """The text of each output of each cell, as the page shows it."""
        return self.page.evaluate(
            "() => window.jupyterapp.shell.currentWidget.content.widgets"
            ".map(c => Array.from(c.node.querySelectorAll('.jp-OutputArea-output')).map(o => o.innerText))"
        )

    def cell_output(self, index: int) -> Any:
        """Locator of one cell's output area."""
        return self.cells().nth(index).locator(".jp-OutputArea")

    def screenshot(self, name: str, locator: Any = None) -> Path:
        """Save a PNG under test-artifacts/ (of ``locator``, or the whole page)."""
        path = artifact_path(name if name.endswith(".png") else name + ".png")
        (locator or self.page).screenshot(path=str(path))
        return path


@pytest.fixture
def lab(browser: Any, lab_server: LabServer, page: Any, request: pytest.FixtureRequest) -> Iterator[LabPage]:
    """The browser first (no server starts where the test will skip), then the server, then the page:
    the page (and its failure screenshot) goes before the server stops.

    A failing test prints the browser's errors and the server's log (shown in the report).
    """
    lab_page = LabPage(page, lab_server)
    yield lab_page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        print("page errors:", lab_page.page_errors, "\nconsole errors:", lab_page.console_errors)
        print("jupyterlab log (tail):\n" + lab_server.log_tail())


# -- helpers of the dashboard's browser tests -------------------------------------------------------


def expect_ui() -> Any:
    """Playwright's ``expect`` (imported when a browser test runs, not at collection)."""
    from playwright.sync_api import expect

    return expect


def use_server_online(monkeypatch: pytest.MonkeyPatch, server: Any) -> None:
    """Runs started by the test log online to ``server`` (a tests/dashboard ``Standalone``)."""
    monkeypatch.setenv("WANDB_BASE_URL", server.url)
    monkeypatch.setenv("WANDB_API_KEY", server.key)
    monkeypatch.setenv("WANDB_MODE", "online")


def sign_in(page: Any, server: Any) -> None:
    """Open the server's one-time login link and land on its projects page."""
    page.goto(server.login_url)
    page.wait_for_url(re.compile(re.escape(server.url) + r"/?$"))


def chart_of(page: Any, metric: str) -> Any:
    return page.locator(f'[data-testid="chart"][data-metric="{metric}"]')
