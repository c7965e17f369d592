"""W&B's run filter language (a subset of MongoDB's query language) and its run ordering.

``wandb.Api().runs(path, filters={...}, order="-summary_metrics.loss")`` sends
both to the server as they are; the local server and the client's folder mode
evaluate them here, over a :class:`RunRecord`, so both answer alike.

Filters: ``{"field": value}`` (equality; on a list field such as ``tags``:
"holds value"), ``{"field": {"$op": operand}}`` with ``$eq $ne $gt $gte $lt
$lte $in $nin $exists $regex $not``, and ``$and`` / ``$or`` / ``$nor`` over
lists of filters. Fields: ``config.<key>`` (``config.<key>.value`` too, W&B's
stored form), ``summary_metrics.<key>``, dotted further into nested values,
and the run's own fields under W&B's names or their snake_case forms (``state``,
``tags``, ``group``, ``jobType``, ``createdAt``, ``heartbeatAt``,
``displayName``, ``name``, ``host``, ``username``, ``sweep``, ``duration``).
Time fields compare with ISO 8601 strings (``"2026-01-01T00:00:00Z"``) or
epoch seconds. Ordering: ``[+|-]field`` with the same field names
(``created_at`` by default); runs that lack the field come last either way.

A filter that is not of this language is a :class:`FilterError` saying what is
wrong, never a silent "matches nothing".
"""

from __future__ import annotations

import heapq
import itertools
import json
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timezone
from typing import Any

__all__ = [
    "FilterError",
    "RunRecord",
    "compile_filter",
    "compile_order",
    "parse_filters",
    "select_page",
    "by_creation",
    "check_cursor",
    "sql_like",
    "MISSING",
]


class FilterError(ValueError):
    """A filter or order that W&B's run filter language does not have."""


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()

#: W&B's field names (and snake_case aliases) -> the record's attribute.
_FIELDS = {
    "name": "name",
    "id": "name",
    "displayName": "display_name",
    "display_name": "display_name",
    "state": "state",
    "tags": "tags",
    "group": "group",
    "jobType": "job_type",
    "job_type": "job_type",
    "createdAt": "created_at",
    "created_at": "created_at",
    "heartbeatAt": "heartbeat_at",
    "heartbeat_at": "heartbeat_at",
    "updatedAt": "heartbeat_at",
    "host": "host",
    "username": "username",
    "user": "username",
    "sweep": "sweep",
    "sweepName": "sweep",
    "duration": "duration",
    "notes": "notes",
    "description": "notes",
}
_TIME_FIELDS = {"created_at", "heartbeat_at"}
_OPERATORS = {"$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin", "$exists", "$regex", "$not", "$options"}
_MAX_DEPTH = 32


class RunRecord:
    """What a filter can look at of one run. ``config`` and ``summary`` may be callables, read only
    when a filter or order needs them (a server's summary is a file per run)."""

    __slots__ = (
        "name",
        "display_name",
        "state",
        "tags",
        "group",
        "job_type",
        "created_at",
        "heartbeat_at",
        "host",
        "username",
        "sweep",
        "notes",
        "_config",
        "_summary",
    )

    def __init__(
        self,
        *,
        name: str,
        display_name: str | None = None,
        state: str | None = None,
        tags: tuple[str, ...] | list[str] = (),
        group: str | None = None,
        job_type: str | None = None,
        created_at: float | None = None,
        heartbeat_at: float | None = None,
        host: str | None = None,
        username: str | None = None,
        sweep: str | None = None,
        notes: str | None = None,
        config: Mapping[str, Any] | Callable[[], Mapping[str, Any]] | None = None,
        summary: Mapping[str, Any] | Callable[[], Mapping[str, Any]] | None = None,
    ) -> None:
        self.name = name
        self.display_name = display_name
        self.state = state
        self.tags = list(tags)
        self.group = group
        self.job_type = job_type
        self.created_at = created_at
        self.heartbeat_at = heartbeat_at
        self.host = host
        self.username = username
        self.sweep = sweep
        self.notes = notes
        self._config = config
        self._summary = summary

    @property
    def config(self) -> Mapping[str, Any]:
        if callable(self._config):
            self._config = self._config() or {}
        return self._config or {}

    @property
    def summary(self) -> Mapping[str, Any]:
        if callable(self._summary):
            self._summary = self._summary() or {}
        return self._summary or {}

    @property
    def duration(self) -> float | None:
        if self.created_at is None or self.heartbeat_at is None:
            return None
        return self.heartbeat_at - self.created_at

    def get(self, path: tuple[str, ...]) -> Any:
        """The value at a parsed field path, or MISSING."""
        return _resolve(self, path)


def _dig(value: Any, parts: tuple[str, ...]) -> Any:
    for part in parts:
        if isinstance(value, Mapping) and part in value:
            value = value[part]
        else:
            return MISSING
    return value


def _resolve(record: RunRecord, path: tuple[str, ...]) -> Any:
    head, rest = path[0], path[1:]
    if head == "config":
        config = record.config
        if rest and rest[0] in config:
            value = config[rest[0]]
            if len(rest) > 1 and rest[1] == "value" and not (isinstance(value, Mapping) and "value" in value):
                return _dig(value, rest[2:])  # config.x.value: W&B's stored form of config.x
            return _dig(value, rest[1:])
        return MISSING
    if head == "summary":
        return _dig(record.summary, rest)
    value = getattr(record, _FIELDS[head])
    return MISSING if value is None else _dig(value, rest) if rest else value


def field_path(field: str) -> tuple[str, ...]:
    """A filter or order field as a path: ("config", "lr"), ("summary", "loss", "min"), ("state",)."""
    if not isinstance(field, str) or not field:
        raise FilterError(f"a filter field must be a non-empty string, not {field!r}")
    parts = tuple(field.split("."))
    head = parts[0]
    if head in ("config", "summary_metrics", "summaryMetrics", "summary"):
        if len(parts) < 2 or not all(parts[1:]):
            raise FilterError(f"filter field {field!r} needs a key after '{head}.'")
        return ("config" if head == "config" else "summary", *parts[1:])
    if head not in _FIELDS:
        known = ", ".join(
            sorted(
                {k for k in _FIELDS if not k.islower() or "_" in k or k in ("name", "state", "tags", "group", "host")}
            )
        )
        raise FilterError(f"unknown filter field {field!r}: use config.<key>, summary_metrics.<key> or one of {known}")
    return (head, *parts[1:])


# -- comparisons ------------------------------------------------------------


def _epoch(value: Any) -> Any:
    """Time operands as epoch seconds (ISO 8601 text or a number)."""
    if isinstance(value, str):
        try:
            when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise FilterError(f"{value!r} is not an ISO 8601 time (like 2026-01-31T12:00:00Z)") from None
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        return when.timestamp()
    return value


def _bracket(value: Any) -> int:
    """MongoDB compares values of one type bracket only: numbers with numbers, text with text."""
    if isinstance(value, bool):
        return 3
    if isinstance(value, (int, float)):
        return 1
    if isinstance(value, str):
        return 2
    return 4


def _equal(value: Any, operand: Any) -> bool:
    if value is MISSING:
        return operand is None
    if isinstance(value, list) and not isinstance(operand, list):
        return any(_equal(item, operand) for item in value)
    if _bracket(value) != _bracket(operand):
        return False
    return value == operand


def _ordered(value: Any, operand: Any, test: Callable[[Any, Any], bool]) -> bool:
    if value is MISSING or value is None:
        return False
    if isinstance(value, list):
        return any(_ordered(item, operand, test) for item in value)
    if _bracket(value) != _bracket(operand) or _bracket(value) > 3:
        return False
    return test(value, operand)


_COMPARE = {
    "$gt": lambda a, b: a > b,
    "$gte": lambda a, b: a >= b,
    "$lt": lambda a, b: a < b,
    "$lte": lambda a, b: a <= b,
}

Predicate = Callable[[RunRecord], bool]


def _regex(pattern: Any, options: Any) -> re.Pattern[str]:
    if not isinstance(pattern, str):
        raise FilterError(f"$regex needs a string pattern, not {pattern!r}")
    flags = 0
    for letter in options or "":
        flags |= {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL, "x": re.VERBOSE}.get(letter, 0)
    try:
        return re.compile(pattern, flags)
    except re.error as error:
        raise FilterError(f"$regex {pattern!r} is not a valid regular expression: {error}") from None


def _operator(op: str, operand: Any, options: Any, time_field: bool, depth: int) -> Callable[[Any], bool]:
    """A test of one field value for ``{op: operand}``."""
    convert = _epoch if time_field else (lambda v: v)
    if op == "$eq":
        target = convert(operand)
        return lambda v: _equal(v, target)
    if op == "$ne":
        target = convert(operand)
        return lambda v: not _equal(v, target)
    if op in _COMPARE:
        target, test = convert(operand), _COMPARE[op]
        if _bracket(target) > 3:
            raise FilterError(f"{op} needs a number or a string, not {operand!r}")
        return lambda v: _ordered(v, target, test)
    if op in ("$in", "$nin"):
        if not isinstance(operand, list):
            raise FilterError(f"{op} needs a list, not {operand!r}")
        targets = [convert(item) for item in operand]
        if op == "$in":
            return lambda v: any(_equal(v, t) for t in targets)
        return lambda v: not any(_equal(v, t) for t in targets)
    if op == "$exists":
        if not isinstance(operand, bool):
            raise FilterError(f"$exists needs true or false, not {operand!r}")
        return lambda v: (v is not MISSING and v is not None) == operand
    if op == "$regex":
        pattern = _regex(operand, options)
        return lambda v: (
            any(isinstance(i, str) and pattern.search(i) for i in v)
            if isinstance(v, list)
            else isinstance(v, str) and pattern.search(v) is not None
        )
    if op == "$not":
        inner = _value_test(operand, time_field, depth + 1)
        return lambda v: not inner(v)
    raise FilterError(f"unknown filter operator {op!r}: use one of {', '.join(sorted(_OPERATORS - {'$options'}))}")


def _value_test(spec: Any, time_field: bool, depth: int) -> Callable[[Any], bool]:
    """A test of one field value: ``spec`` is a plain value (equality) or an object of operators."""
    if isinstance(spec, dict) and spec and all(isinstance(k, str) and k.startswith("$") for k in spec):
        options = spec.get("$options")
        tests = [_operator(op, operand, options, time_field, depth) for op, operand in spec.items() if op != "$options"]
        return lambda v: all(test(v) for test in tests)
    if isinstance(spec, dict) and any(isinstance(k, str) and k.startswith("$") for k in spec):
        raise FilterError(f"an operator object cannot mix operators and fields: {spec!r}")
    target = _epoch(spec) if time_field else spec
    return lambda v: _equal(v, target)


def _compile(filters: Any, depth: int) -> Predicate:
    if depth > _MAX_DEPTH:
        raise FilterError("the filter is nested too deeply")
    if not isinstance(filters, dict):
        raise FilterError(f"a filter must be a JSON object, not {type(filters).__name__}: {filters!r}")
    parts: list[Predicate] = []
    for key, spec in filters.items():
        if key in ("$and", "$or", "$nor"):
            if not isinstance(spec, list):
                raise FilterError(f"{key} needs a list of filters, not {spec!r}")
            subs = [_compile(sub, depth + 1) for sub in spec]
            parts.append(_combine(key, subs))
            continue
        if isinstance(key, str) and key.startswith("$"):
            raise FilterError(f"unknown filter operator {key!r} at the top of a filter: use $and, $or or $nor")
        path = field_path(key)
        test = _value_test(spec, _FIELDS.get(path[0]) in _TIME_FIELDS and len(path) == 1, depth + 1)
        parts.append(_field_test(path, test))
    return _combine("$and", parts)


def _combine(operator: str, subs: list[Predicate]) -> Predicate:
    if operator == "$and":
        return lambda record: all(sub(record) for sub in subs)
    if operator == "$or":
        return lambda record: any(sub(record) for sub in subs)
    return lambda record: not any(sub(record) for sub in subs)


def _field_test(path: tuple[str, ...], test: Callable[[Any], bool]) -> Predicate:
    return lambda record: test(record.get(path))


def compile_filter(filters: Any) -> Predicate:
    """A predicate over :class:`RunRecord` for W&B's ``filters`` (a dict; None or {} match every run)."""
    return _compile(filters or {}, 0)


def parse_filters(text: str | None) -> Any:
    """The ``filters`` JSONString of the Runs query as an object ({} when absent)."""
    if text is None or text == "":
        return {}
    if not isinstance(text, str):
        raise FilterError(f"filters must be a string of JSON, not {type(text).__name__}")
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        raise FilterError("filters is not valid JSON") from None
    return {} if value is None else value


def filter_needs(filters: Any) -> set[str]:
    """Which lazy parts of a record a filter reads: a subset of {"config", "summary"}."""
    needs: set[str] = set()
    text = json.dumps(filters)
    if '"config.' in text:
        needs.add("config")
    if '"summary' in text:
        needs.add("summary")
    return needs


# -- ordering ------------------------------------------------------------

_ORDER_ALIASES = {"summaryMetrics": "summary_metrics"}


def compile_order(order: str | None) -> tuple[tuple[str, ...], bool]:
    """(field path, descending) of an order such as ``-summary_metrics.loss``; ``+created_at`` by default."""
    text = (order or "+created_at").strip()
    descending = text.startswith("-")
    field = text.lstrip("+-").strip()
    if not field:
        raise FilterError(f"invalid order {order!r}: use [+|-]<field>, such as -summary_metrics.loss")
    head, _, rest = field.partition(".")
    field = _ORDER_ALIASES.get(head, head) + ("." + rest if rest else "")
    return field_path(field), descending


def sort_key(value: Any) -> tuple[int, Any]:
    """A key that orders any mix of values: numbers, then text, then booleans, then the rest as JSON text."""
    bracket = _bracket(value)
    if bracket == 4:
        return bracket, json.dumps(value, sort_keys=True, default=str)
    return bracket, value


# -- pages ------------------------------------------------------------


class _Descending:
    """A sort key read backwards (for ``-field`` orders over values that cannot be negated, like text)."""

    __slots__ = ("key",)

    def __init__(self, key: Any) -> None:
        self.key = key

    def __lt__(self, other: _Descending) -> bool:
        return other.key < self.key

    def __gt__(self, other: _Descending) -> bool:
        return other.key > self.key

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Descending) and other.key == self.key

    def __hash__(self) -> int:
        return hash(self.key)


def _comparable(position: list[Any], descending: bool) -> tuple[Any, ...]:
    """A run's place from its position ``[missing, bracket, value, tiebreak]`` (a cursor's JSON form):
    runs without the field come last in either direction; the tiebreak (unique per run) settles ties."""
    missing, bracket, value, tiebreak = position
    middle = (bracket, value)
    return (missing, _Descending(middle) if descending else middle, tiebreak)


def _position(record: RunRecord, path: tuple[str, ...], tiebreak: Any) -> list[Any]:
    value = record.get(path)
    if value is MISSING or value is None:
        return [1, 0, 0, tiebreak]
    bracket, comparable = sort_key(value)
    return [0, bracket, comparable, tiebreak]


def check_cursor(after: Any) -> Any:
    """A decoded runs cursor, checked: ``[missing, bracket, value, tiebreak]``."""
    if after is not None and not (isinstance(after, list) and len(after) == 4 and after[0] in (0, 1)):
        raise FilterError(f"invalid cursor {after!r}: pass an endCursor given for the same filters and order")
    return after


def by_creation(order: str | None) -> bool | None:
    """For an order on the creation time: whether it is descending (the runs index keeps that order, so a
    page can be read from the cursor on); None for any other order."""
    path, descending = compile_order(order)
    return descending if len(path) == 1 and _FIELDS.get(path[0]) == "created_at" else None


def select_page(
    matches: Iterable[tuple[RunRecord, Any]], order: str | None, after: Any, size: int, *, presorted: bool = False
) -> tuple[list[tuple[list[Any], Any]], bool]:
    """One page of runs in ``order``: ``size`` (position, item) pairs after the position ``after`` (None:
    from the start), and whether more follow. Only the page is kept (``heapq.nsmallest``), so memory is
    bounded by ``size`` however many runs match. A run's name is its tiebreak. ``presorted``: ``matches``
    come in ``order`` already, from after the cursor on, so reading stops once the page is full."""
    path, descending = compile_order(order)
    start = _comparable(check_cursor(after), descending) if after is not None else None

    def candidates() -> Iterable[tuple[tuple[Any, ...], list[Any], Any]]:
        for record, item in matches:
            position = _position(record, path, record.name)
            place = _comparable(position, descending)
            if start is None or start < place:
                yield place, position, item

    try:
        if presorted:
            page = list(itertools.islice(candidates(), size + 1))
        else:
            page = heapq.nsmallest(size + 1, candidates(), key=lambda entry: entry[0])
    except TypeError:  # a cursor from another order (its value cannot be compared with this order's)
        raise FilterError("the cursor does not belong to this order") from None
    return [(position, item) for _, position, item in page[:size]], len(page) > size


def sql_like(pattern: str) -> re.Pattern[str]:
    """SQL's LIKE (``%``: any run of characters, ``_``: one), the language of W&B's ``run.files(pattern=)``."""
    parts = ("." if c == "_" else ".*" if c == "%" else re.escape(c) for c in pattern)
    return re.compile("".join(parts) + r"\Z", re.DOTALL)
