"""The opt-in ``import wandb`` alias: third-party code written for W&B runs on this package.

``thirdparty_trainer.py`` below stands for a library's logger (it is written
the way Lightning's ``WandbLogger`` and transformers' ``WandbCallback`` use
``wandb``): it imports ``wandb`` at its top, checks the run against
``wandb.sdk.lib.RunDisabled``/``wandb.wandb_run.Run``, defines a step metric,
updates the config and logs. A script turns the alias on and uses it; the run
must land in this package's run directory, and no module of the real SDK
(installed here as the reference) may be imported.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import yaml

THIRD_PARTY = """
import wandb
from wandb.sdk.lib import RunDisabled
from wandb.wandb_run import Run


class Logger:
    def __init__(self, **init):
        self.run = wandb.init(**init) if wandb.run is None else wandb.run
        assert isinstance(self.run, (Run, RunDisabled)), type(self.run)
        self.run.define_metric("trainer/global_step")
        self.run.define_metric("*", step_metric="trainer/global_step", step_sync=True)

    def log_hyperparams(self, params):
        self.run.config.update(params, allow_val_change=True)

    def log_metrics(self, metrics, step):
        self.run.log(dict(metrics, **{"trainer/global_step": step}))

    def finalize(self):
        wandb.finish()
"""

MAIN = """
import sys
import wandb_jupyter
{turn_on}
import thirdparty_trainer

logger = thirdparty_trainer.Logger(project="alias", config={{"lr": 0.1}})
logger.log_hyperparams({{"batch_size": 8}})
for step in range(3):
    logger.log_metrics({{"loss": 1.0 / (step + 1)}}, step)
logger.finalize()

import wandb
assert wandb is wandb_jupyter and sys.modules["wandb"] is wandb_jupyter
assert wandb.sdk.lib.RunDisabled is wandb_jupyter.DisabledRun and wandb.util.generate_id()
real = sorted(name for name, module in sys.modules.items()
              if "site-packages/wandb/" in (getattr(module, "__file__", None) or ""))
print("real SDK modules:", real)
try:
    import wandb.apis.public
except ModuleNotFoundError as error:
    print("refused:", error)
"""


def _run(tmp_path: Path, env: dict[str, str], turn_on: str, extra_env: dict[str, str] | None = None):
    (tmp_path / "thirdparty_trainer.py").write_text(THIRD_PARTY, encoding="utf-8")
    script = tmp_path / "main.py"
    script.write_text(textwrap.dedent(MAIN.format(turn_on=turn_on)), encoding="utf-8")
    full = dict(env, WANDB_MODE="offline", WANDB_DIR=str(tmp_path), **(extra_env or {}))
    return subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, env=full, capture_output=True, text=True, timeout=120
    )


def _check_run(tmp_path: Path, done: subprocess.CompletedProcess[str]) -> None:
    assert done.returncode == 0, done.stderr
    assert "real SDK modules: []" in done.stdout
    assert "refused: No module named 'wandb.apis'" in done.stdout
    (run_dir,) = (tmp_path / "wandb").glob("offline-run-*")
    rows = [json.loads(line) for line in (run_dir / "files" / "wandb-history.jsonl").read_text().splitlines()]
    assert [(row["loss"], row["trainer/global_step"]) for row in rows] == [(1.0, 0), (0.5, 1), (1.0 / 3, 2)]
    config = yaml.safe_load((run_dir / "files" / "config.yaml").read_text())
    assert (config["lr"]["value"], config["batch_size"]["value"]) == (0.1, 8)


def test_environment_variable_turns_the_alias_on(tmp_path: Path, env_for_subprocess: dict[str, str]) -> None:
    done = _run(tmp_path, env_for_subprocess, "", {"WANDB_JUPYTER_AS_WANDB": "1"})
    _check_run(tmp_path, done)


def test_install_as_wandb_turns_the_alias_on(tmp_path: Path, env_for_subprocess: dict[str, str]) -> None:
    done = _run(tmp_path, env_for_subprocess, "wandb_jupyter.install_as_wandb()\nwandb_jupyter.install_as_wandb()")
    _check_run(tmp_path, done)


def test_without_the_alias_import_wandb_is_the_real_sdk(tmp_path: Path, env_for_subprocess: dict[str, str]) -> None:
    code = "import wandb_jupyter, wandb; print(wandb is wandb_jupyter, wandb.__file__)"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env_for_subprocess, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("False ") and "site-packages/wandb/__init__.py" in done.stdout


def test_alias_after_the_real_sdk_was_imported_is_refused(tmp_path: Path, env_for_subprocess: dict[str, str]) -> None:
    code = textwrap.dedent(
        """
        import wandb, wandb_jupyter
        try:
            wandb_jupyter.install_as_wandb()
        except wandb_jupyter.UsageError as error:
            print("refused:", error)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env_for_subprocess, capture_output=True, text=True, timeout=120
    )
    assert "refused: install_as_wandb(): the wandb package was imported before the alias" in done.stdout
    # with the environment variable, the import warns and goes on
    env = dict(env_for_subprocess, WANDB_JUPYTER_AS_WANDB="1")
    done = subprocess.run(
        [sys.executable, "-c", "import wandb, wandb_jupyter; print('imported', wandb is wandb_jupyter)"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0 and "imported False" in done.stdout
    assert "the wandb package was imported before the alias was installed" in done.stderr


UNCHANGED_PROGRAM = """
import sys
import wandb

run = wandb.init(project="unchanged", config={"argv": sys.argv[1:]})
wandb.log({"x": 1})
print("ran on", wandb.__name__, "as", __name__)
run.finish()
"""


def test_as_wandb_runs_an_unchanged_program(tmp_path: Path, env_for_subprocess: dict[str, str]) -> None:
    (tmp_path / "train.py").write_text(UNCHANGED_PROGRAM, encoding="utf-8")
    env = dict(env_for_subprocess, WANDB_MODE="offline", WANDB_DIR=str(tmp_path))
    env["PYTHONPATH"] = str(tmp_path) + ":" + env["PYTHONPATH"]
    for command in (["train.py", "--lr", "3"], ["-m", "train", "--lr", "3"]):
        done = subprocess.run(
            [sys.executable, "-m", "wandb_jupyter.as_wandb", *command],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        assert "ran on wandb_jupyter as __main__" in done.stdout
    configs = [
        yaml.safe_load((run / "files" / "config.yaml").read_text())["argv"]["value"]
        for run in (tmp_path / "wandb").glob("offline-run-*")
    ]
    assert configs == [["--lr", "3"], ["--lr", "3"]]
