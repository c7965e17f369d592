"""What one GraphQL document may ask for, measured before it runs.

A document's text is bounded (``MAX_QUERY_CHARS``), but its cost is not: 64 aliased
``__schema`` selections took 1.9 CPU-s, and fragments that spread each other twice
per level ask for 2^n fields in a few hundred characters. So every document is
measured on its syntax tree, fragments expanded, with an early stop once a limit is
passed (the walk itself never costs more than the limits allow):

* fields, counted once per place they are asked for (``MAX_FIELDS``);
* aliased fields (``MAX_ALIASES``): the cheap way to ask for one costly field many times;
* nesting depth (``MAX_DEPTH``);
* introspection (``__schema``, ``__type``): at most ``MAX_INTROSPECTION`` per request, and
  only for callers with an API key (the W&B SDK never introspects).

The operations of the W&B SDK and of our client stay far inside (ours: at most 20 fields, no alias).
"""

from __future__ import annotations

from dataclasses import dataclass

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)

__all__ = ["Cost", "measure", "MAX_FIELDS", "MAX_ALIASES", "MAX_DEPTH", "MAX_INTROSPECTION"]

MAX_FIELDS = 500
MAX_ALIASES = 50
MAX_DEPTH = 15
MAX_INTROSPECTION = 2
#: Fragment spreads followed, in all: a spread of an empty fragment costs no field but a step of the walk.
_MAX_SPREADS = 2 * MAX_FIELDS
_INTROSPECTION_FIELDS = frozenset({"__schema", "__type"})


@dataclass(frozen=True)
class Cost:
    """What a document asks for; ``problem`` says which limit it passes (None: within them all)."""

    introspects: bool
    problem: str | None


def measure(document: DocumentNode) -> Cost:
    """The cost of every operation of ``document`` together (it was validated: no fragment cycle)."""
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    walk = _Walk(fragments)
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            walk.selections(definition.selection_set, 1)
            if walk.problem:
                break
    return Cost(introspects=walk.introspection > 0, problem=walk.problem)


class _Walk:
    def __init__(self, fragments: dict[str, FragmentDefinitionNode]) -> None:
        self.fragments = fragments
        self.fields = self.aliases = self.spreads = self.introspection = 0
        self.problem: str | None = None

    def selections(self, root: SelectionSetNode, depth: int) -> None:
        stack: list[tuple[SelectionSetNode, int]] = [(root, depth)]
        while stack and self.problem is None:
            selection_set, level = stack.pop()
            for selection in selection_set.selections:
                nested = self._visit(selection, level)
                if self.problem is not None:
                    return
                if nested is not None:
                    stack.append(nested)

    def _visit(self, selection: object, level: int) -> tuple[SelectionSetNode, int] | None:
        if isinstance(selection, FieldNode):
            return self._field(selection, level)
        if isinstance(selection, InlineFragmentNode):
            return selection.selection_set, level
        if isinstance(selection, FragmentSpreadNode):
            self.spreads += 1
            if self.spreads > _MAX_SPREADS:
                self.problem = f"the query spreads fragments over the limit of {_MAX_SPREADS} times"
                return None
            fragment = self.fragments.get(selection.name.value)
            return (fragment.selection_set, level) if fragment is not None else None
        return None

    def _field(self, field: FieldNode, level: int) -> tuple[SelectionSetNode, int] | None:
        self.fields += 1
        if field.alias is not None:
            self.aliases += 1
        if field.name.value in _INTROSPECTION_FIELDS:
            self.introspection += 1
        if self.fields > MAX_FIELDS:
            self.problem = f"the query asks for more fields than the limit of {MAX_FIELDS} (fragments expanded)"
        elif self.aliases > MAX_ALIASES:
            self.problem = f"the query has more aliased fields than the limit of {MAX_ALIASES}"
        elif self.introspection > MAX_INTROSPECTION:
            self.problem = f"the query has more __schema/__type fields than the limit of {MAX_INTROSPECTION}"
        elif level > MAX_DEPTH:
            self.problem = f"the query is nested too deeply (over the limit of {MAX_DEPTH} levels)"
        if field.selection_set is None or self.problem is not None:
            return None
        return field.selection_set, level + 1
