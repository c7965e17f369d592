"""The one declarative table of settings.

Everything else is derived from it: environment parsing, settings files,
``Settings.explain()``, the command line, the widget panel and the README.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from . import _parsers as p

__all__ = ["Setting", "SETTINGS", "BY_NAME", "BY_ENV", "GROUPS"]

GROUPS = (
    "Identity and project",
    "Run",
    "Mode and server",
    "Resume and id",
    "Console and code",
    "Advanced",
)


class Setting(NamedTuple):
    """One setting: where it comes from, how it is parsed, what it means."""

    name: str
    env: tuple[str, ...]
    parse: Callable[[Any], Any]
    help: str
    group: str
    default: Any = None
    secret: bool = False
    in_files: bool = True
    init_arg: str | None = None

    @property
    def env_var(self) -> str:
        return self.env[0]


_MODE = p.choice(
    {"online": "online", "run": "online", "offline": "offline", "dryrun": "offline", "disabled": "disabled"}
)
_RESUME = p.choice(
    {"never": "never", "auto": "auto", "allow": "allow", "must": "must", "true": "auto", "false": "never"},
    bools={True: "auto", False: "never"},
)
_ANONYMOUS = p.choice({"allow": "allow", "never": "never", "must": "must"})
# W&B's wrap_raw and wrap_emu (two ways of its wrapping) are wrap here.
_CONSOLE = p.choice(
    {
        "on": "auto",
        "auto": "auto",
        "off": "off",
        "wrap": "wrap",
        "redirect": "redirect",
        "wrap_raw": "wrap",
        "wrap_emu": "wrap",
    }
)

_G_ID, _G_RUN, _G_MODE, _G_RESUME, _G_CODE, _G_ADV = GROUPS

SETTINGS: tuple[Setting, ...] = (
    Setting(
        name="entity",
        env=("WANDB_ENTITY",),
        parse=p.name_part,
        group=_G_ID,
        init_arg="entity",
        help="Team or user the run belongs to. Default: the server's viewer, else the local user.",
    ),
    Setting(
        name="project",
        env=("WANDB_PROJECT",),
        parse=p.name_part,
        group=_G_ID,
        init_arg="project",
        default="uncategorized",
        help="Project of the run. Default: workspace file, then the git repository's name, then 'uncategorized'.",
    ),
    Setting(
        name="username",
        env=("WANDB_USERNAME", "WANDB_USER_NAME"),
        parse=p.text,
        group=_G_ID,
        help="User a service-account run is attributed to (sent as X-WANDB-USERNAME).",
    ),
    Setting(
        name="user_email",
        env=("WANDB_USER_EMAIL",),
        parse=p.text,
        group=_G_ID,
        help="E-mail a service-account run is attributed to (sent as X-WANDB-USER-EMAIL).",
    ),
    Setting(
        name="name",
        env=("WANDB_NAME",),
        parse=p.text,
        group=_G_RUN,
        init_arg="name",
        help="Display name of the run. Unset: <notebook or script>-<n>, unique within the project.",
    ),
    Setting(
        name="notes",
        env=("WANDB_NOTES",),
        parse=p.text,
        group=_G_RUN,
        init_arg="notes",
        help="Longer notes about the run, in Markdown.",
    ),
    Setting(
        name="tags",
        env=("WANDB_TAGS",),
        parse=p.comma_list(p.tag, "tags"),
        group=_G_RUN,
        init_arg="tags",
        default=(),
        help="Comma-separated tags of 1 to 64 characters each.",
    ),
    Setting(
        name="run_group",
        env=("WANDB_RUN_GROUP",),
        parse=p.text,
        group=_G_RUN,
        init_arg="group",
        help="Experiment name used to group runs.",
    ),
    Setting(
        name="job_type",
        env=("WANDB_JOB_TYPE",),
        parse=p.text,
        group=_G_RUN,
        init_arg="job_type",
        help="Kind of job, such as 'training' or 'evaluation'.",
    ),
    Setting(
        name="mode",
        env=("WANDB_MODE",),
        parse=_MODE,
        group=_G_MODE,
        init_arg="mode",
        default="online",
        help="online (alias run), offline (alias dryrun) or disabled (a no-op run).",
    ),
    Setting(
        name="base_url",
        env=("WANDB_BASE_URL",),
        parse=p.base_url,
        group=_G_MODE,
        default="https://api.wandb.ai",
        help="URL of the W&B server, http(s)://host[:port][/prefix].",
    ),
    Setting(
        name="api_key",
        env=("WANDB_API_KEY",),
        parse=p.text,
        group=_G_MODE,
        secret=True,
        help="API key for the server; beats .netrc and settings files; never stored in run files.",
    ),
    Setting(
        name="anonymous",
        env=("WANDB_ANONYMOUS",),
        parse=_ANONYMOUS,
        group=_G_MODE,
        init_arg="anonymous",
        default="never",
        help="allow, never or must: log without an account, reachable by a secret URL.",
    ),
    Setting(
        name="resume",
        env=("WANDB_RESUME",),
        parse=_RESUME,
        group=_G_RESUME,
        init_arg="resume",
        default="never",
        help="never, auto, allow or must (true means auto, false means never).",
    ),
    Setting(
        name="run_id",
        env=("WANDB_RUN_ID",),
        parse=p.run_id,
        group=_G_RESUME,
        init_arg="id",
        help="Unique run id, at most 64 characters; others than [A-Za-z0-9_-] become '-'.",
    ),
    Setting(
        name="console",
        env=("WANDB_CONSOLE",),
        parse=_CONSOLE,
        group=_G_CODE,
        default="auto",
        help="Console capture: auto (alias on), off, wrap or redirect.",
    ),
    Setting(
        name="disable_code",
        env=("WANDB_DISABLE_CODE",),
        parse=p.boolean,
        group=_G_CODE,
        default=False,
        help="Store no code, notebook snapshot, session history, program path or git diff.",
    ),
    Setting(
        name="notebook_name",
        env=("WANDB_NOTEBOOK_NAME",),
        parse=p.text,
        group=_G_CODE,
        help="Notebook path; beats detection and names the run's program.",
    ),
    Setting(
        name="ignore_globs",
        env=("WANDB_IGNORE_GLOBS",),
        parse=p.comma_list(p.glob, "globs"),
        group=_G_CODE,
        default=(),
        help="Comma-separated globs of run files that are never uploaded (** allowed).",
    ),
    Setting(
        name="config_paths",
        env=("WANDB_CONFIG_PATHS",),
        parse=p.comma_list(p.path, "YAML files"),
        group=_G_CODE,
        default=(),
        help="Comma-separated YAML files merged into run.config, in order.",
    ),
    Setting(
        name="dir",
        env=("WANDB_DIR",),
        parse=p.path,
        group=_G_ADV,
        init_arg="dir",
        in_files=False,
        help="Folder that holds the wandb/ directory. Default: the working directory.",
    ),
    Setting(
        name="config_dir",
        env=("WANDB_CONFIG_DIR",),
        parse=p.path,
        group=_G_ADV,
        in_files=False,
        default=Path("~/.config/wandb"),
        help="Folder of the global settings file and credentials.",
    ),
    Setting(
        name="host",
        env=("WANDB_HOST",),
        parse=p.text,
        group=_G_ADV,
        help="Host name recorded for the run instead of the system's.",
    ),
    Setting(
        name="docker",
        env=("WANDB_DOCKER",),
        parse=p.text,
        group=_G_ADV,
        help="Docker image name or digest recorded with the run.",
    ),
    Setting(
        name="silent",
        env=("WANDB_SILENT",),
        parse=p.boolean,
        group=_G_ADV,
        default=False,
        help="Print nothing; every message goes to <dir>/wandb/debug.log.",
    ),
    Setting(
        name="show_run",
        env=("WANDB_SHOW_RUN",),
        parse=p.boolean,
        group=_G_ADV,
        default=False,
        help="Open the run's page when the run starts.",
    ),
    Setting(
        name="error_reporting",
        env=("WANDB_ERROR_REPORTING",),
        parse=p.boolean,
        group=_G_ADV,
        default=True,
        help="Keep internal errors with the run (wandb-client-errors.log, sent only to the run's own server).",
    ),
    Setting(
        name="stats_interval",
        env=("WANDB_X_STATS_SAMPLING_INTERVAL",),
        parse=p.positive_number,
        group=_G_ADV,
        default=10.0,
        help="Seconds between two system-metrics samples.",
    ),
    Setting(
        name="disable_stats",
        env=("WANDB_X_DISABLE_STATS",),
        parse=p.boolean,
        group=_G_ADV,
        default=False,
        help="Sample no system metrics (W&B's x_disable_stats); wandb-events.jsonl stays empty.",
    ),
    Setting(
        name="init_timeout",
        env=("WANDB_INIT_TIMEOUT",),
        parse=p.positive_number,
        group=_G_ADV,
        default=20.0,
        help="Seconds an online init() waits for the server's answer before the run goes on locally.",
    ),
    Setting(
        name="sweep_id",
        env=("WANDB_SWEEP_ID",),
        parse=p.run_id,
        group=_G_ADV,
        in_files=False,
        help="The sweep this run is a trial of (set by sweep agents, ours and W&B's); the run records it.",
    ),
    Setting(
        name="sweep_param_path",
        env=("WANDB_SWEEP_PARAM_PATH",),
        parse=p.path,
        group=_G_ADV,
        in_files=False,
        help="YAML file of the trial's parameters (set by sweep agents); they override init(config=...).",
    ),
)

BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}
BY_ENV: dict[str, Setting] = {var: s for s in SETTINGS for var in s.env}
