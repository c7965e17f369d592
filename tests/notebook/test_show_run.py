"""WANDB_SHOW_RUN: open the run's page (kernel: ask the front end; terminal: a browser only if graphical).

Runs get pages with the online and dashboard features; here a run's ``url``
is set by the test so the opening path itself is exercised.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

URL = "http://127.0.0.1:9/team/proj/runs/abc"

TERMINAL = textwrap.dedent(
    f"""
    import json, webbrowser
    calls = []

    class Recorder(webbrowser.BaseBrowser):
        def open(self, url, new=0, autoraise=True):
            calls.append(url)
            return True

    webbrowser.register("recorder", None, Recorder("recorder"), preferred=True)
    from wandb_jupyter.core._run import Run
    Run.url = property(lambda self: "{URL}")
    import wandb_jupyter as wandb
    wandb.init(mode="offline").finish()
    print(json.dumps(calls))
    """
)


@pytest.mark.parametrize(
    "show, display, opened, printed",
    [
        pytest.param("true", ":0", [URL], False, id="true-with-a-display"),
        pytest.param("true", None, [], True, id="true-headless-prints-the-url"),
        pytest.param("false", ":0", [], False, id="false"),
        pytest.param(None, ":0", [], False, id="unset"),
    ],
)
def test_terminal(tmp_path, env_for_subprocess, show, display, opened, printed) -> None:
    env = {k: v for k, v in env_for_subprocess.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "BROWSER")}
    if show is not None:
        env["WANDB_SHOW_RUN"] = show
    if display is not None:
        env["DISPLAY"] = display
    result = subprocess.run(
        [sys.executable, "-c", TERMINAL], cwd=tmp_path, env=env, capture_output=True, text=True, check=True
    )
    assert json.loads(result.stdout.strip().splitlines()[-1]) == opened
    assert (f"run page: {URL}" in result.stderr) is printed


@pytest.mark.parametrize("show", ["true", "false"])
def test_kernel_asks_the_front_end_to_open_a_tab(execute_notebook, monkeypatch, show) -> None:
    monkeypatch.setenv("WANDB_SHOW_RUN", show)
    nb = execute_notebook(
        [
            f"from wandb_jupyter.core._run import Run\nRun.url = property(lambda self: '{URL}')",
            "import wandb_jupyter as w\nrun = w.init(mode='offline')",
            "run.finish()",
        ]
    )
    html = "".join(out.get("data", {}).get("text/html", "") for out in nb.cells[1].outputs)
    opens = f'window.open("{URL}"' in html
    assert opens is (show == "true")
    assert f'href="{URL}" target="_blank"' in html
