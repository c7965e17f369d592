"""Every setting, from the environment and from both settings files, fuzzed with random text.

Resolving either gives a value the setting's own parser accepts again unchanged, or
raises SettingsError with a one-line message that names the variable (or the file
key and line). Never another exception.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import wandb_jupyter as wandb
from wandb_jupyter import SettingsError, WandbJupyterError
from wandb_jupyter.settings import SETTINGS, resolve

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
ENV_VARS = [var for setting in SETTINGS for var in setting.env]
FILE_KEYS = [setting.name for setting in SETTINGS if setting.in_files] + ["group", "disabled"]
#: Random text: any code point (surrogates and NUL included), and strings close to valid values.
TEXT = st.one_of(
    st.text(max_size=80),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=300),
    st.sampled_from(
        [
            "",
            " ",
            "true",
            "FALSE",
            "online",
            "must",
            "0",
            "-1",
            "1e999",
            "nan",
            "http://",
            "http://h:99999",
            "https://x/y?q",
            "a,,b",
            ",",
            "~",
            "~nobody/x",
            "x" * 200,
            "a/b",
            "\x00",
            "%(x)s",
            "[default]",
            "key = value",
            "\\",
            "'quoted'",
            '"quoted"',
            '"a\\nb"',
        ]
    ),
    st.lists(st.sampled_from(["a", "b", ",", " ", "*", "**", "/", "..", "-", "é", "\t"]), max_size=20).map("".join),
    st.text(alphabet="\x00\x01\x1b\n\r\t\x85\u2028 ab0.,/\\:%#?*~[]=;\"'", max_size=12),
)


def _check_value(resolved, name: str) -> None:
    """A resolved value is one its parser accepts again, unchanged (so it is valid, not half-parsed)."""
    from wandb_jupyter.settings import BY_NAME

    value = getattr(resolved, name)
    if value is None:
        return
    assert BY_NAME[name].parse(value) == value


def _check_error(error: SettingsError, *names: str) -> None:
    message = str(error)
    assert len(message.splitlines()) == 1, message
    assert any(name in message for name in names), (names, message)


@pytest.mark.parametrize("var", ENV_VARS)
def test_environment_values(isolated: Path, var: str) -> None:
    base = {"WANDB_CONFIG_DIR": os.environ["WANDB_CONFIG_DIR"]}
    setting = next(s for s in SETTINGS if var in s.env)

    @FUZZ
    @given(raw=TEXT)
    def check(raw: str) -> None:
        environ = {**base, var: raw}
        try:
            resolved = resolve(environ=environ, cwd=isolated)
        except SettingsError as error:
            _check_error(error, var)
            if setting.secret:
                assert raw.strip() not in str(error) or len(raw.strip()) < 4
            return
        _check_value(resolved, setting.name)

    check()


@pytest.mark.parametrize("kind", ["global", "workspace"])
@pytest.mark.parametrize("key", FILE_KEYS)
def test_settings_file_values(isolated: Path, key: str, kind: str) -> None:
    folder = Path(os.environ["WANDB_CONFIG_DIR"]) if kind == "global" else isolated / "wandb"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "settings"
    name = {"group": "run_group", "disabled": "mode"}.get(key, key)

    @FUZZ
    @given(raw=TEXT)
    def check(raw: str) -> None:
        path.write_bytes(f"[default]\n{key} = {raw}\n".encode("utf-8", "surrogatepass"))
        try:
            resolved = resolve(
                environ={"WANDB_CONFIG_DIR": str(folder.parent / "cfg" if kind != "global" else folder)}, cwd=isolated
            )
        except SettingsError as error:
            _check_error(error, key, str(path))
            return
        _check_value(resolved, name)

    check()


@FUZZ
@given(
    content=st.one_of(st.text(max_size=400).map(lambda t: t.encode("utf-8", "surrogatepass")), st.binary(max_size=400))
)
def test_whole_settings_file_is_random_bytes(isolated: Path, content: bytes) -> None:
    path = isolated / "wandb" / "settings"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(b"[default]\n" + content)
    try:
        resolved = resolve(environ={"WANDB_CONFIG_DIR": str(isolated / "cfg")}, cwd=isolated)
    except SettingsError as error:
        _check_error(error, str(path))
        return
    for setting in SETTINGS:
        _check_value(resolved, setting.name)


#: Settings init() acts on; mode, console and the server ones are pinned (no network, no fd redirection).
INIT_KEYS = [
    s.name
    for s in SETTINGS
    if s.in_files
    and s.name not in ("mode", "console", "base_url", "anonymous", "stats_interval", "show_run", "api_key")
]
INIT_FUZZ = settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))


def _start_and_finish(**kwargs) -> None:
    """init() then one log() and finish(): either that works, or init() raises our error in one line."""
    try:
        run = wandb.init(mode="offline", **kwargs)
    except WandbJupyterError as error:
        assert len(str(error).splitlines()) == 1, str(error)
        return
    run.log({"x": 1})
    run.finish()
    assert run.exit_code == 0


@pytest.mark.parametrize("key", INIT_KEYS)
def test_init_with_fuzzed_settings_file(isolated: Path, monkeypatch: pytest.MonkeyPatch, key: str) -> None:
    """The values also survive what init() does with them (paths opened, YAML read, folders named)."""
    monkeypatch.setenv("WANDB_CONSOLE", "off")
    path = isolated / "wandb" / "settings"
    path.parent.mkdir(exist_ok=True)

    @INIT_FUZZ
    @given(raw=TEXT)
    def check(raw: str) -> None:
        # JSON-quoted, as write_file() stores values with newlines: every code point reaches the parser
        path.write_text(f"[default]\n{key} = {json.dumps(raw)}\n", encoding="utf-8")
        _start_and_finish()

    check()


MAYBE = st.one_of(st.none(), TEXT)


@INIT_FUZZ
@given(
    project=MAYBE,
    name=MAYBE,
    notes=MAYBE,
    tags=MAYBE,
    group=MAYBE,
    job_type=MAYBE,
    run_id=MAYBE,
    folder=MAYBE,
    config=st.one_of(st.none(), TEXT, st.dictionaries(TEXT, TEXT, max_size=3)),
)
def test_init_arguments_fuzzed(
    isolated: Path, project, name, notes, tags, group, job_type, run_id, folder, config
) -> None:
    os.environ["WANDB_CONSOLE"] = "off"  # the isolated fixture restores the environment afterwards
    _start_and_finish(
        project=project,
        name=name,
        notes=notes,
        tags=tags,
        group=group,
        job_type=job_type,
        id=run_id,
        dir=None if folder is None else "./" + folder,
        config=config,
    )
