"""What the streamed upload handlers (run files, artifact files) share."""

from __future__ import annotations

import os
from typing import Any

__all__ = ["TempFileCleanup"]


class TempFileCleanup:
    """A streamed upload's temporary file (``_tmp``, open as ``_handle``) is removed unless the handler
    kept it (set ``_tmp`` to None): a dropped connection or a refused body leaves nothing behind."""

    _tmp: Any = None
    _handle: Any = None

    def on_connection_close(self) -> None:
        self._discard()

    def on_finish(self) -> None:
        self._discard()

    def _discard(self) -> None:
        if self._tmp is not None:
            tmp, self._tmp = self._tmp, None
            self._handle.close()
            try:
                os.unlink(tmp)
            except OSError:
                pass
