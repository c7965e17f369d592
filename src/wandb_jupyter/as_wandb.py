"""``python -m wandb_jupyter.as_wandb program.py [args]`` (or ``-m module [args]``): a W&B program, unchanged.

The program's ``import wandb`` (and its libraries') resolves to this package:
the alias of :func:`wandb_jupyter.install_as_wandb` is installed, then the
program runs as ``__main__`` with its own ``sys.argv``, as ``python program.py``
would run it. This is for scripts nobody wants to edit; code that imports
``wandb_jupyter`` itself can set ``WANDB_JUPYTER_AS_WANDB=1`` or call the function.
"""

from __future__ import annotations

import os
import runpy
import sys

from . import install_as_wandb

USAGE = "usage: python -m wandb_jupyter.as_wandb (program.py | -m module) [args...]"


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help") or (args[0] == "-m" and len(args) < 2):
        print(USAGE, file=sys.stderr)
        return 2
    install_as_wandb()
    if args[0] == "-m":
        sys.argv = [args[1], *args[2:]]
        runpy.run_module(args[1], run_name="__main__", alter_sys=True)
    else:
        sys.argv = args
        sys.path.insert(0, os.path.dirname(os.path.abspath(args[0])))  # as ``python program.py`` does
        runpy.run_path(args[0], run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main())
