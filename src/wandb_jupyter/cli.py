"""The ``wandb-jupyter`` command line.

Most subcommands only read or write settings files and local run directories,
so the command starts fast and works without a server; ``login --verify`` and
``sync`` talk to the server (``requests`` is imported then), and ``server``
(the local W&B-compatible server) imports its modules only when it runs.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from .common._errors import WandbJupyterError
from .settings import BY_NAME, Origin, resolve, untranslated_singularity_vars, workspace_file, write_file
from .settings._origin import parse

__all__ = ["main"]


def _workspace(args: argparse.Namespace) -> Path:
    settings = resolve(init={"dir": args.dir} if getattr(args, "dir", None) else None)
    return workspace_file(settings.dir)


def _say(message: str) -> None:
    print(message)


def cmd_init(args: argparse.Namespace) -> int:
    updates = {"project": args.project, "entity": args.entity}
    if args.project is None and sys.stdin.isatty():
        current = resolve()
        updates["project"] = input(f"project [{current.project}]: ").strip() or current.project
        updates["entity"] = input(f"entity [{current.entity or ''}]: ").strip() or args.entity
    if updates["project"] is None:
        raise WandbJupyterError("give the project with --project (and the entity with --entity)")
    path = _workspace(args)
    _check_values(updates)
    write_file(path, {k: v for k, v in updates.items() if v is not None})
    _say(f"wrote {', '.join(f'{k}={v}' for k, v in updates.items() if v)} to {path}")
    return 0


def _check_values(updates: dict[str, object]) -> None:
    for key, value in updates.items():
        if value is not None:
            parse(BY_NAME[key], value, Origin(kind="init", detail=f"--{key}"))


def _set_mode(mode: str | None, only_if: str | None = None) -> Callable[[argparse.Namespace], int]:
    def command(args: argparse.Namespace) -> int:
        path = _workspace(args)
        if only_if is not None:
            current = resolve(init={"dir": args.dir} if args.dir else None, environ={})
            if current.mode != only_if or current.origin("mode").kind != "workspace file":
                _say(f"mode is not set to {only_if} in {path}; nothing to change")
                return 0
        write_file(path, {"mode": mode})
        _say(f"mode {'= ' + mode if mode else 'cleared'} in {path}")
        return 0

    return command


def cmd_settings(args: argparse.Namespace) -> int:
    settings = resolve(init={"dir": args.dir} if args.dir else None)
    if args.json:
        print(
            json.dumps(
                {
                    s.name: {"value": _jsonable(settings.as_dict()[s.name]), "source": str(v.origin)}
                    for s, v in settings.items()
                },
                indent=2,
            )
        )
    else:
        print(settings.explain())
    untranslated_singularity_vars(__import__("os").environ)
    return 0


def _jsonable(value: object) -> object:
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    return value


def cmd_runs(args: argparse.Namespace) -> int:
    """Local runs, or a server's with --path; W&B's filters and orders; a table, CSV or JSON."""
    from .api._export import local_rows, parse_filter_option, server_rows, write_rows

    settings = resolve(init={"dir": args.dir} if args.dir else None)
    filters = parse_filter_option(args.filter)
    if args.path:
        rows = server_rows(args.path, filters, args.order)
    else:
        rows = local_rows(settings.wandb_dir, args.project, filters, args.order)
    fmt = "json" if args.json else args.format
    if not rows and fmt == "table":
        _say(f"no runs in {args.path or settings.wandb_dir}" + (" match the filter" if filters else ""))
        return 0
    write_rows(rows, fmt)
    return 0


def _read_key(prompt: str) -> str:
    """The key from the terminal (not echoed), or the first line of piped stdin."""
    if sys.stdin is not None and sys.stdin.isatty():
        import getpass

        return getpass.getpass(prompt)
    return sys.stdin.readline().strip() if sys.stdin is not None else ""


def cmd_login(args: argparse.Namespace) -> int:
    from .online._auth import login
    from .settings._parsers import Invalid, base_url

    settings = resolve(init={"dir": args.dir} if args.dir else None)
    store_host = False
    if args.host:
        try:
            host = base_url(args.host)
        except Invalid as invalid:
            raise WandbJupyterError(f"--host: invalid value {args.host!r}; expected {invalid.accepted}") from None
        store_host = host != settings.base_url
        settings = settings.replace("base_url", host, Origin(kind="init", detail="--host"))
    return login(
        settings,
        key=args.key,
        relogin=args.relogin,
        verify=args.verify,
        store_host=store_host,
        read_key=_read_key,
        say=_say,
    )


def cmd_sync(args: argparse.Namespace) -> int:
    from .online._sync import resolve_run_dirs, sync_runs, unsynced_runs

    settings = resolve(init={"dir": args.dir} if args.dir else None)
    if args.entity is not None or args.project is not None:
        _check_values({"entity": args.entity, "project": args.project})
    if args.paths:
        try:
            runs = resolve_run_dirs(args.paths)
        except FileNotFoundError as error:
            raise WandbJupyterError(str(error)) from None
    else:
        runs = unsynced_runs(settings.wandb_dir, settings.ignore_globs)
        if not args.all:
            if not runs:
                _say(f"nothing to sync in {settings.wandb_dir}")
                return 0
            _say(f"runs in {settings.wandb_dir} with data the server lacks:")
            for paths in runs:
                _say(f"  {paths.root}")
            _say("upload them with `wandb-jupyter sync --all`, or name run folders")
            return 0
    if not runs:
        _say(f"nothing to sync in {settings.wandb_dir}")
        return 0
    results = sync_runs(runs, settings, entity=args.entity, project=args.project, say=_say)
    counts: dict[str, int] = {}
    for result in results:
        counts[result.status] = counts.get(result.status, 0) + 1
    _say(", ".join(f"{n} {status}" for status, n in counts.items()))
    return 1 if counts.get("failed") else 0


def cmd_server(args: argparse.Namespace) -> int:
    from .app import serve
    from .server import default_data_dir
    from .server._anonymous import AnonymousPolicy

    logging_level = {0: "WARNING", 1: "INFO"}.get(args.verbose, "DEBUG")
    import logging

    logging.basicConfig(level=logging_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    serve(
        host=args.host,
        port=args.port,
        data_dir=args.data_dir or default_data_dir(),
        base_path=args.base_path,
        frame_ancestors=args.frame_ancestors,
        anonymous=AnonymousPolicy(
            enabled=args.allow_anonymous,
            max_runs=args.anonymous_max_runs,
            max_bytes=args.anonymous_max_mib << 20,
        ),
    )
    return 0


def _frame_ancestor(value: str) -> str:
    from .dashboard._handlers import check_frame_ancestor

    try:
        return check_frame_ancestor(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def cmd_server_user_add(args: argparse.Namespace) -> int:
    from .server import ServerContext, default_data_dir, login_hint
    from .server._accounts import check_name
    from .server._storage import StorageError

    try:
        check_name(args.name)
    except ValueError as error:
        raise WandbJupyterError(str(error)) from None
    server = ServerContext.open(args.data_dir or default_data_dir())
    try:
        user = server.storage.get_user(args.name)
        if user is None:
            try:
                user = server.storage.create_user(args.name, email=args.email)
            except StorageError as error:
                raise WandbJupyterError(str(error)) from None
            _say(f"created user {user.name!r} (entity {user.entity!r})")
        elif not args.new_key:
            raise WandbJupyterError(f"user {args.name!r} exists; --new-key issues another key for it")
        key = server.issue_key(user)
    finally:
        server.close()
    url = args.url or "http://127.0.0.1:8080"
    _say(f"API key (shown only this once): {key}\nLog in with:\n{login_hint(url, key)}")
    return 0


def _server_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    help = "Run the local W&B-compatible server (GraphQL, file_stream, uploads) and its dashboard."
    server = commands.add_parser(
        "server",
        help=help,
        description=help + " The first start creates an admin "
        "user and prints its API key once; every start prints a dashboard link "
        "(dashboard: URL/login?token=...) that logs a browser in as the admin.",
    )
    data_dir_help = "folder of the server's runs and index (default: ~/.local/share/wandb-jupyter/server)"
    server.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    server.add_argument("--port", type=int, default=8080, help="port to listen on, 0 for any free one (default: 8080)")
    server.add_argument("--data-dir", help=data_dir_help)
    server.add_argument("--base-path", default="", help="URL prefix to serve under, e.g. /wandb (default: none)")
    server.add_argument(
        "--allow-anonymous",
        action="store_true",
        help="let clients without a key make anonymous accounts (WANDB_ANONYMOUS), 10 an hour per address; "
        "each holds a few runs and files (default: off)",
    )
    server.add_argument(
        "--anonymous-max-runs", type=int, default=20, metavar="N", help="runs one anonymous account may hold (20)"
    )
    server.add_argument(
        "--anonymous-max-mib",
        type=int,
        default=1024,
        metavar="MIB",
        help="MiB of files one anonymous account may store (1024)",
    )
    server.add_argument(
        "--frame-ancestors",
        metavar="ORIGIN",
        action="append",
        default=[],
        type=_frame_ancestor,
        help="an origin (http://host:port) allowed to show the dashboard in a frame, such as a "
        "Jupyter server's; repeatable (default: the server itself only)",
    )
    server.add_argument("-v", "--verbose", action="count", default=0, help="log requests (-v) or everything (-vv)")
    server.set_defaults(handler=cmd_server)
    server_commands = server.add_subparsers(dest="server_command", metavar="SUBCOMMAND")
    user = server_commands.add_parser(
        "user", help="Manage the server's users.", description="Manage the server's users."
    )
    user_commands = user.add_subparsers(dest="user_command", metavar="ACTION", required=True)
    help = "Create a user (with a personal entity of the same name) and print a new API key for it, once."
    add = user_commands.add_parser("add", help=help, description=help)
    add.add_argument("name", help="user name: letters, digits, '_', '.', '-'")
    add.add_argument("--email", help="the user's e-mail address")
    add.add_argument("--new-key", action="store_true", help="the user exists: issue one more key for it")
    add.add_argument("--data-dir", default=argparse.SUPPRESS, help=data_dir_help)
    add.add_argument("--url", help="the server's URL, for the login hint (default: http://127.0.0.1:8080)")
    add.set_defaults(handler=cmd_server_user_add)


def _parser() -> argparse.ArgumentParser:
    from .common._package_version import __version__

    parser = argparse.ArgumentParser(
        prog="wandb-jupyter",
        description="Light, notebook-first experiment tracking that speaks W&B. "
        "Settings: defaults < global file < workspace file < WANDB_* env < init().",
    )
    parser.add_argument("--version", action="version", version=f"wandb-jupyter {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add(
        name: str, handler: Callable[[argparse.Namespace], int], help: str, aliases: Sequence[str] = ()
    ) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help, description=help, aliases=list(aliases))
        sub.add_argument("--dir", help="folder holding wandb/ (default: WANDB_DIR or the working directory)")
        sub.set_defaults(handler=handler)
        return sub

    sub = add("init", cmd_init, "Store the project (and entity) in the workspace settings file.")
    sub.add_argument("--project", "-p", help="project name")
    sub.add_argument("--entity", "-e", help="entity (team or user)")
    add(
        "offline",
        _set_mode("offline"),
        "Keep runs offline: mode=offline in the workspace settings file.",
        aliases=["off"],
    )
    add("online", _set_mode(None), "Go back to online mode: clear mode in the workspace settings file.", aliases=["on"])
    add("disabled", _set_mode("disabled"), "Turn tracking off: mode=disabled in the workspace settings file.")
    add("enabled", _set_mode(None, only_if="disabled"), "Undo `disabled`: clear mode=disabled.")
    sub = add("settings", cmd_settings, "Show every resolved setting and where it came from (API key masked).")
    sub.add_argument("--json", action="store_true", help="print JSON")
    sub = add("runs", cmd_runs, "List the local runs (or a server's with --path), filtered and ordered as by Api().")
    sub.add_argument("--project", "-p", help="only runs of this project")
    sub.add_argument("--path", help="ENTITY/PROJECT: the runs of the server (WANDB_BASE_URL and the stored key)")
    sub.add_argument("--filter", "-f", help='W&B\'s filter language as JSON, e.g. \'{"config.lr": {"$lt": 0.01}}\'')
    order_help = "[+|-]field: created_at (default), summary_metrics.KEY, config.KEY (write --order=-field)"
    sub.add_argument("--order", "-o", help=order_help)
    sub.add_argument("--format", choices=("table", "csv", "json"), default="table", help="output format")
    sub.add_argument("--json", action="store_true", help="same as --format json")
    help = "Store an API key for a server in ~/.netrc (mode 0600), like `wandb login`; --verify checks it."
    sub = add("login", cmd_login, help)
    sub.add_argument("key", nargs="?", help="the API key (default: ask for it, or read it from piped stdin)")
    sub.add_argument(
        "--host",
        help="server URL, e.g. http://127.0.0.1:8080 (default: WANDB_BASE_URL or "
        "https://api.wandb.ai); also made the default server",
    )
    sub.add_argument("--relogin", action="store_true", help="replace the key stored for the server")
    sub.add_argument(
        "--verify",
        action="store_true",
        help="check the key with the server (Viewer) first; a key it refuses is not stored",
    )
    help = "Upload offline runs, and what online runs could not send, to the server; with a progress bar."
    sub = add("sync", cmd_sync, help)
    sub.add_argument("paths", nargs="*", metavar="RUN_DIR", help="run folders (or wandb/ folders) to upload")
    sub.add_argument("--all", action="store_true", help="every run under wandb/ that the server lacks data of")
    sub.add_argument(
        "--entity", "-e", help="entity to upload offline runs to (default: the one given to init(), else the key's own)"
    )
    sub.add_argument("--project", "-p", help="project to upload to (default: the run's)")
    _server_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 0
    try:
        return args.handler(args)
    except (WandbJupyterError, KeyError) as error:
        print(f"wandb-jupyter: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
