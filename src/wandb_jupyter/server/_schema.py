"""The executable schema: ``_schema.graphql`` and the SDL files that extend it, bound to the resolvers.

A feature with its own operations keeps them in its own pair of files: ``_<feature>.graphql`` (``extend type``)
and a module whose ``FIELDS`` maps type name -> field name -> resolver (listed in ``_EXTENSIONS``)."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

from graphql import GraphQLInterfaceType, GraphQLObjectType, GraphQLScalarType, GraphQLSchema, build_schema

from . import _alerts, _artifacts, _read_api, _sweeps
from ._resolvers import MUTATION, QUERY

__all__ = ["schema", "sdl"]


#: (SDL file, its resolvers by type and field) of each extension of the schema.
_EXTENSIONS: list[tuple[str, dict[str, dict[str, Any]]]] = [
    ("_read_api.graphql", _read_api.FIELDS),
    ("_alerts.graphql", _alerts.FIELDS),
    ("_sweeps.graphql", _sweeps.FIELDS),
    ("_artifacts.graphql", _artifacts.FIELDS),
]


def sdl() -> str:
    files = ["_schema.graphql", *(name for name, _ in _EXTENSIONS)]
    return "\n".join(resources.files(__package__).joinpath(name).read_text(encoding="utf-8") for name in files)


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
    extra: dict[str, dict[str, Any]] = {}
    for _, fields in _EXTENSIONS:
        for type_name, resolvers in fields.items():
            extra.setdefault(type_name, {}).update(resolvers)
    _bind(built.query_type, {**QUERY, **extra.pop("Query", {})})  # type: ignore[arg-type]
    _bind(built.mutation_type, {**MUTATION, **extra.pop("Mutation", {})})  # type: ignore[arg-type]
    for type_name, resolvers in extra.items():  # fields of object types: these beat the nodes' attributes
        for name, resolve in resolvers.items():
            object_type = built.type_map[type_name]
            assert isinstance(object_type, (GraphQLObjectType, GraphQLInterfaceType)), type_name
            object_type.fields[name].resolve = resolve
    json_string = built.type_map["JSONString"]
    assert isinstance(json_string, GraphQLScalarType)
    json_string.serialize = _serialize_json_string  # type: ignore[method-assign]
    return built
