"""Executing one GraphQL request against the schema, and the HTTP status it earns.

Documents are parsed, validated and measured once per text (:mod:`._documents`; only
callers with a key are remembered). Syntax and validation errors, a cost over the
limits of :mod:`._cost`, and variables that do not fit are the client's fault: 400 (a
query over MAX_QUERY_CHARS: 413; introspection without a key: 401). Errors
raised by resolvers carry their own status (401 no key, 403 another's entity, 404 missing, 400 bad input);
anything else is a bug of ours: 500, logged with its traceback.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLError, execute_sync

from ._context import Caller, ClientError, ServerContext
from ._documents import DocumentCache
from ._limits import MAX_QUERY_CHARS
from ._schema import schema

__all__ = ["GraphQLRequestContext", "run_graphql"]

log = logging.getLogger("wandb_jupyter.server")

_documents = DocumentCache()
_INTERNAL = "internal server error (the server's log has the details)"


@dataclass
class GraphQLRequestContext:
    server: ServerContext
    caller: Caller
    base_url: str
    remote_ip: str = ""


def _formatted(errors: list[GraphQLError]) -> list[dict[str, Any]]:
    return [dict(error.formatted) for error in errors]


_OPERATION = re.compile(r"\b(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)")


def _operation_name(query: str) -> str | None:
    """The name of the first operation of a query text (for messages only: the text did not validate)."""
    match = _OPERATION.search(query)
    return match.group(1) if match else None


def _named(errors: list[GraphQLError], operation: str | None) -> list[GraphQLError]:
    """Validation errors that say which operation this server cannot answer (a client sends many)."""
    if not operation or any(error.message.startswith("Syntax Error") for error in errors):
        return errors
    return [
        GraphQLError(
            f"operation {operation!r} is not supported by this server: {error.message}",
            error.nodes,
            error.source,
            error.positions,
            error.path,
        )
        for error in errors
    ]


def run_graphql(body: Any, context: GraphQLRequestContext) -> tuple[int, dict[str, Any]]:
    """(HTTP status, response JSON) for one request body."""
    if not isinstance(body, dict) or not isinstance(body.get("query"), str):
        return 400, {"errors": [{"message": "the body must be a JSON object with a 'query' string"}]}
    variables = body.get("variables") or {}
    operation = body.get("operationName")
    if not isinstance(variables, dict) or (operation is not None and not isinstance(operation, str)):
        return 400, {"errors": [{"message": "'variables' must be an object and 'operationName' a string"}]}
    operation = operation or None  # the W&B SDK's public API sends "" for "the document's one operation"
    if len(body["query"]) > MAX_QUERY_CHARS:
        return 413, {"errors": [{"message": f"the query is over the limit of {MAX_QUERY_CHARS} characters"}]}
    authenticated = context.caller.user is not None
    checked = _documents.get(body["query"], keep=authenticated)
    if checked.document is None:
        errors = list(checked.errors)
        log.debug(
            "graphql: %s refused: %s",
            operation or "(anonymous operation)",
            "; ".join(error.message for error in errors),
        )
        return 400, {"errors": _formatted(_named(errors, operation or _operation_name(body["query"])))}
    if checked.cost.introspects and not authenticated:
        return 401, {"errors": [{"message": "introspection (__schema, __type) needs an API key"}]}
    if checked.cost.problem:
        log.debug("graphql: %s refused: %s", operation or "(anonymous operation)", checked.cost.problem)
        return 400, {"errors": [{"message": checked.cost.problem}]}
    result = execute_sync(
        schema(), checked.document, context_value=context, variable_values=variables, operation_name=operation
    )
    if not result.errors:
        return 200, {"data": result.data}
    status = 200
    errors = list(result.errors)
    for index, error in enumerate(errors):
        original = error.original_error
        if isinstance(original, ClientError):
            status = max(status, original.status)
        elif original is None or isinstance(original, GraphQLError):
            status = max(status, 400)  # variables that do not fit the operation, unknown operation name
        else:
            log.error("graphql: %s failed", operation, exc_info=original)
            status = 500
            # its text may name files of the data dir (an OSError's path): the log has it, the answer does not
            errors[index] = GraphQLError(_INTERNAL, error.nodes, error.source, error.positions, error.path)
    if status >= 400:
        log.debug("graphql: %s -> %d: %s", operation, status, "; ".join(e.message for e in errors))
    payload: dict[str, Any] = {"errors": _formatted(errors)}
    if result.data is not None:
        payload["data"] = result.data
    return status, payload
