"""``wandb_jupyter.login()`` against our server: the stores of ``wandb-jupyter login``, a key checked
before it is kept, a prompt that never echoes (on a terminal, and in a kernel as a password box).
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest


def _python(code: str, env: dict[str, str], cwd: Path, **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        **kwargs,
    )


def _netrc(env: dict[str, str]) -> Path:
    return Path(env["HOME"]) / ".netrc"


def test_login_with_a_key_checks_and_stores_it_then_runs_use_it(live_server, env_for_subprocess, tmp_path) -> None:
    env = dict(env_for_subprocess, WANDB_DIR=str(tmp_path))
    done = _python(
        f"""
        import wandb_jupyter as wandb
        print(wandb.login(key="{live_server.admin_key}", host="{live_server.url}"))
        run = wandb.init(project="p", mode="online")
        print(run.url)
        run.finish()
        """,
        env,
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout.splitlines()
    assert out[0] == "True" and out[1].startswith(live_server.url)
    netrc = _netrc(env)
    host = live_server.url.split("//")[1]
    assert f"machine {host}" in netrc.read_text() and live_server.admin_key in netrc.read_text()
    assert stat.S_IMODE(netrc.stat().st_mode) == 0o600
    settings = Path(env["WANDB_CONFIG_DIR"]) / "settings"
    assert f"base_url = {live_server.url}" in settings.read_text()  # host= makes it the default, as in W&B
    assert live_server.admin_key not in done.stdout + done.stderr  # shown masked only


def test_a_key_the_server_refuses_is_not_stored(live_server, env_for_subprocess, tmp_path) -> None:
    bad = "x" * 40
    done = _python(
        f"""
        import wandb_jupyter as wandb
        try:
            wandb.login(key="{bad}", host="{live_server.url}")
        except wandb.Error as error:
            print("refused:", error)
        """,
        env_for_subprocess,
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "refused:" in done.stdout and bad not in done.stdout
    assert not _netrc(env_for_subprocess).exists()


def test_offline_disabled_and_no_prompt_return_false(env_for_subprocess, tmp_path) -> None:
    done = _python(
        """
        import wandb_jupyter as wandb
        import os
        print(wandb.login(prompt=False))
        os.environ["WANDB_MODE"] = "offline"
        print(wandb.login())
        os.environ["WANDB_MODE"] = "disabled"
        print(wandb.login())
        """,
        dict(env_for_subprocess, WANDB_BASE_URL="http://127.0.0.1:9"),
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "False", "False"]
    assert "offline mode" in done.stderr


def test_the_terminal_prompt_does_not_echo_the_key(live_server, env_for_subprocess, tmp_path) -> None:
    import pty

    code = f"import wandb_jupyter as wandb; print('result', wandb.login(host='{live_server.url}'))"
    pid, fd = pty.fork()
    if pid == 0:  # the child: a user at a terminal
        os.chdir(tmp_path)
        os.execve(sys.executable, [sys.executable, "-c", code], env_for_subprocess)
    seen = b""
    deadline = time.monotonic() + 60
    sent = False
    while time.monotonic() < deadline:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
        if not sent and b"not shown" in seen:
            os.write(fd, live_server.admin_key.encode() + b"\n")
            sent = True
    os.waitpid(pid, 0)
    os.close(fd)
    text = seen.decode(errors="replace")
    assert sent and "result True" in text, text
    assert live_server.admin_key not in text  # neither echoed nor printed
    assert live_server.admin_key in _netrc(env_for_subprocess).read_text()


def test_a_kernel_asks_with_a_password_box(live_server, env_for_subprocess, tmp_path) -> None:
    """In a notebook the front end gets an input request marked ``password``: it shows dots, not the key."""
    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel(kernel_name="python3", env=env_for_subprocess, cwd=str(tmp_path))
    try:
        msg_id = client.execute(
            f"import wandb_jupyter as wandb\nprint('result', wandb.login(host='{live_server.url}'))", allow_stdin=True
        )
        request = client.get_stdin_msg(timeout=60)
        assert request["msg_type"] == "input_request" and request["content"]["password"] is True
        client.input(live_server.admin_key)
        outputs = []
        while True:
            message = client.get_iopub_msg(timeout=60)
            if message["parent_header"].get("msg_id") != msg_id:
                continue
            if message["msg_type"] == "stream":
                outputs.append(message["content"]["text"])
            if message["msg_type"] == "status" and message["content"]["execution_state"] == "idle":
                break
        text = "".join(outputs)
        assert "result True" in text and live_server.admin_key not in text
        msg_id = client.execute("print('again', wandb.login(host='%s'))" % live_server.url)  # stored: no question
        reply = client.get_shell_msg(timeout=60)
        assert reply["content"]["status"] == "ok"
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    assert live_server.admin_key in _netrc(env_for_subprocess).read_text()


def test_a_notebook_logs_in_with_a_key_and_tracks_online(live_server, execute_notebook, isolated) -> None:
    from conftest import stream_text

    nb = execute_notebook(
        [
            "import wandb_jupyter as wandb",
            f"print(wandb.login(key='{live_server.admin_key}', host='{live_server.url}'))",
            "run = wandb.init(project='nb', mode='online')\nrun.define_metric('loss', summary='min')\n"
            "for v in (3, 1, 2):\n    run.log({'loss': v})\nrun.alert('from a notebook', 'hello')\nrun.finish()",
            "print(wandb.login(key='%s', host='%s'))" % (live_server.admin_key, live_server.url),
        ]
    )
    assert stream_text(nb.cells[1]).strip() == "True"
    everything = "".join(str(cell.outputs) for cell in nb.cells)
    assert live_server.admin_key not in everything.replace(f"key='{live_server.admin_key}'", "")
    answer = live_server.gql(
        '{ project(name: "nb", entityName: "admin") { runs { edges { node { summaryMetrics alerts { title } } } } } }'
    ).json()
    (edge,) = answer["data"]["project"]["runs"]["edges"]
    assert '"loss": {"min": 1}' in edge["node"]["summaryMetrics"].replace('":{', '": {').replace(":1}", ": 1}")
    assert edge["node"]["alerts"] == [{"title": "from a notebook"}]


@pytest.fixture
def env_for_subprocess(env_for_subprocess: dict[str, str]) -> dict[str, str]:
    env = dict(env_for_subprocess)
    env.pop("WANDB_API_KEY", None)
    return env


def test_anonymous_login_gets_an_anonymous_account(live_server, env_for_subprocess, tmp_path) -> None:
    live_server.ctx.anonymous.enabled = True  # off unless the server's admin allows them
    done = _python(
        f"""
        import wandb_jupyter as wandb
        print(wandb.login(anonymous="must", host="{live_server.url}"))
        print(wandb.login(anonymous="allow", host="{live_server.url}", verify=False))  # a key is there now
        """,
        env_for_subprocess,
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "True"]
    assert "login anonymous" in _netrc(env_for_subprocess).read_text()


def test_login_with_a_stored_key_and_another_host_makes_that_host_the_default(
    live_server, env_for_subprocess, tmp_path
) -> None:
    first = _python(
        f"import wandb_jupyter as wandb\nprint(wandb.login(key='{live_server.admin_key}', host='{live_server.url}'))",
        env_for_subprocess,
        tmp_path,
    )
    assert first.stdout.strip() == "True", first.stderr
    settings = Path(env_for_subprocess["WANDB_CONFIG_DIR"]) / "settings"
    settings.write_text("[default]\nbase_url = http://127.0.0.1:9\n")
    again = _python(
        f"import wandb_jupyter as wandb\nprint(wandb.login(host='{live_server.url}'))", env_for_subprocess, tmp_path
    )
    assert again.stdout.strip() == "True", again.stderr
    assert f"base_url = {live_server.url}" in settings.read_text()


def test_login_after_init_does_nothing_and_says_so(wandb_warnings) -> None:
    import wandb_jupyter

    run = wandb_jupyter.init(project="p", mode="offline")
    assert wandb_jupyter.login(key="k" * 40) is False
    assert "after init() has no effect" in wandb_warnings[-1].getMessage()
    run.finish(quiet=True)
    assert not (Path.home() / ".netrc").exists()
