"""README.md stays true: the settings table is generated, and CI runs README's test command."""

from __future__ import annotations

import re
from pathlib import Path

from wandb_jupyter.settings import SETTINGS, settings_markdown

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def _setup_commands() -> list[str]:
    first_block = re.search(r"```bash\n(.*?)```", README, re.S)
    assert first_block, "README starts its set-up with a bash block"
    return [line for line in first_block.group(1).splitlines() if line.strip()]


def test_settings_table_is_current() -> None:
    assert settings_markdown() in README, "regenerate the table with wandb_jupyter.settings.settings_markdown()"


def test_every_variable_is_documented() -> None:
    for setting in SETTINGS:
        for var in setting.env:
            assert f"`{var}`" in README, var


def test_exactly_two_setup_commands_at_the_top() -> None:
    commands = _setup_commands()
    assert len(commands) == 2
    assert "quickstart" in commands[0] and "pytest" in commands[1]
    assert README.index("```bash") < README.index("## ")


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    assert _setup_commands()[1] in ci.splitlines()
