"""The kernel side of the JupyterLab extension's comm, driven by a test client acting as the extension.

A real ipykernel gets exactly what the extension sends (labextension/src/probe.ts
builds the same request; its unit test pins the same lines): the silent probe
at kernel start, then a comm to the ``wandb_jupyter`` target. What comes back
is what the status bar and the run-page opener use.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from wandb_jupyter.notebook import _comm

TIMEOUT = 60.0
PROBE_KEY = "wandb_jupyter"
PROBE_EXPRESSION = "__import__('sys').modules['wandb_jupyter.notebook._comm'].PROTOCOL"


def probe_code(path: str, root: str, dashboard: dict | None = None) -> str:
    """labextension/src/probe.ts ``probeCode``: JSON strings are Python literals, the dashboard a dict literal."""
    args = [json.dumps(path), json.dumps(root)]
    if dashboard is not None:
        roots = ", ".join(json.dumps(r) for r in dashboard["roots"])
        args.append(f'{{"base": {json.dumps(dashboard["base"])}, "roots": [{roots}]}}')
    return "\n".join(
        [
            "try:",
            "    from wandb_jupyter.notebook._comm import hello as _wandb_jupyter_hello",
            "except Exception:",
            "    pass",
            "else:",
            f"    _wandb_jupyter_hello({', '.join(args)})",
            "    del _wandb_jupyter_hello",
        ]
    )


class FrontEnd:
    """A kernel client that speaks to the kernel as the extension does, keeping every iopub message."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.iopub: list[dict] = []
        self.comm_id: str | None = None
        self.shell_replies: dict[str, dict] = {}

    # iopub -------------------------------------------------------------------
    def pump(self, until: Callable[[], Any], timeout: float = TIMEOUT, what: str = "a message") -> Any:
        deadline = time.monotonic() + timeout
        while True:
            found = until()
            if found:
                return found
            left = deadline - time.monotonic()
            if left <= 0:
                pytest.fail(f"timed out waiting for {what}; iopub so far: {[m['msg_type'] for m in self.iopub]}")
            try:
                self.iopub.append(self.client.get_iopub_msg(timeout=min(left, 0.5)))
            except Exception:  # queue.Empty
                pass

    def replies_to(self, msg_id: str) -> list[dict]:
        return [m for m in self.iopub if m["parent_header"].get("msg_id") == msg_id]

    def comm_data(self) -> list[dict]:
        return [
            m["content"]["data"]
            for m in self.iopub
            if m["msg_type"] == "comm_msg" and m["content"]["comm_id"] == self.comm_id
        ]

    def statuses(self) -> list[Any]:
        return [d["run"] for d in self.comm_data() if d.get("type") == "status"]

    # shell -------------------------------------------------------------------
    def execute(self, code: str, **content: Any) -> tuple[dict, list[dict]]:
        """Run ``code``; the reply and this request's iopub messages (waits for its idle)."""
        msg_id = self.client.execute(code, **content)
        reply = self.reply(msg_id)
        self.pump(
            lambda: any(
                m["msg_type"] == "status" and m["content"]["execution_state"] == "idle" for m in self.replies_to(msg_id)
            ),
            what=f"idle after {code[:40]!r}",
        )
        return reply, self.replies_to(msg_id)

    def reply(self, msg_id: str) -> dict:
        """The shell reply to ``msg_id`` (replies to other requests are kept for later)."""
        while msg_id not in self.shell_replies:
            message = self.client.get_shell_msg(timeout=TIMEOUT)
            self.shell_replies[message["parent_header"].get("msg_id")] = message
        return self.shell_replies.pop(msg_id)

    def run(self, code: str) -> str:
        """Run a user cell; its stdout (an error fails the test)."""
        reply, messages = self.execute(code)
        errors = [m["content"] for m in messages if m["msg_type"] == "error"]
        assert reply["content"]["status"] == "ok", errors
        return "".join(
            m["content"]["text"] for m in messages if m["msg_type"] == "stream" and m["content"]["name"] == "stdout"
        )

    def probe(self, path: str, root: str, dashboard: dict | None = None) -> tuple[dict, list[dict]]:
        return self.execute(
            probe_code(path, root, dashboard),
            silent=True,
            store_history=False,
            allow_stdin=False,
            stop_on_error=False,
            user_expressions={PROBE_KEY: PROBE_EXPRESSION},
        )

    def open_comm(self, data: dict) -> str:
        self.comm_id = uuid.uuid4().hex
        self._send("comm_open", {"comm_id": self.comm_id, "target_name": _comm.TARGET, "data": data})
        return self.comm_id

    def send(self, data: dict) -> None:
        self._send("comm_msg", {"comm_id": self.comm_id, "data": data})

    def close_comm(self) -> None:
        self._send("comm_close", {"comm_id": self.comm_id, "data": {}})

    def _send(self, msg_type: str, content: dict) -> None:
        message = self.client.session.msg(msg_type, content)
        self.client.shell_channel.send(message)


@pytest.fixture
def notebook_root(isolated: Path) -> Path:
    """A server root with ``dir/lab_check.ipynb``; kernels start in ``dir`` (as Lab starts them)."""
    import nbformat

    folder = isolated / "dir"
    folder.mkdir()
    nbformat.write(nbformat.v4.new_notebook(), folder / "lab_check.ipynb")
    return isolated


@pytest.fixture
def front_end(notebook_root: Path):
    """A fresh kernel (no JPY_SESSION_NAME: only the extension can name the notebook) and its client."""
    from jupyter_client.manager import KernelManager

    env = {k: v for k, v in os.environ.items() if k != "JPY_SESSION_NAME"}
    env["WANDB_MODE"] = "offline"
    manager = KernelManager(kernel_name="python3")
    manager.start_kernel(cwd=str(notebook_root / "dir"), env=env)
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=TIMEOUT)
        yield FrontEnd(client)
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def test_the_probe_is_silent_and_gives_the_kernel_the_path(front_end: FrontEnd, notebook_root: Path) -> None:
    reply, messages = front_end.probe("dir/lab_check.ipynb", str(notebook_root))
    content = reply["content"]
    assert content["status"] == "ok"
    assert content["user_expressions"][PROBE_KEY]["status"] == "ok"
    assert content["user_expressions"][PROBE_KEY]["data"]["text/plain"] == str(_comm.PROTOCOL)
    # nothing a notebook would show, and no execution count used up
    assert [m["msg_type"] for m in messages] == ["status", "status"]
    assert content["execution_count"] == 0

    out = front_end.run(
        "import wandb_jupyter as w, json\n"
        "run = w.init()\n"
        "print(json.dumps([run.name, run.settings.notebook_name, run.settings.origin('notebook_name').detail,"
        " [k for k in globals() if 'wandb_jupyter_hello' in k]]))"
    )
    name, notebook, source, leftovers = json.loads(out)
    assert name == "lab_check-1"
    assert notebook == str(notebook_root / "dir" / "lab_check.ipynb")
    assert source == "extension"
    assert leftovers == []
    metadata = json.loads(
        next((notebook_root / "dir" / "wandb").glob("offline-run-*/files/wandb-metadata.json")).read_text()
    )
    assert metadata["program"].endswith("lab_check.ipynb")


def test_the_probe_does_nothing_where_wandb_jupyter_is_missing(front_end: FrontEnd, notebook_root: Path) -> None:
    front_end.run("import sys\nsys.modules['wandb_jupyter'] = None  # an import now fails as if not installed")
    probe = front_end.client.execute(
        probe_code("dir/lab_check.ipynb", str(notebook_root)),
        silent=True,
        store_history=False,
        allow_stdin=False,
        stop_on_error=False,
        user_expressions={PROBE_KEY: PROBE_EXPRESSION},
    )
    queued = front_end.client.execute("print('queued cell ran')")  # behind the probe: must not be aborted
    reply = front_end.reply(probe)
    front_end.pump(
        lambda: any(
            m["msg_type"] == "status" and m["content"]["execution_state"] == "idle" for m in front_end.replies_to(probe)
        ),
        what="the probe's idle",
    )
    messages = front_end.replies_to(probe)
    assert reply["content"]["status"] == "ok"
    assert reply["content"]["user_expressions"][PROBE_KEY]["status"] == "error"
    assert [m["msg_type"] for m in messages] == ["status", "status"]  # no traceback anywhere
    assert front_end.reply(queued)["content"]["status"] == "ok"
    front_end.pump(
        lambda: any(
            m["msg_type"] == "stream" and "queued cell ran" in m["content"]["text"]
            for m in front_end.replies_to(queued)
        ),
        what="the queued cell's output",
    )
    assert front_end.run("print(1 + 1)") == "2\n"


def test_status_follows_the_run_live_and_finish_comes_from_the_front_end(
    front_end: FrontEnd, notebook_root: Path
) -> None:
    front_end.probe("dir/lab_check.ipynb", str(notebook_root))
    front_end.open_comm({"type": "path", "path": "dir/lab_check.ipynb", "root": str(notebook_root)})
    first = front_end.pump(lambda: front_end.comm_data(), what="the status on open")[0]
    assert first["type"] == "status" and first["run"] is None and first["version"]

    front_end.run("import wandb_jupyter as w\nrun = w.init()")
    running = front_end.pump(
        lambda: [s for s in front_end.statuses() if s and s["state"] == "running"], what="a running status"
    )[-1]
    assert running["name"] == "lab_check-1" and running["mode"] == "offline" and running["step"] == 0
    assert running["url"] is None and running["id"]

    # after a cell: the step count; while a long cell runs: live, once a second
    front_end.run("for i in range(3): run.log({'x': i})")
    assert front_end.pump(lambda: [s for s in front_end.statuses() if s and s["step"] == 3], what="step 3")
    msg_id = front_end.client.execute("import time\nrun.log({'x': 9})\ntime.sleep(3)\nrun.log({'x': 10})")
    front_end.pump(lambda: [s for s in front_end.statuses() if s and s["step"] == 4], timeout=10, what="step 4")
    assert not any(
        m["msg_type"] == "status" and m["content"]["execution_state"] == "idle" for m in front_end.replies_to(msg_id)
    ), "step 4 arrived only after the cell"
    front_end.pump(lambda: [s for s in front_end.statuses() if s and s["step"] == 5], what="step 5")
    count = len(front_end.statuses())
    front_end.run("pass")
    assert len(front_end.statuses()) == count, "an unchanged status is not sent again"

    front_end.send({"type": "finish"})
    finished = front_end.pump(
        lambda: [s for s in front_end.statuses() if s and s["state"] == "finished"], what="a finished status"
    )[-1]
    assert finished["step"] == 5 and finished["id"] == running["id"]
    assert front_end.run("print(run.finished, w.run)") == "True None\n"

    front_end.send({"type": "finish"})  # nothing left to finish
    assert (
        front_end.pump(lambda: [d for d in front_end.comm_data() if d["type"] == "error"], what="an error")[-1][
            "message"
        ]
        == "there is no running W&B run in this kernel"
    )


def test_a_rename_names_the_next_run(front_end: FrontEnd, notebook_root: Path) -> None:
    front_end.probe("dir/lab_check.ipynb", str(notebook_root))
    front_end.open_comm({"type": "path", "path": "dir/lab_check.ipynb", "root": str(notebook_root)})
    (notebook_root / "dir" / "lab_check.ipynb").rename(notebook_root / "dir" / "renamed.ipynb")
    front_end.send({"type": "path", "path": "dir/renamed.ipynb", "root": str(notebook_root)})
    out = front_end.run("import wandb_jupyter as w\nprint(w.init().name)")
    assert out == "renamed-1\n"


def test_show_run_goes_to_the_connected_front_end(front_end: FrontEnd, notebook_root: Path) -> None:
    url = "http://127.0.0.1:9/team/proj/runs/abc"
    front_end.probe("dir/lab_check.ipynb", str(notebook_root))
    front_end.open_comm({"type": "path", "path": "dir/lab_check.ipynb", "root": str(notebook_root)})
    front_end.pump(lambda: front_end.comm_data(), what="the status on open")
    reply, messages = front_end.execute(
        f"import os\nos.environ['WANDB_SHOW_RUN'] = 'true'\n"
        f"from wandb_jupyter.core._run import Run\nRun.url = property(lambda self: {url!r})\n"
        "import wandb_jupyter as w\nrun = w.init()"
    )
    assert reply["content"]["status"] == "ok"
    assert front_end.pump(
        lambda: [d for d in front_end.comm_data() if d["type"] == "open"], what="an open request"
    ) == [{"type": "open", "url": url}]
    html = "".join(
        m["content"].get("data", {}).get("text/html", "")
        for m in messages
        if m["msg_type"] in ("display_data", "update_display_data")
    )
    assert "window.open" not in html, "the front end opens the page; no new-tab script in the cell"
    status = front_end.pump(lambda: [s for s in front_end.statuses() if s], what="a run status")[-1]
    assert status["url"] == url

    # once the front end has gone, the cell falls back to its link and new-tab request
    front_end.close_comm()
    reply, messages = front_end.execute("run.finish()\nrun2 = w.init()")
    html = "".join(
        m["content"].get("data", {}).get("text/html", "")
        for m in messages
        if m["msg_type"] in ("display_data", "update_display_data")
    )
    assert f'window.open("{url}"' in html


def test_show_run_right_behind_the_probe_waits_for_the_comm(front_end: FrontEnd, notebook_root: Path) -> None:
    """A cell queued behind the probe may start the run before the comm arrives (it can travel on a subshell)."""
    url = "http://127.0.0.1:9/team/proj/runs/early"
    front_end.probe("dir/lab_check.ipynb", str(notebook_root))
    reply, messages = front_end.execute(
        f"import os\nos.environ['WANDB_SHOW_RUN'] = 'true'\n"
        f"from wandb_jupyter.core._run import Run\nRun.url = property(lambda self: {url!r})\n"
        "import wandb_jupyter as w\nrun = w.init()"
    )
    assert reply["content"]["status"] == "ok"
    html = "".join(
        m["content"].get("data", {}).get("text/html", "")
        for m in messages
        if m["msg_type"] in ("display_data", "update_display_data")
    )
    assert "window.open" not in html, "the page is kept for the front end that probed"
    front_end.open_comm({"type": "path", "path": "dir/lab_check.ipynb", "root": str(notebook_root)})
    data = front_end.pump(lambda: (d := front_end.comm_data()) and len(d) >= 2 and d, what="status and open")
    assert data[0]["type"] == "status" and data[0]["run"]["url"] == url
    assert data[1] == {"type": "open", "url": url}


def test_offline_runs_get_pages_from_the_dashboard_inside_jupyter(
    front_end: FrontEnd, notebook_root: Path, tmp_path: Path
) -> None:
    """The extension found the server's dashboard: runs under its folders get its page, WANDB_SHOW_RUN opens it."""
    base = "http://localhost:8888/user/ann/wandb"
    dashboard = {"base": base, "roots": [str(notebook_root)]}
    reply, messages = front_end.probe("dir/lab_check.ipynb", str(notebook_root), dashboard)
    assert reply["content"]["status"] == "ok" and [m["msg_type"] for m in messages] == ["status", "status"]
    front_end.open_comm(
        {"type": "path", "path": "dir/lab_check.ipynb", "root": str(notebook_root), "dashboard": dashboard}
    )
    front_end.pump(lambda: front_end.comm_data(), what="the status on open")

    out = front_end.run(
        "import os, json\nos.environ['WANDB_SHOW_RUN'] = 'true'\n"
        "import wandb_jupyter as w\nrun = w.init()\nprint(json.dumps([run.url, run.entity, run.project, run.id]))"
    )
    url, entity, project, run_id = json.loads(out)
    assert url == f"{base}/{entity}/{project}/runs/{run_id}"
    assert front_end.pump(
        lambda: [d for d in front_end.comm_data() if d["type"] == "open"], what="an open request"
    ) == [{"type": "open", "url": url}]
    status = front_end.pump(lambda: [s for s in front_end.statuses() if s and s["id"] == run_id], what="a status")
    assert status[-1]["url"] == url and status[-1]["mode"] == "offline"

    # a run stored outside the dashboard's folders: no page, no open, and its debug.log says why
    elsewhere = tmp_path / "elsewhere"
    out = front_end.run(f"run2 = w.init(dir={str(elsewhere)!r})\nprint(json.dumps([run2.url, str(run2.paths.root)]))")
    url2, root2 = json.loads(out)
    assert url2 is None
    assert [d for d in front_end.comm_data() if d["type"] == "open"] == [{"type": "open", "url": url}]
    debug_log = (Path(root2) / "logs" / "debug.log").read_text()
    assert "has no page in the dashboard inside Jupyter" in debug_log and str(notebook_root) in debug_log

    # a later probe without a dashboard (the server extension went away) forgets it
    front_end.probe("dir/lab_check.ipynb", str(notebook_root))
    assert json.loads(front_end.run("print(json.dumps(w.init().url))")) is None


# -- the parts without a kernel ---------------------------------------------------------------------------


def test_resolve_prefers_an_existing_file_under_the_server_root(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "n.ipynb").write_text("{}")
    assert _comm._resolve("a/n.ipynb", str(tmp_path)) == str(tmp_path / "a" / "n.ipynb")
    assert _comm._resolve("a/missing.ipynb", str(tmp_path)) == "a/missing.ipynb"  # left to the detection chain
    assert _comm._resolve("a/n.ipynb", "relative/root") == "a/n.ipynb"
    assert _comm._resolve("", str(tmp_path)) is None
    assert _comm._resolve(None, None) is None


def test_snapshot_of_runs() -> None:
    import wandb_jupyter as w

    assert _comm.snapshot(None) is None
    run = w.init(mode="offline", name="snap")
    run.log({"a": 1})
    shot = _comm.snapshot(run)
    assert shot == {
        "name": "snap",
        "id": run.id,
        "project": run.project,
        "state": "running",
        "step": 1,
        "mode": "offline",
        "url": None,
    }
    run.finish(exit_code=2)
    assert _comm.snapshot(run)["state"] == "failed"
    disabled = w.init(mode="disabled")
    assert _comm.snapshot(disabled)["mode"] == "disabled"


def test_register_is_a_no_op_outside_a_kernel() -> None:
    assert _comm.register(object()) is False
    assert _comm.connected() is False
