"""Every WANDB_* environment variable of the settings table: what it accepts, what it rejects.

The cases below are the executable form of DESIGN.md's per-variable table. A
test checks that they cover every variable of ``SETTINGS`` (so a new setting
without cases fails), and another that every variable the seeds name is in
the table.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import pytest

from wandb_jupyter import SettingsError
from wandb_jupyter.settings import BY_ENV, BY_NAME, SETTINGS, Origin, _env, _parsers, resolve

HEX_KEY = "0123456789abcdef0123456789abcdef01234567"  # 40 characters, like a cloud key


def _resolve(environ: dict[str, str], cwd: Path):
    return resolve(environ=environ, cwd=cwd)


def _home() -> Path:
    return Path("~").expanduser()


# ---------------------------------------------------------------------------
# Valid values: (variable, raw value, expected parsed value). An expected value
# may be a function of the working folder, for path settings resolved against it.


def _bools(var: str) -> list:
    spellings = [
        ("true", True),
        ("false", False),
        ("1", True),
        ("0", False),
        ("yes", True),
        ("no", False),
        ("TRUE", True),
        ("False", False),
        (" yes ", True),
    ]
    return [pytest.param(var, raw, expected, id=f"{var}={raw.strip()}") for raw, expected in spellings]


def _case(var: str, raw: str, expected: Any, id: str) -> Any:
    return pytest.param(var, raw, expected, id=f"{var}-{id}")


VALID = [
    _case("WANDB_API_KEY", HEX_KEY, HEX_KEY, "40-hex"),
    _case("WANDB_API_KEY", "local-" + HEX_KEY, "local-" + HEX_KEY, "local-server-key"),
    _case("WANDB_BASE_URL", "https://api.wandb.ai", "https://api.wandb.ai", "cloud"),
    _case("WANDB_BASE_URL", "https://api.wandb.ai/", "https://api.wandb.ai", "trailing-slash-stripped"),
    _case("WANDB_BASE_URL", "http://10.0.0.5:8080", "http://10.0.0.5:8080", "ip-and-port"),
    _case("WANDB_BASE_URL", "http://localhost:8080/wandb/", "http://localhost:8080/wandb", "prefix-slash-stripped"),
    _case("WANDB_BASE_URL", " https://wandb.example.com ", "https://wandb.example.com", "trimmed"),
    _case("WANDB_NAME", "My first run", "My first run", "seed-example"),
    _case("WANDB_NAME", "résumé 🚀 #3 / a:b", "résumé 🚀 #3 / a:b", "any-characters"),
    _case(
        "WANDB_NOTES",
        "Smaller learning rate, more regularization.",
        "Smaller learning rate, more regularization.",
        "seed-example-with-comma",
    ),
    _case("WANDB_NOTES", "学習率を小さくし、正則化を強化", "学習率を小さくし、正則化を強化", "japanese"),
    _case("WANDB_NOTES", "# Title\n\n- **bold** item", "# Title\n\n- **bold** item", "multiline-markdown"),
    _case("WANDB_ENTITY", "my-team", "my-team", "plain"),
    _case("WANDB_ENTITY", "e" * 128, "e" * 128, "128-chars"),
    _case("WANDB_ENTITY", " my-team ", "my-team", "trimmed"),
    _case("WANDB_PROJECT", "my project.v2_final", "my project.v2_final", "spaces-dots-underscores"),
    _case("WANDB_PROJECT", "p" * 128, "p" * 128, "128-chars"),
    _case("WANDB_PROJECT", "проект", "проект", "unicode"),
    _case("WANDB_USERNAME", "alice", "alice", "plain"),
    _case("WANDB_USER_NAME", "bob", "bob", "alias-alone"),
    _case("WANDB_USER_EMAIL", "alice@example.com", "alice@example.com", "plain"),
    _case("WANDB_MODE", "online", "online", "online"),
    _case("WANDB_MODE", "offline", "offline", "offline"),
    _case("WANDB_MODE", "disabled", "disabled", "disabled"),
    _case("WANDB_MODE", "run", "online", "alias-run"),
    _case("WANDB_MODE", "dryrun", "offline", "alias-dryrun"),
    _case("WANDB_MODE", "OFFLINE", "offline", "upper"),
    _case("WANDB_MODE", "DryRun", "offline", "mixed-case-alias"),
    _case("WANDB_MODE", "Disabled", "disabled", "capitalised"),
    _case("WANDB_MODE", " online ", "online", "trimmed"),
    _case("WANDB_TAGS", "baseline", ("baseline",), "one"),
    _case("WANDB_TAGS", "a,b,c", ("a", "b", "c"), "three"),
    _case("WANDB_TAGS", " ml , nlp ,cv ", ("ml", "nlp", "cv"), "items-trimmed"),
    _case("WANDB_TAGS", "a,,b,", ("a", "b"), "empty-items-dropped"),
    _case("WANDB_TAGS", " , ,", (), "only-separators"),
    _case("WANDB_TAGS", "t" * 64, ("t" * 64,), "64-chars"),
    _case("WANDB_TAGS", "x, " + "t" * 64 + " ", ("x", "t" * 64), "64-chars-after-trim"),
    _case("WANDB_TAGS", "ñandú,v1.2", ("ñandú", "v1.2"), "unicode"),
    _case("WANDB_DIR", "/srv/runs", Path("/srv/runs"), "absolute"),
    _case("WANDB_DIR", "outputs/runs", lambda work: work / "outputs" / "runs", "relative-to-cwd"),
    _case("WANDB_DIR", "~/runs", lambda work: _home() / "runs", "tilde"),
    _case("WANDB_RESUME", "never", "never", "never"),
    _case("WANDB_RESUME", "auto", "auto", "auto"),
    _case("WANDB_RESUME", "allow", "allow", "allow"),
    _case("WANDB_RESUME", "must", "must", "must"),
    _case("WANDB_RESUME", "true", "auto", "true-means-auto"),
    _case("WANDB_RESUME", "false", "never", "false-means-never"),
    _case("WANDB_RESUME", "TRUE", "auto", "TRUE"),
    _case("WANDB_RESUME", "Must", "must", "Must"),
    _case("WANDB_RUN_ID", "abc123", "abc123", "alnum"),
    _case("WANDB_RUN_ID", "run_ID-7", "run_ID-7", "underscore-dash-kept"),
    _case("WANDB_RUN_ID", "r" * 64, "r" * 64, "64-chars"),
    _case("WANDB_RUN_ID", "exp/1.2 final", "exp-1-2-final", "others-become-dash"),
    _case("WANDB_RUN_ID", "é" * 64, "-" * 64, "64-non-ascii"),
    _case("WANDB_IGNORE_GLOBS", "*.ckpt", ("*.ckpt",), "one"),
    _case("WANDB_IGNORE_GLOBS", "*.ckpt, media/**,,*.tmp", ("*.ckpt", "media/**", "*.tmp"), "list"),
    _case("WANDB_DOCKER", "my/image:tag", "my/image:tag", "image"),
    _case("WANDB_DOCKER", "my/image@sha256:" + "a" * 64, "my/image@sha256:" + "a" * 64, "digest"),
    _case("WANDB_ANONYMOUS", "allow", "allow", "allow"),
    _case("WANDB_ANONYMOUS", "never", "never", "never"),
    _case("WANDB_ANONYMOUS", "must", "must", "must"),
    _case("WANDB_ANONYMOUS", "MUST", "must", "upper"),
    _case("WANDB_CONSOLE", "on", "auto", "on-means-auto"),
    _case("WANDB_CONSOLE", "auto", "auto", "auto"),
    _case("WANDB_CONSOLE", "off", "off", "off"),
    _case("WANDB_CONSOLE", "wrap", "wrap", "wrap"),
    _case("WANDB_CONSOLE", "redirect", "redirect", "redirect"),
    _case("WANDB_CONSOLE", "OFF", "off", "upper"),
    _case("WANDB_CONSOLE", "wrap_emu", "wrap", "wandb-wrap-emu"),
    _case("WANDB_CONFIG_PATHS", "/cfg/base.yaml", (Path("/cfg/base.yaml"),), "one"),
    _case("WANDB_CONFIG_PATHS", "/cfg/a.yaml, /cfg/b.yml,", (Path("/cfg/a.yaml"), Path("/cfg/b.yml")), "ordered-list"),
    _case("WANDB_CONFIG_PATHS", "~/c.yaml", lambda work: (_home() / "c.yaml",), "tilde"),
    _case("WANDB_CONFIG_DIR", "/etc/wandb", Path("/etc/wandb"), "absolute"),
    _case("WANDB_CONFIG_DIR", "cfg", lambda work: work / "cfg", "relative-to-cwd"),
    _case("WANDB_CONFIG_DIR", "~/.wandb", lambda work: _home() / ".wandb", "tilde"),
    _case("WANDB_NOTEBOOK_NAME", "analysis/train.ipynb", "analysis/train.ipynb", "path"),
    _case("WANDB_HOST", "gpu-box-01", "gpu-box-01", "plain"),
    _case("WANDB_RUN_GROUP", "exp-42", "exp-42", "plain"),
    _case("WANDB_JOB_TYPE", "training", "training", "plain"),
    _case("WANDB_X_STATS_SAMPLING_INTERVAL", "10", 10.0, "int"),
    _case("WANDB_X_STATS_SAMPLING_INTERVAL", "0.5", 0.5, "fraction"),
    _case("WANDB_X_STATS_SAMPLING_INTERVAL", "1e-3", 0.001, "exponent"),
    _case("WANDB_X_STATS_SAMPLING_INTERVAL", " 2 ", 2.0, "trimmed"),
    _case("WANDB_X_DISABLE_STATS", "true", True, "true"),
    _case("WANDB_X_DISABLE_STATS", "0", False, "zero"),
    _case("WANDB_INIT_TIMEOUT", "120", 120.0, "int"),
    _case("WANDB_SWEEP_ID", "abc123xy", "abc123xy", "sweep-id"),
    _case("WANDB_SWEEP_PARAM_PATH", "/w/wandb/sweep-x/config-r.yaml", Path("/w/wandb/sweep-x/config-r.yaml"), "abs"),
    *_bools("WANDB_SHOW_RUN"),
    *_bools("WANDB_SILENT"),
    *_bools("WANDB_DISABLE_CODE"),
    *_bools("WANDB_ERROR_REPORTING"),
]


# ---------------------------------------------------------------------------
# Invalid values: (variable, raw value, a fragment of the "expected ..." text).

_NAME_RULE = "1 to 128 characters, none of / \\ # ? % :"
_URL_RULE = "http(s) URL"
_BOOL_RULE = "true/false, 1/0, yes/no"


def _bad(var: str, raw: str, accepted: str, id: str) -> Any:
    return pytest.param(var, raw, accepted, id=f"{var}-{id}")


def _bad_names(var: str) -> list:
    cases = [
        _bad(var, c.join("ab"), _NAME_RULE, f"has-{name}")
        for c, name in [
            ("/", "slash"),
            ("\\", "backslash"),
            ("#", "hash"),
            ("?", "question"),
            ("%", "percent"),
            (":", "colon"),
        ]
    ]
    return [*cases, _bad(var, "n" * 129, _NAME_RULE, "129-chars")]


def _bad_bools(var: str) -> list:
    return [_bad(var, raw, _BOOL_RULE, raw) for raw in ("maybe", "2", "tru", "enabled")]


INVALID = [
    *_bad_names("WANDB_ENTITY"),
    *_bad_names("WANDB_PROJECT"),
    _bad("WANDB_MODE", "sideways", "online (also ", "unknown"),
    _bad("WANDB_MODE", "dry-run", "offline", "dry-run-with-dash"),
    _bad("WANDB_MODE", "true", "disabled", "boolean"),
    _bad("WANDB_TAGS", "t" * 65, "1 to 64 characters", "65-chars"),
    _bad("WANDB_TAGS", "ok, " + "t" * 65, "1 to 64 characters", "one-of-two-too-long"),
    _bad("WANDB_BASE_URL", "ftp://files.example.com", _URL_RULE, "ftp"),
    _bad("WANDB_BASE_URL", "file:///tmp/x", _URL_RULE, "file"),
    _bad("WANDB_BASE_URL", "api.wandb.ai", _URL_RULE, "no-scheme"),
    _bad("WANDB_BASE_URL", "localhost:8080", _URL_RULE, "host-port-no-scheme"),
    _bad("WANDB_BASE_URL", "http://", _URL_RULE, "no-host"),
    _bad("WANDB_BASE_URL", "http://localhost:port", _URL_RULE, "bad-port"),
    _bad("WANDB_BASE_URL", "https://wandb.example.com/?org=1", _URL_RULE, "query"),
    _bad("WANDB_RESUME", "sometimes", "allow, auto, must, never", "unknown"),
    _bad("WANDB_RESUME", "resume", "true", "names-aliases"),
    _bad("WANDB_RUN_ID", "r" * 65, "1 to 64 characters", "65-chars"),
    _bad("WANDB_RUN_ID", "a b" * 22, "1 to 64 characters", "66-chars-to-be-cleaned"),
    _bad("WANDB_ANONYMOUS", "yes", "allow, must, never", "yes"),
    _bad("WANDB_ANONYMOUS", "sometimes", "allow, must, never", "unknown"),
    _bad("WANDB_CONSOLE", "loud", "auto, off, redirect, wrap", "unknown"),
    _bad("WANDB_CONSOLE", "stdout", "(also on, wrap_emu, wrap_raw)", "names-alias"),
    _bad("WANDB_X_STATS_SAMPLING_INTERVAL", "0", "positive number", "zero"),
    _bad("WANDB_X_STATS_SAMPLING_INTERVAL", "-1", "positive number", "negative"),
    _bad("WANDB_X_STATS_SAMPLING_INTERVAL", "5s", "positive number", "unit"),
    _bad("WANDB_X_STATS_SAMPLING_INTERVAL", "nan", "positive number", "nan"),
    _bad("WANDB_X_STATS_SAMPLING_INTERVAL", "inf", "positive number", "inf"),
    _bad("WANDB_X_DISABLE_STATS", "maybe", "boolean", "word"),
    _bad("WANDB_INIT_TIMEOUT", "0", "positive number", "zero"),
    _bad("WANDB_SWEEP_ID", "s" * 65, "1 to 64 characters", "65-chars"),
    *_bad_bools("WANDB_SHOW_RUN"),
    *_bad_bools("WANDB_SILENT"),
    *_bad_bools("WANDB_DISABLE_CODE"),
    *_bad_bools("WANDB_ERROR_REPORTING"),
]

#: Variables for which no non-empty string is wrong at settings time: free text,
#: paths (checked when a run starts), and lists whose empty items are dropped.
ANY_STRING = {
    "WANDB_API_KEY",
    "WANDB_NAME",
    "WANDB_NOTES",
    "WANDB_USERNAME",
    "WANDB_USER_NAME",
    "WANDB_USER_EMAIL",
    "WANDB_RUN_GROUP",
    "WANDB_JOB_TYPE",
    "WANDB_NOTEBOOK_NAME",
    "WANDB_HOST",
    "WANDB_DOCKER",
    "WANDB_DIR",
    "WANDB_CONFIG_DIR",
    "WANDB_CONFIG_PATHS",
    "WANDB_SWEEP_PARAM_PATH",
    "WANDB_IGNORE_GLOBS",
}


def _vars(cases: list) -> set[str]:
    return {case.values[0] for case in cases}


# ---------------------------------------------------------------------------


@pytest.mark.parametrize(("var", "raw", "expected"), VALID)
def test_valid_value_is_parsed(isolated: Path, var: str, raw: str, expected: Any) -> None:
    setting = BY_ENV[var]
    resolved = _resolve({var: raw}, isolated)
    if callable(expected):
        expected = expected(isolated)
    assert getattr(resolved, setting.name) == expected
    assert resolved.origin(setting.name) == Origin(kind="env", detail=var)


@pytest.mark.parametrize(("var", "raw", "accepted"), INVALID)
def test_invalid_value_names_variable_value_and_what_is_accepted(
    isolated: Path, var: str, raw: str, accepted: str
) -> None:
    with pytest.raises(SettingsError) as caught:
        _resolve({var: raw}, isolated)
    message = str(caught.value)
    assert message.startswith(f"{var}: ")
    assert repr(raw) in message
    assert accepted in message
    assert caught.value.source == var


def test_cases_cover_every_variable_of_the_table() -> None:
    table_vars = set(BY_ENV)
    assert "WANDB_USER_NAME" in table_vars and "WANDB_X_STATS_SAMPLING_INTERVAL" in table_vars
    assert table_vars - _vars(VALID) == set(), "variables without a valid-value case"
    assert table_vars - ANY_STRING - _vars(INVALID) == set(), "variables without an invalid-value case"
    assert _vars(INVALID) & ANY_STRING == set(), "ANY_STRING lists a variable that rejects values"
    assert table_vars >= ANY_STRING


def test_every_variable_of_a_setting_maps_back_to_it() -> None:
    assert sum(len(s.env) for s in SETTINGS) == len(BY_ENV), "a variable is claimed by two settings"
    assert all(BY_ENV[var] is s for s in SETTINGS for var in s.env)
    assert all(var.startswith("WANDB_") for var in BY_ENV)


@pytest.mark.parametrize(
    "var",
    sorted(
        ANY_STRING
        - {"WANDB_DIR", "WANDB_CONFIG_DIR", "WANDB_CONFIG_PATHS", "WANDB_IGNORE_GLOBS", "WANDB_SWEEP_PARAM_PATH"}
    ),
)
def test_free_text_variables_keep_the_value_verbatim(isolated: Path, var: str) -> None:
    odd = 'Ünïcödé,  with / \\ # ? % : and "quotes"'
    assert getattr(_resolve({var: odd}, isolated), BY_ENV[var].name) == odd


# --- empty values ------------------------------------------------------------


@pytest.mark.parametrize("raw", [pytest.param("", id="empty"), pytest.param("  ", id="blank")])
@pytest.mark.parametrize("var", sorted(BY_ENV))
def test_empty_value_counts_as_unset(isolated: Path, var: str, raw: str) -> None:
    name = BY_ENV[var].name
    unset = _resolve({}, isolated)
    empty = _resolve({var: raw}, isolated)
    assert getattr(empty, name) == getattr(unset, name)
    assert empty.origin(name) == unset.origin(name)
    assert empty.origin(name).kind != "env"


# --- aliases -----------------------------------------------------------------


def test_username_beats_user_name_alias(isolated: Path) -> None:
    resolved = _resolve({"WANDB_USER_NAME": "alias", "WANDB_USERNAME": "main"}, isolated)
    assert resolved.username == "main"
    assert resolved.origin("username").detail == "WANDB_USERNAME"


def test_user_name_alias_alone_sets_username(isolated: Path) -> None:
    resolved = _resolve({"WANDB_USER_NAME": "svc-user"}, isolated)
    assert (resolved.username, resolved.origin("username").detail) == ("svc-user", "WANDB_USER_NAME")


def test_empty_username_falls_back_to_the_alias(isolated: Path) -> None:
    resolved = _resolve({"WANDB_USERNAME": "", "WANDB_USER_NAME": "svc-user"}, isolated)
    assert (resolved.username, resolved.origin("username").detail) == ("svc-user", "WANDB_USER_NAME")


def test_username_and_user_email_are_independent(isolated: Path) -> None:
    resolved = _resolve({"WANDB_USER_NAME": "svc", "WANDB_USER_EMAIL": "svc@example.com"}, isolated)
    assert (resolved.username, resolved.user_email) == ("svc", "svc@example.com")


# --- run id ------------------------------------------------------------------


def test_run_id_cleanup_warns_on_the_wandb_logger(isolated: Path, wandb_warnings: list) -> None:
    assert _resolve({"WANDB_RUN_ID": "exp/1.2"}, isolated).run_id == "exp-1-2"
    messages = [r.getMessage() for r in wandb_warnings if r.levelno == logging.WARNING]
    assert len(messages) == 1
    assert "exp/1.2" in messages[0] and "exp-1-2" in messages[0]


def test_clean_run_id_does_not_warn(isolated: Path, wandb_warnings: list) -> None:
    assert _resolve({"WANDB_RUN_ID": "Abc_123-x"}, isolated).run_id == "Abc_123-x"
    assert wandb_warnings == []


def test_run_id_error_does_not_warn_first(isolated: Path, wandb_warnings: list) -> None:
    with pytest.raises(SettingsError):
        _resolve({"WANDB_RUN_ID": "a.b" * 22}, isolated)
    assert wandb_warnings == []


# --- booleans: "false" is False ------------------------------------------------


@pytest.mark.parametrize("var", ["WANDB_SHOW_RUN", "WANDB_SILENT", "WANDB_DISABLE_CODE", "WANDB_ERROR_REPORTING"])
def test_boolean_false_is_false_whatever_the_default(isolated: Path, var: str) -> None:
    name = BY_ENV[var].name
    assert getattr(_resolve({var: "false"}, isolated), name) is False
    assert getattr(_resolve({var: "true"}, isolated), name) is True


# --- the API key never leaks -----------------------------------------------------


def test_api_key_is_the_only_secret() -> None:
    assert [s.env_var for s in SETTINGS if s.secret] == ["WANDB_API_KEY"]


def test_rejected_api_key_from_env_is_not_shown(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever the key's parser rejects, the error names the variable but never shows the key."""

    def reject(value: object) -> str:
        raise _parsers.Invalid("a W&B API key of 40 or more characters")

    strict = BY_NAME["api_key"]._replace(parse=reject)
    monkeypatch.setattr(_env, "SETTINGS", tuple(strict if s.name == "api_key" else s for s in SETTINGS))
    with pytest.raises(SettingsError) as caught:
        _resolve({"WANDB_API_KEY": HEX_KEY}, isolated)
    message = str(caught.value)
    assert message.startswith("WANDB_API_KEY: ")
    assert "a W&B API key of 40 or more characters" in message
    assert HEX_KEY not in message and HEX_KEY[:12] not in message
    assert HEX_KEY not in repr(caught.value.args) and caught.value.value != HEX_KEY


# --- the seeds name no variable the table lacks -----------------------------------

SEEDS = [
    Path(__file__).resolve().parents[2] / "shared" / "seeds",
    Path(__file__).resolve().parents[3] / "shared" / "seeds",
]

#: The seed's table (environment-variables.es.md), in its order.
SEED_TABLE = [
    "WANDB_API_KEY",
    "WANDB_BASE_URL",
    "WANDB_NAME",
    "WANDB_NOTES",
    "WANDB_ENTITY",
    "WANDB_USERNAME",
    "WANDB_PROJECT",
    "WANDB_MODE",
    "WANDB_TAGS",
    "WANDB_DIR",
    "WANDB_RESUME",
    "WANDB_RUN_ID",
    "WANDB_IGNORE_GLOBS",
    "WANDB_ERROR_REPORTING",
    "WANDB_SHOW_RUN",
    "WANDB_DOCKER",
    "WANDB_DISABLE_CODE",
    "WANDB_ANONYMOUS",
    "WANDB_CONSOLE",
    "WANDB_CONFIG_PATHS",
    "WANDB_CONFIG_DIR",
    "WANDB_NOTEBOOK_NAME",
    "WANDB_HOST",
    "WANDB_SILENT",
    "WANDB_RUN_GROUP",
    "WANDB_JOB_TYPE",
]
#: Named in the seeds' text (service accounts), outside the table.
SEED_TEXT = ["WANDB_USER_NAME", "WANDB_USER_EMAIL"]


def test_every_seed_variable_is_in_the_table() -> None:
    assert set(SEED_TABLE + SEED_TEXT) - set(BY_ENV) == set()


def _seed_file(name: str) -> Path | None:
    return next((folder / name for folder in SEEDS if (folder / name).is_file()), None)


def test_seed_lists_above_match_the_seed_files() -> None:
    """Keeps SEED_TABLE/SEED_TEXT honest wherever the seeds are checked out."""
    es = _seed_file("environment-variables.es.md")
    if es is None:
        pytest.skip("seeds not available in this checkout")
    text = es.read_text(encoding="utf-8")
    table = re.findall(r"^\| \*\*(WANDB[A-Z\\_]+)\*\* \|", text, flags=re.MULTILINE)
    assert [var.replace("\\_", "_") for var in table] == SEED_TABLE
    everywhere = {m.replace("\\_", "_") for m in re.findall(r"WANDB(?:\\?_[A-Z]+)+", text)}
    ja = _seed_file("environment-variables.ja.md")
    if ja is not None:
        everywhere |= {m.replace("\\_", "_") for m in re.findall(r"WANDB(?:\\?_[A-Z]+)+", ja.read_text("utf-8"))}
    assert everywhere == set(SEED_TABLE + SEED_TEXT)
