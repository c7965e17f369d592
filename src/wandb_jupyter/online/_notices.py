"""Alerts and the preemption notice of a run directory, sent to the server once each.

The run keeps them in its directory (:mod:`..core._alerts`); the sender calls
:func:`send_notices` on every round, live and at ``wandb-jupyter sync``. How many
alerts the server took is kept in ``sync-state.json`` (as the line count of a stream
named ``alerts.jsonl``), so a restart or a sync sends each exactly once.
"""

from __future__ import annotations

from ..common._logging import logger
from ..core._alerts import ALERTS_FILE, PREEMPTING_FILE, read_alerts
from ..rundir._rundir import RunPaths
from ._api import Api
from ._syncstate import SyncState

__all__ = ["send_notices"]

_PREEMPTING_SENT = "preempting"


def _alerts_pending(paths: RunPaths, state: SyncState) -> bool:
    """Cheap check (one stat) that alerts.jsonl grew since the last alert sent."""
    try:
        size = (paths.root / ALERTS_FILE).stat().st_size
    except OSError:
        return False
    return size != state.stream(ALERTS_FILE).bytes


def send_notices(api: Api, paths: RunPaths, state: SyncState) -> int:
    """Send what the server has not taken yet; returns the number of requests."""
    requests = 0
    if _alerts_pending(paths, state):
        requests += _send_alerts(api, paths, state)
    sent = state.stream(_PREEMPTING_SENT)
    if not sent.lines and (paths.root / PREEMPTING_FILE).exists():
        api.file_stream(state.entity or "", state.project or "", state.run_id or "", {"preempting": True})
        sent.lines = 1
        state.save()
        requests += 1
    return requests


def _send_alerts(api: Api, paths: RunPaths, state: SyncState) -> int:
    offset = state.stream(ALERTS_FILE)
    alerts, consumed = read_alerts(paths.root)
    requests = 0
    for alert in alerts[offset.lines :]:
        if isinstance(alert, dict):
            api.notify_alert(
                state.entity or "",
                state.project or "",
                state.run_id or "",
                title=str(alert.get("title", "")),
                text=str(alert.get("text", "")),
                severity=str(alert.get("level") or "INFO"),
                wait_ms=int(alert.get("wait_duration") or 60000),
            )
            requests += 1
        else:
            logger.debug("skipping a broken line of %s", paths.root / ALERTS_FILE)
        offset.lines += 1
        state.save()
    offset.bytes = consumed  # what was read, not the file's size now: alerts appended meanwhile come next round
    state.save()
    return requests
