"""``wandb_jupyter.login()``: W&B's ``wandb.login()`` over the stores of ``wandb-jupyter login``.

The key goes where the command line puts it (``.netrc``, mode 0600, the entry W&B's own
``wandb login`` writes); ``host=`` also becomes the default server (``base_url`` in the
global settings file), as in W&B. Without a key it asks: on a terminal or in a notebook
(the front end's password box) through :func:`getpass.getpass`, which never echoes it.
"""

from __future__ import annotations

import threading

from ..common._errors import UsageError
from ..common._logging import logger
from ..settings import Settings, resolve
from ._auth import login as store_login
from ._auth import resolve_key

__all__ = ["login"]


def _ask(prompt: str, timeout: float | None) -> str | None:
    """The key typed at a hidden prompt; None when nobody answers (no terminal, no front end, timeout)."""
    import getpass

    answer: list[str] = []

    def read() -> None:
        try:
            answer.append(getpass.getpass(prompt))
        except (EOFError, KeyboardInterrupt):
            pass
        except Exception as error:  # a kernel whose front end takes no input (nbclient, papermill)
            logger.debug("the key prompt failed: %r", error)

    if timeout is None:
        read()
    else:
        reader = threading.Thread(target=read, name="wandb-login-prompt", daemon=True)
        reader.start()
        reader.join(timeout)
    return answer[0] if answer else None


def login(
    key: str | None = None,
    relogin: bool | None = None,
    host: str | None = None,
    force: bool | None = None,
    timeout: float | None = None,
    verify: bool = True,
    referrer: str | None = None,
    prompt: bool = True,
    anonymous: str | None = None,
) -> bool:
    """Make an API key available to later online runs; True when there is one afterwards.

    ``key`` is stored (checked with the server first when ``verify``); without it, a key
    already stored is used (``relogin=True`` asks anew), else one is asked for (``prompt``,
    at most ``timeout`` seconds). ``anonymous="must"`` (or ``"allow"`` with no key) gets an
    anonymous account from the server. Offline and disabled modes return False, as in W&B.
    """
    from ..common._ipython import in_kernel
    from ..core._setup import setup_settings
    from ..core._state import current_run

    if current_run() is not None:
        logger.warning("calling login() after init() has no effect")
        return False
    given = Settings(base_url=host, anonymous=anonymous)
    settings = resolve(settings=(setup_settings() or Settings()).merged(given))
    if settings.mode == "disabled":
        return False
    if settings.mode == "offline":
        logger.warning("login(): unable to verify login in offline mode")
        return False
    if key is not None and in_kernel():
        logger.warning(
            "if you put your API key in code, make sure this code is not shared; consider "
            "WANDB_API_KEY or `wandb-jupyter login` instead"
        )
    if key is None and (
        settings.anonymous == "must" or (settings.anonymous == "allow" and resolve_key(settings) is None)
    ):
        from ._session import _anonymous_key

        _anonymous_key(settings)
        logger.info("logged in to %s with an anonymous account", settings.base_url)
        return True
    if key is None and (relogin or resolve_key(settings) is None):
        if not prompt:
            return False
        from ..common._browser import app_url

        key = _ask(
            f"wandb: API key for {settings.base_url} (from {app_url(settings.base_url)}/authorize); "
            "it is not shown as you type: ",
            timeout,
        )
        if not key or not key.strip():
            logger.warning(
                "login(): no API key was given; nothing was stored (set WANDB_API_KEY, pass key=..., "
                "or run `wandb-jupyter login`)"
            )
            return False
    try:
        store_login(
            settings,
            key=key,
            relogin=bool(relogin),
            verify=verify,
            store_host=host is not None,
            read_key=lambda _prompt: None,
            say=logger.info,
        )
    except UsageError as error:
        if "no key given" in str(error):
            return False
        raise
    return True
