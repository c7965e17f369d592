"""Console capture in scripts, per WANDB_CONSOLE: what is recorded, and that nothing visible changes."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

STAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}"

SCRIPT = textwrap.dedent(
    """
    import os, subprocess, sys
    from tqdm import tqdm
    import wandb_jupyter as wandb

    before = (os.fstat(1).st_ino, os.fstat(2).st_ino, sys.stdout, sys.stderr, type(sys.stdout.write))
    run = wandb.init(mode="offline", project="console")
    print("from print")
    print("from stderr", file=sys.stderr)
    sys.stdout.flush()
    os.write(1, b"from os.write\\n")
    subprocess.run([sys.executable, "-c", "print('from a child process')"], check=True)
    for _ in tqdm(range(50), ascii=True, mininterval=0, bar_format="{l_bar}{bar:10}|"):
        pass
    print("\\x1b[32mgreen\\x1b[0m text")
    run.finish()
    after = (os.fstat(1).st_ino, os.fstat(2).st_ino, sys.stdout, sys.stderr, type(sys.stdout.write))
    print("streams restored" if after == before else f"streams changed: {before} -> {after}")
    print("after finish")
    print(run.paths.root, file=sys.stderr)
    """
)


def _run_script(tmp_path: Path, env: dict, mode: str, script: str = SCRIPT) -> tuple[subprocess.CompletedProcess, list]:
    cwd = tmp_path / mode
    cwd.mkdir()
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={**env, "WANDB_CONSOLE": mode},
    )
    assert result.returncode == 0, result.stderr
    log = next(cwd.glob("wandb/offline-run-*/files/output.log"), None)
    return result, (log.read_text().splitlines() if log else [])


def _texts(lines: list[str]) -> list[str]:
    return [re.sub(f"^(ERROR )?{STAMP} ", "", line) for line in lines]


def _visible(result: subprocess.CompletedProcess) -> tuple[str, list[str]]:
    """stdout, and stderr without the library's own lines and the run path."""
    stderr = [line for line in result.stderr.splitlines() if not line.startswith("wandb:")][:-1]
    return result.stdout, stderr


@pytest.mark.parametrize("mode", ["auto", "redirect", "wrap"])
def test_capture_records_output_and_changes_nothing_visible(tmp_path, env_for_subprocess, mode) -> None:
    off, no_lines = _run_script(tmp_path, env_for_subprocess, "off")
    captured, lines = _run_script(tmp_path, env_for_subprocess, mode)
    assert no_lines == []
    assert _visible(captured) == _visible(off)
    assert "streams restored" in captured.stdout

    texts = _texts(lines)
    assert all(re.match(f"(ERROR )?{STAMP} ", line) for line in lines)
    assert "from print" in texts and "green text" in texts
    assert next(line for line in lines if line.endswith(" from stderr")).startswith("ERROR ")
    bars = [text for text in texts if "%|" in text]
    assert bars == ["100%|##########|"], "the progress bar is collapsed to its final state"
    fd_level = {"from os.write", "from a child process"}
    assert fd_level <= set(texts) if mode != "wrap" else not fd_level & set(texts)
    assert "after finish" not in texts and not any("wandb:" in text for text in texts)
    assert len(texts) == len(set(texts)), "nothing is captured twice"


def test_off_records_nothing(tmp_path, env_for_subprocess) -> None:
    result, lines = _run_script(tmp_path, env_for_subprocess, "off")
    root = Path(result.stderr.splitlines()[-1])
    assert lines == [] and not (root / "files" / "output.log").exists()


def test_consecutive_runs_capture_only_their_own_output(tmp_path, env_for_subprocess) -> None:
    script = textwrap.dedent(
        """
        import wandb_jupyter as wandb
        first = wandb.init(mode="offline")
        print("first only")
        first.finish()
        second = wandb.init(mode="offline")
        print("second only")
        second.finish()
        print(first.paths.root); print(second.paths.root)
        """
    )
    for mode in ("wrap", "redirect"):
        result, _ = _run_script(tmp_path, env_for_subprocess, mode, script)
        first, second = (Path(p) / "files" / "output.log" for p in result.stdout.splitlines()[-2:])
        assert _texts(first.read_text().splitlines()) == ["first only"]
        assert _texts(second.read_text().splitlines()) == ["second only"]


def test_two_active_runs_never_share_capture(tmp_path, env_for_subprocess) -> None:
    script = textwrap.dedent(
        """
        import wandb_jupyter as wandb
        first = wandb.init(mode="offline")
        second = wandb.init(mode="offline", reinit="create_new")
        print("while both run")
        second.finish(); first.finish()
        print(first.paths.root); print(second.paths.root)
        """
    )
    result, _ = _run_script(tmp_path, env_for_subprocess, "wrap", script)
    first, second = (Path(p) / "files" / "output.log" for p in result.stdout.splitlines()[-2:])
    assert _texts(first.read_text().splitlines()) == ["while both run"]
    assert not second.exists()
    assert "stays with run" in result.stderr


@pytest.mark.parametrize(
    "error, warning",
    [
        pytest.param('RuntimeError("capture bug")', "console capture stopped", id="bug"),
        # a full disk stops the whole run's logging, with the run's one warning (tests/security/test_disk.py)
        pytest.param('OSError(28, "No space left on device")', "logging stopped: cannot write", id="disk-full"),
    ],
)
@pytest.mark.parametrize("mode", ["wrap", "redirect"])
def test_a_failure_inside_capture_switches_it_off_once_and_the_program_goes_on(
    tmp_path, env_for_subprocess, mode, error, warning
) -> None:
    script = (
        textwrap.dedent(
            """
        import sys, time
        import wandb_jupyter as wandb
        from wandb_jupyter.rundir import _output_log

        def broken(self, chunks):
            raise %s

        _output_log.OutputLog.add = broken
        run = wandb.init(mode="offline")
        for i in range(3):
            print("line", i)
            sys.stdout.flush()
            time.sleep(0.7)
        run.log({"still": "logging"})
        run.finish()
        print("program finished normally")
        """
        )
        % error
    )
    result, _ = _run_script(tmp_path, env_for_subprocess, mode, script)
    assert result.stdout.splitlines() == ["line 0", "line 1", "line 2", "program finished normally"]
    assert result.stderr.count(warning) == 1 and result.stderr.count("WARNING") == 1, result.stderr


def test_auto_falls_back_to_wrap_when_descriptors_cannot_be_redirected(tmp_path, env_for_subprocess) -> None:
    script = textwrap.dedent(
        """
        import io, sys
        real = sys.stdout
        sys.stdout = io.TextIOWrapper(io.BytesIO(), write_through=True)  # a stream with no descriptor 1
        import wandb_jupyter as wandb
        run = wandb.init(mode="offline")
        print("into the replaced stream")
        run.finish()
        sys.stdout = real
        print(run.paths.root)
        """
    )
    result, lines = _run_script(tmp_path, env_for_subprocess, "auto", script)
    assert _texts(lines) == ["into the replaced stream"]
    debug = (Path(result.stdout.strip()) / "logs" / "debug.log").read_text()
    assert "console capture: wrap (cannot redirect file descriptors: sys.stdout" in debug


def test_output_is_kept_when_the_forwarder_starts_late(tmp_path, env_for_subprocess) -> None:
    """On a loaded machine the redirect forwarder may first run after finish(): it must still forward all."""
    script = textwrap.dedent(
        """
        import time
        from wandb_jupyter.core import _console_tee
        started_late = _console_tee._Forwarder.run

        def late(self):
            time.sleep(0.5)
            started_late(self)

        _console_tee._Forwarder.run = late
        import wandb_jupyter as wandb
        run = wandb.init(mode="offline")
        print("the last line")
        run.finish()
        """
    )
    result, lines = _run_script(tmp_path, env_for_subprocess, "redirect", script)
    assert result.stdout == "the last line\n"
    assert _texts(lines) == ["the last line"]
