"""The executable schema: ``_schema.graphql`` (SDL) bound to the resolvers."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

from graphql import GraphQLObjectType, GraphQLScalarType, GraphQLSchema, build_schema

from ._resolvers import MUTATION, QUERY

__all__ = ["schema", "sdl"]


def sdl() -> str:
    return resources.files(__package__).joinpath("_schema.graphql").read_text(encoding="utf-8")


def _serialize_json_string(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _bind(type_: GraphQLObjectType, resolvers: dict[str, Any]) -> None:
    missing = set(type_.fields) - set(resolvers)
    if missing:
        raise RuntimeError(f"{type_.name} fields without a resolver: {sorted(missing)}")
    for name, resolve in resolvers.items():
        type_.fields[name].resolve = resolve


@lru_cache(maxsize=1)
def schema() -> GraphQLSchema:
    built = build_schema(sdl())
    _bind(built.query_type, QUERY)  # type: ignore[arg-type]
    _bind(built.mutation_type, MUTATION)  # type: ignore[arg-type]
    json_string = built.type_map["JSONString"]
    assert isinstance(json_string, GraphQLScalarType)
    json_string.serialize = _serialize_json_string  # type: ignore[method-assign]
    return built
