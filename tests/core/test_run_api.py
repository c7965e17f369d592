"""The rest of W&B's run API: setters, alert, mark_preempting, save's folders, log_code, watch,
Settings with W&B's field names, setup/require/termlog, and run.config assignment.

Programs run in a fresh interpreter as a user runs them; where the real SDK writes the same
thing offline (saved files, alerts, notes and tags) it runs the same program as the reference.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

import wandb_jupyter
from wandb_jupyter import UsageError

PROGRAM = """
import datetime, os
run = wandb.init(project="api", config={"a": 1})
os.makedirs("ckpt/sub", exist_ok=True)
with open("ckpt/sub/f.ckpt", "w") as f:
    f.write("weights")
run.save("ckpt/sub/f.ckpt")                     # relative: keeps its folders
run.save(os.path.abspath("ckpt/sub/f.ckpt"))   # absolute: keeps one folder level
run.notes = "changed notes"
run.tags = ["a", "b"]
run.alert(title="loss spike", text="loss > 10", level=wandb.AlertLevel.WARN,
          wait_duration=datetime.timedelta(minutes=5))
run.alert(title="done", text="ok")
run.mark_preempting()
with open("lib.py", "w") as f:
    f.write("x = 1")
code = run.log_code(".", exclude_fn=lambda path, root: "wandb" in path)
with open("code.txt", "w") as f:
    f.write(repr((code.type, sorted(code.manifest.entries))))
assert run.offline and not run.disabled and not run.resumed and run.start_time > 0
assert run.path.endswith("api/" + run.id)
run.finish()
"""


def _records(run_dir: Path, kind: str) -> list:
    from data_types import _wandb_records

    found = _wandb_records.read_records(next(run_dir.glob("run-*.wandb")))
    return [getattr(r, kind) for r in found if r.WhichOneof("record_type") == kind]


@pytest.mark.wandb_sdk
def test_a_program_using_the_run_api_keeps_what_wandb_keeps(run_both) -> None:
    ours, theirs = run_both(PROGRAM)

    def saved(ran) -> dict[str, str]:
        return {p.relative_to(ran.files).as_posix(): p.read_text() for p in ran.files.rglob("*.ckpt")}

    assert saved(ours) == saved(theirs) == {"ckpt/sub/f.ckpt": "weights", "sub/f.ckpt": "weights"}

    alerts = [json.loads(line) for line in (ours.dir / "alerts.jsonl").read_text().splitlines()]
    their_alerts = _records(theirs.dir, "alert")
    assert [(a["title"], a["text"], a["level"], a["wait_duration"]) for a in alerts] == [
        (a.title, a.text, a.level, a.wait_duration) for a in their_alerts
    ]
    assert alerts[0]["wait_duration"] == 300_000 and alerts[1]["level"] == "INFO"
    assert _records(theirs.dir, "preempting") and (ours.dir / "preempting").is_file()

    code = (ours.dir.parents[1] / "code.txt").read_text()
    assert code == (theirs.dir.parents[1] / "code.txt").read_text() == repr(("code", ["lib.py", "program.py"]))
    assert ours.wandb_config()["code_path"] == theirs.wandb_config()["code_path"] == "source-api-program.py"

    metadata = json.loads((ours.files / "wandb-metadata.json").read_text())
    last_run = _records(theirs.dir, "run")[-1]
    assert (
        (metadata["notes"], metadata["tags"]) == (last_run.notes, list(last_run.tags)) == ("changed notes", ["a", "b"])
    )


def test_group_and_job_type_setters_are_kept_too(run, wandb_warnings) -> None:
    run.group = "cv-fold"
    run.job_type = "eval"
    run.tags = "single"  # a bare string is one tag
    metadata = json.loads(Path(run.dir, "wandb-metadata.json").read_text())
    assert (metadata["group"], metadata["jobType"], metadata["tags"]) == ("cv-fold", "eval", ["single"])
    assert (run.group, run.job_type, run.tags) == ("cv-fold", "eval", ("single",))
    run.tags = ["x" * 65]  # W&B warns and keeps the tags
    assert run.tags == ("single",) and "tags not updated" in wandb_warnings[-1].getMessage()
    run.finish(quiet=True)
    with pytest.raises(UsageError, match="finished"):
        run.notes = "late"


def test_assigning_config_replaces_it_and_finish_still_works(run) -> None:
    run.config = {"lr": 0.5, "layers": [1, 2]}
    run.config.batch = 32
    run.finish(quiet=True)
    config = yaml.safe_load(Path(run.dir, "config.yaml").read_text())
    assert {k: v["value"] for k, v in config.items() if k not in ("_wandb", "wandb_version")} == {
        "lr": 0.5,
        "layers": [1, 2],
        "batch": 32,
    }


def test_save_outside_base_path_is_an_error_and_glob_false_takes_a_literal_name(run, isolated) -> None:
    (isolated / "w[1].pt").write_text("x")
    assert [Path(p).name for p in run.save("w[1].pt", glob=False)] == ["w[1].pt"]
    (isolated / "other").mkdir()
    (isolated / "other" / "a.txt").write_text("a")
    with pytest.raises(UsageError, match="not under base_path"):
        run.save("other/a.txt", base_path="ckpt")


def test_alert_arguments_are_checked_as_wandb_checks_them(run) -> None:
    with pytest.raises(UsageError, match="INFO, WARN, ERROR"):
        run.alert("t", "x", level="LOUD")
    with pytest.raises(UsageError, match="wait_duration"):
        run.alert("t", "x", wait_duration="soon")
    run.alert("t", "x", level="ERROR", wait_duration=1.5)
    (alert,) = [json.loads(line) for line in (run.paths.root / "alerts.jsonl").read_text().splitlines()]
    assert (alert["level"], alert["wait_duration"]) == ("ERROR", 1500)
    assert not (run.paths.files / "alerts.jsonl").exists()  # never uploaded as a run file


def test_log_code_logs_the_chosen_files_as_a_code_artifact(run, isolated) -> None:
    (isolated / "src").mkdir()
    (isolated / "src" / "model.py").write_text("x = 1")
    (isolated / "src" / "notes.md").write_text("no")
    (isolated / "requirements.txt").write_text("numpy")
    (isolated / "wandb" / "junk").mkdir(parents=True)
    (isolated / "wandb" / "junk" / "skip.py").write_text("no")
    artifact = run.log_code(".")
    assert artifact.type == "code" and artifact.name.startswith("source-api-")
    assert sorted(artifact.manifest.entries) == ["requirements.txt", "src/model.py"]
    assert run._wandb_block["code_path"] == artifact.name.split(":")[0]
    notes = run.log_code(".", name="notes", include_fn=lambda path, root: path.endswith(".md"))
    assert sorted(notes.manifest.entries) == ["src/notes.md"] and notes.name == "notes:v0"
    assert run.log_code("src", include_fn=lambda path: False) is None


def test_watch_says_once_that_it_does_nothing(run, wandb_warnings) -> None:
    run.watch(object())
    run.watch(object(), log="all")
    run.unwatch()
    assert len(wandb_warnings) == 1 and "watch() does nothing" in wandb_warnings[0].getMessage()
    with pytest.raises(UsageError, match="gradients"):
        run.watch(object(), log="weights")


def test_disabled_run_has_the_whole_api() -> None:
    run = wandb_jupyter.init(mode="disabled")
    run.alert("t", "x")
    run.mark_preempting()
    run.log_code()
    run.watch(None)
    run.unwatch()
    run.notes, run.tags, run.group, run.job_type = "n", ("t",), "g", "j"
    run.config = {"a": 1}
    assert run.config.a == 1 and run.disabled and not run.offline and run.path.endswith(run.id)
    run.finish()


def _python(code: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def test_settings_take_wandb_field_names(env_for_subprocess, tmp_path) -> None:
    done = _python(
        """
        import wandb_jupyter as wandb
        settings = wandb.Settings(run_name="named", run_tags=("x",), x_disable_stats=True, _disable_stats=True,
                                  init_timeout=120, start_method="thread", x_file_stream_timeout_seconds=5,
                                  save_code=False, mode="offline", reinit="create_new", x_stats_sampling_interval=0.1)
        first = wandb.init(project="s", settings=settings)
        second = wandb.init(project="s", settings=settings)   # reinit=create_new from the settings
        assert first is not second and not first.finished
        print(first.name, first.tags, first.settings.init_timeout, first.settings.disable_code)
        import time; time.sleep(0.5)
        second.finish(); first.finish()
        print(open(first.dir + "/wandb-events.jsonl").read().count("\\n"))
        try:
            wandb.Settings(projcet="typo")
        except wandb.Error as error:
            print("error:", error)
        """,
        env_for_subprocess,
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "named ('x',) 120.0 True"
    assert lines[1] == "0"  # no system metrics sampled
    assert lines[2].startswith("error: unknown setting(s) projcet")
    warnings = [line for line in done.stderr.splitlines() if "do not apply" in line]
    assert len(warnings) == 1 and "start_method" in warnings[0] and "x_file_stream_timeout_seconds" in warnings[0]
    assert "init_timeout" not in warnings[0] and "disable_stats" not in warnings[0]


def test_setup_settings_reach_every_init_and_lose_to_init_arguments() -> None:
    wandb_jupyter.setup(settings=wandb_jupyter.Settings(mode="offline", project="from-setup"))
    try:
        run = wandb_jupyter.init()
        assert (run.mode, run.project) == ("offline", "from-setup")
        run.finish(quiet=True)
        run = wandb_jupyter.init(project="mine")
        assert run.project == "mine"
    finally:
        wandb_jupyter.teardown()
    assert wandb_jupyter.run is None
    assert wandb_jupyter.setup().settings is None


def test_require_termlog_and_error(capsys) -> None:
    wandb_jupyter.require("core")
    wandb_jupyter.require(experiment=["service"])
    with pytest.raises(wandb_jupyter.Error, match="nonsense"):
        wandb_jupyter.require("nonsense")
    wandb_jupyter.termlog("hello\nworld")
    wandb_jupyter.termwarn("careful", repeat=False)
    wandb_jupyter.termwarn("careful", repeat=False)
    wandb_jupyter.termerror("broken")
    wandb_jupyter.termlog("raw", prefix=False, newline=False)
    err = capsys.readouterr().err
    assert "wandb: hello\nwandb: world\n" in err and err.count("careful") == 1
    assert "wandb: WARNING: careful" in err and "wandb: ERROR: broken" in err and err.endswith("raw")


def test_silent_silences_termlog(env_for_subprocess, tmp_path) -> None:
    done = _python(
        "import wandb_jupyter as w\nw.termlog('hi')\nw.termwarn('warn')",
        dict(env_for_subprocess, WANDB_SILENT="true"),
        tmp_path,
    )
    assert done.returncode == 0 and done.stderr == ""


def test_everything_is_public() -> None:
    names = {
        "define_metric",
        "alert",
        "AlertLevel",
        "mark_preempting",
        "log_code",
        "watch",
        "unwatch",
        "login",
        "setup",
        "require",
        "termlog",
        "termwarn",
        "termerror",
        "Error",
    }
    assert names <= set(wandb_jupyter.__all__)
    assert all(hasattr(wandb_jupyter, name) for name in names)
    import inspect

    import wandb

    for name in ("define_metric", "alert", "save", "log_code", "watch", "unwatch"):
        theirs = set(inspect.signature(getattr(wandb.Run, name)).parameters)
        ours = set(inspect.signature(getattr(wandb_jupyter.Run, name)).parameters)
        assert theirs <= ours, (name, theirs - ours)
    assert set(inspect.signature(wandb.login).parameters) <= set(inspect.signature(wandb_jupyter.login).parameters)


@pytest.fixture
def run():
    active = wandb_jupyter.init(project="api", mode="offline")
    yield active
    active.finish(quiet=True)


def test_settings_code_dir_keeps_that_folders_code_at_init(isolated) -> None:
    (isolated / "project").mkdir()
    (isolated / "project" / "train.py").write_text("print('train')")
    run = wandb_jupyter.init(project="api", mode="offline", settings=wandb_jupyter.Settings(code_dir="project"))
    assert run._wandb_block["code_path"].startswith("source-api-")
    run.finish(quiet=True)
    off = wandb_jupyter.init(
        project="api", mode="offline", settings=wandb_jupyter.Settings(code_dir="project", save_code=False)
    )
    assert "code_path" not in off._wandb_block
    off.finish(quiet=True)


def test_define_metric_takes_wandbs_positional_order(run) -> None:
    import inspect

    import wandb

    theirs = list(inspect.signature(wandb.Run.define_metric).parameters)
    ours = list(inspect.signature(wandb_jupyter.Run.define_metric).parameters)
    assert ours[: len(theirs)] == theirs  # goal (W&B's older argument) comes after them
    run.define_metric("loss", None, None, None, "min", True)
    assert run._metric_defs.metric_for("loss").summary == ("min",)
