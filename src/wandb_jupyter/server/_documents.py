"""GraphQL documents ready to run: parsed, validated, measured, and a cache of them bounded by bytes.

The SDK sends the same few queries over and over, so a checked document is kept by its
text. A parsed document costs about 120 times its text in memory (a 100k-character
query: ~12 MiB), so the cache is bounded by the characters of the texts it holds, keeps
no text over ``MAX_CACHED_CHARS`` (the W&B SDK's longest are a few KiB), and keeps only
documents of callers with an API key: a keyless caller can make the server parse, never
make it remember.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from graphql import DocumentNode, GraphQLError, parse, validate

from ._cost import Cost, measure
from ._schema import schema

__all__ = ["Checked", "DocumentCache", "check_document", "MAX_CACHED_CHARS", "CACHE_CHARS"]

#: The longest query text kept.
MAX_CACHED_CHARS = 16 << 10
#: Characters of query text kept in all (~30 MiB of parsed documents at most).
CACHE_CHARS = 256 << 10


_FREE = Cost(introspects=False, problem=None)


@dataclass(frozen=True)
class Checked:
    """A document that may run (``errors`` empty), or the errors that refuse it."""

    document: DocumentNode | None
    errors: tuple[GraphQLError, ...] = ()
    cost: Cost = _FREE


def check_document(query: str) -> Checked:
    """Parse, validate and measure ``query``."""
    try:
        document = parse(query)
        errors = validate(schema(), document)
    except GraphQLError as error:
        return Checked(None, (error,))
    except RecursionError:  # brackets nested thousands deep
        return Checked(None, (GraphQLError("the query is nested too deeply"),))
    if errors:
        return Checked(None, tuple(errors))
    return Checked(document, cost=measure(document))


class DocumentCache:
    """Checked documents by query text, least recently used dropped first, within ``max_chars``."""

    def __init__(self, max_chars: int = CACHE_CHARS, max_entry: int = MAX_CACHED_CHARS) -> None:
        self.max_chars = max_chars
        self.max_entry = max_entry
        self.chars = 0
        self._entries: OrderedDict[str, Checked] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, query: str, *, keep: bool) -> Checked:
        """The checked document of ``query``; remembered only when ``keep`` (a caller with a key)."""
        with self._lock:
            found = self._entries.get(query)
            if found is not None:
                self._entries.move_to_end(query)
                return found
        checked = check_document(query)
        if keep and len(query) <= self.max_entry:
            self._put(query, checked)
        return checked

    def _put(self, query: str, checked: Checked) -> None:
        with self._lock:
            if query in self._entries:
                return
            self._entries[query] = checked
            self.chars += len(query)
            while self.chars > self.max_chars:
                dropped, _ = self._entries.popitem(last=False)
                self.chars -= len(dropped)
