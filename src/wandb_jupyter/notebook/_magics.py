"""IPython magics: %wandb_init, %wandb_finish, %%wandb, %wandb_settings, %wandb_server.

Bad options and bad values end in one line (IPython's UsageError), never a
traceback.
"""

from __future__ import annotations

import shlex
from typing import Any

from IPython.core import magic_arguments
from IPython.core.error import UsageError
from IPython.core.magic import Magics, cell_magic, line_magic, magics_class

from ..common._errors import WandbJupyterError
from ..common._logging import logger

__all__ = ["WandbMagics"]


def _init_options(function: Any) -> Any:
    """The options of init(), shared by %wandb_init and %%wandb."""
    arguments = [
        ("--project", "-p", "project of the run"),
        ("--entity", "-e", "entity (team or user)"),
        ("--name", "-n", "display name (default: <notebook>-<n>)"),
        ("--notes", None, "notes, in Markdown"),
        ("--tags", None, "comma-separated tags"),
        ("--group", "-g", "group of related runs"),
        ("--job-type", "-j", "kind of job, e.g. training or evaluation"),
        ("--mode", "-m", "online, offline or disabled"),
        ("--resume", None, "never, auto, allow or must"),
        ("--id", None, "run id (to resume or choose one)"),
        ("--dir", None, "folder that holds wandb/"),
        ("--anonymous", None, "allow, never or must"),
        ("--reinit", None, "finish_previous (default), return_previous or create_new"),
    ]
    decorators = [
        magic_arguments.argument(
            "--config-file",
            action="append",
            default=[],
            metavar="FILE",
            help="YAML file merged into the config (repeatable)",
        ),
        magic_arguments.argument(
            "--config",
            "-c",
            nargs="+",
            action="extend",
            default=[],
            metavar="KEY=VALUE",
            help="config values; VALUE is read as YAML (1e-3, true, [1, 2])",
        ),
        magic_arguments.argument("--no-save-code", action="store_true", help="store no code or notebook"),
    ]
    for long, short, text in arguments:
        flags = (long, short) if short else (long,)
        decorators.append(magic_arguments.argument(*flags, help=text))
    for decorator in decorators:
        function = decorator(function)
    return magic_arguments.magic_arguments()(function)


def _config_value(text: str) -> Any:
    """Numbers as numbers (PyYAML reads 1e-3 as a string), then YAML (true, [1, 2]), else the text."""
    import yaml

    for number in (int, float):
        try:
            return number(text)
        except ValueError:
            pass
    try:
        return yaml.safe_load(text) if text else ""
    except yaml.YAMLError:
        return text


def _config_pairs(pairs: list[str]) -> dict[str, Any]:
    config: dict[str, Any] = {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        if not sep or not key:
            raise UsageError(f"--config takes KEY=VALUE pairs, got {pair!r}")
        if not text:  # a forgotten value, not an empty string: that is written as YAML, KEY="''"
            raise UsageError(f"--config {pair}: no value after '='; an empty string is written {key}=\"''\"")
        config[key] = _config_value(text)
    return config


def _init_kwargs(args: Any) -> dict[str, Any]:
    from ..common._yaml import load_config_file

    config: dict[str, Any] = {}
    for path in args.config_file:
        config.update(load_config_file(path, f"--config-file {path}"))
    config.update(_config_pairs(args.config))
    kwargs = {
        name: getattr(args, name)
        for name in (
            "project",
            "entity",
            "name",
            "notes",
            "tags",
            "group",
            "job_type",
            "mode",
            "resume",
            "id",
            "dir",
            "anonymous",
            "reinit",
        )
    }
    kwargs["config"] = config or None
    kwargs["save_code"] = False if args.no_save_code else None
    return kwargs


def _parse(function: Any, line: str) -> Any:
    """Split like a POSIX shell (IPython's own splitter keeps quotes inside tokens), then parse."""
    try:
        return function.parser.parse_args(shlex.split(line))
    except UsageError:
        raise
    except SystemExit:  # argparse's -h/--help exits; keep the kernel alive
        raise UsageError(f"see %{function.__name__}? for the options") from None
    except ValueError as error:  # unbalanced quotes
        raise UsageError(f"cannot split the options: {error}") from None


@magics_class
class WandbMagics(Magics):
    """Magics that start, show and finish wandb-jupyter runs."""

    @_init_options
    @line_magic
    def wandb_init(self, line: str) -> None:
        """Start a run (finishing the active one); it becomes ``wandb_jupyter.run``."""
        self._start(_parse(self.wandb_init, line))

    def _start(self, args: Any) -> Any:
        from ..core._init import init
        from ..core._state import current_run

        previous = current_run()
        try:
            run = init(**_init_kwargs(args))
        except WandbJupyterError as error:
            raise UsageError(str(error)) from None
        if previous is not None and previous is not run and previous.finished:  # init()'s default: finish_previous
            logger.info(
                "finished the active run %s to start %s (--reinit create_new keeps both running)",
                previous.name,
                run.name,
            )
        return run

    @magic_arguments.magic_arguments()
    @magic_arguments.argument("--exit-code", type=int, default=None, help="0 marks success, anything else failure")
    @line_magic
    def wandb_finish(self, line: str) -> None:
        """Finish the active run."""
        from ..core._state import current_run

        args = _parse(self.wandb_finish, line)
        run = current_run()
        if run is None:
            print("wandb-jupyter: no active run")
            return
        run.finish(exit_code=args.exit_code)

    @_init_options
    @cell_magic
    def wandb(self, line: str, cell: str) -> None:
        """Run the cell with a run active (started with these options if none is) and show the run."""
        from ..core._state import current_run

        args = _parse(self.wandb, line)
        run = current_run()
        if run is None or shlex.split(line):
            run = self._start(args)
        else:
            from IPython.display import display

            display(run)
        if self.shell is not None:
            self.shell.run_cell(cell, store_history=False)

    @magic_arguments.magic_arguments()
    @magic_arguments.argument("--text", action="store_true", help="print the settings table instead of the panel")
    @line_magic
    def wandb_settings(self, line: str) -> None:
        """Show the settings panel: every setting with its value and source, editable; Start, Save."""
        from IPython.display import display

        from ..settings import resolve

        args = _parse(self.wandb_settings, line)
        try:
            if args.text:
                print(resolve().explain())
                return
            from ._panel import settings_panel

            display(settings_panel())
        except WandbJupyterError as error:
            raise UsageError(str(error)) from None

    @magic_arguments.magic_arguments()
    @magic_arguments.argument("sweep_id", help="the sweep: id, project/id or entity/project/id")
    @magic_arguments.argument("--project", default=None, help="the sweep's project (default: the settings')")
    @magic_arguments.argument("--entity", default=None, help="the sweep's entity (default: the settings')")
    @magic_arguments.argument("--every", type=float, default=2.0, metavar="S", help="seconds between updates")
    @magic_arguments.argument("--once", action="store_true", help="show the table once, without updating it")
    @magic_arguments.argument(
        "--state", choices=("pause", "resume", "stop", "cancel"), default=None, help="change the sweep's state first"
    )
    @line_magic
    def wandb_sweep(self, line: str) -> None:
        """Show a sweep's progress (trials, their metric and parameters, the best run), updated in place
        until the sweep ends; the sweep is on the server when online, in the wandb folder when offline."""
        from ._sweep_view import SweepView

        args = _parse(self.wandb_sweep, line)
        if args.every <= 0:
            raise UsageError("--every takes a positive number of seconds")
        try:
            from ..sweeps import set_sweep_state, sweep_progress

            if args.state:
                states = {"pause": "PAUSED", "resume": "RUNNING", "stop": "FINISHED", "cancel": "CANCELED"}
                set_sweep_state(args.sweep_id, states[args.state], project=args.project, entity=args.entity)

            def read() -> dict[str, Any]:
                return sweep_progress(args.sweep_id, project=args.project, entity=args.entity)

            SweepView(read, args.every).show(follow=not args.once)
        except WandbJupyterError as error:
            raise UsageError(str(error)) from None

    @magic_arguments.magic_arguments()
    @magic_arguments.argument(
        "--port",
        type=int,
        default=None,
        help="port of the server (default: the live server of the data dir, else a free port)",
    )
    @magic_arguments.argument(
        "--data-dir",
        default=None,
        metavar="DIR",
        help="folder of the server's runs and index (default: ~/.local/share/wandb-jupyter/server)",
    )
    @magic_arguments.argument(
        "--height", type=int, default=800, metavar="PX", help="height of the inline dashboard in pixels (default: 800)"
    )
    @line_magic
    def wandb_server(self, line: str) -> None:
        """Show a local wandb-jupyter server's dashboard inline, starting the server if none is live.

        A server this user started earlier for the same data dir (and port, when
        given) is reused while it is live: its process still runs and it answers
        /health. Otherwise a new one starts on 127.0.0.1, allowing this Jupyter
        page to frame its dashboard, and keeps running after the kernel stops;
        ``wandb_jupyter.server.list()`` shows the live ones, ``stop()`` ends them.
        Runs reach it with WANDB_BASE_URL=<its URL> and an API key. The frame and
        the link log in with single-use tickets that expire after two minutes, so
        the saved notebook never holds the server's dashboard token.
        """
        from IPython.display import display

        from ..server._registry import ServerConflict, start_or_reuse
        from ._server_view import dashboard_bundle, jupyter_origins, kernel_runs_note, report_lines

        args = _parse(self.wandb_server, line)
        if args.height <= 0:
            raise UsageError("--height takes a positive number of pixels")
        if args.port is not None and not 0 < args.port < 65536:
            raise UsageError("--port takes a port number from 1 to 65535")
        if args.data_dir is None:
            from ..server import default_data_dir

            args.data_dir = default_data_dir()
        origins = jupyter_origins()
        try:
            started = start_or_reuse(data_dir=args.data_dir, port=args.port, frame_ancestors=origins)
        except (ServerConflict, RuntimeError, OSError) as error:
            raise UsageError(str(error)) from None
        print("\n".join(report_lines(started, origins)))
        try:
            bundle = dashboard_bundle(started.server, args.height, origins)
        except RuntimeError as error:  # its token is unreadable: no login link to show
            raise UsageError(str(error)) from None
        note = kernel_runs_note(started.server.url)
        if note is not None:  # the notebook's offline runs are not on the server: where to see them
            bundle = {kind: f"{bundle[kind]}\n{note[kind]}" for kind in bundle}
        display(bundle, raw=True)
