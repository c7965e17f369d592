"""The "wandb" logger, WANDB_SILENT and debug.log."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

SCRIPT = "import wandb_jupyter as w; r = w.init(mode='offline', project='quiet'); r.log({'a': 1}); r.finish()"


def _run(env: dict, cwd: Path, script: str = SCRIPT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", script], cwd=cwd, env=env, capture_output=True, text=True, check=True)


def test_messages_are_printed_by_default(tmp_path, env_for_subprocess) -> None:
    result = _run(env_for_subprocess, tmp_path)
    assert "wandb: Tracking run" in result.stderr and "finished" in result.stderr
    assert result.stdout == ""


def test_silent_prints_nothing_and_logs_to_debug_log(tmp_path, env_for_subprocess) -> None:
    result = _run({**env_for_subprocess, "WANDB_SILENT": "true"}, tmp_path)
    assert result.stdout == "" and result.stderr == ""
    debug = (tmp_path / "wandb" / "debug.log").read_text()
    assert "Tracking run" in debug and "finished" in debug


def test_setting_the_logger_to_warning_hides_info_but_keeps_warnings(tmp_path, env_for_subprocess) -> None:
    script = (
        "import logging; logging.getLogger('wandb').setLevel(logging.WARNING)\n"
        "import wandb_jupyter as w; r = w.init(mode='offline'); r.log({'a': 1}, step=5); "
        "r.log({'a': 2}, step=1); r.finish()"
    )
    result = _run(env_for_subprocess, tmp_path, script)
    assert "Tracking run" not in result.stderr
    assert "WARNING" in result.stderr and "below the current step" in result.stderr


def test_silent_from_the_settings_file(tmp_path, env_for_subprocess) -> None:
    (tmp_path / "wandb").mkdir()
    (tmp_path / "wandb" / "settings").write_text("[default]\nsilent = true\n")
    assert _run(env_for_subprocess, tmp_path).stderr == ""


def test_records_go_to_the_run_debug_log(isolated) -> None:
    import wandb_jupyter as wandb

    run = wandb.init(mode="offline")
    logging.getLogger("wandb").info("hello from a test")
    run.finish(quiet=True)
    text = (run.paths.logs / "debug.log").read_text()
    assert "hello from a test" in text and "settings:" in text


def test_logger_does_not_propagate_to_root() -> None:
    """Messages are printed once, by our handler, even when the user configured root logging."""
    assert logging.getLogger("wandb").propagate is False


def _run_with_failing_requirements(monkeypatch):
    import wandb_jupyter as wandb
    from wandb_jupyter.core import _metadata

    def broken() -> str:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(_metadata, "requirements_text", broken)
    run = wandb.init(mode="offline")
    run.log({"still": "works"})
    run.finish(quiet=True)
    return (run.paths.logs / "debug.log").read_text()


def test_internal_errors_are_recorded_with_error_reporting_on(isolated, monkeypatch) -> None:
    text = _run_with_failing_requirements(monkeypatch)
    assert "internal error in writing requirements" in text and "RuntimeError: secret internals" in text


def test_error_reporting_off_records_no_details(isolated, monkeypatch) -> None:
    monkeypatch.setenv("WANDB_ERROR_REPORTING", "false")
    text = _run_with_failing_requirements(monkeypatch)
    assert "internal error in writing requirements" in text and "secret internals" not in text


def test_internal_errors_are_kept_with_the_run_only_when_reporting(isolated, monkeypatch) -> None:
    """WANDB_ERROR_REPORTING: the run's wandb-client-errors.log (uploaded when online) or nothing."""
    _run_with_failing_requirements(monkeypatch)
    reported = list((isolated / "wandb").glob("offline-run-*/files/wandb-client-errors.log"))
    assert len(reported) == 1 and "RuntimeError: secret internals" in reported[0].read_text()
    monkeypatch.setenv("WANDB_ERROR_REPORTING", "false")
    _run_with_failing_requirements(monkeypatch)
    assert len(list((isolated / "wandb").glob("offline-run-*/files/wandb-client-errors.log"))) == 1


def test_silent_also_hides_what_settings_resolution_warns(tmp_path, env_for_subprocess) -> None:
    """Issue 19, item 8: the run-id sanitising warning comes before WANDB_SILENT is known; it must obey it."""
    script = "import wandb_jupyter as w; r = w.init(mode='offline', id='odd id!'); print(r.id); r.finish()"
    (tmp_path / "loud").mkdir()
    (tmp_path / "quiet").mkdir()
    loud = _run(env_for_subprocess, tmp_path / "loud", script)
    assert "contains characters outside" in loud.stderr and loud.stdout == "odd-id-\n"
    quiet = _run({**env_for_subprocess, "WANDB_SILENT": "true"}, tmp_path / "quiet", script)
    assert quiet.stderr == "" and quiet.stdout == "odd-id-\n"
    debug = (tmp_path / "quiet" / "wandb" / "debug.log").read_text()
    assert "contains characters outside" in debug, "debug.log keeps it"


def test_an_offline_run_ends_with_how_to_upload_it(tmp_path, env_for_subprocess) -> None:
    """Issue 19: offline runs ended with no hint that `wandb-jupyter sync` uploads them."""
    result = _run(env_for_subprocess, tmp_path)
    (run_dir,) = (tmp_path / "wandb").glob("offline-run-*")
    assert result.stderr.splitlines()[-1] == f"wandb: upload it with `wandb-jupyter sync {run_dir}`", result.stderr
    quiet = _run({**env_for_subprocess, "WANDB_SILENT": "true"}, tmp_path)
    assert quiet.stderr == ""
