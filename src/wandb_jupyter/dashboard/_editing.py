"""Editing runs from the dashboard: what a change may hold, and the JSON API's write handlers.

The browser sends ``POST {run}`` with ``{"name"?, "notes"?, "tags"?}`` and ``DELETE {run}``,
each with Tornado's XSRF token (the ``_xsrf`` cookie echoed in ``X-XSRFToken``): a session
cookie alone never edits anything. Who may edit is the catalog's rule, the same as the
server's GraphQL for the standalone server (members of the run's entity; a shared link
reads only) and Jupyter's authorizer inside Jupyter.
"""

from __future__ import annotations

import json
from typing import Any

from ._catalog import EditRefused as ClientError  # the status-carrying error the handlers answer with

__all__ = ["RunChanges", "parse_run_changes", "RunEditLogic", "MAX_NAME", "MAX_NOTES", "MAX_TAGS", "MAX_TAG"]

MAX_NAME = 128
MAX_NOTES = 1 << 20
MAX_TAGS = 100
MAX_TAG = 256

RunChanges = dict[str, Any]


def _text(value: Any, what: str, limit: int, *, empty: bool) -> str:
    if not isinstance(value, str):
        raise ClientError(400, f"{what} must be text")
    if not empty and not value.strip():
        raise ClientError(400, f"{what} must not be empty")
    if len(value) > limit:
        raise ClientError(400, f"{what} must have at most {limit} characters")
    if any(0xD800 <= ord(c) <= 0xDFFF for c in value):
        raise ClientError(400, f"{what} holds a lone surrogate")
    return value


def parse_run_changes(body: bytes) -> RunChanges:
    """``{"name", "notes", "tags"}`` (any of them) from a request body, checked; ClientError(400) if not."""
    try:
        data = json.loads(body or b"{}")
    except (ValueError, RecursionError):
        raise ClientError(400, "the body must be JSON") from None
    if not isinstance(data, dict):
        raise ClientError(400, "the body must be a JSON object")
    unknown = set(data) - {"name", "notes", "tags"}
    if unknown:
        raise ClientError(400, f"cannot change {', '.join(sorted(unknown))}")
    changes: RunChanges = {}
    if "name" in data:
        changes["name"] = _text(data["name"], "name", MAX_NAME, empty=False).strip()
    if "notes" in data:
        changes["notes"] = _text(data["notes"], "notes", MAX_NOTES, empty=True)
    if "tags" in data:
        tags = data["tags"]
        if not isinstance(tags, list) or len(tags) > MAX_TAGS:
            raise ClientError(400, f"tags must be a list of at most {MAX_TAGS}")
        cleaned = [_text(tag, "a tag", MAX_TAG, empty=False).strip() for tag in tags]
        changes["tags"] = list(dict.fromkeys(cleaned))
    if not changes:
        raise ClientError(400, "nothing to change")
    return changes


class RunEditLogic:
    """``POST``/``DELETE`` on a run's API path (mixed into the run handler)."""

    async def post(self: Any, entity: str, project: str, run_id: str) -> None:
        try:
            self.check_xsrf_cookie()
            changes = parse_run_changes(self.request.body)
        except ClientError as error:
            return self.send_json({"error": str(error)}, error.status)
        except Exception as error:  # tornado's HTTPError(403) for a missing or wrong XSRF token
            return self.send_json({"error": getattr(error, "log_message", None) or "XSRF check failed"}, 403)

        def produce() -> Any:
            self.dashboard.catalog.edit_run(self._viewer, entity, project, run_id, changes)
            return {"ok": True, "changed": sorted(changes)}

        await self.answer(produce)

    async def delete(self: Any, entity: str, project: str, run_id: str) -> None:
        try:
            self.check_xsrf_cookie()
        except Exception as error:
            return self.send_json({"error": getattr(error, "log_message", None) or "XSRF check failed"}, 403)

        def produce() -> Any:
            self.dashboard.catalog.delete_run(self._viewer, entity, project, run_id)
            return {"ok": True}

        await self.answer(produce)
