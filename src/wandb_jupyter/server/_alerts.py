"""Run alerts on the server: ``notifyScriptableRunAlert`` (what ``run.alert()`` sends) and ``Run.alerts``.

Each alert is kept in the run's directory on the server, ``alerts.jsonl`` (one JSON object
a line, beside ``files/``), with ``notified``: W&B notifies (e-mail, Slack) unless an alert
of the same title came less than its ``waitDuration`` (milliseconds) before; this server
sends no e-mail, but keeps that decision so a later notifier or the dashboard can act on it.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from graphql import GraphQLResolveInfo

from ._context import ClientError
from ._resolvers import iso

__all__ = ["FIELDS", "ALERTS_FILE"]

ALERTS_FILE = "alerts.jsonl"
MAX_TITLE, MAX_TEXT = 256, 64 * 1024
DEFAULT_WAIT_MS = 60_000


def _read(root: Path) -> list[dict[str, Any]]:
    try:
        lines = (root / ALERTS_FILE).read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    alerts = []
    for line in lines:
        try:
            alert = json.loads(line)
        except ValueError:
            continue
        if isinstance(alert, dict):
            alerts.append(alert)
    return alerts


def _wait_ms(value: Any) -> int:
    if value is None:
        return DEFAULT_WAIT_MS
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ClientError("waitDuration must be a non-negative number of milliseconds")
    return int(value)


def resolve_notify(_root: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> dict[str, Any]:
    server = info.context.server
    run = server.writable_run(info.context.caller, input["entityName"], input["projectName"], input["runName"])
    title, text = input["title"], input["text"]
    if len(title) > MAX_TITLE or len(text) > MAX_TEXT:
        raise ClientError(f"an alert's title takes at most {MAX_TITLE} characters, its text {MAX_TEXT}")
    wait = _wait_ms(input.get("waitDuration"))
    root = server.files.get(run.pk, run.dir).paths.root
    now = time.time()
    last = max((a.get("at", 0) for a in _read(root) if a.get("title") == title and a.get("notified")), default=None)
    notified = last is None or (now - last) * 1000 >= wait
    record = {
        "title": title,
        "text": text,
        "severity": input.get("severity") or "INFO",
        "waitDuration": wait,
        "at": now,
        "notified": notified,
    }
    with open(root / ALERTS_FILE, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(record, separators=(",", ":")) + "\n")
    return {"success": True, "clientMutationId": input.get("clientMutationId")}


def resolve_run_alerts(node: Any, info: GraphQLResolveInfo) -> list[dict[str, Any]]:
    root = node._files(info).paths.root
    return [
        {
            "title": a.get("title", ""),
            "text": a.get("text", ""),
            "severity": a.get("severity", "INFO"),
            "waitDuration": a.get("waitDuration"),
            "createdAt": iso(a.get("at")),
            "notified": bool(a.get("notified")),
        }
        for a in _read(root)
    ]


FIELDS: dict[str, dict[str, Any]] = {
    "Mutation": {"notifyScriptableRunAlert": resolve_notify},
    "Run": {"alerts": resolve_run_alerts},
}
