"""The client core: ``init()``, :class:`Run` and what it owns (config and summary, the run directory
writer, row serialisation, resume, naming, metadata, system metrics, console capture, exit handling).

It imports neither the notebook layer nor the online one: those attach themselves through the hooks
in :mod:`._state` and :mod:`._init` (run listeners, the online connector, the page opener)."""
